package cms

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firma-dev/firma/internal/interop"
)

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parseAny detects the form and parses, collecting the content.
func parseAny(t testing.TB, in []byte) (Form, *ParsedSignedData, []byte, error) {
	t.Helper()
	form, r, err := Detect(bytes.NewReader(in))
	if err != nil {
		return 0, nil, nil, err
	}
	var content bytes.Buffer
	sd, err := ParseSignedData(r, ParseOptions{Content: &content})
	return form, sd, content.Bytes(), err
}

func TestParseTestdataForms(t *testing.T) {
	hello := readFile(t, "testdata/hello.txt")
	want := sha256.Sum256(hello)
	for _, tc := range []struct {
		file string
		form Form
	}{
		{"attached.der.p7m", FormBER},
		{"attached.ber.p7m", FormBER},
		{"attached.pem.p7m", FormPEM},
		{"attached.base64crlf.p7m", FormBase64},
	} {
		t.Run(tc.file, func(t *testing.T) {
			form, sd, content, err := parseAny(t, readFile(t, filepath.Join("testdata", tc.file)))
			if err != nil {
				t.Fatal(err)
			}
			if form != tc.form {
				t.Errorf("form = %v, want %v", form, tc.form)
			}
			if !bytes.Equal(content, hello) {
				t.Errorf("content = %q, want %q", content, hello)
			}
			if sd.Detached || sd.ContentLength != int64(len(hello)) {
				t.Errorf("detached=%v length=%d", sd.Detached, sd.ContentLength)
			}
			if d, _ := sd.ContentDigest(crypto.SHA256); !bytes.Equal(d, want[:]) {
				t.Errorf("content digest %x, want %x", d, want)
			}
			if !sd.EContentType.Equal(OIDData) {
				t.Errorf("eContentType %v", sd.EContentType)
			}
			if len(sd.Certificates) != 1 || len(sd.SignerInfos) != 1 {
				t.Fatalf("certs=%d signers=%d", len(sd.Certificates), len(sd.SignerInfos))
			}
			si := sd.SignerInfos[0]
			if si.IssuerSerial == nil || !si.DigestAlgorithm.Algorithm.Equal(OIDSHA256) {
				t.Errorf("signer id %+v digest %v", si.IssuerSerial, si.DigestAlgorithm.Algorithm)
			}
			md := FindAttrs(si.SignedAttrs, OIDAttrMessageDigest)
			if len(md) != 1 || len(md[0].Values) != 1 {
				t.Fatalf("message-digest attribute %+v", md)
			}
			if !bytes.Equal(md[0].Values[0][2:], want[:]) {
				t.Errorf("message-digest %x", md[0].Values[0])
			}
			if len(FindAttrs(si.SignedAttrs, OIDAttrSigningCertificateV2)) != 1 {
				t.Error("no signing-certificate-v2 (openssl -cades adds it)")
			}
			// The raw parts must be exactly what is in the file, so that a
			// writer can re-emit them.
			der, _, _ := func() ([]byte, *ParsedSignedData, error) {
				_, r, _ := Detect(bytes.NewReader(readFile(t, filepath.Join("testdata", tc.file))))
				b, err := io.ReadAll(r)
				return b, nil, err
			}()
			for _, part := range [][]byte{si.Raw, si.RawSignedAttrs, sd.Certificates[0], si.Signature} {
				if !bytes.Contains(der, part) {
					t.Errorf("raw part %x... is not a substring of the file", part[:8])
				}
			}
			if !bytes.Contains(si.Raw, si.RawSignedAttrs) {
				t.Error("signed attributes not inside the signer info")
			}
			sa, err := si.SignedAttrsDER(true)
			if err != nil || sa[0] != 0x31 {
				t.Fatalf("SignedAttrsDER: %x %v", sa, err)
			}
			sorted, err := si.SignedAttrsDER(false)
			if err != nil || !bytes.Equal(sorted, sa) {
				t.Errorf("openssl writes DER-sorted attributes; re-encoding changed them")
			}
		})
	}
}

func TestParseDetached(t *testing.T) {
	_, sd, content, err := parseAny(t, readFile(t, "testdata/detached.p7s"))
	if err != nil {
		t.Fatal(err)
	}
	if !sd.Detached || len(content) != 0 || sd.ContentLength != 0 || len(sd.ContentDigests) != 0 {
		t.Errorf("detached=%v content=%q digests=%v", sd.Detached, content, sd.ContentDigests)
	}
	if len(sd.SignerInfos) != 1 {
		t.Errorf("%d signers", len(sd.SignerInfos))
	}
}

