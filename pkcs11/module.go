package pkcs11

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	p11 "github.com/miekg/pkcs11"
)

// Module is a loaded and initialized PKCS#11 module.
type Module struct {
	Path    string
	Info    LibraryInfo
	Profile ModuleProfile
	p       P11
}

// ModuleProfile holds what firma knows about how a module behaves.
type ModuleProfile struct {
	Name string
	// FlagsReliable: the module sets the PIN counter flags, so no flag
	// means the PIN is fine. Otherwise no flag means "unknown".
	FlagsReliable bool
	// FlagsWrong: the module's PIN flags are known to be wrong (OpenSC on
	// Italian CNS cards reports LOCKED on a fresh card): ignore them all.
	FlagsWrong bool
	// UnblockWithSetPIN: the module unblocks the PIN with C_SetPIN(PUK,
	// new) in a session that is not logged in (OpenSC), instead of the
	// standard SO login + C_InitPIN.
	UnblockWithSetPIN bool
}

// profileFor recognises a module from its path and library info.
func profileFor(path string, info LibraryInfo) ModuleProfile {
	base := strings.ToLower(filepath.Base(path))
	manu := strings.ToLower(info.ManufacturerID + " " + info.Description)
	switch {
	case strings.Contains(base, "softhsm") || strings.Contains(manu, "softhsm"):
		// SoftHSM sets COUNT_LOW after a failed login and never locks.
		return ModuleProfile{Name: "SoftHSM", FlagsReliable: true}
	case strings.Contains(base, "opensc") || strings.Contains(manu, "opensc"):
		return ModuleProfile{Name: "OpenSC", FlagsWrong: true, UnblockWithSetPIN: true}
	case strings.Contains(base, "bit4") || strings.Contains(manu, "bit4id"):
		return ModuleProfile{Name: "Bit4id"}
	case strings.Contains(base, "asep11") || strings.Contains(manu, "athena"):
		return ModuleProfile{Name: "Athena"}
	}
	return ModuleProfile{Name: strings.TrimSpace(info.ManufacturerID)}
}

var (
	registryMu sync.Mutex
	registry   = map[string]*Module{}
	// failures remembers modules that did not load, so a process does not
	// dlopen a broken module twice.
	failures = map[string]*ModuleError{}
)

// Load loads and initializes the module at path, once per process; later
// calls return the same Module. source says where the path came from, for
// error messages.
func Load(path, source string) (*Module, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if m, ok := registry[abs]; ok {
		return m, nil
	}
	if e, ok := failures[abs]; ok {
		return nil, e
	}
	m, merr := load(abs, path, source)
	if merr != nil {
		failures[abs] = merr
		return nil, merr
	}
	registry[abs] = m
	return m, nil
}

func load(abs, path, source string) (*Module, *ModuleError) {
	fail := func(reason string, err error) *ModuleError {
		return &ModuleError{Path: path, Source: source, Reason: reason, Err: err}
	}
	if !CgoEnabled {
		return nil, fail("PKCS#11 support is missing from this build", ErrNoCgo)
	}
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil, fail("file not found", err)
	case err != nil:
		return nil, fail(err.Error(), err)
	case st.IsDir():
		return nil, fail("is a directory, not a module file", nil)
	}
	if reason := archMismatch(abs); reason != "" {
		return nil, fail(reason, nil)
	}
	p, err := openLibrary(abs)
	if err != nil {
		reason := err.Error()
		if reason == "" {
			reason = "the dynamic loader refused it"
		}
		return nil, fail(reason, err)
	}
	if err := p.Initialize(); err != nil && pkcs11Code(err) != p11.CKR_CRYPTOKI_ALREADY_INITIALIZED {
		return nil, fail("C_Initialize failed: "+err.Error(), err)
	}
	info, err := p.GetInfo()
	if err != nil {
		return nil, fail("C_GetInfo failed: "+err.Error(), err)
	}
	return &Module{Path: abs, Info: info, Profile: profileFor(abs, info), p: p}, nil
}

// archMismatch explains an ELF module built for another machine, which
// the loader reports only as "wrong ELF class" or "cannot open".
func archMismatch(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return "" // not ELF (macOS) or unreadable: let the loader speak
	}
	defer f.Close()
	want := map[string]elf.Machine{
		"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386,
		"arm": elf.EM_ARM, "riscv64": elf.EM_RISCV, "ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390,
	}[runtime.GOARCH]
	if want != 0 && f.Machine != want {
		return fmt.Sprintf("built for %s, but this machine is %s (wrong architecture)", strings.TrimPrefix(f.Machine.String(), "EM_"), runtime.GOARCH)
	}
	return ""
}

func goArch() string { return runtime.GOOS + "/" + runtime.GOARCH }

// Tokens lists the tokens present in the module's slots.
func (m *Module) Tokens() ([]TokenInfo, error) {
	slots, err := m.p.GetSlotList(true)
	if err != nil {
		return nil, fmt.Errorf("listing slots of %s: %w", m.Path, err)
	}
	var out []TokenInfo
	for _, s := range slots {
		ti, err := m.p.GetTokenInfo(s)
		if err != nil {
			// A slot whose token vanished between the two calls, or a
			// token the module cannot read: skip it, others may work.
			continue
		}
		if ti.Flags&p11.CKF_TOKEN_INITIALIZED == 0 {
			continue // a blank token (SoftHSM's free slot): nothing to use
		}
		si, _ := m.p.GetSlotInfo(s)
		out = append(out, newTokenInfo(m, s, si, ti))
	}
	return out, nil
}

// WrapModules installs wrap around every module loaded afterwards. It is
// meant for tests and diagnostics (tracing calls, or a fake token state
// such as a locked PIN that SoftHSM never reports); call it before the
// first Load.
func WrapModules(wrap func(path string, p P11) P11) {
	registryMu.Lock()
	defer registryMu.Unlock()
	open := openLibrary
	openLibrary = func(path string) (P11, error) {
		p, err := open(path)
		if err != nil {
			return nil, err
		}
		return wrap(path, p), nil
	}
}
