// Package repodata makes this module's entry of an NS8 Software Center
// repository: the object of repodata.json that the core downloads from
// <repository url>/repodata.json and lists in the Software Center
// (ns8-core cluster/modules.py; format in core/.../repodata-schema.json;
// ns8-native-research.md §5), and the repository directory around it,
// laid out as ns8-repomd's createrepo reads one: <id>/metadata.json,
// <id>/logo.png.
//
// The entry is built from the UI's metadata.json (ns8-core
// docs/modules/metadata.md: the same fields without id, logo and
// versions), the image's semver tag and the image's labels, which the core
// reads from the repository, not from the image (org.nethserver.min-core
// and the others).
package repodata

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/xeipuuv/gojsonschema"
)

// Author is one of metadata.json's authors.
type Author struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Docs are metadata.json's links; the first three are required.
type Docs struct {
	DocumentationURL string `json:"documentation_url"`
	BugURL           string `json:"bug_url"`
	CodeURL          string `json:"code_url"`
	TermsURL         string `json:"terms_url,omitempty"`
	RelnotesURL      string `json:"relnotes_url,omitempty"`
}

// Metadata is ui/public/metadata.json.
type Metadata struct {
	Name         string            `json:"name"`
	UpstreamName string            `json:"upstream_name,omitempty"`
	Description  map[string]string `json:"description"`
	Categories   []string          `json:"categories"`
	Authors      []Author          `json:"authors"`
	Docs         Docs              `json:"docs"`
	Source       string            `json:"source"`
}

// Version is one installable image of the entry: its tag, whether it is a
// pre-release (the core offers those only from a repository flagged
// testing) and every label of the image.
type Version struct {
	Tag     string            `json:"tag"`
	Testing bool              `json:"testing"`
	Labels  map[string]string `json:"labels"`
}

// Entry is one object of repodata.json. The core reads id and screenshots
// unconditionally, although its schema does not require them: both are
// always written.
type Entry struct {
	ID           string            `json:"id"`
	Name         string            `json:"name"`
	UpstreamName string            `json:"upstream_name,omitempty"`
	Description  map[string]string `json:"description"`
	Logo         *string           `json:"logo"`
	Screenshots  []string          `json:"screenshots"`
	Categories   []string          `json:"categories"`
	Authors      []Author          `json:"authors"`
	Docs         Docs              `json:"docs"`
	Source       string            `json:"source"`
	Versions     []Version         `json:"versions"`
}

// LogoFile is the logo's name in <repository>/<id>/, where the core finds
// it (modules.py makes <url>/<id>/<logo>).
const LogoFile = "logo.png"

