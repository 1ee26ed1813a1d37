package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/asn1"
	"fmt"

	"github.com/firma-dev/firma/internal/cms"
)

// sigScheme is how a signature value is checked (one reading of the
// algorithms, internal/cms's, for sign and verify).
type sigScheme = cms.SignatureScheme

func hashName(h crypto.Hash) string { return cms.HashName(h) }

// digestName names a digest algorithm OID.
func digestName(oid asn1.ObjectIdentifier) string {
	if h, ok := cms.HashOf(oid); ok {
		return hashName(h)
	}
	return oid.String()
}

func schemeOf(sig cms.AlgID, digest cms.AlgID) (sigScheme, error) { return cms.SchemeOf(sig, digest) }

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
