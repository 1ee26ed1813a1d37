package xmldsig

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/beevik/etree"
)

// Canonicalization algorithms (W3C Canonical XML 1.0 and 1.1, Exclusive
// XML Canonicalization 1.0), as used in CanonicalizationMethod and
// Transform.
const (
	C14N10              = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	C14N10WithComments  = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
	C14N11              = "http://www.w3.org/2006/12/xml-c14n11"
	C14N11WithComments  = "http://www.w3.org/2006/12/xml-c14n11#WithComments"
	ExcC14N             = "http://www.w3.org/2001/10/xml-exc-c14n#"
	ExcC14NWithComments = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
)

const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

// maxDepth bounds element nesting: canonicalization recurses once per
// level. Real signed documents nest a few tens of levels.
const maxDepth = 512

type c14nMode int

const (
	inclusive10 c14nMode = iota
	inclusive11
	exclusive
)

// c14nAlgorithm describes one canonicalization URI.
type c14nAlgorithm struct {
	mode     c14nMode
	comments bool
}

var c14nAlgorithms = map[string]c14nAlgorithm{
	C14N10:              {inclusive10, false},
	C14N10WithComments:  {inclusive10, true},
	C14N11:              {inclusive11, false},
	C14N11WithComments:  {inclusive11, true},
	ExcC14N:             {exclusive, false},
	ExcC14NWithComments: {exclusive, true},
}

// IsCanonicalization reports whether uri names a canonicalization
// algorithm this package implements.
func IsCanonicalization(uri string) bool {
	_, ok := c14nAlgorithms[uri]
	return ok
}

// nodeSet is an XPath node-set of the shapes XML-DSig same-document
// references produce: a whole document, or an element with its
// descendants, minus the subtrees of some elements (the enveloped
// signature, or every ds:Signature for XPath Filter 2.0 subtract and
// the not(ancestor-or-self::ds:Signature) XPath), with or without
// comments.
type nodeSet struct {
	doc      *etree.Document // whole document, when el is nil
	el       *etree.Element
	excluded []*etree.Element // roots of the subtrees left out, in document order
	exclSet  map[*etree.Element]bool
	comments bool
}

// exclude leaves the subtree of e out of the set (once).
func (s *nodeSet) exclude(e *etree.Element) {
	if s.isExcluded(e) {
		return
	}
	if s.exclSet == nil {
		s.exclSet = map[*etree.Element]bool{}
	}
	s.exclSet[e] = true
	s.excluded = append(s.excluded, e)
}

// isExcluded reports whether e is the root of a subtree left out.
func (s *nodeSet) isExcluded(e *etree.Element) bool {
	if s.exclSet == nil {
		for _, x := range s.excluded {
			if x == e {
				return true
			}
		}
		return false
	}
	return s.exclSet[e]
}

// contains reports whether e is inside the set's apex.
func (s *nodeSet) contains(e *etree.Element) bool {
	if s.el == nil {
		return true
	}
	for p := e; p != nil; p = p.Parent() {
		if p == s.el {
			return true
		}
	}
	return false
}

// Canonicalize returns the canonical form of el and its descendants
// (a document subset: namespaces and, for inclusive algorithms, xml:*
// attributes in scope from el's ancestors are rendered on el). prefixes
// is the InclusiveNamespaces PrefixList of exclusive canonicalization
// ("#default" names the default namespace); other algorithms ignore it.
func Canonicalize(el *etree.Element, algorithm string, prefixes []string) ([]byte, error) {
	var buf bytes.Buffer
	alg, ok := c14nAlgorithms[algorithm]
	if !ok {
		return nil, &UnsupportedError{What: "canonicalization", Algorithm: algorithm}
	}
	err := canonicalize(&buf, &nodeSet{el: el, comments: true}, alg, prefixes)
	return buf.Bytes(), err
}

// CanonicalizeDocument returns the canonical form of a whole document.
func CanonicalizeDocument(doc *etree.Document, algorithm string, prefixes []string) ([]byte, error) {
	var buf bytes.Buffer
	alg, ok := c14nAlgorithms[algorithm]
	if !ok {
		return nil, &UnsupportedError{What: "canonicalization", Algorithm: algorithm}
	}
	err := canonicalize(&buf, &nodeSet{doc: doc, comments: true}, alg, prefixes)
	return buf.Bytes(), err
}

