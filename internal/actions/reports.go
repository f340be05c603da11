package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

func init() {
	register(Action{Name: "get-report", Summary: "the last stored run-preflight report (or one by run_id), the history and the checklist", Run: getReport})
	register(Action{Name: "set-checklist", Summary: "tick or untick a manual checklist item, with a note", Run: setChecklist})
}

var errNoCluster = errors.New("no cluster database: REDIS_ADDRESS is not set (the report, history and checklist live in NS8's Redis)")

// storeFor opens the module's store on the leader.
func (e *Env) storeFor(timeout time.Duration) (*store.Store, func(), error) {
	cfg := e.ClusterConfig()
	if cfg.WriteAddress == "" || cfg.ModuleID == "" {
		return nil, nil, errNoCluster
	}
	w := cfg.Writer(timeout)
	return store.New(w, cfg.ModuleID), func() { w.Close() }, nil
}

// ReportView is the output of get-report.
type ReportView struct {
	Report    *report.Report                  `json:"report"`
	History   []store.Summary                 `json:"history"`
	Checklist map[string]store.ChecklistEntry `json:"checklist"`
}

func getReport(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	var in struct {
		RunID string `json:"run_id"`
	}
	if err := decode(input, &in); err != nil {
		return nil, err
	}
	st, err := e.Settings()
	if err != nil {
		return nil, err
	}
	timeout := timeoutOf(0, st.TimeoutS)
	s, closeFn, err := e.storeFor(timeout)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var v ReportView
	if in.RunID != "" {
		v.Report, err = s.Report(ctx, in.RunID)
	} else {
		v.Report, err = s.LastRun(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("read the report: %w", err)
	}
	if v.History, err = s.History(ctx); err != nil {
		return nil, fmt.Errorf("read the history: %w", err)
	}
	if v.Checklist, err = s.Checklist(ctx); err != nil {
		return nil, fmt.Errorf("read the checklist: %w", err)
	}
	return v, nil
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
	st, err := e.Settings()
	if err != nil {
		return nil, err
	}
	timeout := timeoutOf(0, st.TimeoutS)
	s, closeFn, err := e.storeFor(timeout)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	entry := store.ChecklistEntry{Done: in.Done, Note: in.Note, By: e.Agent.TaskUser, At: time.Now().UTC().Format(time.RFC3339)}
	if err := s.SetChecklist(ctx, in.Item, entry); err != nil {
		return nil, fmt.Errorf("store the checklist: %w", err)
	}
	return ChecklistItem{Item: in.Item, ChecklistEntry: entry}, nil
}
