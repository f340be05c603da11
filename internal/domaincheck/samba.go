package domaincheck

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/accountprovider"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

var SambaNode = &check.Check[Facts]{Meta: check.Meta{
	ID: "domain.samba-node", Title: "A node free for Samba", Action: Action, Area: check.Account,
	Verifies: "For a local Active Directory, a node (not an NS7 migration node) hosts no Samba provider yet.",
	Doc: "A local Active Directory is re-created as a Samba provider, one per node: at least one node (not " +
		"an NS7 joined as `nomodules`) must host no `samba` module yet, else the tool stops with " +
		"`no_available_node_for_samba_provider`. Whether the node is online is not judged.",
}, Eval: check.One(sambaNode), Took: clusterTook}

// sambaNode judges domain.samba-node: a local AD needs a node that does not
// host a Samba provider yet (NS8 runs one Samba DC per node).
func sambaNode(f Facts) report.Finding {
	if s := providerSkip(f, "account provider"); s != nil {
		return *s
	}
	p, _ := usable(f)
	if p.Type != accountprovider.LocalAD {
		return report.Finding{Subject: p.Type, Status: report.Skip,
			Message: "only a local Active Directory is re-created as a Samba provider on an NS8 node"}
	}
	if s := clusterSkip(f, "nodes"); s != nil {
		return *s
	}
	sambaOn := map[string][]string{}
	for _, m := range f.Cluster.Modules {
		if m.Image == "samba" {
			sambaOn[m.Node] = append(sambaOn[m.Node], m.ID)
		}
	}
	var free, busy []string
	for _, id := range sortedNodeIDs(f.Cluster) {
		n := f.Cluster.Nodes[id]
		if n.Migrating {
			continue // an NS7 joined for migration hosts no module
		}
		if ids := sambaOn[id]; len(ids) > 0 {
			sort.Strings(ids)
			busy = append(busy, fmt.Sprintf("%s on node %s", strings.Join(ids, ", "), id))
		} else {
			free = append(free, id)
		}
	}
	fd := report.Finding{Subject: "nodes", Data: map[string]any{"free_nodes": free, "samba_providers": busy}}
	if len(free) > 0 {
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("node %s has no Samba provider: NS8 can host the migrated Active Directory there", strings.Join(free, ", "))
		return fd
	}
	fd.Status = report.Fail
	fd.Message = "every node already hosts a Samba provider (" + listOrNone(busy) + "): NS8 runs one Samba DC per node, and the migration tool stops with no_available_node_for_samba_provider"
	fd.Remediation = hint("Add a node to the cluster for the migrated Active Directory, or remove an unused Samba instance, before joining", "api-cli run cluster/list-nodes")
	return fd
}

func sortedNodeIDs(s *cluster.Snapshot) []string {
	ids := make([]string, 0, len(s.Nodes))
	for id := range s.Nodes {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, ea := strconv.Atoi(ids[i])
		b, eb := strconv.Atoi(ids[j])
		if ea == nil && eb == nil {
			return a < b
		}
		return ids[i] < ids[j]
	})
	return ids
}
