//go:build !cgo

package pkcs11

// CgoEnabled reports whether this build can load PKCS#11 modules.
const CgoEnabled = false

func dlopenError(string) (string, bool) { return "", false }

var openLibrary = func(path string) (P11, error) {
	return nil, ErrNoCgo
}

func pkcs11Code(error) uint { return 0 }
