package store

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// The test binary re-executes itself as a checklist writer when this
// variable is set (see TestMain), to race real processes on the flock.
const helperEnv = "PREFLIGHT_STORE_HELPER"

func TestMain(m *testing.M) {
	if spec := os.Getenv(helperEnv); spec != "" {
		os.Exit(writerProcess(spec))
	}
	os.Exit(m.Run())
}

// writerProcess ticks items <prefix>-0..9 in the state dir: spec is "dir prefix".
func writerProcess(spec string) int {
	dir, prefix, _ := strings.Cut(spec, " ")
	s, err := Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for i := 0; i < 10; i++ {
		if err := s.SetChecklist(fmt.Sprintf("%s-%d", prefix, i), ChecklistEntry{Done: true, By: prefix}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

func open(t *testing.T) (*Store, string) {
	t.Helper()
	state := t.TempDir()
	s, err := Open(state)
	if err != nil {
		t.Fatal(err)
	}
	return s, state
}

func run(id string, ready bool) ([]byte, Summary) {
	r := report.Report{SchemaVersion: report.SchemaVersion, Action: "run-preflight", RunID: id, Ready: ready,
		StartedAt: "2026-11-30T05:00:00Z", Checks: []report.Finding{{ID: "node.cpu", Subject: "node 1", Status: report.Pass}}}
	raw, _ := json.Marshal(r)
	return raw, Summary{RunID: id, Ready: ready, StartedAt: r.StartedAt}
}

func TestOpenMakesPrivateDirectories(t *testing.T) {
	_, state := open(t)
	for _, d := range []string{Dir, filepath.Join(Dir, LastDir), filepath.Join(Dir, ReportsDir)} {
		st, err := os.Stat(filepath.Join(state, d))
		if err != nil || !st.IsDir() || st.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v", d, st.Mode(), err)
		}
	}
	// A directory left with a looser mode is made private again.
	os.Chmod(filepath.Join(state, Dir), 0o755) //nolint:errcheck
	if _, err := Open(state); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(filepath.Join(state, Dir)); st.Mode().Perm() != 0o700 {
		t.Errorf("mode %v after Open", st.Mode())
	}
	if _, err := Open(""); err == nil {
		t.Error("a store without a directory opened")
	}
}

func TestRunsAndHistory(t *testing.T) {
	s, state := open(t)
	if r, err := s.LastRun(); err != nil || r != nil {
		t.Fatalf("no run yet: %v %v", r, err)
	}
	if v, err := s.Read(""); err != nil || v.Report != nil || v.History == nil || len(v.History) != 0 || v.Checklist == nil {
		t.Fatalf("empty view: %+v %v", v, err)
	}
	for i := 1; i <= HistoryLen+3; i++ {
		if err := s.SaveRun(run(fmt.Sprintf("run-%02d", i), i%2 == 0)); err != nil {
			t.Fatal(err)
		}
	}
	last, err := s.LastRun()
	if err != nil || last == nil || last.RunID != fmt.Sprintf("run-%02d", HistoryLen+3) {
		t.Fatalf("last run %+v %v", last, err)
	}
	h, err := s.History()
	if err != nil || len(h) != HistoryLen || h[0].RunID != last.RunID || h[HistoryLen-1].RunID != "run-04" {
		t.Fatalf("history: %d entries, newest %s, oldest %s (%v)", len(h), h[0].RunID, h[len(h)-1].RunID, err)
	}
	// The reports that fell out of the history are gone with it.
	for id, kept := range map[string]bool{"run-01": false, "run-03": false, "run-04": true, last.RunID: true} {
		r, err := s.Report(id)
		if err != nil || (r != nil) != kept {
			t.Errorf("report %s: %v (kept %v) %v", id, r != nil, kept, err)
		}
	}
	if ents, _ := os.ReadDir(filepath.Join(state, Dir, ReportsDir)); len(ents) != HistoryLen {
		t.Errorf("%d report files for %d history entries", len(ents), HistoryLen)
	}
	v, err := s.Read("run-10")
	if err != nil || v.Report == nil || v.Report.RunID != "run-10" || len(v.History) != HistoryLen {
		t.Fatalf("view by run id: %v %+v", err, v.Report)
	}
	// Every file is private to the module.
	filepath.WalkDir(filepath.Join(state, Dir), func(p string, d os.DirEntry, err error) error { //nolint:errcheck
		if info, _ := d.Info(); err == nil && !d.IsDir() && info.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", p, info.Mode())
		}
		return nil
	})
}

func TestDamagedFiles(t *testing.T) {
	s, state := open(t)
	dir := filepath.Join(state, Dir)
	os.WriteFile(filepath.Join(dir, ReportsDir, "bad.json"), []byte("{"), 0o600)       //nolint:errcheck
	os.WriteFile(filepath.Join(dir, HistoryFile), []byte(`[{"run_id":"x"`), 0o600)     //nolint:errcheck
	os.WriteFile(filepath.Join(dir, ChecklistFile), []byte(`{"backup":"yes"}`), 0o600) //nolint:errcheck
	os.WriteFile(filepath.Join(dir, NS7FactsFile), []byte(`not json`), 0o600)          //nolint:errcheck
	if _, err := s.Report("bad"); err == nil || !strings.Contains(err.Error(), "reports/bad.json is damaged") {
		t.Errorf("a damaged report must be an error that names it, not an empty report: %v", err)
	}
	if _, err := s.History(); err == nil {
		t.Error("a damaged history read as empty")
	}
	if _, err := s.Read(""); err == nil {
		t.Error("get-report's view of a damaged history read as empty")
	}
	if _, err := s.NS7Facts(); err == nil {
		t.Error("damaged NS7 facts read as none")
	}
	// A write sets the damaged file aside and goes on: a bad file cannot
	// block every later run, and is kept for a person to look at.
	if err := s.SaveRun(run("r1", true)); err != nil {
		t.Fatal(err)
	}
	if h, err := s.History(); err != nil || len(h) != 1 {
		t.Fatalf("history after the save: %v %v", h, err)
	}
	if raw, err := os.ReadFile(filepath.Join(dir, HistoryFile+".damaged")); err != nil || string(raw) != `[{"run_id":"x"` {
		t.Errorf("damaged history not kept aside: %q %v", raw, err)
	}
	if err := s.SetChecklist("backup", ChecklistEntry{Done: true}); err != nil {
		t.Fatal(err)
	}
	if cl, err := s.Checklist(); err != nil || len(cl) != 1 || !cl["backup"].Done {
		t.Fatalf("checklist after the write: %v %v", cl, err)
	}
}

func TestNamesCannotEscape(t *testing.T) {
	s, _ := open(t)
	for _, bad := range []string{"../x", "a/b", "", ".hidden", strings.Repeat("a", 200)} {
		if err := s.SaveLast(bad, []byte("{}")); err == nil {
			t.Errorf("SaveLast(%q) accepted", bad)
		}
		if _, err := s.Report(bad); err == nil {
			t.Errorf("Report(%q) accepted", bad)
		}
		if err := s.SaveRun([]byte("{}"), Summary{RunID: bad}); err == nil {
			t.Errorf("SaveRun(%q) accepted", bad)
		}
	}
}

func TestLastAndNS7Facts(t *testing.T) {
	s, _ := open(t)
	if r, err := s.Last("check-node"); r != nil || err != nil {
		t.Fatalf("no report yet: %v %v", r, err)
	}
	raw, _ := json.Marshal(report.Report{Action: "check-node", RunID: "t1"})
	if err := s.SaveLast("check-node", raw); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Last("check-node"); err != nil || r == nil || r.RunID != "t1" {
		t.Fatalf("last report %+v %v", r, err)
	}
	if f, err := s.NS7Facts(); f != nil || err != nil {
		t.Fatalf("no facts yet: %v %v", f, err)
	}
	in := NS7Facts{ProbedAt: "2026-11-30T05:00:00Z", Host: "ns7.example.test", DataTotalBytes: 123, AccountProvider: json.RawMessage(`{"type":"local-ldap"}`)}
	if err := s.SaveNS7Facts(in); err != nil {
		t.Fatal(err)
	}
	if f, err := s.NS7Facts(); err != nil || f.Host != in.Host || f.DataTotalBytes != 123 || string(f.AccountProvider) != `{"type":"local-ldap"}` {
		t.Fatalf("facts %+v %v", f, err)
	}
}

func TestChecklist(t *testing.T) {
	s, _ := open(t)
	if cl, err := s.Checklist(); err != nil || len(cl) != 0 {
		t.Fatalf("empty checklist: %v %v", cl, err)
	}
	e := ChecklistEntry{Done: true, Note: "on the NAS", By: "admin", At: "2026-11-30T05:00:00Z"}
	if err := s.SetChecklist("backup", e); err != nil {
		t.Fatal(err)
	}
	if err := s.SetChecklist("dns", e); err != nil {
		t.Fatal(err)
	}
	if err := s.SetChecklist("backup", ChecklistEntry{Done: false, By: "admin"}); err != nil {
		t.Fatal(err)
	}
	cl, _ := s.Checklist()
	if got := cl["backup"]; got.Done || got.Note != "" || len(cl) != 2 || !cl["dns"].Done {
		t.Fatalf("the last tick wins, the other items stay: %+v", cl)
	}
}

// Writers in several processes and goroutines at once (the agent runs up
// to 32 tasks): no tick is lost, no file is torn, no temp file is left.
func TestConcurrentWritersLoseNothing(t *testing.T) {
	s, state := open(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for p := 0; p < 8; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"="+state+" proc"+fmt.Sprint(p))
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("process %d: %v %s", p, err, out)
			}
		}(p)
	}
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				if err := s.SaveRun(run(fmt.Sprintf("g%d-%d", g, i), true)); err != nil {
					errs <- err
				}
				if _, err := s.Read(""); err != nil {
					errs <- fmt.Errorf("a reader saw a torn state: %w", err)
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	cl, err := s.Checklist()
	if err != nil || len(cl) != 80 {
		t.Fatalf("%d of 80 checklist items kept (%v)", len(cl), err)
	}
	h, err := s.History()
	if err != nil || len(h) != HistoryLen {
		t.Fatalf("history %d entries (%v)", len(h), err)
	}
	for _, e := range h {
		if r, err := s.Report(e.RunID); err != nil || r == nil {
			t.Errorf("history entry %s without its report: %v", e.RunID, err)
		}
	}
	filepath.WalkDir(state, func(p string, d os.DirEntry, err error) error { //nolint:errcheck
		if err == nil && strings.Contains(d.Name(), ".tmp-") {
			t.Errorf("temp file left: %s", p)
		}
		return nil
	})
}

