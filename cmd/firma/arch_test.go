package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/firma-dev/firma/"

// The import rules of docs/architecture.md: which package may not import
// which. A rule names a package (or a prefix ending in /) and what it must
// not import.
var importRules = []struct {
	pkg    string
	forbid []string
}{
	{"card", []string{"pkcs11", "internal/cms", "sign", "verify"}},
	{"pkcs11", []string{"internal/cms", "sign", "verify", "pades"}},
	{"certinfo", []string{"card", "pkcs11", "sign", "verify", "internal/cms"}},
	{"sign", []string{"card", "pkcs11", "verify", "pades"}},
	{"verify", []string{"card", "pkcs11", "sign", "pades", "internal/xmldsig"}},
	{"pades", []string{"card", "pkcs11"}},
	{"internal/batch", []string{"card", "pkcs11"}},
	{"internal/cms", []string{"card", "pkcs11", "sign", "verify"}},
	{"internal/xmldsig", []string{"card", "pkcs11", "sign", "verify"}},
	{"verify/tsl", []string{"card", "pkcs11", "sign", "internal/cms", "pades"}},
	{"internal/pdf", []string{"card", "pkcs11", "sign", "verify", "pades"}},
	{"xades", []string{"card", "pkcs11", "sign", "pades", "internal/cms"}},
}

// Libraries never import the CLI or the test support.
var testSupport = []string{"internal/testpki", "internal/vcard", "internal/pcsctest", "cmd/"}

// Who may use the test support outside tests.
var testSupportUsers = []string{"cmd/firma-vcard", "internal/benchtool", "internal/testpki", "internal/pcsctest", "internal/vcard"}

// moduleGoFiles parses the module's non-test Go files (not those of
// testdata, hidden or _ folders, nor vendor; cmd/ only if withCmd) and
// calls fn with each file's path relative to the module root.
func moduleGoFiles(fset *token.FileSet, mode parser.Mode, withCmd bool, fn func(rel string, f *ast.File) error) error {
	top := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(top, "go.mod")); err != nil {
		return fmt.Errorf("the module root: %w", err)
	}
	return filepath.WalkDir(top, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(top, path)
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (!withCmd && rel == "cmd" || name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, mode)
		if err != nil {
			return err
		}
		return fn(filepath.ToSlash(rel), f)
	})
}

func TestImportRules(t *testing.T) {
	imports := map[string]map[string]bool{}
	err := moduleGoFiles(token.NewFileSet(), parser.ImportsOnly, true, func(rel string, f *ast.File) error {
		pkg := filepath.ToSlash(filepath.Dir(rel))
		if imports[pkg] == nil {
			imports[pkg] = map[string]bool{}
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if strings.HasPrefix(p, modulePath) {
				imports[pkg][strings.TrimPrefix(p, modulePath)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(imports["sign"]) == 0 || len(imports["cmd/firma"]) == 0 {
		t.Fatalf("the import graph was not read: %v", imports)
	}
	under := func(p, prefix string) bool {
		return p == strings.TrimSuffix(prefix, "/") || strings.HasPrefix(p, strings.TrimSuffix(prefix, "/")+"/")
	}
	for _, r := range importRules {
		for p := range imports[r.pkg] {
			for _, f := range r.forbid {
				if under(p, f) {
					t.Errorf("%s imports %s (docs/architecture.md forbids it)", r.pkg, p)
				}
			}
		}
	}
	for pkg, ims := range imports {
		if strings.HasPrefix(pkg, "cmd/") {
			if pkg == "cmd/firma-vcard" {
				continue
			}
		}
		allowed := false
		for _, u := range testSupportUsers {
			if under(pkg, u) {
				allowed = true
			}
		}
		for p := range ims {
			for _, ts := range testSupport {
				if !under(p, ts) {
					continue
				}
				if ts == "cmd/" && !strings.HasPrefix(pkg, "cmd/") {
					t.Errorf("library %s imports %s", pkg, p)
				}
				if ts != "cmd/" && !allowed {
					t.Errorf("%s imports the test support %s outside its tests", pkg, p)
				}
			}
		}
	}
}
