package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/testpki"
)

// icsEvent is what python3-icalendar reads back from one VEVENT.
type icsEvent struct {
	UID         string   `json:"uid"`
	Start       string   `json:"start"`
	End         string   `json:"end"`
	Summary     string   `json:"summary"`
	Description string   `json:"description"`
	URL         string   `json:"url"`
	Alarms      []string `json:"alarms"`
}

// readICS parses path with Debian's python3-icalendar, a parser that is
// not ours, and returns its events.
func readICS(t *testing.T, path string) []icsEvent {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import icalendar").Run(); err != nil {
		if testing.Short() {
			t.Skipf("python3-icalendar: %v", err)
		}
		t.Fatalf("python3-icalendar is needed (scripts/deps.sh): %v", err)
	}
	const script = `
import json, sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
assert cal.get('VERSION') == '2.0', cal.get('VERSION')
assert cal.get('PRODID')
out = []
for ev in cal.walk('VEVENT'):
    out.append({
        'uid': str(ev.get('UID')),
        'start': ev.decoded('DTSTART').isoformat(),
        'end': ev.decoded('DTEND').isoformat(),
        'summary': str(ev.get('SUMMARY')),
        'description': str(ev.get('DESCRIPTION', '')),
        'url': str(ev.get('URL', '')),
        'alarms': [str(a.get('TRIGGER').to_ical(), 'ascii') for a in ev.walk('VALARM')],
    })
print(json.dumps(out))
`
	out, err := exec.Command(py, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("python3-icalendar cannot read %s: %v\n%s", path, err, out)
	}
	var evs []icsEvent
	if err := json.Unmarshal(out, &evs); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return evs
}

// certFromIssuer writes a signature certificate issued by a CA with the
// given organization and name, valid until notAfter, and returns its path.
func certFromIssuer(t *testing.T, dir, name, org, caName string, notAfter time.Time) (string, *x509.Certificate) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{Country: []string{"IT"}, Organization: []string{org}, CommonName: caName},
		NotBefore: notAfter.AddDate(-10, 0, 0), NotAfter: notAfter.AddDate(5, 0, 0),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	given, surname, _ := strings.Cut(name, " ")
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(0x4242), Subject: pkix.Name{Country: []string{"IT"}, CommonName: name,
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: certinfo.OIDGivenName, Value: given}, {Type: certinfo.OIDSurname, Value: surname}}},
		NotBefore: notAfter.AddDate(-3, 0, 0), NotAfter: notAfter,
		KeyUsage: x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	path := filepath.Join(dir, strings.ReplaceAll(strings.ToLower(name), " ", "-")+".pem")
	// The chain as 'firma cert export --chain' writes it: the CA is skipped.
	if err := os.WriteFile(path, append(testpki.CertPEM(c), testpki.CertPEM(ca)...), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, c
}

func runRemindCLI(t *testing.T, now time.Time, env map[string]string, args ...string) result {
	t.Helper()
	io, out, errb := testIO(now, env)
	code := Main(context.Background(), append([]string{"remind"}, args...), io)
	return result{code, out.String(), errb.String()}
}

func eventDays(evs []icsEvent, uidPart string) []string {
	var days []string
	for _, e := range evs {
		if strings.Contains(e.UID, uidPart) {
			days = append(days, e.Start)
		}
	}
	sort.Strings(days)
	return days
}

