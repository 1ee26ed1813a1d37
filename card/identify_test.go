package card

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// TestIdentifyFacts: every ATR of FACTS.md is recognised with its label,
// family, modules and profile.
func TestIdentifyFacts(t *testing.T) {
	want := map[string]struct {
		family  string
		first   string
		profile string
	}{
		"Aruba signature card (ST + STIncard)":            {"Italian CNS card, STIncard OS", ModuleBit4idX, "stincard"},
		"Aruba signature card by Incard":                  {"Italian CNS card, STIncard OS", ModuleBit4idX, "stincard"},
		"Aruba CNS (Toscana/Infocamere)":                  {"Italian CNS card, STIncard OS", ModuleBit4idX, "stincard"},
		"IDEMIA health/CNS card (Aruba Linux middleware)": {"Italian CNS card, Oberthur/IDEMIA OS", ModuleBit4idX, "idemia"},
		"Bit4id Digital-DNA Key (Atmel + Athena)":         {"Italian CNS card, Athena OS", ModuleBit4idX, "athena"},
		"TS-CNS (ST + Athena)":                            {"Italian CNS card, Athena OS", ModuleAthena, "athena"},
		"Actalis (Athena)":                                {"Italian CNS card, Athena OS", ModuleAthena, "athena"},
		"IDEMIA ID-One CNS v2, CNS 1.1":                   {"Italian CNS card, Oberthur/IDEMIA OS", ModuleBit4idX, "idemia"},
		"J-Sign (Incard), \"DSD\" variant":                {"Italian signature card (DSD), STIncard OS", ModuleBit4idX, "stincard"},
	}
	for _, c := range factsATRs(t) {
		id := Identify(c.atr, nil)
		if id.Label != c.label {
			t.Errorf("% X: label %q, want %q", c.atr, id.Label, c.label)
		}
		w, ok := want[c.label]
		if !ok {
			t.Fatalf("no expectation for %q", c.label)
		}
		if id.Family != w.family || len(id.Modules) == 0 || id.Modules[0] != w.first || id.Profile == nil || id.Profile.Name != w.profile {
			t.Errorf("%s: family %q modules %v profile %+v, want %q first %s profile %s", c.label, id.Family, id.Modules, id.Profile, w.family, w.first, w.profile)
		}
		if id.Modules[len(id.Modules)-1] != ModuleOpenSC {
			t.Errorf("%s: OpenSC must be the last resort, modules %v", c.label, id.Modules)
		}
	}
}

func TestParseCNS(t *testing.T) {
	b, _ := ParseHex("3B FF 18 00 00 81 31 FE 45 00 6B 11 05 07 00 01 11 01 43 4E 53 11 31 80 7B")
	a, err := ParseATR(b)
	if err != nil {
		t.Fatal(err)
	}
	info, ok := ParseCNS(a.Historical)
	if !ok {
		t.Fatal("not CNS")
	}
	want := &CNSInfo{Variant: "CNS", Version: "1.1", VersionByte: 0x11, ICMaker: 0x11, OSMaker: 0x05, OSMakerName: "Oberthur/IDEMIA", OSVersion: HexBytes{0x07, 0x00}}
	if !reflect.DeepEqual(info, want) {
		t.Errorf("got %+v\nwant %+v", info, want)
	}
	// The pattern, not the list: an unseen STIncard batch with NXP chip.
	hist, _ := ParseHex("00 6B 04 09 99 03 01 01 01 43 4E 53 10 31 80")
	info, ok = ParseCNS(hist)
	if !ok || info.ICMakerName != "NXP" || info.OSMakerName != "STIncard" || info.Version != "1.0" {
		t.Errorf("new batch: %+v %v", info, ok)
	}
	for _, h := range []string{"", "00 6B 04 09 99 03 01 01 01 41 42 43 10 31 80", "80 6B 04 09 99 03 01 01 01 43 4E 53 10 31 80", "00 6B 04 09 99 03 01 01 01 43 4E 53 10 31 81"} {
		hb, _ := ParseHex(h)
		if _, ok := ParseCNS(hb); ok {
			t.Errorf("%q taken for CNS", h)
		}
	}
}

func TestIdentifyUnknown(t *testing.T) {
	b, _ := ParseHex("3B 88 80 01 46 49 52 4D 41 54 53 54 0A")
	id := Identify(b, nil)
	if id.Family != "unknown card" || id.Profile != nil || !slices.Equal(id.Modules, []string{ModuleOpenSC}) || id.Label != "" {
		t.Errorf("unknown card identified as %+v", id)
	}
	id = Identify([]byte{0x00, 0x01}, nil)
	if id.Family != "unknown card" || len(id.Notes) == 0 || !strings.Contains(id.Notes[0], "malformed ATR") {
		t.Errorf("malformed ATR identified as %+v", id)
	}
}

func TestSmartcardList(t *testing.T) {
	l, err := LoadSmartcardList("testdata/smartcard_list_sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 3 {
		t.Fatalf("%d patterns, want 3 (the broken one skipped)", l.Len())
	}
	aruba, _ := ParseHex("3B FF 96 00 00 81 31 FE 55 00 6B 02 09 04 03 01 01 01 43 4E 53 10 31 80 EB")
	got := Identify(aruba, l).Descriptions
	want := []string{"Sample Incard CNS family", "https://example.invalid/incard", "Sample exact Aruba entry"}
	if !slices.Equal(got, want) {
		t.Errorf("descriptions %q, want %q", got, want)
	}
	sim, _ := ParseHex("3B 16 94 71 01 01 00 27 00")
	if got := l.Lookup(sim); !slices.Equal(got, []string{"Sample SIM"}) {
		t.Errorf("SIM: %q", got)
	}
	if got := l.Lookup([]byte{0x3B, 0x00}); got != nil {
		t.Errorf("no match expected, got %q", got)
	}
	if l, err := LoadSmartcardList("testdata/nonexistent"); err == nil || l != nil {
		t.Errorf("missing explicit list: %v %v", l, err)
	}
}

// TestSmartcardListInstalled reads pcsc-tools' real list when installed:
// the Aruba ATRs are in it.
func TestSmartcardListInstalled(t *testing.T) {
	l, err := LoadSmartcardList("")
	if err != nil {
		t.Fatal(err)
	}
	if l == nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pcsc-tools' smartcard_list.txt missing in CI: scripts/deps.sh installs pcsc-tools")
		}
		t.Skip("pcsc-tools' smartcard_list.txt not installed")
	}
	if l.Len() < 1000 {
		t.Errorf("only %d patterns in %s", l.Len(), l.Path)
	}
	idemia, _ := ParseHex("3B FF 18 00 00 81 31 FE 45 00 6B 05 05 20 00 01 F1 01 43 4E 53 10 31 80 A9")
	if len(l.Lookup(idemia)) == 0 {
		t.Errorf("IDEMIA CNS ATR not found in %s", l.Path)
	}
}

// FuzzSmartcardList: any input parses without panic in bounded memory,
// and Lookup works on the result.
func FuzzSmartcardList(f *testing.F) {
	seed, err := os.ReadFile("testdata/smartcard_list_sample.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed, []byte{0x3B, 0x16, 0x94, 0x71, 0x01, 0x01, 0x00, 0x27, 0x00})
	f.Add([]byte("3B .*\n\tx\n(\n\ty\n"), []byte{0x3B})
	f.Fuzz(func(t *testing.T, list, atr []byte) {
		l, err := ParseSmartcardList(strings.NewReader(string(list)))
		if err != nil {
			return
		}
		l.Lookup(atr)
	})
}
