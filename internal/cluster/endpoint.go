package cluster

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// SplitEndpoint splits a node's VPN endpoint (node/<id>/vpn endpoint) into
// its host and port as the ones who read it need it: ns8-core stores it
// in "hostname:port" form (create-cluster validate-input.json), and NS7's
// ns8-join splits the leader's at every ':' into exactly a host and a
// port, then resolves that host and port for IPv4 (nethserver-ns8-migration
// ns8-join: rsplit(':'), getaddrinfo). problem says why ep is not such an
// endpoint ("" when it is): no port, a port that is not 1-65535, not
// host:port, a host in brackets (ns8-join cannot resolve "[h]"; the
// checks say more of an IPv6 address), a port with a sign or a leading 0.
func SplitEndpoint(ep string) (host, port, problem string) {
	h, p, err := net.SplitHostPort(ep)
	if err != nil {
		if !strings.Contains(ep, ":") {
			return ep, "", fmt.Sprintf("%q has no port (host:port): NS7's ns8-join splits it at ':' and stops", ep)
		}
		return strings.Trim(ep, "[]"), "", fmt.Sprintf("%q is not host:port", ep)
	}
	if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 || !digitsOnly(p) || p[0] == '0' {
		return h, p, fmt.Sprintf("%q: port %q is not 1-65535", ep, p)
	}
	if strings.HasPrefix(ep, "[") {
		return h, p, fmt.Sprintf("%q puts its host in brackets: NS7's ns8-join splits it at ':' and cannot resolve a bracketed host", ep)
	}
	return h, p, ""
}

// digitsOnly is true for a string of ASCII digits (Atoi also takes a sign).
func digitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
