// Package ns7world builds, for end-to-end tests, an "NS7" out of real
// parts: Debian's OpenSSH sshd in a network namespace of its own (its own
// address, port 22, reached through a veth pair), in a private mount
// namespace where overlays show the variant's fixture files and stub
// commands at NS7's real paths (/etc/nethserver-release, /sbin/e-smith/config,
// /var/spool/asterisk/..., rpm, yum, systemctl, mysql, wg...) without
// touching the machine's own files. Real commands (bash, timeout, du, df,
// find, getent, date, head) read the fixture tree as they would on NS7.
//
// It needs root (namespaces, mounts); tests skip without root unless CI is
// set. Everything is removed in t.Cleanup. The only traffic a world sees is
// between the addresses it created.
package ns7world

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"maps"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// RequireRoot skips a test without root, unless CI is set (then it fails:
// CI runs as root and must run these tests).
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("ns7world needs root (network and mount namespaces) and CI runs as root")
		}
		t.Skip("needs root: the NS7 world lives in network and mount namespaces")
	}
	if _, err := exec.LookPath("sshd"); err != nil {
		if _, err := os.Stat("/usr/sbin/sshd"); err != nil {
			t.Fatal("sshd is not installed (apt-get install openssh-server; tests/run.sh does it)")
		}
	}
}

// Options of a world.
type Options struct {
	// AuthorizedKeys are the authorized_keys lines of root.
	AuthorizedKeys []string
	// RootPassword, when set, turns password authentication on and sets
	// root's password in the world's /etc/shadow (an overlay copy).
	RootPassword string
	// HostAliases are names NS7 resolves (its /etc/hosts) to this side's
	// address, e.g. the leader's VPN endpoint host.
	HostAliases []string
	// MaxSessions, when set, is sshd's MaxSessions (OpenSSH's default: 10).
	MaxSessions int
	// Binds shows directories of this machine at NS7 paths, read-only
	// (e.g. a spool of a million files built once on a tmpfs).
	Binds map[string]string
	// MariaDB runs a real MariaDB with NS7's tables and the variant's
	// inventory rows (mariadb.go); without it the fixture answers.
	MariaDB bool
	// MyCnf is appended to NS7's /root/.my.cnf (with MariaDB), as an admin
	// may have written it: "[mysql]\nvertical\n" changes every answer.
	MyCnf string
	// User, when set, is an account other than root on NS7 (uid and gid
	// UserID, home /home/<user>, shell bash); UserKeys are the lines of its
	// own ~/.ssh/authorized_keys (none: the user has no key authorized).
	// root's keys (AuthorizedKeys) do not open its account.
	User     string
	UserKeys []string
}

// UserID is the uid and gid of Options.User.
const UserID = 20777

// World is one running NS7.
type World struct {
	Name   string // network namespace
	HostIP string // this side of the veth pair
	IP     string // NS7's address
	Port   int
	Dir    string
	// Fingerprint is the SHA256 fingerprint of the current host key.
	Fingerprint string

	t        testing.TB
	v        Variant
	o        Options
	hostVeth string
	nsVeth   string
	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{}
	db       *mariaDB
}

// overlays are the directories the fixture shows through an overlay.
var overlays = []string{"/etc", "/var", "/usr/bin", "/usr/sbin"}

func upper(dir, path string) (string, bool) {
	for _, o := range overlays {
		if path == o || strings.HasPrefix(path, o+"/") {
			return filepath.Join(dir, "ovl", strings.ReplaceAll(strings.Trim(o, "/"), "/", "-"), "up", strings.TrimPrefix(path, o)), true
		}
	}
	return "", false
}

