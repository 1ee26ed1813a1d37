package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/firma-dev/firma/certinfo"

	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/pkcs11"
)

// forced adds PIN flags to tokens by label, for states SoftHSM never
// reports (locked, final try). Installed once, before any module loads.
var (
	forcedMu sync.Mutex
	forced   = map[string]uint{}
)

type forcingP11 struct{ pkcs11.P11 }

func (f forcingP11) GetTokenInfo(slot uint) (pkcs11.RawTokenInfo, error) {
	ti, err := f.P11.GetTokenInfo(slot)
	forcedMu.Lock()
	ti.Flags |= forced[strings.TrimSpace(ti.Label)]
	forcedMu.Unlock()
	return ti, err
}

func init() {
	pkcs11.WrapModules(func(_ string, p pkcs11.P11) pkcs11.P11 { return forcingP11{p} })
}

func force(t *testing.T, label string, flags uint) {
	forcedMu.Lock()
	forced[label] = flags
	forcedMu.Unlock()
	t.Cleanup(func() {
		forcedMu.Lock()
		delete(forced, label)
		forcedMu.Unlock()
	})
}

type result struct {
	code     int
	out, err string
}

// firma runs the CLI in-process with the fixture's module, a fixed clock
// and no terminal, and checks that the test PIN appears in no output.
func firma(t *testing.T, now time.Time, env map[string]string, args ...string) result {
	t.Helper()
	f := fixture(t)
	e := map[string]string{"FIRMA_PKCS11_MODULE": f.Module, "SOFTHSM2_CONF": f.Conf}
	for k, v := range env {
		e[k] = v
	}
	io, out, errb := testIO(now, e)
	code := Main(context.Background(), args, io)
	r := result{code, out.String(), errb.String()}
	for _, s := range []string{r.out, r.err} {
		if strings.Contains(s, testpki.PIN) || strings.Contains(s, testpki.SOPIN) {
			t.Fatalf("firma %v: a PIN leaked into the output:\n%s", args, s)
		}
	}
	return r
}

func TestStatusRenewalPerVariant(t *testing.T) {
	now := time.Now()
	want := map[string]string{
		"valid":   "ok",
		"exp75":   "window_opens_soon",
		"exp45":   "renew_now",
		"expired": "expired",
		"notyet":  "not_yet_valid",
		"ecdsa":   "ok",
	}
	for variant, state := range want {
		r := firma(t, now, nil, "status", "--json", "--token", testpki.TokenLabel(variant))
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", variant, r.code, r.err)
		}
		var rep struct {
			Token struct {
				Label  string `json:"label"`
				Serial string `json:"serial"`
				PIN    string `json:"pin"`
				PUK    string `json:"puk"`
			} `json:"token"`
			Certificate struct {
				Purpose string `json:"purpose"`
				Holder  struct {
					FiscalCode string `json:"fiscal_code"`
					GivenName  string `json:"given_name"`
				} `json:"holder"`
				NotAfter  time.Time `json:"not_after"`
				Qualified bool      `json:"qualified"`
			} `json:"certificate"`
			Renewal struct {
				State       string    `json:"state"`
				DaysLeft    int       `json:"days_left"`
				WindowOpens time.Time `json:"window_opens"`
				Advice      string    `json:"advice"`
			} `json:"renewal"`
			Others []json.RawMessage `json:"other_certificates"`
		}
		if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
			t.Fatalf("%s: %v\n%s", variant, err, r.out)
		}
		if rep.Renewal.State != state {
			t.Errorf("%s: renewal %q, want %q (%s)", variant, rep.Renewal.State, state, rep.Renewal.Advice)
		}
		if rep.Certificate.Purpose != "signature" || !rep.Certificate.Qualified || rep.Certificate.Holder.FiscalCode != testpki.FiscalCode {
			t.Errorf("%s: certificate %+v", variant, rep.Certificate)
		}
		if rep.Token.PIN != "ok" || rep.Token.PUK != "ok" || rep.Token.Label != testpki.TokenLabel(variant) {
			t.Errorf("%s: token %+v", variant, rep.Token)
		}
		if !rep.Renewal.WindowOpens.Equal(rep.Certificate.NotAfter.Add(-60 * 24 * time.Hour)) {
			t.Errorf("%s: window opens %s, expiry %s", variant, rep.Renewal.WindowOpens, rep.Certificate.NotAfter)
		}
	}
	// days_left follows the injected clock, not the machine's.
	valid := fixture(t).Signer.Cert.NotAfter
	for _, c := range []struct {
		now   time.Time
		state string
		days  int
	}{
		{valid.Add(-91 * 24 * time.Hour), "ok", 91},
		{valid.Add(-90 * 24 * time.Hour), "window_opens_soon", 90},
		{valid.Add(-61 * 24 * time.Hour), "window_opens_soon", 61},
		{valid.Add(-60 * 24 * time.Hour), "renew_now", 60},
		{valid.Add(-time.Hour), "renew_now", 0},
		{valid, "expired", 0},
		{valid.Add(24 * time.Hour), "expired", -1},
	} {
		r := firma(t, c.now, nil, "status", "--json", "--token", testpki.MainToken)
		var rep struct {
			Renewal struct {
				State    string `json:"state"`
				DaysLeft int    `json:"days_left"`
			} `json:"renewal"`
		}
		json.Unmarshal([]byte(r.out), &rep)
		if rep.Renewal.State != c.state || rep.Renewal.DaysLeft != c.days {
			t.Errorf("at expiry%+v: %+v, want %s/%d", c.now.Sub(valid), rep.Renewal, c.state, c.days)
		}
	}
}

