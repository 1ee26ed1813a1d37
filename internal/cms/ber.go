package cms

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"
)

// Limits that keep hostile input from exhausting memory or the stack.
const (
	// MaxDepth is the deepest nesting of constructed elements accepted.
	MaxDepth = 64
	// DefaultMaxElement bounds any element read into memory (a
	// certificate, a signer info, a set of CRLs). The signed content is
	// never read into memory: it is streamed.
	DefaultMaxElement = 64 << 20
	// maxLengthOctets is the widest length field accepted: 8 octets
	// already describe more than any file can hold.
	maxLengthOctets = 8
)

// ASN.1 classes.
const (
	ClassUniversal   = 0
	ClassApplication = 1
	ClassContext     = 2
	ClassPrivate     = 3
)

// Universal tags used here.
const (
	TagEOC             = 0
	TagBoolean         = 1
	TagInteger         = 2
	TagBitString       = 3
	TagOctetString     = 4
	TagNull            = 5
	TagOID             = 6
	TagUTF8String      = 12
	TagSequence        = 16
	TagSet             = 17
	TagPrintableString = 19
	TagT61String       = 20
	TagIA5String       = 22
	TagUTCTime         = 23
	TagGeneralizedTime = 24
	TagBMPString       = 30
)

// FormatError reports input that is not valid BER where a CMS structure
// was expected. Offset counts bytes from the start of the (decoded)
// stream.
type FormatError struct {
	Offset int64
	Msg    string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("malformed CMS/BER data at byte %d: %s", e.Offset, e.Msg)
}

// ErrTruncated is wrapped by errors for input that ends inside an element.
var ErrTruncated = errors.New("truncated input")

// TooLargeError reports an element that claims more bytes than the limit
// allows; nothing of that size was allocated.
type TooLargeError struct {
	Offset int64
	Length int64
	Limit  int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("element at byte %d claims %d bytes, more than the %d allowed", e.Offset, e.Length, e.Limit)
}

// Header is the identifier and length octets of a BER element.
type Header struct {
	Class       int
	Tag         int
	Constructed bool
	// Length is the content length, or -1 for the indefinite form.
	Length int64
	// Len is the number of identifier and length octets.
	Len int
}

// Indefinite reports the indefinite length form (BER only).
func (h Header) Indefinite() bool { return h.Length < 0 }

// IsEOC reports the end-of-contents marker of an indefinite element.
func (h Header) IsEOC() bool {
	return h.Class == ClassUniversal && h.Tag == TagEOC && !h.Constructed && h.Length == 0
}

// Is reports whether h has the given class and tag.
func (h Header) Is(class, tag int) bool { return h.Class == class && h.Tag == tag }

// String is for error messages.
func (h Header) String() string {
	names := map[int]string{TagInteger: "INTEGER", TagBitString: "BIT STRING", TagOctetString: "OCTET STRING", TagNull: "NULL", TagOID: "OBJECT IDENTIFIER", TagSequence: "SEQUENCE", TagSet: "SET"}
	if h.Class == ClassUniversal {
		if n, ok := names[h.Tag]; ok {
			return n
		}
		return fmt.Sprintf("universal %d", h.Tag)
	}
	return fmt.Sprintf("[%s %d]", [...]string{"UNIVERSAL", "APPLICATION", "", "PRIVATE"}[h.Class], h.Tag)
}

