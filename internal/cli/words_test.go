package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
)

// Each kind of mistake is named in words on a terminal, while stdout keeps
// the agent's array (with --format json) exactly as under the agent.
func TestErrorsInWords(t *testing.T) {
	for _, c := range []struct {
		name, action, input string
		words               []string
	}{
		{"misspelt key", "configure-module", `{"ns7":{"hots":"ns7.example.com"}}`,
			[]string{`unknown key "ns7.hots": did you mean "ns7.host"?`, "valid keys in ns7: host, port, user"}},
		{"misspelt top-level key", "configure-module", `{"timout_s":5}`,
			[]string{`unknown key "timout_s": did you mean "timeout_s"?`}},
		{"enum", "run-preflight", `{"phase":"cutoff"}`,
			[]string{`phase is "cutoff"; allowed values: "plan", "cutover" (did you mean "cutover"?)`}},
		{"enum of a definition", "set-checklist", `{"item":"bakup","done":true}`,
			[]string{`item is "bakup"; allowed values: "backup", "backup-restore-tested"`, `(did you mean "backup"?)`}},
		{"conditional requirement", "check-user-domain", `{"provider":{"type":"remote-ad","ldap_uri":"ldaps://dc1.example.com"}}`,
			[]string{`check-user-domain: invalid input: provider.realm is required when provider.type is "remote-ad"`}},
		{"plain requirement", "set-checklist", `{"item":"backup"}`, []string{"done is required"}},
		{"trailing comma", "configure-module", "{\"ns7\":{\"host\":\"a\",}}",
			[]string{"line 1, column 20", "no trailing comma"}},
		{"syntax error on line 3", "configure-module", "{\n  \"ns7\": {\n    \"host\": 'a'\n  }\n}",
			[]string{"line 3, column 13", "JSON strings take double quotes"}},
		{"input cut short", "configure-module", `{"ns7":{"host":"a"`, []string{"it ends early"}},
		{"host:port", "configure-module", `{"ns7":{"host":"ns7.example.com:2222"}}`,
			[]string{`ns7.host is "ns7.example.com:2222", a host and a port: put the host in ns7.host ("ns7.example.com") and the port in ns7.port (2222)`}},
		{"host:port in probe-ns7", "probe-ns7", `{"host":"192.0.2.7:22"}`,
			[]string{`put the host in host ("192.0.2.7") and the port in port (22)`}},
		{"not a host", "configure-module", `{"ns7":{"host":"a;rm -rf /"}}`,
			[]string{`ns7.host "a;rm -rf /" is not a host name or an IP address`}},
		{"an internationalized name", "configure-module", `{"fqdns":{"nethvoice":"vöice.example.com"}}`,
			[]string{`fqdns.nethvoice "vöice.example.com" is not a host name`, "type it as xn--vice-5qa.example.com"}},
		{"not an address", "configure-module", `{"resolvers":["999.1.1.1"]}`,
			[]string{`resolvers.0 "999.1.1.1" is not an IP address (IPv4 or IPv6), or an address and a port`}},
		{"not a user name", "configure-module", `{"ns7":{"user":"Root"}}`, []string{`ns7.user "Root" is not a Linux user name`}},
		{"unknown run id", "get-report", `{"run_id":"a b"}`, []string{`run_id "a b" is not a run id, as the history lists them`}},
		{"type", "configure-module", `{"ns7":{"port":"22"}}`, []string{`ns7.port must be an integer, not a string ("22")`}},
		{"range", "configure-module", `{"timeout_s":100000}`, []string{"timeout_s must be at most 300 (it is 100000)"}},
		{"root type", "list-checks", `"text"`, []string{"the input must be an object or null, not a string"}},
		{"ignore: unknown id", "configure-module", `{"ignore":[{"id":"node.cpus","reason":"lab"}]}`,
			[]string{`ignore.0: "node.cpus" is not a check id: did you mean "node.cpu"?`}},
		{"ignore: no reason", "check-node", `{"ignore":[{"id":"node.memory","reason":" "}]}`,
			[]string{"ignore.0 (node.memory) has no reason: say why this check may be ignored"}},
		{"an action's own rule", "validate-fqdns", `{"cti_fqdn":"cti.example.com","timeout_s":1}`,
			[]string{"nethvoice_fqdn is required: give it in the input, or store fqdns.nethvoice with configure-module"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			person := run(t, stateEnv(t), "", c.action, "--data", c.input)
			words := strings.Join(strings.Fields(person.stderr), " ") // unwrapped
			for _, w := range c.words {
				if !strings.Contains(words, w) {
					t.Errorf("no %q in\n%s", w, person.stderr)
				}
			}
			if person.code != agent.ExitValidation || strings.Contains(person.stderr, "set-status") {
				t.Errorf("exit %d, stderr %q", person.code, person.stderr)
			}
			// The agent's form is untouched: the same array under the agent,
			// without words.
			under := run(t, agentEnv(t), "", c.action, "--data", c.input)
			var arr []schema.FieldError
			if under.stdout != person.stdout || json.Unmarshal([]byte(under.stdout), &arr) != nil || len(arr) == 0 ||
				strings.TrimSpace(under.stderr) != "set-status validation-failed" {
				t.Errorf("under the agent: %+v\nfor a person: %+v", under, person)
			}
			// --format text: the words only.
			text := run(t, stateEnv(t), "", c.action, "--data", c.input, "--format", "text")
			if text.stdout != "" || text.stderr != person.stderr {
				t.Errorf("--format text: %+v", text)
			}
		})
	}
}

