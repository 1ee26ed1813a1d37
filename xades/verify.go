// Package xades verifies XAdES signatures (ETSI TS 101 903 1.3.2/1.4.1,
// EN 319 132-1) and plain W3C XML Signatures in XML files: the FatturaPA
// e-invoices signed XAdES-BES and the receipts of the SdI (Sistema di
// Interscambio). It finds every ds:Signature, counter-signatures
// included, checks each one with package internal/xmldsig (every
// reference, strictly) and the XAdES rules (signed properties bound to
// their signature, the signer's certificate bound by SigningCertificate,
// SigningCertificateV2 or a signed KeyInfo, SignatureTimeStamp over the
// canonical SignatureValue), then hands the signer's certificate to
// package verify, so that an XML signature gets the verdicts, trust,
// revocation and report of a CAdES one.
//
// What is not supported (an XPath that keeps part of a document, XSLT,
// transforms on detached data) makes the signature INDETERMINATE with
// the reason: nothing is guessed. The XML parser resolves no external
// entity and reads no DTD: a document with a document type declaration
// is refused. Memory is a few times the input's size, which
// Options.MaxSize bounds; there is no element count cap.
package xades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/firma-dev/firma/internal/xmldsig"
	"github.com/firma-dev/firma/verify"
)

// Options tune Verify.
type Options struct {
	// Options are the trust, time, revocation and name settings of every
	// signature (Content and PAdES are not used). Extract receives the
	// document minus its signatures, only when that is what a signature
	// whose data is intact signed.
	verify.Options
	// Detached opens the data a detached reference names by its URI;
	// nil leaves such references INDETERMINATE. Nothing is fetched here.
	Detached func(uri string) (io.ReadCloser, error)
	// MaxSize bounds the input (0: DefaultMaxSize).
	MaxSize int64
}

// DefaultMaxSize is the largest document Verify reads by default: SdI
// accepts files up to 5 MB, real invoices with attachments reach tens
// of MB; memory is a few times this.
const DefaultMaxSize = 256 << 20

// maxCounterDepth bounds counter-signatures of counter-signatures.
const maxCounterDepth = 8

// NoSignatureError: the XML document holds no ds:Signature.
type NoSignatureError struct{}

func (NoSignatureError) Error() string { return "the XML document holds no signature" }

// MalformedError: the input is not well-formed XML.
type MalformedError struct{ Err error }

func (e *MalformedError) Error() string { return "not well-formed XML: " + e.Err.Error() }
func (e *MalformedError) Unwrap() error { return e.Err }

// TooLargeError: the input is larger than Options.MaxSize.
type TooLargeError struct{ Max int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the XML document is larger than %d bytes", e.Max)
}

// Parse reads an XML document as Verify does: duplicate attributes
// kept (canonicalization refuses them), ISO-8859-1 decoded, no entity
// but the predefined ones.
func Parse(b []byte) (*etree.Document, error) {
	doc := etree.NewDocument()
	doc.ReadSettings.PreserveDuplicateAttrs = true
	doc.ReadSettings.CharsetReader = charsetReader
	if err := doc.ReadFromBytes(b); err != nil {
		return nil, &MalformedError{Err: err}
	}
	if doc.Root() == nil {
		return nil, &MalformedError{Err: errors.New("no root element")}
	}
	return doc, nil
}

