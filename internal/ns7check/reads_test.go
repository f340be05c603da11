package ns7check

import (
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

func findSubject(fs []report.Finding, id, subject string) (report.Finding, bool) {
	for _, f := range fs {
		if f.ID == id && (subject == "" || f.Subject == subject) {
			return f, true
		}
	}
	return report.Finding{}, false
}

func res(status string, exit int, out, stderr string) ns7.Result {
	return ns7.Result{Status: status, Exit: exit, Output: out, Stderr: stderr}
}

// Each kind of answer that holds no value (missing command, refused,
// failed, garbled, empty where a value is needed) makes the checks that
// read it skip with the reason, never judge the zero value it leaves; and
// ns7.reads fails for it, so that the run is not ready.
func TestUnreadFactsAreNotJudged(t *testing.T) {
	notFound := res(ns7.StatusFailed, 127, "", "timeout: failed to run command '/sbin/e-smith/config': No such file or directory\n")
	denied := res(ns7.StatusFailed, 126, "", "timeout: failed to run command '/sbin/e-smith/config': Permission denied\n")
	cases := []struct {
		name   string
		cmds   map[string]ns7.Result
		checks map[string]string // id -> message prefix of its skip
	}{
		{"prefix: config missing", map[string]ns7.Result{ns7.CmdConfig + "nethvoice-report": notFound},
			map[string]string{"ns7.prefix": "could not read the international prefix: config: command not found (see ns7.reads)"}},
		{"time zone: config refused", map[string]ns7.Result{ns7.CmdTimeZone: denied},
			map[string]string{"ns7.timezone": "could not read the time zone: config: permission denied (it cannot be run)"}},
		{"systemd unreachable", map[string]ns7.Result{ns7.CmdServices: res(ns7.StatusFailed, 1, "", "Failed to connect to bus: No such file or directory\n")},
			map[string]string{"ns7.services": "could not read the states of units: systemctl answered, but with 0 lines for the 9 asked",
				"ns7.cockpit": "could not read the states of units", "ns7.provider-service": "could not read the states of units"}},
		{"yum failing", map[string]ns7.Result{ns7.CmdUpdates: res(ns7.StatusFailed, 1, "", "Cannot find a valid baseurl for repo: base/7/x86_64\n")},
			map[string]string{"ns7.updates": "could not read pending updates: yum failed (exit 1): Cannot find a valid baseurl for repo: base/7/x86_64"}},
		{"no rpm", map[string]ns7.Result{ns7.CmdKernels: res(ns7.StatusFailed, 127, "", ""), ns7.CmdPackages: res(ns7.StatusFailed, 127, "", "")},
			map[string]string{"ns7.reboot": "could not read the installed kernels: rpm: command not found",
				"ns7.nethvoice":      "could not read the installed versions: rpm: command not found",
				"ns7.migration-tool": "could not read the installed versions: rpm: command not found"}},
		{"a garbled record", map[string]ns7.Result{ns7.CmdConfig + "ns8": res(ns7.StatusOK, 0, "Use of uninitialized value in concatenation", "")},
			map[string]string{"ns7.migration-tool": "could not read the migration tool's record: config answered, but config printjson did not print a JSON object",
				"ns7.vpn-udp": "could not read the migration tool's record"}},
		{"no provider at all", map[string]ns7.Result{ns7.CmdProvider: res(ns7.StatusFailed, 127, "", ""), ns7.CmdConfig + "sssd": notFound},
			map[string]string{"ns7.account-provider": "could not read the account provider's record: config: command not found",
				"ns7.provider-service": "could not tell which account provider NS7 has: could not read the account provider: config: command not found",
				"ns7.provider-bind":    "could not tell which account provider NS7 has"}},
		{"wg refused", map[string]ns7.Result{ns7.CmdWG: res(ns7.StatusFailed, 1, "", "Unable to access interface: Operation not permitted\n")},
			map[string]string{"ns7.vpn-udp": "could not read WireGuard handshake times: wg-handshakes failed (exit 1): Unable to access interface: Operation not permitted"}},
		{"df garbled", map[string]ns7.Result{ns7.CmdDumpSpace: res(ns7.StatusOK, 0, "df: warning\n", "")},
			map[string]string{"ns7.dump-space": "could not read free bytes where Finish writes the dumps: df answered, but df printed no filesystem line"}},
		{"MariaDB refusing", map[string]ns7.Result{
			ns7.CmdExtensions: res(ns7.StatusFailed, 1, "", "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)\n"),
			ns7.CmdPhones:     res(ns7.StatusFailed, 1, "", "ERROR 2002 (HY000): Can't connect to local MySQL server through socket '/var/lib/mysql/mysql.sock' (2)\n")},
			map[string]string{"ns7.extensions": "could not read extension numbers and names: mysql failed (exit 1): ERROR 1045 (28000): Access denied",
				"ns7.phones": "could not read the physical devices: mysql failed (exit 1): ERROR 2002 (HY000)"}},
		{"find refused", map[string]ns7.Result{ns7.CmdCustomConf: res(ns7.StatusFailed, 1, "", "find: '/etc/asterisk': Permission denied\n")},
			map[string]string{"ns7.custom-config": "could not read non-empty custom Asterisk files: find failed (exit 1): find: '/etc/asterisk': Permission denied"}},
		{"no getent", map[string]ns7.Result{ns7.CmdLeaderDNS: res(ns7.StatusFailed, 127, "", ""), ns7.CmdFQDN + "0": res(ns7.StatusFailed, 127, "", "")},
			map[string]string{"ns7.leader-dns": "could not read the addresses NS7 resolves: getent: command not found",
				"ns7.fqdn-dns": "could not read NS7's answer for each FQDN: getent: command not found"}},
		{"no ip", map[string]ns7.Result{ns7.CmdAddresses: res(ns7.StatusFailed, 127, "", "")},
			map[string]string{"ns7.vpn-network": "could not read NS7's IPv4 addresses and their networks: ip: command not found"}},
		{"secret files unanswered", map[string]ns7.Result{ns7.CmdSecrets: res(ns7.StatusOK, 0, "", "")},
			map[string]string{"ns7.phonebook-password": "could not read whether the secret files Connect and Finish read exist: secret-files answered, but not for",
				"ns7.provider-bind": "could not read whether the secret files"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := All(factsWith(func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
				for id, r := range c.cmds {
					o[id] = r
				}
			}))
			for id, msg := range c.checks {
				got, _ := findSubject(fs, id, "")
				if got.Status != report.Skip || !strings.HasPrefix(got.Message, msg) {
					t.Errorf("%s: %s %q; want skip %q", id, got.Status, got.Message, msg)
				}
			}
			for cmd := range c.cmds {
				got, ok := findSubject(fs, "ns7.reads", cmd)
				if !ok || got.Status != report.Fail || got.Remediation == nil || len(got.Remediation.Commands) == 0 {
					t.Errorf("ns7.reads for %s: %+v", cmd, got)
				}
			}
		})
	}
	// The healthy facts: every command read.
	if got, _ := findSubject(All(factsWith(nil)), "ns7.reads", ""); got.Status != report.Pass {
		t.Errorf("healthy ns7.reads: %+v", got)
	}
}

