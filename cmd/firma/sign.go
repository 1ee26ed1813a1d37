package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/atomicfile"
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

// Operations on one file.
const (
	opSign        = "sign"        // a new signature of a document
	opCoSign      = "cosign"      // a parallel signature added to a .p7m
	opCounterSign = "countersign" // a counter-signature added to a .p7m/.p7s
)

// signJob is one file to sign.
type signJob struct {
	Input  string // "-" is standard input
	Output string // "-" is standard output
	Size   int64  // -1 when unknown (standard input)
	Perm   fs.FileMode
	Op     string
	// Content is the document of a detached signature being co-signed.
	Content string
	// Detached is set when the output is a detached signature: a new
	// one, or a co- or counter-signature of a detached file.
	Detached bool
	// Skip is set for an existing output with --skip-existing.
	Skip bool
}

func (j signJob) packaging() string {
	if j.Detached {
		return "detached"
	}
	return "enveloping"
}

// signFileResult is one file of the --json output.
type signFileResult struct {
	Input  string `json:"input"`
	Output string `json:"output"`
	// Operation is "sign", "cosign" or "countersign".
	Operation string `json:"operation"`
	// Packaging is "enveloping" (the document inside) or "detached".
	Packaging string `json:"packaging"`
	// Status is "signed", "failed" (the file the batch stopped at),
	// "not_signed" (not attempted after a failure) or "skipped" (its
	// output existed, --skip-existing).
	Status      string     `json:"status"`
	Size        int64      `json:"size,omitempty"`
	Digest      string     `json:"digest,omitempty"`
	SigningTime *time.Time `json:"signing_time,omitempty"`
	// TimestampTime is the genTime of the signature's timestamp (--tsa).
	TimestampTime *time.Time `json:"timestamp_time,omitempty"`
	Error         string     `json:"error,omitempty"`
}

// signReport is the --json output of firma sign.
type signReport struct {
	Signer          signerSummary    `json:"signer"`
	Packaging       string           `json:"packaging"`
	DigestAlgorithm string           `json:"digest_algorithm"`
	Files           []signFileResult `json:"files"`
	Signed          int              `json:"signed"`
	Failed          int              `json:"failed"`
	NotSigned       int              `json:"not_signed"`
	Skipped         int              `json:"skipped"`
	// TSA is the timestamp authority's URL, with --tsa.
	TSA string `json:"tsa,omitempty"`
}

// signerSummary names the signer in the --json output.
type signerSummary struct {
	Name       string    `json:"name"`
	FiscalCode string    `json:"fiscal_code,omitempty"`
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	Serial     string    `json:"serial"`
	NotAfter   time.Time `json:"not_after"`
	// Renewal is the renewal advice at signing time (Aruba's rules).
	Renewal certinfo.Renewal `json:"renewal"`
}

// BatchError reports a batch that stopped at a failure.
type BatchError struct {
	File      string
	Signed    int
	NotSigned int
	Err       error
}

