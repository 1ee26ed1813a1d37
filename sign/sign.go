// Package sign makes CAdES signatures the way Italian verifiers expect
// them: CMS SignedData (RFC 5652) at baseline B-B of ETSI EN 319 122-1,
// with eContentType id-data and the signed attributes content-type,
// message-digest, signing-time and ESS signing-certificate-v2 (RFC 5035,
// SHA-256 of the signer certificate with its issuer and serial number),
// the signer certificate and its chain in certificates, everything DER.
//
// Signing takes any crypto.Signer and the certificate that goes with it, so
// a token key and a software key are used the same way; the package never
// touches hardware. RSA keys sign with PKCS#1 v1.5 under the rsaEncryption
// identifier (RFC 3370 section 3.2: every CMS verifier must accept it, and
// it is what Italian signing software writes, so no verifier in the field
// refuses it), or with RSASSA-PSS (RFC 4055) on request; ECDSA keys sign
// with ecdsa-with-SHA256/384/512 (RFC 5758), DER signature values. The
// digest is SHA-256 unless SHA-384 or SHA-512 is chosen.
//
// Content is streamed, never held in memory: a detached signature (.p7s)
// hashes the content in one pass; so does an enveloping one (.p7m) written
// to a file: the content is hashed while it is written after a header
// sized from an estimate of the signature, and the header is fixed in
// place once the signature is made (see onepass.go). A file that changes
// size, modification or change time while it is read fails instead of
// producing a signature of bytes nobody meant to sign. An enveloping
// signature to an output that cannot be rewritten (a pipe) hashes the
// content in a first pass, signs, computes every DER length up front, and
// copies the content in a second pass, hashing it again so that a file
// changed in between fails. Memory use does not depend on the size of the
// content.
//
// A signature can also be added to an existing one (DER, BER, base64 or
// PEM): CoSign adds a parallel signer over the same content, CounterSign
// a counter-signature (RFC 5652 section 11.4) on one signer; the existing
// signers are carried byte for byte (see cosign.go).
//
// With Options.Timestamper every new signature becomes CAdES-T (EN 319
// 122-1, RFC 5126): the SignerInfo carries, as its unsigned attribute
// signature-time-stamp, an RFC 3161 token over its signature value (see
// timestamp.go; tsa.go is the HTTP client for a timestamp authority).
//
// Every signature is checked against the certificate's public key before
// it is written, so a key that does not match its certificate (a wrong
// object picked on a token) is caught here and not by the recipient.
//
// Certificates that are expired, not yet valid or lack nonRepudiation (the
// key usage of a qualified signature certificate) are refused unless
// Options.AllowAnyCertificate is set, which is meant for test tokens.
package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/cms"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Options tune a Signer. The zero value signs with SHA-256 and PKCS#1 v1.5
// (RSA) at the current time.
type Options struct {
	// Hash is the digest algorithm: crypto.SHA256 (default), SHA384 or SHA512.
	Hash crypto.Hash
	// PSS selects RSASSA-PSS for RSA keys (salt as long as the hash,
	// MGF1 with the same hash). Many smartcards cannot do it.
	PSS bool
	// Chain holds the certificates that go with the signer's into the
	// signature (intermediates, optionally the root).
	Chain []*x509.Certificate
	// Now gives the signing time; time.Now when nil.
	Now func() time.Time
	// AllowAnyCertificate skips the validity and key usage checks. Only
	// for test tokens: a real signature made this way is worthless.
	AllowAnyCertificate bool
	// Progress, when set, is called with the number of content bytes
	// processed after each chunk. An enveloping signature counts each
	// byte twice, once hashed and once written into the envelope, in one
	// pass or in two, so it reports twice its size.
	Progress func(n int64)
	// Timestamper, when set, makes every new signature CAdES-T: an RFC
	// 3161 token over its signature value goes into its unsigned
	// attributes (see timestamp.go). A failure to get one fails the
	// signature before anything is written.
	Timestamper Timestamper
	// PAdES makes the CMS a PAdES signature needs (ETSI EN 319 142-1
	// B-B): no signing-time attribute, since the claimed time is the PDF
	// signature dictionary's /M. See DetachedDigest.
	PAdES bool
}

