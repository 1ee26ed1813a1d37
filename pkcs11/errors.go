package pkcs11

import (
	"errors"
	"fmt"
	"strings"

	p11 "github.com/miekg/pkcs11"

	"github.com/firma-dev/firma/internal/pinrules"
)

// ErrNoCgo means firma was built without cgo and cannot load modules.
var ErrNoCgo = errors.New("this firma was built without cgo: PKCS#11 support is missing")

// ModuleError says why a module could not be used.
type ModuleError struct {
	Path   string
	Source string // where the path came from: "--module", "FIRMA_PKCS11_MODULE", ...
	Reason string // one line for a person: "file not found", the loader's message, ...
	Err    error
}

func (e *ModuleError) Error() string {
	return fmt.Sprintf("PKCS#11 module %s (%s): %s", e.Path, e.Source, e.Reason)
}

func (e *ModuleError) Unwrap() error { return e.Err }

// Hint tells the user what to do about a module that does not load.
func (e *ModuleError) Hint() string {
	switch {
	case errors.Is(e.Err, ErrNoCgo):
		return "build firma with CGO_ENABLED=1 (needs gcc) to use smartcards and tokens"
	case strings.Contains(e.Reason, "not found"):
		return "check the path, or install the card's middleware; 'firma modules' lists the modules firma knows"
	case strings.Contains(e.Reason, "wrong ELF class"), strings.Contains(e.Reason, "architecture"):
		return "this module is built for another architecture: install the middleware for this machine (" + goArch() + ")"
	case strings.Contains(e.Reason, "cannot open shared object file"):
		return "a library the module needs is missing: install it (ldd " + e.Path + " shows which)"
	}
	return "'firma modules' lists the modules firma tried and why each failed"
}

// NoModuleError means no PKCS#11 module was found at all.
type NoModuleError struct {
	Tried []Candidate
}

func (e *NoModuleError) Error() string {
	return fmt.Sprintf("no PKCS#11 module found (%d places tried)", len(e.Tried))
}

func (e *NoModuleError) Hint() string {
	return "install your card's middleware (for the Aruba Key: Bit4id or the Aruba Sign kit), or name the module with --module PATH or FIRMA_PKCS11_MODULE"
}

// NoTokenError means no token matched.
type NoTokenError struct {
	Selector  string      // what was asked, empty for "any"
	Available []TokenInfo // tokens that were seen, for the hint
	Modules   int         // modules that loaded
}

func (e *NoTokenError) Error() string {
	if e.Selector == "" {
		return "no token found: is the card inserted in the reader?"
	}
	return fmt.Sprintf("no token matches %q", e.Selector)
}

func (e *NoTokenError) Hint() string {
	if len(e.Available) > 0 {
		return "tokens seen: " + tokenList(e.Available) + "; choose one with --token LABEL"
	}
	if e.Modules == 0 {
		return "no PKCS#11 module could be loaded: run 'firma modules' to see why"
	}
	return "insert the card (check the reader with 'firma readers'), or name another module with --module"
}

// AmbiguousTokenError means several tokens matched and none was chosen.
type AmbiguousTokenError struct {
	Tokens []TokenInfo
}

func (e *AmbiguousTokenError) Error() string {
	return fmt.Sprintf("%d tokens found and none chosen", len(e.Tokens))
}

func (e *AmbiguousTokenError) Hint() string {
	return "choose one with --token LABEL (or a pkcs11: URI): " + tokenList(e.Tokens)
}

func tokenList(ts []TokenInfo) string {
	var names []string
	for _, t := range ts {
		names = append(names, fmt.Sprintf("%q (serial %s)", t.Label, t.Serial))
	}
	return strings.Join(names, ", ")
}

// NoCertificateError means the token holds no usable signing certificate.
type NoCertificateError struct {
	Token string
	// AuthOnly is set when the token has only authentication (CNS)
	// certificates: often the signature certificate sits on another slot,
	// behind its own PIN, or the module (OpenSC) does not show it.
	AuthOnly bool
	Selector string
}

func (e *NoCertificateError) Error() string {
	switch {
	case e.Selector != "":
		return fmt.Sprintf("no certificate matches %q on token %q", e.Selector, e.Token)
	case e.AuthOnly:
		return fmt.Sprintf("token %q holds only authentication (CNS) certificates, no signature certificate", e.Token)
	}
	return fmt.Sprintf("no certificate on token %q", e.Token)
}

