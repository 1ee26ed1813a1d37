package pades

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/firma-dev/firma/internal/pdf"
	"github.com/firma-dev/firma/internal/pdf/pdftest"
	"github.com/firma-dev/firma/sign"
	"github.com/firma-dev/firma/verify"
)

// TestSignDocTimestamp: a B-B signature followed by a document
// timestamp, on a table, a stream and an encrypted file. The signature
// still passes openssl over its own /ByteRange; the timestamp's update
// follows it (/Type /DocTimeStamp /SubFilter /ETSI.RFC3161, no /M) and
// covers the whole file; openssl ts -verify accepts the token over its
// /ByteRange bytes; pdfsig sees both and says the signature is valid;
// qpdf --check passes; firma's verifier gives TOTAL_PASSED, with the
// signature raised to PAdES-B-T by the timestamp.
func TestSignDocTimestamp(t *testing.T) {
	p := testPKI(t)
	vars := pdftest.Variants(t, 1)
	for _, name := range []string{"table", "objstm", "aes128"} {
		t.Run(name, func(t *testing.T) {
			in := vars[name]
			opts := SignOptions{DocTimestamp: tsaClient(t, p)}
			pw := ""
			if encrypted(name) {
				pw = pdftest.Password
				opts.Password = []byte(pw)
			}
			out, res := signPDF(t, in, newSigner(t, p.signer, p.ca, nil), opts)
			if !bytes.HasPrefix(out, in) {
				t.Fatal("the input is not a prefix of the output")
			}
			d := res.DocTimestamp
			if d == nil || d.Field != "Timestamp1" || d.Time.IsZero() || res.Written != int64(len(out)) {
				t.Fatalf("result %+v / %+v, output %d", res, d, len(out))
			}
			sigEnd := res.ByteRange[2] + res.ByteRange[3]
			if d.ByteRange[0] != 0 || d.ByteRange[1] <= sigEnd || d.ByteRange[2]+d.ByteRange[3] != int64(len(out)) {
				t.Fatalf("signature %v, document timestamp %v, output %d", res.ByteRange, d.ByteRange, len(out))
			}
			pdftest.Check(t, out, pw)
			// The signature alone, as the revision it signed.
			opensslCMS(t, p, out[:sigEnd], res.ByteRange)
			// The token, over its /ByteRange, with openssl ts.
			dir := t.TempDir()
			tok := trimBER(hexDecode(t, out[d.ByteRange[1]+1:d.ByteRange[2]-1]))
			tokFile, rangeFile := filepath.Join(dir, "tst.der"), filepath.Join(dir, "range.bin")
			os.WriteFile(tokFile, tok, 0o600)
			os.WriteFile(rangeFile, append(append([]byte{}, out[:d.ByteRange[1]]...), out[d.ByteRange[2]:]...), 0o600)
			o, err := exec.Command("openssl", "ts", "-verify", "-token_in", "-in", tokFile, "-data", rangeFile, "-CAfile", p.caFile).CombinedOutput()
			if err != nil || !bytes.Contains(o, []byte("Verification: OK")) {
				t.Fatalf("openssl ts -verify: %v\n%s", err, o)
			}
			r, err := pdf.Open(bytes.NewReader(out), int64(len(out)), pdf.Options{Password: opts.Password})
			if err != nil {
				t.Fatal(err)
			}
			dts := regexp.MustCompile(`/Type\s*/DocTimeStamp[^>]*`).Find(out)
			if dts == nil || !bytes.Contains(out, []byte("/SubFilter /ETSI.RFC3161")) {
				t.Fatal("no /Type /DocTimeStamp /SubFilter /ETSI.RFC3161 dictionary")
			}
			if r.Sections[0].Stream != r.Sections[2].Stream {
				t.Fatalf("sections %+v", r.Sections)
			}
			pdftest.NeedTool(t, "pdfsig")
			f := filepath.Join(dir, "dts.pdf")
			os.WriteFile(f, out, 0o600)
			args := []string{"-nssdir", "sql:" + p.nssDB(t)}
			if pw != "" {
				args = append(args, "-upw", pw)
			}
			o, _ = exec.Command("pdfsig", append(args, f)...).CombinedOutput()
			// pdfsig 22.12 lists the document timestamp ("Signature Type:
			// unknown", "Unable to validate this type of signature") with
			// its ranges: it must reach the end of the file.
			sig2 := regexp.MustCompile(`Signature #2:[\s\S]*`).Find(o)
			if !bytes.Contains(o, []byte("Signature #1:")) || !bytes.Contains(sig2, []byte("Signature Field Name: Timestamp1")) || !bytes.Contains(sig2, []byte("Total document signed")) {
				t.Fatalf("pdfsig:\n%s", o)
			}
			if !bytes.Contains(o, []byte("Signature Validation: Signature is Valid.")) {
				t.Fatalf("pdfsig on the signature:\n%s", o)
			}
			rep := verifyPDFWith(t, p, out, opts.Password)
			wantIndication(t, rep, verify.TotalPassed, "", "")
			s, ts := sigs(rep)[0], sigs(rep)[1]
			if s.PDF.Type != "signature" || s.PDF.Level != "PAdES-B-T" || s.PDF.WholeFile || s.PDF.Revision != 2 {
				t.Fatalf("signature %+v\n%s", *s.PDF, describe(rep))
			}
			if ts.PDF.Type != "document_timestamp" || ts.PDF.Field != "Timestamp1" || !ts.PDF.WholeFile || ts.PDF.Revision != 3 || ts.SigningTime == nil || !ts.SigningTime.Equal(d.Time) {
				t.Fatalf("document timestamp %+v\n%s", *ts.PDF, describe(rep))
			}
			for _, c := range s.PDF.Changes {
				if c.Class != changeLTV && c.Class != changeSignature {
					t.Fatalf("change %+v after the signature\n%s", c, describe(rep))
				}
			}
		})
	}
}

