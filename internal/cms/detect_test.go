package cms

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestDetectForms(t *testing.T) {
	der := readFile(t, "testdata/attached.der.p7m")
	b64 := base64.StdEncoding.EncodeToString(der)
	wrap := func(s string, n int, eol string) string {
		var sb strings.Builder
		for len(s) > n {
			sb.WriteString(s[:n] + eol)
			s = s[n:]
		}
		sb.WriteString(s + eol)
		return sb.String()
	}
	for _, tc := range []struct {
		name string
		in   string
		form Form
	}{
		{"der", string(der), FormBER},
		{"base64 one line", b64, FormBase64},
		{"base64 LF 64", wrap(b64, 64, "\n"), FormBase64},
		{"base64 CRLF 76", wrap(b64, 76, "\r\n"), FormBase64},
		{"base64 unpadded", strings.TrimRight(b64, "="), FormBase64},
		{"base64 BOM and blank lines", "\xef\xbb\xbf\r\n\r\n" + wrap(b64, 72, "\r\n"), FormBase64},
		{"pem", "-----BEGIN PKCS7-----\n" + wrap(b64, 64, "\n") + "-----END PKCS7-----\n", FormPEM},
		{"pem CRLF cms", "-----BEGIN CMS-----\r\n" + wrap(b64, 64, "\r\n") + "-----END CMS-----\r\n", FormPEM},
		{"pem with header", "-----BEGIN PKCS7-----\nProc-Type: 4,ENCRYPTED\n\n" + wrap(b64, 64, "\n") + "-----END PKCS7-----\ntrailing junk", FormPEM},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form, r, err := Detect(strings.NewReader(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if form != tc.form {
				t.Errorf("form %v, want %v", form, tc.form)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, der) {
				t.Errorf("decoded %d bytes, differ from the DER (%d)", len(got), len(der))
			}
		})
	}
}

func TestDetectMIME(t *testing.T) {
	in := "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x--\r\n"
	form, r, err := Detect(strings.NewReader(in))
	if err != nil || form != FormMIME {
		t.Fatalf("%v %v", form, err)
	}
	got, _ := io.ReadAll(r)
	if string(got) != in {
		t.Error("MIME input not passed through unchanged")
	}
}

func TestDetectUnrecognized(t *testing.T) {
	for _, tc := range []struct{ in, looks string }{
		{"", "empty"},
		{"%PDF-1.7\n...", "PDF"},
		{"PK\x03\x04....", "ZIP"},
		{"<?xml version=\"1.0\"?><a/>", "XML"},
		{"hello world, this is plain text", ""},
		{"MIIB!!notbase64", ""},
		{"QUJD", ""}, // base64, but not of a SEQUENCE
	} {
		_, _, err := Detect(strings.NewReader(tc.in))
		var ue *UnrecognizedError
		if !errors.As(err, &ue) {
			t.Errorf("%q: err = %v", tc.in, err)
			continue
		}
		if !strings.Contains(ue.Error(), tc.looks) {
			t.Errorf("%q: %q does not mention %q", tc.in, ue.Error(), tc.looks)
		}
	}
}

func TestDetectBadBase64Body(t *testing.T) {
	_, r, err := Detect(strings.NewReader("MIIB" + strings.Repeat("A", 2000) + "!!!"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); err == nil {
		t.Error("invalid base64 after the sniffed prefix decoded without error")
	}
	_, r, err = Detect(strings.NewReader("-----BEGIN PKCS7-----\nMIIB\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(r); err == nil {
		t.Error("PEM without END accepted")
	}
}
