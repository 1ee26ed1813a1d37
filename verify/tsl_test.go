package verify

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firma-dev/firma/verify/tsl"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/testpki"
)

const (
	withdrawn  = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn"
	accredited = "http://uri.etsi.org/TrstSvc/Svcstatus/accredited"
	typePKC    = "http://uri.etsi.org/TrstSvc/Svctype/CA/PKC"
)

// tslSvc is a service of a test list; history entries are written as
// ServiceHistoryInstance, newest first as real lists do.
type tslSvc struct {
	name, typ, status string
	start             time.Time
	history           []tsl.Status
	certs             []*x509.Certificate
}

// tslDoc is a TS 119 612 list for the tests, with the namespace prefix
// and the Id attribute real lists carry.
type tslDoc struct {
	issued, next time.Time
	services     []tslSvc
}

func xmlTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tspXML(svcs []tslSvc) string {
	var b strings.Builder
	b.WriteString(`<tsl:TrustServiceProvider><tsl:TSPInformation><tsl:TSPName><tsl:Name xml:lang="en">Firma Test Trust Services S.p.A.</tsl:Name></tsl:TSPName></tsl:TSPInformation><tsl:TSPServices>`)
	for _, s := range svcs {
		b.WriteString(`<tsl:TSPService><tsl:ServiceInformation><tsl:ServiceTypeIdentifier>` + s.typ + `</tsl:ServiceTypeIdentifier>`)
		b.WriteString(`<tsl:ServiceName><tsl:Name xml:lang="en">` + s.name + `</tsl:Name></tsl:ServiceName><tsl:ServiceDigitalIdentity>`)
		for _, c := range s.certs {
			b.WriteString(`<tsl:DigitalId><tsl:X509Certificate>` + base64.StdEncoding.EncodeToString(c.Raw) + `</tsl:X509Certificate></tsl:DigitalId>`)
		}
		b.WriteString(`</tsl:ServiceDigitalIdentity><tsl:ServiceStatus>` + s.status + `</tsl:ServiceStatus>`)
		if !s.start.IsZero() {
			b.WriteString(`<tsl:StatusStartingTime>` + xmlTime(s.start) + `</tsl:StatusStartingTime>`)
		}
		b.WriteString(`</tsl:ServiceInformation>`)
		if len(s.history) > 0 {
			b.WriteString(`<tsl:ServiceHistory>`)
			for _, h := range s.history {
				b.WriteString(`<tsl:ServiceHistoryInstance><tsl:ServiceTypeIdentifier>` + h.Type + `</tsl:ServiceTypeIdentifier><tsl:ServiceName><tsl:Name xml:lang="en">` + s.name + `</tsl:Name></tsl:ServiceName>`)
				b.WriteString(`<tsl:ServiceDigitalIdentity/><tsl:ServiceStatus>` + h.Status + `</tsl:ServiceStatus><tsl:StatusStartingTime>` + xmlTime(h.Start) + `</tsl:StatusStartingTime></tsl:ServiceHistoryInstance>`)
			}
			b.WriteString(`</tsl:ServiceHistory>`)
		}
		b.WriteString(`</tsl:TSPService>`)
	}
	b.WriteString(`</tsl:TSPServices></tsl:TrustServiceProvider>`)
	return b.String()
}

func (d tslDoc) xml() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#" Id="TrustServiceStatusList-1" TSLTag="http://uri.etsi.org/19612/TSLTag"><tsl:SchemeInformation><tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier><tsl:TSLSequenceNumber>42</tsl:TSLSequenceNumber><tsl:SchemeTerritory>IT</tsl:SchemeTerritory>`)
	if !d.issued.IsZero() {
		b.WriteString(`<tsl:ListIssueDateTime>` + xmlTime(d.issued) + `</tsl:ListIssueDateTime>`)
	}
	if !d.next.IsZero() {
		b.WriteString(`<tsl:NextUpdate><tsl:dateTime>` + xmlTime(d.next) + `</tsl:dateTime></tsl:NextUpdate>`)
	}
	b.WriteString(`</tsl:SchemeInformation><tsl:TrustServiceProviderList>`)
	b.WriteString(tspXML(d.services))
	b.WriteString("</tsl:TrustServiceProviderList></tsl:TrustServiceStatusList>\n")
	return b.String()
}

// tslKeys: an AgID-like list signer and a renewed certificate of the
// same key.
type tslKeys struct {
	key             *rsa.PrivateKey
	signer, renewed *x509.Certificate
}

var (
	tslKeysOnce sync.Once
	tslKeysVal  *tslKeys
	tslKeysErr  error
)

func testTSLKeys(t testing.TB) *tslKeys {
	t.Helper()
	p := testPKI(t)
	tslKeysOnce.Do(func() {
		k := &tslKeys{}
		if k.key, tslKeysErr = rsa.GenerateKey(rand.Reader, 2048); tslKeysErr != nil {
			return
		}
		mk := func(cn string, serial int64) *x509.Certificate {
			tmpl := &x509.Certificate{
				SerialNumber: big.NewInt(serial),
				Subject:      pkix.Name{Country: []string{"IT"}, Organization: []string{"Agenzia per l'Italia Digitale TEST"}, CommonName: cn},
				NotBefore:    p.now.Add(-365 * testpki.Day),
				NotAfter:     p.now.Add(3 * 365 * testpki.Day),
				KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.key.PublicKey, k.key)
			if err != nil {
				tslKeysErr = err
				return nil
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				tslKeysErr = err
			}
			return c
		}
		k.signer = mk("AgID TEST tsl.List signer", 1)
		k.renewed = mk("AgID TEST tsl.List signer renewed", 2)
		if tslKeysErr != nil {
			return
		}
		tslKeysVal = k
	})
	if tslKeysErr != nil {
		t.Fatal(tslKeysErr)
	}
	return tslKeysVal
}

