package cms

import (
	"bytes"
	"encoding/asn1"
	"testing"
	"time"
)

// The length octets are minimal DER and derHeaderLen agrees with them,
// around every boundary up to lengths beyond 4 GiB.
func TestDERHeader(t *testing.T) {
	for _, n := range []int64{0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffff, 0x1000000, 1<<32 - 1, 1 << 32, 5 << 30, 1<<40 + 3} {
		h := appendDERHeader(nil, 0x04, n)
		if int64(len(h)) != derHeaderLen(n) {
			t.Errorf("length %d: header %x is %d bytes, derHeaderLen says %d", n, h, len(h), derHeaderLen(n))
		}
		if n < 0x80 {
			if h[1] != byte(n) {
				t.Errorf("length %d: short form %x", n, h)
			}
			continue
		}
		k := int(h[1] &^ 0x80)
		if h[1]&0x80 == 0 || k != len(h)-2 || h[2] == 0 {
			t.Errorf("length %d: not minimal long form %x", n, h)
		}
		var got int64
		for _, b := range h[2:] {
			got = got<<8 | int64(b)
		}
		if got != n {
			t.Errorf("length %d encoded as %d", n, got)
		}
	}
}

func TestSetOfSorted(t *testing.T) {
	a, b, c := []byte{0x02, 0x01, 0x05}, []byte{0x02, 0x02, 0x01, 0x00}, []byte{0x01, 0x01, 0xff}
	in := [][]byte{a, b, c}
	got := EncodeSetOf(in...)
	want := append([]byte{0x31, 10}, append(append(append([]byte{}, c...), a...), b...)...)
	if !bytes.Equal(got, want) {
		t.Errorf("EncodeSetOf = %x, want %x", got, want)
	}
	if !bytes.Equal(in[0], a) || !bytes.Equal(in[2], c) {
		t.Error("EncodeSetOf reordered its input")
	}
}

// EncodeAttached's header and trailer around the content form one DER
// ContentInfo that encoding/asn1 reads back with the content in place;
// EncodeDetached is the same without the content.
func TestSignedDataAttached(t *testing.T) {
	si := []byte{0x30, 0x03, 0x02, 0x01, 0x01} // stands in for a SignerInfo
	alg, _ := EncodeDigestAlgorithm(0x5)       // crypto.SHA256
	sd := &SignedDataBuilder{
		DigestAlgorithms: [][]byte{alg, alg},
		ContentType:      OIDData,
		Certificates:     [][]byte{{0x30, 0x00}, {0x30, 0x00}},
		SignerInfos:      [][]byte{si},
	}
	for _, size := range []int{0, 1, 127, 128, 300, 70000} {
		content := bytes.Repeat([]byte{0xab}, size)
		header, trailer, err := sd.EncodeAttached(int64(size))
		if err != nil {
			t.Fatal(err)
		}
		der := append(append(append([]byte{}, header...), content...), trailer...)
		var ci struct {
			Type asn1.ObjectIdentifier
			SD   struct {
				Version int
				Algs    []asn1.RawValue `asn1:"set"`
				Encap   struct {
					Type    asn1.ObjectIdentifier
					Content []byte `asn1:"explicit,tag:0"`
				}
				Certs   []asn1.RawValue `asn1:"tag:0,set"`
				Signers []asn1.RawValue `asn1:"set"`
			} `asn1:"explicit,tag:0"`
		}
		rest, err := asn1.Unmarshal(der, &ci)
		if err != nil || len(rest) != 0 {
			t.Fatalf("size %d: %v", size, err)
		}
		if ci.SD.Version != 1 || !bytes.Equal(ci.SD.Encap.Content, content) || len(ci.SD.Algs) != 1 || len(ci.SD.Certs) != 1 || len(ci.SD.Signers) != 1 {
			t.Errorf("size %d: %+v", size, ci.SD)
		}
	}
	det, err := sd.EncodeDetached()
	if err != nil {
		t.Fatal(err)
	}
	var ci struct {
		Type asn1.ObjectIdentifier
		SD   asn1.RawValue `asn1:"explicit,tag:0"`
	}
	if rest, err := asn1.Unmarshal(det, &ci); err != nil || len(rest) != 0 {
		t.Fatalf("detached: %v", err)
	}
	if bytes.Contains(det, []byte{0xa0, 0x02, 0x04}) {
		t.Error("detached signature has an eContent")
	}
}

