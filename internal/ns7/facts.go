package ns7

import (
	"path"
	"sort"
)

// Facts is everything the probe learned, typed and sanitized: no secret
// (bind password, ns8 password, database passwords, the one-time SSH
// password) is ever held here, so the whole value may be printed and stored.
type Facts struct {
	Host string `json:"host"`
	Port int    `json:"port"`
	User string `json:"user"`

	// Connection.
	Connected    bool    `json:"connected"`
	Auth         string  `json:"auth,omitempty"` // publickey | password
	HostKey      HostKey `json:"host_key"`
	ConnectStage string  `json:"connect_stage,omitempty"` // credentials | connect | handshake | host-key | auth
	ConnectErr   string  `json:"connect_error,omitempty"`
	// Dropped says why the connection ended before the probe did.
	Dropped string `json:"dropped,omitempty"`
	// DeadlineHit is set when the probe's overall deadline cut the batch.
	DeadlineHit bool `json:"deadline_hit,omitempty"`
	// RoundTrips counts the command sessions opened on the one connection.
	RoundTrips int      `json:"round_trips"`
	Commands   []Result `json:"commands"`
	cmd        map[string]Result
	Plan       PlanFacts `json:"plan"`
	// Started is when the commands started (RFC 3339, UTC).
	Started string `json:"started,omitempty"`
	// DataBudget is the deadline of the file measurements on NS7.
	DataBudgetS int `json:"data_budget_s,omitempty"`
	// Reuse is the earlier file measurement used instead of measuring
	// (Plan.SkipFiles); not stored itself: Data holds it.
	Reuse *DataSizes `json:"-"`

	Release     string            `json:"release,omitempty"`
	ReleaseLine string            `json:"release_line,omitempty"`
	Hostname    string            `json:"hostname,omitempty"`
	Kernel      string            `json:"kernel,omitempty"`
	Kernels     []string          `json:"kernels,omitempty"`
	Packages    map[string]string `json:"packages,omitempty"`
	Updates     *Updates          `json:"updates,omitempty"`
	Services    map[string]string `json:"services,omitempty"`
	Cockpit9090 bool              `json:"cockpit_listening"`
	// LDAPS636: a socket listens on TCP 636, where NS8 reaches NS7's
	// OpenLDAP at Connect (ns8-join: port 636, TLS).
	LDAPS636 bool `json:"ldaps_listening"`

	Provider   *ProviderDump            `json:"account_provider_dump,omitempty"`
	Config     map[string]*ConfigRecord `json:"config,omitempty"`
	TimeZone   string                   `json:"timezone,omitempty"`
	DomainName string                   `json:"domain_name,omitempty"`

	Paths     []PathSize `json:"paths,omitempty"`
	Data      DataSizes  `json:"data"`
	DumpSpace *DiskFree  `json:"dump_space,omitempty"`

	// Devices are the physical devices (phones, and devices without MAC);
	// DevicesCut says there were more than MaxDevices.
	Devices    []Device     `json:"devices,omitempty"`
	DevicesCut bool         `json:"devices_cut,omitempty"`
	Gateways   []Gateway    `json:"gateways,omitempty"`
	Trunks     []Trunk      `json:"trunks,omitempty"`
	NAT        []NATSetting `json:"sip_nat,omitempty"`
	// TancrediHost is the hostname of Tancredi's defaults scope ("" when
	// the key is unset: Tancredi then uses NS7's host name).
	TancrediHost  string      `json:"tancredi_hostname,omitempty"`
	Extensions    []Extension `json:"extensions,omitempty"`
	LegacyPhones  int64       `json:"legacy_phones"`
	CustomConf    []File      `json:"custom_conf,omitempty"`
	CustomAGI     []File      `json:"custom_agi,omitempty"`
	CustomerCards []File      `json:"customer_cards,omitempty"`

	Clock       int64            `json:"clock,omitempty"` // NS7's time (unix), for handshake ages
	Handshakes  map[string]int64 `json:"wg_handshakes,omitempty"`
	LeaderAddrs []string         `json:"leader_addresses,omitempty"`
	LeaderHTTPS bool             `json:"leader_https"`
	FQDNs       []FQDNAnswer     `json:"fqdns,omitempty"`

	Bandwidth *Bandwidth `json:"bandwidth,omitempty"`

	// Secrets are the states of SecretFiles by path (SecretPresent...):
	// whether they exist, never what they hold.
	Secrets map[string]string `json:"secret_files,omitempty"`
	// Addresses and Routes are NS7's own IPv4 networks (ip addr, ip route).
	Addresses []IfAddr `json:"addresses,omitempty"`
	Routes    []Route  `json:"routes,omitempty"`
}

// PlanFacts is what NS7 was asked to resolve and reach.
type PlanFacts struct {
	LeaderHost string   `json:"leader_host,omitempty"`
	FQDNs      []string `json:"fqdns,omitempty"`
	SkipFiles  bool     `json:"skip_files,omitempty"`
}

