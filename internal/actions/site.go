package actions

import (
	"encoding/json"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/accountprovider"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/knownissues"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

// storedSite is what the cluster and the facts the last probe-ns7 stored
// tell of the site, for the known issues; what they do not tell stays
// unknown.
func storedSite(s *cluster.Snapshot, dest string, stored *store.NS7Facts) knownissues.Site {
	domains := len(s.Domains)
	site := knownissues.Site{UserDomains: &domains}
	hasProxy := false
	for _, p := range s.Proxies {
		hasProxy = hasProxy || p.Node == dest
	}
	site.ProxyOnDest = &hasProxy
	if stored == nil {
		return site
	}
	var p accountprovider.Provider
	if json.Unmarshal(stored.AccountProvider, &p) == nil {
		site.ProviderType = p.Type
	}
	var f ns7.Facts
	if json.Unmarshal(stored.Facts, &f) != nil {
		return site
	}
	if f.Cmd(ns7.CmdConfig+"nethvoice-report").Status == ns7.StatusOK {
		prefix := ""
		if r := f.Config["nethvoice-report"]; r != nil {
			prefix = r.Props["international_prefix"]
		}
		site.Prefix = &prefix
	}
	// Only what was read is a value: an unread table leaves it unknown.
	if f.Answered(ns7.CmdSIPNAT) {
		nat := false
		for _, n := range f.NAT {
			nat = nat || natCarried[n.Table+"/"+n.Key]
		}
		site.NAT = &nat
	}
	if f.Answered(ns7.CmdTrunks) {
		id0 := false
		for _, t := range f.Trunks {
			// The fix excludes trunk_name LIKE '%identity0%' (ns8-nethvoice 256b7216).
			id0 = id0 || strings.Contains(strings.ToLower(t.Name+" "+t.PJSIPName), "identity0")
		}
		site.Identity0Trunk = &id0
	}
	return site
}

// natCarried are the NAT settings NethVoice before 1.0.1 carried into NS8
// (NethServer/dev#7013): the external IP and the local networks.
var natCarried = map[string]bool{"kvstore/externip": true, "kvstore/localnets": true, "sipsettings/externip_val": true}
