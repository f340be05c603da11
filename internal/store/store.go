// Package store keeps the preflight's state in the cluster database, under
// the module's own keys on the leader: the last report of each action, a
// bounded history of run summaries with the reports they point to, the
// manual checklist, and the lock that lets one run-preflight run at a time.
package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// HistoryLen bounds the history (and the stored reports it points to).
const HistoryLen = 30

// Store reads and writes module/<id>/preflight/*.
type Store struct {
	rdb    *redis.Client
	module string
}

// New wraps a connection to the leader with the module's credentials.
func New(rdb *redis.Client, moduleID string) *Store { return &Store{rdb: rdb, module: moduleID} }

func (s *Store) key(suffix string) string { return "module/" + s.module + "/preflight/" + suffix }

// Keys of the stored state (suffixes under module/<id>/preflight/).
const (
	lastRunKey   = "last/run-preflight"
	historyKey   = "history"
	checklistKey = "checklist"
	lockKey      = "lock"
	reportPrefix = "reports/"
)

// Summary is one history entry.
type Summary struct {
	RunID      string         `json:"run_id"`
	StartedAt  string         `json:"started_at"`
	DurationMs int64          `json:"duration_ms"`
	User       string         `json:"user"`
	Ready      bool           `json:"ready"`
	Summary    report.Summary `json:"summary"`
	Changes    int            `json:"changes"`
}

// LastRun returns the last run-preflight report, nil if none.
func (s *Store) LastRun(ctx context.Context) (*report.Report, error) {
	return s.getReport(ctx, s.key(lastRunKey))
}

// Report returns a stored report by run id, nil if unknown or expired.
func (s *Store) Report(ctx context.Context, runID string) (*report.Report, error) {
	return s.getReport(ctx, s.key(reportPrefix+runID))
}

func (s *Store) getReport(ctx context.Context, key string) (*report.Report, error) {
	raw, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var r report.Report
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return nil, fmt.Errorf("stored report %s is damaged: %w", key, err)
	}
	return &r, nil
}

// History returns the run summaries, newest first.
func (s *Store) History(ctx context.Context) ([]Summary, error) {
	vals, err := s.rdb.LRange(ctx, s.key(historyKey), 0, HistoryLen-1).Result()
	if err != nil {
		return nil, err
	}
	out := make([]Summary, 0, len(vals))
	for _, v := range vals {
		var h Summary
		if json.Unmarshal([]byte(v), &h) == nil {
			out = append(out, h)
		}
	}
	return out, nil
}

// SaveRun stores a run atomically: the last report, the report by run id,
// the history entry; then trims the history and drops the reports that
// fell out of it. The event is published after the transaction.
func (s *Store) SaveRun(ctx context.Context, rep report.Report, raw []byte, sum Summary) error {
	entry, err := json.Marshal(sum)
	if err != nil {
		return err
	}
	// The entries about to fall off the history: their reports go too.
	old, err := s.rdb.LRange(ctx, s.key(historyKey), HistoryLen-1, -1).Result()
	if err != nil {
		return err
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.key(lastRunKey), raw, 0)
		p.Set(ctx, s.key(reportPrefix+rep.RunID), raw, 0)
		p.LPush(ctx, s.key(historyKey), entry)
		p.LTrim(ctx, s.key(historyKey), 0, HistoryLen-1)
		for _, v := range old {
			var h Summary
			if json.Unmarshal([]byte(v), &h) == nil && h.RunID != "" && h.RunID != rep.RunID {
				p.Del(ctx, s.key(reportPrefix+h.RunID))
			}
		}
		return nil
	})
	return err
}

// Publish sends module/<id>/event/<name> with a JSON payload.
func (s *Store) Publish(ctx context.Context, name string, payload any) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	return s.rdb.Publish(ctx, "module/"+s.module+"/event/"+name, raw).Err()
}

// ChecklistEntry is the state of one manual item.
type ChecklistEntry struct {
	Done bool   `json:"done"`
	Note string `json:"note"`
	By   string `json:"by"`
	At   string `json:"at"`
}

// Checklist returns every ticked or unticked item.
func (s *Store) Checklist(ctx context.Context) (map[string]ChecklistEntry, error) {
	m, err := s.rdb.HGetAll(ctx, s.key(checklistKey)).Result()
	if err != nil {
		return nil, err
	}
	out := map[string]ChecklistEntry{}
	for k, v := range m {
		var e ChecklistEntry
		if json.Unmarshal([]byte(v), &e) == nil {
			out[k] = e
		}
	}
	return out, nil
}

// SetChecklist records one item.
func (s *Store) SetChecklist(ctx context.Context, item string, e ChecklistEntry) error {
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return s.rdb.HSet(ctx, s.key(checklistKey), item, raw).Err()
}

// Lock is a held run lock.
type Lock struct {
	s     *Store
	token string
}

// Holder describes who holds the lock.
type Holder struct {
	Token     string `json:"token"`
	TaskID    string `json:"task_id"`
	StartedAt string `json:"started_at"`
	TTLs      int64  `json:"ttl_s"`
}

// ErrLocked is returned by Acquire when another run holds the lock.
type ErrLocked struct{ Holder Holder }

func (e *ErrLocked) Error() string {
	return fmt.Sprintf("another run-preflight (task %s, started %s) is in progress; it ends, or its lock expires, within %d s",
		e.Holder.TaskID, e.Holder.StartedAt, e.Holder.TTLs)
}

// Acquire takes the run lock with a TTL, so a crashed run does not keep it
// longer than that.
func (s *Store) Acquire(ctx context.Context, taskID string, ttl time.Duration) (*Lock, error) {
	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck // crypto/rand does not fail on Linux
	h := Holder{Token: hex.EncodeToString(b), TaskID: taskID, StartedAt: time.Now().UTC().Format(time.RFC3339)}
	raw, _ := json.Marshal(h)
	ok, err := s.rdb.SetNX(ctx, s.key(lockKey), raw, ttl).Result()
	if err != nil {
		return nil, err
	}
	if ok {
		return &Lock{s: s, token: h.Token}, nil
	}
	cur, err := s.rdb.Get(ctx, s.key(lockKey)).Result()
	var other Holder
	if err == nil {
		json.Unmarshal([]byte(cur), &other) //nolint:errcheck
	}
	if d, err := s.rdb.TTL(ctx, s.key(lockKey)).Result(); err == nil {
		other.TTLs = int64(d.Seconds())
	}
	return nil, &ErrLocked{Holder: other}
}

// Release deletes the lock if it is still ours (WATCH/MULTI: the module's
// Redis user may not run scripts).
func (l *Lock) Release(ctx context.Context) error {
	key := l.s.key(lockKey)
	return l.s.rdb.Watch(ctx, func(tx *redis.Tx) error {
		cur, err := tx.Get(ctx, key).Result()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		if err != nil {
			return err
		}
		var h Holder
		if json.Unmarshal([]byte(cur), &h) != nil || h.Token != l.token {
			return nil // expired and taken by another run: not ours to delete
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, key)
			return nil
		})
		return err
	}, key)
}
