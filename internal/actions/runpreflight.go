package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/catalog"
	"io"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/domaincheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/fqdncheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/manualcheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/nodecheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/runner"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

func init() {
	register(Action{Name: manualcheck.Action, Report: true, Summary: "all checks at once plus the manual checklist; stores the report, the history and what changed", Run: runPreflight})
}

type runPreflightInput struct {
	commonInput
	Phase         string `json:"phase"`
	Password      string `json:"password"` // one-time NS7 password, handed to probe-ns7 only
	AcceptHostKey string `json:"accept_host_key"`
	DataBudgetS   int    `json:"data_budget_s"` // handed to probe-ns7
}

// runPreflight: take the run lock, run the four check actions (concurrently
// where independent), judge the checklist, report, store the run.
func runPreflight(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	in, run, err := startCheck[runPreflightInput](e, manualcheck.Action, input)
	if err != nil {
		return nil, err
	}
	g, err := run.lock(ctx, max(LockTTL(run.timeout), ProbeBudget(run.timeout, in.DataBudgetS)+30*time.Second))
	if err != nil {
		return nil, err
	}
	defer run.release(g)
	findings, facts := run.runParts(ctx, run.parts(in))
	st, stErr := e.stateStore()
	if stErr != nil {
		e.Log.Warnf("the preflight state cannot be opened (%v): the report will not be stored", stErr)
	}
	findings = append(findings, manualcheck.All(run.readChecklist(st, stErr))...)
	rep := run.report(findings, facts, false)
	rep.IgnoreUnmatched = report.Unmatched(catalog.Catalog{}, rep.Checks, run.ignores)
	if st != nil && g.keep {
		run.save(ctx, st, g, &rep)
	}
	return rep, nil
}

// guard is what a run holds while it runs: the run lock on the leader and
// the connection the event goes out on (both nil outside NS8).
type guard struct {
	w    *redis.Client
	lock *cluster.RunLock
	// keep is false when the run must not be stored: the leader did not
	// answer, so no lock kept another run from storing at the same time.
	keep bool
}

// lock takes the run lock on the leader, with a TTL so that a crashed run
// frees it by itself. A run already holding it is an error; a leader that
// does not answer is not (the run goes on and stores nothing). ttl covers
// the whole run (the probe's data budget included).
func (r *checkRun) lock(ctx context.Context, ttl time.Duration) (*guard, error) {
	cfg := r.e.ClusterConfig()
	if cfg.WriteAddress == "" || cfg.ModuleID == "" {
		return &guard{keep: true}, nil
	}
	w := cfg.Writer(r.timeout)
	lctx, cancel := context.WithTimeout(ctx, r.timeout)
	lock, err := cluster.AcquireRunLock(lctx, w, cfg.ModuleID, r.e.Agent.TaskID, ttl)
	cancel()
	var locked *cluster.ErrLocked
	switch {
	case err == nil:
		return &guard{w: w, lock: lock, keep: true}, nil
	case errors.As(err, &locked):
		w.Close()
		return nil, err
	default:
		r.e.Log.Warnf("cannot take the run lock on the leader (%v): the report will not be stored", err)
		w.Close()
		return &guard{}, nil
	}
}

// release lets the run lock go (the TTL frees it anyway).
func (r *checkRun) release(g *guard) {
	if g.lock != nil {
		ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
		defer cancel()
		g.lock.Release(ctx) //nolint:errcheck // the TTL frees it anyway
	}
	if g.w != nil {
		g.w.Close()
	}
}

// part is one action run-preflight combines, with the input it gets and
// its backstop: the action's own bounds, with a margin.
type part struct {
	action   string
	input    map[string]any
	backstop time.Duration
}

// parts are the actions run-preflight combines, with their inputs.
func (r *checkRun) parts(in runPreflightInput) []part {
	with := func(extra map[string]any) map[string]any {
		m := map[string]any{"timeout_s": int(r.timeout / time.Second)}
		for k, v := range extra {
			if v != "" && v != nil {
				m[k] = v
			}
		}
		return m
	}
	backstop := 2*r.timeout + 5*time.Second
	probe := with(map[string]any{"password": in.Password, "accept_host_key": in.AcceptHostKey})
	if in.DataBudgetS > 0 {
		probe["data_budget_s"] = in.DataBudgetS
	}
	return []part{
		{fqdncheck.Action, with(map[string]any{"phase": in.Phase}), backstop},
		// The probe bounds itself (connection, sessions, data budget,
		// sample): its backstop is those bounds, so that what NS7 answered
		// is judged by the probe, never cut here.
		{ns7check.Action, probe, ProbeBudget(r.timeout, in.DataBudgetS)},
		{nodecheck.Action, with(nil), backstop},
		{domaincheck.Action, with(nil), backstop},
	}
}

