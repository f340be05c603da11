package harness

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// RedisServerBin is the redis-server executable the harness starts.
var RedisServerBin = "redis-server"

// ReplicationUser is the ACL user the replica authenticates with, as a
// worker's replica does with its node/<n> credentials.
const ReplicationUser = "node/1"

// Redis is a leader redis-server and its replica, both on loopback, with
// the ACL users of an NS8 leader.
type Redis struct {
	t       testing.TB
	leader  *redisProc
	replica *redisProc

	clusterPassword string
	nodePassword    string

	mu         sync.Mutex
	frozen     bool
	admin      *redis.Client
	modulePass map[string]string
}

type redisProc struct {
	addr string
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

// StartRedis starts a leader and a replica that follows it, applies the
// NS8 ACL users on both and waits for the replica to be in sync. Everything
// is stopped and removed when the test ends.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	if _, err := exec.LookPath(RedisServerBin); err != nil {
		t.Fatalf("harness: %s not found (tests/run.sh installs the redis-server package): %v", RedisServerBin, err)
	}
	base := t.TempDir()
	r := &Redis{
		t:               t,
		clusterPassword: randomHex(16),
		nodePassword:    randomHex(16),
		modulePass:      map[string]string{},
	}
	t.Cleanup(r.cleanup)

	var err error
	// Disk-based sync puts the replica online as soon as the RDB is sent;
	// diskless sync would wait for its first REPLCONF ACK (up to 1 s).
	if r.leader, err = startRedisProc(filepath.Join(base, "leader"), "--repl-diskless-sync", "no"); err != nil {
		t.Fatalf("harness: start leader redis: %v", err)
	}
	if r.replica, err = startRedisProc(filepath.Join(base, "replica")); err != nil {
		t.Fatalf("harness: start replica redis: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, p := range []*redisProc{r.leader, r.replica} {
		if err := r.bootstrapACL(ctx, p); err != nil {
			t.Fatalf("harness: ACL setup on %s: %v\n%s", p.addr, err, p.logTail())
		}
	}
	r.admin = r.newClient(r.leader.addr, "cluster", r.clusterPassword)

	// The replica follows the leader only once its own users exist, as a
	// worker node joins after install-finalize.
	rep := r.newClient(r.replica.addr, "cluster", r.clusterPassword)
	defer rep.Close()
	host, port, _ := net.SplitHostPort(r.leader.addr)
	for _, kv := range [][2]string{{"masteruser", ReplicationUser}, {"masterauth", r.nodePassword}} {
		if err := rep.ConfigSet(ctx, kv[0], kv[1]).Err(); err != nil {
			t.Fatalf("harness: replica CONFIG SET %s: %v", kv[0], err)
		}
	}
	if err := rep.ReplicaOf(ctx, host, port).Err(); err != nil {
		t.Fatalf("harness: REPLICAOF: %v", err)
	}
	if err := r.WaitSync(ctx); err != nil {
		t.Fatalf("harness: replica did not sync: %v\nleader log:\n%s\nreplica log:\n%s", err, r.leader.logTail(), r.replica.logTail())
	}
	return r
}

// startRedisProc starts redis-server on a free loopback port, retrying when
// another process takes the port between the probe and the bind.
func startRedisProc(dir string, extra ...string) (*redisProc, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		p := &redisProc{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), dir: dir, done: make(chan struct{})}
		args := []string{
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"),
			"--save", "", "--appendonly", "no", "--daemonize", "no",
		}
		args = append(args, extra...)
		p.cmd = exec.Command(RedisServerBin, args...)
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		// Errors before the log file is open go to stdout.
		console, err := os.Create(filepath.Join(dir, "console.log"))
		if err != nil {
			return nil, err
		}
		p.cmd.Stdout, p.cmd.Stderr = console, console
		err = p.cmd.Start()
		console.Close()
		if err != nil {
			return nil, err
		}
		go func() { _ = p.cmd.Wait(); close(p.done) }()
		err = p.waitPing(10 * time.Second)
		if err == nil {
			return p, nil
		}
		lastErr = fmt.Errorf("%w\n%s", err, p.logTail())
		p.kill()
	}
	return nil, lastErr
}

