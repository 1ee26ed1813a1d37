// Package pdftest builds the PDF files firma's tests read, sign and
// attack: a small document written by hand with a classic
// cross-reference table, a hybrid-reference variant, and (through qpdf,
// the reference tool the tests cross-check with) variants with
// cross-reference and object streams or encryption.
package pdftest

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Doc writes a PDF of n pages, each with one line of text, with a
// classic cross-reference table, as one revision.
func Doc(n int) []byte {
	var objs []string
	// 1 catalog, 2 pages, 3 font, then page i at 4+2i, content at 5+2i
	kids := make([]string, n)
	for i := 0; i < n; i++ {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	objs = append(objs,
		"<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	)
	for i := 0; i < n; i++ {
		text := fmt.Sprintf("BT /F1 18 Tf 72 720 Td (Referto pagina %d) Tj ET", i+1)
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
		)
	}
	return write(objs)
}

func write(objs []string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>] >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

// Hybrid writes a one-page hybrid-reference file (ISO 32000-1 7.5.8.4):
// the table lists objects 1-5, and the font (object 6) lives in an object
// stream (object 5) that only the /XRefStm stream (object 7) lists, as
// Acrobat wrote for PDF 1.4 readers.
func Hybrid() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
	text := "BT /F1 18 Tf 72 720 Td (Referto ibrido) Tj ET"
	font := "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
	hdr := "6 0 "
	objstm := hdr + font
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 6 0 R >> >> /Contents 4 0 R >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(text), text),
		fmt.Sprintf("<< /Type /ObjStm /N 1 /First %d /Length %d >>\nstream\n%s\nendstream", len(hdr), len(objstm), objstm),
	}
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	// The stream lists object 6 (type 2, in stream 5, index 0) and itself.
	xs := b.Len()
	data := []byte{2, 0, 0, 0, 5, 0, 1, byte(xs >> 24), byte(xs >> 16), byte(xs >> 8), byte(xs), 0}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(data)
	zw.Close()
	fmt.Fprintf(&b, "7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 1] /Index [6 2] /Filter /FlateDecode /Length %d >>\nstream\n", z.Len())
	b.Write(z.Bytes())
	b.WriteString("\nendstream\nendobj\n")
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 6\n0000000000 65535 f \n")
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size 8 /Root 1 0 R /XRefStm %d /ID [<00112233445566778899AABBCCDDEEFF> <00112233445566778899AABBCCDDEEFF>] >>\nstartxref\n%d\n%%%%EOF\n", xs, x)
	return b.Bytes()
}

// NeedTool fails the test (or skips it under -short) when a command the
// cross-checks need is not installed (scripts/deps.sh installs them).
func NeedTool(t testing.TB, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if testing.Short() {
			t.Skipf("%s not installed", name)
		}
		t.Fatalf("%s not installed (scripts/deps.sh)", name)
	}
}

// QPDF runs qpdf with args on in and returns the output file's bytes.
func QPDF(t testing.TB, in []byte, args ...string) []byte {
	t.Helper()
	NeedTool(t, "qpdf")
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(src, in, 0o600); err != nil {
		t.Fatal(err)
	}
	all := append(append([]string{}, args...), src, dst)
	if out, err := exec.Command("qpdf", all...).CombinedOutput(); err != nil {
		t.Fatalf("qpdf %v: %v\n%s", args, err, out)
	}
	b, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Check runs qpdf --check (with the password when given) and fails the
// test unless qpdf finds no error and no warning.
func Check(t testing.TB, pdf []byte, password string) {
	t.Helper()
	NeedTool(t, "qpdf")
	f := filepath.Join(t.TempDir(), "check.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--check"}
	if password != "" {
		args = append(args, "--password="+password)
	}
	out, err := exec.Command("qpdf", append(args, f)...).CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("No syntax or stream encoding errors found")) || bytes.Contains(out, []byte("WARNING")) {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
}

// Variants are the input forms the tests cover, built from Doc(pages):
// "table" (classic cross-reference table), "objstm" (cross-reference
// and object streams), "hybrid", "aes256" and "aes128" and "rc4"
// (encrypted with user password "utente").
func Variants(t testing.TB, pages int) map[string][]byte {
	doc := Doc(pages)
	return map[string][]byte{
		"table":  QPDF(t, doc, "--object-streams=disable"),
		"objstm": QPDF(t, doc, "--object-streams=generate"),
		"hybrid": Hybrid(),
		"aes256": QPDF(t, doc, "--encrypt", "utente", "proprietario", "256", "--"),
		"aes128": QPDF(t, doc, "--object-streams=disable", "--encrypt", "utente", "proprietario", "128", "--use-aes=y", "--"),
		"rc4":    QPDF(t, doc, "--allow-weak-crypto", "--object-streams=disable", "--encrypt", "utente", "proprietario", "128", "--use-aes=n", "--"),
	}
}

// Password is the user password of the encrypted variants.
const Password = "utente"
