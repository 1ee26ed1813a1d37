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
	// Source says where the profile's facts come from.
	Source string `json:"source"`
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
		Source:          "OpenSC itacns driver and public reports; empty VERIFY not confirmed safe",
	},
	"idemia": {
		Name:    "idemia",
		Secrets: cnsRefs(0),
		// ID-One Cosmo implements ISO/IEC 7816-4:2013 11.5.6: VERIFY with
		// absent data field returns the retry counter without using a try.
		EmptyVerifySafe: true,
		Source:          "ISO/IEC 7816-4 retry-counter query on IDEMIA ID-One Cosmo; to be confirmed on each card batch",
	},
	"athena": {
		Name:            "athena",
		Secrets:         cnsRefs(0),
		EmptyVerifySafe: false,
		Source:          "CNS specification references; empty VERIFY behaviour unknown",
	},
	"cns": {
		Name:            "cns",
		Secrets:         cnsRefs(0),
		EmptyVerifySafe: false,
		Source:          "CNS specification references; card maker unknown to firma",
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
