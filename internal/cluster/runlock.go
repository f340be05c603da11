package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RunLockKey is the own-key suffix of the run-preflight lock (the key of
// earlier versions, so that a run started before an update is still seen).
const RunLockKey = "preflight/lock"

// RunLock is a held run lock.
type RunLock struct {
	rdb   *redis.Client
	key   string
	token string
}

// Holder describes who holds the lock: a task id and a time, nothing else.
type Holder struct {
	Token     string `json:"token"`
	TaskID    string `json:"task_id"`
	StartedAt string `json:"started_at"`
	TTLs      int64  `json:"ttl_s"`
}

// ErrLocked is returned by AcquireRunLock when another run holds the lock.
type ErrLocked struct{ Holder Holder }

func (e *ErrLocked) Error() string {
	return fmt.Sprintf("another run-preflight (task %s, started %s) is in progress; it ends, or its lock expires, within %d s",
		e.Holder.TaskID, e.Holder.StartedAt, e.Holder.TTLs)
}

// AcquireRunLock takes the module's run lock on the leader (SET NX with a
// TTL, so that a crashed run does not keep it longer than that). It stays
// in Redis, as SPEC §8 says: it carries nothing but a task id and a time.
func AcquireRunLock(ctx context.Context, rdb *redis.Client, moduleID, taskID string, ttl time.Duration) (*RunLock, error) {
	b := make([]byte, 16)
	rand.Read(b) //nolint:errcheck // crypto/rand does not fail on Linux
	h := Holder{Token: hex.EncodeToString(b), TaskID: taskID, StartedAt: time.Now().UTC().Format(time.RFC3339)}
	raw, _ := json.Marshal(h)
	key := OwnKey(moduleID, RunLockKey)
	ok, err := rdb.SetNX(ctx, key, raw, ttl).Result()
	if err != nil {
		return nil, err
	}
	if ok {
		return &RunLock{rdb: rdb, key: key, token: h.Token}, nil
	}
	cur, err := rdb.Get(ctx, key).Result()
	var other Holder
	if err == nil {
		json.Unmarshal([]byte(cur), &other) //nolint:errcheck
	}
	if d, err := rdb.TTL(ctx, key).Result(); err == nil {
		other.TTLs = int64(d.Seconds())
	}
	return nil, &ErrLocked{Holder: other}
}

// Release deletes the lock if it is still ours (WATCH/MULTI: the module's
// Redis user may not run scripts).
func (l *RunLock) Release(ctx context.Context) error {
	return l.rdb.Watch(ctx, func(tx *redis.Tx) error {
		cur, err := tx.Get(ctx, l.key).Result()
		if errors.Is(err, redis.Nil) {
			return nil
		}
		if err != nil {
			return err
		}
		var h Holder
		if json.Unmarshal([]byte(cur), &h) != nil || h.Token != l.token {
			return nil // expired and taken by another run: not ours to delete
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, l.key)
			return nil
		})
		return err
	}, l.key)
}

// Publish sends module/<id>/event/<name> with a JSON payload. Every
// subscriber can read it, the default user of every node included: the
// payload must carry nothing learned from NS7.
func Publish(ctx context.Context, rdb *redis.Client, moduleID, name string, payload any) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	return rdb.Publish(ctx, "module/"+moduleID+"/event/"+name, raw).Err()
}
