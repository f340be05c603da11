package domaincheck

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/accountprovider"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ldapprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// remoteLDAPMatches are the domains ns8-join accepts for a remote LDAP:
// external, rfc2307, base DN equal to NS7's ignoring case (as text).
func remoteLDAPMatches(domains []*cluster.Domain, baseDN string) []*cluster.Domain {
	var out []*cluster.Domain
	for _, d := range domains {
		if d.Location == "external" && d.Schema == "rfc2307" && strings.EqualFold(strings.TrimSpace(d.BaseDN), strings.TrimSpace(baseDN)) {
			out = append(out, d)
		}
	}
	return out
}

// remoteADMatch is the domain ns8-join accepts for a remote AD: schema ad,
// named as the lower-cased realm.
func remoteADMatch(domains []*cluster.Domain, p accountprovider.Provider) *cluster.Domain {
	d := domainByName(domains, p.ADName())
	if d != nil && d.Schema == "ad" {
		return d
	}
	return nil
}

// Matches are the NS8 domains the migration tool would accept for a remote
// provider.
func Matches(f Facts) []*cluster.Domain {
	p, ok := usable(f)
	if !ok || f.Cluster == nil {
		return nil
	}
	switch p.Type {
	case accountprovider.RemoteLDAP:
		return remoteLDAPMatches(f.Cluster.Domains, p.BaseDN)
	case accountprovider.RemoteAD:
		if d := remoteADMatch(f.Cluster.Domains, p); d != nil {
			return []*cluster.Domain{d}
		}
	}
	return nil
}

var ExternalMatch = &check.Check[Facts]{Meta: check.Meta{
	ID: "domain.external-match", Title: "Matching external domain on NS8", Action: Action, Area: check.Account,
	Verifies: "For a remote LDAP, exactly one external rfc2307 domain has NS7's base DN; for a remote AD, an ad " +
		"domain is named as the lower-cased realm. Warns where the name differs from the BaseDN rule.",
	Doc: "A remote provider needs its domain on NS8 before the join. Remote LDAP: exactly one external " +
		"`rfc2307` domain whose `base_dn` equals NS7's BaseDN, ignoring case (as the tool compares it: " +
		"text, not DN syntax). None: `fail`, with the `add-external-domain` settings to use (host, port " +
		"and TLS from NS7's LDAP URI, `tls_verify` off when the probe found the certificate untrusted) " +
		"and the domains that nearly match (same DN written differently, internal, other schema, named by " +
		"the rule with another base DN). Two or more: `fail` (the tool stops with \"multiple LDAP domain " +
		"matches\"), naming them and the one to keep (its provider is NS7's server, else the one named by " +
		"the rule). Remote AD: a domain of schema `ad` named as the lower-cased realm. `warn` when the " +
		"matched name differs from the documented BaseDN-to-name rule (`dc=corp,dc=example,dc=com` gives " +
		"`corp.example.com`): current tools match by BaseDN, older ones used the rule's name.",
}, Eval: check.One(externalMatch), Took: clusterTook}

