package main

import (
	"context"
	"errors"

	"github.com/spf13/pflag"

	"github.com/firma-dev/firma/card"
	"github.com/firma-dev/firma/internal/pinrules"
)

// pcscPINOptions select the APDU path of `firma pin change|unlock`.
type pcscPINOptions struct {
	Enabled bool
	Reader  string
	// Which is "signature" or "cns": the PIN to change or unblock.
	Which string
}

func (o *pcscPINOptions) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&o.Enabled, "pcsc", false, "talk to the card directly over PC/SC (APDUs) instead of through a PKCS#11 module")
	fs.StringVar(&o.Reader, "reader", "", "with --pcsc: reader `name` (default: the first reader holding a card)")
	fs.StringVar(&o.Which, "card-pin", "signature", "with --pcsc: which PIN, `signature` or cns (the CNS authentication PIN)")
}

// check refuses the PC/SC-only flags without --pcsc.
func (o *pcscPINOptions) check(fs *pflag.FlagSet) error {
	if o.Enabled {
		if o.Which != "signature" && o.Which != "cns" {
			return usageErrorf("--card-pin %q: want signature or cns", o.Which)
		}
		return nil
	}
	for _, f := range []string{"reader", "card-pin"} {
		if fs.Changed(f) {
			return usageErrorf("--%s needs --pcsc", f)
		}
	}
	return nil
}

// runPINPCSC changes (or, with unblock, unblocks) a PIN by APDU: the
// card package makes the checks and the single attempt; this shows the
// tries, asks the secrets and reports.
func runPINPCSC(ctx context.Context, io *IO, o *pcscPINOptions, secret, newPIN *secretOptions, unblock bool) error {
	c, err := card.Open()
	if err != nil {
		return err
	}
	defer c.Close()
	reader, err := cardReader(ctx, c, o.Reader)
	if err != nil {
		return err
	}
	pinName := "signature PIN"
	if o.Which == "cns" {
		pinName = "CNS PIN"
	}
	op := c.PINChange
	if unblock {
		op = c.PINUnblock
	}
	err = op(ctx, card.PINOptions{
		Reader:        reader,
		PIN:           pinName,
		AllowFinalTry: secret.AllowFinalTry,
		Rules:         pinrules.Italian,
		Before: func(t card.Tries) error {
			printf(io.Err, "%s: %s\n", secretWord(t.Name), beforeText(t))
			return nil
		},
		Secret: func(s card.SecretRef) ([]byte, error) {
			prompt := sprintf("Current %s: ", secretWord(s.Name))
			if s.PUK {
				prompt = sprintf("%s (from the kit's paper letter): ", secretWord(s.Name))
			}
			return secret.read(io, prompt)
		},
		New: func() ([]byte, error) { return readNewPIN(io, newPIN) },
	})
	if err != nil {
		return err
	}
	if unblock {
		printf(io.Out, "%s unblocked and replaced on the card in reader %q\n", secretWord(pinName), reader)
	} else {
		printf(io.Out, "%s changed on the card in reader %q\n", secretWord(pinName), reader)
	}
	return nil
}

// beforeText says what a wrong secret costs, before it is asked.
func beforeText(t card.Tries) string {
	what := tr("PIN")
	atZero := tr("the PIN is blocked and only the PUK unblocks it")
	if t.PUK {
		what = tr("PUK")
		atZero = tr("the card is unusable for good")
	}
	if t.Remaining == nil {
		note := unreadWords(t.Why, t, t.Note)
		if note == "" {
			note = tr("the card did not say")
		}
		return sprintf("tries left unknown (%s); each wrong %s uses one, and at zero %s", note, what, atZero)
	}
	switch n := *t.Remaining; n {
	case 1:
		return sprintf("LAST TRY: a wrong %s now means %s", what, atZero)
	default:
		return sprintf("%d tries left; at zero %s", n, atZero)
	}
}

// cardReader returns reader, or the first reader holding a card, without
// sending anything to any card.
func cardReader(ctx context.Context, c *card.Client, reader string) (string, error) {
	if reader != "" {
		return reader, nil
	}
	readers, err := c.Readers(ctx)
	if err != nil {
		return "", err
	}
	if len(readers) == 0 {
		return "", &card.Error{Kind: card.ErrNoReader, Op: "looking for a card"}
	}
	for _, r := range readers {
		if r.HasCard() {
			return r.Name, nil
		}
	}
	return "", &card.Error{Kind: card.ErrNoCard, Op: "looking for a card", Reader: readers[0].Name}
}

// isBlockedCardPIN matches a PIN or PUK the card reports blocked (exit
// code ExitLocked rather than ExitPIN).
func isBlockedCardPIN(err error) bool {
	var e *card.PINError
	return errors.As(err, &e) && e.Blocked
}
