// Package card talks to smartcard readers and cards over PC/SC: it lists
// readers and their state, waits for a card to be inserted or removed,
// parses and identifies the card's ATR, and reads PIN and PUK retry
// counters when that is known to be harmless. It knows nothing of PKCS#11:
// it names the PKCS#11 module files that serve a card, and the pkcs11
// package resolves and loads them.
//
// Contract:
//   - PC/SC is reached through a narrow interface (establish, list
//     readers, get status change, cancel, connect, transmit, begin/end
//     transaction, disconnect) implemented with github.com/ebfe/scard when
//     built with cgo; a build without cgo compiles and every call returns
//     ErrNoPCSCSupport.
//   - Cards are opened in shared mode and used in short transactions, so
//     firma never locks other programs (browsers, gpg's scdaemon, the
//     vendor's middleware) out of the card.
//   - Waits use SCardGetStatusChange, with the \\?PnP?\Notification pseudo
//     reader to notice readers plugged in meanwhile; they end on timeout
//     or context cancellation (SCardCancel), never by polling with sleeps.
//   - Every card operation is bounded by a timeout: an unresponsive card
//     gives ErrUnresponsive instead of a hang.
//   - The empty VERIFY (00 20 00 ref without data, which reads the retry
//     counter on ISO 7816-4 cards) is sent only to card profiles marked
//     safe, or when the caller asks explicitly: some Italian CNS cards
//     count it as a failed try.
//   - PINs and PUKs are handled only by the PIN management functions
//     (pin.go: VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER), for
//     profiles whose PIN encoding is known. Each presents a secret once
//     and never retries; PINChange and PINUnblock first read the counter
//     where that is safe, refuse a blocked secret or a final try unless
//     allowed, and check the new PIN (internal/pinrules) before the card
//     sees anything. Secrets never appear in errors; the buffers holding
//     them are zeroed after use, and the card is reset when the
//     connection ends so no verified state is left behind.
//   - Errors are *Error values with a Kind (errors.Is(err, ErrNoService))
//     and a Hint telling the user what to do.
//
// Specifications: ISO/IEC 7816-3:2006 (ATR, clause 8), ISO/IEC 7816-4:2013
// (historical bytes, COMPACT-TLV, VERIFY 11.5.6, CHANGE REFERENCE DATA
// 11.5.7, RESET RETRY COUNTER 11.5.10, status words 5.6), PC/SC Workgroup
// specification part 5 (SCardGetStatusChange, reader states), the Italian
// CNS specification (ATR historical bytes, PIN references), and pcsc-tools'
// smartcard_list.txt format (read at run time, never embedded).
package card
