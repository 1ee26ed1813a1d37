package main

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/pkcs11"
)

type statusOptions struct {
	g    *globalOptions
	JSON bool
	All  bool
}

func newStatusCmd(io *IO, g *globalOptions) *cobra.Command {
	o := &statusOptions{g: g}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the token, the signing certificate, its expiry and renewal advice, and the PIN state",
		Long: `Show what is on the card: the token, the holder and codice fiscale, the issuer,
the expiry date with the days left, when the certificate can be renewed
(Aruba accepts renewals only in the last 60 days; after expiry a new kit is
needed), and the PIN and PUK state. No PIN is asked.`,
		Example: `  firma status
  firma status --json | jq -r .renewal.advice
  firma status --all          # every token of every module (CNS and signature slots)
  firma status --token "pkcs11:token=ROSSI%20MARIO%20(PIN%20CNS1)"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runStatus(cmd.Context(), io, o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON (fields documented in the README)")
	cmd.Flags().BoolVar(&o.All, "all", false, "show every token of every module found")
	return cmd
}

// tokenReport is `firma status --json`. Field names are part of firma's
// interface (README, "JSON output").
type tokenReport struct {
	// PCSC is the reader section: readers, cards, identification. It is
	// null when the token is a software token and PC/SC has nothing to
	// say (no pcscd, no reader).
	PCSC  *pcscSection     `json:"pcsc"`
	Token pkcs11.TokenInfo `json:"token"`
	// Certificate is the signing certificate, null when there is none.
	Certificate *certView `json:"certificate"`
	// Renewal is the advice for Certificate, null when there is none.
	Renewal *certinfo.Renewal `json:"renewal"`
	// Chain lists the issuers of Certificate found on the token.
	Chain []certView `json:"chain"`
	// Others are the other certificates (CNS authentication, CAs).
	Others []certView `json:"other_certificates"`
	// Problem says what keeps the token from signing, if anything.
	Problem string `json:"problem,omitempty"`
	problem error
}

type certView struct {
	certinfo.Info
	Label string `json:"label"`
	ID    string `json:"id"`
}

func viewOf(c pkcs11.Certificate) certView {
	return certView{Info: c.Info, Label: c.Label, ID: hex.EncodeToString(c.ID)}
}

// buildTokenReport reads a token's certificates and applies the renewal
// rules at now. It needs no PIN.
func buildTokenReport(tok *pkcs11.Token, sel pkcs11.KeySelector, now time.Time) (*tokenReport, error) {
	r := &tokenReport{Token: tok.Info, Chain: []certView{}, Others: []certView{}}
	certs, err := tok.Certificates()
	if err != nil {
		return nil, err
	}
	signing, err := pkcs11.SelectSigning(certs, sel)
	if err != nil {
		var nc *pkcs11.NoCertificateError
		if errors.As(err, &nc) {
			nc.Token = tok.Info.Label
		}
		r.problem = err
		r.Problem = err.Error()
	} else {
		v := viewOf(*signing)
		r.Certificate = &v
		adv := certinfo.AdviseRenewal(signing.Cert.NotBefore, signing.Cert.NotAfter, now)
		r.Renewal = &adv
		for _, c := range pkcs11.Chain(signing.Cert, certs) {
			r.Chain = append(r.Chain, certView{Info: certinfo.Parse(c)})
		}
	}
	for _, c := range certs {
		if signing != nil && c.Cert.Equal(signing.Cert) {
			continue
		}
		r.Others = append(r.Others, viewOf(c))
	}
	// The holder's own certificates first, the CAs after them.
	sort.SliceStable(r.Others, func(i, j int) bool {
		return r.Others[i].Purpose != certinfo.PurposeCA && r.Others[j].Purpose == certinfo.PurposeCA
	})
	return r, nil
}

func runStatus(ctx context.Context, io *IO, o *statusOptions) error {
	sel, err := keySelector(o.g)
	if err != nil {
		return err
	}
	now := io.Now()
	if o.All {
		return runStatusAll(io, o, sel, now)
	}
	pc := surveyForStatus(ctx)
	var suggested []string
	if !moduleExplicit(io, o.g) {
		suggested = pc.modules()
	}
	tok, _, err := openTokenWith(io, o.g, true, suggested)
	if err != nil {
		// The reader section often tells why there is no token.
		if !o.JSON {
			printPCSC(io.Out, pc)
		}
		return err
	}
	defer tok.Close()
	r, err := buildTokenReport(tok, sel, now)
	if err != nil {
		return err
	}
	if len(pc.Readers) > 0 || tok.Info.Hardware {
		r.PCSC = pc
	}
	if o.JSON {
		if err := writeJSON(io.Out, r); err != nil {
			return err
		}
	} else {
		printTokenReport(io.Out, r, now)
	}
	if r.problem != nil {
		code, _ := classify(r.problem)
		if !o.JSON {
			reportError(io, r.problem)
		}
		return silentExit{code}
	}
	return nil
}

func runStatusAll(io *IO, o *statusOptions, sel pkcs11.KeySelector, now time.Time) error {
	d, err := pkcs11.Discover(pkcs11.OpenOptions{Module: o.g.Module, Token: o.g.Token, Getenv: io.Getenv})
	if err != nil {
		return err
	}
	tsel, _, _ := pkcs11.ParseTokenSelector(o.g.Token)
	var reports []*tokenReport
	for _, a := range d.Attempts {
		if !a.Loaded {
			continue
		}
		for _, ti := range a.Tokens {
			if !tsel.Match(ti) {
				continue
			}
			tok, _, err := pkcs11.Open(pkcs11.OpenOptions{Module: ti.ModulePath, Token: "pkcs11:serial=" + ti.Serial + ";token=" + escapeURI(ti.Label), Getenv: io.Getenv})
			if err != nil {
				return err
			}
			r, err := buildTokenReport(tok, sel, now)
			tok.Close()
			if err != nil {
				return err
			}
			reports = append(reports, r)
		}
	}
	if len(reports) == 0 {
		return &pkcs11.NoTokenError{Selector: tsel.String()}
	}
	if o.JSON {
		return writeJSON(io.Out, struct {
			Tokens []*tokenReport `json:"tokens"`
		}{reports})
	}
	for i, r := range reports {
		if i > 0 {
			printLine(io.Out)
		}
		printTokenReport(io.Out, r, now)
	}
	return nil
}

// escapeURI percent-encodes a pkcs11: URI attribute value.
func escapeURI(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			printf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// field prints one aligned "Label  value" line.
func field(w io.Writer, label, format string, args ...any) {
	if label != "" {
		label = tr(label)
	}
	printf(w, "%-13s %s\n", label, sprintf(format, args...))
}

// printPCSC prints the reader section: each reader with its card, or why
// PC/SC could not be read.
func printPCSC(w io.Writer, pc *pcscSection) {
	if pc.err != nil {
		field(w, "Readers", "%s", errorText(pc.err))
		if h := hintOf(pc.err); h != "" {
			field(w, "", "fix: %s", h)
		}
		return
	}
	if len(pc.Readers) == 0 {
		field(w, "Readers", "none connected")
		return
	}
	for i := range pc.Readers {
		printCardReport(w, &pc.Readers[i])
	}
}

func printTokenReport(w io.Writer, r *tokenReport, now time.Time) {
	if r.PCSC != nil {
		printPCSC(w, r.PCSC)
	}
	t := r.Token
	field(w, "Token", "%s (%s %s, serial %s)", t.Label, t.Manufacturer, t.Model, t.Serial)
	field(w, "Module", "%s (%s)", t.ModulePath, t.ModuleName)
	if c := r.Certificate; c != nil {
		h := c.Holder
		name := h.Name()
		if h.Title != "" {
			name += ", " + h.Title
		}
		field(w, "Holder", "%s", name)
		if h.FiscalCode != "" {
			if h.FiscalCodeValid {
				field(w, "Fiscal code", "%s", h.FiscalCode)
			} else {
				field(w, "Fiscal code", "%s (check character does not match)", h.FiscalCode)
			}
		}
		field(w, "Certificate", "%s, %s, serial %s, label %q", describePurpose(c.Info), c.KeyAlgorithm, c.SerialHex, c.Label)
		field(w, "Issuer", "%s", c.IssuerName)
		field(w, "Valid", "%s to %s (%s)", day(c.NotBefore), day(c.NotAfter), daysLeftText(*r.Renewal))
		field(w, "Renewal", "%s: %s", renewalWord(r.Renewal.State), renewalAdvice(*r.Renewal, c.NotBefore))
	} else {
		field(w, "Certificate", "none for signing: %s", r.Problem)
	}
	field(w, "PIN", "%s%s", describePIN(t.PIN, false), triesNote(t.PINSource, t.PINTries))
	field(w, "PUK", "%s%s", describePIN(t.PUK, true), triesNote(t.PINSource, t.PUKTries))
	for i, c := range r.Others {
		label := ""
		if i == 0 {
			label = tr("Also on token")
		}
		field(w, label, "%s: %s, expires %s", describePurpose(c.Info), c.Holder.CommonName, day(c.NotAfter))
	}
}

func daysLeftText(r certinfo.Renewal) string {
	switch {
	case r.State == certinfo.RenewalExpired && r.DaysExpired == 0:
		return tr("expired less than a day ago")
	case r.State == certinfo.RenewalExpired:
		return sprintf("expired %d days ago", r.DaysExpired)
	case r.DaysLeft == 0:
		return tr("less than a day left")
	}
	return sprintf("%d days left", r.DaysLeft)
}

func renewalWord(s certinfo.RenewalState) string {
	switch s {
	case certinfo.RenewalOK:
		return tr("OK")
	case certinfo.RenewalSoon:
		return tr("SOON")
	case certinfo.RenewalNow:
		return tr("RENEW NOW")
	case certinfo.RenewalExpired:
		return tr("EXPIRED")
	case certinfo.RenewalNotYetValid:
		return tr("NOT YET VALID")
	}
	return string(s)
}

func describePurpose(in certinfo.Info) string {
	switch in.Purpose {
	case certinfo.PurposeSignature:
		switch {
		case in.Qualified && in.QSCD:
			return tr("qualified signature (QSCD)")
		case in.Qualified:
			return tr("qualified signature")
		}
		return tr("signature (not qualified)")
	case certinfo.PurposeAuthentication:
		return tr("CNS authentication")
	case certinfo.PurposeCA:
		return tr("CA certificate")
	}
	return tr("other certificate")
}

// triesNote tells where a PIN state read from the card came from.
func triesNote(source string, n *int) string {
	switch {
	case source != "card" || n == nil:
		return ""
	}
	return sprintf(" (%d tries left, read from the card)", *n)
}

func describePIN(s pkcs11.PINState, puk bool) string {
	what, fix := "PIN", tr("unlock it with the PUK: firma pin unlock")
	if puk {
		what, fix = "PUK", tr("the card cannot be unlocked any more: a new kit is needed")
	}
	switch s {
	case pkcs11.PINOK:
		return tr("ok")
	case pkcs11.PINCountLow:
		return sprintf("a wrong %s was entered: fewer tries are left", what)
	case pkcs11.PINFinalTry:
		return sprintf("LAST TRY: one more wrong %s blocks it", what)
	case pkcs11.PINLocked:
		return sprintf("BLOCKED: %s", fix)
	case pkcs11.PINToBeChanged:
		return tr("must be changed before use: firma pin change")
	}
	return sprintf("unknown (this module does not report %s tries)", what)
}

// renewalAdvice is the renewal advice in the CLI's words (the JSON keeps
// certinfo's English Advice, which scripts may already read).
func renewalAdvice(r certinfo.Renewal, notBefore time.Time) string {
	switch r.State {
	case certinfo.RenewalNotYetValid:
		return sprintf("the certificate is not valid yet: it becomes valid on %s", day(notBefore))
	case certinfo.RenewalExpired:
		return sprintf("the certificate expired on %s and can no longer be renewed: a new certificate (a new kit) is needed", day(r.WindowCloses))
	case certinfo.RenewalOK:
		return sprintf("valid for %d more days; renewal will be possible from %s", r.DaysLeft, day(r.WindowOpens))
	case certinfo.RenewalSoon:
		return sprintf("expires in %d days: the renewal window opens on %s (renewal is accepted only in the last 60 days)", r.DaysLeft, day(r.WindowOpens))
	}
	return sprintf("expires in %d days: renew now, the renewal window is open and closes on %s; after that a new kit must be bought", r.DaysLeft, day(r.WindowCloses))
}
