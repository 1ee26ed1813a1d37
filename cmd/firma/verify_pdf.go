package main

// firma verify on a PDF: PAdES signatures inside the file (package
// pades). verifyOne hands a file that starts like a PDF to verifyPDF;
// printSignature calls printPDFSignature for the PDF lines.

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

	"github.com/spf13/cobra"

	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/pdf"
	"github.com/firma-dev/firma/pades"
	"github.com/firma-dev/firma/verify"
)

// isPDFFile reports whether the file input starts like a PDF: %PDF- at
// its start (after white space). Readers accept the header anywhere in
// the first KiB, but a .p7m of a PDF has "%PDF-" there too.
func isPDFFile(input string) bool {
	f, err := os.Open(input)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	return looksLikePDF(head[:n])
}

// pdfExtractName is --extract's default output for a PDF: the revision
// the last signature signed, as referto-firmato-rev2.pdf.
func pdfExtractName(input string, rev int) string {
	base := filepath.Base(input)
	ext := filepath.Ext(base)
	return filepath.Join(filepath.Dir(input), fmt.Sprintf("%s-rev%d%s", strings.TrimSuffix(base, ext), rev, ext))
}

// verifyPDFOptions are firma verify's flags for encrypted PDFs.
type verifyPDFOptions struct {
	Password *secretOptions
	// password is read once, when the first encrypted PDF needs it, and
	// serves every file of the run (a descriptor can be read only once).
	password []byte
	asked    bool
}

// addVerifyPDFFlags wires the PDF password flags into firma verify.
func addVerifyPDFFlags(cmd *cobra.Command, o *verifyPDFOptions) {
	o.Password = newPDFPasswordOptions()
	o.Password.addFlags(cmd.Flags())
	cmd.Example += `

  # A signed PDF (PAdES); an encrypted one with its password from a file
  firma verify --tsl TSL-IT.xml referto-firmato.pdf
  firma verify --tsl TSL-IT.xml --pdf-password-file pw.txt cifrato-firmato.pdf
  cat referto-firmato.pdf | firma verify --tsl TSL-IT.xml -`
}

// verifyPDF verifies one PDF; fail is verifyOne's error path. ok is
// false for a file that is not a PDF, or a readable PDF without
// signatures: verifyOne then treats it as any other file (and says it is
// not a signed file). A PDF on standard input is spooled to a temporary
// file (the reader needs random access); a file that is not a PDF is
// left to verifyOne through ios.In, which then reads the peeked bytes
// again.
func verifyPDF(ctx context.Context, ios *IO, opts *verifyOptions, trust *verify.TrustStore, input string, at time.Time, fail func(error) (verifyFileResult, int)) (res verifyFileResult, code int, ok bool) {
	var f *os.File
	if input == "-" {
		br := bufio.NewReaderSize(ios.In, 1024)
		ios.In = br
		head, _ := br.Peek(64)
		if !looksLikePDF(head) {
			return verifyFileResult{}, 0, false
		}
		var err error
		if f, err = spoolPDF(ctx, br); err != nil {
			res, code := fail(err)
			return res, code, true
		}
	} else {
		if !isPDFFile(input) {
			return verifyFileResult{}, 0, false
		}
		var err error
		if f, err = os.Open(input); err != nil {
			res, code := fail(err)
			return res, code, true
		}
	}
	defer f.Close()
	return verifyPDFSigned(ctx, ios, opts, trust, input, f, at, fail)
}

func looksLikePDF(head []byte) bool {
	return bytes.HasPrefix(bytes.TrimLeft(head, " \t\r\n\x00"), []byte("%PDF-"))
}

// PDFUnreadableError reports a signed PDF (it has a /ByteRange) whose
// structure firma cannot read.
type PDFUnreadableError struct{ Err error }

func (e *PDFUnreadableError) Error() string {
	return tr("a signed PDF whose structure cannot be read") + ": " + e.Err.Error()
}
func (e *PDFUnreadableError) Unwrap() error { return e.Err }

// Hint says what the reader of a damaged file can do.
func (e *PDFUnreadableError) Hint() string {
	return tr("the file is damaged (cut short, or rewritten by a program that broke its structure); firma judges the bytes as they are and repairs nothing: ask the sender for a new copy")
}

// PDFNotSignedError reports a PDF that holds no signature (no signature
// dictionary with a /ByteRange); Err is why its structure could not be
// read, when it could not.
type PDFNotSignedError struct{ Err error }

func (e *PDFNotSignedError) Error() string {
	if e.Err != nil {
		return tr("a PDF without signatures, whose structure cannot be read either") + ": " + e.Err.Error()
	}
	return tr("a PDF without signatures: there is nothing to verify")
}
func (e *PDFNotSignedError) Unwrap() error { return e.Err }

// Hint says where a signature would be.
func (e *PDFNotSignedError) Hint() string {
	return tr("a signed PDF carries its signatures inside (PAdES) or comes as a .p7m; ask the sender for the signed file, or sign this one with firma sign --pades")
}

// hasByteRange reports whether the file mentions /ByteRange anywhere:
// the mark of a signature dictionary, for telling a damaged signed PDF
// from a PDF that is not signed. It reads the file once, in chunks.
func hasByteRange(f io.ReaderAt, size int64) bool {
	marker := []byte("/ByteRange")
	buf := make([]byte, 1<<16+len(marker))
	for at := int64(0); at < size; at += 1 << 16 {
		n, _ := f.ReadAt(buf, at)
		if n <= 0 {
			return false
		}
		if bytes.Contains(buf[:n], marker) {
			return true
		}
	}
	return false
}

