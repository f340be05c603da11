// Package e2e runs the real binary the way the NS8 agent does (a task on
// Redis, steps with fd 3 and the agent environment, schemas enforced)
// against real redis-server processes seeded with a cluster.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
)

const moduleID = harness.PreflightModuleID

func requireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("the end-to-end suite needs root (mount namespaces) and CI runs as root")
		}
		t.Skip("needs root: steps run in a private mount namespace")
	}
}

// fakeNode makes a step see a node with the given CPU count and memory,
// and a tmpfs of the given size as the volumes filesystem: the step runs in
// a private mount namespace where fake /proc/cpuinfo and /proc/meminfo are
// bind-mounted, so the product reads the real paths it reads on NS8.
type fakeNode struct {
	cpus    int
	memKB   uint64
	diskGiB int
}

func (f fakeNode) wrapper(t testing.TB) (harness.Option, string) {
	dir := t.TempDir()
	var cpu strings.Builder
	for i := 0; i < f.cpus; i++ {
		fmt.Fprintf(&cpu, "processor\t: %d\nmodel name\t: Test CPU\n\n", i)
	}
	must(t, os.WriteFile(filepath.Join(dir, "cpuinfo"), []byte(cpu.String()), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "meminfo"), []byte(fmt.Sprintf("MemTotal:       %d kB\nMemFree:         1000 kB\n", f.memKB)), 0o644))
	vol := filepath.Join(dir, "volumes")
	must(t, os.Mkdir(vol, 0o755))
	script := fmt.Sprintf(`mount --bind %[1]s/cpuinfo /proc/cpuinfo && mount --bind %[1]s/meminfo /proc/meminfo && mount -t tmpfs -o size=%[2]dg tmpfs %[3]s && exec "$0" "$@"`,
		dir, f.diskGiB, vol)
	return harness.WithStepWrapper("unshare", "--mount", "--propagation", "private", "sh", "-c", script), vol
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

type world struct {
	redis   *harness.Redis
	cluster *harness.Cluster
	module  *harness.Module
	volumes string
}

