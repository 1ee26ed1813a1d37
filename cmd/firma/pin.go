package main

import (
	"bytes"
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/firma-dev/firma/pkcs11"
)

func newPINCmd(io *IO, g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pin",
		Short: "PIN and PUK state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return usageErrorf("missing subcommand: firma pin status|change|unlock")
		},
	}
	cmd.AddCommand(newPINStatusCmd(io, g), newPINChangeCmd(io, g), newPINUnlockCmd(io, g))
	return cmd
}

type pinStatusOptions struct {
	g    *globalOptions
	JSON bool
}

// pinStatusReport is `firma pin status --json`.
type pinStatusReport struct {
	Token     string          `json:"token"`
	Serial    string          `json:"serial"`
	Module    string          `json:"module"`
	PIN       pkcs11.PINState `json:"pin"`
	PUK       pkcs11.PINState `json:"puk"`
	MinPINLen uint            `json:"min_pin_len"`
	MaxPINLen uint            `json:"max_pin_len"`
	PINPad    bool            `json:"pin_pad"`
}

func newPINStatusCmd(io *IO, g *globalOptions) *cobra.Command {
	o := &pinStatusOptions{g: g}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the PIN and PUK state as the token reports it (never tries a PIN)",
		Long: `Show whether the PIN and the PUK are fine, low on tries, on their last try or
blocked, as the PKCS#11 module reports it. Many vendor modules do not report
it: then the state is "unknown", which does not mean the PIN is fine.
Nothing is sent to the card that could cost a try.`,
		Example: `  firma pin status
  firma pin status --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPINStatus(cmd.Context(), io, o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	return cmd
}

func runPINStatus(ctx context.Context, io *IO, o *pinStatusOptions) error {
	tok, _, err := openToken(io, o.g, true)
	if err != nil {
		return err
	}
	defer tok.Close()
	t := tok.Info
	r := pinStatusReport{Token: t.Label, Serial: t.Serial, Module: t.ModulePath, PIN: t.PIN, PUK: t.PUK, MinPINLen: t.MinPINLen, MaxPINLen: t.MaxPINLen, PINPad: t.PINPad}
	if o.JSON {
		return writeJSON(io.Out, r)
	}
	field(io.Out, "Token", "%s (serial %s)", t.Label, t.Serial)
	field(io.Out, "PIN", "%s", describePIN(t.PIN, false))
	field(io.Out, "PUK", "%s", describePIN(t.PUK, true))
	if t.MaxPINLen > 0 && t.MaxPINLen < 1024 {
		field(io.Out, "PIN length", "%d to %d characters", t.MinPINLen, t.MaxPINLen)
	}
	if t.PINPad {
		field(io.Out, "PIN pad", "yes: type the PIN on the reader")
	}
	return nil
}

type pinChangeOptions struct {
	g      *globalOptions
	PIN    *secretOptions
	NewPIN *secretOptions
	PCSC   pcscPINOptions
}

func newNewPINOptions() *secretOptions {
	return &secretOptions{Name: "new PIN", Flag: "new-pin", FD: -1}
}

// readNewPIN asks the new PIN; on a terminal twice, and both must match.
func readNewPIN(io *IO, o *secretOptions) ([]byte, error) {
	interactive := o.File == "" && o.FD < 0
	pin, err := o.read(io, tr("New PIN: "))
	if err != nil || !interactive {
		return pin, err
	}
	again, err := o.read(io, tr("New PIN again: "))
	if err != nil {
		clear(pin)
		return nil, err
	}
	defer clear(again)
	if !bytes.Equal(pin, again) {
		clear(pin)
		return nil, withCode(ExitUsage, errors.New(tr("the two new PINs differ: nothing was changed")), "")
	}
	return pin, nil
}

// showTries prints the state before an attempt, so the user knows what a
// wrong secret costs.
func showTries(io *IO, what string, s pkcs11.PINState) {
	if s == pkcs11.PINOK {
		return
	}
	printf(io.Err, "%s state: %s\n", secretWord(what), describePIN(s, what == "PUK"))
}

func newPINChangeCmd(io *IO, g *globalOptions) *cobra.Command {
	o := &pinChangeOptions{g: g, PIN: newPINOptions(), NewPIN: newNewPINOptions()}
	cmd := &cobra.Command{
		Use:   "change",
		Short: "Change the PIN (asks the current PIN and the new one twice)",
		Long: `Change the signature PIN. The new PIN is checked before the card is touched
(Italian cards: 5 to 8 digits, different from the old one). firma makes one
attempt: a wrong current PIN is never retried, and the command says how many
tries are left when the token tells.

With --pcsc firma talks to the card directly (CHANGE REFERENCE DATA), without
a PKCS#11 module, on the Italian cards whose PIN encoding it knows. It shows
the tries left when the card can tell them without using a try.`,
		Example: `  firma pin change
  # non-interactive (CI): secrets from files, never from the command line
  firma pin change --pin-file old.txt --new-pin-file new.txt
  # directly on the card, without the vendor's module
  firma pin change --pcsc
  firma pin change --pcsc --card-pin cns --reader "Virtual PCD 00 00"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.PCSC.check(cmd.Flags()); err != nil {
				return err
			}
			return runPINChange(cmd.Context(), io, o)
		},
	}
	o.PIN.addFlags(cmd.Flags())
	o.PIN.addFinalTryFlag(cmd.Flags())
	o.NewPIN.addFlags(cmd.Flags())
	o.PCSC.addFlags(cmd.Flags())
	return cmd
}

