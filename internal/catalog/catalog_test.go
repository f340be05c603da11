package catalog

import (
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
)

var update = flag.Bool("update", false, "rewrite the generated docs from the code")

// docs/checks.md and docs/ns7-commands.md are generated from the checks'
// declarations and the probe's command table: a change to either that is
// not in the pages (or an edit of a page by hand) fails here.
func TestDocs(t *testing.T) {
	want := generated(t, DocFile, Markdown)
	generated(t, CommandsDocFile, CommandsMarkdown)
	generated(t, KnownIssuesDocFile, KnownIssuesMarkdown)
	// Every heading a finding links to exists.
	for _, e := range All() {
		if !strings.Contains(want, "\n### "+e.ID+"\n") {
			t.Errorf("no heading for %s", e.ID)
		}
	}
}

func generated(t *testing.T, file string, gen func() (string, error)) string {
	t.Helper()
	want, err := gen()
	if err != nil {
		t.Fatal(err)
	}
	path := "../../" + file
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is not what the code declares: run go test ./internal/catalog -run TestDocs -update", file)
	}
	return want
}

func TestEntriesWellFormed(t *testing.T) {
	idRe := regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)
	areas := map[check.Area]bool{}
	for _, a := range check.Areas {
		areas[a] = true
	}
	seen := map[string]bool{}
	for _, m := range Metas() {
		for _, id := range append([]string{m.ID}, m.Aliases...) {
			if !idRe.MatchString(id) {
				t.Errorf("id %q is not lower-case dotted", id)
			}
			if seen[id] {
				t.Errorf("id %q appears twice", id)
			}
			seen[id] = true
		}
		if m.Title == "" || m.Verifies == "" || m.Doc == "" || m.Action == "" {
			t.Errorf("incomplete declaration of %s: %+v", m.ID, m)
		}
		if !areas[m.Area] {
			t.Errorf("%s: area %q is none of %v", m.ID, m.Area, check.Areas)
		}
	}
}

// The admin page groups findings by area and translates titles: every
// area needs a group heading in each language, every id an Italian title
// (English titles come from the report itself).
func TestUITranslations(t *testing.T) {
	type translation struct {
		Group      map[string]string `json:"group"`
		CheckTitle map[string]string `json:"check_title"`
	}
	read := func(lang string) translation {
		raw, err := os.ReadFile("../../ui/public/i18n/" + lang + "/translation.json")
		if err != nil {
			t.Fatal(err)
		}
		var tr translation
		if err := json.Unmarshal(raw, &tr); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	en, it := read("en"), read("it")
	// The page lists the groups in the areas' order.
	js, err := os.ReadFile("../../ui/src/lib/checklist.js")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`export const GROUPS = \[([^\]]*)\]`).FindSubmatch(js)
	var groups []check.Area
	if m == nil || json.Unmarshal([]byte("["+string(m[1])+"]"), &groups) != nil || !slices.Equal(groups, check.Areas) {
		t.Errorf("ui/src/lib/checklist.js GROUPS is not %q", check.Areas)
	}
	for _, a := range check.Areas {
		if en.Group[string(a)] == "" || it.Group[string(a)] == "" {
			t.Errorf("area %s has no group heading in en or it (group.%s)", a, a)
		}
	}
	for _, m := range Metas() {
		key := strings.ReplaceAll(m.ID, ".", "_")
		if it.CheckTitle[key] == "" {
			t.Errorf("%s has no Italian title: add check_title.%s to ui/public/i18n/it/translation.json", m.ID, key)
		}
	}
}

func TestAliasResolves(t *testing.T) {
	saved := metas
	defer func() { metas = saved; byID = index(metas) }()
	metas = append([]check.Meta{}, saved...)
	metas[0].Aliases = []string{"old.name"}
	byID = index(metas)
	c := Catalog{}
	if c.Canonical("old.name") != metas[0].ID || c.Order("old.name") != 0 {
		t.Fatal("alias not resolved")
	}
	if c.Canonical("no.such") != "no.such" || c.Order("no.such") != len(metas) {
		t.Fatal("unknown id mishandled")
	}
}

// Anchor follows GitHub's rule for heading anchors (github-slugger's
// fixtures, generated from GitHub's rendering): dots and other punctuation
// dropped, hyphens and underscores kept, spaces made hyphens.
func TestAnchorIsGitHubs(t *testing.T) {
	for _, c := range []struct{ heading, want string }{
		{"heading with a period.txt", "heading-with-a-periodtxt"},
		{"exchange.bind_headers(exchange, routing [, bindCallback])", "exchangebind_headersexchange-routing--bindcallback"},
		{"heading with a - dash", "heading-with-a---dash"},
		{"Привет non-latin 你好", "привет-non-latin-你好"},
		{"node.cpu", "nodecpu"},
		{"fqdn.points-to-node", "fqdnpoints-to-node"},
		{"check-node", "check-node"},
	} {
		if got := Anchor(c.heading); got != c.want {
			t.Errorf("Anchor(%q) = %q, want %q", c.heading, got, c.want)
		}
	}
}

// headingAnchors are the anchors GitHub gives the headings of a Markdown
// page, in order, a repeated one suffixed -1, -2... as GitHub does.
func headingAnchors(page string) map[string]string {
	out := map[string]string{}
	count := map[string]int{}
	inFence := false
	for _, line := range strings.Split(page, "\n") {
		if strings.HasPrefix(line, "```") {
			inFence = !inFence
		}
		m := regexp.MustCompile(`^#{1,6} +(.*?) *#*$`).FindStringSubmatch(line)
		if inFence || m == nil {
			continue
		}
		a := Anchor(m[1])
		if n := count[a]; n > 0 {
			count[a]++
			a = a + "-" + strconv.Itoa(n)
		} else {
			count[a] = 1
		}
		out[a] = m[1]
	}
	return out
}

// Every doc link of a finding and of list-checks is an absolute address
// of docs/checks.md whose anchor is the one GitHub gives the id's heading
// in the page as generated.
func TestDocLinksMatchTheHeadings(t *testing.T) {
	page, err := Markdown()
	if err != nil {
		t.Fatal(err)
	}
	anchors := headingAnchors(page)
	prefix := RepoURL + "/blob/main/" + DocFile + "#"
	for _, e := range All() {
		for _, link := range []string{e.Doc, (Catalog{}).Doc(e.ID)} {
			anchor, ok := strings.CutPrefix(link, prefix)
			if !ok {
				t.Errorf("%s: link %q is not under %s", e.ID, link, prefix)
				continue
			}
			if heading := anchors[anchor]; heading != e.ID {
				t.Errorf("%s: anchor #%s leads to heading %q", e.ID, anchor, heading)
			}
		}
	}
}

// RepoURL is the project's public repository as the Go module path and the
// admin UI's metadata name it.
func TestRepoURLIsTheProjects(t *testing.T) {
	mod, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(mod), "module "+strings.TrimPrefix(RepoURL, "https://")+"\n") {
		t.Errorf("go.mod's module path is not %s", RepoURL)
	}
	raw, err := os.ReadFile("../../ui/public/metadata.json")
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		Docs map[string]string `json:"docs"`
	}
	if err := json.Unmarshal(raw, &meta); err != nil || meta.Docs["code_url"] != RepoURL {
		t.Errorf("metadata.json docs.code_url %q, want %s (%v)", meta.Docs["code_url"], RepoURL, err)
	}
}
