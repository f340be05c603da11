package ns7

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"

	"al.essio.dev/pkg/shellescape"
)

// What could not be read is never a value: every command's result carries,
// in Result.Reason, why its answer cannot be judged when it cannot (the
// command is missing on NS7, refused, failed, printed something its parser
// cannot read, was cut, or was not asked). The checks read that one field
// (ns7check's gate) instead of judging the zero values an unread answer
// leaves in the facts.

// Exit codes timeout(1) gives when the command itself never ran (GNU
// coreutils timeout: 125 timeout failed, 126 found but not runnable, 127
// not found). No command of the table answers with them.
const (
	exitTimeoutFailed = 125
	exitCannotRun     = 126
	exitNotFound      = 127
)

// reasonOf says why the answer r of command c is not a value the checks
// may judge; "" when it is, and for answers that never came (lost, cut by
// a deadline, never started: the checks say those themselves).
func reasonOf(c Command, r Result) string {
	switch r.Status {
	case StatusNotAsked:
		return r.Reason
	case StatusOK, StatusFailed:
	default:
		return ""
	}
	name := c.Name()
	switch r.Exit {
	case exitNotFound:
		return name + ": command not found" + stderrNote(r, false)
	case exitCannotRun:
		return name + ": permission denied (it cannot be run)"
	case exitTimeoutFailed:
		return "timeout(1) could not run " + name + stderrNote(r, true)
	}
	if r.Status == StatusFailed && !c.answers(r.Exit) {
		return fmt.Sprintf("%s failed (exit %d)%s", name, r.Exit, stderrNote(r, true))
	}
	if r.Truncated {
		return fmt.Sprintf("%s's answer was cut at %d MiB", name, MaxOutput>>20)
	}
	if c.Expect != nil {
		if err := c.Expect(r.Output, r.Exit); err != nil {
			return name + " answered, but " + err.Error()
		}
	}
	return ""
}

// answers tells whether a non-zero exit code still carries the answer.
func (c Command) answers(exit int) bool {
	if c.AnyExit {
		return true
	}
	for _, e := range c.Exits {
		if e == exit {
			return true
		}
	}
	return false
}

// Name is how messages name the command: its program, or its id for a
// shell snippet.
func (c Command) Name() string {
	if len(c.Argv) > 0 {
		return path.Base(c.Argv[0])
	}
	return c.ID
}

// stderrNote is ": <first line of stderr>" (clipped; a shell snippet's
// message only when full is set, a missing command's only when it names
// something other than the command itself).
func stderrNote(r Result, full bool) string {
	for _, l := range strings.Split(r.Stderr, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if !full && !strings.Contains(l, "not found") {
				return ""
			}
			return ": " + clip(l, 200)
		}
	}
	return ""
}

// Unread says why the answer of a command cannot be judged as a value
// ("" when it can, or when it never came: see Cmd's status).
func (f *Facts) Unread(id string) string { return f.Cmd(id).Reason }

// NotNethServer says why the probed host is not a NethServer at all: no
// /etc/nethserver-release, or one that does not name NethServer. "" when
// it is one, and when the release could not be read (the release check
// says so).
func (f *Facts) NotNethServer() string {
	r := f.Cmd(CmdRelease)
	switch {
	case r.Reason != "" || r.Status != StatusOK && r.Status != StatusFailed:
		return ""
	case r.Exit == releaseAbsent:
		return "/etc/nethserver-release does not exist: this host is not a NethServer"
	case strings.TrimSpace(f.ReleaseLine) == "":
		return "/etc/nethserver-release is empty: this host does not say it is a NethServer"
	case !strings.Contains(strings.ToLower(f.ReleaseLine), "nethserver"):
		return fmt.Sprintf("/etc/nethserver-release says %q: this host is not a NethServer", f.ReleaseLine)
	}
	return ""
}

// releaseAbsent is the release snippet's exit code when the file does not
// exist.
const releaseAbsent = 3

// RootUser is the only user that reads everything the probe asks.
const RootUser = "root"

// notAsked is the result of a command the probe does not send because only
// root may read what it reads and the probe connects as user.
func notAsked(c Command, user string) Result {
	return Result{ID: c.ID, Status: StatusNotAsked, Exit: -1,
		Reason: fmt.Sprintf("not asked: only root may read it on NS7 (%s), and the probe connects as %s", c.rootWhy(), user)}
}

// rootPrograms are the programs whose answers only root gets on NS7.
var rootPrograms = map[string]string{
	"mysql":                 "MariaDB's credentials are in /root/.my.cnf",
	"config":                "the configuration database",
	"account-provider-test": "it reads the configuration database and the provider's secrets",
	"wg":                    "WireGuard's state needs CAP_NET_ADMIN",
}

// rootWhy says why only root gets the command's answer ("" when anyone does).
func (c Command) rootWhy() string {
	if c.Root != "" {
		return c.Root
	}
	if len(c.Argv) > 0 {
		return rootPrograms[path.Base(c.Argv[0])]
	}
	return ""
}

// RootOnly tells whether only root gets the command's answer on NS7.
func (c Command) RootOnly() bool { return c.rootWhy() != "" }

