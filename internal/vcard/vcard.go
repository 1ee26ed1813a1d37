// Package vcard is a virtual Italian signature smartcard that speaks the
// vpcd protocol of virtualsmartcard 0.8 (Debian's vsmartcard-vpcd), so a
// real pcscd serves it to PC/SC clients exactly like a card in a reader.
//
// Contract: a Card emulates one card profile (ATR and PIN behaviour) with
// ISO/IEC 7816-4 SELECT, VERIFY (with and without data), CHANGE REFERENCE
// DATA and RESET RETRY COUNTER, real PIN and PUK retry counters (3 tries,
// 63Cx, 6983 when blocked), command chaining, extended-length APDUs on
// profiles that take them, and a log of every APDU it received. LoadCNS
// turns it into an Italian CNS card that OpenSC's itacns driver reads
// (cns.go): the CNS file system with SELECT by path and FCP, READ BINARY
// (6282 at the end of a file), MSE RESTORE/SET and PSO COMPUTE DIGITAL
// SIGNATURE or DECIPHER doing raw RSA with keys that need their PIN. Tests and
// the firma-vcard command insert it (connect to vpcd), remove it (close the
// connection, also in the middle of a transaction) and make it
// unresponsive; counters, verification state and the log are observable.
//
// vpcd protocol (virtualsmartcard vpcd.c): the card is the TCP client.
// Each message is a 2-byte big-endian length plus payload. A 1-byte
// payload is a control byte (00 power off, 01 power on, 02 reset, 04 get
// ATR, answered with the ATR even when powered off); any other payload is a
// command APDU, answered with the response APDU. Closing the connection
// removes the card. vpcd writes each message in two segments, so the card
// re-arms TCP_QUICKACK after every read, or each APDU would stall for the
// 40 ms delayed-ACK timer.
//
// The PIN references and the empty-VERIFY behaviour of each profile follow
// FACTS.md ("PIN references and APDUs"); they model real cards as far as
// public sources describe them and are test infrastructure, not a
// specification of those cards.
package vcard

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Status words the card answers with.
const (
	swOK             = 0x9000
	swWrongLength    = 0x6700
	swSecurityStatus = 0x6982
	swBlocked        = 0x6983
	swWrongData      = 0x6A80
	swFileNotFound   = 0x6A82
	swWrongP1P2      = 0x6A86
	swRefNotFound    = 0x6A88
	swInsNotSupp     = 0x6D00
	swClaNotSupp     = 0x6E00
	// more statuses of the CNS file system and crypto (cns.go)
	swEndOfFile       = 0x6282
	swChainUnexpected = 0x6883
	swCondNotSat      = 0x6985
	swWrongOffset     = 0x6B00
	swFuncNotSupp     = 0x6A81
)

// MaxTries is the retry limit of every PIN and PUK on the virtual cards.
const MaxTries = 3

// Secret describes one PIN or PUK on a profile.
type Secret struct {
	// Ref is the VERIFY reference (P2).
	Ref byte
	// Name is a label for logs ("signature PIN").
	Name string
	// PUKRef is, for a PIN, the reference of the PUK that resets it with
	// RESET RETRY COUNTER; 0 for a PUK.
	PUKRef byte
}

