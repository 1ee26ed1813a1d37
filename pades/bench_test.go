package pades

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// writeBigPDF writes a one-page PDF of about size bytes: a catalog, a
// page and one unreferenced stream of random bytes, with a table.
func writeBigPDF(tb testing.TB, name string, size int64) {
	tb.Helper()
	f, err := os.Create(name)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var offs []int64
	var n int64
	w := func(s string) {
		k, err := io.WriteString(f, s)
		if err != nil {
			tb.Fatal(err)
		}
		n += int64(k)
	}
	w("%PDF-1.7\n")
	for _, o := range []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << >> >>"} {
		offs = append(offs, n)
		w(fmt.Sprintf("%d 0 obj\n%s\nendobj\n", len(offs), o))
	}
	offs = append(offs, n)
	w(fmt.Sprintf("4 0 obj\n<< /Type /EmbeddedFile /Length %d >>\nstream\n", size))
	k, err := io.CopyN(f, rand.Reader, size)
	if err != nil {
		tb.Fatal(err)
	}
	n += k
	w("\nendstream\nendobj\n")
	x := n
	w("xref\n0 5\n0000000000 65535 f \n")
	for _, o := range offs {
		w(fmt.Sprintf("%010d 00000 n \n", o))
	}
	w(fmt.Sprintf("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", x))
}

// BenchmarkSignPDF signs a PDF of FIRMA_BENCH_SIZE bytes (default 64 MiB)
// into an fsync'd file: compare with one SHA-256 pass plus one fsync'd
// copy (scripts/bench.sh prints the ratio); -benchmem shows that memory
// does not grow with the file.
func BenchmarkSignPDF(b *testing.B) {
	size := int64(64 << 20)
	if s, err := strconv.ParseInt(os.Getenv("FIRMA_BENCH_SIZE"), 10, 64); err == nil && s > 0 {
		size = s
	}
	p := testPKI(b)
	dir := b.TempDir()
	in := filepath.Join(dir, "big.pdf")
	writeBigPDF(b, in, size)
	s := newSigner(b, p.signer, p.ca, nil)
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.Open(in)
		if err != nil {
			b.Fatal(err)
		}
		fi, _ := f.Stat()
		plan, err := Prepare(f, fi.Size(), SignOptions{})
		if err != nil {
			b.Fatal(err)
		}
		out, err := os.Create(filepath.Join(dir, "out.pdf"))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := plan.Sign(context.Background(), s, out, nil); err != nil {
			b.Fatal(err)
		}
		if err := out.Sync(); err != nil {
			b.Fatal(err)
		}
		out.Close()
		f.Close()
	}
}
