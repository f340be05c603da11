package ldapprobe_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ldapprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/ldapworld"
)

const suffix = "dc=corp,dc=example,dc=test"

func probe(t *testing.T, p ldapprobe.Prober, tg ldapprobe.Target, limit time.Duration) ldapprobe.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	start := time.Now()
	r := p.Probe(ctx, tg)
	if el := time.Since(start); el > limit+300*time.Millisecond {
		t.Errorf("probe took %s with a %s deadline", el, limit)
	}
	return r
}

func caPool(t *testing.T, w *ldapworld.World) *x509.CertPool {
	pem, err := os.ReadFile(w.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return pool
}

// Against a real slapd: plain LDAP and LDAPS, verified or not, the root
// DSE's naming contexts; the TLS setting mismatched with the port; a
// silent and a refusing address.
func TestProbeSlapd(t *testing.T) {
	w := ldapworld.New(t)
	s := w.Start(suffix)
	trusted := ldapprobe.Prober{Roots: caPool(t, w)}
	untrusted := ldapprobe.Prober{Roots: x509.NewCertPool()}
	silentHost, silentPort := w.Silent()
	refHost, refPort := w.Refusing()
	cases := []struct {
		name   string
		p      ldapprobe.Prober
		tg     ldapprobe.Target
		stage  ldapprobe.Stage
		kind   string
		certOK bool
	}{
		{"plain", trusted, ldapprobe.Target{Host: s.Host, Port: s.Port, BaseDN: suffix}, "", "", true},
		{"ldaps verified", trusted, ldapprobe.Target{Host: s.Host, Port: s.TLSPort, TLS: true, TLSVerify: true, BaseDN: suffix}, "", "", true},
		{"ldaps untrusted, verify off", untrusted, ldapprobe.Target{Host: s.Host, Port: s.TLSPort, TLS: true, BaseDN: suffix}, "", "", false},
		{"ldaps untrusted, verify on", untrusted, ldapprobe.Target{Host: s.Host, Port: s.TLSPort, TLS: true, TLSVerify: true}, ldapprobe.StageTLS, ldapprobe.KindCertificate, false},
		{"tls to the plain port", trusted, ldapprobe.Target{Host: s.Host, Port: s.Port, TLS: true, TLSVerify: true}, ldapprobe.StageTLS, ldapprobe.KindHandshake, true},
		{"plain to the ldaps port", trusted, ldapprobe.Target{Host: s.Host, Port: s.TLSPort}, ldapprobe.StageLDAP, ldapprobe.KindClosed, true},
		{"silent", trusted, ldapprobe.Target{Host: silentHost, Port: silentPort}, ldapprobe.StageTCP, ldapprobe.KindTimeout, true},
		{"refused", trusted, ldapprobe.Target{Host: refHost, Port: refPort}, ldapprobe.StageTCP, ldapprobe.KindRefused, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := probe(t, c.p, c.tg, time.Second)
			if r.Stage != c.stage || r.Kind != c.kind {
				t.Fatalf("stage %q kind %q err %q", r.Stage, r.Kind, r.Err)
			}
			if c.kind == "" {
				if len(r.NamingContexts) != 1 || r.NamingContexts[0] != suffix || !ldapprobe.BaseDNServed(suffix, r.NamingContexts) {
					t.Fatalf("naming contexts %v", r.NamingContexts)
				}
				if r.Connected == "" || len(r.Addresses) != 1 || r.Addresses[0] != s.Host {
					t.Fatalf("%+v", r)
				}
			}
			if c.tg.TLS && c.kind == "" && (r.CertVerifyError == "") != c.certOK {
				t.Fatalf("certificate error %q", r.CertVerifyError)
			}
			if c.tg.TLS && c.kind == "" && (r.TLSVersion == "" || !strings.Contains(r.CertIssuer, "ldapworld test CA")) {
				t.Fatalf("TLS facts %+v", r)
			}
		})
	}
}

