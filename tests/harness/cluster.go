package harness

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Module ids and values of the default cluster, for assertions in tests.
const (
	LeaderNode        = 1
	WorkerNode        = 2
	PreflightModuleID = "nethvoice-preflight1"
	ProxyModuleID     = "nethvoice-proxy1"
	OpenLDAPModuleID  = "openldap1"
	SambaModuleID     = "samba1"
	ProxyFQDN         = "proxy.example.test"
	ProxyPublicIP     = "198.51.100.10"
	InternalLDAP      = "directory.example.test"
	InternalAD        = "ad.example.test"
	ExternalLDAP      = "corp.example.test"
	// UnconfiguredProxyFQDN is what ns8-nethvoice-proxy create-module leaves
	// in KML_DEFAULT_FQDN until the proxy is configured.
	UnconfiguredProxyFQDN = "12345.ns8.invalid"
	// CoreImage is the core of every node of the default cluster.
	CoreImage = "ghcr.io/nethserver/core:3.20.1"
)

// Repodata is the part of the default repository's metadata the checks
// read (cluster/repository_cache/default field data): the newest releases
// of the modules a migration installs, with their labels, and an older
// one that must not be taken for the newest.
const Repodata = `[` +
	`{"id":"nethvoice","source":"ghcr.io/nethesis/nethvoice","versions":[` +
	`{"tag":"1.8.0-dev.1","testing":true,"labels":{"org.nethserver.min-core":"3.20.1"}},` +
	`{"tag":"1.7.7","testing":false,"labels":{"org.nethserver.min-core":"3.16.0-0"}},` +
	`{"tag":"1.6.14","testing":false,"labels":{"org.nethserver.min-core":"3.16.0-0"}}]},` +
	`{"id":"nethvoice-proxy","source":"ghcr.io/nethesis/nethvoice-proxy","versions":[` +
	`{"tag":"1.7.1","testing":false,"labels":{"org.nethserver.min-core":"3.20.1","org.nethserver.max-per-node":"1"}}]},` +
	`{"id":"traefik","source":"ghcr.io/nethserver/traefik","versions":[{"tag":"3.2.1","testing":false,"labels":{}}]}]`

// HostAddress is this machine's source address toward the outside (the
// address of the interface of its default route): a configured proxy's
// interface address must be one of the node's, and the node the module
// measures is this machine. Connecting a UDP socket sends nothing.
func HostAddress() string {
	c, err := net.Dial("udp4", "198.51.100.1:9")
	if err == nil {
		defer c.Close()
		if a, ok := c.LocalAddr().(*net.UDPAddr); ok && !a.IP.IsLoopback() {
			return a.IP.String()
		}
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && n.IP.IsGlobalUnicast() {
			return n.IP.String()
		}
	}
	return "192.0.2.10"
}

// Value is one Redis key's content, written by Cluster.Apply.
type Value interface {
	write(ctx context.Context, p redis.Pipeliner, key string)
}

// Str is a STRING key.
type Str string

// Hash is a HASH key.
type Hash map[string]string

// Set is a SET key.
type Set []string

// List is a LIST key, in index order.
type List []string

func (v Str) write(ctx context.Context, p redis.Pipeliner, key string) { p.Set(ctx, key, string(v), 0) }

func (v Hash) write(ctx context.Context, p redis.Pipeliner, key string) {
	if len(v) == 0 {
		return
	}
	args := make([]any, 0, 2*len(v))
	for _, k := range slices.Sorted(maps.Keys(v)) {
		args = append(args, k, v[k])
	}
	p.HSet(ctx, key, args...)
}

func (v Set) write(ctx context.Context, p redis.Pipeliner, key string) {
	if len(v) == 0 {
		return
	}
	args := make([]any, len(v))
	for i, m := range v {
		args[i] = m
	}
	p.SAdd(ctx, key, args...)
}

func (v List) write(ctx context.Context, p redis.Pipeliner, key string) {
	if len(v) == 0 {
		return
	}
	args := make([]any, len(v))
	for i, m := range v {
		args[i] = m
	}
	p.RPush(ctx, key, args...)
}

