package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/actions"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/manualcheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

// writeText prints an action's output for a terminal (--format text):
// reports as report.WriteText does, the other outputs each in its own
// shape; raw is the output's JSON, printed indented for an output with no
// text shape of its own.
func writeText(w io.Writer, out any, raw []byte, o report.TextOptions) {
	o.Width = o.Cols()
	t := &textOut{w: w, o: o}
	switch v := out.(type) {
	case report.Report:
		report.WriteText(w, v, o)
	case actions.CheckList:
		t.checkList(v)
	case actions.Configuration:
		t.configuration(v)
	case store.View:
		t.reportView(v)
	case actions.ChecklistItem:
		t.checklistItem(v)
	default:
		var buf bytes.Buffer
		json.Indent(&buf, raw, "", "  ") //nolint:errcheck // raw is valid JSON
		buf.WriteByte('\n')
		w.Write(buf.Bytes())
	}
}

// doneWords is what a text run of an action without output prints.
func doneWords(action string) string {
	switch action {
	case "configure-module":
		return "Settings saved (get-configuration shows them)."
	case "create-module":
		return "The module's SSH key pair is ready (get-configuration shows the public key)."
	}
	return action + ": done."
}

type textOut struct {
	w io.Writer
	o report.TextOptions
}

func (t *textOut) line(s string) { fmt.Fprintln(t.w, s) }

// field prints "name  value", the value wrapped under itself.
func (t *textOut) field(name string, nameWidth int, value string) {
	pad := strings.Repeat(" ", nameWidth)
	t.line("  " + fmt.Sprintf("%-*s", nameWidth, name) + indent(report.Wrap(value, t.o.Width-nameWidth-2), "", "  "+pad))
}

// checkList prints the catalogue as a table: each action's checks, id
// and title, with the area.
func (t *textOut) checkList(l actions.CheckList) {
	idw := 0
	for _, e := range l.Checks {
		idw = max(idw, len(e.ID))
	}
	idw += 2
	action := ""
	for _, e := range l.Checks {
		if e.Action != action {
			action = e.Action
			if action != l.Checks[0].Action {
				t.line("")
			}
			t.line(t.o.Bold(action))
		}
		title := e.Title + " [" + string(e.Area) + "]"
		if len(e.Aliases) > 0 {
			title += " (former ids: " + strings.Join(e.Aliases, ", ") + ")"
		}
		t.field(e.ID, idw, title)
	}
	t.line("")
	t.line(report.Wrap(fmt.Sprintf("%d checks. What each verifies: list-checks --format json, and %s", len(l.Checks), DocURL()), t.o.Width))
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func listOr(l []string, none string) string {
	if len(l) == 0 {
		return none
	}
	return strings.Join(l, ", ")
}

// configuration prints the settings in words, then the module's public
// key (whole, on a line of its own, to copy into authorized_keys) and the
// pinned host key.
func (t *textOut) configuration(c actions.Configuration) {
	s := c.Settings
	t.line(t.o.Bold("Settings") + " (configure-module)")
	const w = 20
	ns7 := "(not set)"
	if s.NS7.Host != "" {
		ns7 = s.NS7.User + "@" + s.NS7.Host + " port " + strconv.Itoa(s.NS7.Port)
	}
	t.field("NS7", w, ns7)
	t.field("NethVoice FQDN", w, orNone(s.FQDNs.NethVoice, "(not set)"))
	t.field("CTI FQDN", w, orNone(s.FQDNs.CTI, "(not set)"))
	t.field("Proxy FQDN", w, orNone(s.FQDNs.Proxy, "(none)"))
	node := strconv.Itoa(s.Node)
	if s.Node == 0 {
		node = "the node this module runs on"
	}
	t.field("Destination node", w, node)
	t.field("LDAP domain", w, orNone(s.LDAPDomain, "(not set: the name NS7 proposes)"))
	t.field("Resolvers", w, listOr(s.Resolvers, "the node's (/etc/resolv.conf)"))
	t.field("Expected addresses", w, listOr(s.ExpectedAddresses, "found from the cluster and the node"))
	t.field("Timeout", w, strconv.Itoa(s.TimeoutS)+" s per check")
	t.field("Volumes path", w, orNone(s.VolumesPath, "(default)"))
	t.field("Ignore list", w, ignoreList(s.Ignore))
	t.line("")
	if c.SSHPublicKey == "" {
		t.line(t.o.Bold("Module SSH public key") + ": none yet (create-module makes it)")
	} else {
		t.line(report.Wrap(t.o.Bold("Module SSH public key")+" (authorize it for "+orNone(s.NS7.User, "root")+" on NS7, in ~/.ssh/authorized_keys):", t.o.Width))
		t.line(strings.TrimSpace(c.SSHPublicKey))
	}
	t.line("")
	t.line(report.Wrap(t.o.Bold("NS7 host key")+": "+orNone(c.NS7HostKey, "not pinned yet (the first probe pins it)"), t.o.Width))
}

func ignoreList(l []report.Ignore) string {
	if len(l) == 0 {
		return "(empty)"
	}
	var parts []string
	for _, ig := range l {
		subj := "every subject"
		if ig.Subject != "" {
			subj = ig.Subject
		}
		parts = append(parts, fmt.Sprintf("%s (%s): %s", ig.ID, subj, orNone(ig.Reason, "NO REASON: not applied")))
	}
	return strings.Join(parts, "; ")
}

// reportView prints get-report: the report, the history and the checklist.
func (t *textOut) reportView(v store.View) {
	if v.Report == nil {
		t.line("No run-preflight report yet: run run-preflight.")
	} else {
		report.WriteText(t.w, *v.Report, t.o)
	}
	t.line("")
	t.line(t.o.Bold(fmt.Sprintf("History (%s, newest first)", check.Count(len(v.History), "run", ""))))
	for _, h := range v.History {
		s := h.Summary
		changes := fmt.Sprintf("%d changes", h.Changes)
		if h.Changes == 1 {
			changes = "1 change"
		}
		text := fmt.Sprintf("%s %s: %d pass, %d warn, %d fail, %d skip, %d ignored; %s; run %s",
			h.StartedAt, t.o.Verdict(h.Ready), s.Pass, s.Warn, s.Fail, s.Skip, s.Ignored, changes, h.RunID)
		t.line(indent(report.Wrap(text, t.o.Width-4), "  ", "    "))
	}
	t.line("")
	t.line(t.o.Bold("Checklist") + " (set-checklist)")
	done := 0
	for _, it := range manualcheck.Items {
		e, ok := v.Checklist[it.Item]
		mark := "[ ]"
		text := it.Title
		if ok && e.Done {
			mark, done = "[x]", done+1
			text += " (" + strings.TrimSpace(e.By+" "+e.At) + ")"
		}
		if ok && e.Note != "" {
			text += ": " + e.Note
		}
		t.field(mark+" "+it.Item, 26, text)
	}
	t.line(fmt.Sprintf("  %d of %d confirmed", done, len(manualcheck.Items)))
}

// checklistItem prints what set-checklist stored.
func (t *textOut) checklistItem(c actions.ChecklistItem) {
	state := "not done"
	if c.Done {
		state = "done"
	}
	msg := fmt.Sprintf("%s: %s (by %s, %s)", c.Item, state, orNone(c.By, "unknown"), c.At)
	if c.Note != "" {
		msg += "; note: " + c.Note
	}
	t.line(report.Wrap(msg, t.o.Width))
}
