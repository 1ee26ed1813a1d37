package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/smallstep/pkcs7"
)

// now is the fixed clock of these tests: the test PKI is valid around it.
var now = time.Now().UTC().Truncate(time.Second)

type pki struct {
	ca      *testpki.CA
	caFile  string
	rsa     *testpki.Identity
	ecdsa   *testpki.Identity
	cns     *testpki.Identity
	expired *testpki.Identity
	notYet  *testpki.Identity
}

var (
	pkiOnce sync.Once
	pkiVal  *pki
	pkiErr  error
	pkiDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pkiDir != "" {
		os.RemoveAll(pkiDir)
	}
	os.Exit(code)
}

// testPKI issues the test identities once per process (RSA key
// generation is the slow part).
func testPKI(t testing.TB) *pki {
	t.Helper()
	pkiOnce.Do(func() {
		p := &pki{}
		if p.ca, pkiErr = testpki.NewCA(now); pkiErr != nil {
			return
		}
		v := testpki.Variants(now)
		for _, x := range []struct {
			dst  **testpki.Identity
			spec testpki.Spec
		}{
			{&p.rsa, v["valid"]}, {&p.ecdsa, v["ecdsa"]}, {&p.expired, v["expired"]}, {&p.notYet, v["notyet"]},
			{&p.cns, testpki.Spec{Kind: testpki.CNS, NotBefore: now.Add(-testpki.Day), NotAfter: now.Add(300 * testpki.Day)}},
		} {
			if *x.dst, pkiErr = p.ca.Issue(x.spec); pkiErr != nil {
				return
			}
		}
		if pkiDir, pkiErr = os.MkdirTemp("", "firma-sign-test-"); pkiErr != nil {
			return
		}
		p.caFile = filepath.Join(pkiDir, "ca.pem")
		pkiErr = os.WriteFile(p.caFile, testpki.CertPEM(p.ca.Cert), 0o644)
		pkiVal = p
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiVal
}

func newSigner(t testing.TB, id *testpki.Identity, opts Options) *Signer {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return now }
	}
	s, err := New(id.Key, id.Cert, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signedAttr is one parsed attribute.
type signedAttr struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

// parsedSignerInfo mirrors RFC 5652 SignerInfo for the checks below.
type parsedSignerInfo struct {
	Version       int
	SID           asn1.RawValue
	DigestAlg     asn1.RawValue
	SignedAttrs   asn1.RawValue `asn1:"tag:0"`
	SigAlg        asn1.RawValue
	Signature     []byte
	UnsignedAttrs asn1.RawValue `asn1:"optional,tag:1"`
}

type parsedSignedData struct {
	Version      int
	DigestAlgs   asn1.RawValue
	Encap        asn1.RawValue
	Certificates asn1.RawValue      `asn1:"optional,tag:0"`
	SignerInfos  []parsedSignerInfo `asn1:"set"`
}

// parse decodes a signature with encoding/asn1 (strict DER), independently
// of the encoder.
func parse(t *testing.T, der []byte) parsedSignedData {
	t.Helper()
	var ci struct {
		Type    asn1.ObjectIdentifier
		Content asn1.RawValue `asn1:"explicit,tag:0"`
	}
	rest, err := asn1.Unmarshal(der, &ci)
	if err != nil || len(rest) != 0 {
		t.Fatalf("ContentInfo: %v (%d trailing bytes)", err, len(rest))
	}
	if !ci.Type.Equal(cms.OIDSignedData) {
		t.Fatalf("content type %v", ci.Type)
	}
	var sd parsedSignedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) != 0 {
		t.Fatalf("SignedData: %v", err)
	}
	return sd
}

// checkStructure proves the CAdES B-B profile of every signature: the four
// signed attributes once each in DER order, the digest of the content, the
// signing time, and signing-certificate-v2 with the certificate's SHA-256
// and its issuer and serial.
func checkStructure(t *testing.T, der, content []byte, id *testpki.Identity, h crypto.Hash) {
	t.Helper()
	sd := parse(t, der)
	if sd.Version != 1 || len(sd.SignerInfos) != 1 {
		t.Fatalf("version %d, %d signers", sd.Version, len(sd.SignerInfos))
	}
	si := sd.SignerInfos[0]
	// The SignerInfo names the certificate by issuer and serial.
	var ias struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}
	if _, err := asn1.Unmarshal(si.SID.FullBytes, &ias); err != nil || !bytes.Equal(ias.Issuer.FullBytes, id.Cert.RawIssuer) || ias.Serial.Cmp(id.Cert.SerialNumber) != 0 {
		t.Errorf("sid does not name the signer certificate: %v", err)
	}
	// The certificate is in the certificates field.
	if !bytes.Contains(sd.Certificates.Bytes, id.Cert.Raw) {
		t.Error("signer certificate missing from certificates")
	}
	// Signed attributes: [0] IMPLICIT SET, signed as a SET.
	attrsDER := append([]byte{0x31}, si.SignedAttrs.FullBytes[1:]...)
	var rawAttrs []asn1.RawValue
	if _, err := asn1.UnmarshalWithParams(attrsDER, &rawAttrs, "set"); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(rawAttrs); i++ {
		if bytes.Compare(rawAttrs[i-1].FullBytes, rawAttrs[i].FullBytes) > 0 {
			t.Errorf("signed attributes not in DER order at %d", i)
		}
	}
	seen := map[string][]asn1.RawValue{}
	for _, ra := range rawAttrs {
		var a signedAttr
		if _, err := asn1.Unmarshal(ra.FullBytes, &a); err != nil {
			t.Fatal(err)
		}
		if _, dup := seen[a.Type.String()]; dup {
			t.Errorf("attribute %v twice", a.Type)
		}
		if len(a.Values) != 1 {
			t.Errorf("attribute %v has %d values", a.Type, len(a.Values))
		}
		seen[a.Type.String()] = a.Values
	}
	if len(seen) != 4 {
		t.Errorf("%d signed attributes, want 4", len(seen))
	}
	var ct asn1.ObjectIdentifier
	if v := seen[cms.OIDAttrContentType.String()]; len(v) != 1 {
		t.Error("no content-type")
	} else if asn1.Unmarshal(v[0].FullBytes, &ct); !ct.Equal(cms.OIDData) {
		t.Errorf("content-type %v", ct)
	}
	hh := h.New()
	hh.Write(content)
	var md []byte
	if v := seen[cms.OIDAttrMessageDigest.String()]; len(v) != 1 {
		t.Error("no message-digest")
	} else if asn1.Unmarshal(v[0].FullBytes, &md); !bytes.Equal(md, hh.Sum(nil)) {
		t.Errorf("message-digest %x, want %x", md, hh.Sum(nil))
	}
	var st time.Time
	if v := seen[cms.OIDAttrSigningTime.String()]; len(v) != 1 {
		t.Error("no signing-time")
	} else if v[0].Tag != asn1.TagUTCTime {
		t.Errorf("signing-time tag %d, want UTCTime", v[0].Tag)
	} else if asn1.Unmarshal(v[0].FullBytes, &st); !st.Equal(now) {
		t.Errorf("signing-time %v, want %v", st, now)
	}
	v := seen[cms.OIDAttrSigningCertificateV2.String()]
	if len(v) != 1 {
		t.Fatal("no signing-certificate-v2")
	}
	var scv2 struct {
		Certs []struct {
			Hash         []byte
			IssuerSerial struct {
				Issuer []asn1.RawValue
				Serial *big.Int
			}
		}
	}
	if rest, err := asn1.Unmarshal(v[0].FullBytes, &scv2); err != nil || len(rest) > 0 || len(scv2.Certs) != 1 {
		t.Fatalf("signing-certificate-v2: %v %+v", err, scv2)
	}
	want := sha256.Sum256(id.Cert.Raw)
	c := scv2.Certs[0]
	if !bytes.Equal(c.Hash, want[:]) {
		t.Errorf("signing-certificate-v2 hash %x, want the certificate's SHA-256 %x", c.Hash, want)
	}
	if len(c.IssuerSerial.Issuer) != 1 || c.IssuerSerial.Issuer[0].Tag != 4 || !bytes.Equal(c.IssuerSerial.Issuer[0].Bytes, id.Cert.RawIssuer) || c.IssuerSerial.Serial.Cmp(id.Cert.SerialNumber) != 0 {
		t.Errorf("signing-certificate-v2 issuerSerial does not name the certificate")
	}
}

