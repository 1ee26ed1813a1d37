package main

// The error line in the user's language. The libraries' errors carry data
// and an English Error() for logs and other programs; the CLI says the
// common ones in its own words. In English the library's text is kept as
// it is (scripts and tests have always seen it); in another language the
// outermost error firma knows is said in that language, keeping the
// context that wraps it.

import (
	"errors"
	"regexp"
	"strings"

	"github.com/firma-dev/firma/card"
	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/batch"
	"github.com/firma-dev/firma/internal/pinrules"
	"github.com/firma-dev/firma/pkcs11"
	"github.com/firma-dev/firma/sign"
)

// errorText is err's message for a person.
func errorText(err error) string {
	msg := err.Error()
	if !isItalian() {
		return msg
	}
	if said, ok := sayCobraError(msg); ok {
		return said
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		said, ok := sayError(e)
		if !ok {
			continue
		}
		inner := e.Error()
		if strings.HasSuffix(msg, inner) {
			return msg[:len(msg)-len(inner)] + said
		}
		return said
	}
	return msg
}

// sayError says one error (not its chain) in the CLI's words.
func sayError(err error) (string, bool) {
	switch e := err.(type) {
	case *pkcs11.ModuleError:
		if e.Source == pkcs11.SourceExplicit {
			return sprintf("PKCS#11 module %s (chosen explicitly): %s", e.Path, e.Reason), true
		}
		return sprintf("PKCS#11 module %s (from %s): %s", e.Path, e.Source, e.Reason), true
	case *pkcs11.NoModuleError:
		return sprintf("no PKCS#11 module found (%d places tried)", len(e.Tried)), true
	case *pkcs11.NoTokenError:
		switch {
		case e.Selector == "" && len(e.MissingModules) > 0 && len(e.Available) == 0:
			return sprintf("no token found: the card is in the reader, but its module %s is not installed", e.MissingModules[0]), true
		case e.Selector == "":
			return tr("no token found: is the card inserted in the reader?"), true
		}
		return sprintf("no token matches %q", e.Selector), true
	case *pkcs11.AmbiguousTokenError:
		return sprintf("%d tokens found and none chosen", len(e.Tokens)), true
	case *pkcs11.NoCertificateError:
		switch {
		case e.Selector != "":
			return sprintf("no certificate matches %q on token %q", e.Selector, e.Token), true
		case e.AuthOnly:
			return sprintf("token %q holds only authentication (CNS) certificates, no signature certificate", e.Token), true
		}
		return sprintf("no certificate on token %q", e.Token), true
	case *pkcs11.NoKeyError:
		return sprintf("no private key on the token matches certificate %q", e.Label), true
	case *pkcs11.PINIncorrectError:
		what := "PIN"
		if e.SO {
			what = "PUK"
		}
		if n := e.Remaining; n != nil && *n > 1 && e.State != pkcs11.PINLocked {
			return sprintf("wrong %s: %d tries left", what, *n), true
		}
		switch e.State {
		case pkcs11.PINFinalTry:
			return sprintf("wrong %s: one try left before it is blocked", what), true
		case pkcs11.PINLocked:
			return sprintf("wrong %s: it is now blocked", what), true
		case pkcs11.PINCountLow:
			return sprintf("wrong %s: fewer tries are left", what), true
		}
		return sprintf("wrong %s", what), true
	case *pkcs11.PINLockedError:
		if e.SO {
			return tr("the PUK is blocked"), true
		}
		return tr("the PIN is blocked"), true
	case *pkcs11.FinalTryError:
		if e.SO {
			return tr("the token says one wrong PUK more makes the card unusable: refusing to try"), true
		}
		return tr("the token says one wrong PIN more blocks it: refusing to try"), true
	case *pkcs11.TokenRemovedError:
		return tr("the card was removed or the token is not present"), true
	case *atomicfile.ExistsError:
		return sprintf("%s already exists", e.Path), true
	case *pinrules.FormatError:
		return pinFormatWords(e)
	case *batch.ConflictError:
		return conflictWords(e)
	case *sign.CertificateError:
		switch e.Problem {
		case sign.CertExpired:
			return sprintf("the signing certificate of %s expired on %s", e.Subject, day(e.NotAfter)), true
		case sign.CertNotYetValid:
			return sprintf("the signing certificate of %s is not valid until %s", e.Subject, day(e.NotBefore)), true
		}
		return sprintf("the certificate of %s is not a signature certificate (no nonRepudiation key usage)", e.Subject), true
	case *batch.DocumentError:
		if e.Err == nil {
			return sprintf("the document %s of %s is not a regular file", e.Document, e.Signature), true
		}
		return sprintf("%s is a detached signature; its document: %s", e.Signature, errorText(e.Err)), true
	case *sign.ContentMismatchError:
		if e.Reason != "" {
			return sprintf("cannot check the document against signature %d: %s", e.Signer, e.Reason), true
		}
		return sprintf("the document is not the one signature %d was made on (its digest differs)", e.Signer), true
	case *sign.SignerIndexError:
		if e.Index == 0 {
			return sprintf("the file has %d signatures: choose the one to counter-sign", e.Count), true
		}
		return sprintf("signature %d does not exist: the file has %d", e.Index, e.Count), true
	case *card.Error:
		k := pcscKindWords(e.Kind)
		if e.Reader != "" {
			return sprintf("%s (reader %q)", k, e.Reader), true
		}
		return k, true
	case card.Kind:
		return pcscKindWords(e), true
	}
	return "", false
}

