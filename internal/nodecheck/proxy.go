package nodecheck

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/knownissues"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

var Proxy = &check.Check[Facts]{Meta: check.Meta{
	ID: "node.proxy", Title: "NethVoice proxy installed and configured", Action: Action, Area: check.System,
	Verifies: "A nethvoice-proxy instance runs on the destination node, is configured (FQDN not *.invalid, " +
		"address not 127.0.0.1) on the node's own address outside the cluster VPN, or the migration tool can " +
		"install it there.",
	Doc: "A `nethvoice-proxy` instance is the default instance of the destination node " +
		"(`node/<n>/default_instance/nethvoice-proxy`), publishes its SIP service " +
		"(`module/<proxy>/srv/{tcp,udp}/sip`) and is configured: its FQDN does not end in `.invalid` and its " +
		"address is not `127.0.0.1` (the values a freshly installed proxy has), else `fail`. Its `address` " +
		"and `public_address` inside the cluster VPN network (`cluster/network`) or equal to a node's VPN " +
		"address are a `fail`: NethVoice copies them when Finish configures it, calls then have no audio, " +
		"and correcting the proxy afterwards does not fix NethVoice (NethServer/dev#7345). An `address` " +
		"that is none of this node's interface addresses is a `warn` (judged when the module runs on the " +
		"destination node); an empty or private `public_address` while a planned FQDN resolves to a public " +
		"address is a `warn` (behind NAT, phones outside get the private address). No proxy: the " +
		"migration tool (1.2.0 and later) installs one at Start, without configuring it, when the node is " +
		"eligible (not an NS7 migration node, its core at least the proxy's " +
		"`org.nethserver.min-core`, read from the repository metadata the cluster caches, else the built-in " +
		"value): then a `warn` (configure it before Finish); not eligible, or eligibility unknown, a " +
		"`fail` (NethServer/dev#7221; ns8-core cluster/modules.py install destinations).",
}, Eval: check.One(proxy), Took: clusterTook}

// proxy judges node.proxy on the destination node.
func proxy(f Facts) report.Finding {
	dest := f.Dest
	if dest == "" {
		dest = f.ThisNode
	}
	if s := clusterSkip(f, subjectNode(dest)); s != nil {
		return *s
	}
	p := proxyOf(f.Cluster, dest)
	if p == nil {
		return missingProxy(f, dest)
	}
	fd := report.Finding{Subject: subjectNode(dest),
		Data: map[string]any{"proxy": p.ID, "fqdn": p.FQDN, "address": p.Address, "public_address": p.PublicAddress}}
	if problems := unconfigured(p); len(problems) > 0 {
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s on node %s is installed but not configured: %s", p.ID, dest, strings.Join(problems, "; "))
		fd.Remediation = hint(fmt.Sprintf("Open %s in the cluster admin and set its FQDN, the interface address that receives VoIP traffic and the public address if behind NAT", p.ID),
			fmt.Sprintf("api-cli run module/%s/get-configuration", p.ID))
		return fd
	}
	if fails := inVPN(f.Cluster, p); len(fails) > 0 {
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s on node %s is configured on the cluster VPN: %s; NethVoice copies these values at Finish and calls then have no audio (NethServer/dev#7345)",
			p.ID, dest, strings.Join(fails, "; "))
		fd.Remediation = hint(fmt.Sprintf("Before Finish, set %s's network interface to the node's LAN or public interface and its public address to the address phones reach; if NethVoice is already configured, configure it again after fixing the proxy", p.ID),
			fmt.Sprintf("api-cli run module/%s/get-configuration", p.ID))
		return fd
	}
	if warns := addressDoubts(f, dest, p); len(warns) > 0 {
		fd.Status = report.Warn
		fd.Message = fmt.Sprintf("%s on node %s is configured (FQDN %s, address %s), but %s", p.ID, dest, p.FQDN, p.Address, strings.Join(warns, "; "))
		fd.Remediation = hint(fmt.Sprintf("Check %s's network interface and public address before Finish: NethVoice keeps the values it finds then", p.ID),
			fmt.Sprintf("api-cli run module/%s/get-configuration", p.ID), "ip -br addr")
		return fd
	}
	fd.Status = report.Pass
	fd.Message = fmt.Sprintf("%s on node %s is configured: FQDN %s, address %s", p.ID, dest, p.FQDN, p.Address)
	return fd
}