// The ignore list's rules hold for configure-module and for every check
// action's input: nothing is stored or run, and an entry without a reason
// stored by an older version does not make a report ready.
func TestIgnoreListRules(t *testing.T) {
	env := stateEnv(t)
	for _, in := range []string{`{"ignore":[{"id":"node.cpu"}]}`, `{"ignore":[{"id":"nope.nope","reason":"x"}]}`} {
		r := run(t, env, "", "configure-module", "--data", in)
		var arr []schema.FieldError
		if r.code != agent.ExitValidation || json.Unmarshal([]byte(r.stdout), &arr) != nil || len(arr) != 1 ||
			!strings.HasPrefix(arr[0].Field, "ignore.0.") || arr[0].Parameter != "ignore" {
			t.Fatalf("%s: %+v", in, r)
		}
		if _, err := os.Stat(filepath.Join(env.StateDir, agent.EnvironmentFile)); err == nil {
			t.Fatal("a rejected ignore list was stored")
		}
	}
	for _, action := range []string{"check-node", "validate-fqdns", "probe-ns7", "check-user-domain", "run-preflight"} {
		r := run(t, env, "", action, "--data", `{"ignore":[{"id":"node.cpu"}]}`)
		if r.code != agent.ExitValidation || !strings.Contains(r.stdout, `"ignore_reason_required"`) {
			t.Errorf("%s: %+v", action, r)
		}
	}
	// A good entry (an id of the catalogue, a reason) is stored and applied.
	if r := run(t, env, "", "configure-module", "--data", `{"ignore":[{"id":"node.cpu","reason":"lab, 2 cores"}]}`); r.code != 0 {
		t.Fatalf("%+v", r)
	}
	// Stored without a reason (an older version did not require one): not
	// applied, and the log says so.
	if err := agent.UpdateEnvironment(env.StateDir, map[string]*string{"PREFLIGHT_IGNORE": ptr(`[{"id":"node.cpu","subject":"","reason":""}]`)}); err != nil {
		t.Fatal(err)
	}
	r := run(t, env, "", "check-node", "--data", `{"volumes_path":"/"}`)
	if r.code != 0 || strings.Contains(r.stdout, `"ignored":true`) || !strings.Contains(r.stderr, "has no reason") {
		t.Errorf("%+v", r)
	}
}

func ptr(s string) *string { return &s }

// Options may come before the action.
func TestActionFirst(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"get-report --format text", "get-report --format text"},
		{"--format text get-report", "get-report --format text"},
		{"--data {} --format=text set-checklist --exit-code", "set-checklist --data {} --format=text --exit-code"},
		{"--only-problems", "--only-problems"},
		{"--data get-report", "--data get-report"}, // the value of --data, not an action
		{"", ""},
	} {
		if got := strings.Join(ActionFirst(strings.Fields(c.in)), " "); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
	}
}
