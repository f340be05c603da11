package dnsprobe

// MaxChain is how many CNAME links are followed before a chain counts as
// too long (resolvers give up around 8-16; 8 is already far beyond sane).
const MaxChain = 8

// Chain is a CNAME chain as read from a set of records.
type Chain struct {
	// Names is the name asked, then each CNAME target in order.
	Names []string `json:"names"`
	// CNAMEs are the links, in order.
	CNAMEs []Record `json:"cnames,omitempty"`
	// Final is the last name of the chain (the name asked when no CNAME).
	Final string `json:"final"`
	// Data are the records of the type asked owned by Final.
	Data []Record `json:"data,omitempty"`
	// Loop is set when a target is a name already in the chain.
	Loop bool `json:"loop,omitempty"`
	// TooLong is set when the chain has more than MaxChain links.
	TooLong bool `json:"too_long,omitempty"`
}

// FollowChain follows CNAMEs from name through recs (the answer sections
// of one or more queries) and collects the records of type qtype owned by
// the end of the chain. A pure function: collectors use it to know when to
// ask further, evaluators to judge.
func FollowChain(name, qtype string, recs []Record) Chain {
	cname := map[string]Record{}
	for _, r := range recs {
		if r.Type == "CNAME" {
			if _, dup := cname[r.Name]; !dup {
				cname[r.Name] = r
			}
		}
	}
	cur := Canonical(name)
	c := Chain{Names: []string{cur}}
	seen := map[string]bool{cur: true}
	for qtype != "CNAME" {
		link, ok := cname[cur]
		if !ok {
			break
		}
		c.CNAMEs = append(c.CNAMEs, link)
		if seen[link.Data] {
			c.Loop = true
			c.Names = append(c.Names, link.Data)
			break
		}
		if len(c.CNAMEs) > MaxChain {
			c.TooLong = true
			break
		}
		seen[link.Data] = true
		cur = link.Data
		c.Names = append(c.Names, cur)
	}
	c.Final = cur
	if c.Loop || c.TooLong {
		return c
	}
	dup := map[string]bool{}
	for _, r := range recs {
		if r.Name == cur && r.Type == qtype && !dup[r.Data] {
			dup[r.Data] = true
			c.Data = append(c.Data, r)
		}
	}
	return c
}
