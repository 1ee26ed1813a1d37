package main

// firma speaks the user's language. The messages are English source
// strings (gettext's way: the code reads as it prints in English), looked
// up in one catalog per language (messages_<lang>.go) and formatted by
// golang.org/x/text/message, which also selects plural forms and writes
// numbers the user's way ("1.024 file" in Italian). English is the source:
// its catalog holds only the plural forms.
//
// The language comes from FIRMA_LANG, then gettext's LANGUAGE, LC_ALL,
// LC_MESSAGES and LANG. What scripts read never goes through here: --json,
// exit codes, and firma check's "FIRMA OK/WARNING/CRITICAL/UNKNOWN" prefix
// and perfdata (printed with printfFixed).
//
// i18n_test.go checks the catalogs against the code: every message the code
// uses is in every catalog, no catalog entry is unused, and the format
// verbs of a translation are those of its source.

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	xmessage "golang.org/x/text/message"
	"golang.org/x/text/message/catalog"
)

// messages is one language's catalog: English source string to its
// translation, a string or a plural selection (catalog.Message).
type messages map[string]any

// catalogs are the languages firma speaks. Adding one is adding a
// messages_<lang>.go file and a line here.
var catalogs = map[language.Tag]messages{
	language.English: messagesEN,
	language.Italian: merge(messagesIT, messagesITHelp, messagesITSign, messagesITPin, messagesITDoctor, messagesITReaders, messagesITCert, messagesITModules, messagesITCard, messagesITPAdES, messagesITVerify, messagesITVerifyFmt, messagesITReport, messagesITErrors, messagesITScripts),
}

func merge(ms ...messages) messages {
	out := messages{}
	for _, m := range ms {
		for k, v := range m {
			if _, dup := out[k]; dup {
				panic("message " + strconv.Quote(k) + " is twice in a catalog")
			}
			out[k] = v
		}
	}
	return out
}

// supported lists the languages in matching order (English first: the
// fallback).
var supported = []language.Tag{language.English, language.Italian}

var builtCatalog = func() catalog.Catalog {
	b := catalog.NewBuilder(catalog.Fallback(language.English))
	for tag, msgs := range catalogs {
		for key, m := range msgs {
			var err error
			switch v := m.(type) {
			case string:
				if strings.Contains(v, "${") {
					// The catalog reads ${name} as a variable of its own
					// and has no escape for it; a text with a shell
					// ${...} (the zsh completion help) is a help text,
					// which tr looks up without the catalog.
					continue
				}
				err = b.SetString(tag, key, v)
			case catalog.Message:
				err = b.Set(tag, key, v)
			default:
				err = errors.New("message " + strconv.Quote(key) + " is neither a string nor a catalog.Message")
			}
			if err != nil {
				panic(err)
			}
		}
	}
	return b
}()

// locale is the language of this process's messages.
type locale struct {
	tag     language.Tag
	printer *xmessage.Printer
	msgs    messages
}

var current atomic.Pointer[locale]

func newLocale(tag language.Tag) *locale {
	return &locale{tag: tag, printer: xmessage.NewPrinter(tag, xmessage.Catalog(builtCatalog)), msgs: catalogs[tag]}
}

// setLanguage makes tag the language of the messages. Main sets it once per
// run from the environment (a process runs one command).
func setLanguage(tag language.Tag) { current.Store(newLocale(tag)) }

func lang() *locale {
	if l := current.Load(); l != nil {
		return l
	}
	l := newLocale(language.English)
	current.CompareAndSwap(nil, l)
	return current.Load()
}

// isItalian reports whether messages are in Italian (for the few things
// that are not a message: the date layout).
func isItalian() bool { return lang().tag == language.Italian }

