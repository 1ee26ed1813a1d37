package main

// firma sign --pades: PAdES signatures inside PDF files. The flags hang
// off firma sign (addPAdESFlags); runSign hands over to runSignPAdES
// when --pades is given.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/pdf"
	"github.com/firma-dev/firma/pades"
	"github.com/firma-dev/firma/sign"
)

// padesOptions are firma sign's PAdES flags.
type padesOptions struct {
	On       bool
	Field    string
	Password *secretOptions
	// Visible is --visible PAGE:X1,Y1,X2,Y2, as given.
	Visible string
	// DocTimestamp is --doc-timestamp: a document timestamp after the
	// signature (needs --tsa).
	DocTimestamp bool
}

func newPDFPasswordOptions() *secretOptions {
	return &secretOptions{Name: "PDF password", Flag: "pdf-password", Env: "FIRMA_PDF_PASSWORD", FD: -1}
}

// addPAdESFlags wires --pades and its companions into firma sign.
func addPAdESFlags(cmd *cobra.Command, o *padesOptions) {
	o.Password = newPDFPasswordOptions()
	f := cmd.Flags()
	f.BoolVar(&o.On, "pades", false, "sign PDF files inside the PDF (PAdES, what the FSE asks for): FILE.pdf becomes FILE-firmato.pdf")
	f.StringVar(&o.Field, "field", "", "with --pades: name of the new signature field (default Signature1, Signature2...)")
	f.BoolVar(&o.DocTimestamp, "doc-timestamp", false, "with --pades and --tsa: add a document timestamp after the signature (one token, over the signed PDF) instead of timestamping the signature inside it")
	f.StringVar(&o.Visible, "visible", "", "with --pades: show the signature on page `PAGE:X1,Y1,X2,Y2` (points from the lower left corner of the page as displayed, 72 per inch), e.g. 1:50,50,250,110")
	o.Password.addFlags(f)
	cmd.Example += `

  # PAdES: the signature inside the PDF (referti for the FSE): writes
  # referto-firmato.pdf; a second --pades on it adds a second signature
  firma sign --pades referto.pdf
  firma sign --pades -o referto-controfirmato.pdf referto-firmato.pdf

  # A visible signature: a box at the bottom left of page 1 with the
  # signer's name, the date and "Firmato digitalmente da" (not on PDF/A)
  firma sign --pades --visible 1:50,50,250,110 referto.pdf

  # PAdES-B-T by a document timestamp after the signature
  firma sign --pades --tsa https://tsa.example.it/tsa --doc-timestamp referto.pdf`
}

// padesOutputName is the default output of a PAdES signature:
// referto.pdf -> referto-firmato.pdf (never the input itself), or the
// input's name inside --output-dir.
func padesOutputName(input, dir string) string {
	base := filepath.Base(input)
	if dir != "" {
		return filepath.Join(dir, base)
	}
	ext := filepath.Ext(base)
	if !strings.EqualFold(ext, ".pdf") {
		ext = ""
	}
	return filepath.Join(filepath.Dir(input), strings.TrimSuffix(base, ext)+"-firmato.pdf")
}

// padesJob is one PDF to sign.
type padesJob struct {
	Input, Output string
	Perm          fs.FileMode
	in            *os.File
	size          int64
	plan          *pades.Plan
	Skip          bool
}

// padesFileResult is one file of the --json output.
type padesFileResult struct {
	Input  string `json:"input"`
	Output string `json:"output"`
	// Status is signed, failed, not_signed or skipped, as for .p7m.
	Status string `json:"status"`
	Field  string `json:"field,omitempty"`
	// ByteRange is the signature's /ByteRange.
	ByteRange     []int64    `json:"byte_range,omitempty"`
	Size          int64      `json:"size,omitempty"`
	Written       int64      `json:"written,omitempty"`
	SigningTime   *time.Time `json:"signing_time,omitempty"`
	TimestampTime *time.Time `json:"timestamp_time,omitempty"`
	// DocTimestamp is the document timestamp --doc-timestamp added.
	DocTimestamp *padesDocTimestamp `json:"doc_timestamp,omitempty"`
	Error        string             `json:"error,omitempty"`
}

// padesDocTimestamp is a document timestamp in the --json output.
type padesDocTimestamp struct {
	Field     string    `json:"field"`
	ByteRange []int64   `json:"byte_range"`
	Time      time.Time `json:"time"`
}

