package pkcs11

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/testpki"
)

// spy wraps the real SoftHSM module: it counts logins and can force the
// PIN flags SoftHSM never sets by itself (FINAL_TRY, LOCKED).
type spy struct {
	P11
	mu     sync.Mutex
	logins int
	force  map[string]uint // token label -> flags to add
}

var theSpy *spy

func (s *spy) Login(session uint, userType uint, pin string) error {
	s.mu.Lock()
	s.logins++
	s.mu.Unlock()
	return s.P11.Login(session, userType, pin)
}

// SetPIN counts as an attempt too: it checks the old PIN (or PUK).
func (s *spy) SetPIN(session uint, old, pin string) error {
	s.mu.Lock()
	s.logins++
	s.mu.Unlock()
	return s.P11.SetPIN(session, old, pin)
}

func (s *spy) GetTokenInfo(slot uint) (RawTokenInfo, error) {
	ti, err := s.P11.GetTokenInfo(slot)
	s.mu.Lock()
	defer s.mu.Unlock()
	ti.Flags |= s.force[strings.TrimSpace(ti.Label)]
	return ti, err
}

func (s *spy) reset() (logins int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	logins, s.logins = s.logins, 0
	s.force = map[string]uint{}
	return logins
}

func (s *spy) forceFlags(label string, flags uint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.force[label] = flags
}

var fx *testpki.Fixture

func TestMain(m *testing.M) {
	code := func() int {
		if !CgoEnabled {
			return m.Run()
		}
		if _, err := testpki.FindSoftHSM(); err != nil {
			println("pkcs11 tests: SoftHSM2 missing, integration tests skip:", err.Error())
			return m.Run()
		}
		dir, err := os.MkdirTemp("", "firma-pkcs11-test-")
		if err != nil {
			panic(err)
		}
		defer os.RemoveAll(dir)
		fx, err = testpki.NewFixture(dir, time.Now())
		if err != nil {
			panic(err)
		}
		real := openLibrary
		openLibrary = func(path string) (P11, error) {
			p, err := real(path)
			if err != nil {
				return nil, err
			}
			theSpy = &spy{P11: p, force: map[string]uint{}}
			return theSpy, nil
		}
		return m.Run()
	}()
	os.Exit(code)
}

func needFixture(t *testing.T) {
	t.Helper()
	if fx == nil {
		if testing.Short() || os.Getenv("CI") == "" {
			t.Skip("SoftHSM2 not installed")
		}
		t.Fatal("SoftHSM2 not installed in CI: scripts/deps.sh should have installed it")
	}
}

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func openTest(t *testing.T, token string) *Token {
	t.Helper()
	needFixture(t)
	tok, _, err := Open(OpenOptions{Module: fx.Module, Token: token, Getenv: env()})
	if err != nil {
		t.Fatalf("Open(%q): %v", token, err)
	}
	t.Cleanup(func() { tok.Close() })
	theSpy.reset()
	return tok
}

func constPIN(pin string, calls *int) PINFunc {
	return func(PINRequest) ([]byte, error) {
		*calls++
		return []byte(pin), nil
	}
}

func TestCandidatesPrecedence(t *testing.T) {
	got := Candidates("/x/explicit.so", env("FIRMA_PKCS11_MODULE", "/x/firma.so", "PKCS11_MODULE_PATH", "/x/p11.so"))
	if len(got) != 1 || got[0].Path != "/x/explicit.so" || got[0].Source != SourceExplicit {
		t.Errorf("explicit: %+v", got)
	}
	got = Candidates("", env("FIRMA_PKCS11_MODULE", "/x/firma.so", "PKCS11_MODULE_PATH", "/x/p11.so"))
	if len(got) != 1 || got[0].Source != "FIRMA_PKCS11_MODULE" {
		t.Errorf("FIRMA_PKCS11_MODULE: %+v", got)
	}
	got = Candidates("", env("PKCS11_MODULE_PATH", "/x/p11.so"))
	if len(got) != 1 || got[0].Source != "PKCS11_MODULE_PATH" {
		t.Errorf("PKCS11_MODULE_PATH: %+v", got)
	}
	got = Candidates("", env())
	for i, c := range got {
		if c.Source == "SoftHSM" && i != len(got)-1 {
			t.Errorf("SoftHSM must come last: %+v", got)
		}
		if c.Source == "" || c.Path == "" {
			t.Errorf("empty candidate %+v", c)
		}
	}
}

