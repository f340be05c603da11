package e2e

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7sample"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/ns7world"
)

// The NS7 inventory read from NS7's own tables on a real MariaDB (the
// world's Options.MariaDB), judged as NethVoice on NS8 will treat it, and
// what NS8 then does to those tables run on them: the verdict the check
// announced is what happens.

// ns8Migration is what NethVoice on NS8 does to NS7's gateway tables at its
// first start (ns8-nethvoice freepbx/initdb.d/migration.php, gateway
// block): the proxy column, the wider columns, then every model deleted
// and the 25 models it configures inserted again. Written here from the
// field research (§1.3), not copied.
const ns8Migration = `
ALTER TABLE gateway_config ADD COLUMN proxy VARCHAR(255) DEFAULT NULL AFTER mac;
UPDATE gateway_config SET proxy = 'sip:10.5.4.1:5060' WHERE proxy IS NULL;
ALTER TABLE gateway_config MODIFY COLUMN ipv4_new VARCHAR(255) DEFAULT NULL;
DELETE FROM gateway_models;
INSERT INTO gateway_models (id, model, manufacturer, tech) VALUES
 (11,'TRI_FXO_2','Patton','fxo'),(12,'TRI_FXO_4','Patton','fxo'),(13,'TRI_FXO_8','Patton','fxo'),
 (16,'TRI_ISDN_1','Patton','isdn'),(17,'TRI_ISDN_2','Patton','isdn'),(18,'TRI_ISDN_4','Patton','isdn'),
 (19,'TRI_PRI_1','Patton','pri'),(20,'TRI_PRI_2','Patton','pri'),(21,'TRI_PRI_4','Patton','pri'),
 (31,'ht801','Grandstream','fxs'),(32,'ht801TLS','Grandstream','fxs'),(33,'ht802','Grandstream','fxs'),(34,'ht802TLS','Grandstream','fxs'),
 (35,'ht812','Grandstream','fxs'),(36,'ht812TLS','Grandstream','fxs'),(37,'ht814','Grandstream','fxs'),(38,'ht814TLS','Grandstream','fxs'),
 (39,'gxw4216','Grandstream','fxs'),(40,'gxw4216TLS','Grandstream','fxs'),(41,'gxw4224','Grandstream','fxs'),(42,'gxw4224TLS','Grandstream','fxs'),
 (43,'gxw4232','Grandstream','fxs'),(44,'gxw4232TLS','Grandstream','fxs'),(45,'gxw4248','Grandstream','fxs'),(46,'gxw4248TLS','Grandstream','fxs');
`

func sqlLines(t *testing.T, w *ns7world.World, sql string) []string {
	t.Helper()
	out, err := w.SQL(sql)
	must(t, err)
	lines := strings.Fields(strings.TrimSpace(out))
	sort.Strings(lines)
	return lines
}

