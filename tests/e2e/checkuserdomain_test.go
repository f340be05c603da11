package e2e

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/ldapworld"
)

// The LDAP side of the check-user-domain world: real slapd processes on
// loopback addresses of their own, and addresses that never answer or
// refuse. No test sends anything to an address it did not create: the
// harness cluster's external domain (ldap.corp.example.test) is always
// re-pointed to one of these servers first.
type ldapServers struct {
	w *ldapworld.World
	// corp serves the external domain's base DN (NS7's remote LDAP).
	corp *ldapworld.Server
	// other serves another base DN: "another directory".
	other *ldapworld.Server
	// win stands for a remote Active Directory of realm WIN.EXAMPLE.TEST.
	win *ldapworld.Server
	// hardened serves corpDN but hides its root DSE from anonymous users.
	hardened *ldapworld.Server
	// silent never completes a TCP connection; refusing refuses it.
	silent, refusing string
}

const (
	corpDN  = "dc=corp,dc=example,dc=test"
	otherDN = "dc=other,dc=example,dc=test"
	winDN   = "dc=win,dc=example,dc=test"
	// Bind passwords of the harness's domains: canaries that must never
	// leave Redis (the module does not even read them).
	corpBindSecret = "Corp-bind-Secret1"
	ldapSvcSecret  = "Oldap-svc-Secret1"
)

func startLDAP(t testing.TB) *ldapServers {
	t.Helper()
	w := ldapworld.New(t)
	l := &ldapServers{w: w, corp: w.Start(corpDN), other: w.Start(otherDN), win: w.Start(winDN),
		hardened: w.StartWith(ldapworld.Options{Suffix: corpDN, HideRootDSE: true})}
	h, p := w.Silent()
	l.silent = h + ":" + strconv.Itoa(p)
	h, p = w.Refusing()
	l.refusing = h + ":" + strconv.Itoa(p)
	return l
}

