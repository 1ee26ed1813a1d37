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
	"github.com/firma-dev/firma/verify/tsl"
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
	var formatProblems List
	var duplicates List
	single := map[string][]byte{}
	if si.SignedAttrs == nil {
		formatProblems = append(formatProblems, Messagef("no signed attributes: the signer signed the content directly (plain PKCS#7)"))
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
				duplicates = append(duplicates, Messagef("the %s attribute appears %d times (identical copies)", an.name, len(found)))
				s.Present = append(s.Present, an.name)
				single[an.name] = v
				continue
			}
			formatOK = false
			formatProblems = append(formatProblems, Messagef("the %s attribute appears %d times with different values; it must appear once", an.name, len(found)))
		case len(found[0].Values) != 1:
			formatOK = false
			formatProblems = append(formatProblems, Messagef("the %s attribute has %d values; it must have one", an.name, len(found[0].Values)))
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
			formatProblems = append(formatProblems, Messagef("a counter-signature must not carry a content-type attribute"))
		}
	} else if ct, ok := single["content-type"]; ok {
		oid, err := cms.ParseOID(ct)
		if err != nil || !oid.Equal(j.eContentType) {
			formatOK = false
			formatProblems = append(formatProblems, Messagef("the content-type attribute (%s) does not match the content (%s)", fmt.Sprint(oid), j.eContentType.String()))
		}
	}
	if st, ok := single["signing-time"]; ok {
		t, err := parseTime(st)
		if err != nil {
			formatOK = false
			formatProblems = append(formatProblems, Messagef("unreadable signing-time: %s", err))
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
		s.fail("format", FormatFailure, Messagef("%s", formatProblems))
	} else if len(duplicates) > 0 {
		s.note("format", Messagef("not CAdES baseline: %s", duplicates))
		s.warn(Messagef("%s: a CMS signature, not CAdES baseline (EN 319 122-1 wants each once)", duplicates))
	} else if len(s.Missing) > 0 && !j.tsa {
		s.note("format", Messagef("not CAdES-B-B: missing %s", strings.Join(s.Missing, ", ")))
	} else {
		s.pass("format", Messagef("signed attributes well formed"))
	}

	// Algorithms.
	checkAlgorithms(out, si, scheme, schemeErr)

	// Signing certificate: identified by the signer identifier, bound by
	// signing-certificate(-v2).
	cert := v.identify(s, j, single)
	out.cert = cert
	if cert != nil {
		owner := keyOfSigner
		if j.tsa {
			owner = keyOfTSA
		}
		out.uses = append(out.uses, keyUse(cert.PublicKey, owner, nil))
	}

	// Message digest.
	mdOK := false
	switch {
	case j.contentMissing:
		s.fail("message_digest", SignedDataNotFound, Messagef("the signed content is not in the file (detached signature), and it was not given"))
	case si.SignedAttrs == nil:
		// Checked with the signature value below.
		mdOK = true
	default:
		h, ok := cms.HashOf(si.DigestAlgorithm.Algorithm)
		got, have := j.digest(h)
		mdRaw, present := single["message-digest"]
		switch {
		case !ok || !h.Available():
			s.fail("message_digest", CryptoConstraintsFailure, Messagef("unknown digest algorithm %s", si.DigestAlgorithm.Algorithm.String()))
		case !present:
			s.fail("message_digest", FormatFailure, Messagef("no single message-digest attribute"))
		case !have:
			s.fail("message_digest", SignedDataNotFound, Messagef("the content was not hashed with %s: the algorithm is not declared in the SignedData", hashName(h)))
		default:
			if want, err := cms.ParseMessageDigest(mdRaw); err != nil {
				s.fail("message_digest", FormatFailure, Messagef("unreadable message-digest attribute"))
			} else if !bytes.Equal(want, got) {
				s.fail("message_digest", HashFailure, Messagef("the content does not match the signed digest: it was changed after signing"))
			} else {
				mdOK = true
				s.pass("message_digest", Messagef("%s of the content matches", hashName(h)))
			}
		}
	}

	// Signature value.
	switch {
	case schemeErr != nil:
		s.fail("signature_value", CryptoConstraintsFailure, Messagef("%s", schemeErr))
	case cert == nil:
		s.fail("signature_value", NoSigningCertificateFound, Messagef("not checked: the signer's certificate is not available"))
	case si.SignedAttrs == nil && j.contentMissing:
		s.fail("signature_value", SignedDataNotFound, Messagef("not checked: the signed content is missing"))
	default:
		v.checkSignatureValue(s, j, cert, scheme, mdOK)
	}
	return out
}

