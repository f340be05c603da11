package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/settings"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/upgrade"
)

// Steps NS8 runs on the module's behalf, not actions of their own: hidden
// from --help.
func init() {
	register(Action{Name: "update-module", Hidden: true, Run: updateModule,
		Summary: "update-module.d step: move the state earlier versions kept in Redis into the state directory"})
	register(Action{Name: "restore-module", Hidden: true, Run: restoreModule,
		Summary: "restore-module step: store again the settings of the backed-up environment"})
}

// moveBudget bounds the whole move of the state out of Redis.
const moveBudget = 2 * time.Minute

// updateModule moves module/<id>/preflight/* out of the cluster database
// into the state directory (package upgrade). Idempotent: NS8 runs it on
// every update, also to the same image.
func updateModule(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	st, err := e.requireStore()
	if err != nil {
		return nil, err
	}
	cfg := e.ClusterConfig()
	if cfg.WriteAddress == "" || cfg.ModuleID == "" {
		e.Log.Infof("no cluster database (REDIS_ADDRESS is not set): no state to move")
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, moveBudget)
	defer cancel()
	w := cfg.Writer(timeoutOf(0, 0))
	defer w.Close()
	res, err := upgrade.Move(ctx, w, cfg.ModuleID, st)
	for _, d := range res.Imported.Dropped {
		e.Log.Warnf("not moved, it does not decode: %s", d)
	}
	for _, k := range res.Left {
		e.Log.Warnf("left in the cluster database, of unknown shape: %s", k)
	}
	if err != nil {
		return nil, fmt.Errorf("move the preflight state out of the cluster database: %w", err)
	}
	if res.Found == 0 {
		e.Log.Infof("no preflight state in the cluster database: nothing to move")
		return nil, nil
	}
	im := res.Imported
	e.Log.Infof("preflight state moved to %s: %d last reports, %d run reports, %d history entries, %d checklist items, NS7 facts %t; %d keys deleted",
		st.Path(), im.Last, im.Reports, im.History, im.Checklist, im.NS7Facts, res.Deleted)
	return nil, nil
}

// restoreModule stores again the settings of the instance a backup was
// taken from. NS8's restore brings the state directory back (the reports,
// the history, the checklist, the SSH key pair and the pinned NS7 host key,
// imageroot/etc/state-include.conf) but not the environment file, where
// configure-module keeps the settings: restore-module hands that file to
// its steps as the "environment" object (ns8-core restore-module 10restore
// excludes state/environment). The settings are stored the way
// configure-module stores them, after its schema: a value it would refuse
// is left out, and said so.
func restoreModule(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	if e.Agent.StateDir == "" {
		return nil, errNoStateDir
	}
	var in struct {
		Environment map[string]any `json:"environment"`
	}
	if err := decode(input, &in); err != nil {
		return nil, fmt.Errorf("restore-module input: %w", err)
	}
	env := map[string]string{}
	for k, v := range in.Environment {
		if s, ok := v.(string); ok {
			env[k] = s
		}
	}
	cfgInput, bad := settings.InputFromEnv(env)
	refused, err := keepValid(cfgInput)
	if err != nil {
		return nil, err
	}
	for _, k := range append(bad, refused...) {
		e.Log.Warnf("setting %s of the backup not restored: its value is not valid", k)
	}
	if len(cfgInput) == 0 {
		e.Log.Infof("no settings to restore")
		return nil, nil
	}
	if err := settings.Save(e.Agent.StateDir, cfgInput); err != nil {
		return nil, fmt.Errorf("restore the settings: %w", err)
	}
	names := make([]string, 0, len(cfgInput))
	for k := range cfgInput {
		names = append(names, k)
	}
	sort.Strings(names)
	e.Log.Infof("settings restored from the backup: %s", strings.Join(names, ", "))
	return nil, nil
}

// keepValid removes from a configure-module input the fields its schema
// refuses (a sub-field such as ns7.port alone, not its whole object), and
// returns their names.
func keepValid(input map[string]json.RawMessage) ([]string, error) {
	var refused []string
	for len(input) > 0 {
		raw, _ := json.Marshal(input)
		errs, err := schema.Embedded().Validate("configure-module", schema.Input, raw)
		if err != nil {
			return nil, fmt.Errorf("configure-module schema: %w", err)
		}
		if errs == nil {
			break
		}
		field := errs[0].Field
		if !dropField(input, field) {
			// Not one field's fault: restore nothing rather than guess.
			for k := range input {
				refused = append(refused, k)
				delete(input, k)
			}
			break
		}
		refused = append(refused, field)
	}
	sort.Strings(refused)
	return refused, nil
}

// dropField removes "key" or "key.sub" from input; false when there is no
// such field.
func dropField(input map[string]json.RawMessage, field string) bool {
	top, sub, nested := strings.Cut(field, ".")
	raw, ok := input[top]
	if !ok {
		return false
	}
	var obj map[string]json.RawMessage
	if !nested || strings.Contains(sub, ".") || json.Unmarshal(raw, &obj) != nil {
		delete(input, top)
		return true
	}
	if _, ok := obj[sub]; !ok {
		delete(input, top)
		return true
	}
	delete(obj, sub)
	if len(obj) == 0 {
		delete(input, top)
		return true
	}
	input[top], _ = json.Marshal(obj)
	return true
}
