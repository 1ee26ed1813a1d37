//go:build !cgo

package pcsctest

import "testing"

const cgoEnabled = false

// PCSCD is one private pcscd; without cgo there is no PC/SC client and
// Start always skips.
type PCSCD struct{}

// Start skips: a build without cgo has no PC/SC client library.
func Start(t testing.TB) *PCSCD {
	t.Helper()
	t.Skip("private pcscd unavailable: built without cgo")
	return nil
}

// StartNoReaders skips: a build without cgo has no PC/SC client library.
func StartNoReaders(t testing.TB) *PCSCD {
	t.Helper()
	t.Skip("private pcscd unavailable: built without cgo")
	return nil
}
