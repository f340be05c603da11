// Package ns7 is the collector of probe-ns7: one SSH connection to the
// NethServer 7 host (module key or one-time password, host key pinned on
// first use), one batch of fixed read-only commands framed per command, one
// bounded throughput sample, and the parsers that turn NS7's answers into
// typed, sanitized facts. Judging them is internal/ns7check's job.
package ns7

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"al.essio.dev/pkg/shellescape"
	"golang.org/x/crypto/ssh"
)

// Options bound the probe.
type Options struct {
	// PerCommand is each command's deadline on NS7 (timeout(1)); slow
	// commands get SlowFactor times it.
	PerCommand time.Duration
	// DataBudget is the deadline of the file measurements (du) on NS7, a
	// budget of its own: a huge spool must not cost the other answers.
	DataBudget time.Duration
	// Batch bounds every command session as seen from here.
	Batch time.Duration
	// SampleBytes and SampleTime bound the throughput sample: it ends at
	// whichever comes first.
	SampleBytes int64
	SampleTime  time.Duration
	// Sessions bounds the sessions open at once on the connection (the
	// sample included); NS7 refusing one lowers it further.
	Sessions int
	// Progress, when set, is told each time a command ends.
	Progress func(done, total int)
	// Reuse is an earlier file measurement to report instead of measuring
	// (with Plan.SkipFiles; see ReuseFiles).
	Reuse *DataSizes
}

// DefaultSampleBytes is the size of the throughput sample.
const DefaultSampleBytes = 8 << 20

// MaxSessions is the default bound of the sessions open at once: NS7 is a
// production PBX, and each session is one command (its shell and
// timeout(1) besides) running there at a time. OpenSSH's default
// MaxSessions is 10.
const MaxSessions = 4

// DefaultDataBudget is the default deadline of the file measurements.
const DefaultDataBudget = 60 * time.Second

// DefaultOptions derives the bounds from the per-check timeout.
func DefaultOptions(timeout time.Duration) Options {
	sample := timeout
	if sample > 3*time.Second {
		sample = 3 * time.Second
	}
	o := Options{PerCommand: timeout, SampleBytes: DefaultSampleBytes, SampleTime: sample, Sessions: MaxSessions}
	return o.WithDataBudget(max(DefaultDataBudget, SlowFactor*timeout))
}

// WithDataBudget sets the data budget (whole seconds, at least one) and the
// batch bound that follows from it.
func (o Options) WithDataBudget(d time.Duration) Options {
	o.DataBudget = max(time.Second, d.Truncate(time.Second))
	// The main session's commands each have PerCommand; 6 of them is more
	// than a healthy NS7 ever needs for all of them together. The data
	// sessions end at their budget (+2 s for timeout -k).
	o.Batch = max(6*o.PerCommand, o.DataBudget+o.PerCommand)
	return o
}

// Total bounds the whole probe: connection, sessions, sample.
func (o Options) Total() time.Duration { return o.PerCommand + o.Batch + o.SampleTime }

