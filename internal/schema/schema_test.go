package schema_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
)

// newSet loads the schemas from the repository root, as the binary does
// with its embedded copy.
func newSet(t testing.TB) *schema.Set {
	t.Helper()
	return schema.New(os.DirFS("../.."))
}

// TestExamplesValidate checks every documented example of every action
// schema: a schema without examples fails, an example its own schema
// rejects fails.
func TestExamplesValidate(t *testing.T) {
	s := newSet(t)
	acts, err := s.Actions()
	if err != nil {
		t.Fatalf("Actions: %v", err)
	}
	if len(acts) == 0 {
		t.Fatal("Actions returned no action with a schema")
	}
	for _, act := range acts {
		for _, kind := range []schema.Kind{schema.Input, schema.Output} {
			if !s.Has(act, kind) {
				continue
			}
			t.Run(act+"/"+string(kind), func(t *testing.T) {
				exs, err := s.Examples(act, kind)
				if err != nil {
					t.Fatalf("Examples: %v", err)
				}
				if len(exs) == 0 {
					t.Fatalf("%s has no \"examples\"", schema.File(act, kind))
				}
				for i, ex := range exs {
					errs, err := s.Validate(act, kind, ex)
					if err != nil {
						t.Fatalf("schema unusable: %v", err)
					}
					if errs != nil {
						b, _ := json.Marshal(errs)
						t.Errorf("example %d rejected by its own schema: %s\nexample: %s", i, b, ex)
					}
				}
			})
		}
	}
}

// TestActionsList checks that Actions lists the directories with a schema
// and only those.
func TestActionsList(t *testing.T) {
	s := newSet(t)
	acts, err := s.Actions()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, a := range acts {
		got[a] = true
		if !s.Has(a, schema.Input) && !s.Has(a, schema.Output) {
			t.Errorf("Actions lists %s, which has no schema", a)
		}
	}
	for _, want := range []string{"configure-module", "get-configuration", "list-checks", "check-node"} {
		if !got[want] {
			t.Errorf("Actions misses %s (got %v)", want, acts)
		}
	}
}

func TestValidateErrorShape(t *testing.T) {
	s := newSet(t)
	tests := []struct {
		name  string
		doc   string
		want  schema.FieldError // the first error (errors are sorted by field)
		count int               // expected number of errors, 0 = any (>0)
	}{
		{
			name:  "unknown top-level key",
			doc:   `{"bogus":1}`,
			want:  schema.FieldError{Field: "(root)", Parameter: "(root)", Value: json.Number("1"), Error: "(root)_additional_property_not_allowed"},
			count: 1,
		},
		{
			name:  "port out of range",
			doc:   `{"ns7":{"port":70000}}`,
			want:  schema.FieldError{Field: "ns7.port", Parameter: "ns7", Value: json.Number("70000"), Error: "ns7_number_lte"},
			count: 1,
		},
		{
			name:  "port zero",
			doc:   `{"ns7":{"port":0}}`,
			want:  schema.FieldError{Field: "ns7.port", Parameter: "ns7", Value: json.Number("0"), Error: "ns7_number_gte"},
			count: 1,
		},
		{
			name:  "timeout of the wrong type",
			doc:   `{"timeout_s":"x"}`,
			want:  schema.FieldError{Field: "timeout_s", Parameter: "timeout_s", Value: "x", Error: "timeout_s_invalid_type"},
			count: 1,
		},
		{
			name:  "ignore id pattern, nested in an array",
			doc:   `{"ignore":[{"id":"NoDot"}]}`,
			want:  schema.FieldError{Field: "ignore.0.id", Parameter: "ignore", Value: "NoDot", Error: "ignore_pattern"},
			count: 1,
		},
		{
			name:  "ignore entry without id",
			doc:   `{"ignore":[{"reason":"r"}]}`,
			want:  schema.FieldError{Field: "ignore.0", Parameter: "ignore", Value: map[string]any{"reason": "r"}, Error: "ignore_required"},
			count: 1,
		},
		{
			name:  "document of the wrong type",
			doc:   `[1]`,
			want:  schema.FieldError{Field: "(root)", Parameter: "(root)", Value: []any{json.Number("1")}, Error: "(root)_invalid_type"},
			count: 1,
		},
		{
			name:  "not JSON",
			doc:   `nope`,
			want:  schema.FieldError{Field: "(root)", Parameter: "(root)", Value: nil, Error: "invalid_json"},
			count: 1,
		},
		{
			name:  "empty document",
			doc:   ``,
			want:  schema.FieldError{Field: "(root)", Parameter: "(root)", Value: nil, Error: "invalid_json"},
			count: 1,
		},
		{
			name:  "truncated JSON",
			doc:   `{"ns7":{"host":"a"`,
			want:  schema.FieldError{Field: "(root)", Parameter: "(root)", Value: nil, Error: "invalid_json"},
			count: 1,
		},
		{
			name:  "valid JSON followed by garbage",
			doc:   `{} ; rm -rf /`,
			want:  schema.FieldError{Field: "(root)", Parameter: "(root)", Value: nil, Error: "invalid_json"},
			count: 1,
		},
		{
			name: "host with a space",
			doc:  `{"ns7":{"host":"a b"}}`,
			want: schema.FieldError{Field: "ns7.host", Parameter: "ns7", Value: "a b", Error: "ns7_number_any_of"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs, err := s.Validate("configure-module", schema.Input, []byte(tc.doc))
			if err != nil {
				t.Fatalf("schema unusable: %v", err)
			}
			if len(errs) == 0 {
				t.Fatalf("%s accepted", tc.doc)
			}
			if tc.count > 0 && len(errs) != tc.count {
				t.Errorf("got %d errors, want %d: %+v", len(errs), tc.count, errs)
			}
			got := errs[0]
			got.Type, got.Details, got.Message = "", nil, "" // words for a person, not the agent's form
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %#v\nwant %#v", errs[0], tc.want)
			}
			for _, e := range errs {
				if strings.HasPrefix(e.Field, "(root).") {
					t.Errorf("field %q keeps the (root). prefix", e.Field)
				}
				if want, _, _ := strings.Cut(e.Field, "."); e.Parameter != want {
					t.Errorf("parameter %q, want %q (field %q)", e.Parameter, want, e.Field)
				}
			}
			// The agent form serialises with exactly these four keys.
			b, _ := json.Marshal(errs[0])
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"field", "parameter", "value", "error"} {
				if _, ok := m[k]; !ok {
					t.Errorf("JSON form %s lacks %q", b, k)
				}
			}
			if len(m) != 4 {
				t.Errorf("JSON form %s has %d keys, want 4", b, len(m))
			}
		})
	}
}

