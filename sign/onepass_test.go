package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/verify"
	"github.com/smallstep/pkcs7"
)

var (
	moreKeysOnce  sync.Once
	rsa4096, p384 *testpki.Identity
	moreKeysErr   error
)

// moreKeys issues an RSA-4096 and an ECDSA P-384 identity once.
func moreKeys(t testing.TB) (*testpki.Identity, *testpki.Identity) {
	t.Helper()
	p := testPKI(t)
	moreKeysOnce.Do(func() {
		v := testpki.Variants(now)["valid"]
		v.KeyType = testpki.RSA4096
		if rsa4096, moreKeysErr = p.ca.Issue(v); moreKeysErr != nil {
			return
		}
		v.KeyType = testpki.ECP384
		p384, moreKeysErr = p.ca.Issue(v)
	})
	if moreKeysErr != nil {
		t.Fatal(moreKeysErr)
	}
	return rsa4096, p384
}

// countingReader counts the bytes read through it.
type countingReader struct {
	io.ReadSeeker
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.ReadSeeker.Read(p)
	c.n += int64(n)
	return n, err
}

// signToFile signs the file at path into a new file with Attached and
// returns the output's bytes; it fails the test when the content was read
// more than once.
func signToFile(t *testing.T, s *Signer, path string) ([]byte, Result) {
	t.Helper()
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	fi, _ := in.Stat()
	out, err := os.Create(filepath.Join(t.TempDir(), "out.p7m"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cr := &countingReader{ReadSeeker: in}
	res, err := s.Attached(context.Background(), cr, out)
	if err != nil {
		t.Fatal(err)
	}
	if cr.n != fi.Size() {
		t.Errorf("read %d bytes of a %d-byte file: not one pass", cr.n, fi.Size())
	}
	der, err := os.ReadFile(out.Name())
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != int64(len(der)) || res.Size != fi.Size() {
		t.Errorf("result %+v, output %d bytes", res, len(der))
	}
	return der, res
}

// crossCheck proves that der is a strict DER enveloping signature of
// content that openssl, smallstep/pkcs7 and firma's verify all accept,
// with every signer (signers counts them).
func crossCheck(t *testing.T, der, content []byte, signers int) {
	t.Helper()
	p := testPKI(t)
	if canon, err := cms.ToDER(der); err != nil || !bytes.Equal(canon, der) {
		t.Errorf("not DER throughout: %v", err)
	}
	opensslVerify(t, writeTemp(t, "sig.p7m", der), "", p.caFile)
	p7, err := pkcs7.Parse(der)
	if err != nil {
		t.Fatalf("smallstep/pkcs7: %v", err)
	}
	if !bytes.Equal(p7.Content, content) || len(p7.Signers) != signers {
		t.Errorf("smallstep/pkcs7: %d content bytes, %d signers", len(p7.Content), len(p7.Signers))
	}
	pool := x509.NewCertPool()
	pool.AddCert(p.ca.Cert)
	if err := p7.VerifyWithChainAtTime(pool, now); err != nil {
		t.Errorf("smallstep/pkcs7 verify: %v", err)
	}
	trust := verify.NewTrustStore()
	trust.AddCertificates("test CA", p.ca.Cert)
	var doc bytes.Buffer
	rep, err := verify.Verify(context.Background(), bytes.NewReader(der), verify.Options{Trust: trust, Extract: &doc, Now: func() time.Time { return now.Add(time.Minute) }})
	if err != nil {
		t.Fatalf("firma verify: %v", err)
	}
	if rep.Indication != verify.TotalPassed || len(rep.Layers) != 1 || len(rep.Layers[0].Signatures) != signers || !bytes.Equal(doc.Bytes(), content) {
		t.Errorf("firma verify: %s %s %q", rep.Indication, rep.SubIndication, rep.Reason)
	}
}

// Every key size and type, with and without a timestamp: the content is
// read once, and the output is what the two-pass way writes (byte for
// byte where the signature is deterministic) and what openssl,
// smallstep/pkcs7 and firma's verify accept.
func TestAttachedOnePass(t *testing.T) {
	p := testPKI(t)
	r4096, e384 := moreKeys(t)
	srv := testTSA(t, testpki.TSAServerOptions{})
	content := bytes.Repeat([]byte("Referto firmato in un solo passaggio.\n"), 80000) // 3 MiB: several chunks
	path := writeTemp(t, "referto.txt", content)
	for _, c := range []struct {
		name string
		id   *testpki.Identity
		h    crypto.Hash
	}{
		{"rsa2048", p.rsa, crypto.SHA256},
		{"rsa4096", r4096, crypto.SHA256},
		{"ecdsa-p256", p.ecdsa, crypto.SHA256},
		{"ecdsa-p384", e384, crypto.SHA384},
	} {
		for _, tsa := range []bool{false, true} {
			name := c.name
			if tsa {
				name += "-tsa"
			}
			t.Run(name, func(t *testing.T) {
				opts := Options{Hash: c.h}
				if tsa {
					opts.Timestamper = tsaClient(t, srv, testpki.TSAOK)
				}
				s := newSigner(t, c.id, opts)
				der, res := signToFile(t, s, path)
				checkStructure(t, der, content, c.id, c.h)
				crossCheck(t, der, content, 1)
				sd := signerInfosOf(t, der)
				if tsa && c.h == crypto.SHA256 {
					checkTimestamp(t, sd.SignerInfos[0])
				} else if tsa {
					// The imprint uses the signature's hash.
					tok, err := parseToken(timestampOf(t, sd.SignerInfos[0]))
					hh := c.h.New()
					hh.Write(sd.SignerInfos[0].Signature)
					if err != nil || tok.hash != c.h || !bytes.Equal(tok.info.MessageImprint.HashedMessage, hh.Sum(nil)) {
						t.Errorf("timestamp imprint: %v", err)
					}
				}
				if tsa {
					if !res.TimestampTime.Equal(tsaTime) {
						t.Errorf("timestamp time %v", res.TimestampTime)
					}
				}
				// The two-pass way (an output that cannot be rewritten).
				var twoPass bytes.Buffer
				if _, err := s.Attached(context.Background(), bytes.NewReader(content), &twoPass); err != nil {
					t.Fatal(err)
				}
				if c.id.Cert.PublicKeyAlgorithm == x509.RSA && !tsa {
					if !bytes.Equal(der, twoPass.Bytes()) {
						t.Error("one pass and two passes differ for a deterministic signature")
					}
					return
				}
				// Same parts apart from the signer info's values.
				sd2 := signerInfosOf(t, twoPass.Bytes())
				if sd.Version != sd2.Version || len(sd.DigestAlgorithms) != len(sd2.DigestAlgorithms) || !bytes.Equal(sd.Certificates[0], sd2.Certificates[0]) ||
					!bytes.Equal(sd.ContentDigests[c.h], sd2.ContentDigests[c.h]) || !bytes.Equal(sd.SignerInfos[0].SignedAttrs[0].Values[0], sd2.SignerInfos[0].SignedAttrs[0].Values[0]) {
					t.Error("one pass and two passes build different structures")
				}
			})
		}
	}
}

// lengthKey makes real ECDSA signatures of one chosen DER length, by
// signing again until one comes out that long (1 in 4 do for 70 or 72
// bytes on P-256), so the estimate of 71 is wrong on purpose.
type lengthKey struct {
	*ecdsa.PrivateKey
	want int
}

func (k lengthKey) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	for {
		sig, err := k.PrivateKey.Sign(r, d, o)
		if err != nil || len(sig) == k.want {
			return sig, err
		}
	}
}

// A signature whose length differs from the first estimate: the header is
// fixed in place; where the difference changes a DER length's size (the
// total crossing 64 KiB here), the content moves, one way or the other,
// and the output is still DER that everyone verifies.
func TestAttachedSignatureLengthDiffers(t *testing.T) {
	p := testPKI(t)
	key := p.ecdsa.Key.(*ecdsa.PrivateKey)
	base := newSigner(t, p.ecdsa, Options{})
	if got := base.signatureLen(); got != 71 {
		t.Fatalf("P-256 estimate %d, want 71", got)
	}
	// x0: the first content length whose estimated header has 3-octet
	// lengths (a total of 64 KiB or more).
	hlen := func(x int64) int {
		h, err := base.estimateHeader(base.signedData(), x, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(h)
	}
	x0 := int64(60000)
	for hlen(x0) == hlen(60000) {
		x0++
	}
	var moved []int64
	testHookMoved = func(d int64) { moved = append(moved, d) }
	defer func() { testHookMoved = nil }()
	for _, c := range []struct {
		sigLen int
		size   int64
		move   int64 // expected sign of the content's move
	}{
		{70, 1000, 0},   // header bytes rewritten, same length
		{72, 1000, 0},   // the other way
		{72, x0 - 1, 1}, // one byte more crosses 64 KiB: the header grows
		{70, x0, -1},    // one byte less falls below it: the header shrinks
	} {
		moved = nil
		s, err := New(lengthKey{key, c.sigLen}, p.ecdsa.Cert, Options{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		content := bytes.Repeat([]byte{0x5a}, int(c.size))
		content[0], content[len(content)-1] = 'A', 'Z'
		der, _ := signToFile(t, s, writeTemp(t, "doc", content))
		if got := len(signerInfosOf(t, der).SignerInfos[0].Signature); got != c.sigLen {
			t.Fatalf("signature of %d bytes, want %d", got, c.sigLen)
		}
		switch {
		case c.move == 0 && len(moved) != 0, c.move > 0 && (len(moved) != 1 || moved[0] <= 0), c.move < 0 && (len(moved) != 1 || moved[0] >= 0):
			t.Errorf("signature of %d bytes, content %d: moves %v, want sign %d", c.sigLen, c.size, moved, c.move)
		}
		checkStructure(t, der, content, p.ecdsa, crypto.SHA256)
		crossCheck(t, der, content, 1)
	}
}

// A timestamp longer than expected moves the content when it pushes a
// length over a size boundary; the file still verifies, token included.
func TestAttachedTimestampLongerThanEstimate(t *testing.T) {
	p := testPKI(t)
	srv := testTSA(t, testpki.TSAServerOptions{})
	s := newSigner(t, p.rsa, Options{Timestamper: tsaClient(t, srv, testpki.TSAOK)})
	signToFile(t, s, writeTemp(t, "warm", []byte("x"))) // learns the token's size
	real := s.lastUnsigned.Load()
	hlen := func(x int64) int {
		h, err := s.estimateHeader(s.signedData(), x, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(h)
	}
	s.lastUnsigned.Store(100) // a wrong estimate: far too short
	x := int64(50000)
	for hlen(x) == hlen(50000) {
		x++
	}
	x -= (real - 100) / 2 // the estimate stays under 64 KiB, the real total goes over
	var moved []int64
	testHookMoved = func(d int64) { moved = append(moved, d) }
	defer func() { testHookMoved = nil }()
	content := bytes.Repeat([]byte("t"), int(x))
	der, _ := signToFile(t, s, writeTemp(t, "doc", content))
	if len(moved) != 1 || moved[0] <= 0 {
		t.Errorf("moves %v, want one forward", moved)
	}
	crossCheck(t, der, content, 1)
	checkTimestamp(t, signerInfosOf(t, der).SignerInfos[0])
}

// noSeek is a stream without a size, like a pipe.
type noSeek struct{ io.Reader }

func (noSeek) Seek(int64, int) (int64, error) { return 0, errors.New("illegal seek") }

// A stream of unknown size (a pipe) is read once too: sizes up to one
// chunk are known before the header is written, longer ones are assumed
// to be 16 MiB to 4 GiB and the content moves by a few bytes otherwise.
func TestAttachedStream(t *testing.T) {
	p := testPKI(t)
	s := newSigner(t, p.ecdsa, Options{})
	var moved []int64
	testHookMoved = func(d int64) { moved = append(moved, d) }
	defer func() { testHookMoved = nil }()
	for _, size := range []int{0, 100, 1 << 20, 1<<20 + 1, 3 << 20} {
		moved = nil
		content := bytes.Repeat([]byte{byte(size)}, size)
		out, err := os.Create(filepath.Join(t.TempDir(), "out.p7m"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.Attached(context.Background(), noSeek{bytes.NewReader(content)}, out)
		out.Close()
		if err != nil {
			t.Fatalf("%d bytes: %v", size, err)
		}
		if wantMove := size >= 1<<20; (len(moved) == 1) != wantMove {
			t.Errorf("%d bytes: moves %v", size, moved)
		}
		der, _ := os.ReadFile(out.Name())
		if res.Size != int64(size) || res.Written != int64(len(der)) {
			t.Errorf("%d bytes: result %+v, output %d bytes", size, res, len(der))
		}
		crossCheck(t, der, content, 1)
	}
}

// hookFile runs hook once, after the first read: a file changed by
// another program while it is being signed.
type hookFile struct {
	*os.File
	hook func(f *os.File)
	done bool
}

func (h *hookFile) Read(p []byte) (int, error) {
	n, err := h.File.Read(p)
	if !h.done {
		h.done = true
		h.hook(h.File)
	}
	return n, err
}

// A file that grows, shrinks or is rewritten in place while its single
// read goes on is refused; the same read of a file left alone signs.
func TestAttachedFileChangesDuringRead(t *testing.T) {
	p := testPKI(t)
	s := newSigner(t, p.rsa, Options{})
	content := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB
	old := time.Now().Add(-time.Hour)
	for _, c := range []struct {
		name string
		hook func(t *testing.T, path string)
		ok   bool
	}{
		{"untouched", func(*testing.T, string) {}, true},
		{"grows", func(t *testing.T, path string) {
			f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			f.Write([]byte("more"))
			f.Close()
		}, false},
		{"shrinks", func(t *testing.T, path string) { os.Truncate(path, int64(len(content))-10) }, false},
		{"rewritten ahead", func(t *testing.T, path string) {
			f, _ := os.OpenFile(path, os.O_WRONLY, 0)
			f.WriteAt([]byte("CHANGED"), 2<<20) // not read yet
			f.Close()
		}, false},
		{"rewritten behind", func(t *testing.T, path string) {
			f, _ := os.OpenFile(path, os.O_WRONLY, 0)
			f.WriteAt([]byte("CHANGED"), 0) // read already
			f.Close()
		}, false},
		{"rewritten, time set back", func(t *testing.T, path string) {
			f, _ := os.OpenFile(path, os.O_WRONLY, 0)
			f.WriteAt([]byte("CHANGED"), 2<<20)
			f.Close()
			os.Chtimes(path, old, old) // the change time still moves
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := writeTemp(t, "doc", content)
			// An old file, as documents are: its next change has
			// another modification time.
			os.Chtimes(path, old.Add(-time.Hour), old.Add(-time.Hour))
			in, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			out, err := os.Create(filepath.Join(t.TempDir(), "out.p7m"))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			_, err = s.Attached(context.Background(), &hookFile{File: in, hook: func(*os.File) { c.hook(t, path) }}, out)
			if c.ok {
				if err != nil {
					t.Fatal(err)
				}
				der, _ := os.ReadFile(out.Name())
				crossCheck(t, der, content, 1)
				return
			}
			if !errors.As(err, new(*ContentChangedError)) {
				t.Errorf("%v, want a ContentChangedError", err)
			}
		})
	}
}

// An output opened for appending cannot have its header fixed in place:
// that is an error, never a file with the wrong header.
func TestAttachedAppendOnlyOutput(t *testing.T) {
	p := testPKI(t)
	s, err := New(lengthKey{p.ecdsa.Key.(*ecdsa.PrivateKey), 72}, p.ecdsa.Cert, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	out := &appendOnly{}
	if _, err := s.Attached(context.Background(), bytes.NewReader([]byte("doc")), out); err == nil {
		t.Error("a header that could not be fixed was accepted")
	}
}

// appendOnly is an OutputFile whose WriteAt appends, as pwrite does on a
// Linux file opened with O_APPEND.
type appendOnly struct{ b []byte }

func (a *appendOnly) Write(p []byte) (int, error)            { a.b = append(a.b, p...); return len(p), nil }
func (a *appendOnly) WriteAt(p []byte, _ int64) (int, error) { return a.Write(p) }
func (a *appendOnly) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(a.b)) {
		return 0, io.EOF
	}
	n := copy(p, a.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
func (a *appendOnly) Seek(off int64, whence int) (int64, error) { return int64(len(a.b)), nil }

// Progress counts twice the content in one pass as in two (hashed, then
// written), so a bar sized for the old two passes still ends at 100%.
func TestProgressOnePass(t *testing.T) {
	p := testPKI(t)
	var got int64
	s := newSigner(t, p.rsa, Options{Progress: func(n int64) { got += n }})
	content := bytes.Repeat([]byte("x"), 3<<20+5)
	signToFile(t, s, writeTemp(t, "doc", content))
	if got != 2*int64(len(content)) {
		t.Errorf("progress %d, want %d", got, 2*len(content))
	}
}

// fileOpener opens path, counting the calls; hook, when set, runs after
// the first read of the first opening.
func fileOpener(path string, calls *int, hook func()) Opener {
	return func() (io.ReadCloser, error) {
		*calls++
		f, err := os.Open(path)
		if err != nil || hook == nil {
			return f, err
		}
		return &hookFile{File: f, hook: func(*os.File) { hook() }}, nil
	}
}

// addToFile runs add (a co-signature or counter-signature) into a new
// file and returns its bytes; the input must be opened once.
func addToFile(t *testing.T, path string, add func(Opener, io.Writer) (Result, error)) []byte {
	t.Helper()
	out, err := os.Create(filepath.Join(t.TempDir(), "out.p7m"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	calls := 0
	res, err := add(fileOpener(path, &calls, nil), out)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("the existing file was opened %d times: not one pass", calls)
	}
	der, _ := os.ReadFile(out.Name())
	if res.Written != int64(len(der)) {
		t.Errorf("result says %d bytes written, output has %d", res.Written, len(der))
	}
	return der
}

// Co-signing an enveloping file into a file reads it once, whatever its
// form (firma's DER, openssl's BER with indefinite lengths, base64): the
// existing signature is carried byte for byte, both verify everywhere,
// and the output is the two-pass one where the signature is
// deterministic.
func TestCoSignOnePass(t *testing.T) {
	p := testPKI(t)
	r4096, e384 := moreKeys(t)
	content := bytes.Repeat([]byte("riga del referto co-firmato\n"), 110000) // 3 MiB
	der := signAttached(t, p.rsa, content, Options{})
	inputs := map[string][]byte{"der": der, "base64": []byte(base64.StdEncoding.EncodeToString(der))}
	if ber, err := opensslBER(t, content, p.ecdsa); err == nil {
		inputs["ber"] = ber
	} else {
		t.Error(err)
	}
	srv := testTSA(t, testpki.TSAServerOptions{})
	for name, in := range inputs {
		path := writeTemp(t, "in.p7m", in)
		orig := signerInfosOf(t, mustDER(t, in)).SignerInfos[0].Raw
		for _, c := range []struct {
			id   *testpki.Identity
			opts Options
		}{
			{r4096, Options{}},
			{e384, Options{Hash: crypto.SHA384}},
			{p.ecdsa, Options{Timestamper: tsaClient(t, srv, testpki.TSAOK)}},
		} {
			s := newSigner(t, c.id, c.opts)
			out := addToFile(t, path, func(open Opener, w io.Writer) (Result, error) { return s.CoSign(context.Background(), open, w) })
			crossCheck(t, out, content, 2)
			sd := signerInfosOf(t, out)
			kept := false
			for _, si := range sd.SignerInfos {
				kept = kept || bytes.Equal(si.Raw, orig)
			}
			if !kept {
				t.Errorf("%s, %s: the existing signature was not kept byte for byte", name, c.id)
			}
			if c.opts.Timestamper != nil || c.id.Cert.PublicKeyAlgorithm != x509.RSA {
				continue
			}
			var twoPass bytes.Buffer
			if _, err := s.CoSign(context.Background(), bytesOpener(in), &twoPass); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, twoPass.Bytes()) {
				t.Errorf("%s: one pass and two passes differ", name)
			}
		}
	}
}

// mustDER decodes a base64 input for the checks.
func mustDER(t *testing.T, in []byte) []byte {
	t.Helper()
	if in[0] == 0x30 {
		return in
	}
	b, err := base64.StdEncoding.DecodeString(string(in))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// opensslBER signs content with openssl cms -stream: BER, indefinite
// lengths, a constructed OCTET STRING whose length is known only at its
// end.
func opensslBER(t *testing.T, content []byte, id *testpki.Identity) ([]byte, error) {
	t.Helper()
	dir := t.TempDir()
	key, _ := testpki.KeyPEM(id.Key)
	os.WriteFile(filepath.Join(dir, "key.pem"), key, 0o600)
	os.WriteFile(filepath.Join(dir, "cert.pem"), testpki.CertPEM(id.Cert), 0o644)
	doc := writeTemp(t, "doc", content)
	ber := filepath.Join(dir, "doc.p7m")
	cmd := exec.Command("openssl", "cms", "-sign", "-cades", "-binary", "-stream", "-nodetach", "-outform", "DER",
		"-in", doc, "-signer", filepath.Join(dir, "cert.pem"), "-inkey", filepath.Join(dir, "key.pem"), "-md", "sha256", "-out", ber)
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("openssl cms -sign: %v\n%s", err, b)
	}
	raw, err := os.ReadFile(ber)
	if err == nil && raw[1] != 0x80 {
		err = fmt.Errorf("openssl -stream did not write indefinite lengths (%x)", raw[:4])
	}
	return raw, err
}

// Counter-signing into a file reads the existing file once too, and
// writes what the two passes write.
func TestCounterSignOnePass(t *testing.T) {
	p := testPKI(t)
	content := bytes.Repeat([]byte("controfirma\n"), 200000)
	path := writeTemp(t, "in.p7m", signAttached(t, p.ecdsa, content, Options{}))
	s := newSigner(t, p.rsa, Options{})
	out := addToFile(t, path, func(open Opener, w io.Writer) (Result, error) {
		return s.CounterSign(context.Background(), open, 1, w)
	})
	opensslVerify(t, writeTemp(t, "cs.p7m", out), "", p.caFile)
	checkCounterSignature(t, signerInfosOf(t, out).SignerInfos[0], p.rsa.Cert)
	in, _ := os.ReadFile(path)
	var twoPass bytes.Buffer
	if _, err := s.CounterSign(context.Background(), bytesOpener(in), 1, &twoPass); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, twoPass.Bytes()) {
		t.Error("one pass and two passes differ")
	}
}

// An existing signature file that changes during the single read of a
// co-signature is refused; a detached one writes nothing.
func TestCoSignOnePassRefusals(t *testing.T) {
	p := testPKI(t)
	content := bytes.Repeat([]byte("0123456789abcdef"), 3<<16)
	signed := signAttached(t, p.rsa, content, Options{})
	old := time.Now().Add(-2 * time.Hour)
	for name, hook := range map[string]func(path string){
		"grows": func(path string) {
			f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			f.Write([]byte{0})
			f.Close()
		},
		"rewritten": func(path string) {
			f, _ := os.OpenFile(path, os.O_WRONLY, 0)
			f.WriteAt([]byte("CHANGED"), 2<<20)
			f.Close()
		},
	} {
		path := writeTemp(t, "in.p7m", signed)
		os.Chtimes(path, old, old)
		out, err := os.Create(filepath.Join(t.TempDir(), "out.p7m"))
		if err != nil {
			t.Fatal(err)
		}
		calls := 0
		_, err = newSigner(t, p.ecdsa, Options{}).CoSign(context.Background(), fileOpener(path, &calls, func() { hook(path) }), out)
		out.Close()
		if !errors.As(err, new(*ContentChangedError)) {
			t.Errorf("%s: %v, want a ContentChangedError", name, err)
		}
	}
	// A detached signature has no content to co-sign: nothing is written.
	var det bytes.Buffer
	if _, err := newSigner(t, p.rsa, Options{}).Detached(context.Background(), bytes.NewReader(content), &det); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(t.TempDir(), "out.p7m"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	calls := 0
	if _, err := newSigner(t, p.ecdsa, Options{}).CoSign(context.Background(), fileOpener(writeTemp(t, "d.p7s", det.Bytes()), &calls, nil), out); !errors.As(err, new(*DetachedContentError)) {
		t.Errorf("detached: %v", err)
	}
	if fi, _ := out.Stat(); fi.Size() != 0 {
		t.Errorf("detached: %d bytes written", fi.Size())
	}
}
