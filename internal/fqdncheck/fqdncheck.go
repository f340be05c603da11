package fqdncheck

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/dnsprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// Action is the action whose report carries these checks.
const Action = "validate-fqdns"

// Checks are the checks of validate-fqdns, in report order.
var Checks = []*check.Check[Facts]{
	CheckSyntax, CheckDistinct, CheckRouteFree, CheckResolves, CheckPointsToNode,
	CheckAAAA, CheckCNAME, CheckAuthoritative, CheckTTL, CheckCertificate, CheckVPNEndpoint,
}

// All judges the facts with every check of validate-fqdns.
func All(f Facts) []report.Finding { return check.Judge(Checks, f) }

func clusterTook(f Facts) time.Duration { return f.Took }

var roleTitle = map[string]string{RoleNethVoice: "NethVoice", RoleCTI: "CTI", RoleProxy: "proxy"}

func rolesText(roles []string) string {
	var t []string
	for _, r := range roles {
		t = append(t, roleTitle[r])
	}
	return strings.Join(t, " and ") + " FQDN"
}

func newFinding(s subject, st report.Status, msg string) report.Finding {
	return report.Finding{Subject: s.Name, Status: st, Message: msg, Data: map[string]any{"roles": s.Roles}}
}

var hint = check.Hint

// dig is the command that shows what a server answers (ip:port).
func dig(server, name, typ string, norec bool) string {
	host, port, err := net.SplitHostPort(server)
	if err != nil {
		return "dig " + name + " " + typ
	}
	cmd := "dig @" + host
	if port != "53" {
		cmd += " -p " + port
	}
	cmd += " " + name + " " + typ
	if norec {
		cmd += " +norec"
	}
	return cmd
}

func (f Facts) digResolver(name, typ string) string {
	if len(f.Resolvers) == 0 {
		return "dig " + name + " " + typ
	}
	return dig(f.Resolvers[0], name, typ, false)
}

// dnsOf returns the DNS facts of a subject, or the skip finding that says
// why there are none.
// perName runs judge on every planned name that has DNS facts, with a
// pass finding to fill in; the other names get dnsOf's skip.
func (f Facts) perName(judge func(s subject, nf *dnsprobe.NameFacts, fd report.Finding) report.Finding) []report.Finding {
	var out []report.Finding
	for _, s := range f.subjects() {
		nf, sk := f.dnsOf(s)
		if sk != nil {
			out = append(out, *sk)
			continue
		}
		fd := newFinding(s, report.Pass, "")
		fd.DurationMs = nf.ElapsedMs
		out = append(out, judge(s, nf, fd))
	}
	return out
}

func (f Facts) dnsOf(s subject) (*dnsprobe.NameFacts, *report.Finding) {
	skip := func(msg string) (*dnsprobe.NameFacts, *report.Finding) {
		fd := newFinding(s, report.Skip, msg)
		return nil, &fd
	}
	if !s.Valid() {
		return skip(fmt.Sprintf("not checked: %q is not a valid host name (see fqdn.syntax)", s.Name))
	}
	if len(f.Resolvers) == 0 {
		return skip("not queried: no resolver to ask (see fqdn.resolves)")
	}
	nf := f.DNS[s.ASCII]
	if nf == nil {
		why := f.DNSErr
		if why == "" {
			why = "no DNS facts were collected"
		}
		return skip("not queried: " + why)
	}
	return nf, nil
}

var CheckSyntax = &check.Check[Facts]{Meta: check.Meta{
	ID: "fqdn.syntax", Title: "FQDN is a valid host name", Action: Action, Area: check.DNS,
	Verifies: "Each planned FQDN is an RFC 1123 host name: at most 253 characters, labels of 1-63 letters, " +
		"digits and hyphens, at least one dot, not an IP address, not under .invalid or localhost, written " +
		"as NS8 takes it (no final dot, A-labels for internationalized names).",
	Doc: "Per planned name: an RFC 1123 host name of at most 253 characters, labels of 1-63 letters, " +
		"digits and hyphens (no hyphen at either end; `--` in positions 3-4 only in a valid `xn--` " +
		"A-label), at least one dot, not an IP address, a top-level label that is not numeric, not under " +
		"`.invalid` or `localhost` (RFC 6761). An invalid name is not queried: its other checks are " +
		"`skip`. NS8's NethVoice validates its host names with gojsonschema's `hostname` format " +
		"(ns8-nethvoice configure-module validate-input.json), which refuses a final dot and non-ASCII " +
		"letters: a name written so is a `fail` that gives the exact form to type (no final dot, " +
		"internationalized labels as A-labels, UTS #46 mapping, IDNA2008); its other checks run on that " +
		"form.",
}, Eval: checkSyntax}

