package pdf

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/rand"
	"crypto/rc4"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
)

// PasswordError reports an encrypted file whose password was not given
// or is wrong.
type PasswordError struct {
	// Given is true when a password was given (and is wrong).
	Given bool
}

func (e *PasswordError) Error() string {
	if e.Given {
		return "the PDF is encrypted and the password given does not open it"
	}
	return "the PDF is encrypted and needs a password"
}

// UnsupportedEncryptionError reports a security handler the reader does
// not implement (public-key handlers, unknown revisions).
type UnsupportedEncryptionError struct{ What string }

func (e *UnsupportedEncryptionError) Error() string {
	return "unsupported PDF encryption: " + e.What
}

type cryptMethod int

const (
	cmNone cryptMethod = iota
	cmRC4
	cmAESV2
	cmAESV3
)

type crypt struct {
	key      []byte
	rev      int64
	str, stm cryptMethod
}

var padding = []byte{0x28, 0xBF, 0x4E, 0x5E, 0x4E, 0x75, 0x8A, 0x41, 0x64, 0x00, 0x4E, 0x56, 0xFF, 0xFA, 0x01, 0x08,
	0x2E, 0x2E, 0x00, 0xB6, 0xD0, 0x68, 0x3E, 0x80, 0x2F, 0x0C, 0xA9, 0xFE, 0x64, 0x53, 0x69, 0x7A}

func pad32(pw []byte) []byte {
	out := make([]byte, 32)
	n := copy(out, pw)
	copy(out[n:], padding)
	return out
}

