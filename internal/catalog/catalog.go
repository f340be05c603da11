// Package catalog is the list of every check id, derived from the check
// values each judge package declares (package check): the order of reports,
// titles, doc anchors and aliases for report.Build, the entries list-checks
// prints, and the generated docs/checks.md. Ids are the contract with users
// and scripts; renamed ids live on as aliases.
package catalog

import (
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/domaincheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/fqdncheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/manualcheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/nodecheck"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7check"
)

// DocFile is where every id is documented (generated from the checks).
const DocFile = "docs/checks.md"

// Entry is one check id as list-checks prints it.
type Entry struct {
	ID       string     `json:"id"`
	Title    string     `json:"title"`
	Verifies string     `json:"verifies"`
	Action   string     `json:"action"`
	Area     check.Area `json:"area"`
	Doc      string     `json:"doc"`
	Aliases  []string   `json:"aliases,omitempty"`
}

// metas is the catalogue in display order (reports list findings in this
// order): the checks of each action, as their packages declare them.
var metas = concat(
	check.Metas(nodecheck.Checks),
	check.Metas(fqdncheck.Checks),
	check.Metas(ns7check.Checks),
	check.Metas(domaincheck.Checks),
	[]check.Meta{check.Part},
	check.Metas(manualcheck.Checks),
	[]check.Meta{check.Internal},
)

func concat(parts ...[]check.Meta) []check.Meta {
	var out []check.Meta
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var byID = index(metas)

func index(ms []check.Meta) map[string]int {
	m := map[string]int{}
	for i, e := range ms {
		m[e.ID] = i
		for _, a := range e.Aliases {
			m[a] = i
		}
	}
	return m
}

// Anchor is the Markdown anchor of an id's heading in docs/checks.md
// ("node.cpu" -> "node-cpu").
func Anchor(id string) string { return strings.ReplaceAll(id, ".", "-") }

func entry(m check.Meta) Entry {
	return Entry{ID: m.ID, Title: m.Title, Verifies: m.Verifies, Action: m.Action, Area: m.Area,
		Doc: DocFile + "#" + Anchor(m.ID), Aliases: m.Aliases}
}

// All returns the catalogue in display order.
func All() []Entry {
	out := make([]Entry, len(metas))
	for i, m := range metas {
		out[i] = entry(m)
	}
	return out
}

// Metas returns the checks' descriptions in display order.
func Metas() []check.Meta { return append([]check.Meta(nil), metas...) }

// Lookup returns the entry of an id or alias.
func Lookup(id string) (Entry, bool) {
	i, ok := byID[id]
	if !ok {
		return Entry{}, false
	}
	return entry(metas[i]), true
}

// Catalog implements report.Catalog over the built-in entries.
type Catalog struct{}

// Canonical maps an alias to its current id; unknown ids map to themselves.
func (Catalog) Canonical(id string) string {
	if e, ok := Lookup(id); ok {
		return e.ID
	}
	return id
}

// Order is the display position; unknown ids sort last.
func (Catalog) Order(id string) int {
	if i, ok := byID[id]; ok {
		return i
	}
	return len(metas)
}

// Title of an id, or the id itself when unknown.
func (Catalog) Title(id string) string {
	if e, ok := Lookup(id); ok {
		return e.Title
	}
	return id
}

// Doc link of an id.
func (Catalog) Doc(id string) string { return DocFile + "#" + Anchor(Catalog{}.Canonical(id)) }
