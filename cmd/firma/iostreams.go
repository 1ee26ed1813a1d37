package main

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"time"

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
}

// TTY is a terminal a prompt can use.
type TTY interface {
	io.ReadWriteCloser
	// ReadSecret reads a line without echo.
	ReadSecret() ([]byte, error)
}

var errNoTerminal = errors.New("no terminal to ask on")

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
		return nil, errNoTerminal
	}
	f, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, errNoTerminal
	}
	if !term.IsTerminal(int(f.Fd())) {
		f.Close()
		return nil, errNoTerminal
	}
	return devTTY{f}, nil
}

func (t devTTY) ReadSecret() ([]byte, error) {
	b, err := term.ReadPassword(int(t.Fd()))
	t.Write([]byte("\n"))
	return b, err
}

// writeJSON prints v as indented JSON with a final newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
