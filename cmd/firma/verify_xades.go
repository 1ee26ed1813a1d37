package main

// firma verify on an XML file: XAdES and XML-DSig signatures inside it
// (package xades): FatturaPA e-invoices and SdI receipts. verifyOne
// hands a file that starts like XML to verifyXAdES; printSignature calls
// printXMLSignature for the XML lines.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/ctxio"
	"github.com/firma-dev/firma/verify"
	"github.com/firma-dev/firma/xades"
)

// isXMLFile reports whether the file input starts like XML: '<' first,
// after a byte order mark and white space. No CMS form starts so.
func isXMLFile(input string) bool {
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
	h := bytes.TrimPrefix(head[:n], []byte("\xef\xbb\xbf"))
	h = bytes.TrimLeft(h, " \t\r\n")
	return len(h) > 0 && h[0] == '<'
}

// xmlExtractName is --extract's default output for an XML file: the
// document without its signatures, as fattura-unsigned.xml.
func xmlExtractName(input string) string {
	base := filepath.Base(input)
	ext := filepath.Ext(base)
	return filepath.Join(filepath.Dir(input), strings.TrimSuffix(base, ext)+"-unsigned"+ext)
}

// verifyXAdES verifies one XML file; fail is verifyOne's error path. ok
// is false for a file that is not XML or holds no signature: verifyOne
// then treats it as any other file (and says it is not a signed file).
func verifyXAdES(ctx context.Context, ios *IO, opts *verifyOptions, trust *verify.TrustStore, input string, at time.Time, fail0 func(error) (verifyFileResult, int)) (verifyFileResult, int, bool) {
	if !isXMLFile(input) {
		return verifyFileResult{}, 0, false
	}
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
	xo := xades.Options{Options: verify.Options{Trust: trust, Online: opts.Online, Timeout: opts.Timeout, Now: ios.Now, At: at, Name: input}}
	if opts.Content != "" {
		// --content is the data of the detached references.
		content := opts.Content
		xo.Detached = func(string) (io.ReadCloser, error) {
			if content == "-" {
				return io.NopCloser(ctxio.NewReader(ctx, ios.In)), nil
			}
			cf, err := os.Open(content)
			if err != nil {
				return nil, err
			}
			return struct {
				io.Reader
				io.Closer
			}{ctxio.NewReader(ctx, cf), cf}, nil
		}
	}
	var extracted bytes.Buffer
	if opts.Extract {
		xo.Extract = &extracted
	}
	rep, err := xades.Verify(ctx, ctxio.NewReader(ctx, f), xo)
	if ctx.Err() != nil {
		return res, ExitCanceled, true
	}
	var ns xades.NoSignatureError
	var me *xades.MalformedError
	if errors.As(err, &ns) || errors.As(err, &me) {
		return res, 0, false
	}
	if err != nil {
		return fail(err)
	}
	res.Report = rep
	if opts.Content != "" {
		res.ContentFile = opts.Content
	}
	if opts.Extract {
		switch {
		case rep.Content == nil || !rep.XML.WholeSigned:
			res.ExtractNote = jsonOrUser(opts.JSON, func() string {
				return tr("nothing extracted: no signature signed the whole document minus its signatures")
			})
		case !rep.Intact():
			res.ExtractNote = jsonOrUser(opts.JSON, func() string {
				return sprintf("nothing extracted: the document's integrity does not hold (%s)", string(rep.SubIndication))
			})
		default:
			name := opts.Output
			if name == "" {
				name = xmlExtractName(input)
			}
			if name == "-" {
				if _, err := ios.Out.Write(extracted.Bytes()); err != nil {
					return fail(withCode(ExitOutput, err, ""))
				}
			} else {
				out, err := atomicfile.Create(name, atomicfile.Options{Force: opts.Force})
				if err != nil {
					return fail(withCode(ExitOutput, err, ""))
				}
				defer out.Abort()
				if _, err := out.Write(extracted.Bytes()); err != nil {
					return fail(withCode(ExitOutput, err, ""))
				}
				if err := out.Commit(); err != nil {
					return fail(withCode(ExitOutput, err, ""))
				}
			}
			rep.Content.ExtractedTo = name
		}
	}
	return res, exitFor(rep.Indication), true
}

// printXMLSignature prints what an XML signature signs and how.
func printXMLSignature(w io.Writer, s *verify.Signature, in string) {
	x := s.XML
	if x == nil {
		return
	}
	var cover string
	switch x.Coverage {
	case "whole_document":
		cover = tr("the whole document, signatures excluded")
	case "part":
		cover = sprintf("part of the document: %s", strings.Join(x.Covered, ", "))
	case "detached":
		cover = tr("a file outside the document (detached)")
	case "signature_value":
		cover = tr("the signature value it counter-signs")
	case "none":
		cover = tr("no data")
	}
	switch x.Placement {
	case "enveloped":
		printf(w, "%ssigned:       %s (enveloped)\n", in, cover)
	case "enveloping":
		printf(w, "%ssigned:       %s (enveloping)\n", in, cover)
	case "detached":
		printf(w, "%ssigned:       %s (detached)\n", in, cover)
	case "none":
		printf(w, "%ssigned:       %s (none)\n", in, cover)
	default:
		printf(w, "%ssigned:       %s (%s)\n", in, cover, x.Placement)
	}
	var binding string
	switch x.CertificateBinding {
	case "signing_certificate":
		binding = "SigningCertificate"
	case "signing_certificate_v2":
		binding = "SigningCertificateV2"
	case "key_info":
		binding = tr("signed KeyInfo")
	case "none":
		binding = tr("not bound")
	}
	printf(w, "%scertificate binding: %s\n", in, binding)
	for _, r := range x.References {
		if r.Status == verify.StatusPassed {
			continue
		}
		printf(w, "%sreference %q (%s): %s %s\n", in, r.URI, referenceRoleWords(r.Role), said(checkStatusWords(r.Status)), r.Detail)
	}
	if len(x.FatturaPA) > 0 {
		printf(w, "%sFatturaPA:    does not meet the SdI signature rules (%s)\n", in, strings.Join(x.FatturaPA, ", "))
	}
}

// referenceRoleWords says what a ds:Reference points at (package
// verify's XMLReference.Role).
func referenceRoleWords(role string) string {
	switch role {
	case "document":
		return tr("document")
	case "signed_properties":
		return tr("signed_properties")
	case "key_info":
		return tr("key_info")
	case "countersigned":
		return tr("countersigned")
	case "other":
		return tr("other")
	}
	return role
}
