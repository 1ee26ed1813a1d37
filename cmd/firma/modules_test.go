//go:build cgo

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/firma-dev/firma/internal/testpki"
)

// firmaProcess runs the firma command (this test binary, set up on PATH by
// testscript.Main) in its own process: a PKCS#11 module is initialised
// once per process, so a module that must fail C_Initialize (a broken
// SOFTHSM2_CONF) needs a process that never loaded it.
func firmaProcess(t *testing.T, env []string, cred *syscall.Credential, bin string, args ...string) (int, string, string) {
	t.Helper()
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("firma"); err != nil {
			t.Fatalf("firma command not on PATH: %v", err)
		}
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "FIRMA_PKCS11_MODULE=", "PKCS11_MODULE_PATH=", "PCSCLITE_CSOCK_NAME="+filepath.Join(t.TempDir(), "no-pcscd"))
	cmd.Env = append(cmd.Env, env...)
	if cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		cmd.Dir = "/"
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode(), out.String(), errb.String()
	case err != nil:
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// Each module problem gets its own diagnosis and hint, and `firma
// modules` with an explicit module that does not load exits 3.
func TestModulesDiagnoses(t *testing.T) {
	f := fixture(t)
	dir := t.TempDir()
	notELF := filepath.Join(dir, "libbroken.so")
	os.WriteFile(notELF, []byte(strings.Repeat("not a module\n", 20)), 0o644)
	badConf := filepath.Join(dir, "softhsm2.conf")
	os.WriteFile(badConf, []byte("directories.tokendir = "+filepath.Join(dir, "no-such-dir")+"\nobjectstore.backend = nosuch\n"), 0o644)
	cases := []struct {
		name   string
		env    []string
		module string
		err    string // on the error line
		hint   string
	}{
		{"missing", nil, filepath.Join(dir, "missing.so"), "file not found", "check the path, or install the card's middleware"},
		{"directory", nil, dir, "is a directory, not a module file", "not the directory"},
		{"not a library", nil, notELF, "invalid ELF header", "not a shared library at all"},
		{"broken SOFTHSM2_CONF", []string{"SOFTHSM2_CONF=" + badConf}, f.Module,
			"the module failed to initialise (C_Initialize: pkcs11: 0x5: CKR_GENERAL_ERROR); configuration SOFTHSM2_CONF=" + badConf,
			"check its configuration file " + badConf + ", named by SOFTHSM2_CONF"},
		{"missing SOFTHSM2_CONF file", []string{"SOFTHSM2_CONF=" + filepath.Join(dir, "none.conf")}, f.Module,
			"the module failed to initialise", "named by SOFTHSM2_CONF"},
	}
	if libz := libzPath(); libz != "" {
		cases = append(cases, struct {
			name   string
			env    []string
			module string
			err    string
			hint   string
		}{"not PKCS#11", nil, libz, "a shared library, but not a PKCS#11 module (it exports no C_GetFunctionList)", "is a library, but not a PKCS#11 module"})
	}
	for _, c := range cases {
		code, out, errs := firmaProcess(t, c.env, nil, "", "modules", "--module", c.module)
		if code != ExitModule {
			t.Errorf("%s: exit %d, want %d\n%s%s", c.name, code, ExitModule, out, errs)
		}
		if !strings.HasPrefix(errs, "firma: error: PKCS#11 module "+c.module+" (chosen explicitly): ") || !strings.Contains(errs, c.err) ||
			!strings.Contains(errs, "\nfirma: hint: ") || !strings.Contains(errs, c.hint) {
			t.Errorf("%s: stderr\n%s", c.name, errs)
		}
		if !strings.HasPrefix(out, c.module+" (--module)\n  not loadable: ") || !strings.Contains(out, "\n  fix: ") || !strings.Contains(out, c.hint) {
			t.Errorf("%s: stdout\n%s", c.name, out)
		}
	}
	// The same module with a good configuration loads: exit 0.
	code, out, errs := firmaProcess(t, []string{"SOFTHSM2_CONF=" + f.Conf}, nil, "", "modules", "--module", f.Module)
	if code != 0 || !strings.Contains(out, "loaded: SoftHSM") || !strings.Contains(out, testpki.MainToken) {
		t.Errorf("good module: exit %d\n%s%s", code, out, errs)
	}
	// The environment variables are explicit choices too.
	code, _, errs = firmaProcess(t, []string{"PKCS11_MODULE_PATH=" + notELF}, nil, "", "modules")
	if code != ExitModule || !strings.Contains(errs, "(PKCS11_MODULE_PATH): ") || !strings.Contains(errs, "invalid ELF header") {
		t.Errorf("PKCS11_MODULE_PATH: exit %d %s", code, errs)
	}
	// JSON: the same exit code, the hint in the document.
	code, out, _ = firmaProcess(t, nil, nil, "", "modules", "--json", "--module", notELF)
	if code != ExitModule || !strings.Contains(out, `"hint": "this file is not a shared library at all`) {
		t.Errorf("json: exit %d\n%s", code, out)
	}
}

func libzPath() string {
	for _, p := range []string{"/lib/x86_64-linux-gnu/libz.so.1", "/lib/aarch64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/aarch64-linux-gnu/libz.so.1"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// A module file this user may not read: root reads every file, so firma
// runs as nobody (uid 65534) on a copy of SoftHSM's module left readable
// by root only. Without the check, the loader's "cannot open shared
// object file: Permission denied" read like a missing dependency.
func TestModulesUnreadable(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run firma as another user")
	}
	f := fixture(t)
	bin, err := exec.LookPath("firma")
	if err != nil {
		t.Fatal(err)
	}
	// A directory nobody may enter, holding what nobody may run or read.
	dir, err := os.MkdirTemp("", "firma-unreadable-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "firma")
	copyFile(t, bin, exe, 0o755)
	module := filepath.Join(dir, "libsofthsm2.so")
	copyFile(t, f.Module, module, 0o600)
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	code, out, errs := firmaProcess(t, []string{"HOME=/"}, nobody, exe, "modules", "--module", module)
	if code != ExitModule || !strings.Contains(errs, "(chosen explicitly): file not readable by this user: open "+module+": permission denied") ||
		!strings.Contains(errs, "firma: hint: this user may not read the module file: check its permissions") {
		t.Errorf("unreadable: exit %d\n%s%s", code, out, errs)
	}
	// Readable, the same copy loads for the same user.
	os.Chmod(module, 0o644)
	code, out, errs = firmaProcess(t, []string{"HOME=/", "SOFTHSM2_CONF=" + filepath.Join(dir, "none.conf")}, nobody, exe, "modules", "--module", module)
	if code != ExitModule || !strings.Contains(errs, "the module failed to initialise") {
		t.Errorf("readable copy: exit %d\n%s%s", code, out, errs)
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(to, mode); err != nil {
		t.Fatal(err)
	}
}
