package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"

	"github.com/firma-dev/firma/internal/xmldsig"
)

// SignTSL signs a trusted list (TS 119 612 XML) the way list operators
// do: an enveloped XMLDSig signature, exclusive c14n, RSA-SHA256 (or
// ECDSA-SHA256), the signer certificate in KeyInfo, the Reference
// pointing at the root's Id.
func SignTSL(list string, key crypto.Signer, cert *x509.Certificate) ([]byte, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(list); err != nil {
		return nil, err
	}
	if _, err := xmldsig.SignEnveloped(doc, key, [][]byte{cert.Raw}); err != nil {
		return nil, err
	}
	return doc.WriteToBytes()
}

// AgIDTSL describes a generated trusted list in the shape of AgID's
// TSL-IT.xml: the default TS 119 612 namespace plus prefixed ones,
// thousands of services across a few dozen providers, each with the
// history real lists carry (accredited or under supervision from the
// 2000s, in the current TrustedList/Svcstatus URI form, then granted
// from 1 July 2016, some withdrawn since), qualifications extensions,
// and one CA certificate of the 2000s that Go's x509 parser refuses.
type AgIDTSL struct {
	// Services is the number of generated services (certificates: one
	// for every two services, as in the real list).
	Services   int
	Issued     time.Time
	NextUpdate time.Time
	// ExtraTSP is appended to TrustServiceProviderList as it is: XML of
	// TrustServiceProvider elements, the tsl prefix bound to the TS 119
	// 612 namespace.
	ExtraTSP string
}

// Status URIs of generated lists.
const (
	TSLGranted     = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
	TSLWithdrawn   = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"
	TSLAccredited  = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accredited"
	TSLSupervision = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/undersupervision"
	TSLTypeCAQC    = "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
	TSLTypeTSAQTST = "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST"
)

// BadCertService names the generated service whose certificate Go's
// x509 parser refuses ("invalid basic constraints": cA TRUE encoded as
// the BER boolean 0x01, as some CAs of the 2000s did).
const BadCertService = "Firma TEST CA 2001 (BER boolean)"

// EIDASDate is when eIDAS statuses replaced the earlier ones.
var EIDASDate = time.Date(2016, 6, 30, 22, 0, 0, 0, time.UTC)

