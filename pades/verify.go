package pades

// Verification of signed PDFs, in the order of a careful verifier (EU
// DSS's AbstractPDFSignatureService and its modification detection):
// revisions, signature fields, /ByteRange shape and gap, the signature
// dictionary in the signed revision, the CMS through firma's CAdES
// checks (package verify), document timestamps, and the changes made
// after each signature. The PDF checks use verify's indications: a
// /ByteRange, dictionary or page-count problem is TOTAL_FAILED/
// FORMAT_FAILURE (DSS's default policy FAILs them); DocMDP violations and
// undefined changes are warnings, as in DSS.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/pdf"
	"github.com/firma-dev/firma/verify"
)

// VerifyOptions tune Verify: the verify.Options of every CMS (trust,
// time, revocation, name), and the password of an encrypted file.
type VerifyOptions struct {
	verify.Options
	Password []byte
}

// maxSignatures bounds the signatures checked in one file.
const maxSignatures = 256

// sigField is one signature found in the final revision.
type sigField struct {
	name string
	dict pdf.Dict
	ref  pdf.Ref // the signature dictionary's object, when indirect
	isRf bool
	err  error // the dictionary could not be read
}

// Verify checks every signature of the PDF in (size bytes). It returns
// an error when the file is not a PDF or its final revision cannot be
// read at all; a signed PDF with broken signatures gives a Report.
func Verify(ctx context.Context, in io.ReaderAt, size int64, opts VerifyOptions) (*verify.Report, error) {
	revs, err := pdf.Revisions(in, size)
	if err != nil {
		return nil, err
	}
	r, err := pdf.Open(in, size, pdf.Options{Password: opts.Password})
	if err != nil {
		return nil, err
	}
	fields, err := signatureFields(r)
	if err != nil {
		return nil, &MalformedError{Err: err}
	}
	rep := verify.NewReport(opts.Options, "pdf")
	rep.PDF = &verify.PDFInfo{Size: size, Revisions: len(revs), Version: r.Version, Encrypted: r.Encrypted()}
	layer := &verify.Layer{Type: "pdf", Form: "pdf", Detached: true, ContentLength: size}
	rep.Layers = []*verify.Layer{layer}
	if len(fields) > maxSignatures {
		fields = fields[:maxSignatures]
	}
	v := &pdfVerifier{ctx: ctx, in: in, size: size, revs: revs, final: r, opts: opts}
	type done struct {
		sig *verify.Signature
		ts  *verify.Timestamp
		end int64
	}
	var all []done
	for _, f := range fields {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s, ts := v.check(f)
		if s.PDF.Revision > 0 {
			v.changesAfter(s, f)
		}
		all = append(all, done{s, ts, s.PDF.ByteRange[2] + s.PDF.ByteRange[3]})
	}
	// Oldest first: S1 is the first signature made.
	sort.SliceStable(all, func(i, j int) bool { return all[i].end < all[j].end })
	n := 0
	for _, d := range all {
		n++
		d.sig.ID = fmt.Sprintf("S%d", n)
		if d.ts != nil {
			rep.Timestamps = append(rep.Timestamps, d.ts)
		}
		layer.Signatures = append(layer.Signatures, d.sig)
	}
	v.docMDP(layer.Signatures)
	coveredByDocTimestamps(layer.Signatures)
	rep.Finish()
	return rep, nil
}

type pdfVerifier struct {
	ctx   context.Context
	in    io.ReaderAt
	size  int64
	revs  []int64
	final *pdf.Reader
	opts  VerifyOptions
}

// signatureFields lists the final revision's fields whose /V is a
// signature or document timestamp dictionary; empty fields are not
// signatures.
func signatureFields(r *pdf.Reader) ([]sigField, error) {
	cat, err := r.Catalog()
	if err != nil {
		return nil, err
	}
	var out []sigField
	err = walkFields(r, cat, func(d pdf.Dict, name string, _ bool, ft pdf.Name) error {
		if ft != "Sig" {
			return nil
		}
		sf := sigField{name: name}
		sf.ref, sf.isRf = d["V"].(pdf.Ref)
		sd, err := r.ResolveDict(d["V"])
		if err != nil {
			sf.err = err
			out = append(out, sf)
			return nil
		}
		if sd == nil {
			return nil // an empty signature field
		}
		sf.dict = sd
		out = append(out, sf)
		if len(out) > maxSignatures {
			return errStopWalk
		}
		return nil
	})
	return out, err
}

