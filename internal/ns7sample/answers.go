package ns7sample

import (
	"encoding/json"
	"fmt"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"net/netip"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
)

// Answer is what one command gives on NS7: its two streams and its exit
// code, in NS7's formats (reference/nethvoice-migration.md §2).
type Answer struct {
	Stdout, Stderr string
	Exit           int
}

// answerer answers one command of the batch from a variant; argv is the
// command as the batch runs it (after timeout(1) and its options).
type answerer func(v Variant, argv []string, now time.Time) Answer

// answers are the command ids of ns7.Plan.Commands with how NS7 answers
// them; a test keeps the two tables in step.
var answers = map[string]answerer{
	ns7.CmdRelease: func(v Variant, _ []string, _ time.Time) Answer {
		if v.Release == "" {
			return Answer{Exit: 3} // the probe's snippet: no such file
		}
		return Answer{Stdout: v.Release + "\n"}
	},
	ns7.CmdHostname: func(v Variant, _ []string, _ time.Time) Answer { return Answer{Stdout: v.Hostname + "\n"} },
	ns7.CmdKernel:   func(v Variant, _ []string, _ time.Time) Answer { return Answer{Stdout: v.Kernel + "\n"} },
	ns7.CmdKernels:  func(v Variant, argv []string, _ time.Time) Answer { return v.RPMQuery(argsAfter(argv, "--qf")) },
	ns7.CmdPackages: func(v Variant, argv []string, _ time.Time) Answer { return v.RPMQuery(argsAfter(argv, "--qf")) },
	ns7.CmdServices: func(v Variant, argv []string, _ time.Time) Answer { return v.IsActive(argsAfter(argv, "is-active")) },
	ns7.CmdListen:   func(v Variant, _ []string, _ time.Time) Answer { return Answer{Stdout: v.SSOutput()} },
	ns7.CmdProvider: func(v Variant, _ []string, _ time.Time) Answer {
		if v.Provider == nil {
			return Answer{Stderr: "account-provider-test: no provider\n", Exit: 1}
		}
		return Answer{Stdout: v.ProviderJSON()}
	},
	ns7.CmdTimeZone:   configGet,
	ns7.CmdDomainName: configGet,
	ns7.CmdDumpSpace:  func(v Variant, _ []string, _ time.Time) Answer { return Answer{Stdout: v.DF()} },
	ns7.CmdDBSizes:    sql("sizes"),
	ns7.CmdPhones:     inventory((*Asterisk).AnswerDevices),
	ns7.CmdGateways:   inventory((*Asterisk).AnswerGateways),
	ns7.CmdTrunks:     inventory((*Asterisk).AnswerTrunks),
	ns7.CmdSIPNAT:     inventory(func(a *Asterisk) string { return a.AnswerNAT(ns7.NATKeys, ns7.NATKeywords) }),
	ns7.CmdTancredi:   func(v Variant, _ []string, _ time.Time) Answer { return v.TancrediHost() },
	ns7.CmdExtensions: sql("extensions"),
	ns7.CmdLegacy:     sql("legacy"),
	ns7.CmdCustomConf: func(v Variant, _ []string, _ time.Time) Answer {
		return Answer{Stdout: v.findFiles("/etc/asterisk", func(p string, size int64) bool {
			return strings.HasSuffix(p, "_custom.conf") && size > 0
		})}
	},
	ns7.CmdCustomAGI: func(v Variant, _ []string, _ time.Time) Answer {
		owned := map[string]bool{}
		for _, o := range v.Owned {
			owned[o] = true
		}
		return Answer{Stdout: v.findFiles("/var/lib/asterisk/agi-bin", func(p string, _ int64) bool { return !owned[p] })}
	},
	ns7.CmdCards: func(v Variant, argv []string, _ time.Time) Answer {
		stock := map[string]bool{}
		for i := 0; i+2 < len(argv); i++ {
			if argv[i] == "!" && argv[i+1] == "-name" {
				stock[argv[i+2]] = true
			}
		}
		return Answer{Stdout: v.findFiles("/var/lib/nethserver/nethcti/templates/customer_card", func(p string, _ int64) bool {
			return !stock[path.Base(p)]
		})}
	},
	ns7.CmdClock: func(_ Variant, _ []string, now time.Time) Answer {
		return Answer{Stdout: strconv.FormatInt(now.Unix(), 10) + "\n"}
	},
	ns7.CmdWG:        func(v Variant, _ []string, now time.Time) Answer { return v.Handshakes(now) },
	ns7.CmdLeaderDNS: func(v Variant, argv []string, _ time.Time) Answer { return v.Getent(last(argv)) },
	ns7.CmdLeaderTCP: func(v Variant, argv []string, _ time.Time) Answer {
		// bash -c 'exec 3<>"/dev/tcp/$1/$2"' leader-https <host> 443
		host, port := nth(argv, len(argv)-2), last(argv)
		if _, ok := v.Hosts[host]; ok {
			return Answer{}
		}
		return Answer{Stderr: "bash: " + host + ": Name or service not known\nbash: /dev/tcp/" + host + "/" + port + ": Invalid argument\n", Exit: 1}
	},
	ns7.CmdUpdates:    func(v Variant, _ []string, _ time.Time) Answer { return Answer{Stdout: v.YumOut, Exit: v.YumExit} },
	ns7.CmdDataSize:   func(v Variant, _ []string, _ time.Time) Answer { return Answer{Stdout: v.DU()} },
	ns7.CmdRecordings: func(v Variant, _ []string, _ time.Time) Answer { return Answer{Stdout: v.DUTree(ns7.RecordingsDir, 2)} },
	ns7.CmdDataFS:     func(v Variant, _ []string, _ time.Time) Answer { return v.DFPaths() },
	ns7.CmdSecrets:    func(v Variant, _ []string, _ time.Time) Answer { return v.SecretStates() },
	ns7.CmdAddresses:  func(v Variant, _ []string, _ time.Time) Answer { return Answer{Stdout: v.IPAddr} },
	ns7.CmdRoutes:     func(v Variant, _ []string, _ time.Time) Answer { return Answer{Stdout: v.IPRoute} },
}

