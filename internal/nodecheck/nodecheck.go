// Package nodecheck judges the destination node and the cluster: pure
// functions from collected facts (node.Facts, cluster.Snapshot) to
// findings, one per check id.
package nodecheck

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/knownissues"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/node"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// Minimums from the NethVoice migration prerequisites.
const (
	MinCPUs = 4
	GiB     = 1 << 30
	// MinMemBytes is 8 GiB nominal. The kernel keeps part of the RAM for
	// itself, so MemTotal of an 8 GiB machine reads about 7.6-7.8 GiB:
	// anything from 7.5 GiB up counts as 8 GiB.
	MinMemNominal = 8 * GiB
	MinMemBytes   = 7*GiB + GiB/2
	MinDiskBytes  = 100 * GiB
	// DiskFactor covers the NS7 data copied once by rsync plus the database
	// dumps imported in background (the CDR dump is kept until imported).
	DiskFactor = 2
)

// Facts is everything check-node judges.
type Facts struct {
	ModuleID string // this module's id ("" in a stand-alone run)
	ThisNode string // the node this module runs on (NODE_ID)
	Dest     string // the destination node of NethVoice

	Node     *node.Facts // nil when the measure failed
	NodeErr  string
	NodeTook time.Duration

	// NS7DataBytes is the NS7 data size the last probe-ns7 stored (0: not
	// measured); NS7DataErr says why the stored facts could not be read.
	NS7DataBytes int64
	NS7DataErr   string
	// NS7DataAtLeast and NS7DataAtMost bound NS7's data when the last
	// measurement was incomplete (NS7DataBytes is then 0; at most 0: unknown).
	NS7DataAtLeast, NS7DataAtMost int64

	// The cluster database as read from the replica; LeaderErr says
	// whether the leader, where writes go, answered.
	cluster.State
	ReadAddress  string
	WriteAddress string

	// Interfaces are this machine's routable addresses (nil when they
	// could not be read: InterfacesErr says why).
	Interfaces    []string
	InterfacesErr string
	// Names are the planned FQDNs (NethVoice, CTI, the proxy's) and the
	// IPv4 addresses the node's resolver gives them (absent: not resolved).
	Names map[string][]string
	// Site is what the stored NS7 facts and the cluster tell of the site,
	// for the known issues (knownissues.Site).
	Site knownissues.Site
}

// Action is the action whose report carries these checks.
const Action = "check-node"

// Checks are the checks of check-node, in report order.
var Checks = []*check.Check[Facts]{Redis, CPU, Memory, Disk, Proxy, Versions, Leftovers}

// All judges the facts with every check of check-node.
func All(f Facts) []report.Finding { return check.Judge(Checks, f) }

func nodeTook(f Facts) time.Duration    { return f.NodeTook }
func clusterTook(f Facts) time.Duration { return f.Took }

// subjectNode names a node; outside NS8 (no NODE_ID) it is this machine.
func subjectNode(id string) string {
	if id == "" {
		return "this node"
	}
	return "node " + id
}

var hint = check.Hint

