package xmldsig

import (
	"crypto"
	_ "crypto/sha1" // digest and signature methods
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// Transform and digest URIs (XML-DSig 1.1, RFC 6931).
const (
	EnvelopedSignature = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
	// Filter2 is XPath Filter 2.0 (https://www.w3.org/TR/xmldsig-filter2/);
	// XPath the XPath 1.0 transform of XML-DSig (6.6.3). Both are
	// supported for the expressions that remove signatures only.
	Filter2 = "http://www.w3.org/2002/06/xmldsig-filter2"
	XPath   = "http://www.w3.org/TR/1999/REC-xpath-19991116"

	DigestSHA1   = "http://www.w3.org/2000/09/xmldsig#sha1"
	DigestSHA224 = "http://www.w3.org/2001/04/xmldsig-more#sha224"
	DigestSHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
	DigestSHA384 = "http://www.w3.org/2001/04/xmldsig-more#sha384"
	DigestSHA512 = "http://www.w3.org/2001/04/xmlenc#sha512"

	RSASHA1     = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	RSASHA224   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha224"
	RSASHA256   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	RSASHA384   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
	RSASHA512   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
	ECDSASHA1   = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1"
	ECDSASHA224 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha224"
	ECDSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
	ECDSASHA384 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
	ECDSASHA512 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512"
)

var digests = map[string]crypto.Hash{
	DigestSHA1:   crypto.SHA1,
	DigestSHA224: crypto.SHA224,
	DigestSHA256: crypto.SHA256,
	DigestSHA384: crypto.SHA384,
	DigestSHA512: crypto.SHA512,
}

type keyType int

const (
	keyRSA keyType = iota
	keyECDSA
)

type signatureMethod struct {
	key  keyType
	hash crypto.Hash
}

var signatureMethods = map[string]signatureMethod{
	RSASHA1:     {keyRSA, crypto.SHA1},
	RSASHA224:   {keyRSA, crypto.SHA224},
	RSASHA256:   {keyRSA, crypto.SHA256},
	RSASHA384:   {keyRSA, crypto.SHA384},
	RSASHA512:   {keyRSA, crypto.SHA512},
	ECDSASHA1:   {keyECDSA, crypto.SHA1},
	ECDSASHA224: {keyECDSA, crypto.SHA224},
	ECDSASHA256: {keyECDSA, crypto.SHA256},
	ECDSASHA384: {keyECDSA, crypto.SHA384},
	ECDSASHA512: {keyECDSA, crypto.SHA512},
}

// weak reports whether an algorithm rests on SHA-1, which is no longer
// acceptable for new signatures (ETSI TS 119 312): it is still checked,
// and reported.
func weak(uri string) bool {
	switch uri {
	case DigestSHA1, RSASHA1, ECDSASHA1:
		return true
	}
	return false
}

// DigestHash returns the hash of a DigestMethod URI this package
// implements.
func DigestHash(uri string) (crypto.Hash, bool) {
	h, ok := digests[uri]
	return h, ok
}

// SignatureHash returns the hash of a SignatureMethod URI this package
// implements.
func SignatureHash(uri string) (crypto.Hash, bool) {
	m, ok := signatureMethods[uri]
	return m.hash, ok
}
