package verify

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
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

// maxTSL bounds the trusted list read into the parser.
const maxTSL = 64 << 20

// TSLService is one service of a trusted list.
type TSLService struct {
	Provider string
	Name     string
	Type     string
	Status   string
	Certs    []*x509.Certificate
}

// TSLError reports a trusted list that cannot be used.
type TSLError struct {
	Source string
	Err    error
}

func (e *TSLError) Error() string { return fmt.Sprintf("reading trusted list %s: %v", e.Source, e.Err) }
func (e *TSLError) Unwrap() error { return e.Err }

// Hint says where to get a list.
func (e *TSLError) Hint() string {
	return "download the Italian trusted list from AgID (https://eidas.agid.gov.it/TL/TSL-IT.xml) and pass it with --tsl"
}

type xmlTSP struct {
	Name     []string     `xml:"TSPInformation>TSPName>Name"`
	Services []xmlService `xml:"TSPServices>TSPService"`
}

type xmlService struct {
	Type   string   `xml:"ServiceInformation>ServiceTypeIdentifier"`
	Name   []string `xml:"ServiceInformation>ServiceName>Name"`
	Status string   `xml:"ServiceInformation>ServiceStatus"`
	Certs  []string `xml:"ServiceInformation>ServiceDigitalIdentity>DigitalId>X509Certificate"`
}

// ParseTSL reads the services of an ETSI TS 119 612 trusted list. The
// list's XML signature is not checked: the file must come from the
// supervisory body over an authenticated channel.
func ParseTSL(r io.Reader) ([]TSLService, error) {
	lr := &io.LimitedReader{R: r, N: maxTSL + 1}
	dec := xml.NewDecoder(lr)
	dec.Strict = true
	var out []TSLService
	sawRoot := false
	for {
		tok, err := dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			if lr.N <= 0 {
				return nil, fmt.Errorf("larger than %d MiB", maxTSL>>20)
			}
			return nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "TrustServiceStatusList":
			sawRoot = true
		case "TrustServiceProvider":
			if !sawRoot {
				return nil, errors.New("not a trusted list: TrustServiceProvider outside TrustServiceStatusList")
			}
			var p xmlTSP
			if err := dec.DecodeElement(&p, &se); err != nil {
				return nil, err
			}
			prov := first(p.Name)
			for _, s := range p.Services {
				svc := TSLService{Provider: prov, Name: first(s.Name), Type: strings.TrimSpace(s.Type), Status: strings.TrimSpace(s.Status)}
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
		}
	}
	if !sawRoot {
		return nil, errors.New("not a trusted list (no TrustServiceStatusList element)")
	}
	return out, nil
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

// AddTSL adds the certificates of the active qualified CA and timestamp
// services of a trusted list file.
func (t *TrustStore) AddTSL(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, &TSLError{Source: path, Err: err}
	}
	defer f.Close()
	svcs, err := ParseTSL(f)
	if err != nil {
		return 0, &TSLError{Source: path, Err: err}
	}
	n := 0
	for _, s := range svcs {
		if !tslActive[s.Status] {
			continue
		}
		var kind AnchorKind
		switch s.Type {
		case tslTypeCAQC:
			kind = AnchorQualifiedCA
		case tslTypeTSAQT, tslTypeTSA, tslTypeTSAQC, tslTypeTSAAdQ:
			kind = AnchorTSA
		default:
			continue
		}
		for _, c := range s.Certs {
			t.addAnchor(c, "tsl:"+path, kind, s.Name)
			n++
		}
	}
	if n == 0 {
		return 0, &TSLError{Source: path, Err: errors.New("no active qualified CA or timestamp service")}
	}
	t.addSource("tsl:" + path)
	return n, nil
}
