// Package pec reads and verifies Italian certified e-mail (PEC): the
// provider's transport envelope, the anomaly envelope and every receipt
// (accettazione, non-accettazione, presa-in-carico, avvenuta-consegna
// completa/breve/sintetica, errore-consegna, preavviso-errore-consegna,
// rilevazione-virus), as received or saved as .eml.
//
// Specifications: DPR 68/2005 and DM 2 novembre 2005 with its technical
// rules (the RT: §6 message kinds, §7.4 the daticert.xml DTD, §8.1 the
// signature), RFC 6109 (the RT in English), RFC 1847 (multipart/signed),
// RFC 2045-2047 and RFC 5322 (MIME and headers), RFC 5751 (S/MIME),
// RFC 5280 §4.2.1.10 (name constraints).
//
// Contract: the file is read through an io.ReaderAt and never held in
// memory: the MIME splitter records byte offsets only (headers and the
// small parts, daticert.xml and the signature, are read; bodies are
// streamed when hashed or extracted), so memory stays bounded whatever
// the message's size. The signed part is cut from the file by bytes
// (RFC 1847: from after the first delimiter line to the line end before
// the next one), bare LF taken as CRLF, and never re-serialised. The
// provider's signature is checked by package verify (RulesPEC). The
// top-level headers are not signed: they are reported as claims and
// compared with the signed daticert.xml, which is the source of truth.
//
// MIME library: emersion/go-message v0.18.2 was read before writing the
// splitter. Its textproto.Header keeps fields and their order, but
// stores every folded line with a CRLF it adds (an LF-stored file is not
// kept as stored), reads headers without a size bound, and its multipart
// reader (a copy of mime/multipart) gives no byte offsets, which the
// signed part needs. The splitter here is small and keeps the bytes.
package pec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"
)

// Kind is what a PEC message is, as daticert.xml's postacert@tipo and
// the X-Ricevuta header name it; KindAnomaly (X-Trasporto: errore) and
// KindTransport (X-Trasporto: posta-certificata) are the envelopes.
type Kind string

const (
	KindTransport       Kind = "posta-certificata"
	KindAnomaly         Kind = "errore"
	KindAcceptance      Kind = "accettazione"
	KindNonAcceptance   Kind = "non-accettazione"
	KindTakenInCharge   Kind = "presa-in-carico"
	KindDelivery        Kind = "avvenuta-consegna"
	KindDeliveryError   Kind = "errore-consegna"
	KindDeliveryWarning Kind = "preavviso-errore-consegna"
	KindVirusDetected   Kind = "rilevazione-virus"
	receiptTypeComplete      = "completa"
)

// Known reports a kind of the technical rules.
func (k Kind) Known() bool {
	switch k {
	case KindTransport, KindAnomaly, KindAcceptance, KindNonAcceptance, KindTakenInCharge,
		KindDelivery, KindDeliveryError, KindDeliveryWarning, KindVirusDetected:
		return true
	}
	return false
}

// Receipt reports a receipt or notice (X-Ricevuta), not an envelope.
func (k Kind) Receipt() bool { return k.Known() && k != KindTransport && k != KindAnomaly }

// Claims are the top-level headers: nobody signed them.
type Claims struct {
	From      string   `json:"from,omitempty"`
	To        []string `json:"to,omitempty"`
	Cc        []string `json:"cc,omitempty"`
	ReplyTo   string   `json:"reply_to,omitempty"`
	Subject   string   `json:"subject,omitempty"`
	Date      string   `json:"date,omitempty"`
	MessageID string   `json:"message_id,omitempty"`
	// RefMessageID is X-Riferimento-Message-ID.
	RefMessageID string `json:"ref_message_id,omitempty"`
	// Transport is X-Trasporto, Receipt X-Ricevuta, ReceiptType
	// X-TipoRicevuta.
	Transport   string `json:"x_trasporto,omitempty"`
	Receipt     string `json:"x_ricevuta,omitempty"`
	ReceiptType string `json:"x_tipo_ricevuta,omitempty"`
	// Kind is what the headers say the message is ("" when they do not
	// say, or say two things).
	Kind Kind `json:"kind,omitempty"`
}

