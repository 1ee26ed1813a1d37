package main

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/sign"
)

// signPKI is a software test PKI for the sign command's unit tests (the
// SoftHSM path is covered by testdata/script/sign*.txtar).
type signPKI struct {
	ca             *testpki.CA
	caFile         string
	valid, expired *testpki.Identity
	ecdsa, cns     *testpki.Identity
	signNow        time.Time
}

var (
	sp          signPKI
	spSetupOnce sync.Once
	spSetupErr  error
)

func signTestPKI(t *testing.T) *signPKI {
	t.Helper()
	spSetupOnce.Do(func() {
		sp.signNow = time.Now().UTC().Truncate(time.Second)
		if sp.ca, spSetupErr = testpki.NewCA(sp.signNow); spSetupErr != nil {
			return
		}
		v := testpki.Variants(sp.signNow)
		for _, x := range []struct {
			dst  **testpki.Identity
			spec testpki.Spec
		}{
			{&sp.valid, v["valid"]}, {&sp.expired, v["expired"]}, {&sp.ecdsa, v["ecdsa"]},
			{&sp.cns, testpki.Spec{Kind: testpki.CNS, NotBefore: sp.signNow.Add(-testpki.Day), NotAfter: sp.signNow.Add(300 * testpki.Day)}},
		} {
			if *x.dst, spSetupErr = sp.ca.Issue(x.spec); spSetupErr != nil {
				return
			}
		}
	})
	if spSetupErr != nil {
		t.Fatal(spSetupErr)
	}
	// Each test gets its own copy of the CA file, cleaned up with it.
	p := sp
	p.caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p.caFile, testpki.CertPEM(sp.ca.Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	return &p
}

// keySpy is a software signing key that counts logins, signatures and
// closes, and can fail its n-th signature like a pulled card.
type keySpy struct {
	crypto.Signer
	signs, logins, closes atomic.Int32
	failAt                int32
}

var errPulled = errors.New("CKR_DEVICE_REMOVED")

func (k *keySpy) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	if n := k.signs.Add(1); k.failAt > 0 && n == k.failAt {
		return nil, errPulled
	}
	return k.Signer.Sign(r, d, o)
}

// signOpts returns sign options that use id's software key through a spy.
func signOpts(id *testpki.Identity, spy **keySpy) *signOptions {
	k := &keySpy{Signer: id.Key}
	if spy != nil {
		*spy = k
	}
	return &signOptions{
		Hash: "sha256",
		openKey: func(*IO) (*signKey, error) {
			return &signKey{
				Signer: k, Cert: id.Cert,
				Login: func() error { k.logins.Add(1); return nil },
				Close: func() error { k.closes.Add(1); return nil },
			}, nil
		},
	}
}

func writeFiles(t *testing.T, dir string, names ...string) []string {
	t.Helper()
	var paths []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte("contenuto di "+n+"\n"), 0o640); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	sort.Strings(names)
	return names
}

func opensslVerifyFile(t *testing.T, caFile, sig, content string) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "content")
	args := []string{"cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", sig, "-CAfile", caFile, "-out", out}
	if content != "" {
		args = append(args, "-content", content)
	}
	if b, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -verify %s: %v\n%s", sig, err, b)
	}
	b, _ := os.ReadFile(out)
	return b
}

func TestSignOneFile(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	in := writeFiles(t, dir, "referto.pdf")[0]
	io, out, errb := testIO(p.signNow, nil)
	var spy *keySpy
	opts := signOpts(p.valid, &spy)
	opts.Inputs = []string{in}
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	if got := listDir(t, dir); strings.Join(got, " ") != "referto.pdf referto.pdf.p7m" {
		t.Errorf("directory holds %v", got)
	}
	content := opensslVerifyFile(t, p.caFile, in+".p7m", "")
	if orig, _ := os.ReadFile(in); !bytes.Equal(content, orig) {
		t.Error("enveloped content differs from the input")
	}
	fi, _ := os.Stat(in + ".p7m")
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("output mode %v, want the input's 0640", fi.Mode().Perm())
	}
	want := "signed " + in + " -> " + in + ".p7m\n1 of 1 files signed by MARIO ROSSI (SHA-256, enveloping)\n"
	if out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	if errb.Len() != 0 {
		t.Errorf("stderr %q", errb.String())
	}
	if spy.logins.Load() != 1 || spy.closes.Load() != 1 || spy.signs.Load() != 1 {
		t.Errorf("logins %d, signatures %d, closes %d", spy.logins.Load(), spy.signs.Load(), spy.closes.Load())
	}
}

func TestSignDetachedJSON(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	in := writeFiles(t, dir, "a.txt")[0]
	io, out, _ := testIO(p.signNow, nil)
	opts := signOpts(p.ecdsa, nil)
	opts.Inputs, opts.Detached, opts.JSON, opts.Hash = []string{in}, true, true, "SHA-384"
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	opensslVerifyFile(t, p.caFile, in+".p7s", in)
	var r map[string]any
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// Field names are part of the interface (README).
	for _, k := range []string{"signer", "packaging", "digest_algorithm", "files", "signed", "failed", "not_signed"} {
		if _, ok := r[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, out)
		}
	}
	if r["packaging"] != "detached" || r["digest_algorithm"] != "SHA-384" || r["signed"] != 1.0 {
		t.Errorf("JSON %s", out)
	}
	signer := r["signer"].(map[string]any)
	if signer["name"] != "MARIO ROSSI" || signer["fiscal_code"] != testpki.FiscalCode {
		t.Errorf("signer %v", signer)
	}
	f := r["files"].([]any)[0].(map[string]any)
	for _, k := range []string{"input", "output", "status", "size", "digest", "signing_time"} {
		if _, ok := f[k]; !ok {
			t.Errorf("file result lacks %q", k)
		}
	}
	if f["status"] != "signed" || f["output"] != in+".p7s" || f["signing_time"] != p.signNow.Format(time.RFC3339) {
		t.Errorf("file result %v", f)
	}
}

