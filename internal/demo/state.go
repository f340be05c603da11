package demo

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The demo's state directory holds two parts:
//
//	module/  the module's state dir (AGENT_STATE_DIR): settings (environment),
//	         the module's SSH key pair, known_hosts with the sample NS7's pin,
//	         and whatever else the module keeps in its state dir
//	         (the reports, history and checklist under preflight/)
//	world/   the sample world's own state: the sample NS7's host key
const (
	moduleDir  = "module"
	worldDir   = "world"
	marker     = ".nethvoice-preflight-demo"
	ns7KeyFile = "ns7_host_ed25519"
)

// StateDir is where the demo keeps its state between calls: the XDG state
// directory ($XDG_STATE_HOME, else ~/.local/state; XDG Base Directory
// Specification 0.8) under nethvoice-preflight/demo.
func StateDir() (string, error) {
	base := os.Getenv("XDG_STATE_HOME")
	if !filepath.IsAbs(base) { // the specification says to ignore a relative path
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no state directory: %w (set XDG_STATE_HOME)", err)
		}
		base = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(base, "nethvoice-preflight", "demo"), nil
}

// prepare creates the state directory (private: it holds a private key)
// with its marker.
func prepare(dir string) error {
	for _, d := range []string{dir, filepath.Join(dir, moduleDir), filepath.Join(dir, worldDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, marker), []byte("state of nethvoice-preflight demo; `nethvoice-preflight demo reset` removes it\n"), 0o600)
}

// Reset removes the demo's state directory; it refuses a directory that
// is not the demo's (no marker), so that a wrong XDG_STATE_HOME cannot
// remove anything else.
func Reset(dir string) error {
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, marker)); err != nil {
		return fmt.Errorf("%s is not the demo's state directory (no %s in it): not removed", dir, marker)
	}
	return os.RemoveAll(dir)
}
