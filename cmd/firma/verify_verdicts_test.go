package main

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/verify"
)

// allowedVerdicts is the table of EN 319 102-1 (clause 5.1.3) and EU
// DSS, written out apart from the code it checks.
var allowedVerdicts = map[string][]string{
	"TOTAL_PASSED": {""},
	"TOTAL_FAILED": {"FORMAT_FAILURE", "HASH_FAILURE", "SIG_CRYPTO_FAILURE", "REVOKED", "EXPIRED", "NOT_YET_VALID"},
	"INDETERMINATE": {"SIG_CONSTRAINTS_FAILURE", "CHAIN_CONSTRAINTS_FAILURE", "CERTIFICATE_CHAIN_GENERAL_FAILURE",
		"CRYPTO_CONSTRAINTS_FAILURE", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE", "POLICY_PROCESSING_ERROR",
		"SIGNATURE_POLICY_NOT_AVAILABLE", "TIMESTAMP_ORDER_FAILURE", "NO_SIGNING_CERTIFICATE_FOUND",
		"NO_CERTIFICATE_CHAIN_FOUND", "REVOKED_NO_POE", "REVOKED_CA_NO_POE", "OUT_OF_BOUNDS_NO_POE",
		"OUT_OF_BOUNDS_NOT_REVOKED", "REVOCATION_OUT_OF_BOUNDS_NO_POE", "NO_POE", "TRY_LATER", "SIGNED_DATA_NOT_FOUND"},
}

func verdictAllowed(ind, sub string) bool {
	for _, s := range allowedVerdicts[ind] {
		if s == sub {
			return true
		}
	}
	return false
}

var verdictRE = regexp.MustCompile(`\b(TOTAL_PASSED|TOTAL_FAILED|INDETERMINATE)(?:/([A-Z_]+))?`)

// checkVerifyOutput is the invariant over every report a verify test of
// the CLI produces: every (indication, sub-indication) pair printed, in
// text or in JSON (files, signatures, counter-signatures, timestamps,
// checks), is one the standard allows.
func checkVerifyOutput(t *testing.T, out string) {
	t.Helper()
	trimmed := strings.TrimSpace(out)
	if strings.HasPrefix(trimmed, "{") {
		var v any
		if err := json.Unmarshal([]byte(trimmed), &v); err != nil {
			t.Errorf("verify --json output is not JSON: %v", err)
			return
		}
		var walk func(path string, v any)
		walk = func(path string, v any) {
			switch x := v.(type) {
			case map[string]any:
				// $ is the batch's worst indication over files, not a verdict.
				if ind, ok := x["indication"].(string); ok && ind != "ERROR" && path != "$" {
					sub, _ := x["sub_indication"].(string)
					if !verdictAllowed(ind, sub) {
						t.Errorf("%s: %s/%s is not a pair EN 319 102-1 allows", path, ind, sub)
					}
				}
				if st, ok := x["status"].(string); ok {
					sub, _ := x["sub_indication"].(string)
					ind := map[string]string{"failed": "TOTAL_FAILED", "indeterminate": "INDETERMINATE"}[st]
					if ind == "" {
						ind = "TOTAL_PASSED"
					}
					if !verdictAllowed(ind, sub) {
						t.Errorf("%s: check status %s with %q", path, st, sub)
					}
				}
				for k, e := range x {
					walk(path+"."+k, e)
				}
			case []any:
				for _, e := range x {
					walk(path+"[]", e)
				}
			}
		}
		walk("$", v)
		return
	}
	// The batch summary ("3 files: 1 TOTAL_PASSED, ...") counts files.
	out = regexp.MustCompile(`(?m)^\d+ files: .*$`).ReplaceAllString(out, "")
	for _, m := range verdictRE.FindAllStringSubmatch(out, -1) {
		if !verdictAllowed(m[1], m[2]) {
			t.Errorf("%q is not a pair EN 319 102-1 allows", m[0])
		}
	}
}

