package domaincheck

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/accountprovider"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// NS8Name is the name the provider's domain has (or will have) on NS8 and
// where that name comes from; "" when it cannot be told yet.
func NS8Name(f Facts) (name, from string) {
	p, ok := usable(f)
	if !ok {
		return "", ""
	}
	switch p.Type {
	case accountprovider.LocalLDAP:
		if n := normName(f.LDAPDomain); n != "" {
			return n, "ldap_domain (" + f.LDAPDomainFrom + ")"
		}
		if n := normName(p.DomainName); n != "" {
			return n, "NS7's DomainName, the migration tool's default for its \"LDAP user domain\" field"
		}
		return "", ""
	case accountprovider.LocalAD, accountprovider.RemoteAD:
		return p.ADName(), "the realm " + p.Realm + " lower-cased, as the migration tool names it"
	case accountprovider.RemoteLDAP:
		if f.Cluster != nil {
			if m := remoteLDAPMatches(f.Cluster.Domains, p.BaseDN); len(m) == 1 {
				return m[0].Name, "the external domain whose base DN is " + p.BaseDN
			}
		}
	}
	return "", ""
}

func normName(s string) string { return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), ".")) }

var ProviderCheck = &check.Check[Facts]{Meta: check.Meta{
	ID: "domain.provider", Title: "NS7 account provider", Action: Action, Area: check.Account,
	Verifies: "NS7's account provider is known (local-ldap, local-ad, remote-ldap, remote-ad) and not none, and " +
		"says which NS8 domain it becomes.",
	Doc: "The provider is known and complete (a realm for AD, a base DN for a remote LDAP), and is not " +
		"`none`: NethVoice needs a user domain, and its migration stops when the migration tool found " +
		"none (`USER_DOMAIN` empty). The message says which NS8 domain it becomes and where the name " +
		"comes from. `fail` when neither the input nor a stored `probe-ns7` gives the provider: run " +
		"`probe-ns7`, or pass `provider`.",
}, Eval: check.One(providerCheck), Took: clusterTook}

// providerUnknown marks the finding of a provider neither given nor
// stored (see ProbeGap).
const providerUnknown = "provider_unknown"

// ProbeGap turns domain.provider's failure for want of stored NS7 facts
// into a skip that says why when, in the same run, the probe of NS7 did
// not reach it: the probe's own finding is the blocker, not a second one
// here (why names it, such as "NS7 was not reached in this run: see
// ns7.ssh").
func ProbeGap(fs []report.Finding, why string) []report.Finding {
	for i, f := range fs {
		if f.ID == ProviderCheck.ID && f.Data[providerUnknown] == true {
			fs[i] = check.Skip(f.Subject, "NS7's account provider is unknown: "+why)
			fs[i].ID, fs[i].Title, fs[i].Data, fs[i].DurationMs = f.ID, f.Title, f.Data, f.DurationMs
		}
	}
	return fs
}

