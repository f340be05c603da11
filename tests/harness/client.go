package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ProgressMsg is one message of progress/<agent>/task/<id>.
type ProgressMsg struct {
	Status   string `json:"status"`
	Progress int    `json:"progress"`
}

// TaskResult is what api-cli gets back from a finished task.
type TaskResult struct {
	ID string
	// Output is the output parsed as JSON, or the raw output as a JSON
	// string when it is not JSON (as api-cli shows it).
	Output json.RawMessage
	// OutputRaw is task/<agent>/<id>/output as stored.
	OutputRaw string
	Error     string
	ExitCode  int
	// Status is the last status published ("" if none was received).
	Status   string
	Progress []ProgressMsg
	// Context is task/<agent>/<id>/context (the masked task).
	Context  json.RawMessage
	Duration time.Duration
}

// Decode unmarshals the output into v.
func (r *TaskResult) Decode(v any) error { return json.Unmarshal(r.Output, v) }

// String summarizes the result for failure messages.
func (r *TaskResult) String() string {
	return fmt.Sprintf("task %s: status=%q exit_code=%d\noutput: %s\nerror: %s", r.ID, r.Status, r.ExitCode, r.OutputRaw, r.Error)
}

// TaskRequest is a task to push. User is sent as is ("" like api-cli as
// root); Extra defaults to api-cli's title/description.
type TaskRequest struct {
	Action string
	Data   any
	Extra  any
	User   string
	Parent string
}

// Pending is a submitted task.
type Pending struct {
	ID     string
	action string
	m      *Module
	ps     *redis.PubSub
	ch     <-chan *redis.Message
	start  time.Time
}

// FinalStatus reports whether a status ends a task.
func FinalStatus(s string) bool {
	return s == "completed" || s == "aborted" || s == "validation-failed"
}

// Run runs an action as user "admin" and waits for its result, like
// `api-cli run module/<id>/<action> --data <data>`.
func (m *Module) Run(ctx context.Context, action string, data any) (*TaskResult, error) {
	return m.RunTask(ctx, TaskRequest{Action: action, Data: data, User: "admin"})
}

// RunTask submits req and waits for the result.
func (m *Module) RunTask(ctx context.Context, req TaskRequest) (*TaskResult, error) {
	p, err := m.SubmitTask(ctx, req)
	if err != nil {
		return nil, err
	}
	return p.Wait(ctx)
}

// Submit pushes an action as user "admin" without waiting.
func (m *Module) Submit(ctx context.Context, action string, data any) (*Pending, error) {
	return m.SubmitTask(ctx, TaskRequest{Action: action, Data: data, User: "admin"})
}

