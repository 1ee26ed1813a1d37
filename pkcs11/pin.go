package pkcs11

import (
	"errors"
	"fmt"

	p11 "github.com/miekg/pkcs11"

	"github.com/firma-dev/firma/internal/pinrules"
)

// PINRules say what a new PIN must look like (shared with the APDU path
// of package card, see internal/pinrules).
type PINRules = pinrules.Rules

// ItalianPINRules are the rules of Italian signature and CNS cards: 5 to
// 8 digits.
var ItalianPINRules = pinrules.Italian

// RulesFor returns the PIN rules of the token: the Italian rules for the
// middleware of Italian cards, otherwise the token's own length bounds.
func (t *Token) RulesFor() PINRules {
	switch t.m.Profile.Name {
	case "Bit4id", "Athena", "OpenSC":
		return ItalianPINRules
	}
	r := PINRules{MinLen: int(t.Info.MinPINLen), MaxLen: int(t.Info.MaxPINLen)}
	if r.MinLen < 4 {
		r.MinLen = 4
	}
	if r.MaxLen <= 0 || r.MaxLen > 255 {
		r.MaxLen = 255
	}
	return r
}

// pukRules are the rules of the PUK of Italian cards: 8 digits.
var pukRules = PINRules{MinLen: 8, MaxLen: 8, DigitsOnly: true}

// checkCurrent refuses a PIN (or PUK) that cannot be right for this
// token before it is sent: a typo must not cost a try.
func (t *Token) checkCurrent(secret []byte, so bool) error {
	r, what := t.RulesFor(), "PIN"
	if so {
		what = "PUK"
		if r == ItalianPINRules {
			r = pukRules
		}
	}
	return pinrules.CheckCurrent(secret, r, what)
}

// CheckNewPIN validates a new PIN before anything is sent to the token.
func CheckNewPIN(old, pin []byte, r PINRules) error { return pinrules.Check(old, pin, r) }

// ChangeOptions say how to change the PIN.
type ChangeOptions struct {
	// Old asks the current PIN.
	Old PINFunc
	// New asks the new PIN (already confirmed by the caller).
	New           func() ([]byte, error)
	Rules         PINRules
	AllowFinalTry bool
}

// ChangePIN changes the user PIN with C_SetPIN in a read-write session
// that is not logged in. It makes exactly one attempt.
func (t *Token) ChangePIN(o ChangeOptions) error {
	info, err := t.Refresh()
	if err != nil {
		return err
	}
	if err := checkPINState(info.PIN, false, o.AllowFinalTry); err != nil {
		return err
	}
	old, err := o.Old(PINRequest{Token: info, State: info.PIN})
	if err != nil {
		return err
	}
	defer zero(old)
	if err := t.checkCurrent(old, false); err != nil {
		return err
	}
	pin, err := o.New()
	if err != nil {
		return err
	}
	defer zero(pin)
	if err := CheckNewPIN(old, pin, o.Rules); err != nil {
		return err
	}
	s, err := t.rwSession()
	if err != nil {
		return err
	}
	defer t.m.p.CloseSession(s)
	return t.loginError(t.m.p.SetPIN(s, string(old), string(pin)), false)
}

// UnlockMethod is how a module unblocks a PIN with the PUK.
type UnlockMethod string

const (
	// UnlockAuto picks the module profile's method.
	UnlockAuto UnlockMethod = ""
	// UnlockSOLogin is the PKCS#11 standard: C_Login(CKU_SO, PUK) then
	// C_InitPIN(new).
	UnlockSOLogin UnlockMethod = "so-login"
	// UnlockSetPIN is OpenSC's way: C_SetPIN(PUK, new) in a session that
	// is not logged in.
	UnlockSetPIN UnlockMethod = "setpin"
)

// UnlockOptions say how to unblock the PIN.
type UnlockOptions struct {
	PUK           PINFunc
	New           func() ([]byte, error)
	Rules         PINRules
	Method        UnlockMethod
	AllowFinalTry bool
}

// UnblockUnsupportedError means the module cannot be trusted to unblock
// a PIN with the PUK (ModuleProfile.UnblockNeedsConfig): nothing was
// asked or sent. An explicit method overrides it.
type UnblockUnsupportedError struct {
	Module string
	Token  TokenInfo
}

func (e *UnblockUnsupportedError) Error() string {
	return fmt.Sprintf("the %s module does not unblock a PIN with the PUK in its default configuration (the same call would change the PIN and cost a try): nothing was sent", e.Module)
}

// ErrUnlockMethod is returned for an unknown method name.
var ErrUnlockMethod = errors.New("unknown unlock method: want so-login or setpin")

// UnlockPIN sets a new PIN with the PUK. It makes exactly one attempt
// with the PUK and refuses when the token says the PUK is blocked or on
// its final try (unless allowed).
func (t *Token) UnlockPIN(o UnlockOptions) error {
	method := o.Method
	if method == UnlockAuto && t.m.Profile.UnblockNeedsConfig {
		return &UnblockUnsupportedError{Module: t.m.Profile.Name, Token: t.Info}
	}
	if method == UnlockAuto {
		method = UnlockSOLogin
		if t.m.Profile.UnblockWithSetPIN {
			method = UnlockSetPIN
		}
	}
	if method != UnlockSOLogin && method != UnlockSetPIN {
		return ErrUnlockMethod
	}
	info, err := t.Refresh()
	if err != nil {
		return err
	}
	if err := checkPINState(info.PUK, true, o.AllowFinalTry); err != nil {
		return err
	}
	puk, err := o.PUK(PINRequest{Token: info, SO: true, State: info.PUK})
	if err != nil {
		return err
	}
	defer zero(puk)
	if err := t.checkCurrent(puk, true); err != nil {
		return err
	}
	pin, err := o.New()
	if err != nil {
		return err
	}
	defer zero(pin)
	if err := CheckNewPIN(nil, pin, o.Rules); err != nil {
		return err
	}
	// An SO login fails while read-only sessions are open.
	t.Close()
	s, err := t.rwSession()
	if err != nil {
		return err
	}
	defer t.m.p.CloseSession(s)
	if method == UnlockSetPIN {
		return t.loginError(t.m.p.SetPIN(s, string(puk), string(pin)), true)
	}
	if err := t.loginError(t.m.p.Login(s, p11.CKU_SO, string(puk)), true); err != nil {
		return err
	}
	defer t.m.p.Logout(s)
	if err := t.m.p.InitPIN(s, string(pin)); err != nil {
		return wrapCall("setting the new PIN", err)
	}
	return nil
}

func (t *Token) rwSession() (uint, error) {
	s, err := t.m.p.OpenSession(t.Info.SlotID, ckfSerialSession|ckfRWSession)
	if err != nil {
		return 0, wrapCall("opening a read-write session", err)
	}
	return s, nil
}