// Probe connects to NS7, runs the command sessions and the sample, and
// returns the facts. It only fails for an invalid plan; everything NS7
// does (refusing, staying silent, dropping the connection) is a fact.
func Probe(ctx context.Context, t Target, plan Plan, o Options) (*Facts, error) {
	if err := plan.Validate(); err != nil {
		return nil, err
	}
	f := &Facts{Host: t.Host, Port: t.Port, User: t.User, Plan: PlanFacts(plan), DataBudgetS: int(o.DataBudget / time.Second), Reuse: o.Reuse}
	cmds, unasked := forUser(plan.Commands(), t.User)
	ids := make([]string, len(cmds))
	for i, c := range cmds {
		ids[i] = c.ID
	}
	nonce := Nonce()
	frames := NewFrames(nonce, ids)
	frames.OnEnd = o.Progress
	results := func() []Result { return append(frames.Results(), unasked...) }

	conn, err := Dial(ctx, t)
	if err != nil {
		var de *DialError
		if errors.As(err, &de) {
			f.ConnectStage, f.HostKey = de.Stage, de.HostKey
		}
		f.ConnectErr = err.Error()
		f.Fill(results())
		return f, nil
	}
	defer conn.Close()
	f.Connected, f.Auth, f.HostKey = true, conn.Auth, conn.HostKey
	f.Started = time.Now().UTC().Format(time.RFC3339)

	bctx, cancel := context.WithTimeout(ctx, o.Batch)
	err = runSessions(bctx, conn, cmds, nonce, frames, o, func(g *gate) {
		if ctx.Err() == nil {
			f.Bandwidth = sampleIn(ctx, g, conn, o)
		}
	})
	batchDeadline := errors.Is(bctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	cancel()
	switch {
	case err == nil:
	case batchDeadline:
		f.DeadlineHit = true
	default:
		f.Dropped = err.Error()
	}
	f.Fill(results())
	if f.Dropped == "" && !f.DeadlineHit && len(f.Lost()) > 0 {
		f.Dropped = "NS7 ended the batch before every command answered"
	}
	if f.Bandwidth != nil && f.Bandwidth.Error != "" && f.Dropped == "" && !alive(conn) {
		f.Dropped = f.Bandwidth.Error
	}
	conn.mu.Lock()
	f.RoundTrips = conn.Sessions
	conn.mu.Unlock()
	return f, nil
}

// forUser splits the commands into those sent as user and those not
// asked: what only root gets on NS7 is not asked of another user (it would
// fail, or worse answer in part), and its result says why.
func forUser(cmds []Command, user string) (send []Command, unasked []Result) {
	if user == "" || user == RootUser {
		return cmds, nil
	}
	for _, c := range cmds {
		if c.RootOnly() {
			unasked = append(unasked, notAsked(c, user))
			continue
		}
		send = append(send, c)
	}
	return send, unasked
}

// runSessions runs each group's commands in a session of its own (the
// frames of Script), at most o.Sessions at once, opened in Groups order;
// once the main session ended cleanly, afterMain runs (the sample) with
// the gate. It returns the first error that is not the end of ctx.
func runSessions(ctx context.Context, c *Conn, cmds []Command, nonce string, frames *Frames, o Options, afterMain func(*gate)) error {
	byGroup := map[string][]Command{}
	for _, cmd := range cmds {
		g := cmd.Group
		if g == "" {
			g = GroupMain
		}
		byGroup[g] = append(byGroup[g], cmd)
	}
	g := newGate(o.Sessions)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	keep := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil && err != nil && ctx.Err() == nil {
			first = err
		}
	}
	mainDone := make(chan error, 1)
	for _, name := range Groups {
		group := byGroup[name]
		if len(group) == 0 {
			continue
		}
		if err := g.acquire(ctx); err != nil {
			break // the batch deadline: what never started is not-run
		}
		script := "bash -c " + shellescape.Quote(Script(group, nonce, o.PerCommand, o.DataBudget))
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := g.run(ctx, c, script, frames.ReadStdout, frames.ReadStderr)
			keep(err)
			if name == GroupMain {
				mainDone <- err
			}
		}()
	}
	if len(byGroup[GroupMain]) > 0 {
		select {
		case err := <-mainDone:
			if err == nil && ctx.Err() == nil {
				afterMain(g)
			}
		case <-ctx.Done():
		}
	}
	wg.Wait()
	return first
}

// gate bounds the sessions open at once.
type gate struct {
	mu             sync.Mutex
	limit, running int
	wake           chan struct{} // closed (and replaced) when a slot frees
}

func newGate(limit int) *gate {
	return &gate{limit: max(1, limit), wake: make(chan struct{})}
}

