package ui

import (
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/tests/harness"
)

// TestExportMarkdown runs the unit tests of the report export
// (export.test.mjs: ui/src/lib/export.js on recorded-like data, against a
// golden file) with node's test runner. It needs node only.
func TestExportMarkdown(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found: the UI's unit tests run with node")
	}
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// The UI's sources are ES modules in a package without "type":
	// module detection makes node load them as such.
	cmd := exec.CommandContext(ctx, node, "--experimental-detect-module", "--test", "--test-reporter=spec", "export.test.mjs")
	cmd.Dir = filepath.Join(root, "tests", "ui")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test export.test.mjs: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// neverFetched are the hosts whose URLs the built JavaScript may contain
// because nothing fetches them: XML namespace names (SVG, XLink, XHTML),
// links in library error messages and license comments, and the
// documentation links metadata.json gives the admin to click.
var neverFetched = map[string]string{
	"www.w3.org": "XML namespace names",
	"feross.org": "license comment of the buffer polyfill",
	"git.io":     "link in a library error message",
	"bit.ly":     "link in a library error message",
	"github.com": "documentation links (metadata.json) and library messages",
}

var (
	cssURL   = regexp.MustCompile(`url\(\s*['"]?([^'")\s]+)`)
	cssImp   = regexp.MustCompile(`@import\s+['"]([^'"]+)`)
	htmlRef  = regexp.MustCompile(`(?i)\s(?:src|href)\s*=\s*["']?([^"'\s>]+)`)
	absURL   = regexp.MustCompile(`^(?i)(?:[a-z][a-z0-9+.-]*:)?//`)
	jsURL    = regexp.MustCompile(`https?://[A-Za-z0-9.-]+`)
	dataOrJS = regexp.MustCompile(`^(?i)(data|blob|about|javascript|mailto):`)
)

// TestDistStaysInCluster reads the built UI (ui/dist) for anything the
// browser would fetch from outside the cluster: an absolute URL in a
// stylesheet (fonts, images, imports) or in index.html, and in the
// JavaScript any URL host but those known never to be fetched. The browser
// tests (TestBrowser) also block and report every request that leaves the
// test server at run time.
func TestDistStaysInCluster(t *testing.T) {
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	dist := filepath.Join(root, "ui", "dist")
	if !vueBuild(dist) {
		t.Fatalf("%s is not the built UI: run `npm --prefix ui ci && npm --prefix ui run build` (tests/run.sh does)", dist)
	}
	seen := map[string]bool{}
	err = filepath.WalkDir(dist, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dist, p)
		switch filepath.Ext(p) {
		case ".css":
			checkRefs(t, rel, cssURL.FindAllSubmatch(b, -1), cssImp.FindAllSubmatch(b, -1))
		case ".html":
			checkRefs(t, rel, htmlRef.FindAllSubmatch(b, -1))
		case ".js":
			for _, m := range jsURL.FindAll(b, -1) {
				u, err := url.Parse(string(m))
				if err != nil {
					t.Errorf("%s: unreadable URL %q", rel, m)
					continue
				}
				seen[u.Host] = true
				if _, ok := neverFetched[u.Host]; !ok {
					t.Errorf("%s: URL of %s: the page may fetch it from outside the cluster (or add it to neverFetched, with the reason, once checked)", rel, m)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	hosts := make([]string, 0, len(seen))
	for h := range seen {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	t.Logf("URL hosts in the JavaScript (never fetched): %s", strings.Join(hosts, " "))
}

// checkRefs fails on a reference that leaves the cluster: an absolute URL.
// Paths of the page's own server (/cluster-admin/css/core.css) and
// relative ones are fine.
func checkRefs(t *testing.T, file string, groups ...[][][]byte) {
	t.Helper()
	for _, g := range groups {
		for _, m := range g {
			ref := string(m[1])
			if dataOrJS.MatchString(ref) {
				continue
			}
			if absURL.MatchString(ref) {
				t.Errorf("%s: %q is fetched from outside the cluster", file, ref)
			}
		}
	}
}

// TestItalianCoversEnglish checks that every English string of the page has
// an Italian one (Italian has more: the check titles, which English takes
// from the binary).
func TestItalianCoversEnglish(t *testing.T) {
	root, err := harness.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	keys := func(lang string) map[string]bool {
		b, err := os.ReadFile(filepath.Join(root, "ui", "public", "i18n", lang, "translation.json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		out := map[string]bool{}
		var walk func(prefix string, v any)
		walk = func(prefix string, v any) {
			if m, ok := v.(map[string]any); ok {
				for k, x := range m {
					walk(prefix+k+".", x)
				}
				return
			}
			out[strings.TrimSuffix(prefix, ".")] = true
		}
		walk("", doc)
		return out
	}
	en, it := keys("en"), keys("it")
	for k := range en {
		if !it[k] {
			t.Errorf("%s has no Italian string", k)
		}
	}
}
