// Package cluster reads the NS8 cluster database (Redis) into a typed
// snapshot in one pass, and writes the module's own keys on the leader.
// Reads go to the local replica as the "default" user, as NS8 modules do;
// writes go to REDIS_ADDRESS with the module's credentials, and only under
// module/<id>/.
package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Node is what the cluster knows of one node.
type Node struct {
	ID        string            `json:"id"`
	UIName    string            `json:"ui_name,omitempty"`
	VPN       map[string]string `json:"vpn"`
	Flags     []string          `json:"flags"`
	ProxyID   string            `json:"proxy_id,omitempty"` // node/<n>/default_instance/nethvoice-proxy
	Leader    bool              `json:"leader"`
	Migrating bool              `json:"ns7_migration"` // flag nomodules: an NS7 joined by the migration tool
}

// Module is one installed module.
type Module struct {
	ID    string `json:"id"`
	Node  string `json:"node"`
	Image string `json:"image"` // image name, e.g. nethvoice-proxy
	URL   string `json:"image_url,omitempty"`
}

// Proxy is a nethvoice-proxy instance and its published SIP service.
type Proxy struct {
	ID            string `json:"id"`
	Node          string `json:"node"`
	FQDN          string `json:"fqdn"`
	Address       string `json:"address"`
	PublicAddress string `json:"public_address"`
	Published     bool   `json:"published"` // srv/tcp/sip exists
}

// Provider is one server of a user domain.
type Provider struct {
	ID   string `json:"id"` // module id (internal) or host:port (external)
	Node string `json:"node,omitempty"`
	Host string `json:"host"`
	Port string `json:"port"`
}

// Domain is a user domain (cluster/pypkg userdomains.py semantics).
type Domain struct {
	Name      string     `json:"name"`
	Location  string     `json:"location"` // internal | external
	Schema    string     `json:"schema"`   // ad | rfc2307
	BaseDN    string     `json:"base_dn"`
	BindDN    string     `json:"bind_dn"`
	TLS       bool       `json:"tls"`
	TLSVerify bool       `json:"tls_verify"`
	Providers []Provider `json:"providers"`
	// Unconfigured lists provider modules that claim the name
	// (module/<id>/user_domain) but publish no srv/tcp/ldap yet.
	Unconfigured []string `json:"unconfigured,omitempty"`
}

// Snapshot is the part of the cluster database the checks judge.
type Snapshot struct {
	Leader  string             `json:"leader"`
	Network string             `json:"network,omitempty"`
	Nodes   map[string]*Node   `json:"nodes"`
	Modules map[string]*Module `json:"modules"`
	Proxies map[string]*Proxy  `json:"proxies"`
	// Admins are the cluster admin accounts named ns7admin*; AdminsErr says
	// why they could not be read (NS8 does not let modules read user/*).
	Admins    []string `json:"ns7_admins,omitempty"`
	AdminsErr string   `json:"ns7_admins_error,omitempty"`
	// TraefikHosts are the HTTP host names routed by each traefik instance
	// (module/traefik<N>/hosts), by module id.
	TraefikHosts map[string][]string `json:"traefik_hosts"`
	// Domains are the user domains, internal and external, as NS8 lists
	// them; bind passwords are never read.
	Domains []*Domain `json:"user_domains"`
	// NethVoice are the installed NethVoice instances and their host names.
	NethVoice []NethVoiceInstance `json:"-"`
	// NS7 is what the last probe-ns7 stored (own keys), nil before any.
	NS7          *NS7Stored `json:"-"`
	NS7DataBytes int64      `json:"ns7_data_bytes,omitempty"`
	// NS7DataAtLeast and NS7DataAtMost bound NS7's data when the last
	// measurement was incomplete (NS7DataBytes is then 0; at most 0: unknown).
	NS7DataAtLeast int64  `json:"ns7_data_at_least_bytes,omitempty"`
	NS7DataAtMost  int64  `json:"ns7_data_at_most_bytes,omitempty"`
	Source         string `json:"source"` // address read from
}

