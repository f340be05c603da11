package ns7check

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

func human(b int64) string { return check.Bytes(b) }

var DataSize = ungated(check.Meta{
	ID: "ns7.data-size", Title: "NS7 data measured", Action: Action, Area: check.Data,
	Verifies: "Bytes of recordings, voicemail, sounds, music on hold, Tancredi, configuration and each " +
		"database, and the total; a measurement that could not complete says what it measured and bounds the rest.",
	Doc: "`du` of what the migration copies, by category (recordings, voicemail, sounds, moh, " +
		"tancredi, config: the recordings and the rest in two concurrent sessions) plus the size of each " +
		"NethVoice database (`information_schema`), and the total. The file measurement has a budget of " +
		"its own (`data_budget_s`, default max(60 s, 3 x `timeout_s`)); when it runs out, or the database " +
		"sizes cannot be read, this warns (never a blocking fail) with what was measured (at least) and an " +
		"upper bound: the used bytes (`df`) of each filesystem that holds what was not measured. A " +
		"measurement that took at least 10 s is reused for 24 h instead of walking the spool again (the " +
		"message says how old it is; `remeasure_data` measures again).",
}, check.One(dataSize), ns7.CmdRecordings, ns7.CmdDataSize, ns7.CmdDataFS, ns7.CmdDBSizes)

// dataSize judges ns7.data-size.
func dataSize(f Facts) report.Finding {
	if g := gate(f); g != nil {
		return *g
	}
	d := f.NS7.Data
	fd := report.Finding{Subject: f.Subject(),
		Data: map[string]any{"categories": d.Categories, "databases": d.Databases, "files_bytes": d.FilesBytes,
			"database_bytes": d.DatabaseBytes, "total_bytes": d.TotalBytes, "complete": d.Complete}}
	if d.MeasuredAt != "" {
		fd.Data["measured_at"], fd.Data["took_ms"], fd.Data["reused"] = d.MeasuredAt, d.TookMs, d.Reused
	}
	if !d.Complete {
		return partialData(fd, f.NS7, f.ModuleID)
	}
	fd.Status = report.Pass
	fd.Message = fmt.Sprintf("%s in all: files %s (%s), databases %s (%s)", human(d.TotalBytes), human(d.FilesBytes),
		strings.Join(categoryList(d), ", "), human(d.DatabaseBytes), strings.Join(databaseList(d), ", ")) + reuseNote(f.NS7)
	return fd
}

// categoryList names each measured category and its size ("at least" for
// one cut short), in report order.
func categoryList(d ns7.DataSizes) []string {
	var parts []string
	for _, c := range ns7.FileCategories {
		if n, ok := d.Categories[c]; ok {
			parts = append(parts, fmt.Sprintf("%s %s", c, human(n)))
		} else if n, ok := d.Partial[c]; ok {
			parts = append(parts, fmt.Sprintf("%s at least %s", c, human(n)))
		}
	}
	return parts
}

func databaseList(d ns7.DataSizes) []string {
	dbs := make([]string, 0, len(d.Databases))
	for name, n := range d.Databases {
		dbs = append(dbs, fmt.Sprintf("%s %s", name, human(n)))
	}
	sort.Strings(dbs)
	return dbs
}

// reuseNote says how old reused file sizes are.
func reuseNote(n *ns7.Facts) string {
	d := n.Data
	if !d.Reused {
		return ""
	}
	age := "at an unknown time"
	if at, err := time.Parse(time.RFC3339, d.MeasuredAt); err == nil {
		if now, err := time.Parse(time.RFC3339, n.Started); err == nil {
			age = now.Sub(at).Round(time.Minute).String() + " ago"
		}
	}
	return fmt.Sprintf("; the files were measured %s (%s, in %s) and not walked again: a new walk of the spool costs NS7 that long (remeasure_data measures again)",
		age, d.MeasuredAt, (time.Duration(d.TookMs) * time.Millisecond).Round(time.Second))
}