// checkSyntax judges fqdn.syntax for each planned name.
func checkSyntax(f Facts) []report.Finding {
	var out []report.Finding
	for _, s := range f.subjects() {
		fd := newFinding(s, report.Pass, "")
		fd.Data["input"] = sanitize(s.Input)
		switch {
		case !s.Valid():
			fd.Status = report.Fail
			fd.Message = fmt.Sprintf("%q (%s) is not a valid host name: %s", s.Name, rolesText(s.Roles), s.Problem)
			fd.Remediation = hint("Choose a host name of letters, digits and hyphens in dot-separated labels, with at least one dot, such as voice.example.com, and use it in the DNS and in NS8")
		case s.IDN:
			fd.Status = report.Fail
			fd.Data["ascii"], fd.Data["unicode"] = s.ASCII, s.Unicode
			fd.Message = fmt.Sprintf("%q (%s) is an internationalized name, a form NS8's NethVoice refuses: type its A-label form %s (UTS #46 mapping, IDNA2008), in which it was checked and queried", sanitize(s.Input), rolesText(s.Roles), s.ASCII)
			fd.Remediation = hint(fmt.Sprintf("Enter %s, not the Unicode form, in NS8 (its forms accept only the A-label form), in the DNS zone and in these settings", s.ASCII))
		case strings.HasSuffix(s.Input, "."):
			fd.Status = report.Fail
			fd.Data["ascii"] = s.ASCII
			fd.Message = fmt.Sprintf("%q (%s) ends with a dot, a form NS8's NethVoice refuses: type %s", sanitize(s.Input), rolesText(s.Roles), s.ASCII)
			fd.Remediation = hint(fmt.Sprintf("Enter %s, without the final dot, in NS8 and in these settings", s.ASCII))
		default:
			fd.Message = fmt.Sprintf("%s (%s) is a valid host name (%d characters, %d labels)", s.ASCII, rolesText(s.Roles), len(s.ASCII), strings.Count(s.ASCII, ".")+1)
			if s.Unicode != "" {
				fd.Data["unicode"] = s.Unicode
				fd.Message += "; its Unicode form is " + s.Unicode
			}
		}
		out = append(out, fd)
	}
	return out
}

var CheckDistinct = &check.Check[Facts]{Meta: check.Meta{
	ID: "fqdn.distinct", Title: "FQDNs are distinct", Action: Action, Area: check.DNS,
	Verifies: "The CTI FQDN differs from the NethVoice FQDN (case and final dot ignored); the proxy FQDN " +
		"differs from CTI's and equals the NethVoice FQDN only for a single NethVoice instance.",
	Doc: "Subject the CTI FQDN: it differs from the NethVoice FQDN (compared without case and final dot). " +
		"Subject the proxy FQDN: it differs from CTI's, and equals the NethVoice FQDN only while " +
		"NethVoice is alone behind the proxy (`fail` when the destination node hosts several NethVoice " +
		"instances; instances are not counted stand-alone).",
}, Eval: checkDistinct}

