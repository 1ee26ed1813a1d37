// Package pectest builds PEC messages for tests: a root CA, a test
// "AgID" CA for PEC providers whose name constraints permit only the
// test providers' mail domains, provider certificates under it, and
// envelopes and receipts of every kind signed as providers sign them
// (detached CMS, SHA-1, rsaEncryption; signed attributes contentType,
// signingTime, messageDigest), with the MIME layout they send.
package pectest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"strings"
	"sync/atomic"
	"time"

	"github.com/firma-dev/firma/internal/cms"
)

// Domain is the test provider's mail domain; the test AgID CA permits
// it (and its subdomains) only.
const Domain = "pec.provider.test"

// ProviderAddress is the provider's address, the envelopes' From.
const ProviderAddress = "posta-certificata@" + Domain

// OIDPolicyPEC is the PEC providers' policy.
var OIDPolicyPEC = asn1.ObjectIdentifier{1, 3, 76, 16, 3, 1, 1}

// Identity is a certificate with its key.
type Identity struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

// PKI is the test hierarchy.
type PKI struct {
	// Root anchors AgID; AgID is the name-constrained CA for PEC
	// providers; Open is a CA without name constraints under Root.
	Root, AgID, Open *Identity
	// Provider is valid around now; Expired expired a year ago (valid
	// three years before that); Rogue is issued by AgID for a domain its
	// constraints do not permit; Unbound is a provider under Open.
	Provider, Expired, Rogue, Unbound *Identity
}

var serial int64 = 100

func issue(parent *Identity, tmpl *x509.Certificate) (*Identity, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	serial++
	tmpl.SerialNumber = big.NewInt(serial)
	signer, signerKey := tmpl, key
	if parent != nil {
		signer, signerKey = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signerKey)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Identity{Cert: c, Key: key}, nil
}

func caTmpl(cn string, nb, na time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:   pkix.Name{CommonName: cn, Organization: []string{"Test"}, Country: []string{"IT"}},
		NotBefore: nb, NotAfter: na, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
}

func providerTmpl(cn, addr string, nb, na time.Time) *x509.Certificate {
	return &x509.Certificate{
		Subject:        pkix.Name{CommonName: cn, Organization: []string{"Test Provider S.p.A."}, Country: []string{"IT"}},
		EmailAddresses: []string{addr},
		NotBefore:      nb, NotAfter: na,
		KeyUsage:           x509.KeyUsageDigitalSignature,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		Policies:           []x509.OID{mustOID(OIDPolicyPEC)},
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
}

// NewPKI makes the hierarchy around now.
func NewPKI(now time.Time) (*PKI, error) {
	p := &PKI{}
	var err error
	if p.Root, err = issue(nil, caTmpl("Test Authentication Root CA", now.AddDate(-15, 0, 0), now.AddDate(15, 0, 0))); err != nil {
		return nil, err
	}
	agid := caTmpl("Test AgID CA1 per i gestori PEC", now.AddDate(-10, 0, 0), now.AddDate(10, 0, 0))
	agid.PermittedEmailAddresses = []string{Domain, "." + Domain}
	agid.PermittedDNSDomainsCritical = true
	if p.AgID, err = issue(p.Root, agid); err != nil {
		return nil, err
	}
	if p.Open, err = issue(p.Root, caTmpl("Test Open CA", now.AddDate(-10, 0, 0), now.AddDate(10, 0, 0))); err != nil {
		return nil, err
	}
	if p.Provider, err = issue(p.AgID, providerTmpl("Posta Certificata Test Provider", ProviderAddress, now.AddDate(-1, 0, 0), now.AddDate(2, 0, 0))); err != nil {
		return nil, err
	}
	if p.Expired, err = issue(p.AgID, providerTmpl("Posta Certificata Test Provider 2022", ProviderAddress, now.AddDate(-4, 0, 0), now.AddDate(-1, 0, 0))); err != nil {
		return nil, err
	}
	if p.Rogue, err = issue(p.AgID, providerTmpl("Posta Certificata Rogue", "posta-certificata@rogue.test", now.AddDate(-1, 0, 0), now.AddDate(2, 0, 0))); err != nil {
		return nil, err
	}
	if p.Unbound, err = issue(p.Open, providerTmpl("Posta Certificata Unbound", ProviderAddress, now.AddDate(-1, 0, 0), now.AddDate(2, 0, 0))); err != nil {
		return nil, err
	}
	return p, nil
}

// RootPEM is the root certificate as PEM, the anchor to trust.
func (p *PKI) RootPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Root.Cert.Raw})
}

