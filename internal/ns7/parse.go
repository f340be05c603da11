package ns7

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Parsers of NS7's answers, one per output format (reference §2). Each is
// pure, total (any input gives a value or an error, never a panic: fuzz
// tests hold them to it) and keeps only what the checks need.

var releaseRe = regexp.MustCompile(`(?i)release\s+([0-9][0-9A-Za-z._-]*)`)

// ParseRelease reads /etc/nethserver-release ("NethServer release 7.9.2009
// (final)") and returns the version and the first line.
func ParseRelease(out string) (version, line string) {
	line = strings.TrimSpace(firstLine(out))
	if m := releaseRe.FindStringSubmatch(line); m != nil {
		version = m[1]
	}
	return version, clip(line, 200)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// clip bounds a string taken from NS7 before it goes into a report.
func clip(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > n {
		s = s[:n]
		for len(s) > 0 && !utf8Start(s[len(s)-1]) {
			s = s[:len(s)-1]
		}
	}
	return strings.ToValidUTF8(s, "?")
}

func utf8Start(b byte) bool { return b < 0x80 || b >= 0xC0 }

var notInstalledRe = regexp.MustCompile(`^package (\S+) is not installed$`)

// ParseRPMQuery reads `rpm -q --qf '%{NAME} %{VERSION}-%{RELEASE}\n' names...`:
// installed packages by name, and the names rpm says are not installed.
func ParseRPMQuery(out string) (installed map[string]string, missing []string) {
	installed = map[string]string{}
	for _, line := range lines(out) {
		if m := notInstalledRe.FindStringSubmatch(line); m != nil {
			missing = append(missing, clip(m[1], 100))
			continue
		}
		f := strings.Fields(line)
		if len(f) == 2 {
			installed[clip(f[0], 100)] = clip(f[1], 100)
		}
	}
	return installed, missing
}

// ParseLines returns the non-empty trimmed lines (rpm -q kernel, uname -r).
func ParseLines(out string) []string {
	var res []string
	for _, l := range lines(out) {
		res = append(res, clip(l, 200))
	}
	return res
}

func lines(out string) []string {
	var res []string
	for _, l := range strings.Split(out, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			res = append(res, l)
		}
	}
	return res
}

// Updates is the answer of yum check-update.
type Updates struct {
	Pending  bool     `json:"pending"`
	Count    int      `json:"count"`
	Packages []string `json:"packages"` // the first ones, by name
}

// MaxListed bounds lists copied into facts (updates, files).
const MaxListed = 50

// ParseYumCheckUpdate reads `yum -q check-update`: exit 100 means updates
// are pending, one "name.arch version repo" entry each (yum wraps a long
// name onto the next line); 0 means none; anything else is an error.
func ParseYumCheckUpdate(out string, exit int) (Updates, error) {
	switch exit {
	case 0:
		return Updates{Packages: []string{}}, nil
	case 100:
	default:
		return Updates{}, fmt.Errorf("yum check-update exited %d", exit)
	}
	u := Updates{Pending: true, Packages: []string{}}
	for _, line := range strings.Split(out, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, "Obsoleting Packages") {
			break
		}
		if line[0] == ' ' || line[0] == '\t' { // continuation of a wrapped entry
			continue
		}
		name := strings.Fields(line)[0]
		if !strings.Contains(name, ".") { // not a name.arch entry (a message)
			continue
		}
		u.Count++
		if len(u.Packages) < MaxListed {
			u.Packages = append(u.Packages, clip(name, 120))
		}
	}
	return u, nil
}

// ParseIsActive reads `systemctl is-active units...`: one state per line,
// in the order of the units asked.
func ParseIsActive(out string, units []string) map[string]string {
	st := map[string]string{}
	ls := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i, u := range units {
		if i < len(ls) && strings.TrimSpace(ls[i]) != "" {
			st[u] = clip(strings.TrimSpace(ls[i]), 40)
		} else {
			st[u] = "unknown"
		}
	}
	return st
}

