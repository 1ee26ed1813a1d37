// Package tsl reads ETSI TS 119 612 trusted lists (the Italian TSL-IT.xml
// that AgID publishes, and any EU list): the services with their whole
// status history, their certificates, and the list's own XML signature,
// checked with internal/xmldsig before anything in the list is believed.
//
// Contract: Read takes at most MaxSize bytes, refuses DOCTYPEs and
// entities, and reads the services only from the bytes the signature
// covers (signature wrapping cannot add a service). A list signed with a
// certificate that has expired since its issue date is still used, with a
// warning (Info.SignerExpired); one signed by a certificate that had
// already expired is refused. A certificate Go cannot parse is skipped
// with a note naming its service (Info.Skipped). Service.Periods says when
// a service's certificates were anchors, pre-eIDAS statuses in both URI
// forms included (DSS's rule). Errors carry data: Error wraps the cause,
// SignatureError says what is wrong with the signature (Problem).
package tsl

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/beevik/etree"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/xmldsig"
)

// ETSI TS 119 612 service types that give anchors.
const (
	TypeCAQC   = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
	TypeTSAQT  = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
	TypeTSA    = "http://uri.etsi.org/TrstSvc/Svctype/TSA"
	TypeTSAQC  = "http://uri.etsi.org/TrstSvc/Svctype/TSA/TSS-QC"
	TypeTSAAdQ = "http://uri.etsi.org/TrstSvc/Svctype/TSA/TSS-AdESQCandQES"
)

// Statuses under which a service's certificates are anchors, as EU DSS
// takes them: granted, recognised or set by national law (eIDAS), and
// the pre-eIDAS statuses (under supervision, supervision in cessation,
// accredited) that the history of Italian lists carries for the years
// before July 2016. Current lists (TS 119 612 v2) write those with the
// TrustedList/Svcstatus URIs; older ones (TS 102 231) without
// "TrustedList": both forms count.
var tslActive = map[string]bool{
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted":                   true,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/recognisedatnationallevel": true,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/setbynationallaw":          true,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/undersupervision":          true,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accredited":                true,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/supervisionincessation":    true,
	"http://uri.etsi.org/TrstSvc/Svcstatus/undersupervision":                      true,
	"http://uri.etsi.org/TrstSvc/Svcstatus/accredited":                            true,
	"http://uri.etsi.org/TrstSvc/Svcstatus/supervisionincessation":                true,
	"http://uri.etsi.org/TrstSvc/Svcstatus/setbynationallaw":                      true,
}

// Kind is what a service's certificates may vouch for.
type Kind int

const (
	// QualifiedCA is a qualified CA service (CA/QC).
	QualifiedCA Kind = iota + 1
	// TSA is a timestamp service (TSA/QTST and similar).
	TSA
)

// KindOf maps a service type URI to the kind it gives.
func KindOf(typ string) (Kind, bool) {
	switch typ {
	case TypeCAQC:
		return QualifiedCA, true
	case TypeTSAQT, TypeTSA, TypeTSAQC, TypeTSAAdQ:
		return TSA, true
	}
	return 0, false
}

// Active reports whether a status URI lets the service's certificates
// be anchors (granted and its equivalents, in both URI forms).
func Active(status string) bool { return tslActive[status] }

// MaxSize bounds the trusted list read into the parser.
const MaxSize = 64 << 20

// Period is a time range [From, To); a zero From is open towards the
// past, a zero To towards the future.
type Period struct{ From, To time.Time }

// Contains reports whether t is in p.
func (p Period) Contains(t time.Time) bool {
	return (p.From.IsZero() || !t.Before(p.From)) && (p.To.IsZero() || t.Before(p.To))
}

// Status is one status of a service: the current one, or an entry of
// its ServiceHistory.
type Status struct {
	Type   string
	Status string
	// Start is the StatusStartingTime; zero when the list gives none.
	Start time.Time
}

