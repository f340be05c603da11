// Package settings stores the module settings of configure-module in the
// agent environment file (KEY=VALUE, no secrets: the agent copies the file
// to a world-readable Redis key) and reads them back for get-configuration
// and as defaults of every action.
package settings

import (
	"encoding/json"
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

// Changes turns a configure-module input (already schema-valid) into
// environment edits: keys absent from the input are kept, empty strings
// and empty lists clear a setting.
func Changes(input map[string]json.RawMessage) (map[string]*string, error) {
	set := map[string]*string{}
	str := func(key string, raw json.RawMessage) error {
		var v string
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		put(set, key, v)
		return nil
	}
	num := func(key string, raw json.RawMessage) error {
		var v int
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		put(set, key, strconv.Itoa(v))
		return nil
	}
	strs := func(key string, raw json.RawMessage) error {
		var v []string
		if err := json.Unmarshal(raw, &v); err != nil {
			return err
		}
		put(set, key, strings.Join(v, ","))
		return nil
	}
	sub := func(raw json.RawMessage, keys map[string]string) error {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			return err
		}
		for field, key := range keys {
			if v, ok := m[field]; ok {
				var err error
				if field == "port" {
					err = num(key, v)
				} else {
					err = str(key, v)
				}
				if err != nil {
					return err
				}
			}
		}
		return nil
	}
	for k, raw := range input {
		var err error
		switch k {
		case "ns7":
			err = sub(raw, map[string]string{"host": kNS7Host, "port": kNS7Port, "user": kNS7User})
		case "fqdns":
			err = sub(raw, map[string]string{"nethvoice": kNVFQDN, "cti": kCTIFQDN, "proxy": kProxyFQDN})
		case "node":
			err = num(kNode, raw)
		case "ldap_domain":
			err = str(kLDAPDomain, raw)
		case "resolvers":
			err = strs(kResolvers, raw)
		case "expected_addresses":
			err = strs(kExpected, raw)
		case "timeout_s":
			err = num(kTimeout, raw)
		case "volumes_path":
			err = str(kVolumes, raw)
		case "ignore":
			var v []report.Ignore
			if err = json.Unmarshal(raw, &v); err == nil {
				if len(v) == 0 {
					put(set, kIgnore, "")
				} else {
					b, _ := json.Marshal(v) // compact: one line, as the file needs
					put(set, kIgnore, string(b))
				}
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return set, nil
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