// State is how the read of the cluster database ended, as the checks see
// it: the snapshot, or why there is none. Judges' facts embed it.
type State struct {
	// RedisConfigured is false outside NS8 (no REDIS_ADDRESS).
	RedisConfigured bool
	// Cluster is nil when it could not be read; ClusterErr says why.
	Cluster    *Snapshot
	ClusterErr string
	// LeaderErr says why the leader, where writes go, did not answer ("" when it did or was not asked).
	LeaderErr string
	// TimedOut is set when the read did not answer within the deadline.
	TimedOut bool
	// Took is how long the read took.
	Took time.Duration
}

// Config says where the cluster database is.
type Config struct {
	ModuleID      string
	ReadAddress   string // REDIS_REPLICA_ADDRESS, or REDIS_ADDRESS
	WriteAddress  string // REDIS_ADDRESS (the leader)
	User          string // REDIS_USER for writes
	Password      string // REDIS_PASSWORD for writes; never logged
	ReadAsDefault bool   // read as user default without password (NS8 convention)
}

// Available reports whether a cluster database is configured at all.
func (c Config) Available() bool { return c.ReadAddress != "" || c.WriteAddress != "" }

func newClient(addr, user, pass string, timeout time.Duration) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr:                  addr,
		Username:              user,
		Password:              pass,
		DialTimeout:           timeout,
		ReadTimeout:           timeout,
		WriteTimeout:          timeout,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1, // a silent server is reported, not retried until the deadline twice over
		PoolSize:              2,
		DisableIdentity:       true,
	})
}

// Reader opens a read connection to the replica (or the leader).
func (c Config) Reader(timeout time.Duration) *redis.Client {
	addr := c.ReadAddress
	if addr == "" {
		addr = c.WriteAddress
	}
	if c.ReadAsDefault || c.ReadAddress != "" {
		return newClient(addr, "", "", timeout)
	}
	return newClient(addr, c.User, c.Password, timeout)
}

// Writer opens a connection to the leader with the module's credentials.
func (c Config) Writer(timeout time.Duration) *redis.Client {
	return newClient(c.WriteAddress, c.User, c.Password, timeout)
}

// ImageName returns the image name of an image URL
// ("ghcr.io/nethesis/nethvoice-proxy:1.2.3" -> "nethvoice-proxy").
func ImageName(url string) string {
	s := url
	if i := strings.LastIndex(s, "/"); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.IndexAny(s, ":@"); i >= 0 {
		s = s[:i]
	}
	return s
}

// OwnKey is the key prefix the module may write.
func OwnKey(moduleID, suffix string) string { return "module/" + moduleID + "/" + suffix }

// NS7Stored is the part of the sanitized NS7 facts that other actions use,
// as probe-ns7 stores them (JSON string at NS7FactsKey). Facts carries the
// whole sanitized document.
type NS7Stored struct {
	ProbedAt       string `json:"probed_at"`
	Host           string `json:"host"`
	DataTotalBytes int64  `json:"data_total_bytes"` // 0 unless measured completely
	// A measurement that could not complete gives bounds instead: what was
	// measured (at least) and, when a filesystem bounds the rest, at most
	// (0: unknown).
	DataAtLeastBytes int64           `json:"data_at_least_bytes,omitempty"`
	DataAtMostBytes  int64           `json:"data_at_most_bytes,omitempty"`
	AccountProvider  json.RawMessage `json:"account_provider,omitempty"` // shaped as check-user-domain's "provider" input
	Facts            json.RawMessage `json:"facts,omitempty"`
}

// NS7FactsKey holds the sanitized facts of the last NS7 probe (a JSON string).
func NS7FactsKey(moduleID string) string { return OwnKey(moduleID, "preflight/ns7-facts") }

