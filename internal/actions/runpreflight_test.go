package actions

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// A probe that cannot run never becomes one preflight.action finding in
// place of the NS7 area: every NS7 check says it was not judged, and why.
func TestRunPartsKeepsTheNS7Area(t *testing.T) {
	e := &Env{Log: agent.NewLogger(io.Discard, false), Chan: agent.NewChannel(io.Discard)}
	r := &checkRun{e: e, timeout: time.Second}
	// An input the probe's schema refuses: the part cannot run.
	parts := []part{{action: ns7check.Action, input: map[string]any{"timeout_s": 0}, backstop: time.Second}}
	findings, _ := r.runParts(context.Background(), parts)
	ids := map[string]report.Finding{}
	for _, f := range findings {
		if f.ID == "preflight.action" {
			t.Errorf("the probe was dropped whole: %s", f.Message)
		}
		ids[f.ID] = f
	}
	for _, c := range ns7check.Checks {
		if _, ok := ids[c.ID]; !ok {
			t.Errorf("%s missing", c.ID)
		}
	}
	if f := ids["ns7.ssh"]; f.Status != report.Fail || !strings.Contains(f.Message, "NS7 was not probed: probe-ns7 could not run") {
		t.Errorf("ns7.ssh: %s %s", f.Status, f.Message)
	}
	if f := ids["ns7.release"]; f.Status != report.Skip || !strings.Contains(f.Message, "NS7 was not probed") {
		t.Errorf("ns7.release: %s %s", f.Status, f.Message)
	}
}

// The backstop of the probe is the probe's own bounds, data budget
// included, so that it never cuts what NS7 answered.
func TestProbeBudgetCoversTheProbe(t *testing.T) {
	for _, c := range []struct {
		timeout time.Duration
		dataS   int
	}{{10 * time.Second, 0}, {2 * time.Second, 0}, {10 * time.Second, 600}} {
		o := probeOptions(c.timeout, c.dataS)
		if b := ProbeBudget(c.timeout, c.dataS); b <= o.Total()+c.timeout || o.Batch < o.DataBudget+c.timeout {
			t.Errorf("%v %d: budget %s, probe %s, batch %s, data %s", c.timeout, c.dataS, b, o.Total(), o.Batch, o.DataBudget)
		}
	}
}