func claimsOf(h Header) Claims {
	c := Claims{
		From:         decodeWords(h.Get("From")),
		ReplyTo:      decodeWords(h.Get("Reply-To")),
		Subject:      decodeWords(h.Get("Subject")),
		Date:         h.Get("Date"),
		MessageID:    h.Get("Message-ID"),
		RefMessageID: h.Get("X-Riferimento-Message-ID"),
		Transport:    strings.ToLower(h.Get("X-Trasporto")),
		Receipt:      strings.ToLower(h.Get("X-Ricevuta")),
		ReceiptType:  strings.ToLower(h.Get("X-TipoRicevuta")),
	}
	c.To = addresses(h.Get("To"))
	c.Cc = addresses(h.Get("Cc"))
	switch {
	case c.Transport != "" && c.Receipt != "":
	case c.Transport == "posta-certificata":
		c.Kind = KindTransport
	case c.Transport == "errore":
		c.Kind = KindAnomaly
	case c.Receipt != "":
		c.Kind = Kind(c.Receipt)
	}
	return c
}

// addresses lists the mailboxes of an address header; an unparsable one
// is kept as written.
func addresses(v string) []string {
	if v == "" {
		return nil
	}
	list, err := mail.ParseAddressList(v)
	if err != nil {
		return []string{decodeWords(v)}
	}
	out := make([]string, 0, len(list))
	for _, a := range list {
		out = append(out, a.Address)
	}
	return out
}

// mailbox is the address of a From-like header, lower case.
func mailbox(v string) (addr, display string) {
	a, err := mail.ParseAddress(v)
	if err != nil {
		return strings.ToLower(strings.Trim(strings.TrimSpace(v), "<>")), ""
	}
	return strings.ToLower(a.Address), a.Name
}

// Message is a PEC message split into its parts.
type Message struct {
	r    io.ReaderAt
	size int64
	// Root is the file's top entity; Signed the provider's
	// multipart/signed entity (nil when there is none).
	Root, Signed *Entity
	// Content is the signed entity (the first part of Signed), Sig the
	// signature part.
	Content, Sig *Entity
	// Claims are the headers of the message the provider sent.
	Claims Claims
	// Rewrapped is set when the provider's message is not the file's
	// top entity: a mailing list or a forward wrapped it. RewrappedAs
	// says how (a MIME part, an attached message).
	Rewrapped   bool
	RewrappedAs string
	// DaticertPart and PostacertPart are the parts inside Content.
	DaticertPart, PostacertPart *Entity
}

// NotPECError is a file that is not a PEC message.
type NotPECError struct{ Reason string }

func (e *NotPECError) Error() string { return "not a PEC message: " + e.Reason }

// OutlookMsgError is an Outlook .msg export: a binary container from
// which the MIME message, and with it the provider's signature, is lost.
type OutlookMsgError struct{}

func (e *OutlookMsgError) Error() string {
	return "an Outlook .msg file: the MIME message, and the provider's signature with it, was lost in the export"
}

// OpaqueError is an S/MIME opaque-signed PEC (application/pkcs7-mime):
// legal, but not handled.
type OpaqueError struct{}

func (e *OpaqueError) Error() string {
	return "an opaque-signed message (application/pkcs7-mime): not supported, only multipart/signed"
}

var oleMagic = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}

// Sniff says what the first bytes of a file look like: "msg" for an
// Outlook .msg, "daticert" for a daticert.xml saved on its own, "mime"
// for a message whose header names a PEC (X-Trasporto or X-Ricevuta), ""
// for anything else.
func Sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, oleMagic):
		return "msg"
	case looksDaticert(head):
		return "daticert"
	}
	hdr := head
	if i := bytes.Index(hdr, []byte("\n\r\n")); i >= 0 {
		hdr = hdr[:i]
	} else if i := bytes.Index(hdr, []byte("\n\n")); i >= 0 {
		hdr = hdr[:i]
	}
	l := bytes.ToLower(hdr)
	if bytes.Contains(l, []byte("\nx-trasporto:")) || bytes.Contains(l, []byte("\nx-ricevuta:")) ||
		bytes.HasPrefix(l, []byte("x-trasporto:")) || bytes.HasPrefix(l, []byte("x-ricevuta:")) {
		return "mime"
	}
	return ""
}

