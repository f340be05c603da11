package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/catalog"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/manualcheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/nodecheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

// legacy is the preflight state as the versions before the state
// directory kept it in Redis (internal/store of those versions: SET of
// each report, LPUSH of each history entry, HSET of each checklist item).
type legacy struct {
	runs      []report.Report // oldest first
	last      map[string]report.Report
	checklist map[string]store.ChecklistEntry
	ns7Facts  map[string]any
}

func legacyState(t *testing.T) legacy {
	t.Helper()
	l := legacy{last: map[string]report.Report{}, checklist: map[string]store.ChecklistEntry{
		"backup": {Done: true, Note: "full backup on the NAS", By: "admin", At: "2026-11-20T09:00:00Z"},
		"dns":    {Done: false, Note: "waiting for the provider", By: "mario", At: "2026-11-21T10:30:00Z"},
	}}
	base := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		findings := manualcheck.All(manualcheck.Facts{ModuleID: moduleID, Checklist: l.checklist})
		findings = append(findings, report.Finding{ID: "node.cpu", Subject: "node 1", Status: report.Pass, Message: fmt.Sprintf("%d CPU cores", 4+i)})
		r := report.Build(catalog.Catalog{}, "run-preflight", fmt.Sprintf("0f8fad5b-d9cb-469f-a165-70867728950%d", i), base.Add(time.Duration(i)*time.Hour), findings, nil, map[string]any{})
		r.Changes = []report.Change{}
		l.runs = append(l.runs, r)
	}
	l.last["run-preflight"] = l.runs[2]
	for _, a := range []string{"check-node", "probe-ns7"} {
		l.last[a] = report.Build(catalog.Catalog{}, a, "task-"+a, base, []report.Finding{{ID: "node.cpu", Subject: "node 1", Status: report.Pass, Message: "8 CPU cores"}}, nil, map[string]any{})
	}
	// 150 GiB of NS7 data: check-node then needs 300 GiB, more than the node has.
	l.ns7Facts = map[string]any{"probed_at": "2026-11-20T08:00:00Z", "host": "ns7.example.test", "data_total_bytes": 150 * nodecheck.GiB,
		"account_provider": map[string]any{"type": "local-ldap", "base_dn": "dc=directory,dc=nh", "domain_name": "example.org"}}
	return l
}

// seed writes l with the commands the earlier versions used.
func (l legacy) seed(ctx context.Context, t *testing.T, w *world) {
	t.Helper()
	rdb := w.redis.Admin()
	p := "module/" + moduleID + "/preflight/"
	enc := func(v any) string { b, err := json.Marshal(v); must(t, err); return string(b) }
	for _, r := range l.runs {
		must(t, rdb.Set(ctx, p+"reports/"+r.RunID, enc(r), 0).Err())
		sum := store.Summary{RunID: r.RunID, StartedAt: r.StartedAt, DurationMs: r.DurationMs, User: "admin", Ready: r.Ready, Summary: r.Summary}
		must(t, rdb.LPush(ctx, p+"history", enc(sum)).Err())
	}
	for a, r := range l.last {
		must(t, rdb.Set(ctx, p+"last/"+a, enc(r), 0).Err())
	}
	for item, e := range l.checklist {
		must(t, rdb.HSet(ctx, p+"checklist", item, enc(e)).Err())
	}
	must(t, rdb.Set(ctx, p+"ns7-facts", enc(l.ns7Facts), 0).Err())
	must(t, w.redis.WaitSync(ctx))
}

// stateFiles hashes every file under dir, to compare two moments.
func stateFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	must(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[strings.TrimPrefix(p, dir)] = fmt.Sprintf("%x", sha256.Sum256(b))
		return err
	}))
	return out
}