func TestValidateSortedByField(t *testing.T) {
	s := newSet(t)
	errs, err := s.Validate("configure-module", schema.Input,
		[]byte(`{"timeout_s":0,"ns7":{"port":0},"ignore":[{"id":"x"}],"node":-1}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) < 4 {
		t.Fatalf("want at least 4 errors, got %+v", errs)
	}
	for i := 1; i < len(errs); i++ {
		if errs[i-1].Field > errs[i].Field {
			t.Errorf("errors not sorted by field: %q before %q", errs[i-1].Field, errs[i].Field)
		}
	}
}

func TestValidateValid(t *testing.T) {
	s := newSet(t)
	for _, doc := range []string{
		`{}`,
		` {"ns7":{"host":"ns7.example.com","port":22,"user":"root"}} `,
		`{"ns7":{"host":""},"fqdns":{"nethvoice":"","cti":"","proxy":""},"ldap_domain":""}`,
		`{"ns7":{"host":"2001:db8::1"}}`,
		`{"ignore":[{"id":"node.cpu","subject":"","reason":"a \"quoted\" reason, àè 中文"}]}`,
	} {
		errs, err := s.Validate("configure-module", schema.Input, []byte(doc))
		if err != nil || errs != nil {
			t.Errorf("%s: errs %+v err %v", doc, errs, err)
		}
	}
}

// TestConfigureModuleRejectsSecrets is a canary: configure-module stores
// everything in the environment file, which the agent copies to a
// world-readable Redis key, so it must not accept any password field.
func TestConfigureModuleRejectsSecrets(t *testing.T) {
	s := newSet(t)
	for _, doc := range []string{
		`{"ns7":{"password":"x"}}`,
		`{"password":"x"}`,
		`{"ns7_password":"x"}`,
		`{"bind_password":"x"}`,
		`{"ns7":{"host":"ns7.example.com","ssh_password":"x"}}`,
	} {
		errs, err := s.Validate("configure-module", schema.Input, []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if len(errs) == 0 {
			t.Errorf("configure-module accepts a secret: %s", doc)
		}
	}
}

// TestErrorsMaskSecrets: an error about a secret-looking key never echoes
// its value (stdout is stored in Redis as the task output).
func TestErrorsMaskSecrets(t *testing.T) {
	s := newSet(t)
	const secret = "s3cret-Value"
	for _, doc := range []string{
		`{"bind_password":"` + secret + `"}`,
		`{"ns7":{"password":"` + secret + `"}}`,
		`{"ns7":{"host":"ns7.example.com","Api_Token":"` + secret + `"}}`,
		`{"extra":{"ssh_key":"` + secret + `","list":[{"SECRET":"` + secret + `"}]}}`,
		`{"ignore":[{"id":"a.b","pass":"` + secret + `"}]}`,
	} {
		errs, err := s.Validate("configure-module", schema.Input, []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if len(errs) == 0 {
			t.Errorf("%s accepted", doc)
			continue
		}
		b, _ := json.Marshal(errs)
		if strings.Contains(string(b), secret) {
			t.Errorf("validation errors leak the secret: %s", b)
		}
	}
	// A non-secret value is echoed, so the masking above is not blanket.
	errs, _ := s.Validate("configure-module", schema.Input, []byte(`{"nickname":"visible-value"}`))
	b, _ := json.Marshal(errs)
	if !strings.Contains(string(b), "visible-value") {
		t.Errorf("a non-secret value should be echoed: %s", b)
	}
}

func TestSensitive(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"password", true},
		{"bind_password", true},
		{"BindPassword", true},
		{"NS7_PASSWORD", true},
		{"secret", true},
		{"client_Secret", true},
		{"token", true},
		{"api_TOKEN", true},
		{"key", true},
		{"ssh_key", true},
		{"ns7_host_key", true},
		{"pass", true},
		{"bypass", true}, // the agent's rule is a plain suffix match
		{"passwords", false},
		{"password_hint", false},
		{"keys", false},
		{"keyboard", false},
		{"host", false},
		{"user", false},
		{"", false},
		{"tokenizer", false},
	}
	for _, tc := range tests {
		if got := schema.Sensitive(tc.key); got != tc.want {
			t.Errorf("Sensitive(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"scalar", `"password"`, `"password"`},
		{"null", `null`, `null`},
		{"flat", `{"user":"root","password":"x"}`, `{"user":"root","password":"XXX"}`},
		{"case-insensitive", `{"Bind_PassWord":"x","API_KEY":1,"Token":{"a":1}}`, `{"Bind_PassWord":"XXX","API_KEY":"XXX","Token":"XXX"}`},
		{"nested map", `{"ns7":{"host":"h","ssh_pass":"x"}}`, `{"ns7":{"host":"h","ssh_pass":"XXX"}}`},
		{"array of maps", `[{"secret":"a"},{"ok":"b"},[{"token":"c"}]]`, `[{"secret":"XXX"},{"ok":"b"},[{"token":"XXX"}]]`},
		{"map of arrays", `{"list":[1,{"redis_password":"p"}],"n":2}`, `{"list":[1,{"redis_password":"XXX"}],"n":2}`},
		{"non-secret kept", `{"keys":["a"],"passwords_count":3}`, `{"keys":["a"],"passwords_count":3}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var in, want any
			if err := json.Unmarshal([]byte(tc.in), &in); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			orig, _ := json.Marshal(in)
			got := schema.Mask(in)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.Marshal(got)
				t.Errorf("Mask(%s) = %s, want %s", tc.in, g, tc.want)
			}
			// Mask returns a copy: the input is untouched.
			after, _ := json.Marshal(in)
			if string(orig) != string(after) {
				t.Errorf("Mask modified its input: %s -> %s", orig, after)
			}
		})
	}
}

