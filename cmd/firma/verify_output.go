package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/firma-dev/firma/verify"
	"github.com/firma-dev/firma/verify/tsl"
)

// Human output of firma verify: the verdict and who signed on the first
// lines, then the details. The layout is the same on a terminal and in a
// pipe (no colours), so scripts may rely on the first line:
//
//	FILE: INDICATION[/SUB_INDICATION]

func verdictWords(ind verify.Indication) string {
	switch ind {
	case verify.TotalPassed:
		return tr("valid signature")
	case verify.TotalFailed:
		return tr("NOT VALID")
	}
	return tr("cannot be confirmed")
}

func printVerifyResult(w io.Writer, res *verifyFileResult, lists []tsl.Info) {
	if res.PEC != nil {
		printPECResult(w, res)
		return
	}
	if res.Report == nil {
		msg := outside(res.Error)
		if res.err != nil {
			msg = outside(errorText(res.err))
		}
		printf(w, "%s: ERROR (%s)\n", res.File, msg)
		return
	}
	r := res.Report
	head := string(r.Indication)
	if r.SubIndication != "" {
		head += "/" + string(r.SubIndication)
	}
	words := verdictWords(r.Indication)
	if src := sourceWords(r.Source); src != "" {
		// The worst verdict is not the main signature's: say whose it is.
		words = sprintf("%s: %s", src, words)
	}
	printf(w, "%s: %s (%s)\n", res.File, head, words)
	if !r.Reason.IsZero() {
		printf(w, "  reason: %s\n", r.Reason)
	}
	switch {
	case res.ContentFound:
		printf(w, "  signed document: %s (found next to the signature)\n", res.ContentFile)
	case res.ContentFile != "":
		printf(w, "  signed document: %s\n", res.ContentFile)
	}
	for _, l := range r.Layers {
		if len(r.Layers) > 1 || l.Type != "signed-data" {
			desc := l.Type
			if l.Detached {
				desc = sprintf("%s, detached", desc)
			}
			printf(w, "  layer %d: %s (%s)\n", l.Depth+1, desc, l.Form)
		}
		if !l.Error.IsZero() {
			printf(w, "    error: %s\n", l.Error)
		}
		for _, s := range l.Signatures {
			printSignature(w, s, "  ")
		}
		if l.TrailingBytes > 0 {
			printf(w, "    note: %d bytes of padding after the signature (ignored)\n", l.TrailingBytes)
		}
	}
	for i, ts := range r.Timestamps {
		printTimestamp(w, sprintf("file timestamp %d", i+1), ts, "  ")
	}
	if r.VerifiedAtRequested {
		printf(w, "  validation time: %s (asked with --at)\n", dateTime(r.VerifiedAt))
	} else {
		printf(w, "  validation time: %s (now)\n", dateTime(r.VerifiedAt))
	}
	if r.Revocation == "not_checked" {
		printf(w, "  revocation: not checked (offline; use --online)\n")
	}
	if len(r.Trust) == 0 {
		printf(w, "  trust: no trust anchor (use --trust CA.pem or --tsl TSL-IT.xml)\n")
	}
	for _, l := range lists {
		printTrustedList(w, &l)
	}
	if len(r.Trust) > 0 && len(lists) == 0 && chainNotFound(r) {
		printf(w, "  hint: for Italian qualified certificates give AgID's trusted list with --tsl TSL-IT.xml\n")
	}
	if r.Content != nil {
		switch {
		case r.Content.ExtractedTo == "-":
			printf(w, "  document: %d bytes, SHA-256 %s, written to standard output\n", r.Content.Length, r.Content.SHA256)
		case r.Content.ExtractedTo != "":
			printf(w, "  document: %d bytes, SHA-256 %s, extracted to %s\n", r.Content.Length, r.Content.SHA256, r.Content.ExtractedTo)
		default:
			printf(w, "  document: %d bytes, SHA-256 %s\n", r.Content.Length, r.Content.SHA256)
		}
	}
	if res.ExtractNote != "" {
		printf(w, "  %s\n", res.ExtractNote)
	}
}

// sourceWords names where a file's verdict comes from when it is not a
// signature of the file: a counter-signature (S1.C1), a file timestamp
// (T1), a layer. Empty for a signature.
func sourceWords(src string) string {
	switch {
	case strings.Contains(src, ".C"):
		return sprintf("counter-signature %s", src)
	case strings.HasPrefix(src, "T"):
		return sprintf("file timestamp %s", strings.TrimPrefix(src, "T"))
	case strings.HasPrefix(src, "layer "):
		if n, err := strconv.Atoi(strings.TrimPrefix(src, "layer ")); err == nil {
			return sprintf("layer %d", n)
		}
		return src
	}
	return ""
}

