package ns7

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"al.essio.dev/pkg/shellescape"
)

// Command is one read-only command of the probe. Fixed commands are
// constants of this package (Shell); the only values that come from outside
// (host names of the leader and of the FQDNs) go through Argv, validated by
// Plan.Validate and quoted with shellescape, never by hand. docs/ns7-commands.md
// lists every one; a test keeps the two in step.
type Command struct {
	ID string
	// Argv is an argument vector, each element quoted; exclusive with Shell.
	Argv []string
	// Shell is a constant shell snippet (globs, pipes) run by sh -c.
	Shell string
	// Slow commands (yum, find over large trees) get SlowFactor times the
	// per-command deadline.
	Slow bool
	// Data commands (du over the data the migration copies) get the data
	// budget (Options.DataBudget) as their deadline instead.
	Data bool
	// Group is the session the command runs in ("" is GroupMain): the
	// commands of a group run one after another in one session, the groups
	// concurrently on the one connection (see Probe).
	Group string
	// Partial: the output a command printed before its deadline (or a
	// dropped connection) ended it is still read (du prints each total as
	// it is done).
	Partial bool
	// Reads says what the answer holds (docs/ns7-commands.md).
	Reads string
	// AnyExit: the output is the answer whatever the exit code (rpm -q exits
	// with the number of missing packages, systemctl is-active with 3 for a
	// stopped unit); Exits lists the non-zero codes that are answers of a
	// command whose other codes are failures (yum check-update 100: updates
	// pending; getent 2: not found). 125-127 (timeout(1): the command could
	// not run) are never answers.
	AnyExit bool
	Exits   []int
	// Expect, when set, tells whether an answer holds what the parser
	// reads: an empty or garbled answer is a fact that could not be read,
	// never a value (see reasonOf).
	Expect func(out string, exit int) error
	// Root says why only root gets this answer on NS7 (programs of
	// rootPrograms need not say it): the probe does not send the command
	// when it connects as another user.
	Root string
	// Parse reads the answer into the facts; nil for a command whose
	// status alone is the answer.
	Parse func(out string, exit int, f *Facts)
}

// SlowFactor multiplies the per-command deadline of slow commands.
const SlowFactor = 3

// Session groups. The slow commands each get a session of their own, so
// that a slow mirror, a large RPM database or a huge spool delays nothing
// else; everything else runs in the main session, in table order.
const (
	GroupMain       = "main"
	GroupUpdates    = "updates"
	GroupAGI        = "agi"
	GroupRecordings = "recordings"
	GroupData       = "data"
)

// Groups lists the groups in the order their sessions are opened: the main
// session first (every other check waits for it), then the longest ones.
var Groups = []string{GroupMain, GroupRecordings, GroupData, GroupUpdates, GroupAGI}

// Databases are the NethVoice databases dumped at Finish (reference §2.4).
var Databases = []string{"asterisk", "asteriskcdrdb", "nethcti3", "phonebook", "roomsdb", "fias"}

// Packages whose version the probe reports (reference §2.3, §2.6).
var Packages = []string{"nethserver-nethvoice14", "nethserver-freepbx", "freepbx", "nethcti-server3", "nethcti3",
	"janus-gateway", "nethvoice-report", "asterisk18-core", "asterisk13-core", "tancredi", "nethserver-ns8-migration"}

// Units the probe asks systemd about: NethVoice's services, Cockpit and the
// migration tool's WireGuard unit.
// slapd and nsdc are NS7's own account providers: OpenLDAP, and the Samba
// DC container of nethserver-dc (nsdc.service).
var Units = []string{"asterisk", "httpd-fpbx", "nethcti-server", "janus-gateway", "mariadb", "cockpit.socket", "wg-quick@ns8", "slapd", "nsdc"}

// ConfigKeys are the e-smith configuration keys read with config printjson.
// Only allowlisted properties of them are kept (see keepProps).
var ConfigKeys = []string{"sssd", "nsdc", "slapd", "nethvoice", "nethvoice-report", "ns8", "wg-quick@ns8"}

