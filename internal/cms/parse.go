package cms

// The reading side, in three layers:
//
//   - Detect (detect.go) finds the form of a file from its bytes (DER/BER,
//     bare base64 with any line breaks, PEM, MIME) and returns a reader of
//     the binary stream, decoding on the fly.
//   - Reader (ber.go) walks BER elements on a stream (X.690): definite and
//     indefinite lengths, constructed strings, bounded element sizes and
//     depth. ParseElement/ToDER do the same on bytes in memory.
//   - ParseSignedData (this file) reads a ContentInfo with SignedData
//     (RFC 5652 §5) in one pass: the encapsulated content is hashed with
//     the declared digest algorithms and written to ParseOptions.Content
//     while it is read, never held in memory; every other part keeps its
//     bytes as stored (Raw fields) so a writer can re-emit it untouched.
//
// Parsing checks structure only. Deciding whether a signature is valid is
// the verify package's job.

import (
	"bytes"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	_ "crypto/md5"    // MD5 is recognised, to be reported and refused
	_ "crypto/sha1"   // SHA-1 for old signatures and signing-certificate v1
	_ "crypto/sha256" // SHA-224, SHA-256
	_ "crypto/sha512" // SHA-384, SHA-512
)

// HashOf maps a digest algorithm OID to its crypto.Hash; ok is false for
// algorithms firma does not know.
func HashOf(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	switch {
	case oid.Equal(OIDMD5):
		return crypto.MD5, true
	case oid.Equal(OIDSHA1):
		return crypto.SHA1, true
	case oid.Equal(OIDSHA224):
		return crypto.SHA224, true
	case oid.Equal(OIDSHA256):
		return crypto.SHA256, true
	case oid.Equal(OIDSHA384):
		return crypto.SHA384, true
	case oid.Equal(OIDSHA512):
		return crypto.SHA512, true
	}
	return 0, false
}

// ContentInfo is the outer wrapper of a CMS object (RFC 5652 §3), opened
// on a stream: ContentType is known, the content is positioned for the
// type-specific reader (SignedData, TimeStampedData).
type ContentInfo struct {
	ContentType asn1.ObjectIdentifier
	r           *Reader
	outer       Frame
	explicit    Frame
}

// OpenContentInfo reads the header of a ContentInfo from r (binary
// DER/BER: use Detect first for text forms).
func OpenContentInfo(r io.Reader) (*ContentInfo, error) {
	br := NewReader(r)
	outer, err := br.Enter(ClassUniversal, TagSequence)
	if err != nil {
		return nil, fmt.Errorf("reading ContentInfo: %w", err)
	}
	oid, err := br.readOID()
	if err != nil {
		return nil, fmt.Errorf("reading content type: %w", err)
	}
	ci := &ContentInfo{ContentType: oid, r: br, outer: outer}
	more, err := br.More(&outer)
	if err != nil {
		return nil, err
	}
	if !more {
		return nil, br.errorf("ContentInfo of type %s has no content", oid)
	}
	ci.explicit, err = br.Enter(ClassContext, 0)
	if err != nil {
		return nil, fmt.Errorf("reading ContentInfo content: %w", err)
	}
	return ci, nil
}

// Reader exposes the underlying element reader, positioned at the
// content (inside the [0] EXPLICIT wrapper).
func (ci *ContentInfo) Reader() *Reader { return ci.r }

// Close consumes the end of the ContentInfo after its content was read,
// then counts what follows it (see Trailer).
func (ci *ContentInfo) Close() (Trailer, error) {
	if err := ci.r.Leave(&ci.explicit); err != nil {
		return Trailer{}, err
	}
	if err := ci.r.Leave(&ci.outer); err != nil {
		return Trailer{}, err
	}
	return readTrailer(ci.r)
}

// Trailer describes bytes after the end of the outer structure. Some
// tools pad files (zeros, a newline); that never stops verification, but
// is reported.
type Trailer struct {
	Bytes   int64
	NonZero bool
}

func readTrailer(r *Reader) (Trailer, error) {
	var t Trailer
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		t.Bytes += int64(n)
		if !t.NonZero {
			for _, c := range buf[:n] {
				if c != 0 {
					t.NonZero = true
					break
				}
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return t, nil
			}
			return t, err
		}
	}
}

