// Package cli is the command line of the binary: one subcommand per action,
// input from --data or stdin, validated against the action's schema, output
// printed as JSON (the agent's contract) or as text for a terminal.
package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/actions"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/schema"
)

// MaxInput bounds the input document; the agent's own tasks are far smaller.
const MaxInput = 1 << 20

// IO is the process's streams and what is known of the terminal.
type IO struct {
	Stdin      io.Reader
	StdinIsTTY bool
	Stdout     io.Writer
	Stderr     io.Writer
	// Width is the terminal's width in columns (0: not a terminal, or
	// unknown); Color turns on colours (see Terminal).
	Width    int
	Color    bool
	ProcRoot string    // non-empty only in unit tests
	Progress io.Writer // overrides where set-progress goes outside the agent (the demo discards it)
}

var schemas = schema.Embedded()

// Schemas gives access to the embedded schema set (tests).
func Schemas() *schema.Set { return schemas }

// Run executes one command line (without the program name) and returns the
// process exit code.
func Run(ctx context.Context, args []string, env agent.Env, sio IO) int {
	log := agent.NewLogger(sio.Stderr, env.UnderTheAgent)
	args = ActionFirst(args)
	if len(args) == 0 || isHelp(args[0]) {
		Usage(sio.Stdout)
		return agent.ExitOK
	}
	if args[0] == "--version" || args[0] == "version" {
		fmt.Fprintln(sio.Stdout, VersionLine())
		return agent.ExitOK
	}
	c := call{ch: channel(env, sio), log: log, sio: sio, agent: env.UnderTheAgent || env.ComFD != ""}
	if code, ok := c.prepare(args); !ok {
		return code
	}
	e := &actions.Env{Agent: env, Log: log, Chan: c.ch, Stderr: sio.Stderr, ProcRoot: sio.ProcRoot}
	out, err := c.act.Run(ctx, e, c.input)
	var verr *actions.ValidationError
	if errors.As(err, &verr) {
		return c.invalid(verr.Errors)
	}
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("%s was cancelled", c.act.Name)
	}
	if err != nil {
		log.Errorf("%s: %v", c.act.Name, err)
		return agent.ExitError
	}
	c.ch.Progress(100)
	return c.emit(out)
}

func isHelp(a string) bool { return a == "-h" || a == "--help" || a == "help" || a == "-help" }

// channel is where agent commands (set-progress, set-status) go: the
// agent's fd (AGENT_COMFD), stderr under an agent that gives none (as the
// agent's Python library does), nowhere when a person runs the command.
func channel(env agent.Env, sio IO) *agent.Channel {
	switch {
	case env.ComFD != "" || env.UnderTheAgent:
		return agent.OpenChannel(env, sio.Stderr)
	case sio.Progress != nil:
		return agent.NewChannel(sio.Progress)
	}
	return agent.NewChannel(io.Discard)
}

// call is one action called from the command line.
type call struct {
	ch    *agent.Channel
	log   *agent.Logger
	sio   IO
	agent bool // run by the NS8 agent: its protocol, no words for a person
	act   actions.Action
	opts  options
	input json.RawMessage
}

// prepare finds the action, reads the flags and the input and validates it
// against the action's schema; a mistake ends the call with its exit code.
func (c *call) prepare(args []string) (int, bool) {
	name := args[0]
	opts, perr := parseFlags(args[1:])
	c.opts = opts
	act, ok := actions.Lookup(name)
	if !ok {
		return c.usageError("action", name, "unknown_action", unknownAction(name)), false
	}
	c.act = act
	if perr != nil {
		if perr.help {
			Usage(c.sio.Stdout)
			return agent.ExitOK, false
		}
		return c.usageError(perr.field, perr.value, perr.code, perr.words), false
	}
	input, errs := readInput(opts, c.sio)
	c.input = input
	if errs == nil && schemas.Has(name, schema.Input) {
		var err error
		if errs, err = schemas.Validate(name, schema.Input, input); err != nil {
			c.log.Errorf("input schema of %s is unusable: %v", name, err)
			return agent.ExitError, false
		}
	}
	if errs != nil {
		return c.invalid(errs), false
	}
	return 0, true
}

