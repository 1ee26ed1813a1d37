package xmldsig

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// invoice is a FatturaPA-shaped document with an attachment, a comment
// and a second (unrelated) signature already in it, so that "remove
// every signature" and "remove this signature" differ.
const invoice = `<?xml version="1.0" encoding="UTF-8"?>
<p:FatturaElettronica xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" versione="FPR12">
  <FatturaElettronicaHeader><!-- header --><CodiceDestinatario>0000000</CodiceDestinatario></FatturaElettronicaHeader>
  <FatturaElettronicaBody><ImportoTotaleDocumento>122.00</ImportoTotaleDocumento><Allegati><Attachment>QUJD</Attachment></Allegati></FatturaElettronicaBody>
  <ds:Signature Id="other"><ds:SignedInfo/><ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>
</p:FatturaElettronica>
`

// sigTemplate is a ds:Signature with one reference to uri under the
// given transforms (XML inside ds:Transforms) and exclusive SignedInfo.
func sigTemplate(method, uri, transforms string) string {
	t := ""
	if transforms != "" {
		t = "<ds:Transforms>" + transforms + "</ds:Transforms>"
	}
	return `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig-1"><ds:SignedInfo>` +
		`<ds:CanonicalizationMethod Algorithm="` + ExcC14N + `"/><ds:SignatureMethod Algorithm="` + method + `"/>` +
		`<ds:Reference URI="` + uri + `">` + t + `<ds:DigestMethod Algorithm="` + DigestSHA256 + `"/><ds:DigestValue/></ds:Reference>` +
		`</ds:SignedInfo><ds:SignatureValue Id="sig-1-value"/></ds:Signature>`
}

const (
	trFilter2    = `<ds:Transform Algorithm="http://www.w3.org/2002/06/xmldsig-filter2"><dsig-xpath:XPath xmlns:dsig-xpath="http://www.w3.org/2002/06/xmldsig-filter2" Filter="subtract">/descendant::ds:Signature</dsig-xpath:XPath></ds:Transform>`
	trXPathNot   = `<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>not(ancestor-or-self::ds:Signature)</ds:XPath></ds:Transform>`
	trXPathEnv   = `<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>count(ancestor-or-self::ds:Signature | here()/ancestor::ds:Signature[1]) &gt; count(ancestor-or-self::ds:Signature)</ds:XPath></ds:Transform>`
	trEnveloped  = `<ds:Transform Algorithm="` + EnvelopedSignature + `"/>`
	trExc        = `<ds:Transform Algorithm="` + ExcC14N + `"/>`
	trC14N11     = `<ds:Transform Algorithm="` + C14N11 + `"/>`
	trIntersect  = `<ds:Transform Algorithm="http://www.w3.org/2002/06/xmldsig-filter2"><dsig-xpath:XPath xmlns:dsig-xpath="http://www.w3.org/2002/06/xmldsig-filter2" Filter="intersect">//FatturaElettronicaBody</dsig-xpath:XPath></ds:Transform>`
	trXPathOther = `<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>not(self::Attachment)</ds:XPath></ds:Transform>`
	trXSLT       = `<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"/>`
)

