package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firma-dev/firma/internal/batch"
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
		{"co-sign a changed .p7m", func(o *signOptions) { o.Inputs = []string{changed} }, ExitInput, new(*batch.BrokenSignatureError), "HASH_FAILURE"},
		{"counter-sign a forged signature", func(o *signOptions) { o.Inputs, o.Counter = []string{forgedFile}, true }, ExitInput, new(*batch.BrokenSignatureError), "SIG_CRYPTO_FAILURE"},
		{"co-sign a forged signature", func(o *signOptions) { o.Inputs = []string{forgedFile} }, ExitInput, new(*batch.BrokenSignatureError), "signature S1 does not hold"},
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
