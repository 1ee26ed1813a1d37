package card

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/firma-dev/firma/internal/pinrules"
)

// PIN management by APDU (ISO/IEC 7816-4:2013 11.5.6 VERIFY, 11.5.7
// CHANGE REFERENCE DATA, 11.5.10 RESET RETRY COUNTER), for the card
// profiles whose PINFormat is known. The functions taking a *Tx send
// exactly one command and never retry; PINChange and PINUnblock add the
// safety rules around them.

// Instruction bytes.
const (
	insVerify      = 0x20
	insChangeRef   = 0x24
	insResetRetry  = 0x2C
	swVerified     = 0x9000
	swBlocked      = 0x6983
	swRefNotUsable = 0x6984
)

// NotSupportedError means firma does not manage PINs by APDU on this
// card: its profile is unknown, or its PIN encoding is not confirmed.
type NotSupportedError struct {
	// Card names the card (its family, or "unknown card").
	Card string
	// Reason says what is missing.
	Reason string
}

func (e *NotSupportedError) Error() string {
	return fmt.Sprintf("PIN management by APDU is not supported on this card (%s): %s", e.Card, e.Reason)
}

// PINError is a PIN or PUK the card refused.
type PINError struct {
	// Op is what was being done ("changing the signature PIN").
	Op string
	// Secret is the PIN or PUK the card refused.
	Secret SecretRef
	// Wrong is true when the value presented was checked and found wrong
	// (63Cx, 6300); false when the card refused to check it because the
	// secret is blocked (6983, 6984) or firma refused beforehand.
	Wrong bool
	// Remaining is the number of tries left, -1 when the card did not
	// say.
	Remaining int
	// Blocked is true when no try is left.
	Blocked bool
	// SW is the status word, 0 when firma refused before sending.
	SW uint16
}

func (e *PINError) Error() string {
	name := e.Secret.Name
	switch {
	case e.Blocked && e.Secret.PUK && e.Wrong:
		return fmt.Sprintf("%s: wrong %s: it is now blocked, and the card can no longer be unblocked", e.Op, name)
	case e.Blocked && e.Secret.PUK:
		return fmt.Sprintf("%s: the %s is blocked: the card can no longer be unblocked", e.Op, name)
	case e.Blocked && e.Wrong:
		return fmt.Sprintf("%s: wrong %s: it is now blocked", e.Op, name)
	case e.Blocked:
		return fmt.Sprintf("%s: the %s is blocked", e.Op, name)
	case e.Remaining == 1:
		return fmt.Sprintf("%s: wrong %s: 1 try left, one more wrong %s blocks it", e.Op, name, name)
	case e.Remaining > 1:
		return fmt.Sprintf("%s: wrong %s: %d tries left", e.Op, name, e.Remaining)
	}
	return fmt.Sprintf("%s: wrong %s (the card did not say how many tries are left)", e.Op, name)
}

// FinalTryError means the card says one wrong try more blocks the secret
// and the caller did not allow a final try. Nothing was sent.
type FinalTryError struct {
	Secret SecretRef
}

func (e *FinalTryError) Error() string {
	if e.Secret.PUK {
		return fmt.Sprintf("the card says the %s has 1 try left, and one wrong PUK more makes the card unusable for good: refusing to try", e.Secret.Name)
	}
	return fmt.Sprintf("the card says the %s has 1 try left, and one wrong PIN more blocks it: refusing to try", e.Secret.Name)
}

// StatusError is a status word the card answered that firma does not
// expect for the command.
type StatusError struct {
	Op string
	SW uint16
}

var swText = map[uint16]string{
	0x6700: "wrong length",
	0x6982: "security status not satisfied",
	0x6985: "conditions of use not satisfied",
	0x6A80: "incorrect data",
	0x6A86: "incorrect P1-P2",
	0x6A88: "reference data not found",
	0x6D00: "instruction not supported",
	0x6E00: "class not supported",
}

func (e *StatusError) Error() string {
	if t, ok := swText[e.SW]; ok {
		return fmt.Sprintf("%s: the card answered %04X (%s)", e.Op, e.SW, t)
	}
	return fmt.Sprintf("%s: the card answered %04X", e.Op, e.SW)
}

