// Package testpki makes the test PKI firma's tests and demo run on: a test
// qualified CA, signer certificates with the Italian qualified profile
// (AgID, ETSI EN 319 412-2/-5), a CNS authentication certificate, and the
// validity and key-type variants the tests need. Provision loads them into a
// fresh SoftHSM2 token store in a temporary directory.
//
// Everything here is for tests and the demo: the keys are generated in
// software and the CA is called "TEST" everywhere, so nothing made here can
// be mistaken for a real qualified certificate.
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"time"

	"github.com/firma-dev/firma/certinfo"
)

// KeyType selects the key algorithm of an identity.
type KeyType int

const (
	RSA2048 KeyType = iota
	ECP256
	RSA4096
	ECP384
)

// Kind selects the certificate profile.
type Kind int

const (
	// Signature is a qualified signature certificate (nonRepudiation only).
	Signature Kind = iota
	// CNS is a Carta Nazionale dei Servizi authentication certificate.
	CNS
)

// Test holder data: a fictional doctor with a codice fiscale whose check
// character is valid.
const (
	GivenName  = "MARIO"
	Surname    = "ROSSI"
	FiscalCode = "RSSMRA80A01H501U"
	DNQual     = "TEST20261129"
)

// Day is 24 hours.
const Day = 24 * time.Hour

// CA is a test certification authority.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	next int64
}

// Identity is a certificate with its private key.
type Identity struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// Label and ID are the PKCS#11 CKA_LABEL and CKA_ID the objects get.
	Label string
	ID    []byte
}

// Spec describes a certificate to issue.
type Spec struct {
	Kind      Kind
	KeyType   KeyType
	NotBefore time.Time
	NotAfter  time.Time
	// Label and ID for the token objects; defaults from Kind.
	Label string
	ID    []byte
	// CommonName overrides the default subject CN; GivenName and Surname
	// the holder's names (signature certificates).
	CommonName string
	GivenName  string
	Surname    string
	// KeyUsage overrides the profile's key usage when not zero.
	KeyUsage x509.KeyUsage
	// OCSPServer overrides the OCSP address (default under .invalid,
	// which no test reaches): a test that runs a responder puts its URL
	// here.
	OCSPServer string
}

// NewCA makes a test qualified CA valid from 5 years before now to 10 years after.
func NewCA(now time.Time) (*CA, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject: pkix.Name{
			Country:            []string{"IT"},
			Organization:       []string{"Firma Test Trust Services S.p.A."},
			OrganizationalUnit: []string{"Qualified Certification Authority"},
			CommonName:         "Firma TEST Qualified CA",
			ExtraNames: []pkix.AttributeTypeAndValue{
				{Type: asn1.ObjectIdentifier{2, 5, 4, 97}, Value: "VATIT-00000000000"},
			},
		},
		NotBefore:             now.Add(-5 * 365 * Day),
		NotAfter:              now.Add(10 * 365 * Day),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          keyID(&key.PublicKey),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key, next: 0x1000}, nil
}

// Issue makes a certificate and key per spec.
func (ca *CA) Issue(spec Spec) (*Identity, error) {
	key, err := newKey(spec.KeyType)
	if err != nil {
		return nil, err
	}
	return ca.IssueFor(spec, key)
}

// IssueFor makes a certificate per spec for an existing key.
func (ca *CA) IssueFor(spec Spec, key crypto.Signer) (*Identity, error) {
	ca.next++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(ca.next),
		NotBefore:    spec.NotBefore,
		NotAfter:     spec.NotAfter,
		SubjectKeyId: keyID(key.Public()),
		OCSPServer:   []string{"http://ocsp.firma-test.invalid"},
		IssuingCertificateURL: []string{
			"http://ca.firma-test.invalid/ca.crt",
		},
		CRLDistributionPoints: []string{"http://crl.firma-test.invalid/qca.crl"},
	}
	if spec.OCSPServer != "" {
		tmpl.OCSPServer = []string{spec.OCSPServer}
	}
	id := &Identity{Key: key, Label: spec.Label, ID: spec.ID}
	switch spec.Kind {
	case Signature:
		given, surname := GivenName, Surname
		if spec.GivenName != "" {
			given = spec.GivenName
		}
		if spec.Surname != "" {
			surname = spec.Surname
		}
		tmpl.Subject = pkix.Name{
			Country:      []string{"IT"},
			CommonName:   surname + " " + given,
			SerialNumber: "TINIT-" + FiscalCode,
			ExtraNames: []pkix.AttributeTypeAndValue{
				{Type: certinfo.OIDGivenName, Value: given},
				{Type: certinfo.OIDSurname, Value: surname},
				{Type: certinfo.OIDDNQualifier, Value: DNQual},
				{Type: certinfo.OIDTitle, Value: "Medico Chirurgo"},
			},
		}
		tmpl.KeyUsage = x509.KeyUsageContentCommitment
		tmpl.Policies = policies(certinfo.OIDPolicyAgIDCert, certinfo.OIDPolicyQCPnQSCD)
		qc, err := qcStatements()
		if err != nil {
			return nil, err
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, qc)
		if id.Label == "" {
			id.Label = "Firma qualificata"
		}
		if id.ID == nil {
			id.ID = []byte{0x02}
		}
	case CNS:
		tmpl.Subject = pkix.Name{
			Country:      []string{"IT"},
			Organization: []string{"Ministero della Salute"},
			CommonName:   FiscalCode + "/7420000000000001.TEST",
			SerialNumber: "TINIT-" + FiscalCode,
			ExtraNames: []pkix.AttributeTypeAndValue{
				{Type: certinfo.OIDGivenName, Value: GivenName},
				{Type: certinfo.OIDSurname, Value: Surname},
				{Type: certinfo.OIDDNQualifier, Value: "7420000000000001.TEST"},
			},
		}
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		tmpl.Policies = policies(certinfo.OIDPolicyCNS)
		if id.Label == "" {
			id.Label = "CNS0"
		}
		if id.ID == nil {
			id.ID = []byte{0x01}
		}
	}
	if spec.CommonName != "" {
		tmpl.Subject.CommonName = spec.CommonName
	}
	if spec.KeyUsage != 0 {
		tmpl.KeyUsage = spec.KeyUsage
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, err
	}
	id.Cert, err = x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return id, nil
}

