package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestCheckNamesListed: checkNames (which sets the width of the checks'
// column) lists exactly the names checkNameWords has words for.
func TestCheckNamesListed(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "report_words.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "checkNameWords" {
			return true
		}
		ast.Inspect(fn, func(n ast.Node) bool {
			if cc, ok := n.(*ast.CaseClause); ok {
				for _, e := range cc.List {
					if bl, ok := e.(*ast.BasicLit); ok {
						s, _ := strconv.Unquote(bl.Value)
						cases = append(cases, s)
					}
				}
			}
			return true
		})
		return false
	})
	listed := append([]string(nil), checkNames...)
	sort.Strings(cases)
	sort.Strings(listed)
	if len(cases) < 20 || strings.Join(cases, " ") != strings.Join(listed, " ") {
		t.Errorf("checkNameWords knows %q,\ncheckNames lists %q", cases, listed)
	}
}
