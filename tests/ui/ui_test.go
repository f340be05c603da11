// Package ui runs the module's admin UI (ui/dist, built by npm) in headless
// Chromium against the real binary.
//
// The Go side builds the world the page lives in on a node:
//
//   - the end-to-end harness: real redis-server leader and replica with
//     NS8's ACLs and the default cluster, and nethvoice-preflight1 installed
//     on node 1 with the NS8 agent emulator running the real binary
//     (create-module has made its SSH key; an NS7 host key is pinned);
//   - an HTTP server on 127.0.0.1 standing in for the api-server and the
//     cluster admin: /cluster-admin/ is fakecore.html (the core object the
//     iframe uses, and the core's task-event logic), /cluster-admin/apps/
//     <id>/ serves ui/dist, /cluster-admin/api/ has login, task submission
//     (LPUSH to module/<id>/tasks, as the api-server does), task status and
//     context, and the websocket (/cluster-admin/ws) relaying progress/*
//     to authorized sessions as the api-server's does;
//
// then runs browser.test.mjs (node --test, playwright-core driving
// Debian's chromium), which clicks through the pages and saves screenshots
// in tests/output/screenshots. Without chromium the test is skipped, unless
// CI is set: then it fails.
package ui

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/catalog"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/manualcheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
)

const (
	moduleID = harness.PreflightModuleID
	// The cluster admin's credentials in the stand-in login: admin is the
	// owner of everything (harness.DefaultCluster); reader was granted the
	// reader role on this module only, as `api-cli run add-user` with
	// grant [{role: reader, on: module/<id>}] does.
	adminUser      = "admin"
	adminPassword  = "Nethesis,1234"
	readerUser     = "auditor"
	readerPassword = "Reader,5678"
	// The instance label (module/<id>/ui_name), what get-name answers.
	instanceLabel = "PBX migration check"
	// ns7HostKeySeed makes the pinned NS7 host key, hence its fingerprint in
	// the screenshots, the same at every run.
	ns7HostKeySeed = "nethvoice-preflight ui test ns7!"
)

func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func TestBrowser(t *testing.T) {
	chromium := chromiumPath()
	if chromium == "" {
		if os.Getenv("CI") == "" {
			t.Skip("chromium not found (apt-get install chromium; tests/run.sh does): browser tests skipped")
		}
		t.Fatal("chromium not found, and CI is set: the browser tests must run (tests/run.sh installs it)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: the browser tests run with node and playwright-core")
	}
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dist := filepath.Join(root, "ui", "dist")
	if !vueBuild(dist) {
		t.Fatalf("%s is not the built UI: run `npm --prefix ui ci && npm --prefix ui run build` (tests/run.sh does)", dist)
	}
	here := filepath.Join(root, "tests", "ui")
	if _, err := os.Stat(filepath.Join(here, "node_modules", "playwright-core")); err != nil {
		t.Fatal("playwright-core is not installed: run `npm --prefix tests/ui ci` (tests/run.sh does)")
	}

	w := newWorld(t)
	srv := newServer(t, w, dist, filepath.Join(here, "fakecore.html"), filepath.Join(here, "testdata", "recorded-run.json"), root)

	shots := filepath.Join(root, "tests", "output", "screenshots")
	must(t, os.RemoveAll(shots))
	must(t, os.MkdirAll(shots, 0o755))

	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "--test-concurrency=1", "browser.test.mjs")
	cmd.Dir = here
	cmd.Env = append(os.Environ(),
		"BASE_URL="+srv.URL+"/cluster-admin/",
		"API_URL="+srv.URL+"/cluster-admin/api",
		"TEST_URL="+srv.URL+"/test",
		"SCREENSHOT_DIR="+shots,
		"CHROMIUM="+chromium,
		"MODULE_ID="+moduleID,
		"ADMIN_USER="+adminUser,
		"ADMIN_PASSWORD="+adminPassword,
		"READER_USER="+readerUser,
		"READER_PASSWORD="+readerPassword,
		"INSTANCE_LABEL="+instanceLabel,
		"NS7_HOST_KEY="+w.hostKey,
		"SILENT_NS7="+silentNS7(t),
		"FAKE_NODE="+strconv.FormatBool(w.fakeNode),
	)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 10 * time.Second
	err = cmd.Run()
	t.Logf("browser tests (node --test browser.test.mjs):\n%s", out.String())
	if err != nil {
		t.Errorf("browser tests failed: %v", err)
		t.Logf("agent log:\n%s", tail(w.module.AgentLog(), 80))
	}
	if pngs, _ := filepath.Glob(filepath.Join(shots, "*.png")); len(pngs) > 0 {
		t.Logf("%d screenshots in %s", len(pngs), shots)
	}
}

