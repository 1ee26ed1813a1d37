package cms

// The writing side: DER encoders for the pieces of a CMS SignedDataBuilder
// (RFC 5652) carrying CAdES baseline B-B signed attributes (ETSI EN 319
// 122-1, RFC 5035). Everything is DER: SET OF elements are sorted by their
// encodings (X.690 11.6), optional parameters are omitted where RFC 5754
// says so, and only the encapsulated content is left out of memory (see
// SignedDataBuilder.EncodeAttached).

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// DigestOID returns the object identifier of a SHA-2 hash.
func DigestOID(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA256:
		return OIDSHA256, nil
	case crypto.SHA384:
		return OIDSHA384, nil
	case crypto.SHA512:
		return OIDSHA512, nil
	}
	return nil, fmt.Errorf("unsupported digest algorithm %v", h)
}

// EncodeDigestAlgorithm encodes the AlgorithmIdentifier of a SHA-2 hash with
// absent parameters, as RFC 5754 section 2 requires of writers.
func EncodeDigestAlgorithm(h crypto.Hash) ([]byte, error) {
	oid, err := DigestOID(h)
	if err != nil {
		return nil, err
	}
	return EncodeAlgorithmIdentifier(oid, nil)
}

// EncodeAlgorithmIdentifier encodes SEQUENCE { oid, params } where params is a
// complete DER element or nil for absent parameters.
func EncodeAlgorithmIdentifier(oid asn1.ObjectIdentifier, params []byte) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if params != nil {
			b.AddBytes(params)
		}
	})
	return b.Bytes()
}

// DERNull is the DER NULL used as AlgorithmIdentifier parameters.
var DERNull = []byte{0x05, 0x00}

// EncodeRSAPSSParams encodes RSASSA-PSS-params (RFC 4055) for hash h with MGF1
// over the same hash and a salt as long as the hash; the trailer field is
// the default and so absent. Hash algorithms inside carry NULL
// parameters, as RFC 4055 section 3.1 asks.
func EncodeRSAPSSParams(h crypto.Hash) ([]byte, error) {
	oid, err := DigestOID(h)
	if err != nil {
		return nil, err
	}
	hashAlg, err := EncodeAlgorithmIdentifier(oid, DERNull)
	if err != nil {
		return nil, err
	}
	mgf, err := EncodeAlgorithmIdentifier(OIDMGF1, hashAlg)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(hashAlg) })
		b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(mgf) })
		b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(h.Size())) })
	})
	return b.Bytes()
}

// EncodeAttribute encodes Attribute ::= SEQUENCE { attrType, attrValues SET OF
// AttributeValue }, each value a complete DER element. Values are sorted,
// as DER requires of a SET OF.
func EncodeAttribute(oid asn1.ObjectIdentifier, values ...[]byte) ([]byte, error) {
	if len(values) == 0 {
		return nil, errors.New("attribute without values")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddBytes(EncodeSetOf(values...))
	})
	return b.Bytes()
}

// EncodeSetOf encodes SET OF the given complete DER elements in DER order:
// sorted by encoding (X.690 11.6). The inputs are not modified.
func EncodeSetOf(elems ...[]byte) []byte {
	sorted := slices.Clone(elems)
	slices.SortFunc(sorted, bytes.Compare)
	n := 0
	for _, e := range sorted {
		n += len(e)
	}
	out := appendDERHeader(make([]byte, 0, n+6), 0x31, int64(n))
	for _, e := range sorted {
		out = append(out, e...)
	}
	return out
}

// appendDERHeader appends a DER identifier octet tag and a definite length.
func appendDERHeader(b []byte, tag byte, length int64) []byte {
	b = append(b, tag)
	if length < 0x80 {
		return append(b, byte(length))
	}
	var tmp [8]byte
	n := 0
	for l := length; l > 0; l >>= 8 {
		n++
	}
	for i := 0; i < n; i++ {
		tmp[i] = byte(length >> (8 * (n - 1 - i)))
	}
	b = append(b, 0x80|byte(n))
	return append(b, tmp[:n]...)
}

// derHeaderLen is the size of the DER identifier and length octets of an
// element with a one-byte tag and contents of length n.
func derHeaderLen(n int64) int64 {
	if n < 0x80 {
		return 2
	}
	h := int64(2)
	for l := n; l > 0; l >>= 8 {
		h++
	}
	return h
}

