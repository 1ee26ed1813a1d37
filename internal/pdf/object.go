// Package pdf is firma's own small PDF reader and incremental writer
// (ISO 32000-1 and -2), made for signing and verifying PAdES signatures:
// it reads bytes as they are and never repairs a file, and it writes only
// incremental updates appended to the untouched input.
//
// The reader covers what a signer and a verifier need: the header, the
// %%EOF/startxref scan, cross-reference tables (section 7.5.4) and
// cross-reference streams with Flate and PNG predictors (7.5.8), object
// streams (7.5.7), hybrid-reference files (/XRefStm, 7.5.8.4), /Prev chains
// with loop and offset guards, a lexer with depth and size limits, and the
// standard security handler for reading (7.6.4: RC4 and AES-128, R2-R4; AES-256,
// R5 and R6) with a user password. Objects are read lazily through an
// io.ReaderAt: memory does not grow with the file, only with the objects
// asked for, and every read is bounded by Limits.
//
// The writer (Update) lays out the objects of one incremental update and
// its cross-reference section in the form of the input's last section
// (table or stream), with /Prev, /Size and /ID right (7.5.6).
package pdf

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
)

// Object is a PDF object: nil (null), bool, int64, Real, Name, String,
// Array, Dict, Ref or *Stream.
type Object any

// Name is a PDF name without its leading slash.
type Name string

// Real is a PDF real number.
type Real float64

// String is a PDF string. Value is the decoded (and decrypted) value; Raw
// the bytes as written in the file between the delimiters; Start and End
// the offsets of the token in the file, delimiters included (End
// exclusive), or -1 for strings not read from the file (or from an
// object stream).
type String struct {
	Value      []byte
	Raw        []byte
	Hex        bool
	Start, End int64
	// undecrypted holds why the security handler could not decrypt the
	// string (a signature's clear /Contents is expected to fail).
	undecrypted error
}

// Ref is an indirect reference.
type Ref struct {
	Num int
	Gen int
}

func (r Ref) String() string { return fmt.Sprintf("%d %d R", r.Num, r.Gen) }

// Array is a PDF array.
type Array []Object

// Dict is a PDF dictionary.
type Dict map[Name]Object

// Stream is a stream object: its dictionary and where its data starts.
type Stream struct {
	Dict Dict
	// Offset is the file offset of the first data byte.
	Offset int64
	// Length is the resolved /Length.
	Length int64
	// Ref is the stream's own object number (for decryption).
	Ref Ref
}

// Name returns d[k] as a Name, or "".
func (d Dict) Name(k Name) Name { n, _ := d[k].(Name); return n }

// Int returns d[k] as an integer when it is a direct one.
func (d Dict) Int(k Name) (int64, bool) { i, ok := d[k].(int64); return i, ok }

// Clone copies d one level deep.
func (d Dict) Clone() Dict {
	c := make(Dict, len(d))
	for k, v := range d {
		c[k] = v
	}
	return c
}

// Append writes o in PDF syntax to b. Strings are written as their Raw
// bytes when they have them (so an encrypted string rewritten in its own
// object keeps its ciphertext), else as a literal or hex string of Value.
func Append(b *bytes.Buffer, o Object) {
	switch v := o.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case int:
		b.WriteString(strconv.Itoa(v))
	case Real:
		s := strconv.FormatFloat(float64(v), 'f', -1, 64)
		b.WriteString(s)
	case Name:
		appendName(b, v)
	case String:
		appendString(b, v)
	case Ref:
		fmt.Fprintf(b, "%d %d R", v.Num, v.Gen)
	case Array:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(' ')
			}
			Append(b, e)
		}
		b.WriteByte(']')
	case Dict:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, string(k))
		}
		sort.Strings(keys)
		// /Type first reads better and is what every writer does.
		for i, k := range keys {
			if k == "Type" && i > 0 {
				copy(keys[1:i+1], keys[:i])
				keys[0] = "Type"
			}
		}
		b.WriteString("<<")
		for _, k := range keys {
			appendName(b, Name(k))
			b.WriteByte(' ')
			Append(b, v[Name(k)])
		}
		b.WriteString(">>")
	case Raw:
		b.Write(v)
	default:
		panic(fmt.Sprintf("pdf: cannot write %T", o))
	}
}

// Raw is bytes written as they are (placeholders).
type Raw []byte

func appendName(b *bytes.Buffer, n Name) {
	b.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c <= ' ' || c >= 0x7f || c == '#' || isDelim(c) {
			fmt.Fprintf(b, "#%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
}

func appendString(b *bytes.Buffer, s String) {
	if s.Raw != nil {
		if s.Hex {
			b.WriteByte('<')
			b.Write(s.Raw)
			b.WriteByte('>')
		} else {
			b.WriteByte('(')
			b.Write(s.Raw)
			b.WriteByte(')')
		}
		return
	}
	if s.Hex {
		fmt.Fprintf(b, "<%X>", s.Value)
		return
	}
	b.WriteByte('(')
	for _, c := range s.Value {
		switch c {
		case '(', ')', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte(')')
}
