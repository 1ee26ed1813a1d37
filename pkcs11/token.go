package pkcs11

import (
	"strings"

	p11 "github.com/miekg/pkcs11"
)

// PINState is what a token's flags say about a PIN (or the PUK).
type PINState string

const (
	// PINOK: the module reports counters and none is low.
	PINOK PINState = "ok"
	// PINCountLow: at least one wrong PIN since the last good one.
	PINCountLow PINState = "count_low"
	// PINFinalTry: the next wrong PIN blocks it.
	PINFinalTry PINState = "final_try"
	// PINLocked: blocked.
	PINLocked PINState = "locked"
	// PINToBeChanged: must be changed before use (a new card's PIN).
	PINToBeChanged PINState = "to_be_changed"
	// PINUnknown: the module does not report counters (most vendor
	// modules), or reports them wrongly.
	PINUnknown PINState = "unknown"
)

// PKCS#11 token flags for PIN state (PKCS#11 v2.40 §3.2, CK_TOKEN_INFO).
const (
	flagUserCountLow   = 0x00010000
	flagUserFinalTry   = 0x00020000
	flagUserLocked     = 0x00040000
	flagUserToBeChange = 0x00080000
	flagSOCountLow     = 0x00100000
	flagSOFinalTry     = 0x00200000
	flagSOLocked       = 0x00400000
	flagSOToBeChange   = 0x00800000
)

// pinState reads one PIN's state from flags under a module profile.
func pinState(flags uint, so bool, prof ModuleProfile) PINState {
	low, final, locked, change := uint(flagUserCountLow), uint(flagUserFinalTry), uint(flagUserLocked), uint(flagUserToBeChange)
	if so {
		low, final, locked, change = flagSOCountLow, flagSOFinalTry, flagSOLocked, flagSOToBeChange
	}
	switch {
	case prof.FlagsWrong:
		return PINUnknown
	case flags&locked != 0:
		return PINLocked
	case flags&final != 0:
		return PINFinalTry
	case flags&low != 0:
		return PINCountLow
	case flags&change != 0:
		return PINToBeChanged
	case prof.FlagsReliable:
		return PINOK
	}
	return PINUnknown
}

// TokenInfo describes a token in a slot of a module.
type TokenInfo struct {
	ModulePath   string   `json:"module"`
	ModuleName   string   `json:"module_name"`
	SlotID       uint     `json:"slot_id"`
	SlotName     string   `json:"slot"`
	Label        string   `json:"label"`
	Manufacturer string   `json:"manufacturer"`
	Model        string   `json:"model"`
	Serial       string   `json:"serial"`
	Flags        uint     `json:"flags"`
	PIN          PINState `json:"pin"`
	PUK          PINState `json:"puk"`
	// PINSource is "card" when PIN and PUK were read from the card's
	// retry counters (see Token.SetPINStateSource) instead of the
	// module's flags; PINTries and PUKTries then hold the counters.
	PINSource string `json:"pin_source,omitempty"`
	PINTries  *int   `json:"pin_tries,omitempty"`
	PUKTries  *int   `json:"puk_tries,omitempty"`
	MinPINLen uint   `json:"min_pin_len"`
	MaxPINLen uint   `json:"max_pin_len"`
	// PINPad is set when the reader has a PIN pad (protected
	// authentication path): the PIN is typed there, not asked by firma.
	PINPad bool `json:"pin_pad"`
	// Hardware is set when the slot is a hardware reader slot.
	Hardware bool `json:"hardware"`
}

func newTokenInfo(m *Module, slot uint, si SlotInfo, ti RawTokenInfo) TokenInfo {
	return TokenInfo{
		ModulePath:   m.Path,
		ModuleName:   m.Profile.Name,
		SlotID:       slot,
		SlotName:     strings.TrimSpace(si.Description),
		Label:        strings.TrimSpace(ti.Label),
		Manufacturer: strings.TrimSpace(ti.ManufacturerID),
		Model:        strings.TrimSpace(ti.Model),
		Serial:       strings.TrimSpace(ti.SerialNumber),
		Flags:        ti.Flags,
		PIN:          pinState(ti.Flags, false, m.Profile),
		PUK:          pinState(ti.Flags, true, m.Profile),
		MinPINLen:    ti.MinPinLen,
		MaxPINLen:    ti.MaxPinLen,
		PINPad:       ti.Flags&p11.CKF_PROTECTED_AUTHENTICATION_PATH != 0,
		Hardware:     si.Flags&p11.CKF_HW_SLOT != 0,
	}
}

// CardTries is what a PINStateSource read from the card: the retry
// counters of the token's PIN and of its PUK, each nil when unknown, and
// the card's full count (3 on Italian cards).
type CardTries struct {
	PIN, PUK *int
	Full     int
}

// PINStateSource reads the retry counters of the token's PIN and PUK
// from the card itself; ok is false when it cannot (no safe way, the
// card not found). Token.Refresh asks it on modules whose flags are
// unreliable (ModuleProfile.TriesFromCard).
type PINStateSource func(TokenInfo) (t CardTries, ok bool)

// stateFromTries turns a retry counter into a PIN state.
func stateFromTries(n *int, full int) PINState {
	switch {
	case n == nil:
		return PINUnknown
	case *n <= 0:
		return PINLocked
	case *n == 1:
		return PINFinalTry
	case full > 0 && *n < full:
		return PINCountLow
	}
	return PINOK
}

// applyCardTries replaces the flag-derived PIN states of ti with the
// card's counters.
func applyCardTries(ti *TokenInfo, ct CardTries) {
	ti.PINSource, ti.PINTries, ti.PUKTries = "card", ct.PIN, ct.PUK
	ti.PIN = stateFromTries(ct.PIN, ct.Full)
	ti.PUK = stateFromTries(ct.PUK, ct.Full)
}

// TokenSelector chooses a token. Empty fields match anything.
type TokenSelector struct {
	Label        string
	Serial       string
	Manufacturer string
	Model        string
	// Any is a plain --token value: it matches the label or the serial.
	Any string
}

// ParseTokenSelector reads a --token value: a pkcs11: URI or a label or
// serial number. It also returns the module path a URI names, if any.
func ParseTokenSelector(s string) (TokenSelector, string, error) {
	if s == "" {
		return TokenSelector{}, "", nil
	}
	if IsURI(s) {
		u, err := ParseURI(s)
		if err != nil {
			return TokenSelector{}, "", err
		}
		return u.Token, u.ModulePath, nil
	}
	return TokenSelector{Any: s}, "", nil
}

// IsZero reports whether the selector matches any token.
func (s TokenSelector) IsZero() bool { return s == TokenSelector{} }

// Match reports whether t fits the selector.
func (s TokenSelector) Match(t TokenInfo) bool {
	if s.Any != "" && t.Label != s.Any && !strings.EqualFold(t.Serial, s.Any) {
		return false
	}
	return (s.Label == "" || s.Label == t.Label) &&
		(s.Serial == "" || strings.EqualFold(s.Serial, t.Serial)) &&
		(s.Manufacturer == "" || s.Manufacturer == t.Manufacturer) &&
		(s.Model == "" || s.Model == t.Model)
}

func (s TokenSelector) String() string {
	if s.Any != "" {
		return s.Any
	}
	var parts []string
	for _, kv := range [][2]string{{"token", s.Label}, {"serial", s.Serial}, {"manufacturer", s.Manufacturer}, {"model", s.Model}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+kv[1])
		}
	}
	return strings.Join(parts, ";")
}
