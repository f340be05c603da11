package fqdncheck

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/dnsprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// authServer is one authoritative server's reading of a name.
type authServer struct {
	host, server string
	a, aaaa      view
}

func (s authServer) label() string {
	host, _, _ := net.SplitHostPort(s.server)
	return s.host + " (" + host + ")"
}

// worse keeps the worse of two statuses (fail > warn > pass).
func worse(a, b report.Status) report.Status {
	rank := map[report.Status]int{report.Pass: 0, report.Skip: 0, report.Warn: 1, report.Fail: 2}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

var CheckAuthoritative = &check.Check[Facts]{Meta: check.Meta{
	ID: "fqdn.authoritative", Title: "Authoritative servers agree with the resolvers", Action: Action, Area: check.DNS,
	Verifies: "The zone's servers, found through NS records and asked directly, answer and agree with each " +
		"other and with the resolvers; stale resolver caches are named with the seconds they still hold " +
		"the old answer.",
	Doc: "The zone's servers (up to 6 NS hosts, 2 addresses each), asked directly without recursion, " +
		"answer authoritatively, agree among themselves (else a secondary is not updated) and with every " +
		"resolver. A resolver holding another answer holds an old one in its cache: the message names it, " +
		"the answer it gives, and how many seconds it keeps it (its remaining TTL): propagation in " +
		"progress, a `warn` in `plan` and a `fail` in `cutover`. A server that is silent, refuses or is " +
		"not authoritative (lame) is a `warn` when others answer, a `fail` when none does.",
}, Eval: checkAuthoritative}

// checkAuthoritative judges fqdn.authoritative: the zone's servers, asked
// directly, answer and agree among themselves and with the resolvers.
// A resolver that disagrees still holds an older answer in its cache: the
// message says which and for how many seconds more (its remaining TTL);
// a warn in plan, a fail in cutover, where it means users still reach the
// old address.
func checkAuthoritative(f Facts) []report.Finding {
	return f.perName(func(s subject, nf *dnsprobe.NameFacts, fd report.Finding) report.Finding {
		return authoritative(f, s, nf, fd)
	})
}

func authoritative(f Facts, s subject, nf *dnsprobe.NameFacts, fd report.Finding) report.Finding {
	if out, done := zoneUnknown(f, s, nf, fd); done {
		return out
	}
	z := nf.Zone
	rA, r6 := resolverViews(nf, "A"), resolverViews(nf, "AAAA")
	good, bad, servers := classifyServers(nf.Authorities, z.Name)
	fd.Data["servers"] = servers
	fd.Data["resolvers"] = answersData(rA)
	if len(good) == 0 {
		fd.Status = report.Fail
		who := fmt.Sprintf("none of the %d servers of the zone %s answers", len(bad), z.Name)
		if len(bad) == 1 {
			who = fmt.Sprintf("the only server of the zone %s does not answer", z.Name)
		}
		fd.Message = fmt.Sprintf("%s for %s: %s", who, s.ASCII, serverList(bad))
		fd.Remediation = hint(fmt.Sprintf("Fix the name servers of %s: each must answer authoritatively for the zone (check them, and the NS records at the parent)", z.Name),
			dig(bad[0].server, s.ASCII, "A", true))
		return fd
	}
	v := verdict{status: report.Pass, serious: report.Warn}
	if f.Phase == Cutover {
		v.serious = report.Fail
	}
	truth := truthOf(good)
	v.disagreement(s, z.Name, good, truth)
	v.staleCaches(f, s, good, truth, map[string][]view{"A": rA, "AAAA": r6})
	v.failing(s, z.Name, good, bad)
	fd.Status = v.status
	if v.status == report.Pass {
		var labels []string
		for _, g := range good {
			labels = append(labels, g.label())
		}
		who := fmt.Sprintf("the %d servers of the zone %s (%s) answer", len(good), z.Name, strings.Join(labels, ", "))
		if len(good) == 1 {
			who = fmt.Sprintf("the only server of the zone %s (%s) answers", z.Name, labels[0])
		}
		fd.Message = fmt.Sprintf("%s %s, as the resolvers do", who, truthText(truth))
		return fd
	}
	fd.Message = strings.Join(v.msgs, "; ")
	fd.Remediation = v.rem
	return fd
}

// zoneUnknown is the finding when the zone or its servers could not be
// found or asked (done is then true).
func zoneUnknown(f Facts, s subject, nf *dnsprobe.NameFacts, fd report.Finding) (report.Finding, bool) {
	z := nf.Zone
	if z == nil {
		fd.Status, fd.Message = report.Skip, "the zone's servers were not looked for"
		return fd, true
	}
	fd.Data["zone"], fd.Data["trace"] = z.Name, z.Trace
	switch {
	case z.Err != "" && allFailed(resolverViews(nf, "A")):
		fd.Status, fd.Message = report.Skip, fmt.Sprintf("%s could not be resolved (see fqdn.resolves), nor its zone's servers found: %s", s.ASCII, z.Err)
	case z.Err != "":
		fd.Status = report.Warn
		fd.Message = fmt.Sprintf("the authoritative servers of %s could not be found, so the resolvers' answers cannot be compared with the source: %s", s.ASCII, z.Err)
		fd.Remediation = hint("Check the NS records of the zone and of its parent", f.digResolver(parentOf(s.ASCII), "NS"))
	case len(nf.Authorities) == 0:
		fd.Status = report.Warn
		fd.Message = fmt.Sprintf("no server of the zone %s could be asked (%s), so the resolvers' answers cannot be compared with the source", z.Name, orText(hostErrors(z), "no address"))
		fd.Remediation = hint("Check the NS records of "+z.Name+" and the addresses of its name servers", f.digResolver(z.Name, "NS"))
	default:
		return fd, false
	}
	return fd, true
}

// classifyServers splits the zone's servers into those that answer
// authoritatively and those that fail or are lame.
func classifyServers(auths []dnsprobe.ServerAnswers, zone string) (good, bad []authServer, details map[string]string) {
	details = map[string]string{}
	for _, a := range auths {
		as := authServer{host: a.Host, server: a.Server, a: seeAuth(a.A, zone), aaaa: seeAuth(a.AAAA, zone)}
		details[as.label()] = as.a.detail
		if as.a.kind == vFailed || as.a.kind == vLame {
			bad = append(bad, as)
		} else {
			good = append(good, as)
		}
	}
	return good, bad, details
}

// truthOf is what the answering servers say, by record type.
func truthOf(good []authServer) map[string]map[string]bool {
	truth := map[string]map[string]bool{"A": {}, "AAAA": {}}
	for _, g := range good {
		truth["A"][g.a.hop] = true
		truth["AAAA"][g.aaaa.hop] = true
	}
	delete(truth["A"], "")
	delete(truth["AAAA"], "")
	return truth
}

// verdict gathers what is wrong with the zone's answers: the worst status,
// the messages, and the first remedy (stale caches replace it: waiting is
// what to do then).
type verdict struct {
	status, serious report.Status
	msgs            []string
	rem             *report.Remediation
}

func (v *verdict) add(st report.Status, msg string) {
	v.status = worse(v.status, st)
	v.msgs = append(v.msgs, msg)
}

// disagreement: servers of the same zone answering differently.
func (v *verdict) disagreement(s subject, zone string, good []authServer, truth map[string]map[string]bool) {
	for _, typ := range []string{"A", "AAAA"} {
		if len(truth[typ]) <= 1 {
			continue
		}
		var parts []string
		for _, g := range good {
			sv := g.a
			if typ == "AAAA" {
				sv = g.aaaa
			}
			parts = append(parts, g.label()+" "+sv.detail)
		}
		v.add(v.serious, fmt.Sprintf("the zone's servers disagree on %s %s: %s (a secondary not yet updated?)", s.ASCII, typ, strings.Join(parts, "; ")))
		if v.rem == nil {
			v.rem = hint(fmt.Sprintf("Make every server of %s serve the same zone (check the serial and the zone transfers), then run the check again", zone),
				dig(good[0].server, zone, "SOA", true))
		}
	}
}

// staleCaches: resolvers holding another answer than the source.
func (v *verdict) staleCaches(f Facts, s subject, good []authServer, truth map[string]map[string]bool, views map[string][]view) {
	var stale []string
	var left int64
	for typ, vs := range views {
		if len(truth[typ]) == 0 {
			continue
		}
		for _, rv := range vs {
			if rv.hop == "" || truth[typ][rv.hop] {
				continue
			}
			remaining := "time left unknown"
			if rv.ttl >= 0 {
				remaining = ttlText(rv.ttl) + " left"
				left = max(left, rv.ttl)
			}
			seen := rv.hop
			if seen == "none" {
				seen = "that it does not exist"
			}
			stale = append(stale, fmt.Sprintf("%s still answers %s for %s %s (cached, %s)", rv.server, seen, s.ASCII, typ, remaining))
		}
	}
	if len(stale) == 0 {
		return
	}
	sort.Strings(stale)
	v.add(v.serious, fmt.Sprintf("propagation in progress: %s; the authoritative servers answer %s: every resolver has the new answer within %s",
		strings.Join(stale, "; "), truthText(truth), ttlText(left)))
	v.rem = hint(fmt.Sprintf("Wait %s (the time left in the resolvers' caches) and run the check again; before a change, lower the TTL (see fqdn.ttl)", ttlText(left)),
		f.digResolver(s.ASCII, "A"), dig(good[0].server, s.ASCII, "A", true))
}

// failing: some of the zone's servers fail or are lame.
func (v *verdict) failing(s subject, zone string, good, bad []authServer) {
	if len(bad) == 0 {
		return
	}
	v.add(report.Warn, fmt.Sprintf("%d of the zone's %d servers fail: %s; a resolver that picks a failing server answers late or not at all", len(bad), len(bad)+len(good), serverList(bad)))
	if v.rem == nil {
		v.rem = hint(fmt.Sprintf("Fix the failing name servers of %s, or remove them from its NS records", zone), dig(bad[0].server, s.ASCII, "A", true))
	}
}

func serverList(ss []authServer) string {
	var parts []string
	for _, s := range ss {
		parts = append(parts, s.label()+": "+s.a.detail)
	}
	return strings.Join(parts, "; ")
}

func truthText(truth map[string]map[string]bool) string {
	a, aaaa := check.SortedKeys(truth["A"]), check.SortedKeys(truth["AAAA"])
	if len(a) == 1 && len(aaaa) == 1 && a[0] == aaaa[0] && strings.HasPrefix(a[0], "CNAME ") {
		return a[0] // a CNAME answers both questions
	}
	var parts []string
	for _, typ := range []string{"A", "AAAA"} {
		for _, h := range check.SortedKeys(truth[typ]) {
			if h == "none" {
				h = "no record"
			}
			parts = append(parts, typ+" "+h)
		}
	}
	return strings.Join(parts, ", ")
}

var CheckTTL = &check.Check[Facts]{Meta: check.Meta{
	ID: "fqdn.ttl", Title: "TTL low enough for the cutover", Action: Action, Area: check.DNS,
	Verifies: "The TTL of each record of the FQDN as the zone publishes it is at most 3600 s in plan, and a " +
		"missing record is not hidden long by the zone's negative TTL.",
	Doc: "The TTL of each record of the name (CNAMEs included) as the zone publishes it (a resolver's " +
		"remaining TTL when no server answered, said so). Above 3600 s is a `warn` in `plan`: lower it at " +
		"least one old TTL before the cutover, so caches drop the old address in time. Without a record " +
		"in `plan`, a negative TTL (SOA minimum) above 3600 s is a `warn`: a resolver that asked early " +
		"keeps \"does not exist\" that long after the record is created.",
}, Eval: checkTTL}

// checkTTL judges fqdn.ttl: the TTL of each record of the name as the
// zone publishes it. Above an hour is a warn in plan: it must be lowered
// at least one old TTL before the cutover. Without a record in plan, the
// zone's negative TTL says how long an early lookup hides a new record.
func checkTTL(f Facts) []report.Finding {
	return f.perName(func(s subject, nf *dnsprobe.NameFacts, fd report.Finding) report.Finding {
		recs, from, neg, answered := publishedTTLs(nf)
		var list []map[string]any
		var max int64 = -1
		var parts []string
		for _, r := range recs {
			list = append(list, map[string]any{"name": r.Name, "type": r.Type, "ttl": r.TTL})
			parts = append(parts, fmt.Sprintf("%s %s %s", r.Name, r.Type, ttlText(int64(r.TTL))))
			if int64(r.TTL) > max {
				max = int64(r.TTL)
			}
		}
		fd.Data["records"], fd.Data["source"], fd.Data["maximum"] = list, from, MaxTTL
		switch {
		case len(recs) == 0 && !answered:
			fd.Status, fd.Message = report.Skip, fmt.Sprintf("%s could not be resolved, so no TTL could be read (see fqdn.resolves)", s.ASCII)
		case len(recs) == 0 && f.Phase == Cutover:
			fd.Status, fd.Message = report.Skip, fmt.Sprintf("%s has no record to measure (see fqdn.resolves)", s.ASCII)
		case len(recs) == 0 && neg > MaxTTL:
			fd.Status = report.Warn
			fd.Data["negative_ttl"] = neg
			fd.Message = fmt.Sprintf("%s has no record yet, and the zone %s tells resolvers to cache that for %s (SOA minimum): a resolver that asks before the record exists will not see it for that long", s.ASCII, zoneOf(nf), ttlText(neg))
			fd.Remediation = hint(fmt.Sprintf("Create the record of %s at least %s before the cutover, or lower the SOA minimum of %s to %d s or less", s.ASCII, ttlText(neg), zoneOf(nf), MaxTTL),
				f.digResolver(zoneOf(nf), "SOA"))
		case len(recs) == 0:
			fd.Message = fmt.Sprintf("%s has no record yet; when you create it, a TTL of %d s or less lets a mistake be corrected quickly", s.ASCII, MaxTTL)
			if neg >= 0 {
				fd.Data["negative_ttl"] = neg
				fd.Message += fmt.Sprintf(" (its absence is cached for %s)", ttlText(neg))
			}
		case max > MaxTTL && f.Phase == Plan:
			fd.Status = report.Warn
			fd.Message = fmt.Sprintf("TTL of %s (per %s), above %d s: after a change, caches keep the old answer up to %s", strings.Join(parts, ", "), from, MaxTTL, ttlText(max))
			fd.Remediation = hint(fmt.Sprintf("Lower the TTL of %s to %d s or less, at least one old TTL (%s) before the cutover", s.ASCII, MaxTTL, ttlText(max)),
				f.digResolver(s.ASCII, "A"))
		case max > MaxTTL:
			fd.Message = fmt.Sprintf("TTL of %s (per %s); a long TTL slows any later correction", strings.Join(parts, ", "), from)
		default:
			fd.Message = fmt.Sprintf("TTL of %s (per %s), at most %d s", strings.Join(parts, ", "), from, MaxTTL)
		}
		return fd
	})
}

// publishedTTLs returns the records of the name with the TTLs the zone
// publishes (the first authoritative server with data), or those of a
// resolver (time left in its cache) when no server answered; without a
// record, the negative TTL (-1 when unknown). answered is false when no
// server gave any DNS answer.
func publishedTTLs(nf *dnsprobe.NameFacts) (recs []dnsprobe.Record, from string, neg int64, answered bool) {
	neg = -1
	zone := zoneOf(nf)
	take := func(va, v6 view) []dnsprobe.Record {
		recs := append(append([]dnsprobe.Record{}, va.chain.CNAMEs...), va.chain.Data...)
		if v6.ok() {
			recs = append(recs, v6.chain.Data...)
		}
		return dedupRecords(recs)
	}
	for _, a := range nf.Authorities {
		va, v6 := seeAuth(a.A, zone), seeAuth(a.AAAA, zone)
		if va.kind == vFailed || va.kind == vLame {
			continue
		}
		answered = true
		if len(va.chain.CNAMEs) > 0 || va.ok() || v6.ok() {
			return take(va, v6), "the authoritative server " + a.Host, neg, true
		}
		if va.ttl >= 0 && neg < 0 {
			neg = va.ttl
		}
	}
	for _, r := range nf.Resolvers {
		va, v6 := see(r.A), see(r.AAAA)
		if va.kind == vFailed {
			continue
		}
		answered = true
		if len(va.chain.CNAMEs) > 0 || va.ok() || v6.ok() {
			return take(va, v6), "resolver " + r.Server + ", time left in its cache: the zone's TTL may be higher", neg, true
		}
		if va.ttl >= 0 && neg < 0 {
			neg = va.ttl
		}
	}
	return nil, "", neg, answered
}

// dedupRecords keeps one record per name and type (an RRset has one TTL).
func dedupRecords(recs []dnsprobe.Record) []dnsprobe.Record {
	seen := map[string]bool{}
	var out []dnsprobe.Record
	for _, r := range recs {
		k := r.Name + " " + r.Type
		if !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

var CheckVPNEndpoint = &check.Check[Facts]{Meta: check.Meta{
	ID: "vpn.endpoint", Title: "Leader VPN endpoint resolves to IPv4", Action: Action, Area: check.Network,
	Verifies: "The leader's VPN endpoint (node/<leader>/vpn endpoint) is set, not under .invalid, and is or " +
		"resolves to an IPv4 address NS7 can reach (not loopback or link-local), as NS7 needs to join.",
	Doc: "The leader's VPN endpoint (`node/<leader>/vpn` `endpoint`) is set, not under `.invalid` " +
		"(`leader.invalid` is what a cluster created without a public name has), not an IPv6 address, " +
		"in `host:port` form with a port of 1-65535 (ns8-core stores it so; NS7's `ns8-join` splits it at " +
		"`:` and resolves host and port), and its host resolves to an IPv4 address at the resolvers: " +
		"`ns8-join` resolves it for IPv4 only and gives up otherwise; a host in brackets, an IPv4-mapped " +
		"address or a port with a sign or a leading 0 fails too. An address NS7 cannot reach the leader " +
		"at fails, whether written or resolved: loopback (NS7 would dial itself), 0.0.0.0/8, link-local, " +
		"multicast, 240.0.0.0/4 or broadcast (RFC 6890), inside the cluster VPN network (`cluster/network`) " +
		"or a node's VPN address (NS7 dials the endpoint to build that tunnel); a private address passes " +
		"(NS7 and the leader may share a network). `skip` stand-alone.",
}, Eval: checkVPNEndpoint}

// checkVPNEndpoint judges vpn.endpoint: the leader's VPN endpoint
// (node/<leader>/vpn endpoint) is set, not under .invalid, and its host
// is, or resolves to, an IPv4 address: NS7's ns8-join resolves it for
// IPv4 only.
func checkVPNEndpoint(f Facts) []report.Finding {
	s := subject{Name: "leader"}
	if sk := f.clusterSkip(s); sk != nil {
		sk.Data = nil
		return []report.Finding{*sk}
	}
	leader := f.Cluster.Leader
	n := f.Cluster.Nodes[leader]
	fd := report.Finding{Subject: "node " + leader, Status: report.Pass}
	if n == nil {
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("the leader is node %q, but the cluster has no VPN record for it (node/%s/vpn)", leader, leader)
		fd.Remediation = hint("The cluster database is inconsistent: check the leader node", "api-cli run cluster/get-cluster-status")
		return []report.Finding{fd}
	}
	ep := n.VPN["endpoint"]
	host, port, portProblem := cluster.SplitEndpoint(ep)
	if host != "" {
		fd.Subject = sanitize(host)
	}
	fd.Data = map[string]any{"endpoint": sanitize(ep), "node": leader}
	setRem := hint("Set the leader's VPN endpoint to a public host name that resolves to the leader's IPv4 address (or to that address), port 55820, in the cluster administration", "api-cli run cluster/get-cluster-status")
	ip, ipErr := netip.ParseAddr(host)
	switch {
	case ep == "":
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("the leader (node %s) has no VPN endpoint (node/%s/vpn endpoint is empty): NS7 has nothing to join", leader, leader)
		fd.Remediation = setRem
	case host == "invalid" || strings.HasSuffix(strings.ToLower(host), ".invalid"):
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("the leader's VPN endpoint is %s: the cluster was created without a public host name, so NS7 cannot reach it", sanitize(ep))
		fd.Remediation = setRem
	case ipErr == nil && ip.Is4() && portProblem == "":
		if why := f.unreachableAt(ip); why != "" {
			fd.Status, fd.Remediation = report.Fail, setRem
			fd.Message = fmt.Sprintf("the leader's VPN endpoint is %s, %s: NS7 cannot reach the leader there", ip, why)
			break
		}
		fd.Message = fmt.Sprintf("the leader's VPN endpoint is the IPv4 address %s, port %s: NS7 needs no DNS to join", ip, port)
	case ipErr == nil && !ip.Is4():
		// An IPv4-mapped address is IPv6 text: ns8-join splits it at ':'.
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("the leader's VPN endpoint is the IPv6 address %s: NS7's ns8-join resolves the endpoint for IPv4 only", ip)
		fd.Remediation = setRem
	case portProblem != "":
		// ns8-join splits it into host and port, then resolves both.
		fd.Status = report.Fail
		fd.Message = "the leader's VPN endpoint " + sanitize(portProblem) + ": NS7 cannot join an endpoint that is not host:port with a port of 1-65535 (and no probe from NS7 asks about it)"
		fd.Remediation = setRem
	case ipErr == nil:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("the leader's VPN endpoint is the IPv6 address %s: NS7's ns8-join resolves the endpoint for IPv4 only", ip)
		fd.Remediation = setRem
	case !ParseFQDN(host).Valid():
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("the leader's VPN endpoint %q is not a valid host name: %s", sanitize(ep), ParseFQDN(host).Problem)
		fd.Remediation = setRem
	case f.Endpoint == nil:
		fd.Status = report.Skip
		fd.Message = fmt.Sprintf("the leader's VPN endpoint %s was not resolved: %s", host, orText(f.DNSErr, "no resolver to ask"))
	default:
		endpointResolved(f, &fd, host, port)
	}
	return []report.Finding{fd}
}

// endpointResolved judges the leader's VPN endpoint host from what the
// resolvers answered: an IPv4 address NS7 can reach the leader at.
func endpointResolved(f Facts, fd *report.Finding, host, port string) {
	vs := resolverViews(f.Endpoint, "A")
	fd.DurationMs = f.Endpoint.ElapsedMs
	fd.Data["answers"] = answersData(vs)
	set := map[string]bool{}
	var bad []string
	for _, v := range vs {
		for _, a := range v.addrs {
			if !set[a] {
				if ip, err := netip.ParseAddr(a); err == nil && f.unreachableAt(ip) != "" {
					bad = append(bad, a+" ("+f.unreachableAt(ip)+")")
				}
			}
			set[a] = true
		}
	}
	switch {
	case len(bad) > 0:
		// NS7's ns8-join may take any of the answers.
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("the leader's VPN endpoint %s resolves to an address NS7 cannot reach the leader at: %s; answers: %s", host, strings.Join(bad, ", "), atEach(vs))
		fd.Remediation = hint(fmt.Sprintf("Point %s at the leader's public IPv4 address (an A record), not at %s", host, strings.Join(bad, ", ")), f.digResolver(host, "A"))
	case len(set) > 0:
		fd.Message = fmt.Sprintf("the leader's VPN endpoint %s (port %s) resolves to IPv4 %s", host, port, atEach(vs))
	default:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("the leader's VPN endpoint %s does not resolve to an IPv4 address: %s; NS7 cannot join without it", host, atEach(vs))
		fd.Remediation = hint(fmt.Sprintf("Create an A record for %s to the leader's public IPv4 address: NS7 resolves it (IPv4 only) when it joins", host), f.digResolver(host, "A"))
	}
}

// unreachableAt says why NS7 cannot reach the leader's VPN endpoint at
// ip ("" when it might): loopback (NS7 would dial itself), "this network"
// 0.0.0.0/8, link-local, multicast, reserved 240.0.0.0/4 and broadcast
// (RFC 6890 special-purpose ranges), or inside the cluster VPN network
// (cluster/network) or a node's VPN address: the endpoint is what NS7
// dials to build that tunnel. Private addresses pass: NS7 and the leader
// may share a network.
func (f Facts) unreachableAt(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback():
		return "a loopback address (NS7 would dial itself)"
	case ip.IsUnspecified() || thisNetwork.Contains(ip):
		return "an address of \"this network\" 0.0.0.0/8, no host's"
	case ip.IsLinkLocalUnicast():
		return "a link-local address (not routed beyond one link)"
	case ip.IsMulticast() || reserved4.Contains(ip):
		return "not a host's address (multicast, reserved or broadcast)"
	}
	if f.Cluster == nil {
		return ""
	}
	if p, err := netip.ParsePrefix(f.Cluster.Network); err == nil && p.Contains(ip) {
		return fmt.Sprintf("inside the cluster VPN network %s (NS7 dials the endpoint to build that tunnel, so it must be reachable outside it)", p)
	}
	for id, n := range f.Cluster.Nodes {
		if n.VPN["ip_address"] == ip.String() {
			return fmt.Sprintf("the VPN address of node %s (NS7 dials the endpoint to build the tunnel, so it must be reachable outside it)", id)
		}
	}
	return ""
}

var (
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8")
	reserved4   = netip.MustParsePrefix("240.0.0.0/4") // 255.255.255.255 included
)

func hostErrors(z *dnsprobe.Zone) string {
	var parts []string
	for _, h := range z.Servers {
		if h.Err != "" {
			parts = append(parts, h.Name+": "+h.Err)
		}
	}
	return strings.Join(parts, "; ")
}
