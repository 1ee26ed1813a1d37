// Package verify validates the signed files Italians receive: CAdES
// (.p7m attached, .p7s detached) in DER, BER, base64 or PEM form, nested
// to any depth, with parallel signers, counter-signatures and RFC 3161
// timestamps (CAdES-T), RFC 5544 TimeStampedData (.tsd) and MIME .m7m
// files. It returns a structured Report with EU DSS-style indications
// (ETSI EN 319 102-1: TOTAL_PASSED, TOTAL_FAILED, INDETERMINATE and
// sub-indications) and reasons in plain words.
//
// Specifications: RFC 5652 (CMS), RFC 5035 and RFC 2634 (signing
// certificate attributes), ETSI EN 319 122-1 (CAdES baseline), RFC 3161
// (timestamps), RFC 5544 (TimeStampedData), RFC 5280 (chains), RFC 6960
// and RFC 5280 CRLs (revocation, only when asked), ETSI TS 119 612
// (trusted lists) with W3C XML Signature 1.1 (the lists' signatures;
// every reference checked, XAdES signed properties included).
//
// Contract: input is read once, as a stream; the content is hashed, and
// written to Options.Extract, while it is read, so memory stays constant
// whatever the file size. Nothing here touches hardware. Without a trust
// anchor no signature is TOTAL_PASSED. The network is used only with
// Options.Online.
package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/firma-dev/firma/internal/cms"
)

// Options steer Verify.
type Options struct {
	// Trust holds the anchors; nil or empty means none: no signature can
	// then be TOTAL_PASSED.
	Trust *TrustStore
	// Content is the signed content of a detached signature (.p7s).
	Content io.Reader
	// Extract receives the innermost content while it is read.
	Extract io.Writer
	// Online enables revocation checks (OCSP, then CRL) over HTTP.
	Online bool
	// HTTPClient is used for revocation; nil means a client with Timeout.
	HTTPClient *http.Client
	// Timeout bounds each revocation request (default 10 s).
	Timeout time.Duration
	// Now is the clock (nil: time.Now): the current time when At is
	// zero.
	Now func() time.Time
	// At is a validation time asked for, as EU DSS's validation time or an
	// archive's reference date: certificates, trusted-list statuses and
	// revocation are checked as of then. Zero means Now.
	At time.Time
	// Name is the file name shown in the report.
	Name string
	// PAdES, when set, verifies the CMS of a PDF signature (see pdf.go).
	PAdES *PAdESContext
	// Rules are the rules the signatures follow: RulesSignature (the
	// zero value) or RulesPEC for a PEC provider's signature.
	Rules Rules
}

// MaxNesting bounds p7m-inside-p7m layers.
const MaxNesting = 16

type verifier struct {
	ctx      context.Context
	trust    *TrustStore
	now      time.Time
	online   bool
	http     *http.Client
	hasTSL   bool
	detached io.Reader
	report   *Report
	pades    *PAdESContext
	rules    Rules
}

// ValidationTime is the time signatures are judged at: At when set,
// else the clock's now (time.Now without a clock), in UTC.
func (opts Options) ValidationTime() time.Time {
	switch {
	case !opts.At.IsZero():
		return opts.At.UTC()
	case opts.Now != nil:
		return opts.Now().UTC()
	}
	return time.Now().UTC()
}

// NewReport starts the report of a file verified with opts, as Verify
// does: its name, form, validation time, revocation mode and anchors.
// Verifiers of other formats (PDF, XML, e-mail) fill it in the same way.
func NewReport(opts Options, form string) *Report {
	rep := &Report{File: opts.Name, Form: form, Revocation: "not_checked", VerifiedAt: opts.ValidationTime(),
		VerifiedAtRequested: !opts.At.IsZero(), Trust: []string{}}
	if opts.Online {
		rep.Revocation = "checked"
	}
	if s := opts.Trust.Sources(); s != nil {
		rep.Trust = s
	}
	return rep
}

