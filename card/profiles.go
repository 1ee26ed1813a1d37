package card

// Profile is what firma assumes about a card family's PINs. Profiles are
// data gathered from public sources (FACTS.md "PIN references and APDUs",
// marked (hw) there): they can be wrong for a given card batch, so firma
// only acts on them in ways that cannot harm the card unless the profile
// says an action is known to be safe.
type Profile struct {
	// Name identifies the profile ("stincard", "idemia", ...).
	Name string `json:"name"`
	// Secrets are the PINs and PUKs, in display order.
	Secrets []SecretRef `json:"secrets"`
	// EmptyVerifySafe says the ISO 7816-4 VERIFY without data
	// (00 20 00 ref) is known to only read the retry counter on this
	// family. When false, some cards of the family may count it as a
	// failed try, so firma sends it only when the user asks explicitly.
	EmptyVerifySafe bool `json:"empty_verify_safe"`
	// FullTries is the retry counter of a fresh PIN or PUK (3 on Italian
	// CNS cards). A probe that may cost a try stops at the first counter
	// that reads below it.
	FullTries int `json:"full_tries"`
	// PINFormat is how PINs and PUKs travel in VERIFY, CHANGE REFERENCE
	// DATA and RESET RETRY COUNTER on this family; nil when firma does
	// not manage PINs by APDU on it (use the PKCS#11 module instead).
	PINFormat *PINFormat `json:"pin_format,omitempty"`
	// Source says where the profile's facts come from.
	Source string `json:"source"`
}

// PINFormat is the encoding of a PIN or PUK in a command APDU: the
// digits as ASCII, padded with Pad to Len bytes.
type PINFormat struct {
	Len int  `json:"len"`
	Pad byte `json:"pad"`
}

// italianPINFormat is the block of Italian CNS cards (FACTS.md, "PIN
// references and APDUs"; OpenSC's itacns driver pads the same way).
var italianPINFormat = &PINFormat{Len: 8, Pad: 0xFF}

// Secret returns the profile's secret named name ("signature PIN").
func (p *Profile) Secret(name string) (SecretRef, bool) {
	for _, s := range p.Secrets {
		if s.Name == name {
			return s, true
		}
	}
	return SecretRef{}, false
}

// PUKFor returns the PUK that unblocks the PIN pin.
func (p *Profile) PUKFor(pin SecretRef) (SecretRef, bool) {
	for _, s := range p.Secrets {
		if s.PUK && s.Unblocks == pin.Ref {
			return s, true
		}
	}
	return SecretRef{}, false
}

// SecretRef is one PIN or PUK of a profile.
type SecretRef struct {
	// Name is "signature PIN", "signature PUK", "CNS PIN" or "CNS PUK".
	Name string `json:"name"`
	// Ref is the VERIFY reference (P2).
	Ref byte `json:"ref"`
	// PUK is true for an unblocking code.
	PUK bool `json:"puk"`
	// Unblocks is, for a PUK, the reference of the PIN it resets.
	Unblocks byte `json:"unblocks,omitempty"`
}

// cnsRefs are the references of Italian CNS cards: signature PIN 0x1A and
// its PUK 0x1B, CNS PIN 0x10 and its PUK 0x11; STIncard cards add 0x80 to
// the signature references.
func cnsRefs(sigOffset byte) []SecretRef {
	return []SecretRef{
		{Name: "signature PIN", Ref: 0x1A | sigOffset},
		{Name: "signature PUK", Ref: 0x1B | sigOffset, PUK: true, Unblocks: 0x1A | sigOffset},
		{Name: "CNS PIN", Ref: 0x10},
		{Name: "CNS PUK", Ref: 0x11, PUK: true, Unblocks: 0x10},
	}
}

// Profiles are every card profile firma knows, by name. This table is the
// one place where PIN references and probe safety are decided.
var Profiles = map[string]*Profile{
	"stincard": {
		Name:    "stincard",
		Secrets: cnsRefs(0x80),
		// Aruba Key cards: OpenSC deliberately never sends the empty
		// VERIFY to Italian CNS cards, and some of them count it as a
		// failed try. Not confirmed safe on any batch.
		EmptyVerifySafe: false,
		FullTries:       3,
		PINFormat:       italianPINFormat,
		Source:          "OpenSC itacns driver and public reports; empty VERIFY not confirmed safe",
	},
	"idemia": {
		Name:    "idemia",
		Secrets: cnsRefs(0),
		// ID-One Cosmo implements ISO/IEC 7816-4:2013 11.5.6: VERIFY with
		// absent data field returns the retry counter without using a try.
		EmptyVerifySafe: true,
		FullTries:       3,
		PINFormat:       italianPINFormat,
		Source:          "ISO/IEC 7816-4 retry-counter query on IDEMIA ID-One Cosmo; to be confirmed on each card batch",
	},
	"athena": {
		Name:            "athena",
		Secrets:         cnsRefs(0),
		EmptyVerifySafe: false,
		FullTries:       3,
		PINFormat:       italianPINFormat,
		Source:          "CNS specification references; empty VERIFY behaviour unknown",
	},
	"cns": {
		Name:            "cns",
		Secrets:         cnsRefs(0),
		EmptyVerifySafe: false,
		FullTries:       3,
		// An unknown maker: the references are the specification's, but
		// how its PIN blocks are encoded is not confirmed, and a wrong
		// encoding costs a try. No PIN management by APDU.
		PINFormat: nil,
		Source:    "CNS specification references; card maker unknown to firma",
	},
}

// profileFor picks the profile of a CNS card by its mask/OS maker.
func profileFor(cns *CNSInfo) *Profile {
	switch cns.OSMaker {
	case 0x09:
		return Profiles["stincard"]
	case 0x05:
		return Profiles["idemia"]
	case 0x0C:
		return Profiles["athena"]
	}
	return Profiles["cns"]
}
