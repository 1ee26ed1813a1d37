//go:build cgo

package pcsctest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/ebfe/scard"
	"github.com/firma-dev/firma/internal/vcard"
	"golang.org/x/sys/unix"
)

const cgoEnabled = true

// readyTimeout bounds every readiness wait; it is a safety net against a
// broken stack, not a pacing delay.
const readyTimeout = 20 * time.Second

// PCSCD is one private pcscd.
type PCSCD struct {
	t      testing.TB
	Dir    string // bound over /run/pcscd inside the namespace
	Socket string // pcscd.comm, also in $PCSCLITE_CSOCK_NAME
	pid    int
	out    *syncBuffer
	exited chan struct{}
	stop   chan struct{}
	// released is closed once the instance gave back the process slot.
	released bool
	// empty, when set, is an empty directory used both as pcscd's
	// reader.conf.d and, bound over the driver directory, to turn off
	// USB hotplug: a pcscd with no reader at all.
	empty string
}

// Start launches a private pcscd with vpcd's readers and waits until the
// readers are listed. It skips the test when the stack is unavailable.
// Cleanup stops it.
func Start(t testing.TB) *PCSCD {
	t.Helper()
	return start(t, false)
}

// StartNoReaders launches a private pcscd that has no reader: its
// reader.conf.d (pcscd -c) is an empty directory, and the same empty
// directory is bound over pcscd's driver directory inside its mount
// namespace, so USB hotplug finds no driver bundle either (pcscd then
// disables USB support) and a reader plugged into the machine stays
// invisible. It waits until pcscd answers and checks that it lists no
// reader. Cleanup stops it.
func StartNoReaders(t testing.TB) *PCSCD {
	t.Helper()
	return start(t, true)
}

// DriverDir is where pcscd looks for reader drivers (Debian's
// pcsc-lite, --enable-usbdropdir).
const DriverDir = "/usr/lib/pcsc/drivers"

func start(t testing.TB, noReaders bool) *PCSCD {
	t.Helper()
	if testing.Short() {
		t.Skip("pcscd integration test skipped in -short mode")
	}
	if why := Unavailable(); why != "" {
		t.Skipf("private pcscd unavailable: %s", why)
	}
	dir, err := processDir()
	if err != nil {
		t.Fatalf("pcsctest: %v", err)
	}
	running <- struct{}{} // one pcscd per process at a time
	p := &PCSCD{t: t, Dir: dir, Socket: filepath.Join(dir, "pcscd.comm"), out: &syncBuffer{}, exited: make(chan struct{}), stop: make(chan struct{})}
	if noReaders {
		p.empty = t.TempDir()
	}
	t.Cleanup(p.cleanup)
	if err := p.launch(); err != nil {
		t.Fatalf("pcsctest: starting pcscd: %v\n%s", err, p.out.String())
	}
	if noReaders {
		if err := p.waitNoReaders(); err != nil {
			t.Fatalf("pcsctest: pcscd without readers: %v\n%s", err, p.out.String())
		}
		return p
	}
	if err := p.waitReaders(); err != nil {
		t.Fatalf("pcsctest: waiting for vpcd readers: %v\n%s", err, p.out.String())
	}
	return p
}

