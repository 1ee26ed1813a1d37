package xades

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/firma-dev/firma/internal/xmldsig"
)

// XAdES namespaces: 1.3.2 (TS 101 903 1.3.2 to 1.4.2, EN 319 132-1),
// 1.4.1 for the elements TS 101 903 1.4.1 adds, and the older 1.1.1.
const (
	Namespace    = "http://uri.etsi.org/01903/v1.3.2#"
	Namespace141 = "http://uri.etsi.org/01903/v1.4.1#"
	Namespace111 = "http://uri.etsi.org/01903/v1.1.1#"

	// SignedPropertiesType is the Type of the reference to the signed
	// properties; CountersignedType that of a counter-signature's
	// reference to the signature value it countersigns.
	SignedPropertiesType = "http://uri.etsi.org/01903#SignedProperties"
	CountersignedType    = "http://uri.etsi.org/01903#CountersignedSignature"
)

func isX(e *etree.Element, tag string) bool {
	if e.Tag != tag {
		return false
	}
	switch e.NamespaceURI() {
	case Namespace, Namespace111, Namespace141:
		return true
	}
	return false
}

func isDS(e *etree.Element, tag string) bool {
	return e.Tag == tag && e.NamespaceURI() == xmldsig.Namespace
}

func child(e *etree.Element, pred func(*etree.Element) bool) *etree.Element {
	if e == nil {
		return nil
	}
	for _, c := range e.ChildElements() {
		if pred(c) {
			return c
		}
	}
	return nil
}

func xChild(e *etree.Element, tag string) *etree.Element {
	return child(e, func(c *etree.Element) bool { return isX(c, tag) })
}

func dsChild(e *etree.Element, tag string) *etree.Element {
	return child(e, func(c *etree.Element) bool { return isDS(c, tag) })
}

// certRef is one xades:Cert of SigningCertificate(V2).
type certRef struct {
	hash   crypto.Hash
	digest []byte
	serial *big.Int // nil when not given
}

func (r certRef) matches(c *x509.Certificate) bool {
	h := r.hash.New()
	h.Write(c.Raw)
	return string(h.Sum(nil)) == string(r.digest)
}

// props are the qualifying properties of one signature.
type props struct {
	qp, sp *etree.Element
	// spID is the SignedProperties' Id.
	spID string
	// names of the signed properties present, for the report.
	names []string

	signingTime time.Time
	hasTime     bool
	timeZone    bool
	// certRefs from SigningCertificate (binding "signing_certificate")
	// or SigningCertificateV2.
	certRefs []certRef
	binding  string
	policy   bool

	timestamps []*etree.Element
	counters   []*etree.Element
	longTerm   []string
}

// readProps reads the QualifyingProperties of sig; nil props for a
// plain XML-DSig signature. An error is a malformed structure.
func readProps(sig *etree.Element) (*props, error) {
	var qps []*etree.Element
	for _, o := range sig.ChildElements() {
		if !isDS(o, "Object") {
			continue
		}
		for _, c := range o.ChildElements() {
			if isX(c, "QualifyingProperties") {
				qps = append(qps, c)
			}
		}
	}
	switch len(qps) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, fmt.Errorf("%d QualifyingProperties in one signature", len(qps))
	}
	p := &props{qp: qps[0]}
	if id := sig.SelectAttrValue("Id", ""); id == "" || p.qp.SelectAttrValue("Target", "") != "#"+id {
		return nil, fmt.Errorf("QualifyingProperties target %q, not this signature (Id %q)", p.qp.SelectAttrValue("Target", ""), id)
	}
	for _, c := range p.qp.ChildElements() {
		switch {
		case isX(c, "SignedProperties"):
			if p.sp != nil {
				return nil, fmt.Errorf("two SignedProperties")
			}
			p.sp = c
			p.spID = c.SelectAttrValue("Id", "")
		case isX(c, "UnsignedProperties"):
			if err := p.readUnsigned(c); err != nil {
				return nil, err
			}
		}
	}
	if p.sp == nil {
		return p, nil
	}
	ssp := xChild(p.sp, "SignedSignatureProperties")
	for _, c := range childElements(ssp) {
		p.names = append(p.names, c.Tag)
		switch {
		case isX(c, "SigningTime"):
			if p.hasTime {
				return nil, fmt.Errorf("two SigningTime")
			}
			t, tz, err := parseDateTime(c.Text())
			if err != nil {
				return nil, fmt.Errorf("SigningTime %q: %v", strings.TrimSpace(c.Text()), err)
			}
			p.signingTime, p.hasTime, p.timeZone = t, true, tz
		case isX(c, "SigningCertificate"), isX(c, "SigningCertificateV2"):
			if p.binding != "" {
				return nil, fmt.Errorf("more than one SigningCertificate")
			}
			v2 := c.Tag == "SigningCertificateV2"
			p.binding = "signing_certificate"
			if v2 {
				p.binding = "signing_certificate_v2"
			}
			for _, cert := range c.ChildElements() {
				if !isX(cert, "Cert") {
					return nil, fmt.Errorf("unexpected %s in %s", cert.Tag, c.Tag)
				}
				r, err := readCertRef(cert, v2)
				if err != nil {
					return nil, fmt.Errorf("%s: %v", c.Tag, err)
				}
				p.certRefs = append(p.certRefs, r)
			}
			if len(p.certRefs) == 0 {
				return nil, fmt.Errorf("%s without Cert", c.Tag)
			}
		case isX(c, "SignaturePolicyIdentifier"):
			p.policy = true
		}
	}
	if sdop := xChild(p.sp, "SignedDataObjectProperties"); sdop != nil {
		for _, c := range sdop.ChildElements() {
			p.names = append(p.names, c.Tag)
		}
	}
	return p, nil
}

