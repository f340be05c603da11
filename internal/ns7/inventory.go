package ns7

import (
	"sort"
	"strconv"
	"strings"
)

// The inventory as NS7 records it in NethVoice's `asterisk` database
// (tables of nethesis/nethvoice-wizard-restapi `sql/*.sql` and FreePBX):
// the physical devices, the gateways with their ports, the trunks with the
// SIP keywords the import rewrites, the NAT settings the import clears, and
// Tancredi's provisioning host. No secret column is ever selected.

// SQL of the inventory commands. Constants: no value is ever put in a query.
var (
	// Devices of type physical in insertion order: phones (MAC set) and the
	// devices without MAC that share the table (custom devices, the FXS
	// ports of gateways; field research §2.3).
	sqlDevices = "SELECT COALESCE(mac,''), COALESCE(vendor,''), COALESCE(model,''), COALESCE(extension,'') " +
		"FROM asterisk.rest_devices_phones WHERE type='physical' ORDER BY id"
	// Gateways and their ports in one answer: a 'gateway' row per
	// gateway_config row, a row per port of gateway_config_{fxo,isdn,pri,fxs}
	// with the trunk it is bound to (by trunk id) or the extension. 13 columns.
	sqlGatewayInventory = "SELECT 'gateway', g.id, g.id, COALESCE(g.name,''), COALESCE(m.manufacturer,''), COALESCE(m.model,''), COALESCE(m.tech,''), " +
		"COALESCE(g.ipv4,''), COALESCE(g.ipv4_new,''), COALESCE(g.gateway,''), COALESCE(g.ipv4_green,''), COALESCE(g.netmask_green,''), COALESCE(g.mac,'') " +
		"FROM asterisk.gateway_config g LEFT JOIN asterisk.gateway_models m ON m.id = g.model_id " +
		"UNION ALL SELECT 'fxo', p.config_id, p.id, COALESCE(p.trunk,''), COALESCE(t.name,''), COALESCE(p.trunknumber,''), COALESCE(p.number,''), '', '', '', '', '', '' " +
		"FROM asterisk.gateway_config_fxo p LEFT JOIN asterisk.trunks t ON t.trunkid = p.trunk " +
		"UNION ALL SELECT 'isdn', p.config_id, p.id, COALESCE(p.trunk,''), COALESCE(t.name,''), COALESCE(p.trunknumber,''), COALESCE(p.protocol,''), '', '', '', '', '', '' " +
		"FROM asterisk.gateway_config_isdn p LEFT JOIN asterisk.trunks t ON t.trunkid = p.trunk " +
		"UNION ALL SELECT 'pri', p.config_id, p.id, COALESCE(p.trunk,''), COALESCE(t.name,''), COALESCE(p.trunknumber,''), '', '', '', '', '', '', '' " +
		"FROM asterisk.gateway_config_pri p LEFT JOIN asterisk.trunks t ON t.trunkid = p.trunk " +
		"UNION ALL SELECT 'fxs', p.config_id, p.id, '', '', '', '', COALESCE(p.extension,''), COALESCE(p.physical_extension,''), '', '', '', '' " +
		"FROM asterisk.gateway_config_fxs p"
	// Trunks with the pjsip keywords the import reads: the SIP server, the
	// outbound proxy and trunk_name (migration.php matches that one).
	sqlTrunkInventory = "SELECT t.trunkid, t.tech, t.name, t.disabled, COALESCE(s.data,''), COALESCE(o.data,''), COALESCE(n.data,'') FROM asterisk.trunks t " +
		"LEFT JOIN asterisk.pjsip s ON s.id = t.trunkid AND s.keyword = 'sip_server' " +
		"LEFT JOIN asterisk.pjsip o ON o.id = t.trunkid AND o.keyword = 'outbound_proxy' " +
		"LEFT JOIN asterisk.pjsip n ON n.id = t.trunkid AND n.keyword = 'trunk_name' ORDER BY t.trunkid"
	// FreePBX's NAT settings: PJSIP's in kvstore_Sipsettings, chan_sip's in
	// sipsettings (ns8-nethvoice import-module/40mysql clears some of them).
	// (A reserved word after a table qualifier needs no quotes: kv.key.)
	sqlSIPNAT = "SELECT 'kvstore', kv.key, COALESCE(kv.val,'') FROM asterisk.kvstore_Sipsettings kv WHERE kv.key IN (" + quoted(NATKeys) + ") " +
		"UNION ALL SELECT 'sipsettings', keyword, COALESCE(data,'') FROM asterisk.sipsettings WHERE keyword IN (" + quoted(NATKeywords) + ") OR keyword LIKE 'localnet\\_%'"
)

