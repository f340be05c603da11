package ns7check

import (
	"strings"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// healthyOutputs are the answers of a healthy NS7, as recorded from the
// test world (tests/ns7world Healthy) by the collector.
func healthyOutputs() map[string]ns7.Result {
	ok := func(out string) ns7.Result { return ns7.Result{Status: ns7.StatusOK, Output: out} }
	return map[string]ns7.Result{
		ns7.CmdRelease:                     ok("NethServer release 7.9.2009 (final)"),
		ns7.CmdHostname:                    ok("ns7.example.org"),
		ns7.CmdKernel:                      ok("3.10.0-1160.119.1.el7.x86_64"),
		ns7.CmdKernels:                     ok("3.10.0-1160.102.1.el7.x86_64\n3.10.0-1160.119.1.el7.x86_64"),
		ns7.CmdPackages:                    {Status: ns7.StatusFailed, Exit: 1, Output: "nethserver-nethvoice14 14.9.2-1.ns7\nnethserver-ns8-migration 1.3.8-1.ns7\npackage asterisk13-core is not installed"},
		ns7.CmdUpdates:                     ok(""),
		ns7.CmdServices:                    {Status: ns7.StatusFailed, Exit: 3, Output: "active\nactive\nactive\nactive\nactive\nactive\ninactive\nactive\ninactive"},
		ns7.CmdListen:                      ok("LISTEN 0 128 *:9090 *:*\nLISTEN 0 128 *:636 *:*"),
		ns7.CmdProvider:                    ok(`{"isAD":"","isLdap":"1","BaseDN":"dc=directory,dc=nh","LdapURI":"ldap://127.0.0.1","BindPassword":"x"}`),
		ns7.CmdConfig + "sssd":             ok(`{"name":"sssd","type":"service","props":{"Provider":"ldap","LdapURI":"ldap://127.0.0.1"}}`),
		ns7.CmdConfig + "nsdc":             ok(""),
		ns7.CmdConfig + "slapd":            ok(`{"name":"slapd","type":"service","props":{"status":"enabled"}}`),
		ns7.CmdConfig + "nethvoice":        ok(`{"name":"nethvoice","type":"service","props":{"ProvisioningEngine":"tancredi"}}`),
		ns7.CmdConfig + "nethvoice-report": ok(`{"name":"nethvoice-report","type":"configuration","props":{"international_prefix":"0039"}}`),
		ns7.CmdConfig + "ns8":              ok(""),
		ns7.CmdConfig + "wg-quick@ns8":     ok(""),
		ns7.CmdTimeZone:                    ok("Europe/Rome"),
		ns7.CmdDomainName:                  ok("example.org"),
		ns7.CmdRecordings:                  ok("8192\t/var/spool/asterisk/monitor/2026/11\n12324\t/var/spool/asterisk/monitor/2026\n16420\t/var/spool/asterisk/monitor"),
		ns7.CmdDataSize:                    ok("4108\t/var/lib/asterisk/sounds/en/custom"),
		ns7.CmdDataFS:                      {Status: ns7.StatusFailed, Exit: 1, Output: "       Used Mounted on File\n40000000000 /          /var/spool/asterisk/monitor\n40000000000 /          /var/lib/asterisk/sounds/en/custom\n2000000000 /var/lib/mysql /var/lib/mysql"},
		ns7.CmdDumpSpace:                   ok("Filesystem 1-blocks Used Available Capacity Mounted on\n/dev/vda 270553174016 1 82054619136 30% /"),
		ns7.CmdDBSizes:                     ok("asterisk\t5242880\nasteriskcdrdb\t104857600"),
		ns7.CmdPhones:                      ok("00:15:65:00:00:01\tYealink/Dreamwave\tyealink-T46\t201\n0C:38:3E:00:00:02\tFanvil\tfanvil-X3U\t202"),
		ns7.CmdGateways:                    ok(""),
		ns7.CmdTrunks:                      ok("1\tpjsip\tMessageNet\toff\tsip.messagenet.it\t\tMessageNet"),
		ns7.CmdSIPNAT:                      ok(""),
		ns7.CmdTancredi:                    ok(` "voice.example.org"`),
		ns7.CmdExtensions:                  ok("201\tAlice\n202\tBob"),
		ns7.CmdLegacy:                      ok("0"),
		ns7.CmdCustomConf:                  ok(""),
		ns7.CmdCustomAGI:                   ok(""),
		ns7.CmdCards:                       ok(""),
		ns7.CmdClock:                       ok("1795562244"),
		ns7.CmdWG:                          {Status: ns7.StatusFailed, Exit: 3},
		ns7.CmdSecrets:                     ok("present /var/lib/nethserver/secrets/ldapservice\npresent /var/lib/nethserver/secrets/PhonebookDBPasswd"),
		ns7.CmdAddresses:                   ok("1: lo    inet 127.0.0.1/8 scope host lo\n2: eth0    inet 192.168.1.10/24 brd 192.168.1.255 scope global eth0"),
		ns7.CmdRoutes:                      ok("default via 192.168.1.1 dev eth0\n192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.10"),
		ns7.CmdLeaderDNS:                   ok("10.5.4.1 STREAM leader.example.test"),
		ns7.CmdLeaderTCP:                   ok(""),
		ns7.CmdFQDN + "0":                  ok("198.51.100.10 STREAM voice.example.org"),
	}
}

func factsWith(change func(out map[string]ns7.Result, n *ns7.Facts, f *Facts)) Facts {
	out := healthyOutputs()
	n := &ns7.Facts{Host: "192.0.2.7", Port: 22, User: "root", Connected: true, Auth: "publickey", RoundTrips: 2,
		HostKey:   ns7.HostKey{Status: ns7.KeyMatches, Fingerprint: "SHA256:abc", Type: "ssh-ed25519"},
		Plan:      ns7.PlanFacts{LeaderHost: "leader.example.test", FQDNs: []string{"voice.example.org"}},
		Bandwidth: &ns7.Bandwidth{Bytes: 8 << 20, Seconds: 0.1, BytesPerSecond: 80 << 20}}
	f := Facts{Timeout: 10 * time.Second, NethVoiceFQDN: "voice.example.org", State: cluster.State{RedisConfigured: true, Cluster: &cluster.Snapshot{Network: "10.5.4.0/24"}}, LeaderHost: "leader.example.test", FQDNs: []string{"voice.example.org"},
		LeaderVPNIP: "10.5.4.1", LeaderNS8Addrs: []string{"10.5.4.1"}, FQDNNS8: map[string][]string{"voice.example.org": {"198.51.100.10"}}}
	if change != nil {
		change(out, n, &f)
	}
	var results []ns7.Result
	for _, c := range (ns7.Plan{LeaderHost: "x", FQDNs: []string{"y"}}).Commands() {
		r, ok := out[c.ID]
		if !ok {
			r = ns7.Result{Status: ns7.StatusNotRun, Exit: -1}
		}
		r.ID = c.ID
		results = append(results, r)
	}
	n.Fill(results)
	f.NS7 = n
	return f
}

// tool sets the migration tool's version (and more) after the facts are
// filled; the destination node 1 has the cluster's only proxy.
func tool(version string, more func(map[string]ns7.Result, *Facts)) func(map[string]ns7.Result, *ns7.Facts, *Facts) {
	return func(o map[string]ns7.Result, _ *ns7.Facts, f *Facts) {
		o[ns7.CmdPackages] = ns7.Result{Status: ns7.StatusFailed, Exit: 1, Output: "nethserver-nethvoice14 14.9.2-1.ns7\nnethserver-ns8-migration " + version}
		f.Dest = "1"
		f.Cluster = &cluster.Snapshot{Proxies: map[string]*cluster.Proxy{"nethvoice-proxy1": {ID: "nethvoice-proxy1", Node: "1"}}}
		if more != nil {
			more(o, f)
		}
	}
}

func find(fs []report.Finding, id string) report.Finding {
	for _, f := range fs {
		if f.ID == id {
			return f
		}
	}
	return report.Finding{}
}

func TestHealthyAllPassOrSkip(t *testing.T) {
	for _, fd := range All(factsWith(nil)) {
		if fd.Status == report.Fail || fd.Status == report.Warn {
			t.Errorf("%s: %s %s", fd.ID, fd.Status, fd.Message)
		}
		if fd.Message == "" {
			t.Errorf("%s: empty message", fd.ID)
		}
	}
}

func TestEvaluators(t *testing.T) {
	set := func(id, out string) func(map[string]ns7.Result, *ns7.Facts, *Facts) {
		return func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[id] = ns7.Result{Status: ns7.StatusOK, Output: out}
		}
	}
	cases := []struct {
		id     string
		change func(map[string]ns7.Result, *ns7.Facts, *Facts)
		status report.Status
		msg    string
	}{
		{"ns7.ssh", func(_ map[string]ns7.Result, n *ns7.Facts, _ *Facts) {
			n.Connected, n.ConnectStage, n.ConnectErr = false, "auth", "ssh: unable to authenticate"
		}, report.Fail, "refused authentication"},
		{"ns7.ssh", func(_ map[string]ns7.Result, n *ns7.Facts, _ *Facts) { n.Dropped = "EOF" }, report.Fail, "dropped during the probe: EOF"},
		{"ns7.host-key", func(_ map[string]ns7.Result, n *ns7.Facts, _ *Facts) {
			n.HostKey = ns7.HostKey{Status: ns7.KeyChanged, Fingerprint: "SHA256:new", Pinned: "SHA256:old"}
		}, report.Fail, "SHA256:old is pinned: no command was sent"},
		{"ns7.release", set(ns7.CmdRelease, "NethServer release 7.8.2003 (final)"), report.Fail, "needs 7.9.2009"},
		{"ns7.updates", func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[ns7.CmdUpdates] = ns7.Result{Status: ns7.StatusFailed, Exit: 100, Output: "a.noarch 1 base\nb.x86_64 2 updates"}
		}, report.Fail, "2 updates pending (a.noarch, b.x86_64)"},
		{"ns7.updates", func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[ns7.CmdUpdates] = ns7.Result{Status: ns7.StatusTimeout, Exit: 124}
		}, report.Fail, "did not answer within its deadline"},
		{"ns7.reboot", set(ns7.CmdKernels, "3.10.0-1160.119.1.el7.x86_64\n3.10.0-1160.9.1.el7.x86_64\n3.10.0-1160.120.1.el7.x86_64"), report.Fail, "3.10.0-1160.120.1.el7.x86_64 is installed"},
		{"ns7.cockpit", set(ns7.CmdListen, "State Recv-Q Send-Q Local Address:Port Peer Address:Port"), report.Fail, "not listening"},
		{"ns7.nethvoice", func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[ns7.CmdPackages] = ns7.Result{Status: ns7.StatusFailed, Exit: 1, Output: "package nethserver-nethvoice14 is not installed"}
		}, report.Fail, "not installed"},
		{"ns7.services", func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[ns7.CmdServices] = ns7.Result{Status: ns7.StatusFailed, Exit: 3, Output: "failed\nactive\nactive\nactive\nactive\nactive\ninactive\nactive\ninactive"}
		}, report.Fail, "asterisk is failed"},
		{"ns7.ssh", func(_ map[string]ns7.Result, n *ns7.Facts, f *Facts) {
			n.User = "admin"
			f.PublicKey = "ssh-ed25519 AAAAkey m@n"
		}, report.Warn,
			"but admin is not root: what only root may read on NS7"},
		{"ns7.ssh", func(_ map[string]ns7.Result, n *ns7.Facts, f *Facts) {
			n.User, n.Connected, n.ConnectStage, n.ConnectErr = "admin", false, "auth", "no supported methods remain"
			f.PublicKey = "ssh-ed25519 AAAAkey m@n"
		}, report.Fail, "admin@192.0.2.7:22 refused authentication"},
		{"ns7.migration-tool", set(ns7.CmdConfig+"ns8", `{"name":"ns8","props":{"Host":"other.example.net","User":"ns7admin2","LeaderIpAddress":"10.9.9.1","Password":"x"}}`), report.Fail, "joined to another cluster"},
		{"ns7.migration-tool", set(ns7.CmdConfig+"ns8", `{"name":"ns8","props":{"Host":"leader.example.test","User":"ns7admin2","LeaderIpAddress":"10.5.4.1"}}`), report.Pass, "joined to this cluster"},
		{"ns7.migration-tool", tool("1.0.15-1.ns7", nil), report.Warn, "stay stored on NS7 (no dedicated ns7admin account), and it applies here (NethServer/dev#6994"},
		{"ns7.migration-tool", tool("1.0.17-1.ns7", nil), report.Warn, "version 1.0.17 has 2 known bug(s) that do not apply here; update it anyway"},
		{"ns7.migration-tool", tool("1.1.0-1.ns7", func(_ map[string]ns7.Result, f *Facts) { f.Cluster.Domains = []*cluster.Domain{{Name: "example.org"}} }), report.Fail,
			"Connect is refused when NS8 already has any user domain, and it applies here (NethServer/dev#7222"},
		{"ns7.migration-tool", tool("1.1.0-1.ns7", func(_ map[string]ns7.Result, f *Facts) { f.Dest = "2" }), report.Fail,
			"the NethVoice proxy is not installed on the destination node, and Finish fails without it, and it applies here"},
		{"ns7.migration-tool", tool("1.1.0-1.ns7", func(_ map[string]ns7.Result, f *Facts) { f.Cluster = nil }), report.Warn,
			"the NethVoice proxy is not installed on the destination node, and Finish fails without it (it applies when the destination node has no NethVoice proxy, not known here; NethServer/dev#7221"},
		{"ns7.migration-tool", tool("1.0.17-1.ns7", func(o map[string]ns7.Result, f *Facts) {
			o[ns7.CmdProvider] = ns7.Result{Status: ns7.StatusOK, Output: `{"isAD":"","isLdap":"1","BaseDN":"dc=Example,dc=org","LdapURI":"ldaps://ldap.example.org"}`}
			f.Cluster.Domains = []*cluster.Domain{{Name: "example.org", Location: "external", BaseDN: "dc=example,dc=org"}}
		}), report.Fail, "compared with NS8's external domains case-sensitively"},
		{"ns7.migration-tool", tool("1.0.12-1.ns7", func(o map[string]ns7.Result, _ *Facts) {
			o[ns7.CmdLeaderDNS] = ns7.Result{Status: ns7.StatusFailed, Exit: 2}
		}), report.Fail, "Connect leaves a half-added node"},
		{"ns7.migration-tool", tool("git20240101", nil), report.Warn, `its version "git20240101" is not a version`},
		{"ns7.migration-tool", tool("1.3.8-1.ns7", nil), report.Pass, "nethserver-ns8-migration 1.3.8-1.ns7 is installed; NS7 is not joined"},
		{"ns7.account-provider", func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[ns7.CmdProvider] = ns7.Result{Status: ns7.StatusOK, Output: `{"isAD":"","isLdap":""}`}
		}, report.Fail, "no account provider"},
		{"ns7.account-provider", func(o map[string]ns7.Result, _ *ns7.Facts, f *Facts) {
			f.LDAPDomain = "Voice.Example.Org"
		}, report.Pass, `user domain "voice.example.org"`},
		{"ns7.account-provider", func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[ns7.CmdProvider] = ns7.Result{Status: ns7.StatusFailed, Exit: 127}
			o[ns7.CmdConfig+"sssd"] = ns7.Result{Status: ns7.StatusOK, Output: `{"name":"sssd","props":{"Provider":"ad","Realm":"AD.EXAMPLE.ORG"}}`}
			o[ns7.CmdConfig+"nsdc"] = ns7.Result{Status: ns7.StatusOK, Output: `{"name":"nsdc","props":{"IpAddress":"192.168.1.5"}}`}
		}, report.Pass, `local Samba Active Directory, realm AD.EXAMPLE.ORG; on NS8 it becomes the user domain "ad.example.org"`},
		{"ns7.account-provider", func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[ns7.CmdProvider] = ns7.Result{Status: ns7.StatusOK, Output: `{"isAD":"","isLdap":"1","BaseDN":"dc=directory,dc=nh","LdapURI":"ldap://localhost"}`}
		}, report.Fail, "the migration tool takes a provider for local only when its URI contains 127.0.0.1"},
		{"ns7.leader-dns", set(ns7.CmdLeaderDNS, ""), report.Fail, "cannot resolve"},
		{"ns7.leader-dns", func(_ map[string]ns7.Result, _ *ns7.Facts, f *Facts) { f.LeaderNS8Addrs = []string{"203.0.113.5"} }, report.Warn, "NS8 to 203.0.113.5"},
		{"ns7.leader-dns", func(_ map[string]ns7.Result, _ *ns7.Facts, f *Facts) { f.RedisConfigured = false }, report.Skip, "no cluster database"},
		{"ns7.leader-https", func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[ns7.CmdLeaderTCP] = ns7.Result{Status: ns7.StatusTimeout, Exit: 124}
		}, report.Fail, "packets dropped"},
		{"ns7.vpn-udp", func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[ns7.CmdConfig+"ns8"] = ns7.Result{Status: ns7.StatusOK, Output: `{"name":"ns8","props":{"Host":"leader.example.test","User":"ns7admin2"}}`}
			o[ns7.CmdWG] = ns7.Result{Status: ns7.StatusOK, Output: "peer=\t1795562000"}
		}, report.Fail, "last WireGuard handshake on ns8 was 4m4s ago"},
		{"ns7.vpn-udp", set(ns7.CmdWG, "peer=\t1795562230"), report.Pass, "handshake 14s ago"},
		{"ns7.fqdn-dns", set(ns7.CmdFQDN+"0", "10.0.0.9 STREAM voice.example.org"), report.Warn, "split or stale DNS"},
		{"ns7.data-size", func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[ns7.CmdDBSizes] = ns7.Result{Status: ns7.StatusFailed, Exit: 1}
		}, report.Warn, "not measured: databases (the database sizes could not be read (mysql failed (exit 1))); in all at least 20.0 KiB and at most 1.9 GiB, a bound from the filesystems that hold what was not measured (df: /var/lib/mysql uses 1.9 GiB)"},
		// The recordings cut by the data budget: the months done are a lower
		// bound, the spool's filesystem the upper one; not a blocking fail.
		{"ns7.data-size", func(o map[string]ns7.Result, n *ns7.Facts, _ *Facts) {
			o[ns7.CmdRecordings] = ns7.Result{Status: ns7.StatusTimeout, Exit: 124, Output: "8192\t/var/spool/asterisk/monitor/2025/12\n4096\t/var/spool/asterisk/monitor/2026/01\n20000\t/var/spool/asterisk/monitor/2025"}
			n.DataBudgetS = 60
		}, report.Warn, "measured only in part: recordings at least 23.5 KiB, sounds 4.0 KiB, databases 105.0 MiB; not measured: recordings (not done within the data budget of 60 s); in all at least 105.0 MiB and at most 37.4 GiB, a bound from the filesystems that hold what was not measured (df: / uses 37.3 GiB)"},
		// Without df, no upper bound: said so, not guessed.
		{"ns7.data-size", func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[ns7.CmdRecordings] = ns7.Result{Status: ns7.StatusLost, Exit: -1}
			o[ns7.CmdDataFS] = ns7.Result{Status: ns7.StatusFailed, Exit: 1}
		}, report.Warn, "not measured: recordings (cut short: the connection or the probe ended first); in all at least 105.0 MiB; no upper bound is known"},
		// Reused sizes say how old they are.
		{"ns7.data-size", func(o map[string]ns7.Result, n *ns7.Facts, _ *Facts) {
			delete(o, ns7.CmdRecordings)
			delete(o, ns7.CmdDataSize)
			n.Plan.SkipFiles, n.Started = true, "2026-11-25T12:00:00Z"
			n.Reuse = &ns7.DataSizes{Categories: map[string]int64{"recordings": 400 << 30, "voicemail": 1 << 30}, MeasuredAt: "2026-11-25T09:00:00Z", TookMs: 95000}
		}, report.Pass, "401.1 GiB in all: files 401.0 GiB (recordings 400.0 GiB, voicemail 1.0 GiB), databases 105.0 MiB (asterisk 5.0 MiB, asteriskcdrdb 100.0 MiB); the files were measured 3h0m0s ago (2026-11-25T09:00:00Z, in 1m35s) and not walked again"},
		{"ns7.data-size", nil, report.Pass, "105.0 MiB in all: files 20.0 KiB (recordings 16.0 KiB"},
		{"ns7.dump-space", set(ns7.CmdDBSizes, "asteriskcdrdb\t82054619136"), report.Fail, "need about 91.7 GiB"},
		{"ns7.prefix", set(ns7.CmdConfig+"nethvoice-report", `{"name":"nethvoice-report","props":{"international_prefix":""}}`), report.Fail, "NS7 has no international prefix"},
		{"ns7.prefix", set(ns7.CmdConfig+"nethvoice-report", `{"name":"nethvoice-report","props":{"international_prefix":"39"}}`), report.Fail, `international prefix "39"`},
		{"ns7.prefix", set(ns7.CmdConfig+"nethvoice-report", `{"name":"nethvoice-report","props":{"international_prefix":"+39"}}`), report.Pass, `"+39"`},
		{"ns7.timezone", set(ns7.CmdTimeZone, "Local"), report.Fail, "not one NS8 lists"},
		{"ns7.timezone", set(ns7.CmdTimeZone, "../../etc/passwd"), report.Fail, "not one NS8 lists"},
		// zoneinfo files that are not zones timedatectl lists.
		{"ns7.timezone", set(ns7.CmdTimeZone, "posix/Europe/Rome"), report.Fail, "not one NS8 lists"},
		{"ns7.timezone", set(ns7.CmdTimeZone, "right/Europe/Rome"), report.Fail, "not one NS8 lists"},
		{"ns7.timezone", set(ns7.CmdTimeZone, "localtime"), report.Fail, "not one NS8 lists"},
		{"ns7.timezone", set(ns7.CmdTimeZone, ""), report.Fail, "NS7 has no time zone set"},
		{"ns7.provisioning", set(ns7.CmdConfig+"nethvoice", `{"name":"nethvoice","props":{"ProvisioningEngine":"freepbx"}}`), report.Warn, "old provisioning engine"},
		{"ns7.phones", set(ns7.CmdPhones, "00:15:65:00:00:01\tYealink/Dreamwave\tyealink-T46\t201\n00:00:0C:00:00:01\tCisco/Linksys\tSPA504G\t202\n00:00:0C:00:00:02\tCisco/Linksys\tSPA504G\t203"), report.Warn, "2 x Cisco/Linksys SPA504G"},
		{"ns7.gateways", set(ns7.CmdGateways, "gateway\t1\t1\tgw\tMediatrix\tM4402\tisdn\t\t10.0.0.2\t\t\t\t00:90:F8:00:00:01\ngateway\t2\t2\tgw2\tGrandstream\tgxw4216\tfxs\t\t10.0.0.3\t\t\t\t00:0B:82:00:00:01"), report.Fail, "gw (Mediatrix M4402)"},
		{"ns7.trunks", set(ns7.CmdTrunks, "1\tpjsip\tX\toff\tsbc.unknown.example\t\t\n2\tiax2\tY\toff\t\t\t\n3\tsip\tZ\ton\t\t\t"), report.Warn, "X (provider sbc.unknown.example not on the supported list), Y (iax2)"},
		{"ns7.extensions", set(ns7.CmdExtensions, ""), report.Warn, "no extension"},
		{"ns7.custom-config", set(ns7.CmdCustomConf, "12 /etc/asterisk/extensions_custom.conf"), report.Warn, "1 customizations to note"},
		{"ns7.bandwidth", func(o map[string]ns7.Result, n *ns7.Facts, _ *Facts) {
			n.Bandwidth = &ns7.Bandwidth{Bytes: 1 << 20, Seconds: 1, BytesPerSecond: 1000}
		}, report.Warn, "takes about"},
		{"ns7.bandwidth", func(o map[string]ns7.Result, n *ns7.Facts, _ *Facts) { n.Bandwidth, n.Dropped = nil, "EOF" }, report.Fail, "lost: the throughput sample never ran"},
		// Incomplete data is never used as if it were all: the sync time of
		// the measured part is a lower bound, the filesystem's the upper.
		{"ns7.bandwidth", func(o map[string]ns7.Result, n *ns7.Facts, _ *Facts) {
			o[ns7.CmdRecordings] = ns7.Result{Status: ns7.StatusTimeout, Exit: 124}
			n.Bandwidth = &ns7.Bandwidth{Bytes: 8 << 20, Seconds: 1, BytesPerSecond: 1 << 20}
		}, report.Warn, "the data was measured only in part (see ns7.data-size): the initial sync of at least 105.0 MiB takes at least 1m45s and up to 10h38m0s (for at most 37.4 GiB)"},
		{"ns7.bandwidth", func(o map[string]ns7.Result, n *ns7.Facts, _ *Facts) {
			o[ns7.CmdRecordings] = ns7.Result{Status: ns7.StatusTimeout, Exit: 124}
			n.Bandwidth = &ns7.Bandwidth{Bytes: 8 << 20, Seconds: 1, BytesPerSecond: 100 << 20}
		}, report.Pass, "takes at least 1s and at most 6m23s (for at most 37.4 GiB)"},
		{"ns7.bandwidth", func(o map[string]ns7.Result, n *ns7.Facts, _ *Facts) {
			o[ns7.CmdRecordings] = ns7.Result{Status: ns7.StatusTimeout, Exit: 124}
			o[ns7.CmdDataFS] = ns7.Result{Status: ns7.StatusFailed, Exit: 1}
		}, report.Warn, "how much longer is unknown"},
		{"ns7.phones", func(o map[string]ns7.Result, n *ns7.Facts, _ *Facts) {
			o[ns7.CmdPhones] = ns7.Result{Status: ns7.StatusLost, Exit: -1}
			n.Dropped = "EOF"
		}, report.Fail, "lost: phones never answered because the connection to NS7 dropped"},
	}
	for _, c := range cases {
		got := find(All(factsWith(c.change)), c.id)
		if got.Status != c.status || !strings.Contains(got.Message, c.msg) {
			t.Errorf("%s: %s %q; want %s with %q", c.id, got.Status, got.Message, c.status, c.msg)
		}
		if (got.Status == report.Warn || got.Status == report.Fail) && got.Remediation == nil {
			t.Errorf("%s: no remediation", c.id)
		}
	}
}

