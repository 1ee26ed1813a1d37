package main

import (
	"crypto/x509"
	"encoding/hex"
	"io"
	"strings"
	"time"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/batch"
)

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

// record fills the result of a job from its outcome.
func (fr *signFileResult) record(o batch.Outcome) {
	fr.Status = string(o.Status)
	if o.Err != nil {
		fr.Error = o.Err.Error()
	}
	if o.Status != batch.Signed {
		return
	}
	res := o.Result
	fr.Size = res.Size
	fr.Digest = hex.EncodeToString(res.Digest)
	t := res.SigningTime
	fr.SigningTime = &t
	if !res.TimestampTime.IsZero() {
		ts := res.TimestampTime.UTC()
		fr.TimestampTime = &ts
	}
}

// signReport is the --json output of firma sign.
type signReport struct {
	Signer          signerSummary    `json:"signer"`
	Packaging       string           `json:"packaging"`
	DigestAlgorithm string           `json:"digest_algorithm"`
	Files           []signFileResult `json:"files"`
	fileCounts
	// TSA is the timestamp authority's URL, with --tsa.
	TSA string `json:"tsa,omitempty"`
}

// fileCounts are the totals of a signing run's --json output, by status.
type fileCounts struct {
	Signed    int `json:"signed"`
	Failed    int `json:"failed"`
	NotSigned int `json:"not_signed"`
	Skipped   int `json:"skipped"`
}

// count adds one file of status to the totals.
func (c *fileCounts) count(status string) {
	switch status {
	case string(batch.Signed):
		c.Signed++
	case string(batch.Failed):
		c.Failed++
	case string(batch.Skipped):
		c.Skipped++
	default:
		c.NotSigned++
	}
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
		return sprintf("signing standard input: %v", e.Err)
	}
	return sprintf("signing %s: %v", e.File, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }

// Hint completes the failure's own hint with how to finish the batch.
func (e *BatchError) Hint() string {
	h := hintOf(e.Err)
	if e.Signed > 0 && e.NotSigned > 0 {
		if h != "" {
			h += "\n"
		}
		h += tr("to sign the remaining files, run the same command again with --skip-existing")
	}
	return h
}

// printSignReport prints the stable plain-text result.
func printSignReport(w io.Writer, r *signReport) {
	for _, f := range r.Files {
		if f.Status == "signed" {
			stamp := ""
			if f.TimestampTime != nil {
				stamp = sprintf(" (timestamp %s)", dateTime(*f.TimestampTime))
			}
			switch batch.Op(f.Operation) {
			case batch.OpCoSign:
				printf(w, "co-signed %s -> %s%s\n", f.Input, f.Output, stamp)
			case batch.OpCounterSign:
				printf(w, "counter-signed %s -> %s%s\n", f.Input, f.Output, stamp)
			default:
				printf(w, "signed %s -> %s%s\n", f.Input, f.Output, stamp)
			}
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
	printf(w, "%d of %d files signed by %s (%s, %s)\n", r.Signed, len(r.Files), r.Signer.Name, r.DigestAlgorithm, packagingWord(r.Packaging))
}

// packagingWord is the packaging in the user's words (--json keeps the
// enum value).
func packagingWord(p string) string {
	switch p {
	case "enveloping":
		return tr("enveloping")
	case "detached":
		return tr("detached")
	case "mixed":
		return tr("mixed")
	}
	return p
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
