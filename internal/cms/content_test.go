package cms

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

func TestMessageDigest(t *testing.T) {
	der := []byte{0x04, 0x03, 1, 2, 3}
	// The same OCTET STRING in constructed BER form, as some signers store it.
	ber := []byte{0x24, 0x80, 0x04, 0x01, 1, 0x04, 0x02, 2, 3, 0x00, 0x00}
	attr := func(vals ...[]byte) RawAttribute { return RawAttribute{Type: OIDAttrMessageDigest, Values: vals} }
	for name, c := range map[string]struct {
		attrs []RawAttribute
		want  []byte
		err   error
	}{
		"one":              {[]RawAttribute{attr(der)}, []byte{1, 2, 3}, nil},
		"ber":              {[]RawAttribute{attr(ber)}, []byte{1, 2, 3}, nil},
		"identical copies": {[]RawAttribute{attr(der), attr(der)}, []byte{1, 2, 3}, nil},
		"copies differ":    {[]RawAttribute{attr(der), attr([]byte{0x04, 0x01, 9})}, nil, ErrNoMessageDigest},
		"two values":       {[]RawAttribute{attr(der, []byte{0x04, 0x01, 9})}, nil, ErrNoMessageDigest},
		"none":             {[]RawAttribute{{Type: OIDAttrContentType, Values: [][]byte{{0x06, 0x01, 0x01}}}}, nil, ErrNoMessageDigest},
		"no attributes":    {nil, nil, ErrNoSignedAttrs},
	} {
		md, err := (&ParsedSignerInfo{SignedAttrs: c.attrs}).MessageDigest()
		if string(md) != string(c.want) || (c.err != nil && !errors.Is(err, c.err)) || (c.err == nil && err != nil) {
			t.Errorf("%s: %x, %v", name, md, err)
		}
	}
	if _, err := ParseMessageDigest([]byte{0x02, 0x01, 0x01}); err == nil {
		t.Error("an INTEGER read as a message digest")
	}
}

// A signer's issuer re-encoded by a tool (PrintableString as UTF8String)
// still identifies the certificate, as verify always allowed and sign's
// timestamp check now does too; another serial or name does not.
func TestIdentifies(t *testing.T) {
	name := func(tag int) []byte {
		rdn := pkix.RDNSequence{{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: asn1.RawValue{Tag: tag, Bytes: []byte("Firma CA")}}}}
		b, err := asn1.Marshal(rdn)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	printable, utf8 := name(asn1.TagPrintableString), name(asn1.TagUTF8String)
	cert := &x509.Certificate{RawIssuer: printable, SerialNumber: big.NewInt(7), SubjectKeyId: []byte{1, 2}}
	for _, c := range []struct {
		si   *ParsedSignerInfo
		want bool
	}{
		{&ParsedSignerInfo{IssuerSerial: &IssuerSerialID{RawIssuer: printable, Serial: big.NewInt(7)}}, true},
		{&ParsedSignerInfo{IssuerSerial: &IssuerSerialID{RawIssuer: utf8, Serial: big.NewInt(7)}}, true},
		{&ParsedSignerInfo{IssuerSerial: &IssuerSerialID{RawIssuer: utf8, Serial: big.NewInt(8)}}, false},
		{&ParsedSignerInfo{IssuerSerial: &IssuerSerialID{RawIssuer: name(asn1.TagIA5String)[:5], Serial: big.NewInt(7)}}, false},
		{&ParsedSignerInfo{SubjectKeyID: []byte{1, 2}}, true},
		{&ParsedSignerInfo{SubjectKeyID: []byte{1, 3}}, false},
		{&ParsedSignerInfo{}, false},
	} {
		if got := c.si.Identifies(cert); got != c.want {
			t.Errorf("%+v: %v", c.si, got)
		}
	}
}

// BeforeContent is called once, before any content octet, with the parts
// read so far and the content's length when the OCTET STRING is primitive
// (-1 when it is constructed, as openssl -stream writes it); not at all
// for a detached signature. Its error stops the parse.
func TestBeforeContent(t *testing.T) {
	hello, err := os.ReadFile("testdata/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		file   string
		length int64
		calls  int
	}{
		{"attached.der.p7m", int64(len(hello)), 1},
		{"attached.ber.p7m", -1, 1},
		{"detached.p7s", 0, 0},
	} {
		in, err := os.ReadFile(filepath.Join("testdata", c.file))
		if err != nil {
			t.Fatal(err)
		}
		var content bytes.Buffer
		calls := 0
		_, err = ParseSignedData(bytes.NewReader(in), ParseOptions{Content: &content, BeforeContent: func(sd *ParsedSignedData, length int64) error {
			calls++
			if content.Len() != 0 || length != c.length || len(sd.DigestAlgorithms) == 0 || !sd.EContentType.Equal(OIDData) || sd.Version == 0 {
				t.Errorf("%s: called with %d content bytes already out, length %d, %+v", c.file, content.Len(), length, sd)
			}
			return nil
		}})
		if err != nil || calls != c.calls {
			t.Errorf("%s: %d calls, %v", c.file, calls, err)
		}
		if c.calls == 0 {
			continue
		}
		stop := errors.New("stop")
		_, err = ParseSignedData(bytes.NewReader(in), ParseOptions{BeforeContent: func(*ParsedSignedData, int64) error { return stop }})
		if !errors.Is(err, stop) {
			t.Errorf("%s: the callback's error became %v", c.file, err)
		}
	}
}
