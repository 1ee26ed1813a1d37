package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// testIO returns an IO bundle with buffers, no terminal and a fixed clock.
func testIO(now time.Time, env map[string]string) (*IO, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	// The language of the messages, as Main sets it: a test that runs a
	// command's function directly would otherwise print in the language
	// the last Main of another test chose.
	setLanguage(languageFrom(func(k string) string { return env[k] }))
	return &IO{
		In:      strings.NewReader(""),
		Out:     &out,
		Err:     &errb,
		OpenTTY: func() (TTY, error) { return nil, errNoTerminal },
		Now:     func() time.Time { return now },
		Getenv:  func(k string) string { return env[k] },
	}, &out, &errb
}

func TestVersion(t *testing.T) {
	io, out, _ := testIO(time.Now(), nil)
	if code := Main(context.Background(), []string{"version"}, io); code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(out.String(), "firma ") {
		t.Fatalf("version output %q", out.String())
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"nosuchcommand"}, {"version", "--nosuchflag"}, {"version", "extra"}} {
		io, _, errb := testIO(time.Now(), nil)
		if code := Main(context.Background(), args, io); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (stderr %q)", args, code, ExitUsage, errb.String())
		}
		if !strings.HasPrefix(errb.String(), "firma: error: ") {
			t.Errorf("%v: stderr %q", args, errb.String())
		}
	}
}