type canonicalizer struct {
	w        *bytes.Buffer
	alg      c14nAlgorithm
	set      *nodeSet
	incl     map[string]bool // exclusive: InclusiveNamespaces prefixes ("" is the default)
	scratch  []nsDecl
	attrsBuf []attr
}

type nsDecl struct{ prefix, uri string }

type attr struct {
	uri, local, qname, value string
}

// nsScope is a persistent prefix -> namespace map: each element adds
// its declarations in a new link, so siblings never see each other's.
type nsScope struct {
	parent *nsScope
	decls  []nsDecl
}

func (s *nsScope) lookup(prefix string) (string, bool) {
	for ; s != nil; s = s.parent {
		for i := len(s.decls) - 1; i >= 0; i-- {
			if s.decls[i].prefix == prefix {
				return s.decls[i].uri, true
			}
		}
	}
	if prefix == "xml" {
		return xmlNamespace, true
	}
	return "", false
}

// all returns every binding in scope, the nearest declaration of each
// prefix winning, sorted by prefix.
func (s *nsScope) all() []nsDecl {
	seen := map[string]bool{}
	var out []nsDecl
	for ; s != nil; s = s.parent {
		for i := len(s.decls) - 1; i >= 0; i-- {
			d := s.decls[i]
			if !seen[d.prefix] {
				seen[d.prefix] = true
				out = append(out, d)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].prefix < out[j].prefix })
	return out
}

func canonicalize(w *bytes.Buffer, set *nodeSet, alg c14nAlgorithm, prefixes []string) error {
	c := &canonicalizer{w: w, alg: alg, set: set}
	if alg.mode == exclusive {
		c.incl = map[string]bool{}
		for _, p := range prefixes {
			if p == "#default" {
				p = ""
			}
			c.incl[p] = true
		}
	}
	if set.el == nil {
		return c.document(set.doc)
	}
	// The apex's ancestors are outside the set: their namespace
	// declarations are in scope, their xml:* attributes inherited by
	// the inclusive algorithms.
	var anc []*etree.Element
	for p := set.el.Parent(); p != nil; p = p.Parent() {
		if p.Parent() == nil && p.Tag == "" {
			break // the document node
		}
		anc = append(anc, p)
	}
	var scope *nsScope
	for i := len(anc) - 1; i >= 0; i-- {
		d, err := declarations(anc[i])
		if err != nil {
			return err
		}
		if len(d) > 0 {
			scope = &nsScope{parent: scope, decls: d}
		}
	}
	var inherited []attr
	if alg.mode != exclusive {
		have := map[string]bool{}
		for _, a := range set.el.Attr {
			if a.Space == "xml" {
				have[a.Key] = true
			}
		}
		for _, p := range anc {
			for _, a := range p.Attr {
				if a.Space != "xml" || have[a.Key] {
					continue
				}
				switch {
				case alg.mode == inclusive11 && a.Key == "id":
					continue
				case alg.mode == inclusive11 && a.Key == "base":
					return &UnsupportedError{What: "canonicalization", Algorithm: "xml:base fixup (C14N 1.1)"}
				}
				have[a.Key] = true
				inherited = append(inherited, attr{uri: xmlNamespace, local: a.Key, qname: "xml:" + a.Key, value: a.Value})
			}
		}
	}
	return c.element(set.el, scope, nil, inherited, 0)
}

