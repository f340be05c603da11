package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/manualcheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/ns7world"
)

// The whole preflight against the whole local world: a real NS7 (sshd in
// its namespace), DNS, the cluster in Redis, the node. First run: the
// proxy is not configured, so not ready; configured, the next run is ready
// and its changes say what changed.
func TestRunPreflightFullWorld(t *testing.T) {
	e := newNS7Env(t, ns7Scenario{variant: ns7world.Healthy(), mutate: func(c *harness.Cluster) { c.UnconfigureProxy() }})
	if res, _ := e.run(t, "configure-module", map[string]any{
		"ns7":                map[string]any{"host": e.ns7.IP},
		"fqdns":              map[string]any{"nethvoice": voiceFQDN, "cti": ctiFQDN},
		"resolvers":          []string{e.dns.addr},
		"expected_addresses": []string{fqdnAddr},
		"volumes_path":       e.volumes,
		"ldap_domain":        "voice.example.org",
		"timeout_s":          5,
	}); res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	for _, m := range manualcheck.Items {
		if res, _ := e.run(t, "set-checklist", map[string]any{"item": m.Item, "done": true, "note": "done in the test"}); res.ExitCode != 0 {
			t.Fatalf("%s", res)
		}
	}
	res, rep := e.run(t, "run-preflight", nil)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	validReport(t, "run-preflight", res.Output)
	blocking := blockingOf(rep)
	if rep.Ready || len(blocking) != 1 || blocking[0] != "node.proxy" {
		t.Fatalf("want only node.proxy blocking, got %v:\n%s", blocking, dumpFindings(rep))
	}
	for _, action := range []string{"validate-fqdns", "probe-ns7", "check-node", "check-user-domain"} {
		if _, ok := rep.Facts[action]; !ok {
			t.Errorf("no facts of %s: a part did not run", action)
		}
	}

	// Configure the proxy as the admin would, and run again.
	c := harness.DefaultCluster()
	ctx := context.Background()
	must(t, c.Apply(ctx, e.redis.Admin()))
	must(t, e.redis.WaitSync(ctx))
	res, rep = e.run(t, "run-preflight", nil)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	if !rep.Ready {
		t.Fatalf("not ready after the fix: %v\n%s", blockingOf(rep), dumpFindings(rep))
	}
	changed := false
	for _, ch := range rep.Changes {
		if ch.ID == "node.proxy" && ch.From == report.Fail && ch.To == report.Pass {
			changed = true
		}
	}
	if !changed {
		t.Fatalf("changes %+v", rep.Changes)
	}
	// Kept for the README's example outputs (tests/output is not committed).
	if dir := os.Getenv("PREFLIGHT_SAMPLE_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, "run-preflight.json"), res.Output, 0o644) //nolint:errcheck
		if gr, _ := e.run(t, "get-report", nil); gr.ExitCode == 0 {
			os.WriteFile(filepath.Join(dir, "get-report.json"), gr.Output, 0o644) //nolint:errcheck
		}
	}
	t.Logf("full run: %d findings in %d ms (%+v)", len(rep.Checks), rep.DurationMs, rep.Summary)
	for _, f := range rep.Checks {
		if f.Status != report.Pass {
			t.Logf("%s %s %s: %s", f.Status, f.ID, f.Subject, f.Message)
		}
	}
}

func blockingOf(rep report.Report) []string {
	var out []string
	for _, f := range rep.Checks {
		if f.Blocking {
			out = append(out, f.ID)
		}
	}
	return out
}

// NS7 down on the first run, nothing stored yet: the probe's ns7.ssh is the
// blocker, and domain.provider says it could not be judged for that reason
// instead of a second blocker asking to run probe-ns7 (which just ran).
func TestRunPreflightNS7DownNoStoredFacts(t *testing.T) {
	e := fullWorld(t, ns7world.Healthy(), 3)
	e.ns7.Kill()
	res, rep := e.run(t, "run-preflight", nil)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	if f := finding(t, rep, "ns7.ssh", ""); f.Status != report.Fail || !f.Blocking {
		t.Errorf("ns7.ssh: %+v", f)
	}
	f := finding(t, rep, "domain.provider", "")
	if f.Status != report.Skip || f.Blocking || !strings.Contains(f.Message, "NS7 was not reached in this run (see ns7.ssh)") {
		t.Errorf("domain.provider: %s %q", f.Status, f.Message)
	}
}