// vueBuild tells the Vue build (index.html loading js/app.*.js) from a
// placeholder copy of ui/public.
func vueBuild(dist string) bool {
	b, err := os.ReadFile(filepath.Join(dist, "index.html"))
	return err == nil && bytes.Contains(b, []byte("js/app."))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

type world struct {
	redis    *harness.Redis
	module   *harness.Module
	hostKey  string // fingerprint of the pinned NS7 host key
	fakeNode bool   // node checks see a node of 8 CPUs, 16 GiB, 200 GiB free
}

func newWorld(t *testing.T) *world {
	r := harness.StartRedis(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := harness.DefaultCluster()
	c.Module(moduleID).UIName = instanceLabel
	c.Users = append(c.Users, &harness.User{Name: readerUser, DisplayName: "Read-only auditor",
		Roles: harness.Hash{"module/" + moduleID: "reader"}})
	must(t, c.Apply(ctx, r.Admin()))
	must(t, r.WaitSync(ctx))

	root, err := harness.RepoRoot()
	must(t, err)
	w := &world{redis: r}
	opts := []harness.Option{harness.WithCreateModule(), harness.WithPollingInterval(500 * time.Millisecond),
		harness.WithActionsDir(withBaseActions(t, root)), harness.WithBinary(true),
		harness.WithDefinitions(filepath.Join(root, "imageroot", "validator-definitions.json"))}
	settings := map[string]any{"timeout_s": 5}
	// As root, the node checks see a node big enough for NethVoice, so
	// that the verdicts on the screenshots do not depend on the machine
	// the tests run on (same technique as tests/e2e's fakeNode).
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("unshare"); err == nil {
			wrap, volumes := fakeNodeWrapper(t)
			opts = append(opts, wrap)
			settings["volumes_path"] = volumes
			w.fakeNode = true
		}
	}
	w.module = harness.InstallModule(t, r, moduleID, "1", opts...)

	// Its own deadline: installing may build the binary, slow on a busy
	// machine.
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := w.module.Run(ctx, "configure-module", settings)
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("configure-module: %v %v", err, res)
	}
	w.hostKey = pinNS7HostKey(t, w.module.StateDir)
	return w
}

// withBaseActions returns a copy of the module's actions with stand-ins for
// the base actions the page calls that the core gives every module
// (get-name, get-status: testdata/base-actions): on a node the agent finds
// those in /usr/local/agent/actions, next to the module's own.
func withBaseActions(t *testing.T, root string) string {
	dir := filepath.Join(t.TempDir(), "actions")
	must(t, os.CopyFS(dir, os.DirFS(filepath.Join(root, "imageroot", "actions"))))
	base := filepath.Join(root, "tests", "ui", "testdata", "base-actions")
	ents, err := os.ReadDir(base)
	must(t, err)
	for _, e := range ents {
		if _, err := os.Stat(filepath.Join(dir, e.Name())); err == nil {
			t.Fatalf("base action %s: the module has an action of that name", e.Name())
		}
		must(t, os.CopyFS(filepath.Join(dir, e.Name()), os.DirFS(filepath.Join(base, e.Name()))))
	}
	return dir
}