// Service is one service of a trusted list.
type Service struct {
	Provider string
	Name     string
	Type     string
	Status   string
	// StatusStart is when the current status began (zero: not given).
	StatusStart time.Time
	// History holds the earlier statuses (ServiceHistoryInstance).
	History []Status
	Certs   []*x509.Certificate
}

// Periods returns when the service had an active status under a type of
// the given kind. The current status holds from its starting time on;
// each history entry holds from its starting time to the start of the
// next newer status. History entries that do not start before the
// current status are ignored: they contradict it.
func (s *Service) Periods(kind Kind) []Period {
	var out []Period
	active := func(st Status) bool {
		k, ok := KindOf(st.Type)
		return ok && k == kind && tslActive[st.Status]
	}
	cur := Status{Type: s.Type, Status: s.Status, Start: s.StatusStart}
	if active(cur) {
		out = append(out, Period{From: cur.Start})
	}
	if cur.Start.IsZero() {
		return out
	}
	var hist []Status
	for _, h := range s.History {
		if h.Start.Before(cur.Start) {
			hist = append(hist, h)
		}
	}
	sort.SliceStable(hist, func(i, j int) bool { return hist[i].Start.After(hist[j].Start) })
	end := cur.Start
	for _, h := range hist {
		if active(h) && h.Start.Before(end) {
			out = append(out, Period{From: h.Start, To: end})
		}
		if !h.Start.IsZero() {
			end = h.Start
		}
	}
	return out
}

// Signature states of a trusted list (Info.Signature).
const (
	// Pinned: signed by one of the certificates given as signers.
	Pinned = "pinned"
	// NotPinned: the signature verifies with the certificate in the
	// list itself, which nothing else vouches for.
	NotPinned = "not_pinned"
	// Unsigned: no signature, accepted because the caller allowed it.
	Unsigned = "unsigned"
)

// Info describes a trusted list once read: where it came from, who
// signed it and whether it is fresh. Field names are part of the
// --json output.
type Info struct {
	Source    string `json:"source"`
	Territory string `json:"territory,omitempty"`
	// Sequence is the TSLSequenceNumber.
	Sequence string `json:"sequence_number,omitempty"`
	// Issued is the ListIssueDateTime, NextUpdate the date by which the
	// next list is due.
	Issued     *time.Time `json:"issued,omitempty"`
	NextUpdate *time.Time `json:"next_update,omitempty"`
	// Stale is set when the verification time is past NextUpdate: the
	// list is still used (as EU DSS does, a warning, not a failure).
	Stale bool `json:"stale"`
	// Signature is pinned, not_pinned or unsigned.
	Signature string `json:"signature"`
	// Signer is the subject of the list's signing certificate and
	// SignerSHA256 its fingerprint (what --tsl-signer pins).
	Signer       string `json:"signer,omitempty"`
	SignerSHA256 string `json:"signer_sha256,omitempty"`
	// SignerName is a short name for the signer (its common name).
	SignerName string `json:"-"`
	// SignerNotAfter is when the list's signing certificate expires.
	SignerNotAfter *time.Time `json:"signer_not_after,omitempty"`
	// SignerExpired is set when the signing certificate, valid at the
	// list's ListIssueDateTime, has expired by the verification time.
	// The list is still used (a list stays its operator's list after
	// the certificate that signed it expires), with a warning that
	// reaches every signature it vouches for: the issue time is the
	// list's own claim, which only a pinned signer backs.
	SignerExpired bool `json:"signer_expired"`
	// Skipped are the certificates of the list that cannot be read:
	// each is left out, the rest of the list is used.
	Skipped []Skipped `json:"skipped_certificates,omitempty"`
	// WeakAlgorithms are the SHA-1-based algorithms of the list's
	// signature (checked, but no longer acceptable).
	WeakAlgorithms []string `json:"weak_algorithms,omitempty"`
	// Anchors counts the certificates taken as anchors.
	Anchors int `json:"anchors"`
	// Warnings say in plain words what weakens the list.
	Warnings []string `json:"warnings,omitempty"`
}

