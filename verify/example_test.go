package verify_test

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
	"strings"
	"time"

	"github.com/firma-dev/firma/sign"
	"github.com/firma-dev/firma/verify"
)

// Another program checks a detached signature (.p7s) against its
// document, in memory: the anchors are certificates given by value, the
// result is data (indications, sub-indications, each check by name).
func ExampleVerify() {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "BIANCHI ANNA"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		log.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	s, err := sign.New(key, cert, sign.Options{})
	if err != nil {
		log.Fatal(err)
	}
	document := "fattura n. 1\n"
	var p7s bytes.Buffer
	if _, err := s.Detached(context.Background(), strings.NewReader(document), &p7s); err != nil {
		log.Fatal(err)
	}

	trust := verify.NewTrustStore()
	trust.AddCertificates("example", cert)
	for _, content := range []string{document, "fattura n. 2\n"} {
		rep, err := verify.Verify(context.Background(), bytes.NewReader(p7s.Bytes()), verify.Options{
			Trust:   trust,
			Content: strings.NewReader(content),
		})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(strings.TrimSpace(string(rep.Indication) + " " + string(rep.SubIndication)))
		for _, c := range rep.Layers[0].Signatures[0].Checks {
			if c.Name == "message_digest" {
				fmt.Println("  message_digest:", c.Status)
			}
		}
	}
	// Output:
	// TOTAL_PASSED
	//   message_digest: passed
	// TOTAL_FAILED HASH_FAILURE
	//   message_digest: failed
}
