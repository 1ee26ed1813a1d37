package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/text/language"

	"github.com/firma-dev/firma/internal/pdf/pdftest"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/xades"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite testdata/help and testdata/out from the current output")

var goldenLangs = map[string]string{"en": "en_US.UTF-8", "it": "it_IT.UTF-8"}

// golden compares got with testdata/<dir>/<lang>/<name>.txt.
func golden(t *testing.T, dir, lang, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", dir, lang, name+".txt")
	if *updateGolden {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/firma -run %s -update-golden)", err, t.Name())
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./cmd/firma -run %s -update-golden rewrites it):\n%s", path, t.Name(), lineDiff(string(want), got))
	}
}

// englishLeaks returns the English sentences of the catalog that text
// still holds: the parts between format verbs of every translated message,
// when they are long enough to be a sentence and the translation differs.
func englishLeaks(text string) []string {
	var leaks []string
	for key, tr := range catalogs[language.Italian] {
		it, _ := tr.(string)
		if it == key {
			continue
		}
		for _, part := range verbRE.Split(key, -1) {
			for _, line := range strings.Split(part, "\n") {
				line = strings.TrimSpace(line)
				// A line the translation keeps (a command in an example)
				// is not English left behind.
				if len(line) >= 24 && isSentence(line) && !strings.Contains(it, line) && strings.Contains(text, line) {
					leaks = append(leaks, line)
				}
			}
		}
	}
	return leaks
}

func commandPaths(c *cobra.Command, prefix []string, out *[][]string) {
	*out = append(*out, prefix)
	for _, s := range c.Commands() {
		commandPaths(s, append(append([]string{}, prefix...), s.Name()), out)
	}
}

// TestHelpGolden: the --help of every command, in English and Italian; the
// Italian help of the translated commands holds no English sentence of the
// catalog.
func TestHelpGolden(t *testing.T) {
	io, _, _ := testIO(time.Now(), nil)
	root := newRootCmd(io)
	localizeCommands(root)
	var paths [][]string
	commandPaths(root, nil, &paths)
	for _, p := range paths {
		name := "firma"
		if len(p) > 0 {
			name = strings.Join(p, "_")
		}
		for lang, locale := range goldenLangs {
			io, out, errb := testIO(time.Now(), map[string]string{"LANG": locale})
			if code := Main(context.Background(), append(append([]string{}, p...), "--help"), io); code != 0 {
				t.Errorf("%s --help: exit %d: %s", name, code, errb)
			}
			golden(t, "help", lang, name, out.String())
			where := strings.TrimSpace("firma " + strings.Join(p, " "))
			if lang == "it" && !untranslated["help:"+where] {
				for _, l := range englishLeaks(out.String()) {
					t.Errorf("%s --help in Italian still says %q", name, l)
				}
			}
		}
	}
}

var (
	isoDate   = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
	itDate    = regexp.MustCompile(`\b\d{2}/\d{2}/\d{4}\b`)
	hexSerial = regexp.MustCompile(`\b[0-9A-Fa-f]{8,}\b`)
	hhmm      = regexp.MustCompile(`\b\d{2}:\d{2} UTC\b`)
	// The fixture's tokens, in the order SoftHSM happens to list them.
	fixtureTokens = regexp.MustCompile(`("firma-[a-z0-9]+" \([a-z ]+ HEX\)(, )?)+`)
)

// normalize takes out of an output what changes from run to run: the
// fixture's dates, serial numbers and paths.
func normalize(s string, f *testpki.Fixture) string {
	s = strings.ReplaceAll(s, f.Module, "MODULE")
	s = isoDate.ReplaceAllString(s, "YYYY-MM-DD")
	s = itDate.ReplaceAllString(s, "DD/MM/YYYY")
	s = hhmm.ReplaceAllString(s, "HH:MM UTC")
	s = hexSerial.ReplaceAllString(s, "HEX")
	s = fixtureTokens.ReplaceAllString(s, "TOKENS")
	return s
}

