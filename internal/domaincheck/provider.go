// Package domaincheck judges NS7's account provider against NS8's user
// domains: pure functions from collected facts (the provider, the cluster
// snapshot, LDAP probe results) to findings, one per check id. The rules
// are those the NS7 migration tool applies at join time
// (reference/nethvoice-migration.md §2.2, §3.2), checked before the join.
package domaincheck

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Provider types, as probe-ns7 classifies NS7's account provider.
const (
	LocalLDAP  = "local-ldap"
	LocalAD    = "local-ad"
	RemoteLDAP = "remote-ldap"
	RemoteAD   = "remote-ad"
	None       = "none"
)

// LocalLDAPBaseDN is the base DN of NS7's built-in OpenLDAP, always.
const LocalLDAPBaseDN = "dc=directory,dc=nh"

// Provider is NS7's account provider: the check-user-domain "provider"
// input, and the shape probe-ns7 stores. No bind password, ever.
type Provider struct {
	Type       string `json:"type"`
	BaseDN     string `json:"base_dn,omitempty"`
	Realm      string `json:"realm,omitempty"`
	LDAPURI    string `json:"ldap_uri,omitempty"`
	DomainName string `json:"domain_name,omitempty"`
	// BindDN is optional: it only fills the add-external-domain remedy.
	BindDN string `json:"bind_dn,omitempty"`
}

// Local is true for the providers that NS8 re-creates as a new domain.
func (p Provider) Local() bool { return p.Type == LocalLDAP || p.Type == LocalAD }

// Remote is true for the providers that need a domain already on NS8.
func (p Provider) Remote() bool { return p.Type == RemoteLDAP || p.Type == RemoteAD }

// AD is true for both AD types.
func (p Provider) AD() bool { return p.Type == LocalAD || p.Type == RemoteAD }

// Problem says why a provider cannot be judged ("" when it can): an
// unknown type, or a key its type needs.
func (p Provider) Problem() string {
	switch p.Type {
	case LocalLDAP, None:
	case LocalAD, RemoteAD:
		if strings.TrimSpace(p.Realm) == "" {
			return fmt.Sprintf("a %s provider needs its realm, and none is given", p.Type)
		}
	case RemoteLDAP:
		if strings.TrimSpace(p.BaseDN) == "" {
			return "a remote-ldap provider needs its base DN, and none is given"
		}
	default:
		return fmt.Sprintf("unknown provider type %q (expected local-ldap, local-ad, remote-ldap, remote-ad or none)", p.Type)
	}
	if p.LDAPURI != "" {
		if _, err := ParseLDAPURI(p.LDAPURI); err != nil {
			return err.Error()
		}
	}
	return ""
}

// ADName is the NS8 name of an AD realm: lower-cased, as ns8-join does.
func (p Provider) ADName() string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(p.Realm), "."))
}

// LDAPURI is a parsed ldap[s]://host[:port] URI.
type LDAPURI struct {
	Scheme string `json:"scheme"`
	Host   string `json:"host"`
	Port   int    `json:"port"`
}

// TLS is true for ldaps.
func (u LDAPURI) TLS() bool { return u.Scheme == "ldaps" }

// Addr is host:port.
func (u LDAPURI) Addr() string { return net.JoinHostPort(u.Host, strconv.Itoa(u.Port)) }

// ParseLDAPURI reads the first URI of an LDAP URI list (NS7's LdapURI may
// hold several, separated by spaces); the port defaults to 389 or 636.
func ParseLDAPURI(s string) (LDAPURI, error) {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return LDAPURI{}, fmt.Errorf("empty LDAP URI")
	}
	u, err := url.Parse(fields[0])
	if err != nil {
		return LDAPURI{}, fmt.Errorf("LDAP URI %q: %v", fields[0], err)
	}
	out := LDAPURI{Scheme: strings.ToLower(u.Scheme), Host: u.Hostname()}
	switch out.Scheme {
	case "ldap":
		out.Port = 389
	case "ldaps":
		out.Port = 636
	default:
		return LDAPURI{}, fmt.Errorf("LDAP URI %q: scheme must be ldap or ldaps", fields[0])
	}
	if out.Host == "" {
		return LDAPURI{}, fmt.Errorf("LDAP URI %q has no host", fields[0])
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return LDAPURI{}, fmt.Errorf("LDAP URI %q: bad port %q", fields[0], p)
		}
		out.Port = n
	}
	return out, nil
}

// openLDAPDomain is the domain pattern of ns8-openldap configure-module.
var openLDAPDomain = regexp.MustCompile(`^[a-zA-Z0-9][-a-zA-Z0-9]{0,62}(\.[a-zA-Z0-9][-a-zA-Z0-9]{0,62})+$`)

// ns7DomainField is the NS7 migration tool's validator of its "LDAP user
// domain" field (api/connection/validate).
var ns7DomainField = regexp.MustCompile(`^([a-zA-Z0-9]([a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z0-9]{2,63}$`)

// Length limits of the two validators.
const (
	MaxOpenLDAPDomain = 140
	MaxNS7DomainField = 255
)

// NameProblem says why name cannot be a new NS8 OpenLDAP domain typed in
// the NS7 migration tool ("" when both validators accept it).
func NameProblem(name string) string {
	switch {
	case len(name) > MaxOpenLDAPDomain:
		return fmt.Sprintf("%d characters: NS8's OpenLDAP accepts at most %d", len(name), MaxOpenLDAPDomain)
	case !openLDAPDomain.MatchString(name):
		return "NS8's OpenLDAP accepts only dotted names of letters, digits and hyphens, at least two labels of at most 63 characters each, none starting with a hyphen"
	case !ns7DomainField.MatchString(name):
		return "the NS7 migration tool accepts only host names whose labels neither start nor end with a hyphen and whose last label has 2 to 63 letters or digits"
	}
	return ""
}

// BaseDNName is the documented BaseDN-to-name rule of the NS7 migration
// tool's UI and docs (dc=directory,dc=nh -> directory.nh): the dc values
// joined with dots. A DN with other attributes has no such name ("").
func BaseDNName(dn string) string {
	var labels []string
	for _, rdn := range strings.Split(dn, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(rdn), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "dc") || strings.TrimSpace(v) == "" {
			return ""
		}
		labels = append(labels, strings.ToLower(strings.TrimSpace(v)))
	}
	return strings.Join(labels, ".")
}

// NameDN is the base DN NS8 gives a domain name (one dc= per label).
func NameDN(name string) string {
	if name == "" {
		return ""
	}
	return "dc=" + strings.ReplaceAll(strings.ToLower(name), ".", ",dc=")
}
