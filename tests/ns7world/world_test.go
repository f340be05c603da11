package ns7world

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
)

func clientKey(t *testing.T) (ssh.Signer, string) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey())))
}

// The world answers the real collector as NS7 would: every command of the
// batch answers, through one connection, and nothing is left running.
func TestHealthyWorldAnswersTheProbe(t *testing.T) {
	signer, pub := clientKey(t)
	w := Start(t, Healthy(), Options{AuthorizedKeys: []string{pub}})
	target := ns7.Target{Host: w.IP, Port: w.Port, User: "root", Signer: signer,
		KnownHosts: filepath.Join(t.TempDir(), "known_hosts"), Timeout: 5 * time.Second}
	f, err := ns7.Probe(context.Background(), target, ns7.Plan{LeaderHost: w.HostIP, FQDNs: []string{"voice.example.org"}}, ns7.DefaultOptions(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(f)
	// Not OK by design: rpm -q exits with the number of packages missing
	// (asterisk13-core), is-active 3 when a unit is inactive (wg-quick@ns8),
	// no WireGuard interface, nothing on the leader's 443, an FQDN that
	// does not resolve.
	notOK := map[string]bool{ns7.CmdPackages: true, ns7.CmdServices: true, ns7.CmdWG: true, ns7.CmdLeaderTCP: true, ns7.CmdFQDN + "0": true}
	for _, r := range f.Commands {
		if (r.Status == ns7.StatusOK) == notOK[r.ID] {
			t.Errorf("%s: %s exit %d", r.ID, r.Status, r.Exit)
		}
	}
	if f.Release != "7.9.2009" || f.HostKey.Fingerprint != w.Fingerprint || w.Connections() != 1 {
		t.Errorf("release %q key %s/%s connections %d", f.Release, f.HostKey.Fingerprint, w.Fingerprint, w.Connections())
	}
	if strings.Contains(string(raw), BindPasswordCanary) {
		t.Error("bind password in the facts")
	}
}
