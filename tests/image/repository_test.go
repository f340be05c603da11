package image_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/repodata"
)

// TestImageTag checks the version build-images.sh tags the image with: a
// semantic version, never "latest" (the Software Center keeps semver tags
// only, add-module needs a tag). It needs neither buildah nor a build:
// --print-tag stops there.
func TestImageTag(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	printTag := func(env ...string) (string, string, error) {
		cmd := exec.Command(filepath.Join(root, "build-images.sh"), "--print-tag")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), env...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return strings.TrimSpace(stdout.String()), stderr.String(), err
	}

	// Default: the release of HEAD's git tag, else a pre-release of VERSION.
	version, err := os.ReadFile(filepath.Join(root, "VERSION"))
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSpace(string(version))
	if !repodata.ValidTag(base) || repodata.Prerelease(base) {
		t.Fatalf("VERSION = %q, want a release version such as 1.2.3", base)
	}
	tag, stderr, err := printTag("IMAGETAG=")
	if err != nil {
		t.Fatalf("build-images.sh --print-tag: %v\n%s", err, stderr)
	}
	if !repodata.ValidTag(tag) {
		t.Errorf("default tag %q is not a semantic version", tag)
	}
	exact, _ := exec.Command("git", "-C", root, "describe", "--tags", "--exact-match", "HEAD").Output()
	if release := strings.TrimSpace(string(exact)); release != "" && repodata.ValidTag(release) {
		if tag != release {
			t.Errorf("HEAD is tagged %s, the image tag is %s", release, tag)
		}
	} else if !strings.HasPrefix(tag, base+"-dev.") {
		t.Errorf("untagged HEAD: tag %q, want a pre-release of VERSION (%s-dev.<n>...)", tag, base)
	}

	// IMAGETAG: taken as it is when it is a version, refused otherwise.
	if tag, stderr, err := printTag("IMAGETAG=1.4.0-rc.2"); err != nil || tag != "1.4.0-rc.2" {
		t.Errorf("IMAGETAG=1.4.0-rc.2: tag %q, err %v\n%s", tag, err, stderr)
	}
	for _, bad := range []string{"latest", "v1.2.3", "1.2", "1.2.3+build"} {
		tag, stderr, err := printTag("IMAGETAG=" + bad)
		if err == nil || tag != "" || !strings.Contains(stderr, "is not a semantic version") {
			t.Errorf("IMAGETAG=%s: accepted as %q (err %v, stderr %q)", bad, tag, err, stderr)
		}
	}
}

// checkRepository checks the Software Center repository the build wrote:
// repodata.json with one entry that validates (internal/repodata's schema,
// the core's made stricter), whose source is where the image was
// published, whose only version is the image's tag with exactly the
// image's labels; the entry's metadata.json and logo as the core and
// ns8-repomd's createrepo read them.
func checkRepository(t *testing.T, dir, source, tag string, labels map[string]string, root string) {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join(dir, "repodata.json"))
	if err != nil {
		t.Errorf("the build wrote no repodata.json: %v", err)
		return
	}
	if err := repodata.Validate(doc); err != nil {
		t.Errorf("repodata.json does not validate: %v\n%s", err, doc)
	}
	var entries []repodata.Entry
	if err := json.Unmarshal(doc, &entries); err != nil || len(entries) != 1 {
		t.Fatalf("repodata.json: want one entry, got %d (%v)", len(entries), err)
	}
	e := entries[0]
	if e.ID != "nethvoice-preflight" || e.Source != source {
		t.Errorf("entry id %q source %q, want nethvoice-preflight at %s", e.ID, e.Source, source)
	}
	meta, err := repodata.ParseMetadata(mustRead(t, filepath.Join(root, "ui", "public", "metadata.json")))
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != meta.Name || !reflect.DeepEqual(e.Description, meta.Description) || !reflect.DeepEqual(e.Categories, meta.Categories) {
		t.Errorf("entry %q %v %v differs from metadata.json", e.Name, e.Description, e.Categories)
	}
	if len(e.Versions) != 1 {
		t.Fatalf("versions = %+v, want the built one", e.Versions)
	}
	v := e.Versions[0]
	if v.Tag != tag || !v.Testing {
		t.Errorf("version %s testing %v, want %s, a pre-release", v.Tag, v.Testing, tag)
	}
	if !reflect.DeepEqual(v.Labels, labels) {
		t.Errorf("version labels %v, want the image's %v", v.Labels, labels)
	}
	if v.Labels["org.nethserver.min-core"] == "" {
		t.Error("no org.nethserver.min-core in the entry: the Software Center reads it from there")
	}
	// <id>/metadata.json says where this build is; <id>/logo.png is the logo.
	m, err := repodata.ParseMetadata(mustRead(t, filepath.Join(dir, e.ID, "metadata.json")))
	if err != nil || m.Source != source || m.Name != meta.Name {
		t.Errorf("%s/metadata.json: %+v (%v)", e.ID, m, err)
	}
	if e.Logo == nil || *e.Logo != "logo.png" {
		t.Errorf("logo = %v, want logo.png", e.Logo)
	} else if err := repodata.CheckLogo(mustRead(t, filepath.Join(dir, e.ID, *e.Logo))); err != nil {
		t.Errorf("%s/%s: %v", e.ID, *e.Logo, err)
	}
}

// checkBackupDecision checks imageroot/etc/state-include.conf when the
// module has one (the NS8 backup takes only what it lists: ns8-native-
// research.md §3): shipped in the image, and every path under state/ or
// volumes/ (restic runs in /srv, where nothing else exists), the file
// ending with a newline (the core's restore misreads an unterminated last
// volumes/ line).
func checkBackupDecision(t *testing.T, files map[string]entry, root string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(root, "imageroot", "etc", "state-include.conf"))
	if os.IsNotExist(err) {
		t.Log("no imageroot/etc/state-include.conf: the backup decision is not checked")
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	e, ok := files["/imageroot/etc/state-include.conf"]
	if !ok || !e.isRegular() || !bytes.Equal(e.data, src) {
		t.Error("/imageroot/etc/state-include.conf is not in the image as in the repository")
	}
	if len(src) > 0 && !bytes.HasSuffix(src, []byte("\n")) {
		t.Error("state-include.conf does not end with a newline")
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(line, "state/") && !strings.HasPrefix(line, "volumes/") {
			t.Errorf("state-include.conf:%d: %q is neither under state/ nor volumes/", n, line)
		}
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
