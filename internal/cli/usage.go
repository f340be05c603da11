package cli

import (
	"fmt"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/actions"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/catalog"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// Usage prints the help text.
func Usage(w io.Writer) {
	fmt.Fprint(w, `nethvoice-preflight: checks the prerequisites of migrating NethVoice from NethServer 7 to
NethServer 8.

Usage:
  nethvoice-preflight <action> [--data JSON | < input.json] [--format json|text]
                      [--only-problems] [--exit-code]
  nethvoice-preflight demo [action] [options]  the same against a built-in sample cluster and NS7
  nethvoice-preflight demo reset               forget the demo's settings, checklist and history
  nethvoice-preflight --version | --help

Actions:
`)
	for _, a := range actions.All() {
		if a.Hidden {
			continue
		}
		fmt.Fprintf(w, "  %-18s %s\n", a.Name, indent(report.Wrap(a.Summary, report.DefaultWidth-21), "", "                     "))
	}
	fmt.Fprint(w, `
Options:
  --data JSON      action input (default: stdin when it is not a terminal, else none)
  --format FORMAT  json (the default: what the NS8 agent reads) or text (for a terminal; the
                   demo's default)
  --only-problems  text: show only what blocks or warns
  --exit-code      grade the exit code of check actions: 0 ready, 3 a blocking finding,
                   4 warnings only

Exit codes:
  0   the action ran and printed its output (whatever the verdicts, unless --exit-code)
  1   the action could not run at all (message on stderr)
  3   with --exit-code: at least one blocking finding
  4   with --exit-code: warnings only
  10  invalid input: the mistakes in words on stderr; with --format json, the NS8 agent's
      array of {field, parameter, value, error} on stdout

Without REDIS_ADDRESS (outside NS8) the cluster checks are skipped, with the reason. Text is
wrapped to the terminal's width (COLUMNS when set, else 100 columns off a terminal), in colour on
a terminal unless NO_COLOR is set. The demo keeps its state in $XDG_STATE_HOME/nethvoice-preflight
(default ~/.local/state/nethvoice-preflight).
`)
	fmt.Fprintf(w, "Every check: nethvoice-preflight list-checks --format text, and\n%s\n", DocURL())
}

// DocURL is where every check id is explained: docs/checks.md in the
// project's public repository.
func DocURL() string { return catalog.DocURL(catalog.DocFile) }

// Terminal says how to print text on f: its width in columns (0 when it
// is not a terminal and COLUMNS is not set) and whether to use colours (a
// terminal, NO_COLOR unset or empty (no-color.org), TERM not "dumb").
func Terminal(f *os.File, getenv func(string) string) (width int, color bool) {
	if n, err := strconv.Atoi(getenv("COLUMNS")); err == nil && n > 0 {
		width = n
	}
	if !term.IsTerminal(int(f.Fd())) {
		return width, false
	}
	if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
		width = w
	}
	return width, getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
}
