package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/firma-dev/firma/card"
	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/batch"
	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/pinrules"
	"github.com/firma-dev/firma/pkcs11"
	"github.com/firma-dev/firma/sign"
	"github.com/firma-dev/firma/verify"
	"github.com/firma-dev/firma/verify/tsl"
)

// Exit codes. They are part of firma's interface (README, "Exit codes"):
// never renumber them, only add.
const (
	ExitOK       = 0  // success
	ExitFailure  = 1  // anything not listed below
	ExitUsage    = 2  // bad flags or arguments
	ExitModule   = 3  // PKCS#11 module not found or not loadable
	ExitToken    = 4  // token not found, not present, or several and none chosen
	ExitCert     = 5  // no usable certificate (none, expired, not for signing)
	ExitPIN      = 6  // the token rejected the PIN (one attempt, never retried)
	ExitLocked   = 7  // PIN locked, or final try refused without --allow-final-try
	ExitNoPIN    = 8  // a PIN is needed and there is no way to ask for it
	ExitPCSC     = 9  // PC/SC: pcscd down, access denied, no reader, no card, card busy
	ExitOutput   = 10 // output exists (use --force) or cannot be written
	ExitInput    = 11 // input missing, unreadable or malformed
	ExitCanceled = 12 // interrupted or timed out
	ExitTSA      = 13 // timestamp authority failed (unreachable, refused, bad reply)
	ExitPINRules = 14 // a PIN, PUK or new PIN firma refused by the card's rules: nothing sent
	// Verification results (firma verify).
	ExitVerifyFailed        = 20 // TOTAL_FAILED
	ExitVerifyIndeterminate = 21 // INDETERMINATE
)

// exitError attaches an exit code and a hint to an error.
type exitError struct {
	code int
	err  error
	hint string
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode gives err an exit code and an optional hint.
func withCode(code int, err error, hint string) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err, hint: hint}
}

// usageErrorf is a usage error (exit 2).
func usageErrorf(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: errors.New(sprintf(format, args...)), hint: tr("see 'firma --help'")}
}

// silentExit ends the command with code after it has printed its own
// result (monitoring checks, verification verdicts).
type silentExit struct{ code int }

func (e silentExit) Error() string { return fmt.Sprintf("exit %d", e.code) }

// hinter is implemented by library errors that know what the user should
// do next.
type hinter interface{ Hint() string }

// classification maps known errors to an exit code. The first match wins;
// library errors carry their own hint through hinter.
var classification = []struct {
	match func(error) bool
	code  int
}{
	{isA[*pkcs11.ModuleError], ExitModule},
	{isA[*pkcs11.NoModuleError], ExitModule},
	{isA[*pkcs11.NoTokenError], ExitToken},
	{isA[*pkcs11.AmbiguousTokenError], ExitToken},
	{isA[*pkcs11.TokenRemovedError], ExitToken},
	{isA[*pkcs11.SignNotSupportedError], ExitCert},
	{isA[*pkcs11.NoCertificateError], ExitCert},
	{isA[*pkcs11.NoKeyError], ExitCert},
	{isA[*pkcs11.PINIncorrectError], ExitPIN},
	{pinRefusedByFirma, ExitPINRules},
	{isA[*pkcs11.PINFormatError], ExitPIN}, // the token refused it (no try counted)
	{isA[*pkcs11.PINLockedError], ExitLocked},
	{isA[*pkcs11.FinalTryError], ExitLocked},
	{isA[*NoSecretSourceError], ExitNoPIN},
	{func(err error) bool { return errors.Is(err, errPromptCanceled) }, ExitCanceled},
	{func(err error) bool { return errors.Is(err, errSecretTooLong) }, ExitInput},
	{func(err error) bool { return errors.Is(err, pkcs11.ErrPINInURI) }, ExitUsage},
	{isA[*atomicfile.ExistsError], ExitOutput},
	{isA[*atomicfile.WriteError], ExitOutput},
	{isA[*sign.CertificateError], ExitCert},
	{isA[*sign.KeyMismatchError], ExitCert},
	{isA[*sign.UnsupportedError], ExitCert},
	{isA[*sign.InputError], ExitInput},
	{isA[*batch.BrokenSignatureError], ExitInput},
	{isA[*batch.OutputDirError], ExitOutput},
	{isA[*batch.InputError], ExitInput},
	{isA[*batch.DocumentError], ExitInput},
	{func(err error) bool {
		return conflictIs(err, batch.OutputIsInput) || conflictIs(err, batch.OutputIsDocument)
	}, ExitOutput},
	{isA[*batch.ConflictError], ExitUsage},
	{isA[*sign.ContentChangedError], ExitInput},
	{isA[*sign.NotSignedError], ExitInput},
	{isA[*sign.DetachedContentError], ExitInput},
	{isA[*sign.ContentMismatchError], ExitInput},
	{isA[*sign.NotDetachedError], ExitInput},
	{isA[*sign.SignerIndexError], ExitUsage},
	{isA[*sign.TimestampError], ExitTSA},
	{func(err error) bool { return errors.Is(err, card.ErrWaitTimeout) }, ExitCanceled},
	{isA[*card.Error], ExitPCSC},
	{isA[*card.ATRError], ExitPCSC},
	{isA[*verify.ExtractError], ExitOutput},
	{isA[*ExtractNameError], ExitOutput},
	{isA[*cms.UnrecognizedError], ExitInput},
	{isA[*cms.FormatError], ExitInput},
	{isA[*verify.MIMEError], ExitInput},
	{isA[*verify.TrustError], ExitInput},
	{isA[*tsl.Error], ExitInput},
	{isBlockedCardPIN, ExitLocked},
	{isA[*card.PINError], ExitPIN},
	{isA[*card.FinalTryError], ExitLocked},
	{isA[*card.NotSupportedError], ExitPCSC},
	{isA[*card.StatusError], ExitPCSC},
}

