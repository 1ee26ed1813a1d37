package cms

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"
)

func TestHeaderForms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Header
		err  bool
	}{
		{"3000", Header{Class: 0, Tag: 16, Constructed: true, Length: 0, Len: 2}, false},
		{"3080", Header{Class: 0, Tag: 16, Constructed: true, Length: -1, Len: 2}, false},
		{"048105", Header{Class: 0, Tag: 4, Length: 5, Len: 3}, false},
		{"a0820100", Header{Class: 2, Tag: 0, Constructed: true, Length: 256, Len: 4}, false},
		{"9f8101 03", Header{Class: 2, Tag: 129, Length: 3, Len: 4}, false},
		{"0480", Header{}, true},                     // indefinite primitive
		{"30ff", Header{}, true},                     // reserved
		{"3089 0102030405060708 09", Header{}, true}, // 9 length octets
	} {
		h, need, err := parseHeader(mustHex(tc.in))
		if tc.err {
			if err == nil {
				t.Errorf("%s: no error", tc.in)
			}
			continue
		}
		if err != nil || need != 0 || h != tc.want {
			t.Errorf("%s: %+v need=%d err=%v, want %+v", tc.in, h, need, err, tc.want)
		}
	}
}

// A 4-byte length claiming 2 GiB is refused without allocating it, both
// on a stream and in memory.
func TestLengthBombRefused(t *testing.T) {
	in := mustHex("3084 7fffffff 0401 00")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := NewReader(bytes.NewReader(in)).ReadElement(0)
	runtime.ReadMemStats(&after)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Length != 0x7fffffff+6 {
		t.Fatalf("ReadElement: %v", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Errorf("allocated %d bytes for a refused element", grew)
	}
	if _, _, err := ParseElement(in); err == nil {
		t.Error("ParseElement accepted a length past the end")
	}
	// Under the limit but past the end of the stream: reading stops at
	// the end, growing only with the data that is really there.
	_, err = NewReader(bytes.NewReader(mustHex("3083 100000 0401 00"))).ReadElement(0)
	if !errors.Is(err, ErrTruncated) && !isTruncated(err) {
		t.Errorf("short element: %v", err)
	}
	// The whole parser with a bomb in the certificates.
	_, _, _, err = parseAny(t, mustHex("3080 06092a864886f70d010702 a080 3080 020101 3100 3080 06092a864886f70d010701 0000 a084 7fffffff"))
	if !errors.As(err, &tl) {
		t.Errorf("certificate bomb: %v", err)
	}
}

func isTruncated(err error) bool {
	var fe *FormatError
	return errors.As(err, &fe) && bytes.Contains([]byte(fe.Msg), []byte(ErrTruncated.Error()))
}

func TestReadElementKeepsBER(t *testing.T) {
	in := mustHex("3080 0403616263 2480 040164 040165 0000 0000 ff")
	r := NewReader(bytes.NewReader(in))
	el, err := r.ReadElement(0)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(el, in[:len(in)-1]) {
		t.Errorf("element %x", el)
	}
	if r.Offset() != int64(len(in)-1) {
		t.Errorf("offset %d", r.Offset())
	}
	der, err := ToDER(el)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustHex("3009 0403616263 04026465"); !bytes.Equal(der, want) {
		t.Errorf("ToDER = %x, want %x", der, want)
	}
	if _, err := NewReader(bytes.NewReader(mustHex("3080 0401"))).ReadElement(0); err == nil {
		t.Error("truncated indefinite element accepted")
	}
	if _, err := NewReader(bytes.NewReader(in)).ReadElement(8); err == nil {
		t.Error("limit not enforced on indefinite element")
	}
}

func TestToDERSortsSets(t *testing.T) {
	// SET { INTEGER 2, INTEGER 1, OCTET STRING (constructed "ab") } with
	// a non-minimal length.
	in := mustHex("3180 020102 02810101 2406 040161 040162 0000")
	der, err := ToDER(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := mustHex("310a 020101 020102 04026162"); !bytes.Equal(der, want) {
		t.Errorf("ToDER = %x, want %x", der, want)
	}
	// BIT STRING segments: unused bits only in the last.
	bits, err := ToDER(mustHex("2308 0302 00ff 0302 04f0"))
	if err != nil || !bytes.Equal(bits, mustHex("0303 04fff0")) {
		t.Errorf("bit string %x %v", bits, err)
	}
	if _, err := ToDER(mustHex("2308 0302 04ff 0302 04f0")); err == nil {
		t.Error("unused bits in a middle segment accepted")
	}
	if _, err := ToDER(mustHex("3000 00")); err == nil {
		t.Error("trailing byte accepted")
	}
	// High tag numbers survive.
	if d, err := ToDER(mustHex("bf8101 80 0500 0000")); err != nil || !bytes.Equal(d, mustHex("bf8101 02 0500")) {
		t.Errorf("high tag: %x %v", d, err)
	}
}

func TestOctetStringReaderForms(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"primitive", "0405 68656c6c6f"},
		{"constructed definite", "2409 040268 65 04036c6c6f"},
		{"indefinite", "2480 040268 65 2480 04026c6c 0000 04016f 0000"},
	} {
		r := NewReader(bytes.NewReader(append(mustHex(tc.in), 0x05, 0x00)))
		osr, err := r.OctetStringReader()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(osr)
		if err != nil || string(b) != "hello" {
			t.Errorf("%s: %q %v", tc.name, b, err)
		}
		if h, err := r.ReadHeader(); err != nil || !h.Is(ClassUniversal, TagNull) {
			t.Errorf("%s: not positioned after the string: %+v %v", tc.name, h, err)
		}
	}
	for _, bad := range []string{"2480 0201 00 0000", "2404 040568", "2480 0402 68"} {
		r := NewReader(bytes.NewReader(mustHex(bad)))
		osr, err := r.OctetStringReader()
		if err == nil {
			_, err = io.ReadAll(osr)
		}
		if err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func TestDepthLimit(t *testing.T) {
	var in []byte
	for i := 0; i < MaxDepth+10; i++ {
		in = append(in, 0x30, 0x80)
	}
	for i := 0; i < MaxDepth+10; i++ {
		in = append(in, 0, 0)
	}
	if _, err := NewReader(bytes.NewReader(in)).ReadElement(0); err == nil {
		t.Error("stream: no depth error")
	}
	if _, err := ToDER(in); err == nil {
		t.Error("memory: no depth error")
	}
}
