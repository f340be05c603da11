// Package ldapprobe collects reachability facts of one LDAP server, the way
// NS8 will talk to it: a TCP connection from this node, TLS from the first
// byte (LDAPS, what NS8's use_ssl means) when the domain says tls, the
// certificate checked against the system roots, and an anonymous read of
// the root DSE for the naming contexts the server holds. It never binds, so
// no password is needed or seen. Every step runs under the context's
// deadline; the result says which step failed and how, for the evaluators
// in internal/domaincheck to judge.
package ldapprobe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Target is one LDAP server to probe.
type Target struct {
	Host string `json:"host"`
	Port int    `json:"port"`
	// TLS selects LDAPS; TLSVerify makes an untrusted certificate fatal
	// (otherwise its verification error is only recorded).
	TLS       bool   `json:"tls"`
	TLSVerify bool   `json:"tls_verify"`
	BaseDN    string `json:"base_dn"`
}

// Addr is host:port.
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// Stage is the step a probe stopped at.
type Stage string

const (
	StageResolve Stage = "resolve"
	StageTCP     Stage = "tcp"
	StageTLS     Stage = "tls"
	StageLDAP    Stage = "ldap"
)

// Kinds of failure, in the vocabulary of NS8's add-external-domain errors
// where one applies.
const (
	KindDNS         = "dns"                // the host name does not resolve
	KindRefused     = "refused"            // RST: nothing listens, or a rejecting firewall
	KindTimeout     = "timeout"            // no answer before the deadline
	KindUnreachable = "unreachable"        // no route to the host or network
	KindCertificate = "certificate"        // invalid_tls_certificate
	KindHandshake   = "handshake"          // TLS spoken to a non-TLS port, or the reverse
	KindNotLDAP     = "not-ldap"           // wrong_service_port_or_tls_setting
	KindRootDSE     = "rootdse-unreadable" // LDAP answers, but not the anonymous root DSE read
	KindOther       = "generic"            // generic_host_connection_error
	KindClosed      = "closed-by-server"   // connection closed before any LDAP answer
	KindBadTarget   = "invalid-target"     // nothing to probe (no host or port)
	kindCanceled    = "canceled"           // the caller gave up (not a deadline)
	defaultDeadline = 10 * time.Second
)

// Result is what was learned of one target. Err is empty when the root DSE
// was read; Stage and Kind then are empty too.
type Result struct {
	Target
	// Addresses the host name resolved to (the host itself for an IP).
	Addresses []string `json:"addresses,omitempty"`
	// Connected is the address the TCP connection reached.
	Connected string `json:"connected,omitempty"`
	Stage     Stage  `json:"failed_stage,omitempty"`
	Kind      string `json:"error_kind,omitempty"`
	Err       string `json:"error,omitempty"`
	// TLS facts: protocol version, the leaf certificate's subject and
	// issuer, and why it does not verify against this node's roots (empty
	// when it does), recorded whatever TLSVerify says.
	TLSVersion      string `json:"tls_version,omitempty"`
	CertSubject     string `json:"certificate_subject,omitempty"`
	CertIssuer      string `json:"certificate_issuer,omitempty"`
	CertVerifyError string `json:"certificate_error,omitempty"`
	// Root DSE facts.
	NamingContexts       []string `json:"naming_contexts,omitempty"`
	DefaultNamingContext string   `json:"default_naming_context,omitempty"`
	Vendor               string   `json:"vendor,omitempty"`
	DurationMs           int64    `json:"duration_ms"`
}

// OK is true when the root DSE was read.
func (r Result) OK() bool { return r.Err == "" }

// Prober probes targets; the zero value uses the system resolver, dialer and
// roots (SSL_CERT_FILE and SSL_CERT_DIR are honoured, as by OpenSSL).
type Prober struct {
	// Roots overrides the system roots (tests).
	Roots *x509.CertPool
	// Resolver overrides net.DefaultResolver (tests).
	Resolver *net.Resolver
}

