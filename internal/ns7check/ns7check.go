// Package ns7check judges what probe-ns7 collected: pure functions from
// the NS7 facts (internal/ns7) and what NS8 knows (cluster snapshot, its
// own DNS answers, settings) to findings, one function per check id.
package ns7check

import (
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"al.essio.dev/pkg/shellescape"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/accountprovider"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/knownissues"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// Thresholds.
const (
	// WantRelease is the only NS7 release the migration tool supports.
	WantRelease = "7.9.2009"
	// DumpFactor: the SQL dumps written at Finish take about the size of
	// the tables; the margin covers indexes written out as statements.
	DumpFactor = 1.2
	// HandshakeMaxAge: WireGuard re-handshakes every 2 minutes while
	// traffic flows, and the tool sets PersistentKeepalive 25.
	HandshakeMaxAge = 180 * time.Second
	// SyncWarn: an initial sync longer than this needs planning.
	SyncWarn = 4 * time.Hour
)

// Services NethVoice needs running on NS7.
var NethVoiceServices = []string{"asterisk", "httpd-fpbx", "nethcti-server", "janus-gateway", "mariadb"}

// Facts is what probe-ns7 judges.
type Facts struct {
	ModuleID string // this module's id ("" in a stand-alone run)
	// NS7 is nil when the probe could not run at all (ProbeErr says why).
	NS7      *ns7.Facts
	ProbeErr string
	Timeout  time.Duration
	// PublicKey is the module's authorized_keys line ("" before create-module).
	PublicKey string

	// ProbeTook is how long the probe took.
	ProbeTook time.Duration

	// What NS8 knows.
	cluster.State
	LeaderHost  string // host of node/<leader>/vpn endpoint
	LeaderPort  string // its UDP port ("" when unknown: NS8's default 55820 is said)
	LeaderVPNIP string // node/<leader>/vpn ip_address
	// LeaderEndpointProblem says why the leader's VPN endpoint was not
	// asked of NS7 (not host:port with a port of 1-65535, or not a host
	// name: see cluster.SplitEndpoint); LeaderHost is then "".
	LeaderEndpointProblem string
	// FQDNs are the NethVoice and CTI FQDNs configured, asked of NS7 when
	// each is a host name (NS7.Plan.FQDNs).
	FQDNs          []string
	LeaderNS8Addrs []string // LeaderHost as NS8 resolves it
	LeaderNS8Err   string
	FQDNNS8        map[string][]string // the FQDNs as NS8 resolves them
	FQDNNS8Err     map[string]string
	LDAPDomain     string // the NS8 name chosen for a local OpenLDAP
	// NethVoiceFQDN is NethVoice's FQDN planned on NS8 (settings
	// fqdns.nethvoice; "" when not set).
	NethVoiceFQDN string
	Dest          string // the destination node of NethVoice
}

// Action is the action whose report carries these checks.
const Action = "probe-ns7"

// Checks are the checks of probe-ns7, in report order.
var Checks = []*check.Check[Facts]{SSH, HostKey, Release, FactsRead, Updates, Reboot, Cockpit, NethVoice, Services,
	MigrationTool, AccountProvider, ProviderService, ProviderBind, LeaderDNS, LeaderHTTPS, VPNUDP, VPNNetwork, FQDNDNS,
	DataSize, DumpSpace, PhonebookPassword, Prefix, TimeZone, Provisioning, ProvisioningHost, Phones, Gateways, Trunks, TrunkProxy, SIPNAT,
	Extensions, CustomConfig, Bandwidth}

// All judges the facts with every check of probe-ns7.
func All(f Facts) []report.Finding { return check.Judge(Checks, f) }

// reads lists, by check id, the NS7 commands whose answers the check reads
// (docs/ns7-commands.md says why each command runs).
var reads = map[string][]string{}

// Reads returns the ids of the NS7 commands a check reads.
func Reads(id string) []string { return reads[id] }

// gated declares a check that judges the answers of the given NS7
// commands: when NS7 was not probed, or one of them did not answer, its
// finding says so (see gate) instead of judging a value it does not have.
func gated(m check.Meta, eval func(Facts) report.Finding, needs ...string) *check.Check[Facts] {
	reads[m.ID] = needs
	return &check.Check[Facts]{Meta: m, Took: probeTook, Eval: func(f Facts) []report.Finding {
		if g := gate(f, needs...); g != nil {
			return []report.Finding{*g}
		}
		return []report.Finding{eval(f)}
	}}
}

// ungated declares a check that decides itself what it can judge.
func ungated(m check.Meta, eval func(Facts) []report.Finding, cmds ...string) *check.Check[Facts] {
	reads[m.ID] = cmds
	return &check.Check[Facts]{Meta: m, Took: probeTook, Eval: eval}
}

func probeTook(f Facts) time.Duration { return f.ProbeTook }

var hint = check.Hint

// Subject is the NS7 address of every finding but the per-FQDN ones.
func (f Facts) Subject() string {
	if f.NS7 == nil {
		return "ns7"
	}
	return net.JoinHostPort(f.NS7.Host, fmt.Sprint(f.NS7.Port))
}

// gate is the finding of a check that cannot judge: nothing was asked of
// NS7, the host is not a NethServer (every fact of it would be another
// system's), or a command it reads did not answer with a value (see
// gateCmds). Every check of NS7's values passes through it: a fact that
// could not be read is never judged as a value.
func gate(f Facts, cmds ...string) *report.Finding {
	if g := gateConn(f); g != nil {
		return g
	}
	if why := f.NS7.NotNethServer(); why != "" {
		return &report.Finding{Subject: f.Subject(), Status: report.Skip, Message: "not judged: " + why + " (see ns7.release)"}
	}
	return gateCmds(f, cmds...)
}

// gateConn is the finding of a check when no command reached NS7.
func gateConn(f Facts) *report.Finding {
	fd := &report.Finding{Subject: f.Subject(), Status: report.Skip}
	switch {
	case f.NS7 == nil:
		fd.Message = "NS7 was not probed: " + f.ProbeErr
	case f.NS7.Connected:
		return nil
	case f.NS7.ConnectStage == "host-key":
		fd.Message = "no command was sent to NS7: its host key was refused (see ns7.host-key)"
	default:
		fd.Message = "no command was sent to NS7: the connection failed (see ns7.ssh)"
	}
	return fd
}

// gateCmds is the finding of a check when one of the commands it reads did
// not answer: lost or too slow (a fail: the probe itself went wrong), or
// answered with no value to judge (a skip that says why: the command is
// missing, refused, failed, garbled, or was not asked; ns7.reads fails for
// it, so that the run is not ready).
func gateCmds(f Facts, cmds ...string) *report.Finding {
	fd := &report.Finding{Subject: f.Subject()}
	for _, c := range cmds {
		r := f.NS7.Cmd(c)
		switch {
		case r.Status == ns7.StatusLost || r.Status == ns7.StatusNotRun:
			fd.Status = report.Fail
			fd.Message = fmt.Sprintf("lost: %s never answered because %s", c, lostCause(f.NS7))
			fd.Remediation = hint("Run probe-ns7 again; if it happens again, check the network path to NS7 and the load of NS7")
			return fd
		case r.Status == ns7.StatusTimeout:
			fd.Status = report.Fail
			fd.Message = fmt.Sprintf("%s did not answer within its deadline on NS7 (timeout_s %s)", c, f.Timeout)
			fd.Remediation = hint("NS7 is slow to answer: run probe-ns7 again with a larger timeout_s")
			return fd
		case r.Reason != "":
			fd.Status = report.Skip
			fd.Message = fmt.Sprintf("could not read %s: %s (see ns7.reads)", ns7.What(c), r.Reason)
			return fd
		}
	}
	return nil
}

func lostCause(f *ns7.Facts) string {
	switch {
	case f.Dropped != "":
		return "the connection to NS7 dropped during the probe (" + f.Dropped + ")"
	case f.DeadlineHit:
		return "the probe's overall deadline ended first"
	}
	return "the probe ended first"
}

var SSH = ungated(check.Meta{
	ID: "ns7.ssh", Title: "NS7 reachable over SSH", Action: Action, Area: check.Network,
	Verifies: "NS7 answers on its SSH port and accepts the module's key (or a one-time password, never stored); " +
		"the whole probe uses this one connection.",
	Doc: "TCP reach of the NS7 host and port, the SSH handshake, and authentication as the configured user " +
		"(default `root`) with the module's key (authorize the public key shown by `get-configuration` in " +
		"the user's `~/.ssh/authorized_keys` on NS7: the remedy gives the commands for the configured user) " +
		"or with the one-time `password` of the input. A user other than root is a `warn`: what only root " +
		"may read on NS7 (the databases, the account provider) cannot be read. A silent host " +
		"fails within `timeout_s`. A connection that drops during the probe fails here, naming the " +
		"commands that were lost. `data.round_trips` counts the sessions opened on the one connection " +
		"(the command groups, at most 4 at once, and the throughput sample; see docs/ns7-commands.md).",
}, check.One(ssh))

// ssh judges ns7.ssh.
func ssh(f Facts) report.Finding {
	fd := report.Finding{Subject: f.Subject()}
	if f.NS7 == nil {
		fd.Status, fd.Message = report.Fail, "NS7 was not probed: "+f.ProbeErr
		fd.Remediation = hint("Set the NS7 host with configure-module or in the probe-ns7 input")
		return fd
	}
	n := f.NS7
	who := fmt.Sprintf("%s@%s", n.User, f.Subject())
	fd.Data = map[string]any{"user": n.User, "auth": n.Auth, "round_trips": n.RoundTrips}
	switch {
	case n.ConnectStage == "host-key":
		fd.Status, fd.Message = report.Skip, "the connection stopped before authentication: the host key was refused (see ns7.host-key)"
		return fd
	case n.ConnectStage == "connect":
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("cannot reach %s over TCP: %s", f.Subject(), n.ConnectErr)
		fd.Remediation = hint(fmt.Sprintf("Check the NS7 address and port, and that NS7's firewall lets this node connect to SSH port %d", n.Port),
			fmt.Sprintf("nc -zv %s %d", n.Host, n.Port))
		return fd
	case n.ConnectStage == "handshake":
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s accepted TCP but the SSH handshake did not complete: %s", f.Subject(), n.ConnectErr)
		fd.Remediation = hint("Check that sshd runs on NS7 at that port and that nothing in between drops the traffic", "systemctl status sshd")
		return fd
	case n.ConnectStage == "credentials":
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("nothing was sent to %s: the module has no SSH key (create-module makes it when NS8 installs the module) and no one-time password was given", f.Subject())
		fd.Remediation = hint("On NS8, create-module makes the key: reinstall the module if it is missing. Stand-alone, point AGENT_STATE_DIR at a directory and run create-module once", check.ActionCommand(f.ModuleID, "create-module", ""))
		return fd
	case n.ConnectStage == "auth":
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("%s refused authentication: %s", who, n.ConnectErr)
		cmds := []string{check.ActionCommand(f.ModuleID, "get-configuration", "")}
		if f.PublicKey != "" {
			cmds = authorizeCommands(n.User, f.PublicKey)
		}
		fd.Remediation = hint("Authorize the module's public key (shown by get-configuration) for "+n.User+" on NS7 (as root), or give a one-time password in the probe-ns7 input", cmds...)
		return fd
	case n.Dropped != "":
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("connected to %s (%s) but the connection dropped during the probe: %s; lost: %s",
			who, n.Auth, n.Dropped, strings.Join(n.Lost(), ", "))
		fd.Remediation = hint("Check the stability of the network path to NS7 (and that sshd on NS7 was not restarted), then run probe-ns7 again")
		return fd
	}
	fd.Status = report.Pass
	if n.Auth == "password" {
		fd.Message = fmt.Sprintf("connected to %s with the one-time password (not stored); authorize the module's key for later runs", who)
	} else {
		fd.Message = fmt.Sprintf("connected to %s with the module's key", who)
	}
	fd.Message += fmt.Sprintf("; one connection, %d sessions", n.RoundTrips)
	if n.User != "root" {
		fd.Status = report.Warn
		fd.Message += fmt.Sprintf("; but %s is not root: what only root may read on NS7 (the databases through /root/.my.cnf, account-provider-test, the configuration database, WireGuard, the spools) was not asked (%d commands), and the checks of it say so instead of judging (see ns7.reads)", n.User, len(notAsked(n)))
		fd.Remediation = hint("Probe NS7 as root: authorize the module's key for root (as root on NS7), set ns7.user to root with configure-module, then run probe-ns7 again", authorizeCommands("root", orText(f.PublicKey, "<the module's public key>"))...)
	}
	return fd
}

// authorizeCommands are the commands, run as root on NS7, that authorize a
// public key for user: in root's ~/.ssh, or in the user's own home with
// the user as owner.
func authorizeCommands(user, key string) []string {
	line := shellescape.Quote(key)
	if user == "root" {
		return []string{"install -d -m 700 /root/.ssh && echo " + line + " >> /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys"}
	}
	home := "~" + user // user names are [a-z_][a-z0-9_-]* (the settings schema): no quoting needed
	return []string{fmt.Sprintf("install -d -m 700 -o %[1]s -g %[1]s %[2]s/.ssh && echo %[3]s >> %[2]s/.ssh/authorized_keys && chown %[1]s: %[2]s/.ssh/authorized_keys && chmod 600 %[2]s/.ssh/authorized_keys", user, home, line)}
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

var HostKey = ungated(check.Meta{
	ID: "ns7.host-key", Title: "NS7 host key pinned", Action: Action, Area: check.Network,
	Verifies: "The first contact pins NS7's host key in the module's known_hosts; a changed key fails and no " +
		"command is sent.",
	Doc: "On first contact the host key is pinned in `$AGENT_STATE_DIR/known_hosts` (OpenSSH format; " +
		"`get-configuration` shows its fingerprint as `ns7_host_key`): compare it with `ssh-keygen -lf " +
		"/etc/ssh/ssh_host_ed25519_key.pub` on NS7. A later different key fails and **no command is " +
		"sent**. If NS7 was reinstalled, check the new fingerprint on NS7 and run `probe-ns7` with " +
		"`accept_host_key` set to it: that key replaces the pin. `accept_host_key` on first contact " +
		"accepts only that fingerprint.",
}, check.One(hostKey))

// hostKey judges ns7.host-key.
func hostKey(f Facts) report.Finding {
	fd := report.Finding{Subject: f.Subject()}
	if f.NS7 == nil || f.NS7.HostKey.Fingerprint == "" {
		fd.Status, fd.Message = report.Skip, "NS7 presented no host key: the connection did not get that far (see ns7.ssh)"
		return fd
	}
	k := f.NS7.HostKey
	fd.Data = map[string]any{"fingerprint": k.Fingerprint, "type": k.Type, "pinned": k.Pinned, "status": k.Status}
	verify := hint("Compare with the fingerprint NS7 prints for its own key", "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub")
	switch k.Status {
	case ns7.KeyChanged:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("NS7 presented host key %s, but %s is pinned: no command was sent", k.Fingerprint, k.Pinned)
		fd.Remediation = hint("If NS7 was reinstalled or its SSH keys regenerated, check the new fingerprint on NS7's console and run probe-ns7 with accept_host_key set to it; otherwise something may be intercepting the connection",
			"ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub")
	case ns7.KeyRejected:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("NS7 presented host key %s, not the fingerprint given in accept_host_key: no command was sent", k.Fingerprint)
		fd.Remediation = hint("Check the fingerprint on NS7's console and give that one in accept_host_key", "ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub")
	case ns7.KeyPinnedNow:
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("first contact: host key %s (%s) is now pinned; later connections must present the same key", k.Fingerprint, k.Type)
		fd.Remediation = verify
	case ns7.KeyRepinned:
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("host key %s accepted as given in accept_host_key (it replaces %s)", k.Fingerprint, k.Pinned)
	default:
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("host key %s matches the pinned key", k.Fingerprint)
	}
	return fd
}

var Release = ungated(check.Meta{
	ID: "ns7.release", Title: "NethServer 7.9.2009", Action: Action, Area: check.System,
	Verifies: "/etc/nethserver-release says NethServer 7.9.2009.",
	Doc: "`/etc/nethserver-release` reads `NethServer release 7.9.2009`; any other release fails. No such " +
		"file (or one that does not name NethServer) fails saying the host is not a NethServer 7: then " +
		"every other NS7 check is `skip`, since none of that host's facts are NS7's. A file that " +
		"cannot be read is `skip` with the reason.",
}, check.One(release), ns7.CmdRelease)

// release judges ns7.release.
func release(f Facts) report.Finding {
	if g := gateConn(f); g != nil {
		return *g
	}
	n := f.NS7
	if why := n.NotNethServer(); why != "" {
		return report.Finding{Subject: f.Subject(), Status: report.Fail, Data: map[string]any{"release": "", "line": n.ReleaseLine},
			Message: why + " 7, so none of its facts are NS7's: the other NS7 checks were not judged",
			Remediation: hint("Check that the NS7 host setting (configure-module ns7.host) names the NethServer 7 that runs NethVoice",
				"cat /etc/nethserver-release")}
	}
	if g := gateCmds(f, ns7.CmdRelease); g != nil {
		return *g
	}
	fd := report.Finding{Subject: f.Subject(), Data: map[string]any{"release": n.Release, "line": n.ReleaseLine}}
	switch {
	case n.Release == WantRelease:
		fd.Status, fd.Message = report.Pass, "NethServer "+n.Release
	default:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("NethServer release %q; the migration needs %s", n.ReleaseLine, WantRelease)
		fd.Remediation = hint("Upgrade NS7 to NethServer 7.9.2009 (Software Center > Updates) before migrating", "yum clean all && yum update")
	}
	return fd
}

var Updates = gated(check.Meta{
	ID: "ns7.updates", Title: "NS7 fully updated", Action: Action, Area: check.System,
	Verifies: "yum check-update lists no pending update.",
	Doc: "`yum -q check-update` exits 0 (nothing pending); exit 100 fails with the number and names of the " +
		"pending packages; another exit code warns (the check could not tell).",
}, updates, ns7.CmdUpdates)

// updates judges ns7.updates.
func updates(f Facts) report.Finding {
	n := f.NS7
	fd := report.Finding{Subject: f.Subject()}
	if n.Updates == nil {
		fd.Status = report.Warn
		fd.Message = fmt.Sprintf("yum check-update failed (exit %d): cannot tell whether updates are pending", n.Cmd(ns7.CmdUpdates).Exit)
		fd.Remediation = hint("Check NS7's repositories and run the command by hand", "yum check-update")
		return fd
	}
	fd.Data = map[string]any{"count": n.Updates.Count, "packages": n.Updates.Packages}
	if !n.Updates.Pending {
		fd.Status, fd.Message = report.Pass, "no updates pending"
		return fd
	}
	fd.Status = report.Fail
	fd.Message = fmt.Sprintf("%s pending (%s)", check.Count(n.Updates.Count, "update", ""), listed(n.Updates.Packages, 5))
	fd.Remediation = hint("Apply every update on NS7 (Software Center > Updates), reboot if the kernel changed, then probe again", "yum update")
	return fd
}

func listed(items []string, max int) string {
	if len(items) <= max {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:max], ", ") + fmt.Sprintf(" and %d more", len(items)-max)
}

var Reboot = gated(check.Meta{
	ID: "ns7.reboot", Title: "No reboot pending on NS7", Action: Action, Area: check.System,
	Verifies: "The running kernel is the newest installed one.",
	Doc: "The running kernel (`uname -r`) is the newest installed `kernel` package (rpm version order). A " +
		"newer installed kernel fails: the migration tool's WireGuard module is built for the running " +
		"kernel.",
}, reboot, ns7.CmdKernel, ns7.CmdKernels)

// reboot judges ns7.reboot.
func reboot(f Facts) report.Finding {
	n := f.NS7
	fd := report.Finding{Subject: f.Subject(), Data: map[string]any{"running": n.Kernel, "installed": n.Kernels}}
	newest := ""
	for _, k := range n.Kernels {
		if newest == "" || rpmVerCmp(k, newest) > 0 {
			newest = k
		}
	}
	fd.Data["newest"] = newest
	switch {
	case newest == "" || n.Kernel == "":
		fd.Status = report.Warn
		fd.Message = "the installed kernels or the running one could not be read"
		fd.Remediation = hint("Compare by hand", "uname -r", "rpm -q kernel")
	case n.Kernel == newest:
		fd.Status, fd.Message = report.Pass, "running the newest installed kernel "+newest
	default:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("running kernel %s, but %s is installed: a reboot is pending (WireGuard of the migration tool needs the running kernel's modules)", n.Kernel, newest)
		fd.Remediation = hint("Reboot NS7 in a quiet moment, then probe again", "reboot")
	}
	return fd
}

var Cockpit = gated(check.Meta{
	ID: "ns7.cockpit", Title: "Cockpit available on NS7", Action: Action, Area: check.System,
	Verifies: "cockpit.socket is active and listens on port 9090 (the migration tool runs in Cockpit).",
	Doc: "`cockpit.socket` is active and a socket listens on TCP 9090: the migration tool is installed and " +
		"run from Cockpit.",
}, cockpit, ns7.CmdServices, ns7.CmdListen)

// cockpit judges ns7.cockpit.
func cockpit(f Facts) report.Finding {
	n := f.NS7
	state := n.Services["cockpit.socket"]
	fd := report.Finding{Subject: f.Subject(), Data: map[string]any{"socket": state, "listening_9090": n.Cockpit9090}}
	if state == "active" && n.Cockpit9090 {
		fd.Status, fd.Message = report.Pass, "cockpit.socket is active and listens on port 9090"
		return fd
	}
	fd.Status = report.Fail
	fd.Message = fmt.Sprintf("cockpit.socket is %s and port 9090 is %s: the migration tool is used from Cockpit", state, map[bool]string{true: "listening", false: "not listening"}[n.Cockpit9090])
	fd.Remediation = hint("Enable Cockpit on NS7", "systemctl enable --now cockpit.socket")
	return fd
}

var NethVoice = gated(check.Meta{
	ID: "ns7.nethvoice", Title: "NethVoice installed on NS7", Action: Action, Area: check.System,
	Verifies: "nethserver-nethvoice14 is installed; the versions of NethVoice's packages are reported.",
	Doc: "`nethserver-nethvoice14` is installed; the message and `data` report the versions of NethVoice's " +
		"packages (FreePBX, CTI, Janus, Asterisk, Tancredi...).",
}, nethVoice, ns7.CmdPackages)

// nethVoice judges ns7.nethvoice.
func nethVoice(f Facts) report.Finding {
	n := f.NS7
	fd := report.Finding{Subject: f.Subject(), Data: map[string]any{"packages": n.Packages}}
	v, ok := n.Packages["nethserver-nethvoice14"]
	if !ok {
		fd.Status = report.Fail
		fd.Message = "nethserver-nethvoice14 is not installed: there is no NethVoice to migrate on this host"
		fd.Remediation = hint("Check that the NS7 host setting names the server that runs NethVoice", "rpm -q nethserver-nethvoice14")
		return fd
	}
	var parts []string
	for _, p := range ns7.Packages {
		if pv, ok := n.Packages[p]; ok && p != "nethserver-ns8-migration" {
			parts = append(parts, p+" "+pv)
		}
	}
	fd.Status = report.Pass
	fd.Message = fmt.Sprintf("NethVoice is installed (nethserver-nethvoice14 %s); %s", v, strings.Join(parts[1:], ", "))
	if len(parts) <= 1 {
		fd.Message = "NethVoice is installed (nethserver-nethvoice14 " + v + ")"
	}
	return fd
}

var Services = gated(check.Meta{
	ID: "ns7.services", Title: "NethVoice services running", Action: Action, Area: check.System,
	Verifies: "asterisk, httpd-fpbx, nethcti-server, janus-gateway and mariadb are active.",
	Doc: "`asterisk`, `httpd-fpbx`, `nethcti-server`, `janus-gateway` and `mariadb` are `active`; any " +
		"other state fails, naming each unit and its state.",
}, services, ns7.CmdServices)

// services judges ns7.services.
func services(f Facts) report.Finding {
	n := f.NS7
	fd := report.Finding{Subject: f.Subject()}
	states := map[string]string{}
	var down []string
	for _, s := range NethVoiceServices {
		states[s] = n.Services[s]
		if n.Services[s] != "active" {
			down = append(down, fmt.Sprintf("%s is %s", s, n.Services[s]))
		}
	}
	fd.Data = map[string]any{"services": states}
	if len(down) == 0 {
		fd.Status, fd.Message = report.Pass, "asterisk, httpd-fpbx, nethcti-server, janus-gateway and mariadb are active"
		return fd
	}
	fd.Status = report.Fail
	fd.Message = strings.Join(down, "; ") + ": NethVoice must be running and error-free before migrating"
	fd.Remediation = hint("Start the services and check their logs on NS7", "systemctl start asterisk httpd-fpbx nethcti-server janus-gateway mariadb", "journalctl -u asterisk -n 50")
	return fd
}

// joined returns the ns8 record of a joined NS7 (Host and User set), or nil.
func joined(n *ns7.Facts) *ns7.ConfigRecord {
	r := n.Config["ns8"]
	if r == nil || r.Props["Host"] == "" || r.Props["User"] == "" {
		return nil
	}
	return r
}

var MigrationTool = gated(check.Meta{
	ID: "ns7.migration-tool", Title: "Migration tool state", Action: Action, Area: check.System,
	Verifies: "nethserver-ns8-migration is installed (version) without a known bug that stops this " +
		"migration, and NS7 is not joined, or joined to this cluster's leader.",
	Doc: "`nethserver-ns8-migration` installed (version) and not joined: pass; not installed: warn (it is " +
		"installed as the first step of the migration); joined (`config ns8` has `Host` and `User`) to " +
		"this cluster's leader (endpoint host or leader VPN address): pass; joined to another cluster: " +
		"fail. Its version is judged against the known issues of the tool (docs/known-issues.md): a bug " +
		"that applies to this site (for example a version before 1.2.0 while NS8 already has a user " +
		"domain, NethServer/dev#7222, or without a proxy on the destination node, NethServer/dev#7221) is " +
		"a `fail`; any other known bug of that version a `warn` that says to update the tool.",
}, migrationTool, ns7.CmdPackages, ns7.CmdConfig+"ns8")

// migrationTool judges ns7.migration-tool.
func migrationTool(f Facts) report.Finding {
	n := f.NS7
	fd := report.Finding{Subject: f.Subject()}
	v, ok := n.Packages["nethserver-ns8-migration"]
	if !ok {
		fd.Status = report.Warn
		fd.Message = "nethserver-ns8-migration (the Migration to NS8 tool) is not installed yet"
		fd.Remediation = hint("Install \"NS8 migration\" from NS7's Software Center (Cockpit) when you are ready to start", "yum install nethserver-ns8-migration")
		return fd
	}
	fd.Data = map[string]any{"version": v}
	if j := joined(n); j != nil {
		host, ip := j.Props["Host"], j.Props["LeaderIpAddress"]
		fd.Data["joined_host"], fd.Data["joined_leader_ip"] = host, ip
		if (f.LeaderHost != "" || f.LeaderVPNIP != "") && !strings.EqualFold(host, f.LeaderHost) && (ip == "" || ip != f.LeaderVPNIP) {
			fd.Status = report.Fail
			fd.Message = fmt.Sprintf("NS7 is joined to another cluster (leader %s, VPN %s); this cluster's leader is %s (VPN %s)", host, ip, f.LeaderHost, f.LeaderVPNIP)
			fd.Remediation = hint("Leave the other cluster from the NS7 migration tool (Disconnect) before joining this one", "ns8-leave")
			return fd
		}
	}
	status, notes, ids := toolIssues(f, rpmVersion(v))
	fd.Data["known_issues"] = ids
	fd.Status, fd.Message = report.Pass, toolState(f, v)
	if status != report.Pass {
		fd.Status = status
		fd.Message += "; " + strings.Join(notes, "; ")
		fd.Remediation = hint(fmt.Sprintf("Update the migration tool on NS7 before Connect (the newest seen is %s)", knownissues.Latest[knownissues.MigrationTool]),
			"yum clean all && yum update nethserver-ns8-migration")
	}
	return fd
}

// toolState says what is installed and where NS7 is joined.
func toolState(f Facts, v string) string {
	j := joined(f.NS7)
	switch {
	case j == nil:
		return fmt.Sprintf("nethserver-ns8-migration %s is installed; NS7 is not joined to a cluster yet", v)
	case f.LeaderHost == "" && f.LeaderVPNIP == "":
		return fmt.Sprintf("nethserver-ns8-migration %s is installed; NS7 is joined to the cluster of %s (this cluster's leader is unknown: no cluster database)", v, j.Props["Host"])
	}
	return fmt.Sprintf("nethserver-ns8-migration %s is installed; NS7 is joined to this cluster (leader %s, VPN %s)", v, j.Props["Host"], j.Props["LeaderIpAddress"])
}

// rpmVersion is the upstream version of an rpm version-release
// ("1.0.17-1.ns7" -> "1.0.17").
func rpmVersion(vr string) string {
	v, _, _ := strings.Cut(vr, "-")
	return v
}

// toolIssues weighs the known bugs of the tool's version for this site: a
// blocking one that applies fails, any other warns.
func toolIssues(f Facts, version string) (report.Status, []string, []string) {
	issues, ok := knownissues.Affecting(knownissues.MigrationTool, version)
	if !ok {
		return report.Warn, []string{fmt.Sprintf("its version %q is not a version the known issues can be matched to", version)}, []string{}
	}
	status, notes, ids := report.Pass, []string{}, []string{}
	site := toolSite(f)
	for _, i := range issues {
		ids = append(ids, i.ID)
		v := i.Applies(site)
		if v == knownissues.Applies && i.Blocks {
			status = report.Fail
			notes = append(notes, i.Say(v))
			continue
		}
		if v != knownissues.DoesNotApply {
			if status == report.Pass {
				status = report.Warn
			}
			notes = append(notes, i.Say(v))
		}
	}
	if status == report.Pass && len(issues) > 0 {
		status = report.Warn
		notes = append(notes, fmt.Sprintf("version %s has %d known bug(s) that do not apply here; update it anyway", version, len(issues)))
	}
	return status, notes, ids
}

// toolSite is what NS7's facts and the cluster tell of the site.
func toolSite(f Facts) knownissues.Site {
	var s knownissues.Site
	p, _ := accountprovider.Read(f.NS7) // unread: an unknown type
	s.ProviderType = p.Type
	if f.NS7.Answered(ns7.CmdLeaderDNS) {
		resolves := len(f.NS7.LeaderAddrs) > 0
		s.LeaderResolves = &resolves
	}
	if f.Cluster == nil {
		return s
	}
	domains := len(f.Cluster.Domains)
	s.UserDomains = &domains
	hasProxy := false
	for _, px := range f.Cluster.Proxies {
		hasProxy = hasProxy || px.Node == f.Dest
	}
	s.ProxyOnDest = &hasProxy
	switch {
	case p.Type != "" && !p.Remote():
		no := false // only remote providers are matched by base DN
		s.BaseDNCaseOnly = &no
	case p.BaseDN != "":
		exact, folded := false, false
		for _, d := range f.Cluster.Domains {
			exact = exact || d.BaseDN == p.BaseDN
			folded = folded || strings.EqualFold(d.BaseDN, p.BaseDN)
		}
		caseOnly := folded && !exact
		s.BaseDNCaseOnly = &caseOnly
	}
	return s
}

var AccountProvider = gated(check.Meta{
	ID: "ns7.account-provider", Title: "NS7 account provider", Action: Action, Area: check.Account,
	Verifies: "The account provider is local-ldap, local-ad, remote-ldap or remote-ad (none fails), with base " +
		"DN, realm, LDAP URI and the NS8 domain it becomes.",
	Doc: "Classified as `ns8-join` does from `account-provider-test dump`, `config printjson sssd` and " +
		"`nsdc`: `local-ad` (AD with a local Samba DC), `remote-ad`, `local-ldap` (the LDAP URI contains " +
		"`127.0.0.1`: `ns8-join`'s own substring test), `remote-ldap`, or `none` (fail: NethVoice's " +
		"migration needs a user domain). An LDAP URI on `localhost` is a `fail`: the tool takes it for a " +
		"remote LDAP that NS8 cannot reach (set it to `ldap://127.0.0.1`). Reports base DN, realm, LDAP URI and the NS8 domain name it becomes (AD: the " +
		"lower-cased realm; local LDAP: the `ldap_domain` setting, else NS7's `DomainName`; remote LDAP: " +
		"the documented base-DN rule, `dc=directory,dc=nh` → `directory.nh`). The bind password is " +
		"dropped when the dump is parsed.",
}, accountProvider, ns7.CmdConfig+"sssd", ns7.CmdConfig+"nsdc")

// Checks that read more than they are gated on.
func init() {
	reads[AccountProvider.ID] = append(reads[AccountProvider.ID], ns7.CmdProvider, ns7.CmdDomainName)
	reads[VPNUDP.ID] = append(reads[VPNUDP.ID], ns7.CmdClock)
	reads[Provisioning.ID] = append(reads[Provisioning.ID], ns7.CmdLegacy)
	reads[Bandwidth.ID] = append(reads[Bandwidth.ID], ns7.CmdRecordings, ns7.CmdDataSize, ns7.CmdDataFS, ns7.CmdDBSizes)
}

// accountProvider judges ns7.account-provider.
func accountProvider(f Facts) report.Finding {
	if f.NS7.Provider == nil {
		// A dump that never came fails; one that answered no value leaves
		// sssd's record to classify the provider (ns7.reads fails for it:
		// ns8-join runs the same dump and stops when it fails).
		if g := gate(f, ns7.CmdProvider); g != nil && g.Status != report.Skip {
			return *g
		}
	}
	p := accountprovider.Classify(f.NS7)
	name := accountprovider.NS8Domain(p, f.LDAPDomain)
	fd := report.Finding{Subject: f.Subject(),
		Data: map[string]any{"type": p.Type, "base_dn": p.BaseDN, "realm": p.Realm, "ldap_uri": p.LDAPURI, "domain_name": p.DomainName, "ns8_domain": name}}
	switch p.Type {
	case "none":
		fd.Status = report.Fail
		fd.Message = "NS7 has no account provider: NethVoice's migration needs a user domain"
		fd.Remediation = hint("Configure an account provider on NS7 (Users and groups) with NethVoice's users before migrating")
	case "local-ldap":
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("local OpenLDAP (%s, %s); on NS8 it becomes the user domain %q", p.BaseDN, p.LDAPURI, name)
		if f.LDAPDomain == "" {
			fd.Message += " (NS7's DomainName; choose another with the ldap_domain setting)"
		}
	case "local-ad":
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("local Samba Active Directory, realm %s; on NS8 it becomes the user domain %q (the name cannot change)", p.Realm, name)
	case "remote-ldap":
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("remote LDAP %s, base DN %s: NS8 needs an external user domain with that base DN (documented name %q) before migrating", p.LDAPURI, p.BaseDN, name)
		if accountprovider.LocalhostURI(p.LDAPURI) {
			fd.Status = report.Fail
			fd.Message = fmt.Sprintf("NS7's LDAP URI is %s: the migration tool takes a provider for local only when its URI contains 127.0.0.1, so it would treat NS7's own OpenLDAP as a remote LDAP that NS8 cannot reach (localhost is NS8 itself there)", p.LDAPURI)
			fd.Remediation = hint("Set NS7's account provider URI to ldap://127.0.0.1 (Users and groups > Account provider) so that the migration tool migrates the local OpenLDAP", "config getprop sssd LdapURI")
		}
	case "remote-ad":
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("remote Active Directory, realm %s: NS8 needs an external AD user domain named %q before migrating", p.Realm, name)
	}
	return fd
}

func leaderGate(f Facts) *report.Finding {
	if why := check.ClusterGap(f.State, ""); why != "" {
		s := check.Skip(f.Subject(), why)
		return &s
	}
	switch {
	case f.LeaderEndpointProblem != "":
		return &report.Finding{Subject: f.Subject(), Status: report.Skip,
			Message: "not asked of NS7: the leader's VPN endpoint is invalid: " + f.LeaderEndpointProblem + " (see vpn.endpoint)"}
	case f.LeaderHost == "":
		return &report.Finding{Subject: f.Subject(), Status: report.Skip,
			Message: "the leader's VPN endpoint is not set (node/<leader>/vpn endpoint; see vpn.endpoint)"}
	}
	return nil
}

var LeaderDNS = ungated(check.Meta{
	ID: "ns7.leader-dns", Title: "NS7 resolves the leader's VPN endpoint", Action: Action, Area: check.Network,
	Verifies: "From NS7, the leader's VPN endpoint host resolves to IPv4, to the address NS8 sees.",
	Doc: "`getent ahostsv4 <endpoint host>` on NS7 answers at least one IPv4 address (else fail: the join " +
		"aborts), and one of them is an address NS8 resolves the same host to (through the first " +
		"configured `resolvers` entry, else the system resolver); a different address warns. `skip` " +
		"without a cluster database.",
}, check.One(leaderDNS), ns7.CmdLeaderDNS)

// leaderDNS judges ns7.leader-dns.
func leaderDNS(f Facts) report.Finding {
	if g := leaderGate(f); g != nil {
		return *g
	}
	if g := gate(f, ns7.CmdLeaderDNS); g != nil {
		return *g
	}
	n := f.NS7
	fd := report.Finding{Subject: f.Subject(),
		Data: map[string]any{"host": f.LeaderHost, "ns7_addresses": nonNil(n.LeaderAddrs), "ns8_addresses": nonNil(f.LeaderNS8Addrs)}}
	if len(n.LeaderAddrs) == 0 {
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("NS7 cannot resolve the leader's VPN endpoint %s to an IPv4 address: the join would abort", f.LeaderHost)
		fd.Remediation = hint(fmt.Sprintf("Add an A record for %s in the DNS NS7 uses (or a host entry in NS7's DNS page)", f.LeaderHost),
			"getent ahostsv4 "+f.LeaderHost)
		return fd
	}
	switch {
	case f.LeaderNS8Err != "" || len(f.LeaderNS8Addrs) == 0:
		fd.Status = report.Warn
		fd.Message = fmt.Sprintf("NS7 resolves %s to %s, but NS8 could not resolve it to compare: %s", f.LeaderHost, strings.Join(n.LeaderAddrs, ", "), f.LeaderNS8Err)
		fd.Remediation = hint("Check that the leader's endpoint resolves the same way from NS8", "getent ahostsv4 "+f.LeaderHost)
	case intersects(n.LeaderAddrs, f.LeaderNS8Addrs):
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("NS7 resolves %s to %s, as NS8 does", f.LeaderHost, strings.Join(n.LeaderAddrs, ", "))
	default:
		fd.Status = report.Warn
		fd.Message = fmt.Sprintf("NS7 resolves %s to %s, NS8 to %s: NS7 will send its VPN traffic to another address", f.LeaderHost,
			strings.Join(n.LeaderAddrs, ", "), strings.Join(f.LeaderNS8Addrs, ", "))
		fd.Remediation = hint("Make sure the address NS7 uses reaches the leader on UDP "+orText(f.LeaderPort, "55820")+" (NAT), or fix the stale record", "getent ahostsv4 "+f.LeaderHost)
	}
	return fd
}

func intersects(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var LeaderHTTPS = ungated(check.Meta{
	ID: "ns7.leader-https", Title: "NS7 reaches the leader on HTTPS", Action: Action, Area: check.Network,
	Verifies: "From NS7, TCP port 443 of the leader's endpoint answers.",
	Doc: "From NS7, a TCP connection to port 443 of the leader's endpoint host opens (the migration tool " +
		"logs in there). Refused, unreachable or unresolvable fails; no answer within the deadline fails " +
		"saying the packets are dropped.",
}, check.One(leaderHTTPS), ns7.CmdLeaderTCP)

// leaderHTTPS judges ns7.leader-https.
func leaderHTTPS(f Facts) report.Finding {
	if g := leaderGate(f); g != nil {
		return *g
	}
	if g := gate(f, ns7.CmdLeaderTCP); g != nil && g.Status == report.Skip {
		return *g
	}
	n := f.NS7
	r := n.Cmd(ns7.CmdLeaderTCP)
	fd := report.Finding{Subject: f.Subject(), Data: map[string]any{"host": f.LeaderHost, "port": 443}}
	switch {
	case n.LeaderHTTPS:
		fd.Status, fd.Message = report.Pass, fmt.Sprintf("NS7 opened a TCP connection to %s port 443", f.LeaderHost)
		return fd
	case r.Status == ns7.StatusLost || r.Status == ns7.StatusNotRun:
		return *gate(f, ns7.CmdLeaderTCP)
	case r.Status == ns7.StatusTimeout:
		fd.Message = fmt.Sprintf("NS7 got no answer from %s port 443 within %s (packets dropped)", f.LeaderHost, f.Timeout)
	default:
		fd.Message = fmt.Sprintf("NS7 could not connect to %s port 443 (refused, unreachable or the name does not resolve)", f.LeaderHost)
	}
	fd.Status = report.Fail
	fd.Remediation = hint("The migration tool logs in to the leader over HTTPS: open TCP 443 from NS7 to the leader", "curl -kI https://"+f.LeaderHost+"/cluster-admin/")
	return fd
}

var VPNUDP = gated(check.Meta{
	ID: "ns7.vpn-udp", Title: "VPN traffic gets through (UDP 55820)", Action: Action, Area: check.Network,
	Verifies: "Before the join UDP 55820 cannot be proven open (said so); once joined, the WireGuard handshake " +
		"on interface ns8 is recent.",
	Doc: "The port is the one of the leader's VPN endpoint (NS8's default 55820). Before the join this is " +
		"`skip`, honestly: WireGuard answers only authenticated packets, so the UDP port cannot be proven open (the documented `nc -zv` tests TCP). Once joined, the latest " +
		"handshake on interface `ns8` (`wg show ns8 latest-handshakes`) must be at most 180 s old (NS7's " +
		"clock); older, never, or the interface down fails.",
}, vpnUDP, ns7.CmdWG, ns7.CmdConfig+"ns8")

// vpnUDP judges ns7.vpn-udp: UDP 55820 cannot be proven open before the
// join (WireGuard answers only authenticated packets); once joined, the
// age of the last handshake on interface ns8 tells.
func vpnUDP(f Facts) report.Finding {
	n := f.NS7
	fd := report.Finding{Subject: f.Subject()}
	port := orText(f.LeaderPort, "55820")
	j := joined(n)
	if j == nil && len(n.Handshakes) == 0 {
		fd.Status = report.Skip
		fd.Message = "NS7 is not joined yet: UDP " + port + " cannot be proven open before the join (WireGuard answers only authenticated packets, and nc -zv tests TCP, not UDP)"
		fd.Remediation = hint("Make sure firewalls and routers let NS7 send UDP to the leader's port " + port + "; after the join this check reads the WireGuard handshake")
		return fd
	}
	if len(n.Handshakes) == 0 {
		fd.Status = report.Fail
		fd.Message = "NS7 is joined but WireGuard interface ns8 is not up (wg show ns8 failed)"
		fd.Remediation = hint("Check the tunnel on NS7", "systemctl status wg-quick@ns8", "wg show ns8")
		return fd
	}
	var latest int64
	for _, ts := range n.Handshakes {
		if ts > latest {
			latest = ts
		}
	}
	age := time.Duration(n.Clock-latest) * time.Second
	fd.Data = map[string]any{"latest_handshake": latest, "age_s": int64(age.Seconds())}
	switch {
	case latest == 0:
		fd.Status = report.Fail
		fd.Message = "NS7 is joined but no WireGuard handshake ever completed on ns8: UDP " + port + " to the leader is blocked"
	case age > HandshakeMaxAge:
		fd.Status = report.Fail
		fd.Message = fmt.Sprintf("the last WireGuard handshake on ns8 was %s ago (more than %s): UDP %s to the leader is not getting through", age, HandshakeMaxAge, port)
	default:
		fd.Status = report.Pass
		fd.Message = fmt.Sprintf("WireGuard interface ns8 had a handshake %s ago: UDP %s gets through", age, port)
		return fd
	}
	fd.Remediation = hint("Open UDP "+port+" from NS7 to the leader's endpoint on every firewall in between", "wg show ns8")
	return fd
}

var FQDNDNS = ungated(check.Meta{
	ID: "ns7.fqdn-dns", Title: "FQDNs as NS7 resolves them", Action: Action, Area: check.DNS,
	Verifies: "The NethVoice and CTI FQDNs resolve from NS7 as they do from NS8.",
	Doc: "One finding per configured NethVoice/CTI FQDN: NS7's `getent ahostsv4` answers compared with " +
		"NS8's. The same addresses (or none on both sides, to be created at cutover) pass; one side only, " +
		"or different addresses, warn (split or stale DNS). `skip` when no FQDN is configured, and for each " +
		"configured one that NS7 was not asked about (NS7 not probed, not a NethServer, or not a host name), " +
		"saying which.",
}, fqdnDNS, ns7.CmdFQDN+"<n>")

// fqdnDNS judges ns7.fqdn-dns, one finding per configured FQDN: NS7's
// answer when it was asked, else why it was not.
func fqdnDNS(f Facts) []report.Finding {
	if len(f.FQDNs) == 0 {
		return []report.Finding{{Subject: "fqdns", Status: report.Skip,
			Message: "no NethVoice or CTI FQDN is configured (configure-module fqdns)"}}
	}
	var out []report.Finding
	for _, name := range f.FQDNs {
		fd := report.Finding{Subject: name}
		i := -1
		if f.NS7 != nil {
			i = indexOf(f.NS7.Plan.FQDNs, name)
		}
		g := gate(f)
		if g == nil && i < 0 {
			g = &report.Finding{Status: report.Skip, Message: "not asked of NS7: " + name + " is not a host name"}
		}
		if g == nil {
			g = gateCmds(f, ns7.CmdFQDN+fmt.Sprint(i))
		}
		if g != nil {
			g.Subject = name
			out = append(out, *g)
			continue
		}
		var ns7a []string
		for _, a := range f.NS7.FQDNs {
			if a.Name == name {
				ns7a = a.Addresses
			}
		}
		ns8a := f.FQDNNS8[name]
		fd.Data = map[string]any{"ns7_addresses": nonNil(ns7a), "ns8_addresses": nonNil(ns8a)}
		switch {
		case len(ns7a) == 0 && len(ns8a) == 0:
			fd.Status = report.Pass
			fd.Message = fmt.Sprintf("%s resolves neither from NS7 nor from NS8 yet: create its A record at cutover", name)
		case len(ns7a) == 0:
			fd.Status = report.Warn
			fd.Message = fmt.Sprintf("NS8 resolves %s to %s, NS7 does not resolve it: NS7's DNS (and the clients that use it) has another view", name, strings.Join(ns8a, ", "))
		case len(ns8a) == 0:
			fd.Status = report.Warn
			fd.Message = fmt.Sprintf("NS7 resolves %s to %s, NS8 does not resolve it%s", name, strings.Join(ns7a, ", "), errNote(f.FQDNNS8Err[name]))
		case sameSet(ns7a, ns8a):
			fd.Status = report.Pass
			fd.Message = fmt.Sprintf("NS7 resolves %s to %s, as NS8 does", name, strings.Join(ns7a, ", "))
		default:
			fd.Status = report.Warn
			fd.Message = fmt.Sprintf("NS7 resolves %s to %s, NS8 to %s: split or stale DNS", name, strings.Join(ns7a, ", "), strings.Join(ns8a, ", "))
		}
		if fd.Status == report.Warn {
			fd.Remediation = hint("Phones and clients that use NS7's DNS will follow NS7's answer: align the records (or NS7's local DNS) before cutover", "getent ahostsv4 "+name)
		}
		out = append(out, fd)
	}
	return out
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func errNote(e string) string {
	if e == "" {
		return ""
	}
	return " (" + e + ")"
}

func sameSet(a, b []string) bool {
	x, y := append([]string{}, a...), append([]string{}, b...)
	sort.Strings(x)
	sort.Strings(y)
	return strings.Join(x, ",") == strings.Join(y, ",")
}
