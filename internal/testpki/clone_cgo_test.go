//go:build cgo

package testpki

import (
	"os"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"
)

// TestClone proves a clone holds the same tokens and is independent: a PIN
// changed in the clone leaves the original untouched.
func TestClone(t *testing.T) {
	if _, err := FindSoftHSM(); err != nil {
		t.Skip(err)
	}
	t.Setenv("SOFTHSM2_CONF", "")
	orig, err := Provision(t.TempDir(), []Token{{Label: "clone-a", PIN: PIN, SOPIN: SOPIN}, {Label: "clone-b", PIN: PIN, SOPIN: SOPIN}})
	if err != nil {
		t.Fatal(err)
	}
	cloneDir := t.TempDir()
	clone, err := orig.Clone(cloneDir)
	if err != nil {
		t.Fatal(err)
	}
	conf, _ := os.ReadFile(clone.Conf)
	if !strings.Contains(string(conf), "directories.tokendir = "+cloneDir) {
		t.Fatalf("clone's conf points elsewhere:\n%s", conf)
	}

	// change clone-a's PIN in the clone
	withToken(t, clone, "clone-a", func(p *pkcs11.Ctx, s pkcs11.SessionHandle) {
		if err := p.Login(s, pkcs11.CKU_USER, PIN); err != nil {
			t.Fatalf("login on the clone: %v", err)
		}
		if err := p.SetPIN(s, PIN, "97531864"); err != nil {
			t.Fatalf("set PIN on the clone: %v", err)
		}
	})
	withToken(t, orig, "clone-a", func(p *pkcs11.Ctx, s pkcs11.SessionHandle) {
		if err := p.Login(s, pkcs11.CKU_USER, PIN); err != nil {
			t.Fatalf("the original lost its PIN: %v", err)
		}
	})
	withToken(t, clone, "clone-b", func(p *pkcs11.Ctx, s pkcs11.SessionHandle) {})
}

// withToken opens a read-write session on the token labelled label in
// store s and runs f; it fails the test when the token is not there.
func withToken(t *testing.T, s *SoftHSM, label string, f func(*pkcs11.Ctx, pkcs11.SessionHandle)) {
	t.Helper()
	t.Setenv("SOFTHSM2_CONF", s.Conf)
	p := pkcs11.New(s.Module)
	if p == nil {
		t.Fatalf("cannot load %s", s.Module)
	}
	defer p.Destroy()
	if err := p.Initialize(); err != nil {
		t.Fatal(err)
	}
	defer p.Finalize()
	slots, err := p.GetSlotList(true)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, slot := range slots {
		ti, err := p.GetTokenInfo(slot)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, ti.Label)
		if ti.Label != label {
			continue
		}
		sess, err := p.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
		if err != nil {
			t.Fatal(err)
		}
		defer p.CloseSession(sess)
		f(p, sess)
		return
	}
	t.Fatalf("token %q not in %s (seen %q)", label, s.Conf, seen)
}
