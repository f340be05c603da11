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

// withStore runs f with the module's store on the leader, under the
// stored deadline: what get-report and set-checklist share.
func (e *Env) withStore(ctx context.Context, f func(ctx context.Context, s *store.Store) (any, error)) (any, error) {
	st, err := e.Settings()
	if err != nil {
		return nil, err
	}
	timeout := timeoutOf(0, st.TimeoutS)
	cfg := e.ClusterConfig()
	if cfg.WriteAddress == "" || cfg.ModuleID == "" {
		return nil, errNoCluster
	}
	w := cfg.Writer(timeout)
	defer w.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return f(ctx, store.New(w, cfg.ModuleID))
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
	return e.withStore(ctx, func(ctx context.Context, s *store.Store) (any, error) {
		var v ReportView
		var err error
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
	})
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
	return e.withStore(ctx, func(ctx context.Context, s *store.Store) (any, error) {
		entry := store.ChecklistEntry{Done: in.Done, Note: in.Note, By: e.Agent.TaskUser, At: time.Now().UTC().Format(time.RFC3339)}
		if err := s.SetChecklist(ctx, in.Item, entry); err != nil {
			return nil, fmt.Errorf("store the checklist: %w", err)
		}
		return ChecklistItem{Item: in.Item, ChecklistEntry: entry}, nil
	})
}
