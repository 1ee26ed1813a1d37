package sign

// Enveloping signatures in one pass. The output is DER, so every length
// in the header, before the content, must be known before it is written;
// the content's is (from the file's size), the SignerInfo's is not: it
// holds a signature not made yet (an ECDSA value's DER length varies by a
// few bytes) and, with a Timestamper, a token not fetched yet. So the
// header is written from an estimate, the content streamed after it while
// it is hashed, the SignerInfo made and appended, and the header fixed in
// place (WriteAt) when the estimate was wrong. The estimate changes the
// header's bytes but almost never its length: a DER length takes one more
// octet only when it crosses 128, 256, 64 KiB, 16 MiB, 4 GiB..., and then
// the content is moved in the output file by the difference (read back
// from the output, never from the input), which a rare file pays once.
// Padding the header instead is not an option: DER lengths are minimal.
//
// An output that cannot be rewritten (a pipe, standard output) gets the
// two-pass way: hash, sign, then copy the content after a header computed
// from the real lengths, hashing it again.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/firma-dev/firma/internal/cms"
)

// OutputFile is an output that an enveloping signature can be written to
// in one pass: the content is read once, and the header, whose lengths
// depend on a signature made after the content, is fixed in place. A
// regular file (*os.File, not opened for appending) and firma's atomic
// output file satisfy it; the signature starts at its current offset.
type OutputFile interface {
	io.Writer
	io.WriterAt
	io.ReaderAt
	io.Seeker
}

// guessStreamSize is the content length assumed for the header of a
// stream whose size is unknown (a pipe) and longer than the first chunk:
// lengths of four octets, right from 16 MiB to 4 GiB. Shorter or longer
// streams move the content by a few bytes at the end.
const guessStreamSize = 1 << 24

// guessTimestampLen is the size assumed for a timestamp attribute before
// the first one is known; later ones are assumed as long as the last.
const guessTimestampLen = 4096

// envelope is an enveloping signature being written to an OutputFile: a
// header from an estimate, then the content, then (finish) the trailer,
// with the header fixed in place.
type envelope struct {
	f      OutputFile
	start  int64  // offset of the signature in f
	header []byte // as written
	begun  bool
	n      int64 // content bytes written after the header
}

func newEnvelope(f OutputFile) (*envelope, error) {
	start, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("writing signature: %w", err)
	}
	return &envelope{f: f, start: start}, nil
}

// begin writes the estimated header.
func (e *envelope) begin(header []byte) error {
	e.header, e.begun = header, true
	if _, err := e.f.Write(header); err != nil {
		return fmt.Errorf("writing signature: %w", err)
	}
	return nil
}

// Write writes content after the header.
func (e *envelope) Write(p []byte) (int, error) {
	n, err := e.f.Write(p)
	e.n += int64(n)
	return n, err
}

// testHookMoved is called with the difference when finish moves the
// content (tests).
var testHookMoved func(delta int64)

// finish writes the trailer after the content and the final header over
// the estimated one, moving the content when their lengths differ, and
// returns the signature's size. It reads the header back: an output that
// did not take the rewrite (a file opened for appending, where every
// write lands at the end) is an error, not a wrong signature.
func (e *envelope) finish(header, trailer []byte) (int64, error) {
	if !e.begun {
		return 0, errors.New("writing signature: no header written")
	}
	total := int64(len(header)) + e.n + int64(len(trailer))
	old := int64(len(e.header))
	delta := int64(len(header)) - old
	if delta == 0 {
		if _, err := e.f.Write(trailer); err != nil {
			return 0, fmt.Errorf("writing signature: %w", err)
		}
	} else {
		if old+e.n > total {
			// The trailer (a certificate at least) is always longer than
			// the few octets a header can shrink by.
			return 0, fmt.Errorf("writing signature: header shrinks by %d bytes, trailer is %d", -delta, len(trailer))
		}
		if testHookMoved != nil {
			testHookMoved(delta)
		}
		if err := moveRange(e.f, e.start+old, e.start+old+delta, e.n); err != nil {
			return 0, fmt.Errorf("writing signature: %w", err)
		}
		if _, err := e.f.WriteAt(trailer, e.start+int64(len(header))+e.n); err != nil {
			return 0, fmt.Errorf("writing signature: %w", err)
		}
		if _, err := e.f.Seek(e.start+total, io.SeekStart); err != nil {
			return 0, fmt.Errorf("writing signature: %w", err)
		}
	}
	if delta == 0 && bytes.Equal(header, e.header) {
		return total, nil
	}
	if _, err := e.f.WriteAt(header, e.start); err != nil {
		return 0, fmt.Errorf("writing signature: %w", err)
	}
	back := make([]byte, len(header))
	if _, err := e.f.ReadAt(back, e.start); err != nil || !bytes.Equal(back, header) {
		return 0, fmt.Errorf("writing signature: the output did not take the header's rewrite in place (opened for appending?)")
	}
	return total, nil
}

// moveRange moves n bytes of f from offset from to offset to, in place:
// from the end when they move forward, so that nothing is overwritten
// before it is read.
func moveRange(f OutputFile, from, to, n int64) error {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for done := int64(0); done < n; {
		k := min(int64(len(buf)), n-done)
		off := done // forward: from the start
		if to > from {
			off = n - done - k
		}
		if _, err := f.ReadAt(buf[:k], from+off); err != nil {
			return fmt.Errorf("reading back the content: %w", err)
		}
		if _, err := f.WriteAt(buf[:k], to+off); err != nil {
			return err
		}
		done += k
	}
	return nil
}

