package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firma-dev/firma/card"
	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/pkcs11"
)

// Check results.
const (
	checkStatusOK   = "ok"
	checkStatusWarn = "warning"
	checkStatusFail = "failed"
	checkStatusSkip = "skipped"
)

// doctorCheck is one line of `firma doctor`.
type doctorCheck struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

// doctorReport is `firma doctor --json`.
type doctorReport struct {
	Versions map[string]string `json:"versions"`
	Checks   []doctorCheck     `json:"checks"`
	// Failed is the number of failed checks; the exit code is 1 when > 0.
	Failed   int `json:"failed"`
	Warnings int `json:"warnings"`
}

type doctorOptions struct {
	g      *globalOptions
	JSON   bool
	Report string
	Force  bool
}

func newDoctorCmd(io *IO, g *globalOptions) *cobra.Command {
	o := &doctorOptions{g: g}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check the whole chain: pcscd, reader, card, module, token, certificate, PIN; say how to fix what fails",
		Long: `Check, in order, everything a signature needs, one line each (ok, warning,
failed) with the fix when something fails: pcscd reachable, access allowed,
readers, card present and identified, card not held by another program, the
PKCS#11 modules for this card installed and loadable, the token visible, the
signature certificate (not only the CNS one), its chain, its validity and
renewal, and the PIN and PUK state.

It never asks for a PIN and never sends the card a command that could cost a
PIN try. --report writes the same as a text file to attach to a support
ticket, with versions (firma, OS, pcsc-lite, modules) and no secrets.
The exit code is 1 when a check failed, 0 otherwise.`,
		Example: `  firma doctor
  firma doctor --report firma-report.txt     # attach it to the ticket
  firma doctor --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runDoctor(cmd.Context(), io, o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	cmd.Flags().StringVar(&o.Report, "report", "", "also write a text report for a support ticket to `FILE`")
	cmd.Flags().BoolVar(&o.Force, "force", false, "replace the report file if it exists")
	return cmd
}

// doctor runs the checks in order; later checks are skipped when what
// they need failed.
type doctor struct {
	io  *IO
	g   *globalOptions
	now time.Time
	// rep is in English (--json: scripts read it in every language);
	// user holds the same checks in the user's language (the text report).
	rep  doctorReport
	user []doctorCheck
}

// bilingual is a text of the report in English and in the user's language.
type bilingual struct{ en, user string }

// say says s() in both languages, now: what it reads (an error, the
// card seen) is the same for both.
func say(s func() string) bilingual { return bilingual{en: inEnglish(s), user: s()} }

func (d *doctor) add(name bilingual, status string, detail, fix bilingual) {
	d.rep.Checks = append(d.rep.Checks, doctorCheck{Name: name.en, Status: status, Detail: detail.en, Fix: fix.en})
	d.user = append(d.user, doctorCheck{Name: name.user, Status: status, Detail: detail.user, Fix: fix.user})
	switch status {
	case checkStatusFail:
		d.rep.Failed++
	case checkStatusWarn:
		d.rep.Warnings++
	}
}

// skip marks checks that cannot run because an earlier one failed.
func (d *doctor) skip(names ...bilingual) {
	for _, n := range names {
		d.add(n, checkStatusSkip, say(func() string { return tr("not checked: see above") }), bilingual{})
	}
}

func (d *doctor) fail(name bilingual, err error, fix bilingual) {
	if fix == (bilingual{}) {
		fix = say(func() string { return hintOf(err) })
	}
	d.add(name, checkStatusFail, say(func() string { return errorText(err) }), fix)
}

// pcscdFix says how to start pcscd on the usual systems.
func pcscdFix() string {
	if runtime.GOOS == "darwin" {
		return tr("macOS has PC/SC built in (CryptoTokenKit): replug the reader; check it in System Information > USB")
	}
	return tr("Debian/Ubuntu: sudo apt install pcscd && sudo systemctl enable --now pcscd.socket; Fedora: sudo dnf install pcsc-lite && sudo systemctl enable --now pcscd.socket")
}

func runDoctor(ctx context.Context, io *IO, o *doctorOptions) error {
	if o.Report != "" && !o.Force {
		if err := atomicfile.CheckFree(o.Report); err != nil {
			return withCode(ExitOutput, err, "")
		}
	}
	d := &doctor{io: io, g: o.g, now: io.Now(), rep: doctorReport{Versions: versions(ctx), Checks: []doctorCheck{}}}
	seen := d.checkPCSC(ctx)
	d.checkToken(seen)

	// The checks' names, details and fixes are sentences: --json gives
	// them in English in every language, as scripts read them; the text
	// report is in the user's language.
	var text bytes.Buffer
	userRep := d.rep
	userRep.Checks = d.user
	printDoctor(&text, &userRep)
	if o.JSON {
		if err := writeJSON(io.Out, d.rep); err != nil {
			return err
		}
	} else {
		io.Out.Write(text.Bytes())
	}
	if o.Report != "" {
		var r bytes.Buffer
		printf(&r, "firma doctor report, %s\n\n", d.now.UTC().Format(time.RFC3339))
		for _, k := range slices.Sorted(maps.Keys(d.rep.Versions)) {
			printf(&r, "%-16s %s\n", k+":", d.rep.Versions[k])
		}
		r.WriteString("\n")
		r.Write(text.Bytes())
		if err := atomicfile.WriteFile(o.Report, r.Bytes(), atomicfile.Options{Force: o.Force}); err != nil {
			return withCode(ExitOutput, err, "")
		}
		printf(io.Err, "report written to %s\n", o.Report)
	}
	if d.rep.Failed > 0 {
		return silentExit{ExitFailure}
	}
	return nil
}

// cardSeen is the card the PC/SC checks found, for the module and token
// checks: a card that is there must never be diagnosed as missing.
type cardSeen struct {
	Reader string
	// Name is the card's label ("Aruba signature card by Incard"), empty
	// when firma knows none: name() then says its family, from ID, in the
	// language of the moment. Identified is false for an unknown card.
	Name       string
	ID         *card.Identification
	Identified bool
	// Modules are the module file names its identification suggests,
	// best first.
	Modules []string
}

// name is the card's name for a sentence.
func (c *cardSeen) name() string {
	switch {
	case c.Name != "":
		return cardLabel(c.Name)
	case c.ID != nil:
		return cardFamily(c.ID)
	}
	return tr("unknown card")
}

// checkPCSC runs the reader and card checks and returns the card found
// (nil when none).
func (d *doctor) checkPCSC(ctx context.Context) *cardSeen {
	var (
		cService = say(func() string { return tr("pcscd reachable") })
		cAccess  = say(func() string { return tr("access allowed") })
		cReaders = say(func() string { return tr("readers present") })
		cCard    = say(func() string { return tr("card present") })
		cIdent   = say(func() string { return tr("card identified") })
		cFree    = say(func() string { return tr("card not held by another program") })
	)
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	c, err := card.Open()
	if err == nil {
		defer c.Close()
		_, err = c.Readers(ctx)
	}
	switch {
	case errors.Is(err, card.ErrNoService), errors.Is(err, card.ErrNoPCSCSupport):
		d.fail(cService, err, say(func() string { return pcscdFix() }))
		d.skip(cAccess, cReaders, cCard, cIdent, cFree)
		return nil
	case errors.Is(err, card.ErrAccessDenied):
		d.add(cService, checkStatusOK, say(func() string { return tr("pcscd answers") }), bilingual{})
		d.fail(cAccess, err, bilingual{})
		d.skip(cReaders, cCard, cIdent, cFree)
		return nil
	case err != nil:
		d.fail(cService, err, bilingual{})
		d.skip(cAccess, cReaders, cCard, cIdent, cFree)
		return nil
	}
	d.add(cService, checkStatusOK, say(func() string { return tr("pcscd answers") }), bilingual{})
	d.add(cAccess, checkStatusOK, say(func() string { return tr("this user may use the readers") }), bilingual{})
	rep, err := card.Survey(ctx, card.SurveyOptions{})
	if err != nil {
		d.fail(cReaders, err, bilingual{})
		d.skip(cCard, cIdent, cFree)
		return nil
	}
	if len(rep.Readers) == 0 {
		d.fail(cReaders, errorf("no reader connected"), say(func() string { return pcscHint(card.ErrNoReader) }))
		d.skip(cCard, cIdent, cFree)
		return nil
	}
	names := make([]string, len(rep.Readers))
	for i, r := range rep.Readers {
		names[i] = r.Name
	}
	d.add(cReaders, checkStatusOK, say(func() string { return strings.Join(names, "; ") }), bilingual{})
	var rr *card.ReaderReport
	for i := range rep.Readers {
		if r := &rep.Readers[i]; r.HasCard() || r.State == "mute" {
			rr = r
			break
		}
	}
	if rr == nil {
		d.fail(cCard, errorf("no card in any reader"), say(func() string { return pcscHint(card.ErrNoCard) }))
		d.skip(cIdent, cFree)
		return nil
	}
	if rr.State == "mute" {
		d.fail(cCard, errorf("the card in %s does not answer", rr.Name), say(func() string { return pcscHint(card.ErrUnresponsive) }))
		d.skip(cIdent, cFree)
		return nil
	}
	d.add(cCard, checkStatusOK, say(func() string { return sprintf("%s, ATR %s", rr.Name, card.FormatHex(rr.ATR)) }), bilingual{})
	seen := &cardSeen{Reader: rr.Name}
	switch id := rr.Identification; {
	case id == nil || id.Profile == nil && len(id.Descriptions) == 0 && id.Label == "":
		if id != nil {
			seen.ID = id
			seen.Modules = id.Modules
		}
		d.add(cIdent, checkStatusWarn, say(func() string { return seen.name() }), say(func() string {
			return tr("firma does not know this card: report its ATR ('firma card') to the firma project")
		}))
	default:
		label := func() string {
			if id.Label != "" {
				return cardFamily(id) + " (" + cardLabel(id.Label) + ")"
			}
			return cardFamily(id)
		}
		seen.Name, seen.ID = id.Label, id
		seen.Identified = true
		d.add(cIdent, checkStatusOK, say(label), bilingual{})
		seen.Modules = id.Modules
	}
	if rr.State == "exclusive" {
		d.fail(cFree, errorf("another program holds the card exclusively"), say(func() string { return pcscHint(card.ErrBusy) }))
	} else {
		d.add(cFree, checkStatusOK, say(func() string { return cardStateWord(rr.State) }), bilingual{})
	}
	return seen
}

// checkToken runs the module, token, certificate and PIN checks. seen is
// the card in the reader, nil when there is none (or PC/SC is unusable).
func (d *doctor) checkToken(seen *cardSeen) {
	var (
		cModules = say(func() string { return tr("PKCS#11 module") })
		cToken   = say(func() string { return tr("token visible") })
		cCert    = say(func() string { return tr("signature certificate") })
		cChain   = say(func() string { return tr("certificate chain") })
		cValid   = say(func() string { return tr("validity and renewal") })
		cPIN     = say(func() string { return tr("PIN state") })
		cPUK     = say(func() string { return tr("PUK state") })
	)
	var suggested []string
	if seen != nil {
		suggested = seen.Modules
	}
	// The same discovery as firma modules and every command, limited to
	// the modules of the card in the reader when there is one.
	opts := pkcs11.OpenOptions{Module: d.g.Module, Token: tokenArg(d.g), Getenv: d.io.Getenv,
		Suggested: suggested, OnlySuggested: true, PreferSigning: true}
	disc, err := pkcs11.Discover(opts)
	if err != nil {
		d.fail(cModules, err, bilingual{})
		d.skip(cToken, cCert, cChain, cValid, cPIN, cPUK)
		return
	}
	missing := disc.Missing // the card's modules not installed
	// The card's own (vendor) module is the first it suggests; OpenSC is
	// only a fallback that often misses the signature certificate.
	vendorMissing := len(missing) > 0 && missing[0] == suggested[0]
	if vendorMissing {
		status := checkStatusWarn
		if len(disc.Attempts) == 0 {
			status = checkStatusFail
		}
		d.add(cModules, status, say(func() string { return missingModulesText(seen, missing) }), say(func() string { return sprintf("install %s", vendorModuleSource(missing[0])) }))
	}
	if len(disc.Attempts) == 0 {
		switch {
		case len(suggested) > 0 && !vendorMissing:
			d.add(cModules, checkStatusFail, say(func() string {
				return sprintf("none of the modules for this card is installed: %s", strings.Join(suggested, ", "))
			}), say(func() string {
				return sprintf("install %s; or name the module with --module PATH", vendorModuleSource(suggested[0]))
			}))
		case len(suggested) == 0:
			d.fail(cModules, &pkcs11.NoModuleError{}, bilingual{})
		}
		d.skip(cToken, cCert, cChain, cValid, cPIN, cPUK)
		return
	}
	var loaded []string
	for _, a := range disc.Attempts {
		if !a.Loaded {
			err := a.Err
			if err == nil {
				err = errors.New(a.Error)
			}
			d.add(cModules, checkStatusFail, say(func() string { return errorText(err) }), say(func() string { return hintOf(err) }))
			continue
		}
		m := a.Module
		loaded = append(loaded, m.Path)
		d.add(cModules, checkStatusOK, say(func() string {
			return sprintf("%s loads (%s %s %d.%d)", m.Path, m.Info.ManufacturerID, m.Info.Description, m.Info.VersionMajor, m.Info.VersionMinor)
		}), bilingual{})
		d.rep.Versions["module "+m.Profile.Name] = fmt.Sprintf("%s %d.%d (%s)", m.Info.Description, m.Info.VersionMajor, m.Info.VersionMinor, m.Path)
	}
	if len(loaded) == 0 {
		d.skip(cToken, cCert, cChain, cValid, cPIN, cPUK)
		return
	}
	tok, _, err := pkcs11.Open(opts)
	var noTok *pkcs11.NoTokenError
	switch {
	case err == nil:
	case errors.As(err, &noTok) && noTok.Selector == "" && len(noTok.Available) == 0 && seen != nil:
		// The card is in the reader: never blame its insertion.
		if vendorMissing {
			d.add(cToken, checkStatusFail, say(func() string {
				return sprintf("the card %s is in reader %s, but no installed module shows its token: its module %s is not installed", seen.name(), seen.Reader, moduleWithVendor(missing[0]))
			}), say(func() string {
				return sprintf("install %s; 'firma card' names the modules this card needs", vendorModuleSource(missing[0]))
			}))
		} else {
			d.add(cToken, checkStatusFail, say(func() string {
				return sprintf("the card %s is in reader %s, but %s shows no token for it", seen.name(), seen.Reader, moduleNames(loaded))
			}), say(func() string {
				return tr("this module may not support the card: 'firma card' names the modules it needs, 'firma modules' shows what each one sees")
			}))
		}
		d.skip(cCert, cChain, cValid, cPIN, cPUK)
		return
	default:
		d.fail(cToken, err, bilingual{})
		d.skip(cCert, cChain, cValid, cPIN, cPUK)
		return
	}
	defer tok.Close()
	withCardPINState(tok) // as every command does: OpenSC's flags are not believed
	d.add(cToken, checkStatusOK, say(func() string {
		return sprintf("%q serial %s via %s", tok.Info.Label, tok.Info.Serial, tok.Info.ModuleName)
	}), bilingual{})
	sel, _, _ := pkcs11.ParseKeySelector(d.g.Key)
	c, chain, err := tok.SigningCertificate(sel)
	if err != nil {
		d.fail(cCert, err, bilingual{})
		d.skip(cChain, cValid)
	} else {
		d.add(cCert, checkStatusOK, say(func() string { return sprintf("%s, %s (%s)", c.Info.Holder.Name(), describePurpose(c.Info), c.Label) }), bilingual{})
		if len(chain) > 0 {
			d.add(cChain, checkStatusOK, say(func() string { return sprintf("issuer on the token: %s", certinfo.Parse(chain[0]).IssuerName) }), bilingual{})
		} else {
			d.add(cChain, checkStatusWarn, say(func() string { return sprintf("the issuer certificate is not on the token: %s", c.Info.IssuerName) }), say(func() string {
				return tr("verifiers take it from the EU trusted lists; nothing to do unless a verifier complains")
			}))
		}
		adv := certinfo.AdviseRenewal(c.Cert.NotBefore, c.Cert.NotAfter, d.now)
		advice := say(func() string { return renewalAdvice(adv, c.Cert.NotBefore) })
		switch adv.State {
		case certinfo.RenewalExpired:
			d.add(cValid, checkStatusFail, advice, say(func() string { return tr("buy a new signature kit; the expired certificate cannot sign") }))
		case certinfo.RenewalNotYetValid:
			d.add(cValid, checkStatusFail, advice, say(func() string { return tr("check the computer's clock, or wait until the certificate is valid") }))
		case certinfo.RenewalNow:
			d.add(cValid, checkStatusWarn, advice, say(func() string {
				return tr("renew it now from the provider's site (Aruba: renewal is possible only in these last 60 days)")
			}))
		case certinfo.RenewalSoon:
			d.add(cValid, checkStatusWarn, advice, bilingual{})
		default:
			d.add(cValid, checkStatusOK, advice, bilingual{})
		}
	}
	info, _ := tok.Refresh()
	d.pinLine(cPIN, info.PIN, false, say(func() string { return triesNote(info.PINSource, info.PINTries) }))
	d.pinLine(cPUK, info.PUK, true, say(func() string { return triesNote(info.PINSource, info.PUKTries) }))
}

// missingModulesText says which of the card's modules are not installed.
func missingModulesText(seen *cardSeen, missing []string) string {
	what := tr("this card")
	if seen != nil {
		what = seen.name()
	}
	text := sprintf("the module for %s is not installed: %s", what, moduleWithVendor(missing[0]))
	if len(missing) > 1 {
		text += sprintf("; nor %s", strings.Join(missing[1:], ", "))
	}
	return text
}

// moduleWithVendor is "libbit4xpki.so (Bit4id)".
func moduleWithVendor(name string) string {
	if v := vendorOf(name); v != "" {
		return name + " (" + v + ")"
	}
	return name
}

// moduleNames lists module paths by file name, for a sentence.
func moduleNames(paths []string) string {
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	return strings.Join(names, ", ")
}

func (d *doctor) pinLine(name bilingual, s pkcs11.PINState, puk bool, note bilingual) {
	text := bilingual{en: inEnglish(func() string { return describePIN(s, puk) }) + note.en, user: describePIN(s, puk) + note.user}
	switch s {
	case pkcs11.PINLocked:
		fix := say(func() string { return tr("unlock it with the PUK: firma pin unlock") })
		if puk {
			fix = say(func() string { return tr("a blocked PUK cannot be reset: a new kit is needed") })
		}
		d.add(name, checkStatusFail, text, fix)
	case pkcs11.PINFinalTry, pkcs11.PINCountLow, pkcs11.PINToBeChanged:
		d.add(name, checkStatusWarn, text, bilingual{})
	default:
		d.add(name, checkStatusOK, text, bilingual{})
	}
}

func tokenArg(g *globalOptions) string {
	if g.Token == "" && pkcs11.IsURI(g.Key) {
		return g.Key
	}
	return g.Token
}

func printDoctor(w io.Writer, r *doctorReport) {
	for _, c := range r.Checks {
		printf(w, "%-8s %-33s %s\n", checkStatusWord(c.Status), c.Name, c.Detail)
		if c.Fix != "" && c.Status != checkStatusOK {
			printf(w, "%-8s %-33s fix: %s\n", "", "", c.Fix)
		}
	}
	printf(w, "\n%d failed, %d warnings\n", r.Failed, r.Warnings)
}

// checkStatusWord is a check's status as the text report shows it (--json
// keeps the enum value).
func checkStatusWord(s string) string {
	switch s {
	case checkStatusOK:
		return tr("OK")
	case checkStatusWarn:
		return tr("WARNING")
	case checkStatusFail:
		return tr("FAILED")
	case checkStatusSkip:
		return tr("SKIPPED")
	}
	return strings.ToUpper(s)
}

// cardStateWord is a reader's card state for a person ("shared" is what
// pcscd says of a card no program holds exclusively).
func cardStateWord(s string) string {
	switch s {
	case "present":
		return tr("present")
	case "in-use":
		return tr("in-use")
	case "exclusive":
		return tr("exclusive")
	case "empty":
		return tr("empty")
	case "mute":
		return tr("mute")
	case "unavailable":
		return tr("unavailable")
	}
	return s
}

// versions collects what a support ticket needs. No secret is read.
func versions(ctx context.Context) map[string]string {
	v := map[string]string{
		"firma": buildVersion(),
		"go":    runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
	}
	if f, err := os.Open("/etc/os-release"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, val, ok := strings.Cut(sc.Text(), "="); ok && k == "PRETTY_NAME" {
				v["os"] = strings.Trim(val, `"`)
			}
		}
		f.Close()
	}
	if p, err := exec.LookPath("pcscd"); err == nil {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		out, _ := exec.CommandContext(ctx, p, "--version").CombinedOutput()
		if line, _, _ := strings.Cut(string(out), "\n"); line != "" {
			v["pcsc-lite"] = strings.TrimSpace(line)
		}
	} else {
		v["pcsc-lite"] = "pcscd not installed"
	}
	return v
}
