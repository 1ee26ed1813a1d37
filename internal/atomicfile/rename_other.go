//go:build !linux

package atomicfile

// renameNoReplace renames tmp to path unless path exists.
func renameNoReplace(tmp, path string) error {
	return fallbackNoReplace(tmp, path)
}
