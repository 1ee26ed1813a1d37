package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/testpki"
)

func TestExtractName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"fattura.xml.p7m", "fattura.xml"},
		{"dir/referto.PDF.P7M", "dir/referto.PDF"},
		{"a.pdf.p7m.p7m.p7m", "a.pdf"},
		{"a.pdf.tsd", "a.pdf"},
		{"a.pdf.p7m.m7m", "a.pdf"},
		{"/abs/x.p7m", "/abs/x"},
	} {
		got, err := extractName(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"file.pdf", ".p7m", ".bashrc.p7m", "dir/..p7m", "x\n.p7m", "a\\b.p7m", "...p7m", "p7m"} {
		_, err := extractName(bad)
		var ne *ExtractNameError
		if !errors.As(err, &ne) || ne.Hint() == "" {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

type cliPKI struct {
	now   time.Time
	valid *testpki.Identity
	ca    string
	caID  *testpki.CA
}

var (
	cliPKIOnce sync.Once
	cliPKIVal  *cliPKI
	cliPKIErr  error
)

func testCLIPKI(t *testing.T) *cliPKI {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	cliPKIOnce.Do(func() {
		now := time.Now().UTC()
		ca, err := testpki.NewCA(now)
		if err != nil {
			cliPKIErr = err
			return
		}
		id, err := ca.Issue(testpki.Variants(now)["valid"])
		if err != nil {
			cliPKIErr = err
			return
		}
		dir, err := os.MkdirTemp("", "firma-cli-verify-")
		if err != nil {
			cliPKIErr = err
			return
		}
		p := &cliPKI{now: now, valid: id, ca: filepath.Join(dir, "ca.pem"), caID: ca}
		cliPKIErr = os.WriteFile(p.ca, testpki.CertPEM(ca.Cert), 0o644)
		cliPKIVal = p
	})
	if cliPKIErr != nil {
		t.Fatal(cliPKIErr)
	}
	return cliPKIVal
}

// opensslP7M signs content into dir/name with openssl cms -sign -cades.
func opensslP7M(t *testing.T, p *cliPKI, dir, name string, content []byte, extra ...string) string {
	t.Helper()
	kp, _ := testpki.KeyPEM(p.valid.Key)
	cert, key, in := filepath.Join(dir, ".signer.pem"), filepath.Join(dir, ".signer.key"), filepath.Join(dir, ".content")
	os.WriteFile(cert, testpki.CertPEM(p.valid.Cert), 0o644)
	os.WriteFile(key, kp, 0o600)
	os.WriteFile(in, content, 0o644)
	defer os.Remove(cert)
	defer os.Remove(key)
	defer os.Remove(in)
	out := filepath.Join(dir, name)
	args := append([]string{"cms", "-sign", "-cades", "-binary", "-md", "sha256", "-in", in, "-signer", cert, "-inkey", key, "-outform", "DER", "-out", out}, extra...)
	if b, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, b)
	}
	return out
}

func runCLI(t *testing.T, now time.Time, args ...string) (int, string, string) {
	t.Helper()
	ios, out, errb := testIO(now, nil)
	code := Main(context.Background(), args, ios)
	if len(args) > 0 && args[0] == "verify" {
		checkVerifyOutput(t, out.String())
	}
	return code, out.String(), errb.String()
}

var doc = []byte("%PDF-1.4 referto di prova\n")

func TestVerifyCommand(t *testing.T) {
	p := testCLIPKI(t)
	dir := t.TempDir()
	good := opensslP7M(t, p, dir, "referto.pdf.p7m", doc, "-nodetach")
	der, _ := os.ReadFile(good)
	bad := filepath.Join(dir, "altered.pdf.p7m")
	os.WriteFile(bad, bytes.Replace(der, []byte("prova"), []byte("prove"), 1), 0o644)
	notSigned := filepath.Join(dir, "plain.pdf")
	os.WriteFile(notSigned, doc, 0o644)
	now := p.now.Add(time.Hour)

	code, out, errs := runCLI(t, now, "verify", "--no-system-trust", "--trust", p.ca, good)
	if code != ExitOK || errs != "" {
		t.Fatalf("exit %d stderr %q", code, errs)
	}
	for _, want := range []string{
		good + ": TOTAL_PASSED (valid signature)\n",
		"signer:       MARIO ROSSI\n",
		"fiscal code:  " + testpki.FiscalCode + "\n",
		"issuer:       Firma TEST Qualified CA\n",
		"certificate:  qualified, key in a QSCD",
		"revocation: not checked (offline; use --online)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		out  string
	}{
		{"no anchor", []string{good}, ExitVerifyIndeterminate, "INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND"},
		{"altered", []string{"--trust", p.ca, bad}, ExitVerifyFailed, "TOTAL_FAILED/HASH_FAILURE"},
		{"not signed", []string{notSigned}, ExitInput, "ERROR (a PDF without signatures"},
		{"missing", []string{filepath.Join(dir, "missing.p7m")}, ExitInput, "ERROR (open "},
		{"batch worst is failed", []string{"--trust", p.ca, good, notSigned, bad}, ExitVerifyFailed, "3 files: 1 TOTAL_PASSED, 1 TOTAL_FAILED, 1 ERROR"},
		{"batch unreadable beats indeterminate", []string{good, notSigned}, ExitInput, "2 files: 1 INDETERMINATE, 1 ERROR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, _ := runCLI(t, now, append([]string{"verify", "--no-system-trust"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out, tc.out) {
				t.Errorf("exit %d, want %d; output:\n%s", code, tc.code, out)
			}
		})
	}

	// Standard input.
	ios, stdout, _ := testIO(now, nil)
	ios.In = bytes.NewReader(der)
	if code := Main(context.Background(), []string{"verify", "--no-system-trust", "--trust", p.ca, "-"}, ios); code != ExitOK || !strings.HasPrefix(stdout.String(), "-: TOTAL_PASSED") {
		t.Errorf("stdin: exit %d\n%s", code, stdout.String())
	}

	// Errors for bad usage and bad anchors.
	for _, args := range [][]string{
		{"verify", "-o", "x", good},
		{"verify", "--extract", "-o", "x", good, good},
		{"verify", "--content", notSigned, good, good},
		{"verify", "--extract", "-"},
		{"verify", "-", "--content", "-"},
	} {
		if code, _, _ := runCLI(t, now, args...); code != ExitUsage {
			t.Errorf("%v: exit %d", args, code)
		}
	}
	if code, _, errs := runCLI(t, now, "verify", "--trust", notSigned, good); code != ExitInput || !strings.Contains(errs, "hint:") {
		t.Errorf("bad --trust: exit %d %q", code, errs)
	}
}

