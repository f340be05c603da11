// Package report holds the finding and report model of SPEC §5: stable ids,
// a status per finding, a blocking flag kept apart from the status (so an
// ignored failure stays visible), structured remediation, and the summary.
package report

import (
	"sort"
	"strings"
	"time"
)

// SchemaVersion is the version of the report document; bump it on any
// incompatible change so scripts can tell.
const SchemaVersion = 1

// Status of one finding.
type Status string

const (
	Pass Status = "pass"
	Warn Status = "warn"
	Fail Status = "fail"
	Skip Status = "skip"
)

// Remediation is what a person can do about a finding.
type Remediation struct {
	Hint     string   `json:"hint"`
	Commands []string `json:"commands,omitempty"`
	Doc      string   `json:"doc,omitempty"`
}

// Finding is the verdict of one check on one subject.
type Finding struct {
	ID          string         `json:"id"`
	Subject     string         `json:"subject"`
	Status      Status         `json:"status"`
	Blocking    bool           `json:"blocking"`
	Ignored     bool           `json:"ignored,omitempty"`
	IgnoreNote  string         `json:"ignore_reason,omitempty"`
	Title       string         `json:"title"`
	Message     string         `json:"message"`
	Remediation *Remediation   `json:"remediation,omitempty"`
	Data        map[string]any `json:"data,omitempty"`
	DurationMs  int64          `json:"duration_ms"`
}

// Summary counts findings by status; ignored failures count in Ignored, not in Fail.
type Summary struct {
	Pass    int `json:"pass"`
	Warn    int `json:"warn"`
	Fail    int `json:"fail"`
	Skip    int `json:"skip"`
	Ignored int `json:"ignored"`
}

// Report is the output document of every check action.
type Report struct {
	SchemaVersion int            `json:"schema_version"`
	Action        string         `json:"action"`
	RunID         string         `json:"run_id"`
	StartedAt     string         `json:"started_at"`
	DurationMs    int64          `json:"duration_ms"`
	Ready         bool           `json:"ready"`
	Summary       Summary        `json:"summary"`
	Checks        []Finding      `json:"checks"`
	Facts         map[string]any `json:"facts"`
	// Changes is set by run-preflight: findings whose status changed since
	// the previous run.
	Changes []Change `json:"changes,omitempty"`
	// IgnoreUnmatched is set by run-preflight, which judges every check:
	// the ignore entries that match no finding (a misspelt subject, a
	// check that no longer reports it), so that an entry meant to ignore
	// something is seen to ignore nothing.
	IgnoreUnmatched []Ignore `json:"ignore_unmatched,omitempty"`
}

// Change is a finding whose status changed since the previous run, or
// that was ignored, or no longer, by the ignore list.
type Change struct {
	ID          string `json:"id"`
	Subject     string `json:"subject"`
	From        Status `json:"from"` // "" when the finding is new
	To          Status `json:"to"`   // "" when the finding is gone
	FromIgnored bool   `json:"from_ignored,omitempty"`
	ToIgnored   bool   `json:"to_ignored,omitempty"`
}

// Diff lists the findings whose status, or whether the ignore list covers
// them, differs between prev and cur, in cur's order, then the findings
// that disappeared.
func Diff(prev, cur []Finding) []Change {
	key := func(f Finding) string { return f.ID + "\x00" + f.Subject }
	before := map[string]Finding{}
	for _, f := range prev {
		before[key(f)] = f
	}
	out := []Change{}
	seen := map[string]bool{}
	for _, f := range cur {
		k := key(f)
		seen[k] = true
		if b, ok := before[k]; !ok || b.Status != f.Status || b.Ignored != f.Ignored {
			out = append(out, Change{ID: f.ID, Subject: f.Subject, From: b.Status, To: f.Status, FromIgnored: b.Ignored, ToIgnored: f.Ignored})
		}
	}
	for _, f := range prev {
		if !seen[key(f)] {
			out = append(out, Change{ID: f.ID, Subject: f.Subject, From: f.Status, FromIgnored: f.Ignored})
		}
	}
	return out
}

