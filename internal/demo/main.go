package demo

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/actions"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cli"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// DefaultAction is what "demo" runs without an action: the whole job.
const DefaultAction = "run-preflight"

// Main runs "demo [action|reset] [flags]" on the state kept in dir: the
// action (default run-preflight) against the demonstration world, printed
// as text unless --format says otherwise.
func Main(ctx context.Context, args []string, sio cli.IO, dir string) int {
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "help" {
			usage(sio.Stdout, dir)
			return agent.ExitOK
		}
	}
	action := DefaultAction
	if args = cli.ActionFirst(args); len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		action, args = args[0], args[1:]
	}
	if action == "reset" {
		if err := Reset(dir); err != nil {
			fmt.Fprintf(sio.Stderr, "demo: %v\n", err)
			return agent.ExitError
		}
		fmt.Fprintf(sio.Stderr, "demo: state removed (%s); the next call starts over\n", dir)
		return agent.ExitOK
	}
	w, err := Start(dir)
	if err != nil {
		fmt.Fprintf(sio.Stderr, "demo: cannot start the demonstration world: %v\n", err)
		return agent.ExitError
	}
	format := flagValue(args, "--format")
	if format == "" {
		format, args = "text", append(args, "--format", "text")
	}
	if act, ok := actions.Lookup(action); ok && act.Report && format == "text" {
		banner(sio.Stderr, w, cols(sio))
	}
	sio.Progress = io.Discard
	code := cli.Run(ctx, append([]string{action}, args...), w.Env(), sio)
	if action == DefaultAction && format == "text" && code == agent.ExitOK {
		next(sio.Stderr, cols(sio))
	}
	if err := w.Close(); err != nil {
		fmt.Fprintf(sio.Stderr, "demo: the checklist and history of this call could not be kept: %v\n", err)
	}
	return code
}

// flagValue is the value of a flag given as "--name value" or
// "--name=value" ("" when absent).
func flagValue(args []string, name string) string {
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v
		}
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// cols is the width to wrap the demo's own words at: the terminal's.
func cols(sio cli.IO) int { return report.TextOptions{Width: sio.Width}.Cols() }

// banner says on stderr what the demo is made of, wrapped for a terminal.
func banner(w io.Writer, world *World, width int) {
	text := "demo: a sample NS8 cluster (leader node 1, worker node 2, and node 3: another NS7 that an " +
		"earlier migration joined and left behind), the sample NS7 being migrated (" + world.NS7 +
		", over SSH) and DNS at " + world.DNS + ", all on this machine, which is measured as node 1. " +
		"Remedies show the commands of an NS8 leader (api-cli run module/" + ModuleID + "/<action>): here, " +
		"run demo <action> instead. State in " + world.Dir + " (demo reset starts over)."
	if world.AuthDNSNote != "" {
		text += " " + world.AuthDNSNote
	}
	fmt.Fprintln(w, report.Wrap(text, width))
	fmt.Fprintln(w)
}

// usage prints the demo's help without starting its world.
func usage(w io.Writer, dir string) {
	fmt.Fprintf(w, `nethvoice-preflight demo: the preflight against a built-in sample NS8 cluster and NS7, all on
this machine (nothing is sent elsewhere).

Usage:
  nethvoice-preflight demo [action] [--data JSON | < input.json] [--format text|json]
                           [--only-problems] [--exit-code]
  nethvoice-preflight demo reset      forget the demo's settings, checklist, history and host key

Without an action the demo runs run-preflight, the whole job. Any action of
nethvoice-preflight --help works, against the same sample world; the output is text unless
--format json is given. As root, the sample's authoritative DNS server listens on port 53 of a
loopback address, as authoritative servers do; otherwise fqdn.authoritative cannot reach it.

State: %s
`, dir)
}

// next says on stderr what to try after the demo's run-preflight.
func next(w io.Writer, width int) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, report.Wrap("demo: try next, as the sample world's administrator: tick a checklist item "+
		`(demo set-checklist --data '{"item":"backup","done":true}'), ignore a finding with a reason `+
		`(demo configure-module --data '{"ignore":[{"id":"ns7.gateways","reason":"replaced on migration day"}]}'), `+
		"then run demo again: it says what changed; demo get-report shows the history, "+
		"demo --only-problems only what blocks or warns, demo reset starts over.", width))
}
