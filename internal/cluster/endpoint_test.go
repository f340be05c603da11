package cluster

import "testing"

func TestSplitEndpoint(t *testing.T) {
	for _, c := range []struct{ ep, host, port, problem string }{
		{"leader.example.com:55820", "leader.example.com", "55820", ""},
		{"198.51.100.10:60000", "198.51.100.10", "60000", ""},
		{"[2001:db8::1]:55820", "2001:db8::1", "55820", `"[2001:db8::1]:55820" puts its host in brackets: NS7's ns8-join splits it at ':' and cannot resolve a bracketed host`},
		{"[10.0.0.1]:55820", "10.0.0.1", "55820", `"[10.0.0.1]:55820" puts its host in brackets: NS7's ns8-join splits it at ':' and cannot resolve a bracketed host`},
		{"leader.example.com:+55820", "leader.example.com", "+55820", `"leader.example.com:+55820": port "+55820" is not 1-65535`},
		{"leader.example.com:055820", "leader.example.com", "055820", `"leader.example.com:055820": port "055820" is not 1-65535`},
		{"leader.example.com", "leader.example.com", "", `"leader.example.com" has no port (host:port): NS7's ns8-join splits it at ':' and stops`},
		{"leader.example.com:99999", "leader.example.com", "99999", `"leader.example.com:99999": port "99999" is not 1-65535`},
		{"leader.example.com:0", "leader.example.com", "0", `"leader.example.com:0": port "0" is not 1-65535`},
		{"leader.example.com:vpn", "leader.example.com", "vpn", `"leader.example.com:vpn": port "vpn" is not 1-65535`},
		{"leader.example.com:55820:1", "leader.example.com:55820:1", "", `"leader.example.com:55820:1" is not host:port`},
		{"", "", "", `"" has no port (host:port): NS7's ns8-join splits it at ':' and stops`},
	} {
		h, p, problem := SplitEndpoint(c.ep)
		if h != c.host || p != c.port || problem != c.problem {
			t.Errorf("%q: %q %q %q", c.ep, h, p, problem)
		}
	}
}