// Probe runs the steps on t until one fails or the root DSE is read, all
// bounded by ctx (a default deadline applies when ctx has none).
func (p Prober) Probe(ctx context.Context, t Target) (r Result) {
	start := time.Now()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultDeadline)
		defer cancel()
	}
	r = Result{Target: t}
	defer func() { r.DurationMs = time.Since(start).Milliseconds() }()
	if t.Host == "" || t.Port <= 0 || t.Port > 65535 {
		r.fail(StageResolve, KindBadTarget, fmt.Errorf("no host or port to probe (%q)", t.Addr()))
		return r
	}
	addrs, err := p.resolve(ctx, t.Host)
	r.Addresses = addrs
	if err != nil {
		r.fail(StageResolve, classify(ctx, err, KindDNS), err)
		return r
	}
	conn, err := p.dial(ctx, addrs, t.Port)
	if err != nil {
		r.fail(StageTCP, classify(ctx, err, KindOther), err)
		return r
	}
	defer conn.Close()
	r.Connected = conn.RemoteAddr().String()
	// One deadline for everything the connection does from here on: a
	// server that accepts and then stays silent cannot hold the probe.
	dl, _ := ctx.Deadline()
	conn.SetDeadline(dl)
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()

	if t.TLS {
		tc, err := p.handshake(ctx, conn, &r)
		if err != nil {
			return r
		}
		conn = tc
	}
	p.rootDSE(ctx, conn, &r)
	return r
}

func (r *Result) fail(s Stage, kind string, err error) {
	r.Stage, r.Kind, r.Err = s, kind, err.Error()
}

// resolve returns the addresses of host in a stable order (IPv4 first,
// since NS8 nodes and the VPN are IPv4); an IP is returned as it is.
func (p Prober) resolve(ctx context.Context, host string) ([]string, error) {
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		return []string{ip.String()}, nil
	}
	res := p.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	ips, err := res.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ips))
	for _, ip := range ips {
		out = append(out, ip.IP.String())
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.Contains(out[j], ":") && !strings.Contains(out[i], ":")
	})
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no address", host)
	}
	return out, nil
}

// Resolve is the resolution step alone, for comparing a server named in
// one place with the addresses of another.
func (p Prober) Resolve(ctx context.Context, host string) ([]string, error) {
	return p.resolve(ctx, host)
}

// dial tries each address in turn; the last error is returned.
func (p Prober) dial(ctx context.Context, addrs []string, port int) (net.Conn, error) {
	var d net.Dialer
	var last error
	for _, a := range addrs {
		c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(a, strconv.Itoa(port)))
		if err == nil {
			return c, nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, last
}

// handshake speaks TLS on conn. Verification is done by hand so that its
// outcome is recorded even when tls_verify is off; it is fatal only when on.
func (p Prober) handshake(ctx context.Context, conn net.Conn, r *Result) (*tls.Conn, error) {
	host := strings.Trim(r.Host, "[]")
	cfg := &tls.Config{
		InsecureSkipVerify: true, // verified below, against the same roots and name
		MinVersion:         tls.VersionTLS12,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the server sent no certificate")
			}
			leaf := cs.PeerCertificates[0]
			r.CertSubject, r.CertIssuer = leaf.Subject.String(), leaf.Issuer.String()
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: p.Roots, Intermediates: inter})
			if err != nil {
				r.CertVerifyError = err.Error()
				if r.TLSVerify {
					return &certError{err}
				}
			}
			return nil
		},
	}
	if net.ParseIP(host) == nil {
		cfg.ServerName = host
	}
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		var ce *certError
		switch {
		case errors.As(err, &ce):
			r.fail(StageTLS, KindCertificate, ce.err)
		case ctx.Err() != nil || isTimeout(err):
			r.fail(StageTLS, KindTimeout, fmt.Errorf("no TLS handshake before the deadline: %w", err))
		default:
			r.fail(StageTLS, KindHandshake, err)
		}
		return nil, err
	}
	st := tc.ConnectionState()
	r.TLSVersion = tls.VersionName(st.Version)
	return tc, nil
}

