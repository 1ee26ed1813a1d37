package verify

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
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/testpki"
)

// pki is the test PKI shared by the tests of this package (RSA key
// generation is slow: make it once).
type pki struct {
	now     time.Time
	ca      *testpki.CA
	valid   *testpki.Identity
	ecdsa   *testpki.Identity
	expired *testpki.Identity
	noNR    *testpki.Identity // digitalSignature only, no nonRepudiation
	other   *testpki.CA       // an unrelated CA
	tsa     *testpki.Identity
	caPEM   string // file with the CA certificate
	dir     string
}

var (
	pkiOnce sync.Once
	pkiVal  *pki
	pkiErr  error
)

func testPKI(t testing.TB) *pki {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = makePKI() })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiVal
}

func makePKI() (*pki, error) {
	now := time.Now().UTC().Truncate(time.Second)
	p := &pki{now: now}
	var err error
	if p.ca, err = testpki.NewCA(now); err != nil {
		return nil, err
	}
	vs := testpki.Variants(now)
	if p.valid, err = p.ca.Issue(vs["valid"]); err != nil {
		return nil, err
	}
	if p.ecdsa, err = p.ca.Issue(vs["ecdsa"]); err != nil {
		return nil, err
	}
	if p.expired, err = p.ca.Issue(vs["expired"]); err != nil {
		return nil, err
	}
	nr := vs["valid"]
	nr.KeyUsage = x509.KeyUsageDigitalSignature
	if p.noNR, err = p.ca.Issue(nr); err != nil {
		return nil, err
	}
	if p.other, err = testpki.NewCA(now); err != nil {
		return nil, err
	}
	if p.tsa, err = p.ca.IssueTSA(now); err != nil {
		return nil, err
	}
	if p.dir, err = os.MkdirTemp("", "firma-verify-pki-"); err != nil {
		return nil, err
	}
	p.caPEM = filepath.Join(p.dir, "ca.pem")
	if err := os.WriteFile(p.caPEM, testpki.CertPEM(p.ca.Cert), 0o644); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *pki) trust(t testing.TB) *TrustStore {
	t.Helper()
	ts := NewTrustStore()
	if err := ts.AddPath(p.caPEM); err != nil {
		t.Fatal(err)
	}
	return ts
}

