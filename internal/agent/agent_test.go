package agent

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestChannelProgress(t *testing.T) {
	tests := []struct {
		name  string
		calls []int
		want  string
	}{
		{"increasing", []int{10, 20, 100}, "set-progress 10\nset-progress 20\nset-progress 100\n"},
		{"never backwards", []int{50, 40, 10, 60}, "set-progress 50\nset-progress 60\n"},
		{"no repeats", []int{30, 30, 30}, "set-progress 30\n"},
		{"clamped high", []int{150, 100, 101}, "set-progress 100\n"},
		{"clamped low", []int{-5, 0, -1, 1}, "set-progress 0\nset-progress 1\n"},
		{"zero first", []int{0}, "set-progress 0\n"},
		{"nothing", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			c := NewChannel(&buf)
			for _, p := range tc.calls {
				c.Progress(p)
			}
			if got := buf.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestChannelValidationFailed(t *testing.T) {
	var buf bytes.Buffer
	c := NewChannel(&buf)
	c.Progress(10)
	c.ValidationFailed()
	if got, want := buf.String(), "set-progress 10\nset-status validation-failed\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestChannelConcurrentProgress: many goroutines report progress at once;
// the lines stay whole and strictly increasing.
func TestChannelConcurrentProgress(t *testing.T) {
	var buf bytes.Buffer
	c := NewChannel(&buf)
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for p := g % 3; p <= 100; p += 3 {
				c.Progress(p)
			}
		}(g)
	}
	wg.Wait()
	last := -1
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	for _, l := range lines {
		n, err := strconv.Atoi(strings.TrimPrefix(l, "set-progress "))
		if err != nil || !strings.HasPrefix(l, "set-progress ") {
			t.Fatalf("malformed line %q", l)
		}
		if n <= last {
			t.Fatalf("progress went from %d to %d", last, n)
		}
		last = n
	}
	if last != 100 {
		t.Errorf("last progress %d, want 100", last)
	}
}

func TestLogger(t *testing.T) {
	type logf func(l *Logger, format string, args ...any)
	errorf := func(l *Logger, f string, a ...any) { l.Errorf(f, a...) }
	warnf := func(l *Logger, f string, a ...any) { l.Warnf(f, a...) }
	infof := func(l *Logger, f string, a ...any) { l.Infof(f, a...) }
	debugf := func(l *Logger, f string, a ...any) { l.Debugf(f, a...) }
	tests := []struct {
		name     string
		prefixes bool
		debug    bool
		log      logf
		want     string
	}{
		{"err under agent", true, false, errorf, "<3>boom 42\n"},
		{"warning under agent", true, false, warnf, "<4>boom 42\n"},
		{"info under agent", true, false, infof, "<6>boom 42\n"},
		{"debug under agent", true, true, debugf, "<7>boom 42\n"},
		{"debug off under agent", true, false, debugf, ""},
		{"err plain", false, false, errorf, "error: boom 42\n"},
		{"warning plain", false, false, warnf, "warning: boom 42\n"},
		{"info plain", false, false, infof, "info: boom 42\n"},
		{"debug plain", false, true, debugf, "debug: boom 42\n"},
		{"debug off plain", false, false, debugf, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := NewLogger(&buf, tc.prefixes)
			l.Debug = tc.debug
			tc.log(l, "boom %d", 42)
			if got := buf.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFromOS(t *testing.T) {
	for _, k := range []string{"AGENT_ID", "AGENT_STATE_DIR", "AGENT_INSTALL_DIR", "MODULE_ID", "NODE_ID",
		"REDIS_ADDRESS", "REDIS_REPLICA_ADDRESS", "REDIS_USER", "REDIS_PASSWORD", "AGENT_TASK_ID",
		"AGENT_TASK_USER", "AGENT_COMFD"} {
		t.Setenv(k, "")
	}
	if e := FromOS(); e.UnderTheAgent || e.ModuleID != "" {
		t.Errorf("empty environment: %+v", e)
	}
	t.Setenv("AGENT_ID", "module/nethvoice-preflight1")
	t.Setenv("AGENT_STATE_DIR", "/home/nethvoice-preflight1/.config/state")
	t.Setenv("REDIS_PASSWORD", "do-not-print-me")
	t.Setenv("AGENT_COMFD", "3")
	e := FromOS()
	if !e.UnderTheAgent {
		t.Error("AGENT_ID set but UnderTheAgent false")
	}
	if e.ModuleID != "nethvoice-preflight1" {
		t.Errorf("ModuleID %q, want it derived from AGENT_ID", e.ModuleID)
	}
	if e.StateDir != "/home/nethvoice-preflight1/.config/state" || e.ComFD != "3" || e.RedisPassword != "do-not-print-me" {
		t.Errorf("env not read: %+v", e)
	}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "do-not-print-me") {
		t.Errorf("REDIS_PASSWORD leaks in the JSON form: %s", b)
	}
	t.Setenv("MODULE_ID", "explicit1")
	if e := FromOS(); e.ModuleID != "explicit1" {
		t.Errorf("MODULE_ID must win over AGENT_ID, got %q", e.ModuleID)
	}
	t.Setenv("MODULE_ID", "")
	t.Setenv("AGENT_ID", "cluster")
	if e := FromOS(); e.ModuleID != "" {
		t.Errorf("non-module agent gave ModuleID %q", e.ModuleID)
	}
}

// dupFD returns a duplicate of f's descriptor, to be owned by the Channel
// (its *os.File closes it when collected).
func dupFD(t *testing.T, f *os.File) int {
	t.Helper()
	fd, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	if fd <= 2 {
		t.Fatalf("dup gave fd %d", fd)
	}
	return fd
}

func readN(t *testing.T, r *os.File, n int) string {
	t.Helper()
	if err := r.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatalf("read %d bytes from the pipe: %v (got %q)", n, err, buf)
	}
	return string(buf)
}

func TestOpenChannelPipe(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	var stderr bytes.Buffer
	c := OpenChannel(Env{ComFD: strconv.Itoa(dupFD(t, w))}, &stderr)
	c.Progress(5)
	c.Progress(3)
	c.Progress(250)
	c.ValidationFailed()
	want := "set-progress 5\nset-progress 100\nset-status validation-failed\n"
	if got := readN(t, r, len(want)); got != want {
		t.Errorf("pipe got %q, want %q", got, want)
	}
	if stderr.Len() != 0 {
		t.Errorf("commands went to stderr too: %q", stderr.String())
	}
}

func TestOpenChannelFallback(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	closed := int(w.Fd())
	w.Close() // a number that is no longer an open descriptor
	tests := []struct {
		name  string
		comfd string
	}{
		{"unset", ""},
		{"stderr, as for events", "2"},
		{"stdout", "1"},
		{"stdin", "0"},
		{"negative", "-4"},
		{"not a number", "three"},
		{"closed descriptor", strconv.Itoa(closed)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			c := OpenChannel(Env{ComFD: tc.comfd}, &stderr)
			c.Progress(42)
			if got, want := stderr.String(), "set-progress 42\n"; got != want {
				t.Errorf("stderr got %q, want %q", got, want)
			}
		})
	}
}

func TestWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, map[string]any{"msg": "<3> a&b", "n": 1}); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), `{"msg":"<3> a&b","n":1}`+"\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := WriteJSON(io.Discard, func() {}); err == nil {
		t.Error("unencodable value: no error")
	}
}

