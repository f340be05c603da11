package domaincheck

import (
	"strconv"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/accountprovider"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ldapprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

const corpDN = "dc=corp,dc=example,dc=test"

// world is a recorded cluster: an internal OpenLDAP and Samba, an external
// rfc2307 domain, nodes 1 and 2.
func world() *cluster.Snapshot {
	return &cluster.Snapshot{
		Leader: "1",
		Nodes:  map[string]*cluster.Node{"1": {ID: "1", Leader: true}, "2": {ID: "2"}},
		Modules: map[string]*cluster.Module{
			"openldap1": {ID: "openldap1", Node: "1", Image: "openldap"},
			"samba1":    {ID: "samba1", Node: "2", Image: "samba"},
		},
		Domains: []*cluster.Domain{
			{Name: "ad.example.test", Location: "internal", Schema: "ad", BaseDN: "DC=ad,DC=example,DC=test", TLS: true,
				Providers: []cluster.Provider{{ID: "samba1", Node: "2", Host: "10.5.4.2", Port: "636"}}},
			{Name: "corp.example.test", Location: "external", Schema: "rfc2307", BaseDN: corpDN, TLS: true, TLSVerify: true,
				Providers: []cluster.Provider{{ID: "192.0.2.10:636", Host: "192.0.2.10", Port: "636"}}},
			{Name: "directory.example.test", Location: "internal", Schema: "rfc2307", BaseDN: "dc=directory,dc=example,dc=test",
				Providers: []cluster.Provider{{ID: "openldap1", Node: "1", Host: "10.5.4.1", Port: "20003"}}},
		},
	}
}

func facts(p *accountprovider.Provider) Facts {
	return Facts{Provider: p, ProviderSource: "given in the input", ModuleID: "nethvoice-preflight1", State: cluster.State{RedisConfigured: true, Cluster: world()}}
}

func remoteLDAP() *accountprovider.Provider {
	return &accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: corpDN, LDAPURI: "ldaps://192.0.2.10"}
}

// withProbes fills Probes for Targets(f) with the given results, in order.
func withProbes(f Facts, rs ...ldapprobe.Result) Facts {
	for i, t := range Targets(f) {
		r := ldapprobe.Result{Target: t.Target, NamingContexts: []string{t.BaseDN}, TLSVersion: "TLS 1.3", Addresses: []string{t.Host}}
		if i < len(rs) {
			r = rs[i]
			r.Target = t.Target
		}
		f.Probes = append(f.Probes, Probe{Target: t, Result: r})
	}
	return f
}

func find(t *testing.T, fs []report.Finding, id, subject string) report.Finding {
	t.Helper()
	for _, f := range fs {
		if f.ID == id && (subject == "" || f.Subject == subject) {
			return f
		}
	}
	t.Fatalf("no finding %s %q in %+v", id, subject, fs)
	return report.Finding{}
}

