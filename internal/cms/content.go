package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"hash"
	"io"
)

// hashContent copies an encapsulated content (the OCTET STRING at r's
// position, of any BER form) to w when w is not nil, hashing it with every
// available hash of algs on the way: one pass for SignedData and
// TimeStampedData alike. It returns the length and the digests. before,
// when not nil, is called once the OCTET STRING's header is read, before
// any content octet, with the content length (-1 when the string is
// constructed and its length is known only at its end).
func hashContent(r *Reader, algs []crypto.Hash, w io.Writer, before func(length int64) error) (int64, map[crypto.Hash][]byte, error) {
	hashes := map[crypto.Hash]hash.Hash{}
	for _, h := range algs {
		if h.Available() {
			hashes[h] = h.New()
		}
	}
	osr, err := r.OctetStringReader()
	if err != nil {
		return 0, nil, err
	}
	if before != nil {
		length := int64(-1)
		if o := osr.(*octetStringReader); len(o.stack) == 0 {
			length = o.left
		}
		if err := before(length); err != nil {
			return 0, nil, err
		}
	}
	ws := make([]io.Writer, 0, len(hashes)+1)
	for _, h := range hashes {
		ws = append(ws, h)
	}
	if w != nil {
		ws = append(ws, w)
	}
	n, err := io.Copy(io.MultiWriter(ws...), osr)
	if err != nil {
		return n, nil, err
	}
	digests := make(map[crypto.Hash][]byte, len(hashes))
	for k, h := range hashes {
		digests[k] = h.Sum(nil)
	}
	return n, digests, nil
}

// Errors of MessageDigest.
var (
	// ErrNoSignedAttrs: the signer signed the content directly (plain
	// PKCS #7), so no attribute says what it signed.
	ErrNoSignedAttrs = errors.New("no signed attributes")
	// ErrNoMessageDigest: no message-digest attribute, or copies that
	// disagree.
	ErrNoMessageDigest = errors.New("no single message-digest attribute")
)

// MessageDigest returns the value of si's message-digest signed attribute
// (RFC 5652 section 11.2). Identical copies count as one; copies that
// disagree are ErrNoMessageDigest.
func (si *ParsedSignerInfo) MessageDigest() ([]byte, error) {
	if si.SignedAttrs == nil {
		return nil, ErrNoSignedAttrs
	}
	var value []byte
	for _, a := range FindAttrs(si.SignedAttrs, OIDAttrMessageDigest) {
		for _, v := range a.Values {
			if value != nil && !bytes.Equal(v, value) {
				return nil, ErrNoMessageDigest
			}
			value = v
		}
	}
	if value == nil {
		return nil, ErrNoMessageDigest
	}
	return ParseMessageDigest(value)
}

// ParseMessageDigest reads a message-digest attribute value: an OCTET
// STRING, in DER or in any BER form.
func ParseMessageDigest(raw []byte) ([]byte, error) {
	der, err := ToDER(raw)
	if err != nil {
		return nil, err
	}
	var md []byte
	if rest, err := asn1.Unmarshal(der, &md); err != nil || len(rest) != 0 {
		return nil, errors.New("malformed message-digest attribute")
	}
	return md, nil
}

// Identifies reports whether c is the certificate si names: by issuer and
// serial number, the issuer compared as a Name (an encoding that differs
// but means the same, string types re-encoded by a tool, still matches),
// or by subject key identifier.
func (si *ParsedSignerInfo) Identifies(c *x509.Certificate) bool {
	if si.IssuerSerial != nil {
		return si.IssuerSerial.Serial != nil && c.SerialNumber.Cmp(si.IssuerSerial.Serial) == 0 && SameName(c.RawIssuer, si.IssuerSerial.RawIssuer)
	}
	return len(si.SubjectKeyID) > 0 && bytes.Equal(c.SubjectKeyId, si.SubjectKeyID)
}

// SameName compares two encoded Names, tolerating encodings that differ
// but mean the same.
func SameName(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var na, nb pkix.RDNSequence
	if rest, err := asn1.Unmarshal(a, &na); err != nil || len(rest) != 0 {
		return false
	}
	if rest, err := asn1.Unmarshal(b, &nb); err != nil || len(rest) != 0 {
		return false
	}
	var x, y pkix.Name
	x.FillFromRDNSequence(&na)
	y.FillFromRDNSequence(&nb)
	return x.String() == y.String()
}
