// Package xmldsig checks (and makes) W3C XML Signatures (XML-DSig 1.1,
// https://www.w3.org/TR/xmldsig-core1/) as trusted lists (ETSI TS 119
// 612) and XAdES (ETSI EN 319 132-1) use them: same-document references
// resolved strictly, detached references through a caller's opener
// (digested as octets), the enveloped-signature transform, XPath Filter
// 2.0 subtract and the XPath transforms that remove signatures (see
// xpath.go; any other XPath is refused as unsupported, never guessed),
// Canonical XML 1.0 and 1.1 and Exclusive Canonical XML 1.0, with and
// without comments; RSA PKCS#1 v1.5 and ECDSA signature methods over
// SHA-1 (checked, reported as weak) and SHA-2. Sign completes signature
// templates with the same reference processing.
//
// The contract is "see what is signed": Verify returns, for each
// reference, the exact octets its digest covers, so that a caller reads
// the signed content from those octets and never from the document as
// given. A reference "#id" must name exactly one element of the whole
// document (two elements with one ID is a signature-wrapping attempt,
// refused); SignedInfo is read back from its canonical form, the bytes
// the signature value covers.
//
// There is no cap on the number of elements: work and memory grow with
// the size of the input, which the caller bounds. Nesting is bounded
// (maxDepth). The XML parser (encoding/xml under beevik/etree) expands
// no entity but the predefined ones and reads no DTD; a document with a
// document type declaration is refused, since its defaults and entities
// would change what a full XML processor signs.
package xmldsig

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/beevik/etree"
)

// Namespace is the XML-DSig namespace.
const Namespace = "http://www.w3.org/2000/09/xmldsig#"

const excC14NNamespace = "http://www.w3.org/2001/10/xml-exc-c14n#"

// Options tune how references are resolved.
type Options struct {
	// IDAttributes are the unqualified attribute names that give an
	// element its ID for "#id" references. Nil means Id, ID and id;
	// xml:id always counts.
	IDAttributes []string
	// Detached opens the data of a reference to something other than
	// this document (a URI that is not "" nor "#..."): its octets are
	// digested as they are, streamed, never held. Nil refuses such
	// references (UnsupportedError): nothing is ever fetched by URI
	// here, the caller decides what a URI names.
	Detached func(uri string) (io.ReadCloser, error)
}

// Signature is a ds:Signature element of a document, read for checking.
type Signature struct {
	doc      *etree.Document
	el       *etree.Element
	si       *etree.Element
	sigValue []byte
	// Certificates holds the DER certificates of KeyInfo/X509Data, in
	// document order (not parsed: the caller decides what to trust).
	Certificates [][]byte
	idAttrs      []string
	detached     func(string) (io.ReadCloser, error)
	// signatures caches the outermost ds:Signature elements of the
	// document, for the transforms that remove them all.
	signatures []*etree.Element
}

// Reference is one checked Reference of SignedInfo.
type Reference struct {
	URI  string
	Type string
	// Target is the referenced element; nil when the reference covers
	// the whole document.
	Target *etree.Element
	// Enveloped is set when the enveloped-signature transform removed
	// the signature from the referenced data.
	Enveloped    bool
	Transforms   []string
	DigestMethod string
	// Whole is set when the reference starts from the whole document:
	// URI "" or the ID of the root element.
	Whole bool
	// Excluded are the roots of the subtrees the transforms removed
	// (ds:Signature elements), in the order they were removed.
	Excluded []*etree.Element
	// Detached is set for a reference to data outside the document
	// (Options.Detached): Data is then nil, Length counts its octets.
	Detached bool
	Length   int64
	// Data are the octets the digest covers: what this reference signs;
	// nil when the reference failed.
	Data []byte
	// Err is why the reference failed (Check); nil when its digest
	// matched.
	Err error
}

// Verified is a signature whose value and references all verified.
type Verified struct {
	SignatureMethod        string
	CanonicalizationMethod string
	References             []Reference
	// Weak lists the SHA-1-based algorithms the signature uses: checked,
	// but no longer acceptable for new signatures.
	Weak []string
}

