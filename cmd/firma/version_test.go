package main

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"
)

// setBuild sets the values the Makefile passes with -ldflags -X.
func setBuild(t *testing.T, v, c, d string) {
	t.Helper()
	ov, oc, od := version, commit, date
	version, commit, date = v, c, d
	t.Cleanup(func() { version, commit, date = ov, oc, od })
}

func TestVersionLineFromLdflags(t *testing.T) {
	setBuild(t, "1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-12-07T01:23:35Z")
	want := "firma 1.2.3 (" + runtime.Version() + ", " + runtime.GOOS + "/" + runtime.GOARCH +
		", commit 0123456789ab, built 2026-12-07T01:23:35Z"
	if !currentBuild().CGO {
		want += ", without cgo: verify only"
	}
	want += ")\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		io, out, errb := testIO(time.Now(), nil)
		if code := Main(context.Background(), args, io); code != ExitOK {
			t.Fatalf("%v: exit %d (stderr %q)", args, code, errb.String())
		}
		if out.String() != want {
			t.Errorf("%v:\n got %q\nwant %q", args, out.String(), want)
		}
	}
}

func TestVersionJSON(t *testing.T) {
	setBuild(t, "1.2.3", "0123456789abcdef0123456789abcdef01234567", "2026-12-07T01:23:35Z")
	io, out, errb := testIO(time.Now(), nil)
	if code := Main(context.Background(), []string{"version", "--json"}, io); code != ExitOK {
		t.Fatalf("exit %d (stderr %q)", code, errb.String())
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	want := map[string]any{
		"version": "1.2.3",
		"commit":  "0123456789abcdef0123456789abcdef01234567",
		"date":    "2026-12-07T01:23:35Z",
		"go":      runtime.Version(),
		"os":      runtime.GOOS,
		"arch":    runtime.GOARCH,
		"cgo":     currentBuild().CGO,
	}
	if len(got) != len(want) {
		t.Errorf("fields %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v", k, got[k], v)
		}
	}
}

// A version string from the build is printed escaped like any other text.
func TestVersionLineEscapes(t *testing.T) {
	setBuild(t, "1.0\x1b[2J", "", "")
	if l := versionLine(); strings.ContainsRune(l, 0x1b) || !strings.HasPrefix(l, "firma 1.0") {
		t.Errorf("versionLine() = %q", l)
	}
}
