// Package batch is firma's signing engine for many files: it turns the
// files a person names into jobs (Plan), checks before any token is
// opened what can be checked without it (Check), and signs the jobs with
// one sign.Signer (Run). A command keeps its flags, its words and its
// rendering; another program gets the same plan and safety rules.
//
// Contract:
//   - Plan touches no file but to stat it: inputs exist and are regular
//     files, outputs are free (or Force), no two inputs share an output,
//     no output is an input or a signed document. A signed input (.p7m,
//     .p7s) is co-signed, or counter-signed with Counter, into a new file;
//     it is never changed.
//   - Check opens every input, tries every output folder, and verifies
//     the integrity of every signature a co- or counter-signature would
//     join (message digest and signature value, not trust).
//   - Run signs in order and stops at the first failure: outputs finished
//     before it stay, complete and on disk; nothing partial is left.
//     Finished outputs are flushed by a few committers while the next
//     file is signed.
//
// Errors are typed and carry data; they name no flag of any command.
package batch

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/firma-dev/firma/internal/atomicfile"
)

// Op is what a job does to its input.
type Op string

// The operations.
const (
	OpSign        Op = "sign"        // a new signature of a document
	OpCoSign      Op = "cosign"      // a parallel signature added to a .p7m/.p7s
	OpCounterSign Op = "countersign" // a counter-signature added to a .p7m/.p7s
)

// Stdio names standard input as an input, standard output as an output.
const Stdio = "-"

// Job is one file to sign.
type Job struct {
	Input  string // Stdio is standard input
	Output string // Stdio is standard output
	Size   int64  // -1 when unknown (standard input)
	Perm   fs.FileMode
	Op     Op
	// Content is the document of a detached signature being co-signed.
	Content string
	// Detached is set when the output is a detached signature: a new one,
	// or a co- or counter-signature of a detached file (Check reads the
	// file's own form).
	Detached bool
	// Skip is set for an existing output with SkipExisting.
	Skip bool
}

// Packaging is "detached" or "enveloping".
func (j Job) Packaging() string {
	if j.Detached {
		return "detached"
	}
	return "enveloping"
}

// PlanOptions say how inputs become jobs. Combinations that make no sense
// (Output with several inputs, Counter with Nest, ...) are the caller's
// to refuse: Plan assumes a consistent set.
type PlanOptions struct {
	Inputs []string
	// Output is the one input's output (Stdio: standard output);
	// OutputDir puts every output there, under the input's name.
	Output, OutputDir string
	// Detached makes new signatures detached (.p7s).
	Detached bool
	// Force replaces existing outputs; SkipExisting leaves their inputs
	// out instead.
	Force, SkipExisting bool
	// Counter counter-signs signed inputs; Nest signs them as documents.
	Counter, Nest bool
	// Content is the document of the one detached signature to co-sign;
	// empty: the signature's name without ".p7s".
	Content string
}

// InputError is an input that cannot be used.
type InputError struct {
	Path string
	// NotRegular is set for a directory, a device or a pipe.
	NotRegular bool
	Err        error
}

