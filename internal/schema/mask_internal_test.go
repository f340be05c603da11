package schema

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
)

// secretsFS is a tree with one action whose input has secret-looking
// fields, as probe-ns7 will have (its password is given once, never stored).
var secretsFS = fstest.MapFS{
	"imageroot/actions/probe/validate-input.json": {Data: []byte(`{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "host": {"type": "string", "pattern": "^[a-z.]+$"},
    "bind_password": {"type": "string", "minLength": 8},
    "ldap": {
      "type": "object",
      "additionalProperties": false,
      "properties": {"BindPassword": {"type": "string", "maxLength": 3}}
    },
    "api_token": {"type": "integer"},
    "recovery_key": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]+$"}},
    "credentials_secret": {
      "type": "object",
      "properties": {"user": {"type": "string", "pattern": "^[a-z]+$"}}
    }
  }
}`)},
}

func TestConvertMasksSecretFields(t *testing.T) {
	s := New(secretsFS)
	const secret = "Sup3r-s3cret"
	tests := []struct {
		name      string
		doc       string
		field     string
		errType   string
		wantValue any
	}{
		{"too short password", `{"bind_password":"` + secret[:5] + `"}`, "bind_password", "string_gte", "XXX"},
		{"nested, mixed case", `{"ldap":{"BindPassword":"` + secret + `"}}`, "ldap.BindPassword", "string_lte", "XXX"},
		{"wrong type token", `{"api_token":"` + secret + `"}`, "api_token", "invalid_type", "XXX"},
		{"item of a secret list", `{"recovery_key":["` + secret + `"]}`, "recovery_key.0", "pattern", "XXX"},
		{"member of a secret object", `{"credentials_secret":{"user":"` + secret + `"}}`, "credentials_secret.user", "pattern", "XXX"},
		{"extra secret property", `{"ldap":{"password":"` + secret + `"}}`, "ldap", "additional_property_not_allowed", "XXX"},
		{"extra object holding secrets", `{"extra":{"user":"u","ssh_pass":"` + secret + `"}}`, "(root)", "additional_property_not_allowed",
			map[string]any{"user": "u", "ssh_pass": "XXX"}},
		{"plain field is echoed", `{"host":"A B"}`, "host", "pattern", "A B"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs, err := s.Validate("probe", Input, []byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			if len(errs) != 1 {
				t.Fatalf("want 1 error, got %+v", errs)
			}
			e := errs[0]
			if e.Field != tc.field || e.Error != e.Parameter+"_"+tc.errType {
				t.Errorf("got field %q error %q, want %q %q", e.Field, e.Error, tc.field, tc.errType)
			}
			got, _ := json.Marshal(e.Value)
			want, _ := json.Marshal(tc.wantValue)
			if string(got) != string(want) {
				t.Errorf("value %s, want %s", got, want)
			}
			all, _ := json.Marshal(errs)
			if strings.Contains(string(all), secret) || strings.Contains(string(all), secret[:5]) {
				t.Errorf("secret leaked: %s", all)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	fsys := fstest.MapFS{
		"imageroot/actions/broken/validate-input.json":  {Data: []byte(`{"type": 12}`)},
		"imageroot/actions/notjson/validate-input.json": {Data: []byte(`{`)},
		"imageroot/actions/ok/validate-output.json":     {Data: []byte(`{"type":"object"}`)},
		"imageroot/actions/none/50run":                  {Data: []byte("#!/bin/sh\n")},
		"imageroot/validator-definitions.json":          {Data: []byte(`{"$id":"http://x/defs.json","definitions":{}}`)},
	}
	s := New(fsys)
	for _, act := range []string{"broken", "notjson"} {
		if _, err := s.Validate(act, Input, []byte(`{}`)); err == nil {
			t.Errorf("%s: a broken schema must be an error, not a validation result", act)
		}
	}
	if errs, err := s.Validate("ok", Output, []byte(`{}`)); err != nil || errs != nil {
		t.Errorf("ok: %v %v", errs, err)
	}
	acts, err := s.Actions()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(acts, ",") != "broken,notjson,ok" {
		t.Errorf("Actions = %v, want [broken notjson ok]", acts)
	}
}
