package repodata

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidTag(t *testing.T) {
	tests := []struct {
		tag  string
		want bool
	}{
		{"1.2.3", true},
		{"0.1.0", true},
		{"10.20.30", true},
		{"1.0.0-rc.1", true},
		{"0.1.0-dev.42.gabc1234", true},
		{"1.0.0-0", true},
		{"1.0.0-x-y.1", true},
		{"v1.2.3", false},   // createrepo drops it
		{"latest", false},   // the core never offers updates to it
		{"1.2", false},      // semver needs three numbers
		{"01.2.3", false},   // no leading zero
		{"1.2.3-01", false}, // nor in a numeric pre-release identifier
		{"1.2.3-", false},
		{"1.2.3-a..b", false},
		{"1.2.3+build.1", false}, // "+" is not allowed in an image tag
		{"", false},
	}
	for _, tc := range tests {
		if got := ValidTag(tc.tag); got != tc.want {
			t.Errorf("ValidTag(%q) = %v, want %v", tc.tag, got, tc.want)
		}
	}
}

// moduleMetadata is the module's real metadata.json.
func moduleMetadata(t *testing.T) Metadata {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "ui", "public", "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMetadata(b)
	if err != nil {
		t.Fatalf("ui/public/metadata.json: %v", err)
	}
	return m
}

func moduleLogo(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "ui", "public", "img", "module_default_logo.png"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNewEntryFromTheModulesMetadata(t *testing.T) {
	m := moduleMetadata(t)
	labels := map[string]string{"org.nethserver.rootfull": "0", "org.nethserver.min-core": "3.12.0"}
	for _, tc := range []struct {
		tag     string
		testing bool
	}{{"1.0.0", false}, {"1.1.0-rc.2", true}} {
		e, err := NewEntry(m, "ghcr.io/nethvoice-preflight/nethvoice-preflight", tc.tag, labels)
		if err != nil {
			t.Fatal(err)
		}
		if e.ID != "nethvoice-preflight" || e.Name != "NethVoice Preflight" || e.Source != "ghcr.io/nethvoice-preflight/nethvoice-preflight" {
			t.Errorf("entry = %+v", e)
		}
		if e.Logo == nil || *e.Logo != "logo.png" || e.Screenshots == nil {
			t.Errorf("logo %v, screenshots %v: the core reads both", e.Logo, e.Screenshots)
		}
		v := e.Versions
		if len(v) != 1 || v[0].Tag != tc.tag || v[0].Testing != tc.testing || v[0].Labels["org.nethserver.min-core"] != "3.12.0" {
			t.Errorf("versions = %+v", v)
		}
		doc, _ := json.Marshal([]Entry{e})
		if err := Validate(doc); err != nil {
			t.Errorf("the entry does not validate: %v", err)
		}
	}
}

func TestNewEntryRefuses(t *testing.T) {
	good := moduleMetadata(t)
	noName := good
	noName.Name = " "
	badCategory := good
	badCategory.Categories = []string{"Telephony"}
	httpDocs := good
	httpDocs.Docs.BugURL = "http://example.com/bugs"
	noEnglish := good
	noEnglish.Description = map[string]string{"it": "solo italiano"}
	tests := []struct {
		name   string
		meta   Metadata
		source string
		tag    string
		want   string
	}{
		{"latest", good, "ghcr.io/o/nethvoice-preflight", "latest", "not a semantic version"},
		{"v prefix", good, "ghcr.io/o/nethvoice-preflight", "v1.0.0", "not a semantic version"},
		{"tagged source", good, "ghcr.io/o/nethvoice-preflight:1.0.0", "1.0.0", "the source has none"},
		{"digest source", good, "ghcr.io/o/nethvoice-preflight@sha256:00", "1.0.0", "the source has none"},
		{"transport", good, "docker://ghcr.io/o/nethvoice-preflight", "1.0.0", "transport prefix"},
		{"bare name", good, "nethvoice-preflight", "1.0.0", "registry path"},
		{"no name", noName, "ghcr.io/o/x", "1.0.0", "name is empty"},
		{"category", badCategory, "ghcr.io/o/x", "1.0.0", `category "Telephony"`},
		{"http link", httpDocs, "ghcr.io/o/x", "1.0.0", "docs.bug_url"},
		{"no English", noEnglish, "ghcr.io/o/x", "1.0.0", "no English text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewEntry(tc.meta, tc.source, tc.tag, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one that says %q", err, tc.want)
			}
		})
	}
}

func TestParseMetadataRefusesUnknownFields(t *testing.T) {
	_, err := ParseMetadata([]byte(`{"name":"x","descripton":{"en":"typo"}}`))
	if err == nil || !strings.Contains(err.Error(), "descripton") {
		t.Errorf("err = %v, want the unknown field named", err)
	}
}