// SignedAttrValues are the values of CAdES baseline B-B signed attributes.
type SignedAttrValues struct {
	// ContentType is the content-type attribute value; nil omits the
	// attribute, as a counter-signature must (RFC 5652 section 11.4).
	ContentType asn1.ObjectIdentifier
	// MessageDigest is the digest of the content (or, for a
	// counter-signature, of the countered signature value).
	MessageDigest []byte
	// SigningTime is the claimed signing time, encoded to the second in
	// UTC: UTCTime until 2049, GeneralizedTime after (RFC 5652 11.3).
	SigningTime time.Time
	// NoSigningTime leaves the signing-time attribute out, as PAdES
	// requires (ETSI EN 319 142-1 5.2.1: the claimed time is the PDF
	// signature dictionary's /M).
	NoSigningTime bool
	// SignerCert is hashed (SHA-256) into signing-certificate-v2
	// (RFC 5035) with its issuer and serial number.
	SignerCert *x509.Certificate
}

// EncodeSignedAttrs encodes the signed attributes as the DER SET OF
// Attribute that the signature covers (tag 0x31, RFC 5652 section 5.4),
// sorted as DER requires. In a SignerInfo the same bytes appear with the
// [0] IMPLICIT tag (see EncodeSignerInfo).
func EncodeSignedAttrs(a SignedAttrValues) ([]byte, error) {
	if len(a.MessageDigest) == 0 {
		return nil, errors.New("signed attributes: empty message digest")
	}
	if a.SignerCert == nil {
		return nil, errors.New("signed attributes: no signer certificate")
	}
	if a.SigningTime.IsZero() && !a.NoSigningTime {
		return nil, errors.New("signed attributes: no signing time")
	}
	var attrs [][]byte
	if a.ContentType != nil {
		v, err := asn1.Marshal(a.ContentType)
		if err != nil {
			return nil, err
		}
		attr, err := EncodeAttribute(OIDAttrContentType, v)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, attr)
	}
	md := appendDERHeader(nil, 0x04, int64(len(a.MessageDigest)))
	md = append(md, a.MessageDigest...)
	attr, err := EncodeAttribute(OIDAttrMessageDigest, md)
	if err != nil {
		return nil, err
	}
	attrs = append(attrs, attr)

	if !a.NoSigningTime {
		st, err := derTime(a.SigningTime)
		if err != nil {
			return nil, err
		}
		if attr, err = EncodeAttribute(OIDAttrSigningTime, st); err != nil {
			return nil, err
		}
		attrs = append(attrs, attr)
	}

	scv2, err := EncodeSigningCertificateV2(a.SignerCert)
	if err != nil {
		return nil, err
	}
	if attr, err = EncodeAttribute(OIDAttrSigningCertificateV2, scv2); err != nil {
		return nil, err
	}
	attrs = append(attrs, attr)
	return EncodeSetOf(attrs...), nil
}

// derTime encodes t as a CMS Time: UTCTime for 1950-2049, else
// GeneralizedTime, always in UTC and to the second.
func derTime(t time.Time) ([]byte, error) {
	t = t.UTC().Truncate(time.Second)
	var b cryptobyte.Builder
	if t.Year() >= 1950 && t.Year() < 2050 {
		b.AddASN1UTCTime(t)
	} else {
		b.AddASN1GeneralizedTime(t)
	}
	return b.Bytes()
}

// EncodeSigningCertificateV2 encodes the ESS SigningCertificateV2 value (RFC
// 5035): one ESSCertIDv2 with the SHA-256 hash of the certificate (the
// default hash algorithm, so its identifier is omitted as DER requires)
// and IssuerSerial with the issuer as a directoryName.
func EncodeSigningCertificateV2(cert *x509.Certificate) ([]byte, error) {
	serial, err := RawSerial(cert)
	if err != nil {
		return nil, err
	}
	sum := crypto.SHA256.New()
	sum.Write(cert.Raw)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // EncodeSigningCertificateV2
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
				b.AddASN1OctetString(sum.Sum(nil))
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
						b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddBytes(cert.RawIssuer)
						})
					})
					b.AddBytes(serial)
				})
			})
		})
	})
	return b.Bytes()
}

// RawSerial returns the certificate's serialNumber INTEGER element exactly
// as the issuer encoded it, so that IssuerAndSerialNumber matches even a
// certificate with a non-minimal or negative serial.
func RawSerial(cert *x509.Certificate) ([]byte, error) {
	tbs := cryptobyte.String(cert.RawTBSCertificate)
	var inner cryptobyte.String
	if !tbs.ReadASN1(&inner, cbasn1.SEQUENCE) {
		return nil, errors.New("certificate: malformed tbsCertificate")
	}
	if !inner.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, errors.New("certificate: malformed version")
	}
	var serial cryptobyte.String
	var tag cbasn1.Tag
	if !inner.ReadAnyASN1Element(&serial, &tag) || tag != cbasn1.INTEGER {
		return nil, errors.New("certificate: malformed serial number")
	}
	return serial, nil
}

