package agent

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// EnvironmentFile and LockFile are the module settings file and its lock in
// AGENT_STATE_DIR (reference/ns8-platform.md §2.6).
const (
	EnvironmentFile = "environment"
	LockFile        = ".environment.lock"
)

// ReadEnvironment parses KEY=VALUE lines; lines without "=" are ignored, as
// the agent ignores them. A missing file is an empty environment.
func ReadEnvironment(stateDir string) (map[string]string, error) {
	raw, err := os.ReadFile(filepath.Join(stateDir, EnvironmentFile))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]string{}, nil
	}
	if err != nil {
		return nil, err
	}
	return parseEnv(raw), nil
}

func parseEnv(raw []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" {
			continue
		}
		m[k] = v
	}
	return m
}

// LockWait bounds the wait for another writer of the environment file: a
// stuck writer must not hang the action.
var LockWait = 10 * time.Second

// lockWithin takes the exclusive flock, retrying until wait has passed.
func lockWithin(f *os.File, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("lock %s: %w", LockFile, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the environment file is locked by another writer (%s held for more than %s)", LockFile, wait)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// UpdateEnvironment edits the environment file the way the agent's Python
// library does: exclusive flock on .environment.lock, read, change, write a
// temp file with the original mode, fsync, rename over, fsync the directory.
// Keys mapped to nil are removed. Values must not contain newlines.
func UpdateEnvironment(stateDir string, set map[string]*string) error {
	for k, v := range set {
		if k == "" || strings.ContainsAny(k, "=\n\x00") {
			return fmt.Errorf("invalid environment key %q", k)
		}
		if v != nil && strings.ContainsAny(*v, "\n\r\x00") {
			return fmt.Errorf("environment value of %s contains a line break", k)
		}
	}
	lock, err := os.OpenFile(filepath.Join(stateDir, LockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := lockWithin(lock, LockWait); err != nil {
		return err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck

	path := filepath.Join(stateDir, EnvironmentFile)
	cur, mode, err := readEnvFile(path)
	if err != nil {
		return err
	}
	for k, v := range set {
		if v == nil {
			delete(cur, k)
		} else {
			cur[k] = *v
		}
	}
	keys := make([]string, 0, len(cur))
	for k := range cur {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	for _, k := range keys {
		fmt.Fprintf(&buf, "%s=%s\n", k, cur[k])
	}
	return replaceFile(path, buf.Bytes(), mode)
}

// readEnvFile reads the environment and its mode; a missing file is empty.
func readEnvFile(path string) (map[string]string, os.FileMode, error) {
	raw, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return map[string]string{}, 0o644, nil
	case err != nil:
		return nil, 0, err
	}
	mode := os.FileMode(0o644)
	if st, err := os.Stat(path); err == nil {
		mode = st.Mode().Perm()
	}
	return parseEnv(raw), mode, nil
}

// replaceFile writes data to path atomically: a temp file in the same
// directory with the given mode, fsync, rename over, fsync the directory.
func replaceFile(path string, data []byte, mode os.FileMode) error {
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

// writeSynced sets the mode, writes, fsyncs and closes f.
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
