package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/dnsworld"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
)

// The validate-fqdns suite runs the action through the agent against the
// harness cluster (node 1: VPN endpoint leader.example.test:55820, proxy
// public address 198.51.100.10, traefik1 hosts leader and mail.example.test)
// and a real DNS world (tests/dnsworld: unbound as authoritative servers on
// port 53 and as the caching resolver), whose zone example.test matches.

// fqdnEnv is a cluster with the module installed and a DNS world.
type fqdnEnv struct {
	*world
	dns *dnsworld.World
}

func newFQDNEnv(t *testing.T, mutate func(c *harness.Cluster), opts ...harness.Option) *fqdnEnv {
	t.Helper()
	requireRoot(t)
	d := dnsworld.Start(t)
	return &fqdnEnv{world: newWorld(t, bigNode, mutate, opts...), dns: d}
}

// input is the action input: the world's resolver, a short deadline.
func (e *fqdnEnv) input(nv, cti, proxy, phase string, extra map[string]any) map[string]any {
	in := map[string]any{"nethvoice_fqdn": nv, "cti_fqdn": cti, "phase": phase,
		"resolvers": []string{e.dns.Resolver}, "timeout_s": 3}
	if proxy != "" {
		in["proxy_fqdn"] = proxy
	}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

// validate runs validate-fqdns through the agent: exit 0 and a report
// that its output schema accepts.
func (e *fqdnEnv) validate(t *testing.T, in map[string]any) report.Report {
	t.Helper()
	res, rep := e.run(t, "validate-fqdns", in)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	validReport(t, "validate-fqdns", res.Output)
	return rep
}

type fqdnWant struct {
	id, subject string
	status      report.Status
	msg         string // substrings separated by |
}

func expectAll(t *testing.T, rep report.Report, wants ...fqdnWant) {
	t.Helper()
	for _, w := range wants {
		f := finding(t, rep, w.id, w.subject)
		ok := f.Status == w.status
		for _, m := range strings.Split(w.msg, "|") {
			ok = ok && strings.Contains(f.Message, m)
		}
		if !ok {
			t.Errorf("%s/%s: %s %q, want %s with %q", w.id, w.subject, f.Status, f.Message, w.status, w.msg)
		}
		if (f.Status == report.Fail || f.Status == report.Warn) && (f.Remediation == nil || f.Remediation.Hint == "") {
			t.Errorf("%s/%s: %s without remediation", w.id, w.subject, f.Status)
		}
	}
}

const (
	worldNode = dnsworld.NodeAddr
	worldNS7  = dnsworld.NS7Addr
)

// One cluster, one DNS world, the scenarios of each check id: every id
// passes in one and fails (or warns) in another.
func TestValidateFQDNsScenarios(t *testing.T) {
	e := newFQDNEnv(t, nil)

	t.Run("healthy cutover", func(t *testing.T) {
		// The node's address is found without being told: the proxy's
		// public address and the address of the VPN endpoint. A Let's
		// Encrypt certificate is asked: no CAA record in the world.
		rep := e.validate(t, e.input(dnsworld.Voice, dnsworld.CTI, dnsworld.Proxy, "cutover", map[string]any{"lets_encrypt": true}))
		if !rep.Ready || rep.Summary.Fail != 0 || rep.Summary.Warn != 0 || rep.Summary.Skip != 0 {
			t.Fatalf("not ready: %+v\n%s", rep.Summary, dumpFindings(rep))
		}
		v := dnsworld.Voice
		expectAll(t, rep,
			fqdnWant{"fqdn.syntax", v, report.Pass, "valid host name"},
			fqdnWant{"fqdn.certificate", v, report.Pass, "no CAA record on the name or its parents: any CA may issue"},
			fqdnWant{"fqdn.distinct", dnsworld.CTI, report.Pass, "differs from the NethVoice FQDN voice.example.test"},
			fqdnWant{"fqdn.distinct", dnsworld.Proxy, report.Pass, "differs from the NethVoice and CTI FQDNs"},
			fqdnWant{"fqdn.route-free", v, report.Pass, "not a host of any HTTP route on NS8 (traefik1, traefik2 checked)"},
			fqdnWant{"fqdn.resolves", v, report.Pass, worldNode + " at " + e.dns.Resolver + ":53"},
			fqdnWant{"fqdn.points-to-node", v, report.Pass, "resolves to " + worldNode + " (per the authoritative servers)|public address of nethvoice-proxy1|VPN endpoint leader.example.test of node 1"},
			fqdnWant{"fqdn.aaaa", v, report.Pass, "no AAAA record"},
			fqdnWant{"fqdn.cname", v, report.Pass, "is not a CNAME"},
			fqdnWant{"fqdn.authoritative", v, report.Pass, "the 2 servers of the zone example.test (ns1.example.test (" + e.dns.NS1 + "), ns2.example.test (" + e.dns.NS2 + ")) answer A " + worldNode},
			fqdnWant{"fqdn.ttl", v, report.Pass, "TTL of voice.example.test A 300 s (5 min) (per the authoritative server ns1.example.test)"},
			fqdnWant{"vpn.endpoint", dnsworld.Leader, report.Pass, "resolves to IPv4 " + worldNode},
		)
		// The facts carry every answer judged: per resolver and per
		// authoritative server.
		var facts struct {
			DNS map[string]struct {
				Resolvers   []struct{ Server string }
				Zone        struct{ Name string }
				Authorities []struct{ Server, Host string }
			} `json:"dns"`
			NodeAddresses []struct{ IP, Source string } `json:"node_addresses"`
		}
		raw, _ := json.Marshal(rep.Facts)
		must(t, json.Unmarshal(raw, &facts))
		d := facts.DNS[v]
		if len(d.Resolvers) != 1 || d.Zone.Name != "example.test" || len(d.Authorities) != 2 || d.Authorities[0].Server != e.dns.NS1+":53" {
			t.Errorf("facts: %s", raw)
		}
		if len(facts.NodeAddresses) == 0 || facts.NodeAddresses[0].IP != worldNode {
			t.Errorf("node addresses: %+v", facts.NodeAddresses)
		}
		// The report is kept in the state directory, as check-node's.
		if stored, err := openStore(t, e.module).Last("validate-fqdns"); err != nil || stored == nil || stored.RunID != rep.RunID {
			t.Errorf("stored report: %v %+v", err, stored)
		}
	})

	t.Run("plan: elsewhere, long TTL, AAAA elsewhere", func(t *testing.T) {
		rep := e.validate(t, e.input(dnsworld.Wrong, dnsworld.LongTTL, dnsworld.V6, "plan", nil))
		expectAll(t, rep,
			fqdnWant{"fqdn.points-to-node", dnsworld.Wrong, report.Warn, "resolves to " + worldNS7 + " (per the authoritative servers), not to this node|must change at cutover"},
			fqdnWant{"fqdn.ttl", dnsworld.LongTTL, report.Warn, "longttl.example.test A 86400 s (1 day)|above 3600 s"},
			fqdnWant{"fqdn.aaaa", dnsworld.V6, report.Warn, "has AAAA " + dnsworld.OtherV6 + " (per the authoritative servers), not an address of the node"},
			fqdnWant{"fqdn.resolves", dnsworld.Wrong, report.Pass, worldNS7},
		)
		if !rep.Ready || rep.Summary.Warn != 3 {
			t.Errorf("warnings only expected: %+v", rep.Summary)
		}
	})

	t.Run("cutover: elsewhere, no record, dangling CNAME", func(t *testing.T) {
		rep := e.validate(t, e.input(dnsworld.Wrong, dnsworld.Missing, dnsworld.Dangling, "cutover", nil))
		expectAll(t, rep,
			fqdnWant{"fqdn.points-to-node", dnsworld.Wrong, report.Fail, "resolves to " + worldNS7 + " (per the authoritative servers); this node answers on " + worldNode},
			fqdnWant{"fqdn.resolves", dnsworld.Missing, report.Fail, "NXDOMAIN (the name does not exist) at " + e.dns.Resolver + ":53|expected an A record to " + worldNode},
			fqdnWant{"fqdn.cname", dnsworld.Dangling, report.Fail, "dangling.example.test → nowhere.example.test, and nowhere.example.test does not exist (NXDOMAIN)"},
			fqdnWant{"fqdn.authoritative", dnsworld.Missing, report.Pass, "answer A no record"},
		)
		if rep.Ready {
			t.Error("ready with failures")
		}
	})

	t.Run("plan: missing record is what to create", func(t *testing.T) {
		rep := e.validate(t, e.input(dnsworld.Missing, dnsworld.Empty, "", "plan", nil))
		expectAll(t, rep,
			fqdnWant{"fqdn.resolves", dnsworld.Missing, report.Pass, "no address yet (NXDOMAIN|at cutover create new.example.test A " + worldNode},
			fqdnWant{"fqdn.resolves", dnsworld.Empty, report.Pass, "no A record (NODATA)"},
			fqdnWant{"fqdn.ttl", dnsworld.Missing, report.Pass, "no record yet|its absence is cached for 300 s"},
		)
	})

	t.Run("CNAME chain, CNAME loop, SERVFAIL", func(t *testing.T) {
		rep := e.validate(t, e.input(dnsworld.Loop, dnsworld.Alias, dnsworld.Broken, "plan", nil))
		expectAll(t, rep,
			fqdnWant{"fqdn.cname", dnsworld.Alias, report.Pass, "alias.example.test → alias2.example.test → voice.example.test → " + worldNode + " (2 link(s)"},
			fqdnWant{"fqdn.points-to-node", dnsworld.Alias, report.Pass, worldNode},
			// The resolver answers SERVFAIL to the loop; asked link by link,
			// the loop shows.
			fqdnWant{"fqdn.cname", dnsworld.Loop, report.Fail, "a CNAME loop: loop1.example.test → loop2.example.test → loop1.example.test"},
			fqdnWant{"fqdn.resolves", dnsworld.Loop, report.Fail, "a CNAME loop"},
			fqdnWant{"fqdn.resolves", dnsworld.Broken, report.Fail, "SERVFAIL"},
			fqdnWant{"fqdn.authoritative", dnsworld.Broken, report.Fail, "REFUSED"},
		)
	})

	t.Run("names: syntax, distinct, route taken, IDN", func(t *testing.T) {
		rep := e.validate(t, e.input("mail.example.test", "MAIL.example.test.", "voice_x.example.test", "plan", nil))
		expectAll(t, rep,
			fqdnWant{"fqdn.route-free", dnsworld.Mail, report.Fail, "already a host of an HTTP route on traefik1 (node 1)"},
			fqdnWant{"fqdn.distinct", dnsworld.Mail, report.Fail, "the CTI FQDN mail.example.test is the NethVoice FQDN"},
			fqdnWant{"fqdn.syntax", "voice_x.example.test", report.Fail, `its label "voice_x" contains "_"`},
			fqdnWant{"fqdn.resolves", "voice_x.example.test", report.Skip, "not a valid host name"},
		)
		// An internationalized name is converted, said so, and queried
		// in its A-label form.
		rep = e.validate(t, e.input("vöice.example.test", dnsworld.CTI, "", "plan", nil))
		expectAll(t, rep,
			fqdnWant{"fqdn.syntax", "xn--vice-5qa.example.test", report.Fail, "a form NS8's NethVoice refuses: type its A-label form xn--vice-5qa.example.test"},
			fqdnWant{"fqdn.resolves", "xn--vice-5qa.example.test", report.Pass, "NXDOMAIN"},
		)
	})

	t.Run("record changed on the authoritative servers, still cached", func(t *testing.T) {
		e.dns.Warm(t, dnsworld.Moved, "A") // the resolver caches the old address, TTL 300
		e.dns.Set(t, dnsworld.Moved, "A", worldNode)
		rep := e.validate(t, e.input(dnsworld.Moved, dnsworld.CTI, "", "cutover", nil))
		expectAll(t, rep,
			fqdnWant{"fqdn.authoritative", dnsworld.Moved, report.Fail, "propagation in progress: " + e.dns.Resolver + ":53 still answers " + worldNS7 + " for moved.example.test A (cached, | left)|the authoritative servers answer A " + worldNode},
			fqdnWant{"fqdn.points-to-node", dnsworld.Moved, report.Pass, "resolves to " + worldNode + " (per the authoritative servers)"},
		)
		f := finding(t, rep, "fqdn.authoritative", dnsworld.Moved)
		if !strings.Contains(f.Remediation.Hint, "Wait ") {
			t.Errorf("remediation %q", f.Remediation.Hint)
		}
		// In plan the same propagation is a warning.
		rep = e.validate(t, e.input(dnsworld.Moved, dnsworld.CTI, "", "plan", nil))
		expectAll(t, rep, fqdnWant{"fqdn.authoritative", dnsworld.Moved, report.Warn, "propagation in progress"})
	})

	t.Run("a silent authoritative server", func(t *testing.T) {
		// The resolver learns first which server of the zone answers (it
		// may try the silent one first and take its time): the scenario
		// judges the product's own direct questions, not the resolver's luck.
		for i := 0; i < 3; i++ {
			if r, err := dnsworld.Ask(e.dns.Resolver, dnsworld.Branch, dns.TypeA, true); err == nil && len(r.Answer) > 0 {
				break
			}
		}
		in := e.input(dnsworld.Branch, dnsworld.CTI, "", "plan", map[string]any{"timeout_s": 2})
		start := time.Now()
		rep := e.validate(t, in)
		expectAll(t, rep,
			fqdnWant{"fqdn.authoritative", dnsworld.Branch, report.Warn, "1 of the zone's 2 servers fail: ns3.branch.example.test (" + e.dns.Silent + "): no answer within|tries"},
			fqdnWant{"fqdn.resolves", dnsworld.Branch, report.Pass, worldNode},
		)
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("took %s with a 2 s deadline", took)
		}
	})
}

