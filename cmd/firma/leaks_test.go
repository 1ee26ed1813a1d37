package main

// The English-leak detector of the Italian script run (issue 15): every
// firma process of TestScripts/it copies what it prints and looks there
// for the English catalog's sentences. A finding is a line in a file of
// the run's leak directory; TestScripts fails on it, naming the script,
// the command line and the sentence.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/message/catalog"
)

const (
	// leakDirEnv is the directory where an Italian run's firma processes
	// write their findings (one file per process).
	leakDirEnv = "FIRMA_TEST_LEAKS"
	// leakScriptEnv names the script the process runs in.
	leakScriptEnv = "FIRMA_TEST_SCRIPT"
)

// englishFragments are the sentences of the English catalog that an
// Italian output must not show: for each message whose Italian
// translation differs, the literal text between its format verbs (and
// between its lines) that is a sentence (two words or more) and that the
// translation does not also contain (a command or a proper name the two
// languages share).
func englishFragments() []string {
	seen := map[string]bool{}
	for key, it := range catalogs[language.Italian] {
		itForms := messageForms(it)
		enForms := []string{key}
		if en, ok := messagesEN[key]; ok {
			enForms = append(enForms, messageForms(en)...)
		}
		if len(itForms) == 1 && itForms[0] == key {
			continue // the same in both languages
		}
		for _, en := range enForms {
			for _, piece := range verbRE.Split(en, -1) {
				for _, line := range strings.Split(piece, "\n") {
					f := strings.TrimFunc(line, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
					if !isSentence(f) || seen[f] || containsAny(itForms, f) {
						continue
					}
					seen[f] = true
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// messageForms are the texts of a catalog entry: the string, or each
// plural form.
func messageForms(m any) []string {
	switch v := m.(type) {
	case string:
		return []string{v}
	case catalog.Message:
		return pluralText[v]
	}
	return nil
}

func containsAny(texts []string, s string) bool {
	for _, t := range texts {
		if strings.Contains(t, s) {
			return true
		}
	}
	return false
}

// findLeaks returns the fragments out contains. An empty fragment list is
// itself a finding: a detector that checks nothing must not pass.
func findLeaks(out string, fragments []string) []string {
	if len(fragments) == 0 {
		return []string{"(no English fragments to look for: the detector checks nothing)"}
	}
	var hits []string
	for _, f := range fragments {
		if strings.Contains(out, f) {
			hits = append(hits, f)
		}
	}
	return hits
}

// machineStdout reports whether a firma command line prints data for a
// program on standard output (JSON, a certificate, a calendar, an
// extracted document), which stays English or is not text.
func machineStdout(args []string) bool {
	extract := false
	for i, a := range args {
		switch {
		case a == "--json" || strings.HasPrefix(a, "--json="):
			return true
		case a == "--ics":
			return true
		case a == "export" && i > 0 && args[i-1] == "cert":
			return true
		case a == "--extract" || a == "-x":
			extract = true
		}
	}
	if extract {
		for i, a := range args {
			if (a == "-o" || a == "--output") && i+1 < len(args) && args[i+1] == "-" || a == "--output=-" || a == "-o-" {
				return true
			}
		}
	}
	return false
}

// lockedBuffer is a bytes.Buffer that several goroutines may write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// teeWriter writes to w and keeps a copy; w's errors are w's (a closed
// pipe), the copy is taken all the same.
type teeWriter struct {
	w    interface{ Write([]byte) (int, error) }
	copy *lockedBuffer
}

func (t teeWriter) Write(p []byte) (int, error) {
	t.copy.Write(p)
	return t.w.Write(p)
}

// firmaTestProcess is the test binary's firma: runProcess, and in an
// Italian script run (leakDirEnv set) the leak check of what it printed.
func firmaTestProcess() int {
	dir := os.Getenv(leakDirEnv)
	if dir == "" {
		return runProcess()
	}
	ios := SystemIO()
	var stdout, stderr lockedBuffer
	ios.Out = teeWriter{ios.Out, &stdout}
	ios.Err = teeWriter{ios.Err, &stderr}
	code := runProcessIO(ios)
	args := os.Args[1:]
	frags := englishFragments()
	var findings []string
	report := func(stream, out string) {
		for _, f := range findLeaks(out, frags) {
			findings = append(findings, strings.Join([]string{os.Getenv(leakScriptEnv), "firma " + strings.Join(quoteArgs(args), " "), stream, f}, "\t")+"\n")
		}
	}
	report("stderr", stderr.String())
	if !machineStdout(args) {
		report("stdout", stdout.String())
	}
	if len(findings) > 0 {
		name := filepath.Join(dir, "leaks-"+strconv.Itoa(os.Getpid()))
		if f, err := os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
			f.WriteString(strings.Join(findings, ""))
			f.Close()
		}
	}
	return code
}

func quoteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$") {
			a = strconv.Quote(a)
		}
		out[i] = a
	}
	return out
}

// readLeaks returns the findings the processes of a run wrote in dir.
func readLeaks(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "leaks-*"))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if line != "" {
				out = append(out, line)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}

// TestLeakDetector: the detector finds a planted English catalog sentence
// in an Italian output and passes the Italian output itself; an empty
// fragment list fails.
func TestLeakDetector(t *testing.T) {
	frags := englishFragments()
	if len(frags) < 100 {
		t.Fatalf("only %d English fragments: the detector would check almost nothing", len(frags))
	}
	// A message with a verb and its Italian translation.
	const key = "no certificate matches %q on token %q"
	it, ok := catalogs[language.Italian][key].(string)
	if !ok || it == key {
		t.Fatalf("%q has no Italian translation to test with", key)
	}
	setLanguage(language.Italian)
	defer setLanguage(language.English)
	italian := "firma: errore: " + sprintf(key, "Mario", "firma-test") + "\n"
	if hits := findLeaks(italian, frags); len(hits) != 0 {
		t.Errorf("Italian output %q: findings %q", italian, hits)
	}
	english := "firma: errore: " + fmt.Sprintf(key, "Mario", "firma-test") + "\n"
	hits := findLeaks(english, frags)
	if !slices.Contains(hits, "no certificate matches") {
		t.Errorf("English output %q: findings %q, want %q", english, hits, "no certificate matches")
	}
	// A sentence of a plural form, and one of a help text.
	for _, planted := range []string{
		fmt.Sprintf("Wrote %d events to %s: import the file into your calendar (Thunderbird, Google Calendar, Outlook)", 3, "visite.ics"),
		"Check the whole chain: pcscd, reader, card, module, token, certificate, PIN; say how to fix what fails",
	} {
		if hits := findLeaks("prima riga\n"+planted+"\n", frags); len(hits) == 0 {
			t.Errorf("planted %q: not found", planted)
		}
	}
	// A word shared by both languages (a command, a proper name) is no leak.
	for _, f := range frags {
		if f == "firma sign" || f == "PIN" {
			t.Errorf("fragment %q is in Italian texts too", f)
		}
	}
	if hits := findLeaks("anything", nil); len(hits) != 1 {
		t.Errorf("an empty fragment list must be a finding, got %q", hits)
	}
}

func TestMachineStdout(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{[]string{"verify", "--json", "a.p7m"}, true},
		{[]string{"cert", "export"}, true},
		{[]string{"remind", "--ics", "-"}, true},
		{[]string{"verify", "--extract", "-o", "-", "a.p7m"}, true},
		{[]string{"verify", "--extract", "a.p7m"}, false},
		{[]string{"verify", "-o", "-", "a.p7m"}, false},
		{[]string{"sign", "export"}, false},
		{[]string{"doctor"}, false},
	} {
		if got := machineStdout(c.args); got != c.want {
			t.Errorf("%q: %v, want %v", c.args, got, c.want)
		}
	}
}
