package pades

// Visible signatures: the widget gets a normal appearance (ISO 32000-1
// 12.5.5), a form XObject that draws a frame and three lines: "Firmato
// digitalmente da", the signer's name and the date. The text uses the
// standard Helvetica font with WinAnsiEncoding (9.6.2.2), which every
// viewer has, so nothing is embedded: the appearance stays a few hundred
// bytes. A PDF/A file forbids fonts that are not embedded (ISO 19005-1
// 6.3.4, -2 and -3 6.2.11.4), so a visible signature on a file that
// claims PDF/A is refused (PDFAError) rather than silently breaking its
// conformance; an invisible signature keeps it.

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/firma-dev/firma/internal/pdf"
)

// Appearance asks for a visible signature.
type Appearance struct {
	// Page is the page (from 1) that shows the signature.
	Page int
	// Rect is the box in default user space units (1/72 inch) from the
	// page's lower left corner: x1, y1, x2, y2.
	Rect [4]float64
	// Name is the signer's name, shown on the second line.
	Name string
	// Location formats the date; UTC when nil.
	Location *time.Location
}

// PageError reports a visible signature on a page the document lacks.
type PageError struct{ Page, Pages int }

func (e *PageError) Error() string {
	return fmt.Sprintf("page %d does not exist: the document has %d pages", e.Page, e.Pages)
}

// RectError reports a signature box that is empty, too small for its
// text, or outside the page.
type RectError struct {
	Rect     [4]float64
	MediaBox [4]float64
	// Reason is "empty", "too_small" or "outside_page".
	Reason string
}

func (e *RectError) Error() string {
	switch e.Reason {
	case "outside_page":
		return fmt.Sprintf("the signature box %v is outside the page %v", e.Rect, e.MediaBox)
	case "too_small":
		return fmt.Sprintf("the signature box %v is too small for its three lines of text", e.Rect)
	}
	return fmt.Sprintf("the signature box %v is empty (want x1 < x2 and y1 < y2)", e.Rect)
}

// PDFAError reports a visible signature asked on a file that claims
// PDF/A conformance: the appearance would use a font that is not
// embedded, which PDF/A forbids.
type PDFAError struct{ Part, Conformance string }

func (e *PDFAError) Error() string {
	return fmt.Sprintf("the PDF claims PDF/A-%s%s conformance, which a visible signature with a font that is not embedded would break", e.Part, strings.ToLower(e.Conformance))
}

// minFontSize is the smallest text the appearance draws: below it the
// box is refused rather than made unreadable.
const minFontSize = 4

// pdfaRE finds pdfaid:part and pdfaid:conformance in XMP, as attributes
// or as elements.
var (
	pdfaPartRE = regexp.MustCompile(`pdfaid:part\s*(?:=\s*["']|>)\s*([0-9]+)`)
	pdfaConfRE = regexp.MustCompile(`pdfaid:conformance\s*(?:=\s*["']|>)\s*([A-Za-z])`)
)

// pdfaClaim returns the PDF/A part and conformance the catalog's XMP
// metadata claims, or "" when it claims none.
func pdfaClaim(r *pdf.Reader, cat pdf.Dict) (part, conf string) {
	o, err := r.Resolve(cat["Metadata"])
	s, ok := o.(*pdf.Stream)
	if err != nil || !ok {
		return "", ""
	}
	data, err := r.StreamData(s)
	if err != nil {
		return "", ""
	}
	if m := pdfaPartRE.FindSubmatch(data); m != nil {
		part = string(m[1])
		if c := pdfaConfRE.FindSubmatch(data); c != nil {
			conf = string(c[1])
		}
	}
	return part, conf
}

// inherited reads a page attribute that may sit on an ancestor in the
// page tree (MediaBox, Rotate: 7.7.3.4).
func inherited(r *pdf.Reader, page pdf.Dict, key pdf.Name) pdf.Object {
	d := page
	for i := 0; i < 32 && d != nil; i++ {
		if v, ok := d[key]; ok {
			o, _ := r.Resolve(v)
			return o
		}
		d, _ = r.ResolveDict(d["Parent"])
	}
	return nil
}