// parseHeader decodes a header from b. need > 0 means b is too short and
// at least need bytes are required.
func parseHeader(b []byte) (h Header, need int, err error) {
	if len(b) < 2 {
		return h, 2, nil
	}
	h.Class = int(b[0] >> 6)
	h.Constructed = b[0]&0x20 != 0
	h.Tag = int(b[0] & 0x1f)
	i := 1
	if h.Tag == 0x1f {
		h.Tag = 0
		for {
			if i >= len(b) {
				return h, i + 2, nil
			}
			c := b[i]
			i++
			if h.Tag > 1<<23 {
				return h, 0, errors.New("tag number too large")
			}
			h.Tag = h.Tag<<7 | int(c&0x7f)
			if c&0x80 == 0 {
				break
			}
		}
	}
	if i >= len(b) {
		return h, i + 1, nil
	}
	l := b[i]
	i++
	switch {
	case l < 0x80:
		h.Length = int64(l)
	case l == 0x80:
		if !h.Constructed {
			return h, 0, errors.New("indefinite length on a primitive element")
		}
		h.Length = -1
	case l == 0xff:
		return h, 0, errors.New("reserved length octet 0xff")
	default:
		n := int(l & 0x7f)
		if n > maxLengthOctets {
			return h, 0, fmt.Errorf("length field of %d octets", n)
		}
		if i+n > len(b) {
			return h, i + n, nil
		}
		var v uint64
		for _, c := range b[i : i+n] {
			v = v<<8 | uint64(c)
		}
		if v > 1<<62 {
			return h, 0, errors.New("length out of range")
		}
		h.Length = int64(v)
		i += n
	}
	h.Len = i
	return h, 0, nil
}

// Reader reads BER elements from a stream, keeping track of the offset.
// It never reads ahead of what the caller asks for beyond its buffer, so
// large contents can be streamed through it.
type Reader struct {
	br  *bufio.Reader
	off int64
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < 64 {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &Reader{br: br}
}

// Offset is the number of bytes consumed so far.
func (r *Reader) Offset() int64 { return r.off }

func (r *Reader) errorf(format string, args ...any) error {
	return &FormatError{Offset: r.off, Msg: fmt.Sprintf(format, args...)}
}

func (r *Reader) truncated(what string) error {
	return &FormatError{Offset: r.off, Msg: fmt.Sprintf("%s: %v", what, ErrTruncated)}
}

// PeekHeader decodes the next header without consuming it. It returns
// io.EOF when the stream ends cleanly before any byte.
func (r *Reader) PeekHeader() (Header, error) {
	n := 2
	for {
		b, err := r.br.Peek(n)
		if len(b) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return Header{}, io.EOF
			}
			return Header{}, err
		}
		h, need, perr := parseHeader(b)
		if perr != nil {
			return h, r.errorf("%v", perr)
		}
		if need == 0 {
			return h, nil
		}
		if len(b) < n || err != nil {
			if err != nil && !errors.Is(err, io.EOF) {
				return h, err
			}
			return h, r.truncated("header")
		}
		n = need
	}
}

// ReadHeader decodes and consumes the next header.
func (r *Reader) ReadHeader() (Header, error) {
	h, err := r.PeekHeader()
	if err != nil {
		return h, err
	}
	r.br.Discard(h.Len)
	r.off += int64(h.Len)
	return h, nil
}

// Discard skips n bytes.
func (r *Reader) Discard(n int64) error {
	m, err := io.CopyN(io.Discard, r.br, n)
	r.off += m
	if err != nil {
		if errors.Is(err, io.EOF) {
			return r.truncated("content")
		}
		return err
	}
	return nil
}

// Read reads raw bytes; it lets a Reader serve as the io.Reader of the
// bytes that follow the last element.
func (r *Reader) Read(p []byte) (int, error) {
	n, err := r.br.Read(p)
	r.off += int64(n)
	return n, err
}

// readN reads exactly n bytes, growing the buffer only as data arrives so
// that a lying length cannot make it allocate.
func (r *Reader) readN(dst []byte, n int64) ([]byte, error) {
	for n > 0 {
		chunk := n
		if chunk > 1<<20 {
			chunk = 1 << 20
		}
		start := len(dst)
		dst = append(dst, make([]byte, chunk)...)
		m, err := io.ReadFull(r.br, dst[start:])
		r.off += int64(m)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return dst, r.truncated("content")
			}
			return dst, err
		}
		n -= chunk
	}
	return dst, nil
}