// TancrediDefaults is Tancredi's defaults scope on NS7: its [data]
// hostname is the host the phones' provisioning URLs name
// (nethesis/nethserver-tancredi nethserver-tancredi-conf; tancredi
// src/Entity/FileStorage.php).
const TancrediDefaults = "/var/lib/tancredi/data/scopes/defaults.ini"

// awkTancrediHost prints the value of hostname in the [data] section, and
// nothing else of the file (it holds the phones' admin password).
const awkTancrediHost = `/^\[/ { s = $0 } s == "[data]" && $1 ~ /^[ \t]*hostname[ \t]*$/ { sub(/^[^=]*=/, ""); print }`

// NATKeys are the kvstore_Sipsettings keys of NAT: externip and localnets
// (cleared by the import), the per-transport ones and chan_sip's (kept).
var NATKeys = []string{"externip", "localnets", "externip.val", "externhost.val",
	"udpextip-0.0.0.0", "tcpextip-0.0.0.0", "tlsextip-0.0.0.0", "udplocalnet-0.0.0.0", "tcplocalnet-0.0.0.0", "tlslocalnet-0.0.0.0"}

// NATKeywords are the sipsettings keywords of chan_sip's NAT (its local
// networks are localnet_<n>).
var NATKeywords = []string{"externip_val", "externhost_val"}

func quoted(ss []string) string { return "'" + strings.Join(ss, "','") + "'" }

// MaxDevices bounds the devices kept in the facts.
const MaxDevices = 5000

// Device is a row of rest_devices_phones of type physical: a phone when
// MAC is set, else a device without MAC (custom device, FXS port of a
// gateway). Vendor is NS7's MAC map's name (`Yealink/Dreamwave`), Model as
// NS7 stored it (a Tancredi model id such as `yealink-T46`, or the
// Endpoint Manager's name).
type Device struct {
	MAC       string `json:"mac,omitempty"`
	Vendor    string `json:"vendor,omitempty"`
	Model     string `json:"model,omitempty"`
	Extension string `json:"extension,omitempty"`
}

// Columns are the column counts of the database queries whose rows the
// parsers read: a row of another count is not a row of the query, and an
// answer with one is not read (Command.Expect), never taken as fewer rows.
var Columns = map[string]int{CmdPhones: 4, CmdGateways: 13, CmdTrunks: 7, CmdSIPNAT: 3, CmdExtensions: 2}

// ParseDevices reads the devices query (4 columns), at most MaxDevices;
// cut says more rows were printed.
func ParseDevices(out string) (devs []Device, cut bool) {
	for _, r := range ParseTSV(out, Columns[CmdPhones]) {
		if len(devs) == MaxDevices {
			return devs, true
		}
		devs = append(devs, Device{MAC: strings.ToUpper(r[0]), Vendor: r[1], Model: r[2], Extension: r[3]})
	}
	return devs, false
}

// Gateway is a configured gateway as NS7 records it (gateway_config).
type Gateway struct {
	Name         string `json:"name"`
	Manufacturer string `json:"manufacturer"`
	Model        string `json:"model"`
	Tech         string `json:"tech,omitempty"` // isdn | pri | fxo | fxs
	// Address is the gateway's address at configuration time (ipv4),
	// NewAddress the one the wizard gave it (ipv4_new), Router its default
	// gateway, PBXAddress NethVoice's address (ipv4_green) in Netmask.
	Address    string        `json:"address"`
	NewAddress string        `json:"new_address,omitempty"`
	Router     string        `json:"router,omitempty"`
	PBXAddress string        `json:"pbx_address,omitempty"`
	Netmask    string        `json:"netmask,omitempty"`
	MAC        string        `json:"mac,omitempty"`
	Ports      []GatewayPort `json:"ports"`
	id         string
}

// GatewayPort is one port of a gateway and what it is bound to: the trunk
// NethVoice created for it (FXO, ISDN, PRI: id, name, the gateway's user
// name TrunkNumber, the line Number of an FXO port, the ISDN Protocol pp
// or pmp) or the extension of an FXS port (the user's Extension and the
// PhysicalExtension the port registers as).
type GatewayPort struct {
	Kind              string `json:"kind"`
	TrunkID           string `json:"trunk_id,omitempty"`
	Trunk             string `json:"trunk,omitempty"`
	TrunkNumber       string `json:"trunk_number,omitempty"`
	Number            string `json:"number,omitempty"`
	Protocol          string `json:"protocol,omitempty"`
	Extension         string `json:"extension,omitempty"`
	PhysicalExtension string `json:"physical_extension,omitempty"`
	id                int
}

