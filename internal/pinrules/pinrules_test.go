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
		if c.pin != "" && strings.Contains(err.Error(), c.pin) || fe.What != "new PIN" || fe.Rules != Italian || fe.Sent() {
			t.Errorf("%q: error %q leaks the PIN or lacks its data (%+v)", c.pin, err, fe)
		}
	}
}

func TestCheckCurrent(t *testing.T) {
	for _, v := range []string{"12345", "87654321"} {
		if err := CheckCurrent([]byte(v), Italian, "signature PUK"); err != nil {
			t.Errorf("%q: %v", v, err)
		}
	}
	for _, v := range []string{"", "1234", "876543210", "8765432a", "1234 5678"} {
		err := CheckCurrent([]byte(v), Italian, "signature PUK")
		var fe *FormatError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), "a signature PUK is 5 to 8 digits") || v != "" && strings.Contains(err.Error(), v) {
			t.Errorf("%q: %v", v, err)
		}
	}
}