// Every resolver silent: the report comes within the deadline plus one
// second, and says what did not answer and for how long.
func TestValidateFQDNsSilentWorld(t *testing.T) {
	e := newFQDNEnv(t, nil)
	const timeoutS = 2
	in := e.input(dnsworld.Voice, dnsworld.CTI, dnsworld.Proxy, "cutover", map[string]any{"resolvers": []string{e.dns.Silent}, "timeout_s": timeoutS})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	res, err := e.module.Run(ctx, "validate-fqdns", in)
	took := time.Since(start)
	must(t, err)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	validReport(t, "validate-fqdns", res.Output)
	var rep report.Report
	must(t, json.Unmarshal(res.Output, &rep))
	if limit := timeoutS*time.Second + time.Second; took > limit {
		t.Errorf("the task took %s; the deadline is %ds (+1 s allowed)", took, timeoutS)
	}
	if rep.DurationMs > timeoutS*1000 {
		t.Errorf("the report took %d ms with a %d s deadline", rep.DurationMs, timeoutS)
	}
	silent := e.dns.Silent + ":53"
	for _, n := range []string{dnsworld.Voice, dnsworld.CTI, dnsworld.Proxy} {
		expectAll(t, rep, fqdnWant{"fqdn.resolves", n, report.Fail, "could not be resolved: no answer within|tries) at " + silent})
	}
	expectAll(t, rep,
		fqdnWant{"vpn.endpoint", dnsworld.Leader, report.Fail, "does not resolve to an IPv4 address: no answer within"},
		fqdnWant{"fqdn.authoritative", dnsworld.Voice, report.Skip, "could not be resolved"},
	)
	t.Logf("silent world: task %s, report %d ms", took.Round(time.Millisecond), rep.DurationMs)
}