// checkDistinct judges fqdn.distinct, one finding per name that plays the
// CTI or proxy role: the CTI FQDN differs from the NethVoice FQDN; the
// proxy FQDN differs from CTI's, and equals the NethVoice FQDN only when
// NethVoice is alone behind the proxy.
func checkDistinct(f Facts) []report.Finding {
	nvName := ""
	for _, s := range f.subjects() {
		if s.has(RoleNethVoice) {
			nvName = s.Name
		}
	}
	var out []report.Finding
	for _, s := range f.subjects() {
		if !s.has(RoleCTI) && !s.has(RoleProxy) {
			continue
		}
		fd := newFinding(s, report.Pass, "")
		switch {
		case s.has(RoleCTI) && s.has(RoleNethVoice):
			fd.Status = report.Fail
			fd.Message = fmt.Sprintf("the CTI FQDN %s is the NethVoice FQDN (compared without case and final dot): NethVoice serves its administration and CTI on two different host names", s.Name)
			fd.Remediation = hint("Choose another name for CTI, e.g. cti." + parentOf(s.Name) + ", and create its DNS record")
		case s.has(RoleCTI) && s.has(RoleProxy):
			fd.Status = report.Fail
			fd.Message = fmt.Sprintf("the proxy FQDN %s is the CTI FQDN: the proxy may share only the NethVoice FQDN, and only for a single NethVoice instance", s.Name)
			fd.Remediation = hint("Use the NethVoice FQDN or a name of its own (e.g. proxy." + parentOf(s.Name) + ") for the proxy")
		case s.has(RoleProxy) && s.has(RoleNethVoice):
			others, known, why := f.instancesOnDest()
			fd.Data["nethvoice_instances"] = others
			switch {
			case known && len(others) > 1:
				fd.Status = report.Fail
				fd.Message = fmt.Sprintf("the proxy FQDN %s is the NethVoice FQDN, but node %s hosts %d NethVoice instances (%s): a proxy shared by several instances needs an FQDN of its own", s.Name, f.Dest, len(others), strings.Join(others, ", "))
				fd.Remediation = hint("Give the proxy its own FQDN (e.g. proxy." + parentOf(s.Name) + ") and point it to the node")
			case known:
				fd.Message = fmt.Sprintf("the proxy FQDN %s is the NethVoice FQDN: allowed while NethVoice is the only instance behind the proxy (node %s hosts %d NethVoice instance(s) now)", s.Name, f.Dest, len(others))
			default:
				fd.Message = fmt.Sprintf("the proxy FQDN %s is the NethVoice FQDN: allowed only for a single NethVoice instance (instances not counted: %s)", s.Name, why)
			}
		case s.has(RoleCTI):
			fd.Message = fmt.Sprintf("the CTI FQDN %s differs from the NethVoice FQDN %s", s.Name, orText(nvName, "(none)"))
		default:
			fd.Message = fmt.Sprintf("the proxy FQDN %s differs from the NethVoice and CTI FQDNs", s.Name)
		}
		out = append(out, fd)
	}
	return out
}

// instancesOnDest lists the NethVoice instances of the destination node.
func (f Facts) instancesOnDest() ([]string, bool, string) {
	if !f.RedisConfigured {
		return nil, false, "no cluster database, stand-alone run"
	}
	if f.Cluster == nil {
		return nil, false, "the cluster database could not be read"
	}
	out := []string{}
	for _, nv := range f.NethVoice {
		if f.Dest == "" || nv.Node == f.Dest {
			out = append(out, nv.ID)
		}
	}
	return out, true, ""
}

func parentOf(name string) string {
	if i := strings.IndexByte(name, '.'); i >= 0 && i+1 < len(name) {
		return name[i+1:]
	}
	return "example.com"
}

// clusterSkip is the finding of a cluster-based check without a cluster.
func (f Facts) clusterSkip(s subject) *report.Finding {
	msg := check.ClusterGap(f.State, "")
	if msg == "" {
		return nil
	}
	fd := newFinding(s, report.Skip, msg)
	return &fd
}

var CheckRouteFree = &check.Check[Facts]{Meta: check.Meta{
	ID: "fqdn.route-free", Title: "FQDN not used by another route", Action: Action, Area: check.DNS,
	Verifies: "The NethVoice and CTI FQDNs are not already hosts of an HTTP route on NS8 " +
		"(module/traefik<N>/hosts); in cutover, the route of the NethVoice instance configured with the " +
		"name is expected.",
	Doc: "The NethVoice and CTI FQDNs are not hosts of an HTTP route on NS8 (the sets " +
		"`module/traefik<N>/hosts`, all nodes). A name that a NethVoice instance is configured with " +
		"(`NETHVOICE_HOST`, `NETHCTI_UI_HOST` of its environment) is a `fail` in `plan` (another instance " +
		"has it) and a `pass` in `cutover` (the migrated instance's route, expected after Finish). A " +
		"route of any other module is a `fail`: `list-routes` of that Traefik shows which module owns it. " +
		"The proxy FQDN is not checked (the proxy answers SIP, not HTTP routes). `skip` stand-alone.",
}, Eval: checkRouteFree, Took: clusterTook}

