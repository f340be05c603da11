// Package settings stores the module settings of configure-module in the
// agent environment file (KEY=VALUE, no secrets: the agent copies the file
// to a world-readable Redis key) and reads them back for get-configuration
// and as defaults of every action.
package settings

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// DefaultTimeout is the per-check deadline in seconds (SPEC §5).
const DefaultTimeout = 10

// NS7 is how to reach the NethServer 7 host.
type NS7 struct {
	Host string `json:"host"`
	Port int    `json:"port"`
	User string `json:"user"`
}

// FQDNs are the names NethVoice will answer on.
type FQDNs struct {
	NethVoice string `json:"nethvoice"`
	CTI       string `json:"cti"`
	Proxy     string `json:"proxy"`
}

// Settings is the shape of configure-module input and get-configuration.
type Settings struct {
	NS7               NS7             `json:"ns7"`
	FQDNs             FQDNs           `json:"fqdns"`
	Node              int             `json:"node"`
	LDAPDomain        string          `json:"ldap_domain"`
	Resolvers         []string        `json:"resolvers"`
	ExpectedAddresses []string        `json:"expected_addresses"`
	TimeoutS          int             `json:"timeout_s"`
	VolumesPath       string          `json:"volumes_path"`
	Ignore            []report.Ignore `json:"ignore"`
}

// Environment keys.
const (
	kNS7Host    = "NS7_HOST"
	kNS7Port    = "NS7_PORT"
	kNS7User    = "NS7_USER"
	kNVFQDN     = "NETHVOICE_FQDN"
	kCTIFQDN    = "CTI_FQDN"
	kProxyFQDN  = "PROXY_FQDN"
	kNode       = "DESTINATION_NODE"
	kLDAPDomain = "LDAP_DOMAIN"
	kResolvers  = "RESOLVERS"
	kExpected   = "EXPECTED_ADDRESSES"
	kTimeout    = "TIMEOUT_S"
	kVolumes    = "VOLUMES_PATH"
	kIgnore     = "PREFLIGHT_IGNORE"
)

// FromEnv builds settings from an environment map, with defaults.
func FromEnv(env map[string]string) Settings {
	s := Settings{
		NS7:               NS7{Host: env[kNS7Host], Port: atoi(env[kNS7Port], 22), User: env[kNS7User]},
		FQDNs:             FQDNs{NethVoice: env[kNVFQDN], CTI: env[kCTIFQDN], Proxy: env[kProxyFQDN]},
		Node:              atoi(env[kNode], 0),
		LDAPDomain:        env[kLDAPDomain],
		Resolvers:         list(env[kResolvers]),
		ExpectedAddresses: list(env[kExpected]),
		TimeoutS:          atoi(env[kTimeout], DefaultTimeout),
		VolumesPath:       env[kVolumes],
		Ignore:            []report.Ignore{},
	}
	if s.NS7.User == "" {
		s.NS7.User = "root"
	}
	if v := env[kIgnore]; v != "" {
		// A damaged value reads as an empty list, not as the part decoded
		// before the error.
		if err := json.Unmarshal([]byte(v), &s.Ignore); err != nil || s.Ignore == nil {
			s.Ignore = []report.Ignore{}
		}
	}
	return s
}

// Load reads the settings from the state dir (defaults if no file).
func Load(stateDir string) (Settings, error) {
	if stateDir == "" {
		return FromEnv(nil), nil
	}
	env, err := agent.ReadEnvironment(stateDir)
	if err != nil {
		return Settings{}, err
	}
	return FromEnv(env), nil
}

// kind says how an input value becomes an environment value.
type kind int

const (
	kindString kind = iota // as is
	kindInt                // decimal
	kindList               // comma-separated
	kindIgnore             // compact JSON (one line, as the file needs)
)

// field is where an input key (or a key of one of its sub-objects) is kept.
type field struct {
	env  string
	kind kind
}

