package main

// Everything firma prints for a person goes through this file: text that
// comes from outside (certificate fields, file names, reader and token
// labels, trusted-list and TSA texts, error messages that quote them) is
// escaped here, so that it can neither drive the terminal (ESC sequences,
// a carriage return that overwrites a verdict) nor break the one-line
// formats scripts read (a newline in a file name). JSON output is not
// escaped: it carries the exact values.

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firma-dev/firma/verify"
)

// safe returns s with everything that could act on a terminal or split a
// line written as a visible escape: C0 and C1 control characters, DEL,
// the Unicode line and paragraph separators, the bidirectional controls
// that reorder what a line shows, and bytes that are not UTF-8. Printable
// text, accents included, is left alone.
func safe(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			return true
		}
		i += size
	}
	return false
}

// unsafeRune reports the non-ASCII runes that act on the display: C1
// controls, line and paragraph separators, bidirectional marks,
// embeddings, overrides and isolates.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x2028 && r <= 0x202e:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// outside is a string from outside firma, formatted safely: %s and %v
// escape it (width and flags kept), %q quotes it as Go does, which
// escapes the same characters.
type outside string

func (o outside) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, fmt.FormatString(f, verb), string(o))
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), safe(string(o)))
}

// said is text firma has already said and escaped: printed as it is.
type said string

// escapeArgs wraps every argument that can carry outside text.
func escapeArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			out[i] = outside(v)
		case []string:
			o := make([]outside, len(v))
			for j, s := range v {
				o[j] = outside(s)
			}
			out[i] = o
		case error:
			// In the user's language, like the error line (errortext.go).
			out[i] = outside(sayErr(v))
		case time.Time, time.Duration:
			out[i] = v
		case verify.Message, verify.List, verify.Series, verify.Date, verify.Day, verify.Time, verify.Word:
			// A library's sentence: said in the user's language, its
			// arguments escaped (report_words.go).
			out[i] = said(sayReportArg(v))
		case fmt.Stringer:
			out[i] = outside(v.String())
		default:
			out[i] = a
		}
	}
	return out
}

// printf writes to w like fmt.Fprintf, with every string, error and
// Stringer argument escaped: the format is firma's own text, the
// arguments may come from anywhere.
// The format is a message: it is printed in the user's language
// (i18n.go), the arguments stay escaped.
func printf(w io.Writer, format string, args ...any) (int, error) {
	return io.WriteString(w, lang().localize(format, escapeArgs(args)))
}

// sprintf is printf into a string.
func sprintf(format string, args ...any) string {
	return lang().localize(format, escapeArgs(args))
}

// printLine writes the arguments like fmt.Fprintln, escaped.
func printLine(w io.Writer, args ...any) (int, error) {
	return fmt.Fprintln(w, escapeArgs(args)...)
}

// printfFixed writes what scripts parse, the same in every language (firma
// check's monitoring line): Go's formatting, escaped, no catalog.
func printfFixed(w io.Writer, format string, args ...any) (int, error) {
	return fmt.Fprintf(w, format, escapeArgs(args)...)
}
