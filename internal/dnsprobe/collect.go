package dnsprobe

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Resolution is what one server said about one name and type, the CNAME
// chain followed: the question, then what was asked because the server
// stopped short of the chain's end.
type Resolution struct {
	Server  string  `json:"server"`
	Name    string  `json:"name"`
	Type    string  `json:"type"`
	Queries []Query `json:"queries"`
}

// First is the question itself.
func (r Resolution) First() Query {
	if len(r.Queries) == 0 {
		return Query{Server: r.Server, Name: r.Name, Type: r.Type, Outcome: Failed, Error: "not asked"}
	}
	return r.Queries[0]
}

// Last is the last question asked.
func (r Resolution) Last() Query {
	if len(r.Queries) == 0 {
		return r.First()
	}
	return r.Queries[len(r.Queries)-1]
}

// Records are the answer records of every question, in order.
func (r Resolution) Records() []Record {
	var out []Record
	for _, q := range r.Queries {
		out = append(out, q.Records...)
	}
	return out
}

// Chain follows the CNAMEs of every answer from the name asked.
func (r Resolution) Chain() Chain { return FollowChain(r.Name, r.Type, r.Records()) }

// ServerAnswers is what one server said about a name, for A and AAAA.
type ServerAnswers struct {
	Server string     `json:"server"`
	Host   string     `json:"host,omitempty"` // the NS host name, for an authoritative server
	A      Resolution `json:"a"`
	AAAA   Resolution `json:"aaaa"`
}

// NSHost is one name server of a zone and its addresses.
type NSHost struct {
	Name  string   `json:"name"`
	Addrs []string `json:"addresses"`
	Err   string   `json:"error,omitempty"`
}

// Zone is where a name's data is published: the zone's apex and its
// servers, found through the resolvers' NS answers and the servers'
// referrals.
type Zone struct {
	Name    string   `json:"name,omitempty"`
	Servers []NSHost `json:"servers,omitempty"`
	// Trace says how the zone was found, one line per question.
	Trace []string `json:"trace"`
	Err   string   `json:"error,omitempty"`
}

// NameFacts is everything learnt about one name.
type NameFacts struct {
	Name string `json:"name"`
	// Resolvers are the answers of each resolver, in the order given.
	Resolvers []ServerAnswers `json:"resolvers"`
	// Zone is nil when the zone was not looked for (a host whose
	// authorities do not matter).
	Zone *Zone `json:"zone,omitempty"`
	// Authorities are the answers of the zone's servers asked directly
	// (recursion not desired), sorted by host and address.
	Authorities []ServerAnswers `json:"authorities,omitempty"`
	// CAA is the relevant CAA set, when asked for (Collector.CAA).
	CAA       *CAA  `json:"caa,omitempty"`
	ElapsedMs int64 `json:"elapsed_ms"`
}

// Limits on what one name may cost.
const (
	maxNSHosts    = 6 // NS hosts asked per zone
	maxHostAddrs  = 2 // addresses per NS host
	maxReferrals  = 4 // referrals followed down from the enclosing zone
	maxZoneWalkUp = 12
)

// Collector asks the questions of validate-fqdns.
type Collector struct {
	// Resolvers are asked recursively (ip:port), all of them, concurrently.
	Resolvers []string
	// CAA also looks up each name's relevant CAA set (for a certificate).
	CAA bool
}

// Names collects the facts of every name concurrently; each is bounded by
// ctx, so the whole call returns by ctx's deadline whatever the servers do.
func (c Collector) Names(ctx context.Context, names []string, withZone bool) map[string]*NameFacts {
	out := map[string]*NameFacts{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func(n string) {
			defer wg.Done()
			f := c.Name(ctx, n, withZone)
			mu.Lock()
			out[n] = f
			mu.Unlock()
		}(n)
	}
	wg.Wait()
	return out
}