func TestNotConnectedSkipsTheRest(t *testing.T) {
	f := factsWith(func(_ map[string]ns7.Result, n *ns7.Facts, _ *Facts) {
		n.Connected, n.ConnectStage, n.ConnectErr = false, "connect", "connection refused"
	})
	for _, fd := range All(f) {
		switch fd.ID {
		case "ns7.ssh":
			if fd.Status != report.Fail {
				t.Errorf("%+v", fd)
			}
		case "ns7.host-key", "ns7.fqdn-dns":
		default:
			if fd.Status != report.Skip {
				t.Errorf("%s: %s", fd.ID, fd.Status)
			}
		}
	}
}

func TestLists(t *testing.T) {
	for _, c := range []struct {
		vendor, model string
		ok            bool
	}{{"Yealink", "T46S", true}, {"yealink", "yealink-T54W", true}, {"Snom", "D785", true},
		{"Fanvil", "X3U", true}, {"Gigaset", "P810 IP PRO", true}, {"Cisco", "SPA504G", false}, {"Nethesis", "NP-X5", true}} {
		if PhoneSupported(c.vendor, c.model) != c.ok {
			t.Errorf("%s %s", c.vendor, c.model)
		}
	}
	if rpmVerCmp("3.10.0-1160.120.1.el7", "3.10.0-1160.119.1.el7") <= 0 || rpmVerCmp("1.0a", "1.0") <= 0 || rpmVerCmp("1.01", "1.1") != 0 {
		t.Error("rpmvercmp")
	}
}