// checkRouteFree judges fqdn.route-free for the NethVoice and CTI FQDNs:
// no HTTP route of NS8 (module/traefik<N>/hosts) uses the name yet; in
// cutover, the route of a NethVoice instance configured with it is expected.
func checkRouteFree(f Facts) []report.Finding {
	var out []report.Finding
	for _, s := range f.subjects() {
		if !s.has(RoleNethVoice) && !s.has(RoleCTI) {
			continue // the proxy answers SIP, not HTTP routes
		}
		if !s.Valid() {
			out = append(out, newFinding(s, report.Skip, fmt.Sprintf("not checked: %q is not a valid host name (see fqdn.syntax)", s.Name)))
			continue
		}
		if sk := f.clusterSkip(s); sk != nil {
			out = append(out, *sk)
			continue
		}
		var traefiks, routedBy []string
		for id, hosts := range f.Cluster.TraefikHosts {
			traefiks = append(traefiks, id)
			for _, h := range hosts {
				if strings.EqualFold(strings.TrimSuffix(h, "."), s.ASCII) {
					node := ""
					if m := f.Cluster.Modules[id]; m != nil {
						node = " (node " + m.Node + ")"
					}
					routedBy = append(routedBy, id+node)
				}
			}
		}
		sort.Strings(traefiks)
		sort.Strings(routedBy)
		var claims []string
		for _, nv := range f.NethVoice {
			for _, h := range []struct{ key, v string }{{"NETHVOICE_HOST", nv.Host}, {"NETHCTI_UI_HOST", nv.CTIHost}} {
				if h.v != "" && strings.EqualFold(strings.TrimSuffix(h.v, "."), s.ASCII) {
					claims = append(claims, fmt.Sprintf("%s (%s, node %s)", nv.ID, h.key, nv.Node))
				}
			}
		}
		fd := newFinding(s, report.Pass, "")
		fd.Data["traefik"] = traefiks
		fd.Data["routed_by"] = routedBy
		fd.Data["nethvoice_claims"] = claims
		switch {
		case len(routedBy) == 0 && len(claims) == 0:
			fd.Message = fmt.Sprintf("%s is not a host of any HTTP route on NS8 (%s checked)", s.ASCII, orNone(traefiks))
		case len(claims) > 0 && f.Phase == Cutover:
			fd.Message = fmt.Sprintf("%s is configured in NethVoice instance %s and routed by %s, as expected after Finish", s.ASCII, strings.Join(claims, ", "), orNone(routedBy))
		case len(claims) > 0:
			fd.Status = report.Fail
			fd.Message = fmt.Sprintf("%s is already used by NethVoice instance %s (routed by %s): a migrated instance cannot take it", s.ASCII, strings.Join(claims, ", "), orNone(routedBy))
			fd.Remediation = hint("Choose another FQDN; if this is the instance you migrated and Finish is done, run validate-fqdns with phase cutover",
				"api-cli run module/"+firstWord(claims[0])+"/get-configuration")
		default:
			fd.Status = report.Fail
			fd.Message = fmt.Sprintf("%s is already a host of an HTTP route on %s, which no NethVoice instance is configured with: NethVoice's route would clash with another module's", s.ASCII, strings.Join(routedBy, ", "))
			fd.Remediation = hint("Choose another FQDN, or remove the route that uses it (list-routes shows which module owns it)",
				"api-cli run module/"+firstWord(routedBy[0])+"/list-routes --data '{\"expand_list\":true}'")
		}
		out = append(out, fd)
	}
	return out
}

func orNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

// resolverViews reads every resolver's answers of one type.
func resolverViews(nf *dnsprobe.NameFacts, typ string) []view {
	var out []view
	for _, r := range nf.Resolvers {
		if typ == "AAAA" {
			out = append(out, see(r.AAAA))
		} else {
			out = append(out, see(r.A))
		}
	}
	return out
}

func answersData(vs []view) map[string]string {
	m := map[string]string{}
	for _, v := range vs {
		m[v.server] = v.detail
	}
	return m
}

// atEach says what each server answered ("X at R1; Y at R2"), or once
// when they all agree.
func atEach(vs []view) string {
	if len(vs) == 0 {
		return "no server"
	}
	same := true
	for _, v := range vs[1:] {
		if v.detail != vs[0].detail {
			same = false
		}
	}
	if same {
		servers := make([]string, len(vs))
		for i, v := range vs {
			servers[i] = v.server
		}
		return vs[0].detail + " at " + strings.Join(servers, ", ")
	}
	var parts []string
	for _, v := range vs {
		parts = append(parts, v.detail+" at "+v.server)
	}
	return strings.Join(parts, "; ")
}

// expectedA is the address to tell the admin to publish.
func (f Facts) expectedA() string {
	if ips := f.nodeIPs(4); len(ips) > 0 {
		return ips[0]
	}
	if ips := f.nodeIPs(6); len(ips) > 0 {
		return ips[0]
	}
	return "<the node's public address>"
}

func zoneOf(nf *dnsprobe.NameFacts) string {
	if nf.Zone != nil && nf.Zone.Name != "" {
		return nf.Zone.Name
	}
	return parentOf(nf.Name)
}