// providerCheck judges domain.provider.
func providerCheck(f Facts) report.Finding {
	fd := report.Finding{Subject: "account provider"}
	if f.Provider == nil {
		fd.Status = report.Fail
		why := f.ProviderErr
		if why == "" {
			why = "no provider in the input and no probe-ns7 facts stored"
		}
		fd.Message = "NS7's account provider is unknown: " + why
		fd.Data = map[string]any{providerUnknown: true}
		fd.Remediation = hint("Run probe-ns7 first (it stores NS7's account provider for this check), or give the provider in the input",
			cmdModule(f, "probe-ns7", nil),
			cmdModule(f, "check-user-domain", map[string]any{"provider": map[string]string{"type": accountprovider.RemoteLDAP, "base_dn": "dc=example,dc=com", "ldap_uri": "ldaps://ldap.example.com"}}))
		return fd
	}
	p := *f.Provider
	fd.Subject = p.Type
	fd.Data = map[string]any{"provider": p, "source": f.ProviderSource}
	if prob := p.Problem(); prob != "" {
		fd.Status = report.Fail
		fd.Message = "NS7's account provider cannot be judged: " + prob
		fd.Remediation = hint("Run probe-ns7 again, or give a complete provider: type, base_dn (LDAP), realm (AD), ldap_uri",
			cmdModule(f, "probe-ns7", nil))
		return fd
	}
	name, from := NS8Name(f)
	if name != "" {
		fd.Data["ns8_domain"] = name
	}
	src := ""
	if f.ProviderSource != "" {
		src = " (" + f.ProviderSource + ")"
	}
	fd.Status = report.Pass
	switch p.Type {
	case accountprovider.None:
		fd.Status = report.Fail
		fd.Message = "NS7 has no account provider" + src + ": NethVoice needs a user domain, and its migration stops when the migration tool finds none"
		fd.Remediation = hint("On NS7, install an account provider (Users and groups: local OpenLDAP or Samba Active Directory, or bind a remote one) and assign the NethVoice users to it, then run probe-ns7 again",
			"/usr/sbin/account-provider-test dump")
		return fd
	case accountprovider.LocalLDAP:
		base := p.BaseDN
		if base == "" {
			base = accountprovider.LocalLDAPBaseDN
		}
		if name == "" {
			fd.Message = fmt.Sprintf("NS7 runs its own OpenLDAP (base DN %s)%s: it becomes a new internal NS8 domain, whose name is not chosen yet (see domain.name-free)", base, src)
		} else {
			fd.Message = fmt.Sprintf("NS7 runs its own OpenLDAP (base DN %s)%s: it becomes the new internal NS8 domain %s (name from %s; base DN %s on NS8)", base, src, name, from, accountprovider.NameDN(name))
		}
	case accountprovider.LocalAD:
		fd.Message = fmt.Sprintf("NS7 runs its own Samba Active Directory, realm %s%s: it becomes the new internal NS8 domain %s (%s; an AD realm cannot be renamed)", p.Realm, src, name, from)
	case accountprovider.RemoteLDAP:
		if name == "" {
			fd.Message = fmt.Sprintf("NS7 uses the remote LDAP server %s, base DN %s%s: NethVoice will use the NS8 external domain with that base DN, which must exist before the join (see domain.external-match)", orUnknown(p.LDAPURI), p.BaseDN, src)
		} else {
			fd.Message = fmt.Sprintf("NS7 uses the remote LDAP server %s, base DN %s%s: NethVoice will use the NS8 external domain %s (%s)", orUnknown(p.LDAPURI), p.BaseDN, src, name, from)
		}
	case accountprovider.RemoteAD:
		fd.Message = fmt.Sprintf("NS7 is bound to the remote Active Directory %s, realm %s%s: NethVoice will use the NS8 ad domain %s, which must exist before the join (see domain.external-match)", orUnknown(p.LDAPURI), p.Realm, src, name)
	}
	if f.LDAPDomain != "" && p.Type != accountprovider.LocalLDAP && f.LDAPDomainFrom == "input" {
		fd.Message += fmt.Sprintf("; ldap_domain %s is not used: only a local OpenLDAP gets a new name", f.LDAPDomain)
	}
	return fd
}

func orUnknown(s string) string {
	if s == "" {
		return "(URI unknown)"
	}
	return s
}

var NameFree = &check.Check[Facts]{Meta: check.Meta{
	ID: "domain.name-free", Title: "Domain name free on NS8", Action: Action, Area: check.Account,
	Verifies: "For a local provider, the NS8 name (ldap_domain, or the lower-cased AD realm) is valid and not " +
		"already an internal or external NS8 domain, compared ignoring case.",
	Doc: "Local providers become a new internal NS8 domain. Its name must not be any internal or external " +
		"domain of the cluster, compared ignoring case (else the migration tool stops with " +
		"`domain_exists`); the message names the clashing domain and where it comes from (the provider " +
		"modules and their nodes, an unconfigured provider, or the external domain and its servers). For " +
		"a local OpenLDAP the name must also pass NS8 OpenLDAP's domain pattern (dotted labels of " +
		"letters, digits and hyphens, at most 140 characters) and the NS7 tool's field validator; on a " +
		"clash the remedy proposes a free name (NS7's `DomainName`, `ns7.<name>`, `<label>2.<rest>`, ...) " +
		"to type in the tool's \"LDAP user domain\" field and store as `ldap_domain`. An AD realm cannot be " +
		"renamed: the remedy is to remove the NS8 domain when it is a leftover, or to use another " +
		"cluster.",
}, Eval: check.One(nameFree), Took: clusterTook}

