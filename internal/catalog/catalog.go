// Package catalog is the list of every check id: its title, what it
// verifies, the action that runs it and its anchor in docs/checks.md. Ids
// are the contract with users and scripts; renamed ids live on as aliases.
package catalog

import (
	"strings"
)

// DocFile is where every id is documented; a test keeps code and doc in step.
const DocFile = "docs/checks.md"

// Entry describes one check id.
type Entry struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Verifies string   `json:"verifies"`
	Action   string   `json:"action"`
	Doc      string   `json:"doc"`
	Aliases  []string `json:"aliases,omitempty"`
}

// entries is the catalogue in display order (reports list findings in
// this order): one slice per area, each in its own file, so that areas grow
// without touching each other.
var entries = concat(nodeEntries, fqdnEntries, ns7Entries, domainEntries, manualEntries)

func concat(parts ...[]Entry) []Entry {
	var out []Entry
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var byID = index(entries)

func index(entries []Entry) map[string]int {
	m := map[string]int{}
	for i, e := range entries {
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

// All returns the catalogue in display order, doc links filled.
func All() []Entry {
	out := make([]Entry, len(entries))
	for i, e := range entries {
		e.Doc = DocFile + "#" + Anchor(e.ID)
		out[i] = e
	}
	return out
}

// Lookup returns the entry of an id or alias.
func Lookup(id string) (Entry, bool) {
	i, ok := byID[id]
	if !ok {
		return Entry{}, false
	}
	e := entries[i]
	e.Doc = DocFile + "#" + Anchor(e.ID)
	return e, true
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
	return len(entries)
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