// signTSL signs a list the way trusted-list operators do (testpki.SignTSL).
func signTSL(t testing.TB, list string, key crypto.Signer, cert *x509.Certificate) []byte {
	t.Helper()
	b, err := testpki.SignTSL(list, key, cert)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustTSLError expects a refused list with a signature problem.
func mustTSLError(t *testing.T, what string, err error, problem string) *tsl.SignatureError {
	t.Helper()
	var te *tsl.Error
	var se *tsl.SignatureError
	if !errors.As(err, &te) || !errors.As(err, &se) || se.Problem != problem {
		t.Fatalf("%s: want a %s signature error, got %v", what, problem, err)
	}
	return se
}

// hasAnchor reports whether c anchors certificates of kind at time at.
func hasAnchor(ts *TrustStore, c *x509.Certificate, kind AnchorKind, at time.Time) bool {
	for i := range ts.anchors {
		a := &ts.anchors[i]
		if a.cert.Equal(c) && a.kind == kind && a.activeAt(at) {
			return true
		}
	}
	return false
}

func TestTSLSignature(t *testing.T) {
	p := testPKI(t)
	k := testTSLKeys(t)
	now := p.now.Add(time.Hour)
	d := tslDoc{issued: p.now.Add(-10 * testpki.Day), next: p.now.Add(170 * testpki.Day), services: []tslSvc{
		{name: "Firma TEST CA", typ: tsl.TypeCAQC, status: granted, start: p.now.Add(-1000 * testpki.Day), certs: []*x509.Certificate{p.ca.Cert}},
		{name: "Firma TEST TSA", typ: tsl.TypeTSAQT, status: granted, certs: []*x509.Certificate{p.tsa.Cert}},
	}}
	signed := signTSL(t, d.xml(), k.key, k.signer)
	path := writeTemp(t, "TSL-IT.xml", signed)
	der := (&forge{content: document, signer: p.valid}).build(t)

	// Valid and pinned (by the certificate, or by a renewed certificate
	// of the same key): the anchors are used.
	for _, pin := range []*x509.Certificate{k.signer, k.renewed} {
		ts := NewTrustStore()
		info, err := ts.AddTSL(path, tsl.Options{Signers: []*x509.Certificate{p.other.Cert, pin}, Now: at(now)})
		if err != nil {
			t.Fatalf("pinned %s: %v", pin.Subject.CommonName, err)
		}
		if info.Signature != tsl.Pinned || info.Anchors != 2 || info.Stale || len(info.Warnings) != 0 ||
			!strings.Contains(info.Signer, "AgID TEST tsl.List signer") || info.SignerSHA256 != sha256Hex(k.signer.Raw) ||
			info.Territory != "IT" || info.Sequence != "42" || info.Issued == nil || !info.Issued.Equal(d.issued) {
			t.Errorf("pinned info %+v", info)
		}
		rep := verifyBytes(t, der, Options{Trust: ts, Now: at(now)})
		mustPass(t, rep)
		if s := rep.Layers[0].Signatures[0]; s.QualifiedTSL == nil || !*s.QualifiedTSL {
			t.Errorf("qualified_tsl %v", s.QualifiedTSL)
		}
		if got := ts.TrustedLists(); len(got) != 1 || got[0].Source != path {
			t.Errorf("trusted lists %+v", got)
		}
	}

	// Valid, but another signer is pinned: refused, nothing trusted.
	ts := NewTrustStore()
	_, err := ts.AddTSL(path, tsl.Options{Signers: []*x509.Certificate{p.other.Cert}, Now: at(now)})
	se := mustTSLError(t, "other pin", err, "not_pinned")
	if se.SignerSHA256 != sha256Hex(k.signer.Raw) || se.Signer == "" || !ts.Empty() {
		t.Errorf("error %+v, store empty %v", se, ts.Empty())
	}

	// Valid, nothing pinned: used, and said so.
	ts = NewTrustStore()
	info, err := ts.AddTSL(path, tsl.Options{Now: at(now)})
	if err != nil || info.Signature != tsl.NotPinned || len(info.Warnings) != 1 ||
		info.Warnings[0] != "trusted list signed by AgID TEST tsl.List signer, signer not pinned" {
		t.Fatalf("not pinned: %+v %v", info, err)
	}
	mustPass(t, verifyBytes(t, der, Options{Trust: ts, Now: at(now)}))

	// Someone re-signs an edited list with their own key: without a pin it
	// is used, naming that signer; with the pin it is refused.
	evil := d
	evil.services = append(evil.services, tslSvc{name: "Evil CA", typ: tsl.TypeCAQC, status: granted, certs: []*x509.Certificate{p.other.Cert}})
	resigned := writeTemp(t, "resigned.xml", signTSL(t, evil.xml(), p.tsa.Key, p.tsa.Cert))
	info, err = NewTrustStore().AddTSL(resigned, tsl.Options{Now: at(now)})
	if err != nil || info.Signature != tsl.NotPinned || info.SignerName != "Firma TEST TSA 1" {
		t.Errorf("re-signed, no pin: %+v %v", info, err)
	}
	_, err = NewTrustStore().AddTSL(resigned, tsl.Options{Signers: []*x509.Certificate{k.signer}, Now: at(now)})
	mustTSLError(t, "re-signed, pinned", err, "not_pinned")

	// One byte of a service changed after signing: refused whatever the
	// options, --tsl-unsigned included.
	tampered := bytes.Replace(signed, []byte("Firma TEST CA<"), []byte("Firma TEST CB<"), 1)
	if bytes.Equal(tampered, signed) {
		t.Fatal("tampering did not change the list")
	}
	tp := writeTemp(t, "tampered.xml", tampered)
	for _, o := range []tsl.Options{{Now: at(now)}, {Signers: []*x509.Certificate{k.signer}, Now: at(now)}, {AllowUnsigned: true, Now: at(now)}} {
		_, err := NewTrustStore().AddTSL(tp, o)
		mustTSLError(t, "tampered", err, "invalid")
	}

	// Signature removed: refused, unless unsigned lists are allowed.
	stripped := regexp.MustCompile(`(?s)<ds:Signature.*</ds:Signature>`).ReplaceAll(signed, nil)
	if bytes.Equal(stripped, signed) {
		t.Fatal("signature not removed")
	}
	sp := writeTemp(t, "stripped.xml", stripped)
	_, err = NewTrustStore().AddTSL(sp, tsl.Options{Now: at(now)})
	mustTSLError(t, "stripped", err, "unsigned")
	info, err = NewTrustStore().AddTSL(sp, tsl.Options{AllowUnsigned: true, Now: at(now)})
	if err != nil || info.Signature != tsl.Unsigned || info.Anchors != 2 || len(info.Warnings) != 1 {
		t.Errorf("stripped, allowed: %+v %v", info, err)
	}

	// No KeyInfo: only a pinned certificate can check the signature.
	noKeyInfo := regexp.MustCompile(`(?s)<ds:KeyInfo>.*</ds:KeyInfo>`).ReplaceAll(signed, nil)
	np := writeTemp(t, "nokeyinfo.xml", noKeyInfo)
	_, err = NewTrustStore().AddTSL(np, tsl.Options{Now: at(now)})
	mustTSLError(t, "no KeyInfo, no pin", err, "not_pinned")
	if info, err := NewTrustStore().AddTSL(np, tsl.Options{Signers: []*x509.Certificate{p.other.Cert, k.signer}, Now: at(now)}); err != nil || info.Signature != tsl.Pinned {
		t.Errorf("no KeyInfo, pinned: %+v %v", info, err)
	}
	_, err = NewTrustStore().AddTSL(np, tsl.Options{Signers: []*x509.Certificate{p.other.Cert}, Now: at(now)})
	mustTSLError(t, "no KeyInfo, other pin", err, "invalid")

	// The signing certificate is judged at the list's issue date (issue
	// 10): expired since, the list is still used, with a warning. (It was
	// refused before, as "changed or damaged".)
	later := k.signer.NotAfter.Add(time.Hour)
	ts = NewTrustStore()
	info, err = ts.AddTSL(path, tsl.Options{Signers: []*x509.Certificate{k.signer}, Now: at(later)})
	if err != nil || info.Signature != tsl.Pinned || !info.SignerExpired || info.SignerNotAfter == nil || !info.SignerNotAfter.Equal(k.signer.NotAfter) || info.Anchors != 2 {
		t.Fatalf("signer expired after the issue date: %+v %v", info, err)
	}
	if !slices.ContainsFunc(info.Warnings, func(w string) bool {
		return strings.Contains(w, "expired on "+k.signer.NotAfter.UTC().Format(time.DateOnly))
	}) {
		t.Errorf("warnings %q", info.Warnings)
	}
	// A list whose signer had expired before the date the list gives
	// itself is refused, and not called damaged. A signer certificate
	// issued after that date is fine: a list is signed when, or after,
	// it is issued.
	bad := d
	bad.issued = k.signer.NotAfter.Add(testpki.Day)
	_, err = NewTrustStore().AddTSL(writeTemp(t, "issued-after.xml", signTSL(t, bad.xml(), k.key, k.signer)), tsl.Options{Signers: []*x509.Certificate{k.signer}, Now: at(now)})
	se = mustTSLError(t, "issued after the signer expired", err, "signer_validity")
	if !strings.Contains(se.Error(), "expired on "+k.signer.NotAfter.UTC().Format(time.DateOnly)+", before the issue date") {
		t.Errorf("issued after the signer expired: %v", se)
	}
	early := d
	early.issued = k.signer.NotBefore.Add(-testpki.Day)
	if info, err := NewTrustStore().AddTSL(writeTemp(t, "issued-before.xml", signTSL(t, early.xml(), k.key, k.signer)), tsl.Options{Signers: []*x509.Certificate{k.signer}, Now: at(now)}); err != nil || info.SignerExpired {
		t.Errorf("signed by a certificate newer than the issue date: %+v %v", info, err)
	}
	// No issue date: the signer must be valid at verification time.
	undated := d
	undated.issued = time.Time{}
	_, err = NewTrustStore().AddTSL(writeTemp(t, "undated.xml", signTSL(t, undated.xml(), k.key, k.signer)), tsl.Options{Signers: []*x509.Certificate{k.signer}, Now: at(later)})
	mustTSLError(t, "undated, signer expired", err, "signer_validity")
}

// Signature wrapping: content the signature does not cover never
// becomes an anchor, wherever it is put.
func TestTSLSignatureWrapping(t *testing.T) {
	p := testPKI(t)
	k := testTSLKeys(t)
	now := p.now.Add(time.Hour)
	d := tslDoc{issued: p.now, next: p.now.Add(180 * testpki.Day), services: []tslSvc{
		{name: "Firma TEST CA", typ: tsl.TypeCAQC, status: granted, certs: []*x509.Certificate{p.ca.Cert}},
	}}
	signed := string(signTSL(t, d.xml(), k.key, k.signer))
	evilTSP := tspXML([]tslSvc{{name: "Evil CA", typ: tsl.TypeCAQC, status: granted, certs: []*x509.Certificate{p.other.Cert}}})
	evilList := `<tsl:TrustServiceProviderList xmlns:tsl="http://uri.etsi.org/02231/v2#">` + evilTSP + `</tsl:TrustServiceProviderList>`
	body := strings.TrimPrefix(signed, `<?xml version="1.0" encoding="UTF-8"?>`)
	cut := func(s, sep string) (string, string) {
		i := strings.Index(s, sep)
		if i < 0 {
			t.Fatalf("%q not found", sep)
		}
		return s[:i], s[i:]
	}
	before, after := cut(signed, "</tsl:TrustServiceProviderList>")
	sigStart, _ := cut(signed, "<ds:Signature")
	_, sigEnd := cut(signed, "</ds:Signature>")
	sigBody := strings.TrimSuffix(strings.TrimPrefix(signed, sigStart), sigEnd)

	for _, tc := range []struct {
		name   string
		list   string
		usable bool // the signature still verifies (the attack hides in unsigned bytes)
	}{
		{"TSP inserted in the signed provider list", before + evilTSP + after, false},
		{"second provider list after the first", strings.Replace(signed, "</tsl:TrustServiceProviderList>", "</tsl:TrustServiceProviderList>"+evilList, 1), false},
		{"provider list hidden in ds:Object", sigStart + strings.Replace(sigBody, "</ds:SignatureValue>", "</ds:SignatureValue><ds:Object>"+evilList+"</ds:Object>", 1) + sigEnd, true},
		{"TSP hidden in ds:Object", sigStart + strings.Replace(sigBody, "</ds:SignatureValue>", "</ds:SignatureValue><ds:Object>"+evilTSP+"</ds:Object>", 1) + sigEnd, true},
		{"signed list wrapped in an unsigned root", `<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#" Id="TrustServiceStatusList-1">` + evilList + body + `</tsl:TrustServiceStatusList>`, false},
		{"second root after the signed one", signed + `<tsl:TrustServiceStatusList xmlns:tsl="http://uri.etsi.org/02231/v2#">` + evilList + `</tsl:TrustServiceStatusList>`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(tc.list, "Evil CA") {
				t.Fatal("attack not in the list")
			}
			path := writeTemp(t, "wrapped.xml", []byte(tc.list))
			for _, o := range []tsl.Options{{Now: at(now)}, {Signers: []*x509.Certificate{k.signer}, Now: at(now)}} {
				ts := NewTrustStore()
				info, err := ts.AddTSL(path, o)
				if tc.usable != (err == nil) {
					t.Fatalf("usable %v, error %v", tc.usable, err)
				}
				if hasAnchor(ts, p.other.Cert, AnchorQualifiedCA, now) {
					t.Fatal("the unsigned CA became an anchor")
				}
				if _, err := ts.verifyChain(p.other.Cert, nil, now, nil, AnchorQualifiedCA); err == nil {
					t.Fatal("the unsigned CA anchors a chain")
				}
				if err == nil && (info.Anchors != 1 || !hasAnchor(ts, p.ca.Cert, AnchorQualifiedCA, now)) {
					t.Errorf("anchors %d", info.Anchors)
				}
			}
		})
	}
	// The check above can fail: the same CA in a list taken as it is
	// becomes an anchor.
	ts := NewTrustStore()
	d.services = append(d.services, tslSvc{name: "Evil CA", typ: tsl.TypeCAQC, status: granted, certs: []*x509.Certificate{p.other.Cert}})
	if _, err := ts.AddTSL(writeTemp(t, "plain.xml", []byte(d.xml())), tsl.Options{AllowUnsigned: true, Now: at(now)}); err != nil || !hasAnchor(ts, p.other.Cert, AnchorQualifiedCA, now) {
		t.Fatalf("control: %v", err)
	}
	if _, err := ts.verifyChain(p.other.Cert, nil, now, nil, AnchorQualifiedCA); err != nil {
		t.Fatalf("control chain: %v", err)
	}
}