// document writes the document node: the root element, and the comments
// and processing instructions around it, each on its own line.
func (c *canonicalizer) document(doc *etree.Document) error {
	afterRoot := false
	for _, t := range doc.Child {
		switch n := t.(type) {
		case *etree.Element:
			if afterRoot {
				return &FormatError{Reason: "more than one root element"}
			}
			if err := c.element(n, nil, nil, nil, 0); err != nil {
				return err
			}
			afterRoot = true
		case *etree.Comment:
			if !c.alg.comments || !c.set.comments {
				continue
			}
			if afterRoot {
				c.w.WriteByte('\n')
			}
			c.comment(n.Data)
			if !afterRoot {
				c.w.WriteByte('\n')
			}
		case *etree.ProcInst:
			if n.Target == "xml" {
				continue // the XML declaration
			}
			if afterRoot {
				c.w.WriteByte('\n')
			}
			c.procInst(n)
			if !afterRoot {
				c.w.WriteByte('\n')
			}
		case *etree.Directive:
			return &FormatError{Reason: "document type declarations are not supported"}
		case *etree.CharData:
			if !n.IsWhitespace() {
				return &FormatError{Reason: "text outside the root element"}
			}
		}
	}
	if !afterRoot {
		return &FormatError{Reason: "no root element"}
	}
	return nil
}

// declarations returns the namespace declarations of e, checked.
func declarations(e *etree.Element) ([]nsDecl, error) {
	var out []nsDecl
	for _, a := range e.Attr {
		var d nsDecl
		switch {
		case a.Space == "xmlns":
			d = nsDecl{a.Key, a.Value}
			if a.Value == "" {
				return nil, &FormatError{Reason: fmt.Sprintf("namespace prefix %q undeclared (XML 1.1 only)", a.Key)}
			}
			if a.Key == "xmlns" || (a.Key == "xml") != (a.Value == xmlNamespace) {
				return nil, &FormatError{Reason: fmt.Sprintf("reserved namespace prefix %q misused", a.Key)}
			}
		case a.Space == "" && a.Key == "xmlns":
			d = nsDecl{"", a.Value}
			if a.Value == xmlNamespace {
				return nil, &FormatError{Reason: "the XML namespace as default namespace"}
			}
		default:
			continue
		}
		for _, o := range out {
			if o.prefix == d.prefix {
				return nil, &FormatError{Reason: fmt.Sprintf("namespace prefix %q declared twice on one element", d.prefix)}
			}
		}
		out = append(out, d)
	}
	return out, nil
}

