package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/ctxio"
	"github.com/firma-dev/firma/verify"
	"github.com/firma-dev/firma/verify/tsl"
)

// verifyOptions are the flags of firma verify.
type verifyOptions struct {
	Inputs  []string
	Content string
	Trust   []string
	TSL     []string
	// TSLSigners pin the trusted lists' signer; TSLUnsigned accepts
	// lists without a signature.
	TSLSigners  []string
	TSLUnsigned bool
	NoSys       bool
	Online      bool
	Timeout     time.Duration
	JSON        bool
	Extract     bool
	Output      string
	Force       bool
	// At is --at: the validation time, as text (RFC 3339 or a date).
	At string

	PDF verifyPDFOptions // PDF passwords (verify_pdf.go)
}

func newVerifyCmd(io *IO, g *globalOptions) *cobra.Command {
	opts := &verifyOptions{}
	cmd := &cobra.Command{
		Use:   "verify [flags] FILE...",
		Short: "Verify signed files (.p7m, .p7s, .tsd, .m7m, signed PDFs, XAdES XML) and PEC e-mails (.eml)",
		Long: `Verify CAdES signed files as Italian verifiers do, and say for each one
whether it is valid, with the signer's name and codice fiscale.

The form is found from the bytes, not the name: DER or BER, base64 with or
without PEM armor, nested p7m (every layer is reported), detached .p7s (with
--content, or the document next to it without .p7s), several signers,
counter-signatures, timestamps (CAdES-T), .tsd (RFC 5544) and .m7m files.
Signed PDFs (PAdES: every signature of every revision, the changes made
after each one), XML signed with XAdES (FatturaPA invoices, SdI receipts)
and certified e-mail (PEC, below) are recognised too.

Each signature gets an indication, as the EU DSS validator gives it:
  TOTAL_PASSED   the signature is valid and chains to a trusted CA
  TOTAL_FAILED   the file or signature was altered, or is not acceptable
  INDETERMINATE  it cannot be decided (no trusted CA, content missing,
                 certificate expired without a timestamp, ...)
with the reason in plain words. Without a trust anchor (--trust, --tsl, or
a CA in the system store) nothing is ever TOTAL_PASSED.

--tsl takes the Italian trusted list, TSL-IT.xml from AgID. Its XML
signature is checked: a list changed after signing, or not signed, is
refused. Pin AgID's signing certificate (published in the EU List of
Trusted Lists) with --tsl-signer; without it the list is used and the
report says "signer not pinned". A list past its next update is still
used, with a warning. A CA counts as qualified for the time of the
signature (timestamp, else declared signing time), from the service's
status history: a CA withdrawn since still vouches for older signatures.
--tsl-unsigned accepts a hand-made list without signature.

A certified e-mail (PEC) saved as .eml, the message or any receipt, is
verified as PEC: the provider's signature over the signed part, its chain
to a CA for PEC providers whose name constraints bind it to the providers'
mail domains (system store or --trust), the signed daticert.xml (kind,
certified time, sender, recipients), the headers compared with it (they
are not signed), and the signed attachments. The verdict is given now and
as of the certified time. --extract writes postacert.eml and the
attachments into a folder named after the file (-o DIR chooses it).

Revocation (OCSP, then CRL) is checked only with --online; otherwise the
report says it was not checked.

--at TIME verifies as of a past time (RFC 3339, or a date YYYY-MM-DD for
its midnight UTC): certificate validity, trusted-list status and
revocation are checked then, as EU DSS's validation time or an archive's
reference date. A certificate expired at that time is
INDETERMINATE/OUT_OF_BOUNDS_NO_POE unless a timestamp proves the signature
existed while it was valid.

--extract writes the signed document next to the file, named after it with
the .p7m (.tsd, .m7m) endings removed; it never replaces an existing file
without --force, and keeps nothing when the document's integrity does not
hold (changed, damaged, a signature that does not match); an INDETERMINATE
file, or one TOTAL_FAILED for its certificate only, gives its document.

Exit status: 0 all TOTAL_PASSED, 21 INDETERMINATE, 20 TOTAL_FAILED, 11 a
file could not be read or is not a signed file (or a --trust, --tsl or
--tsl-signer file cannot be used), 10 the document could not be extracted
(the output exists); for several files the worst (20, then 11, 10, 21).`,
		Example: `  # Is this prescription validly signed? (Italian trusted list from AgID)
  firma verify --tsl TSL-IT.xml ricetta.pdf.p7m

  # The same, accepting the list only if AgID's certificate signed it
  firma verify --tsl TSL-IT.xml --tsl-signer agid-tsl-signer.pem ricetta.pdf.p7m

  # Verify and save the signed PDF (writes ricetta.pdf)
  firma verify --tsl TSL-IT.xml --extract ricetta.pdf.p7m

  # A detached signature with its document
  firma verify --trust ca.pem --content referto.pdf referto.pdf.p7s

  # An archived file, as of the date the archive took it in
  firma verify --tsl TSL-IT.xml --at 2012-03-15 delibera.pdf.p7m

  # A PEC delivery receipt, and the message and attachments it holds
  firma verify --extract ricevuta-consegna.eml

  # A signed referto (PAdES) and an e-invoice signed in XML (XAdES)
  firma verify --tsl TSL-IT.xml referto-firmato.pdf
  firma verify --tsl TSL-IT.xml IT01234567890_00001.xml

  # All invoices of the month, with revocation checks, as JSON for a script
  firma verify --tsl TSL-IT.xml --online --json fatture/*.p7m`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("no file to verify: give one or more signed files (or - for standard input), e.g. firma verify ricetta.pdf.p7m")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Inputs = args
			return runVerify(cmd.Context(), io, opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Content, "content", "", "the signed document `FILE` of a detached signature (.p7s); one signature only")
	f.StringArrayVar(&opts.Trust, "trust", nil, "trust the CA certificates in `FILE` or directory (PEM or DER; repeatable)")
	f.StringArrayVar(&opts.TSL, "tsl", nil, "trust the qualified CAs and timestamp units of a trusted list `XML` (TSL-IT.xml; repeatable)")
	f.StringArrayVar(&opts.TSLSigners, "tsl-signer", nil, "accept a trusted list only if signed by the certificate in `CERT` (PEM or DER; repeatable)")
	f.BoolVar(&opts.TSLUnsigned, "tsl-unsigned", false, "accept a trusted list without signature (hand-made lists)")
	f.BoolVar(&opts.NoSys, "no-system-trust", false, "do not trust the operating system's CA store")
	f.BoolVar(&opts.Online, "online", false, "check revocation over the network (OCSP, then CRL)")
	f.DurationVar(&opts.Timeout, "timeout", 10*time.Second, "with --online: give up on a revocation server after this `duration`")
	f.BoolVar(&opts.JSON, "json", false, "print the results as JSON")
	f.BoolVar(&opts.Extract, "extract", false, "write the signed document next to each file (name without .p7m)")
	f.StringVarP(&opts.Output, "output", "o", "", "with --extract: write the document to `FILE` (one input only; - for standard output)")
	f.BoolVar(&opts.Force, "force", false, "with --extract: replace an existing file")
	f.StringVar(&opts.At, "at", "", "verify as of `TIME` (RFC 3339, or YYYY-MM-DD for midnight UTC) instead of now")
	addVerifyPDFFlags(cmd, &opts.PDF) // verify_pdf.go
	_ = g
	return cmd
}

// verifyFileResult is one file of the --json output: the verify.Report
// fields, or an error when the file could not be verified at all.
type verifyFileResult struct {
	File string `json:"file"`
	*verify.Report
	// Error is set when the file could not be read or is not a signed
	// file; the report fields are then absent.
	Error string `json:"error,omitempty"`
	// err is Error as an error, said in the user's language in the text
	// output (the JSON keeps the English).
	err error
	// ExtractNote says why --extract wrote nothing.
	ExtractNote string `json:"extract_note,omitempty"`
	// ContentFile is the document a detached signature was checked
	// against: --content, or the file next to a .p7s without its .p7s
	// (then ContentFound).
	ContentFile  string `json:"content_file,omitempty"`
	ContentFound bool   `json:"content_found,omitempty"`
	// PEC is the result of a certified e-mail (verify_pec.go).
	PEC *pecFileResult `json:"pec,omitempty"`
}

// verifyJSON is the --json output of firma verify.
type verifyJSON struct {
	// Indication is the worst over the files: TOTAL_PASSED, INDETERMINATE,
	// TOTAL_FAILED, or ERROR when a file could not be verified (unreadable, not a signed file, output not writable).
	Indication string `json:"indication"`
	// TrustedLists describes each --tsl list: signer, freshness, warnings.
	TrustedLists []tsl.Info         `json:"trusted_lists,omitempty"`
	Files        []verifyFileResult `json:"files"`
}

// ExtractNameError reports an input whose name gives no safe name for
// the extracted document.
type ExtractNameError struct {
	Input string
	// Reason is a message (said when the error is read) with its
	// arguments.
	Reason string
	args   []any
}

func (e *ExtractNameError) Error() string {
	return sprintf("cannot name the extracted document of %s: %s", e.Input, lang().localize(e.Reason, e.args))
}

// Hint says how to proceed.
func (e *ExtractNameError) Hint() string { return "choose the output name with -o FILE" }

// extractName derives the document's name from the signed file's name by
// removing the signature endings (.p7m, .tsd, .m7m, any number of them,
// any case). Names that would be hidden, empty or contain control
// characters are refused: a file called ".bashrc.p7m" must not plant a
// dotfile.
func extractName(input string) (string, error) {
	dir, base := filepath.Split(input)
	name := base
	for {
		lower := strings.ToLower(name)
		stripped := false
		for _, ext := range []string{".p7m", ".tsd", ".m7m"} {
			if strings.HasSuffix(lower, ext) {
				name = name[:len(name)-len(ext)]
				stripped = true
				break
			}
		}
		if !stripped {
			break
		}
	}
	switch {
	case name == base:
		return "", &ExtractNameError{Input: input, Reason: msgKey("it does not end in .p7m, .tsd or .m7m")}
	case name == "" || name == "." || name == "..":
		return "", &ExtractNameError{Input: input, Reason: msgKey("nothing is left once .p7m is removed")}
	case strings.HasPrefix(name, "."):
		return "", &ExtractNameError{Input: input, Reason: msgKey("%q would be a hidden file"), args: []any{name}}
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsControl(r) || r == '\\' }) >= 0:
		return "", &ExtractNameError{Input: input, Reason: msgKey("the name contains control characters or backslashes")}
	}
	return filepath.Join(dir, name), nil
}

