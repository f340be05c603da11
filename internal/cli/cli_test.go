package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
)

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, env agent.Env, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	sio := IO{Stdout: &out, Stderr: &errb, StdinIsTTY: stdin == ""}
	if stdin != "" {
		sio.Stdin = strings.NewReader(stdin)
	}
	code := Run(context.Background(), args, env, sio)
	return result{code, out.String(), errb.String()}
}

func stateEnv(t *testing.T) agent.Env {
	return agent.Env{StateDir: t.TempDir(), ModuleID: "nethvoice-preflight1", NodeID: "1"}
}

// Every malformed input ends in exit 10 with the agent's array and no stack trace.
func TestBadInputIsValidationFailed(t *testing.T) {
	cases := []struct {
		action, input, field, errType string
	}{
		{"configure-module", `{"bogus":1}`, "(root)", "additional_property_not_allowed"},
		{"configure-module", `{"ns7":{"port":0}}`, "ns7.port", "number_gte"},
		{"configure-module", `{"ns7":{"port":"22"}}`, "ns7.port", "invalid_type"},
		{"configure-module", `{"ns7":{"host":"a;rm -rf /"}}`, "ns7.host", "number_any_of"},
		{"configure-module", `{"timeout_s":100000}`, "timeout_s", "number_lte"},
		{"configure-module", `{"ignore":[{"reason":"x"}]}`, "ignore.0", "required"},
		{"configure-module", `not json`, "(root)", "invalid_json"},
		{"configure-module", `[1,2]`, "(root)", "invalid_type"},
		{"check-node", `{"volumes_path":"relative/path"}`, "volumes_path", "pattern"},
		{"check-node", `{"node":-1}`, "node", "number_gte"},
		{"get-configuration", `{"x":1}`, "(root)", "additional_property_not_allowed"},
		{"list-checks", `"text"`, "(root)", "invalid_type"},
	}
	for _, c := range cases {
		t.Run(c.action+" "+c.input, func(t *testing.T) {
			env := stateEnv(t)
			r := run(t, env, "", c.action, "--data", c.input)
			if r.code != agent.ExitValidation {
				t.Fatalf("exit %d, stdout %s stderr %s", r.code, r.stdout, r.stderr)
			}
			var errs []schema.FieldError
			if err := json.Unmarshal([]byte(r.stdout), &errs); err != nil || len(errs) == 0 {
				t.Fatalf("stdout is not the error array: %q", r.stdout)
			}
			found := false
			for _, e := range errs {
				if e.Field == c.field && (e.Error == c.errType || e.Error == e.Parameter+"_"+c.errType) {
					found = true
				}
			}
			if !found {
				t.Fatalf("want %s/%s in %s", c.field, c.errType, r.stdout)
			}
			if !strings.Contains(r.stderr, "set-status validation-failed") || strings.Contains(r.stderr, "goroutine") {
				t.Fatalf("stderr %q", r.stderr)
			}
			if _, err := os.Stat(filepath.Join(env.StateDir, agent.EnvironmentFile)); err == nil {
				t.Fatal("invalid input must not change the settings")
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"no-such-action"}, {"check-node", "--format", "xml"}, {"check-node", "--bogus"}, {"check-node", "extra"}, {}} {
		r := run(t, stateEnv(t), "", args...)
		if r.code != agent.ExitValidation {
			t.Errorf("%v: exit %d", args, r.code)
		}
	}
	r := run(t, stateEnv(t), "", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "check-node") || !strings.Contains(r.stdout, "Exit codes") {
		t.Fatalf("help: %d %s", r.code, r.stdout)
	}
}

func TestConfigureThenGetConfiguration(t *testing.T) {
	env := stateEnv(t)
	in := `{"ns7":{"host":"ns7.example.com","port":2222},"fqdns":{"nethvoice":"voice.example.com","cti":"cti.example.com"},"node":2,"ignore":[{"id":"node.cpu","reason":"lab, 2 cores"}]}`
	if r := run(t, env, in, "configure-module"); r.code != 0 || r.stdout != "" {
		t.Fatalf("configure: %+v", r)
	}
	if r := run(t, env, "", "create-module"); r.code != 0 || r.stdout != "" {
		t.Fatalf("create-module: %+v", r)
	}
	r := run(t, env, "", "get-configuration")
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	var got map[string]any
	json.Unmarshal([]byte(r.stdout), &got)
	ns7 := got["ns7"].(map[string]any)
	if ns7["host"] != "ns7.example.com" || ns7["port"] != 2222.0 || ns7["user"] != "root" || got["node"] != 2.0 {
		t.Fatalf("%s", r.stdout)
	}
	if !strings.HasPrefix(got["ssh_public_key"].(string), "ssh-ed25519 ") || strings.Contains(r.stdout, "PRIVATE") {
		t.Fatalf("public key: %s", r.stdout)
	}
	// An empty string clears, an absent key is kept.
	run(t, env, `{"ns7":{"host":""}}`, "configure-module")
	r = run(t, env, "", "get-configuration")
	json.Unmarshal([]byte(r.stdout), &got)
	if got["ns7"].(map[string]any)["host"] != "" || got["fqdns"].(map[string]any)["cti"] != "cti.example.com" {
		t.Fatalf("%s", r.stdout)
	}
}

// Stand-alone: no Redis, cluster checks skip with the reason; the report
// validates; --exit-code grades it; --format text is a table.
func TestCheckNodeStandAlone(t *testing.T) {
	env := stateEnv(t)
	r := run(t, env, "", "check-node", "--data", `{"volumes_path":"`+t.TempDir()+`"}`)
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	skips := 0
	for _, f := range rep.Checks {
		if f.Status == report.Skip && strings.Contains(f.Message, "REDIS_ADDRESS is not set") {
			skips++
		}
	}
	if skips != 4 { // cluster.redis, node.proxy, cluster.versions, node.leftovers
		t.Fatalf("want 4 cluster skips: %s", r.stdout)
	}
	r2 := run(t, env, "", "check-node", "--exit-code", "--format", "text", "--data", `{"ignore":[{"id":"node.cpu"},{"id":"node.disk"},{"id":"node.memory"}]}`)
	if r2.code != report.ExitReady || !strings.Contains(r2.stdout, "READY: ") || !strings.Contains(r2.stdout, "STATUS") {
		t.Fatalf("%+v", r2)
	}
}

func TestListChecks(t *testing.T) {
	r := run(t, stateEnv(t), "", "list-checks")
	var out struct {
		Checks []struct{ ID string } `json:"checks"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil || len(out.Checks) < 6 {
		t.Fatalf("%+v", r)
	}
}

func TestInputTooLarge(t *testing.T) {
	big := `{"ignore":[{"id":"node.cpu","reason":"` + strings.Repeat("a", MaxInput) + `"}]}`
	r := run(t, stateEnv(t), big, "configure-module")
	if r.code != agent.ExitValidation || !strings.Contains(r.stdout, "input_too_large") {
		t.Fatalf("%d %s", r.code, r.stdout)
	}
}

// A cluster database that refuses connections is a finding, quickly.
func TestCheckNodeRedisRefused(t *testing.T) {
	env := stateEnv(t)
	env.RedisAddress, env.RedisPassword = "127.0.0.1:1", "canary-redis-password-8c1f"
	r := run(t, env, "", "check-node", "--data", `{"volumes_path":"/","timeout_s":2}`)
	if r.code != 0 {
		t.Fatalf("%+v", r)
	}
	var rep report.Report
	json.Unmarshal([]byte(r.stdout), &rep)
	for _, f := range rep.Checks {
		if f.ID == "cluster.redis" && (f.Status != report.Fail || !strings.Contains(f.Message, "127.0.0.1:1 did not answer")) {
			t.Fatalf("%+v", f)
		}
	}
	if rep.DurationMs > 2500 || strings.Contains(r.stdout+r.stderr, "canary-redis-password") {
		t.Fatalf("took %d ms, or leaked the password: %s %s", rep.DurationMs, r.stdout, r.stderr)
	}
}

// Stand-alone runs: without AGENT_STATE_DIR nothing is stored (the manual
// items say why, get-report and set-checklist refuse); with a state dir
// and no cluster database the run is stored there, and read back.
func TestStandAloneStorage(t *testing.T) {
	cwd := t.TempDir()
	t.Chdir(cwd)
	bare := agent.Env{ModuleID: "nethvoice-preflight1", NodeID: "1"}
	r := run(t, bare, "", "run-preflight", "--data", `{"timeout_s":2}`)
	if r.code != 0 || !strings.Contains(r.stdout, "no state directory to keep the checklist") {
		t.Fatalf("%+v", r)
	}
	if ents, _ := os.ReadDir(cwd); len(ents) != 0 {
		t.Errorf("a run without a state dir wrote %v", ents)
	}
	for _, a := range [][]string{{"get-report"}, {"set-checklist", "--data", `{"item":"backup","done":true}`}} {
		if r := run(t, bare, "", a...); r.code != 1 || !strings.Contains(r.stderr, "AGENT_STATE_DIR is not set") {
			t.Errorf("%s: %+v", a[0], r)
		}
	}

	env := stateEnv(t)
	if r := run(t, env, "", "set-checklist", "--data", `{"item":"backup","done":true,"note":"on the NAS"}`); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	r = run(t, env, "", "run-preflight", "--data", `{"timeout_s":2}`)
	var rep report.Report
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rep) != nil {
		t.Fatalf("%+v", r)
	}
	g := run(t, env, "", "get-report")
	var v struct {
		Report    *report.Report            `json:"report"`
		History   []map[string]any          `json:"history"`
		Checklist map[string]map[string]any `json:"checklist"`
	}
	if g.code != 0 || json.Unmarshal([]byte(g.stdout), &v) != nil || v.Report == nil || v.Report.RunID != rep.RunID ||
		len(v.History) != 1 || v.Checklist["backup"]["note"] != "on the NAS" {
		t.Fatalf("%+v", g)
	}
	if _, err := os.Stat(filepath.Join(env.StateDir, "preflight", "reports", rep.RunID+".json")); err != nil {
		t.Errorf("the run is not in the state dir: %v", err)
	}
}
