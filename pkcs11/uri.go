package pkcs11

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// URI is a parsed RFC 7512 pkcs11: URI, the parts firma uses.
type URI struct {
	Token TokenSelector
	Key   KeySelector
	// ModulePath is the module-path query attribute.
	ModulePath string
	// ModuleName is the module-name query attribute (a file name without
	// directory, e.g. "softhsm2"): it is matched against known modules.
	ModuleName string
	// SlotID is the slot-id attribute; -1 when absent. firma never selects
	// by slot alone (slot IDs change between runs) but honours it when the
	// URI also names the token.
	SlotID int64
}

// KeySelector chooses a key and its certificate on a token.
type KeySelector struct {
	Label string // CKA_LABEL
	ID    []byte // CKA_ID
}

// IsZero reports whether the selector matches any key.
func (k KeySelector) IsZero() bool { return k.Label == "" && k.ID == nil }

func (k KeySelector) String() string {
	switch {
	case k.Label != "" && k.ID != nil:
		return fmt.Sprintf("%s (id %x)", k.Label, k.ID)
	case k.ID != nil:
		return fmt.Sprintf("id:%x", k.ID)
	}
	return k.Label
}

// ErrPINInURI refuses pin-value: a PIN must not travel in argv.
var ErrPINInURI = errors.New("the pkcs11: URI carries a PIN (pin-value): firma does not accept PINs on the command line")

// IsURI reports whether s is a pkcs11: URI.
func IsURI(s string) bool {
	return len(s) >= 7 && strings.EqualFold(s[:7], "pkcs11:")
}

// maxURILen bounds what ParseURI reads: real URIs are a few hundred bytes.
const maxURILen = 4096

// ParseURI parses an RFC 7512 pkcs11: URI.
func ParseURI(s string) (*URI, error) {
	if !IsURI(s) {
		return nil, fmt.Errorf("not a pkcs11: URI: %q", truncate(s))
	}
	if len(s) > maxURILen {
		return nil, fmt.Errorf("pkcs11: URI too long (%d bytes)", len(s))
	}
	rest := s[7:]
	path, query, _ := strings.Cut(rest, "?")
	u := &URI{SlotID: -1}
	seen := map[string]bool{}
	set := func(name, raw string) error {
		if seen[name] {
			return fmt.Errorf("pkcs11: URI: attribute %q given twice", name)
		}
		seen[name] = true
		v, err := pctDecode(raw)
		if err != nil {
			return fmt.Errorf("pkcs11: URI: attribute %q: %w", name, err)
		}
		switch name {
		case "token":
			u.Token.Label = v
		case "serial":
			u.Token.Serial = v
		case "manufacturer":
			u.Token.Manufacturer = v
		case "model":
			u.Token.Model = v
		case "object":
			u.Key.Label = v
		case "id":
			u.Key.ID = []byte(v)
		case "slot-id":
			var n int64
			if _, err := fmt.Sscanf(v, "%d", &n); err != nil || n < 0 || fmt.Sprint(n) != v {
				return fmt.Errorf("pkcs11: URI: bad slot-id %q", truncate(v))
			}
			u.SlotID = n
		case "type":
			switch v {
			case "private", "cert", "public", "secret-key", "data":
			default:
				return fmt.Errorf("pkcs11: URI: unknown object type %q", truncate(v))
			}
		case "module-path":
			u.ModulePath = v
		case "module-name":
			u.ModuleName = v
		case "pin-value":
			return ErrPINInURI
		case "pin-source":
			return errors.New("pkcs11: URI: pin-source is not supported")
		case "library-manufacturer", "library-description", "library-version", "slot-description", "slot-manufacturer":
			// Accepted and not used for selection: firma selects
			// tokens by label, serial, manufacturer and model.
		default:
			if !strings.HasPrefix(name, "x-") {
				return fmt.Errorf("pkcs11: URI: unknown attribute %q", truncate(name))
			}
		}
		return nil
	}
	for _, part := range splitNonEmpty(path, ";") {
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("pkcs11: URI: %q is not name=value", truncate(part))
		}
		if isQueryAttr(name) {
			return nil, fmt.Errorf("pkcs11: URI: %q belongs in the query part (after ?)", name)
		}
		if err := set(name, val); err != nil {
			return nil, err
		}
	}
	for _, part := range splitNonEmpty(query, "&") {
		name, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("pkcs11: URI: %q is not name=value", truncate(part))
		}
		if !isQueryAttr(name) && !strings.HasPrefix(name, "x-") {
			return nil, fmt.Errorf("pkcs11: URI: %q is not a query attribute", truncate(name))
		}
		if err := set(name, val); err != nil {
			return nil, err
		}
	}
	return u, nil
}

func isQueryAttr(name string) bool {
	switch name {
	case "pin-source", "pin-value", "module-name", "module-path":
		return true
	}
	return false
}

func splitNonEmpty(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// pctDecode decodes RFC 3986 percent-encoding (no '+' for space).
func pctDecode(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	v, err := url.PathUnescape(s)
	if err != nil {
		return "", errors.New("bad percent-encoding")
	}
	return v, nil
}

// truncate shortens s for an error message, and hides it entirely when it
// may carry a PIN (a mistyped URI with a pin-value, say): errors must
// never echo a secret.
func truncate(s string) string {
	if strings.Contains(strings.ToLower(s), "pin") {
		return "(not shown: it may hold a PIN)"
	}
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// ParseKeySelector reads a --key value: a pkcs11: URI, "id:HEX", or a label.
func ParseKeySelector(s string) (KeySelector, *URI, error) {
	switch {
	case s == "":
		return KeySelector{}, nil, nil
	case IsURI(s):
		u, err := ParseURI(s)
		if err != nil {
			return KeySelector{}, nil, err
		}
		return u.Key, u, nil
	case strings.HasPrefix(strings.ToLower(s), "id:"):
		id, err := hex.DecodeString(strings.ReplaceAll(s[3:], ":", ""))
		if err != nil || len(id) == 0 {
			return KeySelector{}, nil, fmt.Errorf("bad key id %q: want hex, e.g. id:02", truncate(s))
		}
		return KeySelector{ID: id}, nil, nil
	}
	return KeySelector{Label: s}, nil, nil
}