func runVerify(ctx context.Context, ios *IO, opts *verifyOptions) error {
	if opts.Output != "" && !opts.Extract {
		return usageErrorf("-o/--output goes with --extract")
	}
	if opts.Output != "" && len(opts.Inputs) != 1 {
		return usageErrorf("-o/--output takes one input file, not %d", len(opts.Inputs))
	}
	if opts.Content != "" && len(opts.Inputs) != 1 {
		return usageErrorf("--content goes with one detached signature, not %d files", len(opts.Inputs))
	}
	stdinUsers := 0
	for _, in := range opts.Inputs {
		if in == "-" {
			stdinUsers++
		}
	}
	if opts.Content == "-" {
		stdinUsers++
	}
	if stdinUsers > 1 {
		return usageErrorf("standard input (-) can be read only once")
	}
	if opts.Extract && opts.Output == "" {
		for _, in := range opts.Inputs {
			if in == "-" {
				return usageErrorf("--extract of standard input needs -o FILE")
			}
		}
	}
	if (len(opts.TSLSigners) > 0 || opts.TSLUnsigned) && len(opts.TSL) == 0 {
		return usageErrorf("--tsl-signer and --tsl-unsigned go with --tsl")
	}
	if len(opts.TSLSigners) > 0 && opts.TSLUnsigned {
		return usageErrorf("--tsl-signer and --tsl-unsigned exclude each other: a pinned list must be signed")
	}
	var at time.Time
	if opts.At != "" {
		var err error
		if at, err = parseAt(opts.At); err != nil {
			return usageErrorf("--at %q: give an RFC 3339 time (2012-03-15T10:00:00Z) or a date (2012-03-15)", opts.At)
		}
	}
	now := ios.Now()
	if !at.IsZero() {
		now = at
	}
	trust := verify.NewTrustStore()
	for _, t := range opts.Trust {
		if err := trust.AddPath(t); err != nil {
			return withCode(ExitInput, err, "")
		}
	}
	tslOpts := tsl.Options{AllowUnsigned: opts.TSLUnsigned, Now: fixedClock(now)}
	for _, p := range opts.TSLSigners {
		certs, err := verify.LoadCertificates(p)
		if err != nil {
			return withCode(ExitInput, err, "--tsl-signer takes the certificate that signs the trusted list, as a PEM or DER file")
		}
		tslOpts.Signers = append(tslOpts.Signers, certs...)
	}
	for _, t := range opts.TSL {
		if _, err := trust.AddTSL(t, tslOpts); err != nil {
			return withCode(ExitInput, err, "")
		}
	}
	lists := trust.TrustedLists()
	if !opts.NoSys {
		// A system without a CA store is fine: the other anchors remain.
		_ = trust.AddSystem()
	}

	// The human report goes to standard output, unless the document does.
	out := ios.Out
	if opts.Output == "-" {
		out = ios.Err
	}
	var results []verifyFileResult
	worst := ExitOK
	for i, in := range opts.Inputs {
		if err := ctx.Err(); err != nil {
			return err
		}
		res, code := verifyOne(ctx, ios, opts, trust, in, at)
		if code == ExitCanceled {
			return context.Canceled
		}
		results = append(results, res)
		worst = worseExit(worst, code)
		if !opts.JSON {
			if i > 0 {
				printLine(out)
			}
			printVerifyResult(out, &res, lists)
		}
	}
	if opts.JSON {
		j := verifyJSON{Indication: string(verify.TotalPassed), TrustedLists: lists, Files: results}
		switch worst {
		case ExitVerifyFailed:
			j.Indication = string(verify.TotalFailed)
		case ExitInput, ExitOutput:
			j.Indication = "ERROR"
		case ExitVerifyIndeterminate:
			j.Indication = string(verify.Indeterminate)
		}
		if err := writeJSON(out, j); err != nil {
			return err
		}
	} else if len(results) > 1 {
		printLine(out)
		printVerifySummary(out, results)
	}
	if worst == ExitOK {
		return nil
	}
	return silentExit{worst}
}