// Signer makes signatures with one key and certificate. It may be used for
// many files, one at a time.
type Signer struct {
	key    crypto.Signer
	cert   *x509.Certificate
	opts   Options
	certs  [][]byte
	digAlg []byte
	sigAlg []byte
	sigOpt crypto.SignerOpts
	// lastUnsigned is the size of the last SignerInfo's unsigned
	// attributes: the estimate for the next one's (see onepass.go).
	lastUnsigned atomic.Int64
}

// Result describes one signature.
type Result struct {
	// Size is the number of content bytes signed.
	Size int64
	// Digest is the content's message digest.
	Digest []byte
	// Hash is the digest algorithm.
	Hash crypto.Hash
	// SigningTime is the signing-time attribute.
	SigningTime time.Time
	// Written is the number of bytes written to the output.
	Written int64
	// TimestampTime is the genTime of the signature's timestamp token;
	// zero without Options.Timestamper.
	TimestampTime time.Time
}

// New prepares a Signer for key with cert. It refuses a certificate that
// cannot make a valid qualified signature now (see CertificateError) and a
// key type it cannot sign with.
func New(key crypto.Signer, cert *x509.Certificate, opts Options) (*Signer, error) {
	if key == nil || cert == nil {
		return nil, errors.New("signing needs a key and its certificate")
	}
	if opts.Hash == 0 {
		opts.Hash = crypto.SHA256
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Signer{key: key, cert: cert, opts: opts}
	var err error
	if s.digAlg, err = cms.EncodeDigestAlgorithm(opts.Hash); err != nil {
		return nil, &UnsupportedError{What: fmt.Sprintf("digest algorithm %v", opts.Hash), Hash: opts.Hash}
	}
	if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); ok && !pub.Equal(cert.PublicKey) {
		return nil, &KeyMismatchError{Subject: certinfo.FormatName(cert.Subject)}
	}
	switch cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if opts.PSS {
			params, err := cms.EncodeRSAPSSParams(opts.Hash)
			if err != nil {
				return nil, err
			}
			s.sigAlg, err = cms.EncodeAlgorithmIdentifier(cms.OIDRSAPSS, params)
			if err != nil {
				return nil, err
			}
			s.sigOpt = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: opts.Hash}
		} else {
			s.sigAlg, err = cms.EncodeAlgorithmIdentifier(cms.OIDRSAEncryption, cms.DERNull)
			if err != nil {
				return nil, err
			}
			s.sigOpt = opts.Hash
		}
	case *ecdsa.PublicKey:
		if opts.PSS {
			return nil, &UnsupportedError{What: "RSA-PSS with an ECDSA key", Problem: PSSWithECDSA}
		}
		oid := map[crypto.Hash]asn1.ObjectIdentifier{
			crypto.SHA256: cms.OIDECDSAWithSHA256,
			crypto.SHA384: cms.OIDECDSAWithSHA384,
			crypto.SHA512: cms.OIDECDSAWithSHA512,
		}[opts.Hash]
		// RFC 5758 section 3.2: the parameters are absent.
		if s.sigAlg, err = cms.EncodeAlgorithmIdentifier(oid, nil); err != nil {
			return nil, err
		}
		s.sigOpt = opts.Hash
	default:
		return nil, &UnsupportedError{What: fmt.Sprintf("%v keys", cert.PublicKeyAlgorithm), KeyAlgorithm: cert.PublicKeyAlgorithm}
	}
	if !opts.AllowAnyCertificate {
		if err := CheckCertificate(cert, opts.Now()); err != nil {
			return nil, err
		}
	}
	s.certs = append(s.certs, cert.Raw)
	for _, c := range opts.Chain {
		if c != nil {
			s.certs = append(s.certs, c.Raw)
		}
	}
	return s, nil
}

// Certificate is the signer's certificate.
func (s *Signer) Certificate() *x509.Certificate { return s.cert }