// ParseOptions steer ParseSignedData.
type ParseOptions struct {
	// Content, when not nil, receives the encapsulated content octets
	// while they are read (extraction, re-emission by a co-signer, or the
	// parser of a nested layer).
	Content io.Writer
	// ExtraDigests are computed over the content besides the algorithms
	// the SignedData declares (a co-signer's own algorithm).
	ExtraDigests []crypto.Hash
	// MaxElement bounds every part held in memory; 0 means
	// DefaultMaxElement.
	MaxElement int64
	// BeforeContent, when not nil, is called once before the first
	// content octet reaches Content, with the parts read so far (Version,
	// DigestAlgorithms, EContentType) and the content length, -1 when the
	// content is a constructed OCTET STRING whose length is known only at
	// its end. A co-signer writing its output in one pass sizes the
	// output's header with it. An error stops the parse.
	BeforeContent func(sd *ParsedSignedData, length int64) error
}

// AlgID is a parsed AlgorithmIdentifier: an algorithm with its raw parameters.
type AlgID struct {
	Algorithm asn1.ObjectIdentifier
	// Parameters is the DER of the parameters, nil when absent.
	Parameters []byte
	// Raw is the element as stored.
	Raw []byte
}

// PKIX converts to the crypto/x509/pkix form.
func (a AlgID) PKIX() pkix.AlgorithmIdentifier {
	p := pkix.AlgorithmIdentifier{Algorithm: a.Algorithm}
	if a.Parameters != nil {
		p.Parameters = asn1.RawValue{FullBytes: a.Parameters}
	}
	return p
}

// ParsedSignedData is a parsed CMS SignedData (RFC 5652 §5). Every part keeps
// its bytes as stored so that a writer can re-emit them untouched; the
// encapsulated content is not kept: it was streamed to
// ParseOptions.Content and hashed on the way.
type ParsedSignedData struct {
	Version          int
	DigestAlgorithms []AlgID
	// EContentType is the type of the encapsulated content (id-data for
	// CAdES, id-ct-TSTInfo for a timestamp token).
	EContentType asn1.ObjectIdentifier
	// Detached is true when eContent is absent (a .p7s).
	Detached bool
	// ContentLength is the number of content octets read.
	ContentLength int64
	// ContentDigests holds the digest of the content for each declared
	// digest algorithm firma knows and each ParseOptions.ExtraDigests.
	ContentDigests map[crypto.Hash][]byte
	// Certificates are the CertificateChoices elements as stored.
	Certificates [][]byte
	// CRLs are the RevocationInfoChoice elements as stored.
	CRLs        [][]byte
	SignerInfos []*ParsedSignerInfo
	// Trailer describes bytes after the structure.
	Trailer Trailer
}

// NotSignedDataError reports a ContentInfo of another type.
type NotSignedDataError struct{ ContentType asn1.ObjectIdentifier }

func (e *NotSignedDataError) Error() string {
	return fmt.Sprintf("CMS content type %s is not SignedData", e.ContentType)
}

// ParseSignedData reads a whole ContentInfo holding SignedData from r
// (binary DER/BER), streaming the content to opts.Content.
func ParseSignedData(r io.Reader, opts ParseOptions) (*ParsedSignedData, error) {
	ci, err := OpenContentInfo(r)
	if err != nil {
		return nil, err
	}
	if !ci.ContentType.Equal(OIDSignedData) {
		return nil, &NotSignedDataError{ContentType: ci.ContentType}
	}
	sd, err := ci.SignedData(opts)
	if err != nil {
		return nil, err
	}
	if sd.Trailer, err = ci.Close(); err != nil {
		return nil, err
	}
	return sd, nil
}

