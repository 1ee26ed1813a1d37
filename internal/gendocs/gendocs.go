// Package gendocs writes the manual pages and the shell completion scripts
// of a cobra command tree, so that what a package installs is made from the
// same commands, flags and help texts as --help and cannot drift from it.
//
// Pages are troff (man(7)) made by github.com/spf13/cobra/doc through
// go-md2man, one per available command, named by the command path with
// dashes (firma-pin-change.1). Hidden, deprecated and help commands get no
// page. The output depends only on the tree and Options: the date is the
// one given (a release uses the commit's time, SOURCE_DATE_EPOCH), never
// the clock, so two runs write the same bytes.
//
// Completions are cobra's: bash (the v2 script, with descriptions), zsh
// and fish. Each script asks the program itself (its hidden __complete
// command) for the candidates.
package gendocs

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// Options are the man pages' header fields.
type Options struct {
	// Date is printed in each page's footer (month and year).
	Date time.Time
	// Source is the footer's left side: the program and its version.
	Source string
	// Manual is the header's centre, like "firma manual".
	Manual string
	// Headings are the section headings in the pages' language, by the
	// English heading cobra writes (NAME, SYNOPSIS, DESCRIPTION, OPTIONS,
	// OPTIONS INHERITED FROM PARENT COMMANDS, EXAMPLE, SEE ALSO); a heading
	// not in it stays English. Empty for English pages.
	Headings map[string]string
	// Flags replaces "[flags]" in the synopsis (the word the help uses in
	// the pages' language); empty keeps it.
	Flags string
}

// ManPages writes a section 1 page for every available command under root
// into dir, which must exist, and returns the file names, sorted.
func ManPages(root *cobra.Command, dir string, o Options) ([]string, error) {
	if o.Date.IsZero() {
		return nil, errors.New("man pages need a date")
	}
	// cobra's "Auto generated" history line carries a second date and no
	// information for a reader.
	visit(root, func(c *cobra.Command) { c.DisableAutoGenTag = true })
	date := o.Date.UTC()
	var names []string
	var err error
	visit(root, func(c *cobra.Command) {
		if err != nil || !documented(c) {
			return
		}
		name := strings.ReplaceAll(c.CommandPath(), " ", "-") + ".1"
		var b bytes.Buffer
		h := &doc.GenManHeader{
			Title:   strings.ToUpper(strings.ReplaceAll(c.CommandPath(), " ", "-")),
			Section: "1",
			Date:    &date,
			Source:  o.Source,
			Manual:  o.Manual,
		}
		if e := doc.GenMan(c, h, &b); e != nil {
			err = fmt.Errorf("man page of %s: %w", c.CommandPath(), e)
			return
		}
		if e := os.WriteFile(filepath.Join(dir, name), localize(b.Bytes(), o), 0o644); e != nil {
			err = e
			return
		}
		names = append(names, name)
	})
	sort.Strings(names)
	return names, err
}

// localize puts a page's section headings, and the synopsis's "[flags]",
// in the language of o.
func localize(page []byte, o Options) []byte {
	if len(o.Headings) == 0 && o.Flags == "" {
		return page
	}
	lines := strings.Split(string(page), "\n")
	section := ""
	for i, l := range lines {
		if h, ok := strings.CutPrefix(l, ".SH "); ok {
			section = h
			if t, ok := o.Headings[h]; ok {
				lines[i] = ".SH " + t
			}
			continue
		}
		if section == "SYNOPSIS" && o.Flags != "" {
			lines[i] = strings.Replace(l, " [flags]", " "+o.Flags, 1)
		}
	}
	return []byte(strings.Join(lines, "\n"))
}

// documented tells whether c gets a page: the root, and every command a
// user can run or that groups runnable commands.
func documented(c *cobra.Command) bool {
	if !c.HasParent() {
		return true
	}
	return c.IsAvailableCommand() && !c.IsAdditionalHelpTopicCommand()
}

// visit calls f on c and on every command under it, parents first, in
// cobra's order (sorted by name).
func visit(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, s := range c.Commands() {
		visit(s, f)
	}
}

// Completion file names under the directory Completions writes to, as
// Debian installs them relative to /usr/share: bash-completion loads
// bash-completion/completions/NAME when NAME is first completed, zsh reads
// its vendor-completions directory, fish its vendor_completions.d.
func CompletionFiles(name string) map[string]string {
	return map[string]string{
		"bash": filepath.Join("bash-completion", "completions", name),
		"zsh":  filepath.Join("zsh", "vendor-completions", "_"+name),
		"fish": filepath.Join("fish", "vendor_completions.d", name+".fish"),
	}
}

// Completions writes root's bash, zsh and fish completion scripts under
// dir at the paths of CompletionFiles, creating the folders.
func Completions(root *cobra.Command, dir string) error {
	gen := map[string]func(*bytes.Buffer) error{
		"bash": func(b *bytes.Buffer) error { return root.GenBashCompletionV2(b, true) },
		"zsh":  func(b *bytes.Buffer) error { return root.GenZshCompletion(b) },
		"fish": func(b *bytes.Buffer) error { return root.GenFishCompletion(b, true) },
	}
	for shell, rel := range CompletionFiles(root.Name()) {
		var b bytes.Buffer
		if err := gen[shell](&b); err != nil {
			return fmt.Errorf("%s completion: %w", shell, err)
		}
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