// XML returns the list, unsigned.
func (a AgIDTSL) XML() (string, error) {
	certs, bad, err := agidCerts((a.Services + 1) / 2)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(a.Services * 3600)
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n")
	b.WriteString(`<TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#" xmlns:tsl="http://uri.etsi.org/02231/v2#" xmlns:ns2="http://www.w3.org/2000/09/xmldsig#" xmlns:ns3="http://uri.etsi.org/02231/v2/additionaltypes#" xmlns:ns4="http://uri.etsi.org/TrstSvc/SvcInfoExt/eSigDir-1999-93-EC-TrustedList/#" xmlns:ns5="http://uri.etsi.org/01903/v1.3.2#" Id="TrustServiceStatusList-1" TSLTag="http://uri.etsi.org/19612/TSLTag">`)
	b.WriteString(`<SchemeInformation><TSLVersionIdentifier>5</TSLVersionIdentifier><TSLSequenceNumber>81</TSLSequenceNumber><TSLType>http://uri.etsi.org/TrstSvc/TrustedList/TSLType/EUgeneric</TSLType>`)
	b.WriteString(`<SchemeOperatorName><Name xml:lang="en">AgID - Agenzia per l'Italia Digitale TEST</Name><Name xml:lang="it">AgID - Agenzia per l'Italia Digitale TEST</Name></SchemeOperatorName>`)
	b.WriteString(`<SchemeTerritory>IT</SchemeTerritory><HistoricalInformationPeriod>65535</HistoricalInformationPeriod>`)
	fmt.Fprintf(&b, `<ListIssueDateTime>%s</ListIssueDateTime><NextUpdate><dateTime>%s</dateTime></NextUpdate></SchemeInformation>`, a.Issued.UTC().Format(time.RFC3339), a.NextUpdate.UTC().Format(time.RFC3339))
	b.WriteString("<TrustServiceProviderList>\n")
	const perTSP = 100
	for i := 0; i < a.Services; i++ {
		if i%perTSP == 0 {
			if i > 0 {
				b.WriteString("</TSPServices></TrustServiceProvider>\n")
			}
			fmt.Fprintf(&b, `<TrustServiceProvider><TSPInformation><TSPName><Name xml:lang="en">Provider %d S.p.A.</Name><Name xml:lang="it">Provider %d S.p.A.</Name></TSPName>`, i/perTSP, i/perTSP)
			fmt.Fprintf(&b, `<TSPAddress><PostalAddresses><PostalAddress xml:lang="it"><StreetAddress>Via Roma %d</StreetAddress><Locality>Roma</Locality><CountryName>IT</CountryName></PostalAddress></PostalAddresses><ElectronicAddress><URI xml:lang="it">http://www.provider%d.example/</URI></ElectronicAddress></TSPAddress></TSPInformation><TSPServices>`, i/perTSP, i/perTSP)
		}
		typ, name := TSLTypeCAQC, fmt.Sprintf("Provider %d Qualified CA %d", i/perTSP, i%perTSP)
		if i%10 == 9 {
			typ, name = TSLTypeTSAQTST, fmt.Sprintf("Provider %d TSA %d", i/perTSP, i%perTSP)
		}
		cert := certs[i/2]
		if i == a.Services/2 {
			cert, name = bad, BadCertService
		}
		start := time.Date(2003+i%10, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		status, since := TSLGranted, EIDASDate
		if i%7 == 3 {
			status, since = TSLWithdrawn, time.Date(2019+i%5, 3, 1, 0, 0, 0, 0, time.UTC)
		}
		b64 := base64.StdEncoding.EncodeToString(cert)
		b.WriteString(`<TSPService><ServiceInformation><ServiceTypeIdentifier>` + typ + `</ServiceTypeIdentifier>`)
		b.WriteString(`<ServiceName><Name xml:lang="en">` + name + `</Name></ServiceName>`)
		b.WriteString(`<ServiceDigitalIdentity><DigitalId><X509Certificate>` + b64 + `</X509Certificate></DigitalId><DigitalId><X509SubjectName>CN=` + name + `, O=Provider S.p.A., C=IT</X509SubjectName></DigitalId></ServiceDigitalIdentity>`)
		fmt.Fprintf(&b, `<ServiceStatus>%s</ServiceStatus><StatusStartingTime>%s</StatusStartingTime>`, status, since.Format(time.RFC3339))
		b.WriteString(`<ServiceInformationExtensions><Extension Critical="true"><AdditionalServiceInformation><URI xml:lang="en">http://uri.etsi.org/TrstSvc/TrustedList/SvcInfoExt/ForeSignatures</URI></AdditionalServiceInformation></Extension></ServiceInformationExtensions></ServiceInformation>`)
		b.WriteString("<ServiceHistory>")
		hist := func(st string, from time.Time) {
			fmt.Fprintf(&b, `<ServiceHistoryInstance><ServiceTypeIdentifier>%s</ServiceTypeIdentifier><ServiceName><Name xml:lang="en">%s</Name></ServiceName><ServiceDigitalIdentity><DigitalId><X509SubjectName>CN=%s</X509SubjectName></DigitalId></ServiceDigitalIdentity><ServiceStatus>%s</ServiceStatus><StatusStartingTime>%s</StatusStartingTime></ServiceHistoryInstance>`, typ, name, name, st, from.Format(time.RFC3339))
		}
		if status == TSLWithdrawn {
			hist(TSLGranted, EIDASDate)
		}
		hist(TSLAccredited, start)
		if i%3 == 0 {
			hist(TSLSupervision, start.AddDate(-1, 0, 0))
		}
		b.WriteString("</ServiceHistory></TSPService>\n")
	}
	if a.Services > 0 {
		b.WriteString("</TSPServices></TrustServiceProvider>\n")
	}
	b.WriteString(a.ExtraTSP)
	b.WriteString("</TrustServiceProviderList></TrustServiceStatusList>\n")
	return b.String(), nil
}

var (
	agidMu   sync.Mutex
	agidSub  *rsa.PrivateKey
	agidIss  *ecdsa.PrivateKey
	agidPool [][]byte
	agidBad  []byte
)

// agidCerts returns n distinct CA certificates (RSA 2048 subject keys,
// as the real ones; self-issued with one ECDSA key, to make thousands
// quickly) and one that Go's x509 refuses.
func agidCerts(n int) ([][]byte, []byte, error) {
	agidMu.Lock()
	defer agidMu.Unlock()
	var err error
	if agidSub == nil {
		if agidSub, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, nil, err
		}
		if agidIss, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			agidSub = nil
			return nil, nil, err
		}
	}
	mk := func(serial int64, cn string, ext []pkix.Extension) ([]byte, error) {
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(serial),
			Subject:               pkix.Name{Country: []string{"IT"}, Organization: []string{"Provider S.p.A."}, CommonName: cn},
			NotBefore:             time.Date(2003, 1, 1, 0, 0, 0, 0, time.UTC),
			NotAfter:              time.Date(2033, 1, 1, 0, 0, 0, 0, time.UTC),
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			BasicConstraintsValid: ext == nil,
			IsCA:                  ext == nil,
			ExtraExtensions:       ext,
		}
		return x509.CreateCertificate(rand.Reader, tmpl, tmpl, &agidSub.PublicKey, agidIss)
	}
	if agidBad == nil {
		// basicConstraints { cA BOOLEAN 0x01 }: DER wants 0xFF.
		bc := []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 19}, Critical: true, Value: []byte{0x30, 0x03, 0x01, 0x01, 0x01}}}
		if agidBad, err = mk(1, BadCertService, bc); err != nil {
			return nil, nil, err
		}
	}
	for len(agidPool) < n {
		der, err := mk(int64(len(agidPool)+2), fmt.Sprintf("Provider Qualified CA %d", len(agidPool)), nil)
		if err != nil {
			return nil, nil, err
		}
		agidPool = append(agidPool, der)
	}
	return agidPool[:n], agidBad, nil
}
