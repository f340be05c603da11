// Package cli is the command line of the binary: one subcommand per action,
// input from --data or stdin, validated against the action's schema, output
// printed as JSON (the agent's contract) or as a readable text table.
package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
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

// IO is the process's streams.
type IO struct {
	Stdin      io.Reader
	StdinIsTTY bool
	Stdout     io.Writer
	Stderr     io.Writer
	ProcRoot   string    // non-empty only in unit tests
	Progress   io.Writer // overrides where set-progress goes outside the agent (the demo discards it)
}

var schemas = schema.Embedded()

// Schemas gives access to the embedded schema set (tests).
func Schemas() *schema.Set { return schemas }

// Usage prints the help text.
func Usage(w io.Writer) {
	fmt.Fprintf(w, `nethvoice-preflight: checks the prerequisites of migrating NethVoice from NethServer 7 to NethServer 8.

Usage:
  nethvoice-preflight <action> [--data JSON | < input.json] [--format json|text] [--exit-code]
  nethvoice-preflight demo [action] [--format json|text]   run against a built-in demonstration cluster

Actions:
`)
	for _, a := range actions.All() {
		if !a.Hidden {
			fmt.Fprintf(w, "  %-18s %s\n", a.Name, a.Summary)
		}
	}
	fmt.Fprintf(w, `
Options:
  --data JSON      action input (default: stdin when it is not a terminal, else null)
  --format FORMAT  json (default; what the NS8 agent reads) or text (a readable table)
  --exit-code      grade the exit code of check actions: 0 ready, 3 a blocking finding, 4 warnings only

Exit codes:
  0   the action ran and printed its report (whatever the verdicts, unless --exit-code)
  1   the action could not run at all (message on stderr)
  3   with --exit-code: at least one blocking finding
  4   with --exit-code: warnings only
  10  invalid input: a JSON array of {field, parameter, value, error} on stdout

Without REDIS_ADDRESS (outside NS8) the cluster checks are skipped, with the reason.
`)
}

type options struct {
	data     string
	hasData  bool
	format   string
	exitCode bool
}

// Run executes one command line (without the program name) and returns the
// process exit code.
func Run(ctx context.Context, args []string, env agent.Env, sio IO) int {
	log := agent.NewLogger(sio.Stderr, env.UnderTheAgent)
	ch := agent.OpenChannel(env, sio.Stderr)
	if sio.Progress != nil && env.ComFD == "" {
		ch = agent.NewChannel(sio.Progress)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		Usage(sio.Stdout)
		if len(args) == 0 {
			return agent.ExitValidation
		}
		return agent.ExitOK
	}
	c := call{ch: ch, log: log, sio: sio}
	if code, ok := c.prepare(args); !ok {
		return code
	}
	e := &actions.Env{Agent: env, Log: log, Chan: ch, Stderr: sio.Stderr, ProcRoot: sio.ProcRoot}
	out, err := c.act.Run(ctx, e, c.input)
	var verr *actions.ValidationError
	if errors.As(err, &verr) {
		return validationFailed(ch, sio, c.opts, verr.Errors)
	}
	if err == nil && ctx.Err() != nil {
		err = fmt.Errorf("%s was cancelled", c.act.Name)
	}
	if err != nil {
		log.Errorf("%s: %v", c.act.Name, err)
		return agent.ExitError
	}
	ch.Progress(100)
	return c.emit(out)
}

// call is one action called from the command line.
type call struct {
	ch    *agent.Channel
	log   *agent.Logger
	sio   IO
	act   actions.Action
	opts  options
	input json.RawMessage
}

