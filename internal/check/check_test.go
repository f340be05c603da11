package check

import (
	"strings"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

type facts struct {
	n    int
	took time.Duration
}

func TestJudge(t *testing.T) {
	ok := &Check[facts]{Meta: Meta{ID: "x.ok"}, Took: func(f facts) time.Duration { return f.took },
		Eval: func(f facts) []report.Finding {
			return []report.Finding{{Subject: "a", Status: report.Pass}, {Subject: "b", Status: report.Warn, DurationMs: 7}}
		}}
	broken := &Check[facts]{Meta: Meta{ID: "x.broken"}, Eval: One(func(f facts) report.Finding {
		return report.Finding{Message: []string{}[f.n]} // index out of range
	})}
	borrower := &Check[facts]{Meta: Meta{ID: "x.borrower"}, Eval: One(func(facts) report.Finding {
		return report.Finding{ID: "x.ok", Status: report.Pass}
	})}
	after := &Check[facts]{Meta: Meta{ID: "x.after"}, Eval: One(func(facts) report.Finding { return report.Finding{Status: report.Pass} })}

	got := Judge([]*Check[facts]{ok, broken, borrower, after}, facts{n: 3, took: 42 * time.Millisecond})
	if len(got) != 5 {
		t.Fatalf("%d findings: %+v", len(got), got)
	}
	if got[0].ID != "x.ok" || got[1].ID != "x.ok" || got[0].DurationMs != 42 || got[1].DurationMs != 7 {
		t.Errorf("ids stamped, the collector's time given where the finding has none: %+v %+v", got[0], got[1])
	}
	for i, id := range []string{"x.broken", "x.borrower"} {
		f := got[2+i]
		if f.ID != Internal.ID || f.Subject != id || f.Status != report.Fail || !strings.HasPrefix(f.Message, "internal error in check "+id+": ") ||
			f.Remediation == nil || strings.Contains(f.Message, "\n") {
			t.Errorf("a broken check is an internal finding about it, not a verdict: %+v", f)
		}
	}
	if got[4].ID != "x.after" || got[4].Status != report.Pass {
		t.Errorf("the checks after a broken one still run: %+v", got[4])
	}
}

func TestMetas(t *testing.T) {
	c := &Check[facts]{Meta: Meta{ID: "x.y", Title: "T"}}
	if m := Metas([]*Check[facts]{c}); len(m) != 1 || m[0].ID != "x.y" || m[0].Title != "T" {
		t.Fatal(m)
	}
}

func TestClusterGap(t *testing.T) {
	for _, c := range []struct {
		s    cluster.State
		see  string
		want string
	}{
		{cluster.State{}, "", "REDIS_ADDRESS is not set"},
		{cluster.State{RedisConfigured: true, ClusterErr: "timeout"}, "", "could not be read: timeout"},
		{cluster.State{RedisConfigured: true, ClusterErr: "timeout"}, "cluster.redis", "could not be read (see cluster.redis): timeout"},
	} {
		if got := ClusterGap(c.s, c.see); !strings.Contains(got, c.want) {
			t.Errorf("%+v: %q", c.s, got)
		}
	}
	if got := ClusterGap(cluster.State{RedisConfigured: true, Cluster: &cluster.Snapshot{}}, ""); got != "" {
		t.Errorf("a snapshot is there: %q", got)
	}
}

func TestBytes(t *testing.T) {
	for _, c := range []struct {
		in   int64
		want string
	}{{-5, "0 B"}, {0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {100 << 30, "100.0 GiB"}, {3 << 40, "3.0 TiB"}} {
		if got := Bytes(c.in); got != c.want {
			t.Errorf("Bytes(%d) = %q, want %q", c.in, got, c.want)
		}
	}
	if Bytes(uint64(1<<20)) != "1.0 MiB" {
		t.Error("unsigned")
	}
}
