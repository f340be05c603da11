// Package manualcheck judges the manual checklist of run-preflight: the
// items of the official prerequisites page that only a person can confirm,
// ticked with set-checklist. A ticked item passes (who, when, note); an
// unticked one is a warning that says what to confirm.
package manualcheck

import (
	"fmt"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

// Action is the action whose report carries these checks.
const Action = "run-preflight"

// Prefix starts the id of every manual item's finding ("manual.<item>").
const Prefix = "manual."

// Item is one checklist item only a person can confirm.
type Item struct {
	Item  string
	Title string
	What  string
	Area  check.Area
}

// Items is the part of the official checklist that no machine can tell,
// in display order. set-checklist accepts exactly these items.
var Items = []Item{
	{"backup", "Full NS7 backup made", "A full backup of NS7 was made before the migration and is kept off the machine.", check.Documentation},
	{"backup-restore-tested", "Backup restore tested", "The NS7 backup was restored once somewhere, so it is known to work.", check.Documentation},
	{"dns-admin", "DNS admin access", "Someone with access to the authoritative DNS of the FQDNs is available at cutover.", check.Documentation},
	{"dns-procedure", "DNS change procedure ready", "The record changes of the cutover are written down (names, new addresses, TTL lowered beforehand).", check.Documentation},
	{"downtime-window", "Downtime window agreed", "A maintenance window for the final sync and the cutover is agreed with the customer.", check.Schedule},
	{"users-notified", "Users notified", "Phone users know when the service stops and what changes for them.", check.Schedule},
	{"support-briefed", "Support briefed", "The support team knows the date, the plan and where the logs are.", check.Schedule},
	{"rollback-plan", "Rollback plan", "How to go back to NS7 if the cutover fails is written down, and NS7 is kept for 30-90 days.", check.Schedule},
	{"emergency-contacts", "Emergency contacts", "Contacts of the people needed during the cutover (customer, carrier, DNS, network) are at hand.", check.Schedule},
	{"trunk-credentials", "Trunk credentials recorded", "Credentials of every VoIP trunk are recorded, in case they must be entered again.", check.Documentation},
	{"network-diagram", "Network diagram", "A current diagram of the network (NAT, firewall, VLANs, SIP paths) is available.", check.Documentation},
	{"firewall-reviewed", "Firewall reviewed", "Firewalls between phones, trunks, NS7 and NS8 were reviewed for the new addresses and ports.", check.Documentation},
}

// Facts is the stored checklist, or why it could not be read.
type Facts struct {
	// Checklist holds the items ticked or unticked so far.
	Checklist map[string]store.ChecklistEntry
	// Unavailable says why there is no checklist to judge ("" when read).
	Unavailable string
	// ModuleID names this module in the remedies' commands.
	ModuleID string
}

// Checks are one check per item, in display order.
var Checks = func() []*check.Check[Facts] {
	out := make([]*check.Check[Facts], len(Items))
	for i, m := range Items {
		out[i] = &check.Check[Facts]{Meta: check.Meta{
			ID: Prefix + m.Item, Title: m.Title, Action: Action, Area: m.Area,
			Verifies: m.What + " (ticked by a person with set-checklist)",
			Doc:      m.What,
		}, Eval: check.One(func(f Facts) report.Finding { return judge(m, f) })}
	}
	return out
}()

// All judges the checklist.
func All(f Facts) []report.Finding { return check.Judge(Checks, f) }

func judge(m Item, f Facts) report.Finding {
	var fd report.Finding
	if f.Unavailable != "" {
		fd.Status, fd.Message = report.Skip, f.Unavailable
		return fd
	}
	e, ok := f.Checklist[m.Item]
	if !ok || !e.Done {
		fd.Status = report.Warn
		fd.Message = "not confirmed yet: " + m.What
		fd.Remediation = check.Hint("When it is done, tick it in the Checklist page (or with set-checklist)",
			check.ActionCommand(f.ModuleID, "set-checklist", fmt.Sprintf(`'{"item":"%s","done":true,"note":"..."}'`, m.Item)))
		return fd
	}
	by := e.By
	if by == "" {
		by = "root (api-cli)"
	}
	fd.Status = report.Pass
	fd.Message = fmt.Sprintf("confirmed by %s at %s", by, e.At)
	if e.Note != "" {
		fd.Message += ": " + e.Note
	}
	fd.Data = map[string]any{"by": e.By, "at": e.At, "note": e.Note}
	return fd
}
