package card

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Tx is an open card inside a PC/SC transaction: APDU logic takes a Tx,
// as in go-piv, so it never outlives the transaction.
type Tx struct {
	c      *Client
	h      handle
	ctx    context.Context
	reader string
	// reset makes the end of the connection reset the card: set once a
	// PIN or PUK was presented, so no verified state outlives firma's use.
	reset bool
	// ATR is the card's answer to reset.
	ATR []byte
}

// WithCard connects to reader in shared mode, begins a transaction, runs
// f and ends the transaction and the connection, leaving the card as it
// is. Keep f short: other programs wait for the card meanwhile.
func (c *Client) WithCard(ctx context.Context, reader string, f func(*Tx) error) error {
	var h handle
	err := c.call(ctx, "connecting to the card", reader, func() error {
		var err error
		h, err = c.sys.Connect(reader)
		return err
	})
	if err != nil {
		return wrap("connecting to the card", reader, err)
	}
	tx := &Tx{c: c, h: h, ctx: ctx, reader: reader}
	defer c.call(ctx, "disconnecting", reader, func() error {
		if tx.reset {
			return h.DisconnectReset()
		}
		return h.Disconnect()
	})
	if err := c.call(ctx, "starting a card transaction", reader, h.BeginTransaction); err != nil {
		return c.cardErr(ctx, "starting a card transaction", reader, err)
	}
	defer c.call(ctx, "ending the card transaction", reader, h.EndTransaction)
	if err := c.call(ctx, "reading the card status", reader, func() error {
		var err error
		tx.ATR, err = h.Status()
		return err
	}); err != nil {
		return c.cardErr(ctx, "reading the card status", reader, err)
	}
	return f(tx)
}

// Reader is the reader the transaction runs on.
func (t *Tx) Reader() string { return t.reader }

// Transmit sends one command APDU and returns the response data and the
// status word.
func (t *Tx) Transmit(op string, cmd []byte) ([]byte, uint16, error) {
	var resp []byte
	err := t.c.call(t.ctx, op, t.reader, func() error {
		var err error
		resp, err = t.h.Transmit(cmd)
		return err
	})
	if err != nil {
		return nil, 0, t.c.cardErr(t.ctx, op, t.reader, err)
	}
	data, sw, ok := parseResponse(resp)
	if !ok {
		// vpcd answers an empty response when the card vanished.
		if t.c.cardGone(t.ctx, t.reader) {
			return nil, 0, &Error{Kind: ErrRemoved, Op: op, Reader: t.reader}
		}
		return nil, 0, &Error{Kind: ErrUnresponsive, Op: op, Reader: t.reader, Err: fmt.Errorf("response of %d bytes has no status word", len(resp))}
	}
	return data, sw, nil
}

// parseResponse splits a response APDU (ISO 7816-4 5.1) into its data
// and status word; ok is false when it is too short to hold SW1 SW2.
func parseResponse(resp []byte) (data []byte, sw uint16, ok bool) {
	if len(resp) < 2 {
		return nil, 0, false
	}
	n := len(resp) - 2
	return resp[:n], uint16(resp[n])<<8 | uint16(resp[n+1]), true
}

// cardErr classifies a failed card call. Readers report a card pulled
// out mid-command in several ways (removed, reset, communication error,
// not transacted); whenever the reader turns out to be empty afterwards,
// the error is ErrRemoved.
func (c *Client) cardErr(ctx context.Context, op, reader string, err error) error {
	var e *Error
	if errors.As(err, &e) && e.Kind == ErrUnresponsive || ctx.Err() != nil {
		return err
	}
	werr := wrap(op, reader, err)
	if errors.Is(werr, ErrRemoved) {
		return werr
	}
	if c.cardGone(ctx, reader) {
		var code Code
		errors.As(err, &code)
		return &Error{Kind: ErrRemoved, Op: op, Reader: reader, Code: code}
	}
	return werr
}

// removalGrace bounds how long a failed command waits for pcscd to
// report the card gone: its presence poll runs about every 400 ms.
const removalGrace = time.Second

// cardGone reports whether reader is empty, waiting (event-driven, up to
// removalGrace) for pcscd to notice a card pulled out mid-command.
func (c *Client) cardGone(ctx context.Context, reader string) bool {
	states := []readerState{{Reader: reader, CurrentState: stateUnaware}}
	if err := c.call(ctx, "checking the reader", reader, func() error {
		return c.sys.GetStatusChange(states, 0)
	}); err != nil {
		return false
	}
	if states[0].EventState&statePresent == 0 {
		return true
	}
	states[0].CurrentState = states[0].EventState &^ stateChanged
	grace := min(removalGrace, c.opTimeout/2)
	err := c.call(ctx, "checking the reader", reader, func() error {
		return c.sys.GetStatusChange(states, grace)
	})
	return err == nil && states[0].EventState&statePresent == 0
}

