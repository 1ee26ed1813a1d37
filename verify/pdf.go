package verify

import (
	"context"
	"crypto"
	"time"
)

// The hook for PAdES (package pades): a PDF signature's CMS goes through
// Verify like a detached .p7s, its content being the /ByteRange bytes,
// with Options.PAdES set; pades adds the PDF checks to the resulting
// Signature with AddCheck and describes the PDF in Report.PDF and
// Signature.PDF.

// PAdESContext is what the PDF says about a signature's CMS.
type PAdESContext struct {
	// ClaimedTime is the signature dictionary's /M: the claimed signing
	// time of a PAdES signature, which carries no signing-time attribute
	// (EN 319 142-1 5.2.1).
	ClaimedTime time.Time
}

// claimedTime applies /M: a signing-time attribute is not baseline in
// PAdES (a warning, not a failure, as EU DSS); without one, /M is the
// claimed time.
func (p *PAdESContext) claimedTime(o *signerOutcome, s *Signature) {
	if !o.claimed.IsZero() {
		s.warn(Messagef("a signing-time attribute in a PAdES signature: not baseline (EN 319 142-1 wants the time in the PDF's /M)"))
		return
	}
	if !p.ClaimedTime.IsZero() {
		o.claimed = p.ClaimedTime
		t := p.ClaimedTime
		s.SigningTime = &t
	}
}

// PDFInfo describes a signed PDF.
type PDFInfo struct {
	// Size is the file's size; Revisions the number of revisions (each
	// %%EOF ends one).
	Size      int64 `json:"size"`
	Revisions int   `json:"revisions"`
	// Version is the header's PDF version.
	Version string `json:"version"`
	// Encrypted is true for a file with a security handler.
	Encrypted bool `json:"encrypted,omitempty"`
}

// PDFSignature describes where a signature sits in its PDF.
type PDFSignature struct {
	// Field is the signature field's fully qualified name.
	Field string `json:"field"`
	// Type is signature or document_timestamp.
	Type string `json:"type"`
	// SubFilter is ETSI.CAdES.detached, adbe.pkcs7.detached,
	// adbe.pkcs7.sha1 or ETSI.RFC3161.
	SubFilter string `json:"subfilter"`
	// Revision is the revision (from 1) the signature signed: the one
	// its /ByteRange ends at; 0 when it ends at none.
	Revision  int      `json:"revision"`
	ByteRange [4]int64 `json:"byte_range"`
	// Covered is the number of bytes signed; WholeFile is true when the
	// signature covers the file to its end.
	Covered   int64 `json:"covered"`
	WholeFile bool  `json:"whole_file"`
	// Level is PAdES-B-B, PAdES-B-T, PAdES-B-LT, PAdES-B-LTA, or
	// PKCS7 for the adbe subfilters.
	Level string `json:"level"`
	// Certification is the DocMDP permission (1-3) of a certification
	// signature, 0 for an approval signature.
	Certification int `json:"certification,omitempty"`
	// Changes are the changes made after this signature, by class.
	Changes []PDFChange `json:"changes_after,omitempty"`
}

// PDFChange is one class of changes in the revisions after a signature.
type PDFChange struct {
	// Class is dss_or_timestamp, signature_or_form_fill, annotation,
	// pages_added, pages_removed or undefined.
	Class string `json:"class"`
	// Revision is the revision (from 1) that made it.
	Revision int `json:"revision"`
	// Objects names the objects (num gen R) or pages concerned.
	Objects []Message `json:"objects,omitempty"`
}

// AddCheck records a check made outside this package (the PDF layer of a
// PAdES signature). A check with a sub-indication worse than the
// signature's gives the signature its indication and first reason.
func (s *Signature) AddCheck(name string, sub SubIndication, detail Message) {
	if sub == "" {
		s.pass(name, detail)
		return
	}
	s.fail(name, sub, detail)
	if sub.Indication().Worse(s.Indication) {
		s.Indication, s.SubIndication = sub.Indication(), sub
		s.Reasons = append([]Message{detail}, s.Reasons...)
	} else {
		s.Reasons = append(s.Reasons, detail)
	}
}

// AddWarning records a check that passes with a reservation, and the
// reservation among the signature's warnings.
func (s *Signature) AddWarning(name string, detail Message) {
	s.note(name, detail)
	s.warn(detail)
}

// Finish computes the file's indication from its signatures and
// timestamps, as Verify does.
func (r *Report) Finish() { r.finish() }

// VerifyTimestampToken checks an RFC 3161 token whose imprint must be
// digest's (a PDF document timestamp over its /ByteRange), with the
// trust, time and revocation settings of opts, as Verify checks a
// signature's timestamp. ok is true for a valid token; at is its time.
func VerifyTimestampToken(ctx context.Context, token []byte, digest func(crypto.Hash) ([]byte, bool), covers string, opts Options) (ts *Timestamp, at time.Time, ok bool) {
	opts.Content, opts.PAdES = nil, nil
	return newVerifier(ctx, opts).checkTimestamp(token, digest, covers)
}