func (v *verifier) checkSignatureValue(s *Signature, j signerJob, cert *x509.Certificate, scheme sigScheme, mdOK bool) {
	si := j.si
	if scheme.Hash != 0 && !scheme.Hash.Available() {
		s.fail("signature_value", CryptoConstraintsFailure, Messagef("%s is not available", hashName(scheme.Hash)))
		return
	}
	if si.SignedAttrs == nil {
		d, ok := j.digest(scheme.Hash)
		if !ok {
			s.fail("signature_value", SignedDataNotFound, Messagef("the content was not hashed with %s: the algorithm is not declared in the SignedData", hashName(scheme.Hash)))
			return
		}
		note, err := verifySig(cert.PublicKey, scheme, nil, d, si.Signature)
		if err != nil {
			s.fail("signature_value", SigCryptoFailure, Messagef("the signature does not match the content and the certificate: %s", err))
			return
		}
		if !note.IsZero() {
			s.warn(note)
		}
		s.pass("signature_value", Messagef("signature over the content verified with the signer's key"))
		return
	}
	over := func(msg []byte) (Message, error) {
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
				s.warn(Messagef("the signed attributes are stored out of DER order; the signature verifies once they are sorted as DER requires"))
			}
			if !note.IsZero() {
				s.warn(note)
			}
			s.pass("signature_value", Messagef("signature over the signed attributes verified with the signer's key"))
			return
		}
		err = verr
	}
	if !bytes.Equal(der, stored) {
		if _, serr := over(stored); serr == nil {
			s.fail("signature_value", SigCryptoFailure, Messagef("the signature holds only over the signed attributes as stored, out of DER order, not over their DER encoding as RFC 5652 requires"))
			return
		}
	}
	s.fail("signature_value", SigCryptoFailure, Messagef("the signature does not match the signed attributes and the certificate: the signed attributes or the signature were changed (%s)", err))
}