// Profile is the static description of an emulated card.
type Profile struct {
	// Name is the key used by New and firma-vcard --profile.
	Name string
	// Description says which real card the profile imitates.
	Description string
	// ATR is the answer to reset the card reports.
	ATR []byte
	// Secrets are the PINs and PUKs on the card.
	Secrets []Secret
	// ExtendedAPDU is set on cards that take extended-length APDUs (CNS
	// 1.1 cards with 2048-bit keys); others answer 6700 to them.
	ExtendedAPDU bool
	// EmptyVerifyCounts makes a VERIFY without data count as a failed
	// try (and answer 63Cx with the decremented counter), as some cards
	// do; otherwise it is the ISO 7816-4 retry-counter query.
	EmptyVerifyCounts bool
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// cnsSecrets are the references of FACTS.md: signature PIN 0x1A / PUK 0x1B
// and CNS PIN 0x10 / PUK 0x11; STIncard cards add 0x80 to the signature
// ones.
func cnsSecrets(sigOffset byte) []Secret {
	return []Secret{
		{Ref: 0x1A | sigOffset, Name: "signature PIN", PUKRef: 0x1B | sigOffset},
		{Ref: 0x1B | sigOffset, Name: "signature PUK"},
		{Ref: 0x10, Name: "CNS PIN", PUKRef: 0x11},
		{Ref: 0x11, Name: "CNS PUK"},
	}
}

// Profiles are the emulated cards, by name.
var Profiles = map[string]Profile{
	"aruba": {
		Name:              "aruba",
		Description:       "Aruba Key signature card by Incard (ST + STIncard); an empty VERIFY costs a try",
		ATR:               mustHex("3B FF 96 00 00 81 31 FE 55 00 6B 02 09 04 03 01 01 01 43 4E 53 10 31 80 EB"),
		Secrets:           cnsSecrets(0x80),
		EmptyVerifyCounts: true,
	},
	"idemia": {
		Name:         "idemia",
		Description:  "IDEMIA ID-One CNS v2 (CNS 1.1); an empty VERIFY reads the counter",
		ATR:          mustHex("3B FF 18 00 00 81 31 FE 45 00 6B 11 05 07 00 01 11 01 43 4E 53 11 31 80 7B"),
		Secrets:      cnsSecrets(0),
		ExtendedAPDU: true,
	},
	"athena": {
		Name:        "athena",
		Description: "Bit4id Digital-DNA Key (Atmel + Athena); an empty VERIFY reads the counter",
		ATR:         mustHex("3B FF 18 00 00 81 31 FE 45 00 6B 15 0C 03 02 01 01 01 43 4E 53 10 31 80 61"),
		Secrets:     cnsSecrets(0),
	},
	"unknown": {
		Name:        "unknown",
		Description: "a card no list knows (T=1, made-up historical bytes)",
		ATR:         mustHex("3B 88 80 01 46 49 52 4D 41 54 53 54 0B"),
		Secrets:     cnsSecrets(0),
	},
}

// ProfileNames lists the profile names, sorted.
func ProfileNames() []string {
	names := make([]string, 0, len(Profiles))
	for n := range Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Default secrets of a new card.
const (
	DefaultPIN = "12345678"
	DefaultPUK = "87654321"
)

// Entry is one logged command APDU with the card's answer.
type Entry struct {
	Command  []byte
	Response []byte // nil when the card did not answer (unresponsive, removed)
}

// INS is the command's instruction byte, 0 for a malformed command.
func (e Entry) INS() byte {
	if len(e.Command) < 4 {
		return 0
	}
	return e.Command[1]
}

func (e Entry) String() string {
	return fmt.Sprintf("%X -> %X", e.Command, e.Response)
}

type secretState struct {
	Secret
	value    []byte // padded to 8 bytes with 0xFF
	tries    int
	verified bool
}

// Card is one virtual card. Its methods are safe for concurrent use.
type Card struct {
	profile Profile

	mu      sync.Mutex
	secrets map[byte]*secretState
	powered bool
	log     []Entry
	// hooks
	unresponsive bool
	removeOn     func(apdu []byte) bool
	conn         *conn
	// CNS file system and keys (cns.go); nil until LoadCNS.
	fs      *cnsFS
	chain   *apdu         // the command chain being collected
	changed chan struct{} // closed and replaced on every log append or state change
}

// New returns a card for the named profile with DefaultPIN and DefaultPUK
// and full counters.
func New(profile string) (*Card, error) {
	p, ok := Profiles[profile]
	if !ok {
		return nil, fmt.Errorf("unknown virtual card profile %q (known: %s)", profile, strings.Join(ProfileNames(), ", "))
	}
	c := &Card{profile: p, secrets: map[byte]*secretState{}, changed: make(chan struct{})}
	for _, s := range p.Secrets {
		v := DefaultPIN
		if s.PUKRef == 0 {
			v = DefaultPUK
		}
		c.secrets[s.Ref] = &secretState{Secret: s, value: pad(v), tries: MaxTries}
	}
	return c, nil
}

// Profile returns the card's profile.
func (c *Card) Profile() Profile { return c.profile }

// ATR returns the card's answer to reset.
func (c *Card) ATR() []byte { return bytes.Clone(c.profile.ATR) }

func pad(v string) []byte {
	b := bytes.Repeat([]byte{0xFF}, 8)
	copy(b, v)
	return b
}

// SetSecret sets the value of the PIN or PUK ref and resets its counter.
func (c *Card) SetSecret(ref byte, value string) error {
	if len(value) > 8 {
		return fmt.Errorf("secret longer than 8 bytes")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.secrets[ref]
	if !ok {
		return fmt.Errorf("no secret with reference %02X", ref)
	}
	s.value, s.tries, s.verified = pad(value), MaxTries, false
	return nil
}

// SetTries sets the remaining tries of ref (0 blocks it).
func (c *Card) SetTries(ref byte, n int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.secrets[ref]
	if !ok {
		return fmt.Errorf("no secret with reference %02X", ref)
	}
	s.tries = n
	return nil
}

// Tries returns the remaining tries of ref, or -1 if the card has no such
// reference.
func (c *Card) Tries(ref byte) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.secrets[ref]; ok {
		return s.tries
	}
	return -1
}

// Verified reports whether ref is verified in the current power cycle.
func (c *Card) Verified(ref byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.secrets[ref]
	return ok && s.verified
}

// Secret reports whether value is the current value of ref (tests of PIN
// change and unblock read it).
func (c *Card) Secret(ref byte, value string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.secrets[ref]
	return ok && bytes.Equal(s.value, pad(value))
}

// Log returns a copy of every command APDU received so far.
func (c *Card) Log() []Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Entry, len(c.log))
	for i, e := range c.log {
		out[i] = Entry{Command: bytes.Clone(e.Command), Response: bytes.Clone(e.Response)}
	}
	return out
}