// worseExit orders the verification exit codes: a failed signature is
// the most important news, then a file that could not be checked, then a
// document that could not be extracted, then an undecided signature.
func worseExit(a, b int) int {
	rank := map[int]int{ExitOK: 0, ExitVerifyIndeterminate: 1, ExitOutput: 2, ExitInput: 3, ExitVerifyFailed: 4}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func exitFor(ind verify.Indication) int {
	switch ind {
	case verify.TotalPassed:
		return ExitOK
	case verify.TotalFailed:
		return ExitVerifyFailed
	}
	return ExitVerifyIndeterminate
}

// verifyOne verifies one file, extracting its document when asked.
func verifyOne(ctx context.Context, ios *IO, opts *verifyOptions, trust *verify.TrustStore, input string, at time.Time) (verifyFileResult, int) {
	res := verifyFileResult{File: input}
	fail := func(err error) (verifyFileResult, int) {
		if errors.Is(err, context.Canceled) {
			return res, ExitCanceled // said once, by the command
		}
		res.Error, res.err = inEnglish(err.Error), err
		reportFileError(ios, input, err)
		code, _ := classify(err)
		if code != ExitOutput && code != ExitCanceled {
			code = ExitInput
		}
		return res, code
	}
	if res, code, ok := verifyPDF(ctx, ios, opts, trust, input, at, fail); ok {
		return res, code // a signed PDF (verify_pdf.go)
	}
	if res, code, ok := verifyXAdES(ctx, ios, opts, trust, input, at, fail); ok {
		return res, code // a signed XML file (verify_xades.go)
	}
	var r io.Reader = ios.In
	if input != "-" {
		f, err := os.Open(input)
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return fail(fmt.Errorf("%s is a directory", input))
		}
		r = f
	}
	if res, code, ok := verifyPECHook(ctx, ios, opts, trust, input, &r, at); ok {
		return res, code
	}
	vo := verify.Options{Trust: trust, Online: opts.Online, Timeout: opts.Timeout, Now: ios.Now, At: at, Name: input}
	content, found := opts.Content, false
	if content == "" && input != "-" && strings.EqualFold(filepath.Ext(input), ".p7s") {
		// As firma sign does: the document of x.pdf.p7s is x.pdf.
		doc := input[:len(input)-len(".p7s")]
		if fi, err := os.Stat(doc); err == nil && fi.Mode().IsRegular() {
			content, found = doc, true
		}
	}
	if content != "" {
		if content == "-" {
			vo.Content = ctxio.NewReader(ctx, ios.In)
		} else {
			cf, err := os.Open(content)
			if err != nil {
				return fail(errorf("%s: %v", trLater(msgKey("reading the signed content")), err))
			}
			defer cf.Close()
			vo.Content = ctxio.NewReader(ctx, cf)
		}
	}
	var out *atomicfile.File
	if opts.Extract {
		switch {
		case opts.Output == "-":
			vo.Extract = ios.Out
		default:
			name := opts.Output
			if name == "" {
				var err error
				if name, err = extractName(input); err != nil {
					return fail(err)
				}
			}
			if input != "-" {
				if a, err1 := os.Stat(input); err1 == nil {
					if b, err2 := os.Stat(name); err2 == nil && os.SameFile(a, b) {
						return fail(withCode(ExitOutput, errorf("the output %s is the input itself", name), tr("choose another output name")))
					}
				}
			}
			var err error
			out, err = atomicfile.Create(name, atomicfile.Options{Force: opts.Force})
			if err != nil {
				return fail(withCode(ExitOutput, err, ""))
			}
			defer out.Abort() // no-op after Commit
			vo.Extract = out
		}
	}
	rep, err := verify.Verify(ctx, ctxio.NewReader(ctx, r), vo)
	if ctx.Err() != nil {
		// Whatever the report says of a file read half-way, it is not a
		// verdict.
		return res, ExitCanceled
	}
	if err != nil {
		var xe *verify.ExtractError
		if errors.As(err, &xe) {
			return fail(withCode(ExitOutput, err, ""))
		}
		return fail(err)
	}
	res.Report = rep
	if len(rep.Layers) > 0 && rep.Layers[0].Detached && content != "" {
		res.ContentFile, res.ContentFound = content, found
	}
	if out != nil {
		switch {
		case rep.Content == nil:
			res.ExtractNote = jsonOrUser(opts.JSON, func() string { return tr("nothing extracted: the file holds no document (detached signature)") })
		case !rep.Intact():
			res.ExtractNote = jsonOrUser(opts.JSON, func() string {
				return sprintf("nothing extracted: the document's integrity does not hold (%s)", string(rep.SubIndication))
			})
		default:
			if err := out.Commit(); err != nil {
				return fail(withCode(ExitOutput, err, ""))
			}
			rep.Content.ExtractedTo = out.Name()
		}
	} else if opts.Output == "-" && rep.Content != nil {
		rep.Content.ExtractedTo = "-"
	}
	return res, exitFor(rep.Indication)
}

// jsonOrUser is a text in English for --json (scripts read it), in the
// user's language for the report a person reads.
func jsonOrUser(json bool, say func() string) string {
	if json {
		return inEnglish(say)
	}
	return say()
}

// parseAt reads --at: an RFC 3339 time, or a date for its midnight UTC.
func parseAt(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Parse(time.DateOnly, s)
}

func reportFileError(ios *IO, input string, err error) {
	printf(ios.Err, "firma: error: %s: %s\n", input, message(err))
	_, hint := classify(err)
	if hint != "" {
		for _, line := range strings.Split(hint, "\n") {
			printf(ios.Err, "firma: hint: %s\n", line)
		}
	}
}