func TestStatusHumanPicksSignatureOverCNS(t *testing.T) {
	r := firma(t, time.Now(), nil, "status", "--token", testpki.MainToken)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	for _, want := range []string{
		"Holder        MARIO ROSSI, Medico Chirurgo",
		"Fiscal code   RSSMRA80A01H501U",
		"Certificate   qualified signature (QSCD), RSA-2048",
		"Issuer        Firma TEST Qualified CA",
		"(700 days left)",
		"Renewal       OK: valid for 700 more days",
		"PIN           ok",
		"Also on token CNS authentication",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("status output lacks %q:\n%s", want, r.out)
		}
	}
	// A token with only the CNS certificate: the report, then an error
	// that says the signature certificate is missing, exit 5.
	r = firma(t, time.Now(), nil, "status", "--token", testpki.CNSOnlyToken)
	if r.code != ExitCert || !strings.Contains(r.out, "Certificate   none for signing") || !strings.Contains(r.err, "hint: ") {
		t.Errorf("CNS-only token: exit %d\n%s%s", r.code, r.out, r.err)
	}
}

func TestCheckExitCodes(t *testing.T) {
	now := time.Now()
	cases := []struct {
		variant string
		code    int
		re      string
	}{
		{"valid", checkOK, `^FIRMA OK - MARIO ROSSI: certificate valid until \S+ \(700 days left\), PIN ok \| days_left=700;90;60\n$`},
		{"exp75", checkWarning, `^FIRMA WARNING - .*75 days left.*renewal window opens`},
		{"exp45", checkCritical, `^FIRMA CRITICAL - .*45 days left.*renew now`},
		{"expired", checkCritical, `^FIRMA CRITICAL - .*EXPIRED`},
		{"notyet", checkWarning, `^FIRMA WARNING - .*not valid until`},
	}
	for _, c := range cases {
		r := firma(t, now, nil, "check", "--token", testpki.TokenLabel(c.variant))
		if r.code != c.code || !regexp.MustCompile(c.re).MatchString(r.out) {
			t.Errorf("%s: exit %d, output %q; want exit %d matching %s", c.variant, r.code, r.out, c.code, c.re)
		}
	}
	r := firma(t, now, nil, "check", "--token", "no-such-token")
	if r.code != checkUnknown || !strings.HasPrefix(r.out, "FIRMA UNKNOWN - ") {
		t.Errorf("no token: exit %d %q", r.code, r.out)
	}
	r = firma(t, now, nil, "check", "--warn", "10", "--crit", "20")
	if r.code != checkUnknown {
		t.Errorf("crit > warn: exit %d", r.code)
	}
	r = firma(t, now, nil, "check", "--token", testpki.MainToken, "--warn", "800", "--crit", "30")
	if r.code != checkWarning {
		t.Errorf("--warn 800: exit %d %q", r.code, r.out)
	}
	force(t, testpki.MainToken, 0x40000) // CKF_USER_PIN_LOCKED
	r = firma(t, now, nil, "check", "--token", testpki.MainToken)
	if r.code != checkCritical || !strings.Contains(r.out, "PIN BLOCKED") {
		t.Errorf("locked PIN: exit %d %q", r.code, r.out)
	}
}

func TestPINStatusStates(t *testing.T) {
	for flags, want := range map[uint]string{
		0:                 "ok",
		0x10000:           "a wrong PIN was entered",
		0x20000 | 0x10000: "LAST TRY",
		0x40000:           "BLOCKED: unlock it with the PUK: firma pin unlock",
		0x400000:          "PUK           BLOCKED",
	} {
		force(t, "firma-exp45", flags)
		r := firma(t, time.Now(), nil, "pin", "status", "--token", "firma-exp45")
		if r.code != 0 || !strings.Contains(r.out, want) {
			t.Errorf("flags %#x: exit %d, output lacks %q:\n%s", flags, r.code, want, r.out)
		}
	}
	force(t, "firma-exp45", 0x40000)
	r := firma(t, time.Now(), nil, "pin", "status", "--json", "--token", "firma-exp45")
	var rep pinStatusReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil || rep.PIN != pkcs11.PINLocked || rep.PUK != pkcs11.PINOK {
		t.Errorf("json: %v %+v", err, rep)
	}
}