func TestValidate(t *testing.T) {
	e, err := NewEntry(moduleMetadata(t), "ghcr.io/o/nethvoice-preflight", "1.0.0", map[string]string{"a": "b"})
	if err != nil {
		t.Fatal(err)
	}
	good, _ := json.Marshal([]Entry{e})
	if err := Validate(good); err != nil {
		t.Fatalf("good entry: %v", err)
	}
	mutate := func(f func(m map[string]any)) []byte {
		var doc []map[string]any
		if err := json.Unmarshal(good, &doc); err != nil {
			t.Fatal(err)
		}
		f(doc[0])
		b, _ := json.Marshal(doc)
		return b
	}
	version := func(m map[string]any) map[string]any { return m["versions"].([]any)[0].(map[string]any) }
	tests := []struct {
		name string
		doc  []byte
		want string
	}{
		{"no id", mutate(func(m map[string]any) { delete(m, "id") }), "id is required"},
		{"no screenshots", mutate(func(m map[string]any) { delete(m, "screenshots") }), "screenshots is required"},
		{"no versions", mutate(func(m map[string]any) { m["versions"] = []any{} }), "versions"},
		{"latest", mutate(func(m map[string]any) { version(m)["tag"] = "latest" }), "tag"},
		{"testing stable", mutate(func(m map[string]any) { version(m)["testing"] = true }), "not a pre-release"},
		{"stable rc", mutate(func(m map[string]any) { version(m)["tag"] = "1.0.0-rc.1" }), "testing is false, but the tag is a pre-release"},
		{"number label", mutate(func(m map[string]any) { version(m)["labels"] = map[string]any{"org.nethserver.rootfull": 0} }), "Invalid type"},
		{"tagged source", mutate(func(m map[string]any) { m["source"] = "ghcr.io/o/x:1.0.0" }), "source"},
		{"no docs", mutate(func(m map[string]any) { m["docs"] = map[string]any{"code_url": "https://x"} }), "documentation_url is required"},
		{"not an array", []byte(`{}`), "Invalid type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.doc)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one that says %q", err, tc.want)
			}
		})
	}
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCheckLogo(t *testing.T) {
	if err := CheckLogo(moduleLogo(t)); err != nil {
		t.Errorf("the module's logo: %v", err)
	}
	if err := CheckLogo(pngOf(t, 128, 128)); err != nil {
		t.Errorf("128x128: %v", err)
	}
	if err := CheckLogo(pngOf(t, 64, 128)); err == nil || !strings.Contains(err.Error(), "64x128") {
		t.Errorf("64x128: err = %v", err)
	}
	if err := CheckLogo([]byte("GIF89a")); err == nil || !strings.Contains(err.Error(), "not a PNG") {
		t.Errorf("GIF: err = %v", err)
	}
}

func TestWrite(t *testing.T) {
	m := moduleMetadata(t)
	e, err := NewEntry(m, "registry.example.com:5000/partner/nethvoice-preflight", "0.2.0-dev.7.gabcdef1", map[string]string{"org.nethserver.rootfull": "0"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := Write(dir, e, m, moduleLogo(t)); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(dir, "repodata.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(doc); err != nil {
		t.Errorf("repodata.json: %v", err)
	}
	var entries []Entry
	if err := json.Unmarshal(doc, &entries); err != nil || len(entries) != 1 || !entries[0].Versions[0].Testing {
		t.Errorf("repodata.json = %s (%v)", doc, err)
	}
	meta, err := os.ReadFile(filepath.Join(dir, "nethvoice-preflight", "metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseMetadata(meta)
	if err != nil || got.Source != "registry.example.com:5000/partner/nethvoice-preflight" || got.Name != m.Name {
		t.Errorf("metadata.json: %+v (%v): the source is where this build is published", got, err)
	}
	logo, err := os.ReadFile(filepath.Join(dir, "nethvoice-preflight", "logo.png"))
	if err != nil || !bytes.Equal(logo, moduleLogo(t)) {
		t.Errorf("logo.png: %v", err)
	}
	if err := Write(t.TempDir(), e, m, pngOf(t, 16, 16)); err == nil {
		t.Error("a 16x16 logo was accepted")
	}
}

// FuzzParse feeds metadata.json and repodata.json readers arbitrary
// documents: an error or a value, never a panic; what ParseMetadata
// accepts makes an entry that validates.
func FuzzParse(f *testing.F) {
	meta, err := os.ReadFile(filepath.Join("..", "..", "ui", "public", "metadata.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(meta)
	f.Add([]byte(`{"name":"x","description":{"en":"y"},"categories":["web"],"authors":[{"name":"a"}],` +
		`"docs":{"documentation_url":"https://d","bug_url":"https://b","code_url":"https://c"},"source":"r/x"}`))
	f.Add([]byte(`[{"id":"x","versions":[{"tag":"1.0.0","testing":true,"labels":{}}]}]`))
	f.Add([]byte(`{"description":null,"categories":[1]}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		_ = Validate(doc)
		m, err := ParseMetadata(doc)
		if err != nil {
			return
		}
		e, err := NewEntry(m, "ghcr.io/o/x", "1.0.0", map[string]string{})
		if err != nil {
			t.Fatalf("metadata accepted by ParseMetadata refused by NewEntry: %v", err)
		}
		b, _ := json.Marshal([]Entry{e})
		if err := Validate(b); err != nil {
			t.Fatalf("entry of accepted metadata does not validate: %v\n%s", err, b)
		}
	})
}
