package catalog

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// docs/checks.md and the catalogue must list the same ids, each with a
// heading whose anchor is the one findings link to.
func TestDocsMatchCatalogue(t *testing.T) {
	raw, err := os.ReadFile("../../" + DocFile)
	if err != nil {
		t.Fatal(err)
	}
	headings := regexp.MustCompile(`(?m)^### ([a-z0-9.-]+)\s*$`).FindAllStringSubmatch(string(raw), -1)
	documented := map[string]bool{}
	for _, h := range headings {
		documented[h[1]] = true
	}
	for _, e := range All() {
		if !documented[e.ID] {
			t.Errorf("%s is in the catalogue but has no '### %s' heading in %s", e.ID, e.ID, DocFile)
		}
		delete(documented, e.ID)
	}
	for id := range documented {
		t.Errorf("%s is documented in %s but not in the catalogue", id, DocFile)
	}
}

func TestEntriesWellFormed(t *testing.T) {
	idRe := regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)
	seen := map[string]bool{}
	for _, e := range All() {
		for _, id := range append([]string{e.ID}, e.Aliases...) {
			if !idRe.MatchString(id) {
				t.Errorf("id %q is not lower-case dotted", id)
			}
			if seen[id] {
				t.Errorf("id %q appears twice", id)
			}
			seen[id] = true
		}
		if e.Title == "" || e.Verifies == "" || e.Action == "" || !strings.HasPrefix(e.Doc, DocFile+"#") {
			t.Errorf("incomplete entry %+v", e)
		}
	}
}

func TestAliasResolves(t *testing.T) {
	saved := entries
	defer func() { entries = saved; byID = index(entries) }()
	entries = append([]Entry{}, saved...)
	entries[0].Aliases = []string{"old.name"}
	byID = index(entries)
	c := Catalog{}
	if c.Canonical("old.name") != entries[0].ID || c.Order("old.name") != 0 {
		t.Fatal("alias not resolved")
	}
	if c.Canonical("no.such") != "no.such" || c.Order("no.such") != len(entries) {
		t.Fatal("unknown id mishandled")
	}
}
