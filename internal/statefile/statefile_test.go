package statefile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestReplace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.json")
	for _, content := range []string{"one", "two, longer than one"} {
		if err := Replace(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(p)
		if err != nil || string(raw) != content {
			t.Fatalf("read %q %v, want %q", raw, err, content)
		}
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temp files left: %v", ents)
	}
	// A directory that cannot take the temp file: an error, the old file intact.
	if err := Replace(filepath.Join(dir, "missing", "f"), []byte("x"), 0o600); err == nil {
		t.Error("no error for a missing directory")
	}
}

func TestLockKinds(t *testing.T) {
	p := filepath.Join(t.TempDir(), ".lock")
	r1, err := Acquire(p, 0o600, Shared, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := Acquire(p, 0o600, Shared, time.Second)
	if err != nil {
		t.Fatalf("readers must share the lock: %v", err)
	}
	start := time.Now()
	_, err = Acquire(p, 0o600, Exclusive, 100*time.Millisecond)
	if !errors.Is(err, ErrBusy) || time.Since(start) < 100*time.Millisecond {
		t.Fatalf("a writer got in while readers held the lock: %v", err)
	}
	r1.Release()
	r2.Release()
	w, err := Acquire(p, 0o600, Exclusive, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// A writer waiting for another gets in once it lets go.
	go func() { time.Sleep(50 * time.Millisecond); w.Release() }()
	w2, err := Acquire(p, 0o600, Exclusive, 5*time.Second)
	if err != nil {
		t.Fatalf("waiting writer: %v", err)
	}
	w2.Release()
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v", st.Mode())
	}
}
