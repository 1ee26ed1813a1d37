package verify

import (
	"bytes"
	"context"
	"github.com/firma-dev/firma/verify/tsl"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/interop"
)

func addFileSeeds(f *testing.F, dirs ...string) {
	for _, dir := range dirs {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && len(b) < 1<<20 {
				f.Add(b)
			}
		}
	}
}

// generatedSeeds are signed files of every kind made with the test PKI.
func generatedSeeds(f *testing.F) {
	p := testPKI(f)
	der := (&forge{content: document, signer: p.valid}).build(f)
	tok := timestampToken(f, p.tsa, der, p.now)
	f.Add(der)
	f.Add(m7m(der, tok, "xyz"))
	f.Add(seq(mustMarshal([]int{1, 2, 840, 113549, 1, 9, 16, 1, 31}), tlv(2, 0, true, seq(mustMarshal(1), octets(der), tlv(2, 0, true, seq(tok))))))
	f.Add((&forge{content: der, signer: p.ecdsa}).build(f))
}

// FuzzVerify runs the whole pipeline (detection, MIME, nesting through
// pipes, parsing, checks) on arbitrary input: it must return, without
// panicking or hanging, and never pass without a trust anchor.
func FuzzVerify(f *testing.F) {
	addFileSeeds(f, "testdata", "../internal/cms/testdata", filepath.Join(interop.Dir(), "fatturapa"))
	generatedSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rep, err := Verify(ctx, bytes.NewReader(in), Options{Now: at(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), Extract: io.Discard})
		if err != nil {
			return
		}
		if rep.Indication == TotalPassed {
			t.Fatal("TOTAL_PASSED without any trust anchor")
		}
		checkReport(t, rep)
	})
}

// FuzzTSL: trusted-list parsing never panics and stays bounded.
func FuzzTSL(f *testing.F) {
	addFileSeeds(f, "testdata")
	f.Add([]byte(tslXML()))
	f.Add([]byte("<TrustServiceStatusList><TrustServiceProviderList><TrustServiceProvider><TSPServices><TSPService><ServiceInformation><ServiceDigitalIdentity><DigitalId><X509Certificate>AAAA</X509Certificate></DigitalId></ServiceDigitalIdentity></ServiceInformation></TSPService></TSPServices></TrustServiceProvider></TrustServiceProviderList></TrustServiceStatusList>"))
	f.Fuzz(func(t *testing.T, in []byte) {
		svcs, err := tsl.Parse(bytes.NewReader(in))
		if err != nil {
			return
		}
		for _, s := range svcs {
			for _, c := range s.Certs {
				if c == nil {
					t.Fatal("nil certificate")
				}
			}
		}
	})
}

// FuzzMIME: .m7m splitting on arbitrary MIME input.
func FuzzMIME(f *testing.F) {
	addFileSeeds(f, "testdata")
	generatedSeeds(f)
	f.Add([]byte("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Transfer-Encoding: base64\r\n\r\nMIIB\r\n--b--\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		if !bytes.HasPrefix(in, []byte("MIME-Version:")) {
			in = append([]byte("MIME-Version: 1.0\r\n"), in...)
		}
		v := &verifier{ctx: context.Background(), trust: NewTrustStore(), now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), report: &Report{}}
		v.verifyMIME(bytes.NewReader(in), &plainSink{})
	})
}
