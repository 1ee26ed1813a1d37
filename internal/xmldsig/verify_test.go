package xmldsig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
)

type testKey struct {
	key  crypto.Signer
	cert *x509.Certificate
}

var (
	keysOnce sync.Once
	keysRSA  *testKey
	keysEC   *testKey
	keysErr  error
)

func testKeys(t testing.TB) (*testKey, *testKey) {
	t.Helper()
	keysOnce.Do(func() {
		mk := func(k crypto.Signer) *testKey {
			tmpl := &x509.Certificate{
				SerialNumber: big.NewInt(1),
				Subject:      pkix.Name{CommonName: "xmldsig test"},
				NotBefore:    time.Now().Add(-time.Hour),
				NotAfter:     time.Now().Add(time.Hour),
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
			if err != nil {
				keysErr = err
				return nil
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				keysErr = err
			}
			return &testKey{k, c}
		}
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			keysErr = err
			return
		}
		ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			keysErr = err
			return
		}
		keysRSA, keysEC = mk(rk), mk(ek)
	})
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return keysRSA, keysEC
}

// verifyBytes parses in, finds the ds:Signature child of the root and
// verifies it with pub.
func verifyBytes(in []byte, pub crypto.PublicKey) (*Verified, error) {
	doc := etree.NewDocument()
	doc.ReadSettings.PreserveDuplicateAttrs = true
	if err := doc.ReadFromBytes(in); err != nil {
		return nil, err
	}
	if doc.Root() == nil {
		return nil, errors.New("no root")
	}
	var sig *etree.Element
	for _, e := range doc.FindElements("//Signature") {
		if e.NamespaceURI() == Namespace {
			sig = e
			break
		}
	}
	if sig == nil {
		return nil, errors.New("no signature")
	}
	s, err := New(doc, sig, nil)
	if err != nil {
		return nil, err
	}
	return s.Verify(pub)
}

