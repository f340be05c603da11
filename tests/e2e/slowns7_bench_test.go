package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/dnsworld"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/ns7world"
)

// Issue 15's benchmarks: the slow NS7 (its slowest command, du, takes
// 8 s), a spool of a million recordings, run-preflight on both, and
// validate-fqdns through a resolver without upstream; each next to the
// manual commands on the same hosts.

// slowest is the slowest command of slowNS7: du's delay.
const slowest = 8 * time.Second

// loadSampler samples an NS7 world's processes while a benchmark runs:
// the peak count, and the peak and mean of those running or waiting for
// the disk (what the load average counts).
type loadSampler struct {
	stop                    chan struct{}
	done                    sync.WaitGroup
	peakProcs, peakActive   int
	sumActive, samples, pre int
}

func sampleLoad(w *ns7world.World) *loadSampler {
	s := &loadSampler{stop: make(chan struct{})}
	s.pre, _ = w.Load() // sshd alone, between probes
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				p, a := w.Load()
				s.peakProcs, s.peakActive = max(s.peakProcs, p), max(s.peakActive, a)
				s.sumActive += a
				s.samples++
			}
		}
	}()
	return s
}

func (s *loadSampler) report(b *testing.B) {
	close(s.stop)
	s.done.Wait()
	b.ReportMetric(float64(s.peakProcs), "ns7-peak-procs")
	b.ReportMetric(float64(s.pre), "ns7-idle-procs")
	b.ReportMetric(float64(s.peakActive), "ns7-peak-active")
	if s.samples > 0 {
		b.ReportMetric(float64(s.sumActive)/float64(s.samples), "ns7-mean-active")
	}
}

// The slow NS7: probe-ns7's time and its ratio to the slowest command,
// with what the probe costs NS7 (processes, load).
func BenchmarkProbeNS7SlowCommands(b *testing.B) {
	e := newNS7Env(b, ns7Scenario{variant: slowNS7()})
	load := sampleLoad(e.ns7)
	rep := benchTasks(b, e.module, "probe-ns7", e.input(map[string]any{"timeout_s": 10}))
	load.report(b)
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perOp)/float64(slowest), "x-slowest")
	b.ReportMetric(float64(rep.DurationMs)/float64(slowest.Milliseconds()), "report/slowest")
	if !rep.Ready {
		b.Errorf("not ready:\n%s", dumpFindings(rep))
	}
}

// run-preflight against the slow NS7, next to the manual commands.
func BenchmarkRunPreflightSlowNS7(b *testing.B) {
	e := fullWorld(b, slowNS7(), 10)
	rep := benchTasks(b, e.module, "run-preflight", nil)
	perOp := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(perOp)/float64(slowest), "x-slowest")
	if !rep.Ready {
		b.Errorf("not ready: %v\n%s", blockingOf(rep), dumpFindings(rep))
	}
	reportManual(b, e, perOp)
}

func reportManual(b *testing.B, e *ns7Env, perOp time.Duration) {
	var manual time.Duration
	for i := 0; i < b.N; i++ {
		manual += manualBaseline(b, e)
	}
	manual /= time.Duration(b.N)
	b.ReportMetric(float64(manual.Milliseconds()), "manual-ms")
	b.ReportMetric(float64(manual)/float64(perOp), "manual/preflight")
}

// spoolFiles and spoolFileBytes: a million recordings of 300 KiB each
// (apparent size: sparse files, no page of memory each).
const (
	spoolFiles     = 1_000_000
	spoolFileBytes = 300 << 10
)