// emit prints the output, checked against the action's output schema, as
// JSON or text, and grades the exit code when asked.
func (c *call) emit(out any) int {
	name := c.act.Name
	if out == nil {
		if c.opts.format == "text" {
			fmt.Fprintln(c.sio.Stdout, doneWords(name))
		}
		return agent.ExitOK
	}
	raw, err := json.Marshal(out)
	if err != nil {
		c.log.Errorf("%s: encode output: %v", name, err)
		return agent.ExitError
	}
	if schemas.Has(name, schema.Output) {
		verrs, err := schemas.Validate(name, schema.Output, raw)
		if err != nil || verrs != nil {
			// Never hand the agent a document its schema rejects: that is a
			// bug here. The log names the fields, not their values (a report
			// carries what NS7 holds, names among it).
			c.log.Errorf("%s: output does not match validate-output.json: %v %s", name, err, fieldsOnly(verrs))
			return agent.ExitError
		}
	}
	if c.opts.format == "text" {
		var buf bytes.Buffer
		writeText(&buf, out, raw, c.textOptions())
		c.sio.Stdout.Write(buf.Bytes())
	} else {
		c.sio.Stdout.Write(append(raw, '\n'))
	}
	if rep, ok := out.(report.Report); ok && c.opts.exitCode {
		return report.Grade(rep)
	}
	return agent.ExitOK
}

func (c *call) textOptions() report.TextOptions {
	return report.TextOptions{Width: c.sio.Width, Color: c.sio.Color, OnlyProblems: c.opts.onlyProblems, DocURL: DocURL()}
}

func readInput(o options, sio IO) (json.RawMessage, []schema.FieldError) {
	var raw []byte
	switch {
	case o.hasData:
		raw = []byte(o.data)
	case sio.Stdin != nil && !sio.StdinIsTTY:
		b, err := io.ReadAll(io.LimitReader(sio.Stdin, MaxInput+1))
		if err != nil {
			return nil, []schema.FieldError{{Field: "(root)", Parameter: "(root)", Error: "unreadable_input", Type: "unreadable_input"}}
		}
		raw = b
	}
	if len(raw) > MaxInput {
		return nil, []schema.FieldError{{Field: "(root)", Parameter: "(root)", Value: nil, Error: "input_too_large", Type: "input_too_large"}}
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return json.RawMessage("null"), nil
	}
	if !json.Valid(raw) {
		return json.RawMessage(raw), []schema.FieldError{schema.InvalidJSON()}
	}
	return json.RawMessage(raw), nil
}

// invalid answers invalid input. Under the agent: set-status
// validation-failed on its channel and the agent's array on stdout. For a
// person: the mistakes in words on stderr, and the array on stdout unless
// the output is text (scripts read the array).
func (c *call) invalid(errs []schema.FieldError) int {
	c.ch.ValidationFailed()
	if !c.agent {
		var words []string
		if c.act.Name != "" {
			words = schemas.Explain(c.act.Name, schema.Input, c.input, errs)
		}
		c.explain(words)
	}
	if c.agent || c.opts.format != "text" {
		agent.WriteJSON(c.sio.Stdout, errs) //nolint:errcheck
	}
	return agent.ExitValidation
}

// explain prints the mistakes in words on stderr, wrapped.
func (c *call) explain(words []string) {
	what := "invalid input"
	if c.act.Name != "" {
		what = c.act.Name + ": invalid input"
	}
	width := c.textOptions().Cols()
	if len(words) == 1 {
		fmt.Fprintln(c.sio.Stderr, report.Wrap(what+": "+words[0], width))
		return
	}
	fmt.Fprintln(c.sio.Stderr, what+":")
	for _, w := range words {
		fmt.Fprintln(c.sio.Stderr, indent(report.Wrap(w, width-4), "  - ", "    "))
	}
}

// usageError answers a mistake on the command line (action, flags) as
// invalid input: the agent's array, and words for a person.
func (c *call) usageError(field, value, code, words string) int {
	if !c.agent {
		fmt.Fprintln(c.sio.Stderr, report.Wrap(words, c.textOptions().Cols()))
	}
	c.ch.ValidationFailed()
	if c.agent || c.opts.format != "text" {
		agent.WriteJSON(c.sio.Stdout, []schema.FieldError{{Field: field, Parameter: field, Value: value, Error: code}}) //nolint:errcheck
	}
	return agent.ExitValidation
}

func unknownAction(name string) string {
	var names []string
	for _, a := range actions.All() {
		names = append(names, a.Name)
	}
	msg := fmt.Sprintf("unknown action %q", name)
	if c := schema.Closest(name, names); c != "" {
		msg += fmt.Sprintf(": did you mean %q?", c)
	}
	return msg + " (nethvoice-preflight --help lists the actions)"
}

func indent(text, first, rest string) string {
	var b bytes.Buffer
	for i, l := range bytes.Split([]byte(text), []byte("\n")) {
		if i == 0 {
			b.WriteString(first)
		} else {
			b.WriteString("\n" + rest)
		}
		b.Write(l)
	}
	return b.String()
}

// fieldsOnly describes validation errors without their values.
func fieldsOnly(errs []schema.FieldError) string {
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		parts = append(parts, e.Field+": "+e.Error)
	}
	return strings.Join(parts, "; ")
}
