package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/ns7world"
)

// benchProbe measures the whole probe-ns7 task as the agent runs it (task
// on Redis, binary, one SSH connection to a real sshd, report stored), and
// reports the SSH connections and command round trips per probe as sshd
// counted them.
func benchProbe(b *testing.B, v ns7world.Variant) {
	ns7world.RequireRoot(b)
	r := harness.StartRedis(b)
	c := harness.DefaultCluster()
	// Long enough for a world of 100 000 files built on a loaded machine
	// (it took 74 s under a load of 8 on 2 cores).
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := c.Apply(ctx, r.Admin()); err != nil {
		b.Fatal(err)
	}
	if err := r.WaitSync(ctx); err != nil {
		b.Fatal(err)
	}
	m := harness.InstallModule(b, r, moduleID, "1", harness.WithCreateModule(),
		harness.WithEnvironment(map[string]string{"NETHVOICE_FQDN": voiceFQDN, "CTI_FQDN": ctiFQDN}))
	pub, err := os.ReadFile(filepath.Join(m.StateDir, "ssh", "id_ed25519.pub"))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	n := ns7world.Start(b, v, ns7world.Options{AuthorizedKeys: []string{strings.TrimSpace(string(pub))}, HostAliases: []string{leaderHost}})
	b.Logf("NS7 world ready in %s", time.Since(start).Round(time.Millisecond))
	d := startDNS(b, map[string]string{leaderHost: n.HostIP, voiceFQDN: fqdnAddr, ctiFQDN: fqdnAddr})
	listenHTTPS(b, n.HostIP)
	input := map[string]any{"host": n.IP, "resolvers": []string{d.addr}, "timeout_s": 10}
	conns, sessions := n.Connections(), n.Sessions()
	var last report.Report
	var rss int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := m.Run(ctx, "probe-ns7", input)
		if err != nil || res.ExitCode != 0 {
			b.Fatalf("%v %s", err, res)
		}
		rss = max(rss, m.MaxRSSKiB(res.ID))
		if err := json.Unmarshal(res.Output, &last); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n.Connections()-conns)/float64(b.N), "ssh-conns/op")
	b.ReportMetric(float64(n.Sessions()-sessions)/float64(b.N), "round-trips/op")
	b.ReportMetric(float64(last.DurationMs), "report-ms")
	b.ReportMetric(float64(rss), "maxrss-KiB")
	for _, f := range last.Checks {
		if f.ID == "ns7.data-size" || f.ID == "ns7.bandwidth" {
			b.Logf("%s: %s", f.ID, f.Message)
		}
		if f.Status == report.Fail {
			b.Errorf("%s failed: %s", f.ID, f.Message)
		}
	}
}

func BenchmarkProbeNS7(b *testing.B) { benchProbe(b, ns7world.Healthy()) }

// 100 000 recording files (du walks them all on NS7, the slowest command)
// and a 2 GiB CDR database as MariaDB reports it.
func BenchmarkProbeNS7With100kRecordings(b *testing.B) { benchProbe(b, bigNS7()) }