// DataPaths are the places migrate rsyncs, by category (reference §2.4). The
// globs are expanded by NS7's shell.
var DataPaths = []struct{ Category, Glob string }{
	{"recordings", "/var/spool/asterisk/monitor"},
	{"voicemail", "/var/spool/asterisk/voicemail"},
	{"sounds", "/var/lib/asterisk/sounds/*/custom"},
	{"sounds", "/var/lib/asterisk/sounds/nethcti"},
	{"moh", "/var/lib/asterisk/moh"},
	{"tancredi", "/var/lib/tancredi/data"},
	{"config", "/etc/asterisk"},
	{"config", "/var/lib/asterisk/agi-bin"},
	{"config", "/var/lib/nethserver/nethcti/templates/customer_card"},
	{"config", "/etc/phonebook/sources.d"},
	{"config", "/var/lib/nethserver/nethvoice/phonebook/uploads"},
	{"config", "/usr/share/phonebooks"},
}

// RecordingsDir is the call recordings spool, usually the biggest tree by
// far (millions of files): it is measured in a session of its own.
const RecordingsDir = "/var/spool/asterisk/monitor"

// MySQLDir is where MariaDB keeps the databases: df of it bounds their
// size when information_schema cannot be read.
const MySQLDir = "/var/lib/mysql"

// DumpDir is where migrate writes the database dumps at Finish.
const DumpDir = "/var/lib/asterisk"

const mysqlDefaults = "--defaults-file=/root/.my.cnf"

// SQL of the database commands. Constants: no value is ever put in a query.
var (
	sqlSizes = "SELECT table_schema, SUM(data_length+index_length) FROM information_schema.TABLES WHERE table_schema IN ('" +
		strings.Join(Databases, "','") + "') GROUP BY table_schema"
	sqlExtensions = "SELECT extension, name FROM asterisk.users ORDER BY extension"
	sqlLegacy     = "SELECT COUNT(*) FROM asterisk.endpointman_mac_list"
)

// Stock customer cards that migrate leaves out (reference §2.4).
var stockCards = []string{"identity.ejs", "lastcalls.ejs", "statistics.ejs", "table.ejs"}

// Plan is what a probe asks NS7 beyond the fixed set: the leader's VPN
// endpoint host and the FQDNs, resolved from NS7.
type Plan struct {
	LeaderHost string   // host part of node/<leader>/vpn endpoint; "" to skip
	FQDNs      []string // NethVoice and CTI FQDNs; may be empty
	// SkipFiles leaves the file measurements (du) out: a recent one is
	// reused (Options.Reuse).
	SkipFiles bool
}