// SignedData reads the SignedData content of ci; call Close afterwards.
func (ci *ContentInfo) SignedData(opts ParseOptions) (*ParsedSignedData, error) {
	if opts.MaxElement <= 0 {
		opts.MaxElement = DefaultMaxElement
	}
	r := ci.r
	sd := &ParsedSignedData{ContentDigests: map[crypto.Hash][]byte{}}
	f, err := r.Enter(ClassUniversal, TagSequence)
	if err != nil {
		return nil, fmt.Errorf("reading SignedData: %w", err)
	}
	v, err := r.readSmallInt()
	if err != nil {
		return nil, fmt.Errorf("reading SignedData version: %w", err)
	}
	sd.Version = v
	// digestAlgorithms
	raw, err := r.ReadElement(opts.MaxElement)
	if err != nil {
		return nil, fmt.Errorf("reading digest algorithms: %w", err)
	}
	set, _, err := ParseElement(raw)
	if err != nil || !set.Is(ClassUniversal, TagSet) || !set.Constructed {
		return nil, &FormatError{Offset: r.Offset(), Msg: "digestAlgorithms is not a SET"}
	}
	algs, err := set.Children()
	if err != nil {
		return nil, fmt.Errorf("reading digest algorithms: %w", err)
	}
	for _, a := range algs {
		ai, err := ParseAlgorithmIdentifier(a.Raw)
		if err != nil {
			return nil, fmt.Errorf("reading digest algorithms: %w", err)
		}
		sd.DigestAlgorithms = append(sd.DigestAlgorithms, ai)
	}
	// encapContentInfo
	ef, err := r.Enter(ClassUniversal, TagSequence)
	if err != nil {
		return nil, fmt.Errorf("reading encapsulated content: %w", err)
	}
	if sd.EContentType, err = r.readOID(); err != nil {
		return nil, fmt.Errorf("reading encapsulated content type: %w", err)
	}
	more, err := r.More(&ef)
	if err != nil {
		return nil, err
	}
	sd.Detached = !more
	if more {
		algs := append([]crypto.Hash(nil), opts.ExtraDigests...)
		for _, a := range sd.DigestAlgorithms {
			if h, ok := HashOf(a.Algorithm); ok {
				algs = append(algs, h)
			}
		}
		cf, err := r.Enter(ClassContext, 0)
		if err != nil {
			return nil, fmt.Errorf("reading encapsulated content: %w", err)
		}
		var before func(int64) error
		if opts.BeforeContent != nil {
			before = func(length int64) error { return opts.BeforeContent(sd, length) }
		}
		n, digests, err := hashContent(r, algs, opts.Content, before)
		sd.ContentLength = n
		if err != nil {
			return nil, fmt.Errorf("reading encapsulated content: %w", err)
		}
		for k, d := range digests {
			sd.ContentDigests[k] = d
		}
		if err := r.Leave(&cf); err != nil {
			return nil, err
		}
	}
	if err := r.Leave(&ef); err != nil {
		return nil, err
	}
	// certificates [0] IMPLICIT, crls [1] IMPLICIT, signerInfos SET
	for {
		more, err := r.More(&f)
		if err != nil {
			return nil, err
		}
		if !more {
			return nil, r.truncated("SignedData without signerInfos")
		}
		h, err := r.PeekHeader()
		if err != nil {
			if err == io.EOF {
				return nil, r.truncated("SignedData")
			}
			return nil, err
		}
		if h.Is(ClassContext, 0) || h.Is(ClassContext, 1) {
			raw, err := r.ReadElement(opts.MaxElement)
			if err != nil {
				return nil, fmt.Errorf("reading %s: %w", map[int]string{0: "certificates", 1: "CRLs"}[h.Tag], err)
			}
			e, _, err := ParseElement(raw)
			if err != nil {
				return nil, err
			}
			kids, err := e.Children()
			if err != nil {
				return nil, err
			}
			for _, k := range kids {
				if h.Tag == 0 {
					sd.Certificates = append(sd.Certificates, k.Raw)
				} else {
					sd.CRLs = append(sd.CRLs, k.Raw)
				}
			}
			continue
		}
		if !h.Is(ClassUniversal, TagSet) {
			return nil, r.errorf("expected signerInfos SET, found %s", h)
		}
		break
	}
	sf, err := r.Enter(ClassUniversal, TagSet)
	if err != nil {
		return nil, err
	}
	for {
		more, err := r.More(&sf)
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		off := r.Offset()
		raw, err := r.ReadElement(opts.MaxElement)
		if err != nil {
			return nil, fmt.Errorf("reading signer info: %w", err)
		}
		si, err := ParseSignerInfo(raw)
		if err != nil {
			var fe *FormatError
			if errors.As(err, &fe) {
				fe.Offset += off
			}
			return nil, fmt.Errorf("reading signer info %d: %w", len(sd.SignerInfos)+1, err)
		}
		sd.SignerInfos = append(sd.SignerInfos, si)
	}
	if err := r.Leave(&f); err != nil {
		return nil, err
	}
	return sd, nil
}

// ContentDigest returns the content digest for h.
func (sd *ParsedSignedData) ContentDigest(h crypto.Hash) ([]byte, bool) {
	d, ok := sd.ContentDigests[h]
	return d, ok
}

// IssuerSerialID identifies a certificate by issuer and serial number.
type IssuerSerialID struct {
	// RawIssuer is the DER of the issuer Name.
	RawIssuer []byte
	Serial    *big.Int
}

// ParsedSignerInfo is one signer (RFC 5652 §5.3), or a counter-signature (§11.4).
type ParsedSignerInfo struct {
	// Raw is the SignerInfo as stored.
	Raw     []byte
	Version int
	// Exactly one of IssuerSerial and SubjectKeyID is set.
	IssuerSerial    *IssuerSerialID
	SubjectKeyID    []byte
	DigestAlgorithm AlgID
	// SignedAttrs is nil when the signer signed the content directly.
	SignedAttrs []RawAttribute
	// RawSignedAttrs is the [0] IMPLICIT element as stored.
	RawSignedAttrs     []byte
	SignatureAlgorithm AlgID
	Signature          []byte
	UnsignedAttrs      []RawAttribute
	// RawUnsignedAttrs is the [1] IMPLICIT element as stored.
	RawUnsignedAttrs []byte
}

