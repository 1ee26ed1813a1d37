package main

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/testpki"
)

// Text that tries to act on the terminal: move the cursor up, return to
// the start of the line, print a fake verdict, reverse the rest.
const (
	hostileSurname = "ROSSI\x1b[2A\rx.p7m: TOTAL_PASSED (valid signature)\n"
	hostileGiven   = "MARIO\u202eFDP.exe\u0085\x07"
	// SoftHSM labels hold 32 bytes.
	hostileLabel = "evil\x1b[2J\r\nTOKEN\u202e"
	hostileFile  = "referto\x1b[31m\nFAKE: TOTAL_PASSED.pdf"
)

// hostileStoreMain provisions, in its own process (a PKCS#11 module is
// loaded once per process), a SoftHSM store whose token label and
// signature certificate carry hostile text. It prints the store's
// configuration and module paths.
func hostileStoreMain() int {
	dir := os.Args[1]
	now := time.Now()
	ca, err := testpki.NewCA(now)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	nb, na := testpki.Validity(now.Add(700*testpki.Day + 12*time.Hour))
	id, err := ca.Issue(testpki.Spec{Kind: testpki.Signature, NotBefore: nb, NotAfter: na,
		Surname: hostileSurname, GivenName: hostileGiven, Label: "key\x1b]0;title\x07"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	store, err := testpki.Provision(filepath.Join(dir, "softhsm"), []testpki.Token{
		{Label: hostileLabel, PIN: testpki.PIN, SOPIN: testpki.SOPIN, Identities: []*testpki.Identity{id}, Authorities: []*x509.Certificate{ca.Cert}},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), testpki.CertPEM(ca.Cert), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(store.Conf)
	fmt.Println(store.Module)
	return 0
}

// checkTerminalSafe fails when out holds anything that acts on a
// terminal or breaks lines: control characters other than the line ends
// firma writes itself, C1 controls, bidirectional overrides.
func checkTerminalSafe(t *testing.T, what string, out []byte) {
	t.Helper()
	for i, r := range string(out) {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0x202e {
			t.Errorf("%s: raw %U at byte %d:\n%s", what, r, i, out)
			return
		}
	}
}

// Every command that prints certificate fields, token labels or file
// names escapes them; JSON carries the exact values.
func TestHostileText(t *testing.T) {
	fixture(t) // SoftHSM must be installed
	dir := t.TempDir()
	prov := exec.Command("firma-hostile-store", dir)
	out, err := prov.CombinedOutput()
	if err != nil {
		t.Fatalf("provisioning: %v\n%s", err, out)
	}
	paths := strings.Split(strings.TrimSpace(string(out)), "\n")
	pinFile := filepath.Join(dir, "pin")
	if err := os.WriteFile(pinFile, []byte(testpki.PIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(cleanEnv(), "CI=true", "SOFTHSM2_CONF="+paths[0], "FIRMA_PKCS11_MODULE="+paths[1])
	run := func(args ...string) (stdout, stderr []byte, code int) {
		cmd := exec.Command("firma", args...)
		cmd.Env, cmd.Dir = env, dir
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		if err != nil {
			if _, ok := err.(*exec.ExitError); !ok {
				t.Fatal(err)
			}
		}
		what := strings.Join(args, " ")
		checkTerminalSafe(t, what+" (stdout)", o.Bytes())
		checkTerminalSafe(t, what+" (stderr)", e.Bytes())
		return o.Bytes(), e.Bytes(), cmd.ProcessState.ExitCode()
	}
	doc := filepath.Join(dir, hostileFile)
	if err := os.WriteFile(doc, []byte("%PDF-1.4 referto\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{
		{"status"}, {"status", "--all"}, {"cert"}, {"cert", "--all"}, {"pin", "status"}, {"check"}, {"modules"},
		{"--token", "nomatch", "status"},
	} {
		if _, _, code := run(args...); code == ExitFailure {
			t.Errorf("%v: exit %d", args, code)
		}
	}

	stdout, stderr, code := run("sign", "--pin-file", pinFile, hostileFile)
	if code != ExitOK {
		t.Fatalf("sign: exit %d\n%s", code, stderr)
	}
	if lines := strings.Split(strings.TrimSpace(string(stdout)), "\n"); len(lines) != 2 {
		t.Errorf("sign printed %d lines, want 2 (the signed file, the summary):\n%s", len(lines), stdout)
	}
	if !strings.Contains(string(stdout), safe(hostileFile)) {
		t.Errorf("sign does not name the file escaped (%s):\n%s", safe(hostileFile), stdout)
	}
	if _, err := os.Stat(doc + ".p7m"); err != nil {
		t.Fatal(err)
	}

	// Without a trust anchor the file is INDETERMINATE: no line may look
	// like another verdict.
	for _, trust := range [][]string{nil, {"--trust", filepath.Join(dir, "ca.pem")}} {
		args := append([]string{"verify"}, trust...)
		stdout, _, code = run(append(args, hostileFile+".p7m")...)
		if code != ExitVerifyIndeterminate && code != ExitOK {
			t.Errorf("verify %v: exit %d\n%s", trust, code, stdout)
		}
		for _, line := range strings.Split(string(stdout), "\n") {
			if strings.HasPrefix(line, "x.p7m") || strings.HasPrefix(line, "FAKE") {
				t.Errorf("verify printed a line of the attacker's: %q", line)
			}
		}
		if !strings.HasPrefix(string(stdout), safe(hostileFile)+".p7m: ") {
			t.Errorf("the verdict line does not start with the escaped name:\n%s", stdout)
		}
	}

	// Errors that quote a name escape it too.
	for _, args := range [][]string{
		{"verify", "missing\x1b[2J\n.p7m"},
		{"sign", "--pin-file", pinFile, "missing\x1b[2J\n.pdf"},
		{"verify", "--extract", "-o", hostileFile, hostileFile + ".p7m"},
	} {
		_, stderr, code := run(args...)
		if code == ExitOK || !strings.Contains(string(stderr), "firma: error: ") {
			t.Errorf("%q: exit %d, stderr %s", args, code, stderr)
		}
	}

	// JSON carries the exact values.
	stdout, _, _ = run("status", "--json")
	var st struct {
		Token       struct{ Label string }
		Certificate struct {
			Holder struct {
				GivenName string `json:"given_name"`
				Surname   string
			}
		}
	}
	if err := json.Unmarshal(stdout, &st); err != nil {
		t.Fatal(err)
	}
	if st.Token.Label != hostileLabel || st.Certificate.Holder.Surname != hostileSurname || st.Certificate.Holder.GivenName != hostileGiven {
		t.Errorf("status --json changed the values: %+v", st)
	}
	stdout, _, _ = run("verify", "--json", hostileFile+".p7m")
	var rep struct{ Files []struct{ File string } }
	if err := json.Unmarshal(stdout, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Files) != 1 || rep.Files[0].File != hostileFile+".p7m" {
		t.Errorf("verify --json files %+v", rep.Files)
	}
}

func TestSafe(t *testing.T) {
	for in, want := range map[string]string{
		"Rossi Mario":            "Rossi Mario",
		"Niccolò Dell'Acqua":     "Niccolò Dell'Acqua",
		"a\nb\rc\td":             `a\nb\rc\td`,
		"\x1b[2Jx":               `\x1b[2Jx`,
		"x\x7f\x00":              `x\x7f\x00`,
		"ab\u202ecd\u2066\u200f": `ab\u202ecd\u2066\u200f`,
		"c1\u0085\u009b":         `c1\u0085\u009b`,
		"line\u2028sep":          `line\u2028sep`,
		"bad\xffutf8":            `bad\xffutf8`,
	} {
		if got := safe(in); got != want {
			t.Errorf("safe(%q) = %q, want %q", in, got, want)
		}
	}
	var b bytes.Buffer
	printf(&b, "%-8s|%q|%v|%s\n", "a\x1b", "b\x1b", fmt.Errorf("c\x1b"), []string{"d\x1b"})
	if got := b.String(); got != "a\\x1b   |\"b\\x1b\"|c\\x1b|[d\\x1b]\n" {
		t.Errorf("printf: %q", got)
	}
}

// Output goes through tui.go's printf and printLine, which escape outside
// text: a direct fmt.Fprint* in a command would bypass them.
func TestOutputGoesThroughTUI(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || name == "tui.go" {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == "fmt" {
				switch sel.Sel.Name {
				case "Fprint", "Fprintf", "Fprintln", "Print", "Printf", "Println":
					t.Errorf("%s: fmt.%s bypasses the escaping of tui.go: use printf or printLine", fset.Position(sel.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
}
