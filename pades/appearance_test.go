package pades

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/pdf"
	"github.com/firma-dev/firma/internal/pdf/pdftest"
	"github.com/firma-dev/firma/verify"
)

// renderText renders page n of b with pdftoppm and returns the PNG's
// path, and the page's text as pdftotext extracts it.
func renderPage(t *testing.T, b []byte, n int, password string) (png, text string) {
	t.Helper()
	pdftest.NeedTool(t, "pdftoppm")
	pdftest.NeedTool(t, "pdftotext")
	dir := t.TempDir()
	f := filepath.Join(dir, "in.pdf")
	os.WriteFile(f, b, 0o600)
	var pw []string
	if password != "" {
		pw = []string{"-upw", password}
	}
	page := []string{"-f", fmt.Sprint(n), "-l", fmt.Sprint(n)}
	args := append(append(append([]string{"-png", "-r", "100"}, pw...), page...), f, filepath.Join(dir, "page"))
	if out, err := exec.Command("pdftoppm", args...).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	m, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(m) != 1 {
		t.Fatalf("pdftoppm wrote %v", m)
	}
	out, err := exec.Command("pdftotext", append(append(append([]string{"-layout"}, pw...), page...), f, "-")...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return m[0], string(out)
}

// TestSignVisible: a visible signature on page 2 of a table file and on
// an AES-256 encrypted file: every oracle accepts the output, the widget
// has the box and an appearance, and poppler draws the three lines
// (pdftotext reads the name, the date and "Firmato digitalmente da" back
// from the rendered page, which also proves the encrypted appearance
// stream decrypts).
func TestSignVisible(t *testing.T) {
	p := testPKI(t)
	vars := pdftest.Variants(t, 2)
	for _, name := range []string{"table", "objstm", "aes256"} {
		t.Run(name, func(t *testing.T) {
			in := vars[name]
			opts := SignOptions{Now: clockAt(now), Visible: &Appearance{Page: 2, Rect: [4]float64{50, 50, 300, 110}, Name: "BIANCHI ANNA NICOLÒ"}}
			pw := ""
			if encrypted(name) {
				pw = pdftest.Password
				opts.Password = []byte(pw)
			}
			out, res := signPDF(t, in, newSigner(t, p.signer, p.ca, nil), opts)
			checkSigned(t, p, in, out, res, pw, 1)
			r, err := pdf.Open(bytes.NewReader(out), int64(len(out)), pdf.Options{Password: opts.Password})
			if err != nil {
				t.Fatal(err)
			}
			pages, _ := r.Pages()
			pd, _ := r.ResolveDict(pages[1])
			annots, _ := r.Resolve(pd["Annots"])
			arr, _ := annots.(pdf.Array)
			if len(arr) != 1 {
				t.Fatalf("page 2 annots %v", pd["Annots"])
			}
			w, _ := r.ResolveDict(arr[0])
			if rc, ok := numbers(w["Rect"]); !ok || rc != [4]float64{50, 50, 300, 110} {
				t.Fatalf("rect %v", w["Rect"])
			}
			ap, _ := r.ResolveDict(w["AP"])
			if s, _ := r.Resolve(ap["N"]); s == nil {
				t.Fatal("no normal appearance")
			}
			if p1, _ := r.ResolveDict(pages[0]); p1["Annots"] != nil {
				t.Fatal("the widget went to page 1")
			}
			png, text := renderPage(t, out, 2, pw)
			if d := os.Getenv("FIRMA_KEEP_RENDER"); d != "" {
				b, _ := os.ReadFile(png)
				os.WriteFile(filepath.Join(d, name+".png"), b, 0o644)
			}
			date := now.UTC().Format("02/01/2006 15:04:05") + " UTC"
			for _, want := range []string{"Firmato digitalmente da", "BIANCHI ANNA NICOLÒ", "il " + date} {
				if !strings.Contains(text, want) {
					t.Fatalf("page text lacks %q:\n%s", want, text)
				}
			}
			wantWordIn(t, out, 2, pw, "Firmato", [4]float64{50, 792 - 110, 300, 792 - 50})
			rep := verifyPDFWith(t, p, out, opts.Password)
			wantIndication(t, rep, verify.TotalPassed, "", "")
		})
	}
}

// wordBox finds word on page n with pdftotext -bbox: its box in points
// from the displayed page's top left corner.
func wordBox(t *testing.T, b []byte, n int, password, word string) ([4]float64, bool) {
	t.Helper()
	pdftest.NeedTool(t, "pdftotext")
	f := filepath.Join(t.TempDir(), "in.pdf")
	os.WriteFile(f, b, 0o600)
	args := []string{"-bbox", "-f", fmt.Sprint(n), "-l", fmt.Sprint(n)}
	if password != "" {
		args = append(args, "-upw", password)
	}
	out, err := exec.Command("pdftotext", append(args, f, "-")...).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="([0-9.]+)" yMax="([0-9.]+)">` + regexp.QuoteMeta(word) + `</word>`).FindSubmatch(out)
	if m == nil {
		return [4]float64{}, false
	}
	var box [4]float64
	for i := range box {
		box[i], _ = strconv.ParseFloat(string(m[i+1]), 64)
	}
	return box, true
}

// wantWordIn fails unless word is drawn horizontally (upright text is
// wider than tall) inside area, in points from the displayed page's top
// left corner.
func wantWordIn(t *testing.T, b []byte, n int, password, word string, area [4]float64) {
	t.Helper()
	box, ok := wordBox(t, b, n, password, word)
	if !ok {
		t.Fatalf("%q not on page %d", word, n)
	}
	if box[0] < area[0] || box[1] < area[1] || box[2] > area[2] || box[3] > area[3] || box[2]-box[0] <= box[3]-box[1] {
		t.Fatalf("%q drawn at %v, want horizontal text inside %v", word, box, area)
	}
}

// TestSignVisibleRotated: on pages turned by /Rotate 90, 180 and 270
// the box is where it was asked on the displayed page, and its text
// reads upright.
func TestSignVisibleRotated(t *testing.T) {
	p := testPKI(t)
	for _, rot := range []int64{90, 180, 270} {
		t.Run(fmt.Sprint(rot), func(t *testing.T) {
			in := update(t, pdftest.Doc(1), func(r *pdf.Reader, u *pdf.Update) {
				pages, _ := r.Pages()
				pd, _ := r.ResolveDict(pages[0])
				pd = pd.Clone()
				pd["Rotate"] = rot
				u.Set(pages[0], pd)
			})
			opts := SignOptions{Now: clockAt(now), Visible: &Appearance{Page: 1, Rect: [4]float64{40, 30, 260, 90}, Name: "ROSSI MARIO"}}
			out, res := signPDF(t, in, newSigner(t, p.signer, p.ca, nil), opts)
			checkSigned(t, p, in, out, res, "", 1)
			dh := 792.0 // the displayed height: 612 on a turned page
			if rot != 180 {
				dh = 612
			}
			wantWordIn(t, out, 1, "", "Firmato", [4]float64{40, dh - 90, 260, dh - 30})
			wantWordIn(t, out, 1, "", "ROSSI", [4]float64{40, dh - 90, 260, dh - 30})
			if d := os.Getenv("FIRMA_KEEP_RENDER"); d != "" {
				png, _ := renderPage(t, out, 1, "")
				b, _ := os.ReadFile(png)
				os.WriteFile(filepath.Join(d, fmt.Sprintf("rot%d.png", rot)), b, 0o644)
			}
		})
	}
}

// TestSignVisibleRefused: a page the document lacks, an empty box, a box
// outside the page or too small for the text, and a PDF/A file (its XMP
// claims pdfaid:part) are refused before signing; the invisible
// signature of the same PDF/A file is made.
func TestSignVisibleRefused(t *testing.T) {
	p := testPKI(t)
	in := pdftest.Doc(1)
	vis := func(page int, r ...float64) SignOptions {
		return SignOptions{Visible: &Appearance{Page: page, Rect: [4]float64{r[0], r[1], r[2], r[3]}, Name: "ROSSI MARIO"}}
	}
	var pe *PageError
	if _, err := Prepare(bytes.NewReader(in), int64(len(in)), vis(2, 0, 0, 100, 100)); !errors.As(err, &pe) || pe.Pages != 1 {
		t.Fatalf("page 2 of 1: %v", err)
	}
	for reason, o := range map[string]SignOptions{
		"empty":        vis(1, 100, 100, 50, 150),
		"outside_page": vis(1, 500, 700, 700, 760),
		"too_small":    vis(1, 10, 10, 40, 20),
	} {
		var re *RectError
		if _, err := Prepare(bytes.NewReader(in), int64(len(in)), o); !errors.As(err, &re) || re.Reason != reason {
			t.Fatalf("%s: %v", reason, err)
		}
	}
	pdfa := withXMP(t, in, `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"><pdfaid:part>2</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description></rdf:RDF></x:xmpmeta>`)
	var ae *PDFAError
	if _, err := Prepare(bytes.NewReader(pdfa), int64(len(pdfa)), vis(1, 50, 50, 250, 110)); !errors.As(err, &ae) || ae.Part != "2" || ae.Conformance != "B" {
		t.Fatalf("PDF/A-2b: %v", err)
	}
	attr := withXMP(t, in, `<rdf:Description pdfaid:part="1" pdfaid:conformance="A"/>`)
	if _, err := Prepare(bytes.NewReader(attr), int64(len(attr)), vis(1, 50, 50, 250, 110)); !errors.As(err, &ae) || ae.Part != "1" || ae.Conformance != "A" {
		t.Fatalf("PDF/A-1a as attributes: %v", err)
	}
	out, res := signPDF(t, pdfa, newSigner(t, p.signer, p.ca, nil), SignOptions{})
	checkSigned(t, p, pdfa, out, res, "", 1)
	plain := withXMP(t, in, `<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>referto</dc:title></rdf:Description>`)
	if _, err := Prepare(bytes.NewReader(plain), int64(len(plain)), vis(1, 50, 50, 250, 110)); err != nil {
		t.Fatalf("XMP without PDF/A: %v", err)
	}
}

// withXMP adds an XMP metadata stream to the catalog of in.
func withXMP(t *testing.T, in []byte, xmp string) []byte {
	t.Helper()
	return update(t, in, func(r *pdf.Reader, u *pdf.Update) {
		m := u.Alloc()
		u.Set(m, pdf.Raw(fmt.Sprintf("<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n%s\nendstream", len(xmp), xmp)))
		cat, _ := r.Catalog()
		cat = cat.Clone()
		cat["Metadata"] = m
		u.Set(r.Trailer["Root"].(pdf.Ref), cat)
	})
}

func TestLayoutText(t *testing.T) {
	lines := appearanceLines(&Appearance{Name: "ROSSI MARIO"}, time.Date(2026, 3, 1, 9, 5, 0, 0, time.UTC))
	if lines[2] != "il 01/03/2026 09:05:00 UTC" {
		t.Fatalf("date line %q", lines[2])
	}
	l, err := layoutText(lines, 200, 60)
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range l.encoded {
		if w := float64(helveticaWidth(enc)) * l.size / 1000; w > 200-6 {
			t.Fatalf("line %q is %.1f wide at %.1f pt", enc, w, l.size)
		}
	}
	if l.ys[2] < 0 || l.ys[0]+l.size > 60 {
		t.Fatalf("baselines %v at %.1f pt outside the box", l.ys, l.size)
	}
	if got := string(winAnsi("NICOLÒ € 😀")); got != "NICOL\xd2 \x80 ?" {
		t.Fatalf("winAnsi %q", got)
	}
}