// DataSizes are the bytes migrate copies, by category, and the databases.
// Only a complete measurement gives the total; a partial one gives what
// was measured (a lower bound) and, from the filesystems that hold the
// rest, an upper bound: never the measured part as if it were all.
type DataSizes struct {
	// Categories are the file categories measured to their end.
	Categories    map[string]int64 `json:"categories"`
	Databases     map[string]int64 `json:"databases"`
	FilesBytes    int64            `json:"files_bytes"`    // measured files, partial parts included
	DatabaseBytes int64            `json:"database_bytes"` // 0 when not read
	// TotalBytes is files + databases: the data to copy when Complete, else
	// what was measured of it (at least).
	TotalBytes int64 `json:"total_bytes"`
	// Complete is set when every category and the databases were measured.
	Complete bool `json:"complete"`
	// Unmeasured gives, by category ("databases" included), why it was not
	// measured to its end.
	Unmeasured map[string]string `json:"unmeasured,omitempty"`
	// Partial holds the bytes counted of a category cut short.
	Partial map[string]int64 `json:"partial,omitempty"`
	// AtMostBytes bounds the total from above when incomplete: what was
	// measured plus the used bytes (df) of each filesystem holding something
	// unmeasured; 0 when no bound is known.
	AtMostBytes int64 `json:"at_most_bytes,omitempty"`
	// BoundMounts are the filesystems whose used bytes make AtMostBytes.
	BoundMounts []PathFS `json:"bound_mounts,omitempty"`
	// Filesystems is where each data path lives (df).
	Filesystems []PathFS `json:"filesystems,omitempty"`
	// MeasuredAt (RFC 3339, UTC) is when the files were measured and TookMs
	// how long it took on NS7; Reused is set when they were taken from an
	// earlier probe instead of measured again (see ReuseFiles).
	MeasuredAt string `json:"measured_at,omitempty"`
	TookMs     int64  `json:"took_ms,omitempty"`
	Reused     bool   `json:"reused,omitempty"`
}

// FileCategories are the file categories of DataPaths, in report order.
var FileCategories = []string{"recordings", "voicemail", "sounds", "moh", "tancredi", "config"}

// FilesComplete reports whether every file category was measured (the
// databases aside).
func (d *DataSizes) FilesComplete() bool {
	for _, c := range FileCategories {
		if _, ok := d.Unmeasured[c]; ok {
			return false
		}
	}
	return true
}

// Extension is a FreePBX user (extension number and name).
type Extension struct {
	Number string `json:"number"`
	Name   string `json:"name"`
}

// FQDNAnswer is an FQDN as NS7 resolves it.
type FQDNAnswer struct {
	Name      string   `json:"name"`
	Addresses []string `json:"addresses"`
}

// Bandwidth is the throughput sample.
type Bandwidth struct {
	Bytes          int64   `json:"bytes"`
	Seconds        float64 `json:"seconds"`
	BytesPerSecond float64 `json:"bytes_per_second"`
	Error          string  `json:"error,omitempty"`
}

// Cmd returns the result of a command (StatusNotRun when unknown).
func (f *Facts) Cmd(id string) Result {
	if r, ok := f.cmd[id]; ok {
		return r
	}
	for _, r := range f.Commands {
		if r.ID == id {
			return r
		}
	}
	return Result{ID: id, Status: StatusNotRun, Exit: -1}
}

// Answered reports whether a command ran to its end with an answer that
// can be judged (an exit code that is an answer, a readable output).
func (f *Facts) Answered(id string) bool {
	r := f.Cmd(id)
	return (r.Status == StatusOK || r.Status == StatusFailed) && r.Reason == ""
}

// Fill parses every result into the facts, each command by its own parser
// (Command.Parse) when it answered. Outputs are dropped once read: only
// what the parsers extract stays.
func (f *Facts) Fill(results []Result) {
	f.cmd = map[string]Result{}
	for _, r := range results {
		f.cmd[r.ID] = r
	}
	f.Config = map[string]*ConfigRecord{}
	f.Data = DataSizes{Categories: map[string]int64{}, Databases: map[string]int64{}}
	f.Paths = nil
	for _, c := range Plan(f.Plan).Commands() {
		r, ok := f.cmd[c.ID]
		if !ok {
			continue
		}
		r.Reason = reasonOf(c, r)
		f.cmd[c.ID] = r
		answered := r.Reason == "" && (r.Status == StatusOK || r.Status == StatusFailed)
		cut := c.Partial && r.Output != "" && (r.Status == StatusTimeout || r.Status == StatusLost)
		if c.Parse != nil && (answered || cut) {
			c.Parse(r.Output, r.Exit, f)
		}
	}
	f.finishData()
	f.LeaderHTTPS = f.cmd[CmdLeaderTCP].Status == StatusOK
	// Drop the raw outputs: what is kept is what was parsed above.
	f.Commands = make([]Result, 0, len(results))
	for _, r := range results {
		r.Reason = f.cmd[r.ID].Reason
		r.Output, r.Stderr = "", ""
		f.Commands = append(f.Commands, r)
		f.cmd[r.ID] = r
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// categoryOf maps a du path to its category (DataPaths); other paths are
// "config".
func categoryOf(p string) string {
	for _, d := range DataPaths {
		if ok, _ := path.Match(d.Glob, p); ok {
			return d.Category
		}
	}
	return "config"
}

// Lost lists the commands that never answered, in order (not those the
// probe chose not to ask).
func (f *Facts) Lost() []string {
	var ids []string
	for _, r := range f.Commands {
		if r.Status == StatusLost || r.Status == StatusNotRun {
			ids = append(ids, r.ID)
		}
	}
	sort.Strings(ids)
	return ids
}