// bigDoc is a document of about n elements shaped like a trusted list,
// with comments and namespaces.
func bigDoc(n int) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<tsl:List xmlns:tsl="http://uri.etsi.org/02231/v2#" xmlns:x="http://x.example/" Id="list-1">` + "\n<!-- history since 2003 -->\n")
	for i := 0; i < n/4; i++ {
		fmt.Fprintf(&b, "  <tsl:Service x:n=\"%d\"><tsl:Name xml:lang=\"it\">Servizio %d &amp; figli</tsl:Name><tsl:Status>http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accredited</tsl:Status><tsl:Start>2003-01-01T00:00:00Z</tsl:Start></tsl:Service>\n", i, i)
	}
	b.WriteString("</tsl:List>\n")
	return b.String()
}

func signDoc(t testing.TB, in string, k *testKey) []byte {
	t.Helper()
	doc := parse(t, in)
	if _, err := SignEnveloped(doc, k.key, [][]byte{k.cert.Raw}); err != nil {
		t.Fatal(err)
	}
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSignVerify(t *testing.T) {
	rk, ek := testKeys(t)
	for _, k := range []*testKey{rk, ek} {
		signed := signDoc(t, bigDoc(40), k)
		v, err := verifyBytes(signed, k.cert.PublicKey)
		if err != nil {
			t.Fatalf("%T: %v", k.key, err)
		}
		if len(v.References) != 1 || !v.References[0].Enveloped || v.References[0].URI != "#list-1" || len(v.Weak) != 0 {
			t.Fatalf("verified %+v", v)
		}
		// The signed octets are the list without its signature.
		data := string(v.References[0].Data)
		if strings.Contains(data, "Signature") || !strings.Contains(data, "Servizio 9 &amp; figli") {
			t.Errorf("reference data %.300s", data)
		}

		// One character of the content, the signature value, the key.
		bad := strings.Replace(string(signed), "Servizio 7 ", "Servizio 8 ", 1)
		if _, err := verifyBytes([]byte(bad), k.cert.PublicKey); !errors.Is(err, ErrDigestMismatch) {
			t.Errorf("changed content: %v", err)
		}
		other := rk
		if k == rk {
			other = ek
		}
		if _, err := verifyBytes(signed, other.cert.PublicKey); err == nil {
			t.Error("verified with another key")
		}
		doc := parse(t, string(signed))
		svEl := doc.FindElement("//SignatureValue")
		sv, _ := base64Text(svEl)
		sv[len(sv)/3] ^= 1
		svEl.SetText(base64.StdEncoding.EncodeToString(sv))
		out, _ := doc.WriteToBytes()
		if _, err := verifyBytes(out, k.cert.PublicKey); !errors.Is(err, ErrSignatureMismatch) {
			t.Errorf("changed signature value: %v", err)
		}
	}
}

// Size is not capped: a document of many thousands of elements (a
// real trusted list has tens of thousands) verifies.
func TestManyElements(t *testing.T) {
	rk, _ := testKeys(t)
	signed := signDoc(t, bigDoc(40000), rk)
	v, err := verifyBytes(signed, rk.cert.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(v.References[0].Data), "<tsl:Service "); n != 10000 {
		t.Errorf("%d services signed", n)
	}
}

// Wrapping and confusion: references resolve to exactly one element,
// SignedInfo is read from what was signed.
func TestStrictReferences(t *testing.T) {
	rk, _ := testKeys(t)
	signed := string(signDoc(t, bigDoc(8), rk))
	cases := []struct {
		name string
		doc  string
		want error
	}{
		{"a second element with the signed ID", strings.Replace(signed, "</ds:SignatureValue>", `</ds:SignatureValue><ds:Object><tsl:List Id="list-1"/></ds:Object>`, 1), ErrAmbiguousID},
		{"the ID moved to another element", strings.Replace(strings.Replace(signed, `Id="list-1"`, `Id="list-2"`, 1), "</tsl:List>", `<tsl:List Id="list-1"/></tsl:List>`, 1), ErrDigestMismatch},
		{"the ID moved into the signature", strings.Replace(strings.Replace(signed, `Id="list-1"`, `Id="list-2"`, 1), "</ds:SignatureValue>", `</ds:SignatureValue><ds:Object><tsl:List Id="list-1"/></ds:Object>`, 1), errEnvelopedInside},
		{"the ID removed", strings.Replace(signed, `Id="list-1"`, `Id="list-2"`, 1), ErrNotFound},
	}
	for _, tc := range cases {
		if tc.doc == signed {
			t.Fatalf("%s: no change", tc.name)
		}
		if _, err := verifyBytes([]byte(tc.doc), rk.cert.PublicKey); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// A comment splitting the DigestValue is not signed: the value is
	// read from the canonical SignedInfo, whole, and still verifies.
	doc := parse(t, signed)
	dv := doc.FindElement("//DigestValue")
	text := dv.Text()
	dv.SetText(text[:10])
	dv.CreateComment("x")
	dv.CreateText(text[10:])
	out, _ := doc.WriteToBytes()
	if !strings.Contains(string(out), "<!--x-->") {
		t.Fatal("no comment")
	}
	if _, err := verifyBytes(out, rk.cert.PublicKey); err != nil {
		t.Errorf("DigestValue split by a comment: %v", err)
	}

	// Unsupported references are errors, never skipped.
	for _, u := range []string{"http://example.com/list.xml", "#xpointer(//*)", "list.xml#list-1"} {
		bad := strings.Replace(signed, `URI="#list-1"`, `URI="`+u+`"`, 1)
		var ue *UnsupportedError
		if _, err := verifyBytes([]byte(bad), rk.cert.PublicKey); !errors.As(err, &ue) && !errors.Is(err, ErrSignatureMismatch) {
			t.Errorf("URI %q: %v", u, err)
		}
	}
	// A DOCTYPE is refused before anything is checked.
	dt := strings.Replace(signed, "<tsl:List ", "<!DOCTYPE tsl:List>\n<tsl:List ", 1)
	var fe *FormatError
	if _, err := verifyBytes([]byte(dt), rk.cert.PublicKey); !errors.As(err, &fe) {
		t.Errorf("doctype: %v", err)
	}
}

// Cross-check with xmlsec1 (libxml2 + OpenSSL), an independent
// implementation: what it signs, with every canonicalization, verifies
// here; what we sign verifies there; a change fails in both.
func TestXmlsec(t *testing.T) {
	xmlsec, err := exec.LookPath("xmlsec1")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xmlsec1 missing in CI: scripts/deps.sh installs it")
		}
		t.Skip("xmlsec1 not installed")
	}
	rk, ek := testKeys(t)
	dir := t.TempDir()
	files := map[*testKey][2]string{}
	for i, k := range []*testKey{rk, ek} {
		der, err := x509.MarshalPKCS8PrivateKey(k.key)
		if err != nil {
			t.Fatal(err)
		}
		kf := filepath.Join(dir, fmt.Sprintf("key%d.pem", i))
		cf := filepath.Join(dir, fmt.Sprintf("cert%d.pem", i))
		os.WriteFile(kf, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
		os.WriteFile(cf, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.cert.Raw}), 0o644)
		files[k] = [2]string{kf, cf}
	}
	idAttr := []string{"--id-attr:Id", "List", "--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties"}
	xverify := func(path string, k *testKey) error {
		b, err := exec.Command(xmlsec, append(append([]string{"--verify"}, idAttr...), "--pubkey-cert-pem", files[k][1], path)...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, b)
		}
		return nil
	}

	// Ours -> xmlsec1, on a big document.
	for _, k := range []*testKey{rk, ek} {
		signed := signDoc(t, bigDoc(20000), k)
		p := filepath.Join(dir, "ours.xml")
		os.WriteFile(p, signed, 0o644)
		if err := xverify(p, k); err != nil {
			t.Fatalf("xmlsec1 refuses our %T signature: %v", k.key, err)
		}
		os.WriteFile(p, []byte(strings.Replace(string(signed), "Servizio 4999 ", "Servizio 4998 ", 1)), 0o644)
		if xverify(p, k) == nil {
			t.Fatal("xmlsec1 accepts a changed document: the cross-check proves nothing")
		}
	}

	// xmlsec1 -> ours: every canonicalization, as SignedInfo's method
	// and as the references' transform, URI="" and "#id", RSA and
	// ECDSA, SHA-256 and SHA-1.
	body := `<?xml version="1.0" encoding="UTF-8"?>
