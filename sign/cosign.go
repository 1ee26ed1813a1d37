package sign

// Adding a signature to an existing CMS SignedData: a parallel
// co-signature (one more SignerInfo over the same content, as ArubaSign
// and Dike do) or a counter-signature (RFC 5652 section 11.4: a SignerInfo
// over another signer's signature value, stored as its unsigned attribute
// 1.2.840.113549.1.9.6). Written to an OutputFile (a file), the existing
// file is read once, like a document in Attached: its content is hashed
// (once per digest algorithm) while it is copied into the new file after
// an estimated header, its other parts are collected, and the header is
// fixed in place at the end (see onepass.go); a file whose size,
// modification or change time moves meanwhile is refused. To any other
// output it is read twice: once to hash the content and collect the
// parts, once to copy the content. Existing SignerInfos are re-emitted
// byte for byte (a counter-signed one gets only its unsigned attributes
// extended, which its signature does not cover), as are the existing
// certificates and CRLs. The input may be DER, BER, base64 or PEM; the
// output is DER around the parts kept as they were.

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/firma-dev/firma/internal/cms"
)

// Opener opens the existing signature file from the start; it is called
// once per pass.
type Opener func() (io.ReadCloser, error)

// NotSignedError reports an input that is not a CMS signature, so it
// cannot be co-signed or counter-signed.
type NotSignedError struct {
	Err error
}

func (e *NotSignedError) Error() string {
	return fmt.Sprintf("not a readable CMS signature: %v", e.Err)
}
func (e *NotSignedError) Unwrap() error { return e.Err }

// DetachedContentError reports a co-signature asked of a detached
// signature, which does not carry the content to sign.
type DetachedContentError struct{}

func (e *DetachedContentError) Error() string {
	return "the signature is detached (no document inside): co-signing it needs the document it was made on"
}

// NotDetachedError reports a document given for a signature that holds
// its own content.
type NotDetachedError struct{}

func (e *NotDetachedError) Error() string {
	return "the signature holds the document itself (enveloping): no separate document is needed"
}

// ContentMismatchError reports a document that is not the one an existing
// signature of a detached file was made on (or that cannot be checked).
type ContentMismatchError struct {
	// Signer is the existing signature (from 1, in file order).
	Signer int
	// Reason is set when the match could not be checked at all.
	Reason string
}

func (e *ContentMismatchError) Error() string {
	if e.Reason != "" {
		return fmt.Sprintf("cannot check the document against signature %d: %s", e.Signer, e.Reason)
	}
	return fmt.Sprintf("the document is not the one signature %d was made on (its digest differs)", e.Signer)
}

// SignerIndexError reports a counter-signature target that does not exist
// or is ambiguous.
type SignerIndexError struct {
	Index, Count int
}

func (e *SignerIndexError) Error() string {
	if e.Index == 0 {
		return fmt.Sprintf("the file has %d signatures: choose the one to counter-sign", e.Count)
	}
	return fmt.Sprintf("signature %d does not exist: the file has %d", e.Index, e.Count)
}

// parseExisting reads the signature file once, hashing its content with
// the Signer's hash, and streams the content to w when not nil, counting
// progress times each byte. before, when set, is called before the first
// content byte (see cms.ParseOptions.BeforeContent). An opened file that
// changed while it was read is a *ContentChangedError.
func (s *Signer) parseExisting(ctx context.Context, open Opener, w io.Writer, progress int64, before func(sd *cms.ParsedSignedData, length int64, in inputInfo) error) (*cms.ParsedSignedData, error) {
	rc, err := open()
	if err != nil {
		return nil, &InputError{Err: err}
	}
	defer rc.Close()
	state, statable, err := statOf(rc)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	form, r, err := cms.Detect(rc)
	if err != nil {
		return nil, &NotSignedError{Err: err}
	}
	opts := cms.ParseOptions{ExtraDigests: []crypto.Hash{s.opts.Hash}}
	cw := &contentWriter{w: w, progress: s.opts.Progress, factor: progress}
	opts.Content = cw
	var beforeErr error
	if before != nil {
		in := inputInfo{size: -1, binary: form == cms.FormBER}
		if statable {
			in.size = state.size
		}
		opts.BeforeContent = func(sd *cms.ParsedSignedData, length int64) error {
			beforeErr = before(sd, length, in)
			return beforeErr
		}
	}
	sd, err := cms.ParseSignedData(&ctxReader{ctx: ctx, r: r}, opts)
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case beforeErr != nil:
		return nil, beforeErr
	case cw.err != nil:
		return nil, fmt.Errorf("writing signature: %w", cw.err)
	case err != nil:
		return nil, &NotSignedError{Err: err}
	}
	if statable {
		if changed, err := changedSince(rc, state); err != nil {
			return nil, &InputError{Err: err}
		} else if changed {
			return nil, &ContentChangedError{}
		}
	}
	return sd, nil
}

