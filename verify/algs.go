package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/firma-dev/firma/internal/cms"
)

var (
	oidSHA224WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}
	oidECDSAWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	oidEd25519         = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidDSAWithSHA1     = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 3}
)

// sigScheme is how a signature value is checked.
type sigScheme struct {
	name string
	// hash is the hash the signature is computed with; 0 for Ed25519.
	hash crypto.Hash
	kind string // rsa, rsa-pss, ecdsa, ed25519
	salt int    // RSA-PSS salt length
}

func hashName(h crypto.Hash) string {
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

// digestName names a digest algorithm OID.
func digestName(oid asn1.ObjectIdentifier) string {
	if h, ok := cms.HashOf(oid); ok {
		return hashName(h)
	}
	return oid.String()
}

// schemeOf works out the signature scheme. The signature's hash comes
// from the signature algorithm (or the RSA-PSS parameters); only the
// bare key algorithms (rsaEncryption, id-ecPublicKey), which real
// Italian files use, take it from the digest algorithm.
func schemeOf(sig cms.AlgID, digest cms.AlgID) (sigScheme, error) {
	dh, dok := cms.HashOf(digest.Algorithm)
	fromDigest := func(kind, name string) (sigScheme, error) {
		if !dok {
			return sigScheme{}, fmt.Errorf("unknown digest algorithm %s", digest.Algorithm)
		}
		return sigScheme{name: hashName(dh) + " with " + name, hash: dh, kind: kind}, nil
	}
	a := sig.Algorithm
	switch {
	case a.Equal(cms.OIDRSAEncryption):
		return fromDigest("rsa", "RSA")
	case a.Equal(cms.OIDECPublicKey):
		return fromDigest("ecdsa", "ECDSA")
	case a.Equal(cms.OIDMD5WithRSA):
		return sigScheme{"MD5 with RSA", crypto.MD5, "rsa", 0}, nil
	case a.Equal(cms.OIDSHA1WithRSA):
		return sigScheme{"SHA-1 with RSA", crypto.SHA1, "rsa", 0}, nil
	case a.Equal(oidSHA224WithRSA):
		return sigScheme{"SHA-224 with RSA", crypto.SHA224, "rsa", 0}, nil
	case a.Equal(cms.OIDSHA256WithRSA):
		return sigScheme{"SHA-256 with RSA", crypto.SHA256, "rsa", 0}, nil
	case a.Equal(cms.OIDSHA384WithRSA):
		return sigScheme{"SHA-384 with RSA", crypto.SHA384, "rsa", 0}, nil
	case a.Equal(cms.OIDSHA512WithRSA):
		return sigScheme{"SHA-512 with RSA", crypto.SHA512, "rsa", 0}, nil
	case a.Equal(cms.OIDECDSAWithSHA1):
		return sigScheme{"ECDSA with SHA-1", crypto.SHA1, "ecdsa", 0}, nil
	case a.Equal(oidECDSAWithSHA224):
		return sigScheme{"ECDSA with SHA-224", crypto.SHA224, "ecdsa", 0}, nil
	case a.Equal(cms.OIDECDSAWithSHA256):
		return sigScheme{"ECDSA with SHA-256", crypto.SHA256, "ecdsa", 0}, nil
	case a.Equal(cms.OIDECDSAWithSHA384):
		return sigScheme{"ECDSA with SHA-384", crypto.SHA384, "ecdsa", 0}, nil
	case a.Equal(cms.OIDECDSAWithSHA512):
		return sigScheme{"ECDSA with SHA-512", crypto.SHA512, "ecdsa", 0}, nil
	case a.Equal(oidEd25519):
		return sigScheme{"Ed25519", 0, "ed25519", 0}, nil
	case a.Equal(cms.OIDRSAPSS):
		return pssScheme(sig.Parameters)
	case a.Equal(oidDSAWithSHA1):
		return sigScheme{}, errors.New("DSA signatures are not supported")
	}
	return sigScheme{}, fmt.Errorf("unknown signature algorithm %s", a)
}

// pssScheme reads RSASSA-PSS-params (RFC 4055): defaults SHA-1, MGF1
// with SHA-1, salt 20.
func pssScheme(params []byte) (sigScheme, error) {
	var p struct {
		Hash       pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:0"`
		MGF        pkix.AlgorithmIdentifier `asn1:"explicit,optional,tag:1"`
		SaltLength int                      `asn1:"explicit,optional,tag:2,default:20"`
		Trailer    int                      `asn1:"explicit,optional,tag:3,default:1"`
	}
	p.SaltLength = 20
	if len(params) > 0 {
		if rest, err := asn1.Unmarshal(params, &p); err != nil || len(rest) != 0 {
			return sigScheme{}, errors.New("bad RSASSA-PSS parameters")
		}
	}
	h := crypto.SHA1
	if p.Hash.Algorithm != nil {
		var ok bool
		if h, ok = cms.HashOf(p.Hash.Algorithm); !ok {
			return sigScheme{}, fmt.Errorf("unknown RSASSA-PSS hash %s", p.Hash.Algorithm)
		}
	}
	if p.MGF.Algorithm != nil {
		if !p.MGF.Algorithm.Equal(cms.OIDMGF1) {
			return sigScheme{}, fmt.Errorf("unknown RSASSA-PSS mask generation %s", p.MGF.Algorithm)
		}
		var mh pkix.AlgorithmIdentifier
		if _, err := asn1.Unmarshal(p.MGF.Parameters.FullBytes, &mh); err != nil {
			return sigScheme{}, errors.New("bad MGF1 parameters")
		}
		if m, ok := cms.HashOf(mh.Algorithm); !ok || m != h {
			return sigScheme{}, errors.New("RSASSA-PSS with an MGF1 hash different from the message hash is not supported")
		}
	}
	if p.Trailer != 1 {
		return sigScheme{}, errors.New("RSASSA-PSS trailer field must be 1")
	}
	return sigScheme{name: "RSASSA-PSS with " + hashName(h), hash: h, kind: "rsa-pss", salt: p.SaltLength}, nil
}

// keySize describes the public key strength for the algorithm policy.
func keyBits(pub crypto.PublicKey) (string, int) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA", k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	return fmt.Sprintf("%T", pub), 0
}