func verifyPDFSigned(ctx context.Context, ios *IO, opts *verifyOptions, trust *verify.TrustStore, input string, f *os.File, at time.Time, fail0 func(error) (verifyFileResult, int)) (verifyFileResult, int, bool) {
	fail := func(err error) (verifyFileResult, int, bool) {
		r, c := fail0(err)
		return r, c, true
	}
	res := verifyFileResult{File: input}
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	po := &opts.PDF
	if po.Password == nil {
		po.Password = newPDFPasswordOptions() // options built without the command
	}
	vo := pades.VerifyOptions{Options: verify.Options{Trust: trust, Online: opts.Online, Timeout: opts.Timeout, Now: ios.Now, At: at, Name: input}, Password: po.password}
	rep, err := pades.Verify(ctx, f, fi.Size(), vo)
	var pe *pdf.PasswordError
	if errors.As(err, &pe) && !pe.Given && !po.asked {
		// Encrypted, and the empty password does not open it: ask once.
		po.asked = true
		if po.password, err = po.Password.read(ios, tr("Password of the PDF: ")); err != nil {
			return fail(err)
		}
		vo.Password = po.password
		rep, err = pades.Verify(ctx, f, fi.Size(), vo)
	}
	if ctx.Err() != nil {
		return res, ExitCanceled, true
	}
	switch {
	case errors.As(err, &pe) && pe.Given:
		return fail(withCode(ExitInput, fmt.Errorf("%s: %w", tr("the PDF password does not open it"), err), tr("check the password: it is the one asked to open the PDF (the user password) or its owner password")))
	case errors.As(err, &pe):
		return fail(withCode(ExitInput, err, tr("give the PDF's password with --pdf-password-file, --pdf-password-fd or FIRMA_PDF_PASSWORD")))
	case err != nil:
		var np *pdf.NotPDFError
		switch {
		case errors.As(err, &np):
			return res, 0, false // %PDF- at the start, but not a PDF: the CMS reader says what it is
		case !hasByteRange(f, fi.Size()):
			return fail(withCode(ExitInput, &PDFNotSignedError{Err: err}, ""))
		}
		return fail(withCode(ExitInput, &PDFUnreadableError{Err: err}, ""))
	case len(rep.AllSignatures()) == 0:
		return fail(withCode(ExitInput, &PDFNotSignedError{}, ""))
	}
	res.Report = rep
	if opts.Extract {
		// The revision the last signature signed: [0, c+d).
		var last *verify.Signature
		for _, s := range rep.AllSignatures() {
			if s.PDF != nil && s.PDF.Revision > 0 && (last == nil || s.PDF.ByteRange[2]+s.PDF.ByteRange[3] > last.PDF.ByteRange[2]+last.PDF.ByteRange[3]) {
				last = s
			}
		}
		switch {
		case last == nil || !rep.Intact():
			res.ExtractNote = jsonOrUser(opts.JSON, func() string {
				return sprintf("nothing extracted: no signature of the file holds (%s)", string(rep.SubIndication))
			})
		default:
			end := last.PDF.ByteRange[2] + last.PDF.ByteRange[3]
			name := opts.Output
			if name == "" {
				name = pdfExtractName(input, last.PDF.Revision)
			}
			var w io.Writer = ios.Out
			var out *atomicfile.File
			if name != "-" {
				if out, err = atomicfile.Create(name, atomicfile.Options{Force: opts.Force}); err != nil {
					return fail(withCode(ExitOutput, err, ""))
				}
				defer out.Abort()
				w = out
			}
			if _, err := io.Copy(w, io.NewSectionReader(f, 0, end)); err != nil {
				return fail(withCode(ExitOutput, err, ""))
			}
			if out != nil {
				if err := out.Commit(); err != nil {
					return fail(withCode(ExitOutput, err, ""))
				}
			}
			rep.Content = &verify.Content{Length: end, ExtractedTo: name}
		}
	}
	return res, exitFor(rep.Indication), true
}

// printPDFSignature prints where a PAdES signature sits in its PDF.
func printPDFSignature(w io.Writer, s *verify.Signature, in string) {
	p := s.PDF
	if p == nil {
		return
	}
	kind := p.SubFilter
	if p.Level != "" {
		kind += ", " + p.Level
	}
	printf(w, "%sfield:        %s (%s)\n", in, p.Field, kind)
	cover := tr("the whole file")
	if !p.WholeFile {
		cover = tr("not the whole file: later revisions follow")
	}
	if p.Revision > 0 {
		printf(w, "%ssigned:       revision %d, %d bytes, %s\n", in, p.Revision, p.Covered, cover)
	}
	if p.Certification > 0 {
		printf(w, "%scertifies:    DocMDP P=%d\n", in, p.Certification)
	}
	for _, c := range p.Changes {
		printf(w, "%schanged after: revision %d, %s: %s\n", in, c.Revision, changeClassWords(c.Class), verify.Series(c.Objects))
	}
}

// changeClassWords says a class of changes after a signature (package
// verify's PDFChange.Class) in words.
// isChangeClass reports one of pades' classes of changes after a
// signature (verify.PDFChange.Class).
func isChangeClass(w string) bool {
	switch w {
	case "dss_or_timestamp", "signature_or_form_fill", "annotation", "pages_added", "pages_removed", "undefined":
		return true
	}
	return false
}

func changeClassWords(class string) string {
	switch class {
	case "dss_or_timestamp":
		return tr("dss or timestamp")
	case "signature_or_form_fill":
		return tr("signature or form fill")
	case "annotation":
		return tr("annotation")
	case "pages_added":
		return tr("pages added")
	case "pages_removed":
		return tr("pages removed")
	case "undefined":
		return tr("undefined")
	}
	return strings.ReplaceAll(class, "_", " ")
}
