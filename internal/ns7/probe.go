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
	"time"

	"al.essio.dev/pkg/shellescape"
)

// Options bound the probe.
type Options struct {
	// PerCommand is each command's deadline on NS7 (timeout(1)); slow
	// commands get SlowFactor times it.
	PerCommand time.Duration
	// Batch bounds the whole batch as seen from here.
	Batch time.Duration
	// SampleBytes and SampleTime bound the throughput sample: it ends at
	// whichever comes first.
	SampleBytes int64
	SampleTime  time.Duration
}

// DefaultSampleBytes is the size of the throughput sample.
const DefaultSampleBytes = 8 << 20

// DefaultOptions derives the bounds from the per-check timeout.
func DefaultOptions(timeout time.Duration) Options {
	sample := timeout
	if sample > 3*time.Second {
		sample = 3 * time.Second
	}
	return Options{PerCommand: timeout, Batch: 6 * timeout, SampleBytes: DefaultSampleBytes, SampleTime: sample}
}

// Probe connects to NS7, runs the batch and the sample, and returns the
// facts. It only fails for an invalid plan; everything NS7 does (refusing,
// staying silent, dropping the connection) is a fact.
func Probe(ctx context.Context, t Target, plan Plan, o Options) (*Facts, error) {
	if err := plan.Validate(); err != nil {
		return nil, err
	}
	f := &Facts{Host: t.Host, Port: t.Port, User: t.User, Plan: PlanFacts(plan)}
	cmds := plan.Commands()
	ids := make([]string, len(cmds))
	for i, c := range cmds {
		ids[i] = c.ID
	}
	nonce := Nonce()
	frames := NewFrames(nonce, ids)

	conn, err := Dial(ctx, t)
	if err != nil {
		var de *DialError
		if errors.As(err, &de) {
			f.ConnectStage, f.HostKey = de.Stage, de.HostKey
		}
		f.ConnectErr = err.Error()
		f.Fill(frames.Results())
		return f, nil
	}
	defer conn.Close()
	f.Connected, f.Auth, f.HostKey = true, conn.Auth, conn.HostKey

	bctx, cancel := context.WithTimeout(ctx, o.Batch)
	script := Script(cmds, nonce, o.PerCommand)
	err = conn.Run(bctx, "bash -c "+shellescape.Quote(script), frames.ReadStdout, frames.ReadStderr)
	batchDeadline := errors.Is(bctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil
	cancel()
	switch {
	case err == nil:
	case batchDeadline:
		f.DeadlineHit = true
	default:
		f.Dropped = err.Error()
	}
	f.Fill(frames.Results())
	if f.Dropped == "" && !f.DeadlineHit && len(f.Lost()) > 0 {
		f.Dropped = "NS7 ended the batch before every command answered"
	}

	if f.Dropped == "" && ctx.Err() == nil {
		f.Bandwidth = sample(ctx, conn, o)
		if f.Bandwidth.Error != "" && !alive(conn) {
			f.Dropped = f.Bandwidth.Error
		}
	}
	conn.mu.Lock()
	f.RoundTrips = conn.Sessions
	conn.mu.Unlock()
	return f, nil
}

// alive asks NS7 for a keepalive answer: a dead connection fails at once.
func alive(c *Conn) bool {
	_, _, err := c.Client.SendRequest("keepalive@openssh.com", true, nil)
	return err == nil
}

// sample streams SampleBytes of zeros from NS7 over the same connection
// (SSH does not compress here, so zeros cost what any data costs) and
// measures from the first byte to the last, leaving the session setup out.
func sample(ctx context.Context, c *Conn, o Options) *Bandwidth {
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
	err := c.Run(sctx, cmd, read, func(r io.Reader) error { _, err := io.Copy(io.Discard, r); return err })
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
