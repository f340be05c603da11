// Package dnsworld starts, for end-to-end tests and benchmarks, a small
// real DNS world on loopback addresses of its own (127.53.<slot>.x, port
// 53, as the product asks authoritative servers on port 53):
//
//   - two authoritative servers, NS1 and NS2: unbound processes serving
//     zone files (auth-zone, for-downstream: answers carry the AA flag,
//     referrals carry glue), each with its own copy of the zones so that a
//     test can change one and not the other;
//   - a caching recursive resolver, Resolver: an unbound process whose only
//     way out is a stub zone "test." to NS1 and NS2 (every other name is
//     REFUSED, no root hints are used, no DNSSEC), so that no query ever
//     leaves the addresses the world created;
//   - Internal: a resolver of an internal network (an AD DNS, a LAN
//     resolver without upstream): an unbound process that serves
//     example.test itself (the same zone file as NS1) and whose only root
//     server is Silent, so that asked about "test." or "." it stays silent
//     until the client gives up;
//   - Silent: a UDP socket and a TCP listener on port 53 that take
//     datagrams and connections and never answer;
//   - Dead: an address where nothing listens (connection refused).
//
// The zones (see Zone* and the names below) cover correct records, a wrong
// address, no record (NXDOMAIN, NODATA), SERVFAIL (broken.test: the
// resolver gets REFUSED from the only server of the zone), a CNAME chain,
// a CNAME loop, a dangling CNAME, an AAAA to elsewhere, a long TTL, a zone
// with a silent server, and a record that Set changes on the authoritative
// servers while the resolver still caches the old one.
//
// Why unbound for the authoritative servers too: BIND's named listens only
// on addresses configured on an interface, so it would need addresses
// added to the host's loopback interface (and a named started by Debian's
// package would grab them too); unbound binds the addresses it is given,
// and its auth-zone serves zone files as an authoritative server does.
//
// Slots (a file lock per slot) let test binaries of several packages run
// worlds at the same time.
package dnsworld

import (
	"bytes"
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

	"github.com/miekg/dns"
)

// UnboundBin is the unbound executable (Debian package unbound).
var UnboundBin = "unbound"

// Addresses the zones point names to.
const (
	NodeAddr  = "198.51.100.10" // the NS8 node: the harness's proxy public address
	Node2Addr = "198.51.100.20"
	NS7Addr   = "203.0.113.7" // elsewhere: the NS7 host
	OtherV6   = "2001:db8::7" // an IPv6 address of no node
)

// Names of the world, all in zone example.test unless said otherwise.
const (
	Leader   = "leader.example.test"   // A NodeAddr: node 1's VPN endpoint in the harness cluster
	Voice    = "voice.example.test"    // A NodeAddr, TTL 300
	CTI      = "cti.example.test"      // A NodeAddr
	Proxy    = "proxy.example.test"    // A NodeAddr
	Mail     = "mail.example.test"     // A NodeAddr; a host of traefik1 in the harness cluster
	Wrong    = "wrong.example.test"    // A NS7Addr
	Missing  = "new.example.test"      // NXDOMAIN
	Empty    = "empty.example.test"    // TXT only: NODATA for A
	Alias    = "alias.example.test"    // CNAME alias2 -> CNAME voice
	Loop     = "loop1.example.test"    // CNAME loop2 -> CNAME loop1
	Dangling = "dangling.example.test" // CNAME nowhere.example.test (NXDOMAIN)
	V6       = "v6.example.test"       // A NodeAddr, AAAA OtherV6
	LongTTL  = "longttl.example.test"  // A NodeAddr, TTL 86400
	Moved    = "moved.example.test"    // A NS7Addr until Set changes it
	Branch   = "x.branch.example.test" // zone branch.example.test: NS ns1 (answers) and ns3 (Silent)
	Broken   = "x.broken.test"         // zone broken.test: its server refuses; resolvers answer SERVFAIL
)

// World is a running DNS world.
type World struct {
	Slot     int
	NS1, NS2 string // authoritative servers (port 53)
	Resolver string // caching resolver (port 53)
	Internal string // answers example.test, never its parents (port 53)
	Silent   string // never answers on port 53
	Dead     string // nothing listens on port 53

	tb     testing.TB
	dir    string
	lock   *os.File
	mu     sync.Mutex
	serial int
	zones  map[int]map[string][]rr // per server (1, 2): zone -> records
	auth   map[int]*proc
	res    *proc
	intern *proc
	silent []interface{ Close() error }
}

