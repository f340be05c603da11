package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cli"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// The README's run command: the demo prints a real check-node report read
// from the sample cluster (the NS7 joined as node 3 shows as a leftover).
func TestDemoCheckNode(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main(context.Background(), nil, cli.IO{Stdout: &out, Stderr: &errb})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := out.String()
	for _, want := range []string{"check-node", "cluster.redis", "the leader is node 1", "node 3 is an NS7 already joined", "nethvoice-proxy1 on node 1 is configured"} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(errb.String(), "set-progress") {
		t.Error("the demo prints agent progress lines")
	}
}

func TestDemoJSON(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"check-node", "--format", "json"}, cli.IO{Stdout: &out, Stderr: &errb}); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep report.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Action != "check-node" || len(rep.Checks) != 9 {
		t.Fatalf("%v %s", err, out.String())
	}
}
