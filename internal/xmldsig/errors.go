package xmldsig

import (
	"errors"
	"fmt"
)

// FormatError is a document or signature that is not what XML-DSig
// (or XML with namespaces) allows.
type FormatError struct {
	Reason string
}

func (e *FormatError) Error() string { return e.Reason }

// UnsupportedError is an algorithm or construct this package does not
// implement: the signature is neither valid nor invalid, it cannot be
// checked.
type UnsupportedError struct {
	// What kind of algorithm: "canonicalization", "transform",
	// "digest", "signature", "reference URI".
	What      string
	Algorithm string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("unsupported %s %q", e.What, e.Algorithm)
}

// ReferenceError is a Reference that cannot be resolved or whose digest
// does not match.
type ReferenceError struct {
	URI string
	Err error
}

func (e *ReferenceError) Error() string {
	return fmt.Sprintf("reference %q: %v", e.URI, e.Err)
}

func (e *ReferenceError) Unwrap() error { return e.Err }

var (
	// ErrDigestMismatch: the referenced data was changed after signing.
	ErrDigestMismatch = errors.New("digest mismatch: the signed data was changed")
	// ErrNotFound: no element carries the referenced ID.
	ErrNotFound = errors.New("no element with that ID")
	// ErrAmbiguousID: more than one element carries the referenced ID
	// (a signature-wrapping attempt, or a broken document).
	ErrAmbiguousID = errors.New("more than one element with that ID")
	// ErrSignatureMismatch: the SignatureValue does not verify with the
	// key over the canonical SignedInfo.
	ErrSignatureMismatch = errors.New("the signature value does not match SignedInfo")
)

// DetachedError is detached content that could not be read.
type DetachedError struct {
	URI string
	Err error
}

func (e *DetachedError) Error() string {
	return fmt.Sprintf("reading the detached content of %q: %v", e.URI, e.Err)
}

func (e *DetachedError) Unwrap() error { return e.Err }