// Ignore is one entry of the ignore list: a check id (or one of its aliases)
// and optionally one subject (an empty subject matches every subject), with
// the reason, which is required: an entry without one is not applied.
type Ignore struct {
	ID      string `json:"id"`
	Subject string `json:"subject"`
	Reason  string `json:"reason"`
}

// Catalog resolves aliases and gives the display order of ids; the catalog
// package implements it.
type Catalog interface {
	Canonical(id string) string
	Order(id string) int
	Title(id string) string
	Doc(id string) string
}

// Build assembles a report: it fills titles and doc anchors from the catalog,
// applies the ignore list, sorts findings deterministically (catalog order,
// then subject) and computes summary and readiness.
func Build(cat Catalog, action, runID string, started time.Time, findings []Finding, ignores []Ignore, facts map[string]any) Report {
	out := make([]Finding, len(findings))
	copy(out, findings)
	for i := range out {
		f := &out[i]
		if f.Title == "" {
			f.Title = cat.Title(f.ID)
		}
		if f.Remediation != nil && f.Remediation.Doc == "" {
			f.Remediation.Doc = cat.Doc(f.ID)
		}
		f.Blocking = f.Status == Fail
		f.Ignored, f.IgnoreNote = false, "" // judged again: reports are rebuilt from sub-reports
		if ig, ok := matchIgnore(cat, f, ignores); ok && f.Status != Pass {
			f.Ignored = true
			f.IgnoreNote = ig.Reason
			f.Blocking = false
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		oi, oj := cat.Order(out[i].ID), cat.Order(out[j].ID)
		if oi != oj {
			return oi < oj
		}
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Subject < out[j].Subject
	})
	r := Report{
		SchemaVersion: SchemaVersion,
		Action:        action,
		RunID:         runID,
		StartedAt:     started.UTC().Format(time.RFC3339),
		DurationMs:    time.Since(started).Milliseconds(),
		Checks:        out,
		Facts:         facts,
	}
	if r.Facts == nil {
		r.Facts = map[string]any{}
	}
	if r.Checks == nil {
		r.Checks = []Finding{}
	}
	r.Summary = Summarize(out)
	r.Ready = true
	for _, f := range out {
		if f.Blocking {
			r.Ready = false
		}
	}
	return r
}

// Summarize counts findings by status.
func Summarize(fs []Finding) Summary {
	var s Summary
	for _, f := range fs {
		switch {
		case f.Ignored:
			s.Ignored++
		case f.Status == Pass:
			s.Pass++
		case f.Status == Warn:
			s.Warn++
		case f.Status == Fail:
			s.Fail++
		case f.Status == Skip:
			s.Skip++
		}
	}
	return s
}

// Unmatched lists the ignore entries whose id and subject match no
// finding at all (whatever its status), in the list's order.
func Unmatched(cat Catalog, findings []Finding, ignores []Ignore) []Ignore {
	var out []Ignore
	for _, ig := range ignores {
		id, used := cat.Canonical(ig.ID), false
		for _, f := range findings {
			if cat.Canonical(f.ID) == id && (ig.Subject == "" || ig.Subject == f.Subject) {
				used = true
				break
			}
		}
		if !used {
			out = append(out, ig)
		}
	}
	return out
}

// matchIgnore finds the entry that ignores f. An entry without a reason
// is never applied: nothing may turn NOT READY into READY without a word
// of why.
func matchIgnore(cat Catalog, f *Finding, ignores []Ignore) (Ignore, bool) {
	id := cat.Canonical(f.ID)
	for _, ig := range ignores {
		if cat.Canonical(ig.ID) != id || strings.TrimSpace(ig.Reason) == "" {
			continue
		}
		if ig.Subject == "" || ig.Subject == f.Subject {
			return ig, true
		}
	}
	return Ignore{}, false
}

// Exit codes of --exit-code grading (troubleshoot's convention).
const (
	ExitReady    = 0
	ExitBlocking = 3
	ExitWarnings = 4
)

// Grade maps a report to the graded exit code.
func Grade(r Report) int {
	if !r.Ready {
		return ExitBlocking
	}
	if r.Summary.Warn > 0 {
		return ExitWarnings
	}
	return ExitReady
}
