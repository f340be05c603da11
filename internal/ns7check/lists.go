package ns7check

import (
	"regexp"
	"strings"
)

// The lists NethVoice on NS8 works from, each entry with its public
// source. Data, not logic: when NethVoice supports more, add lines here.
// Sources (read at the commits named):
const (
	// SrcPhoneDocs: NethServer/nethvoice-docs supported_phones.md @5b5bbb2.
	SrcPhoneDocs = "NethVoice documentation, supported phones (nethvoice-docs supported_phones.md @5b5bbb2)"
	// SrcTancredi: the Tancredi model scopes of the NethVoice image on NS8
	// (ns8-nethvoice tancredi/Containerfile pins tancredi 1.9.0; the model
	// ids of nethesis/tancredi at that tag).
	SrcTancredi = "a Tancredi model of NethVoice on NS8 (tancredi 1.9.0, pinned by ns8-nethvoice tancredi/Containerfile), not in the documentation"
	// SrcGatewayModels: the gateway models NethVoice on NS8 has (ns8-nethvoice
	// mariadb/docker-entrypoint-initdb.d/50_asterisk.gateway_models.sql and
	// freepbx/initdb.d/migration.php @ec8ae1e).
	SrcGatewayModels = "ns8-nethvoice 50_asterisk.gateway_models.sql and freepbx/initdb.d/migration.php"
	// SrcTrunkDocs: NethServer/nethvoice-docs supported_trunks.md @6b1792c
	// (= the providers table of ns8-nethvoice 50_asterisk.providers.sql).
	SrcTrunkDocs = "NethVoice documentation, supported trunks (nethvoice-docs supported_trunks.md @6b1792c)"
	// SrcTrunkWizard: the PJSIP providers of NethVoice's wizard on NS8
	// (ns8-nethvoice 50_asterisk.rest_pjsip_providers.sql and
	// rest_pjsip_trunks_defaults.sql @ec8ae1e), not in the documentation.
	SrcTrunkWizard = "a provider of NethVoice's wizard on NS8 (ns8-nethvoice rest_pjsip_providers.sql), not in the documentation"
)

// Phone families by Tancredi brand, normalized (upper case, no space or
// hyphen): a model matches a family it starts with when the next
// character is not a digit (T46 takes T46G, T46S, T46U, not T460); a
// family ending in * takes any continuation. documentedPhones are the
// documentation's list (AX83H and AX86R, P825 and P855 included);
// tancrediPhones the models NS8's Tancredi provisions beyond it.
var documentedPhones = map[string][]string{
	"nethesis": {"NPX3", "NPV61", "NPV64", "NPX5", "NPX210"},
	"fanvil": {"V61", "V62", "V63", "V64", "V65", "V67", "X1", "X210", "X3", "X4", "X5", "X6", "X7", "X301", "X303",
		"H2U", "H5", "W610W", "W611W", "W620W"},
	"yealink": {"T19", "T21", "T23", "T27", "T29", "T30", "T31", "T33", "T34", "T40", "T41", "T42", "T43", "T44", "T46", "T48",
		"T49", "T52", "T53", "T54", "T56", "T57", "T58", "VP59", "T73", "T74", "T77", "T85", "T87", "T88", "AX83", "AX86"},
	"snom": {"D120", "D140", "D150", "D305", "D315", "D335", "D345", "D375", "D385", "D710", "D712", "D713", "D715", "D717",
		"D725", "D735", "D745", "D765", "D785", "D810", "D812", "D815", "D862", "D865", "D892", "D895"},
	"gigaset": {"P710", "P810", "P820", "P825", "P850", "P855"},
}

var tancrediPhones = map[string][]string{
	"akuvox":  {"SPR50P", "SPR63G", "WP410", "WP480"},
	"fanvil":  {"H2"},
	"gigaset": {"MAXWELL*"},
	"sangoma": {"S*"},
	"snom":    {"SP800"},
}

// Vendors NS7's MAC map names (nethvoice-wizard-restapi
// lib/macAddressMap.json), by their Tancredi brand; any other vendor is
// one NS8's Tancredi has no model for.
var vendorBrands = map[string]string{
	"yealink/dreamwave": "yealink", "yealink": "yealink", "fanvil": "fanvil", "nethesis": "nethesis", "nethphone": "nethesis",
	"snom": "snom", "gigaset": "gigaset", "sangoma": "sangoma", "akuvox": "akuvox",
}

// Phone support levels.
const (
	PhoneDocumented   = "documented"   // on the documentation's list
	PhoneTancredi     = "tancredi"     // NS8's Tancredi has its model, the documentation does not list it
	PhoneUndocumented = "undocumented" // a vendor NS8 provisions, a model on neither list: accepted
	PhoneUnsupported  = "unsupported"  // a vendor NS8's Tancredi has no model for
	PhoneUnknown      = "unknown"      // neither vendor nor model recorded: not identified
)

