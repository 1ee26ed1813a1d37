package interop

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestFixturesPresent: every listed file is in the repository.
func TestFixturesPresent(t *testing.T) {
	for _, f := range Fatturapa {
		b, err := os.ReadFile(f.Path())
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 1000 {
			t.Errorf("%s: %d bytes", f.Name, len(b))
		}
	}
}

// TestSameAsShared: the copies match the project's shared fixtures when
// those are next to the repository (they are not on every clone).
func TestSameAsShared(t *testing.T) {
	shared := filepath.Join(Dir(), "..", "..", "..", "shared", "interop", "fatturapa")
	ents, err := os.ReadDir(shared)
	if err != nil {
		t.Skipf("no shared fixtures next to the repository: %v", err)
	}
	if len(ents) != len(Fatturapa) {
		t.Errorf("shared folder has %d files, the list %d", len(ents), len(Fatturapa))
	}
	for _, e := range ents {
		want, err := os.ReadFile(filepath.Join(shared, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(Dir(), "fatturapa", e.Name()))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: the copy differs from the shared file (or is missing): %v", e.Name(), err)
		}
	}
}
