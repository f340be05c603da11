package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/actions"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
)

// lockKey is the run lock: what run-preflight keeps in Redis.
const lockKey = "module/" + moduleID + "/preflight/lock"

type reportView struct {
	Report    *report.Report                  `json:"report"`
	History   []store.Summary                 `json:"history"`
	Checklist map[string]store.ChecklistEntry `json:"checklist"`
}

func (w *world) getReport(t *testing.T, data any) reportView {
	t.Helper()
	res, _ := w.run(t, "get-report", data)
	if res.ExitCode != 0 {
		t.Fatalf("get-report: %s", res)
	}
	validReport(t, "get-report", res.Output)
	var v reportView
	must(t, json.Unmarshal(res.Output, &v))
	return v
}

func (w *world) preflight(t *testing.T) (*harness.TaskResult, report.Report) {
	t.Helper()
	if res, _ := w.run(t, "configure-module", map[string]any{"volumes_path": w.volumes, "timeout_s": 3}); res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	res, rep := w.run(t, "run-preflight", nil)
	if res.ExitCode != 0 {
		t.Fatalf("run-preflight: %s", res)
	}
	validReport(t, "run-preflight", res.Output)
	return res, rep
}

// A run is stored (report by id, history entry, event), then a ticked item
// shows in the next run's changes and the history grows. The event carries
// counts and times only: no user name.
func TestRunPreflightStoresHistoryAndChanges(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	sub := w.redis.Admin().Subscribe(context.Background(), "module/"+moduleID+"/event/preflight-completed")
	defer sub.Close()
	_, err := sub.Receive(context.Background())
	must(t, err)

	res, rep := w.preflight(t)
	if rep.Action != "run-preflight" || len(rep.Changes) != 0 {
		t.Fatalf("first run: %s", res.Output)
	}
	if f := finding(t, rep, "node.cpu", ""); f.Status != report.Pass {
		t.Errorf("check-node part missing: %+v", f)
	}
	if f := finding(t, rep, "manual.backup", ""); f.Status != report.Warn || f.Remediation == nil {
		t.Errorf("%+v", f)
	}
	select {
	case msg := <-sub.Channel():
		var ev map[string]any
		must(t, json.Unmarshal([]byte(msg.Payload), &ev))
		want := []string{"changes", "duration_ms", "ready", "run_id", "started_at", "summary"}
		if ev["run_id"] != rep.RunID || fmt.Sprint(slices.Sorted(maps.Keys(ev))) != fmt.Sprint(want) {
			t.Errorf("event %s; want the keys %v", msg.Payload, want)
		}
	case <-time.After(5 * time.Second):
		t.Error("no preflight-completed event")
	}

	set, _ := w.run(t, "set-checklist", map[string]any{"item": "backup", "done": true, "note": "full backup on the NAS"})
	if set.ExitCode != 0 {
		t.Fatalf("%s", set)
	}
	validReport(t, "set-checklist", set.Output)

	_, rep2 := w.preflight(t)
	f := finding(t, rep2, "manual.backup", "")
	if f.Status != report.Pass || !strings.Contains(f.Message, "confirmed by admin") || !strings.Contains(f.Message, "full backup on the NAS") {
		t.Fatalf("%+v", f)
	}
	found := false
	for _, c := range rep2.Changes {
		if c.ID == "manual.backup" && c.From == report.Warn && c.To == report.Pass {
			found = true
		}
		if c.ID == "node.cpu" {
			t.Errorf("unchanged finding listed: %+v", c)
		}
	}
	if !found {
		t.Fatalf("changes %+v", rep2.Changes)
	}

	v := w.getReport(t, nil)
	if v.Report == nil || v.Report.RunID != rep2.RunID || len(v.History) != 2 || v.History[0].RunID != rep2.RunID || v.History[0].Changes != len(rep2.Changes) {
		t.Fatalf("get-report: %+v", v.History)
	}
	if !v.Checklist["backup"].Done || v.Checklist["backup"].By != "admin" {
		t.Fatalf("checklist %+v", v.Checklist)
	}
	old := w.getReport(t, map[string]any{"run_id": rep.RunID})
	if old.Report == nil || old.Report.RunID != rep.RunID {
		t.Fatal("first report not found by run_id")
	}

	// Unticking is a change again.
	w.run(t, "set-checklist", map[string]any{"item": "backup", "done": false})
	_, rep3 := w.preflight(t)
	if f := finding(t, rep3, "manual.backup", ""); f.Status != report.Warn {
		t.Fatalf("%+v", f)
	}
}

