package accountprovider

import (
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
)

func TestClassify(t *testing.T) {
	rec := func(props map[string]string) *ns7.ConfigRecord { return &ns7.ConfigRecord{Props: props} }
	for _, c := range []struct {
		name  string
		facts ns7.Facts
		want  Provider
		ns8   string
	}{
		{"local ldap", ns7.Facts{DomainName: "example.org", Provider: &ns7.ProviderDump{IsLDAP: true, LdapURI: "ldap://127.0.0.1", BaseDN: LocalLDAPBaseDN}},
			Provider{Type: LocalLDAP, LDAPURI: "ldap://127.0.0.1", BaseDN: LocalLDAPBaseDN, DomainName: "example.org"}, "example.org"},
		{"remote ldap", ns7.Facts{Provider: &ns7.ProviderDump{IsLDAP: true, LdapURI: "ldaps://ldap.example.org", BaseDN: "dc=Example,dc=org"}},
			Provider{Type: RemoteLDAP, LDAPURI: "ldaps://ldap.example.org", BaseDN: "dc=Example,dc=org"}, "example.org"},
		{"local ad: nsdc has an address", ns7.Facts{Provider: &ns7.ProviderDump{IsAD: true},
			Config: map[string]*ns7.ConfigRecord{"sssd": rec(map[string]string{"Realm": "AD.EXAMPLE.ORG"}), "nsdc": rec(map[string]string{"IpAddress": "192.0.2.20"})}},
			Provider{Type: LocalAD, Realm: "AD.EXAMPLE.ORG", BaseDN: "dc=ad,dc=example,dc=org"}, "ad.example.org"},
		{"remote ad", ns7.Facts{Provider: &ns7.ProviderDump{IsAD: true, BaseDN: "DC=ad,DC=example,DC=org"},
			Config: map[string]*ns7.ConfigRecord{"sssd": rec(map[string]string{"Realm": "AD.EXAMPLE.ORG"})}},
			Provider{Type: RemoteAD, Realm: "AD.EXAMPLE.ORG", BaseDN: "DC=ad,DC=example,DC=org"}, "ad.example.org"},
		{"no dump: sssd decides", ns7.Facts{Config: map[string]*ns7.ConfigRecord{"sssd": rec(map[string]string{"Provider": "ldap", "LdapURI": "ldap://ldap.example.org", "BaseDN": "dc=example,dc=org"})}},
			Provider{Type: RemoteLDAP, LDAPURI: "ldap://ldap.example.org", BaseDN: "dc=example,dc=org"}, "example.org"},
		{"none", ns7.Facts{Provider: &ns7.ProviderDump{}}, Provider{Type: None}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Classify(&c.facts)
			if got != c.want {
				t.Fatalf("Classify = %+v, want %+v", got, c.want)
			}
			if n := NS8Domain(got, ""); n != c.ns8 {
				t.Fatalf("NS8Domain = %q, want %q", n, c.ns8)
			}
		})
	}
	if n := NS8Domain(Provider{Type: LocalLDAP, DomainName: "example.org"}, "Voice.Example.org"); n != "voice.example.org" {
		t.Fatalf("the chosen ldap_domain wins, lower-cased: %q", n)
	}
}

// The migration tool's local rule is a substring test on 127.0.0.1:
// ldap://localhost is a remote LDAP to it.
func TestLocalhostIsRemoteToTheTool(t *testing.T) {
	p := Classify(&ns7.Facts{Provider: &ns7.ProviderDump{IsLDAP: true, LdapURI: "ldap://localhost", BaseDN: LocalLDAPBaseDN}})
	if p.Type != RemoteLDAP || !LocalhostURI(p.LDAPURI) {
		t.Fatalf("%+v", p)
	}
	if LocalhostURI("ldap://127.0.0.1") || LocalhostURI("ldaps://ldap.example.org") || !LocalhostURI("ldaps://LOCALHOST:636") {
		t.Fatal("LocalhostURI")
	}
}