func (p *PCSCD) launch() error {
	os.RemoveAll(p.Dir)
	if err := os.MkdirAll(p.Dir, 0o755); err != nil {
		return err
	}
	// Watch before starting so the socket's creation cannot be missed.
	ino, err := unix.InotifyInit1(unix.IN_CLOEXEC)
	if err != nil {
		return fmt.Errorf("inotify: %w", err)
	}
	defer unix.Close(ino)
	if _, err := unix.InotifyAddWatch(ino, p.Dir, unix.IN_CREATE|unix.IN_MOVED_TO); err != nil {
		return fmt.Errorf("inotify watch: %w", err)
	}
	script := fmt.Sprintf("mount --bind %s /run/pcscd && ip link set lo up && exec %s -f", shellQuote(p.Dir), lookTool("pcscd"))
	if p.empty != "" {
		script = fmt.Sprintf("mount --bind %s /run/pcscd && mount --bind %s %s && ip link set lo up && exec %s -f -c %s",
			shellQuote(p.Dir), shellQuote(p.empty), DriverDir, lookTool("pcscd"), shellQuote(p.empty))
	}
	started := make(chan error, 1)
	// The process is started and waited for from one locked thread:
	// PR_SET_PDEATHSIG fires when the creating thread exits, and Go ends
	// threads whose goroutine exits locked (as the setns dialers do).
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := os.MkdirAll("/run/pcscd", 0o755); err != nil {
			started <- err
			return
		}
		cmd := exec.Command(lookTool("unshare"), "--net", "--mount", "--propagation", "private", "sh", "-c", script)
		cmd.Stdout, cmd.Stderr = p.out, p.out
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		p.pid = cmd.Process.Pid
		started <- nil
		waited := make(chan struct{})
		go func() {
			select {
			case <-p.stop:
				cmd.Process.Signal(syscall.SIGTERM)
				select {
				case <-waited:
				case <-time.After(5 * time.Second):
					cmd.Process.Kill()
				}
			case <-waited:
			}
		}()
		cmd.Wait()
		close(waited)
		close(p.exited)
	}()
	if err := <-started; err != nil {
		close(p.exited)
		return err
	}
	// Wait for pcscd.comm (inotify), or for pcscd to die.
	deadline := time.Now().Add(readyTimeout)
	buf := make([]byte, 4096)
	for {
		if _, err := os.Stat(p.Socket); err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return errors.New("pcscd exited during startup")
		default:
		}
		ms := int(time.Until(deadline) / time.Millisecond)
		if ms <= 0 {
			return errors.New("pcscd did not create its socket")
		}
		fds := []unix.PollFd{{Fd: int32(ino), Events: unix.POLLIN}}
		// poll wakes on the inotify event; the bounded wait only lets a
		// dead pcscd be noticed.
		if ms > 200 {
			ms = 200
		}
		n, err := unix.Poll(fds, ms)
		if err != nil && !errors.Is(err, unix.EINTR) {
			return fmt.Errorf("poll: %w", err)
		}
		if n > 0 {
			unix.Read(ino, buf)
		}
	}
}

func shellQuote(s string) string {
	return "'" + string(bytes.ReplaceAll([]byte(s), []byte("'"), []byte(`'\''`))) + "'"
}

// PID is pcscd's process id (also the namespace holder).
func (p *PCSCD) PID() int { return p.pid }

// NetNS is the path of pcscd's network namespace, for nsenter --net=.
func (p *PCSCD) NetNS() string { return fmt.Sprintf("/proc/%d/ns/net", p.pid) }

// Env returns the environment entry a child process needs to use this
// pcscd.
func (p *PCSCD) Env() string { return SocketEnv + "=" + p.Socket }

// Stop stops pcscd and waits for it to exit (for "pcscd not running"
// tests). Cleanup calls it too; it is idempotent.
func (p *PCSCD) Stop() {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.exited
	// A killed pcscd leaves its socket behind; a stale socket must look
	// like "no service", exactly as after a clean exit.
	os.Remove(p.Socket)
}

func (p *PCSCD) cleanup() {
	p.Stop()
	if p.t.Failed() {
		p.t.Logf("pcscd output:\n%s", p.out.String())
	}
	os.RemoveAll(p.Dir)
	if !p.released {
		p.released = true
		<-running
	}
}

// Dial connects to addr from inside pcscd's network namespace. It is a
// vcard.DialFunc.
func (p *PCSCD) Dial(ctx context.Context, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		// The thread enters another namespace and is never unlocked: Go
		// destroys it when this goroutine returns. The socket keeps the
		// namespace it was created in.
		runtime.LockOSThread()
		fd, err := unix.Open(p.NetNS(), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- result{err: fmt.Errorf("opening pcscd's network namespace: %w", err)}
			return
		}
		err = unix.Setns(fd, unix.CLONE_NEWNET)
		unix.Close(fd)
		if err != nil {
			ch <- result{err: fmt.Errorf("setns: %w", err)}
			return
		}
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// withContext runs f with a PC/SC context of this process.
func withContext(f func(*scard.Context) error) error {
	ctx, err := scard.EstablishContext()
	if err != nil {
		return fmt.Errorf("SCardEstablishContext: %w", err)
	}
	defer ctx.Release()
	return f(ctx)
}

const pnp = `\\?PnP?\Notification`

// waitListening waits until pcscd accepts connections. The socket file
// appears at bind(2), a moment before listen(2): a connection in between
// is refused, so this retries with a short exponential backoff, bounded
// by readyTimeout. Nothing else can tell when listen has happened.
func (p *PCSCD) waitListening() error {
	deadline := time.Now().Add(readyTimeout)
	delay := time.Millisecond
	for {
		c, err := net.Dial("unix", p.Socket)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-p.exited:
			return errors.New("pcscd exited during startup")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pcscd does not accept connections: %w", err)
		}
		time.Sleep(delay)
		delay = min(2*delay, 50*time.Millisecond)
	}
}

