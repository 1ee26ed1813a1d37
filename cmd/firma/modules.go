package main

import (
	"errors"
	"io"
	"runtime"
	"strings"

	"github.com/firma-dev/firma/pkcs11"
	"github.com/spf13/cobra"
)

// moduleHint is the advice for a module that does not load, chosen from
// the typed cause pkcs11 gives. Each cause gets its own words: a help desk
// must not send someone to reinstall middleware when the file is only
// unreadable, or to check the card when the module's configuration is
// broken.
func moduleHint(me *pkcs11.ModuleError) string {
	var (
		notFound   *pkcs11.ModuleNotFoundError
		notFile    *pkcs11.ModuleNotFileError
		unreadable *pkcs11.ModuleUnreadableError
		arch       *pkcs11.ModuleArchError
		loader     *pkcs11.ModuleLoaderError
		notP11     *pkcs11.NotPKCS11Error
		initErr    *pkcs11.ModuleInitError
	)
	err := me.Err
	switch {
	case errors.Is(err, pkcs11.ErrNoCgo):
		return tr("build firma with CGO_ENABLED=1 (needs gcc) to use smartcards and tokens")
	case errors.As(err, &notFound):
		return tr("check the path, or install the card's middleware; 'firma modules' lists the modules firma knows")
	case errors.As(err, &notFile):
		if notFile.IsDir {
			return tr("give the path of the module file inside it (a .so file), not the directory")
		}
		return tr("give the path of the module's .so file")
	case errors.As(err, &unreadable):
		return tr("this user may not read the module file: check its permissions (ls -l) and those of its directories; the middleware installer should leave it readable by everyone (mode 644)")
	case errors.As(err, &arch):
		return sprintf("this module is built for another architecture: install the middleware for this machine (%s/%s)", runtime.GOOS, runtime.GOARCH)
	case errors.As(err, &notP11):
		return tr("this file is a library, but not a PKCS#11 module: point --module at the middleware's PKCS#11 library (for Aruba cards libbit4xpki.so, for OpenSC opensc-pkcs11.so)")
	case errors.As(err, &initErr):
		return moduleInitHint(initErr)
	case errors.As(err, &loader) && loader.NotLibrary:
		return tr("this file is not a shared library at all (damaged or wrong download?): reinstall the middleware, or point --module at its PKCS#11 library")
	case errors.As(err, &loader) && loader.MissingLibrary != "":
		return sprintf("the module needs %s, which is not installed: install the package that provides it (ldd %s lists what is missing)", loader.MissingLibrary, me.Path)
	case errors.As(err, &loader):
		return sprintf("the system's loader refused it: reinstall the middleware ('ldd %s' may say more)", me.Path)
	}
	return tr("'firma modules' lists the modules firma tried and why each failed")
}

// moduleInitHint explains a module that loads but does not start.
func moduleInitHint(e *pkcs11.ModuleInitError) string {
	if e.ConfigEnv != "" {
		conf := e.ConfigPath
		if conf == "" {
			conf = sprintf("%s (the default: %s is not set)", e.ConfigDefault, e.ConfigEnv)
		}
		return sprintf("the module failed to initialise: check its configuration file %s, named by %s (it must exist, be readable and name a token directory that exists and is writable)", conf, e.ConfigEnv)
	}
	return tr("the module loads but failed to initialise: its configuration or its service is broken; reinstall the middleware or check its log")
}

// vendorModuleSource says where a card's module comes from, for the
// module file names card identification suggests.
func vendorModuleSource(name string) string {
	base := strings.TrimSuffix(strings.TrimSuffix(name, ".so"), ".dylib")
	switch base {
	case "libbit4xpki", "libbit4ipki", "libbit4opki":
		return tr("the Bit4id middleware: it comes with the card provider's signature software (Aruba: the Aruba Sign / Aruba Key kit, https://www.pec.it/download-software-driver.aspx) or from Bit4id")
	case "libASEP11":
		return tr("the Athena IDProtect middleware: ask the card provider for its Linux package")
	case "opensc-pkcs11":
		return tr("OpenSC: sudo apt install opensc-pkcs11 (Debian/Ubuntu), sudo dnf install opensc (Fedora)")
	}
	return tr("the card provider's middleware")
}

