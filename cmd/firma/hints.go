package main

// The hints: what to do next, in the CLI's words. The libraries return
// errors that carry data (which kind, which problem, how many tries); the
// sentences a person reads, and the flags and commands they name, are
// chosen here, so that a flag renamed is one edit and another program
// that uses the libraries gets facts, not firma's advice.

import (
	"errors"
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

// agidTSL is where AgID publishes the Italian trusted list.
const agidTSL = "https://eidas.agid.gov.it/TL/TSL-IT.xml"

// libraryHints give the hint for one error of the library packages (not
// its chain: hintOf walks the chain from the outside in, so the most
// specific context wins), or false.
var libraryHints = []func(err error) (string, bool){
	hintAs(moduleHint),
	hintAs(pinRulesHint),
	hintAs(func(e *pkcs11.NoModuleError) string {
		return tr("install your card's middleware (for the Aruba Key: Bit4id or the Aruba Sign kit), or name the module with --module PATH or FIRMA_PKCS11_MODULE")
	}),
	hintAs(func(e *pkcs11.NoTokenError) string {
		switch {
		case len(e.Available) > 0:
			return sprintf("tokens seen: %s; choose one with --token LABEL", tokenList(e.Available))
		case e.Modules == 0:
			return tr("no PKCS#11 module could be loaded: run 'firma modules' to see why")
		case len(e.MissingModules) > 0:
			return sprintf("the card's own middleware is not installed: install the one that provides %s", strings.Join(e.MissingModules, ", "))
		}
		return tr("insert the card (check the reader with 'firma readers'), or name another module with --module")
	}),
	hintAs(func(e *pkcs11.AmbiguousTokenError) string {
		return sprintf("choose one with --token LABEL (or a pkcs11: URI): %s", tokenList(e.Tokens))
	}),
	hintAs(func(e *pkcs11.NoCertificateError) string {
		if e.AuthOnly {
			return tr("the signature certificate may be on another slot of the same card ('firma status --all' lists them; pick it with --token), or only the vendor module shows it (try --module with the Bit4id or Athena module)")
		}
		return tr("'firma cert --all' lists the certificates on the token")
	}),
	hintAs(func(e *pkcs11.NoKeyError) string {
		return tr("the key may sit behind another PIN on another slot: choose the token with --token")
	}),
	hintAs(func(e *pkcs11.PINIncorrectError) string {
		switch {
		case e.SO && e.State == pkcs11.PINLocked:
			return tr("the PUK is blocked: the card cannot be used any more, a new kit is needed")
		case e.SO:
			return tr("check the PUK on the paper that came with the card; three wrong PUKs make the card useless")
		case e.State == pkcs11.PINLocked:
			return tr("unlock it with the PUK: firma pin unlock")
		case e.State == pkcs11.PINFinalTry:
			return tr("one more wrong PIN blocks it: check the PIN; firma will ask for --allow-final-try next time")
		}
		return tr("firma does not retry: check the PIN and run the command again (3 wrong PINs block it)")
	}),
	hintAs(func(e *pkcs11.PINLockedError) string {
		if e.SO {
			return tr("with a blocked PUK the card cannot be unlocked: a new kit is needed")
		}
		return tr("unlock it with the PUK: firma pin unlock")
	}),
	hintAs(func(e *pkcs11.FinalTryError) string {
		return tr("if you are sure of it, run again with --allow-final-try")
	}),
	hintAs(func(e *pkcs11.SignNotSupportedError) string {
		if e.CardVersion != "" && e.KeyBits > 1024 {
			return tr("OpenSC signs with 2048-bit keys only on cards that say CNS 1.1; nothing was signed: use the card maker's module ('firma modules' lists those found) with --module")
		}
		return tr("use the card maker's module ('firma modules' lists those found) with --module")
	}),
	hintAs(func(e *pkcs11.TokenRemovedError) string {
		return tr("insert the card again and repeat the command; no output was written")
	}),
	hintAs(func(e *card.ATRError) string {
		return tr("the card answered with an invalid ATR: clean the contacts and reinsert it; if it persists the card or reader is faulty")
	}),
	hintAs(func(e *card.NotSupportedError) string {
		return tr("use the card's PKCS#11 module instead: run the same command without --pcsc ('firma modules' lists the modules firma finds); nothing was sent to the card")
	}),
	hintAs(func(e *card.PINError) string {
		switch {
		case e.Blocked && e.Secret.PUK:
			return tr("three wrong PUKs make the card unusable for good: the signature certificate on it cannot be used any more; ask your certification authority for a new signature kit (for Aruba Key: a new purchase)")
		case e.Blocked:
			return sprintf("unblock the %s with the PUK from the kit's paper letter: firma pin unlock --pcsc", secretWord(e.Secret.Name))
		case e.Secret.PUK:
			return tr("firma does not retry: check the PUK on the kit's paper letter (8 digits) and run the command again; when no try is left the card is unusable for good")
		}
		return tr("firma does not retry: check the PIN and run the command again; when no try is left the PIN is blocked and only the PUK unblocks it (firma pin unlock --pcsc)")
	}),
	hintAs(func(e *card.FinalTryError) string {
		return tr("nothing was sent to the card; if you are sure of the value, run again with --allow-final-try")
	}),
	hintAs(func(e *card.StatusError) string {
		return tr("the card refused the command as firma's profile describes it, which may not fit this card batch: use the card's PKCS#11 module instead (the same command without --pcsc)")
	}),
	// card.Error and the bare Kinds: by kind.
	func(err error) (string, bool) {
		var k card.Kind
		switch e := err.(type) {
		case card.Kind:
			k = e
		case *card.Error:
			k = e.Kind
		default:
			return "", false
		}
		h := pcscHint(k)
		return h, h != ""
	},
	hintAs(func(e *atomicfile.ExistsError) string {
		return tr("choose another output name, or pass --force to replace it")
	}),
	hintAs(func(e *atomicfile.WriteError) string {
		return tr("check that the output folder exists, is writable and has free space; nothing was left behind")
	}),
	hintAs(func(e *cms.UnrecognizedError) string {
		return tr("firma reads CAdES files (.p7m, .p7s, .tsd, .m7m) in DER, BER, base64 or PEM form")
	}),
	hintAs(func(e *cms.NotSignedDataError) string {
		return tr("the file is a CMS object but not a signature (encrypted or another type)")
	}),
	hintAs(func(e *cms.TooLargeError) string {
		return tr("the file is damaged or hostile: a part that must fit in memory claims an implausible size")
	}),
	hintAs(func(e *cms.FormatError) string {
		return tr("the file is damaged or is not a signed file (CAdES .p7m/.p7s); ask the sender for a new copy")
	}),
	hintAs(func(e *batch.BrokenSignatureError) string {
		return tr("check the file with 'firma verify'; to sign it as it is, as a document in a new envelope, use --nest")
	}),
	hintAs(func(e *batch.OutputDirError) string {
		if errors.Is(e.Err, fs.ErrNotExist) {
			return tr("create the folder first")
		}
		return tr("choose a folder you can write into with --output-dir, or fix the folder's permissions")
	}),
	hintAs(func(e *batch.InputError) string {
		switch {
		case errors.Is(e.Err, fs.ErrNotExist):
			return tr("check the name, and the folder firma runs in")
		case errors.Is(e.Err, fs.ErrPermission):
			return tr("this user may not read it: check its permissions")
		}
		return ""
	}),
	hintAs(func(e *batch.DocumentError) string {
		if e.Given {
			return ""
		}
		return tr("give the signed document with --content FILE")
	}),
	hintAs(func(e *batch.ConflictError) string {
		switch e.Problem {
		case batch.SignedNeedsOutput:
			return sprintf("give --output-dir DIR (the copy keeps its name) or --output FILE, e.g. firma sign --output-dir firmati/ %s; --nest wraps it in a new envelope instead", e.Input)
		case batch.OutputIsInput, batch.OutputIsDocument:
			return tr("choose another output name")
		case batch.DetachedCoSign:
			return tr("to sign the file itself detached, in a new envelope, add --nest")
		case batch.CounterNeedsSigned:
			return tr("--counter counter-signs a signature in a .p7m or .p7s; to sign a document, leave it out")
		}
		return tr("see 'firma sign --help'")
	}),
	hintAs(func(e *sign.NotSignedError) string {
		return tr("sign it as a plain document with --nest, or check that the file is a complete .p7m")
	}),
	hintAs(func(e *sign.DetachedContentError) string { return tr("give the signed document with --content FILE") }),
	hintAs(func(e *sign.NotDetachedError) string { return tr("co-sign it without --content") }),
	hintAs(func(e *sign.ContentMismatchError) string {
		if e.Reason != "" {
			return tr("sign the document with --detached into a signature of your own instead")
		}
		return tr("give the original document with --content FILE (firma verify --content FILE SIG.p7s checks a pair)")
	}),
	hintAs(func(e *sign.SignerIndexError) string {
		return sprintf("pass --signer N with N from 1 to %d (firma verify lists them in order)", e.Count)
	}),
	hintAs(func(e *sign.CertificateError) string {
		switch e.Problem {
		case sign.CertExpired:
			return tr("an expired certificate cannot be renewed: a new signature certificate (a new kit) is needed")
		case sign.CertNotYetValid:
			return tr("wait until the certificate becomes valid, or check the computer's clock")
		}
		return tr("choose the signature certificate with --key (an Italian card also carries a CNS authentication certificate, which cannot sign documents)")
	}),
	hintAs(func(e *sign.KeyMismatchError) string {
		return tr("the key and the certificate do not belong together: choose the key with --key, or report the token's contents")
	}),
	hintAs(func(e *sign.ContentChangedError) string {
		return tr("wait until the file is no longer being written (a download or a program saving it), then sign again")
	}),
	hintAs(func(e *sign.UnsupportedError) string {
		if e.Problem == sign.PSSWithECDSA {
			return tr("leave out --pss: PSS is for RSA keys, an ECDSA key signs with ECDSA")
		}
		return tr("sign with an RSA or ECDSA key and SHA-256, SHA-384 or SHA-512")
	}),
	hintAs(tsaHint),
	hintAs(func(e *verify.MIMEError) string {
		return tr("an .m7m is a MIME multipart message holding a .p7m and its .tst timestamp token")
	}),
	hintAs(func(e *verify.TrustError) string {
		return tr("--trust takes a PEM or DER certificate file, or a directory of them; --tsl takes a trusted list XML (TSL-IT.xml)")
	}),
	hintAs(tslSignatureHint),
	hintAs(func(e *tsl.Error) string {
		if se := (*tsl.SignatureError)(nil); errors.As(e.Err, &se) {
			return tslSignatureHint(se) // the cause knows better
		}
		return sprintf("download the Italian trusted list from AgID (%s) and pass it with --tsl", agidTSL)
	}),
	hintAs(func(e *verify.ExtractError) string {
		return tr("check the free space and permissions of the output directory")
	}),
}

// hintAs turns a hint for one error type into a matcher of that type.
func hintAs[T error](h func(T) string) func(error) (string, bool) {
	return func(err error) (string, bool) {
		t, ok := err.(T)
		if !ok {
			return "", false
		}
		return h(t), true
	}
}

func tokenList(ts []pkcs11.TokenInfo) string {
	var names []string
	for _, t := range ts {
		names = append(names, sprintf("%q (serial %s)", t.Label, t.Serial))
	}
	return strings.Join(names, ", ")
}

// pcscHint says what to do about a kind of PC/SC failure.
func pcscHint(k card.Kind) string {
	switch k {
	case card.ErrNoPCSCSupport:
		return tr("install a firma build made with cgo and libpcsclite, or use --module to reach the token through PKCS#11 only")
	case card.ErrNoService:
		return tr("start it with `sudo systemctl start pcscd` (install it with `sudo apt install pcscd` if missing)")
	case card.ErrAccessDenied:
		return tr("polkit lets only users of the active local session reach the reader: run firma from the desktop session, not over ssh or from a service, or ask the administrator for a polkit rule for org.debian.pcsc-lite.access_pcsc")
	case card.ErrNoReader:
		return tr("plug in the Aruba Key or the card reader; 'firma readers' lists the readers pcscd sees")
	case card.ErrNoCard:
		return tr("insert the card (an Aruba Key holds its card inside: unplug and plug it again); 'firma readers --wait' waits for it")
	case card.ErrRemoved:
		return tr("keep the card in the reader until the command ends, then run the command again")
	case card.ErrBusy:
		return tr("close programs that hold the card exclusively: gpg's scdaemon (`gpgconf --kill scdaemon`), browsers with a PKCS#11 module loaded (Firefox, Chrome), the vendor's signing software; then retry")
	case card.ErrUnresponsive:
		return tr("unplug the key or take the card out, put it back, and retry; if it persists, try another USB port or reader")
	case card.ErrWaitTimeout:
		return tr("insert the card (or take it out, for --wait=removed) and run the command again, or give a longer --timeout")
	case card.ErrPCSC:
		return tr("restart pcscd with `sudo systemctl restart pcscd` and replug the reader")
	}
	return ""
}

func tsaHint(e *sign.TimestampError) string {
	switch e.Problem {
	case sign.TSAUnreachable:
		return tr("check the --tsa URL and the network (a proxy is taken from HTTPS_PROXY / HTTP_PROXY); nothing was signed for this file")
	case sign.TSATimeout:
		return tr("the service may be busy or blocked by a firewall: try again later, or allow more time with --tsa-timeout")
	case sign.TSAUnauthorized:
		if e.NoCredentials {
			return tr("give the user of your timestamp account with --tsa-user, and its password with --tsa-password-file, --tsa-password-fd or FIRMA_TSA_PASSWORD")
		}
		return tr("check --tsa-user and the password (--tsa-password-file, --tsa-password-fd or FIRMA_TSA_PASSWORD); a prepaid timestamp account may also be used up")
	case sign.TSAHTTPError:
		if e.Location != "" {
			return sprintf("the service redirects elsewhere: if you trust it, give that URL with --tsa (%s)", e.Location)
		}
		if e.HTTPStatus >= 500 {
			return tr("the service has a problem: try again later")
		}
		return tr("check the --tsa URL: it must be the RFC 3161 address your provider gives, not its web page")
	case sign.TSARejected:
		return tr("the service refused to timestamp: check --tsa-policy (leave it out to use the service's default) and your timestamp allowance with the provider")
	case sign.TSAMismatch:
		return tr("the answer does not belong to the request (a faulty service, or something between you and it answering instead): try again; if it persists, contact the provider")
	}
	return tr("check that --tsa is the RFC 3161 address of a timestamp service (not a web page); try again, then contact the provider")
}

func tslSignatureHint(e *tsl.SignatureError) string {
	switch e.Problem {
	case "unsigned":
		return sprintf("AgID's TSL-IT.xml is always signed: download it again from %s\nfor a hand-made list that you trust, add --tsl-unsigned", agidTSL)
	case "not_pinned":
		if e.Signer == "" {
			return tr("give the list's signing certificate with --tsl-signer: AgID's is published in the EU List of Trusted Lists")
		}
		return sprintf("the list is signed by %s (SHA-256 %s)\nif that is AgID's signing certificate as published in the EU List of Trusted Lists, add it with --tsl-signer; otherwise download the list again", e.Signer, e.SignerSHA256)
	case "signer_validity":
		return sprintf("the list was signed with a certificate that had expired before the date the list gives as its issue date: download the current list from %s", agidTSL)
	}
	return sprintf("the list was changed or damaged after it was signed: download it again from %s", agidTSL)
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