type rr struct {
	name, typ, data string
	ttl             int
}

type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

const maxSlots = 16

// Start starts a world and stops it when the test ends. It needs root (port
// 53) and unbound: without them it skips, unless CI is set, where it fails.
func Start(tb testing.TB) *World {
	tb.Helper()
	need := func(format string, args ...any) {
		tb.Helper()
		if os.Getenv("CI") != "" {
			tb.Fatalf("dnsworld: "+format, args...)
		}
		tb.Skipf("dnsworld: "+format, args...)
	}
	if os.Geteuid() != 0 {
		need("needs root: the authoritative servers listen on port 53")
	}
	if _, err := exec.LookPath(UnboundBin); err != nil {
		need("%s not found (tests/run.sh installs the unbound package): %v", UnboundBin, err)
	}
	w := &World{tb: tb, dir: tb.TempDir(), serial: 1, auth: map[int]*proc{}, zones: map[int]map[string][]rr{}}
	if err := w.takeSlot(); err != nil {
		tb.Fatalf("dnsworld: %v", err)
	}
	tb.Cleanup(w.stop)
	base := fmt.Sprintf("127.53.%d.", w.Slot)
	w.NS1, w.NS2, w.Resolver, w.Silent, w.Dead, w.Internal = base+"1", base+"2", base+"53", base+"9", base+"8", base+"54"
	if err := w.startSilent(); err != nil {
		tb.Fatalf("dnsworld: silent server: %v", err)
	}
	for _, n := range []int{1, 2} {
		w.zones[n] = w.initialZones()
		if err := w.writeZones(n); err != nil {
			tb.Fatal(err)
		}
		p, err := w.startUnbound(fmt.Sprintf("auth%d", n), w.authConfig(n))
		if err != nil {
			tb.Fatalf("dnsworld: %v", err)
		}
		w.auth[n] = p
	}
	p, err := w.startUnbound("resolver", w.resolverConfig())
	if err != nil {
		tb.Fatalf("dnsworld: %v", err)
	}
	w.res = p
	if w.intern, err = w.startUnbound("internal", w.internalConfig()); err != nil {
		tb.Fatalf("dnsworld: %v", err)
	}
	for _, s := range []struct {
		addr string
		rd   bool
	}{{w.NS1, false}, {w.NS2, false}, {w.Resolver, true}, {w.Internal, true}} {
		if err := waitAnswer(s.addr, "example.test", dns.TypeSOA, s.rd, "", 10*time.Second); err != nil {
			tb.Fatalf("dnsworld: %s does not answer: %v\n%s", s.addr, err, w.logs())
		}
	}
	return w
}

// takeSlot locks the first free slot: worlds of concurrent test binaries
// get distinct addresses.
func (w *World) takeSlot() error {
	for i := 0; i < maxSlots; i++ {
		path := filepath.Join(os.TempDir(), fmt.Sprintf("nethvoice-preflight-dnsworld-%d.lock", i))
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			continue
		}
		w.Slot, w.lock = i, f
		return nil
	}
	return errors.New("no free slot: 16 worlds already run")
}

func (w *World) startSilent() error {
	pc, err := net.ListenPacket("udp", net.JoinHostPort(w.Silent, "53"))
	if err != nil {
		return err
	}
	w.silent = append(w.silent, pc)
	// A listener never accepted from: the kernel completes the handshake,
	// the client waits for an answer that never comes.
	l, err := net.Listen("tcp", net.JoinHostPort(w.Silent, "53"))
	if err != nil {
		return err
	}
	w.silent = append(w.silent, l)
	return nil
}

