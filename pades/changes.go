package pades

import (
	"bytes"
	"sort"

	"github.com/firma-dev/firma/internal/pdf"
	"github.com/firma-dev/firma/verify"
)

// Change classes, as EU DSS sorts a revision's object differences
// (eu.europa.esig.dss.pdf.modifications) and pyHanko's diff levels.
const (
	changeLTV          = "dss_or_timestamp"
	changeSignature    = "signature_or_form_fill"
	changeAnnotation   = "annotation"
	changePagesAdded   = "pages_added"
	changePagesRemoved = "pages_removed"
	changeUndefined    = "undefined"
)

// maxChangedObjects bounds the objects classified per signature.
const maxChangedObjects = 100000

// revisionOf is the revision (from 1) whose bytes hold offset off.
func (v *pdfVerifier) revisionOf(off int64) int {
	for i, e := range v.revs {
		if off < e {
			return i + 1
		}
	}
	return len(v.revs)
}

// changesAfter classifies what the revisions after the signed one
// changed, and records it on s: page count changes fail (DSS's
// PdfPageDifference), undefined changes warn (UndefinedChanges), the
// rest is named.
func (v *pdfVerifier) changesAfter(s *verify.Signature, f sigField) {
	info := s.PDF
	end := info.ByteRange[2] + info.ByteRange[3]
	if info.WholeFile {
		return
	}
	old, err := pdf.Open(v.in, end, pdf.Options{Password: v.opts.Password})
	if err != nil {
		s.AddCheck("changes_after", verify.FormatFailure, verify.Messagef("the signed revision cannot be read: %s", err))
		return
	}
	fin := v.final
	type key struct {
		class string
		rev   int
	}
	found := map[key][]verify.Message{}
	add := func(class string, rev int, what verify.Message) {
		k := key{class, rev}
		if len(found[k]) < 20 {
			found[k] = append(found[k], what)
		}
	}
	// Pages: the signed document's page list against the final one.
	oldPages, err1 := old.Pages()
	newPages, err2 := fin.Pages()
	if err1 == nil && err2 == nil {
		was := map[pdf.Ref]bool{}
		for _, p := range oldPages {
			was[p] = true
		}
		now := map[pdf.Ref]bool{}
		for i, p := range newPages {
			now[p] = true
			if !was[p] {
				off, _ := fin.Where(p.Num)
				add(changePagesAdded, v.revisionOf(off), verify.Messagef("page %d", i+1))
			}
		}
		for i, p := range oldPages {
			if !now[p] {
				add(changePagesRemoved, len(v.revs), verify.Messagef("page %d of the signed revision", i+1))
			}
		}
	}
	ctx := newDiffContext(fin)
	nums := fin.Nums()
	sort.Ints(nums)
	n := 0
	for _, num := range nums {
		offNew, inNew := fin.Where(num)
		offOld, inOld := old.Where(num)
		if inNew == inOld && (!inNew || offNew == offOld) {
			continue
		}
		if n++; n > maxChangedObjects {
			break
		}
		rev := v.revisionOf(offNew)
		if !inNew {
			add(changeUndefined, len(v.revs), verify.Messagef("object %d deleted", num))
			continue
		}
		ref := fin.RefOf(num)
		o, err := fin.Get(ref)
		if err != nil {
			add(changeUndefined, rev, verify.Messagef("%s (unreadable)", ref.String()))
			continue
		}
		var prev pdf.Object
		if inOld {
			prev, _ = old.Get(old.RefOf(num))
		}
		if class, what := ctx.classify(ref, o, prev); class != "" {
			add(class, rev, what)
		}
	}
	keys := make([]key, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].rev != keys[j].rev {
			return keys[i].rev < keys[j].rev
		}
		return keys[i].class < keys[j].class
	})
	var undefined, pages verify.List
	for _, k := range keys {
		info.Changes = append(info.Changes, verify.PDFChange{Class: k.class, Revision: k.rev, Objects: found[k]})
		switch k.class {
		case changeUndefined:
			undefined = append(undefined, verify.Messagef("revision %d: %s", k.rev, verify.Series(found[k])))
		case changePagesAdded:
			pages = append(pages, verify.Messagef("revision %d added %s", k.rev, verify.Series(found[k])))
		case changePagesRemoved:
			pages = append(pages, verify.Messagef("removed %s", verify.Series(found[k])))
		}
	}
	if len(pages) > 0 {
		s.AddCheck("changes_after", verify.FormatFailure, verify.Messagef("pages changed after this signature: %s (what was signed is not what the file shows)", pages))
	}
	if len(undefined) > 0 {
		s.AddWarning("changes_after", verify.Messagef("after this signature the file was changed in ways that are neither signatures, form filling, annotations nor long-term validation data: %s; the signed revision differs from the file shown", undefined))
	}
	if len(pages) == 0 && len(undefined) == 0 {
		var classes []string
		for _, k := range keys {
			classes = append(classes, k.class)
		}
		s.AddCheck("changes_after", "", verify.Messagef("later revisions only add: %s", changeClasses(classes)))
	}
}

