package tsl

import (
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
