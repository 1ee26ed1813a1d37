package verify

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Message is a sentence of a report (a check's detail, a reason, a
// warning, a layer's error) kept as data: its English format, a string
// literal, and its arguments. String and the JSON encoding are the
// English sentence; a program that speaks another language looks the
// format up in its own catalog and says the arguments its way:
//
//   - an error stays an error (its Error() is the English text);
//   - a Message inside a Message (a timestamp's reason inside a warning)
//     stays a Message; a List is Messages joined by "; ", a Series by ", ";
//   - a Time is an instant said to the second in UTC, a Date to the
//     minute, a Day a day;
//   - a Word is a word of the report's own vocabulary (what a timestamp
//     covers), not text from the file;
//   - every other string is text from outside (certificate names, URLs,
//     file names, algorithm and attribute names) or a number.
//
// The library never formats a Message for a person itself.
type Message struct {
	Format string
	Args   []any
}

// Messagef is the message of format, a string literal in English, and
// its arguments.
func Messagef(format string, args ...any) Message {
	return Message{Format: format, Args: args}
}

// String is the sentence in English.
func (m Message) String() string {
	return fmt.Sprintf(m.Format, m.Args...)
}

// IsZero reports a message that says nothing (no reason, no error).
func (m Message) IsZero() bool { return m.Format == "" && len(m.Args) == 0 }

// MarshalJSON is the English sentence, as a JSON string.
func (m Message) MarshalJSON() ([]byte, error) { return json.Marshal(m.String()) }

// UnmarshalJSON reads a sentence back from JSON: its text, with no
// arguments.
func (m *Message) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*m = Message{Format: strings.ReplaceAll(s, "%", "%%")}
	return nil
}

// List is messages said one after the other, separated by "; ".
type List []Message

func (l List) String() string { return joinMessages(l, "; ") }

// Series is messages said one after the other, separated by ", ".
type Series []Message

func (l Series) String() string { return joinMessages(l, ", ") }

func joinMessages(ms []Message, sep string) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return strings.Join(parts, sep)
}

// Date is an instant in a message, said to the minute in UTC
// ("2026-12-07 14:05 UTC" in English).
type Date time.Time

func (d Date) String() string { return time.Time(d).UTC().Format("2006-01-02 15:04 UTC") }

// Day is a day in a message ("2026-12-07" in English).
type Day time.Time

func (d Day) String() string { return time.Time(d).UTC().Format(time.DateOnly) }

// Time is an instant in a message, said to the second in UTC
// ("2026-12-07 14:05:09 UTC" in English).
type Time time.Time

func (t Time) String() string { return time.Time(t).UTC().Format(time.DateTime + " MST") }

// Word is a word of the report's vocabulary inside a message: what a
// timestamp covers ("signature value", "content", "signed file"). It is
// firma's word, not the file's, so a caller may translate it.
type Word string
