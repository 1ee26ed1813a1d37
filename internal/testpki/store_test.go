package testpki

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEnsureLocalStore(t *testing.T) {
	if _, err := FindSoftHSM(); err != nil || !cgoEnabled {
		t.Skip("needs SoftHSM2 and a cgo build")
	}
	dir := filepath.Join(t.TempDir(), "store")
	s, err := EnsureLocalStore(dir, "firma-unit", true)
	if err != nil || !s.Created {
		t.Fatalf("first call: %v %+v", err, s)
	}
	for _, f := range []string{"env", "ca.pem", "cert.pem", "key.pem", "pin", "puk", "key-id", "softhsm/softhsm2.conf"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	env, _ := os.ReadFile(filepath.Join(dir, "env"))
	if !strings.Contains(string(env), "SOFTHSM2_CONF="+filepath.Join(dir, "softhsm", "softhsm2.conf")) {
		t.Errorf("env %q", env)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "cert.pem"))
	blk, _ := pem.Decode(b)
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if cert.KeyUsage != x509.KeyUsageContentCommitment || time.Until(cert.NotAfter) < 699*Day {
		t.Errorf("signer certificate: usage %v, expires %v", cert.KeyUsage, cert.NotAfter)
	}
	again, err := EnsureLocalStore(dir, "firma-unit", true)
	if err != nil || again.Created {
		t.Fatalf("second call must reuse the store: %v %+v", err, again)
	}
	b2, _ := os.ReadFile(filepath.Join(dir, "cert.pem"))
	if string(b) != string(b2) {
		t.Error("the store was remade")
	}
}