var hostnameRe = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$`)

// ValidHost accepts a host name (RFC 1123 labels, at most 253 characters) or
// an IP address: the only shapes a value may have to reach a remote command.
func ValidHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	return len(h) <= 253 && hostnameRe.MatchString(h)
}

// Validate refuses any value that is not a host name or an address.
func (p Plan) Validate() error {
	if p.LeaderHost != "" && !ValidHost(p.LeaderHost) {
		return fmt.Errorf("leader host %q is not a host name or an IP address", p.LeaderHost)
	}
	for _, f := range p.FQDNs {
		if !ValidHost(f) {
			return fmt.Errorf("FQDN %q is not a host name", f)
		}
	}
	return nil
}

// Command ids whose outputs the parsers read.
const (
	CmdRelease    = "release"
	CmdHostname   = "hostname"
	CmdKernel     = "kernel"
	CmdKernels    = "kernels"
	CmdPackages   = "packages"
	CmdUpdates    = "updates"
	CmdServices   = "services"
	CmdListen     = "listen"
	CmdProvider   = "account-provider"
	CmdConfig     = "config-" // + key
	CmdTimeZone   = "timezone"
	CmdDomainName = "domain-name"
	CmdDataSize   = "data-size"
	CmdRecordings = "data-recordings"
	CmdDataFS     = "data-fs"
	CmdDumpSpace  = "dump-space"
	CmdDBSizes    = "db-sizes"
	CmdPhones     = "phones"
	CmdGateways   = "gateways"
	CmdTrunks     = "trunks"
	CmdExtensions = "extensions"
	CmdLegacy     = "legacy-phones"
	CmdSIPNAT     = "sip-nat"
	CmdTancredi   = "tancredi-host"
	CmdCustomConf = "custom-conf"
	CmdCustomAGI  = "custom-agi"
	CmdCards      = "customer-cards"
	CmdClock      = "clock"
	CmdWG         = "wg-handshakes"
	CmdLeaderDNS  = "leader-dns"
	CmdLeaderTCP  = "leader-https"
	CmdFQDN       = "fqdn-dns-" // + index
	CmdSecrets    = "secret-files"
	CmdAddresses  = "addresses"
	CmdRoutes     = "routes"
)

func mysql(sql string) []string {
	return []string{"mysql", mysqlDefaults, "-N", "-B", "-e", sql}
}

// systemCommands read what NS7 is: its release, kernels, packages,
// services, listening sockets and account provider.
func systemCommands() []Command {
	return []Command{
		// Exit 3, nothing printed: no such file (not a NethServer).
		{ID: CmdRelease, Shell: "[ -e /etc/nethserver-release ] || exit 3; exec cat /etc/nethserver-release", Exits: []int{releaseAbsent},
			Reads: "the release line (exit 3: there is no such file)",
			Parse: func(out string, _ int, f *Facts) { f.Release, f.ReleaseLine = ParseRelease(out) }},
		{ID: CmdHostname, Argv: []string{"hostname", "-f"}, Reads: "NS7's FQDN", Expect: nonEmpty,
			Parse: func(out string, _ int, f *Facts) { f.Hostname = clip(strings.TrimSpace(out), 253) }},
		{ID: CmdKernel, Argv: []string{"uname", "-r"}, Reads: "the running kernel", Expect: nonEmpty,
			Parse: func(out string, _ int, f *Facts) { f.Kernel = clip(strings.TrimSpace(out), 100) }},
		{ID: CmdKernels, Argv: []string{"rpm", "-q", "--qf", `%{VERSION}-%{RELEASE}.%{ARCH}\n`, "kernel"}, Reads: "the installed kernels", Expect: nonEmpty,
			Parse: func(out string, _ int, f *Facts) { f.Kernels = ParseLines(out) }},
		{ID: CmdPackages, Argv: append([]string{"rpm", "-q", "--qf", `%{NAME} %{VERSION}-%{RELEASE}\n`}, Packages...), Reads: "the installed versions",
			AnyExit: true, Expect: nonEmpty, Parse: func(out string, _ int, f *Facts) { f.Packages, _ = ParseRPMQuery(out) }},
		{ID: CmdServices, Argv: append([]string{"systemctl", "is-active"}, Units...), Reads: "the states of units",
			AnyExit: true, Expect: oneLinePer(Units), Parse: func(out string, _ int, f *Facts) { f.Services = ParseIsActive(out, Units) }},
		{ID: CmdListen, Argv: []string{"ss", "-ltn"}, Reads: "listening TCP sockets (Cockpit 9090, LDAPS 636)", Expect: nonEmpty,
			Parse: func(out string, _ int, f *Facts) {
				f.Cockpit9090, f.LDAPS636 = ParseListening(out, 9090), ParseListening(out, 636)
			}},
		// NethServer::Password::store, which account-provider-test calls for
		// the local OpenLDAP's bind password, writes a new random secret when
		// /var/lib/nethserver/secrets/ldapservice is missing (nethserver-lib
		// Password.pm): the dump is then not run, so the probe never writes.
		{ID: CmdProvider, Shell: "[ -e /etc/e-smith/db/configuration/defaults/slapd/type ] && [ -x /var/lib/nethserver/secrets ] && " +
			"[ ! -e /var/lib/nethserver/secrets/ldapservice ] && { echo 'not run: NS7 has no /var/lib/nethserver/secrets/ldapservice, " +
			"and account-provider-test dump would write a new one' >&2; exit 4; }; exec /usr/sbin/account-provider-test dump",
			Root:   "it reads the configuration database and the provider's secrets",
			Reads:  "the account provider's settings (isAD, isLdap, BaseDN, LdapURI, BindDN, whether a bind password is set; BindPassword dropped); not run when the local OpenLDAP's ldapservice secret is missing, which the dump would create",
			Expect: providerJSON, Parse: func(out string, _ int, f *Facts) {
				if p, err := ParseProviderDump(out); err == nil {
					f.Provider = &p
				}
			}},
	}
}

// fixedCommands are the commands every probe runs, in the order NS7 runs
// them (the plan's host commands and the slow ones follow, see Commands).
func fixedCommands() []Command {
	cmds := systemCommands()
	for _, k := range ConfigKeys {
		cmds = append(cmds, Command{ID: CmdConfig + k, Argv: []string{"/sbin/e-smith/config", "printjson", k}, Reads: configReads[k], Expect: configJSON(k),
			Parse: func(out string, _ int, f *Facts) {
				if rec, err := ParseConfigJSON(k, out); err == nil && rec != nil {
					f.Config[k] = rec
				}
			}})
	}
	cmds = append(cmds,
		Command{ID: CmdTimeZone, Argv: []string{"/sbin/e-smith/config", "get", "TimeZone"}, Reads: "the time zone",
			Parse: func(out string, _ int, f *Facts) { f.TimeZone = clip(strings.TrimSpace(out), 100) }},
		Command{ID: CmdDomainName, Argv: []string{"/sbin/e-smith/config", "get", "DomainName"}, Reads: "the proposed LDAP domain name",
			Parse: func(out string, _ int, f *Facts) { f.DomainName = clip(strings.TrimSpace(out), 253) }})
	cmds = append(cmds, spaceCommands()...)
	cmds = append(cmds, joinCommands()...)
	return append(cmds,
		Command{ID: CmdDBSizes, Argv: mysql(sqlSizes), Reads: "the database sizes", Expect: sizeRows, Parse: parseDBSizes},
		Command{ID: CmdPhones, Argv: mysql(sqlDevices), Reads: "the physical devices (MAC, vendor, model, extension; no secret)",
			Parse: func(out string, _ int, f *Facts) { f.Devices, f.DevicesCut = ParseDevices(out) }},
		Command{ID: CmdGateways, Argv: mysql(sqlGatewayInventory), Reads: "the gateways (their addresses, MAC, and ports with the trunk or extension each is bound to; no secret)",
			Parse: func(out string, _ int, f *Facts) { f.Gateways = ParseGateways(out) }},
		Command{ID: CmdTrunks, Argv: mysql(sqlTrunkInventory), Reads: "the trunks (SIP server, outbound proxy, pjsip trunk_name)",
			Parse: func(out string, _ int, f *Facts) { f.Trunks = ParseTrunks(out) }},
		Command{ID: CmdSIPNAT, Argv: mysql(sqlSIPNAT), Reads: "FreePBX's NAT settings (external IP and host, local networks)",
			Parse: func(out string, _ int, f *Facts) { f.NAT = ParseNAT(out) }},
		// Only the hostname of the [data] section: the file holds passwords.
		// Exit 3, nothing printed: no Tancredi (the old provisioning engine),
		// so phones fall back to PublicHost or NS7's FQDN; not a failure.
		Command{ID: CmdTancredi, Shell: "[ -e " + TancrediDefaults + " ] || exit 3; exec " + shellescape.QuoteCommand([]string{"awk", "-F=", awkTancrediHost, TancrediDefaults}),
			Exits: []int{noTancredi}, Reads: "Tancredi's provisioning host name ([data] hostname of defaults.ini; exit 3: no such file)",
			Parse: func(out string, _ int, f *Facts) { f.TancrediHost = ParseINIValue(out) }},
		Command{ID: CmdExtensions, Argv: mysql(sqlExtensions), Reads: "extension numbers and names", Parse: func(out string, _ int, f *Facts) {
			for _, row := range ParseTSV(out, Columns[CmdExtensions]) {
				f.Extensions = append(f.Extensions, Extension{Number: row[0], Name: row[1]})
			}
		}},
		Command{ID: CmdLegacy, Argv: mysql(sqlLegacy), Reads: "phones of the old engine",
			Parse: func(out string, _ int, f *Facts) { f.LegacyPhones, _ = ParseInt(out) }},
		Command{ID: CmdCustomConf, Argv: []string{"find", "/etc/asterisk", "-maxdepth", "1", "-type", "f", "-name", "*_custom.conf", "-size", "+0", "-printf", `%s %p\n`},
			Reads: "non-empty custom Asterisk files", Expect: fileLines, Parse: func(out string, _ int, f *Facts) { f.CustomConf = ParseFiles(out) }},
		// AGI scripts no package owns are the site's own. find's own
		// failure is the command's (a pipe would hide it).
		Command{ID: CmdCustomAGI, Group: GroupAGI, Shell: `l=$(find /var/lib/asterisk/agi-bin -maxdepth 1 -type f -printf '%s %p\n') || exit; printf '%s\n' "$l" | while read -r s p; do [ -n "$p" ] || continue; rpm -qf -- "$p" >/dev/null 2>&1 || printf '%s %s\n' "$s" "$p"; done`, Slow: true,
			Reads: "AGI scripts no package owns", Expect: fileLines, Parse: func(out string, _ int, f *Facts) { f.CustomAGI = ParseFiles(out) }},
		Command{ID: CmdCards, Argv: append([]string{"find", "/var/lib/nethserver/nethcti/templates/customer_card", "-maxdepth", "1", "-type", "f"},
			append(notNames(stockCards), "-printf", `%s %p\n`)...),
			Reads: "customer cards other than the stock ones", Expect: fileLines, Parse: func(out string, _ int, f *Facts) { f.CustomerCards = ParseFiles(out) }},
		Command{ID: CmdClock, Argv: []string{"date", "+%s"}, Reads: "NS7's clock", Expect: anInteger,
			Parse: func(out string, _ int, f *Facts) { f.Clock, _ = ParseInt(out) }},
		// Exit 3: no interface ns8 (not joined, or the tunnel is down), an
		// answer; wg's own failures are not.
		Command{ID: CmdWG, Shell: "[ -e /sys/class/net/ns8 ] || exit 3; exec wg show ns8 latest-handshakes", Exits: []int{noInterface},
			Root: rootPrograms["wg"], Expect: handshakes, Reads: "WireGuard handshake times (exit 3: no interface ns8)",
			Parse: func(out string, _ int, f *Facts) { f.Handshakes = ParseHandshakes(out) }},
	)
}

// joinCommands read what Connect and Finish need on NS7 besides NethVoice:
// the secret files they read (existence only: test(1) never opens them),
// and NS7's own networks, which the cluster VPN network must not overlap.
func joinCommands() []Command {
	return []Command{
		{ID: CmdSecrets, Shell: secretsScript, Expect: everySecret, Reads: "whether the secret files Connect and Finish read exist (test -e/-s: never read)",
			Parse: func(out string, _ int, f *Facts) { f.Secrets = ParseSecretStates(out) }},
		{ID: CmdAddresses, Argv: []string{"ip", "-o", "-4", "addr", "show"}, Expect: someAddress, Reads: "NS7's IPv4 addresses and their networks",
			Parse: func(out string, _ int, f *Facts) { f.Addresses = ParseIPAddr(out) }},
		{ID: CmdRoutes, Argv: []string{"ip", "-4", "route", "show"}, Reads: "NS7's IPv4 routes (main table)",
			Parse: func(out string, _ int, f *Facts) { f.Routes = ParseIPRoute(out) }},
	}
}

// SecretFiles are the secret files the migration tool reads on NS7: the
// local OpenLDAP's bind password (account-provider-test dump, at Connect:
// nethserver-sssd NethServer/SSSD.pm bindPassword) and the phonebook
// database password (Finish: nethserver-ns8-migration
// apps/nethserver-nethvoice14/migrate, under set -e).
var SecretFiles = []string{LDAPServiceSecret, PhonebookSecret}

// Paths of SecretFiles.
const (
	LDAPServiceSecret = "/var/lib/nethserver/secrets/ldapservice"
	PhonebookSecret   = "/var/lib/nethserver/secrets/PhonebookDBPasswd"
)

// States of a secret file (ParseSecretStates).
const (
	SecretPresent = "present" // exists, not empty
	SecretEmpty   = "empty"   // exists, 0 bytes
	SecretMissing = "missing" // its directory can be searched, and it is not there
	SecretUnknown = "unknown" // its directory cannot be searched by the probe's user
)

// secretsScript prints "<state> <path>" per secret file; test(1) stats the
// file, never opens it.
var secretsScript = `for p in ` + strings.Join(SecretFiles, " ") + `; do if [ -e "$p" ]; then if [ -s "$p" ]; then s=present; else s=empty; fi; ` +
	`elif [ -x "${p%/*}" ]; then s=missing; else s=unknown; fi; printf '%s %s\n' "$s" "$p"; done`

// spaceCommands read the free and used space of filesystems: statfs(2)
// only, instant whatever the size of the trees.
func spaceCommands() []Command {
	return []Command{
		{ID: CmdDumpSpace, Argv: []string{"df", "-PB1", DumpDir}, Reads: "free bytes where Finish writes the dumps", Expect: dfLine,
			Parse: func(out string, _ int, f *Facts) {
				if d, err := ParseDF(out); err == nil {
					f.DumpSpace = &d
				}
			}},
		// Its used bytes bound what a measurement cut short did not reach.
		{ID: CmdDataFS, Shell: "df -B1 --output=used,target,file " + strings.Join(append(dataGlobs(), MySQLDir), " ") + " 2>/dev/null; true",
			AnyExit: true, Reads: "the filesystem of each data path and its used bytes", Parse: func(out string, _ int, f *Facts) { f.Data.Filesystems = ParseDFPaths(out) }},
	}
}

// withShapes gives the database answers their shape checks: every query
// answers rows of its column count (Columns) or of one count, the phone
// count of the old engine one integer.
func withShapes(cmds []Command) []Command {
	for i, c := range cmds {
		switch {
		case c.Expect != nil:
		case c.ID == CmdLegacy:
			cmds[i].Expect = anInteger
		case len(c.Argv) > 0 && c.Argv[0] == "mysql" && Columns[c.ID] > 0:
			cmds[i].Expect = columns(Columns[c.ID])
		case len(c.Argv) > 0 && c.Argv[0] == "mysql":
			cmds[i].Expect = sameColumns
		}
	}
	return cmds
}

// configReads says what each configuration key's record gives.
var configReads = map[string]string{
	"sssd":             "the account provider's record (Provider, LdapURI, Realm, BaseDN; BindPassword dropped)",
	"nsdc":             "the local Samba DC's record (IpAddress, status)",
	"slapd":            "the local OpenLDAP's record (status)",
	"nethvoice":        "ProvisioningEngine, LegacyMode, BrandName, PublicHost",
	"nethvoice-report": "the international prefix (international_prefix)",
	"ns8":              "the migration tool's record (Host, User, LeaderIpAddress, TLSVerify; Password dropped)",
	"wg-quick@ns8":     "the migration tool's VPN record (Address, RemoteEndpoint, RemoteNetwork, status)",
}

func parseDBSizes(out string, _ int, f *Facts) {
	for _, row := range ParseTSV(out, 2) {
		if n, err := strconv.ParseInt(row[1], 10, 64); err == nil && n >= 0 {
			f.Data.Databases[row[0]] = n
			f.Data.DatabaseBytes += n
		}
	}
}

func parseDataSize(out string, _ int, f *Facts) {
	paths := ParseDU(out)
	f.Paths = append(f.Paths, paths...)
	for _, p := range paths {
		f.Data.Categories[categoryOf(p.Path)] += p.Bytes
	}
}

func parseRecordings(out string, _ int, f *Facts) {
	r := ParseDUTree(out, RecordingsDir)
	if r.Complete {
		f.Data.Categories["recordings"] = r.Total
		f.Paths = append([]PathSize{{Path: RecordingsDir, Bytes: r.Total}}, f.Paths...)
		return
	}
	f.Data.Partial = map[string]int64{"recordings": r.Total}
}

// Commands returns the command set of a plan, in the order NS7 runs them.
func (p Plan) Commands() []Command {
	cmds := withShapes(fixedCommands())
	if p.LeaderHost != "" {
		cmds = append(cmds,
			Command{ID: CmdLeaderDNS, Argv: []string{"getent", "ahostsv4", p.LeaderHost}, Reads: "the addresses NS7 resolves (exit 2: none)",
				Exits: []int{2}, Parse: func(out string, _ int, f *Facts) { f.LeaderAddrs = ParseGetent(out) }},
			// bash's /dev/tcp: a TCP connect and nothing sent. The host is an
			// argument of a constant script, never part of the script.
			Command{ID: CmdLeaderTCP, Argv: []string{"bash", "-c", `exec 3<>"/dev/tcp/$1/$2"`, "leader-https", p.LeaderHost, "443"},
				Exits: []int{1}, Reads: "whether a TCP connection opens (nothing is sent; exit 1: it does not)"})
	}
	for i, name := range p.FQDNs {
		cmds = append(cmds, Command{ID: CmdFQDN + strconv.Itoa(i), Argv: []string{"getent", "ahostsv4", name}, Reads: "NS7's answer for each FQDN",
			AnyExit: true, Parse: func(out string, _ int, f *Facts) {
				f.FQDNs = append(f.FQDNs, FQDNAnswer{Name: name, Addresses: nonNil(ParseGetent(out))})
			}})
	}
	cmds = append(cmds,
		Command{ID: CmdUpdates, Argv: []string{"yum", "-q", "check-update"}, Slow: true, Group: GroupUpdates, Reads: "pending updates (exit 100)",
			Exits: []int{100}, Expect: yumAnswer, Parse: func(out string, exit int, f *Facts) {
				if u, err := ParseYumCheckUpdate(out, exit); err == nil {
					f.Updates = &u
				}
			}})
	if p.SkipFiles {
		return cmds
	}
	// The recordings by subdirectory (two levels: year, month), each line
	// printed as soon as that directory is done: a measurement cut by the
	// data budget still tells how much it had counted.
	return append(cmds,
		Command{ID: CmdRecordings, Shell: "du -b --max-depth=2 " + RecordingsDir + " 2>/dev/null; true", Data: true, Partial: true, Group: GroupRecordings, Root: unreadable,
			Reads: "bytes of the call recordings, by year and month as each is done", Parse: parseRecordings},
		Command{ID: CmdDataSize, Shell: "du -sb " + strings.Join(dataGlobs()[1:], " ") + " 2>/dev/null; true", Data: true, Partial: true, Group: GroupData, Root: unreadable,
			Reads: "bytes of the other data the migration copies", Parse: parseDataSize},
	)
}

// unreadable: du hides the directories it cannot enter (2>/dev/null), so
// another user's total would be a silent undercount.
const unreadable = "another user's du would miss what it cannot enter, and say nothing"

// dataGlobs are the globs of DataPaths, the recordings first.
func dataGlobs() []string {
	var globs []string
	for _, d := range DataPaths {
		globs = append(globs, d.Glob)
	}
	return globs
}

func notNames(names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, "!", "-name", n)
	}
	return out
}

// Nonce returns the random marker of one probe: command output cannot
// forge a frame boundary it does not know.
func Nonce() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	return "NVPF" + hex.EncodeToString(b)
}

// Script builds the script of one session: every command under `timeout`, stdin from
// /dev/null, framed on stdout by begin/end markers with its exit code and
// on stderr by the same begin marker, so that both streams can be split per
// command. The script only reads: it runs no command that writes.
func Script(cmds []Command, nonce string, perCommand, dataBudget time.Duration) string {
	var b strings.Builder
	b.WriteString("export LC_ALL=C\n")
	for _, c := range cmds {
		secs := int(perCommand / time.Second)
		if secs < 1 {
			secs = 1
		}
		if c.Slow {
			secs *= SlowFactor
		}
		if c.Data {
			secs = max(1, int(dataBudget/time.Second))
		}
		var line string
		if c.Shell != "" {
			line = shellescape.QuoteCommand([]string{"sh", "-c", c.Shell})
		} else {
			line = shellescape.QuoteCommand(c.Argv)
		}
		fmt.Fprintf(&b, "printf '\\n%s begin %s\\n'; printf '%s begin %s\\n' >&2\n", nonce, c.ID, nonce, c.ID)
		fmt.Fprintf(&b, "timeout -k 2 %d %s </dev/null\n", secs, line)
		fmt.Fprintf(&b, "printf '\\n%s end %s %%d\\n' $?\n", nonce, c.ID)
	}
	return b.String()
}