func TestUnknownAction(t *testing.T) {
	s := newSet(t)
	if s.Has("no-such-action", schema.Input) {
		t.Error("Has reports a schema for a missing action")
	}
	if _, err := s.Validate("no-such-action", schema.Input, []byte(`{}`)); err == nil {
		t.Error("Validate of a missing schema returned no error")
	}
	if _, err := s.Examples("no-such-action", schema.Input); err == nil {
		t.Error("Examples of a missing schema returned no error")
	}
}

func TestFile(t *testing.T) {
	if got := schema.File("probe-ns7", schema.Output); got != "imageroot/actions/probe-ns7/validate-output.json" {
		t.Errorf("File = %q", got)
	}
	if got := schema.File("configure-module", schema.Input); got != "imageroot/actions/configure-module/validate-input.json" {
		t.Errorf("File = %q", got)
	}
}

// FuzzValidateConfigureModule: any input never panics; either it is valid
// (and then it is JSON), or every error is complete.
func FuzzValidateConfigureModule(f *testing.F) {
	s := newSet(f)
	for _, seed := range []string{
		`{}`,
		`null`,
		`{"ns7":{"host":"ns7.example.com","port":22,"user":"root"}}`,
		`{"ns7":{"host":"$(reboot)"}}`,
		`{"fqdns":{"nethvoice":"bücher.example"}}`,
		`{"timeout_s":1e400}`,
		`{"ns7":{"port":-0.0}}`,
		`{"ignore":[{"id":"a.b","reason":"\u0000\u001b[31m"}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		errs, err := s.Validate("configure-module", schema.Input, b)
		if err != nil {
			t.Fatalf("schema error on document input: %v", err)
		}
		if errs == nil {
			if !json.Valid(b) {
				t.Fatalf("invalid JSON accepted: %q", b)
			}
			return
		}
		if len(errs) == 0 {
			t.Fatal("non-nil empty error list")
		}
		for _, e := range errs {
			if e.Field == "" || e.Parameter == "" || e.Error == "" {
				t.Fatalf("incomplete error %+v for %q", e, b)
			}
		}
		if _, err := json.Marshal(errs); err != nil {
			t.Fatalf("errors do not encode: %v", err)
		}
	})
}