// ReadElement reads the next whole element (header included) into memory,
// as encoded: BER stays BER. Elements over limit bytes are refused.
func (r *Reader) ReadElement(limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = DefaultMaxElement
	}
	return r.appendElement(nil, limit, 0)
}

func (r *Reader) appendElement(dst []byte, limit int64, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return dst, r.errorf("nesting deeper than %d", MaxDepth)
	}
	start := r.off
	h, err := r.PeekHeader()
	if err != nil {
		if err == io.EOF {
			return dst, r.truncated("element")
		}
		return dst, err
	}
	if !h.Indefinite() {
		total := int64(h.Len) + h.Length
		if total > limit {
			return dst, &TooLargeError{Offset: start, Length: total, Limit: limit}
		}
		return r.readN(dst, total)
	}
	hb, _ := r.br.Peek(h.Len)
	dst = append(dst, hb...)
	r.br.Discard(h.Len)
	r.off += int64(h.Len)
	base := len(dst) - h.Len
	for {
		ch, err := r.PeekHeader()
		if err != nil {
			if err == io.EOF {
				return dst, r.truncated("indefinite-length element")
			}
			return dst, err
		}
		if ch.IsEOC() {
			dst = append(dst, 0, 0)
			r.br.Discard(2)
			r.off += 2
			return dst, nil
		}
		used := int64(len(dst) - base)
		dst, err = r.appendElement(dst, limit-used, depth+1)
		if err != nil {
			var tl *TooLargeError
			if errors.As(err, &tl) {
				tl.Offset, tl.Limit = start, limit
			}
			return dst, err
		}
		if int64(len(dst)-base) > limit {
			return dst, &TooLargeError{Offset: start, Length: int64(len(dst) - base), Limit: limit}
		}
	}
}

// SkipElement consumes the next element without keeping it.
func (r *Reader) SkipElement() error { return r.skip(0) }

func (r *Reader) skip(depth int) error {
	if depth > MaxDepth {
		return r.errorf("nesting deeper than %d", MaxDepth)
	}
	h, err := r.ReadHeader()
	if err != nil {
		if err == io.EOF {
			return r.truncated("element")
		}
		return err
	}
	if !h.Indefinite() {
		return r.Discard(h.Length)
	}
	for {
		ch, err := r.PeekHeader()
		if err != nil {
			if err == io.EOF {
				return r.truncated("indefinite-length element")
			}
			return err
		}
		if ch.IsEOC() {
			r.br.Discard(2)
			r.off += 2
			return nil
		}
		if err := r.skip(depth + 1); err != nil {
			return err
		}
	}
}

// Frame tracks the end of a constructed element whose children are being
// read one by one.
type Frame struct {
	end  int64 // offset just past the content, or -1 for indefinite
	done bool  // the end was reached (and an end-of-contents consumed)
}

// Enter reads the header of a constructed element with the given class
// and tag and returns the frame to iterate its children with More.
func (r *Reader) Enter(class, tag int) (Frame, error) {
	h, err := r.ReadHeader()
	if err != nil {
		if err == io.EOF {
			return Frame{}, r.truncated("element")
		}
		return Frame{}, err
	}
	if !h.Is(class, tag) || !h.Constructed {
		return Frame{}, &FormatError{Offset: r.off - int64(h.Len), Msg: fmt.Sprintf("expected constructed %s, found %s", Header{Class: class, Tag: tag}, h)}
	}
	return r.FrameOf(h), nil
}

// FrameOf returns the frame of a constructed element whose header was
// just consumed.
func (r *Reader) FrameOf(h Header) Frame {
	if h.Indefinite() {
		return Frame{end: -1}
	}
	return Frame{end: r.off + h.Length}
}

