package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

const docURL = "https://github.com/nethvoice-preflight/ns8-nethvoice-preflight/blob/main/docs/checks.md"

// recorded reads a report recorded from a real run (testdata: the demo's
// run-preflight, and a stand-alone run-preflight with nothing configured).
func recorded(t *testing.T, name string) Report {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func text(r Report, o TextOptions) string {
	var buf bytes.Buffer
	WriteText(&buf, r, o)
	return buf.String()
}

// checkWidth fails on a line wider than width, unless it is one word (a
// URL, a command argument) that no line could hold.
func checkWidth(t *testing.T, out string, width int) {
	t.Helper()
	for i, l := range strings.Split(out, "\n") {
		if n := utf8.RuneCountInString(l); n > width && len(strings.Fields(l)) > 1 {
			t.Errorf("line %d is %d columns wide (width %d): %q", i+1, n, width, l)
		}
	}
}

// Golden text of real reports at 80, 100 and 120 columns: every line fits,
// blocking findings come first and again in the closing list.
func TestGoldenTextWidths(t *testing.T) {
	for _, name := range []string{"run-preflight-demo", "run-preflight-unconfigured"} {
		r := recorded(t, name+".json")
		for _, width := range []int{80, 100, 120} {
			t.Run(fmt.Sprintf("%s-%d", name, width), func(t *testing.T) {
				out := text(r, TextOptions{Width: width, DocURL: docURL})
				golden(t, fmt.Sprintf("%s-%d.txt", name, width), []byte(out))
				checkWidth(t, out, width)
				blocking := strings.Index(out, "Blocking: to fix before migrating")
				passed := strings.Index(out, "\nPassed (")
				closing := strings.Index(out, "To fix before migrating:")
				if blocking < 0 || passed < blocking || closing < passed {
					t.Errorf("sections out of order: blocking %d, passed %d, closing %d", blocking, passed, closing)
				}
				for _, f := range r.Checks {
					if f.Blocking && strings.Count(out, f.ID) < 2 {
						t.Errorf("blocking %s is not repeated in the closing list", f.ID)
					}
				}
			})
		}
	}
}

// Findings with one cause are folded into one entry that names how many
// and which.
func TestFolding(t *testing.T) {
	out := text(recorded(t, "run-preflight-unconfigured.json"), TextOptions{})
	for _, want := range []string{
		"SKIP  20 ns7.* checks (ns7): NS7 was not probed: no NS7 host is set",
		"SKIP  12 manual.* checks: no cluster database to keep the checklist",
		"SKIP  5 domain.* checks (account provider): NS7's account provider is unknown",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if n := strings.Count(out, "NS7 was not probed"); n != 2 { // ns7.ssh, then the folded skips
		t.Errorf("the cause is said %d times", n)
	}
	// Findings that share their remedy only (the checklist) list each
	// message under the remedy said once.
	out = text(recorded(t, "run-preflight-demo.json"), TextOptions{})
	if !strings.Contains(out, "WARN  12 manual.* checks, each: When it is done, tick it") || strings.Count(out, "tick it in the Checklist page") != 1 {
		t.Errorf("manual items not folded:\n%s", out)
	}
}

// --only-problems leaves out what passed or was not judged, and says so.
func TestOnlyProblems(t *testing.T) {
	r := recorded(t, "run-preflight-demo.json")
	out := text(r, TextOptions{OnlyProblems: true, DocURL: docURL})
	golden(t, "run-preflight-demo-only-problems.txt", []byte(out))
	if strings.Contains(out, "PASS ") || strings.Contains(out, "SKIP ") || !strings.Contains(out, "FAIL  node.cpu") ||
		!strings.Contains(out, "(49 findings that passed or were not judged are not shown") {
		t.Errorf("%s", out)
	}
}

// Colours: statuses and the verdict in ANSI colours when asked, never
// counted in the width; none otherwise.
func TestColor(t *testing.T) {
	r := recorded(t, "run-preflight-demo.json")
	plain := text(r, TextOptions{})
	colored := text(r, TextOptions{Color: true})
	if strings.Contains(plain, "\x1b[") {
		t.Error("escape sequences without colour")
	}
	for _, want := range []string{sgrRed + "FAIL" + sgrReset, sgrYellow + "WARN" + sgrReset, sgrGreen + "PASS" + sgrReset, sgrRed + "NOT READY" + sgrReset} {
		if !strings.Contains(colored, want) {
			t.Errorf("no %q", want)
		}
	}
	stripped := strings.NewReplacer(sgrReset, "", sgrBold, "", sgrRed, "", sgrYellow, "", sgrGreen, "", sgrDim, "", sgrCyan, "").Replace(colored)
	if stripped != plain {
		t.Error("colours changed the layout")
	}
}

func TestWrapHelpers(t *testing.T) {
	for _, c := range []struct {
		in    string
		width int
		want  string
	}{
		{"a bb ccc", 4, "a bb\nccc"},
		{"averyveryverylongword x", 4, "averyveryverylongword\nx"},
		{"  spaced   words ", 80, "spaced words"},
		{"é è ò", 3, "é è\nò"},
	} {
		if got := Wrap(c.in, c.width); got != c.want {
			t.Errorf("Wrap(%q, %d) = %q, want %q", c.in, c.width, got, c.want)
		}
	}
	// A command breaks at blanks outside quotes, with a continuation the
	// shell joins back.
	got := commandLines(`api-cli run x --data '{"a": "b c", "d": 1}'`, 24)
	want := []string{"api-cli run x --data \\", `'{"a": "b c", "d": 1}'`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("commandLines = %q, want %q", got, want)
	}
	if (TextOptions{Width: 10}).Cols() != MinWidth || (TextOptions{Width: 300}).Cols() != MaxWidth || (TextOptions{}).Cols() != DefaultWidth {
		t.Error("width bounds")
	}
}
