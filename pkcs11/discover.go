package pkcs11

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// Candidate is a place a module may be.
type Candidate struct {
	Path   string `json:"path"`
	Source string `json:"source"`
}

// KnownModule is a vendor module firma looks for.
type KnownModule struct {
	Vendor string
	Name   string // file name, e.g. "libbit4xpki.so"
	Dirs   []string
}

// libDirs are the system library directories of this platform.
func libDirs() []string {
	triplet := map[string]string{"amd64": "x86_64-linux-gnu", "arm64": "aarch64-linux-gnu", "386": "i386-linux-gnu", "arm": "arm-linux-gnueabihf"}[runtime.GOARCH]
	dirs := []string{"/usr/lib/" + triplet, "/usr/lib/" + triplet + "/pkcs11", "/usr/lib", "/usr/lib64", "/usr/local/lib", "/lib64", "/usr/lib/pkcs11", "/usr/lib64/pkcs11"}
	return dirs
}

// KnownModules lists the middleware of Italian signature cards, in the
// order firma tries them (FACTS: modules in the field).
func KnownModules() []KnownModule {
	bit4id := []string{"/usr/lib/bit4id", "/usr/share/bit4id/x", "/opt/dike6", "/usr/lib", "/usr/local/lib", "/Library/bit4id/pkcs11"}
	athena := []string{"/usr/lib/x64-athena", "/lib64", "/usr/lib64", "/usr/lib", "/usr/local/lib"}
	ext := ".so"
	if runtime.GOOS == "darwin" {
		ext = ".dylib"
	}
	return []KnownModule{
		{Vendor: "Bit4id", Name: "libbit4xpki" + ext, Dirs: bit4id},
		{Vendor: "Bit4id", Name: "libbit4ipki" + ext, Dirs: bit4id},
		{Vendor: "Bit4id", Name: "libbit4opki" + ext, Dirs: bit4id},
		{Vendor: "Athena", Name: "libASEP11" + ext, Dirs: athena},
		{Vendor: "OpenSC", Name: "opensc-pkcs11" + ext, Dirs: append(libDirs(), "/Library/OpenSC/lib")},
		{Vendor: "SoftHSM", Name: "libsofthsm2" + ext, Dirs: append([]string{"/usr/lib/softhsm", "/usr/local/lib/softhsm", "/opt/homebrew/lib/softhsm"}, libDirs()...)},
	}
}

// ResolveModuleName returns the existing paths of a module file name
// (e.g. the names a card identification suggests), in search order.
func ResolveModuleName(name string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if real, err := filepath.EvalSymlinks(p); err == nil && !seen[real] {
			seen[real] = true
			out = append(out, p)
		}
	}
	for _, k := range KnownModules() {
		if k.Name == name {
			for _, d := range k.Dirs {
				add(filepath.Join(d, name))
			}
		}
	}
	for _, d := range libDirs() {
		add(filepath.Join(d, name))
	}
	return out
}

// p11kitDirs hold p11-kit module registrations ("module: PATH").
var p11kitDirs = []string{"/etc/pkcs11/modules", "/usr/share/p11-kit/modules"}

// p11kitModules reads p11-kit's registry, skipping p11-kit's own trust
// module (it holds no keys).
func p11kitModules() []string {
	var out []string
	for _, dir := range p11kitDirs {
		files, _ := filepath.Glob(filepath.Join(dir, "*.module"))
		sort.Strings(files)
		for _, f := range files {
			if path := p11kitModulePath(f); path != "" && !strings.Contains(path, "p11-kit-trust") {
				out = append(out, path)
			}
		}
	}
	return out
}

func p11kitModulePath(file string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.TrimSpace(k) != "module" {
			continue
		}
		v = strings.TrimSpace(v)
		if !filepath.IsAbs(v) {
			for _, d := range libDirs() {
				if p := filepath.Join(d, v); fileExists(p) {
					return p
				}
			}
			return filepath.Join(libDirs()[1], v)
		}
		return v
	}
	return ""
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// SourceExplicit is the Source of a module the caller chose explicitly
// (OpenOptions.Module, or a pkcs11: URI's module-path).
const SourceExplicit = "explicit"

// Candidates lists the modules to try, in order: the explicit module,
// FIRMA_PKCS11_MODULE, PKCS11_MODULE_PATH (the first of these that is
// set is the only candidate: an explicit choice is never silently
// replaced), then the known vendor modules, p11-kit's registry and
// SoftHSM last. Only vendor paths that exist are listed.
func Candidates(explicit string, getenv func(string) string) []Candidate {
	if getenv == nil {
		getenv = os.Getenv
	}
	for _, c := range []Candidate{
		{explicit, SourceExplicit},
		{getenv("FIRMA_PKCS11_MODULE"), "FIRMA_PKCS11_MODULE"},
		{getenv("PKCS11_MODULE_PATH"), "PKCS11_MODULE_PATH"},
	} {
		if c.Path != "" {
			return []Candidate{c}
		}
	}
	var out []Candidate
	seen := map[string]bool{}
	add := func(path, source string) {
		real, err := filepath.EvalSymlinks(path)
		if err != nil || seen[real] || !fileExists(real) {
			return
		}
		seen[real] = true
		out = append(out, Candidate{Path: path, Source: source})
	}
	var softhsm []KnownModule
	for _, k := range KnownModules() {
		if k.Vendor == "SoftHSM" {
			softhsm = append(softhsm, k)
			continue
		}
		for _, d := range k.Dirs {
			add(filepath.Join(d, k.Name), k.Vendor)
		}
	}
	for _, p := range p11kitModules() {
		if strings.Contains(filepath.Base(p), "softhsm") {
			continue // a test token store: it goes last, below
		}
		add(p, "p11-kit registry")
	}
	for _, k := range softhsm {
		for _, d := range k.Dirs {
			add(filepath.Join(d, k.Name), k.Vendor)
		}
	}
	return out
}