// initialZones returns the zones of one authoritative server.
func (w *World) initialZones() map[string][]rr {
	a := func(name, typ, data string) rr { return rr{name: name, typ: typ, data: data, ttl: 300} }
	return map[string][]rr{
		"test": {
			a("test.", "NS", "ns1.example.test."), a("test.", "NS", "ns2.example.test."),
			a("example.test.", "NS", "ns1.example.test."), a("example.test.", "NS", "ns2.example.test."),
			a("ns1.example.test.", "A", w.NS1), a("ns2.example.test.", "A", w.NS2),
			a("broken.test.", "NS", "ns.broken.test."), a("ns.broken.test.", "A", w.NS1),
		},
		"example.test": {
			a("example.test.", "NS", "ns1.example.test."), a("example.test.", "NS", "ns2.example.test."),
			a("ns1.example.test.", "A", w.NS1), a("ns2.example.test.", "A", w.NS2),
			a(Leader+".", "A", NodeAddr), a("node2.example.test.", "A", Node2Addr),
			a(Voice+".", "A", NodeAddr), a(CTI+".", "A", NodeAddr), a(Proxy+".", "A", NodeAddr),
			a(Mail+".", "A", NodeAddr), a(Wrong+".", "A", NS7Addr),
			a(Empty+".", "TXT", `"no address here"`),
			a(Alias+".", "CNAME", "alias2.example.test."), a("alias2.example.test.", "CNAME", Voice+"."),
			a(Loop+".", "CNAME", "loop2.example.test."), a("loop2.example.test.", "CNAME", Loop+"."),
			a(Dangling+".", "CNAME", "nowhere.example.test."),
			a(V6+".", "A", NodeAddr), a(V6+".", "AAAA", OtherV6),
			{name: LongTTL + ".", typ: "A", data: NodeAddr, ttl: 86400},
			a(Moved+".", "A", NS7Addr),
			a("branch.example.test.", "NS", "ns1.branch.example.test."), a("branch.example.test.", "NS", "ns3.branch.example.test."),
			a("ns1.branch.example.test.", "A", w.NS1), a("ns3.branch.example.test.", "A", w.Silent),
		},
		"branch.example.test": {
			a("branch.example.test.", "NS", "ns1.branch.example.test."), a("branch.example.test.", "NS", "ns3.branch.example.test."),
			a("ns1.branch.example.test.", "A", w.NS1), a("ns3.branch.example.test.", "A", w.Silent),
			a(Branch+".", "A", NodeAddr),
		},
	}
}

// servedBy lists the zones server n serves: NS2 does not serve
// branch.example.test (it refers to it, as a parent does).
func servedBy(n int) []string {
	if n == 1 {
		return []string{"test", "example.test", "branch.example.test"}
	}
	return []string{"test", "example.test"}
}

func (w *World) zoneFile(n int, zone string) string {
	return filepath.Join(w.dir, fmt.Sprintf("auth%d-%s.zone", n, zone))
}

func (w *World) writeZones(n int) error {
	for _, zone := range servedBy(n) {
		var b bytes.Buffer
		fmt.Fprintf(&b, "$ORIGIN %s.\n$TTL 300\n", zone)
		fmt.Fprintf(&b, "@ 300 IN SOA ns1.example.test. hostmaster.example.test. %d 600 300 86400 300\n", w.serial)
		for _, r := range w.zones[n][zone] {
			fmt.Fprintf(&b, "%s %d IN %s %s\n", r.name, r.ttl, r.typ, r.data)
		}
		tmp := w.zoneFile(n, zone) + ".tmp"
		if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, w.zoneFile(n, zone)); err != nil {
			return err
		}
	}
	return nil
}

// common is the part of every unbound configuration that keeps it on its
// own: no daemon, no privileges dropped, no chroot, logs in the world's
// directory, no DNSSEC, no IPv6, only loopback clients; small caches, so
// that it starts in a tenth of a second.
func (w *World) common(name, iface string) string {
	return w.commonBase(name, iface) + `  local-zone: "." refuse
  local-zone: "test." transparent
`
}

// commonBase is common without the local zones that keep a server from
// recursing outside test.
func (w *World) commonBase(name, iface string) string {
	return fmt.Sprintf(`server:
  interface: %[2]s
  port: 53
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "%[1]s"
  pidfile: ""
  use-syslog: no
  logfile: "%[1]s/%[3]s.log"
  log-time-ascii: yes
  verbosity: 1
  num-threads: 1
  so-reuseport: no
  outgoing-range: 64
  msg-cache-size: 1m
  rrset-cache-size: 1m
  key-cache-size: 1m
  neg-cache-size: 1m
  infra-cache-numhosts: 100
  module-config: "iterator"
  do-ip6: no
  interface-automatic: no
  access-control: 127.0.0.0/8 allow
  qname-minimisation: no
  minimal-responses: no
remote-control:
  control-enable: no
server:
`, w.dir, iface, name)
}