func TestSignBatchOutputDir(t *testing.T) {
	p := signTestPKI(t)
	src, dst := t.TempDir(), t.TempDir()
	ins := writeFiles(t, src, "1.pdf", "2.pdf", "3.pdf")
	io, out, _ := testIO(p.signNow, nil)
	var spy *keySpy
	opts := signOpts(p.valid, &spy)
	opts.Inputs, opts.OutputDir = ins, dst
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(listDir(t, dst), " "); got != "1.pdf.p7m 2.pdf.p7m 3.pdf.p7m" {
		t.Errorf("output folder holds %s", got)
	}
	if got := strings.Join(listDir(t, src), " "); got != "1.pdf 2.pdf 3.pdf" {
		t.Errorf("input folder holds %s", got)
	}
	for _, n := range []string{"1.pdf", "2.pdf", "3.pdf"} {
		opensslVerifyFile(t, p.caFile, filepath.Join(dst, n+".p7m"), "")
	}
	if spy.logins.Load() != 1 || spy.signs.Load() != 3 {
		t.Errorf("%d logins for %d signatures, want 1 for 3", spy.logins.Load(), spy.signs.Load())
	}
	if !strings.HasSuffix(out.String(), "3 of 3 files signed by MARIO ROSSI (SHA-256, enveloping)\n") {
		t.Errorf("stdout %q", out)
	}
}

