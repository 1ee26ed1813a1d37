package main

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/language"

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

const libModule = "github.com/firma-dev/firma/"

// errorPackages are the library packages whose errors can reach a person.
var errorPackages = []string{
	"card", "pkcs11", "certinfo", "sign", "verify", "verify/tsl", "pades", "pec", "xades",
	"internal/atomicfile", "internal/batch", "internal/cms", "internal/pdf", "internal/pinrules",
	"internal/xmldsig", "internal/ctxio",
}

// unsaidErrors are the error types of those packages that sayError does
// not word, each with the reason no person reads its text by itself.
var unsaidErrors = map[string]string{
	// The dynamic loader's own text (dlerror), a system text like
	// "connection refused": *pkcs11.ModuleError says it inside its own
	// words, and the hint (moduleHint) says what to do.
	"pkcs11.ModuleLoaderError": "the system loader's text",
	// Unexported: the verifier turns it into a verification report's
	// reason (verify/signer.go); it is never returned to the CLI.
	"verify.inactiveAnchorError": "unexported, becomes a report reason",
}

// libraryErrorTypes lists "pkg/path.Type" for every type with an
// Error() string method in the non-test files of errorPackages.
func libraryErrorTypes(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	var out []string
	for _, dir := range errorPackages {
		files, _ := filepath.Glob(filepath.Join("..", "..", dir, "*.go"))
		if len(files) == 0 {
			t.Fatalf("no Go files in %s", dir)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Recv == nil || fd.Name.Name != "Error" || fd.Type.Params.NumFields() != 0 ||
					fd.Type.Results.NumFields() != 1 {
					continue
				}
				if id, ok := fd.Type.Results.List[0].Type.(*ast.Ident); !ok || id.Name != "string" {
					continue
				}
				recv := fd.Recv.List[0].Type
				if s, ok := recv.(*ast.StarExpr); ok {
					recv = s.X
				}
				if id, ok := recv.(*ast.Ident); ok {
					out = append(out, dir+"."+id.Name)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

// saidErrorTypes lists "pkg/path.Type" for every type the type switches of
// errortext.go's say functions name.
func saidErrorTypes(t *testing.T) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "errortext.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	imports := map[string]string{}
	for _, im := range f.Imports {
		p, _ := strconv.Unquote(im.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if im.Name != nil {
			name = im.Name.Name
		}
		imports[name] = strings.TrimPrefix(p, libModule)
	}
	said := map[string]bool{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || !strings.HasPrefix(fd.Name.Name, "say") {
			continue
		}
		ast.Inspect(fd, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSwitchStmt)
			if !ok {
				return true
			}
			for _, c := range ts.Body.List {
				for _, e := range c.(*ast.CaseClause).List {
					if s, ok := e.(*ast.StarExpr); ok {
						e = s.X
					}
					sel, ok := e.(*ast.SelectorExpr)
					if !ok {
						continue
					}
					if x, ok := sel.X.(*ast.Ident); ok {
						said[imports[x.Name]+"."+sel.Sel.Name] = true
					}
				}
			}
			return true
		})
	}
	return said
}

// TestEveryLibraryErrorIsSaid: every error type of the libraries is worded
// by sayError and has a sample in errorSamples (so that
// TestErrorTextLanguages checks its words), or is in unsaidErrors with its
// reason. A new error type fails here until it is.
func TestEveryLibraryErrorIsSaid(t *testing.T) {
	types := libraryErrorTypes(t)
	if len(types) < 60 {
		t.Fatalf("found only %d error types: %v", len(types), types)
	}
	said := saidErrorTypes(t)
	sampled := map[string]bool{}
	for _, s := range errorSamples() {
		rt := reflect.TypeOf(s.err)
		if rt.Kind() == reflect.Pointer {
			rt = rt.Elem()
		}
		sampled[strings.TrimPrefix(rt.PkgPath(), libModule)+"."+rt.Name()] = true
	}
	found := map[string]bool{}
	for _, typ := range types {
		found[typ] = true
		name := typ[strings.LastIndex(typ, "/")+1:]
		if _, ok := unsaidErrors[name]; ok {
			if said[typ] {
				t.Errorf("%s is in unsaidErrors but sayError words it: take it out of the list", typ)
			}
			continue
		}
		if !said[typ] {
			t.Errorf("%s: no case in errortext.go's sayError: an Italian user would read its English Error()", typ)
		}
		if !sampled[typ] {
			t.Errorf("%s: no sample in errorSamples", typ)
		}
	}
	for name := range unsaidErrors {
		ok := false
		for typ := range found {
			ok = ok || typ[strings.LastIndex(typ, "/")+1:] == name
		}
		if !ok {
			t.Errorf("unsaidErrors names %s, which no library defines any more", name)
		}
	}
}

// errorSample is an error as a library returns it, and the parts of its
// text that stay as they are in every language (names, paths, technical
// details the library gives as free text, system texts).
type errorSample struct {
	err  error
	keep []string
}

func errorSamples() []errorSample {
	two, five := 2, 5
	notAfter := time.Date(2026, 1, 2, 10, 0, 0, 0, time.UTC)
	missing := &fs.PathError{Op: "open", Path: "/home/mario/referto.pdf", Err: syscall.ENOENT}
	denied := &fs.PathError{Op: "open", Path: "/home/mario/referto.pdf", Err: syscall.EACCES}
	refused := errors.New("dial tcp 127.0.0.1:9: connect: connection refused")
	return []errorSample{
		// card
		{&card.ATRError{ATR: []byte{0x3b, 0x8f}, Offset: 2, Reason: "TCK mismatch"}, []string{"3B 8F", "3B8F", "TCK mismatch"}},
		{card.Code(0x8010001D), []string{"SCARD_E_NO_SERVICE"}},
		{card.Code(0x80100099), nil},
		{card.ErrNoService, []string{"pcscd"}},
		{&card.Error{Kind: card.ErrBusy, Op: "connecting to the card", Reader: "Bit4id miniLector"}, []string{"Bit4id miniLector"}},
		{&card.NotSupportedError{Card: "athena", Reason: "its PIN references are unknown"}, []string{"athena"}},
		{&card.PINError{Op: "verifying the signature PIN", Secret: card.SecretRef{Name: "signature PIN"}, Wrong: true, Remaining: 2}, nil},
		{&card.PINError{Op: "verifying the signature PIN", Secret: card.SecretRef{Name: "signature PIN"}, Wrong: true, Remaining: 1}, nil},
		{&card.PINError{Op: "unblocking the signature PIN", Secret: card.SecretRef{Name: "signature PUK", PUK: true}, Wrong: true, Blocked: true}, nil},
		{&card.PINError{Op: "checking the CNS PIN", Secret: card.SecretRef{Name: "CNS PIN"}, Blocked: true}, nil},
		{&card.FinalTryError{Secret: card.SecretRef{Name: "signature PUK", PUK: true}}, nil},
		{&card.StatusError{Op: "changing the signature PIN", SW: 0x6A88}, nil},
		{&card.UnsafeProbeError{Profile: "aruba", Asked: true}, []string{"aruba", "VERIFY"}},
		// pkcs11
		{&pkcs11.ModuleError{Path: "/usr/lib/libbit4xpki.so", Source: pkcs11.SourceExplicit, Reason: "file not found", Err: &pkcs11.ModuleNotFoundError{Path: "/usr/lib/libbit4xpki.so"}}, []string{"/usr/lib/libbit4xpki.so"}},
		{&pkcs11.ModuleError{Path: "/opt/x.so", Source: "FIRMA_PKCS11_MODULE", Reason: "is a directory, not a module file", Err: &pkcs11.ModuleNotFileError{Path: "/opt/x.so", IsDir: true}}, []string{"/opt/x.so", "FIRMA_PKCS11_MODULE"}},
		{&pkcs11.ModuleNotFileError{Path: "/dev/null"}, nil},
		{&pkcs11.ModuleNotFoundError{Path: "/opt/x.so"}, nil},
		{&pkcs11.ModuleUnreadableError{Path: "/opt/x.so", Err: denied}, []string{"/home/mario/referto.pdf"}},
		{&pkcs11.ModuleArchError{Path: "/opt/x.so", Machine: "AARCH64", Want: "amd64"}, []string{"AARCH64", "amd64"}},
		{&pkcs11.NotPKCS11Error{Path: "/usr/lib/libz.so"}, []string{"C_GetFunctionList"}},
		{&pkcs11.NotPKCS11Error{Path: "/usr/lib/libz.so", Exported: true}, []string{"C_GetFunctionList"}},
		{&pkcs11.ModuleInitError{Path: "/usr/lib/softhsm/libsofthsm2.so", Call: "C_Initialize", Err: errors.New("CKR_GENERAL_ERROR"), ConfigEnv: "SOFTHSM2_CONF", ConfigDefault: "/etc/softhsm/softhsm2.conf"}, []string{"C_Initialize", "CKR_GENERAL_ERROR", "SOFTHSM2_CONF", "/etc/softhsm/softhsm2.conf"}},
		{&pkcs11.NoModuleError{Tried: make([]pkcs11.Candidate, 3)}, nil},
		{&pkcs11.NoTokenError{Selector: "ROSSI"}, []string{"ROSSI"}},
		{&pkcs11.NoTokenError{MissingModules: []string{"libbit4xpki.so"}}, []string{"libbit4xpki.so"}},
		{&pkcs11.AmbiguousTokenError{Tokens: make([]pkcs11.TokenInfo, 2)}, nil},
		{&pkcs11.NoCertificateError{Token: "CNS", AuthOnly: true}, []string{"CNS"}},
		{&pkcs11.NoKeyError{Label: "firma"}, []string{"firma"}},
		{&pkcs11.PINIncorrectError{State: pkcs11.PINCountLow}, nil},
		{&pkcs11.PINIncorrectError{Remaining: &two}, nil},
		{&pkcs11.PINIncorrectError{SO: true, Remaining: &five, State: pkcs11.PINLocked}, nil},
		{&pkcs11.PINLockedError{SO: true}, nil},
		{&pkcs11.FinalTryError{}, nil},
		{&pkcs11.SignNotSupportedError{Module: "OpenSC", Token: "CNS", KeyBits: 2048, CardVersion: "1.0", Code: 0x54}, []string{"OpenSC", "CNS", "ATR"}},
		{&pkcs11.TokenRemovedError{Op: "C_Sign"}, nil},
		{&pkcs11.UnblockUnsupportedError{Module: "Bit4id"}, []string{"Bit4id"}},
		{pkcs11.ErrNoCgo, []string{"cgo"}},
		// PIN rules
		{&pinrules.FormatError{Reason: "the new PIN must be 4 to 255 characters", Problem: pinrules.Length, What: "new PIN", Rules: pinrules.Rules{MinLen: 4, MaxLen: 255}}, nil},
		{&pinrules.FormatError{Reason: "the new PIN must be digits only", Problem: pinrules.Digits, What: "new PIN", Rules: pinrules.Italian}, nil},
		{&pinrules.FormatError{Reason: "the new PIN is the same as the old one", Problem: pinrules.SameAsOld, What: "new PIN"}, nil},
		{&pinrules.FormatError{Reason: "a signature PUK is 8 to 8 digits, and the one given is not: it was not sent, so no try was used", Problem: pinrules.Length, What: "signature PUK", Rules: pinrules.Rules{MinLen: 8, MaxLen: 8, DigitsOnly: true}}, nil},
		{&pinrules.FormatError{Reason: "it holds the card's padding byte", Problem: pinrules.Encoding}, nil},
		{&pinrules.FormatError{Reason: "the token refused its length or characters (no try was counted)", Problem: pinrules.TokenRefused}, nil},
		// sign
		{&sign.CertificateError{Problem: sign.CertExpired, Subject: "MARIO ROSSI", NotAfter: notAfter}, []string{"MARIO ROSSI"}},
		{&sign.CertificateError{Problem: sign.CertNotYetValid, Subject: "MARIO ROSSI", NotBefore: notAfter}, []string{"MARIO ROSSI"}},
		{&sign.CertificateError{Problem: sign.CertNoNonRepudiation, Subject: "MARIO ROSSI"}, []string{"MARIO ROSSI", "nonRepudiation"}},
		{&sign.KeyMismatchError{Subject: "MARIO ROSSI"}, []string{"MARIO ROSSI"}},
		{&sign.ContentChangedError{}, nil},
		{&sign.UnsupportedError{What: "digest algorithm SHA-1", Hash: crypto.SHA1}, []string{"SHA-1"}},
		{&sign.UnsupportedError{What: "Ed25519 keys", KeyAlgorithm: x509.Ed25519}, []string{"Ed25519"}},
		{&sign.UnsupportedError{What: "RSA-PSS with an ECDSA key", Problem: sign.PSSWithECDSA}, []string{"RSA-PSS", "ECDSA"}},
		{&sign.SignerError{Err: &pkcs11.TokenRemovedError{Op: "C_Sign"}}, nil},
		{&sign.InputError{Err: missing}, []string{"/home/mario/referto.pdf"}},
		{&sign.NotSignedError{Err: &cms.FormatError{Offset: 12, Msg: "unexpected end of data"}}, []string{"CMS", "CMS/BER", "unexpected end of data"}},
		{&sign.DetachedContentError{}, nil},
		{&sign.NotDetachedError{}, nil},
		{&sign.ContentMismatchError{Signer: 2}, nil},
		{&sign.ContentMismatchError{Signer: 1, Reason: "its digest algorithm 1.2.3 is not one firma knows"}, []string{"its digest algorithm 1.2.3 is not one firma knows"}},
		{&sign.SignerIndexError{Count: 3}, nil},
		{&sign.SignerIndexError{Index: 4, Count: 3}, nil},
		{&sign.TimestampError{Problem: sign.TSAUnreachable, TSA: "http://127.0.0.1:9/tsa", Err: refused}, []string{"http://127.0.0.1:9/tsa", refused.Error()}},
		{&sign.TimestampError{Problem: sign.TSATimeout, TSA: "https://tsa.example", Timeout: 30 * time.Second}, []string{"https://tsa.example"}},
		{&sign.TimestampError{Problem: sign.TSAUnauthorized, TSA: "https://tsa.example", HTTPStatus: 401, NoCredentials: true}, []string{"https://tsa.example"}},
		{&sign.TimestampError{Problem: sign.TSARejected, Detail: "badPolicy"}, []string{"badPolicy"}},
		{&sign.TimestampError{Problem: sign.TSAHTTPError, TSA: "https://tsa.example", HTTPStatus: 302, Location: "https://elsewhere", Detail: "a redirect, which firma does not follow"}, []string{"https://tsa.example"}},
		{&sign.TSAURLError{Reason: `"tsa.example" has no scheme: write http://... or https://...`, Problem: sign.TSAURLNoScheme, URL: "tsa.example"}, []string{"tsa.example", "http://... o https://..."}},
		{&sign.TSAURLError{Reason: "must not hold a user or password", Credentials: true, Problem: sign.TSAURLCredentials}, nil},
		// batch, atomicfile
		{&batch.InputError{Path: "DIR/assente.pdf", Err: missing}, []string{"DIR/assente.pdf"}},
		{&batch.InputError{Path: "DIR/referto.pdf", Err: denied}, []string{"DIR/referto.pdf"}},
		{&batch.InputError{Path: "DIR/cartella", NotRegular: true}, []string{"DIR/cartella"}},
		{&batch.DocumentError{Signature: "referto.pdf.p7s", Document: "referto.pdf", Given: true, Err: missing}, []string{"referto.pdf.p7s", "/home/mario/referto.pdf"}},
		{&batch.OutputDirError{Dir: "firmati", Err: &fs.PathError{Op: "stat", Path: "firmati", Err: syscall.ENOENT}}, []string{"firmati"}},
		{&batch.ConflictError{Problem: batch.SignedNeedsOutput, Input: "referto.pdf.p7m"}, []string{"referto.pdf.p7m"}},
		{&batch.ConflictError{Problem: batch.SharedOutput, Input: "a.pdf", Other: "b.pdf", Output: "x.p7m"}, []string{"a.pdf", "b.pdf", "x.p7m"}},
		{&batch.ConflictError{Problem: batch.CounterNeedsSigned, Input: "a.pdf"}, []string{"a.pdf", ".p7m", ".p7s"}},
		{&batch.BrokenSignatureError{File: "a.pdf.p7m", Signature: "S1", Layer: 1, Sub: verify.HashFailure, Reason: verify.Messagef("the content does not match the signed digest: it was changed after signing")}, []string{"a.pdf.p7m", "S1", "HASH_FAILURE"}},
		{&atomicfile.ExistsError{Path: "referto.pdf.p7m"}, []string{"referto.pdf.p7m"}},
		{&atomicfile.WriteError{Path: "referto.pdf.p7m", Err: syscall.ENOSPC}, []string{"referto.pdf.p7m"}},
		// verify, tsl, pec, xades, xmldsig
		{&tsl.FormatError{Problem: tsl.FormatTooLarge, Limit: 64 << 20}, []string{"64", "MiB"}},
		{&tsl.FormatError{Problem: tsl.FormatNotXML, Err: errors.New("XML syntax error on line 3")}, []string{"XML", "XML syntax error on line 3"}},
		{&tsl.FormatError{Problem: tsl.FormatNotList, Element: "html"}, []string{"html", "TrustServiceStatusList"}},
		{&tsl.FormatError{Problem: tsl.FormatBadTime, Service: "Firma TEST", Field: "StatusStartingTime", Value: "ieri"}, []string{"Firma TEST", "StatusStartingTime", "ieri"}},
		{&tsl.FormatError{Problem: tsl.FormatRefNotEnvelope}, []string{"enveloped-signature"}},
		{&tsl.SignatureError{Problem: "invalid", Reason: "the list's XML signature is not valid: x", Err: xmldsig.ErrDigestMismatch}, []string{"XML"}},
		{&verify.MIMEError{Msg: "no signed (.p7m) part"}, []string{"no signed (.p7m) part", ".m7m"}},
		{&verify.TrustError{Source: "ca.pem", Err: missing}, []string{"ca.pem", "/home/mario/referto.pdf"}},
		{&verify.ExtractError{Err: syscall.EROFS}, nil},
		{&tsl.Error{Source: "TSL-IT.xml", Err: &tsl.SignatureError{Problem: "unsigned", Reason: "the list is not signed"}}, []string{"TSL-IT.xml"}},
		{&tsl.SignatureError{Problem: "not_pinned", Reason: "signer not pinned", Signer: "CN=AgID"}, []string{"CN=AgID"}},
		{&tsl.SignatureError{Problem: "signer_validity", Reason: "signer expired"}, nil},
		{&pec.DaticertError{Err: errors.New("XML syntax error on line 1: unexpected EOF")}, []string{"daticert.xml", "XML syntax error on line 1: unexpected EOF"}},
		{&pec.MIMEError{Offset: 120, Msg: "missing boundary"}, []string{"MIME", "missing boundary"}},
		{&pec.NotPECError{Reason: "no provider signature (multipart/signed) and no PEC header"}, []string{"no provider signature (multipart/signed) and no PEC header"}},
		{&pec.OutlookMsgError{}, []string{"Outlook", ".msg", "MIME"}},
		{&pec.OpaqueError{}, []string{"application/pkcs7-mime", "multipart/signed"}},
		{xades.NoSignatureError{}, []string{"XML"}},
		{&xades.MalformedError{Err: errors.New("XML syntax error on line 3")}, []string{"XML syntax error on line 3"}},
		{&xades.TooLargeError{Max: 1 << 20}, []string{"XML"}},
		{&xmldsig.FormatError{Reason: "SignedInfo is missing"}, []string{"SignedInfo is missing"}},
		{&xmldsig.UnsupportedError{What: "canonicalization", Algorithm: "http://example/c14n"}, []string{"http://example/c14n"}},
		{&xmldsig.ReferenceError{URI: "#doc", Err: xmldsig.ErrDigestMismatch}, []string{"#doc"}},
		{&xmldsig.DetachedError{URI: "fattura.xml", Err: missing}, []string{"fattura.xml", "/home/mario/referto.pdf"}},
		// cms, pdf, pades
		{&cms.FormatError{Offset: 40, Msg: "length runs past the end"}, []string{"CMS/BER", "length runs past the end"}},
		{&cms.TooLargeError{Offset: 4, Length: 1 << 40, Limit: 1 << 30}, nil},
		{&cms.UnrecognizedError{Looks: "a PDF document (PAdES signatures are inside the PDF, not in a .p7m)"}, []string{"PDF", "PAdES", ".p7m"}},
		{&cms.UnrecognizedError{}, []string{"DER/BER", "base64", "PEM", "MIME"}},
		{&cms.NotSignedDataError{ContentType: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 3}}, []string{"CMS", "1.2.840.113549.1.7.3", "SignedData"}},
		{fmt.Errorf("reading the signature: %w", cms.ErrTruncated), []string{"reading the signature"}},
		{&pdf.PasswordError{Given: true}, []string{"PDF"}},
		{&pdf.UnsupportedEncryptionError{What: "security handler Adobe.PubSec"}, []string{"PDF", "security handler Adobe.PubSec"}},
		{&pdf.FilterError{Offset: 900, Msg: "unknown filter LZWDecode"}, []string{"PDF", "unknown filter LZWDecode"}},
		{&pdf.SyntaxError{Offset: 10, Msg: "expected obj"}, []string{"PDF", "expected obj"}},
		{&pdf.LimitError{Offset: 77, What: "nesting depth"}, []string{"PDF"}},
		{&pdf.NotPDFError{}, []string{"PDF", "%PDF-"}},
		{&pades.EncryptedError{}, []string{"PDF"}},
		{&pades.CertifiedError{P: 1}, []string{"PDF", "DocMDP"}},
		{&pades.MalformedError{Err: &pdf.SyntaxError{Offset: 10, Msg: "expected obj"}}, []string{"PDF", "expected obj"}},
		{&pades.FieldExistsError{Name: "Firma1"}, []string{"PDF", "Firma1"}},
		{&pades.PageError{Page: 3, Pages: 2}, nil},
		{&pades.RectError{Rect: [4]float64{0, 0, 10, 10}, Reason: "too_small"}, []string{"[0 0 10 10]"}},
		{&pades.PDFAError{Part: "1", Conformance: "B"}, []string{"PDF", "PDF/A-1b"}},
		// The operating system's file errors, as firma's own code wraps them.
		{missing, []string{"/home/mario/referto.pdf"}},
		{&os.LinkError{Op: "rename", Old: "a.tmp", New: "a.p7m", Err: syscall.EACCES}, []string{"a.tmp", "a.p7m"}},
	}
}

// englishWords are words no Italian sentence of firma holds.
var englishWords = regexp.MustCompile(`(?i)\b(the|is|not|of|and|with|cannot|was|does|has|this|which|its|are|by|reading|writing|wrong|found|than|into|no|such|denied|left|tries|file not)\b`)

// TestErrorTextLanguages: in English errorText is the library's Error(),
// as it always was; in Italian it is another text that holds no English
// sentence of the catalog and no English word outside the data it quotes.
func TestErrorTextLanguages(t *testing.T) {
	defer setLanguage(language.English)
	for _, s := range errorSamples() {
		setLanguage(language.English)
		en := errorText(s.err)
		if en != s.err.Error() {
			t.Errorf("%T in English: %q, want Error() %q", s.err, en, s.err.Error())
		}
		setLanguage(language.Italian)
		it := errorText(s.err)
		rest := it
		for _, k := range s.keep {
			rest = strings.ReplaceAll(rest, k, " ")
		}
		// The same text in both languages only when it is all data (a
		// winscard name and a number).
		if it == en && regexp.MustCompile(`[A-Za-z]{2,}`).MatchString(rest) {
			t.Errorf("%T in Italian is still the English %q", s.err, en)
			continue
		}
		for _, l := range englishLeaks(it) {
			t.Errorf("%T in Italian %q still says %q", s.err, it, l)
		}
		if w := englishWords.FindAllString(rest, -1); len(w) > 0 {
			t.Errorf("%T in Italian %q holds English words %q", s.err, it, w)
		}
	}
}

// TestErrorTextKeepsContext: in Italian the context that wraps a known
// error is kept, the known error is said, and a cause firma does not know
// (a system text) stays as it is.
func TestErrorTextKeepsContext(t *testing.T) {
	defer setLanguage(language.English)
	setLanguage(language.Italian)
	expired := &sign.CertificateError{Problem: sign.CertExpired, Subject: "MARIO ROSSI", NotAfter: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("firma di referto.pdf: %w", expired), "firma di referto.pdf: il certificato di firma di MARIO ROSSI è scaduto il 02/01/2026"},
		{&sign.TimestampError{Problem: sign.TSAUnreachable, TSA: "http://127.0.0.1:9/tsa", Err: errors.New("dial tcp 127.0.0.1:9: connect: connection refused")},
			"impossibile raggiungere il servizio di marcatura temporale http://127.0.0.1:9/tsa: dial tcp 127.0.0.1:9: connect: connection refused"},
		{&batch.InputError{Path: "DIR/assente.pdf", Err: &fs.PathError{Op: "open", Path: "DIR/assente.pdf", Err: syscall.ENOENT}}, "DIR/assente.pdf: file inesistente"},
		{&pinrules.FormatError{Reason: "the new PIN must be 4 to 255 characters", Problem: pinrules.Length, What: "new PIN", Rules: pinrules.Rules{MinLen: 4, MaxLen: 255}},
			"PIN non accettato: il nuovo PIN deve essere di 4-255 caratteri"},
		{&atomicfile.WriteError{Path: "a.p7m", Err: &fs.PathError{Op: "open", Path: "out/.a.p7m.firma-tmp-1", Err: syscall.EACCES}},
			"impossibile scrivere a.p7m: impossibile aprire out/.a.p7m.firma-tmp-1: permesso negato"},
		{errors.New("something firma does not know"), "something firma does not know"},
	} {
		if got := errorText(c.err); got != c.want {
			t.Errorf("%T: %q, want %q", c.err, got, c.want)
		}
	}
}