func TestChecks(t *testing.T) {
	cases := []struct {
		name    string
		f       func() Facts
		id      string
		subject string
		status  report.Status
		msg     string // substring of the message
		remedy  string // substring of the hint or a command
	}{
		// domain.provider
		{"provider unknown", func() Facts { f := facts(nil); f.ProviderErr = "probe-ns7 has not stored NS7's facts yet"; return f },
			ProviderCheck.ID, "account provider", report.Fail, "unknown: probe-ns7 has not stored", "probe-ns7"},
		{"provider none", func() Facts { return facts(&accountprovider.Provider{Type: accountprovider.None}) }, ProviderCheck.ID, "none", report.Fail, "NethVoice needs a user domain", "account provider"},
		{"provider bad type", func() Facts { return facts(&accountprovider.Provider{Type: "nis"}) }, ProviderCheck.ID, "nis", report.Fail, `unknown provider type "nis"`, "probe-ns7"},
		{"remote ldap without base dn", func() Facts { return facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP}) }, ProviderCheck.ID, "", report.Fail, "needs its base DN", ""},
		{"ad without realm", func() Facts { return facts(&accountprovider.Provider{Type: accountprovider.LocalAD}) }, ProviderCheck.ID, "", report.Fail, "needs its realm", ""},
		{"bad ldap uri", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: corpDN, LDAPURI: "http://x"})
		}, ProviderCheck.ID, "", report.Fail, "scheme must be ldap or ldaps", ""},
		{"local ldap named", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP, DomainName: "example.test"})
			f.LDAPDomain, f.LDAPDomainFrom = "Voice.Example.Test", "input"
			return f
		}, ProviderCheck.ID, "local-ldap", report.Pass, "new internal NS8 domain voice.example.test (name from ldap_domain (input); base DN dc=voice,dc=example,dc=test", ""},
		{"local ldap default name", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP, DomainName: "example.test"})
		},
			ProviderCheck.ID, "", report.Pass, "example.test (name from NS7's DomainName", ""},
		{"remote ldap matched", func() Facts { return facts(remoteLDAP()) }, ProviderCheck.ID, "remote-ldap", report.Pass, "will use the NS8 external domain corp.example.test", ""},
		{"local ad", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.LocalAD, Realm: "OFFICE.EXAMPLE.TEST"})
		}, ProviderCheck.ID, "", report.Pass, "new internal NS8 domain office.example.test", ""},
		{"ldap_domain ignored for AD", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.RemoteAD, Realm: "AD.EXAMPLE.TEST"})
			f.LDAPDomain, f.LDAPDomainFrom = "x.example.test", "input"
			return f
		}, ProviderCheck.ID, "", report.Pass, "ldap_domain x.example.test is not used", ""},

		// domain.name-free
		{"name free", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP})
			f.LDAPDomain, f.LDAPDomainFrom = "voice.example.test", "settings"
			return f
		}, NameFree.ID, "voice.example.test", report.Pass, "free among NS8's 3 user domains", ""},
		{"name taken, case differs", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP, DomainName: "directory.example.test"})
			f.LDAPDomain, f.LDAPDomainFrom = "Directory.Example.Test", "input"
			return f
		}, NameFree.ID, "directory.example.test", report.Fail, "the internal rfc2307 domain directory.example.test of openldap1 on node 1", `{"ldap_domain":"ns7.directory.example.test"}`},
		{"name taken by external", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP, DomainName: "corp.example.test"})
			return f
		}, NameFree.ID, "corp.example.test", report.Fail, "the external rfc2307 domain corp.example.test (providers 192.0.2.10:636)", "ns7.corp.example.test"},
		{"name taken, NS7 DomainName free", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP, DomainName: "example.test"})
			f.LDAPDomain, f.LDAPDomainFrom = "corp.example.test", "settings"
			return f
		}, NameFree.ID, "", report.Fail, "is taken", `"ldap_domain":"example.test"`},
		{"name claimed by unconfigured provider", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP})
			f.LDAPDomain, f.LDAPDomainFrom = "new.example.test", "input"
			f.Cluster.Modules["openldap2"] = &cluster.Module{ID: "openldap2", Node: "2", Image: "openldap"}
			f.Cluster.Domains = append(f.Cluster.Domains, &cluster.Domain{Name: "new.example.test", Location: "internal", Unconfigured: []string{"openldap2"}})
			return f
		}, NameFree.ID, "", report.Fail, "openldap2 on node 2, not configured yet", ""},
		{"single label", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP})
			f.LDAPDomain, f.LDAPDomainFrom = "directory", "input"
			return f
		}, NameFree.ID, "directory", report.Fail, "NS8's OpenLDAP accepts only dotted names", "configure-module"},
		{"too long", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP})
			f.LDAPDomain, f.LDAPDomainFrom = strings.Repeat("a", 60)+"."+strings.Repeat("b", 60)+"."+strings.Repeat("c", 30)+".test", "input"
			return f
		}, NameFree.ID, "", report.Fail, "157 characters: NS8's OpenLDAP accepts at most 140", ""},
		{"label ending in hyphen", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP})
			f.LDAPDomain, f.LDAPDomainFrom = "voice-.example.test", "input"
			return f
		}, NameFree.ID, "", report.Fail, "the NS7 migration tool accepts only", ""},
		{"no name at all", func() Facts { return facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP}) }, NameFree.ID, "local-ldap", report.Fail, "no NS8 name is chosen", "ldap_domain"},
		{"local ad clash", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.LocalAD, Realm: "AD.EXAMPLE.TEST"})
		},
			NameFree.ID, "ad.example.test", report.Fail, "the internal ad domain ad.example.test of samba1 on node 2", "remove-module"},
		{"local ad clash with external", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.LocalAD, Realm: "Corp.Example.Test"})
		},
			NameFree.ID, "corp.example.test", report.Fail, "external rfc2307 domain corp.example.test", "remove-external-domain"},
		{"local ad free", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.LocalAD, Realm: "OFFICE.EXAMPLE.TEST"})
		}, NameFree.ID, "office.example.test", report.Pass, "is free", ""},
		{"name-free skipped for remote", func() Facts { return facts(remoteLDAP()) }, NameFree.ID, "remote-ldap", report.Skip, "does not create a new NS8 domain", ""},
		{"name-free without cluster", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.LocalAD, Realm: "AD.EXAMPLE.TEST"})
			f.RedisConfigured, f.Cluster = false, nil
			return f
		}, NameFree.ID, "", report.Skip, "REDIS_ADDRESS is not set", ""},

		// domain.external-match
		{"one match", func() Facts { return facts(remoteLDAP()) }, ExternalMatch.ID, corpDN, report.Pass, "exactly one external rfc2307 domain has base DN " + corpDN + ": corp.example.test", ""},
		{"match ignoring case", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: "DC=Corp,DC=Example,DC=Test"})
		},
			ExternalMatch.ID, "", report.Pass, ": corp.example.test", ""},
		{"no match", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: "dc=other,dc=test", LDAPURI: "ldap://ldap.other.test:10389", BindDN: "cn=ns7,dc=other,dc=test"})
		},
			ExternalMatch.ID, "dc=other,dc=test", report.Fail, "no NS8 external rfc2307 domain has base DN dc=other,dc=test",
			`{"base_dn":"dc=other,dc=test","bind_dn":"cn=ns7,dc=other,dc=test","bind_password":"<its password>","domain":"other.test","host":"ldap.other.test","port":10389,"protocol":"ldap","schema":"rfc2307","tls":false,"tls_verify":false}`},
		{"no match: written differently", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: "dc=corp, dc=example, dc=test"})
			return f
		}, ExternalMatch.ID, "", report.Fail, "the same DN written differently", "add-external-domain"},
		{"no match: internal domain has the base dn", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: "dc=directory,dc=example,dc=test"})
		},
			ExternalMatch.ID, "", report.Fail, "directory.example.test has that base DN but is internal", ""},
		{"no match: rule name has another base dn", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: "dc=corp,dc=example,dc=test"})
			f.Cluster.Domains[1].BaseDN = "ou=x,dc=corp,dc=example,dc=test"
			return f
		}, ExternalMatch.ID, "", report.Fail, "corp.example.test is named by the BaseDN rule but has base DN ou=x", ""},
		{"no match: certificate untrusted suggests tls_verify off", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: "dc=other,dc=test", LDAPURI: "ldaps://198.51.100.7"})
			return withProbes(f, ldapprobe.Result{NamingContexts: []string{"dc=other,dc=test"}, CertVerifyError: "x509: certificate signed by unknown authority"})
		}, ExternalMatch.ID, "", report.Fail, "no NS8 external", `"tls":true,"tls_verify":false`},
		{"duplicates", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: corpDN, LDAPURI: "ldaps://192.0.2.99"})
			f.Cluster.Domains = append(f.Cluster.Domains, &cluster.Domain{Name: "corp2.example.test", Location: "external", Schema: "rfc2307", BaseDN: "DC=corp,DC=example,DC=test",
				Providers: []cluster.Provider{{ID: "192.0.2.99:636", Host: "192.0.2.99", Port: "636"}}})
			return f
		}, ExternalMatch.ID, "", report.Fail, "2 external rfc2307 domains have base DN", `remove-external-domain --data '{"domain":"corp.example.test"}'`},
		{"duplicates: keep the rule name", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: corpDN})
			f.Cluster.Domains = append(f.Cluster.Domains, &cluster.Domain{Name: "b.example.test", Location: "external", Schema: "rfc2307", BaseDN: corpDN,
				Providers: []cluster.Provider{{ID: "192.0.2.99:636", Host: "192.0.2.99", Port: "636"}}})
			return f
		}, ExternalMatch.ID, "", report.Fail, "multiple LDAP domain matches", `(corp.example.test, named by the BaseDN rule)`},
		{"match named otherwise", func() Facts {
			f := facts(remoteLDAP())
			f.Cluster.Domains[1].Name = "ldap.example.test"
			return f
		}, ExternalMatch.ID, "", report.Warn, "the documented BaseDN rule would name it corp.example.test", "update the tool"},
		{"remote ad match", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.RemoteAD, Realm: "AD.EXAMPLE.TEST", BaseDN: "DC=ad,DC=example,DC=test"})
		},
			ExternalMatch.ID, "ad.example.test", report.Pass, "the internal ad domain ad.example.test exists", ""},
		{"remote ad missing", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.RemoteAD, Realm: "CORP.EXAMPLE.ORG", LDAPURI: "ldaps://dc1.corp.example.org"})
		}, ExternalMatch.ID, "corp.example.org", report.Fail, "no NS8 ad domain is named corp.example.org (NS7's realm CORP.EXAMPLE.ORG lower-cased)",
			`"domain":"corp.example.org","host":"dc1.corp.example.org","port":636,"protocol":"ldap","schema":"ad"`},
		{"remote ad name taken by rfc2307", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.RemoteAD, Realm: "CORP.EXAMPLE.TEST"})
		},
			ExternalMatch.ID, "", report.Fail, "but it is the external rfc2307 domain corp.example.test", "remove-external-domain"},
		{"external-match skipped for local", func() Facts { return facts(&accountprovider.Provider{Type: accountprovider.LocalAD, Realm: "X.TEST"}) }, ExternalMatch.ID, "local-ad", report.Skip, "no external domain is needed", ""},
		{"external-match skipped for none", func() Facts { return facts(&accountprovider.Provider{Type: accountprovider.None}) }, ExternalMatch.ID, "", report.Skip, "no account provider", ""},

		// domain.same-directory
		{"same host", func() Facts { return withProbes(facts(remoteLDAP())) }, SameDirectory.ID, "corp.example.test", report.Pass, "provider 192.0.2.10:636 is the server NS7 uses", ""},
		{"same host, other port", func() Facts {
			p := remoteLDAP()
			p.LDAPURI = "ldap://192.0.2.10"
			return withProbes(facts(p))
		}, SameDirectory.ID, "", report.Pass, "another port than NS7's 389", ""},
		{"NS7 name resolves to the provider", func() Facts {
			p := remoteLDAP()
			p.LDAPURI = "ldaps://ldap.corp.example.test"
			f := withProbes(facts(p))
			f.NS7Addresses = []string{"192.0.2.10"}
			return f
		}, SameDirectory.ID, "", report.Pass, "is the server NS7 uses", ""},
		{"replica serving the base dn", func() Facts {
			p := remoteLDAP()
			p.LDAPURI = "ldaps://192.0.2.20"
			return withProbes(facts(p))
		}, SameDirectory.ID, "", report.Warn, "they serve base DN " + corpDN + " too", "add-external-provider"},
		{"another directory", func() Facts {
			p := remoteLDAP()
			p.LDAPURI = "ldaps://192.0.2.20"
			return withProbes(facts(p), ldapprobe.Result{NamingContexts: []string{"dc=other,dc=test"}})
		}, SameDirectory.ID, "", report.Fail, "corp.example.test points to a different server: its providers are 192.0.2.10:636, while NS7 uses 192.0.2.20:636; they serve dc=other,dc=test",
			`{"domain":"corp.example.test","host":"192.0.2.20","port":636,"protocol":"ldap"}`},
		{"different server unreachable", func() Facts {
			p := remoteLDAP()
			p.LDAPURI = "ldaps://192.0.2.20"
			return withProbes(facts(p), ldapprobe.Result{Stage: ldapprobe.StageTCP, Kind: ldapprobe.KindTimeout, Err: "timeout"})
		}, SameDirectory.ID, "", report.Fail, "points to a different server", ""},
		{"NS7 uri unknown", func() Facts {
			return withProbes(facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: corpDN}))
		}, SameDirectory.ID, "corp.example.test", report.Skip, "LDAP URI is unknown", ""},
		{"same-directory without match", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: "dc=x,dc=test"})
		}, SameDirectory.ID, "", report.Skip, "no NS8 domain matches", ""},
		{"same-directory for local", func() Facts { return facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP}) }, SameDirectory.ID, "", report.Skip, "copied from NS7", ""},

		// domain.reachable
		{"reachable over ldaps", func() Facts { return withProbes(facts(remoteLDAP())) }, Reachable.ID, "192.0.2.10:636", report.Pass,
			"provider 192.0.2.10:636 of corp.example.test answers LDAPS (TLS 1.3, certificate verified) and serves base DN " + corpDN, ""},
		{"reachable, verify off", func() Facts {
			f := facts(remoteLDAP())
			f.Cluster.Domains[1].TLSVerify = false
			return withProbes(f, ldapprobe.Result{NamingContexts: []string{corpDN}, TLSVersion: "TLS 1.3", CertVerifyError: "unknown authority"})
		}, Reachable.ID, "", report.Pass, "certificate not verified: tls_verify off", ""},
		{"certificate rejected", func() Facts {
			return withProbes(facts(remoteLDAP()), ldapprobe.Result{Stage: ldapprobe.StageTLS, Kind: ldapprobe.KindCertificate, Err: "x509: certificate signed by unknown authority"})
		}, Reachable.ID, "", report.Fail, "certificate this node does not trust (tls_verify is on)", "turn tls_verify off for domain corp.example.test"},
		{"silent", func() Facts {
			return withProbes(facts(remoteLDAP()), ldapprobe.Result{Stage: ldapprobe.StageTCP, Kind: ldapprobe.KindTimeout, Err: "dial tcp: i/o timeout", DurationMs: 10000})
		}, Reachable.ID, "", report.Fail, "did not answer within 10.0s: no TCP connection", "Open TCP port 636 on 192.0.2.10"},
		{"refused", func() Facts {
			return withProbes(facts(remoteLDAP()), ldapprobe.Result{Stage: ldapprobe.StageTCP, Kind: ldapprobe.KindRefused, Err: "connection refused"})
		}, Reachable.ID, "", report.Fail, "refused the TCP connection", "open TCP port 636"},
		{"unresolvable", func() Facts {
			return withProbes(facts(remoteLDAP()), ldapprobe.Result{Stage: ldapprobe.StageResolve, Kind: ldapprobe.KindDNS, Err: "no such host"})
		}, Reachable.ID, "", report.Fail, "does not resolve from this node", "getent ahosts"},
		{"wrong tls setting", func() Facts {
			return withProbes(facts(remoteLDAP()), ldapprobe.Result{Stage: ldapprobe.StageTLS, Kind: ldapprobe.KindHandshake, Err: "EOF"})
		}, Reachable.ID, "", report.Fail, "wrong service port or TLS setting", "636 with tls on"},
		{"silent after accept", func() Facts {
			return withProbes(facts(remoteLDAP()), ldapprobe.Result{Stage: ldapprobe.StageLDAP, Kind: ldapprobe.KindTimeout, Err: "i/o timeout", DurationMs: 2000})
		}, Reachable.ID, "", report.Fail, "accepted the TCP connection but did not answer LDAPS within 2.0s", ""},
		{"abandoned by the runner", func() Facts {
			return withProbes(facts(remoteLDAP()), ldapprobe.Result{Kind: ldapprobe.KindTimeout, Err: "the LDAP server did not answer within 2s", DurationMs: 2500})
		}, Reachable.ID, "", report.Fail, "did not answer within 2.5s", ""},
		{"another directory", func() Facts {
			return withProbes(facts(remoteLDAP()), ldapprobe.Result{NamingContexts: []string{"dc=other,dc=test"}})
		}, Reachable.ID, "", report.Fail, "serves dc=other,dc=test, not base DN " + corpDN + ": another directory", ""},
		{"root dse hidden", func() Facts {
			return withProbes(facts(remoteLDAP()), ldapprobe.Result{Stage: ldapprobe.StageLDAP, Kind: ldapprobe.KindRootDSE, Err: "no entry"})
		}, Reachable.ID, "", report.Warn, "refuses an anonymous read of its root DSE", ""},
		{"no match: NS7's server probed", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: "dc=other,dc=test", LDAPURI: "ldap://198.51.100.7"})
			return withProbes(f)
		}, Reachable.ID, "198.51.100.7:389", report.Pass, "the LDAP server NS7 uses, 198.51.100.7:389, answers plain LDAP and serves base DN dc=other,dc=test", ""},
		{"no match: NS7's server certificate untrusted", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: "dc=other,dc=test", LDAPURI: "ldaps://198.51.100.7"})
			return withProbes(f, ldapprobe.Result{NamingContexts: []string{"dc=other,dc=test"}, TLSVersion: "TLS 1.3", CertVerifyError: "unknown authority"})
		}, Reachable.ID, "", report.Warn, "answers LDAPS", "tls_verify off"},
		{"no match, no uri", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: "dc=other,dc=test"})
		}, Reachable.ID, "remote-ldap", report.Skip, "NS7's LDAP URI is unknown", ""},
		{"stand-alone: NS7's server probed", func() Facts {
			f := facts(remoteLDAP())
			f.RedisConfigured, f.Cluster = false, nil
			return withProbes(f)
		}, Reachable.ID, "192.0.2.10:636", report.Pass, "the LDAP server NS7 uses", ""},
		{"reachable for local", func() Facts { return facts(&accountprovider.Provider{Type: accountprovider.LocalAD, Realm: "X.TEST"}) }, Reachable.ID, "local-ad", report.Skip, "through the cluster VPN", ""},

		// domain.samba-node
		{"samba node free", func() Facts {
			return facts(&accountprovider.Provider{Type: accountprovider.LocalAD, Realm: "OFFICE.EXAMPLE.TEST"})
		}, SambaNode.ID, "nodes", report.Pass, "node 1 has no Samba provider", ""},
		{"no samba node", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.LocalAD, Realm: "OFFICE.EXAMPLE.TEST"})
			f.Cluster.Modules["samba2"] = &cluster.Module{ID: "samba2", Node: "1", Image: "samba"}
			f.Cluster.Nodes["3"] = &cluster.Node{ID: "3", Migrating: true}
			return f
		}, SambaNode.ID, "nodes", report.Fail, "every node already hosts a Samba provider (samba2 on node 1, samba1 on node 2)", "Add a node"},
		{"samba-node for ldap", func() Facts { return facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP}) }, SambaNode.ID, "local-ldap", report.Skip, "only a local Active Directory", ""},
		{"samba-node, redis failed", func() Facts {
			f := facts(&accountprovider.Provider{Type: accountprovider.LocalAD, Realm: "X.TEST"})
			f.Cluster, f.ClusterErr = nil, "did not answer within 10s"
			return f
		}, SambaNode.ID, "", report.Skip, "could not be read: did not answer within 10s", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := find(t, All(c.f()), c.id, c.subject)
			if got.Status != c.status || !strings.Contains(got.Message, c.msg) {
				t.Fatalf("got %s %q", got.Status, got.Message)
			}
			if got.Status == report.Fail || got.Status == report.Warn {
				if got.Remediation == nil || got.Remediation.Hint == "" {
					t.Fatalf("%s without remediation", got.Status)
				}
				all := got.Remediation.Hint + "\n" + strings.Join(got.Remediation.Commands, "\n")
				if !strings.Contains(all, c.remedy) {
					t.Fatalf("remediation %q lacks %q", all, c.remedy)
				}
			}
		})
	}
}