<!-- before -->
<tsl:List xmlns:tsl="http://uri.etsi.org/02231/v2#" xmlns:u="http://unused.example/" Id="list-1" xml:lang="it">
  <tsl:Service><tsl:Name>Servizio &amp; &lt;figli&gt;</tsl:Name><!-- a comment in the list --></tsl:Service>
  @SIG@
  <tsl:Service><tsl:Name xmlns:tsl="http://uri.etsi.org/02231/v2#">Altro</tsl:Name></tsl:Service>
</tsl:List>
`
	// Each URI form meets each algorithm and each method (18 runs
	// rather than 72: xmlsec1 is a process a run).
	uris := []string{"", "#list-1", "#xpointer(/)", "#xpointer(id('list-1'))"}
	for ai, alg := range []string{C14N10, C14N10WithComments, C14N11, C14N11WithComments, ExcC14N, ExcC14NWithComments} {
		for mi, m := range []struct {
			k      *testKey
			method string
			digest string
		}{{rk, RSASHA256, DigestSHA256}, {ek, ECDSASHA256, DigestSHA512}, {rk, RSASHA1, DigestSHA1}} {
			uri := uris[(ai*3+mi)%len(uris)]
			name := fmt.Sprintf("%s %q %s", alg, uri, m.method)
			sig := `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="sig-1"><ds:SignedInfo>` +
				`<ds:CanonicalizationMethod Algorithm="` + alg + `"/><ds:SignatureMethod Algorithm="` + m.method + `"/>` +
				`<ds:Reference URI="` + uri + `"><ds:Transforms><ds:Transform Algorithm="` + EnvelopedSignature + `"/><ds:Transform Algorithm="` + alg + `"/></ds:Transforms>` +
				`<ds:DigestMethod Algorithm="` + m.digest + `"/><ds:DigestValue/></ds:Reference>` +
				`<ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="#props"><ds:Transforms><ds:Transform Algorithm="` + alg + `"/></ds:Transforms>` +
				`<ds:DigestMethod Algorithm="` + m.digest + `"/><ds:DigestValue/></ds:Reference>` +
				`</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>` +
				`<ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#sig-1"><xades:SignedProperties Id="props"><!-- c --><xades:SigningTime>2026-11-01T10:00:00Z</xades:SigningTime></xades:SignedProperties></xades:QualifyingProperties></ds:Object></ds:Signature>`
			in := filepath.Join(dir, "tmpl.xml")
			out := filepath.Join(dir, "signed.xml")
			os.WriteFile(in, []byte(strings.Replace(body, "@SIG@", sig, 1)), 0o644)
			args := append(append([]string{"--sign"}, idAttr...), "--privkey-pem", files[m.k][0]+","+files[m.k][1], "--output", out, in)
			if b, err := exec.Command(xmlsec, args...).CombinedOutput(); err != nil {
				t.Fatalf("%s: xmlsec1 --sign: %v\n%s", name, err, b)
			}
			if err := xverify(out, m.k); err != nil {
				t.Fatalf("%s: xmlsec1 refuses its own signature: %v", name, err)
			}
			signed, _ := os.ReadFile(out)
			v, err := verifyBytes(signed, m.k.cert.PublicKey)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if len(v.References) != 2 || !v.References[0].Enveloped || (m.method == RSASHA1) != (len(v.Weak) == 2) {
				t.Errorf("%s: verified %+v", name, v)
			}
			if strings.Contains(string(v.References[0].Data), "SignatureValue") {
				t.Errorf("%s: the signature is in the signed data", name)
			}
			for what, changed := range map[string]string{
				"content":          strings.Replace(string(signed), "Altro", "Altre", 1),
				"signed property":  strings.Replace(string(signed), "2026-11-01", "2026-11-02", 1),
				"namespace prefix": strings.Replace(string(signed), `<tsl:Name xmlns:tsl="http://uri.etsi.org/02231/v2#">`, `<tsl:Name xmlns:tsl="http://uri.etsi.org/02231/v3#">`, 1),
			} {
				if changed == string(signed) {
					t.Fatalf("%s: %s not changed", name, what)
				}
				if _, err := verifyBytes([]byte(changed), m.k.cert.PublicKey); !errors.Is(err, ErrDigestMismatch) {
					t.Errorf("%s: %s changed: %v", name, what, err)
				}
			}
		}
	}
}
