package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/actions"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/catalog"
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

// agentEnv is stateEnv as the NS8 agent runs a step (AGENT_ID set; no
// AGENT_COMFD here, so its commands go to stderr, as the agent's Python
// library falls back).
func agentEnv(t *testing.T) agent.Env {
	e := stateEnv(t)
	e.AgentID, e.UnderTheAgent = "module/"+e.ModuleID, true
	return e
}

// Every malformed input ends in exit 10 with the agent's array and no
// stack trace: under the agent with set-status validation-failed and no
// words; for a person with words on stderr and no agent command.
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
			person := run(t, stateEnv(t), "", c.action, "--data", c.input)
			if person.code != agent.ExitValidation || person.stderr == "" || strings.Contains(person.stderr, "set-status") ||
				strings.Contains(person.stderr, "goroutine") {
				t.Errorf("for a person: exit %d, stderr %q", person.code, person.stderr)
			}
			env := agentEnv(t)
			r := run(t, env, "", c.action, "--data", c.input)
			if r.stdout != person.stdout {
				t.Errorf("the array differs under the agent:\n%s\n%s", r.stdout, person.stdout)
			}
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
			if strings.TrimSpace(r.stderr) != "set-status validation-failed" {
				t.Fatalf("under the agent, stderr %q", r.stderr)
			}
			if _, err := os.Stat(filepath.Join(env.StateDir, agent.EnvironmentFile)); err == nil {
				t.Fatal("invalid input must not change the settings")
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args  []string
		words string
	}{
		{[]string{"run-prefligt"}, `unknown action "run-prefligt": did you mean "run-preflight"?`},
		{[]string{"check-node", "--format", "xml"}, `--format "xml": use json`},
		{[]string{"check-node", "--only-problem"}, `unknown option --only-problem: did you mean --only-problems?`},
		{[]string{"check-node", "extra"}, `unexpected argument "extra"`},
	} {
		r := run(t, stateEnv(t), "", c.args...)
		if r.code != agent.ExitValidation || !strings.Contains(r.stderr, c.words) || strings.Contains(r.stderr, "set-status") {
			t.Errorf("%v: exit %d, stderr %q", c.args, r.code, r.stderr)
		}
	}
	// No arguments, or --help anywhere: the help, exit 0.
	for _, args := range [][]string{{}, {"--help"}, {"check-node", "--help"}} {
		r := run(t, stateEnv(t), "", args...)
		if r.code != 0 || !strings.Contains(r.stdout, "check-node") || !strings.Contains(r.stdout, "Exit codes") {
			t.Fatalf("help %v: %d %s", args, r.code, r.stdout)
		}
	}
}

// --version says which build this is; a release build carries its tag.
func TestVersion(t *testing.T) {
	r := run(t, stateEnv(t), "", "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "nethvoice-preflight devel (") || !strings.Contains(r.stdout, "go1.") {
		t.Fatalf("%+v", r)
	}
	Version = "1.2.3"
	defer func() { Version = "" }()
	if r := run(t, stateEnv(t), "", "--version"); !strings.HasPrefix(r.stdout, "nethvoice-preflight 1.2.3 (") {
		t.Fatalf("%+v", r)
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
	if strings.Contains(r.stderr, "set-progress") {
		t.Errorf("agent commands on a person's terminal: %q", r.stderr)
	}
	// Run by the agent, progress goes to its channel.
	if r := run(t, agentEnv(t), "", "check-node", "--data", `{"volumes_path":"/"}`); !strings.Contains(r.stderr, "set-progress 100") {
		t.Errorf("under the agent: %q", r.stderr)
	}
	r2 := run(t, env, "", "check-node", "--exit-code", "--format", "text", "--data", `{"ignore":[{"id":"node.cpu","reason":"lab"},{"id":"node.disk","reason":"lab"},{"id":"node.memory","reason":"lab"}]}`)
	if r2.code != report.ExitReady || !strings.Contains(r2.stdout, "\nREADY: ") || !strings.Contains(r2.stdout, "Ignored, each with its reason") {
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
	if r := run(t, env, "", "get-report", "--format", "text", "--data", `{"run_id":"no-such-run"}`); r.code != agent.ExitValidation || !strings.Contains(r.stderr, `no report of run "no-such-run" is kept`) {
		t.Errorf("unknown run_id: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(env.StateDir, "preflight", "reports", rep.RunID+".json")); err != nil {
		t.Errorf("the run is not in the state dir: %v", err)
	}
}

// --format text works for every action: a table of the catalogue, the
// settings in words with the whole public key on its own line, a line for
// configure-module; each within the width.
func TestTextForEveryAction(t *testing.T) {
	env := stateEnv(t)
	r := run(t, env, "", "list-checks", "--format", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "check-node\n  cluster.redis") || !strings.Contains(r.stdout, "  node.cpu ") ||
		!strings.Contains(r.stdout, fmt.Sprintf("%d checks.", len(catalog.All()))) {
		t.Errorf("list-checks: %+v", r)
	}
	checkLines(t, r.stdout, 100)
	r = run(t, env, "", "configure-module", "--format", "text", "--data", `{"ns7":{"host":"ns7.example.com"},"ignore":[{"id":"node.cpu","reason":"lab"}]}`)
	if r.code != 0 || r.stdout != "Settings saved (get-configuration shows them).\n" {
		t.Errorf("configure-module: %+v", r)
	}
	run(t, env, "", "create-module")
	r = run(t, env, "", "get-configuration", "--format", "text")
	if r.code != 0 || !strings.Contains(r.stdout, "  NS7                 root@ns7.example.com port 22\n") ||
		!strings.Contains(r.stdout, "node.cpu (every subject): lab") || !strings.Contains(r.stdout, "\nssh-ed25519 ") ||
		!strings.Contains(r.stdout, "NS7 host key: not pinned yet") {
		t.Errorf("get-configuration: %+v", r)
	}
	// Narrow: 60 columns, every line but the key's fits.
	var out bytes.Buffer
	writeText(&out, mustConfig(t, env), nil, report.TextOptions{Width: 60})
	checkLines(t, out.String(), 60)
}

func mustConfig(t *testing.T, env agent.Env) any {
	t.Helper()
	r := run(t, env, "", "get-configuration")
	var c actions.Configuration
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func checkLines(t *testing.T, s string, width int) {
	t.Helper()
	for _, l := range strings.Split(s, "\n") {
		if len([]rune(l)) > width && !strings.HasPrefix(l, "ssh-ed25519 ") && len(strings.Fields(l)) > 1 {
			t.Errorf("over %d columns: %q", width, l)
		}
	}
}

// The help fits 100 columns.
func TestHelpFits(t *testing.T) {
	checkLines(t, run(t, stateEnv(t), "").stdout, 100)
}
