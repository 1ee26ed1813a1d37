package xmldsig

import (
	"strings"

	"github.com/beevik/etree"
)

// The XPath this package evaluates: not XPath 1.0, only the
// expressions that real signatures (SdI's receipts, InfoCert, Actalis,
// EU DSS) use to leave signatures out of what they sign. Any other
// expression is an UnsupportedError naming it: a guess at an XPath would
// say "valid" about data nobody checked.
//
//   - XPath Filter 2.0 subtract of "/descendant::ds:Signature" or
//     "//ds:Signature": every ds:Signature subtree leaves the set;
//   - the XPath transform "not(ancestor-or-self::ds:Signature)": the
//     same set;
//   - the XPath transform XML-DSig gives for the enveloped signature,
//     "count(ancestor-or-self::ds:Signature | here()/ancestor::ds:Signature[1])
//     > count(ancestor-or-self::ds:Signature)": the enveloped-signature
//     transform.
//
// ds is any prefix bound to the XML-DSig namespace where the expression
// is written (in the canonical SignedInfo, the octets signed).

// filter2 applies an XPath Filter 2.0 transform to set.
func (s *Signature) filter2(t *etree.Element, set *nodeSet) error {
	n := 0
	for _, x := range t.ChildElements() {
		if x.Tag != "XPath" || x.NamespaceURI() != Filter2 {
			return &FormatError{Reason: "unexpected element " + x.FullTag() + " in an XPath Filter 2.0 transform"}
		}
		n++
		filter := x.SelectAttrValue("Filter", "")
		expr, ok := xpathText(x)
		if !ok {
			return &FormatError{Reason: "an element inside an XPath Filter 2.0 expression"}
		}
		p, ok := matchSignatureSteps(expr, "", "/descendant::", "//")
		if filter != "subtract" || !ok || lookupNS(x, p) != Namespace {
			return &UnsupportedError{What: "transform", Algorithm: "XPath Filter 2.0 " + filter + " " + strings.TrimSpace(expr)}
		}
		if err := s.removeSignatures(set); err != nil {
			return err
		}
	}
	if n == 0 {
		return &FormatError{Reason: "an XPath Filter 2.0 transform without an expression"}
	}
	return nil
}

// xpath applies an XPath transform to set.
func (s *Signature) xpath(ref *Reference, t *etree.Element, set *nodeSet) error {
	kids := t.ChildElements()
	if len(kids) != 1 || !isDS(kids[0], "XPath") {
		return &FormatError{Reason: "an XPath transform needs one ds:XPath"}
	}
	x := kids[0]
	expr, ok := xpathText(x)
	if !ok {
		return &FormatError{Reason: "an element inside an XPath expression"}
	}
	e := strings.Join(strings.Fields(expr), "")
	if p, ok := matchSignatureSteps(e, ")", "not(ancestor-or-self::"); ok && lookupNS(x, p) == Namespace {
		return s.removeSignatures(set)
	}
	// count(ancestor-or-self::P:Signature|here()/ancestor::P:Signature[1])>count(ancestor-or-self::P:Signature)
	if rest, ok := strings.CutPrefix(e, "count(ancestor-or-self::"); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			p := rest[:i]
			want := "count(ancestor-or-self::" + p + ":Signature|here()/ancestor::" + p + ":Signature[1])>count(ancestor-or-self::" + p + ":Signature)"
			if e == want && lookupNS(x, p) == Namespace {
				return s.enveloped(ref, set)
			}
		}
	}
	return &UnsupportedError{What: "transform", Algorithm: "XPath " + strings.TrimSpace(expr)}
}

// matchSignatureSteps reads "<start>P:Signature<end>" for one of
// starts (whitespace ignored) and returns P.
func matchSignatureSteps(expr, end string, starts ...string) (string, bool) {
	e := strings.Join(strings.Fields(expr), "")
	for _, pre := range starts {
		rest, ok := strings.CutPrefix(e, pre)
		if !ok {
			continue
		}
		p, after, ok := strings.Cut(rest, ":Signature")
		if !ok || p == "" || strings.ContainsAny(p, "/:()[]|*@") {
			continue
		}
		if after == end {
			return p, true
		}
	}
	return "", false
}

// removeSignatures leaves every ds:Signature subtree out of set. A set
// whose apex is inside a signature would be left empty: refused.
func (s *Signature) removeSignatures(set *nodeSet) error {
	if s.signatures == nil {
		s.signatures = OutermostSignatures(s.doc)
	}
	for _, sig := range s.signatures {
		if set.el != nil && (set.el == sig || isInside(set.el, sig)) {
			return &FormatError{Reason: "the transforms remove the whole referenced element"}
		}
		if set.contains(sig) {
			set.exclude(sig)
		}
	}
	return nil
}

// xpathText is the text of an expression element.
func xpathText(x *etree.Element) (string, bool) {
	var b strings.Builder
	for _, t := range x.Child {
		switch n := t.(type) {
		case *etree.CharData:
			b.WriteString(n.Data)
		case *etree.Element:
			return "", false
		}
	}
	return b.String(), true
}

// lookupNS returns the namespace bound to prefix where e is.
func lookupNS(e *etree.Element, prefix string) string {
	for ; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			if (prefix != "" && a.Space == "xmlns" && a.Key == prefix) || (prefix == "" && a.Space == "" && a.Key == "xmlns") {
				return a.Value
			}
		}
	}
	return ""
}

// OutermostSignatures returns the ds:Signature elements of doc that are
// not inside another one, in document order.
func OutermostSignatures(doc *etree.Document) []*etree.Element {
	out := []*etree.Element{}
	walkElements(&doc.Element, func(e *etree.Element) bool {
		if isDS(e, "Signature") {
			out = append(out, e)
			return false
		}
		return true
	})
	return out
}

// Signatures returns every ds:Signature element of doc, nested ones
// (counter-signatures) included, in document order.
func Signatures(doc *etree.Document) []*etree.Element {
	var out []*etree.Element
	walkElements(&doc.Element, func(e *etree.Element) bool {
		if isDS(e, "Signature") {
			out = append(out, e)
		}
		return true
	})
	return out
}

// walkElements visits the elements under root in document order,
// without recursion; visit returns false to skip an element's children.
func walkElements(root *etree.Element, visit func(*etree.Element) bool) {
	stack := []*etree.Element{root}
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if e != root && !visit(e) {
			continue
		}
		for i := len(e.Child) - 1; i >= 0; i-- {
			if c, ok := e.Child[i].(*etree.Element); ok {
				stack = append(stack, c)
			}
		}
	}
}
