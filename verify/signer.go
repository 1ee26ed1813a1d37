package verify

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/cms"
)

// sha1Deadline: SHA-1 is not acceptable for qualified signatures made
// from 1 July 2011 (DigitPA deliberation 45/2009 as amended).
var sha1Deadline = time.Date(2011, 7, 1, 0, 0, 0, 0, time.UTC)

// signerJob is one SignerInfo to check with its context.
type signerJob struct {
	id    string
	si    *cms.ParsedSignerInfo
	certs []*x509.Certificate
	// certErrs say why some certificates of the file were unreadable.
	certErrs []error
	// digest returns the digest of what the signer signed (the content,
	// or for a counter-signature the signature value it counters).
	digest func(crypto.Hash) ([]byte, bool)
	// contentMissing: a detached signature whose content was not given.
	contentMissing bool
	// eContentType is the encapsulated type the content-type attribute
	// must name; nil for a counter-signature (which must not carry one).
	eContentType asn1.ObjectIdentifier
	// tsa: the signer is a timestamp unit.
	tsa bool
}

// signerOutcome carries what later steps need besides the result.
type signerOutcome struct {
	sig  *Signature
	cert *x509.Certificate
	// claimed is the signing-time attribute, zero when absent.
	claimed time.Time
}

// attribute names for the report.
var attrNames = []struct {
	oid  asn1.ObjectIdentifier
	name string
}{
	{cms.OIDAttrContentType, "content-type"},
	{cms.OIDAttrMessageDigest, "message-digest"},
	{cms.OIDAttrSigningTime, "signing-time"},
	{cms.OIDAttrSigningCertificate, "signing-certificate"},
	{cms.OIDAttrSigningCertificateV2, "signing-certificate-v2"},
}