// A failure in the middle of a batch stops it: files before it stay
// signed, the failing one and the rest leave nothing, and the report says
// which is which.
func TestSignBatchStopsAtFailure(t *testing.T) {
	p := signTestPKI(t)
	src, dst := t.TempDir(), t.TempDir()
	ins := writeFiles(t, src, "1.pdf", "2.pdf", "3.pdf", "4.pdf")
	for _, asJSON := range []bool{false, true} {
		for _, n := range listDir(t, dst) {
			os.Remove(filepath.Join(dst, n))
		}
		io, out, _ := testIO(p.signNow, nil)
		var spy *keySpy
		opts := signOpts(p.valid, &spy)
		spy.failAt = 2
		opts.Inputs, opts.OutputDir, opts.JSON = ins, dst, asJSON
		err := runSign(context.Background(), io, opts)
		var be *BatchError
		if !errors.As(err, &be) || !errors.Is(err, errPulled) || be.File != ins[1] || be.Signed != 1 || be.NotSigned != 3 {
			t.Fatalf("batch error %v (%+v)", err, be)
		}
		if got := strings.Join(listDir(t, dst), " "); got != "1.pdf.p7m" {
			t.Errorf("after a failure at 2.pdf the output folder holds %q", got)
		}
		if spy.closes.Load() != 1 {
			t.Errorf("key closed %d times", spy.closes.Load())
		}
		if asJSON {
			var r signReport
			if err := json.Unmarshal(out.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			var st []string
			for _, f := range r.Files {
				st = append(st, f.Status)
			}
			if strings.Join(st, ",") != "signed,failed,not_signed,not_signed" || r.Signed != 1 || r.Failed != 1 || r.NotSigned != 2 || !strings.Contains(r.Files[1].Error, "CKR_DEVICE_REMOVED") {
				t.Errorf("JSON report %+v", r)
			}
		} else {
			want := "signed " + ins[0] + " -> " + filepath.Join(dst, "1.pdf.p7m") + "\nNOT signed: " + strings.Join(ins[1:], " ") + "\n1 of 4 files signed by MARIO ROSSI (SHA-256, enveloping)\n"
			if out.String() != want {
				t.Errorf("stdout %q, want %q", out, want)
			}
		}
	}
}

// Existing outputs are refused before the token is even opened (no PIN
// asked), and left as they were.
func TestSignRefusesExistingOutput(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	ins := writeFiles(t, dir, "a.pdf", "b.pdf")
	os.WriteFile(ins[1]+".p7m", []byte("precious"), 0o644)
	io, _, _ := testIO(p.signNow, nil)
	opened := false
	opts := signOpts(p.valid, nil)
	open := opts.openKey
	opts.openKey = func(io *IO) (*signKey, error) { opened = true; return open(io) }
	opts.Inputs = ins
	err := runSign(context.Background(), io, opts)
	if !errors.Is(err, os.ErrExist) {
		t.Fatalf("existing output: %v", err)
	}
	if code, hint := classify(err); code != ExitOutput || !strings.Contains(hint, "--force") {
		t.Errorf("exit %d hint %q", code, hint)
	}
	if opened {
		t.Error("token opened although the batch could not run")
	}
	if got := strings.Join(listDir(t, dir), " "); got != "a.pdf b.pdf b.pdf.p7m" {
		t.Errorf("directory holds %s", got)
	}
	if b, _ := os.ReadFile(ins[1] + ".p7m"); string(b) != "precious" {
		t.Errorf("existing output changed: %q", b)
	}
	// --force replaces it.
	opts.Force = true
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	opensslVerifyFile(t, p.caFile, ins[1]+".p7m", "")
}

func TestSignPlanErrors(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	ins := writeFiles(t, dir, "a.pdf")
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	os.WriteFile(filepath.Join(sub, "a.pdf"), []byte("other"), 0o644)
	for _, c := range []struct {
		name string
		mod  func(o *signOptions)
		code int
	}{
		{"missing input", func(o *signOptions) { o.Inputs = []string{filepath.Join(dir, "nope.pdf")} }, ExitInput},
		{"directory input", func(o *signOptions) { o.Inputs = []string{sub} }, ExitInput},
		{"same output twice", func(o *signOptions) {
			o.Inputs, o.OutputDir = []string{ins[0], filepath.Join(sub, "a.pdf")}, t.TempDir()
		}, ExitUsage},
		{"output is input", func(o *signOptions) { o.Inputs, o.Output, o.Force = ins, ins[0], true }, ExitOutput},
		{"missing output dir", func(o *signOptions) { o.Inputs, o.OutputDir = ins, filepath.Join(dir, "none") }, ExitOutput},
		{"output with batch", func(o *signOptions) { o.Inputs, o.Output = []string{ins[0], ins[0]}, "x" }, ExitUsage},
		{"stdin in batch", func(o *signOptions) { o.Inputs = []string{"-", ins[0]} }, ExitUsage},
		{"bad hash", func(o *signOptions) { o.Inputs, o.Hash = ins, "md5" }, ExitUsage},
		{"json to stdout twice", func(o *signOptions) { o.Inputs, o.Output, o.JSON = ins, "-", true }, ExitUsage},
		{"json with stdin to stdout", func(o *signOptions) { o.Inputs, o.JSON = []string{"-"}, true }, ExitUsage},
	} {
		io, _, _ := testIO(p.signNow, nil)
		opts := signOpts(p.valid, nil)
		opened := false
		opts.openKey = func(*IO) (*signKey, error) { opened = true; return nil, errors.New("must not open") }
		c.mod(opts)
		err := runSign(context.Background(), io, opts)
		if code, _ := classify(err); err == nil || code != c.code {
			t.Errorf("%s: %v (exit %d), want exit %d", c.name, err, code, c.code)
		}
		if opened {
			t.Errorf("%s: token opened", c.name)
		}
	}
	if got := strings.Join(listDir(t, dir), " "); got != "a.pdf sub" {
		t.Errorf("directory holds %s", got)
	}
	if b, _ := os.ReadFile(ins[0]); string(b) != "contenuto di a.pdf\n" {
		t.Errorf("input changed: %q", b)
	}
}

func TestSignCertificateRefused(t *testing.T) {
	p := signTestPKI(t)
	for _, id := range []*testpki.Identity{p.expired, p.cns} {
		dir := t.TempDir()
		ins := writeFiles(t, dir, "a.pdf")
		io, _, _ := testIO(p.signNow, nil)
		var spy *keySpy
		opts := signOpts(id, &spy)
		opts.Inputs = ins
		err := runSign(context.Background(), io, opts)
		if code, hint := classify(err); !errors.Is(err, sign.ErrCertificateRefused) || code != ExitCert || hint == "" {
			t.Errorf("%s: %v (exit %d, hint %q)", id, err, code, hint)
		}
		if spy.logins.Load() != 0 {
			t.Errorf("%s: PIN asked for a certificate that cannot sign", id)
		}
		if got := strings.Join(listDir(t, dir), " "); got != "a.pdf" {
			t.Errorf("%s: directory holds %s", id, got)
		}
		opts.AllowAnyCertificate = true
		if err := runSign(context.Background(), io, opts); err != nil {
			t.Errorf("%s with --allow-invalid-cert: %v", id, err)
		}
	}
}

func TestSignStdinStdout(t *testing.T) {
	p := signTestPKI(t)
	doc := bytes.Repeat([]byte("pipe\x00"), 100000)
	for _, detached := range []bool{false, true} {
		io, out, errb := testIO(p.signNow, nil)
		io.In = bytes.NewReader(doc)
		opts := signOpts(p.valid, nil)
		opts.Inputs, opts.Detached = []string{"-"}, detached
		if err := runSign(context.Background(), io, opts); err != nil {
			t.Fatal(err)
		}
		if errb.Len() != 0 {
			t.Errorf("stderr %q", errb)
		}
		dir := t.TempDir()
		sig := filepath.Join(dir, "sig")
		os.WriteFile(sig, out.Bytes(), 0o644)
		content := ""
		if detached {
			content = filepath.Join(dir, "doc")
			os.WriteFile(content, doc, 0o644)
		}
		got := opensslVerifyFile(t, p.caFile, sig, content)
		if !detached && !bytes.Equal(got, doc) {
			t.Error("enveloped content differs from standard input")
		}
	}
	// -o FILE from standard input.
	dir := t.TempDir()
	io, out, _ := testIO(p.signNow, nil)
	io.In = bytes.NewReader(doc)
	opts := signOpts(p.valid, nil)
	opts.Inputs, opts.Output = []string{"-"}, filepath.Join(dir, "doc.p7m")
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	opensslVerifyFile(t, p.caFile, opts.Output, "")
	if !strings.HasPrefix(out.String(), "signed - -> ") {
		t.Errorf("stdout %q", out)
	}
}

// A full disk fails the file being written and leaves nothing of it.
func TestSignDiskFull(t *testing.T) {
	if os.Geteuid() != 0 || testing.Short() {
		t.Skip("needs root to mount a small tmpfs")
	}
	p := signTestPKI(t)
	dst := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "firma-test", dst).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	defer exec.Command("umount", dst).Run()
	src := t.TempDir()
	small := writeFiles(t, src, "small.pdf")[0]
	big := filepath.Join(src, "big.pdf")
	os.WriteFile(big, bytes.Repeat([]byte("x"), 1<<20), 0o644)
	io, _, _ := testIO(p.signNow, nil)
	opts := signOpts(p.valid, nil)
	opts.Inputs, opts.OutputDir = []string{small, big}, dst
	err := runSign(context.Background(), io, opts)
	if code, _ := classify(err); !errors.As(err, new(*atomicfile.WriteError)) || code != ExitOutput {
		t.Fatalf("disk full: %v (exit %d)", err, code)
	}
	if got := strings.Join(listDir(t, dst), " "); got != "small.pdf.p7m" {
		t.Errorf("a full disk left %q", got)
	}
}