// fakeNodeWrapper runs each step in a private mount namespace where
// /proc/cpuinfo and /proc/meminfo say 8 CPUs and 16 GiB, and a 200 GiB
// tmpfs is the volumes directory.
func fakeNodeWrapper(t *testing.T) (harness.Option, string) {
	dir := t.TempDir()
	var cpu strings.Builder
	for i := 0; i < 8; i++ {
		fmt.Fprintf(&cpu, "processor\t: %d\nmodel name\t: Test CPU\n\n", i)
	}
	must(t, os.WriteFile(filepath.Join(dir, "cpuinfo"), []byte(cpu.String()), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "meminfo"), []byte("MemTotal:       16777216 kB\nMemFree:         1000 kB\n"), 0o644))
	vol := filepath.Join(dir, "volumes")
	must(t, os.Mkdir(vol, 0o755))
	script := fmt.Sprintf(`mount --bind %[1]s/cpuinfo /proc/cpuinfo && mount --bind %[1]s/meminfo /proc/meminfo && mount -t tmpfs -o size=200g tmpfs %[2]s && exec "$0" "$@"`, dir, vol)
	return harness.WithStepWrapper("unshare", "--mount", "--propagation", "private", "sh", "-c", script), vol
}

// pinNS7HostKey writes known_hosts in the module's state dir as a first
// contact with NS7 would, and returns the key's fingerprint.
func pinNS7HostKey(t *testing.T, stateDir string) string {
	priv := ed25519.NewKeyFromSeed([]byte(ns7HostKeySeed))
	pub, err := ssh.NewPublicKey(priv.Public())
	must(t, err)
	line := knownhosts.Line([]string{"ns7.example.test"}, pub) + "\n"
	must(t, os.WriteFile(filepath.Join(stateDir, "known_hosts"), []byte(line), 0o600))
	return ssh.FingerprintSHA256(pub)
}

// silentNS7 listens on loopback, accepts connections and never answers:
// an NS7 whose SSH server hangs, so that a probe lasts until its deadline.
func silentNS7(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// server is the api-server and cluster admin stand-in.
type server struct {
	*httptest.Server
	t        *testing.T
	w        *world
	recorded string
	root     string

	mu     sync.Mutex
	tokens map[string]string // token -> user name
	tasks  []harness.Task
	subs   map[chan []byte]struct{}
	done   chan struct{}
}

// userKey is where auth puts the authenticated user in a request's context.
type userKey struct{}

func newServer(t *testing.T, w *world, dist, fakeCore, recorded, root string) *server {
	s := &server{t: t, w: w, recorded: recorded, root: root, tokens: map[string]string{},
		subs: map[chan []byte]struct{}{}, done: make(chan struct{})}
	core, err := os.ReadFile(fakeCore)
	must(t, err)
	coreCSS := coreStylesheet(t, root)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /cluster-admin/{$}", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		rw.Header().Set("Cache-Control", "no-store")
		rw.Write(core) //nolint:errcheck
	})
	mux.HandleFunc("GET /cluster-admin/css/core.css", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/css; charset=utf-8")
		rw.Write(coreCSS) //nolint:errcheck
	})
	mux.Handle("GET /cluster-admin/apps/"+moduleID+"/", http.StripPrefix("/cluster-admin/apps/"+moduleID+"/", http.FileServer(http.Dir(dist))))
	mux.HandleFunc("POST /cluster-admin/api/login", s.login)
	mux.HandleFunc("POST /cluster-admin/api/module/{id}/tasks", s.auth(s.submit))
	mux.HandleFunc("GET /cluster-admin/api/module/{id}/task/{task}/status", s.auth(s.status))
	mux.HandleFunc("GET /cluster-admin/api/module/{id}/task/{task}/context", s.auth(s.context))
	mux.HandleFunc("GET /cluster-admin/ws", s.events)
	// Test-only helpers, outside what the api-server has.
	mux.HandleFunc("GET /test/tasks", s.listTasks)
	mux.HandleFunc("POST /test/seed-recorded-run", s.seedRecorded)

	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	// Cleanups run last-in first-out: streams end before Close waits for them.
	t.Cleanup(func() { close(s.done) })
	s.relayProgress()
	return s
}

