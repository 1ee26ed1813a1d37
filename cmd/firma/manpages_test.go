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