func TestSignCanceled(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	ins := writeFiles(t, dir, "a.pdf")
	io, _, _ := testIO(p.signNow, nil)
	opts := signOpts(p.valid, nil)
	opts.Inputs = ins
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := runSign(ctx, io, opts)
	if code, _ := classify(err); code != ExitCanceled {
		t.Errorf("canceled: %v (exit %d)", err, code)
	}
	if got := strings.Join(listDir(t, dir), " "); got != "a.pdf" {
		t.Errorf("directory holds %s", got)
	}
}

// Signing a .p7m again adds a parallel signature into a new file (the
// signed input is never changed); --counter counter-signs; --nest wraps.
func TestSignAgain(t *testing.T) {
	p := signTestPKI(t)
	dir, out := t.TempDir(), t.TempDir()
	in := writeFiles(t, dir, "referto.pdf")[0]
	io, stdout, _ := testIO(p.signNow, nil)
	opts := signOpts(p.valid, nil)
	opts.Inputs = []string{in}
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	p7m := in + ".p7m"
	signedBefore, _ := os.ReadFile(p7m)

	// Without a place for the new file: a usage error naming the way out.
	opts = signOpts(p.ecdsa, nil)
	opts.Inputs = []string{p7m}
	err := runSign(context.Background(), io, opts)
	if code, hint := classify(err); code != ExitUsage || !strings.Contains(hint, "--output-dir") {
		t.Errorf("co-sign without output: %v (exit %d, hint %q)", err, code, hint)
	}

	// Co-signature.
	stdout.Reset()
	opts.OutputDir = out
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	co := filepath.Join(out, "referto.pdf.p7m")
	if want := "co-signed " + p7m + " -> " + co + "\n"; !strings.HasPrefix(stdout.String(), want) {
		t.Errorf("stdout %q, want prefix %q", stdout, want)
	}
	if got := opensslVerifyFile(t, p.caFile, co, ""); string(got) != "contenuto di referto.pdf\n" {
		t.Errorf("co-signed content %q", got)
	}
	if after, _ := os.ReadFile(p7m); !bytes.Equal(after, signedBefore) {
		t.Error("the signed input changed")
	}
	if n := strings.Count(mustRun(t, "openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", co), "signatureAlgorithm:"); n != 2 {
		t.Errorf("openssl sees %d signers in the co-signed file, want 2", n)
	}

	// Counter-signature of the co-signed file: two signers, --signer needed.
	out2 := t.TempDir()
	opts = signOpts(p.valid, nil)
	opts.Inputs, opts.OutputDir, opts.Counter = []string{co}, out2, true
	err = runSign(context.Background(), io, opts)
	if code, _ := classify(err); !errors.As(err, new(*sign.SignerIndexError)) || code != ExitUsage {
		t.Errorf("counter-sign with two signers and no --signer: %v (exit %d)", err, code)
	}
	if got := listDir(t, out2); len(got) != 0 {
		t.Errorf("failed counter-signature left %v", got)
	}
	opts.Signer = 1
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	opensslVerifyFile(t, p.caFile, filepath.Join(out2, "referto.pdf.p7m"), "")

	// --nest: a new envelope around the whole .p7m.
	opts = signOpts(p.valid, nil)
	opts.Inputs, opts.Nest = []string{p7m}, true
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	if inner := opensslVerifyFile(t, p.caFile, p7m+".p7m", ""); !bytes.Equal(inner, signedBefore) {
		t.Error("the nested envelope does not hold the original .p7m")
	}

	// Usage errors.
	for name, mod := range map[string]func(o *signOptions){
		"counter on a plain file": func(o *signOptions) { o.Inputs, o.Counter, o.OutputDir = []string{in}, true, out },
		"detached co-sign":        func(o *signOptions) { o.Inputs, o.Detached, o.OutputDir = []string{p7m}, true, t.TempDir() },
		"signer without counter":  func(o *signOptions) { o.Inputs, o.Signer = []string{in}, 2 },
		"counter and nest":        func(o *signOptions) { o.Inputs, o.Counter, o.Nest = []string{p7m}, true, true },
	} {
		opts := signOpts(p.valid, nil)
		mod(opts)
		if code, _ := classify(runSign(context.Background(), io, opts)); code != ExitUsage {
			t.Errorf("%s: exit %d", name, code)
		}
	}
	// A .p7m that is not a signature.
	bad := filepath.Join(dir, "fake.p7m")
	os.WriteFile(bad, []byte("not a signature"), 0o644)
	opts = signOpts(p.valid, nil)
	opts.Inputs, opts.OutputDir = []string{bad}, t.TempDir()
	err = runSign(context.Background(), io, opts)
	if code, hint := classify(err); code != ExitInput || !strings.Contains(hint, "--nest") {
		t.Errorf("fake .p7m: %v (exit %d, hint %q)", err, code, hint)
	}
	if got := listDir(t, opts.OutputDir); len(got) != 0 {
		t.Errorf("failed co-signature left %v", got)
	}
}

