package pkcs11

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestParseURI(t *testing.T) {
	u, err := ParseURI("pkcs11:token=ROSSI%20MARIO%20(PIN%20CNS1);serial=1234;object=Firma;id=%02;type=private?module-path=/usr/lib/bit4id/libbit4xpki.so")
	if err != nil {
		t.Fatal(err)
	}
	if u.Token.Label != "ROSSI MARIO (PIN CNS1)" || u.Token.Serial != "1234" {
		t.Errorf("token %+v", u.Token)
	}
	if u.Key.Label != "Firma" || !bytes.Equal(u.Key.ID, []byte{2}) {
		t.Errorf("key %+v", u.Key)
	}
	if u.ModulePath != "/usr/lib/bit4id/libbit4xpki.so" || u.SlotID != -1 {
		t.Errorf("module %q slot %d", u.ModulePath, u.SlotID)
	}
	bad := map[string]string{
		"pkcs11:token=a;token=b":         "twice",
		"pkcs11:token":                   "name=value",
		"pkcs11:token=%zz":               "percent",
		"pkcs11:frobnicate=1":            "unknown attribute",
		"pkcs11:module-path=/x":          "query part",
		"pkcs11:token=a?token=b":         "not a query attribute",
		"pkcs11:type=banana":             "object type",
		"pkcs11:slot-id=-1":              "slot-id",
		"pkcs11:token=a?pin-source=/etc": "pin-source",
		"https://example.com":            "not a pkcs11",
	}
	for in, want := range bad {
		if _, err := ParseURI(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseURI(%q) = %v, want error about %q", in, err, want)
		}
	}
	// pin-value is refused and never echoed back.
	_, err = ParseURI("pkcs11:token=a?pin-value=31337")
	if !errors.Is(err, ErrPINInURI) || strings.Contains(err.Error(), "31337") {
		t.Errorf("pin-value: %v", err)
	}
	// Vendor attributes are ignored.
	if _, err := ParseURI("pkcs11:token=a;x-vendor=1?x-other=2"); err != nil {
		t.Errorf("x- attributes: %v", err)
	}
	if _, err := ParseURI("pkcs11:" + strings.Repeat("a", maxURILen)); err == nil {
		t.Error("huge URI accepted")
	}
}

func TestParseKeySelector(t *testing.T) {
	k, _, err := ParseKeySelector("id:0a:0B")
	if err != nil || !bytes.Equal(k.ID, []byte{0x0a, 0x0b}) {
		t.Errorf("id: %v %+v", err, k)
	}
	if _, _, err := ParseKeySelector("id:xyz"); err == nil {
		t.Error("bad hex id accepted")
	}
	k, _, _ = ParseKeySelector("Firma qualificata")
	if k.Label != "Firma qualificata" {
		t.Errorf("label %+v", k)
	}
	k, u, err := ParseKeySelector("pkcs11:token=t;object=o")
	if err != nil || k.Label != "o" || u.Token.Label != "t" {
		t.Errorf("URI %v %+v", err, k)
	}
}

func TestTokenSelectorMatch(t *testing.T) {
	ti := TokenInfo{Label: "ROSSI MARIO", Serial: "ABC123", Manufacturer: "Bit4id", Model: "CNS"}
	for sel, want := range map[TokenSelector]bool{
		{}:                                  true,
		{Any: "ROSSI MARIO"}:                true,
		{Any: "abc123"}:                     true,
		{Any: "ROSSI"}:                      false,
		{Label: "ROSSI MARIO", Serial: "X"}: false,
		{Manufacturer: "Bit4id"}:            true,
	} {
		if got := sel.Match(ti); got != want {
			t.Errorf("%+v.Match = %v, want %v", sel, got, want)
		}
	}
}

func FuzzParseURI(f *testing.F) {
	for _, s := range []string{
		"pkcs11:token=ROSSI%20MARIO;object=Firma;id=%02?module-path=/x.so",
		"pkcs11:serial=1;slot-id=3;type=cert",
		"pkcs11:token=a?pin-value=1",
		"pkcs11:",
		"pkcs11:%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURI(s)
		if err != nil {
			if strings.Contains(err.Error(), "pin-value=") {
				t.Fatalf("error text echoes a PIN attribute: %v", err)
			}
			return
		}
		if u == nil {
			t.Fatal("nil URI without error")
		}
		// A URI that parses never carried a PIN, and selecting with it
		// does not panic.
		_, query, _ := strings.Cut(s, "?")
		for _, part := range strings.Split(query, "&") {
			if name, _, _ := strings.Cut(part, "="); name == "pin-value" {
				t.Fatalf("pin-value accepted in %q", s)
			}
		}
		u.Token.Match(TokenInfo{Label: "x", Serial: "y"})
		_ = u.Key.String()
	})
}
