package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firma-dev/firma/internal/pdf"
	"github.com/firma-dev/firma/internal/pdf/pdftest"
	"github.com/firma-dev/firma/internal/testpki"
)

func TestSignPAdES(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "referto.pdf")
	doc := pdftest.QPDF(t, pdftest.Doc(1), "--object-streams=generate")
	if err := os.WriteFile(in, doc, 0o640); err != nil {
		t.Fatal(err)
	}
	io, out, errb := testIO(p.signNow, nil)
	var spy *keySpy
	opts := signOpts(p.valid, &spy)
	opts.Inputs = []string{in}
	opts.PAdES.On = true
	opts.PAdES.Password = newPDFPasswordOptions()
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatalf("%v\n%s", err, errb)
	}
	signed := filepath.Join(dir, "referto-firmato.pdf")
	if got := listDir(t, dir); strings.Join(got, " ") != "referto-firmato.pdf referto.pdf" {
		t.Fatalf("directory holds %v", got)
	}
	want := "signed " + in + " -> " + signed + " (PAdES, field Signature1)\n1 of 1 files signed by MARIO ROSSI (SHA-256, PAdES-B-B)\n"
	if out.String() != want {
		t.Errorf("stdout %q, want %q", out.String(), want)
	}
	b, _ := os.ReadFile(signed)
	if !bytes.HasPrefix(b, doc) {
		t.Fatal("input is not a prefix of the output")
	}
	pdftest.Check(t, b, "")
	if fi, _ := os.Stat(signed); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if spy.logins.Load() != 1 || spy.signs.Load() != 1 {
		t.Errorf("logins %d signs %d", spy.logins.Load(), spy.signs.Load())
	}

	// Again: the output exists, refused before the PIN; --json with -o
	// for a second signature.
	io, _, _ = testIO(p.signNow, nil)
	opts = signOpts(p.valid, &spy)
	opts.Inputs = []string{in}
	opts.PAdES.On = true
	opts.PAdES.Password = newPDFPasswordOptions()
	if err := runSign(context.Background(), io, opts); !errors.Is(err, os.ErrExist) || spy.logins.Load() != 0 {
		t.Fatalf("existing output: %v, logins %d", err, spy.logins.Load())
	}
	io, out, _ = testIO(p.signNow, nil)
	opts = signOpts(p.ecdsa, nil)
	opts.Inputs = []string{signed}
	opts.Output = filepath.Join(dir, "cofirmato.pdf")
	opts.JSON = true
	opts.PAdES.On = true
	opts.PAdES.Password = newPDFPasswordOptions()
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	var rep padesReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Signed != 1 || rep.Format != "PAdES-B-B" || rep.Files[0].Field != "Signature2" || len(rep.Files[0].ByteRange) != 4 {
		t.Fatalf("report %+v", rep)
	}
	b2, _ := os.ReadFile(opts.Output)
	if !bytes.HasPrefix(b2, b) || rep.Files[0].ByteRange[2]+rep.Files[0].ByteRange[3] != int64(len(b2)) {
		t.Fatal("second signature does not extend the first output")
	}
}

// TestSignPAdESEncrypted: an encrypted PDF is refused before the PIN
// without its password, and signed with it from the environment.
func TestSignPAdESEncrypted(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "cifrato.pdf")
	doc := pdftest.QPDF(t, pdftest.Doc(1), "--encrypt", pdftest.Password, "owner", "256", "--")
	os.WriteFile(in, doc, 0o600)
	io, _, _ := testIO(p.signNow, nil)
	var spy *keySpy
	opts := signOpts(p.valid, &spy)
	opts.Inputs = []string{in}
	opts.PAdES.On = true
	opts.PAdES.Password = newPDFPasswordOptions()
	err := runSign(context.Background(), io, opts)
	var nse *NoSecretSourceError
	if !errors.As(err, &nse) || spy.logins.Load() != 0 {
		t.Fatalf("no password source: %v (logins %d)", err, spy.logins.Load())
	}
	io, _, _ = testIO(p.signNow, map[string]string{"FIRMA_PDF_PASSWORD": "sbagliata"})
	if err := runSign(context.Background(), io, opts); err == nil || !strings.Contains(func() string { _, h := classify(err); return h }(), "password") {
		t.Fatalf("wrong password: %v", err)
	}
	io, _, _ = testIO(p.signNow, map[string]string{"FIRMA_PDF_PASSWORD": pdftest.Password})
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "cifrato-firmato.pdf"))
	pdftest.Check(t, b, pdftest.Password)
	if list := listDir(t, dir); len(list) != 2 {
		t.Fatalf("dir %v", list)
	}
}

func TestPAdESOutputName(t *testing.T) {
	for in, want := range map[string]string{
		"referto.pdf":   "referto-firmato.pdf",
		"a/REFERTO.PDF": "a/REFERTO-firmato.pdf",
		"doc":           "doc-firmato.pdf",
	} {
		if got := padesOutputName(in, ""); got != want {
			t.Errorf("%s -> %s, want %s", in, got, want)
		}
	}
	if got := padesOutputName("a/referto.pdf", "out"); got != "out/referto.pdf" {
		t.Errorf("output dir: %s", got)
	}
}

