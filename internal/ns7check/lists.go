package ns7check

import (
	"regexp"
	"strings"
)

// The supported lists of NethVoice on NS8 (reference §5: nethvoice-docs
// supported_phones, supported_gateways, supported_trunks; ns8-nethvoice
// migration.php for the gateway models kept at first start). Data, not
// logic: when NethVoice supports more, add lines here.

// phoneModels maps a lower-case vendor to the model patterns supported.
var phoneModels = map[string]*regexp.Regexp{
	"nethesis":  regexp.MustCompile(`^NP-?(X3|V61|V64|X5|X210)`),
	"nethphone": regexp.MustCompile(`^NP-?(X3|V61|V64|X5|X210)`),
	"fanvil":    regexp.MustCompile(`^(V6[1-7]|X1|X1S|X1SP|X210|X3|X4|X5|X6|X7A|X7C|X301|X303|H2U|H5|W61[01]W|W620W)`),
	"yealink":   regexp.MustCompile(`^(T19|T2\d|T3\d|T4\d|T5[0-8]|VP59|T7[3-7]|T8[5-8]|AX83H|AX86R)`),
	"snom":      regexp.MustCompile(`^D[1378]\d\d`),
	"gigaset":   regexp.MustCompile(`^(P710|P810|P820|P850)`),
}

// PhoneSupported tells whether a vendor/model pair is on the supported list.
func PhoneSupported(vendor, model string) bool {
	v := strings.ToLower(strings.TrimSpace(vendor))
	re, ok := phoneModels[v]
	if !ok {
		return false
	}
	m := strings.ToUpper(strings.TrimSpace(model))
	// Models are stored as "T46S" or with the vendor in front ("yealink-T46S").
	m = strings.TrimLeft(strings.TrimPrefix(m, strings.ToUpper(v)), "-_ ")
	return re.MatchString(m)
}

// Gateway models NS8 keeps when it rebuilds gateway_models at first start
// (Patton TRI_*, Grandstream HT80x/HT81x/GXW42xx); any other model is
// deleted, and its gateways with it (ON DELETE CASCADE).
var keptGateways = map[string]*regexp.Regexp{
	"patton":      regexp.MustCompile(`^TRI_`),
	"grandstream": regexp.MustCompile(`^(HT80|HT81|GXW42)`),
}

// GatewayKept tells whether NS8 keeps a gateway of that model.
func GatewayKept(manufacturer, model string) bool {
	re, ok := keptGateways[strings.ToLower(strings.TrimSpace(manufacturer))]
	return ok && re.MatchString(strings.ToUpper(strings.TrimSpace(model)))
}

// providerServers are the SIP servers of the trunk providers NethVoice
// on NS8 knows (rest_pjsip_trunks_defaults sip_server).
var providerServers = map[string]string{
	"sip.activenetwork.it":  "Active Network",
	"voip.eutelia.it":       "Clouditalia",
	"sip.messagenet.it":     "MessageNet",
	"res.sip.twt.it":        "TWT",
	"voip.voiptelitalia.it": "VoipTel",
	"sip.voipvoicetel.it":   "VoipVoice (sip)",
	"trunk.voipvoice.it":    "VoipVoice (trunk)",
	"user.voipvoice.it":     "VoipVoice (user)",
	"sbc.tcrs.it":           "Terrecablate",
	"voipnet.netoip.com":    "NetoIP",
	"cloud1b.voicer.it":     "MyNet",
	"sip.oval.it":           "OVAL",
	"sip.enegan.it":         "Enegan",
}

// TrunkProvider names the supported provider of a SIP server, or "".
func TrunkProvider(server string) string {
	s := strings.ToLower(strings.TrimSpace(server))
	if h, _, ok := strings.Cut(s, ":"); ok {
		s = h
	}
	return providerServers[s]
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
