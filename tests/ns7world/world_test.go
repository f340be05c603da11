package ns7world

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/demo"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
)

func clientKey(t *testing.T) (ssh.Signer, string) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey())))
}

// The world answers the real collector as NS7 would: every command of the
// batch answers, through one connection, and nothing is left running.
func TestHealthyWorldAnswersTheProbe(t *testing.T) {
	signer, pub := clientKey(t)
	w := Start(t, Healthy(), Options{AuthorizedKeys: []string{pub}})
	target := ns7.Target{Host: w.IP, Port: w.Port, User: "root", Signer: signer,
		KnownHosts: filepath.Join(t.TempDir(), "known_hosts"), Timeout: 5 * time.Second}
	f, err := ns7.Probe(context.Background(), target, ns7.Plan{LeaderHost: w.HostIP, FQDNs: []string{"voice.example.org"}}, ns7.DefaultOptions(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(f)
	// Not OK by design: rpm -q exits with the number of packages missing
	// (asterisk13-core), is-active 3 when a unit is inactive (wg-quick@ns8),
	// no WireGuard interface, nothing on the leader's 443, an FQDN that
	// does not resolve.
	notOK := map[string]bool{ns7.CmdPackages: true, ns7.CmdServices: true, ns7.CmdWG: true, ns7.CmdLeaderTCP: true, ns7.CmdFQDN + "0": true}
	for _, r := range f.Commands {
		if (r.Status == ns7.StatusOK) == notOK[r.ID] {
			t.Errorf("%s: %s exit %d", r.ID, r.Status, r.Exit)
		}
	}
	if f.Release != "7.9.2009" || f.HostKey.Fingerprint != w.Fingerprint || w.Connections() != 1 {
		t.Errorf("release %q key %s/%s connections %d", f.Release, f.HostKey.Fingerprint, w.Fingerprint, w.Connections())
	}
	if strings.Contains(string(raw), BindPasswordCanary) {
		t.Error("bind password in the facts")
	}
}

// The demo answers the probe as the NS7 world does: the same sample (the
// demo's own NS7, with pending updates, a site AGI script, an unsupported
// gateway) probed through the world's real sshd, shell and stub commands
// and through the demo's in-process SSH server gives the same commands'
// outcomes and the same parsed facts. Left out: what depends on the
// machine rather than the sample (the TCP connect to the leader's 443, the
// filesystem df measures, the directories' own sizes du adds, the clock).
func TestDemoAnswersAsTheWorld(t *testing.T) {
	signer, pub := clientKey(t)
	v := demo.SampleNS7()
	// The demo's inventory answers are Go; the world's are NS7's tables on
	// a real MariaDB: the same facts prove the queries and the sample agree.
	w := Start(t, v, Options{AuthorizedKeys: []string{pub}, MariaDB: true})
	plan := ns7.Plan{LeaderHost: "leader.example.test", FQDNs: []string{"voice.example.test", "cti.example.test", "nowhere.example.test"}}
	probe := func(host string, port int) *ns7.Facts {
		target := ns7.Target{Host: host, Port: port, User: "root", Signer: signer,
			KnownHosts: filepath.Join(t.TempDir(), "known_hosts"), Timeout: 5 * time.Second}
		f, err := ns7.Probe(context.Background(), target, plan, ns7.DefaultOptions(5*time.Second))
		if err != nil || !f.Connected {
			t.Fatalf("%s: %v %+v", host, err, f)
		}
		return f
	}
	world := probe(w.IP, w.Port)

	_, key, _ := ed25519.GenerateKey(rand.Reader)
	hostKey, _ := ssh.NewSignerFromKey(key)
	authorized, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(pub))
	addr, stop, err := demo.ServeNS7(v, hostKey, authorized)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	sample := probe(host, p)

	machine := map[string]bool{ns7.CmdLeaderTCP: true}
	for i, r := range world.Commands {
		d := sample.Commands[i]
		if r.ID != d.ID || !machine[r.ID] && (r.Status != d.Status || r.Exit != d.Exit) {
			t.Errorf("command %s: the world %s/%d, the demo %s %s/%d", r.ID, r.Status, r.Exit, d.ID, d.Status, d.Exit)
		}
	}
	same := func(what string, a, b any) {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("%s differs:\nthe world %s\nthe demo  %s", what, ja, jb)
		}
	}
	same("release", world.ReleaseLine, sample.ReleaseLine)
	same("hostname, kernels", []any{world.Hostname, world.Kernel, world.Kernels}, []any{sample.Hostname, sample.Kernel, sample.Kernels})
	same("packages", world.Packages, sample.Packages)
	same("updates", world.Updates, sample.Updates)
	same("services", []any{world.Services, world.Cockpit9090}, []any{sample.Services, sample.Cockpit9090})
	same("account provider", world.Provider, sample.Provider)
	same("configuration", []any{world.Config, world.TimeZone, world.DomainName}, []any{sample.Config, sample.TimeZone, sample.DomainName})
	same("inventory", []any{world.Devices, world.Gateways, world.Trunks, world.NAT, world.TancrediHost, world.Extensions, world.LegacyPhones},
		[]any{sample.Devices, sample.Gateways, sample.Trunks, sample.NAT, sample.TancrediHost, sample.Extensions, sample.LegacyPhones})
	same("customizations", []any{world.CustomConf, world.CustomAGI, world.CustomerCards}, []any{sample.CustomConf, sample.CustomAGI, sample.CustomerCards})
	same("names", []any{world.LeaderAddrs, world.FQDNs}, []any{sample.LeaderAddrs, sample.FQDNs})
	same("databases", world.Data.Databases, sample.Data.Databases)
	same("handshakes", world.Handshakes, sample.Handshakes)
	var wp, sp []string
	for _, x := range world.Paths {
		wp = append(wp, x.Path)
	}
	for _, x := range sample.Paths {
		sp = append(sp, x.Path)
	}
	same("measured paths", wp, sp)
	if world.DumpSpace == nil || sample.DumpSpace == nil {
		t.Errorf("dump space: the world %v, the demo %v", world.DumpSpace, sample.DumpSpace)
	}
}