func (e *BatchError) Error() string {
	if e.File == "-" {
		return fmt.Sprintf("signing standard input: %v", e.Err)
	}
	return fmt.Sprintf("signing %s: %v", e.File, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }

// Hint completes the failure's own hint with how to finish the batch.
func (e *BatchError) Hint() string {
	h := hintOf(e.Err)
	if e.Signed > 0 && e.NotSigned > 0 {
		if h != "" {
			h += "\n"
		}
		h += "to sign the remaining files, run the same command again with --skip-existing"
	}
	return h
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
	if opts.PAdES.On {
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
	if err := checkJobs(ctx, io, opts, jobs); err != nil {
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
		if tsa.User != "" && todo > 0 {
			if tsa.URL.Scheme == "http" {
				printf(io.Err, "firma: warning: the TSA password goes unencrypted over http://; use your provider's https:// address if it has one\n")
			}
			prompt := fmt.Sprintf("TSA password for %s at %s: ", tsa.User, tsa.URL.Host)
			if tsa.Password, err = opts.TSAPassword.read(io, prompt); err != nil {
				return err
			}
			defer clear(tsa.Password)
		}
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
			printf(io.Err, "firma: warning: %s: signing anyway (--allow-invalid-cert); such a signature has no legal value\n", err)
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
		report.Files = append(report.Files, signFileResult{Input: j.Input, Output: j.Output, Operation: j.Op, Packaging: j.packaging(), Status: status})
		switch report.Packaging {
		case "":
			report.Packaging = j.packaging()
		case j.packaging():
		default:
			report.Packaging = "mixed"
		}
	}
	if !opts.JSON {
		label := "signing"
		if len(jobs) > 1 {
			label = fmt.Sprintf("signing %d files", todo)
		}
		prog = newProgress(io, label, total, todo)
	}
	// Human lines go to stdout, unless the signature itself does.
	msg := io.Out
	if opts.Output == "-" || (len(jobs) == 1 && jobs[0].Output == "-") {
		msg = nil
	}
	failedAt, firstErr := signAll(ctx, io, signer, jobs, opts, report.Files)
	var batchErr *BatchError
	if firstErr != nil {
		batchErr = &BatchError{File: jobs[failedAt].Input, Err: firstErr}
	}
	prog.done(batchErr == nil)
	for _, f := range report.Files {
		switch f.Status {
		case "signed":
			report.Signed++
		case "failed":
			report.Failed++
		case "skipped":
			report.Skipped++
		default:
			report.NotSigned++
		}
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
		printf(io.Err, "firma: note: your signing certificate %s\n", r.Advice)
	}
	if batchErr != nil {
		batchErr.Signed, batchErr.NotSigned = report.Signed, report.Failed+report.NotSigned
		return batchErr
	}
	return nil
}

// committers is how many finished outputs are flushed to disk at once.
// Flushing (fsync) is most of the cost of a small file; overlapping the
// flushes with the next signatures, and with each other (the filesystem
// groups them into one journal commit), makes a batch several times
// faster without weakening any output: each one still appears only once
// it is complete and on disk.
const committers = 4

// signAll signs the jobs in order, recording each result in files, and
// stops at the first failure (a signature or a commit). It returns the
// index and error of the first failure in job order, if any. Outputs
// committed before the failure stay; nothing partial is left.
func signAll(ctx context.Context, ios *IO, s *sign.Signer, jobs []signJob, opts *signOptions, files []signFileResult) (int, error) {
	var (
		mu       sync.Mutex
		failedAt = -1
		firstErr error
	)
	fail := func(i int, err error) {
		files[i].Status, files[i].Error = "failed", err.Error()
		if failedAt < 0 || i < failedAt {
			failedAt, firstErr = i, err
		}
	}
	done := func(i int, res sign.Result) {
		fr := &files[i]
		fr.Status = "signed"
		fr.Size = res.Size
		fr.Digest = hex.EncodeToString(res.Digest)
		t := res.SigningTime
		fr.SigningTime = &t
		if !res.TimestampTime.IsZero() {
			ts := res.TimestampTime.UTC()
			fr.TimestampTime = &ts
		}
	}
	type pending struct {
		i   int
		out *atomicfile.File
		res sign.Result
	}
	queue := make(chan pending, committers)
	var wg sync.WaitGroup
	for range committers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range queue {
				err := p.out.Commit()
				mu.Lock()
				if err != nil {
					fail(p.i, err)
				} else {
					done(p.i, p.res)
				}
				mu.Unlock()
			}
		}()
	}
	for i, j := range jobs {
		mu.Lock()
		stop := failedAt >= 0
		mu.Unlock()
		if stop {
			break
		}
		if j.Skip {
			continue
		}
		res, out, err := signOne(ctx, ios, s, j, opts)
		if err != nil {
			mu.Lock()
			fail(i, err)
			mu.Unlock()
			break
		}
		if out == nil {
			mu.Lock()
			done(i, res)
			mu.Unlock()
			continue
		}
		queue <- pending{i, out, res}
	}
	close(queue)
	wg.Wait()
	return failedAt, firstErr
}

// printSignReport prints the stable plain-text result.
func printSignReport(w io.Writer, r *signReport) {
	for _, f := range r.Files {
		if f.Status == "signed" {
			verb := map[string]string{opSign: "signed", opCoSign: "co-signed", opCounterSign: "counter-signed"}[f.Operation]
			stamp := ""
			if f.TimestampTime != nil {
				stamp = " (timestamp " + f.TimestampTime.UTC().Format(time.DateTime) + " UTC)"
			}
			printf(w, "%s %s -> %s%s\n", verb, f.Input, f.Output, stamp)
		}
	}
	var skipped, missing []string
	for _, f := range r.Files {
		switch f.Status {
		case "skipped":
			skipped = append(skipped, f.Input)
		case "failed", "not_signed":
			missing = append(missing, f.Input)
		}
	}
	if len(skipped) > 0 {
		printf(w, "skipped (already signed): %s\n", strings.Join(skipped, " "))
	}
	if len(missing) > 0 {
		printf(w, "NOT signed: %s\n", strings.Join(missing, " "))
	}
	printf(w, "%d of %d files signed by %s (%s, %s)\n", r.Signed, len(r.Files), r.Signer.Name, r.DigestAlgorithm, r.Packaging)
}

