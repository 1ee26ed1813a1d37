//go:build !cgo

package card

// establish fails: without cgo there is no libpcsclite to call.
func establish() (system, error) {
	return nil, ErrNoPCSCSupport
}
