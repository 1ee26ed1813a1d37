package pec_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/pectest"
	"github.com/firma-dev/firma/pec"
	"github.com/firma-dev/firma/verify"
)

// lineWriter wraps base64 text at 76 columns with CRLF.
type lineWriter struct {
	w   *bufio.Writer
	col int
}

func (l *lineWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		if l.col == 76 {
			l.w.WriteString("\r\n")
			l.col = 0
		}
		l.w.WriteByte(c)
		l.col++
	}
	return len(p), nil
}

// writeBig writes a transport envelope of about size bytes (an
// attachment of 3/4 of it, base64) to path.
func writeBig(t *testing.T, path string, size int64) {
	marker := []byte("MARKERMARKER")
	spec := pectest.Spec{Kind: "posta-certificata", Time: now.Add(-time.Hour), Attachments: []pectest.File{{Name: "scansione.tiff", ContentType: "image/tiff", Data: marker}}}
	p := getPKI(t)
	spec.Fill(p)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	signedR, signedW := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(signedW, 1<<16)
		// What goes before and after the attachment's body comes from
		// the generator; only the body is made here.
		part := pectest.SignedPart(spec)
		line := []byte(base64.StdEncoding.EncodeToString(marker) + "\r\n")
		i := bytes.Index(part, line)
		bw.Write(part[:i])
		lw := &lineWriter{w: bw}
		enc := base64.NewEncoder(base64.StdEncoding, lw)
		chunk := bytes.Repeat([]byte("firma-pec-"), 6554)
		for n := int64(0); n < size*3/4; n += int64(len(chunk)) {
			enc.Write(chunk)
		}
		enc.Close()
		bw.WriteString("\r\n")
		bw.Write(part[i+len(line):])
		bw.Flush()
		signedW.Close()
	}()
	if err := pectest.WriteMessage(f, p, spec, signedR); err != nil {
		t.Fatal(err)
	}
}

// A 100 MiB message is verified in bounded memory: the splitter keeps
// offsets, the signed part and the attachment are streamed.
func TestLargeMessageBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 100 MiB file")
	}
	path := filepath.Join(t.TempDir(), "big.eml")
	writeBig(t, path, 100<<20)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	if st.Size() < 100<<20 {
		t.Fatalf("file of %d bytes", st.Size())
	}
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
		}
	}()
	r, err := pec.Verify(context.Background(), f, st.Size(), pec.Options{Trust: trust(t), Now: func() time.Time { return now }})
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	if r.Indication != verify.TotalPassed {
		t.Fatalf("%s/%s %s", r.Indication, r.SubIndication, r.Reason)
	}
	if a := r.Postacert.Attachments; len(a) != 1 || a[0].Size < 75<<20 {
		t.Fatalf("attachments %+v", a)
	}
	grown := int64(peak.Load()) - int64(base.HeapInuse)
	t.Logf("file %d MiB, heap grew by %d KiB at most", st.Size()>>20, grown>>10)
	if grown > 32<<20 {
		t.Errorf("heap grew by %d MiB verifying a %d MiB message", grown>>20, st.Size()>>20)
	}
}
