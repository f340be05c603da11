package fqdncheck

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/dnsprobe"
)

// What a resolution amounts to, beyond the outcome of its first question.
const (
	vAnswer   = "answer"   // data found at the end of the chain
	vNoData   = "nodata"   // the name exists, no record of the type
	vNXDomain = "nxdomain" // the name does not exist
	vLoop     = "loop"     // the CNAME chain loops
	vTooLong  = "too-long" // more than dnsprobe.MaxChain links
	vDangling = "dangling" // the chain ends at a target without data
	vOutside  = "outside"  // an authoritative CNAME to a name outside the zone (the resolvers follow it)
	vLame     = "lame"     // an authoritative server that is not authoritative for the name
	vFailed   = "failed"   // no usable answer: timeout, SERVFAIL, REFUSED, ...
)

// view is the reading of one Resolution.
type view struct {
	server string
	kind   string
	chain  dnsprobe.Chain
	addrs  []string // sorted data at the chain's end
	// hop is what the name itself owns: "CNAME <target>", the sorted
	// data, or "none"; "" when unknown. Servers agree when hops are equal.
	hop string
	// ttl is the TTL of what the name owns (the first link, or the
	// lowest TTL of its data, or the negative TTL); -1 when unknown.
	ttl    int64
	detail string         // human reading: "198.51.100.10", "NXDOMAIN", "SERVFAIL", ...
	first  dnsprobe.Query // the question
}

func (v view) ok() bool       { return v.kind == vAnswer }
func (v view) negative() bool { return v.kind == vNoData || v.kind == vNXDomain || v.kind == vDangling }

// see reads a resolver's resolution.
func see(r dnsprobe.Resolution) view {
	first := r.First()
	c := r.Chain()
	v := view{server: r.Server, chain: c, ttl: -1, first: first}
	switch {
	case c.Loop:
		v.kind, v.detail = vLoop, "a CNAME loop: "+strings.Join(c.Names, " → ")
	case c.TooLong:
		v.kind, v.detail = vTooLong, fmt.Sprintf("a CNAME chain longer than %d links: %s ...", dnsprobe.MaxChain, strings.Join(c.Names[:4], " → "))
	case len(c.Data) > 0:
		v.kind = vAnswer
		for _, d := range c.Data {
			v.addrs = append(v.addrs, canonIP(d.Data))
		}
		sort.Strings(v.addrs)
		v.detail = strings.Join(v.addrs, ", ")
		if len(c.CNAMEs) > 0 {
			v.detail = strings.Join(c.Names, " → ") + " → " + v.detail
		}
	case len(c.CNAMEs) > 0:
		last := lastAbout(r, c.Final)
		v.kind = vDangling
		switch {
		case last.Outcome == dnsprobe.NXDomain:
			v.detail = fmt.Sprintf("%s, and %s does not exist (NXDOMAIN)", strings.Join(c.Names, " → "), c.Final)
		case last.Outcome.Negative() || last.Outcome == dnsprobe.Answer:
			v.detail = fmt.Sprintf("%s, and %s has no %s record", strings.Join(c.Names, " → "), c.Final, r.Type)
		default:
			v.detail = fmt.Sprintf("%s, and %s fails: %s", strings.Join(c.Names, " → "), c.Final, failure(last))
		}
	case first.Outcome == dnsprobe.NXDomain:
		v.kind, v.detail = vNXDomain, "NXDOMAIN (the name does not exist)"
	case first.Outcome == dnsprobe.NoData || first.Outcome == dnsprobe.Answer:
		v.kind, v.detail = vNoData, fmt.Sprintf("no %s record (NODATA)", r.Type)
	default:
		v.kind, v.detail = vFailed, failure(first)
	}
	v.hop, v.ttl = hop(v, first)
	return v
}

// seeAuth reads an authoritative server's answer (one question, no
// recursion): a server that does not answer authoritatively is lame, and
// a CNAME out of the zone is for the resolvers to follow.
func seeAuth(r dnsprobe.Resolution, zone string) view {
	v := see(r)
	q := v.first
	switch {
	case q.Outcome == dnsprobe.Referral:
		v.kind, v.detail, v.hop = vLame, "not authoritative: it refers to "+referralTo(q), ""
	case v.kind != vFailed && !q.AA:
		v.kind, v.detail, v.hop = vLame, "answers without the authoritative (AA) flag: it does not serve the zone", ""
	case v.kind == vDangling && !dnsprobe.IsSubdomain(v.chain.Final, zone):
		v.kind, v.detail = vOutside, strings.Join(v.chain.Names, " → ")+" (outside the zone)"
	}
	return v
}

// hop says what the name itself owns, and its TTL.
func hop(v view, first dnsprobe.Query) (string, int64) {
	switch {
	case len(v.chain.CNAMEs) > 0:
		l := v.chain.CNAMEs[0]
		return "CNAME " + l.Data, int64(l.TTL)
	case v.kind == vAnswer:
		ttl := int64(-1)
		for _, d := range v.chain.Data {
			if ttl < 0 || int64(d.TTL) < ttl {
				ttl = int64(d.TTL)
			}
		}
		return strings.Join(v.addrs, ", "), ttl
	case v.kind == vNXDomain || v.kind == vNoData:
		if first.NegTTL != nil {
			return "none", int64(*first.NegTTL)
		}
		return "none", -1
	}
	return "", -1
}

// lastAbout is the last question whose name is name (the end of a chain),
// or the last question.
func lastAbout(r dnsprobe.Resolution, name string) dnsprobe.Query {
	for i := len(r.Queries) - 1; i >= 0; i-- {
		if r.Queries[i].Name == name {
			return r.Queries[i]
		}
	}
	return r.Last()
}

// failure says why a question got no usable answer.
func failure(q dnsprobe.Query) string {
	switch q.Outcome {
	case dnsprobe.Timeout:
		return fmt.Sprintf("no answer within %s (%d tries)", secondsText(q.Elapsed()), q.Tries)
	case dnsprobe.ServFail:
		return "SERVFAIL (the server could not get an answer from the zone's servers)"
	case dnsprobe.Refused:
		return "REFUSED (the server refuses to answer this)"
	case dnsprobe.OtherRcode:
		return q.Rcode
	case dnsprobe.Unreachable, dnsprobe.Failed:
		return q.Error
	}
	return string(q.Outcome)
}

func referralTo(q dnsprobe.Query) string {
	var ns []string
	for _, r := range q.Authority {
		if r.Type == "NS" {
			ns = append(ns, r.Data)
		}
	}
	return strings.Join(ns, ", ")
}

func secondsText(d time.Duration) string {
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// ttlText formats a TTL with a readable unit: "86400 s (1 day)".
func ttlText(s int64) string {
	unit := func(n int64, one, many string) string {
		if n == 1 {
			return fmt.Sprintf("%d s (1 %s)", s, one)
		}
		return fmt.Sprintf("%d s (%d %s)", s, n, many)
	}
	switch {
	case s >= 86400 && s%86400 == 0:
		return unit(s/86400, "day", "days")
	case s >= 3600 && s%3600 == 0:
		return unit(s/3600, "hour", "hours")
	case s >= 60 && s%60 == 0:
		return unit(s/60, "min", "min")
	}
	return fmt.Sprintf("%d s", s)
}
