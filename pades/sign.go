// Package pades signs PDF documents with PAdES signatures (ETSI EN 319
// 142-1, baseline B-B and B-T) and verifies signed PDFs as EU DSS does
// (see verify.go).
//
// Signing appends one incremental update (ISO 32000-1 7.5.6) to the
// untouched input: a signature dictionary /Filter /Adobe.PPKLite
// /SubFilter /ETSI.CAdES.detached with /M, /ByteRange and /Contents; a
// signature field merged with its widget annotation, invisible on the
// first page or, on request, visible on a chosen page (appearance.go); the catalog's /AcroForm (/SigFlags 3) and the page's
// /Annots; and a cross-reference section in the form of the input's last
// one. The CMS in /Contents is firma's detached CAdES signature without a
// signing-time attribute (the time is /M), over the /ByteRange bytes.
//
// Memory does not depend on the file's size: the input is copied to the
// output once while it is hashed, the small update is laid out in memory
// with a fixed-width /ByteRange and a /Contents sized from the signer's
// certificates, key and timestamp, the digest is signed, the signature
// is written into the gap and the update appended. If the signature
// outgrows the reservation, the update is laid out again bigger and
// signed once more, without reading the input again.
package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/pdf"
	"github.com/firma-dev/firma/sign"
)

// EncryptedError reports an encrypted PDF signed without its password.
type EncryptedError struct{}

func (*EncryptedError) Error() string { return "the PDF is encrypted and no password was given" }

// CertifiedError reports a certified document whose DocMDP permissions
// forbid any change, another signature included (P=1).
type CertifiedError struct{ P int64 }

func (e *CertifiedError) Error() string {
	return fmt.Sprintf("the PDF is certified with DocMDP P=%d: its author forbade any change, signatures included", e.P)
}

// MalformedError reports a PDF the reader cannot follow; the signer
// refuses it rather than repair it.
type MalformedError struct{ Err error }

func (e *MalformedError) Error() string { return "the PDF cannot be read: " + e.Err.Error() }
func (e *MalformedError) Unwrap() error { return e.Err }

// SignOptions tune Prepare.
type SignOptions struct {
	// Password opens an encrypted PDF (user or owner password). Without
	// it an encrypted PDF is refused (*EncryptedError).
	Password []byte
	// FieldName names the new signature field; default Signature<N>,
	// the first N not in use.
	FieldName string
	// Now gives /M; time.Now when nil.
	Now func() time.Time
	// Timestamped reserves room for a signature timestamp (B-T).
	Timestamped bool
	// Reserve overrides the bytes reserved for the CMS (tests).
	Reserve int
	// Visible, when set, makes the signature visible on a page (see
	// Appearance); the default is an invisible signature.
	Visible *Appearance
	// DocTimestamp, when set, adds a document timestamp (/Type
	// /DocTimeStamp /SubFilter /ETSI.RFC3161) in a second incremental
	// update right after the signature: a TimeStampToken over that
	// update's /ByteRange, which covers the signature (PAdES B-T by
	// document timestamp, EN 319 142-1 5.4).
	DocTimestamp sign.Timestamper
}

// Plan is a PDF checked and ready to be signed: everything that can be
// refused has been, before any key is used.
type Plan struct {
	in    io.ReaderAt
	size  int64
	r     *pdf.Reader
	opts  SignOptions
	field string
	page  pdf.Ref
	// rect is the visible signature's box in user space, zero for an
	// invisible one; rotate is its page's /Rotate.
	rect   [4]float64
	rotate int
	// name is the signer's name the visible signature shows.
	name string
	// certify, 1-3, makes a certification signature with that DocMDP
	// permission (tests build certified documents with it).
	certify int64
	// docTS makes the update a document timestamp instead of a signature.
	docTS bool
	// subFilter overrides ETSI.CAdES.detached (tests build the legacy
	// adbe.pkcs7 forms with it).
	subFilter pdf.Name
}