// Name collects the facts of one name: every resolver's A and AAAA answers
// and, with withZone, the zone's servers and their own answers. The
// resolvers are asked while the zone is looked for.
func (c Collector) Name(ctx context.Context, name string, withZone bool) *NameFacts {
	start := time.Now()
	f := &NameFacts{Name: Canonical(name), Resolvers: make([]ServerAnswers, len(c.Resolvers))}
	var wg sync.WaitGroup
	for i, s := range c.Resolvers {
		f.Resolvers[i].Server = s
		wg.Add(2)
		go func(i int, s string) {
			defer wg.Done()
			f.Resolvers[i].A = Lookup(ctx, s, f.Name, dns.TypeA)
		}(i, s)
		go func(i int, s string) {
			defer wg.Done()
			f.Resolvers[i].AAAA = Lookup(ctx, s, f.Name, dns.TypeAAAA)
		}(i, s)
	}
	if c.CAA && withZone {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f.CAA = LookupCAA(ctx, c.Resolvers, f.Name)
		}()
	}
	if withZone {
		f.Zone = FindZone(ctx, c.Resolvers, f.Name)
		if f.Zone.Err == "" {
			f.Authorities = AskAuthorities(ctx, f.Zone, f.Name)
		}
	}
	wg.Wait()
	f.ElapsedMs = time.Since(start).Milliseconds()
	return f
}

// Lookup asks a resolver for name and follows the CNAME chain to its end.
// Where the resolver stops short (SERVFAIL, as resolvers answer a CNAME
// loop; or a chain that ends at a target without data), the links are
// asked for one by one as CNAME questions, so that a loop or a dangling
// target is seen as what it is.
func Lookup(ctx context.Context, server, name string, qtype uint16) Resolution {
	res := Resolution{Server: server, Name: Canonical(name), Type: dns.TypeToString[qtype]}
	first := Ask(ctx, server, name, qtype, true)
	res.Queries = append(res.Queries, first)
	switch first.Outcome {
	case ServFail:
		res.walk(ctx, res.Name, qtype, map[string]bool{res.Name: true})
	case Answer, NoData:
		c := res.Chain()
		if len(c.CNAMEs) > 0 && len(c.Data) == 0 && !c.Loop && !c.TooLong {
			seen := map[string]bool{}
			for _, n := range c.Names {
				seen[n] = true
			}
			res.walk(ctx, c.Final, qtype, seen)
		}
	}
	return res
}

// walk asks CNAME questions from name on, then the data of the chain's end.
func (r *Resolution) walk(ctx context.Context, from string, qtype uint16, seen map[string]bool) {
	cur := from
	for i := 0; i <= MaxChain; i++ {
		if ctx.Err() != nil {
			return
		}
		q := Ask(ctx, r.Server, cur, dns.TypeCNAME, true)
		r.Queries = append(r.Queries, q)
		if q.Outcome != Answer && q.Outcome != NoData {
			return // the name does not exist, or the server fails for it too
		}
		target := cnameTarget(q.Records, cur)
		if target == "" {
			break // cur owns no CNAME: the chain ends here
		}
		if seen[target] {
			return // a loop: the records show it
		}
		seen[target] = true
		cur = target
	}
	if cur == r.Name || ctx.Err() != nil {
		return // the name itself owns no CNAME: asking its data again teaches nothing
	}
	r.Queries = append(r.Queries, Ask(ctx, r.Server, cur, qtype, true))
}

func cnameTarget(recs []Record, owner string) string {
	for _, rr := range recs {
		if rr.Type == "CNAME" && rr.Name == owner {
			return rr.Data
		}
	}
	return ""
}

