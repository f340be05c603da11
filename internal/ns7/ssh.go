package ns7

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Target is how to reach NS7.
type Target struct {
	Host string
	Port int
	User string
	// Signer is the module's key; nil when create-module never ran.
	Signer ssh.Signer
	// Password is a one-time password: used for this connection only,
	// never stored, printed or logged.
	Password string
	// KnownHosts is the module's known_hosts file (OpenSSH format).
	KnownHosts string
	// Accept is a SHA256 fingerprint the administrator vouches for: accepted
	// on first contact, and replacing a pinned key that changed.
	Accept string
	// Timeout bounds the TCP connect and the SSH handshake.
	Timeout time.Duration
}

// Addr is host:port.
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// Host key outcomes.
const (
	KeyPinnedNow = "pinned"    // first contact: the key is now pinned
	KeyMatches   = "matches"   // the pinned key was presented
	KeyRepinned  = "re-pinned" // changed, but the administrator accepted the new fingerprint
	KeyChanged   = "changed"   // differs from the pinned key: nothing sent
	KeyRejected  = "rejected"  // first contact, not the fingerprint the administrator gave
)

// HostKey is what was learned about NS7's host key.
type HostKey struct {
	Status      string `json:"status"`
	Fingerprint string `json:"fingerprint"`      // presented by NS7
	Pinned      string `json:"pinned,omitempty"` // pinned before this contact
	Type        string `json:"type"`
}

// ErrHostKey is returned by Dial when the host key was refused: no command
// has been sent.
var ErrHostKey = errors.New("host key refused")

// pinner is the host key callback: knownhosts for the check, trust on first
// use for an unknown host, an explicit fingerprint to accept a new key.
type pinner struct {
	path, accept string
	mu           sync.Mutex
	seen         HostKey
}

func (p *pinner) callback(hostname string, remote net.Addr, key ssh.PublicKey) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	fp := ssh.FingerprintSHA256(key)
	p.seen = HostKey{Fingerprint: fp, Type: key.Type()}
	var kerr *knownhosts.KeyError
	err := errors.New("no known hosts")
	if _, serr := os.Stat(p.path); serr == nil {
		cb, lerr := knownhosts.New(p.path)
		if lerr != nil {
			return fmt.Errorf("%s: %w", p.path, lerr)
		}
		err = cb(hostname, remote, key)
	}
	switch {
	case err == nil:
		p.seen.Status = KeyMatches
		return nil
	case errors.As(err, &kerr) && len(kerr.Want) > 0:
		p.seen.Pinned = ssh.FingerprintSHA256(kerr.Want[0].Key)
		if p.accept != "" && p.accept == fp {
			if werr := p.replace(hostname, key); werr != nil {
				return werr
			}
			p.seen.Status = KeyRepinned
			return nil
		}
		p.seen.Status = KeyChanged
		return ErrHostKey
	default: // unknown host (or no file yet): trust on first use
		if p.accept != "" && p.accept != fp {
			p.seen.Status = KeyRejected
			return ErrHostKey
		}
		if werr := p.replace(hostname, key); werr != nil {
			return werr
		}
		p.seen.Status = KeyPinnedNow
		return nil
	}
}

// replace rewrites known_hosts with the lines of other hosts plus this one
// (write to a temp file, fsync, rename: never a half-written pin).
func (p *pinner) replace(hostname string, key ssh.PublicKey) error {
	host := knownhosts.Normalize(hostname)
	var keep bytes.Buffer
	if raw, err := os.ReadFile(p.path); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(raw))
		for sc.Scan() {
			line := sc.Text()
			if _, hosts, _, _, _, err := ssh.ParseKnownHosts([]byte(line)); err == nil && contains(hosts, host) {
				continue
			}
			keep.WriteString(line + "\n")
		}
	}
	keep.WriteString(knownhosts.Line([]string{host}, key) + "\n")
	if err := os.MkdirAll(filepath.Dir(p.path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p.path), ".known_hosts-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(keep.Bytes()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p.path)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hostKeyAlgorithms asks NS7 for the type of key pinned for it, so that a
// server with several host keys presents the pinned one, not another type
// that would look like a change.
func hostKeyAlgorithms(path, addr string) []string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	host := knownhosts.Normalize(addr)
	var algos []string
	for _, line := range strings.Split(string(raw), "\n") {
		_, hosts, key, _, _, err := ssh.ParseKnownHosts([]byte(line))
		if err != nil || !contains(hosts, host) {
			continue
		}
		switch key.Type() {
		case ssh.KeyAlgoRSA:
			algos = append(algos, ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA)
		default:
			algos = append(algos, key.Type())
		}
	}
	return algos
}

