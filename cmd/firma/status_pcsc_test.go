//go:build cgo

package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/pcsctest"
	"github.com/firma-dev/firma/internal/testpki"
)

// firma status shows the reader and the identified card before the token,
// and without --module the card's suggested modules are tried first.
func TestStatusShowsCardAndUsesItsModules(t *testing.T) {
	f := fixture(t)
	p := pcsctest.Start(t)
	vc := vcardOf(t, "aruba")
	p.Insert(vc, 0)

	r := firma(t, time.Now(), nil, "status", "--token", testpki.MainToken)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	for _, want := range []string{
		"Reader        Virtual PCD 00 00 (present)\n",
		"Card          Italian CNS card, STIncard OS\n",
		"Modules       libbit4xpki.so, libbit4ipki.so, opensc-pkcs11.so\n",
		"Token         firma-test ",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("status lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Index(r.out, "Reader ") > strings.Index(r.out, "Token ") {
		t.Errorf("the reader section must come first:\n%s", r.out)
	}
	// The aruba profile is not marked safe for the empty VERIFY: status
	// must not have sent one.
	if n := vc.Count(0x20); n != 0 {
		t.Errorf("status sent %d VERIFY commands to a card not known to be safe", n)
	}

	r = firma(t, time.Now(), nil, "status", "--json", "--token", testpki.MainToken)
	var rep struct {
		PCSC struct {
			Readers []struct {
				Name           string `json:"name"`
				Identification struct {
					Modules []string `json:"modules"`
				} `json:"identification"`
			} `json:"readers"`
		} `json:"pcsc"`
	}
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil || len(rep.PCSC.Readers) != 2 || rep.PCSC.Readers[0].Identification.Modules[0] != "libbit4xpki.so" {
		t.Errorf("json pcsc section: %v\n%s", err, r.out)
	}

	// No module given: the suggested modules that are installed come
	// first (OpenSC here), SoftHSM last.
	io, out, _ := testIO(time.Now(), map[string]string{"SOFTHSM2_CONF": f.Conf})
	if code := Main(t.Context(), []string{"modules", "--json"}, io); code != 0 {
		t.Fatalf("modules: exit %d", code)
	}
	var mods struct {
		Modules []struct {
			Path   string `json:"path"`
			Source string `json:"source"`
		} `json:"modules"`
	}
	json.Unmarshal(out.Bytes(), &mods)
	if len(mods.Modules) < 2 || mods.Modules[0].Source != "suggested for the card" || !strings.Contains(mods.Modules[0].Path, "opensc-pkcs11") || mods.Modules[len(mods.Modules)-1].Source != "SoftHSM" {
		t.Errorf("modules order: %+v", mods.Modules)
	}
}

// Without pcscd, status of a software token says nothing about readers,
// and with no token at all it prints why PC/SC could not help.
func TestStatusWithoutPCSCD(t *testing.T) {
	fixture(t)
	p := pcsctest.Start(t)
	p.Stop()
	r := firma(t, time.Now(), nil, "status", "--token", testpki.MainToken)
	if r.code != 0 || strings.Contains(r.out, "Reader") {
		t.Errorf("software token without pcscd: exit %d\n%s", r.code, r.out)
	}
	r = firma(t, time.Now(), nil, "status", "--token", "no-such-token")
	if r.code != ExitToken || !strings.Contains(r.out, "Readers       ") || !strings.Contains(r.out, "pcscd") {
		t.Errorf("no token and no pcscd: exit %d\n%s%s", r.code, r.out, r.err)
	}
}