func writeJSON(rw http.ResponseWriter, code int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(code)
	json.NewEncoder(rw).Encode(v) //nolint:errcheck
}

func apiError(rw http.ResponseWriter, code int, msg string) {
	writeJSON(rw, code, map[string]any{"code": code, "message": msg, "data": nil})
}

// coreStylesheet is the stand-in of the cluster admin's core.css: the real
// one is Carbon 10 (the core's build concatenates its compiled styles,
// ns8-native-research.md §1.1) with the core's own classes; here Carbon's
// precompiled CSS from ui/node_modules, without its @font-face rules (they
// load IBM Plex from IBM's CDN, which the browser tests forbid), then
// testdata/core-classes.css, the core classes a module page relies on.
func coreStylesheet(t *testing.T, root string) []byte {
	carbon, err := os.ReadFile(filepath.Join(root, "ui", "node_modules", "carbon-components", "css", "carbon-components.min.css"))
	if err != nil {
		t.Fatalf("the stand-in core.css is built from Carbon's CSS: %v (run `npm --prefix ui ci`)", err)
	}
	classes, err := os.ReadFile(filepath.Join(root, "tests", "ui", "testdata", "core-classes.css"))
	must(t, err)
	carbon = fontFace.ReplaceAll(carbon, nil)
	return append(append(carbon, '\n'), classes...)
}

var fontFace = regexp.MustCompile(`@font-face\{[^}]*\}`)

// users are the stand-in's accounts (the real api-server checks Redis
// user/<name> credentials).
var users = map[string]string{adminUser: adminPassword, readerUser: readerPassword}

func (s *server) login(rw http.ResponseWriter, r *http.Request) {
	var in struct{ Username, Password string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		apiError(rw, http.StatusBadRequest, "missing Username or Password")
		return
	}
	if pw, ok := users[in.Username]; !ok || in.Password != pw {
		apiError(rw, http.StatusUnauthorized, "incorrect Username or Password")
		return
	}
	token := uuid.NewString()
	s.mu.Lock()
	s.tokens[token] = in.Username
	s.mu.Unlock()
	writeJSON(rw, http.StatusOK, map[string]any{"code": 200, "expire": time.Now().Add(14 * 24 * time.Hour).UTC().Format(time.RFC3339), "token": token})
}

func (s *server) userOf(token string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens[token]
}

// auth accepts the tokens of the logins, as the api-server accepts its
// JWT. A GET needs nothing more; a task POST must be allowed to the user
// on the agent of the route, as the api-server's RedisAuthorization
// decides (ns8-native-research.md §2.3): the roles of HGET roles/<user>
// <agent> (comma-separated), the action patterns of SMEMBERS
// <agent>/roles/<role>, matched with filepath.Match; else 403 with
// gin-jwt's forbidden message.
func (s *server) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		user := s.userOf(token)
		if user == "" {
			apiError(rw, http.StatusUnauthorized, "auth header is empty or the token is invalid")
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), userKey{}, user))
		if r.Method == http.MethodPost && !s.allowed(r, user) {
			apiError(rw, http.StatusForbidden, "you don't have permission to access this resource")
			return
		}
		next(rw, r)
	}
}