type certError struct{ err error }

func (e *certError) Error() string { return e.err.Error() }

// rootDSE reads the root DSE anonymously (no bind: LDAPv3 allows it).
func (p Prober) rootDSE(ctx context.Context, conn net.Conn, r *Result) {
	lc := ldap.NewConn(conn, r.TLS)
	lc.Start()
	defer lc.Close()
	if dl, ok := ctx.Deadline(); ok {
		lc.SetTimeout(time.Until(dl))
	}
	req := ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"namingContexts", "defaultNamingContext", "vendorName", "vendorVersion"}, nil)
	res, err := lc.Search(req)
	if err != nil {
		var le *ldap.Error
		switch {
		case ctx.Err() != nil || isTimeout(err):
			r.fail(StageLDAP, KindTimeout, fmt.Errorf("no LDAP answer before the deadline: %w", err))
		case errors.As(err, &le) && le.ResultCode < ldap.ErrorNetwork && le.ResultCode != ldap.LDAPResultSuccess:
			// The server speaks LDAP and said no.
			r.fail(StageLDAP, KindRootDSE, err)
		case isClosed(err):
			r.fail(StageLDAP, KindClosed, err)
		default:
			r.fail(StageLDAP, KindNotLDAP, err)
		}
		return
	}
	if len(res.Entries) == 0 {
		r.fail(StageLDAP, KindRootDSE, errors.New("the root DSE read returned no entry"))
		return
	}
	e := res.Entries[0]
	r.NamingContexts = e.GetAttributeValues("namingContexts")
	r.DefaultNamingContext = e.GetAttributeValue("defaultNamingContext")
	r.Vendor = strings.TrimSpace(e.GetAttributeValue("vendorName") + " " + e.GetAttributeValue("vendorVersion"))
}

// classify names a dial or resolve error.
func classify(ctx context.Context, err error, fallback string) string {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, context.Canceled) && !errors.Is(ctx.Err(), context.DeadlineExceeded):
		return kindCanceled
	case ctx.Err() != nil || isTimeout(err):
		return KindTimeout
	case errors.As(err, &dnsErr):
		return KindDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return KindRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return KindUnreachable
	}
	return fallback
}

// isTimeout and isClosed also read the text: go-ldap formats the network
// errors of its reader with %s, which drops the wrapped error, and its
// request timer (set to the same deadline) may fire first.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) ||
		(err != nil && (strings.Contains(err.Error(), "i/o timeout") || strings.Contains(err.Error(), "deadline exceeded") ||
			strings.Contains(err.Error(), "timed out"))) // go-ldap's own request timeout
}

func isClosed(err error) bool {
	return err != nil && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "connection closed") || strings.Contains(err.Error(), "EOF") ||
		strings.Contains(err.Error(), "connection reset"))
}

// BaseDNServed reports whether dn is one of the naming contexts or lies
// under one (DNs compared as DNs: case and spacing do not matter).
func BaseDNServed(dn string, contexts []string) bool {
	want, err := ldap.ParseDN(dn)
	if err != nil || len(want.RDNs) == 0 {
		return false
	}
	for _, c := range contexts {
		nc, err := ldap.ParseDN(c)
		if err != nil || len(nc.RDNs) == 0 {
			continue
		}
		if nc.EqualFold(want) || nc.AncestorOfFold(want) {
			return true
		}
	}
	return false
}

// SameDN compares two DNs as DNs (case and spacing insignificant); an
// unparsable DN equals only the same text.
func SameDN(a, b string) bool {
	da, err1 := ldap.ParseDN(a)
	db, err2 := ldap.ParseDN(b)
	if err1 != nil || err2 != nil {
		return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
	}
	return da.EqualFold(db)
}
