package dnsprobe

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// serve starts an in-process DNS server on a free loopback port, UDP and
// TCP on the same port, with one handler per transport.
func serve(t *testing.T, udp, tcp dns.HandlerFunc) string {
	t.Helper()
	var lastErr error
	for i := 0; i < 10; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		pc, err := net.ListenPacket("udp", l.Addr().String())
		if err != nil {
			l.Close()
			lastErr = err
			continue
		}
		su := &dns.Server{PacketConn: pc, Handler: udp}
		st := &dns.Server{Listener: l, Handler: tcp}
		if tcp == nil {
			st.Handler = udp
		}
		go su.ActivateAndServe() //nolint:errcheck // ends at Shutdown
		go st.ActivateAndServe() //nolint:errcheck
		t.Cleanup(func() { su.Shutdown(); st.Shutdown() })
		return l.Addr().String()
	}
	t.Fatalf("no free port: %v", lastErr)
	return ""
}

func reply(w dns.ResponseWriter, r *dns.Msg, f func(m *dns.Msg)) {
	m := new(dns.Msg)
	m.SetReply(r)
	f(m)
	w.WriteMsg(m) //nolint:errcheck
}

func rr(s string) dns.RR {
	r, err := dns.NewRR(s)
	if err != nil {
		panic(err)
	}
	return r
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestAskOutcomes(t *testing.T) {
	soa := "example.com. 300 IN SOA ns.example.com. h.example.com. 1 600 300 86400 120"
	addr := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		q := r.Question[0]
		reply(w, r, func(m *dns.Msg) {
			m.Authoritative = true
			switch strings.TrimSuffix(q.Name, ".") {
			case "a.example.com":
				m.Answer = []dns.RR{rr("a.example.com. 60 IN A 192.0.2.1")}
			case "nx.example.com":
				m.Rcode = dns.RcodeNameError
				m.Ns = []dns.RR{rr(soa)}
			case "nodata.example.com":
				m.Ns = []dns.RR{rr(soa)}
			case "fail.example.com":
				m.Rcode = dns.RcodeServerFailure
			case "refused.example.com":
				m.Rcode = dns.RcodeRefused
			case "notimp.example.com":
				m.Rcode = dns.RcodeNotImplemented
			case "child.example.com":
				m.Authoritative = false
				m.Ns = []dns.RR{rr("child.example.com. 300 IN NS ns1.child.example.com.")}
				m.Extra = []dns.RR{rr("ns1.child.example.com. 300 IN A 192.0.2.53")}
			}
		})
	}, nil)
	for _, c := range []struct {
		name  string
		out   Outcome
		check func(q Query) bool
	}{
		{"a.example.com", Answer, func(q Query) bool {
			return len(q.Records) == 1 && q.Records[0].Data == "192.0.2.1" && q.Records[0].TTL == 60 && q.AA
		}},
		{"nx.example.com", NXDomain, func(q Query) bool { return q.NegTTL != nil && *q.NegTTL == 120 && q.Authority[0].Name == "example.com" }},
		{"nodata.example.com", NoData, func(q Query) bool { return q.NegTTL != nil && *q.NegTTL == 120 }},
		{"fail.example.com", ServFail, func(q Query) bool { return q.Rcode == "SERVFAIL" && q.Error != "" }},
		{"refused.example.com", Refused, func(q Query) bool { return q.Rcode == "REFUSED" }},
		{"notimp.example.com", OtherRcode, func(q Query) bool { return q.Rcode == "NOTIMP" }},
		{"child.example.com", Referral, func(q Query) bool { return len(q.Additional) == 1 && q.Additional[0].Data == "192.0.2.53" }},
	} {
		q := Ask(ctxFor(t, 2*time.Second), addr, c.name, dns.TypeA, false)
		if q.Outcome != c.out || !c.check(q) || q.Tries != 1 {
			t.Errorf("%s: %+v", c.name, q)
		}
	}
}

// A truncated UDP answer is asked again over TCP, without counting a try.
func TestAskTruncatedFallsBackToTCP(t *testing.T) {
	var many []dns.RR
	for i := 1; i <= 100; i++ {
		many = append(many, rr("big.example.com. 300 IN A 192.0.2."+itoa(i)))
	}
	addr := serve(t,
		func(w dns.ResponseWriter, r *dns.Msg) {
			reply(w, r, func(m *dns.Msg) { m.Truncated = true })
		},
		func(w dns.ResponseWriter, r *dns.Msg) {
			reply(w, r, func(m *dns.Msg) { m.Answer = many })
		})
	q := Ask(ctxFor(t, 2*time.Second), addr, "big.example.com", dns.TypeA, true)
	if q.Outcome != Answer || !q.TCP || q.Truncated || len(q.Records) != maxRecords || q.Tries != 1 {
		t.Fatalf("%+v", q)
	}
}

