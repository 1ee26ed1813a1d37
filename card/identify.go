package card

import (
	"bytes"
	"fmt"
)

// Identification is what firma knows about a card from its ATR.
type Identification struct {
	// Family names the card family ("Italian CNS card, STIncard OS"), or
	// "unknown card".
	Family string `json:"family"`
	// Label is the name of the exact ATR in firma's list of known cards
	// (FACTS.md), empty when the ATR is not in it.
	Label string `json:"label,omitempty"`
	// CNS decodes the Italian CNS historical bytes, nil for other cards.
	CNS *CNSInfo `json:"cns,omitempty"`
	// Modules are PKCS#11 module file names to try, best first. The
	// pkcs11 package resolves them to paths.
	Modules []string `json:"modules"`
	// Profile is the card profile (PIN references, probe safety); nil
	// when firma knows none for this card.
	Profile *Profile `json:"profile,omitempty"`
	// Descriptions are the matching entries of pcsc-tools'
	// smartcard_list.txt, when installed.
	Descriptions []string `json:"descriptions,omitempty"`
	// Notes are caveats for the user (for example OpenSC's limits).
	Notes []string `json:"notes,omitempty"`
}

// CNSInfo decodes the historical bytes of an Italian CNS-style card:
// 00 6B <IC> <mask/OS> <OS> <OS> 01 .. .. 'C' 'N' 'S' <ver> 31 80.
type CNSInfo struct {
	// Variant is "CNS" or "DSD" (signature-only cards).
	Variant string `json:"variant"`
	// Version is the CNS specification version ("1.0", "1.1").
	Version     string `json:"version"`
	VersionByte byte   `json:"version_byte"`
	// ICMaker and OSMaker are the chip and mask/OS manufacturer codes and
	// their names ("" when unknown).
	ICMaker     byte   `json:"ic_maker"`
	ICMakerName string `json:"ic_maker_name,omitempty"`
	OSMaker     byte   `json:"os_maker"`
	OSMakerName string `json:"os_maker_name,omitempty"`
	// OSVersion are the two OS bytes.
	OSVersion HexBytes `json:"os_version"`
}

// Manufacturer codes of the CNS historical bytes (FACTS.md).
var (
	icMakers = map[byte]string{0x02: "STMicroelectronics", 0x04: "NXP", 0x05: "Infineon", 0x15: "Atmel"}
	osMakers = map[byte]string{0x02: "Gemplus", 0x04: "Giesecke+Devrient", 0x05: "Oberthur/IDEMIA", 0x08: "Siemens", 0x09: "STIncard", 0x0C: "Athena"}
)

// ParseCNS decodes Italian CNS historical bytes; ok is false for other
// cards. It matches the pattern, not a list of exact ATRs, so new card
// batches are recognised.
func ParseCNS(hist []byte) (info *CNSInfo, ok bool) {
	if len(hist) != 15 || hist[0] != 0x00 || hist[1] != 0x6B || !bytes.Equal(hist[13:15], []byte{0x31, 0x80}) {
		return nil, false
	}
	var variant string
	switch string(hist[9:12]) {
	case "CNS":
		variant = "CNS"
	case "DSD":
		variant = "DSD"
	default:
		return nil, false
	}
	info = &CNSInfo{
		Variant:     variant,
		VersionByte: hist[12],
		Version:     fmt.Sprintf("%d.%d", hist[12]>>4, hist[12]&0x0F),
		ICMaker:     hist[2],
		ICMakerName: icMakers[hist[2]],
		OSMaker:     hist[3],
		OSMakerName: osMakers[hist[3]],
		OSVersion:   HexBytes{hist[4], hist[5]},
	}
	return info, true
}

// knownATR is an exact ATR from a public ATR list, with what is known of
// the product beyond the CNS pattern.
type knownATR struct {
	atr   string
	label string
	// modules overrides the family's module order when the product is
	// known to ship another vendor's middleware.
	modules []string
}