// opensslCMS verifies the CMS cut from /Contents over the /ByteRange
// bytes of b with openssl cms -verify.
func opensslCMS(t *testing.T, p *pki, b []byte, br [4]int64) {
	t.Helper()
	pdftest.NeedTool(t, "openssl")
	dir := t.TempDir()
	der := hexDecode(t, b[br[1]+1:br[2]-1])
	cmsFile, rangeFile := filepath.Join(dir, "sig.cms"), filepath.Join(dir, "range.bin")
	os.WriteFile(cmsFile, der, 0o600)
	os.WriteFile(rangeFile, append(append([]byte{}, b[:br[1]]...), b[br[2]:br[2]+br[3]]...), 0o600)
	o, err := exec.Command("openssl", "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-CAfile", p.caFile, "-in", cmsFile, "-content", rangeFile, "-out", os.DevNull).CombinedOutput()
	if err != nil || !bytes.Contains(o, []byte("Verification successful")) {
		t.Fatalf("openssl cms -verify: %v\n%s", err, o)
	}
}

// otherDigest asks the TSA for a timestamp over another digest.
type otherDigest struct{ sign.Timestamper }

func (o otherDigest) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	d := append([]byte{}, digest...)
	d[0] ^= 1
	return o.Timestamper.Timestamp(ctx, d, h)
}

// TestDocTimestampMismatch: a token that is not over the update's
// /ByteRange bytes is refused, not written into the file.
func TestDocTimestampMismatch(t *testing.T) {
	p := testPKI(t)
	in := pdftest.Doc(1)
	plan, err := Prepare(bytes.NewReader(in), int64(len(in)), SignOptions{DocTimestamp: otherDigest{tsaClient(t, p)}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	_, err = plan.Sign(context.Background(), newSigner(t, p.signer, p.ca, nil), &out, nil)
	var te *sign.TimestampError
	if !errors.As(err, &te) || te.Problem != sign.TSAMismatch {
		t.Fatalf("got %v", err)
	}
}
