package harness

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
	"github.com/xeipuuv/gojsonschema"
)

// Agent constants (reference/ns8-platform.md §2-3).
const (
	validateInput  = "validate-input.json"
	validateOutput = "validate-output.json"
	definitions    = "validator-definitions.json"
	taskExpire     = 8 * time.Hour
	// brpopTimeout is shorter than the agent's 5 s so that tests stop fast.
	brpopTimeout = time.Second
	// killGrace is how long a step may run after SIGTERM before the harness
	// (not the real agent) sends SIGKILL, so a test can never hang.
	killGrace = 5 * time.Second
	xOK       = 1 // access(2) X_OK
)

// Task is the task object pushed on <agent>/tasks.
type Task struct {
	ID        string    `json:"id"`
	Action    string    `json:"action"`
	Data      any       `json:"data"`
	Extra     any       `json:"extra"`
	Queue     string    `json:"queue"`
	User      string    `json:"user"`
	Timestamp time.Time `json:"timestamp"`
	Parent    string    `json:"parent"`
}

// Option configures InstallModule.
type Option func(*installConfig)

type installConfig struct {
	actionsDir  string
	defsPath    string
	defsSet     bool
	binary      bool
	binarySet   bool
	wrapper     []string
	stepTimeout time.Duration
	env         map[string]string
	agentEnv    map[string]string
	polling     time.Duration
	create      bool
	stateDir    string
}

// WithActionsDir installs the actions of dir instead of the repository's
// imageroot/actions; the binary is then not built unless WithBinary is given,
// and no validator-definitions.json is installed unless WithDefinitions is.
func WithActionsDir(dir string) Option { return func(c *installConfig) { c.actionsDir = dir } }

// WithDefinitions installs path as validator-definitions.json ("" for none).
func WithDefinitions(path string) Option {
	return func(c *installConfig) { c.defsPath, c.defsSet = path, true }
}

// WithBinary forces (or prevents) building and installing bin/nethvoice-preflight.
func WithBinary(on bool) Option { return func(c *installConfig) { c.binary, c.binarySet = on, true } }

// WithStepWrapper runs every step as prefix... <step path>, e.g. an
// unshare(1) command line that sets up a private mount namespace and ends
// with `exec "$0" "$@"`.
func WithStepWrapper(prefix ...string) Option {
	return func(c *installConfig) { c.wrapper = append([]string(nil), prefix...) }
}

// WithStepTimeout sends SIGTERM to a step's process group after d (the
// harness's equivalent of cancel-task).
func WithStepTimeout(d time.Duration) Option { return func(c *installConfig) { c.stepTimeout = d } }

// WithEnvironment sets keys of the module's environment file at install.
func WithEnvironment(kv map[string]string) Option {
	return func(c *installConfig) {
		for k, v := range kv {
			c.env[k] = v
		}
	}
}

// WithAgentEnv adds keys to state/agent.env.
func WithAgentEnv(kv map[string]string) Option {
	return func(c *installConfig) {
		for k, v := range kv {
			c.agentEnv[k] = v
		}
	}
}

// WithPollingInterval sets the agent's heartbeat (progress republished and
// context TTL extended while a step runs); default 5 s, as the agent.
func WithPollingInterval(d time.Duration) Option { return func(c *installConfig) { c.polling = d } }

// WithStateDir makes the module use an existing state dir (another
// agent's, to stand for the same instance): its files are kept, the
// environment file and agent.env are written again.
func WithStateDir(dir string) Option { return func(c *installConfig) { c.stateDir = dir } }

// WithCreateModule runs the create-module action once the agent is up, as
// cluster/add-module does, and fails the test unless it exits 0.
func WithCreateModule() Option { return func(c *installConfig) { c.create = true } }

