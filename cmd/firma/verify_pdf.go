package main

// firma verify on a PDF: PAdES signatures inside the file (package
// pades). verifyOne hands a file that starts like a PDF to verifyPDF;
// printSignature calls printPDFSignature for the PDF lines.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/pades"
	"github.com/firma-dev/firma/verify"
)

// isPDFFile reports whether the file input starts like a PDF: %PDF- at
// its start (after white space). Readers accept the header anywhere in
// the first KiB, but a .p7m of a PDF has "%PDF-" there too.
func isPDFFile(input string) bool {
	if input == "-" {
		return false
	}
	f, err := os.Open(input)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	return bytes.HasPrefix(bytes.TrimLeft(head[:n], " \t\r\n\x00"), []byte("%PDF-"))
}

// pdfExtractName is --extract's default output for a PDF: the revision
// the last signature signed, as referto-firmato-rev2.pdf.
func pdfExtractName(input string, rev int) string {
	base := filepath.Base(input)
	ext := filepath.Ext(base)
	return filepath.Join(filepath.Dir(input), fmt.Sprintf("%s-rev%d%s", strings.TrimSuffix(base, ext), rev, ext))
}

// verifyPDF verifies one PDF; fail is verifyOne's error path. ok is
// false for a PDF that cannot be read or holds no signature: verifyOne
// then treats it as any other file (and says it is not a signed file).
func verifyPDF(ctx context.Context, ios *IO, opts *verifyOptions, trust *verify.TrustStore, input string, at time.Time, fail func(error) (verifyFileResult, int)) (res verifyFileResult, code int, ok bool) {
	if !isPDFFile(input) {
		return verifyFileResult{}, 0, false
	}
	return verifyPDFSigned(ctx, ios, opts, trust, input, at, fail)
}

func verifyPDFSigned(ctx context.Context, ios *IO, opts *verifyOptions, trust *verify.TrustStore, input string, at time.Time, fail0 func(error) (verifyFileResult, int)) (verifyFileResult, int, bool) {
	fail := func(err error) (verifyFileResult, int, bool) {
		r, c := fail0(err)
		return r, c, true
	}
	res := verifyFileResult{File: input}
	f, err := os.Open(input)
	if err != nil {
		return fail(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	vo := pades.VerifyOptions{Options: verify.Options{Trust: trust, Online: opts.Online, Timeout: opts.Timeout, Now: ios.Now, At: at, Name: input}}
	if pw := ios.Getenv("FIRMA_PDF_PASSWORD"); pw != "" {
		vo.Password = []byte(pw)
	}
	rep, err := pades.Verify(ctx, f, fi.Size(), vo)
	if ctx.Err() != nil {
		return res, ExitCanceled, true
	}
	if err != nil || len(rep.AllSignatures()) == 0 {
		return res, 0, false
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
			res.ExtractNote = "nothing extracted: no signature of the file holds (" + string(rep.SubIndication) + ")"
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
	cover := "the whole file"
	if !p.WholeFile {
		cover = "not the whole file: later revisions follow"
	}
	if p.Revision > 0 {
		printf(w, "%ssigned:       revision %d, %d bytes, %s\n", in, p.Revision, p.Covered, cover)
	}
	if p.Certification > 0 {
		printf(w, "%scertifies:    DocMDP P=%d\n", in, p.Certification)
	}
	for _, c := range p.Changes {
		printf(w, "%schanged after: revision %d, %s: %s\n", in, c.Revision, strings.ReplaceAll(c.Class, "_", " "), strings.Join(c.Objects, ", "))
	}
}
