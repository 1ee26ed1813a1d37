package xades

import (
	"bytes"
	"context"
	"crypto/x509"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/firma-dev/firma/verify"
)

// maxFuzzInput keeps each run's memory small: work is linear in the
// input.
const maxFuzzInput = 64 << 10

// FuzzVerify: any input gives an error or a report, never a panic, in
// memory bounded by MaxSize; a document offered for extraction comes
// with its digest.
//
// The seeds are in testdata/fuzz/FuzzVerify (a XAdES-T invoice, the SdI
// shape, a counter-signed invoice, made by TestWriteFuzzSeeds): making
// them here would generate the test PKI in every fuzz worker, which
// under coverage instrumentation takes minutes.
func FuzzVerify(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		rep, err := Verify(context.Background(), bytes.NewReader(in), Options{Options: verify.Options{Trust: verify.NewTrustStore(), Extract: &out}, MaxSize: maxFuzzInput})
		if err != nil {
			return
		}
		if len(rep.AllSignatures()) == 0 && rep.Layers[0].Error.IsZero() {
			t.Fatal("a report without signatures")
		}
		if rep.XML.WholeSigned != (rep.Content != nil) || (rep.Content != nil && int64(out.Len()) != rep.Content.Length) {
			t.Fatalf("extraction %+v %+v, %d bytes written", rep.XML, rep.Content, out.Len())
		}
	})
}

var writeSeeds = flag.Bool("write-fuzz-seeds", false, "rewrite testdata/fuzz/FuzzVerify")

// TestWriteFuzzSeeds writes FuzzVerify's seeds when asked
// (go test ./xades -run TestWriteFuzzSeeds -write-fuzz-seeds).
func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeSeeds {
		t.Skip("seeds are rewritten with -write-fuzz-seeds")
	}
	p := testPKI(t)
	signed := signInvoice(t, invoiceXML(1500), p.qualified, SignOptions{Timestamp: p.timestamper(t)})
	doc := parseDoc(t, string(signed))
	if _, err := CounterSign(doc, doc.FindElement("//Signature"), p.ec.Key, []*x509.Certificate{p.ec.Cert}, SignOptions{SigningTime: now}); err != nil {
		t.Fatal(err)
	}
	seeds := map[string][]byte{
		"xades-t":        signed,
		"sdi":            signInvoice(t, invoiceXML(1000), p.ec, SignOptions{Binding: "key_info", DocumentTransforms: []string{FilterSubtract}}),
		"counter-signed": write(t, doc),
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzVerify")
	os.MkdirAll(dir, 0o755)
	for name, b := range seeds {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("go test fuzz v1\n[]byte("+strconv.Quote(string(b))+")\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
