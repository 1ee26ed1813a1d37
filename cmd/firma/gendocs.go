//go:build gendocs

// The release build tool: go run -tags gendocs ./cmd/firma gendocs ...
// writes the man pages and completion scripts from this very command tree
// (see the Makefile's man and completions targets). Installed binaries are
// built without the tag and do not have this command.

package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/firma-dev/firma/internal/gendocs"
	"github.com/spf13/cobra"
)

func init() { extraCommands = append(extraCommands, newGendocsCmd) }

func newGendocsCmd(io *IO) *cobra.Command {
	var manDir, complDir, lang string
	cmd := &cobra.Command{
		Use:    "gendocs",
		Short:  "Write the man pages and the shell completions",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// The pages' language is the one asked for, never the build
			// machine's locale.
			tag, ok := docsLanguages[lang]
			if !ok {
				return usageErrorf("--lang %q: give en or it", lang)
			}
			var date time.Time
			if manDir != "" {
				epoch := os.Getenv("SOURCE_DATE_EPOCH")
				sec, err := strconv.ParseInt(epoch, 10, 64)
				if err != nil {
					return fmt.Errorf("SOURCE_DATE_EPOCH %q: the pages' date must be the commit's time", epoch)
				}
				date = time.Unix(sec, 0)
			}
			root, o := docsTree(io, tag, date)
			if manDir != "" {
				if err := os.MkdirAll(manDir, 0o755); err != nil {
					return err
				}
				if _, err := gendocs.ManPages(root, manDir, o); err != nil {
					return err
				}
			}
			if complDir != "" {
				return gendocs.Completions(root, complDir)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&manDir, "man", "", "write the man pages to `dir`")
	cmd.Flags().StringVar(&lang, "lang", "en", "the pages' language: en or it (never the build machine's locale)")
	cmd.Flags().StringVar(&complDir, "completions", "", "write the completions under `dir` (bash-completion/, zsh/, fish/)")
	return cmd
}