// Tries is the retry counter of one PIN or PUK.
type Tries struct {
	Name string `json:"name"`
	Ref  byte   `json:"ref"`
	PUK  bool   `json:"puk"`
	// Remaining is the number of tries left; nil when the card did not
	// say (already verified in this session, an unexpected answer, or not
	// probed).
	Remaining *int `json:"remaining"`
	// Blocked is true when the card answered 6983.
	Blocked bool `json:"blocked"`
	// Verified is true when the card answered 9000: the secret is
	// verified in the current card session (so its counter is full, as a
	// right secret resets it), and the count itself was not reported.
	Verified bool `json:"verified,omitempty"`
	// Moved is set, on a probe of a card not known to treat the query as
	// harmless, when the counter read below the card's full count: the
	// probe may have used that try, so nothing was probed after it.
	Moved bool `json:"moved,omitempty"`
	// NotProbed is set for a secret no query was sent for (a PUK not
	// asked for, or a secret after a counter that moved).
	NotProbed bool `json:"not_probed,omitempty"`
	// Note explains a missing counter, in English; Why is the same as
	// data, for a program that says it in its own words.
	Note string `json:"note,omitempty"`
	Why  Unread `json:"-"`
	// SW is the card's status word when Why is UnreadNoReference or
	// UnreadStatus; After names the counter that moved first when Why is
	// UnreadAfterMoved; Profile names the card profile when Why is
	// UnreadUnsafeProbe.
	SW      uint16 `json:"-"`
	After   string `json:"-"`
	Profile string `json:"-"`
}

// Unread says why a retry counter, or a card's PIN tries, were not read.
type Unread int

const (
	UnreadNone        Unread = iota
	UnreadVerified           // the secret is verified in this session: the card reports no counter
	UnreadNoReference        // the card has no such reference (6A88)
	UnreadStatus             // an unexpected status word (Tries.SW)
	UnreadUnsafeProbe        // the profile is not known to treat the query as harmless
	UnreadAfterMoved         // an earlier counter moved: nothing more was probed
	UnreadPUKNotAsked        // PUKs are probed only when asked
	UnreadExclusive          // another program holds the card exclusively
	UnreadUnknownRefs        // the card's PIN references are unknown
	UnreadFailed             // the card could not be read (ReaderReport.Err)
)

// UnsafeProbeError refuses an empty VERIFY on a profile not known to be
// safe: the caller did not accept that it may cost a try. Nothing was
// sent to the card.
type UnsafeProbeError struct {
	Profile string
	// Asked is set when the caller asked for a probe (but did not accept
	// the loss of a try); unset when it only read what is safe.
	Asked bool
}

func (e *UnsafeProbeError) Error() string {
	if e.Asked {
		return "PIN tries not probed: " + e.Reason() + "; the loss of a try was not accepted"
	}
	return "PIN tries not read: " + e.Reason()
}

// Reason says why the tries were not read.
func (e *UnsafeProbeError) Reason() string {
	return fmt.Sprintf("on %s cards the empty VERIFY that reads them is not known to be harmless and may cost a try", e.Profile)
}

// TriesOptions say what ReadTries may send to a card whose profile does
// not mark the empty VERIFY safe. On a safe profile every counter is read
// and these options do not matter.
type TriesOptions struct {
	// AcceptTryLoss is the user's explicit consent that the probe may
	// cost a try. Without it nothing is sent to such a card.
	AcceptTryLoss bool
	// PUKs probes the PUKs too, after the PINs (and only when no PIN
	// counter moved). A PUK is never probed unless asked: three wrong
	// PUKs make the card unusable for good.
	PUKs bool
}

// ReadTries reads the retry counters of profile's PINs and PUKs with the
// empty VERIFY (00 20 00 ref).
//
// On a profile that marks the empty VERIFY safe it reads them all. On
// any other it sends nothing and returns *UnsafeProbeError, unless
// opts.AcceptTryLoss; then it probes the PINs, and the PUKs only with
// opts.PUKs, one at a time, and stops at the first counter that reads
// below the profile's full count (FullTries): that probe may have cost
// the try, so the rest are returned NotProbed. At most one try is lost
// this way when the counters were full.
func ReadTries(tx *Tx, profile *Profile, opts TriesOptions) ([]Tries, error) {
	if profile == nil {
		return nil, errors.New("no card profile: PIN references unknown")
	}
	if profile.EmptyVerifySafe {
		out := make([]Tries, 0, len(profile.Secrets))
		for _, s := range profile.Secrets {
			t, err := readTries(tx, s)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
		return out, nil
	}
	if !opts.AcceptTryLoss {
		return nil, &UnsafeProbeError{Profile: profile.Name, Asked: true}
	}
	// PINs first, then PUKs: a moved PIN counter stops the probe before
	// any PUK is touched.
	order := make([]SecretRef, 0, len(profile.Secrets))
	for _, puk := range []bool{false, true} {
		for _, s := range profile.Secrets {
			if s.PUK == puk {
				order = append(order, s)
			}
		}
	}
	got := map[byte]Tries{}
	var moved *Tries
	for _, s := range order {
		switch {
		case moved != nil:
			got[s.Ref] = Tries{Name: s.Name, Ref: s.Ref, PUK: s.PUK, NotProbed: true, Note: "not probed: the " + moved.Name + " counter moved first", Why: UnreadAfterMoved, After: moved.Name}
			continue
		case s.PUK && !opts.PUKs:
			got[s.Ref] = Tries{Name: s.Name, Ref: s.Ref, PUK: s.PUK, NotProbed: true, Note: "not probed: PUKs are probed only when asked", Why: UnreadPUKNotAsked}
			continue
		}
		t, err := readTries(tx, s)
		if err != nil {
			return nil, err
		}
		if t.Remaining != nil && profile.FullTries > 0 && *t.Remaining < profile.FullTries {
			t.Moved = true
			moved = &t
		}
		got[s.Ref] = t
	}
	out := make([]Tries, 0, len(profile.Secrets))
	for _, s := range profile.Secrets {
		out = append(out, got[s.Ref])
	}
	return out, nil
}
