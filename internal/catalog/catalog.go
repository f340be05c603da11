// Package catalog is the list of every check id, derived from the check
// values each judge package declares (package check): the order of reports,
// titles, doc anchors and aliases for report.Build, the entries list-checks
// prints, and the generated docs/checks.md. Ids are the contract with users
// and scripts; renamed ids live on as aliases.
package catalog

import (
	"strings"
	"unicode"

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

// RepoURL is the project's public repository: the Go module path
// (go.mod) and the code and documentation address of the admin UI's
// metadata (ui/public/metadata.json docs.code_url); a test keeps the three
// in step.
const RepoURL = "https://github.com/nethvoice-preflight/ns8-nethvoice-preflight"

// DocURL is the address of a file of the repository as GitHub shows it
// (branch main): usable from an NS8 leader, where the repository's files
// are not.
func DocURL(file string) string { return RepoURL + "/blob/main/" + file }

// Anchor is the anchor GitHub gives a Markdown heading: the text lower-
// cased, every character dropped but letters, marks, numbers, connector
// punctuation ("_"), hyphens and spaces, each space made a hyphen. So
// "### node.cpu" is "#nodecpu": GitHub drops the dot (github-slugger's
// fixtures, generated from GitHub's own rendering: "heading with a
// period.txt" -> "heading-with-a-periodtxt"). A heading repeated in a page
// gets -1, -2... (see Anchors).
func Anchor(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r) || unicode.Is(unicode.Pc, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Link is the address of an id's section in docs/checks.md.
func Link(id string) string { return DocURL(DocFile) + "#" + Anchor(id) }

func entry(m check.Meta) Entry {
	return Entry{ID: m.ID, Title: m.Title, Verifies: m.Verifies, Action: m.Action, Area: m.Area,
		Doc: Link(m.ID), Aliases: m.Aliases}
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

// Doc link of an id: its section in docs/checks.md, as an absolute address.
func (Catalog) Doc(id string) string { return Link(Catalog{}.Canonical(id)) }
