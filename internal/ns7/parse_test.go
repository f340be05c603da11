package ns7

import (
	"encoding/json"
	"net"
	"reflect"
	"strings"
	"testing"
)

// Samples in NS7's real output formats (reference §2).
const (
	sampleRelease  = "NethServer release 7.9.2009 (final)\n"
	sampleRPM      = "nethserver-nethvoice14 14.9.2-1.ns7\npackage asterisk13-core is not installed\nfreepbx 14.0.18-1.ns7\n"
	sampleYum      = "\nkernel.x86_64                 3.10.0-1160.120.1.el7        updates\nnethserver-freepbx.noarch     14.3.4-1.ns7                 nethserver-updates\na-very-long-package-name-that-wraps.noarch\n                              1.0-2.el7                    base\nObsoleting Packages\nfoo.noarch 1-1 base\n    bar.noarch 1-0 @base\n"
	sampleIsActive = "active\ninactive\nfailed\n"
	sampleSS       = "State      Recv-Q Send-Q Local Address:Port               Peer Address:Port\nLISTEN     0      128          *:22                            *:*\nLISTEN     0      128       [::]:9090                         [::]:*\n"
	sampleDump     = `{"isAD":"","isLdap":"1","BaseDN":"dc=directory,dc=nh","UserDN":"ou=People,dc=directory,dc=nh","GroupDN":"ou=Groups,dc=directory,dc=nh","LdapURI":"ldap://127.0.0.1","host":"127.0.0.1","port":389,"StartTls":"","BindDN":"cn=ldapservice,dc=directory,dc=nh","BindPassword":"Sekr3t-bind","DiscoverDcType":"dns"}`
	sampleConfig   = `{"name":"sssd","type":"service","props":{"Provider":"ldap","LdapURI":"ldap://127.0.0.1","BindPassword":"Sekr3t-bind","status":"enabled"}}`
	sampleDU       = "16420\t/var/spool/asterisk/monitor\n4108\t/var/lib/asterisk/sounds/en/custom\n"
	sampleDF       = "Filesystem        1-blocks        Used   Available Capacity Mounted on\n/dev/mapper/VolGroup-lv_root 53660876800 9206951936 44453924864      18% /\n"
	sampleTSV      = "201\tAlice\\tRossi\n202\tBob\n\n203\n"
	sampleGetent   = "10.5.4.1        STREAM leader.example.test\n10.5.4.1        DGRAM  \n10.5.4.1        RAW    \n10.5.4.9        STREAM \n"
	sampleWG       = "k2b1YhQ2x1lQ0p2rK3m7uVQf0yB5u9s0k7Jx3n6mWlY=\t1795562244\nother=\t0\n"
	sampleFind     = "120 /etc/asterisk/sip_custom.conf\n33 /etc/asterisk/extensions_custom.conf\n"
)

func TestParsers(t *testing.T) {
	if v, line := ParseRelease(sampleRelease); v != "7.9.2009" || line != "NethServer release 7.9.2009 (final)" {
		t.Errorf("release %q %q", v, line)
	}
	inst, miss := ParseRPMQuery(sampleRPM)
	if inst["nethserver-nethvoice14"] != "14.9.2-1.ns7" || len(inst) != 2 || !reflect.DeepEqual(miss, []string{"asterisk13-core"}) {
		t.Errorf("rpm %v %v", inst, miss)
	}
	u, err := ParseYumCheckUpdate(sampleYum, 100)
	if err != nil || u.Count != 3 || u.Packages[2] != "a-very-long-package-name-that-wraps.noarch" {
		t.Errorf("yum %+v %v", u, err)
	}
	if u, err := ParseYumCheckUpdate("", 0); err != nil || u.Pending {
		t.Errorf("yum none %+v %v", u, err)
	}
	if _, err := ParseYumCheckUpdate("Loaded plugins\nerror", 1); err == nil {
		t.Error("yum exit 1 is an error")
	}
	st := ParseIsActive(sampleIsActive, []string{"a", "b", "c", "d"})
	if st["a"] != "active" || st["c"] != "failed" || st["d"] != "unknown" {
		t.Errorf("is-active %v", st)
	}
	if !ParseListening(sampleSS, 9090) || ParseListening(sampleSS, 443) {
		t.Error("ss")
	}
	d, err := ParseProviderDump(sampleDump)
	if err != nil || !d.IsLDAP || d.IsAD || d.BaseDN != "dc=directory,dc=nh" || d.Port != "389" {
		t.Errorf("dump %+v %v", d, err)
	}
	rec, err := ParseConfigJSON("sssd", sampleConfig)
	if err != nil || rec.Props["Provider"] != "ldap" || rec.Props["BindPassword"] != "" || len(rec.Props) != 3 {
		t.Errorf("config %+v %v", rec, err)
	}
	if rec, err := ParseConfigJSON("ns8", ""); rec != nil || err != nil {
		t.Errorf("missing key %v %v", rec, err)
	}
	if du := ParseDU(sampleDU); len(du) != 2 || du[0].Bytes != 16420 {
		t.Errorf("du %v", du)
	}
	if df, err := ParseDF(sampleDF); err != nil || df.AvailableBytes != 44453924864 || df.Mount != "/" {
		t.Errorf("df %+v %v", df, err)
	}
	if rows := ParseTSV(sampleTSV, 2); len(rows) != 2 || rows[0][1] != "Alice Rossi" {
		t.Errorf("tsv %q", rows)
	}
	if a := ParseGetent(sampleGetent); !reflect.DeepEqual(a, []string{"10.5.4.1", "10.5.4.9"}) {
		t.Errorf("getent %v", a)
	}
	if hs := ParseHandshakes(sampleWG); hs["other="] != 0 || hs["k2b1YhQ2x1lQ0p2rK3m7uVQf0yB5u9s0k7Jx3n6mWlY="] != 1795562244 {
		t.Errorf("wg %v", hs)
	}
	if fs := ParseFiles(sampleFind); len(fs) != 2 || fs[0].Path != "/etc/asterisk/extensions_custom.conf" || fs[1].Bytes != 120 {
		t.Errorf("find %v", fs)
	}
}