// The update of an instance that kept its state in Redis: update-module.d
// moves it into the state directory and deletes the keys; the checklist
// and the history come through intact, get-report and check-node read the
// moved state, and a second update (NS8 runs the scripts on every update)
// changes nothing.
func TestUpdateMovesStateOutOfRedis(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	ctx := context.Background()
	l := legacyState(t)
	l.seed(ctx, t, w)
	// A run-preflight in progress during the update: its lock stays.
	must(t, w.redis.Admin().Set(ctx, lockKey, `{"token":"x","task_id":"t","started_at":"2026-11-24T10:00:00Z"}`, time.Minute).Err())

	res, err := w.module.RunUpdateScripts(ctx, "ghcr.io/nethvoice-preflight/nethvoice-preflight:0.2.0")
	must(t, err)
	if len(res.Scripts) == 0 || res.Scripts[0].ExitCode != 0 {
		t.Fatalf("update scripts %+v\n%s", res.Scripts, res.Output)
	}
	t.Logf("update-module.d output:\n%s", res.Output)

	keys, err := w.redis.Admin().Keys(ctx, "module/"+moduleID+"/preflight/*").Result()
	must(t, err)
	if len(keys) != 1 || keys[0] != lockKey {
		t.Fatalf("keys left in Redis: %v (only the run lock may stay)", keys)
	}
	checkPrivateFiles(t, filepath.Join(w.module.StateDir, store.Dir))

	// The history and the checklist, intact, through get-report.
	v := w.getReport(t, nil)
	if len(v.History) != 3 {
		t.Fatalf("history %+v", v.History)
	}
	for i, h := range v.History {
		r := l.runs[2-i]
		if h.RunID != r.RunID || h.StartedAt != r.StartedAt || h.User != "admin" || h.Summary != r.Summary {
			t.Errorf("history entry %d: %+v, want run %s", i, h, r.RunID)
		}
	}
	if v.Report == nil || v.Report.RunID != l.runs[2].RunID || len(v.Report.Checks) != len(l.runs[2].Checks) {
		t.Fatalf("last report %+v", v.Report)
	}
	if fmt.Sprint(v.Checklist) != fmt.Sprint(l.checklist) {
		t.Errorf("checklist %+v, want %+v", v.Checklist, l.checklist)
	}
	if old := w.getReport(t, map[string]any{"run_id": l.runs[0].RunID}); old.Report == nil || old.Report.RunID != l.runs[0].RunID {
		t.Error("the oldest run's report is not found by run_id")
	}
	if r, err := openStore(t, w.module).Last("check-node"); err != nil || r == nil || r.RunID != "task-check-node" {
		t.Errorf("last check-node report: %+v %v", r, err)
	}
	// check-node judges the moved NS7 data size.
	_, rep := w.run(t, "check-node", checkNodeData(w, nil))
	if f := finding(t, rep, "node.disk", ""); f.Status != report.Fail || !strings.Contains(f.Message, "300.0 GiB needed (max(100 GiB, NS7 data 150.0 GiB x 2))") {
		t.Errorf("node.disk on the moved facts: %s %q", f.Status, f.Message)
	}

	// Again, as on the next update: nothing to do, nothing changes.
	before := stateFiles(t, filepath.Join(w.module.StateDir, store.Dir))
	res, err = w.module.RunUpdateScripts(ctx, "ghcr.io/nethvoice-preflight/nethvoice-preflight:0.2.0")
	must(t, err)
	if res.Scripts[0].ExitCode != 0 || !strings.Contains(res.Output, "nothing to move") {
		t.Fatalf("second update: %+v\n%s", res.Scripts, res.Output)
	}
	if after := stateFiles(t, filepath.Join(w.module.StateDir, store.Dir)); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("the second update changed the state: %v -> %v", sortedFiles(before), sortedFiles(after))
	}

	// The next run builds on the moved history.
	must(t, w.redis.Admin().Del(ctx, lockKey).Err())
	_, next := w.preflight(t)
	v = w.getReport(t, nil)
	if len(v.History) != 4 || v.History[0].RunID != next.RunID || v.History[1].RunID != l.runs[2].RunID {
		t.Errorf("history after the next run: %+v", v.History)
	}
	for _, c := range next.Changes {
		if c.ID == "manual.backup" {
			t.Errorf("the moved checklist was not used: %+v", c)
		}
	}
}

func sortedFiles(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
