package agent

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The test binary re-executes itself as an environment writer when these
// variables are set (see TestMain), to race real processes on the flock.
const (
	helperEnv     = "PREFLIGHT_ENVFILE_HELPER_DIR"
	helperKeyEnv  = "PREFLIGHT_ENVFILE_HELPER_KEY"
	helperRounds  = 5
	helperTimeout = 60 * time.Second
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(envWriterProcess(dir, os.Getenv(helperKeyEnv)))
	}
	os.Exit(m.Run())
}

// envWriterProcess sets <key>_<round>=<lower-cased key>_<round> for every round.
func envWriterProcess(dir, key string) int {
	for i := 0; i < helperRounds; i++ {
		k := fmt.Sprintf("%s_%d", key, i)
		v := strings.ToLower(k)
		if err := UpdateEnvironment(dir, map[string]*string{k: &v}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

func sp(s string) *string { return &s }

func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // not subject to the umask
		t.Fatal(err)
	}
}

func readRaw(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, EnvironmentFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dirNames lists a directory, to find temp files left behind.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestReadEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		content string
		want    map[string]string
	}{
		{"empty file", "", map[string]string{}},
		{"simple", "A=1\nB=two\n", map[string]string{"A": "1", "B": "two"}},
		{"no final newline", "A=1\nB=2", map[string]string{"A": "1", "B": "2"}},
		{"lines without = ignored", "# comment\nA=1\njunk\n\nB=2\n", map[string]string{"A": "1", "B": "2"}},
		{"empty key ignored", "=value\nA=1\n", map[string]string{"A": "1"}},
		{"value keeps further =", "RESOLVERS=a=b=c\n", map[string]string{"RESOLVERS": "a=b=c"}},
		{"empty value", "EMPTY=\n", map[string]string{"EMPTY": ""}},
		{"no unquoting", `Q="quoted value" with spaces` + "\n", map[string]string{"Q": `"quoted value" with spaces`}},
		{"last duplicate wins", "A=1\nA=2\n", map[string]string{"A": "2"}},
		{"json value", `PREFLIGHT_IGNORE=[{"id":"a.b","reason":"x = y"}]` + "\n",
			map[string]string{"PREFLIGHT_IGNORE": `[{"id":"a.b","reason":"x = y"}]`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, EnvironmentFile), tc.content, 0o644)
			got, err := ReadEnvironment(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReadEnvironmentMissing(t *testing.T) {
	got, err := ReadEnvironment(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got) != 0 {
		t.Errorf("missing file: got %#v, want an empty non-nil map", got)
	}
	if _, err := ReadEnvironment(filepath.Join(t.TempDir(), "no", "such", "dir")); err != nil {
		t.Errorf("missing dir: %v", err)
	}
}

func TestUpdateEnvironment(t *testing.T) {
	tests := []struct {
		name    string
		initial string // "" = no file
		set     map[string]*string
		want    string // raw file content after the update
	}{
		{
			name: "creates the file",
			set:  map[string]*string{"B": sp("2"), "A": sp("1")},
			want: "A=1\nB=2\n",
		},
		{
			name:    "keys sorted on rewrite, junk dropped",
			initial: "ZED=z\nMODULE_ID=nethvoice-preflight1\njunk line\nALPHA=a\n",
			set:     map[string]*string{"MIDDLE": sp("m")},
			want:    "ALPHA=a\nMIDDLE=m\nMODULE_ID=nethvoice-preflight1\nZED=z\n",
		},
		{
			name:    "replace a value",
			initial: "A=1\nB=2\n",
			set:     map[string]*string{"A": sp("one")},
			want:    "A=one\nB=2\n",
		},
		{
			name:    "nil removes a key",
			initial: "A=1\nB=2\nC=3\n",
			set:     map[string]*string{"B": nil, "NOT_THERE": nil},
			want:    "A=1\nC=3\n",
		},
		{
			name:    "empty value is kept as a key",
			initial: "A=1\n",
			set:     map[string]*string{"E": sp("")},
			want:    "A=1\nE=\n",
		},
		{
			name:    "remove the last key",
			initial: "A=1\n",
			set:     map[string]*string{"A": nil},
			want:    "",
		},
		{
			name:    "values are written verbatim",
			initial: "",
			set:     map[string]*string{"J": sp(`[{"id":"a.b","reason":"say \"hi\" = ok, àè"}]`)},
			want:    `J=[{"id":"a.b","reason":"say \"hi\" = ok, àè"}]` + "\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.initial != "" {
				writeFile(t, filepath.Join(dir, EnvironmentFile), tc.initial, 0o644)
			}
			if err := UpdateEnvironment(dir, tc.set); err != nil {
				t.Fatal(err)
			}
			if got := readRaw(t, dir); got != tc.want {
				t.Errorf("file:\n%q\nwant:\n%q", got, tc.want)
			}
			if names := dirNames(t, dir); !reflect.DeepEqual(names, []string{LockFile, EnvironmentFile}) {
				t.Errorf("directory holds %v, want only the lock and the file", names)
			}
		})
	}
}

func TestUpdateEnvironmentRejects(t *testing.T) {
	tests := []struct {
		name string
		set  map[string]*string
	}{
		{"newline in value", map[string]*string{"A": sp("x\nEVIL=1")}},
		{"carriage return in value", map[string]*string{"A": sp("x\r")}},
		{"NUL in value", map[string]*string{"A": sp("x\x00y")}},
		{"empty key", map[string]*string{"": sp("x")}},
		{"= in key", map[string]*string{"A=B": sp("x")}},
		{"newline in key", map[string]*string{"A\nB": sp("x")}},
		{"one bad among good", map[string]*string{"GOOD": sp("ok"), "BAD": sp("a\nb")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			const initial = "KEEP=1\n"
			writeFile(t, filepath.Join(dir, EnvironmentFile), initial, 0o600)
			if err := UpdateEnvironment(dir, tc.set); err == nil {
				t.Fatal("accepted")
			}
			if got := readRaw(t, dir); got != initial {
				t.Errorf("file changed on a rejected update: %q", got)
			}
			for _, n := range dirNames(t, dir) {
				if strings.HasPrefix(n, ".environment.tmp") {
					t.Errorf("temp file %s left behind", n)
				}
			}
		})
	}
}

func TestUpdateEnvironmentKeepsMode(t *testing.T) {
	for _, mode := range []os.FileMode{0o600, 0o640, 0o644, 0o660} {
		t.Run(mode.String(), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, EnvironmentFile)
			writeFile(t, path, "A=1\n", mode)
			if err := UpdateEnvironment(dir, map[string]*string{"B": sp("2")}); err != nil {
				t.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != mode {
				t.Errorf("mode %v after update, want %v", st.Mode().Perm(), mode)
			}
		})
	}
	// A new file is 0644, as the agent creates it (world-readable, no secret).
	dir := t.TempDir()
	if err := UpdateEnvironment(dir, map[string]*string{"A": sp("1")}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, EnvironmentFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", st.Mode().Perm())
	}
}

