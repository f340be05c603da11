package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/dnsprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/fqdncheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/runner"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/settings"
)

func init() {
	register(Action{Name: fqdncheck.Action, Report: true, Summary: "DNS and naming checks of the NethVoice, CTI and proxy FQDNs and of the leader's VPN endpoint", Run: validateFQDNs})
}

type validateFQDNsInput struct {
	NethVoiceFQDN     *string  `json:"nethvoice_fqdn"`
	CTIFQDN           *string  `json:"cti_fqdn"`
	ProxyFQDN         *string  `json:"proxy_fqdn"`
	Phase             string   `json:"phase"`
	ExpectedAddresses []string `json:"expected_addresses"`
	Resolvers         []string `json:"resolvers"`
	LetsEncrypt       bool     `json:"lets_encrypt"`
	commonInput
}

// resolvConf is the file the node's own resolvers are read from (a
// variable so that unit tests of the action can point elsewhere).
var resolvConf = dnsprobe.ResolvConf

// dnsMargin is kept between the end of the DNS questions and the action's
// deadline, to judge and print: the report must come within the deadline
// even when every server is silent.
func dnsMargin(timeout time.Duration) time.Duration {
	m := timeout / 10
	if m > 300*time.Millisecond {
		m = 300 * time.Millisecond
	}
	return m
}

func validateFQDNs(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	in, run, err := startCheck[validateFQDNsInput](e, fqdncheck.Action, input)
	if err != nil {
		return nil, err
	}
	p, err := run.fqdnPlan(in)
	if err != nil {
		return nil, err
	}
	f, endpoints := run.collectFQDNs(ctx, p)
	return run.report(fqdncheck.All(f), fqdnFacts(f, endpoints), true), nil
}

// fqdnPlan is what validate-fqdns asks: the names, the resolvers, the
// phase, the node's expected addresses.
type fqdnPlan struct {
	planned              []fqdncheck.Planned
	names                []string // the distinct valid names, to query
	resolvers            []string
	source, resolversErr string
	phase, dest          string
	expected             []string
	letsEncrypt          bool
}

// fqdnPlan resolves the input against the settings; values the schema
// cannot judge (a missing required name, a bad resolver) are input errors.
func (r *checkRun) fqdnPlan(in validateFQDNsInput) (fqdnPlan, error) {
	st := r.st
	planned, verrs := plannedNames(in, st)
	resolvers, source, resolvErr, rerrs := chooseResolvers(in.Resolvers, st.Resolvers)
	if verrs = append(verrs, rerrs...); len(verrs) > 0 {
		return fqdnPlan{}, &ValidationError{Errors: verrs}
	}
	p := fqdnPlan{planned: planned, resolvers: resolvers, source: source, resolversErr: resolvErr,
		phase: in.Phase, dest: r.e.Agent.NodeID, expected: in.ExpectedAddresses, letsEncrypt: in.LetsEncrypt}
	if p.phase == "" {
		p.phase = fqdncheck.Plan
	}
	if p.expected == nil {
		p.expected = st.ExpectedAddresses
	}
	if st.Node > 0 {
		p.dest = strconv.Itoa(st.Node)
	}
	seen := map[string]bool{}
	for _, n := range planned {
		if n.Valid() && !seen[n.ASCII] {
			seen[n.ASCII] = true
			p.names = append(p.names, n.ASCII)
		}
	}
	return p, nil
}

