//go:build cgo

package main

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/pcsctest"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/internal/vcard"
)

// A whole virtual Aruba Key: OpenSC's opensc-pkcs11.so over the private
// pcscd + vpcd, with the Go virtual card made an Italian CNS card
// (vcard.LoadCNS) holding test-CA keys. Every command goes through a real
// third-party module doing real APDUs. One pcscd serves the whole test:
// OpenSC is loaded once per process and keeps its PC/SC context.

// openSCModule returns OpenSC's PKCS#11 module, or skips.
func openSCModule(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so", "/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so", "/usr/lib/opensc-pkcs11.so"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("OpenSC's opensc-pkcs11.so is not installed (scripts/deps.sh installs opensc)")
	return ""
}

// cnsCard returns a virtual card of profile loaded with pki's identities
// and serial.
func cnsVCard(t *testing.T, profile string, pki *testpki.CardPKI, serial string) *vcard.Card {
	t.Helper()
	c := vcardOf(t, profile)
	ct := pki.Contents()
	ct.Serial = serial
	if err := c.LoadCNS(ct); err != nil {
		t.Fatal(err)
	}
	return c
}

// tokenJSON is the part of `firma status --json` these tests read.
type tokenJSON struct {
	Token struct {
		Label     string `json:"label"`
		PIN       string `json:"pin"`
		PUK       string `json:"puk"`
		PINSource string `json:"pin_source"`
		PINTries  *int   `json:"pin_tries"`
	} `json:"token"`
	Certificate *struct {
		Label string `json:"label"`
	} `json:"certificate"`
}

