package cms

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
)

// Form is the outer encoding of a signed file, found from its bytes.
type Form int

const (
	// FormBER is binary DER or BER.
	FormBER Form = iota
	// FormBase64 is bare base64 (no armor), with any line breaks.
	FormBase64
	// FormPEM is base64 inside "-----BEGIN ...-----" armor.
	FormPEM
	// FormMIME is a MIME message (.m7m: a p7m and a timestamp token).
	FormMIME
)

func (f Form) String() string {
	switch f {
	case FormBER:
		return "der"
	case FormBase64:
		return "base64"
	case FormPEM:
		return "pem"
	case FormMIME:
		return "mime"
	}
	return fmt.Sprintf("form(%d)", int(f))
}

// UnrecognizedError reports input that is none of the signed-file forms.
type UnrecognizedError struct {
	// Looks is a guess of what the input is instead ("a PDF document").
	Looks string
}

func (e *UnrecognizedError) Error() string {
	if e.Looks != "" {
		return "not a signed file: it looks like " + e.Looks
	}
	return "not a signed file: neither DER/BER, base64, PEM nor MIME"
}

// sniffLen is how much of the input detection looks at.
const sniffLen = 1024

// Detect looks at the first bytes of r and returns the form found and a
// reader of the binary (DER/BER) stream: base64 and PEM are decoded on
// the fly, line breaks (LF or CRLF) and blanks ignored. For FormMIME the
// returned reader yields the input unchanged, to be split by ReadMIME.
// Nothing beyond a small look-ahead buffer is held in memory.
func Detect(r io.Reader) (Form, io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(sniffLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, nil, err
	}
	if len(head) == 0 {
		return 0, nil, &UnrecognizedError{Looks: "an empty file"}
	}
	if head[0] == 0x30 {
		return FormBER, br, nil
	}
	// Text forms may start with a byte-order mark and blank lines.
	skip := 0
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		skip = 3
	}
	for skip < len(head) && isSpace(head[skip]) {
		skip++
	}
	text := head[skip:]
	switch {
	case bytes.HasPrefix(text, []byte("-----BEGIN ")):
		br.Discard(skip)
		return FormPEM, base64.NewDecoder(base64.RawStdEncoding, &pemBody{br: br}), nil
	case looksMIME(text):
		return FormMIME, br, nil
	case looksBase64(text):
		br.Discard(skip)
		return FormBase64, newBase64Reader(br), nil
	}
	return 0, nil, &UnrecognizedError{Looks: guessType(head)}
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'
}

func isBase64Char(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/'
}

// looksBase64 accepts a prefix made of base64 characters and blanks that
// decodes to the start of a DER SEQUENCE ('M' encodes 0x30's high bits).
func looksBase64(b []byte) bool {
	if len(b) < 4 || b[0] != 'M' {
		return false
	}
	for i, c := range b {
		if isBase64Char(c) || isSpace(c) {
			continue
		}
		if c == '=' {
			// Padding may only be followed by padding and blanks.
			for _, d := range b[i:] {
				if d != '=' && !isSpace(d) {
					return false
				}
			}
			return true
		}
		return false
	}
	return true
}

func looksMIME(b []byte) bool {
	line := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line = b[:i]
	}
	lower := bytes.ToLower(line)
	for _, p := range []string{"mime-version:", "content-type:", "content-transfer-encoding:", "content-disposition:", "message-id:", "from:", "date:", "subject:", "to:", "return-path:", "received:"} {
		if bytes.HasPrefix(lower, []byte(p)) {
			return true
		}
	}
	return false
}

func guessType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "a PDF document (PAdES signatures are inside the PDF, not in a .p7m)"
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return "a ZIP archive (ASiC or office document)"
	case bytes.HasPrefix(b, []byte("<?xml")) || bytes.HasPrefix(b, []byte("\xef\xbb\xbf<?xml")) || bytes.HasPrefix(b, []byte("<")):
		return "an XML document (XAdES or an unsigned file)"
	case bytes.HasPrefix(b, []byte("\x89PNG")), bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "an image"
	}
	return ""
}

// base64Reader drops blanks and padding so that wrapped base64 of any
// line length decodes with the raw (unpadded) alphabet.
type base64Filter struct {
	br *bufio.Reader
}

func newBase64Reader(br *bufio.Reader) io.Reader {
	return base64.NewDecoder(base64.RawStdEncoding, &base64Filter{br: br})
}

func (f *base64Filter) Read(p []byte) (int, error) {
	for {
		n, err := f.br.Read(p)
		j := 0
		for _, c := range p[:n] {
			if isSpace(c) || c == '=' {
				continue
			}
			p[j] = c
			j++
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// pemBody yields the base64 body of the first PEM block: the BEGIN line
// and any RFC 1421 header lines are skipped, reading stops at the END
// line.
type pemBody struct {
	br      *bufio.Reader
	started bool
	done    bool
	line    []byte
}

func (p *pemBody) Read(out []byte) (int, error) {
	for len(p.line) == 0 {
		if p.done {
			return 0, io.EOF
		}
		line, err := p.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A body line longer than the buffer: pass it through in pieces.
			if !p.started {
				return 0, &FormatError{Msg: "PEM armor line too long"}
			}
			err = nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		if len(line) == 0 && err != nil {
			if !p.started {
				return 0, &FormatError{Msg: "PEM armor without a body"}
			}
			return 0, &FormatError{Msg: "PEM armor without an END line: " + ErrTruncated.Error()}
		}
		trim := bytes.TrimSpace(line)
		switch {
		case !p.started:
			if bytes.HasPrefix(trim, []byte("-----BEGIN ")) {
				p.started = true
			}
			continue
		case bytes.HasPrefix(trim, []byte("-----END ")):
			p.done = true
			continue
		case bytes.IndexByte(trim, ':') >= 0:
			continue // Proc-Type and similar header lines
		}
		p.line = append(p.line[:0], line...)
		j := 0
		for _, c := range p.line {
			if isSpace(c) || c == '=' {
				continue
			}
			p.line[j] = c
			j++
		}
		p.line = p.line[:j]
		if errors.Is(err, io.EOF) && len(p.line) == 0 {
			return 0, &FormatError{Msg: "PEM armor without an END line: " + ErrTruncated.Error()}
		}
	}
	n := copy(out, p.line)
	p.line = p.line[n:]
	return n, nil
}
