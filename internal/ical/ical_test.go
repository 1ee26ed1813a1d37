package ical

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestFoldKeepsOctetsAndRunes(t *testing.T) {
	s := "DESCRIPTION:" + strings.Repeat("è scaduto, rinnovare; ", 20)
	folded := Fold(s)
	if !strings.HasSuffix(folded, "\r\n") {
		t.Fatalf("no CRLF at the end")
	}
	lines := strings.Split(strings.TrimSuffix(folded, "\r\n"), "\r\n")
	if len(lines) < 2 {
		t.Fatalf("not folded: %q", folded)
	}
	var back strings.Builder
	for i, l := range lines {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets", i, len(l))
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i, l)
		}
		if i > 0 {
			if l[0] != ' ' {
				t.Errorf("continuation %d does not start with a space", i)
			}
			l = l[1:]
		}
		back.WriteString(l)
	}
	if back.String() != s {
		t.Errorf("unfolding does not give the line back")
	}
}

func TestTextEscapes(t *testing.T) {
	got := Text("a\\b;c,d\ne")
	if want := `a\\b\;c\,d\ne`; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		9 * time.Hour:                    "PT9H",
		0:                                "PT0M",
		-(26*time.Hour + 30*time.Minute): "-P1DT2H30M",
		48 * time.Hour:                   "P2D",
	} {
		if got := Duration(d); got != want {
			t.Errorf("Duration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestWriteShape(t *testing.T) {
	c := Calendar{ProdID: "-//firma//test//EN", Events: []Event{{
		UID: "x-1@firma", Day: Date{2026, time.December, 31}, Summary: "s", URL: "https://example.it/",
		Alarms: []Alarm{{Trigger: 9 * time.Hour, Description: "d"}},
	}}}
	var b bytes.Buffer
	if err := c.Write(&b, time.Date(2026, 12, 7, 14, 5, 0, 0, time.FixedZone("CET", 3600))); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DTSTAMP:20261207T130500Z\r\n", "DTSTART;VALUE=DATE:20261231\r\n", "DTEND;VALUE=DATE:20270101\r\n", "TRIGGER;RELATED=START:PT9H\r\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
	if strings.Contains(strings.ReplaceAll(b.String(), "\r\n", ""), "\n") {
		t.Errorf("a bare LF ends a line")
	}
}
