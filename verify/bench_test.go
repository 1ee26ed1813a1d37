package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/cms"
)

// largeP7M streams an attached BER p7m of size content bytes (indefinite
// lengths, 64 KiB segments, as openssl -stream writes) without holding
// it: memory used by the generator is one block.
type largeP7M struct {
	parts [][]byte
	block []byte
	left  int64 // content bytes still to emit
	cur   []byte
	next  []byte
	hdr   [5]byte
	stage int
}

func newLargeP7M(tb testing.TB, size int64) (func() io.Reader, error) {
	p := testPKI(tb)
	block := make([]byte, 64<<10)
	rand.New(rand.NewSource(1)).Read(block)
	h := sha256.New()
	for n := size; n > 0; n -= int64(len(block)) {
		h.Write(block[:min(n, int64(len(block)))])
	}
	f := &forge{content: nil, signer: p.valid}
	si := f.signerInfo(tb, h.Sum(nil))
	head := []byte{0x30, 0x80}
	head = append(head, mustMarshal(cms.OIDSignedData)...)
	head = append(head, 0xa0, 0x80, 0x30, 0x80)
	head = append(head, mustMarshal(1)...)
	head = append(head, set(seq(mustMarshal(cms.OIDSHA256), []byte{5, 0}))...)
	head = append(head, 0x30, 0x80)
	head = append(head, mustMarshal(cms.OIDData)...)
	head = append(head, 0xa0, 0x80, 0x24, 0x80)
	certs := set(p.valid.Cert.Raw)
	certs[0] = 0xa0
	tail := []byte{0, 0, 0, 0, 0, 0}
	tail = append(tail, certs...)
	tail = append(tail, set(si)...)
	tail = append(tail, 0, 0, 0, 0, 0, 0)
	return func() io.Reader {
		return &largeP7M{parts: [][]byte{head, tail}, block: block, left: size}
	}, nil
}

func (g *largeP7M) Read(p []byte) (int, error) {
	for len(g.cur) == 0 {
		switch {
		case len(g.next) > 0:
			g.cur, g.next = g.next, nil
		case g.stage == 0:
			g.cur, g.stage = g.parts[0], 1
		case g.stage == 1 && g.left > 0:
			n := min(g.left, int64(len(g.block)))
			g.left -= n
			g.hdr = [5]byte{0x04, 0x83, byte(n >> 16), byte(n >> 8), byte(n)}
			g.cur, g.next = g.hdr[:], g.block[:n]
		case g.stage == 1:
			g.cur, g.stage = g.parts[1], 2
		default:
			return 0, io.EOF
		}
	}
	n := copy(p, g.cur)
	g.cur = g.cur[n:]
	return n, nil
}

// peakHeap samples the live heap while f runs.
func peakHeap(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	var mu sync.Mutex
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			mu.Lock()
			if v := sample[0].Value.Uint64(); v > peak {
				peak = v
			}
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	f()
	close(stop)
	<-done
	return peak
}

// BenchmarkVerifyAttached verifies attached p7m files of growing size,
// extracting the content: peak-heap-MiB must stay flat from 16 MiB to
// 1 GiB (streaming), while MB/s shows the hashing rate.
func BenchmarkVerifyAttached(b *testing.B) {
	p := testPKI(b)
	for _, size := range []int64{16 << 20, 256 << 20, 1 << 30} {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			mk, err := newLargeP7M(b, size)
			if err != nil {
				b.Fatal(err)
			}
			trust := p.trust(b)
			runtime.GC()
			b.SetBytes(size)
			b.ReportAllocs()
			b.ResetTimer()
			var worst uint64
			for i := 0; i < b.N; i++ {
				var rep *Report
				peak := peakHeap(func() {
					rep, err = Verify(context.Background(), mk(), Options{Trust: trust, Extract: io.Discard, Now: at(p.now.Add(time.Hour))})
				})
				if err != nil {
					b.Fatal(err)
				}
				if rep.Indication != TotalPassed || rep.Content.Length != size {
					b.Fatalf("%s %s, content %d", rep.Indication, rep.Reason, rep.Content.Length)
				}
				worst = max(worst, peak)
			}
			b.ReportMetric(float64(worst)/(1<<20), "peak-heap-MiB")
		})
	}
}

// TestLargeP7MGenerator checks the benchmark's input is a real, valid
// signed file (so the benchmark measures verification, not an error path).
func TestLargeP7MGenerator(t *testing.T) {
	p := testPKI(t)
	mk, err := newLargeP7M(t, 200<<10+17)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep := verifyBytes(t, mustRead(t, mk()), Options{Trust: p.trust(t), Extract: &out})
	mustPass(t, rep)
	if out.Len() != 200<<10+17 || rep.Layers[0].Form != "der" {
		t.Errorf("content %d", out.Len())
	}
	if !opensslVerify(t, mustRead(t, mk()), p.caPEM) {
		t.Error("openssl rejects the generated file")
	}
}

func mustRead(t testing.TB, r io.Reader) []byte {
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
