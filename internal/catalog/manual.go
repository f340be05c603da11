package catalog

// ManualItem is one checklist item only a person can confirm; its finding
// id is "manual.<Item>".
type ManualItem struct {
	Item  string
	Title string
	What  string
}

// ManualItems is the official checklist's part that no machine can tell,
// in display order. set-checklist accepts exactly these items.
var ManualItems = []ManualItem{
	{"backup", "Full NS7 backup made", "A full backup of NS7 was made before the migration and is kept off the machine."},
	{"backup-restore-tested", "Backup restore tested", "The NS7 backup was restored once somewhere, so it is known to work."},
	{"dns-admin", "DNS admin access", "Someone with access to the authoritative DNS of the FQDNs is available at cutover."},
	{"dns-procedure", "DNS change procedure ready", "The record changes of the cutover are written down (names, new addresses, TTL lowered beforehand)."},
	{"downtime-window", "Downtime window agreed", "A maintenance window for the final sync and the cutover is agreed with the customer."},
	{"users-notified", "Users notified", "Phone users know when the service stops and what changes for them."},
	{"support-briefed", "Support briefed", "The support team knows the date, the plan and where the logs are."},
	{"rollback-plan", "Rollback plan", "How to go back to NS7 if the cutover fails is written down, and NS7 is kept for 30-90 days."},
	{"emergency-contacts", "Emergency contacts", "Contacts of the people needed during the cutover (customer, carrier, DNS, network) are at hand."},
	{"trunk-credentials", "Trunk credentials recorded", "Credentials of every VoIP trunk are recorded, in case they must be entered again."},
	{"network-diagram", "Network diagram", "A current diagram of the network (NAT, firewall, VLANs, SIP paths) is available."},
	{"firewall-reviewed", "Firewall reviewed", "Firewalls between phones, trunks, NS7 and NS8 were reviewed for the new addresses and ports."},
}

// manualEntries are the catalogue entries of run-preflight: the manual
// checklist, and the finding that says a part of the run could not run.
var manualEntries = func() []Entry {
	out := []Entry{{ID: "preflight.action", Title: "Part of the preflight ran", Action: "run-preflight",
		Verifies: "Each action that run-preflight combines (validate-fqdns, probe-ns7, check-node, check-user-domain) ran; when one could not, the reason."}}
	for _, m := range ManualItems {
		out = append(out, Entry{ID: "manual." + m.Item, Title: m.Title, Action: "run-preflight", Verifies: m.What + " (ticked by a person with set-checklist)"})
	}
	return out
}()
