package verify

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
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/firma-dev/firma/certinfo"
)

// ETSI TS 119 612 service types and statuses used to pick anchors.
const (
	tslTypeCAQC   = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
	tslTypeTSAQT  = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
	tslTypeTSA    = "http://uri.etsi.org/TrstSvc/Svctype/TSA"
	tslTypeTSAQC  = "http://uri.etsi.org/TrstSvc/Svctype/TSA/TSS-QC"
	tslTypeTSAAdQ = "http://uri.etsi.org/TrstSvc/Svctype/TSA/TSS-AdESQCandQES"
)

// Statuses under which a service's certificates are anchors: granted
// (eIDAS) and the pre-eIDAS statuses Italian lists still carry.
var tslActive = map[string]bool{
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted":                   true,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/recognisedatnationallevel": true,
	"http://uri.etsi.org/TrstSvc/Svcstatus/undersupervision":                      true,
	"http://uri.etsi.org/TrstSvc/Svcstatus/accredited":                            true,
	"http://uri.etsi.org/TrstSvc/Svcstatus/supervisionincessation":                true,
	"http://uri.etsi.org/TrstSvc/Svcstatus/setbynationallaw":                      true,
}

// tslKind maps a service type to the anchor kind it gives.
func tslKind(typ string) (AnchorKind, bool) {
	switch typ {
	case tslTypeCAQC:
		return AnchorQualifiedCA, true
	case tslTypeTSAQT, tslTypeTSA, tslTypeTSAQC, tslTypeTSAAdQ:
		return AnchorTSA, true
	}
	return 0, false
}

// maxTSL bounds the trusted list read into the parser.
const maxTSL = 64 << 20

// TSLStatus is one status of a service: the current one, or an entry of
// its ServiceHistory.
type TSLStatus struct {
	Type   string
	Status string
	// Start is the StatusStartingTime; zero when the list gives none.
	Start time.Time
}

// TSLService is one service of a trusted list.
type TSLService struct {
	Provider string
	Name     string
	Type     string
	Status   string
	// StatusStart is when the current status began (zero: not given).
	StatusStart time.Time
	// History holds the earlier statuses (ServiceHistoryInstance).
	History []TSLStatus
	Certs   []*x509.Certificate
}

// periods returns when the service had an active status under a type of
// the given kind. The current status holds from its starting time on;
// each history entry holds from its starting time to the start of the
// next newer status. History entries that do not start before the
// current status are ignored: they contradict it.
func (s *TSLService) periods(kind AnchorKind) []period {
	var out []period
	active := func(st TSLStatus) bool {
		k, ok := tslKind(st.Type)
		return ok && k == kind && tslActive[st.Status]
	}
	cur := TSLStatus{Type: s.Type, Status: s.Status, Start: s.StatusStart}
	if active(cur) {
		out = append(out, period{from: cur.Start})
	}
	if cur.Start.IsZero() {
		return out
	}
	var hist []TSLStatus
	for _, h := range s.History {
		if h.Start.Before(cur.Start) {
			hist = append(hist, h)
		}
	}
	sort.SliceStable(hist, func(i, j int) bool { return hist[i].Start.After(hist[j].Start) })
	end := cur.Start
	for _, h := range hist {
		if active(h) && h.Start.Before(end) {
			out = append(out, period{from: h.Start, to: end})
		}
		if !h.Start.IsZero() {
			end = h.Start
		}
	}
	return out
}

// Signature states of a trusted list (TSLInfo.Signature).
const (
	// TSLPinned: signed by one of the certificates given as signers.
	TSLPinned = "pinned"
	// TSLNotPinned: the signature verifies with the certificate in the
	// list itself, which nothing else vouches for.
	TSLNotPinned = "not_pinned"
	// TSLUnsigned: no signature, accepted because the caller allowed it.
	TSLUnsigned = "unsigned"
)

// TSLInfo describes a trusted list once read: where it came from, who
// signed it and whether it is fresh. Field names are part of the
// --json output.
type TSLInfo struct {
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
	// Anchors counts the certificates taken as anchors.
	Anchors int `json:"anchors"`
	// Warnings say in plain words what weakens the list.
	Warnings []string `json:"warnings,omitempty"`
}

// TSL is a trusted list read by ReadTSL.
type TSL struct {
	Info     TSLInfo
	Services []TSLService
}

