//go:build cgo

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ebfe/scard"
	"golang.org/x/text/language"

	"github.com/firma-dev/firma/internal/pcsctest"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/pkcs11"
)

// doctorRun runs `firma doctor` with the fixture's SoftHSM module (the
// virtual card has no PKCS#11 module of its own).
func doctorRun(t *testing.T, args ...string) result {
	t.Helper()
	f := fixture(t)
	return firma(t, time.Now(), map[string]string{"FIRMA_PKCS11_MODULE": ""}, append([]string{"doctor", "--module", f.Module}, args...)...)
}

// line finds the check line of name and returns its status word.
func line(t *testing.T, out, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^(OK|WARNING|FAILED|SKIPPED) +` + regexp.QuoteMeta(name) + ` +(.*)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no %q line in:\n%s", name, out)
	}
	return m[1]
}

func TestDoctorAllGreen(t *testing.T) {
	p := pcsctest.Start(t)
	vc := vcardOf(t, "aruba")
	p.Insert(vc, 0)
	report := filepath.Join(t.TempDir(), "ticket.txt")
	r := doctorRun(t, "--token", testpki.MainToken, "--report", report)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.err)
	}
	for _, name := range []string{"pcscd reachable", "access allowed", "readers present", "card present", "card identified",
		"card not held by another program", "PKCS#11 module", "token visible", "signature certificate", "certificate chain",
		"validity and renewal", "PIN state", "PUK state"} {
		if got := line(t, r.out, name); got != "OK" {
			t.Errorf("%s: %s\n%s", name, got, r.out)
		}
	}
	if !strings.Contains(r.out, "0 failed, 0 warnings") {
		t.Errorf("summary:\n%s", r.out)
	}
	// The doctor never sends a VERIFY to a card not known to be safe.
	if n := vc.Count(0x20); n != 0 {
		t.Errorf("doctor sent %d VERIFY commands", n)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"firma doctor report", "firma:", "os:", "pcsc-lite:", "module SoftHSM:", "OK       signature certificate"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("report lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), testpki.PIN) {
		t.Error("the report holds the PIN")
	}
	// An existing report is not replaced without --force.
	r = doctorRun(t, "--token", testpki.MainToken, "--report", report)
	if r.code != ExitOutput {
		t.Errorf("existing report: exit %d %s", r.code, r.err)
	}
	r = doctorRun(t, "--token", testpki.MainToken, "--json")
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil || rep.Failed != 0 || len(rep.Checks) != 13 || rep.Versions["firma"] == "" {
		t.Errorf("json: %v %+v", err, rep)
	}
}

// No reader: pcscd runs (with no reader configured and USB hotplug off).
func TestDoctorNoReader(t *testing.T) {
	pcsctest.StartNoReaders(t)
	r := doctorRun(t, "--token", testpki.MainToken)
	if line(t, r.out, "pcscd reachable") != "OK" || line(t, r.out, "readers present") != "FAILED" ||
		!strings.Contains(r.out, "fix: plug in the Aruba Key or the card reader") ||
		line(t, r.out, "card present") != "SKIPPED" || r.code != ExitFailure {
		t.Errorf("no reader: exit %d\n%s", r.code, r.out)
	}
}

