package domaincheck

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"al.essio.dev/pkg/shellescape"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/accountprovider"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ldapprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// Targets are the LDAP servers domain.reachable probes: the providers of
// the domains matched for a remote provider; when none matches yet, the
// server NS7 itself uses (the one the missing domain must point to). A
// local provider is reached through the cluster VPN once NS7 has joined:
// nothing to probe before.
func Targets(f Facts) []Target {
	p, ok := usable(f)
	if !ok || !p.Remote() {
		return nil
	}
	var out []Target
	for _, m := range Matches(f) {
		for _, pr := range m.Providers {
			port, _ := strconv.Atoi(pr.Port)
			out = append(out, Target{Domain: m.Name, Target: ldapprobe.Target{Host: bare(pr.Host), Port: port, TLS: m.TLS, TLSVerify: m.TLSVerify, BaseDN: orPlaceholder(m.BaseDN, p.BaseDN)}})
		}
	}
	if len(out) > 0 || (f.Cluster != nil && len(Matches(f)) > 0) {
		return out
	}
	if u, err := accountprovider.ParseLDAPURI(p.LDAPURI); err == nil {
		base := p.BaseDN
		if base == "" && p.AD() {
			base = accountprovider.NameDN(p.ADName())
		}
		// Not verified: no NS8 setting says so yet; the certificate's
		// verification is recorded all the same for the remedy.
		out = append(out, Target{Target: ldapprobe.Target{Host: u.Host, Port: u.Port, TLS: u.TLS(), TLSVerify: false, BaseDN: base}})
	}
	return out
}

// NS7HostToResolve is the host of NS7's LDAP URI when domain.same-directory
// needs its addresses (a name, compared with matched providers); "" if not.
func NS7HostToResolve(f Facts) string {
	p, ok := usable(f)
	if !ok || !p.Remote() || len(Matches(f)) == 0 {
		return ""
	}
	u, err := accountprovider.ParseLDAPURI(p.LDAPURI)
	if err != nil || net.ParseIP(u.Host) != nil {
		return ""
	}
	return u.Host
}

var Reachable = &check.Check[Facts]{Meta: check.Meta{
	ID: "domain.reachable", Title: "LDAP provider reachable from this node", Action: Action, Area: check.Account,
	Verifies: "Each provider answers from this node: TCP, TLS when the domain uses it (honouring tls_verify), " +
		"and an anonymous root DSE read whose naming contexts hold the base DN.",
	Doc: "For a remote provider, each provider of the matched domain (subject `host:port`), or, when no " +
		"NS8 domain matches yet, the server of NS7's LDAP URI (the one the missing domain must point to): " +
		"the host resolves, TCP connects, TLS is spoken from the first byte when the domain has `tls` on " +
		"(LDAPS, as NS8 does), the certificate is verified against this node's roots when `tls_verify` is " +
		"on (its verification is recorded either way), and an anonymous read of the root DSE lists a " +
		"naming context that is the base DN or holds it. Failures say what did not answer and how: the " +
		"name does not resolve, the port refuses, nothing answers within the deadline (a dropping " +
		"firewall: open the port), the certificate is not trusted (install the CA or turn `tls_verify` " +
		"off), the port does not speak LDAP with that TLS setting (use 636 with TLS, 389 without), or the " +
		"server holds another directory. `warn` when the server refuses the anonymous root DSE read (the " +
		"base DN is then unverified). A local provider is reached through the cluster VPN once NS7 has " +
		"joined: `skip`.",
}, Eval: reachableChecks, Took: probesTook}

