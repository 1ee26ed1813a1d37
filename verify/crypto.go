package verify

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/cms"
)

// The cryptographic policy: until when each algorithm and key size is
// acceptable. One table, the one of EU DSS's default validation policy
// (dss-policy-jaxb constraint.xml, <Cryptographic>), whose dates come from
// ETSI TS 119 312 V1.4.2 and, for the algorithms broken before it, from
// ETSI TS 102 176-1 (historical). DSS writes years ("2009") and reads them
// as 1 January of that year; so does this table.
//
// DSS enforces only the dates up to its policy's update date (2022); the
// later ones (RSA of 1900 to 2999 bits and SHA-224 from 2026, for
// instance) are not enforced here either. RSA keys under 1024 bits are below
// DSS's minimum key size: never acceptable, with or without a proof of
// existence.
var (
	policyUpdate = year(2022)

	digestUntil = map[crypto.Hash]time.Time{
		crypto.MD5:    year(2005), // ETSI TS 102 176-1 V2.1.1
		crypto.SHA1:   year(2009), // ETSI TS 102 176-1 V2.0.0
		crypto.SHA224: year(2026), // ETSI TS 119 312 V1.4.2
		crypto.SHA256: year(2029),
		crypto.SHA384: year(2029),
		crypto.SHA512: year(2029),
	}
	// keyUntil: a key of n bits takes the last row whose size is <= n.
	keyUntil = map[string][]struct {
		bits  int
		until time.Time
	}{
		"RSA":   {{1024, year(2009)}, {1536, year(2016)}, {1900, year(2026)}, {3000, year(2029)}},
		"ECDSA": {{160, year(2013)}, {192, year(2013)}, {224, year(2016)}, {256, year(2029)}},
	}
	minKeyBits = map[string]int{"RSA": 1024, "ECDSA": 160}
)

func year(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }

// cryptoUse is one algorithm or key a verdict rests on.
type cryptoUse struct {
	// what names it for the reader: "SHA-1 digest", "RSA 512-bit key of
	// the signer", "SHA-1 signature of the certificate X"; key tells
	// uses apart.
	what Message
	key  string
	// until is when it stopped (or stops) being acceptable; never means
	// it never was.
	until time.Time
	never bool
	known bool
	// hash is the digest algorithm of a digest use, 0 for a key.
	hash crypto.Hash
}

// digestUse is a digest algorithm, of the signature itself or (cert
// non-nil) of a certificate's signature.
func digestUse(h crypto.Hash, cert *x509.Certificate) cryptoUse {
	u, ok := digestUntil[h]
	what := Messagef("%s digest", hashName(h))
	if cert != nil {
		what = Messagef("%s signature of the certificate %s", hashName(h), certinfo.FormatName(cert.Subject))
	}
	return cryptoUse{what: what, key: what.String(), until: u, known: ok, hash: h}
}

// keyOwner says whose key a key use is.
type keyOwner int

const (
	keyOfSigner keyOwner = iota
	keyOfTSA
	keyOfCA
)

// keyUse is a public key: the signer's, the timestamp unit's, or the CA
// certificate ca's.
func keyUse(pub crypto.PublicKey, owner keyOwner, ca *x509.Certificate) cryptoUse {
	alg, bits := keyBits(pub)
	var what Message
	switch owner {
	case keyOfTSA:
		what = Messagef("%s %d-bit key of the timestamp unit", alg, bits)
	case keyOfCA:
		what = Messagef("%s %d-bit key of the CA %s", alg, bits, certinfo.FormatName(ca.Subject))
	default:
		what = Messagef("%s %d-bit key of the signer", alg, bits)
	}
	c := cryptoUse{what: what, key: what.String()}
	if min, ok := minKeyBits[alg]; ok && bits < min {
		c.never, c.known = true, true
		return c
	}
	for _, r := range keyUntil[alg] {
		if bits >= r.bits {
			c.until, c.known = r.until, true
		}
	}
	return c
}

// judgeCrypto checks the uses at the validation time now; an algorithm
// that has stopped being acceptable is still acceptable when a proof of
// existence (poe, zero for none) shows the signature existed before. It
// returns the failing uses (CRYPTO_CONSTRAINTS_FAILURE_NO_POE) and
// warnings for uses a proof of existence saved.
func judgeCrypto(uses []cryptoUse, now, poe time.Time) (fails, warns []Message) {
	seen := map[string]bool{}
	for _, u := range uses {
		if !u.known || seen[u.key] {
			continue
		}
		seen[u.key] = true
		switch {
		case u.never:
			fails = append(fails, Messagef("%s is below the minimum size of the policy (ETSI TS 119 312): never acceptable", u.what))
		case now.Before(u.until):
		case u.until.After(policyUpdate):
			// Past the policy's update: not enforced (DSS only warns).
		case !poe.IsZero() && poe.Before(u.until):
			warns = append(warns, Messagef("%s stopped being acceptable on %s; a timestamp proves the signature existed before (%s)", u.what, Day(u.until), Date(poe)))
		default:
			fails = append(fails, Messagef("%s is not acceptable since %s (ETSI TS 119 312) and no timestamp from before then proves the signature existed", u.what, Day(u.until)))
		}
	}
	return fails, warns
}