// Prepare reads the PDF structure of in (size bytes) and checks that it
// can be signed.
func Prepare(in io.ReaderAt, size int64, opts SignOptions) (*Plan, error) {
	r, err := pdf.Open(in, size, pdf.Options{Password: opts.Password})
	if err != nil {
		var pe *pdf.PasswordError
		var np *pdf.NotPDFError
		if errors.As(err, &pe) && !pe.Given {
			return nil, &EncryptedError{}
		}
		if errors.As(err, &pe) || errors.As(err, &np) {
			return nil, err
		}
		return nil, &MalformedError{Err: err}
	}
	if r.Encrypted() && opts.Password == nil {
		return nil, &EncryptedError{}
	}
	p := &Plan{in: in, size: size, r: r, opts: opts}
	cat, err := r.Catalog()
	if err != nil {
		return nil, &MalformedError{Err: err}
	}
	if perm, err := docMDP(r, cat); err != nil {
		return nil, &MalformedError{Err: err}
	} else if perm == 1 {
		return nil, &CertifiedError{P: 1}
	}
	pages, err := r.Pages()
	if err != nil {
		return nil, &MalformedError{Err: err}
	}
	if len(pages) == 0 {
		return nil, &MalformedError{Err: errors.New("the document has no pages")}
	}
	p.page = pages[0]
	if a := opts.Visible; a != nil {
		if a.Page < 1 || a.Page > len(pages) {
			return nil, &PageError{Page: a.Page, Pages: len(pages)}
		}
		p.page = pages[a.Page-1]
		if part, conf := pdfaClaim(r, cat); part != "" {
			return nil, &PDFAError{Part: part, Conformance: conf}
		}
		pd, err := r.ResolveDict(p.page)
		if err != nil || pd == nil {
			return nil, &MalformedError{Err: fmt.Errorf("page %d cannot be read: %v", a.Page, err)}
		}
		if p.rect, p.rotate, err = checkAppearance(r, pd, a); err != nil {
			return nil, err
		}
	}
	names, err := fieldNames(r, cat)
	if err != nil {
		return nil, &MalformedError{Err: err}
	}
	p.field = opts.FieldName
	if p.field == "" {
		for i := 1; ; i++ {
			if n := fmt.Sprintf("Signature%d", i); !names[n] {
				p.field = n
				break
			}
		}
	} else if names[p.field] {
		return nil, &FieldExistsError{Name: p.field}
	}
	return p, nil
}

// FieldExistsError reports a field name already used in the document.
type FieldExistsError struct{ Name string }

func (e *FieldExistsError) Error() string {
	return fmt.Sprintf("the PDF already has a field named %q", e.Name)
}

// Encrypted reports whether the input is encrypted.
func (p *Plan) Encrypted() bool { return p.r.Encrypted() }

// Field is the new signature field's name.
func (p *Plan) Field() string { return p.field }

// docMDP returns the DocMDP permission (1-3) of a certified document, or
// 0 when it is not certified.
func docMDP(r *pdf.Reader, cat pdf.Dict) (int64, error) {
	perms, err := r.ResolveDict(cat["Perms"])
	if err != nil || perms == nil {
		return 0, err
	}
	sig, err := r.ResolveDict(perms["DocMDP"])
	if err != nil || sig == nil {
		return 0, err
	}
	return mdpP(r, sig), nil
}

// mdpP reads /Reference [<< /TransformMethod /DocMDP /TransformParams
// << /P n >> >>] of a signature dictionary: 2 when absent (12.8.2.2).
func mdpP(r *pdf.Reader, sig pdf.Dict) int64 {
	refs, _ := r.Resolve(sig["Reference"])
	arr, _ := refs.(pdf.Array)
	for _, e := range arr {
		d, _ := r.ResolveDict(e)
		if d.Name("TransformMethod") != "DocMDP" {
			continue
		}
		tp, _ := r.ResolveDict(d["TransformParams"])
		if p, ok := tp.Int("P"); ok && p >= 1 && p <= 3 {
			return p
		}
		return 2
	}
	return 0
}

