package pkcs11

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/firma-dev/firma/internal/pinrules"
	"io"
	"math/big"
	"sync"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	p11 "github.com/miekg/pkcs11"
)

// PINRequest tells a PIN callback what is being asked.
type PINRequest struct {
	Token TokenInfo
	// SO is set when the PUK (security officer PIN) is asked.
	SO bool
	// State is the PIN state before the attempt.
	State PINState
}

// PINFunc returns the PIN for a request. It is called at most once per
// login, and only when a login is really needed.
type PINFunc func(PINRequest) ([]byte, error)

// LoginOptions are the rules for logging in.
type LoginOptions struct {
	PIN PINFunc
	// AllowFinalTry permits a login when the token says the next wrong
	// PIN blocks it.
	AllowFinalTry bool
}

// SigningCertificate picks the signing certificate on the token (see
// SelectSigning) and its chain from the token's CA certificates.
func (t *Token) SigningCertificate(sel KeySelector) (*Certificate, []*x509.Certificate, error) {
	certs, err := t.Certificates()
	if err != nil {
		return nil, nil, err
	}
	c, err := SelectSigning(certs, sel)
	if err != nil {
		var nc *NoCertificateError
		if errors.As(err, &nc) {
			nc.Token = t.Info.Label
		}
		return nil, nil, err
	}
	return c, Chain(c.Cert, certs), nil
}

// checkPINState refuses a login the token says is unsafe.
func checkPINState(state PINState, so, allowFinal bool) error {
	switch state {
	case PINLocked:
		return &PINLockedError{SO: so}
	case PINFinalTry:
		if !allowFinal {
			return &FinalTryError{SO: so}
		}
	}
	return nil
}

// login performs one login of userType on session s, following the
// safety rules: check the flags first, ask the PIN lazily, one attempt,
// no retry. It returns the PIN when keep is set (for context-specific
// logins), otherwise it zeroes it.
func (t *Token) login(s uint, userType uint, opts LoginOptions, keep bool) ([]byte, error) {
	so := userType == p11.CKU_SO
	info, err := t.Refresh()
	if err != nil {
		return nil, err
	}
	state := info.PIN
	if so {
		state = info.PUK
	}
	if err := checkPINState(state, so, opts.AllowFinalTry); err != nil {
		return nil, err
	}
	var pin []byte
	if !info.PINPad {
		if opts.PIN == nil {
			return nil, errors.New("a PIN is needed and no way to ask for it was given")
		}
		pin, err = opts.PIN(PINRequest{Token: info, SO: so, State: state})
		if err != nil {
			return nil, err
		}
		if err := t.checkCurrent(pin, so); err != nil {
			zero(pin)
			return nil, err
		}
	}
	err = t.m.p.Login(s, userType, string(pin))
	if !keep {
		zero(pin)
		pin = nil
	}
	if err := t.loginError(err, so); err != nil {
		zero(pin)
		return nil, err
	}
	return pin, nil
}

// loginError maps a C_Login result; a wrong PIN re-reads the flags to
// say how many tries are left.
func (t *Token) loginError(err error, so bool) error {
	switch pkcs11Code(err) {
	case 0, p11.CKR_USER_ALREADY_LOGGED_IN:
		return nil
	case p11.CKR_PIN_INCORRECT:
		state := PINUnknown
		var left *int
		if info, rerr := t.Refresh(); rerr == nil {
			state, left = info.PIN, info.PINTries
			if so {
				state, left = info.PUK, info.PUKTries
			}
		}
		return &PINIncorrectError{State: state, SO: so, Remaining: left}
	case p11.CKR_PIN_LOCKED:
		return &PINLockedError{SO: so}
	case p11.CKR_PIN_LEN_RANGE, p11.CKR_PIN_INVALID:
		return &PINFormatError{Reason: "the token refused its length or characters (no try was counted)", Problem: pinrules.TokenRefused}
	}
	return wrapCall("logging in", err)
}

func zero(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// Key is the token's private key for a certificate, as a crypto.Signer.
// It logs in lazily, on the first signature or on Login, once for its
// lifetime; it is safe for concurrent use (signatures are serialized on
// its one session).
type Key struct {
	t    *Token
	cert *Certificate
	opts LoginOptions

	mu         sync.Mutex
	session    uint
	hasSession bool
	loggedIn   bool
	handle     uint
	alwaysAuth bool
	pin        []byte // kept only for CKA_ALWAYS_AUTHENTICATE keys
	mechs      map[uint]bool
}

// Signer returns the key for cert. Nothing is asked of the token yet.
func (t *Token) Signer(cert *Certificate, opts LoginOptions) *Key {
	return &Key{t: t, cert: cert, opts: opts}
}

// Public returns the public key, taken from the certificate.
func (k *Key) Public() crypto.PublicKey { return k.cert.Cert.PublicKey }

// Certificate returns the certificate the key belongs to.
func (k *Key) Certificate() *Certificate { return k.cert }

// Login logs in now (asking the PIN) and finds the private key, so a
// batch fails on a wrong PIN before it writes anything.
func (k *Key) Login() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.ensure()
}