// TSLOptions say which trusted lists are acceptable.
type TSLOptions struct {
	// Signers pins the list's signer: the list must be signed by one of
	// these certificates (or by their public keys). Empty: any signer
	// whose signature verifies, reported as not pinned.
	Signers []*x509.Certificate
	// AllowUnsigned accepts a list without signature (hand-made lists).
	// A signature that is present but does not verify is never accepted.
	AllowUnsigned bool
	// Now is the verification time: the signing certificate must be
	// valid then, and the list is stale past its NextUpdate. Zero means
	// time.Now().
	Now time.Time
}

// TSLError reports a trusted list that cannot be used.
type TSLError struct {
	Source string
	Err    error
}

func (e *TSLError) Error() string { return fmt.Sprintf("reading trusted list %s: %v", e.Source, e.Err) }
func (e *TSLError) Unwrap() error { return e.Err }

// Hint says where to get a list, or what to do about its signature.
func (e *TSLError) Hint() string {
	var h interface{ Hint() string }
	if errors.As(e.Err, &h) {
		return h.Hint()
	}
	return "download the Italian trusted list from AgID (https://eidas.agid.gov.it/TL/TSL-IT.xml) and pass it with --tsl"
}

// TSLSignatureError is a trusted list whose XML signature is missing,
// broken, or made by a signer that is not pinned.
type TSLSignatureError struct {
	// Problem is "unsigned", "invalid" or "not_pinned".
	Problem string
	Reason  string
	// Signer names the signing certificate when it is known.
	Signer       string
	SignerSHA256 string
}

func (e *TSLSignatureError) Error() string { return e.Reason }

// Hint says how to get a usable list.
func (e *TSLSignatureError) Hint() string {
	switch e.Problem {
	case "unsigned":
		return "AgID's TSL-IT.xml is always signed: download it again from https://eidas.agid.gov.it/TL/TSL-IT.xml\nfor a hand-made list that you trust, add --tsl-unsigned"
	case "not_pinned":
		if e.Signer == "" {
			return "give the list's signing certificate with --tsl-signer: AgID's is published in the EU List of Trusted Lists"
		}
		return fmt.Sprintf("the list is signed by %s (SHA-256 %s)\nif that is AgID's signing certificate as published in the EU List of Trusted Lists, add it with --tsl-signer; otherwise download the list again", e.Signer, e.SignerSHA256)
	}
	return "the list was changed or damaged after it was signed: download it again from https://eidas.agid.gov.it/TL/TSL-IT.xml"
}

type xmlScheme struct {
	Sequence   string `xml:"TSLSequenceNumber"`
	Territory  string `xml:"SchemeTerritory"`
	Issued     string `xml:"ListIssueDateTime"`
	NextUpdate string `xml:"NextUpdate>dateTime"`
}

type xmlTSP struct {
	Name     []string     `xml:"TSPInformation>TSPName>Name"`
	Services []xmlService `xml:"TSPServices>TSPService"`
}

type xmlService struct {
	Type    string       `xml:"ServiceInformation>ServiceTypeIdentifier"`
	Name    []string     `xml:"ServiceInformation>ServiceName>Name"`
	Status  string       `xml:"ServiceInformation>ServiceStatus"`
	Start   string       `xml:"ServiceInformation>StatusStartingTime"`
	Certs   []string     `xml:"ServiceInformation>ServiceDigitalIdentity>DigitalId>X509Certificate"`
	History []xmlHistory `xml:"ServiceHistory>ServiceHistoryInstance"`
}

type xmlHistory struct {
	Type   string `xml:"ServiceTypeIdentifier"`
	Status string `xml:"ServiceStatus"`
	Start  string `xml:"StatusStartingTime"`
}

// ParseTSL reads the services of an ETSI TS 119 612 trusted list
// without checking its XML signature: use ReadTSL for a list that comes
// from outside.
func ParseTSL(r io.Reader) ([]TSLService, error) {
	b, err := readTSLBytes(r, maxTSL)
	if err != nil {
		return nil, err
	}
	_, svcs, err := parseTSLXML(b)
	return svcs, err
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
	if limit >= 1<<20 {
		return fmt.Errorf("larger than %d MiB", limit>>20)
	}
	return fmt.Errorf("larger than %d bytes", limit)
}