// newVerifier sets up a verification with opts: the trust (none when
// nil), the validation time (At, else the clock's now) and the HTTP
// client for revocation.
func newVerifier(ctx context.Context, opts Options) *verifier {
	v := &verifier{ctx: ctx, trust: opts.Trust, online: opts.Online, http: opts.HTTPClient, detached: opts.Content, pades: opts.PAdES, rules: opts.Rules}
	if v.trust == nil {
		v.trust = NewTrustStore()
	}
	v.hasTSL = v.trust.HasTrustedList()
	v.now = opts.ValidationTime()
	if v.http == nil {
		to := opts.Timeout
		if to <= 0 {
			to = 10 * time.Second
		}
		v.http = &http.Client{Timeout: to}
	}
	return v
}

// Verify reads a signed file from r and checks every signature in it.
// It returns an error only when the input cannot be read or is not a
// signed file at all; a damaged signed file gives a Report with
// TOTAL_FAILED/FORMAT_FAILURE.
func Verify(ctx context.Context, r io.Reader, opts Options) (*Report, error) {
	v := newVerifier(ctx, opts)
	rep := NewReport(opts, "")
	v.report = rep
	form, br, err := cms.Detect(r)
	if err != nil {
		return nil, err
	}
	rep.Form = form.String()
	plain := &plainSink{w: opts.Extract}
	if form == cms.FormMIME {
		if err := v.verifyMIME(br, plain); err != nil {
			return nil, err
		}
	} else {
		rep.Layers = v.layer(0, form, br, plain)
	}
	if plain.err != nil {
		return nil, &ExtractError{plain.err}
	}
	// The document is reported only when the layer holding it was read
	// to the end (its digest is then known).
	if plain.used && plain.sha256 != nil {
		rep.Content = &Content{Length: plain.n, SHA256: hex.EncodeToString(plain.sha256)}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.finish()
	return rep, nil
}

// plainSink receives the innermost content. Its SHA-256 is set by the
// layer that fed it (the layer hashed it already while parsing).
type plainSink struct {
	w      io.Writer
	n      int64
	used   bool
	err    error
	sha256 []byte
}

func (p *plainSink) Write(b []byte) (int, error) {
	p.used = true
	p.n += int64(len(b))
	if p.w != nil && p.err == nil {
		if _, err := p.w.Write(b); err != nil {
			p.err = err
			return 0, &ExtractError{err}
		}
	}
	return len(b), nil
}

// ExtractError is a failure to write the extracted content: it stops
// verification (the output would be incomplete).
type ExtractError struct{ Err error }

func (e *ExtractError) Error() string { return "writing the extracted document: " + e.Err.Error() }
func (e *ExtractError) Unwrap() error { return e.Err }

// layer reads one CMS object from r and returns its layer followed by
// the layers nested in its content.
func (v *verifier) layer(depth int, form cms.Form, r io.Reader, plain *plainSink) []*Layer {
	l := &Layer{Depth: depth, Form: form.String(), Type: "signed-data"}
	if depth >= MaxNesting {
		l.Error = Messagef("more than %d nested envelopes", MaxNesting)
		return []*Layer{l}
	}
	ci, err := cms.OpenContentInfo(r)
	if err != nil {
		l.Error = Messagef("not a readable CMS structure: %s", err)
		return []*Layer{l}
	}
	nest := &nestSink{v: v, depth: depth + 1, plain: plain}
	switch {
	case ci.ContentType.Equal(cms.OIDSignedData):
		inner := v.signedDataLayer(l, ci, nest)
		return append([]*Layer{l}, inner...)
	case ci.ContentType.Equal(cms.OIDTimeStampedData):
		l.Type = "timestamped-data"
		inner := v.tsdLayer(l, ci, nest)
		return append([]*Layer{l}, inner...)
	}
	l.Type = ci.ContentType.String()
	l.Error = Messagef("CMS content type %s is not a signature (SignedData) nor TimeStampedData", ci.ContentType.String())
	return []*Layer{l}
}

// closeLayer ends the reading of a layer whose structure was parsed with
// err: it reads what follows the structure, lets the nested reader finish
// and records in l how the layer ended. It returns the nested layers and
// the error that makes the layer unusable (damaged, or its extraction
// failed), nil when its signatures can be checked.
func closeLayer(l *Layer, ci *cms.ContentInfo, nest *nestSink, err error) ([]*Layer, error) {
	var tr cms.Trailer
	if err == nil {
		tr, err = ci.Close()
	}
	inner := nest.finish(err)
	if err != nil {
		var ee *ExtractError
		if errors.As(err, &ee) {
			l.Error = Messagef("writing the extracted document: %s", ee.Err)
		} else {
			l.Error = Messagef("the file is damaged: %s", err)
		}
		return inner, err
	}
	l.TrailingBytes = tr.Bytes
	return inner, nil
}

func (v *verifier) signedDataLayer(l *Layer, ci *cms.ContentInfo, nest *nestSink) []*Layer {
	sd, err := ci.SignedData(cms.ParseOptions{Content: nest, ExtraDigests: []crypto.Hash{crypto.SHA256}})
	inner, err := closeLayer(l, ci, nest, err)
	if err != nil {
		return inner
	}
	l.Detached = sd.Detached
	nest.recordSHA256(sd.ContentDigests)
	l.ContentType = sd.EContentType.String()
	l.ContentLength = sd.ContentLength
	certs, certErrs := parseCertificates(sd.Certificates)
	digest := func(h crypto.Hash) ([]byte, bool) { d, ok := sd.ContentDigest(h); return d, ok }
	contentMissing := false
	if sd.Detached {
		if l.Depth == 0 && v.detached != nil {
			digests, n, err := v.hashDetached(sd)
			if err != nil {
				l.Error = Messagef("reading the detached content: %s", err)
				return inner
			}
			l.ContentLength = n
			digest = func(h crypto.Hash) ([]byte, bool) { d, ok := digests[h]; return d, ok }
		} else {
			contentMissing = true
		}
	}
	if len(sd.SignerInfos) == 0 {
		l.Error = Messagef("the SignedData has no signer")
	}
	for i, si := range sd.SignerInfos {
		l.Signatures = append(l.Signatures, v.fullSignature(fmt.Sprintf("S%d", i+1), si, certs, certErrs, digest, contentMissing, sd.EContentType, 0))
	}
	return inner
}

// Unsigned attributes of the long-term CAdES forms (EN 319 122-1 B-LT and
// B-LTA; RFC 5126 -C, -X, -A), by OID.
var longTermAttrs = []struct {
	oid     asn1.ObjectIdentifier
	name    string
	values  bool // certificate or revocation values (B-LT)
	archive bool // an archive timestamp (B-LTA)
}{
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 21}, "complete-certificate-references", false, false},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 22}, "complete-revocation-references", false, false},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 23}, "certificate-values", true, false},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 24}, "revocation-values", true, false},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 25}, "CAdES-C-timestamp", false, false},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 26}, "time-stamped-certs-crls-references", false, false},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 27}, "archive-time-stamp (v1)", false, true},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 48}, "archive-time-stamp-v2", false, true},
	{asn1.ObjectIdentifier{0, 4, 0, 1733, 2, 4}, "archive-time-stamp-v3", false, true},
}