func (e *NoCertificateError) Hint() string {
	if e.AuthOnly {
		return "the signature certificate may be on another slot of the same card ('firma status --all' lists them; pick it with --token), or only the vendor module shows it (try --module with the Bit4id or Athena module)"
	}
	return "'firma cert --all' lists the certificates on the token"
}

// NoKeyError means a certificate has no matching private key.
type NoKeyError struct {
	Label string
}

func (e *NoKeyError) Error() string {
	return fmt.Sprintf("no private key on the token matches certificate %q", e.Label)
}

func (e *NoKeyError) Hint() string {
	return "the key may sit behind another PIN on another slot: choose the token with --token"
}

// PINIncorrectError means the token rejected the PIN. firma made exactly
// one attempt and does not retry.
type PINIncorrectError struct {
	// State is the PIN state the token reports after the failure.
	State PINState
	// SO is set when the rejected secret was the PUK (SO PIN).
	SO bool
}

func (e *PINIncorrectError) Error() string {
	what := "PIN"
	if e.SO {
		what = "PUK"
	}
	switch e.State {
	case PINFinalTry:
		return fmt.Sprintf("wrong %s: one try left before it is blocked", what)
	case PINLocked:
		return fmt.Sprintf("wrong %s: it is now blocked", what)
	case PINCountLow:
		return fmt.Sprintf("wrong %s: fewer tries are left", what)
	}
	return fmt.Sprintf("wrong %s", what)
}

func (e *PINIncorrectError) Hint() string {
	switch {
	case e.SO && e.State == PINLocked:
		return "the PUK is blocked: the card cannot be used any more, a new kit is needed"
	case e.SO:
		return "check the PUK on the paper that came with the card; three wrong PUKs make the card useless"
	case e.State == PINLocked:
		return "unlock it with the PUK: firma pin unlock"
	case e.State == PINFinalTry:
		return "one more wrong PIN blocks it: check the PIN; firma will ask for --allow-final-try next time"
	}
	return "firma does not retry: check the PIN and run the command again (3 wrong PINs block it)"
}

// PINLockedError means the token reports the PIN (or PUK) blocked.
type PINLockedError struct {
	SO bool
}

func (e *PINLockedError) Error() string {
	if e.SO {
		return "the PUK is blocked"
	}
	return "the PIN is blocked"
}

func (e *PINLockedError) Hint() string {
	if e.SO {
		return "with a blocked PUK the card cannot be unlocked: a new kit is needed"
	}
	return "unlock it with the PUK: firma pin unlock"
}

// FinalTryError means the token says the next wrong PIN locks it, and the
// caller did not allow a final try.
type FinalTryError struct {
	SO bool
}

func (e *FinalTryError) Error() string {
	if e.SO {
		return "the token says one wrong PUK more makes the card unusable: refusing to try"
	}
	return "the token says one wrong PIN more blocks it: refusing to try"
}

func (e *FinalTryError) Hint() string {
	return "if you are sure of it, run again with --allow-final-try"
}

// PINFormatError means the PIN does not fit the token's rules; the token
// was not asked.
type PINFormatError = pinrules.FormatError

// TokenRemovedError means the card was pulled out during an operation.
type TokenRemovedError struct{ Op string }

func (e *TokenRemovedError) Error() string {
	return fmt.Sprintf("%s: the card was removed or the token is not present", e.Op)
}

func (e *TokenRemovedError) Hint() string {
	return "insert the card again and repeat the command; no output was written"
}

// wrapCall turns a PKCS#11 error of op into a typed error where one fits.
func wrapCall(op string, err error) error {
	if err == nil {
		return nil
	}
	switch pkcs11Code(err) {
	case p11.CKR_TOKEN_NOT_PRESENT, p11.CKR_DEVICE_REMOVED, p11.CKR_SESSION_HANDLE_INVALID,
		p11.CKR_SESSION_CLOSED, p11.CKR_TOKEN_NOT_RECOGNIZED, p11.CKR_DEVICE_ERROR:
		return &TokenRemovedError{Op: op}
	}
	return fmt.Errorf("%s: %w", op, err)
}
