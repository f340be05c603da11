package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/settings"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/ns7world"
)

// notKept are the state dir files the module's backup leaves out on
// purpose, and why.
var notKept = map[string]string{
	"environment":       "always backed up by NS8 itself (module-backup), never restored as is: restore-module/30restore_settings stores its settings again",
	"agent.env":         "NS8's own (Redis credentials of the agent), written by the node",
	".environment.lock": "the flock of the environment file",
}

// includeList reads imageroot/etc/state-include.conf as restic's
// --files-from does (trimmed lines, # comments and empty lines skipped).
func includeList(t *testing.T, install string) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(install, "etc", "state-include.conf"))
	must(t, err)
	if !bytes.HasSuffix(raw, []byte("\n")) {
		t.Error("state-include.conf must end with a newline (ns8-core agent.get_state_volume_args drops the last character otherwise)")
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(line, "state/") && !strings.HasPrefix(line, "volumes/") {
			t.Errorf("state-include.conf: %q is not under state/ or volumes/ (paths are relative to /srv of the backup container)", line)
		}
		out = append(out, line)
	}
	return out
}

// kept is what the backup would hold: the state dir files that a pattern
// of the include list names (filepath.Glob, a directory recursively, as
// restic does), relative to the state dir; it fails for a pattern that
// names nothing.
func kept(t *testing.T, stateDir string, patterns []string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, p := range patterns {
		// /srv/state is the state dir in the backup container.
		matches, err := filepath.Glob(filepath.Join(stateDir, strings.TrimPrefix(p, "state/")))
		must(t, err)
		if len(matches) == 0 {
			t.Errorf("state-include.conf: %q names nothing the module wrote", p)
		}
		for _, m := range matches {
			must(t, filepath.WalkDir(m, func(path string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					rel, _ := filepath.Rel(stateDir, path)
					out[rel] = true
				}
				return err
			}))
		}
	}
	return out
}

// copyFiles copies the files rel (relative to src) into dst, with their
// modes and their directories' modes, as restic restores them.
func copyFiles(t *testing.T, src, dst string, rels []string) {
	t.Helper()
	for _, rel := range rels {
		for d := filepath.Dir(rel); d != "."; d = filepath.Dir(d) {
			st, err := os.Stat(filepath.Join(src, d))
			must(t, err)
			must(t, os.MkdirAll(filepath.Join(dst, d), st.Mode().Perm()))
			must(t, os.Chmod(filepath.Join(dst, d), st.Mode().Perm()))
		}
		st, err := os.Stat(filepath.Join(src, rel))
		must(t, err)
		raw, err := os.ReadFile(filepath.Join(src, rel))
		must(t, err)
		must(t, os.WriteFile(filepath.Join(dst, rel), raw, st.Mode().Perm()))
		must(t, os.Chmod(filepath.Join(dst, rel), st.Mode().Perm()))
	}
}

