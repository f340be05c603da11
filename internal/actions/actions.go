// Package actions implements every action of the module: each reads its
// (already validated) input, merges the stored settings, runs collectors
// and checks, and returns the output document.
package actions

import (
	"context"
	"encoding/json"
	"io"
	"sort"
	"time"

	"github.com/google/uuid"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/settings"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

// Env is what an action runs with.
type Env struct {
	Agent  agent.Env
	Log    *agent.Logger
	Chan   *agent.Channel
	Stderr io.Writer
	// ProcRoot overrides /proc for node measurements (demo and unit tests).
	ProcRoot string
	// part is set for an action run-preflight runs: what the whole run
	// logs once, its parts do not log again.
	part bool
}

// Action is one subcommand.
type Action struct {
	Name    string
	Summary string
	// Report is true when the output is a preflight report.
	Report bool
	// Hidden actions are steps NS8 runs (update, restore), left out of --help.
	Hidden bool
	Run    func(ctx context.Context, e *Env, input json.RawMessage) (any, error)
}

var registry = map[string]Action{}

func register(a Action) { registry[a.Name] = a }

// Lookup finds an action by name.
func Lookup(name string) (Action, bool) {
	a, ok := registry[name]
	return a, ok
}

// All lists the actions by name.
func All() []Action {
	out := make([]Action, 0, len(registry))
	for _, a := range registry {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ClusterConfig is where this module's cluster database is.
func (e *Env) ClusterConfig() cluster.Config {
	return cluster.Config{
		ModuleID:     e.Agent.ModuleID,
		ReadAddress:  e.Agent.RedisReplica,
		WriteAddress: e.Agent.RedisAddress,
		User:         e.Agent.RedisUser,
		Password:     e.Agent.RedisPassword,
	}
}

// stateStore opens the store in the module state dir: nil (and no error)
// for a stand-alone run without AGENT_STATE_DIR, which keeps nothing. The
// store only needs a directory: this is the one place that says which.
func (e *Env) stateStore() (*store.Store, error) {
	if e.Agent.StateDir == "" {
		return nil, nil
	}
	return store.Open(e.Agent.StateDir)
}

// Settings loads the stored settings.
func (e *Env) Settings() (settings.Settings, error) { return settings.Load(e.Agent.StateDir) }

// RunID is the task id under the agent (so a report and its task share an
// id), a fresh UUID otherwise.
func (e *Env) RunID() string {
	if e.Agent.TaskID != "" {
		return e.Agent.TaskID
	}
	return uuid.NewString()
}

// decode unmarshals input that may be JSON null.
func decode(input json.RawMessage, v any) error {
	if len(input) == 0 || string(input) == "null" {
		return nil
	}
	return json.Unmarshal(input, v)
}

func timeoutOf(inputS, storedS int) time.Duration {
	s := storedS
	if inputS > 0 {
		s = inputS
	}
	if s <= 0 {
		s = settings.DefaultTimeout
	}
	return time.Duration(s) * time.Second
}

// commonInput is what every check action's input has: the deadline and the
// ignore list, both defaulting to the stored settings.
type commonInput struct {
	TimeoutS int             `json:"timeout_s"`
	Ignore   []report.Ignore `json:"ignore"`
}

func (c commonInput) common() commonInput { return c }

// begin decodes an action's (already validated) input and loads the
// stored settings: every action starts this way.
func begin[T any](e *Env, input json.RawMessage) (T, settings.Settings, error) {
	var in T
	if err := decode(input, &in); err != nil {
		return in, settings.Settings{}, err
	}
	st, err := e.Settings()
	return in, st, err
}
