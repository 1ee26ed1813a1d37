package main

// firma verify for certified e-mail (PEC): a message or receipt saved as
// .eml is routed here from verify.go; package pec verifies it and this
// file renders the report and extracts the contents.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/ctxio"
	"github.com/firma-dev/firma/pec"
	"github.com/firma-dev/firma/verify"
)

// pecFileResult is one PEC file of the --json output.
type pecFileResult struct {
	*pec.Result
	// Extracted lists the files --extract wrote.
	Extracted []string `json:"extracted,omitempty"`
}

// pecSniffSize is how much of a file is looked at to recognise a PEC:
// the providers' Received chains make long headers.
const pecSniffSize = 64 << 10

// isPEC reports a file to verify as PEC: named .eml or .msg, a
// daticert.xml, or with a PEC header in its first bytes.
func isPEC(name string, head []byte) bool {
	lower := strings.ToLower(filepath.Base(name))
	if strings.HasSuffix(lower, ".eml") || strings.HasSuffix(lower, ".msg") || lower == "daticert.xml" {
		return true
	}
	return pec.Sniff(head) != ""
}

// verifyPECHook verifies input as PEC when it is one (ok true). *r is
// the input; standard input is peeked, and *r replaced by a reader that
// still holds the peeked bytes.
func verifyPECHook(ctx context.Context, ios *IO, opts *verifyOptions, trust *verify.TrustStore, input string, r *io.Reader, at time.Time) (verifyFileResult, int, bool) {
	if f, isFile := (*r).(*os.File); isFile && input != "-" {
		head := make([]byte, pecSniffSize)
		n, _ := f.ReadAt(head, 0)
		if !isPEC(input, head[:n]) {
			return verifyFileResult{}, 0, false
		}
		res, code := verifyPEC(ctx, ios, opts, trust, input, f, at)
		return res, code, true
	}
	br := bufio.NewReaderSize(*r, pecSniffSize)
	*r = br
	head := peekHeader(br)
	if pec.Sniff(head) == "" {
		return verifyFileResult{}, 0, false
	}
	// The PEC verifier reads by offsets: standard input is spooled.
	tmp, err := os.CreateTemp("", "firma-pec-*.eml")
	if err != nil {
		return pecFail(ios, opts, input, err), ExitInput, true
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := io.Copy(tmp, ctxio.NewReader(ctx, br)); err != nil {
		if ctx.Err() != nil {
			return verifyFileResult{File: input}, ExitCanceled, true
		}
		return pecFail(ios, opts, input, err), ExitInput, true
	}
	res, code := verifyPEC(ctx, ios, opts, trust, input, tmp, at)
	return res, code, true
}

// peekHeader returns the start of standard input without waiting for
// more than it needs: what arrived once it is clearly not a mail header
// (a DER or base64 signature), else up to the header's end.
func peekHeader(br *bufio.Reader) []byte {
	head, _ := br.Peek(1)
	for {
		head, _ = br.Peek(br.Buffered())
		if len(head) >= pecSniffSize || !mailHeaderSoFar(head) || bytes.Contains(head, []byte("\n\n")) || bytes.Contains(head, []byte("\n\r\n")) {
			return head
		}
		if _, err := br.Peek(len(head) + 1); err != nil {
			head, _ = br.Peek(br.Buffered())
			return head
		}
	}
}

// mailHeaderSoFar reports bytes that may be the start of a mail header:
// a field name and a colon (or a name not finished yet) first.
func mailHeaderSoFar(b []byte) bool {
	for i, c := range b {
		switch {
		case c == ':':
			return i > 0
		case c <= ' ' || c > '~' || i > 76:
			return false
		}
	}
	return true
}

func pecFail(ios *IO, opts *verifyOptions, input string, err error) verifyFileResult {
	reportFileError(ios, input, err)
	return verifyFileResult{File: input, Error: inEnglish(err.Error), err: err}
}

// pecHint says what to do with a file the PEC verifier refused.
func pecHint(err error) string {
	var (
		om *pec.OutlookMsgError
		np *pec.NotPECError
		op *pec.OpaqueError
	)
	switch {
	case errors.As(err, &om):
		return tr("save the message as .eml (\"Save as\" in Thunderbird, \"Download original\" in the provider's webmail), or download it again from the PEC mailbox")
	case errors.As(err, &np):
		return tr("a PEC envelope or receipt carries X-Trasporto or X-Ricevuta headers and a multipart/signed body; an ordinary e-mail has no provider signature to verify")
	case errors.As(err, &op):
		return tr("verify the message with the provider's webmail, or report the file to firma's maintainers")
	}
	return ""
}

func verifyPEC(ctx context.Context, ios *IO, opts *verifyOptions, trust *verify.TrustStore, input string, f *os.File, at time.Time) (verifyFileResult, int) {
	res := verifyFileResult{File: input}
	fail := func(code int, err error, hint string) (verifyFileResult, int) {
		e := withCode(code, err, hint)
		res.Error, res.err = inEnglish(err.Error), err
		reportFileError(ios, input, e)
		return res, code
	}
	if opts.Content != "" {
		return fail(ExitUsage, errors.New(tr("--content goes with a detached signature, not with a PEC message (its signature and content are in the message)")), "")
	}
	st, err := f.Stat()
	if err != nil {
		return fail(ExitInput, err, "")
	}
	var dir string
	if opts.Extract {
		if dir, err = pecExtractDir(input, opts.Output); err != nil {
			return fail(ExitOutput, err, tr("choose the folder with -o DIR"))
		}
	}
	r, err := pec.Verify(ctx, f, st.Size(), pec.Options{
		Trust: trust, Now: ios.Now, At: at, Online: opts.Online, Timeout: opts.Timeout, Name: input,
	})
	if ctx.Err() != nil {
		return res, ExitCanceled
	}
	if err != nil {
		return fail(ExitInput, err, pecHint(err))
	}
	res.PEC = &pecFileResult{Result: r}
	if opts.Extract {
		// In the language of the report: --json runs in English.
		switch {
		case r.DaticertOnly:
			res.ExtractNote = jsonOrUser(opts.JSON, func() string { return tr("nothing extracted: a daticert.xml holds no message") })
		case !r.Intact():
			sub := string(r.SubIndication)
			if sub == "" {
				sub = tr("no signature checked")
			}
			res.ExtractNote = jsonOrUser(opts.JSON, func() string { return sprintf("nothing extracted: the message's integrity does not hold (%s)", sub) })
		default:
			written, err := pecExtract(r, dir, opts.Force)
			res.PEC.Extracted = written
			if err != nil {
				return fail(ExitOutput, err, "")
			}
			if len(written) == 0 {
				res.ExtractNote = jsonOrUser(opts.JSON, func() string {
					return sprintf("nothing extracted: this %s holds no original message", kindWords(r.Kind, ""))
				})
			}
		}
	}
	return res, exitFor(r.Indication)
}

// pecExtractDir is the folder --extract writes a PEC's contents to: -o
// DIR, else the file's name without .eml.
func pecExtractDir(input, output string) (string, error) {
	switch {
	case output == "-":
		return "", errors.New(tr("a PEC holds several files: -o takes a folder, not standard output"))
	case output != "":
		return output, nil
	case input == "-":
		return "", errors.New(tr("the contents of standard input need a folder"))
	}
	dir, base := filepath.Split(input)
	if !strings.HasSuffix(strings.ToLower(base), ".eml") || len(base) == len(".eml") || strings.HasPrefix(base, ".") {
		return "", &ExtractNameError{Input: input, Reason: tr("it does not end in .eml")}
	}
	return filepath.Join(dir, base[:len(base)-len(".eml")]), nil
}

// safeName makes an attachment's name safe to create in the folder: its
// last path element, without control characters, not hidden, not empty.
func safeName(name string, i int) string {
	name = strings.ReplaceAll(name, "\\", "/")
	if j := strings.LastIndex(name, "/"); j >= 0 {
		name = name[j+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == ':' || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r) {
			return '_'
		}
		return r
	}, name)
	name = strings.TrimLeft(strings.TrimSpace(name), ".")
	if len(name) > 200 {
		ext := filepath.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = strings.ToValidUTF8(name[:200-len(ext)], "") + ext
	}
	if name == "" {
		name = fmt.Sprintf("allegato-%d", i+1)
	}
	return name
}