// The old engine's phone count that could not be read is not "0 phones".
func TestLegacyCountUnread(t *testing.T) {
	fs := All(factsWith(func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
		o[ns7.CmdConfig+"nethvoice"] = res(ns7.StatusOK, 0, `{"name":"nethvoice","props":{"ProvisioningEngine":"freepbx"}}`, "")
		o[ns7.CmdLegacy] = res(ns7.StatusFailed, 1, "", "ERROR 1146 (42S02): Table 'asterisk.endpointman_mac_list' doesn't exist\n")
	}))
	got, _ := findSubject(fs, "ns7.provisioning", "")
	if got.Status != report.Warn || strings.Contains(got.Message, "0 phones") || !strings.Contains(got.Message, "how many could not be read: mysql failed (exit 1): ERROR 1146") {
		t.Errorf("%s %q", got.Status, got.Message)
	}
}

// A host that is not a NethServer (plain Debian: no release file, none of
// NS7's commands): ns7.release fails saying so; nothing else of it is
// judged as NS7's.
func TestNotNethServerJudgesNothing(t *testing.T) {
	f := factsWith(func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
		for id := range o {
			o[id] = res(ns7.StatusFailed, 127, "", "")
		}
		// What a Debian host answers with its own commands.
		o[ns7.CmdRelease] = res(ns7.StatusFailed, 3, "", "")
		o[ns7.CmdHostname] = res(ns7.StatusOK, 0, "debian.example.org", "")
		o[ns7.CmdServices] = res(ns7.StatusFailed, 3, strings.Repeat("inactive\n", len(ns7.Units)), "")
		o[ns7.CmdListen] = res(ns7.StatusOK, 0, "State Recv-Q Send-Q Local Address:Port Peer Address:Port\nLISTEN 0 128 10.77.3.2:22 0.0.0.0:*", "")
		o[ns7.CmdDataFS] = res(ns7.StatusOK, 0, "", "")
		o[ns7.CmdClock] = res(ns7.StatusOK, 0, "1795562244", "")
		o[ns7.CmdLeaderDNS] = res(ns7.StatusFailed, 2, "", "")
		o[ns7.CmdFQDN+"0"] = res(ns7.StatusFailed, 2, "", "")
		o[ns7.CmdAddresses] = res(ns7.StatusOK, 0, "1: lo    inet 127.0.0.1/8 scope host lo", "")
	})
	for _, fd := range All(f) {
		switch fd.ID {
		case "ns7.ssh", "ns7.host-key":
			if fd.Status != report.Pass {
				t.Errorf("%s: %s %s", fd.ID, fd.Status, fd.Message)
			}
		case "ns7.release":
			if fd.Status != report.Fail || !strings.Contains(fd.Message, "/etc/nethserver-release does not exist: this host is not a NethServer 7") {
				t.Errorf("release: %s %q", fd.Status, fd.Message)
			}
		default:
			if fd.Status != report.Skip || !strings.Contains(fd.Message, "not judged: /etc/nethserver-release does not exist") {
				t.Errorf("%s/%s: %s %q", fd.ID, fd.Subject, fd.Status, fd.Message)
			}
		}
	}
}

