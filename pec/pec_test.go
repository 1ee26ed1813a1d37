package pec_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/firma-dev/firma/internal/pectest"
	"github.com/firma-dev/firma/pec"
	"github.com/firma-dev/firma/verify"
)

var (
	pkiOnce sync.Once
	testPKI *pectest.PKI
	pkiErr  error
	// now is the clock of the tests: the certificates are issued around
	// the real time so that openssl, which has no clock option for
	// name-constraint checks, agrees.
	now = time.Now().UTC().Truncate(time.Second)
)

func getPKI(t testing.TB) *pectest.PKI {
	t.Helper()
	pkiOnce.Do(func() { testPKI, pkiErr = pectest.NewPKI(now) })
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return testPKI
}

func trust(t testing.TB) *verify.TrustStore {
	ts := verify.NewTrustStore()
	ts.AddCertificates("test root", getPKI(t).Root.Cert)
	return ts
}

func build(t testing.TB, s pectest.Spec) []byte {
	t.Helper()
	if s.Time.IsZero() {
		s.Time = now.Add(-48 * time.Hour)
	}
	b, err := pectest.Build(getPKI(t), s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func run(t testing.TB, b []byte, ts *verify.TrustStore) *pec.Result {
	t.Helper()
	r, err := pec.Verify(context.Background(), bytes.NewReader(b), int64(len(b)), pec.Options{Trust: ts, Now: func() time.Time { return now }, Name: "test.eml"})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return r
}

// opensslVerify runs openssl smime -verify on the same bytes and
// reports whether it accepts them.
func opensslVerify(t *testing.T, b []byte) bool {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	in, ca := filepath.Join(dir, "m.eml"), filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, getPKI(t).RootPEM(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("openssl", "smime", "-verify", "-in", in, "-CAfile", ca, "-out", os.DevNull).CombinedOutput()
	t.Logf("openssl: %s", bytes.TrimSpace(out))
	return err == nil
}

func hasDiscrepancy(r *pec.Result, field string) bool {
	for _, d := range r.Discrepancies {
		if d.Field == field {
			return true
		}
	}
	return false
}

func TestEveryKindVerifies(t *testing.T) {
	kinds := []struct {
		kind, receipt string
		postacert     bool
	}{
		{"posta-certificata", "", true},
		{"errore", "", true},
		{"accettazione", "", false},
		{"non-accettazione", "", false},
		{"presa-in-carico", "", false},
		{"avvenuta-consegna", "completa", true},
		{"avvenuta-consegna", "breve", true},
		{"avvenuta-consegna", "sintetica", false},
		{"errore-consegna", "", false},
		{"preavviso-errore-consegna", "", false},
		{"rilevazione-virus", "", false},
	}
	for _, k := range kinds {
		t.Run(k.kind+"/"+k.receipt, func(t *testing.T) {
			spec := pectest.Spec{Kind: k.kind, ReceiptType: k.receipt}
			if k.kind == "errore-consegna" {
				spec.Error, spec.ErrorDetail = "altro", "5.1.1 - Test Provider - indirizzo non valido"
			}
			b := build(t, spec)
			r := run(t, b, trust(t))
			if r.Indication != verify.TotalPassed {
				t.Fatalf("indication %s/%s: %s", r.Indication, r.SubIndication, r.Reason)
			}
			if string(r.Kind) != k.kind {
				t.Errorf("kind %q, want %q", r.Kind, k.kind)
			}
			if k.kind == "errore" {
				if r.KindSource != "headers" || r.Daticert != nil {
					t.Errorf("an anomaly envelope has no daticert: %q %v", r.KindSource, r.Daticert)
				}
			} else {
				d := r.Daticert
				if r.KindSource != "daticert" || d == nil {
					t.Fatalf("no signed daticert: %q", r.DaticertError)
				}
				if want := now.Add(-48 * time.Hour); !d.Time.Equal(want) {
					t.Errorf("certified time %s, want %s (local %s)", d.Time, want, d.LocalTime)
				}
				if d.Sender != "mario.rossi@"+pectest.Domain || d.Provider != "Test Provider S.p.A." || len(d.Recipients) != 1 || d.Recipients[0].Type != "certificato" {
					t.Errorf("daticert %+v", d)
				}
				if k.kind == "avvenuta-consegna" && (d.ReceiptType != k.receipt || d.Delivery != "laboratorio@"+pectest.Domain || r.ReceiptType != k.receipt) {
					t.Errorf("delivery receipt: %q %q", d.ReceiptType, d.Delivery)
				}
				if k.kind == "errore-consegna" && (d.Error != "altro" || !strings.Contains(d.ErrorDetail, "5.1.1")) {
					t.Errorf("error %q %q", d.Error, d.ErrorDetail)
				}
			}
			if len(r.Discrepancies) != 0 {
				t.Errorf("discrepancies in an untouched message: %+v", r.Discrepancies)
			}
			if (r.Postacert != nil) != k.postacert {
				t.Errorf("postacert present %v, want %v", r.Postacert != nil, k.postacert)
			}
			p := r.Provider
			if p.AtCertifiedTimeIndication != verify.TotalPassed || p.Name != "Posta Certificata Test Provider" || !p.Policy {
				t.Errorf("provider %+v", p)
			}
			for _, c := range p.Checks {
				if c.Status != verify.StatusPassed {
					t.Errorf("check %s: %s %s", c.Name, c.Status, c.Detail)
				}
			}
			s := p.Now.AllSignatures()[0]
			sha1 := false
			for _, w := range s.Warnings {
				sha1 = sha1 || strings.Contains(w.String(), "SHA-1 accepted")
			}
			if !sha1 || s.DigestAlgorithm != "SHA-1" {
				t.Errorf("the SHA-1 note is missing: %q %v", s.DigestAlgorithm, s.Warnings)
			}
			if !opensslVerify(t, b) {
				t.Error("openssl refuses a message firma accepts")
			}
		})
	}
}

func TestLFStoredVerifies(t *testing.T) {
	b := pectest.ToLF(build(t, pectest.Spec{Kind: "avvenuta-consegna"}))
	r := run(t, b, trust(t))
	if r.Indication != verify.TotalPassed || !r.LFConverted || r.Storage != "lf" {
		t.Fatalf("LF file: %s/%s %s converted=%v storage=%s", r.Indication, r.SubIndication, r.Reason, r.LFConverted, r.Storage)
	}
	// openssl reads the multipart/signed line by line and canonicalises
	// the line ends of the signed part to CRLF too.
	if !opensslVerify(t, b) {
		t.Error("openssl refuses the LF-stored message")
	}
}

func TestRewrapped(t *testing.T) {
	orig := build(t, pectest.Spec{Kind: "accettazione"})
	for name, b := range map[string][]byte{"list": pectest.WrapList(orig), "forward": pectest.Forward(orig)} {
		t.Run(name, func(t *testing.T) {
			r := run(t, b, trust(t))
			if r.Indication != verify.TotalPassed || !r.Rewrapped || r.RewrappedAs == "" {
				t.Fatalf("%s/%s %s rewrapped=%v", r.Indication, r.SubIndication, r.Reason, r.Rewrapped)
			}
			if r.Kind != pec.KindAcceptance || len(r.Discrepancies) != 0 {
				t.Errorf("kind %s, discrepancies %+v", r.Kind, r.Discrepancies)
			}
			if opensslVerify(t, b) {
				t.Error("openssl accepts the re-wrapped file as a whole; the test's premise is wrong")
			}
		})
	}
}

func TestHeaderEditedStillIntact(t *testing.T) {
	b := build(t, pectest.Spec{Kind: "avvenuta-consegna"})
	b = bytes.Replace(b, []byte("X-Ricevuta: avvenuta-consegna"), []byte("X-Ricevuta: accettazione"), 1)
	b = bytes.Replace(b, []byte("Subject: CONSEGNA: Referto esami 2026"), []byte("Subject: CONSEGNA: Referto esami 2025"), 1)
	r := run(t, b, trust(t))
	if r.Indication != verify.TotalPassed {
		t.Fatalf("unsigned headers changed the verdict: %s/%s %s", r.Indication, r.SubIndication, r.Reason)
	}
	if r.Kind != pec.KindDelivery || r.KindSource != "daticert" || r.Headers.Kind != pec.KindAcceptance {
		t.Errorf("kind %s from %s, headers say %s", r.Kind, r.KindSource, r.Headers.Kind)
	}
	if !hasDiscrepancy(r, "kind") || !hasDiscrepancy(r, "subject") {
		t.Errorf("the edited headers are not reported: %+v", r.Discrepancies)
	}
	if !opensslVerify(t, b) {
		t.Error("openssl refuses a message with edited top-level headers")
	}
}

func TestBodyEditedHashFailure(t *testing.T) {
	cases := map[string]func([]byte) []byte{
		"text changed": func(b []byte) []byte {
			return bytes.Replace(b, []byte("=E8 stato trattato"), []byte("=E8 stato trattatO"), 1)
		},
		"whitespace stripped": func(b []byte) []byte {
			return bytes.Replace(b, []byte("Content-Type: application/xml; name="), []byte("Content-Type: application/xml;name="), 1)
		},
		"LF file edited": func(b []byte) []byte {
			return pectest.ToLF(bytes.Replace(b, []byte("Gentile laboratorio"), []byte("Gentile Laboratorio"), 1))
		},
	}
	for name, edit := range cases {
		t.Run(name, func(t *testing.T) {
			b := edit(build(t, pectest.Spec{Kind: "avvenuta-consegna"}))
			r := run(t, b, trust(t))
			if r.Indication != verify.TotalFailed || r.SubIndication != verify.HashFailure {
				t.Fatalf("%s/%s %s", r.Indication, r.SubIndication, r.Reason)
			}
			if r.Intact() {
				t.Error("Intact on a changed message")
			}
			if opensslVerify(t, b) {
				t.Error("openssl accepts a message firma finds changed")
			}
		})
	}
}

func TestExpiredProviderIsIndeterminateNow(t *testing.T) {
	p := getPKI(t)
	b := build(t, pectest.Spec{Kind: "accettazione", Signer: p.Expired, Issuer: p.AgID, Time: now.AddDate(-2, 0, 0)})
	r := run(t, b, trust(t))
	if r.Indication != verify.Indeterminate || r.SubIndication != verify.OutOfBoundsNoPOE {
		t.Fatalf("now: %s/%s %s", r.Indication, r.SubIndication, r.Reason)
	}
	if pr := r.Provider; pr.AtCertifiedTimeIndication != verify.TotalPassed {
		t.Errorf("at the certified time: %s/%s %s", pr.AtCertifiedTimeIndication, pr.AtCertifiedTimeSubIndication, pr.AtCertifiedTimeReason)
	}
	if !r.Intact() {
		t.Error("an expired certificate is not a changed message")
	}
}

func TestTrust(t *testing.T) {
	p := getPKI(t)
	t.Run("no anchor", func(t *testing.T) {
		r := run(t, build(t, pectest.Spec{Kind: "accettazione"}), verify.NewTrustStore())
		if r.Indication != verify.Indeterminate || r.SubIndication != verify.NoCertificateChainFound {
			t.Fatalf("%s/%s %s", r.Indication, r.SubIndication, r.Reason)
		}
	})
	t.Run("outside the name constraints", func(t *testing.T) {
		b := build(t, pectest.Spec{Kind: "accettazione", Signer: p.Rogue, Issuer: p.AgID})
		r := run(t, b, trust(t))
		if r.Indication != verify.Indeterminate || r.Intact() != true {
			t.Fatalf("%s/%s %s", r.Indication, r.SubIndication, r.Reason)
		}
		if opensslVerify(t, b) {
			t.Error("openssl accepts a certificate outside the CA's name constraints")
		}
	})
	t.Run("CA without name constraints", func(t *testing.T) {
		b := build(t, pectest.Spec{Kind: "accettazione", Signer: p.Unbound, Issuer: p.Open})
		r := run(t, b, trust(t))
		if r.Indication != verify.Indeterminate || r.SubIndication != verify.ChainConstraintsFailure {
			t.Fatalf("%s/%s %s", r.Indication, r.SubIndication, r.Reason)
		}
		// openssl has no notion of a CA for PEC providers: it accepts.
		if !opensslVerify(t, b) {
			t.Error("openssl refuses the unconstrained chain")
		}
	})
	t.Run("From is another provider", func(t *testing.T) {
		b := build(t, pectest.Spec{Kind: "accettazione"})
		b = bytes.Replace(b, []byte("From: "+pectest.ProviderAddress), []byte("From: posta-certificata@pec.other.test"), 1)
		r := run(t, b, trust(t))
		if r.Indication != verify.TotalPassed {
			t.Fatalf("%s/%s", r.Indication, r.SubIndication)
		}
		if c := r.Provider.Checks[0]; c.Name != "provider_address" || c.Status != verify.StatusWarning {
			t.Errorf("provider address check %+v", c)
		}
	})
}

func TestDaticertOnly(t *testing.T) {
	d := pectest.Daticert(pectest.Spec{Kind: "avvenuta-consegna", ReceiptType: "completa", Time: now, Zone: "+0100", Sender: "a@b.test", Recipients: []string{"c@d.test"}, Subject: "Prova àè"})
	u16 := []byte{0xff, 0xfe}
	for _, c := range utf16.Encode([]rune(strings.Replace(string(d), "UTF-8", "UTF-16", 1))) {
		u16 = append(u16, byte(c), byte(c>>8))
	}
	for name, b := range map[string][]byte{"utf-8": d, "utf-8 bom": append([]byte{0xef, 0xbb, 0xbf}, d...), "utf-16le": u16} {
		t.Run(name, func(t *testing.T) {
			r := run(t, b, trust(t))
			if !r.DaticertOnly || r.Indication != verify.Indeterminate || r.Daticert.Subject != "Prova àè" || r.Daticert.Delivery != "c@d.test" {
				t.Fatalf("%+v", r)
			}
		})
	}
}

func TestOutlookMsg(t *testing.T) {
	b := append([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, make([]byte, 600)...)
	_, err := pec.Verify(context.Background(), bytes.NewReader(b), int64(len(b)), pec.Options{})
	var oe *pec.OutlookMsgError
	if !errors.As(err, &oe) {
		t.Fatalf("err = %v", err)
	}
	b = []byte("From: a@b.test\r\nSubject: hi\r\n\r\nhello\r\n")
	_, err = pec.Verify(context.Background(), bytes.NewReader(b), int64(len(b)), pec.Options{})
	var ne *pec.NotPECError
	if !errors.As(err, &ne) {
		t.Fatalf("ordinary mail: err = %v", err)
	}
}

// The same provider signature under the rules of electronic signatures
// fails the cryptographic policy (SHA-1) and the key usage: RulesPEC is
// what accepts it.
func TestRulesPECMatter(t *testing.T) {
	spec := pectest.Spec{Kind: "accettazione", Time: now.Add(-time.Hour)}
	spec.Fill(getPKI(t))
	part := pectest.SignedPart(spec)
	sig, err := pectest.Sign(part, spec.Signer, spec.Issuer, spec.Time)
	if err != nil {
		t.Fatal(err)
	}
	for _, rules := range []verify.Rules{verify.RulesSignature, verify.RulesPEC} {
		rep, err := verify.Verify(context.Background(), bytes.NewReader(sig), verify.Options{Trust: trust(t), Content: bytes.NewReader(part), Now: func() time.Time { return now }, Rules: rules})
		if err != nil {
			t.Fatal(err)
		}
		checks := map[string]string{}
		for _, c := range rep.AllSignatures()[0].Checks {
			checks[c.Name] = string(c.SubIndication)
		}
		if rules == verify.RulesPEC {
			if rep.Indication != verify.TotalPassed {
				t.Errorf("RulesPEC: %s/%s %s", rep.Indication, rep.SubIndication, rep.Reason)
			}
			continue
		}
		if rep.Indication != verify.Indeterminate || checks["algorithms"] != string(verify.CryptoConstraintsFailureNoPOE) || checks["key_usage"] != string(verify.ChainConstraintsFailure) {
			t.Errorf("RulesSignature: %s/%s %v", rep.Indication, rep.SubIndication, checks)
		}
	}
}
