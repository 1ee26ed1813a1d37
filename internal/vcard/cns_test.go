package vcard

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	keysOnce sync.Once
	testKeys [2]*rsa.PrivateKey
	testCert [2]*x509.Certificate
)

// cnsCard returns a card of profile loaded with two RSA-2048 keysets
// (made once per test binary: key generation is slow).
func cnsCard(t *testing.T, profile string) (*Card, CNSContents) {
	t.Helper()
	keysOnce.Do(func() {
		for i := range testKeys {
			k, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(int64(i + 1)), Subject: pkix.Name{CommonName: "vcard test"},
				NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
			if err != nil {
				panic(err)
			}
			testKeys[i] = k
			testCert[i], _ = x509.ParseCertificate(der)
		}
	})
	c := newCard(t, profile)
	ct := CNSContents{Serial: "7420000000000001", GivenName: "MARIO", Surname: "ROSSI", FiscalCode: "RSSMRA80A01H501U",
		AuthCert: testCert[0], AuthKey: testKeys[0], SignCert: testCert[1], SignKey: testKeys[1]}
	if err := c.LoadCNS(ct); err != nil {
		t.Fatal(err)
	}
	return c, ct
}

// answer sends command and returns the data, checking the status word.
func answer(t *testing.T, c *Card, command []byte, wantSW string) []byte {
	t.Helper()
	resp, act := c.handleAPDU(command)
	if act != actAnswer || len(resp) < 2 {
		t.Fatalf("%X: action %v response %X", command, act, resp)
	}
	if got := formatSW(resp); got != wantSW {
		t.Fatalf("%X: answered %s, want %s", command, got, wantSW)
	}
	return resp[:len(resp)-2]
}

func hx(s string) []byte { return mustHex(s) }

func TestCNSSelectAndRead(t *testing.T) {
	c, ct := cnsCard(t, "idemia")
	// By path from the MF, status only, then with the FCP and its size.
	answer(t, c, cmd("00A4080C", hx("10001003")), "9000")
	if got := answer(t, c, hx("00B0000010"), "9000"); string(got) != ct.Serial {
		t.Fatalf("EF_IDCarta %q", got)
	}
	fcp := answer(t, c, append(cmd("00A40800", hx("14009010")), 0x00), "9000")
	n := len(ct.SignCert.Raw)
	if !bytes.HasPrefix(fcp, []byte{0x62}) || !bytes.Contains(fcp, []byte{0x80, 0x02, byte(n >> 8), byte(n)}) {
		t.Fatalf("FCP %X does not carry the size %d", fcp, n)
	}
	// The whole certificate in 255-byte reads, the last one short with 6282.
	var got []byte
	for off := 0; ; off += 0xFF {
		sw := "9000"
		if off+0xFF > n {
			sw = "6282"
		}
		got = append(got, answer(t, c, []byte{0x00, 0xB0, byte(off >> 8), byte(off), 0xFF}, sw)...)
		if sw == "6282" {
			break
		}
	}
	if !bytes.Equal(got, ct.SignCert.Raw) {
		t.Fatal("CNS1 certificate read back differs")
	}
	answer(t, c, []byte{0x00, 0xB0, byte((n + 1) >> 8), byte(n + 1), 0x10}, "6B00")
	// The name OpenSC builds the token label from.
	answer(t, c, cmd("00A4080C", hx("3F0011001102")), "9000")
	dp := string(answer(t, c, hx("00B0000000"), "6282"))
	if !strings.Contains(dp, "05ROSSI05MARIO") || !strings.Contains(dp, "10RSSMRA80A01H501U") {
		t.Fatalf("EF_DatiPersonali %q", dp)
	}
	// Absent files, AIDs, relative selection.
	answer(t, c, cmd("00A4080C", hx("2FFF8228")), "6A82")
	answer(t, c, cmd("00A4040C", hx("A000000063504B43532D3135")), "6A82")
	answer(t, c, cmd("00A4000C", hx("3F00")), "9000")
	answer(t, c, cmd("00A4000C", hx("1100")), "9000")
	answer(t, c, cmd("00A4020C", hx("1101")), "9000")
	if got := answer(t, c, hx("00B0000004"), "9000"); !bytes.Equal(got, ct.AuthCert.Raw[:4]) {
		t.Fatalf("CNS0 certificate starts %X", got)
	}
	answer(t, c, cmd("00A4090C", hx("1102")), "9000") // path from the current DF (3F001100)
	answer(t, c, cmd("00A4090C", hx("1003")), "6A82")
	answer(t, c, cmd("00A4080C", hx("1400")), "9000")
	answer(t, c, hx("00B0000010"), "6985") // a DF has no binary content
	files := c.Files()
	for _, want := range []string{PathIDCarta, PathDatiPersonali, PathCNS0Cert, PathCNS0PubKey, PathCNS1Cert, PathCNS1KeyDF, PathCNS1PubKey} {
		if !strings.Contains(strings.Join(files, " "), want) {
			t.Errorf("no file %s in %v", want, files)
		}
	}
}