// reachableChecks judges domain.reachable, one finding per probed server.
func reachableChecks(f Facts) []report.Finding {
	if s := providerSkip(f, "account provider"); s != nil {
		return []report.Finding{*s}
	}
	p, _ := usable(f)
	if !p.Remote() {
		return []report.Finding{{Subject: p.Type, Status: report.Skip,
			Message: "a local provider is reached by NS8 through the cluster VPN once NS7 has joined (the migration tool adds it as a temporary external domain): nothing to reach before the join"}}
	}
	targets := Targets(f)
	if len(targets) == 0 {
		msg := "no LDAP server to probe: no NS8 domain matches NS7's provider and NS7's LDAP URI is unknown (give provider.ldap_uri)"
		if m := Matches(f); len(m) > 0 {
			msg = fmt.Sprintf("the matched domain %s lists no provider with an address", strings.Join(domainNames(m), ", "))
		}
		return []report.Finding{{Subject: p.Type, Status: report.Skip, Message: msg}}
	}
	domains := map[string]bool{}
	for _, t := range targets {
		domains[t.Domain] = true
	}
	var out []report.Finding
	for i, t := range targets {
		var res *ldapprobe.Result
		if i < len(f.Probes) && f.Probes[i].Target == t {
			res = &f.Probes[i].Result
		}
		fd := reachable(f, t, res, len(domains) > 1)
		if res != nil {
			fd.DurationMs = max(res.DurationMs, 1) // its own probe, not the slowest
		}
		out = append(out, fd)
	}
	return out
}

func reachable(f Facts, t Target, r *ldapprobe.Result, multi bool) report.Finding {
	fd := report.Finding{Subject: t.subject(multi)}
	what := "provider " + t.Addr() + " of " + t.Domain
	setting := fmt.Sprintf("domain %s (tls %s, tls_verify %s)", t.Domain, onOff(t.TLS), onOff(t.TLSVerify))
	if t.Domain == "" {
		what = "the LDAP server NS7 uses, " + t.Addr() + ","
		setting = "NS7's LDAP URI"
	}
	if r == nil {
		fd.Status = report.Fail
		fd.Message = what + " was not probed (internal error)"
		fd.Remediation = hint("Report this bug with the task log")
		return fd
	}
	fd.Data = map[string]any{"probe": r}
	proto := "plain LDAP"
	if t.TLS {
		proto = "LDAPS"
	}
	ldapsearch := ldapsearchCmd(t)
	fwd := fmt.Sprintf("Open TCP port %d on %s (and any firewall between) to this node", t.Port, t.Host)
	switch r.Kind {
	case "":
		return answered(fd, t, r, what, proto, ldapsearch)
	case ldapprobe.KindDNS:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s cannot be reached: %s does not resolve from this node (%s)", what, t.Host, r.Err)
		fd.Remediation = hint(fmt.Sprintf("Fix the DNS record of %s for this node's resolvers, or use the server's IP address in %s", t.Host, setting), "getent ahosts "+shellescape.Quote(t.Host))
	case ldapprobe.KindRefused:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s refused the TCP connection: nothing listens on port %d, or a firewall rejects it", what, t.Port)
		fd.Remediation = hint(fmt.Sprintf("Start the LDAP service on %s, check that %d is its %s port, and %s", t.Host, t.Port, proto, lowerFirst(fwd)), ldapsearch)
	case ldapprobe.KindTimeout:
		fd.Status = report.Fail
		switch r.Stage {
		case "": // abandoned by the runner: no step reported
			fd.Message = fmt.Sprintf("%s did not answer within %s (%s)", what, durationOf(r), r.Err)
		case ldapprobe.StageTCP, ldapprobe.StageResolve:
			fd.Message = fmt.Sprintf("%s did not answer within %s: no TCP connection (a firewall drops the traffic, or the host is down)", what, durationOf(r))
		default:
			fd.Message = fmt.Sprintf("%s accepted the TCP connection but did not answer %s within %s: %s", what, proto, durationOf(r), r.Err)
			fd.Remediation = hint(fmt.Sprintf("Check that port %d of %s serves %s (%s)", t.Port, t.Host, proto, setting), ldapsearch)
			return fd
		}
		fd.Remediation = hint(fwd, ldapsearch)
	case ldapprobe.KindUnreachable:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s is unreachable from this node: %s", what, r.Err)
		fd.Remediation = hint(fmt.Sprintf("Give this node a route to %s, then %s", t.Host, lowerFirst(fwd)), "ip route get "+shellescape.Quote(t.Host))
	case ldapprobe.KindCertificate:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s presents a certificate this node does not trust (tls_verify is on): %s", what, r.Err)
		fd.Remediation = hint(fmt.Sprintf("Install the CA that signed the server's certificate on this node (and on every node), or turn tls_verify off for %s", orNS7(t.Domain)), ldapsearch)
	case ldapprobe.KindHandshake, ldapprobe.KindNotLDAP, ldapprobe.KindClosed:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s accepted the TCP connection but did not answer %s (%s): wrong service port or TLS setting", what, proto, r.Err)
		fd.Remediation = hint(fmt.Sprintf("Use the server's %s port in %s: 636 with tls on (LDAPS), 389 with tls off", proto, setting), ldapsearch)
	case ldapprobe.KindRootDSE:
		fd.Status = report.Warn
		fd.Message = fmt.Sprintf("%s answers %s but refuses an anonymous read of its root DSE (%s): base DN %s could not be verified", what, proto, r.Err, t.BaseDN)
		fd.Remediation = hint("Allow anonymous reads of the root DSE on the server, or verify the base DN by hand with the domain's bind DN", ldapsearch)
	default:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s could not be probed: %s", what, r.Err)
		fd.Remediation = hint(fmt.Sprintf("Check %s and the network between this node and %s", setting, t.Host), ldapsearch)
	}
	return fd
}