// proxyOf finds the proxy of a node: the default instance NethVoice
// resolves, else any proxy module on the node (in case the key is
// missing).
func proxyOf(s *cluster.Snapshot, node string) *cluster.Proxy {
	if n := s.Nodes[node]; n != nil && n.ProxyID != "" {
		if p := s.Proxies[n.ProxyID]; p != nil {
			return p
		}
	}
	var ids []string
	for id, p := range s.Proxies {
		if p.Node == node {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	if len(ids) == 0 {
		return nil
	}
	return s.Proxies[ids[0]]
}

// unconfigured lists the signs of a proxy never configured.
func unconfigured(p *cluster.Proxy) []string {
	var problems []string
	if !p.Published {
		problems = append(problems, "it publishes no SIP service (module/"+p.ID+"/srv/tcp/sip is missing)")
	}
	if p.FQDN == "" || strings.HasSuffix(strings.TrimSuffix(strings.ToLower(p.FQDN), "."), ".invalid") {
		problems = append(problems, fmt.Sprintf("its FQDN is %q (not configured)", p.FQDN))
	}
	if p.Address == "" || p.Address == "127.0.0.1" {
		problems = append(problems, fmt.Sprintf("its address is %q (not configured)", p.Address))
	}
	if p.PublicAddress == "127.0.0.1" {
		problems = append(problems, "its public address is 127.0.0.1")
	}
	return problems
}

// inVPN lists the proxy's addresses that belong to the cluster VPN.
func inVPN(s *cluster.Snapshot, p *cluster.Proxy) []string {
	network, _ := netip.ParsePrefix(s.Network)
	vpn := map[string]string{}
	for id, n := range s.Nodes {
		if ip := n.VPN["ip_address"]; ip != "" {
			vpn[ip] = id
		}
	}
	var out []string
	for _, a := range []struct{ what, ip string }{{"address", p.Address}, {"public address", p.PublicAddress},
		{"UDP address", p.UDPAddress}, {"UDP public address", p.UDPPublicAddress}} {
		ip, err := netip.ParseAddr(a.ip)
		switch {
		case err != nil:
		case vpn[ip.String()] != "":
			out = append(out, fmt.Sprintf("its %s %s is the VPN address of node %s", a.what, ip, vpn[ip.String()]))
		case network.IsValid() && network.Contains(ip):
			out = append(out, fmt.Sprintf("its %s %s is inside the cluster VPN network %s", a.what, ip, network))
		}
	}
	return out
}

// addressDoubts lists what makes the proxy's addresses doubtful: an address
// that is not the node's, records that disagree, no public address behind
// NAT.
func addressDoubts(f Facts, dest string, p *cluster.Proxy) []string {
	var out []string
	if dest == f.ThisNode && f.Interfaces != nil && !containsAddr(f.Interfaces, p.Address) {
		out = append(out, fmt.Sprintf("its address %s is none of this node's addresses (%s)", p.Address, strings.Join(f.Interfaces, ", ")))
	}
	if p.UDPAddress != "" || p.UDPPublicAddress != "" {
		out = append(out, fmt.Sprintf("its UDP record says address %q, public address %q", p.UDPAddress, p.UDPPublicAddress))
	}
	if pub, ok := publicName(f.Names); ok && !isPublic(p.PublicAddress) {
		shown := p.PublicAddress
		if shown == "" {
			shown = "empty"
		}
		out = append(out, fmt.Sprintf("its public address is %s while %s resolves to the public address %s: behind NAT, phones outside would be sent a private address", shown, pub[0], pub[1]))
	}
	return out
}

// publicName returns a planned name that resolves to a public address, and
// that address.
func publicName(names map[string][]string) ([2]string, bool) {
	keys := make([]string, 0, len(names))
	for n := range names {
		keys = append(keys, n)
	}
	sort.Strings(keys)
	for _, n := range keys {
		for _, a := range names[n] {
			if isPublic(a) {
				return [2]string{n, a}, true
			}
		}
	}
	return [2]string{}, false
}

// isPublic is true for a global unicast address that is not private
// (RFC 1918, ULA) nor shared CGNAT space (100.64.0.0/10).
func isPublic(s string) bool {
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !cgnat.Contains(ip)
}

var cgnat = netip.MustParsePrefix("100.64.0.0/10")

func containsAddr(list []string, a string) bool {
	want, err := netip.ParseAddr(a)
	if err != nil {
		return false
	}
	for _, x := range list {
		if ip, err := netip.ParseAddr(x); err == nil && ip.Unmap() == want.Unmap() {
			return true
		}
	}
	return false
}

// missingProxy judges a destination node without a proxy: the migration
// tool installs one only where the core would let the Software Center do
// it (cluster/modules.py decorate_with_install_destinations).
func missingProxy(f Facts, dest string) report.Finding {
	fd := report.Finding{Subject: subjectNode(dest), Status: report.Fail}
	// A name that is not an image URL installs the latest version from the
	// cluster's repositories (ns8-core add-module-input.json, "image").
	install := fmt.Sprintf("add-module nethvoice-proxy %s", dest)
	why, minCore, from := proxyIneligible(f.Cluster, dest)
	fd.Data = map[string]any{"installed": false, "min_core": minCore, "min_core_from": from}
	if why != "" {
		fd.Message = fmt.Sprintf("no nethvoice-proxy instance on node %s, and the migration tool cannot install one there: %s", dest, why)
		fd.Remediation = hint(fmt.Sprintf("Make node %s eligible (see the message), then install NethVoice Proxy there from the Software Center and configure it before migrating", dest), install)
		return fd
	}
	fd.Status = report.Warn
	fd.Message = fmt.Sprintf("no nethvoice-proxy instance on node %s yet: the migration tool (1.2.0 and later) installs it at Start, but does not configure it; Finish fails with an unconfigured proxy", dest)
	fd.Remediation = hint(fmt.Sprintf("Install NethVoice Proxy on node %s now (or let Start install it) and configure its FQDN, interface address and public address before Finish", dest), install)
	return fd
}

// proxyIneligible says why the proxy cannot be installed on the node ("" if
// it can), with the minimum core version used and where it comes from.
func proxyIneligible(s *cluster.Snapshot, dest string) (why, minCore, from string) {
	minCore, from = knownissues.MinCore[cluster.ProxyImage], "the built-in value (no repository metadata cached on this cluster)"
	if a, ok := s.Apps[cluster.ProxyImage]; ok && a.MinCore != "" {
		minCore, from = a.MinCore, fmt.Sprintf("nethvoice-proxy %s in repository %s", a.Version, a.Repository)
	}
	n := s.Nodes[dest]
	switch {
	case n == nil:
		return fmt.Sprintf("node %s is not in the cluster", dest), minCore, from
	case n.Migrating:
		return fmt.Sprintf("node %s is an NS7 joined by the migration tool (flag nomodules), where no module is installed", dest), minCore, from
	case !cluster.ValidVersion(n.CoreVersion()):
		return fmt.Sprintf("the core version of node %s is unknown (node/%s/environment IMAGE_URL is %q), so its eligibility cannot be told", dest, dest, n.CoreImage), minCore, from
	case cluster.CompareVersions(n.CoreVersion(), minCore) < 0:
		return fmt.Sprintf("node %s runs core %s, but nethvoice-proxy needs at least %s (from %s): the tool skips the install without an error (min_core_requirement)", dest, n.CoreVersion(), minCore, from), minCore, from
	}
	return "", minCore, from
}
