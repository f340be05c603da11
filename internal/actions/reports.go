package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

func init() {
	register(Action{Name: "get-report", Summary: "the last stored run-preflight report (or one by run_id), the history and the checklist", Run: getReport})
	register(Action{Name: "set-checklist", Summary: "tick or untick a manual checklist item, with a note", Run: setChecklist})
}

var errNoState = errors.New("AGENT_STATE_DIR is not set: the reports, the history and the checklist live in the module's state directory")

// requireStore opens the store of get-report and set-checklist, which have
// nothing to do without one.
func (e *Env) requireStore() (*store.Store, error) {
	st, err := e.stateStore()
	if err != nil {
		return nil, fmt.Errorf("open the preflight state: %w", err)
	}
	if st == nil {
		return nil, errNoState
	}
	return st, nil
}

// getReport prints the stored report, the history and the checklist: what
// the admin page shows, read where only this module can read it.
func getReport(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	var in struct {
		RunID string `json:"run_id"`
	}
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	st, err := e.requireStore()
	if err != nil {
		return nil, err
	}
	v, err := st.Read(in.RunID)
	if err == nil && in.RunID != "" && v.Report == nil {
		return nil, &ValidationError{Errors: []schema.FieldError{{Field: "run_id", Parameter: "run_id", Value: in.RunID,
			Error: "run_id_not_found", Message: fmt.Sprintf("run_id: no report of run %q is kept (the history lists the %d kept; without run_id, get-report shows the newest)", in.RunID, len(v.History))}}}
	}
	return v, err
}

// ChecklistItem is the output of set-checklist.
type ChecklistItem struct {
	Item string `json:"item"`
	store.ChecklistEntry
}

func setChecklist(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	var in struct {
		Item string `json:"item"`
		Done bool   `json:"done"`
		Note string `json:"note"`
	}
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	st, err := e.requireStore()
	if err != nil {
		return nil, err
	}
	entry := store.ChecklistEntry{Done: in.Done, Note: in.Note, By: e.Agent.TaskUser, At: time.Now().UTC().Format(time.RFC3339)}
	if err := st.SetChecklist(in.Item, entry); err != nil {
		return nil, fmt.Errorf("store the checklist: %w", err)
	}
	return ChecklistItem{Item: in.Item, ChecklistEntry: entry}, nil
}
