package actions

import (
	"context"
	"encoding/json"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/catalog"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/runner"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/settings"
)

// checkRun is one run of a check action. Each check action reads as a
// short plan: resolve (startCheck: input, settings, deadline, ignore list),
// collect (typed facts, each collector's duration in them), judge (the
// action's check values, package check) and report (run.report).
type checkRun struct {
	e       *Env
	action  string
	start   time.Time
	st      settings.Settings
	timeout time.Duration
	ignores []report.Ignore
}

// startCheck resolves a check action's input and settings.
func startCheck[T interface{ common() commonInput }](e *Env, action string, input json.RawMessage) (T, *checkRun, error) {
	start := time.Now()
	in, st, err := begin[T](e, input)
	if err != nil {
		return in, nil, err
	}
	c := in.common()
	if err := checkIgnore(c.Ignore); err != nil {
		return in, nil, err
	}
	ignores := c.Ignore
	if ignores == nil {
		ignores = st.Ignore
		// Stored before the rules were checked: such an entry is not
		// applied (report.Build), and the log says so.
		if err := checkIgnore(ignores); err != nil && !e.part {
			e.Log.Warnf("stored ignore list: %v: those entries are not applied; fix them with configure-module", err)
		}
	}
	return in, &checkRun{e: e, action: action, start: start, st: st, timeout: timeoutOf(c.TimeoutS, st.TimeoutS), ignores: ignores}, nil
}

// report builds the report of the run (catalog titles, ignore list,
// order, summary) and, when keep is set, keeps it as the action's last
// report in the state directory.
func (r *checkRun) report(findings []report.Finding, facts map[string]any, keep bool) report.Report {
	rep := report.Build(catalog.Catalog{}, r.action, r.e.RunID(), r.start, findings, r.ignores, facts)
	if keep {
		r.e.keepLast(rep)
	}
	return rep
}

// readCluster starts collecting the cluster database under the run's
// deadline (the snapshot from the replica, and with pingLeader whether the
// leader, where writes go, answers to the module's credentials) and returns
// the wait for it. A database that is not configured or does not answer is a fact
// (cluster.State says which), not an error.
func (r *checkRun) readCluster(ctx context.Context, pingLeader bool) func() cluster.State {
	cfg := r.e.ClusterConfig()
	if !cfg.Available() {
		return func() cluster.State { return cluster.State{} }
	}
	what := "the cluster database at " + firstNonEmpty(cfg.ReadAddress, cfg.WriteAddress)
	p := runner.Go(ctx, r.timeout, what, func(ctx context.Context) (cluster.State, error) {
		rdb := cfg.Reader(r.timeout)
		defer rdb.Close()
		snap, err := cluster.Read(ctx, rdb)
		if err != nil {
			return cluster.State{}, err
		}
		s := cluster.State{Cluster: snap}
		if pingLeader && cfg.WriteAddress != "" {
			w := cfg.Writer(r.timeout)
			defer w.Close()
			if err := cluster.Ping(ctx, w); err != nil {
				s.LeaderErr = err.Error()
			}
		}
		return s, nil
	})
	return func() cluster.State {
		s, o := p.Wait()
		if !o.OK() {
			s = cluster.State{ClusterErr: o.Err.Error(), TimedOut: o.TimedOut}
			r.e.Log.Warnf("cluster database: %s", s.ClusterErr)
		}
		s.RedisConfigured, s.Took = true, o.Duration
		return s
	}
}

// keepLast stores rep as its action's last report. Best effort: the report
// is printed anyway; a stand-alone run without a state dir keeps nothing.
func (e *Env) keepLast(rep report.Report) {
	st, err := e.stateStore()
	if st == nil {
		if err != nil {
			e.Log.Warnf("could not store the report: %v", err)
		}
		return
	}
	raw, err := json.Marshal(rep)
	if err == nil {
		err = st.SaveLast(rep.Action, raw)
	}
	if err != nil {
		e.Log.Warnf("could not store the report in the state directory: %v", err)
	}
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
