// Package store keeps what the preflight learns in a directory only the
// module can read: the last report of each action, a bounded history of
// run-preflight summaries with the reports they point to, the manual
// checklist and the sanitized NS7 facts. In NS8 every module and the
// passwordless "default" Redis user of every node can read all module/*
// keys (ns8-core cluster/actions/add-module, install-finalize.sh), so none
// of this goes to Redis (SPEC §8).
//
// Layout (under Open's directory, normally $AGENT_STATE_DIR/preflight,
// directories 0700, files 0600):
//
//	last/<action>.json    last report of each check action (probe-ns7, check-node, ...)
//	reports/<run_id>.json report of each run-preflight still in the history
//	history.json          run summaries, newest first, at most HistoryLen
//	checklist.json        manual checklist: item -> {done, note, by, at}
//	ns7-facts.json        sanitized facts of the last probe-ns7 that connected
//	.lock                 flock: writers exclusive, get-report shared
//
// Every file is replaced whole (package statefile), and every change takes
// the exclusive lock, so concurrent tasks never tear a file nor lose an
// update; readers of one file need no lock.
package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/statefile"
)

// Dir is the store's directory inside the module state dir.
const Dir = "preflight"

// HistoryLen bounds the history (and the stored reports it points to).
const HistoryLen = 30

// Names inside the store directory.
const (
	LastDir       = "last"
	ReportsDir    = "reports"
	HistoryFile   = "history.json"
	ChecklistFile = "checklist.json"
	NS7FactsFile  = "ns7-facts.json"
	LockFile      = ".lock"
)

const (
	fileMode os.FileMode = 0o600
	dirMode  os.FileMode = 0o700
)

// LockWait bounds the wait for another task holding the lock.
var LockWait = 10 * time.Second

// Store reads and writes one store directory.
type Store struct{ dir string }

// Open returns the store of a module state dir, creating its directories
// (0700) when missing.
func Open(stateDir string) (*Store, error) {
	if stateDir == "" {
		return nil, errors.New("no state directory")
	}
	s := &Store{dir: filepath.Join(stateDir, Dir)}
	for _, d := range []string{s.dir, filepath.Join(s.dir, LastDir), filepath.Join(s.dir, ReportsDir)} {
		if err := os.Mkdir(d, dirMode); err != nil && !errors.Is(err, os.ErrExist) {
			return nil, err
		}
		if err := os.Chmod(d, dirMode); err != nil { // not subject to the umask, nor to an older mode
			return nil, err
		}
	}
	return s, nil
}

// Path is the store directory.
func (s *Store) Path() string { return s.dir }