// opensslVerify runs openssl cms -verify -cades against the test CA.
func opensslVerify(t *testing.T, sigFile, contentFile string, caFile string) {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		if testing.Short() {
			t.Skip("openssl not installed")
		}
		t.Fatal("openssl not installed (scripts/deps.sh)")
	}
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", sigFile, "-CAfile", caFile, "-out", out}
	if contentFile != "" {
		args = append(args, "-content", contentFile)
	}
	if b, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
		t.Fatalf("openssl cms -verify: %v\n%s", err, b)
	}
}

func TestSignVerifies(t *testing.T) {
	p := testPKI(t)
	content := []byte("Referto medico del paziente.\r\nSecond line, binary \x00\xff bytes.\n")
	cases := []struct {
		name string
		id   *testpki.Identity
		opts Options
		// smallstep/pkcs7 cannot verify RSA-PSS.
		noPKCS7 bool
	}{
		{"rsa-sha256", p.rsa, Options{}, false},
		{"rsa-sha384", p.rsa, Options{Hash: crypto.SHA384}, false},
		{"rsa-sha512", p.rsa, Options{Hash: crypto.SHA512}, false},
		{"rsa-pss-sha256", p.rsa, Options{PSS: true}, true},
		{"ecdsa-sha256", p.ecdsa, Options{}, false},
		{"ecdsa-sha384", p.ecdsa, Options{Hash: crypto.SHA384}, false},
		{"rsa-chain", p.rsa, Options{Chain: []*x509.Certificate{p.ca.Cert}}, false},
	}
	for _, c := range cases {
		for _, detached := range []bool{false, true} {
			name := c.name + "-attached"
			if detached {
				name = c.name + "-detached"
			}
			t.Run(name, func(t *testing.T) {
				s := newSigner(t, c.id, c.opts)
				var out bytes.Buffer
				var res Result
				var err error
				if detached {
					res, err = s.Detached(context.Background(), bytes.NewReader(content), &out)
				} else {
					res, err = s.Attached(context.Background(), bytes.NewReader(content), &out)
				}
				if err != nil {
					t.Fatal(err)
				}
				if res.Size != int64(len(content)) || res.Written != int64(out.Len()) || !res.SigningTime.Equal(now) {
					t.Errorf("result %+v (output %d bytes)", res, out.Len())
				}
				h := c.opts.Hash
				if h == 0 {
					h = crypto.SHA256
				}
				checkStructure(t, out.Bytes(), content, c.id, h)

				dir := t.TempDir()
				sigFile := filepath.Join(dir, "doc.p7m")
				contentFile := filepath.Join(dir, "doc")
				os.WriteFile(sigFile, out.Bytes(), 0o644)
				os.WriteFile(contentFile, content, 0o644)
				if detached {
					opensslVerify(t, sigFile, contentFile, p.caFile)
				} else {
					opensslVerify(t, sigFile, "", p.caFile)
				}

				if c.noPKCS7 {
					return
				}
				p7, err := pkcs7.Parse(out.Bytes())
				if err != nil {
					t.Fatalf("smallstep/pkcs7 cannot parse: %v", err)
				}
				if detached {
					if len(p7.Content) != 0 {
						t.Error("detached signature carries content")
					}
					p7.Content = content
				} else if !bytes.Equal(p7.Content, content) {
					t.Error("enveloped content differs")
				}
				pool := x509.NewCertPool()
				pool.AddCert(p.ca.Cert)
				if err := p7.VerifyWithChainAtTime(pool, now); err != nil {
					t.Errorf("smallstep/pkcs7 verify: %v", err)
				}
			})
		}
	}
}

