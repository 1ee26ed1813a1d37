package verify

import (
	"bytes"
	"crypto/x509"
	"errors"
	"github.com/firma-dev/firma/verify/tsl"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firma-dev/firma/internal/testpki"
)

// xadesTemplate is the ds:Signature a trusted-list operator's signer
// writes, as a template for xmlsec1: an enveloped reference to the whole
// list plus a second reference to XAdES SignedProperties in ds:Object,
// which real lists (AgID's, the EU LOTL) carry.
const xadesTemplate = `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig-1"><ds:SignedInfo>` +
	`<ds:CanonicalizationMethod Algorithm="@C14N@"/>` +
	`<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>` +
	`<ds:Reference Id="ref-list" URI=""><ds:Transforms>` +
	`<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>` +
	`<ds:Transform Algorithm="@C14N@"/></ds:Transforms>` +
	`<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>` +
	`<ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#xades-props"><ds:Transforms>` +
	`<ds:Transform Algorithm="@C14N@"/></ds:Transforms>` +
	`<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>` +
	`</ds:SignedInfo><ds:SignatureValue/>` +
	`<ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>` +
	`<ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#sig-1">` +
	`<xades:SignedProperties Id="xades-props"><xades:SignedSignatureProperties>` +
	`<xades:SigningTime>2026-11-01T10:00:00Z</xades:SigningTime>` +
	`</xades:SignedSignatureProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object>` +
	`</ds:Signature>`

// TestTSLSignedByXmlsec: lists signed by an independent XMLDSig
// implementation (xmlsec1, libxml2-based), shaped like real ones, are
// accepted with their signer pinned; changed after signing, refused.
func TestTSLSignedByXmlsec(t *testing.T) {
	xmlsec, err := exec.LookPath("xmlsec1")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xmlsec1 missing in CI: scripts/deps.sh installs it")
		}
		t.Skip("xmlsec1 not installed (apt-get install xmlsec1)")
	}
	p := testPKI(t)
	k := testTSLKeys(t)
	dir := t.TempDir()
	keyPEM, err := testpki.KeyPEM(k.key)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key.pem")
	certFile := filepath.Join(dir, "cert.pem")
	os.WriteFile(keyFile, keyPEM, 0o600)
	os.WriteFile(certFile, testpki.CertPEM(k.signer), 0o644)

	list := tslDoc{issued: p.now.Add(-testpki.Day), next: p.now.Add(180 * testpki.Day), services: []tslSvc{
		{name: "Firma TEST CA", typ: tsl.TypeCAQC, status: granted, start: p.now.Add(-1000 * testpki.Day), certs: []*x509.Certificate{p.ca.Cert}},
	}}.xml()
	for _, c14n := range []struct{ name, uri string }{
		{"exclusive c14n", "http://www.w3.org/2001/10/xml-exc-c14n#"},
		{"inclusive c14n", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"},
		{"c14n 1.1", "http://www.w3.org/2006/12/xml-c14n11"},
	} {
		t.Run(c14n.name, func(t *testing.T) {
			sig := strings.ReplaceAll(xadesTemplate, "@C14N@", c14n.uri)
			tmpl := strings.Replace(list, "</tsl:TrustServiceStatusList>", sig+"</tsl:TrustServiceStatusList>", 1)
			in := filepath.Join(t.TempDir(), "tmpl.xml")
			out := filepath.Join(filepath.Dir(in), "signed.xml")
			os.WriteFile(in, []byte(tmpl), 0o644)
			idAttr := []string{"--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties"}
			xmlsec1 := func(args ...string) *exec.Cmd {
				return exec.Command(xmlsec, append(append([]string{args[0]}, idAttr...), args[1:]...)...)
			}
			if b, err := xmlsec1("--sign", "--privkey-pem", keyFile+","+certFile, "--output", out, in).CombinedOutput(); err != nil {
				t.Fatalf("xmlsec1 --sign: %v\n%s", err, b)
			}
			// xmlsec1 itself accepts what it signed.
			if b, err := xmlsec1("--verify", "--trusted-pem", certFile, out).CombinedOutput(); err != nil {
				t.Fatalf("xmlsec1 --verify: %v\n%s", err, b)
			}
			signed, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(signed, []byte("<ds:SignatureValue/>")) {
				t.Fatal("xmlsec1 left the template unsigned")
			}

			l, err := tsl.Read(bytes.NewReader(signed), tsl.Options{Signers: []*x509.Certificate{k.signer}, Now: at(p.now)})
			if err != nil {
				t.Fatalf("a list signed by xmlsec1: %v", err)
			}
			if l.Info.Signature != tsl.Pinned || len(l.Services) != 1 || l.Services[0].Name != "Firma TEST CA" || l.Info.Stale {
				t.Errorf("read %+v, services %+v", l.Info, l.Services)
			}

			// One character of the service name changed after signing.
			bad := bytes.Replace(signed, []byte("Firma TEST CA"), []byte("Firma TEST CB"), 1)
			mustInvalid := func(what string, b []byte) {
				t.Helper()
				_, err := tsl.Read(bytes.NewReader(b), tsl.Options{Signers: []*x509.Certificate{k.signer}, Now: at(p.now)})
				var se *tsl.SignatureError
				if !errors.As(err, &se) || se.Problem != "invalid" {
					t.Errorf("%s: want an invalid signature, got %v", what, err)
				}
			}
			mustInvalid("list changed after signing", bad)
			// The signing time in the signed properties changed: the
			// second reference no longer matches, and xmlsec1 agrees.
			badProps := bytes.Replace(signed, []byte("2026-11-01T10:00:00Z"), []byte("2026-11-02T10:00:00Z"), 1)
			badFile := filepath.Join(t.TempDir(), "bad.xml")
			os.WriteFile(badFile, badProps, 0o644)
			if xmlsec1("--verify", "--trusted-pem", certFile, badFile).Run() == nil {
				t.Fatal("xmlsec1 accepts changed signed properties: the test proves nothing")
			}
			mustInvalid("signed properties changed after signing", badProps)
		})
	}
}
