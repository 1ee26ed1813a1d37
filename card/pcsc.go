package card

import "time"

// StateFlag is a PC/SC reader state bit (SCARD_STATE_*).
type StateFlag uint32

// Reader state bits (PC/SC part 5, SCARD_READERSTATE.dwEventState).
const (
	stateUnaware     StateFlag = 0x0000
	stateIgnore      StateFlag = 0x0001
	stateChanged     StateFlag = 0x0002
	stateUnknown     StateFlag = 0x0004
	stateUnavailable StateFlag = 0x0008
	stateEmpty       StateFlag = 0x0010
	statePresent     StateFlag = 0x0020
	stateExclusive   StateFlag = 0x0080
	stateInUse       StateFlag = 0x0100
	stateMute        StateFlag = 0x0200
)

// pnpReader is the pseudo reader whose state changes when a reader is
// plugged in or out; the high 16 bits of its state count the readers.
const pnpReader = `\\?PnP?\Notification`

// readerState is one entry of SCardGetStatusChange.
type readerState struct {
	Reader       string
	CurrentState StateFlag
	EventState   StateFlag
	ATR          []byte
}

// system is the part of PC/SC firma uses: one SCARDCONTEXT. Errors are
// Code values. Cancel may be called from another goroutine while
// GetStatusChange blocks.
type system interface {
	ListReaders() ([]string, error)
	GetStatusChange(states []readerState, timeout time.Duration) error
	Cancel() error
	// Connect opens reader in shared mode, T=0 or T=1.
	Connect(reader string) (handle, error)
	Release() error
}

// handle is one SCARDHANDLE.
type handle interface {
	// Status returns the card's ATR.
	Status() (atr []byte, err error)
	BeginTransaction() error
	// EndTransaction ends it leaving the card as it is.
	EndTransaction() error
	Transmit(cmd []byte) ([]byte, error)
	// Disconnect leaves the card as it is.
	Disconnect() error
	// DisconnectReset resets the card (SCARD_RESET_CARD), which drops
	// any PIN verification.
	DisconnectReset() error
}

// establishFunc opens a PC/SC context; tests replace it with fakes.
type establishFunc func() (system, error)

// infinite is the PC/SC INFINITE timeout.
const infinite time.Duration = -1
