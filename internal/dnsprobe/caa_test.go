package dnsprobe

import (
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// A resolver that knows CAA at example.com only, with a CNAME in between,
// and that fails for one level: the climb stops at the first set, and a
// failure before any set is the answer.
func TestLookupCAA(t *testing.T) {
	failAt := ""
	srv := serve(t, func(w dns.ResponseWriter, r *dns.Msg) {
		q := r.Question[0]
		name := Canonical(q.Name)
		reply(w, r, func(m *dns.Msg) {
			switch {
			case name == failAt:
				m.Rcode = dns.RcodeServerFailure
			case name == "alias.voice.example.com":
				m.Answer = append(m.Answer, rr("alias.voice.example.com. 300 IN CNAME target.example.net."))
			case name == "example.com":
				m.Answer = append(m.Answer, rr(`example.com. 300 IN CAA 0 issue "letsencrypt.org"`), rr(`example.com. 300 IN CAA 128 iodef "mailto:x@example.com"`))
			case name == "com" || name == "voice.example.com":
			default:
				m.Rcode = dns.RcodeNameError
			}
		})
	}, nil)
	ctx := ctxFor(t, 3*time.Second)
	c := LookupCAA(ctx, []string{srv}, "alias.voice.example.com.")
	if c.Owner != "example.com" || len(c.Records) != 2 || c.Records[0] != (CAARecord{Tag: "issue", Value: "letsencrypt.org"}) || !c.Records[1].Critical() || c.Failed != nil {
		t.Fatalf("%+v", c)
	}
	if len(c.Asked) != 3 {
		t.Errorf("climbed %d levels, want 3 (the CNAME's target has no CAA: its parents are not climbed)", len(c.Asked))
	}
	failAt = "voice.example.com"
	c = LookupCAA(ctx, []string{srv}, "alias.voice.example.com")
	if c.Failed == nil || c.Failed.Name != "voice.example.com" || c.Owner != "" {
		t.Fatalf("a failed level before any set: %+v", c)
	}
	failAt = ""
	if c = LookupCAA(ctx, []string{srv}, "voice.example.org"); c.Owner != "" || c.Failed != nil || len(c.Asked) != 3 {
		t.Fatalf("no CAA anywhere: %+v", c)
	}
}

func TestParseCAA(t *testing.T) {
	for in, want := range map[string]CAARecord{
		`0 issue "letsencrypt.org"`:                           {Tag: "issue", Value: "letsencrypt.org"},
		`0 ISSUE "letsencrypt.org; validationmethods=dns-01"`: {Tag: "issue", Value: "letsencrypt.org; validationmethods=dns-01"},
		`128 tbs "x"`: {Flag: 128, Tag: "tbs", Value: "x"},
		`0 issue ";"`: {Tag: "issue", Value: ";"},
	} {
		if got, ok := ParseCAA(in); !ok || got != want {
			t.Errorf("ParseCAA(%q) = %+v %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "0 issue", "x issue \"a\"", "300 issue \"a\""} {
		if _, ok := ParseCAA(bad); ok {
			t.Errorf("ParseCAA(%q) accepted", bad)
		}
	}
	if got := strings.Join(caaLevels("a.b.example.com"), " "); got != "a.b.example.com b.example.com example.com com" {
		t.Errorf("levels %s", got)
	}
}

// The climb is decided as soon as the levels from the name up reach a set
// or a failure: a silent parent above them is not waited for.
func TestClimbCAADecidesEarly(t *testing.T) {
	set := &Query{Name: "example.test", Outcome: Answer, Records: []Record{{Name: "example.test", Type: "CAA", Data: `0 issue "letsencrypt.org"`}}}
	nodata := &Query{Outcome: NoData}
	servfail := &Query{Name: "voice.example.test", Outcome: ServFail}
	for _, c := range []struct {
		name    string
		answers []*Query
		decided bool
		owner   string
		failed  bool
	}{
		{"set at the zone, parent silent", []*Query{nodata, set, nil}, true, "example.test", false},
		{"the name still due", []*Query{nil, set, nodata}, false, "", false},
		{"failure first, parents silent", []*Query{servfail, nil, nil}, true, "", true},
		{"nothing yet at the top", []*Query{nodata, nodata, nil}, false, "", false},
		{"no set anywhere", []*Query{nodata, nodata, nodata}, true, "", false},
	} {
		got, decided := climbCAA(c.answers)
		if decided != c.decided || (decided && (got.Owner != c.owner || (got.Failed != nil) != c.failed)) {
			t.Errorf("%s: decided %v, %+v", c.name, decided, got)
		}
	}
}
