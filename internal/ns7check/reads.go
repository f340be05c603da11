package ns7check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// FactsRead keeps the run from being ready while a fact some check judges
// could not be read: those checks are skip (not judged), and a skip does
// not block; this check fails for each such fact, saying which checks it
// left unjudged.
var FactsRead = ungated(check.Meta{
	ID: "ns7.reads", Title: "Every NS7 fact read", Action: Action, Area: check.System,
	Verifies: "Every NS7 command whose answer a check judges answered with a value: none missing, refused, " +
		"failed, garbled or left unasked.",
	Doc: "A fact that could not be read is never judged as a value: the checks that read it are `skip`, " +
		"with the reason (`could not read the international prefix: config: command not found`). This " +
		"check fails once per such command (subject: the command id), naming the checks it left unjudged, " +
		"so that the run is not ready: a command missing on NS7 (exit 127), refused (126), failed (an exit " +
		"code that is not an answer, with the first line of its error), an answer that is empty or garbled " +
		"where a value is needed, or cut at 8 MiB. What only root may read (the configuration database, " +
		"the databases through `/root/.my.cnf`, `account-provider-test`, WireGuard, the spools) is not " +
		"asked of another user: one finding (subject `not asked`) lists it. Commands that never answered " +
		"(lost, too slow) fail in their own checks instead. `skip` when no command reached NS7 or the host " +
		"is not a NethServer (see ns7.release); the whole list is in `facts.ns7.commands` (`reason`).",
}, factsRead)

// factsRead judges ns7.reads.
func factsRead(f Facts) []report.Finding {
	if g := gate(f); g != nil {
		return []report.Finding{*g}
	}
	n := f.NS7
	judges := judgedBy()
	var out []report.Finding
	var unasked []ns7.Result
	for _, r := range n.Commands {
		checks := judges[commandKey(r.ID)]
		switch {
		case r.Reason == "" || len(checks) == 0:
		case r.Status == ns7.StatusNotAsked:
			unasked = append(unasked, r)
		default:
			out = append(out, unreadFinding(f, r, checks))
		}
	}
	if len(unasked) > 0 {
		out = append(out, notAskedFinding(f, unasked, judges))
	}
	if len(out) == 0 {
		answered := 0
		for _, r := range n.Commands {
			if n.Answered(r.ID) {
				answered++
			}
		}
		msg := fmt.Sprintf("every fact the checks judge was read (%d commands answered with a value)", answered)
		if lost := n.Lost(); len(lost) > 0 {
			msg += fmt.Sprintf("; %d never answered, and their checks say so", len(lost))
		}
		return []report.Finding{{Subject: f.Subject(), Status: report.Pass, Message: msg}}
	}
	return out
}

// unreadFinding is the finding of one command that answered no value.
func unreadFinding(f Facts, r ns7.Result, checks []string) report.Finding {
	fd := report.Finding{Subject: r.ID, Status: report.Fail,
		Message: fmt.Sprintf("could not read %s: %s; not judged: %s", ns7.What(r.ID), r.Reason, strings.Join(checks, ", ")),
		Data:    map[string]any{"command": r.ID, "status": r.Status, "exit_code": r.Exit, "reason": r.Reason, "checks": checks}}
	var line []string
	if c, ok := f.NS7.Plan.Command(r.ID); ok {
		line = []string{c.Line()}
	}
	switch {
	case r.Exit == 127 || r.Exit == 126:
		fd.Remediation = hint("This command is missing or cannot run on NS7: check that the NS7 host setting names the NethServer 7 "+
			"that runs NethVoice, with its packages installed, then run probe-ns7 again", line...)
	default:
		fd.Remediation = hint("Run the command on NS7 as root to see why it gives no answer, fix that, then run probe-ns7 again", line...)
	}
	return fd
}

// notAskedFinding is the one finding of every command only root may run.
func notAskedFinding(f Facts, rs []ns7.Result, judges map[string][]string) report.Finding {
	var ids []string
	set := map[string]bool{}
	for _, r := range rs {
		ids = append(ids, r.ID)
		for _, c := range judges[commandKey(r.ID)] {
			set[c] = true
		}
	}
	checks := check.SortedKeys(set)
	user := f.NS7.User
	return report.Finding{Subject: "not asked", Status: report.Fail,
		Message: fmt.Sprintf("only root may read %d of the facts on NS7, and the probe connects as %s: not asked: %s; not judged: %s",
			len(ids), user, strings.Join(ids, ", "), strings.Join(checks, ", ")),
		Data: map[string]any{"user": user, "commands": ids, "checks": checks},
		Remediation: hint("Probe NS7 as root: authorize the module's key for root (as root on NS7), set ns7.user to root with configure-module, then run probe-ns7 again",
			authorizeCommands("root", orText(f.PublicKey, "<the module's public key>"))...)}
}

// judgedBy maps each command (FQDN commands as CmdFQDN+"<n>") to the ids
// of the checks that read it, sorted (the declarations, not Checks: that
// would be an initialization cycle).
func judgedBy() map[string][]string {
	out := map[string][]string{}
	for id, cmds := range reads {
		for _, cmd := range cmds {
			out[cmd] = append(out[cmd], id)
		}
	}
	for _, ids := range out {
		sort.Strings(ids)
	}
	return out
}

func commandKey(id string) string {
	if strings.HasPrefix(id, ns7.CmdFQDN) {
		return ns7.CmdFQDN + "<n>"
	}
	return id
}

// notAsked lists the commands the probe did not send.
func notAsked(n *ns7.Facts) []string {
	var ids []string
	for _, r := range n.Commands {
		if r.Status == ns7.StatusNotAsked {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// unreadWhy says why a command gave no value ("" when it did).
func unreadWhy(n *ns7.Facts, id string) string {
	r := n.Cmd(id)
	switch {
	case r.Reason != "":
		return r.Reason
	case !n.Answered(id):
		return id + " did not answer (" + r.Status + ")"
	}
	return ""
}
