package main

// The error line in the user's language. The libraries' errors carry data
// and an English Error() for logs and other programs; the CLI says the
// common ones in its own words. In English the library's text is kept as
// it is (scripts and tests have always seen it); in another language the
// outermost error firma knows is said in that language, keeping the
// context that wraps it.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
	"syscall"

	"github.com/firma-dev/firma/card"
	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/batch"
	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/pdf"
	"github.com/firma-dev/firma/internal/pinrules"
	"github.com/firma-dev/firma/internal/xmldsig"
	"github.com/firma-dev/firma/pades"
	"github.com/firma-dev/firma/pec"
	"github.com/firma-dev/firma/pkcs11"
	"github.com/firma-dev/firma/sign"
	"github.com/firma-dev/firma/verify"
	"github.com/firma-dev/firma/verify/tsl"
	"github.com/firma-dev/firma/xades"
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
	return sayChain(err)
}

// sayChain says err in the user's language: the outermost error of its
// chain that firma knows is said in its words (the causes it carries said
// the same way), the context that wraps it is kept; an error firma does
// not know (a system text: "connection refused") is kept as it is.
func sayChain(err error) string {
	msg := err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		said, ok := sayError(e)
		if !ok {
			continue
		}
		inner := e.Error()
		switch {
		case strings.HasSuffix(msg, inner):
			return msg[:len(msg)-len(inner)] + said
		case strings.HasSuffix(msg, said):
			return msg // a wrapper of firma's own said its cause already
		}
		return said
	}
	return msg
}

// cause says an error that another one carries, nothing when there is
// none.
func cause(err error) string {
	if err == nil {
		return ""
	}
	return sayChain(err)
}

// sayError says one error (not its chain) in the CLI's words. Every
// error type of the libraries that can reach a person has a case here
// (TestEveryLibraryErrorIsSaid).
func sayError(err error) (string, bool) {
	if said, ok := saySentinel(err); ok {
		return said, true
	}
	for _, say := range []func(error) (string, bool){sayTokenError, sayCardError, saySignError, sayFileError, sayVerifyError, sayFormatError, saySystemError} {
		if said, ok := say(err); ok {
			return said, true
		}
	}
	return "", false
}

// sayTokenError says the errors of PKCS#11 tokens and modules.
func sayTokenError(err error) (string, bool) {
	switch e := err.(type) {
	case *pkcs11.ModuleError:
		reason := e.Reason
		if e.Err != nil {
			reason = cause(e.Err)
		}
		switch e.Source {
		case pkcs11.SourceExplicit:
			return sprintf("PKCS#11 module %s (chosen explicitly): %s", e.Path, reason), true
		case "this build":
			return sprintf("PKCS#11 module %s (this build): %s", e.Path, reason), true
		}
		return sprintf("PKCS#11 module %s (from %s): %s", e.Path, e.Source, reason), true
	case *pkcs11.ModuleNotFoundError:
		return tr("file not found"), true
	case *pkcs11.ModuleNotFileError:
		if e.IsDir {
			return tr("is a directory, not a module file"), true
		}
		return tr("is not a regular file"), true
	case *pkcs11.ModuleUnreadableError:
		return sprintf("file not readable by this user: %s", cause(e.Err)), true
	case *pkcs11.ModuleArchError:
		return sprintf("built for %s, but this machine is %s (wrong architecture)", e.Machine, e.Want), true
	case *pkcs11.NotPKCS11Error:
		if e.Exported {
			return tr("C_GetFunctionList failed: the library does not work as a PKCS#11 module"), true
		}
		return tr("a shared library, but not a PKCS#11 module (it exports no C_GetFunctionList)"), true
	case *pkcs11.ModuleInitError:
		if e.ConfigEnv != "" {
			if e.ConfigPath == "" {
				return sprintf("the module failed to initialise (%s: %s); configuration %s=%s, the default", e.Call, cause(e.Err), e.ConfigEnv, e.ConfigDefault), true
			}
			return sprintf("the module failed to initialise (%s: %s); configuration %s=%s", e.Call, cause(e.Err), e.ConfigEnv, e.ConfigPath), true
		}
		return sprintf("the module failed to initialise (%s: %s)", e.Call, cause(e.Err)), true
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
	case *pkcs11.SignNotSupportedError:
		var msg string
		if e.KeyBits > 0 {
			msg = sprintf("the %s module lists this %d-bit RSA key on token %q but cannot sign with it", e.Module, e.KeyBits, e.Token)
		} else {
			msg = sprintf("the %s module lists this key on token %q but cannot sign with it", e.Module, e.Token)
		}
		if e.CardVersion != "" {
			msg += sprintf(" (the card says CNS %s in its ATR)", e.CardVersion)
		}
		if e.Code != 0 {
			msg += sprintf(" (CKR %#x)", e.Code)
		}
		return msg, true
	case *pkcs11.TokenRemovedError:
		return tr("the card was removed or the token is not present"), true
	case *pkcs11.UnblockUnsupportedError:
		return sprintf("the %s module does not unblock a PIN with the PUK in its default configuration (the same call would change the PIN and cost a try): nothing was sent", e.Module), true
	case *pinrules.FormatError:
		return pinFormatWords(e), true
	}
	return "", false
}

