package card

import (
	"bytes"
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/pinrules"
)

// Unit tests of the APDU encoding, the status-word mapping and the
// safety rules of PINChange/PINUnblock on the scripted PC/SC fake. The
// real counters are exercised through pcscd in pin_pcscd_test.go.

var (
	stincardATR, _ = ParseHex("3B FF 96 00 00 81 31 FE 55 00 6B 02 09 04 03 01 01 01 43 4E 53 10 31 80 EB")
	// An Italian CNS card of a maker firma has no PIN encoding for (G&D).
	gdATR, _      = ParseHex("3B FF 18 00 00 81 31 FE 45 00 6B 05 04 20 00 01 F1 01 43 4E 53 10 31 80 A9")
	unknownATR, _ = ParseHex("3B 88 80 01 46 49 52 4D 41 54 53 54 0B")
)

// script answers each command APDU with the response of the first rule
// whose prefix matches, and records (copies of) the commands.
type script struct {
	rules []struct{ prefix, resp []byte }
	sent  [][]byte
}

func (s *script) on(prefix string, resp string) *script {
	p, err := ParseHex(prefix)
	if err != nil {
		panic(err)
	}
	r, err := ParseHex(resp)
	if err != nil {
		panic(err)
	}
	s.rules = append(s.rules, struct{ prefix, resp []byte }{p, r})
	return s
}

func (s *script) transmit(cmd []byte) ([]byte, error) {
	s.sent = append(s.sent, bytes.Clone(cmd))
	for _, r := range s.rules {
		if bytes.HasPrefix(cmd, r.prefix) {
			return bytes.Clone(r.resp), nil
		}
	}
	return []byte{0x6D, 0x00}, nil
}

// withSecret reports whether any sent command carried data (a secret).
func (s *script) withSecret() bool {
	return slices.ContainsFunc(s.sent, func(c []byte) bool { return len(c) > 4 })
}

