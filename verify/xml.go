package verify

import (
	"context"
	"crypto"
	"crypto/x509"
	"strings"
	"time"
)

// The hook for XML signatures (package xades): the XML layer checks the
// signature itself (references, transforms, signature value, signed
// properties, certificate binding) and records each step with AddCheck;
// CheckSigner then runs the checks a CAdES signer gets on its
// certificate, with the same verdict machinery: the cryptographic
// policy, validity at the proof of existence or the declared time, key
// usage, chain to the anchors and trusted lists, revocation, qualified
// status. Report.XML and Signature.XML describe the XML.

// XMLInfo describes a signed XML file.
type XMLInfo struct {
	Size int64 `json:"size"`
	// Root is the root element's local name, Namespace its namespace.
	Root      string `json:"root"`
	Namespace string `json:"namespace,omitempty"`
	// Kind is fatturapa (a FatturaPA e-invoice), sdi_receipt (a
	// receipt or notice of the SdI) or xml.
	Kind string `json:"kind"`
	// WholeSigned is true when a signature whose data is intact signed
	// the whole document minus every signature in it: the document then
	// is what was signed, and can be extracted.
	WholeSigned bool `json:"whole_document_signed"`
}

// XMLSignature describes one ds:Signature.
type XMLSignature struct {
	// Id is the ds:Signature's Id attribute.
	Id string `json:"id,omitempty"`
	// Placement is enveloped (inside the document it signs), enveloping
	// (the data is inside the signature), detached, or none.
	Placement string `json:"placement"`
	// Coverage is whole_document (the document minus signatures), part
	// (some elements only), detached (data outside the file), none.
	Coverage string `json:"coverage"`
	// Covered names the elements signed when Coverage is part.
	Covered    []string       `json:"covered,omitempty"`
	References []XMLReference `json:"references"`
	// SignedProperties names the XAdES signed properties present.
	SignedProperties []string `json:"signed_properties,omitempty"`
	// CertificateBinding is signing_certificate, signing_certificate_v2,
	// key_info (a signed KeyInfo) or none.
	CertificateBinding string `json:"certificate_binding"`
	// FatturaPA lists the SdI rules a FatturaPA signature does not meet:
	// not_enveloped, reference_uri, no_signing_time, signing_time_zone,
	// not_xades.
	FatturaPA []string `json:"fatturapa_rules_not_met,omitempty"`
}

// XMLReference is one ds:Reference and its outcome.
type XMLReference struct {
	URI          string   `json:"uri"`
	Type         string   `json:"type,omitempty"`
	Transforms   []string `json:"transforms,omitempty"`
	DigestMethod string   `json:"digest_method"`
	// Role is document, signed_properties, key_info, countersigned
	// (another signature's value) or other.
	Role string `json:"role"`
	// Status is passed, failed or indeterminate.
	Status        string        `json:"status"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	Detail        Message       `json:"detail,omitzero"`
}

// XMLSigner is what an XML signature says about its signer, once its
// own checks are done.
type XMLSigner struct {
	// Cert is the signer's certificate (nil: not found, then only the
	// verdict is concluded); Certs the other certificates the signature
	// carries, for the chain.
	Cert  *x509.Certificate
	Certs []*x509.Certificate
	// Claimed is the declared signing time (XAdES SigningTime), zero
	// when absent; POE the earliest valid timestamp over the signature
	// value, zero when none.
	Claimed, POE time.Time
	// Hashes are the digest algorithms the signature rests on (its
	// references and its signature method); Algorithms names them for
	// the report.
	Hashes     []crypto.Hash
	Algorithms Message
}

// CheckSigner completes s, whose own checks the caller made: the
// algorithms under the cryptographic policy, then the certificate's
// validity, key usage, chain, revocation and qualified status at the
// proof of existence (else the declared signing time, else the
// validation time), with the trust, time and revocation settings of
// opts; then the verdict.
func CheckSigner(ctx context.Context, s *Signature, f XMLSigner, opts Options) {
	opts.Content, opts.PAdES, opts.Extract = nil, nil, nil
	v := newVerifier(ctx, opts)
	o := &signerOutcome{sig: s, cert: f.Cert, claimed: f.Claimed}
	if !f.Claimed.IsZero() {
		t := f.Claimed.UTC()
		s.SigningTime = &t
	}
	o.algIdx = len(s.Checks)
	s.pass("algorithms", f.Algorithms)
	for _, h := range f.Hashes {
		o.uses = append(o.uses, digestUse(h, nil))
	}
	if f.Cert != nil {
		o.uses = append(o.uses, keyUse(f.Cert.PublicKey, keyOfSigner, nil))
		v.checkCertificate(o, f.Certs, v.referenceTime(s, f.Claimed, f.POE), f.POE, false)
	}
	concludeCrypto(s, o.algIdx, o.uses, v.now, f.POE)
	s.Indication, s.SubIndication, s.Reasons = conclude(s.Checks)
}

// HashName is the report's name of a digest algorithm (SHA-256).
func HashName(h crypto.Hash) string { return hashName(h) }

// XMLKind classifies an XML document by its root's namespace.
func XMLKind(namespace, root string) string {
	switch {
	case strings.HasPrefix(namespace, "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/") && root == "FatturaElettronica",
		strings.HasPrefix(namespace, "http://www.fatturapa.gov.it/sdi/fatturapa/") && root == "FatturaElettronica":
		return "fatturapa"
	case strings.HasPrefix(namespace, "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/messaggi/"),
		strings.HasPrefix(namespace, "http://www.fatturapa.gov.it/sdi/messaggi/"):
		return "sdi_receipt"
	}
	return "xml"
}