// longTermData names the long-term attributes among attrs, and says
// whether validation values and an archive timestamp are among them.
func longTermData(attrs []cms.RawAttribute) (names []string, values, archive bool) {
	for _, lt := range longTermAttrs {
		if len(cms.FindAttrs(attrs, lt.oid)) > 0 {
			names = append(names, lt.name)
			values = values || lt.values
			archive = archive || lt.archive
		}
	}
	return names, values, archive
}

// maxCounterDepth bounds counter-signatures of counter-signatures.
const maxCounterDepth = 8

// fullSignature checks a signer with its timestamps and
// counter-signatures; a counter-signature (depth > 0) is checked the same
// way, over the signature value it counter-signs.
func (v *verifier) fullSignature(id string, si *cms.ParsedSignerInfo, certs []*x509.Certificate, certErrs []error, digest func(crypto.Hash) ([]byte, bool), contentMissing bool, ect asn1.ObjectIdentifier, depth int) *Signature {
	o := v.checkSigner(signerJob{id: id, si: si, certs: certs, certErrs: certErrs, digest: digest, contentMissing: contentMissing, eContentType: ect})
	s := o.sig
	sigDigest := func(h crypto.Hash) ([]byte, bool) {
		if !h.Available() {
			return nil, false
		}
		hh := h.New()
		hh.Write(si.Signature)
		return hh.Sum(nil), true
	}
	// Timestamps over the signature value (CAdES-T).
	var poe time.Time
	for _, a := range cms.FindAttrs(si.UnsignedAttrs, cms.OIDAttrTimeStampToken) {
		for _, tok := range a.Values {
			ts, at, ok := v.checkTimestamp(tok, sigDigest, CoversSignatureValue)
			s.Timestamps = append(s.Timestamps, ts)
			if ok && (poe.IsZero() || at.Before(poe)) {
				poe = at
			}
			if !ok {
				s.warn(Messagef("a timestamp on this signature is not valid (%s); it proves nothing", FirstReason(ts.Reasons)))
			}
		}
	}
	if len(s.Timestamps) > 0 && s.Profile == "CAdES-B-B" {
		s.Profile = "CAdES-B-T"
	}
	// Long-term validation data is recognised and named, not evaluated.
	if names, values, archive := longTermData(si.UnsignedAttrs); len(names) > 0 {
		switch {
		case s.Profile == "CAdES-B-T" && archive:
			s.Profile = "CAdES-B-LTA"
		case s.Profile == "CAdES-B-T" && values:
			s.Profile = "CAdES-B-LT"
		}
		s.warn(Messagef("long-term validation data is present (%s) but not evaluated: the result rests on the chain and revocation as checked now", strings.Join(names, ", ")))
	}
	v.checkCertificate(o, certs, v.referenceTime(s, o.claimed, poe), poe, false)
	concludeCrypto(s, o.algIdx, v.pecUses(s, o.uses), v.now, poe)
	// Counter-signatures sign this signature value; each has its own result.
	n := 0
	for _, a := range cms.FindAttrs(si.UnsignedAttrs, cms.OIDAttrCounterSignature) {
		for _, raw := range a.Values {
			n++
			cid := fmt.Sprintf("%s.C%d", id, n)
			csi, err := cms.ParseSignerInfo(raw)
			var unreadable Message
			switch {
			case err != nil:
				unreadable = Messagef("unreadable counter-signature: %s", err)
			case depth+1 > maxCounterDepth:
				unreadable = Messagef("unreadable counter-signature: counter-signatures nested more than %d deep", maxCounterDepth)
			}
			if !unreadable.IsZero() {
				cs := &Signature{ID: cid}
				cs.fail("format", FormatFailure, unreadable)
				cs.Indication, cs.SubIndication, cs.Reasons = conclude(cs.Checks)
				s.CounterSignatures = append(s.CounterSignatures, cs)
				continue
			}
			// Its own timestamps, long-term data and counter-signatures
			// count, like a signature's.
			s.CounterSignatures = append(s.CounterSignatures, v.fullSignature(cid, csi, certs, certErrs, sigDigest, false, nil, depth+1))
		}
	}
	s.Indication, s.SubIndication, s.Reasons = conclude(s.Checks)
	return s
}