// New reads the ds:Signature element sig of doc.
func New(doc *etree.Document, sig *etree.Element, opts *Options) (*Signature, error) {
	if doc == nil || sig == nil {
		return nil, &FormatError{Reason: "no signature"}
	}
	top := sig
	for top.Parent() != nil {
		top = top.Parent()
	}
	if top != &doc.Element {
		return nil, &FormatError{Reason: "the signature is not part of the document"}
	}
	for _, t := range doc.Child {
		if _, ok := t.(*etree.Directive); ok {
			return nil, &FormatError{Reason: "document type declarations are not supported"}
		}
	}
	if !isDS(sig, "Signature") {
		return nil, &FormatError{Reason: "not a ds:Signature element"}
	}
	s := &Signature{doc: doc, el: sig, idAttrs: []string{"Id", "ID", "id"}}
	if opts != nil && opts.IDAttributes != nil {
		s.idAttrs = opts.IDAttributes
	}
	if opts != nil {
		s.detached = opts.Detached
	}
	kids := sig.ChildElements()
	i := 0
	next := func(tag string) *etree.Element {
		if i < len(kids) && isDS(kids[i], tag) {
			i++
			return kids[i-1]
		}
		return nil
	}
	if s.si = next("SignedInfo"); s.si == nil {
		return nil, &FormatError{Reason: "no ds:SignedInfo as first element of the signature"}
	}
	sv := next("SignatureValue")
	if sv == nil {
		return nil, &FormatError{Reason: "no ds:SignatureValue after ds:SignedInfo"}
	}
	var err error
	if s.sigValue, err = base64Text(sv); err != nil {
		return nil, &FormatError{Reason: "ds:SignatureValue: " + err.Error()}
	}
	// KeyInfo (at most one) and Objects follow, in the schema's order
	// or not: an Object is only signed through a reference anyway.
	sawKeyInfo := false
	for ; i < len(kids); i++ {
		switch {
		case isDS(kids[i], "Object"):
		case isDS(kids[i], "KeyInfo") && !sawKeyInfo:
			sawKeyInfo = true
			for _, xd := range kids[i].ChildElements() {
				if !isDS(xd, "X509Data") {
					continue
				}
				for _, xc := range xd.ChildElements() {
					if !isDS(xc, "X509Certificate") {
						continue
					}
					der, err := base64Text(xc)
					if err != nil {
						return nil, &FormatError{Reason: "ds:X509Certificate: " + err.Error()}
					}
					s.Certificates = append(s.Certificates, der)
				}
			}
		default:
			return nil, &FormatError{Reason: fmt.Sprintf("unexpected element %s in the signature", kids[i].FullTag())}
		}
	}
	return s, nil
}

// Element returns the ds:Signature element.
func (s *Signature) Element() *etree.Element { return s.el }

// Verify checks the signature value over the canonical SignedInfo with
// pub (an *rsa.PublicKey or *ecdsa.PublicKey), then every reference
// (XML-DSig core validation). The caller decides whether pub is a key
// it trusts. The first reference that fails is returned as a
// *ReferenceError.
func (s *Signature) Verify(pub crypto.PublicKey) (*Verified, error) {
	v, err := s.Check(pub)
	if err != nil {
		return nil, err
	}
	for _, r := range v.References {
		if r.Err != nil {
			return nil, &ReferenceError{URI: r.URI, Err: r.Err}
		}
	}
	return v, nil
}