// nameRe is what an action name or a run id may be: it becomes a file name.
var nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`)

func checkName(what, name string) error {
	if !nameRe.MatchString(name) {
		return fmt.Errorf("invalid %s %q", what, name)
	}
	return nil
}

// Summary is one history entry.
type Summary struct {
	RunID      string         `json:"run_id"`
	StartedAt  string         `json:"started_at"`
	DurationMs int64          `json:"duration_ms"`
	User       string         `json:"user"`
	Ready      bool           `json:"ready"`
	Summary    report.Summary `json:"summary"`
	Changes    int            `json:"changes"`
}

// ChecklistEntry is the state of one manual item.
type ChecklistEntry struct {
	Done bool   `json:"done"`
	Note string `json:"note"`
	By   string `json:"by"`
	At   string `json:"at"`
}

// NS7Facts is what probe-ns7 keeps of a probe that connected, for the
// actions that judge NS7 data without connecting: check-user-domain (the
// account provider) and check-node (the data size).
type NS7Facts struct {
	ProbedAt string `json:"probed_at"`
	Host     string `json:"host"`
	// DataTotalBytes is 0 when the size was not measured completely; such a
	// measurement gives bounds instead: what was measured (at least) and,
	// when a filesystem bounds the rest, at most (0: unknown).
	DataTotalBytes   int64           `json:"data_total_bytes"`
	DataAtLeastBytes int64           `json:"data_at_least_bytes,omitempty"`
	DataAtMostBytes  int64           `json:"data_at_most_bytes,omitempty"`
	AccountProvider  json.RawMessage `json:"account_provider,omitempty"` // shaped as check-user-domain's "provider" input
	Facts            json.RawMessage `json:"facts,omitempty"`            // the whole sanitized probe document
}

// lock takes the store lock.
func (s *Store) lock(kind statefile.Kind) (*statefile.Lock, error) {
	l, err := statefile.Acquire(filepath.Join(s.dir, LockFile), fileMode, kind, LockWait)
	if err != nil {
		return nil, fmt.Errorf("the preflight state is busy: %w", err)
	}
	return l, nil
}

// exclusive runs f under the exclusive lock.
func (s *Store) exclusive(f func() error) error {
	l, err := s.lock(statefile.Exclusive)
	if err != nil {
		return err
	}
	defer l.Release()
	return f()
}

func (s *Store) write(rel string, data []byte) error {
	return statefile.Replace(filepath.Join(s.dir, rel), data, fileMode)
}

// readJSON decodes a stored file into v; found is false when there is none.
// A file that does not decode is an error that names it.
func (s *Store) readJSON(rel string, v any) (found bool, err error) {
	raw, err := os.ReadFile(filepath.Join(s.dir, rel))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, &damagedError{file: filepath.Join(Dir, rel), err: err}
	}
	return true, nil
}

// damagedError is a stored file that does not decode.
type damagedError struct {
	file string
	err  error
}

func (e *damagedError) Error() string { return e.file + " is damaged: " + e.err.Error() }
func (e *damagedError) Unwrap() error { return e.err }

// readForUpdate reads a file about to be rewritten. A damaged one is set
// aside as <name>.damaged (kept for a person to look at) so that a bad
// file cannot block every later write.
func readForUpdate[T any](s *Store, rel string) (T, error) {
	var v T
	_, err := s.readJSON(rel, &v)
	var damaged *damagedError
	if !errors.As(err, &damaged) {
		return v, err
	}
	var zero T // not what a failed decode left half-filled
	p := filepath.Join(s.dir, rel)
	return zero, os.Rename(p, p+".damaged")
}

func lastFile(action string) string { return filepath.Join(LastDir, action+".json") }
func reportFile(id string) string   { return filepath.Join(ReportsDir, id+".json") }

// SaveLast keeps raw (a report document) as the action's last report.
func (s *Store) SaveLast(action string, raw []byte) error {
	if err := checkName("action", action); err != nil {
		return err
	}
	return s.exclusive(func() error { return s.write(lastFile(action), raw) })
}

// Last returns the action's last report, nil if none.
func (s *Store) Last(action string) (*report.Report, error) {
	if err := checkName("action", action); err != nil {
		return nil, err
	}
	return s.getReport(lastFile(action))
}

// Report returns a stored run-preflight report by run id, nil if unknown or
// out of the history.
func (s *Store) Report(runID string) (*report.Report, error) {
	if err := checkName("run id", runID); err != nil {
		return nil, err
	}
	return s.getReport(reportFile(runID))
}

func (s *Store) getReport(rel string) (*report.Report, error) {
	var r report.Report
	found, err := s.readJSON(rel, &r)
	if !found || err != nil {
		return nil, err
	}
	return &r, nil
}

// History returns the run summaries, newest first.
func (s *Store) History() ([]Summary, error) {
	h := []Summary{}
	if _, err := s.readJSON(HistoryFile, &h); err != nil {
		return nil, err
	}
	if h == nil {
		h = []Summary{}
	}
	return h, nil
}

// LastRun returns the newest run-preflight report, nil if none.
func (s *Store) LastRun() (*report.Report, error) {
	h, err := s.History()
	if err != nil || len(h) == 0 {
		return nil, err
	}
	return s.Report(h[0].RunID)
}

// SaveRun stores a run-preflight: its report (raw) by run id first, then
// the history with its entry on top, bounded to HistoryLen; the reports
// that fell out of the history go. A crash in between leaves at most a
// report no entry points to, removed by the next save.
func (s *Store) SaveRun(raw []byte, sum Summary) error {
	if err := checkName("run id", sum.RunID); err != nil {
		return err
	}
	return s.exclusive(func() error {
		h, err := readForUpdate[[]Summary](s, HistoryFile)
		if err != nil {
			return err
		}
		if err := s.write(reportFile(sum.RunID), raw); err != nil {
			return err
		}
		kept := []Summary{sum}
		for _, e := range h {
			if e.RunID != sum.RunID {
				kept = append(kept, e)
			}
		}
		return s.saveHistory(kept)
	})
}

// saveHistory writes the history (bounded) and removes the reports it no
// longer points to; the caller holds the exclusive lock.
func (s *Store) saveHistory(h []Summary) error {
	if len(h) > HistoryLen {
		h = h[:HistoryLen]
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := s.write(HistoryFile, raw); err != nil {
		return err
	}
	return s.prune(h)
}

// prune removes whatever reports/ holds beyond the history's reports
// (reports that fell out, temp files of a crashed write).
func (s *Store) prune(h []Summary) error {
	keep := map[string]bool{}
	for _, e := range h {
		keep[e.RunID+".json"] = true
	}
	ents, err := os.ReadDir(filepath.Join(s.dir, ReportsDir))
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !keep[e.Name()] {
			if err := os.Remove(filepath.Join(s.dir, ReportsDir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	return nil
}

// Checklist returns every ticked or unticked item.
func (s *Store) Checklist() (map[string]ChecklistEntry, error) {
	cl := map[string]ChecklistEntry{}
	if _, err := s.readJSON(ChecklistFile, &cl); err != nil {
		return nil, err
	}
	if cl == nil {
		cl = map[string]ChecklistEntry{}
	}
	return cl, nil
}

// SetChecklist records one item; the other items are kept.
func (s *Store) SetChecklist(item string, e ChecklistEntry) error {
	if item == "" {
		return errors.New("empty checklist item")
	}
	return s.exclusive(func() error {
		cl, err := readForUpdate[map[string]ChecklistEntry](s, ChecklistFile)
		if err != nil {
			return err
		}
		if cl == nil {
			cl = map[string]ChecklistEntry{}
		}
		cl[item] = e
		return s.writeJSON(ChecklistFile, cl)
	})
}

func (s *Store) writeJSON(rel string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return s.write(rel, raw)
}

// SaveNS7Facts replaces the stored NS7 facts.
func (s *Store) SaveNS7Facts(f NS7Facts) error {
	return s.exclusive(func() error { return s.writeJSON(NS7FactsFile, f) })
}

// NS7Facts returns the stored NS7 facts, nil before any probe connected.
func (s *Store) NS7Facts() (*NS7Facts, error) {
	var f NS7Facts
	found, err := s.readJSON(NS7FactsFile, &f)
	if !found || err != nil {
		return nil, err
	}
	return &f, nil
}

// View is what get-report shows: a report, the history and the checklist.
type View struct {
	Report    *report.Report            `json:"report"`
	History   []Summary                 `json:"history"`
	Checklist map[string]ChecklistEntry `json:"checklist"`
}

// Read returns the report of runID (the newest one when empty), the history
// and the checklist as one consistent view: no run is stored half-way
// through it.
func (s *Store) Read(runID string) (View, error) {
	l, err := s.lock(statefile.Shared)
	if err != nil {
		return View{}, err
	}
	defer l.Release()
	var v View
	if v.History, err = s.History(); err != nil {
		return View{}, fmt.Errorf("read the history: %w", err)
	}
	switch {
	case runID != "":
		v.Report, err = s.Report(runID)
	case len(v.History) > 0:
		v.Report, err = s.Report(v.History[0].RunID)
	}
	if err != nil {
		return View{}, fmt.Errorf("read the report: %w", err)
	}
	if v.Checklist, err = s.Checklist(); err != nil {
		return View{}, fmt.Errorf("read the checklist: %w", err)
	}
	return v, nil
}

// sortHistory orders entries newest first (RFC 3339 UTC times sort as
// strings), keeping the given order between equal times.
func sortHistory(h []Summary) {
	sort.SliceStable(h, func(i, j int) bool { return strings.Compare(h[i].StartedAt, h[j].StartedAt) > 0 })
}
