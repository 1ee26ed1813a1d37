package pkcs11

import (
	"bytes"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"math/bits"
	"sort"

	"github.com/firma-dev/firma/certinfo"
	p11 "github.com/miekg/pkcs11"
)

// maxObjects bounds object searches: a real card holds a handful.
const maxObjects = 256

// Certificate is an X.509 certificate stored on a token.
type Certificate struct {
	Cert  *x509.Certificate
	Info  certinfo.Info
	Label string
	ID    []byte
	// Authority is set for CA certificates (CKA_CERTIFICATE_CATEGORY 2 or
	// basicConstraints CA).
	Authority bool
}

// ulongAttr encodes a CK_ULONG (C unsigned long: the size of Go's uint
// on the platforms firma supports) in native byte order.
func ulongAttr(u uint) []byte {
	if bits.UintSize == 32 {
		return binary.NativeEndian.AppendUint32(nil, uint32(u))
	}
	return binary.NativeEndian.AppendUint64(nil, uint64(u))
}

// parseULong decodes a CK_ULONG attribute value.
func parseULong(b []byte) (uint, bool) {
	switch len(b) {
	case 4:
		return uint(binary.NativeEndian.Uint32(b)), true
	case 8:
		return uint(binary.NativeEndian.Uint64(b)), true
	}
	return 0, false
}

// Certificates lists the X.509 certificates on the token. It needs no
// login: certificates are public objects. Certificates that do not parse
// are skipped.
func (t *Token) Certificates() ([]Certificate, error) {
	s, err := t.readSession()
	if err != nil {
		return nil, err
	}
	objs, err := t.m.p.FindObjects(s, []Attribute{
		{Type: p11.CKA_CLASS, Value: ulongAttr(p11.CKO_CERTIFICATE)},
		{Type: p11.CKA_CERTIFICATE_TYPE, Value: ulongAttr(p11.CKC_X_509)},
	}, maxObjects)
	if err != nil {
		return nil, wrapCall("listing certificates", err)
	}
	var out []Certificate
	for _, o := range objs {
		v, err := t.attr(s, o, p11.CKA_VALUE)
		if err != nil {
			continue
		}
		cert, err := x509.ParseCertificate(v)
		if err != nil {
			continue
		}
		c := Certificate{Cert: cert, Info: certinfo.Parse(cert)}
		if l, err := t.attr(s, o, p11.CKA_LABEL); err == nil {
			c.Label = string(l)
		}
		if id, err := t.attr(s, o, p11.CKA_ID); err == nil && len(id) > 0 {
			c.ID = id
		}
		if cat, err := t.attr(s, o, p11.CKA_CERTIFICATE_CATEGORY); err == nil {
			if v, ok := parseULong(cat); ok && v == 2 {
				c.Authority = true
			}
		}
		if cert.IsCA {
			c.Authority = true
		}
		out = append(out, c)
	}
	return out, nil
}

// attr reads one attribute alone: asking several at once fails whole when
// one is missing or sensitive.
func (t *Token) attr(s, o uint, typ uint) ([]byte, error) {
	got, err := t.m.p.GetAttributeValue(s, o, []uint{typ})
	if err != nil {
		return nil, err
	}
	if len(got) != 1 {
		return nil, fmt.Errorf("attribute %#x missing", typ)
	}
	return got[0].Value, nil
}

// SelectSigning picks the certificate to sign with. With a selector it is
// the certificate with that label or id. Without one it is the signature
// certificate (nonRepudiation), never a CNS authentication one; among
// several, the one valid longest.
func SelectSigning(certs []Certificate, sel KeySelector) (*Certificate, error) {
	var cands []Certificate
	for _, c := range certs {
		if c.Authority {
			continue
		}
		if !sel.IsZero() {
			if (sel.Label == "" || c.Label == sel.Label) && (sel.ID == nil || bytes.Equal(c.ID, sel.ID)) {
				cands = append(cands, c)
			}
			continue
		}
		if c.Info.Purpose == certinfo.PurposeSignature {
			cands = append(cands, c)
		}
	}
	if len(cands) == 0 {
		authOnly := false
		for _, c := range certs {
			if !c.Authority {
				authOnly = true
			}
		}
		return nil, &NoCertificateError{AuthOnly: authOnly && sel.IsZero(), Selector: sel.String()}
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].Cert.NotAfter.After(cands[j].Cert.NotAfter) })
	return &cands[0], nil
}

// Chain returns the issuers of leaf found among certs, nearest first,
// each checked by signature. It stops at a self-signed certificate or
// when no issuer is on the token.
func Chain(leaf *x509.Certificate, certs []Certificate) []*x509.Certificate {
	var chain []*x509.Certificate
	cur := leaf
	for len(chain) < 8 {
		if bytes.Equal(cur.RawIssuer, cur.RawSubject) && cur.CheckSignatureFrom(cur) == nil {
			break
		}
		var next *x509.Certificate
		for _, c := range certs {
			if bytes.Equal(c.Cert.RawSubject, cur.RawIssuer) && !c.Cert.Equal(cur) && cur.CheckSignatureFrom(c.Cert) == nil {
				next = c.Cert
				break
			}
		}
		if next == nil {
			break
		}
		chain = append(chain, next)
		cur = next
	}
	return chain
}
