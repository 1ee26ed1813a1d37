package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/interop"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run this test binary as the `firma` command.
func TestMain(m *testing.M) {
	testscript.Main(cleanupM{m}, map[string]func(){
		"firma":               func() { os.Exit(firmaTestProcess()) },
		"firma-hostile-store": func() { os.Exit(hostileStoreMain()) },
	})
}

type cleanupM struct{ m *testing.M }

func (c cleanupM) Run() int {
	code := c.m.Run()
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	return code
}

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureVal  *testpki.Fixture
	fixtureErr  error
)

// fixture provisions the shared SoftHSM store once per test process,
// before any test loads the module (a module is initialized once per
// process). Tests that need SoftHSM call it first; it skips when SoftHSM2
// is not installed and -short is set.
func fixture(t testing.TB) *testpki.Fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		if _, err := testpki.FindSoftHSM(); err != nil {
			fixtureErr = err
			return
		}
		fixtureDir, fixtureErr = os.MkdirTemp("", "firma-cmd-test-")
		if fixtureErr != nil {
			return
		}
		fixtureVal, fixtureErr = testpki.NewFixture(fixtureDir, time.Now())
		if fixtureErr == nil {
			fixtureErr = os.WriteFile(filepath.Join(fixtureDir, "pin"), []byte(testpki.PIN+"\n"), 0o600)
		}
		if fixtureErr == nil {
			fixtureErr = os.WriteFile(filepath.Join(fixtureDir, "puk"), []byte(testpki.SOPIN+"\n"), 0o600)
		}
	})
	if fixtureErr != nil {
		if testing.Short() {
			t.Skipf("SoftHSM fixture: %v", fixtureErr)
		}
		t.Fatalf("SoftHSM fixture: %v", fixtureErr)
	}
	return fixtureVal
}

// scriptTSAPassword is the test TSA's password, distinctive enough to grep.
const scriptTSAPassword = "tsa-Script-9d41"

// TestScripts runs the end-to-end CLI scripts in testdata/script. Each
// script sees its own copy of the SoftHSM store and these variables:
//
//	SOFTHSM2_CONF, FIRMA_PKCS11_MODULE  the script's store and its module
//	CA        test CA certificate (PEM)
//	PINFILE   file holding the test PIN; TESTPIN the PIN itself, to grep for leaks
//	PUKFILE   file holding the test PUK (SO PIN); TESTPUK the PUK itself
//	INTEROP   testdata/interop: files signed by other tools (read-only)
//	TSAURL    a local RFC 3161 service (basic auth: user medico, password
//	          TSAPASSWORD), its certificate issued by CA
//	CI=true   nothing may prompt
//
// Every script runs twice: in English (no locale set) and in Italian
// (LANG=it_IT.UTF-8), where the condition [it] holds. Assertions on words
// are [!it] or [it]; the rest runs in both. In the Italian run every firma
// process looks for the English catalog's sentences in what it printed
// (leaks_test.go): a finding fails the run.
func TestScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end scripts need SoftHSM2")
	}
	f := fixture(t)
	// A local RFC 3161 service whose certificate comes from the test CA,
	// so that `firma verify --trust $CA` checks its timestamps too.
	tsaID, err := f.CA.IssueTSA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tsa, err := testpki.NewTSAServer(tsaID, testpki.TSAServerOptions{User: "medico", Password: scriptTSAPassword})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tsa.Close)
	for _, italian := range []bool{false, true} {
		name := "en"
		if italian {
			name = "it"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			leaks := ""
			if italian {
				leaks = t.TempDir()
				// After every script (parallel subtests end first).
				t.Cleanup(func() {
					found, err := readLeaks(leaks)
					if err != nil {
						t.Fatal(err)
					}
					for _, l := range found {
						p := strings.SplitN(l, "\t", 4)
						if len(p) != 4 {
							t.Errorf("English leak: %s", l)
							continue
						}
						t.Errorf("script %s: %s printed English on %s: %q", p[0], p[1], p[2], p[3])
					}
				})
			}
			runScripts(t, f, tsa, italian, leaks)
		})
	}
}

func runScripts(t *testing.T, f *testpki.Fixture, tsa *testpki.TSAServer, italian bool, leaks string) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Condition: func(cond string) (bool, error) {
			if cond == "it" {
				return italian, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(e *testscript.Env) error {
			// Scripts run side by side and some log in or change PINs:
			// each gets its own copy of the tokens (see SoftHSM.Clone).
			dir, err := os.MkdirTemp(fixtureDir, "script-")
			if err != nil {
				return err
			}
			e.Defer(func() { os.RemoveAll(dir) })
			store, err := f.Clone(dir)
			if err != nil {
				return err
			}
			e.Setenv("SOFTHSM2_CONF", store.Conf)
			e.Setenv("FIRMA_PKCS11_MODULE", store.Module)
			e.Setenv("CA", f.CAFile)
			e.Setenv("PINFILE", filepath.Join(fixtureDir, "pin"))
			e.Setenv("TESTPIN", testpki.PIN)
			e.Setenv("PUKFILE", filepath.Join(fixtureDir, "puk"))
			e.Setenv("TESTPUK", testpki.SOPIN)
			e.Setenv("FIXTURE", fixtureDir)
			e.Setenv("INTEROP", interop.Dir())
			e.Setenv("TSAURL", tsa.URLFor(testpki.TSAOK))
			e.Setenv("TSAPASSWORD", scriptTSAPassword)
			e.Setenv("CI", "true")
			for _, k := range []string{"FIRMA_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"} {
				e.Setenv(k, "")
			}
			if italian {
				e.Setenv("LANG", "it_IT.UTF-8")
				e.Setenv(leakDirEnv, leaks)
				e.Setenv(leakScriptEnv, strings.TrimPrefix(filepath.Base(e.WorkDir), "script-"))
			}
			return nil
		},
		RequireExplicitExec: false,
	})
}