// cliWeakSigner is a signer of the CLI test CA with a 512-bit RSA key
// (openssl makes it: crypto/rsa will not), written as PEM files.
func cliWeakSigner(t *testing.T, p *cliPKI, dir string) (cert, key string) {
	t.Helper()
	key = filepath.Join(dir, "weak.key")
	if b, err := exec.Command("openssl", "genrsa", "-out", key, "512").CombinedOutput(); err != nil {
		t.Fatalf("openssl genrsa: %v\n%s", err, b)
	}
	b, _ := os.ReadFile(key)
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub := &k.(*rsa.PrivateKey).PublicKey
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{Country: []string{"IT"}, CommonName: "ROSSI MARIO 512"},
		NotBefore:    p.now.Add(-testpki.Day),
		NotAfter:     p.now.Add(365 * testpki.Day),
		KeyUsage:     x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(nil, tmpl, p.caID.Cert, pub, p.caID.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert = filepath.Join(dir, "weak.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	return cert, key
}

// opensslSignWith signs doc with openssl as the given certificate and key.
func opensslSignWith(t *testing.T, cert, key, out string, extra ...string) string {
	t.Helper()
	in := out + ".in"
	os.WriteFile(in, doc, 0o644)
	defer os.Remove(in)
	args := append([]string{"cms", "-sign", "-binary", "-nodetach", "-md", "sha256", "-in", in, "-signer", cert, "-inkey", key, "-outform", "DER", "-out", out}, extra...)
	if b, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
		t.Fatalf("openssl %v: %v\n%s", args, err, b)
	}
	return out
}

func writeIdentity(t *testing.T, dir, name string, id *testpki.Identity) (cert, key string) {
	t.Helper()
	cert, key = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
	kp, err := testpki.KeyPEM(id.Key)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(cert, testpki.CertPEM(id.Cert), 0o644)
	os.WriteFile(key, kp, 0o600)
	return cert, key
}

// resignNoNULL replaces the signature of a p7m by one whose DigestInfo
// omits the NULL parameters (same key, same signed attributes).
func resignNoNULL(t *testing.T, p7m string, k *rsa.PrivateKey) {
	t.Helper()
	der, _ := os.ReadFile(p7m)
	sd, err := cms.ParseSignedData(bytes.NewReader(der), cms.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	si := sd.SignerInfos[0]
	attrs, err := si.SignedAttrsDER(false)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(attrs)
	di, _ := asn1.Marshal(struct {
		A pkix.AlgorithmIdentifier
		D []byte
	}{pkix.AlgorithmIdentifier{Algorithm: cms.OIDSHA256}, sum[:]})
	n := (k.N.BitLen() + 7) / 8
	em := make([]byte, n)
	em[1] = 1
	for i := 2; i < n-len(di)-1; i++ {
		em[i] = 0xff
	}
	copy(em[n-len(di):], di)
	sig := new(big.Int).Exp(new(big.Int).SetBytes(em), k.D, k.N).FillBytes(make([]byte, n))
	if !bytes.Contains(der, si.Signature) {
		t.Fatal("signature not found in the file")
	}
	os.WriteFile(p7m, bytes.Replace(der, si.Signature, sig, 1), 0o644)
}

// The fixtures of issue 10, through the CLI: each verdict in text and in
// JSON, and --extract gives the document whenever its integrity holds.
func TestVerifyVerdicts(t *testing.T) {
	p := testCLIPKI(t)
	dir := t.TempDir()
	now := p.now.Add(time.Hour)
	vs := testpki.Variants(p.now)

	nrSpec := vs["valid"]
	nrSpec.KeyUsage = x509.KeyUsageDigitalSignature
	noNR, err := p.caID.Issue(nrSpec)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := p.caID.Issue(vs["expired"])
	if err != nil {
		t.Fatal(err)
	}
	c, k := writeIdentity(t, dir, "nonr", noNR)
	nonrFile := opensslSignWith(t, c, k, filepath.Join(dir, "nonr.pdf.p7m"))
	c, k = writeIdentity(t, dir, "expired", expired)
	oldFile := opensslSignWith(t, c, k, filepath.Join(dir, "old.pdf.p7m"), "-noattr")
	c, k = cliWeakSigner(t, p, dir)
	weakFile := opensslSignWith(t, c, k, filepath.Join(dir, "weak.pdf.p7m"))
	c, k = writeIdentity(t, dir, "valid", p.valid)
	nullFile := opensslSignWith(t, c, k, filepath.Join(dir, "nonull.pdf.p7m"))
	resignNoNULL(t, nullFile, p.valid.Key.(*rsa.PrivateKey))

	for _, tc := range []struct {
		name, file, ind, sub string
		exit                 int
		text                 string // a line of the text report
	}{
		{"signer without nonRepudiation", nonrFile, "INDETERMINATE", "CHAIN_CONSTRAINTS_FAILURE", ExitVerifyIndeterminate, "key usage lacks nonRepudiation"},
		{"old signature, no signed attributes, expired certificate", oldFile, "INDETERMINATE", "OUT_OF_BOUNDS_NO_POE", ExitVerifyIndeterminate, "no timestamp from before then"},
		{"512-bit signer key, signature mathematically valid", weakFile, "INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE_NO_POE", ExitVerifyIndeterminate, "RSA 512-bit key of the signer is below the minimum"},
		{"DigestInfo without NULL", nullFile, "TOTAL_PASSED", "", ExitOK, "omits the NULL parameters"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			head := tc.ind
			if tc.sub != "" {
				head += "/" + tc.sub
			}
			code, out, _ := runCLI(t, now, "verify", "--no-system-trust", "--trust", p.ca, tc.file)
			if code != tc.exit || !strings.HasPrefix(out, tc.file+": "+head+" (") || !strings.Contains(out, tc.text) {
				t.Errorf("exit %d, want %d %s with %q:\n%s", code, tc.exit, head, tc.text, out)
			}
			code, out, _ = runCLI(t, now, "verify", "--json", "--no-system-trust", "--trust", p.ca, tc.file)
			var j struct {
				Files []struct {
					Indication    string `json:"indication"`
					SubIndication string `json:"sub_indication"`
				} `json:"files"`
			}
			if err := json.Unmarshal([]byte(out), &j); err != nil || len(j.Files) != 1 || j.Files[0].Indication != tc.ind || j.Files[0].SubIndication != tc.sub || code != tc.exit {
				t.Errorf("--json: exit %d %+v %v", code, j, err)
			}
			// The document's integrity holds in each: --extract gives it.
			outDoc := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".pdf")
			code, out, _ = runCLI(t, now, "verify", "--no-system-trust", "--trust", p.ca, "--extract", "-o", outDoc, tc.file)
			if got, err := os.ReadFile(outDoc); err != nil || !bytes.Equal(got, doc) || code != tc.exit {
				t.Errorf("--extract: exit %d, %v\n%s", code, err, out)
			}
		})
	}

	// --at: the old signature as of a day inside its certificate's
	// validity passes; the report says which time it used.
	at := expired.Cert.NotAfter.Add(-testpki.Day).UTC().Truncate(time.Second)
	code, out, _ := runCLI(t, now, "verify", "--no-system-trust", "--trust", p.ca, "--at", at.Format(time.RFC3339), oldFile)
	if code != ExitOK || !strings.Contains(out, "validation time: "+at.Format(time.DateTime+" MST")+" (asked with --at)") {
		t.Errorf("--at: exit %d\n%s", code, out)
	}
	_, out, _ = runCLI(t, now, "verify", "--json", "--no-system-trust", "--trust", p.ca, "--at", at.Format(time.DateOnly), oldFile)
	var j struct {
		Files []struct {
			VerifiedAt          time.Time `json:"verified_at"`
			VerifiedAtRequested bool      `json:"verified_at_requested"`
		} `json:"files"`
	}
	day, _ := time.Parse(time.DateOnly, at.Format(time.DateOnly))
	if err := json.Unmarshal([]byte(out), &j); err != nil || len(j.Files) != 1 || !j.Files[0].VerifiedAtRequested || !j.Files[0].VerifiedAt.Equal(day) {
		t.Errorf("--at date in JSON: %+v %v", j, err)
	}
	_, out, _ = runCLI(t, now, "verify", "--no-system-trust", "--trust", p.ca, oldFile)
	if !strings.Contains(out, "validation time: "+now.UTC().Format(time.DateTime+" MST")+" (now)") {
		t.Errorf("no validation time line:\n%s", out)
	}
	if code, _, errs := runCLI(t, now, "verify", "--at", "yesterday", oldFile); code != ExitUsage || !strings.Contains(errs, "RFC 3339") {
		t.Errorf("bad --at: exit %d %q", code, errs)
	}
}

// Rule 7: the first line says when the file's verdict is a
// counter-signature's or a file timestamp's.
func TestVerifySummaryNamesSource(t *testing.T) {
	for src, want := range map[string]string{
		"S1.C1": "f.p7m: TOTAL_FAILED/HASH_FAILURE (counter-signature S1.C1: NOT VALID)\n",
		"T1":    "f.p7m: TOTAL_FAILED/HASH_FAILURE (file timestamp 1: NOT VALID)\n",
		"S2":    "f.p7m: TOTAL_FAILED/HASH_FAILURE (NOT VALID)\n",
	} {
		var b bytes.Buffer
		r := &verify.Report{File: "f.p7m", Indication: verify.TotalFailed, SubIndication: verify.HashFailure, Source: src}
		printVerifyResult(&b, &verifyFileResult{File: "f.p7m", Report: r}, nil)
		if !strings.HasPrefix(b.String(), want) {
			t.Errorf("%s: %q, want %q", src, b.String(), want)
		}
	}
}
