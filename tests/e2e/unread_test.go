package e2e

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/manualcheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/ns7world"
)

// Issue 16 item 6 and the acceptance test: the "NS7" is a plain
// Debian host (the world's sshd with none of NS7's files or stub
// commands: the machine's own programs answer, or are missing). Nothing
// of it is judged as NS7's: ns7.release fails saying it is not a
// NethServer 7, every other NS7 check is skip with the reason, and the
// verdict is not ready; the provider it could not read is stored as none
// at all, so that check-user-domain judges no provider of it either.
func TestNotNS7HostJudgesNothing(t *testing.T) {
	e := newNS7Env(t, ns7Scenario{variant: ns7world.Variant{Plain: true}})
	res, rep := e.probe(t, nil)
	subj := e.ns7.Addr()
	expect(t, rep, "ns7.release", subj, report.Fail, "/etc/nethserver-release does not exist: this host is not a NethServer 7, so none of its facts are NS7's")
	notJudged(t, rep)
	if rep.Ready {
		t.Error("probe-ns7 ready on a host that is not NS7")
	}
	var out struct {
		Facts struct {
			AccountProviderError string `json:"account_provider_error"`
			NS7                  struct {
				Commands []struct{ ID, Status, Reason string } `json:"commands"`
			} `json:"ns7"`
		} `json:"facts"`
	}
	must(t, json.Unmarshal(res.Output, &out))
	if !strings.Contains(out.Facts.AccountProviderError, "/etc/nethserver-release does not exist") {
		t.Errorf("account provider in the facts: %q", out.Facts.AccountProviderError)
	}
	reasons := map[string]string{}
	for _, c := range out.Facts.NS7.Commands {
		reasons[c.ID] = c.Reason
	}
	// Debian's answers, as they are: what NS7 alone has is missing.
	for id, want := range map[string]string{
		"config-nethvoice-report": "config: command not found",
		"account-provider":        "account-provider: command not found",
		"updates":                 "yum: command not found",
		"kernels":                 "rpm: command not found",
		"dump-space":              "df failed (exit 1): df: /var/lib/asterisk: No such file or directory",
	} {
		if !strings.HasPrefix(reasons[id], want) {
			t.Errorf("%s: reason %q, want %q", id, reasons[id], want)
		}
	}
	stored := storedNS7(t, e)
	if string(stored.AccountProvider) != "null" || stored.DataTotalBytes != 0 || stored.DataAtLeastBytes != 0 {
		t.Errorf("stored as NS7's: provider %s, data %d/%d", stored.AccountProvider, stored.DataTotalBytes, stored.DataAtLeastBytes)
	}

	// The whole job: not ready, and still nothing judged as NS7's.
	configureAll(t, e)
	res, rep = e.run(t, "run-preflight", nil)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	validReport(t, "run-preflight", res.Output)
	if rep.Ready {
		t.Fatalf("run-preflight ready on a host that is not NS7:\n%s", dumpFindings(rep))
	}
	notJudged(t, rep)
	expect(t, rep, "ns7.release", subj, report.Fail, "this host is not a NethServer 7")
	// What depends on NS7's account provider judges none: domain.provider
	// says it is unknown, and why; the others skip.
	for _, f := range rep.Checks {
		unknown := f.ID == "domain.provider" && f.Status == report.Fail &&
			strings.Contains(f.Message, "NS7's account provider is unknown") && strings.HasSuffix(f.Message, "hold no account provider: /etc/nethserver-release does not exist: this host is not a NethServer")
		if strings.HasPrefix(f.ID, "domain.") && f.Status != report.Skip && !unknown {
			t.Errorf("%s/%s judged an account provider nobody read: %s %q", f.ID, f.Subject, f.Status, f.Message)
		}
	}
}

