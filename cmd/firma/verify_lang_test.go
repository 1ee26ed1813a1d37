package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/firma-dev/firma/internal/interop"
)

// TestVerifyJSONLanguage: firma verify --json gives the same bytes in an
// Italian session as in English (the files' error texts included), while
// its error lines on stderr are in Italian.
func TestVerifyJSONLanguage(t *testing.T) {
	// Main sets the language of the process: give the next test English.
	t.Cleanup(func() { setLanguage(language.English) })
	dir := t.TempDir()
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("not a signature\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	inputs := [][]string{
		// a report, a damaged file, a file that is not signed
		{filepath.Join(interop.Dir(), "fatturapa", "IT02182030391_31.xml.p7m"),
			filepath.Join(interop.Dir(), "fatturapa", "IT02182030391_31_tampered.xml.p7m"), notes},
		// no name for the extracted document (an error firma words itself)
		{"--extract", notes},
		// a detached signature's content that cannot be read
		{"--content", filepath.Join(dir, "missing.pdf"), filepath.Join(dir, "missing.pdf.p7s")},
	}
	at := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, in := range inputs {
		run := func(env map[string]string) (int, string, string) {
			io, out, errb := testIO(at, env)
			code := Main(context.Background(), append([]string{"verify", "--json", "--no-system-trust"}, in...), io)
			return code, out.String(), errb.String()
		}
		enCode, enOut, enErr := run(nil)
		itCode, itOut, itErr := run(map[string]string{"LANG": "it_IT.UTF-8"})
		if enOut != itOut || enCode != itCode {
			t.Errorf("%q: --json differs in Italian (exit %d, %d):\n%s\nEnglish:\n%s", in, itCode, enCode, itOut, enOut)
		}
		if !strings.Contains(enErr, "firma: error: ") {
			t.Errorf("%q: English stderr %q", in, enErr)
		}
		if !strings.Contains(itErr, "firma: errore: ") || strings.Contains(itErr, "firma: error: ") {
			t.Errorf("%q: Italian stderr %q", in, itErr)
		}
	}
	// The extract-name error, worded by firma, is English in the JSON and
	// Italian on stderr.
	io, out, errb := testIO(at, map[string]string{"LANG": "it_IT.UTF-8"})
	Main(context.Background(), []string{"verify", "--json", "--no-system-trust", "--extract", notes}, io)
	if !strings.Contains(out.String(), `"error": "cannot name the extracted document of `) {
		t.Errorf("JSON error not in English:\n%s", out.String())
	}
	if strings.Contains(errb.String(), "cannot name") || strings.Contains(errb.String(), "does not end in") {
		t.Errorf("stderr in English: %q", errb.String())
	}
}
