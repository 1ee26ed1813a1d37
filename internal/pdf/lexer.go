package pdf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Limits bound what the reader accepts, so that a hostile file gets an
// answer in bounded time and memory.
type Limits struct {
	// Depth bounds nested arrays and dictionaries (default 64).
	Depth int
	// String bounds one string's length (default 16 MiB).
	String int
	// Object bounds the bytes one object may span, streams' data aside
	// (default 64 MiB).
	Object int64
	// Decoded bounds a decoded cross-reference or object stream (default 64 MiB).
	Decoded int64
	// Sections bounds the cross-reference sections of a /Prev chain (default 4096).
	Sections int
}

func (l Limits) withDefaults() Limits {
	if l.Depth <= 0 {
		l.Depth = 64
	}
	if l.String <= 0 {
		l.String = 16 << 20
	}
	if l.Object <= 0 {
		l.Object = 64 << 20
	}
	if l.Decoded <= 0 {
		l.Decoded = 64 << 20
	}
	if l.Sections <= 0 {
		l.Sections = 4096
	}
	return l
}

// SyntaxError reports bytes that are not PDF where PDF was expected.
type SyntaxError struct {
	Offset int64
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("pdf syntax error at offset %d: %s", e.Offset, e.Msg)
}

// LimitError reports a limit of Limits that the file exceeds.
type LimitError struct {
	Offset int64
	What   string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("pdf: %s at offset %d exceeds the reader's limit", e.What, e.Offset)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// lexer reads tokens from an io.ReaderAt through a small window.
type lexer struct {
	r     io.ReaderAt
	size  int64
	pos   int64 // absolute offset of the next byte
	buf   []byte
	bufAt int64 // absolute offset of buf[0]
	lim   Limits
	start int64 // where the current object started (size guard)
	// dec decrypts strings when set.
	dec func(s []byte) ([]byte, error)
}

const window = 4096

func newLexer(r io.ReaderAt, size, at int64, lim Limits) *lexer {
	return &lexer{r: r, size: size, pos: at, bufAt: at, lim: lim, start: at}
}

// peek returns the next byte without consuming it; ok is false at EOF.
func (l *lexer) peek() (byte, bool) {
	if l.pos >= l.size {
		return 0, false
	}
	if l.pos < l.bufAt || l.pos >= l.bufAt+int64(len(l.buf)) {
		n := int64(window)
		if l.size-l.pos < n {
			n = l.size - l.pos
		}
		if cap(l.buf) < int(n) {
			l.buf = make([]byte, n)
		}
		l.buf = l.buf[:n]
		k, err := l.r.ReadAt(l.buf, l.pos)
		if k == 0 && err != nil {
			return 0, false
		}
		l.buf = l.buf[:k]
		l.bufAt = l.pos
	}
	return l.buf[l.pos-l.bufAt], true
}

func (l *lexer) next() (byte, bool) {
	c, ok := l.peek()
	if ok {
		l.pos++
	}
	return c, ok
}

func (l *lexer) errf(format string, a ...any) error {
	return &SyntaxError{Offset: l.pos, Msg: fmt.Sprintf(format, a...)}
}

func (l *lexer) guard() error {
	if l.pos-l.start > l.lim.Object {
		return &LimitError{Offset: l.start, What: "object size"}
	}
	return nil
}

// skipSpace skips white space and comments.
func (l *lexer) skipSpace() {
	for {
		c, ok := l.peek()
		if !ok {
			return
		}
		if isSpace(c) {
			l.pos++
			continue
		}
		if c == '%' {
			for {
				c, ok := l.next()
				if !ok || c == '\n' || c == '\r' {
					break
				}
			}
			continue
		}
		return
	}
}

// token kinds
type tokKind int

const (
	tEOF tokKind = iota
	tInt
	tReal
	tName
	tString
	tKeyword // true, false, null, obj, endobj, stream, R, xref, trailer...
	tArrOpen
	tArrClose
	tDictOpen
	tDictClose
)

type token struct {
	kind tokKind
	i    int64
	f    float64
	s    string // name or keyword
	str  String
	at   int64
}

func (l *lexer) token() (token, error) {
	if err := l.guard(); err != nil {
		return token{}, err
	}
	l.skipSpace()
	at := l.pos
	c, ok := l.next()
	if !ok {
		return token{kind: tEOF, at: at}, nil
	}
	switch {
	case c == '[':
		return token{kind: tArrOpen, at: at}, nil
	case c == ']':
		return token{kind: tArrClose, at: at}, nil
	case c == '<':
		if d, _ := l.peek(); d == '<' {
			l.pos++
			return token{kind: tDictOpen, at: at}, nil
		}
		return l.hexString(at)
	case c == '>':
		if d, _ := l.peek(); d == '>' {
			l.pos++
			return token{kind: tDictClose, at: at}, nil
		}
		return token{}, l.errf("stray '>'")
	case c == '(':
		return l.litString(at)
	case c == '/':
		return l.name(at)
	case c == ')' || c == '{' || c == '}':
		return token{}, l.errf("unexpected %q", c)
	}
	// number or keyword
	var word []byte
	word = append(word, c)
	for {
		d, ok := l.peek()
		if !ok || isSpace(d) || isDelim(d) {
			break
		}
		l.pos++
		word = append(word, d)
		if len(word) > 256 {
			return token{}, l.errf("token too long")
		}
	}
	if (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.' {
		s := string(word)
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return token{kind: tInt, i: i, at: at}, nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !bytes.ContainsAny(word, "eEnNiIxXpP_") {
			return token{kind: tReal, f: f, at: at}, nil
		}
		return token{}, &SyntaxError{Offset: at, Msg: fmt.Sprintf("bad number %q", truncate(word))}
	}
	return token{kind: tKeyword, s: string(word), at: at}, nil
}

func truncate(b []byte) string {
	if len(b) > 32 {
		b = b[:32]
	}
	return string(b)
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (l *lexer) hexString(at int64) (token, error) {
	var raw, val []byte
	var hi byte
	half := false
	for {
		c, ok := l.next()
		if !ok {
			return token{}, &SyntaxError{Offset: at, Msg: "unterminated hex string"}
		}
		if c == '>' {
			break
		}
		raw = append(raw, c)
		if len(raw) > 2*l.lim.String {
			return token{}, &LimitError{Offset: at, What: "string length"}
		}
		if isSpace(c) {
			continue
		}
		v, ok := unhex(c)
		if !ok {
			return token{}, &SyntaxError{Offset: l.pos - 1, Msg: "bad hex digit"}
		}
		if half {
			val = append(val, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		val = append(val, hi<<4)
	}
	return l.finishString(token{kind: tString, at: at, str: String{Value: val, Raw: raw, Hex: true, Start: at, End: l.pos}})
}

func (l *lexer) finishString(t token) (token, error) {
	if l.dec != nil {
		v, err := l.dec(t.str.Value)
		if err != nil {
			// A signature's /Contents is not encrypted (7.6.2), and the
			// lexer does not know which key it reads: objectAt restores
			// /Contents and refuses any other string left undecrypted.
			t.str.undecrypted = &SyntaxError{Offset: t.at, Msg: "cannot decrypt string: " + err.Error()}
			return t, nil
		}
		t.str.Value = v
	}
	return t, nil
}

func (l *lexer) litString(at int64) (token, error) {
	var val []byte
	depth := 1
	rawStart := l.pos
	for {
		c, ok := l.next()
		if !ok {
			return token{}, &SyntaxError{Offset: at, Msg: "unterminated string"}
		}
		if len(val) > l.lim.String {
			return token{}, &LimitError{Offset: at, What: "string length"}
		}
		switch c {
		case '(':
			depth++
			val = append(val, c)
		case ')':
			depth--
			if depth == 0 {
				raw := l.rawBytes(rawStart, l.pos-1)
				return l.finishString(token{kind: tString, at: at, str: String{Value: val, Raw: raw, Start: at, End: l.pos}})
			}
			val = append(val, c)
		case '\\':
			d, ok := l.next()
			if !ok {
				return token{}, &SyntaxError{Offset: at, Msg: "unterminated string"}
			}
			switch d {
			case 'n':
				val = append(val, '\n')
			case 'r':
				val = append(val, '\r')
			case 't':
				val = append(val, '\t')
			case 'b':
				val = append(val, '\b')
			case 'f':
				val = append(val, '\f')
			case '\r':
				if e, _ := l.peek(); e == '\n' {
					l.pos++
				}
			case '\n':
			default:
				if d >= '0' && d <= '7' {
					v := d - '0'
					for k := 0; k < 2; k++ {
						e, ok := l.peek()
						if !ok || e < '0' || e > '7' {
							break
						}
						l.pos++
						v = v*8 + (e - '0')
					}
					val = append(val, v)
				} else {
					val = append(val, d)
				}
			}
		default:
			val = append(val, c)
		}
	}
}

// rawBytes reads [from, to) from the file.
func (l *lexer) rawBytes(from, to int64) []byte {
	b := make([]byte, to-from)
	n, _ := l.r.ReadAt(b, from)
	return b[:n]
}

func (l *lexer) name(at int64) (token, error) {
	var n []byte
	for {
		c, ok := l.peek()
		if !ok || isSpace(c) || isDelim(c) {
			break
		}
		l.pos++
		if c == '#' {
			h, ok1 := l.next()
			g, ok2 := l.next()
			a, ok3 := unhex(h)
			b, ok4 := unhex(g)
			if !ok1 || !ok2 || !ok3 || !ok4 {
				return token{}, &SyntaxError{Offset: at, Msg: "bad #xx escape in name"}
			}
			c = a<<4 | b
		}
		n = append(n, c)
		if len(n) > 1024 {
			return token{}, &LimitError{Offset: at, What: "name length"}
		}
	}
	return token{kind: tName, s: string(n), at: at}, nil
}

// errNotObject is returned when a keyword or closing token is found where
// an object starts.
var errNotObject = errors.New("not an object")

// object parses one direct object, with references "n g R". It returns
// the keyword token when the next thing is a keyword other than true,
// false or null (stream, endobj...), with errNotObject.
func (l *lexer) object(depth int) (Object, token, error) {
	t, err := l.token()
	if err != nil {
		return nil, t, err
	}
	return l.objectFrom(t, depth)
}

func (l *lexer) objectFrom(t token, depth int) (Object, token, error) {
	if depth > l.lim.Depth {
		return nil, t, &LimitError{Offset: t.at, What: "nesting depth"}
	}
	switch t.kind {
	case tEOF:
		return nil, t, &SyntaxError{Offset: t.at, Msg: "unexpected end of file"}
	case tReal:
		return Real(t.f), t, nil
	case tName:
		return Name(t.s), t, nil
	case tString:
		return t.str, t, nil
	case tKeyword:
		switch t.s {
		case "true":
			return true, t, nil
		case "false":
			return false, t, nil
		case "null":
			return nil, t, nil
		}
		return nil, t, errNotObject
	case tInt:
		// Maybe "n g R": look ahead without consuming on failure.
		save := l.pos
		t2, err := l.token()
		if err == nil && t2.kind == tInt && t.i >= 0 && t2.i >= 0 {
			t3, err := l.token()
			if err == nil && t3.kind == tKeyword && t3.s == "R" {
				if t.i > 1<<31 || t2.i > 65535 {
					return nil, t, &SyntaxError{Offset: t.at, Msg: "reference out of range"}
				}
				return Ref{Num: int(t.i), Gen: int(t2.i)}, t, nil
			}
		}
		l.pos = save
		return t.i, t, nil
	case tArrOpen:
		var a Array
		for {
			t2, err := l.token()
			if err != nil {
				return nil, t2, err
			}
			if t2.kind == tArrClose {
				return a, t, nil
			}
			o, t3, err := l.objectFrom(t2, depth+1)
			if err != nil {
				if err == errNotObject {
					return nil, t3, &SyntaxError{Offset: t3.at, Msg: fmt.Sprintf("unexpected %q in array", t3.s)}
				}
				return nil, t3, err
			}
			a = append(a, o)
		}
	case tDictOpen:
		d := Dict{}
		for {
			t2, err := l.token()
			if err != nil {
				return nil, t2, err
			}
			if t2.kind == tDictClose {
				return d, t, nil
			}
			if t2.kind != tName {
				return nil, t2, &SyntaxError{Offset: t2.at, Msg: "dictionary key is not a name"}
			}
			o, t3, err := l.object(depth + 1)
			if err != nil {
				if err == errNotObject {
					return nil, t3, &SyntaxError{Offset: t3.at, Msg: fmt.Sprintf("unexpected %q in dictionary", t3.s)}
				}
				return nil, t3, err
			}
			d[Name(t2.s)] = o
		}
	}
	return nil, t, &SyntaxError{Offset: t.at, Msg: "unexpected token"}
}