// Detached writes a detached signature (.p7s) of content to w: the
// content is read once and not included.
func (s *Signer) Detached(ctx context.Context, content io.Reader, w io.Writer) (Result, error) {
	res, si, err := s.hashAndSign(ctx, content)
	if err != nil {
		return res, err
	}
	der, err := s.signedData(si).EncodeDetached()
	if err != nil {
		return res, err
	}
	return res, writeSignature(w, &res, der, nil, nil)
}

// DetachedDigest returns a detached signature (DER SignedData, no
// eContent) over content the caller has hashed with Hash(): digest is its
// message digest. It is what a PDF signature's /Contents holds, the
// content being the /ByteRange bytes.
func (s *Signer) DetachedDigest(ctx context.Context, digest []byte) ([]byte, Result, error) {
	si, res, err := s.signerInfo(ctx, digest, cms.OIDData)
	if err != nil {
		return nil, res, err
	}
	der, err := s.signedData(si).EncodeDetached()
	if err != nil {
		return nil, res, err
	}
	res.Written = int64(len(der))
	return der, res, nil
}

// Attached writes an enveloping signature (.p7m) of content to w, from
// content's current position to its end.
//
// When w is an OutputFile (a regular file, such as firma's atomic output)
// content is read once: hashed while it is written into the envelope,
// whose header is fixed in place once the signature is made (see
// onepass.go). content's Seek then only tells its size, and may fail (a
// pipe: the size is found at its end). A content that is not as long as
// it was when signing started, or a file (anything with a Stat method)
// whose size, modification or change time moved while it was read, fails
// with a *ContentChangedError.
//
// Otherwise (a pipe, standard output) content is read twice, hashed then
// copied after a header computed from the real lengths, and hashed again:
// it must not change in between, or the signature fails with a
// *ContentChangedError.
//
// On any error w holds a partial output that the caller must discard
// (see internal/atomicfile).
func (s *Signer) Attached(ctx context.Context, content io.ReadSeeker, w io.Writer) (Result, error) {
	if out, ok := w.(OutputFile); ok {
		return s.attachedOnce(ctx, content, sizeOf(content), content, out)
	}
	start, err := content.Seek(0, io.SeekCurrent)
	if err != nil {
		return Result{}, fmt.Errorf("reading content: %w", err)
	}
	res, si, err := s.hashAndSign(ctx, content)
	if err != nil {
		return res, err
	}
	size, digest := res.Size, res.Digest
	header, trailer, err := s.signedData(si).EncodeAttached(size)
	if err != nil {
		return res, err
	}
	if _, err := content.Seek(start, io.SeekStart); err != nil {
		return res, fmt.Errorf("reading content again: %w", err)
	}
	err = writeSignature(w, &res, header, trailer, func(cw io.Writer) (bool, error) {
		n, again, err := s.copyHashing(ctx, io.LimitReader(content, size+1), cw, 1, nil)
		return n == size && bytes.Equal(again, digest), err
	})
	return res, err
}

// sizeOf is the number of bytes from r's position to its end, or -1 when
// r cannot tell (a pipe); r is left where it was.
func sizeOf(r io.Seeker) int64 {
	start, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return -1
	}
	end, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return -1
	}
	if _, err := r.Seek(start, io.SeekStart); err != nil || end < start {
		return -1
	}
	return end - start
}

// writeSignature writes head to w, then (when body is set) the content
// that body copies and tail, counting the bytes in res.Written. body
// reads the content a second time and reports whether it matched the
// first read: a mismatch is a *ContentChangedError, and nothing more is
// written.
func writeSignature(w io.Writer, res *Result, head, tail []byte, body func(io.Writer) (same bool, err error)) error {
	cw := &countWriter{w: w}
	defer func() { res.Written = cw.n }()
	if _, err := cw.Write(head); err != nil {
		return fmt.Errorf("writing signature: %w", err)
	}
	if body == nil {
		return nil
	}
	same, err := body(cw)
	switch {
	case err != nil:
		return err
	case !same:
		return &ContentChangedError{}
	}
	if _, err := cw.Write(tail); err != nil {
		return fmt.Errorf("writing signature: %w", err)
	}
	return nil
}