// changeClasses names classes of changes, each once, as words of the
// report (verify.Word).
func changeClasses(classes []string) verify.Series {
	seen := map[string]bool{}
	var out verify.Series
	for _, c := range classes {
		if !seen[c] {
			seen[c] = true
			out = append(out, verify.Messagef("%s", verify.Word(c)))
		}
	}
	if out == nil {
		out = verify.Series{verify.Messagef("nothing (only cross-reference data)")}
	}
	return out
}

// diffContext knows the final revision's roles of objects: the catalog,
// the form, pages' /Annots arrays, the DSS.
type diffContext struct {
	r      *pdf.Reader
	root   pdf.Ref
	form   map[int]bool // the AcroForm dictionary and its /Fields array
	annots map[int]bool // pages' /Annots arrays
	dss    map[int]bool // the DSS, its arrays, VRI and the data they list
}

func newDiffContext(r *pdf.Reader) *diffContext {
	c := &diffContext{r: r, form: map[int]bool{}, annots: map[int]bool{}, dss: map[int]bool{}}
	c.root, _ = r.Trailer["Root"].(pdf.Ref)
	cat, err := r.Catalog()
	if err != nil {
		return c
	}
	mark := func(m map[int]bool, o pdf.Object) {
		if ref, ok := o.(pdf.Ref); ok {
			m[ref.Num] = true
		}
	}
	mark(c.form, cat["AcroForm"])
	if af, _ := r.ResolveDict(cat["AcroForm"]); af != nil {
		mark(c.form, af["Fields"])
	}
	if pages, err := r.Pages(); err == nil {
		for _, p := range pages {
			if d, _ := r.ResolveDict(p); d != nil {
				mark(c.annots, d["Annots"])
			}
		}
	}
	mark(c.dss, cat["DSS"])
	if dss, _ := r.ResolveDict(cat["DSS"]); dss != nil {
		for _, k := range []pdf.Name{"Certs", "OCSPs", "CRLs"} {
			mark(c.dss, dss[k])
			a, _ := r.Resolve(dss[k])
			arr, _ := a.(pdf.Array)
			for _, e := range arr {
				mark(c.dss, e)
			}
		}
		mark(c.dss, dss["VRI"])
		if vri, _ := r.ResolveDict(dss["VRI"]); vri != nil {
			for _, e := range vri {
				mark(c.dss, e)
				if d, _ := r.ResolveDict(e); d != nil {
					for _, k := range []pdf.Name{"Cert", "OCSP", "CRL", "TS"} {
						mark(c.dss, d[k])
						a, _ := r.Resolve(d[k])
						arr, _ := a.(pdf.Array)
						for _, x := range arr {
							mark(c.dss, x)
						}
					}
				}
			}
		}
	}
	return c
}

func dictOf(o pdf.Object) pdf.Dict {
	switch v := o.(type) {
	case pdf.Dict:
		return v
	case *pdf.Stream:
		return v.Dict
	}
	return nil
}

// sameExcept reports whether a and b are equal once keys are left out.
func sameExcept(a, b pdf.Dict, keys ...pdf.Name) bool {
	if a == nil || b == nil {
		return false
	}
	a, b = a.Clone(), b.Clone()
	for _, k := range keys {
		delete(a, k)
		delete(b, k)
	}
	var x, y bytes.Buffer
	pdf.Append(&x, stripOffsets(a))
	pdf.Append(&y, stripOffsets(b))
	return bytes.Equal(x.Bytes(), y.Bytes())
}

// stripOffsets writes strings by value, so that an object compares
// equal to its copy wherever it sits.
func stripOffsets(o pdf.Object) pdf.Object {
	switch v := o.(type) {
	case pdf.String:
		return pdf.String{Value: v.Value, Hex: true}
	case pdf.Array:
		out := make(pdf.Array, len(v))
		for i := range v {
			out[i] = stripOffsets(v[i])
		}
		return out
	case pdf.Dict:
		out := make(pdf.Dict, len(v))
		for k, e := range v {
			out[k] = stripOffsets(e)
		}
		return out
	case *pdf.Stream:
		return stripOffsets(v.Dict)
	}
	return o
}

