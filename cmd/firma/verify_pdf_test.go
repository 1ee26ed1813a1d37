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

// signedPDFFile signs doc with --pades (password from the environment
// when given) and returns the signed file's path.
func signedPDFFile(t *testing.T, p *signPKI, dir string, doc []byte, password string) string {
	t.Helper()
	in := filepath.Join(dir, "referto.pdf")
	os.WriteFile(in, doc, 0o600)
	var env map[string]string
	if password != "" {
		env = map[string]string{"FIRMA_PDF_PASSWORD": password}
	}
	ios, _, errb := testIO(p.signNow, env)
	opts := signOpts(p.valid, nil)
	opts.Inputs = []string{in}
	opts.PAdES.On = true
	opts.PAdES.Password = newPDFPasswordOptions()
	if err := runSign(context.Background(), ios, opts); err != nil {
		t.Fatalf("%v %s", err, errb)
	}
	return filepath.Join(dir, "referto-firmato.pdf")
}

// TestVerifyPDFPassword: an encrypted signed PDF needs its password:
// without one (and no terminal) exit 11 with a hint naming the flags;
// with --pdf-password-file or FIRMA_PDF_PASSWORD it verifies; a wrong
// one is exit 11 saying so.
func TestVerifyPDFPassword(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	signed := signedPDFFile(t, p, dir, pdftest.QPDF(t, pdftest.Doc(1), "--encrypt", pdftest.Password, "owner", "256", "--"), pdftest.Password)
	pwFile := filepath.Join(dir, "pw.txt")
	os.WriteFile(pwFile, []byte(pdftest.Password+"\n"), 0o600)
	run := func(env map[string]string, args ...string) (int, string, string) {
		ios, out, errb := testIO(p.signNow, env)
		code := Main(context.Background(), append(append([]string{"verify", "--trust", p.caFile, "--no-system-trust"}, args...), signed), ios)
		return code, out.String(), errb.String()
	}
	if code, _, errs := run(nil); code != ExitInput || !strings.Contains(errs, "--pdf-password-file") {
		t.Fatalf("no password: exit %d\n%s", code, errs)
	}
	if code, out, errs := run(nil, "--pdf-password-file", pwFile); code != ExitOK || !strings.Contains(out, "field:        Signature1") {
		t.Fatalf("--pdf-password-file: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := run(map[string]string{"FIRMA_PDF_PASSWORD": pdftest.Password}); code != ExitOK {
		t.Fatalf("FIRMA_PDF_PASSWORD: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := run(map[string]string{"FIRMA_PDF_PASSWORD": "sbagliata"}); code != ExitInput || !strings.Contains(errs, "does not open it") {
		t.Fatalf("wrong password: exit %d\n%s", code, errs)
	}
}

// TestVerifyPDFStdin: a signed PDF on standard input goes to the PDF
// verifier; a .p7m on standard input still goes to the CAdES one.
func TestVerifyPDFStdin(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	signed := signedPDFFile(t, p, dir, pdftest.Doc(1), "")
	b, _ := os.ReadFile(signed)
	ios, out, errb := testIO(p.signNow, nil)
	ios.In = bytes.NewReader(b)
	if code := Main(context.Background(), []string{"verify", "--trust", p.caFile, "--no-system-trust", "-"}, ios); code != ExitOK || !strings.Contains(out.String(), "field:        Signature1 (ETSI.CAdES.detached, PAdES-B-B)") {
		t.Fatalf("stdin PDF: exit %d\n%s%s", code, out, errb)
	}
	ios, out, errb = testIO(p.signNow, nil)
	ios.In = bytes.NewReader(b)
	ext := filepath.Join(dir, "rev.pdf")
	if code := Main(context.Background(), []string{"verify", "--trust", p.caFile, "--no-system-trust", "--extract", "-o", ext, "-"}, ios); code != ExitOK {
		t.Fatalf("stdin PDF --extract: exit %d\n%s%s", code, out, errb)
	}
	if e, _ := os.ReadFile(ext); !bytes.Equal(e, b) {
		t.Fatal("extracted revision differs")
	}

	ios, _, errb = testIO(p.signNow, nil)
	opts := signOpts(p.valid, nil)
	opts.Inputs, opts.Output = []string{signed}, filepath.Join(dir, "x.pdf.p7m")
	if err := runSign(context.Background(), ios, opts); err != nil {
		t.Fatalf("%v %s", err, errb)
	}
	p7m, _ := os.ReadFile(opts.Output)
	ios, out, errb = testIO(p.signNow, nil)
	ios.In = bytes.NewReader(p7m)
	if code := Main(context.Background(), []string{"verify", "--trust", p.caFile, "--no-system-trust", "-"}, ios); code != ExitOK || strings.Contains(out.String(), "field:") {
		t.Fatalf("stdin p7m: exit %d\n%s%s", code, out, errb)
	}
}

// TestVerifyPDFUnreadable: a signed PDF whose cross-reference cannot be
// followed is reported as a damaged signed PDF (exit 11), not as "not a
// signed file"; an unsigned PDF keeps the old answer.
func TestVerifyPDFUnreadable(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	signed := signedPDFFile(t, p, dir, pdftest.Doc(1), "")
	b, _ := os.ReadFile(signed)
	i := bytes.LastIndex(b, []byte("startxref"))
	broken := append(append([]byte{}, b[:i]...), []byte("startxref\n999999999\n%%EOF\n")...)
	bad := filepath.Join(dir, "rotto.pdf")
	os.WriteFile(bad, broken, 0o600)
	ios, out, errb := testIO(p.signNow, nil)
	code := Main(context.Background(), []string{"verify", "--trust", p.caFile, "--no-system-trust", bad}, ios)
	if code != ExitInput || !strings.Contains(errb.String(), "a signed PDF whose structure cannot be read") || !strings.Contains(errb.String(), "repairs nothing") {
		t.Fatalf("damaged signed PDF: exit %d\n%s%s", code, out, errb)
	}
	plain := filepath.Join(dir, "semplice.pdf")
	os.WriteFile(plain, pdftest.Doc(1), 0o600)
	ios, out, errb = testIO(p.signNow, nil)
	code = Main(context.Background(), []string{"verify", "--trust", p.caFile, "--no-system-trust", plain}, ios)
	if code != ExitInput || !strings.Contains(errb.String(), "a PDF without signatures: there is nothing to verify") || strings.Contains(errb.String(), "structure cannot be read") {
		t.Fatalf("unsigned PDF: exit %d\n%s%s", code, out, errb)
	}
}