// More reports whether f has another child. At the end of an indefinite
// frame it consumes the end-of-contents marker; at the end of a definite
// one it checks that the children filled it exactly.
func (r *Reader) More(f *Frame) (bool, error) {
	if f.done {
		return false, nil
	}
	if f.end >= 0 {
		switch {
		case r.off < f.end:
			return true, nil
		case r.off == f.end:
			f.done = true
			return false, nil
		default:
			return false, r.errorf("element overruns its parent by %d bytes", r.off-f.end)
		}
	}
	h, err := r.PeekHeader()
	if err != nil {
		if err == io.EOF {
			return false, r.truncated("indefinite-length element")
		}
		return false, err
	}
	if h.IsEOC() {
		r.br.Discard(2)
		r.off += 2
		f.done = true
		return false, nil
	}
	return true, nil
}

// Leave skips whatever children of f remain (extensions a newer version
// may add) and consumes its end.
func (r *Reader) Leave(f *Frame) error {
	for {
		more, err := r.More(f)
		if err != nil || !more {
			return err
		}
		if err := r.SkipElement(); err != nil {
			return err
		}
	}
}

// OctetStringReader returns a reader of the octets of the OCTET STRING
// that starts at the current position, in any BER form: primitive,
// constructed with definite length, or constructed indefinite with
// nested segments. Bytes are delivered as they are read from the
// stream: nothing is buffered beyond a segment header.
func (r *Reader) OctetStringReader() (io.Reader, error) {
	h, err := r.ReadHeader()
	if err != nil {
		if err == io.EOF {
			return nil, r.truncated("OCTET STRING")
		}
		return nil, err
	}
	if !h.Is(ClassUniversal, TagOctetString) {
		return nil, &FormatError{Offset: r.off - int64(h.Len), Msg: fmt.Sprintf("expected OCTET STRING, found %s", h)}
	}
	osr := &octetStringReader{r: r}
	if h.Constructed {
		osr.stack = []Frame{r.FrameOf(h)}
	} else {
		osr.left = h.Length
	}
	return osr, nil
}

type octetStringReader struct {
	r     *Reader
	stack []Frame // open constructed segments
	left  int64   // bytes left in the current primitive segment
	done  bool
}

func (o *octetStringReader) Read(p []byte) (int, error) {
	for o.left == 0 {
		if o.done || len(o.stack) == 0 {
			o.done = true
			return 0, io.EOF
		}
		top := &o.stack[len(o.stack)-1]
		more, err := o.r.More(top)
		if err != nil {
			return 0, err
		}
		if !more {
			o.stack = o.stack[:len(o.stack)-1]
			if len(o.stack) == 0 {
				o.done = true
				return 0, io.EOF
			}
			continue
		}
		h, err := o.r.ReadHeader()
		if err != nil {
			if err == io.EOF {
				return 0, o.r.truncated("OCTET STRING segment")
			}
			return 0, err
		}
		if !h.Is(ClassUniversal, TagOctetString) {
			return 0, &FormatError{Offset: o.r.off - int64(h.Len), Msg: fmt.Sprintf("segment of a constructed OCTET STRING is %s", h)}
		}
		if h.Constructed {
			if len(o.stack) >= MaxDepth {
				return 0, o.r.errorf("OCTET STRING segments nested deeper than %d", MaxDepth)
			}
			o.stack = append(o.stack, o.r.FrameOf(h))
			continue
		}
		if top.end >= 0 && o.r.off+h.Length > top.end {
			return 0, o.r.errorf("OCTET STRING segment overruns its parent")
		}
		o.left = h.Length
	}
	if int64(len(p)) > o.left {
		p = p[:o.left]
	}
	n, err := o.r.br.Read(p)
	o.r.off += int64(n)
	o.left -= int64(n)
	if err != nil {
		if errors.Is(err, io.EOF) {
			if o.left > 0 {
				return n, o.r.truncated("OCTET STRING")
			}
			err = nil
		}
	}
	return n, err
}

// Element is a BER element held in memory.
type Element struct {
	Header
	// Raw is the whole encoding, header included.
	Raw []byte
	// Content is the content octets for the definite form; for the
	// indefinite form it is what lies between the header and the
	// end-of-contents marker (the encoded children).
	Content []byte
}

