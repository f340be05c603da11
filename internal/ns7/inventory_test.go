package ns7

import (
	"reflect"
	"testing"
)

// Samples of mysql -N -B answers to the inventory queries, as NS7's
// MariaDB prints them (tab-separated, the order of the statement).
const (
	sampleDevices = "00:15:65:AA:BB:01\tYealink/Dreamwave\tyealink-T46\t201\n" +
		"\t\t\t91202\n" + // a custom device or an FXS port: no MAC
		"0c:38:3e:00:00:02\tFanvil\tfanvil-X3U\t202\n"
	sampleGatewayInventory = "gateway\t7\t7\tgw-office\tPatton\tTRI_ISDN_2\tisdn\t192.168.1.1\t192.168.1.20\t192.168.1.1\t192.168.1.10\t255.255.255.0\t00:A0:BA:0B:1C:2D\n" +
		"isdn\t7\t2\t12\tPatton_0b1c2d_isdn_1\t20012\tpmp\t\t\t\t\t\t\n" +
		"isdn\t7\t1\t11\tPatton_0b1c2d_isdn_0\t20011\tpp\t\t\t\t\t\t\n" +
		"fxs\t7\t4\t\t\t\t\t201\t91201\t\t\t\t\n" +
		"fxo\t99\t1\t5\tX\t20005\t0612345\t\t\t\t\t\t\n" + // a port of no listed gateway
		"gateway\t3\t3\tgw-fax\tGrandstream\tht812\tfxs\t\t192.168.1.21\t\t192.168.1.10\t255.255.255.0\t00:0b:82:00:00:01\n"
	sampleTrunkInventory = "1\tpjsip\tMessageNet\toff\tsip.messagenet.it\t\tmessagenet\n" +
		"2\tpjsip\tSixComm\toff\tvoip.sixcomm.net\tpcscf.sixcomm.net\tsixcomm\n" +
		"3\tsip\tOld\ton\t\t\t\n"
	sampleNAT = "kvstore\texternip\t203.0.113.7\nkvstore\tlocalnets\t[]\nkvstore\ttcplocalnet-0.0.0.0\tnone\n" +
		"sipsettings\tlocalnet_0\t192.168.1.0\nkvstore\tudpextip-0.0.0.0\t\n"
)

func TestInventoryParsers(t *testing.T) {
	devs, cut := ParseDevices(sampleDevices)
	want := []Device{{MAC: "00:15:65:AA:BB:01", Vendor: "Yealink/Dreamwave", Model: "yealink-T46", Extension: "201"},
		{Extension: "91202"}, {MAC: "0C:38:3E:00:00:02", Vendor: "Fanvil", Model: "fanvil-X3U", Extension: "202"}}
	if cut || !reflect.DeepEqual(devs, want) {
		t.Errorf("devices %+v cut %v", devs, cut)
	}
	gws := ParseGateways(sampleGatewayInventory)
	if len(gws) != 2 || gws[0].Name != "gw-fax" || gws[0].MAC != "00:0B:82:00:00:01" || len(gws[0].Ports) != 0 {
		t.Fatalf("gateways %+v", gws)
	}
	g := gws[1]
	if g.Model != "TRI_ISDN_2" || g.Address != "192.168.1.1" || g.NewAddress != "192.168.1.20" || g.PBXAddress != "192.168.1.10" || g.Netmask != "255.255.255.0" {
		t.Errorf("gateway %+v", g)
	}
	ports := []GatewayPort{
		{Kind: "isdn", TrunkID: "11", Trunk: "Patton_0b1c2d_isdn_0", TrunkNumber: "20011", Protocol: "pp", id: 1},
		{Kind: "isdn", TrunkID: "12", Trunk: "Patton_0b1c2d_isdn_1", TrunkNumber: "20012", Protocol: "pmp", id: 2},
		{Kind: "fxs", Extension: "201", PhysicalExtension: "91201", id: 4}}
	if !reflect.DeepEqual(g.Ports, ports) {
		t.Errorf("ports %+v", g.Ports)
	}
	trunks := ParseTrunks(sampleTrunkInventory)
	if len(trunks) != 3 || trunks[1].OutboundProxy != "pcscf.sixcomm.net" || trunks[1].PJSIPName != "sixcomm" || !trunks[2].Disabled {
		t.Errorf("trunks %+v", trunks)
	}
	nat := ParseNAT(sampleNAT)
	if !reflect.DeepEqual(nat, []NATSetting{{"kvstore", "externip", "203.0.113.7"}, {"sipsettings", "localnet_0", "192.168.1.0"}}) {
		t.Errorf("nat %+v", nat)
	}
	for in, want := range map[string]string{` "pbx.example.com"` + "\n": "pbx.example.com", "pbx.example.com\n": "pbx.example.com", "": "", ` ""`: "", "\"a\nb": "\"a"} {
		if got := ParseINIValue(in); got != want {
			t.Errorf("ini %q: %q, want %q", in, got, want)
		}
	}
}

func TestDevicesBounded(t *testing.T) {
	var b []byte
	for i := 0; i < MaxDevices+3; i++ {
		b = append(b, "00:15:65:00:00:01\tYealink/Dreamwave\tyealink-T46\t201\n"...)
	}
	if devs, cut := ParseDevices(string(b)); len(devs) != MaxDevices || !cut {
		t.Errorf("%d devices, cut %v", len(devs), cut)
	}
}
