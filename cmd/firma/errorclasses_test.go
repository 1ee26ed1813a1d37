package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/testpki"
	"golang.org/x/text/language"
)

// TestErrorClassesGolden: the error classes the other golden tests do not
// meet, each made for real (SoftHSM, a refused TSA connection, no PC/SC
// service, a cancelled run), in both languages: the exit code is the
// class's in both, and the Italian run says no English sentence of the
// catalog.
func TestErrorClassesGolden(t *testing.T) {
	f := fixture(t)
	t.Cleanup(func() { setLanguage(language.English) })
	now := time.Now()
	pin := filepath.Join(fixtureDir, "pin")
	dir := t.TempDir()
	wrong := filepath.Join(dir, "wrong-pin")
	os.WriteFile(wrong, []byte("000000\n"), 0o600)
	short := filepath.Join(dir, "short-pin")
	os.WriteFile(short, []byte("12\n"), 0o600)
	doc := filepath.Join(dir, "referto.pdf")
	for _, c := range []struct {
		name     string
		args     []string
		canceled bool
		code     int
	}{
		{"error_cert_expired", []string{"sign", "--token", testpki.TokenLabel("expired"), "--pin-file", pin, doc}, false, ExitCert},
		{"error_pin_wrong", []string{"sign", "--token", testpki.TokenLabel("valid"), "--pin-file", wrong, doc}, false, ExitPIN},
		{"error_pcsc", []string{"card"}, false, ExitPCSC},
		{"error_input_missing", []string{"sign", "--token", testpki.MainToken, "--pin-file", pin, filepath.Join(dir, "assente.pdf")}, false, ExitInput},
		{"error_canceled", []string{"sign", "--token", testpki.MainToken, "--pin-file", pin, doc}, true, ExitCanceled},
		{"error_tsa_down", []string{"sign", "--token", testpki.MainToken, "--pin-file", pin, "--tsa", "http://127.0.0.1:9/tsa", doc}, false, ExitTSA},
		{"error_pin_rules", []string{"pin", "change", "--token", testpki.TokenLabel("valid"), "--pin-file", pin, "--new-pin-file", short}, false, ExitPINRules},
	} {
		results := map[string]result{}
		for lang, locale := range goldenLangs {
			// A fresh document each run: no output of an earlier run in
			// the way.
			os.Remove(doc + ".p7m")
			writeFiles(t, dir, "referto.pdf")
			env := map[string]string{"FIRMA_PKCS11_MODULE": f.Module, "SOFTHSM2_CONF": f.Conf, "LANG": locale}
			io, out, errb := testIO(now, env)
			ctx, cancel := context.WithCancel(context.Background())
			if c.canceled {
				cancel()
			}
			code := Main(ctx, c.args, io)
			cancel()
			r := result{code, out.String(), errb.String()}
			results[lang] = r
			if code != c.code {
				t.Errorf("%s (%s): exit %d, want %d\n%s%s", c.name, lang, code, c.code, r.out, r.err)
			}
			for _, s := range []string{r.out, r.err} {
				if strings.Contains(s, testpki.PIN) {
					t.Fatalf("%s: the PIN leaked:\n%s", c.name, s)
				}
			}
			s := strings.ReplaceAll("exit "+strconv.Itoa(r.code)+"\n--- stdout\n"+r.out+"--- stderr\n"+r.err, dir+"/", "DIR/")
			golden(t, "out", lang, c.name, normalize(s, f))
		}
		for _, l := range englishLeaks(results["it"].out + results["it"].err) {
			t.Errorf("%s in Italian still says %q", c.name, l)
		}
		if c.code == ExitPIN {
			// SoftHSM notes a wrong PIN (CKF_USER_PIN_COUNT_LOW) until
			// the next good one: log in once for the tests that follow.
			if r := firma(t, now, nil, "sign", "--token", testpki.TokenLabel("valid"), "--pin-file", pin, "--force", doc); r.code != ExitOK {
				t.Fatalf("signing with the good PIN after the wrong one: exit %d %s", r.code, r.err)
			}
		}
	}
}

// TestEveryExitCodeHasGoldens: each exit code of errors.go is shown in a
// golden output in both languages (the files above, TestOutputsGolden's,
// TestSignOutputsGolden's and TestVerifyOutputsGolden's), so that no error
// class goes untranslated unseen.
func TestEveryExitCodeHasGoldens(t *testing.T) {
	src, err := os.ReadFile("errors.go")
	if err != nil {
		t.Fatal(err)
	}
	codes := map[int]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s+(Exit\w+)\s+= (\d+)`).FindAllStringSubmatch(string(src), -1) {
		n, _ := strconv.Atoi(m[2])
		if n != ExitOK {
			codes[n] = m[1]
		}
	}
	if len(codes) < 15 {
		t.Fatalf("read %d exit codes from errors.go: %v", len(codes), codes)
	}
	// firma verify's goldens hold no exit line: their test checks the code.
	verifyGoldens := map[string]int{"verify_tampered": ExitVerifyFailed, "verify_indeterminate": ExitVerifyIndeterminate, "verify_notsigned": ExitInput}
	for _, lang := range []string{"en", "it"} {
		seen := map[int][]string{}
		files, _ := filepath.Glob(filepath.Join("testdata", "out", lang, "*.txt"))
		for _, path := range files {
			name := strings.TrimSuffix(filepath.Base(path), ".txt")
			if code, ok := verifyGoldens[name]; ok {
				seen[code] = append(seen[code], name)
				continue
			}
			fh, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(fh)
			if sc.Scan() {
				if n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "exit ")); err == nil {
					seen[n] = append(seen[n], name)
				}
			}
			fh.Close()
		}
		for n, name := range codes {
			if len(seen[n]) == 0 {
				t.Errorf("%s: no golden output shows exit %d (%s)", lang, n, name)
			}
		}
	}
}