func (p *redisProc) waitPing(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return errors.New("redis-server exited")
		default:
		}
		c, err := net.DialTimeout("tcp", p.addr, 200*time.Millisecond)
		if err == nil {
			_ = c.SetDeadline(time.Now().Add(time.Second))
			_, _ = c.Write([]byte("PING\r\n"))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("redis-server on %s did not answer within %s", p.addr, limit)
}

func (p *redisProc) kill() {
	if p == nil || p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}

func (p *redisProc) signal(sig syscall.Signal) {
	if p != nil && p.cmd != nil && p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(sig)
	}
}

func (p *redisProc) logTail() string {
	console, _ := os.ReadFile(filepath.Join(p.dir, "console.log"))
	raw, _ := os.ReadFile(filepath.Join(p.dir, "redis.log"))
	raw = append(console, raw...)
	if len(raw) > 4000 {
		raw = raw[len(raw)-4000:]
	}
	return string(raw)
}

// ACL rules, as ns8-core install-finalize.sh and cluster add-module set them.
const (
	aclDefault   = "on nopass resetkeys ~cluster/* ~node/* ~module/* resetchannels &* nocommands +@read +@connection +subscribe +psubscribe -@admin"
	aclAPIServer = "~* &* nocommands +@read +@pubsub +lpush +@transaction +@connection +role +hset"
)

func nodeACL(n string) string {
	return fmt.Sprintf("resetkeys ~node/%s/* ~task/node/%s/* resetchannels &progress/node/%s/* &node/%s/event/* nocommands +@read +@write +@transaction +@connection +publish -@admin +psync +replconf", n, n, n, n)
}

func moduleACL(id string) string {
	return fmt.Sprintf("resetkeys ~module/%s/* ~task/module/%s/* %%R~cluster/* %%R~node/* %%R~module/* %%R~private/agents/* resetchannels &progress/module/%s/* &module/%s/event/* nocommands +@read +@write +@transaction +@connection +publish -@admin", id, id, id, id)
}

func pwHash(pw string) string {
	h := sha256.Sum256([]byte(pw))
	return "#" + hex.EncodeToString(h[:])
}

// bootstrapACL creates the cluster user while default is still all-powerful,
// then restricts default, in the order install-finalize.sh uses.
func (r *Redis) bootstrapACL(ctx context.Context, p *redisProc) error {
	boot := r.newClient(p.addr, "", "")
	defer boot.Close()
	if err := aclSetUser(ctx, boot, "cluster", "on "+pwHash(r.clusterPassword)+" ~* &* +@all"); err != nil {
		return err
	}
	c := r.newClient(p.addr, "cluster", r.clusterPassword)
	defer c.Close()
	for _, u := range [][2]string{
		{"default", aclDefault},
		{"api-server", "on " + pwHash(randomHex(16)) + " " + aclAPIServer},
		{"node/1", "on " + pwHash(r.nodePassword) + " " + nodeACL("1")},
	} {
		if err := aclSetUser(ctx, c, u[0], u[1]); err != nil {
			return err
		}
	}
	return nil
}

func aclSetUser(ctx context.Context, c *redis.Client, user, rules string) error {
	args := []any{"ACL", "SETUSER", user}
	for _, f := range strings.Fields(rules) {
		args = append(args, f)
	}
	if err := c.Do(ctx, args...).Err(); err != nil {
		return fmt.Errorf("ACL SETUSER %s: %w", user, err)
	}
	return nil
}

// SetUser applies ACL SETUSER on the leader and the replica: replicas do not
// replicate ACLs, NS8 applies them on every node.
func (r *Redis) SetUser(ctx context.Context, user, rules string) error {
	for _, addr := range []string{r.leader.addr, r.replica.addr} {
		c := r.newClient(addr, "cluster", r.clusterPassword)
		err := aclSetUser(ctx, c, user, rules)
		c.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", addr, err)
		}
	}
	return nil
}

// AddModuleUser creates the Redis user module/<id> with the rights
// cluster/add-module gives a module, and returns its cleartext password.
func (r *Redis) AddModuleUser(id string) string {
	r.t.Helper()
	pw := newUUID()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.SetUser(ctx, "module/"+id, "on "+pwHash(pw)+" "+moduleACL(id)); err != nil {
		r.t.Fatalf("harness: AddModuleUser %s: %v", id, err)
	}
	r.mu.Lock()
	r.modulePass[id] = pw
	r.mu.Unlock()
	return pw
}

// ModulePassword is the password AddModuleUser gave module/<id>.
func (r *Redis) ModulePassword(id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.modulePass[id]
}

