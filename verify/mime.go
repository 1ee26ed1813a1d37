package verify

import (
	"bufio"
	"bytes"
	"crypto"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"

	"github.com/firma-dev/firma/internal/cms"
)

// MIMEError reports an .m7m that cannot be split into its parts.
type MIMEError struct{ Msg string }

func (e *MIMEError) Error() string { return "reading MIME (.m7m) file: " + e.Msg }

// maxMIMEParts bounds the number of parts looked at.
const maxMIMEParts = 16

// mimePart is what a part holds.
type mimePart int

const (
	partOther mimePart = iota
	partSigned
	partToken
)

func classifyPart(h textproto.MIMEHeader) mimePart {
	ct, params, _ := mime.ParseMediaType(h.Get("Content-Type"))
	name := strings.ToLower(params["name"])
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil && dp["filename"] != "" {
		name = strings.ToLower(dp["filename"])
	}
	switch {
	case strings.HasSuffix(name, ".tst"), strings.HasSuffix(name, ".tsr"),
		ct == "application/timestamp-reply", ct == "application/timestamp-token", ct == "application/timestamp", ct == "application/vnd.etsi.timestamp-token":
		return partToken
	case strings.HasSuffix(name, ".p7m"), strings.HasSuffix(name, ".p7s"),
		ct == "application/pkcs7-mime", ct == "application/x-pkcs7-mime", ct == "application/pkcs7-signature", ct == "application/x-pkcs7-signature":
		return partSigned
	}
	return partOther
}

func partBody(p *multipart.Part) io.Reader {
	switch strings.ToLower(strings.TrimSpace(p.Header.Get("Content-Transfer-Encoding"))) {
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &spaceDropper{r: bufio.NewReader(p)})
	case "quoted-printable":
		return quotedprintable.NewReader(p)
	}
	return p
}

// spaceDropper removes blanks and line breaks from base64 text.
type spaceDropper struct{ r io.Reader }

func (s *spaceDropper) Read(p []byte) (int, error) {
	for {
		n, err := s.r.Read(p)
		j := 0
		for _, c := range p[:n] {
			if c == '\r' || c == '\n' || c == ' ' || c == '\t' {
				continue
			}
			p[j] = c
			j++
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// verifyMIME reads an .m7m: the signed file is verified as a stream and
// hashed on the way, the token is then checked against that hash.
func (v *verifier) verifyMIME(r io.Reader, plain *plainSink) error {
	br := bufio.NewReader(r)
	hdr, err := readHeaderBlock(br)
	if err != nil {
		return err
	}
	msg, err := mail.ReadMessage(io.MultiReader(bytes.NewReader(hdr), br))
	if err != nil {
		return &MIMEError{Msg: err.Error()}
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") || params["boundary"] == "" {
		return &MIMEError{Msg: "not a multipart message"}
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var tokens [][]byte
	var fileDigests map[crypto.Hash][]byte
	signed := false
	for i := 0; ; i++ {
		if i >= maxMIMEParts {
			return &MIMEError{Msg: fmt.Sprintf("more than %d parts", maxMIMEParts)}
		}
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return &MIMEError{Msg: err.Error()}
		}
		body := partBody(p)
		kind := classifyPart(p.Header)
		if kind == partOther {
			// Unlabelled parts are recognised from their bytes.
			br := bufio.NewReaderSize(body, 4096)
			head, _ := br.Peek(nestSniff)
			body = br
			if looksNested(head) {
				kind = partSigned
			} else if len(head) > 0 && head[0] == 0x30 {
				kind = partToken
			}
		}
		switch kind {
		case partSigned:
			if signed {
				return &MIMEError{Msg: "more than one signed part"}
			}
			signed = true
			hs := map[crypto.Hash]hash.Hash{}
			for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
				hs[h] = h.New()
			}
			ws := []io.Writer{}
			for _, h := range hs {
				ws = append(ws, h)
			}
			tee := io.TeeReader(body, io.MultiWriter(ws...))
			form, br, err := cms.Detect(tee)
			if err != nil {
				return fmt.Errorf("the signed part of the .m7m: %w", err)
			}
			v.report.Layers = v.layer(0, form, br, plain)
			io.Copy(io.Discard, tee)
			fileDigests = map[crypto.Hash][]byte{}
			for k, h := range hs {
				fileDigests[k] = h.Sum(nil)
			}
		case partToken:
			b, err := io.ReadAll(io.LimitReader(body, cms.MaxTimestampToken+1))
			if err != nil {
				return &MIMEError{Msg: err.Error()}
			}
			if len(b) > cms.MaxTimestampToken {
				return &MIMEError{Msg: "timestamp part too large"}
			}
			tokens = append(tokens, tokenFromReply(b))
		}
	}
	if !signed {
		return &MIMEError{Msg: "no signed (.p7m) part"}
	}
	if len(tokens) == 0 {
		v.report.Timestamps = append(v.report.Timestamps, timestampNot(CoversSignedFile, NoPOE, Messagef("the .m7m holds no timestamp token")))
	}
	for _, tok := range tokens {
		ts, _, _ := v.checkTimestamp(tok, func(h crypto.Hash) ([]byte, bool) { d, ok := fileDigests[h]; return d, ok }, CoversSignedFile)
		v.report.Timestamps = append(v.report.Timestamps, ts)
	}
	return nil
}

// maxMIMEHeader bounds the top-level header block.
const maxMIMEHeader = 256 << 10

// readHeaderBlock reads the message header up to and including the blank
// line, refusing one larger than maxMIMEHeader (net/mail would read it
// without bound).
func readHeaderBlock(br *bufio.Reader) ([]byte, error) {
	var hdr []byte
	for {
		line, err := br.ReadSlice('\n')
		if len(hdr)+len(line) > maxMIMEHeader {
			return nil, &MIMEError{Msg: fmt.Sprintf("header larger than %d KiB", maxMIMEHeader>>10)}
		}
		hdr = append(hdr, line...)
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err != nil:
			return nil, &MIMEError{Msg: "the message ends inside its header"}
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return hdr, nil
		}
	}
}

// tokenFromReply accepts a bare token (ContentInfo) or a TimeStampResp
// (.tsr: SEQUENCE { PKIStatusInfo, token }) and returns the token.
func tokenFromReply(b []byte) []byte {
	if _, r, err := cms.Detect(bytes.NewReader(b)); err == nil {
		if d, err := io.ReadAll(io.LimitReader(r, cms.MaxTimestampToken)); err == nil {
			b = d
		}
	}
	e, _, err := cms.ParseElement(b)
	if err != nil {
		return b
	}
	kids, err := e.Children()
	if err != nil || len(kids) != 2 {
		return b
	}
	if kids[0].Is(cms.ClassUniversal, cms.TagOID) {
		return b // already a ContentInfo
	}
	if kids[0].Is(cms.ClassUniversal, cms.TagSequence) && kids[1].Is(cms.ClassUniversal, cms.TagSequence) {
		return kids[1].Raw
	}
	return b
}