// languageFrom picks the language the way gettext does: FIRMA_LANG first
// (firma's own), then LANGUAGE (a colon list, honoured only when the locale
// is not C), LC_ALL, LC_MESSAGES, LANG. The codeset (".UTF-8") and the
// modifier ("@euro") are ignored; C, POSIX and unknown languages are
// English.
func languageFrom(getenv func(string) string) language.Tag {
	if getenv == nil {
		return language.English
	}
	if v := getenv("FIRMA_LANG"); v != "" {
		return localeTag(v)
	}
	locale := ""
	for _, k := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if v := getenv(k); v != "" {
			locale = v
			break
		}
	}
	if v := getenv("LANGUAGE"); v != "" && locale != "" && !isCLocale(locale) {
		for _, l := range strings.Split(v, ":") {
			if t := localeTag(l); t != language.English || baseOf(l) == "en" {
				return t
			}
		}
	}
	return localeTag(locale)
}

func isCLocale(l string) bool {
	b := baseOf(l)
	return b == "c" || b == "posix"
}

// baseOf is the language of a POSIX locale name: "it_IT.UTF-8@euro" -> "it".
func baseOf(l string) string {
	if i := strings.IndexAny(l, ".@"); i >= 0 {
		l = l[:i]
	}
	if i := strings.IndexAny(l, "_-"); i >= 0 {
		l = l[:i]
	}
	return strings.ToLower(l)
}

// localeTag is the supported language of a locale name, English when it is
// C, POSIX or a language firma does not speak.
func localeTag(l string) language.Tag {
	b := baseOf(l)
	for _, t := range supported {
		if base, _ := t.Base(); base.String() == b {
			return t
		}
	}
	return language.English
}

// localize formats a message in the current language. English keeps Go's
// formatting (plain numbers, as scripts and tests have always seen them)
// except for its plural forms.
func (l *locale) localize(format string, args []any) string {
	if l.tag == language.English {
		if _, ok := l.msgs[format]; !ok {
			return fmt.Sprintf(format, args...)
		}
	}
	return l.printer.Sprintf(format, args...)
}

// tr is the translation of a message that has no arguments (help texts,
// hints): looked up, not formatted, so a % in it stays as written.
func tr(msg string) string {
	l := lang()
	if t, ok := l.msgs[msg].(string); ok {
		return t
	}
	if _, ok := l.msgs[msg]; ok {
		return l.printer.Sprintf(msg)
	}
	return msg
}

// plurals is a plural message: one form for exactly one, one for the rest.
func plurals(arg int, one, other string) catalog.Message {
	m := plural.Selectf(arg, "%d", "=1", one, "other", other)
	pluralText[m] = []string{one, other}
	return m
}

// pluralText keeps the forms of each plural message, for the catalog
// test's verb check.
var pluralText = map[catalog.Message][]string{}

var monthsIT = [...]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}

// day is a date in the user's convention: 2026-12-07 in English (ISO,
// as firma has always printed it), 07/12/2026 in Italian. UTC, as
// certificates give their dates.
func day(t time.Time) string {
	t = t.UTC()
	if isItalian() {
		return t.Format("02/01/2006")
	}
	return t.Format(time.DateOnly)
}

// dateTime is an instant in UTC: "2026-12-07 14:05:00 UTC" in English (as
// firma has always printed it), "07/12/2026 14:05:00 UTC" in Italian.
func dateTime(t time.Time) string {
	t = t.UTC()
	if isItalian() {
		return t.Format("02/01/2006 15:04:05 MST")
	}
	return t.Format(time.DateTime + " MST")
}

// longDate is a day as people write it in t's zone: "7 December 2026",
// "7 dicembre 2026".
func longDate(t time.Time) string {
	if isItalian() {
		return fmt.Sprintf("%d %s %d", t.Day(), monthsIT[t.Month()-1], t.Year())
	}
	return t.Format("2 January 2006")
}

