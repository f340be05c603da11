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

// A provider NS7 did not tell is unknown, never "none".
func TestRead(t *testing.T) {
	filled := func(out map[string]ns7.Result) *ns7.Facts {
		f := &ns7.Facts{Connected: true}
		var rs []ns7.Result
		for _, c := range (ns7.Plan{}).Commands() {
			r, ok := out[c.ID]
			if !ok {
				r = ns7.Result{Status: ns7.StatusOK}
			}
			r.ID = c.ID
			rs = append(rs, r)
		}
		f.Fill(rs)
		return f
	}
	ok := func(s string) ns7.Result { return ns7.Result{Status: ns7.StatusOK, Output: s} }
	missing := ns7.Result{Status: ns7.StatusFailed, Exit: 127}
	release := ok("NethServer release 7.9.2009 (final)")
	for _, c := range []struct {
		name string
		out  map[string]ns7.Result
		typ  string
		why  string
	}{
		{"the dump", map[string]ns7.Result{ns7.CmdRelease: release, ns7.CmdProvider: ok(`{"isLdap":"1","LdapURI":"ldap://127.0.0.1"}`)}, LocalLDAP, ""},
		{"sssd alone", map[string]ns7.Result{ns7.CmdRelease: release, ns7.CmdProvider: missing,
			ns7.CmdConfig + "sssd": ok(`{"name":"sssd","props":{"Provider":"none"}}`)}, None, ""},
		{"neither", map[string]ns7.Result{ns7.CmdRelease: release, ns7.CmdProvider: missing, ns7.CmdConfig + "sssd": missing},
			"", "could not read the account provider: config: command not found"},
		{"AD without nsdc's record", map[string]ns7.Result{ns7.CmdRelease: release, ns7.CmdProvider: ok(`{"isAD":"1"}`),
			ns7.CmdConfig + "sssd": ok(`{"name":"sssd","props":{"Provider":"ad","Realm":"AD.EXAMPLE.ORG"}}`), ns7.CmdConfig + "nsdc": missing},
			"", "could not tell whether the Active Directory is NS7's own: config: command not found"},
		{"not a NethServer", map[string]ns7.Result{ns7.CmdRelease: {Status: ns7.StatusFailed, Exit: 3}, ns7.CmdProvider: missing},
			"", "/etc/nethserver-release does not exist: this host is not a NethServer"},
	} {
		p, why := Read(filled(c.out))
		if p.Type != c.typ || why != c.why {
			t.Errorf("%s: %q %q", c.name, p.Type, why)
		}
	}
	if _, why := Read(&ns7.Facts{}); why != "NS7 was not reached" {
		t.Errorf("not connected: %q", why)
	}
}