func (w *World) authConfig(n int) string {
	addr := w.NS1
	if n == 2 {
		addr = w.NS2
	}
	var b strings.Builder
	b.WriteString(w.common(fmt.Sprintf("auth%d", n), addr))
	// An authoritative server never asks anyone.
	b.WriteString("server:\n  do-not-query-address: 0.0.0.0/0\n  local-zone: \"broken.test.\" refuse\n")
	for _, zone := range servedBy(n) {
		fmt.Fprintf(&b, "auth-zone:\n  name: %q\n  zonefile: %q\n  for-downstream: yes\n  for-upstream: no\n  fallback-enabled: no\n", zone, w.zoneFile(n, zone))
	}
	return b.String()
}

func (w *World) resolverConfig() string {
	var b strings.Builder
	b.WriteString(w.common("resolver", w.Resolver))
	fmt.Fprintf(&b, "server:\n  do-not-query-localhost: no\n  outgoing-interface: %s\n  prefetch: no\n  serve-expired: no\n  cache-min-ttl: 0\n", w.Resolver)
	fmt.Fprintf(&b, "stub-zone:\n  name: \"test.\"\n  stub-addr: %s@53\n  stub-addr: %s@53\n  stub-prime: no\n", w.NS1, w.NS2)
	return b.String()
}

// internalConfig is Internal's: example.test from NS1's zone file, served
// to its clients and used for its own lookups; everything else is
// recursed from a root that is the Silent server.
func (w *World) internalConfig() string {
	hints := filepath.Join(w.dir, "internal-root.hints")
	_ = os.WriteFile(hints, []byte(fmt.Sprintf(". 3600000 IN NS a.root.internal.\na.root.internal. 3600000 IN A %s\n", w.Silent)), 0o644)
	var b strings.Builder
	b.WriteString(w.commonBase("internal", w.Internal))
	// test. is one of unbound's default local zones (RFC 6761 names): made
	// transparent, it is recursed like any name.
	fmt.Fprintf(&b, "  local-zone: \"test.\" transparent\n  do-not-query-localhost: no\n  outgoing-interface: %s\n  root-hints: %q\n  prefetch: no\n  serve-expired: no\n", w.Internal, hints)
	fmt.Fprintf(&b, "auth-zone:\n  name: \"example.test\"\n  zonefile: %q\n  for-downstream: yes\n  for-upstream: yes\n  fallback-enabled: no\n", w.zoneFile(1, "example.test"))
	return b.String()
}