// newWorld starts Redis, applies the cluster (after mutate) and installs
// the module on node 1 of a node shaped like fn.
func newWorld(t testing.TB, fn fakeNode, mutate func(c *harness.Cluster), opts ...harness.Option) *world {
	t.Helper()
	requireRoot(t)
	r := harness.StartRedis(t)
	c := harness.DefaultCluster()
	if mutate != nil {
		mutate(c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(t, c.Apply(ctx, r.Admin()))
	must(t, r.WaitSync(ctx))
	wrap, vol := fn.wrapper(t)
	opts = append([]harness.Option{wrap, harness.WithPollingInterval(200 * time.Millisecond)}, opts...)
	m := harness.InstallModule(t, r, moduleID, "1", opts...)
	return &world{redis: r, cluster: c, module: m, volumes: vol}
}

var bigNode = fakeNode{cpus: 8, memKB: 16 * 1024 * 1024, diskGiB: 200}

func (w *world) run(t testing.TB, action string, data any) (*harness.TaskResult, report.Report) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := w.module.Run(ctx, action, data)
	if err != nil {
		t.Fatalf("%s: %v", action, err)
	}
	var rep report.Report
	if res.ExitCode == 0 && len(res.Output) > 0 && res.Output[0] == '{' {
		if err := json.Unmarshal(res.Output, &rep); err != nil {
			t.Fatalf("output: %v: %s", err, res.Output)
		}
	}
	return res, rep
}

func checkNodeData(w *world, extra map[string]any) map[string]any {
	d := map[string]any{"volumes_path": w.volumes}
	for k, v := range extra {
		d[k] = v
	}
	return d
}

func finding(t testing.TB, rep report.Report, id, subject string) report.Finding {
	t.Helper()
	for _, f := range rep.Checks {
		if f.ID == id && (subject == "" || f.Subject == subject) {
			return f
		}
	}
	t.Fatalf("no finding %s/%s in %+v", id, subject, rep.Checks)
	return report.Finding{}
}

var schemas = schema.New(os.DirFS("../.."))

func validReport(t testing.TB, action string, out []byte) {
	t.Helper()
	errs, err := schemas.Validate(action, schema.Output, out)
	if err != nil || errs != nil {
		t.Fatalf("output does not validate: %v %v", err, errs)
	}
}

func TestCheckNodeHealthy(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	res, rep := w.run(t, "check-node", checkNodeData(w, nil))
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	validReport(t, "check-node", res.Output)
	if !rep.Ready || rep.Summary.Fail != 0 || rep.Summary.Warn != 0 {
		t.Fatalf("not ready: %s", res.Output)
	}
	for _, want := range []struct {
		id, subject string
		status      report.Status
		msg         string
	}{
		{"cluster.redis", "cluster", report.Pass, "the leader is node 1"},
		{"node.cpu", "node 1", report.Pass, "8 CPU cores"},
		{"node.memory", "node 1", report.Pass, "16.0 GiB of RAM"},
		{"node.disk", w.volumes, report.Pass, "200.0 GiB free"},
		{"node.proxy", "node 1", report.Pass, "nethvoice-proxy1 on node 1 is configured"},
		{"cluster.versions", "core", report.Pass, "the core of node 1 (3.20.1) has no known migration bug and meets NethVoice's minimum 3.16.0-0"},
		{"cluster.versions", "nethvoice", report.Pass, "NethVoice 1.7.7 as the repositories offer it: no known migration bug"},
		{"node.leftovers", "nodes", report.Pass, "no NS7 is joined"},
		// NS8's ACL forbids reading user/*, but SCAN lists key names whatever
		// the key patterns: the account names are seen.
		{"node.leftovers", "accounts", report.Pass, "no ns7admin account exists"},
	} {
		f := finding(t, rep, want.id, want.subject)
		if f.Status != want.status || !strings.Contains(f.Message, want.msg) {
			t.Errorf("%s/%s: %s %q", want.id, want.subject, f.Status, f.Message)
		}
	}
	// The run id is the task id, progress moved through the agent channel,
	// and the last report is stored in the module's state directory.
	var ctxTask struct{ ID string }
	json.Unmarshal(res.Context, &ctxTask)
	if ctxTask.ID == "" || rep.RunID != ctxTask.ID {
		t.Errorf("run_id %q, task %q", rep.RunID, ctxTask.ID)
	}
	seen := map[int]bool{}
	for _, p := range res.Progress {
		seen[p.Progress] = true
	}
	if !seen[50] || !seen[90] {
		t.Errorf("progress %+v", res.Progress)
	}
	if stored, err := openStore(t, w.module).Last("check-node"); err != nil || stored == nil || stored.RunID != rep.RunID {
		t.Errorf("stored report: %v %+v", err, stored)
	}
	assertNoSecret(t, w, w.module.Password, string(res.Output), res.Error)
}

// assertNoSecret looks for a canary in the task's output and log, in the
// state dir and in every key the module can write.
func assertNoSecret(t *testing.T, w *world, canary string, texts ...string) {
	t.Helper()
	if len(canary) < 8 {
		t.Fatalf("canary %q too short to search for", canary)
	}
	for i, s := range texts {
		if strings.Contains(s, canary) {
			t.Errorf("secret in task text %d", i)
		}
	}
	filepath.WalkDir(w.module.StateDir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Base(p) != "agent.env" { // agent.env is where NS8 keeps it
			if b, _ := os.ReadFile(p); strings.Contains(string(b), canary) {
				t.Errorf("secret in %s", p)
			}
		}
		return nil
	})
	ctx := context.Background()
	keys, _ := w.redis.Admin().Keys(ctx, "*module/"+moduleID+"/*").Result()
	for _, k := range keys {
		var v string
		switch w.redis.Admin().Type(ctx, k).Val() {
		case "string":
			v = w.redis.Admin().Get(ctx, k).Val()
		case "hash":
			v = fmt.Sprint(w.redis.Admin().HGetAll(ctx, k).Val())
		}
		if strings.Contains(v, canary) {
			t.Errorf("secret in Redis key %s", k)
		}
	}
}

func TestCheckNodeSmallNode(t *testing.T) {
	w := newWorld(t, fakeNode{cpus: 2, memKB: 4 * 1024 * 1024, diskGiB: 20}, nil)
	res, rep := w.run(t, "check-node", checkNodeData(w, nil))
	if res.ExitCode != 0 { // a failed check is data, never a failed task
		t.Fatalf("%s", res)
	}
	validReport(t, "check-node", res.Output)
	if rep.Ready || rep.Summary.Fail != 3 {
		t.Fatalf("%s", res.Output)
	}
	for id, msg := range map[string]string{
		"node.cpu":    "2 CPU cores; NethVoice needs at least 4",
		"node.memory": "4.0 GiB of RAM; NethVoice needs at least 8 GiB",
		"node.disk":   "20.0 GiB free on " + w.volumes + "; 100.0 GiB needed",
	} {
		f := finding(t, rep, id, "")
		if f.Status != report.Fail || !f.Blocking || !strings.Contains(f.Message, msg) || f.Remediation == nil {
			t.Errorf("%s: %+v", id, f)
		}
	}
}