// ParseListening reads `ss -ltn` and says whether a socket listens on port.
func ParseListening(out string, port int) bool {
	suffix := ":" + strconv.Itoa(port)
	for _, line := range lines(out) {
		f := strings.Fields(line)
		// State Recv-Q Send-Q Local-Address:Port Peer-Address:Port
		if len(f) >= 4 && f[0] == "LISTEN" && strings.HasSuffix(f[3], suffix) {
			return true
		}
	}
	return false
}

// ProviderDump is `account-provider-test dump` without its secret: the
// struct has no field for BindPassword, so the value is dropped by the
// decoder and never held in the facts.
type ProviderDump struct {
	IsAD           bool   `json:"is_ad"`
	IsLDAP         bool   `json:"is_ldap"`
	BaseDN         string `json:"base_dn"`
	UserDN         string `json:"user_dn,omitempty"`
	GroupDN        string `json:"group_dn,omitempty"`
	LdapURI        string `json:"ldap_uri"`
	Host           string `json:"host,omitempty"`
	Port           string `json:"port,omitempty"`
	StartTLS       string `json:"start_tls,omitempty"`
	BindDN         string `json:"bind_dn,omitempty"`
	DiscoverDcType string `json:"discover_dc_type,omitempty"`
	// BindPasswordSet says whether BindPassword was not empty: whether
	// there is a bind password for the join to send, never what it is.
	BindPasswordSet bool `json:"bind_password_set"`
}

// present decodes any JSON value and keeps only whether it is a
// non-empty string or a number: a secret is never held.
type present bool

func (p *present) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case string:
		*p = x != ""
	case float64:
		*p = true
	}
	return nil
}

// flag is a Perl-ish truth value: "1", 1, true; "", "0", 0, false, null.
type flag bool

func (f *flag) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case string:
		*f = x != "" && x != "0"
	case float64:
		*f = x != 0
	case bool:
		*f = flag(x)
	default:
		*f = false
	}
	return nil
}

// text accepts a JSON string or number (Perl's JSON encodes either).
type text string

func (t *text) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case string:
		*t = text(x)
	case float64:
		*t = text(strconv.FormatFloat(x, 'f', -1, 64))
	case bool:
		*t = text(strconv.FormatBool(x))
	}
	return nil
}