// parseTSLXML reads the scheme information and the services. Only the
// places TS 119 612 defines count: services of the providers in the
// root's TrustServiceProviderList; anything else (an extension, the
// ds:Signature and its ds:Object) is skipped. encoding/xml expands no
// entity but the five predefined ones and reads no DTD, so entity
// bombs and external entities are errors, not work.
func parseTSLXML(b []byte) (*xmlScheme, []TSLService, error) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	var scheme xmlScheme
	var out []TSLService
	var path []string // open elements (local names)
	sawRoot, rootDone := false, false
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, nil, err
		}
		switch tk := tok.(type) {
		case xml.EndElement:
			path = path[:len(path)-1]
			if len(path) == 0 {
				rootDone = true
			}
			continue
		case xml.StartElement:
			se := tk
			switch {
			case rootDone:
				return nil, nil, errors.New("more than one root element")
			case len(path) == 0:
				if se.Name.Local != "TrustServiceStatusList" {
					return nil, nil, fmt.Errorf("not a trusted list (the root element is %s, not TrustServiceStatusList)", se.Name.Local)
				}
				sawRoot = true
			case len(path) == 1 && se.Name.Local == "SchemeInformation":
				if err := dec.DecodeElement(&scheme, &se); err != nil {
					return nil, nil, err
				}
				continue
			case len(path) == 2 && path[1] == "TrustServiceProviderList" && se.Name.Local == "TrustServiceProvider":
				var p xmlTSP
				if err := dec.DecodeElement(&p, &se); err != nil {
					return nil, nil, err
				}
				svcs, err := convertTSP(&p)
				if err != nil {
					return nil, nil, err
				}
				out = append(out, svcs...)
				continue
			}
			path = append(path, se.Name.Local)
		}
	}
	if !sawRoot {
		return nil, nil, errors.New("not a trusted list (no TrustServiceStatusList element)")
	}
	if !rootDone {
		return nil, nil, errors.New("the list is truncated")
	}
	return &scheme, out, nil
}

