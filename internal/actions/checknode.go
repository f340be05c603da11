package actions

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/dnsprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/node"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/nodecheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/runner"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
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
	f := nodecheck.Facts{ModuleID: e.Agent.ModuleID, ThisNode: e.Agent.NodeID, Dest: dest,
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
	stored, err := e.storedNS7()
	if err != nil {
		f.NS7DataErr = err.Error()
	} else if stored != nil {
		f.NS7DataBytes, f.NS7DataAtLeast, f.NS7DataAtMost = stored.DataTotalBytes, stored.DataAtLeastBytes, stored.DataAtMostBytes
	}
	f.State = clusterWait()
	f.Interfaces, f.InterfacesErr = interfaceIPs()
	f.Names = r.resolvePlanned(ctx, f.Cluster, dest)
	if f.Cluster != nil {
		f.Site = storedSite(f.Cluster, dest, stored)
	}
	e.Chan.Progress(90)
	return f
}

// interfaceIPs lists this machine's routable interface addresses.
func interfaceIPs() ([]string, string) {
	addrs, err := dnsprobe.InterfaceAddresses()
	if err != nil {
		return nil, err.Error()
	}
	out := []string{}
	for _, a := range addrs {
		out = append(out, a.IP)
	}
	return out, ""
}

// resolvePlanned resolves the planned FQDNs (settings) and the destination
// proxy's FQDN with the node's resolver, to IPv4, within the deadline; a
// name that does not resolve is left out.
func (r *checkRun) resolvePlanned(ctx context.Context, s *cluster.Snapshot, dest string) map[string][]string {
	names := []string{r.st.FQDNs.NethVoice, r.st.FQDNs.CTI, r.st.FQDNs.Proxy}
	if s != nil {
		if n := s.Nodes[dest]; n != nil && s.Proxies[n.ProxyID] != nil {
			names = append(names, s.Proxies[n.ProxyID].FQDN)
		}
	}
	out := map[string][]string{}
	rctx, cancel := context.WithTimeout(ctx, r.timeout/2)
	defer cancel()
	for _, n := range names {
		if n == "" || out[n] != nil || strings.HasSuffix(n, ".invalid") {
			continue
		}
		if addrs, err := lookup4(rctx, ns8Resolver(r.st.Resolvers), n); err == nil && len(addrs) > 0 {
			out[n] = addrs
		}
	}
	return out
}

// storedNS7 is what the last probe-ns7 that connected stored (nil: none,
// or no state directory), or why it could not be read.
func (e *Env) storedNS7() (*store.NS7Facts, error) {
	st, err := e.stateStore()
	if err != nil || st == nil {
		return nil, err
	}
	return st.NS7Facts()
}

func nodeFacts(f nodecheck.Facts) map[string]any {
	facts := map[string]any{"this_node": f.ThisNode, "destination_node": f.Dest, "interfaces": f.Interfaces, "resolved_names": f.Names}
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