// vendorOf names the vendor of a known module file name, "" if unknown.
func vendorOf(name string) string {
	for _, k := range pkcs11.KnownModules() {
		if k.Name == name || strings.TrimSuffix(k.Name, ".dylib")+".so" == name {
			return k.Vendor
		}
	}
	return ""
}

// runModules is `firma modules`: the discovery firma uses to open a
// token, rendered.
// modulesOptions are the flags of firma modules.
type modulesOptions struct {
	g    *globalOptions
	JSON bool
}

func newModulesCmd(io *IO, g *globalOptions) *cobra.Command {
	o := &modulesOptions{g: g}
	cmd := &cobra.Command{
		Use:   "modules",
		Short: "List the PKCS#11 modules firma tries, in order, and what each one sees",
		Long: `List the PKCS#11 modules firma tries, in order: --module, FIRMA_PKCS11_MODULE,
PKCS11_MODULE_PATH (when one of these is set, it is the only one), then the
known vendor modules (Bit4id, Athena, OpenSC), p11-kit's registry and SoftHSM.
For each: whether it loads (with the reason when it does not: file missing,
not readable, not a PKCS#11 module, wrong architecture, failed to initialise)
and the tokens it sees. Modules the inserted card needs but that are not
installed are named first, with where to get them.

Exit code 3 when a module chosen explicitly (--module, FIRMA_PKCS11_MODULE,
PKCS11_MODULE_PATH, a pkcs11: URI's module-path) does not load, or when no
module found loads; 0 when at least one loads.`,
		Example: `  firma modules
  firma modules --module /usr/lib/bit4id/libbit4xpki.so
  firma modules --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runModules(io, o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	return cmd
}

func runModules(io *IO, o *modulesOptions) error {
	g, asJSON := o.g, o.JSON
	opts := pkcs11.OpenOptions{Module: g.Module, Token: g.Token, Getenv: io.Getenv, Suggested: suggestions(io, g)}
	d, err := pkcs11.Discover(opts)
	if err != nil {
		return err
	}
	loaded := 0
	var firstErr *pkcs11.ModuleError
	for i := range d.Attempts {
		a := &d.Attempts[i]
		var me *pkcs11.ModuleError
		if errors.As(a.Err, &me) {
			a.Hint = moduleHint(me)
			if firstErr == nil {
				firstErr = me
			}
		}
		if a.Loaded {
			loaded++
		}
	}
	if asJSON {
		if err := writeJSON(io.Out, d); err != nil {
			return err
		}
	} else {
		printModules(io.Out, d)
	}
	switch {
	case len(d.Attempts) == 0:
		return &pkcs11.NoModuleError{}
	case opts.Explicit() && firstErr != nil:
		// The module asked for is the only candidate: its failure is
		// the answer, and scripts must see it.
		return firstErr
	case loaded == 0:
		return withCode(ExitModule, errors.New(sprintf("none of the %d PKCS#11 modules found loads", len(d.Attempts))), tr("each module's lines above say why and what to do"))
	}
	return nil
}

func printModules(w io.Writer, d *pkcs11.Discovery) {
	for _, name := range d.Missing {
		printf(w, "%s (suggested for the card)\n", name)
		printf(w, "  not installed: get it from %s\n", vendorModuleSource(name))
	}
	for _, a := range d.Attempts {
		printf(w, "%s (%s)\n", a.Path, sourceLabel(a.Source))
		if !a.Loaded {
			reason := a.Error
			if a.Err != nil {
				reason = errorText(a.Err)
			}
			printf(w, "  not loadable: %s\n", reason)
			if a.Hint != "" {
				printf(w, "  fix: %s\n", a.Hint)
			}
			continue
		}
		printf(w, "  loaded: %s\n", a.Library)
		if a.Error != "" {
			printf(w, "  error: %s\n", a.Error)
		}
		if len(a.Tokens) == 0 {
			printf(w, "  no token present\n")
		}
		for _, t := range a.Tokens {
			printf(w, "  token %q serial %s, PIN %s\n", t.Label, t.Serial, t.PIN)
		}
	}
}

// sourceLabel names where a module path came from, in the CLI's terms.
func sourceLabel(source string) string {
	if source == pkcs11.SourceExplicit {
		return "--module"
	}
	return source
}