// hashAndSign is the first pass: it hashes content and signs the signed
// attributes over its digest.
func (s *Signer) hashAndSign(ctx context.Context, content io.Reader) (Result, []byte, error) {
	size, digest, err := s.copyHashing(ctx, content, nil, 1, nil)
	if err != nil {
		return Result{}, nil, err
	}
	si, res, err := s.signerInfo(ctx, digest, cms.OIDData)
	res.Size = size
	if err != nil {
		return res, nil, err
	}
	return res, si, nil
}

// signedData assembles the SignedData around its SignerInfos (one, or
// none yet for an estimate).
func (s *Signer) signedData(sis ...[]byte) *cms.SignedDataBuilder {
	return &cms.SignedDataBuilder{
		DigestAlgorithms: [][]byte{s.digAlg},
		ContentType:      cms.OIDData,
		Certificates:     s.certs,
		SignerInfos:      sis,
	}
}

// Hash is the Signer's digest algorithm.
func (s *Signer) Hash() crypto.Hash { return s.opts.Hash }

// Certificates are the DER certificates the Signer puts in a signature:
// its own first, then the chain (a PDF signer sizes its reserve by them).
func (s *Signer) Certificates() [][]byte { return s.certs }

// signerInfo signs a precomputed message digest and returns the DER
// SignerInfo and a Result with its Digest, Hash, SigningTime and, with a
// Timestamper, TimestampTime. contentType is the content-type attribute
// (id-data for a document); nil leaves it out, as a counter-signature
// requires, in which case digest is the digest of the countered
// signature value.
func (s *Signer) signerInfo(ctx context.Context, digest []byte, contentType asn1.ObjectIdentifier) ([]byte, Result, error) {
	res := Result{Digest: digest, Hash: s.opts.Hash}
	if len(digest) != s.opts.Hash.Size() {
		return nil, res, fmt.Errorf("digest of %d bytes for %v", len(digest), s.opts.Hash)
	}
	now := s.opts.Now().UTC().Truncate(time.Second)
	if !s.opts.AllowAnyCertificate {
		// A long batch can cross the certificate's expiry.
		if err := CheckCertificate(s.cert, now); err != nil {
			return nil, res, err
		}
	}
	attrs, err := cms.EncodeSignedAttrs(cms.SignedAttrValues{
		ContentType:   contentType,
		MessageDigest: digest,
		SigningTime:   now,
		NoSigningTime: s.opts.PAdES,
		SignerCert:    s.cert,
	})
	if err != nil {
		return nil, res, err
	}
	h := s.opts.Hash.New()
	h.Write(attrs)
	attrsDigest := h.Sum(nil)
	sig, err := s.key.Sign(rand.Reader, attrsDigest, s.sigOpt)
	if err != nil {
		return nil, res, &SignerError{Err: err}
	}
	if sig, err = s.checkSignature(attrsDigest, sig); err != nil {
		return nil, res, err
	}
	var unsigned [][]byte
	if s.opts.Timestamper != nil {
		attr, at, err := s.timestampSignature(ctx, sig)
		if err != nil {
			return nil, res, err
		}
		unsigned = append(unsigned, attr)
		res.TimestampTime = at
		s.lastUnsigned.Store(int64(len(cms.EncodeSetOf(unsigned...))))
	}
	si, err := cms.EncodeSignerInfo(cms.SignerInfoFields{
		Cert:               s.cert,
		DigestAlgorithm:    s.digAlg,
		SignatureAlgorithm: s.sigAlg,
		SignedAttrs:        attrs,
		Signature:          sig,
		UnsignedAttrs:      unsigned,
	})
	if err != nil {
		return nil, res, err
	}
	res.SigningTime = now
	return si, res, nil
}

