package verify

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/firma-dev/firma/certinfo"
)

// Indication is the overall verdict, as in ETSI EN 319 102-1 and EU DSS.
type Indication string

const (
	TotalPassed   Indication = "TOTAL_PASSED"
	TotalFailed   Indication = "TOTAL_FAILED"
	Indeterminate Indication = "INDETERMINATE"
)

// severity orders indications: the worst wins.
func (i Indication) severity() int {
	switch i {
	case TotalPassed:
		return 0
	case Indeterminate:
		return 1
	case TotalFailed:
		return 2
	}
	return 1
}

// Worse reports whether i is worse than j.
func (i Indication) Worse(j Indication) bool { return i.severity() > j.severity() }

// SubIndication says why a signature is not TOTAL_PASSED. The names are
// those of ETSI EN 319 102-1 (clause 5.1.3) and EU DSS's SubIndication.
type SubIndication string

const (
	// TOTAL_FAILED: the signature is proven wrong.
	FormatFailure    SubIndication = "FORMAT_FAILURE"
	HashFailure      SubIndication = "HASH_FAILURE"
	SigCryptoFailure SubIndication = "SIG_CRYPTO_FAILURE"
	Revoked          SubIndication = "REVOKED"
	Expired          SubIndication = "EXPIRED"
	NotYetValid      SubIndication = "NOT_YET_VALID"

	// INDETERMINATE: it cannot be decided.
	NoSigningCertificateFound     SubIndication = "NO_SIGNING_CERTIFICATE_FOUND"
	NoCertificateChainFound       SubIndication = "NO_CERTIFICATE_CHAIN_FOUND"
	CertificateChainGeneral       SubIndication = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
	ChainConstraintsFailure       SubIndication = "CHAIN_CONSTRAINTS_FAILURE"
	SigConstraintsFailure         SubIndication = "SIG_CONSTRAINTS_FAILURE"
	CryptoConstraintsFailure      SubIndication = "CRYPTO_CONSTRAINTS_FAILURE"
	CryptoConstraintsFailureNoPOE SubIndication = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
	SignedDataNotFound            SubIndication = "SIGNED_DATA_NOT_FOUND"
	OutOfBoundsNoPOE              SubIndication = "OUT_OF_BOUNDS_NO_POE"
	OutOfBoundsNotRevoked         SubIndication = "OUT_OF_BOUNDS_NOT_REVOKED"
	TryLater                      SubIndication = "TRY_LATER"
	RevokedNoPOE                  SubIndication = "REVOKED_NO_POE"
	RevokedCANoPOE                SubIndication = "REVOKED_CA_NO_POE"
	TimestampOrderFailure         SubIndication = "TIMESTAMP_ORDER_FAILURE"
	NoPOE                         SubIndication = "NO_POE"
)

// Indication is the indication a sub-indication belongs to, from the
// table of EN 319 102-1 (clause 5.1.3): TOTAL_FAILED for FORMAT_FAILURE,
// HASH_FAILURE, SIG_CRYPTO_FAILURE, REVOKED, EXPIRED and NOT_YET_VALID,
// INDETERMINATE for every other one, TOTAL_PASSED for none. It is the
// only place where an indication is decided: a check states its
// sub-indication, never its indication.
func (s SubIndication) Indication() Indication {
	switch s {
	case "":
		return TotalPassed
	case FormatFailure, HashFailure, SigCryptoFailure, Revoked, Expired, NotYetValid:
		return TotalFailed
	}
	return Indeterminate
}

// Check statuses.
const (
	StatusPassed        = "passed"
	StatusFailed        = "failed"
	StatusIndeterminate = "indeterminate"
	StatusWarning       = "warning"
	StatusNotChecked    = "not_checked"
)

