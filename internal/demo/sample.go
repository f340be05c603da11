package demo

import (
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7sample"
)

// sampleNS7 is the demo's NS7: the tests' healthy NS7 with what a real
// site often has, so that the report shows a mix of verdicts and what to
// do next: updates pending (a newer kernel among them, not running yet),
// gateways (NS8 deletes them all at first start, and one is of a model it
// cannot configure), phones provisioned from NS7's own name, a provider
// trunk with an outbound proxy of its own and NAT settings the import
// rewrites, a site AGI script and a customer card, 38 GiB of call
// recordings; and the sample names resolve from NS7 as the demo's DNS
// answers them.
func sampleNS7() ns7sample.Variant {
	v := ns7sample.Outdated()
	v.DB = ns7sample.UnsupportedGateway().DB
	v.Hostname = "pbx.example.test"
	v.ConfigGet["DomainName"] = "example.test"
	v.Files[ns7.TancrediDefaults] = ns7sample.TancrediDefaults("pbx.example.test")
	v.DB.Trunks = append(v.DB.Trunks, ns7sample.TrunkRow{ID: 5, Tech: "pjsip", Name: "sixcomm", PJSIP: map[string]string{
		"sip_server": "voip.sixcomm.net", "outbound_proxy": "pcscf.sixcomm.net", "trunk_name": "sixcomm", "secret": ns7sample.SecretCanary}})
	v.DB.KVSipsettings["externip"] = "203.0.113.7"
	v.DB.KVSipsettings["localnets"] = `[{"net":"192.168.1.0","mask":"24"}]`
	v.Files["/var/lib/asterisk/agi-bin/night-mode.agi"] = "#!/usr/bin/php\n<?php // switches the night service\n"
	v.Files["/var/lib/nethserver/nethcti/templates/customer_card/crm.ejs"] = "<div class=\"crm\"></div>\n"
	v.Sparse = map[string]int64{
		"/var/spool/asterisk/monitor/2026/archive.tar":  38 << 30,
		"/var/spool/asterisk/voicemail/default/archive": 1200 << 20,
	}
	v.Hosts = map[string]string{
		"leader.example.test": "198.51.100.1",
		"voice.example.test":  "198.51.100.10",
		"cti.example.test":    "203.0.113.7",
	}
	return v
}
