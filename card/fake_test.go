package card

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSystem is a scripted PC/SC for states the real stack cannot
// produce on demand (a reader plugged in, polkit refusals, a card held
// exclusively, a mute card). Waiters block on a condition variable, so
// tests drive changes without sleeping.
type fakeSystem struct {
	mu       sync.Mutex
	cond     *sync.Cond
	readers  []string
	state    map[string]StateFlag
	atr      map[string][]byte
	cancel   bool
	calls    []string
	connect  error
	transmit func(cmd []byte) ([]byte, error)
}

func newFake() *fakeSystem {
	f := &fakeSystem{state: map[string]StateFlag{}, atr: map[string][]byte{}}
	f.cond = sync.NewCond(&f.mu)
	return f
}

func (f *fakeSystem) est() establishFunc {
	return func() (system, error) { return f, nil }
}

// set changes a reader (plugging it in if new) and wakes waiters.
func (f *fakeSystem) set(reader string, st StateFlag, atr []byte) {
	f.mu.Lock()
	if !slices.Contains(f.readers, reader) {
		f.readers = append(f.readers, reader)
	}
	f.state[reader], f.atr[reader] = st, atr
	f.mu.Unlock()
	f.cond.Broadcast()
}

// log records a call (f.mu held) and wakes waitCalls.
func (f *fakeSystem) log(s string) {
	f.calls = append(f.calls, s)
	f.cond.Broadcast()
}

func (f *fakeSystem) ListReaders() ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log("list")
	if len(f.readers) == 0 {
		return nil, codeNoReaders
	}
	return slices.Clone(f.readers), nil
}

func (f *fakeSystem) GetStatusChange(states []readerState, timeout time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log("status")
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
		// Wake the waiter at the deadline.
		t := time.AfterFunc(timeout, f.cond.Broadcast)
		defer t.Stop()
	}
	for {
		changed := false
		for i := range states {
			s := &states[i]
			if s.Reader == pnpReader {
				n := StateFlag(len(f.readers)) << 16
				s.EventState = n
				if s.CurrentState>>16 != n>>16 {
					s.EventState |= stateChanged
					changed = true
				}
				continue
			}
			st, ok := f.state[s.Reader]
			if !ok {
				return codeUnknownReader
			}
			s.EventState, s.ATR = st, slices.Clone(f.atr[s.Reader])
			if st != s.CurrentState&^stateChanged {
				s.EventState |= stateChanged
				changed = true
			}
		}
		if changed {
			return nil
		}
		if f.cancel {
			f.cancel = false
			return codeCancelled
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return codeTimeout
		}
		f.cond.Wait()
	}
}

func (f *fakeSystem) Cancel() error {
	f.mu.Lock()
	f.cancel = true
	f.mu.Unlock()
	f.cond.Broadcast()
	return nil
}

func (f *fakeSystem) Release() error { return nil }

func (f *fakeSystem) Connect(reader string) (handle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.log("connect " + reader)
	if f.connect != nil {
		return nil, f.connect
	}
	return &fakeHandle{f: f, reader: reader}, nil
}

type fakeHandle struct {
	f      *fakeSystem
	reader string
}

func (h *fakeHandle) Status() ([]byte, error) {
	h.f.mu.Lock()
	defer h.f.mu.Unlock()
	return h.f.atr[h.reader], nil
}
func (h *fakeHandle) BeginTransaction() error { return nil }
func (h *fakeHandle) EndTransaction() error   { return nil }
func (h *fakeHandle) Disconnect() error       { return nil }
func (h *fakeHandle) DisconnectReset() error {
	h.f.mu.Lock()
	h.f.log("reset")
	h.f.mu.Unlock()
	return nil
}
func (h *fakeHandle) Transmit(cmd []byte) ([]byte, error) {
	h.f.mu.Lock()
	h.f.log("transmit")
	tr := h.f.transmit
	h.f.mu.Unlock()
	if tr == nil {
		return []byte{0x6D, 0x00}, nil
	}
	return tr(cmd)
}

var idemiaATR, _ = ParseHex("3B FF 18 00 00 81 31 FE 45 00 6B 11 05 07 00 01 11 01 43 4E 53 11 31 80 7B")

