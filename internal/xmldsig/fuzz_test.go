package xmldsig

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// maxFuzzInput keeps each run's memory small: work is linear in the
// input, so nothing is learnt from bigger inputs.
const maxFuzzInput = 64 << 10

// FuzzCanonicalize: canonicalization never panics, and canonical XML is
// a fixed point (the canonical form of a canonical document is itself).
func FuzzCanonicalize(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xml")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(bigDoc(12)))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > maxFuzzInput {
			return
		}
		doc := etree.NewDocument()
		doc.ReadSettings.PreserveDuplicateAttrs = true
		if doc.ReadFromBytes(in) != nil {
			return
		}
		for alg := range c14nAlgorithms {
			out, err := CanonicalizeDocument(doc, alg, []string{"#default", "x"})
			if err != nil {
				continue
			}
			again := etree.NewDocument()
			again.ReadSettings.PreserveDuplicateAttrs = true
			if err := again.ReadFromBytes(out); err != nil {
				t.Fatalf("%s: canonical output is not XML: %v\n%q", alg, err, out)
			}
			out2, err := CanonicalizeDocument(again, alg, []string{"#default", "x"})
			if err != nil {
				t.Fatalf("%s: canonical output refused: %v\n%q", alg, err, out)
			}
			if !bytes.Equal(out, out2) {
				t.Fatalf("%s: not a fixed point:\n%q\n%q", alg, out, out2)
			}
			if root := doc.Root(); root != nil {
				for _, e := range root.ChildElements() {
					if _, err := Canonicalize(e, alg, nil); err != nil {
						t.Fatalf("%s: the document canonicalizes, its element %s does not: %v", alg, e.Tag, err)
					}
				}
			}
		}
	})
}

// FuzzVerify: checking a signature never panics, and a document accepted
// with the key carries the signed element in its reference data.
func FuzzVerify(f *testing.F) {
	rk, ek := testKeys(f)
	f.Add(signDoc(f, bigDoc(8), rk))
	f.Add(signDoc(f, bigDoc(8), ek))
	f.Add(signDoc(f, `<a xmlns="http://a/"><b xml:lang="x"><!--c--></b></a>`, rk))
	one := strings.Replace(invoice, `<ds:Signature Id="other"><ds:SignedInfo/><ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>`, "", 1)
	f.Add(signTemplate(f, one, sigTemplate(RSASHA256, "", trFilter2), rk, nil))
	f.Add(signTemplate(f, one, sigTemplate(ECDSASHA256, "", trXPathNot+trC14N11), ek, nil))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) > maxFuzzInput {
			return
		}
		for _, k := range []*testKey{rk, ek} {
			v, err := verifyBytes(in, k.cert.PublicKey)
			if err != nil {
				continue
			}
			if len(v.References) == 0 {
				t.Fatal("verified without references")
			}
			for _, r := range v.References {
				if r.Data == nil {
					t.Fatal("a reference verified without data")
				}
			}
		}
	})
}
