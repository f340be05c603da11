package cluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

func TestRunLock(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	ctx := context.Background()
	l, err := AcquireRunLock(ctx, rdb, "m1", "task-1", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireRunLock(ctx, rdb, "m1", "task-2", time.Minute)
	var locked *ErrLocked
	if !errors.As(err, &locked) || locked.Holder.TaskID != "task-1" || locked.Holder.TTLs <= 0 {
		t.Fatalf("second run: %v", err)
	}
	// A lock that expired and was taken by another run is not ours to release.
	mr.FastForward(2 * time.Minute)
	l2, err := AcquireRunLock(ctx, rdb, "m1", "task-3", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if !mr.Exists("module/m1/preflight/lock") {
		t.Fatal("the first run released the third run's lock")
	}
	if err := l2.Release(ctx); err != nil || mr.Exists("module/m1/preflight/lock") {
		t.Fatalf("own lock not released: %v", err)
	}
}

func TestPublish(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	sub := redis.NewClient(&redis.Options{Addr: mr.Addr()}).Subscribe(context.Background(), "module/m1/event/preflight-completed")
	defer sub.Close()
	if _, err := sub.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := Publish(context.Background(), rdb, "m1", "preflight-completed", map[string]any{"run_id": "r1", "ready": true}); err != nil {
		t.Fatal(err)
	}
	msg, err := sub.ReceiveMessage(context.Background())
	if err != nil || msg.Payload != `{"ready":true,"run_id":"r1"}` {
		t.Fatalf("event %v %v", msg, err)
	}
}