// LeaderAddr is host:port of the leader (REDIS_ADDRESS).
func (r *Redis) LeaderAddr() string { return r.leader.addr }

// ReplicaAddr is host:port of the replica (REDIS_REPLICA_ADDRESS).
func (r *Redis) ReplicaAddr() string { return r.replica.addr }

// ClusterPassword is the password of the cluster user.
func (r *Redis) ClusterPassword() string { return r.clusterPassword }

// Admin is a client of the leader as the cluster user (+@all). It is closed
// at cleanup; do not close it.
func (r *Redis) Admin() *redis.Client { return r.admin }

// Client opens a connection pool to addr as user (empty user: default with
// no password). It is closed at cleanup.
func (r *Redis) Client(addr, user, password string) *redis.Client {
	c := r.newClient(addr, user, password)
	r.t.Cleanup(func() { c.Close() })
	return c
}

// ReplicaAdmin is a client of the replica as the cluster user.
func (r *Redis) ReplicaAdmin() *redis.Client {
	return r.Client(r.replica.addr, "cluster", r.clusterPassword)
}

// DefaultClient connects to addr as the default user, as the Python agent's
// unprivileged redis_connect() does.
func (r *Redis) DefaultClient(addr string) *redis.Client { return r.Client(addr, "", "") }

// ModuleClient connects to addr as module/<id> (after AddModuleUser).
func (r *Redis) ModuleClient(addr, id string) *redis.Client {
	return r.Client(addr, "module/"+id, r.ModulePassword(id))
}

func (r *Redis) newClient(addr, user, password string) *redis.Client {
	return NewClient(addr, user, password)
}

// NewClient returns a go-redis client with the harness's settings: RESP2 like
// the NS8 agents, short timeouts, no extra handshake commands.
func NewClient(addr, user, password string) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:                     addr,
		Username:                 user,
		Password:                 password,
		Protocol:                 2,
		DisableIdentity:          true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		DialTimeout:              2 * time.Second,
		ReadTimeout:              3 * time.Second,
		WriteTimeout:             3 * time.Second,
		// No retries: a retried LPUSH after a timeout would queue a task twice.
		MaxRetries: -1,
	})
}