func TestCheckNodeProxyAndLeftovers(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(c *harness.Cluster)
		id, sub string
		status  report.Status
		msg     string
	}{
		{"no proxy: the migration tool installs it", func(c *harness.Cluster) { c.RemoveProxy() }, "node.proxy", "node 1", report.Warn,
			"no nethvoice-proxy instance on node 1 yet: the migration tool (1.2.0 and later) installs it at Start, but does not configure it"},
		{"no proxy, core older than the proxy needs", func(c *harness.Cluster) {
			c.RemoveProxy()
			c.Node(1).CoreImage = "ghcr.io/nethserver/core:3.19.0"
		}, "node.proxy", "node 1", report.Fail, "node 1 runs core 3.19.0, but nethvoice-proxy needs at least 3.20.1 (from nethvoice-proxy 1.7.1 in repository default)"},
		{"no proxy, no repository metadata, core unknown", func(c *harness.Cluster) {
			c.RemoveProxy()
			c.Repodata = ""
			c.Node(1).CoreImage = ""
		}, "node.proxy", "node 1", report.Fail, "the core version of node 1 is unknown"},
		{"proxy on the cluster VPN", func(c *harness.Cluster) { c.SetProxyAddresses("10.5.4.1", harness.ProxyPublicIP) }, "node.proxy", "node 1", report.Fail,
			"its address 10.5.4.1 is the VPN address of node 1; NethVoice copies these values at Finish and calls then have no audio (NethServer/dev#7345)"},
		{"proxy on another machine's address", func(c *harness.Cluster) { c.SetProxyAddresses("192.0.2.250", harness.ProxyPublicIP) }, "node.proxy", "node 1", report.Warn,
			"its address 192.0.2.250 is none of this node's addresses"},
		{"core 3.6.0", func(c *harness.Cluster) { c.Node(1).CoreImage = "ghcr.io/nethserver/core:3.6.0" }, "cluster.versions", "core", report.Fail,
			"node 1 runs core 3.6.0, but NethVoice needs at least 3.16.0-0 (from nethvoice 1.7.7 in repository default)"},
		{"NethVoice installed, older than fixes", func(c *harness.Cluster) {
			c.AddModule(harness.NewInstance("nethvoice1", 1, "ghcr.io/nethesis/nethvoice:1.4.2"))
		}, "cluster.versions", "nethvoice", report.Warn, "nethvoice1 1.4.2: FreePBX modules imported from NS7 stay at mismatched versions"},
		{"unconfigured proxy", func(c *harness.Cluster) { c.UnconfigureProxy() }, "node.proxy", "node 1", report.Fail, harness.UnconfiguredProxyFQDN},
		{"NS7 joined", func(c *harness.Cluster) { c.AddNS7MigrationNode() }, "node.leftovers", "nodes", report.Warn, "node 3 is an NS7 already joined"},
		{"stale ns7admin", func(c *harness.Cluster) { c.AddStaleNS7Admin(7) }, "node.leftovers", "accounts", report.Warn, "stale migration accounts ns7admin7"},
		{"ns7admin of the joined NS7", func(c *harness.Cluster) {
			n := c.AddNS7MigrationNode()
			c.AddStaleNS7Admin(n.ID)
		}, "node.leftovers", "accounts", report.Pass, "belong to NS7 nodes still joined"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, bigNode, c.mutate)
			res, rep := w.run(t, "check-node", checkNodeData(w, nil))
			if res.ExitCode != 0 {
				t.Fatalf("%s", res)
			}
			validReport(t, "check-node", res.Output)
			f := finding(t, rep, c.id, c.sub)
			if f.Status != c.status || !strings.Contains(f.Message, c.msg) {
				t.Fatalf("%s: %s %q", c.id, f.Status, f.Message)
			}
		})
	}
}

