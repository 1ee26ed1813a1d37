package pdf

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/firma-dev/firma/internal/pdf/pdftest"
)

func open(t *testing.T, b []byte, pw string) *Reader {
	t.Helper()
	var p []byte
	if pw != "" {
		p = []byte(pw)
	}
	r, err := Open(bytes.NewReader(b), int64(len(b)), Options{Password: p})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return r
}

func pageText(t *testing.T, r *Reader, page Ref) string {
	t.Helper()
	d, err := r.ResolveDict(page)
	if err != nil {
		t.Fatal(err)
	}
	o, err := r.Resolve(d["Contents"])
	if err != nil {
		t.Fatal(err)
	}
	s, ok := o.(*Stream)
	if !ok {
		t.Fatalf("contents is %T", o)
	}
	data, err := r.StreamData(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestReadVariants reads every input form the signer must handle: the
// page tree, a content stream, the font that the hybrid file keeps in
// an object stream listed only by its /XRefStm.
func TestReadVariants(t *testing.T) {
	for name, b := range pdftest.Variants(t, 2) {
		t.Run(name, func(t *testing.T) {
			pw := ""
			if strings.HasPrefix(name, "aes") || name == "rc4" {
				pw = pdftest.Password
				if _, err := Open(bytes.NewReader(b), int64(len(b)), Options{}); !errors.As(err, new(*PasswordError)) {
					t.Fatalf("no password: %v, want a PasswordError", err)
				}
				var pe *PasswordError
				if _, err := Open(bytes.NewReader(b), int64(len(b)), Options{Password: []byte("sbagliata")}); !errors.As(err, &pe) || !pe.Given {
					t.Fatalf("wrong password: %v", err)
				}
				// The owner password opens it too.
				if _, err := Open(bytes.NewReader(b), int64(len(b)), Options{Password: []byte("proprietario")}); err != nil {
					t.Fatalf("owner password: %v", err)
				}
			}
			r := open(t, b, pw)
			if r.Encrypted() != (pw != "") {
				t.Fatalf("Encrypted() = %v", r.Encrypted())
			}
			pages, err := r.Pages()
			if err != nil {
				t.Fatal(err)
			}
			want := 2
			if name == "hybrid" {
				want = 1
			}
			if len(pages) != want {
				t.Fatalf("%d pages, want %d", len(pages), want)
			}
			if txt := pageText(t, r, pages[0]); !strings.Contains(txt, "(Referto") {
				t.Fatalf("page 1 content %q", txt)
			}
			pd, _ := r.ResolveDict(pages[0])
			res, _ := r.ResolveDict(pd["Resources"])
			fonts, _ := r.ResolveDict(res["Font"])
			font, err := r.ResolveDict(fonts["F1"])
			if err != nil || font.Name("BaseFont") != "Helvetica" {
				t.Fatalf("font %v: %v", font, err)
			}
			if name == "hybrid" && (len(r.Sections) != 1 || r.Sections[0].XRefStm == 0) {
				t.Fatalf("hybrid sections %+v", r.Sections)
			}
			if name == "objstm" && !r.Sections[0].Stream {
				t.Fatal("objstm: last section is not a stream")
			}
		})
	}
}

// TestUpdateVariants appends an update to every form and checks it with
// qpdf --check and with the reader: the input is a prefix, the section
// keeps the input's form, the new objects and the changed catalog are
// read back, a new string in an encrypted file decrypts.
func TestUpdateVariants(t *testing.T) {
	for name, in := range pdftest.Variants(t, 1) {
		t.Run(name, func(t *testing.T) {
			pw := ""
			if strings.HasPrefix(name, "aes") || name == "rc4" {
				pw = pdftest.Password
			}
			r := open(t, in, pw)
			u := NewUpdate(r)
			ref := u.Alloc()
			val, err := r.EncryptString(ref, []byte("firmato digitalmente"))
			if err != nil {
				t.Fatal(err)
			}
			u.Set(ref, Dict{"Type": Name("Test"), "Note": String{Value: val}})
			rootRef := r.Trailer["Root"].(Ref)
			cat, _ := r.Catalog()
			cat = cat.Clone()
			cat["FirmaTest"] = ref
			u.Set(rootRef, cat)
			lay, err := u.Lay()
			if err != nil {
				t.Fatal(err)
			}
			out := append(append([]byte{}, in...), lay.Bytes...)
			pdftest.Check(t, out, pw)
			r2 := open(t, out, pw)
			if len(r2.Sections) != len(r.Sections)+1 {
				t.Fatalf("%d sections after the update, want %d", len(r2.Sections), len(r.Sections)+1)
			}
			if r2.Sections[0].Stream != r.Sections[0].Stream {
				t.Fatalf("update section stream=%v, input's %v", r2.Sections[0].Stream, r.Sections[0].Stream)
			}
			cat2, _ := r2.Catalog()
			d, err := r2.ResolveDict(cat2["FirmaTest"])
			if err != nil || d == nil {
				t.Fatalf("new object: %v %v", d, err)
			}
			if s := d["Note"].(String); string(s.Value) != "firmato digitalmente" {
				t.Fatalf("note %q", s.Value)
			}
			ids, _ := r2.Trailer["ID"].(Array)
			old, _ := r.Trailer["ID"].(Array)
			if len(ids) != 2 || len(old) != 2 || !bytes.Equal(ids[0].(String).Value, old[0].(String).Value) {
				t.Fatalf("/ID[0] not kept: %v -> %v", old, ids)
			}
			revs, err := Revisions(bytes.NewReader(out), int64(len(out)))
			if err != nil || len(revs) < 2 || revs[len(revs)-1] != int64(len(out)) || revs[len(revs)-2] != int64(len(in)) {
				t.Fatalf("revisions %v (input %d, output %d): %v", revs, len(in), len(out), err)
			}
		})
	}
}

func TestHostileChains(t *testing.T) {
	doc := pdftest.Doc(1)
	x := bytes.LastIndex(doc, []byte("xref\n0 "))
	loop := bytes.Replace(doc, []byte("/Root 1 0 R"), []byte("/Prev "+Itoa(int64(x))+" /Root 1 0 R"), 1)
	cases := map[string][]byte{
		"prev loop":         loop,
		"startxref outside": bytes.Replace(doc, []byte("startxref\n"+Itoa(int64(x))), []byte("startxref\n99999999"), 1),
		"no startxref":      bytes.Replace(doc, []byte("startxref"), []byte("startxrex"), 1),
		"not pdf":           []byte("hello"),
		"deep":              deep(),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			r, err := Open(bytes.NewReader(b), int64(len(b)), Options{})
			if err == nil {
				_, err = r.Catalog()
			}
			if err == nil {
				t.Fatal("no error")
			}
			if name == "deep" && !errors.As(err, new(*LimitError)) {
				t.Fatalf("deep nesting: %v, want a LimitError", err)
			}
		})
	}
}

