package vcard

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"testing"
)

func newCard(t *testing.T, profile string) *Card {
	t.Helper()
	c, err := New(profile)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func cmd(head string, data ...[]byte) []byte {
	b := mustHex(head)
	var d []byte
	for _, x := range data {
		d = append(d, x...)
	}
	if len(d) > 0 {
		b = append(b, byte(len(d)))
		b = append(b, d...)
	}
	return b
}

func send(t *testing.T, c *Card, command []byte, wantSW string) {
	t.Helper()
	resp, act := c.handleAPDU(command)
	if act != actAnswer {
		t.Fatalf("%X: action %v", command, act)
	}
	if got := formatSW(resp); got != wantSW {
		t.Fatalf("%X: answered %s, want %s", command, got, wantSW)
	}
}

// formatSW formats a response's status word for test messages.
func formatSW(resp []byte) string {
	if len(resp) < 2 {
		return "(none)"
	}
	return fmt.Sprintf("%X", resp[len(resp)-2:])
}

func TestVerifyCounters(t *testing.T) {
	c := newCard(t, "idemia")
	wrong, right := pad("00000"), pad(DefaultPIN)
	send(t, c, cmd("00200010"), "63C3")
	send(t, c, cmd("00200010", wrong), "63C2")
	send(t, c, cmd("00200010", wrong), "63C1")
	send(t, c, cmd("00200010"), "63C1") // the query costs nothing on this profile
	send(t, c, cmd("00200010", right), "9000")
	if c.Tries(0x10) != 3 || !c.Verified(0x10) {
		t.Fatalf("after the right PIN: tries %d verified %v", c.Tries(0x10), c.Verified(0x10))
	}
	send(t, c, cmd("00200010"), "9000") // verified
	for _, want := range []string{"63C2", "63C1", "6983", "6983"} {
		send(t, c, cmd("00200010", wrong), want)
	}
	send(t, c, cmd("00200010", right), "6983") // blocked even with the right PIN
	send(t, c, cmd("00200010"), "6983")
	send(t, c, cmd("00200055"), "6A88")
	if c.Count(0x20) != 13 {
		t.Errorf("log has %d VERIFY", c.Count(0x20))
	}
}

func TestEmptyVerifyCountsOnUnsafeProfile(t *testing.T) {
	c := newCard(t, "aruba")
	send(t, c, cmd("0020009A"), "63C2")
	send(t, c, cmd("0020009A"), "63C1")
	send(t, c, cmd("0020009A"), "6983")
	if c.Tries(0x9A) != 0 {
		t.Fatalf("tries %d", c.Tries(0x9A))
	}
	// The PUK unblocks it: RESET RETRY COUNTER with PUK || new PIN.
	send(t, c, cmd("002C009A", pad("11111111"), pad("2468")), "63C2") // wrong PUK
	if c.Tries(0x9B) != 2 {
		t.Fatalf("PUK tries %d", c.Tries(0x9B))
	}
	send(t, c, cmd("002C009A", pad(DefaultPUK), pad("2468")), "9000")
	if c.Tries(0x9A) != 3 || c.Tries(0x9B) != 3 || !c.Secret(0x9A, "2468") {
		t.Fatalf("after unblock: PIN tries %d PUK tries %d", c.Tries(0x9A), c.Tries(0x9B))
	}
	send(t, c, cmd("002C009B", pad(DefaultPUK), pad("2468")), "6A88") // a PUK has no PUK
}

func TestChangeReferenceData(t *testing.T) {
	c := newCard(t, "athena")
	send(t, c, cmd("0024001A", pad("99999999"), pad("13579")), "63C2")
	send(t, c, cmd("0024001A", pad(DefaultPIN), pad("13579")), "9000")
	if !c.Secret(0x1A, "13579") || c.Secret(0x1A, DefaultPIN) || c.Tries(0x1A) != 3 {
		t.Fatal("PIN not changed")
	}
	send(t, c, cmd("0024001A", pad("13579")), "6700")
	send(t, c, cmd("0020001A", pad("13579")), "9000")
}

func TestSelectAndMalformed(t *testing.T) {
	c := newCard(t, "unknown")
	send(t, c, cmd("00A40000", []byte{0x3F, 0x00}), "9000")
	send(t, c, cmd("00A40000"), "9000")
	send(t, c, cmd("00A40000", []byte{0x12, 0x34}), "6A82")
	send(t, c, cmd("00A40800", []byte{0x11, 0x00, 0x10, 0x00}), "9000")
	send(t, c, cmd("00A40800", []byte{0x11}), "6A80")
	send(t, c, cmd("00A40C00"), "6A86")
	send(t, c, cmd("00CA0000"), "6D00")
	send(t, c, cmd("FF200010"), "6E00")
	send(t, c, []byte{0x00, 0x20}, "6700")
	send(t, c, []byte{0x00, 0x20, 0x00, 0x10, 0x05, 0x01}, "6700") // Lc beyond data
}

func TestProfilesParse(t *testing.T) {
	for _, n := range ProfileNames() {
		p := Profiles[n]
		if p.Name != n || len(p.ATR) < 2 || len(p.Secrets) != 4 {
			t.Errorf("profile %s: %+v", n, p)
		}
	}
	if _, err := New("nosuch"); err == nil {
		t.Error("unknown profile accepted")
	}
}

// fakeVPCD plays vpcd's side of the protocol over loopback TCP.
type fakeVPCD struct {
	t  *testing.T
	ln net.Listener
	c  net.Conn
}

func (f *fakeVPCD) send(msg []byte) {
	f.t.Helper()
	b := make([]byte, 2+len(msg))
	binary.BigEndian.PutUint16(b, uint16(len(msg)))
	copy(b[2:], msg)
	if _, err := f.c.Write(b); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeVPCD) recv() []byte {
	f.t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(f.c, h[:]); err != nil {
		f.t.Fatal(err)
	}
	b := make([]byte, binary.BigEndian.Uint16(h[:]))
	if _, err := io.ReadFull(f.c, b); err != nil {
		f.t.Fatal(err)
	}
	return b
}

func TestVPCDProtocol(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c := newCard(t, "aruba")
	if err := c.Insert(context.Background(), ln.Addr().String(), nil); err != nil {
		t.Fatal(err)
	}
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeVPCD{t: t, ln: ln, c: conn}
	if !c.Inserted() {
		t.Fatal("not inserted")
	}
	if err := c.Insert(context.Background(), ln.Addr().String(), nil); err != ErrInserted {
		t.Fatalf("second insert: %v", err)
	}
	f.send([]byte{ctrlATR})
	if got := f.recv(); !bytes.Equal(got, c.ATR()) {
		t.Fatalf("ATR %X", got)
	}
	f.send([]byte{ctrlOn})
	f.send(cmd("0020009A", pad(DefaultPIN)))
	if got := f.recv(); !bytes.Equal(got, []byte{0x90, 0x00}) {
		t.Fatalf("VERIFY %X", got)
	}
	if !c.Verified(0x9A) {
		t.Fatal("not verified")
	}
	f.send([]byte{ctrlReset}) // verification does not survive a reset
	f.send([]byte{ctrlATR})
	f.recv()
	if c.Verified(0x9A) {
		t.Fatal("still verified after reset")
	}
	// Unresponsive: the command is logged and never answered.
	c.SetUnresponsive(true)
	ch := c.Changed()
	f.send(cmd("0020009A"))
	<-ch
	c.SetUnresponsive(false)
	f.send([]byte{ctrlATR}) // controls are still answered, in order
	if got := f.recv(); !bytes.Equal(got, c.ATR()) {
		t.Fatalf("after silence: %X", got)
	}
	log := c.Log()
	if len(log) != 2 || log[1].Response != nil {
		t.Fatalf("log %v", log)
	}
	// RemoveOn: the matching command closes the connection.
	c.RemoveOn(func(b []byte) bool { return b[1] == 0x24 })
	done := c.Done()
	f.send(cmd("0024009A", pad(DefaultPIN), pad("1")))
	<-done
	if c.Inserted() {
		t.Fatal("still inserted")
	}
	if _, err := io.ReadFull(conn, make([]byte, 1)); err == nil {
		t.Fatal("connection still open")
	}
	c.Remove() // no-op
}

// FuzzCommand: any bytes vpcd may deliver get a status word, never a
// panic, and never change a counter except by a recognised command.
func FuzzCommand(f *testing.F) {
	for _, seed := range [][]byte{
		cmd("0020009A"), cmd("0020001A", pad(DefaultPIN)), cmd("0024001A", pad(DefaultPIN), pad("1")),
		cmd("002C001A", pad(DefaultPUK), pad("1")), cmd("00A40800", []byte{0x11, 0x00}), {0x00}, {},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, profile := range []string{"aruba", "idemia"} {
			c := newCard(t, profile)
			resp, act := c.handleAPDU(b)
			if act != actAnswer || len(resp) < 2 {
				t.Fatalf("%X: response %X action %v", b, resp, act)
			}
			for _, s := range c.profile.Secrets {
				if n := c.Tries(s.Ref); n < MaxTries-1 || n > MaxTries {
					t.Fatalf("%X: %s tries %d", b, s.Name, n)
				}
			}
			// The same bytes on a CNS card, twice (a chain may be open).
			cns, _ := cnsCard(t, profile)
			for range 2 {
				if resp, act := cns.handleAPDU(b); act != actAnswer || len(resp) < 2 {
					t.Fatalf("CNS %X: response %X action %v", b, resp, act)
				}
			}
		}
	})
}