// TestErrorArgumentsSaid: an error that reaches a message as an argument
// (sprintf, printf, or a cause of firma's own errorf) is said in the
// user's language like the error line; in English it is its Error().
func TestErrorArgumentsSaid(t *testing.T) {
	defer setLanguage(language.English)
	missing := &fs.PathError{Op: "open", Path: "referto.pdf", Err: syscall.ENOENT}
	worded := errorf("%s: %v", trLater(msgKey("reading the signed content")), missing)
	setLanguage(language.English)
	if got, want := errorText(worded), "reading the signed content: open referto.pdf: no such file or directory"; got != want {
		t.Errorf("English: %q, want %q", got, want)
	}
	setLanguage(language.Italian)
	for _, got := range []string{errorText(worded), sprintf("cannot name the extracted document of %s: %s", "x.p7m", missing)} {
		if strings.Contains(got, "open") || strings.Contains(got, "no such file") || !strings.Contains(got, "referto.pdf") {
			t.Errorf("Italian: %q", got)
		}
	}
}

// TestPDFSyntaxWords: every message pdfSyntaxWords says is one the PDF
// reader writes (a renamed message would silently stay English).
func TestPDFSyntaxWords(t *testing.T) {
	var src []byte
	files, _ := filepath.Glob(filepath.Join("..", "..", "internal", "pdf", "*.go"))
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") {
			b, _ := os.ReadFile(f)
			src = append(src, b...)
		}
	}
	body, _ := os.ReadFile("errortext.go")
	i := strings.Index(string(body), "func pdfSyntaxWords")
	cases := regexp.MustCompile(`case "([^"]+)":`).FindAllStringSubmatch(string(body[i:]), -1)
	if len(cases) < 5 {
		t.Fatalf("pdfSyntaxWords: %d cases", len(cases))
	}
	for _, c := range cases {
		if !strings.Contains(string(src), `Msg: "`+c[1]+`"`) {
			t.Errorf("internal/pdf writes no %q", c[1])
		}
	}
}
