package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Options tune Open.
type Options struct {
	// Password is the user (or owner) password of an encrypted file;
	// an empty one is tried when it is nil.
	Password []byte
	Limits   Limits
}

// Section is one cross-reference section of the /Prev chain.
type Section struct {
	// Offset is where the section starts (its startxref or /Prev value).
	Offset int64
	// Stream is true for a cross-reference stream, false for a table.
	Stream bool
	// XRefStm is the offset of a hybrid file's companion stream, or 0.
	XRefStm int64
	// Trailer is the section's trailer dictionary (the stream's
	// dictionary for a cross-reference stream).
	Trailer Dict
	// Ref is the cross-reference stream's own object, for a stream.
	Ref Ref
}

type entry struct {
	kind byte // 0 free, 1 in use at off, 2 in object stream stm at index idx
	off  int64
	gen  int
	stm  int
	idx  int
}

// Reader reads a PDF file lazily.
type Reader struct {
	r    io.ReaderAt
	size int64
	lim  Limits
	// Version is the header's version ("1.7").
	Version string
	// StartXref is the offset the last startxref points to.
	StartXref int64
	// Sections are the cross-reference sections, newest first.
	Sections []Section
	// Trailer is the newest section's trailer.
	Trailer Dict
	xref    map[int]entry
	crypt   *crypt
	objstm  map[int]*objStream
}

type objStream struct {
	data []byte
	offs map[int]int // index -> offset within data
	nums []int
	ioff []int
}

// NotPDFError reports a file that does not start like a PDF.
type NotPDFError struct{}

func (*NotPDFError) Error() string { return "not a PDF file (no %PDF- header)" }

// Open reads the header, the startxref and the chain of cross-reference
// sections of a file of size bytes. It reads nothing else.
func Open(r io.ReaderAt, size int64, opts Options) (*Reader, error) {
	rd := &Reader{r: r, size: size, lim: opts.Limits.withDefaults(), xref: map[int]entry{}, objstm: map[int]*objStream{}}
	head := make([]byte, 1024)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	i := bytes.Index(head, []byte("%PDF-"))
	if i < 0 {
		return nil, &NotPDFError{}
	}
	v := head[i+5:]
	j := 0
	for j < len(v) && j < 4 && (v[j] == '.' || (v[j] >= '0' && v[j] <= '9')) {
		j++
	}
	rd.Version = string(v[:j])
	sx, err := rd.findStartXref()
	if err != nil {
		return nil, err
	}
	rd.StartXref = sx
	if err := rd.readChain(sx); err != nil {
		return nil, err
	}
	rd.Trailer = rd.Sections[0].Trailer
	if enc, ok := rd.Trailer["Encrypt"]; ok && enc != nil {
		c, err := rd.newCrypt(enc, opts.Password)
		if err != nil {
			return nil, err
		}
		rd.crypt = c
	}
	return rd, nil
}

// Size is the file's size.
func (r *Reader) Size() int64 { return r.size }

// Encrypted reports whether the file uses a security handler.
func (r *Reader) Encrypted() bool { return r.crypt != nil }

func (r *Reader) findStartXref() (int64, error) {
	n := int64(2048)
	if r.size < n {
		n = r.size
	}
	tail := make([]byte, n)
	k, err := r.r.ReadAt(tail, r.size-n)
	if k < int(n) {
		return 0, fmt.Errorf("reading the end of the file: %w", err)
	}
	i := bytes.LastIndex(tail, []byte("startxref"))
	if i < 0 {
		return 0, &SyntaxError{Offset: r.size, Msg: "no startxref at the end of the file"}
	}
	l := newLexer(bytes.NewReader(tail), n, int64(i+len("startxref")), r.lim)
	t, err := l.token()
	if err != nil || t.kind != tInt {
		return 0, &SyntaxError{Offset: r.size - n + int64(i), Msg: "startxref without an offset"}
	}
	if t.i <= 0 || t.i >= r.size {
		return 0, &SyntaxError{Offset: r.size - n + int64(i), Msg: fmt.Sprintf("startxref %d outside the file", t.i)}
	}
	return t.i, nil
}