func TestDiscoveryFindsSoftHSMLast(t *testing.T) {
	needFixture(t)
	got := Candidates("", env())
	if len(got) == 0 || got[len(got)-1].Source != "SoftHSM" {
		t.Fatalf("SoftHSM installed but not the last candidate: %+v", got)
	}
}

func isCause[T error](err error) bool {
	var e T
	return errors.As(err, &e)
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	notELF := filepath.Join(dir, "notamodule.so")
	os.WriteFile(notELF, bytes.Repeat([]byte("this is not a shared object\n"), 10), 0o644)
	// A minimal ELF64 header for another machine (AArch64 or x86-64).
	machine := byte(183)
	if strings.Contains(goArch(), "arm64") {
		machine = 62
	}
	hdr := make([]byte, 64)
	copy(hdr, []byte{0x7f, 'E', 'L', 'F', 2, 1, 1})
	hdr[16], hdr[18], hdr[20] = 3, machine, 1
	hdr[52], hdr[54], hdr[58] = 64, 56, 64
	foreign := filepath.Join(dir, "foreign.so")
	os.WriteFile(foreign, hdr, 0o644)
	// A shared library that loads but is no PKCS#11 module.
	libz := ""
	for _, p := range []string{"/lib/x86_64-linux-gnu/libz.so.1", "/lib/aarch64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libz.so.1"} {
		if fileExists(p) {
			libz = p
			break
		}
	}
	cases := []struct {
		path, reason string
		cause        func(error) bool
	}{
		{filepath.Join(dir, "missing.so"), "file not found", isCause[*ModuleNotFoundError]},
		{dir, "directory", func(err error) bool {
			var e *ModuleNotFileError
			return errors.As(err, &e) && e.IsDir
		}},
		{notELF, "invalid ELF header", func(err error) bool {
			var e *ModuleLoaderError
			return errors.As(err, &e) && e.NotLibrary && e.MissingLibrary == ""
		}},
		{foreign, "wrong architecture", func(err error) bool {
			var e *ModuleArchError
			return errors.As(err, &e) && e.Want == runtime.GOARCH && e.Machine != ""
		}},
	}
	if libz != "" {
		cases = append(cases, struct {
			path, reason string
			cause        func(error) bool
		}{libz, "not a PKCS#11 module", func(err error) bool {
			var e *NotPKCS11Error
			return errors.As(err, &e) && !e.Exported
		}})
	}
	for _, c := range cases {
		if !CgoEnabled {
			// Without cgo every module fails the same way, and says so.
			c.reason = "PKCS#11 support is missing from this build"
		}
		_, err := Load(c.path, SourceExplicit)
		var me *ModuleError
		if !errors.As(err, &me) {
			t.Errorf("%s: %v, want ModuleError", c.path, err)
			continue
		}
		if !strings.Contains(me.Reason, c.reason) {
			t.Errorf("%s: reason %q, want it to say %q", c.path, me.Reason, c.reason)
		}
		if CgoEnabled && !c.cause(err) {
			t.Errorf("%s: cause %T (%v), not the expected type", c.path, me.Err, err)
		}
	}
	if !CgoEnabled {
		_, err := Load(notELF, SourceExplicit)
		var me *ModuleError
		if !errors.As(err, &me) || !errors.Is(err, ErrNoCgo) {
			t.Errorf("no-cgo build: %v", err)
		}
	}
	// The single explicit module that fails is the error of Open; a build
	// without cgo says that before looking at any module.
	_, _, err := Open(OpenOptions{Module: filepath.Join(dir, "missing.so"), Getenv: env()})
	var me *ModuleError
	switch {
	case !errors.As(err, &me):
		t.Errorf("Open with a missing module: %v, want a ModuleError", err)
	case CgoEnabled && me.Source != SourceExplicit:
		t.Errorf("Open with a missing module: %v", err)
	case !CgoEnabled && !errors.Is(err, ErrNoCgo):
		t.Errorf("Open in a build without cgo: %v", err)
	}
}

