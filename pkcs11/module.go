package pkcs11

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	// TriesFromCard: the module's flags say nothing true about the PIN,
	// so a caller that can read the retry counters from the card itself
	// (over PC/SC, on a card profile where that is safe) should, through
	// Token.SetPINStateSource. OpenSC on Italian CNS cards (itacns).
	TriesFromCard bool
	// UnblockWithSetPIN: the module unblocks the PIN with C_SetPIN(PUK,
	// new) in a session that is not logged in (OpenSC), instead of the
	// standard SO login + C_InitPIN.
	UnblockWithSetPIN bool
	// UnblockNeedsConfig: the module unblocks only when its own
	// configuration allows it. OpenSC does so with C_SetPIN(PUK, new) only
	// under pin_unblock_style = set_pin_in_unlogged_session; by default
	// (0.23) the same call is a PIN change with the PUK as the old PIN,
	// which costs a PIN try. UnlockPIN then refuses the automatic method.
	UnblockNeedsConfig bool
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
		return ModuleProfile{Name: "OpenSC", FlagsWrong: true, TriesFromCard: true, UnblockWithSetPIN: true, UnblockNeedsConfig: true}
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
	fail := func(cause error) *ModuleError {
		return &ModuleError{Path: path, Source: source, Reason: cause.Error(), Err: cause}
	}
	if !CgoEnabled {
		return nil, &ModuleError{Path: path, Source: source, Reason: "PKCS#11 support is missing from this build", Err: ErrNoCgo}
	}
	st, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fail(&ModuleNotFoundError{Path: path})
	case errors.Is(err, fs.ErrPermission):
		// A directory on the way may not be searched by this user.
		return nil, fail(&ModuleUnreadableError{Path: path, Err: err})
	case err != nil:
		return nil, &ModuleError{Path: path, Source: source, Reason: err.Error(), Err: err}
	case !st.Mode().IsRegular():
		return nil, fail(&ModuleNotFileError{Path: path, IsDir: st.IsDir()})
	}
	// The loader would say only "cannot open shared object file", the
	// same words as for a missing dependency: ask the file system first.
	if f, err := os.Open(abs); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return nil, fail(&ModuleUnreadableError{Path: path, Err: err})
		}
		return nil, &ModuleError{Path: path, Source: source, Reason: err.Error(), Err: err}
	} else {
		f.Close()
	}
	if ae := archMismatch(abs); ae != nil {
		ae.Path = path
		return nil, fail(ae)
	}
	p, err := openLibrary(abs)
	if err != nil {
		var np *NotPKCS11Error
		if errors.As(err, &np) {
			np.Path = path
			return nil, fail(np)
		}
		le := &ModuleLoaderError{Path: path, Message: err.Error()}
		if le.Message == "" {
			le.Message = "the dynamic loader refused it"
		}
		le.NotLibrary = notELF(abs)
		le.MissingLibrary = missingLibrary(le.Message, abs)
		return nil, fail(le)
	}
	if err := p.Initialize(); err != nil && pkcs11Code(err) != p11.CKR_CRYPTOKI_ALREADY_INITIALIZED {
		return nil, fail(initError(abs, path, "C_Initialize", err))
	}
	info, err := p.GetInfo()
	if err != nil {
		return nil, fail(initError(abs, path, "C_GetInfo", err))
	}
	return &Module{Path: abs, Info: info, Profile: profileFor(abs, info), p: p}, nil
}

// initError describes a module that loaded but does not start. SoftHSM
// fails C_Initialize when its configuration file (SOFTHSM2_CONF) is
// missing or broken, or its token directory is unusable; the error says
// which variable the module read.
func initError(abs, path, call string, err error) *ModuleInitError {
	e := &ModuleInitError{Path: path, Call: call, Code: pkcs11Code(err), Err: err}
	if strings.Contains(strings.ToLower(filepath.Base(abs)), "softhsm") {
		e.ConfigEnv = "SOFTHSM2_CONF"
		e.ConfigPath = os.Getenv("SOFTHSM2_CONF")
		e.ConfigDefault = "/etc/softhsm/softhsm2.conf"
	}
	return e
}

// notELF reports whether path is not an ELF file on a system whose
// libraries are ELF (everything but macOS and Windows).
func notELF(path string) bool {
	if runtime.GOOS == "darwin" || runtime.GOOS == "windows" {
		return false
	}
	f, err := elf.Open(path)
	if err != nil {
		var fe *elf.FormatError
		return errors.As(err, &fe) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
	}
	f.Close()
	return false
}

// missingLibrary extracts the dependency glibc's loader could not find
// from its message "NAME: cannot open shared object file: No such file or
// directory"; "" when the message is about the module itself or another
// problem.
func missingLibrary(msg, abs string) string {
	name, rest, ok := strings.Cut(msg, ": cannot open shared object file")
	if !ok || !strings.Contains(rest, "No such file") {
		return ""
	}
	if name == abs || filepath.Base(name) == filepath.Base(abs) {
		return ""
	}
	return name
}

// archMismatch explains an ELF module built for another machine, which
// the loader reports only as "wrong ELF class" or "cannot open".
func archMismatch(path string) *ModuleArchError {
	f, err := elf.Open(path)
	if err != nil {
		return nil // not ELF (macOS) or unreadable: let the loader speak
	}
	defer f.Close()
	want := map[string]elf.Machine{
		"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386,
		"arm": elf.EM_ARM, "riscv64": elf.EM_RISCV, "ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390,
	}[runtime.GOARCH]
	if want != 0 && f.Machine != want {
		return &ModuleArchError{Path: path, Machine: strings.TrimPrefix(f.Machine.String(), "EM_"), Want: runtime.GOARCH}
	}
	return nil
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
