package ns7check

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/accountprovider"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// What Connect and Finish read on NS7 besides NethVoice's data
// (nethserver-ns8-migration d5b6df0): Connect (ns8-join) takes the local
// account provider's bind DN and password from account-provider-test dump
// and has NS8 add the provider as an external user domain, reached through
// the new VPN (OpenLDAP: port 636, TLS; Samba DC: the nsdc address and the
// dump's port); it then routes the cluster VPN network to NS7's tunnel
// (wg-quick@ns8 AllowedIPs = RemoteNetwork). Finish reads
// /var/lib/nethserver/secrets/PhonebookDBPasswd (apps/nethserver-nethvoice14
// migrate, under set -e).

var ProviderService = gated(check.Meta{
	ID: "ns7.provider-service", Title: "Local account provider answers the join", Action: Action, Area: check.Account,
	Verifies: "NS7's own account provider runs where Connect reaches it: OpenLDAP (slapd) listening on LDAPS " +
		"port 636, or the Samba DC container (nsdc) running.",
	Doc: "At Connect, `ns8-join` has NS8 add NS7's own provider as an external user domain, reached through " +
		"the new VPN, and leaves the cluster again if that fails (nethserver-ns8-migration `ns8-join`): a " +
		"local OpenLDAP is added at NS7's VPN address, **port 636** with TLS, so `slapd` must be active and " +
		"a socket must listen on TCP 636 (`ss -ltn`); a local Samba DC is added at its container's address " +
		"(`nsdc` `IpAddress`), so `nsdc` must be active. Either missing fails. `skip` for a remote provider " +
		"(the join adds no domain from NS7: check-user-domain judges NS8's) and when the provider could " +
		"not be read.",
}, providerService, ns7.CmdServices, ns7.CmdListen)

// ProviderBind: the credentials the join sends.
var ProviderBind = gated(check.Meta{
	ID: "ns7.provider-bind", Title: "Bind credentials of the local account provider", Action: Action, Area: check.Account,
	Verifies: "The bind DN and password Connect sends to NS8 exist on NS7: the local OpenLDAP's ldapservice " +
		"secret file, or the Samba DC's bind DN and password (existence only: never read).",
	Doc: "`ns8-join` sends NS8 the `BindDN` and `BindPassword` of `account-provider-test dump`, and NS8's " +
		"`add-external-domain` requires both (ns8-core `validate-input.json`: `minLength` 1) and binds " +
		"with them. For a local OpenLDAP the dump takes the password from " +
		"`/var/lib/nethserver/secrets/ldapservice` (nethserver-sssd `SSSD.pm` `bindPassword`): it must " +
		"exist and not be empty (`test -e`/`test -s`: never read). A missing one fails: the dump would write " +
		"a new random password that OpenLDAP does not know (nethserver-lib `NethServer::Password::store`), " +
		"so the bind fails, and the probe then does not run the dump either. For a local Samba DC the dump " +
		"must give a bind DN and say that a bind password is set (its value is dropped when the dump is " +
		"parsed). `skip` for a remote provider, and when NS7's answers could not be read (as a user that " +
		"cannot search `/var/lib/nethserver/secrets`, for one).",
}, providerBind)

// PhonebookPassword: what Finish reads.
var PhonebookPassword = gated(check.Meta{
	ID: "ns7.phonebook-password", Title: "Phonebook database password for Finish", Action: Action, Area: check.Data,
	Verifies: "/var/lib/nethserver/secrets/PhonebookDBPasswd exists and is not empty (existence only: never read).",
	Doc: "Finish reads `/var/lib/nethserver/secrets/PhonebookDBPasswd` for NethVoice's `configure-module` " +
		"(`phonebook_db_password`) in a script that stops at the first error (nethserver-ns8-migration " +
		"`apps/nethserver-nethvoice14/migrate`, `set -e`): without it Finish stops after the last data sync, " +
		"before NethVoice on NS8 is configured. Missing or empty fails. The probe tests that it exists " +
		"(`test -e`, `test -s`) and never reads it; `skip` when its directory cannot be searched.",
}, phonebookPassword, ns7.CmdSecrets)