// race asks every server the same question concurrently and returns the
// first real DNS answer (not a timeout, SERVFAIL or REFUSED); if none,
// the failure of the first server. The others are cancelled.
func race(ctx context.Context, servers []string, ask func(ctx context.Context, server string) Query) Query {
	if len(servers) == 0 {
		return Query{Outcome: Failed, Error: "no server to ask"}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type res struct {
		i int
		q Query
	}
	ch := make(chan res, len(servers))
	for i, s := range servers {
		go func(i int, s string) { ch <- res{i, ask(ctx, s)} }(i, s)
	}
	got := make([]*Query, len(servers))
	for range servers {
		r := <-ch
		if useful(r.q.Outcome) {
			return r.q
		}
		q := r.q
		got[r.i] = &q
	}
	return *got[0]
}

func useful(o Outcome) bool { return o == Answer || o == NoData || o == NXDomain || o == Referral }

// FindZone finds the zone name belongs to and its servers, in two steps.
// First the resolvers are asked for the NS records of the name and of each
// parent, all at once and for at most half the time left (a resolver slow
// on one level, because a server of that zone is silent, does not hold up
// the others): the deepest level with NS records, or named by the SOA of a
// negative answer, is the enclosing zone found. The walk stops as soon as
// that level and every deeper one have answered: a parent the resolver
// never answers (an internal resolver knows its own zones only, and stays
// silent for "test." or ".") holds nothing up. Then that zone's servers
// are asked directly, without recursion, for the SOA of the name: a
// referral or the SOA of a deeper zone leads down, so that a child zone
// the resolvers fail on (or were slow on) is still found.
func FindZone(ctx context.Context, resolvers []string, name string) *Zone {
	z := &Zone{}
	name = Canonical(name)
	cands := ancestors(name)
	answers, arrived, found := askAncestors(ctx, resolvers, cands)
	var skipped []string
	for i, q := range answers {
		if arrived[i] {
			z.Trace = append(z.Trace, q.String())
		} else {
			skipped = append(skipped, cands[i])
		}
	}
	if len(skipped) > 0 {
		z.Trace = append(z.Trace, fmt.Sprintf("not waited for (the zone is known from deeper levels): NS of %s", strings.Join(skipped, ", ")))
	}
	if found < 0 {
		z.Err = fmt.Sprintf("no NS record found for %s or any parent (%s)", name, answers[0].String())
		return z
	}
	z.Name = cands[found]
	z.Servers = nsHosts(ctx, resolvers, z.Name, answers[found].Records, answers[found].Additional)
	z.descend(ctx, resolvers, name)
	if _, n := serverAddrs(z.Servers); n == 0 {
		z.Err = fmt.Sprintf("the name servers of %s have no address: %s", z.Name, hostErrors(z.Servers))
	}
	return z
}

// askAncestors asks the resolvers for the NS records of the name and of
// every parent at once, within half the time left, and returns as soon as
// the zone is decided (see zoneFound): the answers, which arrived, and the
// index of the zone (-1: none).
func askAncestors(ctx context.Context, resolvers []string, cands []string) ([]Query, []bool, int) {
	answers := make([]Query, len(cands))
	arrived := make([]bool, len(cands))
	walk, cancel := context.WithTimeout(ctx, half(ctx))
	defer cancel()
	type answer struct {
		i int
		q Query
	}
	ch := make(chan answer, len(cands)) // buffered: the questions left behind end with walk
	for i, c := range cands {
		go func() {
			ch <- answer{i, race(walk, resolvers, func(ctx context.Context, s string) Query { return Ask(ctx, s, c, dns.TypeNS, true) })}
		}()
	}
	for range cands {
		a := <-ch
		answers[a.i], arrived[a.i] = a.q, true
		if found, decided := zoneFound(cands, answers, arrived); decided {
			return answers, arrived, found
		}
	}
	return answers, arrived, -1
}

// zoneFound decides the zone from the answers arrived so far: the deepest
// level whose zoneAt is known, once every deeper level has answered
// without one. decided is false while a level that could change the
// result has not answered.
func zoneFound(cands []string, answers []Query, arrived []bool) (found int, decided bool) {
	for i := range cands {
		if !arrived[i] {
			return -1, false
		}
		if soa := soaOwner(answers[i].Authority); soa != "" && answers[i].Outcome.Negative() {
			if j := indexOf(cands, soa); j > i && !arrived[j] {
				return -1, false // the SOA names a parent whose NS answer is still due
			}
		}
		if z := zoneAt(cands, answers, i); z >= 0 {
			return z, true
		}
	}
	return -1, true
}

// zoneAt is the index of the zone the answer of cands[i] shows: cands[i]
// itself when it has NS records, the owner of the SOA of a negative answer
// when that one has NS records; -1 otherwise.
func zoneAt(cands []string, answers []Query, i int) int {
	q := answers[i]
	if hasOwned(q.Records, cands[i], "NS") {
		return i
	}
	if soa := soaOwner(q.Authority); soa != "" && q.Outcome.Negative() {
		if j := indexOf(cands, soa); j > i && hasOwned(answers[j].Records, soa, "NS") {
			return j
		}
	}
	return -1
}

// descend follows the zone's servers down to the zone that serves name:
// referrals, and child zones the resolvers did not show.
func (z *Zone) descend(ctx context.Context, resolvers []string, name string) {
	for depth := 0; depth < maxReferrals && ctx.Err() == nil; depth++ {
		addrs, _ := serverAddrs(z.Servers)
		q := race(ctx, addrs, func(ctx context.Context, s string) Query { return Ask(ctx, s, name, dns.TypeSOA, false) })
		z.Trace = append(z.Trace, q.String())
		child, referral := childZone(q, name)
		if child == "" || child == z.Name || !IsSubdomain(child, z.Name) || !IsSubdomain(name, child) {
			return // the zone found serves the name (or a lame server: judged later)
		}
		if referral {
			z.Name, z.Servers = child, nsHosts(ctx, resolvers, child, q.Authority, q.Additional)
			continue
		}
		nq := race(ctx, addrs, func(ctx context.Context, s string) Query { return Ask(ctx, s, child, dns.TypeNS, false) })
		z.Trace = append(z.Trace, nq.String())
		recs := append(append([]Record{}, nq.Records...), nq.Authority...) // an answer, or a referral from a parent-only server
		if !hasOwned(recs, child, "NS") {
			return
		}
		z.Name, z.Servers = child, nsHosts(ctx, resolvers, child, recs, nq.Additional)
	}
}

// childZone is the zone a server's SOA answer for name points to, and
// whether it is a referral.
func childZone(q Query, name string) (string, bool) {
	switch {
	case q.Outcome == Referral:
		for _, r := range q.Authority {
			if r.Type == "NS" {
				return r.Name, true
			}
		}
	case q.Outcome.Negative() && q.AA:
		return soaOwner(q.Authority), false
	case q.Outcome == Answer && q.AA && hasOwned(q.Records, name, "SOA"):
		return name, false // the name is a zone's apex
	}
	return "", false
}

// half is half the time ctx has left.
func half(ctx context.Context) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return time.Until(d) / 2
	}
	return defaultBudget / 2
}