// checkAlgorithms names the algorithms and records what the
// cryptographic policy judges once the proof of existence is known.
func checkAlgorithms(o *signerOutcome, si *cms.ParsedSignerInfo, scheme sigScheme, schemeErr error) {
	s := o.sig
	o.algIdx = -1
	if schemeErr != nil {
		s.fail("algorithms", CryptoConstraintsFailure, Messagef("%s", schemeErr))
		return
	}
	if dh, ok := cms.HashOf(si.DigestAlgorithm.Algorithm); ok {
		o.uses = append(o.uses, digestUse(dh, nil))
	}
	if scheme.Hash != 0 {
		o.uses = append(o.uses, digestUse(scheme.Hash, nil))
	}
	o.algIdx = len(s.Checks)
	s.pass("algorithms", Messagef("%s digest, %s signature", s.DigestAlgorithm, scheme.Name))
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
		detail := Messagef("the signer's certificate is not in the file")
		if len(j.certErrs) > 0 {
			detail = Messagef("the signer's certificate cannot be read: %s", j.certErrs[0])
		}
		s.fail("signing_certificate", NoSigningCertificateFound, detail)
		return nil
	}
	var ref *essCertRef
	if raw, ok := single["signing-certificate-v2"]; ok {
		r, err := parseSigningCertificate(raw, true)
		if err != nil {
			s.fail("signing_certificate", FormatFailure, Messagef("unreadable signing-certificate-v2 attribute: %s", err))
			return cands[0]
		}
		ref = r
	} else if raw, ok := single["signing-certificate"]; ok {
		r, err := parseSigningCertificate(raw, false)
		if err != nil {
			s.fail("signing_certificate", FormatFailure, Messagef("unreadable signing-certificate attribute: %s", err))
			return cands[0]
		}
		ref = r
	}
	if ref == nil {
		c := cands[0]
		s.pass("signing_certificate", Messagef("found by issuer and serial number (no signing-certificate attribute binds it)"))
		return c
	}
	for _, c := range cands {
		if ref.matches(c) {
			s.pass("signing_certificate", Messagef("found and bound by the %s attribute (%s of the certificate)", ref.attr, hashName(ref.hash)))
			return c
		}
	}
	// A certificate with the signer's issuer and serial number is here,
	// but it is not the one the signer committed to: it was swapped.
	s.fail("signing_certificate", NoSigningCertificateFound, Messagef("the certificate in the file is not the one the signer signed with (the %s hash does not match): it was replaced", ref.attr))
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
			later.fail("certificate_validity", OutOfBoundsNoPOE, Messagef("the timestamp unit's certificate was not valid at the token's time (%s): valid %s to %s", Date(ref), Date(cert.NotBefore), Date(cert.NotAfter)))
		default:
			later.pass("certificate_validity", Messagef("valid at the token's time (%s to %s)", Date(cert.NotBefore), Date(cert.NotAfter)))
		}
	} else {
		v.checkValidity(later, o, cert, poe)
	}

	// Key usage.
	switch {
	case tsa:
		if !hasEKU(cert, x509.ExtKeyUsageTimeStamping) {
			later.fail("key_usage", ChainConstraintsFailure, Messagef("the certificate is not for timestamping (extended key usage timeStamping missing)"))
		} else {
			later.pass("key_usage", Messagef("timeStamping"))
		}
	case v.rules == RulesPEC:
		pecKeyUsage(later, cert)
	case cert.KeyUsage == 0:
		s.warn(Messagef("the certificate declares no key usage"))
	case cert.KeyUsage&x509.KeyUsageContentCommitment == 0:
		later.fail("key_usage", ChainConstraintsFailure, Messagef("the certificate is not for signatures with legal value: its key usage lacks nonRepudiation (%s)", strings.Join(info.KeyUsage, ", ")))
	default:
		later.pass("key_usage", Messagef("nonRepudiation"))
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
		s.pass("chain", Messagef("chains to a trusted anchor: %s", cr.label))
		if l := v.trust.listOf(cr.anchor); l != nil {
			for _, w := range listWarnings(l) {
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
			s.skip("revocation", Messagef("revocation not checked (offline)"))
		}
	case isUnknownAuthority(err):
		if v.trust.Empty() {
			s.fail("chain", NoCertificateChainFound, Messagef("no trust anchor given"))
		} else {
			detail := Messagef("the certificate does not chain to a trusted anchor (issuer: %s)", certinfo.FormatName(cert.Issuer))
			var ie *inactiveAnchorError
			if errors.As(err, &ie) {
				detail = Messagef("%s: the trusted-list service %q (%s) was not in a granted status on %s", detail, ie.a.name, ie.a.source, Date(ie.at))
			}
			if !v.hasTSL {
				detail = Messagef("%s; no trusted list was given", detail)
			}
			s.fail("chain", NoCertificateChainFound, detail)
		}
		s.skip("revocation", Messagef("revocation not checked (no chain)"))
	default:
		s.fail("chain", CertificateChainGeneral, Messagef("the certificate chain is not valid: %s", err))
		s.skip("revocation", Messagef("revocation not checked (no valid chain)"))
	}

	s.Checks = append(s.Checks, later.Checks...)
	s.Warnings = append(s.Warnings, later.Warnings...)
	// Qualification (information for signers, not a pass/fail).
	if !tsa && v.rules == RulesPEC {
		s.skip("qualified", Messagef("not applicable: a PEC provider's certificate is not a qualified signature certificate"))
	} else if !tsa {
		var pol Series
		for _, p := range cert.PolicyIdentifiers {
			switch {
			case p.Equal(certinfo.OIDPolicyAgIDCert):
				pol = append(pol, Messagef("AgID qualified signature policy"))
			case p.Equal(certinfo.OIDPolicyQCPnQSCD):
				pol = append(pol, Messagef("%s", "QCP-n-qscd"))
			case p.Equal(certinfo.OIDPolicyQCPn):
				pol = append(pol, Messagef("%s", "QCP-n"))
			}
		}
		switch {
		case info.Qualified && info.QSCD && len(pol) > 0:
			s.pass("qualified", Messagef("qualified certificate, key in a qualified signature creation device (policies: %s)", pol))
		case info.Qualified && info.QSCD:
			s.pass("qualified", Messagef("qualified certificate, key in a qualified signature creation device"))
		case info.Qualified:
			s.note("qualified", Messagef("qualified certificate, but it does not state that the key is in a QSCD"))
			s.warn(Messagef("the certificate is qualified but does not state a QSCD: not a qualified electronic signature"))
		default:
			s.note("qualified", Messagef("not a qualified certificate (no QC statements): an advanced, not qualified, signature"))
			s.warn(Messagef("not a qualified certificate: this is not a qualified electronic signature"))
		}
		if s.QualifiedTSL != nil && !*s.QualifiedTSL {
			s.warn(Messagef("the issuing CA is not a qualified CA service in the trusted list given"))
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
	span := Messagef("%s to %s", Date(cert.NotBefore), Date(cert.NotAfter))
	switch {
	case !poe.IsZero() && poe.Before(cert.NotBefore):
		s.fail("certificate_validity", NotYetValid, Messagef("a timestamp proves the signature existed on %s, before the certificate was valid (from %s)", Date(poe), Date(cert.NotBefore)))
	case !poe.IsZero() && !poe.After(cert.NotAfter):
		s.pass("certificate_validity", Messagef("valid at the timestamp time %s (%s)", Date(poe), span))
	case v.now.After(cert.NotAfter):
		detail := Messagef("the certificate expired on %s and no timestamp from before then proves the signature existed while it was valid", Date(cert.NotAfter))
		if !poe.IsZero() {
			detail = Messagef("%s (the earliest timestamp is of %s)", detail, Date(poe))
		}
		if !o.claimed.IsZero() {
			detail = Messagef("%s; the declared signing time (%s) is the signer's claim, not a proof", detail, Date(o.claimed))
		}
		s.fail("certificate_validity", OutOfBoundsNoPOE, detail)
	case v.now.Before(cert.NotBefore):
		s.fail("certificate_validity", OutOfBoundsNoPOE, Messagef("the certificate is not yet valid at the validation time %s (valid from %s)", Date(v.now), Date(cert.NotBefore)))
	default:
		s.pass("certificate_validity", Messagef("valid at the validation time %s (%s)", Date(v.now), span))
		if c := o.claimed; !c.IsZero() && (c.Before(cert.NotBefore) || c.After(cert.NotAfter)) {
			s.warn(Messagef("the declared signing time (%s) is outside the certificate's validity (%s)", Date(c), span))
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

// listWarnings are the warnings a signature whose CA the trusted list l
// vouches for carries: the list's own weaknesses.
func listWarnings(l *tsl.Info) []Message {
	var out []Message
	if l.Stale && l.NextUpdate != nil {
		// As EU DSS does: a warning on the signature, not a failure.
		out = append(out, Messagef("the trusted list that vouches for the CA (%s) is stale since %s: download a fresh copy", l.Source, Day(*l.NextUpdate)))
	}
	if l.SignerExpired && l.SignerNotAfter != nil && l.Issued != nil {
		out = append(out, Messagef("the trusted list that vouches for the CA (%s) is signed with a certificate that expired on %s, after the issue date the list gives itself (%s)", l.Source, Day(*l.SignerNotAfter), Day(*l.Issued)))
	}
	return out
}