// PhoneSupport classifies a phone as NS7 records it: vendor from its MAC
// map (`Yealink/Dreamwave`, `Cisco/Linksys`, or empty for an unknown
// prefix), model a Tancredi model id (`yealink-T46`) or the old engine's
// name (`T46S`). The brand of a Tancredi model id wins over the vendor
// (NethPhones carry Fanvil or Nethesis prefixes). It returns the level
// and the source that says so.
func PhoneSupport(vendor, model string) (level, source string) {
	brand, m := phoneModel(vendor, model)
	switch {
	case brand == "" && m == "":
		return PhoneUnknown, "NS7's MAC map does not know the prefix and no model is recorded"
	case brand == "" && vendor == "":
		return PhoneUnknown, "NS7's MAC map does not know the prefix"
	case brand == "":
		return PhoneUnsupported, "NS8's Tancredi has no model of vendor " + vendor + " (" + SrcPhoneDocs + ")"
	case familyOf(documentedPhones[brand], m):
		return PhoneDocumented, SrcPhoneDocs
	case familyOf(tancrediPhones[brand], m):
		return PhoneTancredi, SrcTancredi
	}
	return PhoneUndocumented, "a model of a vendor NS8's Tancredi provisions, on neither list"
}

// phoneModel returns the Tancredi brand and the normalized model.
func phoneModel(vendor, model string) (brand, m string) {
	v := strings.ToLower(strings.TrimSpace(vendor))
	brand = vendorBrands[v]
	m = strings.TrimSpace(model)
	if b, rest, ok := strings.Cut(m, "-"); ok {
		if tb := strings.ToLower(b); isBrand(tb) {
			brand, m = tb, rest
		}
	}
	m = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '_' || r == '/' {
			return -1
		}
		return r
	}, strings.ToUpper(m))
	return brand, m
}

func isBrand(b string) bool {
	for _, x := range vendorBrands {
		if x == b {
			return true
		}
	}
	return false
}

func familyOf(families []string, m string) bool {
	for _, f := range families {
		if p, ok := strings.CutSuffix(f, "*"); ok {
			if strings.HasPrefix(m, p) && len(m) > len(p) {
				return true
			}
			continue
		}
		if strings.HasPrefix(m, f) && (len(m) == len(f) || m[len(f)] < '0' || m[len(f)] > '9') {
			return true
		}
	}
	return false
}

// PhoneSupported tells whether NS8 provisions a phone of that vendor and
// model (documented, or a model of NS8's Tancredi, or an undocumented
// model of a vendor it provisions).
func PhoneSupported(vendor, model string) bool {
	l, _ := PhoneSupport(vendor, model)
	return l == PhoneDocumented || l == PhoneTancredi || l == PhoneUndocumented
}

// ns8GatewayModels are the gateway models NethVoice on NS8 can configure:
// the 25 rows migration.php re-inserts after emptying gateway_models, the
// same as a fresh install's (manufacturer, model as spelled there).
var ns8GatewayModels = map[string][]string{
	"patton": {"TRI_FXO_2", "TRI_FXO_4", "TRI_FXO_8", "TRI_ISDN_1", "TRI_ISDN_2", "TRI_ISDN_4", "TRI_PRI_1", "TRI_PRI_2", "TRI_PRI_4"},
	"grandstream": {"ht801", "ht801TLS", "ht802", "ht802TLS", "ht812", "ht812TLS", "ht814", "ht814TLS",
		"gxw4216", "gxw4216TLS", "gxw4224", "gxw4224TLS", "gxw4232", "gxw4232TLS", "gxw4248", "gxw4248TLS"},
}

// GatewayConfigurable tells whether NethVoice on NS8 can configure a
// gateway of that model (models are identified by manufacturer and model,
// never by id: ids differ between NS7 systems).
func GatewayConfigurable(manufacturer, model string) bool {
	for _, m := range ns8GatewayModels[strings.ToLower(strings.TrimSpace(manufacturer))] {
		if strings.EqualFold(m, strings.TrimSpace(model)) {
			return true
		}
	}
	return false
}

// Provider is a trunk provider NethVoice on NS8 knows: its name, the SIP
// hosts its trunks use (sip_server, and the outbound proxy or registrar
// where the provider has one), and the source.
type Provider struct {
	Name   string
	Hosts  []string
	Source string
}

