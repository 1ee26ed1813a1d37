// Package interop lists the signed files made by other tools that the
// tests read (testdata/interop at the module root), with what each must
// give. Tests only: nothing in firma imports it.
package interop

import (
	"path/filepath"
	"runtime"
)

// Fixture is one signed file made by another tool.
type Fixture struct {
	// Name is the file's name in its folder.
	Name string
	// Base64 is true when the file is base64 text rather than DER/BER.
	Base64 bool
	// Intact is true when the signature must verify (up to the chain,
	// for which no trust anchor is shipped); false when the file was
	// tampered with and must fail.
	Intact bool
}

// Fatturapa is an Italian e-invoice signed by a qualified InfoCert
// certificate, in every form it is found in, plus two tampered copies.
var Fatturapa = []Fixture{
	{"IT02182030391_31.xml.p7m", false, true},
	{"IT02182030391_31.Base64.xml.p7m", true, true},
	{"IT02182030391_31.Base64.CRLF.xml.p7m", true, true},
	{"IT02182030391_31_tampered.xml.p7m", false, false},
	{"IT02182030391_31_tampered.Base64.xml.p7m", true, false},
}

// FatturapaSigner is the codice fiscale of the invoice's signer.
const FatturapaSigner = "GRDSFN66D17H199K"

// FatturapaContentPrefix starts the signed content (a UTF-8 BOM and an
// XML declaration).
const FatturapaContentPrefix = "\xef\xbb\xbf<?xml"

// Dir returns testdata/interop at the module root.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "interop")
}

// Path returns the path of a fatturapa fixture.
func (f Fixture) Path() string {
	return filepath.Join(Dir(), "fatturapa", f.Name)
}
