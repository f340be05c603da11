package ns7

import (
	"reflect"
	"strings"
	"testing"
)

// fill runs Fill on one recorded answer (every other command answered
// nothing at all: not run).
func fill(id string, r Result) *Facts {
	f := &Facts{Plan: PlanFacts{LeaderHost: "leader.example.test", FQDNs: []string{"voice.example.org"}}}
	var results []Result
	for _, c := range Plan(f.Plan).Commands() {
		x := Result{ID: c.ID, Status: StatusNotRun, Exit: -1}
		if c.ID == id {
			x = r
			x.ID = id
		}
		results = append(results, x)
	}
	f.Fill(results)
	return f
}

func TestReasonOfAnswers(t *testing.T) {
	ok := func(out string) Result { return Result{Status: StatusOK, Output: out} }
	exit := func(code int, out, stderr string) Result {
		return Result{Status: statusOf(code), Exit: code, Output: out, Stderr: stderr}
	}
	for _, c := range []struct {
		name, id string
		r        Result
		reason   string // "" when the answer is a value
	}{
		{"a missing command", CmdConfig + "nethvoice-report", exit(127, "", "timeout: failed to run command '/sbin/e-smith/config': No such file or directory\n"),
			"config: command not found"},
		{"a command that cannot be run", CmdTimeZone, exit(126, "", "timeout: failed to run command '/sbin/e-smith/config': Permission denied\n"),
			"config: permission denied (it cannot be run)"},
		{"a refused database", CmdDBSizes, exit(1, "", "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)\n"),
			"mysql failed (exit 1): ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)"},
		{"a failure without a word", CmdKernels, exit(1, "", ""), "rpm failed (exit 1)"},
		{"timeout itself failed", CmdHostname, exit(125, "", "timeout: invalid time interval\n"), "timeout(1) could not run hostname: timeout: invalid time interval"},
		{"a missing command even where any exit answers", CmdServices, exit(127, "", ""), "systemctl: command not found"},
		{"a snippet's missing program", CmdProvider, exit(127, "", "sh: 1: exec: /usr/sbin/account-provider-test: not found\n"),
			"account-provider: command not found: sh: 1: exec: /usr/sbin/account-provider-test: not found"},
		{"the provider dump refused to create a secret", CmdProvider, exit(4, "", "not run: NS7 has no /var/lib/nethserver/secrets/ldapservice, and account-provider-test dump would write a new one\n"),
			"account-provider failed (exit 4): not run: NS7 has no /var/lib/nethserver/secrets/ldapservice"},
		{"garbage for a record", CmdConfig + "sssd", ok("Perl warning: DB locked\n"), "config answered, but config printjson did not print a JSON object"},
		{"garbage for the dump", CmdProvider, ok("<html>"), "account-provider answered, but account-provider-test dump did not print a JSON object"},
		{"an empty FQDN", CmdHostname, ok("\n"), "hostname answered, but with nothing"},
		{"an empty kernel list", CmdKernels, ok(""), "rpm answered, but with nothing"},
		{"states shifted by a missing line", CmdServices, exit(3, "active\ninactive\n", ""), "systemctl answered, but with 2 lines for the 9 asked"},
		{"a clock that is not a number", CmdClock, ok("Thu Jan  1\n"), `date answered, but not with an integer ("Thu Jan  1")`},
		{"a row of another width", CmdPhones, ok("00:15:65:00:00:01\tYealink/Dreamwave\tyealink-T46\t201\nmysql: [Warning] something\n"), `mysql answered, but row 2 has 1 columns, the query has 4 ("mysql: [Warning] something")`},
		{"not a table at all", CmdGateways, ok("this is not a table\n"), `mysql answered, but row 1 has 1 columns, the query has 13`},
		{"vertical output", CmdTrunks, ok("*************************** 1. row ***************************\ntrunkid: 1\n"), "mysql answered, but row 1 has 1 columns, the query has 7"},
		{"no rows", CmdSIPNAT, ok(""), ""},
		{"no phone count", CmdLegacy, ok(""), `mysql answered, but not with an integer ("")`},
		{"yum failing", CmdUpdates, exit(1, "", "Cannot find a valid baseurl for repo: base/7/x86_64\n"),
			"yum failed (exit 1): Cannot find a valid baseurl for repo: base/7/x86_64"},
		{"a df without its line", CmdDumpSpace, ok("Filesystem 1-blocks Used\n"), "df answered, but df printed no filesystem line"},
		{"a cut answer", CmdExtensions, Result{Status: StatusOK, Output: "201\tAlice\n", Truncated: true}, "mysql's answer was cut at 8 MiB"},
		{"wg garbage", CmdWG, ok("interface: ns8\n"), `wg-handshakes answered, but not with "<peer> <time>" lines ("interface: ns8")`},
		{"no secret states", CmdSecrets, ok("present /var/lib/nethserver/secrets/ldapservice\n"), "secret-files answered, but not for /var/lib/nethserver/secrets/PhonebookDBPasswd"},
		{"a size that is not a number", CmdDBSizes, ok("asterisk\t5242880\nasteriskcdrdb\tNULL\n"), `mysql answered, but not with "<database> <bytes>" rows ("asteriskcdrdb NULL")`},
		{"a find line without a size", CmdCustomConf, ok("120 /etc/asterisk/sip_custom.conf\nfind: warning: something\n"), `find answered, but not with "<size> <path>" lines ("find: warning: something")`},
		{"no address at all", CmdAddresses, ok("1: lo    inet6 ::1/128 scope host\n"), "ip answered, but with no IPv4 address"},
		// Answers, whatever their exit code.
		{"no release file", CmdRelease, exit(3, "", ""), ""},
		{"pending updates", CmdUpdates, exit(100, "kernel.x86_64 3.10.0-1160.120.1.el7 updates\n", ""), ""},
		{"a name NS7 cannot resolve", CmdLeaderDNS, exit(2, "", ""), ""},
		{"a leader that refuses", CmdLeaderTCP, exit(1, "", "bash: connect: Connection refused\n"), ""},
		{"no interface ns8", CmdWG, exit(3, "", ""), ""},
		{"packages missing", CmdPackages, exit(2, "package freepbx is not installed\npackage tancredi is not installed\n", ""), ""},
		{"a key that does not exist", CmdConfig + "nsdc", ok(""), ""},
		{"no time zone set", CmdTimeZone, ok(""), ""},
		{"no extension", CmdExtensions, ok(""), ""},
		// Never came: the checks say so from the status.
		{"cut by the deadline", CmdTimeZone, Result{Status: StatusTimeout, Exit: 124}, ""},
		{"lost", CmdTimeZone, Result{Status: StatusLost, Exit: -1}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := fill(c.id, c.r)
			got := f.Unread(c.id)
			if c.reason == "" && got != "" || !strings.HasPrefix(got, c.reason) {
				t.Errorf("reason %q, want %q", got, c.reason)
			}
			if f.Answered(c.id) != (c.reason == "" && (c.r.Status == StatusOK || c.r.Status == StatusFailed)) {
				t.Errorf("answered %v", f.Answered(c.id))
			}
			for _, r := range f.Commands {
				if r.ID == c.id && r.Reason != got {
					t.Errorf("the kept result says %q", r.Reason)
				}
			}
		})
	}
}