func TestTSLStale(t *testing.T) {
	p := testPKI(t)
	k := testTSLKeys(t)
	now := p.now.Add(time.Hour)
	next := p.now.Add(-2 * testpki.Day).Truncate(time.Second)
	d := tslDoc{issued: p.now.Add(-200 * testpki.Day), next: next, services: []tslSvc{
		{name: "Firma TEST CA", typ: tsl.TypeCAQC, status: granted, certs: []*x509.Certificate{p.ca.Cert}},
	}}
	path := writeTemp(t, "stale.xml", signTSL(t, d.xml(), k.key, k.signer))
	ts := NewTrustStore()
	info, err := ts.AddTSL(path, tsl.Options{Signers: []*x509.Certificate{k.signer}, Now: at(now)})
	if err != nil {
		t.Fatal(err)
	}
	want := "the trusted list is stale since " + next.UTC().Format(time.DateOnly)
	if !info.Stale || info.NextUpdate == nil || !info.NextUpdate.Equal(next) || len(info.Warnings) != 1 || !strings.HasPrefix(info.Warnings[0], want) {
		t.Fatalf("stale info %+v", info)
	}
	// A warning, not a failure: the anchors stay usable, and the
	// signature they vouch for says the list is stale.
	sig := (&forge{content: document, signer: p.valid, signingTime: next.Add(-time.Hour)}).build(t)
	rep := verifyBytes(t, sig, Options{Trust: ts, Now: at(now)})
	mustPass(t, rep)
	wantSig := "the trusted list that vouches for the CA (" + path + ") is stale since " + next.UTC().Format(time.DateOnly)
	if w := rep.Layers[0].Signatures[0].Warnings; len(w) != 1 || !strings.HasPrefix(w[0].String(), wantSig) {
		t.Errorf("signature warnings %q, want %q", w, wantSig)
	}

	// The same list before its next update is fresh: no warning.
	fresh := NewTrustStore()
	info, err = fresh.AddTSL(path, tsl.Options{Signers: []*x509.Certificate{k.signer}, Now: at(next.Add(-time.Minute))})
	if err != nil || info.Stale || len(info.Warnings) != 0 {
		t.Errorf("fresh: %+v %v", info, err)
	}
	rep = verifyBytes(t, sig, Options{Trust: fresh, Now: at(next.Add(-time.Minute))})
	mustPass(t, rep)
	if w := rep.Layers[0].Signatures[0].Warnings; len(w) != 0 {
		t.Errorf("fresh list: signature warnings %q", w)
	}
}