// partResult is the report of one part, or the finding that says why it
// could not run.
type partResult struct {
	rep *report.Report
	bad *report.Finding
}

// runParts runs the parts concurrently and gathers their findings and
// facts, in the parts' order.
func (r *checkRun) runParts(ctx context.Context, parts []part) ([]report.Finding, map[string]any) {
	var findings []report.Finding
	facts := map[string]any{}
	results := r.gather(ctx, parts)
	reached := false
	for i, res := range results {
		if parts[i].action == ns7check.Action {
			reached = res.bad == nil && probeReachedNS7(res.rep)
		}
	}
	for i, res := range results {
		if res.bad != nil && parts[i].action == ns7check.Action {
			// Never one finding in place of the NS7 area: each NS7 check
			// says it was not judged, and why.
			findings = append(findings, ns7check.All(ns7check.Facts{ModuleID: r.e.Agent.ModuleID, Timeout: r.timeout, ProbeErr: res.bad.Message, FQDNs: r.configuredFQDNs()})...)
			continue
		}
		if res.bad != nil {
			findings = append(findings, *res.bad)
			continue
		}
		checks := res.rep.Checks
		if parts[i].action == domaincheck.Action && !reached {
			checks = domaincheck.ProbeGap(checks, "NS7 was not reached in this run (see "+ns7check.SSH.ID+") and no earlier probe-ns7 stored it")
		}
		findings = append(findings, checks...)
		facts[parts[i].action] = res.rep.Facts
	}
	return findings, facts
}

// gather runs the parts. check-user-domain and check-node judge what
// probe-ns7 stores (the account provider, the NS7 data size): they start
// at once on what is stored already (so that a silent NS7 does not add a
// second deadline), and run again, superseding the first run, when the
// probe reached NS7 and stored fresh facts.
func (r *checkRun) gather(ctx context.Context, parts []part) []partResult {
	// Room for every part and one rerun of each: the goroutines write their
	// own slot, the slice is never grown under them.
	results := make([]partResult, 2*len(parts))
	done := make(chan int, len(results))
	launch := func(ctx context.Context, slot int, p part) {
		go func() {
			rep, bad := r.runPart(ctx, p)
			results[slot] = partResult{rep, bad}
			done <- slot
		}()
	}
	cancels := map[int]context.CancelFunc{}
	for i, p := range parts {
		pctx := ctx
		if readsProbe(p.action) {
			var cancel context.CancelFunc
			pctx, cancel = context.WithCancel(ctx)
			cancels[i] = cancel
			defer cancel()
		}
		launch(pctx, i, p)
	}
	reran := map[int]bool{}
	for n, total := 0, len(parts); n < total; n++ {
		i := <-done
		r.e.Chan.Progress(10 + 80*(n+1)/(total+len(cancels)+1))
		if i >= len(parts) || parts[i].action != ns7check.Action || !probeReachedNS7(results[i].rep) {
			continue
		}
		for j, cancel := range cancels {
			cancel() // its verdict would be on stale facts
			reran[j] = true
			launch(ctx, len(parts)+j, parts[j])
			total++
		}
	}
	out := results[:len(parts)]
	for j := range reran {
		out[j] = results[len(parts)+j]
	}
	return out
}

// readsProbe tells whether an action judges what probe-ns7 stores.
func readsProbe(action string) bool {
	return action == domaincheck.Action || action == nodecheck.Action
}

