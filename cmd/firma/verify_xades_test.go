package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firma-dev/firma/xades"
)

const testInvoice = `<?xml version="1.0" encoding="UTF-8"?>
<p:FatturaElettronica xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2" versione="FPR12">
  <FatturaElettronicaHeader><CedentePrestatore><Nome>MARIO</Nome></CedentePrestatore></FatturaElettronicaHeader>
  <FatturaElettronicaBody><ImportoTotaleDocumento>122.00</ImportoTotaleDocumento></FatturaElettronicaBody>
</p:FatturaElettronica>
`

// TestVerifyXAdES: firma verify on a FatturaPA signed XAdES-BES: exit 0
// with the test CA, the XML lines, --json's xml fields, --extract of the
// invoice without its signature; a changed amount is exit 20.
func TestVerifyXAdES(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	doc, err := xades.Parse([]byte(testInvoice))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := xades.Sign(doc, nil, p.valid.Key, []*x509.Certificate{p.valid.Cert}, xades.SignOptions{SigningTime: p.signNow}); err != nil {
		t.Fatal(err)
	}
	signed := filepath.Join(dir, "IT01234567890_00001.xml")
	b, _ := doc.WriteToBytes()
	os.WriteFile(signed, b, 0o600)

	ios, out, _ := testIO(p.signNow, nil)
	vo := &verifyOptions{Inputs: []string{signed}, Trust: []string{p.caFile}, NoSys: true, Extract: true}
	if err := runVerify(context.Background(), ios, vo); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{": TOTAL_PASSED (valid signature)", "signed:       the whole document, signatures excluded (enveloped)", "certificate binding: SigningCertificateV2", "format:       XAdES-BES, RSA-SHA256", "signing time: "} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	ext, err := os.ReadFile(filepath.Join(dir, "IT01234567890_00001-unsigned.xml"))
	if err != nil || !strings.Contains(string(ext), "<ImportoTotaleDocumento>122.00</ImportoTotaleDocumento>") || strings.Contains(string(ext), "Signature") {
		t.Fatalf("extract: %v %s", err, ext)
	}

	ios, out, _ = testIO(p.signNow, nil)
	vo = &verifyOptions{Inputs: []string{signed}, Trust: []string{p.caFile}, NoSys: true, JSON: true}
	if err := runVerify(context.Background(), ios, vo); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Files []struct {
			Form string `json:"form"`
			XML  struct {
				Kind  string `json:"kind"`
				Whole bool   `json:"whole_document_signed"`
			} `json:"xml"`
			Layers []struct {
				Signatures []struct {
					XML struct {
						Coverage string   `json:"coverage"`
						Binding  string   `json:"certificate_binding"`
						Rules    []string `json:"fatturapa_rules_not_met"`
					} `json:"xml"`
				} `json:"signatures"`
			} `json:"layers"`
		} `json:"files"`
	}
	if err := json.Unmarshal(out.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	f := j.Files[0]
	if f.Form != "xml" || f.XML.Kind != "fatturapa" || !f.XML.Whole || f.Layers[0].Signatures[0].XML.Coverage != "whole_document" || f.Layers[0].Signatures[0].XML.Binding != "signing_certificate_v2" || len(f.Layers[0].Signatures[0].XML.Rules) != 0 {
		t.Fatalf("json %s", out)
	}

	os.WriteFile(signed, []byte(strings.Replace(string(b), "122.00", "922.00", 1)), 0o600)
	os.Remove(filepath.Join(dir, "IT01234567890_00001-unsigned.xml"))
	ios, out, _ = testIO(p.signNow, nil)
	vo = &verifyOptions{Inputs: []string{signed}, Trust: []string{p.caFile}, NoSys: true, Extract: true}
	err = runVerify(context.Background(), ios, vo)
	var se silentExit
	if !errors.As(err, &se) || se.code != ExitVerifyFailed || !strings.Contains(out.String(), "TOTAL_FAILED/HASH_FAILURE") || !strings.Contains(out.String(), "nothing extracted") {
		t.Fatalf("tampered: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "IT01234567890_00001-unsigned.xml")); err == nil {
		t.Error("a changed invoice was extracted")
	}
	// An XML file without signature is not a signed file.
	plain := filepath.Join(dir, "plain.xml")
	os.WriteFile(plain, []byte(testInvoice), 0o600)
	ios, out, _ = testIO(p.signNow, nil)
	err = runVerify(context.Background(), ios, &verifyOptions{Inputs: []string{plain}, Trust: []string{p.caFile}, NoSys: true})
	if !errors.As(err, &se) || se.code != ExitInput {
		t.Fatalf("unsigned XML: %v\n%s", err, out)
	}
}