func (r *Reader) newCrypt(enc Object, password []byte) (*crypt, error) {
	d, err := r.ResolveDict(enc)
	if err != nil {
		return nil, err
	}
	if d == nil {
		return nil, &SyntaxError{Msg: "bad /Encrypt"}
	}
	if d.Name("Filter") != "Standard" {
		return nil, &UnsupportedEncryptionError{What: "security handler " + string(d.Name("Filter"))}
	}
	v, _ := d.Int("V")
	rev, _ := d.Int("R")
	str := func(k Name) []byte { s, _ := d[k].(String); return s.Value }
	o, u := str("O"), str("U")
	p, _ := d.Int("P")
	c := &crypt{rev: rev}
	method := func(name Name) (cryptMethod, error) {
		if name == "Identity" || name == "" {
			return cmNone, nil
		}
		cf, _ := r.ResolveDict(d["CF"])
		f, _ := r.ResolveDict(cf[name])
		switch f.Name("CFM") {
		case "V2":
			return cmRC4, nil
		case "AESV2":
			return cmAESV2, nil
		case "AESV3":
			return cmAESV3, nil
		case "None":
			return cmNone, nil
		}
		return 0, &UnsupportedEncryptionError{What: "crypt filter " + string(f.Name("CFM"))}
	}
	switch v {
	case 1, 2:
		c.str, c.stm = cmRC4, cmRC4
	case 4, 5:
		if c.str, err = method(d.Name("StrF")); err != nil {
			return nil, err
		}
		if c.stm, err = method(d.Name("StmF")); err != nil {
			return nil, err
		}
	default:
		return nil, &UnsupportedEncryptionError{What: fmt.Sprintf("V %d", v)}
	}
	given := password != nil
	if rev == 5 || rev == 6 {
		if len(o) < 48 || len(u) < 48 {
			return nil, &SyntaxError{Msg: "bad /O or /U"}
		}
		pw := password
		if len(pw) > 127 {
			pw = pw[:127]
		}
		ue, oe := str("UE"), str("OE")
		if bytes.Equal(hash2B(rev, pw, u[32:40], nil), u[:32]) {
			c.key, err = aesNoIV(hash2B(rev, pw, u[40:48], nil), ue)
		} else if bytes.Equal(hash2B(rev, pw, o[32:40], u[:48]), o[:32]) {
			c.key, err = aesNoIV(hash2B(rev, pw, o[40:48], u[:48]), oe)
		} else {
			return nil, &PasswordError{Given: given}
		}
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	if rev < 2 || rev > 4 {
		return nil, &UnsupportedEncryptionError{What: fmt.Sprintf("revision %d", rev)}
	}
	length := int64(40)
	if rev >= 3 {
		if l, ok := d.Int("Length"); ok {
			length = l
		}
		if v == 4 {
			length = 128
		}
	}
	if length < 40 || length > 128 || length%8 != 0 {
		return nil, &UnsupportedEncryptionError{What: fmt.Sprintf("key length %d", length)}
	}
	n := int(length / 8)
	var id0 []byte
	if ids, ok := r.Trailer["ID"].(Array); ok && len(ids) > 0 {
		s, _ := ids[0].(String)
		id0 = s.Value
	}
	encMeta := true
	if b, ok := d["EncryptMetadata"].(bool); ok {
		encMeta = b
	}
	fileKey := func(pw []byte) []byte {
		h := md5.New()
		h.Write(pad32(pw))
		h.Write(o)
		var pb [4]byte
		binary.LittleEndian.PutUint32(pb[:], uint32(int32(p)))
		h.Write(pb[:])
		h.Write(id0)
		if rev >= 4 && !encMeta {
			h.Write([]byte{0xff, 0xff, 0xff, 0xff})
		}
		k := h.Sum(nil)
		if rev >= 3 {
			for i := 0; i < 50; i++ {
				s := md5.Sum(k[:n])
				k = s[:]
			}
		}
		return k[:n]
	}
	checkUser := func(pw []byte) []byte {
		k := fileKey(pw)
		if rev == 2 {
			out := rc4x(k, padding)
			if bytes.Equal(out, u) {
				return k
			}
			return nil
		}
		h := md5.New()
		h.Write(padding)
		h.Write(id0)
		x := h.Sum(nil)
		for i := 0; i < 20; i++ {
			x = rc4x(xorKey(k, byte(i)), x)
		}
		if len(u) >= 16 && bytes.Equal(x, u[:16]) {
			return k
		}
		return nil
	}
	if k := checkUser(password); k != nil {
		c.key = k
		return c, nil
	}
	// Owner password (Algorithm 7): it decrypts /O into the user password.
	ok := md5.Sum(pad32(password))
	okey := ok[:]
	if rev >= 3 {
		for i := 0; i < 50; i++ {
			s := md5.Sum(okey)
			okey = s[:]
		}
	}
	okey = okey[:n]
	upw := append([]byte(nil), o...)
	if rev == 2 {
		upw = rc4x(okey, upw)
	} else {
		for i := 19; i >= 0; i-- {
			upw = rc4x(xorKey(okey, byte(i)), upw)
		}
	}
	if k := checkUser(upw); k != nil {
		c.key = k
		return c, nil
	}
	return nil, &PasswordError{Given: given}
}

func xorKey(k []byte, b byte) []byte {
	out := make([]byte, len(k))
	for i := range k {
		out[i] = k[i] ^ b
	}
	return out
}

func rc4x(key, data []byte) []byte {
	c, err := rc4.NewCipher(key)
	if err != nil {
		return nil
	}
	out := make([]byte, len(data))
	c.XORKeyStream(out, data)
	return out
}

func aesNoIV(key, data []byte) ([]byte, error) {
	if len(data) != 32 {
		return nil, &SyntaxError{Msg: "bad /UE or /OE"}
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 32)
	cipher.NewCBCDecrypter(b, make([]byte, 16)).CryptBlocks(out, data)
	return out, nil
}

// hash2B is Algorithm 2.B of ISO 32000-2 (R6), or plain SHA-256 (R5).
func hash2B(rev int64, pw, salt, udata []byte) []byte {
	h := sha256.New()
	h.Write(pw)
	h.Write(salt)
	h.Write(udata)
	k := h.Sum(nil)
	if rev == 5 {
		return k
	}
	for i := 0; ; i++ {
		var k1 []byte
		for j := 0; j < 64; j++ {
			k1 = append(k1, pw...)
			k1 = append(k1, k...)
			k1 = append(k1, udata...)
		}
		b, _ := aes.NewCipher(k[:16])
		e := make([]byte, len(k1))
		cipher.NewCBCEncrypter(b, k[16:32]).CryptBlocks(e, k1)
		sum := 0
		for _, c := range e[:16] {
			sum += int(c)
		}
		var hh hash.Hash
		switch sum % 3 {
		case 0:
			hh = sha256.New()
		case 1:
			hh = sha512.New384()
		default:
			hh = sha512.New()
		}
		hh.Write(e)
		k = hh.Sum(nil)
		if i >= 63 && int(e[len(e)-1]) <= i+1-32 {
			break
		}
	}
	return k[:32]
}

func (c *crypt) objectKey(ref Ref, m cryptMethod) []byte {
	if m == cmAESV3 {
		return c.key
	}
	h := md5.New()
	h.Write(c.key)
	h.Write([]byte{byte(ref.Num), byte(ref.Num >> 8), byte(ref.Num >> 16), byte(ref.Gen), byte(ref.Gen >> 8)})
	if m == cmAESV2 {
		h.Write([]byte("sAlT"))
	}
	k := h.Sum(nil)
	n := len(c.key) + 5
	if n > 16 {
		n = 16
	}
	return k[:n]
}

var errBadCipher = errors.New("bad AES data")

func (c *crypt) decrypt(ref Ref, m cryptMethod, data []byte) ([]byte, error) {
	switch m {
	case cmNone:
		return data, nil
	case cmRC4:
		return rc4x(c.objectKey(ref, m), data), nil
	}
	if len(data) < 32 || len(data)%16 != 0 {
		if len(data) == 0 {
			return data, nil
		}
		return nil, errBadCipher
	}
	b, err := aes.NewCipher(c.objectKey(ref, m))
	if err != nil {
		return nil, err
	}
	out := make([]byte, len(data)-16)
	cipher.NewCBCDecrypter(b, data[:16]).CryptBlocks(out, data[16:])
	p := int(out[len(out)-1])
	if p == 0 || p > 16 || p > len(out) {
		return nil, errBadCipher
	}
	return out[:len(out)-p], nil
}

func (c *crypt) stringDecrypter(ref Ref) func([]byte) ([]byte, error) {
	return func(s []byte) ([]byte, error) { return c.decrypt(ref, c.str, s) }
}

func (c *crypt) decryptStream(ref Ref, data []byte) ([]byte, error) {
	return c.decrypt(ref, c.stm, data)
}

// EncryptString encrypts a string value for object ref with the file's
// string method, for writing new objects into an encrypted file. It
// returns s unchanged for a file that is not encrypted.
func (r *Reader) EncryptString(ref Ref, s []byte) ([]byte, error) {
	if r.crypt == nil {
		return s, nil
	}
	return r.crypt.encrypt(ref, r.crypt.str, s)
}

// EncryptStream encrypts the data of stream ref with the file's stream
// method, for writing new streams (an appearance) into an encrypted file.
// It returns data unchanged for a file that is not encrypted.
func (r *Reader) EncryptStream(ref Ref, data []byte) ([]byte, error) {
	if r.crypt == nil {
		return data, nil
	}
	return r.crypt.encrypt(ref, r.crypt.stm, data)
}

func (c *crypt) encrypt(ref Ref, m cryptMethod, s []byte) ([]byte, error) {
	switch m {
	case cmNone:
		return s, nil
	case cmRC4:
		return rc4x(c.objectKey(ref, m), s), nil
	}
	b, err := aes.NewCipher(c.objectKey(ref, m))
	if err != nil {
		return nil, err
	}
	p := 16 - len(s)%16
	in := append(append([]byte(nil), s...), bytes.Repeat([]byte{byte(p)}, p)...)
	out := make([]byte, 16+len(in))
	if _, err := rand.Read(out[:16]); err != nil {
		return nil, err
	}
	cipher.NewCBCEncrypter(b, out[:16]).CryptBlocks(out[16:], in)
	return out, nil
}