// SecretStates answers the probe's secret-files snippet from the files the
// variant has (NS7's secrets directory is always there, searchable by root).
func (v Variant) SecretStates() Answer {
	var b strings.Builder
	for _, p := range ns7.SecretFiles {
		c, ok := v.Files[p]
		switch {
		case !ok:
			b.WriteString(ns7.SecretMissing)
		case c == "":
			b.WriteString(ns7.SecretEmpty)
		default:
			b.WriteString(ns7.SecretPresent)
		}
		b.WriteString(" " + p + "\n")
	}
	return Answer{Stdout: b.String()}
}

// Answer answers one command of the probe's batch, by its id (ns7's
// command table) and its argument vector, at the time now (NS7's clock and
// handshake ages). An unknown id answers as bash does to an unknown command.
func (v Variant) Answer(id string, argv []string, now time.Time) Answer {
	if a, ok := v.broken(id, argv); ok {
		return a
	}
	switch {
	case strings.HasPrefix(id, ns7.CmdConfig):
		return v.ConfigPrintJSON(strings.TrimPrefix(id, ns7.CmdConfig))
	case strings.HasPrefix(id, ns7.CmdFQDN):
		return v.Getent(last(argv))
	}
	if a, ok := answers[id]; ok {
		return a(v, argv, now)
	}
	return Answer{Stderr: "bash: " + first(argv) + ": command not found\n", Exit: 127}
}

