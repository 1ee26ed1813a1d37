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
	// algIdx is the index of the algorithms check, which the
	// cryptographic policy completes once the proof of existence is
	// known; uses are the algorithms and keys it judges.
	algIdx int
	uses   []cryptoUse
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
	s.SignatureAlgorithm = scheme.Name
	if schemeErr != nil {
		s.SignatureAlgorithm = si.SignatureAlgorithm.Algorithm.String()
	}

	// Format: the signed attributes CAdES-B-B requires, each once.
	formatOK := true
	var formatProblems []string
	var duplicates []string
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
			if an.name == "signing-time" && v.pades != nil && !j.tsa {
				continue // PAdES: the time is the dictionary's /M
			}
			s.Missing = append(s.Missing, an.name)
		case len(found) > 1:
			// Identical copies say one thing twice: a CMS signature, not
			// CAdES baseline. Copies that disagree leave the signature
			// ambiguous: never acceptable.
			if v, ok := sameValues(found); ok {
				duplicates = append(duplicates, fmt.Sprintf("the %s attribute appears %d times (identical copies)", an.name, len(found)))
				s.Present = append(s.Present, an.name)
				single[an.name] = v
				continue
			}
			formatOK = false
			formatProblems = append(formatProblems, fmt.Sprintf("the %s attribute appears %d times with different values; it must appear once", an.name, len(found)))
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
	if v.pades != nil && !j.tsa {
		v.pades.claimedTime(out, s)
	}
	switch {
	case len(s.Missing) == 0 && len(duplicates) == 0:
		s.Profile = "CAdES-B-B"
	default:
		s.Profile = "CMS"
	}
	if !formatOK {
		s.fail("format", FormatFailure, strings.Join(formatProblems, "; "))
	} else if len(duplicates) > 0 {
		s.note("format", "not CAdES baseline: "+strings.Join(duplicates, "; "))
		s.warn(strings.Join(duplicates, "; ") + ": a CMS signature, not CAdES baseline (EN 319 122-1 wants each once)")
	} else if len(s.Missing) > 0 && !j.tsa {
		s.note("format", "not CAdES-B-B: missing "+strings.Join(s.Missing, ", "))
	} else {
		s.pass("format", "signed attributes well formed")
	}

	// Algorithms.
	checkAlgorithms(out, si, scheme, schemeErr)

	// Signing certificate: identified by the signer identifier, bound by
	// signing-certificate(-v2).
	cert := v.identify(s, j, single)
	out.cert = cert
	if cert != nil {
		role := "of the signer"
		if j.tsa {
			role = "of the timestamp unit"
		}
		out.uses = append(out.uses, keyUse(cert.PublicKey, role))
	}

	// Message digest.
	mdOK := false
	switch {
	case j.contentMissing:
		s.fail("message_digest", SignedDataNotFound, "the signed content is not in the file (detached signature), and it was not given")
	case si.SignedAttrs == nil:
		// Checked with the signature value below.
		mdOK = true
	default:
		h, ok := cms.HashOf(si.DigestAlgorithm.Algorithm)
		got, have := j.digest(h)
		mdRaw, present := single["message-digest"]
		switch {
		case !ok || !h.Available():
			s.fail("message_digest", CryptoConstraintsFailure, "unknown digest algorithm "+si.DigestAlgorithm.Algorithm.String())
		case !present:
			s.fail("message_digest", FormatFailure, "no single message-digest attribute")
		case !have:
			s.fail("message_digest", SignedDataNotFound, "the content was not hashed with "+hashName(h)+": the algorithm is not declared in the SignedData")
		default:
			if want, err := cms.ParseMessageDigest(mdRaw); err != nil {
				s.fail("message_digest", FormatFailure, "unreadable message-digest attribute")
			} else if !bytes.Equal(want, got) {
				s.fail("message_digest", HashFailure, "the content does not match the signed digest: it was changed after signing")
			} else {
				mdOK = true
				s.pass("message_digest", hashName(h)+" of the content matches")
			}
		}
	}

	// Signature value.
	switch {
	case schemeErr != nil:
		s.fail("signature_value", CryptoConstraintsFailure, schemeErr.Error())
	case cert == nil:
		s.fail("signature_value", NoSigningCertificateFound, "not checked: the signer's certificate is not available")
	case si.SignedAttrs == nil && j.contentMissing:
		s.fail("signature_value", SignedDataNotFound, "not checked: the signed content is missing")
	default:
		v.checkSignatureValue(s, j, cert, scheme, mdOK)
	}
	return out
}

