package dnsprobe

import (
	"context"
	"strconv"
	"strings"
	"sync"

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
// first to answer each question wins), asking every level at once.
func LookupCAA(ctx context.Context, resolvers []string, name string) *CAA {
	levels := caaLevels(Canonical(name))
	answers := make([]Query, len(levels))
	var wg sync.WaitGroup
	for i, l := range levels {
		wg.Add(1)
		go func(i int, l string) {
			defer wg.Done()
			answers[i] = race(ctx, resolvers, func(ctx context.Context, s string) Query { return Ask(ctx, s, l, dns.TypeCAA, true) })
		}(i, l)
	}
	wg.Wait()
	c := &CAA{}
	for _, q := range answers {
		c.Asked = append(c.Asked, q)
		switch {
		case q.Outcome == Answer:
			if recs := caaRecords(q.Records); len(recs) > 0 {
				c.Owner, c.Records = q.Name, recs
				return c
			}
		case q.Outcome.Negative():
		default:
			failed := q
			c.Failed = &failed
			return c
		}
	}
	return c
}

// caaLevels are the name and its parents, the root excluded.
func caaLevels(name string) []string {
	var out []string
	for n := name; n != "." && n != ""; {
		out = append(out, n)
		i := strings.IndexByte(n, '.')
		if i < 0 {
			break
		}
		n = n[i+1:]
	}
	return out
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