// Two runs at once: one runs, the other is told clearly and stores nothing.
func TestRunPreflightOneAtATime(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	w.module.SetEnvironment(map[string]string{"VOLUMES_PATH": w.volumes, "TIMEOUT_S": "3"})
	// Hold the lock as a running preflight does, then start a run.
	must(t, w.redis.Admin().Set(ctx, lockKey, `{"token":"x","task_id":"other-task","started_at":"2026-11-24T10:00:00Z"}`, 1500*time.Millisecond).Err())
	res, err := w.module.Run(ctx, "run-preflight", nil)
	must(t, err)
	if res.ExitCode != 1 || !strings.Contains(res.Error, "another run-preflight (task other-task") {
		t.Fatalf("second run: %s", res)
	}
	if h, err := openStore(t, w.module).History(); err != nil || len(h) != 0 {
		t.Fatalf("a refused run stored a report: %v %v", h, err)
	}
	// The lock of a crashed run expires by its TTL; then runs go on.
	time.Sleep(1600 * time.Millisecond)
	if res, _ := w.run(t, "run-preflight", nil); res.ExitCode != 0 {
		t.Fatalf("after the TTL: %s", res)
	}
	// Truly concurrent runs: exactly one is refused or both run one after
	// the other, never two at once.
	p1, err := w.module.Submit(ctx, "run-preflight", nil)
	must(t, err)
	p2, err := w.module.Submit(ctx, "run-preflight", nil)
	must(t, err)
	r1, err := p1.Wait(ctx)
	must(t, err)
	r2, err := p2.Wait(ctx)
	must(t, err)
	for _, r := range []*harness.TaskResult{r1, r2} {
		if r.ExitCode != 0 && !strings.Contains(r.Error, "is in progress") {
			t.Fatalf("unexpected failure: %s", r)
		}
	}
	v := w.getReport(t, nil)
	if v.Report == nil {
		t.Fatal("no report after concurrent runs")
	}
	if n, _ := w.redis.Admin().Exists(ctx, lockKey).Result(); n != 0 {
		t.Error("lock left behind after the runs ended")
	}
}

// A run killed with SIGKILL mid-way leaves the previous report intact and
// a lock that expires by itself.
func TestRunPreflightKilledMidRun(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	_, first := w.preflight(t)
	ctx := context.Background()
	// A second agent for the same module (same state dir) whose steps are
	// killed after 1 s; the replica is frozen so the run is still reading
	// the cluster then (it has taken the lock on the leader already).
	w.module.Stop()
	w2 := harness.InstallModule(t, w.redis, moduleID, "1",
		harness.WithPollingInterval(200*time.Millisecond), harness.WithStateDir(w.module.StateDir),
		harness.WithEnvironment(map[string]string{"VOLUMES_PATH": "/", "TIMEOUT_S": "5"}),
		harness.WithStepWrapper("sh", "-c", `"$0" "$@" & pid=$!; sleep 1; kill -9 $pid; wait $pid`))
	w.redis.FreezeReplica()
	defer w.redis.ThawReplica()
	res, err := w2.Run(ctx, "run-preflight", nil)
	must(t, err)
	w.redis.ThawReplica()
	if res.ExitCode != 137 {
		t.Fatalf("the run was not killed: %s", res)
	}
	v := w.getReport(t, nil)
	if v.Report == nil || v.Report.RunID != first.RunID || len(v.History) != 1 {
		t.Fatalf("previous report not intact: %+v", v.History)
	}
	ttl, err := w.redis.Admin().PTTL(ctx, lockKey).Result()
	must(t, err)
	// The lock outlives the longest run (the probe's own bounds, data
	// budget included), no more.
	if bound := max(actions.LockTTL(5*time.Second), actions.ProbeBudget(5*time.Second, 0)+30*time.Second); ttl <= 0 || ttl > bound {
		t.Fatalf("lock TTL %s (at most %s)", ttl, bound)
	}
}

// The history keeps HistoryLen runs, and the reports that fall out go too.
func TestRunPreflightHistoryBounded(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	st := openStore(t, w.module)
	// old-run-00 the newest, old-run-29 the oldest.
	for i := store.HistoryLen - 1; i >= 0; i-- {
		id := fmt.Sprintf("old-run-%02d", i)
		must(t, st.SaveRun([]byte(`{}`), store.Summary{RunID: id, StartedAt: "2026-11-01T00:00:00Z"}))
	}
	_, rep := w.preflight(t)
	v := w.getReport(t, nil)
	if len(v.History) != store.HistoryLen || v.History[0].RunID != rep.RunID {
		t.Fatalf("history %d entries, first %s", len(v.History), v.History[0].RunID)
	}
	oldest := fmt.Sprintf("old-run-%02d", store.HistoryLen-1)
	reports := filepath.Join(st.Path(), store.ReportsDir)
	if _, err := os.Stat(filepath.Join(reports, oldest+".json")); !os.IsNotExist(err) {
		t.Errorf("the report of the run that left the history is still stored: %v", err)
	}
	if _, err := os.Stat(filepath.Join(reports, "old-run-00.json")); err != nil {
		t.Errorf("a report still in the history was deleted: %v", err)
	}
}

func TestSetChecklistRejectsUnknownItem(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	res, _ := w.run(t, "set-checklist", map[string]any{"item": "coffee", "done": true})
	if res.ExitCode != 10 || !strings.Contains(string(res.Output), "item") {
		t.Fatalf("%s", res)
	}
}
