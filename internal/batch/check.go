package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/firma-dev/firma/internal/ctxio"
	"github.com/firma-dev/firma/sign"
	"github.com/firma-dev/firma/verify"
)

// BrokenSignatureError refuses to add a signature to a file whose existing
// signatures do not hold: the new signer would join, in one file, signers
// who signed something else (a changed content, forged attributes).
type BrokenSignatureError struct {
	File string
	// Signature is the existing signature's id (S1, S1.C1), empty when the
	// file itself is damaged; Layer its envelope from the outside (0 for
	// the outermost).
	Signature string
	Layer     int
	Sub       verify.SubIndication
	Reason    verify.Message
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

// CheckOptions steer Check.
type CheckOptions struct {
	// Now is the clock the existing signatures are checked with (nil:
	// time.Now).
	Now func() time.Time
	// Signer is the signature a counter-signature signs (from 1; 0 when
	// the file must have one).
	Signer int
}

// Check checks, before any token is opened, what can be checked without
// it: every input can be read, every output folder can be written, and
// every file to co-sign or counter-sign has intact signatures (message
// digest and signature value; trust is not asked: a colleague's
// certificate may be unknown here) and the signature Signer names. It
// also sets the Detached of co- and counter-signature jobs from the
// file's bytes.
func Check(ctx context.Context, jobs []Job, o CheckOptions) error {
	dirs := map[string]bool{}
	for i := range jobs {
		j := &jobs[i]
		if j.Skip {
			continue
		}
		for _, in := range []string{j.Input, j.Content} {
			if in == "" || in == Stdio {
				continue
			}
			f, err := os.Open(in)
			if err != nil {
				return &InputError{Path: in, Err: err}
			}
			f.Close()
		}
		if j.Output != Stdio {
			dir := filepath.Dir(j.Output)
			if !dirs[dir] {
				dirs[dir] = true
				if err := checkWritableDir(dir); err != nil {
					return err
				}
			}
		}
		if j.Op == OpCoSign || j.Op == OpCounterSign {
			if err := checkSigned(ctx, j, o); err != nil {
				return err
			}
		}
	}
	return nil
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
// is added to it, and the choice of the signature to counter-sign.
func checkSigned(ctx context.Context, j *Job, o CheckOptions) error {
	f, err := os.Open(j.Input)
	if err != nil {
		return &InputError{Path: j.Input, Err: err}
	}
	defer f.Close()
	vo := verify.Options{Name: j.Input, Now: o.Now}
	if j.Content != "" {
		c, err := os.Open(j.Content)
		if err != nil {
			return &InputError{Path: j.Content, Err: err}
		}
		defer c.Close()
		vo.Content = ctxio.NewReader(ctx, c)
	}
	rep, err := verify.Verify(ctx, ctxio.NewReader(ctx, f), vo)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		return &sign.NotSignedError{Err: err}
	}
	for depth, l := range rep.Layers {
		if !l.Error.IsZero() {
			return &BrokenSignatureError{File: j.Input, Layer: depth, Sub: verify.FormatFailure, Reason: l.Error}
		}
		for n, top := range l.Signatures {
			for _, s := range append([]*verify.Signature{top}, descendants(top)...) {
				for _, c := range s.Checks {
					switch c.SubIndication {
					case verify.FormatFailure, verify.HashFailure, verify.SigCryptoFailure:
					default:
						continue
					}
					if j.Content != "" && depth == 0 && s == top && c.Name == "message_digest" && c.SubIndication == verify.HashFailure {
						return &sign.ContentMismatchError{Signer: n + 1}
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
	if j.Op == OpCounterSign {
		n := len(rep.Layers[0].Signatures)
		if (o.Signer == 0 && n > 1) || o.Signer > n {
			return &sign.SignerIndexError{Index: o.Signer, Count: n}
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