// allowed peeks at the task's action (the body is put back for the
// handler) and says whether one of the user's roles on the agent allows it.
func (s *server) allowed(r *http.Request, user string) bool {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return false
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	var task struct {
		Action string `json:"action"`
	}
	if json.Unmarshal(body, &task) != nil {
		return true // malformed: the handler answers 400, as the api-server's binding does
	}
	agent := "module/" + r.PathValue("id")
	rdb := s.w.redis.Admin()
	roles, err := rdb.HGet(r.Context(), "roles/"+user, agent).Result()
	if err != nil {
		return false
	}
	for _, role := range strings.Split(roles, ",") {
		patterns, err := rdb.SMembers(r.Context(), agent+"/roles/"+strings.TrimSpace(role)).Result()
		if err != nil {
			continue
		}
		for _, p := range patterns {
			if ok, _ := filepath.Match(p, task.Action); ok {
				return true
			}
		}
	}
	return false
}

// agentID is the agent of a task route, module/<id>.
func agentID(r *http.Request) string { return "module/" + r.PathValue("id") }

func (s *server) submit(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		Action string          `json:"action"`
		Data   json.RawMessage `json:"data"`
		Extra  json.RawMessage `json:"extra"`
		Parent string          `json:"parent"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil || in.Action == "" {
		apiError(rw, http.StatusBadRequest, "request fields malformed")
		return
	}
	ctx := r.Context()
	if !s.agentConnected(ctx, agentID(r)) {
		apiError(rw, http.StatusNotFound, "client idle check failed")
		return
	}
	data, extra := any(nil), any(nil)
	if len(in.Data) > 0 {
		data = in.Data
	}
	if len(in.Extra) > 0 {
		extra = in.Extra
	}
	user, _ := ctx.Value(userKey{}).(string)
	task := harness.Task{ID: uuid.NewString(), Action: in.Action, Data: data, Extra: extra,
		Queue: "module/" + r.PathValue("id") + "/tasks", User: user, Timestamp: time.Now().UTC(), Parent: in.Parent}
	raw, err := json.Marshal(task)
	if err != nil {
		apiError(rw, http.StatusBadRequest, err.Error())
		return
	}
	if err := s.w.redis.Admin().LPush(ctx, task.Queue, raw).Err(); err != nil {
		apiError(rw, http.StatusInternalServerError, err.Error())
		return
	}
	s.mu.Lock()
	s.tasks = append(s.tasks, task)
	s.mu.Unlock()
	writeJSON(rw, http.StatusCreated, map[string]any{"code": 201, "message": "task queued successfully", "data": task})
}

// agentConnected is the api-server's check: a connection named after the
// agent, idle for at most 8 s.
func (s *server) agentConnected(ctx context.Context, agent string) bool {
	list, err := s.w.redis.Admin().ClientList(ctx).Result()
	if err != nil {
		return false
	}
	for _, line := range strings.Split(list, "\n") {
		var name string
		idle := -1
		for _, f := range strings.Fields(line) {
			k, v, _ := strings.Cut(f, "=")
			switch k {
			case "name":
				name = v
			case "idle":
				idle, _ = strconv.Atoi(v)
			}
		}
		if name == agent && idle >= 0 && idle <= 8 {
			return true
		}
	}
	return false
}

func taskKey(r *http.Request, what string) string {
	return "task/" + agentID(r) + "/" + r.PathValue("task") + "/" + what
}

func (s *server) status(rw http.ResponseWriter, r *http.Request) {
	vals, err := s.w.redis.Admin().MGet(r.Context(), taskKey(r, "output"), taskKey(r, "error"), taskKey(r, "exit_code")).Result()
	if err != nil {
		apiError(rw, http.StatusInternalServerError, err.Error())
		return
	}
	for _, v := range vals {
		if v == nil {
			// The api-server answers 400 until the task has finished.
			apiError(rw, http.StatusBadRequest, "task not finished")
			return
		}
	}
	output, _ := vals[0].(string)
	errText, _ := vals[1].(string)
	code, _ := strconv.Atoi(fmt.Sprint(vals[2]))
	var parsed any = output
	var doc any
	if json.Unmarshal([]byte(output), &doc) == nil {
		parsed = doc
	}
	writeJSON(rw, http.StatusOK, map[string]any{"code": 200, "message": "success", "data": map[string]any{
		"output": parsed, "error": errText, "exit_code": code, "file": "task/" + agentID(r) + "/" + r.PathValue("task")}})
}

func (s *server) context(rw http.ResponseWriter, r *http.Request) {
	raw, err := s.w.redis.Admin().Get(r.Context(), taskKey(r, "context")).Result()
	if errors.Is(err, redis.Nil) {
		apiError(rw, http.StatusNotFound, "task context not found")
		return
	}
	if err != nil {
		apiError(rw, http.StatusInternalServerError, err.Error())
		return
	}
	var doc any
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		apiError(rw, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(rw, http.StatusOK, map[string]any{"code": 200, "message": "success", "data": map[string]any{
		"context": doc, "file": "task/" + agentID(r) + "/" + r.PathValue("task")}})
}

// relayProgress does what the api-server does with PSUBSCRIBE progress/*:
// every message goes to every connected client as
// {"name": <channel>, "payload": <message>, "timestamp", "type": "task"}.
func (s *server) relayProgress() {
	ctx := context.Background()
	ps := s.w.redis.Admin().PSubscribe(ctx, "progress/*")
	if _, err := ps.Receive(ctx); err != nil {
		s.t.Fatalf("PSUBSCRIBE progress/*: %v", err)
	}
	s.t.Cleanup(func() { ps.Close() })
	go func() {
		for msg := range ps.Channel() {
			b, err := json.Marshal(map[string]any{"name": msg.Channel, "payload": json.RawMessage(msg.Payload),
				"timestamp": time.Now().UTC().Format(time.RFC3339Nano), "type": "task"})
			if err != nil {
				continue // not JSON: the api-server would not relay it either
			}
			s.mu.Lock()
			for ch := range s.subs {
				select {
				case ch <- b:
				default: // a stuck client loses messages, as a slow websocket would
				}
			}
			s.mu.Unlock()
		}
	}()
}

// events is the api-server's websocket (WS /ws, core/api-server/
// api-server.go and socket/socket.go, action.go): a session gets the
// relayed progress messages once it has sent {"action":"authorize",
// "payload":{"jwt":<token>}}, as the core's websocket mixin does on open;
// a token the server does not know gets {"type":"authorize-error"} and the
// socket is closed.
func (s *server) events(rw http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(rw, r, nil) // same origin only, as a browser sends it
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx := r.Context()
	var msg struct {
		Action  string `json:"action"`
		Payload struct {
			JWT string `json:"jwt"`
		} `json:"payload"`
	}
	if err := wsjson.Read(ctx, c, &msg); err != nil {
		return
	}
	if msg.Action != "authorize" || s.userOf(msg.Payload.JWT) == "" {
		wsjson.Write(ctx, c, map[string]string{"type": "authorize-error", "payload": "token is invalid"}) //nolint:errcheck // closing anyway
		c.Close(websocket.StatusNormalClosure, "Bye")                                                     //nolint:errcheck // closing anyway
		return
	}
	ch := make(chan []byte, 256)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}()
	ctx = c.CloseRead(ctx) // the session sends nothing more that matters here
	for {
		select {
		case b := <-ch:
			if err := c.Write(ctx, websocket.MessageText, b); err != nil {
				return
			}
		case <-ctx.Done():
			return
		case <-s.done:
			c.Close(websocket.StatusGoingAway, "server stopped") //nolint:errcheck // stopping
			return
		}
	}
}

func (s *server) listTasks(rw http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	writeJSON(rw, http.StatusOK, s.tasks)
}

// recordedRun is testdata/recorded-run.json: the findings and facts of a
// run against a real-looking NS7 (what probe-ns7, validate-fqdns and
// check-user-domain report), which the local world has no NS7 to produce.
type recordedRun struct {
	Findings []report.Finding `json:"findings"`
	Ignore   []report.Ignore  `json:"ignore"`
	Facts    map[string]any   `json:"facts"`
	Changes  []report.Change  `json:"changes"`
	Duration int64            `json:"duration_ms"`
}

// partialData turns the recorded ns7.data-size into a measurement the data
// budget cut: the recordings counted in part, the databases unreadable,
// a bound from NS7's filesystems (as probe-ns7 reports it).
func partialData(fs []report.Finding) {
	for i := range fs {
		if fs[i].ID != "ns7.data-size" {
			continue
		}
		d := fs[i].Data
		cats := d["categories"].(map[string]any)
		delete(cats, "recordings")
		fs[i].Status, fs[i].Message = report.Warn, "measured only in part (recorded run with a cut measurement)"
		fs[i].Remediation = &report.Remediation{Hint: "Give the measurement more time with data_budget_s"}
		d["partial"] = map[string]any{"recordings": 20 << 30}
		d["unmeasured"] = map[string]any{"recordings": "not done within the data budget of 60 s", "databases": "the database sizes could not be read (exit code 1)"}
		d["databases"] = map[string]any{}
		d["complete"], d["total_bytes"], d["at_most_bytes"] = false, int64(23<<30), int64(480<<30)
	}
}

// seedRecorded stores the recorded run as the latest run, in the module's
// state directory, as run-preflight stores a run (internal/store), with
// the manual items judged on the current checklist, after validating it
// against run-preflight's output schema: get-report (the real binary) then
// serves it to the page.
func (s *server) seedRecorded(rw http.ResponseWriter, r *http.Request) {
	raw, err := os.ReadFile(s.recorded)
	if err != nil {
		apiError(rw, http.StatusInternalServerError, err.Error())
		return
	}
	var rec recordedRun
	if err := json.Unmarshal(raw, &rec); err != nil {
		apiError(rw, http.StatusInternalServerError, "recorded-run.json: "+err.Error())
		return
	}
	st, err := store.Open(s.w.module.StateDir)
	if err != nil {
		apiError(rw, http.StatusInternalServerError, err.Error())
		return
	}
	cl, err := st.Checklist()
	if err != nil {
		apiError(rw, http.StatusInternalServerError, err.Error())
		return
	}
	if r.URL.Query().Get("data") == "partial" {
		partialData(rec.Findings)
	}
	findings := append(rec.Findings, manualcheck.All(manualcheck.Facts{Checklist: cl, ModuleID: moduleID})...)
	started := time.Now().Add(-time.Duration(rec.Duration) * time.Millisecond)
	rep := report.Build(catalog.Catalog{}, "run-preflight", uuid.NewString(), started, findings, rec.Ignore, rec.Facts)
	rep.DurationMs = rec.Duration
	rep.Changes = rec.Changes
	rep.IgnoreUnmatched = report.Unmatched(catalog.Catalog{}, rep.Checks, rec.Ignore)
	doc, err := json.Marshal(rep)
	if err != nil {
		apiError(rw, http.StatusInternalServerError, err.Error())
		return
	}
	errs, err := schema.New(os.DirFS(s.root)).Validate("run-preflight", schema.Output, doc)
	if err != nil || errs != nil {
		apiError(rw, http.StatusInternalServerError, fmt.Sprintf("recorded run does not validate: %v %v", err, errs))
		return
	}
	sum := store.Summary{RunID: rep.RunID, StartedAt: rep.StartedAt, DurationMs: rep.DurationMs, User: adminUser,
		Ready: rep.Ready, Summary: rep.Summary, Changes: len(rep.Changes)}
	if err := st.SaveRun(doc, sum); err != nil {
		apiError(rw, http.StatusInternalServerError, err.Error())
		return
	}
	writeJSON(rw, http.StatusOK, rep)
}