// Verify reads an XML document from r and checks every signature in it.
func Verify(ctx context.Context, r io.Reader, opts Options) (*verify.Report, error) {
	max := opts.MaxSize
	if max <= 0 {
		max = DefaultMaxSize
	}
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, &TooLargeError{Max: max}
	}
	doc, err := Parse(b)
	if err != nil {
		return nil, err
	}
	size := int64(len(b))
	b = nil
	all := xmldsig.Signatures(doc)
	if len(all) == 0 {
		return nil, NoSignatureError{}
	}
	rep := verify.NewReport(opts.Options, "xml")
	root := doc.Root()
	rep.XML = &verify.XMLInfo{Size: size, Root: root.Tag, Namespace: root.NamespaceURI()}
	rep.XML.Kind = verify.XMLKind(rep.XML.Namespace, root.Tag)
	layer := &verify.Layer{Type: "xml", Form: "xml", ContentLength: size}
	rep.Layers = []*verify.Layer{layer}
	x := &xv{ctx: ctx, doc: doc, opts: opts, kind: rep.XML.Kind, visited: map[*etree.Element]bool{}, outer: xmldsig.OutermostSignatures(doc)}
	for _, t := range doc.Child {
		if _, ok := t.(*etree.Directive); ok {
			layer.Error = verify.Messagef("document type declarations are not supported: their entities and defaults would change what is signed")
			rep.Finish()
			return rep, nil
		}
	}
	n := 0
	for _, el := range x.outer {
		n++
		layer.Signatures = append(layer.Signatures, x.signature(fmt.Sprintf("S%d", n), el, nil, 0))
	}
	// A ds:Signature elsewhere (inside an Object, not as a XAdES
	// counter-signature) is a signature too: it gets its own result.
	for _, el := range all {
		if !x.visited[el] {
			n++
			layer.Signatures = append(layer.Signatures, x.signature(fmt.Sprintf("S%d", n), el, nil, 0))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep.XML.WholeSigned = x.whole != nil
	if x.whole != nil {
		sum := sha256.Sum256(x.whole)
		rep.Content = &verify.Content{Length: int64(len(x.whole)), SHA256: hex.EncodeToString(sum[:])}
		if opts.Extract != nil {
			if _, err := opts.Extract.Write(x.whole); err != nil {
				return nil, &verify.ExtractError{Err: err}
			}
		}
	}
	rep.Finish()
	return rep, nil
}

type xv struct {
	ctx     context.Context
	doc     *etree.Document
	opts    Options
	kind    string
	visited map[*etree.Element]bool
	outer   []*etree.Element
	// whole is the document minus every signature, as signed by an
	// intact signature; nil when no signature signed that.
	whole []byte
}

// subOf maps an xmldsig error to a sub-indication.
func subOf(err error) verify.SubIndication {
	var ue *xmldsig.UnsupportedError
	var de *xmldsig.DetachedError
	switch {
	case errors.Is(err, xmldsig.ErrDigestMismatch):
		return verify.HashFailure
	case errors.Is(err, xmldsig.ErrSignatureMismatch):
		return verify.SigCryptoFailure
	case errors.Is(err, xmldsig.ErrNotFound), errors.As(err, &de):
		return verify.SignedDataNotFound
	case errors.As(err, &ue):
		if ue.What == "signature" || ue.What == "digest" {
			return verify.CryptoConstraintsFailure
		}
		return verify.SignedDataNotFound
	}
	// ErrAmbiguousID (wrapping), FormatError.
	return verify.FormatFailure
}

// signature checks one ds:Signature; countersigned is the
// SignatureValue element of the signature it counter-signs (nil for a
// signature of the document).
func (x *xv) signature(id string, el *etree.Element, countersigned *etree.Element, depth int) *verify.Signature {
	x.visited[el] = true
	s := &verify.Signature{ID: id, Indication: verify.TotalPassed, Profile: "XMLDSig"}
	xs := &verify.XMLSignature{Id: el.SelectAttrValue("Id", ""), Placement: "none", Coverage: "none", CertificateBinding: "none", References: []verify.XMLReference{}}
	s.XML = xs
	facts := verify.XMLSigner{}
	done := func() *verify.Signature {
		verify.CheckSigner(x.ctx, s, facts, x.opts.Options)
		return s
	}
	// A signature that cannot be read gets its verdict from the checks
	// so far (AddCheck keeps it); its certificate is not looked at.
	fatal := func(name string, sub verify.SubIndication, detail verify.Message) *verify.Signature {
		s.AddCheck(name, sub, detail)
		return s
	}
	sig, err := xmldsig.New(x.doc, el, &xmldsig.Options{Detached: x.opts.Detached})
	if err != nil {
		return fatal("format", subOf(err), verify.Messagef("the signature is malformed: %s", err))
	}
	p, err := readProps(el)
	if err != nil {
		return fatal("format", verify.FormatFailure, verify.Messagef("malformed XAdES properties: %s", err))
	}
	s.AddCheck("format", "", verify.Messagef("ds:Signature well formed"))
	if p != nil && p.sp != nil {
		xs.SignedProperties = p.names
		s.Profile = "XAdES-BES"
		if p.policy {
			s.Profile = "XAdES-EPES"
		}
	}
	if p != nil {
		// Counter-signatures are checked whatever this signature's
		// outcome: each has its own result.
		defer func() {
			sv := dsChild(el, "SignatureValue")
			for i, cs := range p.counters {
				cid := fmt.Sprintf("%s.C%d", id, i+1)
				if depth+1 > maxCounterDepth {
					c := &verify.Signature{ID: cid, Indication: verify.TotalPassed}
					c.AddCheck("format", verify.FormatFailure, verify.Messagef("counter-signatures nested more than %d deep", maxCounterDepth))
					s.CounterSignatures = append(s.CounterSignatures, c)
					x.markVisited(cs)
					continue
				}
				s.CounterSignatures = append(s.CounterSignatures, x.signature(cid, cs, sv, depth+1))
			}
		}()
	}

	// The signer's certificate: among KeyInfo's, the one SigningCertificate
	// names, else any whose key verifies (bound only if KeyInfo is signed).
	var certs []*x509.Certificate
	for _, der := range sig.Certificates {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			s.AddWarning("certificates", verify.Messagef("a KeyInfo certificate cannot be read: %s", err))
			continue
		}
		certs = append(certs, c)
	}
	facts.Certs = certs
	cands := certs
	var byRef []certRef
	if p != nil && len(p.certRefs) > 0 {
		cands = nil
		for _, c := range certs {
			for _, r := range p.certRefs {
				if r.matches(c) {
					cands = append(cands, c)
					byRef = append(byRef, r)
					break
				}
			}
		}
		if len(cands) == 0 {
			detail := verify.Messagef("the signature carries no certificate in KeyInfo")
			if len(certs) > 0 {
				detail = verify.Messagef("the certificate in KeyInfo is not the one the signer committed to (the SigningCertificate digest does not match): it was replaced")
			}
			s.AddCheck("signing_certificate", verify.NoSigningCertificateFound, detail)
			return done()
		}
	}
	if len(cands) == 0 {
		s.AddCheck("signing_certificate", verify.NoSigningCertificateFound, verify.Messagef("the signature carries no certificate in KeyInfo"))
		return done()
	}
	var ver *xmldsig.Verified
	var cert *x509.Certificate
	var ref *certRef
	for i, c := range cands {
		ver, err = sig.Check(c.PublicKey)
		if errors.Is(err, xmldsig.ErrSignatureMismatch) {
			continue
		}
		cert = c
		if byRef != nil {
			ref = &byRef[i]
		}
		break
	}
	if err != nil {
		name := "signature_value"
		var fe *xmldsig.FormatError
		if errors.As(err, &fe) {
			name = "format"
		}
		detail := verify.Messagef("%s", err)
		if errors.Is(err, xmldsig.ErrSignatureMismatch) {
			detail = verify.Messagef("the signature value does not match SignedInfo and the certificate's key: SignedInfo or the signature value were changed")
		}
		s.AddCheck(name, subOf(err), detail)
		return done()
	}
	facts.Cert = cert
	s.SignatureAlgorithm = methodName(ver.SignatureMethod)
	s.AddCheck("signature_value", "", verify.Messagef("signature value over the canonical SignedInfo verified with the signer's key"))

	// References, each one.
	keyInfo := dsChild(el, "KeyInfo")
	var sv *etree.Element
	if countersigned != nil {
		sv = countersigned
	}
	hashes := map[crypto.Hash]bool{}
	if h, ok := xmldsig.SignatureHash(ver.SignatureMethod); ok {
		hashes[h] = true
	}
	spRefs, keyInfoSigned, csSigned, refFailed := 0, false, false, false
	var docRefs []xmldsig.Reference
	for _, r := range ver.References {
		if h, ok := xmldsig.DigestHash(r.DigestMethod); ok {
			hashes[h] = true
			if s.DigestAlgorithm == "" {
				s.DigestAlgorithm = verify.HashName(h)
			}
		}
		xr := verify.XMLReference{URI: r.URI, Type: r.Type, Transforms: r.Transforms, DigestMethod: r.DigestMethod, Status: verify.StatusPassed}
		switch {
		case p != nil && p.sp != nil && r.Target == p.sp:
			xr.Role = "signed_properties"
		case keyInfo != nil && r.Target == keyInfo:
			xr.Role = "key_info"
		case sv != nil && r.Target == sv:
			xr.Role = "countersigned"
		case r.Type == SignedPropertiesType:
			xr.Role = "other"
			if r.Err == nil {
				r.Err = &xmldsig.FormatError{Reason: "a SignedProperties reference to something other than this signature's SignedProperties"}
			}
		default:
			xr.Role = "document"
		}
		if r.Err != nil {
			refFailed = true
			sub := subOf(r.Err)
			xr.SubIndication, xr.Detail = sub, verify.Messagef("%s", r.Err)
			xr.Status = verify.StatusIndeterminate
			if sub.Indication() == verify.TotalFailed {
				xr.Status = verify.StatusFailed
			}
			s.AddCheck("reference", sub, refWords(r, sub))
		} else {
			switch xr.Role {
			case "signed_properties":
				spRefs++
			case "key_info":
				keyInfoSigned = true
			case "countersigned":
				csSigned = true
			}
		}
		if xr.Role == "document" {
			docRefs = append(docRefs, r)
		}
		if xr.Role == "signed_properties" && r.Err != nil {
			spRefs++ // referenced, though broken: reported above
		}
		xs.References = append(xs.References, xr)
	}
	if !refFailed {
		s.AddCheck("references", "", verify.Messagef("%d references, every digest matches", len(ver.References)))
	}
	for h := range hashes {
		facts.Hashes = append(facts.Hashes, h)
	}
	facts.Algorithms = verify.Messagef("%s digests, %s signature, %s SignedInfo", s.DigestAlgorithm, s.SignatureAlgorithm, methodName(ver.CanonicalizationMethod))
	if len(ver.Weak) > 0 {
		s.Warnings = append(s.Warnings, verify.Messagef("SHA-1 is used (%s): no longer acceptable for new signatures", strings.Join(ver.Weak, ", ")))
	}

	// XAdES: the signed properties, bound to this signature.
	spOK := false
	switch {
	case p == nil:
		s.AddWarning("xades", verify.Messagef("a plain XML signature: no XAdES properties (no signing time, no certificate binding of its own)"))
	case p.sp == nil:
		s.AddCheck("signed_properties", verify.FormatFailure, verify.Messagef("XAdES QualifyingProperties without SignedProperties"))
	case spRefs == 0:
		s.AddCheck("signed_properties", verify.FormatFailure, verify.Messagef("the SignedProperties are not signed: no reference of SignedInfo points at them, so their signing time and certificate binding are anybody's"))
	case spRefs > 1:
		s.AddCheck("signed_properties", verify.FormatFailure, verify.Messagef("the SignedProperties are referenced %d times; XAdES wants exactly one reference", spRefs))
	default:
		spOK = !refFailed || !spRefBroken(xs.References)
		if spOK {
			s.AddCheck("signed_properties", "", verify.Messagef("SignedProperties signed by one reference (#%s) and bound to this signature", p.spID))
		}
	}

	// The certificate binding.
	switch {
	case spOK && ref != nil:
		if ref.serial != nil && ref.serial.Cmp(cert.SerialNumber) != 0 {
			s.AddCheck("signing_certificate", verify.FormatFailure, verify.Messagef("SigningCertificate's IssuerSerial names another serial number than the certificate its digest names"))
			break
		}
		xs.CertificateBinding = p.binding
		what := "SigningCertificate"
		if p.binding == "signing_certificate_v2" {
			what = "SigningCertificateV2"
		}
		s.AddCheck("signing_certificate", "", verify.Messagef("bound by %s (%s of the certificate)", what, verify.HashName(ref.hash)))
	case keyInfoSigned:
		xs.CertificateBinding = "key_info"
		s.AddCheck("signing_certificate", "", verify.Messagef("bound by the signed KeyInfo"))
	case p != nil && len(p.certRefs) > 0:
		// The SignedProperties that name it are not signed: reported.
	default:
		s.AddCheck("signing_certificate", verify.NoSigningCertificateFound, verify.Messagef("the certificate is not bound to the signature: no SigningCertificate property and KeyInfo is not signed"))
	}

	// Signing time.
	if spOK && p.hasTime {
		facts.Claimed = p.signingTime
		if !p.timeZone {
			s.Warnings = append(s.Warnings, verify.Messagef("the SigningTime has no time zone: read as UTC"))
		}
	}

	// What is signed.
	wholeData := x.coverage(s, xs, el, docRefs, countersigned != nil, csSigned)
	if countersigned != nil && !csSigned {
		s.AddCheck("countersigned", verify.FormatFailure, verify.Messagef("the counter-signature does not sign the signature value it is attached to"))
	}

	// Timestamps over the signature value (XAdES-T).
	if p != nil && len(p.timestamps) > 0 {
		facts.POE = x.timestamps(s, el, p.timestamps)
		if s.Profile == "XAdES-BES" || s.Profile == "XAdES-EPES" {
			s.Profile = "XAdES-T"
		}
	}
	if p != nil && len(p.longTerm) > 0 {
		s.Warnings = append(s.Warnings, verify.Messagef("long-term validation data is present (%s) but not evaluated: the result rests on the chain and revocation as checked now", strings.Join(p.longTerm, ", ")))
	}
	if x.kind == "fatturapa" && depth == 0 {
		x.fatturaPA(s, xs, el, p, ver)
	}
	if x.whole == nil && wholeData != nil && !broken(s.Checks) {
		x.whole = wholeData
	}
	return done()
}

