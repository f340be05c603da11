package ns7check

import (
	"fmt"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// Phones as NS7 records them: vendor from its MAC map, model a Tancredi
// model id (or the old engine's name). Sources in lists.go.
func TestPhoneSupport(t *testing.T) {
	for _, c := range []struct {
		vendor, model, level string
	}{
		// Every Yealink phone has the vendor Yealink/Dreamwave on NS7.
		{"Yealink/Dreamwave", "yealink-T46", PhoneDocumented},
		{"Yealink/Dreamwave", "T46S", PhoneDocumented},
		{"Yealink/Dreamwave", "yealink-AX83", PhoneDocumented}, // AX83H
		{"Yealink/Dreamwave", "yealink-AX86", PhoneDocumented}, // AX86R
		{"Yealink/Dreamwave", "T19P E2", PhoneDocumented},
		{"Yealink/Dreamwave", "yealink-T460", PhoneUndocumented}, // T46 does not take T460
		{"Gigaset", "gigaset-P825", PhoneDocumented},
		{"Gigaset", "gigaset-P855", PhoneDocumented},
		{"Gigaset", "P810 IP PRO", PhoneDocumented},
		{"Gigaset", "gigaset-Maxwell3", PhoneTancredi},
		{"Nethesis", "nethesis-NPX3", PhoneDocumented},
		{"Nethesis", "NP-V64", PhoneDocumented},
		{"Fanvil", "nethesis-NPX5v2", PhoneDocumented}, // the model's brand wins over the MAC's vendor
		{"Fanvil", "fanvil-X3SG-PRO", PhoneDocumented},
		{"Fanvil", "fanvil-X301", PhoneDocumented},
		{"Fanvil", "fanvil-H2", PhoneTancredi},
		{"Fanvil", "fanvil-V50G", PhoneUndocumented}, // in tancredi 1.10, not in NS8's 1.9.0
		{"Snom", "snom-D895", PhoneDocumented},
		{"Snom", "870", PhoneUndocumented}, // accepted: no evidence either way
		{"Sangoma", "sangoma-S505", PhoneTancredi},
		{"Akuvox", "akuvox-SPR63G", PhoneTancredi},
		{"", "yealink-T54", PhoneDocumented}, // prefix unknown to NS7's map, model recorded
		{"Cisco/Linksys", "SPA504G", PhoneUnsupported},
		{"Polycom", "VVX400", PhoneUnsupported},
		{"Grandstream", "GXP2170", PhoneUnsupported},
		{"", "", PhoneUnknown},
		{"", "VVX400", PhoneUnknown},
	} {
		if got, src := PhoneSupport(c.vendor, c.model); got != c.level || src == "" {
			t.Errorf("%q %q: %s (%s), want %s", c.vendor, c.model, got, src, c.level)
		}
	}
}

func TestListsHaveSources(t *testing.T) {
	docs := 0
	for _, p := range Providers {
		if p.Source == "" || len(p.Hosts) == 0 || p.Name == "" {
			t.Errorf("provider %+v", p)
		}
		if p.Source == SrcTrunkDocs {
			docs++
		}
	}
	// 26 providers in the documentation; TWT and Xera share one host.
	if docs != 25 || TrunkProvider("res.sip.twt.it") != "TWT or Xera" || TrunkProvider("VOIP.vivavox.it:5060") != "VivaVox" ||
		TrunkProvider("sip.cheapnet.it") != "Cheapnet" || TrunkProvider("sip:pcscf.sixcomm.net") != "Six Comm Group" || TrunkProvider("sbc.unknown.example") != "" {
		t.Errorf("providers: %d documented entries", docs)
	}
	for _, c := range []struct {
		man, model string
		ok         bool
	}{{"Patton", "TRI_FXO_4", true}, {"Grandstream", "ht812", true}, {"Grandstream", "HT812TLS", true}, {"Grandstream", "gxw4248TLS", true},
		{"Patton", "4552", false}, {"Patton", "4114fxs", false}, {"Mediatrix", "M4402", false}, {"Sangoma", "Vega_60_4fxo", false}, {"Grandstream", "ht841", false}} {
		if GatewayConfigurable(c.man, c.model) != c.ok {
			t.Errorf("gateway %s %s", c.man, c.model)
		}
	}
}

// The inventory checks on recorded answers: the verdict, and what the
// message must say.
func TestInventoryChecks(t *testing.T) {
	set := func(id, out string) func(map[string]ns7.Result, *ns7.Facts, *Facts) {
		return func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[id] = ns7.Result{Status: ns7.StatusOK, Output: out}
		}
	}
	fail := func(id string, exit int) func(map[string]ns7.Result, *ns7.Facts, *Facts) {
		return func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[id] = ns7.Result{Status: ns7.StatusFailed, Exit: exit}
		}
	}
	both := func(a, b func(map[string]ns7.Result, *ns7.Facts, *Facts)) func(map[string]ns7.Result, *ns7.Facts, *Facts) {
		return func(o map[string]ns7.Result, n *ns7.Facts, f *Facts) { a(o, n, f); b(o, n, f) }
	}
	patton := "gateway\t7\t7\tgw-office\tPatton\tTRI_FXO_4\tfxo\t192.168.1.1\t192.168.1.20\t192.168.1.1\t192.168.1.10\t255.255.255.0\t00:A0:BA:0B:1C:2D\n" +
		"fxo\t7\t1\t11\tPatton_0b1c2d_fxo_0\t20011\t0612345\t\t\t\t\t\t\n"
	ht := "gateway\t3\t3\tgw-fax\tGrandstream\tht812\tfxs\t\t192.168.1.21\t\t192.168.1.10\t255.255.255.0\t00:0B:82:00:00:01\n" +
		"fxs\t3\t1\t\t\t\t\t203\t91203\t\t\t\t\n"
	cases := []struct {
		name, id string
		change   func(map[string]ns7.Result, *ns7.Facts, *Facts)
		status   report.Status
		msg      string
	}{
		// 10: Yealink/Dreamwave is Yealink; devices without MAC are not phones.
		{"yealink as NS7 records it", "ns7.phones", set(ns7.CmdPhones, "00:15:65:00:00:01\tYealink/Dreamwave\tyealink-T46\t201\n00:15:65:00:00:02\tYealink/Dreamwave\tyealink-AX83\t202\n\t\t\t91203\n\t\t\t91204"),
			report.Pass, "2 physical phones in 2 models, all provisioned by NethVoice on NS8; 2 devices without MAC (custom devices, FXS ports of gateways) not counted as phones"},
		{"a second line is one phone", "ns7.phones", set(ns7.CmdPhones, "00:15:65:00:00:01\tYealink/Dreamwave\tyealink-T46\t201\n00:15:65:00:00:01\tYealink/Dreamwave\tyealink-T46\t301"),
			report.Pass, "1 physical phone in 1 model,"},
		{"undocumented models accepted", "ns7.phones", set(ns7.CmdPhones, "7C:2F:80:00:00:01\tGigaset\tgigaset-Maxwell3\t201\n00:04:13:00:00:01\tSnom\t870\t202"),
			report.Pass, "accepted though not on the documentation's list: 1 x Gigaset gigaset-Maxwell3, 1 x Snom 870"},
		{"unidentified is not unsupported", "ns7.phones", set(ns7.CmdPhones, "14:B3:70:00:00:01\t\t\t201"),
			report.Warn, "phones NS7 could not identify (MAC prefix not in its map, no model): 1 x (vendor unknown) (model not recorded)"},
		{"only devices without MAC", "ns7.phones", set(ns7.CmdPhones, "\t\t\t91203"), report.Pass, "no physical phone (no device with a MAC); 1 device without MAC"},
		{"phones not read", "ns7.phones", fail(ns7.CmdPhones, 1), report.Skip, "could not read the physical devices: mysql failed (exit 1)"},
		// 9: every gateway is lost; its configuration is in the message.
		{"supported gateways are lost too", "ns7.gateways", set(ns7.CmdGateways, patton+ht), report.Warn,
			"all 2 gateways are deleted at NethVoice's first start on NS8 (migration.php empties gateway_models; gateway_config and its port tables cascade), supported models included: " +
				"gw-fax: Grandstream ht812, MAC 00:0B:82:00:00:01, address 192.168.1.21, PBX 192.168.1.10 netmask 255.255.255.0; ports: fxs 1 = extension 203 (device 91203) | " +
				"gw-office: Patton TRI_FXO_4, MAC 00:A0:BA:0B:1C:2D, address 192.168.1.20, PBX 192.168.1.10 netmask 255.255.255.0, router 192.168.1.1; ports: fxo 1 = trunk Patton_0b1c2d_fxo_0 (user 20011, line 0612345)"},
		{"a model NS8 cannot configure", "ns7.gateways", set(ns7.CmdGateways, patton+"gateway\t9\t9\tgw-old\tPatton\t4552\tisdn\t\t192.168.1.22\t\t\t\t00:A0:BA:00:00:09\n"), report.Fail,
			"gateways of models NethVoice on NS8 cannot configure at all: gw-old (Patton 4552); all 2 gateways are deleted"},
		{"no gateway", "ns7.gateways", nil, report.Pass, "no gateways are configured"},
		{"a gateway's trunks are not providers", "ns7.trunks", both(set(ns7.CmdGateways, patton), set(ns7.CmdTrunks, "1\tpjsip\tMessageNet\toff\tsip.messagenet.it\t\tMessageNet\n11\tpjsip\tPatton_0b1c2d_fxo_0\toff\t192.168.1.20\t\tPatton_0b1c2d_fxo_0")),
			report.Pass, "2 trunks, all PJSIP with supported providers or bound to a gateway's port"},
		{"gateways not read", "ns7.gateways", fail(ns7.CmdGateways, 1), report.Skip, "could not read the gateways: mysql failed (exit 1)"},
		// 3: the provisioning host.
		{"same host", "ns7.provisioning-host", nil, report.Pass, "phones are provisioned from voice.example.org (Tancredi's hostname), the NethVoice FQDN planned on NS8"},
		{"same host, other case and a dot", "ns7.provisioning-host", set(ns7.CmdTancredi, "VOICE.example.org.\n"), report.Pass, "the NethVoice FQDN planned on NS8"},
		{"another host", "ns7.provisioning-host", set(ns7.CmdTancredi, ` "pbx.example.org"`), report.Warn,
			"2 phones are provisioned from pbx.example.org (Tancredi's hostname), not from voice.example.org, the NethVoice FQDN planned on NS8: after the cutover they keep asking pbx.example.org. To re-provision: 00:15:65:00:00:01 Yealink/Dreamwave yealink-T46 ext. 201, 0C:38:3E:00:00:02 Fanvil fanvil-X3U ext. 202"},
		{"unset: NethVoice's PublicHost", "ns7.provisioning-host", both(set(ns7.CmdTancredi, ""), set(ns7.CmdConfig+"nethvoice", `{"name":"nethvoice","props":{"PublicHost":"pbx.example.org"}}`)), report.Warn,
			"provisioned from pbx.example.org (NethVoice's PublicHost (Tancredi's hostname is unset))"},
		{"unset: NS7's FQDN", "ns7.provisioning-host", set(ns7.CmdTancredi, ""), report.Warn, "provisioned from ns7.example.org (NS7's FQDN (Tancredi's hostname is unset))"},
		{"host not readable", "ns7.provisioning-host", fail(ns7.CmdTancredi, 2), report.Skip,
			"could not read Tancredi's provisioning host name: "},
		{"no Tancredi: NS7's FQDN", "ns7.provisioning-host", fail(ns7.CmdTancredi, 3), report.Warn,
			"provisioned from ns7.example.org (NS7's FQDN (Tancredi's hostname is unset))"},
		{"unset, PublicHost not readable", "ns7.provisioning-host", both(set(ns7.CmdTancredi, ""), fail(ns7.CmdConfig+"nethvoice", 127)), report.Skip,
			"NethVoice's PublicHost could not be read"},
		{"unset, FQDN not readable", "ns7.provisioning-host", both(set(ns7.CmdTancredi, ""), fail(ns7.CmdHostname, 127)), report.Skip,
			"NS7's FQDN could not be read (hostname -f: hostname: command not found)"},
		{"unset, FQDN lost", "ns7.provisioning-host", both(set(ns7.CmdTancredi, ""), func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
			o[ns7.CmdHostname] = ns7.Result{Status: ns7.StatusLost, Exit: -1}
		}), report.Skip, "NS7's FQDN could not be read (hostname -f: hostname did not answer (lost))"},
		{"no FQDN planned", "ns7.provisioning-host", func(_ map[string]ns7.Result, _ *ns7.Facts, f *Facts) { f.NethVoiceFQDN = "" }, report.Skip, "no NethVoice FQDN is planned"},
		{"another host, phones not read", "ns7.provisioning-host", both(set(ns7.CmdTancredi, "pbx.example.org"), fail(ns7.CmdPhones, 1)), report.Warn,
			"the phones to re-provision could not be listed"},
		{"another host, no phone", "ns7.provisioning-host", both(set(ns7.CmdTancredi, "pbx.example.org"), set(ns7.CmdPhones, "\t\t\t91201")), report.Pass,
			"NS7 has no physical phone to re-provision"},
		// 4: outbound proxies the import replaces.
		{"provider proxy replaced", "ns7.trunk-proxy", set(ns7.CmdTrunks, "1\tpjsip\tSixComm\toff\tvoip.sixcomm.net\tpcscf.sixcomm.net\tSixComm\n"+
			"2\tpjsip\tcustom-sbc\toff\tsbc.example\tsip:sbc.example:5060;lr\tcustom-sbc\n"+
			"3\tpjsip\tidentity0-x\toff\tsbc.example\tsbc2.example\tidentity0-x\n4\tpjsip\tMessageNet\toff\tsip.messagenet.it\t\tMessageNet"), report.Warn,
			"NethVoice on NS8 replaces the outbound proxy of 2 trunks with its own proxy: SixComm (outbound proxy pcscf.sixcomm.net: migration.php sets NethVoice's proxy on trunks whose name contains neither custom nor identity0), " +
				"custom-sbc (outbound proxy sip:sbc.example:5060;lr: NethVoice >= 1.6.4 rewrites every outbound proxy of the form sip:...;lr at each configure-module)"},
		{"custom names kept", "ns7.trunk-proxy", set(ns7.CmdTrunks, "3\tpjsip\tsbc\toff\tsbc.example\tsbc2.example\tMy-CUSTOM-sbc"), report.Pass,
			"1 trunk has an outbound proxy of its own, kept by the import"},
		{"no proxies", "ns7.trunk-proxy", nil, report.Pass, "no trunk has an outbound proxy of its own"},
		{"trunks not read", "ns7.trunk-proxy", fail(ns7.CmdTrunks, 1), report.Skip, "could not read the trunks: mysql failed (exit 1)"},
		// 4: NAT settings.
		{"NAT cleared and kept", "ns7.sip-nat", set(ns7.CmdSIPNAT, "kvstore\texternip\t203.0.113.7\nkvstore\tlocalnets\t[{\"net\":\"192.168.1.0\",\"mask\":\"24\"}]\n"+
			"kvstore\tudpextip-0.0.0.0\t203.0.113.7\nkvstore\ttcplocalnet-0.0.0.0\tnone\nsipsettings\tlocalnet_0\t192.168.1.0"), report.Warn,
			"the import clears externip = 203.0.113.7, localnets = [{\"net\":\"192.168.1.0\",\"mask\":\"24\"}]; it keeps as NS7 had them udpextip-0.0.0.0 = 203.0.113.7, localnet_0 = 192.168.1.0"},
		{"no NAT", "ns7.sip-nat", nil, report.Pass, "no NAT setting"},
		{"NAT not read", "ns7.sip-nat", fail(ns7.CmdSIPNAT, 1), report.Skip, "could not read FreePBX's NAT settings: mysql failed (exit 1)"},
	}
	for _, c := range cases {
		got := find(All(factsWith(c.change)), c.id)
		if got.Status != c.status || !strings.Contains(got.Message, c.msg) {
			t.Errorf("%s: %s: %s %q\nwant %s with %q", c.name, c.id, got.Status, got.Message, c.status, c.msg)
		}
		if (got.Status == report.Warn || got.Status == report.Fail) && got.Remediation == nil {
			t.Errorf("%s: no remediation", c.name)
		}
	}
}

