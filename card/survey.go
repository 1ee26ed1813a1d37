package card

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// SurveyOptions configures Survey.
type SurveyOptions struct {
	// Reader limits the survey to one reader (all readers when empty).
	Reader string
	// ProbePINTries asks for the PIN counters of cards whose profile does
	// not mark the empty VERIFY safe. Alone it sends nothing to such a
	// card: the reader's Err is an *UnsafeProbeError (Asked).
	ProbePINTries bool
	// AcceptTryLoss is the user's explicit consent, with ProbePINTries,
	// that the probe may cost a try; see ReadTries for how it is bounded.
	AcceptTryLoss bool
	// ProbePUKTries probes the PUKs too on such cards (with
	// AcceptTryLoss); PUKs are never probed otherwise.
	ProbePUKTries bool
	// SkipPINTries reads no counter at all.
	SkipPINTries bool
	// SmartcardList is pcsc-tools' list for descriptions; nil loads the
	// installed one (if any), NoSmartcardList disables it.
	SmartcardList *SmartcardList
	// OpTimeout bounds each card operation (DefaultOpTimeout if zero).
	OpTimeout time.Duration

	establish establishFunc // tests
}

// NoSmartcardList disables the smartcard list lookup in SurveyOptions.
var NoSmartcardList = &SmartcardList{}

// Report is the result of Survey.
type Report struct {
	// Readers are the readers found, in PC/SC order; empty when none is
	// connected.
	Readers []ReaderReport `json:"readers"`
	// SmartcardList is the path of the pcsc-tools list used, if any.
	SmartcardList string `json:"smartcard_list,omitempty"`
}

// ReaderReport is one reader with everything known about its card.
type ReaderReport struct {
	Reader
	// Decoded is the parsed ATR (nil without a card or for a malformed
	// ATR, see Identification.Notes).
	Decoded *ATR `json:"atr_decoded,omitempty"`
	// Identification names the card family and the PKCS#11 modules to
	// try, best first.
	Identification *Identification `json:"identification,omitempty"`
	// PINTries are the retry counters, when read.
	PINTries []Tries `json:"pin_tries,omitempty"`
	// PINTriesSource is "safe-profile" or "explicit-probe" when PINTries
	// were read.
	PINTriesSource string `json:"pin_tries_source,omitempty"`
	// PINTriesSkipped says why PINTries were not read, in English;
	// PINTriesUnread is the same as data (the profile, if it matters, is
	// Identification.Profile).
	PINTriesSkipped string `json:"pin_tries_skipped,omitempty"`
	PINTriesUnread  Unread `json:"-"`
	// Warnings are things the user must be told (an explicit probe on a
	// card not known to be safe).
	Warnings []string `json:"warnings,omitempty"`
	// Err is the error that stopped reading this reader's card, if any
	// (not in JSON: Problem carries its text).
	Err     error  `json:"-"`
	Problem string `json:"problem,omitempty"`
}

// ProbeWarning is the warning attached to an explicit probe of a card
// whose profile is not known to be safe.
const ProbeWarning = "the empty VERIFY was sent to a card not known to treat it as harmless: each counter probed may have lost a try"