func convertTSP(p *xmlTSP) ([]TSLService, error) {
	var out []TSLService
	prov := first(p.Name)
	for _, s := range p.Services {
		svc := TSLService{Provider: prov, Name: first(s.Name), Type: strings.TrimSpace(s.Type), Status: strings.TrimSpace(s.Status)}
		var err error
		if svc.StatusStart, err = parseTSLTime(s.Start); err != nil {
			return nil, fmt.Errorf("service %q: StatusStartingTime: %w", svc.Name, err)
		}
		for _, h := range s.History {
			st := TSLStatus{Type: strings.TrimSpace(h.Type), Status: strings.TrimSpace(h.Status)}
			if st.Start, err = parseTSLTime(h.Start); err != nil {
				return nil, fmt.Errorf("service %q: history StatusStartingTime: %w", svc.Name, err)
			}
			svc.History = append(svc.History, st)
		}
		for _, b64 := range s.Certs {
			der, err := base64.StdEncoding.DecodeString(strings.Map(dropSpace, b64))
			if err != nil {
				return nil, fmt.Errorf("service %q: bad certificate base64: %w", svc.Name, err)
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, fmt.Errorf("service %q: %w", svc.Name, err)
			}
			svc.Certs = append(svc.Certs, c)
		}
		out = append(out, svc)
	}
	return out, nil
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
	return time.Time{}, fmt.Errorf("%q is not a date and time", s)
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

// ReadTSL reads a trusted list and checks its enveloped XML signature
// (XMLDSig, the ds:Signature child of the root, as TS 119 612 places
// it). The services are then read from the bytes the signature covers,
// never from the file as given: whatever else the file holds (a second
// provider list, services hidden in the signature's ds:Object) is not
// read. See TSLOptions for which signers are accepted.
func ReadTSL(r io.Reader, opts TSLOptions) (*TSL, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	raw, err := readTSLBytes(r, maxTSL)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, fmt.Errorf("not well-formed XML: %w", err)
	}
	root := doc.Root()
	if root == nil {
		return nil, errors.New("not a trusted list (no XML element)")
	}
	if n := len(doc.ChildElements()); n != 1 {
		return nil, errors.New("more than one root element")
	}
	if root.Tag != "TrustServiceStatusList" {
		return nil, fmt.Errorf("not a trusted list (the root element is %s, not TrustServiceStatusList)", root.Tag)
	}
	var sigs []*etree.Element
	for _, c := range root.ChildElements() {
		if c.Tag == dsig.SignatureTag && c.NamespaceURI() == dsig.Namespace {
			sigs = append(sigs, c)
		}
	}
	var info TSLInfo
	body := raw
	switch {
	case len(sigs) > 1:
		return nil, &TSLSignatureError{Problem: "invalid", Reason: "the list has more than one signature"}
	case len(sigs) == 0:
		if !opts.AllowUnsigned {
			return nil, &TSLSignatureError{Problem: "unsigned", Reason: "the list is not signed (no ds:Signature)"}
		}
		info.Signature = TSLUnsigned
		info.Warnings = append(info.Warnings, "the trusted list is not signed (accepted with --tsl-unsigned): nothing proves who wrote it")
	default:
		signer, verified, err := checkTSLSignature(root, sigs[0], opts.Signers, now)
		if err != nil {
			return nil, err
		}
		body = verified
		info.Signer = certinfo.FormatName(signer.cert.Subject)
		info.SignerName = shortName(signer.cert)
		info.SignerSHA256 = fingerprint(signer.cert)
		info.Signature = TSLNotPinned
		if signer.pinned {
			info.Signature = TSLPinned
		} else {
			info.Warnings = append(info.Warnings, fmt.Sprintf("trusted list signed by %s, signer not pinned: use --tsl-signer", info.SignerName))
		}
	}
	scheme, svcs, err := parseTSLXML(body)
	if err != nil {
		return nil, err
	}
	info.Territory = strings.TrimSpace(scheme.Territory)
	info.Sequence = strings.TrimSpace(scheme.Sequence)
	issued, err := parseTSLTime(scheme.Issued)
	if err != nil {
		return nil, fmt.Errorf("ListIssueDateTime: %w", err)
	}
	next, err := parseTSLTime(scheme.NextUpdate)
	if err != nil {
		return nil, fmt.Errorf("NextUpdate: %w", err)
	}
	if !issued.IsZero() {
		info.Issued = &issued
	}
	if !next.IsZero() {
		info.NextUpdate = &next
		if now.After(next) {
			info.Stale = true
			info.Warnings = append(info.Warnings, fmt.Sprintf("the trusted list is stale since %s (its next update was due then): download a fresh copy", next.Format(time.DateOnly)))
		}
	}
	return &TSL{Info: info, Services: svcs}, nil
}

type tslSigner struct {
	cert   *x509.Certificate
	pinned bool
}

// checkTSLSignature verifies the list's signature and returns its signer
// and the canonical bytes the signature covers. goxmldsig wants the
// signing certificate as trusted input: it gets the one the list carries
// (KeyInfo), which proves integrity only; pinning is checked here
// against that certificate or its public key. A list without KeyInfo
// can only be checked against the pinned certificates.
func checkTSLSignature(root, sig *etree.Element, pins []*x509.Certificate, now time.Time) (*tslSigner, []byte, error) {
	invalid := func(format string, args ...any) error {
		return &TSLSignatureError{Problem: "invalid", Reason: fmt.Sprintf(format, args...)}
	}
	var candidates []*x509.Certificate
	embedded, err := keyInfoCert(sig)
	if err != nil {
		return nil, nil, invalid("the signing certificate in the list cannot be read: %v", err)
	}
	if embedded != nil {
		candidates = []*x509.Certificate{embedded}
	} else {
		if len(pins) == 0 {
			return nil, nil, &TSLSignatureError{Problem: "not_pinned", Reason: "the list's signature carries no certificate: pin its signer with --tsl-signer"}
		}
		candidates = pins
	}
	var lastErr error
	for _, c := range candidates {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			lastErr = invalid("the list's signing certificate (%s) is not valid on %s: valid %s to %s", shortName(c), now.Format(time.DateOnly), c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly))
			continue
		}
		vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{c}})
		vc.IdAttribute = "Id"
		vc.Clock = dsig.NewFakeClockAt(now)
		el, err := vc.Validate(root)
		if err != nil {
			lastErr = invalid("the list's XML signature is not valid: %v", err)
			continue
		}
		// goxmldsig checks the signature and the reference to the list;
		// XMLDSig core validation wants every reference checked (the
		// XAdES signed properties of real lists among them).
		if err := checkOtherReferences(root, sig); err != nil {
			lastErr = invalid("the list's XML signature is not valid: %v", err)
			continue
		}
		out := etree.NewDocument()
		out.SetRoot(el)
		verified, err := out.WriteToBytes()
		if err != nil {
			return nil, nil, invalid("the signed content cannot be read back: %v", err)
		}
		s := &tslSigner{cert: c, pinned: pinnedBy(c, pins)}
		if len(pins) > 0 && !s.pinned {
			return nil, nil, &TSLSignatureError{Problem: "not_pinned", Reason: fmt.Sprintf("the list is signed by %s, which is not a --tsl-signer certificate", shortName(c)), Signer: certinfo.FormatName(c.Subject), SignerSHA256: fingerprint(c)}
		}
		return s, verified, nil
	}
	return nil, nil, lastErr
}