// external returns the external domain name of c, or nil.
func external(c *harness.Cluster, name string) *harness.ExternalDomain {
	for _, d := range c.ExternalDomains {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// setProviders points an external domain to the given host:port list.
func setProviders(d *harness.ExternalDomain, provs ...string) {
	d.Providers = provs
	d.UINames = harness.Hash{}
	for _, p := range provs {
		d.UINames[p] = "test LDAP " + p
	}
}

// addExternal adds an external domain like the harness's corp.example.test.
func addExternal(c *harness.Cluster, name, schema, baseDN string, tls, verify bool, provs ...string) *harness.ExternalDomain {
	d := &harness.ExternalDomain{Name: name, Conf: harness.Hash{
		"schema": schema, "base_dn": baseDN, "bind_dn": "cn=ns8," + baseDN, "bind_password": corpBindSecret,
		"tls": onOff(tls), "tls_verify": onOff(verify),
	}}
	setProviders(d, provs...)
	c.ExternalDomains = append(c.ExternalDomains, d)
	return d
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func remoteLDAP(l *ldapServers) map[string]any {
	return map[string]any{"type": "remote-ldap", "base_dn": corpDN, "ldap_uri": l.corp.TLSURI()}
}

type want struct {
	id, subject string
	status      report.Status
	msg         string // substring of the message
	remedy      string // substring of the hint or a command ("" = any)
}

type udCase struct {
	name   string
	mutate func(c *harness.Cluster, l *ldapServers)
	// ns7Facts, when set, are the NS7 facts an earlier probe-ns7 stored.
	ns7Facts func(l *ldapServers) map[string]any
	input    func(l *ldapServers) map[string]any
	// noCA leaves the test CA out of the step's trust (SSL_CERT_FILE).
	noCA  bool
	ready bool
	want  []want
}

// newUDWorld is the harness world of check-user-domain: Redis seeded with
// the default cluster (its external domain re-pointed to the corp slapd
// over LDAPS, verified), after mutate; the module installed on node 1 and
// trusting the test CA unless noCA.
func newUDWorld(t testing.TB, l *ldapServers, mutate func(c *harness.Cluster, l *ldapServers), noCA bool) *world {
	t.Helper()
	requireRoot(t)
	r := harness.StartRedis(t)
	c := harness.DefaultCluster()
	setProviders(external(c, harness.ExternalLDAP), l.corp.TLSAddr())
	if mutate != nil {
		mutate(c, l)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(t, c.ApplyTo(ctx, r))
	opts := []harness.Option{harness.WithPollingInterval(200 * time.Millisecond)}
	if !noCA {
		opts = append(opts, harness.WithAgentEnv(map[string]string{"SSL_CERT_FILE": l.w.CAFile}))
	}
	m := harness.InstallModule(t, r, moduleID, "1", opts...)
	return &world{redis: r, cluster: c, module: m}
}

func (c udCase) run(t *testing.T, l *ldapServers) (*world, report.Report) {
	t.Helper()
	w := newUDWorld(t, l, c.mutate, c.noCA)
	if c.ns7Facts != nil {
		seedNS7Facts(t, w.module, c.ns7Facts(l))
	}
	var data map[string]any
	if c.input != nil {
		data = c.input(l)
	}
	res, rep := w.run(t, "check-user-domain", data)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	validReport(t, "check-user-domain", res.Output)
	if os.Getenv("UD_DUMP") != "" { // UD_DUMP=1 go test -v: read every report's wording
		t.Logf("%s", res.Output)
	}
	for _, wt := range c.want {
		f := finding(t, rep, wt.id, wt.subject)
		if f.Status != wt.status || !strings.Contains(f.Message, wt.msg) {
			t.Errorf("%s/%s: %s %q\nwant %s %q", wt.id, f.Subject, f.Status, f.Message, wt.status, wt.msg)
			continue
		}
		if wt.remedy != "" {
			all := ""
			if f.Remediation != nil {
				all = f.Remediation.Hint + "\n" + strings.Join(f.Remediation.Commands, "\n")
			}
			if !strings.Contains(all, wt.remedy) {
				t.Errorf("%s/%s: remediation %q lacks %q", wt.id, f.Subject, all, wt.remedy)
			}
		}
	}
	if rep.Ready != c.ready {
		t.Errorf("ready = %v, want %v: %s", rep.Ready, c.ready, res.Output)
	}
	if len(rep.Checks) < 6 {
		t.Errorf("%d findings: %s", len(rep.Checks), res.Output)
	}
	assertLoopbackOnly(t, rep)
	assertNoSecret(t, w, corpBindSecret, string(res.Output), res.Error)
	assertNoSecret(t, w, ldapSvcSecret, string(res.Output), res.Error)
	return w, rep
}

// assertLoopbackOnly checks that every LDAP server the run probed is one
// of this machine's loopback addresses: the tests never send traffic
// elsewhere, whatever the cluster seed says.
func assertLoopbackOnly(t *testing.T, rep report.Report) {
	t.Helper()
	raw, _ := json.Marshal(rep.Facts["probes"])
	var probes []struct {
		Target struct{ Host string } `json:"target"`
	}
	must(t, json.Unmarshal(raw, &probes))
	for _, p := range probes {
		if ip := net.ParseIP(p.Target.Host); ip == nil || !ip.IsLoopback() {
			t.Errorf("the run probed %q, not a loopback address of the test", p.Target.Host)
		}
	}
}

func skipsExcept(ids ...string) []want {
	var out []want
	keep := map[string]bool{}
	for _, id := range ids {
		keep[id] = true
	}
	for _, id := range []string{"domain.name-free", "domain.external-match", "domain.same-directory", "domain.reachable", "domain.samba-node"} {
		if !keep[id] {
			out = append(out, want{id: id, status: report.Skip})
		}
	}
	return out
}

func TestCheckUserDomain(t *testing.T) {
	requireRoot(t)
	l := startLDAP(t)
	cases := []udCase{
		// Local OpenLDAP: the name (ldap_domain, else NS7's DomainName).
		{name: "local ldap, free name",
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "local-ldap", "base_dn": "dc=directory,dc=nh", "ldap_uri": "ldap://127.0.0.1", "domain_name": "example.test"},
					"ldap_domain": "voice.example.test"}
			},
			ready: true,
			want: append(skipsExcept("domain.name-free"),
				want{"domain.provider", "local-ldap", report.Pass, "it becomes the new internal NS8 domain voice.example.test (name from ldap_domain (input)", ""},
				want{"domain.name-free", "voice.example.test", report.Pass, "voice.example.test is free among NS8's 3 user domains (ad.example.test, corp.example.test, directory.example.test)", ""},
				want{"domain.reachable", "local-ldap", report.Skip, "through the cluster VPN", ""},
			)},
		{name: "local ldap, name taken with another case",
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "local-ldap", "domain_name": "example.test"}, "ldap_domain": "Directory.Example.Test"}
			},
			want: []want{{"domain.name-free", "directory.example.test", report.Fail,
				"directory.example.test is taken: NS8 already has the internal rfc2307 domain directory.example.test of openldap1 on node 1 (names compared ignoring case)",
				`{"ldap_domain":"example.test"}`}}},
		{name: "local ldap, DomainName taken by an external domain",
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "local-ldap", "domain_name": "Corp.Example.Test"}}
			},
			want: []want{{"domain.name-free", "corp.example.test", report.Fail,
				"NS8 already has the external rfc2307 domain corp.example.test (providers " + l.corp.TLSAddr() + ")", `"ldap_domain":"ns7.corp.example.test"`}}},
		{name: "local ldap, invalid name",
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "local-ldap"}, "ldap_domain": "directory"}
			},
			want: []want{{"domain.name-free", "directory", report.Fail, "NS8's OpenLDAP accepts only dotted names", "ldap_domain"}}},
		{name: "local ldap, name claimed by an unconfigured provider",
			mutate: func(c *harness.Cluster, l *ldapServers) {
				m := c.AddModule(harness.NewInstance("openldap2", 2, "ghcr.io/nethserver/openldap:2.5.0"))
				m.Flags = []string{"core_module", "account_provider", "rootless"}
				m.Keys["user_domain"] = harness.Str("voice.example.test")
			},
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "local-ldap"}, "ldap_domain": "voice.example.test"}
			},
			want: []want{{"domain.name-free", "", report.Fail, "openldap2 on node 2, not configured yet", ""}}},

		// Local AD: the realm, which cannot be renamed; a node for Samba.
		{name: "local ad, realm clashes",
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "local-ad", "realm": "AD.EXAMPLE.TEST", "base_dn": "DC=ad,DC=example,DC=test"}}
			},
			want: append(skipsExcept("domain.name-free", "domain.samba-node"),
				want{"domain.provider", "local-ad", report.Pass, "realm AD.EXAMPLE.TEST (given in the input): it becomes the new internal NS8 domain ad.example.test", ""},
				want{"domain.name-free", "ad.example.test", report.Fail, "the internal ad domain ad.example.test of samba1 on node 2", `remove-module --data '{"module_id":"samba1","preserve_data":false}'`},
				want{"domain.samba-node", "nodes", report.Pass, "node 1 has no Samba provider", ""},
			)},
		{name: "local ad, free realm",
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "local-ad", "realm": "OFFICE.EXAMPLE.TEST"}}
			},
			ready: true,
			want: []want{
				{"domain.name-free", "office.example.test", report.Pass, "office.example.test is free", ""},
				{"domain.samba-node", "nodes", report.Pass, "node 1 has no Samba provider", ""},
			}},
		{name: "local ad, no node free for samba",
			mutate: func(c *harness.Cluster, l *ldapServers) {
				c.AddModule(harness.NewInstance("samba2", 1, "ghcr.io/nethserver/samba:3.2.0"))
				c.AddNS7MigrationNode() // an NS7 node hosts nothing: not a candidate
			},
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "local-ad", "realm": "OFFICE.EXAMPLE.TEST"}}
			},
			want: []want{{"domain.samba-node", "nodes", report.Fail, "every node already hosts a Samba provider (samba2 on node 1, samba1 on node 2)", "Add a node"}}},

		// Remote LDAP: exactly one external rfc2307 domain with the base DN.
		{name: "remote ldap, one match over verified ldaps",
			input: func(l *ldapServers) map[string]any { return map[string]any{"provider": remoteLDAP(l)} },
			ready: true,
			want: append(skipsExcept("domain.external-match", "domain.same-directory", "domain.reachable"),
				want{"domain.provider", "remote-ldap", report.Pass, "NethVoice will use the NS8 external domain corp.example.test", ""},
				want{"domain.external-match", corpDN, report.Pass, "exactly one external rfc2307 domain has base DN " + corpDN + ": corp.example.test", ""},
				want{"domain.same-directory", "corp.example.test", report.Pass, "is the server NS7 uses", ""},
				want{"domain.reachable", l.corp.TLSAddr(), report.Pass, "answers LDAPS (TLS 1.3, certificate verified) and serves base DN " + corpDN + " (naming contexts: " + corpDN + ")", ""},
			)},
		{name: "remote ldap, base dn with another case",
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "remote-ldap", "base_dn": "DC=Corp,DC=Example,DC=Test", "ldap_uri": l.corp.TLSURI()}}
			},
			ready: true,
			want:  []want{{"domain.external-match", "", report.Pass, ": corp.example.test", ""}}},
		{name: "remote ldap, plain ldap provider, NS7 on ldaps",
			mutate: func(c *harness.Cluster, l *ldapServers) {
				d := external(c, harness.ExternalLDAP)
				d.Conf["tls"], d.Conf["tls_verify"] = "off", "off"
				setProviders(d, l.corp.Addr())
			},
			input: func(l *ldapServers) map[string]any { return map[string]any{"provider": remoteLDAP(l)} },
			ready: true,
			want: []want{
				{"domain.reachable", l.corp.Addr(), report.Pass, "answers plain LDAP and serves base DN", ""},
				{"domain.same-directory", "", report.Pass, "another port than NS7's", ""},
			}},
		{name: "remote ldap, no matching domain",
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "remote-ldap", "base_dn": otherDN, "ldap_uri": l.other.URI(), "bind_dn": "cn=ns7," + otherDN}}
			},
			want: []want{
				{"domain.external-match", otherDN, report.Fail, "no NS8 external rfc2307 domain has base DN " + otherDN,
					`api-cli run cluster/add-external-domain --data '{"base_dn":"` + otherDN + `","bind_dn":"cn=ns7,` + otherDN + `","bind_password":"<its password>","domain":"other.example.test","host":"` + l.other.Host + `","port":` + strconv.Itoa(l.other.Port) + `,"protocol":"ldap","schema":"rfc2307","tls":false,"tls_verify":false}'`},
				// The server the missing domain must point to is probed.
				{"domain.reachable", l.other.Addr(), report.Pass, "the LDAP server NS7 uses, " + l.other.Addr() + ", answers plain LDAP and serves base DN " + otherDN, ""},
				{"domain.same-directory", "remote-ldap", report.Skip, "no NS8 domain matches", ""},
			}},
		{name: "remote ldap, no match: NS7's ldaps certificate untrusted",
			noCA: true,
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "remote-ldap", "base_dn": otherDN, "ldap_uri": l.other.TLSURI()}}
			},
			want: []want{
				{"domain.external-match", "", report.Fail, "no NS8 external", `"tls":true,"tls_verify":false`},
				{"domain.reachable", l.other.TLSAddr(), report.Warn, "certificate not verified", "add the external domain with tls_verify off"},
			}},
		{name: "remote ldap, two matching domains",
			mutate: func(c *harness.Cluster, l *ldapServers) {
				addExternal(c, "corp2.example.test", "rfc2307", "DC=Corp,DC=Example,DC=Test", true, true, l.corp.TLSAddr())
			},
			input: func(l *ldapServers) map[string]any { return map[string]any{"provider": remoteLDAP(l)} },
			want: []want{
				{"domain.external-match", corpDN, report.Fail, "2 external rfc2307 domains have base DN " + corpDN + ": the external rfc2307 domain corp.example.test",
					`remove-external-domain --data '{"domain":"corp2.example.test"}'`},
				{"domain.same-directory", "corp2.example.test", report.Pass, "", ""},
				{"domain.reachable", "corp2.example.test " + l.corp.TLSAddr(), report.Pass, "", ""},
			}},
		{name: "remote ldap, a domain without providers is ignored",
			mutate: func(c *harness.Cluster, l *ldapServers) {
				addExternal(c, "corp3.example.test", "rfc2307", corpDN, true, true)
			},
			input: func(l *ldapServers) map[string]any { return map[string]any{"provider": remoteLDAP(l)} },
			ready: true,
			want:  []want{{"domain.external-match", "", report.Pass, "exactly one external rfc2307 domain", ""}}},
		{name: "remote ldap, match named against the BaseDN rule",
			mutate: func(c *harness.Cluster, l *ldapServers) {
				external(c, harness.ExternalLDAP).Name = "ldap.example.test"
			},
			input: func(l *ldapServers) map[string]any { return map[string]any{"provider": remoteLDAP(l)} },
			ready: true,
			want: []want{
				{"domain.external-match", "", report.Warn, "the external domain ldap.example.test has base DN " + corpDN + " and is the one the migration tool will use; the documented BaseDN rule would name it corp.example.test", "yum update nethserver-ns8-migration"},
				{"domain.provider", "", report.Pass, "NethVoice will use the NS8 external domain ldap.example.test", ""},
			}},
		{name: "remote ldap, match points to another directory",
			mutate: func(c *harness.Cluster, l *ldapServers) {
				setProviders(external(c, harness.ExternalLDAP), l.other.TLSAddr())
			},
			input: func(l *ldapServers) map[string]any { return map[string]any{"provider": remoteLDAP(l)} },
			want: []want{
				{"domain.same-directory", "corp.example.test", report.Fail,
					"corp.example.test points to a different server: its providers are " + l.other.TLSAddr() + ", while NS7 uses " + l.corp.TLSAddr() + "; they serve " + otherDN + ", not base DN " + corpDN,
					`add-external-provider --data '{"domain":"corp.example.test","host":"` + l.corp.Host + `","port":` + strconv.Itoa(l.corp.TLSPort) + `,"protocol":"ldap"}'`},
				{"domain.reachable", l.other.TLSAddr(), report.Fail, "serves " + otherDN + ", not base DN " + corpDN + ": another directory", "Point domain corp.example.test to the server that holds"},
			}},
		{name: "remote ldap, provider silent",
			mutate: func(c *harness.Cluster, l *ldapServers) {
				setProviders(external(c, harness.ExternalLDAP), l.silent)
			},
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "remote-ldap", "base_dn": corpDN, "ldap_uri": "ldaps://" + l.silent}, "timeout_s": 2}
			},
			want: []want{
				{"domain.reachable", l.silent, report.Fail, "did not answer within 2.", "Open TCP port " + strings.Split(l.silent, ":")[1] + " on " + strings.Split(l.silent, ":")[0]},
				{"domain.same-directory", "", report.Pass, "is the server NS7 uses", ""},
			}},
		{name: "remote ldap, provider refuses",
			mutate: func(c *harness.Cluster, l *ldapServers) {
				setProviders(external(c, harness.ExternalLDAP), l.refusing)
			},
			input: func(l *ldapServers) map[string]any { return map[string]any{"provider": remoteLDAP(l)} },
			want:  []want{{"domain.reachable", l.refusing, report.Fail, "refused the TCP connection", "Start the LDAP service"}}},
		{name: "remote ldap, tls on a plain port",
			mutate: func(c *harness.Cluster, l *ldapServers) {
				setProviders(external(c, harness.ExternalLDAP), l.corp.Addr())
			},
			input: func(l *ldapServers) map[string]any { return map[string]any{"provider": remoteLDAP(l)} },
			want:  []want{{"domain.reachable", l.corp.Addr(), report.Fail, "wrong service port or TLS setting", "636 with tls on"}}},
		{name: "remote ldap, tls_verify on, certificate untrusted",
			noCA:  true,
			input: func(l *ldapServers) map[string]any { return map[string]any{"provider": remoteLDAP(l)} },
			want: []want{{"domain.reachable", l.corp.TLSAddr(), report.Fail, "presents a certificate this node does not trust (tls_verify is on)",
				"turn tls_verify off for domain corp.example.test"}}},
		{name: "remote ldap, tls_verify off, certificate untrusted",
			noCA: true,
			mutate: func(c *harness.Cluster, l *ldapServers) {
				external(c, harness.ExternalLDAP).Conf["tls_verify"] = "off"
			},
			input: func(l *ldapServers) map[string]any { return map[string]any{"provider": remoteLDAP(l)} },
			ready: true,
			want:  []want{{"domain.reachable", l.corp.TLSAddr(), report.Pass, "certificate not verified: tls_verify off", ""}}},

		{name: "remote ldap, root DSE hidden from anonymous users",
			mutate: func(c *harness.Cluster, l *ldapServers) {
				setProviders(external(c, harness.ExternalLDAP), l.hardened.TLSAddr())
			},
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "remote-ldap", "base_dn": corpDN, "ldap_uri": l.hardened.TLSURI()}}
			},
			ready: true, // a warning does not block
			want:  []want{{"domain.reachable", l.hardened.TLSAddr(), report.Warn, "refuses an anonymous read of its root DSE", "Allow anonymous reads of the root DSE"}}},

		// Remote AD: an ad domain named as the lower-cased realm.
		{name: "remote ad, match",
			mutate: func(c *harness.Cluster, l *ldapServers) {
				addExternal(c, "win.example.test", "ad", winDN, true, true, l.win.TLSAddr())
			},
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "remote-ad", "realm": "WIN.EXAMPLE.TEST", "base_dn": "DC=win,DC=example,DC=test", "ldap_uri": l.win.TLSURI()}}
			},
			ready: true,
			want: append(skipsExcept("domain.external-match", "domain.same-directory", "domain.reachable"),
				want{"domain.external-match", "win.example.test", report.Pass, "the external ad domain win.example.test exists, named as NS7's realm WIN.EXAMPLE.TEST", ""},
				want{"domain.same-directory", "win.example.test", report.Pass, "", ""},
				want{"domain.reachable", l.win.TLSAddr(), report.Pass, "serves base DN " + winDN, ""},
			)},
		{name: "remote ad, no match",
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "remote-ad", "realm": "WIN.EXAMPLE.TEST", "ldap_uri": l.win.TLSURI()}}
			},
			want: []want{
				{"domain.external-match", "win.example.test", report.Fail, "no NS8 ad domain is named win.example.test", `"domain":"win.example.test","host":"` + l.win.Host + `"`},
				{"domain.reachable", l.win.TLSAddr(), report.Pass, "the LDAP server NS7 uses", ""},
			}},

		// No provider: NethVoice cannot be migrated.
		{name: "no provider",
			input: func(l *ldapServers) map[string]any { return map[string]any{"provider": map[string]any{"type": "none"}} },
			want: append(skipsExcept(),
				want{"domain.provider", "none", report.Fail, "NS7 has no account provider (given in the input): NethVoice needs a user domain", "account-provider-test dump"}),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, l) })
	}
}

