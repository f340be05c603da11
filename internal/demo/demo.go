// Package demo is the built-in demonstration world behind the README's run
// command: an in-process Redis-protocol server (miniredis) seeded with a
// sample NS8 cluster, an in-process DNS server for the sample names, and an
// in-process SSH server that serves a sample NS7 (the same fixtures as the
// tests' NS7, package ns7sample), all on loopback. The node itself is
// really measured: the demo runs on this machine as if it were node 1. The
// module's state (settings, SSH key pair, the pinned NS7 host key) and the
// cluster keys the module writes last between calls in a per-user state
// directory (StateDir); "demo reset" removes it.
package demo

import (
	"fmt"
	"net"
	"net/netip"
	"path/filepath"

	"github.com/alicebob/miniredis/v2"
	"golang.org/x/crypto/ssh"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/dnsprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/sshkey"
)

// ModuleID and NodeID of the demonstration module.
const (
	ModuleID = "nethvoice-preflight1"
	NodeID   = "1"
)

// World is a running demonstration world.
type World struct {
	Redis *miniredis.Miniredis
	// Dir is the demo's state directory; StateDir the module's (AGENT_STATE_DIR).
	Dir, StateDir string
	DNS           string // address of the demonstration DNS server
	// AuthDNSNote says why the sample's name server is not on port 53
	// ("" when it is).
	AuthDNSNote string
	NS7         string // address of the sample NS7's SSH server
	stop        []func()
}

// Start starts the world on the state kept in dir (created on first use).
func Start(dir string) (*World, error) {
	if err := prepare(dir); err != nil {
		return nil, fmt.Errorf("state directory %s: %w", dir, err)
	}
	w := &World{Dir: dir, StateDir: filepath.Join(dir, moduleDir)}
	if err := w.start(); err != nil {
		w.stopAll()
		return nil, err
	}
	return w, nil
}

func (w *World) start() error {
	var err error
	if w.Redis, err = miniredis.Run(); err != nil { // listens on 127.0.0.1 only
		return err
	}
	w.stop = append(w.stop, w.Redis.Close)
	seed(w.Redis, lanAddress())
	var stopDNS func()
	if w.DNS, stopDNS, w.AuthDNSNote, err = startDNS(); err != nil {
		return err
	}
	w.stop = append(w.stop, stopDNS)
	// The module's key pair, as create-module makes it when NS8 installs
	// the module.
	if err := sshkey.Ensure(w.StateDir, ModuleID+"@node"+NodeID); err != nil {
		return err
	}
	if err := w.startNS7(); err != nil {
		return err
	}
	return w.configure()
}

// startNS7 serves the sample NS7 to the module's key, on the port of the
// last call when it is free (the host key is pinned for host and port).
func (w *World) startNS7() error {
	key, err := hostKey(filepath.Join(w.Dir, worldDir, ns7KeyFile))
	if err != nil {
		return err
	}
	pub, err := sshkey.PublicKey(w.StateDir)
	if err != nil {
		return err
	}
	authorized, _, _, _, err := ssh.ParseAuthorizedKey([]byte(pub))
	if err != nil {
		return err
	}
	at := []string{"127.0.0.1:0"}
	if env, err := agent.ReadEnvironment(w.StateDir); err == nil && env["NS7_HOST"] == "127.0.0.1" && env["NS7_PORT"] != "" {
		at = append([]string{net.JoinHostPort("127.0.0.1", env["NS7_PORT"])}, at...)
	}
	srv, err := startNS7(at, key, authorized, sampleNS7())
	if err != nil {
		return err
	}
	w.NS7 = srv.Addr().String()
	w.stop = append(w.stop, srv.Close)
	return nil
}

// firstSettings are the settings of a new demo state, as an administrator
// would store them with configure-module; the demo's own addresses
// (wiring) are set at every call.
var firstSettings = map[string]string{
	"MODULE_ID": ModuleID, "NODE_ID": NodeID,
	"NETHVOICE_FQDN": "voice.example.test", "CTI_FQDN": "cti.example.test",
	"EXPECTED_ADDRESSES": "198.51.100.10", "LDAP_DOMAIN": "voice.example.test", "TIMEOUT_S": "3",
}

// configure writes the settings: every name the demo looks up is answered
// by its own DNS server and NS7 is its own SSH server, so the demo never
// sends a packet off this machine, whatever was configured in it.
func (w *World) configure() error {
	env, err := agent.ReadEnvironment(w.StateDir)
	if err != nil {
		return err
	}
	set := map[string]*string{}
	if env["MODULE_ID"] == "" {
		for k, v := range firstSettings {
			set[k] = &v
		}
	}
	host, port, _ := net.SplitHostPort(w.NS7)
	for k, v := range map[string]string{"NS7_HOST": host, "NS7_PORT": port, "NS7_USER": "root", "RESOLVERS": w.DNS} {
		set[k] = &v
	}
	return agent.UpdateEnvironment(w.StateDir, set)
}

// Close stops the servers. What the module learns (reports, history,
// checklist) is already in its state dir, as under NS8.
func (w *World) Close() error {
	w.stopAll()
	return nil
}

func (w *World) stopAll() {
	for i := len(w.stop) - 1; i >= 0; i-- {
		w.stop[i]()
	}
	w.stop = nil
}

// Env is the agent environment of the demonstration module.
func (w *World) Env() agent.Env {
	return agent.Env{
		AgentID: "module/" + ModuleID, ModuleID: ModuleID, NodeID: NodeID, StateDir: w.StateDir,
		RedisAddress: w.Redis.Addr(), RedisReplica: w.Redis.Addr(),
		RedisUser: "module/" + ModuleID, TaskUser: "demo",
	}
}

