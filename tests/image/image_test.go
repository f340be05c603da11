// Package image_test builds the module image with ../../build-images.sh and
// checks what an NS8 node would get from it: the org.nethserver.* labels, the
// files of the image layers (the node extracts /imageroot and /ui from
// them), read straight from the layer tarballs, and the Software Center
// repository the build writes next to it (repodata.json and its files).
//
// It needs buildah (vfs storage, no daemon), go and node on the machine. It is
// skipped when buildah is missing, except in CI (CI set), where it fails.
package image_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// buildah runs every command with this storage driver, like build-images.sh.
var buildahArgs = []string{"--storage-driver", "vfs"}

// semverRe matches the versions org.nethserver.min-core accepts, e.g. 3.12.0
// or 3.17.0-0.
var semverRe = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

func TestImage(t *testing.T) {
	if _, err := exec.LookPath("buildah"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("buildah is not installed, and CI is set: the test command must install it (%v)", err)
		}
		t.Skip("buildah is not installed: skipping the image build test (install buildah, or set CI to make this a failure)")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}

	repobase := "localhost/nvpf-test"
	// A pre-release of 0.0.0: a semver tag that no release will ever have.
	tag := fmt.Sprintf("0.0.0-test.%d", os.Getpid())
	image := repobase + "/nethvoice-preflight:" + tag
	repodir := filepath.Join(t.TempDir(), "repository")
	t.Cleanup(func() { removeImage(t, image) })

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	// --- build ---
	start := time.Now()
	cmd := exec.CommandContext(ctx, filepath.Join(root, "build-images.sh"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "REPOBASE="+repobase, "IMAGETAG="+tag, "REPODIR="+repodir)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("build-images.sh: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	t.Logf("build-images.sh took %s", time.Since(start).Round(time.Millisecond))
	if got := lastLine(stdout.String()); got != image {
		t.Fatalf("build-images.sh: last stdout line = %q, want the image name %q\nstderr:\n%s", got, image, stderr.String())
	}

	// The binary says which release it is: the image's tag.
	if out, err := exec.Command(filepath.Join(root, "imageroot", "bin", "nethvoice-preflight"), "--version").Output(); err != nil ||
		!strings.HasPrefix(string(out), "nethvoice-preflight "+tag+" (") {
		t.Errorf("--version: %v %q, want the tag %s", err, out, tag)
	}

	// --- labels and config ---
	cfg := inspectImage(ctx, t, image)
	checkConfig(t, cfg)
	if got := cfg.Labels["org.opencontainers.image.version"]; got != tag {
		t.Errorf("label org.opencontainers.image.version = %q, want the tag %q", got, tag)
	}
	checkRepository(t, repodir, repobase+"/nethvoice-preflight", tag, cfg.Labels, root)

	// --- contents ---
	dir := filepath.Join(t.TempDir(), "image")
	if out, err := buildah(ctx, "push", "--quiet", image, "dir:"+dir); err != nil {
		t.Fatalf("buildah push %s dir:%s: %v\n%s", image, dir, err, out)
	}
	files := readImageFiles(t, dir)
	checkImageroot(t, files, cfg.Architecture)
	checkUI(t, files, root)
	checkBackupDecision(t, files, root)
	t.Logf("image %s: %d entries; test body took %s", image, len(files), time.Since(start).Round(time.Millisecond))
}

// imageConfig is the part of `buildah inspect --type image` the test reads.
type imageConfig struct {
	Architecture string
	OS           string
	Entrypoint   []string
	Labels       map[string]string
}

func inspectImage(ctx context.Context, t *testing.T, image string) imageConfig {
	t.Helper()
	out, err := buildah(ctx, "inspect", "--type", "image", image)
	if err != nil {
		t.Fatalf("buildah inspect %s: %v\n%s", image, err, out)
	}
	var doc struct {
		OCIv1 struct {
			Architecture string `json:"architecture"`
			OS           string `json:"os"`
			Config       struct {
				Entrypoint []string          `json:"Entrypoint"`
				Labels     map[string]string `json:"Labels"`
			} `json:"config"`
		} `json:"OCIv1"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("buildah inspect %s: bad JSON: %v", image, err)
	}
	return imageConfig{
		Architecture: doc.OCIv1.Architecture,
		OS:           doc.OCIv1.OS,
		Entrypoint:   doc.OCIv1.Config.Entrypoint,
		Labels:       doc.OCIv1.Config.Labels,
	}
}

func checkConfig(t *testing.T, cfg imageConfig) {
	t.Helper()
	t.Logf("labels: %v", cfg.Labels)
	if got := cfg.Labels["org.nethserver.rootfull"]; got != "0" {
		t.Errorf("label org.nethserver.rootfull = %q, want \"0\" (rootless module)", got)
	}
	minCore, ok := cfg.Labels["org.nethserver.min-core"]
	if !ok || !semverRe.MatchString(minCore) {
		t.Errorf("label org.nethserver.min-core = %q (present %v), want a semver such as 3.12.0", minCore, ok)
	}
	// Least privilege: the module reads Redis keys open to every module and
	// calls no other agent, so it asks for no role; it listens on nothing.
	for _, absent := range []string{
		"org.nethserver.authorizations",
		"org.nethserver.tcp-ports-demand",
		"org.nethserver.udp-ports-demand",
	} {
		if v, ok := cfg.Labels[absent]; ok {
			t.Errorf("label %s = %q is set; the module needs none", absent, v)
		}
	}
	if len(cfg.Entrypoint) != 1 || cfg.Entrypoint[0] != "/" {
		t.Errorf("entrypoint = %q, want [\"/\"]", cfg.Entrypoint)
	}
	if cfg.OS != "linux" {
		t.Errorf("image os = %q, want linux", cfg.OS)
	}
}

// entry is one file of the image's merged layers.
type entry struct {
	typeflag byte
	mode     int64
	data     []byte
}

func (e entry) isDir() bool     { return e.typeflag == tar.TypeDir }
func (e entry) isRegular() bool { return e.typeflag == tar.TypeReg }
func (e entry) isExec() bool    { return e.isRegular() && e.mode&0o111 != 0 }

// readImageFiles merges the layers of an image written by
// `buildah push <image> dir:<dir>` into a map of clean absolute paths.
func readImageFiles(t *testing.T, dir string) map[string]entry {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Layers []struct {
			MediaType string `json:"mediaType"`
			Digest    string `json:"digest"`
		} `json:"layers"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatalf("manifest.json: %v", err)
	}
	if len(manifest.Layers) == 0 {
		t.Fatal("manifest.json: the image has no layers")
	}
	files := map[string]entry{}
	for _, layer := range manifest.Layers {
		_, hex, ok := strings.Cut(layer.Digest, ":")
		if !ok {
			t.Fatalf("manifest.json: bad layer digest %q", layer.Digest)
		}
		if err := readLayer(filepath.Join(dir, hex), files); err != nil {
			t.Fatalf("layer %s (%s): %v", layer.Digest, layer.MediaType, err)
		}
	}
	return files
}

// readLayer applies one layer tarball (gzip-compressed or not) to files,
// honouring OCI whiteouts.
func readLayer(name string, files map[string]entry) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return err
		}
		defer zr.Close()
		r = zr
	}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		p := path.Clean("/" + hdr.Name)
		dirName, base := path.Split(p)
		switch {
		case base == ".wh..wh..opq":
			prefix := path.Clean(dirName) + "/"
			for k := range files {
				if strings.HasPrefix(k, prefix) {
					delete(files, k)
				}
			}
			continue
		case strings.HasPrefix(base, ".wh."):
			gone := path.Join(dirName, strings.TrimPrefix(base, ".wh."))
			for k := range files {
				if k == gone || strings.HasPrefix(k, gone+"/") {
					delete(files, k)
				}
			}
			continue
		}
		e := entry{typeflag: hdr.Typeflag, mode: hdr.Mode}
		if hdr.Typeflag == tar.TypeReg {
			if e.data, err = io.ReadAll(tr); err != nil {
				return fmt.Errorf("%s: %w", hdr.Name, err)
			}
		}
		files[p] = e
	}
}