func TestErrorKindsAndHints(t *testing.T) {
	for code, kind := range map[Code]Kind{
		codeNoService: ErrNoService, codeServiceStopped: ErrNoService,
		codeSecurityViolation: ErrAccessDenied, codeNoReaders: ErrNoReader,
		codeNoSmartcard: ErrNoCard, codeRemovedCard: ErrRemoved, codeResetCard: ErrRemoved,
		codeSharingViolation: ErrBusy, codeUnresponsiveCard: ErrUnresponsive,
		codeTimeout: ErrWaitTimeout, Code(0x80100099): ErrPCSC,
	} {
		err := wrap("doing", "R", code)
		if !errors.Is(err, kind) || !errors.Is(err, code) {
			t.Errorf("%v: %v is not %v", code, err, kind)
		}
		if err.(*Error).Kind != kind || err.(*Error).Code != code || err.(*Error).Reader != "R" {
			t.Errorf("%v: data %+v", code, err)
		}
		if msg := err.Error(); msg != strings.ToLower(msg[:1])+msg[1:] || !strings.Contains(msg, `reader "R"`) {
			t.Errorf("message %q", msg)
		}
	}
	if err := wrap("x", "", context.Canceled); err != context.Canceled {
		t.Errorf("context error rewrapped: %v", err)
	}
}

func TestOpenAccessDenied(t *testing.T) {
	_, err := open(func() (system, error) { return nil, codeSecurityViolation })
	if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), "access to the smartcard service denied") {
		t.Fatalf("%v", err)
	}
}

func TestReaderStates(t *testing.T) {
	f := newFake()
	f.set("A", stateEmpty, nil)
	f.set("B", statePresent|stateExclusive, idemiaATR)
	f.set("C", statePresent|stateInUse, idemiaATR)
	f.set("D", statePresent|stateMute, nil)
	f.set("E", stateUnavailable, nil)
	f.set("F", statePresent, idemiaATR)
	c, _ := open(f.est())
	rs, err := c.Readers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, r.Name+"="+r.State)
	}
	want := []string{"A=empty", "B=exclusive", "C=in-use", "D=mute", "E=unavailable", "F=present"}
	if !slices.Equal(got, want) {
		t.Errorf("states %v, want %v", got, want)
	}
	rep, err := Survey(context.Background(), SurveyOptions{establish: f.est(), SmartcardList: NoSmartcardList})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]ReaderReport{}
	for _, r := range rep.Readers {
		byName[r.Name] = r
	}
	if r := byName["B"]; !errors.Is(r.Err, ErrBusy) || r.PINTries != nil {
		t.Errorf("exclusive card: %+v", r)
	}
	if r := byName["D"]; !errors.Is(r.Err, ErrUnresponsive) {
		t.Errorf("mute card: %+v", r)
	}
	if r := byName["A"]; r.Err != nil || r.Identification != nil {
		t.Errorf("empty reader: %+v", r)
	}
	// The shared and free IDEMIA cards were queried (6D00 from the fake:
	// unexpected status, no counter).
	if r := byName["F"]; r.Err != nil || len(r.PINTries) != 4 || r.PINTries[0].Remaining != nil || !strings.Contains(r.PINTries[0].Note, "6D00") {
		t.Errorf("free card: %+v", r)
	}
}

func TestNoReaders(t *testing.T) {
	f := newFake()
	c, _ := open(f.est())
	rs, err := c.Readers(context.Background())
	if err != nil || len(rs) != 0 {
		t.Fatalf("%v %v", rs, err)
	}
	rep, err := Survey(context.Background(), SurveyOptions{establish: f.est(), SmartcardList: NoSmartcardList})
	if err != nil || len(rep.Readers) != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	if _, err := Survey(context.Background(), SurveyOptions{establish: f.est(), Reader: "X", SmartcardList: NoSmartcardList}); !errors.Is(err, ErrNoReader) {
		t.Fatalf("named reader: %v", err)
	}
}