// RawAttribute is a parsed CMS attribute with its values as stored.
type RawAttribute struct {
	Type asn1.ObjectIdentifier
	// Values are the raw AttributeValue elements.
	Values [][]byte
	// Raw is the Attribute SEQUENCE as stored.
	Raw []byte
}

// ParseSignerInfo parses one SignerInfo element (BER allowed).
func ParseSignerInfo(raw []byte) (*ParsedSignerInfo, error) {
	e, rest, err := ParseElement(raw)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 || !e.Is(ClassUniversal, TagSequence) || !e.Constructed {
		return nil, &FormatError{Msg: "SignerInfo is not a single SEQUENCE"}
	}
	kids, err := e.Children()
	if err != nil {
		return nil, err
	}
	si := &ParsedSignerInfo{Raw: e.Raw}
	next := func(what string) (Element, error) {
		if len(kids) == 0 {
			return Element{}, &FormatError{Msg: "SignerInfo ends before its " + what}
		}
		k := kids[0]
		kids = kids[1:]
		return k, nil
	}
	k, err := next("version")
	if err != nil {
		return nil, err
	}
	if si.Version, err = smallInt(k); err != nil {
		return nil, err
	}
	if k, err = next("signer identifier"); err != nil {
		return nil, err
	}
	switch {
	case k.Is(ClassUniversal, TagSequence):
		der, err := ToDER(k.Raw)
		if err != nil {
			return nil, err
		}
		var ias struct {
			Issuer asn1.RawValue
			Serial *big.Int
		}
		if rest, err := asn1.Unmarshal(der, &ias); err != nil || len(rest) != 0 {
			return nil, &FormatError{Msg: "bad issuerAndSerialNumber"}
		}
		si.IssuerSerial = &IssuerSerialID{RawIssuer: ias.Issuer.FullBytes, Serial: ias.Serial}
	case k.Is(ClassContext, 0):
		if si.SubjectKeyID, err = k.Bytes(); err != nil {
			return nil, err
		}
	default:
		return nil, &FormatError{Msg: fmt.Sprintf("bad signer identifier %s", k.Header)}
	}
	if k, err = next("digest algorithm"); err != nil {
		return nil, err
	}
	if si.DigestAlgorithm, err = ParseAlgorithmIdentifier(k.Raw); err != nil {
		return nil, err
	}
	if k, err = next("signature algorithm"); err != nil {
		return nil, err
	}
	if k.Is(ClassContext, 0) {
		si.RawSignedAttrs = k.Raw
		if si.SignedAttrs, err = parseAttributes(k); err != nil {
			return nil, fmt.Errorf("signed attributes: %w", err)
		}
		if k, err = next("signature algorithm"); err != nil {
			return nil, err
		}
	}
	if si.SignatureAlgorithm, err = ParseAlgorithmIdentifier(k.Raw); err != nil {
		return nil, err
	}
	if k, err = next("signature"); err != nil {
		return nil, err
	}
	if !k.Is(ClassUniversal, TagOctetString) {
		return nil, &FormatError{Msg: "signature is not an OCTET STRING"}
	}
	if si.Signature, err = k.Bytes(); err != nil {
		return nil, err
	}
	if len(kids) > 0 && kids[0].Is(ClassContext, 1) {
		si.RawUnsignedAttrs = kids[0].Raw
		if si.UnsignedAttrs, err = parseAttributes(kids[0]); err != nil {
			return nil, fmt.Errorf("unsigned attributes: %w", err)
		}
		kids = kids[1:]
	}
	if len(kids) > 0 {
		return nil, &FormatError{Msg: fmt.Sprintf("%d unexpected elements at the end of SignerInfo", len(kids))}
	}
	return si, nil
}