// pinFormatWords says why a PIN was not accepted.
func pinFormatWords(e *pinrules.FormatError) string {
	what := secretWord(e.What)
	if e.What == "" {
		what = tr("PIN")
	}
	kind := tr("characters")
	if e.Rules.DigitsOnly {
		kind = tr("digits")
	}
	switch {
	case e.Problem == pinrules.SameAsOld:
		return tr("PIN not accepted: the new PIN is the same as the old one")
	case e.Problem == pinrules.Encoding:
		return tr("PIN not accepted: this card's PIN block cannot hold it")
	case e.Problem == pinrules.TokenRefused:
		return tr("PIN not accepted: the token refused its length or characters (no try was counted)")
	case e.What == "new PIN" && e.Problem == pinrules.Digits:
		return tr("PIN not accepted: the new PIN must be digits only")
	case e.What == "new PIN":
		return sprintf("PIN not accepted: the new PIN must be %d to %d %s", e.Rules.MinLen, e.Rules.MaxLen, kind)
	}
	return sprintf("PIN not accepted: a %s is %d to %d %s, and the one given is not: it was not sent, so no try was used", what, e.Rules.MinLen, e.Rules.MaxLen, kind)
}

// sayCardError says the errors of PC/SC and of PIN commands sent to a
// card.
func sayCardError(err error) (string, bool) {
	switch e := err.(type) {
	case *card.Error:
		k := pcscKindWords(e.Kind)
		if e.Reader != "" {
			return sprintf("%s (reader %q)", k, e.Reader), true
		}
		return k, true
	case card.Kind:
		return pcscKindWords(e), true
	case card.Code:
		if n := e.Name(); n != "" {
			return e.Error(), true // a winscard name and a number: no words
		}
		return sprintf("PC/SC error 0x%08X", uint32(e)), true
	case *card.ATRError:
		return sprintf("malformed ATR %s: %s at byte %d", card.FormatHex(e.ATR), e.Reason, e.Offset), true
	case *card.NotSupportedError:
		return sprintf("PIN management by APDU is not supported on this card (%s)", e.Card), true
	case *card.PINError:
		name := secretWord(e.Secret.Name)
		switch {
		case e.Blocked && e.Secret.PUK && e.Wrong:
			return sprintf("wrong %s: it is now blocked, and the card can no longer be unblocked", name), true
		case e.Blocked && e.Secret.PUK:
			return sprintf("the %s is blocked: the card can no longer be unblocked", name), true
		case e.Blocked && e.Wrong:
			return sprintf("wrong %s: it is now blocked", name), true
		case e.Blocked:
			return sprintf("the %s is blocked", name), true
		case e.Remaining == 1:
			return sprintf("wrong %s: 1 try left, one more wrong %s blocks it", name, name), true
		case e.Remaining > 1:
			return sprintf("wrong %s: %d tries left", name, e.Remaining), true
		}
		return sprintf("wrong %s (the card did not say how many tries are left)", name), true
	case *card.FinalTryError:
		if e.Secret.PUK {
			return sprintf("the card says the %s has 1 try left, and one wrong PUK more makes the card unusable for good: refusing to try", secretWord(e.Secret.Name)), true
		}
		return sprintf("the card says the %s has 1 try left, and one wrong PIN more blocks it: refusing to try", secretWord(e.Secret.Name)), true
	case *card.StatusError:
		return sprintf("the card answered %04X", e.SW), true
	case *card.UnsafeProbeError:
		if e.Asked {
			return sprintf("PIN tries not probed: %s; the loss of a try was not accepted", probeReason(e.Profile)), true
		}
		return sprintf("PIN tries not read: %s", probeReason(e.Profile)), true
	}
	return "", false
}

