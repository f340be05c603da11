package dnsprobe

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"

	"github.com/miekg/dns"
)

// ResolvConf is where the node's own resolvers are configured.
const ResolvConf = "/etc/resolv.conf"

// SystemResolvers reads the nameserver lines of a resolv.conf file as
// ip:port (the port is always 53 there).
func SystemResolvers(path string) ([]string, error) {
	cc, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range cc.Servers {
		if r, err := ParseResolver(s); err == nil && indexOf(out, r) < 0 {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s lists no nameserver", path)
	}
	return out, nil
}

// ParseResolver normalizes a resolver given as ip, ip:port, [ipv6] or
// [ipv6]:port to ip:port (port 53 by default). A bare IPv6 address is an
// address, never address and port.
func ParseResolver(s string) (string, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return net.JoinHostPort(a.String(), "53"), nil
	}
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return net.JoinHostPort(a.String(), "53"), nil
		}
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("%q is not ip, ip:port or [ipv6]:port", s)
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return "", fmt.Errorf("%q: %q is not an IP address", s, host)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("%q: port %q is not 1-65535", s, port)
	}
	return net.JoinHostPort(a.String(), port), nil
}

// LocalAddr is an address of this machine and where it was found.
type LocalAddr struct {
	IP     string `json:"ip"`
	Source string `json:"source"`
}

// InterfaceAddresses lists the addresses clients could reach this machine
// on: interfaces that are up, without loopback, link-local and multicast
// addresses (a DNS record never points there).
func InterfaceAddresses() ([]LocalAddr, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []LocalAddr
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			pfx, err := netip.ParsePrefix(a.String())
			if err != nil {
				continue
			}
			ip := pfx.Addr().Unmap()
			if !Routable(ip) {
				continue
			}
			out = append(out, LocalAddr{IP: ip.String(), Source: "interface " + ifc.Name})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].IP < out[j].IP })
	return out, nil
}

// Routable reports whether a DNS record may sensibly point at ip.
func Routable(ip netip.Addr) bool {
	return ip.IsValid() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() && !ip.IsMulticast() && !ip.IsUnspecified()
}
