package testpki

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// LocalStore is a one-token SoftHSM store kept in a folder across runs,
// for `make demo` and `make bench`. Its files, besides the SoftHSM store:
//
//	env      SOFTHSM2_CONF=... and FIRMA_PKCS11_MODULE=... (written last:
//	         its presence marks a complete store)
//	ca.pem   the test CA; cert.pem and key.pem the signer (key.pem is the
//	         software copy of the token key, for openssl as a peer)
//	pin, puk the test PIN and PUK; key-id the signer's CKA_ID in hex
type LocalStore struct {
	Dir string
	// Created is false when an existing store was reused.
	Created bool
}

// EnsureLocalStore creates the store in dir unless it is already there.
// The token holds a qualified signer certificate valid for 700 more days,
// its CA, and with withCNS a CNS authentication certificate too.
func EnsureLocalStore(dir, label string, withCNS bool) (*LocalStore, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(abs, "env")); err == nil {
		return &LocalStore{Dir: abs}, nil
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, err
	}
	now := time.Now()
	ca, err := NewCA(now)
	if err != nil {
		return nil, err
	}
	nb, na := Validity(now.Add(700*Day + 12*time.Hour))
	signer, err := ca.Issue(Spec{Kind: Signature, NotBefore: nb, NotAfter: na})
	if err != nil {
		return nil, err
	}
	ids := []*Identity{signer}
	if withCNS {
		cns, err := ca.Issue(Spec{Kind: CNS, NotBefore: nb, NotAfter: na})
		if err != nil {
			return nil, err
		}
		ids = []*Identity{cns, signer}
	}
	store, err := Provision(filepath.Join(abs, "softhsm"), []Token{{
		Label: label, PIN: PIN, SOPIN: SOPIN, Identities: ids,
		Authorities: []*x509.Certificate{ca.Cert},
	}})
	if err != nil {
		return nil, err
	}
	key, err := KeyPEM(signer.Key)
	if err != nil {
		return nil, err
	}
	files := []struct {
		name string
		data []byte
	}{
		{"ca.pem", CertPEM(ca.Cert)},
		{"cert.pem", CertPEM(signer.Cert)},
		{"key.pem", key},
		{"pin", []byte(PIN + "\n")},
		{"puk", []byte(SOPIN + "\n")},
		{"key-id", []byte(fmt.Sprintf("%x\n", signer.ID))},
		{"README", []byte("A SoftHSM token with test certificates only: nothing here is a real signature.\n")},
		{"env", []byte(fmt.Sprintf("SOFTHSM2_CONF=%s\nFIRMA_PKCS11_MODULE=%s\n", store.Conf, store.Module))},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(abs, f.name), f.data, 0o600); err != nil {
			return nil, err
		}
	}
	return &LocalStore{Dir: abs, Created: true}, nil
}