func TestTSLServiceHistory(t *testing.T) {
	p := testPKI(t)
	now := p.now.Add(time.Hour)
	ago := func(days int) time.Time { return p.now.Add(-time.Duration(days) * testpki.Day) }
	// Signed by p.valid at declared time at; with a timestamp at tsAt
	// over the signature when tsAt is set.
	sign := func(at, tsAt time.Time) []byte {
		f := &forge{content: document, signer: p.valid, signingTime: at}
		if !tsAt.IsZero() {
			si, err := cms.ParseSignerInfo(f.signerInfo(t, hashOf(crypto.SHA256, document)))
			if err != nil {
				t.Fatal(err)
			}
			f.unsigned = [][]byte{attr(cms.OIDAttrTimeStampToken, timestampToken(t, p.tsa, si.Signature, tsAt))}
		}
		return f.wrap(f.signerInfo(t, hashOf(crypto.SHA256, document)))
	}
	store := func(ca tslSvc) *TrustStore {
		ca.name, ca.typ, ca.certs = "Firma TEST CA", tsl.TypeCAQC, []*x509.Certificate{p.ca.Cert}
		d := tslDoc{issued: ago(1), next: now.Add(100 * testpki.Day), services: []tslSvc{
			ca,
			{name: "Firma TEST TSA", typ: tsl.TypeTSAQT, status: granted, certs: []*x509.Certificate{p.tsa.Cert}},
		}}
		ts := NewTrustStore()
		if _, err := ts.AddTSL(writeTemp(t, "history.xml", []byte(d.xml())), tsl.Options{AllowUnsigned: true, Now: at(now)}); err != nil {
			t.Fatal(err)
		}
		return ts
	}
	qualified := func(t *testing.T, rep *Report) {
		t.Helper()
		mustPass(t, rep)
		if s := rep.Layers[0].Signatures[0]; s.QualifiedTSL == nil || !*s.QualifiedTSL {
			t.Errorf("qualified_tsl %v", s.QualifiedTSL)
		}
	}
	notQualified := func(t *testing.T, rep *Report) {
		t.Helper()
		mustResult(t, rep, Indeterminate, NoCertificateChainFound)
		if s := rep.Layers[0].Signatures[0]; s.QualifiedTSL != nil && *s.QualifiedTSL {
			t.Error("counted as qualified")
		}
	}

	// Withdrawn 30 days ago, granted for years before.
	ts := store(tslSvc{status: withdrawn, start: ago(30), history: []tsl.Status{{Type: tsl.TypeCAQC, Status: granted, Start: ago(1500)}}})
	t.Run("withdrawn since, granted at signing time", func(t *testing.T) {
		qualified(t, verifyBytes(t, sign(ago(100), time.Time{}), Options{Trust: ts, Now: at(now)}))
	})
	t.Run("withdrawn since, timestamp in the granted period", func(t *testing.T) {
		rep := verifyBytes(t, sign(ago(100), ago(100).Add(time.Minute)), Options{Trust: ts, Now: at(now)})
		qualified(t, rep)
		if s := rep.Layers[0].Signatures[0]; !s.ReferenceTime.Equal(ago(100).Add(time.Minute)) {
			t.Errorf("reference time %v", s.ReferenceTime)
		}
	})
	t.Run("signed after the withdrawal", func(t *testing.T) {
		notQualified(t, verifyBytes(t, sign(ago(10), time.Time{}), Options{Trust: ts, Now: at(now)}))
	})
	t.Run("timestamp after the withdrawal wins over the declared time", func(t *testing.T) {
		notQualified(t, verifyBytes(t, sign(ago(100), ago(10)), Options{Trust: ts, Now: at(now)}))
	})

	// Granted only 50 days ago, nothing before.
	ts = store(tslSvc{status: granted, start: ago(50)})
	t.Run("granted only after the signing time", func(t *testing.T) {
		notQualified(t, verifyBytes(t, sign(ago(100), time.Time{}), Options{Trust: ts, Now: at(now)}))
	})
	t.Run("granted before the signing time", func(t *testing.T) {
		qualified(t, verifyBytes(t, sign(ago(10), time.Time{}), Options{Trust: ts, Now: at(now)}))
	})

	// Pre-eIDAS accreditation, then a gap, then granted again; and a
	// period as a non-qualified service type.
	ts = store(tslSvc{status: granted, start: ago(50), history: []tsl.Status{
		{Type: tsl.TypeCAQC, Status: withdrawn, Start: ago(150)},
		{Type: typePKC, Status: granted, Start: ago(250)},
		{Type: tsl.TypeCAQC, Status: accredited, Start: ago(1500)},
	}})
	for _, tc := range []struct {
		days int
		ok   bool
	}{{10, true}, {100, false}, {200, false}, {300, true}} {
		rep := verifyBytes(t, sign(ago(tc.days), time.Time{}), Options{Trust: ts, Now: at(now)})
		if tc.ok {
			qualified(t, rep)
		} else {
			notQualified(t, rep)
		}
	}

	// Plain anchors ignore time: the same CA given with --trust (first,
	// as the CLI adds it) still chains, as a qualified service only while
	// the list says so.
	ts = NewTrustStore()
	if err := ts.AddPath(p.caPEM); err != nil {
		t.Fatal(err)
	}
	d := tslDoc{services: []tslSvc{{name: "Firma TEST CA", typ: tsl.TypeCAQC, status: granted, start: ago(50), certs: []*x509.Certificate{p.ca.Cert}}}}
	if _, err := ts.AddTSL(writeTemp(t, "both.xml", []byte(d.xml())), tsl.Options{AllowUnsigned: true, Now: at(now)}); err != nil {
		t.Fatal(err)
	}
	for days, want := range map[int]bool{100: false, 10: true} {
		rep := verifyBytes(t, sign(ago(days), time.Time{}), Options{Trust: ts, Now: at(now)})
		mustPass(t, rep)
		if s := rep.Layers[0].Signatures[0]; s.QualifiedTSL == nil || *s.QualifiedTSL != want {
			t.Errorf("--trust and --tsl, signed %d days ago: qualified_tsl %v, want %v", days, s.QualifiedTSL, want)
		}
	}

	// Never active at all: not an anchor, the list is refused.
	d = tslDoc{services: []tslSvc{{name: "Old CA", typ: tsl.TypeCAQC, status: withdrawn, start: ago(30), history: []tsl.Status{{Type: typePKC, Status: granted, Start: ago(500)}}, certs: []*x509.Certificate{p.ca.Cert}}}}
	if _, err := NewTrustStore().AddTSL(writeTemp(t, "never.xml", []byte(d.xml())), tsl.Options{AllowUnsigned: true, Now: at(now)}); err == nil {
		t.Error("a list without any active service was accepted")
	}
}