// The signature algorithm identifiers are the ones the package documents.
func TestAlgorithmIdentifiers(t *testing.T) {
	p := testPKI(t)
	for _, c := range []struct {
		id   *testpki.Identity
		opts Options
		oid  asn1.ObjectIdentifier
		null bool
	}{
		{p.rsa, Options{}, cms.OIDRSAEncryption, true},
		{p.rsa, Options{PSS: true}, cms.OIDRSAPSS, false},
		{p.ecdsa, Options{}, cms.OIDECDSAWithSHA256, false},
		{p.ecdsa, Options{Hash: crypto.SHA512}, cms.OIDECDSAWithSHA512, false},
	} {
		s := newSigner(t, c.id, c.opts)
		var out bytes.Buffer
		if _, err := s.Detached(context.Background(), bytes.NewReader(nil), &out); err != nil {
			t.Fatal(err)
		}
		si := parse(t, out.Bytes()).SignerInfos[0]
		var alg struct {
			OID    asn1.ObjectIdentifier
			Params asn1.RawValue `asn1:"optional"`
		}
		asn1.Unmarshal(si.SigAlg.FullBytes, &alg)
		if !alg.OID.Equal(c.oid) {
			t.Errorf("signature algorithm %v, want %v", alg.OID, c.oid)
		}
		if c.null != (alg.Params.Tag == asn1.TagNull) {
			t.Errorf("%v: params %x", c.oid, alg.Params.FullBytes)
		}
		var dig struct {
			OID    asn1.ObjectIdentifier
			Params asn1.RawValue `asn1:"optional"`
		}
		asn1.Unmarshal(si.DigestAlg.FullBytes, &dig)
		if len(dig.Params.FullBytes) != 0 {
			t.Errorf("digest algorithm has parameters %x (RFC 5754: absent)", dig.Params.FullBytes)
		}
	}
}

