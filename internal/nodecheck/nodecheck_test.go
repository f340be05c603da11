package nodecheck

import (
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/knownissues"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/node"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// healthy is a recorded world where every check-node check passes.
func healthy() Facts {
	return Facts{
		ThisNode: "1", Dest: "1",
		Node:        &node.Facts{CPUs: 4, MemTotalBytes: 7_900_000 * 1024, VolumesPath: "/home", MeasuredPath: "/home", DiskFreeBytes: 200 * GiB, DiskSizeBytes: 250 * GiB},
		ReadAddress: "127.0.0.1:6379", WriteAddress: "cluster-leader:6379",
		State: cluster.State{RedisConfigured: true, Cluster: &cluster.Snapshot{
			Leader:  "1",
			Network: "10.5.4.0/24",
			Nodes: map[string]*cluster.Node{
				"1": {ID: "1", ProxyID: "nethvoice-proxy1", Leader: true, VPN: map[string]string{"ip_address": "10.5.4.1"}, CoreImage: "ghcr.io/nethserver/core:3.20.1"},
				"2": {ID: "2", VPN: map[string]string{"ip_address": "10.5.4.2"}, CoreImage: "ghcr.io/nethserver/core:3.20.1"},
			},
			Modules: map[string]*cluster.Module{"nethvoice-proxy1": {ID: "nethvoice-proxy1", Node: "1", Image: "nethvoice-proxy"}},
			Proxies: map[string]*cluster.Proxy{"nethvoice-proxy1": {ID: "nethvoice-proxy1", Node: "1", FQDN: "proxy.example.com", Address: "192.0.2.10", PublicAddress: "198.51.100.10", Published: true}},
			Apps: map[string]cluster.App{
				"nethvoice":       {Image: "nethvoice", Version: "1.7.7", MinCore: "3.16.0-0", Repository: "default"},
				"nethvoice-proxy": {Image: "nethvoice-proxy", Version: "1.7.1", MinCore: "3.20.1", MaxPerNode: 1, Repository: "default"},
			},
		}},
		Interfaces: []string{"192.0.2.10", "10.5.4.1"},
		Names:      map[string][]string{"voice.example.com": {"198.51.100.10"}},
		Site:       knownissues.Site{ProviderType: "local-ldap"},
	}
}

func noProxy(f *Facts) {
	f.Cluster.Nodes["1"].ProxyID = ""
	f.Cluster.Proxies = map[string]*cluster.Proxy{}
}

func ptr[T any](v T) *T { return &v }

func find(t *testing.T, fs []report.Finding, id, subject string) report.Finding {
	t.Helper()
	for _, f := range fs {
		if f.ID == id && (subject == "" || f.Subject == subject) {
			return f
		}
	}
	t.Fatalf("no finding %s %s in %+v", id, subject, fs)
	return report.Finding{}
}

func TestAllPassOnHealthyNode(t *testing.T) {
	fs := All(healthy())
	for _, f := range fs {
		want := report.Pass
		if f.ID == "node.leftovers" && f.Subject == "accounts" {
			want = report.Pass // no admins listed, none unreadable
		}
		if f.Status != want {
			t.Errorf("%s %s: %s %s", f.ID, f.Subject, f.Status, f.Message)
		}
	}
	if len(fs) != 9 {
		t.Fatalf("want 9 findings, got %d", len(fs))
	}
}

func TestChecks(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(*Facts)
		id      string
		subject string
		status  report.Status
		msg     string // substring the message must contain
	}{
		{"3 cores", func(f *Facts) { f.Node.CPUs = 3 }, "node.cpu", "", report.Fail, "3 CPU cores; NethVoice needs at least 4"},
		{"16 cores", func(f *Facts) { f.Node.CPUs = 16 }, "node.cpu", "", report.Pass, "16 CPU cores"},
		{"4 GiB", func(f *Facts) { f.Node.MemTotalBytes = 4 * GiB }, "node.memory", "", report.Fail, "4.0 GiB of RAM; NethVoice needs at least 8 GiB"},
		{"7.4 GiB", func(f *Facts) { f.Node.MemTotalBytes = 7*GiB + 400*(1<<20) }, "node.memory", "", report.Fail, "7.4 GiB"},
		{"7.6 GiB reads as 8", func(f *Facts) { f.Node.MemTotalBytes = 7*GiB + 600*(1<<20) }, "node.memory", "", report.Pass, "7.6 GiB"},
		{"50 GiB free", func(f *Facts) { f.Node.DiskFreeBytes = 50 * GiB }, "node.disk", "/home", report.Fail, "50.0 GiB free on /home; 100.0 GiB needed"},
		{"NS7 data raises the need", func(f *Facts) { f.NS7DataBytes = 120 * GiB }, "node.disk", "", report.Fail, "240.0 GiB needed (max(100 GiB, NS7 data 120.0 GiB x 2))"},
		{"NS7 data small", func(f *Facts) { f.NS7DataBytes = 10 * GiB }, "node.disk", "", report.Pass, "100.0 GiB needed"},
		{"NS7 data not measured", func(f *Facts) {}, "node.disk", "", report.Pass, "NS7 data not measured yet: run probe-ns7"},
		{"NS7 data unreadable", func(f *Facts) { f.NS7DataErr = "preflight/ns7-facts.json is damaged" }, "node.disk", "", report.Warn,
			"at least the 100 GiB minimum; the NS7 data size probe-ns7 stored could not be read (preflight/ns7-facts.json is damaged)"},
		{"NS7 data unreadable, too little free", func(f *Facts) { f.NS7DataErr = "damaged"; f.Node.DiskFreeBytes = 50 * GiB }, "node.disk", "", report.Fail, "50.0 GiB free"},
		// NS7 data measured only in part: never sized on the measured part
		// as if it were all.
		{"NS7 data in part, bounded above", func(f *Facts) { f.NS7DataAtLeast, f.NS7DataAtMost = 10*GiB, 300*GiB }, "node.disk", "", report.Warn,
			"NS7 data was measured only in part (see ns7.data-size): at least 10.0 GiB and at most 300.0 GiB: between 100.0 GiB and 600.0 GiB is needed, so whether this is enough is unknown"},
		{"NS7 data in part, no bound", func(f *Facts) { f.NS7DataAtLeast = 10 * GiB }, "node.disk", "", report.Warn, "so at least 100.0 GiB is needed; how much more is unknown"},
		{"NS7 data in part, already too much", func(f *Facts) { f.NS7DataAtLeast = 120 * GiB }, "node.disk", "", report.Fail, "at least 120.0 GiB, so at least 240.0 GiB is needed"},
		{"NS7 data in part, small bound", func(f *Facts) { f.NS7DataAtLeast, f.NS7DataAtMost = 1*GiB, 20*GiB }, "node.disk", "", report.Pass, "and at most 20.0 GiB, so at most 100.0 GiB is needed"},
		{"measure failed", func(f *Facts) { f.Node, f.NodeErr = nil, "read meminfo: permission denied" }, "node.memory", "", report.Fail, "permission denied"},
		{"other destination", func(f *Facts) { f.Dest = "2" }, "node.cpu", "node 2", report.Warn, "whether node 2 has what NethVoice needs is unknown"},
		{"destination not in the cluster", func(f *Facts) { f.Dest = "9" }, "node.memory", "node 9", report.Fail, "node 9 is not a node of this cluster (its nodes: 1, 2)"},
		{"no proxy, installable: configure it before Finish", func(f *Facts) { noProxy(f) }, "node.proxy", "", report.Warn, "installs it at Start, but does not configure it"},
		{"no proxy, core too old for it", func(f *Facts) { noProxy(f); f.Cluster.Nodes["1"].CoreImage = "ghcr.io/nethserver/core:3.19.2" },
			"node.proxy", "", report.Fail, "node 1 runs core 3.19.2, but nethvoice-proxy needs at least 3.20.1 (from nethvoice-proxy 1.7.1 in repository default)"},
		{"no proxy, core unknown", func(f *Facts) { noProxy(f); f.Cluster.Nodes["1"].CoreImage = "" }, "node.proxy", "", report.Fail, "the core version of node 1 is unknown"},
		{"no proxy, no repository metadata: built-in minimum", func(f *Facts) {
			noProxy(f)
			f.Cluster.Apps = nil
			f.Cluster.Nodes["1"].CoreImage = "ghcr.io/nethserver/core:3.17.0"
		}, "node.proxy", "", report.Fail, "needs at least 3.20.1 (from the built-in value"},
		{"no proxy on an NS7 migration node", func(f *Facts) { noProxy(f); f.Cluster.Nodes["1"].Migrating = true }, "node.proxy", "", report.Fail, "flag nomodules"},
		{"proxy on other node only", func(f *Facts) { f.Dest = "2"; f.ThisNode = "2" }, "node.proxy", "node 2", report.Warn, "no nethvoice-proxy instance on node 2 yet"},
		{"proxy address inside the VPN network", func(f *Facts) { f.Cluster.Proxies["nethvoice-proxy1"].Address = "10.5.4.20" },
			"node.proxy", "", report.Fail, "its address 10.5.4.20 is inside the cluster VPN network 10.5.4.0/24"},
		{"proxy address is a node's VPN address", func(f *Facts) { f.Cluster.Network = ""; f.Cluster.Proxies["nethvoice-proxy1"].Address = "10.5.4.2" },
			"node.proxy", "", report.Fail, "its address 10.5.4.2 is the VPN address of node 2"},
		{"proxy public address on the VPN", func(f *Facts) { f.Cluster.Proxies["nethvoice-proxy1"].PublicAddress = "10.5.4.1" },
			"node.proxy", "", report.Fail, "its public address 10.5.4.1 is the VPN address of node 1"},
		{"proxy address not this node's", func(f *Facts) { f.Cluster.Proxies["nethvoice-proxy1"].Address = "192.0.2.99" },
			"node.proxy", "", report.Warn, "its address 192.0.2.99 is none of this node's addresses (192.0.2.10, 10.5.4.1)"},
		{"proxy address on another node: not judged", func(f *Facts) {
			f.ThisNode = "2"
			f.Cluster.Proxies["nethvoice-proxy1"].Address = "192.0.2.99"
		}, "node.proxy", "node 1", report.Pass, "is configured"},
		{"interfaces unreadable: not judged", func(f *Facts) { f.Interfaces = nil; f.Cluster.Proxies["nethvoice-proxy1"].Address = "192.0.2.99" },
			"node.proxy", "", report.Pass, "is configured"},
		{"UDP record differs", func(f *Facts) { f.Cluster.Proxies["nethvoice-proxy1"].UDPAddress = "192.0.2.11" }, "node.proxy", "", report.Warn, `its UDP record says address "192.0.2.11"`},
		{"NAT: no public address, name public", func(f *Facts) { f.Cluster.Proxies["nethvoice-proxy1"].PublicAddress = "" },
			"node.proxy", "", report.Warn, "its public address is empty while voice.example.com resolves to the public address 198.51.100.10"},
		{"NAT: private public address", func(f *Facts) { f.Cluster.Proxies["nethvoice-proxy1"].PublicAddress = "192.168.1.10" },
			"node.proxy", "", report.Warn, "its public address is 192.168.1.10 while"},
		{"private everywhere: no NAT doubt", func(f *Facts) {
			f.Cluster.Proxies["nethvoice-proxy1"].PublicAddress = ""
			f.Names = map[string][]string{"voice.example.com": {"192.168.1.10"}}
		}, "node.proxy", "", report.Pass, "is configured"},
		{"core 3.6.0 with NS7's OpenLDAP", func(f *Facts) { f.Cluster.Nodes["1"].CoreImage = "ghcr.io/nethserver/core:3.6.0" },
			"cluster.versions", "core", report.Fail, "node 1's core 3.6.0: NS8 reads the password policy"},
		{"core 3.6.0-dev.2 with NS7's OpenLDAP", func(f *Facts) { f.Cluster.Nodes["1"].CoreImage = "ghcr.io/nethserver/core:3.6.0-dev.2" },
			"cluster.versions", "core", report.Fail, "NethServer/dev#7351"},
		{"core 3.6.0 with an AD", func(f *Facts) {
			f.Cluster.Nodes["1"].CoreImage = "ghcr.io/nethserver/core:3.6.0"
			f.Site.ProviderType = "local-ad"
		},
			"cluster.versions", "core", report.Fail, "NethVoice needs at least 3.16.0-0"},
		{"core 3.6.0, provider unknown", func(f *Facts) {
			f.Site.ProviderType = ""
			f.Cluster.Apps = nil
			f.Cluster.Nodes["1"].CoreImage = "ghcr.io/nethserver/core:3.6.0"
		},
			"cluster.versions", "core", report.Fail, "NethVoice needs at least 3.16.0-0 (from the built-in value"},
		{"core 3.6.1", func(f *Facts) { f.Cluster.Nodes["1"].CoreImage = "ghcr.io/nethserver/core:3.16.0" }, "cluster.versions", "core", report.Pass, "node 1 (3.16.0)"},
		{"core of the destination too", func(f *Facts) { f.Dest = "2"; f.Cluster.Nodes["2"].CoreImage = "ghcr.io/nethserver/core:3.15.2" },
			"cluster.versions", "core", report.Fail, "node 2 runs core 3.15.2, but NethVoice needs at least 3.16.0-0"},
		{"core tag not a version", func(f *Facts) { f.Cluster.Nodes["1"].CoreImage = "ghcr.io/nethserver/core:latest" }, "cluster.versions", "core", report.Warn, `the version is unknown ("latest")`},
		{"NethVoice installed, old", func(f *Facts) {
			f.Cluster.Modules["nethvoice1"] = &cluster.Module{ID: "nethvoice1", Node: "1", Image: "nethvoice", URL: "ghcr.io/nethesis/nethvoice:1.0.1"}
			f.Cluster.NethVoice = []cluster.NethVoiceInstance{{ID: "nethvoice1", Node: "1"}}
			f.Site.Prefix = ptr("+1")
		}, "cluster.versions", "nethvoice", report.Fail, "nethvoice1 1.0.1: the international prefix must have exactly two digits"},
		{"NethVoice installed, old, prefix fine", func(f *Facts) {
			f.Cluster.Modules["nethvoice1"] = &cluster.Module{ID: "nethvoice1", Node: "1", Image: "nethvoice", URL: "ghcr.io/nethesis/nethvoice:1.0.1"}
			f.Cluster.NethVoice = []cluster.NethVoiceInstance{{ID: "nethvoice1", Node: "1"}}
			f.Site.Prefix = ptr("0039")
		}, "cluster.versions", "nethvoice", report.Warn, "nethvoice1 1.0.1: the import script runs at every FreePBX start"},
		{"NethVoice to be installed, older than the last fix", func(f *Facts) {
			f.Cluster.Apps["nethvoice"] = cluster.App{Image: "nethvoice", Version: "1.6.14", Repository: "default"}
		},
			"cluster.versions", "nethvoice", report.Warn, "FreePBX modules imported from NS7 stay at mismatched versions"},
		{"NethVoice unknown", func(f *Facts) { f.Cluster.Apps = nil }, "cluster.versions", "nethvoice", report.Skip, "caches no repository metadata"},
		{"proxy found without default-instance key", func(f *Facts) { f.Cluster.Nodes["1"].ProxyID = "" }, "node.proxy", "", report.Pass, "is configured"},
		{"proxy .invalid", func(f *Facts) { f.Cluster.Proxies["nethvoice-proxy1"].FQDN = "41234.ns8.invalid" }, "node.proxy", "", report.Fail, `its FQDN is "41234.ns8.invalid" (not configured)`},
		{"proxy 127.0.0.1", func(f *Facts) { f.Cluster.Proxies["nethvoice-proxy1"].Address = "127.0.0.1" }, "node.proxy", "", report.Fail, `its address is "127.0.0.1"`},
		{"proxy unpublished", func(f *Facts) { f.Cluster.Proxies["nethvoice-proxy1"].Published = false }, "node.proxy", "", report.Fail, "publishes no SIP service"},
		{"nomodules node", func(f *Facts) { f.Cluster.Nodes["3"] = &cluster.Node{ID: "3", Migrating: true} }, "node.leftovers", "nodes", report.Warn, "node 3 is an NS7 already joined"},
		{"stale admin", func(f *Facts) { f.Cluster.Admins = []string{"ns7admin5"} }, "node.leftovers", "accounts", report.Warn, "stale migration accounts ns7admin5"},
		{"admin of joined NS7", func(f *Facts) {
			f.Cluster.Admins = []string{"ns7admin3"}
			f.Cluster.Nodes["3"] = &cluster.Node{ID: "3", Migrating: true}
		}, "node.leftovers", "accounts", report.Pass, "belong to NS7 nodes still joined"},
		{"admins unreadable", func(f *Facts) { f.Cluster.AdminsErr = "not readable" }, "node.leftovers", "accounts", report.Skip, "check by hand"},
		{"no redis", func(f *Facts) { f.RedisConfigured, f.Cluster = false, nil }, "cluster.redis", "", report.Skip, "REDIS_ADDRESS is not set"},
		{"no redis: proxy skipped", func(f *Facts) { f.RedisConfigured, f.Cluster = false, nil }, "node.proxy", "", report.Skip, "stand-alone"},
		{"redis silent", func(f *Facts) {
			f.Cluster, f.ClusterErr = nil, "the cluster database at 127.0.0.1:6379 did not answer within 10s"
		}, "cluster.redis", "", report.Fail, "did not answer within 10s"},
		{"redis silent: leftovers skipped", func(f *Facts) { f.Cluster, f.ClusterErr = nil, "timeout" }, "node.leftovers", "", report.Skip, "see cluster.redis"},
		{"leader silent", func(f *Facts) { f.LeaderErr = "dial tcp: connection refused" }, "cluster.redis", "", report.Fail, "the leader's database at cluster-leader:6379 did not answer"},
		{"no leader", func(f *Facts) { f.Cluster.Leader = "" }, "cluster.redis", "", report.Fail, "names no leader"},
		{"leader without vpn", func(f *Facts) { f.Cluster.Leader = "9" }, "cluster.redis", "", report.Fail, "node/9/vpn does not exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := healthy()
			c.mutate(&f)
			got := find(t, All(f), c.id, c.subject)
			if got.Status != c.status || !strings.Contains(got.Message, c.msg) {
				t.Fatalf("got %s %q", got.Status, got.Message)
			}
			if (got.Status == report.Fail || got.Status == report.Warn) && (got.Remediation == nil || got.Remediation.Hint == "") {
				t.Fatalf("%s without remediation", got.Status)
			}
		})
	}
}

