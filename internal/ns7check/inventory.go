package ns7check

import (
	"fmt"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// The inventory as NS7 records it, judged against what NethVoice on NS8
// does with it at import and first start (field research §1-§5).

var Phones = gated(check.Meta{
	ID: "ns7.phones", Title: "Phones supported on NS8", Action: Action, Area: check.Data,
	Verifies: "Every physical phone (a device with a MAC) is of a vendor and model NethVoice on NS8 provisions; " +
		"devices without MAC (custom devices, gateway FXS ports) are not counted.",
	Doc: "Devices of type `physical` in `asterisk.rest_devices_phones`, read as NS7 records them: the vendor " +
		"from NS7's MAC map (`Yealink/Dreamwave`, `Cisco/Linksys`...), the model as a Tancredi model id " +
		"(`yealink-T46`, whose brand wins) or the old engine's name. A model on the documentation's list " +
		"(supported_phones, with Yealink AX83H/AX86R and Gigaset P825/P855) or a Tancredi model of NethVoice " +
		"on NS8 passes; an undocumented model of a vendor NS8 provisions is accepted and named; a vendor NS8's " +
		"Tancredi has no model for warns (unsupported), and so does a phone neither vendor nor model identifies " +
		"(not called unsupported). Devices without MAC are custom devices and the FXS ports of gateways: " +
		"not phones. `data.models` gives each group with its level and source.",
}, phones, ns7.CmdPhones)

// phoneGroup is the phones of one vendor and model.
type phoneGroup struct {
	vendor, model, level, source string
	macs                         map[string]bool
}

// groupPhones groups the devices with a MAC by vendor and model, in the
// order NS7 lists them; it also counts the devices without MAC.
func groupPhones(devs []ns7.Device) (groups []*phoneGroup, noMAC int) {
	byKey := map[string]*phoneGroup{}
	for _, d := range devs {
		if d.MAC == "" {
			noMAC++
			continue
		}
		k := d.Vendor + "\x00" + d.Model
		g := byKey[k]
		if g == nil {
			lvl, src := PhoneSupport(d.Vendor, d.Model)
			g = &phoneGroup{vendor: d.Vendor, model: d.Model, level: lvl, source: src, macs: map[string]bool{}}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.macs[d.MAC] = true
	}
	return groups, noMAC
}

func (g *phoneGroup) String() string {
	return fmt.Sprintf("%d x %s %s", len(g.macs), orText(g.vendor, "(vendor unknown)"), orText(g.model, "(model not recorded)"))
}

// phones judges ns7.phones.
func phones(f Facts) report.Finding {
	n := f.NS7
	groups, noMAC := groupPhones(n.Devices)
	fd := report.Finding{Subject: f.Subject()}
	models := []map[string]any{}
	byLevel := map[string][]string{}
	total := 0
	for _, g := range groups {
		total += len(g.macs)
		models = append(models, map[string]any{"vendor": g.vendor, "model": g.model, "count": len(g.macs), "support": g.level, "source": g.source})
		byLevel[g.level] = append(byLevel[g.level], g.String())
	}
	fd.Data = map[string]any{"models": models, "total": total, "without_mac": noMAC, "cut": n.DevicesCut}
	atLeast := ""
	if n.DevicesCut {
		atLeast = "at least "
	}
	var notes []string
	if l := append(byLevel[PhoneTancredi], byLevel[PhoneUndocumented]...); len(l) > 0 {
		notes = append(notes, "accepted though not on the documentation's list: "+listed(l, 8))
	}
	if noMAC > 0 {
		notes = append(notes, fmt.Sprintf("%s without MAC (custom devices, FXS ports of gateways) not counted as phones", check.Count(noMAC, "device", "")))
	}
	note := ""
	if len(notes) > 0 {
		note = "; " + strings.Join(notes, "; ")
	}
	bad, unknown := byLevel[PhoneUnsupported], byLevel[PhoneUnknown]
	switch {
	case total == 0:
		fd.Status = report.Pass
		fd.Message = "no physical phone (no device with a MAC)" + note
		return fd
	case len(bad) == 0 && len(unknown) == 0:
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("%s%s in %s, all provisioned by NethVoice on NS8%s", atLeast, check.Count(total, "physical phone", ""), check.Count(len(groups), "model", ""), note)
		return fd
	}
	var parts []string
	if len(bad) > 0 {
		parts = append(parts, "phones of vendors NS8's Tancredi has no model for: "+listed(bad, 10))
	}
	if len(unknown) > 0 {
		parts = append(parts, "phones NS7 could not identify (MAC prefix not in its map, no model): "+listed(unknown, 10))
	}
	fd.Status = report.Warn
	fd.Message = strings.Join(parts, "; ") + note
	fd.Remediation = hint("Check those phones on NethVoice's supported phones page: an unsupported phone needs a replacement or a manual configuration on NS8; identify the others by their MAC (data.models, facts.ns7.devices)")
	return fd
}

var Gateways = gated(check.Meta{
	ID: "ns7.gateways", Title: "Gateways to re-create on NS8", Action: Action, Area: check.Data,
	Verifies: "Every gateway is lost at NethVoice's first start on NS8 and must be re-created (its configuration " +
		"is exported here); a model NS8 cannot configure fails.",
	Doc: "At NethVoice's first start on NS8, `freepbx/initdb.d/migration.php` (nethesis/ns8-nethvoice) " +
		"deletes every row of `gateway_models` before inserting its 25 models again; NS7's `gateway_config` " +
		"references it `ON DELETE CASCADE` and the port tables cascade from `gateway_config` " +
		"(nethvoice-wizard-restapi `sql/gateways.sql`), so every gateway and its ports disappear, supported " +
		"models included. Every gateway warns, with what re-creating it needs: model, name, addresses, MAC, " +
		"and each port with the trunk (FXO, ISDN, PRI) or the extension (FXS) it is bound to, in the message " +
		"and in `data.gateways`. A model NS8 cannot configure at all (anything but Patton Trinity `TRI_*` " +
		"and Grandstream HT801/HT802/HT812/HT814, GXW4216/4224/4232/4248, each also in its TLS variant) " +
		"fails: it needs other hardware or a manual configuration. The message lists at most 10 gateways; " +
		"`data.gateways` has them all.",
}, gateways, ns7.CmdGateways)

// gatewayModel names a gateway's model, or says its row is missing.
func gatewayModel(g ns7.Gateway) string {
	return orText(strings.TrimSpace(g.Manufacturer+" "+g.Model), "(model unknown: no gateway_models row)")
}

// gatewayText is a gateway's configuration in words: what re-creating it
// in NethVoice's wizard needs.
func gatewayText(g ns7.Gateway) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s, MAC %s, address %s", orText(g.Name, "(no name)"), gatewayModel(g), orText(g.MAC, "unknown"), orText(g.NewAddress, orText(g.Address, "unknown")))
	if g.PBXAddress != "" {
		fmt.Fprintf(&b, ", PBX %s", g.PBXAddress)
	}
	if g.Netmask != "" {
		fmt.Fprintf(&b, " netmask %s", g.Netmask)
	}
	if g.Router != "" {
		fmt.Fprintf(&b, ", router %s", g.Router)
	}
	if len(g.Ports) == 0 {
		b.WriteString("; no port configured")
		return b.String()
	}
	var ports []string
	n := map[string]int{}
	for _, p := range g.Ports {
		n[p.Kind]++
		switch p.Kind {
		case "fxs":
			ports = append(ports, fmt.Sprintf("fxs %d = extension %s (device %s)", n[p.Kind], orText(p.Extension, "?"), orText(p.PhysicalExtension, "?")))
		default:
			s := fmt.Sprintf("%s %d = trunk %s (user %s", p.Kind, n[p.Kind], orText(p.Trunk, "#"+p.TrunkID), orText(p.TrunkNumber, "?"))
			if p.Number != "" {
				s += ", line " + p.Number
			}
			if p.Protocol != "" {
				s += ", " + p.Protocol
			}
			ports = append(ports, s+")")
		}
	}
	b.WriteString("; ports: " + strings.Join(ports, ", "))
	return b.String()
}

// gateways judges ns7.gateways.
func gateways(f Facts) report.Finding {
	gws := f.NS7.Gateways
	fd := report.Finding{Subject: f.Subject()}
	list := []map[string]any{}
	var texts, cannot []string
	for _, g := range gws {
		ok := GatewayConfigurable(g.Manufacturer, g.Model)
		list = append(list, map[string]any{"name": g.Name, "manufacturer": g.Manufacturer, "model": g.Model, "tech": g.Tech,
			"address": g.Address, "new_address": g.NewAddress, "router": g.Router, "pbx_address": g.PBXAddress, "netmask": g.Netmask,
			"mac": g.MAC, "ports": g.Ports, "configurable_on_ns8": ok})
		texts = append(texts, gatewayText(g))
		if !ok {
			cannot = append(cannot, fmt.Sprintf("%s (%s)", orText(g.Name, "(no name)"), gatewayModel(g)))
		}
	}
	fd.Data = map[string]any{"gateways": list, "source": SrcGatewayModels}
	if len(gws) == 0 {
		fd.Status, fd.Message = report.Pass, "no gateways are configured"
		return fd
	}
	all := "all " + check.Count(len(gws), "gateway", "") + " are"
	if len(gws) == 1 {
		all = "its only gateway is"
	}
	shown := texts
	if len(texts) > 10 {
		shown = append(texts[:10:10], fmt.Sprintf("and %d more (all in data.gateways)", len(texts)-10))
	}
	lost := fmt.Sprintf("%s deleted at NethVoice's first start on NS8 (migration.php empties gateway_models; "+
		"gateway_config and its port tables cascade), supported models included: %s", all, strings.Join(shown, " | "))
	redo := "Keep this configuration (data.gateways of this finding) and, after Finish, re-create each gateway in NethVoice's wizard " +
		"(Devices > Gateways) with the same model, name, addresses and MAC, binding each port again to its trunk or extension; " +
		"the trunks and FXS extensions NS7 created for them remain on NS8 without their gateway and can then be removed"
	if len(cannot) > 0 {
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("gateways of models NethVoice on NS8 cannot configure at all: %s; %s", listed(cannot, 10), lost)
		fd.Remediation = hint("Replace those gateways with models NethVoice on NS8 configures (Patton Trinity TRI_*, Grandstream HT801/HT802/HT812/HT814 or GXW4216/4224/4232/4248) or plan to configure them by hand. " + redo)
		return fd
	}
	fd.Status = report.Warn
	fd.Message = lost
	fd.Remediation = hint(redo)
	return fd
}

var Trunks = gated(check.Meta{
	ID: "ns7.trunks", Title: "Trunks supported on NS8", Action: Action, Area: check.Data,
	Verifies: "Every enabled trunk is PJSIP with a provider NethVoice on NS8 knows.",
	Doc: "Enabled trunks are PJSIP and their SIP server is a host of a provider NethVoice on NS8 knows: the 26 of " +
		"the documentation (supported_trunks) and those of the wizard's PJSIP providers (`rest_pjsip_providers`), " +
		"each listed with its source in `ns7check.Providers`; chan_sip/IAX trunks (NS8 removes chan_sip) and " +
		"unknown providers warn (record their credentials, check their certification).",
}, trunks, ns7.CmdTrunks, ns7.CmdGateways) // a gateway's port trunks are not providers

// gatewayTrunks maps the ids of the trunks bound to a gateway's port to
// the gateway's name: trunks to the gateway, not to a provider.
func gatewayTrunks(gws []ns7.Gateway) map[string]string {
	m := map[string]string{}
	for _, g := range gws {
		for _, p := range g.Ports {
			if p.TrunkID != "" {
				m[p.TrunkID] = g.Name
			}
		}
	}
	return m
}

// trunks judges ns7.trunks.
func trunks(f Facts) report.Finding {
	fd := report.Finding{Subject: f.Subject()}
	var odd []string
	list := []map[string]any{}
	ofGateway := gatewayTrunks(f.NS7.Gateways)
	for _, t := range f.NS7.Trunks {
		prov := TrunkProvider(t.SIPServer)
		gw := ofGateway[t.ID]
		list = append(list, map[string]any{"id": t.ID, "name": t.Name, "tech": t.Tech, "sip_server": t.SIPServer, "provider": prov, "disabled": t.Disabled, "gateway": gw})
		switch {
		case t.Disabled, gw != "":
		case t.Tech != "pjsip":
			odd = append(odd, fmt.Sprintf("%s (%s)", t.Name, t.Tech))
		case prov == "":
			odd = append(odd, fmt.Sprintf("%s (provider %s not on the supported list)", t.Name, orNone(t.SIPServer)))
		}
	}
	fd.Data = map[string]any{"trunks": list}
	switch {
	case len(f.NS7.Trunks) == 0:
		fd.Status = report.Warn
		fd.Message = "no trunks are configured: is this the NethVoice in production?"
		fd.Remediation = hint("Check the NS7 host setting")
	case len(odd) == 0:
		fd.Status, fd.Message = report.Pass, fmt.Sprintf("%s, all PJSIP with supported providers", check.Count(len(f.NS7.Trunks), "trunk", ""))
		if len(ofGateway) > 0 {
			fd.Message = fmt.Sprintf("%s, all PJSIP with supported providers or bound to a gateway's port (see ns7.gateways)", check.Count(len(f.NS7.Trunks), "trunk", ""))
		}
	default:
		fd.Status = report.Warn
		fd.Message = "trunks to check: " + listed(odd, 10)
		fd.Remediation = hint("Record the credentials of these trunks and check their provider's certification for NethVoice on NS8; chan_sip trunks must be moved to PJSIP")
	}
	return fd
}
