package domaincheck

import (
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"time"

	"al.essio.dev/pkg/shellescape"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/accountprovider"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ldapprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// Facts is everything check-user-domain judges.
type Facts struct {
	// Provider is NS7's account provider; nil when unknown (ProviderErr
	// then says why). ProviderSource says where it came from.
	Provider       *accountprovider.Provider
	ProviderSource string
	ProviderErr    string
	// LDAPDomain is the NS8 name chosen for a local OpenLDAP (input or
	// settings); LDAPDomainFrom says which.
	LDAPDomain     string
	LDAPDomainFrom string
	// ModuleID names this module in remediation commands.
	ModuleID string

	cluster.State

	// Probes are the reachability results of Targets(f), in that order.
	Probes []Probe
	// NS7Addresses are the addresses the host of NS7's LDAP URI resolves
	// to from this node (for domain.same-directory); NS7ResolveErr why not.
	NS7Addresses  []string
	NS7ResolveErr string
}

// Target is one LDAP server domain.reachable probes, and why.
type Target struct {
	// Domain is the NS8 domain the server is a provider of; empty for the
	// server NS7 itself uses (probed when NS8 has no matching domain yet).
	Domain string `json:"domain,omitempty"`
	ldapprobe.Target
}

// Subject is the finding subject of a target: host:port, prefixed by the
// domain when several matched domains are probed.
func (t Target) subject(multi bool) string {
	if multi && t.Domain != "" {
		return t.Domain + " " + t.Addr()
	}
	return t.Addr()
}

// Probe is a target and what its probe found.
type Probe struct {
	Target Target           `json:"target"`
	Result ldapprobe.Result `json:"result"`
}

// Action is the action whose report carries these checks.
const Action = "check-user-domain"

// Checks are the checks of check-user-domain, in report order.
var Checks = []*check.Check[Facts]{ProviderCheck, NameFree, ExternalMatch, SameDirectory, Reachable, SambaNode}

// All judges the facts with every check of check-user-domain.
func All(f Facts) []report.Finding { return check.Judge(Checks, f) }

func clusterTook(f Facts) time.Duration { return f.Took }

// sameDirectoryTook: the judgement reads the cluster and the probes.
func sameDirectoryTook(f Facts) time.Duration { return f.Took + probesTook(f) }

// probesTook is the longest LDAP probe (they run concurrently).
func probesTook(f Facts) time.Duration {
	var d time.Duration
	for _, p := range f.Probes {
		d = max(d, time.Duration(p.Result.DurationMs)*time.Millisecond)
	}
	return d
}

var hint = check.Hint

// usable returns the provider when it is known and well formed.
func usable(f Facts) (accountprovider.Provider, bool) {
	if f.Provider == nil || f.Provider.Problem() != "" {
		return accountprovider.Provider{}, false
	}
	return *f.Provider, true
}

// providerSkip is the finding of a check that needs the provider when it is
// unknown, malformed or none; nil otherwise.
func providerSkip(f Facts, subject string) *report.Finding {
	p, ok := usable(f)
	switch {
	case !ok:
		return &report.Finding{Subject: subject, Status: report.Skip,
			Message: "NS7's account provider is unknown or incomplete (see domain.provider)"}
	case p.Type == accountprovider.None:
		return &report.Finding{Subject: subject, Status: report.Skip,
			Message: "NS7 has no account provider (see domain.provider)"}
	}
	return nil
}

// clusterSkip is the finding of a check that needs NS8's domains when the
// cluster could not be read; nil otherwise.
func clusterSkip(f Facts, subject string) *report.Finding {
	if why := check.ClusterGap(f.State, ""); why != "" {
		s := check.Skip(subject, why)
		return &s
	}
	return nil
}

func domainByName(ds []*cluster.Domain, name string) *cluster.Domain {
	for _, d := range ds {
		if strings.EqualFold(d.Name, name) {
			return d
		}
	}
	return nil
}

func domainNames(ds []*cluster.Domain) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Name)
	}
	return out
}

// describe says what a domain is and where it comes from: which modules
// provide it (and on which node), or that it is external and its servers.
func describe(d *cluster.Domain, s *cluster.Snapshot) string {
	if d.Location == "external" {
		return fmt.Sprintf("the external %s domain %s (providers %s)", d.Schema, d.Name, providerList(d))
	}
	var parts []string
	for _, p := range d.Providers {
		parts = append(parts, fmt.Sprintf("%s on node %s", p.ID, nodeOf(s, p.ID, p.Node)))
	}
	for _, m := range d.Unconfigured {
		parts = append(parts, fmt.Sprintf("%s on node %s, not configured yet", m, nodeOf(s, m, "")))
	}
	schema := d.Schema
	if schema == "" {
		schema = "user"
	}
	return fmt.Sprintf("the internal %s domain %s of %s", schema, d.Name, strings.Join(parts, ", "))
}

func describeAll(ds []*cluster.Domain, s *cluster.Snapshot) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, describe(d, s))
	}
	return out
}

func nodeOf(s *cluster.Snapshot, module, fallback string) string {
	if m := s.Modules[module]; m != nil && m.Node != "" {
		return m.Node
	}
	if fallback == "" {
		return "?"
	}
	return fallback
}

func modulesOf(d *cluster.Domain) []string {
	var out []string
	for _, p := range d.Providers {
		out = append(out, p.ID)
	}
	return append(out, d.Unconfigured...)
}

func providerList(d *cluster.Domain) string {
	var out []string
	for _, p := range d.Providers {
		if p.Host != "" {
			out = append(out, net.JoinHostPort(bare(p.Host), p.Port))
		} else {
			out = append(out, p.ID)
		}
	}
	return listOrNone(out)
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// cmdModule is an api-cli command line running an action of this module.
func cmdModule(f Facts, action string, data map[string]any) string {
	quoted := ""
	if data != nil {
		quoted = quoteJSON(data)
	}
	return check.ActionCommand(f.ModuleID, action, quoted)
}

// quoteJSON is data as JSON, quoted for a POSIX shell.
// HTML escaping is off: "<its password>" must read as typed.
func quoteJSON(data map[string]any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(data)
	return shellescape.Quote(strings.TrimSpace(b.String()))
}