// xmlDigests maps the XMLDSig digest method URIs to their hash.
var xmlDigests = map[string]crypto.Hash{
	"http://www.w3.org/2000/09/xmldsig#sha1":        crypto.SHA1,
	"http://www.w3.org/2001/04/xmldsig-more#sha224": crypto.SHA224,
	"http://www.w3.org/2001/04/xmlenc#sha256":       crypto.SHA256,
	"http://www.w3.org/2001/04/xmldsig-more#sha384": crypto.SHA384,
	"http://www.w3.org/2001/04/xmlenc#sha512":       crypto.SHA512,
}

// checkOtherReferences checks the digest of each reference of sig's
// SignedInfo other than the one to the whole list (which goxmldsig has
// checked): same-document references "#id" to an element inside the
// signature (XAdES SignedProperties, KeyInfo), with canonicalization
// transforms only. Anything else is refused rather than left unchecked.
// sig's SignedInfo is the one whose signature goxmldsig has verified.
func checkOtherReferences(root, sig *etree.Element) error {
	si := dsChild(sig, "SignedInfo")
	if si == nil {
		return errors.New("no SignedInfo")
	}
	rootID := root.SelectAttrValue("Id", "")
	toList := 0
	for _, ref := range si.ChildElements() {
		if ref.Tag != "Reference" || ref.NamespaceURI() != dsig.Namespace {
			continue
		}
		uri := ref.SelectAttrValue("URI", "")
		if uri == "" || (rootID != "" && uri == "#"+rootID) {
			if toList++; toList > 1 {
				return errors.New("more than one reference to the list")
			}
			continue
		}
		if err := checkReference(sig, ref, uri); err != nil {
			return fmt.Errorf("reference %s: %w", uri, err)
		}
	}
	return nil
}

