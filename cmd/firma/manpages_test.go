package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/gendocs"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/text/language"
)

// The packaged man pages are made from the command tree (make man): every
// command a user can run has a page, every flag --help shows is in it, and
// groff renders each page without a warning (lintian runs the same check).
func TestManPagesFollowTheCommands(t *testing.T) {
	io, _, _ := testIO(time.Now(), nil)
	root := newRootCmd(io)
	root.InitDefaultCompletionCmd()
	dir := t.TempDir()
	names, err := gendocs.ManPages(root, dir, gendocs.Options{Date: time.Unix(1796606615, 0), Source: "firma test", Manual: "firma manual"})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, n := range names {
		have[n] = true
	}
	for _, want := range []string{"firma.1", "firma-sign.1", "firma-verify.1", "firma-status.1", "firma-pin-change.1", "firma-version.1", "firma-completion-bash.1"} {
		if !have[want] {
			t.Errorf("no %s among %v", want, names)
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.HasParent() && !c.IsAvailableCommand() {
			return
		}
		name := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s has no page: %v", c.CommandPath(), err)
			return
		}
		page := strings.ReplaceAll(string(b), `\-`, "-")
		c.Flags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden && f.Name != "help" && !strings.Contains(page, "--"+f.Name) {
				t.Errorf("%s lacks --%s", name, f.Name)
			}
		})
		c.InheritedFlags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden && !strings.Contains(page, "--"+f.Name) {
				t.Errorf("%s lacks the inherited --%s", name, f.Name)
			}
		})
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	if _, err := exec.LookPath("groff"); err != nil {
		t.Skip("groff not installed: pages not rendered")
	}
	for _, n := range names {
		out, err := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z", filepath.Join(dir, n)).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("groff %s: %v %s", n, err, out)
		}
	}
}

// TestManPagesLanguage: the release's pages are in the language asked
// for, never the build machine's (a build under LANG=it_IT.UTF-8 still
// writes English pages for man1); the Italian pages have Italian headings,
// texts and synopsis, the same files, and render without a warning.
func TestManPagesLanguage(t *testing.T) {
	defer setLanguage(language.English)
	date := time.Unix(1796606615, 0)
	pages := map[string]map[string]string{}
	for _, lang := range []string{"en", "it"} {
		// The machine's locale is the other language.
		io, _, _ := testIO(time.Now(), map[string]string{"LANG": map[string]string{"en": "it_IT.UTF-8", "it": "C"}[lang]})
		root, o := docsTree(io, docsLanguages[lang], date)
		dir := t.TempDir()
		names, err := gendocs.ManPages(root, dir, o)
		if err != nil {
			t.Fatal(err)
		}
		pages[lang] = map[string]string{}
		for _, n := range names {
			b, _ := os.ReadFile(filepath.Join(dir, n))
			pages[lang][n] = string(b)
			if _, err := exec.LookPath("groff"); err == nil {
				out, err := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z", filepath.Join(dir, n)).CombinedOutput()
				if err != nil || len(out) > 0 {
					t.Errorf("groff %s (%s): %v %s", n, lang, err, out)
				}
			}
		}
	}
	if len(pages["en"]) != len(pages["it"]) || len(pages["en"]) < 20 {
		t.Fatalf("%d English pages, %d Italian", len(pages["en"]), len(pages["it"]))
	}
	en, it := pages["en"]["firma-sign.1"], pages["it"]["firma-sign.1"]
	for _, want := range []string{".SH NAME", "Sign files", "firma sign [flags]", `"firma manual"`} {
		if !strings.Contains(en, want) {
			t.Errorf("the English page lacks %q:\n%s", want, en)
		}
	}
	for _, want := range []string{".SH NOME", ".SH SINTASSI", ".SH OPZIONI", "Firmare file", "firma sign [opzioni]", `"manuale di firma"`} {
		if !strings.Contains(it, want) {
			t.Errorf("the Italian page lacks %q:\n%s", want, it)
		}
	}
	for n, p := range pages["it"] {
		if strings.Contains(p, ".SH NAME") || strings.Contains(p, "[flags]") {
			t.Errorf("%s (it) keeps an English heading or [flags]", n)
		}
	}
}
