// Package fqdncheck judges the FQDNs of a NethVoice migration: pure
// functions from collected facts (the planned names, the DNS answers of
// package dnsprobe, the cluster snapshot, the node's addresses) to the
// findings of validate-fqdns, one function per check id.
package fqdncheck

import (
	"net/netip"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/dnsprobe"
)

// Phases of validate-fqdns.
const (
	Plan    = "plan"    // before the cutover: names chosen, free, TTL lowered
	Cutover = "cutover" // after Finish: records point to the node everywhere
)

// Roles of the planned names, in display order.
const (
	RoleNethVoice = "nethvoice"
	RoleCTI       = "cti"
	RoleProxy     = "proxy"
)

// MaxTTL is the longest TTL that lets a cutover take effect within an hour.
const MaxTTL = 3600

// Planned is one FQDN of the plan, as given and as checked.
type Planned struct {
	Role  string `json:"role"`
	Input string `json:"input"`
	Syntax
}

// NodeAddr is an address of the destination node and where it was found.
type NodeAddr = dnsprobe.LocalAddr

// Facts is everything validate-fqdns judges.
type Facts struct {
	Phase       string
	LetsEncrypt bool
	Planned     []Planned

	Resolvers       []string // ip:port, asked recursively
	ResolversSource string   // where they come from (input, settings, /etc/resolv.conf)
	ResolversErr    string   // why there are none
	// DNS holds the answers per checked name (Syntax.ASCII); a missing
	// entry means the name was not queried, DNSErr says why.
	DNS    map[string]*dnsprobe.NameFacts
	DNSErr string

	// NodeAddrs are the destination node's addresses, preferred first;
	// NodeAddrsOverride is set when they are the expected_addresses given.
	NodeAddrs         []NodeAddr
	NodeAddrsOverride bool
	NodeAddrsNote     string // what could not be used, for messages

	cluster.State
	NethVoice []cluster.NethVoiceInstance
	Dest      string // destination node id

	// Endpoint is how the resolvers answer for the host of the leader's
	// VPN endpoint (nil: not a host name, or no cluster).
	Endpoint *dnsprobe.NameFacts
}

// subject is one distinct planned name with every role it plays.
type subject struct {
	Name  string // the finding subject: ASCII form, or the input when invalid
	Input string
	Roles []string
	Syntax
}

// subjects merges the planned names by Key, in role order.
func (f Facts) subjects() []subject {
	var out []subject
	idx := map[string]int{}
	for _, p := range f.Planned {
		k := Key(p.Input, p.Syntax)
		if i, ok := idx[k]; ok {
			out[i].Roles = append(out[i].Roles, p.Role)
			continue
		}
		name := p.ASCII
		if !p.Valid() {
			name = sanitize(p.Input)
		}
		idx[k] = len(out)
		out = append(out, subject{Name: name, Input: p.Input, Roles: []string{p.Role}, Syntax: p.Syntax})
	}
	return out
}

func (s subject) has(role string) bool {
	for _, r := range s.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// nodeSet is the set of node addresses, in canonical text form.
func (f Facts) nodeSet() map[string]bool {
	m := map[string]bool{}
	for _, a := range f.NodeAddrs {
		m[canonIP(a.IP)] = true
	}
	return m
}

// nodeIPs lists the node's addresses of one family (4 or 6), preferred first.
func (f Facts) nodeIPs(family int) []string {
	var out []string
	for _, a := range f.NodeAddrs {
		ip, err := netip.ParseAddr(a.IP)
		if err != nil || (family == 4) != ip.Unmap().Is4() {
			continue
		}
		out = append(out, ip.Unmap().String())
	}
	return out
}

// describeNode lists the node's addresses with their sources.
func (f Facts) describeNode() string {
	var parts []string
	for _, a := range f.NodeAddrs {
		parts = append(parts, a.IP+" ("+a.Source+")")
	}
	return strings.Join(parts, ", ")
}

func canonIP(s string) string {
	if ip, err := netip.ParseAddr(s); err == nil {
		return ip.Unmap().String()
	}
	return s
}

// sanitize keeps a value quoted in a subject or message printable and short.
func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			r = '?'
		}
		b.WriteRune(r)
		if b.Len() > 260 {
			b.WriteString("...")
			break
		}
	}
	return b.String()
}
