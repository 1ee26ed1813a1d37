package certinfo

import (
	"fmt"
	"time"
)

// RenewalWindow is how long before expiry Aruba lets a certificate be
// renewed. Before the window opens renewal is refused; after expiry there is
// no renewal, only a new kit.
const RenewalWindow = 60 * 24 * time.Hour

// RenewalState is where a certificate stands in its renewal cycle.
type RenewalState string

const (
	// RenewalNotYetValid: the certificate's validity has not started.
	RenewalNotYetValid RenewalState = "not_yet_valid"
	// RenewalOK: more than 90 days left, nothing to do.
	RenewalOK RenewalState = "ok"
	// RenewalSoon: 61 to 90 days left, the window opens soon.
	RenewalSoon RenewalState = "window_opens_soon"
	// RenewalNow: 60 days or less left, the window is open.
	RenewalNow RenewalState = "renew_now"
	// RenewalExpired: too late, a new certificate is needed.
	RenewalExpired RenewalState = "expired"
)

// Renewal is the advice for one certificate at one moment.
type Renewal struct {
	State RenewalState `json:"state"`
	// DaysLeft is the number of whole days until expiry (0 on the last
	// day, negative once expired).
	DaysLeft int `json:"days_left"`
	// DaysExpired is the number of whole days since expiry (0 on the day
	// it expired, and while it is valid).
	DaysExpired int `json:"days_expired"`
	// WindowOpens is the first moment renewal is accepted.
	WindowOpens time.Time `json:"window_opens"`
	// WindowCloses is the expiry: after it renewal is impossible.
	WindowCloses time.Time `json:"window_closes"`
	// Advice is one sentence for a person.
	Advice string `json:"advice"`
}

// AdviseRenewal applies Aruba's renewal rules to a validity period at now.
func AdviseRenewal(notBefore, notAfter, now time.Time) Renewal {
	r := Renewal{
		WindowOpens:  notAfter.Add(-RenewalWindow).UTC(),
		WindowCloses: notAfter.UTC(),
		DaysLeft:     daysUntil(now, notAfter),
	}
	opens := r.WindowOpens.Format(time.DateOnly)
	closes := r.WindowCloses.Format(time.DateOnly)
	switch {
	case now.Before(notBefore):
		r.State = RenewalNotYetValid
		r.Advice = fmt.Sprintf("the certificate is not valid yet: it becomes valid on %s", notBefore.UTC().Format(time.DateOnly))
	case !now.Before(notAfter):
		r.State = RenewalExpired
		r.DaysExpired = int(now.Sub(notAfter) / (24 * time.Hour))
		r.Advice = fmt.Sprintf("the certificate expired on %s and can no longer be renewed: a new certificate (a new kit) is needed", closes)
	case r.DaysLeft > 90:
		r.State = RenewalOK
		r.Advice = fmt.Sprintf("valid for %d more days; renewal will be possible from %s", r.DaysLeft, opens)
	case r.DaysLeft > 60:
		r.State = RenewalSoon
		r.Advice = fmt.Sprintf("expires in %d days: the renewal window opens on %s (renewal is accepted only in the last 60 days)", r.DaysLeft, opens)
	default:
		r.State = RenewalNow
		r.Advice = fmt.Sprintf("expires in %d days: renew now, the renewal window is open and closes on %s; after that a new kit must be bought", r.DaysLeft, closes)
	}
	return r
}

// daysUntil counts whole days from now to t, rounding towards negative
// infinity, so the last day before expiry is day 0 and the day after is -1.
func daysUntil(now, t time.Time) int {
	d := t.Sub(now)
	days := int(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		days--
	}
	return days
}