// notJudged: no check of NS7's values passes or fails; each says why not.
func notJudged(t *testing.T, rep report.Report) {
	t.Helper()
	n := 0
	for _, f := range rep.Checks {
		switch {
		case !strings.HasPrefix(f.ID, "ns7."):
		case f.ID == "ns7.ssh" || f.ID == "ns7.host-key":
			if f.Status != report.Pass {
				t.Errorf("%s: %s %q", f.ID, f.Status, f.Message)
			}
		case f.ID == "ns7.release":
		default:
			n++
			if f.Status != report.Skip || !strings.Contains(f.Message, "not judged: /etc/nethserver-release does not exist: this host is not a NethServer (see ns7.release)") {
				t.Errorf("%s/%s: %s %q", f.ID, f.Subject, f.Status, f.Message)
			}
		}
	}
	if n < 25 {
		t.Errorf("only %d NS7 findings", n)
	}
}

// configureAll configures the module for run-preflight in the env's world
// and ticks the manual checklist.
func configureAll(t *testing.T, e *ns7Env) {
	t.Helper()
	if res, _ := e.run(t, "configure-module", map[string]any{
		"ns7": map[string]any{"host": e.ns7.IP}, "fqdns": map[string]any{"nethvoice": voiceFQDN, "cti": ctiFQDN},
		"resolvers": []string{e.dns.addr}, "expected_addresses": []string{fqdnAddr}, "volumes_path": e.volumes,
		"ldap_domain": "voice.example.org", "timeout_s": 5,
	}); res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	for _, m := range manualcheck.Items {
		if res, _ := e.run(t, "set-checklist", map[string]any{"item": m.Item, "done": true, "note": "done in the test"}); res.ExitCode != 0 {
			t.Fatalf("%s", res)
		}
	}
}

// On an NS7, a command that is missing or cannot run gives no value: the
// checks that read it skip with the reason (before: ns7.prefix and
// ns7.timezone failed on the empty strings, ns7.updates warned "failed
// (exit 127)"), ns7.reads fails for each, and the verdict is not ready.
func TestUnreadCommandsAreNotValues(t *testing.T) {
	v := ns7world.Healthy()
	v.Missing = []string{"config"}
	v.Refused = []string{"yum"}
	e := newNS7Env(t, ns7Scenario{variant: v})
	_, rep := e.probe(t, nil)
	subj := e.ns7.Addr()
	expect(t, rep, "ns7.prefix", subj, report.Skip, "could not read the international prefix: config: command not found (see ns7.reads)")
	expect(t, rep, "ns7.timezone", subj, report.Skip, "could not read the time zone: config: command not found")
	expect(t, rep, "ns7.updates", subj, report.Skip, "could not read pending updates: yum: permission denied (it cannot be run)")
	expect(t, rep, "ns7.account-provider", subj, report.Skip, "could not read the account provider's record: config: command not found")
	expect(t, rep, "ns7.release", subj, report.Pass, "NethServer 7.9.2009")
	expect(t, rep, "ns7.services", subj, report.Pass, "are active")
	expect(t, rep, "ns7.reads", "config-nethvoice-report", report.Fail, "could not read the international prefix: config: command not found; not judged: ns7.prefix")
	f := expect(t, rep, "ns7.reads", "updates", report.Fail, "yum: permission denied (it cannot be run); not judged: ns7.updates")
	if len(f.Remediation.Commands) != 1 || f.Remediation.Commands[0] != "yum -q check-update" {
		t.Errorf("remedy %+v", f.Remediation)
	}
	if rep.Ready {
		t.Error("ready while facts could not be read")
	}
	if e.ns7.Marked("config") {
		t.Error("a missing config stub ran")
	}
}

