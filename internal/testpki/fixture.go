package testpki

import (
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// The test tokens' secrets. They are distinctive on purpose: tests grep
// every output for them to prove a PIN never leaks.
const (
	PIN   = "48151623"
	SOPIN = "27182818"
)

// Label of the main test token (signature + CNS certificates + CA chain).
const MainToken = "firma-test"

// Fixture is the standard test world: a CA and a SoftHSM store with one
// token per variant.
type Fixture struct {
	*SoftHSM
	CA *CA
	// CAFile is the CA certificate in PEM, for openssl and --trust.
	CAFile string
	// Signer and CNS are the identities on MainToken.
	Signer *Identity
	CNS    *Identity
	// Variants maps a variant name (see Variants) to its identity; its
	// token is labelled "firma-<name>" ("valid" is on MainToken).
	Variants map[string]*Identity
}

// TokenLabel returns the label of the token holding variant name.
func TokenLabel(variant string) string {
	if variant == "valid" {
		return MainToken
	}
	return "firma-" + variant
}

// CNSOnlyToken is a token holding only a CNS authentication certificate.
const CNSOnlyToken = "firma-cnsonly"

// NewFixture builds the standard fixture under dir, with validity periods
// relative to now. It provisions SoftHSM (see Provision).
func NewFixture(dir string, now time.Time) (*Fixture, error) {
	ca, err := NewCA(now)
	if err != nil {
		return nil, err
	}
	f := &Fixture{CA: ca, Variants: map[string]*Identity{}}
	var tokens []Token
	specs := Variants(now)
	names := make([]string, 0, len(specs))
	for name := range specs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		id, err := ca.Issue(specs[name])
		if err != nil {
			return nil, fmt.Errorf("variant %s: %w", name, err)
		}
		f.Variants[name] = id
		if name == "valid" {
			continue
		}
		tokens = append(tokens, Token{Label: TokenLabel(name), PIN: PIN, SOPIN: SOPIN, Identities: []*Identity{id}})
	}
	f.Signer = f.Variants["valid"]
	nb, na := Validity(now.Add(700*Day + 12*time.Hour))
	f.CNS, err = ca.Issue(Spec{Kind: CNS, NotBefore: nb, NotAfter: na})
	if err != nil {
		return nil, err
	}
	// The CNS identity comes first so that code picking "the first
	// certificate" gets the wrong one.
	tokens = append(tokens,
		Token{Label: MainToken, PIN: PIN, SOPIN: SOPIN, Identities: []*Identity{f.CNS, f.Signer}, Authorities: []*x509.Certificate{ca.Cert}},
		Token{Label: CNSOnlyToken, PIN: PIN, SOPIN: SOPIN, Identities: []*Identity{f.CNS}},
	)
	f.SoftHSM, err = Provision(filepath.Join(dir, "softhsm"), tokens)
	if err != nil {
		return nil, err
	}
	f.CAFile = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(f.CAFile, CertPEM(ca.Cert), 0o644); err != nil {
		return nil, err
	}
	for name, id := range f.Variants {
		if err := os.WriteFile(filepath.Join(dir, name+".pem"), CertPEM(id.Cert), 0o644); err != nil {
			return nil, err
		}
	}
	return f, nil
}