// Check is one verification step with its outcome in plain words. A
// check that does not pass states its sub-indication; its Status
// (failed or indeterminate) derives from it: build checks with passed,
// failed, and the Signature methods pass, fail, note and skip.
type Check struct {
	// Name identifies the step: format, algorithms, signing_certificate,
	// message_digest, signature_value, certificate_validity, key_usage,
	// chain, revocation, qualified, timestamp.
	Name string `json:"name"`
	// Status is passed, warning, not_checked, or for a check with a
	// sub-indication failed (TOTAL_FAILED class) or indeterminate.
	Status string `json:"status"`
	// SubIndication is set on failed and indeterminate checks.
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	Detail        Message       `json:"detail"`
}

// failed is a check that does not pass, for the reason sub.
func failed(name string, sub SubIndication, detail Message) Check {
	st := StatusIndeterminate
	if sub.Indication() == TotalFailed {
		st = StatusFailed
	}
	return Check{Name: name, Status: st, SubIndication: sub, Detail: detail}
}

func passed(name string, detail Message) Check {
	return Check{Name: name, Status: StatusPassed, Detail: detail}
}

// Report is the result for one input file.
type Report struct {
	File string `json:"file"`
	// Form is the outer encoding: der, base64, pem, mime.
	Form          string        `json:"form"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	// Reason is the first reason of the worst signature, in plain words.
	Reason Message `json:"reason,omitzero"`
	// Source says where the file's indication comes from when it is not
	// TOTAL_PASSED: a signature or counter-signature ID (S1, S1.C1), a
	// file timestamp (T1, T2...), or a layer (layer 1).
	Source string `json:"source,omitempty"`
	// Layers lists the envelopes from the outside in: a p7m of a p7m has
	// two, a .tsd has a timestamped-data layer around its p7m.
	Layers []*Layer `json:"layers"`
	// Content describes the innermost content (the signed document).
	Content *Content `json:"content,omitempty"`
	// Revocation is "checked" with --online, "not_checked" otherwise.
	Revocation string `json:"revocation"`
	// Trust names the anchor sources used (files, system, tsl).
	Trust []string `json:"trust"`
	// VerifiedAt is the validation time: the time certificates, trusted
	// lists and revocation are checked at when no proof of existence
	// gives an earlier one.
	VerifiedAt time.Time `json:"verified_at"`
	// VerifiedAtRequested is true when VerifiedAt was asked for
	// (Options.Now), false when it is the current time.
	VerifiedAtRequested bool `json:"verified_at_requested"`
	// Timestamps are the file-level timestamps (.tsd, .m7m) and a PDF's
	// document timestamps.
	Timestamps []*Timestamp `json:"timestamps,omitempty"`
	// PDF describes a signed PDF (PAdES, see pdf.go).
	PDF *PDFInfo `json:"pdf,omitempty"`
	// XML describes a signed XML file (XAdES, see xml.go).
	XML *XMLInfo `json:"xml,omitempty"`
}

// Layer is one envelope.
type Layer struct {
	Depth int `json:"depth"`
	// Type is signed-data or timestamped-data.
	Type string `json:"type"`
	// Form is the encoding of this layer: der, base64, pem.
	Form          string `json:"form"`
	Detached      bool   `json:"detached"`
	ContentType   string `json:"content_type,omitempty"`
	ContentLength int64  `json:"content_length"`
	// TrailingBytes counts bytes after the structure (padding).
	TrailingBytes int64        `json:"trailing_bytes,omitempty"`
	Signatures    []*Signature `json:"signatures,omitempty"`
	// Error is set when the layer could not be read to the end.
	Error Message `json:"error,omitzero"`
}

// Content is the signed document.
type Content struct {
	Length int64  `json:"length"`
	SHA256 string `json:"sha256,omitempty"`
	// ExtractedTo is where --extract wrote it.
	ExtractedTo string `json:"extracted_to,omitempty"`
}

// Signature is the result for one signer or counter-signer.
type Signature struct {
	// ID is S1, S2... for signers, S1.C1 for a counter-signature of S1.
	ID            string        `json:"id"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	// Reasons explain a non-passed indication, in plain words.
	Reasons []Message `json:"reasons,omitempty"`
	// Warnings do not change the indication.
	Warnings []Message `json:"warnings,omitempty"`
	// Profile is CAdES-B-B, CAdES-B-T, or CMS when B-B attributes miss.
	Profile string `json:"profile"`
	// Present and Missing list the CAdES-B-B signed attributes.
	Present            []string       `json:"attributes_present"`
	Missing            []string       `json:"attributes_missing,omitempty"`
	DigestAlgorithm    string         `json:"digest_algorithm"`
	SignatureAlgorithm string         `json:"signature_algorithm"`
	SigningTime        *time.Time     `json:"signing_time,omitempty"`
	Signer             *certinfo.Info `json:"signer,omitempty"`
	// Chain lists the certificate subjects from the signer to the anchor.
	Chain []string `json:"chain,omitempty"`
	// TrustAnchor names the anchor and where it came from.
	TrustAnchor string `json:"trust_anchor,omitempty"`
	// Certificate is the signer's certificate and ChainCertificates the
	// chain built from it to the anchor (for callers that check more,
	// as the PEC verifier checks name constraints); not in JSON.
	Certificate       *x509.Certificate   `json:"-"`
	ChainCertificates []*x509.Certificate `json:"-"`
	// Qualified reports a qualified certificate (QC statements), and
	// QualifiedTSL whether its CA is a qualified service in the TSL given.
	Qualified    bool  `json:"qualified"`
	QualifiedTSL *bool `json:"qualified_tsl,omitempty"`
	// ReferenceTime is when the certificate was checked: the timestamp
	// time when there is a valid one, else the declared signing time.
	ReferenceTime     time.Time    `json:"reference_time"`
	Checks            []Check      `json:"checks"`
	Timestamps        []*Timestamp `json:"timestamps,omitempty"`
	CounterSignatures []*Signature `json:"counter_signatures,omitempty"`
	// PDF says where a PAdES signature sits in its PDF (see pdf.go).
	PDF *PDFSignature `json:"pdf,omitempty"`
	// XML says what an XML signature signs and how (see xml.go).
	XML *XMLSignature `json:"xml,omitempty"`
}

