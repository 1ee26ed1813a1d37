package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/interop"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/sign"
)

var document = []byte("Ricetta medica: paracetamolo 1000 mg, 1 compressa ogni 8 ore.\r\n\x00\xff binary tail\n")

func mustPass(t *testing.T, rep *Report) {
	t.Helper()
	if rep.Indication != TotalPassed {
		t.Fatalf("indication %s/%s: %s\n%s", rep.Indication, rep.SubIndication, rep.Reason, dump(rep))
	}
}

func mustResult(t *testing.T, rep *Report, ind Indication, sub SubIndication) {
	t.Helper()
	if rep.Indication != ind || rep.SubIndication != sub {
		t.Fatalf("got %s/%s (%s), want %s/%s\n%s", rep.Indication, rep.SubIndication, rep.Reason, ind, sub, dump(rep))
	}
	if ind != TotalPassed && rep.Reason.IsZero() {
		t.Error("no reason in plain words")
	}
}

func dump(rep *Report) string {
	var b bytes.Buffer
	for _, s := range rep.AllSignatures() {
		b.WriteString(s.ID + " " + string(s.Indication) + "\n")
		for _, c := range s.Checks {
			b.WriteString("  " + c.Name + " " + c.Status + " " + string(c.SubIndication) + " " + c.Detail.String() + "\n")
		}
		for _, w := range s.Warnings {
			b.WriteString("  warning: " + w.String() + "\n")
		}
	}
	for _, l := range rep.Layers {
		if !l.Error.IsZero() {
			b.WriteString("layer error: " + l.Error.String() + "\n")
		}
	}
	return b.String()
}

func TestOpenSSLFormsPass(t *testing.T) {
	p := testPKI(t)
	der := opensslSign(t, p.valid, document, "-nodetach")
	ber := opensslSign(t, p.valid, document, "-nodetach", "-stream")
	pemOut := opensslSign(t, p.valid, document, "-nodetach", "-outform", "PEM")
	ec := opensslSign(t, p.ecdsa, document, "-nodetach")
	cosigned := opensslResign(t, p.ecdsa, der)
	b64 := func(b []byte, eol string) []byte {
		s := base64.StdEncoding.EncodeToString(b)
		var out strings.Builder
		for len(s) > 76 {
			out.WriteString(s[:76] + eol)
			s = s[76:]
		}
		out.WriteString(s + eol)
		return []byte(out.String())
	}
	for _, tc := range []struct {
		name    string
		in      []byte
		form    string
		signers int
		layers  int
	}{
		{"der", der, "der", 1, 1},
		{"ber stream", ber, "der", 1, 1},
		{"pem", pemOut, "pem", 1, 1},
		{"base64 LF", b64(der, "\n"), "base64", 1, 1},
		{"base64 CRLF of BER", b64(ber, "\r\n"), "base64", 1, 1},
		{"ecdsa", ec, "der", 1, 1},
		{"co-signed (openssl -resign)", cosigned, "der", 2, 1},
		{"nested p7m of p7m", opensslSign(t, p.ecdsa, der, "-nodetach"), "der", 2, 2},
		{"nested, inner base64", opensslSign(t, p.valid, b64(ber, "\r\n"), "-nodetach", "-stream"), "der", 2, 2},
		{"three layers, base64 outside", b64(opensslSign(t, p.valid, opensslSign(t, p.ecdsa, der, "-nodetach"), "-nodetach"), "\n"), "base64", 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var extracted bytes.Buffer
			rep := verifyBytes(t, tc.in, Options{Trust: p.trust(t), Extract: &extracted})
			mustPass(t, rep)
			if rep.Form != tc.form {
				t.Errorf("form %s, want %s", rep.Form, tc.form)
			}
			if len(rep.AllSignatures()) != tc.signers || len(rep.Layers) != tc.layers {
				t.Errorf("%d signatures in %d layers, want %d in %d", len(rep.AllSignatures()), len(rep.Layers), tc.signers, tc.layers)
			}
			if !bytes.Equal(extracted.Bytes(), document) {
				t.Errorf("extracted %q", extracted.Bytes())
			}
			s := rep.Layers[0].Signatures[0]
			if s.Profile != "CAdES-B-B" || s.Signer == nil || s.Signer.Holder.FiscalCode != testpki.FiscalCode || !s.Qualified {
				t.Errorf("profile %s signer %+v", s.Profile, s.Signer)
			}
			if s.SigningTime == nil || len(s.Chain) != 2 {
				t.Errorf("signing time %v chain %v", s.SigningTime, s.Chain)
			}
			if rep.Revocation != "not_checked" {
				t.Error("offline report must say revocation was not checked")
			}
		})
	}
}

