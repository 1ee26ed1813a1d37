package pec

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/verify"
)

// OIDPolicyPEC is the certificate policy of PEC providers' certificates
// in AgID's arc (observed on Aruba, Sogei and Namirial certificates).
var OIDPolicyPEC = asn1.ObjectIdentifier{1, 3, 76, 16, 3, 1, 1}

// MaxSignaturePart bounds smime.p7s (real ones are 3-6 KiB).
const MaxSignaturePart = 1 << 20

// MaxNested bounds PECs inside PECs.
const MaxNested = 4

// Options steer Verify.
type Options struct {
	// Trust holds the anchors for the provider's certificate: a CA for
	// PEC providers (AgID CA1, DigitPA CA1, or their roots), the system
	// store. Its chain must carry rfc822 name constraints.
	Trust *verify.TrustStore
	// AttachmentTrust holds the anchors for signed attachments
	// (qualified signatures: the trusted list); nil means Trust.
	AttachmentTrust *verify.TrustStore
	// Now is the clock; At a validation time asked for (zero: now).
	Now func() time.Time
	At  time.Time
	// Online, HTTPClient and Timeout are passed to package verify.
	Online     bool
	HTTPClient *http.Client
	Timeout    time.Duration
	// Name is the file name shown in reports.
	Name string
	// SkipAttachments leaves signed attachments unverified.
	SkipAttachments bool
	depth           int
}

// Result is the verification of one PEC file.
type Result struct {
	File string `json:"file"`
	// Kind is what the message is: from the signed daticert.xml when
	// there is one (KindSource "daticert"), else from the unsigned
	// headers (KindSource "headers").
	Kind       Kind   `json:"kind"`
	KindSource string `json:"kind_source"`
	// ReceiptType is completa, breve or sintetica for a delivery
	// receipt.
	ReceiptType string `json:"receipt_type,omitempty"`
	// Indication is the verdict now, by the rules of every signature;
	// the provider's signature as of the certified time is in
	// Provider.AtCertifiedTime.
	Indication    verify.Indication    `json:"indication"`
	SubIndication verify.SubIndication `json:"sub_indication,omitempty"`
	Reason        verify.Message       `json:"reason,omitzero"`
	// DaticertOnly: the file is a daticert.xml saved on its own: shown,
	// but nothing signs it.
	DaticertOnly bool      `json:"daticert_only,omitempty"`
	Daticert     *Daticert `json:"daticert,omitempty"`
	// DaticertError says why the signed daticert.xml could not be read.
	DaticertError string `json:"daticert_error,omitempty"`
	// Headers are the top-level headers: claims, not signed.
	Headers       Claims        `json:"headers"`
	Discrepancies []Discrepancy `json:"discrepancies,omitempty"`
	Rewrapped     bool          `json:"rewrapped,omitempty"`
	RewrappedAs   string        `json:"rewrapped_as,omitempty"`
	// LineEnds of the signed part as stored; LFConverted says bare LFs
	// were taken as CRLF to check the signature.
	LineEnds    *LineEnds `json:"line_ends,omitempty"`
	Storage     string    `json:"storage,omitempty"`
	LFConverted bool      `json:"lf_converted,omitempty"`
	Provider    *Provider `json:"provider_signature,omitempty"`
	// Postacert is the original message (envelopes, complete receipts).
	Postacert *Postacert `json:"postacert,omitempty"`
	// Warnings do not change the indication.
	Warnings []verify.Message `json:"warnings,omitempty"`

	msg *Message
}

// Provider is the provider's signature.
type Provider struct {
	// Indication is the verdict now (OUT_OF_BOUNDS_NO_POE once the
	// certificate has expired: PEC carries no timestamp).
	Indication    verify.Indication    `json:"indication"`
	SubIndication verify.SubIndication `json:"sub_indication,omitempty"`
	Reason        verify.Message       `json:"reason,omitzero"`
	// AtCertifiedTime is the same verdict as of the certified time.
	AtCertifiedTimeIndication    verify.Indication    `json:"at_certified_time_indication,omitempty"`
	AtCertifiedTimeSubIndication verify.SubIndication `json:"at_certified_time_sub_indication,omitempty"`
	AtCertifiedTimeReason        verify.Message       `json:"at_certified_time_reason,omitzero"`
	CertifiedTime                *time.Time           `json:"certified_time,omitempty"`
	// Name is the certificate's subject common name, Addresses its
	// rfc822 names, Policy whether it carries OIDPolicyPEC.
	Name      string   `json:"name,omitempty"`
	Addresses []string `json:"addresses,omitempty"`
	Policy    bool     `json:"pec_policy"`
	// Checks are the PEC checks: provider_address, pec_policy,
	// name_constraints.
	Checks []verify.Check `json:"checks"`
	// Now and AtCertifiedTime are package verify's reports.
	Now             *verify.Report `json:"now"`
	AtCertifiedTime *verify.Report `json:"at_certified_time,omitempty"`
}