var CheckResolves = &check.Check[Facts]{Meta: check.Meta{
	ID: "fqdn.resolves", Title: "FQDN resolves", Action: Action, Area: check.DNS,
	Verifies: "Every resolver (the node's own or the ones given) answers A records for the FQDN; NXDOMAIN, " +
		"NODATA, SERVFAIL, REFUSED and silence are told apart. In plan a missing record passes and says " +
		"what to create.",
	Doc: "Every resolver answers A records for the name (CNAMEs followed). SERVFAIL, REFUSED, a CNAME loop " +
		"and silence (with how long and how many tries) are a `fail`. No record (NXDOMAIN or NODATA): in " +
		"`plan` a `pass` that says which A record to create at cutover; in `cutover` a `fail`, or, when " +
		"other resolvers already answer, a `fail` that says how long the absence stays cached.",
}, Eval: checkResolves}

// checkResolves judges fqdn.resolves: every resolver gives A records.
// NXDOMAIN, SERVFAIL and silence are told apart; in plan a missing record
// is expected and the message says what to create at cutover.
func checkResolves(f Facts) []report.Finding {
	var out []report.Finding
	for _, s := range f.subjects() {
		if s.Valid() && len(f.Resolvers) == 0 {
			fd := newFinding(s, report.Fail, "no resolver to ask: "+orText(f.ResolversErr, "none configured"))
			fd.Remediation = hint("Give the resolvers to use (resolvers: [\"ip[:port]\"]) or fix the nameserver lines of /etc/resolv.conf", "cat /etc/resolv.conf")
			out = append(out, fd)
			continue
		}
		nf, sk := f.dnsOf(s)
		if sk != nil {
			out = append(out, *sk)
			continue
		}
		vs := resolverViews(nf, "A")
		var good, neg, bad []view
		for _, v := range vs {
			switch {
			case v.ok():
				good = append(good, v)
			case v.negative():
				neg = append(neg, v)
			default:
				bad = append(bad, v)
			}
		}
		fd := newFinding(s, report.Pass, "")
		fd.DurationMs = nf.ElapsedMs
		fd.Data["answers"] = answersData(vs)
		fd.Data["resolvers"] = f.Resolvers
		want := f.expectedA()
		switch {
		case len(bad) > 0:
			fd.Status = report.Fail
			fd.Message = fmt.Sprintf("%s could not be resolved: %s", s.ASCII, atEach(vs))
			fd.Remediation = resolveRemedy(f, s.ASCII, bad)
		case len(neg) == 0:
			fd.Message = fmt.Sprintf("%s resolves: %s", s.ASCII, atEach(vs))
		case f.Phase == Plan && len(good) == 0 && len(noTLD(neg)) > 0:
			// The root's SOA in an NXDOMAIN: the resolver says the TLD itself
			// does not exist, so no record can be created under it there.
			fd.Status = report.Warn
			fd.Message = fmt.Sprintf("%s cannot get an address yet: %s answer(s) that its top-level domain .%s does not exist (NXDOMAIN with the root zone's SOA); "+
				"whether the name can resolve by the cutover is unknown", s.ASCII, strings.Join(noTLD(neg), ", "), tld(s.ASCII))
			fd.Remediation = hint(fmt.Sprintf("Check the spelling of %s; a private top-level domain needs resolvers that serve it (resolvers: [\"ip[:port]\"])", s.ASCII),
				f.digResolver(tld(s.ASCII)+".", "SOA"))
		case f.Phase == Plan && len(good) == 0:
			todo := fmt.Sprintf("at cutover create %s A %s", s.ASCII, want)
			if neg[0].kind == vDangling {
				todo = "by cutover its CNAME target must have an A record (see fqdn.cname)"
			}
			fd.Message = fmt.Sprintf("%s has no address yet (%s): expected before the cutover; %s", s.ASCII, atEach(vs), todo)
		case f.Phase == Plan:
			fd.Message = fmt.Sprintf("%s resolves at some resolvers only: %s (a change propagating, see fqdn.authoritative)", s.ASCII, atEach(vs))
		default:
			fd.Status = report.Fail
			fd.Message = fmt.Sprintf("%s does not resolve everywhere: %s; expected an A record to %s", s.ASCII, atEach(vs), want)
			if len(good) > 0 {
				wait := maxTTL(neg)
				fd.Remediation = hint(fmt.Sprintf("The record exists, but %s still cache(s) its absence for up to %s: wait and run the check again", serversOf(neg), ttlText(wait)),
					f.digResolver(s.ASCII, "A"))
			} else {
				fd.Remediation = hint(fmt.Sprintf("Create %s A %s in the zone %s", s.ASCII, want, zoneOf(nf)), f.digResolver(s.ASCII, "A"))
			}
		}
		out = append(out, fd)
	}
	return out
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func serversOf(vs []view) string {
	var s []string
	for _, v := range vs {
		s = append(s, v.server)
	}
	return strings.Join(s, ", ")
}

func maxTTL(vs []view) int64 {
	var m int64
	for _, v := range vs {
		if v.ttl > m {
			m = v.ttl
		}
	}
	return m
}

func resolveRemedy(f Facts, name string, bad []view) *report.Remediation {
	v := bad[0]
	cmd := dig(v.server, name, "A", false)
	switch {
	case v.kind == vLoop || v.kind == vTooLong:
		return hint("Fix the CNAME records of "+name+" (see fqdn.cname)", cmd)
	case v.first.Outcome == dnsprobe.ServFail:
		return hint("The resolver cannot get an answer from the zone's servers: check the zone and its NS records (see fqdn.authoritative)", cmd)
	case v.first.Outcome == dnsprobe.Refused:
		return hint(fmt.Sprintf("Resolver %s refuses to resolve %s for this node: allow this node in its access rules or use another resolver", v.server, name), cmd)
	case v.first.Outcome.Transport():
		return hint(fmt.Sprintf("Check that resolver %s is up and reachable from this node (firewall, address), or give other resolvers", v.server), cmd)
	}
	return hint("Check the zone of "+name+" and the resolver "+v.server, cmd)
}

// published returns the addresses of one type that the DNS publishes for
// the name: the authoritative servers' own answers when they have the
// data, otherwise the resolvers' (a CNAME out of the zone).
func published(nf *dnsprobe.NameFacts, typ string) ([]string, string) {
	set := map[string]bool{}
	for _, a := range nf.Authorities {
		r := a.A
		if typ == "AAAA" {
			r = a.AAAA
		}
		if v := seeAuth(r, zoneOf(nf)); v.ok() {
			for _, x := range v.addrs {
				set[x] = true
			}
		}
	}
	if len(set) > 0 {
		return check.SortedKeys(set), "the authoritative servers"
	}
	for _, v := range resolverViews(nf, typ) {
		if v.ok() {
			for _, x := range v.addrs {
				set[x] = true
			}
		}
	}
	return check.SortedKeys(set), "the resolvers"
}

var CheckPointsToNode = &check.Check[Facts]{Meta: check.Meta{
	ID: "fqdn.points-to-node", Title: "FQDN points to this node", Action: Action, Area: check.DNS,
	Verifies: "The published A records are addresses of the destination node (its interfaces, its VPN " +
		"endpoint's address, its proxy's public address, or expected_addresses): a warn in plan, a fail " +
		"in cutover.",
	Doc: "The A records the zone publishes (the authoritative servers' answers; the resolvers' when the " +
		"name is a CNAME out of the zone) are all addresses of the destination node. Elsewhere (e.g. " +
		"still the NS7 host) is a `warn` in `plan` (it must change at cutover) and a `fail` in `cutover`. " +
		"A private address Let's Encrypt cannot validate is `fqdn.certificate`'s matter. `skip` when there " +
		"is no A record or no known node address.",
}, Eval: checkPointsToNode}

// checkPointsToNode judges fqdn.points-to-node: the published A records are
// addresses of the destination node. Elsewhere (e.g. still NS7) is a warn
// in plan, a fail in cutover.
func checkPointsToNode(f Facts) []report.Finding {
	return f.perName(func(s subject, nf *dnsprobe.NameFacts, fd report.Finding) report.Finding {
		addrs, from := published(nf, "A")
		expected := make([]string, 0, len(f.NodeAddrs))
		for _, a := range f.NodeAddrs {
			expected = append(expected, canonIP(a.IP))
		}
		fd.Data["answers"], fd.Data["expected"], fd.Data["source"] = addrs, expected, from
		if len(addrs) == 0 {
			fd.Status = report.Skip
			fd.Message = fmt.Sprintf("%s has no A record to compare (see fqdn.resolves)", s.ASCII)
			return fd
		}
		if len(f.NodeAddrs) == 0 {
			fd.Status = report.Skip
			fd.Message = fmt.Sprintf("%s resolves to %s, but the node's addresses are unknown (%s): give them as expected_addresses", s.ASCII, strings.Join(addrs, ", "), orText(f.NodeAddrsNote, "none found"))
			return fd
		}
		node := f.nodeSet()
		var off []string
		for _, a := range addrs {
			if !node[a] {
				off = append(off, a)
			}
		}
		whose := "this node answers on " + f.describeNode()
		if f.NodeAddrsOverride {
			whose = "the expected addresses are " + strings.Join(expected, ", ")
		}
		switch {
		case len(off) == 0:
			fd.Message = fmt.Sprintf("%s resolves to %s (per %s); %s", s.ASCII, strings.Join(addrs, ", "), from, whose)
		case f.Phase == Plan:
			fd.Status = report.Warn
			fd.Message = fmt.Sprintf("%s resolves to %s (per %s), not to this node: %s; expected before the cutover (e.g. it still points to NS7), it must change at cutover", s.ASCII, strings.Join(off, ", "), from, whose)
			fd.Remediation = hint(fmt.Sprintf("At cutover, change the A record of %s to %s in the zone %s", s.ASCII, f.expectedA(), zoneOf(nf)), f.digResolver(s.ASCII, "A"))
		default:
			fd.Status = report.Fail
			fd.Message = fmt.Sprintf("%s resolves to %s (per %s); %s", s.ASCII, strings.Join(off, ", "), from, whose)
			fd.Remediation = hint(fmt.Sprintf("Change the A record of %s to %s in the zone %s (or give the right expected_addresses)", s.ASCII, f.expectedA(), zoneOf(nf)), f.digResolver(s.ASCII, "A"))
		}
		return fd
	})
}

// nonPublic lists addresses no Internet client can reach.
func nonPublic(addrs []string) []string {
	var out []string
	for _, a := range addrs {
		ip, err := netip.ParseAddr(a)
		if err != nil || ip.IsPrivate() || !dnsprobe.Routable(ip) || notGlobal(ip.Unmap()) {
			out = append(out, a)
		}
	}
	return out
}

// notGlobal4 are IPv4 special-purpose ranges no public CA reaches (RFC
// 6890 "Global: False"): shared CGNAT space, "this network", IETF
// protocol assignments, benchmarking, reserved. The documentation ranges
// are left out: the test worlds and the demo use them as public addresses.
var notGlobal4 = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("240.0.0.0/4"),
}

