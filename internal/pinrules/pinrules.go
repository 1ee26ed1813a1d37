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

// Problem says what is wrong with a PIN, for the caller's words.
type Problem int

const (
	// Length: too short or too long for the rules (Rules says how long).
	Length Problem = iota
	// Digits: a character that is not a digit where only digits go.
	Digits
	// SameAsOld: a new PIN equal to the current one.
	SameAsOld
	// Encoding: the card's PIN block cannot hold it (a profile's limit).
	Encoding
	// TokenRefused: the token itself refused the value's length or
	// characters, without counting a try. The only Problem where the
	// value was sent.
	TokenRefused
)

// FormatError means a PIN does not fit the rules. Except for
// TokenRefused, nothing was sent to the token or card: no try was used.
type FormatError struct {
	Reason  string
	Problem Problem
	// What names the secret: "new PIN", "PIN", "signature PUK".
	What string
	// Rules are the rules it broke (zero for Encoding and TokenRefused).
	Rules Rules
}

func (e *FormatError) Error() string { return "PIN not accepted: " + e.Reason }

// Sent reports whether the value reached the token (TokenRefused).
func (e *FormatError) Sent() bool { return e.Problem == TokenRefused }

// Check validates the new PIN pin against r and, when old is not nil,
// refuses a PIN equal to the old one.
func Check(old, pin []byte, r Rules) error {
	if len(pin) < r.MinLen || len(pin) > r.MaxLen {
		return &FormatError{Reason: fmt.Sprintf("the new PIN must be %d to %d characters", r.MinLen, r.MaxLen), Problem: Length, What: "new PIN", Rules: r}
	}
	if r.DigitsOnly {
		for _, c := range pin {
			if c < '0' || c > '9' {
				return &FormatError{Reason: "the new PIN must be digits only", Problem: Digits, What: "new PIN", Rules: r}
			}
		}
	}
	if old != nil && subtle.ConstantTimeCompare(old, pin) == 1 {
		return &FormatError{Reason: "the new PIN is the same as the old one", Problem: SameAsOld, What: "new PIN", Rules: r}
	}
	return nil
}

// CheckCurrent validates a PIN or PUK about to be presented to the card
// (what names it: "signature PUK"). A value outside the rules cannot be
// right, and presenting it would only cost a try.
func CheckCurrent(value []byte, r Rules, what string) error {
	problem := -1
	if len(value) < r.MinLen || len(value) > r.MaxLen {
		problem = int(Length)
	}
	for _, c := range value {
		if r.DigitsOnly && (c < '0' || c > '9') {
			problem = int(Digits)
		}
	}
	if problem < 0 {
		return nil
	}
	kind := "characters"
	if r.DigitsOnly {
		kind = "digits"
	}
	return &FormatError{Reason: fmt.Sprintf("a %s is %d to %d %s, and the one given is not: it was not sent, so no try was used", what, r.MinLen, r.MaxLen, kind),
		Problem: Problem(problem), What: what, Rules: r}
}