// The destination node is a setting: the proxy is looked up there, and the
// local measurements say they cannot measure another node.
func TestCheckNodeOtherDestination(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	res, rep := w.run(t, "check-node", checkNodeData(w, map[string]any{"node": 2}))
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	// Node 2 has no proxy yet; its core lets the migration tool install one.
	if f := finding(t, rep, "node.proxy", "node 2"); f.Status != report.Warn || !strings.Contains(f.Message, "no nethvoice-proxy instance on node 2 yet") {
		t.Errorf("%+v", f)
	}
	if f := finding(t, rep, "node.cpu", "node 2"); f.Status != report.Warn || !strings.Contains(f.Message, "whether node 2 has what NethVoice needs is unknown") {
		t.Errorf("%+v", f)
	}
}

// A destination that is no node of the cluster (a typo in configure-module):
// every node check says so, and the run is not ready.
func TestCheckNodeNoSuchDestination(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	res, rep := w.run(t, "check-node", checkNodeData(w, map[string]any{"node": 9}))
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	for _, id := range []string{"node.cpu", "node.memory", "node.disk"} {
		if f := finding(t, rep, id, "node 9"); f.Status != report.Fail || !strings.Contains(f.Message, "node 9 is not a node of this cluster (its nodes: 1, 2)") ||
			f.Remediation == nil || !strings.Contains(strings.Join(f.Remediation.Commands, " "), `configure-module --data '{"node": 1}'`) {
			t.Errorf("%s: %+v", id, f)
		}
	}
	if f := finding(t, rep, "node.proxy", "node 9"); f.Status != report.Fail || !strings.Contains(f.Message, "node 9 is not in the cluster") {
		t.Errorf("node.proxy: %+v", f)
	}
	if rep.Ready {
		t.Error("ready with a destination that is no node")
	}
}

// Settings stored by configure-module are the defaults of check-node: here
// an ignore list with a reason keeps the failures visible but not blocking.
func TestConfigureIgnoreThenCheckNode(t *testing.T) {
	w := newWorld(t, fakeNode{cpus: 2, memKB: 16 * 1024 * 1024, diskGiB: 200}, nil)
	res, _ := w.run(t, "configure-module", map[string]any{
		"volumes_path": w.volumes,
		"ignore":       []map[string]string{{"id": "node.cpu", "reason": "lab cluster, 2 cores on purpose"}},
	})
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	if env := w.module.Environment(); env["VOLUMES_PATH"] != w.volumes || !strings.Contains(env["PREFLIGHT_IGNORE"], "lab cluster") {
		t.Fatalf("environment %v", env)
	}
	// The agent copies the environment file to Redis after every action.
	if v, _ := w.redis.Admin().HGet(context.Background(), "module/"+moduleID+"/environment", "VOLUMES_PATH").Result(); v != w.volumes {
		t.Fatalf("module/%s/environment VOLUMES_PATH = %q", moduleID, v)
	}
	res, rep := w.run(t, "check-node", nil)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	f := finding(t, rep, "node.cpu", "")
	if f.Status != report.Fail || !f.Ignored || f.Blocking || f.IgnoreNote != "lab cluster, 2 cores on purpose" || !rep.Ready || rep.Summary.Ignored != 1 {
		t.Fatalf("%+v ready=%v %+v", f, rep.Ready, rep.Summary)
	}
}