// Every evaluator answers for every provider case, and a report built on
// a healthy remote world is all pass or skip.
func TestAllShapes(t *testing.T) {
	for _, p := range []*accountprovider.Provider{nil, {Type: accountprovider.None}, {Type: accountprovider.LocalLDAP, DomainName: "x.test"}, {Type: accountprovider.LocalAD, Realm: "X.TEST"}, remoteLDAP(), {Type: accountprovider.RemoteAD, Realm: "AD.EXAMPLE.TEST"}} {
		fs := All(withProbes(facts(p)))
		ids := map[string]bool{}
		for _, f := range fs {
			ids[f.ID] = true
			if f.Message == "" {
				t.Errorf("%v: %s without message", p, f.ID)
			}
		}
		if len(ids) != 6 {
			t.Errorf("%v: ids %v", p, ids)
		}
	}
	for _, f := range All(withProbes(facts(remoteLDAP()))) {
		if f.Status != report.Pass && f.Status != report.Skip {
			t.Errorf("%s %s: %s %s", f.ID, f.Subject, f.Status, f.Message)
		}
	}
}

func TestTargets(t *testing.T) {
	f := facts(remoteLDAP())
	ts := Targets(f)
	if len(ts) != 1 || ts[0].Domain != "corp.example.test" || ts[0].Host != "192.0.2.10" || ts[0].Port != 636 || !ts[0].TLS || !ts[0].TLSVerify || ts[0].BaseDN != corpDN {
		t.Fatalf("%+v", ts)
	}
	f = facts(&accountprovider.Provider{Type: accountprovider.RemoteAD, Realm: "NEW.TEST", LDAPURI: "ldap://dc.new.test"})
	ts = Targets(f)
	if len(ts) != 1 || ts[0].Domain != "" || ts[0].Host != "dc.new.test" || ts[0].Port != 389 || ts[0].TLS || ts[0].BaseDN != "dc=new,dc=test" {
		t.Fatalf("%+v", ts)
	}
	if ts := Targets(facts(&accountprovider.Provider{Type: accountprovider.LocalLDAP})); len(ts) != 0 {
		t.Fatalf("local: %+v", ts)
	}
	p := remoteLDAP()
	p.LDAPURI = "ldaps://ldap.corp.example.test"
	if h := NS7HostToResolve(facts(p)); h != "ldap.corp.example.test" {
		t.Fatalf("NS7HostToResolve %q", h)
	}
	if h := NS7HostToResolve(facts(remoteLDAP())); h != "" {
		t.Fatalf("an IP needs no resolution: %q", h)
	}
}