// TestOutputsGolden: status and check for the renewal states, and the error
// classes they meet, in both languages; what scripts read (JSON, exit
// codes, the check prefix and perfdata) is the same in both.
func TestOutputsGolden(t *testing.T) {
	f := fixture(t)
	now := time.Now()
	cases := []struct {
		name string
		args []string
	}{
		{"status_valid", []string{"status", "--token", testpki.TokenLabel("valid")}},
		{"status_exp75", []string{"status", "--token", testpki.TokenLabel("exp75")}},
		{"status_exp45", []string{"status", "--token", testpki.TokenLabel("exp45")}},
		{"status_expired", []string{"status", "--token", testpki.TokenLabel("expired")}},
		{"status_notyet", []string{"status", "--token", testpki.TokenLabel("notyet")}},
		{"status_notoken", []string{"status", "--token", "no-such-token"}},
		{"status_nomodule", []string{"status", "--module", "/nonexistent/libnone.so"}},
		{"check_valid", []string{"check", "--token", testpki.TokenLabel("valid")}},
		{"check_exp75", []string{"check", "--token", testpki.TokenLabel("exp75")}},
		{"check_exp45", []string{"check", "--token", testpki.TokenLabel("exp45")}},
		{"check_expired", []string{"check", "--token", testpki.TokenLabel("expired")}},
		{"check_badthresholds", []string{"check", "--warn", "10", "--crit", "20"}},
		{"usage_unknown_flag", []string{"status", "--nosuchflag"}},
		{"pin_status", []string{"pin", "status", "--token", testpki.TokenLabel("valid")}},
		{"pin_change_nosecret", []string{"pin", "change", "--token", testpki.TokenLabel("valid")}},
		{"pin_unlock_nosecret", []string{"pin", "unlock", "--token", testpki.TokenLabel("valid")}},
		{"cert_valid", []string{"cert", "--token", testpki.TokenLabel("valid")}},
		{"cert_export_derchain", []string{"cert", "export", "--der", "--chain"}},
		{"modules_missing", []string{"modules", "--module", "/nonexistent/libnone.so"}},
		{"remind_exists", []string{"remind", "--ics", f.CAFile, "--token", testpki.TokenLabel("valid")}},
	}
	for _, c := range cases {
		results := map[string]result{}
		for lang, locale := range goldenLangs {
			r := firma(t, now, map[string]string{"LANG": locale}, c.args...)
			results[lang] = r
			golden(t, "out", lang, c.name, normalize("exit "+strconv.Itoa(r.code)+"\n--- stdout\n"+r.out+"--- stderr\n"+r.err, f))
		}
		en, it := results["en"], results["it"]
		if en.code != it.code {
			t.Errorf("%s: exit %d in English, %d in Italian", c.name, en.code, it.code)
		}
		if c.args[0] == "check" {
			// "FIRMA WORD - " and " | perfdata" are for machines.
			prefix := regexp.MustCompile(`^FIRMA (OK|WARNING|CRITICAL|UNKNOWN) - `)
			pe, pi := prefix.FindString(en.out), prefix.FindString(it.out)
			if pe == "" || pe != pi {
				t.Errorf("%s: check prefix %q in English, %q in Italian", c.name, pe, pi)
			}
			perf := func(s string) string {
				if i := strings.LastIndex(s, " | "); i >= 0 {
					return s[i:]
				}
				return ""
			}
			if perf(en.out) != perf(it.out) {
				t.Errorf("%s: perfdata %q in English, %q in Italian", c.name, perf(en.out), perf(it.out))
			}
		}
		for _, l := range englishLeaks(it.out + it.err) {
			t.Errorf("%s in Italian still says %q", c.name, l)
		}
	}
	// --json never changes with the language.
	for _, args := range [][]string{
		{"status", "--json", "--token", testpki.TokenLabel("exp45")},
		{"status", "--json", "--all"},
	} {
		en := firma(t, now, map[string]string{"LANG": "C"}, args...)
		it := firma(t, now, map[string]string{"LANG": "it_IT.UTF-8"}, args...)
		if en.out != it.out || en.code != it.code {
			t.Errorf("%v: the JSON or the exit code changes with the language:\n%s\n---\n%s", args, en.out, it.out)
		}
	}
}

