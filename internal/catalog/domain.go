package catalog

// domainEntries are the checks of check-user-domain.
var domainEntries = []Entry{
	{ID: "domain.provider", Title: "NS7 account provider", Action: "check-user-domain",
		Verifies: "NS7's account provider is known (local-ldap, local-ad, remote-ldap, remote-ad) and not none, and says which NS8 domain it becomes."},
	{ID: "domain.name-free", Title: "Domain name free on NS8", Action: "check-user-domain",
		Verifies: "For a local provider, the NS8 name (ldap_domain, or the lower-cased AD realm) is valid and not already an internal or external NS8 domain, compared ignoring case."},
	{ID: "domain.external-match", Title: "Matching external domain on NS8", Action: "check-user-domain",
		Verifies: "For a remote LDAP, exactly one external rfc2307 domain has NS7's base DN; for a remote AD, an ad domain is named as the lower-cased realm. Warns where the name differs from the BaseDN rule."},
	{ID: "domain.same-directory", Title: "Matched domain is NS7's directory", Action: "check-user-domain",
		Verifies: "The providers of the matched NS8 domain are the LDAP server NS7 uses (same host or address)."},
	{ID: "domain.reachable", Title: "LDAP provider reachable from this node", Action: "check-user-domain",
		Verifies: "Each provider answers from this node: TCP, TLS when the domain uses it (honouring tls_verify), and an anonymous root DSE read whose naming contexts hold the base DN."},
	{ID: "domain.samba-node", Title: "A node free for Samba", Action: "check-user-domain",
		Verifies: "For a local Active Directory, a node (not an NS7 migration node) hosts no Samba provider yet."},
}