// Timestamp is the result for an RFC 3161 token.
type Timestamp struct {
	Time          time.Time     `json:"time"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	Reasons       []Message     `json:"reasons,omitempty"`
	// TSA is the timestamp unit's certificate subject.
	TSA           string `json:"tsa,omitempty"`
	Serial        string `json:"serial,omitempty"`
	HashAlgorithm string `json:"hash_algorithm,omitempty"`
	// Covers says what the imprint covers: one of the Covers constants,
	// or for a PDF document timestamp the revisions it covers.
	Covers string  `json:"covers"`
	Checks []Check `json:"checks"`
}

// What a timestamp covers (Timestamp.Covers): words of the report, said
// inside messages as a Word.
const (
	CoversSignatureValue     = "signature value"
	CoversContent            = "content"
	CoversPreviousTimestamp  = "previous timestamp"
	CoversContentAndMetadata = "content and metadata (hashProtected, not supported)"
	CoversSignedFile         = "signed file"
)

func (s *Signature) pass(name string, detail Message) {
	s.Checks = append(s.Checks, passed(name, detail))
}

// fail records a check that does not pass: sub decides whether it is
// failed or indeterminate.
func (s *Signature) fail(name string, sub SubIndication, detail Message) {
	s.Checks = append(s.Checks, failed(name, sub, detail))
}

// note records a check that passes with a reservation.
func (s *Signature) note(name string, detail Message) {
	s.Checks = append(s.Checks, Check{Name: name, Status: StatusWarning, Detail: detail})
}

// skip records a check that was not made.
func (s *Signature) skip(name string, detail Message) {
	s.Checks = append(s.Checks, Check{Name: name, Status: StatusNotChecked, Detail: detail})
}

func (s *Signature) warn(w Message) { s.Warnings = append(s.Warnings, w) }

// conclude sets the indication from the checks: the worst sub-indication
// wins (its indication from the EN 319 102-1 table), the first check of
// that class gives it.
func conclude(checks []Check) (Indication, SubIndication, []Message) {
	ind := TotalPassed
	var sub SubIndication
	var reasons []Message
	for _, c := range checks {
		if c.SubIndication == "" {
			continue
		}
		ci := c.SubIndication.Indication()
		if ci.Worse(ind) {
			ind, sub = ci, c.SubIndication
			reasons = append([]Message{c.Detail}, reasons...)
		} else {
			reasons = append(reasons, c.Detail)
		}
	}
	return ind, sub, reasons
}

// Finish computes the file's indication as the worst of every
// signature, counter-signature and file-level timestamp.
func (r *Report) finish() {
	r.Indication = TotalPassed
	r.SubIndication = ""
	r.Reason = Message{}
	r.Source = ""
	consider := func(src string, ind Indication, sub SubIndication, reasons []Message) {
		if ind.Worse(r.Indication) {
			r.Indication, r.SubIndication = ind, sub
			r.Source = src
			r.Reason = Message{}
			if len(reasons) > 0 {
				r.Reason = reasons[0]
			}
		}
	}
	var walk func(s *Signature)
	walk = func(s *Signature) {
		consider(s.ID, s.Indication, s.SubIndication, s.Reasons)
		for _, c := range s.CounterSignatures {
			walk(c)
		}
	}
	n := 0
	for _, l := range r.Layers {
		if !l.Error.IsZero() {
			consider(fmt.Sprintf("layer %d", l.Depth+1), FormatFailure.Indication(), FormatFailure, []Message{l.Error})
		}
		for _, s := range l.Signatures {
			n++
			walk(s)
		}
	}
	for i, t := range r.Timestamps {
		consider(fmt.Sprintf("T%d", i+1), t.Indication, t.SubIndication, t.Reasons)
	}
	if n == 0 && r.Indication == TotalPassed {
		consider("", FormatFailure.Indication(), FormatFailure, []Message{Messagef("the file contains no signature")})
	}
}

// Intact reports whether the signed document's integrity holds: every
// layer was read to the end, there is a signature or a file timestamp,
// no signature (counter-signatures aside: they sign a signature, not the
// document) found the document or its signed attributes changed or
// malformed, and no file timestamp is about other data. A signature that is INDETERMINATE, or
// TOTAL_FAILED for a certificate problem (REVOKED, EXPIRED,
// NOT_YET_VALID), leaves the document intact.
func (r *Report) Intact() bool {
	n := len(r.Timestamps)
	broken := func(checks []Check) bool {
		for _, c := range checks {
			switch c.SubIndication {
			case FormatFailure, HashFailure, SigCryptoFailure:
				return true
			}
		}
		return false
	}
	for _, l := range r.Layers {
		if !l.Error.IsZero() {
			return false
		}
		for _, s := range l.Signatures {
			n++
			if broken(s.Checks) {
				return false
			}
		}
	}
	// A file timestamp (.tsd, .m7m) about other data means the document
	// changed since; a damaged token only loses its proof of time.
	for _, t := range r.Timestamps {
		for _, c := range t.Checks {
			if c.Name == "imprint" && c.SubIndication == HashFailure {
				return false
			}
		}
	}
	return n > 0
}

// AllSignatures returns every signature and counter-signature in order.
func (r *Report) AllSignatures() []*Signature {
	var out []*Signature
	var walk func(s *Signature)
	walk = func(s *Signature) {
		out = append(out, s)
		for _, c := range s.CounterSignatures {
			walk(c)
		}
	}
	for _, l := range r.Layers {
		for _, s := range l.Signatures {
			walk(s)
		}
	}
	return out
}