// printTrustedList gives the trust lines of a --tsl list: who signed it
// and whether it is fresh.
func printTrustedList(w io.Writer, l *tsl.Info) {
	switch l.Signature {
	case tsl.Pinned:
		printf(w, "  trust: trusted list %s signed by %s, signer pinned\n", l.Source, l.SignerName)
	case tsl.NotPinned:
		printf(w, "  trust: trusted list %s signed by %s, signer not pinned: use --tsl-signer\n", l.Source, l.SignerName)
	default:
		printf(w, "  trust: trusted list %s not signed (accepted with --tsl-unsigned)\n", l.Source)
	}
	if l.Stale && l.NextUpdate != nil {
		printf(w, "  trust: trusted list %s is stale since %s (its next update was due then): download a fresh copy\n", l.Source, day(*l.NextUpdate))
	}
	if l.SignerExpired && l.SignerNotAfter != nil && l.Issued != nil {
		// The issue date is the list's own claim: say who makes it.
		who := tr("a signer not pinned: use --tsl-signer")
		if l.Signature == tsl.Pinned {
			who = tr("the pinned signer")
		}
		printf(w, "  trust: trusted list %s is signed with a certificate that expired on %s, after the issue date the list gives itself (%s), a claim of %s\n", l.Source, day(*l.SignerNotAfter), day(*l.Issued), who)
	}
	for _, sk := range l.Skipped {
		printf(w, "  trust: trusted list %s: a certificate of service %q is skipped, it cannot be read (%s)\n", l.Source, sk.Service, said(skippedReason(sk)))
	}
	if len(l.WeakAlgorithms) > 0 {
		printf(w, "  trust: trusted list %s is signed with SHA-1, no longer acceptable\n", l.Source)
	}
}

func printSignature(w io.Writer, s *verify.Signature, indent string) {
	kind := tr("signature")
	if strings.Contains(s.ID, ".C") {
		kind = tr("counter-signature")
	}
	head := string(s.Indication)
	if s.SubIndication != "" {
		head += "/" + string(s.SubIndication)
	}
	printf(w, "%s%s %s: %s\n", indent, kind, s.ID, head)
	in := indent + "  "
	printPDFSignature(w, s, in) // verify_pdf.go
	printXMLSignature(w, s, in) // verify_xades.go
	if s.Signer != nil {
		printf(w, "%ssigner:       %s\n", in, s.Signer.Holder.Name())
		if cf := s.Signer.Holder.FiscalCode; cf != "" {
			printf(w, "%sfiscal code:  %s\n", in, cf)
		}
		printf(w, "%sissuer:       %s\n", in, s.Signer.IssuerName)
		q := tr("not qualified")
		switch {
		case s.Signer.Qualified && s.Signer.QSCD:
			q = tr("qualified, key in a QSCD")
		case s.Signer.Qualified:
			q = tr("qualified")
		}
		if s.QualifiedTSL != nil && *s.QualifiedTSL {
			q = sprintf("%s, CA in the trusted list", q)
		}
		printf(w, "%scertificate:  %s; valid %s to %s\n", in, q, day(s.Signer.NotBefore), day(s.Signer.NotAfter))
	}
	if s.SigningTime != nil {
		printf(w, "%ssigning time: %s (declared by the signer)\n", in, dateTime(*s.SigningTime))
	}
	for _, ts := range s.Timestamps {
		printTimestamp(w, tr("timestamp"), ts, in)
	}
	printf(w, "%sformat:       %s, %s\n", in, s.Profile, s.SignatureAlgorithm)
	for _, r := range s.Reasons {
		printf(w, "%sreason:       %s\n", in, r)
	}
	for _, wn := range s.Warnings {
		printf(w, "%swarning:      %s\n", in, wn)
	}
	printf(w, "%schecks:\n", in)
	for _, c := range checkLines(s.Checks) {
		printf(w, "%s  %s %s %s\n", in, said(c[0]), said(c[1]), said(c[2]))
	}
	for _, cs := range s.CounterSignatures {
		printSignature(w, cs, in)
	}
}

func printTimestamp(w io.Writer, label string, ts *verify.Timestamp, indent string) {
	head := string(ts.Indication)
	if ts.SubIndication != "" {
		head += "/" + string(ts.SubIndication)
	}
	when := tr("unknown time")
	if !ts.Time.IsZero() {
		when = dateTime(ts.Time)
	}
	tsa := ""
	if ts.TSA != "" {
		tsa = ", " + ts.TSA
	}
	printf(w, "%s%s: %s (over the %s%s): %s\n", indent, label, when, said(coversWords(ts.Covers)), tsa, head)
	for _, r := range ts.Reasons {
		printf(w, "%s  reason: %s\n", indent, r)
	}
}

func printVerifySummary(w io.Writer, results []verifyFileResult) {
	counts := map[string]int{}
	for _, r := range results {
		counts[fileIndication(r)]++
	}
	var parts []string
	for _, k := range []string{string(verify.TotalPassed), string(verify.Indeterminate), string(verify.TotalFailed), "ERROR"} {
		if counts[k] > 0 {
			parts = append(parts, fmt.Sprint(counts[k], " ", k))
		}
	}
	printf(w, "%d files: %s\n", len(results), strings.Join(parts, ", "))
}

// chainNotFound reports a signature whose certificate chains to no anchor.
func chainNotFound(r *verify.Report) bool {
	for _, s := range r.AllSignatures() {
		if s.SubIndication == verify.NoCertificateChainFound {
			return true
		}
	}
	return false
}
