package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/pectest"
)

var (
	pecPKIOnce sync.Once
	pecPKI     *pectest.PKI
	pecPKIErr  error
	pecNow     = time.Now().UTC().Truncate(time.Second)
)

// pecFiles writes a delivery receipt, its LF copy, a changed copy and the
// test root into a temporary folder.
func pecFiles(t *testing.T) (dir, root string, msgs map[string]string) {
	t.Helper()
	pecPKIOnce.Do(func() { pecPKI, pecPKIErr = pectest.NewPKI(pecNow) })
	if pecPKIErr != nil {
		t.Fatal(pecPKIErr)
	}
	dir = t.TempDir()
	root = filepath.Join(dir, "pec-root.pem")
	os.WriteFile(root, pecPKI.RootPEM(), 0o644)
	consegna, err := pectest.Build(pecPKI, pectest.Spec{Kind: "avvenuta-consegna", Time: pecNow.Add(-time.Hour),
		Attachments: []pectest.File{{Name: "../referto.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 referto\n")}}})
	if err != nil {
		t.Fatal(err)
	}
	hostile, err := pectest.Build(pecPKI, pectest.Spec{Kind: "accettazione", Time: pecNow.Add(-time.Hour), Subject: "Referto \u202efdp.exe\u009b2J"})
	if err != nil {
		t.Fatal(err)
	}
	msgs = map[string]string{
		"consegna.eml":  string(consegna),
		"lf.eml":        string(pectest.ToLF(consegna)),
		"changed.eml":   strings.Replace(string(consegna), "Gentile laboratorio", "Gentile Laboratorio", 1),
		"hostile.eml":   string(hostile),
		"outlook.msg":   "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + strings.Repeat("\x00", 512),
		"daticert.xml":  string(pectest.Daticert(pectest.Spec{Kind: "accettazione", Time: pecNow, Zone: "+0100", Sender: "a@b.test", Recipients: []string{"c@d.test"}, Subject: "x"})),
		"ordinaria.eml": "From: a@b.test\r\nTo: c@d.test\r\nSubject: ciao\r\n\r\nciao\r\n",
	}
	for n, b := range msgs {
		os.WriteFile(filepath.Join(dir, n), []byte(b), 0o644)
	}
	return dir, root, msgs
}

