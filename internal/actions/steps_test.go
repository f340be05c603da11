package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/settings"
)

func testEnv(stateDir string) (*Env, *bytes.Buffer) {
	var log bytes.Buffer
	return &Env{Agent: agent.Env{StateDir: stateDir, ModuleID: "nethvoice-preflight2"}, Log: agent.NewLogger(&log, false),
		Chan: agent.NewChannel(io.Discard)}, &log
}

// restore-module stores the settings of the backed-up environment that
// configure-module would take, leaves out (and names) the others, and
// keeps the new instance's own keys.
func TestRestoreModuleSettings(t *testing.T) {
	dir := t.TempDir()
	agent.UpdateEnvironment(dir, map[string]*string{"MODULE_ID": strp("nethvoice-preflight2")}) //nolint:errcheck
	e, log := testEnv(dir)
	in, _ := json.Marshal(map[string]any{"repository": "r", "path": "p", "snapshot": "latest", "environment": map[string]any{
		"MODULE_ID": "nethvoice-preflight1", "IMAGE_URL": "ghcr.io/x/y:1", "NS7_HOST": "ns7.example.com", "NS7_USER": "admin",
		"NS7_PORT": "99999", "TIMEOUT_S": "ten", "NETHVOICE_FQDN": "voice.example.com", "RESOLVERS": "192.0.2.53,192.0.2.54",
		"PREFLIGHT_IGNORE": `[{"id":"node.cpu","reason":"lab"}]`,
	}})
	if _, err := restoreModule(context.Background(), e, in); err != nil {
		t.Fatal(err)
	}
	st, _ := settings.Load(dir)
	if st.NS7.Host != "ns7.example.com" || st.NS7.User != "admin" || st.FQDNs.NethVoice != "voice.example.com" ||
		len(st.Resolvers) != 2 || len(st.Ignore) != 1 || st.Ignore[0].Reason != "lab" {
		t.Errorf("restored %+v", st)
	}
	env, _ := agent.ReadEnvironment(dir)
	if env["MODULE_ID"] != "nethvoice-preflight2" || env["IMAGE_URL"] != "" || env["NS7_PORT"] != "" || env["TIMEOUT_S"] != "" {
		t.Errorf("environment %v", env)
	}
	for _, want := range []string{"setting TIMEOUT_S of the backup not restored", "setting ns7.port of the backup not restored",
		"settings restored from the backup: fqdns, ignore, ns7, resolvers"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log.String())
		}
	}
	if st.NS7.Port != 22 {
		t.Errorf("a port the schema refuses was restored: %d", st.NS7.Port)
	}
}

func TestRestoreModuleWithoutEnvironment(t *testing.T) {
	dir := t.TempDir()
	e, log := testEnv(dir)
	if _, err := restoreModule(context.Background(), e, json.RawMessage(`{"snapshot":"latest"}`)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "no settings to restore") {
		t.Errorf("log:\n%s", log.String())
	}
	if _, err := restoreModule(context.Background(), &Env{Log: e.Log}, nil); err == nil {
		t.Error("no error without a state dir")
	}
}
