package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/catalog"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/runner"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

func init() {
	register(Action{Name: "run-preflight", Report: true, Summary: "all checks at once plus the manual checklist; stores the report, the history and what changed", Run: runPreflight})
}

type runPreflightInput struct {
	commonInput
	Phase         string `json:"phase"`
	Password      string `json:"password"` // one-time NS7 password, handed to probe-ns7 only
	AcceptHostKey string `json:"accept_host_key"`
}

// part is one action run-preflight combines, with the input it gets.
type part struct {
	action string
	input  map[string]any
}

// runPart runs one action in-process with a silent progress channel; an
// action that cannot run becomes a preflight.action finding.
func runPart(ctx context.Context, e *Env, p part, backstop time.Duration) (*report.Report, *report.Finding) {
	fail := func(msg, hint string) (*report.Report, *report.Finding) {
		return nil, &report.Finding{ID: "preflight.action", Subject: p.action, Status: report.Fail, Message: msg,
			Remediation: &report.Remediation{Hint: hint, Commands: []string{"api-cli run module/" + e.Agent.ModuleID + "/" + p.action}}}
	}
	act, ok := Lookup(p.action)
	if !ok {
		return fail(p.action+" is not available in this version of nethvoice-preflight, so its checks did not run",
			"Update nethvoice-preflight, or check this part by hand")
	}
	raw, _ := json.Marshal(p.input)
	if schema.Embedded().Has(p.action, schema.Input) {
		if errs, err := schema.Embedded().Validate(p.action, schema.Input, raw); err != nil || errs != nil {
			return fail(fmt.Sprintf("%s could not run: its input is not valid: %v %v", p.action, err, errs),
				"Check the settings with get-configuration and fix them with configure-module")
		}
	}
	sub := *e
	sub.Chan = agent.NewChannel(io.Discard)
	pend := runner.Go(ctx, backstop, p.action, func(ctx context.Context) (any, error) { return act.Run(ctx, &sub, raw) })
	out, o := pend.Wait()
	var verr *ValidationError
	if errors.As(o.Err, &verr) {
		return fail(fmt.Sprintf("%s could not run: %s", p.action, strings.TrimPrefix(verr.Error(), "invalid input: ")),
			"Store the missing settings with configure-module (or the Settings page), then run the preflight again")
	}
	if !o.OK() {
		return fail(fmt.Sprintf("%s could not run: %v", p.action, o.Err),
			"Run the action alone to see its log, fix what it says, then run the preflight again")
	}
	rep, ok := out.(report.Report)
	if !ok {
		return fail(p.action+" returned no report", "Report this bug")
	}
	return &rep, nil
}

