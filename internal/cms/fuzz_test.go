package cms

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/firma-dev/firma/internal/interop"
)

func addSeeds(f *testing.F) {
	f.Helper()
	for _, dir := range []string{"testdata", filepath.Join(interop.Dir(), "fatturapa")} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add(mustHex("3084 7fffffff 0401 00"))
	f.Add(mustHex("3080 0403616263 2480 040164 040165 0000 0000"))
}

// FuzzParseSignedData: any input either parses or returns an error; no
// panic, no hang, no allocation beyond the limits.
func FuzzParseSignedData(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		_, r, err := Detect(bytes.NewReader(in))
		if err != nil {
			return
		}
		sd, err := ParseSignedData(r, ParseOptions{Content: io.Discard, MaxElement: 1 << 20})
		if err != nil {
			return
		}
		for _, si := range sd.SignerInfos {
			if si.RawSignedAttrs != nil {
				if _, err := si.SignedAttrsDER(false); err != nil {
					continue
				}
			}
			for _, a := range si.UnsignedAttrs {
				for _, v := range a.Values {
					ParseSignerInfo(v)
				}
			}
		}
	})
}

// FuzzBER: the in-memory and stream readers agree on where an element
// ends, and ToDER output is itself stable DER.
func FuzzBER(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		e, _, memErr := ParseElement(in)
		raw, streamErr := NewReader(bytes.NewReader(in)).ReadElement(int64(len(in)) + 16)
		if (memErr == nil) != (streamErr == nil) {
			t.Fatalf("memory err %v, stream err %v", memErr, streamErr)
		}
		if memErr != nil {
			return
		}
		if !bytes.Equal(e.Raw, raw) {
			t.Fatalf("readers disagree: %x vs %x", e.Raw, raw)
		}
		der, err := ToDER(e.Raw)
		if err != nil {
			return
		}
		again, err := ToDER(der)
		if err != nil || !bytes.Equal(again, der) {
			t.Fatalf("ToDER not idempotent: %x -> %x (%v)", der, again, err)
		}
	})
}

// FuzzDetect: detection and decoding never panic, and whatever a base64
// or PEM reader yields can be read to the end.
func FuzzDetect(f *testing.F) {
	addSeeds(f)
	f.Add([]byte("-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n"))
	f.Add([]byte("MIME-Version: 1.0\r\n\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		_, r, err := Detect(bytes.NewReader(in))
		if err != nil {
			return
		}
		n, _ := io.Copy(io.Discard, r)
		if n > int64(len(in)) {
			t.Fatalf("decoded %d bytes from %d", n, len(in))
		}
	})
}