func (k *Key) ensure() error {
	if k.loggedIn {
		return nil
	}
	if !k.hasSession {
		s, err := k.t.m.p.OpenSession(k.t.Info.SlotID, ckfSerialSession)
		if err != nil {
			return wrapCall("opening a session", err)
		}
		k.session, k.hasSession = s, true
	}
	pin, err := k.t.login(k.session, p11.CKU_USER, k.opts, true)
	if err != nil {
		return err
	}
	k.loggedIn = true
	k.pin = pin
	if err := k.findKey(); err != nil {
		return err
	}
	if !k.alwaysAuth {
		zero(k.pin)
		k.pin = nil
	}
	mechs, err := k.t.Mechanisms()
	if err == nil {
		k.mechs = map[uint]bool{}
		for _, m := range mechs {
			k.mechs[m] = true
		}
	}
	return nil
}

// findKey finds the private key of the certificate: by CKA_ID, else by
// the RSA modulus, else the only private key of the right type.
func (k *Key) findKey() error {
	keyType := uint(p11.CKK_RSA)
	if _, ok := k.Public().(*ecdsa.PublicKey); ok {
		keyType = p11.CKK_EC
	}
	tmpl := []Attribute{
		{Type: p11.CKA_CLASS, Value: ulongAttr(p11.CKO_PRIVATE_KEY)},
		{Type: p11.CKA_KEY_TYPE, Value: ulongAttr(keyType)},
	}
	if k.cert.ID != nil {
		objs, err := k.t.m.p.FindObjects(k.session, append(tmpl, Attribute{Type: p11.CKA_ID, Value: k.cert.ID}), 2)
		if err != nil {
			return wrapCall("finding the private key", err)
		}
		if len(objs) == 1 {
			return k.useKey(objs[0])
		}
	}
	objs, err := k.t.m.p.FindObjects(k.session, tmpl, maxObjects)
	if err != nil {
		return wrapCall("finding the private key", err)
	}
	if rsaPub, ok := k.Public().(*rsa.PublicKey); ok {
		for _, o := range objs {
			if n, err := k.t.attr(k.session, o, p11.CKA_MODULUS); err == nil && bytes.Equal(n, rsaPub.N.Bytes()) {
				return k.useKey(o)
			}
		}
	}
	if len(objs) == 1 && k.cert.ID == nil {
		return k.useKey(objs[0])
	}
	return &NoKeyError{Label: k.cert.Label}
}

func (k *Key) useKey(o uint) error {
	k.handle = o
	if v, err := k.t.attr(k.session, o, p11.CKA_ALWAYS_AUTHENTICATE); err == nil && len(v) == 1 && v[0] != 0 {
		k.alwaysAuth = true
	}
	return nil
}

