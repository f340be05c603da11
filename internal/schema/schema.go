// Package schema validates action input and output against the action's
// validate-input.json / validate-output.json with gojsonschema, the
// validator the NS8 agent itself uses, and reports errors in the agent's
// {field, parameter, value, error} form.
package schema

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/xeipuuv/gojsonschema"

	nethvoicepreflight "github.com/nethvoice-preflight/ns8-nethvoice-preflight"
)

// DefinitionsFile is loaded before every action schema, as the agent does
// with ${AGENT_INSTALL_DIR}/validator-definitions.json.
const DefinitionsFile = "imageroot/validator-definitions.json"

// FieldError is one validation error, shaped as the agent prints them.
// The fields without a JSON name are for words on a terminal (Explain) and
// never reach the agent's array.
type FieldError struct {
	Field     string `json:"field"`
	Parameter string `json:"parameter"`
	Value     any    `json:"value"`
	Error     string `json:"error"`
	// Type is the validator's error type (gojsonschema's: "enum",
	// "required"...), or the program's own ("invalid_json").
	Type string `json:"-"`
	// Details are gojsonschema's details of the error (property, allowed,
	// min, max, pattern...).
	Details map[string]any `json:"-"`
	// Message, when set, is the error in words, given by the code that
	// found it (an action's own rule).
	Message string `json:"-"`
}

// InvalidJSON is the error of a document that is not JSON.
func InvalidJSON() FieldError {
	return FieldError{Field: "(root)", Parameter: "(root)", Value: nil, Error: "invalid_json", Type: "invalid_json"}
}

var embedded = New(nethvoicepreflight.Schemas)

// Embedded is the set of schemas built into the binary (imageroot/ at build time).
func Embedded() *Set { return embedded }

// Set gives access to the schemas of every action in an imageroot tree.
type Set struct {
	fsys  fs.FS
	mu    sync.Mutex
	cache map[string]*gojsonschema.Schema
}

// New reads schemas from fsys (the repository root layout: imageroot/...).
func New(fsys fs.FS) *Set { return &Set{fsys: fsys, cache: map[string]*gojsonschema.Schema{}} }

// Kind selects the input or the output schema.
type Kind string

const (
	Input  Kind = "input"
	Output Kind = "output"
)

// File is the path of an action's schema inside the tree.
func File(action string, kind Kind) string {
	return path.Join("imageroot/actions", action, "validate-"+string(kind)+".json")
}

// Has reports whether the action has a schema of that kind.
func (s *Set) Has(action string, kind Kind) bool {
	_, err := fs.Stat(s.fsys, File(action, kind))
	return err == nil
}

func (s *Set) compile(action string, kind Kind) (*gojsonschema.Schema, error) {
	key := action + "/" + string(kind)
	s.mu.Lock()
	defer s.mu.Unlock()
	if sc, ok := s.cache[key]; ok {
		return sc, nil
	}
	raw, err := fs.ReadFile(s.fsys, File(action, kind))
	if err != nil {
		return nil, err
	}
	loader := gojsonschema.NewSchemaLoader()
	loader.Draft = gojsonschema.Draft7
	loader.AutoDetect = true
	if defs, err := fs.ReadFile(s.fsys, DefinitionsFile); err == nil {
		if err := loader.AddSchemas(gojsonschema.NewBytesLoader(defs)); err != nil {
			return nil, fmt.Errorf("%s: %w", DefinitionsFile, err)
		}
	}
	sc, err := loader.Compile(gojsonschema.NewBytesLoader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", File(action, kind), err)
	}
	s.cache[key] = sc
	return sc, nil
}

// Validate checks a JSON document against the action's schema. A nil slice
// and nil error mean valid; an error means the schema itself is unusable.
func (s *Set) Validate(action string, kind Kind, doc []byte) ([]FieldError, error) {
	sc, err := s.compile(action, kind)
	if err != nil {
		return nil, err
	}
	// gojsonschema decodes only the first JSON value and ignores what
	// follows ("{} trailing" would pass), so check the whole document.
	if !json.Valid(doc) {
		return []FieldError{InvalidJSON()}, nil
	}
	res, err := sc.Validate(gojsonschema.NewBytesLoader(doc))
	if err != nil {
		// The document is not JSON at all.
		return []FieldError{InvalidJSON()}, nil
	}
	if res.Valid() {
		return nil, nil
	}
	return convert(res.Errors()), nil
}

// convert turns gojsonschema errors into the agent's form: field is the
// error context without "(root).", parameter its first element, error the
// gojsonschema error type. Values under secret-looking keys are masked as
// the agent masks the task context.
func convert(errs []gojsonschema.ResultError) []FieldError {
	out := make([]FieldError, 0, len(errs))
	for _, e := range errs {
		field := e.Field()
		param := field
		if i := strings.Index(field, "."); i >= 0 {
			param = field[:i]
		}
		v := e.Value()
		// additional_property_not_allowed reports the parent as the field
		// and the extra property's value as the value: mask by its name.
		prop, _ := e.Details()["property"].(string)
		if sensitivePath(field) || (e.Type() == "additional_property_not_allowed" && Sensitive(prop)) {
			v = "XXX"
		} else {
			v = Mask(v)
		}
		// The agent names the error "<parameter>_<type>" (ns8-core validation.go).
		out = append(out, FieldError{Field: field, Parameter: param, Value: v, Error: param + "_" + e.Type(),
			Type: e.Type(), Details: e.Details()})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// sensitivePath reports whether any element of a field path names a
// secret: the value under a secret key (a list item, a member) is secret too.
func sensitivePath(field string) bool {
	for _, el := range strings.Split(field, ".") {
		if Sensitive(el) {
			return true
		}
	}
	return false
}

// Sensitive reports whether a key names a secret, with the agent's rule
// (lower-cased name ends with password, secret, token, key or pass).
func Sensitive(key string) bool {
	k := strings.ToLower(key)
	for _, s := range []string{"password", "secret", "token", "key", "pass"} {
		if strings.HasSuffix(k, s) {
			return true
		}
	}
	return false
}

// Mask returns a copy of a decoded JSON value with every secret-looking
// key's value replaced by "XXX".
func Mask(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			if Sensitive(k) {
				m[k] = "XXX"
			} else {
				m[k] = Mask(x)
			}
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = Mask(x)
		}
		return a
	default:
		return v
	}
}

// Examples returns the "examples" array of a schema file, so tests can
// check that every documented example is valid.
func (s *Set) Examples(action string, kind Kind) ([]json.RawMessage, error) {
	raw, err := fs.ReadFile(s.fsys, File(action, kind))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Examples []json.RawMessage `json:"examples"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	return doc.Examples, nil
}

// Actions lists the actions that have an input or output schema.
func (s *Set) Actions() ([]string, error) {
	ents, err := fs.ReadDir(s.fsys, "imageroot/actions")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() && (s.Has(e.Name(), Input) || s.Has(e.Name(), Output)) {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