// localizeCommands translates the help of every command: short and long
// descriptions, examples, flag descriptions and cobra's own templates. It
// runs on the finished tree (help and completion commands included).
func localizeCommands(root *cobra.Command) {
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	root.InitDefaultVersionFlag()
	seen := map[*pflag.Flag]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.InitDefaultHelpFlag()
		if f := c.Flags().Lookup("help"); f != nil && !seen[f] {
			seen[f] = true
			f.Usage = sprintf("help for %s", c.Name())
		}
		if c == root {
			if f := c.Flags().Lookup("version"); f != nil && !seen[f] {
				seen[f] = true
				f.Usage = sprintf("version for %s", c.Name())
			}
		}
		c.Short, c.Long, c.Example = trHelp(c.Short), trHelp(c.Long), trHelp(c.Example)
		for _, fs := range []*pflag.FlagSet{c.LocalNonPersistentFlags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if !seen[f] {
					seen[f] = true
					f.Usage = trHelp(f.Usage)
				}
			})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	root.SetUsageTemplate(tr(usageTemplate))
}

func init() {
	// cobra's UseLine appends " [flags]": the template says it in the
	// user's language.
	cobra.AddTemplateFunc("useLine", func(c *cobra.Command) string {
		return strings.Replace(c.UseLine(), " [flags]", " "+tr("[flags]"), 1)
	})
	// pflag appends " (default X)" to a flag's description: said in the
	// user's language.
	cobra.AddTemplateFunc("flagUsages", func(fs *pflag.FlagSet) string {
		return flagDefaultRE.ReplaceAllStringFunc(fs.FlagUsages(), func(m string) string {
			return " " + sprintf("(default %s)", flagDefaultRE.FindStringSubmatch(m)[1])
		})
	})
}

// flagDefaultRE is pflag's " (default X)" at the end of a flag's line.
var flagDefaultRE = regexp.MustCompile(`(?m) \(default (.+)\)$`)

func trHelp(s string) string {
	if s == "" {
		return s
	}
	return tr(s)
}

// usageTemplate is cobra's usage template (cobra 1.8), a message like any
// other.
const usageTemplate = `Usage:{{if .Runnable}}
  {{useLine .}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if gt (len .Aliases) 0}}

Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}{{$cmds := .Commands}}

Available Commands:{{range $cmds}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{flagUsages .LocalFlags | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Global Flags:
{{flagUsages .InheritedFlags | trimTrailingWhitespaces}}{{end}}{{if .HasHelpSubCommands}}

Additional help topics:{{range .Commands}}{{if .IsAdditionalHelpTopicCommand}}
  {{rpad .CommandPath .CommandPathPadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableSubCommands}}

Use "{{.CommandPath}} [command] --help" for more information about a command.{{end}}
`

var englishLocale = newLocale(language.English)

// inLanguage runs f with the messages in tag, then gives the process its
// language back: a --json output says its texts in English while the
// rest of the run (errors, hints, progress on stderr) speaks the user's
// language. The command's goroutine is the only one that prints while f
// runs.
func inLanguage(tag language.Tag, f func()) {
	prev := lang()
	l := englishLocale
	if tag != language.English {
		l = newLocale(tag)
	}
	current.Store(l)
	defer current.Store(prev)
	f()
}

// inEnglish is s() said in English.
func inEnglish(s func() string) (out string) {
	inLanguage(language.English, func() { out = s() })
	return out
}

// msgKey marks a message that is said later, when it is read (gettext's
// N_): the catalog test reads its literal as a catalog key.
func msgKey(s string) string { return s }

// wordedError is an error in firma's own words, said when it is read, in
// the language of that moment: --json reads it in English, the error
// line in the user's language. Make one with errorf.
type wordedError struct {
	format string
	args   []any
}

// errorf is fmt.Errorf for a message of the catalog (%v for a wrapped
// error, which Unwrap finds).
func errorf(format string, args ...any) error { return &wordedError{format, args} }

func (e *wordedError) Error() string {
	args := make([]any, len(e.args))
	for i, a := range e.args {
		if err, ok := a.(error); ok {
			a = sayErr(err) // a cause, in the same language
		}
		args[i] = a
	}
	return lang().localize(e.format, args)
}

func (e *wordedError) Unwrap() []error {
	var errs []error
	for _, a := range e.args {
		if err, ok := a.(error); ok {
			errs = append(errs, err)
		}
	}
	return errs
}

// trLater is a message without arguments said when it is printed (an
// argument of errorf): trLater(msgKey("...")).
type trLater string

func (m trLater) String() string { return tr(string(m)) }