// deep is a catalog nested 10000 arrays deep, with a correct table.
func deep() []byte {
	body := "%PDF-1.4\n1 0 obj\n" + strings.Repeat("[", 10000) + "\nendobj\n"
	x := len(body)
	return []byte(body + "xref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<</Size 2/Root 1 0 R>>\nstartxref\n" + Itoa(int64(x)) + "\n%%EOF\n")
}

// TestEncryptedClearContents: in an encrypted file a signature
// dictionary's /Contents is in clear (7.6.2) and reads as its bytes,
// while any other string that does not decrypt is an error; a stream
// written with EncryptStream reads back.
func TestEncryptedClearContents(t *testing.T) {
	in := pdftest.Variants(t, 1)["aes256"]
	r := open(t, in, pdftest.Password)
	u := NewUpdate(r)
	sig, junk, stm := u.Alloc(), u.Alloc(), u.Alloc()
	plain := bytes.Repeat([]byte{0x30, 0x82}, 24) // 48 bytes: no valid AES padding
	u.Set(sig, Dict{"Type": Name("Sig"), "ByteRange": Array{int64(0), int64(1), int64(2), int64(3)}, "Contents": String{Value: plain, Hex: true}})
	u.Set(junk, Dict{"Title": String{Value: plain, Hex: true}})
	data, err := r.EncryptStream(stm, []byte("BT ET"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	Append(&b, Dict{"Length": int64(len(data))})
	b.WriteString("\nstream\n")
	b.Write(data)
	b.WriteString("\nendstream")
	u.Set(stm, Raw(b.Bytes()))
	lay, err := u.Lay()
	if err != nil {
		t.Fatal(err)
	}
	out := append(append([]byte{}, in...), lay.Bytes...)
	r2 := open(t, out, pdftest.Password)
	o, err := r2.Get(sig)
	if err != nil {
		t.Fatalf("signature dictionary: %v", err)
	}
	if c := o.(Dict)["Contents"].(String); !bytes.Equal(c.Value, plain) {
		t.Fatalf("/Contents %x", c.Value)
	}
	if _, err := r2.Get(junk); err == nil || !strings.Contains(err.Error(), "cannot decrypt string") {
		t.Fatalf("undecryptable string: %v", err)
	}
	so, err := r2.Get(stm)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := r2.StreamData(so.(*Stream)); err != nil || string(d) != "BT ET" {
		t.Fatalf("stream %q %v", d, err)
	}
}
