package ns7check

import (
	"fmt"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// What the migration rewrites on the way: the host phones are provisioned
// from, trunks' outbound proxies, FreePBX's NAT settings.

var ProvisioningHost = ungated(check.Meta{
	ID: "ns7.provisioning-host", Title: "Phones find NethVoice on NS8", Action: Action, Area: check.Data,
	Verifies: "The host NS7's phones are provisioned from is the NethVoice FQDN planned on NS8; otherwise the " +
		"phones to re-provision are listed.",
	Doc: "Phones provisioned by URL ask the host of Tancredi's `defaults.ini` (`[data] hostname`; when unset, " +
		"NethVoice's `PublicHost`, else NS7's FQDN: Tancredi falls back to the host name). NS8 rewrites that " +
		"`hostname` to the NethVoice FQDN, but the phones keep asking the old name. A different name warns with " +
		"every physical phone (MAC, vendor, model, extension) and the remedies: keep the old name pointing at " +
		"NS8 during the cutover, update the vendors' redirect service, or DHCP option 66. The same name passes. " +
		"`skip` when no NethVoice FQDN is planned (`fqdns.nethvoice`) or the host could not be read (never " +
		"judged as empty).",
}, check.One(provisioningHost), ns7.CmdTancredi, ns7.CmdConfig+"nethvoice", ns7.CmdHostname, ns7.CmdPhones)

// provisioningSource returns NS7's provisioning host and where it comes
// from, or why it is unknown.
func provisioningSource(n *ns7.Facts) (host, from, unknown string) {
	if n.TancrediHost != "" {
		return n.TancrediHost, "Tancredi's hostname", ""
	}
	if why := unreadWhy(n, ns7.CmdConfig+"nethvoice"); why != "" {
		return "", "", "Tancredi's hostname is unset and NethVoice's PublicHost could not be read (" + why + ")"
	}
	if rec := n.Config["nethvoice"]; rec != nil && rec.Props["PublicHost"] != "" {
		return rec.Props["PublicHost"], "NethVoice's PublicHost (Tancredi's hostname is unset)", ""
	}
	if r := n.Cmd(ns7.CmdHostname); r.Status != ns7.StatusOK || n.Hostname == "" {
		return "", "", "Tancredi's hostname is unset and NS7's FQDN could not be read (hostname -f: " + orText(unreadWhy(n, ns7.CmdHostname), "no name") + ")"
	}
	return n.Hostname, "NS7's FQDN (Tancredi's hostname is unset)", ""
}

// SameHost compares host names as DNS does: case and a final dot aside.
func SameHost(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(strings.TrimSpace(a), "."), strings.TrimSuffix(strings.TrimSpace(b), "."))
}

// provisioningHost judges ns7.provisioning-host.
func provisioningHost(f Facts) report.Finding {
	if g := gate(f, ns7.CmdTancredi); g != nil {
		return *g
	}
	if f.NethVoiceFQDN == "" {
		return check.Skip(f.Subject(), "no NethVoice FQDN is planned on NS8 (configure-module fqdns.nethvoice): nothing to compare the provisioning host with")
	}
	host, from, unknown := provisioningSource(f.NS7)
	if unknown != "" {
		return check.Skip(f.Subject(), unknown)
	}
	fd := report.Finding{Subject: f.Subject(), Data: map[string]any{"provisioning_host": host, "from": from, "nethvoice_fqdn": f.NethVoiceFQDN}}
	if SameHost(host, f.NethVoiceFQDN) {
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("phones are provisioned from %s (%s), the NethVoice FQDN planned on NS8: they find NS8 once the name points there", host, from)
		return fd
	}
	// The host differs whatever the phones: warn even when they are unknown.
	if why := unreadWhy(f.NS7, ns7.CmdPhones); why != "" {
		fd.Status = report.Warn
		fd.Message = fmt.Sprintf("phones are provisioned from %s (%s), not from %s, the NethVoice FQDN planned on NS8; the phones to re-provision could not be listed: %s",
			host, from, f.NethVoiceFQDN, why)
		fd.Remediation = reprovision(host, f.NethVoiceFQDN)
		return fd
	}
	var list []string
	rows := []map[string]string{}
	for _, d := range f.NS7.Devices {
		if d.MAC == "" {
			continue
		}
		rows = append(rows, map[string]string{"mac": d.MAC, "vendor": d.Vendor, "model": d.Model, "extension": d.Extension})
		list = append(list, fmt.Sprintf("%s %s %s ext. %s", d.MAC, orText(d.Vendor, "(vendor unknown)"), orText(d.Model, "(model not recorded)"), orText(d.Extension, "-")))
	}
	fd.Data["phones"] = rows
	if len(list) == 0 {
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("phones would be provisioned from %s (%s), not from %s, but NS7 has no physical phone to re-provision", host, from, f.NethVoiceFQDN)
		return fd
	}
	fd.Status = report.Warn
	fd.Message = fmt.Sprintf("%s provisioned from %s (%s), not from %s, the NethVoice FQDN planned on NS8: after the cutover they keep asking %s. To re-provision: %s",
		check.Count(len(list), "phone is", "phones are"), host, from, f.NethVoiceFQDN, host, listed(list, 10))
	fd.Remediation = reprovision(host, f.NethVoiceFQDN)
	return fd
}

