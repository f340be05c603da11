package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/ns7world"
)

// Issue 15: NS7 as slow as a real one. Speed is measured by the benchmarks
// (tests/bench.sh); these tests assert verdicts, and deadlines only.

// slowNS7 has the delays of a real NS7 (issue 15): rpm reads a large RPM
// database, yum asks the mirrors, du walks a recordings spool on a cold
// cache, config and account-provider-test start Perl.
func slowNS7() ns7world.Variant {
	v := ns7world.Healthy()
	v.Slow = map[string]time.Duration{"rpm": 500 * time.Millisecond, "yum": 6 * time.Second, "du": 8 * time.Second,
		"config": 150 * time.Millisecond, "account-provider-test": 300 * time.Millisecond}
	return v
}

// The slow NS7 is judged as the healthy one: every finding passes (the
// vpn-udp skip aside), the commands ran concurrently on one connection.
func TestProbeNS7SlowCommands(t *testing.T) {
	e := newNS7Env(t, ns7Scenario{variant: slowNS7()})
	start := time.Now()
	res, rep := e.probe(t, map[string]any{"timeout_s": 10})
	t.Logf("slow NS7: probe-ns7 took %s (report %d ms)", time.Since(start).Round(time.Millisecond), rep.DurationMs)
	// Progress moves on the agent's channel while NS7 answers (commands
	// ending, the bound being spent), not only at the start and the end.
	during := map[int]bool{}
	for _, p := range res.Progress {
		if p.Progress > 20 && p.Progress < 90 {
			during[p.Progress] = true
		}
	}
	if len(during) < 3 {
		t.Errorf("progress during the probe: %+v", res.Progress)
	}
	subj := e.ns7.Addr()
	expect(t, rep, "ns7.updates", subj, report.Pass, "no updates pending")
	expect(t, rep, "ns7.data-size", subj, report.Pass, "in all: files")
	expect(t, rep, "ns7.custom-config", subj, report.Pass, "no custom")
	expect(t, rep, "ns7.account-provider", subj, report.Pass, "local OpenLDAP")
	if !rep.Ready || rep.Summary.Fail+rep.Summary.Warn != 0 {
		t.Errorf("not ready: %+v\n%s", rep.Summary, dumpFindings(rep))
	}
	if n := e.ns7.Connections(); n != 1 {
		t.Errorf("sshd saw %d connections", n)
	}
}

// An sshd that allows one session at a time (MaxSessions 1): the probe
// opens its sessions one after another and gets every answer.
func TestProbeNS7OneSessionAtATime(t *testing.T) {
	e := newNS7Env(t, ns7Scenario{variant: ns7world.Healthy(), opts: ns7world.Options{MaxSessions: 1}})
	start := time.Now()
	_, rep := e.probe(t, nil)
	t.Logf("MaxSessions 1: probe-ns7 took %s (report %d ms)", time.Since(start).Round(time.Millisecond), rep.DurationMs)
	if !rep.Ready || rep.Summary.Fail+rep.Summary.Warn != 0 {
		t.Errorf("not ready with MaxSessions 1: %+v\n%s", rep.Summary, dumpFindings(rep))
	}
	if n := e.ns7.Connections(); n != 1 {
		t.Errorf("sshd saw %d connections", n)
	}
}

// hugeSpool is an NS7 whose du outlasts any reasonable budget: its
// recordings spool (a 40 GiB sparse archive and a finished month) takes
// 30 s to walk.
func hugeSpool() ns7world.Variant {
	v := ns7world.Healthy()
	v.Sparse = map[string]int64{"/var/spool/asterisk/monitor/2026/11/archive.tar": 40 << 30}
	v.Slow = map[string]time.Duration{"du": 30 * time.Second}
	return v
}

