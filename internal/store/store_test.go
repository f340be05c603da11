package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

func newStore(t *testing.T) (*miniredis.Miniredis, *Store) {
	t.Helper()
	mr := miniredis.RunT(t)
	return mr, New(redis.NewClient(&redis.Options{Addr: mr.Addr()}), "m1")
}

func run(id string, ready bool) (report.Report, []byte, Summary) {
	r := report.Report{SchemaVersion: report.SchemaVersion, Action: "run-preflight", RunID: id, Ready: ready,
		Checks: []report.Finding{{ID: "node.cpu", Subject: "node 1", Status: report.Pass}}}
	raw, _ := json.Marshal(r)
	return r, raw, Summary{RunID: id, Ready: ready}
}

func TestRunsAndHistory(t *testing.T) {
	mr, s := newStore(t)
	ctx := context.Background()
	if r, err := s.LastRun(ctx); err != nil || r != nil {
		t.Fatalf("no run yet: %v %v", r, err)
	}
	for i := 1; i <= HistoryLen+3; i++ {
		if err := s.saveArgs(run(fmt.Sprintf("run-%02d", i), i%2 == 0)); err != nil {
			t.Fatal(err)
		}
	}
	last, err := s.LastRun(ctx)
	if err != nil || last == nil || last.RunID != fmt.Sprintf("run-%02d", HistoryLen+3) {
		t.Fatalf("last run %+v %v", last, err)
	}
	h, err := s.History(ctx)
	if err != nil || len(h) != HistoryLen || h[0].RunID != last.RunID || h[HistoryLen-1].RunID != "run-04" {
		t.Fatalf("history: %d entries, newest %s, oldest %s (%v)", len(h), h[0].RunID, h[len(h)-1].RunID, err)
	}
	// The reports that fell out of the history are gone with it.
	for id, kept := range map[string]bool{"run-01": false, "run-03": false, "run-04": true, last.RunID: true} {
		r, err := s.Report(ctx, id)
		if err != nil || (r != nil) != kept {
			t.Errorf("report %s: %v (kept %v) %v", id, r != nil, kept, err)
		}
	}
	mr.Set("module/m1/preflight/reports/bad", "{")
	if _, err := s.Report(ctx, "bad"); err == nil {
		t.Error("a damaged report must be an error, not an empty report")
	}
}

func (s *Store) saveArgs(r report.Report, raw []byte, sum Summary) error {
	return s.SaveRun(context.Background(), r, raw, sum)
}

func TestChecklist(t *testing.T) {
	_, s := newStore(t)
	ctx := context.Background()
	if cl, err := s.Checklist(ctx); err != nil || len(cl) != 0 {
		t.Fatalf("empty checklist: %v %v", cl, err)
	}
	e := ChecklistEntry{Done: true, Note: "on the NAS", By: "admin", At: "2026-11-30T05:00:00Z"}
	if err := s.SetChecklist(ctx, "backup", e); err != nil {
		t.Fatal(err)
	}
	if err := s.SetChecklist(ctx, "backup", ChecklistEntry{Done: false, By: "admin"}); err != nil {
		t.Fatal(err)
	}
	cl, _ := s.Checklist(ctx)
	if got := cl["backup"]; got.Done || got.Note != "" || len(cl) != 1 {
		t.Fatalf("the last tick wins: %+v", cl)
	}
}

func TestLock(t *testing.T) {
	mr, s := newStore(t)
	ctx := context.Background()
	l, err := s.Acquire(ctx, "task-1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Acquire(ctx, "task-2", time.Minute)
	var locked *ErrLocked
	if !errors.As(err, &locked) || locked.Holder.TaskID != "task-1" || locked.Holder.TTLs <= 0 {
		t.Fatalf("second run: %v", err)
	}
	// A lock that expired and was taken by another run is not ours to release.
	mr.FastForward(2 * time.Minute)
	l2, err := s.Acquire(ctx, "task-3", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if !mr.Exists("module/m1/preflight/lock") {
		t.Fatal("the first run released the third run's lock")
	}
	if err := l2.Release(ctx); err != nil || mr.Exists("module/m1/preflight/lock") {
		t.Fatalf("own lock not released: %v", err)
	}
}

func TestPublish(t *testing.T) {
	mr, s := newStore(t)
	sub := redis.NewClient(&redis.Options{Addr: mr.Addr()}).Subscribe(context.Background(), "module/m1/event/preflight-completed")
	defer sub.Close()
	if _, err := sub.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Publish(context.Background(), "preflight-completed", Summary{RunID: "r1", Ready: true}); err != nil {
		t.Fatal(err)
	}
	msg, err := sub.ReceiveMessage(context.Background())
	if err != nil || msg.Payload != `{"run_id":"r1","started_at":"","duration_ms":0,"user":"","ready":true,"summary":{"pass":0,"warn":0,"fail":0,"skip":0,"ignored":0},"changes":0}` {
		t.Fatalf("event %v %v", msg, err)
	}
}