// inputInfo is what is known of an existing signature file before its
// content: its size (-1 unknown) and whether it is binary (not base64).
type inputInfo struct {
	size   int64
	binary bool
}

// CoSign writes to w the signature file that open reads, with one more
// SignerInfo: this Signer's, over the same content. Existing signatures
// stay as they are. To an OutputFile open is called once (one pass),
// else twice. On any error w holds a partial output to discard.
func (s *Signer) CoSign(ctx context.Context, open Opener, w io.Writer) (Result, error) {
	return s.addToExisting(ctx, open, w, func(sd *cms.ParsedSignedData) (*cms.SignedDataBuilder, Result, error) {
		if sd.Detached {
			return nil, Result{}, &DetachedContentError{}
		}
		return s.parallel(ctx, sd, sd.ContentLength, sd.ContentDigests[s.opts.Hash])
	})
}

// addToExisting writes to w the file that open reads with the parts that
// build makes from it: in one pass to an OutputFile, else in two (see
// reemit).
func (s *Signer) addToExisting(ctx context.Context, open Opener, w io.Writer, build func(*cms.ParsedSignedData) (*cms.SignedDataBuilder, Result, error)) (Result, error) {
	out, ok := w.(OutputFile)
	if !ok {
		sd, err := s.parseExisting(ctx, open, nil, 1, nil)
		if err != nil {
			return Result{}, err
		}
		b, res, err := build(sd)
		if err != nil {
			return res, err
		}
		return s.reemit(ctx, open, sd, b, w, res)
	}
	env, err := newEnvelope(out)
	if err != nil {
		return Result{}, err
	}
	sd, err := s.parseExisting(ctx, open, env, 2, func(part *cms.ParsedSignedData, length int64, in inputInfo) error {
		contentLen, parts := existingEstimate(length, in)
		h, err := s.estimateHeader(s.rebuild(part), contentLen, parts)
		if err != nil {
			return err
		}
		return env.begin(h)
	})
	if err != nil {
		return Result{}, err
	}
	b, res, err := build(sd)
	if err != nil {
		return res, err
	}
	if sd.Detached {
		// No content: nothing was written yet.
		der, err := b.EncodeDetached()
		if err != nil {
			return res, err
		}
		return res, writeSignature(w, &res, der, nil, nil)
	}
	header, trailer, err := b.EncodeAttached(sd.ContentLength)
	if err != nil {
		return res, err
	}
	res.Written, err = env.finish(header, trailer)
	return res, err
}

// existingEstimate returns the content length to size a co-signed file's
// header for, and how long the existing parts after the content
// (certificates, CRLs, signer infos) probably are, from what is known
// before the content: its length (-1 for a constructed OCTET STRING) and
// the input's size. Only the sizes of the header's lengths depend on
// them, so a rough figure is right but near a size boundary.
func existingEstimate(length int64, in inputInfo) (int64, int64) {
	const parts = 4096 // a certificate or two and a signer info
	size := in.size
	if size >= 0 && !in.binary {
		size = size / 4 * 3 // base64
	}
	switch {
	case length >= 0 && size > length:
		return length, size - length
	case length >= 0:
		return length, parts
	case size >= 0:
		return max(size-parts, 0), parts
	}
	return guessStreamSize, parts
}

// parallel signs digest (of size content bytes) and returns the parts
// of the file sd was read from with this SignerInfo added.
func (s *Signer) parallel(ctx context.Context, sd *cms.ParsedSignedData, size int64, digest []byte) (*cms.SignedDataBuilder, Result, error) {
	si, res, err := s.signerInfo(ctx, digest, sd.EContentType)
	res.Size = size
	if err != nil {
		return nil, res, err
	}
	b := s.rebuild(sd)
	b.SignerInfos = append(b.SignerInfos, si)
	return b, res, nil
}