// Item 9. Before: ns7.gateways passed NS7's Patton Trinity and Grandstream
// gateways ("2 gateways, all of models NS8 keeps"). Now every gateway
// warns with what re-creating it needs, and NS8's own statements run on
// NS7's tables delete exactly the gateways the check announced, ports
// and all.
func TestInventoryGatewaysLostAtFirstStart(t *testing.T) {
	e := newNS7Env(t, ns7Scenario{variant: ns7world.Gateways(), opts: ns7world.Options{MariaDB: true}})
	res, rep := e.probe(t, nil)
	f := expect(t, rep, "ns7.gateways", e.ns7.Addr(), report.Warn, "all 2 gateways are deleted at NethVoice's first start on NS8")
	for _, want := range []string{
		"gw-office: Patton TRI_FXO_4, MAC 00:A0:BA:0B:1C:2D, address 192.168.1.20, PBX 192.168.1.10 netmask 255.255.255.0, router 192.168.1.1; ports: fxo 1 = trunk Patton_0b1c2d_fxo_0 (user 20002, line 0612345670), fxo 2 = trunk Patton_0b1c2d_fxo_1 (user 20003, line 0612345671)",
		"gw-fax: Grandstream ht812, MAC 00:0B:82:3A:4B:5C, address 192.168.1.21, PBX 192.168.1.10 netmask 255.255.255.0, router 192.168.1.1; ports: fxs 1 = extension 203 (device 91203), fxs 2 = extension 204 (device 91204)",
	} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("the gateway's configuration is not in the message: %q\n%s", want, f.Message)
		}
	}
	var announced []string
	for _, g := range f.Data["gateways"].([]any) {
		gw := g.(map[string]any)
		announced = append(announced, gw["name"].(string))
		if len(gw["ports"].([]any)) != 2 || gw["configurable_on_ns8"] != true {
			t.Errorf("gateway data %v", gw)
		}
	}
	sort.Strings(announced)
	// The gateway trunks are the gateway's, not unknown providers.
	expect(t, rep, "ns7.trunks", e.ns7.Addr(), report.Pass, "3 trunks, all PJSIP with supported providers or bound to a gateway's port")
	// The secrets of the port tables are never read.
	for _, canary := range []string{ns7sample.SecretCanary, ns7sample.PortSecretCanary} {
		if strings.Contains(string(res.Output), canary) {
			t.Errorf("a secret column reached the report: %s", canary)
		}
	}

	before := sqlLines(t, e.ns7, "SELECT name FROM gateway_config")
	if strings.Join(before, ",") != strings.Join(announced, ",") {
		t.Fatalf("NS7 has gateways %v, the check announced %v", before, announced)
	}
	ports := sqlLines(t, e.ns7, "SELECT (SELECT COUNT(*) FROM gateway_config_fxo) + (SELECT COUNT(*) FROM gateway_config_fxs) + (SELECT COUNT(*) FROM gateway_config_isdn) + (SELECT COUNT(*) FROM gateway_config_pri)")
	if strings.Join(ports, "") != "4" {
		t.Fatalf("ports before: %v", ports)
	}
	if _, err := e.ns7.SQL(ns8Migration); err != nil {
		t.Fatal(err)
	}
	after := sqlLines(t, e.ns7, "SELECT COUNT(*) FROM gateway_config UNION ALL SELECT COUNT(*) FROM gateway_config_fxo UNION ALL SELECT COUNT(*) FROM gateway_config_fxs UNION ALL SELECT COUNT(*) FROM gateway_models")
	// Gateways and ports gone; the 25 models NS8 configures are back.
	if strings.Join(after, ",") != "0,0,0,25" {
		t.Errorf("after NS8's first start: gateways, FXO ports, FXS ports, models = %v", after)
	}
}

// Item 9, a model NS8 cannot configure at all: a fail (before: the same
// fail named a Mediatrix "4102", a model NS7 never had).
func TestInventoryGatewayNS8CannotConfigure(t *testing.T) {
	e := newNS7Env(t, ns7Scenario{variant: ns7world.UnsupportedGateway(), opts: ns7world.Options{MariaDB: true}})
	_, rep := e.probe(t, nil)
	expect(t, rep, "ns7.gateways", e.ns7.Addr(), report.Fail,
		"gateways of models NethVoice on NS8 cannot configure at all: gw-old (Mediatrix M4402); all 3 gateways are deleted")
	if rep.Ready {
		t.Error("ready with a gateway NS8 cannot configure")
	}
}