func parseAttributes(set Element) ([]RawAttribute, error) {
	if !set.Constructed {
		return nil, &FormatError{Msg: "attributes are not a SET"}
	}
	kids, err := set.Children()
	if err != nil {
		return nil, err
	}
	out := make([]RawAttribute, 0, len(kids))
	for _, k := range kids {
		if !k.Is(ClassUniversal, TagSequence) || !k.Constructed {
			return nil, &FormatError{Msg: "attribute is not a SEQUENCE"}
		}
		parts, err := k.Children()
		if err != nil {
			return nil, err
		}
		if len(parts) != 2 || !parts[1].Is(ClassUniversal, TagSet) || !parts[1].Constructed {
			return nil, &FormatError{Msg: "attribute is not (type, SET OF value)"}
		}
		oid, err := oidOf(parts[0])
		if err != nil {
			return nil, err
		}
		vals, err := parts[1].Children()
		if err != nil {
			return nil, err
		}
		a := RawAttribute{Type: oid, Raw: k.Raw}
		for _, v := range vals {
			a.Values = append(a.Values, v.Raw)
		}
		out = append(out, a)
	}
	return out, nil
}

// SignedAttrsDER returns what the signature covers per RFC 5652 §5.4:
// the signed attributes with an explicit SET OF tag. asStored keeps the
// stored encoding (only the tag changes); otherwise the SET is
// re-encoded as DER, sorting the attributes, which repairs files written
// out of order. Verifiers try the stored form first.
func (si *ParsedSignerInfo) SignedAttrsDER(asStored bool) ([]byte, error) {
	if si.RawSignedAttrs == nil {
		return nil, errors.New("no signed attributes")
	}
	b := bytes.Clone(si.RawSignedAttrs)
	b[0] = 0x31 // universal constructed SET: [0] IMPLICIT is one byte
	if asStored {
		return b, nil
	}
	return ToDER(b)
}

// FindAttrs returns every attribute of type oid among attrs.
func FindAttrs(attrs []RawAttribute, oid asn1.ObjectIdentifier) []RawAttribute {
	var out []RawAttribute
	for _, a := range attrs {
		if a.Type.Equal(oid) {
			out = append(out, a)
		}
	}
	return out
}

// ParseAlgorithmIdentifier parses an AlgorithmIdentifier (BER allowed).
func ParseAlgorithmIdentifier(raw []byte) (AlgID, error) {
	der, err := ToDER(raw)
	if err != nil {
		return AlgID{}, err
	}
	var ai pkix.AlgorithmIdentifier
	rest, err := asn1.Unmarshal(der, &ai)
	if err != nil || len(rest) != 0 {
		return AlgID{}, &FormatError{Msg: "bad AlgorithmIdentifier"}
	}
	out := AlgID{Algorithm: ai.Algorithm, Raw: raw}
	if len(ai.Parameters.FullBytes) > 0 {
		out.Parameters = ai.Parameters.FullBytes
	}
	return out, nil
}

func oidOf(e Element) (asn1.ObjectIdentifier, error) {
	if !e.Is(ClassUniversal, TagOID) || e.Constructed {
		return nil, &FormatError{Msg: fmt.Sprintf("expected OBJECT IDENTIFIER, found %s", e.Header)}
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(appendTLV(nil, ClassUniversal, TagOID, false, e.Content), &oid); err != nil {
		return nil, &FormatError{Msg: "bad OBJECT IDENTIFIER"}
	}
	return oid, nil
}

// ParseOID parses an OBJECT IDENTIFIER element.
func ParseOID(raw []byte) (asn1.ObjectIdentifier, error) {
	e, _, err := ParseElement(raw)
	if err != nil {
		return nil, err
	}
	return oidOf(e)
}

func smallInt(e Element) (int, error) {
	if !e.Is(ClassUniversal, TagInteger) || e.Constructed || len(e.Content) == 0 || len(e.Content) > 4 {
		return 0, &FormatError{Msg: "expected a small INTEGER"}
	}
	v := int(int8(e.Content[0]))
	for _, c := range e.Content[1:] {
		v = v<<8 | int(c)
	}
	return v, nil
}

func (r *Reader) readSmall(limit int64) (Element, error) {
	off := r.Offset()
	raw, err := r.ReadElement(limit)
	if err != nil {
		return Element{}, err
	}
	e, _, err := ParseElement(raw)
	if err != nil {
		var fe *FormatError
		if errors.As(err, &fe) {
			fe.Offset += off
		}
	}
	return e, err
}

func (r *Reader) readOID() (asn1.ObjectIdentifier, error) {
	off := r.Offset()
	e, err := r.readSmall(4096)
	if err != nil {
		return nil, err
	}
	oid, err := oidOf(e)
	if err != nil {
		return nil, &FormatError{Offset: off, Msg: err.(*FormatError).Msg}
	}
	return oid, nil
}

func (r *Reader) readSmallInt() (int, error) {
	off := r.Offset()
	e, err := r.readSmall(64)
	if err != nil {
		return 0, err
	}
	v, err := smallInt(e)
	if err != nil {
		return 0, &FormatError{Offset: off, Msg: err.(*FormatError).Msg}
	}
	return v, nil
}
