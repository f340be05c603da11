package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Widths of text output, in columns.
const (
	// DefaultWidth is used when the terminal's width is unknown (a pipe).
	DefaultWidth = 100
	// MinWidth and MaxWidth bound the width taken from a terminal: below
	// MinWidth nothing fits, above MaxWidth lines are too long to read.
	MinWidth = 60
	MaxWidth = 120
)

// TextOptions says how a report is printed for a person.
type TextOptions struct {
	// Width is the terminal's width (0: DefaultWidth); lines wrap within
	// it, except a word (a URL, a long command argument) longer than a line.
	Width int
	// Color turns on ANSI colours (a terminal, without NO_COLOR).
	Color bool
	// OnlyProblems leaves out the findings that passed or were not judged.
	OnlyProblems bool
	// DocURL is where every check id is explained (said once, at the end).
	DocURL string
}

// Cols is the width to wrap at.
func (o TextOptions) Cols() int {
	switch {
	case o.Width <= 0:
		return DefaultWidth
	case o.Width < MinWidth:
		return MinWidth
	case o.Width > MaxWidth:
		return MaxWidth
	}
	return o.Width
}

// SGR sequences (ECMA-48) of the colours used.
const (
	sgrReset  = "\x1b[0m"
	sgrBold   = "\x1b[1m"
	sgrRed    = "\x1b[1;31m"
	sgrYellow = "\x1b[33m"
	sgrGreen  = "\x1b[32m"
	sgrDim    = "\x1b[2m"
	sgrCyan   = "\x1b[36m"
)

func (o TextOptions) paint(sgr, s string) string {
	if !o.Color || s == "" {
		return s
	}
	return sgr + s + sgrReset
}

// Bold is s in bold when colours are on.
func (o TextOptions) Bold(s string) string { return o.paint(sgrBold, s) }

// Dim is s dimmed when colours are on.
func (o TextOptions) Dim(s string) string { return o.paint(sgrDim, s) }

// labelWidth is the width of a status label and its gap ("FAIL  ").
const labelWidth = 6

// Label is a status as a 4-letter label, in its colour.
func (o TextOptions) Label(st Status, ignored bool) string {
	s := strings.ToUpper(string(st))
	switch {
	case ignored:
		return o.paint(sgrCyan, s)
	case st == Fail:
		return o.paint(sgrRed, s)
	case st == Warn:
		return o.paint(sgrYellow, s)
	case st == Pass:
		return o.paint(sgrGreen, s)
	}
	return o.paint(sgrDim, s)
}

// Verdict is READY or NOT READY, in its colour.
func (o TextOptions) Verdict(ready bool) string {
	if ready {
		return o.paint(sgrGreen+";1", "READY")
	}
	return o.paint(sgrRed, "NOT READY")
}

// WriteText prints a report for a terminal: the verdict, then the findings
// by section (blocking first, then warnings, ignored, passed, not judged),
// each finding's message and remedy wrapped under it, findings that share
// one cause folded into one entry, and a closing list of what to fix
// before migrating.
func WriteText(w io.Writer, r Report, o TextOptions) {
	o.Width = o.Cols()
	p := &printer{w: w, o: o}
	p.wrap(r.Action+", started "+r.StartedAt+", took "+duration(r.DurationMs)+", run "+r.RunID, 0, 2, nil)
	p.line("")
	p.line(verdictLine(r, o))
	p.changes(r.Changes)
	p.unmatched(r.IgnoreUnmatched)
	secs := sections(r.Checks)
	hidden := 0
	for _, s := range secs {
		if len(s.entries) == 0 {
			continue
		}
		if o.OnlyProblems && !s.problem {
			hidden += s.count
			continue
		}
		p.section(s)
	}
	if hidden > 0 {
		p.line("")
		p.wrap(fmt.Sprintf("(%d findings that passed or were not judged are not shown: run without --only-problems to see them)", hidden), 0, 0, o.Dim)
	}
	p.closing(r, secs[0])
}