// EncodePIN pads value to the profile's PIN block. The block holds the
// secret: the caller zeroes it after use.
func (f *PINFormat) EncodePIN(value []byte) ([]byte, error) {
	if len(value) == 0 || len(value) > f.Len {
		return nil, &pinrules.FormatError{Reason: fmt.Sprintf("the card takes 1 to %d characters", f.Len), Problem: pinrules.Encoding}
	}
	if bytes.IndexByte(value, f.Pad) >= 0 {
		return nil, &pinrules.FormatError{Reason: "it holds the card's padding byte", Problem: pinrules.Encoding}
	}
	b := bytes.Repeat([]byte{f.Pad}, f.Len)
	copy(b, value)
	return b, nil
}

// apdu builds a short command APDU 00 ins 00 p2 [Lc data].
func apdu(ins, p2 byte, data ...[]byte) []byte {
	n := 0
	for _, d := range data {
		n += len(d)
	}
	cmd := make([]byte, 0, 5+n)
	cmd = append(cmd, 0x00, ins, 0x00, p2)
	if n > 0 {
		cmd = append(cmd, byte(n))
		for _, d := range data {
			cmd = append(cmd, d...)
		}
	}
	return cmd
}

// pinResult maps the status word of a command presenting secret s.
func pinResult(op string, s SecretRef, sw uint16) error {
	switch {
	case sw == swVerified:
		return nil
	case sw&0xFFF0 == 0x63C0:
		n := int(sw & 0x0F)
		return &PINError{Op: op, Secret: s, Wrong: true, Remaining: n, Blocked: n == 0, SW: sw}
	case sw == 0x6300:
		return &PINError{Op: op, Secret: s, Wrong: true, Remaining: -1, SW: sw}
	case sw == swBlocked, sw == swRefNotUsable:
		return &PINError{Op: op, Secret: s, Remaining: 0, Blocked: true, SW: sw}
	}
	return &StatusError{Op: op, SW: sw}
}

// sendSecret transmits cmd, which holds a secret, and zeroes it and the
// response data. The card is reset when the connection ends.
func sendSecret(tx *Tx, op string, cmd []byte) (uint16, error) {
	tx.reset = true
	data, sw, err := tx.Transmit(op, cmd)
	// A transmit abandoned after its timeout may still read cmd: zeroing
	// it then could send a block of zeros, a wrong PIN that costs a try.
	if !tx.c.isBroken() {
		clear(cmd)
	}
	clear(data)
	return sw, err
}

// Verify presents pin for s with VERIFY (00 20 00 ref). It sends one
// command and returns nil, a *PINError, a *StatusError or a PC/SC error.
func Verify(tx *Tx, f *PINFormat, s SecretRef, pin []byte) error {
	op := "verifying the " + s.Name
	b, err := f.EncodePIN(pin)
	if err != nil {
		return err
	}
	sw, err := sendSecret(tx, op, apdu(insVerify, s.Ref, b))
	clear(b)
	if err != nil {
		return err
	}
	return pinResult(op, s, sw)
}

// ChangeReferenceData replaces the PIN s with CHANGE REFERENCE DATA
// (00 24 00 ref, data old||new). It sends one command.
func ChangeReferenceData(tx *Tx, f *PINFormat, s SecretRef, old, pin []byte) error {
	op := "changing the " + s.Name
	o, err := f.EncodePIN(old)
	if err != nil {
		return err
	}
	defer clear(o)
	n, err := f.EncodePIN(pin)
	if err != nil {
		return err
	}
	defer clear(n)
	sw, err := sendSecret(tx, op, apdu(insChangeRef, s.Ref, o, n))
	if err != nil {
		return err
	}
	return pinResult(op, s, sw)
}

