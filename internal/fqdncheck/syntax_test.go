package fqdncheck

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/miekg/dns"
)

func TestParseFQDN(t *testing.T) {
	long63 := strings.Repeat("a", 63)
	for _, c := range []struct {
		in, ascii, problem string
		idn                bool
	}{
		{"voice.example.com", "voice.example.com", "", false},
		{"VOICE.Example.COM.", "voice.example.com", "", false},
		{"a-b.c0.example", "a-b.c0.example", "", false},
		{long63 + ".example.com", long63 + ".example.com", "", false},
		{"Bücher.example.com", "xn--bcher-kva.example.com", "", true},
		{"faß.de", "xn--fa-hia.de", "", true}, // non-transitional: ß kept
		{"例え.テスト", "xn--r8jz45g.xn--zckzah", "", true},
		{"xn--bcher-kva.example.com", "xn--bcher-kva.example.com", "", false},
		{"", "", "it is empty", false},
		{".", "", "it is empty", false},
		{"voice", "", "single label", false},
		{"192.0.2.10", "", "an IP address", false},
		{"2001:db8::1", "", "an IP address", false},
		{"[2001:db8::1]", "", "an IP address", false},
		{"voice_x.example.com", "", `contains "_"`, false},
		{"*.example.com", "", `contains '*'`, false},
		{"voice..example.com", "", "empty label", false},
		{".voice.example.com", "", "empty label", false},
		{"-voice.example.com", "", "starts or ends with a hyphen", false},
		{"voice-.example.com", "", "starts or ends with a hyphen", false},
		{"ab--cd.example.com", "", "positions 3-4", false},
		{"xn--zz.example.com", "", "not a valid A-label", false},
		{strings.Repeat("a", 64) + ".example.com", "", "64 characters long; a label has at most 63", false},
		{strings.Repeat(long63+".", 4) + "com", "", "a host name has at most 253", false},
		{"voice.example.123", "", "numeric", false},
		{"1.2.3.4.5", "", "numeric", false},
		{"nethvoice.ns8.invalid", "", ".invalid", false},
		{"localhost", "", "single label", false},
		{"voice.localhost", "", "localhost", false},
		{"voice\x00.example.com", "", "contains", false},
		{"bad\xff.example.com", "", "not valid UTF-8", false},
		{"a\u200db.example.com", "", "internationalized", false},
		{"voice example.com", "", "contains ' '", false},
	} {
		s := ParseFQDN(c.in)
		if s.ASCII != c.ascii || s.IDN != c.idn || (c.problem == "") != (s.Problem == "") || !strings.Contains(s.Problem, c.problem) {
			t.Errorf("%q: %+v, want ascii %q problem %q", c.in, s, c.ascii, c.problem)
		}
	}
	if s := ParseFQDN("xn--bcher-kva.example.com"); s.Unicode != "bücher.example.com" {
		t.Errorf("unicode form: %+v", s)
	}
}

func TestKey(t *testing.T) {
	if Key("Voice.Example.com.", ParseFQDN("Voice.Example.com.")) != Key("voice.example.com", ParseFQDN("voice.example.com")) {
		t.Error("case and final dot must not matter")
	}
	if Key("Bad_Name.", ParseFQDN("Bad_Name.")) != "bad_name" {
		t.Error("invalid names compare lower-cased")
	}
}

// FuzzFQDNSyntax: whatever the input, ParseFQDN does not panic, and a
// name it accepts is a host name by every independent measure: ASCII
// lower-case LDH labels, at most 253 characters, a dot, a DNS name for
// miekg/dns, and checked again the same (idempotent).
func FuzzFQDNSyntax(f *testing.F) {
	for _, s := range []string{"voice.example.com", "VOICE.example.com.", "Bücher.example.com", "xn--bcher-kva.example.com",
		"voice", "192.0.2.1", "a..b", "-a.b", "ab--cd.ef", "x.invalid", "localhost", "例え.テスト", "a\u200db.c", "\xff.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s := ParseFQDN(in)
		if !s.Valid() {
			if s.Problem == "" {
				t.Fatalf("%q: neither valid nor a problem: %+v", in, s)
			}
			if !utf8.ValidString(s.Problem) {
				t.Fatalf("%q: problem text is not UTF-8", in)
			}
			return
		}
		a := s.ASCII
		if len(a) > MaxName || !strings.Contains(a, ".") || strings.ToLower(a) != a || strings.HasSuffix(a, ".") {
			t.Fatalf("%q accepted as %q", in, a)
		}
		for _, l := range strings.Split(a, ".") {
			if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
				t.Fatalf("%q accepted as %q: bad label %q", in, a, l)
			}
		}
		if _, ok := dns.IsDomainName(a); !ok {
			t.Fatalf("%q accepted as %q, not a DNS name", in, a)
		}
		if again := ParseFQDN(a); !again.Valid() || again.ASCII != a {
			t.Fatalf("%q accepted as %q, which checks as %+v", in, a, again)
		}
		if s.IDN == isASCII(strings.TrimSuffix(in, ".")) {
			t.Fatalf("%q: IDN flag %v", in, s.IDN)
		}
	})
}