// A user other than root is not asked what only root may read: the checks
// of it skip, saying so, and ns7.reads fails once, naming them, with the
// commands that authorize root.
func TestNonRootReadsAreNotJudged(t *testing.T) {
	f := factsWith(func(o map[string]ns7.Result, n *ns7.Facts, f *Facts) {
		n.User = "nethvoice"
		f.PublicKey = "ssh-ed25519 AAAAkey nethvoice-preflight1@node1"
		for _, c := range (ns7.Plan{LeaderHost: "x", FQDNs: []string{"y"}}).Commands() {
			if c.RootOnly() {
				o[c.ID] = ns7.Result{Status: ns7.StatusNotAsked, Exit: -1,
					Reason: "not asked: only root may read it on NS7 (why), and the probe connects as nethvoice"}
			}
		}
		o[ns7.CmdSecrets] = res(ns7.StatusOK, 0, "unknown /var/lib/nethserver/secrets/ldapservice\nunknown /var/lib/nethserver/secrets/PhonebookDBPasswd", "")
	})
	fs := All(f)
	for id, msg := range map[string]string{
		"ns7.prefix":             "could not read the international prefix: not asked: only root may read it on NS7",
		"ns7.timezone":           "could not read the time zone: not asked",
		"ns7.account-provider":   "could not read the account provider's record: not asked",
		"ns7.gateways":           "could not read the gateways: not asked",
		"ns7.vpn-udp":            "could not read WireGuard handshake times: not asked",
		"ns7.phonebook-password": "could not tell whether /var/lib/nethserver/secrets/PhonebookDBPasswd (the phonebook database password) exists: its directory cannot be searched as nethvoice",
		"ns7.provider-bind":      "could not tell which account provider NS7 has",
	} {
		got, _ := findSubject(fs, id, "")
		if got.Status != report.Skip || !strings.HasPrefix(got.Message, msg) {
			t.Errorf("%s: %s %q; want skip %q", id, got.Status, got.Message, msg)
		}
	}
	ssh, _ := findSubject(fs, "ns7.ssh", "")
	if ssh.Status != report.Warn || !strings.Contains(ssh.Message, "nethvoice is not root") || !strings.Contains(ssh.Message, "was not asked (20 commands)") {
		t.Errorf("ssh: %s %q", ssh.Status, ssh.Message)
	}
	reads, _ := findSubject(fs, "ns7.reads", "not asked")
	if reads.Status != report.Fail || !strings.Contains(reads.Message, "the probe connects as nethvoice: not asked: account-provider, config-sssd") ||
		!strings.Contains(reads.Message, "not judged: ns7.account-provider,") || !strings.Contains(reads.Remediation.Commands[0], "/root/.ssh/authorized_keys") {
		t.Errorf("reads: %s %q %+v", reads.Status, reads.Message, reads.Remediation)
	}
	if n := len(filter(fs, "ns7.reads")); n != 1 {
		t.Errorf("%d ns7.reads findings for the root-only commands", n)
	}
	// The data it could measure is not taken for the whole.
	if d, _ := findSubject(fs, "ns7.data-size", ""); d.Status != report.Warn || !strings.Contains(d.Message, "recordings (not asked: only root may read it") {
		t.Errorf("data-size: %s %q", d.Status, d.Message)
	}
}