// File is an attachment of the original message.
type File struct {
	Name, ContentType string
	Data              []byte
}

// Spec describes a message to build.
type Spec struct {
	// Kind is posta-certificata, errore (anomaly), or a receipt kind.
	Kind string
	// ReceiptType is completa, breve or sintetica (delivery receipts).
	ReceiptType string
	// Time is the certified time; Zone its local offset (+0100).
	Time time.Time
	Zone string
	// Signer signs (default: the PKI's Provider); Issuer goes with it.
	Signer, Issuer *Identity
	Sender         string
	Recipients     []string
	Subject        string
	Attachments    []File
	// Error and ErrorDetail for non-delivery notices.
	Error, ErrorDetail string
	// tag makes the MIME boundaries of each message its own (a message
	// inside another must not reuse its boundaries).
	tag string
}

var tags atomic.Int64

var subjectPrefix = map[string]string{
	"posta-certificata":         "POSTA CERTIFICATA: ",
	"errore":                    "ANOMALIA MESSAGGIO: ",
	"accettazione":              "ACCETTAZIONE: ",
	"non-accettazione":          "AVVISO DI NON ACCETTAZIONE: ",
	"presa-in-carico":           "PRESA IN CARICO: ",
	"avvenuta-consegna":         "CONSEGNA: ",
	"errore-consegna":           "AVVISO DI MANCATA CONSEGNA: ",
	"preavviso-errore-consegna": "AVVISO DI MANCATA CONSEGNA PER SUP. TEMPO MASSIMO: ",
	"rilevazione-virus":         "PROBLEMA DI SICUREZZA: ",
}

// MessageID is the provider's Message-ID of a built message (without
// angle brackets).
func MessageID(s Spec) string {
	return fmt.Sprintf("opec21.%s.%d.%s.1.1@%s", s.Time.UTC().Format("20060102150405"), len(s.Kind), strings.ReplaceAll(s.Kind, "-", ""), Domain)
}

// OrigMessageID is the original message's Message-ID.
const OrigMessageID = "<20261116.referto.42@studio.test>"

// Fill sets the defaults of what s leaves empty.
func (s *Spec) Fill(p *PKI) {
	if s.tag == "" {
		s.tag = fmt.Sprintf("%d", 1700000000+tags.Add(1))
	}
	if s.Signer == nil {
		s.Signer, s.Issuer = p.Provider, p.AgID
	}
	if s.Zone == "" {
		s.Zone = "+0100"
	}
	if s.Sender == "" {
		s.Sender = "mario.rossi@" + Domain
	}
	if len(s.Recipients) == 0 {
		s.Recipients = []string{"laboratorio@" + Domain}
	}
	if s.Subject == "" {
		s.Subject = "Referto esami 2026"
	}
	if s.Kind == "avvenuta-consegna" && s.ReceiptType == "" {
		s.ReceiptType = "completa"
	}
}