// pcscKindWords says a kind of PC/SC failure.
func pcscKindWords(k card.Kind) string {
	switch k {
	case card.ErrNoPCSCSupport:
		return tr("firma was built without PC/SC support")
	case card.ErrNoService:
		return tr("the PC/SC service (pcscd) is not running")
	case card.ErrAccessDenied:
		return tr("access to the smartcard service denied")
	case card.ErrNoReader:
		return tr("no smartcard reader found")
	case card.ErrNoCard:
		return tr("no card in the reader")
	case card.ErrRemoved:
		return tr("the card was removed during the operation")
	case card.ErrBusy:
		return tr("the card is in use by another program")
	case card.ErrUnresponsive:
		return tr("the card does not respond")
	case card.ErrWaitTimeout:
		return tr("timed out waiting for the card")
	}
	return tr("smartcard service error")
}

// cobraUsage are the usage errors cobra and pflag make, as text only.
var cobraUsage = []struct {
	re  *regexp.Regexp
	say func(m []string) string
}{
	{regexp.MustCompile(`^unknown flag: (.*)$`), func(m []string) string { return sprintf("unknown flag: %s", m[1]) }},
	{regexp.MustCompile(`^unknown shorthand flag: '(.)' in (.*)$`), func(m []string) string { return sprintf("unknown shorthand flag: '%s' in %s", m[1], m[2]) }},
	{regexp.MustCompile(`^flag needs an argument: (.*)$`), func(m []string) string { return sprintf("flag needs an argument: %s", m[1]) }},
	{regexp.MustCompile(`^unknown command "(.*)" for "(.*)"$`), func(m []string) string { return sprintf("unknown command %q for %q", m[1], m[2]) }},
	{regexp.MustCompile(`^accepts (\d+) arg\(s\), received (\d+)$`), func(m []string) string { return sprintf("accepts %s argument(s), received %s", m[1], m[2]) }},
	{regexp.MustCompile(`^unknown command "(.*)" for "(.*)"\n`), func(m []string) string { return sprintf("unknown command %q for %q", m[1], m[2]) }},
}

func sayCobraError(msg string) (string, bool) {
	for _, c := range cobraUsage {
		if m := c.re.FindStringSubmatch(msg); m != nil {
			return c.say(m), true
		}
	}
	return "", false
}

// pinFormatWords says a PIN that firma's rules refused before sending it.
func pinFormatWords(e *pinrules.FormatError) (string, bool) {
	what := e.What
	if what == "" {
		what = "PIN"
	}
	switch e.Problem {
	case pinrules.Length:
		if e.Rules.DigitsOnly {
			return sprintf("PIN not accepted: %s must be %d to %d digits", theSecret(what), e.Rules.MinLen, e.Rules.MaxLen), true
		}
		return sprintf("PIN not accepted: %s must be %d to %d characters", theSecret(what), e.Rules.MinLen, e.Rules.MaxLen), true
	case pinrules.Digits:
		return sprintf("PIN not accepted: %s must be digits only", theSecret(what)), true
	case pinrules.SameAsOld:
		return tr("PIN not accepted: the new PIN is the same as the old one"), true
	}
	return "", false
}

// conflictWords says a signing plan that cannot run.
func conflictWords(e *batch.ConflictError) (string, bool) {
	switch e.Problem {
	case batch.SignedNeedsOutput:
		return sprintf("%s is already signed and is never changed: adding a signature writes a new file", e.Input), true
	case batch.SharedOutput:
		return sprintf("%s and %s would both be signed into %s", e.Other, e.Input, e.Output), true
	case batch.OutputIsInput:
		return sprintf("the output %s is the input itself", e.Output), true
	case batch.OutputIsDocument:
		return sprintf("the output %s is the signed document itself", e.Output), true
	case batch.CounterNeedsSigned:
		return sprintf("a counter-signature needs a signed file (.p7m or .p7s), not %s", e.Input), true
	case batch.DetachedCoSign:
		return sprintf("%s is already signed: a co-signature keeps its form", e.Input), true
	}
	return "", false
}
