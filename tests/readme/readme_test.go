// Package readme holds the tests of what the README tells a new user: its
// run command, run as written, shows the whole job; its links stay inside
// the repository.
package readme

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const root = "../.."

// codeBlock returns the first ```sh block after the heading of a section.
func codeBlock(t *testing.T, readme, heading string) string {
	t.Helper()
	i := strings.Index(readme, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no %q section", heading)
	}
	m := regexp.MustCompile("(?s)```sh\n(.*?)\n```").FindStringSubmatch(readme[i:])
	if m == nil {
		t.Fatalf("no sh block under %q", heading)
	}
	return strings.TrimSpace(m[1])
}

func readme(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// The README's run command, as written, in a fresh state directory: it
// shows every area judged (NS7 probed, not skipped), a mix of verdicts and
// what to fix, and no line wider than 120 columns.
func TestRunCommandAsWritten(t *testing.T) {
	cmdline := codeBlock(t, readme(t), "## Try it")
	if strings.Contains(cmdline, "\n") {
		t.Fatalf("the run command is one line: %q", cmdline)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", cmdline)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+t.TempDir(), "NO_COLOR=")
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v\n%s\n%s", cmdline, err, out.String(), errb.String())
	}
	text := out.String()
	judged := regexp.MustCompile(`(?m)^(PASS|WARN|FAIL)  ns7\.[a-z-]+ \(`).FindAllString(text, -1)
	if len(judged) < 20 || strings.Contains(text, "NS7 was not probed") {
		t.Errorf("NS7 findings judged: %d, want the probe's (at least 20):\n%s", len(judged), text)
	}
	for _, area := range []string{"cluster.", "node.", "fqdn.", "vpn.", "ns7.", "domain.", "manual."} {
		if !regexp.MustCompile(`(?m)^(PASS|WARN|FAIL)  (\d+ )?` + regexp.QuoteMeta(area)).MatchString(text) {
			t.Errorf("no %s finding judged", area)
		}
	}
	for _, want := range []string{"PASS  ", "WARN  ", "FAIL  ", "To fix before migrating:"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q: not the realistic mix of verdicts", want)
		}
	}
	for i, l := range strings.Split(text+errb.String(), "\n") {
		if n := len([]rune(l)); n > 120 {
			t.Errorf("line %d is %d columns: %q", i+1, n, l)
		}
	}
}

// The README's test command is the script CI runs, and it exists.
func TestTestCommand(t *testing.T) {
	cmdline := codeBlock(t, readme(t), "## Run the tests")
	if cmdline != "./tests/run.sh" {
		t.Fatalf("test command %q", cmdline)
	}
	st, err := os.Stat(filepath.Join(root, "tests", "run.sh"))
	if err != nil || st.Mode()&0o111 == 0 {
		t.Fatalf("tests/run.sh: %v %v", err, st)
	}
	ci, _ := os.ReadFile(filepath.Join(root, ".ci", "run"))
	if !strings.Contains(string(ci), "tests/run.sh") {
		t.Error(".ci/run does not run tests/run.sh")
	}
}

var linkRe = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// Every relative link of the project's Markdown leads to a file of the
// repository: nothing points outside it (a reader of the repository on
// GitHub, or of a release, has nothing else).
func TestNoLinkOutsideTheRepository(t *testing.T) {
	abs, _ := filepath.Abs(root)
	files, _ := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	files = append(files, filepath.Join(root, "README.md"), filepath.Join(root, "ui", "README.md"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range linkRe.FindAllStringSubmatch(string(raw), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			p, _ := filepath.Abs(filepath.Join(filepath.Dir(f), target))
			if !strings.HasPrefix(p, abs+string(filepath.Separator)) {
				t.Errorf("%s links %s, outside the repository", f, m[1])
			} else if _, err := os.Stat(p); err != nil {
				t.Errorf("%s links %s: %v", f, m[1], err)
			}
		}
	}
}
