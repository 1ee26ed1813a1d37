package vcard

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// The Italian CNS file system as OpenSC's itacns driver reads it
// (pkcs15-itacns.c): the card serial in EF_IDCarta, the holder's name in
// EF_DatiPersonali, the CNS0 authentication certificate and public key
// (security environment 01, CNS PIN) and the CNS1 signature certificate,
// public key and key DF (security environment 10, signature PIN).
const (
	PathIDCarta       = "3F0010001003"
	PathDatiPersonali = "3F0011001102"
	PathCNS0Cert      = "3F0011001101"
	PathCNS0PubKey    = "3F003F01"
	PathCNS1Cert      = "3F0014009010"
	PathCNS1KeyDF     = "3F0014008110"
	PathCNS1PubKey    = "3F00140081108010"
)

// Key references of the CNS keys in MSE SET (the itacns driver's
// security environment numbers).
const (
	KeyRefCNS0 = 0x01
	KeyRefCNS1 = 0x10
)

// CNSContents is what LoadCNS writes on a card.
type CNSContents struct {
	// Serial is the card serial in EF_IDCarta (16 ASCII characters).
	Serial string
	// GivenName, Surname and FiscalCode fill EF_DatiPersonali (OpenSC
	// names the token "GIVEN SURNAME").
	GivenName, Surname, FiscalCode string
	// AuthCert and AuthKey are the CNS0 authentication certificate and
	// key; SignCert and SignKey the CNS1 signature ones. A nil
	// certificate leaves its files out (the card then has no such keyset).
	AuthCert *x509.Certificate
	AuthKey  *rsa.PrivateKey
	SignCert *x509.Certificate
	SignKey  *rsa.PrivateKey
}

type cnsFile struct {
	path string // full path from the MF, hex
	df   bool
	data []byte
}

func (f *cnsFile) fid() string { return f.path[len(f.path)-4:] }

type cnsKey struct {
	key    *rsa.PrivateKey
	pinRef byte // the PIN that must be verified
}

// cnsFS is the loaded file system with the card's selection and
// security environment state.
type cnsFS struct {
	files map[string]*cnsFile
	keys  map[byte]*cnsKey
	// current DF and EF (EF "" when a DF is selected)
	curDF, curEF string
	// se is the key chosen by MSE SET, 0 for none, and seOp the
	// operation it was set for (the control reference template tag in P2:
	// B6 signature, B8 confidentiality).
	se, seOp byte
	// signatures counts PSO COMPUTE DIGITAL SIGNATURE commands answered
	// with a signature.
	signatures int
}

func (f *cnsFS) reset() {
	f.curDF, f.curEF, f.se, f.seOp = "3F00", "", 0, 0
}

// datiPersonali encodes EF_DatiPersonali: six ASCII hex digits with the
// length of what follows, then fields each prefixed by two ASCII hex
// digits of length (issuer, issue date, expiry date, surname, given name,
// birth date, sex, height, codice fiscale), per the CNS specification as
// pkcs15-itacns.c parses it.
func datiPersonali(ct CNSContents) []byte {
	fields := []string{"TEST", "01012026", "01012032", ct.Surname, ct.GivenName, "01011980", "M", "", ct.FiscalCode}
	var b strings.Builder
	for _, f := range fields {
		fmt.Fprintf(&b, "%02x%s", len(f), f)
	}
	return []byte(fmt.Sprintf("%06x%s", b.Len(), b.String()))
}

// rsaPublicKey is the PKCS#1 RSAPublicKey of key, as CNS public key files
// hold it.
func rsaPublicKey(key *rsa.PrivateKey) []byte {
	return x509.MarshalPKCS1PublicKey(&key.PublicKey)
}