func summarize(cert *x509.Certificate, now time.Time) signerSummary {
	in := certinfo.Parse(cert)
	return signerSummary{
		Renewal:    certinfo.AdviseRenewal(cert.NotBefore, cert.NotAfter, now),
		Name:       in.Holder.Name(),
		FiscalCode: in.Holder.FiscalCode,
		Subject:    in.Subject,
		Issuer:     in.IssuerName,
		Serial:     in.SerialHex,
		NotAfter:   in.NotAfter,
	}
}

// newTSAPasswordOptions are the sources of the timestamp authority's
// password: like the PIN's, never argv.
func newTSAPasswordOptions() *secretOptions {
	return &secretOptions{Name: "TSA password", Flag: "tsa-password", Env: "FIRMA_TSA_PASSWORD", FD: -1}
}

// tsaClient checks the --tsa flags, without any network access, and
// returns the client (nil without --tsa). The password is read later,
// only when there is something to sign.
func tsaClient(opts *signOptions) (*sign.TSAClient, error) {
	if opts.TSAPassword == nil {
		opts.TSAPassword = newTSAPasswordOptions()
	}
	pw := opts.TSAPassword
	pwGiven := pw.File != "" || pw.FD >= 0
	if opts.TSA == "" {
		if opts.TSAUser != "" || opts.TSAPolicy != "" || pwGiven {
			return nil, usageErrorf("--tsa-user, --tsa-password-file/-fd and --tsa-policy go with --tsa URL")
		}
		return nil, nil
	}
	u, err := sign.ParseTSAURL(opts.TSA)
	if err != nil {
		return nil, withCode(ExitUsage, fmt.Errorf("--tsa: %w", err), "give the RFC 3161 address of your provider's timestamp service, e.g. --tsa https://tsa.example.it/tsa")
	}
	if pwGiven && opts.TSAUser == "" {
		return nil, usageErrorf("a TSA password needs its user: add --tsa-user NAME")
	}
	if opts.TSATimeout < 0 {
		return nil, usageErrorf("--tsa-timeout cannot be negative")
	}
	c := &sign.TSAClient{URL: u, User: opts.TSAUser, Timeout: opts.TSATimeout}
	if opts.TSAPolicy != "" {
		if c.Policy, err = parseOID(opts.TSAPolicy); err != nil {
			return nil, usageErrorf("--tsa-policy %q is not an object identifier (digits and dots, like 1.2.3.4)", opts.TSAPolicy)
		}
	}
	return c, nil
}

// parseOID parses a dotted object identifier.
func parseOID(s string) (asn1.ObjectIdentifier, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, errors.New("too short")
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 31)
		if err != nil || (len(p) > 1 && p[0] == '0') {
			return nil, errors.New("not a number")
		}
		oid[i] = int(n)
	}
	if oid[0] > 2 || (oid[0] < 2 && oid[1] > 39) {
		return nil, errors.New("bad first arcs")
	}
	return oid, nil
}