func TestEmptyContent(t *testing.T) {
	p := testPKI(t)
	s := newSigner(t, p.rsa, Options{})
	var out bytes.Buffer
	if _, err := s.Attached(context.Background(), bytes.NewReader(nil), &out); err != nil {
		t.Fatal(err)
	}
	checkStructure(t, out.Bytes(), nil, p.rsa, crypto.SHA256)
	f := filepath.Join(t.TempDir(), "empty.p7m")
	os.WriteFile(f, out.Bytes(), 0o644)
	opensslVerify(t, f, "", p.caFile)
}

func TestCertificateChecks(t *testing.T) {
	p := testPKI(t)
	for _, c := range []struct {
		id   *testpki.Identity
		want CertProblem
	}{
		{p.expired, CertExpired},
		{p.notYet, CertNotYetValid},
		{p.cns, CertNoNonRepudiation},
	} {
		_, err := New(c.id.Key, c.id.Cert, Options{Now: func() time.Time { return now }})
		var ce *CertificateError
		if !errors.As(err, &ce) || ce.Problem != c.want || !errors.Is(err, ErrCertificateRefused) {
			t.Errorf("%s: %v, want %s", c.id, err, c.want)
			continue
		}
		if ce.Error() == "" {
			t.Errorf("%s: empty message", c.id)
		}
		// The override signs anyway (test tokens).
		s, err := New(c.id.Key, c.id.Cert, Options{Now: func() time.Time { return now }, AllowAnyCertificate: true})
		if err != nil {
			t.Fatalf("%s with AllowAnyCertificate: %v", c.id, err)
		}
		if _, err := s.Detached(context.Background(), bytes.NewReader([]byte("x")), io.Discard); err != nil {
			t.Errorf("%s with AllowAnyCertificate: %v", c.id, err)
		}
	}
	// A batch that runs past the expiry stops at the first signature after it.
	clock := now
	s := newSigner(t, p.rsa, Options{Now: func() time.Time { return clock }})
	clock = p.rsa.Cert.NotAfter.Add(time.Second)
	if _, err := s.Detached(context.Background(), bytes.NewReader(nil), io.Discard); !errors.Is(err, ErrCertificateRefused) {
		t.Errorf("signing after expiry: %v", err)
	}
}

