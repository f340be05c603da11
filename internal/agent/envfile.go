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
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/statefile"
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
	lock, err := statefile.Acquire(filepath.Join(stateDir, LockFile), 0o644, statefile.Exclusive, LockWait)
	if errors.Is(err, statefile.ErrBusy) {
		return fmt.Errorf("the environment file is locked by another writer (%s held for more than %s)", LockFile, LockWait)
	}
	if err != nil {
		return err
	}
	defer lock.Release()

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
	return statefile.Replace(path, buf.Bytes(), mode)
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
