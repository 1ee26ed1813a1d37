package pkcs11

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/firma-dev/firma/internal/testpki"
)

func newPIN(p string) func() ([]byte, error) {
	return func() ([]byte, error) { return []byte(p), nil }
}

func signOnce(t *testing.T, tok *Token, pin string) error {
	t.Helper()
	c, _, err := tok.SigningCertificate(KeySelector{})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	k := tok.Signer(c, LoginOptions{PIN: constPIN(pin, &calls)})
	defer k.Close()
	d := sha256.Sum256([]byte("x"))
	_, err = k.Sign(rand.Reader, d[:], crypto.SHA256)
	return err
}

func TestChangePINThenSign(t *testing.T) {
	const label, newP = "firma-exp45", "55512345"
	tok := openTest(t, label)
	calls := 0
	rules := tok.RulesFor()
	if err := tok.ChangePIN(ChangeOptions{Old: constPIN(testpki.PIN, &calls), New: newPIN(newP), Rules: rules}); err != nil {
		t.Fatal(err)
	}
	if err := signOnce(t, tok, newP); err != nil {
		t.Fatalf("sign with the new PIN: %v", err)
	}
	var pe *PINIncorrectError
	if err := signOnce(t, tok, testpki.PIN); !errors.As(err, &pe) {
		t.Fatalf("old PIN still works: %v", err)
	}
	// Wrong old PIN: exactly one attempt, typed error.
	theSpy.reset()
	err := tok.ChangePIN(ChangeOptions{Old: constPIN("11111111", &calls), New: newPIN("22222222"), Rules: rules})
	if !errors.As(err, &pe) || theSpy.logins != 1 {
		t.Fatalf("wrong old PIN: %v after %d attempts", err, theSpy.logins)
	}
	// Rules are checked before the token is touched.
	theSpy.reset()
	for _, bad := range []string{newP, "12", "1234567a"} {
		err := tok.ChangePIN(ChangeOptions{Old: constPIN(newP, &calls), New: newPIN(bad), Rules: ItalianPINRules})
		var fe *PINFormatError
		if !errors.As(err, &fe) {
			t.Errorf("new PIN %q: %v", bad, err)
		}
	}
	if theSpy.logins != 0 {
		t.Errorf("invalid new PINs reached the token %d times", theSpy.logins)
	}
	// Back to the fixture PIN.
	if err := tok.ChangePIN(ChangeOptions{Old: constPIN(newP, &calls), New: newPIN(testpki.PIN), Rules: rules}); err != nil {
		t.Fatal(err)
	}
}

func TestUnlockWithPUK(t *testing.T) {
	const label, newP = "firma-exp45", "66612345"
	tok := openTest(t, label)
	calls := 0
	if err := tok.UnlockPIN(UnlockOptions{PUK: constPIN(testpki.SOPIN, &calls), New: newPIN(newP), Rules: tok.RulesFor()}); err != nil {
		t.Fatal(err)
	}
	if err := signOnce(t, tok, newP); err != nil {
		t.Fatalf("sign after unlock: %v", err)
	}
	// A wrong PUK: one attempt, an SO error.
	theSpy.reset()
	err := tok.UnlockPIN(UnlockOptions{PUK: constPIN("00000000", &calls), New: newPIN("77712345"), Rules: tok.RulesFor()})
	var pe *PINIncorrectError
	if !errors.As(err, &pe) || !pe.SO || theSpy.logins != 1 {
		t.Fatalf("wrong PUK: %v after %d attempts", err, theSpy.logins)
	}
	// A blocked PUK is refused without asking.
	theSpy.forceFlags(label, flagSOLocked)
	calls = 0
	err = tok.UnlockPIN(UnlockOptions{PUK: constPIN(testpki.SOPIN, &calls), New: newPIN("77712345"), Rules: tok.RulesFor()})
	var le *PINLockedError
	if !errors.As(err, &le) || !le.SO || calls != 0 {
		t.Fatalf("blocked PUK: %v, %d prompts", err, calls)
	}
	theSpy.forceFlags(label, flagSOFinalTry)
	var fe *FinalTryError
	if err := tok.UnlockPIN(UnlockOptions{PUK: constPIN(testpki.SOPIN, &calls), New: newPIN("77712345"), Rules: tok.RulesFor()}); !errors.As(err, &fe) || calls != 0 {
		t.Fatalf("PUK final try: %v", err)
	}
	theSpy.reset()
	if err := tok.UnlockPIN(UnlockOptions{PUK: constPIN(testpki.SOPIN, &calls), New: newPIN(testpki.PIN), Rules: tok.RulesFor(), Method: "bogus"}); !errors.Is(err, ErrUnlockMethod) {
		t.Fatalf("bogus method: %v", err)
	}
	if err := tok.UnlockPIN(UnlockOptions{PUK: constPIN(testpki.SOPIN, &calls), New: newPIN(testpki.PIN), Rules: tok.RulesFor()}); err != nil {
		t.Fatal(err)
	}
	if err := signOnce(t, tok, testpki.PIN); err != nil {
		t.Fatal(err)
	}
}

// A PIN or PUK that cannot be right is refused before the token sees it.
func TestImpossibleSecretNotSent(t *testing.T) {
	tok := openTest(t, "firma-exp45")
	c, _, err := tok.SigningCertificate(KeySelector{})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	var fe *PINFormatError
	k := tok.Signer(c, LoginOptions{PIN: constPIN("123", &calls)})
	if err := k.Login(); !errors.As(err, &fe) {
		t.Errorf("3-character PIN: %v", err)
	}
	k.Close()
	if err := tok.ChangePIN(ChangeOptions{Old: constPIN("", &calls), New: newPIN("55512345"), Rules: tok.RulesFor()}); !errors.As(err, &fe) {
		t.Errorf("empty old PIN: %v", err)
	}
	if err := tok.UnlockPIN(UnlockOptions{PUK: constPIN("12", &calls), New: newPIN("55512345"), Rules: tok.RulesFor()}); !errors.As(err, &fe) {
		t.Errorf("short PUK: %v", err)
	}
	if theSpy.logins != 0 {
		t.Errorf("%d attempts reached the token", theSpy.logins)
	}
	if info, _ := tok.Refresh(); info.PIN != PINOK || info.PUK != PINOK {
		t.Errorf("counters moved: PIN %s PUK %s", info.PIN, info.PUK)
	}
}

// The card's counters replace flags that say nothing true: 3, 2, 1, 0
// tries are ok, count_low, final_try, locked; no counter is unknown.
func TestStateFromCardTries(t *testing.T) {
	n := func(v int) *int { return &v }
	for _, c := range []struct {
		tries *int
		want  PINState
	}{{n(3), PINOK}, {n(2), PINCountLow}, {n(1), PINFinalTry}, {n(0), PINLocked}, {nil, PINUnknown}} {
		ti := TokenInfo{PIN: PINLocked}
		applyCardTries(&ti, CardTries{PIN: c.tries, PUK: n(3), Full: 3})
		if ti.PIN != c.want || ti.PUK != PINOK || ti.PINSource != "card" {
			t.Errorf("tries %v: %+v", c.tries, ti)
		}
	}
	if p := profileFor("/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", LibraryInfo{}); !p.TriesFromCard || !p.UnblockNeedsConfig {
		t.Errorf("OpenSC profile %+v", p)
	}
	if p := profileFor("/usr/lib/softhsm/libsofthsm2.so", LibraryInfo{}); p.TriesFromCard || p.UnblockNeedsConfig {
		t.Errorf("SoftHSM profile %+v", p)
	}
}