// conflictIs matches a batch plan conflict of one kind.
func conflictIs(err error, c batch.Conflict) bool {
	var ce *batch.ConflictError
	return errors.As(err, &ce) && ce.Problem == c
}

// isA matches errors of type T anywhere in the chain.
func isA[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}

// classify picks the exit code and hint for err.
func classify(err error) (int, string) {
	var ee *exitError
	if errors.As(err, &ee) {
		hint := ee.hint
		if hint == "" {
			hint = hintOf(ee.err)
		}
		return ee.code, hint
	}
	// An interruption wins over whatever it broke on the way out (a
	// half-read file is not a malformed one).
	if errors.Is(err, context.Canceled) {
		return ExitCanceled, ""
	}
	for _, c := range classification {
		if c.match(err) {
			return c.code, hintOf(err)
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
		return ExitCanceled, ""
	case errors.Is(err, context.DeadlineExceeded):
		return ExitCanceled, ""
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return ExitInput, hintOf(err)
	case isCobraUsage(err):
		return ExitUsage, tr("see 'firma --help'")
	}
	return ExitFailure, hintOf(err)
}

// message is the error line for err: an interruption says so in words,
// instead of the "context canceled" of whatever it stopped.
func message(err error) string {
	var ee *exitError
	if errors.Is(err, context.Canceled) && !errors.As(err, &ee) {
		return tr("interrupted: nothing more was done, and no partial output was left")
	}
	return errorText(err)
}

// pinRefusedByFirma matches a PIN that firma refused by the rules before
// sending it: not the token's refusal, and no try used.
func pinRefusedByFirma(err error) bool {
	var fe *pinrules.FormatError
	return errors.As(err, &fe) && !fe.Sent()
}

// pinRulesHint says what the PIN should look like, in the CLI's words.
func pinRulesHint(fe *pinrules.FormatError) string {
	switch fe.Problem {
	case pinrules.Length, pinrules.Digits:
		what := secretWord(fe.What)
		if fe.What == "" {
			what = tr("PIN")
		}
		if fe.Rules.DigitsOnly {
			return sprintf("a %s of this card is %d to %d digits; nothing was sent, no try was used", what, fe.Rules.MinLen, fe.Rules.MaxLen)
		}
		return sprintf("a %s of this card is %d to %d characters; nothing was sent, no try was used", what, fe.Rules.MinLen, fe.Rules.MaxLen)
	case pinrules.SameAsOld:
		return tr("choose a new PIN different from the current one; nothing was changed, no try was used")
	case pinrules.Encoding:
		return tr("this card's PIN cannot hold that value; nothing was sent, no try was used")
	case pinrules.TokenRefused:
		return tr("the token refused the PIN's length or characters without counting a try: check the PIN and run the command again")
	}
	return ""
}

// hintOf is the hint of the outermost error in err's chain that has one:
// the CLI's own errors carry theirs (hinter), the libraries' come from
// libraryHints.
func hintOf(err error) string {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if h, ok := e.(hinter); ok {
			return h.Hint()
		}
		for _, lh := range libraryHints {
			if hint, ok := lh(e); ok {
				return hint
			}
		}
	}
	return ""
}

// isCobraUsage recognises the few usage errors cobra makes itself.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// reportError prints err as "error:" and "hint:" lines on stderr and
// returns its exit code.
func reportError(io *IO, err error) int {
	var se silentExit
	if errors.As(err, &se) {
		return se.code
	}
	code, hint := classify(err)
	printf(io.Err, "firma: error: %s\n", message(err))
	if hint != "" {
		for _, line := range strings.Split(hint, "\n") {
			printf(io.Err, "firma: hint: %s\n", line)
		}
	}
	return code
}