// A timeout bounds the whole run: a silent provider costs the deadline
// once, not once per step.
func TestCheckUserDomainSilentIsBounded(t *testing.T) {
	requireRoot(t)
	l := startLDAP(t)
	c := udCase{name: "silent",
		mutate: func(c *harness.Cluster, l *ldapServers) {
			setProviders(external(c, harness.ExternalLDAP), l.silent, l.corp.TLSAddr())
		},
		input: func(l *ldapServers) map[string]any { return map[string]any{"provider": remoteLDAP(l), "timeout_s": 1} },
		want: []want{
			{"domain.reachable", l.silent, report.Fail, "did not answer within", ""},
			{"domain.reachable", l.corp.TLSAddr(), report.Pass, "", ""},
		}}
	_, rep := c.run(t, l)
	if rep.DurationMs > 2500 {
		t.Errorf("report took %d ms with a 1 s deadline", rep.DurationMs)
	}
}

// The provider comes from what probe-ns7 stored when the input has none;
// an input provider wins; with neither, the check says what to run.
func TestCheckUserDomainStoredFacts(t *testing.T) {
	requireRoot(t)
	l := startLDAP(t)
	stored := func(provider map[string]any) func(l *ldapServers) map[string]any {
		return func(l *ldapServers) map[string]any {
			return map[string]any{
				"probed_at": "2026-11-24T09:58:00Z", "host": "ns7.example.test", "data_total_bytes": 123456789,
				"account_provider": provider, "facts": map[string]any{"release": "7.9.2009"},
			}
		}
	}
	cases := []udCase{
		{name: "stored remote ldap",
			ns7Facts: func(l *ldapServers) map[string]any { return stored(remoteLDAP(l))(l) },
			ready:    true,
			want: []want{
				{"domain.provider", "remote-ldap", report.Pass, "(from probe-ns7 of ns7.example.test at 2026-11-24T09:58:00Z): NethVoice will use the NS8 external domain corp.example.test", ""},
				{"domain.reachable", l.corp.TLSAddr(), report.Pass, "", ""},
			}},
		{name: "stored local ldap, name from settings",
			ns7Facts: stored(map[string]any{"type": "local-ldap", "base_dn": "dc=directory,dc=nh", "ldap_uri": "ldap://127.0.0.1", "domain_name": "directory.example.test"}),
			want: []want{
				{"domain.name-free", "directory.example.test", report.Fail, "is taken", "ns7.directory.example.test"},
			}},
		{name: "input wins over stored facts",
			ns7Facts: stored(map[string]any{"type": "none"}),
			input: func(l *ldapServers) map[string]any {
				return map[string]any{"provider": map[string]any{"type": "local-ad", "realm": "OFFICE.EXAMPLE.TEST"}}
			},
			ready: true,
			want:  []want{{"domain.provider", "local-ad", report.Pass, "(given in the input)", ""}}},
		{name: "stored facts without provider",
			ns7Facts: stored(nil),
			want: []want{{"domain.provider", "account provider", report.Fail,
				"the facts probe-ns7 stored (of ns7.example.test at 2026-11-24T09:58:00Z) hold no account provider", "probe-ns7"}}},
		{name: "nothing stored",
			want: append(skipsExcept(), want{"domain.provider", "account provider", report.Fail, "probe-ns7 has not stored NS7's facts yet", "api-cli run module/" + moduleID + "/probe-ns7"})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, l) })
	}
}