func TestNames(t *testing.T) {
	for dn, want := range map[string]string{
		"dc=directory,dc=nh":         "directory.nh",
		"DC=Corp, DC=Example,DC=Com": "corp.example.com",
		"ou=people,dc=example":       "",
		"o=acme":                     "",
	} {
		if got := accountprovider.BaseDNName(dn); got != want {
			t.Errorf("BaseDNName(%q) = %q, want %q", dn, got, want)
		}
	}
	if accountprovider.NameDN("Voice.Example.Com") != "dc=voice,dc=example,dc=com" {
		t.Error("NameDN")
	}
	for uri, want := range map[string]string{
		"ldap://127.0.0.1":                    "ldap 127.0.0.1 389",
		"LDAPS://dc1.example.com":             "ldaps dc1.example.com 636",
		"ldap://[2001:db8::1]:10389/":         "ldap 2001:db8::1 10389",
		"ldaps://a.example:3269 ldap://b:389": "ldaps a.example 3269",
	} {
		u, err := accountprovider.ParseLDAPURI(uri)
		if err != nil || u.Scheme+" "+u.Host+" "+strconv.Itoa(u.Port) != want {
			t.Errorf("ParseLDAPURI(%q) = %+v %v", uri, u, err)
		}
	}
	for _, bad := range []string{"", "http://x", "ldap://", "ldap://x:0", "ldap://x:99999"} {
		if _, err := accountprovider.ParseLDAPURI(bad); err == nil {
			t.Errorf("ParseLDAPURI(%q) accepted", bad)
		}
	}
	domains := world().Domains
	if got := SuggestName("directory.example.test", "", domains); got != "ns7.directory.example.test" {
		t.Errorf("SuggestName %q", got)
	}
	domains = append(domains, &cluster.Domain{Name: "ns7.directory.example.test"})
	if got := SuggestName("directory.example.test", "directory.example.test", domains); got != "directory2.example.test" {
		t.Errorf("SuggestName %q", got)
	}
}

