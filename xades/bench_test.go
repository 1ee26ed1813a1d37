package xades

import (
	"bytes"
	"context"
	"testing"

	"github.com/firma-dev/firma/verify"
)

// BenchmarkVerify20MiB: a 20 MiB FatturaPA (attachments inside) signed
// as the SdI signs (XPath Filter 2.0 subtract) verifies whole: no
// traversal cap, memory a few times the input (see allocs/op and B/op;
// no wall-clock assertion).
func BenchmarkVerify20MiB(b *testing.B) {
	p := testPKI(b)
	signed := signInvoice(b, invoiceXML(20<<20), p.qualified, SignOptions{DocumentTransforms: []string{FilterSubtract}})
	trust := p.trust()
	b.SetBytes(int64(len(signed)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rep, err := Verify(context.Background(), bytes.NewReader(signed), Options{Options: verify.Options{Trust: trust}})
		if err != nil || rep.Indication != verify.TotalPassed {
			b.Fatalf("%v %v", err, rep)
		}
	}
}
