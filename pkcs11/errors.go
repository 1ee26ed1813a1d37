package pkcs11

import (
	"errors"
	"fmt"

	p11 "github.com/miekg/pkcs11"

	"github.com/firma-dev/firma/internal/pinrules"
)

// ErrNoCgo means firma was built without cgo and cannot load modules.
var ErrNoCgo = errors.New("this firma was built without cgo: PKCS#11 support is missing")

// ModuleError says why a module could not be used. Err holds the cause
// as data: *ModuleNotFoundError, *ModuleNotFileError,
// *ModuleUnreadableError, *ModuleArchError, *ModuleLoaderError,
// *NotPKCS11Error, *ModuleInitError, or ErrNoCgo.
type ModuleError struct {
	Path   string
	Source string // where the path came from: SourceExplicit, "FIRMA_PKCS11_MODULE", ...
	Reason string // one line: "file not found", the loader's message, ...
	Err    error
}

func (e *ModuleError) Error() string {
	src := e.Source
	if src == SourceExplicit {
		src = "chosen explicitly"
	}
	return fmt.Sprintf("PKCS#11 module %s (%s): %s", e.Path, src, e.Reason)
}

func (e *ModuleError) Unwrap() error { return e.Err }

// ModuleNotFoundError: no file at the module path.
type ModuleNotFoundError struct{ Path string }

func (e *ModuleNotFoundError) Error() string { return "file not found" }

// ModuleNotFileError: the path exists but is a directory or another
// non-regular file.
type ModuleNotFileError struct {
	Path  string
	IsDir bool
}

func (e *ModuleNotFileError) Error() string {
	if e.IsDir {
		return "is a directory, not a module file"
	}
	return "is not a regular file"
}

// ModuleUnreadableError: the file exists but this process may not read
// it (permissions, or a mandatory access control policy).
type ModuleUnreadableError struct {
	Path string
	Err  error
}

func (e *ModuleUnreadableError) Error() string {
	return "file not readable by this user: " + e.Err.Error()
}

func (e *ModuleUnreadableError) Unwrap() error { return e.Err }

// ModuleArchError: an ELF module built for another machine.
type ModuleArchError struct {
	Path string
	// Machine is the module's ELF machine ("X86_64", "AARCH64", ...);
	// Want is this machine's GOARCH.
	Machine, Want string
}

func (e *ModuleArchError) Error() string {
	return fmt.Sprintf("built for %s, but this machine is %s (wrong architecture)", e.Machine, e.Want)
}

// ModuleLoaderError: the dynamic loader refused the file.
type ModuleLoaderError struct {
	Path string
	// Message is the loader's own text (dlerror).
	Message string
	// NotLibrary is set when the file is not a shared library at all
	// (no ELF header on an ELF system).
	NotLibrary bool
	// MissingLibrary names a library the module needs that the loader
	// could not find, when that is the reason.
	MissingLibrary string
}

func (e *ModuleLoaderError) Error() string { return e.Message }

// NotPKCS11Error: the file is a shared library that loads, but it is not
// a PKCS#11 module: it exports no C_GetFunctionList (or that call
// failed).
type NotPKCS11Error struct {
	Path string
	// Exported is true when C_GetFunctionList exists but failed.
	Exported bool
}

func (e *NotPKCS11Error) Error() string {
	if e.Exported {
		return "C_GetFunctionList failed: the library does not work as a PKCS#11 module"
	}
	return "a shared library, but not a PKCS#11 module (it exports no C_GetFunctionList)"
}

// ModuleInitError: the module loaded but C_Initialize (or C_GetInfo right
// after it) failed: the module's own configuration or environment is
// broken.
type ModuleInitError struct {
	Path string
	// Call is "C_Initialize" or "C_GetInfo".
	Call string
	// Code is the CKR_ return value, 0 when unknown.
	Code uint
	// ConfigEnv names the environment variable holding the module's
	// configuration file when firma knows it (SoftHSM: SOFTHSM2_CONF),
	// ConfigPath its value at load time (empty: the module's default),
	// and ConfigDefault the module's default configuration file.
	ConfigEnv, ConfigPath, ConfigDefault string
	Err                                  error
}

func (e *ModuleInitError) Error() string {
	msg := fmt.Sprintf("the module failed to initialise (%s: %v)", e.Call, e.Err)
	if e.ConfigEnv != "" {
		conf := e.ConfigPath
		if conf == "" {
			conf = e.ConfigDefault + ", the default"
		}
		msg += fmt.Sprintf("; configuration %s=%s", e.ConfigEnv, conf)
	}
	return msg
}

