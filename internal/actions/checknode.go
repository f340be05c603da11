package actions

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/node"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/nodecheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/runner"
)

func init() {
	register(Action{Name: nodecheck.Action, Report: true, Summary: "destination node: CPU, RAM, disk, NethVoice proxy, leftovers of an earlier migration, cluster database", Run: checkNode})
}

type checkNodeInput struct {
	Node        *int   `json:"node"`
	VolumesPath string `json:"volumes_path"`
	commonInput
}

func checkNode(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	in, run, err := startCheck[checkNodeInput](e, nodecheck.Action, input)
	if err != nil {
		return nil, err
	}
	dest, volumes := nodeTarget(in, run, e.Agent.NodeID)
	f := run.collectNode(ctx, dest, volumes)
	return run.report(nodecheck.All(f), nodeFacts(f), true), nil
}

// nodeTarget resolves the destination node (input, else settings, else
// this node) and the path of the volumes' filesystem.
func nodeTarget(in checkNodeInput, run *checkRun, thisNode string) (dest, volumes string) {
	dest = thisNode
	if in.Node != nil && *in.Node > 0 {
		dest = strconv.Itoa(*in.Node)
	} else if in.Node == nil && run.st.Node > 0 {
		dest = strconv.Itoa(run.st.Node)
	}
	volumes = in.VolumesPath
	if volumes == "" {
		volumes = run.st.VolumesPath
	}
	if volumes == "" {
		volumes = node.DefaultVolumesPath()
	}
	return dest, volumes
}

// collectNode measures this node and reads the cluster, concurrently.
func (r *checkRun) collectNode(ctx context.Context, dest, volumes string) nodecheck.Facts {
	e := r.e
	nodeP := runner.Go(ctx, r.timeout, "the node measurement", func(ctx context.Context) (node.Facts, error) {
		return node.Measurer{ProcRoot: e.ProcRoot}.Measure(ctx, volumes)
	})
	clusterWait := r.readCluster(ctx, true)
	e.Chan.Progress(10)
	cfg := e.ClusterConfig()
	f := nodecheck.Facts{ThisNode: e.Agent.NodeID, Dest: dest,
		ReadAddress: firstNonEmpty(cfg.ReadAddress, cfg.WriteAddress), WriteAddress: cfg.WriteAddress}
	nf, out := nodeP.Wait()
	f.NodeTook = out.Duration
	if out.OK() {
		f.Node = &nf
	} else {
		f.NodeErr = out.Err.Error()
		e.Log.Warnf("node measurement: %s", f.NodeErr)
	}
	e.Chan.Progress(50)
	f.NS7DataBytes, f.NS7DataErr = e.storedNS7DataSize()
	f.State = clusterWait()
	e.Chan.Progress(90)
	return f
}

// storedNS7DataSize is the NS7 data size the last probe-ns7 measured
// completely (0: not measured), or why the stored facts could not be read.
func (e *Env) storedNS7DataSize() (int64, string) {
	st, err := e.stateStore()
	if err != nil {
		return 0, err.Error()
	}
	if st == nil {
		return 0, ""
	}
	f, err := st.NS7Facts()
	if err != nil {
		return 0, err.Error()
	}
	if f == nil {
		return 0, ""
	}
	return f.DataTotalBytes, ""
}

func nodeFacts(f nodecheck.Facts) map[string]any {
	facts := map[string]any{"this_node": f.ThisNode, "destination_node": f.Dest}
	if f.Node != nil {
		facts["node"] = f.Node
	}
	if f.Cluster != nil {
		facts["cluster"] = f.Cluster
	}
	if f.NS7DataBytes > 0 {
		facts["ns7_data_bytes"] = f.NS7DataBytes
	}
	if f.NS7DataErr != "" {
		facts["ns7_data_error"] = f.NS7DataErr
	}
	return facts
}