func TestTSLPeriods(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, d) }
	s := tsl.Service{Type: tsl.TypeCAQC, Status: withdrawn, StatusStart: day(100), History: []tsl.Status{
		{Type: tsl.TypeCAQC, Status: granted, Start: day(10)},
		{Type: tsl.TypeCAQC, Status: granted, Start: day(200)}, // after the current status: ignored
		{Type: tsl.TypeCAQC, Status: withdrawn, Start: day(50)},
		{Type: tsl.TypeCAQC, Status: accredited, Start: day(40)},
	}}
	got := s.Periods(tsl.QualifiedCA)
	want := []tsl.Period{{From: day(10), To: day(40)}, {From: day(40), To: day(50)}}
	if len(got) != 2 {
		t.Fatalf("periods %v", got)
	}
	// Order does not matter, contents do.
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || (g.From.Equal(w.From) && g.To.Equal(w.To))
		}
		if !found {
			t.Errorf("missing %v in %v", w, got)
		}
	}
	if p := s.Periods(tsl.TSA); len(p) != 0 {
		t.Errorf("TSA periods %v", p)
	}
	// No starting time: the current status holds always, as before.
	s = tsl.Service{Type: tsl.TypeCAQC, Status: granted}
	if p := s.Periods(tsl.QualifiedCA); len(p) != 1 || !p[0].Contains(day(-10000)) || !p[0].Contains(day(10000)) {
		t.Errorf("open period %v", p)
	}
}