// semverRe is a SemVer 2.0.0 version (semver.org's grammar) without build
// metadata, which an image tag cannot carry ("+" is not allowed in tags):
// what ns8-repomd's createrepo keeps (semver.VersionInfo.is_valid) and the
// core sorts; "v1.2.3" and "latest" are not versions.
var semverRe = regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)` +
	`(-((0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?$`)

// ValidTag reports whether tag is a SemVer 2.0.0 version an image can be
// tagged with.
func ValidTag(tag string) bool { return semverRe.MatchString(tag) }

// Prerelease reports whether a valid tag is a pre-release (1.0.0-rc.1).
func Prerelease(tag string) bool { return strings.Contains(tag, "-") }

// Categories are the Software Center's categories (the core's
// software_center.app_categories strings); "unknown" hides them.
var Categories = []string{"collaboration", "communication", "core", "database", "development", "documentation",
	"monitoring", "multimedia", "office", "security", "storage", "system_administration", "web"}

// ParseMetadata reads metadata.json and checks what the Software Center
// needs of it.
func ParseMetadata(b []byte) (Metadata, error) {
	var m Metadata
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("metadata.json: %w", err)
	}
	return m, m.check()
}

func (m Metadata) check() error {
	var errs []error
	if strings.TrimSpace(m.Name) == "" {
		errs = append(errs, errors.New("name is empty: it is the name the Software Center shows"))
	}
	if m.Description["en"] == "" {
		errs = append(errs, errors.New("description has no English text (en), the fallback of every language"))
	}
	if len(m.Categories) == 0 {
		errs = append(errs, errors.New("categories is empty"))
	}
	for _, c := range m.Categories {
		if !contains(Categories, c) {
			errs = append(errs, fmt.Errorf("category %q is not one of the Software Center's %v", c, Categories))
		}
	}
	if len(m.Authors) == 0 || m.Authors[0].Name == "" {
		errs = append(errs, errors.New("authors is empty"))
	}
	for k, u := range map[string]string{"documentation_url": m.Docs.DocumentationURL, "bug_url": m.Docs.BugURL, "code_url": m.Docs.CodeURL} {
		if !strings.HasPrefix(u, "https://") {
			errs = append(errs, fmt.Errorf("docs.%s = %q: an https URL is required", k, u))
		}
	}
	return errors.Join(errs...)
}

// CheckSource checks an image repository for the entry's source: a
// registry path with no tag, no digest and no transport prefix.
func CheckSource(source string) error {
	switch {
	case strings.Contains(source, "://"):
		return fmt.Errorf("source %q: no transport prefix (docker://) in a repository entry", source)
	case !strings.Contains(source, "/"):
		return fmt.Errorf("source %q: a registry path such as ghcr.io/org/name is needed", source)
	case strings.ContainsAny(path.Base(source), ":@"):
		return fmt.Errorf("source %q: the versions carry the tags; the source has none", source)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// NewEntry makes the entry of an image built from meta: published at
// source (the registry path without tag; its last element is the id),
// tagged tag, with the image's labels. The logo is LogoFile.
func NewEntry(meta Metadata, source, tag string, labels map[string]string) (Entry, error) {
	if err := meta.check(); err != nil {
		return Entry{}, err
	}
	if err := CheckSource(source); err != nil {
		return Entry{}, err
	}
	if !ValidTag(tag) {
		return Entry{}, fmt.Errorf("tag %q is not a semantic version (such as 1.2.3 or 1.3.0-rc.1): the Software Center ignores other tags", tag)
	}
	logo := LogoFile
	e := Entry{
		ID:           path.Base(source),
		Name:         meta.Name,
		UpstreamName: meta.UpstreamName,
		Description:  meta.Description,
		Logo:         &logo,
		Screenshots:  []string{},
		Categories:   meta.Categories,
		Authors:      meta.Authors,
		Docs:         meta.Docs,
		Source:       source,
		Versions:     []Version{{Tag: tag, Testing: Prerelease(tag), Labels: labels}},
	}
	if e.Versions[0].Labels == nil {
		e.Versions[0].Labels = map[string]string{}
	}
	return e, nil
}

//go:embed repodata.schema.json
var schemaJSON string

// Validate checks a repodata.json document (an array of entries) against
// repodata.schema.json: the core's repodata schema, made stricter where
// the core's code is (id and screenshots present, semver tags, testing
// true exactly for pre-releases, label values strings).
func Validate(doc []byte) error {
	res, err := gojsonschema.Validate(gojsonschema.NewStringLoader(schemaJSON), gojsonschema.NewBytesLoader(doc))
	if err != nil {
		return fmt.Errorf("repodata.json: %w", err)
	}
	var errs []error
	for _, e := range res.Errors() {
		errs = append(errs, errors.New(e.String()))
	}
	var entries []Entry
	if len(errs) == 0 {
		if err := json.Unmarshal(doc, &entries); err != nil {
			return fmt.Errorf("repodata.json: %w", err)
		}
	}
	for _, e := range entries {
		for _, v := range e.Versions {
			if v.Testing != Prerelease(v.Tag) {
				errs = append(errs, fmt.Errorf("%s %s: testing is %v, but the tag is %sa pre-release", e.ID, v.Tag, v.Testing, map[bool]string{true: "", false: "not "}[Prerelease(v.Tag)]))
			}
		}
	}
	return errors.Join(errs...)
}

// CheckLogo checks a logo for the Software Center: a PNG of at least
// 128x128 pixels (ns8-core docs/modules/metadata.md; repositories use
// 256x256).
func CheckLogo(b []byte) error {
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("logo: not a PNG image: %w", err)
	}
	if cfg.Width < 128 || cfg.Height < 128 {
		return fmt.Errorf("logo: %dx%d pixels, at least 128x128 are needed", cfg.Width, cfg.Height)
	}
	return nil
}

// Write lays out a repository with the one entry e in dir, as an NS8
// repository is served (the core fetches <url>/repodata.json, then
// <url>/<id>/logo.png) and as ns8-repomd's createrepo reads one
// (<id>/metadata.json, <id>/logo.png): dir/repodata.json, dir/<id>/
// metadata.json (meta, with e's source: where this build is published)
// and dir/<id>/logo.png. The document is validated before it is written.
func Write(dir string, e Entry, meta Metadata, logo []byte) error {
	if err := CheckLogo(logo); err != nil {
		return err
	}
	doc, err := json.MarshalIndent([]Entry{e}, "", "  ")
	if err != nil {
		return err
	}
	if err := Validate(doc); err != nil {
		return err
	}
	meta.Source = e.Source
	metaDoc, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{
		{path.Join(e.ID, "metadata.json"), append(metaDoc, '\n')},
		{path.Join(e.ID, LogoFile), logo},
		{"repodata.json", append(doc, '\n')},
	}
	for _, f := range files {
		if err := writeFile(dir, f.name, f.data); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes name (slash-separated, under dir) with mode 0644,
// creating its directories.
func writeFile(dir, name string, data []byte) error {
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, data, 0o644)
}