// VPNNetwork: the cluster's network as NS7 will route it.
var VPNNetwork = gated(check.Meta{
	ID: "ns7.vpn-network", Title: "Cluster VPN network free on NS7", Action: Action, Area: check.Network,
	Verifies: "The cluster VPN network (cluster/network) overlaps none of NS7's own networks and routes.",
	Doc: "After Connect NS7 routes the cluster VPN network (`cluster/network`, e.g. `10.5.4.0/24`) to its " +
		"WireGuard interface `ns8` (nethserver-ns8-migration `ns8-join` stores it as `wg-quick@ns8` " +
		"`RemoteNetwork`, the tunnel's `AllowedIPs`). A network of one of NS7's addresses (`ip -o -4 addr`) " +
		"or a route of its main table (`ip -4 route`) as specific as the cluster network or more, that " +
		"overlaps it, fails: NS7 would reach either the cluster or that network, not both. A broader route " +
		"that contains it warns (the part inside the cluster network is lost to NS7). The default route " +
		"and NS7's own `ns8` interface (already joined) are left out. `skip` without a cluster database.",
}, vpnNetwork, ns7.CmdAddresses, ns7.CmdRoutes)

func init() {
	for _, c := range []*check.Check[Facts]{ProviderService, ProviderBind} {
		reads[c.ID] = append(reads[c.ID], ns7.CmdProvider, ns7.CmdConfig+"sssd", ns7.CmdConfig+"nsdc")
	}
	reads[ProviderBind.ID] = append(reads[ProviderBind.ID], ns7.CmdSecrets)
}

// joinProvider is NS7's provider as the join sees it, or the finding of a
// provider the check does not judge.
func joinProvider(f Facts) (accountprovider.Provider, *report.Finding) {
	p, why := accountprovider.Read(f.NS7)
	skip := func(msg string) *report.Finding {
		return &report.Finding{Subject: f.Subject(), Status: report.Skip, Message: msg}
	}
	switch {
	case why != "":
		return p, skip("could not tell which account provider NS7 has: " + why)
	case p.Type == accountprovider.None:
		return p, skip("NS7 has no account provider (see ns7.account-provider)")
	case p.Remote():
		return p, skip(fmt.Sprintf("%s provider: the join adds no user domain from NS7 (NS8's own external domain is used: see check-user-domain)", p.Type))
	}
	return p, nil
}

// providerService judges ns7.provider-service.
func providerService(f Facts) report.Finding {
	p, sk := joinProvider(f)
	if sk != nil {
		return *sk
	}
	n := f.NS7
	fd := report.Finding{Subject: f.Subject(), Data: map[string]any{"type": p.Type}}
	if p.Type == accountprovider.LocalAD {
		state, ip := n.Services["nsdc"], ""
		if r := n.Config["nsdc"]; r != nil {
			ip = r.Props["IpAddress"]
		}
		fd.Data["nsdc"], fd.Data["ip_address"] = state, ip
		if state == "active" {
			fd.Status, fd.Message = report.Pass, fmt.Sprintf("the Samba DC container (nsdc, %s) is active: Connect routes NS8 to it and adds it as an AD user domain", ip)
			return fd
		}
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("the Samba DC container nsdc (%s) is %s: Connect adds it to NS8 as an AD user domain, and leaves the cluster again when NS8 cannot reach it", ip, state)
		fd.Remediation = hint("Start NS7's Samba DC and check it stays up", "systemctl start nsdc", "systemctl status nsdc")
		return fd
	}
	state := n.Services["slapd"]
	fd.Data["slapd"], fd.Data["ldaps_listening"] = state, n.LDAPS636
	if state == "active" && n.LDAPS636 {
		fd.Status, fd.Message = report.Pass, "slapd is active and listens on LDAPS port 636: Connect adds it to NS8 at NS7's VPN address, port 636"
		return fd
	}
	fd.Status = report.Fail
	fd.Message = fmt.Sprintf("slapd is %s and port 636 is %s: Connect adds NS7's OpenLDAP to NS8 at NS7's VPN address, port 636 (LDAPS), and leaves the cluster again when NS8 cannot bind there",
		state, map[bool]string{true: "listening", false: "not listening"}[n.LDAPS636])
	fd.Remediation = hint("Start OpenLDAP on NS7 with its LDAPS listener (NS7's directory listens on ldaps:/// by default)", "systemctl start slapd", "ss -ltn 'sport = :636'")
	return fd
}