// ParseElement parses the first element of b and returns the rest.
func ParseElement(b []byte) (Element, []byte, error) { return parseElement(b, 0, 0) }

func parseElement(b []byte, off int64, depth int) (Element, []byte, error) {
	if depth > MaxDepth {
		return Element{}, nil, &FormatError{Offset: off, Msg: fmt.Sprintf("nesting deeper than %d", MaxDepth)}
	}
	h, need, err := parseHeader(b)
	if err != nil {
		return Element{}, nil, &FormatError{Offset: off, Msg: err.Error()}
	}
	if need > 0 {
		return Element{}, nil, &FormatError{Offset: off, Msg: "header: " + ErrTruncated.Error()}
	}
	if !h.Indefinite() {
		if h.Length > int64(len(b)-h.Len) {
			return Element{}, nil, &FormatError{Offset: off, Msg: fmt.Sprintf("%s claims %d bytes, only %d left: %v", h, h.Length, len(b)-h.Len, ErrTruncated)}
		}
		end := h.Len + int(h.Length)
		return Element{Header: h, Raw: b[:end], Content: b[h.Len:end]}, b[end:], nil
	}
	rest := b[h.Len:]
	pos := off + int64(h.Len)
	for {
		ch, need, err := parseHeader(rest)
		if err != nil {
			return Element{}, nil, &FormatError{Offset: pos, Msg: err.Error()}
		}
		if need > 0 {
			return Element{}, nil, &FormatError{Offset: pos, Msg: "indefinite-length element: " + ErrTruncated.Error()}
		}
		if ch.IsEOC() {
			end := len(b) - len(rest) + 2
			return Element{Header: h, Raw: b[:end], Content: b[h.Len : end-2]}, b[end:], nil
		}
		_, r2, err := parseElement(rest, pos, depth+1)
		if err != nil {
			return Element{}, nil, err
		}
		pos += int64(len(rest) - len(r2))
		rest = r2
	}
}

// Children parses the children of a constructed element.
func (e Element) Children() ([]Element, error) {
	if !e.Constructed {
		return nil, &FormatError{Msg: fmt.Sprintf("%s is not constructed", e.Header)}
	}
	var out []Element
	rest := e.Content
	for len(rest) > 0 {
		c, r2, err := parseElement(rest, int64(len(e.Content)-len(rest)), 1)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		rest = r2
	}
	return out, nil
}