func TestParseInterop(t *testing.T) {
	var digest []byte
	for _, tc := range interop.Fatturapa {
		want := FormBER
		if tc.Base64 {
			want = FormBase64
		}
		t.Run(tc.Name, func(t *testing.T) {
			form, sd, content, err := parseAny(t, readFile(t, tc.Path()))
			if form != want {
				t.Errorf("form %v, want %v", form, want)
			}
			if !tc.Intact {
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("tampered file: err = %v, want a FormatError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(content, []byte(interop.FatturapaContentPrefix)) {
				t.Errorf("content starts %q", content[:16])
			}
			d, _ := sd.ContentDigest(crypto.SHA256)
			if digest == nil {
				digest = d
			} else if !bytes.Equal(d, digest) {
				t.Errorf("digest differs between forms of the same file")
			}
			if len(sd.SignerInfos) != 1 || len(sd.SignerInfos[0].SignedAttrs) != 4 {
				t.Errorf("signers/attrs: %d", len(sd.SignerInfos))
			}
		})
	}
}

func TestParseTrailingPadding(t *testing.T) {
	in := readFile(t, "testdata/attached.der.p7m")
	for _, tc := range []struct {
		pad     []byte
		nonZero bool
	}{
		{make([]byte, 37), false},
		{[]byte("\r\n"), true},
	} {
		_, sd, _, err := parseAny(t, append(bytes.Clone(in), tc.pad...))
		if err != nil {
			t.Fatal(err)
		}
		if sd.Trailer.Bytes != int64(len(tc.pad)) || sd.Trailer.NonZero != tc.nonZero {
			t.Errorf("trailer %+v for %q", sd.Trailer, tc.pad)
		}
	}
}

func TestParseTruncatedEverywhere(t *testing.T) {
	for _, file := range []string{"attached.der.p7m", "attached.ber.p7m"} {
		in := readFile(t, filepath.Join("testdata", file))
		for n := 0; n < len(in); n++ {
			_, _, _, err := parseAny(t, in[:n])
			if err == nil {
				t.Fatalf("%s cut at %d/%d: no error", file, n, len(in))
			}
			var fe *FormatError
			var ue *UnrecognizedError
			if !errors.As(err, &fe) && !errors.As(err, &ue) {
				t.Fatalf("%s cut at %d: %T %v", file, n, err, err)
			}
		}
	}
}

func TestParseNotSignedData(t *testing.T) {
	// ContentInfo { id-data, [0] OCTET STRING "x" }
	in, _ := hex.DecodeString("3010" + "06092a864886f70d010701" + "a003" + "040178")
	_, _, _, err := parseAny(t, in)
	var ns *NotSignedDataError
	if !errors.As(err, &ns) || !ns.ContentType.Equal(OIDData) {
		t.Fatalf("err = %v", err)
	}
}

// A content bigger than any buffer streams through without being held:
// the writer sees every byte, the digest is right.
func TestParseStreamsLargeContent(t *testing.T) {
	const size = 8<<20 + 12345
	content := bytes.Repeat([]byte("0123456789abcdef"), size/16+1)[:size]
	var in []byte
	in = appendHeaderFull(in, ClassUniversal, TagSequence, true, -1)
	in = append(in, mustHex("06092a864886f70d010702")...)
	in = appendHeaderFull(in, ClassContext, 0, true, -1)
	in = appendHeaderFull(in, ClassUniversal, TagSequence, true, -1)
	in = append(in, mustHex("020101"+"310d300b0609608648016503040201")...)
	in = appendHeaderFull(in, ClassUniversal, TagSequence, true, -1)
	in = append(in, mustHex("06092a864886f70d010701")...)
	in = appendHeaderFull(in, ClassContext, 0, true, -1)
	in = appendHeaderFull(in, ClassUniversal, TagOctetString, true, -1)
	for rest := content; len(rest) > 0; {
		n := min(len(rest), 1000)
		in = appendTLV(in, ClassUniversal, TagOctetString, false, rest[:n])
		rest = rest[n:]
	}
	in = append(in, 0, 0, 0, 0, 0, 0) // octet string, [0], encap
	in = append(in, 0x31, 0x00)       // no signers
	in = append(in, 0, 0, 0, 0, 0, 0) // signed data, [0], content info
	h := sha256.New()
	sd, err := ParseSignedData(bytes.NewReader(in), ParseOptions{Content: h})
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(content)
	if !bytes.Equal(h.Sum(nil), want[:]) || !bytes.Equal(sd.ContentDigests[crypto.SHA256], want[:]) || sd.ContentLength != size {
		t.Error("streamed content differs")
	}
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}
