package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cli"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

type result struct {
	code           int
	stdout, stderr string
}

func demo(t *testing.T, dir string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, cli.IO{Stdout: &out, Stderr: &errb}, dir)
	return result{code, out.String(), errb.String()}
}

func demoReport(t *testing.T, dir string, args ...string) report.Report {
	t.Helper()
	r := demo(t, dir, append(args, "--format", "json")...)
	var rep report.Report
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rep) != nil {
		t.Fatalf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	return rep
}

func finding(t *testing.T, rep report.Report, id string) report.Finding {
	t.Helper()
	for _, f := range rep.Checks {
		if f.ID == id {
			return f
		}
	}
	t.Fatalf("no %s in the report", id)
	return report.Finding{}
}

// demo with no action runs the whole job against the sample world: every
// area is judged (the NS7 over SSH, its account provider, the DNS, the
// cluster, the checklist), with a mix of verdicts and what to do next.
func TestDemoRunsTheWholeJob(t *testing.T) {
	dir := t.TempDir()
	r := demo(t, dir)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	out := r.stdout
	for _, want := range []string{
		"run-preflight, started", "NOT READY: ",
		"PASS  ns7.release (127.0.0.1:", "PASS  ns7.ssh (127.0.0.1:", "FAIL  ns7.gateways (", "WARN  ns7.custom-config",
		"WARN  ns7.provisioning-host (", "WARN  ns7.trunk-proxy (", "WARN  ns7.sip-nat (", "PASS  ns7.phones (",
		"PASS  domain.provider (local-ldap)", "PASS  fqdn.resolves (voice.example.test)", "WARN  fqdn.points-to-node (cti.example.test)",
		"PASS  cluster.redis", "PASS  node.proxy", "WARN  12 manual.* checks", "To fix before migrating:",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in the demo's output:\n%s", want, out)
		}
	}
	if strings.Contains(out, "NS7 was not probed") || strings.Contains(out, "preflight.action") {
		t.Errorf("a part of the preflight did not run:\n%s", out)
	}
	if strings.Contains(r.stderr, "set-progress") || strings.Contains(r.stderr, "set-status") {
		t.Error("the demo prints agent protocol lines")
	}
	for _, l := range strings.Split(out+r.stderr, "\n") {
		if len([]rune(l)) > 100 && len(strings.Fields(l)) > 1 {
			t.Errorf("line over 100 columns: %q", l)
		}
	}
}

