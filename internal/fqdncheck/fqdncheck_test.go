package fqdncheck

import (
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/dnsprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// Recorded answers: builders of the facts dnsprobe collects.

const (
	res1  = "192.0.2.53:53"
	res2  = "192.0.2.54:53"
	ns1   = "192.0.2.1:53"
	ns2   = "192.0.2.2:53"
	node  = "198.51.100.10"
	ns7   = "203.0.113.7"
	voice = "voice.example.com"
	cti   = "cti.example.com"
)

func rec(name, typ, data string, ttl uint32) dnsprobe.Record {
	return dnsprobe.Record{Name: name, Type: typ, TTL: ttl, Data: data}
}

func u32(v uint32) *uint32 { return &v }

// answer is a resolution whose one question got records.
func answer(server, name, typ string, aa bool, recs ...dnsprobe.Record) dnsprobe.Resolution {
	return dnsprobe.Resolution{Server: server, Name: name, Type: typ, Queries: []dnsprobe.Query{
		{Server: server, Name: name, Type: typ, Outcome: dnsprobe.Answer, Rcode: "NOERROR", AA: aa, Records: recs, Tries: 1}}}
}

// negative is NXDOMAIN or NODATA with the zone's SOA (negative TTL).
func negative(server, name, typ string, o dnsprobe.Outcome, aa bool, negTTL uint32, recs ...dnsprobe.Record) dnsprobe.Resolution {
	rcode := "NOERROR"
	if o == dnsprobe.NXDomain {
		rcode = "NXDOMAIN"
	}
	return dnsprobe.Resolution{Server: server, Name: name, Type: typ, Queries: []dnsprobe.Query{
		{Server: server, Name: name, Type: typ, Outcome: o, Rcode: rcode, AA: aa, Records: recs, NegTTL: u32(negTTL), Tries: 1,
			Authority: []dnsprobe.Record{rec("example.com", "SOA", "ns1.example.com. h.example.com. 1 600 300 86400 300", negTTL)}}}}
}

// failed is a question without a usable answer.
func failed(server, name, typ string, o dnsprobe.Outcome) dnsprobe.Resolution {
	q := dnsprobe.Query{Server: server, Name: name, Type: typ, Outcome: o, Tries: 1}
	switch o {
	case dnsprobe.Timeout:
		q.Tries, q.ElapsedMs, q.Error = 4, 1900, "no answer within 1.9s"
	case dnsprobe.ServFail:
		q.Rcode, q.Error = "SERVFAIL", "the server answered SERVFAIL"
	case dnsprobe.Refused:
		q.Rcode, q.Error = "REFUSED", "the server answered REFUSED"
	case dnsprobe.Unreachable:
		q.Error = "connection refused (nothing listens there)"
	}
	return dnsprobe.Resolution{Server: server, Name: name, Type: typ, Queries: []dnsprobe.Query{q}}
}

// good is a name that resolves to addr everywhere, the zone agreeing.
func good(name, addr string) *dnsprobe.NameFacts {
	return &dnsprobe.NameFacts{
		Name: name,
		Resolvers: []dnsprobe.ServerAnswers{{Server: res1,
			A:    answer(res1, name, "A", false, rec(name, "A", addr, 300)),
			AAAA: negative(res1, name, "AAAA", dnsprobe.NoData, false, 300)}},
		Zone: &dnsprobe.Zone{Name: "example.com", Servers: []dnsprobe.NSHost{{Name: "ns1.example.com", Addrs: []string{"192.0.2.1"}}},
			Trace: []string{"voice.example.com NS at 192.0.2.53:53: NODATA (zone example.com)"}},
		Authorities: []dnsprobe.ServerAnswers{{Server: ns1, Host: "ns1.example.com",
			A:    answer(ns1, name, "A", true, rec(name, "A", addr, 300)),
			AAAA: negative(ns1, name, "AAAA", dnsprobe.NoData, true, 300)}},
		ElapsedMs: 12,
	}
}

// healthy is a recorded world where every check passes, in plan.
func healthy() Facts {
	return Facts{
		Phase: Plan,
		Planned: []Planned{
			{Role: RoleNethVoice, Input: voice, Syntax: ParseFQDN(voice)},
			{Role: RoleCTI, Input: cti, Syntax: ParseFQDN(cti)},
		},
		Resolvers: []string{res1}, ResolversSource: "input",
		DNS:       map[string]*dnsprobe.NameFacts{voice: good(voice, node), cti: good(cti, node)},
		NodeAddrs: []NodeAddr{{IP: node, Source: "public address of nethvoice-proxy1"}, {IP: "192.0.2.10", Source: "interface eth0"}},
		Dest:      "1",
		State: cluster.State{RedisConfigured: true, Cluster: &cluster.Snapshot{
			Leader: "1",
			Nodes:  map[string]*cluster.Node{"1": {ID: "1", Leader: true, VPN: map[string]string{"endpoint": "leader.example.com:55820"}}},
			Modules: map[string]*cluster.Module{
				"traefik1": {ID: "traefik1", Node: "1", Image: "traefik"},
			},
			TraefikHosts: map[string][]string{"traefik1": {"leader.example.com", "mail.example.com"}},
		}},
		Endpoint: &dnsprobe.NameFacts{Name: "leader.example.com", Resolvers: []dnsprobe.ServerAnswers{{Server: res1,
			A: answer(res1, "leader.example.com", "A", false, rec("leader.example.com", "A", node, 300))}}},
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

func TestAllPassOnHealthyPlan(t *testing.T) {
	fs := All(healthy())
	for _, f := range fs {
		if f.Status != report.Pass && !(f.ID == CheckCertificate.ID && f.Status == report.Skip) {
			t.Errorf("%s %s: %s %s", f.ID, f.Subject, f.Status, f.Message)
		}
	}
	ids := map[string]bool{}
	for _, f := range fs {
		ids[f.ID] = true
	}
	for _, c := range Checks {
		if !ids[c.ID] {
			t.Errorf("no finding for %s", c.ID)
		}
	}
}

// withCAA asks for Let's Encrypt and gives the NethVoice name this CAA set.
func withCAA(c *dnsprobe.CAA) func(f *Facts) {
	return func(f *Facts) {
		f.LetsEncrypt = true
		f.DNS[voice].CAA = c
	}
}

// setDNS replaces the facts of one name.
func setDNS(f *Facts, name string, nf *dnsprobe.NameFacts) { f.DNS[name] = nf }

func withProxy(f *Facts, input string) {
	f.Planned = append(f.Planned, Planned{Role: RoleProxy, Input: input, Syntax: ParseFQDN(input)})
	if s := ParseFQDN(input); s.Valid() && f.DNS[s.ASCII] == nil {
		f.DNS[s.ASCII] = good(s.ASCII, node)
	}
}

func cutover(f *Facts) { f.Phase = Cutover }

func TestChecks(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(*Facts)
		id      string
		subject string
		status  report.Status
		msg     string // substrings the message must contain, separated by |
	}{
		// fqdn.syntax
		{"valid", nil, "fqdn.syntax", voice, report.Pass, "voice.example.com (NethVoice FQDN) is a valid host name (17 characters, 3 labels)"},
		{"underscore", func(f *Facts) {
			f.Planned[0] = Planned{Role: RoleNethVoice, Input: "voice_x.example.com", Syntax: ParseFQDN("voice_x.example.com")}
		},
			"fqdn.syntax", "voice_x.example.com", report.Fail, `"voice_x" contains "_"`},
		{"IDN converted", func(f *Facts) {
			f.Planned[0] = Planned{Role: RoleNethVoice, Input: "Bücher.example.com", Syntax: ParseFQDN("Bücher.example.com")}
			f.DNS["xn--bcher-kva.example.com"] = good("xn--bcher-kva.example.com", node)
		}, "fqdn.syntax", "xn--bcher-kva.example.com", report.Fail, "a form NS8's NethVoice refuses: type its A-label form xn--bcher-kva.example.com"},
		{"final dot: the form to type", func(f *Facts) {
			f.Planned[0] = Planned{Role: RoleNethVoice, Input: "Voice.Example.com.", Syntax: ParseFQDN("Voice.Example.com.")}
		}, "fqdn.syntax", voice, report.Fail, `"Voice.Example.com." (NethVoice FQDN) ends with a dot, a form NS8's NethVoice refuses: type voice.example.com`},
		{"final dot: still queried", func(f *Facts) {
			f.Planned[0] = Planned{Role: RoleNethVoice, Input: "voice.example.com.", Syntax: ParseFQDN("voice.example.com.")}
		}, "fqdn.resolves", voice, report.Pass, "198.51.100.10"},
		{"IDN queried as A-label", func(f *Facts) {
			f.Planned[0] = Planned{Role: RoleNethVoice, Input: "Bücher.example.com", Syntax: ParseFQDN("Bücher.example.com")}
			f.DNS["xn--bcher-kva.example.com"] = good("xn--bcher-kva.example.com", node)
		}, "fqdn.resolves", "xn--bcher-kva.example.com", report.Pass, "198.51.100.10"},
		{"invalid name: DNS checks skip", func(f *Facts) { f.Planned[1] = Planned{Role: RoleCTI, Input: "cti", Syntax: ParseFQDN("cti")} },
			"fqdn.resolves", "cti", report.Skip, "not a valid host name (see fqdn.syntax)"},

		// fqdn.distinct
		{"distinct", nil, "fqdn.distinct", cti, report.Pass, "differs from the NethVoice FQDN voice.example.com"},
		{"CTI = NethVoice", func(f *Facts) {
			f.Planned[1] = Planned{Role: RoleCTI, Input: "VOICE.example.com.", Syntax: ParseFQDN("VOICE.example.com.")}
		},
			"fqdn.distinct", voice, report.Fail, "the CTI FQDN voice.example.com is the NethVoice FQDN"},
		{"proxy = CTI", func(f *Facts) { withProxy(f, cti) }, "fqdn.distinct", cti, report.Fail, "the proxy FQDN cti.example.com is the CTI FQDN"},
		{"proxy = NethVoice, one instance", func(f *Facts) {
			withProxy(f, voice)
			f.NethVoice = []cluster.NethVoiceInstance{{ID: "nethvoice1", Node: "1"}}
		}, "fqdn.distinct", voice, report.Pass, "allowed while NethVoice is the only instance"},
		{"proxy = NethVoice, two instances", func(f *Facts) {
			withProxy(f, voice)
			f.NethVoice = []cluster.NethVoiceInstance{{ID: "nethvoice1", Node: "1"}, {ID: "nethvoice2", Node: "1"}, {ID: "nethvoice3", Node: "2"}}
		}, "fqdn.distinct", voice, report.Fail, "node 1 hosts 2 NethVoice instances (nethvoice1, nethvoice2)"},
		{"proxy = NethVoice stand-alone", func(f *Facts) { withProxy(f, voice); f.RedisConfigured, f.Cluster = false, nil },
			"fqdn.distinct", voice, report.Pass, "instances not counted: no cluster database"},
		{"proxy of its own", func(f *Facts) { withProxy(f, "proxy.example.com") }, "fqdn.distinct", "proxy.example.com", report.Pass, "differs from the NethVoice and CTI FQDNs"},

		// fqdn.route-free
		{"route free", nil, "fqdn.route-free", voice, report.Pass, "not a host of any HTTP route on NS8 (traefik1 checked)"},
		{"route of another module", func(f *Facts) {
			f.Planned[0] = Planned{Role: RoleNethVoice, Input: "mail.example.com", Syntax: ParseFQDN("mail.example.com")}
			f.DNS["mail.example.com"] = good("mail.example.com", node)
		}, "fqdn.route-free", "mail.example.com", report.Fail, "already a host of an HTTP route on traefik1 (node 1)"},
		{"NethVoice's own name in plan", func(f *Facts) {
			f.Cluster.TraefikHosts["traefik1"] = append(f.Cluster.TraefikHosts["traefik1"], voice)
			f.NethVoice = []cluster.NethVoiceInstance{{ID: "nethvoice1", Node: "1", Host: voice}}
		}, "fqdn.route-free", voice, report.Fail, "already used by NethVoice instance nethvoice1 (NETHVOICE_HOST, node 1)"},
		{"NethVoice's own name in cutover", func(f *Facts) {
			cutover(f)
			f.Cluster.TraefikHosts["traefik1"] = append(f.Cluster.TraefikHosts["traefik1"], cti)
			f.NethVoice = []cluster.NethVoiceInstance{{ID: "nethvoice1", Node: "1", CTIHost: cti}}
		}, "fqdn.route-free", cti, report.Pass, "as expected after Finish"},
		{"route-free stand-alone", func(f *Facts) { f.RedisConfigured, f.Cluster = false, nil }, "fqdn.route-free", voice, report.Skip, "stand-alone"},
		{"route-free cluster unreadable", func(f *Facts) { f.Cluster, f.ClusterErr = nil, "did not answer within 2s" }, "fqdn.route-free", voice, report.Skip, "could not be read: did not answer within 2s"},

		// fqdn.resolves
		{"resolves", nil, "fqdn.resolves", voice, report.Pass, "voice.example.com resolves: 198.51.100.10 at 192.0.2.53:53"},
		{"NXDOMAIN in plan", func(f *Facts) {
			f.DNS[voice].Resolvers[0].A = negative(res1, voice, "A", dnsprobe.NXDomain, false, 300)
		},
			"fqdn.resolves", voice, report.Pass, "no address yet (NXDOMAIN|at cutover create voice.example.com A 198.51.100.10"},
		// The root's SOA: the TLD does not exist for that resolver, so
		// "no address yet" would promise what cannot happen there.
		{"NXDOMAIN for the TLD in plan", func(f *Facts) {
			r := negative(res1, voice, "A", dnsprobe.NXDomain, false, 300)
			r.Queries[0].Authority = []dnsprobe.Record{rec(".", "SOA", "a.root-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400", 86400)}
			f.DNS[voice].Resolvers[0].A = r
		}, "fqdn.resolves", voice, report.Warn, "its top-level domain .com does not exist (NXDOMAIN with the root zone's SOA)|is unknown"},
		{"NODATA in cutover", func(f *Facts) {
			cutover(f)
			f.DNS[voice].Resolvers[0].A = negative(res1, voice, "A", dnsprobe.NoData, false, 300)
		}, "fqdn.resolves", voice, report.Fail, "does not resolve everywhere: no A record (NODATA)|expected an A record to 198.51.100.10"},
		{"SERVFAIL", func(f *Facts) { f.DNS[voice].Resolvers[0].A = failed(res1, voice, "A", dnsprobe.ServFail) },
			"fqdn.resolves", voice, report.Fail, "could not be resolved: SERVFAIL"},
		{"REFUSED", func(f *Facts) { f.DNS[voice].Resolvers[0].A = failed(res1, voice, "A", dnsprobe.Refused) },
			"fqdn.resolves", voice, report.Fail, "REFUSED"},
		{"silent resolver", func(f *Facts) { f.DNS[voice].Resolvers[0].A = failed(res1, voice, "A", dnsprobe.Timeout) },
			"fqdn.resolves", voice, report.Fail, "no answer within 1.9 s (4 tries) at 192.0.2.53:53"},
		{"resolver down", func(f *Facts) { f.DNS[voice].Resolvers[0].A = failed(res1, voice, "A", dnsprobe.Unreachable) },
			"fqdn.resolves", voice, report.Fail, "connection refused"},
		{"negative cache in cutover", func(f *Facts) {
			cutover(f)
			f.Resolvers = []string{res1, res2}
			f.DNS[voice].Resolvers = append(f.DNS[voice].Resolvers, dnsprobe.ServerAnswers{Server: res2,
				A: negative(res2, voice, "A", dnsprobe.NXDomain, false, 250), AAAA: negative(res2, voice, "AAAA", dnsprobe.NXDomain, false, 250)})
		}, "fqdn.resolves", voice, report.Fail, "198.51.100.10 at 192.0.2.53:53; NXDOMAIN (the name does not exist) at 192.0.2.54:53"},
		{"no resolver", func(f *Facts) { f.Resolvers, f.ResolversErr = nil, "/etc/resolv.conf lists no nameserver" },
			"fqdn.resolves", voice, report.Fail, "no resolver to ask: /etc/resolv.conf lists no nameserver"},

		// fqdn.points-to-node
		{"points to node", nil, "fqdn.points-to-node", voice, report.Pass, "resolves to 198.51.100.10 (per the authoritative servers)|public address of nethvoice-proxy1"},
		{"elsewhere in plan", func(f *Facts) { setDNS(f, voice, good(voice, ns7)) },
			"fqdn.points-to-node", voice, report.Warn, "resolves to 203.0.113.7 (per the authoritative servers), not to this node|it must change at cutover"},
		{"elsewhere in cutover", func(f *Facts) { cutover(f); setDNS(f, voice, good(voice, ns7)) },
			"fqdn.points-to-node", voice, report.Fail, "resolves to 203.0.113.7 (per the authoritative servers); this node answers on 198.51.100.10"},
		{"expected addresses", func(f *Facts) {
			cutover(f)
			setDNS(f, voice, good(voice, ns7))
			f.NodeAddrs, f.NodeAddrsOverride = []NodeAddr{{IP: ns7, Source: "expected_addresses"}}, true
		}, "fqdn.points-to-node", voice, report.Pass, "the expected addresses are 203.0.113.7"},
		{"resolver stale, zone right", func(f *Facts) {
			cutover(f)
			f.DNS[voice].Resolvers[0].A = answer(res1, voice, "A", false, rec(voice, "A", ns7, 120))
		}, "fqdn.points-to-node", voice, report.Pass, "per the authoritative servers"},
		{"unknown node addresses", func(f *Facts) { f.NodeAddrs, f.NodeAddrsNote = nil, "this module runs on node 2" },
			"fqdn.points-to-node", voice, report.Skip, "the node's addresses are unknown (this module runs on node 2)"},
		{"Let's Encrypt and a private address", func(f *Facts) {
			f.LetsEncrypt = true
			setDNS(f, voice, good(voice, "192.168.1.10"))
			f.NodeAddrs = []NodeAddr{{IP: "192.168.1.10", Source: "interface eth0"}}
		}, "fqdn.certificate", voice, report.Fail, "it resolves to 192.168.1.10, not a public address: Let's Encrypt validates over the Internet"},
		{"Let's Encrypt and a benchmarking address", func(f *Facts) {
			f.LetsEncrypt = true
			setDNS(f, voice, good(voice, "198.18.0.1"))
		}, "fqdn.certificate", voice, report.Fail, "it resolves to 198.18.0.1, not a public address"},
		{"Let's Encrypt and a reserved address", func(f *Facts) {
			f.LetsEncrypt = true
			setDNS(f, voice, good(voice, "240.1.1.1"))
		}, "fqdn.certificate", voice, report.Fail, "it resolves to 240.1.1.1, not a public address"},
		{"CAA not looked up is unknown, not none", withCAA(nil), "fqdn.certificate", voice, report.Warn, "is unknown: its CAA records were not looked up"},
		{"private address without Let's Encrypt: fine", func(f *Facts) {
			setDNS(f, voice, good(voice, "192.168.1.10"))
			f.NodeAddrs = []NodeAddr{{IP: "192.168.1.10", Source: "interface eth0"}}
		}, "fqdn.points-to-node", voice, report.Pass, "resolves to 192.168.1.10"},
		{"no Let's Encrypt asked", nil, "fqdn.certificate", voice, report.Skip, "lets_encrypt is off"},
		{"no CAA anywhere", withCAA(&dnsprobe.CAA{}), "fqdn.certificate", voice, report.Pass, "no CAA record on the name or its parents: any CA may issue"},
		{"CAA at the parent allows Let's Encrypt", withCAA(&dnsprobe.CAA{Owner: "example.com", Records: []dnsprobe.CAARecord{
			{Tag: "issue", Value: "sectigo.com"}, {Tag: "issue", Value: "LetsEncrypt.org; accounturi=https://acme-v02.api.letsencrypt.org/acme/acct/1"}}}),
			"fqdn.certificate", voice, report.Pass, "the CAA set at example.com lets letsencrypt.org issue"},
		{"CAA allows another CA only", withCAA(&dnsprobe.CAA{Owner: "example.com", Records: []dnsprobe.CAARecord{{Tag: "issue", Value: "digicert.com"}, {Tag: "iodef", Value: "mailto:x@example.com"}}}),
			"fqdn.certificate", voice, report.Fail, "the CAA set at example.com lets only digicert.com issue, not letsencrypt.org"},
		{"CAA forbids every CA", withCAA(&dnsprobe.CAA{Owner: "voice.example.com", Records: []dnsprobe.CAARecord{{Tag: "issue", Value: ";"}}}),
			"fqdn.certificate", voice, report.Fail, `lets only ";" (no CA) issue`},
		{"CAA with issuewild only", withCAA(&dnsprobe.CAA{Owner: "example.com", Records: []dnsprobe.CAARecord{{Tag: "issuewild", Value: "digicert.com"}}}),
			"fqdn.certificate", voice, report.Pass, "has no issue property: any CA may issue"},
		{"CAA restricts Let's Encrypt to DNS-01", withCAA(&dnsprobe.CAA{Owner: "example.com", Records: []dnsprobe.CAARecord{{Tag: "issue", Value: "letsencrypt.org; validationmethods=dns-01"}}}),
			"fqdn.certificate", voice, report.Fail, "only with validation methods dns-01, not http-01"},
		{"CAA critical unknown property", withCAA(&dnsprobe.CAA{Owner: "example.com", Records: []dnsprobe.CAARecord{{Flag: 128, Tag: "tbs", Value: "x"}, {Tag: "issue", Value: "letsencrypt.org"}}}),
			"fqdn.certificate", voice, report.Fail, `a critical property "tbs"`},
		{"CAA lookup fails", withCAA(&dnsprobe.CAA{Failed: &dnsprobe.Query{Name: "example.com", Outcome: dnsprobe.ServFail}}),
			"fqdn.certificate", voice, report.Fail, "the CAA lookup of example.com failed (servfail): Let's Encrypt does not issue"},
		// The resolver's silence is its own limit, not the zone's answer.
		{"CAA lookup unanswered", withCAA(&dnsprobe.CAA{Failed: &dnsprobe.Query{Name: "com", Outcome: dnsprobe.Timeout}}),
			"fqdn.certificate", voice, report.Warn, "is unknown: the CAA lookup of com got no answer (timeout), so the CAA records could not be read"},
		{"CAA lookup refused", withCAA(&dnsprobe.CAA{Failed: &dnsprobe.Query{Name: "com", Outcome: dnsprobe.Refused}}),
			"fqdn.certificate", voice, report.Warn, "got no answer (refused)"},
		{"CAA unanswered, private address: still a fail", func(f *Facts) {
			setDNS(f, voice, good(voice, "192.168.1.10"))
			f.NodeAddrs = []NodeAddr{{IP: "192.168.1.10", Source: "interface eth0"}}
			withCAA(&dnsprobe.CAA{Failed: &dnsprobe.Query{Name: "com", Outcome: dnsprobe.Timeout}})(f)
		}, "fqdn.certificate", voice, report.Fail, "it resolves to 192.168.1.10, not a public address"},
		{"no record to compare", func(f *Facts) {
			f.DNS[voice].Resolvers[0].A = negative(res1, voice, "A", dnsprobe.NXDomain, false, 300)
			f.DNS[voice].Authorities[0].A = negative(ns1, voice, "A", dnsprobe.NXDomain, true, 300)
		}, "fqdn.points-to-node", voice, report.Skip, "no A record to compare"},

		// fqdn.aaaa
		{"no AAAA", nil, "fqdn.aaaa", voice, report.Pass, "no AAAA record: clients connect over IPv4"},
		{"AAAA elsewhere", func(f *Facts) {
			f.DNS[voice].Authorities[0].AAAA = answer(ns1, voice, "AAAA", true, rec(voice, "AAAA", "2001:db8::7", 300))
		}, "fqdn.aaaa", voice, report.Warn, "has AAAA 2001:db8::7 (per the authoritative servers), not an address of the node (its IPv6 addresses: none)"},
		{"AAAA of the node", func(f *Facts) {
			f.DNS[voice].Authorities[0].AAAA = answer(ns1, voice, "AAAA", true, rec(voice, "AAAA", "2001:db8::10", 300))
			f.NodeAddrs = append(f.NodeAddrs, NodeAddr{IP: "2001:db8::10", Source: "interface eth0"})
		}, "fqdn.aaaa", voice, report.Pass, "has AAAA 2001:db8::10, an address of the node"},
		{"AAAA question fails", func(f *Facts) {
			f.DNS[voice].Resolvers[0].AAAA = failed(res1, voice, "AAAA", dnsprobe.ServFail)
			f.DNS[voice].Authorities[0].AAAA = failed(ns1, voice, "AAAA", dnsprobe.ServFail)
		}, "fqdn.aaaa", voice, report.Warn, "the AAAA question for voice.example.com fails: SERVFAIL"},

		// fqdn.cname
		{"no CNAME", nil, "fqdn.cname", voice, report.Pass, "is not a CNAME"},
		{"CNAME chain", func(f *Facts) {
			f.DNS[voice].Resolvers[0].A = answer(res1, voice, "A", false,
				rec(voice, "CNAME", "web.example.com", 300), rec("web.example.com", "CNAME", "lb.example.net", 300), rec("lb.example.net", "A", node, 60))
		}, "fqdn.cname", voice, report.Pass, "voice.example.com → web.example.com → lb.example.net → 198.51.100.10 (2 link(s)"},
		{"CNAME loop", func(f *Facts) {
			f.DNS[voice].Resolvers[0].A = dnsprobe.Resolution{Server: res1, Name: voice, Type: "A", Queries: []dnsprobe.Query{
				failed(res1, voice, "A", dnsprobe.ServFail).Queries[0],
				answer(res1, voice, "CNAME", false, rec(voice, "CNAME", "b.example.com", 300)).Queries[0],
				answer(res1, "b.example.com", "CNAME", false, rec("b.example.com", "CNAME", voice, 300)).Queries[0],
			}}
		}, "fqdn.cname", voice, report.Fail, "a CNAME loop: voice.example.com → b.example.com → voice.example.com"},
		{"CNAME loop fails resolves", func(f *Facts) {
			f.DNS[voice].Resolvers[0].A = answer(res1, voice, "A", false, rec(voice, "CNAME", "b.example.com", 300), rec("b.example.com", "CNAME", voice, 300))
		}, "fqdn.resolves", voice, report.Fail, "a CNAME loop"},
		{"dangling CNAME", func(f *Facts) {
			f.DNS[voice].Resolvers[0].A = negative(res1, voice, "A", dnsprobe.NXDomain, false, 300, rec(voice, "CNAME", "gone.example.com", 300))
		}, "fqdn.cname", voice, report.Fail, "voice.example.com → gone.example.com, and gone.example.com does not exist (NXDOMAIN)"},
		{"CNAME to a name without address", func(f *Facts) {
			f.DNS[voice].Resolvers[0].A = dnsprobe.Resolution{Server: res1, Name: voice, Type: "A", Queries: []dnsprobe.Query{
				answer(res1, voice, "A", false, rec(voice, "CNAME", "txt.example.com", 300)).Queries[0],
				negative(res1, "txt.example.com", "A", dnsprobe.NoData, false, 300).Queries[0],
			}}
		}, "fqdn.cname", voice, report.Fail, "txt.example.com has no A record"},
		{"CNAME chain too long", func(f *Facts) {
			var recs []dnsprobe.Record
			prev := voice
			for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
				recs = append(recs, rec(prev, "CNAME", n+".example.com", 300))
				prev = n + ".example.com"
			}
			f.DNS[voice].Resolvers[0].A = answer(res1, voice, "A", false, recs...)
		}, "fqdn.cname", voice, report.Fail, "longer than 8 links"},

		// fqdn.authoritative
		{"zone agrees", nil, "fqdn.authoritative", voice, report.Pass, "the only server of the zone example.com (ns1.example.com (192.0.2.1)) answers A 198.51.100.10, AAAA no record, as the resolvers do"},
		{"stale cache in plan", func(f *Facts) {
			f.DNS[voice].Resolvers[0].A = answer(res1, voice, "A", false, rec(voice, "A", ns7, 120))
		},
			"fqdn.authoritative", voice, report.Warn, "propagation in progress: 192.0.2.53:53 still answers 203.0.113.7 for voice.example.com A (cached, 120 s (2 min) left)|answer A 198.51.100.10"},
		{"stale cache in cutover", func(f *Facts) {
			cutover(f)
			f.DNS[voice].Resolvers[0].A = answer(res1, voice, "A", false, rec(voice, "A", ns7, 95))
		}, "fqdn.authoritative", voice, report.Fail, "(cached, 95 s left)|within 95 s"},
		{"stale negative cache", func(f *Facts) {
			cutover(f)
			f.DNS[voice].Resolvers[0].A = negative(res1, voice, "A", dnsprobe.NXDomain, false, 44)
		}, "fqdn.authoritative", voice, report.Fail, "still answers that it does not exist for voice.example.com A (cached, 44 s left)"},
		{"servers disagree", func(f *Facts) {
			f.DNS[voice].Authorities = append(f.DNS[voice].Authorities, dnsprobe.ServerAnswers{Server: ns2, Host: "ns2.example.com",
				A: answer(ns2, voice, "A", true, rec(voice, "A", ns7, 300)), AAAA: negative(ns2, voice, "AAAA", dnsprobe.NoData, true, 300)})
		}, "fqdn.authoritative", voice, report.Warn, "the zone's servers disagree on voice.example.com A: ns1.example.com (192.0.2.1) 198.51.100.10; ns2.example.com (192.0.2.2) 203.0.113.7"},
		{"one server silent", func(f *Facts) {
			f.DNS[voice].Authorities = append(f.DNS[voice].Authorities, dnsprobe.ServerAnswers{Server: ns2, Host: "ns2.example.com",
				A: failed(ns2, voice, "A", dnsprobe.Timeout), AAAA: failed(ns2, voice, "AAAA", dnsprobe.Timeout)})
		}, "fqdn.authoritative", voice, report.Warn, "1 of the zone's 2 servers fail: ns2.example.com (192.0.2.2): no answer within 1.9 s (4 tries)"},
		{"lame server", func(f *Facts) {
			f.DNS[voice].Authorities[0].A = answer(ns1, voice, "A", false, rec(voice, "A", node, 300))
		}, "fqdn.authoritative", voice, report.Fail, "without the authoritative (AA) flag"},
		{"no server answers", func(f *Facts) {
			f.DNS[voice].Authorities[0].A = failed(ns1, voice, "A", dnsprobe.Refused)
		}, "fqdn.authoritative", voice, report.Fail, "the only server of the zone example.com does not answer for voice.example.com: ns1.example.com (192.0.2.1): REFUSED"},
		{"zone not found", func(f *Facts) {
			f.DNS[voice].Zone, f.DNS[voice].Authorities = &dnsprobe.Zone{Err: "no NS record found"}, nil
		},
			"fqdn.authoritative", voice, report.Warn, "could not be found"},

		// fqdn.ttl
		{"short TTL", nil, "fqdn.ttl", voice, report.Pass, "TTL of voice.example.com A 300 s (5 min) (per the authoritative server ns1.example.com)"},
		{"long TTL in plan", func(f *Facts) {
			f.DNS[voice].Authorities[0].A = answer(ns1, voice, "A", true, rec(voice, "A", node, 86400))
		}, "fqdn.ttl", voice, report.Warn, "voice.example.com A 86400 s (1 day)|above 3600 s"},
		{"long TTL in cutover", func(f *Facts) {
			cutover(f)
			f.DNS[voice].Authorities[0].A = answer(ns1, voice, "A", true, rec(voice, "A", node, 86400))
		}, "fqdn.ttl", voice, report.Pass, "a long TTL slows any later correction"},
		{"TTL from a resolver", func(f *Facts) { f.DNS[voice].Authorities = nil }, "fqdn.ttl", voice, report.Pass, "time left in its cache"},
		{"long negative TTL in plan", func(f *Facts) {
			f.DNS[voice].Resolvers[0].A = negative(res1, voice, "A", dnsprobe.NXDomain, false, 86400)
			f.DNS[voice].Authorities[0].A = negative(ns1, voice, "A", dnsprobe.NXDomain, true, 86400)
		}, "fqdn.ttl", voice, report.Warn, "cache that for 86400 s (1 day) (SOA minimum)"},

		// vpn.endpoint
		{"endpoint resolves", nil, "vpn.endpoint", "leader.example.com", report.Pass, "resolves to IPv4 198.51.100.10"},
		{"endpoint leader.invalid", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "leader.invalid:55820" },
			"vpn.endpoint", "leader.invalid", report.Fail, "created without a public host name"},
		{"endpoint empty", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "" }, "vpn.endpoint", "node 1", report.Fail, "has no VPN endpoint"},
		{"endpoint IPv4", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "198.51.100.10:55820" }, "vpn.endpoint", "198.51.100.10", report.Pass, "needs no DNS"},
		// NS7 must reach the leader at the address: loopback and link-local
		// never do, written or resolved; a private address may.
		{"endpoint loopback", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "127.0.0.1:55820" }, "vpn.endpoint", "127.0.0.1", report.Fail, "a loopback address (NS7 would dial itself)"},
		{"endpoint unspecified", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "0.0.0.0:55820" }, "vpn.endpoint", "0.0.0.0", report.Fail, `"this network" 0.0.0.0/8`},
		{"endpoint this network", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "0.1.2.3:55820" }, "vpn.endpoint", "0.1.2.3", report.Fail, `"this network" 0.0.0.0/8`},
		{"endpoint reserved", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "240.0.0.1:55820" }, "vpn.endpoint", "240.0.0.1", report.Fail, "reserved"},
		{"endpoint in the VPN network", func(f *Facts) {
			f.Cluster.Network = "10.5.4.0/24"
			f.Cluster.Nodes["1"].VPN["endpoint"] = "10.5.4.9:55820"
		},
			"vpn.endpoint", "10.5.4.9", report.Fail, "inside the cluster VPN network 10.5.4.0/24"},
		{"endpoint is a node's VPN address", func(f *Facts) {
			f.Cluster.Nodes["1"].VPN["ip_address"] = "10.9.0.1"
			f.Cluster.Nodes["1"].VPN["endpoint"] = "10.9.0.1:55820"
		},
			"vpn.endpoint", "10.9.0.1", report.Fail, "the VPN address of node 1"},
		{"endpoint resolves into the VPN network", func(f *Facts) {
			f.Cluster.Network = "10.5.4.0/24"
			f.Endpoint.Resolvers[0].A = answer(res1, "leader.example.com", "A", false, rec("leader.example.com", "A", "10.5.4.1", 300))
		}, "vpn.endpoint", "leader.example.com", report.Fail, "10.5.4.1 (inside the cluster VPN network 10.5.4.0/24"},
		{"endpoint bracketed IPv4", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "[10.0.0.1]:55820" }, "vpn.endpoint", "10.0.0.1", report.Fail, "puts its host in brackets"},
		{"endpoint IPv4-mapped", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "[::ffff:198.51.100.1]:55820" }, "vpn.endpoint", "::ffff:198.51.100.1", report.Fail, "IPv4 only"},
		{"endpoint link-local", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "169.254.10.1:55820" }, "vpn.endpoint", "169.254.10.1", report.Fail, "link-local"},
		{"endpoint private", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "192.168.1.5:55820" }, "vpn.endpoint", "192.168.1.5", report.Pass, "needs no DNS"},
		{"endpoint resolves to loopback", func(f *Facts) {
			f.Endpoint.Resolvers[0].A = answer(res1, "leader.example.com", "A", false, rec("leader.example.com", "A", "127.0.1.1", 300))
		}, "vpn.endpoint", "leader.example.com", report.Fail, "resolves to an address NS7 cannot reach the leader at: 127.0.1.1 (a loopback address"},
		{"endpoint IPv6", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "[2001:db8::1]:55820" }, "vpn.endpoint", "2001:db8::1", report.Fail, "IPv4 only"},
		// ns8-join splits host:port and resolves both: a port out of range
		// or missing stops the join.
		{"endpoint port out of range", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "leader.example.com:99999" }, "vpn.endpoint", "leader.example.com", report.Fail,
			`the leader's VPN endpoint "leader.example.com:99999": port "99999" is not 1-65535: NS7 cannot join`},
		{"endpoint port 0", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "198.51.100.10:0" }, "vpn.endpoint", "198.51.100.10", report.Fail, `port "0" is not 1-65535`},
		{"endpoint without port", func(f *Facts) { f.Cluster.Nodes["1"].VPN["endpoint"] = "leader.example.com" }, "vpn.endpoint", "leader.example.com", report.Fail,
			`"leader.example.com" has no port (host:port): NS7's ns8-join splits it at ':' and stops`},
		{"endpoint NXDOMAIN", func(f *Facts) {
			f.Endpoint.Resolvers[0].A = negative(res1, "leader.example.com", "A", dnsprobe.NXDomain, false, 300)
		}, "vpn.endpoint", "leader.example.com", report.Fail, "does not resolve to an IPv4 address: NXDOMAIN"},
		{"endpoint stand-alone", func(f *Facts) { f.RedisConfigured, f.Cluster = false, nil }, "vpn.endpoint", "leader", report.Skip, "stand-alone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := healthy()
			if c.mutate != nil {
				c.mutate(&f)
			}
			got := find(t, All(f), c.id, c.subject)
			if got.Status != c.status {
				t.Fatalf("got %s %q", got.Status, got.Message)
			}
			for _, m := range strings.Split(c.msg, "|") {
				if !strings.Contains(got.Message, m) {
					t.Fatalf("message %q lacks %q", got.Message, m)
				}
			}
			if (got.Status == report.Fail || got.Status == report.Warn) && (got.Remediation == nil || got.Remediation.Hint == "") {
				t.Fatalf("%s without remediation", got.Status)
			}
		})
	}
}

// Every finding of every case has a message, and warn/fail a remedy.
func TestEveryFindingActionable(t *testing.T) {
	for _, phase := range []string{Plan, Cutover} {
		f := healthy()
		f.Phase = phase
		setDNS(&f, voice, good(voice, ns7))
		f.DNS[cti].Resolvers[0].A = failed(res1, cti, "A", dnsprobe.Timeout)
		for _, fd := range All(f) {
			if fd.Message == "" {
				t.Errorf("%s %s: empty message", fd.ID, fd.Subject)
			}
			if (fd.Status == report.Fail || fd.Status == report.Warn) && fd.Remediation == nil {
				t.Errorf("%s %s: %s without remediation", fd.ID, fd.Subject, fd.Status)
			}
		}
	}
}

func TestTTLText(t *testing.T) {
	for in, want := range map[int64]string{0: "0 s", 59: "59 s", 60: "60 s (1 min)", 300: "300 s (5 min)", 3600: "3600 s (1 hour)", 7200: "7200 s (2 hours)", 86400: "86400 s (1 day)", 172800: "172800 s (2 days)", 301: "301 s"} {
		if got := ttlText(in); got != want {
			t.Errorf("%d: %q, want %q", in, got, want)
		}
	}
}