// planSign turns the arguments into jobs and checks them: inputs exist and
// are files, outputs are free (or --force), no two inputs share an output,
// no output is its own input.
func planSign(opts *signOptions) ([]signJob, error) {
	if opts.Output != "" && opts.OutputDir != "" {
		return nil, usageErrorf("--output and --output-dir are alternatives: give one")
	}
	if opts.Output != "" && len(opts.Inputs) > 1 {
		return nil, usageErrorf("--output takes one input; use --output-dir for several")
	}
	if opts.Output == "-" && opts.JSON {
		return nil, usageErrorf("--json and --output - both write to standard output: give one")
	}
	if opts.Force && opts.SkipExisting {
		return nil, usageErrorf("--force and --skip-existing are alternatives: give one")
	}
	if opts.Counter && opts.Nest {
		return nil, usageErrorf("--counter and --nest are alternatives: give one")
	}
	if opts.Signer != 0 && !opts.Counter {
		return nil, usageErrorf("--signer only goes with --counter")
	}
	if opts.Signer < 0 {
		return nil, usageErrorf("--signer counts from 1")
	}
	if opts.Content != "" && (len(opts.Inputs) != 1 || opts.Counter || opts.Nest || !strings.HasSuffix(strings.ToLower(opts.Inputs[0]), ".p7s")) {
		return nil, usageErrorf("--content goes with one detached signature (.p7s) to co-sign; a batch of .p7s files finds each document next to its signature")
	}
	ext := ".p7m"
	if opts.Detached {
		ext = ".p7s"
	}
	if opts.OutputDir != "" {
		fi, err := os.Stat(opts.OutputDir)
		if err != nil {
			hint := ""
			if errors.Is(err, fs.ErrNotExist) {
				hint = "create the folder first"
			}
			return nil, withCode(ExitOutput, fmt.Errorf("output folder: %w", err), hint)
		}
		if !fi.IsDir() {
			return nil, withCode(ExitOutput, fmt.Errorf("output folder %s is not a folder", opts.OutputDir), "")
		}
	}
	var jobs []signJob
	byOutput := map[string]string{}
	for _, in := range opts.Inputs {
		j := signJob{Input: in, Size: -1, Perm: 0o644, Op: opSign, Detached: opts.Detached}
		if in == "-" {
			if len(opts.Inputs) > 1 {
				return nil, usageErrorf("standard input (-) cannot be part of a batch")
			}
			if opts.Counter {
				return nil, usageErrorf("--counter needs a file: standard input cannot be read twice")
			}
			j.Output = "-"
		} else {
			fi, err := os.Stat(in)
			if err != nil {
				return nil, inputStatError(in, err)
			}
			if !fi.Mode().IsRegular() {
				return nil, withCode(ExitInput, fmt.Errorf("input %s is not a regular file", in), "")
			}
			j.Size = fi.Size()
			// The signature is as private as the document.
			j.Perm = fi.Mode().Perm() & 0o666
			j.Output = in + ext
			if opts.OutputDir != "" {
				j.Output = filepath.Join(opts.OutputDir, filepath.Base(in)+ext)
			}
			lower := strings.ToLower(in)
			signed := strings.HasSuffix(lower, ".p7m") || strings.HasSuffix(lower, ".p7s")
			switch {
			case opts.Counter && !signed:
				return nil, usageErrorf("--counter needs a signed file (.p7m or .p7s), not %s", in)
			case opts.Counter:
				j.Op, j.Detached = opCounterSign, strings.HasSuffix(lower, ".p7s")
			case signed && !opts.Nest:
				if opts.Detached {
					return nil, usageErrorf("%s is already signed: co-signing keeps its form; to sign the file itself detached, add --nest", in)
				}
				j.Op = opCoSign
				if strings.HasSuffix(lower, ".p7s") {
					j.Detached = true
					doc, err := detachedContent(in, opts.Content)
					if err != nil {
						return nil, err
					}
					j.Content, j.Size = doc.name, doc.size
				}
			}
			if j.Op != opSign {
				// The same name, elsewhere: the signed file is never changed.
				j.Output = ""
				if opts.OutputDir != "" {
					j.Output = filepath.Join(opts.OutputDir, filepath.Base(in))
				}
				if opts.Output == "" && j.Output == "" {
					return nil, withCode(ExitUsage, fmt.Errorf("%s is already signed and is never changed: adding a signature writes a new file", in),
						fmt.Sprintf("give --output-dir DIR (the copy keeps its name) or --output FILE, e.g. firma sign --output-dir firmati/ %s; --nest wraps it in a new envelope instead", in))
				}
			}
		}
		switch {
		case opts.Output != "":
			j.Output = opts.Output
		case opts.OutputDir != "" && in == "-":
			return nil, usageErrorf("standard input has no name: use --output FILE instead of --output-dir")
		}
		if j.Output == "-" && opts.JSON {
			return nil, usageErrorf("--json and the signature would both go to standard output: give --output FILE")
		}
		if j.Output != "-" {
			key := filepath.Clean(j.Output)
			if prev, dup := byOutput[key]; dup {
				return nil, usageErrorf("%s and %s would both be signed into %s", prev, in, j.Output)
			}
			byOutput[key] = in
			err := checkOutput(j, opts.Force)
			if opts.SkipExisting && errors.Is(err, fs.ErrExist) {
				j.Skip, err = true, nil
			}
			if err != nil {
				return nil, err
			}
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// inputStatError words a missing or unreachable input for a person.
func inputStatError(name string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return withCode(ExitInput, fmt.Errorf("%s: no such file", name), "check the name, and the folder firma runs in")
	case errors.Is(err, fs.ErrPermission):
		return withCode(ExitInput, fmt.Errorf("%s: permission denied", name), "this user may not read it: check its permissions")
	}
	return withCode(ExitInput, fmt.Errorf("%s: %w", name, err), "")
}

// document is a file to read, with its size.
type document struct {
	name string
	size int64
}

// detachedContent finds the document of the detached signature sig: the
// file given with --content, else sig's name without ".p7s".
func detachedContent(sig, given string) (document, error) {
	name := given
	if name == "" {
		name = sig[:len(sig)-len(".p7s")]
	}
	fi, err := os.Stat(name)
	if err != nil {
		hint := "give the signed document with --content FILE"
		if given != "" {
			hint = ""
		}
		return document{}, withCode(ExitInput, fmt.Errorf("%s is a detached signature; its document: %w", sig, err), hint)
	}
	if !fi.Mode().IsRegular() {
		return document{}, withCode(ExitInput, fmt.Errorf("the document %s is not a regular file", name), "")
	}
	return document{name, fi.Size()}, nil
}

// checkOutput refuses an output that exists (without --force) or that is
// the input itself (even with --force: the input is never touched).
func checkOutput(j signJob, force bool) error {
	ofi, err := os.Stat(j.Output)
	if err == nil && j.Input != "-" {
		if ifi, err := os.Stat(j.Input); err == nil && os.SameFile(ifi, ofi) {
			return withCode(ExitOutput, fmt.Errorf("the output %s is the input itself", j.Output), "choose another output name")
		}
	}
	if err == nil && j.Content != "" {
		if cfi, err := os.Stat(j.Content); err == nil && os.SameFile(cfi, ofi) {
			return withCode(ExitOutput, fmt.Errorf("the output %s is the signed document itself", j.Output), "choose another output name")
		}
	}
	if force {
		return nil
	}
	return atomicfile.CheckFree(j.Output)
}

// signOne signs one job into a complete but uncommitted output (nil for
// standard output): the caller commits it. On error nothing is left.
func signOne(ctx context.Context, ios *IO, s *sign.Signer, j signJob, opts *signOptions) (sign.Result, *atomicfile.File, error) {
	var in *os.File
	if j.Input == "-" {
		if !opts.Detached {
			// An enveloping signature reads the content twice: spool
			// standard input to an unlinked temporary file (constant
			// memory, nothing left behind even on a crash).
			spool, err := spoolStdin(ctx, ios.In)
			if err != nil {
				return sign.Result{}, nil, err
			}
			in = spool
		}
	} else {
		f, err := os.Open(j.Input)
		if err != nil {
			return sign.Result{}, nil, &sign.InputError{Err: err}
		}
		in = f
	}
	var content io.Reader = ios.In
	if in != nil {
		defer in.Close()
		content = in
	}

	var w io.Writer = ios.Out
	var out *atomicfile.File
	if j.Output != "-" {
		var err error
		out, err = atomicfile.Create(j.Output, atomicfile.Options{Force: opts.Force, Perm: j.Perm})
		if err != nil {
			return sign.Result{}, nil, err
		}
		w = out
	}
	var res sign.Result
	var err error
	open := func() (io.ReadCloser, error) { return os.Open(j.Input) }
	switch {
	case j.Op == opCoSign && j.Content != "":
		doc, derr := os.Open(j.Content)
		if derr != nil {
			err = &sign.InputError{Err: derr}
			break
		}
		res, err = s.CoSignDetached(ctx, open, doc, w)
		doc.Close()
	case j.Op == opCoSign:
		res, err = s.CoSign(ctx, open, w)
	case j.Op == opCounterSign:
		res, err = s.CounterSign(ctx, open, opts.Signer, w)
	case opts.Detached:
		res, err = s.Detached(ctx, content, w)
	default:
		res, err = s.Attached(ctx, in, w)
	}
	if err != nil {
		if out != nil {
			out.Abort()
		}
		return res, nil, err
	}
	return res, out, nil
}

// spoolStdin copies r to an anonymous temporary file and rewinds it.
func spoolStdin(ctx context.Context, r io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "firma-stdin-*")
	if err != nil {
		return nil, fmt.Errorf("buffering standard input: %w", err)
	}
	os.Remove(f.Name())
	if _, err := io.Copy(f, ctxReader{ctx, r}); err != nil {
		f.Close()
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, &sign.InputError{Err: fmt.Errorf("buffering standard input: %w", err)}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ctxReader stops reading when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
