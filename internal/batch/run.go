package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/ctxio"
	"github.com/firma-dev/firma/sign"
)

// Status is where a job ended.
type Status string

// The statuses.
const (
	Signed    Status = "signed"
	Failed    Status = "failed"     // the job the batch stopped at
	NotSigned Status = "not_signed" // not attempted after a failure
	Skipped   Status = "skipped"    // its output existed (SkipExisting)
)

// Outcome is one job's end.
type Outcome struct {
	Status Status
	Result sign.Result
	Err    error
}

// RunOptions steer Run.
type RunOptions struct {
	// Stdin and Stdout stand for Stdio as an input and an output.
	Stdin  io.Reader
	Stdout io.Writer
	// Force replaces existing outputs.
	Force bool
	// Signer is the signature a counter-signature signs (from 1; 0 when
	// the file has one).
	Signer int
}

// committers is how many finished outputs are flushed to disk at once.
// Flushing (fsync) is most of the cost of a small file; overlapping the
// flushes with the next signatures, and with each other (the filesystem
// groups them into one journal commit), makes a batch several times
// faster without weakening any output: each one still appears only once
// it is complete and on disk.
const committers = 4

// Run signs the jobs in order and stops at the first failure (a signature
// or a commit). It returns one Outcome per job and the index of the first
// failure in job order (-1 when none). Outputs committed before the
// failure stay; nothing partial is left.
func Run(ctx context.Context, s *sign.Signer, jobs []Job, o RunOptions) ([]Outcome, int) {
	out := make([]Outcome, len(jobs))
	for i, j := range jobs {
		out[i].Status = NotSigned
		if j.Skip {
			out[i].Status = Skipped
		}
	}
	var (
		mu       sync.Mutex
		failedAt = -1
	)
	fail := func(i int, err error) {
		out[i].Status, out[i].Err = Failed, err
		if failedAt < 0 || i < failedAt {
			failedAt = i
		}
	}
	done := func(i int, res sign.Result) {
		out[i].Status, out[i].Result = Signed, res
	}
	type pending struct {
		i   int
		f   *atomicfile.File
		res sign.Result
	}
	queue := make(chan pending, committers)
	var wg sync.WaitGroup
	for range committers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range queue {
				err := p.f.Commit()
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
		res, f, err := signOne(ctx, s, j, o)
		if err != nil {
			mu.Lock()
			fail(i, err)
			mu.Unlock()
			break
		}
		if f == nil {
			mu.Lock()
			done(i, res)
			mu.Unlock()
			continue
		}
		queue <- pending{i, f, res}
	}
	close(queue)
	wg.Wait()
	return out, failedAt
}

// signOne signs one job into a complete but uncommitted output (nil for
// standard output): the caller commits it. On error nothing is left.
func signOne(ctx context.Context, s *sign.Signer, j Job, o RunOptions) (sign.Result, *atomicfile.File, error) {
	var in io.ReadSeeker
	if j.Input == Stdio {
		switch {
		case j.Detached:
		case j.Output != Stdio:
			// An enveloping signature into a file reads its content
			// once (see sign.Attached): a pipe needs no spooling.
			in = stdinSeeker(o.Stdin)
		default:
			// Into standard output it reads the content twice: spool
			// standard input to an unlinked temporary file (constant
			// memory, nothing left behind even on a crash).
			spool, err := spoolStdin(ctx, o.Stdin)
			if err != nil {
				return sign.Result{}, nil, err
			}
			defer spool.Close()
			in = spool
		}
	} else {
		f, err := os.Open(j.Input)
		if err != nil {
			return sign.Result{}, nil, &sign.InputError{Err: err}
		}
		defer f.Close()
		in = f
	}
	content := o.Stdin
	if in != nil {
		content = in
	}

	// Standard output is written in order, never rewritten in place: it
	// may be a pipe, or a file opened for appending, where a rewrite
	// would land at the end. Hiding its other methods keeps the signers
	// on their sequential way.
	w := io.Writer(struct{ io.Writer }{o.Stdout})
	var out *atomicfile.File
	if j.Output != Stdio {
		var err error
		out, err = atomicfile.Create(j.Output, atomicfile.Options{Force: o.Force, Perm: j.Perm})
		if err != nil {
			return sign.Result{}, nil, err
		}
		w = out
	}
	var res sign.Result
	var err error
	open := func() (io.ReadCloser, error) { return os.Open(j.Input) }
	switch {
	case j.Op == OpCoSign && j.Content != "":
		doc, derr := os.Open(j.Content)
		if derr != nil {
			err = &sign.InputError{Err: derr}
			break
		}
		res, err = s.CoSignDetached(ctx, open, doc, w)
		doc.Close()
	case j.Op == OpCoSign:
		res, err = s.CoSign(ctx, open, w)
	case j.Op == OpCounterSign:
		res, err = s.CounterSign(ctx, open, o.Signer, w)
	case j.Detached:
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

// stdinSeeker gives Attached standard input as it expects it: a pipe's
// Seek fails, which tells Attached that the size is unknown; a reader
// without Seek gets one that fails the same way.
func stdinSeeker(r io.Reader) io.ReadSeeker {
	if rs, ok := r.(io.ReadSeeker); ok {
		return rs
	}
	return noSeek{r}
}

type noSeek struct{ io.Reader }

func (noSeek) Seek(int64, int) (int64, error) { return 0, errors.New("standard input cannot seek") }

// spoolStdin copies r to an anonymous temporary file and rewinds it.
func spoolStdin(ctx context.Context, r io.Reader) (*os.File, error) {
	f, err := os.CreateTemp("", "firma-stdin-*")
	if err != nil {
		return nil, fmt.Errorf("buffering standard input: %w", err)
	}
	os.Remove(f.Name())
	if _, err := io.Copy(f, ctxio.NewReader(ctx, r)); err != nil {
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
