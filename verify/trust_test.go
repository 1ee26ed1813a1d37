package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"github.com/firma-dev/firma/verify/tsl"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/testpki"
	"golang.org/x/crypto/ocsp"
)

type tslEntry struct {
	typ, status string
	certs       []*x509.Certificate
}

func tslXML(entries ...tslEntry) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"><SchemeInformation><SchemeTerritory>IT</SchemeTerritory></SchemeInformation>
<TrustServiceProviderList><TrustServiceProvider><TSPInformation><TSPName><Name xml:lang="it">Firma Test</Name></TSPName></TSPInformation><TSPServices>`)
	for i, e := range entries {
		b.WriteString("<TSPService><ServiceInformation><ServiceTypeIdentifier>" + e.typ + "</ServiceTypeIdentifier>")
		b.WriteString("<ServiceName><Name xml:lang=\"en\">service " + string(rune('A'+i)) + "</Name></ServiceName><ServiceDigitalIdentity>")
		for _, c := range e.certs {
			b.WriteString("<DigitalId><X509Certificate>" + base64.StdEncoding.EncodeToString(c.Raw) + "</X509Certificate></DigitalId>")
		}
		b.WriteString("</ServiceDigitalIdentity><ServiceStatus>" + e.status + "</ServiceStatus></ServiceInformation></TSPService>")
	}
	b.WriteString("</TSPServices></TrustServiceProvider></TrustServiceProviderList></TrustServiceStatusList>\n")
	return b.String()
}

const granted = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"

func TestTSLAnchors(t *testing.T) {
	p := testPKI(t)
	dir := t.TempDir()
	write := func(name, s string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("tsl.xml", tslXML(
		tslEntry{tsl.TypeCAQC, granted, []*x509.Certificate{p.ca.Cert}},
		tslEntry{tsl.TypeTSAQT, granted, []*x509.Certificate{p.tsa.Cert}},
		tslEntry{tsl.TypeCAQC, "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn", []*x509.Certificate{p.other.Cert}},
	))
	// These hand-made lists carry no signature: refused unless allowed.
	var se *tsl.SignatureError
	if _, err := NewTrustStore().AddTSL(good, tsl.Options{}); !errors.As(err, &se) || se.Problem != "unsigned" {
		t.Fatalf("unsigned list without AllowUnsigned: %v", err)
	}
	unsigned := tsl.Options{AllowUnsigned: true}
	ts := NewTrustStore()
	info, err := ts.AddTSL(good, unsigned)
	if err != nil || info.Anchors != 2 || info.Signature != tsl.Unsigned || info.Stale {
		t.Fatalf("AddTSL: %+v %v", info, err)
	}
	der := opensslSign(t, p.valid, document, "-nodetach")
	rep := verifyBytes(t, der, Options{Trust: ts})
	mustPass(t, rep)
	s := rep.Layers[0].Signatures[0]
	if s.QualifiedTSL == nil || !*s.QualifiedTSL || !strings.Contains(s.TrustAnchor, "tsl:") {
		t.Errorf("qualified_tsl %v anchor %q", s.QualifiedTSL, s.TrustAnchor)
	}

	// A CA listed under another service type is not an anchor.
	notCA := write("pkc.xml", tslXML(
		tslEntry{"http://uri.etsi.org/TrstSvc/Svctype/CA/PKC", granted, []*x509.Certificate{p.ca.Cert}},
		tslEntry{tsl.TypeTSAQT, granted, []*x509.Certificate{p.tsa.Cert}},
	))
	ts2 := NewTrustStore()
	if _, err := ts2.AddTSL(notCA, unsigned); err != nil {
		t.Fatal(err)
	}
	mustResult(t, verifyBytes(t, der, Options{Trust: ts2}), Indeterminate, NoCertificateChainFound)

	// The CA listed only as a timestamp service anchors timestamps, not
	// signatures.
	tsaOnly := write("tsa-only.xml", tslXML(tslEntry{tsl.TypeTSAQT, granted, []*x509.Certificate{p.ca.Cert}}))
	ts3 := NewTrustStore()
	if _, err := ts3.AddTSL(tsaOnly, unsigned); err != nil {
		t.Fatal(err)
	}
	mustResult(t, verifyBytes(t, der, Options{Trust: ts3}), Indeterminate, NoCertificateChainFound)

	// Nothing usable, not a list, not XML.
	for name, body := range map[string]string{
		"withdrawn.xml": tslXML(tslEntry{tsl.TypeCAQC, "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn", []*x509.Certificate{p.ca.Cert}}),
		"other.xml":     `<?xml version="1.0"?><html><body/></html>`,
		"broken.xml":    `<TrustServiceStatusList><TrustServiceProviderList><TrustServiceProvider>`,
		"badcert.xml":   strings.Replace(tslXML(tslEntry{tsl.TypeCAQC, granted, []*x509.Certificate{p.ca.Cert}}), "<X509Certificate>", "<X509Certificate>!!", 1),
	} {
		_, err := NewTrustStore().AddTSL(write(name, body), unsigned)
		var te *tsl.Error
		if !errors.As(err, &te) || te.Source == "" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestTSLTestdata(t *testing.T) {
	f, err := os.Open("testdata/tsl-small.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	svcs, err := tsl.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(svcs) != 2 || svcs[0].Type != tsl.TypeCAQC || len(svcs[0].Certs) != 1 || svcs[0].Provider != "Firma Test Trust Services S.p.A." || svcs[1].Status == granted {
		t.Errorf("services %+v", svcs)
	}
}

func TestTrustPaths(t *testing.T) {
	p := testPKI(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.pem"), testpki.CertPEM(p.other.Cert), 0o644)
	os.WriteFile(filepath.Join(dir, "b.der"), p.ca.Cert.Raw, 0o644)
	os.WriteFile(filepath.Join(dir, "README"), []byte("not a certificate"), 0o644)
	ts := NewTrustStore()
	if err := ts.AddPath(dir); err != nil {
		t.Fatal(err)
	}
	mustPass(t, verifyBytes(t, opensslSign(t, p.valid, document, "-nodetach"), Options{Trust: ts}))
	for _, bad := range []string{filepath.Join(dir, "README"), filepath.Join(dir, "missing.pem"), t.TempDir()} {
		var te *TrustError
		if err := NewTrustStore().AddPath(bad); !errors.As(err, &te) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	// The system store holds no test CA: still no chain.
	sys := NewTrustStore()
	if err := sys.AddSystem(); err == nil {
		mustResult(t, verifyBytes(t, opensslSign(t, p.valid, document, "-nodetach"), Options{Trust: sys}), Indeterminate, NoCertificateChainFound)
	}
}

// revocationServer answers OCSP and CRL requests for the test CA on
// loopback; any host name in the certificates is routed to it.
type revocationServer struct {
	srv       *httptest.Server
	ocspMode  atomic.Value // "good", "revoked", "error", "hang"
	crlMode   atomic.Value // "empty", "revoked", "error"
	revokedAt atomic.Value // time.Time
	hits      atomic.Int32
}

func newRevocationServer(t *testing.T, p *pki, serial *big.Int) *revocationServer {
	rs := &revocationServer{}
	rs.ocspMode.Store("good")
	rs.crlMode.Store("empty")
	rs.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.hits.Add(1)
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			req, err := ocsp.ParseRequest(body)
			if err != nil {
				http.Error(w, "bad request", 400)
				return
			}
			tmpl := ocsp.Response{SerialNumber: req.SerialNumber, ThisUpdate: p.now.Add(-time.Hour), NextUpdate: p.now.Add(24 * time.Hour)}
			switch rs.ocspMode.Load().(string) {
			case "error":
				http.Error(w, "down", 500)
				return
			case "hang":
				<-r.Context().Done()
				return
			case "revoked":
				tmpl.Status, tmpl.RevokedAt, tmpl.RevocationReason = ocsp.Revoked, rs.revokedAt.Load().(time.Time), ocsp.KeyCompromise
			default:
				tmpl.Status = ocsp.Good
			}
			resp, err := ocsp.CreateResponse(p.ca.Cert, p.ca.Cert, tmpl, p.ca.Key)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			w.Header().Set("Content-Type", "application/ocsp-response")
			w.Write(resp)
			return
		}
		var entries []x509.RevocationListEntry
		switch rs.crlMode.Load().(string) {
		case "error":
			http.Error(w, "down", 500)
			return
		case "revoked":
			entries = append(entries, x509.RevocationListEntry{SerialNumber: serial, RevocationTime: rs.revokedAt.Load().(time.Time)})
		}
		crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(7), ThisUpdate: p.now.Add(-time.Hour), NextUpdate: p.now.Add(24 * time.Hour), RevokedCertificateEntries: entries}, p.ca.Cert, p.ca.Key)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(crl)
	}))
	t.Cleanup(rs.srv.Close)
	return rs
}

// client routes every request to the test server, whatever the host.
func (rs *revocationServer) client(timeout time.Duration) *http.Client {
	addr := rs.srv.Listener.Addr().String()
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		}},
	}
}

func TestOnlineRevocation(t *testing.T) {
	p := testPKI(t)
	der := opensslSign(t, p.valid, document, "-nodetach")
	rs := newRevocationServer(t, p, p.valid.Cert.SerialNumber)
	run := func(ocspMode, crlMode string, revokedAt time.Time, timeout time.Duration) *Report {
		rs.ocspMode.Store(ocspMode)
		rs.crlMode.Store(crlMode)
		rs.revokedAt.Store(revokedAt)
		return verifyBytes(t, der, Options{Trust: p.trust(t), Online: true, HTTPClient: rs.client(timeout)})
	}
	long := 10 * time.Second
	rep := run("good", "empty", time.Time{}, long)
	mustPass(t, rep)
	if rep.Revocation != "checked" || !hasCheck(rep, "revocation", StatusPassed, "OCSP") {
		t.Errorf("revocation %s\n%s", rep.Revocation, dump(rep))
	}
	mustResult(t, run("revoked", "empty", p.now.Add(-time.Hour), long), TotalFailed, Revoked)
	mustResult(t, run("revoked", "empty", p.now.Add(30*time.Minute), long), Indeterminate, RevokedNoPOE)
	rep = run("error", "revoked", p.now.Add(-time.Hour), long)
	mustResult(t, rep, TotalFailed, Revoked)
	if !hasCheck(rep, "revocation", StatusFailed, "CRL") {
		t.Errorf("CRL fallback not reported\n%s", dump(rep))
	}
	mustPass(t, run("error", "empty", time.Time{}, long))
	mustResult(t, run("error", "error", time.Time{}, long), Indeterminate, TryLater)
	// A responder that never answers: the timeout ends the wait.
	mustResult(t, run("hang", "error", time.Time{}, 200*time.Millisecond), Indeterminate, TryLater)

	// Offline, nothing is asked.
	before := rs.hits.Load()
	rep = verifyBytes(t, der, Options{Trust: p.trust(t), HTTPClient: rs.client(long)})
	mustPass(t, rep)
	if rs.hits.Load() != before || !hasCheck(rep, "revocation", StatusNotChecked, "offline") {
		t.Error("offline verification used the network or did not say so")
	}
}

func hasCheck(rep *Report, name, status, detail string) bool {
	for _, s := range rep.AllSignatures() {
		for _, c := range s.Checks {
			if c.Name == name && c.Status == status && strings.Contains(c.Detail.String(), detail) {
				return true
			}
		}
	}
	return false
}

// A chain with an intermediate CA: the intermediate's revocation is
// checked too (against its own issuer), the anchor's is not.
func TestOnlineRevocationIntermediate(t *testing.T) {
	p := testPKI(t)
	mk := func(tmpl *x509.Certificate, parent *x509.Certificate, parentKey crypto.Signer) (*testpki.Identity, error) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
		if err != nil {
			return nil, err
		}
		c, err := x509.ParseCertificate(der)
		return &testpki.Identity{Cert: c, Key: key}, err
	}
	inter, err := mk(&x509.Certificate{
		SerialNumber: big.NewInt(0x5150), Subject: pkix.Name{CommonName: "Firma TEST Intermediate CA"},
		NotBefore: p.now.Add(-testpki.Day), NotAfter: p.now.Add(365 * testpki.Day),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true,
		OCSPServer: []string{"http://ocsp.root.invalid"},
	}, p.ca.Cert, p.ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := *p.valid.Cert
	leafTmpl.SerialNumber = big.NewInt(0x5151)
	leafTmpl.OCSPServer = []string{"http://ocsp.inter.invalid"}
	leafTmpl.SignatureAlgorithm = x509.UnknownSignatureAlgorithm
	leaf, err := mk(&leafTmpl, inter.Cert, inter.Key)
	if err != nil {
		t.Fatal(err)
	}
	var interRevoked atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := ocsp.ParseRequest(body)
		if err != nil {
			http.Error(w, "bad request", 400)
			return
		}
		issuer, key := inter.Cert, inter.Key
		tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: req.SerialNumber, ThisUpdate: p.now.Add(-time.Hour), NextUpdate: p.now.Add(24 * time.Hour)}
		if req.SerialNumber.Cmp(inter.Cert.SerialNumber) == 0 {
			issuer, key = p.ca.Cert, p.ca.Key
			if interRevoked.Load() {
				tmpl.Status, tmpl.RevokedAt = ocsp.Revoked, p.now.Add(-2*time.Hour)
			}
		}
		resp, err := ocsp.CreateResponse(issuer, issuer, tmpl, key)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(resp)
	}))
	defer srv.Close()
	rs := &revocationServer{srv: srv}
	in := (&forge{content: document, signer: leaf, certs: []*x509.Certificate{leaf.Cert, inter.Cert}}).build(t)

	rep := verifyBytes(t, in, Options{Trust: p.trust(t), Online: true, HTTPClient: rs.client(10 * time.Second)})
	mustPass(t, rep)
	if !hasCheck(rep, "revocation", StatusPassed, "issuing CA Firma TEST Intermediate CA: not revoked") || !hasCheck(rep, "revocation", StatusPassed, "ocsp.inter.invalid") {
		t.Errorf("checks\n%s", dump(rep))
	}
	interRevoked.Store(true)
	rep = verifyBytes(t, in, Options{Trust: p.trust(t), Online: true, HTTPClient: rs.client(10 * time.Second)})
	mustResult(t, rep, TotalFailed, Revoked)
	if !strings.Contains(rep.Reason.String(), "issuing CA") {
		t.Errorf("reason %q", rep.Reason)
	}
}

// A DER certificate may end in a byte that is also white space (its last
// byte is the last byte of a random signature): it must still be read.
// This made --trust skip about one CA file in 40.
func TestDERCertificateEndingInSpace(t *testing.T) {
	p := testPKI(t)
	key := p.valid.Key
	var der []byte
	for serial := int64(1); serial < 5000 && der == nil; serial++ {
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(serial),
			Subject:               pkix.Name{CommonName: "Firma TEST CA ending in a space"},
			NotBefore:             p.now.Add(-testpki.Day),
			NotAfter:              p.now.Add(testpki.Day),
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign,
		}
		b, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		if last := b[len(b)-1]; last == ' ' || last == '\n' || last == '\r' || last == '\t' || last == '\v' || last == '\f' {
			der = b
		}
	}
	if der == nil {
		t.Fatal("no certificate ending in a space-like byte in 5000 tries")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "ca.der")
	if err := os.WriteFile(path, der, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, dir} {
		if err := NewTrustStore().AddPath(p); err != nil {
			t.Errorf("AddPath(%s): %v", p, err)
		}
	}
	certs, err := LoadCertificates(path)
	if err != nil || len(certs) != 1 || !bytes.Equal(certs[0].Raw, der) {
		t.Errorf("LoadCertificates: %v", err)
	}
	// A DER file with a newline after it (a hand-made file) still reads.
	withNL := filepath.Join(dir, "nl.der")
	os.WriteFile(withNL, append(append([]byte(nil), der...), '\n'), 0o644)
	if certs, err := LoadCertificates(withNL); err != nil || !bytes.Equal(certs[0].Raw, der) {
		t.Errorf("DER plus a newline: %v", err)
	}
}
