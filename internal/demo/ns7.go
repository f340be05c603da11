package demo

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7sample"
)

// ns7Server is the demo's NS7: an SSH server (the server side of
// golang.org/x/crypto/ssh) on loopback that lets in the module's key only,
// as an NS7 where the administrator authorized it, and answers the
// probe's batch and throughput sample from a sample NS7 (ns7sample).
type ns7Server struct {
	l     net.Listener
	cfg   *ssh.ServerConfig
	v     ns7sample.Variant
	mu    sync.Mutex
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// startNS7 listens on the first address of at that it can bind (the port
// the demo used last, so that the pinned host key stays valid, then any).
func startNS7(at []string, hostKey ssh.Signer, authorized ssh.PublicKey, v ns7sample.Variant) (*ns7Server, error) {
	var l net.Listener
	var err error
	for _, a := range at {
		if l, err = net.Listen("tcp", a); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ServerConfig{
		// CentOS 7's OpenSSH, as NS7 announces itself.
		ServerVersion: "SSH-2.0-OpenSSH_7.4",
		PublicKeyCallback: func(_ ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if authorized != nil && string(key.Marshal()) == string(authorized.Marshal()) {
				return nil, nil
			}
			return nil, errors.New("key not authorized")
		},
	}
	cfg.AddHostKey(hostKey)
	s := &ns7Server{l: l, cfg: cfg, v: v, conns: map[net.Conn]bool{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is host:port of the server.
func (s *ns7Server) Addr() *net.TCPAddr { return s.l.Addr().(*net.TCPAddr) }

func (s *ns7Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.l.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serve(c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

func (s *ns7Server) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second)) //nolint:errcheck // a handshake must not hang the demo
	sc, chans, reqs, err := ssh.NewServerConn(c, s.cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	c.SetDeadline(time.Time{})   //nolint:errcheck
	go ssh.DiscardRequests(reqs) // keepalive@openssh.com is answered "no", as by OpenSSH
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.UnknownChannelType, "only sessions") //nolint:errcheck
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		go s.session(ch, creqs)
	}
}

// session runs the one exec request of a session and reports its exit
// status, as sshd does; other requests (pty, shell, env) are refused.
func (s *ns7Server) session(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		if req.Type != "exec" {
			req.Reply(false, nil) //nolint:errcheck
			continue
		}
		var cmd struct{ Command string }
		if err := ssh.Unmarshal(req.Payload, &cmd); err != nil {
			req.Reply(false, nil) //nolint:errcheck
			return
		}
		req.Reply(true, nil) //nolint:errcheck
		rc := s.v.Exec(cmd.Command, time.Now(), ch, ch.Stderr())
		ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{uint32(rc)})) //nolint:errcheck
		return
	}
}

// Close stops listening and ends every connection.
func (s *ns7Server) Close() {
	s.l.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// hostKey loads the sample NS7's host key from path, or creates it there:
// the same key at every call, so that the module's pin holds.
func hostKey(path string) (ssh.Signer, error) {
	if raw, err := os.ReadFile(path); err == nil {
		return ssh.ParsePrivateKey(raw)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "demo NS7 host key")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, fmt.Errorf("save the demo NS7 host key: %w", err)
	}
	return ssh.NewSignerFromKey(priv)
}

// ServeNS7 serves variant v as the demo does, on a loopback port, to the
// client key authorized, with hostKey: for tests that compare the demo's
// answers with the tests' NS7 world. It returns the address and the stop.
func ServeNS7(v ns7sample.Variant, hostKey ssh.Signer, authorized ssh.PublicKey) (string, func(), error) {
	s, err := startNS7([]string{"127.0.0.1:0"}, hostKey, authorized, v)
	if err != nil {
		return "", nil, err
	}
	return s.Addr().String(), s.Close, nil
}

// SampleNS7 is the demo's NS7 (see sampleNS7).
func SampleNS7() ns7sample.Variant { return sampleNS7() }