func TestTokenErrors(t *testing.T) {
	now := time.Now()
	r := firma(t, now, nil, "status")
	if r.code != ExitToken || !strings.Contains(r.err, "tokens found and none chosen") || !strings.Contains(r.err, "hint: choose one with --token") {
		t.Errorf("several tokens: exit %d %s", r.code, r.err)
	}
	r = firma(t, now, nil, "status", "--token", "nope")
	if r.code != ExitToken || !strings.Contains(r.err, `no token matches "nope"`) {
		t.Errorf("unknown token: exit %d %s", r.code, r.err)
	}
	r = firma(t, now, nil, "status", "--module", "/nonexistent/libbit4xpki.so")
	if r.code != ExitModule || !strings.Contains(r.err, "file not found") || !strings.Contains(r.err, "hint: ") {
		t.Errorf("missing module: exit %d %s", r.code, r.err)
	}
	r = firma(t, now, map[string]string{"FIRMA_PKCS11_MODULE": "/etc/passwd"}, "status")
	if r.code != ExitModule || !strings.Contains(r.err, "FIRMA_PKCS11_MODULE") {
		t.Errorf("not a module: exit %d %s", r.code, r.err)
	}
	r = firma(t, now, nil, "status", "--token", "pkcs11:token=x?pin-value="+testpki.PIN)
	if r.code != ExitUsage {
		t.Errorf("pin-value in URI: exit %d %s", r.code, r.err)
	}
	// Selection by URI and by serial.
	r = firma(t, now, nil, "status", "--json", "--token", "pkcs11:token=firma-test")
	if r.code != 0 {
		t.Fatalf("URI: %d %s", r.code, r.err)
	}
	var rep tokenReport
	json.Unmarshal([]byte(r.out), &rep)
	r = firma(t, now, nil, "status", "--token", rep.Token.Serial)
	if r.code != 0 || !strings.Contains(r.out, "Token         firma-test") {
		t.Errorf("serial: %d %s", r.code, r.err)
	}
}

// openKey opens the main token's signing key as `firma sign` would.
func loginWith(t *testing.T, env map[string]string, pin *secretOptions) (result, error) {
	t.Helper()
	f := fixture(t)
	e := map[string]string{"FIRMA_PKCS11_MODULE": f.Module}
	for k, v := range env {
		e[k] = v
	}
	io, out, errb := testIO(time.Now(), e)
	k, err := openSigningKey(io, &globalOptions{Token: testpki.MainToken}, pin)
	if err == nil {
		err = k.Key.Login()
		k.Close()
	}
	code := 0
	if err != nil {
		code = reportError(io, err)
	}
	r := result{code, out.String(), errb.String()}
	if strings.Contains(r.out+r.err, testpki.PIN) || strings.Contains(r.out+r.err, "77777777") {
		t.Fatalf("a PIN leaked: %s", r.out+r.err)
	}
	return r, err
}