// runPart runs one action in-process with a silent progress channel; an
// action that cannot run becomes a preflight.action finding.
func (r *checkRun) runPart(ctx context.Context, p part) (*report.Report, *report.Finding) {
	fail := func(msg, hint string) (*report.Report, *report.Finding) {
		f := check.PartFailed(p.action, msg, check.Hint(hint, check.ActionCommand(r.e.Agent.ModuleID, p.action, "")))
		return nil, &f
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
	sub := *r.e
	sub.Chan, sub.part = agent.NewChannel(io.Discard), true
	if p.action == ns7check.Action {
		sub.Chan = r.e.Chan.Sub(10, 85) // the longest part: its progress is the run's
	}
	out, o := runner.Go(ctx, p.backstop, p.action, func(ctx context.Context) (any, error) { return act.Run(ctx, &sub, raw) }).Wait()
	var verr *ValidationError
	switch {
	case errors.As(o.Err, &verr):
		return fail(fmt.Sprintf("%s could not run: %s", p.action, strings.TrimPrefix(verr.Error(), "invalid input: ")),
			"Store the missing settings with configure-module (or the Settings page), then run the preflight again")
	case !o.OK():
		return fail(fmt.Sprintf("%s could not run: %v", p.action, o.Err),
			"Run the action alone to see its log, fix what it says, then run the preflight again")
	}
	rep, ok := out.(report.Report)
	if !ok {
		return fail(p.action+" returned no report", "Report this bug")
	}
	return &rep, nil
}

// probeReachedNS7 tells whether the probe logged in to NS7, and so stored
// fresh facts for check-user-domain: its facts say it connected (ns7.ssh
// may warn on a connection that worked, as for a user other than root).
func probeReachedNS7(rep *report.Report) bool {
	if rep == nil {
		return false
	}
	n, ok := rep.Facts["ns7"].(*ns7.Facts)
	return ok && n != nil && n.Connected
}

// readChecklist reads the manual checklist from the state directory, as
// manualcheck's facts.
func (r *checkRun) readChecklist(st *store.Store, openErr error) manualcheck.Facts {
	facts := manualcheck.Facts{ModuleID: r.e.Agent.ModuleID}
	var err error
	switch {
	case openErr != nil:
		err = openErr
	case st == nil:
		facts.Unavailable = "no state directory to keep the checklist (stand-alone run without AGENT_STATE_DIR)"
		return facts
	default:
		facts.Checklist, err = st.Checklist()
	}
	if err != nil {
		facts.Unavailable = "the checklist could not be read: " + err.Error()
	}
	return facts
}

// completed is the payload of the preflight-completed event. Every
// subscriber can read it, the passwordless default user of every node
// included: times and counts only, no name (not even the admin's) and
// nothing learned from NS7.
type completed struct {
	RunID      string         `json:"run_id"`
	StartedAt  string         `json:"started_at"`
	DurationMs int64          `json:"duration_ms"`
	Ready      bool           `json:"ready"`
	Summary    report.Summary `json:"summary"`
	Changes    int            `json:"changes"`
}

// save stores the run in the state directory (report, history entry, what
// changed since the last run) and publishes preflight-completed; best
// effort: the report is printed anyway.
func (r *checkRun) save(ctx context.Context, st *store.Store, g *guard, rep *report.Report) {
	if prev, err := st.LastRun(); err == nil && prev != nil {
		rep.Changes = report.Diff(prev.Checks, rep.Checks)
	} else {
		rep.Changes = []report.Change{}
	}
	raw, _ := json.Marshal(rep)
	sum := store.Summary{RunID: rep.RunID, StartedAt: rep.StartedAt, DurationMs: rep.DurationMs, User: r.e.Agent.TaskUser,
		Ready: rep.Ready, Summary: rep.Summary, Changes: len(rep.Changes)}
	if err := st.SaveRun(raw, sum); err != nil {
		r.e.Log.Warnf("could not store the report in the state directory: %v", err)
		return
	}
	if g.w == nil {
		return
	}
	pctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	ev := completed{RunID: sum.RunID, StartedAt: sum.StartedAt, DurationMs: sum.DurationMs, Ready: sum.Ready, Summary: sum.Summary, Changes: sum.Changes}
	if err := cluster.Publish(pctx, g.w, r.e.Agent.ModuleID, "preflight-completed", ev); err != nil {
		r.e.Log.Warnf("could not publish preflight-completed: %v", err)
	}
}

// LockTTL is how long a run lock lives: longer than any run (two rounds of
// deadlines plus margin), short enough that a crashed run does not block
// the next for long.
func LockTTL(timeout time.Duration) time.Duration { return 3*timeout + 30*time.Second }
