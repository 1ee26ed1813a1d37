package pec_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/firma-dev/firma/pec"
)

func split(t testing.TB, s string) *pec.Entity {
	t.Helper()
	e, err := pec.Split(strings.NewReader(s), 0, int64(len(s)))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func body(s string, e *pec.Entity) string { return s[e.BodyStart:e.End] }

// RFC 1847/2046: the line end before a delimiter belongs to the
// delimiter; preamble, epilogue and transport padding are not content.
func TestSplitCutsByBytes(t *testing.T) {
	for _, eol := range []string{"\r\n", "\n"} {
		s := strings.ReplaceAll("Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=\"b\"\n\npreamble\n--b\nContent-Type: text/plain\n\nsigned  text \n\n--b \t\nContent-Type: application/pkcs7-signature\n\nSIG\n--b-- \nepilogue\n--b\nnot a part\n", "\n", eol)
		e := split(t, s)
		if len(e.Children) != 2 || e.Unterminated {
			t.Fatalf("%q: %d children, unterminated %v", eol, len(e.Children), e.Unterminated)
		}
		c := e.Children[0]
		want := strings.ReplaceAll("Content-Type: text/plain\n\nsigned  text \n", "\n", eol)
		if got := s[c.Start:c.End]; got != want {
			t.Errorf("%q: signed part %q, want %q", eol, got, want)
		}
		if body(s, c) != strings.ReplaceAll("signed  text \n", "\n", eol) {
			t.Errorf("%q: body %q", eol, body(s, c))
		}
		if got := body(s, e.Children[1]); got != "SIG" {
			t.Errorf("%q: signature body %q", eol, got)
		}
	}
}

func TestSplitKeepsHeadersAsStored(t *testing.T) {
	s := "X-Ricevuta:  accettazione\r\nSubject: =?iso-8859-1?Q?ACCETTAZIONE:_perch=E8?=\r\n\tcontinua\r\nFrom: a@b\r\nX-Ricevuta: due\r\n\r\nbody"
	e := split(t, s)
	if len(e.Header) != 4 || e.Header[0].Name != "X-Ricevuta" || e.Header[3].Value != "due" || e.Header.Count("x-ricevuta") != 2 {
		t.Fatalf("%+v", e.Header)
	}
	if string(e.Header[1].Raw) != "Subject: =?iso-8859-1?Q?ACCETTAZIONE:_perch=E8?=\r\n\tcontinua\r\n" {
		t.Errorf("raw %q", e.Header[1].Raw)
	}
	if e.Header.Get("x-ricevuta") != "accettazione" || body(s, e) != "body" {
		t.Errorf("value %q body %q", e.Header.Get("x-ricevuta"), body(s, e))
	}
}

func TestSplitBounds(t *testing.T) {
	var b strings.Builder
	for i := 0; i <= pec.MaxDepth+1; i++ {
		b.WriteString("Content-Type: multipart/mixed; boundary=\"b" + strings.Repeat("x", i) + "\"\r\n\r\n--b" + strings.Repeat("x", i) + "\r\n")
	}
	if _, err := pec.Split(strings.NewReader(b.String()), 0, int64(b.Len())); err == nil {
		t.Error("nesting beyond MaxDepth accepted")
	}
	many := "Content-Type: multipart/mixed; boundary=b\r\n\r\n" + strings.Repeat("--b\r\n\r\nx\r\n", pec.MaxEntities+1)
	if _, err := pec.Split(strings.NewReader(many), 0, int64(len(many))); err == nil {
		t.Error("more than MaxEntities parts accepted")
	}
	huge := "X-A: " + strings.Repeat("a", pec.MaxHeader) + "\r\n\r\n"
	if _, err := pec.Split(strings.NewReader(huge), 0, int64(len(huge))); err == nil {
		t.Error("a header over MaxHeader accepted")
	}
}

func checkTree(t *testing.T, e *pec.Entity, lo, hi int64) {
	if e.Start < lo || e.Start > e.BodyStart || e.BodyStart > e.End || e.End > hi {
		t.Fatalf("entity out of range: %d %d %d in [%d,%d]", e.Start, e.BodyStart, e.End, lo, hi)
	}
	prev := e.BodyStart
	for _, c := range e.Children {
		if c.Start < prev {
			t.Fatalf("children overlap")
		}
		checkTree(t, c, e.BodyStart, e.End)
		prev = c.End
	}
	if e.Message != nil {
		checkTree(t, e.Message, e.BodyStart, e.End)
	}
}

func FuzzSplit(f *testing.F) {
	f.Add([]byte("Content-Type: multipart/signed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b\r\n\r\ny\r\n--b--\r\n"))
	f.Add([]byte("Content-Type: message/rfc822\n\nContent-Type: multipart/mixed; boundary=c\n\n--c\n\n--c--"))
	f.Add(build(f, specSmall()))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := pec.Split(bytes.NewReader(b), 0, int64(len(b)))
		if err != nil {
			return
		}
		checkTree(t, e, 0, int64(len(b)))
		_, _ = pec.Open(bytes.NewReader(b), int64(len(b)))
	})
}

func FuzzDaticert(f *testing.F) {
	f.Add(daticertSeed())
	f.Add(append([]byte{0xff, 0xfe}, []byte("<\x00p\x00")...))
	f.Add([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><postacert tipo="accettazione"><intestazione><oggetto>perch` + "\xe8" + `</oggetto></intestazione></postacert>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := pec.ParseDaticert(b)
		if err == nil && d.Kind == "" {
			t.Fatal("a daticert without kind accepted")
		}
	})
}