// noSuchNode is the finding when the destination node set with
// configure-module is not a node of the cluster (nil when it is, or when
// the cluster could not be read: other checks say so).
func noSuchNode(f Facts) *report.Finding {
	if f.Dest == "" || f.Cluster == nil || len(f.Cluster.Nodes) == 0 || f.Cluster.Nodes[f.Dest] != nil {
		return nil
	}
	ids := make([]string, 0, len(f.Cluster.Nodes))
	for id := range f.Cluster.Nodes {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return &report.Finding{Subject: subjectNode(f.Dest), Status: report.Fail,
		Message: fmt.Sprintf("node %s is not a node of this cluster (its nodes: %s): NethVoice cannot be migrated to it", f.Dest, strings.Join(ids, ", ")),
		Remediation: hint("Choose an existing node as the destination with configure-module (node), then run the check again",
			check.ActionCommand(f.ModuleID, "configure-module", fmt.Sprintf(`'{"node": %s}'`, ids[0])))}
}

// measured returns a skip finding when the measured node is not the
// destination or the measure failed, nil otherwise.
func measured(f Facts) *report.Finding {
	if fd := noSuchNode(f); fd != nil {
		return fd
	}
	if f.Dest != "" && f.ThisNode != "" && f.Dest != f.ThisNode {
		// Unknown is not enough: a warning, so that "ready" never rests on
		// a node nobody measured.
		return &report.Finding{Subject: subjectNode(f.Dest), Status: report.Warn,
			Message: fmt.Sprintf("not measured: this module runs on node %s, the destination is node %s, and only the node the module runs on can be measured; whether node %s has what NethVoice needs is unknown", f.ThisNode, f.Dest, f.Dest),
			Remediation: hint(fmt.Sprintf("Install nethvoice-preflight on node %s and run check-node there, or check node %s by hand: at least 4 CPU cores, 8 GiB of RAM and 100 GiB free (twice NS7's data when larger) where modules keep their volumes", f.Dest, f.Dest),
				"nproc", "free -g", "df -h /home")}
	}
	if f.Node == nil {
		return &report.Finding{Subject: subjectNode(f.ThisNode), Status: report.Fail,
			Message:     "the node could not be measured: " + f.NodeErr,
			Remediation: hint("Check that /proc is readable and the volumes path exists, then run the check again")}
	}
	return nil
}

var CPU = &check.Check[Facts]{Meta: check.Meta{
	ID: "node.cpu", Title: "Enough CPU cores", Action: Action, Area: check.System,
	Verifies: "The destination node has at least 4 CPU cores.",
	Doc: "The node has at least 4 CPU cores (counted from `/proc/cpuinfo`), the NethVoice minimum. With " +
		"the other node checks of the node's resources, a `warn` (not measured, unknown) when the destination " +
		"node is not the node the module runs on.",
}, Eval: check.One(cpu), Took: nodeTook}

// cpu judges node.cpu.
func cpu(f Facts) report.Finding {
	if s := measured(f); s != nil {
		return *s
	}
	fd := report.Finding{Subject: subjectNode(f.ThisNode),
		Data: map[string]any{"cpus": f.Node.CPUs, "minimum": MinCPUs}}
	if f.Node.CPUs >= MinCPUs {
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("%d CPU cores (at least %d needed)", f.Node.CPUs, MinCPUs)
		return fd
	}
	fd.Status = report.Fail
	fd.Message = fmt.Sprintf("%d CPU cores; NethVoice needs at least %d", f.Node.CPUs, MinCPUs)
	fd.Remediation = hint(fmt.Sprintf("Give the node at least %d vCPU (or choose another destination node)", MinCPUs), "nproc")
	return fd
}

var Memory = &check.Check[Facts]{Meta: check.Meta{
	ID: "node.memory", Title: "Enough memory", Action: Action, Area: check.System,
	Verifies: "The destination node has at least 8 GiB of RAM.",
	Doc: "The node has at least 8 GiB of RAM. `MemTotal` of an 8 GiB machine reads a little less (the " +
		"kernel keeps part of it), so 7.5 GiB and more count as 8 GiB.",
}, Eval: check.One(memory), Took: nodeTook}

// memory judges node.memory.
func memory(f Facts) report.Finding {
	if s := measured(f); s != nil {
		return *s
	}
	fd := report.Finding{Subject: subjectNode(f.ThisNode),
		Data: map[string]any{"memory_bytes": f.Node.MemTotalBytes, "minimum_bytes": MinMemNominal}}
	if f.Node.MemTotalBytes >= MinMemBytes {
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("%s of RAM (at least 8 GiB needed)", check.Bytes(f.Node.MemTotalBytes))
		return fd
	}
	fd.Status = report.Fail
	fd.Message = fmt.Sprintf("%s of RAM; NethVoice needs at least 8 GiB", check.Bytes(f.Node.MemTotalBytes))
	fd.Remediation = hint("Give the node at least 8 GiB of RAM (or choose another destination node)", "free -h")
	return fd
}

// DiskNeed is the free space needed for NethVoice volumes given the measured
// NS7 data (0 when not measured yet).
func DiskNeed(ns7Data int64) uint64 {
	need := uint64(MinDiskBytes)
	if ns7Data > 0 && uint64(ns7Data)*DiskFactor > need {
		need = uint64(ns7Data) * DiskFactor
	}
	return need
}

var Disk = &check.Check[Facts]{Meta: check.Meta{
	ID: "node.disk", Title: "Enough free disk for module volumes", Action: Action, Area: check.System,
	Verifies: "Free space on the filesystem that holds module volumes is at least max(100 GiB, measured NS7 " +
		"data x 2).",
	Doc: "Free space (for unprivileged users) on the filesystem that holds module volumes is at least " +
		"max(100 GiB, measured NS7 data x 2): the data is copied once and the database dumps are imported " +
		"in background. The path is the home base directory of rootless modules (the parent of the " +
		"module's `HOME`, normally `/home`) or the `volumes_path` setting; a path that does not exist yet " +
		"is measured on its nearest existing parent. The NS7 data size comes from the last `probe-ns7` " +
		"(kept in the module's state directory); when that record cannot be read, the 100 GiB minimum is " +
		"judged and the check warns at best. When `probe-ns7` could measure the data only in part, the need " +
		"of what it measured is a floor and the need of its upper bound (NS7's filesystems) a ceiling: free " +
		"space below the floor fails, above the ceiling passes, in between warns (unknown), never sized on " +
		"the measured part as if it were all.",
}, Eval: check.One(disk), Took: nodeTook}

// disk judges node.disk.
func disk(f Facts) report.Finding {
	if s := measured(f); s != nil {
		return *s
	}
	ns7 := f.NS7DataBytes
	if ns7 == 0 && f.NS7DataAtLeast > 0 && f.NS7DataErr == "" {
		return diskBounds(f, f.NS7DataAtLeast, f.NS7DataAtMost)
	}
	need := DiskNeed(ns7)
	fd := report.Finding{Subject: f.Node.MeasuredPath,
		Data: map[string]any{"free_bytes": f.Node.DiskFreeBytes, "size_bytes": f.Node.DiskSizeBytes,
			"needed_bytes": need, "ns7_data_bytes": ns7, "path": f.Node.VolumesPath, "measured_path": f.Node.MeasuredPath}}
	basis := "the 100 GiB minimum; NS7 data not measured yet: run probe-ns7"
	switch {
	case f.NS7DataErr != "":
		// Unknown, not zero: the need is at least the minimum.
		basis = "at least the 100 GiB minimum; the NS7 data size probe-ns7 stored could not be read (" + f.NS7DataErr + "): run probe-ns7 again"
	case ns7 > 0:
		basis = fmt.Sprintf("max(100 GiB, NS7 data %s x %d)", check.Bytes(uint64(ns7)), DiskFactor)
	}
	fd.Message = fmt.Sprintf("%s free on %s; %s needed (%s)", check.Bytes(f.Node.DiskFreeBytes), f.Node.MeasuredPath, check.Bytes(need), basis)
	if f.Node.DiskFreeBytes >= need {
		fd.Status = report.Pass
		if f.NS7DataErr != "" {
			fd.Status = report.Warn
			fd.Remediation = hint("Run probe-ns7 again, so that the need is measured on the data of NS7")
		}
		return fd
	}
	fd.Status = report.Fail
	fd.Remediation = freeMore(f, need)
	return fd
}

func freeMore(f Facts, need uint64) *report.Remediation {
	return hint(fmt.Sprintf("Free or add %s on the filesystem of %s (or choose another destination node)",
		check.Bytes(need-f.Node.DiskFreeBytes), f.Node.MeasuredPath), "df -h "+f.Node.MeasuredPath)
}

// diskBounds judges node.disk on NS7 data measured only in part: the need
// of the measured part is a floor, the need of the upper bound (the used
// bytes of NS7's filesystems, when known) a ceiling; between them the
// answer is unknown, and said so.
func diskBounds(f Facts, atLeast, atMost int64) report.Finding {
	low := DiskNeed(atLeast)
	fd := report.Finding{Subject: f.Node.MeasuredPath,
		Data: map[string]any{"free_bytes": f.Node.DiskFreeBytes, "size_bytes": f.Node.DiskSizeBytes, "needed_bytes_at_least": low,
			"ns7_data_at_least_bytes": atLeast, "path": f.Node.VolumesPath, "measured_path": f.Node.MeasuredPath}}
	free := check.Bytes(f.Node.DiskFreeBytes)
	lead := fmt.Sprintf("%s free on %s; NS7 data was measured only in part (see ns7.data-size): at least %s", free, f.Node.MeasuredPath, check.Bytes(uint64(atLeast)))
	if f.Node.DiskFreeBytes < low {
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s, so at least %s is needed (max(100 GiB, %s x %d))", lead, check.Bytes(low), check.Bytes(uint64(atLeast)), DiskFactor)
		fd.Remediation = freeMore(f, low)
		return fd
	}
	if atMost > 0 {
		high := DiskNeed(atMost)
		fd.Data["needed_bytes_at_most"], fd.Data["ns7_data_at_most_bytes"] = high, atMost
		if f.Node.DiskFreeBytes >= high {
			fd.Status = report.Pass
			fd.Message = fmt.Sprintf("%s and at most %s, so at most %s is needed", lead, check.Bytes(uint64(atMost)), check.Bytes(high))
			return fd
		}
		fd.Message = fmt.Sprintf("%s and at most %s: between %s and %s is needed, so whether this is enough is unknown", lead, check.Bytes(uint64(atMost)), check.Bytes(low), check.Bytes(high))
	} else {
		fd.Message = fmt.Sprintf("%s, so at least %s is needed; how much more is unknown", lead, check.Bytes(low))
	}
	fd.Status = report.Warn
	fd.Remediation = hint("Measure NS7's data completely (probe-ns7 with a larger data_budget_s), then check again", check.ActionCommand(f.ModuleID, "probe-ns7", `'{"data_budget_s": 1800}'`))
	return fd
}

// clusterSkip is the finding of a cluster check when the cluster could not
// be read; the cause itself is reported once, by cluster.redis.
func clusterSkip(f Facts, subject string) *report.Finding {
	if why := check.ClusterGap(f.State, Redis.ID); why != "" {
		s := check.Skip(subject, why)
		return &s
	}
	return nil
}

var Redis = &check.Check[Facts]{Meta: check.Meta{
	ID: "cluster.redis", Title: "Cluster database answers", Action: Action, Area: check.System,
	Verifies: "The cluster Redis (local replica and leader) answers within the deadline and the leader node is " +
		"known.",
	Doc: "The local Redis replica answers within the deadline, the leader's Redis (where run-preflight " +
		"takes its run lock) answers to the module's credentials, and the leader node is known " +
		"(`cluster/environment` `NODE_ID` set and `node/<leader>/vpn` present). `skip` outside NS8 (no " +
		"`REDIS_ADDRESS`). When this fails, the other cluster checks are `skip` with the same cause.",
}, Eval: check.One(redis), Took: clusterTook}

// redis judges cluster.redis.
func redis(f Facts) report.Finding {
	fd := report.Finding{Subject: "cluster"}
	if !f.RedisConfigured {
		fd.Status = report.Skip
		fd.Message = "no cluster database: REDIS_ADDRESS is not set (stand-alone run outside NS8)"
		return fd
	}
	fd.Data = map[string]any{"read_address": f.ReadAddress, "write_address": f.WriteAddress}
	if f.Cluster == nil {
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("the cluster database at %s did not answer: %s", f.ReadAddress, f.ClusterErr)
		fd.Remediation = hint("Check the local Redis replica and the VPN to the leader on this node", "systemctl status redis", "runagent redis-cli ping")
		return fd
	}
	if f.LeaderErr != "" {
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("the leader's database at %s did not answer: %s", f.WriteAddress, f.LeaderErr)
		fd.Remediation = hint("Check the VPN between this node and the leader, and Redis on the leader", "wg show", "runagent redis-cli -h cluster-leader ping")
		return fd
	}
	leader := f.Cluster.Leader
	if leader == "" {
		fd.Status = report.Fail
		fd.Message = "the cluster database answers but names no leader (cluster/environment NODE_ID is empty)"
		fd.Remediation = hint("The cluster is not initialized or its database is damaged: finish create-cluster on the leader", "api-cli run cluster/get-cluster-status")
		return fd
	}
	if _, ok := f.Cluster.Nodes[leader]; !ok {
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("the leader is node %s, but node/%s/vpn does not exist", leader, leader)
		fd.Remediation = hint("The cluster database is inconsistent: check the leader node", "api-cli run cluster/get-cluster-status")
		return fd
	}
	fd.Status = report.Pass
	fd.Data["leader"] = leader
	fd.Message = fmt.Sprintf("the cluster database answers (%d nodes, %d modules); the leader is node %s", len(f.Cluster.Nodes), len(f.Cluster.Modules), leader)
	return fd
}

var Leftovers = &check.Check[Facts]{Meta: check.Meta{
	ID: "node.leftovers", Title: "No leftovers of an earlier migration", Action: Action, Area: check.System,
	Verifies: "No NS7 is already joined as a nomodules node and no stale ns7admin accounts are left.",
	Doc: "Subject `nodes`: no node carries the `nomodules` flag, the mark of an NS7 joined by the " +
		"migration tool (`warn`: it may be this migration's NS7, or an earlier one never removed). " +
		"Subject `accounts`: no stale `ns7adminN` cluster admin account without a joined NS7 node N. The " +
		"account names are listed with `SCAN user/ns7admin*` (NS8's ACL forbids modules to read `user/*` " +
		"keys, but a key-name scan is not subject to key patterns); where a server refuses it, this " +
		"subject is `skip` with the command to check by hand.",
}, Eval: leftovers, Took: clusterTook}

// leftovers judges node.leftovers: NS7 migration nodes already joined, and
// stale ns7admin accounts (when the module can read them).
func leftovers(f Facts) []report.Finding {
	if s := clusterSkip(f, "nodes"); s != nil {
		return []report.Finding{*s}
	}
	var mig []string
	for id, n := range f.Cluster.Nodes {
		if n.Migrating {
			mig = append(mig, id)
		}
	}
	sort.Strings(mig)
	nodes := report.Finding{Subject: "nodes", Data: map[string]any{"ns7_nodes": mig}}
	if len(mig) == 0 {
		nodes.Status = report.Pass
		nodes.Message = "no NS7 is joined to the cluster (no node has the nomodules flag)"
	} else {
		nodes.Status = report.Warn
		nodes.Message = fmt.Sprintf("node %s is an NS7 already joined by the migration tool (flag nomodules): an earlier or running migration", strings.Join(mig, ", "))
		nodes.Remediation = hint("If it is not the NS7 you are migrating now, run 'Leave NS8' in the NS7 migration tool (or remove the node from the cluster) before starting",
			"api-cli run cluster/list-nodes")
	}
	accounts := report.Finding{Subject: "accounts"}
	switch {
	case f.Cluster.AdminsErr != "":
		accounts.Status = report.Skip
		accounts.Message = f.Cluster.AdminsErr + "; check by hand that no ns7admin account is left"
		accounts.Remediation = hint("List the cluster admins on the leader and remove ns7adminN accounts of finished migrations",
			"api-cli run cluster/list-users")
	case len(f.Cluster.Admins) == 0:
		accounts.Status = report.Pass
		accounts.Message = "no ns7admin account exists"
	default:
		stale := staleAdmins(f.Cluster)
		accounts.Data = map[string]any{"ns7_admins": f.Cluster.Admins, "stale": stale}
		if len(stale) == 0 {
			accounts.Status = report.Pass
			accounts.Message = fmt.Sprintf("ns7admin accounts %s belong to NS7 nodes still joined", strings.Join(f.Cluster.Admins, ", "))
		} else {
			accounts.Status = report.Warn
			accounts.Message = fmt.Sprintf("stale migration accounts %s: no joined NS7 node matches them", strings.Join(stale, ", "))
			accounts.Remediation = hint("Remove the stale accounts from Settings > Cluster administrators",
				fmt.Sprintf("api-cli run cluster/remove-user --data '{\"user\":\"%s\"}'", stale[0]))
		}
	}
	return []report.Finding{nodes, accounts}
}

// staleAdmins are ns7admin<N> accounts without a joined NS7 node N.
func staleAdmins(s *cluster.Snapshot) []string {
	var out []string
	for _, a := range s.Admins {
		id := strings.TrimPrefix(a, "ns7admin")
		if n := s.Nodes[id]; n == nil || !n.Migrating {
			out = append(out, a)
		}
	}
	return out
}
