//go:build cgo

package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"

	"github.com/miekg/pkcs11"
)

// Provision creates a SoftHSM2 store under dir holding tokens. It sets
// SOFTHSM2_CONF in this process's environment (SoftHSM reads it at
// C_Initialize) and finalizes the module when done, so the code under test
// can load and initialize it afresh in the same process.
func Provision(dir string, tokens []Token) (*SoftHSM, error) {
	module, err := FindSoftHSM()
	if err != nil {
		return nil, err
	}
	tokDir := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(tokDir, 0o700); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	if err := os.WriteFile(conf, []byte(confBody(tokDir)), 0o600); err != nil {
		return nil, err
	}
	if err := os.Setenv("SOFTHSM2_CONF", conf); err != nil {
		return nil, err
	}
	p := pkcs11.New(module)
	if p == nil {
		return nil, fmt.Errorf("cannot load %s", module)
	}
	defer p.Destroy()
	for _, t := range tokens {
		if err := provisionToken(p, t); err != nil {
			return nil, fmt.Errorf("token %q: %w", t.Label, err)
		}
	}
	return &SoftHSM{Dir: dir, Conf: conf, Module: module}, nil
}

func provisionToken(p *pkcs11.Ctx, t Token) (err error) {
	// Each token gets its own Initialize/Finalize cycle: SoftHSM assigns
	// the final slot ID of a new token only at the next C_Initialize.
	if err := p.Initialize(); err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	defer func() {
		if ferr := p.Finalize(); err == nil && ferr != nil {
			err = ferr
		}
	}()
	slot, err := freeSlot(p)
	if err != nil {
		return err
	}
	if err := p.InitToken(slot, t.SOPIN, t.Label); err != nil {
		return fmt.Errorf("init token: %w", err)
	}
	slot, err = slotByLabel(p, t.Label)
	if err != nil {
		return err
	}
	s, err := p.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return err
	}
	defer p.CloseSession(s)
	if err := p.Login(s, pkcs11.CKU_SO, t.SOPIN); err != nil {
		return fmt.Errorf("SO login: %w", err)
	}
	if err := p.InitPIN(s, t.PIN); err != nil {
		return fmt.Errorf("init PIN: %w", err)
	}
	if err := p.Logout(s); err != nil {
		return err
	}
	if err := p.Login(s, pkcs11.CKU_USER, t.PIN); err != nil {
		return fmt.Errorf("user login: %w", err)
	}
	defer p.Logout(s)
	for _, id := range t.Identities {
		if err := storeIdentity(p, s, id); err != nil {
			return fmt.Errorf("%s: %w", id, err)
		}
	}
	for i, ca := range t.Authorities {
		attrs := certAttrs(ca, fmt.Sprintf("CA %d", i+1), nil)
		attrs = append(attrs, pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_CATEGORY, 2))
		if _, err := p.CreateObject(s, attrs); err != nil {
			return fmt.Errorf("CA certificate: %w", err)
		}
	}
	return nil
}

func freeSlot(p *pkcs11.Ctx) (uint, error) {
	slots, err := p.GetSlotList(false)
	if err != nil {
		return 0, err
	}
	for _, s := range slots {
		ti, err := p.GetTokenInfo(s)
		if err != nil {
			continue
		}
		if ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			return s, nil
		}
	}
	return 0, errors.New("no free SoftHSM slot")
}

func slotByLabel(p *pkcs11.Ctx, label string) (uint, error) {
	slots, err := p.GetSlotList(true)
	if err != nil {
		return 0, err
	}
	for _, s := range slots {
		ti, err := p.GetTokenInfo(s)
		if err == nil && ti.Label == label {
			return s, nil
		}
	}
	return 0, fmt.Errorf("token %q not found after initialisation", label)
}

func certAttrs(cert *x509.Certificate, label string, id []byte) []*pkcs11.Attribute {
	serial, _ := asn1.Marshal(cert.SerialNumber)
	attrs := []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_SUBJECT, cert.RawSubject),
		pkcs11.NewAttribute(pkcs11.CKA_ISSUER, cert.RawIssuer),
		pkcs11.NewAttribute(pkcs11.CKA_SERIAL_NUMBER, serial),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, cert.Raw),
	}
	if id != nil {
		attrs = append(attrs, pkcs11.NewAttribute(pkcs11.CKA_ID, id))
	}
	return attrs
}

func storeIdentity(p *pkcs11.Ctx, s pkcs11.SessionHandle, id *Identity) error {
	common := func(class uint) []*pkcs11.Attribute {
		return []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, id.Label),
			pkcs11.NewAttribute(pkcs11.CKA_ID, id.ID),
			pkcs11.NewAttribute(pkcs11.CKA_SUBJECT, id.Cert.RawSubject),
		}
	}
	priv := append(common(pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
	)
	pub := append(common(pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
	)
	switch k := id.Key.(type) {
	case *rsa.PrivateKey:
		e := big.NewInt(int64(k.E)).Bytes()
		priv = append(priv,
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
			pkcs11.NewAttribute(pkcs11.CKA_MODULUS, k.N.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, e),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE_EXPONENT, k.D.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_PRIME_1, k.Primes[0].Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_PRIME_2, k.Primes[1].Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_1, k.Precomputed.Dp.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_2, k.Precomputed.Dq.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_COEFFICIENT, k.Precomputed.Qinv.Bytes()),
		)
		pub = append(pub,
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
			pkcs11.NewAttribute(pkcs11.CKA_MODULUS, k.N.Bytes()),
			pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, e),
		)
	case *ecdsa.PrivateKey:
		params, err := curveParams(k.Curve)
		if err != nil {
			return err
		}
		ecdh, err := k.PublicKey.ECDH()
		if err != nil {
			return err
		}
		point, _ := asn1.Marshal(ecdh.Bytes())
		d, err := k.Bytes() // the scalar, fixed length
		if err != nil {
			return err
		}
		priv = append(priv,
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, d),
		)
		pub = append(pub,
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
			pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, point),
		)
	default:
		return fmt.Errorf("unsupported key type %T", id.Key)
	}
	if _, err := p.CreateObject(s, priv); err != nil {
		return fmt.Errorf("private key: %w", err)
	}
	if _, err := p.CreateObject(s, pub); err != nil {
		return fmt.Errorf("public key: %w", err)
	}
	if _, err := p.CreateObject(s, certAttrs(id.Cert, id.Label, id.ID)); err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	return nil
}

func curveParams(c elliptic.Curve) ([]byte, error) {
	var oid asn1.ObjectIdentifier
	switch c {
	case elliptic.P256():
		oid = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	case elliptic.P384():
		oid = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	case elliptic.P521():
		oid = asn1.ObjectIdentifier{1, 3, 132, 0, 35}
	default:
		return nil, fmt.Errorf("unsupported curve %s", c.Params().Name)
	}
	return asn1.Marshal(oid)
}

const cgoEnabled = true
