package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/pkcs11"
)

// Monitoring plugin exit codes (Nagios plugin guidelines, also used by
// Icinga, Zabbix and Checkmk). `firma check` uses these instead of the
// table in errors.go.
const (
	checkOK       = 0
	checkWarning  = 1
	checkCritical = 2
	checkUnknown  = 3
)

type checkOptions struct {
	g    *globalOptions
	Warn int
	Crit int
}

func newCheckCmd(io *IO, g *globalOptions) *cobra.Command {
	o := &checkOptions{g: g}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "One-line certificate and PIN check for cron and monitoring (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)",
		Long: `Check the signing certificate's expiry and the PIN state, print one line in
the monitoring plugin format and exit with its code:

  0 OK        more than --warn days left, PIN not blocked
  1 WARNING   --warn days or fewer left, not valid yet, or the PIN is on its last try
  2 CRITICAL  --crit days or fewer left, expired, or the PIN or PUK is blocked
  3 UNKNOWN   the token or certificate cannot be read

The defaults follow Aruba's renewal rules: warn 90 days before expiry (the
renewal window opens 30 days later), critical from 60 days (window open).`,
		Example: `  firma check
  firma check --warn 120 --crit 60
  # crontab: mail me when the certificate needs attention
  0 8 * * 1  firma check >/dev/null || firma status | mail -s "firma: certificate" me@example.it`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			code := runCheck(cmd.Context(), io, o)
			return silentExit{code}
		},
	}
	cmd.Flags().IntVar(&o.Warn, "warn", 90, "WARNING when this many `days` or fewer are left")
	cmd.Flags().IntVar(&o.Crit, "crit", 60, "CRITICAL when this many `days` or fewer are left")
	return cmd
}

func runCheck(ctx context.Context, io *IO, o *checkOptions) int {
	line := func(code int, msg string, perf string) int {
		word := [...]string{"OK", "WARNING", "CRITICAL", "UNKNOWN"}[code]
		if perf != "" {
			perf = " | " + perf
		}
		// The prefix and the perfdata are for machines: never translated.
		printfFixed(io.Out, "FIRMA %s - %s%s\n", word, msg, perf)
		return code
	}
	if o.Warn < 0 || o.Crit < 0 || o.Crit > o.Warn {
		return line(checkUnknown, sprintf("bad thresholds: want 0 <= --crit (%d) <= --warn (%d)", o.Crit, o.Warn), "")
	}
	sel, err := keySelector(o.g)
	if err != nil {
		return line(checkUnknown, err.Error(), "")
	}
	tok, _, err := openToken(io, o.g, true)
	if err != nil {
		return line(checkUnknown, err.Error(), "")
	}
	defer tok.Close()
	r, err := buildTokenReport(tok, sel, io.Now())
	if err != nil {
		return line(checkUnknown, err.Error(), "")
	}
	if r.Certificate == nil {
		return line(checkUnknown, r.Problem, "")
	}
	c, adv := r.Certificate, r.Renewal
	perf := fmt.Sprintf("days_left=%d;%d;%d", adv.DaysLeft, o.Warn, o.Crit)
	code := checkOK
	var notes []string
	raise := func(to int, note string) {
		code = max(code, to)
		notes = append(notes, note)
	}
	switch {
	case adv.State == certinfo.RenewalExpired:
		raise(checkCritical, sprintf("certificate EXPIRED on %s: a new certificate is needed", day(c.NotAfter)))
	case adv.State == certinfo.RenewalNotYetValid:
		raise(checkWarning, sprintf("certificate not valid until %s", day(c.NotBefore)))
	case adv.DaysLeft <= o.Crit:
		raise(checkCritical, sprintf("certificate expires %s (%s): renew now", day(c.NotAfter), daysLeftText(*adv)))
	case adv.DaysLeft <= o.Warn:
		raise(checkWarning, sprintf("certificate expires %s (%s): renewal window opens %s", day(c.NotAfter), daysLeftText(*adv), day(adv.WindowOpens)))
	default:
		notes = append(notes, sprintf("certificate valid until %s (%s)", day(c.NotAfter), daysLeftText(*adv)))
	}
	switch r.Token.PIN {
	case pkcs11.PINLocked:
		raise(checkCritical, tr("PIN BLOCKED"))
	case pkcs11.PINFinalTry:
		raise(checkWarning, tr("PIN on its last try"))
	default:
		notes = append(notes, sprintf("PIN %s", pinWord(r.Token.PIN)))
	}
	if r.Token.PUK == pkcs11.PINLocked {
		raise(checkCritical, tr("PUK BLOCKED"))
	}
	return line(code, c.Holder.Name()+": "+strings.Join(notes, ", "), perf)
}

// pinWord is a PIN state in one word or two, for the check line.
func pinWord(s pkcs11.PINState) string {
	switch s {
	case pkcs11.PINOK:
		return tr("ok")
	case pkcs11.PINCountLow:
		return tr("count_low")
	case pkcs11.PINToBeChanged:
		return tr("to_be_changed")
	case pkcs11.PINUnknown:
		return tr("unknown")
	}
	return string(s)
}
