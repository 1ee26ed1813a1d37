package main

import (
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// globalOptions are the flags every command accepts, before or after the
// subcommand name.
type globalOptions struct {
	// Module is the PKCS#11 module path (--module).
	Module string
	// Token selects a token by label, serial or pkcs11: URI (--token).
	Token string
	// Key selects a key/certificate by label, hex id or pkcs11: URI (--key).
	Key string
}

func newRootCmd(io *IO) *cobra.Command {
	g := &globalOptions{}
	root := &cobra.Command{
		Use:   "firma",
		Short: "Qualified electronic signatures with Italian smartcards (Aruba Key, CNS) and PKCS#11 tokens",
		Long: `firma signs and verifies files with Italian qualified signature smartcards
(Aruba Key and other CNS cards) and any PKCS#11 token, and tells you when the
certificate must be renewed.

The PIN is asked on the terminal, or read from --pin-file, --pin-fd or the
FIRMA_PIN environment variable (for CI). It is never accepted on the
command line, and firma never retries a PIN the card rejected.`,
		Example: `  # What is on the card, and when does the certificate expire?
  firma status

  # Sign a report (writes referto.pdf.p7m); a whole folder with one PIN
  firma sign referto.pdf
  firma sign --output-dir firmati/ *.pdf

  # Is a file you received validly signed? (Italian trusted list from AgID)
  firma verify --tsl TSL-IT.xml ricetta.pdf.p7m

  # Something does not work: one report to paste into a support ticket
  firma doctor --report firma-report.txt

  # The status for a script, as JSON
  firma status --json

  # Nightly check for cron or a monitoring system (exit 0/1/2/3)
  firma check --warn 90 --crit 60

  # Use a specific PKCS#11 module and token
  firma status --module /usr/lib/bit4id/libbit4xpki.so --token "pkcs11:token=ROSSI%20MARIO"`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       buildVersion(),
	}
	root.SetVersionTemplate(versionLine() + "\n")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageErrorf("%s", err)
	})
	pf := root.PersistentFlags()
	pf.StringVar(&g.Module, "module", "", "PKCS#11 module `path` (default: $FIRMA_PKCS11_MODULE, $PKCS11_MODULE_PATH, then known vendor modules)")
	pf.StringVar(&g.Token, "token", "", "token `label`, serial number or pkcs11: URI")
	pf.StringVar(&g.Key, "key", "", "key `label`, hex id (id:02) or pkcs11: URI")

	root.AddCommand(
		newVersionCmd(io),
		newSignCmd(io, g),
		newStatusCmd(io, g),
		newCertCmd(io, g),
		newPINCmd(io, g),
		newCheckCmd(io, g),
		newModulesCmd(io, g),
		newDoctorCmd(io, g),
		newReadersCmd(io, g), newCardCmd(io, g),
		newVerifyCmd(io, g),
		newRemindCmd(io, g),
	)
	for _, c := range extraCommands {
		root.AddCommand(c(io))
	}
	return root
}

// extraCommands are hidden commands that only some builds have (the man
// page and completion generator of a -tags gendocs build, gendocs.go).
var extraCommands []func(*IO) *cobra.Command

// versionOptions are firma version's flags.
type versionOptions struct {
	JSON bool
}

func newVersionCmd(io *IO) *cobra.Command {
	o := &versionOptions{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print firma's version, commit, build date and Go version",
		Long: `Print firma's version, the commit it was built from, the build date (the
commit's time, so that two builds of one commit are identical), the Go
version and platform, and whether card and token support (cgo) is in.`,
		Example: `  firma version
  firma version --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.JSON {
				return writeJSON(io.Out, currentBuild())
			}
			_, err := printf(io.Out, "%s\n", versionLine())
			return err
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON (fields documented in the README)")
	return cmd
}

// Set at build time with -ldflags "-X main.version=... -X main.commit=...
// -X main.date=..." (see the Makefile). A plain go build falls back to
// what the Go toolchain stamped.
var (
	version = ""
	commit  = ""
	date    = "" // RFC 3339, UTC: the commit's time (SOURCE_DATE_EPOCH)
)

// buildInfo is firma version --json. Field names are part of firma's
// interface; an unknown commit or date is "".
type buildInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
	// CGO is false in a CGO_ENABLED=0 build, which verifies files but
	// has no PC/SC and no PKCS#11.
	CGO bool `json:"cgo"`
}

func currentBuild() buildInfo {
	b := buildInfo{Version: buildVersion(), Commit: commit, Date: date, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "CGO_ENABLED":
			b.CGO = s.Value == "1"
		case "vcs.revision":
			if b.Commit == "" {
				b.Commit = s.Value
			}
		case "vcs.time":
			if b.Date == "" {
				b.Date = s.Value
			}
		}
	}
	return b
}

// versionLine is what firma version and firma --version print: the
// version, then in parentheses the Go version first (scripts match
// "(go1."), the platform, and what else is known.
func versionLine() string {
	b := currentBuild()
	extra := ""
	if b.Commit != "" {
		c := b.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		extra += ", commit " + c
	}
	if b.Date != "" {
		extra += ", built " + b.Date
	}
	if !b.CGO {
		extra += ", without cgo: verify only"
	}
	return sprintf("firma %s (%s, %s/%s%s)", b.Version, b.Go, b.OS, b.Arch, extra)
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