func TestArubaKeyOpenSC(t *testing.T) {
	module := openSCModule(t)
	p := pcsctest.Start(t)
	ca, err := testpki.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pki, err := ca.IssueCard(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, testpki.CertPEM(ca.Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	card := cnsVCard(t, "idemia", pki, testpki.CardSerial)
	p.Insert(card, 0)
	ctx := context.Background()
	const sigRef, sigPUK = 0x1A, 0x1B
	firma := func(args ...string) (int, string, string) {
		t.Helper()
		return runFirma(t, ctx, append([]string{"--module", module}, args...)...)
	}
	pinFile := secretFile(t, vcard.DefaultPIN)
	wrongPIN := secretFile(t, "11111")
	status := func() tokenJSON {
		t.Helper()
		code, out, errs := firma("status", "--json")
		var r tokenJSON
		if code != ExitOK || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("status --json: exit %d\n%s%s", code, out, errs)
		}
		return r
	}
	write := func(name, content string) string {
		f := filepath.Join(dir, name)
		if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	opensslVerify := func(sig string, content ...string) {
		t.Helper()
		args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-CAfile", caFile, "-purpose", "any", "-out", os.DevNull}
		if len(content) > 0 {
			args = append(args, "-content", content[0])
		}
		if out, err := exec.Command("openssl", args...).CombinedOutput(); err != nil {
			t.Errorf("openssl cms -verify %s: %v\n%s", filepath.Base(sig), err, out)
		}
	}

	t.Run("status", func(t *testing.T) {
		code, out, errs := firma("status")
		if code != ExitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		for _, want := range []string{"Token         MARIO ROSSI (PIN CNS1)", "(OpenSC)", "Holder        MARIO ROSSI, Medico Chirurgo",
			"Fiscal code   RSSMRA80A01H501U", `label "CNS1"`, "Renewal       OK", "PIN           ok (3 tries left, read from the card)",
			"Known as      IDEMIA ID-One CNS v2, CNS 1.1"} {
			if !strings.Contains(out, want) {
				t.Errorf("status lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "BLOCKED") || strings.Contains(out, "locked") {
			t.Errorf("OpenSC's LOCKED flag leaked into the status:\n%s", out)
		}
	})

	t.Run("pkcs11-tool", func(t *testing.T) {
		if _, err := exec.LookPath("pkcs11-tool"); err != nil {
			t.Skip("pkcs11-tool not installed")
		}
		env := append(os.Environ(), p.Env())
		out, err := runTool(env, "pkcs11-tool", "--module", module, "-L")
		if err != nil || !strings.Contains(out, "MARIO ROSSI (PIN CNS0)") || !strings.Contains(out, "MARIO ROSSI (PIN CNS1)") || !strings.Contains(out, "serial num         : "+testpki.CardSerial) {
			t.Fatalf("pkcs11-tool -L: %v\n%s", err, out)
		}
		// The same token firma uses, its certificate and a signature by
		// its key that verifies with the certificate firma signs with.
		out, err = runTool(env, "pkcs11-tool", "--module", module, "--token-label", "MARIO ROSSI (PIN CNS1)", "-O")
		if err != nil || !strings.Contains(out, "label:      CNS1") || !strings.Contains(out, "serialNumber=TINIT-"+testpki.FiscalCode) {
			t.Fatalf("pkcs11-tool -O: %v\n%s", err, out)
		}
		data := write("tool.txt", "signed by pkcs11-tool\n")
		sig := filepath.Join(dir, "tool.sig")
		out, err = runTool(env, "pkcs11-tool", "--module", module, "--token-label", "MARIO ROSSI (PIN CNS1)", "--login", "--pin", vcard.DefaultPIN,
			"--sign", "--mechanism", "SHA256-RSA-PKCS", "--id", "10", "-i", data, "-o", sig)
		if err != nil {
			t.Fatalf("pkcs11-tool --sign: %v\n%s", err, out)
		}
		pub := filepath.Join(dir, "cns1.pub")
		der, err := x509.MarshalPKIXPublicKey(pki.Sign.Cert.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
			t.Fatal(err)
		}
		if o, err := exec.Command("openssl", "dgst", "-sha256", "-verify", pub, "-signature", sig, data).CombinedOutput(); err != nil {
			t.Errorf("pkcs11-tool's signature does not verify with the CNS1 certificate: %v\n%s", err, o)
		}
	})

	t.Run("sign-verify", func(t *testing.T) {
		before := card.Signatures()
		a := write("referto-a.txt", "referto A\n")
		b := write("referto-b.txt", "referto B\n")
		c := write("referto-c.txt", "referto C\n")
		code, out, errs := firma("sign", "--pin-file", pinFile, a, b)
		if code != ExitOK || !strings.Contains(out, "2 of 2 files signed by MARIO ROSSI") {
			t.Fatalf("sign batch: exit %d\n%s%s", code, out, errs)
		}
		code, out, errs = firma("sign", "--pin-file", pinFile, "--detached", c)
		if code != ExitOK {
			t.Fatalf("sign --detached: exit %d\n%s%s", code, out, errs)
		}
		if n := card.Signatures() - before; n != 3 {
			t.Errorf("the card computed %d signatures, want 3", n)
		}
		// Signed with the CNS1 key, never CNS0: the signer certificate is
		// the signature certificate, and the card used key 10 only.
		for _, e := range card.Log() {
			if e.INS() == 0x22 && len(e.Command) >= 8 && e.Command[2] == 0xF1 && e.Command[len(e.Command)-1] != vcard.KeyRefCNS1 {
				t.Errorf("MSE SET chose another key: %s", e)
			}
		}
		for _, f := range []string{a + ".p7m", b + ".p7m"} {
			opensslVerify(f)
			code, out, errs := firma("verify", "--trust", caFile, f)
			if code != ExitOK || !strings.Contains(out, "TOTAL_PASSED") || !strings.Contains(out, "signer:       MARIO ROSSI") {
				t.Errorf("verify %s: exit %d\n%s%s", f, code, out, errs)
			}
		}
		opensslVerify(c+".p7s", c)
		code, out, errs = firma("verify", "--trust", caFile, c+".p7s")
		if code != ExitOK || !strings.Contains(out, "TOTAL_PASSED") {
			t.Errorf("verify detached: exit %d\n%s%s", code, out, errs)
		}
	})

	// The help-desk report on the same stack: the card, OpenSC, the
	// signature token and its PIN read from the card, no failure.
	t.Run("doctor", func(t *testing.T) {
		code, out, errs := firma("doctor")
		if code != ExitOK {
			t.Fatalf("exit %d\n%s%s", code, out, errs)
		}
		for _, want := range []string{"IDEMIA ID-One CNS v2", "opensc-pkcs11.so loads", `"MARIO ROSSI (PIN CNS1)"`, "MARIO ROSSI, qualified signature", "ok (3 tries left, read from the card)", "0 failed"} {
			if !strings.Contains(out, want) {
				t.Errorf("doctor lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "FAILED") {
			t.Errorf("a check failed:\n%s", out)
		}
	})

	// CAdES-T through the card: the timestamp comes from a local TSA over
	// the signature the card made, and verifies with the test CA.
	t.Run("sign-tsa", func(t *testing.T) {
		tsaID, err := ca.IssueTSA(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tsa, err := testpki.NewTSAServer(tsaID, testpki.TSAServerOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer tsa.Close()
		f := write("referto-tsa.txt", "referto con marca temporale\n")
		code, out, errs := firma("sign", "--pin-file", pinFile, "--tsa", tsa.URLFor(testpki.TSAOK), f)
		if code != ExitOK || !strings.Contains(out, "(timestamp ") {
			t.Fatalf("sign --tsa: exit %d\n%s%s", code, out, errs)
		}
		opensslVerify(f + ".p7m")
		code, out, errs = firma("verify", "--trust", caFile, f+".p7m")
		if code != ExitOK || !strings.Contains(out, "CAdES-B-T") {
			t.Errorf("verify: exit %d\n%s%s", code, out, errs)
		}
	})

	t.Run("pin-state-from-card", func(t *testing.T) {
		// 0, 1 and 2 wrong PINs: the state comes from the card's counter,
		// not from OpenSC's flags (which say LOCKED on a fresh card).
		r := status()
		if r.Token.PIN != "ok" || r.Token.PINSource != "card" || r.Token.PINTries == nil || *r.Token.PINTries != 3 || r.Token.PUK != "ok" {
			t.Fatalf("0 wrong PINs: %+v", r.Token)
		}
		f := write("wrong.txt", "x\n")
		code, _, errs := firma("sign", "--pin-file", wrongPIN, f)
		if code != ExitPIN || !strings.Contains(errs, "wrong PIN: 2 tries left") {
			t.Fatalf("1st wrong PIN: exit %d %s", code, errs)
		}
		if r := status(); r.Token.PIN != "count_low" || *r.Token.PINTries != 2 || card.Tries(sigRef) != 2 {
			t.Fatalf("1 wrong PIN: %+v, card %d", r.Token, card.Tries(sigRef))
		}
		code, _, errs = firma("sign", "--pin-file", wrongPIN, f)
		if code != ExitPIN || !strings.Contains(errs, "wrong PIN: one try left before it is blocked") {
			t.Fatalf("2nd wrong PIN: exit %d %s", code, errs)
		}
		if r := status(); r.Token.PIN != "final_try" || *r.Token.PINTries != 1 {
			t.Fatalf("2 wrong PINs: %+v", r.Token)
		}
		// The third is refused before anything is sent.
		card.ClearLog()
		code, _, errs = firma("sign", "--pin-file", wrongPIN, f)
		if code != ExitLocked || !strings.Contains(errs, "--allow-final-try") || card.Tries(sigRef) != 1 {
			t.Fatalf("3rd wrong PIN: exit %d %s, card %d", code, errs, card.Tries(sigRef))
		}
		if n := secretCommands(card, 0x20); n != 0 {
			t.Errorf("a PIN reached the card after the refusal (%d VERIFY with data)", n)
		}
		if _, err := os.Stat(f + ".p7m"); err == nil {
			t.Error("output left by a refused signature")
		}
		// The right PIN with the override: the counter is full again.
		code, _, errs = firma("sign", "--pin-file", pinFile, "--allow-final-try", f)
		if code != ExitOK || card.Tries(sigRef) != 3 {
			t.Fatalf("right PIN on the final try: exit %d %s", code, errs)
		}
	})

	t.Run("pin-change-and-unlock", func(t *testing.T) {
		const newPIN, otherPIN = "24680", "13579"
		code, out, errs := firma("pin", "change", "--pin-file", pinFile, "--new-pin-file", secretFile(t, newPIN))
		if code != ExitOK || !card.Secret(sigRef, newPIN) {
			t.Fatalf("pin change: exit %d\n%s%s", code, out, errs)
		}
		noSecrets(t, out, errs, vcard.DefaultPIN, newPIN)
		// Another tool blocks the PIN (three wrong logins).
		env := append(os.Environ(), p.Env())
		for i := 0; i < 3; i++ {
			runTool(env, "pkcs11-tool", "--module", module, "--token-label", "MARIO ROSSI (PIN CNS1)", "--login", "--pin", "99999", "-O")
		}
		if card.Tries(sigRef) != 0 {
			t.Fatalf("pkcs11-tool left %d tries", card.Tries(sigRef))
		}
		if r := status(); r.Token.PIN != "locked" || r.Token.PINSource != "card" {
			t.Fatalf("blocked PIN: %+v", r.Token)
		}
		f := write("blocked.txt", "x\n")
		if code, _, errs := firma("sign", "--pin-file", secretFile(t, newPIN), f); code != ExitLocked || !strings.Contains(errs, "firma pin unlock") {
			t.Errorf("sign with a blocked PIN: exit %d %s", code, errs)
		}
		// firma unblocks it with the PUK, on the card (OpenSC's C_SetPIN
		// with the PUK would be a PIN change costing a try).
		card.ClearLog()
		code, out, errs = firma("pin", "unlock", "--puk-file", secretFile(t, vcard.DefaultPUK), "--new-pin-file", secretFile(t, otherPIN))
		if code != ExitOK || !card.Secret(sigRef, otherPIN) || card.Tries(sigRef) != 3 || card.Tries(sigPUK) != 3 {
			t.Fatalf("pin unlock: exit %d\n%s%s", code, out, errs)
		}
		if n := secretCommands(card, 0x24); n != 0 {
			t.Errorf("CHANGE REFERENCE DATA sent during an unblock: %v", card.Log())
		}
		noSecrets(t, out, errs, vcard.DefaultPUK, otherPIN)
		code, _, errs = firma("sign", "--pin-file", secretFile(t, otherPIN), f)
		if code != ExitOK {
			t.Fatalf("sign after unlock: exit %d %s", code, errs)
		}
		pinFile = write("pin-now", otherPIN+"\n")
	})

	t.Run("card-pulled-mid-batch", func(t *testing.T) {
		out := t.TempDir()
		var inputs []string
		for _, n := range []string{"1", "2", "3", "4", "5"} {
			inputs = append(inputs, write("batch-"+n+".txt", "document "+n+"\n"))
		}
		// The card is pulled at the third signature.
		n := 0
		card.RemoveOn(func(apdu []byte) bool {
			if len(apdu) > 1 && apdu[1] == 0x2A && apdu[0]&0x10 == 0 {
				n++
				return n == 3
			}
			return false
		})
		args := append([]string{"sign", "--pin-file", pinFile, "--output-dir", out}, inputs...)
		code, stdout, errs := firma(args...)
		if code != ExitToken || !strings.Contains(errs, "removed") {
			t.Fatalf("pulled card: exit %d\n%s%s", code, stdout, errs)
		}
		entries, _ := os.ReadDir(out)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if strings.Join(names, " ") != "batch-1.txt.p7m batch-2.txt.p7m" {
			t.Fatalf("after the pull the output folder holds %q, want the two finished signatures only", names)
		}
		for _, nm := range names {
			opensslVerify(filepath.Join(out, nm))
		}
		// Reinserted: the same command with --skip-existing finishes.
		p.Insert(card, 0)
		code, stdout, errs = firma(append(args, "--skip-existing")...)
		if code != ExitOK {
			t.Fatalf("after reinsertion: exit %d\n%s%s", code, stdout, errs)
		}
		entries, _ = os.ReadDir(out)
		if len(entries) != 5 {
			t.Fatalf("%d outputs after --skip-existing", len(entries))
		}
		for _, e := range entries {
			opensslVerify(filepath.Join(out, e.Name()))
		}
	})

	t.Run("cns10-cannot-sign-2048", func(t *testing.T) {
		// A CNS 1.0 card with a 2048-bit key: OpenSC lists it, then
		// refuses to sign (CKR_FUNCTION_NOT_SUPPORTED). firma says why
		// before asking the PIN.
		p.Remove(card, 0)
		old := cnsVCard(t, "aruba", pki, "7420000000000010")
		p.Insert(old, 1)
		code, out, errs := firma("status")
		if code != ExitOK || !strings.Contains(out, "MARIO ROSSI (PIN CNS1)") || !strings.Contains(out, "PIN           unknown") {
			t.Errorf("status of the CNS 1.0 card: exit %d\n%s%s", code, out, errs)
		}
		f := write("old.txt", "x\n")
		code, out, errs = firma("sign", "--pin-file", pinFile, f)
		if code != ExitCert || !strings.Contains(errs, "cannot sign with it (the card says CNS 1.0 in its ATR)") ||
			!strings.Contains(errs, "hint: OpenSC signs with 2048-bit keys only on cards that say CNS 1.1") || strings.Contains(errs, "CKR_FUNCTION_NOT_SUPPORTED") {
			t.Errorf("sign on CNS 1.0: exit %d\n%s%s", code, out, errs)
		}
		if secretCommands(old, 0x20) != 0 {
			t.Error("the PIN was sent to a card that cannot sign")
		}
	})
}

// runTool runs a command with env and returns its combined output.
func runTool(env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	return string(out), err
}