// providerBind judges ns7.provider-bind.
func providerBind(f Facts) report.Finding {
	p, sk := joinProvider(f)
	if sk != nil {
		return *sk
	}
	if p.Type == accountprovider.LocalAD {
		return adBind(f)
	}
	if g := gateCmds(f, ns7.CmdSecrets); g != nil {
		return *g
	}
	fd, state := secretState(f, ns7.LDAPServiceSecret, "the local OpenLDAP's bind password")
	if state != "" && state != ns7.SecretPresent {
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s is %s: account-provider-test would write a new random bind password that NS7's OpenLDAP does not know, so NS8's add-external-domain cannot bind at Connect (and the probe did not run the dump, which would write it)",
			ns7.LDAPServiceSecret, state)
		fd.Remediation = hint("Restore "+ns7.LDAPServiceSecret+" (root, 0600) from NS7's configuration backup; or let NS7 set its directory's service accounts again, which writes a new secret and gives the ldapservice account that password (nethserver-directory: event nethserver-directory-update), then check the bind",
			"signal-event nethserver-directory-update",
			"LDAPTLS_REQCERT=never ldapsearch -x -H ldaps://127.0.0.1 -D cn=ldapservice,dc=directory,dc=nh -y "+ns7.LDAPServiceSecret+" -b dc=directory,dc=nh -s base")
	}
	if state == ns7.SecretPresent {
		fd.Status = report.Pass
		fd.Message = ns7.LDAPServiceSecret + " exists (not read): Connect binds to NS7's OpenLDAP as cn=ldapservice with it"
	}
	return fd
}

// adBind judges the Samba DC's bind credentials, as the dump gives them.
func adBind(f Facts) report.Finding {
	fd := report.Finding{Subject: f.Subject()}
	d := f.NS7.Provider
	if d == nil {
		fd.Status, fd.Message = report.Skip, "could not read the Samba DC's bind credentials: "+unreadWhy(f.NS7, ns7.CmdProvider)
		return fd
	}
	fd.Data = map[string]any{"bind_dn": d.BindDN, "bind_password_set": d.BindPasswordSet}
	if d.BindDN != "" && d.BindPasswordSet {
		fd.Status, fd.Message = report.Pass, fmt.Sprintf("account-provider-test gives the bind DN %s and a bind password (not kept): Connect binds to the Samba DC with them", d.BindDN)
		return fd
	}
	fd.Status = report.Fail
	fd.Message = fmt.Sprintf("account-provider-test gives bind DN %q and %s: NS8's add-external-domain requires both, so Connect fails",
		d.BindDN, map[bool]string{true: "a bind password", false: "no bind password"}[d.BindPasswordSet])
	fd.Remediation = hint("Set the Samba DC's ldapservice credentials on NS7 again (nethserver-dc creates the ldapservice account and stores it in sssd's BindDN and BindPassword), then check the dump's BindDN",
		"signal-event nethserver-dc-update", "config getprop sssd BindDN")
	return fd
}

// secretState is a secret file's state, or (state "") the finding that
// says why it could not be told.
func secretState(f Facts, path, what string) (report.Finding, string) {
	fd := report.Finding{Subject: f.Subject()}
	state := f.NS7.Secrets[path]
	fd.Data = map[string]any{"path": path, "state": state}
	if state == ns7.SecretUnknown || state == "" {
		fd.Status = report.Skip
		fd.Message = fmt.Sprintf("could not tell whether %s (%s) exists: its directory cannot be searched as %s", path, what, f.NS7.User)
		return fd, ""
	}
	return fd, state
}