// What re-creating a gateway needs is in the finding's data, port by port.
func TestGatewayExportData(t *testing.T) {
	f := factsWith(func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
		o[ns7.CmdGateways] = ns7.Result{Status: ns7.StatusOK, Output: "gateway\t7\t7\tgw\tPatton\tTRI_ISDN_2\tisdn\t\t10.0.0.2\t10.0.0.1\t10.0.0.10\t255.0.0.0\t00:A0:BA:00:00:01\n" +
			"isdn\t7\t1\t11\tPatton_000001_isdn_0\t20011\tpp\t\t\t\t\t\t\nisdn\t7\t2\t12\tPatton_000001_isdn_1\t20012\tpmp\t\t\t\t\t\t\n"}
	})
	fd := find(All(f), "ns7.gateways")
	gws := fd.Data["gateways"].([]map[string]any)
	ports := gws[0]["ports"].([]ns7.GatewayPort)
	if len(ports) != 2 || ports[1].Trunk != "Patton_000001_isdn_1" || ports[1].Protocol != "pmp" || gws[0]["mac"] != "00:A0:BA:00:00:01" || gws[0]["configurable_on_ns8"] != true {
		t.Errorf("%+v", gws)
	}
}

// Long inventories stay readable: a message names at most 10 items and
// says how many more (the data keeps them all).
func TestInventoryMessagesBounded(t *testing.T) {
	var gws, nat strings.Builder
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&gws, "gateway\t%d\t%d\tgw-%d\tPatton\t4552\tisdn\t\t192.168.%d.%d\t\t\t\t00:A0:BA:00:%02X:%02X\n", i, i, i, i/250, i%250, i/256, i%256)
	}
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&nat, "sipsettings\tlocalnet_%d\t10.%d.%d.0\n", i, i/256, i%256)
	}
	fs := All(factsWith(func(o map[string]ns7.Result, _ *ns7.Facts, _ *Facts) {
		o[ns7.CmdGateways] = ns7.Result{Status: ns7.StatusOK, Output: gws.String()}
		o[ns7.CmdSIPNAT] = ns7.Result{Status: ns7.StatusOK, Output: nat.String() + "kvstore\texternip\t203.0.113.7\n"}
	}))
	for id, more := range map[string]string{"ns7.gateways": "and 2990 more", "ns7.sip-nat": "and 19990 more"} {
		f := find(fs, id)
		if len(f.Message) > 8000 || !strings.Contains(f.Message, more) {
			t.Errorf("%s: %d characters: %.300s", id, len(f.Message), f.Message)
		}
	}
	if g := find(fs, "ns7.gateways"); len(g.Data["gateways"].([]map[string]any)) != 3000 {
		t.Errorf("data.gateways does not keep them all")
	}
}