func (v *verifier) checkSignatureValue(s *Signature, j signerJob, cert *x509.Certificate, scheme sigScheme, mdOK bool) {
	si := j.si
	if scheme.Hash != 0 && !scheme.Hash.Available() {
		s.fail("signature_value", CryptoConstraintsFailure, hashName(scheme.Hash)+" is not available")
		return
	}
	if si.SignedAttrs == nil {
		d, ok := j.digest(scheme.Hash)
		if !ok {
			s.fail("signature_value", SignedDataNotFound, "the content was not hashed with "+hashName(scheme.Hash)+": the algorithm is not declared in the SignedData")
			return
		}
		note, err := verifySig(cert.PublicKey, scheme, nil, d, si.Signature)
		if err != nil {
			s.fail("signature_value", SigCryptoFailure, "the signature does not match the content and the certificate: "+err.Error())
			return
		}
		if note != "" {
			s.warn(note)
		}
		s.pass("signature_value", "signature over the content verified with the signer's key")
		return
	}
	over := func(msg []byte) (string, error) {
		var d []byte
		if scheme.Hash != 0 {
			h := scheme.Hash.New()
			h.Write(msg)
			d = h.Sum(nil)
		}
		return verifySig(cert.PublicKey, scheme, msg, d, si.Signature)
	}
	// RFC 5652 5.4: the signature covers the DER encoding of the signed
	// attributes. Stored in another order (or in BER) they are fine when
	// the signature holds over their DER encoding; a signature over the
	// stored bytes only is not a CMS signature (EU DSS rejects it too).
	stored, _ := si.SignedAttrsDER(true)
	der, err := si.SignedAttrsDER(false)
	if err == nil {
		note, verr := over(der)
		if verr == nil {
			if !bytes.Equal(der, stored) {
				s.warn("the signed attributes are stored out of DER order; the signature verifies once they are sorted as DER requires")
			}
			if note != "" {
				s.warn(note)
			}
			s.pass("signature_value", "signature over the signed attributes verified with the signer's key")
			return
		}
		err = verr
	}
	if !bytes.Equal(der, stored) {
		if _, serr := over(stored); serr == nil {
			s.fail("signature_value", SigCryptoFailure, "the signature holds only over the signed attributes as stored, out of DER order, not over their DER encoding as RFC 5652 requires")
			return
		}
	}
	s.fail("signature_value", SigCryptoFailure, "the signature does not match the signed attributes and the certificate: the signed attributes or the signature were changed ("+err.Error()+")")
}

// checkAlgorithms names the algorithms and records what the
// cryptographic policy judges once the proof of existence is known.
func checkAlgorithms(o *signerOutcome, si *cms.ParsedSignerInfo, scheme sigScheme, schemeErr error) {
	s := o.sig
	o.algIdx = -1
	if schemeErr != nil {
		s.fail("algorithms", CryptoConstraintsFailure, schemeErr.Error())
		return
	}
	if dh, ok := cms.HashOf(si.DigestAlgorithm.Algorithm); ok {
		o.uses = append(o.uses, digestUse(dh, "digest"))
	}
	if scheme.Hash != 0 {
		o.uses = append(o.uses, digestUse(scheme.Hash, "digest"))
	}
	o.algIdx = len(s.Checks)
	s.pass("algorithms", s.DigestAlgorithm+" digest, "+scheme.Name+" signature")
}

