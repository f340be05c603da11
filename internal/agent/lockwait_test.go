package agent

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A writer that never lets go of the lock makes the update fail within
// LockWait, with a message that says so, and leaves the file as it was.
func TestUpdateEnvironmentLockHeldTooLong(t *testing.T) {
	dir := t.TempDir()
	v := "1"
	if err := UpdateEnvironment(dir, map[string]*string{"A": &v}); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	saved := LockWait
	LockWait = 200 * time.Millisecond
	defer func() { LockWait = saved }()
	start := time.Now()
	w := "2"
	err = UpdateEnvironment(dir, map[string]*string{"A": &w})
	if err == nil || !strings.Contains(err.Error(), "locked by another writer") {
		t.Fatalf("err = %v", err)
	}
	if el := time.Since(start); el < 200*time.Millisecond || el > 2*time.Second {
		t.Fatalf("gave up after %s", el)
	}
	if env, _ := ReadEnvironment(dir); env["A"] != "1" {
		t.Fatalf("file changed: %v", env)
	}
	// Released: the next update goes through.
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:errcheck
	if err := UpdateEnvironment(dir, map[string]*string{"A": &w}); err != nil {
		t.Fatal(err)
	}
}