func TestUpdateEnvironmentLockFile(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	dir := t.TempDir()
	if err := UpdateEnvironment(dir, map[string]*string{"A": sp("1")}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, LockFile))
	if err != nil {
		t.Fatalf("lock file: %v", err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm() != 0o644 {
		t.Errorf("lock file mode %v, want -rw-r--r--", st.Mode())
	}
}

// TestUpdateEnvironmentWaitsForLock: while another holder (here, this test,
// as another action or event handler of the agent would) owns the flock,
// UpdateEnvironment does not write.
func TestUpdateEnvironmentWaitsForLock(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, EnvironmentFile), "A=1\n", 0o644)
	lock, err := os.OpenFile(filepath.Join(dir, LockFile), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- UpdateEnvironment(dir, map[string]*string{"B": sp("2")}) }()
	select {
	case err := <-done:
		t.Fatalf("UpdateEnvironment returned (%v) while the lock was held", err)
	case <-time.After(200 * time.Millisecond):
	}
	if got := readRaw(t, dir); got != "A=1\n" {
		t.Fatalf("file written without the lock: %q", got)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("UpdateEnvironment still blocked after unlock")
	}
	if got := readRaw(t, dir); got != "A=1\nB=2\n" {
		t.Errorf("after unlock: %q", got)
	}
}

// checkWhole verifies a snapshot of the file read while writers run: never
// empty once created, only complete KEY=VALUE lines, sorted keys, and the
// value of each key is the one its writer sets.
func checkWhole(raw string) error {
	if raw == "" {
		return fmt.Errorf("empty file")
	}
	if !strings.HasSuffix(raw, "\n") {
		return fmt.Errorf("partial last line: %q", raw)
	}
	prev := ""
	for _, line := range strings.Split(strings.TrimSuffix(raw, "\n"), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" {
			return fmt.Errorf("broken line %q", line)
		}
		if k <= prev {
			return fmt.Errorf("keys not sorted: %q after %q", k, prev)
		}
		prev = k
		if want := strings.ToLower(k); v != want && k != "BASE" {
			return fmt.Errorf("line %q: value %q, want %q", line, v, want)
		}
	}
	return nil
}

