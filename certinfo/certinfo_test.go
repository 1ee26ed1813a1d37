package certinfo_test

import (
	"crypto/x509"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/testpki"
)

func TestValidFiscalCode(t *testing.T) {
	for cf, want := range map[string]bool{
		"RSSMRA80A01H501U": true,  // the textbook example
		"rssmra80a01h501u": true,  // case does not matter
		"RSSMRA80A01H501A": false, // wrong check character
		"RSSMRA8LA01H501U": false, // omocodia letter, check character not recomputed
		"RSSMRA80A01H50":   false,
		"RSSMRA80A01H5O1U": false, // letter O where a digit goes
		"12345678903":      true,  // company: Luhn-style check digit
		"12345678901":      false,
		"1234567890A":      false,
		"":                 false,
	} {
		if got := certinfo.ValidFiscalCode(cf); got != want {
			t.Errorf("ValidFiscalCode(%q) = %v, want %v", cf, got, want)
		}
	}
}

func TestFiscalCodeFromSerial(t *testing.T) {
	for in, want := range map[string]string{
		"TINIT-RSSMRA80A01H501U": "RSSMRA80A01H501U",
		"tinit-rssmra80a01h501u": "RSSMRA80A01H501U",
		"IT:RSSMRA80A01H501U":    "RSSMRA80A01H501U",
		"VATIT-12345678903":      "",
		"TINIT-":                 "",
		"":                       "",
	} {
		got, ok := certinfo.FiscalCodeFromSerial(in)
		if got != want || ok != (want != "") {
			t.Errorf("FiscalCodeFromSerial(%q) = %q, %v", in, got, ok)
		}
	}
}

func TestParseItalianProfiles(t *testing.T) {
	now := time.Now()
	ca, err := testpki.NewCA(now)
	if err != nil {
		t.Fatal(err)
	}
	nb, na := testpki.Validity(now.Add(100 * testpki.Day))
	sig, err := ca.Issue(testpki.Spec{Kind: testpki.Signature, NotBefore: nb, NotAfter: na})
	if err != nil {
		t.Fatal(err)
	}
	cns, err := ca.Issue(testpki.Spec{Kind: testpki.CNS, KeyType: testpki.ECP256, NotBefore: nb, NotAfter: na})
	if err != nil {
		t.Fatal(err)
	}
	in := certinfo.Parse(sig.Cert)
	h := in.Holder
	if h.Name() != "MARIO ROSSI" || h.FiscalCode != testpki.FiscalCode || !h.FiscalCodeValid || h.Title != "Medico Chirurgo" || h.DNQualifier != testpki.DNQual {
		t.Errorf("holder %+v", h)
	}
	if in.Purpose != certinfo.PurposeSignature || !in.Qualified || !in.QSCD || !in.NonRepudiation || in.KeyAlgorithm != "RSA-2048" {
		t.Errorf("signature certificate %+v", in)
	}
	if strings.Join(in.KeyUsage, ",") != "nonRepudiation" {
		t.Errorf("key usage %v", in.KeyUsage)
	}
	for _, want := range []string{"0.4.0.1862.1.1", "0.4.0.1862.1.4", "0.4.0.1862.1.6.1"} {
		if !strings.Contains(strings.Join(in.QCStatements, " "), want) {
			t.Errorf("qc statements %v lack %s", in.QCStatements, want)
		}
	}
	if in.Subject != "C=IT, CN=ROSSI MARIO, serialNumber=TINIT-RSSMRA80A01H501U, GN=MARIO, SN=ROSSI, dnQualifier=TEST20261129, title=Medico Chirurgo" {
		t.Errorf("subject %q", in.Subject)
	}
	if in.IssuerName != "Firma TEST Qualified CA" || len(in.SHA256) != 64 || len(in.OCSP) != 1 || len(in.CRL) != 1 {
		t.Errorf("issuer/fingerprint/urls %+v", in)
	}
	c := certinfo.Parse(cns.Cert)
	if c.Purpose != certinfo.PurposeAuthentication || c.Qualified || c.KeyAlgorithm != "ECDSA P-256" {
		t.Errorf("CNS certificate %+v", c)
	}
	if certinfo.PurposeOf(ca.Cert) != certinfo.PurposeCA {
		t.Error("CA purpose")
	}
	if certinfo.PurposeOf(&x509.Certificate{}) != certinfo.PurposeOther {
		t.Error("other purpose")
	}
	if got := certinfo.NameOID("1.3.76.16.6"); got != "1.3.76.16.6 (AgID qualified certificate)" {
		t.Errorf("NameOID %q", got)
	}
}