// readChain follows /Prev from off, refusing loops and offsets outside
// the file, and merges the entries (newest wins).
func (r *Reader) readChain(off int64) error {
	seen := map[int64]bool{}
	for off != 0 {
		if off < 0 || off >= r.size {
			return &SyntaxError{Offset: off, Msg: "cross-reference offset outside the file"}
		}
		if seen[off] {
			return &SyntaxError{Offset: off, Msg: "/Prev loop in the cross-reference chain"}
		}
		seen[off] = true
		if len(r.Sections) >= r.lim.Sections {
			return &LimitError{Offset: off, What: "number of cross-reference sections"}
		}
		sec, err := r.readSection(off, true)
		if err != nil {
			return err
		}
		r.Sections = append(r.Sections, sec)
		prev, ok := sec.Trailer["Prev"]
		if !ok {
			break
		}
		p, ok := prev.(int64)
		if !ok {
			return &SyntaxError{Offset: off, Msg: "/Prev is not an integer"}
		}
		off = p
		if off == 0 {
			return &SyntaxError{Offset: sec.Offset, Msg: "/Prev 0"}
		}
	}
	return nil
}

func (r *Reader) readSection(off int64, top bool) (Section, error) {
	l := newLexer(r.r, r.size, off, r.lim)
	t, err := l.token()
	if err != nil {
		return Section{}, err
	}
	if t.kind == tKeyword && t.s == "xref" {
		sec, err := r.readTable(l, off)
		if err != nil {
			return sec, err
		}
		if top {
			if x, ok := sec.Trailer["XRefStm"]; ok {
				xo, ok := x.(int64)
				if !ok || xo <= 0 || xo >= r.size {
					return sec, &SyntaxError{Offset: off, Msg: "bad /XRefStm"}
				}
				sec.XRefStm = xo
				if _, err := r.readSection(xo, false); err != nil {
					return sec, err
				}
			}
		}
		return sec, nil
	}
	if t.kind == tInt {
		return r.readXRefStream(off)
	}
	return Section{}, &SyntaxError{Offset: off, Msg: "no cross-reference section here"}
}

func (r *Reader) set(num int, e entry) {
	if _, ok := r.xref[num]; !ok {
		r.xref[num] = e
	}
}

func (r *Reader) readTable(l *lexer, off int64) (Section, error) {
	sec := Section{Offset: off}
	for {
		t, err := l.token()
		if err != nil {
			return sec, err
		}
		if t.kind == tKeyword && t.s == "trailer" {
			break
		}
		t2, err := l.token()
		if err != nil {
			return sec, err
		}
		if t.kind != tInt || t2.kind != tInt || t.i < 0 || t2.i < 0 || t.i+t2.i > 1<<24 {
			return sec, &SyntaxError{Offset: t.at, Msg: "bad cross-reference subsection header"}
		}
		for k := int64(0); k < t2.i; k++ {
			a, err1 := l.token()
			b, err2 := l.token()
			c, err3 := l.token()
			if err := errors.Join(err1, err2, err3); err != nil {
				return sec, err
			}
			if a.kind != tInt || b.kind != tInt || c.kind != tKeyword || (c.s != "n" && c.s != "f") {
				return sec, &SyntaxError{Offset: a.at, Msg: "bad cross-reference entry"}
			}
			num := int(t.i + k)
			if c.s == "n" {
				r.set(num, entry{kind: 1, off: a.i, gen: int(b.i)})
			} else {
				r.set(num, entry{kind: 0, gen: int(b.i)})
			}
		}
	}
	o, _, err := l.object(0)
	if err != nil {
		return sec, err
	}
	d, ok := o.(Dict)
	if !ok {
		return sec, &SyntaxError{Offset: off, Msg: "trailer is not a dictionary"}
	}
	sec.Trailer = d
	return sec, nil
}

