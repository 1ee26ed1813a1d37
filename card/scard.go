//go:build cgo

package card

import (
	"errors"
	"time"

	"github.com/ebfe/scard"
)

// establish opens a PC/SC context through libpcsclite.
func establish() (system, error) {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return nil, code(err)
	}
	return &scardSystem{ctx: ctx}, nil
}

type scardSystem struct{ ctx *scard.Context }

// code converts a scard error to a Code.
func code(err error) error {
	var e scard.Error
	if errors.As(err, &e) {
		return Code(uint32(e))
	}
	return err
}

func (s *scardSystem) ListReaders() ([]string, error) {
	r, err := s.ctx.ListReaders()
	return r, code(err)
}

func (s *scardSystem) GetStatusChange(states []readerState, timeout time.Duration) error {
	rs := make([]scard.ReaderState, len(states))
	for i, st := range states {
		rs[i] = scard.ReaderState{Reader: st.Reader, CurrentState: scard.StateFlag(st.CurrentState)}
	}
	if err := s.ctx.GetStatusChange(rs, timeout); err != nil {
		return code(err)
	}
	for i := range states {
		states[i].EventState = StateFlag(rs[i].EventState)
		states[i].ATR = append([]byte(nil), rs[i].Atr...)
	}
	return nil
}

func (s *scardSystem) Cancel() error  { return code(s.ctx.Cancel()) }
func (s *scardSystem) Release() error { return code(s.ctx.Release()) }

func (s *scardSystem) Connect(reader string) (handle, error) {
	c, err := s.ctx.Connect(reader, scard.ShareShared, scard.ProtocolT0|scard.ProtocolT1)
	if err != nil {
		return nil, code(err)
	}
	return &scardHandle{c: c}, nil
}

type scardHandle struct{ c *scard.Card }

func (h *scardHandle) Status() ([]byte, error) {
	st, err := h.c.Status()
	if err != nil {
		return nil, code(err)
	}
	return st.Atr, nil
}

func (h *scardHandle) BeginTransaction() error { return code(h.c.BeginTransaction()) }
func (h *scardHandle) EndTransaction() error   { return code(h.c.EndTransaction(scard.LeaveCard)) }
func (h *scardHandle) Disconnect() error       { return code(h.c.Disconnect(scard.LeaveCard)) }
func (h *scardHandle) DisconnectReset() error  { return code(h.c.Disconnect(scard.ResetCard)) }

func (h *scardHandle) Transmit(cmd []byte) ([]byte, error) {
	r, err := h.c.Transmit(cmd)
	return r, code(err)
}
