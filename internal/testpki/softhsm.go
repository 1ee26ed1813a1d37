package testpki

import (
	"crypto/x509"
	"errors"
	"os"
)

// SoftHSMModules are the places Debian and other distributions install
// SoftHSM2's PKCS#11 module.
var SoftHSMModules = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
	"/opt/homebrew/lib/softhsm/libsofthsm2.so",
}

// ErrNoSoftHSM means SoftHSM2 is not installed.
var ErrNoSoftHSM = errors.New("SoftHSM2 is not installed (apt-get install softhsm2)")

// FindSoftHSM returns the path of the SoftHSM2 module.
func FindSoftHSM() (string, error) {
	for _, p := range SoftHSMModules {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrNoSoftHSM
}

// Token is a SoftHSM token to create.
type Token struct {
	Label string
	PIN   string
	SOPIN string
	// Identities are stored as private key, public key and certificate
	// objects sharing CKA_ID and CKA_LABEL.
	Identities []*Identity
	// Authorities are stored as CA certificate objects (the chain).
	Authorities []*x509.Certificate
}

// SoftHSM is a provisioned SoftHSM2 store.
type SoftHSM struct {
	Dir    string
	Conf   string
	Module string
}

// Env returns the environment a process needs to see the store.
func (s *SoftHSM) Env() []string {
	return []string{"SOFTHSM2_CONF=" + s.Conf}
}