// Postacert is the original message the provider certified.
type Postacert struct {
	From        string        `json:"from,omitempty"`
	To          []string      `json:"to,omitempty"`
	Cc          []string      `json:"cc,omitempty"`
	Subject     string        `json:"subject,omitempty"`
	Date        string        `json:"date,omitempty"`
	MessageID   string        `json:"message_id,omitempty"`
	Size        int64         `json:"size"`
	Attachments []*Attachment `json:"attachments,omitempty"`
	entity      *Entity
}

// Attachment is a file in postacert.eml.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	// Kind is signed (.p7m, .p7s, .tsd, .m7m), pec (a PEC inside), xades
	// (XML with an XML signature: named, not verified) or "".
	Kind   string         `json:"kind,omitempty"`
	Report *verify.Report `json:"report,omitempty"`
	PEC    *Result        `json:"pec,omitempty"`
	// Error says why a signed attachment could not be verified.
	Error  verify.Message `json:"error,omitzero"`
	entity *Entity
}

// Verify reads and verifies the PEC file in r (size bytes).
func Verify(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*Result, error) {
	res := &Result{File: opts.Name}
	head := make([]byte, 512)
	n, _ := r.ReadAt(head, 0)
	if Sniff(head[:n]) == "daticert" {
		return verifyDaticertOnly(r, size, res)
	}
	m, err := Open(r, size)
	if err != nil {
		return nil, err
	}
	res.msg = m
	res.Headers = m.Claims
	res.Rewrapped, res.RewrappedAs = m.Rewrapped, m.RewrappedAs
	res.Kind, res.KindSource = m.Claims.Kind, "headers"
	if m.DaticertPart != nil {
		b, err := m.readSmall(m.DaticertPart, MaxDaticert)
		if err == nil {
			res.Daticert, err = ParseDaticert(b)
		}
		if err != nil {
			res.DaticertError = err.Error()
		}
	}
	if d := res.Daticert; d != nil {
		res.Kind, res.KindSource = d.Kind, "daticert"
		res.ReceiptType = d.ReceiptType
		res.Discrepancies = compare(m.Claims, d)
		if !d.Kind.Known() {
			res.Warnings = append(res.Warnings, verify.Messagef("daticert.xml names an unknown kind %q", d.Kind))
		}
	} else if res.Kind == KindDelivery {
		res.ReceiptType = m.Claims.ReceiptType
	}
	if m.Claims.Transport != "" && m.Claims.Receipt != "" {
		res.Warnings = append(res.Warnings, verify.Messagef("the headers carry both X-Trasporto and X-Ricevuta: they name two kinds"))
	}
	if m.Signed == nil {
		res.Indication, res.SubIndication = verify.Indeterminate, verify.NoSigningCertificateFound
		res.Reason = verify.Messagef("the message carries PEC headers but no provider signature (multipart/signed)")
		return res, nil
	}
	if res.Daticert == nil && res.Kind != KindAnomaly {
		res.Warnings = append(res.Warnings, verify.Messagef("the signed part holds no readable daticert.xml: only the unsigned headers say what this message is"))
	}
	if err := verifyProvider(ctx, m, res, opts); err != nil {
		return nil, err
	}
	if res.Daticert != nil && res.Provider != nil && res.Provider.Now != nil {
		if st := signingTime(res.Provider.Now); st != nil && !res.Daticert.Time.IsZero() {
			if d := st.Sub(res.Daticert.Time); d > time.Minute || d < -time.Minute {
				res.Discrepancies = append(res.Discrepancies, Discrepancy{Field: "time", Header: timeText(*st), Signed: timeText(res.Daticert.Time)})
			}
		}
	}
	if m.PostacertPart != nil {
		if err := postacert(ctx, m, res, opts); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func verifyDaticertOnly(r io.ReaderAt, size int64, res *Result) (*Result, error) {
	if size > MaxDaticert {
		return nil, &DaticertError{fmt.Errorf("larger than %d KiB", MaxDaticert>>10)}
	}
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	d, err := ParseDaticert(b)
	if err != nil {
		return nil, err
	}
	res.DaticertOnly = true
	res.Daticert = d
	res.Kind, res.KindSource, res.ReceiptType = d.Kind, "daticert", d.ReceiptType
	res.Indication, res.SubIndication = verify.Indeterminate, verify.NoSigningCertificateFound
	res.Reason = verify.Messagef("a daticert.xml saved on its own is not signed: the provider's signature is in the message it came from")
	return res, nil
}

func signingTime(rep *verify.Report) *time.Time {
	if s := firstSignature(rep); s != nil {
		return s.SigningTime
	}
	return nil
}

func firstSignature(rep *verify.Report) *verify.Signature {
	if rep == nil {
		return nil
	}
	for _, l := range rep.Layers {
		for _, s := range l.Signatures {
			return s
		}
	}
	return nil
}

// verifyProvider checks the provider's signature over the signed part,
// now and as of the certified time.
func verifyProvider(ctx context.Context, m *Message, res *Result, opts Options) error {
	p := &Provider{Checks: []verify.Check{}}
	res.Provider = p
	if m.Content == nil || m.Sig == nil {
		p.Indication, p.SubIndication = verify.TotalFailed, verify.FormatFailure
		p.Reason = verify.Messagef("the multipart/signed has no signature part")
		res.Indication, res.SubIndication, res.Reason = p.Indication, p.SubIndication, p.Reason
		return nil
	}
	le, err := countLineEnds(m.Reader(m.Content.Start, m.Content.End))
	if err != nil {
		return err
	}
	res.LineEnds, res.Storage = &le, le.Storage()
	convert := le.LF > 0
	if convert && (le.BareCR > 0 || le.NUL > 0) {
		// Binary bytes in a file whose line ends were changed: which LF
		// was a line end cannot be told. The bytes are checked as stored.
		convert = false
		res.Warnings = append(res.Warnings, verify.Messagef("the signed part has bare LF line ends and binary bytes (NUL or bare CR): its line ends cannot be restored safely, so it is checked as stored"))
	}
	res.LFConverted = convert
	content := func() io.Reader {
		r := m.Reader(m.Content.Start, m.Content.End)
		if convert {
			return newCRLFReader(r)
		}
		return r
	}
	sig, err := m.readSmall(m.Sig, MaxSignaturePart)
	if err != nil {
		p.Indication, p.SubIndication = verify.TotalFailed, verify.FormatFailure
		p.Reason = verify.Messagef("the signature part cannot be read: %s", err)
		res.Indication, res.SubIndication, res.Reason = p.Indication, p.SubIndication, p.Reason
		return nil
	}
	run := func(at time.Time) (*verify.Report, error) {
		return verify.Verify(ctx, bytes.NewReader(sig), verify.Options{
			Trust: opts.Trust, Content: content(), Online: opts.Online, HTTPClient: opts.HTTPClient,
			Timeout: opts.Timeout, Now: opts.Now, At: at, Name: opts.Name, Rules: verify.RulesPEC,
		})
	}
	now, err := run(opts.At)
	if err != nil {
		var ve *verify.ExtractError
		if errors.As(err, &ve) || errors.Is(err, context.Canceled) {
			return err
		}
		p.Indication, p.SubIndication = verify.TotalFailed, verify.FormatFailure
		p.Reason = verify.Messagef("the signature part is not a CMS signature: %s", err)
		res.Indication, res.SubIndication, res.Reason = p.Indication, p.SubIndication, p.Reason
		return nil
	}
	p.Now = now
	s := firstSignature(now)
	var certified time.Time
	switch {
	case res.Daticert != nil && !res.Daticert.Time.IsZero():
		certified = res.Daticert.Time
	case s != nil && s.SigningTime != nil:
		certified = *s.SigningTime
	}
	if !certified.IsZero() {
		ct := certified
		p.CertifiedTime = &ct
		if p.AtCertifiedTime, err = run(certified); err != nil {
			return err
		}
	}
	if s != nil && s.Certificate != nil {
		pecChecks(p, s, m.Claims)
	}
	p.Indication, p.SubIndication, p.Reason = worst(now, p.Checks)
	if p.AtCertifiedTime != nil {
		p.AtCertifiedTimeIndication, p.AtCertifiedTimeSubIndication, p.AtCertifiedTimeReason = worst(p.AtCertifiedTime, p.Checks)
	}
	if s != nil && len(now.Layers) == 1 && len(now.Layers[0].Signatures) > 1 {
		res.Warnings = append(res.Warnings, verify.Messagef("the signature part holds more than one signer; the first is the provider's"))
	}
	res.Indication, res.SubIndication, res.Reason = p.Indication, p.SubIndication, p.Reason
	if p.SubIndication == verify.HashFailure && le.Storage() != "crlf" && !convert {
		res.Warnings = append(res.Warnings, verify.Messagef("the line ends of the signed part were changed and could not be restored"))
	}
	return nil
}

// worst combines a report's verdict with the PEC checks: the worst
// sub-indication decides, by its own indication.
func worst(rep *verify.Report, checks []verify.Check) (verify.Indication, verify.SubIndication, verify.Message) {
	ind, sub, reason := rep.Indication, rep.SubIndication, rep.Reason
	for _, c := range checks {
		if c.SubIndication == "" {
			continue
		}
		if ci := c.SubIndication.Indication(); ci.Worse(ind) {
			ind, sub, reason = ci, c.SubIndication, c.Detail
		}
	}
	return ind, sub, reason
}

// pecChecks are what a PEC provider certificate must be beyond a valid
// chain: bound to PEC providers' mail domains by the name constraints of
// a CA on its chain (AgID CA1 carries them), with the PEC policy, and
// the envelope's posta-certificata@<domain> among its addresses.
func pecChecks(p *Provider, s *verify.Signature, c Claims) {
	cert := s.Certificate
	p.Name = cert.Subject.CommonName
	for _, a := range cert.EmailAddresses {
		p.Addresses = append(p.Addresses, strings.ToLower(a))
	}
	for _, pol := range cert.PolicyIdentifiers {
		p.Policy = p.Policy || pol.Equal(OIDPolicyPEC)
	}
	for _, pol := range cert.Policies {
		p.Policy = p.Policy || pol.EqualASN1OID(OIDPolicyPEC)
	}
	add := func(ch verify.Check) { p.Checks = append(p.Checks, ch) }
	from := c.ProviderAddress()
	switch {
	case len(p.Addresses) == 0:
		add(verify.Check{Name: "provider_address", Status: verify.StatusIndeterminate, SubIndication: verify.ChainConstraintsFailure, Detail: verify.Messagef("the certificate names no e-mail address: it is not a PEC provider's certificate")})
	case from == "":
		add(verify.Check{Name: "provider_address", Status: verify.StatusWarning, Detail: verify.Messagef("the envelope's From is not a posta-certificata@ address; the certificate is %s", strings.Join(p.Addresses, ", "))})
	case contains(p.Addresses, from):
		add(verify.Check{Name: "provider_address", Status: verify.StatusPassed, Detail: verify.Messagef("the certificate is the envelope's %s", from)})
	default:
		add(verify.Check{Name: "provider_address", Status: verify.StatusWarning, Detail: verify.Messagef("the envelope's From (%s, not signed) is not the certificate's address (%s)", from, strings.Join(p.Addresses, ", "))})
	}
	if p.Policy {
		add(verify.Check{Name: "pec_policy", Status: verify.StatusPassed, Detail: verify.Messagef("PEC provider policy %s", OIDPolicyPEC.String())})
	} else {
		add(verify.Check{Name: "pec_policy", Status: verify.StatusWarning, Detail: verify.Messagef("the certificate does not carry the PEC provider policy %s", OIDPolicyPEC.String())})
	}
	if len(s.ChainCertificates) == 0 {
		add(verify.Check{Name: "name_constraints", Status: verify.StatusNotChecked, Detail: verify.Messagef("not checked: no chain to a trusted anchor")})
		return
	}
	if ok, detail := nameConstraints(s.ChainCertificates, p.Addresses); ok {
		add(verify.Check{Name: "name_constraints", Status: verify.StatusPassed, Detail: detail})
	} else {
		add(verify.Check{Name: "name_constraints", Status: verify.StatusIndeterminate, SubIndication: verify.ChainConstraintsFailure, Detail: detail})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// nameConstraints checks the rfc822 name constraints (RFC 5280
// §4.2.1.10) of the chain's CAs on the leaf's addresses, and that at
// least one CA has them: without, nothing binds the certificate to PEC
// providers' domains.
func nameConstraints(chain []*x509.Certificate, addrs []string) (bool, verify.Message) {
	constrained := ""
	for _, ca := range chain[1:] {
		if len(ca.PermittedEmailAddresses) == 0 && len(ca.ExcludedEmailAddresses) == 0 {
			continue
		}
		if constrained == "" {
			constrained = certinfo.FormatName(ca.Subject)
		}
		for _, a := range addrs {
			if len(ca.PermittedEmailAddresses) > 0 && !matchAny(ca.PermittedEmailAddresses, a) {
				return false, verify.Messagef("%s is outside the mail domains %s permits", a, certinfo.FormatName(ca.Subject))
			}
			if matchAny(ca.ExcludedEmailAddresses, a) {
				return false, verify.Messagef("%s is among the mail domains %s excludes", a, certinfo.FormatName(ca.Subject))
			}
		}
	}
	if constrained == "" {
		return false, verify.Messagef("no CA of the chain restricts it to PEC providers' mail domains (name constraints): the anchor is not a CA for PEC providers")
	}
	return true, verify.Messagef("within the PEC providers' mail domains %s permits", constrained)
}

// matchAny matches an address against rfc822Name constraints: a mailbox,
// a host (every mailbox at it) or a domain starting with a dot (every
// host under it).
func matchAny(constraints []string, addr string) bool {
	_, host, ok := strings.Cut(strings.ToLower(addr), "@")
	if !ok {
		return false
	}
	for _, c := range constraints {
		c = strings.ToLower(c)
		switch {
		case strings.Contains(c, "@"):
			if c == strings.ToLower(addr) {
				return true
			}
		case strings.HasPrefix(c, "."):
			if strings.HasSuffix(host, c) {
				return true
			}
		default:
			if host == c {
				return true
			}
		}
	}
	return false
}

// postacert reads the original message and its attachments, verifying
// the signed ones.
func postacert(ctx context.Context, m *Message, res *Result, opts Options) error {
	e := m.PostacertPart
	pc := &Postacert{Size: e.End - e.BodyStart}
	res.Postacert = pc
	inner := e.Message
	if inner == nil {
		res.Warnings = append(res.Warnings, verify.Messagef("postacert.eml is stored in the %s encoding: its attachments are not listed", e.Encoding()))
		return nil
	}
	pc.entity = inner
	h := inner.Header
	pc.From, pc.Subject, pc.Date, pc.MessageID = decodeWords(h.Get("From")), decodeWords(h.Get("Subject")), h.Get("Date"), h.Get("Message-ID")
	pc.To, pc.Cc = addresses(h.Get("To")), addresses(h.Get("Cc"))
	var walk func(x *Entity, top bool)
	walk = func(x *Entity, top bool) {
		if len(x.Children) > 0 {
			for _, c := range x.Children {
				walk(c, false)
			}
			return
		}
		name := x.Filename()
		disp := strings.ToLower(x.Header.Get("Content-Disposition"))
		if name == "" && !strings.HasPrefix(disp, "attachment") && (strings.HasPrefix(x.MediaType, "text/") || top) {
			return // a message body
		}
		pc.Attachments = append(pc.Attachments, &Attachment{Name: name, ContentType: x.MediaType, entity: x})
	}
	walk(inner, true)
	for _, a := range pc.Attachments {
		if err := describe(ctx, m, a, pc.Attachments, opts); err != nil {
			return err
		}
	}
	return nil
}

// describe hashes an attachment and verifies it when it is signed.
func describe(ctx context.Context, m *Message, a *Attachment, all []*Attachment, opts Options) error {
	h := sha256.New()
	dsig := &finder{needle: []byte("http://www.w3.org/2000/09/xmldsig#")}
	head := &headKeeper{max: 4096}
	n, err := io.Copy(io.MultiWriter(h, dsig, head), m.Body(a.entity))
	if err != nil {
		a.Error = verify.Messagef("cannot be decoded: %s", err)
		return nil
	}
	a.Size, a.SHA256 = n, hex.EncodeToString(h.Sum(nil))
	lname := strings.ToLower(a.Name)
	switch {
	case a.entity.Message != nil || strings.HasSuffix(lname, ".eml"):
		if a.entity.Message == nil && Sniff(head.b) != "mime" {
			return nil
		}
		if a.entity.Message != nil && claimsOf(a.entity.Message.Header).Kind == "" {
			return nil
		}
		a.Kind = "pec"
		if opts.SkipAttachments {
			return nil
		}
		if opts.depth+1 >= MaxNested {
			a.Error = verify.Messagef("PEC messages nested more than %d deep: not verified", MaxNested)
			return nil
		}
		if a.entity.Message == nil {
			a.Error = verify.Messagef("the attached message is stored %s-encoded: not verified", a.entity.Encoding())
			return nil
		}
		sub := opts
		sub.depth++
		sub.Name = a.Name
		in := a.entity.Message
		r, err := Verify(ctx, io.NewSectionReader(m.r, in.Start, in.End-in.Start), in.End-in.Start, sub)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			a.Error = verify.Messagef("%s", err)
			return nil
		}
		a.PEC = r
	case hasSuffix(lname, ".p7m", ".p7s", ".tsd", ".m7m") || a.ContentType == "application/pkcs7-mime" || a.ContentType == "application/pkcs7-signature" || a.ContentType == "application/x-pkcs7-mime" || a.ContentType == "application/x-pkcs7-signature":
		a.Kind = "signed"
		if opts.SkipAttachments {
			return nil
		}
		vo := verify.Options{Trust: opts.AttachmentTrust, Online: opts.Online, HTTPClient: opts.HTTPClient, Timeout: opts.Timeout, Now: opts.Now, At: opts.At, Name: a.Name}
		if vo.Trust == nil {
			vo.Trust = opts.Trust
		}
		if strings.HasSuffix(lname, ".p7s") {
			doc := lname[:len(lname)-len(".p7s")]
			for _, b := range all {
				if strings.ToLower(b.Name) == doc {
					vo.Content = m.Body(b.entity)
				}
			}
		}
		rep, err := verify.Verify(ctx, m.Body(a.entity), vo)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			a.Error = verify.Messagef("%s", err)
			return nil
		}
		a.Report = rep
	case (strings.HasSuffix(lname, ".xml") || strings.Contains(a.ContentType, "xml")) && dsig.found:
		a.Kind = "xades"
	}
	return nil
}

func hasSuffix(s string, sfx ...string) bool {
	for _, x := range sfx {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

// PostacertReader returns postacert.eml as stored in the file.
func (r *Result) PostacertReader() (io.Reader, bool) {
	if r.msg == nil || r.msg.PostacertPart == nil {
		return nil, false
	}
	e := r.msg.PostacertPart
	if e.Message == nil {
		return r.msg.Body(e), true
	}
	return r.msg.Reader(e.BodyStart, e.End), true
}

// AttachmentReader returns an attachment's content, decoded.
func (r *Result) AttachmentReader(a *Attachment) io.Reader {
	return r.msg.Body(a.entity)
}

// Intact reports whether the signed part is as the provider signed it:
// its signature was checked and neither the content nor the signature
// was found changed or malformed.
func (r *Result) Intact() bool {
	if r.Provider == nil || r.Provider.Now == nil {
		return false
	}
	return r.Provider.Now.Intact()
}

// finder reports whether needle occurs in what is written to it.
type finder struct {
	needle []byte
	tail   []byte
	found  bool
}

func (f *finder) Write(p []byte) (int, error) {
	if f.found {
		return len(p), nil
	}
	buf := append(f.tail, p...)
	if bytes.Contains(buf, f.needle) {
		f.found = true
		return len(p), nil
	}
	k := len(f.needle) - 1
	if len(buf) < k {
		k = len(buf)
	}
	f.tail = append(f.tail[:0], buf[len(buf)-k:]...)
	return len(p), nil
}

// headKeeper keeps the first max bytes written to it.
type headKeeper struct {
	max int
	b   []byte
}

func (h *headKeeper) Write(p []byte) (int, error) {
	if room := h.max - len(h.b); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		h.b = append(h.b, p[:room]...)
	}
	return len(p), nil
}