func filter(fs []report.Finding, id string) []report.Finding {
	var out []report.Finding
	for _, f := range fs {
		if f.ID == id {
			out = append(out, f)
		}
	}
	return out
}

// An invalid leader endpoint is not asked of NS7, and the leader checks
// say so instead of "lost"; configured FQDNs are named even when NS7 was
// not probed at all.
func TestWhatWasNotAsked(t *testing.T) {
	fs := All(factsWith(func(o map[string]ns7.Result, n *ns7.Facts, f *Facts) {
		n.Plan.LeaderHost, f.LeaderHost = "", ""
		f.LeaderEndpointProblem = `"leader.example.test:99999": port 99999 is not 1-65535`
		delete(o, ns7.CmdLeaderDNS)
		delete(o, ns7.CmdLeaderTCP)
	}))
	for _, id := range []string{"ns7.leader-dns", "ns7.leader-https"} {
		got, _ := findSubject(fs, id, "")
		if got.Status != report.Skip || got.Message != `not asked of NS7: the leader's VPN endpoint is invalid: "leader.example.test:99999": port 99999 is not 1-65535 (see vpn.endpoint)` {
			t.Errorf("%s: %s %q", id, got.Status, got.Message)
		}
	}
	fs = All(Facts{ProbeErr: "no NS7 host is set", FQDNs: []string{"voice.example.org", "cti.example.org"}})
	for _, name := range []string{"voice.example.org", "cti.example.org"} {
		got, ok := findSubject(fs, "ns7.fqdn-dns", name)
		if !ok || got.Status != report.Skip || got.Message != "NS7 was not probed: no NS7 host is set" {
			t.Errorf("%s: %+v", name, got)
		}
	}
	// An FQDN that is not a host name is not asked of NS7.
	fs = All(factsWith(func(_ map[string]ns7.Result, _ *ns7.Facts, f *Facts) { f.FQDNs = append(f.FQDNs, "bad name") }))
	if got, _ := findSubject(fs, "ns7.fqdn-dns", "bad name"); got.Status != report.Skip || got.Message != "not asked of NS7: bad name is not a host name" {
		t.Errorf("bad name: %+v", got)
	}
}

