package xades

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/firma-dev/firma/internal/testpki"
)

// Every intact file firma accepts, xmlsec1 (libxml2 + OpenSSL, an
// independent implementation) accepts too; every attacked file fails
// there too, or the test says why not.
func TestXmlsec(t *testing.T) {
	xmlsec, err := exec.LookPath("xmlsec1")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xmlsec1 missing in CI: scripts/deps.sh installs it")
		}
		t.Skip("xmlsec1 not installed")
	}
	p := testPKI(t)
	dir := t.TempDir()
	caFile := writePEM(t, dir, "ca.pem", "CERTIFICATE", p.ca.Cert.Raw)
	run := func(name string, b []byte) error {
		f := filepath.Join(dir, "in.xml")
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
		args := []string{"--verify", "--trusted-pem", caFile,
			"--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
			"--id-attr:Id", "http://www.w3.org/2000/09/xmldsig#:KeyInfo",
			"--id-attr:Id", "http://www.w3.org/2000/09/xmldsig#:SignatureValue",
			"--id-attr:Id", "http://www.w3.org/2000/09/xmldsig#:Signature",
			"--node-id", "Signature1", f}
		out, err := exec.Command(xmlsec, args...).CombinedOutput()
		if err != nil {
			return &xmlsecError{string(out)}
		}
		return nil
	}
	signed := signInvoice(t, invoiceXML(3000), p.qualified, SignOptions{})
	sdi := signInvoice(t, invoiceXML(3000), p.qualified, SignOptions{Binding: "key_info", DocumentTransforms: []string{FilterSubtract}})
	intact := map[string][]byte{
		"BES v2":   signed,
		"BES v1":   signInvoice(t, invoiceXML(3000), p.qualified, SignOptions{Binding: "signing_certificate"}),
		"SdI":      sdi,
		"ECDSA":    signInvoice(t, invoiceXML(3000), p.ec, SignOptions{}),
		"XAdES-T":  signInvoice(t, invoiceXML(3000), p.qualified, SignOptions{Timestamp: p.timestamper(t)}),
		"big 2MiB": signInvoice(t, invoiceXML(2<<20), p.qualified, SignOptions{DocumentTransforms: []string{FilterSubtract}}),
	}
	doc := parseDoc(t, string(signed))
	if _, err := CounterSign(doc, doc.FindElement("//Signature"), p.ec.Key, []*x509.Certificate{p.ec.Cert}, SignOptions{SigningTime: now}); err != nil {
		t.Fatal(err)
	}
	intact["counter-signed"] = write(t, doc)
	for name, b := range intact {
		rep := verifyBytes(t, b, Options{})
		if rep.Indication != "TOTAL_PASSED" {
			t.Errorf("%s: firma says %s\n%s", name, rep.Indication, describe(rep))
		}
		if err := run(name, b); err != nil {
			t.Errorf("%s: xmlsec1 refuses an intact file: %v", name, err)
		}
	}
	// The counter-signature on its own, as xmlsec1 sees it.
	if err := runNode(xmlsec, dir, caFile, intact["counter-signed"], "Signature1-C1"); err != nil {
		t.Errorf("counter-signature: xmlsec1 refuses it: %v", err)
	}
	for _, a := range attacks(t, p, string(signed), string(sdi)) {
		err := run(a.name, []byte(a.doc))
		switch {
		case a.xmlsecFails && err == nil:
			t.Errorf("%s: xmlsec1 accepts it, firma says %s", a.name, a.want)
		case !a.xmlsecFails && err != nil:
			t.Errorf("%s: xmlsec1 refuses it, the test says it should not (%s): %v", a.name, a.why, err)
		case !a.xmlsecFails && a.why == "":
			t.Errorf("%s: the difference is not explained", a.name)
		}
	}
}

func runNode(xmlsec, dir, caFile string, b []byte, node string) error {
	f := filepath.Join(dir, "node.xml")
	os.WriteFile(f, b, 0o644)
	out, err := exec.Command(xmlsec, "--verify", "--trusted-pem", caFile,
		"--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
		"--id-attr:Id", "http://www.w3.org/2000/09/xmldsig#:SignatureValue",
		"--id-attr:Id", "http://www.w3.org/2000/09/xmldsig#:Signature",
		"--node-id", node, f).CombinedOutput()
	if err != nil {
		return &xmlsecError{string(out)}
	}
	return nil
}

type xmlsecError struct{ out string }

func (e *xmlsecError) Error() string { return "xmlsec1: " + e.out }

var _ = testpki.CertPEM