// externalMatch judges domain.external-match.
func externalMatch(f Facts) report.Finding {
	if s := providerSkip(f, "account provider"); s != nil {
		return *s
	}
	p, _ := usable(f)
	if !p.Remote() {
		return report.Finding{Subject: p.Type, Status: report.Skip,
			Message: "a local provider becomes a new NS8 domain: no external domain is needed (see domain.name-free)"}
	}
	subject := p.BaseDN
	if p.Type == accountprovider.RemoteAD {
		subject = p.ADName()
	}
	if s := clusterSkip(f, subject); s != nil {
		return *s
	}
	matches := Matches(f)
	fd := report.Finding{Subject: subject, Data: map[string]any{"matches": domainNames(matches)}}
	if p.Type == accountprovider.RemoteAD {
		return adMatch(f, p, fd, matches)
	}
	near := nearMisses(f.Cluster, p.BaseDN)
	if len(near) > 0 {
		fd.Data["not_matching"] = near
	}
	switch len(matches) {
	case 0:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("no NS8 external rfc2307 domain has base DN %s: the migration tool stops with \"a matching external LDAP domain was not found\"", p.BaseDN)
		if len(near) > 0 {
			fd.Message += "; not matching: " + strings.Join(near, "; ")
		}
		fd.Remediation = addExternalRemedy(f, p, "rfc2307")
	case 1:
		m := matches[0]
		rule := accountprovider.BaseDNName(p.BaseDN)
		fd.Data["domain"] = m.Name
		if rule != "" && rule != m.Name {
			fd.Status = report.Warn
			fd.Data["rule_name"] = rule
			fd.Message = fmt.Sprintf("the external domain %s has base DN %s and is the one the migration tool will use; the documented BaseDN rule would name it %s", m.Name, m.BaseDN, rule)
			fd.Remediation = hint(fmt.Sprintf("Nothing blocks the join with a current migration tool, which matches by base DN: NethVoice will use %s. Older versions of nethserver-ns8-migration named the domain %s by the BaseDN rule: update the tool on NS7 before joining", m.Name, rule),
				"yum update nethserver-ns8-migration")
			return fd
		}
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("exactly one external rfc2307 domain has base DN %s: %s (providers %s)", p.BaseDN, m.Name, providerList(m))
	default:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%d external rfc2307 domains have base DN %s: %s; the migration tool stops with \"multiple LDAP domain matches\"",
			len(matches), p.BaseDN, strings.Join(describeAll(matches, f.Cluster), "; "))
		keep := keepOf(matches, p)
		var cmds []string
		for _, m := range matches {
			if m != keep {
				cmds = append(cmds, "api-cli run cluster/remove-external-domain --data "+quoteJSON(map[string]any{"domain": m.Name}))
			}
		}
		fd.Data["keep"] = keep.Name
		fd.Remediation = hint(fmt.Sprintf("Keep one external domain for base DN %s (%s, %s) and remove the others, after moving any application bound to them", p.BaseDN, keep.Name, keepReason(keep, p)), cmds...)
	}
	return fd
}

func adMatch(f Facts, p accountprovider.Provider, fd report.Finding, matches []*cluster.Domain) report.Finding {
	name := p.ADName()
	if len(matches) == 1 {
		m := matches[0]
		fd.Data["domain"] = m.Name
		if rule := accountprovider.BaseDNName(p.BaseDN); rule != "" && rule != m.Name {
			fd.Status = report.Warn
			fd.Data["rule_name"] = rule
			fd.Message = fmt.Sprintf("the ad domain %s (%s) is named as the realm %s, but NS7's base DN %s would name it %s by the documented BaseDN rule", m.Name, m.Location, p.Realm, p.BaseDN, rule)
			fd.Remediation = hint(fmt.Sprintf("Nothing blocks the join, which matches AD domains by realm: NethVoice will use %s. Check that NS7's base DN %s belongs to that realm", m.Name, p.BaseDN),
				"/usr/sbin/account-provider-test dump")
			return fd
		}
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("the %s ad domain %s exists, named as NS7's realm %s (providers %s)", m.Location, m.Name, p.Realm, providerList(m))
		return fd
	}
	fd.Status = report.Fail
	if d := domainByName(f.Cluster.Domains, name); d != nil {
		fd.Message = fmt.Sprintf("NS8 has a domain named %s, but it is %s, not an ad domain: the migration tool stops with \"a matching external AD domain was not found\"", name, describe(d, f.Cluster))
		fd.Remediation = hint(fmt.Sprintf("The domain %s must be the Active Directory NS7 is bound to: remove the %s domain %s and add the AD as an external domain of schema ad with that name", name, d.Schema, name),
			append(removeCommand(d), addExternalRemedy(f, p, "ad").Commands...)...)
		return fd
	}
	fd.Message = fmt.Sprintf("no NS8 ad domain is named %s (NS7's realm %s lower-cased): the migration tool stops with \"a matching external AD domain was not found\"", name, p.Realm)
	var other []string
	for _, d := range f.Cluster.Domains {
		if d.Schema == "ad" {
			other = append(other, d.Name)
		}
	}
	if len(other) > 0 {
		fd.Message += "; NS8's ad domains: " + strings.Join(other, ", ")
	}
	fd.Remediation = addExternalRemedy(f, p, "ad")
	return fd
}

