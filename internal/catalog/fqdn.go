package catalog

// fqdnEntries are the checks of validate-fqdns.
var fqdnEntries = []Entry{
	{ID: "fqdn.syntax", Title: "FQDN is a valid host name", Action: "validate-fqdns",
		Verifies: "Each planned FQDN is an RFC 1123 host name: at most 253 characters, labels of 1-63 letters, digits and hyphens, at least one dot, not an IP address, not under .invalid or localhost; an internationalized name is converted to its A-label form and said so."},
	{ID: "fqdn.distinct", Title: "FQDNs are distinct", Action: "validate-fqdns",
		Verifies: "The CTI FQDN differs from the NethVoice FQDN (case and final dot ignored); the proxy FQDN differs from CTI's and equals the NethVoice FQDN only for a single NethVoice instance."},
	{ID: "fqdn.route-free", Title: "FQDN not used by another route", Action: "validate-fqdns",
		Verifies: "The NethVoice and CTI FQDNs are not already hosts of an HTTP route on NS8 (module/traefik<N>/hosts); in cutover, the route of the NethVoice instance configured with the name is expected."},
	{ID: "fqdn.resolves", Title: "FQDN resolves", Action: "validate-fqdns",
		Verifies: "Every resolver (the node's own or the ones given) answers A records for the FQDN; NXDOMAIN, NODATA, SERVFAIL, REFUSED and silence are told apart. In plan a missing record passes and says what to create."},
	{ID: "fqdn.points-to-node", Title: "FQDN points to this node", Action: "validate-fqdns",
		Verifies: "The published A records are addresses of the destination node (its interfaces, its VPN endpoint's address, its proxy's public address, or expected_addresses): a warn in plan, a fail in cutover."},
	{ID: "fqdn.aaaa", Title: "No AAAA record elsewhere", Action: "validate-fqdns",
		Verifies: "An AAAA record of the FQDN, if any, is an address of the node (clients try IPv6 first); a failing AAAA question is a warn too."},
	{ID: "fqdn.cname", Title: "CNAME chain ends at an address", Action: "validate-fqdns",
		Verifies: "CNAME chains are followed to their end; loops, chains longer than 8 links and targets without an address fail."},
	{ID: "fqdn.authoritative", Title: "Authoritative servers agree with the resolvers", Action: "validate-fqdns",
		Verifies: "The zone's servers, found through NS records and asked directly, answer and agree with each other and with the resolvers; stale resolver caches are named with the seconds they still hold the old answer."},
	{ID: "fqdn.ttl", Title: "TTL low enough for the cutover", Action: "validate-fqdns",
		Verifies: "The TTL of each record of the FQDN as the zone publishes it is at most 3600 s in plan, and a missing record is not hidden long by the zone's negative TTL."},
	{ID: "vpn.endpoint", Title: "Leader VPN endpoint resolves to IPv4", Action: "validate-fqdns",
		Verifies: "The leader's VPN endpoint (node/<leader>/vpn endpoint) is set, not under .invalid, and is or resolves to an IPv4 address, as NS7 needs to join."},
}