// prepare finds the action, reads the flags and the input and validates it
// against the action's schema; a mistake ends the call with its exit code.
func (c *call) prepare(args []string) (int, bool) {
	name := args[0]
	act, ok := actions.Lookup(name)
	if !ok {
		fmt.Fprintf(c.sio.Stderr, "unknown action %q; run nethvoice-preflight --help for the list\n", name)
		return usageError(c.ch, c.sio, "action", name, "unknown_action"), false
	}
	opts, field, ferr := parseFlags(args[1:])
	if ferr != "" {
		fmt.Fprintf(c.sio.Stderr, "%s: %s\n", field, ferr)
		return usageError(c.ch, c.sio, field, "", ferr), false
	}
	input, errs := readInput(opts, c.sio)
	if errs == nil && schemas.Has(name, schema.Input) {
		var err error
		if errs, err = schemas.Validate(name, schema.Input, input); err != nil {
			c.log.Errorf("input schema of %s is unusable: %v", name, err)
			return agent.ExitError, false
		}
	}
	if errs != nil {
		return validationFailed(c.ch, c.sio, opts, errs), false
	}
	c.act, c.opts, c.input = act, opts, input
	return 0, true
}

// emit prints the output, checked against the action's output schema, as
// JSON or text, and grades the exit code when asked.
func (c *call) emit(out any) int {
	name := c.act.Name
	if out == nil {
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
	rep, isReport := out.(report.Report)
	switch {
	case c.opts.format != "text":
		c.sio.Stdout.Write(append(raw, '\n'))
	case isReport:
		report.WriteText(c.sio.Stdout, rep)
	default:
		var buf bytes.Buffer
		json.Indent(&buf, raw, "", "  ") //nolint:errcheck // raw is valid JSON
		buf.WriteByte('\n')
		c.sio.Stdout.Write(buf.Bytes())
	}
	if isReport && c.opts.exitCode {
		return report.Grade(rep)
	}
	return agent.ExitOK
}

func parseFlags(args []string) (options, string, string) {
	var o options
	fs := flag.NewFlagSet("nethvoice-preflight", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("data", "", func(s string) error { o.data, o.hasData = s, true; return nil })
	fs.StringVar(&o.format, "format", "json", "")
	fs.BoolVar(&o.exitCode, "exit-code", false, "")
	if err := fs.Parse(args); err != nil {
		msg := err.Error()
		field := "arguments"
		if i := strings.Index(msg, "-"); i >= 0 {
			field = strings.Fields(msg[i:])[0]
		}
		return o, field, "invalid_argument"
	}
	if fs.NArg() > 0 {
		return o, "arguments", "unexpected_argument"
	}
	if o.format != "json" && o.format != "text" {
		return o, "--format", "enum"
	}
	return o, "", ""
}

func readInput(o options, sio IO) (json.RawMessage, []schema.FieldError) {
	var raw []byte
	switch {
	case o.hasData:
		raw = []byte(o.data)
	case sio.Stdin != nil && !sio.StdinIsTTY:
		b, err := io.ReadAll(io.LimitReader(sio.Stdin, MaxInput+1))
		if err != nil {
			return nil, []schema.FieldError{{Field: "(root)", Parameter: "(root)", Error: "unreadable_input"}}
		}
		raw = b
	}
	if len(raw) > MaxInput {
		return nil, []schema.FieldError{{Field: "(root)", Parameter: "(root)", Value: nil, Error: "input_too_large"}}
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return json.RawMessage("null"), nil
	}
	if !json.Valid(raw) {
		return nil, []schema.FieldError{{Field: "(root)", Parameter: "(root)", Value: nil, Error: "invalid_json"}}
	}
	return json.RawMessage(raw), nil
}

func validationFailed(ch *agent.Channel, sio IO, o options, errs []schema.FieldError) int {
	ch.ValidationFailed()
	if o.format == "text" {
		for _, e := range errs {
			v, _ := json.Marshal(e.Value)
			fmt.Fprintf(sio.Stderr, "invalid input: %s: %s (value %s)\n", e.Field, e.Error, truncate(string(v), 80))
		}
	}
	agent.WriteJSON(sio.Stdout, errs) //nolint:errcheck
	return agent.ExitValidation
}

func usageError(ch *agent.Channel, sio IO, field, value, code string) int {
	return validationFailed(ch, sio, options{}, []schema.FieldError{{Field: field, Parameter: field, Value: value, Error: code}})
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// fieldsOnly describes validation errors without their values.
func fieldsOnly(errs []schema.FieldError) string {
	parts := make([]string, 0, len(errs))
	for _, e := range errs {
		parts = append(parts, e.Field+": "+e.Error)
	}
	return strings.Join(parts, "; ")
}