// nearMisses explains the domains an administrator may have meant but the
// migration tool will not match.
func nearMisses(s *cluster.Snapshot, baseDN string) []string {
	rule := accountprovider.BaseDNName(baseDN)
	var out []string
	for _, d := range s.Domains {
		exact := strings.EqualFold(strings.TrimSpace(d.BaseDN), strings.TrimSpace(baseDN))
		same := exact || ldapprobe.SameDN(d.BaseDN, baseDN)
		switch {
		case exact && d.Location == "external" && d.Schema == "rfc2307":
			continue // a match
		case same && d.Location == "internal":
			out = append(out, fmt.Sprintf("%s has that base DN but is internal (%s); only external domains are matched", d.Name, describe(d, s)))
		case same && d.Schema != "rfc2307":
			out = append(out, fmt.Sprintf("%s has that base DN but schema %s", d.Name, d.Schema))
		case same:
			out = append(out, fmt.Sprintf("%s has base DN %q, the same DN written differently: the migration tool compares the text, ignoring only case", d.Name, d.BaseDN))
		case rule != "" && d.Name == rule:
			out = append(out, fmt.Sprintf("%s is named by the BaseDN rule but has base DN %s", d.Name, d.BaseDN))
		}
	}
	return out
}

// addExternalRemedy tells how to create the missing external domain, with
// settings taken from NS7's LDAP URI and what the probe of that server
// found (is its certificate trusted here?).
func addExternalRemedy(f Facts, p accountprovider.Provider, schema string) *report.Remediation {
	name := accountprovider.BaseDNName(p.BaseDN)
	if schema == "ad" {
		name = p.ADName()
	}
	if name == "" {
		name = "<domain name>"
	} else if f.Cluster != nil && domainByName(f.Cluster.Domains, name) != nil && schema == "rfc2307" {
		name = SuggestName(name, "", f.Cluster.Domains)
	}
	base := p.BaseDN
	if base == "" {
		base = accountprovider.NameDN(name)
	}
	data := map[string]any{"domain": name, "protocol": "ldap", "schema": schema, "base_dn": base,
		"bind_dn": orPlaceholder(p.BindDN, "<NS7 BindDN>"), "bind_password": "<its password>"}
	where := "the LDAP server NS7 uses"
	if u, err := accountprovider.ParseLDAPURI(p.LDAPURI); err == nil {
		data["host"], data["port"], data["tls"], data["tls_verify"] = u.Host, u.Port, u.TLS(), u.TLS()
		where = u.Scheme + "://" + u.Addr()
		for _, pr := range f.Probes {
			if pr.Target.Domain == "" && pr.Result.CertVerifyError != "" {
				data["tls_verify"] = false // its certificate is not trusted here
			}
		}
	} else {
		data["host"], data["port"], data["tls"], data["tls_verify"] = "<LDAP server>", 636, true, true
	}
	h := fmt.Sprintf("Before joining, add %s as an external domain on NS8 (Domains and users > Add external domain) with base DN %s and schema %s; the migration tool then matches it", where, base, schema)
	if data["tls"] == false {
		h += ". NS7 uses plain LDAP: if the server also offers LDAPS (port 636), prefer tls on"
	}
	return hint(h, "api-cli run cluster/add-external-domain --data "+quoteJSON(data))
}

func orPlaceholder(s, ph string) string {
	if s == "" {
		return ph
	}
	return s
}

// keepOf chooses the duplicate to keep: one whose providers are NS7's
// server, else the one named by the BaseDN rule, else the first by name.
func keepOf(ms []*cluster.Domain, p accountprovider.Provider) *cluster.Domain {
	if u, err := accountprovider.ParseLDAPURI(p.LDAPURI); err == nil {
		for _, m := range ms {
			for _, pr := range m.Providers {
				if sameHost(pr.Host, u.Host) {
					return m
				}
			}
		}
	}
	rule := accountprovider.BaseDNName(p.BaseDN)
	for _, m := range ms {
		if m.Name == rule {
			return m
		}
	}
	return ms[0]
}