func TestRemindFromCertFiles(t *testing.T) {
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, rome)
	dir := t.TempDir()
	// Aruba: 75 days left, every reminder is ahead. The expiry at 23:30
	// UTC is already the next day in Rome: the days follow the clock's zone.
	arubaExp := time.Date(2027, 2, 19, 23, 30, 0, 0, time.UTC)
	aruba, ac := certFromIssuer(t, dir, "MARIO ROSSI", "ArubaPEC S.p.A.", "ArubaPEC S.p.A. NG CA 3", arubaExp)
	// Another provider: 20 days left, the window and the 30-day reminder are past.
	otherExp := time.Date(2026, 12, 27, 12, 0, 0, 0, time.UTC)
	other, oc := certFromIssuer(t, dir, "ANNA BIANCHI", "Altro Prestatore S.p.A.", "Altro Qualified CA", otherExp)
	ics := filepath.Join(dir, "rinnovi.ics")

	r := runRemindCLI(t, now, nil, "--ics", ics, "--cert", aruba, "--cert", other)
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.err)
	}
	evs := readICS(t, ics)
	aid, oid := certinfo.Parse(ac).SHA256[:32], certinfo.Parse(oc).SHA256[:32]
	if got, want := eventDays(evs, aid), []string{"2026-12-22", "2027-01-21", "2027-02-13", "2027-02-20"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Aruba reminders on %v, want %v", got, want)
	}
	if got, want := eventDays(evs, oid), []string{"2026-12-20", "2026-12-27"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("other provider's reminders on %v, want %v (past days left out)", got, want)
	}
	uids := map[string]bool{}
	for _, e := range evs {
		if uids[e.UID] {
			t.Errorf("UID %s twice", e.UID)
		}
		uids[e.UID] = true
		start, _ := time.Parse(time.DateOnly, e.Start)
		if end, _ := time.Parse(time.DateOnly, e.End); !end.Equal(start.AddDate(0, 0, 1)) {
			t.Errorf("%s: not an all-day event: %s to %s", e.UID, e.Start, e.End)
		}
		if len(e.Alarms) != 1 || e.Alarms[0] != "PT9H" {
			t.Errorf("%s: alarms %v, want one at 9:00", e.UID, e.Alarms)
		}
		if !strings.Contains(e.Description, "firma status") {
			t.Errorf("%s: the description does not say how to check: %q", e.UID, e.Description)
		}
		switch {
		case strings.Contains(e.UID, aid):
			if e.URL != "https://rinnovifirmadigitale.pec.it/" || !strings.Contains(e.Description, e.URL) {
				t.Errorf("%s: Aruba's renewal page missing: url %q, description %q", e.UID, e.URL, e.Description)
			}
			if !strings.Contains(e.Summary, "MARIO ROSSI") {
				t.Errorf("%s: summary %q does not name the holder", e.UID, e.Summary)
			}
		case strings.Contains(e.UID, oid):
			if e.URL != "" || !strings.Contains(e.Description, "Altro Qualified CA") {
				t.Errorf("%s: unknown provider: url %q, description %q", e.UID, e.URL, e.Description)
			}
		default:
			t.Errorf("event %s belongs to no certificate", e.UID)
		}
	}
	if !strings.Contains(r.out, "Wrote 6 events") {
		t.Errorf("summary: %q", r.out)
	}

	// No overwrite without --force: the file stays as it was.
	before, _ := os.ReadFile(ics)
	if r := runRemindCLI(t, now.Add(time.Hour), nil, "--ics", ics, "--cert", aruba); r.code != ExitOutput || !strings.Contains(r.err, "--force") {
		t.Errorf("existing file: exit %d, stderr %q; want %d and a --force hint", r.code, r.err, ExitOutput)
	}
	if after, _ := os.ReadFile(ics); string(after) != string(before) {
		t.Errorf("the calendar was changed without --force")
	}

	// Importing again updates, never doubles: the same certificates give
	// the same UIDs, a day later too (minus the days now past).
	later := now.AddDate(0, 0, 14)
	if r := runRemindCLI(t, later, nil, "--ics", ics, "--force", "--cert", other, "--cert", aruba); r.code != ExitOK {
		t.Fatalf("--force: exit %d\n%s", r.code, r.err)
	}
	again := readICS(t, ics)
	for _, e := range again {
		if !uids[e.UID] {
			t.Errorf("re-import: new UID %s would double an event", e.UID)
		}
	}
	if got, want := eventDays(again, aid), []string{"2026-12-22", "2027-01-21", "2027-02-13", "2027-02-20"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("after 14 days, Aruba reminders on %v, want %v", got, want)
	}
	if got, want := eventDays(again, oid), []string{"2026-12-27"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("after 14 days, other reminders on %v, want %v", got, want)
	}
}

func TestRemindExpiredAndBadFiles(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	expired, _ := certFromIssuer(t, dir, "LUCA VERDI", "ArubaPEC S.p.A.", "ArubaPEC S.p.A. NG CA 3", now.Add(-time.Hour))
	ics := filepath.Join(dir, "r.ics")
	r := runRemindCLI(t, now, nil, "--ics", ics, "--cert", expired)
	if r.code != ExitCert || !strings.Contains(r.err, "new signature kit") {
		t.Errorf("expired: exit %d, stderr %q", r.code, r.err)
	}
	if _, err := os.Stat(ics); err == nil {
		t.Errorf("a calendar was written for an expired certificate")
	}
	junk := filepath.Join(dir, "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o644)
	r = runRemindCLI(t, now, nil, "--ics", ics, "--cert", junk)
	if r.code != ExitInput || !strings.Contains(r.err, "PEM or DER") {
		t.Errorf("junk: exit %d, stderr %q", r.code, r.err)
	}
	if r := runRemindCLI(t, now, nil, "--cert", junk); r.code != ExitUsage {
		t.Errorf("no --ics: exit %d, want %d", r.code, ExitUsage)
	}
}

// The token's signing certificate, through SoftHSM: the exp75 variant.
func TestRemindFromToken(t *testing.T) {
	f := fixture(t)
	id := f.Variants["exp75"]
	now := time.Now().UTC()
	ics := filepath.Join(t.TempDir(), "rinnovo.ics")
	r := firma(t, now, nil, "remind", "--ics", ics, "--token", testpki.TokenLabel("exp75"))
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.out, r.err)
	}
	evs := readICS(t, ics)
	exp := id.Cert.NotAfter.UTC()
	var want []string
	for _, d := range []int{60, 30, 7, 0} {
		want = append(want, exp.AddDate(0, 0, -d).Format(time.DateOnly))
	}
	want[0] = exp.Add(-certinfo.RenewalWindow).Format(time.DateOnly)
	sort.Strings(want)
	if got := eventDays(evs, certinfo.Parse(id.Cert).SHA256[:32]); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("reminders on %v, want %v", got, want)
	}
	if len(evs) != 4 {
		t.Errorf("%d events, want 4", len(evs))
	}
}
