package actions

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/accountprovider"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/domaincheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ldapprobe"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/runner"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

func init() {
	register(Action{Name: domaincheck.Action, Report: true, Summary: "NS7 account provider against NS8 user domains: name conflicts, matching external domain, same directory, reachability, a node for Samba", Run: checkUserDomain})
}

type checkUserDomainInput struct {
	Provider   *accountprovider.Provider `json:"provider"`
	LDAPDomain string                    `json:"ldap_domain"`
	commonInput
}

// probeGrace lets a probe report its own timeout (which says at which step
// it stopped) before the runner abandons it as silent.
const probeGrace = 500 * time.Millisecond

// ldapProber probes with the system resolver and roots, as NS8 would.
var ldapProber = ldapprobe.Prober{}

func checkUserDomain(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	in, run, err := startCheck[checkUserDomainInput](e, domaincheck.Action, input)
	if err != nil {
		return nil, err
	}
	f := domaincheck.Facts{ModuleID: e.Agent.ModuleID, LDAPDomain: in.LDAPDomain, LDAPDomainFrom: "input"}
	if f.LDAPDomain == "" && run.st.LDAPDomain != "" {
		f.LDAPDomain, f.LDAPDomainFrom = run.st.LDAPDomain, "settings"
	}
	if in.Provider != nil {
		f.Provider, f.ProviderSource = in.Provider, "given in the input"
	}
	f = run.collectUserDomain(ctx, f)
	return run.report(domaincheck.All(f), userDomainFacts(f), true), nil
}

// collectUserDomain reads the cluster (NS8's domains and nodes) and the NS7
// facts stored in the state directory, then probes the LDAP servers the
// provider and NS8's domains name, concurrently, each under the deadline.
func (r *checkRun) collectUserDomain(ctx context.Context, f domaincheck.Facts) domaincheck.Facts {
	e := r.e
	f.State = r.readCluster(ctx, true)()
	if f.Provider == nil {
		f.Provider, f.ProviderSource, f.ProviderErr = e.storedProvider()
	}
	e.Chan.Progress(40)

	targets := domaincheck.Targets(f)
	pending := make([]*runner.Pending[ldapprobe.Result], len(targets))
	for i, t := range targets {
		pending[i] = runner.Go(ctx, r.timeout+probeGrace, "the LDAP server "+t.Addr(), func(ctx context.Context) (ldapprobe.Result, error) {
			pctx, cancel := context.WithTimeout(ctx, r.timeout)
			defer cancel()
			return ldapProber.Probe(pctx, t.Target), nil
		})
	}
	var resolveP *runner.Pending[[]string]
	if host := domaincheck.NS7HostToResolve(f); host != "" {
		resolveP = runner.Go(ctx, r.timeout, "the resolution of "+host, func(ctx context.Context) ([]string, error) {
			return ldapProber.Resolve(ctx, host)
		})
	}
	for i, p := range pending {
		res, out := p.Wait()
		if !out.OK() {
			res = ldapprobe.Result{Target: targets[i].Target, Kind: ldapprobe.KindTimeout, Err: out.Err.Error(), DurationMs: out.Duration.Milliseconds()}
		}
		f.Probes = append(f.Probes, domaincheck.Probe{Target: targets[i], Result: res})
	}
	if resolveP != nil {
		if addrs, out := resolveP.Wait(); out.OK() {
			f.NS7Addresses = addrs
		} else {
			f.NS7ResolveErr = out.Err.Error()
		}
	}
	e.Chan.Progress(90)
	return f
}

// storedProvider reads NS7's account provider from the facts the last
// probe-ns7 stored in the state directory, and says where it came from or
// why there is none.
func (e *Env) storedProvider() (*accountprovider.Provider, string, string) {
	st, err := e.stateStore()
	var stored *store.NS7Facts
	if err == nil && st != nil {
		stored, err = st.NS7Facts()
	}
	switch {
	case err != nil:
		return nil, "", "no provider in the input, and the facts of probe-ns7 could not be read: " + err.Error()
	case st == nil:
		return nil, "", "no provider in the input, and without a state directory (stand-alone run) the facts of probe-ns7 cannot be read"
	case stored == nil:
		return nil, "", "no provider in the input, and probe-ns7 has not stored NS7's facts yet"
	}
	raw := stored.AccountProvider
	var p accountprovider.Provider
	if len(raw) == 0 || string(raw) == "null" || json.Unmarshal(raw, &p) != nil || p.Type == "" {
		return nil, "", fmt.Sprintf("no provider in the input, and the facts probe-ns7 stored (%s) hold no account provider%s", describeProbe(stored), unreadProvider(stored))
	}
	return &p, "from probe-ns7 " + describeProbe(stored), ""
}

// unreadProvider says why the probe that stored s could not read NS7's
// account provider ("" when its facts do not tell).
func unreadProvider(s *store.NS7Facts) string {
	var n ns7.Facts
	if len(s.Facts) == 0 || json.Unmarshal(s.Facts, &n) != nil {
		return ""
	}
	if _, why := accountprovider.Read(&n); why != "" {
		return ": " + why
	}
	return ""
}

func describeProbe(s *store.NS7Facts) string {
	var parts []string
	if s.Host != "" {
		parts = append(parts, "of "+s.Host)
	}
	if s.ProbedAt != "" {
		parts = append(parts, "at "+s.ProbedAt)
	}
	if len(parts) == 0 {
		return "without date"
	}
	return strings.Join(parts, " ")
}

// userDomainFacts is what the judgement was made on: the provider (never a
// password: none is read), NS8's domains (without bind passwords), the
// nodes and Samba providers, and every probe.
func userDomainFacts(f domaincheck.Facts) map[string]any {
	probes := f.Probes
	if probes == nil {
		probes = []domaincheck.Probe{}
	}
	facts := map[string]any{"probes": probes}
	if f.Provider != nil {
		facts["provider"] = f.Provider
		facts["provider_source"] = f.ProviderSource
	} else {
		facts["provider_error"] = f.ProviderErr
	}
	if f.LDAPDomain != "" {
		facts["ldap_domain"] = map[string]string{"name": f.LDAPDomain, "from": f.LDAPDomainFrom}
	}
	if name, from := domaincheck.NS8Name(f); name != "" {
		facts["ns8_domain"] = map[string]string{"name": name, "from": from}
	}
	if f.NS7Addresses != nil || f.NS7ResolveErr != "" {
		facts["ns7_ldap_addresses"] = f.NS7Addresses
		if f.NS7ResolveErr != "" {
			facts["ns7_ldap_resolve_error"] = f.NS7ResolveErr
		}
	}
	if f.Cluster != nil {
		facts["user_domains"] = f.Cluster.Domains
		nodes := map[string]any{}
		for id, n := range f.Cluster.Nodes {
			nodes[id] = map[string]any{"flags": n.Flags, "leader": n.Leader, "ns7_migration": n.Migrating}
		}
		facts["nodes"] = nodes
		samba := map[string]string{}
		for id, m := range f.Cluster.Modules {
			if m.Image == "samba" {
				samba[id] = m.Node
			}
		}
		facts["samba_providers"] = samba
		facts["cluster_source"] = f.Cluster.Source
	} else if f.ClusterErr != "" {
		facts["cluster_error"] = f.ClusterErr
	}
	return facts
}