// Daticert returns the daticert.xml of s.
func Daticert(s Spec) []byte {
	zone, _ := time.Parse("-0700", s.Zone)
	local := s.Time.In(zone.Location())
	errore := "nessuno"
	if s.Error != "" {
		errore = s.Error
	}
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	fmt.Fprintf(&b, "<postacert tipo=%q errore=%q>\n  <intestazione>\n    <mittente>%s</mittente>\n", s.Kind, errore, s.Sender)
	for _, r := range s.Recipients {
		fmt.Fprintf(&b, "    <destinatari tipo=\"certificato\">%s</destinatari>\n", r)
	}
	fmt.Fprintf(&b, "    <risposte>%s</risposte>\n    <oggetto>%s</oggetto>\n  </intestazione>\n", s.Sender, xmlEscape(s.Subject))
	fmt.Fprintf(&b, "  <dati>\n    <gestore-emittente>Test Provider S.p.A.</gestore-emittente>\n    <data zona=%q>\n      <giorno>%s</giorno>\n      <ora>%s</ora>\n    </data>\n",
		s.Zone, local.Format("02/01/2006"), local.Format("15:04:05"))
	fmt.Fprintf(&b, "    <identificativo>%s</identificativo>\n", MessageID(s))
	if s.Kind != "posta-certificata" {
		fmt.Fprintf(&b, "    <msgid>%s</msgid>\n", xmlEscape(OrigMessageID))
	}
	if s.Kind == "avvenuta-consegna" {
		fmt.Fprintf(&b, "    <ricevuta tipo=%q />\n    <consegna>%s</consegna>\n", s.ReceiptType, s.Recipients[0])
	}
	if s.Kind == "errore-consegna" {
		fmt.Fprintf(&b, "    <consegna>%s</consegna>\n", s.Recipients[0])
	}
	if s.ErrorDetail != "" {
		fmt.Fprintf(&b, "    <errore-esteso>%s</errore-esteso>\n", xmlEscape(s.ErrorDetail))
	}
	b.WriteString("  </dati>\n</postacert>\n")
	return b.Bytes()
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func b64lines(b []byte) string {
	e := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(e) > 76 {
		out.WriteString(e[:76] + "\r\n")
		e = e[76:]
	}
	out.WriteString(e + "\r\n")
	return out.String()
}

// Original is the sender's message (postacert.eml) with its
// attachments.
func Original(s Spec) []byte {
	if s.tag == "" {
		s.tag = "0"
	}
	var b strings.Builder
	b.WriteString(crlf(fmt.Sprintf("Date: %s\nFrom: Mario Rossi <%s>\nTo: %s\nSubject: %s\nMessage-ID: %s\nMIME-Version: 1.0\n",
		s.Time.Add(-2*time.Second).Format(time.RFC1123Z), s.Sender, strings.Join(s.Recipients, ", "), s.Subject, OrigMessageID)))
	body := crlf("Gentile laboratorio,\nin allegato il referto firmato.\n\nMario Rossi\n")
	if len(s.Attachments) == 0 {
		b.WriteString(crlf("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit\n\n"))
		b.WriteString(body)
		return []byte(b.String())
	}
	b.WriteString(crlf("Content-Type: multipart/mixed; boundary=\"orig-boundary-" + s.tag + "\"\n\nThis is a multi-part message in MIME format.\n--orig-boundary-" + s.tag + "\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 7bit\n\n"))
	b.WriteString(body)
	for _, f := range s.Attachments {
		if f.ContentType == "message/rfc822" {
			// A message attached whole, as clients attach a PEC.
			b.WriteString(crlf(fmt.Sprintf("\n--orig-boundary-"+s.tag+"\nContent-Type: message/rfc822; name=\"%s\"\nContent-Disposition: attachment; filename=\"%s\"\n\n", f.Name, f.Name)))
			b.Write(f.Data)
			continue
		}
		b.WriteString(crlf(fmt.Sprintf("\n--orig-boundary-"+s.tag+"\nContent-Type: %s; name=\"%s\"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"%s\"\n\n", f.ContentType, f.Name, f.Name)))
		b.WriteString(b64lines(f.Data))
	}
	b.WriteString(crlf("\n--orig-boundary-" + s.tag + "--\n"))
	return []byte(b.String())
}

// SignedPart returns the entity the provider signs.
func SignedPart(s Spec) []byte {
	var b strings.Builder
	b.WriteString(crlf("Content-Type: multipart/mixed; boundary=\"----------=_" + s.tag + "-12345-2\"\nContent-Transfer-Encoding: binary\n\nThis is a multi-part message in MIME format...\n\n------------=_" + s.tag + "-12345-2\nContent-Type: multipart/alternative; boundary=\"----------=_" + s.tag + "-12345-3\"\n\n"))
	b.WriteString(crlf("------------=_" + s.tag + "-12345-3\nContent-Type: text/plain; charset=\"iso-8859-1\"\nContent-Transfer-Encoding: quoted-printable\n\n"))
	b.WriteString(crlf(fmt.Sprintf("Ricevuta: %s\nIl giorno %s il messaggio \"%s\" proveniente da \"%s\" =E8 stato trattato dal gestore.\nIdentificativo messaggio: %s\n", s.Kind, s.Time.Format("02/01/2006 15:04:05"), s.Subject, s.Sender, MessageID(s))))
	b.WriteString(crlf("\n------------=_" + s.tag + "-12345-3\nContent-Type: text/html; charset=\"iso-8859-1\"\nContent-Transfer-Encoding: quoted-printable\n\n<html><body><p>Ricevuta</p></body></html>\n\n------------=_" + s.tag + "-12345-3--\n\n"))
	if s.Kind != "errore" {
		b.WriteString(crlf("------------=_" + s.tag + "-12345-2\nContent-Type: application/xml; name=\"daticert.xml\"\nContent-Disposition: inline; filename=\"daticert.xml\"\nContent-Transfer-Encoding: base64\n\n"))
		b.WriteString(b64lines(Daticert(s)))
		b.WriteString("\r\n")
	}
	if s.Kind == "posta-certificata" || s.Kind == "errore" || (s.Kind == "avvenuta-consegna" && s.ReceiptType != "sintetica") {
		b.WriteString(crlf("------------=_" + s.tag + "-12345-2\nContent-Type: message/rfc822; name=\"postacert.eml\"\nContent-Disposition: inline; filename=\"postacert.eml\"\nContent-Transfer-Encoding: 7bit\n\n"))
		b.Write(Original(s))
		b.WriteString("\r\n")
	}
	b.WriteString(crlf("------------=_" + s.tag + "-12345-2--\n"))
	return []byte(b.String())
}

// Sign makes the detached CMS a provider puts in smime.p7s: SHA-1
// digest, rsaEncryption, signed attributes contentType, signingTime and
// messageDigest, the provider's and its CA's certificates.
func Sign(content []byte, signer, issuer *Identity, at time.Time) ([]byte, error) {
	md := sha1.Sum(content)
	return SignDigest(md[:], signer, issuer, at)
}

// SignDigest is Sign for content whose SHA-1 is md.
func SignDigest(md []byte, signer, issuer *Identity, at time.Time) ([]byte, error) {
	ct, _ := asn1.Marshal(cms.OIDData)
	aCT, err := cms.EncodeAttribute(cms.OIDAttrContentType, ct)
	if err != nil {
		return nil, err
	}
	st, _ := asn1.Marshal(at.UTC().Truncate(time.Second))
	aST, err := cms.EncodeAttribute(cms.OIDAttrSigningTime, st)
	if err != nil {
		return nil, err
	}
	mdv, _ := asn1.Marshal(md)
	aMD, err := cms.EncodeAttribute(cms.OIDAttrMessageDigest, mdv)
	if err != nil {
		return nil, err
	}
	attrs := cms.EncodeSetOf(aCT, aST, aMD)
	h := sha1.Sum(attrs)
	sig, err := rsa.SignPKCS1v15(rand.Reader, signer.Key, crypto.SHA1, h[:])
	if err != nil {
		return nil, err
	}
	// SHA-1 with NULL parameters, as providers write it.
	dig, err := cms.EncodeAlgorithmIdentifier(cms.OIDSHA1, []byte{5, 0})
	if err != nil {
		return nil, err
	}
	rsaEnc, err := cms.EncodeAlgorithmIdentifier(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}, []byte{5, 0})
	if err != nil {
		return nil, err
	}
	si, err := cms.EncodeSignerInfo(cms.SignerInfoFields{Cert: signer.Cert, DigestAlgorithm: dig, SignatureAlgorithm: rsaEnc, SignedAttrs: attrs, Signature: sig})
	if err != nil {
		return nil, err
	}
	certs := [][]byte{signer.Cert.Raw}
	if issuer != nil {
		certs = append(certs, issuer.Cert.Raw)
	}
	sd := &cms.SignedDataBuilder{DigestAlgorithms: [][]byte{dig}, ContentType: cms.OIDData, Certificates: certs, SignerInfos: [][]byte{si}}
	return sd.EncodeDetached()
}