func looksDaticert(head []byte) bool {
	h := head
	if bytes.HasPrefix(h, []byte{0xff, 0xfe}) || bytes.HasPrefix(h, []byte{0xfe, 0xff}) {
		h = fromUTF16(h[2:len(h)&^1], h[0] == 0xff)
	}
	h = bytes.TrimPrefix(h, []byte{0xef, 0xbb, 0xbf})
	h = bytes.TrimLeft(h, " \t\r\n")
	return (bytes.HasPrefix(h, []byte("<?xml")) || bytes.HasPrefix(h, []byte("<postacert"))) && bytes.Contains(h, []byte("<postacert"))
}

// Open splits the message in r (size bytes) and finds the provider's
// signed part. An Outlook export gives *OutlookMsgError, a file that is
// not a PEC *NotPECError.
func Open(r io.ReaderAt, size int64) (*Message, error) {
	head := make([]byte, 8)
	n, _ := r.ReadAt(head, 0)
	if bytes.HasPrefix(head[:n], oleMagic) {
		return nil, &OutlookMsgError{}
	}
	root, err := Split(r, 0, size)
	if err != nil {
		return nil, err
	}
	m := &Message{r: r, size: size, Root: root}
	m.Claims = claimsOf(root.Header)
	signed, carrier, how := findSigned(root)
	if signed == nil {
		if opaque(root) {
			return nil, &OpaqueError{}
		}
		if m.Claims.Kind == "" {
			return nil, &NotPECError{Reason: "no provider signature (multipart/signed) and no PEC header"}
		}
		return m, nil
	}
	m.Signed = signed
	if signed != root {
		m.Rewrapped, m.RewrappedAs = true, how
		// The provider's headers travel with its entity when it was
		// attached whole; a list keeps them at the top.
		if c := claimsOf(carrier.Header); c.Kind != "" || m.Claims.Kind == "" {
			m.Claims = c
		}
	}
	if len(signed.Children) >= 1 {
		m.Content = signed.Children[0]
	}
	if len(signed.Children) >= 2 {
		m.Sig = signed.Children[1]
	}
	if m.Content != nil {
		m.DaticertPart, m.PostacertPart = findParts(m.Content)
	}
	return m, nil
}

// findSigned returns the provider's multipart/signed entity: the root,
// else the first one found inside (breadth first), with the entity whose
// headers came with it and how it was wrapped.
func findSigned(root *Entity) (signed, carrier *Entity, how string) {
	type item struct {
		e, carrier *Entity
		how        string
	}
	queue := []item{{root, root, ""}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		if isSigned(it.e) {
			return it.e, it.carrier, it.how
		}
		for _, c := range it.e.Children {
			queue = append(queue, item{c, c, "a part of a " + it.e.MediaType + " message (a mailing list or a client wrapped it)"})
		}
		if it.e.Message != nil {
			queue = append(queue, item{it.e.Message, it.e.Message, "an attached message (forwarded as attachment)"})
		}
	}
	return nil, nil, ""
}

func isSigned(e *Entity) bool {
	if e.MediaType != "multipart/signed" {
		return false
	}
	p := strings.ToLower(e.Params["protocol"])
	return p == "application/pkcs7-signature" || p == "application/x-pkcs7-signature"
}

func opaque(e *Entity) bool {
	return e.MediaType == "application/pkcs7-mime" || e.MediaType == "application/x-pkcs7-mime"
}