// waitNoReaders waits until pcscd answers and checks it lists no reader.
func (p *PCSCD) waitNoReaders() error {
	if err := p.waitListening(); err != nil {
		return err
	}
	return withContext(func(ctx *scard.Context) error {
		names, err := ctx.ListReaders()
		if !errors.Is(err, scard.ErrNoReadersAvailable) {
			return fmt.Errorf("want no reader, got %q (%v)", names, err)
		}
		return nil
	})
}

func (p *PCSCD) waitReaders() error {
	if err := p.waitListening(); err != nil {
		return err
	}
	return withContext(func(ctx *scard.Context) error {
		deadline := time.Now().Add(readyTimeout)
		for {
			names, err := ctx.ListReaders()
			if err != nil && !errors.Is(err, scard.ErrNoReadersAvailable) {
				return err
			}
			if len(names) >= len(Readers) {
				return nil
			}
			left := time.Until(deadline)
			if left <= 0 {
				return fmt.Errorf("readers %q, want %q", names, Readers)
			}
			rs := []scard.ReaderState{{Reader: pnp, CurrentState: scard.StateFlag(uint32(len(names)) << 16)}}
			if err := ctx.GetStatusChange(rs, left); err != nil && !errors.Is(err, scard.ErrTimeout) {
				return err
			}
		}
	})
}

// WaitState waits until reader's state has all flags of want (for
// example scard.StatePresent) or, with absent, none of them.
func (p *PCSCD) WaitState(reader string, want scard.StateFlag, absent bool) error {
	return withContext(func(ctx *scard.Context) error {
		deadline := time.Now().Add(readyTimeout)
		rs := []scard.ReaderState{{Reader: reader, CurrentState: scard.StateUnaware}}
		for {
			left := time.Until(deadline)
			if left <= 0 {
				return fmt.Errorf("reader %q: timed out waiting for state %#x (absent=%v); last %#x", reader, want, absent, rs[0].EventState)
			}
			if err := ctx.GetStatusChange(rs, left); err != nil && !errors.Is(err, scard.ErrTimeout) {
				return err
			}
			st := rs[0].EventState
			if st&want == want && !absent || st&want == 0 && absent {
				return nil
			}
			rs[0].CurrentState = st &^ scard.StateChanged
		}
	})
}

// Insert puts card into vpcd slot (0 or 1) and waits until pcscd reports
// it present. Cleanup removes it.
func (p *PCSCD) Insert(card *vcard.Card, slot int) {
	p.t.Helper()
	if err := p.InsertNoWait(card, slot); err != nil {
		p.t.Fatal(err)
	}
	if err := p.WaitState(Readers[slot], scard.StatePresent, false); err != nil {
		p.t.Fatal(err)
	}
}

// InsertNoWait puts card into slot without waiting for pcscd to notice
// (for tests that watch the insertion themselves).
func (p *PCSCD) InsertNoWait(card *vcard.Card, slot int) error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if err := card.Insert(ctx, Addrs[slot], p.Dial); err != nil {
		return err
	}
	p.t.Cleanup(card.Remove)
	return nil
}

// Remove pulls card out of slot and waits until pcscd reports it gone.
func (p *PCSCD) Remove(card *vcard.Card, slot int) {
	p.t.Helper()
	card.Remove()
	if err := p.WaitState(Readers[slot], scard.StatePresent, true); err != nil {
		p.t.Fatal(err)
	}
}

// InsertSlots puts cards[i] into slot i (nil leaves a slot alone) and
// waits until pcscd reports every one present: the waits overlap, so two
// cards cost one presence poll.
func (p *PCSCD) InsertSlots(cards ...*vcard.Card) {
	p.t.Helper()
	for i, c := range cards {
		if c != nil {
			if err := p.InsertNoWait(c, i); err != nil {
				p.t.Fatal(err)
			}
		}
	}
	for i, c := range cards {
		if c != nil {
			if err := p.WaitState(Readers[i], scard.StatePresent, false); err != nil {
				p.t.Fatal(err)
			}
		}
	}
}

// RemoveSlots pulls cards[i] out of slot i and waits until pcscd reports
// the slots empty.
func (p *PCSCD) RemoveSlots(cards ...*vcard.Card) {
	p.t.Helper()
	for _, c := range cards {
		if c != nil {
			c.Remove()
		}
	}
	for i, c := range cards {
		if c != nil {
			if err := p.WaitState(Readers[i], scard.StatePresent, true); err != nil {
				p.t.Fatal(err)
			}
		}
	}
}
