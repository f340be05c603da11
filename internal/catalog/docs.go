package catalog

import (
	_ "embed"
	"fmt"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"strings"
	"text/template"

	"al.essio.dev/pkg/shellescape"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/check"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/knownissues"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/ns7check"
)

// checksTemplate is docs/checks.md around the checks: the page's
// introduction and each action's; {{checks "<action>"}} writes the sections
// of that action's checks from their declarations.
//
//go:embed checks.md.tmpl
var checksTemplate string

// commandsTemplate is docs/ns7-commands.md around the table of commands
// that {{commands}} writes from ns7's command table.
//
//go:embed ns7-commands.md.tmpl
var commandsTemplate string

// CommandsDocFile lists what probe-ns7 runs on NS7 (generated).
const CommandsDocFile = "docs/ns7-commands.md"

// knownIssuesTemplate is docs/known-issues.md around the table
// {{issues}} writes from internal/knownissues.
//
//go:embed known-issues.md.tmpl
var knownIssuesTemplate string

// KnownIssuesDocFile lists the known issues by version (generated).
const KnownIssuesDocFile = "docs/known-issues.md"

// KnownIssuesMarkdown generates docs/known-issues.md.
func KnownIssuesMarkdown() (string, error) {
	return execute(knownIssuesTemplate, template.FuncMap{"issues": issuesTable, "mincore": minCores})
}

func issuesTable() string {
	var b strings.Builder
	b.WriteString("| component | affected | what breaks | applies when | blocks | remedy | source |\n|---|---|---|---|---|---|---|\n")
	for _, i := range knownissues.Table {
		affected := "before " + i.Fixed
		if i.From != "" {
			affected = i.From + " to before " + i.Fixed
		}
		when, blocks := i.Condition, "no (`warn`)"
		if when == "" {
			when = "always"
		}
		if i.Blocks {
			blocks = "yes (`fail` where it applies)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", knownissues.Names[i.Component], affected,
			cell(i.Breaks), cell(when), blocks, cell(i.Remedy), cell(i.Source))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func minCores() string {
	var parts []string
	for _, img := range []string{"nethvoice", "nethvoice-proxy"} {
		parts = append(parts, fmt.Sprintf("%s %s", img, knownissues.MinCore[img]))
	}
	return strings.Join(parts, ", ")
}

// DocWidth is the column where generated Markdown paragraphs wrap.
const DocWidth = 100

// Markdown generates docs/checks.md.
func Markdown() (string, error) { return execute(checksTemplate, template.FuncMap{"checks": sections}) }

// CommandsMarkdown generates docs/ns7-commands.md.
func CommandsMarkdown() (string, error) {
	return execute(commandsTemplate, template.FuncMap{"commands": commandsTable})
}

func execute(text string, funcs template.FuncMap) (string, error) {
	t, err := template.New("doc").Funcs(funcs).Parse(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = t.Execute(&b, nil)
	return b.String(), err
}

// Placeholders of the values a probe puts in its commands.
const (
	leaderPlaceholder = "<leader endpoint host>"
	fqdnPlaceholder   = "<NethVoice or CTI FQDN>"
)

// commandsTable is the table of every command a probe runs, in order:
// its id, the command line, what it reads and the checks that judge it.
func commandsTable() string {
	users := map[string][]string{}
	for _, c := range ns7check.Checks {
		for _, id := range ns7check.Reads(c.ID) {
			users[id] = append(users[id], "`"+c.ID+"`")
		}
	}
	var b strings.Builder
	b.WriteString("| id | command | reads | why |\n|---|---|---|---|\n")
	for _, c := range (ns7.Plan{LeaderHost: leaderPlaceholder, FQDNs: []string{fqdnPlaceholder}}).Commands() {
		id := c.ID
		why := users[id]
		if strings.HasPrefix(id, ns7.CmdFQDN) {
			id, why = ns7.CmdFQDN+"<n>", users[ns7.CmdFQDN+"<n>"]
		}
		line := commandLine(c)
		if c.Slow {
			line += " (*slow*)"
		}
		if c.Data {
			line += " (*data budget*)"
		}
		if c.RootOnly() {
			line += " (*root only*)"
		}
		if c.Group != "" && c.Group != ns7.GroupMain {
			line += " (session `" + c.Group + "`)"
		}
		if len(why) == 0 {
			why = []string{"facts"}
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", id, line, cell(c.Reads), strings.Join(why, ", "))
	}
	return b.String()
}

// commandLine is a command as NS7's shell gets it, in code style, with the
// mysql options and the placeholders shortened.
func commandLine(c ns7.Command) string {
	var line string
	switch {
	case c.Shell != "":
		return "`" + cell(c.Shell) + "` (run by `sh -c`)"
	case len(c.Argv) == 6 && c.Argv[0] == "mysql" && c.Argv[4] == "-e":
		// SQL holds no $, ` or ": double quotes read better and mean the same.
		line = `mysql ... -e "` + c.Argv[5] + `"`
	default:
		line = shellescape.QuoteCommand(c.Argv)
		for _, p := range []string{leaderPlaceholder, fqdnPlaceholder} {
			line = strings.ReplaceAll(line, shellescape.Quote(p), p)
		}
	}
	return "`" + cell(line) + "`"
}

// cell escapes what a Markdown table cell cannot hold.
func cell(s string) string { return strings.ReplaceAll(s, "|", "\\|") }

// sections writes the heading and documentation of every check of action.
func sections(action string) string {
	var parts []string
	for _, m := range metas {
		if m.Action == action {
			parts = append(parts, section(m))
		}
	}
	return strings.Join(parts, "\n\n")
}

func section(m check.Meta) string {
	text := "**" + m.Title + ".** " + m.Doc
	if len(m.Aliases) > 0 {
		text += " Former ids: `" + strings.Join(m.Aliases, "`, `") + "`."
	}
	return "### " + m.ID + "\n\n" + report.Wrap(text, DocWidth)
}
