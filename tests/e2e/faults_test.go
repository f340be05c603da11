package e2e

import (
	"context"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
)

// waitFile waits for a file the step wrapper creates.
func waitFile(t *testing.T, path string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared", path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Redis killed (not frozen) while run-preflight runs, and started again:
// the run that found it down ends quickly with cluster.redis failing on
// "connection refused" and stores nothing; the report stored before is
// intact after the restart; the next run stores normally.
func TestRunPreflightRedisStoppedAndRestarted(t *testing.T) {
	dir := t.TempDir()
	gate, mark, goOn, done, goOut := filepath.Join(dir, "gate"), filepath.Join(dir, "started"),
		filepath.Join(dir, "go"), filepath.Join(dir, "done"), filepath.Join(dir, "go-out")
	// With the gate file present, the step waits before the binary starts
	// (the test kills Redis meanwhile) and after it ends (the test starts
	// Redis again, so that the agent can store the result).
	script := `g=` + gate + `; if [ -e $g ]; then touch ` + mark + `; while [ ! -e ` + goOn + ` ]; do sleep 0.02; done; fi
"$0" "$@"; rc=$?
if [ -e $g ]; then rm -f $g; touch ` + done + `; while [ ! -e ` + goOut + ` ]; do sleep 0.02; done; fi
exit $rc`
	w := newWorld(t, bigNode, nil, harness.WithStepWrapper("sh", "-c", script))
	_, first := w.preflight(t)
	before := w.getReport(t, nil)

	must(t, os.WriteFile(gate, nil, 0o600))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := w.module.Submit(ctx, "run-preflight", nil)
	must(t, err)
	waitFile(t, mark, 20*time.Second)
	must(t, w.redis.Save(ctx)) // what a persistent Redis has on disk
	w.redis.Stop()
	must(t, os.WriteFile(goOn, nil, 0o600))
	waitFile(t, done, 30*time.Second)
	must(t, w.redis.Restart(ctx))
	must(t, os.WriteFile(goOut, nil, 0o600))
	res, err := p.Wait(ctx)
	must(t, err)
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	var rep report.Report
	must(t, res.Decode(&rep))
	f := finding(t, rep, "cluster.redis", "")
	if f.Status != report.Fail || !strings.Contains(f.Message, "refused") {
		t.Errorf("cluster.redis: %s %q", f.Status, f.Message)
	}
	if rep.DurationMs > 3000 {
		t.Errorf("a refused Redis took %d ms (timeout_s 3)", rep.DurationMs)
	}
	t.Logf("run with Redis down: %d ms; cluster.redis: %s", rep.DurationMs, f.Message)
	if !strings.Contains(res.Error+w.module.AgentLog(), "will not be stored") {
		t.Errorf("the run does not say its report is not stored:\n%s", res.Error)
	}
	// The stored report survived the crash, unchanged.
	after := w.getReport(t, nil)
	if after.Report.RunID != first.RunID || len(after.History) != len(before.History) {
		t.Fatalf("stored report changed: %s, history %d -> %d", after.Report.RunID, len(before.History), len(after.History))
	}
	// The next run stores normally, and the earlier one is still in the history.
	_, next := w.run(t, "run-preflight", nil)
	if finding(t, next, "cluster.redis", "").Status != report.Pass {
		t.Errorf("after the restart: %+v", finding(t, next, "cluster.redis", ""))
	}
	last := w.getReport(t, nil)
	if last.Report.RunID != next.RunID || len(last.History) != len(before.History)+1 || last.History[1].RunID != first.RunID {
		t.Errorf("after the restart: last %s (want %s), history %+v", last.Report.RunID, next.RunID, last.History)
	}
}

// garbageDNS answers every datagram with random bytes.
func garbageDNS(t *testing.T) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 4096)
		for {
			_, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			junk := make([]byte, 64)
			rand.Read(junk) //nolint:errcheck
			pc.WriteTo(junk, from)
		}
	}()
	return pc.LocalAddr().String()
}

// A resolver answering garbage: fqdn.resolves says the answer was
// malformed, within the deadline.
func TestValidateFQDNsGarbageResolver(t *testing.T) {
	w := newWorld(t, bigNode, nil)
	res, rep := w.run(t, "validate-fqdns", map[string]any{"nethvoice_fqdn": voiceFQDN, "cti_fqdn": ctiFQDN,
		"resolvers": []string{garbageDNS(t)}, "timeout_s": 2})
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	validReport(t, "validate-fqdns", res.Output)
	f := finding(t, rep, "fqdn.resolves", voiceFQDN)
	if f.Status != report.Fail || !strings.Contains(f.Message, "malformed") {
		t.Errorf("fqdn.resolves: %s %q", f.Status, f.Message)
	}
	if rep.DurationMs > 3000 {
		t.Errorf("took %d ms with a 2 s deadline", rep.DurationMs)
	}
}

// closingLDAP accepts TCP connections and closes them at once.
func closingLDAP(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	return l.Addr().String()
}

// An LDAP server that closes every connection: domain.reachable says it
// accepted the connection but did not answer, within the deadline.
func TestCheckUserDomainProviderClosesConnections(t *testing.T) {
	requireRoot(t)
	addr := closingLDAP(t)
	r := harness.StartRedis(t)
	c := harness.DefaultCluster()
	setProviders(external(c, harness.ExternalLDAP), addr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(t, c.ApplyTo(ctx, r))
	m := harness.InstallModule(t, r, moduleID, "1", harness.WithPollingInterval(200*time.Millisecond))
	w := &world{redis: r, cluster: c, module: m}
	res, rep := w.run(t, "check-user-domain", map[string]any{"timeout_s": 2,
		"provider": map[string]any{"type": "remote-ldap", "base_dn": corpDN, "ldap_uri": "ldaps://" + addr}})
	if res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	validReport(t, "check-user-domain", res.Output)
	f := finding(t, rep, "domain.reachable", addr)
	if f.Status != report.Fail || !strings.Contains(f.Message, "accepted the TCP connection but did not answer") {
		t.Errorf("domain.reachable: %s %q", f.Status, f.Message)
	}
	if rep.DurationMs > 3000 {
		t.Errorf("took %d ms with a 2 s deadline", rep.DurationMs)
	}
}
