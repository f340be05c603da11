// Package upgrade moves the state that earlier versions kept in the cluster
// database, under module/<id>/preflight/* where every module and the
// passwordless default user of every node can read it, into the module's
// state directory (package store), then deletes those keys. NS8 runs it on
// every update of the module (imageroot/update-module.d, ns8-core
// update-module 50run_scriptdir), so it is idempotent: with the keys gone
// it finds nothing and changes nothing.
//
// The layout it reads (versions up to the one that introduced the state
// directory store):
//
//	module/<id>/preflight/last/<action>  STRING  last report of each action
//	module/<id>/preflight/reports/<run>  STRING  report of each run in the history
//	module/<id>/preflight/history        LIST    run summaries, newest first
//	module/<id>/preflight/checklist      HASH    item -> {done, note, by, at}
//	module/<id>/preflight/ns7-facts      STRING  sanitized facts of the last probe
//	module/<id>/preflight/lock           STRING  the run lock: kept, it is still used
package upgrade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

// Prefix is the own-key suffix under which earlier versions kept the state.
const Prefix = "preflight/"

// runPreflight is the action whose last report earlier versions also kept
// under last/: here it is the newest report of the history.
const runPreflight = "run-preflight"

// Result is what a move did: counts and key names, nothing they held.
type Result struct {
	Found    int            // keys under module/<id>/preflight/ (the lock excluded)
	Imported store.Imported // what the store took
	Deleted  int            // keys deleted
	// Left are keys of unknown shape, left in place.
	Left []string
}

// Move reads every preflight key of the module on rdb (the leader, with the
// module's credentials), merges what it holds into st, and deletes the
// keys once the store has them on disk. A key of an unknown name is left
// alone; a value that does not decode is dropped (Result.Imported.Dropped
// names it): nothing could read it.
func Move(ctx context.Context, rdb *redis.Client, moduleID string, st *store.Store) (Result, error) {
	var res Result
	prefix := cluster.OwnKey(moduleID, Prefix)
	keys, err := scan(ctx, rdb, prefix+"*")
	if err != nil {
		return res, fmt.Errorf("list %s*: %w", prefix, err)
	}
	var in store.Import
	var moved []string
	for _, k := range keys {
		suffix := strings.TrimPrefix(k, prefix)
		if suffix == "lock" {
			continue
		}
		res.Found++
		ok, err := read(ctx, rdb, k, suffix, &in)
		if err != nil {
			return res, fmt.Errorf("read %s: %w", k, err)
		}
		if ok {
			moved = append(moved, k)
		} else {
			res.Left = append(res.Left, k)
		}
	}
	if len(moved) == 0 {
		return res, nil
	}
	foldLastRun(&in)
	if res.Imported, err = st.Import(in); err != nil {
		return res, fmt.Errorf("write the state directory: %w", err)
	}
	n, err := rdb.Del(ctx, moved...).Result()
	res.Deleted = int(n)
	if err != nil {
		return res, fmt.Errorf("delete the moved keys: %w", err)
	}
	return res, nil
}

// read adds one key's value to in; false for a key of unknown name.
func read(ctx context.Context, rdb *redis.Client, key, suffix string, in *store.Import) (bool, error) {
	switch {
	case suffix == "history":
		vals, err := rdb.LRange(ctx, key, 0, -1).Result()
		if err != nil {
			return true, ignoreWrongType(err)
		}
		for _, v := range vals {
			var h store.Summary
			if json.Unmarshal([]byte(v), &h) == nil && h.RunID != "" {
				in.History = append(in.History, h)
			}
		}
	case suffix == "checklist":
		m, err := rdb.HGetAll(ctx, key).Result()
		if err != nil {
			return true, ignoreWrongType(err)
		}
		for item, v := range m {
			var e store.ChecklistEntry
			if json.Unmarshal([]byte(v), &e) == nil {
				if in.Checklist == nil {
					in.Checklist = map[string]store.ChecklistEntry{}
				}
				in.Checklist[item] = e
			}
		}
	case suffix == "ns7-facts":
		v, err := getString(ctx, rdb, key)
		if err != nil {
			return true, err
		}
		in.NS7Facts = v
	case strings.HasPrefix(suffix, "last/"):
		return true, putString(ctx, rdb, key, strings.TrimPrefix(suffix, "last/"), &in.Last)
	case strings.HasPrefix(suffix, "reports/"):
		return true, putString(ctx, rdb, key, strings.TrimPrefix(suffix, "reports/"), &in.Reports)
	default:
		return false, nil
	}
	return true, nil
}

// getString reads a STRING key; nil for a key of another type.
func getString(ctx context.Context, rdb *redis.Client, key string) ([]byte, error) {
	v, err := rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, ignoreWrongType(err)
	}
	return v, nil
}

func putString(ctx context.Context, rdb *redis.Client, key, name string, m *map[string][]byte) error {
	v, err := getString(ctx, rdb, key)
	if err != nil || v == nil {
		return err
	}
	if *m == nil {
		*m = map[string][]byte{}
	}
	(*m)[name] = v
	return nil
}

// ignoreWrongType turns a value of the wrong type into nothing: it is as
// unreadable as a damaged one.
func ignoreWrongType(err error) error {
	if err != nil && strings.HasPrefix(err.Error(), "WRONGTYPE") {
		return nil
	}
	return err
}

// foldLastRun turns the last run-preflight report into what the store keeps
// of a run (a report by run id, and a history entry when the history lacks
// one), since the store's newest run is the head of the history.
func foldLastRun(in *store.Import) {
	raw, ok := in.Last[runPreflight]
	if !ok {
		return
	}
	delete(in.Last, runPreflight)
	var r report.Report
	if json.Unmarshal(raw, &r) != nil || r.RunID == "" {
		return
	}
	if in.Reports == nil {
		in.Reports = map[string][]byte{}
	}
	if _, ok := in.Reports[r.RunID]; !ok {
		in.Reports[r.RunID] = raw
	}
	for _, h := range in.History {
		if h.RunID == r.RunID {
			return
		}
	}
	in.History = append(in.History, store.Summary{RunID: r.RunID, StartedAt: r.StartedAt, DurationMs: r.DurationMs,
		Ready: r.Ready, Summary: r.Summary, Changes: len(r.Changes)})
}

func scan(ctx context.Context, rdb *redis.Client, pattern string) ([]string, error) {
	var out []string
	iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	for iter.Next(ctx) {
		out = append(out, iter.Val())
	}
	return out, iter.Err()
}
