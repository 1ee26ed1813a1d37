package sign

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/firma-dev/firma/certinfo"
)

// CertProblem says why a certificate cannot sign.
type CertProblem string

const (
	CertExpired          CertProblem = "expired"
	CertNotYetValid      CertProblem = "not_yet_valid"
	CertNoNonRepudiation CertProblem = "no_non_repudiation"
)

// ErrCertificateRefused matches every *CertificateError with errors.Is.
var ErrCertificateRefused = errors.New("certificate refused for signing")

// CertificateError reports a certificate that cannot make a valid
// qualified signature at the signing time.
type CertificateError struct {
	Problem   CertProblem
	Subject   string
	NotBefore time.Time
	NotAfter  time.Time
	At        time.Time
}

func (e *CertificateError) Error() string {
	switch e.Problem {
	case CertExpired:
		return fmt.Sprintf("the signing certificate of %s expired on %s", e.Subject, e.NotAfter.UTC().Format(time.DateOnly))
	case CertNotYetValid:
		return fmt.Sprintf("the signing certificate of %s is not valid until %s", e.Subject, e.NotBefore.UTC().Format(time.DateOnly))
	default:
		return fmt.Sprintf("the certificate of %s is not a signature certificate (no nonRepudiation key usage)", e.Subject)
	}
}

// Is makes errors.Is(err, ErrCertificateRefused) true.
func (e *CertificateError) Is(target error) bool { return target == ErrCertificateRefused }

// CheckCertificate returns a *CertificateError when cert cannot make a
// qualified signature at t: outside its validity, or without the
// nonRepudiation key usage that Italian signature certificates carry.
func CheckCertificate(cert *x509.Certificate, t time.Time) error {
	holder := certinfo.ParseHolder(cert).Name()
	if holder == "" {
		holder = certinfo.FormatName(cert.Subject)
	}
	e := &CertificateError{Subject: holder, NotBefore: cert.NotBefore, NotAfter: cert.NotAfter, At: t}
	switch {
	case t.Before(cert.NotBefore):
		e.Problem = CertNotYetValid
	case t.After(cert.NotAfter):
		e.Problem = CertExpired
	case cert.KeyUsage&x509.KeyUsageContentCommitment == 0:
		e.Problem = CertNoNonRepudiation
	default:
		return nil
	}
	return e
}

// KeyMismatchError reports a signature that does not verify with the
// certificate's public key: the key and the certificate do not belong
// together.
type KeyMismatchError struct {
	Subject string
}

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("the key's signature does not verify with the certificate of %s", e.Subject)
}

// ContentChangedError reports content that changed while an enveloping
// signature was made: a file whose size, modification or change time
// moved during its single read, or content that differed between the
// hashing pass and the copying pass of the two-pass way.
type ContentChangedError struct{}

func (e *ContentChangedError) Error() string {
	return "the input changed while it was being signed"
}

// UnsupportedError reports an algorithm or key type firma cannot sign with.
type UnsupportedError struct {
	What string
	// Hash is the digest algorithm refused, when that is what is not
	// supported; KeyAlgorithm the key type refused, when that is it.
	Hash         crypto.Hash
	KeyAlgorithm x509.PublicKeyAlgorithm
	// Problem is PSSWithECDSA for RSA-PSS asked of an ECDSA key, else
	// empty.
	Problem string
}

// PSSWithECDSA is UnsupportedError.Problem for RSA-PSS with an ECDSA key.
const PSSWithECDSA = "pss_with_ecdsa"

func (e *UnsupportedError) Error() string { return fmt.Sprintf("%s not supported", e.What) }

// SignerError wraps a failure of the key itself (the token refused, the
// card was pulled).
type SignerError struct {
	Err error
}

func (e *SignerError) Error() string { return fmt.Sprintf("signing: %v", e.Err) }
func (e *SignerError) Unwrap() error { return e.Err }

// InputError wraps a failure reading the content.
type InputError struct {
	Err error
}

func (e *InputError) Error() string { return fmt.Sprintf("reading content: %v", e.Err) }
func (e *InputError) Unwrap() error { return e.Err }