// A reader plugged in while waiting is noticed through the PnP pseudo
// reader, and its card seen.
func TestWaitNoticesPluggedReader(t *testing.T) {
	f := newFake()
	c, _ := open(f.est())
	res := make(chan []Reader, 1)
	errc := make(chan error, 1)
	go func() {
		r, err := c.Wait(context.Background(), WaitOptions{Want: CardPresent, Timeout: 10 * time.Second})
		res <- r
		errc <- err
	}()
	waitCalls(f, "status")
	f.set("Bit4id miniLector", stateEmpty, nil)
	f.set("Bit4id miniLector", statePresent, idemiaATR)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	r := <-res
	if len(r) != 1 || r[0].Name != "Bit4id miniLector" || !r[0].HasCard() {
		t.Fatalf("readers %+v", r)
	}
}

// waitCalls blocks until the fake has seen call (the waiter is parked).
func waitCalls(f *fakeSystem, call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for !slices.Contains(f.calls, call) {
		f.cond.Wait()
	}
}

func TestWaitNamedReaderAndRemoval(t *testing.T) {
	f := newFake()
	f.set("A", statePresent, idemiaATR)
	f.set("B", statePresent, idemiaATR)
	c, _ := open(f.est())
	// Already true: returns at once.
	if _, err := c.Wait(context.Background(), WaitOptions{Want: CardPresent, Reader: "B"}); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := c.Wait(context.Background(), WaitOptions{Want: CardAbsent, Timeout: 10 * time.Second})
		errc <- err
	}()
	f.set("A", stateEmpty, nil)
	select {
	case err := <-errc:
		t.Fatalf("returned while B still holds a card: %v", err)
	default:
	}
	f.set("B", stateEmpty, nil)
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestWaitTimeoutAndCancel(t *testing.T) {
	f := newFake()
	f.set("A", stateEmpty, nil)
	c, _ := open(f.est())
	checkWaitTimeoutAndCancel(t, c, 50*time.Millisecond)
}

// checkWaitTimeoutAndCancel checks that a wait for a card that never
// comes ends with ErrWaitTimeout, and that cancelling ctx ends it too.
func checkWaitTimeoutAndCancel(t *testing.T, c *Client, timeout time.Duration) {
	t.Helper()
	_, err := c.Wait(context.Background(), WaitOptions{Want: CardPresent, Timeout: timeout})
	if !errors.Is(err, ErrWaitTimeout) {
		t.Fatalf("timeout: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.Wait(ctx, WaitOptions{Want: CardPresent})
		errc <- err
	}()
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancel: %v", err)
	}
}

func TestBusyAndUnresponsive(t *testing.T) {
	f := newFake()
	f.set("A", statePresent, idemiaATR)
	f.connect = codeSharingViolation
	c, _ := open(f.est())
	err := c.WithCard(context.Background(), "A", func(*Tx) error { return nil })
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("busy: %v", err)
	}
	// A card that never answers: the call is abandoned after the bound
	// and the client refuses further use instead of queueing behind it.
	f.connect = nil
	block := make(chan struct{})
	defer close(block)
	f.transmit = func([]byte) ([]byte, error) { <-block; return nil, nil }
	c, _ = open(f.est(), WithOpTimeout(50*time.Millisecond))
	err = c.WithCard(context.Background(), "A", func(tx *Tx) error {
		_, _, err := tx.Transmit("probing", []byte{0, 0x20, 0, 0x10})
		return err
	})
	if !errors.Is(err, ErrUnresponsive) {
		t.Fatalf("unresponsive: %v", err)
	}
	if _, err := c.Readers(context.Background()); !errors.Is(err, ErrUnresponsive) {
		t.Fatalf("client reused after an abandoned call: %v", err)
	}
	c.Close()
}

