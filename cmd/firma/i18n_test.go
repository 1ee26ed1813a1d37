package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/text/language"
	"golang.org/x/text/message/catalog"
)

func TestLanguageFrom(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want language.Tag
	}{
		{nil, language.English},
		{map[string]string{"LANG": "it_IT.UTF-8"}, language.Italian},
		{map[string]string{"LANG": "it_CH.utf8@euro"}, language.Italian},
		{map[string]string{"LANG": "it"}, language.Italian},
		{map[string]string{"LANG": "C"}, language.English},
		{map[string]string{"LANG": "POSIX"}, language.English},
		{map[string]string{"LANG": "C.UTF-8"}, language.English},
		{map[string]string{"LANG": "de_DE.UTF-8"}, language.English},
		{map[string]string{"LANG": "en_GB.UTF-8"}, language.English},
		{map[string]string{"LC_MESSAGES": "it_IT.UTF-8", "LANG": "en_US.UTF-8"}, language.Italian},
		{map[string]string{"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "it_IT.UTF-8"}, language.English},
		{map[string]string{"LC_ALL": "it_IT", "LANG": "en_US"}, language.Italian},
		// LANGUAGE is a list, first language firma speaks wins, and it is
		// ignored under the C locale (gettext's rule).
		{map[string]string{"LANGUAGE": "de:it:en", "LANG": "en_US.UTF-8"}, language.Italian},
		{map[string]string{"LANGUAGE": "en:it", "LANG": "it_IT.UTF-8"}, language.English},
		{map[string]string{"LANGUAGE": "it", "LANG": "C"}, language.English},
		{map[string]string{"LANGUAGE": "it"}, language.English},
		// FIRMA_LANG wins over everything.
		{map[string]string{"FIRMA_LANG": "it", "LC_ALL": "C"}, language.Italian},
		{map[string]string{"FIRMA_LANG": "en", "LANG": "it_IT.UTF-8"}, language.English},
		{map[string]string{"FIRMA_LANG": "C", "LANG": "it_IT.UTF-8"}, language.English},
	} {
		if got := languageFrom(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: %v, want %v", c.env, got, c.want)
		}
	}
}

// messageArgs names the functions whose arguments are messages, and which
// arguments (string literals there are catalog keys).
var messageArgs = map[string][]int{
	"printf":      {1},
	"sprintf":     {0},
	"tr":          {0},
	"field":       {1, 2},
	"usageErrorf": {0},
	"errorf":      {0},
	"msgKey":      {0},
}

// untranslated are the files whose messages are not translated yet: their
// messages are not required in the catalogs (but a catalog entry they use
// counts as used). Shrink it, never grow it.
var untranslated = map[string]bool{
	// The release tool that writes the man pages and completion scripts:
	// built only with -tags gendocs, never run by a user, so its few
	// strings stay English.
	"gendocs.go": true,
}

type codeMessage struct {
	key  string
	pos  string
	file string
}

// codeMessages returns the messages the code passes to the message
// functions, and the worded string literals that reach fmt directly
// (text a person would read that bypasses the catalog).
func codeMessages(t *testing.T) (msgs []codeMessage, bypass []codeMessage) {
	t.Helper()
	fset := token.NewFileSet()
	files, _ := filepath.Glob("*.go")
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || strings.HasPrefix(name, "messages_") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var fn string
			switch f := call.Fun.(type) {
			case *ast.Ident:
				fn = f.Name
			case *ast.SelectorExpr:
				if x, ok := f.X.(*ast.Ident); ok && x.Name == "fmt" {
					fn = "fmt." + f.Sel.Name
				}
			}
			lit := func(i int) (string, bool) {
				if i >= len(call.Args) {
					return "", false
				}
				bl, ok := call.Args[i].(*ast.BasicLit)
				if !ok || bl.Kind != token.STRING {
					return "", false
				}
				s, err := strconv.Unquote(bl.Value)
				return s, err == nil
			}
			if idx, ok := messageArgs[fn]; ok {
				for _, i := range idx {
					if s, ok := lit(i); ok {
						msgs = append(msgs, codeMessage{s, fset.Position(call.Args[i].Pos()).String(), name})
					}
				}
			}
			switch fn {
			case "fmt.Sprintf", "fmt.Errorf", "fmt.Fprintf", "fmt.Printf":
				i := 0
				if fn == "fmt.Fprintf" {
					i = 1
				}
				if s, ok := lit(i); ok && isSentence(s) {
					bypass = append(bypass, codeMessage{s, fset.Position(call.Pos()).String(), name})
				}
			}
			return true
		})
	}
	return msgs, bypass
}

// minLibraryMessages is fewer formats than the libraries hold (218 when
// the scan was written): a scan that finds fewer is broken, not done.
const minLibraryMessages = 150