// WaitSync waits until the replica's link is up and it has processed every
// write made so far on the leader (offsets compared, since WAIT only covers
// the writes of the connection that calls it).
func (r *Redis) WaitSync(ctx context.Context) error {
	rep := r.newClient(r.replica.addr, "cluster", r.clusterPassword)
	defer rep.Close()
	var info string
	var err error
	for {
		// Until the leader sees the replica online it does not stream writes.
		info, err = r.admin.Info(ctx, "replication").Result()
		if err == nil && strings.Contains(infoField(info, "slave0"), "state=online") {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("replica not online on the leader (%v): %w", err, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	target, err := strconv.ParseInt(infoField(info, "master_repl_offset"), 10, 64)
	if err != nil {
		return fmt.Errorf("leader master_repl_offset: %w", err)
	}
	for {
		info, err := rep.Info(ctx, "replication").Result()
		if err == nil && infoField(info, "master_link_status") == "up" && infoField(info, "master_sync_in_progress") == "0" {
			off, perr := strconv.ParseInt(infoField(info, "slave_repl_offset"), 10, 64)
			if perr == nil && off >= target {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("replica not in sync (offset %d wanted; %v): %w", target, err, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func infoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

// Freeze stops (SIGSTOP) both servers: connections stay open and every
// request goes unanswered, like a leader behind a dead VPN.
func (r *Redis) Freeze() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.leader.signal(syscall.SIGSTOP)
	r.replica.signal(syscall.SIGSTOP)
	r.frozen = true
}

// Thaw resumes (SIGCONT) both servers after Freeze.
func (r *Redis) Thaw() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.leader.signal(syscall.SIGCONT)
	r.replica.signal(syscall.SIGCONT)
	r.frozen = false
}

// Frozen reports whether Freeze is in effect.
func (r *Redis) Frozen() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.frozen
}

// Stop kills both servers; connections are refused from then on.
func (r *Redis) Stop() {
	r.mu.Lock()
	r.frozen = false
	r.mu.Unlock()
	r.leader.kill()
	r.replica.kill()
}

// Logs returns the tail of both server logs, for failure messages.
func (r *Redis) Logs() string {
	return "== leader " + r.leader.addr + "\n" + r.leader.logTail() + "== replica " + r.replica.addr + "\n" + r.replica.logTail()
}

func (r *Redis) cleanup() {
	if r.admin != nil {
		r.admin.Close()
	}
	if r.t.Failed() && r.leader != nil && r.replica != nil {
		r.t.Logf("harness: redis logs\n%s", r.Logs())
	}
	r.leader.kill()
	r.replica.kill()
}

// FreePort returns a TCP port free on 127.0.0.1 at the time of the call.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// newUUID returns a random (version 4) UUID string.
func newUUID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// FreezeReplica stops only the replica: reads from it hang while the
// leader (writes, the task queue) still answers.
func (r *Redis) FreezeReplica() { r.replica.signal(syscall.SIGSTOP) }

// ThawReplica resumes the replica after FreezeReplica.
func (r *Redis) ThawReplica() { r.replica.signal(syscall.SIGCONT) }

// Save writes the leader's dataset to its dump file now (SAVE), as a
// persistent NS8 Redis would have it on disk when it dies.
func (r *Redis) Save(ctx context.Context) error { return r.admin.Save(ctx).Err() }

// Restart starts both servers again after Stop, on the same addresses and
// data directories: the leader loads what Save (or the replica's first
// sync) left on disk, the ACL users (cluster, default, api-server, node/1
// and every module user AddModuleUser created) are applied again, and the
// replica follows the leader again. Clients of the old processes reconnect
// by themselves (go-redis drops broken pooled connections).
func (r *Redis) Restart(ctx context.Context) error {
	for _, p := range []**redisProc{&r.leader, &r.replica} {
		old := *p
		extra := []string{}
		if old == r.leader {
			extra = append(extra, "--repl-diskless-sync", "no")
		}
		np, err := restartRedisProc(old, extra...)
		if err != nil {
			return err
		}
		*p = np
	}
	for _, p := range []*redisProc{r.leader, r.replica} {
		if err := r.bootstrapACL(ctx, p); err != nil {
			return fmt.Errorf("ACL setup on %s: %w", p.addr, err)
		}
	}
	r.mu.Lock()
	mods := map[string]string{}
	for id, pw := range r.modulePass {
		mods[id] = pw
	}
	r.mu.Unlock()
	for id, pw := range mods {
		if err := r.SetUser(ctx, "module/"+id, "on "+pwHash(pw)+" "+moduleACL(id)); err != nil {
			return err
		}
	}
	rep := r.newClient(r.replica.addr, "cluster", r.clusterPassword)
	defer rep.Close()
	host, port, _ := net.SplitHostPort(r.leader.addr)
	for _, kv := range [][2]string{{"masteruser", ReplicationUser}, {"masterauth", r.nodePassword}} {
		if err := rep.ConfigSet(ctx, kv[0], kv[1]).Err(); err != nil {
			return err
		}
	}
	if err := rep.ReplicaOf(ctx, host, port).Err(); err != nil {
		return err
	}
	// Flush the admin pool's dead connections before anyone uses it.
	for i := 0; r.admin.Ping(ctx).Err() != nil; i++ {
		if i > 20 {
			return errors.New("the admin client does not reconnect")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return r.WaitSync(ctx)
}

// restartRedisProc starts redis-server again on old's port and directory.
func restartRedisProc(old *redisProc, extra ...string) (*redisProc, error) {
	_, port, _ := net.SplitHostPort(old.addr)
	p := &redisProc{addr: old.addr, dir: old.dir, done: make(chan struct{})}
	args := []string{
		"--port", port, "--bind", "127.0.0.1",
		"--dir", old.dir, "--logfile", filepath.Join(old.dir, "redis.log"),
		"--save", "", "--appendonly", "no", "--daemonize", "no",
	}
	p.cmd = exec.Command(RedisServerBin, append(args, extra...)...)
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	console, err := os.OpenFile(filepath.Join(old.dir, "console.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	p.cmd.Stdout, p.cmd.Stderr = console, console
	err = p.cmd.Start()
	console.Close()
	if err != nil {
		return nil, err
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	if err := p.waitPing(10 * time.Second); err != nil {
		p.kill()
		return nil, fmt.Errorf("restart %s: %w\n%s", old.addr, err, p.logTail())
	}
	return p, nil
}