// ResetRetryCounter unblocks the PIN pin with its PUK and sets a new
// value with RESET RETRY COUNTER (00 2C 00 pin-ref, data PUK||new). It
// sends one command; a refusal names the PUK, whose counter it uses.
func ResetRetryCounter(tx *Tx, f *PINFormat, puk, pin SecretRef, pukValue, newPIN []byte) error {
	op := "unblocking the " + pin.Name
	p, err := f.EncodePIN(pukValue)
	if err != nil {
		return err
	}
	defer clear(p)
	n, err := f.EncodePIN(newPIN)
	if err != nil {
		return err
	}
	defer clear(n)
	sw, err := sendSecret(tx, op, apdu(insResetRetry, pin.Ref, p, n))
	if err != nil {
		return err
	}
	return pinResult(op, puk, sw)
}

// readTries reads the counter of s with the empty VERIFY. The caller
// decides whether that is safe.
func readTries(tx *Tx, s SecretRef) (Tries, error) {
	_, sw, err := tx.Transmit("reading PIN tries", apdu(insVerify, s.Ref))
	if err != nil {
		return Tries{}, err
	}
	t := Tries{Name: s.Name, Ref: s.Ref, PUK: s.PUK}
	switch {
	case sw&0xFFF0 == 0x63C0:
		n := int(sw & 0x0F)
		t.Remaining = &n
		t.Blocked = n == 0
	case sw == swBlocked, sw == swRefNotUsable:
		n := 0
		t.Remaining, t.Blocked = &n, true
	case sw == swVerified:
		t.Verified = true
		t.Note, t.Why = "verified in this session; counter not reported", UnreadVerified
	case sw == 0x6A88:
		t.Note, t.Why, t.SW = "reference not found on this card", UnreadNoReference, sw
	default:
		t.Note, t.Why, t.SW = fmt.Sprintf("unexpected status %04X", sw), UnreadStatus, sw
	}
	return t, nil
}

// PINOptions drive PINChange and PINUnblock.
type PINOptions struct {
	// Reader is the reader holding the card.
	Reader string
	// PIN names the PIN to change or unblock ("signature PIN", the
	// default, or "CNS PIN").
	PIN string
	// AllowFinalTry lets firma present a secret the card says has one
	// try left.
	AllowFinalTry bool
	// Rules check the PIN or PUK presented and the new PIN before
	// anything is sent (pinrules.Italian when zero).
	Rules pinrules.Rules
	// Before is called once the card is identified, with the counter of
	// the secret about to be presented (Remaining nil when it cannot be
	// read safely on this card), before any secret is asked. A non-nil
	// error stops the operation.
	Before func(Tries) error
	// Secret asks the current PIN (PINChange) or the PUK (PINUnblock);
	// New asks the new PIN. Both are called at most once, outside any
	// card transaction, and their results are zeroed after use.
	Secret func(SecretRef) ([]byte, error)
	New    func() ([]byte, error)
}

// PINChange changes a PIN with CHANGE REFERENCE DATA; PINUnblock
// unblocks it with its PUK and RESET RETRY COUNTER. Both:
//   - refuse with *NotSupportedError, sending nothing, a card whose
//     profile has no PINFormat or lacks the references;
//   - read the counter of the secret to present when the profile marks
//     the empty VERIFY safe, and refuse a blocked secret (*PINError) or
//     one on its final try unless AllowFinalTry (*FinalTryError);
//   - ask the secrets and check them against Rules (the new PIN also
//     against the old one) before the card sees any of them;
//   - in a second transaction check the same card is still there (ATR),
//     re-read the counter when safe, and send exactly one command;
//   - reset the card when done, so no verified state is left behind.
func (c *Client) PINChange(ctx context.Context, o PINOptions) error {
	return c.pinOp(ctx, o, false)
}

// PINUnblock: see PINChange.
func (c *Client) PINUnblock(ctx context.Context, o PINOptions) error {
	return c.pinOp(ctx, o, true)
}

// pinPlan is what the first transaction learns.
type pinPlan struct {
	atr     []byte
	profile *Profile
	pin     SecretRef
	present SecretRef // the PIN (change) or its PUK (unblock)
}

