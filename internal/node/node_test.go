package node

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestParseCPUInfo(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want int
		err  bool
	}{
		{"x86 two", "processor\t: 0\nmodel name\t: X\n\nprocessor\t: 1\nmodel name\t: X\n", 2, false},
		{"arm", "processor : 0\nBogoMIPS : 50\nprocessor : 1\nprocessor : 2\nprocessor : 3\n", 4, false},
		{"none", "model name: X\n", 0, true},
		{"empty", "", 0, true},
	}
	for _, c := range cases {
		got, err := ParseCPUInfo([]byte(c.in))
		if (err != nil) != c.err || got != c.want {
			t.Errorf("%s: got %d, %v", c.name, got, err)
		}
	}
}

func TestParseMemTotal(t *testing.T) {
	cases := []struct {
		in   string
		want uint64
		err  bool
	}{
		{"MemTotal:       24568940 kB\nMemFree: 1 kB\n", 24568940 * 1024, false},
		{"MemFree: 1 kB\nMemTotal: 8000000 kB\n", 8000000 * 1024, false},
		{"MemTotal: abc kB\n", 0, true},
		{"MemTotal: 5 MB\n", 0, true},
		{"MemTotal:\n", 0, true},
		{"MemFree: 1 kB\n", 0, true},
		{"MemTotal: 99999999999999999999 kB\n", 0, true},
	}
	for _, c := range cases {
		got, err := ParseMemTotal([]byte(c.in))
		if (err != nil) != c.err || got != c.want {
			t.Errorf("%q: got %d, %v", c.in, got, err)
		}
	}
}

func FuzzParseMemTotal(f *testing.F) {
	f.Add([]byte("MemTotal:       24568940 kB\n"))
	f.Add([]byte("MemTotal: 18446744073709551615 kB\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ParseMemTotal(b)
		if err == nil && v%1024 != 0 {
			t.Fatalf("value %d not a whole number of kB", v)
		}
	})
}

func FuzzParseCPUInfo(f *testing.F) {
	f.Add([]byte("processor\t: 0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, err := ParseCPUInfo(b)
		if (err == nil) != (n > 0) {
			t.Fatalf("n=%d err=%v", n, err)
		}
	})
}

func TestMeasureFromProcTree(t *testing.T) {
	proc := t.TempDir()
	os.WriteFile(filepath.Join(proc, "cpuinfo"), []byte("processor : 0\nprocessor : 1\nprocessor : 2\n"), 0o644)
	os.WriteFile(filepath.Join(proc, "meminfo"), []byte("MemTotal: 4000000 kB\n"), 0o644)
	dir := t.TempDir()
	f, err := Measurer{ProcRoot: proc}.Measure(context.Background(), filepath.Join(dir, "not", "yet"))
	if err != nil {
		t.Fatal(err)
	}
	if f.CPUs != 3 || f.MemTotalBytes != 4000000*1024 || f.MeasuredPath != dir || f.DiskSizeBytes == 0 {
		t.Fatalf("%+v", f)
	}
}
