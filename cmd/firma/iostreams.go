package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// IO is everything a command touches outside its arguments: the standard
// streams, the terminal for prompts, the clock and the environment. Tests
// build one with buffers and a fixed clock and call a command's run
// function directly.
type IO struct {
	In  io.Reader
	Out io.Writer
	Err io.Writer
	// OutIsTTY says whether Out is a terminal (human layout, colours off
	// anyway); pipes get the stable plain layout.
	OutIsTTY bool
	// ErrIsTTY says whether Err is a terminal (progress bars).
	ErrIsTTY bool
	// OpenTTY opens the controlling terminal for prompts. Prompts never go
	// to Out. It returns errNoTerminal when there is none.
	OpenTTY func() (TTY, error)
	Now     func() time.Time
	Getenv  func(string) string
	// ctx is the command's context (cancelled by a signal), set by Main:
	// prompts end with it.
	ctx context.Context
}

// context returns the command's context, for code that runs below the
// libraries' callbacks (a PIN prompt inside a token login).
func (io *IO) context() context.Context {
	if io.ctx == nil {
		return context.Background()
	}
	return io.ctx
}

// TTY is a terminal a prompt can use.
type TTY interface {
	io.ReadWriteCloser
	// ReadSecret shows prompt and reads a line without echo; it returns
	// errPromptCanceled when the user cancels (Ctrl-C, Ctrl-D, an empty
	// line) or ctx ends.
	ReadSecret(ctx context.Context, prompt string) ([]byte, error)
}

var errNoTerminal = errors.New("no terminal to ask on")

// errCINoPrompt is OpenTTY's answer when CI=true forbids prompting.
var errCINoPrompt = errors.New("CI=true: no prompt")

// fixedClock is a clock stopped at t.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// SystemIO returns the process's real streams.
func SystemIO() *IO {
	return &IO{
		In:       os.Stdin,
		Out:      os.Stdout,
		Err:      os.Stderr,
		OutIsTTY: term.IsTerminal(int(os.Stdout.Fd())),
		ErrIsTTY: term.IsTerminal(int(os.Stderr.Fd())),
		OpenTTY:  openDevTTY,
		Now:      time.Now,
		Getenv:   os.Getenv,
	}
}

type devTTY struct{ *os.File }

func openDevTTY() (TTY, error) {
	if os.Getenv("CI") == "true" {
		// CI runs must never block on a prompt, even when a terminal
		// happens to be attached.
		return nil, errCINoPrompt
	}
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, errNoTerminal
	}
	// Not f.Fd(): it would put the descriptor in blocking mode, and a
	// signal could then no longer end a prompt's read.
	isTTY := false
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { isTTY = term.IsTerminal(int(fd)) })
	}
	if !isTTY {
		f.Close()
		return nil, errNoTerminal
	}
	return devTTY{f}, nil
}

// writeJSON prints v as indented JSON with a final newline. Values are
// exact; the few characters that act on a terminal even inside a JSON
// string (C1 controls, bidirectional overrides) are written as \u
// escapes, which JSON decoders read back as the same characters.
func writeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(escapeJSONRunes(b.Bytes()))
	return err
}

// escapeJSONRunes writes the runes of unsafeRune as \u escapes (JSON
// control characters are escaped by encoding/json already).
func escapeJSONRunes(js []byte) []byte {
	if !needsEscape(string(js)) {
		return js
	}
	out := make([]byte, 0, len(js)+32)
	for i := 0; i < len(js); {
		r, size := utf8.DecodeRune(js[i:])
		if unsafeRune(r) {
			out = fmt.Appendf(out, `\u%04x`, r)
		} else {
			out = append(out, js[i:i+size]...)
		}
		i += size
	}
	return out
}