// Skipped is a certificate of a trusted list that was left out.
type Skipped struct {
	Provider string `json:"provider,omitempty"`
	Service  string `json:"service"`
	// Reason is why it cannot be read (the parser's words).
	Reason string `json:"reason"`
	// Err is the same as an error, for a program that says it in its own
	// words: a base64.CorruptInputError (Reason "bad base64: ...") or the
	// certificate parser's error.
	Err error `json:"-"`
}

// SignatureWarnings are the warnings a signature whose CA this list
// vouches for carries: the list's own weaknesses, in the words of the
// report.
func (l *Info) SignatureWarnings() []string {
	var out []string
	if l.Stale && l.NextUpdate != nil {
		// As EU DSS does: a warning on the signature, not a failure.
		out = append(out, fmt.Sprintf("the trusted list that vouches for the CA (%s) is stale since %s: download a fresh copy", l.Source, l.NextUpdate.Format(time.DateOnly)))
	}
	if l.SignerExpired && l.SignerNotAfter != nil && l.Issued != nil {
		out = append(out, fmt.Sprintf("the trusted list that vouches for the CA (%s) is signed with a certificate that expired on %s, after the issue date the list gives itself (%s)", l.Source, l.SignerNotAfter.Format(time.DateOnly), l.Issued.Format(time.DateOnly)))
	}
	return out
}

// List is a trusted list read by Read.
type List struct {
	Info     Info
	Services []Service
}

// Options say which trusted lists are acceptable.
type Options struct {
	// Signers pins the list's signer: the list must be signed by one of
	// these certificates (or by their public keys). Empty: any signer
	// whose signature verifies, reported as not pinned.
	Signers []*x509.Certificate
	// AllowUnsigned accepts a list without signature (hand-made lists).
	// A signature that is present but does not verify is never accepted.
	AllowUnsigned bool
	// Now is the verification time: the list is stale past its
	// NextUpdate, and its signer expired when Now is past the signing
	// certificate's validity. The signing certificate must not have
	// expired before the list's ListIssueDateTime (it must be valid at
	// Now when the list gives none). A nil clock is time.Now.
	Now func() time.Time
}