// referenceTime is when a signer's certificate is checked: the proof of
// existence (the earliest valid timestamp over the signature), else the
// declared signing time, else the validation time. It warns about a
// declared time after the proof or in the future.
func (v *verifier) referenceTime(s *Signature, claimed, poe time.Time) time.Time {
	switch {
	case !poe.IsZero():
		if !claimed.IsZero() && claimed.After(poe.Add(5*time.Minute)) {
			s.warn(Messagef("the declared signing time (%s) is after the timestamp (%s)", Date(claimed), Date(poe)))
		}
		return poe
	case !claimed.IsZero():
		if claimed.After(v.now.Add(5 * time.Minute)) {
			s.warn(Messagef("the declared signing time is in the future"))
		}
		return claimed
	}
	return v.now
}

// FirstReason is the first of reasons, or a message saying there is
// none.
func FirstReason(reasons []Message) Message {
	if len(reasons) == 0 {
		return Messagef("no reason")
	}
	return reasons[0]
}

// hashDetached hashes the detached content with every algorithm the
// signers and the SignedData name.
func (v *verifier) hashDetached(sd *cms.ParsedSignedData) (map[crypto.Hash][]byte, int64, error) {
	hs := map[crypto.Hash]hash.Hash{}
	add := func(oid asn1.ObjectIdentifier) {
		if h, ok := cms.HashOf(oid); ok && h.Available() {
			hs[h] = h.New()
		}
	}
	for _, a := range sd.DigestAlgorithms {
		add(a.Algorithm)
	}
	for _, si := range sd.SignerInfos {
		add(si.DigestAlgorithm.Algorithm)
		if sch, err := schemeOf(si.SignatureAlgorithm, si.DigestAlgorithm); err == nil && sch.Hash != 0 && sch.Hash.Available() {
			hs[sch.Hash] = sch.Hash.New()
		}
	}
	ws := make([]io.Writer, 0, len(hs))
	for _, h := range hs {
		ws = append(ws, h)
	}
	n, err := io.Copy(io.MultiWriter(ws...), v.detached)
	if err != nil {
		return nil, n, err
	}
	out := map[crypto.Hash][]byte{}
	for k, h := range hs {
		out[k] = h.Sum(nil)
	}
	return out, n, nil
}