// CoSignDetached writes to w the detached signature (.p7s) that open
// reads, with one more SignerInfo: this Signer's, over content, which must
// be the document the existing signatures were made on. Every existing
// signer's message digest is checked against content first: co-signing
// another document would make a file whose signers signed different
// things, so that is refused with a *ContentMismatchError. Existing
// signatures stay as they are. On any error w holds a partial output to
// discard.
func (s *Signer) CoSignDetached(ctx context.Context, open Opener, content io.Reader, w io.Writer) (Result, error) {
	sd, err := s.parseExisting(ctx, open, nil, 1, nil)
	if err != nil {
		return Result{}, err
	}
	if !sd.Detached {
		return Result{}, &NotDetachedError{}
	}
	// The hashes to compute: this Signer's and each existing signer's.
	hashes := map[crypto.Hash]hash.Hash{s.opts.Hash: s.opts.Hash.New()}
	wanted := make([]struct {
		h  crypto.Hash
		md []byte
	}, len(sd.SignerInfos))
	for i, si := range sd.SignerInfos {
		h, ok := cms.HashOf(si.DigestAlgorithm.Algorithm)
		if !ok {
			return Result{}, &ContentMismatchError{Signer: i + 1, Reason: fmt.Sprintf("its digest algorithm %s is not one firma knows", si.DigestAlgorithm.Algorithm)}
		}
		md, err := messageDigest(si)
		if err != nil {
			return Result{}, &ContentMismatchError{Signer: i + 1, Reason: err.Error()}
		}
		wanted[i].h, wanted[i].md = h, md
		if hashes[h] == nil {
			hashes[h] = h.New()
		}
	}
	ws := make([]io.Writer, 0, len(hashes)+1)
	for _, hh := range hashes {
		ws = append(ws, hh)
	}
	ws = append(ws, &contentWriter{progress: s.opts.Progress, factor: 1})
	n, err := io.CopyBuffer(io.MultiWriter(ws...), &ctxReader{ctx: ctx, r: content}, make([]byte, 1<<20))
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		return Result{}, &InputError{Err: fmt.Errorf("reading the document: %w", err)}
	}
	for i, wd := range wanted {
		if !bytes.Equal(hashes[wd.h].Sum(nil), wd.md) {
			return Result{}, &ContentMismatchError{Signer: i + 1}
		}
	}
	b, res, err := s.parallel(ctx, sd, n, hashes[s.opts.Hash].Sum(nil))
	if err != nil {
		return res, err
	}
	return s.reemit(ctx, open, sd, b, w, res)
}

// messageDigest returns the value of the message-digest signed attribute
// of si, with a reason a person can read when there is none.
func messageDigest(si *cms.ParsedSignerInfo) ([]byte, error) {
	md, err := si.MessageDigest()
	switch {
	case errors.Is(err, cms.ErrNoSignedAttrs):
		return nil, errors.New("it has no signed attributes, so the document it covers cannot be checked")
	case errors.Is(err, cms.ErrNoMessageDigest):
		return nil, errors.New("it has no single message-digest attribute")
	case err != nil:
		return nil, errors.New("its message-digest attribute cannot be read")
	}
	return md, nil
}

// CounterSign writes to w the signature file that open reads, with this
// Signer's counter-signature on signer number index (1-based, in file
// order; 0 picks the only signer and fails when there are several).
func (s *Signer) CounterSign(ctx context.Context, open Opener, index int, w io.Writer) (Result, error) {
	return s.addToExisting(ctx, open, w, func(sd *cms.ParsedSignedData) (*cms.SignedDataBuilder, Result, error) {
		return s.counter(ctx, sd, index)
	})
}

// counter makes this Signer's counter-signature on signer number index
// of sd and returns sd's parts with it added.
func (s *Signer) counter(ctx context.Context, sd *cms.ParsedSignedData, index int) (*cms.SignedDataBuilder, Result, error) {
	n := len(sd.SignerInfos)
	if index == 0 && n == 1 {
		index = 1
	}
	if index < 1 || index > n {
		return nil, Result{}, &SignerIndexError{Index: index, Count: n}
	}
	target := sd.SignerInfos[index-1]
	h := s.opts.Hash.New()
	h.Write(target.Signature)
	digest := h.Sum(nil)
	// No content-type: a counter-signature must not carry it.
	cs, res, err := s.signerInfo(ctx, digest, nil)
	res.Size = sd.ContentLength
	if err != nil {
		return nil, res, err
	}
	attr, err := cms.EncodeAttribute(cms.OIDAttrCounterSignature, cs)
	if err != nil {
		return nil, res, err
	}
	updated, err := addUnsignedAttr(target.Raw, attr)
	if err != nil {
		return nil, res, err
	}
	b := s.rebuild(sd)
	b.SignerInfos[index-1] = updated
	return b, res, nil
}

