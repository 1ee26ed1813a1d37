// Package pkcs11 gives firma access to signature tokens over PKCS#11
// (OASIS PKCS#11 v2.40): it finds and loads the module (vendor
// middleware, OpenSC, SoftHSM), selects a token by label, serial number or
// RFC 7512 pkcs11: URI, reports PIN and PUK state from the token flags,
// lists certificates and picks the qualified signing one over the CNS
// authentication one, and exposes the token key as a crypto.Signer.
//
// Safety rules it enforces, because a PIN try is precious on a real card:
// it never logs in unless a signature really needs it, never retries a
// PIN the token rejected, refuses to log in when the token says the next
// wrong PIN locks it (unless the caller passes AllowFinalTry), and keeps
// PINs out of every error text.
//
// Each module is loaded and initialized once per process and never
// finalized while the process may still use it: with PKCS#11 a second
// C_Initialize fails and one C_Finalize invalidates every handle.
//
// The package knows nothing of CMS or of PC/SC. All PKCS#11 calls go
// through the narrow P11 interface, so tests can wrap a real SoftHSM
// module to produce states it never reaches by itself (a locked PIN).
package pkcs11

import p11 "github.com/miekg/pkcs11"

// Attribute is a PKCS#11 attribute (CK_ATTRIBUTE).
type Attribute struct {
	Type  uint
	Value []byte
}

// Mechanism is a PKCS#11 mechanism with its parameter (CK_MECHANISM).
type Mechanism struct {
	Mechanism uint
	Parameter []byte
}

// LibraryInfo is CK_INFO.
type LibraryInfo struct {
	CryptokiMajor, CryptokiMinor uint8
	ManufacturerID               string
	Description                  string
	VersionMajor, VersionMinor   uint8
}

// SlotInfo is CK_SLOT_INFO.
type SlotInfo struct {
	Description    string
	ManufacturerID string
	Flags          uint
}

// RawTokenInfo is CK_TOKEN_INFO.
type RawTokenInfo struct {
	Label          string
	ManufacturerID string
	Model          string
	SerialNumber   string
	Flags          uint
	MinPinLen      uint
	MaxPinLen      uint
}

// P11 is the part of PKCS#11 firma uses. The real implementation wraps
// github.com/miekg/pkcs11 (built with cgo); tests may wrap it.
type P11 interface {
	Initialize() error
	GetInfo() (LibraryInfo, error)
	GetSlotList(tokenPresent bool) ([]uint, error)
	GetSlotInfo(slot uint) (SlotInfo, error)
	GetTokenInfo(slot uint) (RawTokenInfo, error)
	GetMechanismList(slot uint) ([]uint, error)
	OpenSession(slot uint, flags uint) (uint, error)
	CloseSession(session uint) error
	Login(session uint, userType uint, pin string) error
	Logout(session uint) error
	FindObjects(session uint, template []Attribute, max int) ([]uint, error)
	// GetAttributeValue returns the values of types; it fails as a whole
	// when one is sensitive or missing (ask optional attributes alone).
	GetAttributeValue(session uint, object uint, types []uint) ([]Attribute, error)
	SignInit(session uint, mech Mechanism, key uint) error
	Sign(session uint, data []byte) ([]byte, error)
	SetPIN(session uint, oldPIN, newPIN string) error
	InitPIN(session uint, pin string) error
}

// PKCS#11 constants used across the package (from miekg/pkcs11's
// generated tables, which build without cgo).
const (
	ckfRWSession     = p11.CKF_RW_SESSION
	ckfSerialSession = p11.CKF_SERIAL_SESSION
)
