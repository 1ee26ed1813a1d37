package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// MaxTimestampToken bounds an RFC 3161 timestamp token and its TSTInfo.
const MaxTimestampToken = 1 << 20

// TSTInfo is RFC 3161 section 2.4.2 TSTInfo.
type TSTInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
	SerialNumber *big.Int
	GenTime      time.Time     `asn1:"generalized"`
	Accuracy     asn1.RawValue `asn1:"optional"`
	Ordering     bool          `asn1:"optional,default:false"`
	Nonce        *big.Int      `asn1:"optional"`
	TSA          asn1.RawValue `asn1:"explicit,optional,tag:0"`
	Extensions   asn1.RawValue `asn1:"optional,tag:1"`
}

// TimestampToken is a parsed RFC 3161 TimeStampToken: a SignedData of one
// signer over a TSTInfo. Nothing in it is verified yet.
type TimestampToken struct {
	SignedData *ParsedSignedData
	Info       TSTInfo
	// Content is the encapsulated content as signed: the TSTInfo octets
	// as stored, which the message-digest attribute is the hash of.
	Content []byte
}

// ParseTimestampToken reads a TimeStampToken (DER or BER) of at most
// MaxTimestampToken bytes.
func ParseTimestampToken(token []byte) (*TimestampToken, error) {
	if len(token) > MaxTimestampToken {
		return nil, errors.New("the timestamp token is larger than 1 MiB")
	}
	var content bytes.Buffer
	sd, err := ParseSignedData(bytes.NewReader(token), ParseOptions{Content: &content, MaxElement: MaxTimestampToken})
	if err != nil {
		return nil, fmt.Errorf("unreadable timestamp token: %w", err)
	}
	if !sd.EContentType.Equal(OIDTSTInfo) {
		return nil, fmt.Errorf("the token holds %s, not a TSTInfo", sd.EContentType)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("a timestamp token has one signer, this one has %d", len(sd.SignerInfos))
	}
	t := &TimestampToken{SignedData: sd, Content: content.Bytes()}
	der, err := ToDER(t.Content)
	if err != nil {
		return nil, fmt.Errorf("unreadable TSTInfo: %w", err)
	}
	if rest, err := asn1.Unmarshal(der, &t.Info); err != nil || len(rest) != 0 {
		return nil, errors.New("unreadable TSTInfo")
	}
	return t, nil
}

// CheckSignature checks that cert made the token's signature (RFC 5652
// section 5.6, RFC 3161 section 2.4.2): the signer has signed
// attributes, with one content-type, id-ct-TSTInfo, and one
// message-digest, the hash of the TSTInfo with the signer's digest
// algorithm; the signature over them verifies with cert's key. Whether
// cert is the one the signer names, and fit for timestamping, is the
// caller's business.
func (t *TimestampToken) CheckSignature(cert *x509.Certificate) error {
	si := t.SignedData.SignerInfos[0]
	if si.RawSignedAttrs == nil {
		return errors.New("the token's signer has no signed attributes")
	}
	single := func(oid asn1.ObjectIdentifier, name string) ([]byte, error) {
		found := FindAttrs(si.SignedAttrs, oid)
		switch {
		case len(found) == 0:
			return nil, fmt.Errorf("no %s attribute", name)
		case len(found) > 1:
			return nil, fmt.Errorf("the %s attribute appears %d times", name, len(found))
		case len(found[0].Values) != 1:
			return nil, fmt.Errorf("the %s attribute has %d values", name, len(found[0].Values))
		}
		return found[0].Values[0], nil
	}
	ct, err := single(OIDAttrContentType, "content-type")
	if err != nil {
		return err
	}
	if oid, err := ParseOID(ct); err != nil || !oid.Equal(OIDTSTInfo) {
		return errors.New("the content-type attribute is not id-ct-TSTInfo")
	}
	md, err := single(OIDAttrMessageDigest, "message-digest")
	if err != nil {
		return err
	}
	var want []byte
	if rest, err := asn1.Unmarshal(md, &want); err != nil || len(rest) != 0 {
		return errors.New("unreadable message-digest attribute")
	}
	h, ok := HashOf(si.DigestAlgorithm.Algorithm)
	if !ok || !h.Available() {
		return fmt.Errorf("unknown digest algorithm %s", si.DigestAlgorithm.Algorithm)
	}
	d := h.New()
	d.Write(t.Content)
	if !bytes.Equal(d.Sum(nil), want) {
		return errors.New("the message-digest attribute is not the digest of the TSTInfo")
	}
	return si.CheckSignedAttrs(cert)
}