// broken answers a command whose program the variant leaves out or makes
// not executable, as timeout(1) does.
func (v Variant) broken(id string, argv []string) (Answer, bool) {
	prog := path.Base(first(argv))
	if id == ns7.CmdProvider {
		prog = "account-provider-test"
	}
	for _, m := range v.Missing {
		if m == prog {
			return Answer{Stderr: "timeout: failed to run command '" + first(argv) + "': No such file or directory\n", Exit: 127}, true
		}
	}
	for _, r := range v.Refused {
		if r == prog {
			return Answer{Stderr: "timeout: failed to run command '" + first(argv) + "': Permission denied\n", Exit: 126}, true
		}
	}
	return Answer{}, false
}

func configGet(v Variant, argv []string, _ time.Time) Answer {
	if val, ok := v.ConfigGet[last(argv)]; ok {
		return Answer{Stdout: val + "\n"}
	}
	return Answer{}
}

func sql(table string) answerer {
	return func(v Variant, _ []string, _ time.Time) Answer {
		out, ok := v.SQL[table]
		if !ok {
			return accessDenied
		}
		return Answer{Stdout: out}
	}
}

// accessDenied is MariaDB's answer to a user it refuses.
var accessDenied = Answer{Stderr: "ERROR 1045 (28000): Access denied for user 'root'@'localhost' (using password: YES)\n", Exit: 1}

// inventory answers an inventory query from the variant's rows (no
// database: MariaDB refuses, as without /root/.my.cnf).
func inventory(answer func(*Asterisk) string) answerer {
	return func(v Variant, _ []string, _ time.Time) Answer {
		if v.DB == nil {
			return accessDenied
		}
		return Answer{Stdout: answer(v.DB)}
	}
}

// TancrediHost answers the probe's awk over Tancredi's defaults.ini (exit
// 3 when there is no such file): the
// value after "=" of hostname in the [data] section, as awk prints it.
func (v Variant) TancrediHost() Answer {
	ini, ok := v.Files[ns7.TancrediDefaults]
	if !ok {
		return Answer{Exit: 3} // the probe's test -e: no such file
	}
	var a Answer
	section := ""
	for _, line := range strings.Split(ini, "\n") {
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if ok && section == "[data]" && strings.Trim(key, " \t") == "hostname" {
			a.Stdout += val + "\n"
		}
	}
	return a
}

// SQLAnswers are the answers of every mysql query of the probe by the
// name of what it reads (the stub world's fixture files): the variant's
// SQL, and the inventory from its rows.
func (v Variant) SQLAnswers() map[string]string {
	out := map[string]string{}
	for k, val := range v.SQL {
		out[k] = val
	}
	if v.DB != nil {
		out["phones"] = v.DB.AnswerDevices()
		out["gateways"] = v.DB.AnswerGateways()
		out["trunks"] = v.DB.AnswerTrunks()
		out["nat"] = v.DB.AnswerNAT(ns7.NATKeys, ns7.NATKeywords)
	}
	return out
}

// argsAfter returns the arguments after flag and its value ("--qf FMT") or
// after a verb ("is-active").
func argsAfter(argv []string, flag string) []string {
	for i, a := range argv {
		if a != flag {
			continue
		}
		if strings.HasPrefix(flag, "-") {
			i++
		}
		if i+1 <= len(argv) {
			return argv[i+1:]
		}
	}
	return nil
}

func first(a []string) string { return nth(a, 0) }
func last(a []string) string  { return nth(a, len(a)-1) }

func nth(a []string, i int) string {
	if i < 0 || i >= len(a) {
		return ""
	}
	return a[i]
}

// RPMQuery answers rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\n' names...
// (kernel answers the installed kernels); the exit code is the number of
// names not installed, as rpm's.
func (v Variant) RPMQuery(names []string) Answer {
	var a Answer
	var b strings.Builder
	for _, n := range names {
		switch ver, ok := v.Packages[n]; {
		case n == "kernel":
			for _, k := range v.Kernels {
				b.WriteString(k + "\n")
			}
		case ok:
			b.WriteString(n + " " + ver + "\n")
		default:
			b.WriteString("package " + n + " is not installed\n")
			a.Exit++
		}
	}
	a.Stdout = b.String()
	return a
}

