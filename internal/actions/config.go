package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/settings"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/sshkey"
)

func init() {
	register(Action{Name: "configure-module", Summary: "store settings (NS7 host, FQDNs, destination node, LDAP domain, ignore list)", Run: configureModule})
	register(Action{Name: "get-configuration", Summary: "print settings, the module SSH public key and the pinned NS7 host key", Run: getConfiguration})
	register(Action{Name: "create-module", Summary: "generate the module SSH key pair in the state dir (create-module step)", Run: createModule})
}

var errNoStateDir = errors.New("AGENT_STATE_DIR is not set: settings live in the module state dir")

func configureModule(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	// The input is judged first: a mistake in it is said wherever it runs.
	if err := checkIgnoreInput(input); err != nil {
		return nil, err
	}
	if e.Agent.StateDir == "" {
		return nil, errNoStateDir
	}
	var in map[string]json.RawMessage
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	if err := settings.Save(e.Agent.StateDir, in); err != nil {
		return nil, fmt.Errorf("save settings: %w", err)
	}
	e.Log.Infof("settings saved")
	return nil, nil
}

// Configuration is the output of get-configuration.
type Configuration struct {
	settings.Settings
	SSHPublicKey string `json:"ssh_public_key"`
	NS7HostKey   string `json:"ns7_host_key"`
}

func getConfiguration(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	st, err := e.Settings()
	if err != nil {
		return nil, err
	}
	out := Configuration{Settings: st}
	if e.Agent.StateDir != "" {
		if out.SSHPublicKey, err = sshkey.PublicKey(e.Agent.StateDir); err != nil {
			return nil, err
		}
		if out.NS7HostKey, err = sshkey.PinnedFingerprint(e.Agent.StateDir); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func createModule(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	if e.Agent.StateDir == "" {
		return nil, errNoStateDir
	}
	comment := "nethvoice-preflight"
	if e.Agent.ModuleID != "" {
		comment = e.Agent.ModuleID
		if e.Agent.NodeID != "" {
			comment += "@node" + e.Agent.NodeID
		}
	}
	if err := sshkey.Ensure(e.Agent.StateDir, comment); err != nil {
		return nil, fmt.Errorf("generate SSH key: %w", err)
	}
	e.Log.Infof("SSH key pair ready in %s", sshkey.PublicKeyFile)
	return nil, nil
}
