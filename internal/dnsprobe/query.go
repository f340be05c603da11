// Package dnsprobe collects DNS facts for validate-fqdns: what each
// resolver answers for a name (CNAME chains followed to their end), where
// the name's zone is and what its authoritative servers, queried directly,
// answer. It talks to the network and judges nothing: every question ends
// as a typed Query (rcode, records with TTLs, or why there is no answer),
// and package fqdncheck judges those facts.
package dnsprobe

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
)

// AuthorityPort is where authoritative servers are asked: the port NS
// records imply. It is a constant on purpose: tests build a DNS world
// whose servers listen on it, rather than a test-only path through here.
const AuthorityPort = "53"

// Outcome says how a question ended.
type Outcome string

const (
	Answer      Outcome = "answer"      // NOERROR with records in the answer section
	NoData      Outcome = "nodata"      // NOERROR, the name exists, no record of that type
	NXDomain    Outcome = "nxdomain"    // the name does not exist
	Referral    Outcome = "referral"    // a server not authoritative for the name pointed elsewhere
	ServFail    Outcome = "servfail"    // the server failed to get an answer
	Refused     Outcome = "refused"     // the server refused to answer
	OtherRcode  Outcome = "rcode"       // FORMERR, NOTIMP, ...: see Rcode
	Timeout     Outcome = "timeout"     // no answer within the time given
	Unreachable Outcome = "unreachable" // connection refused, no route
	Failed      Outcome = "error"       // any other transport error
)

// Transport reports whether the outcome means the server gave no DNS
// answer at all (nothing was learnt about the name).
func (o Outcome) Transport() bool { return o == Timeout || o == Unreachable || o == Failed }

// Negative reports whether the outcome says there is no record.
func (o Outcome) Negative() bool { return o == NoData || o == NXDomain }

// Record is one resource record as received; TTL is what the server said
// (for a resolver, the time left in its cache).
type Record struct {
	Name string `json:"name"`
	Type string `json:"type"`
	TTL  uint32 `json:"ttl"`
	Data string `json:"data"`
}

// Query is one question asked to one server, and how it ended.
type Query struct {
	Server  string  `json:"server"`
	Name    string  `json:"name"`
	Type    string  `json:"type"`
	Recurse bool    `json:"rd"`
	Outcome Outcome `json:"outcome"`
	Rcode   string  `json:"rcode,omitempty"`
	AA      bool    `json:"aa,omitempty"`
	// Records is the answer section (CNAMEs and the data asked for).
	Records []Record `json:"records,omitempty"`
	// Authority holds the NS and SOA records of the authority section.
	Authority []Record `json:"authority,omitempty"`
	// Additional holds the A and AAAA records of the additional section (glue).
	Additional []Record `json:"additional,omitempty"`
	// NegTTL is how long the negative answer may be cached: the SOA TTL
	// capped by its minimum (RFC 2308); from a resolver, the time left.
	NegTTL *uint32 `json:"negative_ttl,omitempty"`
	// TCP is set when the UDP answer was truncated and asked again over TCP.
	TCP       bool   `json:"tcp,omitempty"`
	Truncated bool   `json:"truncated,omitempty"` // the answer kept is a truncated one (TCP failed)
	Tries     int    `json:"tries"`
	ElapsedMs int64  `json:"elapsed_ms"`
	Error     string `json:"error,omitempty"`
}

// Elapsed is how long the question took, all tries included.
func (q Query) Elapsed() time.Duration { return time.Duration(q.ElapsedMs) * time.Millisecond }

// Retry policy: a lost datagram is asked again, each try getting a third
// of the time left (at least minTry, at most maxTry), the last try all of
// it. A silent server thus costs exactly the deadline, and a server that
// dropped one packet still answers within it.
const (
	maxTries      = 4
	minTry        = 150 * time.Millisecond
	maxTry        = 3 * time.Second
	defaultBudget = 5 * time.Second // when ctx has no deadline
	udpSize       = 1232            // EDNS0 buffer size of the DNS flag day 2020
	maxRecords    = 64              // per section: a report stays readable and bounded
)

func tryTimeout(left time.Duration, try int) time.Duration {
	if try >= maxTries {
		return left
	}
	d := left / 3
	if d < minTry {
		d = minTry
	}
	if d > maxTry {
		d = maxTry
	}
	if d > left {
		d = left
	}
	return d
}