// tsdLayer reads RFC 5544 TimeStampedData: its content may itself be a
// signed file, its tokens date the content.
func (v *verifier) tsdLayer(l *Layer, ci *cms.ContentInfo, nest *nestSink) []*Layer {
	tsd, err := ci.TimeStampedData(cms.ParseOptions{Content: nest, ExtraDigests: []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512}})
	inner, err := closeLayer(l, ci, nest, err)
	if err != nil {
		return inner
	}
	l.Detached = tsd.Detached
	nest.recordSHA256(tsd.ContentDigests)
	l.ContentLength = tsd.ContentLength
	if tsd.EvidenceKind != "tst" {
		v.report.Timestamps = append(v.report.Timestamps, timestampNot(CoversContent, NoPOE, Messagef("the evidence is not a timestamp token (%s): not supported", tsd.EvidenceKind)))
		return inner
	}
	for i, tok := range tsd.Tokens {
		var digest func(crypto.Hash) ([]byte, bool)
		covers := CoversContent
		switch {
		case i > 0:
			prev := tsd.Tokens[i-1]
			covers = CoversPreviousTimestamp
			digest = func(h crypto.Hash) ([]byte, bool) {
				if !h.Available() {
					return nil, false
				}
				hh := h.New()
				hh.Write(prev)
				return hh.Sum(nil), true
			}
		case tsd.HashProtected:
			// RFC 5544 hashProtected metadata: not supported, so the
			// imprint stays unchecked (INDETERMINATE).
			digest = func(crypto.Hash) ([]byte, bool) { return nil, false }
			covers = CoversContentAndMetadata
		case tsd.Detached:
			digest = func(crypto.Hash) ([]byte, bool) { return nil, false }
		default:
			digest = func(h crypto.Hash) ([]byte, bool) { d, ok := tsd.ContentDigests[h]; return d, ok }
		}
		ts, _, _ := v.checkTimestamp(tok, digest, covers)
		v.report.Timestamps = append(v.report.Timestamps, ts)
	}
	return inner
}

// nestSink receives a layer's content. From its first bytes it decides
// whether the content is another signed file (a p7m of a p7m, or a .tsd
// around a p7m) and then feeds it, through a pipe, to a parser of the
// next layer running alongside; otherwise it passes it to the plain
// sink. Either way nothing is held beyond the first few bytes.
type nestSink struct {
	v     *verifier
	depth int
	plain *plainSink

	head    []byte
	decided bool
	pw      *io.PipeWriter
	done    chan []*Layer
}

