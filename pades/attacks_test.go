package pades

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/pdf"
	"github.com/firma-dev/firma/internal/pdf/pdftest"
	"github.com/firma-dev/firma/sign"
	"github.com/firma-dev/firma/verify"
)

// pdfsigOn runs pdfsig (trusting the test CA) on b.
func pdfsigOn(t *testing.T, p *pki, b []byte) string {
	t.Helper()
	pdftest.NeedTool(t, "pdfsig")
	f := filepath.Join(t.TempDir(), "x.pdf")
	os.WriteFile(f, b, 0o600)
	o, _ := exec.Command("pdfsig", "-nssdir", "sql:"+p.nssDB(t), f).CombinedOutput()
	return string(o)
}

func pageText(t *testing.T, b []byte) string {
	t.Helper()
	pdftest.NeedTool(t, "pdftotext")
	f := filepath.Join(t.TempDir(), "x.pdf")
	os.WriteFile(f, b, 0o600)
	o, err := exec.Command("pdftotext", f, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, o)
	}
	return string(o)
}

// TestSignatureWrapping is the signature wrapping attack of Mladenov et
// al. (NDSS 2019): the /ByteRange and every signed byte stay as they
// are; in the gap, the real signature is cut short of its zero padding
// and the room left holds a new page content object ("Referto falso"),
// which an incremental update's cross-reference points to. The CMS still
// matches the /ByteRange bytes, so a verifier that only hashes the
// ranges calls the signature valid (pdfsig 22.12 does) while viewers
// show the forged page; firma sees that the gap is no longer exactly
// this signature's /Contents: TOTAL_FAILED/FORMAT_FAILURE.
func TestSignatureWrapping(t *testing.T) {
	p := testPKI(t)
	in := pdftest.QPDF(t, pdftest.Doc(1), "--object-streams=disable")
	base, res := signPDF(t, in, newSigner(t, p.signer, p.ca, nil), SignOptions{})
	br := res.ByteRange
	r, err := pdf.Open(bytes.NewReader(base), int64(len(base)), pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pages, _ := r.Pages()
	pd, _ := r.ResolveDict(pages[0])
	content := pd["Contents"].(pdf.Ref)
	text := "BT /F1 18 Tf 72 720 Td (Referto falso) Tj ET"
	obj := fmt.Sprintf("\n%d %d obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n", content.Num, content.Gen, len(text), text)
	gap := base[br[1]:br[2]]
	wrapped := "<" + string(gap[1:1+2*res.Used]) + "> /Junk (" + obj + ")"
	if len(wrapped) > len(gap) {
		t.Fatal("no room in the gap")
	}
	wrapped += strings.Repeat(" ", len(gap)-len(wrapped))
	out := append([]byte{}, base...)
	copy(out[br[1]:br[2]], wrapped)
	objAt := br[1] + int64(strings.Index(wrapped, fmt.Sprintf("%d %d obj", content.Num, content.Gen)))
	size, _ := r.Trailer.Int("Size")
	xref := len(out) + 1
	out = append(out, fmt.Sprintf("\nxref\n%d 1\n%010d %05d n \ntrailer\n<< /Size %d /Root %v /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		content.Num, objAt, content.Gen, size, r.Trailer["Root"], r.StartXref, xref)...)
	if !bytes.Equal(out[:br[1]], base[:br[1]]) || !bytes.Equal(out[br[2]:br[2]+br[3]], base[br[2]:br[2]+br[3]]) {
		t.Fatal("the attack changed signed bytes")
	}
	if txt := pageText(t, out); !strings.Contains(txt, "Referto falso") || strings.Contains(txt, "Referto pagina 1") {
		t.Fatalf("the forged page is not what viewers show:\n%s", txt)
	}
	if o := pdfsigOn(t, p, out); !strings.Contains(o, "Signature Validation: Signature is Valid.") {
		t.Logf("pdfsig no longer falls for signature wrapping:\n%s", o)
	}
	rep := verifyPDF(t, p, out)
	wantIndication(t, rep, verify.TotalFailed, verify.FormatFailure, "is not this signature's /Contents")
}

// TestShadowAttack: an incremental update points the signature field
// at a copy of the signature dictionary (same /ByteRange, same CMS):
// the copy is not in the revision the signature signed.
func TestShadowAttack(t *testing.T) {
	p := testPKI(t)
	base := signedDoc(t, p, 1)
	out := update(t, base, func(r *pdf.Reader, u *pdf.Update) {
		cat, _ := r.Catalog()
		af, _ := r.ResolveDict(cat["AcroForm"])
		fref := af["Fields"].(pdf.Array)[0].(pdf.Ref)
		fd, _ := r.ResolveDict(fref)
		sd, _ := r.ResolveDict(fd["V"])
		cp := u.Alloc()
		copyDict := sd.Clone()
		cs := sd["Contents"].(pdf.String)
		copyDict["Contents"] = pdf.String{Value: cs.Value, Hex: true}
		copyDict["Name"] = pdf.String{Value: []byte("Dottor Nessuno")}
		u.Set(cp, copyDict)
		fd = fd.Clone()
		fd["V"] = cp
		u.Set(fref, fd)
	})
	rep := verifyPDF(t, p, out)
	wantIndication(t, rep, verify.TotalFailed, verify.FormatFailure, "")
	if !strings.Contains(rep.Reason.String(), "spoofing") && !strings.Contains(rep.Reason.String(), "not this signature's /Contents") {
		t.Fatalf("reason %q", rep.Reason)
	}
}

// TestInputChangedDuringSigning: the signer hashes what it writes. A
// file that changes (same size) after Prepare is signed as it was
// copied: the output holds the changed bytes and its signature verifies
// over them (openssl and firma), so what is signed is what was written.
// A file that shrinks is refused.
func TestInputChangedDuringSigning(t *testing.T) {
	p := testPKI(t)
	in := pdftest.Doc(1) // uncompressed: the test changes the page's text
	buf := append([]byte{}, in...)
	plan, err := Prepare(bytes.NewReader(buf), int64(len(buf)), SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(buf, []byte("Referto pagina 1"))
	copy(buf[i:], "Referto pagina 7")
	var out bytes.Buffer
	res, err := plan.Sign(context.Background(), newSigner(t, p.signer, p.ca, nil), &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	b := out.Bytes()
	if !bytes.HasPrefix(b, buf) {
		t.Fatal("the output does not start with the bytes copied")
	}
	checkSigned(t, p, buf, b, res, "", 1)
	wantIndication(t, verifyPDF(t, p, b), verify.TotalPassed, "", "")
	if txt := pageText(t, b); !strings.Contains(txt, "Referto pagina 7") {
		t.Fatalf("page text:\n%s", txt)
	}

	plan, err = Prepare(bytes.NewReader(in), int64(len(in)), SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plan.in = bytes.NewReader(in[:len(in)-10])
	_, err = plan.Sign(context.Background(), newSigner(t, p.signer, p.ca, nil), io.Discard, nil)
	if _, ok := err.(*sign.ContentChangedError); !ok {
		t.Fatalf("shrunk input: %v", err)
	}
}

// TestSignEncryptedObjectStreams: an AES-256 file whose page (with a
// string, /LastModified) lives in an object stream: the signer rewrites
// the page as a direct object with /Annots, its strings encrypted for
// their new place (Reader.Rewritable), and the file keeps opening with
// the password with the same date; the second signature leaves the
// first valid.
func TestSignEncryptedObjectStreams(t *testing.T) {
	p := testPKI(t)
	const date = "D:20260301090500+01'00'"
	withDate := update(t, pdftest.Doc(1), func(r *pdf.Reader, u *pdf.Update) {
		pages, _ := r.Pages()
		pd, _ := r.ResolveDict(pages[0])
		pd = pd.Clone()
		pd["LastModified"] = pdf.String{Value: []byte(date)}
		u.Set(pages[0], pd)
	})
	in := pdftest.QPDF(t, withDate, "--object-streams=generate", "--encrypt", pdftest.Password, "proprietario", "256", "--")
	r0, err := pdf.Open(bytes.NewReader(in), int64(len(in)), pdf.Options{Password: []byte(pdftest.Password)})
	if err != nil {
		t.Fatal(err)
	}
	pages, _ := r0.Pages()
	if _, direct := r0.Offset(pages[0].Num); direct {
		t.Fatal("qpdf left the page outside an object stream: the test would not test the path")
	}
	opts := SignOptions{Password: []byte(pdftest.Password)}
	out, res := signPDF(t, in, newSigner(t, p.signer, p.ca, nil), opts)
	checkSigned(t, p, in, out, res, pdftest.Password, 1)
	r, err := pdf.Open(bytes.NewReader(out), int64(len(out)), pdf.Options{Password: opts.Password})
	if err != nil {
		t.Fatal(err)
	}
	if _, direct := r.Offset(pages[0].Num); !direct {
		t.Fatal("the page was not rewritten")
	}
	pd, _ := r.ResolveDict(pages[0])
	if l, _ := pd["LastModified"].(pdf.String); string(l.Value) != date || pd["Annots"] == nil {
		t.Fatalf("page after signing: /LastModified %q, /Annots %v", l.Value, pd["Annots"])
	}
	out2, res2 := signPDF(t, out, newSigner(t, p.second, p.ca, nil), opts)
	checkSigned(t, p, out, out2, res2, pdftest.Password, 2)
	rep := verifyPDFWith(t, p, out2, opts.Password)
	wantIndication(t, rep, verify.TotalPassed, "", "")
}

// legacySigned signs in with the adbe.pkcs7.sha1 or adbe.pkcs7.detached
// subfilter, as older Italian signers did: for sha1 the CMS encapsulates
// the SHA-1 of the /ByteRange bytes; for detached it is detached over
// them. Both may carry signing-time (no PAdES option).
func legacySigned(t *testing.T, p *pki, in []byte, sub pdf.Name) []byte {
	t.Helper()
	plan, err := Prepare(bytes.NewReader(in), int64(len(in)), SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plan.subFilter = sub
	lay, gs, ge, brAt, err := plan.layout(now, 8192)
	if err != nil {
		t.Fatal(err)
	}
	size := int64(len(in))
	brs := fmt.Sprintf("[0 %d %d %d]", size+gs, size+ge, int64(len(lay))-ge)
	copy(lay[brAt:brAt+byteRangeWidth], brs+strings.Repeat(" ", byteRangeWidth-len(brs)))
	ranges := append(append(append([]byte{}, in...), lay[:gs]...), lay[ge:]...)
	s, err := sign.New(p.signer.Key, p.signer.Cert, sign.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	var der bytes.Buffer
	if sub == "adbe.pkcs7.sha1" {
		sum := sha1.Sum(ranges)
		_, err = s.Attached(context.Background(), bytes.NewReader(sum[:]), &der)
	} else {
		_, err = s.Detached(context.Background(), bytes.NewReader(ranges), &der)
	}
	if err != nil {
		t.Fatal(err)
	}
	if der.Len() > 8192 {
		t.Fatal("CMS too large")
	}
	hex.Encode(lay[gs+1:], der.Bytes())
	return append(append([]byte{}, in...), lay...)
}

// TestVerifyLegacySubFilters: adbe.pkcs7.sha1 and adbe.pkcs7.detached
// files the tests build verify (level PKCS7); a byte changed in the
// signed range is a hash failure for both.
func TestVerifyLegacySubFilters(t *testing.T) {
	p := testPKI(t)
	in := pdftest.Doc(1)
	for _, sub := range []pdf.Name{"adbe.pkcs7.sha1", "adbe.pkcs7.detached"} {
		t.Run(string(sub), func(t *testing.T) {
			b := legacySigned(t, p, in, sub)
			pdftest.Check(t, b, "")
			rep := verifyPDF(t, p, b)
			wantIndication(t, rep, verify.TotalPassed, "", "")
			s := sigs(rep)[0]
			if s.PDF.SubFilter != string(sub) || s.PDF.Level != "PKCS7" || !s.PDF.WholeFile {
				t.Fatalf("%+v\n%s", *s.PDF, describe(rep))
			}
			if sub == "adbe.pkcs7.sha1" && !strings.Contains(describe(rep), "encapsulated SHA-1 matches") {
				t.Fatalf("no SHA-1 check:\n%s", describe(rep))
			}
			bad := append([]byte{}, b...)
			i := bytes.Index(bad, []byte("Referto pagina 1"))
			bad[i+8] = 'P'
			wantIndication(t, verifyPDF(t, p, bad), verify.TotalFailed, verify.HashFailure, "")
		})
	}
}

// TestVerifyDocTimestampTampered: a byte changed in the document
// timestamp's revision (after the signature) breaks the timestamp, not
// the signature, which then stays PAdES-B-B.
func TestVerifyDocTimestampTampered(t *testing.T) {
	p := testPKI(t)
	in := pdftest.QPDF(t, pdftest.Doc(1), "--object-streams=disable")
	out, res := signPDF(t, in, newSigner(t, p.signer, p.ca, nil), SignOptions{DocTimestamp: tsaClient(t, p)})
	end := res.ByteRange[2] + res.ByteRange[3]
	i := end + int64(bytes.Index(out[end:], []byte("(Timestamp1)")))
	out[i+1] = 't'
	rep := verifyPDF(t, p, out)
	if rep.Indication == verify.TotalPassed {
		t.Fatalf("tampered document timestamp passed\n%s", describe(rep))
	}
	s, ts := sigs(rep)[0], sigs(rep)[1]
	if s.Indication != verify.TotalPassed || s.PDF.Level != "PAdES-B-B" || ts.Indication == verify.TotalPassed || ts.PDF.Type != "document_timestamp" {
		t.Fatalf("signature %s %s, timestamp %s\n%s", s.Indication, s.PDF.Level, ts.Indication, describe(rep))
	}
}