func (r *Reader) readXRefStream(off int64) (Section, error) {
	sec := Section{Offset: off, Stream: true}
	ref, o, err := r.objectAt(off, nil, false)
	if err != nil {
		return sec, err
	}
	s, ok := o.(*Stream)
	if !ok || s.Dict.Name("Type") != "XRef" {
		return sec, &SyntaxError{Offset: off, Msg: "not a cross-reference stream"}
	}
	sec.Ref = ref
	sec.Trailer = s.Dict
	data, err := r.streamData(s, false)
	if err != nil {
		return sec, err
	}
	wa, ok := s.Dict["W"].(Array)
	if !ok || len(wa) != 3 {
		return sec, &SyntaxError{Offset: off, Msg: "bad /W"}
	}
	var w [3]int
	for i, e := range wa {
		v, ok := e.(int64)
		if !ok || v < 0 || v > 8 {
			return sec, &SyntaxError{Offset: off, Msg: "bad /W"}
		}
		w[i] = int(v)
	}
	size, _ := s.Dict.Int("Size")
	idx := Array{int64(0), size}
	if a, ok := s.Dict["Index"].(Array); ok {
		idx = a
	}
	if len(idx)%2 != 0 {
		return sec, &SyntaxError{Offset: off, Msg: "bad /Index"}
	}
	rowLen := w[0] + w[1] + w[2]
	if rowLen == 0 {
		return sec, &SyntaxError{Offset: off, Msg: "bad /W"}
	}
	field := func(b []byte) int64 {
		var v int64
		for _, c := range b {
			v = v<<8 | int64(c)
		}
		return v
	}
	for i := 0; i < len(idx); i += 2 {
		start, ok1 := idx[i].(int64)
		count, ok2 := idx[i+1].(int64)
		if !ok1 || !ok2 || start < 0 || count < 0 || start+count > 1<<24 {
			return sec, &SyntaxError{Offset: off, Msg: "bad /Index"}
		}
		for k := int64(0); k < count; k++ {
			if len(data) < rowLen {
				return sec, &SyntaxError{Offset: off, Msg: "cross-reference stream shorter than its /Index"}
			}
			row := data[:rowLen]
			data = data[rowLen:]
			typ := int64(1)
			if w[0] > 0 {
				typ = field(row[:w[0]])
			}
			f2, f3 := field(row[w[0]:w[0]+w[1]]), field(row[w[0]+w[1]:])
			num := int(start + k)
			switch typ {
			case 0:
				r.set(num, entry{kind: 0, gen: int(f3)})
			case 1:
				r.set(num, entry{kind: 1, off: f2, gen: int(f3)})
			case 2:
				r.set(num, entry{kind: 2, stm: int(f2), idx: int(f3)})
			default:
				// Unknown types are null references (7.5.8.3).
			}
		}
	}
	return sec, nil
}

// Has reports whether object num is in use.
func (r *Reader) Has(num int) bool { e, ok := r.xref[num]; return ok && e.kind != 0 }

// MaxNum is the highest object number the cross-reference knows.
func (r *Reader) MaxNum() int {
	m := 0
	for n := range r.xref {
		if n > m {
			m = n
		}
	}
	return m
}

// Offset is the file offset of object num when it is stored directly.
func (r *Reader) Offset(num int) (int64, bool) {
	e, ok := r.xref[num]
	return e.off, ok && e.kind == 1
}

// Get reads the object ref points to; a missing or free object is null.
func (r *Reader) Get(ref Ref) (Object, error) {
	e, ok := r.xref[ref.Num]
	if !ok || e.kind == 0 {
		return nil, nil
	}
	if e.kind == 2 {
		return r.fromObjStm(ref.Num, e)
	}
	if e.gen != ref.Gen {
		return nil, nil
	}
	_, o, err := r.objectAt(e.off, &ref, true)
	return o, err
}

// Resolve follows references until o is a direct object.
func (r *Reader) Resolve(o Object) (Object, error) {
	for i := 0; i < 32; i++ {
		ref, ok := o.(Ref)
		if !ok {
			return o, nil
		}
		var err error
		if o, err = r.Get(ref); err != nil {
			return nil, err
		}
	}
	return nil, &SyntaxError{Msg: "reference chain too long"}
}

