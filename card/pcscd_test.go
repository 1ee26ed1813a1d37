//go:build cgo

package card

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/pcsctest"
	"github.com/firma-dev/firma/internal/vcard"
)

// Integration tests through a private real pcscd with vpcd and the Go
// virtual card (internal/pcsctest). They skip without root or packages.

func newCard(t *testing.T, profile string) *vcard.Card {
	t.Helper()
	c, err := vcard.New(profile)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func openClient(t *testing.T, opts ...Option) *Client {
	t.Helper()
	c, err := Open(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestPCSCReadersAndIdentification(t *testing.T) {
	p := pcsctest.Start(t)
	c := openClient(t)
	ctx := context.Background()
	readers, err := c.Readers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(readers) != 2 || readers[0].Name != pcsctest.Readers[0] || readers[0].State != "empty" || readers[0].ATR != nil {
		t.Fatalf("readers %+v", readers)
	}
	want := map[string]struct{ family, label, module string }{
		"aruba":   {"Italian CNS card, STIncard OS", "Aruba signature card by Incard", ModuleBit4idX},
		"idemia":  {"Italian CNS card, Oberthur/IDEMIA OS", "IDEMIA ID-One CNS v2, CNS 1.1", ModuleBit4idX},
		"athena":  {"Italian CNS card, Athena OS", "Bit4id Digital-DNA Key (Atmel + Athena)", ModuleBit4idX},
		"unknown": {"unknown card", "", ModuleOpenSC},
	}
	// Two cards at a time, one per vpcd slot.
	names := vcard.ProfileNames()
	for i := 0; i < len(names); i += 2 {
		cards := []*vcard.Card{newCard(t, names[i]), newCard(t, names[i+1])}
		p.InsertSlots(cards...)
		rep, err := Survey(ctx, SurveyOptions{SkipPINTries: true, SmartcardList: NoSmartcardList})
		if err != nil {
			t.Fatal(err)
		}
		for slot, vc := range cards {
			name := vc.Profile().Name
			w := want[name]
			r := rep.Readers[slot]
			if r.Name != pcsctest.Readers[slot] || r.State != "present" || !slices.Equal(r.ATR, vc.ATR()) {
				t.Errorf("%s: reader %+v, want ATR % X", name, r.Reader, vc.ATR())
			}
			id := r.Identification
			if id == nil || id.Family != w.family || id.Label != w.label || id.Modules[0] != w.module {
				t.Errorf("%s: identified as %+v", name, id)
			}
			if r.Decoded == nil {
				t.Errorf("%s: ATR not decoded", name)
			}
		}
		p.RemoveSlots(cards...)
		for _, vc := range cards {
			if vc.Count(0x20) != 0 {
				t.Errorf("%s: VERIFY sent by a survey without tries", vc.Profile().Name)
			}
		}
	}
}

func TestPCSCTriesSafeProfile(t *testing.T) {
	p := pcsctest.Start(t)
	vc := newCard(t, "idemia")
	vc.SetTries(0x10, 1)
	vc.SetTries(0x11, 0)
	p.Insert(vc, 0)
	rep, err := Survey(context.Background(), SurveyOptions{SmartcardList: NoSmartcardList})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Readers[0]
	if r.Err != nil || r.PINTriesSource != "safe-profile" || len(r.Warnings) != 0 {
		t.Fatalf("report %+v", r)
	}
	got := map[string]string{}
	for _, tr := range r.PINTries {
		v := "nil"
		if tr.Remaining != nil {
			v = string(rune('0' + *tr.Remaining))
		}
		if tr.Blocked {
			v += " blocked"
		}
		got[tr.Name] = v
	}
	want := map[string]string{"signature PIN": "3", "signature PUK": "3", "CNS PIN": "1", "CNS PUK": "0 blocked"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all %v)", k, got[k], v, got)
		}
	}
	// Reading the counters cost nothing.
	if vc.Tries(0x1A) != 3 || vc.Tries(0x10) != 1 {
		t.Errorf("counters changed: %d %d", vc.Tries(0x1A), vc.Tries(0x10))
	}
}

// On the Aruba profile an empty VERIFY costs a try: firma must never send
// one without the explicit opt-in, and the card's log proves it.
func TestPCSCTriesUnsafeProfile(t *testing.T) {
	p := pcsctest.Start(t)
	vc := newCard(t, "aruba")
	p.Insert(vc, 0)
	rep, err := Survey(context.Background(), SurveyOptions{SmartcardList: NoSmartcardList})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Readers[0]
	if r.PINTries != nil || !strings.Contains(r.PINTriesSkipped, "not known to be harmless") {
		t.Fatalf("report %+v", r)
	}
	if n := vc.Count(0x20); n != 0 {
		t.Fatalf("%d VERIFY sent to the unsafe card: %v", n, vc.Log())
	}
	// ReadTries refuses too, before sending anything.
	c := openClient(t)
	err = c.WithCard(context.Background(), pcsctest.Readers[0], func(tx *Tx) error {
		_, err := ReadTries(tx, Profiles["stincard"], TriesOptions{})
		return err
	})
	var upe *UnsafeProbeError
	if !errors.As(err, &upe) || vc.Count(0x20) != 0 {
		t.Fatalf("ReadTries: %v; log %v", err, vc.Log())
	}
	// Asking is not enough: without the accepted loss of a try firma
	// refuses, with an error, and still sends nothing. (Before issue 9
	// the request alone probed all four secrets and cost a try of each.)
	rep, err = Survey(context.Background(), SurveyOptions{ProbePINTries: true, ProbePUKTries: true, SmartcardList: NoSmartcardList})
	if err != nil {
		t.Fatal(err)
	}
	r = rep.Readers[0]
	if !errors.As(r.Err, &upe) || !upe.Asked || r.PINTries != nil || vc.Count(0x20) != 0 {
		t.Fatalf("probe without consent: %+v; log %v", r, vc.Log())
	}
	// With the loss accepted (PUKs asked too): the first PIN probe costs
	// the try on this card, the counter reads 2 of 3, and firma stops
	// there: one VERIFY, no PUK touched.
	rep, err = Survey(context.Background(), SurveyOptions{ProbePINTries: true, AcceptTryLoss: true, ProbePUKTries: true, SmartcardList: NoSmartcardList})
	if err != nil {
		t.Fatal(err)
	}
	r = rep.Readers[0]
	if r.Err != nil || r.PINTriesSource != "explicit-probe" || len(r.Warnings) != 2 || len(r.PINTries) != 4 {
		t.Fatalf("report %+v", r)
	}
	if !strings.Contains(r.Warnings[1], "signature PIN counter reads 2 of 3") {
		t.Errorf("warnings %q", r.Warnings)
	}
	sig := r.PINTries[0]
	if sig.Name != "signature PIN" || sig.Remaining == nil || *sig.Remaining != 2 || !sig.Moved || vc.Tries(0x9A) != 2 || vc.Count(0x20) != 1 {
		t.Errorf("probe: %+v, card %d, %d VERIFY", sig, vc.Tries(0x9A), vc.Count(0x20))
	}
	for _, tr := range r.PINTries[1:] {
		if !tr.NotProbed || tr.Remaining != nil || vc.Tries(tr.Ref) != 3 {
			t.Errorf("%s: %+v, card %d", tr.Name, tr, vc.Tries(tr.Ref))
		}
	}
}

// A profile not known to be safe, on a card where the query is in fact
// harmless (the virtual Athena card): an accepted probe reads the PINs,
// nothing moves, and the PUKs are probed only when asked.
func TestPCSCTriesProbePUKsOnlyWhenAsked(t *testing.T) {
	p := pcsctest.Start(t)
	vc := newCard(t, "athena")
	p.Insert(vc, 0)
	rep, err := Survey(context.Background(), SurveyOptions{ProbePINTries: true, AcceptTryLoss: true, SmartcardList: NoSmartcardList})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Readers[0]
	if r.Err != nil || r.Identification.Profile.Name != "athena" || len(r.PINTries) != 4 || len(r.Warnings) != 1 {
		t.Fatalf("report %+v", r)
	}
	var refs []byte
	for _, e := range vc.Log() {
		if e.INS() == 0x20 {
			refs = append(refs, e.Command[3])
		}
	}
	if string(refs) != string([]byte{0x1A, 0x10}) {
		t.Errorf("VERIFY sent to % X, want the two PINs only", refs)
	}
	for _, tr := range r.PINTries {
		if tr.PUK != tr.NotProbed || (!tr.PUK && (tr.Remaining == nil || *tr.Remaining != 3)) {
			t.Errorf("%+v", tr)
		}
	}
	vc.ClearLog()
	rep, err = Survey(context.Background(), SurveyOptions{ProbePINTries: true, AcceptTryLoss: true, ProbePUKTries: true, SmartcardList: NoSmartcardList})
	if err != nil {
		t.Fatal(err)
	}
	if n := vc.Count(0x20); n != 4 {
		t.Errorf("%d VERIFY with the PUKs asked, want 4", n)
	}
	for _, tr := range rep.Readers[0].PINTries {
		if tr.NotProbed || tr.Remaining == nil || *tr.Remaining != 3 {
			t.Errorf("%+v", tr)
		}
	}
}

func TestPCSCWaitInsertRemove(t *testing.T) {
	p := pcsctest.Start(t)
	vc := newCard(t, "aruba")
	c := openClient(t)
	ctx := context.Background()
	got := make(chan []Reader, 1)
	errc := make(chan error, 1)
	go func() {
		r, err := c.Wait(ctx, WaitOptions{Want: CardPresent, Timeout: 20 * time.Second})
		got <- r
		errc <- err
	}()
	if err := p.InsertNoWait(vc, 0); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	r := <-got
	if !r[0].HasCard() || !slices.Equal(r[0].ATR, vc.ATR()) {
		t.Fatalf("after insertion: %+v", r)
	}
	go func() {
		r, err := c.Wait(ctx, WaitOptions{Reader: pcsctest.Readers[0], Want: CardAbsent, Timeout: 20 * time.Second})
		got <- r
		errc <- err
	}()
	vc.Remove()
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if r := <-got; r[0].State != "empty" {
		t.Fatalf("after removal: %+v", r)
	}
}

func TestPCSCWaitTimeoutAndCancel(t *testing.T) {
	pcsctest.Start(t)
	c := openClient(t)
	checkWaitTimeoutAndCancel(t, c, 300*time.Millisecond)
}

func TestPCSCRemovedMidOperation(t *testing.T) {
	p := pcsctest.Start(t)
	vc := newCard(t, "idemia")
	p.Insert(vc, 0)
	// Pull the card out when the second VERIFY arrives, inside the
	// transaction.
	n := 0
	vc.RemoveOn(func(apdu []byte) bool {
		if len(apdu) >= 2 && apdu[1] == 0x20 {
			n++
		}
		return n == 2
	})
	rep, err := Survey(context.Background(), SurveyOptions{SmartcardList: NoSmartcardList})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Readers[0]
	if !errors.Is(r.Err, ErrRemoved) {
		t.Fatalf("error %v (%#v), want ErrRemoved", r.Err, r.Err)
	}
	if k := r.Err.(*Error).Kind; k != ErrRemoved {
		t.Errorf("kind %v", k)
	}
}

func TestPCSCUnresponsiveCard(t *testing.T) {
	p := pcsctest.Start(t)
	vc := newCard(t, "idemia")
	p.Insert(vc, 0)
	vc.SetUnresponsive(true)
	c := openClient(t, WithOpTimeout(500*time.Millisecond))
	err := c.WithCard(context.Background(), pcsctest.Readers[0], func(tx *Tx) error {
		_, err := ReadTries(tx, Profiles["idemia"], TriesOptions{})
		return err
	})
	if !errors.Is(err, ErrUnresponsive) {
		t.Fatalf("error %v, want ErrUnresponsive", err)
	}
	// The abandoned call ends when the card goes away (cleanup).
}

func TestPCSCServiceNotRunning(t *testing.T) {
	p := pcsctest.Start(t)
	p.Stop()
	_, err := Open()
	if !errors.Is(err, ErrNoService) {
		t.Fatalf("error %v, want ErrNoService", err)
	}
	if k := err.(*Error).Kind; k != ErrNoService {
		t.Errorf("kind %v", k)
	}
	if _, err := Survey(context.Background(), SurveyOptions{}); !errors.Is(err, ErrNoService) {
		t.Errorf("survey: %v", err)
	}
}

// BenchmarkPCSCReadTries measures one `firma card`-style tries read
// (connect, transaction, 4 empty VERIFY, disconnect) through the real
// pcscd and vpcd. Without TCP_QUICKACK in the virtual card each APDU would
// stall about 40 ms.
func BenchmarkPCSCReadTries(b *testing.B) {
	p := pcsctest.Start(b)
	vc, err := vcard.New("idemia")
	if err != nil {
		b.Fatal(err)
	}
	p.Insert(vc, 0)
	c, err := Open()
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		err := c.WithCard(ctx, pcsctest.Readers[0], func(tx *Tx) error {
			_, err := ReadTries(tx, Profiles["idemia"], TriesOptions{})
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
