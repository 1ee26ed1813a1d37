package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/batch"
	"github.com/firma-dev/firma/sign"
)

// signOptions are the flags of firma sign.
type signOptions struct {
	Inputs              []string
	Output              string
	OutputDir           string
	Detached            bool
	Force               bool
	SkipExisting        bool
	Hash                string
	PSS                 bool
	JSON                bool
	AllowAnyCertificate bool
	Counter             bool
	Signer              int
	Nest                bool
	Content             string
	PIN                 *secretOptions
	g                   *globalOptions
	// openKey opens the signing key. The CLI opens the token; tests give
	// software keys.
	openKey func(io *IO) (*signKey, error)
	// TSA is the timestamp authority's URL: with it every signature is
	// CAdES-T.
	TSA         string
	TSAUser     string
	TSAPolicy   string
	TSATimeout  time.Duration
	TSAPassword *secretOptions
	PAdES       padesOptions // --pades (pades.go)
}

// signKey is an open signing key with its certificate and chain.
type signKey struct {
	Signer crypto.Signer
	Cert   *x509.Certificate
	Chain  []*x509.Certificate
	// Login asks the PIN and logs in now, before any output is written;
	// nil when the key needs no login.
	Login func() error
	Close func() error
}

func newSignCmd(io *IO, g *globalOptions) *cobra.Command {
	opts := &signOptions{g: g, PIN: newPINOptions(), TSAPassword: newTSAPasswordOptions()}
	opts.openKey = func(io *IO) (*signKey, error) {
		k, err := openSigningKey(io, g, opts.PIN)
		if err != nil {
			return nil, err
		}
		return &signKey{Signer: k.Key, Cert: k.Cert, Chain: k.Chain, Login: k.Key.Login, Close: k.Close}, nil
	}
	cmd := &cobra.Command{
		Use:   "sign [flags] FILE...",
		Short: "Sign files (CAdES .p7m, or detached .p7s)",
		Long: `Sign one or more files with the qualified signature certificate on the card
or token, as CAdES (CMS) signatures that Italian verifiers accept.

By default each FILE becomes FILE.p7m next to it, holding the document and
the signature (enveloping). --detached writes FILE.p7s with the signature
only. Existing files are never replaced without --force, the inputs are never
changed, and an output appears only once it is complete: a failure (wrong
PIN, card pulled, full disk) leaves nothing half-written behind.

Signing a file that is already signed (.p7m) adds a parallel signature to it
(co-signature: same document, one more signer, the existing signatures kept
as they are); --counter adds a counter-signature to an existing signer
instead, and --nest wraps the whole .p7m into a new envelope (.p7m.p7m). The
signed file itself is never changed: a co-signed or counter-signed copy is
written with --output-dir or --output.

A detached signature (.p7s) is co-signed the same way, with its document:
the file next to it without .p7s, or the one given with --content. The
document must be the one the existing signatures were made on: firma checks
it against each of them before it signs, and refuses any other.

A batch asks the PIN once. It stops at the first failure and reports which
files were signed and which were not. Use - as FILE to sign standard input
to standard output.

--tsa URL adds a qualified timestamp ("marca temporale", RFC 3161) from your
provider's timestamp authority to every signature (CAdES-T), so that it stays
provable after the certificate expires. One timestamp per signature; a
failure to get one fails that file like any signing failure (exit 13). The
URL is checked before the PIN is asked. A service that needs an account
gets --tsa-user and the password from --tsa-password-file, --tsa-password-fd
or FIRMA_TSA_PASSWORD (never on the command line).

Signing with an expired or not-yet-valid certificate, or with one that is not
for signatures (the CNS authentication certificate), is refused. When the
certificate has 90 days or less left, each run ends with a renewal reminder
on stderr (renewal is possible only in the last 60 days).`,
		Example: `  # Sign a report: writes referto.pdf.p7m
  firma sign referto.pdf

  # Sign every PDF of the day into another folder, one PIN for all
  firma sign --output-dir firmati/ *.pdf

  # A detached signature: writes referto.pdf.p7s
  firma sign --detached referto.pdf

  # In a pipeline, reading the PIN from a file
  cat referto.pdf | firma sign --pin-file ~/.firma-pin - > referto.pdf.p7m

  # Add your signature to a colleague's signed file (co-signature)
  firma sign --output-dir cofirmati/ referto.pdf.p7m

  # Co-sign a detached signature (its document referto.pdf is next to it)
  firma sign --output-dir cofirmati/ referto.pdf.p7s

  # Counter-sign it (approve the colleague's signature)
  firma sign --counter --output-dir controfirmati/ referto.pdf.p7m

  # Per-file results for a script
  firma sign --json *.pdf

  # With a timestamp (marca temporale) from your provider's TSA; the URL,
  # user and password come from the provider (these are placeholders)
  firma sign --tsa https://tsa.example.it/tsa --tsa-user MYUSER \
      --tsa-password-file ~/.firma-tsa-password referto.pdf`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("no file to sign: give one or more files (or - for standard input), e.g. firma sign referto.pdf")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Inputs = args
			return runSign(cmd.Context(), io, opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", "", "write the signature to `FILE` (one input only; - for standard output)")
	f.StringVar(&opts.OutputDir, "output-dir", "", "write the signatures into `DIR` instead of next to the inputs")
	f.BoolVar(&opts.Detached, "detached", false, "write a detached signature (.p7s) without the document")
	f.BoolVar(&opts.Force, "force", false, "replace existing output files")
	f.BoolVar(&opts.SkipExisting, "skip-existing", false, "leave out files whose output exists already (to finish a batch that stopped)")
	f.StringVar(&opts.Hash, "hash", "sha256", "digest `algorithm`: sha256, sha384 or sha512")
	f.BoolVar(&opts.PSS, "pss", false, "sign with RSA-PSS instead of PKCS#1 v1.5 (the card must support it)")
	f.BoolVar(&opts.JSON, "json", false, "print per-file results as JSON")
	f.BoolVar(&opts.AllowAnyCertificate, "allow-invalid-cert", false, "sign even with an expired, not yet valid or non-signature certificate (test tokens only: such a signature has no legal value)")
	f.BoolVar(&opts.Counter, "counter", false, "counter-sign an existing signature of a .p7m/.p7s instead of adding a parallel one")
	f.IntVar(&opts.Signer, "signer", 0, "with --counter: which signature to counter-sign (`N` from 1, in file order; needed when there are several)")
	f.BoolVar(&opts.Nest, "nest", false, "sign a .p7m as a plain document, wrapping it in a new envelope (.p7m.p7m)")
	f.StringVar(&opts.Content, "content", "", "co-signing a detached .p7s: the signed document `FILE` (default: the .p7s name without .p7s)")
	opts.PIN.addFlags(f)
	opts.PIN.addFinalTryFlag(f)
	f.StringVar(&opts.TSA, "tsa", "", "add an RFC 3161 timestamp from the timestamp authority at `URL` (http or https) to every signature")
	f.StringVar(&opts.TSAUser, "tsa-user", "", "user `NAME` for the timestamp authority (HTTP basic auth)")
	opts.TSAPassword.addFlags(f)
	f.StringVar(&opts.TSAPolicy, "tsa-policy", "", "ask the timestamp authority for the policy `OID` (default: the service's own)")
	f.DurationVar(&opts.TSATimeout, "tsa-timeout", sign.DefaultTSATimeout, "give up on the timestamp authority after `DURATION`")
	addPAdESFlags(cmd, &opts.PAdES)
	return cmd
}

func parseHash(s string) (crypto.Hash, error) {
	switch strings.ReplaceAll(strings.ToLower(s), "-", "") {
	case "sha256":
		return crypto.SHA256, nil
	case "sha384":
		return crypto.SHA384, nil
	case "sha512":
		return crypto.SHA512, nil
	}
	return 0, usageErrorf("--hash %q: choose sha256, sha384 or sha512", s)
}

func hashName(h crypto.Hash) string {
	return map[crypto.Hash]string{crypto.SHA256: "SHA-256", crypto.SHA384: "SHA-384", crypto.SHA512: "SHA-512"}[h]
}

func runSign(ctx context.Context, io *IO, opts *signOptions) error {
	if opts.PAdES.On || opts.PAdES.used() {
		return runSignPAdES(ctx, io, opts)
	}
	h, err := parseHash(opts.Hash)
	if err != nil {
		return err
	}
	// Everything that can be checked without the token is checked first,
	// so that a typo never costs a PIN entry.
	tsa, err := tsaClient(opts)
	if err != nil {
		return err
	}
	jobs, err := planSign(opts)
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if j.Output == "-" && opts.Output != "-" && io.OutIsTTY {
			// A signature is binary: on a terminal it is noise that can
			// even drive the terminal. -o - says it is wanted there.
			return usageErrorf("the signature of standard input would go to the terminal: redirect it (firma sign - < referto.pdf > referto.pdf.p7m) or give -o FILE")
		}
	}
	if err := batch.Check(ctx, jobs, batch.CheckOptions{Now: io.Now, Signer: opts.Signer}); err != nil {
		return err
	}
	todo := 0
	for _, j := range jobs {
		if !j.Skip {
			todo++
		}
	}
	var timestamper sign.Timestamper
	if tsa != nil {
		timestamper = tsa
		if err := readTSAPassword(io, opts, tsa, todo); err != nil {
			return err
		}
		defer clear(tsa.Password)
	}
	key, err := opts.openKey(io)
	if err != nil {
		return err
	}
	defer key.Close()

	var prog *progress
	passes := int64(2)
	if opts.Detached {
		passes = 1
	}
	signer, err := sign.New(key.Signer, key.Cert, sign.Options{
		Hash:                h,
		PSS:                 opts.PSS,
		Chain:               key.Chain,
		Now:                 io.Now,
		AllowAnyCertificate: opts.AllowAnyCertificate,
		Progress:            func(n int64) { prog.add(n) },
		Timestamper:         timestamper,
	})
	if err != nil {
		return err
	}
	if opts.AllowAnyCertificate && todo > 0 {
		if err := sign.CheckCertificate(key.Cert, io.Now()); err != nil {
			printf(io.Err, "firma: warning: %s: signing anyway (--allow-invalid-cert); such a signature has no legal value\n", errorText(err))
		}
	}
	if key.Login != nil && todo > 0 {
		if err := key.Login(); err != nil {
			return err
		}
	}

	report := &signReport{
		Signer:          summarize(key.Cert, io.Now()),
		DigestAlgorithm: hashName(h),
	}
	if tsa != nil {
		report.TSA = tsa.Name()
	}
	var total int64
	for _, j := range jobs {
		if j.Size > 0 && !j.Skip {
			total += j.Size * passes
		}
		status := "not_signed"
		if j.Skip {
			status = "skipped"
		}
		report.Files = append(report.Files, signFileResult{Input: j.Input, Output: j.Output, Operation: string(j.Op), Packaging: j.Packaging(), Status: status})
		switch report.Packaging {
		case "":
			report.Packaging = j.Packaging()
		case j.Packaging():
		default:
			report.Packaging = "mixed"
		}
	}
	if !opts.JSON {
		label := tr("signing")
		if len(jobs) > 1 {
			label = sprintf("signing %d files", todo)
		}
		prog = newProgress(io, label, total, todo)
	}
	// Human lines go to stdout, unless the signature itself does.
	msg := io.Out
	if opts.Output == "-" || (len(jobs) == 1 && jobs[0].Output == "-") {
		msg = nil
	}
	outcomes, failedAt := batch.Run(ctx, signer, jobs, batch.RunOptions{Stdin: io.In, Stdout: io.Out, Force: opts.Force, Signer: opts.Signer})
	for i, o := range outcomes {
		report.Files[i].record(o)
	}
	var batchErr *BatchError
	if failedAt >= 0 {
		batchErr = &BatchError{File: jobs[failedAt].Input, Err: outcomes[failedAt].Err}
	}
	prog.done(batchErr == nil)
	for _, f := range report.Files {
		report.count(f.Status)
	}
	if opts.JSON {
		if err := writeJSON(io.Out, report); err != nil {
			return err
		}
	} else if msg != nil {
		printSignReport(msg, report)
	}
	// A reminder each time the doctor signs, while renewal is still
	// possible: after expiry only a new kit helps.
	if r := report.Signer.Renewal; report.Signed > 0 && (r.State == certinfo.RenewalSoon || r.State == certinfo.RenewalNow) {
		printf(io.Err, "firma: note: your signing certificate %s\n", renewalAdvice(r, time.Time{}))
	}
	if batchErr != nil {
		batchErr.Signed, batchErr.NotSigned = report.Signed, report.Failed+report.NotSigned
		return batchErr
	}
	return nil
}

// planSign refuses the flag combinations that make no sense, then lets
// the batch engine turn the arguments into jobs.
func planSign(opts *signOptions) ([]batch.Job, error) {
	switch {
	case opts.Output != "" && opts.OutputDir != "":
		return nil, usageErrorf("--output and --output-dir are alternatives: give one")
	case opts.Output != "" && len(opts.Inputs) > 1:
		return nil, usageErrorf("--output takes one input; use --output-dir for several")
	case opts.Output == "-" && opts.JSON:
		return nil, usageErrorf("--json and --output - both write to standard output: give one")
	case opts.Force && opts.SkipExisting:
		return nil, usageErrorf("--force and --skip-existing are alternatives: give one")
	case opts.Counter && opts.Nest:
		return nil, usageErrorf("--counter and --nest are alternatives: give one")
	case opts.Signer != 0 && !opts.Counter:
		return nil, usageErrorf("--signer only goes with --counter")
	case opts.Signer < 0:
		return nil, usageErrorf("--signer counts from 1")
	case opts.Content != "" && (len(opts.Inputs) != 1 || opts.Counter || opts.Nest || !strings.HasSuffix(strings.ToLower(opts.Inputs[0]), ".p7s")):
		return nil, usageErrorf("--content goes with one detached signature (.p7s) to co-sign; a batch of .p7s files finds each document next to its signature")
	}
	for _, in := range opts.Inputs {
		if in != batch.Stdio {
			continue
		}
		switch {
		case len(opts.Inputs) > 1:
			return nil, usageErrorf("standard input (-) cannot be part of a batch")
		case opts.Counter:
			return nil, usageErrorf("--counter needs a file: standard input cannot be read twice")
		case opts.OutputDir != "":
			return nil, usageErrorf("standard input has no name: use --output FILE instead of --output-dir")
		case opts.JSON && (opts.Output == "" || opts.Output == batch.Stdio):
			return nil, usageErrorf("--json and the signature would both go to standard output: give --output FILE")
		}
	}
	return batch.Plan(batch.PlanOptions{
		Inputs: opts.Inputs, Output: opts.Output, OutputDir: opts.OutputDir,
		Detached: opts.Detached, Force: opts.Force, SkipExisting: opts.SkipExisting,
		Counter: opts.Counter, Nest: opts.Nest, Content: opts.Content,
	})
}
