// Package statefile writes the files of the module's state directory so
// that concurrent tasks (the NS8 agent runs up to 32 at once) never see a
// torn file nor lose an update: a file is replaced whole (temp file, fsync,
// rename, fsync of the directory), and writers serialize on an flock(2),
// the way the agent's Python library edits the environment file
// (ns8-core agent/pypkg/agent/__init__.py, set_env/unset_env).
package statefile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Replace writes data to path atomically: a temp file in the same directory
// with the given mode, fsync, rename over, fsync the directory. A reader
// sees the old content or the new one, never a part; after a crash the old
// one stays (a temp file named .<name>.tmp-* may be left behind).
func Replace(path string, data []byte, mode os.FileMode) error {
	dirName := filepath.Dir(path)
	tmp, err := os.CreateTemp(dirName, "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName) // no-op after a successful rename
	if err := writeSynced(tmp, data, mode); err != nil {
		return err
	}
	if err := os.Rename(tmpName, path); err != nil {
		return err
	}
	dir, err := os.Open(dirName)
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

// writeSynced sets the mode (not subject to the umask), writes, fsyncs and
// closes f.
func writeSynced(f *os.File, data []byte, mode os.FileMode) error {
	err := f.Chmod(mode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Kind is how a lock is held: many readers share it, one writer excludes
// everyone.
type Kind int

// Lock kinds (flock(2) LOCK_SH and LOCK_EX).
const (
	Shared    Kind = syscall.LOCK_SH
	Exclusive Kind = syscall.LOCK_EX
)

// ErrBusy is returned (wrapped) by Lock when another holder kept the lock
// longer than the wait.
var ErrBusy = errors.New("held by another task")

// Lock is a held flock.
type Lock struct{ f *os.File }

// Acquire takes an flock of the given kind on path (created with mode if
// missing), retrying until wait has passed: a stuck holder must not hang a
// task. Locks are per open file, so goroutines of one process exclude each
// other as processes do.
func Acquire(path string, mode os.FileMode, kind Kind, wait time.Duration) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, mode)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), int(kind)|syscall.LOCK_NB)
		if err == nil {
			return &Lock{f: f}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", filepath.Base(path), err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("%s %w for more than %s", filepath.Base(path), ErrBusy, wait)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Release lets the lock go.
func (l *Lock) Release() {
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing releases it anyway
	l.f.Close()
}
