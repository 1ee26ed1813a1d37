package pades

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/pdf/pdftest"
	"github.com/firma-dev/firma/sign"
)

// FuzzVerify: any bytes get a report or an error, never a panic or a
// hang, seeded with a signed PDF (ECDSA key made here, no test PKI).
func FuzzVerify(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fuzz"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageContentCommitment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		f.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	s, err := sign.New(key, cert, sign.Options{PAdES: true, AllowAnyCertificate: true})
	if err != nil {
		f.Fatal(err)
	}
	in := pdftest.Doc(1)
	pl, err := Prepare(bytes.NewReader(in), int64(len(in)), SignOptions{Reserve: 2048})
	if err != nil {
		f.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := pl.Sign(context.Background(), s, &out, nil); err != nil {
		f.Fatal(err)
	}
	f.Add(out.Bytes())
	f.Add(in)
	f.Fuzz(func(t *testing.T, b []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		Verify(ctx, bytes.NewReader(b), int64(len(b)), VerifyOptions{})
	})
}
