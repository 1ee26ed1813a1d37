package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/smallstep/pkcs7"
)

func bytesOpener(b []byte) Opener {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func signAttached(t *testing.T, id *testpki.Identity, content []byte, opts Options) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := newSigner(t, id, opts).Attached(context.Background(), bytes.NewReader(content), &out); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// signerInfosOf parses the output with the cms reader.
func signerInfosOf(t *testing.T, der []byte) *cms.ParsedSignedData {
	t.Helper()
	sd, err := cms.ParseSignedData(bytes.NewReader(der), cms.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return sd
}

func TestCoSign(t *testing.T) {
	p := testPKI(t)
	content := []byte("Documento firmato da due medici.\n")
	first := signAttached(t, p.rsa, content, Options{})
	before := signerInfosOf(t, first).SignerInfos[0].Raw

	var out bytes.Buffer
	s := newSigner(t, p.ecdsa, Options{Hash: crypto.SHA384})
	res, err := s.CoSign(context.Background(), bytesOpener(first), &out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != int64(len(content)) || res.Written != int64(out.Len()) {
		t.Errorf("result %+v", res)
	}
	sd := signerInfosOf(t, out.Bytes())
	if len(sd.SignerInfos) != 2 || len(sd.DigestAlgorithms) != 2 || len(sd.Certificates) != 2 {
		t.Fatalf("%d signers, %d digest algorithms, %d certificates", len(sd.SignerInfos), len(sd.DigestAlgorithms), len(sd.Certificates))
	}
	// The first signature is carried byte for byte.
	found := false
	for _, si := range sd.SignerInfos {
		found = found || bytes.Equal(si.Raw, before)
	}
	if !found {
		t.Error("the existing SignerInfo was not kept byte for byte")
	}
	// openssl verifies every signer; smallstep/pkcs7 too.
	opensslVerify(t, writeTemp(t, "doc.p7m", out.Bytes()), "", p.caFile)
	p7, err := pkcs7.Parse(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(p7.Signers) != 2 || !bytes.Equal(p7.Content, content) {
		t.Fatalf("smallstep/pkcs7 sees %d signers", len(p7.Signers))
	}
	pool := x509.NewCertPool()
	pool.AddCert(p.ca.Cert)
	if err := p7.VerifyWithChainAtTime(pool, now); err != nil {
		t.Errorf("smallstep/pkcs7: %v", err)
	}
}

// Co-signing a BER file (indefinite lengths, written by openssl -stream)
// and a base64 one: both produce files that verify for both signers.
func TestCoSignBERAndBase64(t *testing.T) {
	p := testPKI(t)
	if _, err := exec.LookPath("openssl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl missing in CI")
		}
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	doc := filepath.Join(dir, "doc.txt")
	os.WriteFile(doc, bytes.Repeat([]byte("riga del referto\n"), 5000), 0o644)
	key, _ := testpki.KeyPEM(p.ecdsa.Key)
	os.WriteFile(filepath.Join(dir, "key.pem"), key, 0o600)
	os.WriteFile(filepath.Join(dir, "cert.pem"), testpki.CertPEM(p.ecdsa.Cert), 0o644)
	ber := filepath.Join(dir, "doc.txt.p7m")
	cmd := exec.Command("openssl", "cms", "-sign", "-cades", "-binary", "-stream", "-nodetach", "-outform", "DER",
		"-in", doc, "-signer", filepath.Join(dir, "cert.pem"), "-inkey", filepath.Join(dir, "key.pem"), "-md", "sha256", "-out", ber)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -sign: %v\n%s", err, b)
	}
	raw, _ := os.ReadFile(ber)
	if raw[1] != 0x80 {
		t.Fatalf("openssl -stream did not write indefinite lengths (%x)", raw[:4])
	}
	b64 := []byte(base64.StdEncoding.EncodeToString(raw))
	for name, in := range map[string][]byte{"ber": raw, "base64": b64} {
		var out bytes.Buffer
		if _, err := newSigner(t, p.rsa, Options{}).CoSign(context.Background(), bytesOpener(in), &out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := len(signerInfosOf(t, out.Bytes()).SignerInfos); n != 2 {
			t.Errorf("%s: %d signers", name, n)
		}
		opensslVerify(t, writeTemp(t, "co.p7m", out.Bytes()), "", p.caFile)
	}
}

// checkCounterSignature verifies a counter-signature by hand (openssl
// does not): its message-digest is the digest of the countered signature
// value, it carries no content-type, and its signature verifies with the
// counter-signer's certificate over its DER signed attributes.
func checkCounterSignature(t *testing.T, target *cms.ParsedSignerInfo, signer *x509.Certificate) {
	t.Helper()
	attrs := cms.FindAttrs(target.UnsignedAttrs, cms.OIDAttrCounterSignature)
	if len(attrs) != 1 || len(attrs[0].Values) != 1 {
		t.Fatalf("%d counter-signature attributes", len(attrs))
	}
	cs, err := cms.ParseSignerInfo(attrs[0].Values[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(cms.FindAttrs(cs.SignedAttrs, cms.OIDAttrContentType)) != 0 {
		t.Error("counter-signature carries content-type")
	}
	h, _ := cms.HashOf(cs.DigestAlgorithm.Algorithm)
	d := h.New()
	d.Write(target.Signature)
	md := cms.FindAttrs(cs.SignedAttrs, cms.OIDAttrMessageDigest)
	var got []byte
	if len(md) != 1 {
		t.Fatal("no message-digest")
	}
	asn1.Unmarshal(md[0].Values[0], &got)
	if !bytes.Equal(got, d.Sum(nil)) {
		t.Error("counter-signature message-digest is not the digest of the countered signature value")
	}
	signed, err := cs.SignedAttrsDER(true)
	if err != nil {
		t.Fatal(err)
	}
	alg := map[string]x509.SignatureAlgorithm{
		cms.OIDRSAEncryption.String():   x509.SHA256WithRSA,
		cms.OIDECDSAWithSHA256.String(): x509.ECDSAWithSHA256,
	}[cs.SignatureAlgorithm.Algorithm.String()]
	if err := signer.CheckSignature(alg, signed, cs.Signature); err != nil {
		t.Errorf("counter-signature does not verify: %v", err)
	}
}

func TestCounterSign(t *testing.T) {
	p := testPKI(t)
	content := []byte("Documento controfirmato.\n")
	first := signAttached(t, p.rsa, content, Options{})
	orig := signerInfosOf(t, first).SignerInfos[0]

	var out bytes.Buffer
	if _, err := newSigner(t, p.ecdsa, Options{}).CounterSign(context.Background(), bytesOpener(first), 0, &out); err != nil {
		t.Fatal(err)
	}
	sd := signerInfosOf(t, out.Bytes())
	if len(sd.SignerInfos) != 1 {
		t.Fatalf("%d top-level signers, want 1", len(sd.SignerInfos))
	}
	si := sd.SignerInfos[0]
	// Everything the original signature covers is unchanged.
	if !bytes.Equal(si.RawSignedAttrs, orig.RawSignedAttrs) || !bytes.Equal(si.Signature, orig.Signature) {
		t.Error("counter-signing changed the countered signature")
	}
	checkCounterSignature(t, si, p.ecdsa.Cert)
	// The original signature still verifies, and the counter-signer's
	// certificate is in the file.
	opensslVerify(t, writeTemp(t, "doc.p7m", out.Bytes()), "", p.caFile)
	if len(sd.Certificates) != 2 {
		t.Errorf("%d certificates, want 2", len(sd.Certificates))
	}

	// A second counter-signature adds a second attribute.
	var out2 bytes.Buffer
	if _, err := newSigner(t, p.rsa, Options{}).CounterSign(context.Background(), bytesOpener(out.Bytes()), 1, &out2); err != nil {
		t.Fatal(err)
	}
	si2 := signerInfosOf(t, out2.Bytes()).SignerInfos[0]
	if n := len(cms.FindAttrs(si2.UnsignedAttrs, cms.OIDAttrCounterSignature)); n != 2 {
		t.Errorf("%d counter-signatures after the second, want 2", n)
	}
	opensslVerify(t, writeTemp(t, "doc2.p7m", out2.Bytes()), "", p.caFile)
}

func TestCounterSignChoosesSigner(t *testing.T) {
	p := testPKI(t)
	first := signAttached(t, p.rsa, []byte("x"), Options{})
	var co bytes.Buffer
	if _, err := newSigner(t, p.ecdsa, Options{}).CoSign(context.Background(), bytesOpener(first), &co); err != nil {
		t.Fatal(err)
	}
	s := newSigner(t, p.rsa, Options{})
	for _, idx := range []int{0, 3, -1} {
		_, err := s.CounterSign(context.Background(), bytesOpener(co.Bytes()), idx, io.Discard)
		var ie *SignerIndexError
		if !errors.As(err, &ie) || ie.Count != 2 || ie.Index != idx {
			t.Errorf("index %d: %v", idx, err)
		}
	}
	var out bytes.Buffer
	if _, err := s.CounterSign(context.Background(), bytesOpener(co.Bytes()), 2, &out); err != nil {
		t.Fatal(err)
	}
	sd := signerInfosOf(t, out.Bytes())
	// Signer 2 in file order got it, signer 1 is untouched.
	before := signerInfosOf(t, co.Bytes())
	var countered int
	for _, si := range sd.SignerInfos {
		if len(si.UnsignedAttrs) > 0 {
			countered++
			if !bytes.Equal(si.Signature, before.SignerInfos[1].Signature) {
				t.Error("the wrong signer was counter-signed")
			}
			checkCounterSignature(t, si, p.rsa.Cert)
		} else if !bytes.Equal(si.Raw, before.SignerInfos[0].Raw) {
			t.Error("the other signer changed")
		}
	}
	if countered != 1 {
		t.Errorf("%d signers counter-signed", countered)
	}
	opensslVerify(t, writeTemp(t, "doc.p7m", out.Bytes()), "", p.caFile)
}

func TestCoSignDetached(t *testing.T) {
	p := testPKI(t)
	content := []byte("detached")
	var det bytes.Buffer
	if _, err := newSigner(t, p.rsa, Options{}).Detached(context.Background(), bytes.NewReader(content), &det); err != nil {
		t.Fatal(err)
	}
	s := newSigner(t, p.ecdsa, Options{})
	if _, err := s.CoSign(context.Background(), bytesOpener(det.Bytes()), io.Discard); !errors.As(err, new(*DetachedContentError)) {
		t.Errorf("co-signing a detached signature: %v", err)
	}
	// A counter-signature needs no content.
	var out bytes.Buffer
	if _, err := s.CounterSign(context.Background(), bytesOpener(det.Bytes()), 0, &out); err != nil {
		t.Fatal(err)
	}
	sd := signerInfosOf(t, out.Bytes())
	if !sd.Detached {
		t.Error("counter-signed detached signature carries content")
	}
	checkCounterSignature(t, sd.SignerInfos[0], p.ecdsa.Cert)
	opensslVerify(t, writeTemp(t, "doc.p7s", out.Bytes()), writeTemp(t, "doc", content), p.caFile)
}

// A detached signature co-signed with its document: one more signer, the
// first kept byte for byte, still detached, and both verify (openssl and
// smallstep/pkcs7) with the document.
func TestCoSignDetachedWithDocument(t *testing.T) {
	p := testPKI(t)
	content := bytes.Repeat([]byte("referto firmato due volte\n"), 3000)
	var det bytes.Buffer
	if _, err := newSigner(t, p.rsa, Options{}).Detached(context.Background(), bytes.NewReader(content), &det); err != nil {
		t.Fatal(err)
	}
	before := signerInfosOf(t, det.Bytes()).SignerInfos[0].Raw
	var out bytes.Buffer
	var progress int64
	s := newSigner(t, p.ecdsa, Options{Hash: crypto.SHA384, Progress: func(n int64) { progress += n }})
	res, err := s.CoSignDetached(context.Background(), bytesOpener(det.Bytes()), bytes.NewReader(content), &out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != int64(len(content)) || res.Written != int64(out.Len()) || progress != int64(len(content)) || res.Hash != crypto.SHA384 {
		t.Errorf("result %+v, progress %d", res, progress)
	}
	sd := signerInfosOf(t, out.Bytes())
	if !sd.Detached || len(sd.SignerInfos) != 2 || len(sd.DigestAlgorithms) != 2 || len(sd.Certificates) != 2 {
		t.Fatalf("detached %v, %d signers, %d digest algorithms, %d certificates", sd.Detached, len(sd.SignerInfos), len(sd.DigestAlgorithms), len(sd.Certificates))
	}
	// SignerInfos is a DER SET: sorted, so the old one may come second.
	if !bytes.Equal(sd.SignerInfos[0].Raw, before) && !bytes.Equal(sd.SignerInfos[1].Raw, before) {
		t.Error("the existing SignerInfo was not kept byte for byte")
	}
	opensslVerify(t, writeTemp(t, "doc.p7s", out.Bytes()), writeTemp(t, "doc", content), p.caFile)
	p7, err := pkcs7.Parse(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	p7.Content = content
	pool := x509.NewCertPool()
	pool.AddCert(p.ca.Cert)
	if len(p7.Signers) != 2 {
		t.Fatalf("smallstep/pkcs7 sees %d signers", len(p7.Signers))
	}
	if err := p7.VerifyWithChainAtTime(pool, now); err != nil {
		t.Errorf("smallstep/pkcs7: %v", err)
	}

	// A third signer checks the document against both existing ones
	// (SHA-256 and SHA-384) and adds itself.
	var third bytes.Buffer
	if _, err := newSigner(t, p.rsa, Options{Hash: crypto.SHA512}).CoSignDetached(context.Background(), bytesOpener(out.Bytes()), bytes.NewReader(content), &third); err != nil {
		t.Fatal(err)
	}
	if n := len(signerInfosOf(t, third.Bytes()).SignerInfos); n != 3 {
		t.Errorf("%d signers after a second co-signature", n)
	}
	opensslVerify(t, writeTemp(t, "doc3.p7s", third.Bytes()), writeTemp(t, "doc", content), p.caFile)
}

// Another document, an enveloping file, an unreadable document or a
// canceled context: refused, and nothing is written.
func TestCoSignDetachedRefusals(t *testing.T) {
	p := testPKI(t)
	content := []byte("il referto giusto")
	var det bytes.Buffer
	if _, err := newSigner(t, p.rsa, Options{}).Detached(context.Background(), bytes.NewReader(content), &det); err != nil {
		t.Fatal(err)
	}
	s := newSigner(t, p.ecdsa, Options{})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name  string
		ctx   context.Context
		sig   []byte
		doc   io.Reader
		check func(error) bool
	}{
		{"other document", context.Background(), det.Bytes(), bytes.NewReader([]byte("un altro referto")), func(err error) bool {
			var m *ContentMismatchError
			return errors.As(err, &m) && m.Signer == 1 && m.Reason == ""
		}},
		{"document with one more byte", context.Background(), det.Bytes(), bytes.NewReader(append(append([]byte(nil), content...), '\n')), func(err error) bool {
			return errors.As(err, new(*ContentMismatchError))
		}},
		{"enveloping", context.Background(), signAttached(t, p.rsa, content, Options{}), bytes.NewReader(content), func(err error) bool {
			return errors.As(err, new(*NotDetachedError))
		}},
		{"unreadable document", context.Background(), det.Bytes(), errReader{}, func(err error) bool {
			return errors.As(err, new(*InputError))
		}},
		{"canceled", canceled, det.Bytes(), bytes.NewReader(content), func(err error) bool {
			return errors.Is(err, context.Canceled)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := s.CoSignDetached(tc.ctx, bytesOpener(tc.sig), tc.doc, &out)
			if !tc.check(err) {
				t.Errorf("err = %v", err)
			}
			if out.Len() != 0 {
				t.Errorf("%d bytes written", out.Len())
			}
		})
	}
}

func TestCoSignNotASignature(t *testing.T) {
	p := testPKI(t)
	s := newSigner(t, p.rsa, Options{})
	for _, in := range [][]byte{[]byte("%PDF-1.4 plain document"), {0x30, 0x03, 0x02, 0x01, 0x01}, nil} {
		if _, err := s.CoSign(context.Background(), bytesOpener(in), io.Discard); !errors.As(err, new(*NotSignedError)) {
			t.Errorf("%q: %v", in, err)
		}
	}
}

// The file changes between the two passes: refused.
func TestCoSignContentChanged(t *testing.T) {
	p := testPKI(t)
	a := signAttached(t, p.rsa, []byte("version one"), Options{})
	b := signAttached(t, p.rsa, []byte("version two"), Options{})
	calls := 0
	open := func() (io.ReadCloser, error) {
		calls++
		if calls == 1 {
			return io.NopCloser(bytes.NewReader(a)), nil
		}
		return io.NopCloser(bytes.NewReader(b)), nil
	}
	if _, err := newSigner(t, p.ecdsa, Options{}).CoSign(context.Background(), open, io.Discard); !errors.As(err, new(*ContentChangedError)) {
		t.Errorf("changed between passes: %v", err)
	}
}

// A write failure while copying the content is reported as such, not as
// a malformed input.
func TestCoSignWriteFailure(t *testing.T) {
	p := testPKI(t)
	first := signAttached(t, p.rsa, bytes.Repeat([]byte("x"), 100000), Options{})
	w := &limitedWriter{n: 5000}
	_, err := newSigner(t, p.ecdsa, Options{}).CoSign(context.Background(), bytesOpener(first), w)
	if !errors.Is(err, errDiskFull) || errors.As(err, new(*NotSignedError)) {
		t.Errorf("write failure: %v", err)
	}
}

var errDiskFull = errors.New("no space left on device")

type limitedWriter struct{ n int }

func (l *limitedWriter) Write(p []byte) (int, error) {
	if len(p) > l.n {
		return 0, errDiskFull
	}
	l.n -= len(p)
	return len(p), nil
}
