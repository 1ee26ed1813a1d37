package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firma-dev/firma/card"
)

type cardOptions struct {
	g             *globalOptions
	JSON          bool
	Reader        string
	ProbePINTries bool
	ProbePUKTries bool
	AcceptTryLoss bool
	Timeout       time.Duration
}

// acceptTryLossFlag is the consent to a probe that may cost a PIN try.
// Its name says what it costs, so nobody passes it by habit.
const acceptTryLossFlag = "i-accept-losing-a-try"

func newCardCmd(io *IO, g *globalOptions) *cobra.Command {
	o := &cardOptions{g: g}
	cmd := &cobra.Command{
		Use:   "card",
		Short: "Identify the card in the reader: ATR, card family, PKCS#11 modules, PIN tries",
		Long: `Identify the card through PC/SC, without PKCS#11 and without a PIN: its ATR
(decoded per ISO 7816-3), the card family (Italian CNS cards are recognised by
their ATR pattern: chip maker, OS maker, CNS version), the PKCS#11 modules that
serve it in the order to try, and the description from pcsc-tools'
smartcard_list.txt when installed.

PIN and PUK tries are read only from cards known to answer the query without
using a try. Some Italian cards (Aruba/Incard among them) count that query as
a wrong PIN, and firma's profile of a card family says whether it is known to
be harmless. On a card not known to be, --probe-pin-tries alone is refused
(exit 7, nothing sent): add --i-accept-losing-a-try to probe anyway. firma then
probes the PINs one at a time and stops at the first counter below the full
count (3), because that probe may have cost the try: at most one try is lost
when the counters were full. PUKs are probed only with --probe-puk-tries,
after the PINs and only if no PIN counter moved (3 wrong PUKs make the card
unusable for good). Prefer 'firma pin status', which asks the PKCS#11 module
at no risk.`,
		Example: `  firma card
  firma card --json | jq -r '.identification.modules[0]'
  firma card --reader "Virtual PCD 00 00"

  # Read the PIN tries even if this card may count the query as a failed try
  firma card --probe-pin-tries --i-accept-losing-a-try`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCard(cmd.Context(), io, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.JSON, "json", false, "print JSON (fields documented in the README)")
	f.StringVar(&o.Reader, "reader", "", "reader `name` (default: the first reader holding a card)")
	f.BoolVar(&o.ProbePINTries, "probe-pin-tries", false, "read the PIN tries even on cards where the query may use a try (needs --"+acceptTryLossFlag+" there)")
	f.BoolVar(&o.ProbePUKTries, "probe-puk-tries", false, "also probe the PUKs, after the PINs (implies --probe-pin-tries)")
	f.BoolVar(&o.AcceptTryLoss, acceptTryLossFlag, false, "accept that probing a card not known to treat the query as harmless may cost a PIN try")
	f.DurationVar(&o.Timeout, "timeout", card.DefaultOpTimeout, "give up on a card that does not answer within this `duration`")
	return cmd
}

// probeFlagWarning is printed before a probe the user accepted may cost a
// try.
func probeFlagWarning() string {
	return sprintf("--%s: on a card not known to treat the query as harmless, the probe may use a try; firma stops at the first counter that moves", acceptTryLossFlag)
}

// probeRefusedHint is the way out of a refused probe.
func probeRefusedHint() string {
	return sprintf("this card may count the query as a wrong PIN: to probe anyway, add --%s (firma stops at the first counter that moves); 'firma pin status' asks the PKCS#11 module instead, at no risk", acceptTryLossFlag)
}

func runCard(ctx context.Context, io *IO, o *cardOptions) error {
	if o.ProbePUKTries {
		o.ProbePINTries = true
	}
	if o.AcceptTryLoss && !o.ProbePINTries {
		return usageErrorf("--%s only goes with --probe-pin-tries or --probe-puk-tries", acceptTryLossFlag)
	}
	opts := card.SurveyOptions{Reader: o.Reader, ProbePINTries: o.ProbePINTries, ProbePUKTries: o.ProbePUKTries, AcceptTryLoss: o.AcceptTryLoss, OpTimeout: o.Timeout}
	if o.Reader == "" {
		// Find the reader holding a card without touching any card.
		c, err := card.Open()
		if err != nil {
			return err
		}
		readers, err := c.Readers(ctx)
		c.Close()
		if err != nil {
			return err
		}
		if len(readers) == 0 {
			return &card.Error{Kind: card.ErrNoReader, Op: "looking for a card"}
		}
		for _, r := range readers {
			if r.HasCard() || r.State == "mute" {
				opts.Reader = r.Name
				break
			}
		}
		if opts.Reader == "" {
			return &card.Error{Kind: card.ErrNoCard, Op: "looking for a card", Reader: readers[0].Name}
		}
	}
	if o.AcceptTryLoss {
		printf(io.Err, "firma: warning: %s\n", probeFlagWarning())
	}
	rep, err := card.Survey(ctx, opts)
	if err != nil {
		return err
	}
	r := rep.Readers[0]
	if !r.HasCard() && r.State != "mute" {
		return &card.Error{Kind: card.ErrNoCard, Op: "reading the card", Reader: r.Name}
	}
	if o.JSON {
		if err := writeJSON(io.Out, r); err != nil {
			return err
		}
	} else {
		printCardReport(io.Out, &r)
	}
	var refused *card.UnsafeProbeError
	if errors.As(r.Err, &refused) && refused.Asked {
		return withCode(ExitLocked, r.Err, probeRefusedHint())
	}
	return r.Err
}

// printCardReport prints one reader's card in the layout of `firma card`
// (also used by `firma status` for its reader section).
func printCardReport(w io.Writer, r *card.ReaderReport) {
	field(w, "Reader", "%s (%s)", r.Name, cardStateWord(r.State))
	if len(r.ATR) == 0 {
		return
	}
	field(w, "ATR", "%s", card.FormatHex(r.ATR))
	if a := r.Decoded; a != nil {
		field(w, "", "%s convention, %s, Fi %d Di %d (max %g MHz), %d historical bytes", conventionWord(a.Convention), a.ProtocolNames(), a.Fi, a.Di, a.FMax, len(a.Historical))
	}
	id := r.Identification
	if id == nil {
		return
	}
	field(w, "Card", "%s", cardFamily(id))
	if id.Label != "" {
		field(w, "Known as", "%s", cardLabel(id.Label))
	}
	if c := id.CNS; c != nil {
		field(w, id.CNS.Variant, "version %s, chip %s, OS %s %s", c.Version, maker(c.ICMaker, c.ICMakerName), maker(c.OSMaker, c.OSMakerName), card.FormatHex(c.OSVersion))
	}
	for i, d := range id.Descriptions {
		label := ""
		if i == 0 {
			label = tr("ATR list")
		}
		field(w, label, "%s", d)
	}
	field(w, "Modules", "%s", strings.Join(id.Modules, ", "))
	for _, n := range cardNotes(id, r.ATR) {
		field(w, "Note", "%s", n)
	}
	switch {
	case len(r.PINTries) > 0:
		parts := make([]string, len(r.PINTries))
		for i, t := range r.PINTries {
			parts[i] = secretWord(t.Name) + " " + triesText(t)
		}
		field(w, "PIN tries", "%s", strings.Join(parts, ", "))
	case r.PINTriesSkipped != "":
		field(w, "PIN tries", "not read: %s", unreadWords(r.PINTriesUnread, card.Tries{Profile: profileName(id)}, r.PINTriesSkipped))
	}
	for _, warn := range cardWarnings(r) {
		field(w, "Warning", "%s", warn)
	}
}

func profileName(id *card.Identification) string {
	if id != nil && id.Profile != nil {
		return id.Profile.Name
	}
	return ""
}

// unreadWords says why a counter (or a card's PIN tries) was not read;
// english is the library's text, said as it is for a reason firma does
// not know.
func unreadWords(why card.Unread, t card.Tries, english string) string {
	switch why {
	case card.UnreadVerified:
		return tr("verified in this session; counter not reported")
	case card.UnreadNoReference:
		return tr("reference not found on this card")
	case card.UnreadStatus:
		return sprintf("unexpected status %04X", t.SW)
	case card.UnreadUnsafeProbe:
		return probeReason(t.Profile)
	case card.UnreadAfterMoved:
		return sprintf("the %s counter moved first", secretWord(t.After))
	case card.UnreadPUKNotAsked:
		return tr("PUKs are probed only when asked")
	case card.UnreadExclusive:
		return tr("the card is held exclusively by another program")
	case card.UnreadUnknownRefs:
		return tr("PIN references of this card are unknown")
	case card.UnreadFailed:
		return tr("could not read the card")
	}
	return english
}

// cardNotes are the library's caveats about a card (id.Notes, English,
// for --json) in the user's words.
func cardNotes(id *card.Identification, atr []byte) []string {
	var notes []string
	if _, err := card.ParseATR(atr); err != nil {
		notes = append(notes, errorText(err))
	}
	if id.CNS != nil && id.CNS.VersionByte == 0x10 {
		notes = append(notes, tr("CNS 1.0 card: OpenSC lists its keys but cannot sign with an RSA-2048 key on it; use the vendor module"))
	}
	if len(notes) != len(id.Notes) {
		return id.Notes // a note firma has no words for: say them all as they are
	}
	return notes
}

// cardWarnings are r.Warnings (English, for --json) in the user's words.
func cardWarnings(r *card.ReaderReport) []string {
	var warns []string
	if r.PINTriesSource == "explicit-probe" {
		warns = append(warns, tr("the empty VERIFY was sent to a card not known to treat it as harmless: each counter probed may have lost a try"))
	}
	full := 0
	if id := r.Identification; id != nil && id.Profile != nil {
		full = id.Profile.FullTries
	}
	for _, t := range r.PINTries {
		if t.Moved && t.Remaining != nil {
			warns = append(warns, sprintf("the %s counter reads %d of %d: this probe may have used that try, so nothing else was probed", secretWord(t.Name), *t.Remaining, full))
		}
	}
	if len(warns) != len(r.Warnings) {
		return r.Warnings // a warning firma has no words for: say them all as they are
	}
	return warns
}

// cardFamily names id's card family in the user's language; the library's
// Family is the English name (the same words), kept as it is for --json.
func cardFamily(id *card.Identification) string {
	c := id.CNS
	if c == nil {
		return tr("unknown card")
	}
	kind := tr("Italian CNS card")
	if c.Variant == "DSD" {
		kind = tr("Italian signature card (DSD)")
	}
	if c.OSMakerName == "" {
		return kind
	}
	return sprintf("%s, %s OS", kind, c.OSMakerName)
}

// cardLabel says the label of a card firma knows (card.KnownLabels) in
// the user's words; the product names in it stay as they are.
func cardLabel(l string) string {
	switch l {
	case "Aruba signature card (ST + STIncard)":
		return tr("Aruba signature card (ST + STIncard)")
	case "Aruba signature card by Incard":
		return tr("Aruba signature card by Incard")
	case "IDEMIA health/CNS card (Aruba Linux middleware)":
		return tr("IDEMIA health/CNS card (Aruba Linux middleware)")
	case "J-Sign (Incard), \"DSD\" variant":
		return tr("J-Sign (Incard), \"DSD\" variant")
	}
	return l
}

// conventionWord says an ATR's convention ("direct", "inverse").
func conventionWord(c string) string {
	switch c {
	case "direct":
		return tr("direct")
	case "inverse":
		return tr("inverse")
	}
	return c
}

func maker(code byte, name string) string {
	if name == "" {
		return sprintf("unknown (%02X)", code)
	}
	return fmt.Sprintf("%s (%02X)", name, code)
}

func triesText(t card.Tries) string {
	switch {
	case t.NotProbed:
		return sprintf("not probed (%s)", unreadWords(t.Why, t, strings.TrimPrefix(t.Note, "not probed: ")))
	case t.Blocked && t.Moved:
		return tr("BLOCKED (probing stopped here)")
	case t.Blocked:
		return tr("BLOCKED")
	case t.Remaining != nil && t.Moved:
		return sprintf("%d left (below the full count: probing stopped here)", *t.Remaining)
	case t.Remaining != nil:
		return sprintf("%d left", *t.Remaining)
	case t.Note != "":
		return sprintf("unknown (%s)", unreadWords(t.Why, t, t.Note))
	}
	return tr("unknown")
}

// probeReason says why the tries of a card profile are not read.
func probeReason(profile string) string {
	return sprintf("on %s cards the empty VERIFY that reads them is not known to be harmless and may cost a try", profile)
}
