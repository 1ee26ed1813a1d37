package xades

import (
	"bytes"
	"context"
	"crypto/x509"
	"testing"

	"github.com/firma-dev/firma/verify"
)

// maxFuzzInput keeps each run's memory small: work is linear in the
// input.
const maxFuzzInput = 64 << 10

// FuzzVerify: any input gives an error or a report, never a panic, in
// memory bounded by MaxSize; a document offered for extraction comes
// with its digest.
func FuzzVerify(f *testing.F) {
	p := testPKI(f)
	signed := signInvoice(f, invoiceXML(1500), p.qualified, SignOptions{Timestamp: p.timestamper(f)})
	f.Add(signed)
	f.Add(signInvoice(f, invoiceXML(1000), p.ec, SignOptions{Binding: "key_info", DocumentTransforms: []string{FilterSubtract}}))
	doc := parseDoc(f, string(signed))
	if _, err := CounterSign(doc, doc.FindElement("//Signature"), p.ec.Key, []*x509.Certificate{p.ec.Cert}, SignOptions{SigningTime: now}); err == nil {
		f.Add(write(f, doc))
	}
	trust := p.trust()
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		rep, err := Verify(context.Background(), bytes.NewReader(in), Options{Options: verify.Options{Trust: trust, At: now, Extract: &out}, MaxSize: maxFuzzInput})
		if err != nil {
			return
		}
		if len(rep.AllSignatures()) == 0 && rep.Layers[0].Error == "" {
			t.Fatal("a report without signatures")
		}
		if rep.XML.WholeSigned != (rep.Content != nil) || (rep.Content != nil && int64(out.Len()) != rep.Content.Length) {
			t.Fatalf("extraction %+v %+v, %d bytes written", rep.XML, rep.Content, out.Len())
		}
	})
}