// TimeStampReq is RFC 3161 section 2.4.1 TimeStampReq, without
// extensions.
type TimeStampReq struct {
	// HashAlgorithm and HashedMessage are the message imprint.
	HashAlgorithm crypto.Hash
	HashedMessage []byte
	// TSAPolicyOID is reqPolicy, nil when absent.
	TSAPolicyOID asn1.ObjectIdentifier
	// Nonce is nil when absent.
	Nonce *big.Int
	// Certificates is certReq: the TSA certificate is asked in the token.
	Certificates bool
}

// Marshal encodes the request as DER. The hash algorithm carries NULL
// parameters, as most clients (openssl ts -query included) send it.
func (r *TimeStampReq) Marshal() ([]byte, error) {
	oid, err := DigestOID(r.HashAlgorithm)
	if err != nil {
		return nil, err
	}
	if len(r.HashedMessage) != r.HashAlgorithm.Size() {
		return nil, fmt.Errorf("a %s imprint of %d bytes", HashName(r.HashAlgorithm), len(r.HashedMessage))
	}
	if r.Nonce != nil && r.Nonce.Sign() < 0 {
		return nil, errors.New("negative nonce")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // MessageImprint
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oid)
				b.AddASN1NULL()
			})
			b.AddASN1OctetString(r.HashedMessage)
		})
		if r.TSAPolicyOID != nil {
			b.AddASN1ObjectIdentifier(r.TSAPolicyOID)
		}
		if r.Nonce != nil {
			b.AddASN1BigInt(r.Nonce)
		}
		if r.Certificates {
			b.AddASN1Boolean(true) // DER omits the default FALSE
		}
	})
	return b.Bytes()
}

// ParseTimeStampReq reads a DER TimeStampReq: version 1, a message
// imprint with a known hash of the right length, and nothing after it.
// Extensions are skipped.
func ParseTimeStampReq(der []byte) (*TimeStampReq, error) {
	bad := errors.New("not an RFC 3161 TimeStampReq")
	in := cryptobyte.String(der)
	var req, imprint, alg cryptobyte.String
	var version int64
	var oid asn1.ObjectIdentifier
	r := &TimeStampReq{}
	if !in.ReadASN1(&req, cbasn1.SEQUENCE) || !in.Empty() ||
		!req.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) || version != 1 ||
		!req.ReadASN1(&imprint, cbasn1.SEQUENCE) ||
		!imprint.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) ||
		!imprint.ReadASN1Bytes(&r.HashedMessage, cbasn1.OCTET_STRING) || !imprint.Empty() {
		return nil, bad
	}
	if !alg.Empty() && (!alg.ReadASN1(new(cryptobyte.String), cbasn1.NULL) || !alg.Empty()) {
		return nil, bad
	}
	h, ok := HashOf(oid)
	if !ok || len(r.HashedMessage) != h.Size() {
		return nil, errors.New("the TimeStampReq imprint is not a known hash")
	}
	r.HashAlgorithm = h
	if req.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) {
		if !req.ReadASN1ObjectIdentifier(&r.TSAPolicyOID) {
			return nil, bad
		}
	}
	if req.PeekASN1Tag(cbasn1.INTEGER) {
		r.Nonce = new(big.Int)
		if !req.ReadASN1Integer(r.Nonce) {
			return nil, bad
		}
	}
	if req.PeekASN1Tag(cbasn1.BOOLEAN) {
		if !req.ReadASN1Boolean(&r.Certificates) {
			return nil, bad
		}
	}
	if !req.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) || !req.Empty() {
		return nil, bad
	}
	return r, nil
}