// runPINChange changes the PIN: on the card with --pcsc, else through the
// token's module.
func runPINChange(ctx context.Context, io *IO, o *pinChangeOptions) error {
	if o.PCSC.Enabled {
		return runPINPCSC(ctx, io, &o.PCSC, o.PIN, o.NewPIN, false)
	}
	tok, _, err := openToken(io, o.g, true)
	if err != nil {
		return err
	}
	defer tok.Close()
	showTries(io, "PIN", tok.Info.PIN)
	err = tok.ChangePIN(pkcs11.ChangeOptions{
		Old:           o.PIN.pinFunc(io),
		New:           func() ([]byte, error) { return readNewPIN(io, o.NewPIN) },
		Rules:         tok.RulesFor(),
		AllowFinalTry: o.PIN.AllowFinalTry,
	})
	if err != nil {
		return err
	}
	printf(io.Out, "PIN changed on token %q\n", tok.Info.Label)
	return nil
}

type pinUnlockOptions struct {
	g      *globalOptions
	PUK    *secretOptions
	NewPIN *secretOptions
	Method string
	PCSC   pcscPINOptions
}

func newPINUnlockCmd(io *IO, g *globalOptions) *cobra.Command {
	o := &pinUnlockOptions{g: g, PUK: &secretOptions{Name: "PUK", Flag: "puk", FD: -1}, NewPIN: newNewPINOptions()}
	cmd := &cobra.Command{
		Use:   "unlock",
		Short: "Unblock a blocked PIN with the PUK and set a new PIN",
		Long: `Unblock the PIN with the PUK (on the paper that came with the card) and set a
new PIN. Three wrong PUKs make the card unusable for good, so firma refuses
when the token says the PUK is on its last try, unless --allow-final-try.
The method is chosen per module (standard SO login + C_InitPIN, or OpenSC's
C_SetPIN with the PUK); --method overrides it.

With --pcsc firma talks to the card directly (RESET RETRY COUNTER), without a
PKCS#11 module, on the Italian cards whose PIN encoding it knows.`,
		Example: `  firma pin unlock
  firma pin unlock --puk-file puk.txt --new-pin-file new.txt
  # directly on the card, without the vendor's module
  firma pin unlock --pcsc`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.PCSC.check(cmd.Flags()); err != nil {
				return err
			}
			return runPINUnlock(cmd.Context(), io, o)
		},
	}
	o.PUK.addFlags(cmd.Flags())
	o.PUK.addFinalTryFlag(cmd.Flags())
	o.NewPIN.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&o.Method, "method", "", "unblock `method`: so-login (standard) or setpin (OpenSC); default per module")
	o.PCSC.addFlags(cmd.Flags())
	return cmd
}

// runPINUnlock unblocks the PIN with the PUK: on the card with --pcsc,
// else through the token's module (or on the card when the module cannot
// unblock safely).
func runPINUnlock(ctx context.Context, io *IO, o *pinUnlockOptions) error {
	if o.PCSC.Enabled {
		if o.Method != "" {
			return usageErrorf("--method chooses a PKCS#11 unblock method: it does not apply with --pcsc")
		}
		return runPINPCSC(ctx, io, &o.PCSC, o.PUK, o.NewPIN, true)
	}
	// A wrong --method is a usage error, said before the token is opened.
	switch m := pkcs11.UnlockMethod(o.Method); m {
	case pkcs11.UnlockAuto, pkcs11.UnlockSOLogin, pkcs11.UnlockSetPIN:
	default:
		return usageErrorf("--method %q: give so-login or setpin", o.Method)
	}
	tok, _, err := openToken(io, o.g, true)
	if err != nil {
		return err
	}
	defer tok.Close()
	showTries(io, "PUK", tok.Info.PUK)
	err = tok.UnlockPIN(pkcs11.UnlockOptions{
		PUK:           o.PUK.pinFunc(io),
		New:           func() ([]byte, error) { return readNewPIN(io, o.NewPIN) },
		Rules:         tok.RulesFor(),
		Method:        pkcs11.UnlockMethod(o.Method),
		AllowFinalTry: o.PUK.AllowFinalTry,
	})
	var ue *pkcs11.UnblockUnsupportedError
	if errors.As(err, &ue) {
		return unlockOnCard(ctx, io, tok, ue, o)
	}
	if err != nil {
		return err
	}
	printf(io.Out, "PIN unblocked and replaced on token %q\n", tok.Info.Label)
	return nil
}
