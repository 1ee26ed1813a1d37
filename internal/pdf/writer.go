package pdf

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"sort"
)

// Update is one incremental update (ISO 32000-1 section 7.5.6): new and
// changed objects appended after the untouched input, with a
// cross-reference section in the form of the input's last section and a
// trailer whose /Prev points to it.
type Update struct {
	r    *Reader
	next int
	objs map[int]*upObj
	// Stream forces the form of the new section; it starts as the form
	// of the input's last section.
	Stream bool
}

type upObj struct {
	ref  Ref
	body []byte
	off  int64 // offset in the update once laid out
}

// NewUpdate starts an update of the file r reads.
func NewUpdate(r *Reader) *Update {
	next := r.MaxNum() + 1
	if s, ok := r.Trailer.Int("Size"); ok && int(s) > next && s < 1<<24 {
		next = int(s)
	}
	return &Update{r: r, next: next, objs: map[int]*upObj{}, Stream: r.Sections[0].Stream}
}

// Alloc reserves a new object number.
func (u *Update) Alloc() Ref {
	ref := Ref{Num: u.next}
	u.next++
	return ref
}

// Set writes o as object ref in the update (a new object, or a new
// version of an existing one, which keeps its number and generation).
func (u *Update) Set(ref Ref, o Object) {
	var b bytes.Buffer
	Append(&b, o)
	u.objs[ref.Num] = &upObj{ref: ref, body: b.Bytes()}
}

// Layout is an update laid out after the input.
type Layout struct {
	// Bytes are the update's bytes, to append to the input.
	Bytes []byte
	// Base is the input's size: the update's offset in the output.
	Base int64
	objs map[int]*upObj
}

// BodyOffset is the offset, in Bytes, of the first byte of object num's
// body (after "n g obj\n"); -1 if the update has no such object.
func (l *Layout) BodyOffset(num int) int64 {
	o, ok := l.objs[num]
	if !ok {
		return -1
	}
	return o.off + int64(len(fmt.Sprintf("%d %d obj\n", o.ref.Num, o.ref.Gen)))
}

// Lay lays the update out after the input's last byte.
func (u *Update) Lay() (*Layout, error) {
	r := u.r
	base := r.size
	var b bytes.Buffer
	last := make([]byte, 1)
	if _, err := r.r.ReadAt(last, base-1); err != nil {
		return nil, fmt.Errorf("reading the input's last byte: %w", err)
	}
	if last[0] != '\n' && last[0] != '\r' {
		b.WriteByte('\n')
	}
	nums := make([]int, 0, len(u.objs)+1)
	for n := range u.objs {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	for _, n := range nums {
		o := u.objs[n]
		o.off = int64(b.Len())
		fmt.Fprintf(&b, "%d %d obj\n", o.ref.Num, o.ref.Gen)
		b.Write(o.body)
		b.WriteString("\nendobj\n")
	}
	tr := Dict{}
	for _, k := range []Name{"Root", "Info", "Encrypt"} {
		if v, ok := r.Trailer[k]; ok {
			tr[k] = v
		}
	}
	tr["ID"] = u.newID()
	tr["Prev"] = r.StartXref
	xrefOff := int64(b.Len())
	if !u.Stream {
		tr["Size"] = int64(u.next)
		b.WriteString("xref\n")
		for i := 0; i < len(nums); {
			j := i
			for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
				j++
			}
			fmt.Fprintf(&b, "%d %d\n", nums[i], j-i+1)
			for k := i; k <= j; k++ {
				o := u.objs[nums[k]]
				fmt.Fprintf(&b, "%010d %05d n \n", base+o.off, o.ref.Gen)
			}
			i = j + 1
		}
		b.WriteString("trailer\n")
		Append(&b, tr)
		b.WriteString("\n")
	} else {
		self := u.Alloc()
		tr["Size"] = int64(u.next)
		all := append(nums, self.Num)
		offs := map[int]int64{self.Num: base + xrefOff}
		for _, n := range nums {
			offs[n] = base + u.objs[n].off
		}
		w2 := 1
		for max := base + xrefOff; max >= 1<<(8*w2); w2++ {
		}
		var idx Array
		var data []byte
		for i := 0; i < len(all); {
			j := i
			for j+1 < len(all) && all[j+1] == all[j]+1 {
				j++
			}
			idx = append(idx, int64(all[i]), int64(j-i+1))
			for k := i; k <= j; k++ {
				data = append(data, 1)
				off := offs[all[k]]
				for s := w2 - 1; s >= 0; s-- {
					data = append(data, byte(off>>(8*s)))
				}
				gen := 0
				if o, ok := u.objs[all[k]]; ok {
					gen = o.ref.Gen
				}
				data = append(data, byte(gen>>8), byte(gen))
			}
			i = j + 1
		}
		tr["Type"] = Name("XRef")
		tr["W"] = Array{int64(1), int64(w2), int64(2)}
		tr["Index"] = idx
		tr["Length"] = int64(len(data))
		fmt.Fprintf(&b, "%d 0 obj\n", self.Num)
		Append(&b, tr)
		b.WriteString("\nstream\n")
		b.Write(data)
		b.WriteString("\nendstream\nendobj\n")
	}
	fmt.Fprintf(&b, "startxref\n%d\n%%%%EOF\n", base+xrefOff)
	return &Layout{Bytes: b.Bytes(), Base: base, objs: u.objs}, nil
}

// newID keeps the first identifier (an encrypted file's key depends on
// it) and makes a new second one (14.4).
func (u *Update) newID() Array {
	var id0 String
	if ids, ok := u.r.Trailer["ID"].(Array); ok && len(ids) == 2 {
		if s, ok := ids[0].(String); ok {
			id0 = String{Value: s.Value, Hex: true}
		}
	}
	var seed [32]byte
	rand.Read(seed[:])
	h := sha256.Sum256(seed[:])
	id1 := String{Value: h[:16], Hex: true}
	if id0.Value == nil {
		id0 = id1
	}
	return Array{id0, id1}
}

// Rewritable returns o, read as object ref, ready to be written again as
// ref in an update. Strings of an object stored directly keep their file
// bytes (in an encrypted file, their ciphertext, which depends only on
// ref). Strings of an object that came from an object stream were
// encrypted with the stream, not one by one, so in an encrypted file they
// are encrypted for ref here.
func (r *Reader) Rewritable(ref Ref, o Object) (Object, error) {
	if _, direct := r.Offset(ref.Num); direct || r.crypt == nil {
		return o, nil
	}
	var err error
	var walk func(o Object) Object
	walk = func(o Object) Object {
		switch v := o.(type) {
		case String:
			enc, e := r.EncryptString(ref, v.Value)
			if e != nil {
				err = e
			}
			return String{Value: enc, Hex: true, Start: -1, End: -1}
		case Array:
			out := make(Array, len(v))
			for i := range v {
				out[i] = walk(v[i])
			}
			return out
		case Dict:
			out := make(Dict, len(v))
			for k, e := range v {
				out[k] = walk(e)
			}
			return out
		}
		return o
	}
	o = walk(o)
	return o, err
}