// revisionAt is the number (from 1) of the revision ending at end: end
// follows a %%EOF, possibly with white space. 0 when end is no revision
// boundary.
func (v *pdfVerifier) revisionAt(end int64) int {
	if end <= 0 || end > v.size {
		return 0
	}
	n := int64(64)
	if end < n {
		n = end
	}
	b := make([]byte, n)
	if k, _ := v.in.ReadAt(b, end-n); int64(k) < n {
		return 0
	}
	if !bytes.HasSuffix(bytes.TrimRight(b, " \t\r\n\f\x00"), []byte("%%EOF")) {
		return 0
	}
	rev := 0
	for _, e := range v.revs {
		if e <= end {
			rev++
		}
	}
	return rev
}

func (v *pdfVerifier) byteRangeReader(br [4]int64) io.Reader {
	return io.MultiReader(io.NewSectionReader(v.in, br[0], br[1]), io.NewSectionReader(v.in, br[2], br[3]))
}

// check verifies one signature field.
func (v *pdfVerifier) check(f sigField) (*verify.Signature, *verify.Timestamp) {
	d := f.dict
	sub := d.Name("SubFilter")
	info := &verify.PDFSignature{Field: f.name, SubFilter: string(sub), Type: "signature"}
	if d.Name("Type") == "DocTimeStamp" || sub == "ETSI.RFC3161" {
		info.Type = "document_timestamp"
	}
	fail := func(s *verify.Signature, sub verify.SubIndication, detail verify.Message) (*verify.Signature, *verify.Timestamp) {
		s.AddCheck("pdf_structure", sub, detail)
		return s, nil
	}
	s := &verify.Signature{Indication: verify.TotalPassed, PDF: info, Profile: "PAdES"}
	if f.err != nil {
		return fail(s, verify.FormatFailure, verify.Messagef("the signature dictionary cannot be read: %s", f.err))
	}
	// /ByteRange: four integers, [0 b c d], 0 < b < c, c+d inside the file.
	arr, _ := d["ByteRange"].(pdf.Array)
	var br [4]int64
	okShape := len(arr) == 4
	for i := 0; okShape && i < 4; i++ {
		x, ok := arr[i].(int64)
		okShape = ok && x >= 0
		br[i] = x
	}
	info.ByteRange = br
	if !okShape || br[0] != 0 || br[1] <= 0 || br[2] <= br[1] || br[3] < 0 || br[2]+br[3] > v.size {
		return fail(s, verify.FormatFailure, verify.Messagef("the /ByteRange %s is malformed or reaches outside the file", fmt.Sprint(arr)))
	}
	info.Covered = br[1] + br[3]
	end := br[2] + br[3]
	info.WholeFile = end == v.size || v.onlyWhitespaceAfter(end)
	cs, ok := d["Contents"].(pdf.String)
	if !ok || !cs.Hex {
		return fail(s, verify.FormatFailure, verify.Messagef("the signature has no hexadecimal /Contents"))
	}
	rev := v.revisionAt(end)
	info.Revision = rev
	if rev == 0 {
		return fail(s, verify.FormatFailure, verify.Messagef("the signed bytes end at %d, not at the end of a revision (%%%%EOF)", end))
	}
	// The dictionary in the signed revision must be the one in the final
	// one (spoofing: a later update that replaces it).
	if msg := v.sameInSignedRevision(f, end, br); !msg.IsZero() {
		return fail(s, verify.FormatFailure, msg)
	}
	// The gap must be exactly this dictionary's /Contents: anything else
	// lets other bytes be signed and shown (signature wrapping).
	if cs.Start != br[1] || cs.End != br[2] {
		return fail(s, verify.FormatFailure, verify.Messagef("the /ByteRange gap [%d, %d) is not this signature's /Contents at [%d, %d): a signature wrapping attack or a damaged file", br[1], br[2], cs.Start, cs.End))
	}
	s.AddCheck("byte_range", "", verify.Messagef("the signature covers %d bytes, revision %d of %d, all but its own /Contents", info.Covered, rev, len(v.revs)))
	if info.Type == "document_timestamp" {
		return v.checkDocTimestamp(s, cs.Value, br)
	}
	var claimed time.Time
	if m, ok := d["M"].(pdf.String); ok {
		claimed, _ = parsePDFDate(string(m.Value))
	}
	vo := v.opts.Options
	vo.Name = ""
	vo.Extract = nil
	vo.PAdES = &verify.PAdESContext{ClaimedTime: claimed}
	var sha1Content bytes.Buffer
	switch sub {
	case "ETSI.CAdES.detached", "adbe.pkcs7.detached":
		vo.Content = v.byteRangeReader(br)
		if sub == "adbe.pkcs7.detached" {
			vo.PAdES = nil
		}
	case "adbe.pkcs7.sha1":
		// The CMS encapsulates the SHA-1 of the /ByteRange bytes.
		vo.PAdES, vo.Content = nil, nil
		vo.Extract = &sha1Content
	default:
		return fail(s, verify.FormatFailure, verify.Messagef("unsupported /SubFilter %q", string(sub)))
	}
	cr, err := verify.Verify(v.ctx, bytes.NewReader(cs.Value), vo)
	if err != nil {
		return fail(s, verify.FormatFailure, verify.Messagef("the /Contents is not a CMS signature: %s", err))
	}
	if len(cr.Layers) != 1 || len(cr.Layers[0].Signatures) != 1 {
		n := 0
		if len(cr.Layers) > 0 {
			n = len(cr.Layers[0].Signatures)
		}
		return fail(s, verify.FormatFailure, verify.Messagef("the CMS holds %d signer infos (a PDF signature has exactly one) or nested layers", n))
	}
	l := cr.Layers[0]
	cs2 := l.Signatures[0]
	checks := s.Checks
	*s = *cs2
	s.Checks = append(checks, s.Checks...)
	s.PDF = info
	if !l.Error.IsZero() {
		s.AddCheck("format", verify.FormatFailure, l.Error)
	}
	switch sub {
	case "ETSI.CAdES.detached":
		if !l.Detached {
			s.AddCheck("format", verify.FormatFailure, verify.Messagef("an ETSI.CAdES.detached signature must not encapsulate content"))
		}
		info.Level = strings.Replace(s.Profile, "CAdES-", "PAdES-", 1)
	case "adbe.pkcs7.detached":
		info.Level = "PKCS7"
	case "adbe.pkcs7.sha1":
		h := sha1.New()
		io.Copy(h, v.byteRangeReader(br))
		if !bytes.Equal(sha1Content.Bytes(), h.Sum(nil)) {
			s.AddCheck("message_digest", verify.HashFailure, verify.Messagef("the SHA-1 encapsulated in the signature is not that of the /ByteRange bytes: the document was changed after signing"))
		} else {
			s.AddCheck("pdf_digest", "", verify.Messagef("the encapsulated SHA-1 matches the /ByteRange bytes (adbe.pkcs7.sha1)"))
		}
		info.Level = "PKCS7"
	}
	if info.Level != "" && info.Level != "PKCS7" {
		s.Profile = info.Level
	}
	if claimed.IsZero() && sub == "ETSI.CAdES.detached" {
		s.AddWarning("format", verify.Messagef("no /M in the signature dictionary: PAdES wants the claimed signing time there"))
	}
	return s, nil
}

