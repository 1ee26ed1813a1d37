package pec

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDaticert bounds daticert.xml: the real ones are about 1 KiB.
const MaxDaticert = 1 << 20

// Daticert is the provider's certified data (daticert.xml, DTD in the
// technical rules §7.4): inside the signed part it is the source of
// truth of an envelope or receipt.
type Daticert struct {
	// Kind is postacert@tipo: posta-certificata, accettazione, ...
	Kind Kind `json:"kind"`
	// Error is postacert@errore: nessuno, no-dest, no-dominio, virus,
	// altro.
	Error  string `json:"error,omitempty"`
	Sender string `json:"sender"`
	// Recipients are the destinatari with their tipo (certificato,
	// esterno).
	Recipients []Recipient `json:"recipients"`
	ReplyTo    string      `json:"reply_to,omitempty"`
	Subject    string      `json:"subject"`
	// Provider is gestore-emittente, the issuing provider's name.
	Provider string `json:"provider"`
	// Time is the certified time in UTC; LocalTime is the same instant
	// as written (giorno, ora, zona); TimeText the three as written.
	Time      time.Time `json:"time"`
	LocalTime string    `json:"local_time"`
	// TimeError says why the time could not be read.
	TimeError string `json:"time_error,omitempty"`
	// ID is identificativo: the provider's Message-ID of this message.
	ID string `json:"id"`
	// MsgID is the original message's Message-ID (msgid).
	MsgID string `json:"msgid,omitempty"`
	// ReceiptType is ricevuta@tipo: completa, breve, sintetica.
	ReceiptType string `json:"receipt_type,omitempty"`
	// Delivery is consegna: the mailbox a delivery receipt is about.
	Delivery string `json:"delivery,omitempty"`
	// Receptions are the ricezione elements (presa in carico).
	Receptions []string `json:"receptions,omitempty"`
	// ErrorDetail is errore-esteso.
	ErrorDetail string `json:"error_detail,omitempty"`
	// Encoding is how the file was stored: utf-8, utf-8 with BOM,
	// utf-16le, utf-16be, or the XML declaration's encoding.
	Encoding string `json:"encoding"`
}

// Recipient is one destinatari element.
type Recipient struct {
	Address string `json:"address"`
	// Type is certificato (a PEC mailbox) or esterno (ordinary mail).
	Type string `json:"type"`
}

type xmlDaticert struct {
	XMLName      xml.Name `xml:"postacert"`
	Tipo         string   `xml:"tipo,attr"`
	Errore       string   `xml:"errore,attr"`
	Intestazione struct {
		Mittente    string `xml:"mittente"`
		Destinatari []struct {
			Tipo string `xml:"tipo,attr"`
			Addr string `xml:",chardata"`
		} `xml:"destinatari"`
		Risposte string `xml:"risposte"`
		Oggetto  string `xml:"oggetto"`
	} `xml:"intestazione"`
	Dati struct {
		Gestore string `xml:"gestore-emittente"`
		Data    struct {
			Zona   string `xml:"zona,attr"`
			Giorno string `xml:"giorno"`
			Ora    string `xml:"ora"`
		} `xml:"data"`
		Identificativo string `xml:"identificativo"`
		Msgid          string `xml:"msgid"`
		Ricevuta       struct {
			Tipo string `xml:"tipo,attr"`
		} `xml:"ricevuta"`
		Consegna     string   `xml:"consegna"`
		Ricezione    []string `xml:"ricezione"`
		ErroreEsteso string   `xml:"errore-esteso"`
	} `xml:"dati"`
}

// DaticertError is a daticert.xml that cannot be read.
type DaticertError struct{ Err error }

func (e *DaticertError) Error() string { return "reading daticert.xml: " + e.Err.Error() }
func (e *DaticertError) Unwrap() error { return e.Err }

