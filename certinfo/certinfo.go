// Package certinfo reads what an Italian signer needs to know from an X.509
// certificate: who holds it (name, codice fiscale), who issued it, what it is
// for (qualified signature or CNS authentication), whether it is qualified,
// and when it must be renewed.
//
// It follows the Italian qualified certificate profile (AgID, Deliberazione
// 45/2009 and its updates), ETSI EN 319 412-1/-2/-5 for the subject
// serialNumber semantics identifier ("TINIT-") and the QCStatements, and
// Aruba's renewal rules (renewal only in the last 60 days before expiry).
//
// The package only parses: it never touches hardware and never validates a
// chain (that is the verify package's job).
package certinfo

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// Object identifiers of the Italian and ETSI certificate profiles.
var (
	OIDGivenName    = asn1.ObjectIdentifier{2, 5, 4, 42}
	OIDSurname      = asn1.ObjectIdentifier{2, 5, 4, 4}
	OIDTitle        = asn1.ObjectIdentifier{2, 5, 4, 12}
	OIDDNQualifier  = asn1.ObjectIdentifier{2, 5, 4, 46}
	OIDSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}

	// OIDPolicyAgIDCert is AgID's policy for qualified signature certificates.
	OIDPolicyAgIDCert = asn1.ObjectIdentifier{1, 3, 76, 16, 6}
	// OIDPolicyCNS marks a Carta Nazionale dei Servizi authentication certificate.
	OIDPolicyCNS = asn1.ObjectIdentifier{1, 3, 76, 16, 2, 1}
	// OIDPolicyQCPnQSCD is ETSI's policy for a qualified certificate of a
	// natural person with the key in a qualified signature creation device.
	OIDPolicyQCPnQSCD = asn1.ObjectIdentifier{0, 4, 0, 194112, 1, 2}
	// OIDPolicyQCPn is the same without the QSCD.
	OIDPolicyQCPn = asn1.ObjectIdentifier{0, 4, 0, 194112, 1, 0}

	OIDQCStatements   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}
	OIDQcCompliance   = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 1}
	OIDQcLimitValue   = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 2}
	OIDQcRetention    = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 3}
	OIDQcSSCD         = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 4}
	OIDQcPDS          = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 5}
	OIDQcType         = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6}
	OIDQcTypeESign    = asn1.ObjectIdentifier{0, 4, 0, 1862, 1, 6, 1}
	OIDQcSemanticsEID = asn1.ObjectIdentifier{0, 4, 0, 194121, 1, 1}
)

// Purpose says what a certificate on an Italian card is for.
type Purpose string

const (
	// PurposeSignature is a (qualified) signature certificate: nonRepudiation.
	PurposeSignature Purpose = "signature"
	// PurposeAuthentication is a CNS or other authentication certificate.
	PurposeAuthentication Purpose = "authentication"
	// PurposeCA is a certification authority certificate.
	PurposeCA Purpose = "ca"
	// PurposeOther is anything else.
	PurposeOther Purpose = "other"
)

// Holder is the person a certificate names.
type Holder struct {
	CommonName   string `json:"common_name"`
	GivenName    string `json:"given_name,omitempty"`
	Surname      string `json:"surname,omitempty"`
	Title        string `json:"title,omitempty"`
	Organization string `json:"organization,omitempty"`
	Country      string `json:"country,omitempty"`
	// SerialNumber is the subject serialNumber attribute as written.
	SerialNumber string `json:"serial_number,omitempty"`
	// FiscalCode is the codice fiscale taken from SerialNumber
	// ("TINIT-<cf>" or the older "IT:<cf>"), empty when there is none.
	FiscalCode string `json:"fiscal_code,omitempty"`
	// FiscalCodeValid reports whether FiscalCode passes its check character.
	FiscalCodeValid bool   `json:"fiscal_code_valid,omitempty"`
	DNQualifier     string `json:"dn_qualifier,omitempty"`
}

// Name is the holder's name as a person would write it.
func (h Holder) Name() string {
	if h.GivenName != "" || h.Surname != "" {
		return strings.TrimSpace(h.GivenName + " " + h.Surname)
	}
	return h.CommonName
}