// saySignError says the errors of signing: certificates, keys, what is
// signed, the timestamp authority, the batch plan.
func saySignError(err error) (string, bool) {
	switch e := err.(type) {
	case *sign.CertificateError:
		switch e.Problem {
		case sign.CertExpired:
			return sprintf("the signing certificate of %s expired on %s", e.Subject, day(e.NotAfter)), true
		case sign.CertNotYetValid:
			return sprintf("the signing certificate of %s is not valid until %s", e.Subject, day(e.NotBefore)), true
		}
		return sprintf("the certificate of %s is not a signature certificate (no nonRepudiation key usage)", e.Subject), true
	case *sign.KeyMismatchError:
		return sprintf("the key's signature does not verify with the certificate of %s", e.Subject), true
	case *sign.ContentChangedError:
		return tr("the input changed while it was being signed"), true
	case *sign.UnsupportedError:
		switch {
		case e.Problem == sign.PSSWithECDSA:
			return tr("RSA-PSS with an ECDSA key is not supported"), true
		case e.Hash != 0:
			return sprintf("digest algorithm %s not supported", e.Hash.String()), true
		case e.KeyAlgorithm != 0:
			return sprintf("%s keys not supported", e.KeyAlgorithm.String()), true
		}
		return sprintf("%s not supported", e.What), true
	case *sign.SignerError:
		return sprintf("signing: %s", cause(e.Err)), true
	case *sign.InputError:
		return sprintf("reading content: %s", cause(e.Err)), true
	case *sign.NotSignedError:
		return sprintf("not a readable CMS signature: %s", cause(e.Err)), true
	case *sign.DetachedContentError:
		return tr("the signature is detached (no document inside): co-signing it needs the document it was made on"), true
	case *sign.NotDetachedError:
		return tr("the signature holds the document itself (enveloping): no separate document is needed"), true
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
	case *sign.TimestampError:
		return timestampWords(e), true
	case *sign.TSAURLError:
		switch e.Problem {
		case sign.TSAURLInvalid:
			return tr("the timestamp authority URL is not a valid URL"), true
		case sign.TSAURLCredentials:
			return tr("the timestamp authority URL must not hold a user or password"), true
		case sign.TSAURLNoScheme:
			return sprintf("the timestamp authority URL %q has no scheme: write http://... or https://...", e.URL), true
		case sign.TSAURLNotHTTP:
			return sprintf("the timestamp authority URL %q is not http or https", e.URL), true
		case sign.TSAURLNoHost:
			return sprintf("the timestamp authority URL %q has no host", e.URL), true
		case sign.TSAURLFragment:
			return sprintf("the timestamp authority URL %q has a #fragment, which HTTP never sends", e.URL), true
		}
		return sprintf("the timestamp authority URL %s", e.Reason), true
	case *batch.InputError:
		switch {
		case e.NotRegular:
			return sprintf("%s is not a regular file", e.Path), true
		case errors.Is(e.Err, fs.ErrNotExist):
			return sprintf("%s: no such file", e.Path), true
		case errors.Is(e.Err, fs.ErrPermission):
			return sprintf("%s: permission denied", e.Path), true
		}
		var pe *fs.PathError
		if errors.As(e.Err, &pe) {
			return sprintf("%s: %s", e.Path, cause(pe.Err)), true
		}
		return sprintf("%s: %s", e.Path, cause(e.Err)), true
	case *batch.DocumentError:
		if e.Err == nil {
			return sprintf("the document %s of %s is not a regular file", e.Document, e.Signature), true
		}
		return sprintf("%s is a detached signature; its document: %s", e.Signature, cause(e.Err)), true
	case *batch.OutputDirError:
		return sprintf("cannot write into the folder %s: %s", e.Dir, cause(e.Err)), true
	case *batch.ConflictError:
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
		return tr("conflicting plan"), true
	case *batch.BrokenSignatureError:
		where := sprintf("signature %s", e.Signature)
		if e.Signature == "" {
			where = tr("the file")
		}
		if e.Layer > 0 {
			where = sprintf("%s of envelope %d", where, e.Layer+1)
		}
		return sprintf("%s: %s does not hold (%s: %s): no signature was added", e.File, where, string(e.Sub), e.Reason), true
	}
	return "", false
}