func notGlobal(ip netip.Addr) bool {
	for _, p := range notGlobal4 {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

var CheckAAAA = &check.Check[Facts]{Meta: check.Meta{
	ID: "fqdn.aaaa", Title: "No AAAA record elsewhere", Action: Action, Area: check.DNS,
	Verifies: "An AAAA record of the FQDN, if any, is an address of the node (clients try IPv6 first); a " +
		"failing AAAA question is a warn too.",
	Doc: "An AAAA record that is not an address of the node is a `warn`: clients try IPv6 first and reach " +
		"another host or nothing. A failing AAAA question (SERVFAIL, silence) is a `warn` too; no AAAA " +
		"record at all is a `pass`.",
}, Eval: checkAAAA}

// checkAAAA judges fqdn.aaaa: an AAAA record that does not reach the node
// is a warn (clients try IPv6 first), as is an AAAA question that fails.
func checkAAAA(f Facts) []report.Finding {
	return f.perName(func(s subject, nf *dnsprobe.NameFacts, fd report.Finding) report.Finding {
		vs := resolverViews(nf, "AAAA")
		fd.Data["answers"] = answersData(vs)
		addrs, from := published(nf, "AAAA")
		var failed []view
		for _, v := range vs {
			if v.kind == vFailed {
				failed = append(failed, v)
			}
		}
		node := f.nodeSet()
		var off []string
		for _, a := range addrs {
			if !node[a] {
				off = append(off, a)
			}
		}
		v6 := f.nodeIPs(6)
		fd.Data["expected"] = v6
		switch {
		case len(addrs) == 0 && len(failed) == len(vs) && allFailed(resolverViews(nf, "A")):
			fd.Status = report.Skip
			fd.Message = fmt.Sprintf("%s could not be resolved at all (see fqdn.resolves)", s.ASCII)
		case len(addrs) == 0 && len(failed) > 0:
			fd.Status = report.Warn
			fd.Message = fmt.Sprintf("the AAAA question for %s fails: %s; clients that ask for IPv6 first wait for it or give up", s.ASCII, atEach(failed))
			fd.Remediation = hint("Make the zone answer AAAA questions (an empty answer is fine): check its servers", dig(failed[0].server, s.ASCII, "AAAA", false))
		case len(addrs) == 0:
			fd.Message = fmt.Sprintf("%s has no AAAA record: clients connect over IPv4", s.ASCII)
		case len(off) > 0:
			fd.Status = report.Warn
			fd.Message = fmt.Sprintf("%s has AAAA %s (per %s), not an address of the node (its IPv6 addresses: %s): IPv6 clients try it first and reach another host or nothing", s.ASCII, strings.Join(off, ", "), from, orNone(v6))
			fd.Remediation = hint(fmt.Sprintf("Remove the AAAA record of %s, or point it to the node's IPv6 address", s.ASCII), f.digResolver(s.ASCII, "AAAA"))
		default:
			fd.Message = fmt.Sprintf("%s has AAAA %s, an address of the node", s.ASCII, strings.Join(addrs, ", "))
		}
		return fd
	})
}

func allFailed(vs []view) bool {
	for _, v := range vs {
		if v.kind != vFailed {
			return false
		}
	}
	return true
}

var CheckCNAME = &check.Check[Facts]{Meta: check.Meta{
	ID: "fqdn.cname", Title: "CNAME chain ends at an address", Action: Action, Area: check.DNS,
	Verifies: "CNAME chains are followed to their end; loops, chains longer than 8 links and targets without an " +
		"address fail.",
	Doc: "CNAME chains, as the resolvers and the authoritative servers show them, are followed to their " +
		"end (at most 8 links). A loop, a longer chain, and a target that does not exist or has no A " +
		"record are a `fail`; a chain that ends at an address, or no CNAME, a `pass`.",
}, Eval: checkCNAME}

// checkCNAME judges fqdn.cname: CNAME chains, as the resolvers and the
// authoritative servers show them, end at addresses; loops, chains too
// long and dangling targets fail.
func checkCNAME(f Facts) []report.Finding {
	return f.perName(func(s subject, nf *dnsprobe.NameFacts, fd report.Finding) report.Finding {
		vs := resolverViews(nf, "A")
		var auth []view
		for _, a := range nf.Authorities {
			auth = append(auth, seeAuth(a.A, zoneOf(nf)))
		}
		var broken, chains []view
		anyAnswer := false
		for _, v := range append(append([]view{}, vs...), auth...) {
			switch {
			case v.kind == vLoop || v.kind == vTooLong || v.kind == vDangling:
				broken = append(broken, v)
			case len(v.chain.CNAMEs) > 0 && v.kind == vAnswer:
				chains = append(chains, v)
			}
			if v.kind != vFailed && v.kind != vLame {
				anyAnswer = true
			}
		}
		switch {
		case len(broken) > 0:
			b := broken[0]
			fd.Status = report.Fail
			fd.Data["chain"] = b.chain.Names
			fd.Message = fmt.Sprintf("%s: %s (per %s)", s.ASCII, b.detail, b.server)
			switch b.kind {
			case vLoop:
				fd.Remediation = hint(fmt.Sprintf("Break the loop: make one name of %s an A record (the NS8 node's address)", strings.Join(uniq(b.chain.Names), ", ")), f.digResolver(s.ASCII, "CNAME"))
			case vTooLong:
				fd.Remediation = hint("Shorten the chain: point "+s.ASCII+" straight to an A record", f.digResolver(s.ASCII, "CNAME"))
			default:
				fd.Remediation = hint(fmt.Sprintf("Create the target %s (an A record to the node) or point %s to an existing name", b.chain.Final, s.ASCII), f.digResolver(b.chain.Final, "A"))
			}
		case len(chains) > 0:
			c := chains[0]
			fd.Data["chain"] = c.chain.Names
			fd.Message = fmt.Sprintf("%s is a CNAME: %s (%d link(s), followed to the end)", s.ASCII, c.detail, len(c.chain.CNAMEs))
		case !anyAnswer:
			fd.Status = report.Skip
			fd.Message = fmt.Sprintf("%s could not be resolved, so no chain could be followed (see fqdn.resolves)", s.ASCII)
		default:
			fd.Message = fmt.Sprintf("%s is not a CNAME: it owns its records", s.ASCII)
		}
		return fd
	})
}

func uniq(l []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range l {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// noTLD lists the servers whose NXDOMAIN carries the root zone's SOA: the
// top-level domain itself does not exist for them (RFC 2308 §3: the SOA
// of a negative answer is the zone that denies the name).
func noTLD(neg []view) []string {
	var out []string
	for _, v := range neg {
		if v.kind != vNXDomain {
			continue
		}
		for _, a := range v.first.Authority {
			if a.Type == "SOA" && (a.Name == "." || a.Name == "") {
				out = append(out, v.server)
				break
			}
		}
	}
	return out
}

// tld is the last label of a host name.
func tld(name string) string {
	name = strings.TrimSuffix(name, ".")
	return name[strings.LastIndex(name, ".")+1:]
}
