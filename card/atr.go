package card

import (
	"encoding/hex"
	"fmt"
	"strings"
)

// ATR is a parsed answer to reset (ISO/IEC 7816-3:2006, clause 8.2).
type ATR struct {
	// Raw is the ATR as received (TS to TCK).
	Raw []byte `json:"-"`
	// Convention is "direct" (TS 3B) or "inverse" (TS 3F).
	Convention string `json:"convention"`
	// Groups are the interface byte groups: Groups[0] holds TA1 TB1 TC1
	// TD1, Groups[1] TA2 ... (nil = absent).
	Groups []InterfaceGroup `json:"interface_bytes"`
	// Protocols lists the transmission protocols offered, in order (T=0
	// when no TD1 says otherwise); T=15 (global bytes) is not listed.
	Protocols []int `json:"protocols"`
	// Historical are the historical bytes (ISO/IEC 7816-4, 8.1.1).
	Historical HexBytes `json:"historical_bytes"`
	// TCK is the check byte, present unless only T=0 is offered.
	TCK *byte `json:"tck,omitempty"`
	// Fi and Di are the clock rate conversion and baud rate adjustment
	// factors from TA1 (defaults 372 and 1); FMax is the maximum clock in
	// MHz. Zero Fi/Di values mean TA1 holds a reserved (RFU) code.
	Fi   int     `json:"fi"`
	Di   int     `json:"di"`
	FMax float64 `json:"f_max_mhz"`
	// ExtraGuardTime is N from TC1.
	ExtraGuardTime int `json:"extra_guard_time"`
	// SpecificMode is true when TA2 is present: the card imposes the
	// protocol TA2 names (SpecificProtocol) instead of allowing PPS.
	SpecificMode     bool `json:"specific_mode"`
	SpecificProtocol int  `json:"specific_protocol,omitempty"`
	// IFSC, BWI, CWI and CRC are the T=1 parameters (first TA/TB/TC for
	// T=1, defaults 32, 4, 13, false).
	IFSC int  `json:"t1_ifsc,omitempty"`
	BWI  int  `json:"t1_bwi,omitempty"`
	CWI  int  `json:"t1_cwi,omitempty"`
	CRC  bool `json:"t1_crc,omitempty"`
	// HistoricalObjects are the COMPACT-TLV objects of the historical
	// bytes when their category indicator is 00 or 80 and they parse.
	Category          byte         `json:"category"`
	HistoricalObjects []CompactTLV `json:"historical_objects,omitempty"`
}

// InterfaceGroup is one group of interface bytes (TAi TBi TCi TDi).
type InterfaceGroup struct {
	TA *byte `json:"ta,omitempty"`
	TB *byte `json:"tb,omitempty"`
	TC *byte `json:"tc,omitempty"`
	TD *byte `json:"td,omitempty"`
}

// CompactTLV is one COMPACT-TLV data object of the historical bytes
// (ISO/IEC 7816-4, 8.1.1.2).
type CompactTLV struct {
	Tag   byte     `json:"tag"`
	Value HexBytes `json:"value"`
}

// HexBytes marshals as an uppercase hex string.
type HexBytes []byte

// MarshalText implements encoding.TextMarshaler.
func (h HexBytes) MarshalText() ([]byte, error) {
	return []byte(strings.ToUpper(hex.EncodeToString(h))), nil
}

// String formats the bytes as spaced uppercase hex ("3B FF 18").
func (h HexBytes) String() string { return FormatHex(h) }

// FormatHex formats b as spaced uppercase hex, as pcsc_scan prints ATRs.
func FormatHex(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02X", c)
	}
	return sb.String()
}

// ParseHex reads bytes written as hex with optional spaces or colons
// ("3B:FF:18", "3b ff 18", "3BFF18").
func ParseHex(s string) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		switch r {
		case ' ', ':', '\t', '\n', '\r':
			return -1
		}
		return r
	}, s)
	b, err := hex.DecodeString(clean)
	if err != nil {
		return nil, fmt.Errorf("parsing hex %q: %w", s, err)
	}
	return b, nil
}

// maxATR is the longest ATR ISO/IEC 7816-3 allows, TS included.
const maxATR = 33

// ATRError says why an ATR does not parse.
type ATRError struct {
	ATR    []byte
	Offset int // byte index where the problem was found
	Reason string
}

func (e *ATRError) Error() string {
	return fmt.Sprintf("malformed ATR %s: %s at byte %d", FormatHex(e.ATR), e.Reason, e.Offset)
}

// fiTable and diTable are ISO/IEC 7816-3 tables 7 and 8 (0 = RFU).
var (
	fiTable   = [16]int{372, 372, 558, 744, 1116, 1488, 1860, 0, 0, 512, 768, 1024, 1536, 2048, 0, 0}
	fMaxTable = [16]float64{4, 5, 6, 8, 12, 16, 20, 0, 0, 5, 7.5, 10, 15, 20, 0, 0}
	diTable   = [16]int{0, 1, 2, 4, 8, 16, 32, 64, 12, 20, 0, 0, 0, 0, 0, 0}
)