// Cluster describes the NS8 cluster data a module can see in Redis. Build
// one with DefaultCluster, change it, then Apply it.
type Cluster struct {
	LeaderNode int
	Network    string
	UIName     string
	Nodes      []*Node
	Modules    []*Instance
	// ExternalDomains are LDAP user domains configured on the cluster
	// (cluster/user_domain/ldap/<name>/...).
	ExternalDomains []*ExternalDomain
	// Users are cluster admin users (user/<name>, roles/<name>).
	Users []*User
	// Repodata is the default repository's cached metadata ("" for none).
	Repodata string
	// Extra keys written as they are, after everything else.
	Extra map[string]Value
}

// Node is a cluster node.
type Node struct {
	ID     int
	UIName string
	// VPN is node/<n>/vpn: ip_address, public_key, endpoint.
	VPN   Hash
	Flags []string
	// DefaultInstance maps an image name to the module id written at
	// node/<n>/default_instance/<image>.
	DefaultInstance map[string]string
	// CoreImage is node/<n>/environment IMAGE_URL ("" for none).
	CoreImage string
}

// Instance is an installed module.
type Instance struct {
	ID       string
	Node     int
	UUID     string
	ImageURL string
	// Environment is module/<id>/environment; Apply fills MODULE_ID,
	// NODE_ID, MODULE_UUID, IMAGE_URL, IMAGE_ID when missing.
	Environment Hash
	Flags       []string
	UIName      string
	// Keys are written under module/<id>/ (e.g. "srv/tcp/sip", "hosts").
	Keys map[string]Value
}

// ExternalDomain is an external LDAP user domain.
type ExternalDomain struct {
	Name      string
	Conf      Hash
	Providers []string
	UINames   Hash
}

// User is a cluster admin user; Roles maps an agent id to a role name.
type User struct {
	Name        string
	DisplayName string
	Roles       Hash
}

func fakeKey(seed string) string {
	h := sha256.Sum256([]byte(seed))
	return base64.StdEncoding.EncodeToString(h[:])
}

