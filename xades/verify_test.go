package xades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/firma-dev/firma/internal/xmldsig"
	"github.com/firma-dev/firma/verify"
)

// A FatturaPA signed XAdES-BES enveloped, as the SdI wants it: valid,
// signing time reported, rules met, the document extractable.
func TestFatturaPABES(t *testing.T) {
	p := testPKI(t)
	for _, tc := range []struct {
		name    string
		id      func() *SignOptions
		binding string
	}{
		{"v2 rsa", func() *SignOptions { return &SignOptions{} }, "signing_certificate_v2"},
		{"v1", func() *SignOptions { return &SignOptions{Binding: "signing_certificate"} }, "signing_certificate"},
		{"key_info filter2 (SdI)", func() *SignOptions {
			return &SignOptions{Binding: "key_info", DocumentTransforms: []string{FilterSubtract}}
		}, "key_info"},
		{"not(ancestor-or-self) c14n 1.1", func() *SignOptions {
			return &SignOptions{DocumentTransforms: []string{xmldsig.C14N11}}
		}, "signing_certificate_v2"},
	} {
		signer := p.qualified
		if strings.Contains(tc.name, "c14n") {
			signer = p.ec
		}
		o := *tc.id()
		signed := signInvoice(t, invoiceXML(4000), signer, o)
		var out bytes.Buffer
		rep := verifyBytes(t, signed, Options{Options: verify.Options{Extract: &out}})
		s := rep.AllSignatures()
		if len(s) != 1 || rep.Indication != verify.TotalPassed && !strings.Contains(tc.name, "c14n") {
			t.Fatalf("%s: %s\n%s", tc.name, rep.Indication, describe(rep))
		}
		if strings.Contains(tc.name, "c14n") {
			// No transform removes the signature from URI="": it
			// signs itself, which cannot verify.
			if rep.SubIndication != verify.HashFailure {
				t.Errorf("%s: %s\n%s", tc.name, rep.SubIndication, describe(rep))
			}
			continue
		}
		x := s[0].XML
		if x.CertificateBinding != tc.binding || x.Coverage != "whole_document" || x.Placement != "enveloped" || len(x.FatturaPA) != 0 || s[0].Profile != "XAdES-BES" {
			t.Errorf("%s: %+v %s", tc.name, x, s[0].Profile)
		}
		if s[0].SigningTime == nil || !s[0].SigningTime.Equal(now.Add(-time.Hour)) {
			t.Errorf("%s: signing time %v", tc.name, s[0].SigningTime)
		}
		if rep.XML.Kind != "fatturapa" || !rep.XML.WholeSigned || rep.Content == nil || !strings.Contains(out.String(), "122.00") || strings.Contains(out.String(), "Signature") {
			t.Errorf("%s: extract %+v %.200s", tc.name, rep.XML, out.String())
		}
		if len(checksOf(s[0], "fatturapa")) != 1 || checksOf(s[0], "fatturapa")[0].Status != verify.StatusPassed {
			t.Errorf("%s: %s", tc.name, describe(rep))
		}
	}
}

// XAdES-T: a SignatureTimeStamp over the canonical SignatureValue is
// verified with the RFC 3161 code, and becomes the proof of existence.
func TestTimestamp(t *testing.T) {
	p := testPKI(t)
	signed := signInvoice(t, invoiceXML(2000), p.qualified, SignOptions{Timestamp: p.timestamper(t)})
	rep := verifyBytes(t, signed, Options{})
	s := rep.AllSignatures()[0]
	if rep.Indication != verify.TotalPassed || s.Profile != "XAdES-T" || len(s.Timestamps) != 1 || s.Timestamps[0].Indication != verify.TotalPassed {
		t.Fatalf("%s\n%s", rep.Indication, describe(rep))
	}
	if !s.ReferenceTime.Equal(now.Add(-30 * time.Minute)) {
		t.Errorf("reference time %v, want the timestamp's", s.ReferenceTime)
	}
	// A timestamp about another signature value proves nothing.
	other := signInvoice(t, invoiceXML(2000), p.other, SignOptions{Timestamp: p.timestamper(t)})
	tok := between(string(other), "<xades:EncapsulatedTimeStamp>", "</xades:EncapsulatedTimeStamp>")
	mine := between(string(signed), "<xades:EncapsulatedTimeStamp>", "</xades:EncapsulatedTimeStamp>")
	swapped := strings.Replace(string(signed), mine, tok, 1)
	rep = verifyBytes(t, []byte(swapped), Options{})
	s = rep.AllSignatures()[0]
	if s.Timestamps[0].SubIndication != verify.HashFailure || len(s.Warnings) == 0 || s.ReferenceTime.Equal(now.Add(-30*time.Minute)) {
		t.Errorf("a timestamp of another signature: %+v\n%s", s.Timestamps[0], describe(rep))
	}
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	j := strings.Index(s[i:], b)
	return s[i+len(a) : i+j]
}

