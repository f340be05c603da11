package dnsworld

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The world answers as its package comment says, and Set changes the
// authoritative servers while the resolver keeps its cached answer.
func TestWorld(t *testing.T) {
	w := Start(t)
	for _, c := range []struct {
		addr, name string
		qtype      uint16
		rd         bool
		rcode      int
		want       string
	}{
		{w.Resolver, Voice, dns.TypeA, true, dns.RcodeSuccess, NodeAddr},
		{w.NS1, Voice, dns.TypeA, false, dns.RcodeSuccess, NodeAddr},
		{w.NS2, Wrong, dns.TypeA, false, dns.RcodeSuccess, NS7Addr},
		{w.Resolver, Missing, dns.TypeA, true, dns.RcodeNameError, ""},
		{w.Resolver, Empty, dns.TypeA, true, dns.RcodeSuccess, ""},
		{w.Resolver, Alias, dns.TypeA, true, dns.RcodeSuccess, NodeAddr},
		{w.Resolver, Loop, dns.TypeA, true, dns.RcodeServerFailure, ""},
		{w.Resolver, Dangling, dns.TypeA, true, dns.RcodeNameError, "nowhere.example.test"},
		{w.Resolver, V6, dns.TypeAAAA, true, dns.RcodeSuccess, OtherV6},
		{w.Resolver, LongTTL, dns.TypeA, true, dns.RcodeSuccess, "86400"},
		{w.Resolver, Branch, dns.TypeA, true, dns.RcodeSuccess, NodeAddr},
		{w.Resolver, Broken, dns.TypeA, true, dns.RcodeServerFailure, ""},
		{w.NS1, Broken, dns.TypeA, false, dns.RcodeRefused, ""},
		{w.Resolver, "example.com", dns.TypeA, true, dns.RcodeRefused, ""},
		{w.Internal, Voice, dns.TypeA, true, dns.RcodeSuccess, NodeAddr},
		{w.Internal, "example.test", dns.TypeNS, true, dns.RcodeSuccess, "ns1.example.test"},
		{w.Internal, Missing, dns.TypeA, true, dns.RcodeNameError, ""},
	} {
		r, err := Ask(c.addr, c.name, c.qtype, c.rd)
		if err != nil && c.name == Branch {
			// A cold resolver may spend longer than Ask waits on the
			// branch's silent server before it tries the other one; it
			// answers at once the second time (seen under load).
			r, err = Ask(c.addr, c.name, c.qtype, c.rd)
		}
		if err != nil {
			t.Errorf("%s %s at %s: %v", c.name, dns.TypeToString[c.qtype], c.addr, err)
			continue
		}
		if r.Rcode != c.rcode || !strings.Contains(answers(r), c.want) {
			t.Errorf("%s %s at %s: %s %v", c.name, dns.TypeToString[c.qtype], c.addr, dns.RcodeToString[r.Rcode], r.Answer)
		}
		if !c.rd && c.rcode == dns.RcodeSuccess && !r.Authoritative {
			t.Errorf("%s at %s: no AA flag", c.name, c.addr)
		}
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(Voice), dns.TypeA)
	for _, network := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: network, Timeout: 300 * time.Millisecond}
		if _, _, err := c.Exchange(m, Port53(w.Silent)); err == nil || !strings.Contains(err.Error(), "timeout") {
			t.Errorf("the silent server over %s: %v", network, err)
		}
	}
	// The internal resolver never answers for the parents of its zone.
	for _, name := range []string{"test.", "."} {
		q := new(dns.Msg)
		q.SetQuestion(name, dns.TypeNS)
		c := &dns.Client{Timeout: time.Second}
		if r, _, err := c.Exchange(q, Port53(w.Internal)); err == nil || !strings.Contains(err.Error(), "timeout") {
			t.Errorf("the internal resolver answered %s NS: %v %v", name, r, err)
		}
	}
	if _, err := Ask(w.Dead, Voice, dns.TypeA, true); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("the dead address: %v", err)
	}
	w.Warm(t, Moved, "A")
	w.Set(t, Moved, "A", NodeAddr)
	r, err := Ask(w.Resolver, Moved, dns.TypeA, true)
	if err != nil || len(r.Answer) != 1 || !strings.Contains(r.Answer[0].String(), NS7Addr) {
		t.Fatalf("the resolver should still answer the cached %s: %v %v", NS7Addr, r, err)
	}
	r, err = Ask(w.NS2, Moved, dns.TypeA, false)
	if err != nil || len(r.Answer) != 1 || !strings.Contains(r.Answer[0].String(), NodeAddr) {
		t.Fatalf("NS2 should answer the new %s: %v %v", NodeAddr, r, err)
	}
}

func answers(r *dns.Msg) string {
	var b strings.Builder
	for _, a := range r.Answer {
		b.WriteString(a.String() + "\n")
	}
	return b.String()
}
