package harness

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// fakeActions writes actions[action][file] = content under a temp dir; files
// whose name does not end in .json are executable unless listed in noexec.
func fakeActions(t *testing.T, actions map[string]map[string]string, noexec ...string) string {
	t.Helper()
	dir := t.TempDir()
	skip := map[string]bool{}
	for _, n := range noexec {
		skip[n] = true
	}
	for action, files := range actions {
		ad := filepath.Join(dir, action)
		if err := os.MkdirAll(ad, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, content := range files {
			mode := os.FileMode(0o755)
			if strings.HasSuffix(name, ".json") || skip[action+"/"+name] {
				mode = 0o644
			}
			if err := os.WriteFile(filepath.Join(ad, name), []byte(content), mode); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

const outSchema = `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object",
 "required":["hello"],"properties":{"hello":{"type":"string"}}}`

func statuses(p []ProgressMsg) []ProgressMsg {
	// Heartbeats may repeat a message; keep the changes only.
	var out []ProgressMsg
	for _, m := range p {
		if len(out) == 0 || out[len(out)-1] != m {
			out = append(out, m)
		}
	}
	return out
}

func TestTaskCompletes(t *testing.T) {
	r := StartRedis(t)
	dir := fakeActions(t, map[string]map[string]string{
		"hello": {
			"50run":                "#!/bin/sh\necho '{\"hello\":\"world\"}'\n",
			"validate-output.json": outSchema,
		},
	})
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(dir))
	res, err := m.Run(ctxT(t, 20*time.Second), "hello", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || res.Status != "completed" {
		t.Fatalf("want completed/0, got %s", res)
	}
	var out struct{ Hello string }
	if err := res.Decode(&out); err != nil || out.Hello != "world" {
		t.Fatalf("output %s: %v", res.Output, err)
	}
	want := []ProgressMsg{{"pending", 0}, {"running", 0}, {"running", 100}, {"completed", 100}}
	if got := statuses(res.Progress); !reflect.DeepEqual(got, want) {
		t.Fatalf("progress %v, want %v", got, want)
	}
	var ctxTask Task
	if err := json.Unmarshal(res.Context, &ctxTask); err != nil || ctxTask.ID != res.ID || ctxTask.User != "admin" || ctxTask.Queue != "module/fake1/tasks" {
		t.Fatalf("context %s: %v", res.Context, err)
	}
	ttl, err := r.Admin().TTL(context.Background(), "task/module/fake1/"+res.ID+"/output").Result()
	if err != nil || ttl < 7*time.Hour {
		t.Fatalf("output TTL %v %v", ttl, err)
	}
	// The environment hash is published at the end of every action.
	env, err := r.Admin().HGetAll(context.Background(), "module/fake1/environment").Result()
	if err != nil || env["MODULE_ID"] != "fake1" || env["NODE_ID"] != "1" || env["MODULE_UUID"] == "" {
		t.Fatalf("module/fake1/environment = %v, %v", env, err)
	}
}

func TestUndefinedAction(t *testing.T) {
	r := StartRedis(t)
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(fakeActions(t, nil)))
	res, err := m.Run(ctxT(t, 20*time.Second), "nope", map[string]any{"a": 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 8 || res.Error != "Action nope is not defined\n" || res.Status != "aborted" {
		t.Fatalf("got %s", res)
	}
}

func TestStepOrderAndEnvironment(t *testing.T) {
	r := StartRedis(t)
	dir := fakeActions(t, map[string]map[string]string{
		"env": {
			// stdout of the steps is concatenated into one JSON document
			"10first": `#!/bin/sh
echo first >&2
printf '{"first_stdin":%s,' "$(cat)"
echo "FROM_STEP=changed" >> "$AGENT_STATE_DIR/environment"
`,
			"15notexec": "#!/bin/sh\necho never >&2\n",
			"20second": `#!/bin/sh
echo second >&2
printf '"task_id":"%s","action":"%s","user":"%s","redis":"%s","replica":"%s","redis_user":"%s","agent_id":"%s","comfd":"%s","module_id":"%s","from_step":"%s","pwd":"%s","install":"%s","path":"%s","extra":"%s"}' \
  "$AGENT_TASK_ID" "$AGENT_TASK_ACTION" "$AGENT_TASK_USER" "$REDIS_ADDRESS" "$REDIS_REPLICA_ADDRESS" \
  "$REDIS_USER" "$AGENT_ID" "$AGENT_COMFD" "$MODULE_ID" "$FROM_STEP" "$(pwd)" "$AGENT_INSTALL_DIR" "$PATH" "$EXTRA_SETTING"
`,
		},
	}, "env/15notexec")
	if err := os.Mkdir(filepath.Join(dir, "env", "05adir"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(dir), WithEnvironment(map[string]string{"EXTRA_SETTING": "x y"}))
	res, err := m.RunTask(ctxT(t, 20*time.Second), TaskRequest{Action: "env", Data: map[string]any{"k": "v"}, User: "module/traefik1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("got %s\n%s", res, m.AgentLog())
	}
	var out map[string]any
	if err := res.Decode(&out); err != nil {
		t.Fatalf("output %q: %v", res.OutputRaw, err)
	}
	want := map[string]any{
		"first_stdin": map[string]any{"k": "v"},
		"task_id":     res.ID, "action": "env", "user": "module/traefik1",
		"redis": r.LeaderAddr(), "replica": r.ReplicaAddr(), "redis_user": "module/fake1",
		"agent_id": "module/fake1", "comfd": "3", "module_id": "fake1",
		"from_step": "changed", "pwd": m.StateDir, "install": m.InstallDir,
		"path": filepath.Join(m.InstallDir, "bin") + ":" + os.Getenv("PATH"), "extra": "x y",
	}
	if !reflect.DeepEqual(out, want) {
		t.Fatalf("output\n%v\nwant\n%v", out, want)
	}
	if res.Error != "first\nsecond\n" {
		t.Fatalf("stderr %q", res.Error)
	}
	if !strings.Contains(m.AgentLog(), "skipped step 15notexec") {
		t.Fatalf("no skip warning in the agent log:\n%s", m.AgentLog())
	}
	env, _ := r.Admin().HGetAll(context.Background(), "module/fake1/environment").Result()
	if env["FROM_STEP"] != "changed" {
		t.Fatalf("environment hash %v", env)
	}
	st, err := os.Stat(m.StateDir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("state dir mode %v %v", st.Mode(), err)
	}
	st, err = os.Stat(filepath.Join(m.StateDir, "agent.env"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("agent.env mode %v %v", st.Mode(), err)
	}
}

func TestProgressWeights(t *testing.T) {
	r := StartRedis(t)
	dir := fakeActions(t, map[string]map[string]string{
		"weights": {
			"validate-input.json": `{"$schema":"http://json-schema.org/draft-07/schema#"}`,
			"10a":                 "#!/bin/sh\necho 'set-weight 20b 3' >&3\n",
			"20b":                 "#!/bin/sh\necho 'set-progress 50' >&3\nsleep 0.2\necho 'bogus-command x' >&3\n",
			"30c":                 "#!/bin/sh\necho 'set-weight 30c 0' >&3\necho 'set-progress 100' >&3\n",
		},
	})
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(dir))
	res, err := m.Run(ctxT(t, 20*time.Second), "weights", nil)
	if err != nil {
		t.Fatal(err)
	}
	// weights a=1 b=3 c=1 (then 0): 100/500, (100+150)/500, 400/500, then
	// c's weight drops to 0: 400/400.
	want := []ProgressMsg{{"pending", 0}, {"running", 0}, {"running", 20}, {"running", 50}, {"running", 80}, {"running", 100}, {"completed", 100}}
	if got := statuses(res.Progress); !reflect.DeepEqual(got, want) {
		t.Fatalf("progress %v, want %v\n%s", got, want, m.AgentLog())
	}
	if !strings.Contains(m.AgentLog(), "Unknown command bogus-command") {
		t.Fatalf("unknown command not logged:\n%s", m.AgentLog())
	}
}

const inSchema = `{
 "$schema": "http://json-schema.org/draft-07/schema#",
 "type": "object", "required": ["name"], "additionalProperties": false,
 "properties": {
   "name": {"$ref": "http://schema.example.test/defs.json#/definitions/name"},
   "port": {"type": "integer", "minimum": 1, "maximum": 65535},
   "nested": {"type": "object", "properties": {"host": {"type": "string", "format": "hostname"}}}
 }}`

const defsSchema = `{"$schema": "http://json-schema.org/draft-07/schema#",
 "$id": "http://schema.example.test/defs.json",
 "definitions": {"name": {"type": "string", "pattern": "^[a-z]+$"}}}`

func TestInputValidation(t *testing.T) {
	r := StartRedis(t)
	dir := fakeActions(t, map[string]map[string]string{
		"configure": {
			"validate-input.json": inSchema,
			"50run":               "#!/bin/sh\ntouch \"$AGENT_STATE_DIR/ran\"\necho '{}'\n",
		},
	})
	defs := filepath.Join(t.TempDir(), "defs.json")
	if err := os.WriteFile(defs, []byte(defsSchema), 0o644); err != nil {
		t.Fatal(err)
	}
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(dir), WithDefinitions(defs))
	ctx := ctxT(t, 30*time.Second)

	res, err := m.Run(ctx, "configure", map[string]any{"name": "ok", "port": 80, "nested": map[string]any{"host": "a.example"}})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("valid input: %v %s", err, res)
	}
	if err := os.Remove(filepath.Join(m.StateDir, "ran")); err != nil {
		t.Fatal("step did not run on valid input")
	}

	res, err = m.Run(ctx, "configure", map[string]any{"name": "BAD", "port": 0, "nested": map[string]any{"host": "-x_"}, "other": true})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 10 || res.Status != "validation-failed" || !strings.HasPrefix(res.Error, "Validation errors: [") {
		t.Fatalf("got %s", res)
	}
	var verrs []ValidationError
	if err := res.Decode(&verrs); err != nil {
		t.Fatal(err)
	}
	got := map[string]ValidationError{}
	for _, e := range verrs {
		got[e.Field] = e
	}
	for field, want := range map[string]ValidationError{
		"name":        {Field: "name", Parameter: "name", Value: "BAD", Error: "name_pattern"},
		"port":        {Field: "port", Parameter: "port", Value: float64(0), Error: "port_number_gte"},
		"nested.host": {Field: "nested.host", Parameter: "nested", Value: "-x_", Error: "nested_format"},
		"(root)":      {Field: "(root)", Parameter: "(root)", Value: true, Error: "(root)_additional_property_not_allowed"},
	} {
		if !reflect.DeepEqual(got[field], want) {
			t.Errorf("field %s: got %+v want %+v", field, got[field], want)
		}
	}
	if _, err := os.Stat(filepath.Join(m.StateDir, "ran")); err == nil {
		t.Fatal("a step ran after validation failed")
	}
	want := []ProgressMsg{{"pending", 0}, {"validation-failed", 0}}
	if !reflect.DeepEqual(res.Progress, want) {
		t.Fatalf("progress %v", res.Progress)
	}

	res, err = m.Run(ctx, "configure", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 10 || !strings.Contains(res.OutputRaw, `"error":"(root)_required"`) || !strings.Contains(res.OutputRaw, `"field":"(root)"`) {
		t.Fatalf("missing required: %s", res)
	}
}

func TestSetStatusValidationFailed(t *testing.T) {
	r := StartRedis(t)
	step := func(code string) string {
		return "#!/bin/sh\necho 'set-status validation-failed' >&3\n" +
			`echo '[{"field":"host","parameter":"host","value":"x","error":"host_unreachable"}]'` + "\nexit " + code + "\n"
	}
	dir := fakeActions(t, map[string]map[string]string{
		"exit3": {"01validate": step("3"), "50run": "#!/bin/sh\ntouch \"$AGENT_STATE_DIR/ran\"\n"},
		"exit0": {"01validate": step("0"), "50run": "#!/bin/sh\ntouch \"$AGENT_STATE_DIR/ran\"\n"},
	})
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(dir))
	ctx := ctxT(t, 30*time.Second)
	for action, code := range map[string]int{"exit3": 3, "exit0": 10} {
		res, err := m.Run(ctx, action, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != code || res.Status != "validation-failed" {
			t.Fatalf("%s: got %s", action, res)
		}
		var verrs []ValidationError
		if err := res.Decode(&verrs); err != nil || len(verrs) != 1 || verrs[0].Error != "host_unreachable" {
			t.Fatalf("%s: output %s %v", action, res.Output, err)
		}
	}
	if _, err := os.Stat(filepath.Join(m.StateDir, "ran")); err == nil {
		t.Fatal("a step ran after set-status validation-failed")
	}
}

func TestFailingStep(t *testing.T) {
	r := StartRedis(t)
	dir := fakeActions(t, map[string]map[string]string{
		"fail": {
			"10ok":    "#!/bin/sh\necho '<6>step ok' >&2\n",
			"20fail":  "#!/bin/sh\necho '<3>boom' >&2\nexit 7\n",
			"30never": "#!/bin/sh\ntouch \"$AGENT_STATE_DIR/ran\"\n",
		},
	})
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(dir))
	res, err := m.Run(ctxT(t, 20*time.Second), "fail", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 7 || res.Status != "aborted" || res.Error != "<6>step ok\n<3>boom\n" {
		t.Fatalf("got %s", res)
	}
	if _, err := os.Stat(filepath.Join(m.StateDir, "ran")); err == nil {
		t.Fatal("a step ran after a failing one")
	}
	want := []ProgressMsg{{"pending", 0}, {"running", 0}, {"running", 33}, {"aborted", 33}}
	if got := statuses(res.Progress); !reflect.DeepEqual(got, want) {
		t.Fatalf("progress %v", got)
	}
}

func TestOutputValidation(t *testing.T) {
	r := StartRedis(t)
	dir := fakeActions(t, map[string]map[string]string{
		"badshape": {"50run": "#!/bin/sh\necho '{\"hello\":1}'\n", "validate-output.json": outSchema},
		"notjson":  {"50run": "#!/bin/sh\necho 'hello'\n", "validate-output.json": outSchema},
	})
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(dir))
	ctx := ctxT(t, 20*time.Second)
	res, err := m.Run(ctx, "badshape", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 1 || res.Status != "aborted" || !strings.Contains(res.Error, "Validation errors: [hello: Invalid type") {
		t.Fatalf("got %s", res)
	}
	res, err = m.Run(ctx, "notjson", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 1 || !strings.Contains(res.Error, "JSON Schema output validation aborted at step") {
		t.Fatalf("got %s", res)
	}
	if string(res.Output) != `"hello\n"` {
		t.Fatalf("non-JSON output should come back as a string, got %s", res.Output)
	}
}

func TestContextMasking(t *testing.T) {
	r := StartRedis(t)
	dir := fakeActions(t, map[string]map[string]string{"noop": {"50run": "#!/bin/sh\ncat >/dev/null\n"}})
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(dir))
	data := map[string]any{
		"host": "ns7.example.test", "ssh_password": "s3cret", "Bind_Password": "p",
		"nested":  map[string]any{"api_token": "t", "ssh_key": "k", "note": "keep", "client_secret": "x"},
		"list":    []any{map[string]any{"bypass": "y", "user": "root"}},
		"keyring": "kept",
	}
	res, err := m.Run(ctxT(t, 20*time.Second), "noop", data)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("%v %s", err, res)
	}
	var c struct{ Data map[string]any }
	if err := json.Unmarshal(res.Context, &c); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"host": "ns7.example.test", "ssh_password": "XXX", "Bind_Password": "XXX",
		"nested":  map[string]any{"api_token": "XXX", "ssh_key": "XXX", "note": "keep", "client_secret": "XXX"},
		"list":    []any{map[string]any{"bypass": "XXX", "user": "root"}},
		"keyring": "kept",
	}
	if !reflect.DeepEqual(c.Data, want) {
		t.Fatalf("context data %v", c.Data)
	}
	if strings.Contains(string(res.Context), "s3cret") {
		t.Fatal("secret in context")
	}
}

func TestConcurrentTasks(t *testing.T) {
	r := StartRedis(t)
	dir := fakeActions(t, map[string]map[string]string{"slow": {"50run": "#!/bin/sh\nsleep 1\necho '{}'\n"}})
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(dir))
	ctx := ctxT(t, 20*time.Second)
	start := time.Now()
	a, err := m.Submit(ctx, "slow", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Submit(ctx, "slow", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*Pending{a, b} {
		res, err := p.Wait(ctx)
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("%v %v", err, res)
		}
	}
	if d := time.Since(start); d > 1900*time.Millisecond {
		t.Fatalf("two 1 s tasks took %s: not concurrent", d)
	}
}

func TestStepTimeoutAndCancel(t *testing.T) {
	r := StartRedis(t)
	dir := fakeActions(t, map[string]map[string]string{
		"hang":  {"50run": "#!/bin/sh\necho started >&2\nsleep 30\n"},
		"trap":  {"50run": "#!/bin/sh\ntrap 'echo got TERM >&2; exit 42' TERM\nwhile :; do sleep 0.1; done\n"},
		"quick": {"50run": "#!/bin/sh\necho '{}'\n"},
	})
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(dir), WithStepTimeout(500*time.Millisecond))
	ctx := ctxT(t, 30*time.Second)
	res, err := m.Run(ctx, "hang", nil)
	if err != nil {
		t.Fatal(err)
	}
	// sh dies of SIGTERM: Go's ExitCode() is -1, which the agent stores.
	if res.ExitCode != -1 || res.Status != "aborted" || !strings.Contains(res.Error, "timed out") {
		t.Fatalf("got %s", res)
	}
	if res.Duration > 5*time.Second {
		t.Fatalf("timeout took %s", res.Duration)
	}
	res, err = m.Run(ctx, "trap", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 42 || !strings.Contains(res.Error, "got TERM") {
		t.Fatalf("got %s", res)
	}

	m2 := InstallModule(t, r, "fake2", "1", WithActionsDir(dir))
	p, err := m2.Submit(ctx, "hang", nil)
	if err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(m2.AgentLog(), "50run is starting") {
		time.Sleep(20 * time.Millisecond)
	}
	if !m2.Cancel(p.ID) {
		t.Fatal("task not found to cancel")
	}
	res, err = p.Wait(ctx)
	if err != nil || res.Status != "aborted" {
		t.Fatalf("%v %v", err, res)
	}
}

func TestAgentNotConnected(t *testing.T) {
	r := StartRedis(t)
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(fakeActions(t, nil)))
	if !strings.Contains(mustClientList(t, r), "name=module/fake1 ") {
		t.Fatal("agent connection not named module/fake1")
	}
	m.Stop()
	if _, err := m.Submit(ctxT(t, 10*time.Second), "x", nil); err == nil || !strings.Contains(err.Error(), "client idle check failed") {
		t.Fatalf("want idle check error, got %v", err)
	}
}

func mustClientList(t *testing.T, r *Redis) string {
	s, err := r.Admin().ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func isNoPerm(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOPERM") }

func TestACL(t *testing.T) {
	r := StartRedis(t)
	ctx := ctxT(t, 20*time.Second)
	if err := DefaultCluster().ApplyTo(ctx, r); err != nil {
		t.Fatal(err)
	}
	r.AddModuleUser("fake1")
	r.AddModuleUser("other1")
	mod := r.ModuleClient(r.LeaderAddr(), "fake1")

	if err := mod.Set(ctx, "module/fake1/x", "1", 0).Err(); err != nil {
		t.Fatalf("own key: %v", err)
	}
	if err := mod.Set(ctx, "task/module/fake1/t/output", "1", 0).Err(); err != nil {
		t.Fatalf("own task key: %v", err)
	}
	for _, k := range []string{"module/other1/x", "cluster/x", "node/1/x", "user/x"} {
		if err := mod.Set(ctx, k, "1", 0).Err(); !isNoPerm(err) {
			t.Errorf("SET %s as module/fake1: want NOPERM, got %v", k, err)
		}
	}
	if n, err := mod.HGet(ctx, "cluster/environment", "NODE_ID").Result(); err != nil || n != "1" {
		t.Errorf("module reads cluster/environment: %q %v", n, err)
	}
	if _, err := mod.HGetAll(ctx, "user/admin").Result(); !isNoPerm(err) {
		t.Errorf("module reads user/admin: %v", err)
	}
	if err := mod.Publish(ctx, "progress/module/fake1/task/x", "{}").Err(); err != nil {
		t.Errorf("publish own progress: %v", err)
	}
	if err := mod.Publish(ctx, "module/fake1/event/test", "{}").Err(); err != nil {
		t.Errorf("publish own event: %v", err)
	}
	if err := mod.Publish(ctx, "progress/module/other1/task/x", "{}").Err(); !isNoPerm(err) {
		t.Errorf("publish other's progress: %v", err)
	}
	if err := mod.LPush(ctx, "module/other1/tasks", "{}").Err(); !isNoPerm(err) {
		t.Errorf("LPUSH other's queue: %v", err)
	}
	if err := mod.ConfigSet(ctx, "maxmemory", "1").Err(); !isNoPerm(err) {
		t.Errorf("CONFIG SET: %v", err)
	}

	for name, addr := range map[string]string{"leader": r.LeaderAddr(), "replica": r.ReplicaAddr()} {
		def := r.DefaultClient(addr)
		if v, err := def.Get(ctx, "cluster/network").Result(); err != nil || v != "10.5.4.0/24" {
			t.Errorf("%s: default reads cluster/network: %q %v", name, v, err)
		}
		if v, err := def.HGet(ctx, "module/nethvoice-proxy1/srv/tcp/sip", "fqdn").Result(); err != nil || v != ProxyFQDN {
			t.Errorf("%s: default reads proxy srv: %q %v", name, v, err)
		}
		for _, k := range []string{"user/admin", "roles/admin", "task/module/fake1/t/output"} {
			if err := def.Get(ctx, k).Err(); !isNoPerm(err) {
				t.Errorf("%s: default reads %s: %v", name, k, err)
			}
		}
		if err := def.Set(ctx, "cluster/x", "1", 0).Err(); !isNoPerm(err) {
			t.Errorf("%s: default writes: %v", name, err)
		}
	}
	// ACLs exist on the replica too; writes there are refused as read-only.
	rmod := r.ModuleClient(r.ReplicaAddr(), "fake1")
	if v, err := rmod.Get(ctx, "module/fake1/x").Result(); err != nil || v != "1" {
		t.Errorf("replica read as module: %q %v", v, err)
	}
	if err := rmod.Set(ctx, "module/fake1/y", "1", 0).Err(); err == nil || !strings.HasPrefix(err.Error(), "READONLY") {
		t.Errorf("replica write: %v", err)
	}
	bad := r.Client(r.LeaderAddr(), "module/fake1", "wrong")
	if err := bad.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestClusterSeed(t *testing.T) {
	r := StartRedis(t)
	ctx := ctxT(t, 20*time.Second)
	c := DefaultCluster()
	c.UnconfigureProxy()
	ns7 := c.AddNS7MigrationNode()
	c.AddStaleNS7Admin(ns7.ID)
	if err := c.ApplyTo(ctx, r); err != nil {
		t.Fatal(err)
	}
	rep := r.ReplicaAdmin()
	checks := map[string]func() (any, error){
		"node_sequence": func() (any, error) { return rep.Get(ctx, "cluster/node_sequence").Result() },
		"module_node":   func() (any, error) { return rep.HGet(ctx, "cluster/module_node", PreflightModuleID).Result() },
		"node3 flags":   func() (any, error) { return rep.SMembers(ctx, "node/3/flags").Result() },
		"proxy fqdn":    func() (any, error) { return rep.HGet(ctx, "module/nethvoice-proxy1/srv/udp/sip", "fqdn").Result() },
		"proxy env":     func() (any, error) { return rep.HGet(ctx, "module/nethvoice-proxy1/environment", "PUBLIC_IP").Result() },
		"ns7admin role": func() (any, error) { return rep.HGet(ctx, "roles/ns7admin3", "cluster").Result() },
		"providers": func() (any, error) {
			return rep.LRange(ctx, "cluster/user_domain/ldap/corp.example.test/providers", 0, -1).Result()
		},
		"default proxy": func() (any, error) { return rep.Get(ctx, "node/1/default_instance/nethvoice-proxy").Result() },
		"traefik hosts": func() (any, error) { return rep.SIsMember(ctx, "module/traefik1/hosts", "mail.example.test").Result() },
		"ldap schema":   func() (any, error) { return rep.HGet(ctx, "module/samba1/srv/tcp/ldap", "schema").Result() },
	}
	want := map[string]any{
		"node_sequence": "3", "module_node": "1", "node3 flags": []string{"nomodules"},
		"proxy fqdn": UnconfiguredProxyFQDN, "proxy env": "127.0.0.1", "ns7admin role": "owner",
		"providers": []string{"ldap.corp.example.test:636"}, "default proxy": ProxyModuleID,
		"traefik hosts": true, "ldap schema": "ad",
	}
	for name, f := range checks {
		got, err := f()
		if err != nil || !reflect.DeepEqual(got, want[name]) {
			t.Errorf("%s: got %v (%v), want %v", name, got, err, want[name])
		}
	}
	uuid, _ := rep.HGet(ctx, "cluster/module_uuid", ProxyModuleID).Result()
	if v, _ := rep.HGet(ctx, "module/nethvoice-proxy1/srv/tcp/sip", "module_uuid").Result(); v != uuid || uuid == "" {
		t.Errorf("srv module_uuid %q vs cluster/module_uuid %q", v, uuid)
	}

	// Removing the proxy drops its keys and default instance.
	c.RemoveProxy()
	if err := r.Admin().FlushAll(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.ApplyTo(ctx, r); err != nil {
		t.Fatal(err)
	}
	n, err := r.Admin().Exists(ctx, "node/1/default_instance/nethvoice-proxy", "module/nethvoice-proxy1/srv/tcp/sip", "cluster/default_instance/nethvoice-proxy").Result()
	if err != nil || n != 0 {
		t.Errorf("proxy keys left: %d %v", n, err)
	}
	if _, err := r.Admin().HGet(ctx, "cluster/module_node", ProxyModuleID).Result(); !errors.Is(err, redis.Nil) {
		t.Errorf("proxy still in module_node: %v", err)
	}

	// The installed module starts from the seeded environment.
	m := InstallModule(t, r, PreflightModuleID, "1", WithActionsDir(fakeActions(t, nil)))
	seeded, _ := r.Admin().HGet(ctx, "cluster/module_uuid", PreflightModuleID).Result()
	if m.UUID != seeded || m.Environment()["IMAGE_URL"] != c.Module(PreflightModuleID).ImageURL {
		t.Errorf("module env %v, seeded uuid %s", m.Environment(), seeded)
	}
}

func TestFreezeThaw(t *testing.T) {
	r := StartRedis(t)
	ctx := ctxT(t, 20*time.Second)
	c := NewClient(r.LeaderAddr(), "cluster", r.ClusterPassword())
	defer c.Close()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	r.Freeze()
	for _, addr := range []string{r.LeaderAddr(), r.ReplicaAddr()} {
		// The kernel still accepts connections; nothing answers.
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			t.Fatalf("%s: dial while frozen: %v", addr, err)
		}
		_ = conn.SetDeadline(time.Now().Add(300 * time.Millisecond))
		_, _ = conn.Write([]byte("PING\r\n"))
		buf := make([]byte, 16)
		n, err := conn.Read(buf)
		conn.Close()
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("%s answered while frozen: %q %v", addr, buf[:n], err)
		}
	}
	r.Thaw()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("after thaw: %v", err)
	}
	if err := r.WaitSync(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestFrozenRedisDuringTask(t *testing.T) {
	r := StartRedis(t)
	dir := fakeActions(t, map[string]map[string]string{"slow": {"50run": "#!/bin/sh\nsleep 1\necho '{}'\n"}})
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(dir))
	ctx := ctxT(t, 30*time.Second)
	p, err := m.Submit(ctx, "slow", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Freeze()
	time.Sleep(1500 * time.Millisecond)
	r.Thaw()
	res, err := p.Wait(ctx)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("%v %v", err, res)
	}
}

func TestStepWrapperPrivateMount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for unshare --mount")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare not installed")
	}
	fake := filepath.Join(t.TempDir(), "meminfo")
	if err := os.WriteFile(fake, []byte("MemTotal:        1024000 kB\nMemFree:          512000 kB\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := fakeActions(t, map[string]map[string]string{
		"mem": {"50run": "#!/bin/sh\nprintf '{\"line\":\"%s\",\"arg\":\"%s\"}' \"$(head -1 /proc/meminfo | tr -s ' ')\" \"$1\"\n"},
	})
	m := InstallModule(t, StartRedis(t), "fake1", "1", WithActionsDir(dir), WithStepWrapper(
		"unshare", "--mount", "--propagation", "private", "sh", "-c",
		`mount --bind "`+fake+`" /proc/meminfo && exec "$0" "$@"`))
	res, err := m.Run(ctxT(t, 20*time.Second), "mem", nil)
	if err != nil {
		t.Fatal(err)
	}
	var out struct{ Line, Arg string }
	if err := res.Decode(&out); err != nil || out.Line != "MemTotal: 1024000 kB" || out.Arg != "" {
		t.Fatalf("got %s (%v)\n%s", res, err, m.AgentLog())
	}
	host, _ := os.ReadFile("/proc/meminfo")
	if strings.HasPrefix(string(host), "MemTotal:        1024000 kB") {
		t.Fatal("the bind mount leaked into the host namespace")
	}
}

// TestRealBinary runs an action of the real module binary through the
// repository's imageroot/actions, when the command exists.
func TestRealBinary(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(root, "cmd", BinaryName, "*.go")); len(m) == 0 {
		t.Skip("cmd/" + BinaryName + " has no Go files yet")
	}
	rs := StartRedis(t)
	ctx := ctxT(t, 60*time.Second)
	if err := DefaultCluster().ApplyTo(ctx, rs); err != nil {
		t.Fatal(err)
	}
	m := InstallModule(t, rs, PreflightModuleID, "1")
	if _, err := os.Stat(filepath.Join(m.InstallDir, "bin", BinaryName)); err != nil {
		t.Fatal(err)
	}
	res, err := m.Run(ctx, "list-checks", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Only the harness is under test here: the action must exist and run.
	if res.ExitCode == 8 || len(res.Progress) == 0 || res.Progress[0].Status != "pending" {
		t.Fatalf("got %s\n%s", res, m.AgentLog())
	}
	t.Logf("list-checks: exit %d in %s", res.ExitCode, res.Duration)
}

func TestCreateModuleOption(t *testing.T) {
	r := StartRedis(t)
	dir := fakeActions(t, map[string]map[string]string{
		"create-module": {"50init": "#!/bin/sh\necho \"CREATED=$AGENT_TASK_ACTION\" >> environment\n"},
	})
	m := InstallModule(t, r, "fake1", "1", WithActionsDir(dir), WithCreateModule())
	if got := m.Environment()["CREATED"]; got != "create-module" {
		t.Fatalf("environment after create-module: %v", m.Environment())
	}
	if err := m.SetEnvironment(map[string]string{"CREATED": "", "OTHER": "1"}); err != nil {
		t.Fatal(err)
	}
	env := m.Environment()
	if _, ok := env["CREATED"]; ok || env["OTHER"] != "1" {
		t.Fatalf("SetEnvironment: %v", env)
	}
}