func keepReason(m *cluster.Domain, p accountprovider.Provider) string {
	if u, err := accountprovider.ParseLDAPURI(p.LDAPURI); err == nil {
		for _, pr := range m.Providers {
			if sameHost(pr.Host, u.Host) {
				return "its provider is the server NS7 uses"
			}
		}
	}
	if m.Name == accountprovider.BaseDNName(p.BaseDN) {
		return "named by the BaseDN rule"
	}
	return "the first by name"
}

var SameDirectory = &check.Check[Facts]{Meta: check.Meta{
	ID: "domain.same-directory", Title: "Matched domain is NS7's directory", Action: Action, Area: check.Account,
	Verifies: "The providers of the matched NS8 domain are the LDAP server NS7 uses (same host or address).",
	Doc: "A provider of the matched domain is the server of NS7's LDAP URI: the same host name, or the " +
		"same address (names are resolved from this node). Another port of the same host is fine (NS7 on " +
		"389, NS8 on LDAPS 636). `warn` when no provider is that server but the providers serve NS7's " +
		"base DN (a replica, or another directory with the same suffix); `fail` when they are other " +
		"servers, with what they serve. `skip` for local providers, and when nothing matched.",
}, Eval: sameDirectoryChecks, Took: sameDirectoryTook}

// sameDirectoryChecks judges domain.same-directory: the matched domain's
// providers are the LDAP server NS7 uses.
func sameDirectoryChecks(f Facts) []report.Finding {
	if s := providerSkip(f, "account provider"); s != nil {
		return []report.Finding{*s}
	}
	p, _ := usable(f)
	if !p.Remote() {
		return []report.Finding{{Subject: p.Type, Status: report.Skip,
			Message: "a local provider's directory is copied from NS7 itself by the migration: no NS8 domain to compare"}}
	}
	if s := clusterSkip(f, "account provider"); s != nil {
		return []report.Finding{*s}
	}
	matches := Matches(f)
	if len(matches) == 0 {
		return []report.Finding{{Subject: p.Type, Status: report.Skip,
			Message: "no NS8 domain matches NS7's provider yet (see domain.external-match)"}}
	}
	u, err := accountprovider.ParseLDAPURI(p.LDAPURI)
	if err != nil {
		var out []report.Finding
		for _, m := range matches {
			out = append(out, report.Finding{Subject: m.Name, Status: report.Skip,
				Message: "NS7's LDAP URI is unknown, so the server it uses cannot be compared: run probe-ns7, or give provider.ldap_uri"})
		}
		return out
	}
	var out []report.Finding
	for _, m := range matches {
		out = append(out, sameDirectory(f, p, u, m))
	}
	return out
}

