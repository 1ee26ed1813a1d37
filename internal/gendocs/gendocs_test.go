package gendocs

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// tree is a small program: a runnable command with a flag, a group with
// a subcommand, and a hidden command that must get no page.
func tree() *cobra.Command {
	root := &cobra.Command{Use: "tool", Short: "A tool", Long: "tool does things.", Version: "1.0"}
	sign := &cobra.Command{Use: "sign FILE...", Short: "Sign files", Example: "  tool sign a.pdf", RunE: func(*cobra.Command, []string) error { return nil }}
	sign.Flags().String("output-dir", "", "write signed files to `dir`")
	pin := &cobra.Command{Use: "pin", Short: "PIN operations"}
	change := &cobra.Command{Use: "change", Short: "Change the PIN", RunE: func(*cobra.Command, []string) error { return nil }}
	pin.AddCommand(change)
	hidden := &cobra.Command{Use: "secret", Hidden: true, RunE: func(*cobra.Command, []string) error { return nil }}
	root.PersistentFlags().String("module", "", "PKCS#11 module `path`")
	root.AddCommand(sign, pin, hidden)
	return root
}

var opts = Options{Date: time.Date(2026, 12, 7, 1, 23, 35, 0, time.UTC), Source: "tool 1.0", Manual: "tool manual"}

func TestManPages(t *testing.T) {
	dir := t.TempDir()
	names, err := ManPages(tree(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"tool-pin-change.1", "tool-pin.1", "tool-sign.1", "tool.1"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("pages %v, want %v", names, want)
	}
	files, _ := os.ReadDir(dir)
	if len(files) != len(want) {
		t.Errorf("%d files in the folder, want %d", len(files), len(want))
	}
	page, err := os.ReadFile(filepath.Join(dir, "tool-sign.1"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, frag := range []string{
		`.TH "TOOL-SIGN" "1" "Dec 2026" "tool 1.0" "tool manual"`,
		`tool-sign - Sign files`,
		`output-dir`, `write signed files to`, // its own flag
		`module`,          // the inherited one
		`tool sign a.pdf`, // the example
	} {
		if !strings.Contains(strings.ReplaceAll(s, `\-`, "-"), frag) {
			t.Errorf("tool-sign.1 lacks %q:\n%s", frag, s)
		}
	}
	if strings.Contains(s, "Auto generated") || strings.Contains(s, "secret") {
		t.Errorf("tool-sign.1 has the autogen tag or the hidden command:\n%s", s)
	}
}

// Two runs write the same bytes whatever the clock says.
func TestManPagesReproducible(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if _, err := ManPages(tree(), a, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := ManPages(tree(), b, opts); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"tool.1", "tool-sign.1", "tool-pin-change.1"} {
		x, _ := os.ReadFile(filepath.Join(a, n))
		y, _ := os.ReadFile(filepath.Join(b, n))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs (%d and %d bytes)", n, len(x), len(y))
		}
	}
}

func TestManPagesNeedADate(t *testing.T) {
	if _, err := ManPages(tree(), t.TempDir(), Options{Source: "tool"}); err == nil {
		t.Fatal("no error without a date")
	}
}

// man(1) renders every page without a warning from groff.
func TestManPagesRender(t *testing.T) {
	if _, err := exec.LookPath("groff"); err != nil {
		t.Skip("groff not installed")
	}
	dir := t.TempDir()
	names, err := ManPages(tree(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		cmd := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z", filepath.Join(dir, n))
		out, err := cmd.CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("groff %s: %v %s", n, err, out)
		}
	}
}

func TestCompletions(t *testing.T) {
	dir := t.TempDir()
	if err := Completions(tree(), dir); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"bash-completion/completions/tool":    "__start_tool",
		"zsh/vendor-completions/_tool":        "#compdef tool",
		"fish/vendor_completions.d/tool.fish": "complete -c tool",
	}
	for rel, frag := range want {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if !bytes.Contains(b, []byte(frag)) {
			t.Errorf("%s lacks %q", rel, frag)
		}
	}
	if bash, err := exec.LookPath("bash"); err == nil {
		if out, err := exec.Command(bash, "-n", filepath.Join(dir, "bash-completion/completions/tool")).CombinedOutput(); err != nil {
			t.Errorf("bash -n: %v %s", err, out)
		}
	}
}

// Pages in another language: the headings given are replaced, the others
// stay, and the synopsis says the flags' word; "[flags]" elsewhere (an
// example) is left alone.
func TestManPagesHeadings(t *testing.T) {
	dir := t.TempDir()
	root := tree()
	root.Commands()[2].Example = "  tool sign [flags] a.pdf" // sign (sorted: pin, secret, sign)
	o := opts
	o.Headings = map[string]string{"NAME": "NOME", "SYNOPSIS": "SINTASSI", "OPTIONS": "OPZIONI"}
	o.Flags = "[opzioni]"
	if _, err := ManPages(root, dir, o); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(filepath.Join(dir, "tool-sign.1"))
	s := string(page)
	for _, frag := range []string{".SH NOME\n", ".SH SINTASSI\n", ".SH OPZIONI\n", ".SH DESCRIPTION\n", "tool sign FILE... [opzioni]", "tool sign [flags] a.pdf"} {
		if !strings.Contains(s, frag) {
			t.Errorf("tool-sign.1 lacks %q:\n%s", frag, s)
		}
	}
	if strings.Contains(s, ".SH NAME") || strings.Contains(s, ".SH SYNOPSIS") {
		t.Errorf("an English heading is left:\n%s", s)
	}
}