// Conn is the one SSH connection of a probe.
type Conn struct {
	Client  *ssh.Client
	HostKey HostKey
	Auth    string // publickey | password
	// Sessions counts the sessions opened (the probe's round trips).
	Sessions int
	mu       sync.Mutex
}

// DialError tells which stage of the connection failed.
type DialError struct {
	Stage   string // credentials (nothing sent) | connect | handshake | host-key | auth
	HostKey HostKey
	Err     error
}

func (e *DialError) Error() string { return e.Stage + ": " + e.Err.Error() }
func (e *DialError) Unwrap() error { return e.Err }

// Dial opens the connection: TCP connect, handshake, host key check, then
// authentication with the module key and, only if given, the one-time
// password. Everything runs under t.Timeout and ctx.
func Dial(ctx context.Context, t Target) (*Conn, error) {
	if t.Signer == nil && t.Password == "" {
		return nil, &DialError{Stage: "credentials", Err: errors.New("no module SSH key (create-module did not run) and no password given")}
	}
	pin := &pinner{path: t.KnownHosts, accept: t.Accept}
	var usedPassword bool
	var auth []ssh.AuthMethod
	if t.Signer != nil {
		auth = append(auth, ssh.PublicKeys(t.Signer))
	}
	if t.Password != "" {
		pw := t.Password
		auth = append(auth, ssh.PasswordCallback(func() (string, error) {
			usedPassword = true
			return pw, nil
		}))
	}
	cfg := &ssh.ClientConfig{
		User:              t.User,
		Auth:              auth,
		HostKeyCallback:   pin.callback,
		HostKeyAlgorithms: hostKeyAlgorithms(t.KnownHosts, t.Addr()),
		Timeout:           t.Timeout,
		ClientVersion:     "SSH-2.0-nethvoice-preflight",
	}
	dctx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	var d net.Dialer
	tcp, err := d.DialContext(dctx, "tcp", t.Addr())
	if err != nil {
		return nil, &DialError{Stage: "connect", Err: err}
	}
	// The handshake has no context of its own: a deadline on the socket
	// bounds it, and closing the socket ends it when ctx ends first.
	deadline, _ := dctx.Deadline()
	tcp.SetDeadline(deadline)
	stop := context.AfterFunc(dctx, func() { tcp.Close() })
	c, chans, reqs, err := ssh.NewClientConn(tcp, t.Addr(), cfg)
	stopped := stop()
	if err != nil {
		tcp.Close()
		pin.mu.Lock()
		hk := pin.seen
		pin.mu.Unlock()
		stage := "handshake"
		switch {
		case errors.Is(err, ErrHostKey):
			stage = "host-key"
		case strings.Contains(err.Error(), "unable to authenticate"):
			stage = "auth"
		case !stopped || errors.Is(err, os.ErrDeadlineExceeded):
			err = fmt.Errorf("NS7 did not complete the SSH handshake within %s", t.Timeout)
		}
		return nil, &DialError{Stage: stage, HostKey: hk, Err: err}
	}
	tcp.SetDeadline(time.Time{})
	pin.mu.Lock()
	hk := pin.seen
	pin.mu.Unlock()
	conn := &Conn{Client: ssh.NewClient(c, chans, reqs), HostKey: hk, Auth: "publickey"}
	if usedPassword {
		conn.Auth = "password"
	}
	return conn, nil
}

// Close ends the connection.
func (c *Conn) Close() error { return c.Client.Close() }

// Run starts one session running cmd, with stdout and stderr handed to the
// readers; it returns when both streams ended and the command exited, or
// when ctx ends (the session is then closed and whatever was read stays).
func (c *Conn) Run(ctx context.Context, cmd string, stdout, stderr func(r io.Reader) error) error {
	s, err := c.Client.NewSession()
	if err != nil {
		return err
	}
	defer s.Close()
	c.mu.Lock()
	c.Sessions++
	c.mu.Unlock()
	so, err := s.StdoutPipe()
	if err != nil {
		return err
	}
	se, err := s.StderrPipe()
	if err != nil {
		return err
	}
	if err := s.Start(cmd); err != nil {
		return err
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); errs[0] = stdout(so) }()
	go func() { defer wg.Done(); errs[1] = stderr(se) }()
	done := make(chan error, 1)
	go func() {
		wg.Wait()
		done <- s.Wait()
	}()
	select {
	case err := <-done:
		var exit *ssh.ExitError
		if errors.As(err, &exit) {
			if exit.Signal() != "" { // killed on NS7: whatever did not answer is lost
				return fmt.Errorf("the command was killed on NS7 (signal %s)", exit.Signal())
			}
			return nil // the script's exit status carries no meaning: each command reports its own
		}
		if err != nil {
			return err
		}
		return errors.Join(errs...)
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
}