// Module is an installed module with its agent running.
type Module struct {
	ID         string
	NodeID     string
	UUID       string
	InstallDir string
	StateDir   string
	// Password is REDIS_PASSWORD of module/<id>.
	Password string
	Redis    *Redis

	t   testing.TB
	cfg installConfig
	rdb *redis.Client

	cancel   context.CancelFunc
	loopDone chan struct{}
	workers  sync.WaitGroup
	stopOnce sync.Once

	mu    sync.Mutex
	tasks map[string]context.CancelFunc
	rss   map[string]int64 // task id -> peak RSS (KiB) of its steps
	log   agentLog
}

// MaxRSSKiB is the peak resident set size, in KiB, of the largest step
// process of a finished task (getrusage of the step and its children, as
// wait4 reports it); 0 when no step ran.
func (m *Module) MaxRSSKiB(taskID string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rss[taskID]
}

// AgentID is module/<id>.
func (m *Module) AgentID() string { return "module/" + m.ID }

// InstallModule lays out AGENT_INSTALL_DIR and AGENT_STATE_DIR as the node's
// add-module does, creates the module's Redis user and starts its agent.
// The initial environment file is the module/<id>/environment hash when the
// cluster seed has one (so it matches cluster/module_uuid), else generated.
func InstallModule(t testing.TB, r *Redis, moduleID, nodeID string, opts ...Option) *Module {
	t.Helper()
	cfg := installConfig{env: map[string]string{}, agentEnv: map[string]string{}, polling: 5 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	install := t.TempDir()
	m := &Module{
		ID: moduleID, NodeID: nodeID, InstallDir: install,
		StateDir: filepath.Join(install, "state"),
		Redis:    r, t: t, cfg: cfg, tasks: map[string]context.CancelFunc{},
	}
	if cfg.stateDir != "" {
		m.StateDir = cfg.stateDir
	}

	actions, defs := cfg.actionsDir, cfg.defsPath
	build := cfg.binary
	if actions == "" {
		root, err := RepoRoot()
		if err != nil {
			t.Fatalf("harness: %v", err)
		}
		actions = filepath.Join(root, "imageroot", "actions")
		// The rest of imageroot the node extracts: the update scripts and etc/.
		for _, d := range []string{"update-module.d", "etc"} {
			if _, err := os.Stat(filepath.Join(root, "imageroot", d)); err == nil {
				if err := copyTree(filepath.Join(root, "imageroot", d), filepath.Join(install, d)); err != nil {
					t.Fatalf("harness: copy %s: %v", d, err)
				}
			}
		}
		if !cfg.defsSet {
			defs = filepath.Join(root, "imageroot", definitions)
		}
		if !cfg.binarySet {
			build = true
		}
	}
	if err := copyTree(actions, filepath.Join(install, "actions")); err != nil {
		t.Fatalf("harness: copy actions: %v", err)
	}
	if defs != "" {
		if err := copyFile(defs, filepath.Join(install, definitions), 0o644); err != nil {
			t.Fatalf("harness: copy %s: %v", definitions, err)
		}
	}
	if err := os.MkdirAll(filepath.Join(install, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if build {
		if err := copyFile(Binary(t), filepath.Join(install, "bin", BinaryName), 0o755); err != nil {
			t.Fatalf("harness: install binary: %v", err)
		}
	}
	if err := os.Mkdir(m.StateDir, 0o700); err != nil && (cfg.stateDir == "" || !os.IsExist(err)) {
		t.Fatal(err)
	}
	if err := os.Chmod(m.StateDir, 0o700); err != nil {
		t.Fatal(err)
	}

	m.Password = r.AddModuleUser(moduleID)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	env, err := r.Admin().HGetAll(ctx, "module/"+moduleID+"/environment").Result()
	if err != nil {
		t.Fatalf("harness: read module environment: %v", err)
	}
	env["MODULE_ID"] = moduleID
	env["NODE_ID"] = nodeID
	defaults := map[string]string{
		"MODULE_UUID": newUUID(),
		"IMAGE_URL":   "ghcr.io/nethvoice-preflight/nethvoice-preflight:latest",
		"IMAGE_ID":    randomHex(32),
	}
	for k, v := range defaults {
		if env[k] == "" {
			env[k] = v
		}
	}
	for k, v := range cfg.env {
		env[k] = v
	}
	m.UUID = env["MODULE_UUID"]
	if err := writeEnvFile(filepath.Join(m.StateDir, "environment"), env, 0o644); err != nil {
		t.Fatal(err)
	}
	agentEnv := map[string]string{
		"PATH":           filepath.Join(install, "bin") + ":" + os.Getenv("PATH"),
		"REDIS_USER":     m.AgentID(),
		"REDIS_PASSWORD": m.Password,
	}
	for k, v := range cfg.agentEnv {
		agentEnv[k] = v
	}
	if err := writeEnvFile(filepath.Join(m.StateDir, "agent.env"), agentEnv, 0o600); err != nil {
		t.Fatal(err)
	}

	m.rdb = redis.NewClient(&redis.Options{
		Addr:                     r.LeaderAddr(),
		Username:                 m.AgentID(),
		Password:                 m.Password,
		ClientName:               m.AgentID(),
		Protocol:                 2,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		DialTimeout:              2 * time.Second,
		ReadTimeout:              3 * time.Second,
		WriteTimeout:             3 * time.Second,
	})
	if err := m.rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("harness: agent cannot connect as %s: %v", m.AgentID(), err)
	}
	loopCtx, loopCancel := context.WithCancel(context.Background())
	m.cancel = loopCancel
	m.loopDone = make(chan struct{})
	go m.loop(loopCtx)
	t.Cleanup(func() {
		m.Stop()
		if t.Failed() {
			t.Logf("harness: agent log of %s\n%s", m.AgentID(), m.AgentLog())
		}
	})
	if cfg.create {
		rctx, rcancel := context.WithTimeout(context.Background(), time.Minute)
		defer rcancel()
		res, err := m.Run(rctx, "create-module", nil)
		if err != nil {
			t.Fatalf("harness: create-module: %v", err)
		}
		if res.ExitCode != 0 {
			t.Fatalf("harness: create-module failed: %s", res)
		}
	}
	return m
}

// Stop stops the agent: running steps get SIGTERM, the loop stops popping.
func (m *Module) Stop() {
	m.stopOnce.Do(func() {
		if m.Redis.Frozen() {
			m.Redis.Thaw()
		}
		m.cancel()
		m.unblock()
		m.mu.Lock()
		for _, c := range m.tasks {
			c()
		}
		m.mu.Unlock()
		select {
		case <-m.loopDone:
		case <-time.After(20 * time.Second):
			m.log.printf("<4>agent loop did not stop within 20s")
		}
		done := make(chan struct{})
		go func() { m.workers.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			m.log.printf("<4>task workers did not stop within 30s")
		}
		m.rdb.Close()
		// The server drops the connection asynchronously; wait for it so
		// that the agent is seen as gone as soon as Stop returns.
		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) && m.connected() {
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// connected reports whether Redis lists a connection named after the agent.
func (m *Module) connected() bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	list, err := m.Redis.Admin().ClientList(ctx).Result()
	if err != nil {
		return false
	}
	for _, line := range strings.Split(list, "\n") {
		if clientFields(line)["name"] == m.AgentID() {
			return true
		}
	}
	return false
}

// unblock ends the agent's pending BRPOP at once (CLIENT UNBLOCK), so that
// stopping does not wait for the poll timeout; it retries until the loop is
// gone, since the BRPOP may not have reached the server yet.
func (m *Module) unblock() {
	admin := m.Redis.Admin()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		list, err := admin.ClientList(ctx).Result()
		if err == nil {
			for _, line := range strings.Split(list, "\n") {
				f := clientFields(line)
				if f["name"] == m.AgentID() && strings.Contains(f["flags"], "b") {
					if id, err := strconv.ParseInt(f["id"], 10, 64); err == nil {
						admin.ClientUnblock(ctx, id)
					}
				}
			}
		}
		cancel()
		select {
		case <-m.loopDone:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// clientFields splits a CLIENT LIST line into its key=value fields.
func clientFields(line string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Fields(line) {
		if k, v, ok := strings.Cut(kv, "="); ok {
			out[k] = v
		}
	}
	return out
}

// Cancel sends SIGTERM to the running step of a task, as cancel-task does.
func (m *Module) Cancel(taskID string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.tasks[taskID]
	if ok {
		c()
	}
	return ok
}

// AgentLog is what the agent would have sent to journald: its own messages
// and every step's stderr.
func (m *Module) AgentLog() string { return m.log.String() }

// Environment reads the module's environment file.
func (m *Module) Environment() map[string]string {
	env, _ := readEnvFile(filepath.Join(m.StateDir, "environment"))
	return env
}

// SetEnvironment changes keys of the environment file (empty value: remove)
// under its lock, as a step or an event handler would.
func (m *Module) SetEnvironment(kv map[string]string) error {
	lock, err := os.OpenFile(filepath.Join(m.StateDir, ".environment.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	path := filepath.Join(m.StateDir, "environment")
	env, err := readEnvFile(path)
	if err != nil {
		return err
	}
	for k, v := range kv {
		if v == "" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	return writeEnvFile(path, env, 0o644)
}

// Client is a connection to the leader as module/<id>, the privileged
// connection a step opens with REDIS_USER/REDIS_PASSWORD.
func (m *Module) Client() *redis.Client {
	return m.Redis.Client(m.Redis.LeaderAddr(), m.AgentID(), m.Password)
}

func (m *Module) loop(ctx context.Context) {
	defer close(m.loopDone)
	queue := m.AgentID() + "/tasks"
	var lastErr string
	for ctx.Err() == nil {
		res, err := m.rdb.BRPop(ctx, brpopTimeout, queue).Result()
		if errors.Is(err, redis.Nil) {
			lastErr = ""
			continue
		}
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if err.Error() != lastErr {
				m.log.printf("<3>Task queue pop error: %v", err)
				lastErr = err.Error()
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		lastErr = ""
		var task Task
		if err := json.Unmarshal([]byte(res[1]), &task); err != nil {
			m.log.printf("<3>Task ignored for decoding error: %v", err)
			continue
		}
		wctx, werr := m.redisCtx()
		if err := m.rdb.Set(wctx, m.taskKey(task.ID, "context"), maskTask(res[1]), 12*m.cfg.polling).Err(); err != nil {
			m.log.printf("<3>Context set error: %v", err)
		}
		werr()
		taskCtx, taskCancel := context.WithCancel(context.Background())
		m.mu.Lock()
		m.tasks[task.ID] = taskCancel
		m.mu.Unlock()
		m.workers.Add(1)
		go func() {
			defer m.workers.Done()
			m.runAction(taskCtx, &task)
			m.mu.Lock()
			delete(m.tasks, task.ID)
			m.mu.Unlock()
			taskCancel()
		}()
	}
}

// redisCtx bounds the agent's own Redis writes, independent of the task.
func (m *Module) redisCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

func (m *Module) taskKey(id, what string) string {
	return "task/" + m.AgentID() + "/" + id + "/" + what
}

// step is one entry of an action; validation steps have weight 0.
type step struct {
	name   string
	path   string
	weight int
}

// processor holds the status and weighted progress of a running action.
type processor struct {
	mu       sync.Mutex
	status   string
	progress int
	steps    []step
}

func (p *processor) json() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	b, _ := json.Marshal(ProgressMsg{Status: p.status, Progress: p.progress})
	return string(b)
}

func (p *processor) getStatus() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

func (p *processor) setStatus(s string) {
	p.mu.Lock()
	p.status = s
	p.mu.Unlock()
}

// setProgress computes Σ(weight×progress)/Σ(weight×100) with the steps
// before idx complete.
func (p *processor) setProgress(idx, pct int) error {
	if pct < 0 || pct > 100 {
		return fmt.Errorf("invalid step progress value: %d", pct)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	done, total := 0, 0
	for i, s := range p.steps {
		total += 100 * s.weight
		if i < idx {
			done += 100 * s.weight
		}
	}
	done += pct * p.steps[idx].weight
	if total > 0 {
		p.progress = done * 100 / total
	}
	return nil
}

func (p *processor) setWeight(name string, w int) error {
	if w < 0 {
		return fmt.Errorf("invalid step weight value: %d", w)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.steps {
		if p.steps[i].name == name {
			p.steps[i].weight = w
			return nil
		}
	}
	return fmt.Errorf("step %s not found", name)
}

// loadSteps lists an action directory: validation first, steps in
// sort.Strings order, output validation last.
func loadSteps(dir string) []step {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var names []string
	var in, out bool
	for _, e := range ents {
		switch {
		case e.IsDir():
		case e.Name() == validateInput:
			in = true
		case e.Name() == validateOutput:
			out = true
		default:
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	var steps []step
	if in {
		steps = append(steps, step{name: validateInput, path: filepath.Join(dir, validateInput)})
	}
	for _, n := range names {
		steps = append(steps, step{name: n, path: filepath.Join(dir, n), weight: 1})
	}
	if out {
		steps = append(steps, step{name: validateOutput, path: filepath.Join(dir, validateOutput)})
	}
	return steps
}

func (m *Module) publish(channel string, p *processor) {
	ctx, cancel := m.redisCtx()
	defer cancel()
	if err := m.rdb.Publish(ctx, channel, p.json()).Err(); err != nil {
		m.log.printf("<3>Failed to publish the action status on channel %s: %v", channel, err)
	}
}

// runAction runs one task like htask.go runAction.
func (m *Module) runAction(taskCtx context.Context, task *Task) {
	channel := "progress/" + m.AgentID() + "/task/" + task.ID
	proc := &processor{status: "pending", steps: loadSteps(filepath.Join(m.InstallDir, "actions", task.Action))}
	var output, errText strings.Builder
	exitCode := 0
	lastStep := "{unknown}"

	m.publish(channel, proc)
	if len(proc.steps) == 0 {
		fmt.Fprintf(&errText, "Action %s is not defined\n", task.Action)
		exitCode = 8
		proc.setStatus("aborted")
		m.log.printf("<3>Action %s is not defined", task.Action)
	}

	input, _ := json.Marshal(task.Data)
stepsLoop:
	for idx, st := range proc.steps {
		lastStep = st.name
		switch st.name {
		case validateInput:
			errs, fault := m.validate(st.path, task.Data)
			if fault != nil {
				fmt.Fprintf(&errText, "JSON Schema input validation aborted at step %s: %v\n", st.path, fault)
				proc.setStatus("aborted")
				exitCode = 1
				break stepsLoop
			}
			if len(errs) > 0 {
				fmt.Fprintf(&errText, "Validation errors: %v\n", errs)
				output.Write(validationJSON(errs))
				proc.setStatus("validation-failed")
				exitCode = 10
				m.log.printf("<3>Action %s validation-failed at step %s: %v", task.Action, st.path, errs)
				break stepsLoop
			}
			continue
		case validateOutput:
			var errs []gojsonschema.ResultError
			var doc any
			fault := json.Unmarshal([]byte(output.String()), &doc)
			if fault == nil {
				errs, fault = m.validate(st.path, doc)
			}
			if fault != nil {
				fmt.Fprintf(&errText, "JSON Schema output validation aborted at step %s: %v\n", st.path, fault)
				proc.setStatus("aborted")
				exitCode = 1
				break stepsLoop
			}
			if len(errs) > 0 {
				fmt.Fprintf(&errText, "Validation errors: %v\n", errs)
				proc.setStatus("aborted")
				exitCode = 1
				m.log.printf("<3>Action %s aborted at step %s: %v", task.Action, st.path, errs)
				break stepsLoop
			}
			continue
		}
		if proc.getStatus() == "pending" {
			proc.setStatus("running")
			m.publish(channel, proc)
		}

		res := m.runStep(taskCtx, task, proc, idx, st, input, channel)
		output.Write(res.stdout)
		errText.Write(res.stderr)
		if res.skipped {
			_ = proc.setProgress(idx, 100)
			m.publish(channel, proc)
			continue
		}
		if res.failed {
			exitCode = res.exitCode
			if proc.getStatus() == "running" {
				proc.setStatus("aborted")
			}
			break
		}
		if proc.getStatus() == "validation-failed" {
			exitCode = 10
			m.log.printf("<4>Action %q validation-failed at step %s. Exit code is not set! Forced to 10", task.Action, st.path)
			break
		}
		_ = proc.setProgress(idx, 100)
		m.publish(channel, proc)
	}

	if exitCode == 0 && proc.getStatus() == "running" {
		proc.setStatus("completed")
	}
	env, _ := readEnvFile(filepath.Join(m.StateDir, "environment"))
	ctx, cancel := m.redisCtx()
	defer cancel()
	envKey := m.AgentID() + "/environment"
	_, err := m.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, envKey)
		if len(env) > 0 {
			args := make([]any, 0, 2*len(env))
			for _, k := range slices.Sorted(maps.Keys(env)) {
				args = append(args, k, env[k])
			}
			p.HSet(ctx, envKey, args...)
		}
		p.Set(ctx, m.taskKey(task.ID, "output"), output.String(), taskExpire)
		p.Set(ctx, m.taskKey(task.ID, "error"), errText.String(), taskExpire)
		p.Set(ctx, m.taskKey(task.ID, "exit_code"), exitCode, taskExpire)
		p.Expire(ctx, m.taskKey(task.ID, "context"), taskExpire)
		p.Publish(ctx, channel, proc.json())
		return nil
	})
	if err != nil {
		m.log.printf("<3>Redis command failed: %v", err)
	}
	m.log.printf("task/%s/%s: action %q status is %q (%d) at step %s", m.AgentID(), task.ID, task.Action, proc.getStatus(), exitCode, lastStep)
}

type stepResult struct {
	stdout, stderr []byte
	skipped        bool
	failed         bool
	exitCode       int
}

func (m *Module) runStep(taskCtx context.Context, task *Task, proc *processor, idx int, st step, input []byte, channel string) stepResult {
	var res stepResult
	argv := append(append([]string(nil), m.cfg.wrapper...), st.path)
	// With a wrapper the exec happens inside it; check what the agent's own
	// exec would have refused.
	if len(m.cfg.wrapper) > 0 {
		if fi, err := os.Stat(st.path); err != nil || syscall.Access(st.path, xOK) != nil || !fi.Mode().IsRegular() {
			m.log.printf("<4>Action %s skipped step %s: not executable", task.Action, st.name)
			res.skipped = true
			return res
		}
	}
	env, err := m.stepEnv(task)
	if err != nil {
		res.stderr = []byte(err.Error() + "\n")
		res.failed, res.exitCode = true, 1
		return res
	}
	comR, comW, err := os.Pipe()
	if err != nil {
		res.stderr = []byte(err.Error() + "\n")
		res.failed, res.exitCode = true, 1
		return res
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = m.StateDir
	cmd.Env = env
	cmd.Stdin = bytes.NewReader(input)
	cmd.Stdout = &stdout
	cmd.Stderr = io.MultiWriter(&stderr, m.log.writer())
	cmd.ExtraFiles = []*os.File{comW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		comR.Close()
		comW.Close()
		m.log.printf("<4>Action %s skipped step %s: %v", task.Action, st.name, err)
		res.skipped = true
		return res
	}
	comW.Close()
	m.log.printf("task/%s/%s: %s/%s is starting", m.AgentID(), task.ID, task.Action, st.name)

	comDone := make(chan struct{})
	go func() {
		defer close(comDone)
		defer comR.Close()
		m.readCommands(comR, proc, idx, channel)
	}()
	waitDone := make(chan error, 1)
	go func() { waitDone <- cmd.Wait() }()

	var timeout <-chan time.Time
	if m.cfg.stepTimeout > 0 {
		tm := time.NewTimer(m.cfg.stepTimeout)
		defer tm.Stop()
		timeout = tm.C
	}
	heartbeat := time.NewTicker(m.cfg.polling)
	defer heartbeat.Stop()
	cancelled := taskCtx.Done()
	var kill <-chan time.Time
	term := func(why string) {
		m.log.printf("<4>task/%s/%s: Sending TERM signal to action %q at step %s (%s)", m.AgentID(), task.ID, task.Action, st.name, why)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		cancelled, timeout = nil, nil
		kill = time.After(killGrace)
	}
	var waitErr error
	var note string // written after the step's own stderr, never concurrently
wait:
	for {
		select {
		case waitErr = <-waitDone:
			break wait
		case <-cancelled:
			term("cancelled")
		case <-timeout:
			note = fmt.Sprintf("<3>harness: step %s timed out after %s\n", st.name, m.cfg.stepTimeout)
			term("timeout")
		case <-kill:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			kill = nil
		case <-heartbeat.C:
			ctx, cancel := m.redisCtx()
			m.rdb.Expire(ctx, m.taskKey(task.ID, "context"), 12*m.cfg.polling)
			cancel()
			m.publish(channel, proc)
		}
	}
	<-comDone
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			m.mu.Lock()
			if m.rss == nil {
				m.rss = map[string]int64{}
			}
			m.rss[task.ID] = max(m.rss[task.ID], ru.Maxrss)
			m.mu.Unlock()
		}
	}
	stderr.WriteString(note)
	res.stdout, res.stderr = stdout.Bytes(), stderr.Bytes()
	if waitErr != nil {
		res.failed = true
		res.exitCode = 1
		if cmd.ProcessState != nil {
			res.exitCode = cmd.ProcessState.ExitCode()
		}
	}
	return res
}

// readCommands parses the fd-3 channel like the agent: encoding/csv with a
// space separator; unknown commands are logged only.
func (m *Module) readCommands(r io.Reader, proc *processor, idx int, channel string) {
	rd := csv.NewReader(r)
	rd.Comma = ' '
	rd.FieldsPerRecord = -1
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			m.log.printf("<3>Parse error: %v", err)
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				continue
			}
			// Keep the pipe drained so the step never blocks on it.
			_, _ = io.Copy(io.Discard, r)
			return
		}
		arg := func(i int) string {
			if i < len(rec) {
				return rec[i]
			}
			return ""
		}
		switch rec[0] {
		case "set-status":
			if arg(1) == "validation-failed" {
				proc.setStatus("validation-failed")
			} else {
				m.log.printf("<3>set-status command failed: unknown status %q", arg(1))
			}
		case "set-weight":
			w, err := strconv.Atoi(arg(2))
			if err == nil {
				err = proc.setWeight(arg(1), w)
			}
			if err != nil {
				m.log.printf("<3>set-weight command failed: %v", err)
			}
		case "set-progress":
			p, err := strconv.Atoi(arg(1))
			if err == nil {
				err = proc.setProgress(idx, p)
			}
			if err != nil {
				m.log.printf("<3>set-progress command failed: %v", err)
				continue
			}
			m.publish(channel, proc)
		default:
			m.log.printf("<3>Unknown command %s", rec[0])
		}
	}
}

// stepEnv layers the environment as systemd, agent.env, the environment
// file (re-read now) and the per-step variables do; later layers win.
func (m *Module) stepEnv(task *Task) ([]string, error) {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	env["AGENT_ID"] = m.AgentID()
	env["AGENT_INSTALL_DIR"] = m.InstallDir
	env["AGENT_STATE_DIR"] = m.StateDir
	env["REDIS_ADDRESS"] = m.Redis.LeaderAddr()
	env["REDIS_REPLICA_ADDRESS"] = m.Redis.ReplicaAddr()
	for _, f := range []string{"agent.env", "environment"} {
		kv, err := readEnvFile(filepath.Join(m.StateDir, f))
		if err != nil {
			return nil, err
		}
		for k, v := range kv {
			env[k] = v
		}
	}
	env["AGENT_COMFD"] = "3"
	env["AGENT_TASK_ID"] = task.ID
	env["AGENT_TASK_ACTION"] = task.Action
	env["AGENT_TASK_USER"] = task.User
	out := make([]string, 0, len(env))
	for _, k := range slices.Sorted(maps.Keys(env)) {
		out = append(out, k+"="+env[k])
	}
	return out, nil
}

// validate checks data against a schema file, with the install dir's
// validator-definitions.json added first; the draft comes from $schema.
func (m *Module) validate(schemaPath string, data any) ([]gojsonschema.ResultError, error) {
	loader := gojsonschema.NewSchemaLoader()
	if raw, err := os.ReadFile(filepath.Join(m.InstallDir, definitions)); err == nil {
		if err := loader.AddSchemas(gojsonschema.NewStringLoader(string(raw))); err != nil {
			return nil, err
		}
	}
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	schema, err := loader.Compile(gojsonschema.NewStringLoader(string(raw)))
	if err != nil {
		return nil, err
	}
	res, err := schema.Validate(gojsonschema.NewGoLoader(data))
	if err != nil {
		return nil, err
	}
	return res.Errors(), nil
}

// ValidationError is one item of a validation-failed output.
type ValidationError struct {
	Field     string `json:"field"`
	Parameter string `json:"parameter"`
	Value     any    `json:"value"`
	Error     string `json:"error"`
}

// validationJSON renders errors as the agent does: field without
// "(root).", parameter = field up to the first ".", error "<parameter>_<type>".
func validationJSON(errs []gojsonschema.ResultError) []byte {
	out := make([]ValidationError, len(errs))
	for i, e := range errs {
		field := e.Field()
		param, _, _ := strings.Cut(field, ".")
		out[i] = ValidationError{Field: field, Parameter: param, Value: e.Value(), Error: param + "_" + e.Type()}
	}
	b, _ := json.Marshal(out)
	return b
}

// sensitive is the agent's rule for secrets in the task context.
func sensitive(key string) bool {
	k := strings.ToLower(key)
	for _, s := range []string{"password", "secret", "token", "key", "pass"} {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

func maskValue(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if sensitive(k) {
				t[k] = "XXX"
			} else {
				maskValue(x)
			}
		}
	case []any:
		for _, x := range t {
			maskValue(x)
		}
	}
}

// maskTask returns the popped task JSON with secrets replaced by "XXX"; an
// undecodable task is stored as it is, like the agent does.
func maskTask(raw string) string {
	var doc map[string]any
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return raw
	}
	maskValue(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		return raw
	}
	return string(b)
}

// readEnvFile parses KEY=VALUE lines; others are ignored. A missing file is
// empty.
func readEnvFile(path string) (map[string]string, error) {
	env := map[string]string{}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return env, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && k != "" {
			env[k] = v
		}
	}
	return env, sc.Err()
}

// writeEnvFile writes sorted KEY=VALUE lines through a rename.
func writeEnvFile(path string, env map[string]string, mode os.FileMode) error {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(env)) {
		b.WriteString(k + "=" + env[k] + "\n")
	}
	tmp := path + ".tmp-harness"
	if err := os.WriteFile(tmp, []byte(b.String()), mode); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// agentLog stands in for journald.
type agentLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *agentLog) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(&l.buf, "%s ", time.Now().Format("15:04:05.000"))
	fmt.Fprintf(&l.buf, format, args...)
	l.buf.WriteByte('\n')
}

func (l *agentLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *agentLog) writer() io.Writer { return l }

func (l *agentLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