// ResolveDict resolves o and returns it as a dictionary (a stream's
// dictionary for a stream), or nil.
func (r *Reader) ResolveDict(o Object) (Dict, error) {
	o, err := r.Resolve(o)
	if err != nil {
		return nil, err
	}
	switch v := o.(type) {
	case Dict:
		return v, nil
	case *Stream:
		return v.Dict, nil
	}
	return nil, nil
}

// objectAt parses "n g obj ... endobj" at off. With want set, the header
// must name that object. decrypt applies the security handler.
func (r *Reader) objectAt(off int64, want *Ref, decrypt bool) (Ref, Object, error) {
	if off < 0 || off >= r.size {
		return Ref{}, nil, &SyntaxError{Offset: off, Msg: "object offset outside the file"}
	}
	l := newLexer(r.r, r.size, off, r.lim)
	a, err1 := l.token()
	b, err2 := l.token()
	c, err3 := l.token()
	if err := errors.Join(err1, err2, err3); err != nil {
		return Ref{}, nil, err
	}
	if a.kind != tInt || b.kind != tInt || c.kind != tKeyword || c.s != "obj" || a.i < 0 || a.i > 1<<31 || b.i < 0 || b.i > 65535 {
		return Ref{}, nil, &SyntaxError{Offset: off, Msg: "no object header here"}
	}
	ref := Ref{Num: int(a.i), Gen: int(b.i)}
	if want != nil && *want != ref {
		return ref, nil, &SyntaxError{Offset: off, Msg: fmt.Sprintf("object %v found where the cross-reference puts %v", ref, *want)}
	}
	if decrypt && r.crypt != nil {
		l.dec = r.crypt.stringDecrypter(ref)
	}
	o, t, err := l.object(0)
	if err != nil {
		return ref, nil, err
	}
	if d, ok := o.(Dict); ok && r.crypt != nil {
		keepContentsClear(d)
	}
	if err := undecrypted(o); err != nil {
		return ref, nil, err
	}
	t, err = l.token()
	if err != nil {
		return ref, nil, err
	}
	if t.kind == tKeyword && t.s == "stream" {
		d, ok := o.(Dict)
		if !ok {
			return ref, nil, &SyntaxError{Offset: t.at, Msg: "stream without a dictionary"}
		}
		// The keyword is followed by CRLF or LF (7.3.8.1); a lone CR is tolerated.
		if c, _ := l.peek(); c == '\r' {
			l.pos++
		}
		if c, _ := l.peek(); c == '\n' {
			l.pos++
		}
		s := &Stream{Dict: d, Offset: l.pos, Ref: ref}
		lo, err := r.lengthOf(d, ref)
		if err != nil {
			return ref, nil, err
		}
		if lo < 0 || s.Offset+lo > r.size {
			return ref, nil, &SyntaxError{Offset: off, Msg: "stream /Length runs past the end of the file"}
		}
		s.Length = lo
		return ref, s, nil
	}
	return ref, o, nil
}

// keepContentsClear restores the /Contents of a signature dictionary,
// which the security handler leaves unencrypted (7.6.2).
func keepContentsClear(d Dict) {
	if _, ok := d["ByteRange"]; !ok {
		return
	}
	if s, ok := d["Contents"].(String); ok && s.Hex {
		v := make([]byte, 0, len(s.Raw)/2)
		var hi byte
		half := false
		for _, c := range s.Raw {
			x, ok := unhex(c)
			if !ok {
				continue
			}
			if half {
				v = append(v, hi<<4|x)
			} else {
				hi = x
			}
			half = !half
		}
		if half {
			v = append(v, hi<<4)
		}
		s.Value = v
		s.undecrypted = nil
		d["Contents"] = s
	}
}