// Ask sends one question to server (ip:port) and reports how it ended. UDP
// first; a truncated answer is asked again over TCP; a server that rejects
// EDNS (FORMERR) is asked again without it; a lost datagram is asked again
// while ctx allows. Ask never outlives ctx.
func Ask(ctx context.Context, server, name string, qtype uint16, recurse bool) (q Query) {
	start := time.Now()
	q = Query{Server: server, Name: Canonical(name), Type: dns.TypeToString[qtype], Recurse: recurse}
	defer func() { q.ElapsedMs = time.Since(start).Milliseconds() }()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = start.Add(defaultBudget)
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(q.Name), qtype)
	m.RecursionDesired = recurse
	m.SetEdns0(udpSize, false)
	network, edns := "udp", true
	var truncated *dns.Msg
	for try := 1; ; try++ {
		left := time.Until(deadline)
		if left <= 0 || ctx.Err() != nil {
			q.Outcome, q.Error = Timeout, "no answer within "+time.Since(start).Round(time.Millisecond).String()
			if truncated != nil {
				fill(&q, truncated, qtype)
				q.Truncated, q.Error = true, "the UDP answer was truncated and TCP did not answer in time"
			}
			return q
		}
		d := tryTimeout(left, try)
		q.Tries++
		r, err := exchange(ctx, server, m, network, d)
		switch {
		case r != nil && r.Truncated && network == "udp":
			// The records did not fit: the same question over TCP. Not a
			// failed try, so the try count does not grow.
			truncated, network, q.TCP = r, "tcp", true
			try--
			q.Tries--
			continue
		case err == nil && r.Rcode == dns.RcodeFormatError && edns:
			m.Extra, edns = nil, false // a server from before EDNS0
			try--
			q.Tries--
			continue
		case err == nil:
			fill(&q, r, qtype)
			return q
		}
		out, msg := transportError(err)
		q.Outcome, q.Error = out, msg
		if truncated != nil {
			fill(&q, truncated, qtype)
			q.Truncated, q.Error = true, "the UDP answer was truncated and TCP failed: "+msg
			return q
		}
		if out != Timeout {
			return q // refused or unroutable: asking again changes nothing
		}
		q.Error = "no answer within " + time.Since(start).Round(time.Millisecond).String()
	}
}

func exchange(ctx context.Context, server string, m *dns.Msg, network string, d time.Duration) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	c := &dns.Client{Net: network, Timeout: d, UDPSize: udpSize}
	m.Id = dns.Id() // a late answer to an earlier try is not taken for this one
	r, _, err := c.ExchangeContext(ctx, m, server)
	if err != nil {
		// A truncated datagram may not unpack whole; its header is enough,
		// if it is an answer to this question (not garbage with TC set).
		if r != nil && r.Truncated && r.Response && r.Id == m.Id {
			return r, nil
		}
		return nil, err
	}
	return r, nil
}

// transportError classifies a failed exchange.
func transportError(err error) (Outcome, string) {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.As(err, &ne) && ne.Timeout():
		return Timeout, "no answer"
	case errors.Is(err, context.Canceled):
		return Timeout, "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return Unreachable, "connection refused (nothing listens there)"
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return Unreachable, "no route to the server"
	case errors.As(err, new(*dns.Error)):
		// Not DNS, or not an answer to the question (id mismatch, bad
		// packing): what came back cannot be read.
		return Failed, "malformed answer (" + err.Error() + ")"
	}
	return Failed, err.Error()
}

// fill records a DNS answer.
func fill(q *Query, r *dns.Msg, qtype uint16) {
	q.Rcode = dns.RcodeToString[r.Rcode]
	q.AA = r.Authoritative
	q.Records = records(r.Answer, nil)
	q.Authority = records(r.Ns, map[uint16]bool{dns.TypeNS: true, dns.TypeSOA: true})
	q.Additional = records(r.Extra, map[uint16]bool{dns.TypeA: true, dns.TypeAAAA: true})
	for _, rr := range r.Ns {
		if soa, ok := rr.(*dns.SOA); ok {
			ttl := soa.Hdr.Ttl
			if soa.Minttl < ttl {
				ttl = soa.Minttl
			}
			q.NegTTL = &ttl
			break
		}
	}
	q.Outcome = classify(r, qtype)
	if q.Outcome != Answer && q.Outcome != NoData && q.Outcome != NXDomain && q.Outcome != Referral {
		q.Error = "the server answered " + q.Rcode
	}
}

func classify(r *dns.Msg, qtype uint16) Outcome {
	switch r.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return NXDomain
	case dns.RcodeServerFailure:
		return ServFail
	case dns.RcodeRefused:
		return Refused
	default:
		return OtherRcode
	}
	if len(r.Answer) > 0 {
		return Answer
	}
	if !r.Authoritative {
		hasNS, hasSOA := false, false
		for _, rr := range r.Ns {
			switch rr.Header().Rrtype {
			case dns.TypeNS:
				hasNS = true
			case dns.TypeSOA:
				hasSOA = true
			}
		}
		if hasNS && !hasSOA {
			return Referral
		}
	}
	return NoData
}

// records converts a section, keeping the types in keep (all when nil).
func records(rrs []dns.RR, keep map[uint16]bool) []Record {
	var out []Record
	for _, rr := range rrs {
		h := rr.Header()
		if keep != nil && !keep[h.Rrtype] || h.Rrtype == dns.TypeOPT {
			continue
		}
		if len(out) == maxRecords {
			break
		}
		out = append(out, Record{Name: Canonical(h.Name), Type: dns.TypeToString[h.Rrtype], TTL: h.Ttl, Data: rdata(rr)})
	}
	return out
}

func rdata(rr dns.RR) string {
	switch t := rr.(type) {
	case *dns.A:
		return t.A.String()
	case *dns.AAAA:
		return t.AAAA.String()
	case *dns.CNAME:
		return Canonical(t.Target)
	case *dns.NS:
		return Canonical(t.Ns)
	case *dns.DNAME:
		return Canonical(t.Target)
	}
	s := rr.String()
	return strings.TrimPrefix(s, rr.Header().String())
}

// Canonical is the form names are compared in: lower case, no final dot
// (the root is ".").
func Canonical(name string) string {
	n := strings.ToLower(strings.TrimSuffix(name, "."))
	if n == "" {
		return "."
	}
	return n
}