func TestSettingsAndKeyThroughTheAgent(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	if res, _ := w.run(t, "create-module", nil); res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	st, err := os.Stat(filepath.Join(w.module.StateDir, "ssh", "id_ed25519"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key: %v %v", err, st)
	}
	if res, _ := w.run(t, "configure-module", map[string]any{"ns7": map[string]any{"host": "ns7.example.test", "port": 2222}}); res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	res, _ := w.run(t, "get-configuration", nil)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	validReport(t, "get-configuration", res.Output)
	var cfg struct {
		NS7 struct {
			Host string
			Port int
		}
		SSHPublicKey string `json:"ssh_public_key"`
	}
	must(t, json.Unmarshal(res.Output, &cfg))
	if cfg.NS7.Host != "ns7.example.test" || cfg.NS7.Port != 2222 || !strings.HasPrefix(cfg.SSHPublicKey, "ssh-ed25519 ") {
		t.Fatalf("%s", res.Output)
	}
	priv, _ := os.ReadFile(filepath.Join(w.module.StateDir, "ssh", "id_ed25519"))
	if strings.Contains(string(res.Output), string(priv[40:80])) || strings.Contains(res.Error, "PRIVATE KEY") {
		t.Fatal("private key material in the task output or log")
	}
}

// Malformed input through the agent: exit 10, the agent's array, no step.
func TestBadInputThroughTheAgent(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	for _, c := range []struct {
		action string
		data   any
		field  string
	}{
		{"configure-module", map[string]any{"bogus": 1}, "(root)"},
		{"configure-module", map[string]any{"ns7": map[string]any{"port": 70000}}, "ns7.port"},
		{"check-node", map[string]any{"timeout_s": "ten"}, "timeout_s"},
		{"check-node", map[string]any{"volumes_path": "x; rm -rf /"}, "volumes_path"},
		// The ignore list's own rules, which the agent's schema does not
		// hold: the binary answers in the agent's form.
		{"configure-module", map[string]any{"ignore": []any{map[string]any{"id": "node.cpus", "reason": "lab"}}}, "ignore.0.id"},
		{"check-node", map[string]any{"ignore": []any{map[string]any{"id": "node.cpu"}}}, "ignore.0.reason"},
	} {
		res, _ := w.run(t, c.action, c.data)
		var errs []schema.FieldError
		if res.ExitCode != 10 || json.Unmarshal(res.Output, &errs) != nil || len(errs) == 0 || errs[0].Field != c.field {
			t.Errorf("%s %v: %s", c.action, c.data, res)
		}
		// Stand-alone, the binary answers the same array the agent does.
		in, _ := json.Marshal(c.data)
		cmd := exec.Command(harness.Binary(t), c.action, "--data", string(in))
		out, err := cmd.Output()
		var own []schema.FieldError
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 10 || json.Unmarshal(out, &own) != nil {
			t.Fatalf("binary: %v %s", err, out)
		}
		a, _ := json.Marshal(errs)
		b, _ := json.Marshal(own)
		if string(a) != string(b) {
			t.Errorf("%s: agent answered %s, the binary %s", c.action, a, b)
		}
	}
}

// Redis frozen while check-node runs: cluster.redis fails within the
// deadline, the cluster checks skip with the cause, the node checks still
// judge, and the task completes once Redis is back.
func TestCheckNodeRedisFrozenMidRun(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "started")
	// Freeze Redis after the agent popped the task and before the binary
	// reads the cluster: the step signals through a file, then waits 1 s.
	// This wrapper replaces the fake-node one: the real node is measured.
	w := newWorld(t, bigNode, nil, harness.WithStepWrapper("sh", "-c", `touch `+mark+`; sleep 1; exec "$0" "$@"`))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := w.module.Submit(ctx, "check-node", map[string]any{"timeout_s": 2, "volumes_path": "/"})
	must(t, err)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(mark); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("step never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.redis.Freeze()
	time.Sleep(4 * time.Second) // 1 s wrapper + 2 s deadline + margin
	w.redis.Thaw()
	res, err := p.Wait(ctx)
	must(t, err)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	var rep report.Report
	must(t, json.Unmarshal(res.Output, &rep))
	if rep.DurationMs > 3000 {
		t.Errorf("report took %d ms with a 2 s deadline", rep.DurationMs)
	}
	f := finding(t, rep, "cluster.redis", "")
	if f.Status != report.Fail || !strings.Contains(f.Message, "did not answer within 2s") {
		t.Errorf("%+v", f)
	}
	if f := finding(t, rep, "node.proxy", ""); f.Status != report.Skip || !strings.Contains(f.Message, "see cluster.redis") {
		t.Errorf("%+v", f)
	}
	if f := finding(t, rep, "node.memory", ""); f.Status != report.Pass {
		t.Errorf("%+v", f)
	}
}

// openStore opens the preflight state of an installed module, as the
// module's actions do (its state directory).
func openStore(t testing.TB, m *harness.Module) *store.Store {
	t.Helper()
	st, err := store.Open(m.StateDir)
	must(t, err)
	return st
}

// seedNS7Facts stores NS7 facts as an earlier probe-ns7 would have.
func seedNS7Facts(t testing.TB, m *harness.Module, doc map[string]any) {
	t.Helper()
	raw, err := json.Marshal(doc)
	must(t, err)
	var f store.NS7Facts
	must(t, json.Unmarshal(raw, &f))
	must(t, openStore(t, m).SaveNS7Facts(f))
}