func (e *ModuleInitError) Unwrap() error { return e.Err }

// NoModuleError means no PKCS#11 module was found at all.
type NoModuleError struct {
	Tried []Candidate
}

func (e *NoModuleError) Error() string {
	return fmt.Sprintf("no PKCS#11 module found (%d places tried)", len(e.Tried))
}

// NoTokenError means no token matched.
type NoTokenError struct {
	Selector  string      // what was asked, empty for "any"
	Available []TokenInfo // tokens that were seen, for the hint
	Modules   int         // modules that loaded
	// MissingModules are the module file names the card in the reader
	// suggested that are not installed: the card is there, but the
	// module that shows its token may be missing.
	MissingModules []string
}

func (e *NoTokenError) Error() string {
	if e.Selector == "" && len(e.MissingModules) > 0 && len(e.Available) == 0 {
		return "no token found: the card is in the reader, but its module " + e.MissingModules[0] + " is not installed"
	}
	if e.Selector == "" {
		return "no token found: is the card inserted in the reader?"
	}
	return fmt.Sprintf("no token matches %q", e.Selector)
}

// AmbiguousTokenError means several tokens matched and none was chosen.
type AmbiguousTokenError struct {
	Tokens []TokenInfo
}

func (e *AmbiguousTokenError) Error() string {
	return fmt.Sprintf("%d tokens found and none chosen", len(e.Tokens))
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

// NoKeyError means a certificate has no matching private key.
type NoKeyError struct {
	Label string
}

func (e *NoKeyError) Error() string {
	return fmt.Sprintf("no private key on the token matches certificate %q", e.Label)
}

// PINIncorrectError means the token rejected the PIN. firma made exactly
// one attempt and does not retry.
type PINIncorrectError struct {
	// State is the PIN state the token reports after the failure.
	State PINState
	// SO is set when the rejected secret was the PUK (SO PIN).
	SO bool
	// Remaining is the number of tries left when it was read from the
	// card (TokenInfo.PINSource "card"), nil otherwise.
	Remaining *int
}

func (e *PINIncorrectError) Error() string {
	what := "PIN"
	if e.SO {
		what = "PUK"
	}
	if n := e.Remaining; n != nil && *n > 1 && e.State != PINLocked {
		return fmt.Sprintf("wrong %s: %d tries left", what, *n)
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

// PINFormatError means the PIN does not fit the token's rules; the token
// was not asked.
type PINFormatError = pinrules.FormatError

// SignNotSupportedError means the module lists the key but refuses to
// sign with it. OpenSC's itacns driver does this with 2048-bit keys on
// cards whose ATR says CNS 1.0: it enables 2048-bit RSA only on CNS 1.1.
type SignNotSupportedError struct {
	Module string // module profile name ("OpenSC")
	Token  string
	// KeyBits is the RSA modulus size of the key, 0 for other keys.
	KeyBits int
	// Code is the module's CKR_ value; 0 when the refusal was foreseen
	// before the module was asked (CardVersion known).
	Code uint
	// CardVersion is the card's CNS version from its ATR ("1.0") when the
	// caller knows it.
	CardVersion string
}

func (e *SignNotSupportedError) Error() string {
	key := "this key"
	if e.KeyBits > 0 {
		key = fmt.Sprintf("this %d-bit RSA key", e.KeyBits)
	}
	msg := fmt.Sprintf("the %s module lists %s on token %q but cannot sign with it", e.Module, key, e.Token)
	if e.CardVersion != "" {
		msg += fmt.Sprintf(" (the card says CNS %s in its ATR)", e.CardVersion)
	}
	if e.Code != 0 {
		name := map[uint]string{p11.CKR_FUNCTION_NOT_SUPPORTED: "CKR_FUNCTION_NOT_SUPPORTED", p11.CKR_KEY_SIZE_RANGE: "CKR_KEY_SIZE_RANGE",
			p11.CKR_KEY_FUNCTION_NOT_PERMITTED: "CKR_KEY_FUNCTION_NOT_PERMITTED"}[e.Code]
		if name == "" {
			name = fmt.Sprintf("CKR %#x", e.Code)
		}
		msg += " (" + name + ")"
	}
	return msg
}

// TokenRemovedError means the card was pulled out during an operation.
type TokenRemovedError struct{ Op string }

func (e *TokenRemovedError) Error() string {
	return fmt.Sprintf("%s: the card was removed or the token is not present", e.Op)
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