// A 5 GiB content still gets a correct header: the lengths are 64-bit.
func TestSignedDataHugeContent(t *testing.T) {
	sd := &SignedDataBuilder{ContentType: OIDData, SignerInfos: [][]byte{{0x30, 0x00}}}
	const size = 5 << 30
	header, trailer, err := sd.EncodeAttached(size)
	if err != nil {
		t.Fatal(err)
	}
	// Walk the nested headers: each length covers what follows it.
	total := int64(len(header)) + size + int64(len(trailer))
	ciLen := readLen(t, header[1:])
	if got := int64(derHeaderLen(ciLen)) + ciLen; got != total {
		t.Errorf("ContentInfo length %d covers %d bytes, output is %d", ciLen, got, total)
	}
	// The OCTET STRING header is at the end of the header.
	octet := appendDERHeader(nil, 0x04, size)
	if !bytes.HasSuffix(header, octet) {
		t.Errorf("header does not end with the content's OCTET STRING header %x", octet)
	}
}

func readLen(t *testing.T, b []byte) int64 {
	if b[0] < 0x80 {
		return int64(b[0])
	}
	var n int64
	for _, c := range b[1 : 1+int(b[0]&0x7f)] {
		n = n<<8 | int64(c)
	}
	return n
}

func TestSigningTimeEncoding(t *testing.T) {
	for _, c := range []struct {
		t   time.Time
		tag byte
	}{
		{time.Date(2026, 11, 29, 9, 0, 0, 5e8, time.FixedZone("CET", 3600)), 0x17},
		{time.Date(2049, 12, 31, 23, 59, 59, 0, time.UTC), 0x17},
		{time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), 0x18},
	} {
		b, err := derTime(c.t)
		if err != nil || b[0] != c.tag {
			t.Errorf("%v: %x %v", c.t, b, err)
		}
		var got time.Time
		if _, err := asn1.Unmarshal(b, &got); err != nil || !got.Equal(c.t.Truncate(time.Second)) {
			t.Errorf("%v round-trips as %v (%v)", c.t, got, err)
		}
	}
}

func TestEncodeSignedAttrsErrors(t *testing.T) {
	if _, err := EncodeSignedAttrs(SignedAttrValues{}); err == nil {
		t.Error("empty attributes accepted")
	}
}

// EncodeAttachedHeader with extra bytes is the header of the same parts
// with a trailer that much longer, including across the sizes where a
// DER length takes one more octet (the case that moves the content).
func TestEncodeAttachedHeader(t *testing.T) {
	alg, _ := EncodeDigestAlgorithm(0x5) // crypto.SHA256
	short := []byte{0x30, 0x03, 0x02, 0x01, 0x01}
	for _, size := range []int64{0, 100, 65000, 65400, 1 << 24, 5 << 30} {
		for _, extra := range []int64{0, 2, 30, 200, 1000} {
			// A SignerInfo that makes the trailer extra bytes longer:
			// SEQUENCE { INTEGER 1, OCTET STRING of the right size }.
			est := &SignedDataBuilder{DigestAlgorithms: [][]byte{alg}, ContentType: OIDData, SignerInfos: [][]byte{short}}
			_, estTrailer, _ := est.EncodeAttached(size)
			var real *SignedDataBuilder
			for l := extra; l >= 0 && real == nil; l-- {
				long := short
				if l < extra {
					body := append([]byte{0x02, 0x01, 0x01}, appendDERHeader(nil, 0x04, l)...)
					long = EncodeSequence(append(body, make([]byte, l)...))
				}
				cand := &SignedDataBuilder{DigestAlgorithms: [][]byte{alg}, ContentType: OIDData, SignerInfos: [][]byte{long}}
				if _, tr, _ := cand.EncodeAttached(size); len(tr) == len(estTrailer)+int(extra) {
					real = cand
				}
			}
			if real == nil {
				t.Fatalf("no test SignerInfo makes the trailer %d bytes longer", extra)
			}
			got, err := est.EncodeAttachedHeader(size, extra)
			if err != nil {
				t.Fatal(err)
			}
			want, _, err := real.EncodeAttached(size)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("content %d, extra %d: header %x, want %x", size, extra, got, want)
			}
		}
	}
	if _, err := (&SignedDataBuilder{ContentType: OIDData, SignerInfos: [][]byte{short}}).EncodeAttachedHeader(1, -1); err == nil {
		t.Error("negative extra accepted")
	}
}