// fieldNames lists the fully qualified names of the form's fields.
func fieldNames(r *pdf.Reader, cat pdf.Dict) (map[string]bool, error) {
	names := map[string]bool{}
	err := walkFields(r, cat, func(_ pdf.Dict, name string, named bool, _ pdf.Name) error {
		if named {
			names[name] = true
		}
		if len(names) > 1<<16 {
			return errors.New("too many form fields")
		}
		return nil
	})
	return names, err
}

// errStopWalk ends walkFields early, without an error.
var errStopWalk = errors.New("stop")

// walkFields calls fn for every field of the form's field tree (catalog
// /AcroForm /Fields), kids before their parent, once each (a field reached
// twice is skipped: loops end), with its fully qualified name (named
// tells whether the field has a /T of its own) and its field type,
// inherited from its parents. fn returning errStopWalk ends the walk.
func walkFields(r *pdf.Reader, cat pdf.Dict, fn func(d pdf.Dict, name string, named bool, ft pdf.Name) error) error {
	af, err := r.ResolveDict(cat["AcroForm"])
	if err != nil || af == nil {
		return err
	}
	fo, err := r.Resolve(af["Fields"])
	if err != nil {
		return err
	}
	fields, _ := fo.(pdf.Array)
	seen := map[pdf.Ref]bool{}
	var walk func(a pdf.Array, prefix string, ft pdf.Name, depth int) error
	walk = func(a pdf.Array, prefix string, ft pdf.Name, depth int) error {
		if depth > 32 {
			return errors.New("form field tree too deep")
		}
		for _, e := range a {
			if ref, ok := e.(pdf.Ref); ok {
				if seen[ref] {
					continue
				}
				seen[ref] = true
			}
			d, err := r.ResolveDict(e)
			if err != nil {
				return err
			}
			if d == nil {
				continue
			}
			name := prefix
			t, named := d["T"].(pdf.String)
			if named {
				if name != "" {
					name += "."
				}
				name += string(t.Value)
			}
			fft := ft
			if n := d.Name("FT"); n != "" {
				fft = n
			}
			if kids, _ := r.Resolve(d["Kids"]); kids != nil {
				if ka, ok := kids.(pdf.Array); ok && len(ka) > 0 {
					if err := walk(ka, name, fft, depth+1); err != nil {
						return err
					}
				}
			}
			if err := fn(d, name, named, fft); err != nil {
				return err
			}
		}
		return nil
	}
	err = walk(fields, "", "", 0)
	if err == errStopWalk {
		return nil
	}
	return err
}

// Result describes one signed PDF.
type Result struct {
	// Field is the signature field's name.
	Field string
	// ByteRange is the signature's /ByteRange.
	ByteRange [4]int64
	// Size is the input's size; Written the output's.
	Size, Written int64
	// SigningTime is /M.
	SigningTime time.Time
	// TimestampTime is the signature timestamp's time (B-T).
	TimestampTime time.Time
	// Reserved and Used are the bytes reserved for the CMS and used.
	Reserved, Used int
	// DocTimestamp describes the document timestamp, when one was asked.
	DocTimestamp *DocTimestampResult
}

// DocTimestampResult describes a document timestamp added after a
// signature.
type DocTimestampResult struct {
	Field     string
	ByteRange [4]int64
	// Time is the token's genTime.
	Time time.Time
	// Reserved and Used are the bytes reserved for the token and used.
	Reserved, Used int
}

// byteRangeWidth fits [0 b c d] for any 64-bit offsets.
const byteRangeWidth = 1 + 2 + 3*21

// reserve estimates the CMS's size: certificates, two signatures'
// worth of key, attributes and, for B-T, a timestamp token.
func (p *Plan) reserve(s *sign.Signer) int {
	if p.opts.Reserve > 0 {
		return p.opts.Reserve
	}
	n := 2048
	for _, c := range s.Certificates() {
		n += len(c)
	}
	switch k := s.Certificate().PublicKey.(type) {
	case *rsa.PublicKey:
		n += 2 * k.Size()
	case *ecdsa.PublicKey:
		n += 2 * 2 * (k.Curve.Params().BitSize + 7) / 8
	}
	if p.opts.Timestamped {
		n += 12 << 10
	}
	return (n + 1023) / 1024 * 1024
}

