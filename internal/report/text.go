package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText prints a report as a readable table: status, id, subject,
// message, then the remedy on its own line under each finding that has one.
func WriteText(w io.Writer, r Report) {
	fmt.Fprintf(w, "%s  run %s  %s  (%d ms)\n\n", r.Action, r.RunID, r.StartedAt, r.DurationMs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "STATUS\tID\tSUBJECT\tMESSAGE")
	for _, f := range r.Checks {
		st := strings.ToUpper(string(f.Status))
		if f.Ignored {
			st += " (ignored)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", st, f.ID, oneLine(f.Subject), oneLine(f.Message))
		if f.Remediation != nil && f.Status != Pass {
			fmt.Fprintf(tw, "\t\t\t-> %s\n", oneLine(f.Remediation.Hint))
			for _, c := range f.Remediation.Commands {
				fmt.Fprintf(tw, "\t\t\t   $ %s\n", oneLine(c))
			}
		}
		if f.Ignored && f.IgnoreNote != "" {
			fmt.Fprintf(tw, "\t\t\t   ignored: %s\n", oneLine(f.IgnoreNote))
		}
	}
	tw.Flush()
	s := r.Summary
	verdict := "READY"
	if !r.Ready {
		verdict = "NOT READY"
	}
	fmt.Fprintf(w, "\n%s: %d pass, %d warn, %d fail, %d skip, %d ignored\n", verdict, s.Pass, s.Warn, s.Fail, s.Skip, s.Ignored)
}

// oneLine keeps a table row on one line whatever a value contains.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