// estimateHeader is the header of an enveloping signature of contentLen
// bytes as b will be once the SignerInfo this Signer is about to make is
// added, estimated from a SignerInfo with the same attributes and a
// placeholder signature of the usual length. extra counts what else the
// trailer will hold that b does not yet.
func (s *Signer) estimateHeader(b *cms.SignedDataBuilder, contentLen, extra int64) ([]byte, error) {
	si, err := s.placeholderSignerInfo()
	if err != nil {
		return nil, err
	}
	if s.opts.Timestamper != nil {
		extra += s.timestampLen()
	}
	b.SignerInfos = append(b.SignerInfos, si)
	return b.EncodeAttachedHeader(contentLen, extra)
}

// placeholderSignerInfo is a SignerInfo as long as the one signerInfo
// will most likely make (without its unsigned attributes).
func (s *Signer) placeholderSignerInfo() ([]byte, error) {
	attrs, err := cms.EncodeSignedAttrs(cms.SignedAttrValues{
		ContentType:   cms.OIDData,
		MessageDigest: make([]byte, s.opts.Hash.Size()),
		SigningTime:   s.opts.Now().UTC().Truncate(time.Second),
		SignerCert:    s.cert,
	})
	if err != nil {
		return nil, err
	}
	return cms.EncodeSignerInfo(cms.SignerInfoFields{
		Cert:               s.cert,
		DigestAlgorithm:    s.digAlg,
		SignatureAlgorithm: s.sigAlg,
		SignedAttrs:        attrs,
		Signature:          make([]byte, s.signatureLen()),
	})
}

// signatureLen is the usual length of a signature value: an RSA one is as
// long as the modulus; an ECDSA one is a DER SEQUENCE of two INTEGERs,
// each as long as the curve's order plus a leading zero half of the time
// (the most likely total: one of the two has it).
func (s *Signer) signatureLen() int {
	switch pub := s.cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return pub.Size()
	case *ecdsa.PublicKey:
		size := (pub.Curve.Params().BitSize + 7) / 8
		body := 2*(2+size) + 1
		if body >= 128 {
			return body + 3
		}
		return body + 2
	}
	return 256
}

// timestampLen is the expected size of the unsigned attributes a
// Timestamper adds: the last one's, or a guess before the first.
func (s *Signer) timestampLen() int64 {
	if n := s.lastUnsigned.Load(); n > 0 {
		return n
	}
	return guessTimestampLen
}

// attachedOnce is Attached in one pass: content is read once, from its
// current position, hashed while it is written after the header. size is
// its length (-1 when unknown: a pipe); src, when it can be stat'ed,
// tells whether the file changed while it was read.
func (s *Signer) attachedOnce(ctx context.Context, content io.Reader, size int64, src any, out OutputFile) (Result, error) {
	before, statable, err := statOf(src)
	if err != nil {
		return Result{}, &InputError{Err: err}
	}
	env, err := newEnvelope(out)
	if err != nil {
		return Result{}, err
	}
	r := content
	if size >= 0 {
		// One byte more than the size: a file that grew is caught.
		r = io.LimitReader(content, size+1)
	}
	n, digest, err := s.copyHashing(ctx, r, env, 2, func(first int64, eof bool) error {
		est := size
		switch {
		case est >= 0:
		case eof:
			est = first
		default:
			est = max(first, guessStreamSize)
		}
		h, err := s.estimateHeader(s.signedData(), est, 0)
		if err != nil {
			return err
		}
		return env.begin(h)
	})
	if err != nil {
		return Result{Size: n}, err
	}
	if size >= 0 && n != size {
		return Result{Size: n}, &ContentChangedError{}
	}
	if statable {
		if changed, err := changedSince(src, before); err != nil {
			return Result{Size: n}, &InputError{Err: err}
		} else if changed {
			return Result{Size: n}, &ContentChangedError{}
		}
	}
	si, res, err := s.signerInfo(ctx, digest, cms.OIDData)
	res.Size = n
	if err != nil {
		return res, err
	}
	header, trailer, err := s.signedData(si).EncodeAttached(n)
	if err != nil {
		return res, err
	}
	res.Written, err = env.finish(header, trailer)
	return res, err
}

// fileState is what tells a file that changed: its size, modification
// time and (where the system has one) change time, which no program can
// set back.
type fileState struct {
	size   int64
	mod    time.Time
	change int64
}

type statter interface{ Stat() (fs.FileInfo, error) }

// statOf returns the state of src when it is a file (anything with Stat).
func statOf(src any) (fileState, bool, error) {
	st, ok := src.(statter)
	if !ok {
		return fileState{}, false, nil
	}
	fi, err := st.Stat()
	if err != nil {
		return fileState{}, false, err
	}
	if !fi.Mode().IsRegular() {
		return fileState{}, false, nil
	}
	return fileState{size: fi.Size(), mod: fi.ModTime(), change: changeTime(fi)}, true, nil
}

// changedSince reports whether src's state differs from before. A change
// made within the same tick of the file system's clock as the previous
// one is not seen here; the length checks still are.
func changedSince(src any, before fileState) (bool, error) {
	after, _, err := statOf(src)
	if err != nil {
		return false, err
	}
	return after != before, nil
}
