package pades

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/firma-dev/firma/internal/pdf"
	"github.com/firma-dev/firma/internal/pdf/pdftest"
)

func encrypted(name string) bool { return strings.HasPrefix(name, "aes") || name == "rc4" }

// TestSignVariants signs every input form (table, xref and object
// streams, hybrid, encrypted with AES-256, AES-128 and RC4 given the
// password) and then signs each output again with another key: every
// output passes qpdf --check, openssl on the cut-out CMS and pdfsig, and
// the second signature leaves the first valid.
func TestSignVariants(t *testing.T) {
	p := testPKI(t)
	for name, in := range pdftest.Variants(t, 2) {
		t.Run(name, func(t *testing.T) {
			opts := SignOptions{}
			pw := ""
			if encrypted(name) {
				pw = pdftest.Password
				opts.Password = []byte(pw)
			}
			out, res := signPDF(t, in, newSigner(t, p.signer, p.ca, nil), opts)
			checkSigned(t, p, in, out, res, pw, 1)
			if res.Field != "Signature1" {
				t.Fatalf("field %q", res.Field)
			}
			r, err := pdf.Open(bytes.NewReader(out), int64(len(out)), pdf.Options{Password: opts.Password})
			if err != nil {
				t.Fatal(err)
			}
			r0, _ := pdf.Open(bytes.NewReader(in), int64(len(in)), pdf.Options{Password: opts.Password})
			if r.Sections[0].Stream != r0.Sections[0].Stream {
				t.Fatalf("update's section stream=%v, input's %v", r.Sections[0].Stream, r0.Sections[0].Stream)
			}
			out2, res2 := signPDF(t, out, newSigner(t, p.second, p.ca, nil), opts)
			if res2.Field != "Signature2" {
				t.Fatalf("second field %q", res2.Field)
			}
			checkSigned(t, p, out, out2, res2, pw, 2)
		})
	}
}

// TestSignTimestamped makes a B-T signature: the CMS carries a
// signature-time-stamp and every oracle still accepts the file.
func TestSignTimestamped(t *testing.T) {
	p := testPKI(t)
	in := pdftest.QPDF(t, pdftest.Doc(1), "--object-streams=disable")
	out, res := signPDF(t, in, newSigner(t, p.signer, p.ca, tsaClient(t, p)), SignOptions{Timestamped: true})
	checkSigned(t, p, in, out, res, "", 1)
	if res.TimestampTime.IsZero() {
		t.Fatal("no timestamp time")
	}
}

// TestSignReserveTooSmall: a signature larger than its reservation is
// laid out again bigger, not refused.
func TestSignReserveTooSmall(t *testing.T) {
	p := testPKI(t)
	in := pdftest.Doc(1)
	out, res := signPDF(t, in, newSigner(t, p.signer, p.ca, nil), SignOptions{Reserve: 200})
	if res.Reserved <= 200 || res.Used > res.Reserved {
		t.Fatalf("reserved %d used %d", res.Reserved, res.Used)
	}
	checkSigned(t, p, in, out, res, "", 1)
}

// TestPrepareRefuses: what is refused before any key is used.
func TestPrepareRefuses(t *testing.T) {
	p := testPKI(t)
	vars := pdftest.Variants(t, 1)
	_, err := Prepare(bytes.NewReader(vars["aes256"]), int64(len(vars["aes256"])), SignOptions{})
	if !errors.As(err, new(*EncryptedError)) {
		t.Fatalf("encrypted without password: %v", err)
	}
	var pe *pdf.PasswordError
	_, err = Prepare(bytes.NewReader(vars["aes256"]), int64(len(vars["aes256"])), SignOptions{Password: []byte("no")})
	if !errors.As(err, &pe) || !pe.Given {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err := Prepare(strings.NewReader("just text"), 9, SignOptions{}); !errors.As(err, new(*pdf.NotPDFError)) {
		t.Fatalf("not a PDF: %v", err)
	}
	cert := certified(t, p, 1)
	if _, err := Prepare(bytes.NewReader(cert), int64(len(cert)), SignOptions{}); !errors.As(err, new(*CertifiedError)) {
		t.Fatalf("DocMDP P=1: %v", err)
	}
	cert2 := certified(t, p, 2)
	if _, err := Prepare(bytes.NewReader(cert2), int64(len(cert2)), SignOptions{}); err != nil {
		t.Fatalf("DocMDP P=2: %v", err)
	}
	signed, _ := signPDF(t, vars["table"], newSigner(t, p.signer, p.ca, nil), SignOptions{})
	if _, err := Prepare(bytes.NewReader(signed), int64(len(signed)), SignOptions{FieldName: "Signature1"}); !errors.As(err, new(*FieldExistsError)) {
		t.Fatalf("field name in use: %v", err)
	}
}

// certified signs a document and then marks the signature as a
// certification with DocMDP permission perm (an update adding
// /Reference to a copy of the dictionary would break it, so the
// catalog's /Perms and the /Reference go in before signing, through the
// same writer).
func certified(t *testing.T, p *pki, perm int64) []byte {
	t.Helper()
	in := pdftest.Doc(1)
	r, err := pdf.Open(bytes.NewReader(in), int64(len(in)), pdf.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u := pdf.NewUpdate(r)
	sig := u.Alloc()
	u.Set(sig, pdf.Dict{"Type": pdf.Name("Sig"), "Filter": pdf.Name("Adobe.PPKLite"), "SubFilter": pdf.Name("ETSI.CAdES.detached"),
		"Reference": pdf.Array{pdf.Dict{"Type": pdf.Name("SigRef"), "TransformMethod": pdf.Name("DocMDP"), "TransformParams": pdf.Dict{"Type": pdf.Name("TransformParams"), "P": perm, "V": pdf.Name("1.2")}}},
		"ByteRange": pdf.Array{int64(0), int64(0), int64(0), int64(0)}, "Contents": pdf.String{Value: []byte{0}, Hex: true}})
	cat, _ := r.Catalog()
	cat = cat.Clone()
	cat["Perms"] = pdf.Dict{"DocMDP": sig}
	u.Set(r.Trailer["Root"].(pdf.Ref), cat)
	lay, err := u.Lay()
	if err != nil {
		t.Fatal(err)
	}
	return append(append([]byte{}, in...), lay.Bytes...)
}

// certifiedSigned signs in as a certification signature with DocMDP
// permission perm: Prepare refuses nothing for P>1, so the test adds
// /Reference and /Perms through a plan whose layout it extends.
func certifiedSigned(t *testing.T, p *pki, in []byte, perm int64) []byte {
	t.Helper()
	plan, err := Prepare(bytes.NewReader(in), int64(len(in)), SignOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plan.certify = perm
	var out bytes.Buffer
	if _, err := plan.Sign(context.Background(), newSigner(t, p.signer, p.ca, nil), &out, nil); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
