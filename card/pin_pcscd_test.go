//go:build cgo

package card

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/firma-dev/firma/internal/pcsctest"
	"github.com/firma-dev/firma/internal/vcard"
)

// PIN management through a private real pcscd against the virtual card,
// whose PIN and PUK counters behave like a card's (3 tries, 63Cx, 6983).

func constSecrets(secret, pin string) (func(SecretRef) ([]byte, error), func() ([]byte, error)) {
	return func(SecretRef) ([]byte, error) { return []byte(secret), nil },
		func() ([]byte, error) { return []byte(pin), nil }
}

// commands counts the logged commands with instruction ins that carry
// data (a presented secret).
func commands(vc *vcard.Card, ins byte) int {
	n := 0
	for _, e := range vc.Log() {
		if e.INS() == ins && len(e.Command) > 5 {
			n++
		}
	}
	return n
}

func TestPINBlockUnblockAndDeadCard(t *testing.T) {
	p := pcsctest.Start(t)
	vc := newCard(t, "aruba") // STIncard profile: tries not readable safely
	p.Insert(vc, 0)
	c := openClient(t)
	ctx := context.Background()
	reader := pcsctest.Readers[0]
	prof := Profiles["stincard"]
	pin, _ := prof.Secret("signature PIN")
	puk, _ := prof.PUKFor(pin)

	// Three wrong VERIFYs block the PIN (the virtual card, like many real
	// ones, answers the third with 6983 rather than 63C0); the fourth is
	// refused unchecked.
	for i, want := range []int{2, 1, 0} {
		err := c.WithCard(ctx, reader, func(tx *Tx) error { return Verify(tx, prof.PINFormat, pin, []byte("00000000")) })
		var pe *PINError
		if !errors.As(err, &pe) || pe.Wrong != (want > 0) || pe.Remaining != want || pe.Blocked != (want == 0) {
			t.Fatalf("wrong VERIFY %d: %v", i+1, err)
		}
	}
	err := c.WithCard(ctx, reader, func(tx *Tx) error { return Verify(tx, prof.PINFormat, pin, []byte(vcard.DefaultPIN)) })
	var pe *PINError
	if !errors.As(err, &pe) || pe.Wrong || !pe.Blocked || vc.Tries(pin.Ref) != 0 {
		t.Fatalf("VERIFY of a blocked PIN: %v", err)
	}

	// The PUK unblocks it with a new PIN, which then verifies.
	sec, nw := constSecrets(vcard.DefaultPUK, "13579")
	if err := c.PINUnblock(ctx, PINOptions{Reader: reader, Secret: sec, New: nw}); err != nil {
		t.Fatal(err)
	}
	if !vc.Secret(pin.Ref, "13579") || vc.Tries(pin.Ref) != vcard.MaxTries || vc.Tries(puk.Ref) != vcard.MaxTries {
		t.Fatalf("after unblock: PIN tries %d, PUK tries %d", vc.Tries(pin.Ref), vc.Tries(puk.Ref))
	}
	if err := c.WithCard(ctx, reader, func(tx *Tx) error { return Verify(tx, prof.PINFormat, pin, []byte("13579")) }); err != nil {
		t.Fatalf("the new PIN does not verify: %v", err)
	}
	// The card was reset at disconnection: no verified state is left.
	if vc.Verified(pin.Ref) {
		t.Error("the PIN is still verified after firma disconnected")
	}

	// Three wrong PUKs make the card dead; each attempt is one command.
	vc.ClearLog()
	for i, want := range []int{2, 1, 0} {
		sec, nw := constSecrets("11111111", "24680")
		err := c.PINUnblock(ctx, PINOptions{Reader: reader, Secret: sec, New: nw, AllowFinalTry: true})
		var pe *PINError
		if !errors.As(err, &pe) || !pe.Secret.PUK || pe.Remaining != want || pe.Blocked != (want == 0) {
			t.Fatalf("wrong PUK %d: %v", i+1, err)
		}
		if n := commands(vc, 0x2C); n != i+1 {
			t.Fatalf("after wrong PUK %d: %d RESET RETRY COUNTER commands", i+1, n)
		}
		if want == 0 && (!strings.Contains(err.Error(), "can no longer be unblocked") || !pe.Blocked || !pe.Secret.PUK) {
			t.Errorf("dead card message: %v (%+v)", err, pe)
		}
	}
	sec, nw = constSecrets(vcard.DefaultPUK, "24680")
	err = c.PINUnblock(ctx, PINOptions{Reader: reader, Secret: sec, New: nw, AllowFinalTry: true})
	if !errors.As(err, &pe) || !pe.Blocked || !pe.Secret.PUK || pe.Wrong {
		t.Fatalf("unblock with a blocked PUK: %v", err)
	}
	if vc.Tries(puk.Ref) != 0 || !vc.Secret(pin.Ref, "13579") {
		t.Errorf("dead card: PUK tries %d", vc.Tries(puk.Ref))
	}
	for _, e := range vc.Log() {
		if bytes.Contains(e.Command, []byte(vcard.DefaultPIN)) {
			t.Errorf("the old PIN was sent: %s", e)
		}
	}
}

func TestPINChangeSafeProfile(t *testing.T) {
	p := pcsctest.Start(t)
	vc := newCard(t, "idemia") // tries readable with the empty VERIFY
	p.Insert(vc, 0)
	c := openClient(t)
	ctx := context.Background()
	reader := pcsctest.Readers[0]
	const ref = 0x1A

	var shown Tries
	sec, nw := constSecrets(vcard.DefaultPIN, "24680")
	err := c.PINChange(ctx, PINOptions{Reader: reader, Secret: sec, New: nw, Before: func(tr Tries) error { shown = tr; return nil }})
	if err != nil || !vc.Secret(ref, "24680") || vc.Verified(ref) {
		t.Fatalf("change: %v", err)
	}
	if shown.Remaining == nil || *shown.Remaining != 3 {
		t.Errorf("tries shown before: %+v", shown)
	}

	// A wrong PIN: exactly one CHANGE REFERENCE DATA, tries in the error.
	vc.ClearLog()
	sec, nw = constSecrets("99999", "13579")
	err = c.PINChange(ctx, PINOptions{Reader: reader, Secret: sec, New: nw})
	var pe *PINError
	if !errors.As(err, &pe) || pe.Remaining != 2 || commands(vc, 0x24) != 1 {
		t.Fatalf("wrong PIN: %v; log %v", err, vc.Log())
	}

	// One try left: refused, and the card saw no secret at all.
	if err := vc.SetTries(ref, 1); err != nil {
		t.Fatal(err)
	}
	vc.ClearLog()
	asked := false
	err = c.PINChange(ctx, PINOptions{Reader: reader, New: nw, Secret: func(SecretRef) ([]byte, error) { asked = true; return []byte("24680"), nil }})
	var fe *FinalTryError
	if !errors.As(err, &fe) || asked {
		t.Fatalf("final try: %v (asked %v)", err, asked)
	}
	for _, e := range vc.Log() {
		if len(e.Command) > 4 {
			t.Errorf("a secret was sent on a refused final try: %s", e)
		}
	}
	// Allowed explicitly, the right PIN goes through.
	sec, nw = constSecrets("24680", "13579")
	if err := c.PINChange(ctx, PINOptions{Reader: reader, Secret: sec, New: nw, AllowFinalTry: true}); err != nil || !vc.Secret(ref, "13579") {
		t.Fatalf("allowed final try: %v", err)
	}
}
