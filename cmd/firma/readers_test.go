//go:build cgo

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/card"
	"github.com/firma-dev/firma/internal/pcsctest"
	"github.com/firma-dev/firma/internal/vcard"
)

// These tests run firma's commands in-process against a private pcscd
// with vpcd and the Go virtual card (internal/pcsctest); they skip
// without root or the Debian packages.

func vcardOf(t *testing.T, profile string) *vcard.Card {
	t.Helper()
	c, err := vcard.New(profile)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// runFirma runs firma with args and returns exit code, stdout, stderr.
func runFirma(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	io, out, errb := testIO(time.Now(), nil)
	code := Main(ctx, args, io)
	return code, out.String(), errb.String()
}

func TestReadersCommand(t *testing.T) {
	p := pcsctest.Start(t)
	vc := vcardOf(t, "aruba")
	p.Insert(vc, 0)
	code, out, errs := runFirma(t, context.Background(), "readers")
	if code != ExitOK {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	want := "Virtual PCD 00 00\tpresent\t3B FF 96 00 00 81 31 FE 55 00 6B 02 09 04 03 01 01 01 43 4E 53 10 31 80 EB\n" +
		"Virtual PCD 00 01\tempty\t\n"
	if out != want {
		t.Errorf("stdout\n%q\nwant\n%q", out, want)
	}
	code, out, _ = runFirma(t, context.Background(), "readers", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var j struct {
		Readers []struct {
			Name  string  `json:"name"`
			State string  `json:"state"`
			ATR   *string `json:"atr"`
		} `json:"readers"`
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	if len(j.Readers) != 2 || j.Readers[0].ATR == nil || *j.Readers[0].ATR != "3BFF9600008131FE55006B02090403010101434E53103180EB" || j.Readers[1].ATR != nil || j.Readers[1].State != "empty" {
		t.Errorf("json %s", out)
	}
}

// Independent PC/SC clients see the same readers and ATR as firma.
func TestReadersAgreeWithOpenSCAndPCSCScan(t *testing.T) {
	p := pcsctest.Start(t)
	vc := vcardOf(t, "idemia")
	p.Insert(vc, 0)
	code, out, _ := runFirma(t, context.Background(), "readers")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var names []string
	var atr string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		f := strings.Split(line, "\t")
		names = append(names, f[0])
		if f[2] != "" {
			atr = f[2]
		}
	}
	if _, err := exec.LookPath("opensc-tool"); err == nil {
		o, err := exec.Command("opensc-tool", "-a").CombinedOutput()
		if err != nil {
			t.Fatalf("opensc-tool -a: %v\n%s", err, o)
		}
		// "Using reader with a card: NAME\n3b:ff:..."
		m := regexp.MustCompile(`Using reader with a card: (.*)\n([0-9a-f:]+)`).FindSubmatch(o)
		if m == nil {
			t.Fatalf("opensc-tool -a output %q", o)
		}
		if string(m[1]) != names[0] {
			t.Errorf("opensc-tool reader %q, firma %q", m[1], names[0])
		}
		if got := strings.ToUpper(strings.ReplaceAll(string(m[2]), ":", " ")); got != atr {
			t.Errorf("opensc-tool ATR %q, firma %q", got, atr)
		}
	} else {
		t.Log("opensc-tool not installed")
	}
	if _, err := exec.LookPath("pcsc_scan"); err == nil {
		o, err := exec.Command("pcsc_scan", "-r").CombinedOutput()
		if err != nil {
			t.Fatalf("pcsc_scan -r: %v\n%s", err, o)
		}
		var scan []string
		for _, m := range regexp.MustCompile(`(?m)^\d+: (.*)$`).FindAllSubmatch(o, -1) {
			scan = append(scan, string(m[1]))
		}
		if strings.Join(scan, "|") != strings.Join(names, "|") {
			t.Errorf("pcsc_scan readers %q, firma %q", scan, names)
		}
	} else {
		t.Log("pcsc_scan not installed")
	}
}

func TestReadersWaitInsertionAndRemoval(t *testing.T) {
	p := pcsctest.Start(t)
	vc := vcardOf(t, "athena")
	type result struct {
		code     int
		out, err string
	}
	res := make(chan result, 1)
	wait := func(args ...string) {
		go func() {
			code, out, errs := runFirma(t, context.Background(), args...)
			res <- result{code, out, errs}
		}()
	}
	wait("readers", "--wait", "--timeout", "20s", "--json")
	if err := p.InsertNoWait(vc, 1); err != nil {
		t.Fatal(err)
	}
	r := <-res
	if r.code != ExitOK || !strings.Contains(r.out, `"atr": "3BFF1800008131FE45006B150C0302010101434E5310318061"`) {
		t.Fatalf("wait for insertion: exit %d\n%s%s", r.code, r.out, r.err)
	}
	wait("readers", "--wait=removed", "--reader", pcsctest.Readers[1], "--timeout", "20s")
	vc.Remove()
	r = <-res
	if r.code != ExitOK || r.out != pcsctest.Readers[1]+"\tempty\t\n" {
		t.Fatalf("wait for removal: exit %d %q %q", r.code, r.out, r.err)
	}
}

func TestReadersWaitTimeout(t *testing.T) {
	pcsctest.Start(t)
	code, out, errs := runFirma(t, context.Background(), "readers", "--wait", "--timeout", "200ms")
	if code != ExitCanceled || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if !strings.Contains(errs, "firma: error: waiting for the card: timed out waiting for the card") || !strings.Contains(errs, "firma: hint: insert the card") {
		t.Errorf("stderr %q", errs)
	}
	// Ctrl-C: the context ends.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		code, _, _ := runFirma(t, ctx, "readers", "--wait")
		done <- code
	}()
	cancel()
	if code := <-done; code != ExitCanceled {
		t.Errorf("cancelled wait: exit %d", code)
	}
}

func TestReadersPCSCDNotRunning(t *testing.T) {
	p := pcsctest.Start(t)
	p.Stop()
	for _, cmd := range [][]string{{"readers"}, {"card"}} {
		code, out, errs := runFirma(t, context.Background(), cmd...)
		if code != ExitPCSC || out != "" {
			t.Errorf("%v: exit %d stdout %q", cmd, code, out)
		}
		if !strings.Contains(errs, "pcscd) is not running") || !strings.Contains(errs, "firma: hint: start it with `sudo systemctl start pcscd`") {
			t.Errorf("%v: stderr %q", cmd, errs)
		}
	}
}

func TestCardCommandIdentifiesEachProfile(t *testing.T) {
	p := pcsctest.Start(t)
	want := map[string][]string{
		"aruba":   {"Card          Italian CNS card, STIncard OS", "Known as      Aruba signature card by Incard", "Modules       libbit4xpki.so, libbit4ipki.so, opensc-pkcs11.so", "PIN tries     not read: "},
		"idemia":  {"Card          Italian CNS card, Oberthur/IDEMIA OS", "CNS           version 1.1", "Modules       libbit4xpki.so, libbit4opki.so, opensc-pkcs11.so", "PIN tries     signature PIN 3 left, signature PUK 3 left, CNS PIN 3 left, CNS PUK 3 left"},
		"athena":  {"Card          Italian CNS card, Athena OS", "Known as      Bit4id Digital-DNA Key (Atmel + Athena)", "Modules       libbit4xpki.so, libASEP11.so, opensc-pkcs11.so"},
		"unknown": {"Card          unknown card", "Modules       opensc-pkcs11.so"},
	}
	names := vcard.ProfileNames()
	for i := 0; i < len(names); i += 2 {
		cards := []*vcard.Card{vcardOf(t, names[i]), vcardOf(t, names[i+1])}
		p.InsertSlots(cards...)
		for slot, vc := range cards {
			name := vc.Profile().Name
			args := []string{"card"}
			if slot == 1 {
				args = append(args, "--reader", pcsctest.Readers[1])
			}
			code, out, errs := runFirma(t, context.Background(), args...)
			if code != ExitOK {
				t.Errorf("%s: exit %d, stderr %q", name, code, errs)
			}
			if !strings.HasPrefix(out, "Reader        "+pcsctest.Readers[slot]+" (present)\nATR           "+card.FormatHex(vc.ATR())+"\n") {
				t.Errorf("%s: output starts\n%s", name, out)
			}
			for _, w := range want[name] {
				if !strings.Contains(out, w) {
					t.Errorf("%s: output lacks %q:\n%s", name, w, out)
				}
			}
			if name != "idemia" && vc.Count(0x20) != 0 {
				t.Errorf("%s: VERIFY sent without --probe-pin-tries: %v", name, vc.Log())
			}
		}
		p.RemoveSlots(cards...)
	}
}

func TestCardCommandJSONAndProbe(t *testing.T) {
	p := pcsctest.Start(t)
	vc := vcardOf(t, "aruba")
	p.Insert(vc, 1)
	code, out, errs := runFirma(t, context.Background(), "card", "--json")
	if code != ExitOK {
		t.Fatalf("exit %d %s", code, errs)
	}
	var j map[string]any
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	id := j["identification"].(map[string]any)
	if j["name"] != pcsctest.Readers[1] || j["atr"] != "3BFF9600008131FE55006B02090403010101434E53103180EB" ||
		id["family"] != "Italian CNS card, STIncard OS" || id["modules"].([]any)[0] != "libbit4xpki.so" ||
		id["profile"].(map[string]any)["empty_verify_safe"] != false || j["pin_tries"] != nil ||
		!strings.Contains(j["pin_tries_skipped"].(string), "may cost a try") {
		t.Errorf("json %s", out)
	}
	if vc.Count(0x20) != 0 {
		t.Fatalf("VERIFY sent without the flag: %v", vc.Log())
	}
	// Asking alone is refused on this profile: exit 7, nothing sent, the
	// way out named. (Before issue 9 it probed every PIN and PUK and cost
	// a try of each.)
	code, out, errs = runFirma(t, context.Background(), "card", "--probe-pin-tries", "--probe-puk-tries")
	if code != ExitLocked || !strings.Contains(out, "PIN tries     not read: ") ||
		!strings.Contains(errs, "firma: error: PIN tries not probed: ") ||
		!strings.Contains(errs, "firma: hint: this card may count the query as a wrong PIN: to probe anyway, add --i-accept-losing-a-try") {
		t.Errorf("refused probe: exit %d\n%s%s", code, out, errs)
	}
	if vc.Count(0x20) != 0 {
		t.Fatalf("VERIFY sent without the accepted loss: %v", vc.Log())
	}
	code, _, errs = runFirma(t, context.Background(), "card", "--i-accept-losing-a-try")
	if code != ExitUsage || !strings.Contains(errs, "--i-accept-losing-a-try only goes with --probe-pin-tries") {
		t.Errorf("consent without a probe: exit %d %s", code, errs)
	}
	code, out, errs = runFirma(t, context.Background(), "card", "--probe-pin-tries", "--probe-puk-tries", "--i-accept-losing-a-try")
	if code != ExitOK {
		t.Fatalf("exit %d %s", code, errs)
	}
	if !strings.Contains(errs, "firma: warning: --i-accept-losing-a-try: ") {
		t.Errorf("no warning before probing: %q", errs)
	}
	// The Aruba profile counts the query as a failed try: the first
	// counter reads 2 of 3 and firma stops there, PUKs untouched.
	for _, want := range []string{
		"PIN tries     signature PIN 2 left (below the full count: probing stopped here), signature PUK not probed (the signature PIN counter moved first), CNS PIN not probed (the signature PIN counter moved first), CNS PUK not probed",
		"Warning       the empty VERIFY was sent",
		"Warning       the signature PIN counter reads 2 of 3: this probe may have used that try, so nothing else was probed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if vc.Tries(0x9A) != 2 || vc.Tries(0x9B) != 3 || vc.Tries(0x10) != 3 || vc.Tries(0x11) != 3 || vc.Count(0x20) != 1 {
		t.Errorf("card counters %d %d %d %d, %d VERIFY", vc.Tries(0x9A), vc.Tries(0x9B), vc.Tries(0x10), vc.Tries(0x11), vc.Count(0x20))
	}
	// JSON says the same as data.
	vc.SetTries(0x9A, 3)
	code, out, _ = runFirma(t, context.Background(), "card", "--json", "--probe-pin-tries", "--i-accept-losing-a-try")
	var pj struct {
		PINTries []card.Tries `json:"pin_tries"`
		Source   string       `json:"pin_tries_source"`
	}
	if err := json.Unmarshal([]byte(out), &pj); err != nil || code != ExitOK || pj.Source != "explicit-probe" || len(pj.PINTries) != 4 ||
		!pj.PINTries[0].Moved || *pj.PINTries[0].Remaining != 2 || !pj.PINTries[1].NotProbed || !strings.Contains(out, `"not_probed": true`) {
		t.Errorf("json: exit %d %v\n%s", code, err, out)
	}
}

func TestCardCommandErrors(t *testing.T) {
	p := pcsctest.Start(t)
	code, _, errs := runFirma(t, context.Background(), "card")
	if code != ExitPCSC || !strings.Contains(errs, "no card in the reader") || !strings.Contains(errs, "firma: hint: insert the card") {
		t.Errorf("no card: exit %d %q", code, errs)
	}
	code, _, errs = runFirma(t, context.Background(), "card", "--reader", "No Such Reader 00 00")
	if code != ExitPCSC || !strings.Contains(errs, "no smartcard reader found") {
		t.Errorf("no reader: exit %d %q", code, errs)
	}

	// Removed mid-operation: between the first and second VERIFY.
	vc := vcardOf(t, "idemia")
	p.Insert(vc, 0)
	n := 0
	vc.RemoveOn(func(apdu []byte) bool {
		if len(apdu) > 1 && apdu[1] == 0x20 {
			n++
		}
		return n == 2
	})
	code, _, errs = runFirma(t, context.Background(), "card")
	if code != ExitPCSC || !strings.Contains(errs, "the card was removed during the operation") || !strings.Contains(errs, "firma: hint: keep the card in the reader") {
		t.Errorf("removed: exit %d %q", code, errs)
	}

	// Unresponsive: answers nothing after the ATR; firma gives up.
	vc2 := vcardOf(t, "idemia")
	p.Insert(vc2, 1)
	vc2.SetUnresponsive(true)
	code, out, errs := runFirma(t, context.Background(), "card", "--reader", pcsctest.Readers[1], "--timeout", "500ms")
	if code != ExitPCSC || !strings.Contains(errs, "the card does not respond") || !strings.Contains(errs, "firma: hint: unplug the key") {
		t.Errorf("unresponsive: exit %d %q", code, errs)
	}
	if !bytes.Contains([]byte(out), []byte("PIN tries     not read: could not read the card")) {
		t.Errorf("unresponsive: stdout %q", out)
	}
}