// A server that refuses the anonymous root DSE read speaks LDAP all the
// same: the probe says so, not "unreachable".
func TestProbeHiddenRootDSE(t *testing.T) {
	w := ldapworld.New(t)
	s := w.StartWith(ldapworld.Options{Suffix: suffix, HideRootDSE: true})
	r := probe(t, ldapprobe.Prober{}, ldapprobe.Target{Host: s.Host, Port: s.Port, BaseDN: suffix}, time.Second)
	if r.Stage != ldapprobe.StageLDAP || r.Kind != ldapprobe.KindRootDSE {
		t.Fatalf("%+v", r)
	}
}

// fakeServer accepts connections and hands each to serve.
func fakeServer(t *testing.T, serve func(net.Conn)) (string, int) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); serve(c) }()
		}
	}()
	a := l.Addr().(*net.TCPAddr)
	return a.IP.String(), a.Port
}

// Servers that are not LDAP servers: one that accepts and stays silent
// (the deadline bounds the read), one that speaks another protocol.
func TestProbeNotLDAP(t *testing.T) {
	hold := make(chan struct{})
	t.Cleanup(func() { close(hold) })
	h, p := fakeServer(t, func(c net.Conn) { <-hold })
	r := probe(t, ldapprobe.Prober{}, ldapprobe.Target{Host: h, Port: p}, 500*time.Millisecond)
	if r.Stage != ldapprobe.StageLDAP || r.Kind != ldapprobe.KindTimeout {
		t.Errorf("silent after accept: %+v", r)
	}
	h, p = fakeServer(t, func(c net.Conn) {
		c.Write([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"))
		time.Sleep(200 * time.Millisecond)
	})
	r = probe(t, ldapprobe.Prober{}, ldapprobe.Target{Host: h, Port: p}, time.Second)
	if r.Stage != ldapprobe.StageLDAP || (r.Kind != ldapprobe.KindNotLDAP && r.Kind != ldapprobe.KindClosed) {
		t.Errorf("HTTP server: %+v", r)
	}
}

// Name resolution failures are reported as such, with no traffic leaving
// the machine: the resolver's transport is refused in-process.
func TestProbeDNS(t *testing.T) {
	res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		return nil, errors.New("no DNS in this test")
	}}
	r := probe(t, ldapprobe.Prober{Resolver: res}, ldapprobe.Target{Host: "ldap.corp.example.test", Port: 636, TLS: true}, time.Second)
	if r.Stage != ldapprobe.StageResolve || r.Kind != ldapprobe.KindDNS {
		t.Errorf("%+v", r)
	}
	r = probe(t, ldapprobe.Prober{}, ldapprobe.Target{Host: "", Port: 636}, time.Second)
	if r.Kind != ldapprobe.KindBadTarget {
		t.Errorf("%+v", r)
	}
}

func TestDNHelpers(t *testing.T) {
	for _, c := range []struct {
		dn       string
		contexts []string
		want     bool
	}{
		{"dc=corp,dc=example,dc=test", []string{"dc=corp,dc=example,dc=test"}, true},
		{"DC=Corp, DC=Example, DC=Test", []string{"dc=corp,dc=example,dc=test"}, true},
		{"ou=people,dc=corp,dc=example,dc=test", []string{"dc=corp,dc=example,dc=test"}, true},
		{"dc=example,dc=test", []string{"dc=corp,dc=example,dc=test"}, false},
		{"dc=corp,dc=example,dc=test", []string{"dc=other,dc=test", "CN=Configuration,dc=corp"}, false},
		{"dc=corp", nil, false},
		{"not a dn", []string{"dc=corp"}, false},
	} {
		if got := ldapprobe.BaseDNServed(c.dn, c.contexts); got != c.want {
			t.Errorf("BaseDNServed(%q, %v) = %v", c.dn, c.contexts, got)
		}
	}
	if !ldapprobe.SameDN("dc=Corp, dc=example", "DC=corp,DC=example") || ldapprobe.SameDN("dc=corp", "dc=corp,dc=x") {
		t.Error("SameDN")
	}
}