// TCP failing after truncation keeps the truncated answer, said so.
func TestAskTruncatedTCPRefused(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	su := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		reply(w, r, func(m *dns.Msg) {
			m.Truncated = true
			m.Answer = []dns.RR{rr("t.example.com. 300 IN A 192.0.2.9")}
		})
	})}
	go su.ActivateAndServe() //nolint:errcheck
	t.Cleanup(func() { su.Shutdown() })
	q := Ask(ctxFor(t, 2*time.Second), pc.LocalAddr().String(), "t.example.com", dns.TypeA, true)
	if !q.TCP || !q.Truncated || q.Outcome != Answer || !strings.Contains(q.Error, "TCP failed") {
		t.Fatalf("%+v", q)
	}
}

// A lost datagram is asked again within the deadline.
func TestAskRetriesLostDatagram(t *testing.T) {
	var n atomic.Int32
	addr := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		if n.Add(1) == 1 {
			return // dropped
		}
		reply(w, r, func(m *dns.Msg) { m.Answer = []dns.RR{rr("r.example.com. 60 IN A 192.0.2.7")} })
	}, nil)
	start := time.Now()
	q := Ask(ctxFor(t, 3*time.Second), addr, "r.example.com", dns.TypeA, true)
	if q.Outcome != Answer || q.Tries != 2 || time.Since(start) > 2*time.Second {
		t.Fatalf("%+v after %s", q, time.Since(start))
	}
}

// A server that rejects EDNS is asked again without it.
func TestAskWithoutEDNS(t *testing.T) {
	addr := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		reply(w, r, func(m *dns.Msg) {
			if r.IsEdns0() != nil {
				m.Rcode = dns.RcodeFormatError
				return
			}
			m.Answer = []dns.RR{rr("old.example.com. 60 IN A 192.0.2.8")}
		})
	}, nil)
	q := Ask(ctxFor(t, 2*time.Second), addr, "old.example.com", dns.TypeA, true)
	if q.Outcome != Answer || q.Records[0].Data != "192.0.2.8" {
		t.Fatalf("%+v", q)
	}
}

// A silent server costs the deadline, no more, in several tries.
func TestAskSilentBoundedByDeadline(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	start := time.Now()
	q := Ask(ctxFor(t, 600*time.Millisecond), pc.LocalAddr().String(), "s.example.com", dns.TypeA, true)
	took := time.Since(start)
	if q.Outcome != Timeout || q.Tries < 3 || took > 800*time.Millisecond || took < 550*time.Millisecond {
		t.Fatalf("%+v after %s", q, took)
	}
	if !strings.Contains(q.String(), "no answer within") || !strings.Contains(q.String(), "tries") {
		t.Fatal(q.String())
	}
}

// Nothing listening: refused at once, not retried until the deadline.
func TestAskUnreachable(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	start := time.Now()
	q := Ask(ctxFor(t, 2*time.Second), addr, "u.example.com", dns.TypeA, true)
	if q.Outcome != Unreachable || time.Since(start) > 500*time.Millisecond || !strings.Contains(q.Error, "refused") {
		t.Fatalf("%+v", q)
	}
}

func TestTryTimeout(t *testing.T) {
	if d := tryTimeout(9*time.Second, 1); d != 3*time.Second {
		t.Error(d)
	}
	if d := tryTimeout(30*time.Second, 1); d != maxTry {
		t.Error(d)
	}
	if d := tryTimeout(100*time.Millisecond, 1); d != 100*time.Millisecond {
		t.Error(d)
	}
	if d := tryTimeout(5*time.Second, maxTries); d != 5*time.Second {
		t.Error(d)
	}
}

