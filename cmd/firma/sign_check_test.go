package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/firma-dev/firma/sign"
)

// Everything that can be checked without the token is checked before it
// is opened: a file to co-sign or counter-sign whose signatures do not
// hold, a truncated one, a --signer that does not exist or is missing, a
// --content that is not the signature's document. Before, each of these
// asked the PIN first (and a wrong PIN then cost a try before the real
// error), and a changed .p7m was co-signed with exit 0.
func TestSignChecksBeforeToken(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	in := writeFiles(t, dir, "referto.pdf")[0]
	io, _, _ := testIO(p.signNow, nil)
	sign1 := func(mod func(o *signOptions)) {
		t.Helper()
		opts := signOpts(p.valid, nil)
		mod(opts)
		if err := runSign(context.Background(), io, opts); err != nil {
			t.Fatal(err)
		}
	}
	sign1(func(o *signOptions) { o.Inputs = []string{in} })
	sign1(func(o *signOptions) { o.Inputs, o.Detached = []string{in}, true })
	p7m, p7s := in+".p7m", in+".p7s"
	good, _ := os.ReadFile(p7m)
	two := filepath.Join(t.TempDir(), "referto.pdf.p7m")
	sign1(func(o *signOptions) { o.Inputs, o.Output = []string{p7m}, two })

	write := func(name string, b []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	changed := write("changed.pdf.p7m", bytes.Replace(good, []byte("contenuto"), []byte("CONTENUTO"), 1))
	forged := bytes.Clone(good)
	forged[len(forged)-1] ^= 0x01 // the last byte of the signature value
	forgedFile := write("forged.pdf.p7m", forged)
	truncated := write("truncated.pdf.p7m", good[:len(good)-100])
	other := write("other.pdf", []byte("un altro documento\n"))

	for _, c := range []struct {
		name string
		mod  func(o *signOptions)
		code int
		err  any
		msg  string
	}{
		{"co-sign a changed .p7m", func(o *signOptions) { o.Inputs = []string{changed} }, ExitInput, new(*BrokenSignatureError), "HASH_FAILURE"},
		{"counter-sign a forged signature", func(o *signOptions) { o.Inputs, o.Counter = []string{forgedFile}, true }, ExitInput, new(*BrokenSignatureError), "SIG_CRYPTO_FAILURE"},
		{"co-sign a forged signature", func(o *signOptions) { o.Inputs = []string{forgedFile} }, ExitInput, new(*BrokenSignatureError), "signature S1 does not hold"},
		{"co-sign a truncated .p7m", func(o *signOptions) { o.Inputs = []string{truncated} }, ExitInput, nil, ""},
		{"counter-sign two signers without --signer", func(o *signOptions) { o.Inputs, o.Counter = []string{two}, true }, ExitUsage, new(*sign.SignerIndexError), "choose"},
		{"counter-sign --signer 5", func(o *signOptions) { o.Inputs, o.Counter, o.Signer = []string{two}, true, 5 }, ExitUsage, new(*sign.SignerIndexError), "signature 5 does not exist"},
		{"co-sign a .p7s with another document", func(o *signOptions) { o.Inputs, o.Content = []string{p7s}, other }, ExitInput, new(*sign.ContentMismatchError), "not the one"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var spy *keySpy
			opts := signOpts(p.valid, &spy)
			opened := false
			open := opts.openKey
			opts.openKey = func(io *IO) (*signKey, error) { opened = true; return open(io) }
			opts.OutputDir = t.TempDir()
			c.mod(opts)
			err := runSign(context.Background(), io, opts)
			if err == nil {
				t.Fatalf("signed (%d logins); want exit %d", spy.logins.Load(), c.code)
			}
			code, hint := classify(err)
			if code != c.code {
				t.Fatalf("exit %d, want %d: %v", code, c.code, err)
			}
			if c.err != nil && !errors.As(err, c.err) {
				t.Errorf("error %T %v", err, err)
			}
			if !strings.Contains(err.Error(), c.msg) || hint == "" {
				t.Errorf("error %q (want %q), hint %q", err, c.msg, hint)
			}
			if opened || spy.logins.Load() != 0 {
				t.Errorf("the token was opened (%v) or logged in (%d) before the refusal", opened, spy.logins.Load())
			}
			if got := listDir(t, opts.OutputDir); len(got) != 0 {
				t.Errorf("the refusal left %v", got)
			}
		})
	}

	// The intact files still co-sign and counter-sign.
	sign1(func(o *signOptions) { o.Inputs, o.OutputDir = []string{p7m}, t.TempDir() })
	sign1(func(o *signOptions) { o.Inputs, o.Counter, o.Signer, o.OutputDir = []string{two}, true, 2, t.TempDir() })
	sign1(func(o *signOptions) { o.Inputs, o.Content, o.OutputDir = []string{p7s}, in, t.TempDir() })
}

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
