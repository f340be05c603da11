// Package sshkey manages the module's own SSH identity (an ed25519 key pair
// in the state dir, the private key 0600 and never printed) and reads the
// pinned NS7 host key.
package sshkey

import (
	"bufio"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
)

// Files in AGENT_STATE_DIR.
const (
	PrivateKeyFile = "ssh/id_ed25519"
	PublicKeyFile  = "ssh/id_ed25519.pub"
	KnownHostsFile = "known_hosts"
)

// Ensure creates the key pair if it does not exist yet; an existing pair is
// kept, so NS7's authorized_keys stays valid across updates.
func Ensure(stateDir, comment string) error {
	priv := filepath.Join(stateDir, PrivateKeyFile)
	if _, err := os.Stat(priv); err == nil {
		return ensurePublic(stateDir, comment)
	}
	if err := os.MkdirAll(filepath.Dir(priv), 0o700); err != nil {
		return err
	}
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	block, err := ssh.MarshalPrivateKey(key, comment)
	if err != nil {
		return err
	}
	// O_EXCL: two concurrent create-module runs must not overwrite each other.
	f, err := os.OpenFile(priv, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil
		}
		return err
	}
	if err := pem.Encode(f, block); err != nil {
		f.Close()
		os.Remove(priv)
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return writePublic(stateDir, pub, comment)
}

func writePublic(stateDir string, pub ed25519.PublicKey, comment string) error {
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		return err
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub)))
	if comment != "" {
		line += " " + comment
	}
	return os.WriteFile(filepath.Join(stateDir, PublicKeyFile), []byte(line+"\n"), 0o644)
}

// ensurePublic rewrites a missing public key from the private one (a run
// that died between the two writes).
func ensurePublic(stateDir, comment string) error {
	if _, err := os.Stat(filepath.Join(stateDir, PublicKeyFile)); err == nil {
		return nil
	}
	raw, err := os.ReadFile(filepath.Join(stateDir, PrivateKeyFile))
	if err != nil {
		return err
	}
	key, err := ssh.ParseRawPrivateKey(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", PrivateKeyFile, err)
	}
	k, ok := key.(*ed25519.PrivateKey)
	if !ok {
		return fmt.Errorf("%s is not an ed25519 key", PrivateKeyFile)
	}
	return writePublic(stateDir, k.Public().(ed25519.PublicKey), comment)
}

// PublicKey returns the authorized_keys line of the module key, or "" if
// there is none yet.
func PublicKey(stateDir string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(stateDir, PublicKeyFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	line := strings.TrimSpace(string(raw))
	if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err != nil {
		return "", fmt.Errorf("%s: %w", PublicKeyFile, err)
	}
	return line, nil
}

// Signer loads the private key for authentication.
func Signer(stateDir string) (ssh.Signer, error) {
	raw, err := os.ReadFile(filepath.Join(stateDir, PrivateKeyFile))
	if err != nil {
		return nil, err
	}
	return ssh.ParsePrivateKey(raw)
}

// PinnedFingerprint returns the SHA256 fingerprint of the first host key in
// the module's known_hosts, or "" when NS7 was never contacted.
func PinnedFingerprint(stateDir string) (string, error) {
	f, err := os.Open(filepath.Join(stateDir, KnownHostsFile))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		_, _, key, _, _, err := ssh.ParseKnownHosts([]byte(line))
		if err != nil {
			continue
		}
		return ssh.FingerprintSHA256(key), nil
	}
	return "", sc.Err()
}