// Bytes returns the content octets of a string type, joining the
// segments of the constructed form.
func (e Element) Bytes() ([]byte, error) {
	if !e.Constructed {
		return e.Content, nil
	}
	var out []byte
	var walk func(Element, int) error
	walk = func(x Element, depth int) error {
		if depth > MaxDepth {
			return &FormatError{Msg: "string segments nested too deep"}
		}
		if !x.Constructed {
			out = append(out, x.Content...)
			return nil
		}
		kids, err := x.Children()
		if err != nil {
			return err
		}
		for _, k := range kids {
			if k.Tag != e.Tag || k.Class != ClassUniversal {
				return &FormatError{Msg: fmt.Sprintf("segment %s inside a constructed %s", k.Header, e.Header)}
			}
			if err := walk(k, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(e, 0); err != nil {
		return nil, err
	}
	return out, nil
}

// stringTags are the universal types whose constructed BER form DER
// turns into a single primitive.
var stringTags = map[int]bool{TagBitString: true, TagOctetString: true, TagUTF8String: true, 18: true, TagPrintableString: true, TagT61String: true, 21: true, TagIA5String: true, TagUTCTime: true, TagGeneralizedTime: true, 25: true, 26: true, 27: true, 28: true, TagBMPString: true}

// ToDER re-encodes one BER element as DER: definite minimal lengths,
// constructed strings joined into primitives, and the elements of every
// SET sorted by their encoding (X.690 11.6). It is what turns stored
// signed attributes into the bytes the signature covers.
func ToDER(ber []byte) ([]byte, error) {
	e, rest, err := ParseElement(ber)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, &FormatError{Offset: int64(len(ber) - len(rest)), Msg: fmt.Sprintf("%d bytes after the element", len(rest))}
	}
	return appendDER(nil, e, 0)
}

func appendDER(dst []byte, e Element, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return nil, &FormatError{Msg: fmt.Sprintf("nesting deeper than %d", MaxDepth)}
	}
	if !e.Constructed {
		return appendTLV(dst, e.Class, e.Tag, false, e.Content), nil
	}
	if e.Class == ClassUniversal && stringTags[e.Tag] {
		b, err := e.Bytes()
		if err != nil {
			return nil, err
		}
		if e.Tag == TagBitString {
			b, err = joinBitString(e)
			if err != nil {
				return nil, err
			}
		}
		return appendTLV(dst, e.Class, e.Tag, false, b), nil
	}
	kids, err := e.Children()
	if err != nil {
		return nil, err
	}
	enc := make([][]byte, len(kids))
	for i, k := range kids {
		if enc[i], err = appendDER(nil, k, depth+1); err != nil {
			return nil, err
		}
	}
	if e.Class == ClassUniversal && e.Tag == TagSet {
		sort.SliceStable(enc, func(i, j int) bool { return bytes.Compare(enc[i], enc[j]) < 0 })
	}
	return appendTLV(dst, e.Class, e.Tag, true, bytes.Join(enc, nil)), nil
}

// joinBitString joins the segments of a constructed BIT STRING: each
// segment starts with its count of unused bits, which only the last may
// have non-zero.
func joinBitString(e Element) ([]byte, error) {
	var segs [][]byte
	var walk func(Element, int) error
	walk = func(x Element, depth int) error {
		if depth > MaxDepth {
			return &FormatError{Msg: "BIT STRING segments nested too deep"}
		}
		if !x.Constructed {
			segs = append(segs, x.Content)
			return nil
		}
		kids, err := x.Children()
		if err != nil {
			return err
		}
		for _, k := range kids {
			if err := walk(k, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(e, 0); err != nil {
		return nil, err
	}
	out := []byte{0}
	for i, s := range segs {
		if len(s) == 0 {
			return nil, &FormatError{Msg: "empty BIT STRING segment"}
		}
		if s[0] != 0 && i != len(segs)-1 {
			return nil, &FormatError{Msg: "unused bits in a middle BIT STRING segment"}
		}
		out[0] = s[0]
		out = append(out, s[1:]...)
	}
	return out, nil
}

func appendTLV(dst []byte, class, tag int, constructed bool, content []byte) []byte {
	dst = appendHeaderFull(dst, class, tag, constructed, int64(len(content)))
	return append(dst, content...)
}

// appendHeaderFull appends DER identifier and length octets for any
// class and tag number; length < 0 writes the indefinite form.
func appendHeaderFull(dst []byte, class, tag int, constructed bool, length int64) []byte {
	id := byte(class << 6)
	if constructed {
		id |= 0x20
	}
	if tag < 31 {
		dst = append(dst, id|byte(tag))
	} else {
		dst = append(dst, id|0x1f)
		var tmp [8]byte
		n := 0
		for t := tag; ; t >>= 7 {
			tmp[n] = byte(t & 0x7f)
			n++
			if t < 0x80 {
				break
			}
		}
		for i := n - 1; i >= 0; i-- {
			c := tmp[i]
			if i > 0 {
				c |= 0x80
			}
			dst = append(dst, c)
		}
	}
	switch {
	case length < 0:
		return append(dst, 0x80)
	case length < 0x80:
		return append(dst, byte(length))
	}
	n := 0
	for l := length; l > 0; l >>= 8 {
		n++
	}
	dst = append(dst, 0x80|byte(n))
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, byte(length>>(8*i)))
	}
	return dst
}