// Error reports a trusted list that cannot be used.
type Error struct {
	Source string
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("reading trusted list %s: %v", e.Source, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// FormatError is a file firma cannot read as a trusted list: Problem
// says why (one of the Format constants), the other fields give its data.
// Error() is the English text.
type FormatError struct {
	Problem string
	// Limit is the size limit (FormatTooLarge).
	Limit int64
	// Element is the root element found (FormatNotList), or the element
	// closed by Closer (FormatUnbalanced).
	Element, Closer string
	// Service, Field and Value locate a time that cannot be read
	// (FormatBadTime): Service is empty for the list's own times.
	Service, Field, Value string
	// Err is the XML parser's error (FormatNotXML).
	Err error
}

// The problems of a FormatError.
const (
	FormatTooLarge       = "too_large"         // larger than the limit
	FormatNotXML         = "not_xml"           // not well-formed XML
	FormatEmpty          = "empty"             // no XML element at all
	FormatNoList         = "no_list"           // no TrustServiceStatusList element
	FormatNotList        = "not_list"          // another root element
	FormatRoots          = "roots"             // more than one root element
	FormatUnbalanced     = "unbalanced"        // an element closed by another
	FormatTruncated      = "truncated"         // the list ends early
	FormatBadTime        = "bad_time"          // a date and time that cannot be read
	FormatRefTwice       = "ref_twice"         // two references of the signature cover the list
	FormatRefNotEnvelope = "ref_not_enveloped" // the reference keeps the signature in what it signs
	FormatRefNone        = "ref_none"          // no reference covers the whole list
)

func (e *FormatError) Error() string {
	switch e.Problem {
	case FormatTooLarge:
		if e.Limit >= 1<<20 {
			return fmt.Sprintf("larger than %d MiB", e.Limit>>20)
		}
		return fmt.Sprintf("larger than %d bytes", e.Limit)
	case FormatNotXML:
		return fmt.Sprintf("not well-formed XML: %v", e.Err)
	case FormatEmpty:
		return "not a trusted list (no XML element)"
	case FormatNoList:
		return "not a trusted list (no TrustServiceStatusList element)"
	case FormatNotList:
		return fmt.Sprintf("not a trusted list (the root element is %s, not TrustServiceStatusList)", e.Element)
	case FormatRoots:
		return "more than one root element"
	case FormatUnbalanced:
		return fmt.Sprintf("element %s closed by %s", e.Element, e.Closer)
	case FormatTruncated:
		return "the list is truncated"
	case FormatBadTime:
		t := fmt.Sprintf("%s: %q is not a date and time", e.Field, e.Value)
		if e.Service != "" {
			return fmt.Sprintf("service %q: %s", e.Service, t)
		}
		return t
	case FormatRefTwice:
		return "more than one reference to the list"
	case FormatRefNotEnvelope:
		return "the reference to the list does not remove the signature (enveloped-signature transform)"
	case FormatRefNone:
		return "no reference covers the whole list"
	}
	return "not a trusted list"
}

func (e *FormatError) Unwrap() error { return e.Err }

// SignatureError is a trusted list whose XML signature is missing,
// broken, or made by a signer that is not pinned.
type SignatureError struct {
	// Problem is "unsigned", "invalid", "not_pinned" or
	// "signer_validity" (the signing certificate had expired before the
	// list's issue date).
	Problem string
	Reason  string
	// Err is the cause of an "invalid" signature: the XML signature's
	// error (BadSignature is set when it is the signing certificate that
	// cannot be read). Unwrap returns it.
	Err           error
	BadSignerCert bool
	// Signer names the signing certificate when it is known.
	Signer       string
	SignerSHA256 string
}

func (e *SignatureError) Error() string { return e.Reason }

func (e *SignatureError) Unwrap() error { return e.Err }

type xmlScheme struct {
	Sequence   string
	Territory  string
	Issued     string
	NextUpdate string
}

type xmlTSP struct {
	Name     []string
	Services []xmlService
}

type xmlService struct {
	Type    string
	Name    []string
	Status  string
	Start   string
	Certs   []string
	History []xmlHistory
}

type xmlHistory struct {
	Type   string
	Status string
	Start  string
}

// Parse reads the services of an ETSI TS 119 612 trusted list
// without checking its XML signature: use Read for a list that comes
// from outside.
func Parse(r io.Reader) ([]Service, error) {
	b, err := readTSLBytes(r, MaxSize)
	if err != nil {
		return nil, err
	}
	l, err := parseTSLXML(b)
	if err != nil {
		return nil, err
	}
	return l.services, nil
}

// readTSLBytes reads at most limit bytes, and refuses more.
func readTSLBytes(r io.Reader, limit int64) ([]byte, error) {
	var buf bytes.Buffer
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
			if st.Size() > limit {
				return nil, tooLarge(limit)
			}
			buf.Grow(int(st.Size()) + bytes.MinRead)
		}
	}
	if _, err := buf.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) > limit {
		return nil, tooLarge(limit)
	}
	return buf.Bytes(), nil
}

func tooLarge(limit int64) error {
	return &FormatError{Problem: FormatTooLarge, Limit: limit}
}