// TestUpdateEnvironmentConcurrent races 32 goroutines and 8 processes, each
// writing its own keys, against readers; nothing is lost, no reader ever
// sees a half-written file, no temp file is left.
func TestUpdateEnvironmentConcurrent(t *testing.T) {
	const goroutines = 32
	const processes = 8
	dir := t.TempDir()
	if err := UpdateEnvironment(dir, map[string]*string{"BASE": sp("x")}); err != nil {
		t.Fatal(err)
	}

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var done [goroutines]atomic.Bool
	start := make(chan struct{})
	stopReaders := make(chan struct{})
	var readers, writers sync.WaitGroup
	var reads atomic.Int64
	readErr := make(chan error, 8)

	for r := 0; r < 4; r++ {
		readers.Add(1)
		go func() {
			defer readers.Done()
			<-start
			for {
				select {
				case <-stopReaders:
					return
				default:
				}
				var finished []int
				for i := range done {
					if done[i].Load() {
						finished = append(finished, i)
					}
				}
				raw, err := os.ReadFile(filepath.Join(dir, EnvironmentFile))
				if err == nil {
					err = checkWhole(string(raw))
				}
				if err == nil {
					env := parseEnv(raw)
					for _, i := range finished {
						if k := fmt.Sprintf("G%02d", i); env[k] != strings.ToLower(k) {
							err = fmt.Errorf("key %s, set before this read, is missing", k)
							break
						}
					}
				}
				if err != nil {
					readErr <- err
					return
				}
				reads.Add(1)
			}
		}()
	}

	errs := make(chan error, goroutines+processes)
	for i := 0; i < goroutines; i++ {
		writers.Add(1)
		go func(i int) {
			defer writers.Done()
			k := fmt.Sprintf("G%02d", i)
			<-start
			if err := UpdateEnvironment(dir, map[string]*string{k: sp(strings.ToLower(k))}); err != nil {
				errs <- err
				return
			}
			done[i].Store(true)
		}(i)
	}
	var cmds []*exec.Cmd
	for p := 0; p < processes; p++ {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), helperEnv+"="+dir, fmt.Sprintf("%s=P%d", helperKeyEnv, p))
		cmd.Stderr = os.Stderr
		cmds = append(cmds, cmd)
	}
	close(start)
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for _, cmd := range cmds {
		waitErr := make(chan error, 1)
		go func() { waitErr <- cmd.Wait() }()
		select {
		case err := <-waitErr:
			if err != nil {
				t.Errorf("writer process: %v", err)
			}
		case <-time.After(helperTimeout):
			cmd.Process.Kill() //nolint:errcheck
			t.Fatal("writer process hung")
		}
	}
	writers.Wait()
	close(stopReaders)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("writer: %v", err)
	}
	select {
	case err := <-readErr:
		t.Errorf("reader: %v", err)
	default:
	}
	if reads.Load() == 0 {
		t.Error("the readers never read the file")
	}

	env, err := ReadEnvironment(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"BASE": "x"}
	for i := 0; i < goroutines; i++ {
		k := fmt.Sprintf("G%02d", i)
		want[k] = strings.ToLower(k)
	}
	for p := 0; p < processes; p++ {
		for r := 0; r < helperRounds; r++ {
			k := fmt.Sprintf("P%d_%d", p, r)
			want[k] = strings.ToLower(k)
		}
	}
	if !reflect.DeepEqual(env, want) {
		var missing []string
		for k := range want {
			if _, ok := env[k]; !ok {
				missing = append(missing, k)
			}
		}
		sort.Strings(missing)
		t.Errorf("got %d keys, want %d; missing %v", len(env), len(want), missing)
	}
	if err := checkWhole(readRaw(t, dir)); err != nil {
		t.Errorf("final file: %v", err)
	}
	if names := dirNames(t, dir); !reflect.DeepEqual(names, []string{LockFile, EnvironmentFile}) {
		t.Errorf("directory holds %v, want only the lock and the file", names)
	}
	t.Logf("%d consistent reads during the race", reads.Load())
}