// collectFQDNs asks the resolvers about the names while the cluster is
// read; then the VPN endpoints the cluster names. Every DNS question ends
// by dnsDeadline; the runner's own deadline is a backstop that turns a
// stuck collector into a finding. It returns the facts and the endpoints'
// answers.
func (r *checkRun) collectFQDNs(ctx context.Context, p fqdnPlan) (fqdncheck.Facts, map[string]*dnsprobe.NameFacts) {
	e := r.e
	dnsDeadline := r.start.Add(r.timeout - dnsMargin(r.timeout))
	dctx, cancel := context.WithDeadline(ctx, dnsDeadline)
	defer cancel()
	col := dnsprobe.Collector{Resolvers: p.resolvers, CAA: p.letsEncrypt}
	what := "the resolvers " + strings.Join(p.resolvers, ", ")
	dnsP := runner.Go(ctx, r.timeout, what, func(context.Context) (map[string]*dnsprobe.NameFacts, error) {
		return col.Names(dctx, p.names, true), nil
	})
	clusterWait := r.readCluster(ctx, false)
	ifaces, ifErr := dnsprobe.InterfaceAddresses()
	e.Chan.Progress(10)

	f := fqdncheck.Facts{Phase: p.phase, LetsEncrypt: p.letsEncrypt, Planned: p.planned,
		Resolvers: p.resolvers, ResolversSource: p.source, ResolversErr: p.resolversErr, Dest: p.dest}
	f.State = clusterWait()
	if f.Cluster != nil {
		f.NethVoice = f.Cluster.NethVoice
	}
	e.Chan.Progress(40)

	// The VPN endpoints: the leader's is judged, the destination's tells
	// one of the node's addresses. Asked once the cluster says what they are.
	leaderHost, destHost := endpointHosts(f.Cluster, p.dest)
	var hosts []string
	for _, h := range []string{leaderHost, destHost} {
		if h != "" && (len(hosts) == 0 || hosts[0] != h) {
			hosts = append(hosts, h)
		}
	}
	var endpoints map[string]*dnsprobe.NameFacts
	if len(hosts) > 0 && len(p.resolvers) > 0 {
		left := time.Until(r.start.Add(r.timeout))
		endpoints, _ = runner.Go(ctx, left, what, func(context.Context) (map[string]*dnsprobe.NameFacts, error) {
			return col.Names(dctx, hosts, false), nil
		}).Wait()
	}
	f.Endpoint = endpoints[leaderHost]
	if dnsFacts, out := dnsP.Wait(); out.OK() {
		f.DNS = dnsFacts
	} else {
		f.DNSErr = out.Err.Error()
		e.Log.Warnf("DNS: %s", f.DNSErr)
	}
	e.Chan.Progress(90)
	f.NodeAddrs, f.NodeAddrsOverride, f.NodeAddrsNote = nodeAddresses(p.expected, ifaces, ifErr, e.Agent.NodeID, p.dest, f.Cluster, endpoints[destHost])
	return f, endpoints
}

// fqdnFacts is what the judgement was made on.
func fqdnFacts(f fqdncheck.Facts, endpoints map[string]*dnsprobe.NameFacts) map[string]any {
	facts := map[string]any{
		"phase": f.Phase, "names": f.Planned, "resolvers": f.Resolvers, "resolvers_source": f.ResolversSource,
		"node_addresses": f.NodeAddrs, "destination_node": f.Dest, "lets_encrypt": f.LetsEncrypt,
	}
	if f.NodeAddrsOverride {
		facts["node_addresses_source"] = "expected_addresses"
	} else {
		facts["node_addresses_source"] = "discovered"
	}
	if f.DNS != nil {
		facts["dns"] = f.DNS
	}
	if len(endpoints) > 0 {
		facts["vpn_endpoints"] = endpoints
	}
	if f.Cluster != nil {
		facts["traefik_hosts"] = f.Cluster.TraefikHosts
		facts["nethvoice_instances"] = f.NethVoice
		facts["leader"] = f.Cluster.Leader
	}
	return facts
}

// plannedNames takes each FQDN from the input, else from the settings;
// the NethVoice and CTI FQDNs are required from one or the other.
func plannedNames(in validateFQDNsInput, st settings.Settings) ([]fqdncheck.Planned, []schema.FieldError) {
	var out []fqdncheck.Planned
	var errs []schema.FieldError
	for _, r := range []struct {
		role, param, setting string
		given                *string
		stored               string
		required             bool
	}{
		{fqdncheck.RoleNethVoice, "nethvoice_fqdn", "fqdns.nethvoice", in.NethVoiceFQDN, st.FQDNs.NethVoice, true},
		{fqdncheck.RoleCTI, "cti_fqdn", "fqdns.cti", in.CTIFQDN, st.FQDNs.CTI, true},
		{fqdncheck.RoleProxy, "proxy_fqdn", "fqdns.proxy", in.ProxyFQDN, st.FQDNs.Proxy, false},
	} {
		v := r.stored
		if r.given != nil {
			v = *r.given // "" given for the proxy means no proxy FQDN
		}
		if v == "" {
			if r.required {
				errs = append(errs, schema.FieldError{Field: r.param, Parameter: r.param, Value: "", Error: r.param + "_required",
					Message: r.param + " is required: give it in the input, or store " + r.setting + " with configure-module"})
			}
			continue
		}
		out = append(out, fqdncheck.Planned{Role: r.role, Input: v, Syntax: fqdncheck.ParseFQDN(v)})
	}
	return out, errs
}

