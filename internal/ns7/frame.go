package ns7

import (
	"bufio"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits on what one command may print: NS7 is trusted to answer, not to
// answer briefly, and a huge extension list must not exhaust memory.
const (
	MaxOutput = 8 << 20 // bytes kept per command
	maxStderr = 2 << 10 // bytes of stderr kept per command, for the log
	maxLine   = 1 << 20 // a longer line is cut
)

// Result is what one command gave.
type Result struct {
	ID     string `json:"id"`
	Status string `json:"status"` // ok | failed | timeout | lost | not-run
	Exit   int    `json:"exit_code"`
	// Output is stdout (the parsers read it; it is never put in a report as
	// it is: the facts keep what the parsers extract).
	Output    string `json:"-"`
	Stderr    string `json:"-"`
	Truncated bool   `json:"truncated,omitempty"`
	// Reason says why the answer cannot be judged as a value (the command
	// is missing, refused, failed, garbled, cut, or was not asked: see
	// reasonOf); empty when it can, and when it never came (the status
	// says so). It holds at most the first line of stderr, clipped.
	Reason   string        `json:"reason,omitempty"`
	Duration time.Duration `json:"-"`
	started  time.Time
	done     bool
}

// Command statuses.
const (
	StatusOK      = "ok"
	StatusFailed  = "failed"  // ran, exit code not 0
	StatusTimeout = "timeout" // killed by timeout(1) on NS7
	StatusLost    = "lost"    // started, but its end never arrived (connection dropped or probe deadline)
	StatusNotRun  = "not-run" // never started
	// StatusNotAsked: the probe did not send it (only root gets its
	// answer, and the probe connects as another user); Reason says so.
	StatusNotAsked = "not-asked"
)

// Frames collects the framed output of one batch.
type Frames struct {
	// OnEnd, when set, is told how many commands ended, of how many, each
	// time one ends (progress); it must not block.
	OnEnd func(done, total int)
	nonce string
	mu    sync.Mutex
	res   map[string]*Result
	order []string
	ended int
}

// NewFrames prepares the collection of the given commands.
func NewFrames(nonce string, ids []string) *Frames {
	f := &Frames{nonce: nonce, res: map[string]*Result{}}
	for _, id := range ids {
		f.res[id] = &Result{ID: id, Status: StatusNotRun, Exit: -1}
		f.order = append(f.order, id)
	}
	return f
}

func readLine(r *bufio.Reader) (string, bool, error) {
	var b strings.Builder
	cut := false
	for {
		chunk, err := r.ReadSlice('\n')
		if b.Len()+len(chunk) <= maxLine {
			b.Write(chunk)
		} else {
			cut = true
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		return b.String(), cut, err
	}
}

// ReadStdout splits the stdout stream into command outputs. It returns when
// the stream ends; a frame open at that moment stays lost.
func (f *Frames) ReadStdout(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	begin, end := f.nonce+" begin ", f.nonce+" end "
	var cur *Result
	var out strings.Builder
	for {
		line, cut, err := readLine(br)
		if line != "" {
			trimmed := strings.TrimSuffix(line, "\n")
			switch {
			case strings.HasPrefix(trimmed, begin):
				f.mu.Lock()
				if res := f.res[strings.TrimPrefix(trimmed, begin)]; res != nil && !res.done {
					cur = res
					cur.Status, cur.started = StatusLost, time.Now()
					out.Reset()
				} else {
					cur = nil
				}
				f.mu.Unlock()
			case cur != nil && strings.HasPrefix(trimmed, end+cur.ID+" "):
				rc, perr := strconv.Atoi(strings.TrimPrefix(trimmed, end+cur.ID+" "))
				if perr != nil {
					rc = -1
				}
				f.mu.Lock()
				// The script put one newline before the end marker.
				cur.Output = strings.TrimSuffix(out.String(), "\n")
				cur.Exit, cur.done, cur.Duration = rc, true, time.Since(cur.started)
				cur.Status = statusOf(rc)
				f.ended++
				ended, total := f.ended, len(f.order)
				f.mu.Unlock()
				if f.OnEnd != nil {
					f.OnEnd(ended, total)
				}
				cur = nil
			case cur != nil:
				if cut || out.Len()+len(line) > MaxOutput {
					f.mu.Lock()
					cur.Truncated = true
					f.mu.Unlock()
				}
				if out.Len()+len(line) <= MaxOutput {
					out.WriteString(line)
				}
			}
		}
		if err != nil {
			if cur != nil {
				f.mu.Lock()
				cur.Output = out.String()
				f.mu.Unlock()
			}
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// ReadStderr keeps a bounded tail of each command's stderr (for the log).
func (f *Frames) ReadStderr(r io.Reader) error {
	br := bufio.NewReaderSize(r, 16<<10)
	begin := f.nonce + " begin "
	var cur *Result
	for {
		line, _, err := readLine(br)
		trimmed := strings.TrimSuffix(line, "\n")
		if strings.HasPrefix(trimmed, begin) {
			f.mu.Lock()
			cur = f.res[strings.TrimPrefix(trimmed, begin)]
			f.mu.Unlock()
		} else if cur != nil && line != "" {
			f.mu.Lock()
			if len(cur.Stderr)+len(line) <= maxStderr {
				cur.Stderr += line
			}
			f.mu.Unlock()
		}
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func statusOf(rc int) string {
	switch rc {
	case 0:
		return StatusOK
	case 124, 137: // timeout(1): TERM at the deadline, KILL 2 s later
		return StatusTimeout
	default:
		return StatusFailed
	}
}

// Results returns a copy of every result, in command order.
func (f *Frames) Results() []Result {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Result, 0, len(f.order))
	for _, id := range f.order {
		out = append(out, *f.res[id])
	}
	return out
}
