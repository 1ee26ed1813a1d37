package pdf

import (
	"bytes"
	"testing"

	"github.com/firma-dev/firma/internal/pdf/pdftest"
)

// fuzzLimits keep one fuzz input's memory small.
var fuzzLimits = Limits{Decoded: 1 << 20, Object: 1 << 20, String: 1 << 16, Sections: 64}

// FuzzOpen reads a whole file as the verifier does: the chain, the
// catalog, the pages, every object the cross-reference lists, every
// stream decoded, the revisions.
func FuzzOpen(f *testing.F) {
	f.Add(pdftest.Doc(1))
	f.Add(pdftest.Hybrid())
	f.Add(deep())
	f.Fuzz(func(t *testing.T, b []byte) {
		Revisions(bytes.NewReader(b), int64(len(b)))
		r, err := Open(bytes.NewReader(b), int64(len(b)), Options{Limits: fuzzLimits})
		if err != nil {
			return
		}
		r.Pages()
		n := 0
		for num := range r.xref {
			if n++; n > 256 {
				break
			}
			o, err := r.Get(Ref{Num: num, Gen: r.xref[num].gen})
			if s, ok := o.(*Stream); ok && err == nil {
				r.StreamData(s)
			}
		}
		// The writer must lay out an update for anything the reader opens.
		u := NewUpdate(r)
		u.Set(u.Alloc(), Dict{"A": String{Value: []byte("x")}})
		u.Lay()
	})
}

// FuzzObject parses one object with the lexer and writes it back: what
// the writer writes must parse to the same bytes again.
func FuzzObject(f *testing.F) {
	for _, s := range []string{"<< /A [1 2.5 (x\\)) <414> /N#20 3 0 R] /B true /C null >>", "(a(b)c)", "[[[]]]", "<</Contents <00ff> /ByteRange [0 1 2 3]>>"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		l := newLexer(bytes.NewReader(b), int64(len(b)), 0, fuzzLimits)
		o, _, err := l.object(0)
		if err != nil {
			return
		}
		var w bytes.Buffer
		Append(&w, noRaw(o))
		l2 := newLexer(bytes.NewReader(w.Bytes()), int64(w.Len()), 0, fuzzLimits)
		o2, _, err := l2.object(0)
		if err != nil {
			t.Fatalf("writer output %q does not parse: %v", w.Bytes(), err)
		}
		var w2 bytes.Buffer
		Append(&w2, noRaw(o2))
		if !bytes.Equal(w.Bytes(), w2.Bytes()) {
			t.Fatalf("round trip: %q -> %q", w.Bytes(), w2.Bytes())
		}
	})
}

func noRaw(o Object) Object {
	switch v := o.(type) {
	case String:
		v.Raw = nil
		return v
	case Array:
		for i := range v {
			v[i] = noRaw(v[i])
		}
	case Dict:
		for k := range v {
			v[k] = noRaw(v[k])
		}
	}
	return o
}
