package xmldsig

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"math/big"

	"github.com/beevik/etree"
)

// SignEnveloped signs doc the way trusted-list operators do: a
// ds:Signature appended to the root element, with one reference to the
// whole document (URI "#Id" when the root has an Id attribute, "" when
// not) under the enveloped-signature transform and exclusive
// canonicalization, SHA-256 digests, RSA-SHA256 or ECDSA-SHA256 after
// the key, and certs (DER, the signer's first) in KeyInfo. It returns
// the new signature element.
func SignEnveloped(doc *etree.Document, key crypto.Signer, certs [][]byte) (*etree.Element, error) {
	root := doc.Root()
	if root == nil {
		return nil, errors.New("no root element")
	}
	var method string
	switch key.Public().(type) {
	case *rsa.PublicKey:
		method = RSASHA256
	case *ecdsa.PublicKey:
		method = ECDSASHA256
	default:
		return nil, &UnsupportedError{What: "signature", Algorithm: "key type"}
	}
	uri := ""
	if id := root.SelectAttrValue("Id", ""); id != "" {
		uri = "#" + id
	}
	sig := root.CreateElement("ds:Signature")
	sig.CreateAttr("xmlns:ds", Namespace)
	si := sig.CreateElement("ds:SignedInfo")
	si.CreateElement("ds:CanonicalizationMethod").CreateAttr("Algorithm", ExcC14N)
	si.CreateElement("ds:SignatureMethod").CreateAttr("Algorithm", method)
	ref := si.CreateElement("ds:Reference")
	ref.CreateAttr("URI", uri)
	tr := ref.CreateElement("ds:Transforms")
	tr.CreateElement("ds:Transform").CreateAttr("Algorithm", EnvelopedSignature)
	tr.CreateElement("ds:Transform").CreateAttr("Algorithm", ExcC14N)
	ref.CreateElement("ds:DigestMethod").CreateAttr("Algorithm", DigestSHA256)
	dv := ref.CreateElement("ds:DigestValue")
	sv := sig.CreateElement("ds:SignatureValue")
	if len(certs) > 0 {
		xd := sig.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data")
		for _, c := range certs {
			xd.CreateElement("ds:X509Certificate").SetText(base64.StdEncoding.EncodeToString(c))
		}
	}

	set := &nodeSet{doc: doc, excluded: []*etree.Element{sig}}
	if uri != "" {
		set = &nodeSet{el: root, excluded: []*etree.Element{sig}}
	}
	var buf bytes.Buffer
	if err := canonicalize(&buf, set, c14nAlgorithms[ExcC14N], nil); err != nil {
		root.RemoveChild(sig)
		return nil, err
	}
	sum := crypto.SHA256.New()
	sum.Write(buf.Bytes())
	dv.SetText(base64.StdEncoding.EncodeToString(sum.Sum(nil)))

	buf.Reset()
	if err := canonicalize(&buf, &nodeSet{el: si, comments: true}, c14nAlgorithms[ExcC14N], nil); err != nil {
		root.RemoveChild(sig)
		return nil, err
	}
	value, err := signatureValue(key, method, buf.Bytes())
	if err != nil {
		root.RemoveChild(sig)
		return nil, err
	}
	sv.SetText(base64.StdEncoding.EncodeToString(value))
	return sig, nil
}

// signatureValue signs data with key as method says, in XML-DSig's
// encoding (ECDSA as r || s).
func signatureValue(key crypto.Signer, method string, data []byte) ([]byte, error) {
	m, ok := signatureMethods[method]
	if !ok || !m.hash.Available() {
		return nil, &UnsupportedError{What: "signature", Algorithm: method}
	}
	h := m.hash.New()
	h.Write(data)
	value, err := key.Sign(rand.Reader, h.Sum(nil), m.hash)
	if err != nil {
		return nil, err
	}
	if pub, ok := key.Public().(*ecdsa.PublicKey); ok {
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(value, &rs); err != nil {
			return nil, err
		}
		n := (pub.Curve.Params().N.BitLen() + 7) / 8
		value = make([]byte, 2*n)
		rs.R.FillBytes(value[:n])
		rs.S.FillBytes(value[n:])
	}
	return value, nil
}

// Sign completes the ds:Signature template sig of doc, as xmlsec1
// --sign does: the DigestValue of each Reference in order (a later
// reference may cover an earlier one's data), then the SignatureValue
// over the canonical SignedInfo with the template's SignatureMethod,
// which must suit key. References are resolved and transformed exactly
// as Verify does; the transforms it does not support are refused.
func Sign(doc *etree.Document, sig *etree.Element, key crypto.Signer, opts *Options) error {
	if !isDS(sig, "Signature") {
		return &FormatError{Reason: "not a ds:Signature element"}
	}
	s := &Signature{doc: doc, el: sig, idAttrs: []string{"Id", "ID", "id"}}
	if opts != nil && opts.IDAttributes != nil {
		s.idAttrs = opts.IDAttributes
	}
	if opts != nil {
		s.detached = opts.Detached
	}
	var sv *etree.Element
	for _, k := range sig.ChildElements() {
		switch {
		case isDS(k, "SignedInfo") && s.si == nil:
			s.si = k
		case isDS(k, "SignatureValue") && sv == nil:
			sv = k
		}
	}
	if s.si == nil || sv == nil {
		return &FormatError{Reason: "a signature template needs ds:SignedInfo and ds:SignatureValue"}
	}
	ids := s.idIndex()
	method := ""
	for _, r := range s.si.ChildElements() {
		if isDS(r, "SignatureMethod") {
			method = r.SelectAttrValue("Algorithm", "")
		}
		if !isDS(r, "Reference") {
			continue
		}
		_, sum, err := s.digestReference(r, ids)
		if err != nil {
			return &ReferenceError{URI: r.SelectAttrValue("URI", "(none)"), Err: err}
		}
		digestValue(r).SetText(base64.StdEncoding.EncodeToString(sum))
	}
	signed, _, err := s.canonicalSignedInfo()
	if err != nil {
		return err
	}
	value, err := signatureValue(key, method, signed)
	if err != nil {
		return err
	}
	sv.SetText(base64.StdEncoding.EncodeToString(value))
	return nil
}
