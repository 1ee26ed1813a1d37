package xmldsig

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

func parse(t testing.TB, s string) *etree.Document {
	t.Helper()
	doc := etree.NewDocument()
	doc.ReadSettings.PreserveDuplicateAttrs = true
	if err := doc.ReadFromString(s); err != nil {
		t.Fatal(err)
	}
	return doc
}

// libxml2's canonicalizer (xmllint, the one xmlsec1 uses) is the
// reference: whole documents, with comments, in the three algorithms.
func TestCanonicalizeLikeLibxml2(t *testing.T) {
	xmllint, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("xmllint missing in CI: scripts/deps.sh installs libxml2-utils")
		}
		t.Skip("xmllint not installed (apt-get install libxml2-utils)")
	}
	files, _ := filepath.Glob("testdata/c14n-*.xml")
	if len(files) == 0 {
		t.Fatal("no testdata")
	}
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ flag, alg string }{
			{"--c14n", C14N10WithComments},
			{"--c14n11", C14N11WithComments},
			{"--exc-c14n", ExcC14NWithComments},
		} {
			want, err := exec.Command(xmllint, tc.flag, f).Output()
			if err != nil {
				t.Fatalf("xmllint %s %s: %v", tc.flag, f, err)
			}
			got, err := CanonicalizeDocument(parse(t, string(in)), tc.alg, nil)
			if err != nil {
				t.Fatalf("%s %s: %v", f, tc.alg, err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %s:\n got %q\nwant %q", f, tc.flag, got, want)
			}
		}
	}
}

// Document subsets: an element apex gets the namespaces in scope
// (inclusive: all of them, exclusive: those it uses) and, for the
// inclusive algorithms, the xml:* attributes of its ancestors.
func TestCanonicalizeSubset(t *testing.T) {
	doc := parse(t, `<r xmlns="http://d/" xmlns:p="http://p/" xmlns:q="http://q/" xml:lang="it" xml:id="top"><!--c--><p:e a="1"><!-- in --><f q:b="2"/></p:e></r>`)
	e := doc.FindElement("//e")
	for _, tc := range []struct {
		alg, prefixes, want string
	}{
		{C14N10, "", `<p:e xmlns="http://d/" xmlns:p="http://p/" xmlns:q="http://q/" a="1" xml:id="top" xml:lang="it"><f q:b="2"></f></p:e>`},
		{C14N10WithComments, "", `<p:e xmlns="http://d/" xmlns:p="http://p/" xmlns:q="http://q/" a="1" xml:id="top" xml:lang="it"><!-- in --><f q:b="2"></f></p:e>`},
		{C14N11, "", `<p:e xmlns="http://d/" xmlns:p="http://p/" xmlns:q="http://q/" a="1" xml:lang="it"><f q:b="2"></f></p:e>`},
		{ExcC14N, "", `<p:e xmlns:p="http://p/" a="1"><f xmlns="http://d/" xmlns:q="http://q/" q:b="2"></f></p:e>`},
		{ExcC14N, "#default q", `<p:e xmlns="http://d/" xmlns:p="http://p/" xmlns:q="http://q/" a="1"><f q:b="2"></f></p:e>`},
	} {
		got, err := Canonicalize(e, tc.alg, strings.Fields(tc.prefixes))
		if err != nil {
			t.Fatalf("%s: %v", tc.alg, err)
		}
		if string(got) != tc.want {
			t.Errorf("%s %q:\n got %s\nwant %s", tc.alg, tc.prefixes, got, tc.want)
		}
	}
}

// Malformed namespaces and attributes are errors, not guesses.
func TestCanonicalizeRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"undeclared element prefix":   `<p:a/>`,
		"undeclared attribute prefix": `<a p:x="1"/>`,
		"duplicate attribute":         `<a x="1" x="2"/>`,
		"same expanded name":          `<a xmlns:p="http://p/" xmlns:q="http://p/" p:x="1" q:x="2"/>`,
		"prefix undeclared to empty":  `<a xmlns:p=""/>`,
		"doctype":                     `<!DOCTYPE a><a/>`,
	} {
		doc := etree.NewDocument()
		doc.ReadSettings.PreserveDuplicateAttrs = true
		if err := doc.ReadFromString(in); err != nil {
			continue // refused by the parser: fine too
		}
		for alg := range c14nAlgorithms {
			if _, err := CanonicalizeDocument(doc, alg, nil); err == nil {
				t.Errorf("%s, %s: accepted", name, alg)
			}
		}
	}
	// Nesting is bounded; the bound is far above real documents.
	deep := strings.Repeat("<a>", maxDepth+2) + strings.Repeat("</a>", maxDepth+2)
	if _, err := CanonicalizeDocument(parse(t, deep), C14N10, nil); err == nil {
		t.Error("nesting beyond maxDepth accepted")
	}
	ok := strings.Repeat("<a>", maxDepth) + strings.Repeat("</a>", maxDepth)
	if _, err := CanonicalizeDocument(parse(t, ok), C14N10, nil); err != nil {
		t.Errorf("nesting of %d: %v", maxDepth, err)
	}
}
