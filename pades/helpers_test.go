package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/pdf/pdftest"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/sign"
)

var now = time.Now().UTC().Truncate(time.Second)

type pki struct {
	ca *testpki.CA
	// signer (RSA) and second (ECDSA P-256) have plain certificates:
	// pdfsig 22.12's NSS says "Unknown issue with Certificate or
	// corrupted data" for testpki's qualified ones (QC statements,
	// policies, OCSP and CRL addresses under .invalid; not narrowed
	// down), and for any certificate under -no-ocsp. qualified is such
	// a certificate, for firma's own verifier.
	signer    *testpki.Identity
	qualified *testpki.Identity
	second    *testpki.Identity
	tsa       *testpki.Identity
	dir       string
	caFile    string
	nss       string
}

var (
	pkiOnce sync.Once
	pkiVal  *pki
	pkiErr  error
)

func testPKI(t testing.TB) *pki {
	t.Helper()
	pkiOnce.Do(func() {
		p := &pki{}
		if p.ca, pkiErr = testpki.NewCA(now); pkiErr != nil {
			return
		}
		v := testpki.Variants(now)
		if p.qualified, pkiErr = p.ca.Issue(v["valid"]); pkiErr != nil {
			return
		}
		if p.signer, pkiErr = plainIdentity(p.ca, false); pkiErr != nil {
			return
		}
		if p.second, pkiErr = plainIdentity(p.ca, true); pkiErr != nil {
			return
		}
		if p.tsa, pkiErr = p.ca.IssueTSA(now); pkiErr != nil {
			return
		}
		if p.dir, pkiErr = os.MkdirTemp("", "firma-pades-test-"); pkiErr != nil {
			return
		}
		p.caFile = filepath.Join(p.dir, "ca.pem")
		pkiErr = os.WriteFile(p.caFile, testpki.CertPEM(p.ca.Cert), 0o644)
		pkiVal = p
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiVal
}

// plainIdentity issues a certificate with nonRepudiation and
// digitalSignature and no extension that sends NSS to the network.
func plainIdentity(ca *testpki.CA, ec bool) (*testpki.Identity, error) {
	var key crypto.Signer
	var err error
	if ec {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		return nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "BIANCHI ANNA", Country: []string{"IT"}},
		NotBefore:    now.Add(-48 * time.Hour),
		NotAfter:     now.Add(300 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageContentCommitment | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &testpki.Identity{Cert: cert, Key: key}, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pkiVal != nil {
		os.RemoveAll(pkiVal.dir)
	}
	os.Exit(code)
}

// nssDB is an NSS database trusting the test CA, for pdfsig.
func (p *pki) nssDB(t testing.TB) string {
	t.Helper()
	if p.nss != "" {
		return p.nss
	}
	pdftest.NeedTool(t, "certutil")
	dir := filepath.Join(p.dir, "nss")
	os.MkdirAll(dir, 0o700)
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + dir, "--empty-password"},
		{"-A", "-d", "sql:" + dir, "-n", "firma-test-ca", "-t", "CT,C,C", "-i", p.caFile},
	} {
		if out, err := exec.Command("certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	p.nss = dir
	return dir
}

func newSigner(t testing.TB, id *testpki.Identity, ca *testpki.CA, tsa sign.Timestamper) *sign.Signer {
	t.Helper()
	s, err := sign.New(id.Key, id.Cert, sign.Options{PAdES: true, Chain: nil, Now: func() time.Time { return now }, Timestamper: tsa})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signPDF signs in with s and returns the output.
func signPDF(t testing.TB, in []byte, s *sign.Signer, opts SignOptions) ([]byte, Result) {
	t.Helper()
	p, err := Prepare(bytes.NewReader(in), int64(len(in)), opts)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	var out bytes.Buffer
	res, err := p.Sign(context.Background(), s, &out, nil)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return out.Bytes(), res
}

// checkSigned runs every oracle on a signed output: the input is a
// prefix, qpdf --check passes, openssl verifies the CMS cut from
// /Contents over the /ByteRange bytes, and pdfsig (trusting the test CA)
// says every signature is valid and the last covers the whole file.
func checkSigned(t *testing.T, p *pki, in, out []byte, res Result, password string, sigs int) {
	t.Helper()
	if !bytes.HasPrefix(out, in) {
		t.Fatal("the input is not a prefix of the output")
	}
	br := res.ByteRange
	if br[0] != 0 || br[2]+br[3] != int64(len(out)) || br[1] != int64(len(in))+br[1]-int64(len(in)) {
		t.Fatalf("ByteRange %v, output %d", br, len(out))
	}
	pdftest.Check(t, out, password)
	// openssl on the cut-out CMS.
	gap := out[br[1]:br[2]]
	if gap[0] != '<' || gap[len(gap)-1] != '>' {
		t.Fatalf("gap is not the hex string: %q...", gap[:8])
	}
	der := hexDecode(t, gap[1:len(gap)-1])
	dir := t.TempDir()
	cmsFile, rangeFile := filepath.Join(dir, "sig.cms"), filepath.Join(dir, "range.bin")
	os.WriteFile(cmsFile, der, 0o600)
	os.WriteFile(rangeFile, append(append([]byte{}, out[:br[1]]...), out[br[2]:]...), 0o600)
	pdftest.NeedTool(t, "openssl")
	o, err := exec.Command("openssl", "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-CAfile", p.caFile, "-in", cmsFile, "-content", rangeFile, "-out", os.DevNull).CombinedOutput()
	if err != nil || !bytes.Contains(o, []byte("Verification successful")) {
		t.Fatalf("openssl cms -verify: %v\n%s", err, o)
	}
	sd, err := cms.ParseSignedData(bytes.NewReader(der), cms.ParseOptions{})
	if err != nil || len(sd.SignerInfos) != 1 {
		t.Fatalf("CMS: %v", err)
	}
	attrs := sd.SignerInfos[0].SignedAttrs
	if len(cms.FindAttrs(attrs, cms.OIDAttrSigningTime)) != 0 || len(cms.FindAttrs(attrs, cms.OIDAttrSigningCertificateV2)) != 1 || len(cms.FindAttrs(attrs, cms.OIDAttrContentType)) != 1 {
		t.Fatal("CMS is not PAdES B-B: signing-time present or content-type/signing-certificate-v2 missing")
	}
	o, _ = exec.Command("openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", cmsFile).CombinedOutput()
	if !bytes.Contains(o, []byte("eContent: <ABSENT>")) {
		t.Fatalf("CMS is not detached:\n%s", o)
	}
	pdftest.NeedTool(t, "pdfsig")
	f := filepath.Join(dir, "signed.pdf")
	os.WriteFile(f, out, 0o600)
	args := []string{"-nssdir", "sql:" + p.nssDB(t)}
	if password != "" {
		args = append(args, "-upw", password)
	}
	o, _ = exec.Command("pdfsig", append(args, f)...).CombinedOutput()
	if n := bytes.Count(o, []byte("Signature Validation: Signature is Valid.")); n != sigs {
		t.Fatalf("pdfsig: %d valid signatures, want %d\n%s", n, sigs, o)
	}
	if n := bytes.Count(o, []byte("Certificate Validation: Certificate is Trusted.")); n != sigs {
		t.Fatalf("pdfsig: %d trusted certificates, want %d\n%s", n, sigs, o)
	}
	if !bytes.Contains(o, []byte("Total document signed")) || !bytes.Contains(o, []byte("Signature Type: ETSI.CAdES.detached")) {
		t.Fatalf("pdfsig:\n%s", o)
	}
	last := regexp.MustCompile(`Signature #` + strconv.Itoa(sigs) + `:[\s\S]*`).Find(o)
	if !bytes.Contains(last, []byte("Total document signed")) {
		t.Fatalf("pdfsig: the last signature does not cover the file\n%s", o)
	}
}

func hexDecode(t testing.TB, h []byte) []byte {
	t.Helper()
	out := make([]byte, len(h)/2)
	for i := range out {
		v, err := strconv.ParseUint(string(h[2*i:2*i+2]), 16, 8)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = byte(v)
	}
	return out
}

func tsaClient(t testing.TB, p *pki) sign.Timestamper {
	t.Helper()
	srv, err := testpki.NewTSAServer(p.tsa, testpki.TSAServerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URLFor(testpki.TSAOK))
	return &sign.TSAClient{URL: u}
}