func TestDetached(t *testing.T) {
	p := testPKI(t)
	p7s := opensslSign(t, p.valid, document)
	rep := verifyBytes(t, p7s, Options{Trust: p.trust(t), Content: bytes.NewReader(document)})
	mustPass(t, rep)
	if !rep.Layers[0].Detached || rep.Layers[0].ContentLength != int64(len(document)) {
		t.Errorf("layer %+v", rep.Layers[0])
	}
	// Without its content a detached signature cannot be checked: not
	// failed, indeterminate.
	rep = verifyBytes(t, p7s, Options{Trust: p.trust(t)})
	mustResult(t, rep, Indeterminate, SignedDataNotFound)
	// With other content it fails.
	rep = verifyBytes(t, p7s, Options{Trust: p.trust(t), Content: strings.NewReader("something else")})
	mustResult(t, rep, TotalFailed, HashFailure)
}

func TestNoTrustAnchorNeverPasses(t *testing.T) {
	p := testPKI(t)
	der := opensslSign(t, p.valid, document, "-nodetach")
	rep := verifyBytes(t, der, Options{})
	mustResult(t, rep, Indeterminate, NoCertificateChainFound)
	other := NewTrustStore()
	path := filepath.Join(t.TempDir(), "other.pem")
	os.WriteFile(path, testpki.CertPEM(p.other.Cert), 0o644)
	if err := other.AddPath(path); err != nil {
		t.Fatal(err)
	}
	rep = verifyBytes(t, der, Options{Trust: other})
	mustResult(t, rep, Indeterminate, NoCertificateChainFound)
}

