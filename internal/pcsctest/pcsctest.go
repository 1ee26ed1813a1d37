// Package pcsctest runs a private pcscd with Debian's vpcd driver and the
// Go virtual card (internal/vcard) for integration tests through the real
// PC/SC stack.
//
// Contract: Start launches `pcscd -f` inside a new network and mount
// namespace (`unshare --net --mount`), with a per-process directory bound
// over /run/pcscd and loopback brought up, so vpcd's listeners (TCP 35963
// and 35964 on all interfaces) are reachable only from that namespace and
// no system pcscd can interfere. The test process talks to it through
// PCSCLITE_CSOCK_NAME, which Start sets before the first PC/SC call:
// libpcsclite reads it once per process, so every pcscd of one test
// process uses the same socket path and only one runs at a time (Start
// blocks until the previous one is stopped). Virtual cards dial vpcd from
// a thread moved into pcscd's network namespace with setns(2). Readiness
// is awaited with inotify (socket created) and SCardGetStatusChange
// (reader listed, card present), never with sleeps. pcscd is killed at
// test cleanup and, through PR_SET_PDEATHSIG, if the test process dies.
//
// Tests skip with a clear message when the stack cannot be built: -short,
// not root, no unshare, pcscd, ip or vpcd's reader configuration, or a
// build without cgo. See FACTS.md, "PC/SC stack on Debian 12".
package pcsctest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// VPCDConfig is vpcd's reader configuration installed by vsmartcard-vpcd.
const VPCDConfig = "/etc/reader.conf.d/vpcd"

// Reader names and card addresses of vpcd's two slots.
var (
	Readers = []string{"Virtual PCD 00 00", "Virtual PCD 00 01"}
	Addrs   = []string{"127.0.0.1:35963", "127.0.0.1:35964"}
)

// SocketEnv is the variable libpcsclite reads for pcscd's socket path.
const SocketEnv = "PCSCLITE_CSOCK_NAME"

var (
	procOnce sync.Once
	procDir  string // bound over /run/pcscd in every pcscd of this process
	procErr  error

	// running serializes pcscd instances within the process.
	running = make(chan struct{}, 1)
)

// Unavailable returns why the private PC/SC stack cannot run here, or ""
// when it can.
func Unavailable() string {
	if os.Geteuid() != 0 {
		return "needs root to create network and mount namespaces"
	}
	for _, tool := range []string{"unshare", "pcscd", "ip"} {
		if _, err := exec.LookPath(tool); err != nil {
			if _, err2 := os.Stat(filepath.Join("/usr/sbin", tool)); err2 != nil {
				return fmt.Sprintf("%s not installed (scripts/deps.sh installs pcscd and vsmartcard-vpcd)", tool)
			}
		}
	}
	if _, err := os.Stat(VPCDConfig); err != nil {
		return "vpcd reader configuration missing (apt-get install vsmartcard-vpcd)"
	}
	if !cgoEnabled {
		return "built without cgo: no PC/SC client library"
	}
	return ""
}

func lookTool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return filepath.Join("/usr/sbin", name)
}

// processDir returns the process-wide socket directory and points
// libpcsclite at it.
func processDir() (string, error) {
	procOnce.Do(func() {
		procDir = filepath.Join(os.TempDir(), fmt.Sprintf("firma-pcscd-%d", os.Getpid()))
		procErr = os.Setenv(SocketEnv, filepath.Join(procDir, "pcscd.comm"))
	})
	return procDir, procErr
}

// syncBuffer collects pcscd's output for failing tests.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 { // keep memory bounded on chatty runs
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