// EncodeIssuerAndSerial encodes IssuerAndSerialNumber (RFC 5652 section 10.2.4)
// from the certificate's raw issuer and serial.
func EncodeIssuerAndSerial(cert *x509.Certificate) ([]byte, error) {
	serial, err := RawSerial(cert)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(cert.RawIssuer)
		b.AddBytes(serial)
	})
	return b.Bytes()
}

// SignerInfoFields are the parts of a version 1 SignerInfo.
type SignerInfoFields struct {
	// Cert identifies the signer by issuer and serial number.
	Cert *x509.Certificate
	// DigestAlgorithm and SignatureAlgorithm are DER AlgorithmIdentifiers.
	DigestAlgorithm    []byte
	SignatureAlgorithm []byte
	// SignedAttrs is the DER SET (tag 0x31) from EncodeSignedAttrs, the
	// bytes that were signed; it is stored with the [0] IMPLICIT tag.
	SignedAttrs []byte
	Signature   []byte
	// UnsignedAttrs are complete Attribute elements (see EncodeAttribute).
	UnsignedAttrs [][]byte
}

// EncodeSignerInfo encodes a version 1 SignerInfo (RFC 5652 section 5.3).
func EncodeSignerInfo(p SignerInfoFields) ([]byte, error) {
	sid, err := EncodeIssuerAndSerial(p.Cert)
	if err != nil {
		return nil, err
	}
	if len(p.SignedAttrs) < 2 || p.SignedAttrs[0] != 0x31 {
		return nil, errors.New("signer info: signed attributes are not a DER SET")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddBytes(sid)
		b.AddBytes(p.DigestAlgorithm)
		// [0] IMPLICIT SET OF Attribute: same contents, context tag.
		b.AddBytes([]byte{0xa0})
		b.AddBytes(p.SignedAttrs[1:])
		b.AddBytes(p.SignatureAlgorithm)
		b.AddASN1OctetString(p.Signature)
		if len(p.UnsignedAttrs) > 0 {
			set := EncodeSetOf(p.UnsignedAttrs...)
			b.AddBytes([]byte{0xa1})
			b.AddBytes(set[1:])
		}
	})
	return b.Bytes()
}

// SignedDataBuilder assembles a CMS SignedData from complete DER elements.
// The encoders sort each SET OF (digest algorithms, certificates, CRLs,
// signer infos) and drop duplicate digest algorithms and certificates.
type SignedDataBuilder struct {
	DigestAlgorithms [][]byte
	// ContentType is eContentType, normally id-data.
	ContentType  asn1.ObjectIdentifier
	Certificates [][]byte
	CRLs         [][]byte
	SignerInfos  [][]byte
	// MinVersion keeps the version of a SignedData being extended when
	// it is higher than the computed one (other certificate types).
	MinVersion int64
}

// version computes the SignedDataBuilder version by RFC 5652 section 5.1 for
// X.509 v3 certificates and plain CRLs: 3 when a SignerInfo is version 3
// or the content is not id-data, else 1.
func (sd *SignedDataBuilder) version() int64 {
	v := sd.computedVersion()
	if sd.MinVersion > v {
		return sd.MinVersion
	}
	return v
}

func (sd *SignedDataBuilder) computedVersion() int64 {
	if !sd.ContentType.Equal(OIDData) {
		return 3
	}
	for _, si := range sd.SignerInfos {
		s := cryptobyte.String(si)
		var inner cryptobyte.String
		var v int64
		if s.ReadASN1(&inner, cbasn1.SEQUENCE) && inner.ReadASN1Int64WithTag(&v, cbasn1.INTEGER) && v == 3 {
			return 3
		}
	}
	return 1
}

// EncodeDetached encodes ContentInfo { signedData } without the content
// (a detached signature).
func (sd *SignedDataBuilder) EncodeDetached() ([]byte, error) {
	header, trailer, err := sd.encode(-1)
	if err != nil {
		return nil, err
	}
	return append(header, trailer...), nil
}

// EncodeAttached returns the DER of ContentInfo { signedData } split
// around the content: the output is header, then exactly contentLen bytes
// of content, then trailer. The content is never needed in memory, only
// its length, so any size signs in constant memory.
func (sd *SignedDataBuilder) EncodeAttached(contentLen int64) (header, trailer []byte, err error) {
	if contentLen < 0 {
		return nil, nil, errors.New("negative content length")
	}
	return sd.encode(contentLen)
}