// writeIdentity writes cert and key PEM files for openssl.
func writeIdentity(t testing.TB, dir string, id *testpki.Identity) (certPath, keyPath string) {
	t.Helper()
	certPath = filepath.Join(dir, "signer.pem")
	keyPath = filepath.Join(dir, "signer.key")
	kp, err := testpki.KeyPEM(id.Key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, testpki.CertPEM(id.Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, kp, 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

// opensslSign signs content with openssl cms -sign -cades and returns
// the output; extra are more flags (-nodetach, -stream, -outform PEM...).
func opensslSign(t testing.TB, id *testpki.Identity, content []byte, extra ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	cert, key := writeIdentity(t, dir, id)
	in := filepath.Join(dir, "content")
	out := filepath.Join(dir, "out")
	if err := os.WriteFile(in, content, 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"cms", "-sign", "-cades", "-binary", "-md", "sha256", "-in", in, "-signer", cert, "-inkey", key, "-out", out}, extra...)
	if !contains(extra, "-outform") {
		args = append(args, "-outform", "DER")
	}
	cmd := exec.Command("openssl", args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// opensslResign adds a signer to an existing attached DER p7m.
func opensslResign(t testing.TB, id *testpki.Identity, p7m []byte) []byte {
	t.Helper()
	dir := t.TempDir()
	cert, key := writeIdentity(t, dir, id)
	in := filepath.Join(dir, "in.p7m")
	out := filepath.Join(dir, "out.p7m")
	if err := os.WriteFile(in, p7m, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"cms", "-resign", "-cades", "-binary", "-md", "sha256", "-inform", "DER", "-in", in, "-signer", cert, "-inkey", key, "-outform", "DER", "-out", out, "-nodetach"}
	if b, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// opensslVerify is the independent check: openssl cms -verify.
func opensslVerify(t testing.TB, p7m []byte, caPEM string) bool {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "in.p7m")
	if err := os.WriteFile(in, p7m, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", in, "-CAfile", caPEM, "-out", os.DevNull)
	return cmd.Run() == nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func verifyBytes(t testing.TB, in []byte, opts Options) *Report {
	t.Helper()
	if opts.Now == nil {
		opts.Now = at(testPKI(t).now.Add(time.Hour))
	}
	rep, err := Verify(context.Background(), bytes.NewReader(in), opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	checkReport(t, rep)
	return rep
}

// --- a CMS forge for files no honest tool writes ---

func tlv(class, tag int, constructed bool, parts ...[]byte) []byte {
	b, err := asn1.Marshal(asn1.RawValue{Class: class, Tag: tag, IsCompound: constructed, Bytes: bytes.Join(parts, nil)})
	if err != nil {
		panic(err)
	}
	return b
}

func seq(parts ...[]byte) []byte { return tlv(0, 16, true, parts...) }
func set(parts ...[]byte) []byte { return tlv(0, 17, true, parts...) }
func octets(b []byte) []byte     { return tlv(0, 4, false, b) }
func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func sortedSet(parts ...[]byte) []byte {
	s := append([][]byte(nil), parts...)
	sort.Slice(s, func(i, j int) bool { return bytes.Compare(s[i], s[j]) < 0 })
	return set(s...)
}

func attr(oid asn1.ObjectIdentifier, values ...[]byte) []byte {
	return seq(mustMarshal(oid), set(values...))
}

// forge builds a SignedData the way the test asks, honest by default.
type forge struct {
	content  []byte
	detached bool
	signer   *testpki.Identity
	// certs default to the signer's certificate.
	certs     []*x509.Certificate
	digest    crypto.Hash           // message digest hash (default SHA-256)
	digestOID asn1.ObjectIdentifier // override the digest algorithm OID
	sigHash   crypto.Hash           // hash the signature is computed with
	sigAlg    asn1.ObjectIdentifier
	// attrs, when set, replace the default signed attributes (each a
	// complete Attribute).
	attrs func(f *forge, md []byte) [][]byte
	// unsorted stores the attributes in the order given, while the
	// signature covers their DER-sorted SET.
	unsorted bool
	// signUnsorted computes the signature over the unsorted encoding.
	signUnsorted bool
	noAttrs      bool
	unsigned     [][]byte
	signingTime  time.Time
	// tamper edits the signed attributes after signing.
	tamper func(stored []byte) []byte
}

func (f *forge) defaults() {
	if f.digest == 0 {
		f.digest = crypto.SHA256
	}
	if f.sigHash == 0 {
		f.sigHash = f.digest
	}
	if f.digestOID == nil {
		f.digestOID = map[crypto.Hash]asn1.ObjectIdentifier{crypto.MD5: cms.OIDMD5, crypto.SHA1: cms.OIDSHA1, crypto.SHA256: cms.OIDSHA256, crypto.SHA384: cms.OIDSHA384, crypto.SHA512: cms.OIDSHA512}[f.digest]
	}
	if f.sigAlg == nil {
		if _, ok := f.signer.Key.(*ecdsa.PrivateKey); ok {
			f.sigAlg = map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA256: cms.OIDECDSAWithSHA256, crypto.SHA384: cms.OIDECDSAWithSHA384, crypto.SHA512: cms.OIDECDSAWithSHA512}[f.sigHash]
		} else {
			f.sigAlg = cms.OIDRSAEncryption
		}
	}
	if f.certs == nil {
		f.certs = []*x509.Certificate{f.signer.Cert}
	}
	if f.signingTime.IsZero() {
		f.signingTime = time.Now().UTC()
	}
}

func signingCertV2(c *x509.Certificate) []byte {
	sum := sha256.Sum256(c.Raw)
	return seq(seq(seq(octets(sum[:]))))
}

func defaultAttrs(f *forge, md []byte) [][]byte {
	st, _ := asn1.MarshalWithParams(f.signingTime, "utc")
	return [][]byte{
		attr(cms.OIDAttrContentType, mustMarshal(cms.OIDData)),
		attr(cms.OIDAttrSigningTime, st),
		attr(cms.OIDAttrMessageDigest, octets(md)),
		attr(cms.OIDAttrSigningCertificateV2, signingCertV2(f.signer.Cert)),
	}
}

func hashOf(h crypto.Hash, b []byte) []byte {
	hh := h.New()
	hh.Write(b)
	return hh.Sum(nil)
}

func (f *forge) sign(t testing.TB, digest []byte) []byte {
	t.Helper()
	var sig []byte
	var err error
	switch k := f.signer.Key.(type) {
	case *rsa.PrivateKey:
		sig, err = rsa.SignPKCS1v15(rand.Reader, k, f.sigHash, digest)
	default:
		sig, err = f.signer.Key.Sign(rand.Reader, digest, f.sigHash)
	}
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

// signerInfo returns the SignerInfo for a message digest md.
func (f *forge) signerInfo(t testing.TB, md []byte) []byte {
	f.defaults()
	c := f.signer.Cert
	sid := seq(c.RawIssuer, mustMarshal(c.SerialNumber))
	digAlg := seq(mustMarshal(f.digestOID), []byte{5, 0})
	sigAlg := seq(mustMarshal(f.sigAlg))
	if f.sigAlg.Equal(cms.OIDRSAEncryption) {
		sigAlg = seq(mustMarshal(f.sigAlg), []byte{5, 0})
	}
	parts := [][]byte{mustMarshal(1), sid, digAlg}
	var sig []byte
	if f.noAttrs {
		sig = f.sign(t, md)
	} else {
		mk := f.attrs
		if mk == nil {
			mk = defaultAttrs
		}
		as := mk(f, md)
		sorted := sortedSet(as...)
		stored := sorted
		if f.unsorted {
			stored = set(as...)
		}
		signed := sorted
		if f.signUnsorted {
			signed = stored
		}
		sig = f.sign(t, hashOf(f.sigHash, signed))
		stored = bytes.Clone(stored)
		if f.tamper != nil {
			stored = f.tamper(stored)
		}
		stored[0] = 0xa0
		parts = append(parts, stored)
	}
	parts = append(parts, sigAlg, octets(sig))
	if len(f.unsigned) > 0 {
		u := set(f.unsigned...)
		u[0] = 0xa1
		parts = append(parts, u)
	}
	return seq(parts...)
}

// build returns the ContentInfo DER.
func (f *forge) build(t testing.TB) []byte {
	t.Helper()
	f.defaults()
	md := hashOf(f.digest, f.content)
	si := f.signerInfo(t, md)
	return f.wrap(si)
}

func (f *forge) wrap(signerInfos ...[]byte) []byte {
	var certs [][]byte
	for _, c := range f.certs {
		certs = append(certs, c.Raw)
	}
	cs := set(certs...)
	cs[0] = 0xa0
	encap := [][]byte{mustMarshal(cms.OIDData)}
	if !f.detached {
		encap = append(encap, tlv(2, 0, true, octets(f.content)))
	}
	sd := seq(mustMarshal(1), set(seq(mustMarshal(f.digestOID), []byte{5, 0})), seq(encap...), cs, set(signerInfos...))
	return seq(mustMarshal(cms.OIDSignedData), tlv(2, 0, true, sd))
}

// timestampToken makes an RFC 3161 token over data, signed by the test TSA.
func timestampToken(t testing.TB, tsa *testpki.Identity, data []byte, at time.Time) []byte {
	t.Helper()
	tok, err := testpki.NewTimestampToken(tsa, testpki.TimestampFields{
		Hash:          crypto.SHA256,
		HashedMessage: hashOf(crypto.SHA256, data),
		GenTime:       at,
		Policy:        asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
		SerialNumber:  big.NewInt(at.UnixNano()),
		WithCert:      true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// allowedPairs is the table of EN 319 102-1 (clause 5.1.3) and EU DSS:
// which sub-indications each indication may carry. It is written out
// here, apart from SubIndication.Indication, so that the invariant does
// not check the code against itself.
var allowedPairs = map[Indication][]SubIndication{
	TotalPassed: {""},
	TotalFailed: {"FORMAT_FAILURE", "HASH_FAILURE", "SIG_CRYPTO_FAILURE", "REVOKED", "EXPIRED", "NOT_YET_VALID"},
	Indeterminate: {"SIG_CONSTRAINTS_FAILURE", "CHAIN_CONSTRAINTS_FAILURE", "CERTIFICATE_CHAIN_GENERAL_FAILURE",
		"CRYPTO_CONSTRAINTS_FAILURE", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE", "POLICY_PROCESSING_ERROR",
		"SIGNATURE_POLICY_NOT_AVAILABLE", "TIMESTAMP_ORDER_FAILURE", "NO_SIGNING_CERTIFICATE_FOUND",
		"NO_CERTIFICATE_CHAIN_FOUND", "REVOKED_NO_POE", "REVOKED_CA_NO_POE", "OUT_OF_BOUNDS_NO_POE",
		"OUT_OF_BOUNDS_NOT_REVOKED", "REVOCATION_OUT_OF_BOUNDS_NO_POE", "NO_POE", "TRY_LATER", "SIGNED_DATA_NOT_FOUND"},
}

func pairAllowed(ind Indication, sub SubIndication) bool {
	for _, s := range allowedPairs[ind] {
		if s == sub {
			return true
		}
	}
	return false
}

// checkReport is the invariant every report of every test meets: each
// (indication, sub-indication) pair, of the file, of each signature and
// counter-signature, of each timestamp, is one the standard allows; each
// check's status agrees with its sub-indication; the file's verdict is
// the worst of its parts and names where it comes from.
func checkReport(t testing.TB, rep *Report) {
	t.Helper()
	pair := func(what string, ind Indication, sub SubIndication) {
		t.Helper()
		if !pairAllowed(ind, sub) {
			t.Errorf("%s: %s/%s is not a pair EN 319 102-1 allows", what, ind, sub)
		}
	}
	checks := func(what string, cs []Check, ind Indication) {
		t.Helper()
		worst := TotalPassed
		for _, c := range cs {
			want := map[string]Indication{StatusPassed: TotalPassed, StatusWarning: TotalPassed, StatusNotChecked: TotalPassed, StatusFailed: TotalFailed, StatusIndeterminate: Indeterminate}
			ci, ok := want[c.Status]
			if !ok {
				t.Errorf("%s check %s: unknown status %q", what, c.Name, c.Status)
				continue
			}
			pair(what+" check "+c.Name+" ("+c.Status+")", ci, c.SubIndication)
			if ci.Worse(worst) {
				worst = ci
			}
		}
		if len(cs) > 0 && worst != ind {
			t.Errorf("%s is %s but its worst check is %s", what, ind, worst)
		}
	}
	timestamps := func(what string, tss []*Timestamp) {
		for i, ts := range tss {
			w := fmt.Sprintf("%s timestamp %d", what, i+1)
			pair(w, ts.Indication, ts.SubIndication)
			checks(w, ts.Checks, ts.Indication)
		}
	}
	pair("file "+rep.File, rep.Indication, rep.SubIndication)
	worst := TotalPassed
	for _, s := range rep.AllSignatures() {
		pair("signature "+s.ID, s.Indication, s.SubIndication)
		checks("signature "+s.ID, s.Checks, s.Indication)
		timestamps("signature "+s.ID, s.Timestamps)
		if s.Indication.Worse(worst) {
			worst = s.Indication
		}
	}
	timestamps("file", rep.Timestamps)
	for _, ts := range rep.Timestamps {
		if ts.Indication.Worse(worst) {
			worst = ts.Indication
		}
	}
	if worst.Worse(rep.Indication) {
		t.Errorf("file is %s but a part is %s", rep.Indication, worst)
	}
	if rep.Indication != TotalPassed && rep.Source == "" && rep.Reason.String() != "the file contains no signature" {
		if len(rep.AllSignatures())+len(rep.Timestamps) > 0 {
			t.Errorf("file is %s/%s but does not say where it comes from", rep.Indication, rep.SubIndication)
		}
	}
}

// at is a clock stopped at t.
func at(t time.Time) func() time.Time { return func() time.Time { return t } }

// texts are the English sentences of messages.
func texts(ms []Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return out
}
