package cms_test

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/testpki"
)

var (
	tsaOnce          sync.Once
	tsaCA            *testpki.CA
	tsaRSA, tsaECDSA *testpki.Identity
	tsaErr           error
	tsaNow           = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
)

// tsaIdentities are an RSA timestamp unit and an ECDSA signer of the
// test CA (the signature check does not look at key usage).
func tsaIdentities(t testing.TB) (*testpki.Identity, *testpki.Identity) {
	t.Helper()
	tsaOnce.Do(func() {
		if tsaCA, tsaErr = testpki.NewCA(tsaNow); tsaErr != nil {
			return
		}
		if tsaRSA, tsaErr = tsaCA.IssueTSA(tsaNow); tsaErr != nil {
			return
		}
		tsaECDSA, tsaErr = tsaCA.Issue(testpki.Variants(tsaNow)["ecdsa"])
	})
	if tsaErr != nil {
		t.Fatal(tsaErr)
	}
	return tsaRSA, tsaECDSA
}

func testToken(t *testing.T, id *testpki.Identity) []byte {
	t.Helper()
	sum := sha256.Sum256([]byte("signature value"))
	tok, err := testpki.NewTimestampToken(id, testpki.TimestampFields{
		Hash: crypto.SHA256, HashedMessage: sum[:], Policy: testpki.TSAPolicy,
		SerialNumber: big.NewInt(77), GenTime: tsaNow, Accuracy: time.Second, Nonce: big.NewInt(5), WithCert: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// The signature check accepts a token made by the certificate given, and
// refuses one whose TSTInfo, signed attributes or signature value were
// changed, or that another key made.
func TestTimestampTokenCheckSignature(t *testing.T) {
	rsaID, ecID := tsaIdentities(t)
	for _, id := range []*testpki.Identity{rsaID, ecID} {
		tok, err := cms.ParseTimestampToken(testToken(t, id))
		if err != nil {
			t.Fatal(err)
		}
		if err := tok.CheckSignature(id.Cert); err != nil {
			t.Errorf("%T key: %v", id.Key, err)
		}
		if tok.Info.SerialNumber.Int64() != 77 || !tok.Info.GenTime.Equal(tsaNow) || tok.Info.Nonce.Int64() != 5 || !tok.Info.Policy.Equal(testpki.TSAPolicy) {
			t.Errorf("TSTInfo %+v", tok.Info)
		}
	}
	der := testToken(t, rsaID)
	tstOID, _ := asn1.Marshal(cms.OIDTSTInfo)
	genTime := []byte(tsaNow.Format("20060102150405Z"))
	for _, c := range []struct {
		name string
		edit func(b []byte) []byte
		cert *testpki.Identity
		want string
	}{
		{"other key", func(b []byte) []byte { return b }, ecID, "certificate key is"},
		{"TSTInfo changed", func(b []byte) []byte {
			return bytes.Replace(b, genTime, []byte(tsaNow.Add(time.Hour).Format("20060102150405Z")), 1)
		}, rsaID, "message-digest attribute is not the digest"},
		{"content-type attribute", func(b []byte) []byte {
			// The second id-ct-TSTInfo is the signed attribute's value.
			i := bytes.Index(b, tstOID)
			j := i + len(tstOID) + bytes.Index(b[i+len(tstOID):], tstOID)
			b[j+len(tstOID)-1] = 5
			return b
		}, rsaID, "content-type attribute is not id-ct-TSTInfo"},
		{"signature value", func(b []byte) []byte { b[len(b)-3] ^= 1; return b }, rsaID, "verification error"},
	} {
		tok, err := cms.ParseTimestampToken(c.edit(bytes.Clone(der)))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if err := tok.CheckSignature(c.cert.Cert); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// A request survives Marshal and ParseTimeStampReq, and openssl, an
// independent implementation, reads the same fields; what openssl ts
// -query writes parses.
func TestTimeStampReq(t *testing.T) {
	sum := sha256.Sum256([]byte("x"))
	req := &cms.TimeStampReq{HashAlgorithm: crypto.SHA256, HashedMessage: sum[:], TSAPolicyOID: testpki.TSAPolicy, Nonce: big.NewInt(0x7fab_cdef_0123_4567), Certificates: true}
	der, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	got, err := cms.ParseTimeStampReq(der)
	if err != nil {
		t.Fatal(err)
	}
	if got.HashAlgorithm != req.HashAlgorithm || !bytes.Equal(got.HashedMessage, req.HashedMessage) || !got.TSAPolicyOID.Equal(req.TSAPolicyOID) || got.Nonce.Cmp(req.Nonce) != 0 || !got.Certificates {
		t.Errorf("round trip: %+v", got)
	}
	bare, err := (&cms.TimeStampReq{HashAlgorithm: crypto.SHA384, HashedMessage: make([]byte, 48)}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if got, err := cms.ParseTimeStampReq(bare); err != nil || got.Nonce != nil || got.TSAPolicyOID != nil || got.Certificates {
		t.Errorf("bare request: %+v, %v", got, err)
	}
	for _, bad := range [][]byte{nil, append(bytes.Clone(der), 0), der[:len(der)-1], {0x30, 0x03, 0x02, 0x01, 0x02}} {
		if _, err := cms.ParseTimeStampReq(bad); err == nil {
			t.Errorf("% x parsed", bad)
		}
	}
	if _, err := (&cms.TimeStampReq{HashAlgorithm: crypto.SHA256, HashedMessage: []byte{1}}).Marshal(); err == nil {
		t.Error("a short imprint was encoded")
	}

	if _, err := exec.LookPath("openssl"); err != nil {
		if testing.Short() {
			t.Skip("no openssl")
		}
		t.Fatal(err)
	}
	dir := t.TempDir()
	reqFile := filepath.Join(dir, "req.tsq")
	os.WriteFile(reqFile, der, 0o644)
	out, err := exec.Command("openssl", "ts", "-query", "-in", reqFile, "-text").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl ts -query -text: %v\n%s", err, out)
	}
	for _, want := range []string{"Hash Algorithm: sha256", "Policy OID: 1.3.6.1.4.1.99999.3.1", "Nonce: 0x7FABCDEF01234567", "Certificate required: yes"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("openssl reads our request without %q:\n%s", want, out)
		}
	}
	dataFile := filepath.Join(dir, "data")
	os.WriteFile(dataFile, []byte("x"), 0o644)
	if out, err = exec.Command("openssl", "ts", "-query", "-data", dataFile, "-sha512", "-cert", "-tspolicy", "1.2.3.4", "-out", reqFile).CombinedOutput(); err != nil {
		t.Fatalf("openssl ts -query: %v\n%s", err, out)
	}
	got, err = cms.ParseTimeStampReq(mustRead(t, reqFile))
	if err != nil {
		t.Fatal(err)
	}
	if got.HashAlgorithm != crypto.SHA512 || !got.Certificates || got.Nonce == nil || !got.TSAPolicyOID.Equal(asn1.ObjectIdentifier{1, 2, 3, 4}) {
		t.Errorf("openssl's request read as %+v", got)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
