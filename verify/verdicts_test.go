package verify

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/testpki"
)

// Fixtures for the rules of issue 10: each with the indication and
// sub-indication EN 319 102-1 and EU DSS give.

// rawRSA signs PKCS#1 v1.5 with math/big, as old tokens did: crypto/rsa
// refuses keys under 1024 bits. noNULL writes the DigestInfo without the
// NULL parameters; digestInfo, when set, replaces the DigestInfo.
type rawRSA struct {
	k          *rsa.PrivateKey
	noNULL     bool
	digestInfo []byte
}

func (r *rawRSA) Public() crypto.PublicKey { return &r.k.PublicKey }

func (r *rawRSA) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	t := r.digestInfo
	if t == nil {
		var err error
		if t, err = digestInfo(opts.HashFunc(), digest, !r.noNULL); err != nil {
			return nil, err
		}
	}
	n := (r.k.N.BitLen() + 7) / 8
	em := make([]byte, n)
	em[1] = 1
	for i := 2; i < n-len(t)-1; i++ {
		em[i] = 0xff
	}
	copy(em[n-len(t):], t)
	s := new(big.Int).Exp(new(big.Int).SetBytes(em), r.k.D, r.k.N)
	return s.FillBytes(make([]byte, n)), nil
}

// weakKey is a 512-bit RSA key made by openssl (crypto/rsa will not make
// one).
func weakKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	out, err := exec.Command("openssl", "genrsa", "512").Output()
	if err != nil {
		t.Fatalf("openssl genrsa 512: %v", err)
	}
	blk, _ := pem.Decode(out)
	if blk == nil {
		t.Fatal("no PEM from openssl genrsa")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

// weakTSA is a timestamp unit of the test CA whose key has 512 bits, as
// some Italian TSAs had around 2005.
func weakTSA(t *testing.T, p *pki) *testpki.Identity {
	t.Helper()
	k := weakKey(t)
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{Country: []string{"IT"}, CommonName: "Firma TEST TSA 512"},
		NotBefore:             p.now.Add(-365 * testpki.Day),
		NotAfter:              p.now.Add(365 * testpki.Day),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		ExtraExtensions:       []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca.Cert, &k.PublicKey, p.ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testpki.Identity{Cert: c, Key: &rawRSA{k: k}}
}

// signedWithTimestamp is a signature of p.valid with a timestamp of tsa
// over its signature value at time at.
func signedWithTimestamp(t *testing.T, signer, tsa *testpki.Identity, at time.Time, tamperToken bool) []byte {
	t.Helper()
	f := &forge{content: document, signer: signer, signingTime: at.Add(-time.Minute)}
	si := f.signerInfo(t, hashOf(crypto.SHA256, document))
	parsed, err := cms.ParseSignerInfo(si)
	if err != nil {
		t.Fatal(err)
	}
	tok := timestampToken(t, tsa, parsed.Signature, at)
	if tamperToken {
		// The TSA's signature value is the token's last OCTET STRING
		// of the key size: flip a byte in its middle.
		sig := tsaSignature(t, tok)
		i := bytes.Index(tok, sig) + len(sig)/2
		tok = bytes.Clone(tok)
		tok[i] ^= 0x40
	}
	f.unsigned = [][]byte{attr(cms.OIDAttrTimeStampToken, tok)}
	f.certs = []*x509.Certificate{signer.Cert}
	return f.wrap(f.signerInfo(t, hashOf(crypto.SHA256, document)))
}

func tsaSignature(t *testing.T, tok []byte) []byte {
	t.Helper()
	tt, err := cms.ParseTimestampToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	return tt.SignedData.SignerInfos[0].Signature
}

func findCheck(checks []Check, name string) *Check {
	for i := range checks {
		if checks[i].Name == name {
			return &checks[i]
		}
	}
	return nil
}

// Rule 3: a timestamp unit with a 512-bit key. Go's crypto/rsa refuses
// the key; the mathematics is checked anyway: it holds, so the timestamp
// is INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE naming the key; a
// changed signature value is SIG_CRYPTO_FAILURE.
func TestWeakTSAKey(t *testing.T) {
	p := testPKI(t)
	tsa := weakTSA(t, p)
	for _, tc := range []struct {
		name   string
		tamper bool
		ind    Indication
		sub    SubIndication
	}{
		{"intact", false, Indeterminate, CryptoConstraintsFailureNoPOE},
		{"signature value changed", true, TotalFailed, SigCryptoFailure},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := verifyBytes(t, signedWithTimestamp(t, p.valid, tsa, p.now.Add(-time.Hour), tc.tamper), Options{Trust: p.trust(t)})
			s := rep.Layers[0].Signatures[0]
			if len(s.Timestamps) != 1 {
				t.Fatalf("%d timestamps", len(s.Timestamps))
			}
			ts := s.Timestamps[0]
			if ts.Indication != tc.ind || ts.SubIndication != tc.sub {
				t.Fatalf("timestamp %s/%s (%v), want %s/%s", ts.Indication, ts.SubIndication, ts.Reasons, tc.ind, tc.sub)
			}
			sv := findCheck(ts.Checks, "signature_value")
			if !tc.tamper {
				if sv == nil || sv.Status != StatusPassed {
					t.Errorf("the 512-bit signature's mathematics: %+v", sv)
				}
				if !strings.Contains(FirstReason(ts.Reasons).String(), "RSA 512-bit key of the timestamp unit") {
					t.Errorf("the reason does not name the key: %v", ts.Reasons)
				}
			}
			// The signature itself stands; the timestamp proves nothing.
			mustPass(t, rep)
		})
	}
}