// failingKey is a crypto.Signer whose Sign fails, as a pulled card does.
type failingKey struct{ crypto.Signer }

var errCardRemoved = errors.New("CKR_DEVICE_REMOVED")

func (failingKey) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errCardRemoved
}

func TestFailingSignerWritesNothing(t *testing.T) {
	p := testPKI(t)
	s, err := New(failingKey{p.rsa.Key}, p.rsa.Cert, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	for _, detached := range []bool{false, true} {
		var out bytes.Buffer
		if detached {
			_, err = s.Detached(context.Background(), bytes.NewReader([]byte("doc")), &out)
		} else {
			_, err = s.Attached(context.Background(), bytes.NewReader([]byte("doc")), &out)
		}
		var se *SignerError
		if !errors.As(err, &se) || !errors.Is(err, errCardRemoved) {
			t.Errorf("detached=%v: %v", detached, err)
		}
		if out.Len() != 0 {
			t.Errorf("detached=%v: %d bytes written by a failing signer", detached, out.Len())
		}
	}
}

// wrongKey answers with the public key of the certificate but signs with
// another key: the kind of mix-up a token with several keys produces.
type wrongKey struct {
	pub  crypto.PublicKey
	sign crypto.Signer
}

func (w wrongKey) Public() crypto.PublicKey { return w.pub }
func (w wrongKey) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	return w.sign.Sign(r, d, o)
}