func TestSignPackageOutputPasses(t *testing.T) {
	p := testPKI(t)
	ctx := context.Background()
	s, err := sign.New(p.valid.Key, p.valid.Cert, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var att, det bytes.Buffer
	if _, err := s.Attached(ctx, bytes.NewReader(document), &att); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Detached(ctx, bytes.NewReader(document), &det); err != nil {
		t.Fatal(err)
	}
	mustPass(t, verifyBytes(t, att.Bytes(), Options{Trust: p.trust(t)}))
	mustPass(t, verifyBytes(t, det.Bytes(), Options{Trust: p.trust(t), Content: bytes.NewReader(document)}))
	// Every option of the signer: RSA-PSS, SHA-384/512, ECDSA.
	for _, o := range []struct {
		id   *testpki.Identity
		opts sign.Options
		alg  string
	}{
		{p.valid, sign.Options{PSS: true}, "RSASSA-PSS with SHA-256"},
		{p.valid, sign.Options{Hash: crypto.SHA384}, "SHA-384 with RSA"},
		{p.valid, sign.Options{Hash: crypto.SHA512, PSS: true}, "RSASSA-PSS with SHA-512"},
		{p.ecdsa, sign.Options{Hash: crypto.SHA384}, "ECDSA with SHA-384"},
	} {
		s, err := sign.New(o.id.Key, o.id.Cert, o.opts)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := s.Attached(ctx, bytes.NewReader(document), &b); err != nil {
			t.Fatal(err)
		}
		rep := verifyBytes(t, b.Bytes(), Options{Trust: p.trust(t)})
		mustPass(t, rep)
		if got := rep.Layers[0].Signatures[0].SignatureAlgorithm; got != o.alg {
			t.Errorf("algorithm %q, want %q", got, o.alg)
		}
	}

	ec, err := sign.New(p.ecdsa.Key, p.ecdsa.Cert, sign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	open := func(b []byte) sign.Opener {
		return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	var co, counter bytes.Buffer
	if _, err := ec.CoSign(ctx, open(att.Bytes()), &co); err != nil {
		t.Fatal(err)
	}
	rep := verifyBytes(t, co.Bytes(), Options{Trust: p.trust(t)})
	mustPass(t, rep)
	if n := len(rep.Layers[0].Signatures); n != 2 {
		t.Errorf("co-signed file has %d signers", n)
	}
	if _, err := ec.CounterSign(ctx, open(att.Bytes()), 1, &counter); err != nil {
		t.Fatal(err)
	}
	rep = verifyBytes(t, counter.Bytes(), Options{Trust: p.trust(t)})
	mustPass(t, rep)
	if cs := rep.Layers[0].Signatures[0].CounterSignatures; len(cs) != 1 || cs[0].Indication != TotalPassed || cs[0].ID != "S1.C1" {
		t.Errorf("counter-signatures %+v", cs)
	}
	if !opensslVerify(t, counter.Bytes(), p.caPEM) {
		t.Error("openssl rejects the counter-signed file")
	}
}

// The attacks of the acceptance list: each TOTAL_FAILED with its
// sub-indication.
func TestAttacks(t *testing.T) {
	p := testPKI(t)
	der := opensslSign(t, p.valid, document, "-nodetach")
	flip := func(b []byte, at int) []byte {
		c := bytes.Clone(b)
		c[at] ^= 0x01
		return c
	}
	contentAt := bytes.Index(der, document)
	sd, err := cms.ParseSignedData(bytes.NewReader(der), cms.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The signing-time value sits inside the stored signed attributes.
	sa := sd.SignerInfos[0].RawSignedAttrs
	stAt := bytes.Index(der, sa) + bytes.Index(sa, mustMarshal(cms.OIDAttrSigningTime)) + 15

	// A second certificate with the signer's issuer, serial number and
	// key but other content (here: no qualified statements and another
	// title): the SID still matches, the signing-certificate-v2 hash
	// does not.
	tmpl := *p.valid.Cert
	tmpl.Subject.ExtraNames = nil
	tmpl.ExtraExtensions = nil
	tmpl.Subject.CommonName = "ROSSI MARIO"
	swapDER, err := x509.CreateCertificate(rand.Reader, &tmpl, p.ca.Cert, p.valid.Cert.PublicKey, p.ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	swap, _ := x509.ParseCertificate(swapDER)

	// Tampering is TOTAL_FAILED; what only policy or missing proof
	// rejects is INDETERMINATE (issue 10 rules 1 to 3: before, the swapped
	// certificate, the missing nonRepudiation, the expiry without a proof
	// of existence and MD5 were all TOTAL_FAILED, which is wrong).
	for _, tc := range []struct {
		name    string
		in      []byte
		ind     Indication
		sub     SubIndication
		openssl bool // openssl cms -verify is expected to reject it too
	}{
		{"content changed", flip(der, contentAt+3), TotalFailed, HashFailure, true},
		{"signed attribute changed", flip(der, stAt), TotalFailed, SigCryptoFailure, true},
		{"signer certificate swapped (same name, issuer, serial, key)", (&forge{content: document, signer: p.valid, certs: []*x509.Certificate{swap}}).build(t), Indeterminate, NoSigningCertificateFound, false},
		{"key without nonRepudiation", opensslSign(t, p.noNR, document, "-nodetach"), Indeterminate, ChainConstraintsFailure, false},
		{"certificate expired, no proof of existence", opensslSign(t, p.expired, document, "-nodetach"), Indeterminate, OutOfBoundsNoPOE, true},
		{"MD5 digest", (&forge{content: document, signer: p.valid, digest: crypto.MD5}).build(t), Indeterminate, CryptoConstraintsFailureNoPOE, false},
		{"truncated", der[:len(der)-40], TotalFailed, FormatFailure, true},
		{"truncated in the content", der[:contentAt+10], TotalFailed, FormatFailure, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := verifyBytes(t, tc.in, Options{Trust: p.trust(t)})
			mustResult(t, rep, tc.ind, tc.sub)
			if tc.openssl && opensslVerify(t, tc.in, p.caPEM) {
				t.Error("openssl accepts it")
			}
		})
	}
	// The untouched file passes both.
	mustPass(t, verifyBytes(t, der, Options{Trust: p.trust(t)}))
	if !opensslVerify(t, der, p.caPEM) {
		t.Error("openssl rejects the honest file")
	}
}

func TestSignedAttributeRules(t *testing.T) {
	p := testPKI(t)
	st := func(tm time.Time) []byte { b, _ := asn1.MarshalWithParams(tm, "utc"); return b }
	for _, tc := range []struct {
		name string
		f    *forge
		ind  Indication
		sub  SubIndication
		warn string
	}{
		{"honest forge", &forge{}, TotalPassed, "", ""},
		{"stored out of DER order", &forge{unsorted: true, attrs: func(f *forge, md []byte) [][]byte {
			a := defaultAttrs(f, md)
			return [][]byte{a[3], a[2], a[1], a[0]}
		}}, TotalPassed, "", "out of DER order"},
		// Issue 10 rule 6: RFC 5652 5.4 signs the DER encoding; a signature
		// over the stored order only was accepted before, wrongly.
		{"signed as stored, out of order", &forge{unsorted: true, signUnsorted: true, attrs: func(f *forge, md []byte) [][]byte {
			a := defaultAttrs(f, md)
			return [][]byte{a[3], a[2], a[1], a[0]}
		}}, TotalFailed, SigCryptoFailure, ""},
		{"stored as BER: indefinite length, out of order", &forge{unsorted: true, tamper: func(stored []byte) []byte {
			// SET with a definite length -> the same SET, indefinite.
			e, _, err := cms.ParseElement(stored)
			if err != nil {
				panic(err)
			}
			return append(append([]byte{0x31, 0x80}, e.Content...), 0, 0)
		}, attrs: func(f *forge, md []byte) [][]byte {
			a := defaultAttrs(f, md)
			return [][]byte{a[2], a[0], a[3], a[1]}
		}}, TotalPassed, "", "out of DER order"},
		{"digest SHA-512, signature hash SHA-256", &forge{digest: crypto.SHA512, sigHash: crypto.SHA256, sigAlg: cms.OIDSHA256WithRSA}, TotalPassed, "", ""},
		{"digest SHA-256, signature sha384WithRSA", &forge{sigHash: crypto.SHA384, sigAlg: cms.OIDSHA384WithRSA}, TotalPassed, "", ""},
		{"signing-time twice", &forge{attrs: func(f *forge, md []byte) [][]byte {
			return append(defaultAttrs(f, md), attr(cms.OIDAttrSigningTime, st(f.signingTime.Add(-time.Hour))))
		}}, TotalFailed, FormatFailure, ""},
		{"message-digest with two values", &forge{attrs: func(f *forge, md []byte) [][]byte {
			a := defaultAttrs(f, md)
			a[2] = attr(cms.OIDAttrMessageDigest, octets(md), octets(make([]byte, len(md))))
			return a
		}}, TotalFailed, FormatFailure, ""},
		// Issue 10 rule 5: identical copies make a CMS signature, not a
		// damaged one (it was FORMAT_FAILURE); copies that disagree stay so.
		{"content-type twice, identical", &forge{attrs: func(f *forge, md []byte) [][]byte {
			return append(defaultAttrs(f, md), attr(cms.OIDAttrContentType, mustMarshal(cms.OIDData)))
		}}, TotalPassed, "", "content-type attribute appears 2 times (identical copies)"},
		{"signing-certificate-v2 twice, identical", &forge{attrs: func(f *forge, md []byte) [][]byte {
			return append(defaultAttrs(f, md), attr(cms.OIDAttrSigningCertificateV2, signingCertV2(f.signer.Cert)))
		}}, TotalPassed, "", "signing-certificate-v2 attribute appears 2 times (identical copies)"},
		{"signing-certificate-v2 twice, different", &forge{attrs: func(f *forge, md []byte) [][]byte {
			return append(defaultAttrs(f, md), attr(cms.OIDAttrSigningCertificateV2, signingCertV2(testPKI(t).ecdsa.Cert)))
		}}, TotalFailed, FormatFailure, ""},
		{"signing-time with two equal values", &forge{attrs: func(f *forge, md []byte) [][]byte {
			a := defaultAttrs(f, md)
			a[1] = attr(cms.OIDAttrSigningTime, st(f.signingTime), st(f.signingTime))
			return a
		}}, TotalFailed, FormatFailure, ""},
		{"wrong content-type", &forge{attrs: func(f *forge, md []byte) [][]byte {
			a := defaultAttrs(f, md)
			a[0] = attr(cms.OIDAttrContentType, mustMarshal(cms.OIDSignedData))
			return a
		}}, TotalFailed, FormatFailure, ""},
		{"no signing-certificate-v2 (plain CMS)", &forge{attrs: func(f *forge, md []byte) [][]byte {
			return defaultAttrs(f, md)[:3]
		}}, TotalPassed, "", ""},
		{"no signed attributes (PKCS#7 over the content)", &forge{noAttrs: true}, TotalPassed, "", ""},
		{"SHA-1 in 2026", &forge{digest: crypto.SHA1}, Indeterminate, CryptoConstraintsFailureNoPOE, ""},
		{"message digest of other content", &forge{attrs: func(f *forge, md []byte) [][]byte {
			return defaultAttrs(f, hashOf(crypto.SHA256, []byte("other")))
		}}, TotalFailed, HashFailure, ""},
		{"signature made with another key", &forge{}, TotalFailed, SigCryptoFailure, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			f.content = document
			f.signer = p.valid
			var in []byte
			if tc.name == "signature made with another key" {
				f.signer = p.ecdsa
				f.defaults()
				f.sigAlg = cms.OIDECDSAWithSHA256
				f.certs = []*x509.Certificate{p.valid.Cert}
				f.attrs = func(f *forge, md []byte) [][]byte {
					a := defaultAttrs(f, md)
					a[3] = attr(cms.OIDAttrSigningCertificateV2, signingCertV2(p.valid.Cert))
					return a
				}
				// Sign with the ECDSA key but name the RSA certificate.
				si := f.signerInfo(t, hashOf(crypto.SHA256, document))
				si = bytes.Replace(si, p.ecdsa.Cert.RawIssuer, p.valid.Cert.RawIssuer, 1)
				si = bytes.Replace(si, mustMarshal(p.ecdsa.Cert.SerialNumber), mustMarshal(p.valid.Cert.SerialNumber), 1)
				in = f.wrap(si)
			} else {
				in = f.build(t)
			}
			rep := verifyBytes(t, in, Options{Trust: p.trust(t)})
			mustResult(t, rep, tc.ind, tc.sub)
			if tc.warn != "" && !strings.Contains(strings.Join(texts(rep.Layers[0].Signatures[0].Warnings), "|"), tc.warn) {
				t.Errorf("no warning %q: %v", tc.warn, rep.Layers[0].Signatures[0].Warnings)
			}
		})
	}
}

func TestTrailingPaddingTolerated(t *testing.T) {
	p := testPKI(t)
	der := opensslSign(t, p.valid, document, "-nodetach")
	rep := verifyBytes(t, append(bytes.Clone(der), make([]byte, 100)...), Options{Trust: p.trust(t)})
	mustPass(t, rep)
	if rep.Layers[0].TrailingBytes != 100 {
		t.Errorf("trailing %d", rep.Layers[0].TrailingBytes)
	}
}

func TestCAdEST(t *testing.T) {
	p := testPKI(t)
	// A signature made 20 days ago with a certificate that expired 10
	// days ago: only a timestamp from before the expiry keeps it valid.
	signedAt := p.now.Add(-20 * testpki.Day)
	mk := func(tsData func(sig []byte) []byte, id *testpki.Identity) []byte {
		f := &forge{content: document, signer: id, signingTime: signedAt}
		si := f.signerInfo(t, hashOf(crypto.SHA256, document))
		parsed, err := cms.ParseSignerInfo(si)
		if err != nil {
			t.Fatal(err)
		}
		if tsData != nil {
			tok := timestampToken(t, p.tsa, tsData(parsed.Signature), signedAt.Add(time.Minute))
			f.unsigned = [][]byte{attr(cms.OIDAttrTimeStampToken, tok)}
		}
		// RSA PKCS#1 v1.5 is deterministic: the same signature again.
		return f.wrap(f.signerInfo(t, hashOf(crypto.SHA256, document)))
	}
	overSig := func(sig []byte) []byte { return sig }

	rep := verifyBytes(t, mk(overSig, p.expired), Options{Trust: p.trust(t)})
	mustPass(t, rep)
	s := rep.Layers[0].Signatures[0]
	if s.Profile != "CAdES-B-T" || len(s.Timestamps) != 1 || s.Timestamps[0].Indication != TotalPassed {
		t.Fatalf("profile %s timestamps %+v", s.Profile, s.Timestamps)
	}
	if !s.ReferenceTime.Equal(signedAt.Add(time.Minute)) || s.Timestamps[0].TSA == "" {
		t.Errorf("reference time %v, timestamp %+v", s.ReferenceTime, s.Timestamps[0])
	}

	// Without the timestamp: the signing time is only declared.
	rep = verifyBytes(t, mk(nil, p.expired), Options{Trust: p.trust(t)})
	mustResult(t, rep, Indeterminate, OutOfBoundsNoPOE)

	// A timestamp over other data: the timestamp fails on its own, the
	// signature loses its proof of time.
	rep = verifyBytes(t, mk(func([]byte) []byte { return []byte("other") }, p.expired), Options{Trust: p.trust(t)})
	s = rep.Layers[0].Signatures[0]
	if len(s.Timestamps) != 1 || s.Timestamps[0].Indication != TotalFailed || s.Timestamps[0].SubIndication != HashFailure {
		t.Fatalf("timestamp %+v", s.Timestamps)
	}
	mustResult(t, rep, Indeterminate, OutOfBoundsNoPOE)

	// A valid certificate with a bad timestamp: the signature still passes
	// (the timestamp has its own result) and says so.
	rep = verifyBytes(t, mk(func([]byte) []byte { return []byte("other") }, p.valid), Options{Trust: p.trust(t)})
	mustPass(t, rep)
	if len(rep.Layers[0].Signatures[0].Warnings) == 0 {
		t.Error("no warning about the invalid timestamp")
	}

	// TSA not trusted: the timestamp is indeterminate.
	rep = verifyBytes(t, mk(overSig, p.valid), Options{})
	if ts := rep.Layers[0].Signatures[0].Timestamps[0]; ts.Indication != Indeterminate {
		t.Errorf("untrusted TSA: %s", ts.Indication)
	}
}

func TestCounterSignatureOwnResult(t *testing.T) {
	p := testPKI(t)
	f := &forge{content: document, signer: p.valid}
	si := f.signerInfo(t, hashOf(crypto.SHA256, document))
	parsed, _ := cms.ParseSignerInfo(si)
	counter := func(over []byte) []byte {
		cf := &forge{signer: p.ecdsa, attrs: func(cf *forge, md []byte) [][]byte { return defaultAttrs(cf, md)[1:] }}
		return cf.signerInfo(t, hashOf(crypto.SHA256, over))
	}
	for _, tc := range []struct {
		name string
		over []byte
		ind  Indication
	}{
		{"good", parsed.Signature, TotalPassed},
		{"over another value", []byte("not the signature"), TotalFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.unsigned = [][]byte{attr(cms.OIDAttrCounterSignature, counter(tc.over))}
			f.certs = []*x509.Certificate{p.valid.Cert, p.ecdsa.Cert}
			rep := verifyBytes(t, f.wrap(f.signerInfo(t, hashOf(crypto.SHA256, document))), Options{Trust: p.trust(t)})
			s := rep.Layers[0].Signatures[0]
			if s.Indication != TotalPassed {
				t.Errorf("the countersigned signature is %s: a counter-signature must not change it", s.Indication)
			}
			if len(s.CounterSignatures) != 1 || s.CounterSignatures[0].Indication != tc.ind {
				t.Fatalf("counter-signature %+v", s.CounterSignatures)
			}
			if rep.Indication != tc.ind {
				t.Errorf("file %s, want the worst signature %s", rep.Indication, tc.ind)
			}
		})
	}
}

func TestTimeStampedData(t *testing.T) {
	p := testPKI(t)
	p7m := opensslSign(t, p.valid, document, "-nodetach")
	tsd := func(tok []byte) []byte {
		body := seq(mustMarshal(1), octets(p7m), tlv(2, 0, true, seq(tok)))
		return seq(mustMarshal(cms.OIDTimeStampedData), tlv(2, 0, true, body))
	}
	var out bytes.Buffer
	rep := verifyBytes(t, tsd(timestampToken(t, p.tsa, p7m, p.now)), Options{Trust: p.trust(t), Extract: &out})
	mustPass(t, rep)
	if len(rep.Layers) != 2 || rep.Layers[0].Type != "timestamped-data" || len(rep.Timestamps) != 1 || rep.Timestamps[0].Covers != "content" {
		t.Fatalf("layers %+v timestamps %+v", rep.Layers, rep.Timestamps)
	}
	if !bytes.Equal(out.Bytes(), document) {
		t.Error("extracted content differs")
	}
	rep = verifyBytes(t, tsd(timestampToken(t, p.tsa, []byte("other"), p.now)), Options{Trust: p.trust(t)})
	mustResult(t, rep, TotalFailed, HashFailure)
}

func m7m(p7m, tok []byte, boundary string) []byte {
	wrap := func(b []byte) string {
		s := base64.StdEncoding.EncodeToString(b)
		var out strings.Builder
		for len(s) > 76 {
			out.WriteString(s[:76] + "\r\n")
			s = s[76:]
		}
		out.WriteString(s + "\r\n")
		return out.String()
	}
	return []byte("MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n\r\n" +
		"This is a multi-part message in MIME format.\r\n--" + boundary + "\r\n" +
		"Content-Type: application/pkcs7-mime; name=\"referto.pdf.p7m\"\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename=\"referto.pdf.p7m\"\r\n\r\n" + wrap(p7m) +
		"--" + boundary + "\r\n" +
		"Content-Type: application/timestamp-reply; name=\"referto.pdf.tst\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + wrap(tok) +
		"--" + boundary + "--\r\n")
}

func TestM7M(t *testing.T) {
	p := testPKI(t)
	p7m := opensslSign(t, p.valid, document, "-nodetach")
	var out bytes.Buffer
	rep := verifyBytes(t, m7m(p7m, timestampToken(t, p.tsa, p7m, p.now), "----=_Part_0"), Options{Trust: p.trust(t), Extract: &out})
	mustPass(t, rep)
	if rep.Form != "mime" || len(rep.Timestamps) != 1 || rep.Timestamps[0].Covers != "signed file" || !bytes.Equal(out.Bytes(), document) {
		t.Fatalf("form %s timestamps %+v", rep.Form, rep.Timestamps)
	}
	rep = verifyBytes(t, m7m(p7m, timestampToken(t, p.tsa, document, p.now), "b"), Options{Trust: p.trust(t)})
	mustResult(t, rep, TotalFailed, HashFailure)
	_, err := Verify(context.Background(), strings.NewReader("MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\nhello\r\n"), Options{})
	var me *MIMEError
	if !errors.As(err, &me) {
		t.Errorf("plain MIME: %v", err)
	}
}

func TestExtractNestedBase64IsOriginal(t *testing.T) {
	p := testPKI(t)
	inner := opensslSign(t, p.valid, document, "-nodetach", "-stream")
	outer := opensslSign(t, p.ecdsa, []byte(base64.StdEncoding.EncodeToString(inner)), "-nodetach")
	file := []byte(base64.StdEncoding.EncodeToString(outer))
	var out bytes.Buffer
	rep := verifyBytes(t, file, Options{Trust: p.trust(t), Extract: &out})
	mustPass(t, rep)
	if !bytes.Equal(out.Bytes(), document) {
		t.Fatalf("extracted %q", out.Bytes())
	}
	if rep.Content == nil || rep.Content.Length != int64(len(document)) {
		t.Errorf("content %+v", rep.Content)
	}
}

func TestNotASignedFile(t *testing.T) {
	for _, in := range []string{"", "%PDF-1.4\n", "hello"} {
		_, err := Verify(context.Background(), strings.NewReader(in), Options{})
		var ue *cms.UnrecognizedError
		if !errors.As(err, &ue) {
			t.Errorf("%q: %v", in, err)
		}
	}
	// A CMS of another type is a readable file with a clear failure.
	rep := verifyBytes(t, seq(mustMarshal(cms.OIDData), tlv(2, 0, true, octets([]byte("x")))), Options{})
	mustResult(t, rep, TotalFailed, FormatFailure)
}

func TestInterop(t *testing.T) {
	var content []byte
	for _, tc := range interop.Fatturapa {
		// No trust anchor ships with the file: intact means INDETERMINATE.
		ind, sub := Indeterminate, NoCertificateChainFound
		if !tc.Intact {
			ind, sub = TotalFailed, FormatFailure
		}
		t.Run(tc.Name, func(t *testing.T) {
			in, err := os.ReadFile(tc.Path())
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			rep := verifyBytes(t, in, Options{Extract: &out, Now: at(time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC))})
			mustResult(t, rep, ind, sub)
			if !tc.Intact {
				return
			}
			s := rep.Layers[0].Signatures[0]
			for _, c := range s.Checks {
				switch c.Name {
				case "format", "algorithms", "signing_certificate", "message_digest", "signature_value", "key_usage":
					if c.Status != StatusPassed {
						t.Errorf("integrity check %s: %s %s", c.Name, c.Status, c.Detail)
					}
				}
			}
			if s.Signer.Holder.FiscalCode != interop.FatturapaSigner || !s.Qualified {
				t.Errorf("signer %+v", s.Signer.Holder)
			}
			if !bytes.HasPrefix(out.Bytes(), []byte(interop.FatturapaContentPrefix)) {
				t.Error("content is not the XML invoice")
			}
			if content == nil {
				content = out.Bytes()
			} else if !bytes.Equal(content, out.Bytes()) {
				t.Error("forms of the same file extract different content")
			}
		})
	}
}

func TestSignerCertificateMissingOrUnreadable(t *testing.T) {
	p := testPKI(t)
	for _, tc := range []struct {
		name   string
		certs  []*x509.Certificate
		detail string
	}{
		{"missing", []*x509.Certificate{p.ecdsa.Cert}, "not in the file"},
		{"unreadable", []*x509.Certificate{{Raw: seq(mustMarshal(1), mustMarshal(2))}}, "cannot be read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := verifyBytes(t, (&forge{content: document, signer: p.valid, certs: tc.certs}).build(t), Options{Trust: p.trust(t)})
			mustResult(t, rep, Indeterminate, NoSigningCertificateFound)
			if !hasCheck(rep, "signing_certificate", StatusIndeterminate, tc.detail) {
				t.Errorf("no %q\n%s", tc.detail, dump(rep))
			}
		})
	}
}