// Counter-signatures nest, each checked over the value it signs.
func TestCounterSignatures(t *testing.T) {
	p := testPKI(t)
	doc := parseDoc(t, string(signInvoice(t, invoiceXML(2000), p.qualified, SignOptions{Timestamp: p.timestamper(t)})))
	main := doc.FindElement("//Signature")
	cs, err := CounterSign(doc, main, p.ec.Key, []*x509.Certificate{p.ec.Cert}, SignOptions{SigningTime: now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := CounterSign(doc, cs, p.other.Key, []*x509.Certificate{p.other.Cert}, SignOptions{SigningTime: now}); err != nil {
		t.Fatal(err)
	}
	signed := write(t, doc)
	rep := verifyBytes(t, signed, Options{})
	all := rep.AllSignatures()
	if rep.Indication != verify.TotalPassed || len(all) != 3 || all[1].ID != "S1.C1" || all[2].ID != "S1.C1.C1" || all[2].XML.Coverage != "signature_value" {
		t.Fatalf("%s\n%s", rep.Indication, describe(rep))
	}
	// The counter-signed value changed: the counter-signature fails,
	// and the main signature with it (its value no longer verifies).
	i := strings.Index(string(signed), `-C1-SignatureValue">`) + len(`-C1-SignatureValue">`)
	bad := []byte(string(signed[:i]) + "A" + string(signed[i+1:]))
	if bytes.Equal(bad, signed) {
		bad = []byte(string(signed[:i]) + "B" + string(signed[i+1:]))
	}
	rep = verifyBytes(t, bad, Options{})
	all = rep.AllSignatures()
	if all[1].Indication != verify.TotalFailed || all[2].SubIndication != verify.HashFailure || all[0].Indication != verify.TotalPassed {
		t.Errorf("changed counter-signature value:\n%s", describe(rep))
	}
}

// A detached signature: its data comes from Options.Detached; without it
// the signature cannot be decided.
func TestDetached(t *testing.T) {
	p := testPKI(t)
	content := []byte(strings.Repeat("%PDF-1.7 referto ", 5000))
	open := func(b []byte) func(string) (io.ReadCloser, error) {
		return func(uri string) (io.ReadCloser, error) {
			if uri != "referto.pdf" {
				return nil, os.ErrNotExist
			}
			return io.NopCloser(bytes.NewReader(b)), nil
		}
	}
	doc := parseDoc(t, `<Firme xmlns="urn:example"/>`)
	// Sign's document reference to referto.pdf, no transforms.
	if _, err := signDetached(doc, p, open(content)); err != nil {
		t.Fatal(err)
	}
	signed := write(t, doc)
	rep := verifyBytes(t, signed, Options{Detached: open(content)})
	if rep.Indication != verify.TotalPassed || rep.AllSignatures()[0].XML.Coverage != "detached" || rep.XML.WholeSigned {
		t.Fatalf("%s\n%s", rep.Indication, describe(rep))
	}
	rep = verifyBytes(t, signed, Options{Detached: open(append(content, 'x'))})
	if rep.SubIndication != verify.HashFailure {
		t.Errorf("changed content: %s", describe(rep))
	}
	rep = verifyBytes(t, signed, Options{})
	if rep.SubIndication != verify.SignedDataNotFound {
		t.Errorf("no content: %s", describe(rep))
	}
}

func signDetached(doc *etree.Document, p *pki, open func(string) (io.ReadCloser, error)) (*etree.Element, error) {
	return Sign(doc, nil, p.qualified.Key, []*x509.Certificate{p.qualified.Cert}, SignOptions{SigningTime: now, DocumentURI: "referto.pdf", DocumentTransforms: []string{}, Detached: open})
}

func encodeB64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func signatureValueFor(key crypto.Signer, data []byte) ([]byte, error) {
	sum := sha256.Sum256(data)
	return key.Sign(rand.Reader, sum[:], crypto.SHA256)
}

// The attacks of issue 17: each is caught, with the sub-indication a
// careful verifier gives.
func TestAttacks(t *testing.T) {
	p := testPKI(t)
	signed := string(signInvoice(t, invoiceXML(3000), p.qualified, SignOptions{}))
	sdi := string(signInvoice(t, invoiceXML(3000), p.qualified, SignOptions{Binding: "key_info", DocumentTransforms: []string{FilterSubtract}}))
	for _, tc := range attacks(t, p, signed, sdi) {
		rep := verifyBytes(t, []byte(tc.doc), Options{})
		if rep.SubIndication != tc.want {
			t.Errorf("%s: %s/%s, want %s\n%s", tc.name, rep.Indication, rep.SubIndication, tc.want, describe(rep))
		}
		if rep.XML != nil && rep.XML.WholeSigned {
			t.Errorf("%s: the document is offered for extraction", tc.name)
		}
	}
}

type attack struct {
	name string
	doc  string
	want verify.SubIndication
	// xmlsec1 says whether xmlsec1 --verify must refuse it too; when
	// false, why is in why.
	xmlsecFails bool
	why         string
}

func attacks(t testing.TB, p *pki, signed, sdi string) []attack {
	t.Helper()
	must := func(name, s, old, new string) string {
		if !strings.Contains(s, old) {
			t.Fatalf("%s: %q not in the document", name, old)
		}
		return strings.Replace(s, old, new, 1)
	}
	// The KeyInfo certificate swapped for another signer's.
	otherB64 := b64Cert(p.other.Cert)
	mineB64 := b64Cert(p.qualified.Cert)
	// SignedProperties not referenced: the reference removed and
	// SignedInfo re-signed by the same key (an attacker with the key
	// cannot do that, a broken signer can; either way the properties
	// are not signed).
	unref := resign(t, p, signed, func(s string) string {
		i := strings.Index(s, `<ds:Reference URI="#Signature1-SignedProperties"`)
		j := strings.Index(s[i:], "</ds:Reference>") + len("</ds:Reference>")
		return s[:i] + s[i+j:]
	})
	unsupported := resign(t, p, signed, func(s string) string {
		return strings.Replace(s, `<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>`, `<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"/>`, 1)
	})
	intersect := resign(t, p, sdi, func(s string) string {
		return strings.Replace(s, `Filter="subtract">/descendant::ds:Signature`, `Filter="intersect">/descendant::FatturaElettronicaBody`, 1)
	})
	return []attack{
		{name: "changed amount", doc: must("amount", signed, "122.00", "922.00"), want: verify.HashFailure, xmlsecFails: true},
		{name: "changed amount, SdI shape", doc: must("amount", sdi, "122.00", "922.00"), want: verify.HashFailure, xmlsecFails: true},
		{name: "duplicated Id (wrapping)", doc: must("dup", signed, "</ds:Signature>", `<ds:Object><xades:SignedProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Id="Signature1-SignedProperties"/></ds:Object></ds:Signature>`), want: verify.FormatFailure, xmlsecFails: true},
		{name: "moved Id (wrapping)", doc: movedID(t, sdi), want: verify.HashFailure, xmlsecFails: true},
		{name: "SignedProperties not referenced", doc: unref, want: verify.FormatFailure, why: "xmlsec1 checks XML-DSig only: the signature and its remaining references are intact"},
		{name: "KeyInfo certificate swapped", doc: must("cert", signed, mineB64, otherB64), want: verify.NoSigningCertificateFound, xmlsecFails: true},
		{name: "KeyInfo certificate swapped, signed KeyInfo", doc: must("cert", sdi, mineB64, otherB64), want: verify.SigCryptoFailure, xmlsecFails: true},
		{name: "unsupported transform (XSLT)", doc: unsupported, want: verify.SignedDataNotFound, xmlsecFails: true},
		// The digest is still the one of the whole document: xmlsec1
		// evaluates intersect and finds another digest (HASH_FAILURE);
		// firma does not evaluate intersect and says INDETERMINATE
		// rather than guess.
		{name: "unsupported filter (intersect)", doc: intersect, want: verify.SignedDataNotFound, xmlsecFails: true},
		{name: "signature value changed", doc: must("sv", signed, `-SignatureValue">`, `-SignatureValue">AAAA`), want: verify.SigCryptoFailure, xmlsecFails: true},
	}
}

func b64Cert(c *x509.Certificate) string {
	return encodeB64(c.Raw)
}

// movedID moves the Id of the signed KeyInfo to a copy elsewhere, the
// classic wrapping: the reference now finds the copy.
func movedID(t testing.TB, s string) string {
	i := strings.Index(s, `<ds:KeyInfo Id="Signature1-KeyInfo">`)
	j := strings.Index(s, `</ds:KeyInfo>`) + len(`</ds:KeyInfo>`)
	ki := s[i:j]
	copyKI := strings.Replace(ki, "<ds:KeyInfo ", `<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#" `, 1)
	out := strings.Replace(s, ki, strings.Replace(ki, `Id="Signature1-KeyInfo"`, `Id="elsewhere"`, 1), 1)
	out = strings.Replace(out, "<FatturaElettronicaBody>", "<FatturaElettronicaBody><Extra>"+strings.Replace(copyKI, "MII", "MIJ", 1)+"</Extra>", 1)
	if out == s {
		t.Fatal("moved Id: no change")
	}
	return out
}

// resign edits SignedInfo with edit and signs it again with the
// signer's key (the digests stay as they were).
func resign(t testing.TB, p *pki, s string, edit func(string) string) string {
	t.Helper()
	doc := parseDoc(t, edit(s))
	sig := doc.FindElement("//Signature")
	si := dsChild(sig, "SignedInfo")
	canon, err := xmldsig.Canonicalize(si, xmldsig.ExcC14N, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := signatureValueFor(p.qualified.Key, canon)
	if err != nil {
		t.Fatal(err)
	}
	dsChild(sig, "SignatureValue").SetText(encodeB64(v))
	return string(write(t, doc))
}

func TestNoSignature(t *testing.T) {
	_, err := Verify(context.Background(), strings.NewReader(invoiceXML(100)), Options{})
	if !errors.As(err, &NoSignatureError{}) {
		t.Errorf("%v", err)
	}
	_, err = Verify(context.Background(), strings.NewReader("<a><b></a>"), Options{})
	var me *MalformedError
	if !errors.As(err, &me) {
		t.Errorf("%v", err)
	}
	_, err = Verify(context.Background(), strings.NewReader(invoiceXML(5000)), Options{MaxSize: 1000})
	var te *TooLargeError
	if !errors.As(err, &te) {
		t.Errorf("%v", err)
	}
}

// The SdI rules: what FatturaPA signatures must be, reported without
// changing the verdict of a signature that is otherwise valid.
func TestFatturaPARules(t *testing.T) {
	p := testPKI(t)
	noTime := parseDoc(t, invoiceXML(1000))
	if _, err := Sign(noTime, nil, p.qualified.Key, []*x509.Certificate{p.qualified.Cert}, SignOptions{}); err != nil {
		t.Fatal(err)
	}
	// Plain XML-DSig (xmldsig.SignEnveloped: no XAdES): the certificate
	// is not bound either.
	plain := parseDoc(t, invoiceXML(1000))
	if _, err := xmldsig.SignEnveloped(plain, p.qualified.Key, [][]byte{p.qualified.Cert.Raw}); err != nil {
		t.Fatal(err)
	}
	// A reference to a part of the invoice.
	part := parseDoc(t, strings.Replace(invoiceXML(1000), "<FatturaElettronicaBody>", `<FatturaElettronicaBody Id="body">`, 1))
	if _, err := Sign(part, nil, p.qualified.Key, []*x509.Certificate{p.qualified.Cert}, SignOptions{SigningTime: now, DocumentURI: "#body", DocumentTransforms: []string{xmldsig.ExcC14N}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		doc  []byte
		want []string
		ind  verify.Indication
	}{
		{"no signing time", write(t, noTime), []string{"no_signing_time"}, verify.TotalPassed},
		{"plain XML-DSig", write(t, plain), []string{"not_xades", "no_signing_time"}, verify.Indeterminate},
		{"part of the invoice", write(t, part), []string{"reference_uri"}, verify.TotalPassed},
	} {
		rep := verifyBytes(t, tc.doc, Options{})
		s := rep.AllSignatures()[0]
		if strings.Join(s.XML.FatturaPA, ",") != strings.Join(tc.want, ",") || rep.Indication != tc.ind || len(checksOf(s, "fatturapa")) != 1 || checksOf(s, "fatturapa")[0].Status != verify.StatusWarning {
			t.Errorf("%s: %v %s\n%s", tc.name, s.XML.FatturaPA, rep.Indication, describe(rep))
		}
		if rep.XML.WholeSigned != (tc.name != "part of the invoice") {
			t.Errorf("%s: whole document signed: %v", tc.name, rep.XML.WholeSigned)
		}
	}
}

// An SdI receipt is not an invoice: the FatturaPA rules do not apply.
func TestSdIReceipt(t *testing.T) {
	p := testPKI(t)
	rc := `<?xml version="1.0" encoding="UTF-8"?><ns3:RicevutaConsegna xmlns:ns3="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/messaggi/v1.0" versione="1.0"><IdentificativoSdI>111</IdentificativoSdI><NomeFile>IT01234567890_00001.xml</NomeFile><DataOraRicezione>2026-03-01T10:00:00.000+01:00</DataOraRicezione></ns3:RicevutaConsegna>`
	doc := parseDoc(t, rc)
	if _, err := Sign(doc, nil, p.qualified.Key, []*x509.Certificate{p.qualified.Cert}, SignOptions{SigningTime: now, Binding: "key_info", DocumentTransforms: []string{FilterSubtract}}); err != nil {
		t.Fatal(err)
	}
	rep := verifyBytes(t, write(t, doc), Options{})
	if rep.Indication != verify.TotalPassed || rep.XML.Kind != "sdi_receipt" || len(checksOf(rep.AllSignatures()[0], "fatturapa")) != 0 {
		t.Errorf("%+v\n%s", rep.XML, describe(rep))
	}
}