// TestSignPAdESVisible: --visible puts the box on the page with the
// certificate holder's name; a page the document lacks, a malformed
// --visible, a PDF/A input and --visible without --pades are usage
// errors (exit 2) before the PIN.
func TestSignPAdESVisible(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "referto.pdf")
	os.WriteFile(in, pdftest.QPDF(t, pdftest.Doc(1), "--object-streams=disable"), 0o600)
	pdfa := filepath.Join(dir, "pdfa.pdf")
	xmp := `<rdf:Description pdfaid:part="1" pdfaid:conformance="B"/>`
	doc := pdftest.Doc(1)
	r, err := pdf.Open(bytes.NewReader(doc), int64(len(doc)), pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := pdf.NewUpdate(r)
	m := u.Alloc()
	u.Set(m, pdf.Raw(fmt.Sprintf("<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream", len(xmp), xmp)))
	cat, _ := r.Catalog()
	cat = cat.Clone()
	cat["Metadata"] = m
	u.Set(r.Trailer["Root"].(pdf.Ref), cat)
	lay, err := u.Lay()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(pdfa, append(doc, lay.Bytes...), 0o600)
	run := func(input, visible string, pades bool) (error, *keySpy) {
		io, _, _ := testIO(p.signNow, nil)
		var spy *keySpy
		opts := signOpts(p.valid, &spy)
		opts.Inputs = []string{input}
		opts.PAdES.On = pades
		opts.PAdES.Visible = visible
		opts.PAdES.Password = newPDFPasswordOptions()
		err := runSign(context.Background(), io, opts)
		return err, spy
	}
	if err, _ := run(in, "1:50,50,250,110", true); err != nil {
		t.Fatal(err)
	}
	pdftest.NeedTool(t, "pdftotext")
	text, err := exec.Command("pdftotext", filepath.Join(dir, "referto-firmato.pdf"), "-").CombinedOutput()
	if err != nil || !strings.Contains(string(text), "Firmato digitalmente da") || !strings.Contains(string(text), "MARIO ROSSI") {
		t.Fatalf("pdftotext: %v\n%s", err, text)
	}
	os.Remove(filepath.Join(dir, "referto-firmato.pdf"))
	for _, c := range []struct{ input, visible, hint string }{
		{in, "2:50,50,250,110", "give a page of the document"},
		{in, "1:50,50,250", ""},
		{in, "uno:50,50,250,110", ""},
		{in, "1:500,700,700,760", "inside the page"},
		{pdfa, "1:50,50,250,110", "invisible signature keeps the file PDF/A"},
	} {
		err, spy := run(c.input, c.visible, true)
		if err == nil {
			t.Fatalf("--visible %s on %s: signed", c.visible, c.input)
		}
		code, hint := classify(err)
		if code != ExitUsage || !strings.Contains(hint, c.hint) || spy.logins.Load() != 0 {
			t.Errorf("--visible %s on %s: %v (exit %d, hint %q, logins %d)", c.visible, filepath.Base(c.input), err, code, hint, spy.logins.Load())
		}
	}
	if err, _ := run(in, "1:50,50,250,110", false); !strings.Contains(fmt.Sprint(err), "go with --pades") {
		t.Errorf("--visible without --pades: %v", err)
	}
	if list := listDir(t, dir); strings.Join(list, " ") != "pdfa.pdf referto.pdf" {
		t.Fatalf("dir %v", list)
	}
}

// TestSignPAdESDocTimestamp: --doc-timestamp with --tsa adds a document
// timestamp after the signature (one request to the TSA: the signature
// itself carries no signature-time-stamp), --json reports it, and
// firma verify says PAdES-B-T for the signature and lists the
// timestamp; --doc-timestamp without --tsa is a usage error.
func TestSignPAdESDocTimestamp(t *testing.T) {
	p := signTestPKI(t)
	srv := signTSA(t, p, testpki.TSAServerOptions{})
	dir := t.TempDir()
	in := filepath.Join(dir, "referto.pdf")
	os.WriteFile(in, pdftest.QPDF(t, pdftest.Doc(1), "--object-streams=disable"), 0o600)
	io, out, errb := testIO(p.signNow, nil)
	opts := signOpts(p.valid, nil)
	opts.Inputs, opts.JSON, opts.TSA = []string{in}, true, srv.URLFor(testpki.TSAOK)
	opts.PAdES.On, opts.PAdES.DocTimestamp = true, true
	opts.PAdES.Password = newPDFPasswordOptions()
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatalf("%v\n%s", err, errb)
	}
	var rep padesReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	f := rep.Files[0]
	if rep.Format != "PAdES-B-T" || f.TimestampTime != nil || f.DocTimestamp == nil || f.DocTimestamp.Field != "Timestamp1" || len(srv.Requests()) != 1 {
		t.Fatalf("report %s (%d TSA requests)", out, len(srv.Requests()))
	}
	signed := filepath.Join(dir, "referto-firmato.pdf")
	b, _ := os.ReadFile(signed)
	if f.DocTimestamp.ByteRange[2]+f.DocTimestamp.ByteRange[3] != int64(len(b)) || f.ByteRange[2]+f.ByteRange[3] >= int64(len(b)) {
		t.Fatalf("ranges %v %v, file %d", f.ByteRange, f.DocTimestamp.ByteRange, len(b))
	}
	pdftest.Check(t, b, "")

	io, out, _ = testIO(p.signNow, nil)
	vo := &verifyOptions{Inputs: []string{signed}, Trust: []string{p.caFile}, NoSys: true}
	if err := runVerify(context.Background(), io, vo); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"field:        Signature1 (ETSI.CAdES.detached, PAdES-B-T)", "field:        Timestamp1 (ETSI.RFC3161, timestamp)", "signed:       revision 3,"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("verify output lacks %q:\n%s", want, out)
		}
	}

	io, _, _ = testIO(p.signNow, nil)
	opts = signOpts(p.valid, nil)
	opts.Inputs = []string{in}
	opts.PAdES.On, opts.PAdES.DocTimestamp = true, true
	opts.PAdES.Password = newPDFPasswordOptions()
	if err := runSign(context.Background(), io, opts); err == nil || !strings.Contains(err.Error(), "needs --tsa") {
		t.Fatalf("without --tsa: %v", err)
	}
}
