package nodecheck

import (
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
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
			Leader: "1",
			Nodes: map[string]*cluster.Node{
				"1": {ID: "1", ProxyID: "nethvoice-proxy1", Leader: true},
				"2": {ID: "2"},
			},
			Modules: map[string]*cluster.Module{"nethvoice-proxy1": {ID: "nethvoice-proxy1", Node: "1", Image: "nethvoice-proxy"}},
			Proxies: map[string]*cluster.Proxy{"nethvoice-proxy1": {ID: "nethvoice-proxy1", Node: "1", FQDN: "proxy.example.com", Address: "192.0.2.10", PublicAddress: "198.51.100.10", Published: true}},
		}},
	}
}

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
	if len(fs) != 7 {
		t.Fatalf("want 7 findings, got %d", len(fs))
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
		{"NS7 data raises the need", func(f *Facts) { f.Cluster.NS7DataBytes = 120 * GiB }, "node.disk", "", report.Fail, "240.0 GiB needed (max(100 GiB, NS7 data 120.0 GiB x 2))"},
		{"NS7 data small", func(f *Facts) { f.Cluster.NS7DataBytes = 10 * GiB }, "node.disk", "", report.Pass, "100.0 GiB needed"},
		// NS7 data measured only in part: never sized on the measured part
		// as if it were all.
		{"NS7 data in part, bounded above", func(f *Facts) { f.Cluster.NS7DataAtLeast, f.Cluster.NS7DataAtMost = 10*GiB, 300*GiB }, "node.disk", "", report.Warn,
			"NS7 data was measured only in part (see ns7.data-size): at least 10.0 GiB and at most 300.0 GiB: between 100.0 GiB and 600.0 GiB is needed, so whether this is enough is unknown"},
		{"NS7 data in part, no bound", func(f *Facts) { f.Cluster.NS7DataAtLeast = 10 * GiB }, "node.disk", "", report.Warn, "so at least 100.0 GiB is needed; how much more is unknown"},
		{"NS7 data in part, already too much", func(f *Facts) { f.Cluster.NS7DataAtLeast = 120 * GiB }, "node.disk", "", report.Fail, "at least 120.0 GiB, so at least 240.0 GiB is needed"},
		{"NS7 data in part, small bound", func(f *Facts) { f.Cluster.NS7DataAtLeast, f.Cluster.NS7DataAtMost = 1*GiB, 20*GiB }, "node.disk", "", report.Pass, "and at most 20.0 GiB, so at most 100.0 GiB is needed"},
		{"measure failed", func(f *Facts) { f.Node, f.NodeErr = nil, "read meminfo: permission denied" }, "node.memory", "", report.Fail, "permission denied"},
		{"other destination", func(f *Facts) { f.Dest = "2" }, "node.cpu", "node 2", report.Skip, "install nethvoice-preflight on node 2"},
		{"no proxy", func(f *Facts) { f.Cluster.Nodes["1"].ProxyID = ""; f.Cluster.Proxies = map[string]*cluster.Proxy{} }, "node.proxy", "", report.Fail, "no nethvoice-proxy instance on node 1"},
		{"proxy on other node only", func(f *Facts) { f.Dest = "2"; f.ThisNode = "2" }, "node.proxy", "node 2", report.Fail, "no nethvoice-proxy instance on node 2"},
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