// checkSignature verifies sig over digest with the certificate's key. An
// ECDSA signature that arrives as raw r||s (as PKCS#11 returns it) is
// converted to the DER form CMS needs.
func (s *Signer) checkSignature(digest, sig []byte) ([]byte, error) {
	switch pub := s.cert.PublicKey.(type) {
	case *rsa.PublicKey:
		var err error
		if pss, ok := s.sigOpt.(*rsa.PSSOptions); ok {
			err = rsa.VerifyPSS(pub, s.opts.Hash, digest, sig, pss)
		} else {
			err = rsa.VerifyPKCS1v15(pub, s.opts.Hash, digest, sig)
		}
		if err != nil {
			return nil, &KeyMismatchError{Subject: certinfo.FormatName(s.cert.Subject)}
		}
	case *ecdsa.PublicKey:
		size := (pub.Curve.Params().BitSize + 7) / 8
		if !isDERSignature(sig) && len(sig) == 2*size {
			sig = rawToDER(sig)
		}
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			return nil, &KeyMismatchError{Subject: certinfo.FormatName(s.cert.Subject)}
		}
	}
	return sig, nil
}

func isDERSignature(sig []byte) bool {
	in := cryptobyte.String(sig)
	var seq cryptobyte.String
	var r, t cryptobyte.String
	return in.ReadASN1(&seq, cbasn1.SEQUENCE) && in.Empty() &&
		seq.ReadASN1(&r, cbasn1.INTEGER) && seq.ReadASN1(&t, cbasn1.INTEGER) && seq.Empty()
}

func rawToDER(sig []byte) []byte {
	var b cryptobyte.Builder
	half := len(sig) / 2
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for _, part := range [][]byte{sig[:half], sig[half:]} {
			b.AddASN1(cbasn1.INTEGER, func(b *cryptobyte.Builder) {
				for len(part) > 1 && part[0] == 0 {
					part = part[1:]
				}
				if part[0]&0x80 != 0 {
					b.AddUint8(0)
				}
				b.AddBytes(part)
			})
		}
	})
	return b.BytesOrPanic()
}

// bufPool holds the copy buffers: a batch of thousands of files reuses a
// handful of them.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 1<<20); return &b }}

// copyHashing reads r to the end, hashing it and copying it to w when w is
// not nil. The hash runs in its own goroutine on one buffer while the next
// one is read (and written), so that on two cores reading a cold file
// overlaps with hashing it, and the copy costs the copy, not the copy
// plus the hash. It stops early when ctx is done. Each chunk counts
// progress times in Options.Progress. before, when set, is called once
// before the first byte is written, with the length of the first chunk
// read and whether it was the whole content (an envelope's header goes
// first).
func (s *Signer) copyHashing(ctx context.Context, r io.Reader, w io.Writer, progress int64, before func(first int64, eof bool) error) (int64, []byte, error) {
	const nbuf = 3
	free := make(chan *[]byte, nbuf)
	for i := 0; i < nbuf; i++ {
		free <- bufPool.Get().(*[]byte)
	}
	type chunk struct {
		bp *[]byte
		n  int
	}
	work := make(chan chunk, nbuf)
	sum := make(chan []byte, 1)
	h := s.opts.Hash.New()
	go func() {
		for c := range work {
			h.Write((*c.bp)[:c.n])
			free <- c.bp
		}
		sum <- h.Sum(nil)
	}()
	var n int64
	finish := func(err error) (int64, []byte, error) {
		close(work)
		digest := <-sum
		for i := 0; i < nbuf; i++ {
			bufPool.Put(<-free)
		}
		if err != nil {
			return n, nil, err
		}
		return n, digest, nil
	}
	for {
		if err := ctx.Err(); err != nil {
			return finish(err)
		}
		bp := <-free
		buf := *bp
		k, rerr := io.ReadFull(r, buf)
		eof := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !eof {
			free <- bp
			return finish(&InputError{Err: rerr})
		}
		if before != nil {
			if err := before(int64(k), eof); err != nil {
				free <- bp
				return finish(err)
			}
			before = nil
		}
		if k > 0 {
			// The hasher and the writer only read the buffer; it goes
			// back to free once hashed, and the write below finishes
			// before the loop reads into another one.
			work <- chunk{bp, k}
			if w != nil {
				if _, err := w.Write(buf[:k]); err != nil {
					return finish(fmt.Errorf("writing signature: %w", err))
				}
			}
			n += int64(k)
			if s.opts.Progress != nil {
				s.opts.Progress(progress * int64(k))
			}
		} else {
			free <- bp
		}
		if eof {
			return finish(nil)
		}
	}
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