func mustRun(t *testing.T, name string, args ...string) string {
	t.Helper()
	b, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, b)
	}
	return string(b)
}

// A batch that stopped is finished with --skip-existing: the files signed
// the first time are left alone and reported skipped, the rest are signed.
func TestSignSkipExisting(t *testing.T) {
	p := signTestPKI(t)
	src, dst := t.TempDir(), t.TempDir()
	ins := writeFiles(t, src, "1.pdf", "2.pdf", "3.pdf")
	io, _, _ := testIO(p.signNow, nil)
	var spy *keySpy
	opts := signOpts(p.valid, &spy)
	spy.failAt = 2
	opts.Inputs, opts.OutputDir = ins, dst
	err := runSign(context.Background(), io, opts)
	if _, hint := classify(err); !strings.Contains(hint, "--skip-existing") {
		t.Errorf("hint after a stopped batch: %q", hint)
	}
	first, _ := os.ReadFile(filepath.Join(dst, "1.pdf.p7m"))

	io, out, _ := testIO(p.signNow, nil)
	opts = signOpts(p.valid, &spy)
	opts.Inputs, opts.OutputDir, opts.SkipExisting = ins, dst, true
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	if spy.signs.Load() != 2 || spy.logins.Load() != 1 {
		t.Errorf("%d signatures, %d logins; want 2 and 1", spy.signs.Load(), spy.logins.Load())
	}
	if again, _ := os.ReadFile(filepath.Join(dst, "1.pdf.p7m")); !bytes.Equal(again, first) {
		t.Error("an existing output was rewritten")
	}
	want := "signed " + ins[1] + " -> " + filepath.Join(dst, "2.pdf.p7m") + "\nsigned " + ins[2] + " -> " + filepath.Join(dst, "3.pdf.p7m") +
		"\nskipped (already signed): " + ins[0] + "\n2 of 3 files signed by MARIO ROSSI (SHA-256, enveloping)\n"
	if out.String() != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	for _, n := range []string{"2.pdf.p7m", "3.pdf.p7m"} {
		opensslVerifyFile(t, p.caFile, filepath.Join(dst, n), "")
	}

	// Nothing left to do: no PIN asked at all.
	opts = signOpts(p.valid, &spy)
	opts.Inputs, opts.OutputDir, opts.SkipExisting, opts.JSON = ins, dst, true, true
	io, out, _ = testIO(p.signNow, nil)
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	if spy.logins.Load() != 0 || spy.signs.Load() != 0 {
		t.Errorf("%d logins, %d signatures with nothing to sign", spy.logins.Load(), spy.signs.Load())
	}
	var r signReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || r.Skipped != 3 || r.Signed != 0 || r.Files[0].Status != "skipped" {
		t.Errorf("JSON %s (%v)", out, err)
	}
	opts.Force = true
	if code, _ := classify(runSign(context.Background(), io, opts)); code != ExitUsage {
		t.Errorf("--force with --skip-existing: exit %d", code)
	}
}

// --- timestamps (--tsa) ---

// tsaPassword is distinctive so that every output can be searched for it.
const tsaPassword = "TSA-s3cr3t-7f3a91"

var (
	tsaIDOnce sync.Once
	tsaIDVal  *testpki.Identity
	tsaIDErr  error
)