// The cluster side: a NethVoice instance already configured with the
// names, and a leader whose VPN endpoint was never set.
func TestValidateFQDNsClusterVariants(t *testing.T) {
	e := newFQDNEnv(t, func(c *harness.Cluster) {
		c.Node(1).VPN["endpoint"] = "leader.invalid:55820"
		nv := harness.NewInstance("nethvoice1", 1, "ghcr.io/nethesis/nethvoice:1.3.0")
		nv.Environment["NETHVOICE_HOST"] = dnsworld.Voice
		nv.Environment["NETHCTI_UI_HOST"] = dnsworld.CTI
		c.AddModule(nv)
		c.Module("traefik1").Keys["hosts"] = harness.Set{"leader.example.test", "mail.example.test", dnsworld.Voice, dnsworld.CTI}
	})
	// After Finish, the names are NethVoice's own routes: expected.
	rep := e.validate(t, e.input(dnsworld.Voice, dnsworld.CTI, "", "cutover", nil))
	expectAll(t, rep,
		fqdnWant{"fqdn.route-free", dnsworld.Voice, report.Pass, "configured in NethVoice instance nethvoice1 (NETHVOICE_HOST, node 1) and routed by traefik1 (node 1)"},
		fqdnWant{"vpn.endpoint", "leader.invalid", report.Fail, "the leader's VPN endpoint is leader.invalid:55820"},
	)
	// Before the migration, the same names belong to another instance.
	rep = e.validate(t, e.input(dnsworld.Voice, dnsworld.CTI, "", "plan", nil))
	expectAll(t, rep,
		fqdnWant{"fqdn.route-free", dnsworld.CTI, report.Fail, "already used by NethVoice instance nethvoice1 (NETHCTI_UI_HOST, node 1)"},
	)
}