// Check is Verify that goes on after a reference fails: the error is
// about SignedInfo or the signature value; every Reference is returned,
// each with its own Err (nil when its digest matched), so that a caller
// reports each one (a changed document, an unsupported transform, a
// wrapped ID) rather than the first.
func (s *Signature) Check(pub crypto.PublicKey) (*Verified, error) {
	var v Verified
	signedInfo, alg, err := s.canonicalSignedInfo()
	if err != nil {
		return nil, err
	}
	v.CanonicalizationMethod = alg

	// From here on SignedInfo is read from the octets the signature
	// covers: what is checked is what was signed.
	si := etree.NewDocument()
	si.ReadSettings.PreserveDuplicateAttrs = true
	if err := si.ReadFromBytes(signedInfo); err != nil {
		return nil, &FormatError{Reason: "canonical ds:SignedInfo cannot be read back: " + err.Error()}
	}
	kids := si.Root().ChildElements()
	if len(kids) < 3 || !isDS(kids[0], "CanonicalizationMethod") || kids[0].SelectAttrValue("Algorithm", "") != v.CanonicalizationMethod {
		return nil, &FormatError{Reason: "ds:SignedInfo needs CanonicalizationMethod, SignatureMethod and at least one Reference"}
	}
	if !isDS(kids[1], "SignatureMethod") {
		return nil, &FormatError{Reason: "no ds:SignatureMethod after ds:CanonicalizationMethod"}
	}
	v.SignatureMethod = kids[1].SelectAttrValue("Algorithm", "")
	if len(kids[1].ChildElements()) > 0 {
		return nil, &UnsupportedError{What: "signature", Algorithm: v.SignatureMethod + " with parameters"}
	}
	if err := checkSignatureValue(v.SignatureMethod, pub, signedInfo, s.sigValue); err != nil {
		return nil, err
	}
	if weak(v.SignatureMethod) {
		v.Weak = append(v.Weak, v.SignatureMethod)
	}

	ids := s.idIndex()
	for _, r := range kids[2:] {
		if !isDS(r, "Reference") {
			return nil, &FormatError{Reason: fmt.Sprintf("unexpected element %s in ds:SignedInfo", r.FullTag())}
		}
		ref, sum, err := s.digestReference(r, ids)
		if err == nil {
			var want []byte
			if want, err = base64Text(digestValue(r)); err != nil {
				err = &FormatError{Reason: "ds:DigestValue: " + err.Error()}
			} else if subtle.ConstantTimeCompare(sum, want) != 1 {
				err = ErrDigestMismatch
			}
		}
		if err != nil {
			ref.Err, ref.Data = err, nil
		}
		if weak(ref.DigestMethod) && !contains(v.Weak, ref.DigestMethod) {
			v.Weak = append(v.Weak, ref.DigestMethod)
		}
		v.References = append(v.References, *ref)
	}
	return &v, nil
}

// canonicalSignedInfo canonicalizes SignedInfo with its method. The
// method is read from the document: it is needed before the canonical
// SignedInfo exists, and checked against the canonical copy after.
func (s *Signature) canonicalSignedInfo() ([]byte, string, error) {
	cmEl := firstChildElement(s.si)
	if cmEl == nil || !isDS(cmEl, "CanonicalizationMethod") {
		return nil, "", &FormatError{Reason: "no ds:CanonicalizationMethod as first element of ds:SignedInfo"}
	}
	method := cmEl.SelectAttrValue("Algorithm", "")
	alg, ok := c14nAlgorithms[method]
	if !ok {
		return nil, method, &UnsupportedError{What: "canonicalization", Algorithm: method}
	}
	prefixes, err := inclusivePrefixes(cmEl, alg)
	if err != nil {
		return nil, method, err
	}
	var buf bytes.Buffer
	if err := canonicalize(&buf, &nodeSet{el: s.si, comments: true}, alg, prefixes); err != nil {
		return nil, method, err
	}
	return buf.Bytes(), method, nil
}

// digestValue returns the ds:DigestValue of a Reference, or an empty
// element when it has none (then base64Text gives no digest).
func digestValue(r *etree.Element) *etree.Element {
	kids := r.ChildElements()
	if n := len(kids); n > 0 && isDS(kids[n-1], "DigestValue") {
		return kids[n-1]
	}
	return etree.NewElement("DigestValue")
}

// digestReference dereferences, transforms and digests one Reference.
// It always returns the Reference (with what could be read of it).
func (s *Signature) digestReference(r *etree.Element, ids map[string][]*etree.Element) (*Reference, []byte, error) {
	ref := &Reference{URI: r.SelectAttrValue("URI", ""), Type: r.SelectAttrValue("Type", "")}
	sum, err := s.digestInto(ref, r, ids)
	return ref, sum, err
}

