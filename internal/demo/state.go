package demo

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/alicebob/miniredis/v2"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
)

// The demo's state directory holds two parts:
//
//	module/  the module's state dir (AGENT_STATE_DIR): settings (environment),
//	         the module's SSH key pair, known_hosts with the sample NS7's pin,
//	         and whatever else the module keeps in its state dir
//	world/   the sample world's own state: the sample NS7's host key and the
//	         module's own keys of the sample cluster (ownKeysFile)
const (
	moduleDir   = "module"
	worldDir    = "world"
	marker      = ".nethvoice-preflight-demo"
	ns7KeyFile  = "ns7_host_ed25519"
	ownKeysFile = "cluster-own-keys.json"
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

// ownKey is one key of the sample cluster under the module's own prefix.
type ownKey struct {
	Type   string            `json:"type"`
	String string            `json:"string,omitempty"`
	List   []string          `json:"list,omitempty"`
	Hash   map[string]string `json:"hash,omitempty"`
	Set    []string          `json:"set,omitempty"`
}

// ownPrefix is where the module writes in the cluster database (its own
// keys); the run lock is left out, as its TTL would be.
func ownPrefix() string { return cluster.OwnKey(ModuleID, "preflight/") }

// saveOwnKeys writes the module's own keys of the sample cluster (the
// reports, history, checklist and NS7 facts that run-preflight keeps in the
// cluster database) to path, so that the next call finds them.
func saveOwnKeys(mr *miniredis.Miniredis, path string) error {
	keys := map[string]ownKey{}
	for _, k := range mr.Keys() {
		if !strings.HasPrefix(k, ownPrefix()) || strings.HasSuffix(k, "/lock") {
			continue
		}
		var v ownKey
		var err error
		switch v.Type = mr.Type(k); v.Type {
		case "string":
			v.String, err = mr.Get(k)
		case "list":
			v.List, err = mr.List(k)
		case "hash":
			v.Hash = map[string]string{}
			var fields []string
			fields, err = mr.HKeys(k)
			for _, f := range fields {
				v.Hash[f] = mr.HGet(k, f)
			}
		case "set":
			v.Set, err = mr.Members(k)
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		keys[k] = v
	}
	raw, err := json.Marshal(keys)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// loadOwnKeys puts the saved own keys back into the sample cluster; no
// file is a first call.
func loadOwnKeys(mr *miniredis.Miniredis, path string) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var keys map[string]ownKey
	if err := json.Unmarshal(raw, &keys); err != nil {
		return fmt.Errorf("%s is damaged (demo reset starts over): %w", path, err)
	}
	for k, v := range keys {
		if !strings.HasPrefix(k, ownPrefix()) {
			continue
		}
		switch v.Type {
		case "string":
			err = mr.Set(k, v.String)
		case "list":
			for _, e := range v.List {
				if _, err = mr.Push(k, e); err != nil {
					break
				}
			}
		case "hash":
			for f, x := range v.Hash {
				mr.HSet(k, f, x)
			}
		case "set":
			_, err = mr.SetAdd(k, v.Set...)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
	}
	return nil
}