// Sign copies the input to out while hashing it, then signs and appends
// the update. progress, when set, is called with the bytes copied. On
// error out holds a partial output the caller must discard.
func (p *Plan) Sign(ctx context.Context, s *sign.Signer, out io.Writer, progress func(int64)) (Result, error) {
	res := Result{Field: p.field, Size: p.size}
	now := time.Now
	if p.opts.Now != nil {
		now = p.opts.Now
	}
	m := now().Truncate(time.Second)
	res.SigningTime = m
	h := s.Hash().New()
	// The input is copied once: what is hashed is what is written.
	n, err := copyHashing(ctx, io.NewSectionReader(p.in, 0, p.size), io.MultiWriter(out, h), progress)
	if err != nil {
		return res, err
	}
	if n != p.size {
		return res, &sign.ContentChangedError{}
	}
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return res, err
	}
	if a := p.opts.Visible; a != nil {
		p.name = a.Name
		if p.name == "" {
			p.name = certinfo.ParseHolder(s.Certificate()).Name()
		}
	}
	reserve := p.reserve(s)
	for attempt := 0; ; attempt++ {
		lay, gapStart, gapEnd, brAt, err := p.layout(m, reserve)
		if err != nil {
			return res, err
		}
		br := [4]int64{0, p.size + gapStart, p.size + gapEnd, int64(len(lay)) - gapEnd}
		brs := fmt.Sprintf("[0 %d %d %d]", br[1], br[2], br[3])
		copy(lay[brAt:brAt+byteRangeWidth], brs+strings.Repeat(" ", byteRangeWidth-len(brs)))
		h := s.Hash().New()
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
			return res, err
		}
		h.Write(lay[:gapStart])
		h.Write(lay[gapEnd:])
		der, sr, err := s.DetachedDigest(ctx, h.Sum(nil))
		if err != nil {
			return res, err
		}
		if len(der) > reserve {
			if attempt == 0 {
				reserve = (len(der) + 2048 + 1023) / 1024 * 1024
				continue
			}
			return res, fmt.Errorf("the signature (%d bytes) outgrew the %d bytes reserved for it", len(der), reserve)
		}
		hex.Encode(lay[gapStart+1:], der)
		k, err := out.Write(lay)
		if err != nil {
			return res, fmt.Errorf("writing signature: %w", err)
		}
		res.ByteRange = br
		res.Written = p.size + int64(k)
		res.Reserved, res.Used = reserve, len(der)
		res.TimestampTime = sr.TimestampTime
		if p.opts.DocTimestamp == nil {
			return res, nil
		}
		h = s.Hash().New()
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
			return res, err
		}
		h.Write(lay)
		dts, k2, err := p.docTimestamp(ctx, s.Hash(), h, lay, m, out)
		res.Written += k2
		if err != nil {
			return res, err
		}
		res.DocTimestamp = dts
		return res, nil
	}
}

// docTimestampReserve is the room for a TimeStampToken: the TSA's
// certificates (often a chain of two or three) and its signature.
const docTimestampReserve = 16 << 10