func (s *Signature) digestInto(ref *Reference, r *etree.Element, ids map[string][]*etree.Element) ([]byte, error) {
	if r.SelectAttr("URI") == nil {
		return nil, &UnsupportedError{What: "reference URI", Algorithm: "(none: the application's data)"}
	}
	kids := r.ChildElements()
	k := 0
	var transforms []*etree.Element
	if k < len(kids) && isDS(kids[k], "Transforms") {
		for _, t := range kids[k].ChildElements() {
			if !isDS(t, "Transform") {
				return nil, &FormatError{Reason: "unexpected element " + t.FullTag() + " in ds:Transforms"}
			}
			transforms = append(transforms, t)
			ref.Transforms = append(ref.Transforms, t.SelectAttrValue("Algorithm", ""))
		}
		k++
	}
	if k+2 != len(kids) || !isDS(kids[k], "DigestMethod") || !isDS(kids[k+1], "DigestValue") {
		return nil, &FormatError{Reason: "a reference needs ds:DigestMethod then ds:DigestValue"}
	}
	ref.DigestMethod = kids[k].SelectAttrValue("Algorithm", "")
	h, ok := digests[ref.DigestMethod]
	if !ok || !h.Available() || len(kids[k].ChildElements()) > 0 {
		return nil, &UnsupportedError{What: "digest", Algorithm: ref.DigestMethod}
	}

	set := &nodeSet{doc: s.doc}
	var id string
	switch u := ref.URI; {
	case u == "":
	case u == "#xpointer(/)":
		set.comments = true
	case strings.HasPrefix(u, "#xpointer(id(") && strings.HasSuffix(u, "))"):
		q := strings.TrimSuffix(strings.TrimPrefix(u, "#xpointer(id("), "))")
		if len(q) < 2 || (q[0] != '\'' && q[0] != '"') || q[len(q)-1] != q[0] {
			return nil, &UnsupportedError{What: "reference URI", Algorithm: u}
		}
		id, set.comments = q[1:len(q)-1], true
	case strings.HasPrefix(u, "#") && len(u) > 1 && !strings.ContainsAny(u, "()"):
		id = u[1:]
	case strings.HasPrefix(u, "#"):
		return nil, &UnsupportedError{What: "reference URI", Algorithm: u}
	default:
		return s.digestDetached(ref, h, transforms)
	}
	if id != "" {
		switch els := ids[id]; len(els) {
		case 0:
			return nil, ErrNotFound
		case 1:
			set.el, set.doc = els[0], nil
			ref.Target = els[0]
		default:
			return nil, ErrAmbiguousID
		}
	}
	ref.Whole = set.el == nil || set.el == s.doc.Root()

	var data []byte
	canonical := false
	for _, t := range transforms {
		algURI := t.SelectAttrValue("Algorithm", "")
		if canonical {
			return nil, &UnsupportedError{What: "transform", Algorithm: algURI + " after canonicalization"}
		}
		switch algURI {
		case EnvelopedSignature:
			if len(t.ChildElements()) > 0 {
				return nil, &FormatError{Reason: "parameters in the enveloped-signature transform"}
			}
			if err := s.enveloped(ref, set); err != nil {
				return nil, err
			}
			continue
		case Filter2:
			if err := s.filter2(t, set); err != nil {
				return nil, err
			}
			continue
		case XPath:
			if err := s.xpath(ref, t, set); err != nil {
				return nil, err
			}
			continue
		}
		alg, ok := c14nAlgorithms[algURI]
		if !ok {
			return nil, &UnsupportedError{What: "transform", Algorithm: algURI}
		}
		prefixes, err := inclusivePrefixes(t, alg)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		if err := canonicalize(&buf, set, alg, prefixes); err != nil {
			return nil, err
		}
		data, canonical = buf.Bytes(), true
	}
	ref.Excluded = set.excluded
	if !canonical {
		// A node-set left at the end is canonicalized with C14N 1.0
		// without comments (XML-DSig 4.4.3.2).
		var buf bytes.Buffer
		if err := canonicalize(&buf, set, c14nAlgorithms[C14N10], nil); err != nil {
			return nil, err
		}
		data = buf.Bytes()
	}
	hh := h.New()
	hh.Write(data)
	ref.Data = data
	return hh.Sum(nil), nil
}

// enveloped applies the enveloped-signature transform: the signature
// holding the reference leaves the set.
func (s *Signature) enveloped(ref *Reference, set *nodeSet) error {
	if set.el != nil && (set.el == s.el || isInside(set.el, s.el)) {
		return errEnvelopedInside
	}
	if set.contains(s.el) {
		set.exclude(s.el)
		ref.Enveloped = true
	}
	return nil
}

// digestDetached digests the octets of a reference to data outside the
// document, as they are, streamed: transforms on them are not supported.
func (s *Signature) digestDetached(ref *Reference, h crypto.Hash, transforms []*etree.Element) ([]byte, error) {
	ref.Detached = true
	if s.detached == nil {
		return nil, &UnsupportedError{What: "reference URI", Algorithm: ref.URI + " (detached: its content was not given)"}
	}
	if len(transforms) > 0 {
		return nil, &UnsupportedError{What: "transform", Algorithm: transforms[0].SelectAttrValue("Algorithm", "") + " on detached content"}
	}
	rc, err := s.detached(ref.URI)
	if err != nil {
		return nil, &DetachedError{URI: ref.URI, Err: err}
	}
	defer rc.Close()
	hh := h.New()
	n, err := io.Copy(hh, rc)
	if err != nil {
		return nil, &DetachedError{URI: ref.URI, Err: err}
	}
	ref.Length = n
	return hh.Sum(nil), nil
}

