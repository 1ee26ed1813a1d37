package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/testpki"
)

// guideCommands are the firma command lines of a guide's sh blocks, split
// into arguments as a shell would (quotes, no variables).
func guideCommands(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cmds [][]string
	for _, block := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		for _, line := range strings.Split(block[1], "\n") {
			line = strings.TrimSpace(line)
			if i := strings.Index(line, " #"); i >= 0 {
				line = strings.TrimSpace(line[:i])
			}
			if !strings.HasPrefix(line, "firma ") {
				continue
			}
			cmds = append(cmds, shellWords(line)[1:])
		}
	}
	return cmds
}

func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	quote, in := rune(0), false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == ' ':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// TestLeggimiCommands: every command of LEGGIMI.md names a command and flags
// firma has, with arguments it accepts; those that need only the card run
// against the SoftHSM token in Italian and succeed.
func TestLeggimiCommands(t *testing.T) {
	cmds := guideCommands(t, filepath.Join("..", "..", "LEGGIMI.md"))
	if len(cmds) < 10 {
		t.Fatalf("only %d commands found in LEGGIMI.md", len(cmds))
	}
	for _, args := range cmds {
		io, _, _ := testIO(time.Now(), nil)
		root := newRootCmd(io)
		localizeCommands(root)
		c, rest, err := root.Find(args)
		if err != nil || c == root {
			t.Errorf("firma %s: no such command (%v)", strings.Join(args, " "), err)
			continue
		}
		if err := c.ParseFlags(rest); err != nil {
			t.Errorf("firma %s: %v", strings.Join(args, " "), err)
			continue
		}
		if err := c.ValidateArgs(c.Flags().Args()); err != nil {
			t.Errorf("firma %s: %v", strings.Join(args, " "), err)
		}
	}

	// Run the ones that need only the card (the test token stands for it:
	// --token picks it among the fixture's tokens) and a file to sign.
	fixture(t)
	dir := t.TempDir()
	t.Chdir(dir)
	for _, name := range []string{"referto.pdf", "esame.pdf"} {
		os.WriteFile(name, []byte("%PDF-1.4 referto\n"), 0o644)
	}
	os.Mkdir("firmati", 0o755)
	env := map[string]string{"LANG": "it_IT.UTF-8", "FIRMA_PIN": testpki.PIN}
	ran := 0
	for _, args := range cmds {
		line := strings.Join(args, " ")
		switch line {
		case "status", "sign referto.pdf", "sign --output-dir firmati/ *.pdf", "pin status", "remind --ics rinnovo-firma.ics":
		default:
			continue
		}
		var expanded []string
		for _, a := range args {
			if strings.Contains(a, "*") {
				m, _ := filepath.Glob(a)
				expanded = append(expanded, m...)
			} else {
				expanded = append(expanded, a)
			}
		}
		r := firma(t, time.Now(), env, append(expanded, "--token", testpki.MainToken)...)
		if r.code != ExitOK {
			t.Errorf("firma %s: exit %d\n%s%s", line, r.code, r.out, r.err)
		}
		for _, l := range englishLeaks(r.out + r.err) {
			t.Errorf("firma %s in Italian still says %q", line, l)
		}
		ran++
	}
	if ran != 5 {
		t.Errorf("ran %d of the 5 card commands of LEGGIMI.md: did the guide change?", ran)
	}
	for _, want := range []string{"referto.pdf.p7m", "firmati/referto.pdf.p7m", "firmati/esame.pdf.p7m", "rinnovo-firma.ics"} {
		if _, err := os.Stat(want); err != nil {
			t.Errorf("LEGGIMI.md's commands did not write %s", want)
		}
	}
}
