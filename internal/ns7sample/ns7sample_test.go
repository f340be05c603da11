package ns7sample

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"al.essio.dev/pkg/shellescape"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
)

var now = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// probe runs the collector's own batch (ns7.Script, quoted as ns7.Probe
// sends it) through Exec and reads the frames and facts as ns7.Probe does.
func probe(t *testing.T, v Variant, plan ns7.Plan) *ns7.Facts {
	t.Helper()
	cmds := plan.Commands()
	ids := make([]string, len(cmds))
	for i, c := range cmds {
		ids[i] = c.ID
	}
	nonce := ns7.Nonce()
	var out, errb bytes.Buffer
	if rc := v.Exec("bash -c "+shellescape.Quote(ns7.Script(cmds, nonce, 10*time.Second, time.Minute)), now, &out, &errb); rc != 0 {
		t.Fatalf("exit %d: %s", rc, errb.String())
	}
	frames := ns7.NewFrames(nonce, ids)
	if err := frames.ReadStdout(&out); err != nil {
		t.Fatal(err)
	}
	if err := frames.ReadStderr(&errb); err != nil {
		t.Fatal(err)
	}
	f := &ns7.Facts{Plan: ns7.PlanFacts(plan)}
	f.Fill(frames.Results())
	return f
}

// Every command of the probe is answered (the table of answers and ns7's
// command table stay in step), and what the parsers read back is the
// variant's state.
func TestHealthyAnswersTheProbe(t *testing.T) {
	v := Healthy()
	v.Hosts["leader.example.org"] = "192.0.2.1"
	f := probe(t, v, ns7.Plan{LeaderHost: "leader.example.org", FQDNs: []string{"voice.example.org"}})
	// As the real NS7 world: rpm -q exits with the number of missing
	// packages, is-active 3 for an inactive unit, no WireGuard interface,
	// an FQDN that does not resolve.
	notOK := map[string]bool{ns7.CmdPackages: true, ns7.CmdServices: true, ns7.CmdWG: true, ns7.CmdFQDN + "0": true}
	for _, r := range f.Commands {
		if (r.Status == ns7.StatusOK) == notOK[r.ID] {
			t.Errorf("%s: %s exit %d", r.ID, r.Status, r.Exit)
		}
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"release", f.Release, "7.9.2009"},
		{"hostname", f.Hostname, v.Hostname},
		{"kernels", len(f.Kernels), 2},
		{"package", f.Packages["nethserver-nethvoice14"], "14.9.2-1.ns7"},
		{"service", f.Services["asterisk"], "active"},
		{"wg unit", f.Services["wg-quick@ns8"], "inactive"},
		{"cockpit", f.Cockpit9090, true},
		{"provider", f.Provider != nil && f.Provider.BaseDN == "dc=directory,dc=nh", true},
		{"prefix", f.Config["nethvoice-report"].Props["international_prefix"], "0039"},
		{"timezone", f.TimeZone, "Europe/Rome"},
		{"dump space", f.DumpSpace != nil && f.DumpSpace.AvailableBytes == v.DumpDisk.Size-v.DumpDisk.Used, true},
		{"databases", f.Data.DatabaseBytes, int64(5242880 + 104857600 + 1048576 + 524288)},
		{"recordings", f.Data.Categories["recordings"], int64(len("RIFF recording one") + len("RIFF recording two"))},
		{"gateways", len(f.Gateways), 0},
		{"devices (phones, a custom device; not webrtc)", len(f.Devices), 16},
		{"trunk", f.Trunks[0].PJSIPName, "MessageNet"},
		{"tancredi host", f.TancrediHost, "voice.example.org"},
		{"NAT (empty values dropped)", len(f.NAT), 0},
		{"extensions", len(f.Extensions), 3},
		{"custom conf (empty files are not listed)", len(f.CustomConf), 0},
		{"custom AGI (owned by a package)", len(f.CustomAGI), 0},
		{"customer cards (stock only)", len(f.CustomerCards), 0},
		{"clock", f.Clock, now.Unix()},
		{"leader", strings.Join(f.LeaderAddrs, ","), "192.0.2.1"},
		{"leader https", f.LeaderHTTPS, true},
		{"bind password kept", strings.Contains(f.Provider.BindDN+f.Config["sssd"].Props["BindPassword"], BindPasswordCanary), false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
		}
	}
}