// Long-term data (B-LT values, B-LTA archive timestamps) is named in the
// profile and in a warning, and changes nothing else.
func TestLongTermDataRecognised(t *testing.T) {
	p := testPKI(t)
	ltOID := func(arcs ...int) asn1.ObjectIdentifier {
		return append(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2}, arcs...)
	}
	certValues := attr(ltOID(23), seq(p.ca.Cert.Raw))
	revValues := attr(ltOID(24), seq())
	archiveV3 := attr(asn1.ObjectIdentifier{0, 4, 0, 1733, 2, 4}, seq())
	for _, tc := range []struct {
		name    string
		extra   [][]byte
		ts      bool
		profile string
		names   string
	}{
		{"B-B", nil, false, "CAdES-B-B", ""},
		{"B-T", nil, true, "CAdES-B-T", ""},
		{"B-LT", [][]byte{certValues, revValues}, true, "CAdES-B-LT", "certificate-values, revocation-values"},
		{"B-LTA", [][]byte{certValues, revValues, archiveV3}, true, "CAdES-B-LTA", "certificate-values, revocation-values, archive-time-stamp-v3"},
		{"values without a timestamp", [][]byte{certValues}, false, "CAdES-B-B", "certificate-values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &forge{content: document, signer: p.valid}
			si := f.signerInfo(t, hashOf(crypto.SHA256, document))
			parsed, err := cms.ParseSignerInfo(si)
			if err != nil {
				t.Fatal(err)
			}
			f.unsigned = append([][]byte(nil), tc.extra...)
			if tc.ts {
				f.unsigned = append(f.unsigned, attr(cms.OIDAttrTimeStampToken, timestampToken(t, p.tsa, parsed.Signature, p.now.Add(-time.Minute))))
			}
			rep := verifyBytes(t, f.wrap(f.signerInfo(t, hashOf(crypto.SHA256, document))), Options{Trust: p.trust(t)})
			mustPass(t, rep)
			s := rep.Layers[0].Signatures[0]
			if s.Profile != tc.profile {
				t.Errorf("profile %s, want %s", s.Profile, tc.profile)
			}
			var lt []string
			for _, w := range s.Warnings {
				if strings.HasPrefix(w.String(), "long-term validation data is present") {
					lt = append(lt, w.String())
				}
			}
			switch {
			case tc.names == "" && len(lt) != 0:
				t.Errorf("warnings %q", lt)
			case tc.names != "" && (len(lt) != 1 || !strings.Contains(lt[0], "("+tc.names+")")):
				t.Errorf("warnings %q, want one naming %s", lt, tc.names)
			}
		})
	}
}