func duration(ms int64) string {
	if ms < 1000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

func verdictLine(r Report, o TextOptions) string {
	s := r.Summary
	counts := fmt.Sprintf("%d pass, %d warn, %d fail, %d skip, %d ignored", s.Pass, s.Warn, s.Fail, s.Skip, s.Ignored)
	if r.Ready {
		return o.Verdict(true) + ": nothing blocks the migration (" + counts + ")"
	}
	return o.Verdict(false) + ": " + plural(s.Fail, "blocking finding") + " (" + counts + ")"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// section is one group of findings, in the order they are shown.
type section struct {
	title   string
	problem bool // shown with --only-problems
	count   int
	entries []entry
}

// sections sorts findings into the five sections, keeping the report's
// order inside each, and folds each section's findings.
func sections(fs []Finding) []section {
	secs := []section{
		{title: "Blocking: to fix before migrating", problem: true},
		{title: "Warnings: read them before migrating", problem: true},
		{title: "Ignored, each with its reason", problem: true},
		{title: "Passed"},
		{title: "Not judged"},
	}
	byStatus := make([][]Finding, len(secs))
	for _, f := range fs {
		i := 3
		switch {
		case f.Ignored:
			i = 2
		case f.Blocking || f.Status == Fail:
			i = 0
		case f.Status == Warn:
			i = 1
		case f.Status == Skip:
			i = 4
		}
		byStatus[i] = append(byStatus[i], f)
	}
	for i := range secs {
		secs[i].count = len(byStatus[i])
		secs[i].entries = fold(byStatus[i])
	}
	return secs
}

// entry is one finding, or findings folded because they share one cause.
type entry struct {
	findings []Finding
	// sameMessage: every finding says the same (one message, one remedy);
	// otherwise, when there are several, they share the remedy only.
	sameMessage bool
}

func (e entry) first() Finding { return e.findings[0] }

func hint(f Finding) string {
	if f.Remediation == nil {
		return ""
	}
	return f.Remediation.Hint
}

// fold groups findings of one status that share their message and remedy
// (two or more: "25 ns7.* checks: NS7 was not probed: ..."), then those
// that share their remedy only (three or more, such as the manual
// checklist), at the place of the group's first finding.
func fold(fs []Finding) []entry {
	byMessage := map[string][]int{}
	byHint := map[string][]int{}
	for i, f := range fs {
		k := string(f.Status) + "\x00" + f.Message + "\x00" + hint(f)
		byMessage[k] = append(byMessage[k], i)
	}
	for i, f := range fs {
		if len(byMessage[string(f.Status)+"\x00"+f.Message+"\x00"+hint(f)]) == 1 && hint(f) != "" {
			k := string(f.Status) + "\x00" + hint(f)
			byHint[k] = append(byHint[k], i)
		}
	}
	var out []entry
	done := make([]bool, len(fs))
	for i, f := range fs {
		if done[i] {
			continue
		}
		group, same := []int{i}, false
		if g := byMessage[string(f.Status)+"\x00"+f.Message+"\x00"+hint(f)]; len(g) >= 2 {
			group, same = g, true
		} else if g := byHint[string(f.Status)+"\x00"+hint(f)]; len(g) >= 3 {
			group = g
		}
		e := entry{sameMessage: same}
		for _, j := range group {
			done[j] = true
			e.findings = append(e.findings, fs[j])
		}
		out = append(out, e)
	}
	return out
}

// name is how a group of checks is called: "25 ns7.* checks" when they
// share their area, else "3 checks", and "(subject)" when they share it.
func (e entry) name() string {
	area, _, _ := strings.Cut(e.first().ID, ".")
	name := fmt.Sprintf("%d %s.* checks", len(e.findings), area)
	for _, f := range e.findings[1:] {
		if a, _, _ := strings.Cut(f.ID, "."); a != area {
			name = fmt.Sprintf("%d checks", len(e.findings))
		}
	}
	if s := e.subject(); s != "" {
		name += " (" + oneLine(s) + ")"
	}
	return name
}

// subject is the subject every finding of the entry has, or "".
func (e entry) subject() string {
	s := e.first().Subject
	for _, f := range e.findings[1:] {
		if f.Subject != s {
			return ""
		}
	}
	return s
}

// member is how a finding is listed in its entry: its id, and its subject
// unless the entry's name says it.
func (e entry) member(f Finding) string {
	if e.subject() != "" {
		return f.ID
	}
	return idSubject(f)
}

// idSubject is "id (subject)", or the id alone.
func idSubject(f Finding) string {
	if f.Subject == "" {
		return f.ID
	}
	return f.ID + " (" + oneLine(f.Subject) + ")"
}

// printer writes wrapped lines.
type printer struct {
	w io.Writer
	o TextOptions
}

func (p *printer) line(s string) { fmt.Fprintln(p.w, s) }

// wrap prints text wrapped to the width, the first line indented by
// first columns, the others by rest, each line in style (nil: plain).
func (p *printer) wrap(text string, first, rest int, style func(string) string) {
	lines := wrapLines(oneLine(text), p.o.Width-first, p.o.Width-rest)
	for i, l := range lines {
		if style != nil {
			l = style(l)
		}
		if i == 0 {
			p.line(strings.Repeat(" ", first) + l)
		} else {
			p.line(strings.Repeat(" ", rest) + l)
		}
	}
}

// labelled prints a label and text wrapped under the text.
func (p *printer) labelled(label string, text string) {
	lines := wrapLines(oneLine(text), p.o.Width-labelWidth, p.o.Width-labelWidth)
	// label is 4 columns (maybe with its colour) and 2 blanks follow.
	pad := strings.Repeat(" ", labelWidth)
	for i, l := range lines {
		if i == 0 {
			p.line(label + "  " + l)
		} else {
			p.line(pad + l)
		}
	}
}

func (p *printer) section(s section) {
	p.line("")
	p.line(p.o.Bold(fmt.Sprintf("%s (%d)", s.title, s.count)))
	for _, e := range s.entries {
		p.entry(e)
	}
}

func (p *printer) entry(e entry) {
	f := e.first()
	label := p.o.Label(f.Status, f.Ignored)
	switch {
	case len(e.findings) == 1:
		p.labelled(label, idSubject(f)+": "+f.Message)
	case e.sameMessage:
		p.labelled(label, e.name()+": "+f.Message)
		ids := make([]string, len(e.findings))
		for i, x := range e.findings {
			ids[i] = e.member(x)
		}
		p.wrap(strings.Join(ids, ", "), labelWidth, labelWidth, p.o.Dim)
	default:
		p.labelled(label, e.name()+", each: "+hint(f))
		for _, x := range e.findings {
			p.wrap(e.member(x)+": "+x.Message, labelWidth, labelWidth+2, nil)
		}
		p.commands(f, labelWidth, "e.g. ")
		return
	}
	if f.Ignored && f.IgnoreNote != "" {
		p.wrap("ignored: "+f.IgnoreNote, labelWidth, labelWidth+2, nil)
	}
	if f.Status != Pass && hint(f) != "" {
		p.wrap("-> "+hint(f), labelWidth, labelWidth+3, nil)
		p.commands(f, labelWidth+3, "")
	}
}

// commands prints a finding's commands, each wrapped at its unquoted
// blanks with a shell continuation, so that it can be copied as it is.
func (p *printer) commands(f Finding, indent int, lead string) {
	if f.Remediation == nil {
		return
	}
	for _, c := range f.Remediation.Commands {
		parts := commandLines(oneLine(c), p.o.Width-indent-len(lead)-2)
		for i, l := range parts {
			if i == 0 {
				p.line(strings.Repeat(" ", indent) + lead + "$ " + l)
			} else {
				p.line(strings.Repeat(" ", indent+len(lead)+6) + l)
			}
		}
	}
}

// heading starts a part of n lines under a bold title (format with %d
// for n); nothing when n is 0.
func (p *printer) heading(n int, title string) {
	if n == 0 {
		return
	}
	p.line("")
	p.line(p.o.Bold(fmt.Sprintf(title, n)))
}

// changes prints what changed since the previous run (run-preflight).
func (p *printer) changes(cs []Change) {
	p.heading(len(cs), "Changed since the previous run (%d)")
	for _, c := range cs {
		from, to := strings.ToUpper(string(c.From)), strings.ToUpper(string(c.To))
		switch {
		case c.From == "":
			from = "new"
		case c.To == "":
			to = "gone"
		}
		if c.FromIgnored {
			from += " (ignored)"
		}
		if c.ToIgnored {
			to += " (ignored)"
		}
		p.wrap(idSubject(Finding{ID: c.ID, Subject: c.Subject})+": "+from+" -> "+to, 2, 6, nil)
	}
}

// unmatched prints the ignore entries that ignore nothing (run-preflight).
func (p *printer) unmatched(igs []Ignore) {
	p.heading(len(igs), "Ignore entries that match no finding (%d): check their id and subject")
	for _, ig := range igs {
		what := ig.ID + " (every subject)"
		if ig.Subject != "" {
			what = ig.ID + " (subject " + strconv.Quote(ig.Subject) + ")"
		}
		p.wrap(what+": "+ig.Reason, 2, 6, nil)
	}
}

// closing prints the verdict again and, when something blocks, the list
// of what to fix, one remedy per entry of the blocking section.
func (p *printer) closing(r Report, blocking section) {
	p.line("")
	p.line(verdictLine(r, p.o))
	if len(blocking.entries) > 0 {
		p.line("")
		p.line(p.o.Bold("To fix before migrating:"))
		for i, e := range blocking.entries {
			what := idSubject(e.first())
			if len(e.findings) > 1 {
				what = e.name()
			}
			h := hint(e.first())
			if h == "" {
				h = e.first().Message
			}
			n := fmt.Sprintf("%3d. ", i+1)
			lines := wrapLines(oneLine(what+": "+h), p.o.Width-len(n), p.o.Width-len(n))
			for j, l := range lines {
				if j == 0 {
					p.line(n + l)
				} else {
					p.line(strings.Repeat(" ", len(n)) + l)
				}
			}
		}
		p.wrap("Then run the checks again.", 0, 0, nil)
	} else if r.Summary.Warn > 0 {
		p.wrap(fmt.Sprintf("Read the %s above before migrating.", plural(r.Summary.Warn, "warning")), 0, 0, nil)
	}
	if p.o.DocURL != "" {
		p.wrap("Each check is explained in "+p.o.DocURL, 0, 0, nil)
	}
}

// Wrap breaks text into lines of at most width columns at blanks; a word
// longer than a line stays whole on a line of its own.
func Wrap(text string, width int) string {
	return strings.Join(wrapLines(text, width, width), "\n")
}

// wrapLines wraps text, the first line at firstWidth, the others at width.
func wrapLines(text string, firstWidth, width int) []string {
	var lines []string
	var cur strings.Builder
	col, limit := 0, firstWidth
	for _, w := range strings.Fields(text) {
		n := visible(w)
		if col > 0 && col+1+n > limit {
			lines = append(lines, cur.String())
			cur.Reset()
			col, limit = 0, width
		}
		if col > 0 {
			cur.WriteByte(' ')
			col++
		}
		cur.WriteString(w)
		col += n
	}
	if cur.Len() > 0 || len(lines) == 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// visible is the number of columns a word takes: runes, without ANSI
// escape sequences.
func visible(s string) int {
	n := 0
	for i := 0; i < len(s); {
		if s[i] == 0x1b {
			if j := strings.IndexByte(s[i:], 'm'); j > 0 {
				i += j + 1
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

// commandLines splits a shell command at blanks outside quotes into lines
// of at most width columns, each but the last ending in " \" (a line
// continuation the shell joins back).
func commandLines(cmd string, width int) []string {
	var words []string
	var cur strings.Builder
	var quote byte
	for i := 0; i < len(cmd); i++ {
		c := cmd[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '\'' || c == '"'):
			quote = c
		case quote == 0 && c == ' ':
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
			continue
		}
		cur.WriteByte(c)
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	return joinWords(words, width)
}

// joinWords packs words into lines of at most width columns (the first
// line width-2, the others width-6, leaving room for " \"), each line but
// the last ending in " \".
func joinWords(words []string, width int) []string {
	var lines []string
	cur, limit := "", width-2
	for _, w := range words {
		if cur != "" && visible(cur)+1+visible(w) > limit {
			lines = append(lines, cur+" \\")
			cur, limit = "", width-6
		}
		if cur != "" {
			cur += " "
		}
		cur += w
	}
	return append(lines, cur)
}

// oneLine keeps a value on one line whatever it contains.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}