// timestampWords says why no timestamp was obtained.
func timestampWords(e *sign.TimestampError) string {
	var msg string
	switch {
	case e.Problem == sign.TSAUnreachable && e.TSA != "":
		msg = sprintf("cannot reach the timestamp authority %s", e.TSA)
	case e.Problem == sign.TSAUnreachable:
		msg = tr("cannot reach the timestamp authority")
	case e.Problem == sign.TSATimeout:
		msg = sprintf("the timestamp authority %s did not answer within %s", e.TSA, e.Timeout.String())
	case e.Problem == sign.TSAUnauthorized && e.NoCredentials:
		msg = sprintf("the timestamp authority %s needs a user and password (HTTP %d)", e.TSA, e.HTTPStatus)
	case e.Problem == sign.TSAUnauthorized:
		msg = sprintf("the timestamp authority %s refused the user or password (HTTP %d)", e.TSA, e.HTTPStatus)
	case e.Problem == sign.TSAHTTPError && e.Location != "":
		return sprintf("the timestamp authority %s answered HTTP %d: a redirect, which firma does not follow", e.TSA, e.HTTPStatus)
	case e.Problem == sign.TSAHTTPError:
		msg = sprintf("the timestamp authority %s answered HTTP %d", e.TSA, e.HTTPStatus)
	case e.Problem == sign.TSARejected:
		msg = sprintf("the timestamp authority %s rejected the request", e.TSA)
	case e.Problem == sign.TSAMismatch:
		msg = sprintf("the timestamp authority %s sent a timestamp that is not for this request", e.TSA)
	default:
		msg = sprintf("the timestamp authority %s sent a reply that is not a valid timestamp", e.TSA)
	}
	if e.TSA == "" {
		msg = strings.Replace(msg, "  ", " ", 1) // the service unnamed
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + cause(e.Err)
	}
	return msg
}

// sayFileError says the errors of writing outputs.
func sayFileError(err error) (string, bool) {
	switch e := err.(type) {
	case *atomicfile.ExistsError:
		return sprintf("%s already exists", e.Path), true
	case *atomicfile.WriteError:
		return sprintf("writing %s: %s", e.Path, cause(e.Err)), true
	case *verify.ExtractError:
		return sprintf("writing the extracted document: %s", cause(e.Err)), true
	}
	return "", false
}