// parseTSLXML reads the scheme information and the services. Only the
// places TS 119 612 defines count: services of the providers in the
// root's TrustServiceProviderList; anything else (an extension, the
// ds:Signature and its ds:Object) is skipped. encoding/xml expands no
// entity but the five predefined ones and reads no DTD, so entity
// bombs and external entities are errors, not work.
func parseTSLXML(b []byte) (*parsedTSL, error) {
	// RawToken and a path of local names, rather than DecodeElement into
	// tagged structs: a real list is read in half the time. RawToken
	// leaves matching end tags to the caller: checked below.
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	l := &parsedTSL{}
	var stack []xml.Name
	var text strings.Builder
	var tsp *xmlTSP
	var svc *xmlService
	var hist *xmlHistory
	sawRoot, rootDone := false, false
	at := func(i int, local string) bool { return stack[i].Local == local }
	for {
		tok, err := dec.RawToken()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, err
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			switch {
			case rootDone:
				return nil, &FormatError{Problem: FormatRoots}
			case len(stack) == 0:
				if tk.Name.Local != "TrustServiceStatusList" {
					return nil, &FormatError{Problem: FormatNotList, Element: tk.Name.Local}
				}
				sawRoot = true
			}
			stack = append(stack, tk.Name)
			text.Reset()
			switch d := len(stack); {
			case d == 3 && at(1, "TrustServiceProviderList") && at(2, "TrustServiceProvider"):
				tsp = &xmlTSP{}
			case d == 5 && tsp != nil && at(3, "TSPServices") && at(4, "TSPService"):
				svc = &xmlService{}
			case d == 7 && svc != nil && at(5, "ServiceHistory") && at(6, "ServiceHistoryInstance"):
				hist = &xmlHistory{}
			}
		case xml.EndElement:
			d := len(stack)
			if d == 0 || stack[d-1] != tk.Name {
				return nil, &FormatError{Problem: FormatUnbalanced, Element: qname(stack, d), Closer: tk.Name.Local}
			}
			v, leaf := text.String(), stack[d-1].Local
			switch {
			case d == 3 && at(1, "SchemeInformation"):
				switch leaf {
				case "TSLSequenceNumber":
					l.scheme.Sequence = v
				case "SchemeTerritory":
					l.scheme.Territory = v
				case "ListIssueDateTime":
					l.scheme.Issued = v
				}
			case d == 4 && at(1, "SchemeInformation") && at(2, "NextUpdate") && leaf == "dateTime":
				l.scheme.NextUpdate = v
			case d == 6 && tsp != nil && at(3, "TSPInformation") && at(4, "TSPName") && leaf == "Name":
				tsp.Name = append(tsp.Name, v)
			case d == 8 && hist != nil:
				switch leaf {
				case "ServiceTypeIdentifier":
					hist.Type = v
				case "ServiceStatus":
					hist.Status = v
				case "StatusStartingTime":
					hist.Start = v
				}
			case d == 7 && hist != nil:
				svc.History = append(svc.History, *hist)
				hist = nil
			case d == 7 && svc != nil && at(5, "ServiceInformation"):
				switch leaf {
				case "ServiceTypeIdentifier":
					svc.Type = v
				case "ServiceStatus":
					svc.Status = v
				case "StatusStartingTime":
					svc.Start = v
				}
			case d == 8 && svc != nil && at(5, "ServiceInformation") && at(6, "ServiceName") && leaf == "Name":
				svc.Name = append(svc.Name, v)
			case d == 9 && svc != nil && at(5, "ServiceInformation") && at(6, "ServiceDigitalIdentity") && at(7, "DigitalId") && leaf == "X509Certificate":
				svc.Certs = append(svc.Certs, v)
			case d == 5 && svc != nil:
				tsp.Services = append(tsp.Services, *svc)
				svc = nil
			case d == 3 && tsp != nil:
				if err := l.addTSP(tsp); err != nil {
					return nil, err
				}
				tsp = nil
			}
			stack = stack[:d-1]
			if len(stack) == 0 {
				rootDone = true
			}
			text.Reset()
		case xml.CharData:
			if len(stack) > 0 {
				text.Write(tk)
			}
		}
	}
	if !sawRoot {
		return nil, &FormatError{Problem: FormatNoList}
	}
	if !rootDone {
		return nil, &FormatError{Problem: FormatTruncated}
	}
	return l, nil
}

func qname(stack []xml.Name, d int) string {
	if d == 0 {
		return "(none)"
	}
	if n := stack[d-1]; n.Space != "" {
		return n.Space + ":" + n.Local
	}
	return stack[d-1].Local
}

// parsedTSL is what parseTSLXML reads.
type parsedTSL struct {
	scheme   xmlScheme
	services []Service
	skipped  []Skipped
}