// signTemplate puts tmpl as the root's last child of in, signs it with
// Sign and returns the document.
func signTemplate(t testing.TB, in, tmpl string, k *testKey, opts *Options) []byte {
	t.Helper()
	doc := parse(t, strings.Replace(in, "</p:FatturaElettronica>", tmpl+"</p:FatturaElettronica>", 1))
	sig := doc.FindElement("//Signature[@Id='sig-1']")
	if sig == nil {
		t.Fatal("no template")
	}
	if err := Sign(doc, sig, k.key, opts); err != nil {
		t.Fatal(err)
	}
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkBytes verifies the signature with Id sig-1 and returns Check's
// result.
func checkBytes(t testing.TB, in []byte, k *testKey, opts *Options) (*Verified, error) {
	t.Helper()
	doc := parse(t, string(in))
	sig := doc.FindElement("//Signature[@Id='sig-1']")
	if sig == nil {
		t.Fatal("no signature")
	}
	s, err := New(doc, sig, opts)
	if err != nil {
		return nil, err
	}
	return s.Check(k.cert.PublicKey)
}

func TestSignatureRemovingTransforms(t *testing.T) {
	rk, ek := testKeys(t)
	for _, tc := range []struct {
		name       string
		transforms string
		// all: every signature is removed, not only the enveloping one.
		all bool
	}{
		{"filter2 subtract", trFilter2, true},
		{"filter2 subtract then exclusive", trFilter2 + trExc, true},
		{"not(ancestor-or-self)", trXPathNot + trC14N11, true},
		{"enveloped XPath", trXPathEnv, false},
		{"enveloped", trEnveloped + trExc, false},
	} {
		for _, k := range []*testKey{rk, ek} {
			method := RSASHA256
			if k == ek {
				method = ECDSASHA256
			}
			signed := signTemplate(t, invoice, sigTemplate(method, "", tc.transforms), k, nil)
			v, err := checkBytes(t, signed, k, nil)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			r := v.References[0]
			if r.Err != nil || !r.Whole {
				t.Fatalf("%s: %+v", tc.name, r)
			}
			data := string(r.Data)
			if strings.Contains(data, `Id="sig-1"`) || !strings.Contains(data, "122.00") || strings.Contains(data, "header") {
				t.Errorf("%s: signed data %s", tc.name, data)
			}
			if got := strings.Contains(data, `Id="other"`); got == tc.all || len(r.Excluded) != map[bool]int{true: 2, false: 1}[tc.all] {
				t.Errorf("%s: the other signature signed: %v, excluded %d", tc.name, got, len(r.Excluded))
			}
			bad := strings.Replace(string(signed), "122.00", "922.00", 1)
			if _, err := verifyBytesID(t, []byte(bad), k); !errors.Is(err, ErrDigestMismatch) {
				t.Errorf("%s: changed amount: %v", tc.name, err)
			}
			// The other signature is not signed by the filters that
			// remove every signature: changing it changes nothing.
			changed := strings.Replace(string(signed), `<ds:SignatureValue>AA==`, `<ds:SignatureValue>AAAA`, 1)
			if _, err := verifyBytesID(t, []byte(changed), k); (err == nil) != tc.all {
				t.Errorf("%s: the other signature changed: %v", tc.name, err)
			}
		}
	}
}

func verifyBytesID(t testing.TB, in []byte, k *testKey) (*Verified, error) {
	v, err := checkBytes(t, in, k, nil)
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

// What is not supported is said, reference by reference, and never
// guessed: a filter that keeps part of the document, any other XPath,
// XSLT, a detached reference without its content.
func TestUnsupportedTransforms(t *testing.T) {
	rk, _ := testKeys(t)
	signed := string(signTemplate(t, invoice, sigTemplate(RSASHA256, "", trFilter2), rk, nil))
	for _, tr := range []string{trXPathOther, trIntersect, trXSLT,
		strings.Replace(trFilter2, `Filter="subtract"`, `Filter="union"`, 1),
		strings.Replace(trFilter2, `/descendant::ds:Signature`, `/descendant::p:Signature`, 1),
		strings.Replace(trXPathNot, "ds:Signature", "Signature", 1),
	} {
		// A second reference with the unsupported transform, the first
		// one intact: Check reports both.
		doc := parse(t, signed)
		si := doc.FindElement("//Signature[@Id='sig-1']/SignedInfo")
		r2 := etree.NewDocument()
		if err := r2.ReadFromString(`<ds:Reference xmlns:ds="http://www.w3.org/2000/09/xmldsig#" URI=""><ds:Transforms>` + tr + `</ds:Transforms><ds:DigestMethod Algorithm="` + DigestSHA256 + `"/><ds:DigestValue>AA==</ds:DigestValue></ds:Reference>`); err != nil {
			t.Fatal(err)
		}
		si.AddChild(r2.Root())
		sig := doc.FindElement("//Signature[@Id='sig-1']")
		// Re-sign SignedInfo only: the digests stay as they are.
		canon, _ := Canonicalize(si, ExcC14N, nil)
		value, err := signatureValue(rk.key, RSASHA256, canon)
		if err != nil {
			t.Fatal(err)
		}
		sig.FindElement("SignatureValue").SetText(b64(value))
		out, _ := doc.WriteToBytes()
		v, err := checkBytes(t, out, rk, nil)
		if err != nil {
			t.Fatalf("%s: %v", tr, err)
		}
		var ue *UnsupportedError
		if len(v.References) != 2 || v.References[0].Err != nil || !errors.As(v.References[1].Err, &ue) || v.References[1].Data != nil {
			t.Errorf("%s: %+v", tr, v.References)
		}
	}
}

func TestDetachedReference(t *testing.T) {
	rk, _ := testKeys(t)
	content := strings.Repeat("referto ", 100000)
	open := func(body string) *Options {
		return &Options{Detached: func(uri string) (io.ReadCloser, error) {
			if uri != "referto.pdf" {
				return nil, os.ErrNotExist
			}
			return io.NopCloser(strings.NewReader(body)), nil
		}}
	}
	signed := signTemplate(t, invoice, sigTemplate(RSASHA256, "referto.pdf", ""), rk, open(content))
	v, err := checkBytes(t, signed, rk, open(content))
	if err != nil || v.References[0].Err != nil || !v.References[0].Detached || v.References[0].Length != int64(len(content)) || v.References[0].Data != nil {
		t.Fatalf("%v %+v", err, v)
	}
	v, _ = checkBytes(t, signed, rk, open(content+"x"))
	if !errors.Is(v.References[0].Err, ErrDigestMismatch) {
		t.Errorf("changed content: %v", v.References[0].Err)
	}
	v, _ = checkBytes(t, signed, rk, nil)
	var ue *UnsupportedError
	if !errors.As(v.References[0].Err, &ue) {
		t.Errorf("no content given: %v", v.References[0].Err)
	}
	failing := &Options{Detached: func(string) (io.ReadCloser, error) { return nil, os.ErrNotExist }}
	v, _ = checkBytes(t, signed, rk, failing)
	var de *DetachedError
	if !errors.As(v.References[0].Err, &de) || !errors.Is(v.References[0].Err, os.ErrNotExist) {
		t.Errorf("unreadable content: %v", v.References[0].Err)
	}
}

// A counter-signature signs the ds:SignatureValue element of another
// signature, by its Id.
func TestCounterSignatureReference(t *testing.T) {
	rk, ek := testKeys(t)
	signed := string(signTemplate(t, invoice, sigTemplate(RSASHA256, "", trFilter2), rk, nil))
	cs := strings.NewReplacer(`Id="sig-1"`, `Id="cs-1"`, `Id="sig-1-value"`, `Id="cs-1-value"`).Replace(sigTemplate(ECDSASHA256, "#sig-1-value", trExc))
	obj := `<ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#sig-1"><xades:UnsignedProperties><xades:UnsignedSignatureProperties><xades:CounterSignature>` + cs + `</xades:CounterSignature></xades:UnsignedSignatureProperties></xades:UnsignedProperties></xades:QualifyingProperties></ds:Object>`
	doc := parse(t, strings.Replace(signed, "</ds:Signature></p:FatturaElettronica>", obj+"</ds:Signature></p:FatturaElettronica>", 1))
	csEl := doc.FindElement("//Signature[@Id='cs-1']")
	if err := Sign(doc, csEl, ek.key, nil); err != nil {
		t.Fatal(err)
	}
	if got := len(Signatures(doc)); got != 3 {
		t.Errorf("%d signatures found, want 3 (one nested)", got)
	}
	if got := len(OutermostSignatures(doc)); got != 2 {
		t.Errorf("%d outermost signatures, want 2", got)
	}
	out, _ := doc.WriteToBytes()
	// The main signature still verifies: filter2 removed its own
	// subtree, counter-signature included.
	if _, err := verifyBytesID(t, out, rk); err != nil {
		t.Fatal(err)
	}
	d2 := parse(t, string(out))
	s, err := New(d2, d2.FindElement("//Signature[@Id='cs-1']"), nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.Verify(ek.cert.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if v.References[0].Target == nil || v.References[0].Target.Tag != "SignatureValue" {
		t.Errorf("counter-signature target %+v", v.References[0])
	}
	// A changed main signature value breaks the counter-signature.
	d2.FindElement("//Signature[@Id='sig-1']/SignatureValue").SetText("AAAA")
	s, _ = New(d2, d2.FindElement("//Signature[@Id='cs-1']"), nil)
	if _, err := s.Verify(ek.cert.PublicKey); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("countersigned value changed: %v", err)
	}
}

// xmlsec1 agrees: what it signs with filter2 and the XPath transforms
// verifies here, what Sign makes verifies there.
func TestXmlsecFilters(t *testing.T) {
	xmlsec, err := exec.LookPath("xmlsec1")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xmlsec1 missing in CI: scripts/deps.sh installs it")
		}
		t.Skip("xmlsec1 not installed")
	}
	rk, _ := testKeys(t)
	dir := t.TempDir()
	kf, cf := writeKeyFiles(t, dir, rk)
	idAttr := []string{"--id-attr:Id", "Signature", "--id-attr:Id", "SignatureValue", "--node-id", "sig-1"}
	for i, tr := range []string{trFilter2, trFilter2 + trExc, trXPathNot + trC14N11, trXPathEnv, trEnveloped + trExc} {
		name := fmt.Sprintf("transforms %d", i)
		tmpl := sigTemplate(RSASHA256, "", tr)
		// Ours -> xmlsec1.
		ours := filepath.Join(dir, "ours.xml")
		os.WriteFile(ours, signTemplate(t, invoice, tmpl, rk, nil), 0o644)
		if b, err := exec.Command(xmlsec, append(append([]string{"--verify"}, idAttr...), "--pubkey-cert-pem", cf, ours)...).CombinedOutput(); err != nil {
			t.Errorf("%s: xmlsec1 refuses ours: %v\n%s", name, err, b)
		}
		// xmlsec1 -> ours.
		in := filepath.Join(dir, "tmpl.xml")
		out := filepath.Join(dir, "theirs.xml")
		os.WriteFile(in, []byte(strings.Replace(invoice, "</p:FatturaElettronica>", tmpl+"</p:FatturaElettronica>", 1)), 0o644)
		if b, err := exec.Command(xmlsec, append(append([]string{"--sign"}, idAttr...), "--privkey-pem", kf+","+cf, "--output", out, in)...).CombinedOutput(); err != nil {
			t.Fatalf("%s: xmlsec1 --sign: %v\n%s", name, err, b)
		}
		theirs, _ := os.ReadFile(out)
		if _, err := verifyBytesID(t, theirs, rk); err != nil {
			t.Errorf("%s: xmlsec1's signature: %v", name, err)
		}
		bad := filepath.Join(dir, "bad.xml")
		os.WriteFile(bad, []byte(strings.Replace(string(theirs), "122.00", "922.00", 1)), 0o644)
		if exec.Command(xmlsec, append(append([]string{"--verify"}, idAttr...), "--pubkey-cert-pem", cf, bad)...).Run() == nil {
			t.Errorf("%s: xmlsec1 accepts a changed amount", name)
		}
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// writeKeyFiles writes k as PEM files for xmlsec1.
func writeKeyFiles(t testing.TB, dir string, k *testKey) (keyFile, certFile string) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k.key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile, certFile = filepath.Join(dir, "key.pem"), filepath.Join(dir, "cert.pem")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.cert.Raw}), 0o644)
	return keyFile, certFile
}
