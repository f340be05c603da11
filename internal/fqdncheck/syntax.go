package fqdncheck

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Syntax is the verdict on one planned FQDN as written.
type Syntax struct {
	// ASCII is the form checked, queried and to be used in NS8: lower
	// case, no final dot, internationalized labels as A-labels (xn--).
	ASCII string `json:"ascii,omitempty"`
	// Unicode is the readable form of a name with A-labels.
	Unicode string `json:"unicode,omitempty"`
	// IDN is set when the name was written with non-ASCII characters and
	// converted (UTS #46 non-transitional mapping, IDNA2008).
	IDN bool `json:"idn,omitempty"`
	// Problem says why the name is not a valid host name ("" when valid).
	Problem string `json:"problem,omitempty"`
}

// Valid reports whether the name can be used.
func (s Syntax) Valid() bool { return s.Problem == "" && s.ASCII != "" }

// MaxName is the longest host name (RFC 1035 §2.3.4, without the final dot).
const MaxName = 253

// ParseFQDN checks a planned FQDN: an RFC 1123 host name of at most 253
// characters, labels of 1-63 letters, digits and hyphens (not at either
// end; "--" in positions 3-4 only in a valid xn-- A-label), at least one
// dot, not an IP address, a non-numeric top-level label, not under
// .invalid or localhost (RFC 6761). Upper case and one final dot are
// accepted. A name written in Unicode is converted to its A-label form on
// purpose (UTS #46 lookup mapping, IDNA2008 rules) and checked in that
// form: DNS, certificates and NS8's own forms only know that form.
func ParseFQDN(input string) Syntax {
	var s Syntax
	name := input
	if !utf8.ValidString(name) {
		s.Problem = "it is not valid UTF-8 text"
		return s
	}
	name = strings.TrimSuffix(name, ".")
	if name == "" {
		s.Problem = "it is empty"
		return s
	}
	if !isASCII(name) {
		a, err := idna.Lookup.ToASCII(name)
		if err != nil {
			s.Problem = fmt.Sprintf("it is not a valid internationalized domain name (%v)", strings.TrimPrefix(err.Error(), "idna: "))
			return s
		}
		s.IDN = true
		name = strings.TrimSuffix(a, ".")
	}
	name = strings.ToLower(name)
	if p := problem(name); p != "" {
		s.Problem = p
		return s
	}
	s.ASCII = name
	if strings.Contains(name, "xn--") {
		if u, err := idna.Lookup.ToUnicode(name); err == nil && u != name {
			s.Unicode = u
		}
	}
	return s
}

// problem checks an ASCII, lower-case name without final dot.
func problem(name string) string {
	if _, err := netip.ParseAddr(strings.Trim(name, "[]")); err == nil {
		return "it is an IP address, not a host name"
	}
	if n := len(name); n > MaxName {
		return fmt.Sprintf("it is %d characters long; a host name has at most %d", n, MaxName)
	}
	labels := strings.Split(name, ".")
	if len(labels) < 2 {
		return fmt.Sprintf("%q is a single label, not a fully qualified name: it needs at least one dot (e.g. %s.example.com)", name, name)
	}
	for _, l := range labels {
		if p := labelProblem(l); p != "" {
			return p
		}
	}
	tld := labels[len(labels)-1]
	if strings.Trim(tld, "0123456789") == "" {
		return fmt.Sprintf("its top-level label %q is numeric: no top-level domain is (RFC 3696), so it reads as a malformed IP address", tld)
	}
	switch {
	case tld == "invalid":
		return "it is under .invalid, a name reserved never to resolve (RFC 6761); NS8 uses it for unconfigured names"
	case tld == "localhost":
		return "it is a localhost name: it always means the machine itself (RFC 6761)"
	}
	return ""
}

func labelProblem(l string) string {
	switch {
	case l == "":
		return "it has an empty label (two dots in a row, or a leading dot)"
	case len(l) > 63:
		return fmt.Sprintf("its label %q is %d characters long; a label has at most 63", short(l), len(l))
	}
	for _, c := range l {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' {
			continue
		}
		if c == '_' {
			return fmt.Sprintf("its label %q contains \"_\": allowed in some DNS names, never in a host name (RFC 1123: letters, digits and hyphens)", short(l))
		}
		return fmt.Sprintf("its label %q contains %q: a host name has only letters, digits and hyphens (RFC 1123)", short(l), c)
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return fmt.Sprintf("its label %q starts or ends with a hyphen (RFC 1123)", short(l))
	}
	if len(l) >= 4 && l[2:4] == "--" {
		if !strings.HasPrefix(l, "xn--") {
			return fmt.Sprintf("its label %q has \"--\" in positions 3-4, reserved for A-labels that start with xn-- (RFC 5891)", short(l))
		}
		if _, err := idna.Lookup.ToUnicode(l); err != nil {
			return fmt.Sprintf("its label %q is not a valid A-label (the Punycode does not decode to a valid IDNA2008 label)", short(l))
		}
	}
	return ""
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// short bounds a label quoted in a message.
func short(s string) string {
	if len(s) > 70 {
		return s[:67] + "..."
	}
	return s
}

// Key is how two planned names are compared: the checked form when valid,
// otherwise lower case without final dot.
func Key(input string, s Syntax) string {
	if s.Valid() {
		return s.ASCII
	}
	return strings.ToLower(strings.TrimSuffix(input, "."))
}