// ParseDaticert reads daticert.xml: UTF-8 (with or without BOM), UTF-16
// with BOM (a copy saved by a Windows tool), or ISO-8859-1 when the XML
// declaration says so.
func ParseDaticert(b []byte) (*Daticert, error) {
	if len(b) > MaxDaticert {
		return nil, &DaticertError{fmt.Errorf("larger than %d KiB", MaxDaticert>>10)}
	}
	enc := "utf-8"
	switch {
	case bytes.HasPrefix(b, []byte{0xef, 0xbb, 0xbf}):
		b, enc = b[3:], "utf-8 with BOM"
	case bytes.HasPrefix(b, []byte{0xff, 0xfe}), bytes.HasPrefix(b, []byte{0xfe, 0xff}):
		le := b[0] == 0xff
		enc = "utf-16be"
		if le {
			enc = "utf-16le"
		}
		b = fromUTF16(b[2:], le)
	}
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		l := strings.ToLower(label)
		if strings.HasPrefix(enc, "utf-16") && strings.HasPrefix(l, "utf-16") {
			return r, nil // already decoded from the BOM
		}
		cr, err := charsetReader(l, r)
		if err == nil && l != "utf-8" && l != "us-ascii" {
			enc = l
		}
		return cr, err
	}
	dec.Strict = true
	var x xmlDaticert
	if err := dec.Decode(&x); err != nil {
		return nil, &DaticertError{err}
	}
	d := &Daticert{
		Kind:        Kind(strings.TrimSpace(x.Tipo)),
		Error:       strings.TrimSpace(x.Errore),
		Sender:      strings.TrimSpace(x.Intestazione.Mittente),
		ReplyTo:     strings.TrimSpace(x.Intestazione.Risposte),
		Subject:     x.Intestazione.Oggetto,
		Provider:    strings.TrimSpace(x.Dati.Gestore),
		ID:          strings.TrimSpace(x.Dati.Identificativo),
		MsgID:       strings.TrimSpace(x.Dati.Msgid),
		ReceiptType: strings.TrimSpace(x.Dati.Ricevuta.Tipo),
		Delivery:    strings.TrimSpace(x.Dati.Consegna),
		ErrorDetail: strings.TrimSpace(x.Dati.ErroreEsteso),
		Encoding:    enc,
	}
	for _, r := range x.Intestazione.Destinatari {
		d.Recipients = append(d.Recipients, Recipient{Address: strings.TrimSpace(r.Addr), Type: strings.TrimSpace(r.Tipo)})
	}
	for _, r := range x.Dati.Ricezione {
		d.Receptions = append(d.Receptions, strings.TrimSpace(r))
	}
	giorno, ora, zona := strings.TrimSpace(x.Dati.Data.Giorno), strings.TrimSpace(x.Dati.Data.Ora), strings.TrimSpace(x.Dati.Data.Zona)
	d.LocalTime = strings.TrimSpace(giorno + " " + ora + " " + zona)
	if t, err := certifiedTime(giorno, ora, zona); err != nil {
		d.TimeError = err.Error()
	} else {
		d.Time = t
	}
	if d.Kind == "" {
		return nil, &DaticertError{errors.New("postacert has no tipo")}
	}
	return d, nil
}

// certifiedTime reads giorno (dd/mm/yyyy), ora (hh:mm:ss, local) and
// zona (+hhmm) as an instant (technical rules §7.1-7.2).
func certifiedTime(giorno, ora, zona string) (time.Time, error) {
	if len(zona) != 5 || (zona[0] != '+' && zona[0] != '-') {
		return time.Time{}, fmt.Errorf("zona %q is not +hhmm", zona)
	}
	t, err := time.Parse("02/01/2006 15:04:05 -0700", giorno+" "+ora+" "+zona)
	if err != nil {
		return time.Time{}, fmt.Errorf("giorno %q, ora %q: not dd/mm/yyyy hh:mm:ss", giorno, ora)
	}
	return t.UTC(), nil
}

func fromUTF16(b []byte, le bool) []byte {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		if le {
			u = append(u, uint16(b[i])|uint16(b[i+1])<<8)
		} else {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
	}
	var out []byte
	for _, r := range utf16.Decode(u) {
		out = utf8.AppendRune(out, r)
	}
	// The declaration still says UTF-16: the bytes are UTF-8 now.
	return bytes.Replace(out, []byte(`encoding="UTF-16"`), []byte(`encoding="UTF-8"`), 1)
}

// charsetReader decodes the charsets PEC providers write (UTF-8,
// ISO-8859-1, windows-1252 for its Latin-1 range, US-ASCII).
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "iso8859-1", "latin1", "iso-8859-15", "windows-1252", "cp1252":
		return &latin1Reader{r: r}, nil
	}
	return nil, fmt.Errorf("charset %q not supported", label)
}

// latin1Reader turns ISO-8859-1 bytes into UTF-8.
type latin1Reader struct {
	r   io.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	for len(l.buf) == 0 {
		in := make([]byte, (len(p)+1)/2)
		n, err := l.r.Read(in)
		for _, c := range in[:n] {
			l.buf = utf8.AppendRune(l.buf, rune(c))
		}
		if n == 0 && err != nil {
			return 0, err
		}
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}
