package settings

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
)

func raw(t *testing.T, doc string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("bad test input %s: %v", doc, err)
	}
	return m
}

func sp(s string) *string { return &s }

func TestFromEnvDefaults(t *testing.T) {
	for _, env := range []map[string]string{nil, {}, {"MODULE_ID": "nethvoice-preflight1"}} {
		s := FromEnv(env)
		if s.NS7.Port != 22 || s.NS7.User != "root" || s.TimeoutS != 10 || s.NS7.Host != "" || s.Node != 0 {
			t.Errorf("defaults: %+v", s)
		}
		if s.Resolvers == nil || s.ExpectedAddresses == nil || s.Ignore == nil {
			t.Errorf("lists must be empty, not nil: %#v %#v %#v", s.Resolvers, s.ExpectedAddresses, s.Ignore)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"resolvers":[]`, `"expected_addresses":[]`, `"ignore":[]`, `"port":22`, `"user":"root"`, `"timeout_s":10`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("JSON %s lacks %s", b, want)
			}
		}
	}
}

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want func(s Settings) bool
	}{
		{"host, port, user", map[string]string{"NS7_HOST": "ns7.example.com", "NS7_PORT": "2222", "NS7_USER": "admin"},
			func(s Settings) bool { return s.NS7 == NS7{Host: "ns7.example.com", Port: 2222, User: "admin"} }},
		{"bad port falls back", map[string]string{"NS7_PORT": "ssh"}, func(s Settings) bool { return s.NS7.Port == 22 }},
		{"bad timeout falls back", map[string]string{"TIMEOUT_S": "10s"}, func(s Settings) bool { return s.TimeoutS == 10 }},
		{"timeout", map[string]string{"TIMEOUT_S": "30"}, func(s Settings) bool { return s.TimeoutS == 30 }},
		{"node", map[string]string{"DESTINATION_NODE": "3"}, func(s Settings) bool { return s.Node == 3 }},
		{"fqdns", map[string]string{"NETHVOICE_FQDN": "v.example", "CTI_FQDN": "c.example", "PROXY_FQDN": "p.example"},
			func(s Settings) bool {
				return s.FQDNs == FQDNs{NethVoice: "v.example", CTI: "c.example", Proxy: "p.example"}
			}},
		{"lists split and trimmed", map[string]string{"RESOLVERS": " 192.0.2.53, ,2001:db8::53,", "EXPECTED_ADDRESSES": "198.51.100.10"},
			func(s Settings) bool {
				return reflect.DeepEqual(s.Resolvers, []string{"192.0.2.53", "2001:db8::53"}) &&
					reflect.DeepEqual(s.ExpectedAddresses, []string{"198.51.100.10"})
			}},
		{"damaged ignore reads as empty", map[string]string{"PREFLIGHT_IGNORE": `[{"id":`},
			func(s Settings) bool { return s.Ignore != nil && len(s.Ignore) == 0 }},
		{"partly damaged ignore reads as empty", map[string]string{"PREFLIGHT_IGNORE": `[{"id":"a.b"},{"id":1}]`},
			func(s Settings) bool { return s.Ignore != nil && len(s.Ignore) == 0 }},
		{"ignore null reads as empty", map[string]string{"PREFLIGHT_IGNORE": `null`},
			func(s Settings) bool { return s.Ignore != nil && len(s.Ignore) == 0 }},
		{"ignore", map[string]string{"PREFLIGHT_IGNORE": `[{"id":"node.cpu","subject":"","reason":"lab"}]`},
			func(s Settings) bool {
				return reflect.DeepEqual(s.Ignore, []report.Ignore{{ID: "node.cpu", Reason: "lab"}})
			}},
		{"ldap domain and volumes", map[string]string{"LDAP_DOMAIN": "voice.example.com", "VOLUMES_PATH": "/srv"},
			func(s Settings) bool { return s.LDAPDomain == "voice.example.com" && s.VolumesPath == "/srv" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if s := FromEnv(tc.env); !tc.want(s) {
				t.Errorf("FromEnv(%v) = %+v", tc.env, s)
			}
		})
	}
}

func TestChanges(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  map[string]*string
	}{
		{"nothing", `{}`, map[string]*string{}},
		{"only the given sub-key", `{"ns7":{"host":"ns7.example.com"}}`, map[string]*string{"NS7_HOST": sp("ns7.example.com")}},
		{"port as a number", `{"ns7":{"port":2222,"user":"admin"}}`, map[string]*string{"NS7_PORT": sp("2222"), "NS7_USER": sp("admin")}},
		{"empty string clears", `{"fqdns":{"cti":""},"ldap_domain":""}`, map[string]*string{"CTI_FQDN": nil, "LDAP_DOMAIN": nil}},
		{"list joined", `{"resolvers":["192.0.2.53","2001:db8::53"]}`, map[string]*string{"RESOLVERS": sp("192.0.2.53,2001:db8::53")}},
		{"empty list clears", `{"resolvers":[],"expected_addresses":[],"ignore":[]}`,
			map[string]*string{"RESOLVERS": nil, "EXPECTED_ADDRESSES": nil, "PREFLIGHT_IGNORE": nil}},
		{"numbers", `{"node":2,"timeout_s":30}`, map[string]*string{"DESTINATION_NODE": sp("2"), "TIMEOUT_S": sp("30")}},
		{"volumes", `{"volumes_path":"/srv"}`, map[string]*string{"VOLUMES_PATH": sp("/srv")}},
		{"ignore compact", `{"ignore":[ {"id":"node.cpu", "reason":"lab"} ]}`,
			map[string]*string{"PREFLIGHT_IGNORE": sp(`[{"id":"node.cpu","subject":"","reason":"lab"}]`)}},
		{"read-only keys of get-configuration are not stored", `{"ssh_public_key":"ssh-ed25519 AAAA","ns7_host_key":"SHA256:x"}`,
			map[string]*string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Changes(raw(t, tc.input))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(deref(got), deref(tc.want)) {
				t.Errorf("got %v, want %v", deref(got), deref(tc.want))
			}
		})
	}
}

// deref renders a change set comparably: nil (removal) as "<nil>".
func deref(m map[string]*string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if v == nil {
			out[k] = "<nil>"
		} else {
			out[k] = "=" + *v
		}
	}
	return out
}

func TestChangesTypeErrors(t *testing.T) {
	tests := []struct {
		doc     string
		wantErr bool
	}{
		{`{"ns7":"host"}`, true},
		{`{"ns7":{"port":"22"}}`, true},
		{`{"ns7":{"host":1}}`, true},
		{`{"timeout_s":"x"}`, true},
		{`{"node":1.5}`, true},
		{`{"resolvers":"192.0.2.53"}`, true},
		{`{"ignore":{"id":"a.b"}}`, true},
		{`{"ldap_domain":null}`, false}, // null decodes to "" and clears
	}
	for _, tc := range tests {
		_, err := Changes(raw(t, tc.doc))
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: err %v, want error %v", tc.doc, err, tc.wantErr)
		}
	}
}

func TestSaveMerge(t *testing.T) {
	dir := t.TempDir()
	// Keys the agent and other steps own must survive configure-module.
	if err := agent.UpdateEnvironment(dir, map[string]*string{"MODULE_ID": sp("nethvoice-preflight1"), "IMAGE_URL": sp("ghcr.io/x/y:1")}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		input string
		check func(s Settings) string
	}{
		{`{"ns7":{"host":"ns7.example.com","port":2222,"user":"admin"},"fqdns":{"nethvoice":"voice.example.com","cti":"cti.example.com"},"resolvers":["192.0.2.53","192.0.2.54"],"timeout_s":20}`,
			func(s Settings) string {
				if s.NS7 != (NS7{"ns7.example.com", 2222, "admin"}) || s.FQDNs.CTI != "cti.example.com" || s.TimeoutS != 20 {
					return "first save not stored"
				}
				return ""
			}},
		{`{"ns7":{"port":22}}`, func(s Settings) string {
			if s.NS7 != (NS7{"ns7.example.com", 22, "admin"}) {
				return "absent ns7 keys not kept"
			}
			if s.FQDNs.NethVoice != "voice.example.com" || s.TimeoutS != 20 || len(s.Resolvers) != 2 {
				return "absent top-level keys not kept"
			}
			return ""
		}},
		{`{"fqdns":{"cti":""},"ns7":{"user":""}}`, func(s Settings) string {
			if s.FQDNs.CTI != "" || s.FQDNs.NethVoice != "voice.example.com" {
				return "empty string did not clear only cti"
			}
			if s.NS7.User != "root" {
				return "cleared user does not read back as the default root"
			}
			return ""
		}},
		{`{"resolvers":["2001:db8::53"]}`, func(s Settings) string {
			if !reflect.DeepEqual(s.Resolvers, []string{"2001:db8::53"}) {
				return "list not replaced"
			}
			return ""
		}},
		{`{"resolvers":[]}`, func(s Settings) string {
			if s.Resolvers == nil || len(s.Resolvers) != 0 {
				return "empty list did not clear"
			}
			return ""
		}},
		{`{}`, func(s Settings) string {
			if s.NS7.Host != "ns7.example.com" || s.TimeoutS != 20 {
				return "empty input changed settings"
			}
			return ""
		}},
	}
	for i, st := range steps {
		if err := Save(dir, raw(t, st.input)); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		s, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if msg := st.check(s); msg != "" {
			t.Errorf("step %d (%s): %s: %+v", i, st.input, msg, s)
		}
	}
	env, err := agent.ReadEnvironment(dir)
	if err != nil {
		t.Fatal(err)
	}
	if env["MODULE_ID"] != "nethvoice-preflight1" || env["IMAGE_URL"] != "ghcr.io/x/y:1" {
		t.Errorf("foreign keys lost: %v", env)
	}
	for _, k := range []string{"CTI_FQDN", "NS7_USER", "RESOLVERS"} {
		if _, ok := env[k]; ok {
			t.Errorf("cleared setting %s still in the file", k)
		}
	}
}

func TestSaveEmptyInputWritesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := Save(dir, raw(t, `{}`)); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, agent.EnvironmentFile)); !os.IsNotExist(err) {
		t.Errorf("empty input created the environment file (%v)", err)
	}
}

func TestSaveRejectsBadInputWithoutWriting(t *testing.T) {
	dir := t.TempDir()
	if err := Save(dir, raw(t, `{"ns7":{"host":"a"}}`)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, agent.EnvironmentFile))
	if err := Save(dir, raw(t, `{"ns7":{"host":"b"},"timeout_s":"x"}`)); err == nil {
		t.Fatal("bad input saved")
	}
	after, _ := os.ReadFile(filepath.Join(dir, agent.EnvironmentFile))
	if string(before) != string(after) {
		t.Errorf("partial save: %q -> %q", before, after)
	}
}

func TestIgnoreRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		ignore []report.Ignore
	}{
		{"one", []report.Ignore{{ID: "node.cpu", Reason: "lab cluster, 2 cores on purpose"}}},
		{"quotes and specials", []report.Ignore{{ID: "dns.a", Subject: "voice.example.com", Reason: `he said "ok" = fine; $(id) 'x' \ back`}}},
		{"unicode", []report.Ignore{{ID: "node.disk", Reason: "già verificato — 中文 ✓ \u2028 sep"}}},
		{"newline escaped", []report.Ignore{{ID: "node.ram", Reason: "line one\nLINE_TWO=evil"}}},
		{"several", []report.Ignore{{ID: "a.b"}, {ID: "c.d", Subject: "s", Reason: "r"}, {ID: "e.f", Reason: "  spaces  "}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			b, _ := json.Marshal(map[string]any{"ignore": tc.ignore})
			if err := Save(dir, raw(t, string(b))); err != nil {
				t.Fatal(err)
			}
			s, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.Ignore, tc.ignore) {
				t.Errorf("read back %+v, want %+v", s.Ignore, tc.ignore)
			}
			content, err := os.ReadFile(filepath.Join(dir, agent.EnvironmentFile))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(string(content), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "PREFLIGHT_IGNORE=[") {
				t.Fatalf("file is not one PREFLIGHT_IGNORE line: %q", content)
			}
			stored := strings.TrimPrefix(lines[0], "PREFLIGHT_IGNORE=")
			if !json.Valid([]byte(stored)) {
				t.Errorf("stored value is not JSON: %s", stored)
			}
			var compact bytes.Buffer
			if err := json.Compact(&compact, []byte(stored)); err != nil {
				t.Fatal(err)
			}
			if compact.String() != stored {
				t.Errorf("stored JSON is not compact:\n%s\n%s", stored, compact.String())
			}
		})
	}
}

func TestLoad(t *testing.T) {
	s, err := Load("")
	if err != nil || !reflect.DeepEqual(s, FromEnv(nil)) {
		t.Errorf("Load(\"\") = %+v, %v", s, err)
	}
	s, err = Load(t.TempDir())
	if err != nil || !reflect.DeepEqual(s, FromEnv(nil)) {
		t.Errorf("Load(empty dir) = %+v, %v", s, err)
	}
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(notDir); err == nil {
		t.Error("Load of a state dir that is a file: no error")
	}
}

// TestExamplesRoundTrip: every configure-module example saves and reads
// back to the same values.
func TestExamplesRoundTrip(t *testing.T) {
	set := schema.New(os.DirFS("../.."))
	exs, err := set.Examples("configure-module", schema.Input)
	if err != nil {
		t.Fatal(err)
	}
	if len(exs) == 0 {
		t.Fatal("configure-module has no examples")
	}
	for i, ex := range exs {
		dir := t.TempDir()
		var in map[string]json.RawMessage
		if err := json.Unmarshal(ex, &in); err != nil {
			t.Fatal(err)
		}
		if err := Save(dir, in); err != nil {
			t.Fatalf("example %d: %v", i, err)
		}
		s, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		var got, want map[string]any
		b, _ := json.Marshal(s)
		json.Unmarshal(b, &got)   //nolint:errcheck
		json.Unmarshal(ex, &want) //nolint:errcheck
		for k, w := range want {
			g := got[k]
			if wm, ok := w.(map[string]any); ok {
				gm, _ := g.(map[string]any)
				for sk, sv := range wm {
					if !reflect.DeepEqual(gm[sk], sv) {
						t.Errorf("example %d: %s.%s = %v, want %v", i, k, sk, gm[sk], sv)
					}
				}
				continue
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("example %d: %s = %v, want %v", i, k, g, w)
			}
		}
	}
}

// TestNoSecrets is a canary for SPEC §9: the settings go to the
// environment file, which the agent copies to a world-readable Redis key.
func TestNoSecrets(t *testing.T) {
	set := schema.New(os.DirFS("../.."))
	for _, doc := range []string{
		`{"ns7":{"password":"x"}}`,
		`{"ns7":{"host":"ns7.example.com","ssh_password":"x"}}`,
		`{"password":"x"}`,
		`{"bind_password":"x"}`,
		`{"redis_password":"x"}`,
	} {
		errs, err := set.Validate("configure-module", schema.Input, []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if len(errs) == 0 {
			t.Errorf("configure-module schema accepts a secret: %s", doc)
		}
	}
	// No field of Settings, at any depth, has a secret-looking JSON name.
	var walk func(tp reflect.Type, path string)
	walk = func(tp reflect.Type, path string) {
		for tp.Kind() == reflect.Slice || tp.Kind() == reflect.Pointer {
			tp = tp.Elem()
		}
		if tp.Kind() != reflect.Struct {
			return
		}
		for i := 0; i < tp.NumField(); i++ {
			f := tp.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			if name != "-" && schema.Sensitive(name) {
				t.Errorf("Settings field %s%s looks like a secret", path, name)
			}
			walk(f.Type, path+name+".")
		}
	}
	walk(reflect.TypeOf(Settings{}), "")
	// The keys written by Save, from the fullest example, are not secret-looking.
	dir := t.TempDir()
	exs, _ := set.Examples("configure-module", schema.Input)
	var in map[string]json.RawMessage
	if err := json.Unmarshal(exs[0], &in); err != nil {
		t.Fatal(err)
	}
	if err := Save(dir, in); err != nil {
		t.Fatal(err)
	}
	env, _ := agent.ReadEnvironment(dir)
	if len(env) < 10 {
		t.Errorf("the full example stored only %d keys", len(env))
	}
	for k := range env {
		if schema.Sensitive(k) {
			t.Errorf("environment key %s looks like a secret", k)
		}
	}
}

// What restore-module does with a backed-up environment file: every
// configure-module example saved, its file turned back into an input and
// saved in a fresh state dir gives the same settings (and the same
// file, NS8's own keys left out).
func TestInputFromEnvRoundTrip(t *testing.T) {
	set := schema.New(os.DirFS("../.."))
	exs, err := set.Examples("configure-module", schema.Input)
	if err != nil {
		t.Fatal(err)
	}
	for i, ex := range exs {
		var in map[string]json.RawMessage
		json.Unmarshal(ex, &in) //nolint:errcheck
		old := t.TempDir()
		if err := Save(old, in); err != nil {
			t.Fatal(err)
		}
		env, _ := agent.ReadEnvironment(old)
		env["MODULE_ID"], env["IMAGE_URL"] = "nethvoice-preflight1", "ghcr.io/x/y:1"
		input, bad := InputFromEnv(env)
		if len(bad) != 0 {
			t.Fatalf("example %d: %v not restorable", i, bad)
		}
		doc, _ := json.Marshal(input)
		if errs, err := set.Validate("configure-module", schema.Input, doc); err != nil || errs != nil {
			t.Fatalf("example %d: the restored input is not a valid configure-module input: %v %v\n%s", i, err, errs, doc)
		}
		fresh := t.TempDir()
		if err := Save(fresh, input); err != nil {
			t.Fatal(err)
		}
		a, _ := Load(old)
		b, _ := Load(fresh)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("example %d: restored %+v, want %+v", i, b, a)
		}
		restored, _ := agent.ReadEnvironment(fresh)
		delete(env, "MODULE_ID")
		delete(env, "IMAGE_URL")
		if !reflect.DeepEqual(restored, env) {
			t.Errorf("example %d: environment %v, want %v", i, restored, env)
		}
	}
}

func TestInputFromEnvBadValues(t *testing.T) {
	input, bad := InputFromEnv(map[string]string{"NS7_PORT": "ssh", "TIMEOUT_S": "x", "PREFLIGHT_IGNORE": "[{", "NS7_HOST": "ns7.example.com"})
	if !reflect.DeepEqual(bad, []string{"NS7_PORT", "PREFLIGHT_IGNORE", "TIMEOUT_S"}) {
		t.Errorf("bad %v", bad)
	}
	if string(input["ns7"]) != `{"host":"ns7.example.com"}` || len(input) != 1 {
		t.Errorf("input %v", input)
	}
}