// Providers: the 26 of the documentation, then those of the wizard's PJSIP
// list that the documentation does not name. NS7 hosts that changed since
// are kept (VivaVox voip.vivavox.it: ns8-nethvoice ec14b50f). TWT and Xera
// share res.sip.twt.it.
var Providers = []Provider{
	{"Active Network", []string{"sip.activenetwork.it"}, SrcTrunkDocs},
	{"Cheapnet", []string{"sip.cheapnet.it"}, SrcTrunkDocs},
	{"Clouditalia", []string{"voip.eutelia.it"}, SrcTrunkDocs},
	{"MessageNet", []string{"sip.messagenet.it"}, SrcTrunkDocs},
	{"Neomedia", []string{"sip.neomedia.it"}, SrcTrunkDocs},
	{"Opensolution Sip", []string{"sip.opensolution.it"}, SrcTrunkDocs},
	{"Opensolution Voip", []string{"voip.opensolution.it"}, SrcTrunkDocs},
	{"Six Comm Group", []string{"voip.sixcomm.net", "pcscf.sixcomm.net"}, SrcTrunkDocs},
	{"Talkho", []string{"sip.talkho.com"}, SrcTrunkDocs},
	{"Terrecablate", []string{"sbc.tcrs.it"}, SrcTrunkDocs},
	{"Timenet", []string{"sbc.voipvox.it", "voce.voipvox.it"}, SrcTrunkDocs},
	{"TWT or Xera", []string{"res.sip.twt.it"}, SrcTrunkDocs},
	{"VivaVox", []string{"sip.vivavox.it", "voip.vivavox.it"}, SrcTrunkDocs},
	{"VoipEasy", []string{"sip.voipeasy.it"}, SrcTrunkDocs},
	{"VoipTel", []string{"voip.voiptelitalia.it"}, SrcTrunkDocs},
	{"VoipTel 2", []string{"voip2.voiptelitalia.it"}, SrcTrunkDocs},
	{"VoipVoice (sip)", []string{"sip.voipvoicetel.it"}, SrcTrunkDocs},
	{"VoipVoice (trunk)", []string{"trunk.voipvoice.it"}, SrcTrunkDocs},
	{"VoipVoice (user)", []string{"user.voipvoice.it"}, SrcTrunkDocs},
	{"WiCity", []string{"sip.wicity.it"}, SrcTrunkDocs},
	{"XSTREAM", []string{"128.65.200.18"}, SrcTrunkDocs},
	{"NetoIP", []string{"voipnet.netoip.com"}, SrcTrunkDocs},
	{"MyNet", []string{"cloud1b.voicer.it"}, SrcTrunkDocs},
	{"OVAL", []string{"sip.oval.it"}, SrcTrunkDocs},
	{"Enegan", []string{"sip.enegan.it", "proxysip.tlc.enegan.it"}, SrcTrunkDocs},
	{"Fibering", []string{"voip.sixcommgroup.it", "85.31.163.132"}, SrcTrunkWizard},
	{"Opensolution GNR", []string{"77.239.128.13"}, SrcTrunkWizard},
	{"Plink", []string{"sipuser.plink.it"}, SrcTrunkWizard},
	{"Viatek", []string{"185.144.72.100"}, SrcTrunkWizard},
	{"WiC SIP", []string{"sip.mywic.it"}, SrcTrunkWizard},
	{"WiC VoIP", []string{"voip.mywic.it"}, SrcTrunkWizard},
	{"Digitalia ICT", []string{"sip.digiclex.it"}, SrcTrunkWizard},
	{"ElevenLabs", []string{"sip.rtc.elevenlabs.io"}, SrcTrunkWizard},
}

// TrunkProvider names the provider of a SIP server (host, host:port or
// sip:host), or "".
func TrunkProvider(server string) string {
	s := strings.ToLower(strings.TrimSpace(server))
	s = strings.TrimPrefix(s, "sip:")
	if h, _, ok := strings.Cut(s, ":"); ok {
		s = h
	}
	for _, p := range Providers {
		for _, h := range p.Hosts {
			if h == s {
				return p.Name
			}
		}
	}
	return ""
}

// PrefixRe is NS8's reports_international_prefix pattern.
var PrefixRe = regexp.MustCompile(`^(00\d{1,4}|\+\d{1,4})$`)

// rpmVerCmp compares two version strings as rpm does (segments of digits
// compared as numbers, of letters as strings, digits newer than letters).
func rpmVerCmp(a, b string) int {
	seg := func(s string) []string {
		var out []string
		for i := 0; i < len(s); {
			c := s[i]
			if !isAlnum(c) {
				i++
				continue
			}
			j := i
			digit := c >= '0' && c <= '9'
			for j < len(s) && isAlnum(s[j]) && (s[j] >= '0' && s[j] <= '9') == digit {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
		return out
	}
	sa, sb := seg(a), seg(b)
	for i := 0; i < len(sa) && i < len(sb); i++ {
		x, y := sa[i], sb[i]
		dx, dy := x[0] >= '0' && x[0] <= '9', y[0] >= '0' && y[0] <= '9'
		if dx != dy {
			if dx {
				return 1
			}
			return -1
		}
		if dx {
			x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
			if len(x) != len(y) {
				if len(x) > len(y) {
					return 1
				}
				return -1
			}
		}
		if c := strings.Compare(x, y); c != 0 {
			return c
		}
	}
	switch {
	case len(sa) > len(sb):
		return 1
	case len(sa) < len(sb):
		return -1
	}
	return 0
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