func TestDoctorScenarios(t *testing.T) {
	f := fixture(t)
	p := pcsctest.Start(t)
	notModule := filepath.Join(t.TempDir(), "libbroken.so")
	os.WriteFile(notModule, []byte(strings.Repeat("not a module\n", 20)), 0o644)

	// No card in the readers.
	r := doctorRun(t, "--token", testpki.MainToken)
	if line(t, r.out, "card present") != "FAILED" || !strings.Contains(r.out, "fix: insert the card") || r.code != ExitFailure {
		t.Errorf("no card: exit %d\n%s", r.code, r.out)
	}

	vc := vcardOf(t, "aruba")
	p.Insert(vc, 0)
	cases := []struct {
		name  string
		args  []string
		check string
		fix   string
	}{
		{"module missing", []string{"--module", "/nonexistent/libbit4xpki.so"}, "PKCS#11 module", "file not found"},
		{"module not loadable", []string{"--module", notModule}, "PKCS#11 module", "invalid ELF header"},
		{"no signing certificate", []string{"--token", testpki.CNSOnlyToken}, "signature certificate", "only authentication (CNS) certificates"},
		{"expired", []string{"--token", "firma-expired"}, "validity and renewal", "fix: buy a new signature kit"},
	}
	for _, c := range cases {
		r := firma(t, time.Now(), map[string]string{"FIRMA_PKCS11_MODULE": ""}, append([]string{"doctor", "--module", f.Module}, c.args...)...)
		if got := line(t, r.out, c.check); got != "FAILED" || !strings.Contains(r.out, c.fix) || r.code != ExitFailure {
			t.Errorf("%s: %s line %s, exit %d\n%s", c.name, c.check, got, r.code, r.out)
		}
	}

	force(t, testpki.MainToken, 0x40000) // CKF_USER_PIN_LOCKED
	r = doctorRun(t, "--token", testpki.MainToken)
	if line(t, r.out, "PIN state") != "FAILED" || !strings.Contains(r.out, "fix: unlock it with the PUK: firma pin unlock") {
		t.Errorf("locked PIN:\n%s", r.out)
	}

	// Another program holds the card exclusively.
	ctx, err := scard.EstablishContext()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Release()
	held, err := ctx.Connect(pcsctest.Readers[0], scard.ShareExclusive, scard.ProtocolAny)
	if err != nil {
		t.Fatal(err)
	}
	r = doctorRun(t, "--token", testpki.CNSOnlyToken)
	held.Disconnect(scard.LeaveCard)
	if line(t, r.out, "card not held by another program") != "FAILED" || !strings.Contains(r.out, "scdaemon") {
		t.Errorf("card held exclusively:\n%s", r.out)
	}

	// pcscd stopped.
	p.Stop()
	r = doctorRun(t, "--token", testpki.MainToken)
	if line(t, r.out, "pcscd reachable") != "FAILED" || !strings.Contains(r.out, "systemctl enable --now pcscd.socket") || line(t, r.out, "card present") != "SKIPPED" {
		t.Errorf("pcscd stopped:\n%s", r.out)
	}
}

// A card identified in the reader whose vendor module is not installed
// (only OpenSC is, which shows no token for it): the doctor says the card
// is there and its module is missing, with where to get it; it never
// sends the user to insert the card. `firma modules` names the missing
// modules too.
func TestDoctorCardModuleMissing(t *testing.T) {
	f := fixture(t)
	p := pcsctest.Start(t)
	vc := vcardOf(t, "aruba")
	p.Insert(vc, 0)
	for _, name := range []string{"libbit4xpki.so", "libbit4ipki.so"} {
		if paths := pkcs11.ResolveModuleName(name); len(paths) > 0 {
			t.Skipf("%s is installed (%v): the scenario needs it missing", name, paths)
		}
	}
	if len(pkcs11.ResolveModuleName("opensc-pkcs11.so")) == 0 {
		t.Skip("OpenSC is not installed")
	}
	// In a process of its own: OpenSC is loaded once per process, and one
	// loaded by an earlier test keeps the tokens of that test's card.
	code, out, errs := firmaProcess(t, []string{"FIRMA_PKCS11_MODULE=", "SOFTHSM2_CONF=" + f.Conf, p.Env()}, nil, "", "doctor")
	r := result{code, out, errs}
	if r.code != ExitFailure {
		t.Errorf("exit %d", r.code)
	}
	if line(t, r.out, "card present") != "OK" || line(t, r.out, "card identified") != "OK" {
		t.Errorf("card lines:\n%s", r.out)
	}
	for _, want := range []string{
		"WARNING  PKCS#11 module                    the module for Aruba signature card by Incard is not installed: libbit4xpki.so (Bit4id); nor libbit4ipki.so\n",
		"FAILED   token visible                     the card Aruba signature card by Incard is in reader Virtual PCD 00 00, but no installed module shows its token: its module libbit4xpki.so (Bit4id) is not installed\n",
		"fix: install the Bit4id middleware: it comes with the card provider's signature software (Aruba: the Aruba Sign / Aruba Key kit, https://www.pec.it/download-software-driver.aspx)",
		"opensc-pkcs11.so loads (OpenSC",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "inserted") || strings.Contains(r.out, "insert the card") {
		t.Errorf("the doctor blames the card's insertion:\n%s", r.out)
	}
	if n := vc.Count(0x20); n != 0 {
		t.Errorf("doctor sent %d VERIFY commands", n)
	}
	r = firma(t, time.Now(), map[string]string{"FIRMA_PKCS11_MODULE": "", "SOFTHSM2_CONF": f.Conf}, "modules")
	if r.code != 0 || !strings.HasPrefix(r.out, "libbit4xpki.so (suggested for the card)\n  not installed: get it from the Bit4id middleware") {
		t.Errorf("modules: exit %d\n%s", r.code, r.out)
	}
	r = firma(t, time.Now(), map[string]string{"FIRMA_PKCS11_MODULE": "", "SOFTHSM2_CONF": f.Conf}, "modules", "--json")
	var d pkcs11.Discovery
	if err := json.Unmarshal([]byte(r.out), &d); err != nil || !slices.Equal(d.Missing, []string{"libbit4xpki.so", "libbit4ipki.so"}) {
		t.Errorf("modules --json: %v %+v", err, d.Missing)
	}
}

