// Package runner runs collectors concurrently, each under its own deadline,
// and evaluates checks safely. A collector that does not answer in time
// becomes an outcome that says so: the action never waits longer than the
// deadline, whatever the network does.
package runner

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime/debug"
	"time"
)

// Outcome tells how a collection ended.
type Outcome struct {
	Err      error
	TimedOut bool
	Duration time.Duration
}

// OK is true when the collection produced its facts.
func (o Outcome) OK() bool { return o.Err == nil }

// Pending is a collection under way.
type Pending[T any] struct {
	done    chan struct{}
	val     T
	out     Outcome
	timeout time.Duration
}

// Go starts f under a deadline of timeout (also bounded by ctx). The result
// is delivered by Wait; a collector still running at its deadline is
// abandoned (its late result is dropped), so it can never block the action.
func Go[T any](ctx context.Context, timeout time.Duration, what string, f func(ctx context.Context) (T, error)) *Pending[T] {
	p := &Pending[T]{done: make(chan struct{}), timeout: timeout}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	start := time.Now()
	type res struct {
		v   T
		err error
	}
	ch := make(chan res, 1) // buffered: a late collector must not leak blocked
	go func() {
		defer func() {
			if r := recover(); r != nil {
				ch <- res{err: fmt.Errorf("internal error in %s: %v\n%s", what, r, debug.Stack())}
			}
		}()
		v, err := f(cctx)
		ch <- res{v, err}
	}()
	go func() {
		defer cancel()
		defer close(p.done)
		select {
		case r := <-ch:
			p.val, p.out.Err = r.v, r.err
			if r.err != nil && (cctx.Err() == context.DeadlineExceeded || isTimeout(r.err)) {
				p.out.TimedOut = true
				p.out.Err = fmt.Errorf("%s did not answer within %s", what, timeout)
			}
		case <-cctx.Done():
			p.out.TimedOut = ctx.Err() == nil || ctx.Err() == context.DeadlineExceeded
			p.out.Err = fmt.Errorf("%s did not answer within %s", what, timeout)
		}
		p.out.Duration = time.Since(start)
	}()
	return p
}

// isTimeout recognises a network deadline that fired a moment before the
// context's own (a client read timeout equal to the deadline races it).
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// Wait returns the facts and how their collection ended.
func (p *Pending[T]) Wait() (T, Outcome) {
	<-p.done
	return p.val, p.out
}

// Safe runs a pure evaluator and turns a panic into an error, so one broken
// check cannot take the whole report down.
func Safe[T any](f func() T) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	return f(), nil
}