// A task that holds the lock too long makes the others fail within
// LockWait, saying so, instead of hanging.
func TestLockWaitIsBounded(t *testing.T) {
	s, _ := open(t)
	saved := LockWait
	LockWait = 200 * time.Millisecond
	defer func() { LockWait = saved }()
	held := make(chan struct{})
	release := make(chan struct{})
	go s.exclusive(func() error { close(held); <-release; return nil }) //nolint:errcheck
	<-held
	start := time.Now()
	err := s.SetChecklist("backup", ChecklistEntry{Done: true})
	close(release)
	if err == nil || !strings.Contains(err.Error(), "busy") {
		t.Fatalf("err = %v", err)
	}
	if el := time.Since(start); el < 200*time.Millisecond || el > 3*time.Second {
		t.Fatalf("gave up after %s", el)
	}
}

func TestImportMergesWithoutReplacing(t *testing.T) {
	s, _ := open(t)
	// What this version stored already (a run after the update began).
	rawNew, sumNew := run("new-run", true)
	sumNew.StartedAt = "2026-12-01T00:00:00Z"
	if err := s.SaveRun(rawNew, sumNew); err != nil {
		t.Fatal(err)
	}
	if err := s.SetChecklist("backup", ChecklistEntry{Done: false, By: "admin", At: "2026-12-01T00:00:00Z"}); err != nil {
		t.Fatal(err)
	}
	rawOld, sumOld := run("old-run", false)
	lastNode, _ := json.Marshal(report.Report{Action: "check-node", RunID: "cn1"})
	in := Import{
		Last:      map[string][]byte{"check-node": lastNode, "probe-ns7": []byte("{damaged")},
		Reports:   map[string][]byte{"old-run": rawOld},
		History:   []Summary{sumOld},
		Checklist: map[string]ChecklistEntry{"backup": {Done: true, At: "2026-11-01T00:00:00Z"}, "dns": {Done: true, At: "2026-11-01T00:00:00Z"}},
		NS7Facts:  []byte(`{"probed_at":"2026-11-01T00:00:00Z","host":"ns7","data_total_bytes":5}`),
	}
	got, err := s.Import(in)
	if err != nil {
		t.Fatal(err)
	}
	if got.Last != 1 || got.Reports != 1 || got.History != 1 || got.Checklist != 1 || !got.NS7Facts ||
		len(got.Dropped) != 1 || got.Dropped[0] != "last report of probe-ns7" {
		t.Fatalf("imported %+v", got)
	}
	h, _ := s.History()
	if len(h) != 2 || h[0].RunID != "new-run" || h[1].RunID != "old-run" {
		t.Fatalf("history %+v", h)
	}
	if r, _ := s.Report("old-run"); r == nil {
		t.Error("the imported run's report is missing")
	}
	cl, _ := s.Checklist()
	if cl["backup"].Done || !cl["dns"].Done {
		t.Errorf("the later tick must win: %+v", cl)
	}
	// The same state again: nothing changes.
	again, err := s.Import(in)
	if err != nil || again.Last != 0 || again.Reports != 0 || again.History != 0 || again.Checklist != 0 || again.NS7Facts {
		t.Fatalf("second import %+v %v", again, err)
	}
}

// The cost of keeping a run on disk (two files replaced with fsync, the
// reports directory pruned) and of get-report's read; a report of ~64 KiB,
// the size of a full run's.
func BenchmarkSaveRun(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	raw := []byte(`{"pad":"` + strings.Repeat("x", 64<<10) + `"}`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.SaveRun(raw, Summary{RunID: fmt.Sprintf("run-%d", i)}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	raw := []byte(`{"action":"run-preflight","pad":"` + strings.Repeat("x", 64<<10) + `"}`)
	for i := 0; i < HistoryLen; i++ {
		if err := s.SaveRun(raw, Summary{RunID: fmt.Sprintf("run-%d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.Read(""); err != nil {
			b.Fatal(err)
		}
	}
}