// What Connect and Finish read on NS7.
func TestJoinReads(t *testing.T) {
	set := func(id, out string) func(map[string]ns7.Result) {
		return func(o map[string]ns7.Result) { o[id] = res(ns7.StatusOK, 0, out, "") }
	}
	localAD := func(dump string, nsdc string) func(map[string]ns7.Result) {
		return func(o map[string]ns7.Result) {
			o[ns7.CmdProvider] = res(ns7.StatusOK, 0, dump, "")
			o[ns7.CmdConfig+"sssd"] = res(ns7.StatusOK, 0, `{"name":"sssd","props":{"Provider":"ad","Realm":"AD.EXAMPLE.ORG"}}`, "")
			o[ns7.CmdConfig+"nsdc"] = res(ns7.StatusOK, 0, `{"name":"nsdc","props":{"IpAddress":"192.168.1.5","status":"enabled"}}`, "")
			o[ns7.CmdServices] = res(ns7.StatusFailed, 3, "active\nactive\nactive\nactive\nactive\nactive\ninactive\ninactive\n"+nsdc, "")
		}
	}
	adDump := `{"isAD":"1","isLdap":"","BaseDN":"dc=ad,dc=example,dc=org","LdapURI":"ldaps://ad.example.org","port":636,"BindDN":"ldapservice@AD.EXAMPLE.ORG","BindPassword":"x"}`
	remote := set(ns7.CmdProvider, `{"isAD":"","isLdap":"1","BaseDN":"dc=corp,dc=example,dc=org","LdapURI":"ldap://ldap.corp.example.org","BindPassword":"x"}`)
	secrets := func(ldap, pb string) func(map[string]ns7.Result) {
		return set(ns7.CmdSecrets, ldap+" "+ns7.LDAPServiceSecret+"\n"+pb+" "+ns7.PhonebookSecret)
	}
	routes := func(extra string) func(map[string]ns7.Result) {
		return set(ns7.CmdRoutes, "default via 192.168.1.1 dev eth0\n192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.10\n"+extra)
	}
	cases := []struct {
		name   string
		id     string
		change func(map[string]ns7.Result)
		cl     func(*Facts)
		status report.Status
		msg    string
	}{
		{"OpenLDAP answering", "ns7.provider-service", nil, nil, report.Pass, "slapd is active and listens on LDAPS port 636"},
		{"OpenLDAP stopped", "ns7.provider-service", set(ns7.CmdServices, "active\nactive\nactive\nactive\nactive\nactive\ninactive\nfailed\ninactive"), nil,
			report.Fail, "slapd is failed and port 636 is listening"},
		{"no LDAPS listener", "ns7.provider-service", set(ns7.CmdListen, "LISTEN 0 128 *:389 *:*"), nil, report.Fail, "slapd is active and port 636 is not listening"},
		{"Samba DC running", "ns7.provider-service", localAD(adDump, "active"), nil, report.Pass, "the Samba DC container (nsdc, 192.168.1.5) is active"},
		{"Samba DC stopped", "ns7.provider-service", localAD(adDump, "inactive"), nil, report.Fail, "the Samba DC container nsdc (192.168.1.5) is inactive"},
		{"remote provider", "ns7.provider-service", remote, nil, report.Skip, "remote-ldap provider: the join adds no user domain from NS7"},
		{"no provider", "ns7.provider-service", set(ns7.CmdProvider, `{"isAD":"","isLdap":""}`), nil, report.Skip, "NS7 has no account provider"},
		{"ldapservice secret there", "ns7.provider-bind", nil, nil, report.Pass, "/var/lib/nethserver/secrets/ldapservice exists (not read)"},
		{"ldapservice secret missing", "ns7.provider-bind", secrets("missing", "present"), nil, report.Fail,
			"/var/lib/nethserver/secrets/ldapservice is missing: account-provider-test would write a new random bind password"},
		{"ldapservice secret empty", "ns7.provider-bind", secrets("empty", "present"), nil, report.Fail, "/var/lib/nethserver/secrets/ldapservice is empty"},
		{"ldapservice secret unknown", "ns7.provider-bind", secrets("unknown", "present"), nil, report.Skip, "could not tell whether /var/lib/nethserver/secrets/ldapservice"},
		{"Samba DC credentials", "ns7.provider-bind", localAD(adDump, "active"), nil, report.Pass, "gives the bind DN ldapservice@AD.EXAMPLE.ORG and a bind password (not kept)"},
		{"Samba DC without a password", "ns7.provider-bind", localAD(strings.Replace(adDump, `"BindPassword":"x"`, `"BindPassword":""`, 1), "active"), nil,
			report.Fail, `gives bind DN "ldapservice@AD.EXAMPLE.ORG" and no bind password`},
		{"Samba DC dump unread", "ns7.provider-bind", func(o map[string]ns7.Result) {
			localAD(adDump, "active")(o)
			o[ns7.CmdProvider] = res(ns7.StatusFailed, 1, "", "Can't locate JSON.pm\n")
		}, nil, report.Skip, "could not read the Samba DC's bind credentials: account-provider failed (exit 1): Can't locate JSON.pm"},
		{"remote provider's credentials", "ns7.provider-bind", remote, nil, report.Skip, "remote-ldap provider"},
		{"phonebook password there", "ns7.phonebook-password", nil, nil, report.Pass, "PhonebookDBPasswd exists (not read)"},
		{"phonebook password missing", "ns7.phonebook-password", secrets("present", "missing"), nil, report.Fail,
			"/var/lib/nethserver/secrets/PhonebookDBPasswd is missing: Finish reads it in a script that stops at the first error"},
		{"phonebook password empty", "ns7.phonebook-password", secrets("present", "empty"), nil, report.Fail, "PhonebookDBPasswd is empty"},
		{"phonebook password unknown", "ns7.phonebook-password", secrets("present", "unknown"), nil, report.Skip, "could not tell whether"},
		{"VPN network free", "ns7.vpn-network", nil, nil, report.Pass, "the cluster VPN network 10.5.4.0/24 overlaps none of NS7's 2 addresses and 2 routes"},
		{"VPN network on NS7's LAN", "ns7.vpn-network", set(ns7.CmdAddresses, "2: br0    inet 10.5.4.20/16 scope global br0"), nil, report.Fail,
			"the cluster VPN network 10.5.4.0/24 overlaps NS7's address 10.5.4.20/16 of br0"},
		{"VPN network routed elsewhere", "ns7.vpn-network", routes("10.5.4.128/25 via 192.168.1.254 dev eth0\n"), nil, report.Fail,
			"overlaps NS7's route 10.5.4.128/25 via 192.168.1.254 dev eth0"},
		{"a blackhole over it", "ns7.vpn-network", routes("blackhole 10.5.4.0/24\n"), nil, report.Fail, "route blackhole 10.5.4.0/24"},
		{"a broader route", "ns7.vpn-network", routes("10.0.0.0/8 via 192.168.1.254 dev eth0\n"), nil, report.Warn,
			"NS7's route 10.0.0.0/8 via 192.168.1.254 dev eth0 contains the cluster VPN network 10.5.4.0/24"},
		{"already joined: the tunnel is the cluster's", "ns7.vpn-network", func(o map[string]ns7.Result) {
			set(ns7.CmdAddresses, "1: lo    inet 127.0.0.1/8 scope host lo\n5: ns8    inet 10.5.4.3/24 scope global ns8")(o)
			routes("10.5.4.0/24 dev ns8 scope link\n")(o)
		}, nil, report.Pass, "overlaps none"},
		{"another cluster network", "ns7.vpn-network", nil, func(f *Facts) { f.Cluster.Network = "192.168.0.0/16" }, report.Fail,
			"the cluster VPN network 192.168.0.0/16 overlaps NS7's address 192.168.1.10/24 of eth0; route 192.168.1.0/24 dev eth0"},
		{"no cluster database", "ns7.vpn-network", nil, func(f *Facts) { f.RedisConfigured = false }, report.Skip, "no cluster database"},
		{"no network recorded", "ns7.vpn-network", nil, func(f *Facts) { f.Cluster = &cluster.Snapshot{} }, report.Skip, `the cluster VPN network (cluster/network) is "", not an IPv4 network`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, _ := findSubject(All(factsWith(func(o map[string]ns7.Result, _ *ns7.Facts, f *Facts) {
				if c.change != nil {
					c.change(o)
				}
				if c.cl != nil {
					c.cl(f)
				}
			})), c.id, "")
			if got.Status != c.status || !strings.Contains(got.Message, c.msg) {
				t.Errorf("%s %q; want %s with %q", got.Status, got.Message, c.status, c.msg)
			}
			if (got.Status == report.Fail || got.Status == report.Warn) && (got.Remediation == nil || got.Remediation.Hint == "") {
				t.Error("no remediation")
			}
		})
	}
}