func childElements(e *etree.Element) []*etree.Element {
	if e == nil {
		return nil
	}
	return e.ChildElements()
}

func (p *props) readUnsigned(up *etree.Element) error {
	usp := xChild(up, "UnsignedSignatureProperties")
	for _, c := range childElements(usp) {
		switch {
		case isX(c, "SignatureTimeStamp"):
			p.timestamps = append(p.timestamps, c)
		case isX(c, "CounterSignature"):
			s := dsChild(c, "Signature")
			if s == nil || len(c.ChildElements()) != 1 {
				return fmt.Errorf("a CounterSignature without exactly one ds:Signature")
			}
			p.counters = append(p.counters, s)
		default:
			p.longTerm = append(p.longTerm, c.Tag)
		}
	}
	return nil
}

// readCertRef reads xades:Cert: CertDigest, then IssuerSerial (v1: DN
// and decimal serial) or IssuerSerialV2 (v2: DER IssuerSerial, base64).
func readCertRef(cert *etree.Element, v2 bool) (certRef, error) {
	var r certRef
	cd := xChild(cert, "CertDigest")
	dm, dv := dsChild(cd, "DigestMethod"), dsChild(cd, "DigestValue")
	if dm == nil || dv == nil {
		return r, fmt.Errorf("Cert without CertDigest")
	}
	h, ok := xmldsig.DigestHash(dm.SelectAttrValue("Algorithm", ""))
	if !ok || !h.Available() {
		return r, fmt.Errorf("unsupported certificate digest %q", dm.SelectAttrValue("Algorithm", ""))
	}
	d, err := b64(dv.Text())
	if err != nil {
		return r, fmt.Errorf("CertDigest: %v", err)
	}
	r.hash, r.digest = h, d
	if v2 {
		if is := xChild(cert, "IssuerSerialV2"); is != nil {
			der, err := b64(is.Text())
			if err != nil {
				return r, fmt.Errorf("IssuerSerialV2: %v", err)
			}
			var v struct {
				Issuer asn1.RawValue
				Serial *big.Int
			}
			if rest, err := asn1.Unmarshal(der, &v); err != nil || len(rest) > 0 {
				return r, fmt.Errorf("IssuerSerialV2 is not a DER IssuerSerial")
			}
			r.serial = v.Serial
		}
		return r, nil
	}
	is := xChild(cert, "IssuerSerial")
	sn := dsChild(is, "X509SerialNumber")
	if sn == nil {
		return r, fmt.Errorf("Cert without IssuerSerial")
	}
	serial, ok := new(big.Int).SetString(strings.TrimSpace(sn.Text()), 10)
	if !ok {
		return r, fmt.Errorf("X509SerialNumber %q is not a decimal integer", strings.TrimSpace(sn.Text()))
	}
	r.serial = serial
	return r, nil
}

// parseDateTime reads an xs:dateTime; tz is false when it has no time
// zone (then it is read as UTC).
func parseDateTime(s string) (t time.Time, tz bool, err error) {
	s = strings.TrimSpace(s)
	if t, err = time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), true, nil
	}
	if t, err2 := time.Parse("2006-01-02T15:04:05.999999999", s); err2 == nil {
		return t.UTC(), false, nil
	}
	return time.Time{}, false, fmt.Errorf("not an xs:dateTime")
}

func b64(s string) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
}
