// Package agent is the client side of the NS8 agent protocol
// (reference/ns8-platform.md §2): the fd-3 command channel, journald
// priority prefixes on stderr, the validation-failed answer and exit codes.
package agent

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"
)

// Exit codes understood by the agent.
const (
	ExitOK         = 0
	ExitError      = 1
	ExitValidation = 10
)

// Priority prefixes read by journald through the agent.
const (
	PrioErr     = "<3>"
	PrioWarning = "<4>"
	PrioInfo    = "<6>"
	PrioDebug   = "<7>"
)

// Env is what the agent gives a step in its environment.
type Env struct {
	AgentID       string
	StateDir      string
	InstallDir    string
	ModuleID      string
	NodeID        string
	RedisAddress  string
	RedisReplica  string
	RedisUser     string
	RedisPassword string `json:"-"`
	TaskID        string
	TaskUser      string
	ComFD         string
	UnderTheAgent bool
}

// FromOS reads the step environment.
func FromOS() Env {
	e := Env{
		AgentID:       os.Getenv("AGENT_ID"),
		StateDir:      os.Getenv("AGENT_STATE_DIR"),
		InstallDir:    os.Getenv("AGENT_INSTALL_DIR"),
		ModuleID:      os.Getenv("MODULE_ID"),
		NodeID:        os.Getenv("NODE_ID"),
		RedisAddress:  os.Getenv("REDIS_ADDRESS"),
		RedisReplica:  os.Getenv("REDIS_REPLICA_ADDRESS"),
		RedisUser:     os.Getenv("REDIS_USER"),
		RedisPassword: os.Getenv("REDIS_PASSWORD"),
		TaskID:        os.Getenv("AGENT_TASK_ID"),
		TaskUser:      os.Getenv("AGENT_TASK_USER"),
		ComFD:         os.Getenv("AGENT_COMFD"),
	}
	e.UnderTheAgent = e.AgentID != ""
	if e.ModuleID == "" && len(e.AgentID) > len("module/") && e.AgentID[:len("module/")] == "module/" {
		e.ModuleID = e.AgentID[len("module/"):]
	}
	return e
}

// Channel writes agent commands (set-progress, set-status) to the fd named
// by AGENT_COMFD, or to stderr when there is none, as the Python library does.
type Channel struct {
	mu   sync.Mutex
	w    io.Writer
	last int
	// parent, from, to: a sub-channel's progress 0-100 is the parent's
	// from-to (an action run inside another).
	parent   *Channel
	from, to int
}

// Sub returns a channel whose progress (0-100) moves c's from from to to;
// its other commands are dropped (the outer action reports its status).
func (c *Channel) Sub(from, to int) *Channel {
	return &Channel{w: io.Discard, last: -1, parent: c, from: from, to: to}
}

// OpenChannel opens the command channel of env.
func OpenChannel(env Env, stderr io.Writer) *Channel {
	if env.ComFD != "" {
		// Check the descriptor before wrapping it: an *os.File for a number
		// that is not open would close that number when collected, possibly
		// after it was reused by another file of this process.
		var st syscall.Stat_t
		if fd, err := strconv.Atoi(env.ComFD); err == nil && fd > 2 && syscall.Fstat(fd, &st) == nil {
			if f := os.NewFile(uintptr(fd), "agent-comfd"); f != nil {
				return &Channel{w: f, last: -1}
			}
		}
	}
	return &Channel{w: stderr, last: -1}
}

// NewChannel writes commands to w (tests).
func NewChannel(w io.Writer) *Channel { return &Channel{w: w, last: -1} }

// Progress sends set-progress; it never goes backwards nor repeats a value.
func (c *Channel) Progress(pct int) {
	if pct < 0 {
		pct = 0
	}
	if pct > 100 {
		pct = 100
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if pct <= c.last {
		return
	}
	c.last = pct
	if c.parent != nil {
		c.parent.Progress(c.from + (c.to-c.from)*pct/100)
		return
	}
	fmt.Fprintf(c.w, "set-progress %d\n", pct)
}

// ValidationFailed sends set-status validation-failed.
func (c *Channel) ValidationFailed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintln(c.w, "set-status validation-failed")
}

// Logger writes log lines on stderr with journald priority prefixes when
// running under the agent, plain otherwise.
type Logger struct {
	mu       sync.Mutex
	w        io.Writer
	prefixes bool
	Debug    bool
}

// NewLogger logs to w; prefixes are on under the agent.
func NewLogger(w io.Writer, prefixes bool) *Logger { return &Logger{w: w, prefixes: prefixes} }

func (l *Logger) log(prio, label, format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	msg := fmt.Sprintf(format, args...)
	if l.prefixes {
		fmt.Fprintf(l.w, "%s%s\n", prio, msg)
		return
	}
	fmt.Fprintf(l.w, "%s: %s\n", label, msg)
}

// Errorf logs at priority err.
func (l *Logger) Errorf(format string, args ...any) { l.log(PrioErr, "error", format, args...) }

// Warnf logs at priority warning.
func (l *Logger) Warnf(format string, args ...any) { l.log(PrioWarning, "warning", format, args...) }

// Infof logs at priority info.
func (l *Logger) Infof(format string, args ...any) { l.log(PrioInfo, "info", format, args...) }

// Debugf logs at priority debug, only when Debug is set.
func (l *Logger) Debugf(format string, args ...any) {
	if l.Debug {
		l.log(PrioDebug, "debug", format, args...)
	}
}

// WriteJSON prints one JSON document and a newline.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