// checkSigner runs the checks that concern the signature itself and its
// certificate, up to (not including) chain and time: format, algorithms,
// certificate identification, message digest, signature value.
func (v *verifier) checkSigner(j signerJob) *signerOutcome {
	s := &Signature{ID: j.id}
	out := &signerOutcome{sig: s}
	si := j.si
	s.DigestAlgorithm = digestName(si.DigestAlgorithm.Algorithm)
	scheme, schemeErr := schemeOf(si.SignatureAlgorithm, si.DigestAlgorithm)
	s.SignatureAlgorithm = scheme.name
	if schemeErr != nil {
		s.SignatureAlgorithm = si.SignatureAlgorithm.Algorithm.String()
	}

	// Format: the signed attributes CAdES-B-B requires, each once.
	formatOK := true
	var formatProblems []string
	single := map[string][]byte{}
	if si.SignedAttrs == nil {
		formatProblems = append(formatProblems, "no signed attributes: the signer signed the content directly (plain PKCS#7)")
	}
	for _, an := range attrNames {
		found := cms.FindAttrs(si.SignedAttrs, an.oid)
		switch {
		case len(found) == 0:
			if an.name == "signing-certificate" {
				continue
			}
			if an.name == "content-type" && j.eContentType == nil {
				continue
			}
			s.Missing = append(s.Missing, an.name)
		case len(found) > 1:
			formatOK = false
			formatProblems = append(formatProblems, fmt.Sprintf("the %s attribute appears %d times; it must appear once", an.name, len(found)))
		case len(found[0].Values) != 1:
			formatOK = false
			formatProblems = append(formatProblems, fmt.Sprintf("the %s attribute has %d values; it must have one", an.name, len(found[0].Values)))
		default:
			s.Present = append(s.Present, an.name)
			single[an.name] = found[0].Values[0]
		}
	}
	if _, v1 := single["signing-certificate"]; v1 {
		s.Missing = removeStr(s.Missing, "signing-certificate-v2")
	}
	if j.eContentType == nil {
		if _, ok := single["content-type"]; ok {
			formatOK = false
			formatProblems = append(formatProblems, "a counter-signature must not carry a content-type attribute")
		}
	} else if ct, ok := single["content-type"]; ok {
		oid, err := cms.ParseOID(ct)
		if err != nil || !oid.Equal(j.eContentType) {
			formatOK = false
			formatProblems = append(formatProblems, fmt.Sprintf("the content-type attribute (%v) does not match the content (%v)", oid, j.eContentType))
		}
	}
	if st, ok := single["signing-time"]; ok {
		t, err := parseTime(st)
		if err != nil {
			formatOK = false
			formatProblems = append(formatProblems, "unreadable signing-time: "+err.Error())
		} else {
			out.claimed = t
			tt := t
			s.SigningTime = &tt
		}
	}
	switch {
	case len(s.Missing) == 0:
		s.Profile = "CAdES-B-B"
	default:
		s.Profile = "CMS"
	}
	if !formatOK {
		s.add("format", StatusFailed, FormatFailure, strings.Join(formatProblems, "; "))
	} else if len(s.Missing) > 0 && !j.tsa {
		s.add("format", StatusWarning, "", "not CAdES-B-B: missing "+strings.Join(s.Missing, ", "))
	} else {
		s.add("format", StatusPassed, "", "signed attributes well formed")
	}

	// Algorithms.
	v.checkAlgorithms(s, si, scheme, schemeErr, out.claimed)

	// Signing certificate: identified by the signer identifier, bound by
	// signing-certificate(-v2).
	cert := v.identify(s, j, single)
	out.cert = cert

	// Message digest.
	mdOK := false
	switch {
	case j.contentMissing:
		s.add("message_digest", StatusIndeterminate, SignedDataNotFound, "the signed content is not in the file (detached signature): give it with --content")
	case si.SignedAttrs == nil:
		// Checked with the signature value below.
		mdOK = true
	default:
		h, ok := cms.HashOf(si.DigestAlgorithm.Algorithm)
		got, have := j.digest(h)
		mdRaw, present := single["message-digest"]
		switch {
		case !ok || !h.Available():
			s.add("message_digest", StatusIndeterminate, CryptoConstraintsFailure, "unknown digest algorithm "+si.DigestAlgorithm.Algorithm.String())
		case !present:
			s.add("message_digest", StatusFailed, FormatFailure, "no single message-digest attribute")
		case !have:
			s.add("message_digest", StatusIndeterminate, FormatFailure, "the content was not hashed with "+hashName(h)+": the algorithm is not declared in the SignedData")
		default:
			var want []byte
			if rest, err := asn1.Unmarshal(mustDER(mdRaw), &want); err != nil || len(rest) != 0 {
				s.add("message_digest", StatusFailed, FormatFailure, "unreadable message-digest attribute")
			} else if !bytes.Equal(want, got) {
				s.add("message_digest", StatusFailed, HashFailure, "the content does not match the signed digest: it was changed after signing")
			} else {
				mdOK = true
				s.add("message_digest", StatusPassed, "", hashName(h)+" of the content matches")
			}
		}
	}

	// Signature value.
	switch {
	case schemeErr != nil:
		s.add("signature_value", StatusIndeterminate, CryptoConstraintsFailure, schemeErr.Error())
	case cert == nil:
		s.add("signature_value", StatusIndeterminate, NoSigningCertificateFound, "not checked: the signer's certificate is not available")
	case si.SignedAttrs == nil && j.contentMissing:
		s.add("signature_value", StatusIndeterminate, SignedDataNotFound, "not checked: the signed content is missing")
	default:
		v.checkSignatureValue(s, j, cert, scheme, mdOK)
	}
	return out
}