// ClearLog forgets the logged APDUs.
func (c *Card) ClearLog() {
	c.mu.Lock()
	c.log = nil
	c.mu.Unlock()
}

// Count returns how many logged commands have instruction ins.
func (c *Card) Count(ins byte) int {
	n := 0
	for _, e := range c.Log() {
		if e.INS() == ins {
			n++
		}
	}
	return n
}

// Changed returns a channel closed at the next APDU or connection change,
// so tests wait for the card without sleeping.
func (c *Card) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

func (c *Card) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// SetUnresponsive makes the card stop answering command APDUs (it keeps
// answering vpcd's control messages, like a card that powers up and then
// goes mute). Commands received meanwhile are logged without response.
func (c *Card) SetUnresponsive(on bool) {
	c.mu.Lock()
	c.unresponsive = on
	c.mu.Unlock()
}

// RemoveOn arms a trigger: the first command APDU for which match returns
// true is logged and, instead of being answered, the card is removed
// (its connection closed), simulating a card pulled out mid-operation.
// A nil match disarms it.
func (c *Card) RemoveOn(match func(apdu []byte) bool) {
	c.mu.Lock()
	c.removeOn = match
	c.mu.Unlock()
}

// action is what the connection does with a command.
type action int

const (
	actAnswer action = iota
	actSilent
	actRemove
)

// handleAPDU logs cmd and returns the card's answer.
func (c *Card) handleAPDU(cmd []byte) ([]byte, action) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.notifyLocked()
	entry := Entry{Command: bytes.Clone(cmd)}
	if c.removeOn != nil && c.removeOn(cmd) {
		c.removeOn = nil
		c.log = append(c.log, entry)
		return nil, actRemove
	}
	if c.unresponsive {
		c.log = append(c.log, entry)
		return nil, actSilent
	}
	resp := c.executeLocked(cmd)
	entry.Response = bytes.Clone(resp)
	c.log = append(c.log, entry)
	return resp, actAnswer
}

