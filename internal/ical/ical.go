// Package ical writes iCalendar files (RFC 5545) with all-day events and
// display alarms: what firma needs to put certificate renewal reminders in
// a calendar program (Thunderbird, Google Calendar, Outlook, Apple
// Calendar).
//
// It writes only what those programs import reliably: one VCALENDAR with
// PRODID, VERSION and METHOD:PUBLISH; VEVENTs with UID, DTSTAMP, an
// all-day DTSTART/DTEND (VALUE=DATE), SUMMARY, DESCRIPTION, an optional
// URL and VALARMs of ACTION:DISPLAY. Lines end in CRLF and are folded at
// 75 octets without splitting a UTF-8 sequence (RFC 5545 section 3.1);
// TEXT values escape backslash, semicolon, comma and newline (section
// 3.3.11). A stable UID per event lets a calendar update the events of a
// file imported again instead of doubling them.
package ical

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Date is a calendar day, without time zone: an all-day event happens on
// that day wherever the calendar is.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the day t falls on in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Time is midnight at the start of d in loc.
func (d Date) Time(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays is d moved by n days.
func (d Date) AddDays(n int) Date { return DateOf(d.Time(time.UTC).AddDate(0, 0, n)) }

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool { return d.Time(time.UTC).Before(e.Time(time.UTC)) }

func (d Date) String() string { return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day) }

// Alarm is a display alarm Trigger after the start of its event (an
// all-day event starts at midnight, so 9*time.Hour rings at 9:00).
type Alarm struct {
	Trigger     time.Duration
	Description string
}

// Event is an all-day event.
type Event struct {
	// UID identifies the event across imports; it must be globally unique
	// and stable ("<what>-<id>@<domain>").
	UID         string
	Day         Date
	Summary     string
	Description string
	// URL is a page the event points to, empty for none.
	URL    string
	Alarms []Alarm
}

// Calendar is a set of events.
type Calendar struct {
	// ProdID names the program that wrote the file.
	ProdID string
	// Name is the calendar's display name (X-WR-CALNAME), empty for none.
	Name   string
	Events []Event
}

// Write writes c to w, with DTSTAMP stamp on every event.
func (c *Calendar) Write(w io.Writer, stamp time.Time) error {
	lw := &lineWriter{w: w}
	lw.line("BEGIN:VCALENDAR")
	lw.line("VERSION:2.0")
	lw.line("PRODID:" + Text(c.ProdID))
	lw.line("CALSCALE:GREGORIAN")
	lw.line("METHOD:PUBLISH")
	if c.Name != "" {
		lw.line("X-WR-CALNAME:" + Text(c.Name))
	}
	ts := stamp.UTC().Format("20060102T150405Z")
	for _, e := range c.Events {
		lw.line("BEGIN:VEVENT")
		lw.line("UID:" + Text(e.UID))
		lw.line("DTSTAMP:" + ts)
		lw.line("DTSTART;VALUE=DATE:" + e.Day.String())
		lw.line("DTEND;VALUE=DATE:" + e.Day.AddDays(1).String())
		lw.line("SUMMARY:" + Text(e.Summary))
		if e.Description != "" {
			lw.line("DESCRIPTION:" + Text(e.Description))
		}
		if e.URL != "" {
			lw.line("URL:" + e.URL)
		}
		lw.line("TRANSP:TRANSPARENT")
		for _, a := range e.Alarms {
			lw.line("BEGIN:VALARM")
			lw.line("ACTION:DISPLAY")
			lw.line("TRIGGER;RELATED=START:" + Duration(a.Trigger))
			lw.line("DESCRIPTION:" + Text(a.Description))
			lw.line("END:VALARM")
		}
		lw.line("END:VEVENT")
	}
	lw.line("END:VCALENDAR")
	return lw.err
}

// Text escapes s as an RFC 5545 TEXT value.
func Text(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// Duration writes d as an RFC 5545 duration in whole minutes
// ("PT9H", "-P1DT2H30M", "PT0M").
func Duration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	mins := int64(d / time.Minute)
	days, hours, m := mins/(24*60), mins/60%24, mins%60
	var b strings.Builder
	b.WriteString(sign + "P")
	if days > 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	if hours > 0 || m > 0 || days == 0 {
		b.WriteString("T")
		if hours > 0 {
			fmt.Fprintf(&b, "%dH", hours)
		}
		if m > 0 || hours == 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
	}
	return b.String()
}

// lineWriter writes content lines folded at 75 octets, with CRLF.
type lineWriter struct {
	w   io.Writer
	err error
}

func (lw *lineWriter) line(s string) {
	if lw.err != nil {
		return
	}
	_, lw.err = io.WriteString(lw.w, Fold(s))
}

// Fold splits a content line into lines of at most 75 octets, each
// continuation starting with a space, never inside a UTF-8 sequence, and
// ends every line with CRLF.
func Fold(s string) string {
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}
