package cms

// Checking a signature value (RFC 5652 section 5.6) with the schemes CMS
// files carry: RSA PKCS #1 v1.5 (RFC 3370, RFC 5754), RSASSA-PSS
// (RFC 4056), ECDSA (RFC 5753) and Ed25519 (RFC 8419).

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
)

var (
	oidSHA224WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	oidECDSAWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	oidEd25519         = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidDSAWithSHA1     = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 3}
)

// SignatureScheme is how a signature value is checked.
type SignatureScheme struct {
	// Name is the scheme in words ("SHA-256 with RSA").
	Name string
	// Hash is the hash the signature is computed with; 0 for Ed25519.
	Hash crypto.Hash
	// Kind is rsa, rsa-pss, ecdsa or ed25519.
	Kind string
	// Salt is the RSA-PSS salt length.
	Salt int
}

// HashName names a hash the way the standards write it ("SHA-256").
func HashName(h crypto.Hash) string {
	switch h {
	case crypto.MD5:
		return "MD5"
	case crypto.SHA1:
		return "SHA-1"
	case crypto.SHA224:
		return "SHA-224"
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	case crypto.SHA512:
		return "SHA-512"
	}
	return h.String()
}

// SchemeOf works out the signature scheme of a SignerInfo from its
// signature and digest algorithms. The signature's hash comes from the
// signature algorithm (or the RSA-PSS parameters); only the bare key
// algorithms (rsaEncryption, id-ecPublicKey), which real Italian files
// use, take it from the digest algorithm.
func SchemeOf(sig AlgID, digest AlgID) (SignatureScheme, error) {
	dh, dok := HashOf(digest.Algorithm)
	fromDigest := func(kind, name string) (SignatureScheme, error) {
		if !dok {
			return SignatureScheme{}, fmt.Errorf("unknown digest algorithm %s", digest.Algorithm)
		}
		return SignatureScheme{Name: HashName(dh) + " with " + name, Hash: dh, Kind: kind}, nil
	}
	a := sig.Algorithm
	switch {
	case a.Equal(OIDRSAEncryption):
		return fromDigest("rsa", "RSA")
	case a.Equal(OIDECPublicKey):
		return fromDigest("ecdsa", "ECDSA")
	case a.Equal(OIDMD5WithRSA):
		return SignatureScheme{"MD5 with RSA", crypto.MD5, "rsa", 0}, nil
	case a.Equal(OIDSHA1WithRSA):
		return SignatureScheme{"SHA-1 with RSA", crypto.SHA1, "rsa", 0}, nil
	case a.Equal(oidSHA224WithRSA):
		return SignatureScheme{"SHA-224 with RSA", crypto.SHA224, "rsa", 0}, nil
	case a.Equal(OIDSHA256WithRSA):
		return SignatureScheme{"SHA-256 with RSA", crypto.SHA256, "rsa", 0}, nil
	case a.Equal(OIDSHA384WithRSA):
		return SignatureScheme{"SHA-384 with RSA", crypto.SHA384, "rsa", 0}, nil
	case a.Equal(OIDSHA512WithRSA):
		return SignatureScheme{"SHA-512 with RSA", crypto.SHA512, "rsa", 0}, nil
	case a.Equal(OIDECDSAWithSHA1):
		return SignatureScheme{"ECDSA with SHA-1", crypto.SHA1, "ecdsa", 0}, nil
	case a.Equal(oidECDSAWithSHA224):
		return SignatureScheme{"ECDSA with SHA-224", crypto.SHA224, "ecdsa", 0}, nil
	case a.Equal(OIDECDSAWithSHA256):
		return SignatureScheme{"ECDSA with SHA-256", crypto.SHA256, "ecdsa", 0}, nil
	case a.Equal(OIDECDSAWithSHA384):
		return SignatureScheme{"ECDSA with SHA-384", crypto.SHA384, "ecdsa", 0}, nil
	case a.Equal(OIDECDSAWithSHA512):
		return SignatureScheme{"ECDSA with SHA-512", crypto.SHA512, "ecdsa", 0}, nil
	case a.Equal(oidEd25519):
		return SignatureScheme{"Ed25519", 0, "ed25519", 0}, nil
	case a.Equal(OIDRSAPSS):
		return pssScheme(sig.Parameters)
	case a.Equal(oidDSAWithSHA1):
		return SignatureScheme{}, errors.New("DSA signatures are not supported")
	}
	return SignatureScheme{}, fmt.Errorf("unknown signature algorithm %s", a)
}