// nameFree judges domain.name-free: a local provider's NS8 name is valid
// and not taken by any internal or external domain.
func nameFree(f Facts) report.Finding {
	if s := providerSkip(f, "account provider"); s != nil {
		return *s
	}
	p, _ := usable(f)
	if !p.Local() {
		return report.Finding{Subject: p.Type, Status: report.Skip,
			Message: "a remote provider does not create a new NS8 domain: it uses an existing one (see domain.external-match)"}
	}
	name, from := NS8Name(f)
	if name == "" {
		return report.Finding{Subject: p.Type, Status: report.Fail,
			Message: "no NS8 name is chosen for NS7's OpenLDAP: ldap_domain is not set and NS7's DomainName is unknown",
			Remediation: hint("Choose the NS8 domain name NS7's OpenLDAP will get (the \"LDAP user domain\" field of the NS7 migration tool) and store it as ldap_domain",
				cmdModule(f, "configure-module", map[string]any{"ldap_domain": "directory.example.com"}))}
	}
	fd := report.Finding{Subject: name, Data: map[string]any{"name": name, "from": from}}
	if p.Type == accountprovider.LocalLDAP {
		if prob := accountprovider.NameProblem(name); prob != "" {
			fd.Status = report.Fail
			fd.Message = fmt.Sprintf("%s cannot be the name of NS7's OpenLDAP on NS8: %s", name, prob)
			fd.Remediation = hint("Choose a dotted name such as directory.example.com and store it as ldap_domain; type the same in the NS7 migration tool",
				cmdModule(f, "configure-module", map[string]any{"ldap_domain": "directory.example.com"}))
			return fd
		}
	}
	if s := clusterSkip(f, name); s != nil {
		return *s
	}
	taken := domainByName(f.Cluster.Domains, name)
	fd.Data["ns8_domains"] = domainNames(f.Cluster.Domains)
	if taken == nil {
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("%s is free among NS8's %d user domains (%s); names compared ignoring case", name, len(f.Cluster.Domains), listOrNone(domainNames(f.Cluster.Domains)))
		return fd
	}
	fd.Status = report.Fail
	fd.Data["taken_by"] = taken
	fd.Message = fmt.Sprintf("%s is taken: NS8 already has %s (names compared ignoring case); the migration tool stops with domain_exists", name, describe(taken, f.Cluster))
	if p.Type == accountprovider.LocalLDAP {
		alt := SuggestName(name, p.DomainName, f.Cluster.Domains)
		fd.Data["suggested_name"] = alt
		fd.Remediation = hint(fmt.Sprintf("Choose another name for NS7's OpenLDAP on NS8, e.g. %s: type it in the \"LDAP user domain\" field of the NS7 migration tool and store it as ldap_domain so this check uses it", alt),
			cmdModule(f, "configure-module", map[string]any{"ldap_domain": alt}),
			cmdModule(f, "check-user-domain", map[string]any{"ldap_domain": alt}))
		return fd
	}
	fd.Remediation = hint(adClashHint(taken), removeCommand(taken)...)
	return fd
}

// adClashHint is the way out of a local AD realm clash: the realm cannot
// change, so the NS8 side must, or another cluster is needed.
func adClashHint(d *cluster.Domain) string {
	if d.Location == "external" {
		return fmt.Sprintf("An AD realm cannot be renamed. If the external domain %s is a leftover of an earlier migration attempt of this NS7 (or points to this same AD), remove it before joining; otherwise migrate this NS7 to a cluster without a domain named %s", d.Name, d.Name)
	}
	return fmt.Sprintf("An AD realm cannot be renamed. If %s on NS8 is unused (e.g. a leftover of an earlier attempt), remove its provider modules (%s) before joining; otherwise migrate this NS7 to a cluster without a domain named %s",
		d.Name, strings.Join(modulesOf(d), ", "), d.Name)
}

func removeCommand(d *cluster.Domain) []string {
	if d.Location == "external" {
		return []string{"api-cli run cluster/remove-external-domain --data " + quoteJSON(map[string]any{"domain": d.Name})}
	}
	var out []string
	for _, m := range modulesOf(d) {
		out = append(out, "api-cli run cluster/remove-module --data "+quoteJSON(map[string]any{"module_id": m, "preserve_data": false}))
	}
	return out
}

// SuggestName proposes a free, valid name for NS7's OpenLDAP near the one
// taken: NS7's DomainName when free, then ns7.<name>, then numbered first
// labels (directory2.example.com ...).
func SuggestName(taken, ns7Domain string, domains []*cluster.Domain) string {
	var cands []string
	if n := normName(ns7Domain); n != "" && n != taken {
		cands = append(cands, n)
	}
	cands = append(cands, "ns7."+taken)
	first, rest, _ := strings.Cut(taken, ".")
	for i := 2; i < 100; i++ {
		cands = append(cands, first+strconv.Itoa(i)+"."+rest)
	}
	for _, c := range cands {
		if accountprovider.NameProblem(c) == "" && domainByName(domains, c) == nil {
			return c
		}
	}
	return "ns7-" + first + ".example.com"
}