// TestVerifyOutputsGolden: firma verify of an intact, a tampered and an
// indeterminate file, and of a file that is not signed, in both languages;
// the Italian report holds no English sentence of the catalog (the
// libraries' sentences included).
func TestVerifyOutputsGolden(t *testing.T) {
	p := testCLIPKI(t)
	dir := t.TempDir()
	good := opensslP7M(t, p, dir, "referto.pdf.p7m", doc, "-nodetach")
	der, _ := os.ReadFile(good)
	bad := filepath.Join(dir, "alterato.pdf.p7m")
	os.WriteFile(bad, bytes.Replace(der, []byte("prova"), []byte("prove"), 1), 0o644)
	plain := filepath.Join(dir, "referto.pdf")
	os.WriteFile(plain, doc, 0o644)
	now := p.now.Add(time.Hour)
	norm := func(s string) string {
		s = strings.ReplaceAll(s, dir+"/", "")
		s = strings.ReplaceAll(s, p.ca, "CA.pem")
		s = regexp.MustCompile(`\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2} UTC)?`).ReplaceAllString(s, "DATE")
		s = regexp.MustCompile(`\d{2}/\d{2}/\d{4}( \d{2}:\d{2}:\d{2} UTC)?`).ReplaceAllString(s, "DATE")
		s = regexp.MustCompile(`\d{2}:\d{2}(:\d{2})? UTC`).ReplaceAllString(s, "HH:MM UTC")
		s = hexSerial.ReplaceAllString(s, "HEX")
		return s
	}
	for _, c := range []struct {
		name string
		args []string
		code int
	}{
		{"verify_valid", []string{"--trust", p.ca, good}, ExitOK},
		{"verify_tampered", []string{"--trust", p.ca, bad}, ExitVerifyFailed},
		{"verify_indeterminate", []string{good}, ExitVerifyIndeterminate},
		{"verify_notsigned", []string{plain}, ExitInput},
		{"verify_batch", []string{"--trust", p.ca, good, bad}, ExitVerifyFailed},
	} {
		verifyGoldenCase(t, c.name, now, c.args, c.code, norm)
	}
}

// TestSignOutputsGolden: firma sign's summary, its renewal reminder, a batch
// that partly exists already and its usage errors, in both languages; the
// exit code and --json are the same in both.
func TestSignOutputsGolden(t *testing.T) {
	f := fixture(t)
	now := time.Now()
	pin := filepath.Join(fixtureDir, "pin")
	for _, c := range []struct {
		name  string
		args  []string
		files []string
		exist []string
	}{
		{"sign_one", []string{"--token", testpki.MainToken, "--pin-file", pin}, []string{"referto.pdf"}, nil},
		{"sign_batch_skip", []string{"--token", testpki.MainToken, "--pin-file", pin, "--skip-existing"}, []string{"a.pdf", "b.pdf", "c.pdf"}, []string{"a.pdf.p7m"}},
		{"sign_renewal", []string{"--token", testpki.TokenLabel("exp45"), "--pin-file", pin}, []string{"referto.pdf"}, nil},
		{"sign_pades_notpdf", []string{"--token", testpki.MainToken, "--pin-file", pin, "--pades"}, []string{"referto.txt"}, nil},
		{"sign_nofile", []string{"--token", testpki.MainToken}, nil, nil},
		{"sign_exists", []string{"--token", testpki.MainToken, "--pin-file", pin}, []string{"referto.pdf"}, []string{"referto.pdf.p7m"}},
	} {
		results := map[string]result{}
		for lang, locale := range goldenLangs {
			dir := t.TempDir()
			args := append([]string{"sign"}, c.args...)
			if len(c.files) > 0 {
				args = append(args, writeFiles(t, dir, c.files...)...)
			}
			for _, e := range c.exist {
				os.WriteFile(filepath.Join(dir, e), []byte("x"), 0o644)
			}
			r := firma(t, now, map[string]string{"LANG": locale}, args...)
			results[lang] = r
			s := strings.ReplaceAll("exit "+strconv.Itoa(r.code)+"\n--- stdout\n"+r.out+"--- stderr\n"+r.err, dir+"/", "DIR/")
			golden(t, "out", lang, c.name, normalize(s, f))
		}
		if en, it := results["en"], results["it"]; en.code != it.code {
			t.Errorf("%s: exit %d in English, %d in Italian", c.name, en.code, it.code)
		}
		for _, l := range englishLeaks(results["it"].out + results["it"].err) {
			t.Errorf("%s in Italian still says %q", c.name, l)
		}
	}
}