// ParseATR parses an answer to reset per ISO/IEC 7816-3: TS, T0, the
// interface byte groups chained by TDi, the K historical bytes and, when a
// protocol other than T=0 is offered, TCK, whose XOR check over T0..TCK
// must be zero. Bytes beyond the ATR, a truncated ATR and a wrong TCK are
// errors (*ATRError). It never panics and allocates at most O(len(b)).
func ParseATR(b []byte) (*ATR, error) {
	fail := func(off int, format string, args ...any) (*ATR, error) {
		return nil, &ATRError{ATR: append([]byte(nil), b...), Offset: off, Reason: fmt.Sprintf(format, args...)}
	}
	if len(b) < 2 {
		return fail(len(b), "too short (%d bytes)", len(b))
	}
	if len(b) > maxATR {
		return fail(maxATR, "too long (%d bytes, at most %d)", len(b), maxATR)
	}
	a := &ATR{Raw: append([]byte(nil), b...), Fi: 372, Di: 1, FMax: 5}
	switch b[0] {
	case 0x3B:
		a.Convention = "direct"
	case 0x3F:
		a.Convention = "inverse"
	default:
		return fail(0, "TS %02X is neither 3B (direct) nor 3F (inverse convention)", b[0])
	}
	t0 := b[1]
	k := int(t0 & 0x0F)
	y := t0 >> 4
	i := 2
	tck := false
	seenT1 := false
	for group := 1; ; group++ {
		var g InterfaceGroup
		for bit, dst := range []**byte{&g.TA, &g.TB, &g.TC, &g.TD} {
			if y&(1<<bit) == 0 {
				continue
			}
			if i >= len(b) {
				return fail(i, "truncated in interface bytes of group %d", group)
			}
			v := b[i]
			*dst = &v
			i++
		}
		a.Groups = append(a.Groups, g)
		a.applyGroup(group, g, &seenT1)
		if g.TD == nil {
			break
		}
		t := int(*g.TD & 0x0F)
		if t != 0 {
			tck = true
		}
		if t != 15 && (len(a.Protocols) == 0 || a.Protocols[len(a.Protocols)-1] != t) {
			a.Protocols = append(a.Protocols, t)
		}
		y = *g.TD >> 4
	}
	if len(a.Protocols) == 0 {
		a.Protocols = []int{0}
	}
	if i+k > len(b) {
		return fail(len(b), "truncated in historical bytes (%d announced, %d present)", k, len(b)-i)
	}
	a.Historical = append(HexBytes(nil), b[i:i+k]...)
	i += k
	if tck {
		if i >= len(b) {
			return fail(i, "TCK missing")
		}
		v := b[i]
		a.TCK = &v
		var x byte
		for _, c := range b[1 : i+1] {
			x ^= c
		}
		if x != 0 {
			return fail(i, "TCK %02X does not check (expected %02X)", v, v^x)
		}
		i++
	}
	if i != len(b) {
		return fail(i, "%d unexpected bytes after the ATR", len(b)-i)
	}
	a.parseHistorical()
	return a, nil
}

// applyGroup decodes the global and T=1 parameters of interface group n.
func (a *ATR) applyGroup(n int, g InterfaceGroup, seenT1 *bool) {
	switch n {
	case 1:
		if g.TA != nil {
			a.Fi = fiTable[*g.TA>>4]
			a.FMax = fMaxTable[*g.TA>>4]
			a.Di = diTable[*g.TA&0x0F]
		}
		if g.TC != nil {
			a.ExtraGuardTime = int(*g.TC)
		}
		return
	case 2:
		if g.TA != nil {
			a.SpecificMode = true
			a.SpecificProtocol = int(*g.TA & 0x0F)
		}
	}
	// From group 3 on, the first group following a TD that names T=1
	// carries IFSC, BWI/CWI and the error detection code.
	prev := a.Groups[n-2].TD
	if n >= 3 && prev != nil && *prev&0x0F == 1 && !*seenT1 {
		*seenT1 = true
		a.IFSC, a.BWI, a.CWI = 32, 4, 13
		if g.TA != nil {
			a.IFSC = int(*g.TA)
		}
		if g.TB != nil {
			a.BWI, a.CWI = int(*g.TB>>4), int(*g.TB&0x0F)
		}
		if g.TC != nil {
			a.CRC = *g.TC&1 == 1
		}
	}
}

// parseHistorical splits category 00 and 80 historical bytes into
// COMPACT-TLV objects. Italian CNS cards use category 00 without the
// trailing status indicator, so a category 00 body that does not end with
// a status indicator is read as TLV objects to its end.
func (a *ATR) parseHistorical() {
	h := a.Historical
	if len(h) == 0 {
		return
	}
	a.Category = h[0]
	if h[0] != 0x00 && h[0] != 0x80 {
		return
	}
	var objs []CompactTLV
	for i := 1; i < len(h); {
		tag, n := h[i]>>4, int(h[i]&0x0F)
		if i+1+n > len(h) {
			if h[0] == 0x00 && len(h)-i == 3 && len(objs) > 0 {
				break // status indicator
			}
			return
		}
		objs = append(objs, CompactTLV{Tag: tag, Value: append(HexBytes(nil), h[i+1:i+1+n]...)})
		i += 1 + n
	}
	a.HistoricalObjects = objs
}

// ProtocolNames formats the protocols as "T=0, T=1".
func (a *ATR) ProtocolNames() string {
	parts := make([]string, len(a.Protocols))
	for i, p := range a.Protocols {
		parts[i] = fmt.Sprintf("T=%d", p)
	}
	return strings.Join(parts, ", ")
}