// sameValues reports whether copies of an attribute each hold one value,
// the same, and returns it.
func sameValues(found []cms.RawAttribute) ([]byte, bool) {
	var first []byte
	for _, a := range found {
		if len(a.Values) != 1 {
			return nil, false
		}
		d := mustDER(a.Values[0])
		if first == nil {
			first = d
		} else if !bytes.Equal(first, d) {
			return nil, false
		}
	}
	return first, true
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
		s.fail("signing_certificate", NoSigningCertificateFound, detail)
		return nil
	}
	var ref *essCertRef
	if raw, ok := single["signing-certificate-v2"]; ok {
		r, err := parseSigningCertificate(raw, true)
		if err != nil {
			s.fail("signing_certificate", FormatFailure, "unreadable signing-certificate-v2 attribute: "+err.Error())
			return cands[0]
		}
		ref = r
	} else if raw, ok := single["signing-certificate"]; ok {
		r, err := parseSigningCertificate(raw, false)
		if err != nil {
			s.fail("signing_certificate", FormatFailure, "unreadable signing-certificate attribute: "+err.Error())
			return cands[0]
		}
		ref = r
	}
	if ref == nil {
		c := cands[0]
		s.pass("signing_certificate", "found by issuer and serial number (no signing-certificate attribute binds it)")
		return c
	}
	for _, c := range cands {
		if ref.matches(c) {
			s.pass("signing_certificate", "found and bound by the "+ref.attr+" attribute ("+hashName(ref.hash)+" of the certificate)")
			return c
		}
	}
	// A certificate with the signer's issuer and serial number is here,
	// but it is not the one the signer committed to: it was swapped.
	s.fail("signing_certificate", NoSigningCertificateFound, "the certificate in the file is not the one the signer signed with (the "+ref.attr+" hash does not match): it was replaced")
	return nil
}

func matchesSID(c *x509.Certificate, si *cms.ParsedSignerInfo) bool { return si.Identifies(c) }

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

// checkCertificate runs the checks on the signer's certificate: validity,
// key usage, chain, revocation, qualification. ref is the time the chain
// and the trusted lists are read at (the proof of existence, else the
// declared signing time, else the validation time); poe is the earliest
// valid timestamp over the signature (zero: none). A timestamp unit's
// certificate (tsa) is checked at the token's own time.
func (v *verifier) checkCertificate(o *signerOutcome, certs []*x509.Certificate, ref, poe time.Time, tsa bool) {
	s, cert := o.sig, o.cert
	s.ReferenceTime = ref
	hasPOE := !poe.IsZero()
	if cert == nil {
		return
	}
	info := certinfo.Parse(cert)
	s.Signer = &info
	s.Certificate = cert
	s.Qualified = info.Qualified

	// The chain is reported first: without one, nothing else about the
	// certificate can be trusted. Validity and key usage follow it.
	later := &Signature{}
	if tsa {
		// The token's time is the timestamp unit's own statement: inside
		// the certificate's validity it is taken as the signing time, as
		// CAdES-T does; outside it nothing proves when the token was made.
		switch {
		case ref.Before(cert.NotBefore) || ref.After(cert.NotAfter):
			later.fail("certificate_validity", OutOfBoundsNoPOE, fmt.Sprintf("the timestamp unit's certificate was not valid at the token's time (%s): valid %s to %s", day(ref), day(cert.NotBefore), day(cert.NotAfter)))
		default:
			later.pass("certificate_validity", fmt.Sprintf("valid at the token's time (%s to %s)", day(cert.NotBefore), day(cert.NotAfter)))
		}
	} else {
		v.checkValidity(later, o, cert, poe)
	}

	// Key usage.
	switch {
	case tsa:
		if !hasEKU(cert, x509.ExtKeyUsageTimeStamping) {
			later.fail("key_usage", ChainConstraintsFailure, "the certificate is not for timestamping (extended key usage timeStamping missing)")
		} else {
			later.pass("key_usage", "timeStamping")
		}
	case v.rules == RulesPEC:
		pecKeyUsage(later, cert)
	case cert.KeyUsage == 0:
		s.warn("the certificate declares no key usage")
	case cert.KeyUsage&x509.KeyUsageContentCommitment == 0:
		later.fail("key_usage", ChainConstraintsFailure, "the certificate is not for signatures with legal value: its key usage lacks nonRepudiation ("+strings.Join(info.KeyUsage, ", ")+")")
	default:
		later.pass("key_usage", "nonRepudiation")
	}

	// Chain.
	usage := []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	want := AnchorQualifiedCA
	if v.rules == RulesPEC && !tsa {
		want = AnchorAny
	}
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
		s.ChainCertificates = cr.chain
		s.TrustAnchor = cr.label
		o.uses = append(o.uses, chainUses(cr.chain)...)
		s.pass("chain", "chains to a trusted anchor: "+cr.label)
		if l := v.trust.listOf(cr.anchor); l != nil {
			for _, w := range l.SignatureWarnings() {
				s.warn(w)
			}
		}
		if v.hasTSL && !tsa && v.rules != RulesPEC {
			q := cr.anchor != nil && cr.anchor.kind == AnchorQualifiedCA
			s.QualifiedTSL = &q
		}
		s.Checks = append(s.Checks, later.Checks...)
		later.Checks = nil
		if v.online {
			v.checkRevocation(s, cert, cr.chain, ref, hasPOE || tsa)
		} else {
			s.skip("revocation", "revocation not checked (offline)")
		}
	case isUnknownAuthority(err):
		if v.trust.Empty() {
			s.fail("chain", NoCertificateChainFound, "no trust anchor given")
		} else {
			detail := "the certificate does not chain to a trusted anchor (issuer: " + certinfo.FormatName(cert.Issuer) + ")"
			var ie *inactiveAnchorError
			if errors.As(err, &ie) {
				detail += ": " + ie.Error()
			}
			if !v.hasTSL {
				detail += "; no trusted list was given"
			}
			s.fail("chain", NoCertificateChainFound, detail)
		}
		s.skip("revocation", "revocation not checked (no chain)")
	default:
		s.fail("chain", CertificateChainGeneral, "the certificate chain is not valid: "+err.Error())
		s.skip("revocation", "revocation not checked (no valid chain)")
	}

	s.Checks = append(s.Checks, later.Checks...)
	s.Warnings = append(s.Warnings, later.Warnings...)
	// Qualification (information for signers, not a pass/fail).
	if !tsa && v.rules == RulesPEC {
		s.skip("qualified", "not applicable: a PEC provider's certificate is not a qualified signature certificate")
	} else if !tsa {
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
			s.pass("qualified", "qualified certificate, key in a qualified signature creation device"+polText)
		case info.Qualified:
			s.note("qualified", "qualified certificate, but it does not state that the key is in a QSCD")
			s.warn("the certificate is qualified but does not state a QSCD: not a qualified electronic signature")
		default:
			s.note("qualified", "not a qualified certificate (no QC statements): an advanced, not qualified, signature")
			s.warn("not a qualified certificate: this is not a qualified electronic signature")
		}
		if s.QualifiedTSL != nil && !*s.QualifiedTSL {
			s.warn("the issuing CA is not a qualified CA service in the trusted list given")
		}
	}
}

