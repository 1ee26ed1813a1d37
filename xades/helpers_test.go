package xades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/verify"
)

var now = time.Now().UTC().Truncate(time.Second)

type pki struct {
	ca        *testpki.CA
	qualified *testpki.Identity // RSA, qualified
	ec        *testpki.Identity // ECDSA P-256, qualified
	other     *testpki.Identity // another signer of the same CA
	tsa       *testpki.Identity
	dir       string
	caFile    string
}

var (
	pkiOnce sync.Once
	pkiVal  *pki
	pkiErr  error
)

func testPKI(t testing.TB) *pki {
	t.Helper()
	pkiOnce.Do(func() {
		p := &pki{}
		if p.ca, pkiErr = testpki.NewCA(now); pkiErr != nil {
			return
		}
		v := testpki.Variants(now)
		if p.qualified, pkiErr = p.ca.Issue(v["valid"]); pkiErr != nil {
			return
		}
		if p.ec, pkiErr = p.ca.Issue(v["ecdsa"]); pkiErr != nil {
			return
		}
		if p.other, pkiErr = p.ca.Issue(v["valid"]); pkiErr != nil {
			return
		}
		if p.tsa, pkiErr = p.ca.IssueTSA(now); pkiErr != nil {
			return
		}
		if p.dir, pkiErr = os.MkdirTemp("", "firma-xades-test-"); pkiErr != nil {
			return
		}
		p.caFile = filepath.Join(p.dir, "ca.pem")
		pkiErr = os.WriteFile(p.caFile, testpki.CertPEM(p.ca.Cert), 0o644)
		pkiVal = p
	})
	if pkiErr != nil {
		t.Fatal(pkiErr)
	}
	return pkiVal
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pkiVal != nil {
		os.RemoveAll(pkiVal.dir)
	}
	os.Exit(code)
}

func (p *pki) trust() *verify.TrustStore {
	ts := verify.NewTrustStore()
	ts.AddCertificates("test CA", p.ca.Cert)
	return ts
}

// invoiceXML is a FatturaPA-shaped invoice of about size bytes: the
// attachment (base64) makes up the rest.
func invoiceXML(size int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<p:FatturaElettronica xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" versione="FPR12">` + "\n")
	b.WriteString("  <FatturaElettronicaHeader>\n    <DatiTrasmissione><IdTrasmittente><IdPaese>IT</IdPaese><IdCodice>01234567890</IdCodice></IdTrasmittente><ProgressivoInvio>00001</ProgressivoInvio><FormatoTrasmissione>FPR12</FormatoTrasmissione><CodiceDestinatario>0000000</CodiceDestinatario></DatiTrasmissione>\n")
	b.WriteString("    <CedentePrestatore><DatiAnagrafici><Anagrafica><Nome>MARIO</Nome><Cognome>ROSSI</Cognome></Anagrafica></DatiAnagrafici></CedentePrestatore>\n  </FatturaElettronicaHeader>\n")
	b.WriteString("  <FatturaElettronicaBody>\n    <DatiGenerali><DatiGeneraliDocumento><TipoDocumento>TD06</TipoDocumento><Divisa>EUR</Divisa><Data>2026-03-01</Data><Numero>12/2026</Numero><ImportoTotaleDocumento>122.00</ImportoTotaleDocumento></DatiGeneraliDocumento></DatiGenerali>\n")
	b.WriteString("    <DatiBeniServizi><DettaglioLinee><NumeroLinea>1</NumeroLinea><Descrizione>Visita specialistica &amp; referto</Descrizione><PrezzoTotale>100.00</PrezzoTotale><AliquotaIVA>22.00</AliquotaIVA></DettaglioLinee></DatiBeniServizi>\n")
	if rest := size - b.Len() - 200; rest > 0 {
		b.WriteString("    <Allegati><NomeAttachment>referto.pdf</NomeAttachment><Attachment>")
		line := strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo", 3)[:76]
		for n := 0; n < rest; n += 77 {
			b.WriteString(line)
			b.WriteByte('\n')
		}
		b.WriteString("</Attachment></Allegati>\n")
	}
	b.WriteString("  </FatturaElettronicaBody>\n</p:FatturaElettronica>\n")
	return b.String()
}

func parseDoc(t testing.TB, s string) *etree.Document {
	t.Helper()
	doc, err := Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func write(t testing.TB, doc *etree.Document) []byte {
	t.Helper()
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signInvoice signs in with id and o.
func signInvoice(t testing.TB, in string, id *testpki.Identity, o SignOptions) []byte {
	t.Helper()
	doc := parseDoc(t, in)
	if o.SigningTime.IsZero() {
		o.SigningTime = now.Add(-time.Hour)
	}
	if _, err := Sign(doc, nil, id.Key, []*x509.Certificate{id.Cert}, o); err != nil {
		t.Fatal(err)
	}
	return write(t, doc)
}

func (p *pki) timestamper(t testing.TB) func([]byte) ([]byte, error) {
	return func(d []byte) ([]byte, error) {
		return testpki.NewTimestampToken(p.tsa, testpki.TimestampFields{Hash: crypto.SHA256, HashedMessage: d, GenTime: now.Add(-30 * time.Minute), WithCert: true, Policy: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}})
	}
}

func verifyBytes(t testing.TB, b []byte, o Options) *verify.Report {
	t.Helper()
	p := testPKI(t)
	if o.Trust == nil {
		o.Trust = p.trust()
	}
	rep, err := Verify(context.Background(), bytes.NewReader(b), o)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// checkOf returns the named checks of s.
func checksOf(s *verify.Signature, name string) []verify.Check {
	var out []verify.Check
	for _, c := range s.Checks {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

func describe(rep *verify.Report) string {
	var b strings.Builder
	for _, s := range rep.AllSignatures() {
		fmt.Fprintf(&b, "%s %s/%s\n", s.ID, s.Indication, s.SubIndication)
		for _, c := range s.Checks {
			fmt.Fprintf(&b, "  %s %s %s %s\n", c.Status, c.Name, c.SubIndication, c.Detail)
		}
		for _, w := range s.Warnings {
			fmt.Fprintf(&b, "  warning: %s\n", w)
		}
	}
	return b.String()
}

func writePEM(t testing.TB, dir, name string, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
