package main

import (
	"encoding/base64"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/firma-dev/firma/verify/tsl"
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

// TestSkippedReason: why a trusted list's certificate was skipped is the
// library's Reason word for word in English, the catalog's words in
// Italian; the parser's text stays, escaped.
func TestSkippedReason(t *testing.T) {
	defer setLanguage(language.English)
	_, b64 := base64.StdEncoding.DecodeString("AAAA!!!!")
	if b64 == nil {
		t.Fatal("no base64 error")
	}
	bad := tsl.Skipped{Service: "CA", Reason: "bad base64: " + b64.Error(), Err: b64}
	parser := errors.New("x509: malformed certificate\x1b[2J")
	cert := tsl.Skipped{Service: "CA", Reason: parser.Error(), Err: parser}
	for _, c := range []struct {
		lang language.Tag
		sk   tsl.Skipped
		want string
	}{
		{language.English, bad, bad.Reason},
		{language.Italian, bad, "base64 non valido: carattere non ammesso al byte 4"},
		{language.English, cert, `x509: malformed certificate\x1b[2J`},
		{language.Italian, cert, `x509: malformed certificate\x1b[2J`},
	} {
		setLanguage(c.lang)
		if got := skippedReason(c.sk); got != c.want {
			t.Errorf("%v: %q, want %q", c.lang, got, c.want)
		}
	}
}