func (c *Client) pinOp(ctx context.Context, o PINOptions, unblock bool) error {
	if o.PIN == "" {
		o.PIN = "signature PIN"
	}
	if o.Rules == (pinrules.Rules{}) {
		o.Rules = pinrules.Italian
	}
	var plan pinPlan
	var before Tries
	err := c.WithCard(ctx, o.Reader, func(tx *Tx) error {
		p, err := planFor(tx.ATR, o.PIN, unblock)
		if err != nil {
			return err
		}
		plan = p
		before, err = checkTries(tx, p, o.AllowFinalTry)
		return err
	})
	if err != nil {
		return err
	}
	if o.Before != nil {
		if err := o.Before(before); err != nil {
			return err
		}
	}
	secret, err := o.Secret(plan.present)
	if err != nil {
		return err
	}
	defer clear(secret)
	if err := pinrules.CheckCurrent(secret, o.Rules, plan.present.Name); err != nil {
		return err
	}
	pin, err := o.New()
	if err != nil {
		return err
	}
	defer clear(pin)
	old := secret
	if unblock {
		old = nil
	}
	if err := pinrules.Check(old, pin, o.Rules); err != nil {
		return err
	}
	// Encoding errors (a PUK too long for the block) surface before the
	// card is touched again.
	for i, v := range [][]byte{secret, pin} {
		b, err := plan.profile.PINFormat.EncodePIN(v)
		if err != nil {
			name := plan.present.Name
			if i == 1 {
				name = "new PIN"
			}
			return fmt.Errorf("%s: %w", name, err)
		}
		clear(b)
	}
	return c.WithCard(ctx, o.Reader, func(tx *Tx) error {
		if !bytes.Equal(tx.ATR, plan.atr) {
			return &Error{Kind: ErrRemoved, Op: "checking the card", Reader: o.Reader, Err: errors.New("another card is in the reader now; nothing was sent")}
		}
		if _, err := checkTries(tx, plan, o.AllowFinalTry); err != nil {
			return err
		}
		if unblock {
			return ResetRetryCounter(tx, plan.profile.PINFormat, plan.present, plan.pin, secret, pin)
		}
		return ChangeReferenceData(tx, plan.profile.PINFormat, plan.pin, secret, pin)
	})
}

// planFor finds the profile and references for atr.
func planFor(atr []byte, pinName string, unblock bool) (pinPlan, error) {
	id := Identify(atr, NoSmartcardList)
	family := "unknown card"
	if id != nil {
		family = id.Family
	}
	if id == nil || id.Profile == nil {
		return pinPlan{}, &NotSupportedError{Card: family, Reason: "its PIN references are unknown"}
	}
	p := id.Profile
	if p.PINFormat == nil {
		return pinPlan{}, &NotSupportedError{Card: family, Reason: fmt.Sprintf("how %s cards encode a PIN in a command is not confirmed, and a wrong encoding costs a try", p.Name)}
	}
	pin, ok := p.Secret(pinName)
	if !ok || pin.PUK {
		return pinPlan{}, &NotSupportedError{Card: family, Reason: fmt.Sprintf("the profile has no %q", pinName)}
	}
	plan := pinPlan{atr: bytes.Clone(atr), profile: p, pin: pin, present: pin}
	if unblock {
		puk, ok := p.PUKFor(pin)
		if !ok {
			return pinPlan{}, &NotSupportedError{Card: family, Reason: fmt.Sprintf("the profile has no PUK for the %s", pin.Name)}
		}
		plan.present = puk
	}
	return plan, nil
}

// checkTries reads the counter of the secret to present when that is
// safe, and refuses a blocked one or, unless allowed, a final try.
func checkTries(tx *Tx, p pinPlan, allowFinal bool) (Tries, error) {
	s := p.present
	t := Tries{Name: s.Name, Ref: s.Ref, PUK: s.PUK}
	if !p.profile.EmptyVerifySafe {
		t.Note = (&UnsafeProbeError{Profile: p.profile.Name}).Reason()
		t.Why, t.Profile = UnreadUnsafeProbe, p.profile.Name
		return t, nil
	}
	t, err := readTries(tx, s)
	if err != nil {
		return t, err
	}
	switch {
	case t.Blocked:
		return t, &PINError{Op: "checking the " + s.Name, Secret: s, Remaining: 0, Blocked: true}
	case t.Remaining != nil && *t.Remaining == 1 && !allowFinal:
		return t, &FinalTryError{Secret: s}
	}
	return t, nil
}