func (v *verifier) checkSignatureValue(s *Signature, j signerJob, cert *x509.Certificate, scheme sigScheme, mdOK bool) {
	si := j.si
	if si.SignedAttrs == nil {
		d, ok := j.digest(scheme.hash)
		if !ok {
			s.add("signature_value", StatusIndeterminate, FormatFailure, "the content was not hashed with "+hashName(scheme.hash))
			return
		}
		if err := verifySig(cert.PublicKey, scheme, nil, d, si.Signature); err != nil {
			s.add("signature_value", StatusFailed, SigCryptoFailure, "the signature does not match the content and the certificate: "+err.Error())
			return
		}
		s.add("signature_value", StatusPassed, "", "signature over the content verified with the signer's key")
		return
	}
	var lastErr error
	for i, asStored := range []bool{true, false} {
		msg, err := si.SignedAttrsDER(asStored)
		if err != nil {
			lastErr = err
			continue
		}
		var d []byte
		if scheme.hash != 0 {
			if !scheme.hash.Available() {
				s.add("signature_value", StatusIndeterminate, CryptoConstraintsFailure, hashName(scheme.hash)+" is not available")
				return
			}
			h := scheme.hash.New()
			h.Write(msg)
			d = h.Sum(nil)
		}
		if lastErr = verifySig(cert.PublicKey, scheme, msg, d, si.Signature); lastErr == nil {
			detail := "signature over the signed attributes verified with the signer's key"
			if i == 1 {
				s.warn("the signed attributes are stored out of DER order; the signature verifies once they are sorted as DER requires")
			}
			s.add("signature_value", StatusPassed, "", detail)
			return
		}
	}
	s.add("signature_value", StatusFailed, SigCryptoFailure, "the signature does not match the signed attributes and the certificate: the signed attributes or the signature were changed ("+lastErr.Error()+")")
}

func (v *verifier) checkAlgorithms(s *Signature, si *cms.ParsedSignerInfo, scheme sigScheme, schemeErr error, claimed time.Time) {
	dh, _ := cms.HashOf(si.DigestAlgorithm.Algorithm)
	if dh == crypto.MD5 || (schemeErr == nil && scheme.hash == crypto.MD5) {
		s.add("algorithms", StatusFailed, CryptoConstraintsFailure, "MD5 is broken and never acceptable for a signature")
		return
	}
	if dh == crypto.SHA1 || (schemeErr == nil && scheme.hash == crypto.SHA1) {
		when := claimed
		if when.IsZero() {
			when = v.now
		}
		if !when.Before(sha1Deadline) {
			s.add("algorithms", StatusIndeterminate, CryptoConstraintsFailure, "SHA-1 is not acceptable for a qualified signature made after 1 July 2011")
			return
		}
		s.warn("SHA-1 was acceptable only before 1 July 2011")
	}
	if schemeErr != nil {
		s.add("algorithms", StatusIndeterminate, CryptoConstraintsFailure, schemeErr.Error())
		return
	}
	s.add("algorithms", StatusPassed, "", s.DigestAlgorithm+" digest, "+scheme.name+" signature")
}

