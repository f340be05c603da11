package dnsprobe

import (
	"context"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// CAA is a name's relevant CAA record set as a CA finds it (RFC 8659 §3):
// the first non-empty CAA RRset from the name up its parents (the root
// excluded), each lookup an ordinary resolution (a CNAME is followed to its
// target's CAA), the climb going on from the name's own parents.
type CAA struct {
	// Owner is where the relevant set was found ("" when none was).
	Owner   string      `json:"owner,omitempty"`
	Records []CAARecord `json:"records,omitempty"`
	// Asked are the questions asked, from the name up, as far as the climb
	// went.
	Asked []Query `json:"asked"`
	// Failed is the first question that got no usable answer (SERVFAIL,
	// silence, ...) before a set was found: a CA then does not issue.
	Failed *Query `json:"failed,omitempty"`
}

// CAARecord is one CAA property (RFC 8659 §4.1).
type CAARecord struct {
	Flag  uint8  `json:"flag"`
	Tag   string `json:"tag"`
	Value string `json:"value"`
}

// Critical reports whether the issuer critical flag is set.
func (r CAARecord) Critical() bool { return r.Flag&128 != 0 }

// LookupCAA finds the relevant CAA set of name with the resolvers (the
// first to answer each question wins), asking every level at once and
// returning as soon as the levels from the name up decide it: a parent the
// resolver never answers holds nothing up once a deeper level gave a set
// or failed (as FindZone, issue 15).
func LookupCAA(ctx context.Context, resolvers []string, name string) *CAA {
	levels := caaLevels(Canonical(name))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type res struct {
		i int
		q Query
	}
	ch := make(chan res, len(levels))
	for i, l := range levels {
		go func(i int, l string) {
			ch <- res{i, race(ctx, resolvers, func(ctx context.Context, s string) Query { return Ask(ctx, s, l, dns.TypeCAA, true) })}
		}(i, l)
	}
	answers := make([]*Query, len(levels))
	for range levels {
		r := <-ch
		answers[r.i] = &r.q
		if c, decided := climbCAA(answers); decided {
			return c
		}
	}
	c, _ := climbCAA(answers)
	return c
}

// climbCAA climbs the answers arrived so far (nil: not yet) from the name
// up: decided when a set or a failure is reached with every deeper level
// in, or when every level is in.
func climbCAA(answers []*Query) (*CAA, bool) {
	c := &CAA{Asked: []Query{}}
	for _, q := range answers {
		if q == nil {
			return c, false
		}
		c.Asked = append(c.Asked, *q)
		switch {
		case q.Outcome == Answer:
			if recs := caaRecords(q.Records); len(recs) > 0 {
				c.Owner, c.Records = q.Name, recs
				return c, true
			}
		case q.Outcome.Negative():
		default:
			failed := *q
			c.Failed = &failed
			return c, true
		}
	}
	return c, true
}

// caaLevels are the name and its parents, the root excluded (RFC 8659
// §3 stops before the root).
func caaLevels(name string) []string {
	a := ancestors(name)
	return a[:len(a)-1]
}

// caaRecords reads the CAA records of an answer (after any CNAME).
func caaRecords(recs []Record) []CAARecord {
	var out []CAARecord
	for _, r := range recs {
		if r.Type != "CAA" {
			continue
		}
		if c, ok := ParseCAA(r.Data); ok {
			out = append(out, c)
		}
	}
	return out
}

// ParseCAA reads a CAA record's data as miekg/dns prints it
// (`<flag> <tag> "<value>"`).
func ParseCAA(data string) (CAARecord, bool) {
	f := strings.SplitN(strings.TrimSpace(data), " ", 3)
	if len(f) != 3 {
		return CAARecord{}, false
	}
	flag, err := strconv.ParseUint(f[0], 10, 8)
	if err != nil {
		return CAARecord{}, false
	}
	v := f[2]
	if u, err := strconv.Unquote(v); err == nil {
		v = u
	} else {
		v = strings.Trim(v, `"`)
	}
	return CAARecord{Flag: uint8(flag), Tag: strings.ToLower(f[1]), Value: v}, true
}