// Remedies use the configured user's home: root's ~/.ssh, or the user's own
// (owned by the user).
func TestAuthorizeCommands(t *testing.T) {
	key := "ssh-ed25519 AAAAC3Nza nethvoice-preflight1@node1"
	root := authorizeCommands("root", key)[0]
	if !strings.Contains(root, "/root/.ssh/authorized_keys") || !strings.Contains(root, "'"+key+"'") {
		t.Errorf("root: %s", root)
	}
	user := authorizeCommands("pbxadmin", key)[0]
	for _, want := range []string{"-o pbxadmin -g pbxadmin ~pbxadmin/.ssh", ">> ~pbxadmin/.ssh/authorized_keys", "chown pbxadmin: ~pbxadmin/.ssh/authorized_keys"} {
		if !strings.Contains(user, want) {
			t.Errorf("pbxadmin: %s lacks %s", user, want)
		}
	}
	if strings.Contains(user, "/root") {
		t.Errorf("a non-root user's remedy names root's home: %s", user)
	}
}

// ns7.vpn-udp names the leader's own port, not NS8's default.
func TestVPNUDPPort(t *testing.T) {
	f := factsWith(nil)
	f.LeaderPort = "51000"
	got := find(All(f), "ns7.vpn-udp")
	if !strings.Contains(got.Message, "UDP 51000") || strings.Contains(got.Message, "55820") {
		t.Errorf("%s %q", got.Status, got.Message)
	}
}