// ldap_domain stored by configure-module is the default: the admin renames
// NS7's OpenLDAP once, and the next check judges the new name.
func TestCheckUserDomainRenameThroughSettings(t *testing.T) {
	requireRoot(t)
	l := startLDAP(t)
	w := newUDWorld(t, l, nil, false)
	in := map[string]any{"provider": map[string]any{"type": "local-ldap", "domain_name": "directory.example.test"}}
	_, rep := w.run(t, "check-user-domain", in)
	f := finding(t, rep, "domain.name-free", "directory.example.test")
	if f.Status != report.Fail || f.Data["suggested_name"] != "ns7.directory.example.test" {
		t.Fatalf("%+v", f)
	}
	if res, _ := w.run(t, "configure-module", map[string]any{"ldap_domain": "ns7.directory.example.test"}); res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	res, rep := w.run(t, "check-user-domain", in)
	validReport(t, "check-user-domain", res.Output)
	f = finding(t, rep, "domain.name-free", "ns7.directory.example.test")
	if f.Status != report.Pass || !strings.Contains(f.Message, "free") || !rep.Ready {
		t.Fatalf("%+v", f)
	}
	if p := finding(t, rep, "domain.provider", ""); !strings.Contains(p.Message, "name from ldap_domain (settings)") {
		t.Fatalf("%+v", p)
	}
	// The report is kept as the action's last report.
	if stored, err := openStore(t, w.module).Last("check-user-domain"); err != nil || stored == nil || stored.RunID != rep.RunID {
		t.Errorf("stored report: %v %+v", err, stored)
	}
}