// pecExtract writes postacert.eml and its attachments into dir, each
// atomically; nothing is replaced without force, and when a name is
// taken nothing is written at all.
func pecExtract(r *pec.Result, dir string, force bool) ([]string, error) {
	post, ok := r.PostacertReader()
	if !ok {
		return nil, nil
	}
	type out struct {
		path string
		src  func() io.Reader
	}
	outs := []out{{filepath.Join(dir, "postacert.eml"), func() io.Reader { return post }}}
	used := map[string]bool{"postacert.eml": true}
	for i, a := range r.Postacert.Attachments {
		name := safeName(a.Name, i)
		base, ext := strings.TrimSuffix(name, filepath.Ext(name)), filepath.Ext(name)
		for n := 2; used[strings.ToLower(name)]; n++ {
			name = fmt.Sprintf("%s-%d%s", base, n, ext)
		}
		used[strings.ToLower(name)] = true
		a := a
		outs = append(outs, out{filepath.Join(dir, name), func() io.Reader { return r.AttachmentReader(a) }})
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if !force {
		for _, o := range outs {
			if err := atomicfile.CheckFree(o.path); err != nil {
				return nil, err
			}
		}
	}
	var written []string
	for _, o := range outs {
		f, err := atomicfile.Create(o.path, atomicfile.Options{Force: force})
		if err != nil {
			return written, err
		}
		if _, err := io.Copy(f, o.src()); err != nil {
			f.Abort()
			return written, &atomicfile.WriteError{Path: o.path, Err: err}
		}
		if err := f.Commit(); err != nil {
			return written, err
		}
		written = append(written, o.path)
	}
	return written, nil
}

// kindWords names a PEC kind for a person, with what it proves.
func kindWords(k pec.Kind, receipt string) string {
	switch k {
	case pec.KindTransport:
		return tr("PEC message (transport envelope)")
	case pec.KindAnomaly:
		return tr("anomaly envelope")
	case pec.KindAcceptance:
		return tr("acceptance receipt")
	case pec.KindNonAcceptance:
		return tr("non-acceptance notice")
	case pec.KindTakenInCharge:
		return tr("taken-in-charge receipt")
	case pec.KindDelivery:
		if receipt != "" {
			return sprintf("delivery receipt (%s)", receipt)
		}
		return tr("delivery receipt")
	case pec.KindDeliveryError:
		return tr("non-delivery notice")
	case pec.KindDeliveryWarning:
		return tr("delivery delay notice")
	case pec.KindVirusDetected:
		return tr("virus notice")
	}
	return tr("PEC message of unknown kind")
}

// kindProves says what a valid message of kind k proves.
func kindProves(k pec.Kind) string {
	switch k {
	case pec.KindTransport:
		return tr("the original message (postacert.eml), its sender's mailbox and time, as the sender's provider certified them")
	case pec.KindAnomaly:
		return tr("nothing as PEC: what arrived was not a valid PEC (an ordinary e-mail, or a broken one)")
	case pec.KindAcceptance:
		return tr("the sender's provider accepted the message for sending at the certified time (legally: sent)")
	case pec.KindNonAcceptance:
		return tr("the sender's provider refused the message: it was NOT sent")
	case pec.KindTakenInCharge:
		return tr("the recipient's provider took the message over from the sender's provider")
	case pec.KindDelivery:
		return tr("the message was delivered into the recipient's mailbox at the certified time (legally: delivered)")
	case pec.KindDeliveryError:
		return tr("the message was NOT delivered to that recipient")
	case pec.KindDeliveryWarning:
		return tr("no delivery receipt had arrived within the time limit")
	case pec.KindVirusDetected:
		return tr("the recipient's provider found a virus after accepting the message")
	}
	return tr("unknown")
}

// pecVerdictWords is the verdict of a PEC file in words: valid, NOT VALID
// or cannot be confirmed, and what the file is. One message per kind and
// verdict: in Italian the verdict agrees with the noun (ricevuta VALIDA,
// avviso VALIDO).
func pecVerdictWords(ind verify.Indication, k pec.Kind, receipt string) string {
	pick := func(valid, notValid, unsure string) string {
		switch ind {
		case verify.TotalPassed:
			return valid
		case verify.TotalFailed:
			return notValid
		}
		return unsure
	}
	switch k {
	case pec.KindTransport:
		return pick(tr("valid PEC message (transport envelope)"), tr("NOT VALID PEC message (transport envelope)"), tr("PEC message (transport envelope) that cannot be confirmed"))
	case pec.KindAnomaly:
		return pick(tr("valid anomaly envelope"), tr("NOT VALID anomaly envelope"), tr("anomaly envelope that cannot be confirmed"))
	case pec.KindAcceptance:
		return pick(tr("valid acceptance receipt"), tr("NOT VALID acceptance receipt"), tr("acceptance receipt that cannot be confirmed"))
	case pec.KindNonAcceptance:
		return pick(tr("valid non-acceptance notice"), tr("NOT VALID non-acceptance notice"), tr("non-acceptance notice that cannot be confirmed"))
	case pec.KindTakenInCharge:
		return pick(tr("valid taken-in-charge receipt"), tr("NOT VALID taken-in-charge receipt"), tr("taken-in-charge receipt that cannot be confirmed"))
	case pec.KindDelivery:
		if receipt != "" {
			return pick(sprintf("valid delivery receipt (%s)", receipt), sprintf("NOT VALID delivery receipt (%s)", receipt), sprintf("delivery receipt (%s) that cannot be confirmed", receipt))
		}
		return pick(tr("valid delivery receipt"), tr("NOT VALID delivery receipt"), tr("delivery receipt that cannot be confirmed"))
	case pec.KindDeliveryError:
		return pick(tr("valid non-delivery notice"), tr("NOT VALID non-delivery notice"), tr("non-delivery notice that cannot be confirmed"))
	case pec.KindDeliveryWarning:
		return pick(tr("valid delivery delay notice"), tr("NOT VALID delivery delay notice"), tr("delivery delay notice that cannot be confirmed"))
	case pec.KindVirusDetected:
		return pick(tr("valid virus notice"), tr("NOT VALID virus notice"), tr("virus notice that cannot be confirmed"))
	}
	return pick(tr("valid PEC message of unknown kind"), tr("NOT VALID PEC message of unknown kind"), tr("PEC message of unknown kind that cannot be confirmed"))
}

func indText(ind verify.Indication, sub verify.SubIndication) string {
	if sub != "" {
		return string(ind) + "/" + string(sub)
	}
	return string(ind)
}

func printPECResult(w io.Writer, res *verifyFileResult) {
	r := res.PEC.Result
	printf(w, "%s: %s (%s)\n", res.File, indText(r.Indication, r.SubIndication), pecVerdictWords(r.Indication, r.Kind, r.ReceiptType))
	if !r.Reason.IsZero() {
		printf(w, "  reason:          %s\n", r.Reason)
	}
	if r.DaticertOnly {
		printf(w, "  note:            this is a daticert.xml saved on its own: NOT SIGNED, shown for reading only\n")
	}
	src := tr("from the signed daticert.xml")
	if r.KindSource == "headers" {
		src = tr("from the headers only: not signed")
	}
	printf(w, "  kind:            %s (%s)\n", kindWords(r.Kind, r.ReceiptType), src)
	printf(w, "  it proves:       %s\n", kindProves(r.Kind))
	if d := r.Daticert; d != nil {
		printf(w, "  provider:        %s\n", d.Provider)
		if !d.Time.IsZero() {
			printf(w, "  certified time:  %s (%s local time, as the provider wrote it)\n", dateTime(d.Time), d.LocalTime)
		} else if d.TimeError != "" {
			printf(w, "  certified time:  unreadable (%s)\n", d.TimeError)
		}
		printf(w, "  sender:          %s\n", d.Sender)
		for _, rc := range d.Recipients {
			t := tr("certified PEC mailbox")
			if rc.Type == "esterno" {
				t = tr("ordinary e-mail, not PEC")
			}
			printf(w, "  recipient:       %s (%s)\n", rc.Address, t)
		}
		if d.Delivery != "" {
			printf(w, "  delivered to:    %s\n", d.Delivery)
		}
		printf(w, "  subject:         %s\n", d.Subject)
		printf(w, "  identificativo:  %s\n", d.ID)
		if d.MsgID != "" {
			printf(w, "  msgid:           %s\n", d.MsgID)
		}
		if d.Error != "" && d.Error != "nessuno" {
			printf(w, "  error:           %s\n", d.Error)
		}
		if d.ErrorDetail != "" {
			printf(w, "  error detail:    %s\n", d.ErrorDetail)
		}
	} else if r.DaticertError != "" {
		printf(w, "  daticert.xml:    unreadable: %s\n", r.DaticertError)
	}
	if p := r.Provider; p != nil {
		line := sprintf("%s now", indText(p.Indication, p.SubIndication))
		if p.CertifiedTime != nil {
			line = sprintf("%s; %s at the certified time %s", line, indText(p.AtCertifiedTimeIndication, p.AtCertifiedTimeSubIndication), dateTime(*p.CertifiedTime))
		}
		printf(w, "  provider signature: %s\n", line)
		if !p.AtCertifiedTimeReason.IsZero() && p.AtCertifiedTimeIndication != verify.TotalPassed {
			printf(w, "    at the certified time: %s\n", p.AtCertifiedTimeReason)
		}
		if p.Name != "" {
			printf(w, "    certificate:   %s <%s>\n", p.Name, strings.Join(p.Addresses, ", "))
		}
		if s := firstSig(p.Now); s != nil {
			if s.Signer != nil {
				printf(w, "    valid:         %s to %s, issued by %s\n", day(s.Signer.NotBefore), day(s.Signer.NotAfter), s.Signer.IssuerName)
			}
			if s.TrustAnchor != "" {
				printf(w, "    trust anchor:  %s\n", s.TrustAnchor)
			}
			if s.SigningTime != nil {
				printf(w, "    signing time:  %s (signed by the provider)\n", dateTime(*s.SigningTime))
			}
			printf(w, "    algorithms:    %s digest, %s\n", s.DigestAlgorithm, s.SignatureAlgorithm)
			for _, wn := range s.Warnings {
				printf(w, "    warning:       %s\n", wn)
			}
			printf(w, "    checks:\n")
			for _, c := range checkLines(s.Checks) {
				printf(w, "      %s %s %s\n", said(c[0]), said(c[1]), said(c[2]))
			}
		}
		for _, c := range checkLines(p.Checks) {
			printf(w, "      %s %s %s\n", said(c[0]), said(c[1]), said(c[2]))
		}
	}
	if r.LFConverted {
		printf(w, "  line ends:       the file is stored with LF line ends (as git, webmail downloads and Unix tools save it); they were taken as CRLF to check the signature\n")
	}
	if r.Rewrapped {
		printf(w, "  re-wrapped:      the provider's message is %s; it was checked on its own\n", r.RewrappedAs)
	}
	if r.SubIndication == verify.HashFailure {
		printf(w, "  meaning:         the signed part was changed after the provider signed it (an edit, an anonymisation, a tool that strips spaces)\n")
	}
	if len(r.Discrepancies) > 0 {
		printf(w, "  headers (not signed) disagree with the signed data:\n")
		for _, d := range r.Discrepancies {
			printf(w, "    %-15s header %q, signed %q\n", d.Field, d.Header, d.Signed)
		}
	}
	for _, wn := range r.Warnings {
		printf(w, "  warning:         %s\n", wn)
	}
	if pc := r.Postacert; pc != nil {
		printf(w, "  original message (postacert.eml, %d bytes):\n", pc.Size)
		if pc.From != "" {
			printf(w, "    from:          %s\n", pc.From)
		}
		if len(pc.To) > 0 {
			printf(w, "    to:            %s\n", strings.Join(pc.To, ", "))
		}
		if pc.Subject != "" {
			printf(w, "    subject:       %s\n", pc.Subject)
		}
		if pc.Date != "" {
			printf(w, "    date:          %s (the sender's claim)\n", pc.Date)
		}
		for _, a := range pc.Attachments {
			printPECAttachment(w, a)
		}
	}
	if p := r.Provider; p != nil && p.Now != nil {
		if p.Now.VerifiedAtRequested {
			printf(w, "  validation time: %s (asked with --at)\n", dateTime(p.Now.VerifiedAt))
		} else {
			printf(w, "  validation time: %s (now)\n", dateTime(p.Now.VerifiedAt))
		}
		if p.Now.Revocation == "not_checked" {
			printf(w, "  revocation:      not checked (offline; use --online)\n")
		}
		if len(p.Now.Trust) == 0 {
			printf(w, "  trust:           no trust anchor (use --trust with the CA of the PEC providers, or keep the system store)\n")
		} else {
			printf(w, "  trust:           anchors from %s; the chain must carry the PEC providers' name constraints\n", strings.Join(p.Now.Trust, ", "))
		}
	}
	for _, e := range res.PEC.Extracted {
		printf(w, "  extracted:       %s\n", e)
	}
	if res.ExtractNote != "" {
		printf(w, "  %s\n", res.ExtractNote)
	}
}

func firstSig(r *verify.Report) *verify.Signature {
	if r == nil {
		return nil
	}
	if all := r.AllSignatures(); len(all) > 0 {
		return all[0]
	}
	return nil
}

func printPECAttachment(w io.Writer, a *pec.Attachment) {
	line := sprintf("    attachment:    %s (%d bytes)", a.Name, a.Size)
	switch {
	case a.Report != nil:
		line += sprintf(": signed file, %s", indText(a.Report.Indication, a.Report.SubIndication))
		if s := firstSig(a.Report); s != nil && s.Signer != nil {
			line += sprintf(", signer %s", s.Signer.Holder.Name())
		}
	case a.PEC != nil:
		line += sprintf(": PEC %s, %s", kindWords(a.PEC.Kind, a.PEC.ReceiptType), indText(a.PEC.Indication, a.PEC.SubIndication))
	case a.Kind == "xades":
		line += tr(": signed XML (XAdES, as SdI receipts): not verified by firma")
	case a.Kind != "":
		line += ": " + a.Kind
	}
	printLine(w, line)
	if !a.Error.IsZero() {
		printf(w, "      not verified: %s\n", a.Error)
	}
	if a.Report != nil && !a.Report.Reason.IsZero() {
		printf(w, "      reason: %s\n", a.Report.Reason)
	}
}

// fileIndication is a file's verdict for the summary line.
func fileIndication(r verifyFileResult) string {
	switch {
	case r.PEC != nil:
		return string(r.PEC.Indication)
	case r.Report != nil:
		return string(r.Report.Indication)
	}
	return "ERROR"
}
