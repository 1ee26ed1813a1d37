package card

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// DefaultOpTimeout bounds each card operation (connect, transaction,
// APDU). A healthy card answers in milliseconds; signature cards computing
// an RSA-2048 signature take about a second.
const DefaultOpTimeout = 10 * time.Second

// Client is one PC/SC context. Its methods are safe for concurrent use but
// run one at a time.
type Client struct {
	sys       system
	opTimeout time.Duration

	mu sync.Mutex
	// broken is set when a call was abandoned after its timeout: the
	// library call is still blocked and holds libpcsclite's context lock,
	// so the context cannot be used (or released) any more.
	broken bool
}

// Option configures a Client.
type Option func(*Client)

// WithOpTimeout sets the bound of each card operation (DefaultOpTimeout
// if d <= 0).
func WithOpTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.opTimeout = d
		}
	}
}

// Open establishes a PC/SC context. It fails with ErrNoService when pcscd
// is not running, ErrAccessDenied when polkit refuses, and
// ErrNoPCSCSupport in a build without cgo.
func Open(opts ...Option) (*Client, error) {
	return open(establish, opts...)
}

func open(est establishFunc, opts ...Option) (*Client, error) {
	sys, err := est()
	if err != nil {
		return nil, wrap("connecting to the PC/SC service", "", err)
	}
	c := &Client{sys: sys, opTimeout: DefaultOpTimeout}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Close releases the context. After an abandoned call the release runs in
// the background, since it would block behind that call.
func (c *Client) Close() error {
	c.mu.Lock()
	broken := c.broken
	c.broken = true
	c.mu.Unlock()
	if broken {
		go c.sys.Release()
		return nil
	}
	return wrap("closing the PC/SC context", "", c.sys.Release())
}

// call runs f, bounded by the operation timeout and ctx. When the bound
// is hit, f keeps running in the background and the client is marked
// broken: libpcsclite offers no way to abort a blocked transmit. Callers
// read what f writes only when call returns nil.
func (c *Client) call(ctx context.Context, op, reader string, f func() error) error {
	c.mu.Lock()
	broken := c.broken
	c.mu.Unlock()
	if broken {
		return &Error{Kind: ErrUnresponsive, Op: op, Reader: reader, Err: errors.New("an earlier card operation never returned")}
	}
	done := make(chan error, 1)
	go func() { done <- f() }()
	t := time.NewTimer(c.opTimeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		c.markBroken()
		return &Error{Kind: ErrUnresponsive, Op: op, Reader: reader, Err: fmt.Errorf("no answer within %v", c.opTimeout)}
	case <-ctx.Done():
		c.markBroken()
		return fmt.Errorf("%s: %w", op, ctx.Err())
	}
}

// isBroken reports whether a call was abandoned.
func (c *Client) isBroken() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.broken
}

func (c *Client) markBroken() {
	c.mu.Lock()
	c.broken = true
	c.mu.Unlock()
}

// Reader is a reader and what is in it.
type Reader struct {
	Name string `json:"name"`
	// State is one of:
	//   "empty"        no card
	//   "present"      a card, free
	//   "in-use"       a card another program uses (shared)
	//   "exclusive"    a card another program holds exclusively
	//   "mute"         a card that gave no valid ATR
	//   "unavailable"  the reader is not usable (unplugged, driver error)
	State string `json:"state"`
	// ATR is the card's answer to reset, when a card is present.
	ATR HexBytes `json:"atr,omitempty"`
}

// HasCard reports whether the reader holds a card that answered.
func (r Reader) HasCard() bool {
	switch r.State {
	case "present", "in-use", "exclusive":
		return true
	}
	return false
}

func describe(f StateFlag) string {
	switch {
	case f&(stateUnknown|stateUnavailable) != 0:
		return "unavailable"
	case f&stateMute != 0:
		return "mute"
	case f&statePresent != 0 && f&stateExclusive != 0:
		return "exclusive"
	case f&statePresent != 0 && f&stateInUse != 0:
		return "in-use"
	case f&statePresent != 0:
		return "present"
	case f&stateEmpty != 0:
		return "empty"
	}
	return "unavailable"
}

// listReaders returns the reader names; none is not an error.
func (c *Client) listReaders(ctx context.Context) ([]string, error) {
	var names []string
	err := c.call(ctx, "listing readers", "", func() error {
		var err error
		names, err = c.sys.ListReaders()
		return err
	})
	switch {
	case errors.Is(err, codeNoReaders):
		return nil, nil
	case err != nil: // names may still be written by an abandoned call
		return nil, wrap("listing readers", "", err)
	}
	return names, nil
}

