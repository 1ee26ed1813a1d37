package card

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

type atrCase struct {
	atr   []byte
	label string
}

// factsATRs reads testdata/atrs.txt, the real ATRs of FACTS.md.
func factsATRs(t testing.TB) []atrCase {
	t.Helper()
	f, err := os.Open("testdata/atrs.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []atrCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		hexs, label, _ := strings.Cut(line, "\t")
		b, err := ParseHex(hexs)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, atrCase{b, label})
	}
	if len(out) != 10 {
		t.Fatalf("testdata/atrs.txt: %d ATRs, want the 10 of FACTS.md", len(out))
	}
	return out
}

func TestParseATRFacts(t *testing.T) {
	for _, c := range factsATRs(t) {
		a, err := ParseATR(c.atr)
		if err != nil {
			t.Errorf("%s: %v", c.label, err)
			continue
		}
		if a.Convention != "direct" {
			t.Errorf("%s: convention %q", c.label, a.Convention)
		}
		if len(a.Historical) != 15 || a.Historical[0] != 0x00 || a.Historical[1] != 0x6B {
			t.Errorf("%s: historical bytes % X", c.label, a.Historical)
		}
		if a.TCK == nil || *a.TCK != c.atr[len(c.atr)-1] {
			t.Errorf("%s: TCK not read", c.label)
		}
		if !bytes.Equal(a.Raw, c.atr) {
			t.Errorf("%s: raw % X", c.label, a.Raw)
		}
		if len(a.HistoricalObjects) != 2 || a.HistoricalObjects[0].Tag != 6 || a.HistoricalObjects[1].Tag != 3 {
			t.Errorf("%s: historical objects %+v", c.label, a.HistoricalObjects)
		}
	}
}

// TestParseATRDecoded pins the decoding of two ATR shapes field by field.
func TestParseATRDecoded(t *testing.T) {
	// Aruba by Incard: TA1=96 (Fi 512, Di 32, 5 MHz), TB1 TC1 present,
	// TD1=81 (T=1), TD2=31 (T=1), TA3=FE (IFSC 254), TB3=55 (BWI 5, CWI 5).
	b, _ := ParseHex("3B FF 96 00 00 81 31 FE 55 00 6B 02 09 04 03 01 01 01 43 4E 53 10 31 80 EB")
	a, err := ParseATR(b)
	if err != nil {
		t.Fatal(err)
	}
	if a.Fi != 512 || a.Di != 32 || a.FMax != 5 || a.ExtraGuardTime != 0 {
		t.Errorf("Fi %d Di %d f %v N %d", a.Fi, a.Di, a.FMax, a.ExtraGuardTime)
	}
	if got := a.ProtocolNames(); got != "T=1" {
		t.Errorf("protocols %q", got)
	}
	if a.IFSC != 254 || a.BWI != 5 || a.CWI != 5 || a.CRC {
		t.Errorf("T=1 IFSC %d BWI %d CWI %d CRC %v", a.IFSC, a.BWI, a.CWI, a.CRC)
	}
	if len(a.Groups) != 3 || a.Groups[0].TA == nil || *a.Groups[0].TA != 0x96 || a.Groups[2].TD != nil {
		t.Errorf("groups %+v", a.Groups)
	}
	if a.SpecificMode {
		t.Error("specific mode without TA2")
	}

	// A T=0 only card without TCK (a classic GSM SIM ATR).
	b, _ = ParseHex("3B 16 94 71 01 01 00 27 00")
	a, err = ParseATR(b)
	if err != nil {
		t.Fatal(err)
	}
	if a.TCK != nil || a.ProtocolNames() != "T=0" || a.Fi != 512 || a.Di != 8 || len(a.Historical) != 6 {
		t.Errorf("T=0 ATR decoded as %+v", a)
	}
	// Inverse convention, TA2 specific mode, T=0 and T=15 so TCK present.
	b = []byte{0x3F, 0x90, 0x11, 0x1F, 0x80, 0x00}
	b[5] = b[1] ^ b[2] ^ b[3] ^ b[4]
	a, err = ParseATR(b)
	if err != nil {
		t.Fatal(err)
	}
	if a.Convention != "inverse" || !a.SpecificMode || a.SpecificProtocol != 0 || a.ProtocolNames() != "T=0" || a.TCK == nil {
		t.Errorf("inverse ATR decoded as %+v", a)
	}
}

func TestParseATRErrors(t *testing.T) {
	good, _ := ParseHex("3B FF 18 00 00 81 31 FE 55 00 6B 02 09 07 03 01 01 01 43 4E 53 10 31 80 66")
	badTCK := bytes.Clone(good)
	badTCK[len(badTCK)-1] ^= 0x01
	for name, c := range map[string]struct {
		b      []byte
		reason string
	}{
		"empty":       {nil, "too short"},
		"bad TS":      {[]byte{0x3A, 0x00}, "TS 3A"},
		"bad TCK":     {badTCK, "TCK 67 does not check (expected 66)"},
		"no TCK":      {good[:len(good)-1], "TCK missing"},
		"truncated":   {good[:5], "truncated in interface bytes"},
		"short hist":  {good[:12], "truncated in historical bytes"},
		"trailing":    {append(bytes.Clone(good), 0x00), "1 unexpected bytes"},
		"too long":    {make([]byte, 34), "too long"},
		"T=0 no hist": {[]byte{0x3B, 0x02}, "truncated in historical bytes"},
	} {
		_, err := ParseATR(c.b)
		var ae *ATRError
		if !errors.As(err, &ae) {
			t.Errorf("%s: error %v, want *ATRError", name, err)
			continue
		}
		if !strings.Contains(ae.Error(), c.reason) {
			t.Errorf("%s: %q does not say %q", name, ae.Error(), c.reason)
		}
	}
}

// FuzzParseATR checks that no byte string panics the parser, that an
// accepted ATR re-checks (TCK XOR, exact length), and that Identify
// accepts anything.
func FuzzParseATR(f *testing.F) {
	for _, c := range factsATRs(f) {
		f.Add(c.atr)
	}
	f.Add([]byte{0x3B, 0x16, 0x94, 0x71, 0x01, 0x01, 0x00, 0x27, 0x00})
	f.Add([]byte{0x3F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ParseATR(b)
		Identify(b, nil)
		if err != nil {
			return
		}
		if !bytes.Equal(a.Raw, b) {
			t.Fatalf("raw % X != input % X", a.Raw, b)
		}
		if a.TCK != nil {
			var x byte
			for _, c := range b[1:] {
				x ^= c
			}
			if x != 0 {
				t.Fatalf("accepted ATR % X with a TCK that does not check", b)
			}
		}
		if len(a.Protocols) == 0 {
			t.Fatal("no protocol")
		}
	})
}
