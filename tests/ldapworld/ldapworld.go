// Package ldapworld starts, for tests, the LDAP servers the user domain
// checks talk to: Debian's slapd (the real OpenLDAP server, not the system
// instance) serving one suffix on a loopback address of its own, in plain
// LDAP and LDAPS with a certificate from a throw-away CA; and addresses that
// never answer or refuse, for unreachable providers. Everything listens on
// 127.0.0.0/8 only and is stopped and removed when the test ends.
//
//	w := ldapworld.New(t)                         // a CA for the test
//	corp := w.Start("dc=corp,dc=example,dc=test") // slapd: corp.Addr() LDAP, corp.TLSAddr() LDAPS
//	other := w.Start("dc=other,dc=test")          // "another directory"
//	host, port := w.Silent()                      // connects never complete
//	host, port = w.Refusing()                     // connects are refused
//	w.CAFile                                      // PEM of the CA (SSL_CERT_FILE)
//
// Debian's slapd (package slapd) runs in the foreground from a generated
// slapd.conf (mdb backend, core schema) in the test's temp dir; the
// system instance is never used.
package ldapworld

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// SlapdBin and SlapaddBin are the Debian slapd package's programs.
var (
	SlapdBin   = "/usr/sbin/slapd"
	SlapaddBin = "/usr/sbin/slapadd"
	// ModulePath holds Debian's dynamically loaded backends (back_mdb).
	ModulePath = "/usr/lib/ldap"
	// SchemaDir holds core.schema (dcObject, organization).
	SchemaDir = "/etc/ldap/schema"
)

// World is a throw-away CA and the servers started with it.
type World struct {
	t      testing.TB
	dir    string
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	// CAFile is the PEM file of the CA that signed every server certificate:
	// give it to a client as SSL_CERT_FILE to make tls_verify pass.
	CAFile string

	mu    sync.Mutex
	hosts map[string]bool
}

// Available reports whether slapd is installed; tests/run.sh installs it.
func Available() bool {
	_, err1 := os.Stat(SlapdBin)
	_, err2 := os.Stat(SlapaddBin)
	return err1 == nil && err2 == nil
}

// New makes the CA of a test. Without slapd the test is skipped, except in
// CI (CI set), where a missing server is a failure, not a silent pass.
func New(t testing.TB) *World {
	t.Helper()
	if !Available() {
		if os.Getenv("CI") != "" {
			t.Fatalf("ldapworld: %s not found; tests/run.sh installs the slapd package", SlapdBin)
		}
		t.Skipf("ldapworld: %s not found (apt-get install slapd ldap-utils)", SlapdBin)
	}
	w := &World{t: t, dir: t.TempDir(), hosts: map[string]bool{}}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "ldapworld test CA", Organization: []string{"nethvoice-preflight tests"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	w.caCert, _ = x509.ParseCertificate(der)
	w.caKey = key
	w.CAFile = filepath.Join(w.dir, "ca.pem")
	writePEM(t, w.CAFile, "CERTIFICATE", der, 0o644)
	return w
}

// Server is one running slapd.
type Server struct {
	// Suffix is the naming context the server publishes in its root DSE.
	Suffix string
	// Host is the loopback address the server listens on, alone.
	Host string
	// Port serves plain LDAP, TLSPort LDAPS.
	Port    int
	TLSPort int

	cmd    *exec.Cmd
	done   chan struct{}
	stderr *bytes.Buffer
}

// Addr is host:port of plain LDAP; TLSAddr of LDAPS.
func (s *Server) Addr() string    { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }
func (s *Server) TLSAddr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.TLSPort)) }

// URI is the ldap:// URI; TLSURI the ldaps:// one.
func (s *Server) URI() string    { return "ldap://" + s.Addr() }
func (s *Server) TLSURI() string { return "ldaps://" + s.TLSAddr() }

// Options shape a server.
type Options struct {
	// Suffix is the naming context (a dc= DN; its base entry is created).
	Suffix string
	// HideRootDSE denies anonymous reads of the root DSE, as some hardened
	// servers do.
	HideRootDSE bool
}

// Start runs slapd serving suffix on a fresh loopback address, in plain
// LDAP and LDAPS, and waits until both ports accept connections. Anonymous
// users may read the root DSE and the entries, as with slapd's default
// access policy.
func (w *World) Start(suffix string) *Server {
	w.t.Helper()
	return w.StartWith(Options{Suffix: suffix})
}

