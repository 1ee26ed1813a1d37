//go:build cgo

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Inputs this user may not read and output folders it may not write are
// found before anything is signed: the batch does not stop half-way, and
// no PIN is asked (with CI=true and no PIN source, asking would be exit
// 8). Root reads and writes everything, so firma runs as nobody.
func TestSignPermissionsBeforePIN(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run firma as another user")
	}
	fixture(t)
	bin := copyFirmaForNobody(t)
	dir, err := os.MkdirTemp("", "firma-nobody-files-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o777)
	for name, mode := range map[string]os.FileMode{"a.pdf": 0o644, "b.pdf": 0o600, "c.pdf": 0o644} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte("documento "+name), mode); err != nil {
			t.Fatal(err)
		}
	}
	readOnly := filepath.Join(dir, "readonly")
	os.Mkdir(readOnly, 0o555)
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	env := []string{"HOME=/", "CI=true", "FIRMA_PIN="}

	code, out, errs := firmaProcess(t, env, nobody, bin, "sign", filepath.Join(dir, "a.pdf"), filepath.Join(dir, "b.pdf"), filepath.Join(dir, "c.pdf"))
	if code != ExitInput || !strings.Contains(errs, "b.pdf") || !strings.Contains(errs, "permission denied") {
		t.Errorf("unreadable input: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = firmaProcess(t, env, nobody, bin, "sign", "--output-dir", readOnly, filepath.Join(dir, "a.pdf"))
	if code != ExitOutput || !strings.Contains(errs, "cannot write into the folder") {
		t.Errorf("read-only output folder: exit %d\n%s%s", code, out, errs)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".p7m") || strings.Contains(e.Name(), "firma-tmp") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// copyFirmaForNobody copies the firma test command where another user may
// run it.
func copyFirmaForNobody(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("firma")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "firma-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	exe := filepath.Join(dir, "firma")
	copyFile(t, bin, exe, 0o755)
	return exe
}
