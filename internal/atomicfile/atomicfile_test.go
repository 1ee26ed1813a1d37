package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// entries lists dir's names, so tests can prove nothing else is left.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	return names
}

func TestCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.p7m")
	f, err := Create(path, Options{Perm: 0o640})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(f.TempName()), ".out.p7m"+TempInfix) || filepath.Dir(f.TempName()) != dir {
		t.Errorf("temporary file %s is not in the target directory with the firma prefix", f.TempName())
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("final name exists before Commit: %v", err)
	}
	for _, p := range []string{"hello ", "world"} {
		if _, err := f.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "hello world" {
		t.Fatalf("content %q, %v", got, err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	if e := entries(t, dir); len(e) != 1 {
		t.Errorf("directory holds %v, want only out.p7m", e)
	}
	if err := f.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("Abort after Commit removed the output: %v", err)
	}
	if _, err := f.Write([]byte("x")); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Write after Commit: %v", err)
	}
	if err := f.Commit(); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("second Commit: %v", err)
	}
}

func TestDefaultPerm(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a")
	if err := WriteFile(path, []byte("x"), Options{}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
}

func TestExistsNoForce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	os.WriteFile(path, []byte("precious"), 0o600)
	_, err := Create(path, Options{})
	var ee *ExistsError
	if !errors.As(err, &ee) || ee.Path != path || !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Create over an existing file: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "precious" {
		t.Errorf("existing file changed: %q", got)
	}
	if e := entries(t, dir); len(e) != 1 {
		t.Errorf("directory holds %v", e)
	}
	// A dangling symlink is an existing name too: writing through it
	// would create a file somewhere else.
	link := filepath.Join(dir, "link")
	os.Symlink(filepath.Join(dir, "nowhere"), link)
	if _, err := Create(link, Options{}); !errors.Is(err, fs.ErrExist) {
		t.Errorf("Create over a dangling symlink: %v", err)
	}
}

func TestForce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	os.WriteFile(path, []byte("old"), 0o600)
	if err := WriteFile(path, []byte("new"), Options{Force: true}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Errorf("content %q", got)
	}
	if e := entries(t, dir); len(e) != 1 {
		t.Errorf("directory holds %v", e)
	}
	// Force never replaces a directory.
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	if _, err := Create(sub, Options{Force: true}); !errors.As(err, new(*WriteError)) {
		t.Error("Create with Force over a directory succeeded")
	}
}

func TestAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	f, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.Write(bytes.Repeat([]byte("x"), 1<<16))
	if err := f.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := f.Abort(); err != nil {
		t.Fatalf("second Abort: %v", err)
	}
	if e := entries(t, dir); len(e) != 0 {
		t.Errorf("Abort left %v", e)
	}
	if err := f.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	if e := entries(t, dir); len(e) != 0 {
		t.Errorf("Commit after Abort left %v", e)
	}
}

// A file that appears at the final name while the output is being written
// is not replaced: Commit fails, the newcomer stays, the temporary goes.
func TestRaceAppearsBeforeCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out")
	f, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("mine"))
	os.WriteFile(path, []byte("theirs"), 0o644)
	err = f.Commit()
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Commit over a newcomer: %v", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "theirs" {
		t.Errorf("newcomer replaced: %q", got)
	}
	if e := entries(t, dir); len(e) != 1 {
		t.Errorf("directory holds %v", e)
	}
}

func TestFallbackNoReplace(t *testing.T) {
	dir := t.TempDir()
	tmp, path := filepath.Join(dir, "tmp"), filepath.Join(dir, "out")
	os.WriteFile(tmp, []byte("a"), 0o600)
	os.WriteFile(path, []byte("b"), 0o600)
	if err := fallbackNoReplace(tmp, path); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("fallback over existing: %v", err)
	}
	os.Remove(path)
	if err := fallbackNoReplace(tmp, path); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "a" {
		t.Errorf("content %q", got)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temporary still there: %v", err)
	}
}

func TestMissingDirectory(t *testing.T) {
	_, err := Create(filepath.Join(t.TempDir(), "no", "such", "out"), Options{})
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Create in a missing directory: %v", err)
	}
}

// TestDiskFull writes into a tiny tmpfs: the failing Write is reported and
// Abort leaves the filesystem empty. It needs root (mount); elsewhere it
// is skipped.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 || testing.Short() {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "firma-test", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	defer exec.Command("umount", dir).Run()
	f, err := Create(filepath.Join(dir, "out"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("x"), 16<<10)
	var werr error
	for i := 0; i < 64 && werr == nil; i++ {
		_, werr = f.Write(chunk)
	}
	if werr == nil {
		werr = f.Commit()
	}
	if werr == nil {
		t.Fatal("writing 1 MiB into a 64 KiB filesystem succeeded")
	}
	var we *WriteError
	if !errors.As(werr, &we) || we.Path == "" {
		t.Errorf("disk full error %v is not a *WriteError", werr)
	}
	f.Abort()
	if e := entries(t, dir); len(e) != 0 {
		t.Errorf("a full disk left %v", e)
	}
}

func TestRemovePending(t *testing.T) {
	dir := t.TempDir()
	a, err := Create(filepath.Join(dir, "a"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Create(filepath.Join(dir, "b"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := Create(filepath.Join(dir, "c"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	c.Abort()
	if n := RemovePending(); n != 1 {
		t.Errorf("removed %d temporary files, want 1 (a's)", n)
	}
	if err := a.Commit(); err == nil {
		t.Error("a commit after RemovePending succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "b" {
		t.Errorf("left %v, want only b", entries)
	}
}

// A header fixed in place after the bytes that follow it: WriteAt and
// ReadAt work on the temporary file, Write goes on where it left off, the
// final name sees only the result, and nothing works after Commit.
func TestWriteAtBeforeCommit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.p7m")
	f, err := Create(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	f.Write([]byte("LEN=?? body"))
	if _, err := f.WriteAt([]byte("16"), 4); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte(" tail")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 6)
	if _, err := f.ReadAt(buf, 0); err != nil || string(buf) != "LEN=16" {
		t.Fatalf("ReadAt: %q, %v", buf, err)
	}
	if off, err := f.Seek(0, io.SeekCurrent); err != nil || off != 16 {
		t.Fatalf("offset %d, %v", off, err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("final name exists before Commit: %v", err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "LEN=16 body tail" {
		t.Errorf("content %q", got)
	}
	if _, err := f.WriteAt([]byte("x"), 0); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("WriteAt after Commit: %v", err)
	}
	if _, err := f.ReadAt(buf, 0); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("ReadAt after Commit: %v", err)
	}
	if _, err := f.Seek(0, io.SeekStart); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Seek after Commit: %v", err)
	}
}