// digestInfoPrefixes are the DER DigestInfo headers for PKCS#1 v1.5
// (RFC 8017 §9.2 note 1): CKM_RSA_PKCS signs DigestInfo||hash as given.
var digestInfoPrefixes = map[crypto.Hash][]byte{
	crypto.SHA1:   {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14},
	crypto.SHA224: {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

var pssHashMechs = map[crypto.Hash][2]uint{
	crypto.SHA256: {p11.CKM_SHA256, p11.CKG_MGF1_SHA256},
	crypto.SHA384: {p11.CKM_SHA384, p11.CKG_MGF1_SHA384},
	crypto.SHA512: {p11.CKM_SHA512, p11.CKG_MGF1_SHA512},
}

// Sign signs digest with the token key: RSA PKCS#1 v1.5 (DigestInfo
// added here), RSA-PSS when opts is *rsa.PSSOptions and the token has
// CKM_RSA_PKCS_PSS, ECDSA with the r||s result converted to DER.
func (k *Key) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	h := opts.HashFunc()
	if h != 0 && len(digest) != h.Size() {
		return nil, fmt.Errorf("digest is %d bytes, %v wants %d", len(digest), h, h.Size())
	}
	var mech Mechanism
	var data []byte
	switch k.Public().(type) {
	case *rsa.PublicKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			hm, ok := pssHashMechs[h]
			if !ok {
				return nil, fmt.Errorf("RSA-PSS with %v is not supported", h)
			}
			salt := pss.SaltLength
			if salt == rsa.PSSSaltLengthEqualsHash || salt == rsa.PSSSaltLengthAuto {
				salt = h.Size()
			}
			mech = Mechanism{Mechanism: p11.CKM_RSA_PKCS_PSS, Parameter: pssParams(hm[0], hm[1], uint(salt))}
			data = digest
		} else {
			prefix, ok := digestInfoPrefixes[h]
			if !ok && h != 0 {
				return nil, fmt.Errorf("RSA PKCS#1 v1.5 with %v is not supported", h)
			}
			mech = Mechanism{Mechanism: p11.CKM_RSA_PKCS}
			data = append(append([]byte{}, prefix...), digest...)
		}
	case *ecdsa.PublicKey:
		mech = Mechanism{Mechanism: p11.CKM_ECDSA}
		data = digest
	default:
		return nil, fmt.Errorf("unsupported key type %T", k.Public())
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.ensure(); err != nil {
		return nil, err
	}
	if k.mechs != nil && !k.mechs[mech.Mechanism] {
		return nil, fmt.Errorf("the token does not support mechanism %#x for this key", mech.Mechanism)
	}
	if err := k.t.m.p.SignInit(k.session, mech, k.handle); err != nil {
		return nil, k.signError("starting the signature", err)
	}
	if k.alwaysAuth {
		// The key wants the PIN for every signature: a context-specific
		// login with the PIN given once for this key.
		if err := k.t.loginError(k.t.m.p.Login(k.session, p11.CKU_CONTEXT_SPECIFIC, string(k.pin)), false); err != nil {
			return nil, err
		}
	}
	sig, err := k.t.m.p.Sign(k.session, data)
	if err != nil {
		return nil, k.signError("signing", err)
	}
	if _, ok := k.Public().(*ecdsa.PublicKey); ok {
		return ecdsaDER(sig)
	}
	return sig, nil
}

// signError maps a failed C_SignInit or C_Sign: a module that lists the
// key and then refuses the operation gets a typed error.
func (k *Key) signError(op string, err error) error {
	switch code := pkcs11Code(err); code {
	case p11.CKR_FUNCTION_NOT_SUPPORTED, p11.CKR_KEY_SIZE_RANGE, p11.CKR_KEY_FUNCTION_NOT_PERMITTED:
		e := &SignNotSupportedError{Module: k.t.m.Profile.Name, Token: k.t.Info.Label, Code: code}
		if pub, ok := k.Public().(*rsa.PublicKey); ok {
			e.KeyBits = pub.N.BitLen()
		}
		return e
	case p11.CKR_GENERAL_ERROR, p11.CKR_FUNCTION_FAILED, p11.CKR_DEVICE_ERROR:
		// OpenSC reports a card pulled out mid-command as a general
		// error: ask the slot, giving pcscd the moment its presence poll
		// takes to notice.
		if k.tokenGone() {
			return &TokenRemovedError{Op: op}
		}
	}
	return wrapCall(op, err)
}

// removalGrace bounds how long a failed signature waits for the slot to
// report the card gone (pcscd polls presence about every 400 ms).
const removalGrace = 1500 * time.Millisecond

// tokenGone reports whether the token's slot is (or within removalGrace
// becomes) empty.
func (k *Key) tokenGone() bool {
	deadline := time.Now().Add(removalGrace)
	for {
		si, err := k.t.m.p.GetSlotInfo(k.t.Info.SlotID)
		if err != nil || si.Flags&p11.CKF_TOKEN_PRESENT == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ecdsaDER converts PKCS#11's r||s to the DER Ecdsa-Sig-Value of X9.62.
func ecdsaDER(rs []byte) ([]byte, error) {
	if len(rs) == 0 || len(rs)%2 != 0 {
		return nil, fmt.Errorf("token returned a malformed ECDSA signature (%d bytes)", len(rs))
	}
	r := new(big.Int).SetBytes(rs[:len(rs)/2])
	s := new(big.Int).SetBytes(rs[len(rs)/2:])
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(s)
	})
	return b.Bytes()
}

// Close logs out and closes the key's session, and forgets the PIN.
func (k *Key) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	zero(k.pin)
	k.pin = nil
	if !k.hasSession {
		return nil
	}
	if k.loggedIn {
		k.t.m.p.Logout(k.session)
		k.loggedIn = false
	}
	k.hasSession = false
	return k.t.m.p.CloseSession(k.session)
}

// pssParams encodes CK_RSA_PKCS_PSS_PARAMS: hashAlg, mgf, sLen as
// native CK_ULONGs.
func pssParams(hash, mgf, salt uint) []byte {
	return append(append(ulongAttr(hash), ulongAttr(mgf)...), ulongAttr(salt)...)
}