// Read takes the snapshot: a few pipelined round trips, bounded by ctx.
func Read(ctx context.Context, rdb *redis.Client, moduleID string) (*Snapshot, error) {
	s := &Snapshot{Nodes: map[string]*Node{}, Modules: map[string]*Module{}, Proxies: map[string]*Proxy{},
		TraefikHosts: map[string][]string{}, Domains: []*Domain{}, Source: rdb.Options().Addr}
	mods, err := s.readTop(ctx, rdb, moduleID)
	if err != nil {
		return nil, err
	}
	if err := s.listNodes(ctx, rdb); err != nil {
		return nil, err
	}
	if err := s.readNodesAndModules(ctx, rdb, mods); err != nil {
		return nil, err
	}
	if err := s.readServices(ctx, rdb); err != nil {
		return nil, err
	}
	if err := s.readNethVoice(ctx, rdb); err != nil {
		return nil, err
	}
	return s, s.readAdmins(ctx, rdb)
}

// readTop reads the leader, the VPN network, the module placement and the
// stored NS7 facts; it returns cluster/module_node.
func (s *Snapshot) readTop(ctx context.Context, rdb *redis.Client, moduleID string) (map[string]string, error) {
	pipe := rdb.Pipeline()
	leader := pipe.HGet(ctx, "cluster/environment", "NODE_ID")
	network := pipe.Get(ctx, "cluster/network")
	modNode := pipe.HGetAll(ctx, "cluster/module_node")
	var ns7 *redis.StringCmd
	if moduleID != "" {
		ns7 = pipe.Get(ctx, NS7FactsKey(moduleID))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read cluster keys: %w", err)
	}
	s.Leader, _ = leader.Result()
	s.Network, _ = network.Result()
	if ns7 != nil {
		if raw, err := ns7.Result(); err == nil {
			var f NS7Stored
			if json.Unmarshal([]byte(raw), &f) == nil { // a damaged value reads as no probe yet
				s.NS7 = &f
				s.NS7DataBytes, s.NS7DataAtLeast, s.NS7DataAtMost = f.DataTotalBytes, f.DataAtLeastBytes, f.DataAtMostBytes
			}
		}
	}
	mods, err := modNode.Result()
	if err != nil {
		return nil, fmt.Errorf("read cluster/module_node: %w", err)
	}
	return mods, nil
}

// listNodes finds the nodes by their VPN keys, as NS8's list-nodes does.
func (s *Snapshot) listNodes(ctx context.Context, rdb *redis.Client) error {
	nodeKeys, err := scanAll(ctx, rdb, "node/*/vpn")
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	for _, k := range nodeKeys {
		id := strings.TrimSuffix(strings.TrimPrefix(k, "node/"), "/vpn")
		if id != "" && !strings.Contains(id, "/") {
			s.Nodes[id] = &Node{ID: id, Leader: id == s.Leader}
		}
	}
	return nil
}

// readNodesAndModules reads the per-node and per-module keys in one
// pipeline.
func (s *Snapshot) readNodesAndModules(ctx context.Context, rdb *redis.Client, mods map[string]string) error {
	pipe := rdb.Pipeline()
	type nodeCmds struct {
		vpn   *redis.MapStringStringCmd
		flags *redis.StringSliceCmd
		name  *redis.StringCmd
		proxy *redis.StringCmd
	}
	nc := map[string]nodeCmds{}
	for id := range s.Nodes {
		nc[id] = nodeCmds{
			vpn:   pipe.HGetAll(ctx, "node/"+id+"/vpn"),
			flags: pipe.SMembers(ctx, "node/"+id+"/flags"),
			name:  pipe.Get(ctx, "node/"+id+"/ui_name"),
			proxy: pipe.Get(ctx, "node/"+id+"/default_instance/nethvoice-proxy"),
		}
	}
	urls := map[string]*redis.StringCmd{}
	for id := range mods {
		urls[id] = pipe.HGet(ctx, "module/"+id+"/environment", "IMAGE_URL")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("read node and module keys: %w", err)
	}
	for id, c := range nc {
		n := s.Nodes[id]
		n.VPN, _ = c.vpn.Result()
		n.Flags, _ = c.flags.Result()
		sort.Strings(n.Flags)
		n.UIName, _ = c.name.Result()
		n.ProxyID, _ = c.proxy.Result()
		n.Migrating = slices.Contains(n.Flags, "nomodules")
		if n.VPN == nil {
			n.VPN = map[string]string{}
		}
		delete(n.VPN, "public_key") // not needed for any judgement
	}
	for id, node := range mods {
		url, _ := urls[id].Result()
		s.Modules[id] = &Module{ID: id, Node: node, Image: ImageName(url), URL: url}
	}
	return nil
}

