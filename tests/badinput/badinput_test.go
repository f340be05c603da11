// Package badinput feeds every action a corpus of generated malformed
// inputs: each must end in exit 10 with the agent's error array, never a
// panic, a stack trace, a change of the settings or a network connection.
package badinput

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cli"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
)

// PerAction is how many invalid inputs each action must reject.
const PerAction = 1000

var nasty = []any{
	"", " ", "a;rm -rf /", "$(reboot)", "`id`", "x\ny", "tab\there", "\x00nul", "\x1b[31mred", "é.example.com",
	"xn--nxasmq6b.example", "ünïcödé", strings.Repeat("a", 5000), strings.Repeat("a.", 200) + "com",
	"../../etc/passwd", "'quote", "\"dq", "%s%n", "{{.}}", -1, 0, 1e308, -1e308, 65536, 70000, 3.5,
	true, false, nil, []any{}, []any{"x"}, []any{1, 2}, map[string]any{}, map[string]any{"$gt": ""},
}

// mutants derives candidate inputs from a valid example: every property
// replaced by every nasty value, unknown keys, wrong root types, broken JSON.
func mutants(r *rand.Rand, example json.RawMessage) [][]byte {
	var out [][]byte
	add := func(v any) {
		b, err := json.Marshal(v)
		if err == nil {
			out = append(out, b)
		}
	}
	var obj map[string]any
	json.Unmarshal(example, &obj) //nolint:errcheck // null examples give an empty object
	if obj == nil {
		obj = map[string]any{}
	}
	var walk func(path []string, v any)
	set := func(path []string, val any) map[string]any {
		cp := deepCopy(obj).(map[string]any)
		m := cp
		for _, p := range path[:len(path)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[path[len(path)-1]] = val
		return cp
	}
	walk = func(path []string, v any) {
		for _, n := range nasty {
			add(set(path, n))
		}
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				walk(append(append([]string{}, path...), k), x)
			}
			add(set(append(append([]string{}, path...), "unknown_key"), 1))
		}
	}
	for k, v := range obj {
		walk([]string{k}, v)
	}
	for _, n := range nasty {
		add(n) // wrong root types
		for _, k := range []string{"bogus", "Item", "run id", "password", "__proto__", "ns7.host", ""} {
			add(set([]string{k + fmt.Sprint(r.Intn(1000))}, n))
		}
	}
	for _, s := range []string{"{", "}", "nul", "{\"a\":}", "[1,", "{} trailing", "\xff\xfe", strings.Repeat("[", 10000)} {
		out = append(out, []byte(s))
	}
	// Random single-byte corruptions of the example.
	for i := 0; i < 600; i++ {
		b := append([]byte{}, example...)
		if len(b) == 0 {
			break
		}
		b[r.Intn(len(b))] = byte(r.Intn(256))
		out = append(out, b)
	}
	return out
}

func deepCopy(v any) any {
	b, _ := json.Marshal(v)
	var out any
	json.Unmarshal(b, &out) //nolint:errcheck
	return out
}

func TestMalformedInputCorpus(t *testing.T) {
	set := schema.New(os.DirFS("../.."))
	actions, err := set.Actions()
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(1))
	bin := harness.Binary(t)
	for _, action := range actions {
		if !set.Has(action, schema.Input) {
			continue
		}
		t.Run(action, func(t *testing.T) {
			examples, _ := set.Examples(action, schema.Input)
			var corpus [][]byte
			for _, ex := range examples {
				corpus = append(corpus, mutants(r, ex)...)
			}
			state := t.TempDir()
			// The cluster address is a port nothing listens on: a connection
			// attempt would show as a cluster finding, never as exit 10.
			env := agent.Env{StateDir: state, ModuleID: "nethvoice-preflight1", NodeID: "1"}
			invalid, execd := 0, 0
			for i, in := range corpus {
				if errs, err := set.Validate(action, schema.Input, in); err != nil || errs == nil {
					continue // a mutant that happens to be valid is not part of the corpus
				}
				invalid++
				var out, errb bytes.Buffer
				code := cli.Run(context.Background(), []string{action, "--data", string(in)}, env, cli.IO{Stdout: &out, Stderr: &errb, StdinIsTTY: true})
				var arr []schema.FieldError
				if code != agent.ExitValidation || json.Unmarshal(out.Bytes(), &arr) != nil || len(arr) == 0 {
					t.Fatalf("input %q: exit %d, stdout %q", trunc(in), code, trunc(out.Bytes()))
				}
				for _, e := range arr {
					if e.Field == "" || e.Parameter == "" || e.Error == "" {
						t.Fatalf("input %q: incomplete error %+v", trunc(in), e)
					}
				}
				// Every 25th through the real binary: no stack trace on stderr.
				if i%25 == 0 {
					execd++
					// On stdin, as the agent gives it: argv cannot carry a NUL byte.
					cmd := exec.Command(bin, action)
					cmd.Stdin = bytes.NewReader(in)
					cmd.Env = []string{"PATH=/usr/bin:/bin", "AGENT_STATE_DIR=" + state, "REDIS_ADDRESS=127.0.0.1:1"}
					var se bytes.Buffer
					cmd.Stderr = &se
					err := cmd.Run()
					ee, ok := err.(*exec.ExitError)
					if !ok || ee.ExitCode() != 10 || strings.Contains(se.String(), "goroutine ") || strings.Contains(se.String(), "panic") {
						t.Fatalf("binary, input %q: %v %s", trunc(in), err, se.String())
					}
				}
			}
			if invalid < PerAction {
				t.Fatalf("only %d invalid inputs generated for %s, want %d", invalid, action, PerAction)
			}
			if ents, _ := os.ReadDir(state); len(ents) != 0 {
				names := []string{}
				for _, e := range ents {
					names = append(names, filepath.Join(state, e.Name()))
				}
				t.Fatalf("invalid input changed the state dir: %v", names)
			}
			t.Logf("%s: %d invalid inputs rejected (%d through the binary)", action, invalid, execd)
		})
	}
}

func trunc(b []byte) string {
	if len(b) > 120 {
		return string(b[:120]) + "..."
	}
	return string(b)
}