// sniffLen is how many content bytes decide about nesting.
const nestSniff = 96

func (n *nestSink) Write(p []byte) (int, error) {
	if !n.decided {
		n.head = append(n.head, p...)
		if len(n.head) < nestSniff {
			return len(p), nil
		}
		if err := n.decide(); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return n.forward(p, len(p))
}

func (n *nestSink) forward(p []byte, ret int) (int, error) {
	if n.pw != nil {
		if _, err := n.pw.Write(p); err != nil {
			return 0, err
		}
		return ret, nil
	}
	if _, err := n.plain.Write(p); err != nil {
		return 0, err
	}
	return ret, nil
}

func (n *nestSink) decide() error {
	n.decided = true
	head := n.head
	n.head = nil
	if looksNested(head) {
		pr, pw := io.Pipe()
		n.pw = pw
		n.done = make(chan []*Layer, 1)
		go func() {
			var layers []*Layer
			form, r, err := cms.Detect(pr)
			if err != nil {
				layers = []*Layer{{Depth: n.depth, Type: "signed-data", Error: Messagef("nested content: %s", err)}}
			} else {
				layers = n.v.layer(n.depth, form, r, n.plain)
			}
			// Whatever the inner parser left (padding, or everything
			// after an error) must be drained so the outer layer can
			// finish reading.
			io.Copy(io.Discard, pr)
			pr.Close()
			n.done <- layers
		}()
	}
	_, err := n.forward(head, 0)
	return err
}

// fedPlain reports that this layer's content went to the plain sink.
func (n *nestSink) fedPlain() bool { return n.decided && n.pw == nil && n.plain.used }

// recordSHA256 gives the plain content's sink the SHA-256 the layer's
// parser computed, when the content went there.
func (n *nestSink) recordSHA256(digests map[crypto.Hash][]byte) {
	if n.fedPlain() {
		n.plain.sha256 = digests[crypto.SHA256]
	}
}

// finish ends the content; outerErr is the error reading the outer
// layer, if any. It returns the nested layers.
func (n *nestSink) finish(outerErr error) []*Layer {
	if !n.decided {
		if err := n.decide(); err != nil && outerErr == nil {
			outerErr = err
		}
	}
	if n.pw == nil {
		return nil
	}
	if outerErr != nil {
		n.pw.CloseWithError(outerErr)
	} else {
		n.pw.Close()
	}
	return <-n.done
}

var (
	oidSignedDataDER = []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}
	oidTSDDER        = []byte{0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x1f}
)

// looksNested reports content that starts like a signed file: a
// ContentInfo of SignedData or TimeStampedData, in binary, base64 or PEM.
func looksNested(head []byte) bool {
	if looksContentInfo(head) {
		return true
	}
	t := bytes.TrimLeft(head, " \t\r\n")
	if bytes.HasPrefix(t, []byte("-----BEGIN ")) {
		if i := bytes.IndexByte(t, '\n'); i >= 0 {
			t = t[i+1:]
		} else {
			return false
		}
	}
	var clean []byte
	for _, c := range t {
		switch {
		case c == '\r' || c == '\n' || c == ' ' || c == '\t':
		case 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/':
			clean = append(clean, c)
		default:
			return false
		}
	}
	clean = clean[:len(clean)/4*4]
	dec, err := base64.StdEncoding.DecodeString(string(clean))
	return err == nil && looksContentInfo(dec)
}

func looksContentInfo(b []byte) bool {
	if len(b) < 2 || b[0] != 0x30 {
		return false
	}
	i := 2
	switch l := b[1]; {
	case l == 0x80, l < 0x80:
	case l > 0x80 && l <= 0x84:
		i += int(l & 0x7f)
	default:
		return false
	}
	if i >= len(b) {
		return false
	}
	return bytes.HasPrefix(b[i:], oidSignedDataDER) || bytes.HasPrefix(b[i:], oidTSDDER)
}
