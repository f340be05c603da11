// Package accountprovider is NS7's account provider as the migration sees
// it: its kinds, how the NS7 migration tool classifies what NS7 says of it
// (ns8-join), the name and base DN its domain takes on NS8, and the rules
// those names obey (reference/nethvoice-migration.md §2.2, §3.2). probe-ns7
// and check-user-domain both judge it with these rules.
package accountprovider

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
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
	BaseDN     string `json:"base_dn"`
	Realm      string `json:"realm"`
	LDAPURI    string `json:"ldap_uri"`
	DomainName string `json:"domain_name"`
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

// Classify applies ns8-join's rules: AD is local when nsdc has an
// IpAddress, LDAP is local when its URI points to 127.0.0.1 or localhost.
// Without the dump (the command failed), sssd's Provider property decides
// the kind and the URI host its location.
func Classify(n *ns7.Facts) Provider {
	p := Provider{DomainName: n.DomainName}
	sssd := map[string]string{}
	if r := n.Config["sssd"]; r != nil {
		sssd = r.Props
	}
	p.Realm = sssd["Realm"]
	isAD, isLDAP := false, false
	if d := n.Provider; d != nil {
		isAD, isLDAP = d.IsAD, d.IsLDAP
		p.BaseDN, p.LDAPURI = d.BaseDN, d.LdapURI
	} else {
		isAD, isLDAP = sssd["Provider"] == "ad", sssd["Provider"] == "ldap"
		p.BaseDN, p.LDAPURI = sssd["BaseDN"], sssd["LdapURI"]
	}
	switch {
	case isAD:
		p.Type = RemoteAD
		if r := n.Config["nsdc"]; r != nil && r.Props["IpAddress"] != "" {
			p.Type = LocalAD
		}
		if p.BaseDN == "" && p.Realm != "" {
			p.BaseDN = "dc=" + strings.ReplaceAll(strings.ToLower(p.Realm), ".", ",dc=")
		}
	case isLDAP:
		// ns8-join's own test: a substring of the URI, so that
		// ldap://localhost is a remote LDAP to it (nethserver-ns8-migration
		// ns8-join; NS7's sssd counts localhost as local).
		p.Type = RemoteLDAP
		if strings.Contains(p.LDAPURI, "127.0.0.1") {
			p.Type = LocalLDAP
		}
	default:
		p.Type = None
	}
	return p
}

// Read is Classify when NS7 told what its provider is: on a NethServer,
// the dump or sssd's record answered (and, for AD, nsdc's record, which
// tells local from remote). Otherwise the provider is unknown, never
// "none", and the reason says why.
func Read(n *ns7.Facts) (Provider, string) {
	switch {
	case n == nil || !n.Connected:
		return Provider{}, "NS7 was not reached"
	case n.NotNethServer() != "":
		return Provider{}, n.NotNethServer()
	case n.Provider == nil && !n.Answered(ns7.CmdConfig+"sssd"):
		return Provider{}, "could not read the account provider: " + unreadWhy(n, ns7.CmdConfig+"sssd")
	}
	p := Classify(n)
	if p.AD() && !n.Answered(ns7.CmdConfig+"nsdc") {
		return Provider{}, "could not tell whether the Active Directory is NS7's own: " + unreadWhy(n, ns7.CmdConfig+"nsdc")
	}
	return p, ""
}

func unreadWhy(n *ns7.Facts, id string) string {
	if why := n.Unread(id); why != "" {
		return why
	}
	return id + " did not answer (" + n.Cmd(id).Status + ")"
}

// LocalhostURI reports whether an LDAP URI names NS7 itself as localhost,
// which the migration tool does not take for a local provider.
func LocalhostURI(uri string) bool {
	u, err := ParseLDAPURI(uri)
	return err == nil && strings.EqualFold(u.Host, "localhost")
}

// NS8Domain is the name the provider's domain takes on NS8 ("" when it is
// the name of a matching external domain, decided by check-user-domain).
func NS8Domain(p Provider, ldapDomain string) string {
	switch p.Type {
	case LocalAD, RemoteAD:
		return strings.ToLower(p.Realm)
	case LocalLDAP:
		if ldapDomain != "" {
			return strings.ToLower(ldapDomain)
		}
		return strings.ToLower(p.DomainName)
	case RemoteLDAP:
		return BaseDNName(p.BaseDN)
	}
	return ""
}
