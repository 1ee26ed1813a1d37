package verify

import (
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

// SubIndication says why a signature is not TOTAL_PASSED.
type SubIndication string

const (
	FormatFailure             SubIndication = "FORMAT_FAILURE"
	HashFailure               SubIndication = "HASH_FAILURE"
	SigCryptoFailure          SubIndication = "SIG_CRYPTO_FAILURE"
	Revoked                   SubIndication = "REVOKED"
	Expired                   SubIndication = "EXPIRED"
	NotYetValid               SubIndication = "NOT_YET_VALID"
	NoSigningCertificateFound SubIndication = "NO_SIGNING_CERTIFICATE_FOUND"
	NoCertificateChainFound   SubIndication = "NO_CERTIFICATE_CHAIN_FOUND"
	CertificateChainGeneral   SubIndication = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
	ChainConstraintsFailure   SubIndication = "CHAIN_CONSTRAINTS_FAILURE"
	SigConstraintsFailure     SubIndication = "SIG_CONSTRAINTS_FAILURE"
	CryptoConstraintsFailure  SubIndication = "CRYPTO_CONSTRAINTS_FAILURE"
	SignedDataNotFound        SubIndication = "SIGNED_DATA_NOT_FOUND"
	OutOfBoundsNoPOE          SubIndication = "OUT_OF_BOUNDS_NO_POE"
	TryLater                  SubIndication = "TRY_LATER"
	RevokedNoPOE              SubIndication = "REVOKED_NO_POE"
	TimestampOrderFailure     SubIndication = "TIMESTAMP_ORDER_FAILURE"
)

// Check statuses.
const (
	StatusPassed        = "passed"
	StatusFailed        = "failed"
	StatusIndeterminate = "indeterminate"
	StatusWarning       = "warning"
	StatusNotChecked    = "not_checked"
)

// Check is one verification step with its outcome in plain words.
type Check struct {
	// Name identifies the step: format, algorithms, signing_certificate,
	// message_digest, signature_value, certificate_validity, key_usage,
	// chain, revocation, qualified, timestamp.
	Name   string `json:"name"`
	Status string `json:"status"`
	// SubIndication is set on failed and indeterminate checks.
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	Detail        string        `json:"detail"`
}

// Report is the result for one input file.
type Report struct {
	File string `json:"file"`
	// Form is the outer encoding: der, base64, pem, mime.
	Form          string        `json:"form"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	// Reason is the first reason of the worst signature, in plain words.
	Reason string `json:"reason,omitempty"`
	// Layers lists the envelopes from the outside in: a p7m of a p7m has
	// two, a .tsd has a timestamped-data layer around its p7m.
	Layers []*Layer `json:"layers"`
	// Content describes the innermost content (the signed document).
	Content *Content `json:"content,omitempty"`
	// Revocation is "checked" with --online, "not_checked" otherwise.
	Revocation string `json:"revocation"`
	// Trust names the anchor sources used (files, system, tsl).
	Trust []string `json:"trust"`
	// VerifiedAt is the current time used for the checks.
	VerifiedAt time.Time `json:"verified_at"`
	// Timestamps are the file-level timestamps (.tsd, .m7m).
	Timestamps []*Timestamp `json:"timestamps,omitempty"`
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
	Error string `json:"error,omitempty"`
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
	Reasons []string `json:"reasons,omitempty"`
	// Warnings do not change the indication.
	Warnings []string `json:"warnings,omitempty"`
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
}

// Timestamp is the result for an RFC 3161 token.
type Timestamp struct {
	Time          time.Time     `json:"time"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	Reasons       []string      `json:"reasons,omitempty"`
	// TSA is the timestamp unit's certificate subject.
	TSA           string `json:"tsa,omitempty"`
	Serial        string `json:"serial,omitempty"`
	HashAlgorithm string `json:"hash_algorithm,omitempty"`
	// Covers says what the imprint covers: signature value, content, file.
	Covers string  `json:"covers"`
	Checks []Check `json:"checks"`
}

func (s *Signature) add(name, status string, sub SubIndication, detail string) {
	s.Checks = append(s.Checks, Check{Name: name, Status: status, SubIndication: sub, Detail: detail})
}

func (s *Signature) warn(w string) { s.Warnings = append(s.Warnings, w) }

// conclude sets the indication from the checks: the worst status wins,
// its first check gives the sub-indication.
func conclude(checks []Check) (Indication, SubIndication, []string) {
	ind := TotalPassed
	var sub SubIndication
	var reasons []string
	for _, c := range checks {
		var ci Indication
		switch c.Status {
		case StatusFailed:
			ci = TotalFailed
		case StatusIndeterminate:
			ci = Indeterminate
		default:
			continue
		}
		if ci.Worse(ind) {
			ind, sub = ci, c.SubIndication
			reasons = append([]string{c.Detail}, reasons...)
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
	r.Reason = ""
	consider := func(ind Indication, sub SubIndication, reasons []string) {
		if ind.Worse(r.Indication) {
			r.Indication, r.SubIndication = ind, sub
			r.Reason = ""
			if len(reasons) > 0 {
				r.Reason = reasons[0]
			}
		}
	}
	var walk func(s *Signature)
	walk = func(s *Signature) {
		consider(s.Indication, s.SubIndication, s.Reasons)
		for _, c := range s.CounterSignatures {
			walk(c)
		}
	}
	n := 0
	for _, l := range r.Layers {
		if l.Error != "" {
			consider(TotalFailed, FormatFailure, []string{l.Error})
		}
		for _, s := range l.Signatures {
			n++
			walk(s)
		}
	}
	for _, t := range r.Timestamps {
		consider(t.Indication, t.SubIndication, t.Reasons)
	}
	if n == 0 && r.Indication == TotalPassed {
		consider(TotalFailed, FormatFailure, []string{"the file contains no signature"})
	}
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