// The backup and restore of an instance that prepared a migration, as far
// as this machine allows (no restic, no NS8 core steps): the include list
// keeps every file the module writes and names nothing that does not
// exist; the kept files, restored into a fresh instance (whose
// create-module made a new SSH key) the way restore-module's 10restore does
// (everything but state/environment), with the module's restore step given
// the backed-up environment, bring back the settings, the trust in NS7 (the
// key NS7 authorized, the pinned host key: the next probe logs in and
// matches) and the record of preparation (history, reports, checklist).
func TestBackupAndRestoreKeepTrustAndRecord(t *testing.T) {
	e := fullWorld(t, ns7world.Healthy(), 5)
	if res, _ := e.run(t, "run-preflight", nil); res.ExitCode != 0 {
		t.Fatalf("%s", res)
	}
	before := e.getReport(t, nil)
	oldCfg := configuration(t, e.world)
	if before.Report == nil || oldCfg.NS7HostKey == "" {
		t.Fatalf("nothing to back up: report %v, pinned key %q", before.Report != nil, oldCfg.NS7HostKey)
	}

	// --- backup: what the include list keeps, and the environment ---
	patterns := includeList(t, e.module.InstallDir)
	keep := kept(t, e.module.StateDir, patterns)
	var backup []string
	must(t, filepath.WalkDir(e.module.StateDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(e.module.StateDir, p)
		_, purposely := notKept[rel]
		switch {
		case keep[rel]:
			backup = append(backup, rel)
		case !purposely:
			t.Errorf("the module writes %s, which the backup does not keep (imageroot/etc/state-include.conf)", rel)
		}
		return nil
	}))
	sort.Strings(backup)
	t.Logf("the backup keeps: %s", strings.Join(backup, " "))
	oldEnv := e.module.Environment()

	// --- restore into a fresh instance ---
	fresh := harness.InstallModule(t, e.redis, "nethvoice-preflight2", "1", harness.WithCreateModule())
	w2 := &world{redis: e.redis, module: fresh}
	if cfg := configuration(t, w2); cfg.SSHPublicKey == oldCfg.SSHPublicKey {
		t.Fatal("the fresh instance has the old key before the restore: the test proves nothing")
	}
	copyFiles(t, e.module.StateDir, fresh.StateDir, backup)
	res, _ := w2.run(t, "restore-module", map[string]any{"repository": "backup1", "path": "nethvoice-preflight/" + e.module.UUID,
		"snapshot": "latest", "environment": oldEnv})
	if res.ExitCode != 0 {
		t.Fatalf("restore-module: %s", res)
	}

	// Settings, key, pinned host key.
	cfg := configuration(t, w2)
	if cfg.SSHPublicKey != oldCfg.SSHPublicKey || cfg.NS7HostKey != oldCfg.NS7HostKey {
		t.Errorf("trust not restored: key %q (want %q), pinned %q (want %q)", cfg.SSHPublicKey, oldCfg.SSHPublicKey, cfg.NS7HostKey, oldCfg.NS7HostKey)
	}
	if cfg.NS7.Host != e.ns7.IP || cfg.FQDNs != oldCfg.FQDNs || cfg.LDAPDomain != oldCfg.LDAPDomain || cfg.TimeoutS != oldCfg.TimeoutS ||
		strings.Join(cfg.Resolvers, ",") != strings.Join(oldCfg.Resolvers, ",") {
		t.Errorf("settings not restored: %+v\nwant %+v", cfg.Settings, oldCfg.Settings)
	}
	if env := fresh.Environment(); env["MODULE_ID"] != "nethvoice-preflight2" {
		t.Errorf("the restore overwrote the new instance's own keys: MODULE_ID=%s", env["MODULE_ID"])
	}
	// The probe of the restored instance still trusts NS7, with the
	// settings alone (no input): NS7 authorized only the old key.
	_, rep := w2.run(t, "probe-ns7", nil)
	subj := e.ns7.Addr()
	expect(t, rep, "ns7.ssh", subj, report.Pass, "with the module's key")
	expect(t, rep, "ns7.host-key", subj, report.Pass, "matches the pinned key")
	// The record of preparation.
	after := w2.getReport(t, nil)
	if after.Report == nil || after.Report.RunID != before.Report.RunID || len(after.History) != len(before.History) ||
		fmt.Sprint(after.Checklist) != fmt.Sprint(before.Checklist) {
		t.Errorf("record not restored: report %v, history %d (want %d), checklist %v (want %v)",
			after.Report != nil, len(after.History), len(before.History), after.Checklist, before.Checklist)
	}
}

type configurationView struct {
	settings.Settings
	SSHPublicKey string `json:"ssh_public_key"`
	NS7HostKey   string `json:"ns7_host_key"`
}

func configuration(t *testing.T, w *world) configurationView {
	t.Helper()
	res, _ := w.run(t, "get-configuration", nil)
	if res.ExitCode != 0 {
		t.Fatalf("get-configuration: %s", res)
	}
	var c configurationView
	must(t, json.Unmarshal(res.Output, &c))
	return c
}
