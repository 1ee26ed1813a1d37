package main

import (
	"context"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/firma-dev/firma/card"
)

type readersOptions struct {
	g       *globalOptions
	JSON    bool
	Wait    string // "", "card" or "removed"
	Reader  string
	Timeout time.Duration
}

func newReadersCmd(io *IO, g *globalOptions) *cobra.Command {
	o := &readersOptions{g: g}
	cmd := &cobra.Command{
		Use:   "readers",
		Short: "List smartcard readers and the cards in them (PC/SC)",
		Long: `List the smartcard readers pcscd sees, whether a card is in each, and the
card's ATR. An Aruba Key is a reader with its card inside.

States: empty, present (a card, free), in-use (another program is using it,
shared), exclusive (another program holds it: gpg's scdaemon, a browser, the
vendor's software), mute (a card that does not answer), unavailable.

--wait waits, without polling, until a card is in a reader (--wait=removed:
until no reader holds one), then lists the readers. Readers plugged in while
waiting are noticed. Ctrl-C stops the wait (exit 12), as does --timeout.`,
		Example: `  firma readers
  firma readers --json | jq -r '.readers[] | select(.atr) | .name'

  # Wait up to 2 minutes for the user to plug in the Aruba Key
  firma readers --wait --timeout 2m

  # Wait until the card is taken out of a given reader
  firma readers --wait=removed --reader "Bit4id miniLector 00 00"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch o.Wait {
			case "", "card", "removed":
			default:
				return usageErrorf("--wait takes card or removed, not %q", o.Wait)
			}
			return runReaders(cmd.Context(), io, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.JSON, "json", false, "print JSON: {\"readers\": [{\"name\", \"state\", \"atr\"}]}")
	f.StringVar(&o.Wait, "wait", "", "wait until a card is `present` in a reader (card, the default) or gone from every reader (removed)")
	f.Lookup("wait").NoOptDefVal = "card"
	f.StringVar(&o.Reader, "reader", "", "only this reader (exact `name` as listed)")
	f.DurationVar(&o.Timeout, "timeout", 0, "give up waiting after this `duration` (e.g. 30s, 2m; default: wait until Ctrl-C)")
	return cmd
}

// readersJSON is `firma readers --json`.
type readersJSON struct {
	Readers []card.Reader `json:"readers"`
}

func runReaders(ctx context.Context, io *IO, o *readersOptions) error {
	c, err := card.Open()
	if err != nil {
		return err
	}
	defer c.Close()
	var readers []card.Reader
	if o.Wait != "" {
		want := card.CardPresent
		if o.Wait == "removed" {
			want = card.CardAbsent
		}
		if io.ErrIsTTY {
			if want == card.CardAbsent {
				printf(io.Err, "Waiting for the card to be removed (Ctrl-C to stop)...\n")
			} else {
				printf(io.Err, "Waiting for a card (Ctrl-C to stop)...\n")
			}
		}
		readers, err = c.Wait(ctx, card.WaitOptions{Reader: o.Reader, Want: want, Timeout: o.Timeout})
	} else {
		readers, err = c.Readers(ctx)
	}
	if err != nil {
		return err
	}
	if o.Reader != "" {
		readers = filterReaders(readers, o.Reader)
	}
	if readers == nil {
		readers = []card.Reader{}
	}
	if o.JSON {
		if err := writeJSON(io.Out, readersJSON{Readers: readers}); err != nil {
			return err
		}
	} else {
		printReaders(io.Out, readers, io.OutIsTTY)
	}
	if len(readers) == 0 {
		return &card.Error{Kind: card.ErrNoReader, Op: "listing readers", Reader: o.Reader}
	}
	return nil
}

func filterReaders(rs []card.Reader, name string) []card.Reader {
	var out []card.Reader
	for _, r := range rs {
		if r.Name == name {
			out = append(out, r)
		}
	}
	return out
}

// printReaders prints one line per reader: name, state, ATR. In a pipe
// the fields are tab-separated and the state is its identifier (stable
// for scripts, in every language); on a terminal they are aligned and the
// state is said in the user's language.
func printReaders(w io.Writer, rs []card.Reader, tty bool) {
	if !tty {
		for _, r := range rs {
			printf(w, "%s\t%s\t%s\n", r.Name, r.State, card.FormatHex(r.ATR))
		}
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range rs {
		printf(tw, "%s\t%s\t%s\n", r.Name, cardStateWord(r.State), card.FormatHex(r.ATR))
	}
	tw.Flush()
}
