// Package cluster reads the NS8 cluster database (Redis) into a typed
// snapshot in one pass, and writes the module's own keys on the leader.
// Reads go to the local replica as the "default" user, as NS8 modules do;
// writes go to REDIS_ADDRESS with the module's credentials, and only under
// module/<id>/.
package cluster

import (
	"context"
	"errors"
	"fmt"
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
	// Own holds the module's own keys read back (e.g. stored NS7 facts).
	NS7DataBytes int64  `json:"ns7_data_bytes,omitempty"`
	Source       string `json:"source"` // address read from
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

// NS7FactsKey holds the sanitized facts of the last NS7 probe.
func NS7FactsKey(moduleID string) string { return OwnKey(moduleID, "preflight/ns7-facts") }

// Read takes the snapshot: a few pipelined round trips, bounded by ctx.
func Read(ctx context.Context, rdb *redis.Client, moduleID string) (*Snapshot, error) {
	s := &Snapshot{Nodes: map[string]*Node{}, Modules: map[string]*Module{}, Proxies: map[string]*Proxy{}, Source: rdb.Options().Addr}

	pipe := rdb.Pipeline()
	leader := pipe.HGet(ctx, "cluster/environment", "NODE_ID")
	network := pipe.Get(ctx, "cluster/network")
	modNode := pipe.HGetAll(ctx, "cluster/module_node")
	var ns7 *redis.MapStringStringCmd
	if moduleID != "" {
		ns7 = pipe.HGetAll(ctx, NS7FactsKey(moduleID))
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read cluster keys: %w", err)
	}
	s.Leader, _ = leader.Result()
	s.Network, _ = network.Result()
	if ns7 != nil {
		if m, err := ns7.Result(); err == nil {
			fmt.Sscan(m["data_total_bytes"], &s.NS7DataBytes) //nolint:errcheck // absent = 0
		}
	}
	mods, err := modNode.Result()
	if err != nil {
		return nil, fmt.Errorf("read cluster/module_node: %w", err)
	}

	nodeKeys, err := scanAll(ctx, rdb, "node/*/vpn")
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	for _, k := range nodeKeys {
		id := strings.TrimSuffix(strings.TrimPrefix(k, "node/"), "/vpn")
		if id != "" && !strings.Contains(id, "/") {
			s.Nodes[id] = &Node{ID: id, Leader: id == s.Leader}
		}
	}

	// Second pass: per-node and per-module keys in one pipeline.
	pipe = rdb.Pipeline()
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
		return nil, fmt.Errorf("read node and module keys: %w", err)
	}
	for id, c := range nc {
		n := s.Nodes[id]
		n.VPN, _ = c.vpn.Result()
		n.Flags, _ = c.flags.Result()
		sort.Strings(n.Flags)
		n.UIName, _ = c.name.Result()
		n.ProxyID, _ = c.proxy.Result()
		for _, f := range n.Flags {
			if f == "nomodules" {
				n.Migrating = true
			}
		}
		if n.VPN == nil {
			n.VPN = map[string]string{}
		}
		delete(n.VPN, "public_key") // not needed for any judgement
	}
	for id, node := range mods {
		url, _ := urls[id].Result()
		s.Modules[id] = &Module{ID: id, Node: node, Image: ImageName(url), URL: url}
	}

	// Third pass: the proxies' published SIP service.
	pipe = rdb.Pipeline()
	srv := map[string]*redis.MapStringStringCmd{}
	for id, m := range s.Modules {
		if m.Image == "nethvoice-proxy" {
			srv[id] = pipe.HGetAll(ctx, "module/"+id+"/srv/tcp/sip")
		}
	}
	if len(srv) > 0 {
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("read proxy service keys: %w", err)
		}
	}
	for id, c := range srv {
		h, _ := c.Result()
		p := &Proxy{ID: id, Node: s.Modules[id].Node, Published: len(h) > 0}
		p.FQDN, p.Address, p.PublicAddress = h["fqdn"], h["address"], h["public_address"]
		s.Proxies[id] = p
	}

	// Cluster admins live under user/*. NS8's ACL does not let modules read
	// those keys, but SCAN is not subject to key patterns, so the names are
	// listed; where a server refuses, say so rather than guess.
	admins, err := scanAll(ctx, rdb, "user/ns7admin*")
	switch {
	case err == nil:
		for _, k := range admins {
			s.Admins = append(s.Admins, strings.TrimPrefix(k, "user/"))
		}
		sort.Strings(s.Admins)
	case isNoPerm(err):
		s.AdminsErr = "the cluster admin accounts (user/*) are not readable with this module's Redis permissions"
	default:
		if ctx.Err() != nil {
			return nil, fmt.Errorf("list admin accounts: %w", err)
		}
		s.AdminsErr = "could not list the cluster admin accounts: " + err.Error()
	}
	return s, nil
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