// The 512-bit fixtures are mathematically valid for an independent
// verifier too: openssl cms -verify accepts the token at security level 0.
func TestWeakTSAKeyOpenSSL(t *testing.T) {
	p := testPKI(t)
	tsa := weakTSA(t, p)
	tok := timestampToken(t, tsa, []byte("data"), p.now)
	dir := t.TempDir()
	in := filepath.Join(dir, "tok.der")
	if err := os.WriteFile(in, tok, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("openssl", "cms", "-verify", "-inform", "DER", "-in", in, "-CAfile", p.caPEM, "-purpose", "any", "-auth_level", "0", "-out", os.DevNull)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl rejects the 512-bit token: %v\n%s", err, b)
	}
	bad := bytes.Clone(tok)
	sig := tsaSignature(t, tok)
	bad[bytes.Index(bad, sig)+len(sig)/2] ^= 0x40
	if err := os.WriteFile(in, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if exec.Command("openssl", "cms", "-verify", "-inform", "DER", "-in", in, "-CAfile", p.caPEM, "-purpose", "any", "-auth_level", "0", "-out", os.DevNull).Run() == nil {
		t.Error("openssl accepts the changed 512-bit token")
	}
}

// Rule 3 for a signer: a 512-bit signer key whose signature holds is
// INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE (before, "the signed
// attributes or the signature were changed").
func TestWeakSignerKey(t *testing.T) {
	p := testPKI(t)
	k := weakKey(t)
	spec := testpki.Variants(p.now)["valid"]
	id, err := p.ca.IssueFor(spec, &rawRSA{k: k})
	if err != nil {
		t.Fatal(err)
	}
	rep := verifyBytes(t, (&forge{content: document, signer: id}).build(t), Options{Trust: p.trust(t)})
	mustResult(t, rep, Indeterminate, CryptoConstraintsFailureNoPOE)
	if !strings.Contains(rep.Reason.String(), "RSA 512-bit key of the signer") || !strings.Contains(rep.Reason.String(), "mathematically valid") {
		t.Errorf("reason %q", rep.Reason)
	}
}

// Rule 4: a DigestInfo without the NULL parameters is accepted with a
// warning; any other deviation is SIG_CRYPTO_FAILURE.
func TestDigestInfoWithoutNULL(t *testing.T) {
	p := testPKI(t)
	rk := p.valid.Key.(*rsa.PrivateKey)
	mk := func(signer *rawRSA) []byte {
		id := &testpki.Identity{Cert: p.valid.Cert, Key: signer}
		return (&forge{content: document, signer: id}).build(t)
	}
	rep := verifyBytes(t, mk(&rawRSA{k: rk, noNULL: true}), Options{Trust: p.trust(t)})
	mustPass(t, rep)
	if w := strings.Join(texts(rep.Layers[0].Signatures[0].Warnings), "|"); !strings.Contains(w, "omits the NULL parameters") {
		t.Errorf("no note about the DigestInfo: %q", w)
	}
	// The honest encoding through the same raw signer passes silently.
	rep = verifyBytes(t, mk(&rawRSA{k: rk}), Options{Trust: p.trust(t)})
	mustPass(t, rep)
	if w := strings.Join(texts(rep.Layers[0].Signatures[0].Warnings), "|"); strings.Contains(w, "NULL") {
		t.Errorf("a note on a standard DigestInfo: %q", w)
	}
	// Other deviations: the NULL-less DigestInfo with the digest of other
	// data, the MD5 OID for a SHA-256 digest, trailing bytes.
	other, _ := digestInfo(crypto.SHA256, hashOf(crypto.SHA256, []byte("x")), false)
	md5OID := mustMarshal(struct {
		A pkix.AlgorithmIdentifier
		D []byte
	}{pkix.AlgorithmIdentifier{Algorithm: cms.OIDMD5, Parameters: asn1.NullRawValue}, make([]byte, 32)})
	for name, di := range map[string][]byte{"other digest": other, "wrong OID": md5OID} {
		t.Run(name, func(t *testing.T) {
			f := &forge{content: document, signer: &testpki.Identity{Cert: p.valid.Cert, Key: &rawRSA{k: rk, digestInfo: di}}}
			rep := verifyBytes(t, f.build(t), Options{Trust: p.trust(t)})
			mustResult(t, rep, TotalFailed, SigCryptoFailure)
		})
	}
	t.Run("trailing bytes", func(t *testing.T) {
		// The DigestInfo of the real attributes, with a byte appended.
		f := &forge{content: document, signer: p.valid}
		f.defaults()
		der := sortedSet(defaultAttrs(f, hashOf(crypto.SHA256, document))...)
		di, _ := digestInfo(crypto.SHA256, hashOf(crypto.SHA256, der), true)
		f.signer = &testpki.Identity{Cert: p.valid.Cert, Key: &rawRSA{k: rk, digestInfo: append(di, 0)}}
		rep := verifyBytes(t, f.build(t), Options{Trust: p.trust(t)})
		mustResult(t, rep, TotalFailed, SigCryptoFailure)
	})
}

// Rule 2: an old-style signature (no signed attributes, so no signing
// time) whose certificate has expired since: nothing proves when it was
// made, so INDETERMINATE/OUT_OF_BOUNDS_NO_POE (it was TOTAL_FAILED/EXPIRED).
func TestOldSignatureExpiredCertificate(t *testing.T) {
	p := testPKI(t)
	in := (&forge{content: document, signer: p.expired, noAttrs: true}).build(t)
	rep := verifyBytes(t, in, Options{Trust: p.trust(t)})
	mustResult(t, rep, Indeterminate, OutOfBoundsNoPOE)
	if !rep.Intact() {
		t.Error("the document is intact")
	}
	// As of a time inside the certificate's validity (--at), it passes.
	rep = verifyBytes(t, in, Options{Trust: p.trust(t), At: p.expired.Cert.NotAfter.Add(-testpki.Day)})
	mustPass(t, rep)
	if !rep.VerifiedAtRequested || !rep.VerifiedAt.Equal(p.expired.Cert.NotAfter.Add(-testpki.Day)) {
		t.Errorf("verified at %v requested %v", rep.VerifiedAt, rep.VerifiedAtRequested)
	}
}

// Rule 2, the other way: a valid timestamp from before the certificate's
// notBefore proves the signature was made before it was valid:
// TOTAL_FAILED/NOT_YET_VALID, and still an intact document.
func TestTimestampBeforeCertificate(t *testing.T) {
	p := testPKI(t)
	spec := testpki.Variants(p.now)["valid"]
	spec.NotBefore = p.now.Add(-testpki.Day)
	late, err := p.ca.Issue(spec)
	if err != nil {
		t.Fatal(err)
	}
	rep := verifyBytes(t, signedWithTimestamp(t, late, p.tsa, p.now.Add(-2*testpki.Day), false), Options{Trust: p.trust(t)})
	mustResult(t, rep, TotalFailed, NotYetValid)
	if !rep.Intact() {
		t.Error("NOT_YET_VALID leaves the document intact")
	}
}

// Rule 7: when the worst verdict is a counter-signature's, the report
// says so.
func TestSourceNamesCounterSignature(t *testing.T) {
	p := testPKI(t)
	f := &forge{content: document, signer: p.valid}
	cf := &forge{signer: p.ecdsa, attrs: func(cf *forge, md []byte) [][]byte { return defaultAttrs(cf, md)[1:] }}
	f.unsigned = [][]byte{attr(cms.OIDAttrCounterSignature, cf.signerInfo(t, hashOf(crypto.SHA256, []byte("not the signature"))))}
	f.certs = []*x509.Certificate{p.valid.Cert, p.ecdsa.Cert}
	rep := verifyBytes(t, f.wrap(f.signerInfo(t, hashOf(crypto.SHA256, document))), Options{Trust: p.trust(t)})
	mustResult(t, rep, TotalFailed, HashFailure)
	if rep.Source != "S1.C1" {
		t.Errorf("source %q, want S1.C1", rep.Source)
	}
	// The counter-signer's problem leaves the document intact.
	if !rep.Intact() {
		t.Error("a broken counter-signature does not break the document")
	}
}

// resignCert re-signs a certificate's TBS with the raw RSA key k (which
// crypto/rsa refuses to use), keeping its signature algorithm.
func resignCert(t *testing.T, c *x509.Certificate, h crypto.Hash, k *rsa.PrivateKey) *x509.Certificate {
	t.Helper()
	sig, err := (&rawRSA{k: k}).Sign(nil, hashOf(h, c.RawTBSCertificate), h)
	if err != nil {
		t.Fatal(err)
	}
	var outer struct {
		TBS asn1.RawValue
		Alg asn1.RawValue
		Sig asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.Raw, &outer); err != nil {
		t.Fatal(err)
	}
	outer.Sig = asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}
	der := mustMarshal(outer)
	out, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Rule 3 for chains: Go's x509 refuses certificates signed with SHA-1
// and CA keys under 1024 bits, so the chain was "not trusted"
// (NO_CERTIFICATE_CHAIN_FOUND). firma builds the chain itself, checks
// each signature, and the policy names the weak link:
// CRYPTO_CONSTRAINTS_FAILURE_NO_POE. A forged link still breaks the chain.
func TestWeakChain(t *testing.T) {
	p := testPKI(t)
	caKey := p.ca.Key.(*rsa.PrivateKey)
	spec := testpki.Variants(p.now)["valid"]

	// A signer certificate the CA signed with SHA-1.
	base, err := p.ca.Issue(spec)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := *base.Cert
	tmpl.SignatureAlgorithm = x509.SHA1WithRSA
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	der, err := x509.CreateCertificate(rand.Reader, &tmpl, p.ca.Cert, base.Cert.PublicKey, bigKeySigner{caKey})
	if err != nil {
		t.Fatal(err)
	}
	sha1Cert, _ := x509.ParseCertificate(der)
	sha1ID := &testpki.Identity{Cert: sha1Cert, Key: base.Key}

	// An intermediate CA with a 512-bit key, and a signer it issued.
	wk := weakKey(t)
	interTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano() + 1), Subject: pkix.Name{CommonName: "Firma TEST CA 512"},
		NotBefore: p.now.Add(-testpki.Day), NotAfter: p.now.Add(365 * testpki.Day),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err = x509.CreateCertificate(rand.Reader, interTmpl, p.ca.Cert, &wk.PublicKey, p.ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	inter, _ := x509.ParseCertificate(der)
	leafTmpl := *base.Cert
	leafTmpl.SerialNumber = big.NewInt(time.Now().UnixNano() + 2)
	leafTmpl.AuthorityKeyId = nil
	// Made with the CA's key (Go will not sign with 512 bits), then
	// re-signed by the 512-bit intermediate.
	fakeParent := *inter
	fakeParent.PublicKey = p.ca.Cert.PublicKey
	der, err = x509.CreateCertificate(rand.Reader, &leafTmpl, &fakeParent, base.Cert.PublicKey, p.ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	leaf0, _ := x509.ParseCertificate(der)
	weakLeaf := resignCert(t, leaf0, crypto.SHA256, wk)
	weakID := &testpki.Identity{Cert: weakLeaf, Key: base.Key}

	for _, tc := range []struct {
		name  string
		id    *testpki.Identity
		certs []*x509.Certificate
		ind   Indication
		sub   SubIndication
		says  string
	}{
		{"certificate signed with SHA-1", sha1ID, []*x509.Certificate{sha1Cert}, Indeterminate, CryptoConstraintsFailureNoPOE, "SHA-1 signature of the certificate"},
		{"CA with a 512-bit key", weakID, []*x509.Certificate{weakLeaf, inter}, Indeterminate, CryptoConstraintsFailureNoPOE, "RSA 512-bit key of the CA"},
		{"CA with a 512-bit key, forged link", &testpki.Identity{Cert: leaf0, Key: base.Key}, []*x509.Certificate{leaf0, inter}, Indeterminate, NoCertificateChainFound, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &forge{content: document, signer: tc.id, certs: tc.certs}
			rep := verifyBytes(t, f.build(t), Options{Trust: p.trust(t)})
			mustResult(t, rep, tc.ind, tc.sub)
			if tc.says != "" {
				if !strings.Contains(rep.Reason.String(), tc.says) {
					t.Errorf("reason %q does not name %q", rep.Reason, tc.says)
				}
				if c := findCheck(rep.Layers[0].Signatures[0].Checks, "chain"); c == nil || c.Status != StatusPassed {
					t.Errorf("chain check %+v", c)
				}
			}
		})
	}
}

// bigKeySigner signs PKCS#1 v1.5 with any hash, SHA-1 included, for
// certificates Go's x509 would rather not sign.
type bigKeySigner struct{ k *rsa.PrivateKey }

func (b bigKeySigner) Public() crypto.PublicKey { return &b.k.PublicKey }
func (b bigKeySigner) Sign(_ io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	return (&rawRSA{k: b.k}).Sign(nil, d, o)
}