// Shape checks of answers (Command.Expect): an answer that is empty or
// garbled where the parser needs a value.

func nonEmpty(out string, _ int) error {
	if strings.TrimSpace(out) == "" {
		return errors.New("with nothing")
	}
	return nil
}

func anInteger(out string, _ int) error {
	if _, err := ParseInt(out); err != nil {
		return fmt.Errorf("not with an integer (%q)", clip(firstLine(out), 40))
	}
	return nil
}

// sameColumns checks mysql -N -B output: every row has as many columns as
// the first (a row of another count is not a row of the query).
func sameColumns(out string, _ int) error {
	cols := -1
	for i, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		n := strings.Count(line, "\t") + 1
		if cols < 0 {
			cols = n
		} else if n != cols {
			return fmt.Errorf("row %d has %d columns, row 1 has %d", i+1, n, cols)
		}
	}
	return nil
}

// columns checks mysql -N -B output of a query of n columns: a row of
// another count would be skipped by the parser, so the answer is not read
// (an empty answer is no rows).
func columns(n int) func(string, int) error {
	return func(out string, _ int) error {
		for i, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if line == "" {
				continue
			}
			if got := strings.Count(line, "\t") + 1; got != n {
				return fmt.Errorf("row %d has %d columns, the query has %d (%q)", i+1, got, n, clip(line, 40))
			}
		}
		return nil
	}
}

// oneLinePer checks an answer of one line per thing asked (systemctl
// is-active units...): fewer lines would shift every state.
func oneLinePer(things []string) func(string, int) error {
	return func(out string, _ int) error {
		n := 0
		for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
			if strings.TrimSpace(l) != "" {
				n++
			}
		}
		if n != len(things) {
			return fmt.Errorf("with %d lines for the %d asked", n, len(things))
		}
		return nil
	}
}

func configJSON(key string) func(string, int) error {
	return func(out string, _ int) error {
		_, err := ParseConfigJSON(key, out)
		return err
	}
}

func providerJSON(out string, _ int) error {
	_, err := ParseProviderDump(out)
	return err
}

func dfLine(out string, _ int) error {
	_, err := ParseDF(out)
	return err
}

func yumAnswer(out string, exit int) error {
	_, err := ParseYumCheckUpdate(out, exit)
	return err
}

func handshakes(out string, exit int) error {
	if exit == noInterface {
		return nil
	}
	for _, l := range lines(out) {
		f := strings.Fields(l)
		if len(f) != 2 {
			return fmt.Errorf("not with \"<peer> <time>\" lines (%q)", clip(l, 40))
		}
		if _, err := strconv.ParseInt(f[1], 10, 64); err != nil {
			return fmt.Errorf("not with \"<peer> <time>\" lines (%q)", clip(l, 40))
		}
	}
	return nil
}

// noInterface is the handshakes snippet's exit code when NS7 has no
// interface ns8 (not joined, or the tunnel is down).
const noInterface = 3

// What says what a command reads, for a message ("could not read <What>"):
// its Reads without the parenthesis; the id when the table has no such
// command.
func What(id string) string {
	if strings.HasPrefix(id, CmdFQDN) {
		id = CmdFQDN + "0"
	}
	for _, c := range (Plan{LeaderHost: "leader", FQDNs: []string{"fqdn"}}).Commands() {
		if c.ID == id {
			r := c.Reads
			if i := strings.Index(r, " ("); i > 0 {
				r = r[:i]
			}
			return r
		}
	}
	return id
}

// Line is the command as NS7's shell runs it (without timeout(1)).
func (c Command) Line() string {
	if c.Shell != "" {
		return c.Shell
	}
	return shellescape.QuoteCommand(c.Argv)
}

// Command returns the command of the plan with that id.
func (p PlanFacts) Command(id string) (Command, bool) {
	for _, c := range Plan(p).Commands() {
		if c.ID == id {
			return c, true
		}
	}
	return Command{}, false
}

// sizeRows checks the database sizes: "<schema>\t<bytes>" rows, so that
// a row the parser would skip does not make the total look complete.
func sizeRows(out string, _ int) error {
	for _, l := range lines(out) {
		name, n, ok := strings.Cut(l, "\t")
		if _, err := strconv.ParseInt(n, 10, 64); !ok || name == "" || err != nil {
			return fmt.Errorf("not with \"<database> <bytes>\" rows (%q)", clip(l, 40))
		}
	}
	return nil
}

// fileLines checks find -printf '%s %p\n' output: a file the parser would
// skip would be a customization silently left out.
func fileLines(out string, _ int) error {
	for _, l := range strings.Split(out, "\n") {
		if l == "" {
			continue
		}
		size, p, ok := strings.Cut(l, " ")
		if _, err := strconv.ParseInt(size, 10, 64); !ok || p == "" || err != nil {
			return fmt.Errorf("not with \"<size> <path>\" lines (%q)", clip(l, 40))
		}
	}
	return nil
}

// noTancredi is the Tancredi snippet's exit code when NS7 has no
// defaults.ini: the old provisioning engine, or no NethVoice; phones then
// ask NethVoice's PublicHost or NS7's FQDN.
const noTancredi = 3
