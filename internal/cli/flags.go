package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
)

// options are the flags of an action.
type options struct {
	data         string
	hasData      bool
	format       string
	exitCode     bool
	onlyProblems bool
}

// flagNames are the flags, for the closest-name hint.
var flagNames = []string{"--data", "--format", "--exit-code", "--only-problems", "--help"}

// valueFlags are the flags that take a value as the next argument.
var valueFlags = map[string]bool{"--data": true, "-data": true, "--format": true, "-format": true}

// ActionFirst moves the first argument that is not an option or an
// option's value to the front, so that options may come before the action
// ("--format text get-report" as "get-report --format text"). args is
// returned as is when there is none.
func ActionFirst(args []string) []string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return args
		case valueFlags[a]:
			i++ // its value
		case !strings.HasPrefix(a, "-"):
			if i == 0 {
				return args
			}
			out := append([]string{a}, args[:i]...)
			return append(out, args[i+1:]...)
		}
	}
	return args
}

// flagError is a mistake on the command line: the agent's field, value
// and error code, and the words for a person; help is a request for help.
type flagError struct {
	field, value, code, words string
	help                      bool
}

func parseFlags(args []string) (options, *flagError) {
	o := options{format: "json"}
	fs := flag.NewFlagSet("nethvoice-preflight", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("data", "", func(s string) error { o.data, o.hasData = s, true; return nil })
	fs.StringVar(&o.format, "format", "json", "")
	fs.BoolVar(&o.exitCode, "exit-code", false, "")
	fs.BoolVar(&o.onlyProblems, "only-problems", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, &flagError{help: true}
		}
		return o, badFlag(err)
	}
	if fs.NArg() > 0 {
		return o, &flagError{field: "arguments", value: fs.Arg(0), code: "unexpected_argument",
			words: fmt.Sprintf("unexpected argument %q: the input goes in --data '<JSON>' or on stdin", fs.Arg(0))}
	}
	if o.format != "json" && o.format != "text" {
		f := &flagError{field: "--format", value: o.format, code: "enum",
			words: fmt.Sprintf("--format %q: use json (what the NS8 agent reads) or text (for a terminal)", o.format)}
		o.format = "text" // a person asked for something unknown: words only (the agent gets its array anyway)
		return o, f
	}
	return o, nil
}

// badFlag words an error of package flag ("flag provided but not defined:
// -x", "flag needs an argument: -data").
func badFlag(err error) *flagError {
	msg := err.Error()
	name := "arguments"
	if i := strings.LastIndex(msg, " -"); i >= 0 {
		name = "--" + strings.TrimLeft(strings.Fields(msg[i+1:])[0], "-")
	}
	words := fmt.Sprintf("%s: %s", name, strings.TrimSpace(strings.Split(msg, ":")[0]))
	if strings.Contains(msg, "not defined") {
		words = "unknown option " + name
		if c := schema.Closest(name, flagNames); c != "" {
			words += fmt.Sprintf(": did you mean %s?", c)
		}
		words += " (options: " + strings.Join(flagNames, ", ") + ")"
	}
	return &flagError{field: name, code: "invalid_argument", words: words}
}