func fakeCard(t *testing.T, atr []byte, s *script) (*fakeSystem, *Client) {
	t.Helper()
	f := newFake()
	f.set("R", statePresent, atr)
	f.transmit = s.transmit
	c, err := open(f.est())
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

func secrets(secret, pin string, asked *int) (func(SecretRef) ([]byte, error), func() ([]byte, error)) {
	return func(SecretRef) ([]byte, error) { *asked++; return []byte(secret), nil },
		func() ([]byte, error) { *asked++; return []byte(pin), nil }
}

func TestPINAPDUEncoding(t *testing.T) {
	p := Profiles["stincard"]
	pin, _ := p.Secret("signature PIN")
	puk, _ := p.PUKFor(pin)
	if pin.Ref != 0x9A || puk.Ref != 0x9B {
		t.Fatalf("references %02X %02X", pin.Ref, puk.Ref)
	}
	cases := []struct {
		name string
		run  func(tx *Tx) error
		want string
	}{
		{"verify", func(tx *Tx) error { return Verify(tx, p.PINFormat, pin, []byte("12345")) },
			"00 20 00 9A 08 31 32 33 34 35 FF FF FF"},
		{"change", func(tx *Tx) error {
			return ChangeReferenceData(tx, p.PINFormat, pin, []byte("12345678"), []byte("24680"))
		}, "00 24 00 9A 10 31 32 33 34 35 36 37 38 32 34 36 38 30 FF FF FF"},
		{"reset retry counter", func(tx *Tx) error {
			return ResetRetryCounter(tx, p.PINFormat, puk, pin, []byte("87654321"), []byte("13579"))
		}, "00 2C 00 9A 10 38 37 36 35 34 33 32 31 31 33 35 37 39 FF FF FF"},
	}
	for _, c := range cases {
		s := (&script{}).on("00", "90 00")
		f, cl := fakeCard(t, stincardATR, s)
		if err := cl.WithCard(context.Background(), "R", c.run); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want, _ := ParseHex(c.want)
		if len(s.sent) != 1 || !bytes.Equal(s.sent[0], want) {
			t.Errorf("%s: sent % X, want % X", c.name, s.sent, want)
		}
		// A secret was presented: the card is reset at disconnection.
		if !slices.Contains(f.calls, "reset") {
			t.Errorf("%s: card not reset after presenting a secret: %v", c.name, f.calls)
		}
		cl.Close()
	}
	// Reading tries presents nothing and leaves the card as it is.
	s := (&script{}).on("00 20 00", "63 C3")
	f, cl := fakeCard(t, idemiaATR, s)
	defer cl.Close()
	if err := cl.WithCard(context.Background(), "R", func(tx *Tx) error {
		_, err := ReadTries(tx, Profiles["idemia"], TriesOptions{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(f.calls, "reset") || s.withSecret() {
		t.Errorf("tries read: calls %v, sent % X", f.calls, s.sent)
	}
}

func TestEncodePIN(t *testing.T) {
	f := &PINFormat{Len: 8, Pad: 0xFF}
	for _, bad := range [][]byte{nil, []byte("123456789"), {'1', 0xFF, '2'}} {
		b, err := f.EncodePIN(bad)
		var fe *pinrules.FormatError
		if b != nil || !errors.As(err, &fe) {
			t.Errorf("% X: %v %v", bad, b, err)
		}
		if len(bad) > 0 && strings.Contains(err.Error(), string(bad)) {
			t.Errorf("error %q holds the value", err)
		}
	}
	b, err := f.EncodePIN([]byte("12345678"))
	if err != nil || string(b) != "12345678" {
		t.Errorf("%q %v", b, err)
	}
}

func TestPINStatusWords(t *testing.T) {
	pin := SecretRef{Name: "signature PIN", Ref: 0x1A}
	puk := SecretRef{Name: "signature PUK", Ref: 0x1B, PUK: true, Unblocks: 0x1A}
	type want struct {
		wrong, blocked bool
		remaining      int
		text           string
	}
	cases := []struct {
		s    SecretRef
		sw   uint16
		want *want // nil: success
		st   bool  // *StatusError
	}{
		{pin, 0x9000, nil, false},
		{pin, 0x63C2, &want{true, false, 2, "wrong signature PIN: 2 tries left"}, false},
		{pin, 0x63C1, &want{true, false, 1, "1 try left, one more wrong signature PIN blocks it"}, false},
		{pin, 0x63C0, &want{true, true, 0, "wrong signature PIN: it is now blocked"}, false},
		{pin, 0x6300, &want{true, false, -1, "did not say how many tries are left"}, false},
		{pin, 0x6983, &want{false, true, 0, "the signature PIN is blocked"}, false},
		{pin, 0x6984, &want{false, true, 0, "the signature PIN is blocked"}, false},
		{puk, 0x63C2, &want{true, false, 2, "wrong signature PUK: 2 tries left"}, false},
		{puk, 0x63C0, &want{true, true, 0, "it is now blocked, and the card can no longer be unblocked"}, false},
		{puk, 0x6983, &want{false, true, 0, "the signature PUK is blocked: the card can no longer be unblocked"}, false},
		{pin, 0x6A88, nil, true},
		{pin, 0x6700, nil, true},
		{pin, 0x6F00, nil, true},
	}
	for _, c := range cases {
		err := pinResult("doing", c.s, c.sw)
		var pe *PINError
		var se *StatusError
		switch {
		case c.st:
			if !errors.As(err, &se) || se.SW != c.sw || !strings.Contains(err.Error(), "the card answered") {
				t.Errorf("%04X: %v", c.sw, err)
			}
		case c.want == nil:
			if err != nil {
				t.Errorf("%04X: %v", c.sw, err)
			}
		case !errors.As(err, &pe):
			t.Errorf("%04X: %v", c.sw, err)
		default:
			w := c.want
			if pe.Wrong != w.wrong || pe.Blocked != w.blocked || pe.Remaining != w.remaining || pe.SW != c.sw ||
				!strings.Contains(pe.Error(), w.text) {
				t.Errorf("%s %04X: %+v\n%s", c.s.Name, c.sw, pe, pe.Error())
			}
		}
	}
}

func TestPINChangeRefusals(t *testing.T) {
	ctx := context.Background()
	type tc struct {
		name    string
		atr     []byte
		script  *script
		unblock bool
		allow   bool
		check   func(error) bool
	}
	isA := func(target any) func(error) bool {
		return func(err error) bool { return errors.As(err, target) }
	}
	var (
		nse *NotSupportedError
		fte *FinalTryError
		pe  *PINError
	)
	cases := []tc{
		{"unknown card", unknownATR, &script{}, false, false, isA(&nse)},
		{"maker without PIN format", gdATR, &script{}, true, false, isA(&nse)},
		{"final try", idemiaATR, (&script{}).on("00 20 00 1A", "63 C1"), false, false, isA(&fte)},
		{"final PUK try", idemiaATR, (&script{}).on("00 20 00 1B", "63 C1"), true, false, isA(&fte)},
		{"PIN blocked", idemiaATR, (&script{}).on("00 20 00 1A", "69 83"), false, true, func(err error) bool {
			return errors.As(err, &pe) && pe.Blocked && !pe.Wrong && !pe.Secret.PUK
		}},
		{"PUK blocked", idemiaATR, (&script{}).on("00 20 00 1B", "63 C0"), true, true, func(err error) bool {
			return errors.As(err, &pe) && pe.Blocked && pe.Secret.PUK
		}},
	}
	for _, c := range cases {
		_, cl := fakeCard(t, c.atr, c.script)
		asked := 0
		sec, nw := secrets("12345678", "24680", &asked)
		o := PINOptions{Reader: "R", Secret: sec, New: nw, AllowFinalTry: c.allow}
		var err error
		if c.unblock {
			err = cl.PINUnblock(ctx, o)
		} else {
			err = cl.PINChange(ctx, o)
		}
		cl.Close()
		if !c.check(err) {
			t.Errorf("%s: %v", c.name, err)
		}
		if err != nil && strings.Contains(err.Error(), "12345678") {
			t.Errorf("%s: error holds the secret", c.name)
		}
		if asked != 0 || c.script.withSecret() {
			t.Errorf("%s: asked %d secrets, sent % X", c.name, asked, c.script.sent)
		}
	}
}

func TestPINChangeFlow(t *testing.T) {
	ctx := context.Background()
	// Final try allowed: the tries are shown, the secrets asked, the
	// counter read again in the second transaction, one command sent.
	s := (&script{}).on("00 20 00 1A", "63 C1").on("00 24 00 1A", "90 00")
	f, cl := fakeCard(t, idemiaATR, s)
	defer cl.Close()
	asked := 0
	sec, nw := secrets("12345678", "24680", &asked)
	var shown []Tries
	err := cl.PINChange(ctx, PINOptions{Reader: "R", Secret: sec, New: nw, AllowFinalTry: true,
		Before: func(tr Tries) error { shown = append(shown, tr); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if len(shown) != 1 || shown[0].Remaining == nil || *shown[0].Remaining != 1 || asked != 2 {
		t.Errorf("shown %+v, asked %d", shown, asked)
	}
	want := []string{"00 20 00 1A", "00 20 00 1A", "00 24 00 1A 10 31 32 33 34 35 36 37 38 32 34 36 38 30 FF FF FF"}
	if len(s.sent) != len(want) {
		t.Fatalf("sent % X", s.sent)
	}
	for i, w := range want {
		if wb, _ := ParseHex(w); !bytes.Equal(s.sent[i], wb) {
			t.Errorf("command %d: % X, want %s", i, s.sent[i], w)
		}
	}
	if !slices.Contains(f.calls, "reset") {
		t.Errorf("no reset: %v", f.calls)
	}

	// A wrong PIN: one CHANGE REFERENCE DATA, the counter in the error.
	s = (&script{}).on("00 20 00 1A", "63 C3").on("00 24 00 1A", "63 C2")
	_, cl2 := fakeCard(t, idemiaATR, s)
	defer cl2.Close()
	sec, nw = secrets("11111111", "24680", &asked)
	err = cl2.PINChange(ctx, PINOptions{Reader: "R", Secret: sec, New: nw})
	var pe *PINError
	if !errors.As(err, &pe) || pe.Remaining != 2 || !pe.Wrong || strings.Contains(err.Error(), "11111111") {
		t.Errorf("wrong PIN: %v", err)
	}
	n := 0
	for _, c := range s.sent {
		if c[1] == insChangeRef {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d CHANGE REFERENCE DATA commands", n)
	}

	// Unsafe profile: no counter is read, Before gets a note, the PUK is
	// presented once with RESET RETRY COUNTER on the PIN's reference.
	s = (&script{}).on("00 2C 00 9A", "90 00")
	_, cl3 := fakeCard(t, stincardATR, s)
	defer cl3.Close()
	shown = nil
	sec, nw = secrets("87654321", "13579", &asked)
	var askedFor SecretRef
	err = cl3.PINUnblock(ctx, PINOptions{Reader: "R", New: nw,
		Secret: func(r SecretRef) ([]byte, error) { askedFor = r; return sec(r) },
		Before: func(tr Tries) error { shown = append(shown, tr); return nil }})
	if err != nil || len(s.sent) != 1 || s.sent[0][1] != insResetRetry || askedFor.Ref != 0x9B || !askedFor.PUK {
		t.Fatalf("unblock: %v, sent % X, asked %+v", err, s.sent, askedFor)
	}
	if len(shown) != 1 || shown[0].Remaining != nil || !strings.Contains(shown[0].Note, "may cost a try") {
		t.Errorf("shown %+v", shown)
	}

	// The new PIN breaks the rules: nothing but the counter read is sent.
	for _, bad := range []string{"1234", "12ab5", "12345678"} {
		s = (&script{}).on("00 20 00 1A", "63 C3")
		_, cl4 := fakeCard(t, idemiaATR, s)
		sec, nw = secrets("12345678", bad, &asked)
		err = cl4.PINChange(ctx, PINOptions{Reader: "R", Secret: sec, New: nw})
		cl4.Close()
		var fe *pinrules.FormatError
		if !errors.As(err, &fe) || s.withSecret() || len(s.sent) != 1 {
			t.Errorf("new PIN %q: %v, sent % X", bad, err, s.sent)
		}
	}

	// A PUK or current PIN that cannot be right is not presented (it
	// would only cost a try), and the new PIN is not even asked.
	for _, bad := range []string{"1234567a", "123456789", "1234"} {
		s = (&script{}).on("00 2C", "90 00")
		_, cl6 := fakeCard(t, stincardATR, s)
		asked = 0
		sec, nw = secrets(bad, "24680", &asked)
		err = cl6.PINUnblock(ctx, PINOptions{Reader: "R", Secret: sec, New: nw})
		cl6.Close()
		var fe *pinrules.FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "signature PUK is 5 to 8 digits") || asked != 1 || len(s.sent) != 0 {
			t.Errorf("PUK %q: %v, asked %d, sent % X", bad, err, asked, s.sent)
		}
	}

	// Another card inserted between asking and sending: nothing is sent.
	s = (&script{}).on("00 24", "90 00")
	_, nw = secrets("", "24680", &asked)
	f5, cl5 := fakeCard(t, stincardATR, s)
	defer cl5.Close()
	err = cl5.PINChange(ctx, PINOptions{Reader: "R", New: nw, Secret: func(SecretRef) ([]byte, error) {
		f5.set("R", statePresent, idemiaATR)
		return []byte("12345678"), nil
	}})
	if !errors.Is(err, ErrRemoved) || s.withSecret() {
		t.Errorf("swapped card: %v, sent % X", err, s.sent)
	}
}

// FuzzPINResponse feeds arbitrary response APDUs to the parsing and the
// status-word mapping: no panic, and every result is consistent.
func FuzzPINResponse(f *testing.F) {
	seeds, err := os.ReadFile("testdata/pin_responses.txt")
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(seeds), "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		b, err := ParseHex(line)
		if err != nil {
			f.Fatalf("seed %q: %v", line, err)
		}
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0x90})
	pin := SecretRef{Name: "signature PIN", Ref: 0x1A}
	f.Fuzz(func(t *testing.T, resp []byte) {
		data, sw, ok := parseResponse(resp)
		if !ok {
			if len(resp) >= 2 {
				t.Fatalf("% X not parsed", resp)
			}
			return
		}
		if len(data) != len(resp)-2 || byte(sw>>8) != resp[len(resp)-2] || byte(sw) != resp[len(resp)-1] {
			t.Fatalf("% X: data % X sw %04X", resp, data, sw)
		}
		err := pinResult("op", pin, sw)
		var pe *PINError
		var se *StatusError
		switch {
		case err == nil:
			if sw != 0x9000 {
				t.Fatalf("%04X accepted", sw)
			}
		case errors.As(err, &pe):
			if pe.Remaining < -1 || pe.Remaining > 15 || pe.Blocked != (pe.Remaining == 0) {
				t.Fatalf("%04X: %+v", sw, pe)
			}
		case errors.As(err, &se):
			if se.SW != sw || sw == 0x9000 || sw&0xFFF0 == 0x63C0 || sw == 0x6300 {
				t.Fatalf("%04X: %v", sw, err)
			}
		default:
			t.Fatalf("%04X: %T %v", sw, err, err)
		}
	})
}

// A transmit abandoned after its timeout may still be reading the
// command: the secret must stay intact, or the card would get a block of
// zeros (a wrong PIN, costing a try) once the call goes through.
func TestAbandonedTransmitKeepsCommand(t *testing.T) {
	f := newFake()
	f.set("R", statePresent, stincardATR)
	release := make(chan struct{})
	seen := make(chan []byte, 1)
	f.transmit = func(cmd []byte) ([]byte, error) {
		<-release
		seen <- bytes.Clone(cmd)
		return []byte{0x90, 0x00}, nil
	}
	c, _ := open(f.est(), WithOpTimeout(50*time.Millisecond))
	defer c.Close()
	p := Profiles["stincard"]
	pin, _ := p.Secret("signature PIN")
	err := c.WithCard(context.Background(), "R", func(tx *Tx) error { return Verify(tx, p.PINFormat, pin, []byte("12345")) })
	if !errors.Is(err, ErrUnresponsive) {
		t.Fatalf("err %v", err)
	}
	close(release)
	want, _ := ParseHex("00 20 00 9A 08 31 32 33 34 35 FF FF FF")
	if got := <-seen; !bytes.Equal(got, want) {
		t.Errorf("the card got % X, want % X", got, want)
	}
}
