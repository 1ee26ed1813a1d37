package sign_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"log"
	"math/big"
	"time"

	"github.com/firma-dev/firma/sign"
	"github.com/firma-dev/firma/verify"
)

// Another program signs a document with a software key (any
// crypto.Signer: a token's key works the same way) and checks the .p7m
// in memory, trusting the signer's certificate by value.
func Example() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	// A signature certificate carries the nonRepudiation key usage.
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "ROSSI MARIO", Country: []string{"IT"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		log.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		log.Fatal(err)
	}

	s, err := sign.New(key, cert, sign.Options{})
	if err != nil {
		log.Fatal(err)
	}
	var p7m bytes.Buffer
	res, err := s.Attached(context.Background(), bytes.NewReader([]byte("referto\n")), &p7m)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("signed", res.Size, "bytes with", res.Hash)

	trust := verify.NewTrustStore()
	trust.AddCertificates("the signer's own certificate", cert)
	var doc bytes.Buffer
	rep, err := verify.Verify(context.Background(), &p7m, verify.Options{Trust: trust, Extract: &doc})
	if err != nil {
		log.Fatal(err)
	}
	sig := rep.Layers[0].Signatures[0]
	fmt.Println(rep.Indication, sig.Profile, sig.Signer.Holder.CommonName)
	fmt.Printf("%q\n", doc.String())
	// Output:
	// signed 8 bytes with SHA-256
	// TOTAL_PASSED CAdES-B-B ROSSI MARIO
	// "referto\n"
}