func TestReadTriesStatusWords(t *testing.T) {
	f := newFake()
	f.set("A", statePresent, idemiaATR)
	answers := map[byte][]byte{0x1A: {0x63, 0xC2}, 0x1B: {0x69, 0x83}, 0x10: {0x90, 0x00}, 0x11: {0x6A, 0x88}}
	f.transmit = func(cmd []byte) ([]byte, error) {
		if len(cmd) != 4 || cmd[1] != 0x20 {
			t.Errorf("unexpected command % X", cmd)
		}
		return answers[cmd[3]], nil
	}
	c, _ := open(f.est())
	var got []Tries
	err := c.WithCard(context.Background(), "A", func(tx *Tx) error {
		var err error
		got, err = ReadTries(tx, Profiles["idemia"], TriesOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if *got[0].Remaining != 2 || got[0].Blocked || *got[1].Remaining != 0 || !got[1].Blocked ||
		got[2].Remaining != nil || !strings.Contains(got[2].Note, "verified") || got[3].Remaining != nil || !strings.Contains(got[3].Note, "not found") {
		t.Errorf("tries %+v", got)
	}
	// Unsafe profile without opt-in: nothing is sent.
	f.mu.Lock()
	f.calls = nil
	f.mu.Unlock()
	err = c.WithCard(context.Background(), "A", func(tx *Tx) error {
		_, err := ReadTries(tx, Profiles["stincard"], TriesOptions{})
		return err
	})
	var upe *UnsafeProbeError
	if !errors.As(err, &upe) || slices.Contains(f.calls, "transmit") || !upe.Asked {
		t.Errorf("unsafe profile: %v, calls %v", err, f.calls)
	}
}

// On a profile not known to be safe, an accepted probe reads the PINs
// first, the PUKs only when asked, and stops at the first counter below
// the full count: the rest are not sent.
func TestReadTriesProbeStopsAtFirstMovedCounter(t *testing.T) {
	p := Profiles["stincard"] // 0x9A, 0x9B (PUK), 0x10, 0x11 (PUK)
	cases := []struct {
		name    string
		answers map[byte][]byte
		puks    bool
		sent    []byte // references queried, in order
		moved   string
	}{
		{"full counters, PINs only", map[byte][]byte{0x9A: {0x63, 0xC3}, 0x10: {0x63, 0xC3}}, false, []byte{0x9A, 0x10}, ""},
		{"full counters, PUKs asked", map[byte][]byte{0x9A: {0x63, 0xC3}, 0x10: {0x63, 0xC3}, 0x9B: {0x63, 0xC3}, 0x11: {0x63, 0xC3}}, true, []byte{0x9A, 0x10, 0x9B, 0x11}, ""},
		{"first PIN moved", map[byte][]byte{0x9A: {0x63, 0xC2}}, true, []byte{0x9A}, "signature PIN"},
		{"second PIN moved, PUKs untouched", map[byte][]byte{0x9A: {0x63, 0xC3}, 0x10: {0x63, 0xC2}}, true, []byte{0x9A, 0x10}, "CNS PIN"},
		{"blocked PIN stops too", map[byte][]byte{0x9A: {0x69, 0x83}}, true, []byte{0x9A}, "signature PIN"},
	}
	for _, c := range cases {
		f := newFake()
		f.set("A", statePresent, idemiaATR)
		var sent []byte
		f.transmit = func(cmd []byte) ([]byte, error) {
			if len(cmd) != 4 || cmd[1] != 0x20 {
				t.Errorf("%s: unexpected command % X", c.name, cmd)
			}
			sent = append(sent, cmd[3])
			return c.answers[cmd[3]], nil
		}
		cl, _ := open(f.est())
		var got []Tries
		err := cl.WithCard(context.Background(), "A", func(tx *Tx) error {
			var err error
			got, err = ReadTries(tx, p, TriesOptions{AcceptTryLoss: true, PUKs: c.puks})
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !bytes.Equal(sent, c.sent) {
			t.Errorf("%s: sent VERIFY to % X, want % X", c.name, sent, c.sent)
		}
		if len(got) != 4 {
			t.Fatalf("%s: %d counters", c.name, len(got))
		}
		for _, tr := range got {
			probed := bytes.IndexByte(sent, tr.Ref) >= 0
			if tr.NotProbed == probed || (!probed && (tr.Remaining != nil || tr.Note == "")) {
				t.Errorf("%s: %+v (probed %v)", c.name, tr, probed)
			}
			if tr.Moved != (tr.Name == c.moved) {
				t.Errorf("%s: %s moved=%v, want moved %q", c.name, tr.Name, tr.Moved, c.moved)
			}
			if tr.PUK && !c.puks && !strings.Contains(tr.Note, "only when asked") {
				t.Errorf("%s: PUK note %q", c.name, tr.Note)
			}
		}
	}
}