func TestPINSources(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "pin")
	os.WriteFile(good, []byte(testpki.PIN+"\r\n"), 0o600)
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("77777777\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)

	pin := newPINOptions()
	pin.File = good
	if r, err := loginWith(t, nil, pin); err != nil {
		t.Fatalf("--pin-file: %v %s", err, r.err)
	}

	rd, wr, _ := os.Pipe()
	wr.Write([]byte(testpki.PIN + "\n"))
	wr.Close()
	// firma closes the descriptor it reads; give it its own copy, or the
	// finalizer of rd would later close a reused descriptor number.
	fd, err := syscall.Dup(int(rd.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	rd.Close()
	pin = newPINOptions()
	pin.FD = fd
	if r, err := loginWith(t, nil, pin); err != nil {
		t.Fatalf("--pin-fd: %v %s", err, r.err)
	}

	if r, err := loginWith(t, map[string]string{"FIRMA_PIN": testpki.PIN}, newPINOptions()); err != nil {
		t.Fatalf("FIRMA_PIN: %v %s", err, r.err)
	}

	r, _ := loginWith(t, nil, newPINOptions())
	if r.code != ExitNoPIN || !strings.Contains(r.err, "no terminal") || !strings.Contains(r.err, "--pin-file") {
		t.Errorf("no terminal: exit %d %s", r.code, r.err)
	}

	pin = newPINOptions()
	pin.File = empty
	if r, _ := loginWith(t, nil, pin); r.code != ExitInput {
		t.Errorf("empty PIN file: exit %d %s", r.code, r.err)
	}

	pin = newPINOptions()
	pin.File = bad
	r, _ = loginWith(t, nil, pin)
	if r.code != ExitPIN || !strings.Contains(r.err, "wrong PIN") || !strings.Contains(r.err, "does not retry") && !strings.Contains(r.err, "fewer tries") {
		t.Errorf("wrong PIN: exit %d %s", r.code, r.err)
	}
	// Clear SoftHSM's COUNT_LOW for the other tests.
	pin = newPINOptions()
	pin.File = good
	loginWith(t, nil, pin)

	force(t, testpki.MainToken, 0x20000) // FINAL_TRY
	pin = newPINOptions()
	pin.File = good
	r, _ = loginWith(t, nil, pin)
	if r.code != ExitLocked || !strings.Contains(r.err, "--allow-final-try") {
		t.Errorf("final try: exit %d %s", r.code, r.err)
	}
	pin.AllowFinalTry = true
	if r, err := loginWith(t, nil, pin); err != nil {
		t.Errorf("final try allowed: %v %s", err, r.err)
	}
}

// TestAgreesWithPkcs11Tool cross-checks token label, certificate subject
// and serial with OpenSC's pkcs11-tool on the same token.
func TestAgreesWithPkcs11Tool(t *testing.T) {
	tool, err := exec.LookPath("pkcs11-tool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pkcs11-tool missing in CI: scripts/deps.sh installs opensc")
		}
		t.Skip("pkcs11-tool (opensc) not installed")
	}
	f := fixture(t)
	r := firma(t, time.Now(), nil, "status", "--json", "--token", testpki.MainToken)
	var rep tokenReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tool, "--module", f.Module, "--token-label", testpki.MainToken, "--list-objects", "--type", "cert")
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+f.Conf)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("pkcs11-tool: %v\n%s", err, out.String())
	}
	list := exec.Command(tool, "--module", f.Module, "--list-token-slots")
	list.Env = cmd.Env
	slots, _ := list.CombinedOutput()
	if !regexp.MustCompile(`token label\s+: ` + regexp.QuoteMeta(rep.Token.Label)).Match(slots) {
		t.Errorf("pkcs11-tool does not list token %q:\n%s", rep.Token.Label, slots)
	}
	if !regexp.MustCompile(`serial num\s+: ` + regexp.QuoteMeta(rep.Token.Serial)).Match(slots) {
		t.Errorf("pkcs11-tool does not list serial %q:\n%s", rep.Token.Serial, slots)
	}
	// pkcs11-tool prints "label: Firma qualificata ... subject: DN: C=IT, CN=ROSSI MARIO/serialNumber=... serial: 1005".
	block := out.String()
	i := strings.Index(block, "label:      "+rep.Certificate.Label)
	if i < 0 {
		t.Fatalf("pkcs11-tool does not list certificate %q:\n%s", rep.Certificate.Label, block)
	}
	obj := block[i:]
	if j := strings.Index(obj[1:], "Certificate Object"); j > 0 {
		obj = obj[:j]
	}
	if !strings.Contains(obj, "CN="+rep.Certificate.Holder.CommonName) || !strings.Contains(obj, "serialNumber="+rep.Certificate.Holder.SerialNumber) {
		t.Errorf("subject disagrees: firma %q, pkcs11-tool:\n%s", rep.Certificate.Subject, obj)
	}
	if !regexp.MustCompile(`serial:\s+0*` + regexp.QuoteMeta(rep.Certificate.SerialHex) + `\b`).MatchString(obj) {
		t.Errorf("serial disagrees: firma %s, pkcs11-tool:\n%s", rep.Certificate.SerialHex, obj)
	}
}

func TestDaysLeftText(t *testing.T) {
	notAfter := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	nb := notAfter.AddDate(-3, 0, 0)
	for after, want := range map[time.Duration]string{
		-3 * 24 * time.Hour:             "3 days left",
		-30 * time.Hour:                 "1 day left",
		-time.Hour:                      "less than a day left",
		time.Hour:                       "expired less than a day ago",
		30 * time.Hour:                  "expired 1 day ago",
		5*24*time.Hour + 17*time.Minute: "expired 5 days ago",
	} {
		if got := daysLeftText(certinfo.AdviseRenewal(nb, notAfter, notAfter.Add(after))); got != want {
			t.Errorf("%v from expiry: %q, want %q", after, got, want)
		}
	}
}