// Malformed providers are refused by the schema, through the agent and
// stand-alone alike.
func TestCheckUserDomainBadInput(t *testing.T) {
	requireRoot(t)
	l := startLDAP(t)
	w := newUDWorld(t, l, nil, false)
	for _, data := range []map[string]any{
		{"provider": map[string]any{"type": "nis"}},
		{"provider": map[string]any{"type": "local-ad"}},
		{"provider": map[string]any{"type": "remote-ldap", "ldap_uri": "ldap://x"}},
		{"provider": map[string]any{"type": "remote-ldap", "base_dn": corpDN, "ldap_uri": "ldap://x'; rm -rf /"}},
		{"provider": map[string]any{"type": "none", "bind_password": "secret"}},
		{"ldap_domain": "bad_name!"},
	} {
		res, _ := w.run(t, "check-user-domain", data)
		var errs []schema.FieldError
		if res.ExitCode != 10 || json.Unmarshal(res.Output, &errs) != nil || len(errs) == 0 {
			t.Errorf("%v: %s", data, res)
		}
	}
}

// Outside NS8 (no Redis), the cluster checks skip with the reason and the
// LDAP server of the given provider is still probed from this machine.
func TestCheckUserDomainStandAlone(t *testing.T) {
	l := startLDAP(t)
	in, _ := json.Marshal(map[string]any{"provider": remoteLDAP(l)})
	cmd := exec.Command(harness.Binary(t), "check-user-domain", "--data", string(in))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "SSL_CERT_FILE=" + l.w.CAFile}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	validReport(t, "check-user-domain", out)
	var rep report.Report
	must(t, json.Unmarshal(out, &rep))
	if f := finding(t, rep, "domain.external-match", ""); f.Status != report.Skip || !strings.Contains(f.Message, "REDIS_ADDRESS is not set") {
		t.Errorf("%+v", f)
	}
	if f := finding(t, rep, "domain.reachable", l.corp.TLSAddr()); f.Status != report.Pass || !strings.Contains(f.Message, "the LDAP server NS7 uses") {
		t.Errorf("%+v", f)
	}
}