// signTSA starts a test TSA whose certificate comes from the sign tests'
// CA; it stamps p.signNow plus two seconds.
func signTSA(t *testing.T, p *signPKI, opts testpki.TSAServerOptions) *testpki.TSAServer {
	t.Helper()
	tsaIDOnce.Do(func() { tsaIDVal, tsaIDErr = p.ca.IssueTSA(p.signNow) })
	if tsaIDErr != nil {
		t.Fatal(tsaIDErr)
	}
	opts.Now = func() time.Time { return p.signNow.Add(2 * time.Second) }
	srv, err := testpki.NewTSAServer(tsaIDVal, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// noTSAPassword fails when the TSA password shows up in any output.
func noTSAPassword(t *testing.T, outputs ...string) {
	t.Helper()
	for _, o := range outputs {
		if strings.Contains(o, tsaPassword) {
			t.Fatalf("the TSA password leaked:\n%s", o)
		}
	}
}

// verifiedTSA runs firma verify --json on file against the sign tests' CA
// and returns the file's report.
func verifiedTSA(t *testing.T, p *signPKI, file string, extra ...string) map[string]any {
	t.Helper()
	ios, out, errb := testIO(p.signNow.Add(time.Minute), nil)
	args := append([]string{"verify", "--no-system-trust", "--trust", p.caFile, "--json"}, extra...)
	if code := Main(context.Background(), append(args, file), ios); code != ExitOK {
		t.Fatalf("firma verify %s: exit %d\n%s\n%s", file, code, out, errb)
	}
	var r struct{ Files []map[string]any }
	if err := json.Unmarshal(out.Bytes(), &r); err != nil || len(r.Files) != 1 {
		t.Fatalf("verify JSON: %v\n%s", err, out)
	}
	return r.Files[0]
}

// signatureOf returns signature i of the first layer of a verify report.
func signatureOf(t *testing.T, r map[string]any, i int) map[string]any {
	t.Helper()
	layers, _ := r["layers"].([]any)
	if len(layers) == 0 {
		t.Fatalf("no layers: %v", r)
	}
	sigs, _ := layers[0].(map[string]any)["signatures"].([]any)
	if len(sigs) <= i {
		t.Fatalf("no signature %d: %v", i, r)
	}
	return sigs[i].(map[string]any)
}

// firma sign --tsa makes CAdES-T files that firma verify reports as such,
// with the timestamp's time; the human and JSON outputs carry it.
func TestSignTSA(t *testing.T) {
	p := signTestPKI(t)
	srv := signTSA(t, p, testpki.TSAServerOptions{})
	stamp := p.signNow.Add(2 * time.Second)
	dir := t.TempDir()
	in := writeFiles(t, dir, "referto.pdf")[0]
	io, out, errb := testIO(p.signNow, nil)
	opts := signOpts(p.valid, nil)
	opts.Inputs, opts.TSA = []string{in}, srv.URLFor(testpki.TSAOK)
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	want := "signed " + in + " -> " + in + ".p7m (timestamp " + stamp.Format("2006-01-02 15:04:05") + " UTC)\n" +
		"1 of 1 files signed by MARIO ROSSI (SHA-256, enveloping)\n"
	if out.String() != want || errb.Len() != 0 {
		t.Errorf("stdout %q, want %q; stderr %q", out, want, errb)
	}
	opensslVerifyFile(t, p.caFile, in+".p7m", "")
	r := verifiedTSA(t, p, in+".p7m")
	s := signatureOf(t, r, 0)
	ts, _ := s["timestamps"].([]any)
	if r["indication"] != "TOTAL_PASSED" || s["profile"] != "CAdES-B-T" || len(ts) != 1 {
		t.Fatalf("verify: indication %v profile %v, %d timestamps", r["indication"], s["profile"], len(ts))
	}
	if tm := ts[0].(map[string]any); tm["time"] != stamp.Format(time.RFC3339) || tm["indication"] != "TOTAL_PASSED" || tm["covers"] != "signature value" {
		t.Errorf("verify timestamp %v", tm)
	}
	// The human verify output names it too.
	ios, vout, _ := testIO(p.signNow.Add(time.Minute), nil)
	Main(context.Background(), []string{"verify", "--no-system-trust", "--trust", p.caFile, in + ".p7m"}, ios)
	if w := "timestamp: " + stamp.Format(time.DateTime) + " UTC (over the signature value, Firma TEST TSA 1): TOTAL_PASSED"; !strings.Contains(vout.String(), w) {
		t.Errorf("verify output lacks %q:\n%s", w, vout)
	}

	// JSON: timestamp_time per file, tsa at the top; detached from stdin.
	io, out, _ = testIO(p.signNow, nil)
	io.In = strings.NewReader("dallo standard input\n")
	opts = signOpts(p.ecdsa, nil)
	opts.Inputs, opts.Output, opts.Detached, opts.JSON, opts.TSA = []string{"-"}, filepath.Join(dir, "stdin.p7s"), true, true, srv.URLFor(testpki.TSAOK)
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	f := rep["files"].([]any)[0].(map[string]any)
	if rep["tsa"] != srv.URLFor(testpki.TSAOK) || f["timestamp_time"] != stamp.Format(time.RFC3339) || f["signing_time"] != p.signNow.Format(time.RFC3339) {
		t.Errorf("JSON %s", out)
	}
	content := filepath.Join(dir, "stdin.txt")
	os.WriteFile(content, []byte("dallo standard input\n"), 0o644)
	if s := signatureOf(t, verifiedTSA(t, p, opts.Output, "--content", content), 0); s["profile"] != "CAdES-B-T" {
		t.Errorf("detached from stdin: profile %v", s["profile"])
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("%d TSA requests for 2 signatures", n)
	}
}

// A TSA failure in the middle of a batch stops it like any failure: the
// files before it are signed (and timestamped), the failing one and the
// rest have no output, the exit code is 13 with hints.
func TestSignTSABatchStops(t *testing.T) {
	p := signTestPKI(t)
	srv := signTSA(t, p, testpki.TSAServerOptions{Mode: func(n int, asked testpki.TSAMode) testpki.TSAMode {
		if n >= 2 {
			return testpki.TSAReject
		}
		return asked
	}})
	src, dst := t.TempDir(), t.TempDir()
	ins := writeFiles(t, src, "1.pdf", "2.pdf", "3.pdf")
	io, out, _ := testIO(p.signNow, nil)
	var spy *keySpy
	opts := signOpts(p.valid, &spy)
	opts.Inputs, opts.OutputDir, opts.JSON, opts.TSA = ins, dst, true, srv.URLFor(testpki.TSAOK)
	err := runSign(context.Background(), io, opts)
	code, hint := classify(err)
	var te *sign.TimestampError
	if code != ExitTSA || !errors.As(err, &te) || te.Problem != sign.TSARejected {
		t.Fatalf("exit %d: %v", code, err)
	}
	if !strings.Contains(hint, "--tsa-policy") || !strings.Contains(hint, "--skip-existing") {
		t.Errorf("hint %q", hint)
	}
	if got := strings.Join(listDir(t, dst), " "); got != "1.pdf.p7m" {
		t.Errorf("output folder holds %q", got)
	}
	if s := signatureOf(t, verifiedTSA(t, p, filepath.Join(dst, "1.pdf.p7m")), 0); s["profile"] != "CAdES-B-T" {
		t.Errorf("the file signed before the failure: profile %v", s["profile"])
	}
	var r signReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	var st []string
	for _, f := range r.Files {
		st = append(st, f.Status)
	}
	if strings.Join(st, ",") != "signed,failed,not_signed" || r.Files[0].TimestampTime == nil || r.Files[1].TimestampTime != nil ||
		!strings.Contains(r.Files[1].Error, "rejected the request") || r.TSA != srv.URLFor(testpki.TSAOK) {
		t.Errorf("report %s", out)
	}
	if n := len(srv.Requests()); n != 2 || spy.signs.Load() != 2 {
		t.Errorf("%d TSA requests, %d signatures; want 2 and 2", n, spy.signs.Load())
	}
}

// The --tsa flags are checked before the token is opened (so before any
// PIN): a bad URL is a usage error that costs nothing, and never echoes a
// password put into it.
func TestSignTSAFlagErrors(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	ins := writeFiles(t, dir, "a.pdf")
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte(tsaPassword+"\n"), 0o600)
	for _, c := range []struct {
		name string
		mod  func(o *signOptions)
		code int
		want string
	}{
		{"no scheme", func(o *signOptions) { o.TSA = "tsa.example.it/tsa" }, ExitUsage, "no scheme"},
		{"ftp", func(o *signOptions) { o.TSA = "ftp://tsa.example.it/" }, ExitUsage, "not http or https"},
		{"password in URL", func(o *signOptions) { o.TSA = "https://medico:" + tsaPassword + "@tsa.example.it/" }, ExitUsage, "--tsa-user"},
		{"unparsable URL with password", func(o *signOptions) { o.TSA = "https://medico:" + tsaPassword + "@tsa.example.it/%zz" }, ExitUsage, "not a valid URL"},
		{"user without --tsa", func(o *signOptions) { o.TSAUser = "medico" }, ExitUsage, "go with --tsa"},
		{"password file without --tsa", func(o *signOptions) { o.TSAPassword.File = pwFile }, ExitUsage, "go with --tsa"},
		{"password without user", func(o *signOptions) { o.TSA, o.TSAPassword.File = "https://tsa.example.it/", pwFile }, ExitUsage, "--tsa-user"},
		{"bad policy", func(o *signOptions) { o.TSA, o.TSAPolicy = "https://tsa.example.it/", "1.2.x" }, ExitUsage, "object identifier"},
		{"negative timeout", func(o *signOptions) { o.TSA, o.TSATimeout = "https://tsa.example.it/", -time.Second }, ExitUsage, "negative"},
		{"missing password file", func(o *signOptions) {
			o.TSA, o.TSAUser, o.TSAPassword.File = "https://tsa.example.it/", "medico", filepath.Join(dir, "none")
		}, ExitInput, "TSA password file"},
	} {
		io, out, errb := testIO(p.signNow, nil)
		opts := signOpts(p.valid, nil)
		opts.TSAPassword = newTSAPasswordOptions()
		opened := false
		opts.openKey = func(*IO) (*signKey, error) { opened = true; return nil, errors.New("must not open") }
		opts.Inputs = ins
		c.mod(opts)
		err := runSign(context.Background(), io, opts)
		code, hint := classify(err)
		if err == nil || code != c.code || !strings.Contains(err.Error()+" "+hint, c.want) {
			t.Errorf("%s: %v (exit %d, hint %q), want exit %d and %q", c.name, err, code, hint, c.code, c.want)
		}
		if opened {
			t.Errorf("%s: token opened", c.name)
		}
		if err != nil {
			noTSAPassword(t, err.Error(), hint, out.String(), errb.String())
		}
	}
	if got := strings.Join(listDir(t, dir), " "); got != "a.pdf pw" {
		t.Errorf("directory holds %s", got)
	}
}

// The TSA password comes from a file, a descriptor or FIRMA_TSA_PASSWORD,
// is asked before the token is opened, and never shows in any output,
// not even when it is wrong.
func TestSignTSAPassword(t *testing.T) {
	p := signTestPKI(t)
	srv := signTSA(t, p, testpki.TSAServerOptions{User: "medico", Password: tsaPassword})
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte(tsaPassword+"\n"), 0o600)
	badFile := filepath.Join(dir, "bad")
	os.WriteFile(badFile, []byte("wrong-"+tsaPassword+"\n"), 0o600)
	run := func(name string, env map[string]string, tty TTY, mod func(o *signOptions)) ([]string, error) {
		t.Helper()
		out := t.TempDir()
		in := writeFiles(t, out, "doc.pdf")[0]
		io, stdout, stderr := testIO(p.signNow, env)
		if tty != nil {
			io.OpenTTY = func() (TTY, error) { return tty, nil }
		}
		opts := signOpts(p.valid, nil)
		opts.TSAPassword = newTSAPasswordOptions()
		opts.Inputs, opts.JSON, opts.TSA, opts.TSAUser = []string{in}, true, srv.URLFor(testpki.TSAOK), "medico"
		mod(opts)
		err := runSign(context.Background(), io, opts)
		outputs := []string{stdout.String(), stderr.String()}
		if err != nil {
			_, hint := classify(err)
			outputs = append(outputs, err.Error(), hint)
		}
		noTSAPassword(t, outputs...)
		if !strings.Contains(stderr.String(), "unencrypted over http://") {
			t.Errorf("%s: no warning about the password over plain http: %q", name, stderr)
		}
		return listDir(t, out), err
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	pw.WriteString(tsaPassword + "\n")
	pw.Close()
	fd, err := syscall.Dup(int(pr.Fd()))
	pr.Close()
	if err != nil {
		t.Fatal(err)
	}
	tty := &fakeTTY{secret: tsaPassword}
	for name, c := range map[string]struct {
		env map[string]string
		tty TTY
		mod func(o *signOptions)
	}{
		"file":     {nil, nil, func(o *signOptions) { o.TSAPassword.File = pwFile }},
		"fd":       {nil, nil, func(o *signOptions) { o.TSAPassword.FD = fd }},
		"env":      {map[string]string{"FIRMA_TSA_PASSWORD": tsaPassword}, nil, func(o *signOptions) {}},
		"terminal": {nil, tty, func(o *signOptions) {}},
	} {
		if files, err := run(name, c.env, c.tty, c.mod); err != nil || len(files) != 2 {
			t.Errorf("%s: %v, files %v", name, err, files)
		}
	}
	if want := "TSA password for medico at " + strings.TrimPrefix(srv.URL, "http://") + ": "; tty.String() != want {
		t.Errorf("terminal prompt %q, want %q", tty.String(), want)
	}
	if n := len(srv.Requests()); n != 4 {
		t.Errorf("%d TSA requests", n)
	}

	// No source and no terminal: exit 8 naming the ways, before the token.
	var spy *keySpy
	files, err := run("none", nil, nil, func(o *signOptions) {
		open := o.openKey
		o.openKey = func(io *IO) (*signKey, error) { spy = &keySpy{}; return open(io) }
	})
	if code, hint := classify(err); code != ExitNoPIN || !strings.Contains(hint, "--tsa-password-file") || !strings.Contains(hint, "FIRMA_TSA_PASSWORD") || spy != nil || len(files) != 1 {
		t.Errorf("no password source: %v (exit %d, hint %q), token opened %v, files %v", err, code, hint, spy != nil, files)
	}

	// A wrong password: exit 13, the hint names the credentials, no output.
	files, err = run("wrong", nil, nil, func(o *signOptions) { o.TSAPassword.File = badFile })
	if code, hint := classify(err); code != ExitTSA || !strings.Contains(hint, "--tsa-user") || len(files) != 1 {
		t.Errorf("wrong password: %v (exit %d, hint %q), files %v", err, code, hint, files)
	}
}

// fakeTTY is a terminal that answers a secret prompt and records what was
// written to it.
type fakeTTY struct {
	bytes.Buffer
	secret string
}

func (f *fakeTTY) Read([]byte) (int, error) { return 0, io.EOF }
func (f *fakeTTY) Close() error             { return nil }
func (f *fakeTTY) ReadSecret(_ context.Context, prompt string) ([]byte, error) {
	f.WriteString(prompt)
	return []byte(f.secret), nil
}

// Through the real command line and the SoftHSM token: every flag wired,
// the PIN and the TSA password in no output, verify sees CAdES-T. (The
// network-free failures are in testdata/script/sign_tsa.txtar.)
func TestSignTSACommandLine(t *testing.T) {
	f := fixture(t)
	now := time.Now()
	tsa, err := f.CA.IssueTSA(now)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := testpki.NewTSAServer(tsa, testpki.TSAServerOptions{User: "medico", Password: tsaPassword})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	in := writeFiles(t, dir, "referto.pdf")[0]
	pwFile := filepath.Join(dir, "tsa-pw")
	os.WriteFile(pwFile, []byte(tsaPassword+"\n"), 0o600)
	pin := filepath.Join(fixtureDir, "pin")
	r := firma(t, now, nil, "sign", "--token", testpki.MainToken, "--pin-file", pin, "--json",
		"--tsa", srv.URLFor(testpki.TSAOK), "--tsa-user", "medico", "--tsa-password-file", pwFile,
		"--tsa-policy", "1.3.6.1.4.1.99999.3.7", "--tsa-timeout", "5s", in)
	noTSAPassword(t, r.out, r.err)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.out, r.err)
	}
	var rep signReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil || rep.Signed != 1 || rep.Files[0].TimestampTime == nil {
		t.Fatalf("report %s (%v)", r.out, err)
	}
	if q := srv.Requests(); len(q) != 1 || q[0].User != "medico" || q[0].Query.TSAPolicyOID.String() != "1.3.6.1.4.1.99999.3.7" {
		t.Errorf("TSA requests %+v", q)
	}
	v := firma(t, now.Add(time.Minute), nil, "verify", "--no-system-trust", "--trust", f.CAFile, in+".p7m")
	if v.code != ExitOK || !strings.Contains(v.out, "CAdES-B-T") || !strings.Contains(v.out, "timestamp: ") {
		t.Errorf("verify: exit %d\n%s", v.code, v.out)
	}
}