// Counter-signatures of counter-signatures get their own results, down
// to a bounded depth.
func TestCounterSignatureNested(t *testing.T) {
	p := testPKI(t)
	f := &forge{content: document, signer: p.valid}
	parsed, _ := cms.ParseSignerInfo(f.signerInfo(t, hashOf(crypto.SHA256, document)))
	// chain returns a counter-signature over `over` that carries levels-1
	// more, each over the one above (RSA PKCS#1 v1.5 is deterministic, so
	// a SignerInfo signed again with its unsigned attributes keeps its
	// signature value).
	var chain func(over []byte, levels int) []byte
	chain = func(over []byte, levels int) []byte {
		cf := &forge{signer: p.valid, attrs: func(cf *forge, md []byte) [][]byte { return defaultAttrs(cf, md)[1:] }}
		si := cf.signerInfo(t, hashOf(crypto.SHA256, over))
		if levels > 1 {
			own, err := cms.ParseSignerInfo(si)
			if err != nil {
				t.Fatal(err)
			}
			cf.unsigned = [][]byte{attr(cms.OIDAttrCounterSignature, chain(own.Signature, levels-1))}
			si = cf.signerInfo(t, hashOf(crypto.SHA256, over))
		}
		return si
	}
	for _, tc := range []struct {
		levels int
		ok     bool
	}{{3, true}, {maxCounterDepth, true}, {maxCounterDepth + 1, false}} {
		f.unsigned = [][]byte{attr(cms.OIDAttrCounterSignature, chain(parsed.Signature, tc.levels))}
		rep := verifyBytes(t, f.wrap(f.signerInfo(t, hashOf(crypto.SHA256, document))), Options{Trust: p.trust(t)})
		s := rep.Layers[0].Signatures[0]
		depth, id := 0, ""
		for len(s.CounterSignatures) == 1 {
			s = s.CounterSignatures[0]
			depth++
			id = s.ID
			if depth < tc.levels && s.Indication != TotalPassed {
				t.Errorf("%d levels: %s is %s (%s)", tc.levels, s.ID, s.Indication, FirstReason(s.Reasons))
			}
		}
		if depth != tc.levels {
			t.Fatalf("%d levels: %d reported", tc.levels, depth)
		}
		if tc.ok && (s.Indication != TotalPassed || rep.Indication != TotalPassed) {
			t.Errorf("%d levels: the deepest is %s, the file %s", tc.levels, s.Indication, rep.Indication)
		}
		if !tc.ok && (s.Indication != TotalFailed || rep.Indication != TotalFailed || !strings.Contains(FirstReason(s.Reasons).String(), "nested more than")) {
			t.Errorf("%d levels: the one too deep (%s) is %s: %v", tc.levels, id, s.Indication, s.Reasons)
		}
		if want := "S1" + strings.Repeat(".C1", tc.levels); id != want {
			t.Errorf("deepest id %s, want %s", id, want)
		}
	}
}