// undecrypted returns the first decryption failure left in o.
func undecrypted(o Object) error {
	switch v := o.(type) {
	case String:
		return v.undecrypted
	case Array:
		for _, e := range v {
			if err := undecrypted(e); err != nil {
				return err
			}
		}
	case Dict:
		for _, e := range v {
			if err := undecrypted(e); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Reader) lengthOf(d Dict, self Ref) (int64, error) {
	switch v := d["Length"].(type) {
	case int64:
		return v, nil
	case Ref:
		if v == self {
			return 0, &SyntaxError{Msg: "stream /Length refers to itself"}
		}
		e, ok := r.xref[v.Num]
		if !ok || e.kind != 1 {
			return 0, &SyntaxError{Msg: "stream /Length not found"}
		}
		_, o, err := r.objectAt(e.off, &v, false)
		if err != nil {
			return 0, err
		}
		if i, ok := o.(int64); ok {
			return i, nil
		}
	}
	return 0, &SyntaxError{Msg: "stream without a valid /Length"}
}

// StreamData reads and decodes a stream's data (bounded by the limits).
func (r *Reader) StreamData(s *Stream) ([]byte, error) { return r.streamData(s, r.crypt != nil) }

func (r *Reader) streamData(s *Stream, decrypt bool) ([]byte, error) {
	if s.Length > r.lim.Decoded {
		return nil, &LimitError{Offset: s.Offset, What: "stream length"}
	}
	data := make([]byte, s.Length)
	if n, err := r.r.ReadAt(data, s.Offset); int64(n) < s.Length {
		return nil, fmt.Errorf("reading stream at offset %d: %w", s.Offset, err)
	}
	if decrypt && s.Dict.Name("Type") != "XRef" {
		var err error
		if data, err = r.crypt.decryptStream(s.Ref, data); err != nil {
			return nil, &FilterError{Offset: s.Offset, Msg: "cannot decrypt: " + err.Error()}
		}
	}
	return decode(s, data, r.lim.Decoded)
}

func (r *Reader) fromObjStm(num int, e entry) (Object, error) {
	os, ok := r.objstm[e.stm]
	if !ok {
		se, ok := r.xref[e.stm]
		if !ok || se.kind != 1 {
			return nil, &SyntaxError{Msg: fmt.Sprintf("object stream %d not found", e.stm)}
		}
		sref := Ref{Num: e.stm, Gen: se.gen}
		_, o, err := r.objectAt(se.off, &sref, true)
		if err != nil {
			return nil, err
		}
		s, ok := o.(*Stream)
		if !ok || s.Dict.Name("Type") != "ObjStm" {
			return nil, &SyntaxError{Offset: se.off, Msg: "not an object stream"}
		}
		data, err := r.StreamData(s)
		if err != nil {
			return nil, err
		}
		n, _ := s.Dict.Int("N")
		first, _ := s.Dict.Int("First")
		if n < 0 || first < 0 || first > int64(len(data)) || n > int64(len(data)) {
			return nil, &SyntaxError{Offset: se.off, Msg: "bad object stream /N or /First"}
		}
		os = &objStream{data: data}
		hl := newLexer(bytes.NewReader(data[:first]), first, 0, r.lim)
		for k := int64(0); k < n; k++ {
			a, err1 := hl.token()
			b, err2 := hl.token()
			if err1 != nil || err2 != nil || a.kind != tInt || b.kind != tInt || b.i < 0 || first+b.i > int64(len(data)) {
				return nil, &SyntaxError{Offset: se.off, Msg: "bad object stream header"}
			}
			os.nums = append(os.nums, int(a.i))
			os.ioff = append(os.ioff, int(first+b.i))
		}
		if len(r.objstm) > 8 {
			clear(r.objstm)
		}
		r.objstm[e.stm] = os
	}
	if e.idx < 0 || e.idx >= len(os.nums) || os.nums[e.idx] != num {
		return nil, &SyntaxError{Msg: fmt.Sprintf("object %d not at its index in object stream %d", num, e.stm)}
	}
	l := newLexer(bytes.NewReader(os.data), int64(len(os.data)), int64(os.ioff[e.idx]), r.lim)
	o, _, err := l.object(0)
	if err != nil {
		return nil, err
	}
	return noOffsets(o), nil
}

// noOffsets marks strings read from an object stream as having no file
// offsets.
func noOffsets(o Object) Object {
	switch v := o.(type) {
	case String:
		v.Start, v.End = -1, -1
		return v
	case Array:
		for i := range v {
			v[i] = noOffsets(v[i])
		}
	case Dict:
		for k := range v {
			v[k] = noOffsets(v[k])
		}
	}
	return o
}

// Catalog is the document catalog (/Root).
func (r *Reader) Catalog() (Dict, error) {
	d, err := r.ResolveDict(r.Trailer["Root"])
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, &SyntaxError{Msg: "no document catalog"}
	}
	return d, nil
}

// Pages returns the page objects in order, walking the page tree with a
// guard against loops and depth.
func (r *Reader) Pages() ([]Ref, error) {
	cat, err := r.Catalog()
	if err != nil {
		return nil, err
	}
	root, ok := cat["Pages"].(Ref)
	if !ok {
		return nil, &SyntaxError{Msg: "catalog without /Pages"}
	}
	var out []Ref
	seen := map[Ref]bool{}
	var walk func(ref Ref, depth int) error
	walk = func(ref Ref, depth int) error {
		if seen[ref] || depth > 64 {
			return &SyntaxError{Msg: "loop in the page tree"}
		}
		seen[ref] = true
		d, err := r.ResolveDict(ref)
		if err != nil {
			return err
		}
		if d == nil {
			return &SyntaxError{Msg: fmt.Sprintf("page tree node %v missing", ref)}
		}
		switch d.Name("Type") {
		case "Pages":
			kids, err := r.Resolve(d["Kids"])
			if err != nil {
				return err
			}
			ka, _ := kids.(Array)
			for _, k := range ka {
				kr, ok := k.(Ref)
				if !ok {
					return &SyntaxError{Msg: "page tree kid is not a reference"}
				}
				if err := walk(kr, depth+1); err != nil {
					return err
				}
				if len(out) > 1<<20 {
					return &LimitError{What: "page count"}
				}
			}
		default:
			out = append(out, ref)
		}
		return nil
	}
	return out, walk(root, 0)
}

// Revisions returns the end offset of every revision: each "%%EOF" with
// the end-of-line that follows it (CR, LF or CRLF). It reads the whole
// file once, through a small buffer.
func Revisions(r io.ReaderAt, size int64) ([]int64, error) {
	const chunk = 1 << 16
	marker := []byte("%%EOF")
	var out []int64
	buf := make([]byte, chunk+len(marker)+2)
	for at := int64(0); at < size; at += chunk {
		n := int64(len(buf))
		if size-at < n {
			n = size - at
		}
		k, err := r.ReadAt(buf[:n], at)
		if int64(k) < n {
			return nil, fmt.Errorf("reading: %w", err)
		}
		b := buf[:n]
		for i := 0; ; {
			j := bytes.Index(b[i:], marker)
			if j < 0 || int64(i+j) >= chunk {
				break
			}
			end := i + j + len(marker)
			// The whole marker must fit before the next chunk's start; EOL
			// bytes are read from b (which overlaps the next chunk).
			e := at + int64(end)
			if end < len(b) && b[end] == '\r' {
				e++
				end++
			}
			if end < len(b) && b[end] == '\n' {
				e++
			}
			out = append(out, e)
			i = i + j + len(marker)
		}
	}
	return out, nil
}

// Itoa is strconv.Itoa for int64, for callers building placeholders.
func Itoa(i int64) string { return strconv.FormatInt(i, 10) }

// Nums lists the object numbers the cross-reference knows, in use or free.
func (r *Reader) Nums() []int {
	out := make([]int, 0, len(r.xref))
	for n := range r.xref {
		out = append(out, n)
	}
	return out
}

// Where is the file offset that stores object num in r: its own offset,
// or its object stream's; ok is false for a free or unknown object.
func (r *Reader) Where(num int) (off int64, ok bool) {
	e, found := r.xref[num]
	switch {
	case !found || e.kind == 0:
		return 0, false
	case e.kind == 2:
		s, found := r.xref[e.stm]
		return s.off, found && s.kind == 1
	}
	return e.off, true
}

// RefOf is the reference to object num with its current generation.
func (r *Reader) RefOf(num int) Ref { return Ref{Num: num, Gen: r.xref[num].gen} }