// pssScheme reads RSASSA-PSS-params (RFC 4055): defaults SHA-1, MGF1
// with SHA-1, salt 20.
func pssScheme(params []byte) (SignatureScheme, error) {
	var p struct {
		Hash       pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:0"`
		MGF        pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:1"`
		SaltLength int                      `asn1:"explicit,optional,tag:2,default:20"`
		Trailer    int                      `asn1:"explicit,optional,tag:3,default:1"`
	}
	p.SaltLength = 20
	if len(params) > 0 {
		if rest, err := asn1.Unmarshal(params, &p); err != nil || len(rest) != 0 {
			return SignatureScheme{}, errors.New("bad RSASSA-PSS parameters")
		}
	}
	h := crypto.SHA1
	if p.Hash.Algorithm != nil {
		var ok bool
		if h, ok = HashOf(p.Hash.Algorithm); !ok {
			return SignatureScheme{}, fmt.Errorf("unknown RSASSA-PSS hash %s", p.Hash.Algorithm)
		}
	}
	if p.MGF.Algorithm != nil {
		if !p.MGF.Algorithm.Equal(OIDMGF1) {
			return SignatureScheme{}, fmt.Errorf("unknown RSASSA-PSS mask generation %s", p.MGF.Algorithm)
		}
		var mh pkix.AlgorithmIdentifier
		if _, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mh); err != nil {
			return SignatureScheme{}, errors.New("bad MGF1 parameters")
		}
		if m, ok := HashOf(mh.Algorithm); !ok || m != h {
			return SignatureScheme{}, errors.New("RSASSA-PSS with an MGF1 hash different from the message hash is not supported")
		}
	}
	if p.Trailer != 1 {
		return SignatureScheme{}, errors.New("RSASSA-PSS trailer field must be 1")
	}
	return SignatureScheme{Name: "RSASSA-PSS with " + HashName(h), Hash: h, Kind: "rsa-pss", Salt: p.SaltLength}, nil
}

// Verify checks sig with pub: over msg when the scheme hashes itself
// (Ed25519), else over digest, the hash of msg with s.Hash.
func (s SignatureScheme) Verify(pub crypto.PublicKey, msg, digest, sig []byte) error {
	switch s.Kind {
	case "rsa", "rsa-pss":
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("%s signature but the certificate key is %T", s.Name, pub)
		}
		if s.Kind == "rsa" {
			return rsa.VerifyPKCS1v15(k, s.Hash, digest, sig)
		}
		return rsa.VerifyPSS(k, s.Hash, digest, sig, &rsa.PSSOptions{SaltLength: s.Salt, Hash: s.Hash})
	case "ecdsa":
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("%s signature but the certificate key is %T", s.Name, pub)
		}
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return errors.New("ECDSA verification failed")
		}
		return nil
	case "ed25519":
		k, ok := pub.(ed25519.PublicKey)
		if !ok {
			return fmt.Errorf("Ed25519 signature but the certificate key is %T", pub)
		}
		if msg == nil {
			return errors.New("Ed25519 without signed attributes is not supported")
		}
		if !ed25519.Verify(k, msg, sig) {
			return errors.New("Ed25519 verification failed")
		}
		return nil
	}
	return fmt.Errorf("unsupported signature scheme %s", s.Name)
}

// CheckSignedAttrs checks the signature of si over its signed attributes
// with cert's key: first over the attributes as stored, then, for a file
// that stored them out of DER order, over their DER re-encoding (what the
// signer must have signed, RFC 5652 section 5.4). It checks the
// signature value only, not the attributes' contents.
func (si *ParsedSignerInfo) CheckSignedAttrs(cert *x509.Certificate) error {
	scheme, err := SchemeOf(si.SignatureAlgorithm, si.DigestAlgorithm)
	if err != nil {
		return err
	}
	if scheme.Hash != 0 && !scheme.Hash.Available() {
		return fmt.Errorf("%s is not available", HashName(scheme.Hash))
	}
	var lastErr error
	for _, asStored := range []bool{true, false} {
		msg, err := si.SignedAttrsDER(asStored)
		if err != nil {
			lastErr = err
			continue
		}
		var digest []byte
		if scheme.Hash != 0 {
			h := scheme.Hash.New()
			h.Write(msg)
			digest = h.Sum(nil)
		}
		if lastErr = scheme.Verify(cert.PublicKey, msg, digest, si.Signature); lastErr == nil {
			return nil
		}
	}
	return lastErr
}