// policies converts OIDs for x509.Certificate.Policies, the field
// CreateCertificate encodes (PolicyIdentifiers is ignored since Go 1.24).
func policies(oids ...asn1.ObjectIdentifier) []x509.OID {
	out := make([]x509.OID, 0, len(oids))
	for _, o := range oids {
		ints := make([]uint64, len(o))
		for i, v := range o {
			ints[i] = uint64(v)
		}
		oid, err := x509.OIDFromInts(ints)
		if err != nil {
			panic(err) // constant OIDs: cannot happen
		}
		out = append(out, oid)
	}
	return out
}

func newKey(kt KeyType) (crypto.Signer, error) {
	switch kt {
	case ECP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case RSA4096:
		return rsa.GenerateKey(rand.Reader, 4096)
	default:
		return rsa.GenerateKey(rand.Reader, 2048)
	}
}

// qcStatements builds the QCStatements extension of an EU qualified
// signature certificate on a QSCD (ETSI EN 319 412-5).
func qcStatements() (pkix.Extension, error) {
	type statement struct {
		ID   asn1.ObjectIdentifier
		Info asn1.RawValue `asn1:"optional"`
	}
	types, err := asn1.Marshal([]asn1.ObjectIdentifier{certinfo.OIDQcTypeESign})
	if err != nil {
		return pkix.Extension{}, err
	}
	type pds struct {
		URL      string `asn1:"ia5"`
		Language string `asn1:"printable"`
	}
	pdsDER, err := asn1.Marshal([]pds{{URL: "https://firma-test.invalid/pds_en.pdf", Language: "en"}})
	if err != nil {
		return pkix.Extension{}, err
	}
	val, err := asn1.Marshal([]statement{
		{ID: certinfo.OIDQcCompliance},
		{ID: certinfo.OIDQcSSCD},
		{ID: certinfo.OIDQcType, Info: asn1.RawValue{FullBytes: types}},
		{ID: certinfo.OIDQcPDS, Info: asn1.RawValue{FullBytes: pdsDER}},
	})
	if err != nil {
		return pkix.Extension{}, err
	}
	return pkix.Extension{Id: certinfo.OIDQCStatements, Value: val}, nil
}

func keyID(pub crypto.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil
	}
	sum := sha1.Sum(der)
	return sum[:]
}

// CertPEM returns cert in PEM form.
func CertPEM(cert *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
}

// KeyPEM returns key as a PKCS#8 PEM block.
func KeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// Validity returns a 3-year validity period that ends at notAfter.
func Validity(notAfter time.Time) (time.Time, time.Time) {
	return notAfter.AddDate(-3, 0, 0), notAfter
}

// Variants are the named validity and key variants the tests use. Each
// ends half a day past a whole number of days, so that a day count
// computed a few seconds after issuing is stable.
func Variants(now time.Time) map[string]Spec {
	half := 12 * time.Hour
	mk := func(kt KeyType, notAfter time.Time) Spec {
		nb, na := Validity(notAfter)
		return Spec{Kind: Signature, KeyType: kt, NotBefore: nb, NotAfter: na}
	}
	notYet := mk(RSA2048, now.Add(3*365*Day+10*Day+half))
	notYet.NotBefore = now.Add(10*Day + half)
	return map[string]Spec{
		"valid":   mk(RSA2048, now.Add(700*Day+half)),
		"exp75":   mk(RSA2048, now.Add(75*Day+half)),
		"exp45":   mk(RSA2048, now.Add(45*Day+half)),
		"expired": mk(RSA2048, now.Add(-10*Day-half)),
		"notyet":  notYet,
		"ecdsa":   mk(ECP256, now.Add(700*Day+half)),
	}
}

// String describes an identity for test logs.
func (id *Identity) String() string {
	return fmt.Sprintf("%s (%s)", id.Cert.Subject.CommonName, id.Label)
}
