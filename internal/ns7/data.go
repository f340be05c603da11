package ns7

import (
	"fmt"
	"path"
	"sort"
	"time"
)

// Reuse policy of a file measurement (ReuseFiles): walking a spool of
// millions of files is a long disk walk on a production PBX, so one that
// cost at least ReuseMinCost is reused for ReuseMaxAge; a cheap one is
// always measured again.
const (
	ReuseMaxAge  = 24 * time.Hour
	ReuseMinCost = 10 * time.Second
)

// ReuseFiles tells whether an earlier file measurement of the same host
// may stand for a new one at now: complete, costly, and recent.
func ReuseFiles(prev *DataSizes, now time.Time) bool {
	if prev == nil || !prev.FilesComplete() || prev.MeasuredAt == "" {
		return false
	}
	at, err := time.Parse(time.RFC3339, prev.MeasuredAt)
	if err != nil {
		return false
	}
	age := now.Sub(at)
	return age >= 0 && age <= ReuseMaxAge && time.Duration(prev.TookMs)*time.Millisecond >= ReuseMinCost
}

// fileCommands are the commands that measure files, and their categories.
var fileCommands = []struct {
	id         string
	categories []string
}{
	{CmdRecordings, []string{"recordings"}},
	{CmdDataSize, []string{"voicemail", "sounds", "moh", "tancredi", "config"}},
}

// finishData completes the data facts once every parser ran: which
// categories were measured to their end, the sums, and for an incomplete
// measurement the upper bound from the filesystems.
func (f *Facts) finishData() {
	d := &f.Data
	d.Unmeasured = map[string]string{}
	if f.Plan.SkipFiles && f.Reuse != nil {
		f.reuseFiles()
	} else if !f.Plan.SkipFiles {
		f.measuredFiles()
	}
	if r := f.cmd[CmdDBSizes]; r.Status != StatusOK {
		d.Unmeasured["databases"] = "the database sizes could not be read (" + why(r, f.DataBudgetS) + ")"
	}
	d.FilesBytes = 0
	for _, n := range d.Categories {
		d.FilesBytes += n
	}
	for _, n := range d.Partial {
		d.FilesBytes += n
	}
	d.TotalBytes = d.FilesBytes + d.DatabaseBytes
	d.Complete = len(d.Unmeasured) == 0
	if len(d.Unmeasured) == 0 {
		d.Unmeasured = nil
		return
	}
	d.AtMostBytes, d.BoundMounts = f.bound()
}

// measuredFiles records, for each file command, whether its categories
// were measured to their end.
func (f *Facts) measuredFiles() {
	d := &f.Data
	var took time.Duration
	for _, fc := range fileCommands {
		r := f.cmd[fc.id]
		took = max(took, r.Duration)
		if r.Status == StatusOK {
			continue
		}
		for _, c := range fc.categories {
			if n, ok := d.Categories[c]; ok && fc.id == CmdDataSize {
				// du printed its line before it was cut: counted, but the
				// category's other paths may not have been.
				delete(d.Categories, c)
				if d.Partial == nil {
					d.Partial = map[string]int64{}
				}
				d.Partial[c] = n
			}
			d.Unmeasured[c] = why(r, f.DataBudgetS)
		}
	}
	d.TookMs = took.Milliseconds()
	d.MeasuredAt = f.Started
}

// reuseFiles takes the file categories of an earlier measurement.
func (f *Facts) reuseFiles() {
	d, prev := &f.Data, f.Reuse
	for _, c := range FileCategories {
		if n, ok := prev.Categories[c]; ok {
			d.Categories[c] = n
		}
	}
	d.Filesystems = prev.Filesystems
	d.MeasuredAt, d.TookMs, d.Reused = prev.MeasuredAt, prev.TookMs, true
}

// why says why a command gave no complete answer.
func why(r Result, budgetS int) string {
	if r.Reason != "" {
		return r.Reason
	}
	switch r.Status {
	case StatusTimeout:
		if budgetS > 0 && (r.ID == CmdRecordings || r.ID == CmdDataSize) {
			return fmt.Sprintf("not done within the data budget of %d s", budgetS)
		}
		return "not done within its deadline"
	case StatusLost:
		return "cut short: the connection or the probe ended first"
	case StatusNotRun:
		return "never started: the connection or the probe ended first"
	}
	return fmt.Sprintf("exit code %d", r.Exit)
}

// bound is the upper bound of an incomplete measurement: the measured
// categories and databases, plus the used bytes of every filesystem that
// holds an unmeasured path (each counted once). 0 when df did not answer
// for a path of an unmeasured category.
func (f *Facts) bound() (int64, []PathFS) {
	d := &f.Data
	if len(d.Filesystems) == 0 {
		return 0, nil
	}
	mounts := map[string]PathFS{}
	_, dbUnknown := d.Unmeasured["databases"]
	for _, fs := range d.Filesystems {
		if path.Clean(fs.Path) == MySQLDir {
			dbUnknown = false
		}
		c := categoryOf(fs.Path)
		if path.Clean(fs.Path) == MySQLDir {
			c = "databases"
		}
		if _, ok := d.Unmeasured[c]; ok {
			if _, seen := mounts[fs.Mount]; !seen {
				mounts[fs.Mount] = fs
			}
		}
	}
	if dbUnknown {
		return 0, nil // no filesystem bounds the databases
	}
	var total int64
	for _, n := range d.Categories {
		total += n
	}
	if _, ok := d.Unmeasured["databases"]; !ok {
		total += d.DatabaseBytes
	}
	var out []PathFS
	for _, fs := range mounts {
		total += fs.UsedBytes
		out = append(out, fs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Mount < out[j].Mount })
	return total, out
}
