package e2e

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/dnsworld"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
)

// benchValidate measures the whole validate-fqdns task as the agent runs
// it (task on Redis, binary, cluster read, every DNS question, report
// stored) against the DNS world; resolver picks the resolver from it.
func benchValidate(b *testing.B, timeoutS int, resolver func(d *dnsworld.World) string, check func(b *testing.B, rep report.Report)) {
	d := dnsworld.Start(b) // skips without root or unbound, fails in CI
	r := harness.StartRedis(b)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if err := harness.DefaultCluster().Apply(ctx, r.Admin()); err != nil {
		b.Fatal(err)
	}
	if err := r.WaitSync(ctx); err != nil {
		b.Fatal(err)
	}
	m := harness.InstallModule(b, r, moduleID, "1")
	input := map[string]any{"nethvoice_fqdn": dnsworld.Voice, "cti_fqdn": dnsworld.CTI, "proxy_fqdn": dnsworld.Proxy,
		"phase": "cutover", "resolvers": []string{resolver(d)}, "timeout_s": timeoutS}
	var last report.Report
	var rss int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := m.Run(ctx, "validate-fqdns", input)
		if err != nil || res.ExitCode != 0 {
			b.Fatalf("%v %s", err, res)
		}
		rss = max(rss, m.MaxRSSKiB(res.ID))
		if err := json.Unmarshal(res.Output, &last); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(last.DurationMs), "report-ms")
	b.ReportMetric(float64(rss), "maxrss-KiB")
	check(b, last)
}

// The local world: three FQDNs, one resolver, two authoritative servers,
// every check passes.
func BenchmarkValidateFQDNsLocalWorld(b *testing.B) {
	benchValidate(b, 10, func(d *dnsworld.World) string { return d.Resolver }, func(b *testing.B, rep report.Report) {
		if !rep.Ready || rep.Summary.Fail+rep.Summary.Warn != 0 {
			b.Errorf("not ready: %+v", rep.Summary)
		}
	})
}

// The worst case: every resolver silent. Bounded by the deadline (2 s),
// not by the sum of the questions' timeouts.
func BenchmarkValidateFQDNsSilentWorld(b *testing.B) {
	benchValidate(b, 2, func(d *dnsworld.World) string { return d.Silent }, func(b *testing.B, rep report.Report) {
		if rep.DurationMs > 2000 || rep.Summary.Fail == 0 {
			b.Errorf("silent world: %d ms, %+v", rep.DurationMs, rep.Summary)
		}
	})
}