// LoadCNS turns the card into an Italian CNS card holding ct: the file
// system OpenSC's itacns driver reads, and the keys PSO COMPUTE DIGITAL
// SIGNATURE uses. The CNS0 key needs the profile's CNS PIN, the CNS1 key
// its signature PIN.
func (c *Card) LoadCNS(ct CNSContents) error {
	if len(ct.Serial) != 16 {
		return fmt.Errorf("card serial %q: want 16 characters", ct.Serial)
	}
	pinOf := func(name string) (byte, error) {
		for _, s := range c.profile.Secrets {
			if s.Name == name {
				return s.Ref, nil
			}
		}
		return 0, fmt.Errorf("profile %s has no %s", c.profile.Name, name)
	}
	fs := &cnsFS{files: map[string]*cnsFile{}, keys: map[byte]*cnsKey{}}
	for _, df := range []string{"3F00", "3F001000", "3F001100", "3F001400"} {
		fs.files[df] = &cnsFile{path: df, df: true}
	}
	ef := func(path string, data []byte) { fs.files[path] = &cnsFile{path: path, data: data} }
	ef("3F0010001002", []byte("FIRMA-VCARD"))
	ef(PathIDCarta, []byte(ct.Serial))
	ef(PathDatiPersonali, datiPersonali(ct))
	addKey := func(cert *x509.Certificate, key *rsa.PrivateKey, certPath, pubPath string, ref byte, pin string) error {
		if cert == nil {
			return nil
		}
		pub, ok := cert.PublicKey.(*rsa.PublicKey)
		if !ok || key == nil || !pub.Equal(&key.PublicKey) {
			return errors.New("each certificate needs its RSA private key")
		}
		pinRef, err := pinOf(pin)
		if err != nil {
			return err
		}
		ef(certPath, cert.Raw)
		ef(pubPath, rsaPublicKey(key))
		fs.keys[ref] = &cnsKey{key: key, pinRef: pinRef}
		return nil
	}
	if err := addKey(ct.AuthCert, ct.AuthKey, PathCNS0Cert, PathCNS0PubKey, KeyRefCNS0, "CNS PIN"); err != nil {
		return fmt.Errorf("CNS0: %w", err)
	}
	if ct.SignCert != nil {
		fs.files[PathCNS1KeyDF] = &cnsFile{path: PathCNS1KeyDF, df: true}
	}
	if err := addKey(ct.SignCert, ct.SignKey, PathCNS1Cert, PathCNS1PubKey, KeyRefCNS1, "signature PIN"); err != nil {
		return fmt.Errorf("CNS1: %w", err)
	}
	fs.reset()
	c.mu.Lock()
	c.fs = fs
	c.mu.Unlock()
	return nil
}

// Files lists the paths of the card's CNS files, sorted (nil before
// LoadCNS).
func (c *Card) Files() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fs == nil {
		return nil
	}
	out := make([]string, 0, len(c.fs.files))
	for p := range c.fs.files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Signatures returns how many signatures the card has computed.
func (c *Card) Signatures() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fs == nil {
		return 0
	}
	return c.fs.signatures
}

// fcp is the FCP template (ISO 7816-4 5.3.3) of a file: size (EFs),
// descriptor, identifier, and the itacns access conditions (read free,
// everything else never).
func (f *cnsFile) fcp() []byte {
	var body []byte
	if f.df {
		body = append(body, 0x82, 0x01, 0x38)
	} else {
		n := len(f.data)
		body = append(body, 0x80, 0x02, byte(n>>8), byte(n), 0x82, 0x01, 0x01)
	}
	id, _ := hex.DecodeString(f.fid())
	body = append(body, 0x83, 0x02, id[0], id[1])
	body = append(body, 0x86, 0x09, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)
	return append([]byte{0x62, byte(len(body))}, body...)
}

// cnsSelectLocked is SELECT on the CNS file system: by FID (P1 00, 01,
// 02), by path from the MF (08) or from the current DF (09). SELECT by
// AID (04) answers 6A82: this card has no applications, and other
// drivers that probe for theirs must leave it alone. P2 0C answers
// nothing, 00 and 04 the FCP.
func (c *Card) cnsSelectLocked(a apdu) []byte {
	fs := c.fs
	var fcp bool
	switch a.p2 & 0x0C {
	case 0x0C:
	case 0x00, 0x04:
		fcp = true
	default:
		return sw(swWrongP1P2)
	}
	var target string
	id := strings.ToUpper(hex.EncodeToString(a.data))
	switch a.p1 {
	case 0x04:
		return sw(swFileNotFound)
	case 0x00:
		switch {
		case len(a.data) == 0 || id == "3F00":
			target = "3F00"
		case len(a.data) != 2:
			return sw(swWrongLength)
		case strings.HasSuffix(fs.curDF, id):
			target = fs.curDF
		default:
			target = fs.curDF + id
			if _, ok := fs.files[target]; !ok && fs.curDF != "3F00" {
				// a sibling DF or EF of the parent
				target = fs.curDF[:len(fs.curDF)-4] + id
			}
		}
	case 0x01, 0x02: // child DF, EF under the current DF
		if len(a.data) != 2 {
			return sw(swWrongLength)
		}
		target = fs.curDF + id
	case 0x08, 0x09:
		if len(a.data) == 0 || len(a.data)%2 != 0 {
			return sw(swWrongData)
		}
		base := "3F00"
		if a.p1 == 0x09 {
			base = fs.curDF
		}
		if a.p1 == 0x08 && strings.HasPrefix(id, "3F00") {
			base = ""
		}
		target = base + id
	default:
		return sw(swWrongP1P2)
	}
	f, ok := fs.files[target]
	if !ok {
		return sw(swFileNotFound)
	}
	if f.df {
		fs.curDF, fs.curEF = f.path, ""
	} else {
		fs.curDF, fs.curEF = f.path[:len(f.path)-4], f.path
	}
	if !fcp {
		return sw(swOK)
	}
	return append(f.fcp(), sw(swOK)...)
}

