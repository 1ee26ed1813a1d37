package cms

import (
	"crypto"
	"fmt"
	"io"
)

// TimeStampedData is a parsed RFC 5544 TimeStampedData (a .tsd file):
// content with the timestamp tokens that date it.
type TimeStampedData struct {
	Version int
	DataURI string
	// MetaData is the MetaData element as stored, nil when absent.
	MetaData []byte
	// HashProtected reports MetaData.hashProtected: the first token's
	// imprint then also covers the DER of the MetaData.
	HashProtected bool
	// Detached is true when the content is absent (only dataUri).
	Detached      bool
	ContentLength int64
	// ContentDigests holds the content digests for ParseOptions.ExtraDigests
	// (a .tsd declares no algorithms before its content).
	ContentDigests map[crypto.Hash][]byte
	// Tokens are the TimeStampToken ContentInfo elements as stored, in
	// order; the first dates the content, each next one the previous.
	Tokens [][]byte
	// CRLs stored next to the tokens, as stored (nil when absent).
	CRLs [][]byte
	// EvidenceKind is "tst" for timestamp tokens; "ers" and "other"
	// evidence is recognised but not verifiable.
	EvidenceKind string
	Trailer      Trailer
}

// TimeStampedData reads the TimeStampedData content of ci (content type
// OIDTimeStampedData), streaming the content to opts.Content and hashing
// it with opts.ExtraDigests. Call Close afterwards.
func (ci *ContentInfo) TimeStampedData(opts ParseOptions) (*TimeStampedData, error) {
	if opts.MaxElement <= 0 {
		opts.MaxElement = DefaultMaxElement
	}
	r := ci.r
	t := &TimeStampedData{ContentDigests: map[crypto.Hash][]byte{}, Detached: true}
	f, err := r.Enter(ClassUniversal, TagSequence)
	if err != nil {
		return nil, fmt.Errorf("reading TimeStampedData: %w", err)
	}
	if t.Version, err = r.readSmallInt(); err != nil {
		return nil, fmt.Errorf("reading TimeStampedData version: %w", err)
	}
	for {
		more, err := r.More(&f)
		if err != nil {
			return nil, err
		}
		if !more {
			return nil, r.truncated("TimeStampedData without temporal evidence")
		}
		h, err := r.PeekHeader()
		if err != nil {
			if err == io.EOF {
				return nil, r.truncated("TimeStampedData")
			}
			return nil, err
		}
		switch {
		case h.Is(ClassUniversal, TagIA5String):
			e, err := r.readSmall(opts.MaxElement)
			if err != nil {
				return nil, err
			}
			b, err := e.Bytes()
			if err != nil {
				return nil, err
			}
			t.DataURI = string(b)
		case h.Is(ClassUniversal, TagSequence):
			e, err := r.readSmall(opts.MaxElement)
			if err != nil {
				return nil, err
			}
			t.MetaData = e.Raw
			kids, err := e.Children()
			if err != nil {
				return nil, err
			}
			if len(kids) > 0 && kids[0].Is(ClassUniversal, TagBoolean) && len(kids[0].Content) == 1 {
				t.HashProtected = kids[0].Content[0] != 0
			}
		case h.Is(ClassUniversal, TagOctetString):
			n, digests, err := hashContent(r, opts.ExtraDigests, opts.Content, nil)
			t.ContentLength = n
			if err != nil {
				return nil, fmt.Errorf("reading time-stamped content: %w", err)
			}
			for k, d := range digests {
				t.ContentDigests[k] = d
			}
			t.Detached = false
		case h.Class == ClassContext:
			if err := t.readEvidence(r, h, opts.MaxElement); err != nil {
				return nil, err
			}
			if err := r.Leave(&f); err != nil {
				return nil, err
			}
			return t, nil
		default:
			return nil, r.errorf("unexpected %s in TimeStampedData", h)
		}
	}
}

func (t *TimeStampedData) readEvidence(r *Reader, h Header, limit int64) error {
	e, err := r.readSmall(limit)
	if err != nil {
		return fmt.Errorf("reading temporal evidence: %w", err)
	}
	switch h.Tag {
	case 0:
		t.EvidenceKind = "tst"
	case 1:
		t.EvidenceKind = "ers"
		return nil
	default:
		t.EvidenceKind = "other"
		return nil
	}
	items, err := e.Children()
	if err != nil {
		return err
	}
	for _, it := range items {
		parts, err := it.Children()
		if err != nil || len(parts) == 0 {
			return &FormatError{Offset: r.Offset(), Msg: "bad TimeStampAndCRL"}
		}
		t.Tokens = append(t.Tokens, parts[0].Raw)
		if len(parts) > 1 {
			t.CRLs = append(t.CRLs, parts[1].Raw)
		}
	}
	if len(t.Tokens) == 0 {
		return &FormatError{Offset: r.Offset(), Msg: "TimeStampedData without timestamp tokens"}
	}
	return nil
}
