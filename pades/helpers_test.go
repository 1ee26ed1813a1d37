package pades

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/pdf/pdftest"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/sign"
)

var now = time.Now().UTC().Truncate(time.Second)

type pki struct {
	ca *testpki.CA
	// signer (RSA) and second (ECDSA P-256) are qualified signature
	// certificates of testpki's profile (QC statements, AgID and QCP-n-qscd
	// policies, nonRepudiation only, CRL and CA issuer addresses) whose
	// OCSP address is ocsp, a local responder that answers "good".
	// pdfsig (NSS) checks OCSP by default: with testpki's default OCSP
	// address under .invalid (qualified) the lookup fails and poppler
	// 22.12 words that "Unknown issue with Certificate or corrupted data";
	// the profile's other fields are not the cause (TestPdfsigOCSP). With
	// -no-ocsp pdfsig 22.12 gives that same answer for every certificate,
	// the plainest included, so the cross-checks keep OCSP on.
	signer    *testpki.Identity
	second    *testpki.Identity
	qualified *testpki.Identity
	tsa       *testpki.Identity
	ocsp      *httptest.Server
	ocspAsked atomic.Int64
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
		p.ocsp = httptest.NewServer(http.HandlerFunc(p.answerOCSP))
		pkiVal = p
		v := testpki.Variants(now)
		if p.qualified, pkiErr = p.ca.Issue(v["valid"]); pkiErr != nil {
			return
		}
		rsaSpec, ecSpec := v["valid"], v["ecdsa"]
		rsaSpec.OCSPServer, ecSpec.OCSPServer = p.ocsp.URL, p.ocsp.URL
		if p.signer, pkiErr = p.ca.Issue(rsaSpec); pkiErr != nil {
			return
		}
		if p.second, pkiErr = p.ca.Issue(ecSpec); pkiErr != nil {
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
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiVal
}

// answerOCSP is an OCSP responder (RFC 6960, GET or POST) that says
// "good" for any serial, signed by the CA itself.
func (p *pki) answerOCSP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	if r.Method == http.MethodPost {
		body, _ = io.ReadAll(io.LimitReader(r.Body, 1<<16))
	} else {
		body, _ = base64.StdEncoding.DecodeString(strings.TrimPrefix(r.URL.Path, "/"))
	}
	req, err := ocsp.ParseRequest(body)
	if err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	p.ocspAsked.Add(1)
	resp, err := ocsp.CreateResponse(p.ca.Cert, p.ca.Cert, ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour)}, p.ca.Key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Write(resp)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pkiVal != nil {
		pkiVal.ocsp.Close()
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

// TestPdfsigOCSP pins why pdfsig once distrusted testpki's qualified
// certificates: the same profile is "Unknown issue with Certificate" with
// the default OCSP address under .invalid, and "Certificate is Trusted"
// once its OCSP address answers (and NSS asked it).
func TestPdfsigOCSP(t *testing.T) {
	p := testPKI(t)
	pdftest.NeedTool(t, "pdfsig")
	in := pdftest.Doc(1)
	run := func(id *testpki.Identity) string {
		out, _ := signPDF(t, in, newSigner(t, id, p.ca, nil), SignOptions{})
		f := filepath.Join(t.TempDir(), "s.pdf")
		os.WriteFile(f, out, 0o600)
		o, _ := exec.Command("pdfsig", "-nssdir", "sql:"+p.nssDB(t), f).CombinedOutput()
		return string(regexp.MustCompile(`Certificate Validation: .*`).Find(o))
	}
	if got := run(p.qualified); !strings.Contains(got, "Unknown issue with Certificate") {
		t.Fatalf("unreachable OCSP: %q", got)
	}
	before := p.ocspAsked.Load()
	if got := run(p.signer); got != "Certificate Validation: Certificate is Trusted." {
		t.Fatalf("local OCSP: %q", got)
	}
	if p.ocspAsked.Load() == before {
		t.Fatal("pdfsig trusted the certificate without asking the OCSP responder")
	}
}