func runPreflight(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	start := time.Now()
	in, st, err := begin[runPreflightInput](e, input)
	if err != nil {
		return nil, err
	}
	timeout, ignores := in.timeout(st), in.ignores(st)
	cfg := e.ClusterConfig()

	// One run at a time: the lock lives on the leader with a TTL, so a
	// crashed run frees it by itself.
	var stor *store.Store
	if cfg.WriteAddress != "" && cfg.ModuleID != "" {
		w := cfg.Writer(timeout)
		defer w.Close()
		stor = store.New(w, cfg.ModuleID)
		lctx, cancel := context.WithTimeout(ctx, timeout)
		lock, err := stor.Acquire(lctx, e.Agent.TaskID, LockTTL(timeout))
		cancel()
		switch err.(type) {
		case nil:
			defer func() {
				rctx, cancel := context.WithTimeout(context.Background(), timeout)
				defer cancel()
				lock.Release(rctx) //nolint:errcheck // the TTL frees it anyway
			}()
		case *store.ErrLocked:
			return nil, err
		default:
			// The leader does not answer: run anyway, say so, store nothing.
			e.Log.Warnf("cannot take the run lock on the leader (%v): the report will not be stored", err)
			stor = nil
		}
	}

	common := map[string]any{"timeout_s": int(timeout / time.Second)}
	with := func(extra map[string]any) map[string]any {
		m := map[string]any{}
		for k, v := range common {
			m[k] = v
		}
		for k, v := range extra {
			if v != "" && v != nil {
				m[k] = v
			}
		}
		return m
	}
	backstop := 2*timeout + 5*time.Second
	first := []part{
		{"validate-fqdns", with(map[string]any{"phase": in.Phase})},
		{"probe-ns7", with(map[string]any{"password": in.Password, "accept_host_key": in.AcceptHostKey})},
		{"check-node", with(nil)},
	}
	type result struct {
		rep *report.Report
		bad *report.Finding
	}
	// check-user-domain judges the account provider probe-ns7 stores. It
	// starts at once on what is stored already (so that a silent NS7 does
	// not add a second deadline), and runs again, superseding the first,
	// when the probe reached NS7 and stored fresh facts.
	userDomain := part{"check-user-domain", with(nil)}
	parts := append(first, userDomain, userDomain)
	const firstUD, rerunUD = 3, 4
	results := make([]result, len(parts))
	done := make(chan int, len(parts))
	udCtx, cancelUD := context.WithCancel(ctx)
	defer cancelUD()
	launch := func(ctx context.Context, i int) {
		go func() {
			r, bad := runPart(ctx, e, parts[i], backstop)
			results[i] = result{r, bad}
			done <- i
		}()
	}
	for i := range first {
		launch(ctx, i)
	}
	launch(udCtx, firstUD)
	// The checklist is read while the checks run.
	var checklistP *runner.Pending[map[string]store.ChecklistEntry]
	if stor != nil {
		checklistP = runner.Go(ctx, timeout, "the checklist in the cluster database", func(ctx context.Context) (map[string]store.ChecklistEntry, error) {
			return stor.Checklist(ctx)
		})
	}
	rerun := false
	for n, total := 0, firstUD+1; n < total; n++ {
		i := <-done
		e.Chan.Progress(10 + 80*(n+1)/(total+1))
		if parts[i].action == "probe-ns7" && probeReachedNS7(results[i].rep) {
			rerun = true
			cancelUD() // its verdict would be on stale facts
			launch(ctx, rerunUD)
			total++
		}
	}
	if rerun {
		results[firstUD] = result{}
	} else {
		results[rerunUD] = result{}
	}

	var findings []report.Finding
	facts := map[string]any{}
	for i, res := range results {
		name := parts[i].action
		if res.rep == nil && res.bad == nil {
			continue // the superseded check-user-domain run
		}
		if res.bad != nil {
			findings = append(findings, *res.bad)
			continue
		}
		findings = append(findings, res.rep.Checks...)
		facts[name] = res.rep.Facts
	}
	if checklistP != nil {
		cl, o := checklistP.Wait()
		if o.OK() {
			findings = append(findings, ManualFindings(cl, e.Agent.ModuleID)...)
		} else {
			findings = append(findings, manualSkip("the checklist could not be read: "+o.Err.Error())...)
		}
	} else {
		findings = append(findings, manualSkip("no cluster database to keep the checklist (stand-alone run outside NS8, or the leader did not answer)")...)
	}

	rep := e.FinishReport(ctx, "run-preflight", start, timeout, findings, ignores, facts, false)
	if stor != nil {
		sctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if prev, err := stor.LastRun(sctx); err == nil && prev != nil {
			rep.Changes = report.Diff(prev.Checks, rep.Checks)
		} else {
			rep.Changes = []report.Change{}
		}
		raw, _ := json.Marshal(rep)
		sum := store.Summary{RunID: rep.RunID, StartedAt: rep.StartedAt, DurationMs: rep.DurationMs, User: e.Agent.TaskUser,
			Ready: rep.Ready, Summary: rep.Summary, Changes: len(rep.Changes)}
		if err := stor.SaveRun(sctx, rep, raw, sum); err != nil {
			e.Log.Warnf("could not store the report in the cluster database: %v", err)
		} else if err := stor.Publish(sctx, "preflight-completed", sum); err != nil {
			e.Log.Warnf("could not publish preflight-completed: %v", err)
		}
	}
	return rep, nil
}

// probeReachedNS7 tells whether the probe logged in to NS7, and so stored
// fresh facts for check-user-domain.
func probeReachedNS7(rep *report.Report) bool {
	if rep == nil {
		return false
	}
	for _, f := range rep.Checks {
		if f.ID == "ns7.ssh" {
			return f.Status == report.Pass
		}
	}
	return false
}

// LockTTL is how long a run lock lives: longer than any run (two rounds of
// deadlines plus margin), short enough that a crashed run does not block
// the next for long.
func LockTTL(timeout time.Duration) time.Duration { return 3*timeout + 30*time.Second }

// ManualFindings judges the manual checklist: ticked is pass (who, when,
// note), unticked is warn.
func ManualFindings(cl map[string]store.ChecklistEntry, moduleID string) []report.Finding {
	out := make([]report.Finding, 0, len(catalog.ManualItems))
	for _, m := range catalog.ManualItems {
		f := report.Finding{ID: "manual." + m.Item}
		e, ok := cl[m.Item]
		if ok && e.Done {
			by := e.By
			if by == "" {
				by = "root (api-cli)"
			}
			f.Status = report.Pass
			f.Message = fmt.Sprintf("confirmed by %s at %s", by, e.At)
			if e.Note != "" {
				f.Message += ": " + e.Note
			}
			f.Data = map[string]any{"by": e.By, "at": e.At, "note": e.Note}
		} else {
			f.Status = report.Warn
			f.Message = "not confirmed yet: " + m.What
			f.Remediation = &report.Remediation{Hint: "When it is done, tick it in the Checklist page (or with set-checklist)",
				Commands: []string{fmt.Sprintf(`api-cli run module/%s/set-checklist --data '{"item":"%s","done":true,"note":"..."}'`, moduleID, m.Item)}}
		}
		out = append(out, f)
	}
	return out
}

func manualSkip(reason string) []report.Finding {
	out := make([]report.Finding, 0, len(catalog.ManualItems))
	for _, m := range catalog.ManualItems {
		out = append(out, report.Finding{ID: "manual." + m.Item, Status: report.Skip, Message: reason})
	}
	return out
}
