package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/card"
	"github.com/firma-dev/firma/pkcs11"
)

var updateJSONKeys = flag.Bool("update-json-keys", false, "rewrite testdata/json-keys.txt from the output types")

// The --json outputs of every command, by the Go type the command
// encodes. Their key sets are part of firma's interface (README, "JSON
// output"): scripts read them. Several are library types (verify.Report,
// pkcs11.Discovery, card.ReaderReport), so a change in a library could
// silently change a script's input; this test pins every key path, and
// fails on any key added, removed or renamed until testdata/json-keys.txt
// is regenerated on purpose (go test -run TestJSONKeys -update-json-keys).
func TestJSONKeys(t *testing.T) {
	outputs := []struct {
		command string
		v       any
	}{
		{"card", card.ReaderReport{}},
		{"cert", certView{}},
		{"cert --all", struct {
			Certificates []certView `json:"certificates"`
		}{}},
		{"doctor", doctorReport{}},
		{"modules", pkcs11.Discovery{}},
		{"pin status", pinStatusReport{}},
		{"readers", readersJSON{}},
		{"sign", signReport{}},
		{"sign --pades", padesReport{}},
		{"status", tokenReport{}},
		{"status --all", struct {
			Tokens []*tokenReport `json:"tokens"`
		}{}},
		{"verify", verifyJSON{}},
	}
	var b strings.Builder
	for _, o := range outputs {
		b.WriteString("# firma " + o.command + " --json\n")
		for _, p := range jsonPaths(reflect.TypeOf(o.v), "", map[reflect.Type]bool{}) {
			b.WriteString(p + "\n")
		}
		b.WriteString("\n")
	}
	golden := filepath.Join("testdata", "json-keys.txt")
	if *updateJSONKeys {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(want) {
		t.Errorf("the --json key sets changed (README's 'JSON output' and scripts depend on them):\n%s\nif the change is meant, document it and run: go test ./cmd/firma -run TestJSONKeys -update-json-keys", lineDiff(string(want), got))
	}
}

// jsonPaths lists the key paths encoding/json writes for t: "a.b",
// "a[].b" inside arrays, "a{}" for maps. Types with their own MarshalJSON
// or MarshalText (times, enums) are leaves.
func jsonPaths(t reflect.Type, prefix string, seen map[reflect.Type]bool) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	marshaler := reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	textMarshaler := reflect.TypeOf((*interface{ MarshalText() ([]byte, error) })(nil)).Elem()
	if t == reflect.TypeOf(time.Time{}) || t.Implements(marshaler) || reflect.PointerTo(t).Implements(marshaler) || t.Implements(textMarshaler) {
		return nil
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil // []byte is a base64 string
		}
		return jsonPaths(t.Elem(), prefix+"[]", seen)
	case reflect.Map:
		return jsonPaths(t.Elem(), prefix+"{}", seen)
	case reflect.Struct:
	default:
		return nil
	}
	if seen[t] {
		return []string{prefix + " (recursive)"}
	}
	seen[t] = true
	defer delete(seen, t)
	var out []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				out = append(out, jsonPaths(ft, prefix, seen)...)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		p := name
		if prefix != "" {
			p = prefix + "." + name
		}
		out = append(out, p)
		out = append(out, jsonPaths(f.Type, p, seen)...)
	}
	sort.Strings(out)
	return out
}

// lineDiff lists the lines only in want (-) or only in got (+).
func lineDiff(want, got string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	var d []string
	for l := range w {
		if !g[l] {
			d = append(d, "- "+l)
		}
	}
	for l := range g {
		if !w[l] {
			d = append(d, "+ "+l)
		}
	}
	sort.Strings(d)
	return strings.Join(d, "\n")
}