// findParts finds daticert.xml and postacert.eml in the signed entity.
func findParts(content *Entity) (dati, post *Entity) {
	var walk func(e *Entity)
	walk = func(e *Entity) {
		name := strings.ToLower(e.Filename())
		switch {
		case dati == nil && (name == "daticert.xml" || (name == "" && e.MediaType == "application/xml" && dati == nil)):
			dati = e
		case post == nil && (name == "postacert.eml" || (name == "" && e.MediaType == "message/rfc822")):
			post = e
		}
		for _, c := range e.Children {
			walk(c)
		}
	}
	walk(content)
	return dati, post
}

// Reader returns the stored bytes r[start:end].
func (m *Message) Reader(start, end int64) io.Reader {
	return io.NewSectionReader(m.r, start, end-start)
}

// Body returns e's body decoded from its transfer encoding.
func (m *Message) Body(e *Entity) io.Reader {
	return decodeBody(e.Encoding(), m.Reader(e.BodyStart, e.End))
}

// readSmall reads e's decoded body up to limit bytes.
func (m *Message) readSmall(e *Entity, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(m.Body(e), limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d KiB", limit>>10)
	}
	return b, nil
}

// Discrepancy is a top-level header (a claim) that disagrees with the
// signed data.
type Discrepancy struct {
	// Field names what is compared: kind, message_id, ref_message_id,
	// sender, receipt_type, subject, time.
	Field string `json:"field"`
	// Header is the header's value (or the CMS signing time), Signed the
	// value in the signed daticert.xml.
	Header string `json:"header"`
	Signed string `json:"signed"`
}

// compare lists where the claims disagree with daticert.xml.
func compare(c Claims, d *Daticert) []Discrepancy {
	var out []Discrepancy
	add := func(field, h, s string) { out = append(out, Discrepancy{Field: field, Header: h, Signed: s}) }
	if c.Kind != d.Kind {
		hk := string(c.Kind)
		if hk == "" {
			hk = strings.TrimSpace(c.Transport + " " + c.Receipt)
		}
		add("kind", hk, string(d.Kind))
	}
	if id := strings.Trim(c.MessageID, "<> "); d.ID != "" && !strings.EqualFold(id, strings.Trim(d.ID, "<> ")) {
		add("message_id", c.MessageID, d.ID)
	}
	if d.MsgID != "" && c.RefMessageID != "" && strings.Trim(c.RefMessageID, "<> ") != strings.Trim(d.MsgID, "<> ") {
		add("ref_message_id", c.RefMessageID, d.MsgID)
	}
	if d.Kind == KindDelivery && c.ReceiptType != "" && d.ReceiptType != "" && c.ReceiptType != d.ReceiptType {
		add("receipt_type", c.ReceiptType, d.ReceiptType)
	}
	sender := strings.ToLower(d.Sender)
	switch {
	case d.Kind == KindTransport:
		// From: "Per conto di: <sender>" <posta-certificata@domain>
		_, display := mailbox(c.From)
		if sender != "" && !strings.Contains(strings.ToLower(display), sender) {
			add("sender", c.From, d.Sender)
		}
	case d.Kind.Receipt() && sender != "" && len(c.To) > 0:
		found := false
		for _, t := range c.To {
			found = found || strings.EqualFold(t, sender)
		}
		if !found {
			add("sender", strings.Join(c.To, ", "), d.Sender)
		}
	}
	if d.Subject != "" && c.Subject != "" && !strings.HasSuffix(strings.TrimSpace(c.Subject), strings.TrimSpace(d.Subject)) {
		add("subject", c.Subject, d.Subject)
	}
	return out
}

// ProviderAddress is the envelope's From address when it is a provider's
// posta-certificata@<domain>, "" otherwise.
func (c Claims) ProviderAddress() string {
	addr, _ := mailbox(c.From)
	if strings.HasPrefix(addr, "posta-certificata@") {
		return addr
	}
	return ""
}

// timeText formats t for a discrepancy.
func timeText(t time.Time) string { return t.UTC().Format(time.RFC3339) }

var errNoSignature = errors.New("no provider signature")