// Readers lists the readers with their current state and ATR. No reader
// gives an empty list and no error.
func (c *Client) Readers(ctx context.Context) ([]Reader, error) {
	names, err := c.listReaders(ctx)
	if err != nil || len(names) == 0 {
		return nil, err
	}
	states := make([]readerState, len(names))
	for i, n := range names {
		states[i] = readerState{Reader: n, CurrentState: stateUnaware}
	}
	err = c.call(ctx, "reading reader states", "", func() error {
		return c.sys.GetStatusChange(states, 0)
	})
	if err != nil && !errors.Is(err, codeTimeout) {
		if errors.Is(err, codeUnknownReader) { // unplugged between the calls
			return c.Readers(ctx)
		}
		return nil, wrap("reading reader states", "", err)
	}
	out := make([]Reader, len(states))
	for i, s := range states {
		out[i] = toReader(s)
	}
	return out, nil
}

func toReader(s readerState) Reader {
	r := Reader{Name: s.Reader, State: describe(s.EventState)}
	if s.EventState&statePresent != 0 && len(s.ATR) > 0 {
		r.ATR = append(HexBytes(nil), s.ATR...)
	}
	return r
}

// Want is the condition Wait waits for.
type Want int

const (
	// CardPresent: a card that answered is in the reader (any reader when
	// none is named).
	CardPresent Want = iota
	// CardAbsent: the reader is empty (every reader when none is named).
	CardAbsent
)

// WaitOptions configures Wait.
type WaitOptions struct {
	// Reader restricts the wait to one reader; empty means any reader.
	// A named reader that is not plugged in yet is waited for.
	Reader string
	Want   Want
	// Timeout bounds the wait; zero or negative waits until ctx ends.
	Timeout time.Duration
}

// Wait blocks until the condition holds (immediately if it already does)
// and returns the readers as they are then. It uses
// SCardGetStatusChange, watching the \\?PnP?\Notification pseudo reader
// so readers plugged in meanwhile are seen. It fails with ErrWaitTimeout
// after opts.Timeout and with ctx.Err() when ctx ends.
func (c *Client) Wait(ctx context.Context, opts WaitOptions) ([]Reader, error) {
	var deadline time.Time
	if opts.Timeout > 0 {
		deadline = time.Now().Add(opts.Timeout)
	}
	prev := map[string]StateFlag{}
	for {
		names, err := c.listReaders(ctx)
		if err != nil {
			return nil, err
		}
		states := make([]readerState, 0, len(names)+1)
		for _, n := range names {
			states = append(states, readerState{Reader: n, CurrentState: prev[n]})
		}
		states = append(states, readerState{Reader: pnpReader, CurrentState: StateFlag(len(names)) << 16})
		// First pass with the known states (unaware for new readers)
		// returns at once with the current ones; later passes block.
		first := true
		for {
			timeout := infinite
			if !deadline.IsZero() {
				timeout = time.Until(deadline)
				if timeout <= 0 {
					return nil, &Error{Kind: ErrWaitTimeout, Op: "waiting for the card", Reader: opts.Reader, Err: fmt.Errorf("nothing happened within %v", opts.Timeout)}
				}
			}
			if first && len(names) > 0 {
				timeout = 0
			}
			first = false
			err := c.statusChange(ctx, states, timeout)
			if errors.Is(err, codeUnknownReader) {
				break // a reader went away: list again
			}
			if errors.Is(err, codeTimeout) {
				continue // states unchanged; the deadline is checked above
			}
			if err != nil {
				return nil, err
			}
			readers := make([]Reader, 0, len(names))
			for _, s := range states[:len(names)] {
				readers = append(readers, toReader(s))
			}
			if done(readers, opts) {
				return readers, nil
			}
			for i := range states {
				states[i].CurrentState = states[i].EventState &^ stateChanged
				if i < len(names) {
					prev[states[i].Reader] = states[i].CurrentState
				}
			}
			pnp := states[len(states)-1]
			if int(pnp.EventState>>16) != len(names) || len(names) == 0 {
				break // readers plugged or unplugged: list again
			}
		}
	}
}

// statusChange runs SCardGetStatusChange, cancelled through SCardCancel
// when ctx ends.
func (c *Client) statusChange(ctx context.Context, states []readerState, timeout time.Duration) error {
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		select {
		case <-ctx.Done():
			c.sys.Cancel()
		case <-stop:
		}
	}()
	err := c.sys.GetStatusChange(states, timeout)
	if ctx.Err() != nil {
		return fmt.Errorf("waiting for the card: %w", ctx.Err())
	}
	if err != nil && !errors.Is(err, codeTimeout) && !errors.Is(err, codeUnknownReader) {
		return wrap("waiting for the card", "", err)
	}
	return err
}

func done(readers []Reader, o WaitOptions) bool {
	if o.Reader != "" {
		i := slices.IndexFunc(readers, func(r Reader) bool { return r.Name == o.Reader })
		if i < 0 {
			return false
		}
		if o.Want == CardPresent {
			return readers[i].HasCard()
		}
		return !readers[i].HasCard() && readers[i].State != "mute"
	}
	if o.Want == CardPresent {
		return slices.ContainsFunc(readers, Reader.HasCard)
	}
	return !slices.ContainsFunc(readers, func(r Reader) bool { return r.HasCard() || r.State == "mute" })
}