// libraryMessages returns the formats of every verify.Messagef call in the
// module's libraries (every non-test Go file outside cmd/ and testdata/):
// the sentences of the verification reports, said through the catalog by
// report_words.go. The format must reach Messagef as a string literal:
// a call with any other format (a variable, a helper's parameter, a
// constant), Messagef used as a value, or a verify.Message built with its
// fields set is a sentence the catalog cannot be checked against, and is
// reported in bad.
func libraryMessages(t *testing.T) (msgs []codeMessage, bad []string) {
	t.Helper()
	fset := token.NewFileSet()
	err := moduleGoFiles(fset, 0, false, func(rel string, f *ast.File) error {
		where := func(n ast.Node) string {
			p := fset.Position(n.Pos())
			return rel + ":" + strconv.Itoa(p.Line)
		}
		// The Messagef of every call: any other use of the name is Messagef
		// passed around as a value.
		called := map[ast.Node]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.FuncDecl:
				if x.Name.Name == "Messagef" && x.Recv == nil {
					called[x.Name] = true // its declaration
				}
			case *ast.CallExpr:
				var name ast.Node
				switch fn := x.Fun.(type) {
				case *ast.Ident:
					if fn.Name == "Messagef" {
						name = fn
					}
				case *ast.SelectorExpr:
					if fn.Sel.Name == "Messagef" {
						name = fn.Sel
					}
				}
				if name == nil {
					return true
				}
				called[name] = true
				if len(x.Args) == 0 {
					bad = append(bad, where(x)+": Messagef without a format")
					return true
				}
				bl, ok := x.Args[0].(*ast.BasicLit)
				if !ok || bl.Kind != token.STRING {
					bad = append(bad, where(x)+": Messagef's format is not a string literal")
					return true
				}
				s, err := strconv.Unquote(bl.Value)
				if err != nil {
					bad = append(bad, where(x)+": "+err.Error())
					return true
				}
				msgs = append(msgs, codeMessage{s, where(x), "library:" + rel})
			case *ast.CompositeLit:
				if len(x.Elts) == 0 || rel == filepath.Join("verify", "message.go") {
					return true
				}
				switch ty := x.Type.(type) {
				case *ast.Ident:
					if ty.Name == "Message" && f.Name.Name == "verify" {
						bad = append(bad, where(x)+": a Message built with its fields: use Messagef with a literal format")
					}
				case *ast.SelectorExpr:
					if ty.Sel.Name == "Message" {
						if pkg, ok := ty.X.(*ast.Ident); ok && pkg.Name == "verify" {
							bad = append(bad, where(x)+": a verify.Message built with its fields: use verify.Messagef with a literal format")
						}
					}
				}
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			if x, ok := n.(*ast.Ident); ok && x.Name == "Messagef" && !called[x] {
				bad = append(bad, where(x)+": Messagef used as a value: its formats cannot be found")
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return msgs, bad
}

// TestLibraryMessagesScan: the scan finds the report sentences of every
// verifier, each Messagef with a literal format.
func TestLibraryMessagesScan(t *testing.T) {
	msgs, bad := libraryMessages(t)
	for _, b := range bad {
		t.Error(b)
	}
	formats := map[string]bool{}
	dirs := map[string]bool{}
	for _, m := range msgs {
		formats[m.key] = true
		dirs[filepath.Dir(strings.TrimPrefix(m.file, "library:"))] = true
	}
	t.Logf("%d report formats in %d packages", len(formats), len(dirs))
	if len(formats) < minLibraryMessages {
		t.Errorf("the scan found %d report formats, fewer than %d: it is broken", len(formats), minLibraryMessages)
	}
	for _, d := range []string{"verify", "pec", "xades", "pades"} {
		if !dirs[d] {
			t.Errorf("the scan found no Messagef in %s/", d)
		}
	}
	for _, want := range []string{
		"the content does not match the signed digest: it was changed after signing", // verify
		"the multipart/signed has no signature part",                                 // pec
		"bound by the signed KeyInfo",                                                // xades
		"the signature has no hexadecimal /Contents",                                 // pades
	} {
		if !formats[want] {
			t.Errorf("the scan missed %q", want)
		}
	}
}

var verbRE = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*(\d+|\*)?(\.\d+)?[a-zA-Z%]`)

// isSentence: text a person reads (two words or more), not a format of
// punctuation and verbs.
func isSentence(s string) bool {
	return regexp.MustCompile(`[A-Za-z]{2,}\s+[A-Za-z]{2,}`).MatchString(verbRE.ReplaceAllString(s, " "))
}

// needsTranslation: a message with a word in it.
func needsTranslation(s string) bool {
	return regexp.MustCompile(`[A-Za-z]{2,}`).MatchString(verbRE.ReplaceAllString(s, " "))
}

// verbs maps each argument index of a format to its verb ("1:s").
func verbs(format string) []string {
	var out []string
	arg := 0
	for _, m := range verbRE.FindAllStringSubmatch(format, -1) {
		if strings.HasSuffix(m[0], "%") {
			continue
		}
		if m[1] != "" {
			n, _ := strconv.Atoi(strings.Trim(m[1], "[]"))
			arg = n - 1
		}
		out = append(out, strconv.Itoa(arg)+":"+m[0][len(m[0])-1:])
		arg++
	}
	sort.Strings(out)
	return out
}

// helpMessages are the texts of every command's help, in English: short
// and long descriptions, examples, flag descriptions, and the usage
// template.
func helpMessages(t *testing.T) map[string][]string {
	t.Helper()
	setLanguage(language.English)
	io, _, _ := testIO(time.Now(), nil)
	root := newRootCmd(io)
	localizeCommands(root)
	out := map[string][]string{usageTemplate: {"firma"}}
	add := func(s, where string) {
		if s != "" {
			out[s] = append(out[s], where)
		}
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		where := c.CommandPath()
		add(c.Short, where)
		add(c.Long, where)
		add(c.Example, where)
		for _, fs := range []*pflag.FlagSet{c.LocalNonPersistentFlags(), c.PersistentFlags()} {
			fs.VisitAll(func(f *pflag.Flag) {
				if f.Name != "help" && f.Name != "version" {
					add(f.Usage, where)
				}
			})
		}
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(root)
	return out
}

// TestCatalogs: every message the code uses is in every catalog (the CLI's
// messages and the libraries' report sentences, libraryMessages), no
// catalog entry is unused, a translation has its source's format verbs,
// and no sentence bypasses the catalog through fmt.
func TestCatalogs(t *testing.T) {
	msgs, bypass := codeMessages(t)
	used := map[string]bool{}
	required := map[string]string{} // key -> where
	for _, m := range msgs {
		used[m.key] = true
		if needsTranslation(m.key) && !untranslated[m.file] {
			required[m.key] = m.pos
		}
	}
	lib, _ := libraryMessages(t) // TestLibraryMessagesScan checks the scan
	for _, m := range lib {
		used[m.key] = true
		if needsTranslation(m.key) {
			required[m.key] = m.pos
		}
	}
	help := helpMessages(t)
	for h, places := range help {
		used[h] = true
		for _, where := range places {
			if needsTranslation(h) && !untranslated["help:"+where] {
				required[h] = "help of " + where
			}
		}
	}
	for _, b := range bypass {
		if !untranslated[b.file] {
			t.Errorf("%s: %q reaches fmt directly: use sprintf/printf (a message) or printfFixed (machine output)", b.pos, b.key)
		}
	}
	for tag, cat := range catalogs {
		if tag == language.English {
			continue // the source language: its messages are the keys
		}
		var missing []string
		for key, where := range required {
			if _, ok := cat[key]; !ok {
				missing = append(missing, where+": "+strconv.Quote(key))
			}
		}
		sort.Strings(missing)
		for _, m := range missing {
			t.Errorf("%v: missing %s", tag, m)
		}
	}
	for tag, cat := range catalogs {
		for key, m := range cat {
			if !used[key] {
				t.Errorf("%v: catalog entry %q is used by no code", tag, key)
			}
			var forms []string
			switch v := m.(type) {
			case string:
				forms = []string{v}
			case catalog.Message:
				forms = pluralForms(t, v)
			}
			want := strings.Join(verbs(key), " ")
			for i, f := range forms {
				got := strings.Join(verbs(f), " ")
				// A plural's "one" form may leave its number (argument 1) out.
				if got != want && !(len(forms) > 1 && i == 0 && got == withoutArg(verbs(key), "0:d")) {
					t.Errorf("%v: %q: verbs %q, source has %q", tag, f, got, want)
				}
			}
		}
	}
	// A translation with a shell ${...} is left out of the formatting
	// catalog (it would be read as a catalog variable): only help texts,
	// which tr looks up as they are, may have one.
	for tag, cat := range catalogs {
		for key, m := range cat {
			if v, ok := m.(string); ok && strings.Contains(v, "${") && help[key] == nil {
				t.Errorf("%v: %q has ${ in its translation but is not a help text", tag, key)
			}
		}
	}
	// Plural messages must be plural in every language.
	for key := range messagesEN {
		if _, ok := catalogs[language.Italian][key].(catalog.Message); !ok {
			t.Errorf("it: %q is plural in English but not in Italian", key)
		}
	}
}

// pluralForms reads back the forms of a plurals() message.
func pluralForms(t *testing.T, m catalog.Message) []string {
	forms, ok := pluralText[m]
	if !ok {
		t.Fatalf("plural message %v not made by plurals()", m)
	}
	return forms
}

func withoutArg(vs []string, drop string) string {
	var out []string
	for _, v := range vs {
		if v != drop {
			out = append(out, v)
		}
	}
	return strings.Join(out, " ")
}

// TestItalianNotEnglish: an Italian entry identical to its English key is
// a sentence left untranslated, unless every line of it is a command line
// (an example, an install command), the same in every language.
func TestItalianNotEnglish(t *testing.T) {
	command := regexp.MustCompile(`^(firma |[A-Za-z/]+: sudo |OpenSC: sudo )`)
	for key, m := range catalogs[language.Italian] {
		it, ok := m.(string)
		if !ok || it != key || !isSentence(key) {
			continue
		}
		for _, line := range strings.Split(key, "\n") {
			if l := strings.TrimSpace(line); l != "" && !command.MatchString(l) {
				t.Errorf("it: %q is kept in English (line %q)", key, l)
				break
			}
		}
	}
}
