package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sync"
)

// DumpEnv names a directory where every finished task's output is written,
// one file per task (test name, action, sequence), so that two runs of the
// suites (before and after a refactoring) can be compared report by report.
// Unset, nothing is written.
const DumpEnv = "NVPF_REPORT_DUMP"

var (
	dumpMu  sync.Mutex
	dumpSeq = map[string]int{}
	unsafe  = regexp.MustCompile(`[^A-Za-z0-9._-]+`)
)

func (m *Module) dump(action, output string) {
	dir := os.Getenv(DumpEnv)
	if dir == "" || m.t == nil {
		return
	}
	dumpMu.Lock()
	base := unsafe.ReplaceAllString(m.t.Name(), "_") + "__" + action
	dumpSeq[base]++
	name := fmt.Sprintf("%s__%02d.json", base, dumpSeq[base])
	dumpMu.Unlock()
	if err := os.MkdirAll(dir, 0o755); err == nil {
		os.WriteFile(filepath.Join(dir, name), []byte(output), 0o644) //nolint:errcheck // a debugging aid
	}
}