// rebuild starts a SignedData with the existing parts, as stored, plus
// this Signer's digest algorithm and certificates.
func (s *Signer) rebuild(sd *cms.ParsedSignedData) *cms.SignedDataBuilder {
	b := &cms.SignedDataBuilder{ContentType: sd.EContentType, MinVersion: int64(sd.Version)}
	for _, a := range sd.DigestAlgorithms {
		b.DigestAlgorithms = append(b.DigestAlgorithms, a.Raw)
	}
	b.DigestAlgorithms = append(b.DigestAlgorithms, s.digAlg)
	b.Certificates = append(append(b.Certificates, sd.Certificates...), s.certs...)
	b.CRLs = append(b.CRLs, sd.CRLs...)
	for _, si := range sd.SignerInfos {
		b.SignerInfos = append(b.SignerInfos, si.Raw)
	}
	return b
}

// reemit writes the new file: header, the content copied from a second
// read of the input (which must match the first), trailer.
func (s *Signer) reemit(ctx context.Context, open Opener, first *cms.ParsedSignedData, b *cms.SignedDataBuilder, w io.Writer, res Result) (Result, error) {
	if first.Detached {
		der, err := b.EncodeDetached()
		if err != nil {
			return res, err
		}
		return res, writeSignature(w, &res, der, nil, nil)
	}
	header, trailer, err := b.EncodeAttached(first.ContentLength)
	if err != nil {
		return res, err
	}
	err = writeSignature(w, &res, header, trailer, func(cw io.Writer) (bool, error) {
		again, err := s.parseExisting(ctx, open, cw, 1, nil)
		if err != nil {
			return false, err
		}
		return sameParts(first, again, s.opts.Hash), nil
	})
	return res, err
}

// sameParts reports whether a second read of a signature file gave the
// same content and the same signers as the first.
func sameParts(first, again *cms.ParsedSignedData, h crypto.Hash) bool {
	if again.ContentLength != first.ContentLength ||
		!bytes.Equal(again.ContentDigests[h], first.ContentDigests[h]) ||
		len(again.SignerInfos) != len(first.SignerInfos) {
		return false
	}
	for i := range again.SignerInfos {
		if !bytes.Equal(again.SignerInfos[i].Raw, first.SignerInfos[i].Raw) {
			return false
		}
	}
	return true
}

// addUnsignedAttr returns the SignerInfo raw with attr added to its
// unsigned attributes. Every other element is kept as stored; only the
// outer SEQUENCE header and the unsigned attributes SET are re-encoded
// (DER, sorted), which the signature does not cover.
func addUnsignedAttr(raw, attr []byte) ([]byte, error) {
	e, _, err := cms.ParseElement(raw)
	if err != nil {
		return nil, err
	}
	kids, err := e.Children()
	if err != nil {
		return nil, err
	}
	var body []byte
	attrs := [][]byte{attr}
	for _, k := range kids {
		if k.Is(cms.ClassContext, 1) {
			old, err := k.Children()
			if err != nil {
				return nil, err
			}
			for _, a := range old {
				attrs = append(attrs, a.Raw)
			}
			continue
		}
		body = append(body, k.Raw...)
	}
	set := cms.EncodeSetOf(attrs...)
	body = append(body, 0xa1)
	body = append(body, set[1:]...)
	return cms.EncodeSequence(body), nil
}

// contentWriter passes the content on to w (when set), counts progress and
// remembers a write error, so that a full disk is not reported as a
// malformed input.
type contentWriter struct {
	w        io.Writer
	progress func(int64)
	factor   int64 // progress counted per byte
	err      error
}

func (c *contentWriter) Write(p []byte) (int, error) {
	if c.w != nil {
		if _, err := c.w.Write(p); err != nil {
			c.err = err
			return 0, err
		}
	}
	if c.progress != nil {
		c.progress(c.factor * int64(len(p)))
	}
	return len(p), nil
}

// ctxReader stops reading when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
