package e2e

import (
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7sample"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/ns7world"
)

// Known issues by version are judged on what the site is: probe-ns7 stores
// NS7's facts (local OpenLDAP, an international prefix of one digit), and
// check-node weighs the cluster's versions against them.
func TestCheckNodeKnownIssuesOnThisSite(t *testing.T) {
	v := ns7world.Healthy()
	v.Config["nethvoice-report"].Props["international_prefix"] = "+1"
	e := newNS7Env(t, ns7Scenario{
		variant: v,
		mutate: func(c *harness.Cluster) {
			c.Node(1).CoreImage = "ghcr.io/nethserver/core:3.6.0"
			c.AddModule(harness.NewInstance("nethvoice1", 1, "ghcr.io/nethesis/nethvoice:1.0.1"))
		},
	})
	_, probe := e.probe(t, nil)
	expect(t, probe, "ns7.account-provider", e.ns7.Addr(), report.Pass, "local OpenLDAP")
	res, rep := e.run(t, "check-node", checkNodeData(e.world, nil))
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	validReport(t, "check-node", res.Output)
	expect(t, rep, "cluster.versions", "core", report.Fail,
		"node 1's core 3.6.0: NS8 reads the password policy cn=default,ou=PPolicy of an rfc2307 directory, which NS7's OpenLDAP lacks: user lists are empty and Finish of the account provider fails, and it applies here (NethServer/dev#7351")
	expect(t, rep, "cluster.versions", "nethvoice", report.Fail,
		"nethvoice1 1.0.1: the international prefix must have exactly two digits: Finish's configure-module refuses NS7's value, and it applies here (NethServer/dev#7043")
}

// Behind NAT: a planned FQDN resolves (with the node's resolvers) to a
// public address while the proxy has no public address.
func TestCheckNodeProxyBehindNAT(t *testing.T) {
	d := startDNS(t, map[string]string{voiceFQDN: "203.0.113.80", ctiFQDN: "203.0.113.80"})
	w := newWorld(t, bigNode, func(c *harness.Cluster) { c.SetProxyAddresses(harness.HostAddress(), "") },
		harness.WithEnvironment(map[string]string{"NETHVOICE_FQDN": voiceFQDN, "CTI_FQDN": ctiFQDN, "RESOLVERS": d.addr}))
	res, rep := w.run(t, "check-node", checkNodeData(w, nil))
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	expect(t, rep, "node.proxy", "node 1", report.Warn, "its public address is empty while "+ctiFQDN+" resolves to the public address 203.0.113.80")
}

// NethVoice's known bugs on NS7's inventory: an external IP set in
// FreePBX and a trunk named ..._Identity0, read from NS7's tables in a
// real MariaDB by probe-ns7, make NethVoice 1.0.0's bugs apply to this
// site (NethServer/dev#7013, #7247); a table the probe could not read
// leaves them unknown.
func TestCheckNodeKnownIssuesOfTheInventory(t *testing.T) {
	v := ns7world.Healthy()
	v.DB.KVSipsettings["externip"] = "203.0.113.7"
	v.DB.Trunks = append(v.DB.Trunks, ns7sample.TrunkRow{ID: 9, Tech: "pjsip", Name: "Carrier_Identity0",
		PJSIP: map[string]string{"sip_server": "sip.carrier.example", "trunk_name": "Carrier_Identity0"}})
	e := newNS7Env(t, ns7Scenario{
		variant: v, opts: ns7world.Options{MariaDB: true},
		mutate: func(c *harness.Cluster) {
			c.AddModule(harness.NewInstance("nethvoice1", 1, "ghcr.io/nethesis/nethvoice:1.0.0"))
		},
	})
	e.probe(t, nil)
	res, rep := e.run(t, "check-node", checkNodeData(e.world, nil))
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	// Neither bug stops the migration: a warning that says they apply.
	f := expect(t, rep, "cluster.versions", "nethvoice", report.Warn, "nethvoice1 1.0.0:")
	for _, want := range []string{"hold and attended transfer fail behind the proxy, and it applies here (NethServer/dev#7013",
		"contains identity0 (TIM's) get NethVoice's proxy as outbound proxy at import, and it applies here (NethServer/dev#7247"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("cluster.versions without %q: %s", want, f.Message)
		}
	}
}