// Info is the summary of a certificate.
type Info struct {
	Subject        string    `json:"subject"`
	Holder         Holder    `json:"holder"`
	Issuer         string    `json:"issuer"`
	IssuerName     string    `json:"issuer_name"`
	SerialHex      string    `json:"serial"`
	NotBefore      time.Time `json:"not_before"`
	NotAfter       time.Time `json:"not_after"`
	KeyAlgorithm   string    `json:"key_algorithm"`
	KeyUsage       []string  `json:"key_usage"`
	Purpose        Purpose   `json:"purpose"`
	Policies       []string  `json:"policies,omitempty"`
	QCStatements   []string  `json:"qc_statements,omitempty"`
	Qualified      bool      `json:"qualified"`
	QSCD           bool      `json:"qscd"`
	OCSP           []string  `json:"ocsp,omitempty"`
	CRL            []string  `json:"crl,omitempty"`
	SHA256         string    `json:"sha256"`
	NonRepudiation bool      `json:"non_repudiation"`
}

// Parse summarises cert. It never fails: fields it cannot read stay empty.
func Parse(cert *x509.Certificate) Info {
	in := Info{
		Subject:      FormatName(cert.Subject),
		Holder:       ParseHolder(cert),
		Issuer:       FormatName(cert.Issuer),
		IssuerName:   cert.Issuer.CommonName,
		SerialHex:    strings.ToUpper(hex.EncodeToString(cert.SerialNumber.Bytes())),
		NotBefore:    cert.NotBefore.UTC(),
		NotAfter:     cert.NotAfter.UTC(),
		KeyAlgorithm: KeyAlgorithm(cert),
		KeyUsage:     keyUsageNames(cert.KeyUsage),
		Purpose:      PurposeOf(cert),
	}
	if in.IssuerName == "" {
		in.IssuerName = in.Issuer
	}
	if in.SerialHex == "" {
		in.SerialHex = "00"
	}
	sum := sha256.Sum256(cert.Raw)
	in.SHA256 = hex.EncodeToString(sum[:])
	in.NonRepudiation = cert.KeyUsage&x509.KeyUsageContentCommitment != 0
	for _, p := range cert.PolicyIdentifiers {
		in.Policies = append(in.Policies, p.String())
	}
	in.QCStatements = qcStatementOIDs(cert)
	in.Qualified, in.QSCD = qualified(cert, in.QCStatements)
	in.OCSP = append(in.OCSP, cert.OCSPServer...)
	in.CRL = append(in.CRL, cert.CRLDistributionPoints...)
	return in
}

// ParseHolder reads the subject attributes of an Italian certificate.
func ParseHolder(cert *x509.Certificate) Holder {
	h := Holder{CommonName: cert.Subject.CommonName}
	if len(cert.Subject.Organization) > 0 {
		h.Organization = cert.Subject.Organization[0]
	}
	if len(cert.Subject.Country) > 0 {
		h.Country = cert.Subject.Country[0]
	}
	h.SerialNumber = cert.Subject.SerialNumber
	for _, atv := range cert.Subject.Names {
		s, ok := atv.Value.(string)
		if !ok {
			continue
		}
		switch {
		case atv.Type.Equal(OIDGivenName):
			h.GivenName = s
		case atv.Type.Equal(OIDSurname):
			h.Surname = s
		case atv.Type.Equal(OIDTitle):
			h.Title = s
		case atv.Type.Equal(OIDDNQualifier):
			h.DNQualifier = s
		}
	}
	if cf, ok := FiscalCodeFromSerial(h.SerialNumber); ok {
		h.FiscalCode = cf
		h.FiscalCodeValid = ValidFiscalCode(cf)
	}
	return h
}

// FiscalCodeFromSerial extracts the codice fiscale from a subject
// serialNumber: "TINIT-<cf>" (ETSI EN 319 412-1 semantics identifier) or the
// older "IT:<cf>".
func FiscalCodeFromSerial(serial string) (string, bool) {
	s := strings.TrimSpace(serial)
	for _, prefix := range []string{"TINIT-", "IT:"} {
		if len(s) > len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
			return strings.ToUpper(strings.TrimSpace(s[len(prefix):])), true
		}
	}
	return "", false
}

// ValidFiscalCode checks a codice fiscale: 16 characters for a person (with
// its check character, omocodia included) or 11 digits for a company.
func ValidFiscalCode(cf string) bool {
	cf = strings.ToUpper(cf)
	switch len(cf) {
	case 16:
		return validPersonCode(cf)
	case 11:
		return validCompanyCode(cf)
	}
	return false
}

// oddValues are the codice fiscale values of characters in odd positions
// (1st, 3rd, ...), indexed by digit or letter.
var oddValues = [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}

