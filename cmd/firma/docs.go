package main

import (
	"time"

	"github.com/firma-dev/firma/internal/gendocs"
	"github.com/spf13/cobra"
	"golang.org/x/text/language"
)

// docsLanguages are the languages the man pages are written in, by the
// name gendocs --lang takes.
var docsLanguages = map[string]language.Tag{"en": language.English, "it": language.Italian}

// docsTree is the command tree the release's man pages are made from, in
// tag whatever the build machine's locale, and the options of its pages.
// It leaves the process's messages in tag.
func docsTree(io *IO, tag language.Tag, date time.Time) (*cobra.Command, gendocs.Options) {
	setLanguage(tag)
	root := newRootCmd(io)
	localizeCommands(root)
	// What a user can run, as Execute sets it up: the completion command
	// gets its own pages like every other.
	root.InitDefaultCompletionCmd()
	o := gendocs.Options{Date: date, Source: "firma " + buildVersion(), Manual: tr("firma manual")}
	if tag != language.English {
		o.Headings = map[string]string{
			"NAME":                                   tr("NAME"),
			"SYNOPSIS":                               tr("SYNOPSIS"),
			"DESCRIPTION":                            tr("DESCRIPTION"),
			"OPTIONS":                                tr("OPTIONS"),
			"OPTIONS INHERITED FROM PARENT COMMANDS": tr("OPTIONS INHERITED FROM PARENT COMMANDS"),
			"EXAMPLE":                                tr("EXAMPLE"),
			"SEE ALSO":                               tr("SEE ALSO"),
		}
		o.Flags = tr("[flags]")
	}
	return root, o
}