// SubmitTask subscribes to the task's progress channel, checks that the
// agent is connected (CLIENT LIST idle ≤ 8 s, as api-cli does) and LPUSHes
// the task with the cluster credentials.
func (m *Module) SubmitTask(ctx context.Context, req TaskRequest) (*Pending, error) {
	admin := m.Redis.Admin()
	id := newUUID()
	extra := req.Extra
	if extra == nil {
		extra = map[string]any{
			"title":                m.AgentID() + "/" + req.Action,
			"description":          "nethvoice-preflight test harness",
			"isNotificationHidden": true,
		}
	}
	task := Task{
		ID: id, Action: req.Action, Data: req.Data, Extra: extra,
		Queue: m.AgentID() + "/tasks", User: req.User,
		Timestamp: time.Now().UTC().Truncate(time.Second), Parent: req.Parent,
	}
	raw, err := json.Marshal(task)
	if err != nil {
		return nil, fmt.Errorf("encode task: %w", err)
	}
	if err := m.checkIdle(ctx); err != nil {
		return nil, err
	}
	ps := admin.Subscribe(ctx, "progress/"+m.AgentID()+"/task/"+id)
	if _, err := ps.Receive(ctx); err != nil {
		ps.Close()
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	p := &Pending{ID: id, action: req.Action, m: m, ps: ps, ch: ps.Channel(), start: time.Now()}
	if err := admin.LPush(ctx, task.Queue, raw).Err(); err != nil {
		ps.Close()
		return nil, fmt.Errorf("LPUSH %s: %w", task.Queue, err)
	}
	m.t.Cleanup(func() { ps.Close() })
	return p, nil
}

// checkIdle fails like api-server's "client idle check failed" when no
// connection named <agent> was active in the last 8 s.
func (m *Module) checkIdle(ctx context.Context) error {
	list, err := m.Redis.Admin().ClientList(ctx).Result()
	if err != nil {
		return fmt.Errorf("CLIENT LIST: %w", err)
	}
	for _, line := range strings.Split(list, "\n") {
		f := clientFields(line)
		idle, err := strconv.Atoi(f["idle"])
		if f["name"] == m.AgentID() && err == nil && idle <= 8 {
			return nil
		}
	}
	return fmt.Errorf("client idle check failed: agent %s is not connected", m.AgentID())
}

// Wait collects progress messages until the task's output, error and
// exit_code keys all exist (MGET polled as a fallback, like api-cli).
func (p *Pending) Wait(ctx context.Context) (*TaskResult, error) {
	defer p.ps.Close()
	admin := p.m.Redis.Admin()
	res := &TaskResult{ID: p.ID}
	keys := []string{
		p.m.taskKey(p.ID, "output"), p.m.taskKey(p.ID, "error"), p.m.taskKey(p.ID, "exit_code"),
	}
	poll := time.NewTicker(250 * time.Millisecond)
	defer poll.Stop()
	var vals []any
	var grace <-chan time.Time
	fetch := func() (bool, error) {
		v, err := admin.MGet(ctx, keys...).Result()
		if err != nil {
			return false, err
		}
		for _, x := range v {
			if x == nil {
				return false, nil
			}
		}
		vals = v
		return true, nil
	}
	for {
		select {
		case msg, ok := <-p.ch:
			if !ok {
				p.ch = nil
				continue
			}
			var pm ProgressMsg
			if err := json.Unmarshal([]byte(msg.Payload), &pm); err != nil {
				return nil, fmt.Errorf("bad progress message %q: %w", msg.Payload, err)
			}
			res.Progress = append(res.Progress, pm)
			res.Status = pm.Status
			if FinalStatus(pm.Status) {
				done, err := fetch()
				if err != nil {
					return nil, err
				}
				if done {
					return p.finish(ctx, res, vals)
				}
			}
		case <-poll.C:
			if vals != nil {
				continue
			}
			done, err := fetch()
			if err != nil {
				continue // Redis may be frozen on purpose: keep waiting
			}
			if done {
				// The final message travels in the same transaction: give
				// it a moment to arrive before returning without it.
				grace = time.After(2 * time.Second)
			}
		case <-grace:
			return p.finish(ctx, res, vals)
		case <-ctx.Done():
			return nil, fmt.Errorf("task %s: %w (progress so far: %v)", p.ID, ctx.Err(), res.Progress)
		}
	}
}

func (p *Pending) finish(ctx context.Context, res *TaskResult, vals []any) (*TaskResult, error) {
	res.Duration = time.Since(p.start)
	res.OutputRaw, _ = vals[0].(string)
	res.Error, _ = vals[1].(string)
	code, _ := vals[2].(string)
	n, err := strconv.Atoi(code)
	if err != nil {
		return nil, fmt.Errorf("task %s: exit_code %q: %w", p.ID, code, err)
	}
	res.ExitCode = n
	p.m.dump(p.action, res.OutputRaw)
	if json.Valid([]byte(res.OutputRaw)) {
		res.Output = json.RawMessage(res.OutputRaw)
	} else {
		res.Output, _ = json.Marshal(res.OutputRaw)
	}
	c, err := p.m.Redis.Admin().Get(ctx, p.m.taskKey(p.ID, "context")).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("task %s context: %w", p.ID, err)
	}
	if c != "" {
		res.Context = json.RawMessage(c)
	}
	return res, nil
}