// partialData is the finding of a measurement that could not complete:
// what was measured, what was not and why, and the bounds of the total.
func partialData(fd report.Finding, n *ns7.Facts, moduleID string) report.Finding {
	d := n.Data
	fd.Data["unmeasured"], fd.Data["partial"], fd.Data["at_least_bytes"] = d.Unmeasured, d.Partial, d.TotalBytes
	var missing []string
	for _, c := range append(append([]string{}, ns7.FileCategories...), "databases") {
		if why, ok := d.Unmeasured[c]; ok {
			missing = append(missing, c+" ("+why+")")
		}
	}
	measured := categoryList(d)
	if _, ok := d.Unmeasured["databases"]; !ok {
		measured = append(measured, "databases "+human(d.DatabaseBytes))
	}
	if len(measured) == 0 {
		measured = []string{"nothing"}
	}
	fd.Status = report.Warn
	fd.Message = fmt.Sprintf("measured only in part: %s; not measured: %s; in all at least %s", strings.Join(measured, ", "),
		strings.Join(missing, ", "), human(d.TotalBytes))
	if d.AtMostBytes > 0 {
		fd.Data["at_most_bytes"] = d.AtMostBytes
		var fss []string
		for _, m := range d.BoundMounts {
			fss = append(fss, fmt.Sprintf("%s uses %s", m.Mount, human(m.UsedBytes)))
		}
		fd.Message += fmt.Sprintf(" and at most %s, a bound from the filesystems that hold what was not measured (df: %s)", human(d.AtMostBytes), strings.Join(fss, "; "))
	} else {
		fd.Message += "; no upper bound is known (df did not answer for those paths)"
	}
	fd.Remediation = hint(fmt.Sprintf("Give the measurement more time with data_budget_s (it was %d s), or measure by hand on NS7 (it may take long); check MariaDB if the databases are missing", n.DataBudgetS),
		"du -sb "+ns7.RecordingsDir, check.ActionCommand(moduleID, "probe-ns7", `'{"data_budget_s": 1800}'`))
	return fd
}

var DumpSpace = gated(check.Meta{
	ID: "ns7.dump-space", Title: "Room for the database dumps on NS7", Action: Action, Area: check.Data,
	Verifies: "Free space under /var/lib/asterisk on NS7 covers the database dumps written at Finish.",
	Doc: "Free space under `/var/lib/asterisk` (`df -PB1`) is at least the databases' size x 1.2: Finish " +
		"writes the SQL dumps there before copying them.",
}, dumpSpace, ns7.CmdDumpSpace, ns7.CmdDBSizes)

// dumpSpace judges ns7.dump-space.
func dumpSpace(f Facts) report.Finding {
	n := f.NS7
	fd := report.Finding{Subject: f.Subject()}
	if n.DumpSpace == nil || n.Cmd(ns7.CmdDBSizes).Status != ns7.StatusOK {
		fd.Status = report.Warn
		fd.Message = "the free space under " + ns7.DumpDir + " or the database sizes could not be read"
		fd.Remediation = hint("Compare by hand the free space with the size of the databases", "df -h "+ns7.DumpDir)
		return fd
	}
	need := int64(float64(n.Data.DatabaseBytes) * DumpFactor)
	fd.Data = map[string]any{"available_bytes": n.DumpSpace.AvailableBytes, "needed_bytes": need, "database_bytes": n.Data.DatabaseBytes, "mount": n.DumpSpace.Mount}
	if n.DumpSpace.AvailableBytes >= need {
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("%s free under %s; the database dumps written at Finish need about %s", human(n.DumpSpace.AvailableBytes), ns7.DumpDir, human(need))
		return fd
	}
	fd.Status = report.Fail
	fd.Message = fmt.Sprintf("%s free under %s, but the database dumps written there at Finish need about %s (databases %s x %.1f)",
		human(n.DumpSpace.AvailableBytes), ns7.DumpDir, human(need), human(n.Data.DatabaseBytes), DumpFactor)
	fd.Remediation = hint(fmt.Sprintf("Free %s on the filesystem of %s on NS7 (old CDR, logs, backups) before Finish", human(need-n.DumpSpace.AvailableBytes), ns7.DumpDir),
		"df -h "+ns7.DumpDir)
	return fd
}

var Prefix = gated(check.Meta{
	ID: "ns7.prefix", Title: "International prefix accepted by NS8", Action: Action, Area: check.Data,
	Verifies: "nethvoice-report international_prefix matches ^(00\\d{1,4}|\\+\\d{1,4})$.",
	Doc: "`nethvoice-report international_prefix` matches `^(00\\d{1,4}|\\+\\d{1,4})$`, NS8's pattern; " +
		"anything else (empty included) would make Finish's `configure-module` fail validation.",
}, prefix, ns7.CmdConfig+"nethvoice-report")

