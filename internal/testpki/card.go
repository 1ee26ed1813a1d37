package testpki

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/firma-dev/firma/internal/vcard"
)

// CardSerial is the serial (EF_IDCarta) of the virtual CNS cards.
const CardSerial = "7420000000000001"

// CardPKI is what a virtual CNS card holds: a CNS authentication identity
// (CNS0) and a qualified signature identity (CNS1), both RSA-2048 and
// issued by CA.
type CardPKI struct {
	CA   *x509.Certificate
	Auth *Identity
	Sign *Identity
}

// IssueCard issues the two identities of a virtual CNS card, valid for
// 700 more days (renewal not due yet).
func (ca *CA) IssueCard(now time.Time) (*CardPKI, error) {
	nb, na := Validity(now.Add(700*Day + 12*time.Hour))
	auth, err := ca.Issue(Spec{Kind: CNS, NotBefore: nb, NotAfter: na, Label: "CNS0", ID: []byte{vcard.KeyRefCNS0}})
	if err != nil {
		return nil, err
	}
	sign, err := ca.Issue(Spec{Kind: Signature, NotBefore: nb, NotAfter: na, Label: "CNS1", ID: []byte{vcard.KeyRefCNS1}})
	if err != nil {
		return nil, err
	}
	return &CardPKI{CA: ca.Cert, Auth: auth, Sign: sign}, nil
}

// Contents returns what vcard.Card.LoadCNS writes on the card.
func (p *CardPKI) Contents() vcard.CNSContents {
	ak, _ := p.Auth.Key.(*rsa.PrivateKey)
	sk, _ := p.Sign.Key.(*rsa.PrivateKey)
	return vcard.CNSContents{
		Serial: CardSerial, GivenName: GivenName, Surname: Surname, FiscalCode: FiscalCode,
		AuthCert: p.Auth.Cert, AuthKey: ak, SignCert: p.Sign.Cert, SignKey: sk,
	}
}

// Card file names in a card PKI folder (EnsureCardPKI).
const (
	cardCAFile   = "ca.pem"
	cardAuthCert = "cns0.pem"
	cardAuthKey  = "cns0-key.pem"
	cardSignCert = "cns1.pem"
	cardSignKey  = "cns1-key.pem"
)

// EnsureCardPKI returns the card PKI kept in dir, making it the first
// time (for the demo's virtual card, which must keep its certificates
// across runs). The folder holds ca.pem, cns0.pem, cns1.pem and the keys.
func EnsureCardPKI(dir string) (*CardPKI, error) {
	if p, err := loadCardPKI(dir); err == nil {
		return p, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("card PKI in %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	now := time.Now()
	ca, err := NewCA(now)
	if err != nil {
		return nil, err
	}
	p, err := ca.IssueCard(now)
	if err != nil {
		return nil, err
	}
	ak, err := KeyPEM(p.Auth.Key)
	if err != nil {
		return nil, err
	}
	sk, err := KeyPEM(p.Sign.Key)
	if err != nil {
		return nil, err
	}
	// ca.pem last: its presence marks a complete folder.
	for _, f := range []struct {
		name string
		data []byte
	}{
		{cardAuthCert, CertPEM(p.Auth.Cert)}, {cardAuthKey, ak},
		{cardSignCert, CertPEM(p.Sign.Cert)}, {cardSignKey, sk},
		{cardCAFile, CertPEM(ca.Cert)},
	} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func loadCardPKI(dir string) (*CardPKI, error) {
	ca, err := readCert(filepath.Join(dir, cardCAFile))
	if err != nil {
		return nil, err
	}
	ident := func(certFile, keyFile, label string, id byte) (*Identity, error) {
		cert, err := readCert(filepath.Join(dir, certFile))
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(filepath.Join(dir, keyFile))
		if err != nil {
			return nil, err
		}
		blk, _ := pem.Decode(b)
		if blk == nil {
			return nil, fmt.Errorf("%s: no PEM block", keyFile)
		}
		k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
		if err != nil {
			return nil, err
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%s: not an RSA key", keyFile)
		}
		return &Identity{Cert: cert, Key: rk, Label: label, ID: []byte{id}}, nil
	}
	auth, err := ident(cardAuthCert, cardAuthKey, "CNS0", vcard.KeyRefCNS0)
	if err != nil {
		return nil, err
	}
	sign, err := ident(cardSignCert, cardSignKey, "CNS1", vcard.KeyRefCNS1)
	if err != nil {
		return nil, err
	}
	return &CardPKI{CA: ca, Auth: auth, Sign: sign}, nil
}

func readCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM block", filepath.Base(path))
	}
	return x509.ParseCertificate(blk.Bytes)
}