// seed writes a sample cluster: a leader and a worker, Traefik on both, a
// configured NethVoice proxy on node 1, an OpenLDAP and a Samba domain, an
// external LDAP domain, and an NS7 still joined from an earlier attempt.
func seed(mr *miniredis.Miniredis, lan string) {
	hset := func(key string, kv ...string) {
		for i := 0; i+1 < len(kv); i += 2 {
			mr.HSet(key, kv[i], kv[i+1])
		}
	}
	mr.HSet("cluster/environment", "NODE_ID", "1")
	mr.Set("cluster/network", "10.5.4.0/24")
	for _, n := range []struct{ id, endpoint string }{{"1", "leader.example.test:55820"}, {"2", "node2.example.test:55820"}, {"3", "ns7.example.test:55820"}} {
		hset("node/"+n.id+"/vpn", "ip_address", "10.5.4."+n.id, "endpoint", n.endpoint, "public_key", "demo-key-"+n.id)
		mr.Set("node/"+n.id+"/ui_name", "node"+n.id)
		if n.id != "3" {
			hset("node/"+n.id+"/environment", "IMAGE_URL", "ghcr.io/nethserver/core:3.20.1")
		}
	}
	hset("cluster/repository_cache/default", "data", demoRepodata, "updated", "Mon, 30 Nov 2026 05:00:00 GMT")
	mr.SetAdd("node/3/flags", "nomodules")
	modules := []struct{ id, node, image string }{
		{"traefik1", "1", "ghcr.io/nethserver/traefik:3.1.0"},
		{"traefik2", "2", "ghcr.io/nethserver/traefik:3.1.0"},
		{"nethvoice-proxy1", "1", "ghcr.io/nethesis/nethvoice-proxy:1.3.0"},
		{"openldap1", "1", "ghcr.io/nethserver/openldap:2.3.0"},
		{"samba1", "2", "ghcr.io/nethserver/samba:3.2.0"},
		{ModuleID, NodeID, "ghcr.io/nethvoice-preflight/nethvoice-preflight:latest"},
	}
	for _, m := range modules {
		mr.HSet("cluster/module_node", m.id, m.node)
		hset("module/"+m.id+"/environment", "MODULE_ID", m.id, "NODE_ID", m.node, "IMAGE_URL", m.image)
	}
	mr.Set("node/1/default_instance/traefik", "traefik1")
	mr.Set("node/2/default_instance/traefik", "traefik2")
	mr.Set("node/1/default_instance/nethvoice-proxy", "nethvoice-proxy1")
	for _, t := range []string{"tcp", "udp"} {
		hset("module/nethvoice-proxy1/srv/"+t+"/sip", "port", "5060", "host", "10.5.4.1", "address", lan,
			"public_address", "198.51.100.10", "fqdn", "proxy.example.test", "node", "1")
	}
	mr.SetAdd("module/traefik1/hosts", "leader.example.test", "mail.example.test")
	mr.SetAdd("module/traefik2/hosts", "node2.example.test")
	hset("module/openldap1/srv/tcp/ldap", "domain", "directory.example.test", "schema", "rfc2307", "base_dn", "dc=directory,dc=example,dc=test",
		"host", "127.0.0.1", "port", "20003", "tls", "off", "tls_verify", "off", "node", "1")
	hset("module/samba1/srv/tcp/ldap", "domain", "ad.example.test", "schema", "ad", "base_dn", "dc=ad,dc=example,dc=test",
		"host", "127.0.0.2", "port", "636", "tls", "on", "tls_verify", "off", "node", "2")
	hset("cluster/user_domain/ldap/corp.example.test/conf", "schema", "rfc2307", "base_dn", "dc=corp,dc=example,dc=test", "tls", "on", "tls_verify", "on")
	mr.Push("cluster/user_domain/ldap/corp.example.test/providers", "127.0.0.3:636")
}

// demoRepodata is the part of a repository's metadata the checks read:
// the releases of the modules a migration installs and their labels.
const demoRepodata = `[{"id":"nethvoice","source":"ghcr.io/nethesis/nethvoice","versions":[` +
	`{"tag":"1.7.7","testing":false,"labels":{"org.nethserver.min-core":"3.16.0-0"}}]},` +
	`{"id":"nethvoice-proxy","source":"ghcr.io/nethesis/nethvoice-proxy","versions":[` +
	`{"tag":"1.7.1","testing":false,"labels":{"org.nethserver.min-core":"3.20.1","org.nethserver.max-per-node":"1"}}]}]`

// lanAddress is the address the sample proxy of node 1 listens on: the
// address this machine would send from towards the Internet (its main
// interface, not a short-lived one of a test network), since this machine
// is measured as node 1 and node.proxy compares the two (behind NAT, as the
// sample's public address is 198.51.100.10); 198.51.100.10 itself on a
// machine without a route. Connecting a UDP socket sends nothing.
func lanAddress() string {
	c, err := net.Dial("udp4", "198.51.100.1:9")
	if err != nil {
		return "198.51.100.10"
	}
	defer c.Close()
	ip := c.LocalAddr().(*net.UDPAddr).IP
	if a, ok := netip.AddrFromSlice(ip); ok && dnsprobe.Routable(a.Unmap()) {
		return a.Unmap().String()
	}
	return "198.51.100.10"
}