// addTSP adds the services of a provider. A certificate that cannot be
// read is skipped, not fatal: real lists keep the CA certificates of
// their whole history, and one of the 2000s that Go's parser refuses
// must not take the other hundreds down with it.
func (l *parsedTSL) addTSP(p *xmlTSP) error {
	prov := first(p.Name)
	for _, s := range p.Services {
		svc := Service{Provider: prov, Name: first(s.Name), Type: strings.TrimSpace(s.Type), Status: strings.TrimSpace(s.Status)}
		var err error
		if svc.StatusStart, err = parseTSLTime(s.Start); err != nil {
			return badTime(err, svc.Name, "StatusStartingTime")
		}
		for _, h := range s.History {
			st := Status{Type: strings.TrimSpace(h.Type), Status: strings.TrimSpace(h.Status)}
			if st.Start, err = parseTSLTime(h.Start); err != nil {
				return badTime(err, svc.Name, "history StatusStartingTime")
			}
			svc.History = append(svc.History, st)
		}
		for _, b64 := range s.Certs {
			der, err := base64.StdEncoding.DecodeString(strings.Map(dropSpace, b64))
			if err != nil {
				l.skipped = append(l.skipped, Skipped{Provider: prov, Service: svc.Name, Reason: "bad base64: " + err.Error(), Err: err})
				continue
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				l.skipped = append(l.skipped, Skipped{Provider: prov, Service: svc.Name, Reason: err.Error(), Err: err})
				continue
			}
			svc.Certs = append(svc.Certs, c)
		}
		l.services = append(l.services, svc)
	}
	return nil
}

// parseTSLTime reads an xsd:dateTime; TS 119 612 asks for UTC ("Z"), a
// time without zone is taken as UTC. Empty gives the zero time.
func parseTSLTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, &FormatError{Problem: FormatBadTime, Value: s}
}

// badTime names where the time parseTSLTime refused is.
func badTime(err error, service, field string) error {
	if fe, ok := err.(*FormatError); ok {
		fe.Service, fe.Field = service, field
	}
	return err
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return strings.TrimSpace(s[0])
}

func dropSpace(r rune) rune {
	if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
		return -1
	}
	return r
}

