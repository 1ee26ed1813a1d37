package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/firma-dev/firma/internal/testpki"
)

func TestReadSecretKeys(t *testing.T) {
	for _, c := range []struct {
		keys string
		want string
		err  error
	}{
		{"12345678\r", "12345678", nil},
		{"12345678\n", "12345678", nil},
		{"1234x\x7f5678\r", "12345678", nil},
		{"99\x15" + "12345678\r", "12345678", nil},
		{"99\x1712345678\r", "12345678", nil},
		{"1234\x1b[A5678\r", "12345678", nil},    // an arrow key is dropped
		{"1234\x1bOP5678\r", "12345678", nil},    // so is F1
		{"pà\x7fwd\r", "pwd", nil},               // backspace removes a whole character
		{"\r", "", errPromptCanceled},            // Enter alone sends nothing
		{"123\x03exit\r", "", errPromptCanceled}, // Ctrl-C, then more typing
		{"123\x04", "", errPromptCanceled},       // Ctrl-D
		{"\x1c", "", errPromptCanceled},          // Ctrl-\
		{"123", "", errPromptCanceled},           // the terminal went away
		{strings.Repeat("1", maxSecret+1) + "\r", "", errSecretTooLong},
	} {
		got, err := readSecretKeys(context.Background(), strings.NewReader(c.keys))
		if string(got) != c.want || !errors.Is(err, c.err) {
			t.Errorf("keys %q: %q, %v; want %q, %v", c.keys, got, err, c.want, c.err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := readSecretKeys(ctx, strings.NewReader("12345678\r")); !errors.Is(err, errPromptCanceled) {
		t.Errorf("a cancelled context: %v", err)
	}
}

// openPTY returns a new pseudo-terminal: its master and its slave.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	var unlock int32
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, m.Fd(), unix.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Fatal(e)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// promptRun is firma started on its own terminal, as from a shell.
type promptRun struct {
	cmd    *exec.Cmd
	master *os.File
	slave  *os.File
	screen chan string
	seen   bytes.Buffer
	exited chan struct{}
	// before is the terminal's state before firma started.
	before *unix.Termios
}

// startOnTerminal starts the firma command (the test binary, see TestMain)
// with a pseudo-terminal as its controlling terminal and standard streams.
func startOnTerminal(t *testing.T, env []string, args ...string) *promptRun {
	t.Helper()
	m, s := openPTY(t)
	before, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("firma", args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = s, s, s
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &promptRun{cmd: cmd, master: m, slave: s, screen: make(chan string, 64), before: before, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(r.exited) }()
	go func() {
		br := bufio.NewReader(m)
		buf := make([]byte, 4096)
		for {
			n, err := br.Read(buf)
			if n > 0 {
				r.screen <- string(buf[:n])
			}
			if err != nil {
				close(r.screen)
				return
			}
		}
	}()
	t.Cleanup(func() {
		select {
		case <-r.exited:
		default:
			r.cmd.Process.Kill()
			<-r.exited
		}
	})
	return r
}

// waitFor reads the terminal until want appears.
func (r *promptRun) waitFor(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for !strings.Contains(r.seen.String(), want) {
		select {
		case s, ok := <-r.screen:
			if !ok {
				t.Fatalf("the terminal closed before %q; it showed %q", want, r.seen.String())
			}
			r.seen.WriteString(s)
		case <-r.exited:
			r.drain()
			if !strings.Contains(r.seen.String(), want) {
				t.Fatalf("firma ended before %q; the terminal showed %q", want, r.seen.String())
			}
		case <-timeout:
			t.Fatalf("no %q on the terminal; it showed %q", want, r.seen.String())
		}
	}
}

// wait returns the exit code once the command has ended.
func (r *promptRun) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-r.exited:
	case <-time.After(60 * time.Second):
		r.cmd.Process.Kill()
		t.Fatalf("firma did not end; the terminal showed %q", r.seen.String())
	}
	r.drain()
	return r.cmd.ProcessState.ExitCode()
}

// drain collects what the ended command left on the terminal.
func (r *promptRun) drain() {
	for {
		select {
		case s, ok := <-r.screen:
			if !ok {
				return
			}
			r.seen.WriteString(s)
		case <-time.After(200 * time.Millisecond):
			return
		}
	}
}

// A cancelled PIN prompt sends nothing to the token, ends at once with
// exit 12 and gives the terminal back as it was (echo and line editing
// on): Ctrl-C, Ctrl-D, an Enter alone, and a signal from outside (the
// terminal closed). Typing after the cancel reaches nothing: before the
// fix, Ctrl-C was ignored and "exit" became the PIN (one try burned).
func TestPINPromptCancel(t *testing.T) {
	f := fixture(t)
	for _, c := range []struct {
		name  string
		keys  string
		sig   syscall.Signal
		which []string
	}{
		{name: "ctrl-c", keys: "\x03exit\r"},
		{name: "ctrl-d", keys: "\x04exit\r"},
		{name: "enter", keys: "\r"},
		{name: "sighup", sig: syscall.SIGHUP},
		{name: "sigterm", sig: syscall.SIGTERM},
		{name: "pin-change", keys: "\x03exit\r", which: []string{"pin", "change"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			store, env, doc := promptWorld(t, f)
			args := []string{"--token", testpki.MainToken, "sign", doc}
			if c.which != nil {
				args = append([]string{"--token", testpki.MainToken}, c.which...)
			}
			r := startOnTerminal(t, env, args...)
			r.waitFor(t, "PIN for token")
			if c.sig != 0 {
				r.cmd.Process.Signal(c.sig)
			} else {
				r.master.Write([]byte(c.keys))
			}
			if code := r.wait(t); code != ExitCanceled {
				t.Fatalf("exit %d, want %d; terminal: %q", code, ExitCanceled, r.seen.String())
			}
			if !strings.Contains(r.seen.String(), "cancelled") && !strings.Contains(r.seen.String(), "interrupted") {
				t.Errorf("the terminal does not say the command was cancelled: %q", r.seen.String())
			}
			tio, err := unix.IoctlGetTermios(int(r.slave.Fd()), unix.TCGETS)
			if err != nil {
				t.Fatal(err)
			}
			if tio.Lflag != r.before.Lflag || tio.Iflag != r.before.Iflag || tio.Oflag != r.before.Oflag {
				t.Errorf("the terminal was not restored: lflag %#x iflag %#x oflag %#x, before %#x %#x %#x",
					tio.Lflag, tio.Iflag, tio.Oflag, r.before.Lflag, r.before.Iflag, r.before.Oflag)
			}
			if tio.Lflag&unix.ECHO == 0 || tio.Lflag&unix.ICANON == 0 {
				t.Errorf("the terminal was left without echo: lflag %#x", tio.Lflag)
			}
			if _, err := os.Stat(doc + ".p7m"); !os.IsNotExist(err) {
				t.Errorf("an output was left: %v", err)
			}
			if st := pinState(t, store); st != "ok" {
				t.Errorf("after the cancelled prompt the token's PIN is %q: a login was attempted", st)
			}
		})
	}
}

// The control for TestPINPromptCancel: a wrong PIN typed at the same
// prompt does reach the token, and pinState sees it.
func TestPINPromptWrongPINReachesToken(t *testing.T) {
	store, env, doc := promptWorld(t, fixture(t))
	r := startOnTerminal(t, env, "--token", testpki.MainToken, "sign", doc)
	r.waitFor(t, "PIN for token")
	r.master.Write([]byte("99999999\r"))
	if code := r.wait(t); code != ExitPIN {
		t.Fatalf("exit %d, want %d; terminal: %q", code, ExitPIN, r.seen.String())
	}
	if strings.Contains(r.seen.String(), "99999999") {
		t.Errorf("the PIN was echoed: %q", r.seen.String())
	}
	if st := pinState(t, store); st == "ok" {
		t.Errorf("after a wrong PIN the token still says %q: pinState cannot see a login", st)
	}
}

// promptWorld is a test's own copy of the SoftHSM store, the environment
// that points firma at it, and a document to sign.
func promptWorld(t *testing.T, f *testpki.Fixture) (*testpki.SoftHSM, []string, string) {
	t.Helper()
	dir := t.TempDir()
	store, err := f.Clone(dir)
	if err != nil {
		t.Fatal(err)
	}
	doc := filepath.Join(dir, "referto.pdf")
	if err := os.WriteFile(doc, []byte("%PDF-1.4 referto\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return store, append(cleanEnv(), "SOFTHSM2_CONF="+store.Conf, "FIRMA_PKCS11_MODULE="+store.Module), doc
}

// pinState reads the token's PIN state with firma pin status --json.
func pinState(t *testing.T, store *testpki.SoftHSM) string {
	t.Helper()
	cmd := exec.Command("firma", "--token", testpki.MainToken, "pin", "status", "--json")
	cmd.Env = append(cleanEnv(), "CI=true", "SOFTHSM2_CONF="+store.Conf, "FIRMA_PKCS11_MODULE="+store.Module)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pin status: %v", err)
	}
	var st struct{ PIN string }
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatalf("pin status: %v: %s", err, out)
	}
	return st.PIN
}

// cleanEnv is the test's environment without what steers firma.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "CI", "FIRMA_PIN", "FIRMA_PKCS11_MODULE", "PKCS11_MODULE_PATH", "SOFTHSM2_CONF", "FIRMA_TSA_PASSWORD":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// In Italian the PIN prompt names the signature device in the glossary's
// words (issue 15: "PIN del dispositivo di firma"), and a cancel there is
// still a cancel (exit 12, nothing sent to the token).
func TestPINPromptItalian(t *testing.T) {
	store, env, doc := promptWorld(t, fixture(t))
	r := startOnTerminal(t, append(env, "LANG=it_IT.UTF-8"), "--token", testpki.MainToken, "sign", doc)
	r.waitFor(t, "PIN del dispositivo di firma \""+testpki.MainToken+"\": ")
	r.master.Write([]byte("\x03"))
	if code := r.wait(t); code != ExitCanceled {
		t.Fatalf("exit %d, want %d; terminal: %q", code, ExitCanceled, r.seen.String())
	}
	if strings.Contains(r.seen.String(), "PIN for token") {
		t.Errorf("the Italian run prompts in English: %q", r.seen.String())
	}
	if st := pinState(t, store); st != "ok" {
		t.Errorf("after the cancelled prompt the token's PIN is %q", st)
	}
}