// nsHosts lists the NS hosts of zone from recs, with their addresses from
// the glue or, without glue, from the resolvers.
func nsHosts(ctx context.Context, resolvers []string, zone string, recs, glue []Record) []NSHost {
	var names []string
	for _, r := range recs {
		if r.Type == "NS" && r.Name == zone && indexOf(names, r.Data) < 0 {
			names = append(names, r.Data)
		}
	}
	sort.Strings(names)
	if len(names) > maxNSHosts {
		names = names[:maxNSHosts]
	}
	hosts := make([]NSHost, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		hosts[i].Name = n
		for _, g := range glue {
			if g.Name == n && g.Type == "A" && len(hosts[i].Addrs) < maxHostAddrs {
				hosts[i].Addrs = append(hosts[i].Addrs, g.Data)
			}
		}
		if len(hosts[i].Addrs) > 0 {
			continue
		}
		wg.Add(1)
		go func(h *NSHost) {
			defer wg.Done()
			h.Addrs, h.Err = hostAddrs(ctx, resolvers, h.Name)
		}(&hosts[i])
	}
	wg.Wait()
	return hosts
}

// hostAddrs resolves an NS host: IPv4 first, IPv6 only when it has no IPv4.
func hostAddrs(ctx context.Context, resolvers []string, host string) ([]string, string) {
	var errs []string
	for _, t := range []uint16{dns.TypeA, dns.TypeAAAA} {
		q := race(ctx, resolvers, func(ctx context.Context, s string) Query { return Lookup(ctx, s, host, t).lastData(t) })
		var out []string
		for _, r := range FollowChain(host, dns.TypeToString[t], q.Records).Data {
			if len(out) < maxHostAddrs {
				out = append(out, r.Data)
			}
		}
		if len(out) > 0 {
			return out, ""
		}
		errs = append(errs, q.String())
	}
	return nil, strings.Join(errs, "; ")
}