func TestOpenSelectsToken(t *testing.T) {
	needFixture(t)
	tok := openTest(t, testpki.MainToken)
	if tok.Info.Label != testpki.MainToken || tok.Info.ModuleName != "SoftHSM" {
		t.Fatalf("got %+v", tok.Info)
	}
	bySerial := openTest(t, tok.Info.Serial)
	if bySerial.Info.Label != testpki.MainToken {
		t.Errorf("by serial: %q", bySerial.Info.Label)
	}
	byURI := openTest(t, "pkcs11:token=firma-test;manufacturer=SoftHSM%20project")
	if byURI.Info.Serial != tok.Info.Serial {
		t.Errorf("by URI: %q", byURI.Info.Label)
	}
	// module-path in the URI is enough to find the module.
	u := "pkcs11:token=firma-exp45?module-path=" + fx.Module
	byPath, _, err := Open(OpenOptions{Token: u, Getenv: env()})
	if err != nil || byPath.Info.Label != "firma-exp45" {
		t.Fatalf("URI with module-path: %v", err)
	}
	byPath.Close()
}

func TestOpenErrors(t *testing.T) {
	needFixture(t)
	_, _, err := Open(OpenOptions{Module: fx.Module, Getenv: env()})
	var amb *AmbiguousTokenError
	if !errors.As(err, &amb) || len(amb.Tokens) < 7 {
		t.Fatalf("no token chosen among many: %v", err)
	}
	_, _, err = Open(OpenOptions{Module: fx.Module, Token: "no-such-token", Getenv: env()})
	var nt *NoTokenError
	if !errors.As(err, &nt) || !hasToken(nt.Available, "firma-test") {
		t.Fatalf("unknown token: %v", err)
	}
	_, _, err = Open(OpenOptions{Module: fx.Module, Token: "pkcs11:token=x?pin-value=1234", Getenv: env()})
	if !errors.Is(err, ErrPINInURI) || strings.Contains(err.Error(), "1234") {
		t.Fatalf("pin-value: %v", err)
	}
}

func TestSigningCertificateOverCNS(t *testing.T) {
	tok := openTest(t, testpki.MainToken)
	certs, err := tok.Certificates()
	if err != nil {
		t.Fatal(err)
	}
	if len(certs) != 3 {
		t.Fatalf("want CNS, signature and CA certificates, got %d", len(certs))
	}
	c, chain, err := tok.SigningCertificate(KeySelector{})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Cert.Equal(fx.Signer.Cert) || c.Info.Purpose != certinfo.PurposeSignature {
		t.Fatalf("picked %s", c.Cert.Subject)
	}
	if len(chain) != 1 || !chain[0].Equal(fx.CA.Cert) {
		t.Fatalf("chain %v", chain)
	}
	// An explicit selector may pick the CNS certificate.
	cns, _, err := tok.SigningCertificate(KeySelector{Label: "CNS0"})
	if err != nil || !cns.Cert.Equal(fx.CNS.Cert) {
		t.Fatalf("selector CNS0: %v", err)
	}
	if _, _, err := tok.SigningCertificate(KeySelector{ID: []byte{9}}); err == nil {
		t.Fatal("id 09 matched")
	}
	only := openTest(t, testpki.CNSOnlyToken)
	_, _, err = only.SigningCertificate(KeySelector{})
	var nc *NoCertificateError
	if !errors.As(err, &nc) || !nc.AuthOnly || nc.Token != testpki.CNSOnlyToken {
		t.Fatalf("CNS-only token: %v", err)
	}
}