// Defaults: the FQDNs from configure-module, the resolvers from the node's
// /etc/resolv.conf (a file bind-mounted over it in the step's private mount
// namespace); without FQDNs anywhere, the agent's validation error.
func TestValidateFQDNsDefaults(t *testing.T) {
	requireRoot(t)
	d := dnsworld.Start(t)
	conf := filepath.Join(t.TempDir(), "resolv.conf")
	must(t, os.WriteFile(conf, []byte("# written by the test\nnameserver "+d.Resolver+"\n"), 0o644))
	wrap := harness.WithStepWrapper("unshare", "--mount", "--propagation", "private", "sh", "-c",
		`mount --bind `+conf+` /etc/resolv.conf && exec "$0" "$@"`)
	e := &fqdnEnv{world: newWorld(t, bigNode, nil, wrap), dns: d}

	// Nothing configured: exit 10 with the agent's array, as the binary
	// answers stand-alone.
	res, _ := e.run(t, "validate-fqdns", map[string]any{"timeout_s": 2})
	var errs []schema.FieldError
	if res.ExitCode != 10 || json.Unmarshal(res.Output, &errs) != nil || len(errs) != 2 ||
		errs[0].Field != "nethvoice_fqdn" || errs[0].Error != "nethvoice_fqdn_required" || errs[1].Field != "cti_fqdn" {
		t.Fatalf("%s", res)
	}
	cmd := exec.Command(harness.Binary(t), "validate-fqdns", "--data", `{"timeout_s":2}`)
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 10 || strings.TrimSpace(string(out)) != strings.TrimSpace(res.OutputRaw) {
		t.Errorf("stand-alone: %v %s, agent: %s", err, out, res.OutputRaw)
	}
	// A resolver that is not ip[:port] is caught the same way.
	res, _ = e.run(t, "validate-fqdns", map[string]any{"nethvoice_fqdn": dnsworld.Voice, "cti_fqdn": dnsworld.CTI, "resolvers": []string{"192.0.2.1:99999"}})
	if res.ExitCode != 10 || !strings.Contains(res.OutputRaw, `"resolvers_invalid_address"`) {
		t.Errorf("%s", res)
	}

	if res, _ := e.run(t, "configure-module", map[string]any{"fqdns": map[string]any{"nethvoice": dnsworld.Voice, "cti": dnsworld.CTI}, "timeout_s": 3}); res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	res, rep := e.run(t, "validate-fqdns", nil)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	validReport(t, "validate-fqdns", res.Output)
	expectAll(t, rep,
		fqdnWant{"fqdn.resolves", dnsworld.Voice, report.Pass, worldNode + " at " + d.Resolver + ":53"},
		fqdnWant{"fqdn.resolves", dnsworld.CTI, report.Pass, worldNode},
	)
	if rep.Facts["resolvers_source"] != "/etc/resolv.conf" {
		t.Errorf("resolvers from %v", rep.Facts["resolvers_source"])
	}
	// expected_addresses replace the addresses found.
	rep = e.validate(t, map[string]any{"phase": "cutover", "expected_addresses": []string{worldNS7}})
	expectAll(t, rep, fqdnWant{"fqdn.points-to-node", dnsworld.Voice, report.Fail, "the expected addresses are " + worldNS7})
}