// checkDocTimestamp checks a document timestamp: a TimeStampToken whose
// imprint is the digest of the /ByteRange bytes.
func (v *pdfVerifier) checkDocTimestamp(s *verify.Signature, token []byte, br [4]int64) (*verify.Signature, *verify.Timestamp) {
	digest := func(h crypto.Hash) ([]byte, bool) {
		if !h.Available() {
			return nil, false
		}
		hh := h.New()
		io.Copy(hh, v.byteRangeReader(br))
		return hh.Sum(nil), true
	}
	covers := "revision 1"
	if s.PDF.Revision > 1 {
		covers = fmt.Sprintf("revisions 1 to %d", s.PDF.Revision)
	}
	ts, at, ok := verify.VerifyTimestampToken(v.ctx, trimBER(token), digest, covers, v.opts.Options)
	s.Profile = "PAdES document timestamp"
	s.PDF.Level = "timestamp"
	if ok {
		t := at
		s.SigningTime = &t
		s.AddCheck("timestamp", "", verify.Messagef("document timestamp of %s over %s, with the signatures in them: they existed by then", verify.Time(at), verify.Word(covers)))
	} else {
		s.AddCheck("timestamp", ts.SubIndication, verify.Messagef("the document timestamp is not valid: %s", verify.List(ts.Reasons)))
	}
	s.Timestamps = append(s.Timestamps, ts)
	return s, nil
}