// readServices reads the proxies' SIP service, the traefik hosts and the
// user domains.
func (s *Snapshot) readServices(ctx context.Context, rdb *redis.Client) error {
	var keys [3][]string
	for i, pattern := range []string{"module/*/srv/tcp/ldap", "module/*/user_domain", "cluster/user_domain/ldap/*/conf"} {
		var err error
		if keys[i], err = scanAll(ctx, rdb, pattern); err != nil {
			return fmt.Errorf("list %s: %w", pattern, err)
		}
	}
	ldapKeys, claimKeys, extKeys := keys[0], keys[1], keys[2]
	pipe := rdb.Pipeline()
	srv := map[string]*redis.MapStringStringCmd{}
	hosts := map[string]*redis.StringSliceCmd{}
	for id, m := range s.Modules {
		switch m.Image {
		case "nethvoice-proxy":
			srv[id] = pipe.HGetAll(ctx, "module/"+id+"/srv/tcp/sip")
		case "traefik":
			hosts[id] = pipe.SMembers(ctx, "module/"+id+"/hosts")
		}
	}
	ldap := map[string]*redis.SliceCmd{}
	for _, k := range ldapKeys {
		ldap[k] = pipe.HMGet(ctx, k, ldapFields...)
	}
	claims := map[string]*redis.StringCmd{}
	for _, k := range claimKeys {
		claims[k] = pipe.Get(ctx, k)
	}
	ext := map[string]*redis.SliceCmd{}
	extProv := map[string]*redis.StringSliceCmd{}
	for _, k := range extKeys {
		ext[k] = pipe.HMGet(ctx, k, extFields...)
		extProv[k] = pipe.LRange(ctx, strings.TrimSuffix(k, "/conf")+"/providers", 0, -1)
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("read service, hosts and domain keys: %w", err)
	}
	for id, c := range hosts {
		h, _ := c.Result()
		sort.Strings(h)
		s.TraefikHosts[id] = h
	}
	s.Domains = buildDomains(ldap, claims, ext, extProv)
	for id, c := range srv {
		h, _ := c.Result()
		p := &Proxy{ID: id, Node: s.Modules[id].Node, Published: len(h) > 0}
		p.FQDN, p.Address, p.PublicAddress = h["fqdn"], h["address"], h["public_address"]
		s.Proxies[id] = p
	}
	return nil
}

// Fields read from an LDAP provider's srv key and an external domain's
// conf: never bind_password.
var (
	ldapFields = []string{"domain", "schema", "base_dn", "bind_dn", "host", "port", "tls", "tls_verify", "node"}
	extFields  = []string{"schema", "base_dn", "bind_dn", "tls", "tls_verify"}
)

// readAdmins lists the ns7admin* cluster admins. They live under user/*:
// NS8's ACL does not let modules read those keys, but SCAN is not subject
// to key patterns, so the names are listed; where a server refuses, say so
// rather than guess.
func (s *Snapshot) readAdmins(ctx context.Context, rdb *redis.Client) error {
	admins, err := scanAll(ctx, rdb, "user/ns7admin*")
	switch {
	case err == nil:
		for _, k := range admins {
			s.Admins = append(s.Admins, strings.TrimPrefix(k, "user/"))
		}
		sort.Strings(s.Admins)
	case isNoPerm(err):
		s.AdminsErr = "the cluster admin accounts (user/*) are not readable with this module's Redis permissions"
	case ctx.Err() != nil:
		return fmt.Errorf("list admin accounts: %w", err)
	default:
		s.AdminsErr = "could not list the cluster admin accounts: " + err.Error()
	}
	return nil
}

