package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/report"
)

// Import is state kept elsewhere (the cluster database of earlier versions)
// to merge into the store.
type Import struct {
	// Last maps an action to its last report document.
	Last map[string][]byte
	// Reports maps a run id to its run-preflight report document.
	Reports map[string][]byte
	// History is newest first.
	History   []Summary
	Checklist map[string]ChecklistEntry
	// NS7Facts is the stored NS7 facts document; nil when there is none.
	NS7Facts []byte
}

// Imported counts what an Import changed in the store.
type Imported struct {
	Last, Reports, History, Checklist int
	NS7Facts                          bool
	// Dropped names the documents that do not decode (by kind and name,
	// never their content); nothing can use them.
	Dropped []string
}

// Import merges in into the store, under the exclusive lock, without ever
// replacing what the store holds (it was written later, by this version):
// a last report, a report or the NS7 facts is written only where the store
// has none; history entries are merged by run id (newest first, bounded,
// the reports of entries that do not fit are not kept); a checklist item
// keeps its most recent tick. Importing the same state twice changes
// nothing the second time.
func (s *Store) Import(in Import) (Imported, error) {
	var out Imported
	err := s.exclusive(func() error {
		if err := s.importLast(in.Last, &out); err != nil {
			return err
		}
		if err := s.importChecklist(in.Checklist, &out); err != nil {
			return err
		}
		if err := s.importRuns(in.History, in.Reports, &out); err != nil {
			return err
		}
		return s.importNS7(in.NS7Facts, &out)
	})
	return out, err
}

// absent reports whether the store has no file rel.
func (s *Store) absent(rel string) (bool, error) {
	_, err := os.Stat(filepath.Join(s.dir, rel))
	if errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	return false, err
}

// putIfAbsent writes raw at rel when the store has no such file and raw
// decodes into v; it says whether it wrote.
func (s *Store) putIfAbsent(rel string, raw []byte, v any, what string, out *Imported) (bool, error) {
	if json.Unmarshal(raw, v) != nil {
		out.Dropped = append(out.Dropped, what)
		return false, nil
	}
	ok, err := s.absent(rel)
	if !ok || err != nil {
		return false, err
	}
	return true, s.write(rel, raw)
}

func (s *Store) importLast(last map[string][]byte, out *Imported) error {
	for action, raw := range last {
		if checkName("action", action) != nil {
			out.Dropped = append(out.Dropped, "a last report with an invalid action name")
			continue
		}
		wrote, err := s.putIfAbsent(lastFile(action), raw, &report.Report{}, "last report of "+action, out)
		if err != nil {
			return err
		}
		if wrote {
			out.Last++
		}
	}
	return nil
}

func (s *Store) importChecklist(in map[string]ChecklistEntry, out *Imported) error {
	if len(in) == 0 {
		return nil
	}
	cl, err := readForUpdate[map[string]ChecklistEntry](s, ChecklistFile)
	if err != nil {
		return err
	}
	if cl == nil {
		cl = map[string]ChecklistEntry{}
	}
	for item, e := range in {
		cur, ok := cl[item]
		if item == "" || (ok && cur.At >= e.At) {
			continue
		}
		cl[item] = e
		out.Checklist++
	}
	if out.Checklist == 0 {
		return nil
	}
	return s.writeJSON(ChecklistFile, cl)
}

// importRuns merges the history and writes the reports of the merged
// entries that the store lacks.
func (s *Store) importRuns(hist []Summary, reports map[string][]byte, out *Imported) error {
	if len(hist) == 0 {
		return nil
	}
	h, err := readForUpdate[[]Summary](s, HistoryFile)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, e := range h {
		seen[e.RunID] = true
	}
	for _, e := range hist {
		if checkName("run id", e.RunID) != nil || seen[e.RunID] {
			continue
		}
		seen[e.RunID] = true
		h = append(h, e)
		out.History++
	}
	if out.History == 0 {
		return nil
	}
	sortHistory(h)
	if len(h) > HistoryLen {
		h = h[:HistoryLen]
	}
	for _, e := range h {
		raw, ok := reports[e.RunID]
		if !ok {
			continue
		}
		wrote, err := s.putIfAbsent(reportFile(e.RunID), raw, &report.Report{}, "report of run "+e.RunID, out)
		if err != nil {
			return err
		}
		if wrote {
			out.Reports++
		}
	}
	return s.saveHistory(h)
}

func (s *Store) importNS7(raw []byte, out *Imported) error {
	if raw == nil {
		return nil
	}
	wrote, err := s.putIfAbsent(NS7FactsFile, raw, &NS7Facts{}, "NS7 facts", out)
	if err != nil {
		return fmt.Errorf("NS7 facts: %w", err)
	}
	out.NS7Facts = wrote
	return nil
}