// classify sorts one new or changed object; "" when it is bookkeeping
// (cross-reference streams, object streams, an unchanged rewrite).
func (c *diffContext) classify(ref pdf.Ref, o, prev pdf.Object) (string, verify.Message) {
	r := ref.String()
	what := verify.Messagef("%s", r)
	d := dictOf(o)
	if c.dss[ref.Num] {
		return changeLTV, what
	}
	if c.form[ref.Num] {
		return changeSignature, verify.Messagef("%s (form)", r)
	}
	if c.annots[ref.Num] {
		return changeAnnotation, verify.Messagef("%s (page annotations list)", r)
	}
	if d == nil {
		if prev != nil && sameExcept(pdf.Dict{"v": o}, pdf.Dict{"v": prev}) {
			return "", verify.Message{}
		}
		return changeUndefined, what
	}
	pd := dictOf(prev)
	switch {
	case d.Name("Type") == "XRef" || d.Name("Type") == "ObjStm":
		return "", verify.Message{}
	case d.Name("Type") == "DocTimeStamp" || d.Name("SubFilter") == "ETSI.RFC3161":
		return changeLTV, verify.Messagef("%s (document timestamp)", r)
	case d.Name("Type") == "Sig" || d["ByteRange"] != nil:
		return changeSignature, verify.Messagef("%s (signature)", r)
	case d.Name("Type") == "DSS":
		return changeLTV, verify.Messagef("%s (DSS)", r)
	case ref == c.root:
		if prev != nil && sameExcept(d, pd, "AcroForm", "DSS", "Perms", "Extensions", "NeedsRendering") {
			return "", verify.Message{}
		}
		return changeUndefined, verify.Messagef("%s (catalog)", r)
	case d.Name("Subtype") == "Widget" || d["FT"] != nil || (d["T"] != nil && d["Parent"] != nil):
		return changeSignature, verify.Messagef("%s (form field)", r)
	case d.Name("Type") == "Annot" || (d["Subtype"] != nil && d["Rect"] != nil && d.Name("Type") == ""):
		return changeAnnotation, verify.Messagef("%s (%s annotation)", r, string(d.Name("Subtype")))
	case d.Name("Type") == "Page":
		if prev != nil && sameExcept(d, pd, "Annots") {
			if c.onlyWidgetsAdded(d, pd) {
				return changeSignature, verify.Messagef("%s (page: signature widget)", r)
			}
			return changeAnnotation, verify.Messagef("%s (page annotations)", r)
		}
		return changeUndefined, verify.Messagef("%s (page content or resources)", r)
	case d.Name("Type") == "Pages":
		// Page additions and removals are counted from the page lists.
		if prev != nil && sameExcept(d, pd, "Kids", "Count") {
			return "", verify.Message{}
		}
		return changeUndefined, verify.Messagef("%s (page tree)", r)
	case d.Name("Subtype") == "Form" && d["BBox"] != nil:
		return changeAnnotation, verify.Messagef("%s (appearance)", r)
	}
	if prev != nil && sameExcept(d, pd) {
		if s, ok := o.(*pdf.Stream); !ok || s.Length == prev.(*pdf.Stream).Length {
			return "", verify.Message{}
		}
	}
	return changeUndefined, what
}

// docMDP applies the certification signature's DocMDP permission to the
// changes after it (ISO 32000-1 12.8.2.2): a violation is a warning, as in
// EU DSS, with the words that Acrobat and pyHanko call it invalid.
func (v *pdfVerifier) docMDP(sigs []*verify.Signature) {
	cat, err := v.final.Catalog()
	if err != nil {
		return
	}
	perms, _ := v.final.ResolveDict(cat["Perms"])
	if perms == nil {
		return
	}
	cd, _ := v.final.ResolveDict(perms["DocMDP"])
	if cd == nil {
		return
	}
	p := mdpP(v.final, cd)
	if p == 0 {
		p = 2
	}
	for _, s := range sigs {
		if s.PDF == nil || s.PDF.Revision == 0 {
			continue
		}
		cs, _ := cd["Contents"].(pdf.String)
		if cs.Start != s.PDF.ByteRange[1] {
			continue
		}
		s.PDF.Certification = int(p)
		var bad []string
		for _, c := range s.PDF.Changes {
			switch {
			case c.Class == changeLTV:
			case p == 1:
				bad = append(bad, c.Class)
			case c.Class == changeSignature:
			case c.Class == changeAnnotation && p == 3:
			default:
				bad = append(bad, c.Class)
			}
		}
		if len(bad) > 0 {
			s.AddWarning("docmdp", verify.Messagef("this certification signature allows %s (DocMDP P=%d), yet later revisions made: %s; EU DSS only warns, Acrobat and pyHanko call the signature invalid", mdpWords(p), p, changeClasses(bad)))
		} else {
			s.AddCheck("docmdp", "", verify.Messagef("certification signature (DocMDP P=%d): later changes are within what it allows", p))
		}
	}
}

func mdpWords(p int64) verify.Message {
	switch p {
	case 1:
		return verify.Messagef("no change at all")
	case 2:
		return verify.Messagef("only form filling and signatures")
	}
	return verify.Messagef("only form filling, signatures and annotations")
}

// onlyWidgetsAdded reports whether a page's /Annots grew by widgets only
// (a new signature or form field), not by other annotations.
func (c *diffContext) onlyWidgetsAdded(d, prev pdf.Dict) bool {
	was := map[pdf.Ref]bool{}
	if a, _ := prev["Annots"].(pdf.Array); a != nil {
		for _, e := range a {
			if r, ok := e.(pdf.Ref); ok {
				was[r] = true
			}
		}
	}
	a, _ := d["Annots"].(pdf.Array)
	for _, e := range a {
		if r, ok := e.(pdf.Ref); ok && was[r] {
			continue
		}
		ad, _ := c.r.ResolveDict(e)
		if ad.Name("Subtype") != "Widget" {
			return false
		}
	}
	return true
}