// identify finds the signer's certificate among certs by the signer
// identifier and checks the signing-certificate(-v2) binding.
func (v *verifier) identify(s *Signature, j signerJob, single map[string][]byte) *x509.Certificate {
	var cands []*x509.Certificate
	for _, c := range j.certs {
		if matchesSID(c, j.si) {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		detail := "the signer's certificate is not in the file"
		if len(j.certErrs) > 0 {
			detail = "the signer's certificate cannot be read: " + j.certErrs[0].Error()
		}
		s.add("signing_certificate", StatusIndeterminate, NoSigningCertificateFound, detail)
		return nil
	}
	var ref *essCertRef
	if raw, ok := single["signing-certificate-v2"]; ok {
		r, err := parseSigningCertificate(raw, true)
		if err != nil {
			s.add("signing_certificate", StatusFailed, FormatFailure, "unreadable signing-certificate-v2 attribute: "+err.Error())
			return cands[0]
		}
		ref = r
	} else if raw, ok := single["signing-certificate"]; ok {
		r, err := parseSigningCertificate(raw, false)
		if err != nil {
			s.add("signing_certificate", StatusFailed, FormatFailure, "unreadable signing-certificate attribute: "+err.Error())
			return cands[0]
		}
		ref = r
	}
	if ref == nil {
		c := cands[0]
		s.add("signing_certificate", StatusPassed, "", "found by issuer and serial number (no signing-certificate attribute binds it)")
		return c
	}
	for _, c := range cands {
		if ref.matches(c) {
			s.add("signing_certificate", StatusPassed, "", "found and bound by the "+ref.attr+" attribute ("+hashName(ref.hash)+" of the certificate)")
			return c
		}
	}
	// A certificate with the signer's issuer and serial number is here,
	// but it is not the one the signer committed to: it was swapped.
	s.add("signing_certificate", StatusFailed, NoSigningCertificateFound, "the certificate in the file is not the one the signer signed with (the "+ref.attr+" hash does not match): it was replaced")
	return nil
}

func matchesSID(c *x509.Certificate, si *cms.ParsedSignerInfo) bool {
	if si.IssuerSerial != nil {
		return si.IssuerSerial.Serial != nil && c.SerialNumber.Cmp(si.IssuerSerial.Serial) == 0 && sameName(c.RawIssuer, si.IssuerSerial.RawIssuer)
	}
	return len(si.SubjectKeyID) > 0 && bytes.Equal(c.SubjectKeyId, si.SubjectKeyID)
}

// sameName compares two encoded Names, tolerating encodings that differ
// but mean the same (string types re-encoded by a tool).
func sameName(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var na, nb pkix.RDNSequence
	if _, err := asn1.Unmarshal(a, &na); err != nil {
		return false
	}
	if _, err := asn1.Unmarshal(b, &nb); err != nil {
		return false
	}
	var x, y pkix.Name
	x.FillFromRDNSequence(&na)
	y.FillFromRDNSequence(&nb)
	return x.String() == y.String()
}

type essCertRef struct {
	attr   string
	hash   crypto.Hash
	digest []byte
	// serial is the IssuerSerial's serial; its issuer is not compared:
	// the certificate's hash, checked first, already binds it.
	serial *big.Int
}

func (r *essCertRef) matches(c *x509.Certificate) bool {
	h := r.hash.New()
	h.Write(c.Raw)
	if !bytes.Equal(h.Sum(nil), r.digest) {
		return false
	}
	if r.serial != nil && r.serial.Cmp(c.SerialNumber) != 0 {
		return false
	}
	return true
}

// parseSigningCertificate reads SigningCertificateV2 (RFC 5035) or
// SigningCertificate (RFC 2634): the first ESSCertID names the signer.
func parseSigningCertificate(raw []byte, v2 bool) (*essCertRef, error) {
	der := mustDER(raw)
	type issuerSerial struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}
	if v2 {
		var sc struct {
			Certs []struct {
				Hash         pkix.AlgorithmIdentifier `asn1:"optional"`
				CertHash     []byte
				IssuerSerial issuerSerial `asn1:"optional"`
			}
			Policies asn1.RawValue `asn1:"optional"`
		}
		if rest, err := asn1.Unmarshal(der, &sc); err != nil || len(rest) != 0 || len(sc.Certs) == 0 {
			return nil, fmt.Errorf("malformed SigningCertificateV2")
		}
		c := sc.Certs[0]
		h := crypto.SHA256
		if c.Hash.Algorithm != nil {
			var ok bool
			if h, ok = cms.HashOf(c.Hash.Algorithm); !ok || !h.Available() {
				return nil, fmt.Errorf("unknown hash %s", c.Hash.Algorithm)
			}
		}
		return &essCertRef{attr: "signing-certificate-v2", hash: h, digest: c.CertHash, serial: c.IssuerSerial.Serial}, nil
	}
	var sc struct {
		Certs []struct {
			CertHash     []byte
			IssuerSerial issuerSerial `asn1:"optional"`
		}
		Policies asn1.RawValue `asn1:"optional"`
	}
	if rest, err := asn1.Unmarshal(der, &sc); err != nil || len(rest) != 0 || len(sc.Certs) == 0 {
		return nil, fmt.Errorf("malformed SigningCertificate")
	}
	return &essCertRef{attr: "signing-certificate", hash: crypto.SHA1, digest: sc.Certs[0].CertHash, serial: sc.Certs[0].IssuerSerial.Serial}, nil
}