// buildSpool builds a recordings spool of n sparse files in year/month/day
// directories, as NethVoice files them, on a tmpfs of its own (removed
// when the benchmark ends).
func buildSpool(b *testing.B, n int) string {
	b.Helper()
	dir, err := os.MkdirTemp("", "nvpf-spool-")
	must(b, err)
	must(b, exec.Command("mount", "-t", "tmpfs", "-o", "size=64m,nr_inodes=2000000", "tmpfs", dir).Run())
	b.Cleanup(func() {
		syscall.Unmount(dir, syscall.MNT_DETACH)
		os.Remove(dir)
	})
	start := time.Now()
	const perDay = 1500
	days := (n + perDay - 1) / perDay
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for d := w; d < days; d += 2 {
				sub := filepath.Join(dir, strconv.Itoa(2024+d/336), fmt.Sprintf("%02d", d/28%12+1), fmt.Sprintf("%02d", d%28+1))
				if err := os.MkdirAll(sub, 0o755); err != nil {
					errs <- err
					return
				}
				for i := d * perDay; i < min(n, (d+1)*perDay); i++ {
					f, err := os.Create(filepath.Join(sub, fmt.Sprintf("out-%06d.wav", i)))
					if err == nil {
						err = f.Truncate(spoolFileBytes)
						f.Close()
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.Logf("spool of %d files built in %s", n, time.Since(start).Round(time.Millisecond))
	return dir
}

// spoolNS7 is a healthy NS7 whose recordings spool is dir.
func spoolNS7(b *testing.B) (ns7world.Variant, ns7world.Options) {
	dir := buildSpool(b, spoolFiles)
	v := ns7world.Healthy()
	return v, ns7world.Options{Binds: map[string]string{"/var/spool/asterisk/monitor": dir}}
}

// The million-file spool measured by probe-ns7 (time, bytes, method), and
// in the same run the manual `ssh du -sb` of the same paths.
func BenchmarkProbeNS7MillionFileSpool(b *testing.B) {
	v, o := spoolNS7(b)
	e := newNS7Env(b, ns7Scenario{variant: v, opts: o})
	in := e.input(map[string]any{"timeout_s": 10, "data_budget_s": 600, "remeasure_data": true})
	load := sampleLoad(e.ns7)
	rep := benchTasks(b, e.module, "probe-ns7", in)
	load.report(b)
	f := finding(b, rep, "ns7.data-size", e.ns7.Addr())
	if f.Status != report.Pass {
		b.Fatalf("%s %s", f.Status, f.Message)
	}
	total, _ := f.Data["total_bytes"].(float64)
	took, _ := f.Data["took_ms"].(float64)
	b.ReportMetric(total, "data-bytes")
	b.ReportMetric(took, "du-ms")
	b.Logf("ns7.data-size: %s", f.Message)
	reportManual(b, e, b.Elapsed()/time.Duration(b.N))
	// The old command: one du -sb over every path, one after another.
	start := time.Now()
	out, err := e.ns7ssh(b, "du -sb /var/spool/asterisk/monitor /var/spool/asterisk/voicemail /var/lib/asterisk/sounds/*/custom /var/lib/asterisk/sounds/nethcti /var/lib/asterisk/moh /var/lib/tancredi/data /etc/asterisk /var/lib/asterisk/agi-bin /var/lib/nethserver/nethcti/templates/customer_card /etc/phonebook/sources.d /var/lib/nethserver/nethvoice/phonebook/uploads /usr/share/phonebooks 2>/dev/null; true")
	if err != nil {
		b.Fatalf("%v %s", err, out)
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds()), "one-du-ms")
}

// run-preflight on the million-file spool.
func BenchmarkRunPreflightMillionFileSpool(b *testing.B) {
	v, o := spoolNS7(b)
	e := newNS7Env(b, ns7Scenario{variant: v, opts: o})
	configureFull(b, e, 10)
	rep := benchTasks(b, e.module, "run-preflight", map[string]any{"data_budget_s": 600})
	if f := finding(b, rep, "ns7.data-size", e.ns7.Addr()); f.Status != report.Pass {
		b.Errorf("%s %s", f.Status, f.Message)
	}
	reportManual(b, e, b.Elapsed()/time.Duration(b.N))
}

// ns7ssh runs a command on the world's NS7 as the admin would, with ssh.
func (e *ns7Env) ns7ssh(b *testing.B, cmd string) ([]byte, error) {
	key := filepath.Join(e.module.StateDir, "ssh", "id_ed25519")
	return exec.Command("ssh", "-i", key, "-p", strconv.Itoa(e.ns7.Port), "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "root@"+e.ns7.IP, cmd).CombinedOutput()
}

// validate-fqdns through a resolver that answers its own zone and never
// its parents: its time, the slowest answer it used, and the manual dig
// commands against the same resolver.
func BenchmarkValidateFQDNsInternalResolver(b *testing.B) {
	var d *dnsworld.World
	benchValidate(b, 10, func(w *dnsworld.World) string { d = w; return w.Internal }, func(b *testing.B, rep report.Report) {
		if !rep.Ready {
			b.Errorf("not ready:\n%s", dumpFindings(rep))
		}
		slow, dnsMs := slowestAnswer(rep.Facts)
		b.ReportMetric(float64(slow.Microseconds())/1000, "slowest-answer-ms")
		b.ReportMetric(float64(dnsMs), "dns-ms")
		b.ReportMetric(float64(dnsMs)/max(1, float64(slow.Microseconds())/1000), "dns/slowest-answer")
		b.ReportMetric(float64(rep.DurationMs)/max(1, float64(slow.Microseconds())/1000), "report/slowest-answer")
		start := time.Now()
		for _, name := range []string{dnsworld.Voice, dnsworld.CTI, dnsworld.Proxy, dnsworld.Leader} {
			if out, err := exec.Command("dig", "@"+d.Internal, "+short", "+time=5", "+tries=1", name, "A").CombinedOutput(); err != nil {
				b.Fatalf("dig %s: %v %s", name, err, out)
			}
		}
		b.ReportMetric(float64(time.Since(start).Microseconds())/1000, "manual-ms")
	})
}

// slowestAnswer is the longest of the DNS questions in the facts that got
// an answer (a question left unanswered is not one the verdicts used),
// and the longest time the collector spent on one name (all its
// questions: resolvers, zone walk, authoritative servers).
func slowestAnswer(facts map[string]any) (time.Duration, int64) {
	var slow, name int64
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if _, isName := x["resolvers"]; isName {
				if ms, ok := x["elapsed_ms"].(float64); ok {
					name = max(name, int64(ms))
				}
			}
			if ms, ok := x["elapsed_ms"].(float64); ok {
				if o, _ := x["outcome"].(string); o != "" && o != "timeout" && o != "error" && o != "unreachable" {
					slow = max(slow, int64(ms))
				}
			}
			for _, y := range x {
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	raw, _ := json.Marshal(facts)
	var generic any
	_ = json.Unmarshal(raw, &generic)
	walk(generic)
	return time.Duration(slow) * time.Millisecond, name
}