// Entities are not expanded, external ones not fetched; the size is
// bounded.
func TestTSLHostileXML(t *testing.T) {
	p := testPKI(t)
	cert := base64.StdEncoding.EncodeToString(p.ca.Cert.Raw)
	laughs := `<?xml version="1.0"?>
<!DOCTYPE TrustServiceStatusList [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<TrustServiceStatusList><TrustServiceProviderList><TrustServiceProvider><TSPServices><TSPService><ServiceInformation><ServiceTypeIdentifier>` + tsl.TypeCAQC + `</ServiceTypeIdentifier><ServiceName><Name>&lol9;</Name></ServiceName><ServiceDigitalIdentity><DigitalId><X509Certificate>` + cert + `</X509Certificate></DigitalId></ServiceDigitalIdentity><ServiceStatus>` + granted + `</ServiceStatus></ServiceInformation></TSPService></TSPServices></TrustServiceProvider></TrustServiceProviderList></TrustServiceStatusList>`
	external := strings.Replace(laughs, `<!ENTITY lol "lol">`, `<!ENTITY lol SYSTEM "file:///etc/passwd">`, 1)
	external = strings.Replace(external, "&lol9;", "&lol;", 1)
	for name, in := range map[string]string{"billion laughs": laughs, "external entity": external} {
		if _, err := tsl.Read(strings.NewReader(in), tsl.Options{AllowUnsigned: true}); err == nil || !strings.Contains(err.Error(), "entity") {
			t.Errorf("%s: tsl.Read %v", name, err)
		}
		if _, err := tsl.Parse(strings.NewReader(in)); err == nil || !strings.Contains(err.Error(), "entity") {
			t.Errorf("%s: tsl.Parse %v", name, err)
		}
	}
	// The control: the same list without the entity is fine.
	plain := strings.Replace(laughs, "&lol9;", "CA", 1)
	plain = plain[strings.Index(plain, "<TrustServiceStatusList>"):]
	if l, err := tsl.Read(strings.NewReader(plain), tsl.Options{AllowUnsigned: true}); err != nil || len(l.Services) != 1 {
		t.Errorf("plain: %v", err)
	}

	// The size bound: a file is refused from its size, a stream once it
	// passes the limit.
	path := filepath.Join(t.TempDir(), "huge.xml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(tsl.MaxSize + 1); err != nil { // sparse: nothing written
		t.Fatal(err)
	}
	f.Close()
	if _, err := NewTrustStore().AddTSL(path, tsl.Options{AllowUnsigned: true}); err == nil || !strings.Contains(err.Error(), "larger than 64 MiB") {
		t.Errorf("oversize file: %v", err)
	}
}