func (e *InputError) Error() string {
	switch {
	case e.NotRegular:
		return fmt.Sprintf("%s is not a regular file", e.Path)
	case errors.Is(e.Err, fs.ErrNotExist):
		return fmt.Sprintf("%s: no such file", e.Path)
	case errors.Is(e.Err, fs.ErrPermission):
		return fmt.Sprintf("%s: permission denied", e.Path)
	}
	var pe *fs.PathError
	if errors.As(e.Err, &pe) {
		return fmt.Sprintf("%s: %v", e.Path, pe.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}
func (e *InputError) Unwrap() error { return e.Err }

// DocumentError is a detached signature to co-sign whose document is
// missing or unusable.
type DocumentError struct {
	Signature, Document string
	// Given is set when the document was named (PlanOptions.Content).
	Given bool
	Err   error
}

func (e *DocumentError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("the document %s of %s is not a regular file", e.Document, e.Signature)
	}
	return fmt.Sprintf("%s is a detached signature; its document: %v", e.Signature, e.Err)
}
func (e *DocumentError) Unwrap() error { return e.Err }

// OutputDirError is an output folder that is missing, not a folder, or
// not writable.
type OutputDirError struct {
	Dir string
	Err error
}

func (e *OutputDirError) Error() string {
	return fmt.Sprintf("cannot write into the folder %s: %v", e.Dir, e.Err)
}
func (e *OutputDirError) Unwrap() error { return e.Err }

// ConflictError is a plan that cannot be carried out as asked.
type ConflictError struct {
	Problem Conflict
	// Input is the input concerned; Other the second input of
	// SharedOutput; Output the output concerned.
	Input, Other, Output string
}

// Conflict says what is wrong with a plan.
type Conflict int

const (
	// SignedNeedsOutput: a signed input is never changed, and no other
	// output was given for the copy that gets the new signature.
	SignedNeedsOutput Conflict = iota + 1
	// SharedOutput: two inputs would be signed into one output.
	SharedOutput
	// OutputIsInput: the output is the input itself.
	OutputIsInput
	// OutputIsDocument: the output is the document of the detached
	// signature being co-signed.
	OutputIsDocument
	// CounterNeedsSigned: a counter-signature of an input that is not a
	// signature.
	CounterNeedsSigned
	// DetachedCoSign: a co-signature keeps its file's form; a detached
	// signature of a signed file is a new envelope (Nest).
	DetachedCoSign
)

func (e *ConflictError) Error() string {
	switch e.Problem {
	case SignedNeedsOutput:
		return fmt.Sprintf("%s is already signed and is never changed: adding a signature writes a new file", e.Input)
	case SharedOutput:
		return fmt.Sprintf("%s and %s would both be signed into %s", e.Other, e.Input, e.Output)
	case OutputIsInput:
		return fmt.Sprintf("the output %s is the input itself", e.Output)
	case OutputIsDocument:
		return fmt.Sprintf("the output %s is the signed document itself", e.Output)
	case CounterNeedsSigned:
		return fmt.Sprintf("a counter-signature needs a signed file (.p7m or .p7s), not %s", e.Input)
	case DetachedCoSign:
		return fmt.Sprintf("%s is already signed: a co-signature keeps its form", e.Input)
	}
	return "conflicting plan"
}

// IsSigned reports whether a name says the file is a signature.
func IsSigned(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasSuffix(lower, ".p7m") || strings.HasSuffix(lower, ".p7s")
}

// Plan turns the inputs into jobs and checks them (see the package
// contract).
func Plan(o PlanOptions) ([]Job, error) {
	ext := ".p7m"
	if o.Detached {
		ext = ".p7s"
	}
	if o.OutputDir != "" {
		fi, err := os.Stat(o.OutputDir)
		if err != nil {
			return nil, &OutputDirError{Dir: o.OutputDir, Err: err}
		}
		if !fi.IsDir() {
			return nil, &OutputDirError{Dir: o.OutputDir, Err: errors.New("not a folder")}
		}
	}
	var jobs []Job
	byOutput := map[string]string{}
	for _, in := range o.Inputs {
		j := Job{Input: in, Size: -1, Perm: 0o644, Op: OpSign, Detached: o.Detached}
		if in == Stdio {
			j.Output = Stdio
		} else if err := planFile(&j, o, ext); err != nil {
			return nil, err
		}
		if o.Output != "" {
			j.Output = o.Output
		}
		if j.Output != Stdio {
			key := filepath.Clean(j.Output)
			if prev, dup := byOutput[key]; dup {
				return nil, &ConflictError{Problem: SharedOutput, Input: in, Other: prev, Output: j.Output}
			}
			byOutput[key] = in
			err := checkOutput(j, o.Force)
			if o.SkipExisting && errors.Is(err, fs.ErrExist) {
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

// planFile fills the job of an input file: size, permissions, operation,
// document and output name.
func planFile(j *Job, o PlanOptions, ext string) error {
	in := j.Input
	fi, err := os.Stat(in)
	if err != nil {
		return &InputError{Path: in, Err: err}
	}
	if !fi.Mode().IsRegular() {
		return &InputError{Path: in, NotRegular: true}
	}
	j.Size = fi.Size()
	// The signature is as private as the document.
	j.Perm = fi.Mode().Perm() & 0o666
	j.Output = in + ext
	if o.OutputDir != "" {
		j.Output = filepath.Join(o.OutputDir, filepath.Base(in)+ext)
	}
	signed := IsSigned(in)
	detachedSig := strings.HasSuffix(strings.ToLower(in), ".p7s")
	switch {
	case o.Counter && !signed:
		return &ConflictError{Problem: CounterNeedsSigned, Input: in}
	case o.Counter:
		j.Op, j.Detached = OpCounterSign, detachedSig
	case signed && !o.Nest:
		if o.Detached {
			return &ConflictError{Problem: DetachedCoSign, Input: in}
		}
		j.Op = OpCoSign
		if detachedSig {
			j.Detached = true
			name, size, err := detachedContent(in, o.Content)
			if err != nil {
				return err
			}
			j.Content, j.Size = name, size
		}
	}
	if j.Op != OpSign {
		// The same name, elsewhere: the signed file is never changed.
		j.Output = ""
		if o.OutputDir != "" {
			j.Output = filepath.Join(o.OutputDir, filepath.Base(in))
		}
		if o.Output == "" && j.Output == "" {
			return &ConflictError{Problem: SignedNeedsOutput, Input: in}
		}
	}
	return nil
}

// detachedContent finds the document of the detached signature sig: the
// file given, else sig's name without ".p7s".
func detachedContent(sig, given string) (string, int64, error) {
	name := given
	if name == "" {
		name = sig[:len(sig)-len(".p7s")]
	}
	fi, err := os.Stat(name)
	if err != nil {
		return "", 0, &DocumentError{Signature: sig, Document: name, Given: given != "", Err: err}
	}
	if !fi.Mode().IsRegular() {
		return "", 0, &DocumentError{Signature: sig, Document: name, Given: given != ""}
	}
	return name, fi.Size(), nil
}

// checkOutput refuses an output that exists (without force) or that is
// the input itself (even with force: the input is never touched).
func checkOutput(j Job, force bool) error {
	ofi, err := os.Stat(j.Output)
	if err == nil && j.Input != Stdio {
		if ifi, err := os.Stat(j.Input); err == nil && os.SameFile(ifi, ofi) {
			return &ConflictError{Problem: OutputIsInput, Input: j.Input, Output: j.Output}
		}
	}
	if err == nil && j.Content != "" {
		if cfi, err := os.Stat(j.Content); err == nil && os.SameFile(cfi, ofi) {
			return &ConflictError{Problem: OutputIsDocument, Input: j.Input, Output: j.Output}
		}
	}
	if force {
		return nil
	}
	return atomicfile.CheckFree(j.Output)
}