// phonebookPassword judges ns7.phonebook-password.
func phonebookPassword(f Facts) report.Finding {
	fd, state := secretState(f, ns7.PhonebookSecret, "the phonebook database password")
	switch state {
	case "":
	case ns7.SecretPresent:
		fd.Status, fd.Message = report.Pass, ns7.PhonebookSecret+" exists (not read): Finish sends it to NethVoice on NS8"
	default:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s is %s: Finish reads it in a script that stops at the first error, after the last data sync and before NethVoice on NS8 is configured", ns7.PhonebookSecret, state)
		fd.Remediation = hint("Restore "+ns7.PhonebookSecret+" from NS7's configuration backup: it holds the password of the phonebook database user of NethVoice on NS7",
			"ls -l "+ns7.PhonebookSecret)
	}
	return fd
}

// vpnNetwork judges ns7.vpn-network.
func vpnNetwork(f Facts) report.Finding {
	if why := check.ClusterGap(f.State, ""); why != "" {
		return check.Skip(f.Subject(), why)
	}
	fd := report.Finding{Subject: f.Subject()}
	raw := f.Cluster.Network
	cluster, err := netip.ParsePrefix(strings.TrimSpace(raw))
	if err != nil || !cluster.Addr().Is4() {
		fd.Status = report.Skip
		fd.Message = fmt.Sprintf("the cluster VPN network (cluster/network) is %q, not an IPv4 network: nothing to compare", raw)
		return fd
	}
	cluster = cluster.Masked()
	clash, wide := overlaps(f.NS7, cluster)
	fd.Data = map[string]any{"network": cluster.String(), "overlaps": nonNil(clash), "contains": nonNil(wide),
		"addresses": len(f.NS7.Addresses), "routes": len(f.NS7.Routes)}
	rem := hint("The cluster VPN network is chosen when the cluster is created: renumber NS7's network or remove the route that overlaps it before Connect (NS7 routes the cluster network to its tunnel ns8)",
		"ip -o -4 addr show", "ip -4 route show")
	switch {
	case len(clash) > 0:
		fd.Status, fd.Remediation = report.Fail, rem
		fd.Message = fmt.Sprintf("the cluster VPN network %s overlaps NS7's %s: after Connect NS7 reaches either the cluster or that network, not both", cluster, strings.Join(clash, "; "))
	case len(wide) > 0:
		fd.Status, fd.Remediation = report.Warn, rem
		fd.Message = fmt.Sprintf("NS7's %s contains the cluster VPN network %s: after Connect the part of it inside %s is reached through the tunnel instead", strings.Join(wide, "; "), cluster, cluster)
	default:
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("the cluster VPN network %s overlaps none of NS7's %s and %s", cluster, check.Count(len(f.NS7.Addresses), "address", "addresses"), check.Count(len(f.NS7.Routes), "route", ""))
	}
	return fd
}

// overlaps lists NS7's networks and routes that overlap the cluster
// network (clash: addresses' networks, and routes as specific or more) and
// the broader routes that contain it (wide). The tunnel ns8 is the
// cluster's own.
func overlaps(n *ns7.Facts, cluster netip.Prefix) (clash, wide []string) {
	for _, a := range n.Addresses {
		p, err := netip.ParsePrefix(a.CIDR)
		if err != nil || a.Interface == "ns8" || !p.Masked().Overlaps(cluster) {
			continue
		}
		clash = append(clash, fmt.Sprintf("address %s of %s", a.CIDR, a.Interface))
	}
	for _, r := range n.Routes {
		p, err := netip.ParsePrefix(r.Dest)
		if err != nil || r.Dest == "default" || r.Dev == "ns8" || p.Bits() == 0 || !p.Masked().Overlaps(cluster) {
			continue
		}
		d := "route " + routeText(r)
		if p.Bits() < cluster.Bits() {
			wide = append(wide, d)
		} else {
			clash = append(clash, d)
		}
	}
	return clash, wide
}

func routeText(r ns7.Route) string {
	parts := []string{r.Dest}
	if r.Type != "" {
		parts = append([]string{r.Type}, parts...)
	}
	if r.Via != "" {
		parts = append(parts, "via", r.Via)
	}
	if r.Dev != "" {
		parts = append(parts, "dev", r.Dev)
	}
	return strings.Join(parts, " ")
}