// FuzzReadTSL: reading and checking a trusted list never panics, never
// takes an unsigned list unless asked, never takes an unpinned signer
// when one is pinned.
func FuzzReadTSL(f *testing.F) {
	p := testPKI(f)
	k := testTSLKeys(f)
	now := p.now.Add(time.Hour)
	d := tslDoc{issued: p.now, next: p.now.Add(-testpki.Day), services: []tslSvc{
		{name: "Firma TEST CA", typ: tsl.TypeCAQC, status: withdrawn, start: p.now.Add(-testpki.Day), history: []tsl.Status{{Type: tsl.TypeCAQC, Status: granted, Start: p.now.Add(-900 * testpki.Day)}}, certs: []*x509.Certificate{p.ca.Cert}},
		{name: "Firma TEST TSA", typ: tsl.TypeTSAQT, status: granted, certs: []*x509.Certificate{p.tsa.Cert}},
	}}
	signed := signTSL(f, d.xml(), k.key, k.signer)
	f.Add(signed)
	f.Add(regexp.MustCompile(`(?s)<ds:KeyInfo>.*</ds:KeyInfo>`).ReplaceAll(signed, nil))
	f.Add(regexp.MustCompile(`(?s)<ds:Signature.*</ds:Signature>`).ReplaceAll(signed, nil))
	f.Add(signTSL(f, tslXML(tslEntry{tsl.TypeCAQC, granted, []*x509.Certificate{p.ca.Cert}}), p.tsa.Key, p.tsa.Cert))
	f.Add([]byte(d.xml()))
	addFileSeeds(f, "testdata")
	pins := []*x509.Certificate{k.signer}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, o := range []tsl.Options{{Now: at(now)}, {AllowUnsigned: true, Now: at(now)}, {Signers: pins, Now: at(now)}} {
			l, err := tsl.Read(bytes.NewReader(in), o)
			if err != nil {
				continue
			}
			switch {
			case !o.AllowUnsigned && l.Info.Signature == tsl.Unsigned:
				t.Fatal("unsigned list taken")
			case len(o.Signers) > 0 && l.Info.Signature != tsl.Pinned:
				t.Fatalf("signature %q taken with a pin", l.Info.Signature)
			}
			for _, s := range l.Services {
				for _, c := range s.Certs {
					if c == nil {
						t.Fatal("nil certificate")
					}
				}
				s.Periods(tsl.QualifiedCA)
			}
		}
	})
}

// agidFixture is a trusted list as AgID publishes it (testpki.AgIDTSL:
// about 5,000 services with their history since 2003, statuses in the
// current URI form, one certificate Go cannot parse), plus a CA that
// was only ever "accredited" (2010 to July 2016, withdrawn since), the
// list signed by a certificate that expired after the list was issued.
type agidFixture struct {
	signed     []byte
	signer     *x509.Certificate
	issued     time.Time
	now        time.Time // the verification time: the signer has expired
	ca2014     *testpki.CA
	signer2014 *testpki.Identity
}

const agidServices = 5000

var (
	agidOnce sync.Once
	agidVal  *agidFixture
	agidErr  error
)

func agidList(t testing.TB) *agidFixture {
	t.Helper()
	k := testTSLKeys(t)
	agidOnce.Do(func() {
		f := &agidFixture{issued: time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(7),
			Subject:      pkix.Name{Country: []string{"IT"}, Organization: []string{"Agenzia per l'Italia Digitale TEST"}, CommonName: "AgID TEST tsl.List signer 2023"},
			NotBefore:    time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC),
			NotAfter:     time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC),
			KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.key.PublicKey, k.key)
		if err != nil {
			agidErr = err
			return
		}
		if f.signer, agidErr = x509.ParseCertificate(der); agidErr != nil {
			return
		}
		f.now = f.signer.NotAfter.Add(90 * testpki.Day)
		at := time.Date(2014, 6, 1, 0, 0, 0, 0, time.UTC)
		if f.ca2014, agidErr = testpki.NewCA(at); agidErr != nil {
			return
		}
		if f.signer2014, agidErr = f.ca2014.Issue(testpki.Variants(at)["valid"]); agidErr != nil {
			return
		}
		list, err := testpki.AgIDTSL{
			Services: agidServices, Issued: f.issued, NextUpdate: f.issued.AddDate(1, 0, 0),
			ExtraTSP: accreditedOnlyTSP(f.ca2014.Cert, testpki.TSLAccredited),
		}.XML()
		if err != nil {
			agidErr = err
			return
		}
		f.signed, agidErr = testpki.SignTSL(list, k.key, f.signer)
		agidVal = f
	})
	if agidErr != nil {
		t.Fatal(agidErr)
	}
	return agidVal
}