func numbers(o pdf.Object) ([4]float64, bool) {
	var out [4]float64
	a, ok := o.(pdf.Array)
	if !ok || len(a) != 4 {
		return out, false
	}
	for i, e := range a {
		switch v := e.(type) {
		case int64:
			out[i] = float64(v)
		case pdf.Real:
			out[i] = float64(v)
		default:
			return out, false
		}
	}
	return out, true
}

// checkAppearance checks the visible signature asked in a against page
// (a dictionary) and returns its box in the page's default user space
// and the page's rotation. a.Rect is measured as the page is displayed:
// from the lower left corner of its crop box, after /Rotate, so that a
// box drawn on a landscape page is where the user saw it.
func checkAppearance(r *pdf.Reader, page pdf.Dict, a *Appearance) ([4]float64, int, error) {
	rect := a.Rect
	if rect[0] >= rect[2] || rect[1] >= rect[3] {
		return rect, 0, &RectError{Rect: rect, Reason: "empty"}
	}
	box, ok := numbers(inherited(r, page, "CropBox"))
	if !ok {
		if box, ok = numbers(inherited(r, page, "MediaBox")); !ok {
			box = [4]float64{0, 0, 612, 792} // US Letter, the default of old writers
		}
	}
	x0, y0 := min(box[0], box[2]), min(box[1], box[3])
	pw, ph := max(box[0], box[2])-x0, max(box[1], box[3])-y0
	rot := 0
	if v, ok := inherited(r, page, "Rotate").(int64); ok && v%90 == 0 {
		rot = int((v%360 + 360) % 360)
	}
	dw, dh := pw, ph // the page as displayed
	if rot == 90 || rot == 270 {
		dw, dh = ph, pw
	}
	if rect[0] < 0 || rect[1] < 0 || rect[2] > dw || rect[3] > dh {
		return rect, rot, &RectError{Rect: rect, MediaBox: [4]float64{0, 0, dw, dh}, Reason: "outside_page"}
	}
	w, h := rect[2]-rect[0], rect[3]-rect[1]
	if _, err := layoutText(appearanceLines(a, time.Time{}), w, h); err != nil {
		return rect, rot, &RectError{Rect: rect, Reason: "too_small"}
	}
	// A displayed point (dx, dy) in user space, for each rotation (the
	// page turns clockwise by /Rotate when displayed).
	user := func(dx, dy float64) (float64, float64) {
		switch rot {
		case 90:
			return x0 + pw - dy, y0 + dx
		case 180:
			return x0 + pw - dx, y0 + ph - dy
		case 270:
			return x0 + dy, y0 + ph - dx
		}
		return x0 + dx, y0 + dy
	}
	ax, ay := user(rect[0], rect[1])
	bx, by := user(rect[2], rect[3])
	return [4]float64{min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)}, rot, nil
}

// rotationMatrix turns the appearance against the page's /Rotate, so
// that its text reads upright on the displayed page (the form's /Matrix,
// ISO 32000-1 12.5.5 and 8.10.1).
func rotationMatrix(rot int) pdf.Array {
	m := map[int][4]int64{0: {1, 0, 0, 1}, 90: {0, 1, -1, 0}, 180: {-1, 0, 0, -1}, 270: {0, -1, 1, 0}}[rot]
	return pdf.Array{m[0], m[1], m[2], m[3], int64(0), int64(0)}
}

// appearanceLines are the three lines the box shows.
func appearanceLines(a *Appearance, m time.Time) []string {
	loc := a.Location
	if loc == nil {
		loc = time.UTC
	}
	date := m.In(loc).Format("02/01/2006 15:04:05 MST")
	if loc == time.UTC {
		date = m.UTC().Format("02/01/2006 15:04:05") + " UTC"
	}
	name := a.Name
	if name == "" {
		name = "-"
	}
	return []string{"Firmato digitalmente da", name, "il " + date}
}

// textLayout is the font size and the baseline of each line.
type textLayout struct {
	size    float64
	x       float64
	ys      []float64
	encoded [][]byte
}

