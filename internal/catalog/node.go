package catalog

// nodeEntries are the checks of check-node.
var nodeEntries = []Entry{
	{ID: "cluster.redis", Title: "Cluster database answers", Action: "check-node",
		Verifies: "The cluster Redis (local replica and leader) answers within the deadline and the leader node is known."},
	{ID: "node.cpu", Title: "Enough CPU cores", Action: "check-node",
		Verifies: "The destination node has at least 4 CPU cores."},
	{ID: "node.memory", Title: "Enough memory", Action: "check-node",
		Verifies: "The destination node has at least 8 GiB of RAM."},
	{ID: "node.disk", Title: "Enough free disk for module volumes", Action: "check-node",
		Verifies: "Free space on the filesystem that holds module volumes is at least max(100 GiB, measured NS7 data x 2)."},
	{ID: "node.proxy", Title: "NethVoice proxy installed and configured", Action: "check-node",
		Verifies: "A nethvoice-proxy instance runs on the destination node and is configured (FQDN not *.invalid, address not 127.0.0.1)."},
	{ID: "node.leftovers", Title: "No leftovers of an earlier migration", Action: "check-node",
		Verifies: "No NS7 is already joined as a nomodules node and no stale ns7admin accounts are left."},
}