func (w *World) startUnbound(name, conf string) (*proc, error) {
	path := filepath.Join(w.dir, name+".conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	p := &proc{name: name, log: filepath.Join(w.dir, name+".log"), done: make(chan struct{})}
	console, err := os.Create(filepath.Join(w.dir, name+".console"))
	if err != nil {
		return nil, err
	}
	defer console.Close()
	p.cmd = exec.Command(UnboundBin, "-d", "-c", path)
	p.cmd.Stdout, p.cmd.Stderr = console, console
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	return p, nil
}

// stop ends every process the world started, by its own pid.
func (w *World) stop() {
	procs := []*proc{w.res, w.intern, w.auth[1], w.auth[2]}
	for _, p := range procs {
		if p != nil && p.cmd.Process != nil {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for _, p := range procs {
		if p == nil {
			continue
		}
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	}
	for _, s := range w.silent {
		s.Close()
	}
	if w.tb.Failed() {
		w.tb.Logf("dnsworld logs:\n%s", w.logs())
	}
	if w.lock != nil {
		w.lock.Close() // releases the slot
	}
}

func (w *World) logs() string {
	var b strings.Builder
	for _, n := range []string{"auth1", "auth2", "resolver", "internal"} {
		for _, ext := range []string{".console", ".log"} {
			raw, _ := os.ReadFile(filepath.Join(w.dir, n+ext))
			if len(raw) > 4000 {
				raw = raw[len(raw)-4000:]
			}
			if len(raw) > 0 {
				fmt.Fprintf(&b, "--- %s%s\n%s\n", n, ext, raw)
			}
		}
	}
	return b.String()
}

// Set replaces the records of name and type in example.test on both
// authoritative servers (a new serial, then a reload) and waits until both
// serve the new data. The resolver's cache is left alone: what it cached
// stays until its TTL runs out, as on the Internet.
func (w *World) Set(tb testing.TB, name, typ, data string) {
	tb.Helper()
	w.SetOn(tb, []int{1, 2}, name, typ, data)
}

// SetOn is Set on some of the authoritative servers only (1: NS1, 2: NS2),
// as when a secondary has not transferred the zone yet.
func (w *World) SetOn(tb testing.TB, servers []int, name, typ, data string) {
	tb.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.serial++
	fqdn := dns.Fqdn(name)
	for _, n := range servers {
		var out []rr
		ttl := 300
		for _, r := range w.zones[n]["example.test"] {
			if r.name == fqdn && r.typ == typ {
				ttl = r.ttl
				continue
			}
			out = append(out, r)
		}
		w.zones[n]["example.test"] = append(out, rr{name: fqdn, typ: typ, data: data, ttl: ttl})
		if err := w.writeZones(n); err != nil {
			tb.Fatal(err)
		}
		// SIGHUP makes unbound read its configuration and zone files again.
		if err := w.auth[n].cmd.Process.Signal(syscall.SIGHUP); err != nil {
			tb.Fatal(err)
		}
		addr := w.NS1
		if n == 2 {
			addr = w.NS2
		}
		if err := waitAnswer(addr, name, dns.StringToType[typ], false, data, 10*time.Second); err != nil {
			tb.Fatalf("dnsworld: %s does not serve the change of %s: %v\n%s", addr, name, err, w.logs())
		}
		// Internal serves NS1's zone file as its own zone.
		if n == 1 && w.intern != nil {
			if err := w.intern.cmd.Process.Signal(syscall.SIGHUP); err != nil {
				tb.Fatal(err)
			}
			if err := waitAnswer(w.Internal, name, dns.StringToType[typ], true, data, 10*time.Second); err != nil {
				tb.Fatalf("dnsworld: %s does not serve the change of %s: %v\n%s", w.Internal, name, err, w.logs())
			}
		}
	}
}

// Warm asks the resolver for name, so that it caches the answer, and
// returns the answer's records.
func (w *World) Warm(tb testing.TB, name, typ string) []dns.RR {
	tb.Helper()
	r, err := Ask(w.Resolver, name, dns.StringToType[typ], true)
	if err != nil {
		tb.Fatalf("dnsworld: warm %s %s: %v", name, typ, err)
	}
	return r.Answer
}

// Ask sends one question to addr (port 53) and returns the answer.
func Ask(addr, name string, qtype uint16, rd bool) (*dns.Msg, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	m.RecursionDesired = rd
	// 5 s: a resolver with a cold cache may try branch.example.test's
	// silent server first and wait out its own retry timers before the
	// answering one (seen under load on 2 cores).
	c := &dns.Client{Timeout: 5 * time.Second}
	r, _, err := c.Exchange(m, net.JoinHostPort(addr, "53"))
	return r, err
}

// waitAnswer waits until addr answers the question (with want among the
// answer's data, when want is set).
func waitAnswer(addr, name string, qtype uint16, rd bool, want string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		r, err := Ask(addr, name, qtype, rd)
		switch {
		case err != nil:
			last = err
		case r.Rcode != dns.RcodeSuccess:
			last = fmt.Errorf("rcode %s", dns.RcodeToString[r.Rcode])
		case want == "":
			return nil
		default:
			for _, a := range r.Answer {
				if strings.Contains(a.String(), strings.TrimSuffix(want, ".")) {
					return nil
				}
			}
			last = fmt.Errorf("answer %v has no %s", r.Answer, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return last
}

// Port53 is host:53 of an address of the world.
func Port53(addr string) string { return net.JoinHostPort(addr, strconv.Itoa(53)) }