// accreditedOnlyTSP: a CA accredited from 2010 (status written as
// given), withdrawn when eIDAS came.
func accreditedOnlyTSP(ca *x509.Certificate, status string) string {
	return tspXML([]tslSvc{{name: "Firma TEST CA 2014", typ: tsl.TypeCAQC, status: withdrawn, start: testpki.EIDASDate, certs: []*x509.Certificate{ca},
		history: []tsl.Status{{Type: tsl.TypeCAQC, Status: status, Start: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)}}}})
}

// TestTSLAgIDShape: the list as AgID really publishes it is usable.
func TestTSLAgIDShape(t *testing.T) {
	f := agidList(t)
	if len(f.signed) < 5<<20 {
		t.Fatalf("the generated list is only %d bytes", len(f.signed))
	}
	path := writeTemp(t, "TSL-IT.xml", f.signed)
	ts := NewTrustStore()
	info, err := ts.AddTSL(path, tsl.Options{Signers: []*x509.Certificate{f.signer}, Now: at(f.now)})
	if err != nil {
		t.Fatal(err)
	}
	// The signature was checked, whatever the size (goxmldsig stopped
	// at 1,000 elements), and the signer, expired since the issue date,
	// is reported rather than refused.
	if info.Signature != tsl.Pinned || !info.SignerExpired || info.Stale || info.Issued == nil || !info.Issued.Equal(f.issued) {
		t.Errorf("info %+v", info)
	}
	// The certificate Go refuses is skipped, naming its service; every
	// other one is an anchor.
	if len(info.Skipped) != 1 || info.Skipped[0].Service != testpki.BadCertService || !strings.Contains(info.Skipped[0].Reason, "basic constraints") || info.Skipped[0].Err == nil || info.Skipped[0].Err.Error() != info.Skipped[0].Reason {
		t.Errorf("skipped %+v", info.Skipped)
	}
	if !slices.ContainsFunc(info.Warnings, func(w string) bool {
		return strings.Contains(w, `service "`+testpki.BadCertService+`"`) && strings.Contains(w, "skipped")
	}) {
		t.Errorf("warnings %q", info.Warnings)
	}
	if info.Anchors != agidServices {
		t.Errorf("%d anchors, want %d (every service but the skipped certificate, plus the 2014 CA)", info.Anchors, agidServices)
	}

	// A signature of 2014 chains to the CA through its "accredited"
	// period, and carries the list's warning about its signer.
	in2014 := time.Date(2014, 6, 1, 0, 0, 0, 0, time.UTC)
	sig := (&forge{content: document, signer: f.signer2014, signingTime: in2014.Add(-testpki.Day)}).build(t)
	rep := verifyBytes(t, sig, Options{Trust: ts, Now: at(in2014)})
	mustPass(t, rep)
	s := rep.Layers[0].Signatures[0]
	if s.QualifiedTSL == nil || !*s.QualifiedTSL {
		t.Errorf("qualified_tsl %v", s.QualifiedTSL)
	}
	want := "the trusted list that vouches for the CA (" + path + ") is signed with a certificate that expired on 2025-12-01, after the issue date the list gives itself (2025-06-01)"
	if !slices.Contains(texts(s.Warnings), want) {
		t.Errorf("signature warnings %q, want %q", s.Warnings, want)
	}

	// The control: a status firma does not count as granted leaves the
	// same signature without a qualified anchor.
	k := testTSLKeys(t)
	other, err := testpki.AgIDTSL{Services: 20, Issued: f.issued, NextUpdate: f.issued.AddDate(1, 0, 0),
		ExtraTSP: accreditedOnlyTSP(f.ca2014.Cert, "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accreditationceased")}.XML()
	if err != nil {
		t.Fatal(err)
	}
	ts = NewTrustStore()
	if _, err := ts.AddTSL(writeTemp(t, "ceased.xml", signTSL(t, other, k.key, f.signer)), tsl.Options{Signers: []*x509.Certificate{f.signer}, Now: at(f.now)}); err != nil {
		t.Fatal(err)
	}
	mustResult(t, verifyBytes(t, sig, Options{Trust: ts, Now: at(in2014)}), Indeterminate, NoCertificateChainFound)
}

// The statuses of TS 119 612 that count as granted, in both URI forms.
func TestTSLStatusForms(t *testing.T) {
	for _, st := range []string{"undersupervision", "accredited", "supervisionincessation"} {
		for _, base := range []string{"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/", "http://uri.etsi.org/TrstSvc/Svcstatus/"} {
			if !tsl.Active(base + st) {
				t.Errorf("%s%s not counted", base, st)
			}
		}
	}
	for _, st := range []string{"withdrawn", "accreditationceased", "accreditationrevoked", "supervisionceased", "supervisionrevoked", "deprecatedatnationallevel"} {
		if tsl.Active("http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/" + st) {
			t.Errorf("%s counted as granted", st)
		}
	}
}

// BenchmarkReadTSLAgID reads (signature checked, services parsed) a
// list in AgID's shape with about 5,000 services.
func BenchmarkReadTSLAgID(b *testing.B) {
	f := agidList(b)
	opts := tsl.Options{Signers: []*x509.Certificate{f.signer}, Now: at(f.now)}
	b.SetBytes(int64(len(f.signed)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := processCPU()
	for i := 0; i < b.N; i++ {
		l, err := tsl.Read(bytes.NewReader(f.signed), opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(l.Services) != agidServices+1 {
			b.Fatalf("%d services", len(l.Services))
		}
	}
	// CPU seconds per read (garbage collection included), steadier than
	// ns/op when other work shares the machine.
	b.ReportMetric((processCPU()-cpu).Seconds()/float64(b.N), "cpu-s/op")
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
