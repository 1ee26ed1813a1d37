// Command benchtool supports scripts/bench.sh (make bench):
//
//	benchtool fixture -dir DIR   provision a SoftHSM token "firma-bench" with
//	                             a test signer (RSA-2048) and write its
//	                             software key and certificates for openssl
//	benchtool sha256 FILE        the Go crypto/sha256 floor: hash a file
//
// The fixture is test material from internal/testpki: nothing it makes is
// a real certificate. It is idempotent: an existing store is reused.
package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/firma-dev/firma/internal/testpki"
)

// Token is the label of the bench token.
const Token = "firma-bench"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool fixture -dir DIR | benchtool sha256 FILE")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "fixture":
		fs := flag.NewFlagSet("fixture", flag.ExitOnError)
		dir := fs.String("dir", ".bench", "folder for the bench store")
		fs.Parse(os.Args[2:])
		err = fixture(*dir)
	case "sha256":
		if len(os.Args) != 3 {
			err = fmt.Errorf("usage: benchtool sha256 FILE")
			break
		}
		err = sum(os.Args[2])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func sum(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, f, make([]byte, 1<<20)); err != nil {
		return err
	}
	fmt.Printf("%s  %s\n", hex.EncodeToString(h.Sum(nil)), path)
	return nil
}

func fixture(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	envFile := filepath.Join(abs, "env")
	if _, err := os.Stat(envFile); err == nil {
		return nil
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return err
	}
	now := time.Now()
	ca, err := testpki.NewCA(now)
	if err != nil {
		return err
	}
	nb, na := testpki.Validity(now.Add(700*testpki.Day + 12*time.Hour))
	signer, err := ca.Issue(testpki.Spec{Kind: testpki.Signature, NotBefore: nb, NotAfter: na})
	if err != nil {
		return err
	}
	store, err := testpki.Provision(filepath.Join(abs, "softhsm"), []testpki.Token{{
		Label: Token, PIN: testpki.PIN, SOPIN: testpki.SOPIN,
		Identities:  []*testpki.Identity{signer},
		Authorities: []*x509.Certificate{ca.Cert},
	}})
	if err != nil {
		return err
	}
	key, err := testpki.KeyPEM(signer.Key)
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{
		{"ca.pem", testpki.CertPEM(ca.Cert)},
		{"cert.pem", testpki.CertPEM(signer.Cert)},
		{"key.pem", key},
		{"pin", []byte(testpki.PIN + "\n")},
		{"key-id", []byte(fmt.Sprintf("%x\n", signer.ID))},
		// env last: its presence marks a complete store.
		{"env", []byte(fmt.Sprintf("SOFTHSM2_CONF=%s\nFIRMA_PKCS11_MODULE=%s\n", store.Conf, store.Module))},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(abs, f.name), f.data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