// TestVerifyFormatsGolden: firma verify of a signed PDF (PAdES), a PEC
// delivery receipt and a signed FatturaPA (XAdES), each intact and
// changed after signing, in both languages; the exit code, the verdict
// line and --json are the same in both.
func TestVerifyFormatsGolden(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	pdfGood := signedPDFFile(t, p, dir, pdftest.QPDF(t, pdftest.Doc(1), "--object-streams=disable"), "")
	b, _ := os.ReadFile(pdfGood)
	i := bytes.Index(b, []byte(" 612 792]"))
	if i < 0 {
		t.Fatal("no media box in the signed PDF")
	}
	b[i+3] = '3'
	pdfBad := filepath.Join(dir, "referto-alterato.pdf")
	os.WriteFile(pdfBad, b, 0o600)
	// Signed twice: the first signature sees a later revision that adds a
	// signature (the changes-after report).
	twiceDir := filepath.Join(dir, "due")
	os.Mkdir(twiceDir, 0o700)
	good, _ := os.ReadFile(pdfGood)
	pdfTwice := signedPDFFile(t, p, twiceDir, good, "")
	pdfUnsigned := filepath.Join(dir, "senza-firme.pdf")
	os.WriteFile(pdfUnsigned, pdftest.Doc(1), 0o600)

	doc, err := xades.Parse([]byte(testInvoice))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := xades.Sign(doc, nil, p.valid.Key, []*x509.Certificate{p.valid.Cert}, xades.SignOptions{SigningTime: p.signNow}); err != nil {
		t.Fatal(err)
	}
	xmlGood := filepath.Join(dir, "IT01234567890_00001.xml")
	xb, _ := doc.WriteToBytes()
	os.WriteFile(xmlGood, xb, 0o600)
	xmlBad := filepath.Join(dir, "IT01234567890_00002.xml")
	os.WriteFile(xmlBad, bytes.Replace(xb, []byte("122.00"), []byte("922.00"), 1), 0o600)

	pecDir, pecRoot, _ := pecFiles(t)

	norm := func(s string) string {
		s = strings.ReplaceAll(s, dir+"/", "")
		s = strings.ReplaceAll(s, pecDir+"/", "")
		s = strings.ReplaceAll(s, p.caFile, "CA.pem")
		s = regexp.MustCompile(`\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2} UTC)?`).ReplaceAllString(s, "DATE")
		s = regexp.MustCompile(`\d{2}/\d{2}/\d{4}( \d{2}:\d{2}:\d{2} UTC)?`).ReplaceAllString(s, "DATE")
		s = regexp.MustCompile(`\d{2}:\d{2}(:\d{2})?( UTC| [+-]\d{4})?`).ReplaceAllString(s, "HH:MM")
		// The Message-IDs and the mail's Date header are made afresh.
		s = regexp.MustCompile(`(?m)^(  msgid:\s+).*$`).ReplaceAllString(s, "${1}MSGID")
		s = regexp.MustCompile(`[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4}`).ReplaceAllString(s, "DATE")
		s = hexSerial.ReplaceAllString(s, "HEX")
		return s
	}
	for _, c := range []struct {
		name string
		now  time.Time
		args []string
		code int
	}{
		{"verify_pdf_valid", p.signNow, []string{"--trust", p.caFile, pdfGood}, ExitOK},
		{"verify_pdf_twice", p.signNow, []string{"--trust", p.caFile, pdfTwice}, ExitOK},
		{"verify_pdf_unsigned", p.signNow, []string{"--trust", p.caFile, pdfUnsigned}, ExitInput},
		{"verify_pdf_tampered", p.signNow, []string{"--trust", p.caFile, "--extract", pdfBad}, ExitVerifyFailed},
		{"verify_xml_valid", p.signNow, []string{"--trust", p.caFile, xmlGood}, ExitOK},
		{"verify_xml_tampered", p.signNow, []string{"--trust", p.caFile, "--extract", xmlBad}, ExitVerifyFailed},
		{"verify_pec_valid", pecNow, []string{"--trust", pecRoot, filepath.Join(pecDir, "consegna.eml")}, ExitOK},
		{"verify_pec_changed", pecNow, []string{"--trust", pecRoot, "--extract", filepath.Join(pecDir, "changed.eml")}, ExitVerifyFailed},
		{"verify_pec_noanchor", pecNow, []string{filepath.Join(pecDir, "consegna.eml")}, ExitVerifyIndeterminate},
		{"verify_pec_daticert", pecNow, []string{"--trust", pecRoot, filepath.Join(pecDir, "daticert.xml")}, ExitVerifyIndeterminate},
		{"verify_pec_outlook", pecNow, []string{filepath.Join(pecDir, "outlook.msg")}, ExitInput},
	} {
		verifyGoldenCase(t, c.name, c.now, c.args, c.code, norm)
	}
}