func checkImageroot(t *testing.T, files map[string]entry, arch string) {
	t.Helper()

	// The binary: present, executable, static.
	bin, ok := files["/imageroot/bin/nethvoice-preflight"]
	switch {
	case !ok:
		t.Error("/imageroot/bin/nethvoice-preflight is missing")
	case !bin.isExec():
		t.Errorf("/imageroot/bin/nethvoice-preflight: not an executable regular file (type %q, mode %o)", bin.typeflag, bin.mode)
	default:
		checkStaticELF(t, bin.data, arch)
	}

	// Actions: every directory is a full action with an input schema and a
	// step, but create-module and restore-module: they hold steps that run
	// with the core's own steps of those actions.
	var actions []string
	for p, e := range files {
		if e.isDir() && path.Dir(p) == "/imageroot/actions" {
			actions = append(actions, path.Base(p))
		}
	}
	sort.Strings(actions)
	if len(actions) == 0 {
		t.Error("/imageroot/actions/ holds no action")
	}
	t.Logf("actions: %v", actions)
	for _, action := range actions {
		dir := "/imageroot/actions/" + action
		var steps []string
		for p, e := range files {
			if path.Dir(p) != dir {
				continue
			}
			if strings.HasSuffix(p, ".json") {
				var v any
				if err := json.Unmarshal(e.data, &v); err != nil {
					t.Errorf("%s: not valid JSON: %v", p, err)
				}
				continue
			}
			if e.isExec() {
				steps = append(steps, path.Base(p))
			}
		}
		if len(steps) == 0 {
			t.Errorf("%s: no executable step", dir)
		}
		if action == "create-module" || action == "restore-module" {
			continue
		}
		if in, ok := files[dir+"/validate-input.json"]; !ok || !in.isRegular() {
			t.Errorf("%s/validate-input.json is missing", dir)
		}
	}

	// The update step and the backup's include list (issue 14).
	if e, ok := files["/imageroot/update-module.d/20move_state"]; !ok || !e.isExec() {
		t.Error("/imageroot/update-module.d/20move_state is missing or not executable")
	}
	if e, ok := files["/imageroot/etc/state-include.conf"]; !ok || !e.isRegular() || !bytes.Contains(e.data, []byte("\nstate/preflight\n")) {
		t.Error("/imageroot/etc/state-include.conf is missing or does not keep state/preflight")
	}

	if e, ok := files["/imageroot/validator-definitions.json"]; !ok || !e.isRegular() {
		t.Error("/imageroot/validator-definitions.json is missing")
	} else {
		var v any
		if err := json.Unmarshal(e.data, &v); err != nil {
			t.Errorf("/imageroot/validator-definitions.json: not valid JSON: %v", err)
		}
	}

	// Build leftovers stay out of the image.
	for p := range files {
		if path.Base(p) == ".gitignore" {
			t.Errorf("%s: .gitignore shipped in the image", p)
		}
	}
}