// Read reads a trusted list and checks its enveloped XML signature
// (XMLDSig, the ds:Signature child of the root, as TS 119 612 places
// it). The services are then read from the octets the signature covers,
// never from the file as given: whatever else the file holds (a second
// provider list, services hidden in the signature's ds:Object) is not
// read. The signing certificate must not have expired before the list
// says it was issued (ListIssueDateTime); one that has expired since is
// reported (Info.SignerExpired), not refused. See Options for
// which signers are accepted.
func Read(r io.Reader, opts Options) (*List, error) {
	var now time.Time
	if opts.Now != nil {
		now = opts.Now()
	}
	if now.IsZero() {
		now = time.Now()
	}
	raw, err := readTSLBytes(r, MaxSize)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	// Duplicate attributes are kept so that canonicalization refuses
	// them, rather than etree silently keeping one.
	doc.ReadSettings.PreserveDuplicateAttrs = true
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, &FormatError{Problem: FormatNotXML, Err: err}
	}
	root := doc.Root()
	if root == nil {
		return nil, &FormatError{Problem: FormatEmpty}
	}
	if n := len(doc.ChildElements()); n != 1 {
		return nil, &FormatError{Problem: FormatRoots}
	}
	if root.Tag != "TrustServiceStatusList" {
		return nil, &FormatError{Problem: FormatNotList, Element: root.Tag}
	}
	var sigs []*etree.Element
	for _, c := range root.ChildElements() {
		if c.Tag == "Signature" && c.NamespaceURI() == xmldsig.Namespace {
			sigs = append(sigs, c)
		}
	}
	var info Info
	var signer *tslSigner
	body := raw
	switch {
	case len(sigs) > 1:
		return nil, &SignatureError{Problem: "invalid", Reason: "the list has more than one signature"}
	case len(sigs) == 0:
		if !opts.AllowUnsigned {
			return nil, &SignatureError{Problem: "unsigned", Reason: "the list is not signed (no ds:Signature)"}
		}
		info.Signature = Unsigned
		info.Warnings = append(info.Warnings, "the trusted list is not signed (unsigned lists were allowed): nothing proves who wrote it")
	default:
		var verified []byte
		signer, verified, err = checkTSLSignature(doc, root, sigs[0], opts.Signers)
		if err != nil {
			return nil, err
		}
		body = verified
		info.Signer = certinfo.FormatName(signer.cert.Subject)
		info.SignerName = shortName(signer.cert)
		info.SignerSHA256 = fingerprint(signer.cert)
		notAfter := signer.cert.NotAfter.UTC()
		info.SignerNotAfter = &notAfter
		info.WeakAlgorithms = signer.weak
		info.Signature = NotPinned
		if signer.pinned {
			info.Signature = Pinned
		} else {
			info.Warnings = append(info.Warnings, fmt.Sprintf("trusted list signed by %s, signer not pinned", info.SignerName))
		}
		if len(signer.weak) > 0 {
			info.Warnings = append(info.Warnings, fmt.Sprintf("the trusted list's signature uses SHA-1 (%s), no longer acceptable", strings.Join(signer.weak, ", ")))
		}
	}
	parsed, err := parseTSLXML(body)
	if err != nil {
		return nil, err
	}
	scheme, svcs := &parsed.scheme, parsed.services
	info.Territory = strings.TrimSpace(scheme.Territory)
	info.Sequence = strings.TrimSpace(scheme.Sequence)
	issued, err := parseTSLTime(scheme.Issued)
	if err != nil {
		return nil, badTime(err, "", "ListIssueDateTime")
	}
	next, err := parseTSLTime(scheme.NextUpdate)
	if err != nil {
		return nil, badTime(err, "", "NextUpdate")
	}
	if !issued.IsZero() {
		info.Issued = &issued
	}
	if signer != nil {
		// The signature is judged against the date the list says it was
		// issued (signed, so nobody but the signer chose it): it may have
		// been signed then or later, by a certificate issued in between,
		// but not by one that had already expired. Without an issue date
		// the certificate must be valid now.
		c := signer.cert
		switch {
		case issued.IsZero() && (now.Before(c.NotBefore) || now.After(c.NotAfter)):
			return nil, &SignatureError{Problem: "signer_validity", Reason: fmt.Sprintf("the list gives no issue date, and its signing certificate (%s) is not valid on %s: valid %s to %s", shortName(c), now.Format(time.DateOnly), c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly)), Signer: info.Signer, SignerSHA256: info.SignerSHA256}
		case !issued.IsZero() && issued.After(c.NotAfter):
			return nil, &SignatureError{Problem: "signer_validity", Reason: fmt.Sprintf("the list's signing certificate (%s) expired on %s, before the issue date the list gives itself (%s)", shortName(c), c.NotAfter.UTC().Format(time.DateOnly), issued.Format(time.DateOnly)), Signer: info.Signer, SignerSHA256: info.SignerSHA256}
		case now.After(c.NotAfter):
			info.SignerExpired = true
			info.Warnings = append(info.Warnings, fmt.Sprintf("the trusted list's signing certificate (%s) expired on %s, after the issue date the list gives itself (%s)", info.SignerName, c.NotAfter.UTC().Format(time.DateOnly), issued.Format(time.DateOnly)))
		}
	}
	for _, sk := range parsed.skipped {
		info.Skipped = append(info.Skipped, sk)
		info.Warnings = append(info.Warnings, fmt.Sprintf("a certificate of service %q (%s) is skipped: it cannot be read (%s)", sk.Service, sk.Provider, sk.Reason))
	}
	if !next.IsZero() {
		info.NextUpdate = &next
		if now.After(next) {
			info.Stale = true
			info.Warnings = append(info.Warnings, fmt.Sprintf("the trusted list is stale since %s (its next update was due then): download a fresh copy", next.Format(time.DateOnly)))
		}
	}
	return &List{Info: info, Services: svcs}, nil
}

