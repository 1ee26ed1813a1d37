package xades

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/beevik/etree"

	"github.com/firma-dev/firma/internal/xmldsig"
)

// SignOptions shape a XAdES-BES signature made by Sign.
type SignOptions struct {
	// ID is the ds:Signature's Id (default "Signature1"; the other Ids
	// derive from it).
	ID string
	// SigningTime is the declared signing time (zero: none).
	SigningTime time.Time
	// Binding is how the certificate is bound: "signing_certificate_v2"
	// (default), "signing_certificate" (v1, XAdES 1.3.2 with SHA-256),
	// "key_info" (a signed KeyInfo, as the SdI does), or "none".
	Binding string
	// DocumentTransforms are the transforms of the document reference,
	// as xmldsig Transform elements' Algorithm URIs; FilterSubtract
	// stands for XPath Filter 2.0 subtract of every ds:Signature.
	// Default: enveloped-signature then exclusive canonicalization,
	// what FatturaPA signers write.
	DocumentTransforms []string
	// DocumentURI is the document reference's URI (default "").
	DocumentURI string
	// Detached opens the data of a DocumentURI that names a file (a
	// detached signature).
	Detached func(uri string) (io.ReadCloser, error)
	// Timestamp, when set, gets the SHA-256 of the canonical
	// SignatureValue and returns an RFC 3161 token (XAdES-T).
	Timestamp func(digest []byte) ([]byte, error)
}

// FilterSubtract names, in DocumentTransforms, XPath Filter 2.0 subtract
// "/descendant::ds:Signature", as the SdI signs its receipts.
const FilterSubtract = "filter2-subtract-signatures"

// Sign appends to parent (the root element when nil) an enveloped
// XAdES-BES signature of doc by key, with chain (signer first) in
// KeyInfo, and returns it.
func Sign(doc *etree.Document, parent *etree.Element, key crypto.Signer, chain []*x509.Certificate, o SignOptions) (*etree.Element, error) {
	if len(chain) == 0 {
		return nil, errors.New("no signer certificate")
	}
	if parent == nil {
		parent = doc.Root()
	}
	id := o.ID
	if id == "" {
		id = "Signature1"
	}
	sig := parent.CreateElement("ds:Signature")
	sig.CreateAttr("xmlns:ds", xmldsig.Namespace)
	sig.CreateAttr("Id", id)
	if err := fill(doc, sig, id, key, chain, o, o.DocumentURI, o.DocumentTransforms, ""); err != nil {
		parent.RemoveChild(sig)
		return nil, err
	}
	return sig, nil
}

// CounterSign adds to the signature sig a XAdES counter-signature of its
// SignatureValue, by key, in UnsignedSignatureProperties.
func CounterSign(doc *etree.Document, sig *etree.Element, key crypto.Signer, chain []*x509.Certificate, o SignOptions) (*etree.Element, error) {
	qp := (*etree.Element)(nil)
	if obj := dsChild(sig, "Object"); obj != nil {
		qp = xChild(obj, "QualifyingProperties")
	}
	sv := dsChild(sig, "SignatureValue")
	if qp == nil || sv == nil {
		return nil, errors.New("not a XAdES signature")
	}
	svID := sv.SelectAttrValue("Id", "")
	if svID == "" {
		svID = sig.SelectAttrValue("Id", "") + "-SignatureValue"
		sv.CreateAttr("Id", svID)
	}
	up := xChild(qp, "UnsignedProperties")
	if up == nil {
		up = qp.CreateElement("xades:UnsignedProperties")
	}
	usp := xChild(up, "UnsignedSignatureProperties")
	if usp == nil {
		usp = up.CreateElement("xades:UnsignedSignatureProperties")
	}
	id := o.ID
	if id == "" {
		id = sig.SelectAttrValue("Id", "") + "-C1"
	}
	cs := usp.CreateElement("xades:CounterSignature").CreateElement("ds:Signature")
	cs.CreateAttr("xmlns:ds", xmldsig.Namespace)
	cs.CreateAttr("Id", id)
	if err := fill(doc, cs, id, key, chain, o, "#"+svID, []string{xmldsig.ExcC14N}, CountersignedType); err != nil {
		return nil, err
	}
	return cs, nil
}

