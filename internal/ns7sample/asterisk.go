package ns7sample

import (
	"fmt"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"sort"
	"strconv"
	"strings"
)

// Asterisk is the part of NethVoice's `asterisk` database on NS7 that the
// probe's inventory queries read, as rows of NS7's own tables (the
// definitions are in tests/ns7world, which loads them into a real
// MariaDB; the demo and the stub world answer from the same rows with
// Answer*, and a test checks both give the same facts).
type Asterisk struct {
	// GatewayModels are gateway_models' rows in id order (1, 2, ...); nil
	// means the 46 rows NS7 ships (NS7GatewayModels).
	GatewayModels []GatewayModel
	Gateways      []GatewayConfig
	// Devices are rest_devices_phones' rows in id order.
	Devices []DeviceRow
	// Trunks are FreePBX trunks with their pjsip keywords.
	Trunks []TrunkRow
	// SIPSettings are chan_sip's settings (sipsettings keyword -> data),
	// KVSipsettings PJSIP's (kvstore_Sipsettings key -> val).
	SIPSettings   map[string]string
	KVSipsettings map[string]string
}

// GatewayModel is a gateway_models row.
type GatewayModel struct {
	Model, Manufacturer, Tech string
	PRI, ISDN, FXO, FXS       int
	Description               string
}

// GatewayConfig is a gateway_config row (its model by manufacturer and
// model, as ids differ between NS7 systems) with its ports.
type GatewayConfig struct {
	Name, Manufacturer, Model                            string
	IPv4, IPv4New, Gateway, IPv4Green, NetmaskGreen, MAC string
	ISDN, PRI, FXO                                       []TrunkPort
	FXS                                                  []FXSPort
}

// TrunkPort is a row of gateway_config_isdn, _pri or _fxo: the FreePBX
// trunk (id) the port is bound to, the gateway's user name for it, the
// line number (FXO), the ISDN protocol (pp, pmp) and the port's secret.
type TrunkPort struct {
	Trunk, TrunkNumber int
	Number, Protocol   string
	Secret             string
}

// FXSPort is a row of gateway_config_fxs.
type FXSPort struct {
	Extension, PhysicalExtension, Secret string
}

// DeviceRow is a rest_devices_phones row; "" is NULL for MAC, Vendor,
// Model and Extension; Type "" is physical.
type DeviceRow struct {
	MAC, Vendor, Model, Extension string
	Type                          string
	Line                          int
	Secret                        string
}

// TrunkRow is a trunks row and its pjsip keywords (keyword -> data).
type TrunkRow struct {
	ID       int
	Tech     string
	Name     string
	Disabled bool
	PJSIP    map[string]string
}

// SecretCanary is in every secret column of the sample's inventory (its
// 8-character form PortSecretCanary in the gateway port tables, whose
// secrets NS7 makes of 8 characters): the probe never selects one, and
// tests look for both in its output.
const (
	SecretCanary     = "Canary-Port-Secret-41f0"
	PortSecretCanary = "Cnry41f0"
)

// NS7GatewayModels are the gateway_models rows NS7 ships, in the order of
// nethvoice-wizard-restapi sql/gateways.sql (a fresh install's ids 1..46;
// field research §1.2). Descriptions are this sample's own.
func NS7GatewayModels() []GatewayModel {
	var ms []GatewayModel
	add := func(man, tech string, ports []int, models ...string) {
		for i, m := range models {
			g := GatewayModel{Model: m, Manufacturer: man, Tech: tech, Description: fmt.Sprintf("%s %s %d %s", man, m, ports[i], tech)}
			switch tech {
			case "pri":
				g.PRI = ports[i]
			case "isdn":
				g.ISDN = ports[i]
			case "fxo":
				g.FXO = ports[i]
			case "fxs":
				g.FXS = ports[i]
			}
			ms = append(ms, g)
		}
	}
	add("Patton", "isdn", []int{1, 2, 4, 8}, "4552", "4554", "4638", "4661")
	add("Patton", "fxs", []int{2, 4, 6, 8}, "4112fxs", "4114fxs", "4526fxs", "4118fxs")
	add("Patton", "fxo", []int{2, 4}, "4112fxo", "4114fxo")
	add("Patton", "fxo", []int{2, 4, 8}, "TRI_FXO_2", "TRI_FXO_4", "TRI_FXO_8")
	add("Patton", "pri", []int{1, 4}, "4970", "4970_4")
	add("Patton", "isdn", []int{1, 2, 4}, "TRI_ISDN_1", "TRI_ISDN_2", "TRI_ISDN_4")
	add("Patton", "pri", []int{1, 2, 4}, "TRI_PRI_1", "TRI_PRI_2", "TRI_PRI_4")
	add("Sangoma", "fxs", []int{24}, "Vega_50_24fxs")
	add("Sangoma", "fxo", []int{4}, "Vega_60_4fxo")
	add("Sangoma", "isdn", []int{2, 4}, "Vega_60_2isdn", "Vega_60_4isdn")
	add("Sangoma", "pri", []int{1, 2}, "Vega_100_1pri", "Vega_200_2pri")
	add("Mediatrix", "isdn", []int{1, 2, 4}, "M4401", "M4402", "M4404")
	add("Grandstream", "fxs", []int{1, 1, 2, 2, 2, 2, 4, 4}, "ht801", "ht801TLS", "ht802", "ht802TLS", "ht812", "ht812TLS", "ht814", "ht814TLS")
	add("Grandstream", "fxs", []int{16, 16, 24, 24, 32, 32, 48, 48}, "gxw4216", "gxw4216TLS", "gxw4224", "gxw4224TLS", "gxw4232", "gxw4232TLS", "gxw4248", "gxw4248TLS")
	return ms
}