// knownATRs are the ATRs of FACTS.md ("Card identification").
var knownATRs = []knownATR{
	{atr: "3B FF 18 00 00 81 31 FE 55 00 6B 02 09 07 03 01 01 01 43 4E 53 10 31 80 66", label: "Aruba signature card (ST + STIncard)"},
	{atr: "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 13 03 01 01 01 43 4E 53 10 31 80 8D", label: "Aruba signature card (ST + STIncard)"},
	{atr: "3B FF 96 00 00 81 31 FE 55 00 6B 02 09 04 03 01 01 01 43 4E 53 10 31 80 EB", label: "Aruba signature card by Incard"},
	{atr: "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 03 03 01 01 01 43 4E 53 10 31 80 9D", label: "Aruba CNS (Toscana/Infocamere)"},
	{atr: "3B FF 18 00 00 81 31 FE 45 00 6B 05 05 20 00 01 F1 01 43 4E 53 10 31 80 A9", label: "IDEMIA health/CNS card (Aruba Linux middleware)"},
	{atr: "3B FF 18 00 00 81 31 FE 45 00 6B 15 0C 03 02 01 01 01 43 4E 53 10 31 80 61", label: "Bit4id Digital-DNA Key (Atmel + Athena)",
		modules: []string{ModuleBit4idX, ModuleAthena, ModuleOpenSC}},
	{atr: "3B DF 18 00 81 31 FE 7D 00 6B 02 0C 01 82 01 11 01 43 4E 53 10 31 80 FC", label: "TS-CNS (ST + Athena)"},
	{atr: "3B DF 18 00 81 31 FE 7D 00 6B 15 0C 01 80 01 11 01 43 4E 53 10 31 80 E9", label: "Actalis (Athena)"},
	{atr: "3B FF 18 00 00 81 31 FE 45 00 6B 11 05 07 00 01 11 01 43 4E 53 11 31 80 7B", label: "IDEMIA ID-One CNS v2, CNS 1.1"},
	{atr: "3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 04 03 01 01 01 44 53 44 10 31 80 97", label: "J-Sign (Incard), \"DSD\" variant"},
}

// KnownLabels are the labels of the ATRs firma knows (Identification.Label
// values), each once, in the order of the list.
func KnownLabels() []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range knownATRs {
		if !seen[k.label] {
			seen[k.label] = true
			out = append(out, k.label)
		}
	}
	return out
}

// PKCS#11 module file names (FACTS.md, "PKCS#11 modules in the field").
const (
	ModuleBit4idX = "libbit4xpki.so" // Bit4id universal (cards after 2016)
	ModuleBit4idI = "libbit4ipki.so" // Bit4id for Incard cards
	ModuleBit4idO = "libbit4opki.so" // Bit4id for Oberthur cards
	ModuleAthena  = "libASEP11.so"   // Athena IDProtect
	ModuleOpenSC  = "opensc-pkcs11.so"
)

// familyModules is the module order per CNS OS maker. OpenSC comes last:
// on Italian cards it often sees only the CNS certificate and cannot sign
// with CNS 1.0 RSA-2048 keys.
var familyModules = map[byte][]string{
	0x09: {ModuleBit4idX, ModuleBit4idI, ModuleOpenSC},
	0x05: {ModuleBit4idX, ModuleBit4idO, ModuleOpenSC},
	0x0C: {ModuleAthena, ModuleBit4idX, ModuleOpenSC},
}

var genericCNSModules = []string{ModuleBit4idX, ModuleOpenSC}

// Identify names the card behind atr: the exact ATRs firma knows, the
// Italian CNS pattern, and the descriptions of list (may be nil). It
// never fails: an unparseable or unknown ATR gives "unknown card" with
// OpenSC as the only module to try.
func Identify(atr []byte, list *SmartcardList) *Identification {
	id := &Identification{Family: "unknown card", Modules: []string{ModuleOpenSC}}
	id.Descriptions = list.Lookup(atr)
	var known *knownATR
	for i := range knownATRs {
		if b, _ := ParseHex(knownATRs[i].atr); bytes.Equal(b, atr) {
			known = &knownATRs[i]
			id.Label = known.label
		}
	}
	parsed, err := ParseATR(atr)
	if err != nil {
		id.Notes = append(id.Notes, err.Error())
		return id
	}
	cns, ok := ParseCNS(parsed.Historical)
	if !ok {
		return id
	}
	id.CNS = cns
	kind := "CNS card"
	if cns.Variant == "DSD" {
		kind = "signature card (DSD)"
	}
	id.Family = "Italian " + kind
	if cns.OSMakerName != "" {
		id.Family += ", " + cns.OSMakerName + " OS"
	}
	if mods, ok := familyModules[cns.OSMaker]; ok {
		id.Modules = append([]string(nil), mods...)
	} else {
		id.Modules = append([]string(nil), genericCNSModules...)
	}
	if known != nil && known.modules != nil {
		id.Modules = append([]string(nil), known.modules...)
	}
	id.Profile = profileFor(cns)
	if cns.VersionByte == 0x10 {
		id.Notes = append(id.Notes, "CNS 1.0 card: OpenSC lists its keys but cannot sign with an RSA-2048 key on it; use the vendor module")
	}
	return id
}
