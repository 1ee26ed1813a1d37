package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/firma-dev/firma/sign"
	"github.com/firma-dev/firma/verify"
)

// BrokenSignatureError refuses to add a signature to a file whose existing
// signatures do not hold: the new signer would join, in one file, signers
// who signed something else (a changed content, forged attributes).
type BrokenSignatureError struct {
	File string
	// Signature is the existing signature's id (S1, S1.C1), Layer its
	// envelope from the outside (0 for the outermost).
	Signature string
	Layer     int
	Sub       verify.SubIndication
	Reason    string
}

func (e *BrokenSignatureError) Error() string {
	where := "signature " + e.Signature
	if e.Signature == "" {
		where = "the file"
	}
	if e.Layer > 0 {
		where += fmt.Sprintf(" of envelope %d", e.Layer+1)
	}
	return fmt.Sprintf("%s: %s does not hold (%s: %s): no signature was added", e.File, where, e.Sub, e.Reason)
}

// Hint tells what to do with such a file.
func (e *BrokenSignatureError) Hint() string {
	return "check the file with 'firma verify'; to sign it as it is, as a document in a new envelope, use --nest"
}

// checkJobs checks, before the token is opened and the PIN asked, what
// can be checked without it: every input can be read, every output folder
// can be written, and every file to co-sign or counter-sign has intact
// signatures (message digest and signature value; trust is not asked: a
// colleague's certificate may be unknown here) and the signature chosen
// with --signer. So a typo, a broken file or a read-only folder never
// costs a PIN entry, and a batch never stops half-way for one of them.
func checkJobs(ctx context.Context, io *IO, opts *signOptions, jobs []signJob) error {
	dirs := map[string]bool{}
	for i := range jobs {
		j := &jobs[i]
		if j.Skip {
			continue
		}
		for _, in := range []string{j.Input, j.Content} {
			if in == "" || in == "-" {
				continue
			}
			f, err := os.Open(in)
			if err != nil {
				return &sign.InputError{Err: err}
			}
			f.Close()
		}
		if j.Output != "-" {
			dir := filepath.Dir(j.Output)
			if !dirs[dir] {
				dirs[dir] = true
				if err := checkWritableDir(dir); err != nil {
					return err
				}
			}
		}
		if j.Op == opCoSign || j.Op == opCounterSign {
			if err := checkSigned(ctx, io, opts, j); err != nil {
				return err
			}
		}
	}
	return nil
}

// OutputDirError reports an output folder firma cannot write into.
type OutputDirError struct {
	Dir string
	Err error
}

func (e *OutputDirError) Error() string {
	return fmt.Sprintf("cannot write into the folder %s: %v", e.Dir, e.Err)
}
func (e *OutputDirError) Unwrap() error { return e.Err }

// Hint tells what to do.
func (e *OutputDirError) Hint() string {
	return "choose a folder you can write into with --output-dir, or fix the folder's permissions"
}

// checkWritableDir tries what writing an output will do: create a file
// in dir. An unnamed temporary file (O_TMPFILE) leaves nothing behind even
// on a crash; where the filesystem cannot make one, the permission check
// of access(2) stands in.
func checkWritableDir(dir string) error {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err == nil {
		unix.Close(fd)
		return nil
	}
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) || errors.Is(err, unix.EINVAL) {
		if err = unix.Access(dir, unix.W_OK|unix.X_OK); err == nil {
			return nil
		}
	}
	return &OutputDirError{Dir: dir, Err: err}
}

// checkSigned verifies the integrity of a signed file before a signature
// is added to it, and the --signer choice of a counter-signature.
func checkSigned(ctx context.Context, ios *IO, opts *signOptions, j *signJob) error {
	f, err := os.Open(j.Input)
	if err != nil {
		return &sign.InputError{Err: err}
	}
	defer f.Close()
	vo := verify.Options{Name: j.Input, Now: ios.Now()}
	if j.Content != "" {
		c, err := os.Open(j.Content)
		if err != nil {
			return &sign.InputError{Err: err}
		}
		defer c.Close()
		vo.Content = ctxReader{ctx: ctx, r: c}
	}
	rep, err := verify.Verify(ctx, ctxReader{ctx: ctx, r: f}, vo)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &sign.NotSignedError{Err: err}
	}
	for depth, l := range rep.Layers {
		if l.Error != "" {
			return &BrokenSignatureError{File: j.Input, Layer: depth, Sub: verify.FormatFailure, Reason: l.Error}
		}
		for _, top := range l.Signatures {
			for _, s := range append([]*verify.Signature{top}, descendants(top)...) {
				for _, c := range s.Checks {
					switch c.SubIndication {
					case verify.FormatFailure, verify.HashFailure, verify.SigCryptoFailure:
					default:
						continue
					}
					if j.Content != "" && depth == 0 && c.Name == "message_digest" && c.SubIndication == verify.HashFailure {
						return &sign.ContentMismatchError{Signer: indexOf(l.Signatures, top) + 1}
					}
					return &BrokenSignatureError{File: j.Input, Signature: s.ID, Layer: depth, Sub: c.SubIndication, Reason: c.Detail}
				}
			}
		}
	}
	if len(rep.Layers) == 0 || len(rep.Layers[0].Signatures) == 0 {
		return &sign.NotSignedError{Err: errors.New("the file holds no signature")}
	}
	// The file's own form, whatever its name says.
	j.Detached = rep.Layers[0].Detached
	if j.Op == opCounterSign {
		n := len(rep.Layers[0].Signatures)
		if (opts.Signer == 0 && n > 1) || opts.Signer > n {
			return &sign.SignerIndexError{Index: opts.Signer, Count: n}
		}
	}
	return nil
}

// descendants lists the counter-signatures under s, at any depth.
func descendants(s *verify.Signature) []*verify.Signature {
	var out []*verify.Signature
	for _, c := range s.CounterSignatures {
		out = append(out, c)
		out = append(out, descendants(c)...)
	}
	return out
}

func indexOf(list []*verify.Signature, s *verify.Signature) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
