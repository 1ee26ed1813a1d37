package verify

import (
	"crypto"
	"crypto/x509"
)

// Rules says what kind of signature a file holds, and so which rules its
// signer's certificate and algorithms follow.
type Rules int

const (
	// RulesSignature is the default: an electronic signature (CAdES),
	// with nonRepudiation, qualified status and EU DSS's cryptographic
	// policy.
	RulesSignature Rules = iota
	// RulesPEC is a certified e-mail provider's S/MIME signature on an
	// envelope or receipt (DPR 68/2005, DM 2 novembre 2005 art. 6 and
	// its technical rules §8.1): the certificate is for digitalSignature,
	// it is not a qualified certificate and chains to plain anchors (the
	// trusted lists' qualified services do not vouch for it), and SHA-1,
	// which every provider still signs with, is accepted with a warning
	// instead of failing the cryptographic policy.
	RulesPEC
)

// pecNoteSHA1 is the warning for a SHA-1 accepted under RulesPEC.
var pecNoteSHA1 = Messagef("SHA-1 accepted because this is a PEC provider's signature: providers still sign with it; it is no longer acceptable for electronic signatures (ETSI TS 119 312)")

// pecUses drops SHA-1 from the uses the cryptographic policy judges,
// with a warning, under RulesPEC.
func (v *verifier) pecUses(s *Signature, uses []cryptoUse) []cryptoUse {
	if v.rules != RulesPEC {
		return uses
	}
	out := uses[:0]
	sha1 := false
	for _, u := range uses {
		if u.hash == crypto.SHA1 {
			sha1 = true
			continue
		}
		out = append(out, u)
	}
	if sha1 {
		s.warn(pecNoteSHA1)
	}
	return out
}

// pecKeyUsage checks a PEC provider certificate's key usage: the
// signature is not a declaration of will, digitalSignature is what the
// providers' certificates carry.
func pecKeyUsage(s *Signature, cert *x509.Certificate) {
	switch {
	case cert.KeyUsage == 0:
		s.warn(Messagef("the certificate declares no key usage"))
	case cert.KeyUsage&x509.KeyUsageDigitalSignature == 0:
		s.fail("key_usage", ChainConstraintsFailure, Messagef("the certificate is not for signing messages: its key usage lacks digitalSignature"))
	default:
		s.pass("key_usage", Messagef("digitalSignature"))
	}
}