// lastData folds a resolution into one query whose records hold the chain.
func (r Resolution) lastData(qtype uint16) Query {
	q := r.Last()
	q.Name = r.Name
	q.Records = r.Records()
	if len(FollowChain(r.Name, dns.TypeToString[qtype], q.Records).Data) > 0 {
		q.Outcome = Answer
	}
	return q
}

// serverAddrs lists the ip:53 of every host, and how many there are.
func serverAddrs(hosts []NSHost) ([]string, int) {
	var out []string
	for _, h := range hosts {
		for _, a := range h.Addrs {
			out = append(out, net.JoinHostPort(a, AuthorityPort))
		}
	}
	return out, len(out)
}

func hostErrors(hosts []NSHost) string {
	var out []string
	for _, h := range hosts {
		if h.Err != "" {
			out = append(out, h.Name+": "+h.Err)
		}
	}
	if len(out) == 0 {
		return "no NS host"
	}
	return strings.Join(out, "; ")
}

// AskAuthorities asks every server of the zone, directly and without
// recursion, for the A and AAAA records of name.
func AskAuthorities(ctx context.Context, z *Zone, name string) []ServerAnswers {
	var out []ServerAnswers
	for _, h := range z.Servers {
		for _, a := range h.Addrs {
			out = append(out, ServerAnswers{Server: net.JoinHostPort(a, AuthorityPort), Host: h.Name})
		}
	}
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(2)
		go func(sa *ServerAnswers) {
			defer wg.Done()
			sa.A = direct(ctx, sa.Server, name, dns.TypeA)
		}(&out[i])
		go func(sa *ServerAnswers) {
			defer wg.Done()
			sa.AAAA = direct(ctx, sa.Server, name, dns.TypeAAAA)
		}(&out[i])
	}
	wg.Wait()
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Host != out[j].Host {
			return out[i].Host < out[j].Host
		}
		return out[i].Server < out[j].Server
	})
	return out
}

// direct asks an authoritative server once; its answer carries the CNAME
// chain within its zone, and a target outside it is the resolvers' part.
func direct(ctx context.Context, server, name string, qtype uint16) Resolution {
	q := Ask(ctx, server, name, qtype, false)
	return Resolution{Server: server, Name: Canonical(name), Type: dns.TypeToString[qtype], Queries: []Query{q}}
}

// ancestors lists name and each parent up to the root.
func ancestors(name string) []string {
	var out []string
	for n := name; n != "." && n != ""; {
		out = append(out, n)
		i := strings.IndexByte(n, '.')
		if i < 0 {
			break
		}
		n = n[i+1:]
	}
	return append(out, ".")
}

// IsSubdomain reports whether child is parent or below it.
func IsSubdomain(child, parent string) bool {
	child, parent = Canonical(child), Canonical(parent)
	return parent == "." || child == parent || strings.HasSuffix(child, "."+parent)
}

func hasOwned(recs []Record, owner, typ string) bool {
	for _, r := range recs {
		if r.Name == owner && r.Type == typ {
			return true
		}
	}
	return false
}

func soaOwner(recs []Record) string {
	for _, r := range recs {
		if r.Type == "SOA" {
			return r.Name
		}
	}
	return ""
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// String summarizes a query in one line: what was asked where, and what
// came back.
func (q Query) String() string {
	head := fmt.Sprintf("%s %s at %s: ", q.Name, q.Type, q.Server)
	switch q.Outcome {
	case Answer:
		var d []string
		for _, r := range q.Records {
			d = append(d, r.Data)
		}
		return head + strings.Join(d, ", ")
	case NoData, NXDomain:
		s := head + strings.ToUpper(string(q.Outcome))
		if z := soaOwner(q.Authority); z != "" {
			s += " (zone " + z + ")"
		}
		return s
	case Referral:
		var d []string
		for _, r := range q.Authority {
			if r.Type == "NS" {
				d = append(d, r.Data)
			}
		}
		return head + "referral to " + strings.Join(d, ", ")
	case ServFail, Refused, OtherRcode:
		return head + q.Rcode
	}
	if q.Outcome == Timeout {
		return head + fmt.Sprintf("no answer within %.1f s (%d tries)", q.Elapsed().Seconds(), q.Tries)
	}
	return head + q.Error
}
