package cluster

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// seeded is a cluster database laid out as NS8 lays it out (reference
// ns8-platform.md §5): two nodes and an NS7 migration node, a proxy, a
// traefik, NethVoice, an internal and two external user domains.
func seeded(t *testing.T) (*miniredis.Miniredis, *redis.Client) {
	t.Helper()
	mr := miniredis.RunT(t)
	mr.HSet("cluster/environment", "NODE_ID", "1")
	mr.Set("cluster/network", "10.5.4.0/24")
	mr.HSet("cluster/module_node", "traefik1", "1", "nethvoice-proxy1", "2", "openldap1", "1", "nethvoice1", "2", "samba1", "2")
	mr.HSet("node/1/vpn", "endpoint", "leader.example.test:55820", "ip_address", "10.5.4.1", "public_key", "secret-ish")
	mr.HSet("node/2/vpn", "endpoint", "worker.example.test:55820", "ip_address", "10.5.4.2")
	mr.HSet("node/3/vpn", "ip_address", "10.5.4.3")
	mr.SAdd("node/3/flags", "nomodules")
	mr.Set("node/1/ui_name", "Leader")
	mr.Set("node/2/default_instance/nethvoice-proxy", "nethvoice-proxy1")
	for id, url := range map[string]string{"traefik1": "ghcr.io/nethserver/traefik:3.1.0", "nethvoice-proxy1": "ghcr.io/nethesis/nethvoice-proxy:1.7.1",
		"openldap1": "ghcr.io/nethserver/openldap:2.1.0", "nethvoice1": "ghcr.io/nethesis/nethvoice:1.6.14", "samba1": "ghcr.io/nethserver/samba:3.0.0"} {
		mr.HSet("module/"+id+"/environment", "IMAGE_URL", url)
	}
	mr.HSet("module/nethvoice1/environment", "NETHVOICE_HOST", "voice.example.test", "NETHCTI_UI_HOST", "cti.example.test")
	mr.HSet("module/nethvoice-proxy1/srv/tcp/sip", "fqdn", "sip.example.test", "address", "192.0.2.10", "public_address", "203.0.113.10", "port", "5060")
	mr.SAdd("module/traefik1/hosts", "mail.example.test", "leader.example.test")
	mr.HSet("module/openldap1/srv/tcp/ldap", "domain", "Directory.Example.Test", "schema", "rfc2307", "base_dn", "dc=directory,dc=example,dc=test",
		"bind_dn", "cn=ldapservice", "bind_password", "never-read", "host", "10.5.4.1", "port", "20000", "tls", "off", "tls_verify", "off", "node", "1")
	mr.Set("module/samba1/user_domain", "ad.example.test") // claimed, not configured yet
	mr.HSet("cluster/user_domain/ldap/corp.example.test/conf", "schema", "rfc2307", "base_dn", "dc=corp,dc=example,dc=test", "tls", "on", "tls_verify", "on", "bind_password", "never-read")
	mr.Lpush("cluster/user_domain/ldap/corp.example.test/providers", "192.0.2.30:636")
	mr.RPush("cluster/user_domain/ldap/corp.example.test/providers", "[2001:db8::30]:636")
	// An external domain without providers is ignored, and an internal
	// name wins over an external one (userdomains.py list_domains).
	mr.HSet("cluster/user_domain/ldap/empty.example.test/conf", "schema", "rfc2307", "base_dn", "dc=empty")
	mr.HSet("cluster/user_domain/ldap/directory.example.test/conf", "schema", "ad", "base_dn", "dc=shadowed")
	mr.Lpush("cluster/user_domain/ldap/directory.example.test/providers", "192.0.2.99:636")
	mr.HSet("user/ns7admin3", "2fa", "")
	mr.HSet("user/admin", "2fa", "")
	return mr, redis.NewClient(&redis.Options{Addr: mr.Addr()})
}