// broken: a check found the signed data or the signature changed or
// malformed.
func broken(checks []verify.Check) bool {
	for _, c := range checks {
		switch c.SubIndication {
		case verify.FormatFailure, verify.HashFailure, verify.SigCryptoFailure:
			return true
		}
	}
	return false
}

func spRefBroken(refs []verify.XMLReference) bool {
	for _, r := range refs {
		if r.Role == "signed_properties" && r.Status != verify.StatusPassed {
			return true
		}
	}
	return false
}

func (x *xv) markVisited(el *etree.Element) {
	for _, e := range append([]*etree.Element{el}, el.FindElements(".//*")...) {
		if isDS(e, "Signature") {
			x.visited[e] = true
		}
	}
}

// refWords says what a failed reference means.
func refWords(r xmldsig.Reference, sub verify.SubIndication) verify.Message {
	what := verify.Messagef("reference %q", r.URI)
	if r.URI == "" {
		what = verify.Messagef("reference \"\" (the whole document)")
	}
	switch {
	case errors.Is(r.Err, xmldsig.ErrDigestMismatch):
		return verify.Messagef("%s: the signed data was changed after signing (digest mismatch)", what)
	case errors.Is(r.Err, xmldsig.ErrAmbiguousID):
		return verify.Messagef("%s: more than one element carries that Id (a signature-wrapping attempt, or a broken document)", what)
	case errors.Is(r.Err, xmldsig.ErrNotFound):
		return verify.Messagef("%s: no element carries that Id", what)
	case sub == verify.SignedDataNotFound:
		return verify.Messagef("%s: cannot be checked: %s", what, r.Err)
	}
	return verify.Messagef("%s: %s", what, r.Err)
}