// A spool whose du outlasts the data budget: not a blocking fail but a
// warning with what was measured and a bound from the spool's filesystem;
// the sync time and the node's disk need are bounds too; every other
// finding is judged. The probe ends at its data budget.
func TestProbeNS7HugeSpoolBound(t *testing.T) {
	e := newNS7Env(t, ns7Scenario{variant: hugeSpool()})
	_, rep := e.probe(t, map[string]any{"timeout_s": 3, "data_budget_s": 2})
	subj := e.ns7.Addr()
	f := expect(t, rep, "ns7.data-size", subj, report.Warn, "not measured: recordings (not done within the data budget of 2 s), voicemail (not done within the data budget of 2 s)")
	if !strings.Contains(f.Message, "and at most") || !strings.Contains(f.Message, "a bound from the filesystems that hold what was not measured (df: ") {
		t.Errorf("no bound from df: %s", f.Message)
	}
	if f.Blocking {
		t.Error("a measurement cut by its budget blocks the migration")
	}
	b := finding(t, rep, "ns7.bandwidth", subj)
	if !strings.Contains(b.Message, "the data was measured only in part") || strings.Contains(b.Message, "takes about") {
		t.Errorf("ns7.bandwidth estimated from a part: %s %s", b.Status, b.Message)
	}
	for _, id := range []string{"ns7.release", "ns7.updates", "ns7.services", "ns7.account-provider", "ns7.phones", "ns7.trunks", "ns7.extensions"} {
		expect(t, rep, id, subj, report.Pass, "")
	}
	if rep.DurationMs > 15000 {
		t.Errorf("the probe took %d ms with a data budget of 2 s", rep.DurationMs)
	}
	// Stored as bounds, and check-node judges the disk on them.
	s := storedNS7(t, e)
	if s.DataTotalBytes != 0 || s.DataAtLeastBytes == 0 || s.DataAtMostBytes <= s.DataAtLeastBytes {
		t.Errorf("stored %+v", s)
	}
	res, crep := e.run(t, "check-node", checkNodeData(e.world, nil))
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	d := finding(t, crep, "node.disk", e.volumes)
	if !strings.Contains(d.Message, "NS7 data was measured only in part (see ns7.data-size): at least") {
		t.Errorf("node.disk sized on a part: %s %s", d.Status, d.Message)
	}
}

// run-preflight on that host: every NS7 finding is there, judged from the
// frames that arrived; no preflight.action finding stands for the probe.
func TestRunPreflightHugeSpool(t *testing.T) {
	e := fullWorld(t, hugeSpool(), 3)
	res, rep := e.run(t, "run-preflight", map[string]any{"data_budget_s": 2})
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	validReport(t, "run-preflight", res.Output)
	subj := e.ns7.Addr()
	for _, f := range rep.Checks {
		if f.ID == "preflight.action" {
			t.Errorf("a part was dropped whole: %s", f.Message)
		}
	}
	expect(t, rep, "ns7.data-size", subj, report.Warn, "not done within the data budget of 2 s")
	for _, id := range []string{"ns7.ssh", "ns7.release", "ns7.updates", "ns7.services", "ns7.account-provider", "ns7.phones", "ns7.gateways"} {
		expect(t, rep, id, subj, report.Pass, "")
	}
	d := finding(t, rep, "node.disk", e.volumes)
	if strings.Contains(d.Message, "NS7 data not measured yet") {
		t.Errorf("node.disk: %s", d.Message)
	}
}

// A costly measurement is reused by the next probe, which says how old
// it is and does not walk the spool again (no du in its commands);
// remeasure_data walks it.
func TestProbeNS7ReusesCostlyMeasurement(t *testing.T) {
	v := ns7world.Healthy()
	v.Slow = map[string]time.Duration{"du": 10 * time.Second}
	e := newNS7Env(t, ns7Scenario{variant: v})
	in := map[string]any{"timeout_s": 5, "data_budget_s": 30}
	subj := e.ns7.Addr()
	res, rep := e.probe(t, in)
	first := expect(t, rep, "ns7.data-size", subj, report.Pass, "in all")
	if ran := ranCommands(t, res.Output); !ran[ns7.CmdRecordings] || !ran[ns7.CmdDataSize] {
		t.Fatalf("the first probe did not measure: %v", ran)
	}
	res, rep = e.probe(t, in)
	again := expect(t, rep, "ns7.data-size", subj, report.Pass, "and not walked again")
	if again.Data["total_bytes"] != first.Data["total_bytes"] || again.Data["measured_at"] != first.Data["measured_at"] || again.Data["reused"] != true {
		t.Errorf("reused: %s\n%v\nfirst %v", again.Message, again.Data, first.Data)
	}
	if ran := ranCommands(t, res.Output); ran[ns7.CmdRecordings] || ran[ns7.CmdDataSize] {
		t.Errorf("du ran again: %v", ran)
	}
	in["remeasure_data"] = true
	res, rep = e.probe(t, in)
	third := expect(t, rep, "ns7.data-size", subj, report.Pass, "in all")
	if ran := ranCommands(t, res.Output); !ran[ns7.CmdRecordings] || third.Data["reused"] == true {
		t.Errorf("remeasure_data did not measure: %v %v", ran, third.Data)
	}
}

// ranCommands are the NS7 commands a probe report's facts list as run.
func ranCommands(t *testing.T, out []byte) map[string]bool {
	t.Helper()
	var r struct {
		Facts struct {
			NS7 struct {
				Commands []struct {
					ID     string `json:"id"`
					Status string `json:"status"`
				} `json:"commands"`
			} `json:"ns7"`
		} `json:"facts"`
	}
	must(t, json.Unmarshal(out, &r))
	ran := map[string]bool{}
	for _, c := range r.Facts.NS7.Commands {
		ran[c.ID] = c.Status != ns7.StatusNotRun
	}
	return ran
}