// ParseProviderDump reads the dump JSON. BindPassword is kept only as
// whether it is set.
func ParseProviderDump(out string) (ProviderDump, error) {
	var raw struct {
		IsAD           flag    `json:"isAD"`
		IsLdap         flag    `json:"isLdap"`
		BaseDN         text    `json:"BaseDN"`
		UserDN         text    `json:"UserDN"`
		GroupDN        text    `json:"GroupDN"`
		LdapURI        text    `json:"LdapURI"`
		Host           text    `json:"host"`
		Port           text    `json:"port"`
		StartTLS       text    `json:"StartTls"`
		BindDN         text    `json:"BindDN"`
		DiscoverDcType text    `json:"DiscoverDcType"`
		BindPassword   present `json:"BindPassword"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &raw); err != nil {
		return ProviderDump{}, errors.New("account-provider-test dump did not print a JSON object") // not err: it may quote the input
	}
	return ProviderDump{
		IsAD: bool(raw.IsAD), IsLDAP: bool(raw.IsLdap),
		BaseDN: clip(string(raw.BaseDN), 300), UserDN: clip(string(raw.UserDN), 300), GroupDN: clip(string(raw.GroupDN), 300),
		LdapURI: clip(string(raw.LdapURI), 300), Host: clip(string(raw.Host), 253), Port: clip(string(raw.Port), 10),
		StartTLS: clip(string(raw.StartTLS), 10), BindDN: clip(string(raw.BindDN), 300), DiscoverDcType: clip(string(raw.DiscoverDcType), 20),
		BindPasswordSet: bool(raw.BindPassword),
	}, nil
}

// keepProps lists, per configuration key, the properties the checks read.
// Everything else (BindPassword, ns8 Password, subscription Secret...) is
// dropped by the parser.
var keepProps = map[string][]string{
	"sssd":             {"Provider", "LdapURI", "Realm", "Workgroup", "BaseDN", "UserDN", "GroupDN", "BindDN", "status", "DiscoverDcType"},
	"nsdc":             {"IpAddress", "ProvisionType", "status"},
	"slapd":            {"status"},
	"nethvoice":        {"BrandName", "ProvisioningEngine", "LegacyMode", "PublicHost"},
	"nethvoice-report": {"international_prefix"},
	"ns8":              {"Host", "User", "TLSVerify", "LeaderIpAddress"},
	"wg-quick@ns8":     {"Address", "RemoteEndpoint", "RemoteNetwork", "status"},
}

// ConfigRecord is one e-smith record with its kept properties.
type ConfigRecord struct {
	Name  string            `json:"name"`
	Type  string            `json:"type"`
	Props map[string]string `json:"props"`
}

// ParseConfigJSON reads `config printjson <key>` ({"name","type","props"})
// and keeps only the allowlisted properties of that key. An empty output
// (the key does not exist) is a nil record without error.
func ParseConfigJSON(key, out string) (*ConfigRecord, error) {
	if strings.TrimSpace(out) == "" {
		return nil, nil
	}
	var raw struct {
		Name  text            `json:"name"`
		Type  text            `json:"type"`
		Props map[string]text `json:"props"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &raw); err != nil {
		return nil, errors.New("config printjson did not print a JSON object")
	}
	if raw.Name == "" && raw.Type == "" && raw.Props == nil { // "null" or {}: no such key
		return nil, nil
	}
	rec := &ConfigRecord{Name: clip(string(raw.Name), 100), Type: clip(string(raw.Type), 100), Props: map[string]string{}}
	for _, p := range keepProps[key] {
		if v, ok := raw.Props[p]; ok {
			rec.Props[p] = clip(string(v), 300)
		}
	}
	return rec, nil
}

// PathSize is one du -sb line.
type PathSize struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
}

// ParseDU reads `du -sb paths...`: "<bytes>\t<path>" per line.
func ParseDU(out string) []PathSize {
	var res []PathSize
	for _, line := range strings.Split(out, "\n") {
		size, path, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(size), 10, 64)
		if err != nil || n < 0 {
			continue
		}
		res = append(res, PathSize{Path: clip(path, 300), Bytes: n})
	}
	return res
}

// DiskFree is one df -PB1 line.
type DiskFree struct {
	Mount          string `json:"mount"`
	SizeBytes      int64  `json:"size_bytes"`
	AvailableBytes int64  `json:"available_bytes"`
}

// ParseDF reads `df -PB1 <path>`: a header and one POSIX line
// "fs size used avail capacity% mount".
func ParseDF(out string) (DiskFree, error) {
	for _, line := range lines(out) {
		f := strings.Fields(line)
		for i := 3; i < len(f); i++ {
			if !strings.HasSuffix(f[i], "%") {
				continue
			}
			size, e1 := strconv.ParseInt(f[i-3], 10, 64)
			avail, e2 := strconv.ParseInt(f[i-1], 10, 64)
			if e1 != nil || e2 != nil || size < 0 || avail < 0 {
				break
			}
			return DiskFree{Mount: clip(strings.Join(f[i+1:], " "), 300), SizeBytes: size, AvailableBytes: avail}, nil
		}
	}
	return DiskFree{}, errors.New("df printed no filesystem line")
}

// ParseTSV reads `mysql -N -B` output: tab-separated columns, with mysql's
// escapes (\t \n \\ \0) undone; rows with another column count are skipped.
func ParseTSV(out string, cols int) [][]string {
	var rows [][]string
	for _, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != cols {
			continue
		}
		for i := range f {
			f[i] = clip(unescapeMySQL(f[i]), 300)
		}
		rows = append(rows, f)
	}
	return rows
}