// Lookup walks a chain link by link where the resolver answers SERVFAIL
// (as resolvers do for a loop), and finds the loop.
func TestLookupWalksLoop(t *testing.T) {
	addr := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		q := r.Question[0]
		reply(w, r, func(m *dns.Msg) {
			if q.Qtype != dns.TypeCNAME {
				m.Rcode = dns.RcodeServerFailure
				return
			}
			switch q.Name {
			case "l1.example.com.":
				m.Answer = []dns.RR{rr("l1.example.com. 60 IN CNAME l2.example.com.")}
			case "l2.example.com.":
				m.Answer = []dns.RR{rr("l2.example.com. 60 IN CNAME L1.example.com.")}
			}
		})
	}, nil)
	res := Lookup(ctxFor(t, 2*time.Second), addr, "l1.example.com", dns.TypeA)
	c := res.Chain()
	if !c.Loop || len(res.Queries) != 3 || strings.Join(c.Names, " ") != "l1.example.com l2.example.com l1.example.com" {
		t.Fatalf("%+v %+v", c, res.Queries)
	}
}

// Lookup asks the data of a chain's end when the answer stops short.
func TestLookupCompletesShortChain(t *testing.T) {
	addr := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		q := r.Question[0]
		reply(w, r, func(m *dns.Msg) {
			switch {
			case q.Name == "a.example.com.":
				m.Answer = []dns.RR{rr("a.example.com. 60 IN CNAME b.example.net.")}
			case q.Name == "b.example.net." && q.Qtype == dns.TypeA:
				m.Answer = []dns.RR{rr("b.example.net. 60 IN A 192.0.2.44")}
			}
		})
	}, nil)
	res := Lookup(ctxFor(t, 2*time.Second), addr, "a.example.com", dns.TypeA)
	c := res.Chain()
	if len(c.Data) != 1 || c.Data[0].Data != "192.0.2.44" || c.Final != "b.example.net" {
		t.Fatalf("%+v %+v", c, res.Queries)
	}
}

func TestFollowChain(t *testing.T) {
	cn := func(from, to string) Record { return Record{Name: from, Type: "CNAME", TTL: 60, Data: to} }
	a := func(name, ip string) Record { return Record{Name: name, Type: "A", TTL: 60, Data: ip} }
	for _, c := range []struct {
		name       string
		recs       []Record
		final      string
		data       int
		loop, long bool
		links      int
	}{
		{"plain", []Record{a("x", "192.0.2.1"), a("x", "192.0.2.2"), a("x", "192.0.2.1")}, "x", 2, false, false, 0},
		{"chain", []Record{cn("x", "y"), cn("y", "z"), a("z", "192.0.2.1")}, "z", 1, false, false, 2},
		{"dangling", []Record{cn("x", "y")}, "y", 0, false, false, 1},
		{"loop", []Record{cn("x", "y"), cn("y", "x"), a("x", "192.0.2.1")}, "y", 0, true, false, 2},
		{"self", []Record{cn("x", "x")}, "x", 0, true, false, 1},
		{"unrelated data", []Record{cn("x", "y"), a("x", "192.0.2.1")}, "y", 0, false, false, 1},
	} {
		ch := FollowChain("X.", "A", c.recs)
		if ch.Final != c.final || len(ch.Data) != c.data || ch.Loop != c.loop || ch.TooLong != c.long || len(ch.CNAMEs) != c.links {
			t.Errorf("%s: %+v", c.name, ch)
		}
	}
	var long []Record
	for i := 0; i < 12; i++ {
		long = append(long, cn("n"+itoa(i), "n"+itoa(i+1)))
	}
	if ch := FollowChain("n0", "A", long); !ch.TooLong || len(ch.CNAMEs) != MaxChain+1 {
		t.Errorf("too long: %+v", ch)
	}
}

func TestParseResolver(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.53": "192.0.2.53:53", "192.0.2.53:5353": "192.0.2.53:5353", "2001:db8::1": "[2001:db8::1]:53",
		"[2001:db8::1]": "[2001:db8::1]:53", "[2001:db8::1]:54": "[2001:db8::1]:54", "::1": "[::1]:53",
		"bad": "", "192.0.2.1:0": "", "192.0.2.1:70000": "", "host.example:53": "", "1.2.3": "",
	} {
		got, err := ParseResolver(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
}

func TestSystemResolvers(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "resolv.conf")
	os.WriteFile(p, []byte("# comment\nsearch example.com\nnameserver 192.0.2.53\nnameserver 2001:db8::53\nnameserver 192.0.2.53\noptions timeout:1\n"), 0o644)
	got, err := SystemResolvers(p)
	if err != nil || strings.Join(got, " ") != "192.0.2.53:53 [2001:db8::53]:53" {
		t.Fatalf("%v %v", got, err)
	}
	os.WriteFile(p, []byte("search example.com\n"), 0o644)
	if _, err := SystemResolvers(p); err == nil || !strings.Contains(err.Error(), "no nameserver") {
		t.Fatal(err)
	}
	if _, err := SystemResolvers(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing file read")
	}
}