// prefix judges ns7.prefix.
func prefix(f Facts) report.Finding {
	v := ""
	if r := f.NS7.Config["nethvoice-report"]; r != nil {
		v = r.Props["international_prefix"]
	}
	fd := report.Finding{Subject: f.Subject(), Data: map[string]any{"international_prefix": v}}
	if PrefixRe.MatchString(v) {
		fd.Status, fd.Message = report.Pass, fmt.Sprintf("international prefix %q is accepted by NS8", v)
		return fd
	}
	fd.Status = report.Fail
	fd.Message = fmt.Sprintf("international prefix %q: NS8 accepts only 00 or + followed by 1-4 digits, so Finish's configure-module would be refused", v)
	if v == "" {
		// The record was read: NS7 has no prefix, and Finish sends none.
		fd.Message = "NS7 has no international prefix (nethvoice-report international_prefix is not set): Finish sends it empty, and NS8's configure-module refuses that (00 or + followed by 1-4 digits)"
	}
	fd.Remediation = hint("Set a valid prefix on NS7 (e.g. 0039 or +39) in NethVoice's report settings", "config setprop nethvoice-report international_prefix 0039")
	return fd
}

var TimeZone = gated(check.Meta{
	ID: "ns7.timezone", Title: "Time zone accepted by NS8", Action: Action, Area: check.Data,
	Verifies: "NS7's TimeZone exists in the tz database.",
	Doc: "NS7's `TimeZone` names a zone of the tz database (NS8 refuses others with " +
		"`timezone_not_available`).",
}, timeZone, ns7.CmdTimeZone)

// timeZone judges ns7.timezone against the tz database.
func timeZone(f Facts) report.Finding {
	tz := f.NS7.TimeZone
	fd := report.Finding{Subject: f.Subject(), Data: map[string]any{"timezone": tz}}
	if ValidTimeZone(tz) {
		fd.Status, fd.Message = report.Pass, fmt.Sprintf("time zone %s exists in the tz database", tz)
		return fd
	}
	fd.Status = report.Fail
	fd.Message = fmt.Sprintf("time zone %q is not one NS8 lists (timedatectl list-timezones): NethVoice's configure-module would refuse it (timezone_not_available)", tz)
	if tz == "" {
		fd.Message = "NS7 has no time zone set (config get TimeZone is empty): NethVoice's configure-module needs one it lists (timezone_not_available)"
	}
	fd.Remediation = hint("Set a valid time zone on NS7 (Date and time page)", "timedatectl list-timezones", "config setprop TimeZone Europe/Rome")
	return fd
}

