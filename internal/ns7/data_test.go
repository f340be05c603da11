package ns7

import (
	"context"
	"errors"
	"testing"
	"time"
)

// du's lines as they arrive, cut at any point: only finished directories
// count, each once (a directory's line replaces its subdirectories').
func TestParseDUTree(t *testing.T) {
	root := "/var/spool/asterisk/monitor"
	full := "100\t" + root + "/2025/11\n200\t" + root + "/2025/12\n310\t" + root + "/2025\n40\t" + root + "/2026/01\n50\t" + root + "/2026\n370\t" + root + "\n"
	for _, c := range []struct {
		out      string
		total    int64
		complete bool
	}{
		{full, 370, true},
		{"100\t" + root + "/2025/11\n200\t" + root + "/2025/12\n", 300, false},
		{"100\t" + root + "/2025/11\n200\t" + root + "/2025/12\n310\t" + root + "/2025\n40\t" + root + "/2026/01\n", 350, false},
		{"", 0, false},
		{"12\t/elsewhere\nnot a line\n", 0, false},
	} {
		if got := ParseDUTree(c.out, root+"/"); got.Total != c.total || got.Complete != c.complete {
			t.Errorf("%q: %+v, want %d %v", c.out, got, c.total, c.complete)
		}
	}
}

func TestParseDFPaths(t *testing.T) {
	out := "       Used Mounted on File\n17633320960 /          /var/spool/asterisk/monitor\n2000 /mnt/with space /var/lib/mysql\ngarbage\n"
	got := ParseDFPaths(out)
	if len(got) != 2 || got[0] != (PathFS{Path: "/var/spool/asterisk/monitor", Mount: "/", UsedBytes: 17633320960}) ||
		got[1] != (PathFS{Path: "/var/lib/mysql", Mount: "/mnt/with space", UsedBytes: 2000}) {
		t.Errorf("%+v", got)
	}
}

func TestReuseFiles(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) string { return now.Add(-d).Format(time.RFC3339) }
	for _, c := range []struct {
		name string
		prev *DataSizes
		ok   bool
	}{
		{"costly and recent", &DataSizes{MeasuredAt: at(3 * time.Hour), TookMs: 95000}, true},
		{"cheap: measured again", &DataSizes{MeasuredAt: at(time.Hour), TookMs: 2000}, false},
		{"too old", &DataSizes{MeasuredAt: at(25 * time.Hour), TookMs: 95000}, false},
		{"from the future", &DataSizes{MeasuredAt: at(-time.Hour), TookMs: 95000}, false},
		{"incomplete", &DataSizes{MeasuredAt: at(time.Hour), TookMs: 95000, Unmeasured: map[string]string{"recordings": "cut"}}, false},
		{"databases missing only", &DataSizes{MeasuredAt: at(time.Hour), TookMs: 95000, Unmeasured: map[string]string{"databases": "mysql"}}, true},
		{"never", nil, false},
	} {
		if ReuseFiles(c.prev, now) != c.ok {
			t.Errorf("%s: want %v", c.name, c.ok)
		}
	}
}

// The bound of a measurement cut short: measured categories, plus each
// filesystem holding an unmeasured path once; unknown when the databases
// are unmeasured and no filesystem holds them.
func TestDataBound(t *testing.T) {
	fs := []PathFS{{"/var/spool/asterisk/monitor", "/var/spool", 500}, {"/var/spool/asterisk/voicemail", "/var/spool", 500},
		{"/etc/asterisk", "/", 70}, {"/var/lib/mysql", "/", 70}}
	f := &Facts{Data: DataSizes{Categories: map[string]int64{"config": 3, "voicemail": 7}, DatabaseBytes: 11, Filesystems: fs,
		Unmeasured: map[string]string{"recordings": "cut"}}}
	if n, mounts := f.bound(); n != 3+7+11+500 || len(mounts) != 1 || mounts[0].Mount != "/var/spool" {
		t.Errorf("%d %+v", n, mounts)
	}
	f.Data.Unmeasured["databases"] = "mysql"
	if n, _ := f.bound(); n != 3+7+500+70 {
		t.Errorf("with the databases unmeasured: %d", n)
	}
	f.Data.Filesystems = fs[:3]
	if n, _ := f.bound(); n != 0 {
		t.Errorf("no filesystem holds the databases, yet a bound: %d", n)
	}
}

// A gate refused by NS7 lowers its limit to the sessions open and lets the
// refused one wait for a slot; a refusal with nothing else open is not
// waited on.
func TestGateRefused(t *testing.T) {
	g := newGate(4)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if err := g.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !g.refused() || g.limit != 2 || g.running != 2 {
		t.Fatalf("limit %d running %d", g.limit, g.running)
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := g.acquire(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third session at limit 2: %v", err)
	}
	g.release()
	if err := g.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	g.release()
	g.release()
	if err := g.acquire(ctx); err != nil || g.refused() {
		t.Fatalf("alone: %v", err)
	}
}
