package main

// The verifiers' sentences in the user's language. The libraries (verify,
// pec, xades, pades) return their details, reasons and warnings as
// verify.Message: an English format, a catalog key like any other
// (messages_it_report.go), and its arguments. Here a Message is said: its
// format looked up, its arguments said in turn (a Message inside a
// Message, a date the user's way, an error with errorText) or escaped
// (text from the file: names, URLs, algorithm names). JSON keeps the
// English sentence (verify.Message.MarshalJSON).

import (
	"encoding/base64"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/firma-dev/firma/verify"
	"github.com/firma-dev/firma/verify/tsl"
)

// sayReportArg says one of verify's message values.
func sayReportArg(a any) string {
	switch v := a.(type) {
	case verify.Message:
		args := make([]any, len(v.Args))
		for i, x := range v.Args {
			args[i] = sayMessageArg(x)
		}
		return lang().localize(v.Format, args)
	case verify.List:
		return joinSaid(v, "; ")
	case verify.Series:
		return joinSaid(v, ", ")
	case verify.Date:
		if isItalian() {
			return time.Time(v).UTC().Format("02/01/2006 15:04 MST")
		}
		return v.String()
	case verify.Day:
		return day(time.Time(v))
	case verify.Time:
		return dateTime(time.Time(v))
	case verify.Word:
		if isChangeClass(string(v)) {
			return changeClassWords(string(v))
		}
		return coversWords(string(v))
	}
	return safe(a.(interface{ String() string }).String())
}

func joinSaid(ms []verify.Message, sep string) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = sayReportArg(m)
	}
	return strings.Join(parts, sep)
}

// sayMessageArg is an argument of a Message, ready for the catalog: said
// when it is one of verify's values or an error, escaped otherwise.
func sayMessageArg(a any) any {
	switch v := a.(type) {
	case verify.Message, verify.List, verify.Series, verify.Date, verify.Day, verify.Time, verify.Word:
		return said(sayReportArg(v))
	case error:
		return outside(sayErr(v))
	}
	return escapeArgs([]any{a})[0]
}

// sayErr is errorText, set at init: errorText's own messages go through
// printf, which says Messages (a cycle for package initialization).
var sayErr func(error) string

func init() { sayErr = errorText }

// revisionsRE is what a PDF document timestamp covers past the first
// revision (pades: "revisions 1 to N").
var revisionsRE = regexp.MustCompile(`^revisions 1 to (\d+)$`)

// coversWords says what a timestamp covers (verify.Timestamp.Covers).
func coversWords(c string) string {
	switch c {
	case verify.CoversSignatureValue:
		return tr("signature value")
	case verify.CoversContent:
		return tr("content")
	case verify.CoversPreviousTimestamp:
		return tr("previous timestamp")
	case verify.CoversContentAndMetadata:
		return tr("content and metadata (hashProtected, not supported)")
	case verify.CoversSignedFile:
		return tr("signed file")
	case "revision 1":
		return tr("revision 1")
	}
	if m := revisionsRE.FindStringSubmatch(c); m != nil {
		n, _ := strconv.Atoi(m[1])
		return sprintf("revisions 1 to %d", n)
	}
	return safe(c)
}

// checkStatusWords says a check's status (the JSON keeps the identifier).
func checkStatusWords(st string) string {
	switch st {
	case verify.StatusPassed:
		return tr("passed")
	case verify.StatusFailed:
		return tr("failed")
	case verify.StatusIndeterminate:
		return tr("indeterminate")
	case verify.StatusWarning:
		return tr("warning")
	case verify.StatusNotChecked:
		return tr("not_checked")
	}
	return safe(st)
}

// checkNames are the checks' names checkNameWords knows.
var checkNames = []string{"format", "algorithms", "signing_certificate", "message_digest", "signature_value",
	"certificate_validity", "key_usage", "chain", "revocation", "qualified", "timestamp", "imprint",
	"pdf_structure", "byte_range", "changes_after", "docmdp", "pdf_digest", "doc_timestamp", "certificates",
	"reference", "references", "xades", "signed_properties", "countersigned", "coverage", "fatturapa",
	"provider_address", "pec_policy", "name_constraints"}

// checkNameWords says what a check is about (the JSON keeps its name).
func checkNameWords(name string) string {
	switch name {
	case "format":
		return tr("format")
	case "algorithms":
		return tr("algorithms")
	case "signing_certificate":
		return tr("signing_certificate")
	case "message_digest":
		return tr("message_digest")
	case "signature_value":
		return tr("signature_value")
	case "certificate_validity":
		return tr("certificate_validity")
	case "key_usage":
		return tr("key_usage")
	case "chain":
		return tr("chain")
	case "revocation":
		return tr("revocation")
	case "qualified":
		return tr("qualified")
	case "timestamp":
		return tr("timestamp")
	case "imprint":
		return tr("imprint")
	case "pdf_structure":
		return tr("pdf_structure")
	case "byte_range":
		return tr("byte_range")
	case "changes_after":
		return tr("changes_after")
	case "docmdp":
		return tr("docmdp")
	case "pdf_digest":
		return tr("pdf_digest")
	case "doc_timestamp":
		return tr("doc_timestamp")
	case "certificates":
		return tr("certificates")
	case "reference":
		return tr("reference")
	case "references":
		return tr("references")
	case "xades":
		return tr("xades")
	case "signed_properties":
		return tr("signed_properties")
	case "countersigned":
		return tr("countersigned")
	case "coverage":
		return tr("coverage")
	case "fatturapa":
		return tr("fatturapa")
	case "provider_address":
		return tr("provider_address")
	case "pec_policy":
		return tr("pec_policy")
	case "name_constraints":
		return tr("name_constraints")
	}
	return safe(name)
}

// checkLines are a signature's checks, one a line: status, name, detail
// in columns as wide as the longest words (at least those of the English
// layout, which scripts have always seen).
func checkLines(checks []verify.Check) [][3]string {
	out := make([][3]string, len(checks))
	// As wide as the longest word of the language, so that the tables of
	// one report (a PEC's signature and its envelope) line up.
	sw, nw := 13, 20
	for _, st := range []string{verify.StatusPassed, verify.StatusFailed, verify.StatusIndeterminate, verify.StatusWarning, verify.StatusNotChecked} {
		sw = max(sw, len([]rune(checkStatusWords(st))))
	}
	for _, n := range checkNames {
		nw = max(nw, len([]rune(checkNameWords(n))))
	}
	for i, c := range checks {
		out[i] = [3]string{checkStatusWords(c.Status), checkNameWords(c.Name), sayReportArg(c.Detail)}
		sw = max(sw, len([]rune(out[i][0])))
		nw = max(nw, len([]rune(out[i][1])))
	}
	for i := range out {
		out[i][0] += strings.Repeat(" ", sw-len([]rune(out[i][0])))
		out[i][1] += strings.Repeat(" ", nw-len([]rune(out[i][1])))
	}
	return out
}

// skippedReason says why a certificate of a trusted list was left out: a
// base64 error in the catalog's words (in English the library's Reason,
// word for word), the certificate parser's own text otherwise (Go's, like
// the other causes from the standard library), escaped.
func skippedReason(sk tsl.Skipped) string {
	var b64 base64.CorruptInputError
	if errors.As(sk.Err, &b64) {
		return sprintf("bad base64: illegal base64 data at input byte %d", int64(b64))
	}
	return safe(sk.Reason)
}
