package tsl

import (
	"encoding/base64"
	"errors"
	"io"
	"strings"
	"testing"
)

// A stream is refused once it passes the limit, before it is parsed.
func TestReadBytesLimit(t *testing.T) {
	for n, ok := range map[int]bool{1000: true, 1001: false} {
		b, err := readTSLBytes(io.MultiReader(strings.NewReader("<"), &spaces{n: n - 1}), 1000)
		if ok != (err == nil) || (ok && len(b) != n) {
			t.Errorf("%d bytes, limit 1000: %d %v", n, len(b), err)
		}
	}
}

type spaces struct{ n int }

func (s *spaces) Read(p []byte) (int, error) {
	if s.n == 0 {
		return 0, io.EOF
	}
	n := min(len(p), s.n)
	for i := range p[:n] {
		p[i] = ' '
	}
	s.n -= n
	return n, nil
}

// A certificate that cannot be read is skipped with its error, the same
// as its Reason, for a program that says it in its own words.
func TestSkippedCarriesError(t *testing.T) {
	var l parsedTSL
	err := l.addTSP(&xmlTSP{Name: []string{"TSP"}, Services: []xmlService{{
		Name:  []string{"CA"},
		Certs: []string{"!!!!", "AAAA"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.skipped) != 2 {
		t.Fatalf("skipped %+v", l.skipped)
	}
	var b64 base64.CorruptInputError
	if sk := l.skipped[0]; !errors.As(sk.Err, &b64) || sk.Reason != "bad base64: "+sk.Err.Error() {
		t.Errorf("bad base64: %+v", sk)
	}
	if sk := l.skipped[1]; sk.Err == nil || sk.Reason != sk.Err.Error() || errors.As(sk.Err, &b64) {
		t.Errorf("bad certificate: %+v", sk)
	}
}