// The variants' differences reach the parsers: pending updates, a joined
// NS7's handshake age, files that are the site's own.
func TestVariantsAnswer(t *testing.T) {
	f := probe(t, Outdated(), ns7.Plan{})
	if f.Updates == nil || !f.Updates.Pending || f.Updates.Count != 3 {
		t.Errorf("updates: %+v", f.Updates)
	}
	f = probe(t, UnsupportedGateway(), ns7.Plan{})
	if len(f.Gateways) != 3 || f.Gateways[1].Name != "gw-office" || len(f.Gateways[1].Ports) != 2 || f.Gateways[1].Ports[1].Trunk != "Patton_0b1c2d_fxo_1" ||
		f.Gateways[0].Ports[1].PhysicalExtension != "91204" || f.Gateways[2].Ports[0].Protocol != "pmp" {
		t.Errorf("gateways %+v", f.Gateways)
	}
	if raw, _ := json.Marshal(f); strings.Contains(string(raw), SecretCanary) || strings.Contains(string(raw), PortSecretCanary) {
		t.Error("a secret column reached the facts")
	}
	v := Healthy()
	delete(v.Files, ns7.TancrediDefaults)
	v.DB = nil
	f = probe(t, v, ns7.Plan{})
	// No Tancredi is an answer (the old engine), not a fact unread.
	if r := f.Cmd(ns7.CmdTancredi); r.Exit != 3 || r.Reason != "" || !f.Answered(ns7.CmdTancredi) || f.TancrediHost != "" {
		t.Errorf("no defaults.ini: %+v", r)
	}
	if r := f.Cmd(ns7.CmdPhones); r.Status != ns7.StatusFailed || f.Devices != nil {
		t.Errorf("no database: %+v", r)
	}
	f = probe(t, AlreadyJoined("leader.example.org", "10.5.4.1"), ns7.Plan{})
	if ts := f.Handshakes["k2b1YhQ2x1lQ0p2rK3m7uVQf0yB5u9s0k7Jx3n6mWlY="]; ts != now.Unix()-20 {
		t.Errorf("handshake %d, want %d", ts, now.Unix()-20)
	}
	v = Healthy()
	v.Files["/etc/asterisk/extensions_custom.conf"] = "[from-internal-custom]\n"
	v.Files["/var/lib/asterisk/agi-bin/site.agi"] = "#!/bin/sh\n"
	v.Files["/var/lib/nethserver/nethcti/templates/customer_card/crm.ejs"] = "<div/>"
	v.Sparse = map[string]int64{"/var/spool/asterisk/monitor/big.wav": 5 << 30}
	f = probe(t, v, ns7.Plan{})
	if len(f.CustomConf) != 1 || len(f.CustomAGI) != 1 || len(f.CustomerCards) != 1 || f.Data.Categories["recordings"] < 5<<30 {
		t.Errorf("custom %v %v %v, recordings %d", f.CustomConf, f.CustomAGI, f.CustomerCards, f.Data.Categories["recordings"])
	}
}

func TestExecSampleAndUnknown(t *testing.T) {
	var out, errb bytes.Buffer
	if rc := Healthy().Exec("timeout 5 head -c 1000 /dev/zero", now, &out, &errb); rc != 0 || out.Len() != 1000 {
		t.Errorf("sample: exit %d, %d bytes", rc, out.Len())
	}
	out.Reset()
	if rc := Healthy().Exec("rm -rf /", now, &out, &errb); rc != 127 || out.Len() != 0 {
		t.Errorf("an unknown command: exit %d, %q", rc, out.String())
	}
}

func TestSplitWords(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{`a  b`, []string{"a", "b"}},
		{`'it'"'"'s' x`, []string{"it's", "x"}},
		{`"a \"b\" \$c \n"`, []string{`a "b" $c \n`}},
		{`a\ b`, []string{"a b"}},
		{`''`, []string{""}},
	} {
		got, err := SplitWords(c.in)
		if err != nil || strings.Join(got, "|") != strings.Join(c.want, "|") || len(got) != len(c.want) {
			t.Errorf("SplitWords(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`'open`, `"open`} {
		if _, err := SplitWords(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// NS7's getent answers an IPv4 literal with itself, as glibc does.
func TestGetentLiteral(t *testing.T) {
	if a := Healthy().Getent("192.0.2.9"); a.Exit != 0 || !strings.HasPrefix(a.Stdout, "192.0.2.9 ") {
		t.Errorf("%+v", a)
	}
	if a := Healthy().Getent("nowhere.example.test"); a.Exit != 2 {
		t.Errorf("%+v", a)
	}
}