// element writes e. scope holds the namespaces in scope at e's parent,
// rendered those the output has declared at e's nearest output
// ancestor; inherited are xml:* attributes to add (at the apex only).
func (c *canonicalizer) element(e *etree.Element, scope, rendered *nsScope, inherited []attr, depth int) error {
	if depth > maxDepth {
		return &FormatError{Reason: fmt.Sprintf("elements nested more than %d deep", maxDepth)}
	}
	decls, err := declarations(e)
	if err != nil {
		return err
	}
	if len(decls) > 0 {
		scope = &nsScope{parent: scope, decls: decls}
	}
	if _, ok := scope.lookup(e.Space); !ok && e.Space != "" {
		return &FormatError{Reason: fmt.Sprintf("element %s:%s: namespace prefix not declared", e.Space, e.Tag)}
	}
	// Attributes other than namespace declarations, with their
	// namespace: unprefixed attributes have none.
	attrs := c.attrsBuf[:0]
	for _, a := range e.Attr {
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			continue
		}
		at := attr{local: a.Key, qname: a.Key, value: a.Value}
		if a.Space != "" {
			uri, ok := scope.lookup(a.Space)
			if !ok {
				return &FormatError{Reason: fmt.Sprintf("attribute %s:%s: namespace prefix not declared", a.Space, a.Key)}
			}
			at.uri, at.qname = uri, a.Space+":"+a.Key
		}
		for _, o := range attrs {
			if o.uri == at.uri && o.local == at.local {
				return &FormatError{Reason: fmt.Sprintf("attribute %s repeated on element %s", at.qname, e.Tag)}
			}
		}
		attrs = append(attrs, at)
	}
	attrs = append(attrs, inherited...)
	sort.Slice(attrs, func(i, j int) bool {
		if attrs[i].uri != attrs[j].uri {
			return attrs[i].uri < attrs[j].uri
		}
		return attrs[i].local < attrs[j].local
	})

	// Namespace declarations to render.
	out := c.scratch[:0]
	if c.alg.mode == exclusive {
		used := []string{e.Space}
		for _, a := range e.Attr {
			if a.Space != "" && a.Space != "xmlns" && a.Space != "xml" {
				used = append(used, a.Space)
			}
		}
		for p := range c.incl {
			if _, ok := scope.lookup(p); ok || p == "" {
				used = append(used, p)
			}
		}
		for _, p := range used {
			if p == "xml" {
				continue
			}
			uri, _ := scope.lookup(p)
			if done, ok := rendered.lookup(p); (ok && done == uri) || (!ok && p == "" && uri == "") {
				continue
			}
			dup := false
			for _, o := range out {
				dup = dup || o.prefix == p
			}
			if !dup {
				out = append(out, nsDecl{p, uri})
			}
		}
	} else {
		// Below the apex the output has rendered every namespace in
		// scope at the parent: only e's own declarations can differ.
		cands := decls
		if depth == 0 {
			cands = scope.all()
		}
		for _, d := range cands {
			if d.prefix == "xml" {
				continue
			}
			if done, ok := rendered.lookup(d.prefix); (ok && done == d.uri) || (!ok && d.prefix == "" && d.uri == "") {
				continue
			}
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].prefix < out[j].prefix })

	w := c.w
	qname := e.Tag
	if e.Space != "" {
		qname = e.Space + ":" + e.Tag
	}
	w.WriteByte('<')
	w.WriteString(qname)
	for _, d := range out {
		if d.prefix == "" {
			w.WriteString(` xmlns="`)
		} else {
			w.WriteString(" xmlns:")
			w.WriteString(d.prefix)
			w.WriteString(`="`)
		}
		escapeAttr(w, d.uri)
		w.WriteByte('"')
	}
	for _, a := range attrs {
		w.WriteByte(' ')
		w.WriteString(a.qname)
		w.WriteString(`="`)
		escapeAttr(w, a.value)
		w.WriteByte('"')
	}
	w.WriteByte('>')
	if len(out) > 0 {
		rendered = &nsScope{parent: rendered, decls: append([]nsDecl(nil), out...)}
	}
	c.scratch = out[:0]
	c.attrsBuf = attrs[:0]

	for _, t := range e.Child {
		switch n := t.(type) {
		case *etree.Element:
			if len(c.set.excluded) > 0 && c.set.isExcluded(n) {
				continue
			}
			if err := c.element(n, scope, rendered, nil, depth+1); err != nil {
				return err
			}
		case *etree.CharData:
			escapeText(w, n.Data)
		case *etree.Comment:
			if c.alg.comments && c.set.comments {
				c.comment(n.Data)
			}
		case *etree.ProcInst:
			c.procInst(n)
		case *etree.Directive:
			return &FormatError{Reason: "a directive inside an element"}
		}
	}
	w.WriteString("</")
	w.WriteString(qname)
	w.WriteByte('>')
	return nil
}

func (c *canonicalizer) comment(data string) {
	c.w.WriteString("<!--")
	c.w.WriteString(normalizeNewlines(data))
	c.w.WriteString("-->")
}

func (c *canonicalizer) procInst(p *etree.ProcInst) {
	c.w.WriteString("<?")
	c.w.WriteString(p.Target)
	if inst := strings.TrimLeft(normalizeNewlines(p.Inst), " \t\n"); inst != "" {
		c.w.WriteByte(' ')
		c.w.WriteString(inst)
	}
	c.w.WriteString("?>")
}

// normalizeNewlines does the end-of-line handling an XML processor
// does; encoding/xml does it for text and attribute values only.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

func escapeText(w *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		w.WriteString(s[last:i])
		w.WriteString(esc)
		last = i + 1
	}
	w.WriteString(s[last:])
}

func escapeAttr(w *bytes.Buffer, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '"':
			esc = "&quot;"
		case '\t':
			esc = "&#x9;"
		case '\n':
			esc = "&#xA;"
		case '\r':
			esc = "&#xD;"
		default:
			continue
		}
		w.WriteString(s[last:i])
		w.WriteString(esc)
		last = i + 1
	}
	w.WriteString(s[last:])
}
