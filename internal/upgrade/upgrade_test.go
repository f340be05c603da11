package upgrade

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

// The shapes of the move on recorded keys (the real-server test is
// tests/e2e/upgrade_test.go): a last run-preflight report the history
// lacks becomes its newest entry, a value of the wrong type is dropped,
// an unknown key and the lock stay.
func TestMoveShapes(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	p := "module/m1/preflight/"
	last, _ := json.Marshal(report.Report{Action: "run-preflight", RunID: "r2", StartedAt: "2026-11-02T00:00:00Z", Ready: true,
		Changes: []report.Change{{ID: "node.cpu"}}})
	older, _ := json.Marshal(store.Summary{RunID: "r1", StartedAt: "2026-11-01T00:00:00Z"})
	mr.Set(p+"last/run-preflight", string(last))
	mr.RPush(p+"history", string(older), "{damaged")
	mr.Set(p+"reports/r1", `{"action":"run-preflight","run_id":"r1"}`)
	mr.Set(p+"checklist", "a string, not a hash")
	mr.Set(p+"lock", `{"task_id":"t"}`)
	mr.Set(p+"something-new", "x")
	mr.Set("module/m2/preflight/history", "another module's key")
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := Move(context.Background(), rdb, "m1", st)
	if err != nil {
		t.Fatal(err)
	}
	if res.Found != 5 || res.Deleted != 4 || len(res.Left) != 1 || res.Left[0] != p+"something-new" {
		t.Fatalf("result %+v", res)
	}
	h, _ := st.History()
	if len(h) != 2 || h[0].RunID != "r2" || !h[0].Ready || h[0].Changes != 1 || h[1].RunID != "r1" {
		t.Fatalf("history %+v", h)
	}
	if r, _ := st.LastRun(); r == nil || r.RunID != "r2" {
		t.Fatalf("last run %+v", r)
	}
	if r, _ := st.Last("run-preflight"); r != nil {
		t.Error("run-preflight's last report is the history's head, not a last/ file")
	}
	for _, k := range []string{p + "lock", p + "something-new", "module/m2/preflight/history"} {
		if !mr.Exists(k) {
			t.Errorf("%s deleted", k)
		}
	}
	for _, k := range []string{p + "history", p + "checklist", p + "reports/r1", p + "last/run-preflight"} {
		if mr.Exists(k) {
			t.Errorf("%s left", k)
		}
	}
	again, err := Move(context.Background(), rdb, "m1", st)
	if err != nil || again.Found != 1 || again.Deleted != 0 {
		t.Fatalf("second move %+v %v", again, err)
	}
}