// PackageLines are the installed packages, "name version-release" per
// line, by name.
func (v Variant) PackageLines() string {
	var b strings.Builder
	for _, n := range check.SortedKeys(v.Packages) {
		b.WriteString(n + " " + v.Packages[n] + "\n")
	}
	return b.String()
}

// IsActive answers systemctl is-active units... (exit 3 when one is not
// active).
func (v Variant) IsActive(units []string) Answer {
	var a Answer
	for _, u := range units {
		s := v.Services[u]
		if s == "" {
			s = "inactive"
		}
		a.Stdout += s + "\n"
		if s != "active" {
			a.Exit = 3
		}
	}
	return a
}

// ServiceLines are the units' states, "unit state" per line, by unit.
func (v Variant) ServiceLines() string {
	var b strings.Builder
	for _, u := range check.SortedKeys(v.Services) {
		b.WriteString(u + " " + v.Services[u] + "\n")
	}
	return b.String()
}

// SSOutput answers ss -ltn: CentOS 7's iproute header and one LISTEN line
// per port.
func (v Variant) SSOutput() string {
	var b strings.Builder
	b.WriteString("State      Recv-Q Send-Q Local Address:Port               Peer Address:Port\n")
	for _, p := range v.Listen {
		fmt.Fprintf(&b, "LISTEN     0      128          *:%d                            *:*\n", p)
	}
	return b.String()
}

// ProviderJSON answers account-provider-test dump (one JSON object).
func (v Variant) ProviderJSON() string {
	b, _ := json.Marshal(v.Provider)
	return string(b) + "\n"
}

// ConfigPrintJSON answers /sbin/e-smith/config printjson key: the record,
// or nothing (and exit 0) for a key that does not exist.
func (v Variant) ConfigPrintJSON(key string) Answer {
	r, ok := v.Config[key]
	if !ok {
		return Answer{}
	}
	b, _ := json.Marshal(r)
	return Answer{Stdout: string(b) + "\n"}
}

// DF answers df -PB1 /var/lib/asterisk.
func (v Variant) DF() string {
	d := v.DumpDisk
	pct := 0
	if d.Size > 0 {
		pct = int((d.Used*100 + d.Size - 1) / d.Size)
	}
	return "Filesystem              1-blocks        Used   Available Capacity Mounted on\n" +
		fmt.Sprintf("%s %d %d %d %d%% %s\n", d.Device, d.Size, d.Used, d.Size-d.Used, pct, d.Mount)
}

// Getent answers getent ahostsv4 name from the variant's hosts (exit 2,
// nothing printed, for a name it does not know).
func (v Variant) Getent(name string) Answer {
	ip, ok := v.Hosts[name]
	if a, err := netip.ParseAddr(name); err == nil && a.Is4() {
		ip, ok = a.String(), true // glibc answers an IPv4 literal with itself
	}
	if !ok {
		return Answer{Exit: 2}
	}
	return Answer{Stdout: fmt.Sprintf("%-15s STREAM %s\n%-15s DGRAM  \n%-15s RAW    \n", ip, name, ip, ip)}
}

// Handshakes answers wg show ns8 latest-handshakes at now (WG holds ages).
func (v Variant) Handshakes(now time.Time) Answer {
	if v.WG == "" {
		return Answer{Exit: 3} // the probe's snippet: no interface ns8
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(v.WG), "\n") {
		peer, age, _ := strings.Cut(strings.TrimSpace(line), " ")
		ts := int64(0)
		if n, err := strconv.ParseInt(age, 10, 64); err == nil {
			ts = now.Unix() - n
		}
		fmt.Fprintf(&b, "%s\t%d\n", peer, ts)
	}
	return Answer{Stdout: b.String()}
}