// readBinaryLocked is READ BINARY of the current EF at the offset in
// P1-P2 (15 bits). Fewer bytes than asked, at the end of the file, come
// with 6282; an offset beyond the end is 6B00.
func (c *Card) readBinaryLocked(a apdu) []byte {
	fs := c.fs
	if a.p1&0x80 != 0 {
		return sw(swFuncNotSupp) // short EF identifiers: not on this card
	}
	f, ok := fs.files[fs.curEF]
	if !ok || fs.curEF == "" {
		return sw(swCondNotSat)
	}
	if len(a.data) != 0 {
		return sw(swWrongLength)
	}
	off := int(a.p1)<<8 | int(a.p2)
	if off > len(f.data) {
		return sw(swWrongOffset)
	}
	ne := a.ne
	if !a.hasLe {
		ne = 256
	}
	end := min(off+ne, len(f.data))
	out := bytes.Clone(f.data[off:end])
	if end-off < ne {
		return append(out, sw(swEndOfFile)...)
	}
	return append(out, sw(swOK)...)
}

// mseLocked is MANAGE SECURITY ENVIRONMENT: RESTORE (P1 F3) of any
// environment number, and SET (F1 or 41) of a key reference 83 01 <ref>
// (or 84 01 <ref>) for signing (P2 B6) or deciphering (B8). OpenSC
// chooses B8 for a key whose certificate allows no digitalSignature (a
// qualified certificate has nonRepudiation only) and then signs with a
// raw RSA decipher of the padded block.
func (c *Card) mseLocked(a apdu) []byte {
	fs := c.fs
	switch {
	case a.p1 == 0xF3:
		fs.se = 0
		return sw(swOK)
	case (a.p1 == 0xF1 || a.p1 == 0x41) && (a.p2 == 0xB6 || a.p2 == 0xB8):
		d := a.data
		var ref byte
		for len(d) >= 2 {
			tag, l := d[0], int(d[1])
			if len(d) < 2+l {
				return sw(swWrongData)
			}
			if (tag == 0x83 || tag == 0x84) && l == 1 {
				ref = d[2]
			}
			d = d[2+l:]
		}
		if len(d) != 0 || ref == 0 {
			return sw(swWrongData)
		}
		if _, ok := fs.keys[ref]; !ok {
			return sw(swRefNotFound)
		}
		fs.se, fs.seOp = ref, a.p2
		return sw(swOK)
	}
	return sw(swWrongP1P2)
}

// psoLocked is PERFORM SECURITY OPERATION: COMPUTE DIGITAL SIGNATURE (2A
// 9E 9A) on a block of the modulus length, or DECIPHER (2A 80 86) of a
// padding indicator 00 and such a block. Both are raw RSA (m^d mod n):
// the host pads (OpenSC's itacns driver declares RSA_RAW). The key chosen
// by MSE SET for that operation needs its PIN verified in this power
// cycle.
func (c *Card) psoLocked(a apdu) []byte {
	fs := c.fs
	block := a.data
	switch {
	case a.p1 == 0x9E && a.p2 == 0x9A:
		if fs.seOp != 0xB6 {
			return sw(swCondNotSat)
		}
	case a.p1 == 0x80 && a.p2 == 0x86:
		if fs.seOp != 0xB8 {
			return sw(swCondNotSat)
		}
		if len(block) == 0 || block[0] != 0x00 {
			return sw(swWrongData)
		}
		block = block[1:]
	default:
		return sw(swWrongP1P2)
	}
	k, ok := fs.keys[fs.se]
	if !ok {
		return sw(swCondNotSat)
	}
	if s := c.secrets[k.pinRef]; s == nil || !s.verified {
		return sw(swSecurityStatus)
	}
	size := k.key.Size()
	if len(block) != size {
		return sw(swWrongLength)
	}
	m := new(big.Int).SetBytes(block)
	if m.Cmp(k.key.N) >= 0 {
		return sw(swWrongData)
	}
	if a.hasLe && a.ne < size {
		return sw(swWrongLength)
	}
	s := new(big.Int).Exp(m, k.key.D, k.key.N)
	out := s.FillBytes(make([]byte, size))
	fs.signatures++
	return append(out, sw(swOK)...)
}