func TestAdviseRenewalBoundaries(t *testing.T) {
	notAfter := time.Date(2028, 10, 29, 12, 0, 0, 0, time.UTC)
	notBefore := notAfter.AddDate(-3, 0, 0)
	day := 24 * time.Hour
	cases := []struct {
		before time.Duration // time before notAfter
		state  certinfo.RenewalState
		days   int
	}{
		{91 * day, certinfo.RenewalOK, 91},
		{90*day + time.Hour, certinfo.RenewalSoon, 90},
		{61 * day, certinfo.RenewalSoon, 61},
		{60*day + time.Minute, certinfo.RenewalNow, 60},
		{time.Second, certinfo.RenewalNow, 0},
		{0, certinfo.RenewalExpired, 0},
		{-time.Second, certinfo.RenewalExpired, -1},
		{-day, certinfo.RenewalExpired, -1},
		{-day - time.Second, certinfo.RenewalExpired, -2},
	}
	for _, c := range cases {
		r := certinfo.AdviseRenewal(notBefore, notAfter, notAfter.Add(-c.before))
		if r.State != c.state || r.DaysLeft != c.days {
			t.Errorf("%v before expiry: %s/%d, want %s/%d", c.before, r.State, r.DaysLeft, c.state, c.days)
		}
		if !r.WindowOpens.Equal(notAfter.Add(-60*day)) || !r.WindowCloses.Equal(notAfter) || r.Advice == "" {
			t.Errorf("window %v..%v advice %q", r.WindowOpens, r.WindowCloses, r.Advice)
		}
	}
	r := certinfo.AdviseRenewal(notBefore, notAfter, notBefore.Add(-time.Hour))
	if r.State != certinfo.RenewalNotYetValid || !strings.Contains(r.Advice, "2025-10-29") {
		t.Errorf("not yet valid: %+v", r)
	}
	if r := certinfo.AdviseRenewal(notBefore, notAfter, notAfter.Add(-75*day)); !strings.Contains(r.Advice, "opens on 2028-08-30") {
		t.Errorf("window date in advice: %q", r.Advice)
	}
}

func TestPoliciesOfTestCertificates(t *testing.T) {
	now := time.Now()
	ca, err := testpki.NewCA(now)
	if err != nil {
		t.Fatal(err)
	}
	nb, na := testpki.Validity(now.Add(100 * testpki.Day))
	sig, _ := ca.Issue(testpki.Spec{Kind: testpki.Signature, NotBefore: nb, NotAfter: na})
	cns, _ := ca.Issue(testpki.Spec{Kind: testpki.CNS, NotBefore: nb, NotAfter: na})
	if got := strings.Join(certinfo.Parse(sig.Cert).Policies, " "); got != "1.3.76.16.6 0.4.0.194112.1.2" {
		t.Errorf("signature policies %q", got)
	}
	if got := strings.Join(certinfo.Parse(cns.Cert).Policies, " "); got != "1.3.76.16.2.1" {
		t.Errorf("CNS policies %q", got)
	}
}

// Days since expiry count whole days: 5 days and some minutes after the
// expiry are 5 days, not 6 (the floor of a negative days-left).
func TestDaysExpired(t *testing.T) {
	notAfter := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	notBefore := notAfter.AddDate(-3, 0, 0)
	for _, c := range []struct {
		after time.Duration
		want  int
	}{
		{time.Minute, 0}, {23 * time.Hour, 0}, {24 * time.Hour, 1},
		{5*24*time.Hour + 17*time.Minute, 5}, {5 * 24 * time.Hour, 5},
	} {
		r := certinfo.AdviseRenewal(notBefore, notAfter, notAfter.Add(c.after))
		if r.State != certinfo.RenewalExpired || r.DaysExpired != c.want {
			t.Errorf("%v after expiry: %s, %d days expired; want %d", c.after, r.State, r.DaysExpired, c.want)
		}
	}
	if r := certinfo.AdviseRenewal(notBefore, notAfter, notAfter.Add(-time.Hour)); r.DaysExpired != 0 {
		t.Errorf("valid: %d days expired", r.DaysExpired)
	}
}