func sameDirectory(f Facts, p accountprovider.Provider, u accountprovider.LDAPURI, m *cluster.Domain) report.Finding {
	fd := report.Finding{Subject: m.Name}
	ns7 := hostSet(u.Host, f.NS7Addresses)
	var same, servesBase []string
	var provs []string
	for _, pr := range m.Providers {
		addr := net.JoinHostPort(bare(pr.Host), pr.Port)
		provs = append(provs, addr)
		res := probeOf(f, m.Name, pr)
		var addrs []string
		if res != nil {
			addrs = res.Addresses
		}
		if intersects(hostSet(pr.Host, addrs), ns7) {
			same = append(same, addr)
		} else if res != nil && res.OK() && ldapprobe.BaseDNServed(p.BaseDN, res.NamingContexts) {
			servesBase = append(servesBase, addr)
		}
	}
	fd.Data = map[string]any{"ns7_server": u.Addr(), "ns7_addresses": f.NS7Addresses, "providers": provs, "same_host": same}
	if f.NS7ResolveErr != "" {
		fd.Data["ns7_resolve_error"] = f.NS7ResolveErr
	}
	switch {
	case len(same) > 0:
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("%s's provider %s is the server NS7 uses (%s)", m.Name, strings.Join(same, ", "), p.LDAPURI)
		if !hasPort(same, u.Port) {
			fd.Message += fmt.Sprintf("; NS8 uses another port than NS7's %d, which is fine for the same server", u.Port)
		}
	case len(servesBase) > 0:
		fd.Status = report.Warn
		fd.Data["serving_base_dn"] = servesBase
		fd.Message = fmt.Sprintf("%s's providers %s are not the server NS7 uses (%s), but they serve base DN %s too: a replica of the same directory, or another directory with the same suffix",
			m.Name, strings.Join(provs, ", "), u.Addr(), p.BaseDN)
		fd.Remediation = hint(fmt.Sprintf("Confirm that %s is a replica of %s; otherwise add %s as a provider of %s (Domains and users > %s > Providers) and remove the others", strings.Join(servesBase, ", "), u.Host, u.Addr(), m.Name, m.Name),
			"api-cli run cluster/add-external-provider --data "+quoteJSON(map[string]any{"domain": m.Name, "protocol": "ldap", "host": u.Host, "port": providerPort(m, u)}))
	default:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s points to a different server: its providers are %s, while NS7 uses %s", m.Name, strings.Join(provs, ", "), u.Addr())
		if len(f.NS7Addresses) > 0 && net.ParseIP(u.Host) == nil {
			fd.Message += fmt.Sprintf(" (%s resolves to %s here)", u.Host, strings.Join(f.NS7Addresses, ", "))
		}
		if ctx := servedContexts(f, m); ctx != "" {
			fd.Message += "; they serve " + ctx + ", not base DN " + p.BaseDN
		}
		fd.Remediation = hint(fmt.Sprintf("Point %s to the LDAP server NS7 uses: add %s as its provider and remove the providers of the other directory (Domains and users > %s > Providers)", m.Name, u.Host, m.Name),
			"api-cli run cluster/add-external-provider --data "+quoteJSON(map[string]any{"domain": m.Name, "protocol": "ldap", "host": u.Host, "port": providerPort(m, u)}))
	}
	return fd
}

// providerPort is the port to give NS7's server as a provider of m: the
// LDAPS port when the domain uses TLS and NS7 spoke plain LDAP.
func providerPort(m *cluster.Domain, u accountprovider.LDAPURI) int {
	if m.TLS && !u.TLS() {
		return 636
	}
	return u.Port
}

func hasPort(addrs []string, port int) bool {
	for _, a := range addrs {
		if _, p, err := net.SplitHostPort(a); err == nil && p == strconv.Itoa(port) {
			return true
		}
	}
	return false
}

func servedContexts(f Facts, m *cluster.Domain) string {
	var all []string
	for _, pr := range f.Probes {
		if pr.Target.Domain == m.Name && pr.Result.OK() {
			all = append(all, pr.Result.NamingContexts...)
		}
	}
	if len(all) == 0 {
		return ""
	}
	return strings.Join(uniq(all), ", ")
}

func probeOf(f Facts, domain string, pr cluster.Provider) *ldapprobe.Result {
	for i := range f.Probes {
		t := f.Probes[i].Target
		if t.Domain == domain && strings.EqualFold(t.Host, bare(pr.Host)) && strconv.Itoa(t.Port) == pr.Port {
			return &f.Probes[i].Result
		}
	}
	return nil
}

// hostSet is a host and its addresses, normalized for comparison.
func hostSet(host string, addrs []string) map[string]bool {
	s := map[string]bool{normHost(host): true}
	for _, a := range addrs {
		s[normHost(a)] = true
	}
	return s
}

func normHost(h string) string {
	h = strings.ToLower(strings.TrimSuffix(strings.Trim(h, "[]"), "."))
	if ip := net.ParseIP(h); ip != nil {
		return ip.String()
	}
	return h
}

// bare is a host without the brackets an IPv6 address has in host:port
// (external providers are stored as host:port strings).
func bare(h string) string { return strings.Trim(h, "[]") }

func sameHost(a, b string) bool { return normHost(a) == normHost(b) }

func intersects(a, b map[string]bool) bool {
	for k := range a {
		if b[k] {
			return true
		}
	}
	return false
}