// Outside NS8 there is no NODE_ID: the subject names this machine, not
// "node ".
func TestSubjectNodeStandAlone(t *testing.T) {
	if subjectNode("") != "this node" || subjectNode("2") != "node 2" {
		t.Fatal(subjectNode(""), subjectNode("2"))
	}
}

// The install command of a missing proxy is one an admin can paste: the
// module's name, which add-module resolves to the latest version in the
// repositories, never a placeholder.
func TestMissingProxyInstallCommand(t *testing.T) {
	f := healthy()
	noProxy(&f)
	for _, fd := range All(f) {
		if fd.ID != "node.proxy" {
			continue
		}
		if fd.Remediation == nil || len(fd.Remediation.Commands) == 0 || fd.Remediation.Commands[0] != "add-module nethvoice-proxy 1" {
			t.Fatalf("%+v", fd.Remediation)
		}
		return
	}
	t.Fatal("no node.proxy finding")
}

// The core's remedy is a command an admin can paste: valid JSON with the
// nodes judged (ns8-core update-core: "nodes" required).
func TestCoreUpdateCommand(t *testing.T) {
	f := healthy()
	f.Dest = "2"
	f.Cluster.Nodes["1"].CoreImage = "ghcr.io/nethserver/core:3.6.0"
	for _, fd := range All(f) {
		if fd.ID == "cluster.versions" && fd.Subject == "core" {
			if fd.Remediation == nil || len(fd.Remediation.Commands) != 1 || fd.Remediation.Commands[0] != `api-cli run cluster/update-core --data '{"nodes":[1,2]}'` {
				t.Fatalf("%+v", fd.Remediation)
			}
			return
		}
	}
	t.Fatal("no cluster.versions core finding")
}