func TestKeyMismatch(t *testing.T) {
	p := testPKI(t)
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	// Caught up front when the key says who it is...
	if _, err := New(other, p.rsa.Cert, Options{Now: func() time.Time { return now }}); !errors.As(err, new(*KeyMismatchError)) {
		t.Errorf("New with another key: %v", err)
	}
	// ...and by verifying the signature when it lies.
	s, err := New(wrongKey{p.rsa.Cert.PublicKey, other}, p.rsa.Cert, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := s.Attached(context.Background(), bytes.NewReader([]byte("doc")), &out); !errors.As(err, new(*KeyMismatchError)) {
		t.Errorf("signing with a mismatched key: %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("%d bytes written with a mismatched key", out.Len())
	}
}

// rawECDSAKey returns r||s like PKCS#11's CKM_ECDSA.
type rawECDSAKey struct{ *ecdsa.PrivateKey }

func (k rawECDSAKey) Sign(_ io.Reader, d []byte, _ crypto.SignerOpts) ([]byte, error) {
	r, s, err := ecdsa.Sign(rand.Reader, k.PrivateKey, d)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out, nil
}

func TestECDSARawSignatureConverted(t *testing.T) {
	p := testPKI(t)
	s, err := New(rawECDSAKey{p.ecdsa.Key.(*ecdsa.PrivateKey)}, p.ecdsa.Cert, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := s.Attached(context.Background(), bytes.NewReader([]byte("doc")), &out); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "doc.p7m")
	os.WriteFile(f, out.Bytes(), 0o644)
	opensslVerify(t, f, "", p.caFile)
	// rawToDER keeps INTEGERs positive and minimal.
	for _, raw := range [][]byte{append(bytes.Repeat([]byte{0}, 31), 1), bytes.Repeat([]byte{0xff}, 32)} {
		sig := append(append([]byte{}, raw...), raw...)
		var rs struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(rawToDER(sig), &rs); err != nil || rs.R.Cmp(new(big.Int).SetBytes(raw)) != 0 || rs.S.Sign() <= 0 {
			t.Errorf("rawToDER(%x): %v %v", sig, rs, err)
		}
	}
}

func TestUnsupported(t *testing.T) {
	p := testPKI(t)
	if _, err := New(p.rsa.Key, p.rsa.Cert, Options{Hash: crypto.SHA1}); !errors.As(err, new(*UnsupportedError)) {
		t.Errorf("SHA-1: %v", err)
	}
	if _, err := New(p.ecdsa.Key, p.ecdsa.Cert, Options{PSS: true}); !errors.As(err, new(*UnsupportedError)) {
		t.Errorf("PSS with ECDSA: %v", err)
	}
	if _, err := New(nil, p.rsa.Cert, Options{}); err == nil {
		t.Error("nil key accepted")
	}
}

// changingReader serves different bytes on the second pass, as a file
// being rewritten while it is signed.
type changingReader struct {
	*bytes.Reader
	passes int
	second []byte
}

func (c *changingReader) Seek(off int64, whence int) (int64, error) {
	if whence == io.SeekStart && off == 0 {
		c.passes++
		if c.passes == 1 {
			c.Reader = bytes.NewReader(c.second)
		}
	}
	return c.Reader.Seek(off, whence)
}

func TestContentChanged(t *testing.T) {
	p := testPKI(t)
	s := newSigner(t, p.rsa, Options{})
	for _, second := range []string{"Other content", "Original content, longer now", "Origin"} {
		r := &changingReader{Reader: bytes.NewReader([]byte("Original content")), second: []byte(second)}
		_, err := s.Attached(context.Background(), r, io.Discard)
		if !errors.As(err, new(*ContentChangedError)) {
			t.Errorf("second pass %q: %v", second, err)
		}
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error)       { return 0, errors.New("input/output error") }
func (errReader) Seek(int64, int) (int64, error) { return 0, nil }

func TestUnreadableInput(t *testing.T) {
	p := testPKI(t)
	s := newSigner(t, p.rsa, Options{})
	var out bytes.Buffer
	if _, err := s.Attached(context.Background(), errReader{}, &out); !errors.As(err, new(*InputError)) {
		t.Errorf("unreadable input: %v", err)
	}
	if out.Len() != 0 {
		t.Error("output written for an unreadable input")
	}
}

func TestCanceled(t *testing.T) {
	p := testPKI(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := newSigner(t, p.rsa, Options{})
	if _, err := s.Attached(ctx, bytes.NewReader([]byte("x")), io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

func TestProgress(t *testing.T) {
	p := testPKI(t)
	var got int64
	s := newSigner(t, p.rsa, Options{Progress: func(n int64) { got += n }})
	content := bytes.Repeat([]byte("x"), 3<<20+5)
	if _, err := s.Attached(context.Background(), bytes.NewReader(content), io.Discard); err != nil {
		t.Fatal(err)
	}
	if got != 2*int64(len(content)) {
		t.Errorf("progress %d, want %d", got, 2*len(content))
	}
}

// patternReader is size bytes of a repeating pattern, seekable, without
// holding them in memory.
type patternReader struct {
	size, off int64
}

var pattern = func() []byte {
	b := make([]byte, 4093) // prime, so chunk boundaries move around
	for i := range b {
		b[i] = byte(i*7 + i>>8)
	}
	return b
}()

func (p *patternReader) Read(b []byte) (int, error) {
	if p.off >= p.size {
		return 0, io.EOF
	}
	if rem := p.size - p.off; int64(len(b)) > rem {
		b = b[:rem]
	}
	n := 0
	for n < len(b) {
		n += copy(b[n:], pattern[(p.off+int64(n))%int64(len(pattern)):])
	}
	p.off += int64(n)
	return n, nil
}

func (p *patternReader) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		p.off = off
	case io.SeekCurrent:
		p.off += off
	case io.SeekEnd:
		p.off = p.size + off
	}
	return p.off, nil
}

// TestMemoryIndependentOfSize signs 1 MiB and 256 MiB and checks that the
// bytes allocated do not grow with the content: the content is streamed.
// It counts allocations (deterministic), it does not time anything.
func TestMemoryIndependentOfSize(t *testing.T) {
	if testing.Short() {
		t.Skip("hashes 512 MiB")
	}
	p := testPKI(t)
	s := newSigner(t, p.ecdsa, Options{})
	alloc := func(size int64) uint64 {
		var before, after runtimeMem
		before.read()
		if _, err := s.Attached(context.Background(), &patternReader{size: size}, io.Discard); err != nil {
			t.Fatal(err)
		}
		after.read()
		return after.total - before.total
	}
	alloc(1 << 10) // warm the buffer pool
	small, large := alloc(1<<20), alloc(256<<20)
	t.Logf("allocated: %d bytes for 1 MiB, %d bytes for 256 MiB", small, large)
	// Streaming allocates a few copy buffers (1 MiB each, pooled) whatever
	// the size; holding the content would allocate at least 256 MiB.
	if large > 8<<20 {
		t.Errorf("signing 256 MiB allocated %d bytes (1 MiB: %d): memory grows with the content", large, small)
	}
}

// BenchmarkAttached signs generated content of FIRMA_BENCH_SIZE bytes
// (default 1 GiB; 4 GiB with FIRMA_BENCH_SIZE=4G) in one pass into a file
// (rewritten each time, not flushed: flushing is internal/atomicfile's
// cost) and reports allocated bytes per op and the process's peak RSS,
// which stay flat whatever the size.
func BenchmarkAttached(b *testing.B) {
	benchSign(b, "attached")
}

// BenchmarkAttachedTwoPass is the way to an output that cannot be
// rewritten (io.Discard here, a pipe in real life): hash, sign, then copy
// while hashing again.
func BenchmarkAttachedTwoPass(b *testing.B) {
	benchSign(b, "two-pass")
}

// BenchmarkDetached is BenchmarkAttached for a detached signature.
func BenchmarkDetached(b *testing.B) {
	benchSign(b, "detached")
}

// BenchmarkCoSign adds a signature to an enveloping file of
// FIRMA_BENCH_SIZE bytes of content, in one pass into a file.
func BenchmarkCoSign(b *testing.B) {
	p := testPKI(b)
	size := benchSize(b)
	s := newSigner(b, p.rsa, Options{})
	dir := b.TempDir()
	in, err := os.Create(filepath.Join(dir, "in.p7m"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Attached(context.Background(), &patternReader{size: size}, in); err != nil {
		b.Fatal(err)
	}
	in.Close()
	out, err := os.Create(filepath.Join(dir, "out.p7m"))
	if err != nil {
		b.Fatal(err)
	}
	defer out.Close()
	open := func() (io.ReadCloser, error) { return os.Open(in.Name()) }
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		out.Truncate(0)
		out.Seek(0, io.SeekStart)
		if _, err := s.CoSign(context.Background(), open, out); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
}

func benchSign(b *testing.B, mode string) {
	p := testPKI(b)
	size := benchSize(b)
	s := newSigner(b, p.rsa, Options{})
	var out *os.File
	if mode == "attached" {
		var err error
		if out, err = os.Create(filepath.Join(b.TempDir(), "out.p7m")); err != nil {
			b.Fatal(err)
		}
		defer out.Close()
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		r := &patternReader{size: size}
		var err error
		switch mode {
		case "detached":
			_, err = s.Detached(context.Background(), r, io.Discard)
		case "two-pass":
			_, err = s.Attached(context.Background(), r, io.Discard)
		default:
			out.Truncate(0)
			out.Seek(0, io.SeekStart)
			_, err = s.Attached(context.Background(), r, out)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
}

// BenchmarkSmallFiles signs 1 KiB documents with a software key: the
// per-file cost of the CMS work without any token.
func BenchmarkSmallFiles(b *testing.B) {
	p := testPKI(b)
	s := newSigner(b, p.rsa, Options{})
	doc := bytes.Repeat([]byte("x"), 1024)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Attached(context.Background(), bytes.NewReader(doc), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSize(b *testing.B) int64 {
	v := os.Getenv("FIRMA_BENCH_SIZE")
	if v == "" {
		return 1 << 30
	}
	var n int64
	var unit string
	fmt.Sscanf(v, "%d%s", &n, &unit)
	switch unit {
	case "K", "KiB":
		n <<= 10
	case "M", "MiB":
		n <<= 20
	case "G", "GiB":
		n <<= 30
	}
	if n <= 0 {
		b.Fatalf("FIRMA_BENCH_SIZE=%q: want a size like 64M or 4G", v)
	}
	return n
}
