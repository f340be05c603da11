package ldapworld

import (
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The world serves what the checks rely on: the suffix in the root DSE,
// over LDAP and LDAPS with the test CA; a silent address that never
// completes a connection; a refusing one. ldapsearch (ldap-utils) is the
// independent client.
func TestWorld(t *testing.T) {
	w := New(t)
	s := w.Start("dc=corp,dc=example,dc=test")
	if _, err := exec.LookPath("ldapsearch"); err == nil {
		for _, uri := range []string{s.URI(), s.TLSURI()} {
			cmd := exec.Command("ldapsearch", "-x", "-LLL", "-o", "nettimeout=5", "-H", uri, "-s", "base", "-b", "", "namingContexts")
			cmd.Env = []string{"LDAPTLS_CACERT=" + w.CAFile}
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "namingContexts: dc=corp,dc=example,dc=test") {
				t.Errorf("%s: %v\n%s", uri, err, out)
			}
		}
	}
	host, port := w.Silent()
	start := time.Now()
	if c, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), 500*time.Millisecond); err == nil {
		c.Close()
		t.Error("the silent address accepted a connection")
	}
	if time.Since(start) < 400*time.Millisecond {
		t.Errorf("the silent address answered in %s", time.Since(start))
	}
	host, port = w.Refusing()
	if _, err := net.DialTimeout("tcp", net.JoinHostPort(host, strconv.Itoa(port)), time.Second); err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("refusing address: %v", err)
	}
	s.Stop()
	if c, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		c.Close()
		t.Error("a stopped server still accepts connections")
	}
}