func TestRead(t *testing.T) {
	mr, rdb := seeded(t)
	// What earlier versions kept in the cluster database is not read: the
	// NS7 facts live in the state directory now.
	mr.Set("module/nethvoice-preflight1/preflight/ns7-facts", `{"host":"ns7.example.test"}`)
	s, err := Read(context.Background(), rdb)
	if err != nil {
		t.Fatal(err)
	}
	if s.Leader != "1" || s.Network != "10.5.4.0/24" || s.Source != mr.Addr() {
		t.Errorf("top keys: %+v", s)
	}
	if n := s.Nodes["1"]; n == nil || !n.Leader || n.UIName != "Leader" || n.VPN["endpoint"] != "leader.example.test:55820" || n.VPN["public_key"] != "" {
		t.Errorf("node 1 (the public key is not kept): %+v", n)
	}
	if n := s.Nodes["3"]; n == nil || !n.Migrating || !reflect.DeepEqual(n.Flags, []string{"nomodules"}) {
		t.Errorf("node 3 is an NS7 migration node: %+v", n)
	}
	if s.Nodes["2"].ProxyID != "nethvoice-proxy1" || s.Modules["nethvoice-proxy1"].Image != "nethvoice-proxy" || s.Modules["nethvoice1"].Image != "nethvoice" {
		t.Errorf("modules: %+v", s.Modules)
	}
	want := &Proxy{ID: "nethvoice-proxy1", Node: "2", FQDN: "sip.example.test", Address: "192.0.2.10", PublicAddress: "203.0.113.10", Published: true}
	if !reflect.DeepEqual(s.Proxies["nethvoice-proxy1"], want) {
		t.Errorf("proxy %+v", s.Proxies["nethvoice-proxy1"])
	}
	if !reflect.DeepEqual(s.TraefikHosts["traefik1"], []string{"leader.example.test", "mail.example.test"}) {
		t.Errorf("traefik hosts %v", s.TraefikHosts)
	}
	if !reflect.DeepEqual(s.NethVoice, []NethVoiceInstance{{ID: "nethvoice1", Node: "2", Host: "voice.example.test", CTIHost: "cti.example.test"}}) {
		t.Errorf("nethvoice %+v", s.NethVoice)
	}
	if !reflect.DeepEqual(s.Admins, []string{"ns7admin3"}) || s.AdminsErr != "" {
		t.Errorf("admins %v %q", s.Admins, s.AdminsErr)
	}
	var names []string
	for _, d := range s.Domains {
		names = append(names, d.Name+"/"+d.Location)
	}
	if !reflect.DeepEqual(names, []string{"ad.example.test/internal", "corp.example.test/external", "directory.example.test/internal"}) {
		t.Fatalf("domains %v", names)
	}
	dir, corp, ad := s.Domains[2], s.Domains[1], s.Domains[0]
	if dir.Schema != "rfc2307" || dir.BaseDN != "dc=directory,dc=example,dc=test" || len(dir.Providers) != 1 || dir.Providers[0].Port != "20000" || dir.TLS {
		t.Errorf("internal domain %+v", dir)
	}
	if !corp.TLS || !corp.TLSVerify || len(corp.Providers) != 2 || corp.Providers[0].Host != "192.0.2.30" || corp.Providers[1].Host != "[2001:db8::30]" {
		t.Errorf("external domain %+v", corp)
	}
	if !reflect.DeepEqual(ad.Unconfigured, []string{"samba1"}) || len(ad.Providers) != 0 {
		t.Errorf("claimed domain %+v", ad)
	}
	raw, _ := json.Marshal(s)
	if strings.Contains(string(raw), "never-read") {
		t.Error("a bind password was read")
	}
	if strings.Contains(string(raw), "ns7.example.test") {
		t.Error("the old NS7 facts key was read")
	}
}

func TestReadEmptyAndBroken(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	s, err := Read(context.Background(), rdb)
	if err != nil || s.Leader != "" || len(s.Nodes) != 0 || s.Domains == nil {
		t.Fatalf("an empty database is an empty snapshot: %v %+v", err, s)
	}
	mr.Set("cluster/module_node", "a string, not a hash")
	if _, err := Read(context.Background(), rdb); err == nil {
		t.Fatal("a damaged cluster/module_node must fail the read")
	}
	mr.Close()
	if _, err := Read(context.Background(), rdb); err == nil {
		t.Fatal("a server that is gone must fail the read")
	}
}

func TestImageName(t *testing.T) {
	for in, want := range map[string]string{
		"ghcr.io/nethesis/nethvoice-proxy:1.2.3": "nethvoice-proxy", "ghcr.io/nethesis/nethvoice@sha256:abc": "nethvoice",
		"traefik": "traefik", "": "",
	} {
		if got := ImageName(in); got != want {
			t.Errorf("ImageName(%q) = %q, want %q", in, got, want)
		}
	}
}
