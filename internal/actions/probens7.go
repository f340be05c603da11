package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/accountprovider"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/runner"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/sshkey"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

func init() {
	register(Action{Name: ns7check.Action, Report: true, Summary: "connect to NS7 over SSH, collect facts with a fixed read-only command set, judge them", Run: probeNS7})
}

type probeNS7Input struct {
	Host string `json:"host"`
	Port int    `json:"port"`
	User string `json:"user"`
	// Password is a one-time password: used for this connection, never
	// stored, printed or logged (the agent masks keys ending in "password").
	Password      string   `json:"password"`
	AcceptHostKey string   `json:"accept_host_key"`
	Resolvers     []string `json:"resolvers"`
	// DataBudgetS is the deadline of the file measurements (du) on NS7, in
	// seconds; 0: ns7.DefaultOptions.
	DataBudgetS int `json:"data_budget_s"`
	// RemeasureData measures the files even when a recent measurement
	// could be reused (ns7.ReuseFiles).
	RemeasureData bool `json:"remeasure_data"`
	commonInput
}

// leaderOf returns the leader's VPN endpoint host and VPN address, and why
// the endpoint cannot be asked of NS7 (then host is ""): not host:port
// with a port of 1-65535 (what ns8-join needs), or a host that is not a
// host name or an address. An empty endpoint is no problem of its own:
// there is nothing to ask (vpn.endpoint fails for it).
func leaderOf(s *cluster.Snapshot) (host, vpnIP, problem string) {
	if s == nil || s.Nodes[s.Leader] == nil {
		return "", "", ""
	}
	vpn := s.Nodes[s.Leader].VPN
	ep := vpn["endpoint"]
	if ep == "" {
		return "", vpn["ip_address"], ""
	}
	host, _, problem = cluster.SplitEndpoint(ep)
	switch {
	case problem != "":
		return "", vpn["ip_address"], problem
	case !ns7.ValidHost(host):
		return "", vpn["ip_address"], fmt.Sprintf("%q: its host is not a host name or an IP address", ep)
	}
	return host, vpn["ip_address"], ""
}