// Item 10. Before: every Yealink phone was unsupported (NS7 records the
// vendor as Yealink/Dreamwave), so were AX83H/AX86R and Gigaset P825/P855,
// and custom devices and FXS ports counted as phones of no vendor; trunks
// of providers the list did not know (Timenet, VivaVox as NS7 configured
// them) warned. Read from NS7's tables, all pass.
func TestInventoryAsNS7RecordsIt(t *testing.T) {
	v := ns7world.Gateways()
	db := v.DB
	for i, p := range []struct{ mac, vendor, model string }{
		{"80:5E:0C:00:00:01", "Yealink/Dreamwave", "yealink-AX83"},
		{"80:5E:0C:00:00:02", "Yealink/Dreamwave", "yealink-AX86"},
		{"7C:2F:80:00:00:01", "Gigaset", "gigaset-P825"},
		{"7C:2F:80:00:00:02", "Gigaset", "gigaset-P855"},
		{"E0:E6:56:00:00:01", "Nethesis", "nethesis-NPX3"},
		{"00:15:65:00:00:09", "Yealink/Dreamwave", "T46S"}, // the old engine's name
	} {
		db.Devices = append(db.Devices, ns7sample.DeviceRow{MAC: p.mac, Vendor: p.vendor, Model: p.model, Extension: fmt.Sprint(230 + i)})
	}
	db.Devices = append(db.Devices, ns7sample.DeviceRow{Extension: "91230", Type: "temporaryphysical"})
	db.Trunks = append(db.Trunks,
		ns7sample.TrunkRow{ID: 6, Tech: "pjsip", Name: "timenet", PJSIP: map[string]string{"sip_server": "voce.voipvox.it", "outbound_proxy": "", "trunk_name": "timenet"}},
		ns7sample.TrunkRow{ID: 7, Tech: "pjsip", Name: "vivavox", PJSIP: map[string]string{"sip_server": "voip.vivavox.it", "outbound_proxy": "", "trunk_name": "vivavox"}})
	e := newNS7Env(t, ns7Scenario{variant: v, opts: ns7world.Options{MariaDB: true}})
	_, rep := e.probe(t, nil)
	f := expect(t, rep, "ns7.phones", e.ns7.Addr(), report.Pass,
		"21 physical phones in 8 models, all provisioned by NethVoice on NS8; 3 devices without MAC (custom devices, FXS ports of gateways) not counted as phones")
	raw, _ := json.Marshal(f.Data["models"])
	for _, want := range []string{`"model":"yealink-AX83","source":"NethVoice documentation`, `"model":"gigaset-P855","source":"NethVoice documentation`, `"support":"documented","vendor":"Yealink/Dreamwave"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("models: no %s in %s", want, raw)
		}
	}
	expect(t, rep, "ns7.trunks", e.ns7.Addr(), report.Pass, "5 trunks, all PJSIP with supported providers or bound to a gateway's port")
}

// Item 3. Before: nothing said that phones keep asking NS7's name after
// the cutover. NS7's Tancredi names pbx.example.org, NS8 will be
// voice.example.org: a warning with every phone to re-provision; without
// Tancredi's defaults.ini the phones ask NS7's own name.
func TestInventoryProvisioningHost(t *testing.T) {
	v := ns7world.Healthy()
	v.Files["/var/lib/tancredi/data/scopes/defaults.ini"] = ns7sample.TancrediDefaults("pbx.example.org")
	e := newNS7Env(t, ns7Scenario{variant: v, opts: ns7world.Options{MariaDB: true}})
	_, rep := e.probe(t, nil)
	f := expect(t, rep, "ns7.provisioning-host", e.ns7.Addr(), report.Warn,
		"15 phones are provisioned from pbx.example.org (Tancredi's hostname), not from voice.example.org, the NethVoice FQDN planned on NS8: after the cutover they keep asking pbx.example.org. To re-provision: 00:15:65:4A:00:01 Yealink/Dreamwave yealink-T46 ext. 201,")
	if phones, _ := f.Data["phones"].([]any); len(phones) != 15 {
		t.Errorf("%d phones in the data, want 15", len(phones))
	}
	for _, want := range []string{"keep pbx.example.org pointing at NS8", "redirect service", "DHCP option 66"} {
		if !strings.Contains(f.Remediation.Hint, want) {
			t.Errorf("remedy without %q: %s", want, f.Remediation.Hint)
		}
	}

	v = ns7world.Healthy()
	delete(v.Files, "/var/lib/tancredi/data/scopes/defaults.ini")
	e = newNS7Env(t, ns7Scenario{variant: v})
	_, rep = e.probe(t, nil)
	// No defaults.ini: no Tancredi (the old engine); phones ask NS7's own
	// name, an answer and not a fact unread (ns7.reads stays pass).
	expect(t, rep, "ns7.provisioning-host", e.ns7.Addr(), report.Warn,
		"provisioned from ns7.example.org (NS7's FQDN (Tancredi's hostname is unset)), not from voice.example.org")
	expect(t, rep, "ns7.reads", e.ns7.Addr(), report.Pass, "every fact the checks judge was read")
}

// Item 4. Before: nothing said the import replaces a provider's own
// outbound proxy or clears FreePBX's NAT settings. The checks list them;
// then NS8's own statements (migration.php's trunk rule, the >= 1.6.4
// configure-module rule, import-module/40mysql's NAT statements) run on
// NS7's tables change exactly the trunks and settings announced.
func TestInventoryTrunkProxyAndNAT(t *testing.T) {
	v := ns7world.Healthy()
	db := v.DB
	db.Trunks = append(db.Trunks,
		ns7sample.TrunkRow{ID: 2, Tech: "pjsip", Name: "sixcomm", PJSIP: map[string]string{"sip_server": "voip.sixcomm.net", "outbound_proxy": "pcscf.sixcomm.net", "trunk_name": "sixcomm"}},
		ns7sample.TrunkRow{ID: 3, Tech: "pjsip", Name: "custom-sbc", PJSIP: map[string]string{"sip_server": "sbc.example.org", "outbound_proxy": "sip:sbc.example.org:5060;lr", "trunk_name": "custom-sbc"}},
		ns7sample.TrunkRow{ID: 4, Tech: "pjsip", Name: "Custom-edge", PJSIP: map[string]string{"sip_server": "edge.example.org", "outbound_proxy": "sip:edge.example.org:5070", "trunk_name": "Custom-edge"}})
	db.KVSipsettings["externip"] = "203.0.113.7"
	db.KVSipsettings["localnets"] = `[{"net":"192.168.1.0","mask":"24"}]`
	db.KVSipsettings["udpextip-0.0.0.0"] = "203.0.113.7"
	db.SIPSettings["externip_val"] = "203.0.113.7"
	db.SIPSettings["localnet_0"] = "192.168.1.0"
	e := newNS7Env(t, ns7Scenario{variant: v, opts: ns7world.Options{MariaDB: true}})
	_, rep := e.probe(t, nil)
	f := expect(t, rep, "ns7.trunk-proxy", e.ns7.Addr(), report.Warn, "NethVoice on NS8 replaces the outbound proxy of 2 trunks with its own proxy: sixcomm (outbound proxy pcscf.sixcomm.net: migration.php")
	var announced []string
	for _, r := range f.Data["replaced"].([]any) {
		announced = append(announced, r.(map[string]any)["id"].(string))
	}
	sort.Strings(announced)
	n := expect(t, rep, "ns7.sip-nat", e.ns7.Addr(), report.Warn,
		"the import clears externip = 203.0.113.7, localnets = [{\"net\":\"192.168.1.0\",\"mask\":\"24\"}], externip_val = 203.0.113.7; it keeps as NS7 had them udpextip-0.0.0.0 = 203.0.113.7, localnet_0 = 192.168.1.0")
	var cleared []string
	for _, s := range n.Data["settings"].([]any) {
		if m := s.(map[string]any); m["cleared"] == true {
			cleared = append(cleared, m["key"].(string))
		}
	}
	sort.Strings(cleared)

	const proxy = "sip:10.5.4.1:5060;lr"
	_, err := e.ns7.SQL(`
UPDATE pjsip SET data = '` + proxy + `' WHERE keyword = 'outbound_proxy' AND id IN (
  SELECT id FROM (SELECT id FROM pjsip WHERE keyword = 'trunk_name' AND data NOT LIKE '%custom%' AND data NOT LIKE '%identity0%') AS named);
UPDATE pjsip SET data = '` + proxy + `' WHERE keyword = 'outbound_proxy' AND data LIKE 'sip:%;lr' AND data <> '` + proxy + `';
UPDATE sipsettings SET data = '' WHERE keyword = 'externip_val';
UPDATE kvstore_Sipsettings SET val = '' WHERE ` + "`key`" + ` = 'externip';
DELETE FROM kvstore_Sipsettings WHERE ` + "`key`" + ` = 'localnets';`)
	must(t, err)
	// The trunks whose own proxy is gone are those announced (the
	// MessageNet trunk had none: NS8's proxy is what it should get).
	changed := sqlLines(t, e.ns7, "SELECT id FROM pjsip WHERE keyword = 'outbound_proxy' AND data = '"+proxy+"' AND id <> '1'")
	if strings.Join(changed, ",") != strings.Join(announced, ",") {
		t.Errorf("the import replaced the proxies of trunks %v, the check announced %v", changed, announced)
	}
	gone := sqlLines(t, e.ns7, "SELECT `key` FROM kvstore_Sipsettings WHERE `key` IN ('externip','localnets') AND COALESCE(val,'') = '' "+
		"UNION ALL SELECT 'localnets' FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM kvstore_Sipsettings WHERE `key` = 'localnets') "+
		"UNION ALL SELECT keyword FROM sipsettings WHERE keyword = 'externip_val' AND data = ''")
	if strings.Join(gone, ",") != strings.Join(cleared, ",") {
		t.Errorf("the import cleared %v, the check announced %v", gone, cleared)
	}
}