// sayVerifyError says the errors of reading what is verified and what it
// is verified against: trust anchors, trusted lists, PEC and XML files.
func sayVerifyError(err error) (string, bool) {
	switch e := err.(type) {
	case *verify.TrustError:
		return sprintf("reading trust anchors from %s: %s", e.Source, cause(e.Err)), true
	case *verify.MIMEError:
		return sprintf("reading MIME (.m7m) file: %s", e.Msg), true
	case *tsl.Error:
		return sprintf("reading trusted list %s: %s", e.Source, cause(e.Err)), true
	case *tsl.FormatError:
		return tslFormatWords(e), true
	case *tsl.SignatureError:
		switch e.Problem {
		case "unsigned":
			return tr("the trusted list is not signed"), true
		case "not_pinned":
			if e.Signer != "" {
				return sprintf("the trusted list is signed by %s, a certificate not given as the list's signer", e.Signer), true
			}
			return tr("the trusted list's signer is not one given as trusted"), true
		case "signer_validity":
			return tr("the trusted list was signed with a certificate that had expired before the list's issue date"), true
		}
		switch {
		case e.BadSignerCert && e.Err != nil:
			return sprintf("the signing certificate in the list cannot be read: %s", cause(e.Err)), true
		case e.Err != nil:
			return sprintf("the list's XML signature is not valid: %s", errorText(e.Err)), true
		}
		return sprintf("the trusted list's signature does not verify: %s", e.Reason), true
	case *pec.DaticertError:
		return sprintf("reading daticert.xml: %s", cause(e.Err)), true
	case *pec.MIMEError:
		return sprintf("MIME structure at byte %d: %s", e.Offset, e.Msg), true
	case *pec.NotPECError:
		return sprintf("not a PEC message: %s", e.Reason), true
	case *pec.OutlookMsgError:
		return tr("an Outlook .msg file: the MIME message, and the provider's signature with it, was lost in the export"), true
	case *pec.OpaqueError:
		return tr("an opaque-signed message (application/pkcs7-mime): not supported, only multipart/signed"), true
	case xades.NoSignatureError, *xades.NoSignatureError:
		return tr("the XML document holds no signature"), true
	case *xades.MalformedError:
		return sprintf("not well-formed XML: %s", cause(e.Err)), true
	case *xades.TooLargeError:
		return sprintf("the XML document is larger than %d bytes", e.Max), true
	case *xmldsig.FormatError:
		return sprintf("the XML signature is not well-formed: %s", e.Reason), true
	case *xmldsig.UnsupportedError:
		return sprintf("unsupported %s %q", xmldsigWhat(e.What), e.Algorithm), true
	case *xmldsig.ReferenceError:
		return sprintf("reference %q: %s", e.URI, cause(e.Err)), true
	case *xmldsig.DetachedError:
		return sprintf("reading the detached content of %q: %s", e.URI, cause(e.Err)), true
	}
	return "", false
}

// xmldsigWhat names a kind of XML-DSig algorithm.
func xmldsigWhat(what string) string {
	switch what {
	case "canonicalization":
		return tr("canonicalization")
	case "transform":
		return tr("transform")
	case "digest":
		return tr("digest algorithm")
	case "signature":
		return tr("signature algorithm")
	case "reference URI":
		return tr("reference URI")
	}
	return what
}