// docTimestamp appends a document timestamp update after the signature
// update sig (already written to out); h holds the hash of everything
// written so far. The input is not read again but for the few objects
// the new update rewrites.
func (p *Plan) docTimestamp(ctx context.Context, hf crypto.Hash, h hash.Hash, sig []byte, m time.Time, out io.Writer) (*DocTimestampResult, int64, error) {
	state, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return nil, 0, err
	}
	size := p.size + int64(len(sig))
	in := &appendedReaderAt{r: p.in, size: p.size, tail: sig}
	r, err := pdf.Open(in, size, pdf.Options{Password: p.opts.Password})
	if err != nil {
		return nil, 0, fmt.Errorf("reading the signed PDF again: %w", err)
	}
	cat, err := r.Catalog()
	if err != nil {
		return nil, 0, err
	}
	names, err := fieldNames(r, cat)
	if err != nil {
		return nil, 0, err
	}
	d := &Plan{in: in, size: size, r: r, opts: SignOptions{Password: p.opts.Password}, page: p.page, docTS: true}
	for i := 1; ; i++ {
		if n := fmt.Sprintf("Timestamp%d", i); !names[n] {
			d.field = n
			break
		}
	}
	reserve := docTimestampReserve
	for attempt := 0; ; attempt++ {
		lay, gapStart, gapEnd, brAt, err := d.layout(m, reserve)
		if err != nil {
			return nil, 0, err
		}
		br := [4]int64{0, size + gapStart, size + gapEnd, int64(len(lay)) - gapEnd}
		brs := fmt.Sprintf("[0 %d %d %d]", br[1], br[2], br[3])
		copy(lay[brAt:brAt+byteRangeWidth], brs+strings.Repeat(" ", byteRangeWidth-len(brs)))
		hh := hf.New()
		if err := hh.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
			return nil, 0, err
		}
		hh.Write(lay[:gapStart])
		hh.Write(lay[gapEnd:])
		digest := hh.Sum(nil)
		token, err := p.opts.DocTimestamp.Timestamp(ctx, digest, hf)
		if err != nil {
			return nil, 0, err
		}
		tok, err := cms.ParseTimestampToken(token)
		if err != nil {
			return nil, 0, &sign.TimestampError{Problem: sign.TSABadReply, Detail: err.Error()}
		}
		if hi, _ := cms.HashOf(tok.Info.MessageImprint.HashAlgorithm.Algorithm); hi != hf || !bytes.Equal(tok.Info.MessageImprint.HashedMessage, digest) {
			return nil, 0, &sign.TimestampError{Problem: sign.TSAMismatch, Detail: "the document timestamp's message imprint is not the digest of its /ByteRange bytes"}
		}
		if len(token) > reserve {
			if attempt == 0 {
				reserve = (len(token) + 2048 + 1023) / 1024 * 1024
				continue
			}
			return nil, 0, fmt.Errorf("the timestamp token (%d bytes) outgrew the %d bytes reserved for it", len(token), reserve)
		}
		hex.Encode(lay[gapStart+1:], token)
		k, err := out.Write(lay)
		if err != nil {
			return nil, int64(k), fmt.Errorf("writing the document timestamp: %w", err)
		}
		return &DocTimestampResult{Field: d.field, ByteRange: br, Time: tok.Info.GenTime.UTC(), Reserved: reserve, Used: len(token)}, int64(k), nil
	}
}

// appendedReaderAt reads r's first size bytes followed by tail: the
// output as written so far, without reading it back.
type appendedReaderAt struct {
	r    io.ReaderAt
	size int64
	tail []byte
}