// sizes are the variant's files with their apparent sizes (Files, Sparse,
// and the Many directories' files of 4 bytes each).
func (v Variant) sizes() map[string]int64 {
	out := map[string]int64{}
	for p, c := range v.Files {
		out[p] = int64(len(c))
	}
	for p, n := range v.Sparse {
		out[p] = n
	}
	for dir, n := range v.Many {
		for i := 0; i < n; i++ {
			out[fmt.Sprintf("%s/%03d/rec-%06d.wav", dir, i/1000, i)] = 4
		}
	}
	return out
}

// findFiles answers find dir -maxdepth 1 -type f ... -printf '%s %p\n' for
// the files of dir that keep passes.
func (v Variant) findFiles(dir string, keep func(path string, size int64) bool) string {
	sizes := v.sizes()
	var b strings.Builder
	for _, p := range check.SortedKeys(sizes) {
		if path.Dir(p) == dir && keep(p, sizes[p]) {
			fmt.Fprintf(&b, "%d %s\n", sizes[p], p)
		}
	}
	return b.String()
}

// dirs are the directories that hold the variant's files.
func (v Variant) dirs(sizes map[string]int64) map[string]bool {
	dirs := map[string]bool{}
	for p := range sizes {
		for d := path.Dir(p); d != "/" && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	return dirs
}

// under is the apparent size of the files under dir.
func under(sizes map[string]int64, dir string) int64 {
	var total int64
	for p, n := range sizes {
		if strings.HasPrefix(p, dir+"/") {
			total += n
		}
	}
	return total
}

// DU answers the probe's du -sb over ns7.DataPaths but the recordings
// (measured on their own, DUTree): the apparent size of the files under
// each existing match of each glob (directories counted as 0 bytes: the
// real du adds their own size, a few KiB each).
func (v Variant) DU() string {
	sizes := v.sizes()
	dirs := v.dirs(sizes)
	var b strings.Builder
	for _, dp := range ns7.DataPaths {
		if dp.Glob == ns7.RecordingsDir {
			continue
		}
		for _, d := range check.SortedKeys(dirs) {
			if ok, _ := path.Match(dp.Glob, d); ok {
				fmt.Fprintf(&b, "%d\t%s\n", under(sizes, d), d)
			}
		}
	}
	return b.String()
}

// DUTree answers du -b --max-depth=depth root as du prints it: each
// directory down to depth after its subdirectories, root last; nothing
// when root does not exist.
func (v Variant) DUTree(root string, depth int) string {
	sizes := v.sizes()
	dirs := v.dirs(sizes)
	if !dirs[root] {
		return ""
	}
	var b strings.Builder
	var walk func(d string, level int)
	walk = func(d string, level int) {
		for _, c := range check.SortedKeys(dirs) {
			if path.Dir(c) == d {
				walk(c, level+1)
			}
		}
		if level <= depth {
			fmt.Fprintf(&b, "%d\t%s\n", under(sizes, d), d)
		}
	}
	walk(root, 0)
	return b.String()
}

// DFPaths answers df -B1 --output=used,target,file over the data paths
// and the MariaDB directory: one filesystem, /, holding every file; a
// path that does not exist is an error on stderr (the probe's "; true"
// makes the exit 0, as on NS7).
func (v Variant) DFPaths() Answer {
	sizes := v.sizes()
	dirs := v.dirs(sizes)
	var used int64
	for _, n := range sizes {
		used += n
	}
	used += 2 << 30 // the system itself
	a := Answer{Stdout: "         Used Mounted on File\n"}
	globs := []string{}
	for _, dp := range ns7.DataPaths {
		globs = append(globs, dp.Glob)
	}
	for _, g := range append(globs, ns7.MySQLDir) {
		matched := false
		for _, d := range check.SortedKeys(dirs) {
			if ok, _ := path.Match(g, d); ok {
				matched = true
				a.Stdout += fmt.Sprintf("%13d %-10s %s\n", used, "/", d)
			}
		}
		if !matched {
			a.Stderr += "df: " + g + ": No such file or directory\n"
		}
	}
	return a
}