// checkValidity decides the signer certificate's validity (EN 319 102-1
// 5.2.6 and 5.6.2.4). Only a proof of existence makes a certificate
// EXPIRED or NOT_YET_VALID: a valid timestamp over the signature from
// before notBefore shows the signature was made before the certificate
// was valid. Inside the validity a timestamp proves the signature existed
// in time. Without a proof, a certificate outside its validity at the
// validation time gives OUT_OF_BOUNDS_NO_POE: a declared signing time is
// the signer's claim, not a proof.
func (v *verifier) checkValidity(s *Signature, o *signerOutcome, cert *x509.Certificate, poe time.Time) {
	span := fmt.Sprintf("%s to %s", day(cert.NotBefore), day(cert.NotAfter))
	switch {
	case !poe.IsZero() && poe.Before(cert.NotBefore):
		s.fail("certificate_validity", NotYetValid, fmt.Sprintf("a timestamp proves the signature existed on %s, before the certificate was valid (from %s)", day(poe), day(cert.NotBefore)))
	case !poe.IsZero() && !poe.After(cert.NotAfter):
		s.pass("certificate_validity", fmt.Sprintf("valid at the timestamp time %s (%s)", day(poe), span))
	case v.now.After(cert.NotAfter):
		detail := fmt.Sprintf("the certificate expired on %s and no timestamp from before then proves the signature existed while it was valid", day(cert.NotAfter))
		if !poe.IsZero() {
			detail += fmt.Sprintf(" (the earliest timestamp is of %s)", day(poe))
		}
		if !o.claimed.IsZero() {
			detail += fmt.Sprintf("; the declared signing time (%s) is the signer's claim, not a proof", day(o.claimed))
		}
		s.fail("certificate_validity", OutOfBoundsNoPOE, detail)
	case v.now.Before(cert.NotBefore):
		s.fail("certificate_validity", OutOfBoundsNoPOE, fmt.Sprintf("the certificate is not yet valid at the validation time %s (valid from %s)", day(v.now), day(cert.NotBefore)))
	default:
		s.pass("certificate_validity", fmt.Sprintf("valid at the validation time %s (%s)", day(v.now), span))
		if c := o.claimed; !c.IsZero() && (c.Before(cert.NotBefore) || c.After(cert.NotAfter)) {
			s.warn(fmt.Sprintf("the declared signing time (%s) is outside the certificate's validity (%s)", day(c), span))
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