// EncodeAttachedHeader returns the header EncodeAttached would return if
// the trailer were extra bytes longer than the parts in sd make it: the
// header of a SignedData whose SignerInfos are not final yet (a signature
// still to be made, a timestamp still to be fetched), written before its
// content and rewritten once they are. Only its length, which changes
// when a DER length needs one more or one less octet, can make the
// rewrite move the content.
func (sd *SignedDataBuilder) EncodeAttachedHeader(contentLen, extra int64) ([]byte, error) {
	if contentLen < 0 || extra < 0 {
		return nil, errors.New("negative length")
	}
	header, _, err := sd.encodeExtra(contentLen, extra)
	return header, err
}

// encode builds the structure around contentLen bytes of content, or
// none when contentLen is negative.
func (sd *SignedDataBuilder) encode(contentLen int64) (header, trailer []byte, err error) {
	return sd.encodeExtra(contentLen, 0)
}

// encodeExtra is encode with a header sized for extra more trailer bytes.
func (sd *SignedDataBuilder) encodeExtra(contentLen, extra int64) (header, trailer []byte, err error) {
	if len(sd.SignerInfos) == 0 {
		return nil, nil, errors.New("signed data without signers")
	}
	if sd.ContentType == nil {
		return nil, nil, errors.New("signed data without content type")
	}
	// Version and digest algorithms.
	var pre []byte
	v := sd.version()
	if v < 0 || v > 127 {
		return nil, nil, fmt.Errorf("signed data version %d", v)
	}
	pre = append(pre, 0x02, 0x01, byte(v))
	pre = append(pre, EncodeSetOf(dedupeDER(sd.DigestAlgorithms)...)...)

	// EncapsulatedContentInfo: OID [0] { OCTET STRING content }.
	ctOID, err := asn1.Marshal(sd.ContentType)
	if err != nil {
		return nil, nil, err
	}
	encapLen := int64(len(ctOID))
	var octetHdr []byte
	if contentLen >= 0 {
		octetHdr = appendDERHeader(nil, 0x04, contentLen)
		explicitLen := int64(len(octetHdr)) + contentLen
		encapLen += derHeaderLen(explicitLen) + explicitLen
	}

	// Certificates, CRLs and signer infos follow the content.
	if certs := dedupeDER(sd.Certificates); len(certs) > 0 {
		set := EncodeSetOf(certs...)
		trailer = append(trailer, 0xa0)
		trailer = append(trailer, set[1:]...)
	}
	if len(sd.CRLs) > 0 {
		set := EncodeSetOf(sd.CRLs...)
		trailer = append(trailer, 0xa1)
		trailer = append(trailer, set[1:]...)
	}
	trailer = append(trailer, EncodeSetOf(sd.SignerInfos...)...)

	sdLen := int64(len(pre)) + derHeaderLen(encapLen) + encapLen + int64(len(trailer)) + extra
	explicitLen := derHeaderLen(sdLen) + sdLen
	ciLen := int64(len(oidSignedDataDER)) + derHeaderLen(explicitLen) + explicitLen

	header = appendDERHeader(header, 0x30, ciLen)
	header = append(header, oidSignedDataDER...)
	header = appendDERHeader(header, 0xa0, explicitLen)
	header = appendDERHeader(header, 0x30, sdLen)
	header = append(header, pre...)
	header = appendDERHeader(header, 0x30, encapLen)
	header = append(header, ctOID...)
	if contentLen >= 0 {
		header = appendDERHeader(header, 0xa0, int64(len(octetHdr))+contentLen)
		header = append(header, octetHdr...)
	}
	return header, trailer, nil
}

// EncodeSequence wraps complete DER elements (concatenated in body) in a
// SEQUENCE.
func EncodeSequence(body []byte) []byte {
	out := appendDERHeader(make([]byte, 0, len(body)+6), 0x30, int64(len(body)))
	return append(out, body...)
}

// oidSignedDataDER is the DER encoding of id-signedData.
var oidSignedDataDER = mustMarshalDER(OIDSignedData)

func mustMarshalDER(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// dedupeDER drops repeated elements, keeping the first.
func dedupeDER(elems [][]byte) [][]byte {
	out := make([][]byte, 0, len(elems))
	for _, e := range elems {
		if !slices.ContainsFunc(out, func(o []byte) bool { return bytes.Equal(o, e) }) {
			out = append(out, e)
		}
	}
	return out
}