// idIndex maps each ID value to the elements that carry it, over the
// whole document, without recursion.
func (s *Signature) idIndex() map[string][]*etree.Element {
	ids := map[string][]*etree.Element{}
	stack := []*etree.Element{&s.doc.Element}
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		seen := ""
		for _, a := range e.Attr {
			isID := a.Space == "xml" && a.Key == "id"
			if a.Space == "" {
				isID = contains(s.idAttrs, a.Key)
			}
			if isID && a.Value != seen {
				// One element with Id="a" and ID="a" is still one element.
				if l := ids[a.Value]; len(l) == 0 || l[len(l)-1] != e {
					ids[a.Value] = append(l, e)
				}
				seen = a.Value
			}
		}
		for i := len(e.Child) - 1; i >= 0; i-- {
			if c, ok := e.Child[i].(*etree.Element); ok {
				stack = append(stack, c)
			}
		}
	}
	return ids
}

// inclusivePrefixes reads the InclusiveNamespaces PrefixList of an
// exclusive canonicalization method or transform.
func inclusivePrefixes(el *etree.Element, alg c14nAlgorithm) ([]string, error) {
	var out []string
	for _, c := range el.ChildElements() {
		if alg.mode != exclusive || c.Tag != "InclusiveNamespaces" || c.NamespaceURI() != excC14NNamespace {
			return nil, &FormatError{Reason: "unexpected parameter " + c.FullTag() + " of a canonicalization"}
		}
		out = append(out, strings.Fields(c.SelectAttrValue("PrefixList", ""))...)
	}
	return out, nil
}

func checkSignatureValue(method string, pub crypto.PublicKey, signed, value []byte) error {
	m, ok := signatureMethods[method]
	if !ok || !m.hash.Available() {
		return &UnsupportedError{What: "signature", Algorithm: method}
	}
	h := m.hash.New()
	h.Write(signed)
	digest := h.Sum(nil)
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if m.key != keyRSA {
			return &FormatError{Reason: "an RSA key for signature method " + method}
		}
		if rsa.VerifyPKCS1v15(k, m.hash, digest, value) != nil {
			return ErrSignatureMismatch
		}
	case *ecdsa.PublicKey:
		if m.key != keyECDSA {
			return &FormatError{Reason: "an ECDSA key for signature method " + method}
		}
		// XML-DSig ECDSA values are r || s, each as long as the order.
		n := (k.Curve.Params().N.BitLen() + 7) / 8
		if len(value) != 2*n {
			return ErrSignatureMismatch
		}
		r, s := new(big.Int).SetBytes(value[:n]), new(big.Int).SetBytes(value[n:])
		if !ecdsa.Verify(k, digest, r, s) {
			return ErrSignatureMismatch
		}
	default:
		return &UnsupportedError{What: "signature", Algorithm: fmt.Sprintf("%s with a %T key", method, pub)}
	}
	return nil
}

var errEnvelopedInside = &FormatError{Reason: "enveloped-signature transform over the signature itself"}

func isDS(e *etree.Element, tag string) bool {
	return e.Tag == tag && e.NamespaceURI() == Namespace
}

func isInside(e, ancestor *etree.Element) bool {
	for p := e.Parent(); p != nil; p = p.Parent() {
		if p == ancestor {
			return true
		}
	}
	return false
}

func firstChildElement(e *etree.Element) *etree.Element {
	for _, t := range e.Child {
		if c, ok := t.(*etree.Element); ok {
			return c
		}
	}
	return nil
}

// base64Text decodes the text of an element that holds base64 and
// nothing else (whitespace allowed, as XML-DSig's base64 content is).
func base64Text(e *etree.Element) ([]byte, error) {
	var b strings.Builder
	for _, t := range e.Child {
		switch n := t.(type) {
		case *etree.CharData:
			b.WriteString(n.Data)
		case *etree.Element:
			return nil, errors.New("an element inside base64 content")
		}
	}
	s := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, b.String())
	return base64.StdEncoding.DecodeString(s)
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