type tslSigner struct {
	cert   *x509.Certificate
	pinned bool
	weak   []string
}

// checkTSLSignature verifies the list's signature (internal/xmldsig:
// every reference, no size cap) and returns its signer and the
// canonical octets of the one reference that covers the whole list. The
// key is the certificate the list carries (KeyInfo), which proves
// integrity only; pinning is checked here against that certificate or
// its public key. A list without KeyInfo can only be checked against
// the pinned certificates. When the signer was valid is checked by the
// caller, against the signed issue date.
func checkTSLSignature(doc *etree.Document, root, sigEl *etree.Element, pins []*x509.Certificate) (*tslSigner, []byte, error) {
	invalid := func(err error) error {
		return &SignatureError{Problem: "invalid", Reason: fmt.Sprintf("the list's XML signature is not valid: %v", err), Err: err}
	}
	sig, err := xmldsig.New(doc, sigEl, nil)
	if err != nil {
		return nil, nil, invalid(err)
	}
	var candidates []*x509.Certificate
	if len(sig.Certificates) > 0 {
		c, err := x509.ParseCertificate(sig.Certificates[0])
		if err != nil {
			return nil, nil, &SignatureError{Problem: "invalid", Reason: fmt.Sprintf("the signing certificate in the list cannot be read: %v", err), Err: err, BadSignerCert: true}
		}
		candidates = []*x509.Certificate{c}
	} else {
		if len(pins) == 0 {
			return nil, nil, &SignatureError{Problem: "not_pinned", Reason: "the list's signature carries no certificate, and no signer is pinned"}
		}
		candidates = pins
	}
	var lastErr error
	for _, c := range candidates {
		v, err := sig.Verify(c.PublicKey)
		if err != nil {
			lastErr = invalid(err)
			continue
		}
		data, err := listReference(v, root)
		if err != nil {
			lastErr = invalid(err)
			continue
		}
		s := &tslSigner{cert: c, pinned: pinnedBy(c, pins), weak: v.Weak}
		if len(pins) > 0 && !s.pinned {
			return nil, nil, &SignatureError{Problem: "not_pinned", Reason: fmt.Sprintf("the list is signed by %s, which is not a pinned signer", shortName(c)), Signer: certinfo.FormatName(c.Subject), SignerSHA256: fingerprint(c)}
		}
		return s, data, nil
	}
	return nil, nil, lastErr
}

// listReference returns the signed octets of the one reference that
// covers the whole list (URI "" or the root's Id), without the
// signature. Other references (XAdES signed properties) have been
// checked by Verify; their content is not the list's.
func listReference(v *xmldsig.Verified, root *etree.Element) ([]byte, error) {
	var data []byte
	n := 0
	for _, r := range v.References {
		if r.Target != nil && r.Target != root {
			continue
		}
		if n++; n > 1 {
			return nil, &FormatError{Problem: FormatRefTwice}
		}
		if !r.Enveloped {
			return nil, &FormatError{Problem: FormatRefNotEnvelope}
		}
		data = r.Data
	}
	if n == 0 {
		return nil, &FormatError{Problem: FormatRefNone}
	}
	return data, nil
}

// pinnedBy reports whether c is one of pins, or carries the public key
// of one of them (a renewed certificate of the same key).
func pinnedBy(c *x509.Certificate, pins []*x509.Certificate) bool {
	for _, p := range pins {
		if p.Equal(c) {
			return true
		}
		if k, ok := p.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); ok && k.Equal(c.PublicKey) {
			return true
		}
	}
	return false
}

func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

func shortName(c *x509.Certificate) string {
	switch {
	case c.Subject.CommonName != "":
		return c.Subject.CommonName
	case len(c.Subject.Organization) > 0:
		return c.Subject.Organization[0]
	}
	return certinfo.FormatName(c.Subject)
}