// ParseGateways reads the gateway inventory query (13 columns): the
// gateways by name, each with its ports by kind and id. Ports of no
// listed gateway are dropped.
func ParseGateways(out string) []Gateway {
	byID := map[string]*Gateway{}
	var ports [][]string
	for _, r := range ParseTSV(out, Columns[CmdGateways]) {
		if r[0] != "gateway" {
			ports = append(ports, r)
			continue
		}
		byID[r[1]] = &Gateway{id: r[1], Name: r[3], Manufacturer: r[4], Model: r[5], Tech: r[6], Address: r[7], NewAddress: r[8],
			Router: r[9], PBXAddress: r[10], Netmask: r[11], MAC: strings.ToUpper(r[12]), Ports: []GatewayPort{}}
	}
	for _, r := range ports {
		g := byID[r[1]]
		if g == nil || len(g.Ports) >= 64 {
			continue
		}
		id, _ := strconv.Atoi(r[2])
		p := GatewayPort{Kind: r[0], id: id}
		switch r[0] {
		case "fxo", "isdn", "pri":
			p.TrunkID, p.Trunk, p.TrunkNumber = r[3], r[4], r[5]
			if r[0] == "fxo" {
				p.Number = r[6]
			} else {
				p.Protocol = r[6]
			}
		case "fxs":
			p.Extension, p.PhysicalExtension = r[7], r[8]
		default:
			continue
		}
		g.Ports = append(g.Ports, p)
	}
	gws := make([]Gateway, 0, len(byID))
	for _, g := range byID {
		sort.Slice(g.Ports, func(i, j int) bool {
			a, b := g.Ports[i], g.Ports[j]
			if a.Kind != b.Kind {
				return kindOrder(a.Kind) < kindOrder(b.Kind)
			}
			return a.id < b.id
		})
		gws = append(gws, *g)
	}
	sort.Slice(gws, func(i, j int) bool {
		if gws[i].Name != gws[j].Name {
			return gws[i].Name < gws[j].Name
		}
		return gws[i].MAC < gws[j].MAC
	})
	return gws
}

// PortKinds are the kinds of gateway ports, in report order.
var PortKinds = []string{"isdn", "pri", "fxo", "fxs"}

func kindOrder(k string) int {
	for i, x := range PortKinds {
		if x == k {
			return i
		}
	}
	return len(PortKinds)
}

// Trunk is a FreePBX trunk with the pjsip keywords the import reads.
type Trunk struct {
	ID        string `json:"id"`
	Tech      string `json:"tech"`
	Name      string `json:"name"`
	Disabled  bool   `json:"disabled"`
	SIPServer string `json:"sip_server,omitempty"`
	// OutboundProxy is the pjsip outbound_proxy keyword; PJSIPName the
	// trunk_name keyword, which migration.php matches (not Name).
	OutboundProxy string `json:"outbound_proxy,omitempty"`
	PJSIPName     string `json:"pjsip_trunk_name,omitempty"`
}

// ParseTrunks reads the trunk inventory query (7 columns).
func ParseTrunks(out string) []Trunk {
	var ts []Trunk
	for _, r := range ParseTSV(out, Columns[CmdTrunks]) {
		ts = append(ts, Trunk{ID: r[0], Tech: r[1], Name: r[2], Disabled: r[3] == "on" || r[3] == "1",
			SIPServer: r[4], OutboundProxy: r[5], PJSIPName: r[6]})
	}
	return ts
}

// NATSetting is one NAT setting of FreePBX with a value: Table is kvstore
// (kvstore_Sipsettings, PJSIP) or sipsettings (chan_sip).
type NATSetting struct {
	Table string `json:"table"`
	Key   string `json:"key"`
	Value string `json:"value"`
}

// ParseNAT reads the NAT query (3 columns) and keeps the settings that
// hold a value (FreePBX's empty forms: "", "none", "[]", "{}").
func ParseNAT(out string) []NATSetting {
	var ns []NATSetting
	for _, r := range ParseTSV(out, Columns[CmdSIPNAT]) {
		switch strings.TrimSpace(r[2]) {
		case "", "none", "[]", "{}", "null":
			continue
		}
		ns = append(ns, NATSetting{Table: r[0], Key: r[1], Value: r[2]})
	}
	sort.Slice(ns, func(i, j int) bool {
		if ns[i].Table != ns[j].Table {
			return ns[i].Table < ns[j].Table
		}
		return ns[i].Key < ns[j].Key
	})
	return ns
}

// ParseINIValue reads the value awk printed for an INI key: trimmed, its
// double quotes (Tancredi's writer quotes strings) removed; "" when none.
func ParseINIValue(out string) string {
	v := strings.TrimSpace(firstLine(out))
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return clip(strings.TrimSpace(v), 253)
}