// The leader's VPN endpoint as ns8-join needs it (host:port, port
// 1-65535): vpn.endpoint fails one that is not, and NS7 is not asked about
// it: the leader checks say so (before: a port of 99999 passed both
// sides; a host that is not one dropped the whole plan, so the leader
// checks said "lost: never answered" and ns7.fqdn-dns "no FQDN is
// configured" although two are).
func TestLeaderEndpointInvalid(t *testing.T) {
	for _, c := range []struct{ endpoint, problem string }{
		{leaderHost + ":99999", `"` + leaderHost + `:99999": port "99999" is not 1-65535`},
		{"leader example.test:55820", `"leader example.test:55820": its host is not a host name or an IP address`},
	} {
		t.Run(c.endpoint, func(t *testing.T) {
			e := newNS7Env(t, ns7Scenario{variant: ns7world.Healthy(), mutate: func(cl *harness.Cluster) {
				cl.Nodes[0].VPN["endpoint"] = c.endpoint
			}})
			_, rep := e.probe(t, nil)
			for _, id := range []string{"ns7.leader-dns", "ns7.leader-https"} {
				expect(t, rep, id, e.ns7.Addr(), report.Skip, "not asked of NS7: the leader's VPN endpoint is invalid: "+c.problem+" (see vpn.endpoint)")
			}
			for _, name := range []string{voiceFQDN, ctiFQDN} {
				expect(t, rep, "ns7.fqdn-dns", name, report.Pass, "as NS8 does")
			}
			res, rep := e.run(t, "validate-fqdns", map[string]any{"resolvers": []string{e.dns.addr}, "timeout_s": 5})
			if res.ExitCode != 0 {
				t.Fatalf("%s", res)
			}
			if f := finding(t, rep, "vpn.endpoint", ""); f.Status != report.Fail {
				t.Errorf("vpn.endpoint: %s %q", f.Status, f.Message)
			}
		})
	}
}

// Issue 16 item 8: NS7 probed as another user than root. Its key refused,
// the remedy names that user's own ~/.ssh and runs as root on NS7: run as
// it is inside the world, it lets the next probe in. Then ns7.ssh warns
// (root's remedy where root is needed), what only root may read is not
// even sent (no root-only stub ran), and every check of it skips with the
// reason instead of failing on empty values.
func TestProbeAsAnotherUser(t *testing.T) {
	const user = "nethvoice"
	e := newNS7Env(t, ns7Scenario{variant: ns7world.Healthy(), noKey: true, opts: ns7world.Options{User: user}})
	subj := e.ns7.Addr()
	_, rep := e.probe(t, map[string]any{"user": user})
	ssh := expect(t, rep, "ns7.ssh", subj, report.Fail, user+"@"+subj+" refused authentication")
	if len(ssh.Remediation.Commands) != 1 {
		t.Fatalf("remedy %+v", ssh.Remediation)
	}
	remedy := ssh.Remediation.Commands[0]
	for _, want := range []string{"install -d -m 700 -o nethvoice -g nethvoice ~nethvoice/.ssh", ">> ~nethvoice/.ssh/authorized_keys", "chown nethvoice: ~nethvoice/.ssh/authorized_keys"} {
		if !strings.Contains(remedy, want) {
			t.Errorf("remedy lacks %q: %s", want, remedy)
		}
	}
	if strings.Contains(remedy, "/root") {
		t.Errorf("the user's remedy names root's home: %s", remedy)
	}
	if out, err := e.ns7.Exec(remedy); err != nil {
		t.Fatalf("the remedy, run as root on NS7: %v: %s", err, out)
	}

	_, rep = e.probe(t, map[string]any{"user": user})
	ssh = expect(t, rep, "ns7.ssh", subj, report.Warn, "connected to nethvoice@"+subj+" with the module's key")
	if !strings.Contains(ssh.Message, "but nethvoice is not root") || !strings.Contains(ssh.Remediation.Commands[0], "/root/.ssh/authorized_keys") {
		t.Errorf("ssh: %q %+v", ssh.Message, ssh.Remediation)
	}
	notAsked := "not asked: only root may read it on NS7"
	for id, what := range map[string]string{
		"ns7.prefix": "the international prefix", "ns7.timezone": "the time zone", "ns7.account-provider": "the account provider's record",
		"ns7.migration-tool": "the migration tool's record", "ns7.provisioning": "ProvisioningEngine", "ns7.vpn-udp": "WireGuard handshake times",
		"ns7.phones": "the physical devices", "ns7.gateways": "the gateways", "ns7.trunks": "the trunks", "ns7.extensions": "extension numbers",
		"ns7.dump-space": "the database sizes",
	} {
		expect(t, rep, id, subj, report.Skip, "could not read "+what)
		if f := finding(t, rep, id, subj); !strings.Contains(f.Message, notAsked) || !strings.Contains(f.Message, "the probe connects as nethvoice") {
			t.Errorf("%s: %q", id, f.Message)
		}
	}
	expect(t, rep, "ns7.phonebook-password", subj, report.Skip, "could not tell whether /var/lib/nethserver/secrets/PhonebookDBPasswd (the phonebook database password) exists: its directory cannot be searched as nethvoice")
	expect(t, rep, "ns7.data-size", subj, report.Warn, "recordings ("+notAsked)
	expect(t, rep, "ns7.reads", "not asked", report.Fail, "only root may read 18 of the facts on NS7, and the probe connects as nethvoice")
	// What a user may read is read and judged.
	for _, id := range []string{"ns7.release", "ns7.services", "ns7.cockpit", "ns7.nethvoice", "ns7.reboot", "ns7.updates"} {
		if f := finding(t, rep, id, subj); f.Status != report.Pass {
			t.Errorf("%s: %s %q", id, f.Status, f.Message)
		}
	}
	for _, f := range rep.Checks {
		if f.Status == report.Fail && f.ID != "ns7.reads" {
			t.Errorf("%s/%s fails: %q", f.ID, f.Subject, f.Message)
		}
	}
	for _, stub := range []string{"mysql", "config", "account-provider-test", "wg"} {
		if e.ns7.Marked(stub) {
			t.Errorf("%s ran although only root may run it", stub)
		}
	}
	if !e.ns7.Marked("rpm") {
		t.Error("the user's own commands did not run")
	}
}