func reprovision(old, fqdn string) *report.Remediation {
	return hint(fmt.Sprintf("Before the cutover, either keep %[1]s pointing at NS8 (a DNS record of %[1]s to NethVoice's address) until every phone has been provisioned again, "+
		"or give the phones the new URL: update the vendors' redirect service (Yealink RPS, Fanvil FDPS, Snom SRAPS, Gigaset), or DHCP option 66 with https://%[2]s/provisioning/, "+
		"then restart the phones; Tancredi on NS8 already uses %[2]s", old, fqdn), "getent hosts "+old)
}

var TrunkProxy = gated(check.Meta{
	ID: "ns7.trunk-proxy", Title: "Trunk outbound proxies kept", Action: Action, Area: check.Data,
	Verifies: "No PJSIP trunk has an outbound proxy of its own that NethVoice on NS8 replaces with its proxy.",
	Doc: "NethVoice on NS8 points trunks at its own proxy: at first start `migration.php` sets the " +
		"`outbound_proxy` of every PJSIP trunk whose pjsip `trunk_name` contains neither `custom` nor " +
		"`identity0` (any case), and since NethVoice 1.6.4 every configure-module (Finish's included) rewrites " +
		"any `outbound_proxy` of the form `sip:...;lr`, whatever the name (ns8-nethvoice " +
		"`configure-module/81proxy_extension_update`). A trunk with an outbound proxy of its own (a provider's " +
		"P-CSCF, an SBC) that one of these rules replaces warns, listing the trunk, its current proxy and the rule.",
}, trunkProxy, ns7.CmdTrunks)

// ProxyRule says which rule of NethVoice on NS8 replaces a trunk's own
// outbound proxy ("" when none does, or the trunk has none).
func ProxyRule(t ns7.Trunk) string {
	p := strings.ToLower(strings.TrimSpace(t.OutboundProxy))
	switch {
	case t.Tech != "pjsip" || p == "":
		return ""
	case strings.HasPrefix(p, "sip:") && strings.HasSuffix(p, ";lr"):
		return "NethVoice >= 1.6.4 rewrites every outbound proxy of the form sip:...;lr at each configure-module"
	case t.PJSIPName == "":
		return "" // migration.php matches the trunk_name keyword: without one the trunk is left alone
	}
	name := strings.ToLower(t.PJSIPName)
	if strings.Contains(name, "custom") || strings.Contains(name, "identity0") {
		return ""
	}
	return "migration.php sets NethVoice's proxy on trunks whose name contains neither custom nor identity0"
}