// mustDER re-encodes a BER value as DER for encoding/asn1; on error it
// returns the input, which encoding/asn1 then rejects.
func mustDER(b []byte) []byte {
	d, err := cms.ToDER(b)
	if err != nil {
		return b
	}
	return d
}

func parseTime(raw []byte) (time.Time, error) {
	var t time.Time
	rest, err := asn1.Unmarshal(mustDER(raw), &t)
	if err != nil {
		return t, err
	}
	if len(rest) != 0 {
		return t, fmt.Errorf("trailing data")
	}
	return t.UTC(), nil
}

// checkCertificate runs the checks on the signer's certificate at the
// reference time: validity, key usage, chain, revocation, qualification.
func (v *verifier) checkCertificate(o *signerOutcome, certs []*x509.Certificate, ref time.Time, hasPOE bool, tsa bool) {
	s, cert := o.sig, o.cert
	s.ReferenceTime = ref
	if cert == nil {
		return
	}
	info := certinfo.Parse(cert)
	s.Signer = &info
	s.Qualified = info.Qualified
	if alg, bits := keyBits(cert.PublicKey); alg == "RSA" && bits < 1024 {
		s.add("key_strength", StatusFailed, CryptoConstraintsFailure, fmt.Sprintf("RSA key of %d bits is far too weak", bits))
	} else if alg == "RSA" && bits < 2048 {
		s.warn(fmt.Sprintf("RSA key of %d bits: 2048 or more is expected today", bits))
	}

	// The chain is reported first: without one, nothing else about the
	// certificate can be trusted. Validity and key usage follow it.
	later := &Signature{}
	// Validity at the reference time.
	refWhat := "the declared signing time"
	if hasPOE {
		refWhat = "the timestamp time"
	} else if o.claimed.IsZero() {
		refWhat = "the time of verification (no signing time declared)"
	}
	switch {
	case ref.Before(cert.NotBefore):
		later.add("certificate_validity", StatusFailed, NotYetValid, fmt.Sprintf("the certificate was not yet valid at %s (%s); valid from %s", refWhat, day(ref), day(cert.NotBefore)))
	case ref.After(cert.NotAfter):
		later.add("certificate_validity", StatusFailed, Expired, fmt.Sprintf("the certificate had expired at %s (%s): it expired on %s", refWhat, day(ref), day(cert.NotAfter)))
	case !hasPOE && v.now.After(cert.NotAfter):
		later.add("certificate_validity", StatusIndeterminate, OutOfBoundsNoPOE, fmt.Sprintf("the certificate expired on %s; the signer declares signing on %s, but no timestamp proves the signature existed before expiry", day(cert.NotAfter), day(ref)))
	default:
		later.add("certificate_validity", StatusPassed, "", fmt.Sprintf("valid at %s (%s to %s)", refWhat, day(cert.NotBefore), day(cert.NotAfter)))
	}

	// Key usage.
	switch {
	case tsa:
		if !hasEKU(cert, x509.ExtKeyUsageTimeStamping) {
			later.add("key_usage", StatusFailed, ChainConstraintsFailure, "the certificate is not for timestamping (extended key usage timeStamping missing)")
		} else {
			later.add("key_usage", StatusPassed, "", "timeStamping")
		}
	case cert.KeyUsage == 0:
		s.warn("the certificate declares no key usage")
	case cert.KeyUsage&x509.KeyUsageContentCommitment == 0:
		later.add("key_usage", StatusFailed, ChainConstraintsFailure, "the certificate is not for signatures with legal value: its key usage lacks nonRepudiation ("+strings.Join(info.KeyUsage, ", ")+")")
	default:
		later.add("key_usage", StatusPassed, "", "nonRepudiation")
	}

	// Chain.
	usage := []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	want := AnchorQualifiedCA
	if tsa {
		usage = []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}
		want = AnchorTSA
	}
	chainAt := ref
	if ref.After(cert.NotAfter) || ref.Before(cert.NotBefore) {
		chainAt = cert.NotAfter.Add(-time.Second) // validity already reported; still say whether it chains
	}
	cr, err := v.trust.verifyChain(cert, certs, chainAt, usage, want)
	switch {
	case err == nil:
		for _, c := range cr.chain {
			s.Chain = append(s.Chain, certinfo.FormatName(c.Subject))
		}
		s.TrustAnchor = cr.label
		s.add("chain", StatusPassed, "", "chains to a trusted anchor: "+cr.label)
		if l := v.trust.listOf(cr.anchor); l != nil {
			for _, w := range l.signatureWarnings() {
				s.warn(w)
			}
		}
		if v.hasTSL && !tsa {
			q := cr.anchor != nil && cr.anchor.kind == AnchorQualifiedCA
			s.QualifiedTSL = &q
		}
		s.Checks = append(s.Checks, later.Checks...)
		later.Checks = nil
		if v.online {
			v.checkRevocation(s, cert, cr.chain, ref, hasPOE)
		} else {
			s.add("revocation", StatusNotChecked, "", "revocation not checked (offline; use --online)")
		}
	case isUnknownAuthority(err):
		if v.trust.Empty() {
			s.add("chain", StatusIndeterminate, NoCertificateChainFound, "no trust anchor given: use --trust CA.pem or --tsl TSL-IT.xml")
		} else {
			detail := "the certificate does not chain to a trusted anchor (issuer: " + certinfo.FormatName(cert.Issuer) + ")"
			var ie *inactiveAnchorError
			if errors.As(err, &ie) {
				detail += ": " + ie.Error()
			}
			if !v.hasTSL {
				detail += "; for Italian qualified certificates give the trusted list with --tsl TSL-IT.xml"
			}
			s.add("chain", StatusIndeterminate, NoCertificateChainFound, detail)
		}
		s.add("revocation", StatusNotChecked, "", "revocation not checked (no chain)")
	default:
		s.add("chain", StatusIndeterminate, CertificateChainGeneral, "the certificate chain is not valid: "+err.Error())
		s.add("revocation", StatusNotChecked, "", "revocation not checked (no valid chain)")
	}

	s.Checks = append(s.Checks, later.Checks...)
	// Qualification (information for signers, not a pass/fail).
	if !tsa {
		var pol []string
		for _, p := range cert.PolicyIdentifiers {
			switch {
			case p.Equal(certinfo.OIDPolicyAgIDCert):
				pol = append(pol, "AgID qualified signature policy")
			case p.Equal(certinfo.OIDPolicyQCPnQSCD):
				pol = append(pol, "QCP-n-qscd")
			case p.Equal(certinfo.OIDPolicyQCPn):
				pol = append(pol, "QCP-n")
			}
		}
		polText := ""
		if len(pol) > 0 {
			polText = " (policies: " + strings.Join(pol, ", ") + ")"
		}
		switch {
		case info.Qualified && info.QSCD:
			s.add("qualified", StatusPassed, "", "qualified certificate, key in a qualified signature creation device"+polText)
		case info.Qualified:
			s.add("qualified", StatusWarning, "", "qualified certificate, but it does not state that the key is in a QSCD")
			s.warn("the certificate is qualified but does not state a QSCD: not a qualified electronic signature")
		default:
			s.add("qualified", StatusWarning, "", "not a qualified certificate (no QC statements): an advanced, not qualified, signature")
			s.warn("not a qualified certificate: this is not a qualified electronic signature")
		}
		if s.QualifiedTSL != nil && !*s.QualifiedTSL {
			s.warn("the issuing CA is not a qualified CA service in the trusted list given")
		}
	}
}

func hasEKU(c *x509.Certificate, u x509.ExtKeyUsage) bool {
	for _, e := range c.ExtKeyUsage {
		if e == u {
			return true
		}
	}
	return false
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

func removeStr(list []string, s string) []string {
	out := list[:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

func hexUpper(b []byte) string { return strings.ToUpper(hex.EncodeToString(b)) }
