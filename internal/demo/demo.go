// Package demo is the built-in demonstration world behind the README's run
// command: an in-process Redis-protocol server (miniredis) seeded with a
// sample NS8 cluster, and a throw-away module state dir. The node itself is
// really measured: the demo runs on this machine as if it were node 1.
package demo

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/alicebob/miniredis/v2"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cli"
)

// ModuleID and NodeID of the demonstration module.
const (
	ModuleID = "nethvoice-preflight1"
	NodeID   = "1"
)

// World is a running demonstration cluster.
type World struct {
	Redis    *miniredis.Miniredis
	StateDir string
	DNS      string // address of the demonstration DNS server
	stopDNS  func()
}

// Start starts the world; Close stops it.
func Start() (*World, error) {
	mr, err := miniredis.Run() // listens on 127.0.0.1 only
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "nethvoice-preflight-demo-")
	if err != nil {
		mr.Close()
		return nil, err
	}
	w := &World{Redis: mr, StateDir: dir}
	if w.DNS, w.stopDNS, err = startDNS(); err != nil {
		mr.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	seed(mr)
	// Every name the demo looks up is answered by its own DNS server, and
	// no NS7 host is set: the demo never sends a packet off this machine.
	env := "MODULE_ID=" + ModuleID + "\nNODE_ID=" + NodeID + "\nNETHVOICE_FQDN=voice.example.test\nCTI_FQDN=cti.example.test\n" +
		"RESOLVERS=" + w.DNS + "\nEXPECTED_ADDRESSES=198.51.100.10\nTIMEOUT_S=3\n"
	if err := os.WriteFile(dir+"/"+agent.EnvironmentFile, []byte(env), 0o644); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// Close stops the server and removes the state dir.
func (w *World) Close() {
	if w.stopDNS != nil {
		w.stopDNS()
	}
	w.Redis.Close()
	os.RemoveAll(w.StateDir)
}

// Env is the agent environment of the demonstration module.
func (w *World) Env() agent.Env {
	return agent.Env{
		AgentID: "module/" + ModuleID, ModuleID: ModuleID, NodeID: NodeID, StateDir: w.StateDir,
		RedisAddress: w.Redis.Addr(), RedisReplica: w.Redis.Addr(),
		RedisUser: "module/" + ModuleID,
	}
}

// seed writes a sample cluster: a leader and a worker, Traefik on both, a
// configured NethVoice proxy on node 1, an OpenLDAP and a Samba domain, an
// external LDAP domain, and an NS7 still joined from an earlier attempt.
func seed(mr *miniredis.Miniredis) {
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
		hset("module/nethvoice-proxy1/srv/"+t+"/sip", "port", "5060", "host", "10.5.4.1", "address", "198.51.100.10",
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

// Main runs "demo [action] [flags]": the action (default check-node) against
// the demonstration world, printed as text unless --format says otherwise.
func Main(ctx context.Context, args []string, sio cli.IO) int {
	w, err := Start()
	if err != nil {
		fmt.Fprintf(sio.Stderr, "demo: cannot start the demonstration world: %v\n", err)
		return agent.ExitError
	}
	defer w.Close()
	action := "check-node"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		action, args = args[0], args[1:]
	}
	hasFormat := false
	for _, a := range args {
		if a == "--format" || len(a) > 9 && a[:9] == "--format=" {
			hasFormat = true
		}
	}
	if !hasFormat {
		args = append(args, "--format", "text")
	}
	fmt.Fprintf(sio.Stderr, "demo: sample cluster on %s (leader node 1, worker node 2, an NS7 joined as node 3); this machine is measured as node 1\n\n", w.Redis.Addr())
	if sio.Stdin == nil || !sio.StdinIsTTY {
		sio.Stdin, sio.StdinIsTTY = nil, true // the demo takes its input from --data only
	}
	sio.Progress = io.Discard
	return cli.Run(ctx, append([]string{action}, args...), w.Env(), sio)
}