// ns8Resolver resolves as NS8 does: through the first configured resolver
// (ip or ip:port) when there is one, else the system's.
func ns8Resolver(resolvers []string) *net.Resolver {
	if len(resolvers) == 0 {
		return net.DefaultResolver
	}
	addr := resolvers[0]
	if net.ParseIP(strings.Trim(addr, "[]")) != nil {
		addr = net.JoinHostPort(strings.Trim(addr, "[]"), "53")
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

// lookup4 returns the IPv4 addresses of a host (itself when it is one).
func lookup4(ctx context.Context, r *net.Resolver, host string) ([]string, error) {
	if ip := net.ParseIP(host); ip != nil {
		return []string{ip.String()}, nil
	}
	ips, err := r.LookupIP(ctx, "ip4", host)
	if err != nil {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			return nil, nil
		}
		return nil, err
	}
	out := make([]string, 0, len(ips))
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	return out, nil
}

type ns8Answers struct {
	leader    []string
	leaderErr string
	fqdns     map[string][]string
	fqdnErr   map[string]string
}

// resolveNS8 resolves the leader's endpoint and the FQDNs on this side, to
// compare with NS7's answers.
func resolveNS8(ctx context.Context, r *net.Resolver, leader string, fqdns []string) ns8Answers {
	a := ns8Answers{fqdns: map[string][]string{}, fqdnErr: map[string]string{}}
	if leader != "" {
		var err error
		if a.leader, err = lookup4(ctx, r, leader); err != nil {
			a.leaderErr = err.Error()
		}
	}
	for _, f := range fqdns {
		addrs, err := lookup4(ctx, r, f)
		a.fqdns[f] = addrs
		if err != nil {
			a.fqdnErr[f] = err.Error()
		}
	}
	return a
}

func probeNS7(ctx context.Context, e *Env, input json.RawMessage) (any, error) {
	in, run, err := startCheck[probeNS7Input](e, ns7check.Action, input)
	if err != nil {
		return nil, err
	}
	t, resolvers := run.ns7Target(in)
	f := run.collectNS7(ctx, t, resolvers, in)
	findings := ns7check.All(f)
	if f.NS7 != nil && f.NS7.Connected {
		e.storeNS7Facts(f)
	}
	return run.report(findings, probeFacts(f), true), nil
}

// ns7Target resolves where and how to connect (input, else settings; the
// module's key and known_hosts) and which resolvers NS8 uses.
func (r *checkRun) ns7Target(in probeNS7Input) (ns7.Target, []string) {
	e, st := r.e, r.st
	resolvers := in.Resolvers
	if resolvers == nil {
		resolvers = st.Resolvers
	}
	t := ns7.Target{Host: firstNonEmpty(in.Host, st.NS7.Host), Port: in.Port, User: firstNonEmpty(in.User, st.NS7.User),
		Password: in.Password, Accept: in.AcceptHostKey, Timeout: r.timeout}
	if t.Port == 0 {
		t.Port = st.NS7.Port
	}
	if e.Agent.StateDir != "" {
		t.KnownHosts = filepath.Join(e.Agent.StateDir, sshkey.KnownHostsFile)
		if signer, err := sshkey.Signer(e.Agent.StateDir); err == nil {
			t.Signer = signer
		} else if !errors.Is(err, os.ErrNotExist) {
			e.Log.Warnf("module SSH key unusable: %v", err)
		}
	} else if dir, err := os.UserConfigDir(); err == nil {
		t.KnownHosts = filepath.Join(dir, "nethvoice-preflight", sshkey.KnownHostsFile)
	}
	return t, resolvers
}

// collectNS7 reads the cluster first (NS7 is asked to resolve and reach
// the leader's endpoint, and an earlier file measurement may be reused),
// then probes NS7 while NS8's resolver answers the same names.
func (r *checkRun) collectNS7(ctx context.Context, t ns7.Target, resolvers []string, in probeNS7Input) ns7check.Facts {
	e := r.e
	f := ns7check.Facts{ModuleID: e.Agent.ModuleID, Timeout: r.timeout, LDAPDomain: r.st.LDAPDomain, Dest: r.e.Agent.NodeID, NethVoiceFQDN: r.st.FQDNs.NethVoice}
	if r.st.Node > 0 {
		f.Dest = strconv.Itoa(r.st.Node)
	}
	if e.Agent.StateDir != "" {
		f.PublicKey, _ = sshkey.PublicKey(e.Agent.StateDir)
	}
	f.State = r.readCluster(ctx, true)()
	f.LeaderHost, f.LeaderVPNIP, f.LeaderEndpointProblem = leaderOf(f.Cluster)
	if f.LeaderEndpointProblem == "" && f.Cluster != nil && f.Cluster.Nodes[f.Cluster.Leader] != nil {
		_, f.LeaderPort, _ = cluster.SplitEndpoint(f.Cluster.Nodes[f.Cluster.Leader].VPN["endpoint"])
	}
	e.Chan.Progress(10)

	plan := r.ns7Plan(f.LeaderHost)
	f.FQDNs = r.configuredFQDNs()
	opts := probeOptions(r.timeout, in.DataBudgetS)
	if prev := e.lastFiles(t.Host); !in.RemeasureData && ns7.ReuseFiles(prev, time.Now()) {
		plan.SkipFiles, opts.Reuse = true, prev
	}
	var probeP *runner.Pending[*ns7.Facts]
	switch {
	case t.Host == "":
		f.ProbeErr = "no NS7 host is set (configure-module ns7.host, or host in the probe-ns7 input)"
	case !ns7.ValidHost(t.Host):
		f.ProbeErr = "the NS7 host is not a host name or an IP address"
	default:
		stop := r.probeProgress(&opts)
		defer stop()
		// The collector bounds itself (connect, sessions, sample); the
		// runner's deadline is only a safety net above those bounds.
		probeP = runner.Go(ctx, opts.Total()+5*time.Second, "NS7 at "+t.Addr(), func(ctx context.Context) (*ns7.Facts, error) {
			return ns7.Probe(ctx, t, plan, opts)
		})
	}
	resolveP := runner.Go(ctx, r.timeout, "NS8's resolver", func(ctx context.Context) (ns8Answers, error) {
		return resolveNS8(ctx, ns8Resolver(resolvers), plan.LeaderHost, plan.FQDNs), nil
	})
	if probeP != nil {
		nf, out := probeP.Wait()
		f.ProbeTook = out.Duration
		if out.OK() && nf != nil {
			f.NS7 = nf
		} else if out.Err != nil {
			f.ProbeErr = out.Err.Error()
		}
	}
	if ans, out := resolveP.Wait(); out.OK() {
		f.LeaderNS8Addrs, f.LeaderNS8Err, f.FQDNNS8, f.FQDNNS8Err = ans.leader, ans.leaderErr, ans.fqdns, ans.fqdnErr
	} else {
		f.LeaderNS8Err = out.Err.Error()
	}
	e.Chan.Progress(90)
	if f.NS7 != nil {
		for _, c := range f.NS7.Commands {
			if c.Status != ns7.StatusOK {
				e.Log.Debugf("NS7 command %s: %s (exit %d)", c.ID, c.Status, c.Exit)
			}
		}
	}
	return f
}

// probeOptions are the probe's bounds for a per-check timeout and a data
// budget in seconds (0: the default).
func probeOptions(timeout time.Duration, dataBudgetS int) ns7.Options {
	opts := ns7.DefaultOptions(timeout)
	if dataBudgetS > 0 {
		opts = opts.WithDataBudget(time.Duration(dataBudgetS) * time.Second)
	}
	return opts
}

// ProbeBudget is how long probe-ns7 may take as a whole: the cluster read,
// the probe's own bounds, storing the facts and the report, and a margin.
// run-preflight's backstop for the probe is this, not a guess.
func ProbeBudget(timeout time.Duration, dataBudgetS int) time.Duration {
	return 3*timeout + probeOptions(timeout, dataBudgetS).Total() + 10*time.Second
}

// probeProgress reports progress on the agent's channel while the probe
// runs, from 20 to 85: by commands ended, and by the time spent of the
// probe's bound (the data measurement may run long with nothing ending).
func (r *checkRun) probeProgress(opts *ns7.Options) (stop func()) {
	ch := r.e.Chan
	ch.Progress(20)
	opts.Progress = func(done, total int) { ch.Progress(20 + 65*done/max(1, total)) }
	start, total := time.Now(), opts.Total()
	tick := time.NewTicker(time.Second)
	quit := make(chan struct{})
	go func() {
		for {
			select {
			case <-tick.C:
				ch.Progress(20 + int(65*time.Since(start)/total))
			case <-quit:
				return
			}
		}
	}()
	return func() { tick.Stop(); close(quit) }
}

// fileHistory is where an earlier measurement of NS7's files comes from
// (see ns7.ReuseFiles): the facts the last probe stored in the state
// directory; wherever those move, the probe only needs this.
type fileHistory interface {
	LastFiles(host string) *ns7.DataSizes
}

// storedFacts reads the last stored probe facts.
type storedFacts struct{ stored *store.NS7Facts }

// LastFiles returns the data sizes the last probe of host stored, or nil.
func (s storedFacts) LastFiles(host string) *ns7.DataSizes {
	if s.stored == nil || s.stored.Host != host || len(s.stored.Facts) == 0 {
		return nil
	}
	var f struct {
		Data ns7.DataSizes `json:"data"`
	}
	if json.Unmarshal(s.stored.Facts, &f) != nil {
		return nil
	}
	return &f.Data
}

// lastFiles is the earlier file measurement of host; none when the stored
// facts cannot be read (the spool is then walked again).
func (e *Env) lastFiles(host string) *ns7.DataSizes {
	stored, err := e.storedNS7()
	if err != nil {
		e.Log.Warnf("earlier NS7 facts not reused: %v", err)
	}
	var h fileHistory = storedFacts{stored}
	return h.LastFiles(host)
}

// configuredFQDNs are the NethVoice and CTI FQDNs of the settings.
func (r *checkRun) configuredFQDNs() []string {
	var out []string
	for _, q := range []string{r.st.FQDNs.NethVoice, r.st.FQDNs.CTI} {
		if q != "" {
			out = append(out, q)
		}
	}
	return out
}

// ns7Plan is what NS7 is asked beyond the fixed commands: to resolve the
// leader's endpoint and the FQDNs. A damaged value must not reach NS7's
// shell: each one that is not a host name is left out (and its check says
// so), the others are asked.
func (r *checkRun) ns7Plan(leaderHost string) ns7.Plan {
	var plan ns7.Plan
	if err := (ns7.Plan{LeaderHost: leaderHost}).Validate(); err != nil {
		r.e.Log.Warnf("%v: not asked of NS7", err)
	} else {
		plan.LeaderHost = leaderHost
	}
	for _, q := range r.configuredFQDNs() {
		if err := (ns7.Plan{FQDNs: []string{q}}).Validate(); err != nil {
			r.e.Log.Warnf("%v: not asked of NS7", err)
			continue
		}
		plan.FQDNs = append(plan.FQDNs, q)
	}
	return plan
}

// probeFacts is what the judgement was made on.
func probeFacts(f ns7check.Facts) map[string]any {
	facts := map[string]any{"target": f.Subject()}
	if f.NS7 != nil {
		facts["ns7"] = f.NS7
		if p, why := accountprovider.Read(f.NS7); why == "" {
			facts["account_provider"] = p
		} else if f.NS7.Connected {
			facts["account_provider_error"] = why
		}
	}
	if f.LeaderHost != "" {
		facts["leader"] = map[string]any{"host": f.LeaderHost, "vpn_ip": f.LeaderVPNIP, "ns8_addresses": f.LeaderNS8Addrs}
	}
	return facts
}

// storeNS7Facts keeps the sanitized facts of a probe that connected, in the
// state directory, for check-user-domain (account_provider) and check-node
// (data_total_bytes). A probe that could not connect leaves the previous
// facts in place.
func (e *Env) storeNS7Facts(f ns7check.Facts) {
	st, err := e.stateStore()
	if st == nil {
		if err != nil {
			e.Log.Warnf("could not store the NS7 facts: %v", err)
		}
		return
	}
	// A provider that could not be read is stored as none at all (null),
	// never as "none": check-user-domain then says it has none to judge.
	prov := []byte("null")
	if p, why := accountprovider.Read(f.NS7); why == "" {
		if prov, err = json.Marshal(p); err != nil {
			return
		}
	}
	all, err := json.Marshal(f.NS7)
	if err != nil {
		return
	}
	// A partial measure would understate the disk NS8 needs: only a
	// complete one is the total (0 reads as "not measured"); a partial
	// one is handed on as the bounds it gives.
	stored := store.NS7Facts{ProbedAt: time.Now().UTC().Format(time.RFC3339), Host: f.NS7.Host, AccountProvider: prov, Facts: all}
	switch d := f.NS7.Data; {
	case f.NS7.NotNethServer() != "":
		// Another system's files: no NS7 data to copy, none measured.
	case d.Complete:
		stored.DataTotalBytes = d.TotalBytes
	case f.NS7.Connected:
		stored.DataAtLeastBytes, stored.DataAtMostBytes = d.TotalBytes, d.AtMostBytes
	}
	if err := st.SaveNS7Facts(stored); err != nil {
		e.Log.Warnf("could not store the NS7 facts in the state directory: %v", err)
	}
}
