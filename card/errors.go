package card

import (
	"context"
	"errors"
	"fmt"
)

// Code is a PC/SC return value (winscard SCARD_E_*, SCARD_W_*).
type Code uint32

// PC/SC return values firma distinguishes (pcsclite's pcsclite.h).
const (
	codeCancelled         Code = 0x80100002
	codeInvalidHandle     Code = 0x80100003
	codeUnknownReader     Code = 0x80100009
	codeTimeout           Code = 0x8010000A
	codeSharingViolation  Code = 0x8010000B
	codeNoSmartcard       Code = 0x8010000C
	codeProtoMismatch     Code = 0x8010000F
	codeNotTransacted     Code = 0x80100016
	codeReaderUnavailable Code = 0x80100017
	codeNoService         Code = 0x8010001D
	codeServiceStopped    Code = 0x8010001E
	codeNoReaders         Code = 0x8010002E
	codeCommError         Code = 0x80100013
	codeUnsupportedCard   Code = 0x80100065
	codeUnresponsiveCard  Code = 0x80100066
	codeUnpoweredCard     Code = 0x80100067
	codeResetCard         Code = 0x80100068
	codeRemovedCard       Code = 0x80100069
	codeSecurityViolation Code = 0x8010006A
	codeNoAccess          Code = 0x80100027
)

var codeNames = map[Code]string{
	codeCancelled:         "SCARD_E_CANCELLED",
	codeInvalidHandle:     "SCARD_E_INVALID_HANDLE",
	codeUnknownReader:     "SCARD_E_UNKNOWN_READER",
	codeTimeout:           "SCARD_E_TIMEOUT",
	codeSharingViolation:  "SCARD_E_SHARING_VIOLATION",
	codeNoSmartcard:       "SCARD_E_NO_SMARTCARD",
	codeProtoMismatch:     "SCARD_E_PROTO_MISMATCH",
	codeNotTransacted:     "SCARD_E_NOT_TRANSACTED",
	codeReaderUnavailable: "SCARD_E_READER_UNAVAILABLE",
	codeNoService:         "SCARD_E_NO_SERVICE",
	codeServiceStopped:    "SCARD_E_SERVICE_STOPPED",
	codeNoReaders:         "SCARD_E_NO_READERS_AVAILABLE",
	codeCommError:         "SCARD_F_COMM_ERROR",
	codeUnsupportedCard:   "SCARD_W_UNSUPPORTED_CARD",
	codeUnresponsiveCard:  "SCARD_W_UNRESPONSIVE_CARD",
	codeUnpoweredCard:     "SCARD_W_UNPOWERED_CARD",
	codeResetCard:         "SCARD_W_RESET_CARD",
	codeRemovedCard:       "SCARD_W_REMOVED_CARD",
	codeSecurityViolation: "SCARD_W_SECURITY_VIOLATION",
	codeNoAccess:          "SCARD_E_NO_ACCESS",
}

// Name is the winscard name of a value firma knows ("SCARD_E_NO_SERVICE"),
// empty for others.
func (c Code) Name() string { return codeNames[c] }

func (c Code) Error() string {
	if n, ok := codeNames[c]; ok {
		return fmt.Sprintf("%s (0x%08X)", n, uint32(c))
	}
	return fmt.Sprintf("PC/SC error 0x%08X", uint32(c))
}

// Kind classifies a PC/SC failure by what the user can do about it. Each
// Kind is also an error, so callers test errors.Is(err, card.ErrNoCard).
type Kind int

// The kinds of failure.
const (
	ErrNoPCSCSupport Kind = iota + 1 // built without cgo
	ErrNoService                     // pcscd not running
	ErrAccessDenied                  // polkit refused (ssh session, no active seat)
	ErrNoReader                      // no reader connected, or the named one absent
	ErrNoCard                        // reader empty
	ErrRemoved                       // card removed during an operation
	ErrBusy                          // another process holds the card exclusively
	ErrUnresponsive                  // the card does not answer (mute, or no answer in time)
	ErrWaitTimeout                   // waiting for insertion or removal timed out
	ErrPCSC                          // any other PC/SC failure
)

var kindText = map[Kind]string{
	ErrNoPCSCSupport: "firma was built without PC/SC support",
	ErrNoService:     "the PC/SC service (pcscd) is not running",
	ErrAccessDenied:  "access to the smartcard service denied",
	ErrNoReader:      "no smartcard reader found",
	ErrNoCard:        "no card in the reader",
	ErrRemoved:       "the card was removed during the operation",
	ErrBusy:          "the card is in use by another program",
	ErrUnresponsive:  "the card does not respond",
	ErrWaitTimeout:   "timed out waiting for the card",
	ErrPCSC:          "smartcard service error",
}

func (k Kind) Error() string {
	if s, ok := kindText[k]; ok {
		return s
	}
	return "smartcard error"
}

// Error is a PC/SC failure with what was being done.
type Error struct {
	Kind Kind
	// Op is the operation ("listing readers", "reading PIN tries").
	Op string
	// Reader is the reader involved, if any.
	Reader string
	// Code is the PC/SC return value, 0 when the failure was detected by
	// firma itself (a timeout, an empty response).
	Code Code
	// Err is the underlying error, if any.
	Err error
}

func (e *Error) Error() string {
	msg := e.Op + ": " + e.Kind.Error()
	if e.Reader != "" {
		msg = fmt.Sprintf("%s: %s (reader %q)", e.Op, e.Kind.Error(), e.Reader)
	}
	switch {
	case e.Err != nil:
		msg += ": " + e.Err.Error()
	case e.Code != 0:
		msg += ": " + e.Code.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error {
	if e.Err != nil {
		return e.Err
	}
	if e.Code != 0 {
		return e.Code
	}
	return nil
}

// Is matches the Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(Kind)
	return ok && k == e.Kind
}

// kindOf maps a PC/SC return value to a Kind.
func kindOf(c Code) Kind {
	switch c {
	case codeNoService, codeServiceStopped:
		return ErrNoService
	case codeSecurityViolation, codeNoAccess:
		return ErrAccessDenied
	case codeNoReaders, codeUnknownReader, codeReaderUnavailable:
		return ErrNoReader
	case codeNoSmartcard:
		return ErrNoCard
	case codeRemovedCard, codeResetCard:
		return ErrRemoved
	case codeSharingViolation:
		return ErrBusy
	case codeUnresponsiveCard, codeUnpoweredCard, codeUnsupportedCard:
		return ErrUnresponsive
	case codeTimeout:
		return ErrWaitTimeout
	}
	return ErrPCSC
}

// wrap turns a backend error into an *Error.
func wrap(op, reader string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var c Code
	if errors.As(err, &c) {
		return &Error{Kind: kindOf(c), Op: op, Reader: reader, Code: c}
	}
	var k Kind
	if errors.As(err, &k) {
		return &Error{Kind: k, Op: op, Reader: reader}
	}
	return &Error{Kind: ErrPCSC, Op: op, Reader: reader, Err: err}
}
