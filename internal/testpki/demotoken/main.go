// Command demotoken creates the demo SoftHSM token that `make demo` uses:
// a fictional doctor's qualified signature certificate and CNS
// authentication certificate from a test CA, in a local folder. It is
// idempotent: an existing demo store is kept as it is.
//
//	go run ./internal/testpki/demotoken -dir .demo
package main

import (
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/firma-dev/firma/internal/testpki"
)

// Label is the demo token's label.
const Label = "firma-demo"

func main() {
	dir := flag.String("dir", ".demo", "folder for the demo store")
	flag.Parse()
	if err := run(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "demotoken:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	envFile := filepath.Join(abs, "env")
	if _, err := os.Stat(envFile); err == nil {
		fmt.Printf("demo token already in %s\n", abs)
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
	cns, err := ca.Issue(testpki.Spec{Kind: testpki.CNS, NotBefore: nb, NotAfter: na})
	if err != nil {
		return err
	}
	store, err := testpki.Provision(filepath.Join(abs, "softhsm"), []testpki.Token{{
		Label: Label, PIN: testpki.PIN, SOPIN: testpki.SOPIN,
		Identities:  []*testpki.Identity{cns, signer},
		Authorities: []*x509.Certificate{ca.Cert},
	}})
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"ca.pem": testpki.CertPEM(ca.Cert),
		"pin":    []byte(testpki.PIN + "\n"),
		"puk":    []byte(testpki.SOPIN + "\n"),
		"env":    []byte(fmt.Sprintf("SOFTHSM2_CONF=%s\nFIRMA_PKCS11_MODULE=%s\n", store.Conf, store.Module)),
		"README": []byte("Demo SoftHSM token made by `make demo`: test certificates only, not a real signature.\n"),
	}
	// env last: its presence marks a complete store.
	for _, name := range []string{"ca.pem", "pin", "puk", "README", "env"} {
		if err := os.WriteFile(filepath.Join(abs, name), files[name], 0o600); err != nil {
			return err
		}
	}
	fmt.Printf("demo token %q created in %s\n", Label, abs)
	return nil
}
