// Package arch holds the tests of the code's shape: the rules that keep
// adding a check cheap (docs/adding-a-check.md).
package arch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/fzipp/gocyclo"

	"github.com/nethvoice-preflight/ns8-nethvoice-preflight/internal/catalog"
)

// Limits of one function of internal/ and cmd/ (tests excluded).
const (
	MaxComplexity = 20 // cyclomatic, as gocyclo counts it
	MaxLines      = 80
)

// sources parses every non-test Go file under the given directories of the
// repository.
func sources(t *testing.T, dirs ...string) (*token.FileSet, map[string]*ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	for _, d := range dirs {
		err := filepath.WalkDir(filepath.Join("..", "..", d), func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, p, nil, 0)
			if err != nil {
				return err
			}
			files[p] = f
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return fset, files
}

func TestFunctionsStaySmall(t *testing.T) {
	fset, files := sources(t, "internal", "cmd")
	var stats gocyclo.Stats
	for _, f := range files {
		stats = gocyclo.AnalyzeASTFile(f, fset, stats)
	}
	for _, s := range stats {
		if s.Complexity > MaxComplexity {
			t.Errorf("%s: %s has cyclomatic complexity %d (at most %d): split it", s.Pos, s.FuncName, s.Complexity, MaxComplexity)
		}
	}
	for _, f := range files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			start, end := fset.Position(fd.Pos()), fset.Position(fd.End())
			if n := end.Line - start.Line + 1; n > MaxLines {
				t.Errorf("%s: %s is %d lines long (at most %d): split it", start, fd.Name.Name, n, MaxLines)
			}
		}
	}
}

// Actions are plans: they name checks through the check values (and their
// packages' Action constants), never by a literal id that could drift from
// the declaration.
func TestNoLiteralCheckIDInActions(t *testing.T) {
	fset, files := sources(t, "internal/actions")
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if _, known := catalog.Lookup(s); known {
				t.Errorf("%s: literal check id %q: use the check value's ID", fset.Position(lit.Pos()), s)
			}
			return true
		})
	}
}
