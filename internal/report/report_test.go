package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeCatalog orders ids as listed; "old.b" is an alias of "b.two".
type fakeCatalog struct{}

var order = []string{"a.one", "b.two", "c.three"}

func (fakeCatalog) Canonical(id string) string {
	if id == "old.b" {
		return "b.two"
	}
	return id
}
func (fakeCatalog) Order(id string) int {
	for i, o := range order {
		if o == id {
			return i
		}
	}
	return len(order)
}
func (fakeCatalog) Title(id string) string { return "Title of " + id }
func (fakeCatalog) Doc(id string) string   { return "docs/checks.md#" + id }

func sample() []Finding {
	rem := func(h string) *Remediation { return &Remediation{Hint: h, Commands: []string{"echo fix"}} }
	return []Finding{
		{ID: "c.three", Subject: "z", Status: Warn, Message: "warned", Remediation: rem("look")},
		{ID: "b.two", Subject: "y", Status: Fail, Message: "failed\non two lines", Remediation: rem("fix it")},
		{ID: "b.two", Subject: "x", Status: Fail, Message: "failed too", Remediation: rem("fix x")},
		{ID: "a.one", Subject: "", Status: Pass, Message: "fine"},
		{ID: "zz.unknown", Subject: "", Status: Skip, Message: "not applicable"},
	}
}

var t0 = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

func build(ign []Ignore) Report {
	r := Build(fakeCatalog{}, "check-node", "run-1", t0, sample(), ign, nil)
	r.DurationMs = 42
	return r
}