// buildDomains merges internal providers, unconfigured claims and external
// domains the way NS8's list_domains does: internal names override
// external ones, and an external domain without providers is ignored.
func buildDomains(ldap map[string]*redis.SliceCmd, claims map[string]*redis.StringCmd,
	ext map[string]*redis.SliceCmd, extProv map[string]*redis.StringSliceCmd) []*Domain {
	byName := map[string]*Domain{}
	fields := func(c *redis.SliceCmd, names []string) map[string]string {
		m := map[string]string{}
		vals, _ := c.Result()
		for i, v := range vals {
			if str, ok := v.(string); ok && i < len(names) {
				m[names[i]] = str
			}
		}
		return m
	}
	for k, c := range ldap {
		f := fields(c, ldapFields)
		name := strings.ToLower(f["domain"])
		if name == "" {
			continue
		}
		mod := strings.TrimSuffix(strings.TrimPrefix(k, "module/"), "/srv/tcp/ldap")
		d := byName[name]
		if d == nil {
			d = &Domain{Name: name, Location: "internal", Schema: f["schema"], BaseDN: f["base_dn"], BindDN: f["bind_dn"],
				TLS: f["tls"] == "on", TLSVerify: f["tls_verify"] == "on", Providers: []Provider{}}
			byName[name] = d
		}
		d.Providers = append(d.Providers, Provider{ID: mod, Node: f["node"], Host: f["host"], Port: f["port"]})
	}
	for k, c := range claims {
		name, _ := c.Result()
		name = strings.ToLower(name)
		mod := strings.TrimSuffix(strings.TrimPrefix(k, "module/"), "/user_domain")
		if name == "" {
			continue
		}
		d := byName[name]
		if d == nil {
			d = &Domain{Name: name, Location: "internal", Providers: []Provider{}}
			byName[name] = d
		}
		if d.Location == "internal" && !hasProvider(d, mod) {
			d.Unconfigured = append(d.Unconfigured, mod)
		}
	}
	for k, c := range ext {
		name := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(k, "cluster/user_domain/ldap/"), "/conf"))
		provs, _ := extProv[k].Result()
		if len(provs) == 0 || byName[name] != nil {
			continue
		}
		f := fields(c, extFields)
		d := &Domain{Name: name, Location: "external", Schema: f["schema"], BaseDN: f["base_dn"], BindDN: f["bind_dn"],
			TLS: f["tls"] == "on", TLSVerify: f["tls_verify"] == "on", Providers: []Provider{}}
		for _, p := range provs {
			host, port := p, ""
			if i := strings.LastIndex(p, ":"); i >= 0 {
				host, port = p[:i], p[i+1:]
			}
			d.Providers = append(d.Providers, Provider{ID: p, Host: host, Port: port})
		}
		byName[name] = d
	}
	out := make([]*Domain, 0, len(byName))
	for _, d := range byName {
		sort.Slice(d.Providers, func(i, j int) bool { return d.Providers[i].ID < d.Providers[j].ID })
		sort.Strings(d.Unconfigured)
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func hasProvider(d *Domain, mod string) bool {
	for _, p := range d.Providers {
		if p.ID == mod {
			return true
		}
	}
	return false
}

func isNoPerm(err error) bool { return err != nil && strings.HasPrefix(err.Error(), "NOPERM") }

func scanAll(ctx context.Context, rdb *redis.Client, pattern string) ([]string, error) {
	var out []string
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return nil, err
		}
		out = append(out, keys...)
		if next == 0 {
			break
		}
		cursor = next
	}
	sort.Strings(out)
	return out, nil
}

// Ping checks that a server answers.
func Ping(ctx context.Context, rdb *redis.Client) error { return rdb.Ping(ctx).Err() }

// StoreOwn writes a string value under module/<id>/<suffix> on the leader.
// It refuses any other key: the module writes nothing outside its own space.
func StoreOwn(ctx context.Context, rdb *redis.Client, moduleID, suffix, value string) error {
	if moduleID == "" || suffix == "" || strings.Contains(suffix, "..") {
		return fmt.Errorf("refusing to write key %q of module %q", suffix, moduleID)
	}
	return rdb.Set(ctx, OwnKey(moduleID, suffix), value, 0).Err()
}