func TestSignRSAPKCS1PSSAndECDSA(t *testing.T) {
	digest := sha256.Sum256([]byte("firma"))
	for _, label := range []string{testpki.MainToken, "firma-ecdsa"} {
		tok := openTest(t, label)
		c, _, err := tok.SigningCertificate(KeySelector{})
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		key := tok.Signer(c, LoginOptions{PIN: constPIN(testpki.PIN, &calls)})
		sig, err := key.Sign(rand.Reader, digest[:], crypto.SHA256)
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		switch pub := key.Public().(type) {
		case *rsa.PublicKey:
			if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
				t.Errorf("PKCS#1 v1.5: %v", err)
			}
			pss := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
			sig, err := key.Sign(rand.Reader, digest[:], pss)
			if err != nil {
				t.Fatalf("PSS: %v", err)
			}
			if err := rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, pss); err != nil {
				t.Errorf("PSS: %v", err)
			}
		case *ecdsa.PublicKey:
			if !ecdsa.VerifyASN1(pub, digest[:], sig) {
				t.Errorf("ECDSA signature does not verify")
			}
		}
		// One PIN prompt and one login for all the signatures of a key.
		if calls != 1 || theSpy.logins != 1 {
			t.Errorf("%s: %d PIN prompts, %d logins; want 1 and 1", label, calls, theSpy.logins)
		}
		if _, err := key.Sign(rand.Reader, digest[:10], crypto.SHA256); err == nil {
			t.Error("short digest accepted")
		}
		key.Close()
	}
}

func TestWrongPINOneAttemptNoRetry(t *testing.T) {
	const label = "firma-notyet"
	tok := openTest(t, label)
	c, _, err := tok.SigningCertificate(KeySelector{})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	key := tok.Signer(c, LoginOptions{PIN: constPIN("99999999", &calls)})
	err = key.Login()
	var pe *PINIncorrectError
	if !errors.As(err, &pe) {
		t.Fatalf("wrong PIN: %v", err)
	}
	if calls != 1 || theSpy.logins != 1 {
		t.Fatalf("%d prompts and %d logins, want exactly one each", calls, theSpy.logins)
	}
	if pe.State != PINCountLow {
		t.Errorf("state after a wrong PIN = %s, want count_low (SoftHSM sets it)", pe.State)
	}
	if strings.Contains(err.Error(), "99999999") {
		t.Error("the PIN leaked into the error")
	}
	// The same key does not retry on its own: a signature asks again
	// (a new command invocation would), it never reuses the bad PIN.
	key.Close()
	// A good login clears COUNT_LOW again.
	good := tok.Signer(c, LoginOptions{PIN: constPIN(testpki.PIN, &calls)})
	if err := good.Login(); err != nil {
		t.Fatal(err)
	}
	good.Close()
	if info, _ := tok.Refresh(); info.PIN != PINOK {
		t.Errorf("PIN state after a good login: %s", info.PIN)
	}
}

func TestFinalTryAndLockedRefused(t *testing.T) {
	const label = "firma-exp75"
	tok := openTest(t, label)
	c, _, err := tok.SigningCertificate(KeySelector{})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	theSpy.forceFlags(label, flagUserFinalTry)
	key := tok.Signer(c, LoginOptions{PIN: constPIN(testpki.PIN, &calls)})
	var ft *FinalTryError
	if err := key.Login(); !errors.As(err, &ft) || ft.SO {
		t.Fatalf("final try: %v", err)
	}
	if calls != 0 || theSpy.logins != 0 {
		t.Fatalf("final try: asked the PIN %d times, %d logins; want none", calls, theSpy.logins)
	}
	key.Close()
	// With the override the login goes ahead.
	key = tok.Signer(c, LoginOptions{PIN: constPIN(testpki.PIN, &calls), AllowFinalTry: true})
	if err := key.Login(); err != nil {
		t.Fatalf("final try allowed: %v", err)
	}
	key.Close()

	theSpy.reset()
	theSpy.forceFlags(label, flagUserLocked)
	calls = 0
	key = tok.Signer(c, LoginOptions{PIN: constPIN(testpki.PIN, &calls), AllowFinalTry: true})
	var le *PINLockedError
	if err := key.Login(); !errors.As(err, &le) || le.SO {
		t.Fatalf("locked: %v", err)
	}
	if calls != 0 || theSpy.logins != 0 {
		t.Fatalf("locked: asked the PIN %d times, %d logins", calls, theSpy.logins)
	}
	key.Close()
	theSpy.reset()
}

