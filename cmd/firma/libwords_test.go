package main

import (
	"go/ast"
	"go/token"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// The libraries speak no CLI: no string in a non-test Go file outside
// cmd/ names one of firma's flags (--token) or commands (firma pin
// unlock). Their errors and reports carry data; the words, hints and
// flags a person reads are chosen here (hints.go), so a flag renamed is
// one edit and another program gets facts, not firma's advice.
func TestLibrariesSpeakNoCLI(t *testing.T) {
	io, _, _ := testIO(time.Now(), nil)
	root := newRootCmd(io)
	flags := map[string]bool{}
	commands := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, fs := range []*pflag.FlagSet{c.Flags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) { flags[f.Name] = true })
		}
		if c != root {
			commands[c.Name()] = true
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if !flags["token"] || !flags["tsa-user"] || !commands["unlock"] {
		t.Fatalf("the command tree lacks known flags or commands: %v %v", flags, commands)
	}
	var names []string
	for f := range flags {
		names = append(names, regexp.QuoteMeta(f))
	}
	sort.Strings(names)
	flagRE := regexp.MustCompile(`(^|[^-\w])--(` + strings.Join(names, "|") + `)\b`)
	names = names[:0]
	for c := range commands {
		names = append(names, regexp.QuoteMeta(c))
	}
	cmdRE := regexp.MustCompile(`\bfirma (` + strings.Join(names, "|") + `)\b`)

	fset := token.NewFileSet()
	checked := 0
	err := moduleGoFiles(fset, 0, false, func(_ string, f *ast.File) error {
		checked++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			if m := flagRE.FindString(s); m != "" {
				t.Errorf("%s: names firma's flag %q: %s", fset.Position(lit.Pos()), strings.TrimSpace(m), lit.Value)
			}
			if m := cmdRE.FindString(s); m != "" {
				t.Errorf("%s: names firma's command %q: %s", fset.Position(lit.Pos()), m, lit.Value)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d library files checked", checked)
	}
}