// Stand-alone, as on a partner's laptop: no NS8, a text table, the cluster
// checks skipped with the reason.
func TestValidateFQDNsStandAlone(t *testing.T) {
	requireRoot(t)
	d := dnsworld.Start(t)
	data := fmt.Sprintf(`{"nethvoice_fqdn":%q,"cti_fqdn":%q,"resolvers":[%q],"expected_addresses":[%q],"phase":"cutover","timeout_s":3}`,
		dnsworld.Voice, dnsworld.CTI, d.Resolver, worldNode)
	cmd := exec.Command(harness.Binary(t), "validate-fqdns", "--data", data, "--format", "text", "--exit-code")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// The three cluster checks skip for one cause: folded into one entry.
	for _, s := range []string{"PASS  fqdn.points-to-node (voice.example.test)", "voice.example.test resolves: " + worldNode,
		"SKIP  3 checks: no cluster database: REDIS_ADDRESS is not set", "vpn.endpoint", "\nREADY:"} {
		if !strings.Contains(string(out), s) {
			t.Errorf("no %q in\n%s", s, out)
		}
	}
}

func dumpFindings(rep report.Report) string {
	var b strings.Builder
	for _, f := range rep.Checks {
		fmt.Fprintf(&b, "%s %s %s: %s\n", f.Status, f.ID, f.Subject, f.Message)
	}
	return b.String()
}