func fakeUUID(seed string) string {
	h := sha256.Sum256([]byte("uuid:" + seed))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	x := fmt.Sprintf("%x", b)
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

func fakeImageID(seed string) string {
	h := sha256.Sum256([]byte("image:" + seed))
	return fmt.Sprintf("%x", h[:])
}

// NewInstance returns a module instance with a deterministic UUID and a
// full environment, as cluster/add-module leaves it.
func NewInstance(id string, node int, imageURL string) *Instance {
	return &Instance{
		ID:          id,
		Node:        node,
		UUID:        fakeUUID(id),
		ImageURL:    imageURL,
		Environment: Hash{},
		Flags:       []string{"rootless"},
		Keys:        map[string]Value{},
	}
}

// DefaultCluster returns the cluster described in the package comment.
func DefaultCluster() *Cluster {
	c := &Cluster{
		LeaderNode: 1,
		Network:    "10.5.4.0/24",
		UIName:     "Example test cluster",
		Repodata:   Repodata,
		Extra:      map[string]Value{},
	}
	c.Nodes = []*Node{
		{ID: 1, UIName: "leader", VPN: Hash{"ip_address": "10.5.4.1", "public_key": fakeKey("node1"), "endpoint": "leader.example.test:55820"},
			DefaultInstance: map[string]string{"traefik": "traefik1", "nethvoice-proxy": ProxyModuleID, "openldap": OpenLDAPModuleID, "nethvoice-preflight": PreflightModuleID},
			CoreImage:       CoreImage},
		{ID: 2, UIName: "worker", VPN: Hash{"ip_address": "10.5.4.2", "public_key": fakeKey("node2"), "endpoint": "node2.example.test:55820"},
			DefaultInstance: map[string]string{"traefik": "traefik2", "samba": SambaModuleID},
			CoreImage:       CoreImage},
	}

	traefik1 := NewInstance("traefik1", 1, "ghcr.io/nethserver/traefik:3.2.1")
	traefik1.Flags = []string{"core_module", "rootless"}
	traefik1.Keys["hosts"] = Set{"leader.example.test", "mail.example.test"}
	traefik2 := NewInstance("traefik2", 2, "ghcr.io/nethserver/traefik:3.2.1")
	traefik2.Flags = []string{"core_module", "rootless"}
	traefik2.Keys["hosts"] = Set{"node2.example.test", "cloud.example.test"}

	proxy := NewInstance(ProxyModuleID, 1, "ghcr.io/nethesis/nethvoice-proxy:1.4.2")
	proxy.Environment["KML_DEFAULT_FQDN"] = ProxyFQDN
	proxy.Environment["PUBLIC_IP"] = ProxyPublicIP
	proxy.Environment["BEHIND_NAT"] = "false"
	proxy.Environment["LOCAL_NETWORKS"] = ""
	setProxySrv(proxy, ProxyFQDN, HostAddress(), ProxyPublicIP)

	openldap := NewInstance(OpenLDAPModuleID, 1, "ghcr.io/nethserver/openldap:2.5.0")
	openldap.Flags = []string{"core_module", "account_provider", "rootless"}
	openldap.Environment["TCP_PORT"] = "20003"
	openldap.Environment["OLDAP_DOMAIN"] = InternalLDAP
	openldap.Keys["srv/tcp/ldap"] = Hash{
		"domain": InternalLDAP, "schema": "rfc2307",
		"base_dn":       "dc=directory,dc=example,dc=test",
		"bind_dn":       "cn=ldapservice,dc=directory,dc=example,dc=test",
		"bind_password": "Oldap-svc-Secret1",
		"host":          "10.5.4.1", "port": "20003",
		"tls": "off", "tls_verify": "off", "node": "1",
	}
	openldap.Keys["user_domain"] = Str(InternalLDAP)

	samba := NewInstance(SambaModuleID, 2, "ghcr.io/nethserver/samba:3.2.0")
	samba.Flags = []string{"core_module", "account_provider", "file_server", "rootfull"}
	samba.Environment["REALM"] = "AD.EXAMPLE.TEST"
	samba.Environment["NBDOMAIN"] = "AD"
	samba.Environment["IPADDRESS"] = "10.5.4.2"
	samba.Keys["srv/tcp/ldap"] = Hash{
		"domain": InternalAD, "schema": "ad",
		"base_dn":       "DC=ad,DC=example,DC=test",
		"bind_dn":       "ldapservice@AD.EXAMPLE.TEST",
		"bind_password": "Samba-svc-Secret1",
		"host":          "10.5.4.2", "port": "636",
		"tls": "on", "tls_verify": "off", "node": "2",
	}
	samba.Keys["user_domain"] = Str(InternalAD)

	preflight := NewInstance(PreflightModuleID, 1, "ghcr.io/nethvoice-preflight/nethvoice-preflight:0.1.0")
	preflight.Flags = []string{"no_data_backup", "rootless"}
	preflight.Keys["roles/owner"] = Set{"*"}
	preflight.Keys["roles/reader"] = Set{"list-*", "get-*", "show-*", "read-*"}
	preflight.Keys["roles/selfadm"] = Set{"configure-module"}

	c.Modules = []*Instance{traefik1, traefik2, proxy, openldap, samba, preflight}

	c.ExternalDomains = []*ExternalDomain{{
		Name: ExternalLDAP,
		Conf: Hash{
			"schema": "rfc2307", "base_dn": "dc=corp,dc=example,dc=test",
			"bind_dn":       "cn=ns8,ou=services,dc=corp,dc=example,dc=test",
			"bind_password": "Corp-bind-Secret1",
			"tls":           "on", "tls_verify": "on",
		},
		Providers: []string{"ldap.corp.example.test:636"},
		UINames:   Hash{"ldap.corp.example.test:636": "Corporate LDAP"},
	}}

	admin := &User{Name: "admin", DisplayName: "Administrator", Roles: Hash{"cluster": "owner"}}
	for _, n := range c.Nodes {
		admin.Roles["node/"+strconv.Itoa(n.ID)] = "owner"
	}
	for _, m := range c.Modules {
		admin.Roles["module/"+m.ID] = "owner"
	}
	c.Users = []*User{admin}
	return c
}

// setProxySrv writes the proxy's srv/tcp/sip and srv/udp/sip records, as
// ns8-nethvoice-proxy configure-module/90srv does.
func setProxySrv(proxy *Instance, fqdn, address, publicAddress string) {
	for _, tr := range []string{"tcp", "udp"} {
		proxy.Keys["srv/"+tr+"/sip"] = Hash{
			"port": "5060", "host": "10.5.4." + strconv.Itoa(proxy.Node),
			"address": address, "public_address": publicAddress,
			"fqdn": fqdn, "node": strconv.Itoa(proxy.Node), "module_uuid": proxy.UUID,
		}
	}
}

// Node returns node n, or nil.
func (c *Cluster) Node(n int) *Node {
	for _, x := range c.Nodes {
		if x.ID == n {
			return x
		}
	}
	return nil
}

// Module returns the instance with that id, or nil.
func (c *Cluster) Module(id string) *Instance {
	for _, m := range c.Modules {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// AddModule adds (or replaces) an instance.
func (c *Cluster) AddModule(m *Instance) *Instance {
	c.RemoveModule(m.ID)
	c.Modules = append(c.Modules, m)
	return m
}

// RemoveModule removes an instance and the default_instance entries that
// point to it, as cluster/remove-module does.
func (c *Cluster) RemoveModule(id string) {
	out := c.Modules[:0]
	for _, m := range c.Modules {
		if m.ID != id {
			out = append(out, m)
		}
	}
	c.Modules = out
	for _, n := range c.Nodes {
		for img, mid := range n.DefaultInstance {
			if mid == id {
				delete(n.DefaultInstance, img)
			}
		}
	}
	for _, u := range c.Users {
		delete(u.Roles, "module/"+id)
	}
}

// RemoveProxy uninstalls nethvoice-proxy1.
func (c *Cluster) RemoveProxy() { c.RemoveModule(ProxyModuleID) }

// UnconfigureProxy leaves nethvoice-proxy1 as create-module does before any
// configure-module: random .ns8.invalid FQDN, 127.0.0.1 addresses.
func (c *Cluster) UnconfigureProxy() {
	p := c.Module(ProxyModuleID)
	if p == nil {
		return
	}
	p.Environment["KML_DEFAULT_FQDN"] = UnconfiguredProxyFQDN
	p.Environment["PUBLIC_IP"] = "127.0.0.1"
	p.Environment["BEHIND_NAT"] = "false"
	setProxySrv(p, UnconfiguredProxyFQDN, "127.0.0.1", "127.0.0.1")
}

// SetProxyAddresses configures the default proxy with these addresses (its
// FQDN unchanged), as its configure-module would publish them.
func (c *Cluster) SetProxyAddresses(address, publicAddress string) {
	if p := c.Module(ProxyModuleID); p != nil {
		setProxySrv(p, ProxyFQDN, address, publicAddress)
	}
}

// AddNS7MigrationNode adds the node an NS7 system becomes when it joins the
// cluster for migration: flag nomodules, a VPN record, no modules.
func (c *Cluster) AddNS7MigrationNode() *Node {
	id := 1
	for _, n := range c.Nodes {
		if n.ID >= id {
			id = n.ID + 1
		}
	}
	n := &Node{
		ID:              id,
		UIName:          "ns7.example.test",
		VPN:             Hash{"ip_address": "10.5.4." + strconv.Itoa(id), "public_key": fakeKey("ns7node" + strconv.Itoa(id)), "endpoint": ""},
		Flags:           []string{"nomodules"},
		DefaultInstance: map[string]string{},
	}
	c.Nodes = append(c.Nodes, n)
	return n
}

// AddStaleNS7Admin adds the cluster admin user ns7admin<n> that the NS7
// migration tool creates, left behind by an earlier migration.
func (c *Cluster) AddStaleNS7Admin(n int) *User {
	u := &User{
		Name:        "ns7admin" + strconv.Itoa(n),
		DisplayName: "NethServer 7 migration (node " + strconv.Itoa(n) + ")",
		Roles:       Hash{"cluster": "owner"},
	}
	c.Users = append(c.Users, u)
	return u
}

// Keys returns every key Apply writes.
func (c *Cluster) Keys() map[string]Value {
	k := map[string]Value{}
	k["cluster/environment"] = Hash{"NODE_ID": strconv.Itoa(c.LeaderNode)}
	if c.Network != "" {
		k["cluster/network"] = Str(c.Network)
	}
	if c.UIName != "" {
		k["cluster/ui_name"] = Str(c.UIName)
	}
	seq := 0
	for _, n := range c.Nodes {
		p := "node/" + strconv.Itoa(n.ID) + "/"
		if n.ID > seq {
			seq = n.ID
		}
		k[p+"vpn"] = n.VPN
		if n.UIName != "" {
			k[p+"ui_name"] = Str(n.UIName)
		}
		if len(n.Flags) > 0 {
			k[p+"flags"] = Set(n.Flags)
		}
		for img, id := range n.DefaultInstance {
			k[p+"default_instance/"+img] = Str(id)
		}
		if n.CoreImage != "" {
			k[p+"environment"] = Hash{"NODE_ID": strconv.Itoa(n.ID), "IMAGE_URL": n.CoreImage}
		}
		k[p+"tcp_ports_sequence"] = Str("20010")
		k[p+"udp_ports_sequence"] = Str("20010")
	}
	k["cluster/node_sequence"] = Str(strconv.Itoa(seq))
	if c.Repodata != "" {
		k["cluster/repository/default"] = Hash{"url": "https://distfeed.nethserver.org/ns8/updates/", "status": "1", "testing": "0"}
		k["cluster/repository_cache/default"] = Hash{"data": c.Repodata, "updated": "Mon, 30 Nov 2026 05:00:00 GMT", "repo_view": "latest"}
	}

	moduleNode, moduleUUID := Hash{}, Hash{}
	clusterDefault := map[string]string{}
	for _, m := range c.Modules {
		moduleNode[m.ID] = strconv.Itoa(m.Node)
		moduleUUID[m.ID] = m.UUID
		img := ImageName(m.ImageURL)
		if _, ok := clusterDefault[img]; !ok {
			clusterDefault[img] = m.ID
		}
		p := "module/" + m.ID + "/"
		env := Hash{
			"MODULE_ID":         m.ID,
			"NODE_ID":           strconv.Itoa(m.Node),
			"MODULE_UUID":       m.UUID,
			"IMAGE_URL":         m.ImageURL,
			"IMAGE_ID":          fakeImageID(m.ImageURL),
			"IMAGE_DIGEST":      "sha256:" + fakeImageID("digest:"+m.ImageURL),
			"IMAGE_REOPODIGEST": strings.SplitN(m.ImageURL, ":", 2)[0] + "@sha256:" + fakeImageID("digest:"+m.ImageURL),
		}
		for kk, v := range m.Environment {
			env[kk] = v
		}
		k[p+"environment"] = env
		if len(m.Flags) > 0 {
			k[p+"flags"] = Set(m.Flags)
		}
		if m.UIName != "" {
			k[p+"ui_name"] = Str(m.UIName)
		}
		for sub, v := range m.Keys {
			k[p+sub] = v
		}
	}
	k["cluster/module_node"] = moduleNode
	k["cluster/module_uuid"] = moduleUUID
	for img, id := range clusterDefault {
		k["cluster/default_instance/"+img] = Str(id)
	}

	for _, d := range c.ExternalDomains {
		p := "cluster/user_domain/ldap/" + d.Name + "/"
		k[p+"conf"] = d.Conf
		k[p+"providers"] = List(d.Providers)
		if len(d.UINames) > 0 {
			k[p+"ui_names"] = d.UINames
		}
	}
	for _, u := range c.Users {
		k["user/"+u.Name] = Hash{"display_name": u.DisplayName}
		k["roles/"+u.Name] = u.Roles
	}
	for key, v := range c.Extra {
		k[key] = v
	}
	return k
}

// ImageName is the image name of an image URL (last path element without
// tag or digest), as agent.get_image_name_from_url computes it.
func ImageName(url string) string {
	name := url
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.IndexAny(name, ":@"); i >= 0 {
		name = name[:i]
	}
	return name
}

// Apply writes the cluster through rdb (the leader, as the cluster user) in
// one transaction; each key is deleted first, so Apply can be repeated.
func (c *Cluster) Apply(ctx context.Context, rdb *redis.Client) error {
	keys := c.Keys()
	names := slices.Sorted(maps.Keys(keys))
	_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, key := range names {
			p.Del(ctx, key)
			keys[key].write(ctx, p, key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("apply cluster: %w", err)
	}
	return nil
}

// ApplyTo applies the cluster on r's leader and waits for the replica.
func (c *Cluster) ApplyTo(ctx context.Context, r *Redis) error {
	if err := c.Apply(ctx, r.Admin()); err != nil {
		return err
	}
	return r.WaitSync(ctx)
}