// Issue 16 item 13: what Connect and Finish read on NS7, from the NS7
// world's files, stub states and its network namespace's real addresses
// and routes.
func TestJoinReadsOnNS7(t *testing.T) {
	with := func(base func() ns7world.Variant, f func(v *ns7world.Variant)) ns7world.Variant {
		v := base()
		f(&v)
		return v
	}
	type want struct {
		id     string
		status report.Status
		msg    string
	}
	cases := []struct {
		name   string
		sc     ns7Scenario
		route  string
		wants  []want
		secret bool // the ldapservice secret must still be missing after the probe
	}{
		{"healthy", ns7Scenario{variant: ns7world.Healthy()}, "", []want{
			{"ns7.provider-service", report.Pass, "slapd is active and listens on LDAPS port 636"},
			{"ns7.provider-bind", report.Pass, "/var/lib/nethserver/secrets/ldapservice exists (not read)"},
			{"ns7.phonebook-password", report.Pass, "/var/lib/nethserver/secrets/PhonebookDBPasswd exists (not read)"},
			{"ns7.vpn-network", report.Pass, "the cluster VPN network 10.5.4.0/24 overlaps none of NS7's"},
			{"ns7.reads", report.Pass, "every fact the checks judge was read"}}, false},
		{"ldapservice secret lost", ns7Scenario{variant: with(ns7world.Healthy, func(v *ns7world.Variant) {
			delete(v.Files, "/var/lib/nethserver/secrets/ldapservice")
			v.Files["/etc/e-smith/db/configuration/defaults/slapd/type"] = "service\n"
		})}, "", []want{
			{"ns7.provider-bind", report.Fail, "/var/lib/nethserver/secrets/ldapservice is missing: account-provider-test would write a new random bind password"},
			{"ns7.account-provider", report.Pass, "local OpenLDAP"},
			{"ns7.reads", report.Fail, "account-provider failed (exit 4): not run: NS7 has no /var/lib/nethserver/secrets/ldapservice"}}, true},
		{"phonebook password lost", ns7Scenario{variant: with(ns7world.Healthy, func(v *ns7world.Variant) {
			delete(v.Files, "/var/lib/nethserver/secrets/PhonebookDBPasswd")
		})}, "", []want{{"ns7.phonebook-password", report.Fail, "/var/lib/nethserver/secrets/PhonebookDBPasswd is missing: Finish reads it"}}, false},
		{"phonebook password empty", ns7Scenario{variant: with(ns7world.Healthy, func(v *ns7world.Variant) {
			v.Files["/var/lib/nethserver/secrets/PhonebookDBPasswd"] = ""
		})}, "", []want{{"ns7.phonebook-password", report.Fail, "PhonebookDBPasswd is empty"}}, false},
		{"OpenLDAP stopped", ns7Scenario{variant: with(ns7world.Healthy, func(v *ns7world.Variant) {
			v.Services["slapd"] = "failed"
			v.Listen = []int{22, 9090}
		})}, "", []want{{"ns7.provider-service", report.Fail, "slapd is failed and port 636 is not listening"}}, false},
		{"Samba DC stopped", ns7Scenario{variant: with(ns7world.LocalAD, func(v *ns7world.Variant) { v.Services["nsdc"] = "inactive" })}, "", []want{
			{"ns7.provider-service", report.Fail, "the Samba DC container nsdc (192.168.1.5) is inactive"},
			{"ns7.provider-bind", report.Pass, "gives the bind DN ldapservice@AD.EXAMPLE.ORG and a bind password (not kept)"}}, false},
		{"cluster network on NS7's LAN", ns7Scenario{variant: ns7world.Healthy(), mutate: func(c *harness.Cluster) { c.Network = "10.77.0.0/16" }}, "", []want{
			{"ns7.vpn-network", report.Fail, "the cluster VPN network 10.77.0.0/16 overlaps NS7's address 10.77."}}, false},
		{"cluster network routed elsewhere", ns7Scenario{variant: ns7world.Healthy()}, "10.5.4.0/25", []want{
			{"ns7.vpn-network", report.Fail, "the cluster VPN network 10.5.4.0/24 overlaps NS7's route 10.5.4.0/25 via 10.77."}}, false},
		{"already joined: its tunnel is the cluster's", ns7Scenario{variant: ns7world.AlreadyJoined(leaderHost, leaderVPN),
			mutate: func(c *harness.Cluster) { c.AddNS7MigrationNode() }}, "", []want{
			{"ns7.vpn-network", report.Pass, "overlaps none of NS7's 3 addresses"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newNS7Env(t, c.sc)
			if c.route != "" {
				e.ns7.AddRoute(c.route)
			}
			_, rep := e.probe(t, nil)
			for _, w := range c.wants {
				expect(t, rep, w.id, "", w.status, w.msg)
			}
			if c.secret {
				if e.ns7.Marked("account-provider-test") {
					t.Error("account-provider-test ran: it would have written a new secret")
				}
				if _, err := os.Stat(e.ns7.FixturePath("/var/lib/nethserver/secrets/ldapservice")); !os.IsNotExist(err) {
					t.Errorf("the probe wrote on NS7: %v", err)
				}
			}
		})
	}
}

// An answer of another shape is not a table of no rows: NS7's root has
// "vertical" in its /root/.my.cnf, so every query answers "*** 1. row ***"
// blocks. Before, the inventory checks passed on them ("no gateways are
// configured", "no trunk has an outbound proxy") and ns7.reads passed;
// now each is not judged, ns7.reads fails, and the run is not ready.
func TestInventoryOfAnotherShapeIsNotRead(t *testing.T) {
	e := newNS7Env(t, ns7Scenario{variant: ns7world.Gateways(), opts: ns7world.Options{MariaDB: true, MyCnf: "[mysql]\nvertical\n"}})
	_, rep := e.probe(t, nil)
	subj := e.ns7.Addr()
	for id, what := range map[string]string{"ns7.gateways": "the gateways", "ns7.trunk-proxy": "the trunks", "ns7.sip-nat": "FreePBX's NAT settings",
		"ns7.phones": "the physical devices"} {
		expect(t, rep, id, subj, report.Skip, "could not read "+what+": mysql answered, but row 1 has 1 columns")
	}
	expect(t, rep, "ns7.reads", "gateways", report.Fail, "could not read the gateways: mysql answered, but row 1 has 1 columns, the query has 13")
	if rep.Ready {
		t.Error("ready on answers that were not read")
	}
}