// Let's Encrypt readiness judged offline on the DNS world's real CAA
// records: one set at the NethVoice name that names another CA, one at
// the zone that names Let's Encrypt (the CTI name climbs to it), and a
// name whose address is private.
func TestValidateFQDNsCertificate(t *testing.T) {
	e := newFQDNEnv(t, nil)
	e.dns.Set(t, dnsworld.Voice, "CAA", `0 issue "digicert.com"`)
	e.dns.Set(t, "example.test", "CAA", `0 issue "letsencrypt.org"`)
	e.dns.Set(t, dnsworld.Mail, "A", "192.168.7.10")
	rep := e.validate(t, e.input(dnsworld.Voice, dnsworld.CTI, "", "plan", map[string]any{"lets_encrypt": true}))
	expectAll(t, rep,
		fqdnWant{"fqdn.certificate", dnsworld.Voice, report.Fail, "the CAA set at " + dnsworld.Voice + " lets only digicert.com issue, not letsencrypt.org"},
		fqdnWant{"fqdn.certificate", dnsworld.CTI, report.Pass, "the CAA set at example.test lets letsencrypt.org issue"},
	)
	rep = e.validate(t, e.input(dnsworld.Mail, dnsworld.CTI, "", "plan", map[string]any{"lets_encrypt": true}))
	expectAll(t, rep, fqdnWant{"fqdn.certificate", dnsworld.Mail, report.Fail, "it resolves to 192.168.7.10, not a public address"})
	rep = e.validate(t, e.input(dnsworld.Voice, dnsworld.CTI, "", "plan", nil))
	expectAll(t, rep, fqdnWant{"fqdn.certificate", dnsworld.Voice, report.Skip, "lets_encrypt is off"})
}