func TestBuildOrderSummaryReady(t *testing.T) {
	r := build(nil)
	var got []string
	for _, f := range r.Checks {
		got = append(got, f.ID+"/"+f.Subject)
	}
	want := []string{"a.one/", "b.two/x", "b.two/y", "c.three/z", "zz.unknown/"}
	if len(got) != len(want) {
		t.Fatal(got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	if r.Ready || r.Summary != (Summary{Pass: 1, Warn: 1, Fail: 2, Skip: 1}) {
		t.Fatalf("ready=%v summary=%+v", r.Ready, r.Summary)
	}
	if !r.Checks[1].Blocking || r.Checks[3].Blocking {
		t.Fatal("blocking must follow fail only")
	}
	if r.Checks[1].Title != "Title of b.two" || r.Checks[1].Remediation.Doc != "docs/checks.md#b.two" {
		t.Fatalf("title/doc not filled: %+v", r.Checks[1])
	}
	if Grade(r) != ExitBlocking {
		t.Fatal("grade")
	}
}

func TestIgnoreList(t *testing.T) {
	// Alias + empty subject ignores every subject of b.two; the report becomes ready.
	r := build([]Ignore{{ID: "old.b", Reason: "lab"}})
	if !r.Ready || r.Summary.Ignored != 2 || r.Summary.Fail != 0 {
		t.Fatalf("ready=%v %+v", r.Ready, r.Summary)
	}
	for _, f := range r.Checks[1:3] {
		if !f.Ignored || f.Blocking || f.IgnoreNote != "lab" || f.Status != Fail {
			t.Fatalf("%+v", f)
		}
	}
	if Grade(r) != ExitWarnings {
		t.Fatal("warnings only must grade 4")
	}
	// A subject narrows the ignore to one finding.
	r = build([]Ignore{{ID: "b.two", Subject: "x", Reason: "r"}})
	if r.Ready || r.Summary.Ignored != 1 || r.Summary.Fail != 1 {
		t.Fatalf("%+v", r.Summary)
	}
	// An ignored pass stays a plain pass.
	r = build([]Ignore{{ID: "a.one", Reason: "r"}})
	if r.Checks[0].Ignored {
		t.Fatal("pass marked ignored")
	}
}

// An entry without a reason (stored by an older version, which did not
// require one) is not applied: it cannot turn NOT READY into READY.
func TestIgnoreWithoutReasonIsNotApplied(t *testing.T) {
	for _, reason := range []string{"", "   "} {
		r := build([]Ignore{{ID: "b.two", Reason: reason}})
		if r.Ready || r.Summary.Ignored != 0 || r.Summary.Fail != 2 {
			t.Fatalf("reason %q: ready=%v %+v", reason, r.Ready, r.Summary)
		}
	}
}

func TestGradeReady(t *testing.T) {
	r := Build(fakeCatalog{}, "x", "r", t0, []Finding{{ID: "a.one", Status: Pass, Message: "ok"}}, nil, nil)
	if Grade(r) != ExitReady || !r.Ready || r.Facts == nil || r.Checks == nil {
		t.Fatal(r)
	}
	r = Build(fakeCatalog{}, "x", "r", t0, nil, nil, nil)
	if r.Checks == nil || !r.Ready {
		t.Fatal("empty report must have an empty checks array")
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestGoldenJSON(t *testing.T) {
	b, err := json.MarshalIndent(build([]Ignore{{ID: "b.two", Subject: "x", Reason: "known"}}), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json", append(b, '\n'))
}

func TestGoldenText(t *testing.T) {
	var buf bytes.Buffer
	WriteText(&buf, build([]Ignore{{ID: "b.two", Subject: "x", Reason: "known"}}), TextOptions{})
	golden(t, "report.txt", buf.Bytes())
}

// A finding the ignore list starts or stops covering is a change, as is a
// status that changed; the rest is not.
func TestDiff(t *testing.T) {
	prev := []Finding{
		{ID: "ns7.gateways", Subject: "ns7", Status: Fail},
		{ID: "node.cpu", Subject: "node 1", Status: Fail},
		{ID: "node.disk", Subject: "/", Status: Pass},
		{ID: "ns7.trunks", Subject: "ns7", Status: Warn, Ignored: true},
		{ID: "fqdn.aaaa", Subject: "voice", Status: Warn},
	}
	cur := []Finding{
		{ID: "ns7.gateways", Subject: "ns7", Status: Fail, Ignored: true},
		{ID: "node.cpu", Subject: "node 1", Status: Pass},
		{ID: "node.disk", Subject: "/", Status: Pass},
		{ID: "ns7.trunks", Subject: "ns7", Status: Warn},
		{ID: "node.memory", Subject: "node 1", Status: Pass},
	}
	got := Diff(prev, cur)
	want := []Change{
		{ID: "ns7.gateways", Subject: "ns7", From: Fail, To: Fail, ToIgnored: true},
		{ID: "node.cpu", Subject: "node 1", From: Fail, To: Pass},
		{ID: "ns7.trunks", Subject: "ns7", From: Warn, To: Warn, FromIgnored: true},
		{ID: "node.memory", Subject: "node 1", To: Pass},
		{ID: "fqdn.aaaa", Subject: "voice", From: Warn},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// An ignore entry that matches no finding (whatever its status) is listed;
// one that matches a passing finding is not: it ignores nothing today but
// names a real finding.
func TestUnmatched(t *testing.T) {
	igs := []Ignore{
		{ID: "b.two", Subject: "x", Reason: "used"},
		{ID: "b.two", Subject: "w", Reason: "misspelt subject"},
		{ID: "a.one", Reason: "matches a pass"},
		{ID: "q.nothing", Reason: "no such finding"},
	}
	got := Unmatched(fakeCatalog{}, sample(), igs)
	if len(got) != 2 || got[0].Reason != "misspelt subject" || got[1].Reason != "no such finding" {
		t.Errorf("%+v", got)
	}
	r := build(nil)
	r.IgnoreUnmatched = got
	var b strings.Builder
	WriteText(&b, r, TextOptions{Width: 100})
	for _, want := range []string{"Ignore entries that match no finding (2): check their id and subject", `b.two (subject "w"): misspelt subject`, "q.nothing (every subject): no such finding"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}
