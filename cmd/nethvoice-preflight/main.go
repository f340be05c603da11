// Command nethvoice-preflight serves every action of the NS8 module as a
// subcommand; see --help.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/agent"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/cli"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/demo"
)

func main() {
	// The agent cancels a task with SIGTERM to the step's process group.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	sio := cli.IO{Stdin: os.Stdin, StdinIsTTY: term.IsTerminal(int(os.Stdin.Fd())), Stdout: os.Stdout, Stderr: os.Stderr}
	sio.Width, sio.Color = cli.Terminal(os.Stdout, os.Getenv)
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "demo" {
		dir, err := demo.StateDir()
		if err != nil {
			os.Stderr.WriteString("demo: " + err.Error() + "\n")
			os.Exit(agent.ExitError)
		}
		os.Exit(demo.Main(ctx, args[1:], sio, dir))
	}
	os.Exit(cli.Run(ctx, args, agent.FromOS(), sio))
}