// padesReport is the --json output of firma sign --pades.
type padesReport struct {
	Signer signerSummary `json:"signer"`
	// Format is PAdES-B-B, or PAdES-B-T with --tsa.
	Format          string            `json:"format"`
	DigestAlgorithm string            `json:"digest_algorithm"`
	Files           []padesFileResult `json:"files"`
	fileCounts
	TSA string `json:"tsa,omitempty"`
}

// parseVisible reads --visible PAGE:X1,Y1,X2,Y2.
func parseVisible(v string) (*pades.Appearance, error) {
	bad := usageErrorf("--visible %q: give PAGE:X1,Y1,X2,Y2, the page (from 1) and the box in points from the page's lower left corner, e.g. 1:50,50,250,110", v)
	page, box, ok := strings.Cut(v, ":")
	n, err := strconv.Atoi(strings.TrimSpace(page))
	if !ok || err != nil || n < 1 {
		return nil, bad
	}
	parts := strings.Split(box, ",")
	if len(parts) != 4 {
		return nil, bad
	}
	a := &pades.Appearance{Page: n}
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e6 {
			return nil, bad
		}
		a.Rect[i] = f
	}
	return a, nil
}

// padesError gives the library's PDF refusals an exit code and a hint.
func padesError(name string, err error) error {
	var ee *pades.EncryptedError
	var ce *pades.CertifiedError
	var pe *pdf.PasswordError
	var np *pdf.NotPDFError
	var me *pades.MalformedError
	var fe *pades.FieldExistsError
	var pge *pades.PageError
	var re *pades.RectError
	var ae *pades.PDFAError
	wrap := func(hint string) error { return withCode(ExitInput, fmt.Errorf("%s: %w", name, err), hint) }
	switch {
	case errors.As(err, &ee):
		return wrap(tr("give the PDF's password with --pdf-password-file, --pdf-password-fd or FIRMA_PDF_PASSWORD: firma signs without decrypting the document"))
	case errors.As(err, &pe):
		return wrap(tr("check the password: it is the one asked to open the PDF (the user password) or its owner password"))
	case errors.As(err, &ce):
		return wrap(tr("the author certified this PDF as final: ask them for an uncertified copy, or sign it as a .p7m (firma sign without --pades)"))
	case errors.As(err, &np):
		return wrap(tr("--pades signs PDF files; sign other files without --pades (CAdES .p7m)"))
	case errors.As(err, &me):
		return wrap(tr("firma does not repair PDFs: re-save it with the program that made it (or qpdf) and sign the copy"))
	case errors.As(err, &fe):
		return wrap(tr("choose another name with --field"))
	case errors.As(err, &pge):
		return withCode(ExitUsage, fmt.Errorf("%s: %w", name, err), tr("give a page of the document in --visible PAGE:X1,Y1,X2,Y2"))
	case errors.As(err, &re):
		hint := tr("give --visible PAGE:X1,Y1,X2,Y2 with X1 < X2 and Y1 < Y2, in points from the page's lower left corner")
		switch re.Reason {
		case "outside_page":
			hint = sprintf("keep the box inside the page, whose box is %v (an A4 page is 595 x 842 points)", re.MediaBox)
		case "too_small":
			hint = tr("make the box larger: about 150 x 40 points holds the three lines (name, date, \"Firmato digitalmente da\")")
		}
		return withCode(ExitUsage, fmt.Errorf("%s: %w", name, err), hint)
	case errors.As(err, &ae):
		return withCode(ExitUsage, fmt.Errorf("%s: %w", name, err), tr("sign it without --visible: an invisible signature keeps the file PDF/A (embedding a font subset for the appearance is not supported)"))
	}
	return err
}

// used reports whether a flag that only --pades takes was given.
func (o *padesOptions) used() bool {
	return o.Field != "" || o.Visible != "" || o.DocTimestamp
}