// coveredByDocTimestamps records, on each signature, the first valid
// document timestamp whose revision includes it: a PAdES-B-B signature
// so covered reaches B-T (EN 319 142-1 5.4: the timestamp may be a
// document timestamp instead of the signature-time-stamp attribute).
func coveredByDocTimestamps(sigs []*verify.Signature) {
	for _, s := range sigs {
		if s.PDF == nil || s.PDF.Type != "signature" || s.PDF.Revision == 0 {
			continue
		}
		end := s.PDF.ByteRange[2] + s.PDF.ByteRange[3]
		for _, d := range sigs {
			if d.PDF == nil || d.PDF.Type != "document_timestamp" || d.Indication != verify.TotalPassed || d.SigningTime == nil {
				continue
			}
			if d.PDF.ByteRange[2]+d.PDF.ByteRange[3] <= end {
				continue
			}
			at := verify.Time(*d.SigningTime)
			if s.PDF.Level == "PAdES-B-B" {
				s.PDF.Level, s.Profile = "PAdES-B-T", "PAdES-B-T"
				s.AddCheck("timestamp", "", verify.Messagef("the document timestamp %s of %s covers this signature's revision: PAdES-B-T", d.PDF.Field, at))
			} else {
				s.AddCheck("doc_timestamp", "", verify.Messagef("the document timestamp %s of %s covers this signature's revision", d.PDF.Field, at))
			}
			break
		}
	}
}

// trimBER drops the zero padding after the token (/Contents is larger
// than the token it holds).
func trimBER(b []byte) []byte {
	e, _, err := cms.ParseElement(b)
	if err != nil {
		return b
	}
	return e.Raw
}

func (v *pdfVerifier) onlyWhitespaceAfter(end int64) bool {
	if v.size-end > 64 {
		return false
	}
	b := make([]byte, v.size-end)
	v.in.ReadAt(b, end)
	return len(bytes.TrimLeft(b, " \t\r\n\f\x00")) == 0
}

// sameInSignedRevision reads the revision that ends at end and compares
// its copy of the signature dictionary with the final one. It returns
// why they differ, or "".
func (v *pdfVerifier) sameInSignedRevision(f sigField, end int64, br [4]int64) verify.Message {
	if !f.isRf {
		// A direct /V lives in its field; find the field again below.
		return verify.Message{}
	}
	r, err := pdf.Open(v.in, end, pdf.Options{Password: v.opts.Password})
	if err != nil {
		return verify.Messagef("the signed revision cannot be read: %s", err)
	}
	offOld, okOld := r.Where(f.ref.Num)
	offNew, _ := v.final.Where(f.ref.Num)
	if okOld && offOld != offNew {
		return verify.Messagef("the signature dictionary %s was replaced after the revision it signs (spoofing): the file shows another one", fmt.Sprint(f.ref))
	}
	o, err := r.Get(f.ref)
	d, _ := o.(pdf.Dict)
	if err != nil || d == nil {
		return verify.Messagef("the signature dictionary %s is not in the revision it signs: it was put there later (spoofing)", fmt.Sprint(f.ref))
	}
	cs, _ := d["Contents"].(pdf.String)
	fcs, _ := f.dict["Contents"].(pdf.String)
	arr, _ := d["ByteRange"].(pdf.Array)
	same := len(arr) == 4 && cs.Start == fcs.Start && cs.End == fcs.End
	for i := 0; same && i < 4; i++ {
		x, _ := arr[i].(int64)
		same = x == br[i]
	}
	if !same || d.Name("SubFilter") != f.dict.Name("SubFilter") {
		return verify.Messagef("the signature dictionary in the signed revision differs from the one the file shows now: it was replaced in a later update (spoofing)")
	}
	return verify.Message{}
}

// parsePDFDate reads D:YYYYMMDDHHmmSSOHH'mm' (7.9.4), tolerating missing
// trailing parts.
func parsePDFDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(s, "D:")
	if len(s) < 4 {
		return time.Time{}, errors.New("short date")
	}
	layout := "20060102150405"
	n := len(s)
	if n > 14 {
		n = 14
	}
	t, err := time.Parse(layout[:n], s[:n])
	if err != nil {
		return t, err
	}
	rest := s[n:]
	if rest == "" || rest[0] == 'Z' {
		return t, nil
	}
	sign := 1
	switch rest[0] {
	case '-':
		sign = -1
	case '+':
	default:
		return t, nil
	}
	rest = strings.NewReplacer("'", "").Replace(rest[1:])
	var hh, mm int
	fmt.Sscanf(rest, "%02d%02d", &hh, &mm)
	return t.Add(-time.Duration(sign) * (time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)), nil
}