// verifyGoldenCase runs firma verify args in both languages: the exit
// code is code in both, the outputs match their goldens, the Italian one
// says no English sentence of the catalog, --json is the same in both
// (error texts included), and so are the verdict lines scripts read.
func verifyGoldenCase(t *testing.T, name string, now time.Time, args []string, code int, norm func(string) string) {
	t.Helper()
	outs, jsons := map[string]string{}, map[string]string{}
	for lang, locale := range goldenLangs {
		io, out, errb := testIO(now, map[string]string{"LANG": locale})
		if got := Main(context.Background(), append([]string{"verify", "--no-system-trust"}, args...), io); got != code {
			t.Errorf("%s (%s): exit %d, want %d\n%s%s", name, lang, got, code, out, errb)
		}
		outs[lang] = out.String()
		golden(t, "out", lang, name, norm("--- stdout\n"+out.String()+"--- stderr\n"+errb.String()))
		if lang == "it" {
			for _, l := range englishLeaks(out.String() + errb.String()) {
				t.Errorf("%s in Italian still says %q", name, l)
			}
		}
		io, out, _ = testIO(now, map[string]string{"LANG": locale})
		Main(context.Background(), append([]string{"verify", "--no-system-trust", "--json"}, args...), io)
		jsons[lang] = out.String()
	}
	if jsons["en"] != jsons["it"] {
		t.Errorf("%s --json changes with the language:\n%s", name, lineDiff(jsons["en"], jsons["it"]))
	}
	// The first line of each file, "FILE: INDICATION[/SUB]", is for
	// scripts: the same in both languages.
	first := regexp.MustCompile(`(?m)^[^ ].*?: [A-Z_]+(/[A-Z_]+)?`)
	if a, b := first.FindAllString(outs["en"], -1), first.FindAllString(outs["it"], -1); strings.Join(a, "|") != strings.Join(b, "|") {
		t.Errorf("%s: verdict lines %q in English, %q in Italian", name, a, b)
	}
}