// checkStaticELF fails unless data is an ELF executable with no dynamic
// interpreter and no shared library, built for the image's architecture.
func checkStaticELF(t *testing.T, data []byte, arch string) {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Errorf("/imageroot/bin/nethvoice-preflight: not an ELF file: %v", err)
		return
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			t.Error("/imageroot/bin/nethvoice-preflight: dynamically linked (has a PT_INTERP program header); build with CGO_ENABLED=0")
		}
	}
	if libs, err := f.ImportedLibraries(); err == nil && len(libs) > 0 {
		t.Errorf("/imageroot/bin/nethvoice-preflight: needs shared libraries %v", libs)
	}
	want := map[string]elf.Machine{
		"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386,
		"arm": elf.EM_ARM, "riscv64": elf.EM_RISCV, "ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390,
	}
	if m, ok := want[arch]; ok && f.Machine != m {
		t.Errorf("/imageroot/bin/nethvoice-preflight: machine %v, but the image architecture is %s", f.Machine, arch)
	}
}

func checkUI(t *testing.T, files map[string]entry, root string) {
	t.Helper()
	if e, ok := files["/ui/index.html"]; !ok || !e.isRegular() {
		t.Error("/ui/index.html is missing")
	}

	meta, ok := files["/ui/metadata.json"]
	if !ok || !meta.isRegular() {
		t.Error("/ui/metadata.json is missing")
	} else {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(meta.data, &m); err != nil {
			t.Errorf("/ui/metadata.json: not a JSON object: %v", err)
		}
		for _, key := range []string{"name", "description", "categories", "authors", "docs", "source"} {
			if _, ok := m[key]; !ok {
				t.Errorf("/ui/metadata.json: key %q is missing", key)
			}
		}
		var typed struct {
			Name        string            `json:"name"`
			Description map[string]string `json:"description"`
			Categories  []string          `json:"categories"`
			Source      string            `json:"source"`
		}
		if err := json.Unmarshal(meta.data, &typed); err != nil {
			t.Errorf("/ui/metadata.json: unexpected shape: %v", err)
		} else {
			// The name the Software Center shows: a display name, not the id.
			if strings.TrimSpace(typed.Name) == "" || typed.Name == "nethvoice-preflight" {
				t.Errorf("/ui/metadata.json: name = %q, want a display name", typed.Name)
			}
			if typed.Description["en"] == "" {
				t.Error("/ui/metadata.json: no English description")
			}
			if len(typed.Categories) == 0 {
				t.Error("/ui/metadata.json: no category")
			}
			// source is an image repository without a tag.
			if !strings.Contains(typed.Source, "/") || strings.Contains(path.Base(typed.Source), ":") {
				t.Errorf("/ui/metadata.json: source = %q, want an image repository without tag", typed.Source)
			}
		}
	}

	if src, err := os.ReadFile(filepath.Join(root, "ui", "public", "metadata.json")); err != nil || !bytes.Equal(src, meta.data) {
		t.Errorf("/ui/metadata.json differs from ui/public/metadata.json (%v)", err)
	}

	// The core finds the logo with the glob apps/<id>/img/*logo*png.
	var logos []string
	for p, e := range files {
		if ok, _ := path.Match("/ui/img/*logo*png", p); ok && e.isRegular() {
			logos = append(logos, p)
		}
	}
	if len(logos) == 0 {
		t.Error("no /ui/img/*logo*png in the image")
	}
	for _, p := range logos {
		if !bytes.HasPrefix(files[p].data, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("%s: not a PNG file", p)
		}
	}
}

// buildah runs buildah with vfs storage and returns its combined output.
func buildah(ctx context.Context, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "buildah", append(append([]string{}, buildahArgs...), args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return append(stdout.Bytes(), stderr.Bytes()...), err
	}
	return stdout.Bytes(), nil
}

// removeImage removes the containers made from image, then the image.
func removeImage(t *testing.T, image string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if out, err := buildah(ctx, "containers", "--json"); err == nil {
		var containers []struct {
			ID        string `json:"id"`
			ImageName string `json:"imagename"`
		}
		if json.Unmarshal(out, &containers) == nil {
			for _, c := range containers {
				if c.ImageName == image {
					if out, err := buildah(ctx, "rm", c.ID); err != nil {
						t.Logf("cleanup: buildah rm %s: %v\n%s", c.ID, err, out)
					}
				}
			}
		}
	}
	if _, err := buildah(ctx, "inspect", "--type", "image", image); err != nil {
		return // never built, or already gone
	}
	if out, err := buildah(ctx, "rmi", "--force", image); err != nil {
		t.Errorf("cleanup: buildah rmi %s: %v\n%s", image, err, out)
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