// layoutText chooses the largest font size (at most 12 points) at which
// every line fits the w x h box with a margin.
func layoutText(lines []string, w, h float64) (textLayout, error) {
	const pad, leading, maxSize = 3.0, 1.2, 12.0
	l := textLayout{size: maxSize, x: pad}
	for _, s := range lines {
		enc := winAnsi(s)
		l.encoded = append(l.encoded, enc)
		if wd := helveticaWidth(enc); wd > 0 {
			l.size = min(l.size, (w-2*pad)*1000/float64(wd))
		}
	}
	l.size = min(l.size, (h-2*pad)/(leading*float64(len(lines))))
	if l.size < minFontSize {
		return l, fmt.Errorf("text would be %.1f points", l.size)
	}
	l.size = float64(int(l.size*10)) / 10
	// Centre the block vertically; the first baseline sits one ascent
	// (about 0.8 em) below the block's top.
	block := leading * l.size * float64(len(lines))
	top := h - (h-block)/2
	for i := range lines {
		l.ys = append(l.ys, top-0.8*l.size-float64(i)*leading*l.size)
	}
	return l, nil
}

// appearanceStream is the content of the appearance form XObject for a
// w x h box.
func appearanceStream(lines []string, w, h float64) ([]byte, error) {
	l, err := layoutText(lines, w, h)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	fmt.Fprintf(&b, "q\n0.96 0.97 1 rg 0 0 %s %s re f\n0.1 0.2 0.5 RG 1 w 0.5 0.5 %s %s re S\n", f(w), f(h), f(w-1), f(h-1))
	fmt.Fprintf(&b, "BT\n0 0 0 rg\n/F1 %s Tf\n", f(l.size))
	for i, enc := range l.encoded {
		fmt.Fprintf(&b, "1 0 0 1 %s %s Tm\n", f(l.x), f(float64(int(l.ys[i]*100))/100))
		var s bytes.Buffer
		pdf.Append(&s, pdf.String{Value: enc})
		b.Write(s.Bytes())
		b.WriteString(" Tj\n")
	}
	b.WriteString("ET\nQ\n")
	return b.Bytes(), nil
}

// winAnsi encodes s in WinAnsiEncoding (ISO 32000-1 D.2): Latin-1 and
// the usual typographic marks; anything else becomes '?'.
func winAnsi(s string) []byte {
	special := map[rune]byte{'€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '–': 0x96, '—': 0x97, 'Œ': 0x8c, 'œ': 0x9c, 'Š': 0x8a, 'š': 0x9a, 'Ž': 0x8e, 'ž': 0x9e, 'Ÿ': 0x9f}
	var out []byte
	for _, r := range s {
		switch {
		case r >= 0x20 && r < 0x7f, r >= 0xa1 && r <= 0xff:
			out = append(out, byte(r))
		case r == 0xa0:
			out = append(out, ' ')
		default:
			if c, ok := special[r]; ok {
				out = append(out, c)
			} else {
				out = append(out, '?')
			}
		}
	}
	return out
}

// helvetica are the Helvetica advance widths (Adobe's AFM, 1/1000 em)
// of the printable ASCII characters, from the space.
var helvetica = [95]int{
	278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space to /
	556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0-9
	278, 278, 584, 584, 584, 556, 1015, // : to @
	667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // A-M
	722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // N-Z
	278, 278, 278, 469, 556, 333, // [ to `
	556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // a-m
	556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // n-z
	334, 260, 334, 584, // { to ~
}

// helveticaWidth is the width of WinAnsi text in 1/1000 em. Accented
// letters take their base letter's width; other characters above ASCII
// count as the widest capital's, so text never overflows its box.
func helveticaWidth(enc []byte) int {
	w := 0
	for _, c := range enc {
		if c >= 0x20 && c < 0x7f {
			w += helvetica[c-0x20]
			continue
		}
		if b, ok := latin1Base(c); ok {
			w += helvetica[b-0x20]
			continue
		}
		w += 1000
	}
	return w
}

// latin1Base maps an accented Latin-1 letter to its unaccented ASCII
// letter.
func latin1Base(c byte) (byte, bool) {
	const upper = "AAAAAAECEEEEIIIIDNOOOOOxOUUUUYPs" // 0xC0-0xDF
	const lower = "aaaaaaeceeeeiiiidnooooo/ouuuuypy" // 0xE0-0xFF
	switch {
	case c >= 0xc0 && c <= 0xdf:
		if c == 0xc6 { // Æ
			return 0, false
		}
		return upper[c-0xc0], true
	case c >= 0xe0:
		if c == 0xe6 { // æ
			return 0, false
		}
		return lower[c-0xe0], true
	}
	return 0, false
}