// An IPv6 provider is stored as [addr]:port; it is probed and named as
// one address.
func TestIPv6Provider(t *testing.T) {
	f := facts(&accountprovider.Provider{Type: accountprovider.RemoteLDAP, BaseDN: corpDN, LDAPURI: "ldaps://[2001:db8::10]"})
	f.Cluster.Domains[1].Providers = []cluster.Provider{{ID: "[2001:db8::10]:636", Host: "[2001:db8::10]", Port: "636"}}
	ts := Targets(f)
	if len(ts) != 1 || ts[0].Host != "2001:db8::10" || ts[0].Addr() != "[2001:db8::10]:636" {
		t.Fatalf("%+v", ts)
	}
	f = withProbes(f)
	if got := find(t, All(f), SameDirectory.ID, ""); got.Status != report.Pass || !strings.Contains(got.Message, "provider [2001:db8::10]:636 is the server") {
		t.Fatalf("%s %q", got.Status, got.Message)
	}
	if got := find(t, All(f), Reachable.ID, "[2001:db8::10]:636"); got.Status != report.Pass {
		t.Fatalf("%s %q", got.Status, got.Message)
	}
}

// Only the failure for want of stored facts becomes a skip with the
// probe's reason; a provider judged on its merits is left alone.
func TestProbeGap(t *testing.T) {
	unknown := facts(nil)
	unknown.ProviderErr = "probe-ns7 has not stored NS7's facts yet"
	fs := ProbeGap(All(unknown), "NS7 was not reached")
	f := find(t, fs, "domain.provider", "account provider")
	if f.Status != report.Skip || f.Message != "NS7's account provider is unknown: NS7 was not reached" {
		t.Errorf("%+v", f)
	}
	known := All(facts(&accountprovider.Provider{Type: accountprovider.None}))
	before := find(t, known, "domain.provider", "")
	after := find(t, ProbeGap(known, "x"), "domain.provider", "")
	if before.Status != after.Status || before.Message != after.Message {
		t.Errorf("a known provider changed: %+v -> %+v", before, after)
	}
}
