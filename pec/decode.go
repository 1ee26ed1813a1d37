package pec

import (
	"bufio"
	"encoding/base64"
	"io"
	"mime/quotedprintable"
)

// decodeBody undoes a Content-Transfer-Encoding; an unknown one is read
// as stored.
func decodeBody(enc string, r io.Reader) io.Reader {
	switch enc {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &b64Filter{r: bufio.NewReader(r)})
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	}
	return r
}

// b64Filter keeps only base64 alphabet bytes (line ends, blanks and
// anything a mail system inserted are dropped, as RFC 2045 §6.8 says).
type b64Filter struct{ r io.Reader }

func (f *b64Filter) Read(p []byte) (int, error) {
	for {
		n, err := f.r.Read(p)
		j := 0
		for _, c := range p[:n] {
			if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// crlfReader turns every bare LF into CRLF; CRLF stays as it is.
type crlfReader struct {
	r      io.Reader
	lastCR bool
	in     []byte
	store  []byte
	out    []byte
	err    error
}

func newCRLFReader(r io.Reader) *crlfReader {
	return &crlfReader{r: r, in: make([]byte, 32<<10), store: make([]byte, 0, 64<<10)}
}

func (c *crlfReader) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		n, err := c.r.Read(c.in)
		o := c.store[:0]
		for _, b := range c.in[:n] {
			if b == '\n' && !c.lastCR {
				o = append(o, '\r')
			}
			o = append(o, b)
			c.lastCR = b == '\r'
		}
		c.out, c.err = o, err
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

// LineEnds counts the line ends of a byte range.
type LineEnds struct {
	CRLF int64 `json:"crlf"`
	LF   int64 `json:"lf"`
	// BareCR counts CRs not followed by LF, NUL the zero bytes: either
	// makes LF-to-CRLF conversion a guess.
	BareCR int64 `json:"bare_cr"`
	NUL    int64 `json:"nul"`
}

// Storage names the line ends: crlf, lf, mixed or none.
func (l LineEnds) Storage() string {
	switch {
	case l.CRLF > 0 && l.LF > 0:
		return "mixed"
	case l.LF > 0:
		return "lf"
	case l.CRLF > 0:
		return "crlf"
	}
	return "none"
}

func countLineEnds(r io.Reader) (LineEnds, error) {
	var le LineEnds
	buf := make([]byte, 64<<10)
	prevCR := false
	for {
		n, err := r.Read(buf)
		for _, b := range buf[:n] {
			switch b {
			case '\n':
				if prevCR {
					le.CRLF++
				} else {
					le.LF++
				}
			case 0:
				le.NUL++
			}
			if prevCR && b != '\n' {
				le.BareCR++
			}
			prevCR = b == '\r'
		}
		if err == io.EOF {
			if prevCR {
				le.BareCR++
			}
			return le, nil
		}
		if err != nil {
			return le, err
		}
	}
}
