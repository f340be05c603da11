// Package check declares what a check is: one value that holds its id, its
// title, what it verifies, its documentation, the action that runs it, the
// area of the prerequisites page it belongs to, its former ids and its
// evaluator, in the spirit of golang.org/x/tools/go/analysis.Analyzer. The
// catalogue, list-checks, docs/checks.md and the admin page's groups are
// derived from these values; Judge runs them on the facts an action
// collected.
package check

import (
	"fmt"
	"strings"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// Area is the part of the official prerequisites page a check belongs to
// (its checklist headings); the admin page groups findings by it.
type Area string

// The areas, in the order the prerequisites page and the admin page show
// them.
const (
	System        Area = "system"
	Network       Area = "network"
	DNS           Area = "dns"
	Account       Area = "account"
	Data          Area = "data"
	Schedule      Area = "schedule"
	Documentation Area = "documentation"
)

// Areas lists every area in display order.
var Areas = []Area{System, Network, DNS, Account, Data, Schedule, Documentation}

// Meta describes a check id: everything but how it is judged.
type Meta struct {
	// ID is stable, lower-case and dotted (area.thing); reports, ignore
	// lists and scripts rely on it. Renamed ids live on in Aliases.
	ID    string
	Title string
	// Verifies is one or two sentences: what list-checks and the admin page
	// say the check verifies.
	Verifies string
	// Doc is the Markdown body of the id's section in docs/checks.md: the
	// rule, its source, when the check is skip.
	Doc     string
	Action  string
	Area    Area
	Aliases []string
}

// Check is one check over the facts F that its action collects.
type Check[F any] struct {
	Meta
	// Eval returns the check's findings (one per subject). It may leave
	// their ID empty: Judge stamps it.
	Eval func(F) []report.Finding
	// Took, when set, says how long the collection of the facts this check
	// reads took; Judge gives it to the findings that carry no duration.
	Took func(F) time.Duration
}

// One adapts an evaluator of a single finding.
func One[F any](eval func(F) report.Finding) func(F) []report.Finding {
	return func(f F) []report.Finding { return []report.Finding{eval(f)} }
}

// Run evaluates one check, its id stamped on every finding. A panic
// becomes a preflight.internal finding (see Judge).
func (c *Check[F]) Run(facts F) []report.Finding {
	fs, err := c.eval(facts)
	if err != nil {
		return []report.Finding{InternalError(c.ID, err)}
	}
	var took int64
	if c.Took != nil {
		took = c.Took(facts).Milliseconds()
	}
	for i := range fs {
		if fs[i].ID != "" && fs[i].ID != c.ID {
			return []report.Finding{InternalError(c.ID, fmt.Errorf("it returned a finding of %s", fs[i].ID))}
		}
		fs[i].ID = c.ID
		if fs[i].DurationMs == 0 {
			fs[i].DurationMs = took
		}
	}
	return fs
}

func (c *Check[F]) eval(facts F) (fs []report.Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return c.Eval(facts), nil
}

// Judge runs every check on the facts, in order. One check that panics
// cannot take the others down: its place holds a preflight.internal
// finding that names it, never a finding borrowed from another id.
func Judge[F any](checks []*Check[F], facts F) []report.Finding {
	var out []report.Finding
	for _, c := range checks {
		out = append(out, c.Run(facts)...)
	}
	return out
}

// Metas lists the descriptions of a list of checks.
func Metas[F any](checks []*Check[F]) []Meta {
	out := make([]Meta, len(checks))
	for i, c := range checks {
		out[i] = c.Meta
	}
	return out
}

// Internal is the finding of a check that broke: a bug of this program,
// not a verdict. It blocks readiness, since the check could not judge.
var Internal = Meta{
	ID: "preflight.internal", Title: "Checks ran without internal errors", Action: "all", Area: Documentation,
	Verifies: "Every check judged its facts without an internal error; when one broke, which one and why (a bug to report).",
	Doc: "A check that breaks while judging (a bug of nethvoice-preflight) gives this finding in its place, with the " +
		"check's id as subject and the error as message, instead of a verdict: `fail`, because what the check " +
		"should have said is unknown. The other checks are not affected. Report it with the task log.",
}

// InternalError is the finding of check id that broke with err (its first
// line).
func InternalError(id string, err error) report.Finding {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	return report.Finding{ID: Internal.ID, Subject: id, Status: report.Fail,
		Message:     fmt.Sprintf("internal error in check %s: %s", id, msg),
		Remediation: Hint("Report this bug with the task log (nethvoice-preflight's issue tracker)")}
}

// Part is the finding of run-preflight when one of the actions it combines
// could not run at all: in its place, so that the report can never be
// ready without it.
var Part = Meta{
	ID: "preflight.action", Title: "Part of the preflight ran", Action: "run-preflight", Area: Documentation,
	Verifies: "Each action that run-preflight combines (validate-fqdns, probe-ns7, check-node, check-user-domain) ran; when one could not, the reason.",
	Doc: "`run-preflight` combines `validate-fqdns`, `probe-ns7`, `check-node` and `check-user-domain`; when " +
		"one of them cannot run at all (not available in this version, or its input is not configured), this " +
		"finding says which and why (`fail`: its checks did not judge), and the other parts still run.",
}

// PartFailed is the finding of an action (subject) that could not run.
func PartFailed(action, why string, remedy *report.Remediation) report.Finding {
	return report.Finding{ID: Part.ID, Subject: action, Status: report.Fail, Message: why, Remediation: remedy}
}