// Build returns the message of s as a provider sends it (CRLF).
func Build(p *PKI, s Spec) ([]byte, error) {
	var b bytes.Buffer
	if err := WriteMessage(&b, p, s, nil); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteMessage writes the message of s to w; signed, when not nil,
// replaces SignedPart(s) (a large part streamed: it is hashed while it
// is written, and never held).
func WriteMessage(w io.Writer, p *PKI, s Spec, signed io.Reader) error {
	s.Fill(p)
	if signed == nil {
		signed = bytes.NewReader(SignedPart(s))
	}
	var b strings.Builder
	b.WriteString(crlf(fmt.Sprintf("Return-Path: <%s>\nReceived: from smtp.%s (smtp.%s [192.0.2.10])\n\tby mx.%s with ESMTP id 4Ab1Cd; %s\nDate: %s\n",
		ProviderAddress, Domain, Domain, Domain, s.Time.Format(time.RFC1123Z), s.Time.Format(time.RFC1123Z))))
	from := ProviderAddress
	to := s.Sender
	switch s.Kind {
	case "posta-certificata":
		b.WriteString("X-Trasporto: posta-certificata\r\n")
		from = fmt.Sprintf("\"Per conto di: %s\" <%s>", s.Sender, ProviderAddress)
		to = strings.Join(s.Recipients, ", ")
		fmt.Fprintf(&b, "X-Riferimento-Message-ID: %s\r\nReply-To: %s\r\n", OrigMessageID, s.Sender)
	case "errore":
		b.WriteString("X-Trasporto: errore\r\n")
		to = strings.Join(s.Recipients, ", ")
	default:
		fmt.Fprintf(&b, "X-Ricevuta: %s\r\nX-Riferimento-Message-ID: %s\r\n", s.Kind, OrigMessageID)
		if s.ReceiptType != "" {
			fmt.Fprintf(&b, "X-TipoRicevuta: %s\r\n", s.ReceiptType)
		}
	}
	fmt.Fprintf(&b, "Message-ID: <%s>\r\nFrom: %s\r\nTo: %s\r\nSubject: %s%s\r\nMIME-Version: 1.0\r\n", MessageID(s), from, to, subjectPrefix[s.Kind], s.Subject)
	b.WriteString(crlf("Content-Type: multipart/signed; protocol=\"application/x-pkcs7-signature\"; micalg=sha1;\n\tboundary=\"----------=_" + s.tag + "-12345-1\"\n\nThis is a cryptographically signed message in MIME format.\n\n------------=_" + s.tag + "-12345-1\n"))
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	h := sha1.New()
	if _, err := io.Copy(io.MultiWriter(w, h), signed); err != nil {
		return err
	}
	sig, err := SignDigest(h.Sum(nil), s.Signer, s.Issuer, s.Time)
	if err != nil {
		return err
	}
	b.Reset()
	b.WriteString(crlf("\n------------=_" + s.tag + "-12345-1\nContent-Type: application/x-pkcs7-signature; name=\"smime.p7s\"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"smime.p7s\"\nContent-Description: S/MIME Cryptographic Signature\n\n"))
	b.WriteString(b64lines(sig))
	b.WriteString(crlf("\n------------=_" + s.tag + "-12345-1--\n"))
	_, err = io.WriteString(w, b.String())
	return err
}

// ToLF stores a message with LF line ends, as git and webmail downloads
// do.
func ToLF(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }

// WrapList wraps a message as a mailing list does: the list's headers
// on top and a multipart/mixed around a footer and the provider's
// multipart/signed entity with its own headers dropped.
func WrapList(b []byte) []byte {
	i := bytes.Index(b, []byte("\r\n\r\n"))
	hdr, body := b[:i+2], b[i+4:]
	ct := bytes.Index(hdr, []byte("Content-Type: multipart/signed"))
	var out bytes.Buffer
	out.Write(hdr[:ct])
	out.WriteString("List-Id: <medici.lists.test>\r\nContent-Type: multipart/mixed; boundary=\"list-b\"\r\n\r\n--list-b\r\n")
	out.Write(hdr[ct:])
	out.WriteString("\r\n")
	out.Write(body)
	out.WriteString("\r\n--list-b\r\nContent-Type: text/plain\r\n\r\nmedici mailing list footer\r\n--list-b--\r\n")
	return out.Bytes()
}

// Forward attaches a message whole to a new one, as "forward as
// attachment" does.
func Forward(b []byte) []byte {
	var out bytes.Buffer
	out.WriteString(crlf("From: Mario Rossi <mario@studio.test>\nTo: archivio@studio.test\nSubject: Fwd: ricevuta\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"fwd-b\"\n\n--fwd-b\nContent-Type: text/plain\n\nvedi allegato\n\n--fwd-b\nContent-Type: message/rfc822\nContent-Disposition: attachment; filename=\"ricevuta.eml\"\n\n"))
	out.Write(b)
	out.WriteString("\r\n--fwd-b--\r\n")
	return out.Bytes()
}

func mustOID(o asn1.ObjectIdentifier) x509.OID {
	u := make([]uint64, len(o))
	for i, x := range o {
		u[i] = uint64(x)
	}
	oid, err := x509.OIDFromInts(u)
	if err != nil {
		panic(err)
	}
	return oid
}
