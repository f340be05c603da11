package actions

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/catalog"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/node"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/nodecheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/runner"
)

func init() {
	register(Action{Name: "check-node", Report: true, Summary: "destination node: CPU, RAM, disk, NethVoice proxy, leftovers of an earlier migration, cluster database", Run: checkNode})
}

type checkNodeInput struct {
	Node        *int   `json:"node"`
	VolumesPath string `json:"volumes_path"`
	commonInput
}

// clusterFacts is what the cluster collector brings back.
type clusterFacts struct {
	snap      *cluster.Snapshot
	leaderErr string
}

// collectCluster reads the snapshot from the replica and checks that the
// leader, where writes go, answers with the module's credentials.
func collectCluster(ctx context.Context, cfg cluster.Config, timeout time.Duration) (clusterFacts, error) {
	rdb := cfg.Reader(timeout)
	defer rdb.Close()
	snap, err := cluster.Read(ctx, rdb, cfg.ModuleID)
	if err != nil {
		return clusterFacts{}, err
	}
	cf := clusterFacts{snap: snap}
	if cfg.WriteAddress != "" {
		w := cfg.Writer(timeout)
		defer w.Close()
		if err := cluster.Ping(ctx, w); err != nil {
			cf.leaderErr = err.Error()
		}
	}
	return cf, nil
}

func checkNode(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	start := time.Now()
	in, st, err := begin[checkNodeInput](e, input)
	if err != nil {
		return nil, err
	}
	timeout, ignores := in.timeout(st), in.ignores(st)
	volumes := in.VolumesPath
	if volumes == "" {
		volumes = st.VolumesPath
	}
	if volumes == "" {
		volumes = node.DefaultVolumesPath()
	}
	dest := e.Agent.NodeID
	if in.Node != nil && *in.Node > 0 {
		dest = strconv.Itoa(*in.Node)
	} else if in.Node == nil && st.Node > 0 {
		dest = strconv.Itoa(st.Node)
	}

	cfg := e.ClusterConfig()
	nodeP := runner.Go(ctx, timeout, "the node measurement", func(ctx context.Context) (node.Facts, error) {
		return node.Measurer{ProcRoot: e.ProcRoot}.Measure(ctx, volumes)
	})
	var clusterP *runner.Pending[clusterFacts]
	if cfg.Available() {
		what := "the cluster database at " + firstNonEmpty(cfg.ReadAddress, cfg.WriteAddress)
		clusterP = runner.Go(ctx, timeout, what, func(ctx context.Context) (clusterFacts, error) {
			return collectCluster(ctx, cfg, timeout)
		})
	}
	e.Chan.Progress(10)

	f := nodecheck.Facts{ThisNode: e.Agent.NodeID, Dest: dest, RedisConfigured: cfg.Available(),
		ReadAddress: firstNonEmpty(cfg.ReadAddress, cfg.WriteAddress), WriteAddress: cfg.WriteAddress}
	nf, nodeOut := nodeP.Wait()
	if nodeOut.OK() {
		f.Node = &nf
	} else {
		f.NodeErr = nodeOut.Err.Error()
		e.Log.Warnf("node measurement: %s", f.NodeErr)
	}
	e.Chan.Progress(50)
	var clusterOut runner.Outcome
	if clusterP != nil {
		var cf clusterFacts
		cf, clusterOut = clusterP.Wait()
		if clusterOut.OK() {
			f.Cluster, f.LeaderErr = cf.snap, cf.leaderErr
		} else {
			f.ClusterErr, f.TimedOut = clusterOut.Err.Error(), clusterOut.TimedOut
			e.Log.Warnf("cluster database: %s", f.ClusterErr)
		}
	}
	e.Chan.Progress(90)

	findings, err := runner.Safe(func() []report.Finding { return nodecheck.All(f) })
	if err != nil {
		findings = []report.Finding{{ID: "node.cpu", Subject: "internal", Status: report.Fail, Message: err.Error(),
			Remediation: &report.Remediation{Hint: "Report this bug with the task log"}}}
	}
	for i := range findings {
		if findings[i].ID == "node.cpu" || findings[i].ID == "node.memory" || findings[i].ID == "node.disk" {
			findings[i].DurationMs = nodeOut.Duration.Milliseconds()
		} else {
			findings[i].DurationMs = clusterOut.Duration.Milliseconds()
		}
	}
	facts := map[string]any{"this_node": e.Agent.NodeID, "destination_node": dest}
	if f.Node != nil {
		facts["node"] = f.Node
	}
	if f.Cluster != nil {
		facts["cluster"] = f.Cluster
	}
	// Nothing is written to a cluster database that just failed to answer.
	return e.FinishReport(ctx, "check-node", start, timeout, findings, ignores, facts, f.Cluster != nil && f.LeaderErr == ""), nil
}

// FinishReport builds the report of a check action (catalog titles, ignore
// list, order, summary) and, when store is set, keeps it as the action's
// last report under the module's own keys on the leader. Storing is best
// effort and bounded by timeout: the report is printed anyway.
func (e *Env) FinishReport(ctx context.Context, action string, start time.Time, timeout time.Duration,
	findings []report.Finding, ignores []report.Ignore, facts map[string]any, store bool) report.Report {
	rep := report.Build(catalog.Catalog{}, action, e.RunID(), start, findings, ignores, facts)
	cfg := e.ClusterConfig()
	if !store || cfg.WriteAddress == "" || cfg.ModuleID == "" {
		return rep
	}
	raw, err := json.Marshal(rep)
	if err != nil {
		return rep
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	w := cfg.Writer(timeout)
	defer w.Close()
	if err := cluster.StoreOwn(ctx, w, cfg.ModuleID, LastReportKey(rep.Action), string(raw)); err != nil {
		e.Log.Warnf("could not store the report in the cluster database: %v", err)
	}
	return rep
}

// LastReportKey is the own-key suffix of an action's last report.
func LastReportKey(action string) string { return "preflight/last/" + action }

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
