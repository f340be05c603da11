package runner

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

func TestGoCompletes(t *testing.T) {
	p := Go(context.Background(), time.Second, "fast", func(ctx context.Context) (int, error) { return 42, nil })
	v, o := p.Wait()
	if v != 42 || !o.OK() || o.TimedOut {
		t.Fatalf("got %v %+v", v, o)
	}
}

func TestGoError(t *testing.T) {
	p := Go(context.Background(), time.Second, "bad", func(ctx context.Context) (int, error) { return 0, errors.New("boom") })
	_, o := p.Wait()
	if o.OK() || o.TimedOut || o.Err.Error() != "boom" {
		t.Fatalf("got %+v", o)
	}
}

// A collector that ignores its context must still be abandoned at the deadline.
func TestGoDeadlineHoldsAgainstStuckCollector(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	start := time.Now()
	p := Go(context.Background(), 100*time.Millisecond, "silent server", func(ctx context.Context) (int, error) {
		<-release
		return 1, nil
	})
	v, o := p.Wait()
	if el := time.Since(start); el > time.Second {
		t.Fatalf("waited %s", el)
	}
	if v != 0 || !o.TimedOut || !strings.Contains(o.Err.Error(), "silent server did not answer within 100ms") {
		t.Fatalf("got %v %+v", v, o)
	}
}

func TestGoContextAwareTimeout(t *testing.T) {
	p := Go(context.Background(), 50*time.Millisecond, "x", func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	_, o := p.Wait()
	if !o.TimedOut {
		t.Fatalf("got %+v", o)
	}
}

func TestGoPanicBecomesError(t *testing.T) {
	p := Go(context.Background(), time.Second, "p", func(ctx context.Context) (int, error) { panic("oops") })
	_, o := p.Wait()
	if o.OK() || !strings.Contains(o.Err.Error(), "oops") {
		t.Fatalf("got %+v", o)
	}
}

func TestSafe(t *testing.T) {
	if _, err := Safe(func() int { panic("x") }); err == nil {
		t.Fatal("panic not caught")
	}
	if v, err := Safe(func() int { return 3 }); err != nil || v != 3 {
		t.Fatal(v, err)
	}
}

// A client's own read timeout that fires just before the deadline is
// reported as the deadline, not as a raw i/o error.
func TestGoNetTimeoutIsTimeout(t *testing.T) {
	p := Go(context.Background(), time.Second, "the cluster database", func(ctx context.Context) (int, error) {
		return 0, fmt.Errorf("read cluster keys: %w", os.ErrDeadlineExceeded)
	})
	_, o := p.Wait()
	if !o.TimedOut || !strings.Contains(o.Err.Error(), "the cluster database did not answer within 1s") {
		t.Fatalf("%+v", o)
	}
}