// The bind password has no field to land in: whatever the dump looks like,
// the parsed value never holds it.
func FuzzParseProviderDump(f *testing.F) {
	f.Add(sampleDump, "Sekr3t-bind")
	f.Add(`{"isAD":1,"BindPassword":"x"}`, "x")
	f.Add(`[]`, "pw")
	f.Add(`{"BaseDN":{"nested":1}}`, "pw")
	f.Fuzz(func(t *testing.T, out, secret string) {
		d, _ := ParseProviderDump(out)
		if len(secret) < 6 || !strings.Contains(out, `"BindPassword":"`+secret+`"`) {
			return
		}
		b, _ := json.Marshal(d)
		// The secret may legitimately appear elsewhere in the input (as a
		// BaseDN, say); it must not come from BindPassword alone.
		without := strings.ReplaceAll(out, `"BindPassword":"`+secret+`"`, `"BindPassword":""`)
		if strings.Contains(string(b), secret) && !strings.Contains(without, secret) {
			t.Fatalf("bind password kept: %s", b)
		}
	})
}

func FuzzParseConfigJSON(f *testing.F) {
	f.Add("sssd", sampleConfig)
	f.Add("ns8", `{"name":"ns8","type":"configuration","props":{"Host":"leader","Password":"Sekr3t"}}`)
	f.Add("nethvoice", `null`)
	f.Fuzz(func(t *testing.T, key, out string) {
		rec, _ := ParseConfigJSON(key, out)
		if rec == nil {
			return
		}
		for p := range rec.Props {
			if strings.Contains(strings.ToLower(p), "pass") || strings.Contains(strings.ToLower(p), "secret") {
				t.Fatalf("secret property %q kept", p)
			}
		}
	})
}

// The other parsers are total: any input, no panic, bounded strings.
func FuzzParsers(f *testing.F) {
	for _, s := range []string{"5\t/var/spool/asterisk/monitor/2026/11\n9\t/var/spool/asterisk/monitor/2026\n", "Used Mounted on File\n12 / /etc/asterisk\n", sampleRelease, sampleRPM, sampleYum, sampleIsActive, sampleSS, sampleDU, sampleDF, sampleTSV, sampleGetent, sampleWG, sampleFind, sampleDevices, sampleGatewayInventory, sampleTrunkInventory, sampleNAT, sampleSecrets, sampleIPAddr, sampleIPRoute, " \"pbx.example.com\"\n", "", "\x00\xff\n\t"} {
		f.Add(s, 100)
	}
	f.Fuzz(func(t *testing.T, out string, exit int) {
		ParseRelease(out)
		ParseRPMQuery(out)
		ParseLines(out)
		ParseYumCheckUpdate(out, exit)
		ParseIsActive(out, Units)
		ParseListening(out, 9090)
		ParseDU(out)
		ParseDF(out)
		if tr := ParseDUTree(out, RecordingsDir); tr.Total < 0 && !tr.Complete {
			t.Fatalf("a negative partial size %d", tr.Total)
		}
		for _, p := range ParseDFPaths(out) {
			if p.UsedBytes < 0 || len(p.Path) > 300 || len(p.Mount) > 300 {
				t.Fatalf("df line %+v", p)
			}
		}
		for _, r := range ParseTSV(out, 3) {
			for _, c := range r {
				if len(c) > 300 {
					t.Fatalf("unbounded column %d", len(c))
				}
			}
		}
		for _, a := range ParseGetent(out) {
			if !ValidHost(a) {
				t.Fatalf("getent gave %q", a)
			}
		}
		ParseHandshakes(out)
		ParseFiles(out)
		if devs, _ := ParseDevices(out); len(devs) > MaxDevices {
			t.Fatalf("%d devices kept", len(devs))
		}
		for _, g := range ParseGateways(out) {
			if len(g.Ports) > 64 || len(g.Name) > 300 {
				t.Fatalf("gateway %+v", g)
			}
		}
		ParseTrunks(out)
		ParseNAT(out)
		if v := ParseINIValue(out); len(v) > 253 {
			t.Fatalf("ini value of %d bytes", len(v))
		}
		ParseInt(out)
		for p, st := range ParseSecretStates(out) {
			if p != LDAPServiceSecret && p != PhonebookSecret || st == "" {
				t.Fatalf("secret state %q %q", p, st)
			}
		}
		for _, a := range ParseIPAddr(out) {
			if _, _, err := net.ParseCIDR(a.CIDR); err != nil || len(a.Interface) > 40 {
				t.Fatalf("address %+v", a)
			}
		}
		for _, r := range ParseIPRoute(out) {
			if _, _, err := net.ParseCIDR(r.Dest); err != nil && r.Dest != "default" {
				t.Fatalf("route %+v", r)
			}
		}
		// Every shape check is total too.
		for _, c := range (Plan{LeaderHost: "x", FQDNs: []string{"y"}}).Commands() {
			if c.Expect != nil {
				c.Expect(out, exit)
			}
		}
	})
}

