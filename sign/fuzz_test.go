package sign

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/firma-dev/firma/internal/cms"
)

// FuzzAddSignature feeds arbitrary bytes to CoSign and CounterSign as the
// existing signature file: they must fail cleanly or produce a file the
// cms reader parses, with the input's signers kept and one signature
// more, never panic or hang. Seeds: the files in testdata (DER from firma,
// BER from openssl -stream, base64, detached, co- and counter-signed)
// plus signatures made at start-up.
func FuzzAddSignature(f *testing.F) {
	p := testPKI(f)
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.p7*"))
	for _, name := range seeds {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	s := newSigner(f, p.ecdsa, Options{})
	var att, det bytes.Buffer
	if _, err := s.Attached(context.Background(), bytes.NewReader([]byte("seed")), &att); err != nil {
		f.Fatal(err)
	}
	if _, err := s.Detached(context.Background(), bytes.NewReader([]byte("seed")), &det); err != nil {
		f.Fatal(err)
	}
	f.Add(att.Bytes())
	f.Add(det.Bytes())
	f.Add([]byte{})
	f.Add([]byte("MIAGCSqGSIb3DQEHAqCAMIACAQEx"))

	f.Fuzz(func(t *testing.T, in []byte) {
		open := bytesOpener(in)
		var out bytes.Buffer
		if _, err := s.CoSign(context.Background(), open, &out); err == nil {
			checkAdded(t, in, out.Bytes(), false)
		}
		out.Reset()
		if _, err := s.CounterSign(context.Background(), open, 0, &out); err == nil {
			checkAdded(t, in, out.Bytes(), true)
		}
	})
}

// checkAdded checks an output that CoSign or CounterSign accepted: it
// parses, keeps the content, and has the input's signers plus the new
// signature (a new signer, or a counter-signature on the only one).
func checkAdded(t *testing.T, in, out []byte, counter bool) {
	t.Helper()
	_, r, err := cms.Detect(bytes.NewReader(in))
	if err != nil {
		t.Fatalf("accepted an input Detect refuses: %v", err)
	}
	var inContent, outContent bytes.Buffer
	before, err := cms.ParseSignedData(r, cms.ParseOptions{Content: &inContent})
	if err != nil {
		t.Fatalf("accepted an input the reader refuses: %v", err)
	}
	after, err := cms.ParseSignedData(bytes.NewReader(out), cms.ParseOptions{Content: &outContent})
	if err != nil {
		t.Fatalf("output does not parse: %v", err)
	}
	if !bytes.Equal(inContent.Bytes(), outContent.Bytes()) || before.Detached != after.Detached {
		t.Fatal("content changed")
	}
	want := len(before.SignerInfos) + 1
	if counter {
		want--
	}
	if len(after.SignerInfos) != want {
		t.Fatalf("%d signers after, %d before (counter %v)", len(after.SignerInfos), len(before.SignerInfos), counter)
	}
	if counter {
		if !bytes.Equal(after.SignerInfos[0].RawSignedAttrs, before.SignerInfos[0].RawSignedAttrs) ||
			!bytes.Equal(after.SignerInfos[0].Signature, before.SignerInfos[0].Signature) {
			t.Fatal("counter-signing changed the countered signature")
		}
		return
	}
	for _, b := range before.SignerInfos {
		found := false
		for _, a := range after.SignerInfos {
			found = found || bytes.Equal(a.Raw, b.Raw)
		}
		if !found {
			t.Fatal("an existing signer was not kept byte for byte")
		}
	}
}