// concludeCrypto fills the algorithms check of a signature or timestamp
// (at index idx of s.Checks) with the policy's verdict.
func concludeCrypto(s *Signature, idx int, uses []cryptoUse, now, poe time.Time) {
	if idx < 0 || idx >= len(s.Checks) || s.Checks[idx].Name != "algorithms" || s.Checks[idx].SubIndication != "" {
		return
	}
	fails, warns := judgeCrypto(uses, now, poe)
	for _, w := range warns {
		s.warn(w)
	}
	if len(fails) > 0 {
		s.Checks[idx] = failed("algorithms", CryptoConstraintsFailureNoPOE, Messagef("%s; the signature itself is mathematically valid", List(fails)))
	}
}

// digestInfoOID is the AlgorithmIdentifier of a PKCS#1 v1.5 DigestInfo.
var digestInfoOID = map[crypto.Hash]asn1.ObjectIdentifier{
	crypto.MD5: cms.OIDMD5, crypto.SHA1: cms.OIDSHA1, crypto.SHA224: cms.OIDSHA224,
	crypto.SHA256: cms.OIDSHA256, crypto.SHA384: cms.OIDSHA384, crypto.SHA512: cms.OIDSHA512,
}

// digestInfo encodes DigestInfo (RFC 8017 9.2) with NULL parameters, as
// RFC 8017 requires, or without, as some signers wrote it.
func digestInfo(h crypto.Hash, digest []byte, null bool) ([]byte, error) {
	oid, ok := digestInfoOID[h]
	if !ok {
		return nil, fmt.Errorf("no DigestInfo for %s", hashName(h))
	}
	ai := pkix.AlgorithmIdentifier{Algorithm: oid}
	if null {
		ai.Parameters = asn1.NullRawValue
	}
	return asn1.Marshal(struct {
		Alg    pkix.AlgorithmIdentifier
		Digest []byte
	}{ai, digest})
}

var errRSAVerify = errors.New("RSA verification failed")

// rsaOpen is the RSA public operation s^e mod n (RFC 8017 RSAVP1), done
// with math/big so that keys crypto/rsa refuses (under 1024 bits) are
// still checked. Verification handles no secret: constant time is not
// needed.
func rsaOpen(k *rsa.PublicKey, sig []byte) ([]byte, error) {
	n := (k.N.BitLen() + 7) / 8
	if len(sig) != n || k.E < 2 {
		return nil, errRSAVerify
	}
	c := new(big.Int).SetBytes(sig)
	if c.Cmp(k.N) >= 0 {
		return nil, errRSAVerify
	}
	m := new(big.Int).Exp(c, big.NewInt(int64(k.E)), k.N)
	return m.FillBytes(make([]byte, n)), nil
}

// noteNoNULL is the note for a DigestInfo without NULL parameters.
var noteNoNULL = Messagef("the signature's DigestInfo omits the NULL parameters of the hash algorithm (accepted, as BouncyCastle and EU DSS accept it)")

// verifyPKCS1 checks an RSASSA-PKCS1-v1_5 signature (RFC 8017 8.2.2)
// itself. It accepts exactly the encoding RFC 8017 gives, and the one
// DigestInfo variant real signers emit: the hash AlgorithmIdentifier
// without its NULL parameters (the note says so). Any other deviation
// fails.
func verifyPKCS1(k *rsa.PublicKey, h crypto.Hash, digest, sig []byte) (Message, error) {
	em, err := rsaOpen(k, sig)
	if err != nil {
		return Message{}, err
	}
	for _, null := range []bool{true, false} {
		t, err := digestInfo(h, digest, null)
		if err != nil {
			return Message{}, err
		}
		if len(em) < len(t)+11 {
			return Message{}, errRSAVerify
		}
		want := make([]byte, len(em))
		want[1] = 1
		for i := 2; i < len(em)-len(t)-1; i++ {
			want[i] = 0xff
		}
		copy(want[len(em)-len(t):], t)
		if subtle.ConstantTimeCompare(em, want) == 1 {
			if !null {
				return noteNoNULL, nil
			}
			return Message{}, nil
		}
	}
	return Message{}, errRSAVerify
}