// Survey is what `firma status` and `firma doctor` show about PC/SC: it
// lists the readers and, for each card, its ATR, decoded ATR,
// identification (family, label, smartcard_list descriptions), the PKCS#11
// module file names to try in order, and the PIN/PUK retry counters when
// they can be read safely (profile marked safe) or were explicitly asked
// for with the loss of a try accepted (opts.ProbePINTries and
// opts.AcceptTryLoss, with a warning in the report; see ReadTries).
//
// It returns an error only when PC/SC itself is unusable (ErrNoService,
// ErrAccessDenied, ErrNoPCSCSupport, a cancelled ctx); a card that is
// busy, mute, removed or unresponsive is reported in its ReaderReport
// (Err, Problem) and the other readers are still surveyed. No reader is
// an empty Readers list, not an error.
func Survey(ctx context.Context, opts SurveyOptions) (*Report, error) {
	est := opts.establish
	if est == nil {
		est = establish
	}
	c, err := open(est, WithOpTimeout(opts.OpTimeout))
	if err != nil {
		return nil, err
	}
	defer c.Close()
	readers, err := c.Readers(ctx)
	if err != nil {
		return nil, err
	}
	list := opts.SmartcardList
	if list == nil {
		list, _ = LoadSmartcardList("") // descriptions are optional
	}
	rep := &Report{Readers: []ReaderReport{}}
	if list != nil {
		rep.SmartcardList = list.Path
	}
	for _, r := range readers {
		if opts.Reader != "" && r.Name != opts.Reader {
			continue
		}
		rr := ReaderReport{Reader: r}
		if len(r.ATR) > 0 {
			rr.Decoded, _ = ParseATR(r.ATR)
			rr.Identification = Identify(r.ATR, list)
		}
		c.surveyTries(ctx, &rr, opts)
		if rr.Err != nil {
			rr.Problem = rr.Err.Error()
		}
		rep.Readers = append(rep.Readers, rr)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	if opts.Reader != "" && len(rep.Readers) == 0 {
		return nil, &Error{Kind: ErrNoReader, Op: "surveying readers", Reader: opts.Reader}
	}
	return rep, nil
}

func (c *Client) surveyTries(ctx context.Context, rr *ReaderReport, opts SurveyOptions) {
	switch {
	case opts.SkipPINTries:
		return
	case rr.State == "mute":
		rr.Err = &Error{Kind: ErrUnresponsive, Op: "reading the card", Reader: rr.Name, Err: errors.New("the card gave no valid answer to reset")}
		return
	case rr.State == "exclusive":
		rr.PINTriesSkipped, rr.PINTriesUnread = "the card is held exclusively by another program", UnreadExclusive
		rr.Err = &Error{Kind: ErrBusy, Op: "reading PIN tries", Reader: rr.Name}
		return
	case !rr.HasCard():
		return
	case rr.Identification == nil || rr.Identification.Profile == nil:
		rr.PINTriesSkipped, rr.PINTriesUnread = "PIN references of this card are unknown", UnreadUnknownRefs
		return
	}
	p := rr.Identification.Profile
	switch {
	case !p.EmptyVerifySafe && !opts.ProbePINTries:
		rr.PINTriesSkipped, rr.PINTriesUnread = (&UnsafeProbeError{Profile: p.Name}).Reason(), UnreadUnsafeProbe
		return
	case !p.EmptyVerifySafe && !opts.AcceptTryLoss:
		// Asked, but the loss of a try was not accepted: refuse, and
		// say so as an error, before anything is sent.
		rr.PINTriesSkipped, rr.PINTriesUnread = (&UnsafeProbeError{Profile: p.Name}).Reason(), UnreadUnsafeProbe
		rr.Err = &UnsafeProbeError{Profile: p.Name, Asked: true}
		return
	}
	if !p.EmptyVerifySafe {
		rr.Warnings = append(rr.Warnings, ProbeWarning)
	}
	err := c.WithCard(ctx, rr.Name, func(tx *Tx) error {
		t, err := ReadTries(tx, p, TriesOptions{AcceptTryLoss: opts.AcceptTryLoss, PUKs: opts.ProbePUKTries})
		rr.PINTries = t
		return err
	})
	if err != nil {
		rr.Err = err
		rr.PINTries = nil
		rr.PINTriesSkipped, rr.PINTriesUnread = "could not read the card", UnreadFailed
		return
	}
	rr.PINTriesSource = "safe-profile"
	if !p.EmptyVerifySafe {
		rr.PINTriesSource = "explicit-probe"
	}
	for _, t := range rr.PINTries {
		if t.Moved {
			rr.Warnings = append(rr.Warnings, fmt.Sprintf("the %s counter reads %d of %d: this probe may have used that try, so nothing else was probed", t.Name, *t.Remaining, p.FullTries))
		}
	}
}