// Issue 15: a resolver that answers its own zone and never its parents
// (an internal resolver without upstream: dnsworld's Internal). The
// verdicts are those given through the world's recursive resolver, and
// the zone walk does not wait for the silent levels: with timeout_s 10
// the walk would wait 5 s for them (half the time left).
func TestValidateFQDNsInternalResolver(t *testing.T) {
	e := newFQDNEnv(t, nil)
	names := []string{dnsworld.Voice, dnsworld.CTI, dnsworld.Proxy}
	statuses := func(rep report.Report, resolver string) map[string]string {
		out := map[string]string{}
		for _, f := range rep.Checks {
			out[f.ID+" "+f.Subject] = string(f.Status)
		}
		return out
	}
	ref := e.validate(t, e.input(names[0], names[1], names[2], "cutover", map[string]any{"timeout_s": 10}))
	in := e.input(names[0], names[1], names[2], "cutover", map[string]any{"timeout_s": 10, "resolvers": []string{e.dns.Internal}})
	rep := e.validate(t, in)
	want, got := statuses(ref, e.dns.Resolver), statuses(rep, e.dns.Internal)
	if fmt.Sprint(want) != fmt.Sprint(got) {
		t.Errorf("verdicts differ:\nrecursive resolver %v\ninternal resolver  %v\n%s", want, got, dumpFindings(rep))
	}
	if !rep.Ready {
		t.Errorf("not ready:\n%s", dumpFindings(rep))
	}
	f := finding(t, rep, "fqdn.authoritative", dnsworld.Voice)
	trace := fmt.Sprint(f.Data["trace"])
	if f.Data["zone"] != "example.test" || !strings.Contains(trace, "not waited for (the zone is known from deeper levels): NS of test, .") {
		t.Errorf("zone %v, trace %s", f.Data["zone"], trace)
	}
	if rep.DurationMs >= 2500 { // waiting for the silent levels costs half the deadline: 5 s
		t.Errorf("validate-fqdns took %d ms: it waited for the silent parents", rep.DurationMs)
	}
	t.Logf("internal resolver: %d ms (recursive resolver: %d ms)", rep.DurationMs, ref.DurationMs)
}

// The CAA climb through an internal resolver (issue 15's silent parents):
// a set at the zone decides it at once, with Let's Encrypt allowed or not;
// the parents the resolver never answers are not waited for.
func TestValidateFQDNsInternalResolverCAA(t *testing.T) {
	e := newFQDNEnv(t, nil)
	e.dns.Set(t, "example.test", "CAA", `0 issue "letsencrypt.org"`)
	e.dns.Set(t, dnsworld.Voice, "CAA", `0 issue "digicert.com"`)
	in := e.input(dnsworld.Voice, dnsworld.CTI, "", "plan", map[string]any{"timeout_s": 10, "resolvers": []string{e.dns.Internal}, "lets_encrypt": true})
	rep := e.validate(t, in)
	expectAll(t, rep,
		fqdnWant{"fqdn.certificate", dnsworld.Voice, report.Fail, "the CAA set at " + dnsworld.Voice + " lets only digicert.com issue"},
		fqdnWant{"fqdn.certificate", dnsworld.CTI, report.Pass, "the CAA set at example.test lets letsencrypt.org issue"},
	)
	if rep.DurationMs >= 2500 {
		t.Errorf("validate-fqdns took %d ms: the CAA climb waited for the silent parents", rep.DurationMs)
	}
}