// runSignPAdES is firma sign --pades.
func runSignPAdES(ctx context.Context, ios *IO, opts *signOptions) error {
	po := &opts.PAdES
	switch {
	case !po.On:
		return usageErrorf("--field, --visible and --doc-timestamp go with --pades (a signature inside a PDF)")
	case opts.Detached, opts.Counter, opts.Nest, opts.Content != "":
		return usageErrorf("--pades puts the signature inside the PDF: it does not go with --detached, --counter, --nest or --content")
	case opts.Output != "" && len(opts.Inputs) > 1:
		return usageErrorf("-o names one output: with several files use --output-dir")
	}
	h, err := parseHash(opts.Hash)
	if err != nil {
		return err
	}
	var visible *pades.Appearance
	if po.Visible != "" {
		if visible, err = parseVisible(po.Visible); err != nil {
			return err
		}
	}
	tsa, err := tsaClient(opts)
	if err != nil {
		return err
	}
	if po.DocTimestamp && tsa == nil {
		return usageErrorf("--doc-timestamp needs --tsa URL: the document timestamp comes from a timestamp authority")
	}
	// Everything checkable is checked before the PIN: inputs, outputs,
	// PDF structure, certification, passwords.
	var jobs []*padesJob
	defer func() {
		for _, j := range jobs {
			if j.in != nil {
				j.in.Close()
			}
		}
	}()
	var password []byte
	defer func() { clear(password) }()
	for _, in := range opts.Inputs {
		j := &padesJob{Input: in, Perm: 0o644}
		jobs = append(jobs, j)
		switch {
		case opts.Output != "":
			j.Output = opts.Output
		case in == "-":
			j.Output = "-"
		default:
			j.Output = padesOutputName(in, opts.OutputDir)
		}
		if in == "-" {
			f, err := spoolPDF(ctx, ios.In)
			if err != nil {
				return err
			}
			j.in = f
		} else {
			f, err := os.Open(in)
			if err != nil {
				return withCode(ExitInput, fmt.Errorf("reading %s: %w", in, err), "")
			}
			j.in = f
		}
		fi, err := j.in.Stat()
		if err != nil {
			return withCode(ExitInput, fmt.Errorf("reading %s: %w", in, err), "")
		}
		if !fi.Mode().IsRegular() {
			return withCode(ExitInput, errors.New(sprintf("%s is not a regular file", in)), "")
		}
		j.size = fi.Size()
		if in != "-" {
			j.Perm = fi.Mode().Perm()
		}
		if j.Output == "-" && ios.OutIsTTY && opts.Output != "-" {
			return usageErrorf("the signed PDF would go to the terminal: redirect it or give -o FILE")
		}
		if j.Output != "-" {
			if ofi, err := os.Stat(j.Output); err == nil && os.SameFile(ofi, fi) {
				return withCode(ExitOutput, errors.New(sprintf("the output %s is the input itself", j.Output)), tr("choose another output name: firma never changes the input"))
			}
			if !opts.Force {
				if err := atomicfile.CheckFree(j.Output); err != nil {
					if opts.SkipExisting {
						j.Skip = true
						continue
					}
					return err
				}
			}
		}
		so := pades.SignOptions{Password: password, FieldName: po.Field, Now: ios.Now, Timestamped: tsa != nil && !po.DocTimestamp}
		if po.DocTimestamp {
			so.DocTimestamp = tsa
		}
		if visible != nil {
			v := *visible // each file gets its own; the name comes from the certificate
			so.Visible = &v
		}
		plan, err := pades.Prepare(j.in, j.size, so)
		var ee *pades.EncryptedError
		if errors.As(err, &ee) && password == nil {
			if password, err = po.Password.read(ios, tr("Password of the PDF: ")); err != nil {
				return err
			}
			so.Password = password
			plan, err = pades.Prepare(j.in, j.size, so)
		}
		if err != nil {
			return padesError(in, err)
		}
		j.plan = plan
	}
	todo := 0
	var total int64
	for _, j := range jobs {
		if !j.Skip {
			todo++
			total += j.size
		}
	}
	var timestamper sign.Timestamper
	if tsa != nil {
		if !po.DocTimestamp {
			timestamper = tsa // else the document timestamp is the B-T
		}
		if err := readTSAPassword(ios, opts, tsa, todo); err != nil {
			return err
		}
		defer clear(tsa.Password)
	}
	key, err := opts.openKey(ios)
	if err != nil {
		return err
	}
	defer key.Close()
	signer, err := sign.New(key.Signer, key.Cert, sign.Options{
		Hash: h, PSS: opts.PSS, Chain: key.Chain, Now: ios.Now,
		AllowAnyCertificate: opts.AllowAnyCertificate, Timestamper: timestamper, PAdES: true,
	})
	if err != nil {
		return err
	}
	if key.Login != nil && todo > 0 {
		if err := key.Login(); err != nil {
			return err
		}
	}
	report := &padesReport{Signer: summarize(key.Cert, ios.Now()), Format: "PAdES-B-B", DigestAlgorithm: hashName(h)}
	if tsa != nil {
		report.Format = "PAdES-B-T"
		report.TSA = tsa.Name()
	}
	var prog *progress
	if !opts.JSON {
		label := tr("signing")
		if len(jobs) > 1 {
			label = sprintf("signing %d files", todo)
		}
		prog = newProgress(ios, label, total, todo)
	}
	var batchErr *BatchError
	for _, j := range jobs {
		fr := padesFileResult{Input: j.Input, Output: j.Output, Status: "not_signed"}
		switch {
		case j.Skip:
			fr.Status = "skipped"
		case batchErr == nil:
			res, err := signPDF(ctx, ios, signer, j, opts.Force, func(n int64) { prog.add(n) })
			if err != nil {
				fr.Status, fr.Error = "failed", err.Error()
				batchErr = &BatchError{File: j.Input, Err: err}
				break
			}
			m, br := res.SigningTime.UTC(), res.ByteRange
			fr.Status, fr.Field, fr.Size, fr.Written, fr.SigningTime = "signed", res.Field, res.Size, res.Written, &m
			fr.ByteRange = br[:]
			if !res.TimestampTime.IsZero() {
				tt := res.TimestampTime.UTC()
				fr.TimestampTime = &tt
			}
			if d := res.DocTimestamp; d != nil {
				fr.DocTimestamp = &padesDocTimestamp{Field: d.Field, ByteRange: d.ByteRange[:], Time: d.Time.UTC()}
			}
		}
		report.Files = append(report.Files, fr)
	}
	prog.done(batchErr == nil)
	for _, f := range report.Files {
		report.count(f.Status)
	}
	toStdout := false
	for _, j := range jobs {
		toStdout = toStdout || j.Output == "-"
	}
	if opts.JSON {
		if toStdout {
			return usageErrorf("--json and a signed PDF on standard output would mix: give -o FILE")
		}
		if err := writeJSON(ios.Out, report); err != nil {
			return err
		}
	} else if !toStdout {
		for _, f := range report.Files {
			if f.Status == "signed" {
				printf(ios.Out, "signed %s -> %s (PAdES, field %s)\n", f.Input, f.Output, f.Field)
				if d := f.DocTimestamp; d != nil {
					printf(ios.Out, "  document timestamp %s of %s\n", d.Field, dateTime(d.Time))
				}
			}
		}
		printf(ios.Out, "%d of %d files signed by %s (%s, %s)\n", report.Signed, len(jobs), report.Signer.Name, report.DigestAlgorithm, report.Format)
	}
	if batchErr != nil {
		batchErr.Signed, batchErr.NotSigned = report.Signed, report.Failed+report.NotSigned
		return batchErr
	}
	return nil
}

// signPDF signs one job into its output, atomically.
func signPDF(ctx context.Context, ios *IO, s *sign.Signer, j *padesJob, force bool, progress func(int64)) (pades.Result, error) {
	if j.Output == "-" {
		return j.plan.Sign(ctx, s, ios.Out, progress)
	}
	out, err := atomicfile.Create(j.Output, atomicfile.Options{Force: force, Perm: j.Perm})
	if err != nil {
		return pades.Result{}, err
	}
	defer out.Abort()
	res, err := j.plan.Sign(ctx, s, out, progress)
	if err != nil {
		return res, err
	}
	return res, out.Commit()
}

// spoolPDF copies standard input to an unlinked temporary file: the PDF
// reader needs random access.
func spoolPDF(ctx context.Context, r io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "firma-stdin-*.pdf")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", tr("buffering standard input"), err)
	}
	os.Remove(f.Name())
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			f.Close()
			return nil, err
		}
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := f.Write(buf[:n]); err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: %w", tr("buffering standard input"), err)
			}
		}
		if rerr == io.EOF {
			return f, nil
		}
		if rerr != nil {
			f.Close()
			return nil, withCode(ExitInput, fmt.Errorf("%s: %w", tr("reading standard input"), rerr), "")
		}
	}
}