// An unread answer leaves no value behind: the parsers never see it.
func TestUnreadAnswersAreNotParsed(t *testing.T) {
	f := fill(CmdServices, Result{Status: StatusFailed, Exit: 3, Output: "active\n"})
	if len(f.Services) != 0 {
		t.Errorf("services from a short answer: %v", f.Services)
	}
	f = fill(CmdConfig+"nethvoice-report", Result{Status: StatusFailed, Exit: 127})
	if f.Config["nethvoice-report"] != nil {
		t.Errorf("a record from a missing command: %+v", f.Config["nethvoice-report"])
	}
	f = fill(CmdUpdates, Result{Status: StatusFailed, Exit: 1, Output: "kernel.x86_64 1 updates\n"})
	if f.Updates != nil {
		t.Errorf("updates from a failed yum: %+v", f.Updates)
	}
	f = fill(CmdDBSizes, Result{Status: StatusFailed, Exit: 1, Stderr: "ERROR 1045 (28000): Access denied\n"})
	if why := f.Data.Unmeasured["databases"]; !strings.Contains(why, "mysql failed (exit 1): ERROR 1045") {
		t.Errorf("databases unmeasured because %q", why)
	}
}

func TestNotNethServer(t *testing.T) {
	for _, c := range []struct {
		name string
		r    Result
		want string
	}{
		{"NethServer 7", Result{Status: StatusOK, Output: "NethServer release 7.9.2009 (final)\n"}, ""},
		{"an older NethServer", Result{Status: StatusOK, Output: "NethServer release 7.8.2003 (final)\n"}, ""},
		{"no release file", Result{Status: StatusFailed, Exit: 3}, "/etc/nethserver-release does not exist"},
		{"an empty one", Result{Status: StatusOK, Output: "\n"}, "/etc/nethserver-release is empty"},
		{"another system's", Result{Status: StatusOK, Output: "Debian GNU/Linux 12\n"}, `says "Debian GNU/Linux 12": this host is not a NethServer`},
		{"unreadable: cannot tell", Result{Status: StatusFailed, Exit: 1, Stderr: "cat: /etc/nethserver-release: Permission denied\n"}, ""},
		{"lost: cannot tell", Result{Status: StatusLost, Exit: -1}, ""},
	} {
		if got := fill(CmdRelease, c.r).NotNethServer(); c.want == "" && got != "" || !strings.Contains(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// A user other than root is not asked what only root reads on NS7; each
// of those results says why.
func TestForUser(t *testing.T) {
	cmds := (Plan{LeaderHost: "leader.example.test"}).Commands()
	send, unasked := forUser(cmds, "root")
	if len(send) != len(cmds) || len(unasked) != 0 {
		t.Fatalf("root: %d sent, %d not asked", len(send), len(unasked))
	}
	send, unasked = forUser(cmds, "nethvoice")
	var ids []string
	for _, r := range unasked {
		ids = append(ids, r.ID)
		if r.Status != StatusNotAsked || !strings.Contains(r.Reason, "only root may read it on NS7") || !strings.HasSuffix(r.Reason, "the probe connects as nethvoice") {
			t.Errorf("%s: %+v", r.ID, r)
		}
	}
	want := []string{CmdProvider}
	for _, k := range ConfigKeys {
		want = append(want, CmdConfig+k)
	}
	want = append(want, CmdTimeZone, CmdDomainName, CmdDBSizes, CmdPhones, CmdGateways, CmdTrunks, CmdSIPNAT, CmdExtensions, CmdLegacy, CmdWG, CmdRecordings, CmdDataSize)
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("not asked %v,\nwant %v", ids, want)
	}
	if len(send)+len(unasked) != len(cmds) {
		t.Errorf("%d + %d of %d", len(send), len(unasked), len(cmds))
	}
	// Not asked is not lost: the connection did not drop for them.
	f := &Facts{User: "nethvoice"}
	f.Fill(append([]Result{{ID: CmdRelease, Status: StatusOK, Output: "NethServer release 7.9.2009"}}, unasked...))
	if lost := f.Lost(); len(lost) != 0 {
		t.Errorf("lost %v", lost)
	}
	if why := f.Data.Unmeasured["recordings"]; !strings.HasPrefix(why, "not asked: only root may read it") {
		t.Errorf("recordings unmeasured because %q", why)
	}
}

func TestParseJoinFacts(t *testing.T) {
	st := ParseSecretStates(sampleSecrets + "present /etc/shadow\nweird /var/lib/nethserver/secrets/ldapservice\n")
	if !reflect.DeepEqual(st, map[string]string{LDAPServiceSecret: SecretPresent, PhonebookSecret: SecretMissing}) {
		t.Errorf("secrets %v", st)
	}
	addrs := ParseIPAddr(sampleIPAddr)
	want := []IfAddr{{"lo", "127.0.0.1/8"}, {"br0", "192.168.1.10/24"}, {"ns8", "10.5.4.3/24"}, {"eth1", "10.77.3.2/24"}}
	if !reflect.DeepEqual(addrs, want) {
		t.Errorf("addresses %+v", addrs)
	}
	routes := ParseIPRoute(sampleIPRoute)
	wantR := []Route{{Dest: "default", Dev: "br0", Via: "192.168.1.1"}, {Dest: "10.5.4.0/24", Dev: "ns8"}, {Dest: "10.8.0.2/32", Dev: "tun0"},
		{Dest: "172.16.0.0/12", Type: "blackhole"}, {Dest: "192.168.1.0/24", Dev: "br0"}, {Dest: "192.168.5.0/24", Dev: "tun0", Via: "10.8.0.2"}}
	if !reflect.DeepEqual(routes, wantR) {
		t.Errorf("routes %+v", routes)
	}
	d, err := ParseProviderDump(sampleDump)
	if err != nil || !d.BindPasswordSet {
		t.Errorf("dump %+v %v", d, err)
	}
	if d, _ := ParseProviderDump(`{"isLdap":"1","BindPassword":""}`); d.BindPasswordSet {
		t.Error("an empty bind password is set")
	}
}

const (
	sampleSecrets = "present /var/lib/nethserver/secrets/ldapservice\nmissing /var/lib/nethserver/secrets/PhonebookDBPasswd\n"
	sampleIPAddr  = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n" +
		"2: br0    inet 192.168.1.10/24 brd 192.168.1.255 scope global br0\\       valid_lft forever preferred_lft forever\n" +
		"5: ns8    inet 10.5.4.3/24 scope global ns8\\       valid_lft forever preferred_lft forever\n" +
		"7: eth1@if8    inet 10.77.3.2/24 scope global eth1\\       valid_lft forever preferred_lft forever\n"
	sampleIPRoute = "default via 192.168.1.1 dev br0 \n10.5.4.0/24 dev ns8 scope link \n10.8.0.2 dev tun0 proto kernel scope link src 10.8.0.1 \n" +
		"blackhole 172.16.0.0/12 \n192.168.1.0/24 dev br0 proto kernel scope link src 192.168.1.10 \n" +
		"192.168.5.0/24 via 10.8.0.2 dev tun0 \n\tnexthop via 1.2.3.4 dev eth9 weight 1\n"
)