// trunkProxy judges ns7.trunk-proxy.
func trunkProxy(f Facts) report.Finding {
	fd := report.Finding{Subject: f.Subject()}
	rows := []map[string]string{}
	var list []string
	own := 0
	for _, t := range f.NS7.Trunks {
		if t.Tech == "pjsip" && t.OutboundProxy != "" {
			own++
		}
		rule := ProxyRule(t)
		if rule == "" {
			continue
		}
		rows = append(rows, map[string]string{"id": t.ID, "name": t.Name, "pjsip_trunk_name": t.PJSIPName, "outbound_proxy": t.OutboundProxy, "rule": rule})
		list = append(list, fmt.Sprintf("%s (outbound proxy %s: %s)", t.Name, t.OutboundProxy, rule))
	}
	fd.Data = map[string]any{"replaced": rows}
	if len(list) == 0 {
		fd.Status = report.Pass
		fd.Message = "no trunk has an outbound proxy of its own that the import replaces"
		if own > 0 {
			fd.Message = fmt.Sprintf("%s an outbound proxy of its own, kept by the import (name marked custom or identity0, not of the form sip:...;lr)", check.Count(own, "trunk has", "trunks have"))
		}
		return fd
	}
	fd.Status = report.Warn
	fd.Message = fmt.Sprintf("NethVoice on NS8 replaces the outbound proxy of %s with its own proxy: %s", check.Count(len(list), "trunk", ""), listed(list, 10))
	fd.Remediation = hint("Note these proxies: after Finish, check each trunk's registration and calls, and set its outbound proxy again in NethVoice's wizard (Trunks) if the provider needs it; a value of the form sip:...;lr is rewritten at every configure-module")
	return fd
}

var SIPNAT = gated(check.Meta{
	ID: "ns7.sip-nat", Title: "SIP NAT settings after the import", Action: Action, Area: check.Data,
	Verifies: "FreePBX's NAT settings (external IP and host, local networks) that the import clears or keeps are listed.",
	Doc: "The import (ns8-nethvoice `import-module/40mysql`) empties PJSIP's `externip`, chan_sip's " +
		"`externip_val` and deletes `localnets`: NethVoice on NS8 is reached through its proxy. The per-transport " +
		"external addresses and local networks (`udpextip-0.0.0.0`, `udplocalnet-0.0.0.0`...) and chan_sip's " +
		"external host and local networks are kept as NS7 had them. Any of them set on NS7 warns, listing each " +
		"with its value, so that hold and transfer are checked after Finish (one-way audio).",
}, sipNAT, ns7.CmdSIPNAT)

// natCleared are the NAT settings import-module/40mysql clears.
var natCleared = map[string]bool{"kvstore/externip": true, "kvstore/localnets": true, "sipsettings/externip_val": true}

// sipNAT judges ns7.sip-nat.
func sipNAT(f Facts) report.Finding {
	fd := report.Finding{Subject: f.Subject()}
	var cleared, kept []string
	rows := []map[string]any{}
	for _, s := range f.NS7.NAT {
		c := natCleared[s.Table+"/"+s.Key]
		rows = append(rows, map[string]any{"table": s.Table, "key": s.Key, "value": s.Value, "cleared": c})
		item := fmt.Sprintf("%s = %s", s.Key, s.Value)
		if c {
			cleared = append(cleared, item)
		} else {
			kept = append(kept, item)
		}
	}
	fd.Data = map[string]any{"settings": rows}
	if len(rows) == 0 {
		fd.Status, fd.Message = report.Pass, "no NAT setting (external address, local networks) is set in FreePBX"
		return fd
	}
	var parts []string
	if len(cleared) > 0 {
		parts = append(parts, "the import clears "+listed(cleared, 10))
	}
	if len(kept) > 0 {
		parts = append(parts, "it keeps as NS7 had them "+listed(kept, 10))
	}
	fd.Status = report.Warn
	fd.Message = "FreePBX's NAT settings change at the import: " + strings.Join(parts, "; ")
	fd.Remediation = hint("After Finish, call through NethVoice on NS8 and check hold, transfer and audio in both directions; set the NAT settings again (Settings > Asterisk SIP settings) only if NS8's network needs them, and remove kept values that named NS7's network")
	return fd
}