// verifyPSS checks an RSASSA-PSS signature (RFC 8017 8.1.2, EMSA-PSS-VERIFY
// 9.1.2) with MGF1 over the same hash, for keys crypto/rsa refuses.
func verifyPSS(k *rsa.PublicKey, h crypto.Hash, digest, sig []byte, saltLen int) error {
	full, err := rsaOpen(k, sig)
	if err != nil {
		return err
	}
	emBits := k.N.BitLen() - 1
	emLen := (emBits + 7) / 8
	if len(full) > emLen {
		if full[0] != 0 {
			return errRSAVerify
		}
		full = full[1:]
	}
	em := full
	hLen := h.Size()
	if len(digest) != hLen || saltLen < 0 || emLen < hLen+saltLen+2 || em[emLen-1] != 0xbc {
		return errRSAVerify
	}
	db := bytes.Clone(em[:emLen-hLen-1])
	hh := em[emLen-hLen-1 : emLen-1]
	topMask := byte(0xff >> (8*emLen - emBits))
	if db[0]&^topMask != 0 {
		return errRSAVerify
	}
	mgf1XOR(db, h, hh)
	db[0] &= topMask
	ps := emLen - hLen - saltLen - 2
	for _, b := range db[:ps] {
		if b != 0 {
			return errRSAVerify
		}
	}
	if db[ps] != 1 {
		return errRSAVerify
	}
	salt := db[len(db)-saltLen:]
	m := h.New()
	m.Write(make([]byte, 8))
	m.Write(digest)
	m.Write(salt)
	if !bytes.Equal(m.Sum(nil), hh) {
		return errRSAVerify
	}
	return nil
}

func mgf1XOR(out []byte, h crypto.Hash, seed []byte) {
	var counter [4]byte
	done := 0
	for done < len(out) {
		d := h.New()
		d.Write(seed)
		d.Write(counter[:])
		for _, b := range d.Sum(nil) {
			if done == len(out) {
				break
			}
			out[done] ^= b
			done++
		}
		for i := 3; i >= 0; i-- {
			if counter[i]++; counter[i] != 0 {
				break
			}
		}
	}
}

// verifySig checks sig over msg (when the scheme hashes itself, as
// Ed25519) or over digest. A note reports an accepted deviation (a
// DigestInfo without NULL). RSA signatures crypto/rsa refuses (small
// keys, a nonstandard DigestInfo) are checked again by verifyPKCS1 and
// verifyPSS: a weak key is a policy question, decided apart.
func verifySig(pub crypto.PublicKey, s sigScheme, msg, digest, sig []byte) (Message, error) {
	switch s.Kind {
	case "rsa", "rsa-pss":
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return Message{}, fmt.Errorf("%s signature but the certificate key is %T", s.Name, pub)
		}
		if s.Kind == "rsa" {
			err := rsa.VerifyPKCS1v15(k, s.Hash, digest, sig)
			if err == nil {
				return Message{}, nil
			}
			return verifyPKCS1(k, s.Hash, digest, sig)
		}
		err := rsa.VerifyPSS(k, s.Hash, digest, sig, &rsa.PSSOptions{SaltLength: s.Salt, Hash: s.Hash})
		if err != nil && k.N.BitLen() < 1024 {
			err = verifyPSS(k, s.Hash, digest, sig, s.Salt)
		}
		return Message{}, err
	case "ecdsa":
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return Message{}, fmt.Errorf("%s signature but the certificate key is %T", s.Name, pub)
		}
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return Message{}, errors.New("ECDSA verification failed")
		}
		return Message{}, nil
	case "ed25519":
		k, ok := pub.(ed25519.PublicKey)
		if !ok {
			return Message{}, fmt.Errorf("Ed25519 signature but the certificate key is %T", pub)
		}
		if msg == nil {
			return Message{}, errors.New("Ed25519 without signed attributes is not supported")
		}
		if !ed25519.Verify(k, msg, sig) {
			return Message{}, errors.New("Ed25519 verification failed")
		}
		return Message{}, nil
	}
	return Message{}, fmt.Errorf("unsupported signature scheme %s", s.Name)
}

// certSigHash is the hash of a certificate's signature algorithm.
func certSigHash(a x509.SignatureAlgorithm) crypto.Hash {
	switch a {
	case x509.MD5WithRSA:
		return crypto.MD5
	case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1:
		return crypto.SHA1
	case x509.SHA256WithRSA, x509.SHA256WithRSAPSS, x509.ECDSAWithSHA256, x509.DSAWithSHA256:
		return crypto.SHA256
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		return crypto.SHA384
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		return crypto.SHA512
	}
	return 0
}

// chainUses are the algorithms and keys a chain rests on: each
// certificate's signature and its issuer's key, up to the anchor (whose
// own self-signature proves nothing).
func chainUses(chain []*x509.Certificate) []cryptoUse {
	var out []cryptoUse
	for i := 0; i+1 < len(chain); i++ {
		c, issuer := chain[i], chain[i+1]
		if h := certSigHash(c.SignatureAlgorithm); h != 0 {
			out = append(out, digestUse(h, c))
		}
		out = append(out, keyUse(issuer.PublicKey, keyOfCA, issuer))
	}
	return out
}