func TestVerifyJSON(t *testing.T) {
	p := testCLIPKI(t)
	dir := t.TempDir()
	good := opensslP7M(t, p, dir, "referto.pdf.p7m", doc, "-nodetach")
	code, out, _ := runCLI(t, p.now.Add(time.Hour), "verify", "--json", "--no-system-trust", "--trust", p.ca, good, filepath.Join(dir, "missing.p7m"))
	if code != ExitInput {
		t.Errorf("exit %d", code)
	}
	// Pinned field names: scripts rely on them.
	var j struct {
		Indication string `json:"indication"`
		Files      []struct {
			File          string `json:"file"`
			Form          string `json:"form"`
			Indication    string `json:"indication"`
			SubIndication string `json:"sub_indication"`
			Revocation    string `json:"revocation"`
			Error         string `json:"error"`
			Content       *struct {
				Length int64  `json:"length"`
				SHA256 string `json:"sha256"`
			} `json:"content"`
			Layers []struct {
				Type       string `json:"type"`
				Signatures []struct {
					ID          string `json:"id"`
					Indication  string `json:"indication"`
					Profile     string `json:"profile"`
					SigningTime string `json:"signing_time"`
					Signer      struct {
						Holder struct {
							FiscalCode string `json:"fiscal_code"`
						} `json:"holder"`
						IssuerName string `json:"issuer_name"`
					} `json:"signer"`
					Checks []struct {
						Name   string `json:"name"`
						Status string `json:"status"`
					} `json:"checks"`
				} `json:"signatures"`
			} `json:"layers"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if j.Indication != "ERROR" || len(j.Files) != 2 {
		t.Fatalf("%+v", j)
	}
	f := j.Files[0]
	if f.File != good || f.Form != "der" || f.Indication != "TOTAL_PASSED" || f.Revocation != "not_checked" || f.Content == nil || f.Content.Length != int64(len(doc)) {
		t.Errorf("file %+v", f)
	}
	s := f.Layers[0].Signatures[0]
	if s.ID != "S1" || s.Profile != "CAdES-B-B" || s.Signer.Holder.FiscalCode != testpki.FiscalCode || s.SigningTime == "" || len(s.Checks) < 8 {
		t.Errorf("signature %+v", s)
	}
	if j.Files[1].Error == "" || j.Files[1].Indication != "" {
		t.Errorf("missing file %+v", j.Files[1])
	}
}

func TestVerifyExtract(t *testing.T) {
	p := testCLIPKI(t)
	dir := t.TempDir()
	now := p.now.Add(time.Hour)
	inner := opensslP7M(t, p, dir, "inner.p7m", doc, "-nodetach", "-stream")
	innerDER, _ := os.ReadFile(inner)
	os.Remove(inner)
	outer := opensslP7M(t, p, dir, ".outer", []byte(base64.StdEncoding.EncodeToString(innerDER)), "-nodetach")
	outerDER, _ := os.ReadFile(outer)
	os.Remove(outer)
	// A nested base64 p7m, as Italian PEC mailboxes deliver them.
	in := filepath.Join(dir, "ricetta.pdf.p7m.p7m")
	os.WriteFile(in, []byte(base64.StdEncoding.EncodeToString(outerDER)), 0o444)

	code, out, errs := runCLI(t, now, "verify", "--no-system-trust", "--trust", p.ca, "--extract", in)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	got, err := os.ReadFile(filepath.Join(dir, "ricetta.pdf"))
	if err != nil || !bytes.Equal(got, doc) {
		t.Fatalf("extracted %q %v", got, err)
	}
	if !strings.Contains(out, "extracted to "+filepath.Join(dir, "ricetta.pdf")) || !strings.Contains(out, "layer 2: signed-data") {
		t.Errorf("output:\n%s", out)
	}
	// Never overwritten without --force; the existing file is untouched.
	os.WriteFile(filepath.Join(dir, "ricetta.pdf"), []byte("mine"), 0o644)
	code, _, errs = runCLI(t, now, "verify", "--no-system-trust", "--trust", p.ca, "--extract", in)
	if code != ExitOutput || !strings.Contains(errs, "already exists") {
		t.Errorf("exit %d %q", code, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "ricetta.pdf")); string(b) != "mine" {
		t.Error("existing file changed")
	}
	if code, _, _ = runCLI(t, now, "verify", "--no-system-trust", "--trust", p.ca, "--extract", "--force", in); code != ExitOK {
		t.Errorf("--force: exit %d", code)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "ricetta.pdf")); !bytes.Equal(b, doc) {
		t.Error("--force did not replace")
	}
	// -o - writes the document to stdout, the report to stderr.
	ios, stdout, stderr := testIO(now, nil)
	if code := Main(context.Background(), []string{"verify", "--no-system-trust", "--trust", p.ca, "--extract", "-o", "-", in}, ios); code != ExitOK || !bytes.Equal(stdout.Bytes(), doc) || !strings.Contains(stderr.String(), "TOTAL_PASSED") {
		t.Errorf("-o -: exit %d stdout %q", code, stdout.String())
	}
	// A failed signature leaves nothing behind.
	der, _ := os.ReadFile(opensslP7M(t, p, dir, "x.p7m", doc, "-nodetach"))
	altered := filepath.Join(dir, "altered.pdf.p7m")
	os.WriteFile(altered, bytes.Replace(der, []byte("prova"), []byte("prove"), 1), 0o644)
	code, out, _ = runCLI(t, now, "verify", "--no-system-trust", "--trust", p.ca, "--extract", altered)
	if code != ExitVerifyFailed || !strings.Contains(out, "nothing extracted") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "altered.pdf")); !errors.Is(err, os.ErrNotExist) {
		t.Error("document of a failed signature was extracted")
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), "firma-tmp") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	// The input is never modified.
	if b, _ := os.ReadFile(in); string(b) != base64.StdEncoding.EncodeToString(outerDER) {
		t.Error("input changed")
	}
}

// --online reaches for the certificate's OCSP and CRL URLs; the test
// certificates name .invalid hosts (RFC 2606), which never resolve, so
// the status is unavailable: INDETERMINATE/TRY_LATER, never TOTAL_PASSED.
func TestVerifyOnlineUnreachable(t *testing.T) {
	p := testCLIPKI(t)
	good := opensslP7M(t, p, t.TempDir(), "referto.pdf.p7m", doc, "-nodetach")
	code, out, _ := runCLI(t, p.now.Add(time.Hour), "verify", "--no-system-trust", "--trust", p.ca, "--online", "--timeout", "3s", good)
	if code != ExitVerifyIndeterminate || !strings.Contains(out, "INDETERMINATE/TRY_LATER") || !strings.Contains(out, "ocsp.firma-test.invalid") {
		t.Errorf("exit %d\n%s", code, out)
	}
	if strings.Contains(out, "revocation: not checked") {
		t.Error("--online report says revocation was not checked")
	}
}

// cliTSL writes trusted lists naming the test CA as a qualified CA
// service, signed as AgID signs TSL-IT.xml (enveloped XMLDSig, exclusive
// c14n, RSA-SHA256, certificate in KeyInfo).
type cliTSL struct {
	dir        string
	key        *rsa.PrivateKey
	signer     *x509.Certificate
	signerPEM  string // the signer's certificate, for --tsl-signer
	otherPEM   string // an unrelated certificate
	caB64      string
	now        time.Time
	signerName string
}

func newCLITSL(t *testing.T, p *cliPKI) *cliTSL {
	t.Helper()
	dir := t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{Country: []string{"IT"}, CommonName: "AgID TEST TSL signer"},
		NotBefore:    p.now.Add(-testpki.Day),
		NotAfter:     p.now.Add(365 * testpki.Day),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := x509.ParseCertificate(der)
	caPEM, _ := os.ReadFile(p.ca)
	blk, _ := pem.Decode(caPEM)
	l := &cliTSL{dir: dir, key: key, signer: signer, now: p.now, signerName: "AgID TEST TSL signer",
		signerPEM: filepath.Join(dir, "agid.pem"), otherPEM: p.ca, caB64: base64.StdEncoding.EncodeToString(blk.Bytes)}
	os.WriteFile(l.signerPEM, testpki.CertPEM(signer), 0o644)
	return l
}

// write writes a list signed by the test signer, with its next update
// at next.
func (l *cliTSL) write(t *testing.T, name string, next time.Time) string {
	t.Helper()
	list := `<?xml version="1.0" encoding="UTF-8"?>
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#" Id="TSL-IT"><tsl:SchemeInformation><tsl:TSLSequenceNumber>7</tsl:TSLSequenceNumber><tsl:SchemeTerritory>IT</tsl:SchemeTerritory><tsl:ListIssueDateTime>` +
		l.now.Add(-30*testpki.Day).UTC().Format(time.RFC3339) + `</tsl:ListIssueDateTime><tsl:NextUpdate><tsl:dateTime>` + next.UTC().Format(time.RFC3339) + `</tsl:dateTime></tsl:NextUpdate></tsl:SchemeInformation>` +
		`<tsl:TrustServiceProviderList><tsl:TrustServiceProvider><tsl:TSPInformation><tsl:TSPName><tsl:Name xml:lang="en">Firma Test</tsl:Name></tsl:TSPName></tsl:TSPInformation><tsl:TSPServices><tsl:TSPService><tsl:ServiceInformation>` +
		`<tsl:ServiceTypeIdentifier>http://uri.etsi.org/TrstSvc/Svctype/CA/QC</tsl:ServiceTypeIdentifier><tsl:ServiceName><tsl:Name xml:lang="en">Firma TEST CA</tsl:Name></tsl:ServiceName>` +
		`<tsl:ServiceDigitalIdentity><tsl:DigitalId><tsl:X509Certificate>` + l.caB64 + `</tsl:X509Certificate></tsl:DigitalId></tsl:ServiceDigitalIdentity>` +
		`<tsl:ServiceStatus>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted</tsl:ServiceStatus><tsl:StatusStartingTime>2016-06-30T22:00:00Z</tsl:StatusStartingTime></tsl:ServiceInformation></tsl:TSPService></tsl:TSPServices></tsl:TrustServiceProvider></tsl:TrustServiceProviderList></tsl:TrustServiceStatusList>`
	signed, err := testpki.SignTSL(list, l.key, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(l.dir, name)
	if err := os.WriteFile(path, signed, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVerifyTSL(t *testing.T) {
	p := testCLIPKI(t)
	l := newCLITSL(t, p)
	now := p.now.Add(time.Hour)
	good := opensslP7M(t, p, t.TempDir(), "referto.pdf.p7m", doc, "-nodetach")
	fresh := l.write(t, "TSL-IT.xml", p.now.Add(150*testpki.Day))
	stale := l.write(t, "old-TSL-IT.xml", p.now.Add(-3*testpki.Day))
	b, _ := os.ReadFile(fresh)
	tampered := filepath.Join(l.dir, "tampered.xml")
	os.WriteFile(tampered, bytes.Replace(b, []byte("Firma TEST CA<"), []byte("Firma TEST CB<"), 1), 0o644)
	v := func(args ...string) (int, string, string) {
		return runCLI(t, now, append([]string{"verify", "--no-system-trust"}, args...)...)
	}

	// Pinned signer: the list's CA is trusted and qualified.
	code, out, errs := v("--tsl", fresh, "--tsl-signer", l.signerPEM, good)
	if code != ExitOK || errs != "" || !strings.Contains(out, "CA in the trusted list") ||
		!strings.Contains(out, "  trust: trusted list "+fresh+" signed by "+l.signerName+", signer pinned\n") || strings.Contains(out, "stale") {
		t.Errorf("pinned: exit %d %q\n%s", code, errs, out)
	}

	// Another pinned signer: the list is refused (exit 11) with a hint
	// naming the real signer's fingerprint.
	sum := sha256.Sum256(l.signer.Raw)
	code, out, errs = v("--tsl", fresh, "--tsl-signer", l.otherPEM, good)
	if code != ExitInput || out != "" || !strings.Contains(errs, "firma: error: reading trusted list "+fresh+": the list is signed by "+l.signerName+", which is not a pinned signer") ||
		!strings.Contains(errs, "firma: hint: the list is signed by") || !strings.Contains(errs, hex.EncodeToString(sum[:])) {
		t.Errorf("other signer: exit %d\n%s%s", code, out, errs)
	}

	// No pin: used, and the trust line says the signer is not pinned.
	code, out, _ = v("--tsl", fresh, good)
	if code != ExitOK || !strings.Contains(out, "  trust: trusted list "+fresh+" signed by "+l.signerName+", signer not pinned: use --tsl-signer\n") {
		t.Errorf("not pinned: exit %d\n%s", code, out)
	}

	// Changed after signing: refused, even with --tsl-unsigned.
	for _, extra := range [][]string{nil, {"--tsl-unsigned"}} {
		code, _, errs = v(append([]string{"--tsl", tampered, good}, extra...)...)
		if code != ExitInput || !strings.Contains(errs, "the list's XML signature is not valid") || !strings.Contains(errs, "hint: the list was changed or damaged") {
			t.Errorf("tampered %v: exit %d\n%s", extra, code, errs)
		}
	}

	// Stale: still used (exit 0), the trust line and JSON say since when.
	nextDay := p.now.Add(-3 * testpki.Day).UTC().Format(time.DateOnly)
	code, out, _ = v("--tsl", stale, "--tsl-signer", l.signerPEM, good)
	if code != ExitOK || !strings.Contains(out, "  trust: trusted list "+stale+" is stale since "+nextDay+" (its next update was due then): download a fresh copy\n") {
		t.Errorf("stale: exit %d\n%s", code, out)
	}
	code, out, _ = v("--json", "--tsl", stale, "--tsl-signer", l.signerPEM, good)
	// Pinned field names: scripts rely on them.
	var j struct {
		Indication   string `json:"indication"`
		TrustedLists []struct {
			Source       string     `json:"source"`
			Territory    string     `json:"territory"`
			Sequence     string     `json:"sequence_number"`
			Issued       *time.Time `json:"issued"`
			NextUpdate   *time.Time `json:"next_update"`
			Stale        bool       `json:"stale"`
			Signature    string     `json:"signature"`
			Signer       string     `json:"signer"`
			SignerSHA256 string     `json:"signer_sha256"`
			Anchors      int        `json:"anchors"`
			Warnings     []string   `json:"warnings"`
		} `json:"trusted_lists"`
		Files []struct {
			Trust []string `json:"trust"`
		} `json:"files"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != ExitOK || j.Indication != "TOTAL_PASSED" || len(j.TrustedLists) != 1 || len(j.Files) != 1 || len(j.Files[0].Trust) != 1 {
		t.Fatalf("json: exit %d\n%s", code, out)
	}
	tl := j.TrustedLists[0]
	if tl.Source != stale || tl.Territory != "IT" || tl.Sequence != "7" || tl.Issued == nil || tl.NextUpdate == nil || tl.NextUpdate.UTC().Format(time.DateOnly) != nextDay ||
		!tl.Stale || tl.Signature != "pinned" || tl.Signer != "C=IT, CN=AgID TEST TSL signer" || tl.SignerSHA256 != hex.EncodeToString(sum[:]) ||
		tl.Anchors != 1 || len(tl.Warnings) != 1 || !strings.Contains(tl.Warnings[0], "stale since "+nextDay) {
		t.Errorf("trusted list %+v", tl)
	}

	// Flags that make no sense together, and a bad --tsl-signer file.
	for _, args := range [][]string{
		{"--tsl", fresh, "--tsl-signer", l.signerPEM, "--tsl-unsigned", good},
		{"--tsl-signer", l.signerPEM, good},
		{"--tsl-unsigned", good},
	} {
		if code, _, _ := v(args...); code != ExitUsage {
			t.Errorf("%v: exit %d", args, code)
		}
	}
	if code, _, errs := v("--tsl", fresh, "--tsl-signer", fresh, good); code != ExitInput || !strings.Contains(errs, "hint: --tsl-signer takes the certificate") {
		t.Errorf("bad --tsl-signer: exit %d %q", code, errs)
	}
}
