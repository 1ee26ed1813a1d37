package pec

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
)

// Limits of the splitter: they bound the memory a hostile file can make
// it use, whatever its size (bodies are never held, only their offsets).
const (
	// MaxHeader bounds one entity's header block.
	MaxHeader = 256 << 10
	// MaxEntities bounds the entities of a file.
	MaxEntities = 2000
	// MaxDepth bounds multipart and message nesting.
	MaxDepth = 24
	// scanBuffer is the line buffer: a longer line is read in pieces,
	// and only its first piece can be a boundary.
	scanBuffer = 32 << 10
)

// Field is one header field as stored.
type Field struct {
	// Name is the field name as written.
	Name string
	// Raw is the field as stored: name, colon, value, folding and line
	// ends exactly as in the file.
	Raw []byte
	// Value is the unfolded value, outer blanks trimmed.
	Value string
}

// Header is a header block: the fields in their order.
type Header []Field

// Get returns the value of the first field named name (any case).
func (h Header) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Count returns how many fields are named name (any case).
func (h Header) Count(name string) int {
	n := 0
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			n++
		}
	}
	return n
}

// Entity is one MIME entity located in the file by its byte offsets:
// nothing of its body is held in memory, and nothing is ever
// re-serialised.
type Entity struct {
	// Start is the offset of the first header byte, BodyStart of the
	// first body byte, End one past the last body byte. For a part of a
	// multipart, End excludes the line end before the next delimiter
	// (RFC 2046 §5.1.1: it belongs to the delimiter).
	Start, BodyStart, End int64
	Header                Header
	// MediaType is the lower-case type/subtype (text/plain when absent)
	// and Params its parameters.
	MediaType string
	Params    map[string]string
	// Children are the parts of a multipart, in order.
	Children []*Entity
	// Message is the entity inside a message/rfc822 part stored in an
	// identity encoding (7bit, 8bit, binary).
	Message *Entity
	// Unterminated: a multipart without its closing delimiter.
	Unterminated bool
	Depth        int
}

// Encoding is the lower-case Content-Transfer-Encoding (7bit when
// absent).
func (e *Entity) Encoding() string {
	enc := strings.ToLower(strings.TrimSpace(e.Header.Get("Content-Transfer-Encoding")))
	if enc == "" {
		return "7bit"
	}
	return enc
}

// Filename is the part's file name: Content-Disposition filename, else
// Content-Type name, RFC 2047/2231 decoded.
func (e *Entity) Filename() string {
	if _, p, err := mime.ParseMediaType(e.Header.Get("Content-Disposition")); err == nil && p["filename"] != "" {
		return decodeWords(p["filename"])
	}
	return decodeWords(e.Params["name"])
}

// MIMEError is a file the splitter cannot read as MIME.
type MIMEError struct {
	Offset int64
	Msg    string
}

func (e *MIMEError) Error() string {
	return fmt.Sprintf("MIME structure at byte %d: %s", e.Offset, e.Msg)
}

// splitter parses entities out of a ReaderAt.
type splitter struct {
	r        io.ReaderAt
	entities int
}

// Split parses the MIME entity in r[start:end] with its descendants.
func Split(r io.ReaderAt, start, end int64) (*Entity, error) {
	s := &splitter{r: r}
	return s.entity(start, end, 0)
}

// lineReader reads lines of r[start:end] with their offsets.
type lineReader struct {
	br  *bufio.Reader
	pos int64
	// mid: the previous read stopped inside a long line.
	mid bool
}

func newLineReader(r io.ReaderAt, start, end int64) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(io.NewSectionReader(r, start, end-start), scanBuffer), pos: start}
}

// next returns the next line (or piece of a long line) with its line
// end, its offset, and whether it starts a line.
func (l *lineReader) next() (line []byte, off int64, start bool, err error) {
	line, err = l.br.ReadSlice('\n')
	off, start = l.pos, !l.mid
	l.pos += int64(len(line))
	l.mid = errors.Is(err, bufio.ErrBufferFull)
	if l.mid {
		err = nil
	}
	if len(line) == 0 && err == nil {
		err = io.EOF
	}
	return line, off, start, err
}

func (s *splitter) entity(start, end int64, depth int) (*Entity, error) {
	s.entities++
	if s.entities > MaxEntities {
		return nil, &MIMEError{Offset: start, Msg: fmt.Sprintf("more than %d MIME parts", MaxEntities)}
	}
	if depth > MaxDepth {
		return nil, &MIMEError{Offset: start, Msg: fmt.Sprintf("MIME parts nested more than %d deep", MaxDepth)}
	}
	e := &Entity{Start: start, End: end, Depth: depth}
	hdr, bodyStart, err := readHeader(s.r, start, end)
	if err != nil {
		return nil, err
	}
	e.Header, e.BodyStart = hdr, bodyStart
	e.MediaType, e.Params = "text/plain", map[string]string{}
	if ct := e.Header.Get("Content-Type"); ct != "" {
		if mt, p, err := mime.ParseMediaType(ct); err == nil {
			e.MediaType, e.Params = mt, p
		} else if mt, _, _ := strings.Cut(ct, ";"); mt != "" {
			e.MediaType = strings.ToLower(strings.TrimSpace(mt))
		}
	}
	switch {
	case strings.HasPrefix(e.MediaType, "multipart/"):
		b := e.Params["boundary"]
		if b == "" || len(b) > 200 {
			return e, nil // a multipart without usable boundary: left opaque
		}
		if err := s.multipart(e, b); err != nil {
			return nil, err
		}
	case e.MediaType == "message/rfc822":
		switch e.Encoding() {
		case "7bit", "8bit", "binary":
			m, err := s.entity(e.BodyStart, e.End, depth+1)
			if err != nil {
				return nil, err
			}
			e.Message = m
		}
	}
	return e, nil
}