// acquire takes a slot, waiting for one while ctx allows.
func (g *gate) acquire(ctx context.Context) error {
	for {
		g.mu.Lock()
		if g.running < g.limit {
			g.running++
			g.mu.Unlock()
			return nil
		}
		w := g.wake
		g.mu.Unlock()
		select {
		case <-w:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (g *gate) release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running--
	close(g.wake)
	g.wake = make(chan struct{})
}

// refused gives the slot back and lowers the limit to the sessions NS7
// keeps open (its MaxSessions is lower than ours); false when no other
// session is open, so that waiting would not help.
func (g *gate) refused() bool {
	g.mu.Lock()
	if g.running <= 1 {
		g.mu.Unlock()
		return false
	}
	g.limit = g.running - 1
	g.mu.Unlock()
	g.release()
	return true
}

// run runs cmd in a session on a held slot and frees it; a session NS7
// refuses (too many open) is opened again once another one ended. A
// refusal while no other session is open is retried a few times: NS7 may
// not have closed the session that just ended yet.
func (g *gate) run(ctx context.Context, c *Conn, cmd string, stdout, stderr func(io.Reader) error) error {
	for lone := 0; ; {
		err := c.Run(ctx, cmd, stdout, stderr)
		var oce *ssh.OpenChannelError
		switch {
		case !errors.As(err, &oce):
		case g.refused():
			if err := g.acquire(ctx); err != nil {
				return err
			}
			continue
		case lone < loneRetries:
			lone++
			select {
			case <-time.After(loneWait):
				continue
			case <-ctx.Done():
			}
		}
		g.release()
		return err
	}
}

// A session refused while no other is open is asked again loneRetries
// times, loneWait apart.
const (
	loneRetries = 20
	loneWait    = 50 * time.Millisecond
)

// sampleIn runs the throughput sample on a slot of the gate.
func sampleIn(ctx context.Context, g *gate, c *Conn, o Options) *Bandwidth {
	if err := g.acquire(ctx); err != nil {
		return nil
	}
	return sample(ctx, o, func(ctx context.Context, cmd string, stdout, stderr func(io.Reader) error) error {
		return g.run(ctx, c, cmd, stdout, stderr)
	})
}

// alive asks NS7 for a keepalive answer: a dead connection fails at once.
func alive(c *Conn) bool {
	_, _, err := c.Client.SendRequest("keepalive@openssh.com", true, nil)
	return err == nil
}

// sample streams SampleBytes of zeros from NS7 over the same connection
// (SSH does not compress here, so zeros cost what any data costs) and
// measures from the first byte to the last, leaving the session setup out.
func sample(ctx context.Context, o Options, run func(ctx context.Context, cmd string, stdout, stderr func(io.Reader) error) error) *Bandwidth {
	secs := int(o.SampleTime/time.Second) + 2
	cmd := "timeout " + strconv.Itoa(secs) + " head -c " + strconv.FormatInt(o.SampleBytes, 10) + " /dev/zero"
	sctx, cancel := context.WithTimeout(ctx, o.SampleTime)
	defer cancel()
	var n int64
	var first, last time.Time
	var firstN int64
	read := func(r io.Reader) error {
		buf := make([]byte, 64<<10)
		for {
			k, err := r.Read(buf)
			if k > 0 {
				now := time.Now()
				if first.IsZero() {
					first, firstN = now, int64(k)
				}
				n += int64(k)
				last = now
			}
			if err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
		}
	}
	err := run(sctx, cmd, read, func(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err })
	b := &Bandwidth{Bytes: n}
	cut := err != nil && sctx.Err() != nil && ctx.Err() == nil // the time bound ended the sample: still a sample
	if err != nil && !cut {
		b.Error = fmt.Sprintf("the sample stopped after %d bytes: %v", n, err)
		return b
	}
	if n-firstN <= 0 || !last.After(first) {
		b.Error = fmt.Sprintf("too little data to measure (%d bytes)", n)
		return b
	}
	d := last.Sub(first).Seconds()
	b.Seconds = d
	b.BytesPerSecond = float64(n-firstN) / d
	return b
}