// coverage decides what the signature's data references sign.
// It returns the document minus every signature when a reference
// signed exactly that.
func (x *xv) coverage(s *verify.Signature, xs *verify.XMLSignature, el *etree.Element, docRefs []xmldsig.Reference, counter, csSigned bool) (wholeData []byte) {
	if counter {
		xs.Placement, xs.Coverage = "countersignature", "signature_value"
		if !csSigned {
			xs.Coverage = "none"
		}
		return nil
	}
	whole, detached, inside := false, false, false
	var parts []string
	for _, r := range docRefs {
		switch {
		case r.Detached:
			detached = true
		case r.Target != nil && (r.Target == el || isInside(r.Target, el)):
			inside = true
			parts = append(parts, r.Target.Tag)
		case r.Whole:
			whole = true
			if !r.Enveloped && len(r.Excluded) == 0 && isInside(el, x.doc.Root()) {
				// Signed with itself inside: impossible to verify, and
				// caught as a digest mismatch already.
				continue
			}
			if wholeData == nil && r.Err == nil && signsAllSignatures(r, x.outer) {
				wholeData = r.Data
			}
		default:
			parts = append(parts, r.Target.Tag)
		}
	}
	switch {
	case whole:
		xs.Coverage = "whole_document"
	case len(parts) > 0 && !inside:
		xs.Coverage, xs.Covered = "part", parts
		s.AddWarning("coverage", verify.Messagef("the signature covers only part of the document: %s", strings.Join(parts, ", ")))
	case inside:
		xs.Coverage, xs.Covered = "part", parts
	case detached:
		xs.Coverage = "detached"
	default:
		s.AddWarning("coverage", verify.Messagef("the signature signs no data: only its own properties"))
	}
	switch {
	case isInside(el, x.doc.Root()) && (whole || len(parts) > 0 && !inside):
		xs.Placement = "enveloped"
	case inside:
		xs.Placement = "enveloping"
	case detached:
		xs.Placement = "detached"
	}
	return wholeData
}