// fields maps configure-module's input keys to the environment.
var fields = map[string]field{
	"node":               {kNode, kindInt},
	"ldap_domain":        {kLDAPDomain, kindString},
	"resolvers":          {kResolvers, kindList},
	"expected_addresses": {kExpected, kindList},
	"timeout_s":          {kTimeout, kindInt},
	"volumes_path":       {kVolumes, kindString},
	"ignore":             {kIgnore, kindIgnore},
}

// subFields maps the keys of configure-module's sub-objects.
var subFields = map[string]map[string]field{
	"ns7":   {"host": {kNS7Host, kindString}, "port": {kNS7Port, kindInt}, "user": {kNS7User, kindString}},
	"fqdns": {"nethvoice": {kNVFQDN, kindString}, "cti": {kCTIFQDN, kindString}, "proxy": {kProxyFQDN, kindString}},
}

// Changes turns a configure-module input (already schema-valid) into
// environment edits: keys absent from the input are kept, empty strings
// and empty lists clear a setting.
func Changes(input map[string]json.RawMessage) (map[string]*string, error) {
	set := map[string]*string{}
	for k, raw := range input {
		if f, ok := fields[k]; ok {
			if err := f.put(set, raw); err != nil {
				return nil, err
			}
			continue
		}
		sub, ok := subFields[k]
		if !ok {
			continue
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
		for name, v := range m {
			if f, ok := sub[name]; ok {
				if err := f.put(set, v); err != nil {
					return nil, err
				}
			}
		}
	}
	return set, nil
}

// put records the edit of one value.
func (f field) put(set map[string]*string, raw json.RawMessage) error {
	var v string
	switch f.kind {
	case kindString:
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
	case kindInt:
		var n int
		if err := json.Unmarshal(raw, &n); err != nil {
			return err
		}
		v = strconv.Itoa(n)
	case kindList:
		var l []string
		if err := json.Unmarshal(raw, &l); err != nil {
			return err
		}
		v = strings.Join(l, ",")
	case kindIgnore:
		var l []report.Ignore
		if err := json.Unmarshal(raw, &l); err != nil {
			return err
		}
		if len(l) > 0 {
			b, _ := json.Marshal(l)
			v = string(b)
		}
	}
	put(set, f.env, v)
	return nil
}

// Save applies a configure-module input to the environment file.
func Save(stateDir string, input map[string]json.RawMessage) error {
	set, err := Changes(input)
	if err != nil {
		return err
	}
	if len(set) == 0 {
		return nil
	}
	return agent.UpdateEnvironment(stateDir, set)
}

// put records a change; an empty value removes the key.
func put(set map[string]*string, key, v string) {
	if v == "" {
		set[key] = nil
		return
	}
	set[key] = &v
}

func atoi(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

func list(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// InputFromEnv is the configure-module input that would store the settings
// env holds (the environment file of an earlier instance, as restore-module
// receives it): only the keys present, each in its input shape. The
// environment keys whose values have no such shape are returned in bad.
func InputFromEnv(env map[string]string) (input map[string]json.RawMessage, bad []string) {
	input = map[string]json.RawMessage{}
	for name, f := range fields {
		if v, ok := env[f.env]; ok {
			if raw, ok := f.input(v); ok {
				input[name] = raw
			} else {
				bad = append(bad, f.env)
			}
		}
	}
	for name, sub := range subFields {
		obj := map[string]json.RawMessage{}
		for k, f := range sub {
			if v, ok := env[f.env]; ok {
				if raw, ok := f.input(v); ok {
					obj[k] = raw
				} else {
					bad = append(bad, f.env)
				}
			}
		}
		if len(obj) > 0 {
			input[name], _ = json.Marshal(obj)
		}
	}
	sort.Strings(bad)
	return input, bad
}

// input turns an environment value back into its input value.
func (f field) input(v string) (json.RawMessage, bool) {
	var out any
	switch f.kind {
	case kindString:
		out = v
	case kindInt:
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, false
		}
		out = n
	case kindList:
		out = list(v)
	case kindIgnore:
		if !json.Valid([]byte(v)) {
			return nil, false
		}
		return json.RawMessage(v), true
	}
	raw, err := json.Marshal(out)
	return raw, err == nil
}