func TestAncestorsAndSubdomain(t *testing.T) {
	if got := strings.Join(ancestors("a.b.example.com"), " "); got != "a.b.example.com b.example.com example.com com ." {
		t.Error(got)
	}
	if !IsSubdomain("a.example.com", "example.com") || IsSubdomain("aexample.com", "example.com") || !IsSubdomain("x", ".") {
		t.Error("IsSubdomain")
	}
}

func TestInterfaceAddressesSkipLoopback(t *testing.T) {
	addrs, err := InterfaceAddresses()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if strings.HasPrefix(a.IP, "127.") || a.IP == "::1" || strings.HasPrefix(a.IP, "fe80:") {
			t.Errorf("%+v listed", a)
		}
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// The zone is decided from the answers arrived: a parent level that never
// answers holds nothing up once a deeper level shows the zone, and a
// level still due that could change the result is waited for.
func TestZoneFoundFromDeeperLevels(t *testing.T) {
	cands := ancestors("voice.company.lan")
	soa := Record{Name: "company.lan", Type: "SOA", Data: "ns.company.lan. admin.company.lan. 1 600 300 86400 300"}
	nodata := Query{Outcome: NoData, Authority: []Record{soa}}
	ns := Query{Outcome: Answer, Records: []Record{{Name: "company.lan", Type: "NS", Data: "ns.company.lan"}}}
	noSOA := Query{Outcome: NXDomain}
	for _, c := range []struct {
		name    string
		answers map[int]Query
		found   int
		decided bool
	}{
		{"own zone answered, parents silent", map[int]Query{0: nodata, 1: ns}, 1, true},
		{"the SOA's level still due", map[int]Query{0: nodata}, -1, false},
		{"a deeper level still due", map[int]Query{1: ns, 2: noSOA, 3: noSOA}, -1, false},
		{"no SOA: the parents decide", map[int]Query{0: noSOA, 1: ns}, 1, true},
		{"nothing anywhere", map[int]Query{0: noSOA, 1: noSOA, 2: noSOA, 3: noSOA}, -1, true},
	} {
		answers, arrived := make([]Query, len(cands)), make([]bool, len(cands))
		for i, q := range c.answers {
			answers[i], arrived[i] = q, true
		}
		if found, decided := zoneFound(cands, answers, arrived); found != c.found || decided != c.decided {
			t.Errorf("%s: found %d decided %v, want %d %v", c.name, found, decided, c.found, c.decided)
		}
	}
}

// A resolver that knows only its own zone and never answers for its
// parents (an internal resolver without upstream): the zone and its
// server are found, and the silent levels are not waited for.
func TestFindZoneSilentParents(t *testing.T) {
	addr := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		q := r.Question[0]
		switch {
		case q.Name == "company.lan." && q.Qtype == dns.TypeNS:
			reply(w, r, func(m *dns.Msg) {
				m.Authoritative, m.Answer = true, []dns.RR{rr("company.lan. 300 IN NS ns.company.lan.")}
			})
		case q.Name == "ns.company.lan." && q.Qtype == dns.TypeA:
			reply(w, r, func(m *dns.Msg) {
				m.Authoritative, m.Answer = true, []dns.RR{rr("ns.company.lan. 300 IN A 127.0.0.254")}
			})
		case strings.HasSuffix(q.Name, ".company.lan."):
			reply(w, r, func(m *dns.Msg) {
				m.Authoritative = true
				m.Ns = []dns.RR{rr("company.lan. 300 IN SOA ns.company.lan. admin.company.lan. 1 600 300 86400 300")}
			})
		} // lan. and .: never an answer
	}, nil)
	z := FindZone(ctxFor(t, 4*time.Second), []string{addr}, "voice.company.lan")
	if z.Name != "company.lan" || len(z.Servers) != 1 || z.Servers[0].Name != "ns.company.lan" {
		t.Fatalf("zone %+v", z)
	}
	if !strings.Contains(strings.Join(z.Trace, "\n"), "not waited for (the zone is known from deeper levels): NS of lan, .") {
		t.Errorf("trace: %s", strings.Join(z.Trace, "\n"))
	}
}