func run(args ...string) error {
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// Start builds the fixture of v, creates the namespaces and starts sshd.
func Start(t testing.TB, v Variant, o Options) *World {
	t.Helper()
	RequireRoot(t)
	// Not t.TempDir(): the test name may hold commas, which overlay mount
	// options cannot carry.
	dir, err := os.MkdirTemp("", "ns7world-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	w := &World{t: t, v: v, o: o, Port: 22, Dir: dir}
	if err := w.network(); err != nil {
		t.Fatalf("ns7world: network: %v", err)
	}
	t.Cleanup(w.cleanup)
	if o.MariaDB && v.DB != nil {
		RequireMariaDB(t)
		if w.db, err = startMariaDB(dir, v.DB); err != nil {
			t.Fatalf("ns7world: mariadb: %v", err)
		}
		t.Cleanup(w.db.stop)
		if o.MyCnf != "" {
			f, err := os.OpenFile(w.db.cnf, os.O_APPEND|os.O_WRONLY, 0)
			if err == nil {
				_, err = f.WriteString(o.MyCnf)
				f.Close()
			}
			if err != nil {
				t.Fatalf("ns7world: my.cnf: %v", err)
			}
		}
	}
	if err := w.tunnel(); err != nil {
		t.Fatalf("ns7world: tunnel: %v", err)
	}
	if err := w.writeFixture(); err != nil {
		t.Fatalf("ns7world: fixture: %v", err)
	}
	if err := w.newHostKey(); err != nil {
		t.Fatalf("ns7world: host key: %v", err)
	}
	if err := w.start(); err != nil {
		t.Fatalf("ns7world: sshd: %v\n%s", err, w.Log())
	}
	return w
}

// network creates the namespace and a veth pair with addresses in a /24
// of 10.77.0.0/16 that no interface of the machine uses yet.
func (w *World) network() error {
	used := map[string]bool{}
	if addrs, err := net.InterfaceAddrs(); err == nil {
		for _, a := range addrs {
			used[a.String()] = true
		}
	}
	var lastErr error
	for try := 0; try < 20; try++ {
		nb, _ := rand.Int(rand.Reader, big.NewInt(250))
		n := int(nb.Int64()) + 3
		if used["10.77."+strconv.Itoa(n)+".1/24"] {
			continue
		}
		w.Name = fmt.Sprintf("nvpf-ns7-%d", n)
		w.hostVeth, w.nsVeth = fmt.Sprintf("nvh%d", n), fmt.Sprintf("nvn%d", n)
		w.HostIP, w.IP = fmt.Sprintf("10.77.%d.1", n), fmt.Sprintf("10.77.%d.2", n)
		if lastErr = run("ip", "netns", "add", w.Name); lastErr != nil {
			continue
		}
		if lastErr = run("ip", "link", "add", w.hostVeth, "type", "veth", "peer", "name", w.nsVeth); lastErr != nil {
			run("ip", "netns", "del", w.Name)
			continue
		}
		for _, c := range [][]string{
			{"ip", "link", "set", w.nsVeth, "netns", w.Name},
			{"ip", "addr", "add", w.HostIP + "/24", "dev", w.hostVeth},
			{"ip", "link", "set", w.hostVeth, "up"},
			{"ip", "netns", "exec", w.Name, "ip", "addr", "add", w.IP + "/24", "dev", w.nsVeth},
			{"ip", "netns", "exec", w.Name, "ip", "link", "set", w.nsVeth, "up"},
			{"ip", "netns", "exec", w.Name, "ip", "link", "set", "lo", "up"},
		} {
			if err := run(c...); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("no free network: %v", lastErr)
}

// tunnel gives a joined NS7 (a variant with WireGuard handshakes) its
// interface ns8 (one end of a veth pair), with the migration tool's address in the
// cluster network: what /sys/class/net, ip addr and ip route then show.
func (w *World) tunnel() error {
	if w.v.WG == "" || w.v.Plain {
		return nil
	}
	// A veth pair inside the namespace (the machine may lack the dummy
	// driver); its peer stays down, unnamed in any check.
	cmds := [][]string{{"ip", "link", "add", "ns8", "type", "veth", "peer", "name", "ns8peer"}, {"ip", "link", "set", "ns8", "up"}}
	if r, ok := w.v.Config["wg-quick@ns8"]; ok && r.Props["Address"] != "" {
		bits := "24"
		if _, n, found := strings.Cut(r.Props["RemoteNetwork"], "/"); found {
			bits = n
		}
		cmds = append(cmds, []string{"ip", "addr", "add", r.Props["Address"] + "/" + bits, "dev", "ns8"})
	}
	for _, c := range cmds {
		if err := run(append([]string{"ip", "netns", "exec", w.Name}, c...)...); err != nil {
			return err
		}
	}
	return nil
}

func (w *World) writeFile(path string, data []byte, mode os.FileMode) error {
	p, ok := upper(w.Dir, path)
	if !ok {
		return fmt.Errorf("%s is outside the overlays %v", path, overlays)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, mode)
}

// FixturePath is where a path of NS7 lives on this machine (its overlay's
// upper layer), e.g. to add files between probes.
func (w *World) FixturePath(path string) string {
	p, _ := upper(w.Dir, path)
	return p
}

func (w *World) writeFixture() error {
	v := w.v
	if err := w.mkOverlays(); err != nil {
		return err
	}
	files := map[string]string{
		"/etc/resolv.conf":   "nameserver 127.0.0.1\n", // nothing answers: no query leaves the world
		"/etc/nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n",
	}
	if !v.Plain {
		for p, c := range w.ns7Files() {
			files[p] = c
		}
	}
	if err := w.hostsAndUsers(files); err != nil {
		return err
	}
	for p, c := range files {
		mode := os.FileMode(0o644)
		if p == "/etc/shadow" || strings.HasPrefix(p, "/var/lib/nethserver/secrets/") {
			mode = 0o600
		}
		if err := w.writeFile(p, []byte(c), mode); err != nil {
			return err
		}
	}
	if !v.Plain {
		if err := w.writeNS7(); err != nil {
			return err
		}
	}
	return w.writeKeys()
}

func (w *World) mkOverlays() error {
	for _, o := range overlays {
		base := filepath.Join(w.Dir, "ovl", strings.ReplaceAll(strings.Trim(o, "/"), "/", "-"))
		for _, d := range []string{"up", "work"} {
			if err := os.MkdirAll(filepath.Join(base, d), 0o755); err != nil {
				return err
			}
		}
	}
	return nil
}

// ns7Files are the NS7 files of the variant and the data its stubs answer
// from.
func (w *World) ns7Files() map[string]string {
	v := w.v
	files := map[string]string{
		"/etc/nethserver-release":       v.Release + "\n",
		"/var/lib/ns7world/lib.sh":      stubLib,
		"/var/lib/ns7world/hostname":    v.Hostname + "\n",
		"/var/lib/ns7world/kernel":      v.Kernel + "\n",
		"/var/lib/ns7world/kernels":     strings.Join(v.Kernels, "\n") + "\n",
		"/var/lib/ns7world/yum.out":     v.YumOut,
		"/var/lib/ns7world/yum.rc":      strconv.Itoa(v.YumExit) + "\n",
		"/var/lib/ns7world/rpm-owned":   strings.Join(v.Owned, "\n") + "\n",
		"/var/lib/ns7world/marks/.keep": "",
	}
	if v.Release == "" {
		delete(files, "/etc/nethserver-release")
	}
	// The formats shared with the demo's answers (ns7sample).
	files["/var/lib/ns7world/rpm-packages"] = v.PackageLines()
	files["/var/lib/ns7world/services"] = v.ServiceLines()
	files["/var/lib/ns7world/ss.out"] = v.SSOutput()
	if v.Provider != nil {
		files["/var/lib/ns7world/account-provider.json"] = v.ProviderJSON()
	}
	for k := range v.Config {
		files["/var/lib/ns7world/config/"+k+".json"] = v.ConfigPrintJSON(k).Stdout
	}
	for k, val := range v.ConfigGet {
		files["/var/lib/ns7world/config-get/"+k] = val + "\n"
	}
	for k, val := range v.SQLAnswers() {
		files["/var/lib/ns7world/sql/"+k+".tsv"] = val
	}
	if v.WG != "" {
		files["/var/lib/ns7world/wg.out"] = v.WG
	}
	if w.db != nil {
		files["/var/lib/ns7world/mariadb"] = w.db.socket + "\n"
	}
	for name, d := range v.Slow {
		files["/var/lib/ns7world/slow/"+name] = fmt.Sprintf("%.3f\n", d.Seconds())
	}
	for p, c := range v.Files {
		files[p] = c
	}
	return files
}

// hostsAndUsers adds to files the world's /etc/hosts (the machine's, the
// aliases, the variant's names) and its accounts (the machine's, and
// Options.User).
func (w *World) hostsAndUsers(files map[string]string) error {
	hosts, _ := os.ReadFile("/etc/hosts")
	var hb strings.Builder
	hb.Write(hosts)
	for _, name := range w.o.HostAliases {
		fmt.Fprintf(&hb, "%s\t%s\n", w.HostIP, name)
	}
	for _, name := range slices.Sorted(maps.Keys(w.v.Hosts)) {
		fmt.Fprintf(&hb, "%s\t%s\n", w.v.Hosts[name], name)
	}
	files["/etc/hosts"] = hb.String()
	for f, line := range map[string]string{
		"/etc/passwd": fmt.Sprintf("%s:x:%d:%d::/home/%s:/bin/bash\n", w.o.User, UserID, UserID, w.o.User),
		"/etc/group":  fmt.Sprintf("%s:x:%d:\n", w.o.User, UserID),
		// "*": no password, not locked (sshd refuses a locked account).
		"/etc/shadow": w.o.User + ":*:19000:0:99999:7:::\n",
	} {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if w.o.User != "" {
			b = append(b, line...)
		}
		files[f] = string(b)
	}
	return nil
}

// writeNS7 writes the stub commands and the files of special shapes
// (sparse, many), and closes NS7's secrets directory to all but root.
func (w *World) writeNS7() error {
	v := w.v
	for p, c := range stubs {
		mode := os.FileMode(0o755)
		switch stubState(v, p) {
		case "missing":
			continue
		case "refused":
			mode = 0o644
		}
		if err := w.writeFile("/"+p, []byte(c), mode); err != nil {
			return err
		}
	}
	if err := w.wrapSlowReal(); err != nil {
		return err
	}
	// Stubs run as any user leave their marks.
	if up, _ := upper(w.Dir, "/var/lib/ns7world/marks"); exists(up) {
		if err := os.Chmod(up, 0o1777); err != nil {
			return err
		}
	}
	if up, _ := upper(w.Dir, "/var/lib/nethserver/secrets"); exists(up) {
		if err := os.Chmod(up, 0o700); err != nil {
			return err
		}
	}
	for p, size := range v.Sparse {
		up, _ := upper(w.Dir, p)
		if err := os.MkdirAll(filepath.Dir(up), 0o755); err != nil {
			return err
		}
		f, err := os.Create(up)
		if err != nil {
			return err
		}
		err = f.Truncate(size)
		f.Close()
		if err != nil {
			return err
		}
	}
	for dir, n := range v.Many {
		up, _ := upper(w.Dir, dir)
		for i := 0; i < n; i++ {
			sub := filepath.Join(up, fmt.Sprintf("%03d", i/1000))
			if i%1000 == 0 {
				if err := os.MkdirAll(sub, 0o755); err != nil {
					return err
				}
			}
			if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("rec-%06d.wav", i)), []byte("RIFF"), 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeKeys writes root's authorized keys and the other user's.
func (w *World) writeKeys() error {
	if err := os.WriteFile(filepath.Join(w.Dir, "authorized_keys.root"), []byte(strings.Join(w.o.AuthorizedKeys, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(w.Dir, "user_keys"), []byte(strings.Join(w.o.UserKeys, "\n")+"\n"), 0o600)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// stubState says whether the variant leaves a stub out ("missing") or
// makes it not executable ("refused"), by the program's name.
func stubState(v Variant, stub string) string {
	name := filepath.Base(stub)
	for _, m := range v.Missing {
		if m == name {
			return "missing"
		}
	}
	for _, r := range v.Refused {
		if r == name {
			return "refused"
		}
	}
	return ""
}

// wrapSlowReal makes a real command the variant slows down (du: a huge
// spool on a cold cache) sleep first: a wrapper at its path runs
// stub_enter, then a copy of the machine's own binary.
func (w *World) wrapSlowReal() error {
	for name := range w.v.Slow {
		if _, stub := stubs["usr/bin/"+name]; stub {
			continue
		}
		real := "/usr/bin/" + name
		bin, err := os.ReadFile(real)
		if err != nil {
			continue // a stub of another directory, or no such command
		}
		if err := w.writeFile("/var/lib/ns7world/real/"+name, bin, 0o755); err != nil {
			return err
		}
		wrapper := fmt.Sprintf("#!/bin/sh\n. /var/lib/ns7world/lib.sh\nstub_enter %s\nexec /var/lib/ns7world/real/%s \"$@\"\n", name, name)
		if err := w.writeFile(real, []byte(wrapper), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// newHostKey generates an ed25519 host key (a new one at every call).
func (w *World) newHostKey() error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	block, err := ssh.MarshalPrivateKey(priv, "ns7world")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(w.Dir, "host_ed25519"), pem.EncodeToMemory(block), 0o600); err != nil {
		return err
	}
	spub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return err
	}
	w.Fingerprint = ssh.FingerprintSHA256(spub)
	return nil
}

func (w *World) sshdConfig() string {
	pw := "no"
	if w.o.RootPassword != "" {
		pw = "yes"
	}
	extra := ""
	if w.o.MaxSessions > 0 {
		extra = fmt.Sprintf("MaxSessions %d\n", w.o.MaxSessions)
	}
	return extra + fmt.Sprintf(`ListenAddress %s:%d
HostKey %s
PermitRootLogin yes
AuthorizedKeysFile %s
PubkeyAuthentication yes
PasswordAuthentication %s
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel VERBOSE
PidFile none
`, w.IP, w.Port, filepath.Join(w.Dir, "host_ed25519"), filepath.Join(w.Dir, "authorized_keys.%u")+" .ssh/authorized_keys", pw)
}

// start runs sshd in the namespaces; it returns once sshd listens.
func (w *World) start() error {
	cfg := filepath.Join(w.Dir, "sshd_config")
	if err := os.WriteFile(cfg, []byte(w.sshdConfig()), 0o600); err != nil {
		return err
	}
	var sc strings.Builder
	// root's home is NS7's own (an empty tmpfs): the machine's dotfiles
	// must neither run in NS7's sessions nor be touched by them.
	sc.WriteString("set -e\nmount -t tmpfs tmpfs /run\nmkdir -p /run/sshd\nmount -t tmpfs -o mode=0700 tmpfs /root\n")
	for _, o := range overlays {
		base := filepath.Join(w.Dir, "ovl", strings.ReplaceAll(strings.Trim(o, "/"), "/", "-"))
		fmt.Fprintf(&sc, "mount -t overlay overlay -o lowerdir=%s,upperdir=%s/up,workdir=%s/work %s\n", o, base, base, o)
	}
	for _, p := range slices.Sorted(maps.Keys(w.o.Binds)) {
		fmt.Fprintf(&sc, "mkdir -p %s && mount --bind -o ro %s %s\n", p, w.o.Binds[p], p)
	}
	if w.db != nil { // NS7's root reads its MariaDB password from /root/.my.cnf
		fmt.Fprintf(&sc, "cp %s /root/.my.cnf\n", w.db.cnf)
	}
	sc.WriteString(`if [ -n "$NS7WORLD_ROOT_PASSWORD" ]; then echo "root:$NS7WORLD_ROOT_PASSWORD" | chpasswd; fi` + "\n")
	if u := w.o.User; u != "" {
		// The user's home, its own: a tmpfs of this namespace.
		home := "/home/" + u
		fmt.Fprintf(&sc, "mount -t tmpfs -o mode=0755 tmpfs /home\nmkdir -p %[1]s\nchown %[2]d:%[2]d %[1]s\n", home, UserID)
		if len(w.o.UserKeys) > 0 {
			fmt.Fprintf(&sc, "install -d -m 700 -o %[2]d -g %[2]d %[1]s/.ssh\ninstall -m 600 -o %[2]d -g %[2]d %[3]s %[1]s/.ssh/authorized_keys\n",
				home, UserID, filepath.Join(w.Dir, "user_keys"))
		}
	}
	fmt.Fprintf(&sc, "exec /usr/sbin/sshd -D -e -f %s -E %s\n", cfg, filepath.Join(w.Dir, "sshd.log"))
	listening := strings.Count(w.Log(), "Server listening on") // the log goes on across restarts
	cmd := exec.Command("ip", "netns", "exec", w.Name, "unshare", "--mount", "--propagation", "private", "sh", "-c", sc.String())
	cmd.Env = append(os.Environ(), "NS7WORLD_ROOT_PASSWORD="+w.o.RootPassword)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	w.mu.Lock()
	w.cmd, w.done = cmd, done
	w.mu.Unlock()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Count(w.Log(), "Server listening on") > listening {
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("sshd exited: %s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("sshd did not start listening within 10s: %s", out.String())
}

// Addr is NS7's address for SSH.
func (w *World) Addr() string { return net.JoinHostPort(w.IP, strconv.Itoa(w.Port)) }

// Log is sshd's log (LogLevel VERBOSE).
func (w *World) Log() string {
	b, _ := os.ReadFile(filepath.Join(w.Dir, "sshd.log"))
	return string(b)
}

// Connections counts the TCP connections sshd accepted.
func (w *World) Connections() int { return strings.Count(w.Log(), "Connection from ") }

// Sessions counts the sessions (commands) sshd started.
func (w *World) Sessions() int { return strings.Count(w.Log(), "Starting session: ") }

// Marked reports whether a stub (rpm, yum, mysql, ...) has started.
func (w *World) Marked(stub string) bool {
	_, err := os.Stat(w.FixturePath("/var/lib/ns7world/marks/" + stub))
	return err == nil
}

// WaitMarked waits until a stub has started.
func (w *World) WaitMarked(ctx context.Context, stub string) error {
	for !w.Marked(stub) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s never started: %w", stub, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

// pids are the processes in the world's network namespace.
func (w *World) pids() []int {
	out, _ := exec.Command("ip", "netns", "pids", w.Name).Output()
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if n, err := strconv.Atoi(f); err == nil {
			pids = append(pids, n)
		}
	}
	return pids
}

// Load is the world's share of NS7's load at this moment: its processes
// (sshd and everything it runs) and those of them running or waiting for
// the disk (R or D: what the load average counts).
func (w *World) Load() (procs, active int) {
	for _, p := range w.pids() {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		procs++
		// The state follows the command name in parentheses.
		if i := bytes.LastIndexByte(raw, ')'); i > 0 && i+2 < len(raw) && (raw[i+2] == 'R' || raw[i+2] == 'D') {
			active++
		}
	}
	return procs, active
}

// Kill kills sshd and every process of the world at once (SIGKILL, by id):
// connections drop without a goodbye, as when NS7 crashes.
func (w *World) Kill() {
	for _, p := range w.pids() {
		syscall.Kill(p, syscall.SIGKILL)
	}
	w.mu.Lock()
	cmd, done := w.cmd, w.done
	w.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
		}
	}
}

// Restart stops sshd and starts it again, with a new host key if asked
// (NS7 reinstalled, or someone in between).
func (w *World) Restart(newKey bool) {
	w.t.Helper()
	w.Kill()
	if newKey {
		if err := w.newHostKey(); err != nil {
			w.t.Fatal(err)
		}
	}
	if err := w.start(); err != nil {
		w.t.Fatalf("ns7world: restart: %v", err)
	}
}

// Silence makes NS7 drop every packet silently (a blackhole route for this
// side's address): connects hang until their deadline.
func (w *World) Silence() {
	w.t.Helper()
	if err := run("ip", "netns", "exec", w.Name, "ip", "route", "add", "blackhole", w.HostIP+"/32"); err != nil {
		w.t.Fatal(err)
	}
}

// Throttle limits what NS7 sends to rate (tc tbf syntax, e.g. "4mbit").
func (w *World) Throttle(rate string) {
	w.t.Helper()
	if err := run("ip", "netns", "exec", w.Name, "tc", "qdisc", "add", "dev", w.nsVeth, "root", "tbf", "rate", rate, "burst", "32kbit", "latency", "400ms"); err != nil {
		w.t.Fatal(err)
	}
}

func (w *World) cleanup() {
	w.Kill()
	run("ip", "netns", "del", w.Name)
	run("ip", "link", "del", w.hostVeth) // gone with the namespace, normally
}

// Exec runs a shell command as root inside NS7 (its mount and network
// namespaces: the overlays, the user's home), as an admin at NS7's console
// would, and returns its combined output.
func (w *World) Exec(command string) (string, error) {
	w.mu.Lock()
	cmd := w.cmd
	w.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return "", fmt.Errorf("the world is not running")
	}
	// sshd is the process started (ip netns exec, unshare and sh exec it).
	out, err := exec.Command("nsenter", "-t", strconv.Itoa(cmd.Process.Pid), "-m", "-n", "--", "sh", "-c", command).CombinedOutput()
	return string(out), err
}

// AddRoute adds a route to NS7's main table, through this side's address.
func (w *World) AddRoute(cidr string) {
	w.t.Helper()
	if err := run("ip", "netns", "exec", w.Name, "ip", "route", "add", cidr, "via", w.HostIP); err != nil {
		w.t.Fatal(err)
	}
}
