package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/testpki"
)

// A stop signal (Ctrl-C, kill, the terminal closed, Ctrl-\) while firma
// writes an output leaves nothing behind and exits 12: neither the output
// nor its hidden temporary file. Before, SIGHUP and SIGQUIT killed firma
// and left .NAME.firma-tmp-* files of any size. Each case is stopped once
// its temporary file exists; the pipe cases are blocked reading standard
// input (a read nothing can interrupt), the big file is being hashed.
func TestSignalsLeaveNothing(t *testing.T) {
	f := fixture(t)
	base := t.TempDir()
	store, err := f.Clone(base)
	if err != nil {
		t.Fatal(err)
	}
	pinFile := filepath.Join(fixtureDir, "pin")
	env := append(cleanEnv(), "CI=true", "SOFTHSM2_CONF="+store.Conf, "FIRMA_PKCS11_MODULE="+store.Module)

	// A signed file to extract from, and a big sparse document to sign.
	doc := filepath.Join(base, "referto.pdf")
	os.WriteFile(doc, bytes.Repeat([]byte("contenuto del referto\n"), 4096), 0o644)
	cmd := exec.Command("firma", "--token", testpki.MainToken, "sign", "--pin-file", pinFile, doc)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sign: %v\n%s", err, out)
	}
	signed, _ := os.ReadFile(doc + ".p7m")
	big := filepath.Join(base, "big.bin")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 4<<30); err != nil {
		t.Fatal(err)
	}
	// A signed file big enough to be stopped while it is verified.
	bigDoc := filepath.Join(base, "big.pdf")
	os.WriteFile(bigDoc, nil, 0o644)
	os.Truncate(bigDoc, 256<<20)
	cmd = exec.Command("firma", "--token", testpki.MainToken, "sign", "--pin-file", pinFile, bigDoc)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sign: %v\n%s", err, out)
	}
	os.Remove(bigDoc)

	cases := []struct {
		name  string
		args  func(dir string) []string
		stdin []byte // written to a pipe left open; nil: no pipe
	}{
		{"sign stdin", func(dir string) []string {
			return []string{"--token", testpki.MainToken, "sign", "--detached", "--pin-file", pinFile, "-o", filepath.Join(dir, "out.p7s"), "-"}
		}, []byte("the first part of a document\n")},
		{"verify --extract stdin", func(dir string) []string {
			return []string{"verify", "--extract", "-o", filepath.Join(dir, "out.pdf"), "-"}
		}, signed[:len(signed)/2]},
		{"sign big file", func(dir string) []string {
			return []string{"--token", testpki.MainToken, "sign", "--pin-file", pinFile, "--output-dir", dir, big}
		}, nil},
		// Interrupted half-way, a file is neither malformed (exit 11) nor
		// judged: exit 12, "interrupted".
		{"verify --extract big file", func(dir string) []string {
			return []string{"verify", "--extract", "-o", filepath.Join(dir, "big.pdf"), bigDoc + ".p7m"}
		}, nil},
	}
	for _, c := range cases {
		for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGINT, syscall.SIGTERM} {
			if c.stdin == nil && sig != syscall.SIGHUP && sig != syscall.SIGINT {
				continue // the pipe cases try every signal
			}
			t.Run(c.name+" "+sig.String(), func(t *testing.T) {
				dir := t.TempDir()
				cmd := exec.Command("firma", c.args(dir)...)
				cmd.Env = env
				var errb bytes.Buffer
				cmd.Stderr = &errb
				var pw *os.File
				if c.stdin != nil {
					pr, w, err := os.Pipe()
					if err != nil {
						t.Fatal(err)
					}
					defer pr.Close()
					defer w.Close()
					cmd.Stdin, pw = pr, w
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				if pw != nil {
					pw.Write(c.stdin)
				}
				deadline := time.Now().Add(60 * time.Second)
				for {
					tmps, _ := filepath.Glob(filepath.Join(dir, "*"+atomicfile.TempInfix+"*"))
					if len(tmps) > 0 {
						break
					}
					if time.Now().After(deadline) {
						cmd.Process.Kill()
						cmd.Wait()
						t.Fatalf("no temporary file appeared; stderr %s", errb.String())
					}
					time.Sleep(2 * time.Millisecond)
				}
				cmd.Process.Signal(sig)
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				select {
				case <-done:
				case <-time.After(30 * time.Second):
					cmd.Process.Kill()
					t.Fatalf("firma did not stop; stderr %s", errb.String())
				}
				if code := cmd.ProcessState.ExitCode(); code != ExitCanceled {
					t.Errorf("exit %d, want %d; stderr %s", code, ExitCanceled, errb.String())
				}
				if !strings.Contains(errb.String(), "interrupted") || strings.Contains(errb.String(), "context canceled") {
					t.Errorf("stderr does not say it was interrupted: %s", errb.String())
				}
				if entries, _ := os.ReadDir(dir); len(entries) != 0 {
					var names []string
					for _, e := range entries {
						names = append(names, e.Name())
					}
					t.Errorf("left behind: %v", names)
				}
			})
		}
	}
}