func TestWriteJSONError(t *testing.T) {
	err := WriteJSON(failWriter{}, []int{1})
	if !errors.Is(err, errWrite) {
		t.Errorf("got %v, want the writer's error", err)
	}
}

var errWrite = errors.New("write failed")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errWrite }

// TestOpenChannelLeavesForeignFDs: a closed AGENT_COMFD number must not be
// wrapped in an *os.File, whose finalizer would close the number later,
// after this process reused it for another file.
func TestOpenChannelLeavesForeignFDs(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := int(w.Fd())
	w.Close()
	OpenChannel(Env{ComFD: strconv.Itoa(n)}, io.Discard)

	// Reuse the number: POSIX gives the lowest free descriptor.
	var reused *os.File
	for i := 0; i < 16 && reused == nil; i++ {
		f, err := os.Open(os.DevNull)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if int(f.Fd()) == n {
			reused = f
		}
	}
	if reused == nil {
		t.Fatalf("descriptor %d was not reused", n)
	}
	for i := 0; i < 5; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := reused.Stat(); err != nil {
		t.Fatalf("a file opened on the old AGENT_COMFD number was closed behind our back: %v", err)
	}
}

// A sub-channel moves its parent's progress within its range, never back.
func TestSubChannelProgress(t *testing.T) {
	var b strings.Builder
	parent := NewChannel(&b)
	parent.Progress(5)
	sub := parent.Sub(10, 90)
	for _, p := range []int{0, 50, 40, 100} {
		sub.Progress(p)
	}
	sub.ValidationFailed() // the outer action reports its own status
	if got := b.String(); got != "set-progress 5\nset-progress 10\nset-progress 50\nset-progress 90\n" {
		t.Errorf("%q", got)
	}
}