func sw(code int) []byte { return []byte{byte(code >> 8), byte(code)} }

// apdu is a parsed command APDU (ISO 7816-4 5.1, cases 1 to 4, short
// or extended length).
type apdu struct {
	cla, ins, p1, p2 byte
	data             []byte
	hasLe            bool
	// ne is the maximum response length the command asks for (256 for a
	// short Le of 00, 65536 for an extended one of 0000).
	ne       int
	extended bool
}

func parseAPDU(b []byte) (apdu, bool) {
	if len(b) < 4 {
		return apdu{}, false
	}
	a := apdu{cla: b[0], ins: b[1], p1: b[2], p2: b[3]}
	body := b[4:]
	shortLe := func(v byte) int {
		if v == 0 {
			return 256
		}
		return int(v)
	}
	extLe := func(v []byte) int {
		n := int(v[0])<<8 | int(v[1])
		if n == 0 {
			return 65536
		}
		return n
	}
	switch {
	case len(body) == 0: // case 1
	case len(body) == 1: // case 2S: Le
		a.hasLe, a.ne = true, shortLe(body[0])
	case body[0] == 0 && len(body) == 3: // case 2E
		a.hasLe, a.ne, a.extended = true, extLe(body[1:]), true
	case body[0] == 0 && len(body) > 3: // case 3E, 4E
		lc := int(body[1])<<8 | int(body[2])
		if lc == 0 || len(body) != 3+lc && len(body) != 5+lc {
			return apdu{}, false
		}
		a.data, a.extended = body[3:3+lc], true
		if len(body) == 5+lc {
			a.hasLe, a.ne = true, extLe(body[3+lc:])
		}
	default: // case 3S, 4S
		lc := int(body[0])
		if lc == 0 || len(body) < 1+lc || len(body) > 2+lc {
			return apdu{}, false
		}
		a.data = body[1 : 1+lc]
		if len(body) == 2+lc {
			a.hasLe, a.ne = true, shortLe(body[1+lc])
		}
	}
	return a, true
}

// claChaining is the command-chaining bit of an interindustry CLA (ISO
// 7816-4 5.4.2): more commands of the same chain follow.
const claChaining = 0x10

func (c *Card) executeLocked(raw []byte) []byte {
	a, ok := parseAPDU(raw)
	if !ok {
		c.chain = nil
		return sw(swWrongLength)
	}
	if a.cla&0xE0 != 0x00 && a.cla&0xE0 != 0x80 {
		c.chain = nil
		return sw(swClaNotSupp)
	}
	if a.extended && !c.profile.ExtendedAPDU {
		c.chain = nil
		return sw(swWrongLength)
	}
	// Command chaining: the parts are collected and the last command
	// runs with the whole data field.
	if a.cla&claChaining != 0 {
		if c.chain != nil && (c.chain.ins != a.ins || c.chain.p1 != a.p1 || c.chain.p2 != a.p2) {
			c.chain = nil
			return sw(swChainUnexpected)
		}
		if c.chain == nil {
			c.chain = &apdu{cla: a.cla &^ claChaining, ins: a.ins, p1: a.p1, p2: a.p2}
		}
		if len(c.chain.data)+len(a.data) > maxChain {
			c.chain = nil
			return sw(swWrongLength)
		}
		c.chain.data = append(c.chain.data, a.data...)
		return sw(swOK)
	}
	if c.chain != nil {
		if c.chain.ins != a.ins || c.chain.p1 != a.p1 || c.chain.p2 != a.p2 {
			c.chain = nil
			return sw(swChainUnexpected)
		}
		a.data = append(c.chain.data, a.data...)
		c.chain = nil
	}
	if c.fs != nil {
		switch a.ins {
		case 0xA4:
			return c.cnsSelectLocked(a)
		case 0xB0:
			return c.readBinaryLocked(a)
		case 0x22:
			return c.mseLocked(a)
		case 0x2A:
			return c.psoLocked(a)
		}
	}
	switch a.ins {
	case 0xA4:
		return c.selectLocked(a)
	case 0x20:
		return c.verifyLocked(a)
	case 0x24:
		return c.changeLocked(a)
	case 0x2C:
		return c.resetLocked(a)
	}
	return sw(swInsNotSupp)
}