// sayFormatError says the errors of files that cannot be read: CMS, PDF.
func sayFormatError(err error) (string, bool) {
	switch e := err.(type) {
	case *cms.FormatError:
		return sprintf("malformed CMS/BER data at byte %d: %s", e.Offset, e.Msg), true
	case *cms.TooLargeError:
		return sprintf("element at byte %d claims %d bytes, more than the %d allowed", e.Offset, e.Length, e.Limit), true
	case *cms.UnrecognizedError:
		if e.Looks != "" {
			return sprintf("not a signed file: it looks like %s", looksWords(e.Looks)), true
		}
		return tr("not a signed file: neither DER/BER, base64, PEM nor MIME"), true
	case *cms.NotSignedDataError:
		return sprintf("CMS content type %s is not SignedData", e.ContentType.String()), true
	case *pdf.PasswordError:
		if e.Given {
			return tr("the PDF is encrypted and the password given does not open it"), true
		}
		return tr("the PDF is encrypted and needs a password"), true
	case *pdf.UnsupportedEncryptionError:
		return sprintf("unsupported PDF encryption: %s", e.What), true
	case *pdf.FilterError:
		return sprintf("pdf stream at offset %d: %s", e.Offset, e.Msg), true
	case *pdf.SyntaxError:
		return sprintf("pdf syntax error at offset %d: %s", e.Offset, pdfSyntaxWords(e.Msg)), true
	case *pdf.LimitError:
		return sprintf("pdf: %s at offset %d exceeds the reader's limit", pdfLimitWords(e.What), e.Offset), true
	case *pdf.NotPDFError:
		return tr("not a PDF file (no %PDF- header)"), true
	case *pades.EncryptedError:
		return tr("the PDF is encrypted and no password was given"), true
	case *pades.CertifiedError:
		return sprintf("the PDF is certified with DocMDP P=%d: its author forbade any change, signatures included", e.P), true
	case *pades.MalformedError:
		return sprintf("the PDF cannot be read: %s", cause(e.Err)), true
	case *pades.FieldExistsError:
		return sprintf("the PDF already has a field named %q", e.Name), true
	case *pades.PageError:
		return sprintf("page %d does not exist: the document has %d pages", e.Page, e.Pages), true
	case *pades.RectError:
		box := fmt.Sprint(e.Rect)
		switch e.Reason {
		case "outside_page":
			return sprintf("the signature box %s is outside the page %s", box, fmt.Sprint(e.MediaBox)), true
		case "too_small":
			return sprintf("the signature box %s is too small for its three lines of text", box), true
		}
		return sprintf("the signature box %s is empty (want x1 < x2 and y1 < y2)", box), true
	case *pades.PDFAError:
		return sprintf("the PDF claims PDF/A-%s%s conformance, which a visible signature with a font that is not embedded would break", e.Part, strings.ToLower(e.Conformance)), true
	}
	return "", false
}

// looksWords says what a file that is not signed looks like.
func looksWords(looks string) string {
	switch looks {
	case "an empty file":
		return tr("an empty file")
	case "a PDF document (PAdES signatures are inside the PDF, not in a .p7m)":
		return tr("a PDF document (PAdES signatures are inside the PDF, not in a .p7m)")
	case "a ZIP archive (ASiC or office document)":
		return tr("a ZIP archive (ASiC or office document)")
	case "an XML document (XAdES or an unsigned file)":
		return tr("an XML document (XAdES or an unsigned file)")
	case "an image":
		return tr("an image")
	}
	return looks
}

// pdfLimitWords names what of a PDF went past a reader's limit.
func pdfLimitWords(what string) string {
	switch what {
	case "object size":
		return tr("object size")
	case "string length":
		return tr("string length")
	case "name length":
		return tr("name length")
	case "nesting depth":
		return tr("nesting depth")
	case "decoded stream size":
		return tr("decoded stream size")
	case "number of cross-reference sections":
		return tr("number of cross-reference sections")
	case "stream length":
		return tr("stream length")
	case "page count":
		return tr("page count")
	}
	return what
}

// saySentinel says the libraries' sentinel errors.
func saySentinel(err error) (string, bool) {
	switch err {
	case pkcs11.ErrNoCgo:
		return tr("this firma was built without cgo: PKCS#11 support is missing"), true
	case pkcs11.ErrUnlockMethod:
		return tr("unknown unlock method: want so-login or setpin"), true
	case cms.ErrTruncated:
		return tr("truncated input"), true
	case xmldsig.ErrDigestMismatch:
		return tr("digest mismatch: the signed data was changed"), true
	case xmldsig.ErrNotFound:
		return tr("no element with that ID"), true
	case xmldsig.ErrAmbiguousID:
		return tr("more than one element with that ID"), true
	case xmldsig.ErrSignatureMismatch:
		return tr("the signature value does not match SignedInfo"), true
	}
	return "", false
}