// multipart finds the delimiter lines of e's body (RFC 2046 §5.1.1) and
// parses the parts between them.
func (s *splitter) multipart(e *Entity, boundary string) error {
	dash := []byte("--" + boundary)
	lr := newLineReader(s.r, e.BodyStart, e.End)
	partStart := int64(-1)
	prevEOL := 0 // length of the previous line's line end
	var spans [][2]int64
	closed := false
	for {
		line, off, first, err := lr.next()
		if len(line) > 0 {
			if first && bytes.HasPrefix(line, dash) {
				rest := bytes.TrimRight(line[len(dash):], "\r\n")
				isClose := bytes.HasPrefix(rest, []byte("--"))
				if isClose {
					rest = rest[2:]
				}
				if len(bytes.Trim(rest, " \t")) == 0 && (len(line) < scanBuffer) {
					if partStart >= 0 {
						end := off - int64(prevEOL)
						if end < partStart {
							end = partStart
						}
						spans = append(spans, [2]int64{partStart, end})
					}
					partStart = off + int64(len(line))
					if isClose {
						closed = true
						break
					}
				}
			}
			prevEOL = eolLen(line)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return err
			}
			break
		}
	}
	if !closed {
		e.Unterminated = true
		if partStart >= 0 {
			spans = append(spans, [2]int64{partStart, e.End})
		}
	}
	for _, sp := range spans {
		c, err := s.entity(sp[0], sp[1], e.Depth+1)
		if err != nil {
			return err
		}
		e.Children = append(e.Children, c)
	}
	return nil
}

func eolLen(line []byte) int {
	switch {
	case bytes.HasSuffix(line, []byte("\r\n")):
		return 2
	case bytes.HasSuffix(line, []byte("\n")):
		return 1
	}
	return 0
}

// readHeader reads the header block at r[start:end]: fields up to the
// blank line. It returns the fields and the body's offset.
func readHeader(r io.ReaderAt, start, end int64) (Header, int64, error) {
	lr := newLineReader(r, start, end)
	var block []byte
	bodyStart := end
	for {
		line, off, _, err := lr.next()
		if len(line) > 0 {
			if len(bytes.TrimRight(line, "\r\n")) == 0 && bytes.HasSuffix(line, []byte("\n")) {
				bodyStart = off + int64(len(line))
				break
			}
			if len(block)+len(line) > MaxHeader {
				return nil, 0, &MIMEError{Offset: start, Msg: fmt.Sprintf("header larger than %d KiB", MaxHeader>>10)}
			}
			block = append(block, line...)
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return nil, 0, err
			}
			break
		}
	}
	return parseFields(block), bodyStart, nil
}

// parseFields splits a header block into fields. A line that is neither
// a field nor a continuation (an mbox "From " line) is skipped.
func parseFields(block []byte) Header {
	var h Header
	for len(block) > 0 {
		i := bytes.IndexByte(block, '\n')
		if i < 0 {
			i = len(block) - 1
		}
		line := block[:i+1]
		block = block[i+1:]
		if line[0] == ' ' || line[0] == '\t' {
			if len(h) > 0 {
				f := &h[len(h)-1]
				f.Raw = append(f.Raw, line...)
			}
			continue
		}
		c := bytes.IndexByte(line, ':')
		if c <= 0 {
			continue
		}
		name := string(bytes.TrimRight(line[:c], " \t"))
		if name == "" || strings.ContainsAny(name, " \t") {
			continue
		}
		h = append(h, Field{Name: name, Raw: append([]byte(nil), line...)})
	}
	for i := range h {
		f := &h[i]
		v := f.Raw[len(f.Name):]
		v = bytes.TrimLeft(v, " \t")
		v = v[1:] // the colon
		var b strings.Builder
		for _, l := range bytes.Split(v, []byte("\n")) {
			l = bytes.TrimRight(l, "\r")
			t := bytes.TrimSpace(l)
			if len(t) == 0 {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.Write(t)
		}
		f.Value = b.String()
	}
	return h
}

// decodeWords decodes RFC 2047 encoded words; text it cannot decode is
// returned as it is.
func decodeWords(s string) string {
	d := &mime.WordDecoder{CharsetReader: charsetReader}
	if out, err := d.DecodeHeader(s); err == nil {
		return out
	}
	return s
}