// StartWith is Start with options.
func (w *World) StartWith(o Options) *Server {
	t := w.t
	t.Helper()
	suffix := o.Suffix
	host := w.freeHost()
	s := &Server{Suffix: suffix, Host: host, Port: freePort(t, host), TLSPort: freePort(t, host), done: make(chan struct{}), stderr: &bytes.Buffer{}}
	dir := filepath.Join(w.dir, "slapd-"+host)
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	w.serverCert(t, dir, host)
	conf := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(conf, []byte(slapdConf(dir, suffix, o.HideRootDSE)), 0o600); err != nil {
		t.Fatal(err)
	}
	ldif := filepath.Join(dir, "base.ldif")
	if err := os.WriteFile(ldif, []byte(baseLDIF(suffix)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(SlapaddBin, "-f", conf, "-l", ldif).CombinedOutput(); err != nil {
		t.Fatalf("ldapworld: slapadd: %v\n%s", err, out)
	}
	// -d keeps slapd in the foreground (its output goes to stderr, level 0
	// prints only errors), so the test owns the process and its lifetime.
	s.cmd = exec.Command(SlapdBin, "-d", "0", "-f", conf, "-h", fmt.Sprintf("%s/ %s/", s.URI(), s.TLSURI()))
	s.cmd.Stdout, s.cmd.Stderr = s.stderr, s.stderr
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("ldapworld: start slapd: %v", err)
	}
	go func() { s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.Stop)
	for _, addr := range []string{s.Addr(), s.TLSAddr()} {
		if err := waitListening(addr, s.done, 10*time.Second); err != nil {
			t.Fatalf("ldapworld: slapd on %s: %v\n%s", addr, err, s.stderr.String())
		}
	}
	return s
}

// Stop ends slapd (SIGTERM, then SIGKILL after 5 s); a stopped server's
// addresses refuse connections.
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// Silent returns host:port of a TCP listener whose accept queue is full and
// is never accepted from: the kernel drops further SYNs, so a connect to it
// hangs until the client's deadline, as to a host behind a dropping
// firewall. It is closed when the test ends.
func (w *World) Silent() (string, int) {
	t := w.t
	t.Helper()
	host := w.freeHost()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	ip := net.ParseIP(host).To4()
	sa := &syscall.SockaddrInet4{}
	copy(sa.Addr[:], ip)
	if err := syscall.Bind(fd, sa); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	bound, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	port := bound.(*syscall.SockaddrInet4).Port
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	// Fill the accept queue: connections complete until it is full; the
	// first one that does not complete within 300 ms proves the silence.
	// Bounded: a backlog of 0 holds one or two connections.
	for i := 0; i < 16; i++ {
		c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return host, port
			}
			t.Fatalf("ldapworld: silent listener: %v", err)
		}
		t.Cleanup(func() { c.Close() })
	}
	t.Fatal("ldapworld: the silent listener kept accepting connections")
	return "", 0
}

// Refusing returns host:port where nothing listens: connections are
// refused at once.
func (w *World) Refusing() (string, int) {
	w.t.Helper()
	host := w.freeHost()
	return host, freePort(w.t, host)
}

// freeHost picks a loopback address no other server of this world uses, in
// 127.100.0.0/14, away from 127.0.0.1 and 127.0.0.53 (resolver stubs) and
// from the addresses other test worlds tend to use.
func (w *World) freeHost() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	for {
		h := fmt.Sprintf("127.%d.%d.%d", 100+mrand.IntN(4), mrand.IntN(256), 2+mrand.IntN(250))
		if !w.hosts[h] {
			w.hosts[h] = true
			return h
		}
	}
}

func freePort(t testing.TB, host string) int {
	t.Helper()
	l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("ldapworld: no free port on %s: %v", host, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitListening(addr string, done <-chan struct{}, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		select {
		case <-done:
			return errors.New("slapd exited")
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not listening after %s: %w", limit, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// serverCert writes server.pem (leaf and CA) and server.key for host, with
// the address as IP SAN so that a client verifying the IP accepts it.
func (w *World) serverCert(t testing.TB, dir, host string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: host},
		IPAddresses:  []net.IP{net.ParseIP(host)},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, w.caCert, &key.PublicKey, w.caKey)
	if err != nil {
		t.Fatal(err)
	}
	var chain bytes.Buffer
	pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	pem.Encode(&chain, &pem.Block{Type: "CERTIFICATE", Bytes: w.caCert.Raw})
	if err := os.WriteFile(filepath.Join(dir, "server.pem"), chain.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(dir, "server.key"), "PRIVATE KEY", kder, 0o600)
	writePEM(t, filepath.Join(dir, "ca.pem"), "CERTIFICATE", w.caCert.Raw, 0o644)
}

func slapdConf(dir, suffix string, hideRootDSE bool) string {
	pw := make([]byte, 12)
	rand.Read(pw)
	acl := ""
	if hideRootDSE {
		acl = "access to dn.base=\"\" by * none\naccess to * by * read\n"
	}
	return fmt.Sprintf(`# generated by tests/ldapworld
include %[1]s/core.schema
%[6]s
pidfile %[2]s/slapd.pid
argsfile %[2]s/slapd.args
modulepath %[3]s
moduleload back_mdb
TLSCACertificateFile %[2]s/ca.pem
TLSCertificateFile %[2]s/server.pem
TLSCertificateKeyFile %[2]s/server.key
database mdb
maxsize 16777216
suffix "%[4]s"
rootdn "cn=admin,%[4]s"
rootpw %[5]s
directory %[2]s/db
`, SchemaDir, dir, ModulePath, suffix, hex.EncodeToString(pw), acl)
}

// baseLDIF is the suffix's own entry: a dcObject named by its first RDN.
func baseLDIF(suffix string) string {
	first := strings.SplitN(suffix, ",", 2)[0]
	val := first[strings.Index(first, "=")+1:]
	return fmt.Sprintf("dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: %s\no: %s\n", suffix, val, val)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

func writePEM(t testing.TB, path, typ string, der []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		t.Fatal(err)
	}
}