func fill(doc *etree.Document, sig *etree.Element, id string, key crypto.Signer, chain []*x509.Certificate, o SignOptions, docURI string, transforms []string, docType string) error {
	var method string
	switch key.Public().(type) {
	case *rsa.PublicKey:
		method = xmldsig.RSASHA256
	case *ecdsa.PublicKey:
		method = xmldsig.ECDSASHA256
	default:
		return fmt.Errorf("unsupported key type %T", key.Public())
	}
	if transforms == nil {
		transforms = []string{xmldsig.EnvelopedSignature, xmldsig.ExcC14N}
	}
	binding := o.Binding
	if binding == "" {
		binding = "signing_certificate_v2"
	}
	si := sig.CreateElement("ds:SignedInfo")
	si.CreateElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", xmldsig.ExcC14N)
	si.CreateElement("ds:SignatureMethod").CreateAttr("Algorithm", method)
	reference := func(uri, typ string, transforms []string) {
		r := si.CreateElement("ds:Reference")
		r.CreateAttr("URI", uri)
		if typ != "" {
			r.CreateAttr("Type", typ)
		}
		if len(transforms) > 0 {
			ts := r.CreateElement("ds:Transforms")
			for _, t := range transforms {
				tr := ts.CreateElement("ds:Transform")
				if t == FilterSubtract {
					tr.CreateAttr("Algorithm", xmldsig.Filter2)
					x := tr.CreateElement("dsig-xpath:XPath")
					x.CreateAttr("xmlns:dsig-xpath", xmldsig.Filter2)
					x.CreateAttr("Filter", "subtract")
					x.SetText("/descendant::ds:Signature")
					continue
				}
				tr.CreateAttr("Algorithm", t)
			}
		}
		r.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", xmldsig.DigestSHA256)
		r.CreateElement("ds:DigestValue")
	}
	reference(docURI, docType, transforms)
	reference("#"+id+"-SignedProperties", SignedPropertiesType, []string{xmldsig.ExcC14N})
	if binding == "key_info" {
		reference("#"+id+"-KeyInfo", "", []string{xmldsig.ExcC14N})
	}
	sig.CreateElement("ds:SignatureValue").CreateAttr("Id", id+"-SignatureValue")
	ki := sig.CreateElement("ds:KeyInfo")
	ki.CreateAttr("Id", id+"-KeyInfo")
	xd := ki.CreateElement("ds:X509Data")
	for _, c := range chain {
		xd.CreateElement("ds:X509Certificate").SetText(base64.StdEncoding.EncodeToString(c.Raw))
	}
	qp := sig.CreateElement("ds:Object").CreateElement("xades:QualifyingProperties")
	qp.CreateAttr("xmlns:xades", Namespace)
	qp.CreateAttr("Target", "#"+id)
	sp := qp.CreateElement("xades:SignedProperties")
	sp.CreateAttr("Id", id+"-SignedProperties")
	ssp := sp.CreateElement("xades:SignedSignatureProperties")
	if !o.SigningTime.IsZero() {
		ssp.CreateElement("xades:SigningTime").SetText(o.SigningTime.Format(time.RFC3339))
	}
	if binding == "signing_certificate" || binding == "signing_certificate_v2" {
		v2 := binding == "signing_certificate_v2"
		tag := "xades:SigningCertificate"
		if v2 {
			tag = "xades:SigningCertificateV2"
		}
		cert := ssp.CreateElement(tag).CreateElement("xades:Cert")
		cd := cert.CreateElement("xades:CertDigest")
		cd.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", xmldsig.DigestSHA256)
		sum := sha256.Sum256(chain[0].Raw)
		cd.CreateElement("ds:DigestValue").SetText(base64.StdEncoding.EncodeToString(sum[:]))
		if v2 {
			der, err := issuerSerialV2(chain[0])
			if err != nil {
				return err
			}
			cert.CreateElement("xades:IssuerSerialV2").SetText(base64.StdEncoding.EncodeToString(der))
		} else {
			is := cert.CreateElement("xades:IssuerSerial")
			is.CreateElement("ds:X509IssuerName").SetText(chain[0].Issuer.String())
			is.CreateElement("ds:X509SerialNumber").SetText(chain[0].SerialNumber.String())
		}
	}
	if err := xmldsig.Sign(doc, sig, key, &xmldsig.Options{Detached: o.Detached}); err != nil {
		return err
	}
	if o.Timestamp != nil {
		canon, err := xmldsig.Canonicalize(dsChild(sig, "SignatureValue"), xmldsig.ExcC14N, nil)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(canon)
		tok, err := o.Timestamp(sum[:])
		if err != nil {
			return err
		}
		usp := qp.CreateElement("xades:UnsignedProperties").CreateElement("xades:UnsignedSignatureProperties")
		ts := usp.CreateElement("xades:SignatureTimeStamp")
		ts.CreateElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", xmldsig.ExcC14N)
		ts.CreateElement("xades:EncapsulatedTimeStamp").SetText(base64.StdEncoding.EncodeToString(tok))
	}
	return nil
}

// generalNames wraps an issuer Name as GeneralNames with one
// directoryName.
func generalNames(rawIssuer []byte) asn1.RawValue {
	dn := asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: rawIssuer}
	b, _ := asn1.Marshal(dn)
	return asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: b}
}

// issuerSerialV2 is the DER IssuerSerial (RFC 5035) of c.
func issuerSerialV2(c *x509.Certificate) ([]byte, error) {
	return asn1.Marshal(struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}{generalNames(c.RawIssuer), c.SerialNumber})
}