func TestVerifyPEC(t *testing.T) {
	dir, root, _ := pecFiles(t)
	f := func(n string) string { return filepath.Join(dir, n) }
	code, out, errs := runCLI(t, pecNow, "verify", "--no-system-trust", "--trust", root, f("consegna.eml"))
	if code != ExitOK || errs != "" {
		t.Fatalf("exit %d stderr %q\n%s", code, errs, out)
	}
	for _, want := range []string{
		f("consegna.eml") + ": TOTAL_PASSED (valid delivery receipt (completa))\n",
		"kind:            delivery receipt (completa) (from the signed daticert.xml)",
		"delivered to:    laboratorio@" + pectest.Domain,
		"provider:        Test Provider S.p.A.",
		"provider signature: TOTAL_PASSED now; TOTAL_PASSED at the certified time",
		"SHA-1 accepted because this is a PEC provider's signature",
		"passed        name_constraints",
		"attachment:    ../referto.pdf (17 bytes)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = runCLI(t, pecNow, "verify", "--no-system-trust", "--trust", root, f("lf.eml"))
	if code != ExitOK || !strings.Contains(out, "stored with LF line ends") {
		t.Errorf("LF: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, pecNow, "verify", "--no-system-trust", "--trust", root, f("changed.eml"))
	if code != ExitVerifyFailed || !strings.Contains(out, ": TOTAL_FAILED/HASH_FAILURE (NOT VALID delivery receipt (completa))") || !strings.Contains(out, "changed after the provider signed it") {
		t.Errorf("changed: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, pecNow, "verify", "--no-system-trust", f("consegna.eml"))
	if code != ExitVerifyIndeterminate || !strings.Contains(out, "INDETERMINATE/NO_CERTIFICATE_CHAIN_FOUND") {
		t.Errorf("no anchor: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, pecNow, "verify", "--no-system-trust", "--trust", root, f("hostile.eml"))
	if code != ExitOK || strings.ContainsAny(out, "\u202e\u009b") || !strings.Contains(out, `subject:         Referto \u202efdp.exe\u009b2J`) {
		t.Errorf("hostile subject not escaped: exit %d\n%q", code, out)
	}
	code, out, _ = runCLI(t, pecNow, "verify", "--no-system-trust", "--trust", root, f("daticert.xml"))
	if code != ExitVerifyIndeterminate || !strings.Contains(out, "NOT SIGNED") {
		t.Errorf("daticert alone: exit %d\n%s", code, out)
	}
	code, _, errs = runCLI(t, pecNow, "verify", f("outlook.msg"))
	if code != ExitInput || !strings.Contains(errs, "Outlook .msg") || !strings.Contains(errs, "hint: save the message as .eml") {
		t.Errorf("msg: exit %d %q", code, errs)
	}
	code, _, errs = runCLI(t, pecNow, "verify", f("ordinaria.eml"))
	if code != ExitInput || !strings.Contains(errs, "not a PEC message") {
		t.Errorf("ordinary mail: exit %d %q", code, errs)
	}

	// Several files, JSON: the worst exit, the PEC result under "pec".
	code, out, _ = runCLI(t, pecNow, "verify", "--json", "--no-system-trust", "--trust", root, f("consegna.eml"), f("changed.eml"))
	var j struct {
		Indication string
		Files      []struct {
			File string
			PEC  *struct {
				Kind              string                    `json:"kind"`
				Indication        string                    `json:"indication"`
				Daticert          struct{ Delivery string } `json:"daticert"`
				ProviderSignature struct {
					AtCertifiedTimeIndication string `json:"at_certified_time_indication"`
				} `json:"provider_signature"`
			} `json:"pec"`
		}
	}
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if code != ExitVerifyFailed || j.Indication != "TOTAL_FAILED" || len(j.Files) != 2 || j.Files[0].PEC == nil ||
		j.Files[0].PEC.Kind != "avvenuta-consegna" || j.Files[0].PEC.Daticert.Delivery == "" ||
		j.Files[0].PEC.ProviderSignature.AtCertifiedTimeIndication != "TOTAL_PASSED" || j.Files[1].PEC.Indication != "TOTAL_FAILED" {
		t.Errorf("json: exit %d\n%s", code, out)
	}
}

func TestVerifyPECExtract(t *testing.T) {
	dir, root, msgs := pecFiles(t)
	in := filepath.Join(dir, "consegna.eml")
	code, out, errs := runCLI(t, pecNow, "verify", "--no-system-trust", "--trust", root, "--extract", in)
	if code != ExitOK {
		t.Fatalf("exit %d %s %s", code, out, errs)
	}
	ex := filepath.Join(dir, "consegna")
	post, err := os.ReadFile(filepath.Join(ex, "postacert.eml"))
	if err != nil || !bytes.Contains(post, []byte("Subject: Referto esami 2026")) || !strings.Contains(msgs["consegna.eml"], string(post)) {
		t.Fatalf("postacert.eml: %v %q", err, post)
	}
	// "../referto.pdf" lands inside the folder, as referto.pdf.
	if b, err := os.ReadFile(filepath.Join(ex, "referto.pdf")); err != nil || string(b) != "%PDF-1.4 referto\n" {
		t.Fatalf("attachment: %v %q", err, b)
	}
	if _, err := os.Stat(filepath.Join(dir, "referto.pdf")); err == nil {
		t.Fatal("an attachment escaped the folder")
	}
	// Again: nothing is replaced without --force.
	os.WriteFile(filepath.Join(ex, "referto.pdf"), []byte("mine"), 0o644)
	code, _, errs = runCLI(t, pecNow, "verify", "--no-system-trust", "--trust", root, "--extract", in)
	if code != ExitOutput || !strings.Contains(errs, "exists") {
		t.Errorf("second extract: exit %d %q", code, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(ex, "referto.pdf")); string(b) != "mine" {
		t.Error("replaced without --force")
	}
	code, _, _ = runCLI(t, pecNow, "verify", "--no-system-trust", "--trust", root, "--extract", "--force", in)
	if b, _ := os.ReadFile(filepath.Join(ex, "referto.pdf")); code != ExitOK || string(b) != "%PDF-1.4 referto\n" {
		t.Errorf("--force: exit %d %q", code, b)
	}
	// A changed message gives nothing.
	other := filepath.Join(dir, "out")
	code, out, _ = runCLI(t, pecNow, "verify", "--no-system-trust", "--trust", root, "--extract", "-o", other, filepath.Join(dir, "changed.eml"))
	if code != ExitVerifyFailed || !strings.Contains(out, "nothing extracted") {
		t.Errorf("changed: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(other, "postacert.eml")); err == nil {
		t.Error("a changed message was extracted")
	}
}

// A PEC on standard input is recognised from its header, and a p7m on
// standard input is not held back waiting for a header it lacks.
func TestVerifyPECStdin(t *testing.T) {
	_, root, msgs := pecFiles(t)
	ios, out, errb := testIO(pecNow, nil)
	ios.In = strings.NewReader(msgs["consegna.eml"])
	code := Main(context.Background(), []string{"verify", "--no-system-trust", "--trust", root, "-"}, ios)
	if code != ExitOK || !strings.HasPrefix(out.String(), "-: TOTAL_PASSED (valid delivery receipt (completa))") {
		t.Errorf("exit %d %q\n%s", code, errb.String(), out.String())
	}
	for _, c := range []struct {
		in   string
		want bool
	}{{"\x30\x82\x01", false}, {"MIIBjzCCATWgAwIBAgIU\n", false}, {"MIIB", true}, {"From: a\r\n", true}, {"X-Ricev", true}, {"Return Path: x", false}} {
		if got := mailHeaderSoFar([]byte(c.in)); got != c.want {
			t.Errorf("mailHeaderSoFar(%q) = %v", c.in, got)
		}
	}
}