// signsAllSignatures: the reference's transforms removed every
// signature of the document, so its data is the document without them.
func signsAllSignatures(r xmldsig.Reference, outer []*etree.Element) bool {
	for _, o := range outer {
		found := false
		for _, e := range r.Excluded {
			if e == o {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func isInside(e, ancestor *etree.Element) bool {
	for p := e.Parent(); p != nil; p = p.Parent() {
		if p == ancestor {
			return true
		}
	}
	return false
}

// timestamps checks each SignatureTimeStamp over the canonical
// ds:SignatureValue element, and returns the earliest valid one's time.
func (x *xv) timestamps(s *verify.Signature, el *etree.Element, tss []*etree.Element) time.Time {
	var poe time.Time
	sv := dsChild(el, "SignatureValue")
	for _, t := range tss {
		method := xmldsig.C14N10
		if cm := dsChild(t, "CanonicalizationMethod"); cm != nil {
			method = cm.SelectAttrValue("Algorithm", "")
		}
		var canon []byte
		var cerr error
		if xChild(t, "Include") != nil || xChild(t, "ReferenceInfo") != nil {
			cerr = errors.New("explicit Include/ReferenceInfo timestamps are not supported")
		} else {
			canon, cerr = xmldsig.Canonicalize(sv, method, nil)
		}
		digest := func(h crypto.Hash) ([]byte, bool) {
			if cerr != nil || !h.Available() {
				return nil, false
			}
			hh := h.New()
			hh.Write(canon)
			return hh.Sum(nil), true
		}
		et := xChild(t, "EncapsulatedTimeStamp")
		var tok []byte
		var err error
		if et == nil {
			err = errors.New("no EncapsulatedTimeStamp")
		} else if tok, err = b64(et.Text()); err == nil && et.SelectAttrValue("Encoding", "") != "" && !strings.HasSuffix(et.SelectAttrValue("Encoding", ""), "DER") {
			err = fmt.Errorf("encoding %q is not supported", et.SelectAttrValue("Encoding", ""))
		}
		if err != nil {
			tok = nil
		}
		ts, at, ok := verify.VerifyTimestampToken(x.ctx, tok, digest, verify.CoversSignatureValue, x.opts.Options)
		s.Timestamps = append(s.Timestamps, ts)
		if ok && (poe.IsZero() || at.Before(poe)) {
			poe = at
		}
		if !ok {
			reason := verify.FirstReason(ts.Reasons)
			if cerr != nil {
				reason = verify.Messagef("%s", cerr)
			}
			s.Warnings = append(s.Warnings, verify.Messagef("a timestamp on this signature is not valid (%s); it proves nothing", reason))
		}
	}
	return poe
}

// fatturaPA reports the SdI rules ("Firmare la FatturaPA") a signature
// of an e-invoice does not meet: XAdES-BES enveloped, every data
// reference "" or the document's Id, a signing time with its zone.
func (x *xv) fatturaPA(s *verify.Signature, xs *verify.XMLSignature, el *etree.Element, p *props, ver *xmldsig.Verified) {
	root := x.doc.Root()
	var not []string
	var words verify.List
	if p == nil || p.sp == nil {
		not, words = append(not, "not_xades"), append(words, verify.Messagef("a plain XML signature, without XAdES (not admitted)"))
	}
	if el.Parent() != root || xs.Placement != "enveloped" {
		not, words = append(not, "not_enveloped"), append(words, verify.Messagef("not enveloped as the last part of FatturaElettronica"))
	}
	rootID := "#" + root.SelectAttrValue("Id", "\x00")
	for _, r := range xs.References {
		if r.Role == "document" && r.URI != "" && r.URI != rootID {
			not, words = append(not, "reference_uri"), append(words, verify.Messagef("a reference to %q, not to the whole invoice (\"\" or its Id)", r.URI))
			break
		}
	}
	switch {
	case p == nil || !p.hasTime:
		not, words = append(not, "no_signing_time"), append(words, verify.Messagef("no signing time (the riferimento temporale SdI requires)"))
	case !p.timeZone:
		not, words = append(not, "signing_time_zone"), append(words, verify.Messagef("a signing time without time zone"))
	}
	xs.FatturaPA = not
	if len(not) == 0 {
		s.AddCheck("fatturapa", "", verify.Messagef("meets the SdI signature rules: XAdES-BES enveloped, reference to the whole invoice, signing time"))
		return
	}
	s.AddWarning("fatturapa", verify.Messagef("does not meet the SdI signature rules, SdI may refuse it: %s", words))
}

// methodName is a short name for an algorithm URI: the part after '#'
// or the last '/', upper-cased for signatures and digests.
func methodName(uri string) string {
	switch uri {
	case xmldsig.C14N10, xmldsig.C14N10WithComments:
		return "C14N 1.0"
	case xmldsig.C14N11, xmldsig.C14N11WithComments:
		return "C14N 1.1"
	case xmldsig.ExcC14N, xmldsig.ExcC14NWithComments:
		return "exclusive C14N"
	}
	if i := strings.LastIndexAny(uri, "#/"); i >= 0 {
		return strings.ToUpper(uri[i+1:])
	}
	return uri
}

// charsetReader decodes ISO-8859-1 (declared by some invoicing
// software); other encodings than UTF-8 are refused by the parser.
func charsetReader(label string, in io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "l1":
		b, err := io.ReadAll(in)
		if err != nil {
			return nil, err
		}
		var out bytes.Buffer
		for _, c := range b {
			out.WriteRune(rune(c))
		}
		return &out, nil
	}
	return nil, fmt.Errorf("encoding %q is not supported", label)
}
