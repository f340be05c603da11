package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	meta := filepath.Join("..", "..", "ui", "public", "metadata.json")
	logo := filepath.Join("..", "..", "ui", "public", "img", "module_default_logo.png")
	const source = "localhost/test/nethvoice-preflight"
	// What `buildah inspect --type image` prints, in part.
	labels := `{"Type":"buildah 0.0.1","OCIv1":{"architecture":"amd64","config":{"Labels":{"org.nethserver.rootfull":"0","org.nethserver.min-core":"3.12.0"}}}}`

	out := t.TempDir()
	if err := run(meta, logo, source, "1.0.0", out, strings.NewReader(labels)); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"repodata.json", "nethvoice-preflight/metadata.json", "nethvoice-preflight/logo.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}

	tests := []struct {
		name, tag, labels, logo, want string
	}{
		{"latest", "latest", labels, logo, "not a semantic version"},
		{"not buildah inspect", "1.0.0", `["a"]`, logo, "buildah inspect output"},
		{"label not a string", "1.0.0", `{"OCIv1":{"config":{"Labels":{"a":1}}}}`, logo, "buildah inspect output"},
		{"no labels", "1.0.0", `{"OCIv1":{"config":{}}}`, logo, "the image has no labels"},
		{"logo not a PNG", "1.0.0", labels, meta, "not a PNG"},
		{"no tag", "", labels, logo, "are all needed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(meta, tc.logo, source, tc.tag, t.TempDir(), strings.NewReader(tc.labels))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one that says %q", err, tc.want)
			}
		})
	}
}
