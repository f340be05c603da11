package sshkey

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

const comment = "nethvoice-preflight1@ns8"

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkPair verifies the key pair in dir: modes, formats, and that the
// public file is the public half of the private key.
func checkPair(t *testing.T, dir, wantComment string) {
	t.Helper()
	privPath := filepath.Join(dir, PrivateKeyFile)
	st, err := os.Stat(privPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v, want 0600", st.Mode().Perm())
	}
	dst, err := os.Stat(filepath.Dir(privPath))
	if err != nil {
		t.Fatal(err)
	}
	if !dst.IsDir() || dst.Mode().Perm() != 0o700 {
		t.Errorf("ssh dir mode %v, want drwx------", dst.Mode())
	}
	priv := readFile(t, privPath)
	if !bytes.HasPrefix(priv, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\n")) {
		t.Errorf("private key is not in the OpenSSH format: %.40q", priv)
	}
	signer, err := ssh.ParsePrivateKey(priv)
	if err != nil {
		t.Fatalf("ssh.ParsePrivateKey: %v", err)
	}
	if signer.PublicKey().Type() != ssh.KeyAlgoED25519 {
		t.Errorf("key type %s, want ed25519", signer.PublicKey().Type())
	}
	pubLine := readFile(t, filepath.Join(dir, PublicKeyFile))
	if !bytes.HasSuffix(pubLine, []byte("\n")) || bytes.Count(pubLine, []byte("\n")) != 1 {
		t.Errorf(".pub is not one line: %q", pubLine)
	}
	pub, gotComment, _, rest, err := ssh.ParseAuthorizedKey(pubLine)
	if err != nil {
		t.Fatalf("ParseAuthorizedKey: %v", err)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		t.Errorf("trailing data after the key: %q", rest)
	}
	if gotComment != wantComment {
		t.Errorf("comment %q, want %q", gotComment, wantComment)
	}
	if !bytes.Equal(pub.Marshal(), signer.PublicKey().Marshal()) {
		t.Error(".pub does not match the private key")
	}
	s2, err := Signer(dir)
	if err != nil {
		t.Fatalf("Signer: %v", err)
	}
	if !bytes.Equal(s2.PublicKey().Marshal(), pub.Marshal()) {
		t.Error("Signer returns another key")
	}
	line, err := PublicKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if line != strings.TrimSpace(string(pubLine)) {
		t.Errorf("PublicKey = %q, want the .pub line %q", line, pubLine)
	}
}

func TestEnsure(t *testing.T) {
	for _, c := range []string{comment, ""} {
		t.Run("comment="+c, func(t *testing.T) {
			dir := t.TempDir()
			if err := Ensure(dir, c); err != nil {
				t.Fatal(err)
			}
			checkPair(t, dir, c)
			if c == "" {
				if line, _ := PublicKey(dir); strings.Count(line, " ") != 1 {
					t.Errorf("no comment: want \"type base64\", got %q", line)
				}
			}
		})
	}
}

func TestEnsureKeepsKey(t *testing.T) {
	dir := t.TempDir()
	if err := Ensure(dir, comment); err != nil {
		t.Fatal(err)
	}
	priv := readFile(t, filepath.Join(dir, PrivateKeyFile))
	pub := readFile(t, filepath.Join(dir, PublicKeyFile))
	for i := 0; i < 3; i++ {
		if err := Ensure(dir, "another-comment"); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(priv, readFile(t, filepath.Join(dir, PrivateKeyFile))) {
		t.Error("Ensure replaced the private key")
	}
	if !bytes.Equal(pub, readFile(t, filepath.Join(dir, PublicKeyFile))) {
		t.Error("Ensure replaced the public key")
	}
}

func TestEnsureKeysDiffer(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := Ensure(a, comment); err != nil {
		t.Fatal(err)
	}
	if err := Ensure(b, comment); err != nil {
		t.Fatal(err)
	}
	pa, _ := PublicKey(a)
	pb, _ := PublicKey(b)
	if pa == pb {
		t.Error("two modules got the same key")
	}
}

func TestEnsureConcurrent(t *testing.T) {
	dir := t.TempDir()
	const n = 10
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- Ensure(dir, comment)
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Ensure: %v", err)
		}
	}
	checkPair(t, dir, comment)
	ents, err := os.ReadDir(filepath.Join(dir, "ssh"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 2 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("ssh dir holds %v, want the two key files", names)
	}
}

func TestPublicKey(t *testing.T) {
	dir := t.TempDir()
	line, err := PublicKey(dir)
	if err != nil || line != "" {
		t.Errorf("missing key: %q, %v; want \"\", nil", line, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"not a key\n", "ssh-ed25519 !!!notbase64 x\n", ""} {
		if err := os.WriteFile(filepath.Join(dir, PublicKeyFile), []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if line, err := PublicKey(dir); err == nil {
			t.Errorf("corrupt .pub %q: got %q and no error", bad, line)
		}
	}
}

func TestSignerMissingOrCorrupt(t *testing.T) {
	dir := t.TempDir()
	if _, err := Signer(dir); err == nil {
		t.Error("missing key: no error")
	}
	if err := os.MkdirAll(filepath.Join(dir, "ssh"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, PrivateKeyFile), []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Signer(dir); err == nil {
		t.Error("corrupt key: no error")
	}
}

func newHostKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestPinnedFingerprint(t *testing.T) {
	first, second := newHostKey(t), newHostKey(t)
	line1 := knownhosts.Line([]string{knownhosts.Normalize("ns7.example.com:22")}, first)
	line2 := knownhosts.Line([]string{knownhosts.Normalize("[ns7.example.com]:2222")}, second)
	hashed := knownhosts.Line([]string{knownhosts.HashHostname(knownhosts.Normalize("192.0.2.7:22"))}, first)
	tests := []struct {
		name    string
		content string // "" with noFile = no known_hosts
		noFile  bool
		want    string
	}{
		{"no file", "", true, ""},
		{"empty file", "", false, ""},
		{"comments only", "# pinned by probe-ns7\n\n   \n", false, ""},
		{"one key", line1 + "\n", false, ssh.FingerprintSHA256(first)},
		{"comments, blanks, garbage, then keys", "# header\n\n  # indented comment\nnot a known_hosts line\n\n" + line1 + "\n" + line2 + "\n",
			false, ssh.FingerprintSHA256(first)},
		{"first valid wins", line2 + "\n" + line1 + "\n", false, ssh.FingerprintSHA256(second)},
		{"hashed host", hashed + "\n", false, ssh.FingerprintSHA256(first)},
		{"no final newline, CRLF", "# x\r\n" + line1, false, ssh.FingerprintSHA256(first)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if !tc.noFile {
				if err := os.WriteFile(filepath.Join(dir, KnownHostsFile), []byte(tc.content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			got, err := PinnedFingerprint(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if tc.want != "" && !strings.HasPrefix(got, "SHA256:") {
				t.Errorf("fingerprint %q is not SHA256:...", got)
			}
		})
	}
}

func TestPinnedFingerprintUnreadable(t *testing.T) {
	dir := t.TempDir()
	// known_hosts is a directory: an error, not "never contacted".
	if err := os.Mkdir(filepath.Join(dir, KnownHostsFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if fp, err := PinnedFingerprint(dir); err == nil {
		t.Errorf("got %q and no error", fp)
	}
}
