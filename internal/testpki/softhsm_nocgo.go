//go:build !cgo

package testpki

import "errors"

// Provision needs cgo to load SoftHSM; without it the tests that need a
// token skip.
func Provision(dir string, tokens []Token) (*SoftHSM, error) {
	return nil, errors.New("SoftHSM provisioning needs a cgo build")
}

const cgoEnabled = false
