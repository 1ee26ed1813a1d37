package pinrules

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	cases := []struct {
		old, pin string
		r        Rules
		reason   string // "" when accepted
	}{
		{"", "12345", Italian, ""},
		{"", "12345678", Italian, ""},
		{"", "1234", Italian, "5 to 8 characters"},
		{"", "123456789", Italian, "5 to 8 characters"},
		{"", "", Italian, "5 to 8 characters"},
		{"", "1234a", Italian, "digits only"},
		{"", "12 345", Italian, "digits only"},
		{"11111", "11111", Italian, "same as the old one"},
		{"111111", "11111", Italian, ""},
		{"", "abcd", Rules{MinLen: 4, MaxLen: 255}, ""},
	}
	for _, c := range cases {
		var old []byte
		if c.old != "" {
			old = []byte(c.old)
		}
		err := Check(old, []byte(c.pin), c.r)
		if c.reason == "" {
			if err != nil {
				t.Errorf("%q: %v", c.pin, err)
			}
			continue
		}
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(fe.Reason, c.reason) {
			t.Errorf("%q: %v, want %q", c.pin, err, c.reason)
			continue
		}
		if c.pin != "" && strings.Contains(err.Error(), c.pin) || fe.Hint() == "" {
			t.Errorf("%q: error %q leaks the PIN or has no hint", c.pin, err)
		}
	}
}
