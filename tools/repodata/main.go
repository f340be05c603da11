// Command repodata writes the Software Center repository of one build of
// the module (internal/repodata): build-images.sh runs it once the image is
// committed, with the image's description on stdin (`buildah inspect --type
// image <image>`), whose OCIv1.config.Labels are the image's labels.
//
//	buildah inspect --type image <image> | go run ./tools/repodata -metadata ui/dist/metadata.json \
//	    -logo ui/dist/img/module_default_logo.png -source ghcr.io/nethvoice-preflight/nethvoice-preflight \
//	    -tag 1.0.0 -out build/repository
//
// Exit status 1, with the reason on stderr, when an input is not what the
// Software Center accepts (no semver tag, incomplete metadata, no PNG logo).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/repodata"
)

func main() {
	metaPath := flag.String("metadata", "", "the UI's metadata.json")
	logoPath := flag.String("logo", "", "the logo, a PNG of at least 128x128 pixels")
	source := flag.String("source", "", "where the image is published: registry path without tag")
	tag := flag.String("tag", "", "the image's tag, a semantic version")
	out := flag.String("out", "", "the repository directory to write")
	flag.Parse()
	if err := run(*metaPath, *logoPath, *source, *tag, *out, os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "repodata:", err)
		os.Exit(1)
	}
}

func run(metaPath, logoPath, source, tag, out string, inspect io.Reader) error {
	if metaPath == "" || logoPath == "" || source == "" || tag == "" || out == "" {
		return fmt.Errorf("-metadata, -logo, -source, -tag and -out are all needed")
	}
	b, err := os.ReadFile(metaPath)
	if err != nil {
		return err
	}
	meta, err := repodata.ParseMetadata(b)
	if err != nil {
		return err
	}
	logo, err := os.ReadFile(logoPath)
	if err != nil {
		return err
	}
	var image struct {
		OCIv1 struct {
			Config struct {
				Labels map[string]string `json:"Labels"`
			} `json:"config"`
		} `json:"OCIv1"`
	}
	if err := json.NewDecoder(inspect).Decode(&image); err != nil {
		return fmt.Errorf("buildah inspect output on stdin: %w", err)
	}
	labels := image.OCIv1.Config.Labels
	if len(labels) == 0 {
		return fmt.Errorf("buildah inspect output on stdin: the image has no labels")
	}
	e, err := repodata.NewEntry(meta, source, tag, labels)
	if err != nil {
		return err
	}
	return repodata.Write(out, e, meta, logo)
}
