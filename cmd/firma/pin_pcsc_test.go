//go:build cgo

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firma-dev/firma/internal/pcsctest"
	"github.com/firma-dev/firma/internal/vcard"
)

// `firma pin change|unlock --pcsc` against the virtual card through a
// private real pcscd.

// secretFile writes value to a file and returns its path.
func secretFile(t *testing.T, value string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// secretCommands counts the logged commands with instruction ins that
// carry a secret.
func secretCommands(vc *vcard.Card, ins byte) int {
	n := 0
	for _, e := range vc.Log() {
		if e.INS() == ins && len(e.Command) > 5 {
			n++
		}
	}
	return n
}

// noSecrets fails when any of the secrets shows in the outputs.
func noSecrets(t *testing.T, out, errs string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(out, s) || strings.Contains(errs, s) {
			t.Errorf("secret %q in the output:\n%s%s", s, out, errs)
		}
	}
}

func TestPINChangePCSC(t *testing.T) {
	p := pcsctest.Start(t)
	aruba := vcardOf(t, "aruba")
	idemia := vcardOf(t, "idemia")
	p.InsertSlots(aruba, idemia)
	ctx := context.Background()
	const sigRef, newPIN = 0x9A, "24680"

	// Change on the Aruba card: tries unknown (reading them could cost one).
	code, out, errs := runFirma(t, ctx, "pin", "change", "--pcsc", "--reader", pcsctest.Readers[0],
		"--pin-file", secretFile(t, vcard.DefaultPIN), "--new-pin-file", secretFile(t, newPIN))
	if code != ExitOK || out != "signature PIN changed on the card in reader \"Virtual PCD 00 00\"\n" || !aruba.Secret(sigRef, newPIN) {
		t.Fatalf("change: exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(errs, "signature PIN: tries left unknown (on stincard cards the empty VERIFY") {
		t.Errorf("stderr %q", errs)
	}
	noSecrets(t, out, errs, vcard.DefaultPIN, newPIN)

	// A wrong current PIN: exactly one attempt, and what is left is said.
	aruba.ClearLog()
	code, out, errs = runFirma(t, ctx, "pin", "change", "--pcsc", "--reader", pcsctest.Readers[0],
		"--pin-file", secretFile(t, "11111"), "--new-pin-file", secretFile(t, "13579"))
	if code != ExitPIN || !strings.Contains(errs, "firma: error: changing the signature PIN: wrong signature PIN: 2 tries left") ||
		!strings.Contains(errs, "hint: firma does not retry") || !strings.Contains(errs, "firma pin unlock --pcsc") {
		t.Errorf("wrong PIN: exit %d\n%s%s", code, out, errs)
	}
	if n := secretCommands(aruba, 0x24); n != 1 || len(aruba.Log()) != 1 {
		t.Errorf("wrong PIN: %d CHANGE REFERENCE DATA, log %v", n, aruba.Log())
	}
	noSecrets(t, out, errs, "11111", "13579", newPIN)

	// A new PIN that breaks the rules is refused before the card sees it.
	aruba.ClearLog()
	code, _, errs = runFirma(t, ctx, "pin", "change", "--pcsc", "--reader", pcsctest.Readers[0],
		"--pin-file", secretFile(t, newPIN), "--new-pin-file", secretFile(t, "12ab"))
	if code != ExitPINRules || !strings.Contains(errs, "PIN not accepted") || !strings.Contains(errs, "hint: a new PIN of this card is 5 to 8 digits; nothing was sent, no try was used") || len(aruba.Log()) != 0 {
		t.Errorf("bad new PIN: exit %d %s, log %v", code, errs, aruba.Log())
	}

	// On the IDEMIA card the tries are read safely; one left: refused,
	// and nothing but the counter query reaches the card.
	if err := idemia.SetTries(0x1A, 1); err != nil {
		t.Fatal(err)
	}
	idemia.ClearLog()
	args := []string{"pin", "change", "--pcsc", "--reader", pcsctest.Readers[1],
		"--pin-file", secretFile(t, vcard.DefaultPIN), "--new-pin-file", secretFile(t, newPIN)}
	code, out, errs = runFirma(t, ctx, args...)
	if code != ExitLocked || !strings.Contains(errs, "has 1 try left") || !strings.Contains(errs, "--allow-final-try") {
		t.Errorf("final try: exit %d\n%s%s", code, out, errs)
	}
	for _, e := range idemia.Log() {
		if len(e.Command) > 4 {
			t.Errorf("final try refused, yet the card got %s", e)
		}
	}
	code, out, errs = runFirma(t, ctx, append(args, "--allow-final-try")...)
	if code != ExitOK || !strings.Contains(errs, "signature PIN: LAST TRY") || !idemia.Secret(0x1A, newPIN) {
		t.Errorf("allowed final try: exit %d\n%s%s", code, out, errs)
	}
	noSecrets(t, out, errs, vcard.DefaultPIN, newPIN)

	// The CNS PIN, chosen explicitly.
	code, _, errs = runFirma(t, ctx, "pin", "change", "--pcsc", "--card-pin", "cns", "--reader", pcsctest.Readers[1],
		"--pin-file", secretFile(t, vcard.DefaultPIN), "--new-pin-file", secretFile(t, "97531"))
	if code != ExitOK || !strings.Contains(errs, "CNS PIN: 3 tries left") || !idemia.Secret(0x10, "97531") {
		t.Errorf("CNS PIN: exit %d %s", code, errs)
	}
}

func TestPINUnlockPCSC(t *testing.T) {
	p := pcsctest.Start(t)
	aruba := vcardOf(t, "aruba")
	unknown := vcardOf(t, "unknown")
	p.InsertSlots(aruba, unknown)
	ctx := context.Background()
	const pinRef, pukRef = 0x9A, 0x9B
	if err := aruba.SetTries(pinRef, 0); err != nil {
		t.Fatal(err)
	}
	unlock := func(reader, puk, pin string, extra ...string) (int, string, string) {
		args := append([]string{"pin", "unlock", "--pcsc", "--reader", reader,
			"--puk-file", secretFile(t, puk), "--new-pin-file", secretFile(t, pin)}, extra...)
		return runFirma(t, ctx, args...)
	}
	code, out, errs := unlock(pcsctest.Readers[0], vcard.DefaultPUK, "13579")
	if code != ExitOK || !strings.Contains(out, "signature PIN unblocked and replaced") || !aruba.Secret(pinRef, "13579") || aruba.Tries(pinRef) != vcard.MaxTries {
		t.Fatalf("unlock: exit %d\n%s%s", code, out, errs)
	}
	noSecrets(t, out, errs, vcard.DefaultPUK, "13579")

	// The PUK on its last try (which this card cannot report): a wrong
	// PUK kills the card, and firma says so.
	if err := aruba.SetTries(pukRef, 1); err != nil {
		t.Fatal(err)
	}
	code, out, errs = unlock(pcsctest.Readers[0], "11111111", "24680")
	if code != ExitLocked || !strings.Contains(errs, "the card can no longer be unblocked") || !strings.Contains(errs, "new signature kit") {
		t.Errorf("dead card: exit %d\n%s%s", code, out, errs)
	}
	noSecrets(t, out, errs, "11111111", "24680")

	// A card whose PIN references firma does not know: refused, nothing sent.
	code, out, errs = unlock(pcsctest.Readers[1], vcard.DefaultPUK, "13579")
	if code != ExitPCSC || !strings.Contains(errs, "PIN management by APDU is not supported on this card (unknown card)") ||
		!strings.Contains(errs, "without --pcsc") || len(unknown.Log()) != 0 {
		t.Errorf("unknown card: exit %d\n%s%s; log %v", code, out, errs, unknown.Log())
	}

	// --method is a PKCS#11 choice.
	code, _, _ = unlock(pcsctest.Readers[0], vcard.DefaultPUK, "13579", "--method", "setpin")
	if code != ExitUsage {
		t.Errorf("--method with --pcsc: exit %d", code)
	}
}