// Frames: whatever the commands print (markers included, without the
// nonce), each result holds what its command printed, and a stream cut
// anywhere leaves the cut command lost and the later ones not run.
func FuzzFrames(f *testing.F) {
	f.Add("hello\nworld", "x\n", 40)
	f.Add("", "NVPF begin b\n", 10)
	f.Add("no newline", "\n\n", 1000)
	f.Fuzz(func(t *testing.T, outA, outB string, cut int) {
		nonce := "NVPFfuzz0123456789"
		stream := "\n" + nonce + " begin a\n" + outA + "\n" + nonce + " end a 0\n" +
			"\n" + nonce + " begin b\n" + outB + "\n" + nonce + " end b 7\n"
		if strings.Contains(outA+outB, nonce) {
			return // outputs cannot know the nonce
		}
		fr := NewFrames(nonce, []string{"a", "b", "c"})
		fr.ReadStdout(strings.NewReader(stream))
		r := fr.Results()
		if r[0].Status != StatusOK || r[0].Output != outA || r[1].Status != StatusFailed || r[1].Exit != 7 || r[1].Output != outB || r[2].Status != StatusNotRun {
			t.Fatalf("%+v", r)
		}
		if cut < 0 || cut > len(stream) {
			return
		}
		fr = NewFrames(nonce, []string{"a", "b", "c"})
		fr.ReadStdout(strings.NewReader(stream[:cut]))
		for _, x := range fr.Results() {
			if x.Status == StatusOK && x.ID == "a" && x.Output != outA {
				t.Fatalf("cut at %d: %+v", cut, x)
			}
		}
	})
}

func TestScriptQuotesValues(t *testing.T) {
	p := Plan{LeaderHost: "leader.example.test", FQDNs: []string{"voice.example.org"}}
	s := Script(p.Commands(), "NVPFx", 10e9, 90e9)
	for _, want := range []string{"timeout -k 2 10 getent ahostsv4 leader.example.test </dev/null",
		"timeout -k 2 90 sh -c 'du -b --max-depth=2 /var/spool/asterisk/monitor 2>/dev/null; true' </dev/null",
		`timeout -k 2 10 bash -c 'exec 3<>"/dev/tcp/$1/$2"' leader-https leader.example.test 443 </dev/null`,
		"timeout -k 2 30 yum -q check-update </dev/null"} {
		if !strings.Contains(s, want) {
			t.Errorf("script lacks %q", want)
		}
	}
	if err := (Plan{LeaderHost: "x; rm -rf /"}).Validate(); err == nil {
		t.Error("a shell command passed as a host")
	}
	if err := (Plan{FQDNs: []string{"$(reboot)"}}).Validate(); err == nil {
		t.Error("a substitution passed as an FQDN")
	}
}

// The script never writes on NS7: no output redirection to a file, and
// none of the commands that change a system.
func TestScriptIsReadOnly(t *testing.T) {
	s := Script(Plan{LeaderHost: "10.5.4.1", FQDNs: []string{"a.example.org"}}.Commands(), "NVPFx", 10e9, 60e9)
	s = strings.ReplaceAll(s, ">/dev/null", "") // discarding is not writing
	for _, bad := range []string{" > /", ">/", ">>", " rm ", "setprop", "systemctl start", "yum install", "yum update", "mkdir", "tee "} {
		if strings.Contains(s, bad) {
			t.Errorf("script contains %q", bad)
		}
	}
}