// chooseResolvers takes the input's resolvers, else the settings', else
// the node's own (/etc/resolv.conf).
func chooseResolvers(given, stored []string) ([]string, string, string, []schema.FieldError) {
	list, source, param := given, "input", "resolvers"
	if len(list) == 0 {
		list, source = stored, "settings"
	}
	if len(list) == 0 {
		rs, err := dnsprobe.SystemResolvers(resolvConf)
		if err != nil {
			return nil, resolvConf, err.Error(), nil
		}
		return rs, resolvConf, "", nil
	}
	var out []string
	var errs []schema.FieldError
	for i, s := range list {
		r, err := dnsprobe.ParseResolver(s)
		if err != nil {
			errs = append(errs, schema.FieldError{Field: fmt.Sprintf("%s.%d", param, i), Parameter: param, Value: s, Error: param + "_invalid_address",
				Message: fmt.Sprintf("%s.%d %q is not a resolver address: %v", param, i, s, err)})
			continue
		}
		if indexOf(out, r) < 0 {
			out = append(out, r)
		}
	}
	return out, source, "", errs
}

func indexOf(l []string, s string) int {
	for i, x := range l {
		if x == s {
			return i
		}
	}
	return -1
}

// endpointHosts returns the host names (not addresses) of the leader's and
// the destination node's VPN endpoints.
func endpointHosts(s *cluster.Snapshot, dest string) (string, string) {
	if s == nil {
		return "", ""
	}
	host := func(node string) string {
		n := s.Nodes[node]
		if n == nil {
			return ""
		}
		h := endpointHost(n.VPN["endpoint"])
		if _, err := netip.ParseAddr(h); err == nil || !fqdncheck.ParseFQDN(h).Valid() {
			return ""
		}
		return fqdncheck.ParseFQDN(h).ASCII
	}
	return host(s.Leader), host(dest)
}

func endpointHost(ep string) string {
	if i := strings.LastIndexByte(ep, ':'); i >= 0 && !strings.HasSuffix(ep, "]") {
		ep = ep[:i]
	}
	return strings.Trim(ep, "[]")
}

// nodeAddresses lists the destination node's addresses, preferred first:
// the expected_addresses when given (they replace the rest); otherwise the
// public and interface address of the node's NethVoice proxy, the
// address its VPN endpoint resolves to, and this machine's interfaces when
// this machine is the destination (or a stand-alone run).
func nodeAddresses(expected []string, ifaces []dnsprobe.LocalAddr, ifErr error, thisNode, dest string,
	snap *cluster.Snapshot, endpoint *dnsprobe.NameFacts) ([]fqdncheck.NodeAddr, bool, string) {
	var as addrSet
	if len(expected) > 0 {
		for _, ip := range expected {
			as.add(ip, "expected_addresses")
		}
		return as.list, true, ""
	}
	if snap != nil {
		as.addCluster(snap, dest, endpoint)
	}
	var note string
	switch {
	case snap != nil && thisNode != "" && thisNode != dest:
		note = fmt.Sprintf("this module runs on node %s, not on the destination node %s: its interfaces are not the destination's", thisNode, dest)
	case ifErr != nil:
		note = "the interfaces could not be read: " + ifErr.Error()
	default:
		source := "interface"
		if snap == nil {
			source = "interface of this machine"
		}
		for _, a := range ifaces {
			as.add(a.IP, strings.Replace(a.Source, "interface", source, 1))
		}
	}
	return as.list, false, note
}

// addrSet is a list of routable addresses, each once, with every source it
// was found in.
type addrSet struct {
	list []fqdncheck.NodeAddr
	idx  map[string]int
}

func (as *addrSet) add(ip, source string) {
	a, err := netip.ParseAddr(ip)
	if err != nil || !dnsprobe.Routable(a.Unmap()) {
		return
	}
	if as.idx == nil {
		as.idx = map[string]int{}
	}
	k := a.Unmap().String()
	if i, ok := as.idx[k]; ok {
		if !strings.Contains(as.list[i].Source, source) {
			as.list[i].Source += ", " + source
		}
		return
	}
	as.idx[k] = len(as.list)
	as.list = append(as.list, fqdncheck.NodeAddr{IP: k, Source: source})
}

// addCluster adds what the cluster knows of the destination node: its
// proxies' addresses and what its VPN endpoint resolves to.
func (as *addrSet) addCluster(snap *cluster.Snapshot, dest string, endpoint *dnsprobe.NameFacts) {
	var ids []string
	for id, p := range snap.Proxies {
		if p.Node == dest {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		as.add(snap.Proxies[id].PublicAddress, "public address of "+id)
		as.add(snap.Proxies[id].Address, "address of "+id)
	}
	if endpoint == nil {
		return
	}
	for _, r := range endpoint.Resolvers {
		for _, res := range []dnsprobe.Resolution{r.A, r.AAAA} {
			for _, d := range res.Chain().Data {
				as.add(d.Data, "VPN endpoint "+endpoint.Name+" of node "+dest)
			}
		}
	}
}
