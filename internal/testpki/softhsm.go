package testpki

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// Clone copies the store's tokens into dir and returns a store of its own
// there, with the same module. SoftHSM rewrites a token's files on every
// login, and a process that lists the tokens while another rewrites one
// may miss it; tests that run side by side each take a clone.
func (s *SoftHSM) Clone(dir string) (*SoftHSM, error) {
	src := filepath.Join(s.Dir, "tokens")
	dst := filepath.Join(dir, "tokens")
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
	if err != nil {
		return nil, fmt.Errorf("clone SoftHSM store: %w", err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.WriteFile(conf, []byte(confBody(dst)), 0o600); err != nil {
		return nil, err
	}
	return &SoftHSM{Dir: dir, Conf: conf, Module: s.Module}, nil
}

// confBody is a softhsm2.conf for a store whose tokens live in tokDir.
func confBody(tokDir string) string {
	return fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", tokDir)
}