func validPersonCode(cf string) bool {
	// Layout: 6 letters, 2 digits, letter, 2 digits, letter, 3 digits,
	// check letter; any digit may be replaced by LMNPQRSTUV (omocodia).
	const omocodia = "LMNPQRSTUV"
	sum := 0
	for i := 0; i < 15; i++ {
		c := cf[i]
		isDigitPos := (i >= 6 && i <= 7) || (i >= 9 && i <= 10) || (i >= 12 && i <= 14)
		var v int
		switch {
		case c >= '0' && c <= '9':
			if !isDigitPos {
				return false
			}
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			if isDigitPos && !strings.ContainsRune(omocodia, rune(c)) {
				return false
			}
			v = int(c - 'A')
		default:
			return false
		}
		if i%2 == 0 {
			sum += oddValues[v]
		} else {
			sum += v
		}
	}
	return cf[15] == byte('A'+sum%26)
}

func validCompanyCode(cf string) bool {
	sum := 0
	for i := 0; i < 11; i++ {
		c := cf[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i == 10 {
			return (10-sum%10)%10 == d
		}
		if i%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return false
}

// PurposeOf says whether cert is for signatures, authentication or a CA.
// nonRepudiation wins: an Italian signature certificate carries it alone.
func PurposeOf(cert *x509.Certificate) Purpose {
	switch {
	case cert.IsCA:
		return PurposeCA
	case cert.KeyUsage&x509.KeyUsageContentCommitment != 0:
		return PurposeSignature
	case hasPolicy(cert, OIDPolicyCNS), cert.KeyUsage&x509.KeyUsageDigitalSignature != 0:
		return PurposeAuthentication
	}
	return PurposeOther
}

func hasPolicy(cert *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, p := range cert.PolicyIdentifiers {
		if p.Equal(oid) {
			return true
		}
	}
	return false
}

// KeyAlgorithm names the key type and size, e.g. "RSA-2048" or "ECDSA P-256".
func KeyAlgorithm(cert *x509.Certificate) string {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA-%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return cert.PublicKeyAlgorithm.String()
}

func keyUsageNames(ku x509.KeyUsage) []string {
	names := []struct {
		bit  x509.KeyUsage
		name string
	}{
		{x509.KeyUsageDigitalSignature, "digitalSignature"},
		{x509.KeyUsageContentCommitment, "nonRepudiation"},
		{x509.KeyUsageKeyEncipherment, "keyEncipherment"},
		{x509.KeyUsageDataEncipherment, "dataEncipherment"},
		{x509.KeyUsageKeyAgreement, "keyAgreement"},
		{x509.KeyUsageCertSign, "keyCertSign"},
		{x509.KeyUsageCRLSign, "cRLSign"},
		{x509.KeyUsageEncipherOnly, "encipherOnly"},
		{x509.KeyUsageDecipherOnly, "decipherOnly"},
	}
	out := []string{}
	for _, n := range names {
		if ku&n.bit != 0 {
			out = append(out, n.name)
		}
	}
	return out
}

// qcStatementOIDs lists the statement identifiers of the QCStatements
// extension (RFC 3739), including the QcType values (ETSI EN 319 412-5).
func qcStatementOIDs(cert *x509.Certificate) []string {
	var out []string
	for _, ext := range cert.Extensions {
		if !ext.Id.Equal(OIDQCStatements) {
			continue
		}
		var stmts []struct {
			ID   asn1.ObjectIdentifier
			Info asn1.RawValue `asn1:"optional"`
		}
		if rest, err := asn1.Unmarshal(ext.Value, &stmts); err != nil || len(rest) > 0 {
			return out
		}
		for _, s := range stmts {
			out = append(out, s.ID.String())
			if s.ID.Equal(OIDQcType) && len(s.Info.FullBytes) > 0 {
				var types []asn1.ObjectIdentifier
				if _, err := asn1.Unmarshal(s.Info.FullBytes, &types); err == nil {
					for _, t := range types {
						out = append(out, t.String())
					}
				}
			}
		}
	}
	return out
}

func qualified(cert *x509.Certificate, stmts []string) (qualified, qscd bool) {
	for _, s := range stmts {
		switch s {
		case OIDQcCompliance.String():
			qualified = true
		case OIDQcSSCD.String():
			qscd = true
		}
	}
	if hasPolicy(cert, OIDPolicyQCPnQSCD) {
		qualified, qscd = true, true
	}
	if hasPolicy(cert, OIDPolicyQCPn) || hasPolicy(cert, OIDPolicyAgIDCert) {
		qualified = true
	}
	return qualified, qscd
}