// ValidTimeZone accepts the names timedatectl list-timezones would list
// (ns8-nethvoice configure-module 11validate_timezone checks against it):
// a zone of the tz database, not a file of zoneinfo that is not a zone
// (localtime, posixrules, Factory) nor the posix/ and right/ copies.
func ValidTimeZone(tz string) bool {
	switch {
	case tz == "" || tz == "Local" || strings.HasPrefix(tz, "/") || strings.Contains(tz, "..") || strings.ContainsAny(tz, " \t\n"):
		return false
	case strings.HasPrefix(tz, "posix/") || strings.HasPrefix(tz, "right/"):
		return false
	case tz == "localtime" || tz == "posixrules" || tz == "Factory":
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

var Provisioning = gated(check.Meta{
	ID: "ns7.provisioning", Title: "Phones provisioned by Tancredi", Action: Action, Area: check.Data,
	Verifies: "The provisioning engine is Tancredi; phones of the old engine are not migrated (warn).",
	Doc: "`nethvoice ProvisioningEngine` is `tancredi`. The old engine (`freepbx`, Endpoint Manager) warns " +
		"with the number of its phones: they are not migrated.",
}, provisioning, ns7.CmdConfig+"nethvoice")

// provisioning judges ns7.provisioning.
func provisioning(f Facts) report.Finding {
	eng := ""
	if r := f.NS7.Config["nethvoice"]; r != nil {
		eng = r.Props["ProvisioningEngine"]
	}
	fd := report.Finding{Subject: f.Subject(), Data: map[string]any{"engine": eng, "legacy_phones": f.NS7.LegacyPhones}}
	switch eng {
	case "tancredi":
		fd.Status, fd.Message = report.Pass, "phones are provisioned by Tancredi, which NS8 migrates"
	case "freepbx":
		fd.Status = report.Warn
		fd.Message = fmt.Sprintf("the old provisioning engine (FreePBX Endpoint Manager) is in use, with %s: they are not migrated to NS8", check.Count(int(f.NS7.LegacyPhones), "phone", ""))
		if why := unreadWhy(f.NS7, ns7.CmdLegacy); why != "" {
			fd.Message = "the old provisioning engine (FreePBX Endpoint Manager) is in use, with phones that are not migrated to NS8 (how many could not be read: " + why + ")"
			delete(fd.Data, "legacy_phones")
		}
		fd.Remediation = hint("Move the phones to Tancredi on NS7 first (tancredi-migration-helper), or plan to provision them again on NS8", "config getprop nethvoice ProvisioningEngine")
	default:
		fd.Status = report.Warn
		fd.Message = fmt.Sprintf("the provisioning engine is %q (neither tancredi nor freepbx)", eng)
		fd.Remediation = hint("Check NethVoice's provisioning settings on NS7", "config getprop nethvoice ProvisioningEngine")
	}
	return fd
}

func orNone(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

var Extensions = gated(check.Meta{
	ID: "ns7.extensions", Title: "Extension list", Action: Action, Area: check.Data,
	Verifies: "The extensions (number, name) are listed in the report's facts for the administrator's records.",
	Doc: "The extensions (number, name) from `asterisk.users` are in the report's `facts.ns7.extensions`, " +
		"for the administrator's records; none at all warns.",
}, extensions, ns7.CmdExtensions)

// extensions judges ns7.extensions (the list is in the facts).
func extensions(f Facts) report.Finding {
	fd := report.Finding{Subject: f.Subject(), Data: map[string]any{"count": len(f.NS7.Extensions)}}
	if f.NS7.Cmd(ns7.CmdExtensions).Status != ns7.StatusOK || len(f.NS7.Extensions) == 0 {
		fd.Status = report.Warn
		fd.Message = "no extension could be listed (asterisk.users): is this the NethVoice in production?"
		fd.Remediation = hint("Export the extension list from NethVoice's wizard for your records")
		return fd
	}
	fd.Status = report.Pass
	fd.Message = fmt.Sprintf("%s listed in the report's facts (ns7.extensions) for your records", check.Count(len(f.NS7.Extensions), "extension", ""))
	return fd
}

var CustomConfig = gated(check.Meta{
	ID: "ns7.custom-config", Title: "Customizations noted", Action: Action, Area: check.Data,
	Verifies: "Non-empty *_custom.conf files, custom AGI scripts and customer cards are listed.",
	Doc: "Non-empty `/etc/asterisk/*_custom.conf`, AGI scripts no package owns, and customer cards other " +
		"than the stock ones are listed (warn) so that they can be checked after the migration.",
}, customConfig, ns7.CmdCustomConf, ns7.CmdCustomAGI, ns7.CmdCards)

// customConfig judges ns7.custom-config.
func customConfig(f Facts) report.Finding {
	n := f.NS7
	fd := report.Finding{Subject: f.Subject(),
		Data: map[string]any{"custom_conf": files(n.CustomConf), "custom_agi": files(n.CustomAGI), "customer_cards": files(n.CustomerCards)}}
	var all []string
	for _, x := range [][]ns7.File{n.CustomConf, n.CustomAGI, n.CustomerCards} {
		for _, fl := range x {
			all = append(all, fl.Path)
		}
	}
	if len(all) == 0 {
		fd.Status, fd.Message = report.Pass, "no custom Asterisk configuration, AGI scripts or customer cards"
		return fd
	}
	fd.Status = report.Warn
	fd.Message = fmt.Sprintf("%d customizations to note: %s", len(all), listed(all, 8))
	fd.Remediation = hint("Note them: they are copied to NS8, but custom templates are not migrated and each must be checked after the migration")
	return fd
}

func files(fs []ns7.File) []ns7.File {
	if fs == nil {
		return []ns7.File{}
	}
	return fs
}

// SyncEstimate is the initial sync time of the measured data at the
// measured throughput.
func SyncEstimate(total int64, bps float64) time.Duration {
	if bps <= 0 {
		return 0
	}
	return time.Duration(float64(total) / bps * float64(time.Second))
}

var Bandwidth = gated(check.Meta{
	ID: "ns7.bandwidth", Title: "Throughput and initial sync time", Action: Action, Area: check.Network,
	Verifies: "A bounded sample over the SSH connection gives the NS7 to NS8 throughput and the estimated " +
		"initial sync time of the measured data.",
	Doc: "A bounded sample (8 MiB of zeros, at most 3 s) streamed from NS7 over the same SSH connection " +
		"gives the throughput; the initial sync time is the measured data divided by it. Above 4 hours " +
		"warns (start the initial sync days ahead); a sample that fails, or never runs because the " +
		"connection dropped, fails.",
}, bandwidth)

// bandwidth judges ns7.bandwidth.
func bandwidth(f Facts) report.Finding {
	n := f.NS7
	fd := report.Finding{Subject: f.Subject()}
	b := n.Bandwidth
	switch {
	case b == nil:
		fd.Status = report.Fail
		fd.Message = "lost: the throughput sample never ran because " + lostCause(n)
		fd.Remediation = hint("Run probe-ns7 again once the connection is stable")
		return fd
	case b.Error != "":
		fd.Status = report.Fail
		fd.Message = "the throughput sample failed: " + b.Error
		fd.Remediation = hint("Run probe-ns7 again; check the stability of the network path to NS7")
		return fd
	}
	rate := fmt.Sprintf("%s/s (sample of %s)", human(int64(b.BytesPerSecond)), human(b.Bytes))
	if !n.Data.Complete {
		return partialSync(fd, n, rate)
	}
	est := SyncEstimate(n.Data.TotalBytes, b.BytesPerSecond)
	fd.Data = map[string]any{"sample_bytes": b.Bytes, "seconds": b.Seconds, "bytes_per_second": int64(b.BytesPerSecond),
		"data_bytes": n.Data.TotalBytes, "initial_sync_s": int64(est.Seconds())}
	if est <= SyncWarn {
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("NS7 to NS8 throughput %s: the initial sync of %s takes about %s", rate, human(n.Data.TotalBytes), est.Round(time.Second))
		return fd
	}
	fd.Status = report.Warn
	fd.Message = fmt.Sprintf("NS7 to NS8 throughput %s: the initial sync of %s takes about %s", rate, human(n.Data.TotalBytes), est.Round(time.Minute))
	fd.Remediation = syncEarly
	return fd
}

var syncEarly = hint("Start the initial sync (Sync data) days before the cutover: later syncs copy only what changed, and Finish runs one last short sync")

// partialSync judges the sync time of data measured only in part: its
// bounds, never the measured part as if it were all.
func partialSync(fd report.Finding, n *ns7.Facts, rate string) report.Finding {
	b, d := n.Bandwidth, n.Data
	low := SyncEstimate(d.TotalBytes, b.BytesPerSecond)
	fd.Data = map[string]any{"sample_bytes": b.Bytes, "seconds": b.Seconds, "bytes_per_second": int64(b.BytesPerSecond),
		"data_bytes_at_least": d.TotalBytes, "initial_sync_at_least_s": int64(low.Seconds())}
	lead := fmt.Sprintf("NS7 to NS8 throughput %s; the data was measured only in part (see ns7.data-size): the initial sync of at least %s takes at least %s",
		rate, human(d.TotalBytes), low.Round(time.Second))
	if d.AtMostBytes <= 0 {
		fd.Status, fd.Message, fd.Remediation = report.Warn, lead+", how much longer is unknown", syncEarly
		return fd
	}
	high := SyncEstimate(d.AtMostBytes, b.BytesPerSecond)
	fd.Data["data_bytes_at_most"], fd.Data["initial_sync_at_most_s"] = d.AtMostBytes, int64(high.Seconds())
	if high <= SyncWarn {
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("%s and at most %s (for at most %s)", lead, high.Round(time.Second), human(d.AtMostBytes))
		return fd
	}
	fd.Status, fd.Remediation = report.Warn, syncEarly
	fd.Message = fmt.Sprintf("%s and up to %s (for at most %s)", lead, high.Round(time.Minute), human(d.AtMostBytes))
	return fd
}
