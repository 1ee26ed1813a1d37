// Package pinrules holds the one check of a new PIN that firma makes
// before any token or card is asked to change or unblock a PIN: the same
// rules for the PKCS#11 path (package pkcs11) and the APDU path (package
// card), so a PIN the card would refuse never costs a try.
//
// Contract: Check looks only at the candidate PIN (and the old one, when
// given) and returns a *FormatError, whose text never contains either
// value. The Italian rules (5 to 8 digits) come from the PIN letters of
// Aruba and the CNS card issuers (FACTS.md, "The user's kit").
package pinrules

import (
	"crypto/subtle"
	"fmt"
)

// Rules say what a new PIN must look like.
type Rules struct {
	MinLen, MaxLen int
	DigitsOnly     bool
}

// Italian are the rules of Italian signature and CNS cards: 5 to 8
// digits.
var Italian = Rules{MinLen: 5, MaxLen: 8, DigitsOnly: true}

// FormatError means a PIN does not fit the rules; nothing was sent to
// the token or card.
type FormatError struct {
	Reason string
}

func (e *FormatError) Error() string { return "PIN not accepted: " + e.Reason }

// Hint says what a valid PIN looks like.
func (e *FormatError) Hint() string {
	return "Italian signature PINs are 5 to 8 digits"
}

// Check validates the new PIN pin against r and, when old is not nil,
// refuses a PIN equal to the old one.
func Check(old, pin []byte, r Rules) error {
	if len(pin) < r.MinLen || len(pin) > r.MaxLen {
		return &FormatError{Reason: fmt.Sprintf("the new PIN must be %d to %d characters", r.MinLen, r.MaxLen)}
	}
	if r.DigitsOnly {
		for _, c := range pin {
			if c < '0' || c > '9' {
				return &FormatError{Reason: "the new PIN must be digits only"}
			}
		}
	}
	if old != nil && subtle.ConstantTimeCompare(old, pin) == 1 {
		return &FormatError{Reason: "the new PIN is the same as the old one"}
	}
	return nil
}

// CheckCurrent validates a PIN or PUK about to be presented to the card
// (what names it: "signature PUK"). A value outside the rules cannot be
// right, and presenting it would only cost a try.
func CheckCurrent(value []byte, r Rules, what string) error {
	ok := len(value) >= r.MinLen && len(value) <= r.MaxLen
	for _, c := range value {
		if r.DigitsOnly && (c < '0' || c > '9') {
			ok = false
		}
	}
	if ok {
		return nil
	}
	kind := "characters"
	if r.DigitsOnly {
		kind = "digits"
	}
	return &FormatError{Reason: fmt.Sprintf("a %s is %d to %d %s, and the one given is not: it was not sent, so no try was used", what, r.MinLen, r.MaxLen, kind)}
}
