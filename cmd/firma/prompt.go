package main

import (
	"context"
	"errors"
	"io"
	"os"
	"time"
	"unicode/utf8"

	"golang.org/x/term"
)

// errPromptCanceled ends a command whose user cancelled a secret prompt
// (Ctrl-C, Ctrl-D, Ctrl-\, an empty answer, or a signal): nothing was
// sent to the token or the card.
var errPromptCanceled = errors.New("cancelled at the prompt: nothing was sent to the token or card")

// errSecretTooLong is an answer longer than any PIN or password.
var errSecretTooLong = errors.New("the answer is longer than any PIN or password: nothing was sent")

// Keys the secret prompt handles itself: the terminal is in raw mode, so
// Ctrl-C and Ctrl-\ arrive as bytes instead of signals.
const (
	keyCtrlC     = 0x03
	keyCtrlD     = 0x04
	keyBackspace = 0x08
	keyLF        = 0x0a
	keyCR        = 0x0d
	keyCtrlU     = 0x15
	keyCtrlW     = 0x17
	keyEsc       = 0x1b
	keyCtrlBs    = 0x1c
	keyDelete    = 0x7f
)

// ReadSecret reads one line without echo. The terminal is put in raw mode
// for the read and restored on every path: Ctrl-C, Ctrl-D and Ctrl-\
// cancel at once, as does the end of ctx (a signal), and an empty answer
// counts as cancelled too, so that an Enter pressed by mistake never costs
// a try. Line editing: Backspace, Ctrl-U (line), Ctrl-W (everything, a
// secret has no words to see); arrow and function keys are dropped.
func (t devTTY) ReadSecret(ctx context.Context, prompt string) ([]byte, error) {
	rc, err := t.SyscallConn()
	if err != nil {
		return nil, err
	}
	var state *term.State
	var rawErr error
	if err := rc.Control(func(fd uintptr) { state, rawErr = term.MakeRaw(int(fd)) }); err != nil {
		return nil, err
	}
	if rawErr != nil {
		return nil, rawErr
	}
	restore := func() { rc.Control(func(fd uintptr) { term.Restore(int(fd), state) }) }
	defer func() {
		restore()
		// A new line, as the user's Enter would have given with echo on.
		t.Write([]byte("\n"))
	}()
	// The prompt comes only now: keys typed once it shows are read raw,
	// never by the terminal's own line editing (where Ctrl-D would end
	// the read and the next line would become the secret).
	if _, err := io.WriteString(t, prompt); err != nil {
		return nil, err
	}

	// The end of ctx (SIGINT, SIGTERM, SIGHUP from outside) unblocks the
	// read; the deferred restore then gives the terminal back as it was.
	stop := context.AfterFunc(ctx, func() { t.SetReadDeadline(time.Now()) })
	defer stop()
	return readSecretKeys(ctx, t.File)
}

// readSecretKeys turns raw key bytes from r into a secret line.
func readSecretKeys(ctx context.Context, r io.Reader) ([]byte, error) {
	var line []byte
	wipe := func() { clear(line); line = line[:0] }
	var b [1]byte
	esc := 0 // 1 after ESC, 2 inside a CSI/SS3 sequence
	for {
		n, err := r.Read(b[:])
		if ctx.Err() != nil {
			wipe()
			return nil, errPromptCanceled
		}
		if err != nil {
			wipe()
			if errors.Is(err, io.EOF) || errors.Is(err, os.ErrDeadlineExceeded) {
				return nil, errPromptCanceled
			}
			return nil, err
		}
		if n == 0 {
			continue
		}
		c := b[0]
		switch {
		case esc == 1:
			esc = 0
			if c == '[' || c == 'O' {
				esc = 2
			}
			continue
		case esc == 2:
			if c >= 0x40 && c <= 0x7e {
				esc = 0
			}
			continue
		}
		switch c {
		case keyCtrlC, keyCtrlD, keyCtrlBs:
			wipe()
			return nil, errPromptCanceled
		case keyCR, keyLF:
			if len(line) == 0 {
				return nil, errPromptCanceled
			}
			return line, nil
		case keyBackspace, keyDelete:
			if len(line) > 0 {
				_, size := utf8.DecodeLastRune(line)
				clear(line[len(line)-size:])
				line = line[:len(line)-size]
			}
		case keyCtrlU, keyCtrlW:
			wipe()
		case keyEsc:
			esc = 1
		default:
			if c < 0x20 {
				continue // other control keys are not part of a secret
			}
			if len(line) >= maxSecret {
				wipe()
				return nil, errSecretTooLong
			}
			line = append(line, c)
		}
	}
}
