//go:build cgo

package pcsctest

import (
	"bytes"
	"testing"
	"time"

	"github.com/ebfe/scard"
	"github.com/firma-dev/firma/internal/vcard"
)

// TestStackEndToEnd drives the virtual card through the real pcscd with
// the raw PC/SC API: ATR, VERIFY counters, and removal.
func TestStackEndToEnd(t *testing.T) {
	p := Start(t)
	card, err := vcard.New("idemia")
	if err != nil {
		t.Fatal(err)
	}
	p.Insert(card, 0)

	ctx, err := scard.EstablishContext()
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Release()
	readers, err := ctx.ListReaders()
	if err != nil {
		t.Fatal(err)
	}
	if len(readers) != 2 || readers[0] != Readers[0] || readers[1] != Readers[1] {
		t.Fatalf("readers %q, want %q", readers, Readers)
	}
	c, err := ctx.Connect(Readers[0], scard.ShareShared, scard.ProtocolAny)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Status()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(st.Atr, card.ATR()) {
		t.Fatalf("ATR %X, want %X", st.Atr, card.ATR())
	}
	const n = 20
	start := time.Now()
	for i := 0; i < n; i++ {
		resp, err := c.Transmit([]byte{0x00, 0x20, 0x00, 0x1A})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(resp, []byte{0x63, 0xC3}) {
			t.Fatalf("empty VERIFY answered %X, want 63C3", resp)
		}
	}
	t.Logf("%d APDUs round trip through pcscd: %v each", n, time.Since(start)/n)
	wrong := append([]byte{0x00, 0x20, 0x00, 0x1A, 0x08}, []byte("00000000")...)
	if resp, _ := c.Transmit(wrong); !bytes.Equal(resp, []byte{0x63, 0xC2}) {
		t.Fatalf("wrong PIN answered %X, want 63C2", resp)
	}
	if got := card.Tries(0x1A); got != 2 {
		t.Fatalf("card counter %d, want 2", got)
	}
	c.Disconnect(scard.LeaveCard)
	p.Remove(card, 0)
}

// TestNoReaders: a pcscd without readers answers, lists none, and has no
// vpcd listening for cards; a normal pcscd can follow it.
func TestNoReaders(t *testing.T) {
	p := StartNoReaders(t)
	ctx, err := scard.EstablishContext()
	if err != nil {
		t.Fatal(err)
	}
	names, err := ctx.ListReaders()
	ctx.Release()
	if err != scard.ErrNoReadersAvailable {
		t.Fatalf("readers %q, err %v", names, err)
	}
	if c, err := p.Dial(t.Context(), Addrs[0]); err == nil {
		c.Close()
		t.Fatal("vpcd listens in a pcscd without readers")
	}
	p.Stop()
	p.cleanup()
	q := Start(t)
	card, err := vcard.New("athena")
	if err != nil {
		t.Fatal(err)
	}
	q.Insert(card, 1)
}
