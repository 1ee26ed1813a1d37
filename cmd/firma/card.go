package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
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
	field(w, "Reader", "%s (%s)", r.Name, r.State)
	if len(r.ATR) == 0 {
		return
	}
	field(w, "ATR", "%s", card.FormatHex(r.ATR))
	if a := r.Decoded; a != nil {
		field(w, "", "%s convention, %s, Fi %d Di %d (max %g MHz), %d historical bytes", a.Convention, a.ProtocolNames(), a.Fi, a.Di, a.FMax, len(a.Historical))
	}
	id := r.Identification
	if id == nil {
		return
	}
	field(w, "Card", "%s", id.Family)
	if id.Label != "" {
		field(w, "Known as", "%s", id.Label)
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
	for _, n := range id.Notes {
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
		field(w, "PIN tries", "not read: %s", cardNote(r.PINTriesSkipped))
	}
	for _, warn := range r.Warnings {
		field(w, "Warning", "%s", warn)
	}
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
		return sprintf("not probed (%s)", cardNote(strings.TrimPrefix(t.Note, "not probed: ")))
	case t.Blocked && t.Moved:
		return tr("BLOCKED (probing stopped here)")
	case t.Blocked:
		return tr("BLOCKED")
	case t.Remaining != nil && t.Moved:
		return sprintf("%d left (below the full count: probing stopped here)", *t.Remaining)
	case t.Remaining != nil:
		return sprintf("%d left", *t.Remaining)
	case t.Note != "":
		return sprintf("unknown (%s)", cardNote(t.Note))
	}
	return tr("unknown")
}

// unsafeProbeNote is card.UnsafeProbeError's reason, as the card package
// writes it into its report.
var unsafeProbeNote = regexp.MustCompile(`^on (.+) cards the empty VERIFY that reads them is not known to be harmless and may cost a try$`)

// cardNote says a note of the card package's report (why PIN tries were
// not read) in the user's language; a note it does not know stays as it
// is.
func cardNote(note string) string {
	if m := unsafeProbeNote.FindStringSubmatch(note); m != nil {
		return probeReason(m[1])
	}
	switch note {
	case "the card is held exclusively by another program":
		return tr("the card is held exclusively by another program")
	case "PIN references of this card are unknown":
		return tr("PIN references of this card are unknown")
	case "verified in this session; counter not reported":
		return tr("verified in this session; counter not reported")
	case "reference not found on this card":
		return tr("reference not found on this card")
	case "PUKs are probed only when asked":
		return tr("PUKs are probed only when asked")
	}
	return note
}

// probeReason says why the tries of a card profile are not read.
func probeReason(profile string) string {
	return sprintf("on %s cards the empty VERIFY that reads them is not known to be harmless and may cost a try", profile)
}