func (a *appendedReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	if off < a.size {
		k := int64(len(b))
		if off+k > a.size {
			k = a.size - off
		}
		m, err := a.r.ReadAt(b[:k], off)
		n += m
		if int64(m) < k {
			return n, err
		}
		off += k
		b = b[k:]
	}
	if len(b) == 0 {
		return n, nil
	}
	t := off - a.size
	if t >= int64(len(a.tail)) {
		return n, io.EOF
	}
	m := copy(b, a.tail[t:])
	n += m
	if m < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// layout builds the update with a /Contents of reserve zero bytes and
// returns it with the gap (the <...> of /Contents) and the /ByteRange
// placeholder's offsets in it.
func (p *Plan) layout(m time.Time, reserve int) (lay []byte, gapStart, gapEnd, brAt int64, err error) {
	r := p.r
	u := pdf.NewUpdate(r)
	sigRef, fieldRef := u.Alloc(), u.Alloc()
	str := func(ref pdf.Ref, s string) (pdf.String, error) {
		if !r.Encrypted() {
			return pdf.String{Value: []byte(s)}, nil
		}
		v, err := r.EncryptString(ref, []byte(s))
		return pdf.String{Value: v, Hex: true}, err
	}
	mStr, err := str(sigRef, pdfDate(m))
	if err != nil {
		return nil, 0, 0, 0, err
	}
	brPlace := "[" + strings.Repeat("X", byteRangeWidth-2) + "]"
	contents := "<" + strings.Repeat("0", 2*reserve) + ">"
	sd := pdf.Dict{
		"Type":      pdf.Name("Sig"),
		"Filter":    pdf.Name("Adobe.PPKLite"),
		"SubFilter": pdf.Name("ETSI.CAdES.detached"),
		"M":         mStr,
		"ByteRange": pdf.Raw(brPlace),
		"Contents":  pdf.Raw(contents),
	}
	if p.subFilter != "" {
		sd["SubFilter"] = p.subFilter
	}
	if p.docTS {
		// The time is the token's (EN 319 142-1 5.4.3): no /M.
		sd["Type"], sd["SubFilter"] = pdf.Name("DocTimeStamp"), pdf.Name("ETSI.RFC3161")
		delete(sd, "M")
	}
	if p.certify > 0 {
		sd["Reference"] = pdf.Array{pdf.Dict{"Type": pdf.Name("SigRef"), "TransformMethod": pdf.Name("DocMDP"),
			"TransformParams": pdf.Dict{"Type": pdf.Name("TransformParams"), "P": p.certify, "V": pdf.Name("1.2")}}}
	}
	u.Set(sigRef, sd)
	tStr, err := str(fieldRef, p.field)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	widget := pdf.Dict{
		"Type":    pdf.Name("Annot"),
		"Subtype": pdf.Name("Widget"),
		"FT":      pdf.Name("Sig"),
		"T":       tStr,
		"V":       sigRef,
		"F":       int64(132), // Print, Locked
		"Rect":    pdf.Array{int64(0), int64(0), int64(0), int64(0)},
		"P":       p.page,
	}
	if a := p.opts.Visible; a != nil {
		ap, err := p.appearance(u, a, m)
		if err != nil {
			return nil, 0, 0, 0, err
		}
		rc := p.rect
		widget["Rect"] = pdf.Array{pdf.Real(rc[0]), pdf.Real(rc[1]), pdf.Real(rc[2]), pdf.Real(rc[3])}
		widget["AP"] = pdf.Dict{"N": ap}
	}
	u.Set(fieldRef, widget)
	if err := p.addToForm(u, fieldRef, sigRef); err != nil {
		return nil, 0, 0, 0, err
	}
	if err := p.addToPage(u, fieldRef); err != nil {
		return nil, 0, 0, 0, err
	}
	l, err := u.Lay()
	if err != nil {
		return nil, 0, 0, 0, err
	}
	body := l.BodyOffset(sigRef.Num)
	b := l.Bytes
	i := bytes.Index(b[body:], []byte(contents))
	j := bytes.Index(b[body:], []byte(brPlace))
	if i < 0 || j < 0 {
		return nil, 0, 0, 0, errors.New("pades: placeholder not found in the update")
	}
	gapStart = body + int64(i)
	return b, gapStart, gapStart + int64(len(contents)), body + int64(j), nil
}

// appearance adds the visible signature's appearance stream to u.
func (p *Plan) appearance(u *pdf.Update, a *Appearance, m time.Time) (pdf.Ref, error) {
	// The box as displayed: a turned page swaps its sides.
	w, h := p.rect[2]-p.rect[0], p.rect[3]-p.rect[1]
	if p.rotate == 90 || p.rotate == 270 {
		w, h = h, w
	}
	b := *a
	b.Name = p.name
	content, err := appearanceStream(appearanceLines(&b, m), w, h)
	if err != nil {
		return pdf.Ref{}, err
	}
	ref := u.Alloc()
	data, err := p.r.EncryptStream(ref, content)
	if err != nil {
		return pdf.Ref{}, err
	}
	var buf bytes.Buffer
	pdf.Append(&buf, pdf.Dict{
		"Type":      pdf.Name("XObject"),
		"Subtype":   pdf.Name("Form"),
		"BBox":      pdf.Array{int64(0), int64(0), pdf.Real(w), pdf.Real(h)},
		"Matrix":    rotationMatrix(p.rotate),
		"Resources": pdf.Dict{"Font": pdf.Dict{"F1": pdf.Dict{"Type": pdf.Name("Font"), "Subtype": pdf.Name("Type1"), "BaseFont": pdf.Name("Helvetica"), "Encoding": pdf.Name("WinAnsiEncoding")}}},
		"Length":    int64(len(data)),
	})
	buf.WriteString("\nstream\n")
	buf.Write(data)
	buf.WriteString("\nendstream")
	u.Set(ref, pdf.Raw(buf.Bytes()))
	return ref, nil
}

func (p *Plan) rewrite(u *pdf.Update, ref pdf.Ref, o pdf.Object) error {
	o, err := p.r.Rewritable(ref, o)
	if err != nil {
		return err
	}
	u.Set(ref, o)
	return nil
}

// addToForm adds the field to the catalog's /AcroForm with /SigFlags 3,
// rewriting only the objects that hold the change.
func (p *Plan) addToForm(u *pdf.Update, field, sig pdf.Ref) error {
	r := p.r
	rootRef, ok := r.Trailer["Root"].(pdf.Ref)
	if !ok {
		return &MalformedError{Err: errors.New("/Root is not a reference")}
	}
	cat, err := r.Catalog()
	if err != nil {
		return err
	}
	var af pdf.Dict
	afRef, afIsRef := cat["AcroForm"].(pdf.Ref)
	if afIsRef {
		if af, err = r.ResolveDict(afRef); err != nil {
			return err
		}
	} else {
		af, _ = cat["AcroForm"].(pdf.Dict)
	}
	if af == nil {
		af = pdf.Dict{}
		afIsRef = false
	}
	af = af.Clone()
	af["SigFlags"] = int64(3)
	switch f := af["Fields"].(type) {
	case pdf.Ref:
		o, err := r.Resolve(f)
		if err != nil {
			return err
		}
		arr, _ := o.(pdf.Array)
		if err := p.rewrite(u, f, append(append(pdf.Array{}, arr...), field)); err != nil {
			return err
		}
	case pdf.Array:
		af["Fields"] = append(append(pdf.Array{}, f...), field)
	default:
		af["Fields"] = pdf.Array{field}
	}
	cat = cat.Clone()
	if afIsRef {
		if err := p.rewrite(u, afRef, af); err != nil {
			return err
		}
		if p.certify == 0 {
			return nil
		}
	} else {
		cat["AcroForm"] = af
	}
	if p.certify > 0 {
		cat["Perms"] = pdf.Dict{"DocMDP": sig}
	}
	return p.rewrite(u, rootRef, cat)
}

// addToPage adds the widget to the page's /Annots.
func (p *Plan) addToPage(u *pdf.Update, field pdf.Ref) error {
	r := p.r
	page, err := r.ResolveDict(p.page)
	if err != nil {
		return err
	}
	if ref, ok := page["Annots"].(pdf.Ref); ok {
		o, err := r.Resolve(ref)
		if err != nil {
			return err
		}
		arr, _ := o.(pdf.Array)
		return p.rewrite(u, ref, append(append(pdf.Array{}, arr...), field))
	}
	page = page.Clone()
	arr, _ := page["Annots"].(pdf.Array)
	page["Annots"] = append(append(pdf.Array{}, arr...), field)
	return p.rewrite(u, p.page, page)
}

// pdfDate formats t as a PDF date (7.9.4) in UTC.
func pdfDate(t time.Time) string {
	return t.UTC().Format("D:20060102150405") + "+00'00'"
}

// copyHashing copies r to w in 1 MiB chunks, checking ctx between them.
func copyHashing(ctx context.Context, r io.Reader, w io.Writer, progress func(int64)) (int64, error) {
	buf := make([]byte, 1<<20)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		k, rerr := io.ReadFull(r, buf)
		if k > 0 {
			if _, err := w.Write(buf[:k]); err != nil {
				return n, fmt.Errorf("writing signature: %w", err)
			}
			n += int64(k)
			if progress != nil {
				progress(int64(k))
			}
		}
		if rerr == io.EOF || rerr == io.ErrUnexpectedEOF {
			return n, nil
		}
		if rerr != nil {
			return n, &sign.InputError{Err: rerr}
		}
	}
}