// TestDoctorOutputsGolden: firma doctor with no card, all green and with an
// expired certificate, and firma card, in both languages (a virtual card in a private
// pcscd); the exit code and --json are the same in both. (Here, not in
// i18n_golden_test.go: libpcsclite keeps the socket it first used, so the
// private pcscd must come before the tests that reach PC/SC without one
// when they run alone, -run Golden.)
func TestDoctorOutputsGolden(t *testing.T) {
	f := fixture(t)
	p := pcsctest.Start(t)
	// Tests that call a function directly, not Main, print in the language
	// the last Main set: leave English behind.
	t.Cleanup(func() { setLanguage(language.English) })
	run := func(name string, args ...string) {
		t.Helper()
		results := map[string]result{}
		for lang, locale := range goldenLangs {
			r := firma(t, time.Now(), map[string]string{"FIRMA_PKCS11_MODULE": "", "LANG": locale}, args...)
			results[lang] = r
			golden(t, "out", lang, name, normalize("exit "+strconv.Itoa(r.code)+"\n--- stdout\n"+r.out+"--- stderr\n"+r.err, f))
		}
		if en, it := results["en"], results["it"]; en.code != it.code {
			t.Errorf("%s: exit %d in English, %d in Italian", name, en.code, it.code)
		}
		for _, l := range englishLeaks(results["it"].out + results["it"].err) {
			t.Errorf("%s in Italian still says %q", name, l)
		}
		en := firma(t, time.Now(), map[string]string{"FIRMA_PKCS11_MODULE": "", "LANG": "C"}, append(args, "--json")...)
		it := firma(t, time.Now(), map[string]string{"FIRMA_PKCS11_MODULE": "", "LANG": "it_IT.UTF-8"}, append(args, "--json")...)
		if en.out != it.out || en.code != it.code {
			t.Errorf("%s --json changes with the language:\n%s", name, lineDiff(en.out, it.out))
		}
	}
	doctor := []string{"doctor", "--module", f.Module}
	run("doctor_nocard", append(doctor, "--token", testpki.MainToken)...)
	p.Insert(vcardOf(t, "aruba"), 0)
	run("doctor_ok", append(doctor, "--token", testpki.MainToken)...)
	run("doctor_expired", append(doctor, "--token", "firma-expired")...)
	// firma card's report and its refused probe, on the same card.
	run("card_aruba", "card")
	run("card_probe_refused", "card", "--probe-pin-tries")
}

// TestDoctorJSONLanguage: --json is the same bytes in an Italian session
// as in English, while the text report and stderr are in Italian.
func TestDoctorJSONLanguage(t *testing.T) {
	// Main sets the language of the process: give the next test English.
	t.Cleanup(func() { setLanguage(language.English) })
	for _, scenario := range []string{"green", "no reader"} {
		t.Run(scenario, func(t *testing.T) {
			if scenario == "green" {
				p := pcsctest.Start(t)
				p.Insert(vcardOf(t, "aruba"), 0)
			} else {
				pcsctest.StartNoReaders(t)
			}
			f := fixture(t)
			dir := t.TempDir()
			run := func(lang string, args ...string) result {
				return firma(t, time.Now(), map[string]string{"FIRMA_PKCS11_MODULE": "", "LANG": lang},
					append([]string{"doctor", "--module", f.Module, "--token", testpki.MainToken}, args...)...)
			}
			en := run("", "--json", "--report", filepath.Join(dir, "en.txt"))
			it := run("it_IT.UTF-8", "--json", "--report", filepath.Join(dir, "it.txt"))
			if en.out != it.out || en.code != it.code {
				t.Errorf("--json differs with LANG=it_IT.UTF-8 (exit %d, %d):\n%s\nEnglish:\n%s", it.code, en.code, it.out, en.out)
			}
			if !strings.Contains(it.err, "rapporto scritto in") || strings.Contains(it.err, "report written") {
				t.Errorf("Italian stderr: %q", it.err)
			}
			if !strings.Contains(en.err, "report written to") {
				t.Errorf("English stderr: %q", en.err)
			}
			report, err := os.ReadFile(filepath.Join(dir, "it.txt"))
			if err != nil {
				t.Fatal(err)
			}
			text := run("it_IT.UTF-8")
			for _, s := range []string{string(report), text.out} {
				if hits := findLeaks(s, englishFragments()); len(hits) > 0 {
					t.Errorf("the Italian report has English sentences %q:\n%s", hits, s)
				}
			}
			var rep doctorReport
			if err := json.Unmarshal([]byte(it.out), &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Checks) == 0 {
				t.Fatal("no checks")
			}
		})
	}
}