// saySystemError says the file errors of the operating system a person
// meets most (a missing file, a folder without permission), keeping the
// system's own text for the rest.
func saySystemError(err error) (string, bool) {
	switch e := err.(type) {
	case *fs.PathError:
		why := cause(e.Err)
		switch e.Op {
		case "open":
			return sprintf("opening %s: %s", e.Path, why), true
		case "read":
			return sprintf("reading %s: %s", e.Path, why), true
		case "write":
			return sprintf("writing %s: %s", e.Path, why), true
		case "mkdir":
			return sprintf("creating the folder %s: %s", e.Path, why), true
		case "remove", "unlinkat":
			return sprintf("removing %s: %s", e.Path, why), true
		}
		return sprintf("%s: %s", e.Path, why), true
	case *os.LinkError:
		return sprintf("renaming %s to %s: %s", e.Old, e.New, cause(e.Err)), true
	case syscall.Errno:
		switch e {
		case syscall.ENOENT:
			return tr("no such file or directory"), true
		case syscall.EACCES, syscall.EPERM:
			return tr("permission denied"), true
		case syscall.ENOSPC:
			return tr("no space left on device"), true
		case syscall.EROFS:
			return tr("read-only file system"), true
		case syscall.EISDIR:
			return tr("is a directory"), true
		case syscall.ENOTDIR:
			return tr("not a directory"), true
		case syscall.EEXIST:
			return tr("file exists"), true
		case syscall.EDQUOT:
			return tr("disk quota exceeded"), true
		}
	}
	switch err {
	case fs.ErrNotExist:
		return tr("file does not exist"), true
	case fs.ErrPermission:
		return tr("permission denied"), true
	case fs.ErrExist:
		return tr("file already exists"), true
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

// tslFormatWords says why a file is not a trusted list firma can read.
func tslFormatWords(e *tsl.FormatError) string {
	switch e.Problem {
	case tsl.FormatTooLarge:
		if e.Limit >= 1<<20 {
			return sprintf("larger than %d MiB", e.Limit>>20)
		}
		return sprintf("larger than %d bytes", e.Limit)
	case tsl.FormatNotXML:
		return sprintf("not well-formed XML: %s", cause(e.Err))
	case tsl.FormatEmpty:
		return tr("not a trusted list (no XML element)")
	case tsl.FormatNoList:
		return tr("not a trusted list (no TrustServiceStatusList element)")
	case tsl.FormatNotList:
		return sprintf("not a trusted list (the root element is %s, not TrustServiceStatusList)", e.Element)
	case tsl.FormatRoots:
		return tr("more than one root element")
	case tsl.FormatUnbalanced:
		return sprintf("element %s closed by %s", e.Element, e.Closer)
	case tsl.FormatTruncated:
		return tr("the list is truncated")
	case tsl.FormatBadTime:
		if e.Service != "" {
			return sprintf("service %q: %s: %q is not a date and time", e.Service, e.Field, e.Value)
		}
		return sprintf("%s: %q is not a date and time", e.Field, e.Value)
	case tsl.FormatRefTwice:
		return tr("more than one reference to the list")
	case tsl.FormatRefNotEnvelope:
		return tr("the reference to the list does not remove the signature (enveloped-signature transform)")
	case tsl.FormatRefNone:
		return tr("no reference covers the whole list")
	}
	return tr("not a trusted list")
}

// pdfSyntaxWords says the PDF reader's commonest syntax problems (a file
// cut short or not a PDF at all, a broken cross-reference) in the user's
// words; the reader's other, rarer messages stay as it writes them.
// TestPDFSyntaxWords holds each case to a message internal/pdf writes.
func pdfSyntaxWords(msg string) string {
	switch msg {
	case "no startxref at the end of the file":
		return tr("no startxref at the end of the file")
	case "startxref without an offset":
		return tr("startxref without an offset")
	case "cross-reference offset outside the file":
		return tr("cross-reference offset outside the file")
	case "no cross-reference section here":
		return tr("no cross-reference section here")
	case "bad cross-reference entry":
		return tr("bad cross-reference entry")
	case "trailer is not a dictionary":
		return tr("trailer is not a dictionary")
	case "object offset outside the file":
		return tr("object offset outside the file")
	case "no object header here":
		return tr("no object header here")
	case "stream /Length runs past the end of the file":
		return tr("stream /Length runs past the end of the file")
	}
	return msg
}
