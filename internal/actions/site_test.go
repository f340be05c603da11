package actions

import (
	"encoding/json"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cluster"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/store"
)

// The site facts of the known issues come from what the probe read; a
// table it could not read stays unknown, never "nothing set".
func TestStoredSiteInventory(t *testing.T) {
	ok := func(id string) ns7.Result { return ns7.Result{ID: id, Status: ns7.StatusOK} }
	unread := func(id string) ns7.Result {
		return ns7.Result{ID: id, Status: ns7.StatusFailed, Exit: 1, Reason: "mysql failed (exit 1)"}
	}
	for _, c := range []struct {
		name          string
		facts         ns7.Facts
		nat, identity *bool
	}{
		{"NAT and an Identity0 trunk", ns7.Facts{Commands: []ns7.Result{ok(ns7.CmdSIPNAT), ok(ns7.CmdTrunks)},
			NAT:    []ns7.NATSetting{{Table: "kvstore", Key: "externip", Value: "203.0.113.7"}},
			Trunks: []ns7.Trunk{{Name: "Provider", PJSIPName: "Provider_Identity0"}}}, ptrBool(true), ptrBool(true)},
		{"only kept settings, plain trunks", ns7.Facts{Commands: []ns7.Result{ok(ns7.CmdSIPNAT), ok(ns7.CmdTrunks)},
			NAT:    []ns7.NATSetting{{Table: "kvstore", Key: "udpextip-0.0.0.0", Value: "203.0.113.7"}},
			Trunks: []ns7.Trunk{{Name: "MessageNet", PJSIPName: "MessageNet"}}}, ptrBool(false), ptrBool(false)},
		{"a trunk named identity0", ns7.Facts{Commands: []ns7.Result{ok(ns7.CmdSIPNAT), ok(ns7.CmdTrunks)},
			Trunks: []ns7.Trunk{{Name: "TIM", PJSIPName: "identity0"}}}, ptrBool(false), ptrBool(true)},
		{"tables not read", ns7.Facts{Commands: []ns7.Result{unread(ns7.CmdSIPNAT), unread(ns7.CmdTrunks)}}, nil, nil},
		{"not probed for them", ns7.Facts{}, nil, nil},
	} {
		raw, err := json.Marshal(c.facts)
		if err != nil {
			t.Fatal(err)
		}
		site := storedSite(&cluster.Snapshot{}, "1", &store.NS7Facts{Facts: raw})
		if !sameBool(site.NAT, c.nat) || !sameBool(site.Identity0Trunk, c.identity) {
			t.Errorf("%s: NAT %v, Identity0 %v", c.name, show(site.NAT), show(site.Identity0Trunk))
		}
	}
}

func ptrBool(b bool) *bool { return &b }

func sameBool(a, b *bool) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func show(b *bool) string {
	if b == nil {
		return "unknown"
	}
	if *b {
		return "true"
	}
	return "false"
}
