package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/ical"
	"github.com/firma-dev/firma/verify"
)

type remindOptions struct {
	g     *globalOptions
	ICS   string
	Certs []string
	Force bool
}

func newRemindCmd(io *IO, g *globalOptions) *cobra.Command {
	o := &remindOptions{g: g}
	cmd := &cobra.Command{
		Use:   "remind --ics FILE",
		Short: "Write the certificate's renewal dates as a calendar file (.ics) to import into your calendar",
		Long: `Write an iCalendar file (.ics) with the renewal dates of the signing
certificate: the day the renewal window opens (60 days before expiry), a
reminder 30 days and 7 days before expiry, and the expiry day itself. Each
event says what to do and links the provider's renewal page when firma knows
it (Aruba's for Aruba certificates).

Importing the same file again updates the events instead of doubling them.
Dates already past are left out. No PIN is asked.

With --cert, the certificates come from files (PEM or DER) instead of the
card: IT staff can put the renewals of many doctors in one calendar.`,
		Example: `  firma remind --ics rinnovo-firma.ics
  firma remind --ics rinnovi.ics --cert rossi.pem --cert bianchi.pem
  firma cert export -o mario-rossi.pem && firma remind --ics rinnovo.ics --cert mario-rossi.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRemind(cmd.Context(), io, o)
		},
	}
	cmd.Flags().StringVar(&o.ICS, "ics", "", "write the calendar to this `file` (.ics)")
	cmd.Flags().StringArrayVar(&o.Certs, "cert", nil, "read the certificate from this `file` (PEM or DER) instead of the card; repeat it for several")
	cmd.Flags().BoolVar(&o.Force, "force", false, "replace the calendar file if it exists")
	return cmd
}

// renewalKit is where a provider takes renewals: what firma links in the
// reminders. Only pages we know; any other issuer gets "contact it".
type renewalKit struct {
	Provider string
	URL      string
}

// renewalPage returns the renewal page of the certificate's issuer, when
// firma knows it.
func renewalPage(in certinfo.Info) (renewalKit, bool) {
	iss := strings.ToLower(in.Issuer)
	switch {
	case strings.Contains(iss, "arubapec") || strings.Contains(iss, "aruba pec"):
		// Aruba's renewal order form (guide: guide.pec.it, "Rinnovo Firma Digitale").
		return renewalKit{"Aruba", "https://rinnovifirmadigitale.pec.it/"}, true
	}
	return renewalKit{}, false
}

// remindCert is one certificate to remind of.
type remindCert struct {
	Cert *x509.Certificate
	Info certinfo.Info
	// Source is where it came from (a file name, or the token label).
	Source string
}

// reminder kinds, in calendar order. The kind is part of the event's UID:
// never rename one.
const (
	remindWindow = "renewal-window"
	remind30     = "expires-30d"
	remind7      = "expires-7d"
	remindExpiry = "expiry"
)

// reminderDays is when each kind falls, in days before the expiry day.
var reminderDays = []struct {
	kind string
	days int
}{
	{remindWindow, int(certinfo.RenewalWindow / (24 * time.Hour))},
	{remind30, 30},
	{remind7, 7},
	{remindExpiry, 0},
}

// reminderEvents are the events for c, seen from now: dates are days in
// now's time zone; days already past are left out.
func reminderEvents(c remindCert, now time.Time) []ical.Event {
	if !now.Before(c.Info.NotAfter) {
		return nil // expired: nothing can be renewed any more
	}
	loc := now.Location()
	expiry := ical.DateOf(c.Info.NotAfter.In(loc))
	// The window opens at an instant (60 days before the expiry instant):
	// its day is the first day renewal is accepted.
	opens := ical.DateOf(c.Info.NotAfter.Add(-certinfo.RenewalWindow).In(loc))
	today := ical.DateOf(now)
	name := c.Info.Holder.Name()
	kit, known := renewalPage(c.Info)
	var how string
	if known {
		how = sprintf("Renew it on %s's site: %s", kit.Provider, kit.URL)
	} else {
		how = sprintf("Ask the certificate's issuer (%s) how to renew it.", c.Info.IssuerName)
	}
	facts := sprintf("Signature certificate of %s, serial %s, issued by %s, expires on %s.",
		name, c.Info.SerialHex, c.Info.IssuerName, longDate(c.Info.NotAfter.In(loc)))
	check := tr("Check it with: firma status")
	var out []ical.Event
	for _, r := range reminderDays {
		day := expiry.AddDays(-r.days)
		if r.kind == remindWindow {
			day = opens
		}
		if day.Before(today) {
			continue
		}
		var summary, todo string
		switch r.kind {
		case remindWindow:
			summary = sprintf("Signature certificate of %s: the renewal window opens today", name)
			todo = sprintf("From today until %s the certificate can be renewed; after it expires it cannot be renewed and a new kit must be bought.", longDate(c.Info.NotAfter.In(loc)))
		case remind30, remind7:
			summary = sprintf("Signature certificate of %s: expires in %d days, renew it", name, r.days)
			todo = tr("Renew it now: after it expires it cannot be renewed and a new kit must be bought.")
		case remindExpiry:
			summary = sprintf("Signature certificate of %s: expires today", name)
			todo = tr("Renew it today if not done yet: from tomorrow it cannot be renewed and a new kit must be bought.")
		}
		out = append(out, ical.Event{
			UID:         r.kind + "-" + c.Info.SHA256[:32] + "@firma",
			Day:         day,
			Summary:     summary,
			Description: strings.Join([]string{todo, how, facts, check}, "\n"),
			URL:         kit.URL,
			Alarms:      []ical.Alarm{{Trigger: 9 * time.Hour, Description: summary}},
		})
	}
	return out
}

// CertFileError is a --cert file that holds no readable certificate.
type CertFileError struct {
	Path string
	Err  error
}

func (e *CertFileError) Error() string {
	return sprintf("reading certificate %s: %s", e.Path, e.Err)
}
func (e *CertFileError) Unwrap() error { return e.Err }
func (e *CertFileError) Hint() string {
	return tr("--cert takes a certificate file in PEM or DER form ('firma cert export -o FILE' writes one from the card)")
}

// NothingToRemindError says that every certificate has expired already.
type NothingToRemindError struct{ Expired []remindCert }

func (e *NothingToRemindError) Error() string {
	var names []string
	for _, c := range e.Expired {
		names = append(names, sprintf("%s (expired on %s)", c.Info.Holder.Name(), day(c.Info.NotAfter)))
	}
	return sprintf("nothing to remind of: every certificate has expired: %s", strings.Join(names, ", "))
}
func (e *NothingToRemindError) Hint() string {
	return tr("an expired certificate cannot be renewed: a new signature kit must be bought")
}

func runRemind(ctx context.Context, io *IO, o *remindOptions) error {
	if o.ICS == "" {
		return usageErrorf("give the calendar file to write with --ics FILE")
	}
	if err := atomicfile.CheckFree(o.ICS); err != nil && !o.Force {
		return withCode(ExitOutput, err, "")
	}
	certs, err := remindCerts(io, o)
	if err != nil {
		return err
	}
	now := io.Now()
	cal := ical.Calendar{ProdID: "-//firma//renewal reminders//EN", Name: tr("firma: certificate renewals")}
	var expired []remindCert
	for _, c := range certs {
		evs := reminderEvents(c, now)
		if len(evs) == 0 {
			expired = append(expired, c)
			continue
		}
		cal.Events = append(cal.Events, evs...)
	}
	if len(cal.Events) == 0 {
		return withCode(ExitCert, &NothingToRemindError{Expired: expired}, "")
	}
	var b bytes.Buffer
	if err := cal.Write(&b, now); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(o.ICS, b.Bytes(), atomicfile.Options{Force: o.Force}); err != nil {
		return withCode(ExitOutput, err, "")
	}
	for _, c := range certs {
		if len(reminderEvents(c, now)) == 0 {
			printf(io.Err, "firma: %s: the certificate expired on %s: no reminder; a new kit must be bought\n", c.Info.Holder.Name(), day(c.Info.NotAfter))
			continue
		}
		printf(io.Out, "%s: expires on %s\n", c.Info.Holder.Name(), longDate(c.Info.NotAfter.In(now.Location())))
	}
	printf(io.Out, "Wrote %d events to %s: import the file into your calendar (Thunderbird, Google Calendar, Outlook)\n", len(cal.Events), o.ICS)
	return nil
}

// remindCerts are the certificates of --cert, or the token's signing
// certificate.
func remindCerts(io *IO, o *remindOptions) ([]remindCert, error) {
	if len(o.Certs) > 0 {
		var out []remindCert
		for _, path := range o.Certs {
			certs, err := verify.LoadCertificates(path)
			if err != nil {
				var te *verify.TrustError
				if errors.As(err, &te) {
					err = te.Err
				}
				return nil, withCode(ExitInput, &CertFileError{Path: path, Err: err}, "")
			}
			n := 0
			for _, c := range certs {
				in := certinfo.Parse(c)
				if in.Purpose == certinfo.PurposeCA {
					continue // a chain exported with the certificate
				}
				out = append(out, remindCert{Cert: c, Info: in, Source: path})
				n++
			}
			if n == 0 {
				return nil, withCode(ExitInput, &CertFileError{Path: path, Err: errors.New(tr("only CA certificates"))}, "")
			}
		}
		return out, nil
	}
	sel, err := keySelector(o.g)
	if err != nil {
		return nil, err
	}
	tok, _, err := openToken(io, o.g, true)
	if err != nil {
		return nil, err
	}
	defer tok.Close()
	c, _, err := tok.SigningCertificate(sel)
	if err != nil {
		return nil, err
	}
	return []remindCert{{Cert: c.Cert, Info: c.Info, Source: tok.Info.Label}}, nil
}
