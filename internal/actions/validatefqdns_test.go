package actions

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/dnsprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/settings"
)

func strp(s string) *string { return &s }

func TestPlannedNames(t *testing.T) {
	st := settings.Settings{FQDNs: settings.FQDNs{NethVoice: "voice.example.com", CTI: "cti.example.com", Proxy: "proxy.example.com"}}
	// Input wins over settings; "" for the proxy means none.
	p, errs := plannedNames(validateFQDNsInput{CTIFQDN: strp("CTI2.example.com"), ProxyFQDN: strp("")}, st)
	if errs != nil || len(p) != 2 || p[0].Input != "voice.example.com" || p[1].ASCII != "cti2.example.com" {
		t.Fatalf("%+v %v", p, errs)
	}
	// Required from one or the other: the agent's error shape.
	_, errs = plannedNames(validateFQDNsInput{}, settings.Settings{})
	if len(errs) != 2 || errs[0].Field != "nethvoice_fqdn" || errs[0].Error != "nethvoice_fqdn_required" || errs[1].Parameter != "cti_fqdn" {
		t.Fatalf("%+v", errs)
	}
}

func TestChooseResolvers(t *testing.T) {
	rs, src, _, errs := chooseResolvers([]string{"192.0.2.53", "192.0.2.53:53", "[2001:db8::53]:5353"}, []string{"198.51.100.53"})
	if errs != nil || src != "input" || strings.Join(rs, " ") != "192.0.2.53:53 [2001:db8::53]:5353" {
		t.Fatalf("%v %s %v", rs, src, errs)
	}
	rs, src, _, _ = chooseResolvers(nil, []string{"198.51.100.53"})
	if src != "settings" || rs[0] != "198.51.100.53:53" {
		t.Fatalf("%v %s", rs, src)
	}
	_, _, _, errs = chooseResolvers([]string{"192.0.2.1", "192.0.2.1:99999"}, nil)
	if len(errs) != 1 || errs[0].Field != "resolvers.1" || errs[0].Error != "resolvers_invalid_address" {
		t.Fatalf("%+v", errs)
	}
	saved := resolvConf
	defer func() { resolvConf = saved }()
	resolvConf = filepath.Join(t.TempDir(), "resolv.conf")
	os.WriteFile(resolvConf, []byte("nameserver 192.0.2.99\n"), 0o644)
	rs, src, _, _ = chooseResolvers(nil, nil)
	if src != resolvConf || rs[0] != "192.0.2.99:53" {
		t.Fatalf("%v %s", rs, src)
	}
	os.WriteFile(resolvConf, []byte("search example.com\n"), 0o644)
	rs, _, why, errs := chooseResolvers(nil, nil)
	if rs != nil || errs != nil || !strings.Contains(why, "no nameserver") {
		t.Fatalf("%v %q %v", rs, why, errs)
	}
}

func TestNodeAddresses(t *testing.T) {
	ifaces := []dnsprobe.LocalAddr{{IP: "192.0.2.2", Source: "interface eth0"}, {IP: "198.51.100.10", Source: "interface eth1"}}
	snap := &cluster.Snapshot{Proxies: map[string]*cluster.Proxy{
		"nethvoice-proxy1": {ID: "nethvoice-proxy1", Node: "1", Address: "192.0.2.2", PublicAddress: "198.51.100.10"},
		"nethvoice-proxy2": {ID: "nethvoice-proxy2", Node: "2", Address: "127.0.0.1", PublicAddress: "203.0.113.99"},
	}}
	ep := &dnsprobe.NameFacts{Name: "leader.example.com", Resolvers: []dnsprobe.ServerAnswers{{Server: "192.0.2.53:53",
		A: dnsprobe.Resolution{Name: "leader.example.com", Type: "A", Queries: []dnsprobe.Query{{Outcome: dnsprobe.Answer,
			Records: []dnsprobe.Record{{Name: "leader.example.com", Type: "A", Data: "198.51.100.10"}}}}}}}}
	addrs, override, note := nodeAddresses(nil, ifaces, nil, "1", "1", snap, ep)
	if override || note != "" || len(addrs) != 2 || addrs[0].IP != "198.51.100.10" ||
		addrs[0].Source != "public address of nethvoice-proxy1, VPN endpoint leader.example.com of node 1, interface eth1" ||
		addrs[1].Source != "address of nethvoice-proxy1, interface eth0" {
		t.Fatalf("%+v %q", addrs, note)
	}
	// Another destination: its interfaces are not this machine's.
	addrs, _, note = nodeAddresses(nil, ifaces, nil, "1", "2", snap, nil)
	if len(addrs) != 1 || addrs[0].IP != "203.0.113.99" || !strings.Contains(note, "not on the destination node 2") {
		t.Fatalf("%+v %q", addrs, note)
	}
	// expected_addresses replace everything.
	addrs, override, _ = nodeAddresses([]string{"2001:db8::10", "::ffff:192.0.2.7"}, ifaces, nil, "1", "1", snap, ep)
	if !override || len(addrs) != 2 || addrs[1].IP != "192.0.2.7" {
		t.Fatalf("%+v", addrs)
	}
	// Stand-alone: this machine's interfaces.
	addrs, _, _ = nodeAddresses(nil, ifaces, nil, "", "", nil, nil)
	if len(addrs) != 2 || !strings.Contains(addrs[0].Source, "of this machine") {
		t.Fatalf("%+v", addrs)
	}
}

func TestEndpointHosts(t *testing.T) {
	s := &cluster.Snapshot{Leader: "1", Nodes: map[string]*cluster.Node{
		"1": {VPN: map[string]string{"endpoint": "Leader.Example.com:55820"}},
		"2": {VPN: map[string]string{"endpoint": "198.51.100.2:55820"}},
		"3": {VPN: map[string]string{"endpoint": "[2001:db8::3]:55820"}},
	}}
	if l, d := endpointHosts(s, "2"); l != "leader.example.com" || d != "" {
		t.Fatalf("%q %q", l, d)
	}
	if _, d := endpointHosts(s, "3"); d != "" {
		t.Fatalf("%q", d)
	}
	if l, d := endpointHosts(nil, "1"); l != "" || d != "" {
		t.Fatal("no cluster")
	}
}