func checkReference(sig, ref *etree.Element, uri string) error {
	if !strings.HasPrefix(uri, "#") || len(uri) == 1 {
		return errors.New("only references inside the list are supported")
	}
	var target *etree.Element
	for _, e := range sig.FindElements(".//*") {
		if e.SelectAttrValue("Id", "") == uri[1:] {
			if target != nil {
				return errors.New("the Id is not unique")
			}
			target = e
		}
	}
	if target == nil {
		return errors.New("no element with that Id inside the signature")
	}
	// Without transforms a same-document reference is canonicalized
	// with inclusive C14N 1.0 (XMLDSig 4.3.3.2).
	canon := dsig.MakeC14N10RecCanonicalizer()
	withContext := false
	if tr := dsChild(ref, "Transforms"); tr != nil {
		ts := tr.ChildElements()
		if len(ts) != 1 {
			return fmt.Errorf("%d transforms: only one canonicalization is supported", len(ts))
		}
		t := ts[0]
		prefixes := ""
		if in := t.FindElement("./InclusiveNamespaces"); in != nil {
			prefixes = in.SelectAttrValue("PrefixList", "")
		}
		switch dsig.AlgorithmID(t.SelectAttrValue("Algorithm", "")) {
		case dsig.CanonicalXML10ExclusiveAlgorithmId:
			canon, withContext = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList(prefixes), true
		case dsig.CanonicalXML10ExclusiveWithCommentsAlgorithmId:
			canon, withContext = dsig.MakeC14N10ExclusiveWithCommentsCanonicalizerWithPrefixList(prefixes), true
		case dsig.CanonicalXML10RecAlgorithmId:
			canon = dsig.MakeC14N10RecCanonicalizer()
		case dsig.CanonicalXML10WithCommentsAlgorithmId:
			canon = dsig.MakeC14N10WithCommentsCanonicalizer()
		case dsig.CanonicalXML11AlgorithmId:
			canon, withContext = dsig.MakeC14N11Canonicalizer(), true
		case dsig.CanonicalXML11WithCommentsAlgorithmId:
			canon, withContext = dsig.MakeC14N11WithCommentsCanonicalizer(), true
		default:
			return fmt.Errorf("unsupported transform %q", t.SelectAttrValue("Algorithm", ""))
		}
	}
	dm := dsChild(ref, "DigestMethod")
	dv := dsChild(ref, "DigestValue")
	if dm == nil || dv == nil {
		return errors.New("no DigestMethod or DigestValue")
	}
	h, ok := xmlDigests[dm.SelectAttrValue("Algorithm", "")]
	if !ok || !h.Available() {
		return fmt.Errorf("unsupported digest method %q", dm.SelectAttrValue("Algorithm", ""))
	}
	want, err := base64.StdEncoding.DecodeString(strings.Map(dropSpace, dv.Text()))
	if err != nil {
		return errors.New("unreadable DigestValue")
	}
	in := target
	if withContext {
		// These canonicalizers work on the element alone (the exclusive
		// one changes it): give a copy the namespaces in scope.
		in = target.Copy()
		declared := map[string]bool{}
		for _, a := range in.Attr {
			if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
				declared[a.Key] = true
			}
		}
		for p := target.Parent(); p != nil; p = p.Parent() {
			for _, a := range p.Attr {
				if (a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns")) && !declared[a.Key] {
					declared[a.Key] = true
					in.CreateAttr(a.FullKey(), a.Value)
				}
			}
		}
	}
	b, err := canon.Canonicalize(in)
	if err != nil {
		return err
	}
	got := h.New()
	got.Write(b)
	if !bytes.Equal(got.Sum(nil), want) {
		return errors.New("digest mismatch: the signed element was changed")
	}
	return nil
}

// keyInfoCert returns the first certificate of ds:KeyInfo/ds:X509Data,
// nil when there is none.
func keyInfoCert(sig *etree.Element) (*x509.Certificate, error) {
	ki := dsChild(sig, "KeyInfo")
	if ki == nil {
		return nil, nil
	}
	for _, xd := range ki.ChildElements() {
		if xd.Tag != "X509Data" || xd.NamespaceURI() != dsig.Namespace {
			continue
		}
		if xc := dsChild(xd, "X509Certificate"); xc != nil {
			der, err := base64.StdEncoding.DecodeString(strings.Map(dropSpace, xc.Text()))
			if err != nil {
				return nil, err
			}
			return x509.ParseCertificate(der)
		}
	}
	return nil, nil
}

func dsChild(el *etree.Element, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == dsig.Namespace {
			return c
		}
	}
	return nil
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

// AddTSL adds the certificates of the qualified CA and timestamp
// services of a trusted list file, each with the periods its status was
// active, after checking the list as ReadTSL does.
func (t *TrustStore) AddTSL(path string, opts TSLOptions) (*TSLInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &TSLError{Source: path, Err: err}
	}
	defer f.Close()
	l, err := ReadTSL(f, opts)
	if err != nil {
		return nil, &TSLError{Source: path, Err: err}
	}
	type pending struct {
		c       *x509.Certificate
		kind    AnchorKind
		name    string
		periods []period
	}
	var add []pending
	for i := range l.Services {
		s := &l.Services[i]
		for _, kind := range []AnchorKind{AnchorQualifiedCA, AnchorTSA} {
			ps := s.periods(kind)
			if len(ps) == 0 {
				continue
			}
			for _, c := range s.Certs {
				add = append(add, pending{c, kind, s.Name, ps})
			}
		}
	}
	if len(add) == 0 {
		return nil, &TSLError{Source: path, Err: errors.New("no active qualified CA or timestamp service")}
	}
	for _, a := range add {
		t.addAnchor(a.c, "tsl:"+path, a.kind, a.name, a.periods)
	}
	info := l.Info
	info.Source = path
	info.Anchors = len(add)
	t.lists = append(t.lists, info)
	t.addSource("tsl:" + path)
	return &info, nil
}