func unescapeMySQL(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i == len(s)-1 {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case '0':
			b.WriteByte(0)
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// ParseGetent reads `getent ahostsv4 <host>` ("addr STREAM name", then
// DGRAM and RAW lines for the same address): the distinct addresses in order.
func ParseGetent(out string) []string {
	var res []string
	seen := map[string]bool{}
	for _, line := range lines(out) {
		f := strings.Fields(line)
		if len(f) == 0 || seen[f[0]] {
			continue
		}
		if ip := net.ParseIP(f[0]); ip == nil || ip.To4() == nil {
			continue
		}
		seen[f[0]] = true
		res = append(res, f[0])
	}
	return res
}

// ParseHandshakes reads `wg show <if> latest-handshakes`: "<peer key>\t<unix
// time>" per peer (0 = never).
func ParseHandshakes(out string) map[string]int64 {
	hs := map[string]int64{}
	for _, line := range lines(out) {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		n, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || n < 0 {
			continue
		}
		hs[clip(f[0], 60)] = n
	}
	return hs
}

// File is a file found on NS7 (find -printf '%s %p\n').
type File struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
}

// ParseFiles reads "<size> <path>" lines, sorted by path.
func ParseFiles(out string) []File {
	var res []File
	for _, line := range strings.Split(out, "\n") {
		size, path, ok := strings.Cut(line, " ")
		if !ok || path == "" {
			continue
		}
		n, err := strconv.ParseInt(size, 10, 64)
		if err != nil || n < 0 {
			continue
		}
		res = append(res, File{Path: clip(path, 300), Bytes: n})
	}
	sort.Slice(res, func(i, j int) bool { return res[i].Path < res[j].Path })
	return res
}

// ParseInt reads a single integer (date +%s, SELECT COUNT(*)).
func ParseInt(out string) (int64, error) {
	return strconv.ParseInt(strings.TrimSpace(out), 10, 64)
}

// DUTree is what `du -b --max-depth=N root` printed: every directory's
// total as soon as it is done, the root's last.
type DUTree struct {
	// Complete is set when the root's own line came: du walked it all.
	Complete bool
	// Total is the root's size when complete; otherwise the bytes of the
	// directories that were done (a lower bound of the root's size).
	Total int64
}

// ParseDUTree reads du's lines for root. Cut short (deadline, dropped
// connection), the done directories are summed without counting one
// inside another: a directory's line comes after those of its
// subdirectories, so only the lines no later line contains are added.
func ParseDUTree(out, root string) DUTree {
	root = strings.TrimSuffix(root, "/")
	var done []PathSize
	for _, p := range ParseDU(out) {
		if p.Path == root {
			return DUTree{Complete: true, Total: p.Bytes}
		}
		if !strings.HasPrefix(p.Path, root+"/") {
			continue
		}
		// p contains the earlier lines below it: they are replaced by p.
		kept := done[:0]
		for _, d := range done {
			if !strings.HasPrefix(d.Path, p.Path+"/") {
				kept = append(kept, d)
			}
		}
		done = append(kept, p)
	}
	var t DUTree
	for _, d := range done {
		if d.Bytes > math.MaxInt64-t.Total { // absurd sizes saturate, never wrap
			return DUTree{Total: math.MaxInt64}
		}
		t.Total += d.Bytes
	}
	return t
}

// PathFS is the filesystem a data path lives on, as df reports it.
type PathFS struct {
	Path      string `json:"path"`
	Mount     string `json:"mount"`
	UsedBytes int64  `json:"used_bytes"`
}

// ParseDFPaths reads `df -B1 --output=used,target,file <paths>`: a header,
// then "used mount path" per path that exists (paths hold no spaces; a
// mount point may).
func ParseDFPaths(out string) []PathFS {
	var res []PathFS
	for _, line := range lines(out) {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		used, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || used < 0 {
			continue // the header
		}
		res = append(res, PathFS{Path: clip(f[len(f)-1], 300), Mount: clip(strings.Join(f[1:len(f)-1], " "), 300), UsedBytes: used})
	}
	return res
}

// ParseSecretStates reads the secret-files snippet: "<state> <path>" per
// file of SecretFiles (other paths and states are ignored).
func ParseSecretStates(out string) map[string]string {
	known := map[string]bool{}
	for _, p := range SecretFiles {
		known[p] = true
	}
	st := map[string]string{}
	for _, l := range lines(out) {
		state, p, ok := strings.Cut(l, " ")
		switch state {
		case SecretPresent, SecretEmpty, SecretMissing, SecretUnknown:
		default:
			ok = false
		}
		if ok && known[p] {
			st[p] = state
		}
	}
	return st
}

// everySecret: the snippet answers for every secret file.
func everySecret(out string, _ int) error {
	st := ParseSecretStates(out)
	for _, p := range SecretFiles {
		if _, ok := st[p]; !ok {
			return fmt.Errorf("not for %s", p)
		}
	}
	return nil
}

// IfAddr is an IPv4 address of one of NS7's interfaces, with its prefix
// (the network it is on).
type IfAddr struct {
	Interface string `json:"interface"`
	CIDR      string `json:"cidr"` // 192.168.1.10/24
}

// ParseIPAddr reads `ip -o -4 addr show`: "<n>: <if> inet <addr>/<len> ...",
// one address per line.
func ParseIPAddr(out string) []IfAddr {
	var res []IfAddr
	for _, l := range lines(out) {
		f := strings.Fields(l)
		if len(f) < 4 || f[2] != "inet" {
			continue
		}
		if _, _, err := net.ParseCIDR(f[3]); err != nil {
			continue
		}
		ifname, _, _ := strings.Cut(f[1], "@")
		res = append(res, IfAddr{Interface: clip(ifname, 40), CIDR: clip(f[3], 43)})
	}
	return res
}

// someAddress: every host has an IPv4 address (lo's at least).
func someAddress(out string, _ int) error {
	if len(ParseIPAddr(out)) == 0 {
		return errors.New("with no IPv4 address")
	}
	return nil
}

// Route is one IPv4 route of NS7's main table.
type Route struct {
	// Dest is "default" or a network (a bare address is a /32).
	Dest string `json:"dest"`
	// Type is ip's route type when not unicast (blackhole, unreachable...).
	Type string `json:"type,omitempty"`
	Dev  string `json:"dev,omitempty"`
	Via  string `json:"via,omitempty"`
}

// routeTypes are the route types ip prints before the destination.
var routeTypes = map[string]bool{"unicast": true, "local": true, "broadcast": true, "multicast": true, "throw": true,
	"unreachable": true, "prohibit": true, "blackhole": true, "nat": true, "anycast": true}

// ParseIPRoute reads `ip -4 route show`: "[type] <dest> [via <gw>] [dev
// <if>] ..." per route; nexthop lines of a multipath route (indented) are
// skipped.
func ParseIPRoute(out string) []Route {
	var res []Route
	for _, raw := range strings.Split(out, "\n") {
		if raw == "" || raw[0] == ' ' || raw[0] == '\t' {
			continue
		}
		f := strings.Fields(raw)
		if len(f) == 0 {
			continue
		}
		var r Route
		if routeTypes[f[0]] {
			if f[0] != "unicast" {
				r.Type = f[0]
			}
			f = f[1:]
		}
		if len(f) == 0 || !routeDest(f[0]) {
			continue
		}
		r.Dest = f[0]
		if !strings.Contains(r.Dest, "/") && r.Dest != "default" {
			r.Dest += "/32"
		}
		for i := 1; i+1 < len(f); i++ {
			switch f[i] {
			case "dev":
				r.Dev = clip(f[i+1], 40)
			case "via":
				r.Via = clip(f[i+1], 43)
			}
		}
		res = append(res, r)
	}
	return res
}

func routeDest(s string) bool {
	if s == "default" {
		return true
	}
	if _, _, err := net.ParseCIDR(s); err == nil {
		return true
	}
	ip := net.ParseIP(s)
	return ip != nil && ip.To4() != nil
}