// The demo's state lasts between calls: the pinned host key, the
// checklist, the history, the settings; demo reset forgets it all.
func TestDemoStateAcrossCalls(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nethvoice-preflight", "demo")
	first := demoReport(t, dir)
	if f := finding(t, first, "ns7.host-key"); f.Status != report.Pass || !strings.Contains(f.Message, "first contact") {
		t.Fatalf("first call: %+v", f)
	}
	if f := finding(t, first, "manual.backup"); f.Status != report.Warn {
		t.Fatalf("%+v", f)
	}
	if r := demo(t, dir, "set-checklist", "--data", `{"item":"backup","done":true,"note":"NAS"}`); r.code != 0 || !strings.Contains(r.stdout, "backup: done (by demo") {
		t.Fatalf("set-checklist: %+v", r)
	}
	// The second entry's subject is misspelt: it ignores nothing, and the
	// report says so.
	if r := demo(t, dir, "configure-module", "--data", `{"ignore":[{"id":"ns7.gateways","reason":"replacing the Mediatrix anyway"},`+
		`{"id":"node.cpu","subject":"node 7","reason":"a bigger VM is ordered"}]}`); r.code != 0 {
		t.Fatalf("configure-module: %+v", r)
	}
	second := demoReport(t, dir, "run-preflight")
	if len(second.IgnoreUnmatched) != 1 || second.IgnoreUnmatched[0].Subject != "node 7" {
		t.Errorf("unmatched ignore entries: %+v", second.IgnoreUnmatched)
	}

	if f := finding(t, second, "ns7.host-key"); f.Status != report.Pass || !strings.Contains(f.Message, "matches the pinned key") {
		t.Errorf("second call: the pin did not last: %+v", f)
	}
	if f := finding(t, second, "manual.backup"); f.Status != report.Pass || !strings.Contains(f.Message, "NAS") {
		t.Errorf("the checklist did not last: %+v", f)
	}
	if f := finding(t, second, "ns7.gateways"); !f.Ignored || f.Blocking {
		t.Errorf("the ignore list did not last: %+v", f)
	}
	changed := map[string]bool{}
	for _, c := range second.Changes {
		changed[c.ID] = true
	}
	if !changed["manual.backup"] {
		t.Errorf("changes since the first run: %+v", second.Changes)
	}
	var view store.View
	r := demo(t, dir, "get-report", "--format", "json")
	if err := json.Unmarshal([]byte(r.stdout), &view); err != nil || len(view.History) != 2 || view.Report == nil ||
		view.Report.RunID != second.RunID || !view.Checklist["backup"].Done {
		t.Fatalf("get-report: %v %s", err, r.stdout)
	}
	// The same as text: the report, the history, the checklist.
	r = demo(t, dir, "get-report")
	for _, want := range []string{"run-preflight, started", "History (2 runs, newest first)", "[x] backup", "Full NS7 backup made (demo ", "1 of 12 confirmed",
		"Ignore entries that match no finding (1): check their id and subject", `node.cpu (subject "node 7"): a bigger VM is ordered`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("get-report text lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, l := range strings.Split(r.stdout, "\n") {
		if len([]rune(l)) > 100 && len(strings.Fields(l)) > 1 {
			t.Errorf("get-report: line over 100 columns: %q", l)
		}
	}

	if r := demo(t, dir, "reset"); r.code != 0 {
		t.Fatalf("reset: %+v", r)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("reset left %s: %v", dir, err)
	}
	again := demoReport(t, dir)
	if f := finding(t, again, "manual.backup"); f.Status != report.Warn || len(again.Changes) != 0 {
		t.Errorf("after reset: %+v, changes %+v", f, again.Changes)
	}
	if f := finding(t, again, "ns7.host-key"); !strings.Contains(f.Message, "first contact") {
		t.Errorf("after reset the key is pinned anew: %+v", f)
	}
}

// Host key pinning works as in NS8: an NS7 that comes back with another
// key is refused, nothing is sent, until the administrator accepts the
// new fingerprint.
func TestDemoHostKeyChange(t *testing.T) {
	dir := t.TempDir()
	demoReport(t, dir, "probe-ns7")
	if err := os.Remove(filepath.Join(dir, worldDir, ns7KeyFile)); err != nil { // NS7 reinstalled
		t.Fatal(err)
	}
	rep := demoReport(t, dir, "probe-ns7")
	f := finding(t, rep, "ns7.host-key")
	if f.Status != report.Fail || !strings.Contains(f.Message, "no command was sent") {
		t.Fatalf("%+v", f)
	}
	if r := finding(t, rep, "ns7.release"); r.Status != report.Skip {
		t.Errorf("a command ran after the key changed: %+v", r)
	}
	fp, _ := f.Data["fingerprint"].(string)
	if fp == "" {
		fp, _ = f.Data["presented"].(string)
	}
	rep = demoReport(t, dir, "probe-ns7", "--data", `{"accept_host_key":"`+fp+`"}`)
	if f := finding(t, rep, "ns7.host-key"); f.Status != report.Pass || finding(t, rep, "ns7.release").Status != report.Pass {
		t.Errorf("accepting the new key: %+v", f)
	}
}

// The demo never leaves the machine: NS7 and the resolvers are its own at
// every call, whatever was configured in it.
func TestDemoStaysOnTheMachine(t *testing.T) {
	dir := t.TempDir()
	if r := demo(t, dir, "configure-module", "--data", `{"ns7":{"host":"192.0.2.7"},"resolvers":["192.0.2.53"]}`); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	rep := demoReport(t, dir, "probe-ns7")
	if f := finding(t, rep, "ns7.ssh"); f.Status != report.Pass || !strings.HasPrefix(f.Subject, "127.0.0.1:") {
		t.Fatalf("%+v", f)
	}
}

// reset refuses a directory that is not the demo's.
func TestResetRefusesAForeignDirectory(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "precious")
	if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := demo(t, dir, "reset"); r.code == 0 || !strings.Contains(r.stderr, "not the demo's state directory") {
		t.Fatalf("%+v", r)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Fatal("reset removed a foreign file")
	}
}

func TestStateDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/x/state")
	if d, _ := StateDir(); d != "/x/state/nethvoice-preflight/demo" {
		t.Errorf("%s", d)
	}
	t.Setenv("XDG_STATE_HOME", "relative") // ignored, as the specification says
	t.Setenv("HOME", "/home/u")
	if d, _ := StateDir(); d != "/home/u/.local/state/nethvoice-preflight/demo" {
		t.Errorf("%s", d)
	}
}

// On an 80-column terminal everything the demo prints fits, its own words
// included.
func TestDemoAt80Columns(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main(context.Background(), nil, cli.IO{Stdout: &out, Stderr: &errb, Width: 80}, t.TempDir()); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, l := range strings.Split(out.String()+errb.String(), "\n") {
		if len([]rune(l)) > 80 && len(strings.Fields(l)) > 1 {
			t.Errorf("over 80 columns: %q", l)
		}
	}
}

// Demos running at once each get a name server on port 53 (as root), so
// that each judges the sample's DNS alike; --help starts nothing; input
// comes from stdin as for the stand-alone command.
func TestDemoAtOnceHelpStdin(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("port 53 needs root")
	}
	var wg sync.WaitGroup
	reps := make([]report.Report, 3)
	for i := range reps {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			reps[i] = demoReport(t, t.TempDir(), "validate-fqdns")
		}(i)
	}
	wg.Wait()
	for i, rep := range reps {
		for _, f := range rep.Checks {
			if f.ID == "fqdn.authoritative" && f.Status != report.Pass {
				t.Errorf("demo %d: %s %s: %s", i, f.Status, f.Subject, f.Message)
			}
		}
	}
	dir := t.TempDir()
	if r := demo(t, dir, "probe-ns7", "--help"); r.code != 0 || !strings.Contains(r.stdout, "demo reset") || r.stderr != "" {
		t.Errorf("--help: %+v", r)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("--help wrote %v", ents)
	}
	var out, errb bytes.Buffer
	in := strings.NewReader(`{"item":"backup","done":true}`)
	if code := Main(context.Background(), []string{"set-checklist"}, cli.IO{Stdin: in, Stdout: &out, Stderr: &errb}, dir); code != 0 || !strings.Contains(out.String(), "backup: done") {
		t.Errorf("set-checklist from stdin: %d %s %s", code, out.String(), errb.String())
	}
}
