package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firma-dev/firma/internal/pdf/pdftest"
)

// TestVerifyPDF: firma verify on a PAdES-signed PDF: exit 0 with the
// test CA, the PDF lines, --json's pdf fields, --extract of the signed
// revision; a changed byte is exit 20.
func TestVerifyPDF(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "referto.pdf")
	os.WriteFile(in, pdftest.QPDF(t, pdftest.Doc(1), "--object-streams=disable"), 0o600)
	ios, _, errb := testIO(p.signNow, nil)
	opts := signOpts(p.valid, nil)
	opts.Inputs = []string{in}
	opts.PAdES.On = true
	opts.PAdES.Password = newPDFPasswordOptions()
	if err := runSign(context.Background(), ios, opts); err != nil {
		t.Fatalf("%v %s", err, errb)
	}
	signed := filepath.Join(dir, "referto-firmato.pdf")

	ios, out, _ := testIO(p.signNow, nil)
	vo := &verifyOptions{Inputs: []string{signed}, Trust: []string{p.caFile}, NoSys: true, Extract: true}
	if err := runVerify(context.Background(), ios, vo); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{": TOTAL_PASSED (valid signature)", "field:        Signature1 (ETSI.CAdES.detached, PAdES-B-B)", "signed:       revision 2,", "the whole file"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("output lacks %q:\n%s", want, out)
		}
	}
	ext, err := os.ReadFile(filepath.Join(dir, "referto-firmato-rev2.pdf"))
	b, _ := os.ReadFile(signed)
	if err != nil || !bytes.Equal(ext, b) {
		t.Fatalf("extract: %v (%d bytes, signed %d)", err, len(ext), len(b))
	}

	ios, out, _ = testIO(p.signNow, nil)
	vo = &verifyOptions{Inputs: []string{signed}, Trust: []string{p.caFile}, NoSys: true, JSON: true}
	if err := runVerify(context.Background(), ios, vo); err != nil {
		t.Fatal(err)
	}
	var j struct {
		Files []struct {
			Form string `json:"form"`
			PDF  struct {
				Revisions int `json:"revisions"`
			} `json:"pdf"`
			Layers []struct {
				Signatures []struct {
					PDF struct {
						Field     string `json:"field"`
						WholeFile bool   `json:"whole_file"`
						Level     string `json:"level"`
					} `json:"pdf"`
				} `json:"signatures"`
			} `json:"layers"`
		} `json:"files"`
	}
	if err := json.Unmarshal(out.Bytes(), &j); err != nil {
		t.Fatal(err)
	}
	f := j.Files[0]
	if f.Form != "pdf" || f.PDF.Revisions != 2 || f.Layers[0].Signatures[0].PDF.Field != "Signature1" || !f.Layers[0].Signatures[0].PDF.WholeFile {
		t.Fatalf("json %s", out)
	}

	i := bytes.Index(b, []byte(" 612 792]"))
	b[i+3] = '3'
	os.WriteFile(signed, b, 0o600)
	ios, out, _ = testIO(p.signNow, nil)
	vo = &verifyOptions{Inputs: []string{signed}, Trust: []string{p.caFile}, NoSys: true}
	err = runVerify(context.Background(), ios, vo)
	var se silentExit
	if !errors.As(err, &se) || se.code != ExitVerifyFailed || !strings.Contains(out.String(), "TOTAL_FAILED/HASH_FAILURE") {
		t.Fatalf("tampered: %v\n%s", err, out)
	}
}