// maxChain bounds the data a command chain may collect.
const maxChain = 4096

// files the card knows: MF and the CNS DFs.
var files = map[string]bool{"3F00": true, "1100": true, "1400": true, "1000": true}

func (c *Card) selectLocked(a apdu) []byte {
	switch a.p1 {
	case 0x00, 0x01, 0x02, 0x08, 0x09:
	default:
		return sw(swWrongP1P2)
	}
	if len(a.data) == 0 {
		if a.p1 == 0x00 { // select MF
			return sw(swOK)
		}
		return sw(swWrongLength)
	}
	id := fmt.Sprintf("%X", a.data)
	if a.p1 == 0x08 || a.p1 == 0x09 { // path: check each component
		if len(a.data)%2 != 0 {
			return sw(swWrongData)
		}
		for i := 0; i < len(a.data); i += 2 {
			if !files[fmt.Sprintf("%X", a.data[i:i+2])] {
				return sw(swFileNotFound)
			}
		}
		return sw(swOK)
	}
	if !files[id] {
		return sw(swFileNotFound)
	}
	return sw(swOK)
}

func triesSW(n int) []byte {
	if n <= 0 {
		return sw(swBlocked)
	}
	return sw(0x63C0 | n&0x0F)
}

// check compares value with s, updating the counter; it returns the status.
func check(s *secretState, value []byte) []byte {
	if s.tries <= 0 {
		return sw(swBlocked)
	}
	if len(value) != 8 || !bytes.Equal(value, s.value) {
		s.tries--
		s.verified = false
		return triesSW(s.tries)
	}
	s.tries = MaxTries
	return sw(swOK)
}

func (c *Card) verifyLocked(a apdu) []byte {
	if a.p1 != 0x00 {
		return sw(swWrongP1P2)
	}
	s, ok := c.secrets[a.p2]
	if !ok {
		return sw(swRefNotFound)
	}
	if len(a.data) == 0 {
		if s.tries <= 0 {
			return sw(swBlocked)
		}
		if c.profile.EmptyVerifyCounts {
			s.tries--
			s.verified = false
			return triesSW(s.tries)
		}
		if s.verified {
			return sw(swOK)
		}
		return triesSW(s.tries)
	}
	r := check(s, a.data)
	if bytes.Equal(r, sw(swOK)) {
		s.verified = true
	}
	return r
}

func (c *Card) changeLocked(a apdu) []byte {
	if a.p1 != 0x00 {
		return sw(swWrongP1P2)
	}
	s, ok := c.secrets[a.p2]
	if !ok {
		return sw(swRefNotFound)
	}
	if len(a.data) != 16 {
		return sw(swWrongLength)
	}
	r := check(s, a.data[:8])
	if !bytes.Equal(r, sw(swOK)) {
		return r
	}
	s.value = bytes.Clone(a.data[8:])
	s.verified = true
	return r
}

func (c *Card) resetLocked(a apdu) []byte {
	if a.p1 != 0x00 {
		return sw(swWrongP1P2)
	}
	s, ok := c.secrets[a.p2]
	if !ok || s.PUKRef == 0 {
		return sw(swRefNotFound)
	}
	puk, ok := c.secrets[s.PUKRef]
	if !ok {
		return sw(swRefNotFound)
	}
	if len(a.data) != 16 {
		return sw(swWrongLength)
	}
	r := check(puk, a.data[:8])
	if !bytes.Equal(r, sw(swOK)) {
		return r
	}
	s.value = bytes.Clone(a.data[8:])
	s.tries = MaxTries
	s.verified = false
	return r
}

// powerLocked handles a power change: verification does not survive it.
func (c *Card) powerLocked(on bool) {
	c.powered = on
	c.chain = nil
	if c.fs != nil {
		c.fs.reset()
	}
	for _, s := range c.secrets {
		s.verified = false
	}
}