// pkcs1Block is the EMSA-PKCS1-v1_5 block of a SHA-256 digest.
func pkcs1Block(size int, digest []byte) []byte {
	prefix := hx("3031300d060960864801650304020105000420")
	t := append(prefix, digest...)
	b := bytes.Repeat([]byte{0xFF}, size)
	b[0], b[1] = 0x00, 0x01
	b[size-len(t)-1] = 0x00
	copy(b[size-len(t):], t)
	return b
}

func TestCNSSignature(t *testing.T) {
	c, ct := cnsCard(t, "idemia")
	digest := sha256.Sum256([]byte("referto"))
	block := pkcs1Block(256, digest[:])
	pso := func(head string, data []byte) []byte { // extended case 4
		b := append(hx(head), 0x00, byte(len(data)>>8), byte(len(data)))
		return append(append(b, data...), 0x00, 0x00)
	}
	// No environment, then an environment but no PIN.
	answer(t, c, pso("002A9E9A", block), "6985")
	answer(t, c, hx("0022F30300"), "9000")
	answer(t, c, cmd("0022F1B6", hx("830110")), "9000")
	answer(t, c, pso("002A9E9A", block), "6982")
	answer(t, c, cmd("0022F1B6", hx("830155")), "6A88")
	// The CNS PIN does not open the signature key.
	answer(t, c, cmd("00200010", pad(DefaultPIN)), "9000")
	answer(t, c, pso("002A9E9A", block), "6982")
	answer(t, c, cmd("0020001A", pad(DefaultPIN)), "9000")
	sig := answer(t, c, pso("002A9E9A", block), "9000")
	if err := rsa.VerifyPKCS1v15(&ct.SignKey.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		t.Fatalf("signature does not verify: %v", err)
	}
	// The same through DECIPHER (OpenSC's way for a nonRepudiation-only
	// key), sent as a short-APDU command chain as OpenSC does.
	answer(t, c, hx("0022F30300"), "9000")
	answer(t, c, cmd("0022F1B8", hx("830110")), "9000")
	answer(t, c, pso("002A9E9A", block), "6985") // set for deciphering
	data := append([]byte{0x00}, block...)
	answer(t, c, append([]byte{0x10, 0x2A, 0x80, 0x86, 0xFF}, data[:0xFF]...), "9000")
	last := append([]byte{0x00, 0x2A, 0x80, 0x86, byte(len(data) - 0xFF)}, data[0xFF:]...)
	sig2 := answer(t, c, append(last, 0x00), "9000")
	if !bytes.Equal(sig, sig2) {
		t.Fatal("decipher of the block differs from the signature")
	}
	// A chain broken by another command is refused.
	answer(t, c, append([]byte{0x10, 0x2A, 0x80, 0x86, 0xFF}, data[:0xFF]...), "9000")
	answer(t, c, cmd("002A9E9A", block[:16]), "6883")
	// Wrong block length; verification does not survive a reset.
	answer(t, c, cmd("002A8086", append([]byte{0}, block[:100]...)), "6700")
	c.powerLocked(true)
	answer(t, c, hx("0022F30300"), "9000")
	answer(t, c, cmd("0022F1B8", hx("830110")), "9000")
	answer(t, c, pso("002A8086", data), "6982")
	if c.Signatures() != 2 {
		t.Errorf("%d signatures counted", c.Signatures())
	}
	// The authentication key needs the CNS PIN.
	answer(t, c, cmd("00200010", pad(DefaultPIN)), "9000")
	answer(t, c, cmd("0022F1B6", hx("830101")), "9000")
	sig3 := answer(t, c, pso("002A9E9A", block), "9000")
	if err := rsa.VerifyPKCS1v15(&ct.AuthKey.PublicKey, crypto.SHA256, digest[:], sig3); err != nil {
		t.Fatal(err)
	}
}

// A CNS 1.0 card takes no extended APDU.
func TestCNS10NoExtendedAPDU(t *testing.T) {
	c, _ := cnsCard(t, "aruba")
	answer(t, c, hx("00A4080C000002"+hex.EncodeToString([]byte{0x10, 0x00})), "6700")
	answer(t, c, cmd("00A4080C", hx("1000")), "9000")
	c2, _ := cnsCard(t, "idemia")
	answer(t, c2, hx("00A4080C000002"+hex.EncodeToString([]byte{0x10, 0x00})), "9000")
}

func TestLoadCNSRefusesMismatchedKey(t *testing.T) {
	_, ct := cnsCard(t, "idemia")
	ct.SignKey = ct.AuthKey
	if err := newCard(t, "idemia").LoadCNS(ct); err == nil {
		t.Fatal("a certificate with another key was loaded")
	}
	ct.SignKey, ct.Serial = testKeys[1], "short"
	if err := newCard(t, "idemia").LoadCNS(ct); err == nil {
		t.Fatal("a short serial was loaded")
	}
}
