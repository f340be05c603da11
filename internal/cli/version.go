package cli

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Version is the release, set at build time (build-images.sh: go build
// -ldflags "-X .../internal/cli.Version=<tag>"); empty in a development
// build, where the module version and VCS stamp of debug.ReadBuildInfo
// say what was built.
var Version string

// VersionLine is what --version prints: "nethvoice-preflight <version>
// (<commit>[, modified], <go version>)".
func VersionLine() string {
	v, extra := Version, []string{}
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version // go install module@version
		}
		var rev, modified string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			extra = append(extra, "commit "+rev[:min(12, len(rev))])
		}
		if modified == "true" {
			extra = append(extra, "modified")
		}
	}
	if v == "" {
		v = "devel"
	}
	extra = append(extra, runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH)
	return "nethvoice-preflight " + v + " (" + strings.Join(extra, ", ") + ")"
}