// answered judges a server that answered the probe: it must serve the base
// DN; an untrusted certificate of NS7's own server is a warning.
func answered(fd report.Finding, t Target, r *ldapprobe.Result, what, proto, ldapsearch string) report.Finding {
	if t.BaseDN != "" && !ldapprobe.BaseDNServed(t.BaseDN, r.NamingContexts) {
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s answers %s, but serves %s, not base DN %s: another directory", what, proto, listOrNone(r.NamingContexts), t.BaseDN)
		fd.Remediation = hint(fmt.Sprintf("Point %s to the server that holds %s (or correct the base DN)", orNS7(t.Domain), t.BaseDN), ldapsearch)
		return fd
	}
	fd.Status = report.Pass
	fd.Message = fmt.Sprintf("%s answers %s%s and serves base DN %s (naming contexts: %s)", what, proto, tlsNote(t, r), t.BaseDN, listOrNone(r.NamingContexts))
	if t.BaseDN == "" {
		fd.Message = fmt.Sprintf("%s answers %s%s (naming contexts: %s)", what, proto, tlsNote(t, r), listOrNone(r.NamingContexts))
	}
	if t.Domain == "" && t.TLS && r.CertVerifyError != "" {
		fd.Status = report.Warn
		fd.Remediation = hint(fmt.Sprintf("Its certificate is not trusted by this node (%s): add the external domain with tls_verify off, or install its CA on the node", r.CertVerifyError), ldapsearch)
	}
	return fd
}

func orNS7(domain string) string {
	if domain == "" {
		return "the external domain you add"
	}
	return "domain " + domain
}

func tlsNote(t Target, r *ldapprobe.Result) string {
	if !t.TLS {
		return ""
	}
	switch {
	case r.CertVerifyError == "":
		return " (" + r.TLSVersion + ", certificate verified)"
	case t.TLSVerify:
		return " (" + r.TLSVersion + ")"
	}
	return " (" + r.TLSVersion + ", certificate not verified: tls_verify off)"
}

func durationOf(r *ldapprobe.Result) string {
	s := float64(r.DurationMs) / 1000
	return strconv.FormatFloat(s, 'f', 1, 64) + "s"
}

func ldapsearchCmd(t Target) string {
	scheme := "ldap"
	if t.TLS {
		scheme = "ldaps"
	}
	return fmt.Sprintf("ldapsearch -x -H %s -s base -b '' namingContexts", shellescape.Quote(scheme+"://"+t.Addr()))
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