// Models are the gateway_models rows (NS7's own when not set).
func (a *Asterisk) Models() []GatewayModel {
	if a.GatewayModels == nil {
		return NS7GatewayModels()
	}
	return a.GatewayModels
}

// ModelID is the id of a gateway model (1-based row order), 0 if absent.
func (a *Asterisk) ModelID(manufacturer, model string) int {
	for i, m := range a.Models() {
		if m.Manufacturer == manufacturer && m.Model == model {
			return i + 1
		}
	}
	return 0
}

// tsv prints rows as mysql -N -B does: tab-separated, with \ tab and
// newline escaped.
func tsv(rows [][]string) string {
	esc := strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\x00", `\0`)
	var b strings.Builder
	for _, r := range rows {
		for i, c := range r {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(esc.Replace(c))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// AnswerDevices answers the probe's devices query (ns7 sqlDevices).
func (a *Asterisk) AnswerDevices() string {
	var rows [][]string
	for _, d := range a.Devices {
		if d.Type != "" && d.Type != "physical" {
			continue
		}
		rows = append(rows, []string{d.MAC, d.Vendor, d.Model, d.Extension})
	}
	return tsv(rows)
}

func (a *Asterisk) trunkName(id int) string {
	for _, t := range a.Trunks {
		if t.ID == id {
			return t.Name
		}
	}
	return ""
}

// AnswerGateways answers the probe's gateway query (ns7
// sqlGatewayInventory): gateways get ids 1, 2... in order, ports too, per
// table; a gateway of a model not in the table does not exist (the
// foreign key refuses it).
func (a *Asterisk) AnswerGateways() string {
	var rows, ports [][]string
	portIDs := map[string]int{}
	blank := func(n int) []string { return make([]string, n) }
	for i, g := range a.Gateways {
		mid := a.ModelID(g.Manufacturer, g.Model)
		if mid == 0 {
			continue
		}
		m := a.Models()[mid-1]
		id := strconv.Itoa(i + 1)
		rows = append(rows, []string{"gateway", id, id, g.Name, m.Manufacturer, m.Model, m.Tech, g.IPv4, g.IPv4New, g.Gateway, g.IPv4Green, g.NetmaskGreen, g.MAC})
		for _, kind := range []string{"isdn", "pri", "fxo"} {
			for _, p := range map[string][]TrunkPort{"isdn": g.ISDN, "pri": g.PRI, "fxo": g.FXO}[kind] {
				portIDs[kind]++
				extra := ""
				if kind == "fxo" {
					extra = p.Number
				} else if kind == "isdn" {
					extra = p.Protocol
				}
				ports = append(ports, append([]string{kind, id, strconv.Itoa(portIDs[kind]), strconv.Itoa(p.Trunk), a.trunkName(p.Trunk), strconv.Itoa(p.TrunkNumber), extra}, blank(6)...))
			}
		}
		for _, p := range g.FXS {
			portIDs["fxs"]++
			r := append([]string{"fxs", id, strconv.Itoa(portIDs["fxs"])}, blank(4)...)
			ports = append(ports, append(append(r, p.Extension, p.PhysicalExtension), blank(4)...))
		}
	}
	return tsv(append(rows, ports...))
}

// AnswerTrunks answers the probe's trunk query (ns7 sqlTrunkInventory).
func (a *Asterisk) AnswerTrunks() string {
	ts := append([]TrunkRow{}, a.Trunks...)
	sort.Slice(ts, func(i, j int) bool { return ts[i].ID < ts[j].ID })
	var rows [][]string
	for _, t := range ts {
		dis := "off"
		if t.Disabled {
			dis = "on"
		}
		rows = append(rows, []string{strconv.Itoa(t.ID), t.Tech, t.Name, dis, t.PJSIP["sip_server"], t.PJSIP["outbound_proxy"], t.PJSIP["trunk_name"]})
	}
	return tsv(rows)
}

// AnswerNAT answers the probe's NAT query (ns7 sqlSIPNAT) for the keys it
// names.
func (a *Asterisk) AnswerNAT(kvKeys, keywords []string) string {
	var rows [][]string
	for _, k := range check.SortedKeys(a.KVSipsettings) {
		if contains(kvKeys, k) {
			rows = append(rows, []string{"kvstore", k, a.KVSipsettings[k]})
		}
	}
	for _, k := range check.SortedKeys(a.SIPSettings) {
		if contains(keywords, k) || strings.HasPrefix(k, "localnet_") {
			rows = append(rows, []string{"sipsettings", k, a.SIPSettings[k]})
		}
	}
	return tsv(rows)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