func TestPINState(t *testing.T) {
	soft := ModuleProfile{FlagsReliable: true}
	vendor := ModuleProfile{}
	opensc := ModuleProfile{FlagsWrong: true}
	cases := []struct {
		flags uint
		so    bool
		prof  ModuleProfile
		want  PINState
	}{
		{0, false, soft, PINOK},
		{0, false, vendor, PINUnknown},
		{flagUserCountLow, false, vendor, PINCountLow},
		{flagUserFinalTry | flagUserCountLow, false, vendor, PINFinalTry},
		{flagUserLocked | flagUserFinalTry, false, soft, PINLocked},
		{flagUserToBeChange, false, soft, PINToBeChanged},
		{flagUserLocked, false, opensc, PINUnknown},
		{flagSOLocked, true, vendor, PINLocked},
		{flagSOLocked, false, soft, PINOK},
		{flagUserLocked, true, soft, PINOK},
		{flagSOFinalTry, true, vendor, PINFinalTry},
	}
	for _, c := range cases {
		if got := pinState(c.flags, c.so, c.prof); got != c.want {
			t.Errorf("pinState(%#x, so=%v, %+v) = %s, want %s", c.flags, c.so, c.prof, got, c.want)
		}
	}
}

func TestProfileFor(t *testing.T) {
	if p := profileFor("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", LibraryInfo{}); !p.FlagsWrong || !p.UnblockWithSetPIN {
		t.Errorf("OpenSC profile %+v", p)
	}
	if p := profileFor("/x/libsofthsm2.so", LibraryInfo{}); !p.FlagsReliable {
		t.Errorf("SoftHSM profile %+v", p)
	}
	if p := profileFor("/usr/lib/bit4id/libbit4xpki.so", LibraryInfo{}); p.FlagsReliable || p.FlagsWrong {
		t.Errorf("Bit4id profile %+v", p)
	}
}

func TestECDSADER(t *testing.T) {
	if _, err := ecdsaDER(nil); err == nil {
		t.Error("empty r||s accepted")
	}
	if _, err := ecdsaDER([]byte{1, 2, 3}); err == nil {
		t.Error("odd r||s accepted")
	}
	der, err := ecdsaDER([]byte{0x80, 0x01})
	if err != nil {
		t.Fatal(err)
	}
	// r = 0x80 needs a leading zero in DER.
	want := []byte{0x30, 0x07, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x01}
	if string(der) != string(want) {
		t.Errorf("got % x, want % x", der, want)
	}
}

// A card whose module is missing is not reported as a card not inserted.
func TestNoTokenErrorWithMissingModule(t *testing.T) {
	e := &NoTokenError{Modules: 1, MissingModules: []string{"libbit4xpki.so", "libbit4ipki.so"}}
	if got := e.Error(); got != "no token found: the card is in the reader, but its module libbit4xpki.so is not installed" {
		t.Errorf("error %q", got)
	}
	// Without a missing module the old wording stays.
	if got := (&NoTokenError{Modules: 1}).Error(); !strings.Contains(got, "is the card inserted") {
		t.Errorf("error %q", got)
	}
}

func hasToken(ts []TokenInfo, label string) bool {
	for _, t := range ts {
		if t.Label == label {
			return true
		}
	}
	return false
}