// A leader endpoint NS7 cannot reach the leader at: a name whose A record
// is loopback (a real zone edit, through the real resolver), and a
// link-local address written as the endpoint itself.
func TestValidateFQDNsLeaderEndpointUnreachable(t *testing.T) {
	e := newFQDNEnv(t, nil)
	e.dns.Set(t, dnsworld.Leader, "A", "127.0.1.1")
	rep := e.validate(t, e.input(dnsworld.Voice, dnsworld.CTI, "", "plan", nil))
	expectAll(t, rep, fqdnWant{"vpn.endpoint", dnsworld.Leader, report.Fail, "resolves to an address NS7 cannot reach the leader at: 127.0.1.1 (a loopback address"})

	e = newFQDNEnv(t, func(c *harness.Cluster) { c.Node(1).VPN["endpoint"] = "169.254.7.1:55820" })
	rep = e.validate(t, e.input(dnsworld.Voice, dnsworld.CTI, "", "plan", nil))
	expectAll(t, rep, fqdnWant{"vpn.endpoint", "169.254.7.1", report.Fail, "a link-local address (not routed beyond one link): NS7 cannot reach the leader there"})

	// The endpoint inside the tunnel it builds: the cluster VPN network.
	e = newFQDNEnv(t, func(c *harness.Cluster) { c.Node(1).VPN["endpoint"] = "10.5.4.77:55820" })
	rep = e.validate(t, e.input(dnsworld.Voice, dnsworld.CTI, "", "plan", nil))
	expectAll(t, rep, fqdnWant{"vpn.endpoint", "10.5.4.77", report.Fail, "inside the cluster VPN network 10.5.4.0/24"})
}

// A resolver for which the FQDNs' top-level domain does not exist: every
// name NXDOMAIN, with the root zone's SOA (as a resolver answers for a TLD
// that is not delegated, e.g. a typo "example.tset"). A real DNS server
// on loopback, asked over UDP and TCP by the product.
func TestValidateFQDNsTLDDoesNotExist(t *testing.T) {
	e := newFQDNEnv(t, nil)
	root, err := dns.NewRR(". 86400 IN SOA a.root-servers.test. nstld.example.test. 1 1800 900 604800 86400")
	must(t, err)
	h := dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetRcode(q, dns.RcodeNameError)
		m.RecursionAvailable = true
		m.Ns = []dns.RR{root}
		_ = w.WriteMsg(m)
	})
	addr := serveDNS(t, h)
	rep := e.validate(t, e.input(dnsworld.Voice, dnsworld.CTI, "", "plan", map[string]any{"resolvers": []string{addr}}))
	expectAll(t, rep, fqdnWant{"fqdn.resolves", dnsworld.Voice, report.Warn,
		"its top-level domain .test does not exist (NXDOMAIN with the root zone's SOA)|whether the name can resolve by the cutover is unknown"})
	// The world's own resolver knows .test: the same name has no address
	// yet only when it is missing there.
	rep = e.validate(t, e.input(dnsworld.Missing, dnsworld.CTI, "", "plan", nil))
	expectAll(t, rep, fqdnWant{"fqdn.resolves", dnsworld.Missing, report.Pass, "no address yet"})
}

// serveDNS serves h over UDP and TCP on one loopback port, taken before
// the servers start (a UDP port whose TCP twin is busy is tried again),
// and stops them when the test ends.
func serveDNS(t testing.TB, h dns.Handler) string {
	t.Helper()
	for try := 0; try < 20; try++ {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		must(t, err)
		l, err := net.Listen("tcp", pc.LocalAddr().String())
		if err != nil {
			pc.Close()
			continue
		}
		udp := &dns.Server{PacketConn: pc, Handler: h}
		tcp := &dns.Server{Listener: l, Handler: h}
		go func() { _ = udp.ActivateAndServe() }()
		go func() { _ = tcp.ActivateAndServe() }()
		t.Cleanup(func() { _ = udp.Shutdown(); _ = tcp.Shutdown() })
		return pc.LocalAddr().String()
	}
	t.Fatal("no loopback port free for both UDP and TCP")
	return ""
}
