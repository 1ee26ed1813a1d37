package sign

// CAdES-T (ETSI EN 319 122-1, RFC 5126 section 6.1): each
// new SignerInfo gets the unsigned attribute signature-time-stamp
// (1.2.840.113549.1.9.16.2.14), an RFC 3161 TimeStampToken whose message
// imprint is the hash of the SignerInfo's signature value. The token is
// asked right after the signature is computed and checked, before any
// output byte is written: the streaming writer computes every DER length
// up front, so the SignerInfo must be final, unsigned attributes
// included, when the header goes out.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/firma-dev/firma/internal/cms"
)

// Timestamper obtains an RFC 3161 timestamp token over a digest computed
// with h. TSAClient is the network one; tests may give others.
type Timestamper interface {
	Timestamp(ctx context.Context, digest []byte, h crypto.Hash) (token []byte, err error)
}

// maxTimestampToken bounds a token (and a TSA's whole reply).
const maxTimestampToken = cms.MaxTimestampToken

// TimestampProblem says what went wrong with the timestamp authority.
type TimestampProblem string

const (
	// TSAUnreachable: no connection (DNS, refused, TLS).
	TSAUnreachable TimestampProblem = "unreachable"
	// TSATimeout: no complete answer within the timeout.
	TSATimeout TimestampProblem = "timeout"
	// TSAUnauthorized: HTTP 401 or 403, the user or password is wrong
	// (or missing, or the account has no timestamps left).
	TSAUnauthorized TimestampProblem = "unauthorized"
	// TSAHTTPError: any other HTTP status than 200.
	TSAHTTPError TimestampProblem = "http_error"
	// TSARejected: the TSA answered with a PKIStatus other than granted.
	TSARejected TimestampProblem = "rejected"
	// TSABadReply: the reply is not a timestamp, or its token does not
	// verify with the TSA certificate inside it.
	TSABadReply TimestampProblem = "bad_reply"
	// TSAMismatch: a valid token, but not for this request (imprint,
	// nonce or policy differ).
	TSAMismatch TimestampProblem = "mismatch"
)

// TimestampError reports a timestamp that could not be obtained. Its text
// never holds the credentials.
type TimestampError struct {
	Problem TimestampProblem
	// TSA names the service (its URL without credentials).
	TSA string
	// HTTPStatus is set for TSAUnauthorized and TSAHTTPError.
	HTTPStatus int
	// Detail says more, in words.
	Detail string
	// Timeout is the limit that was exceeded (TSATimeout).
	Timeout time.Duration
	// Location is where a redirect pointed.
	Location string
	// NoCredentials is set on TSAUnauthorized when none were sent.
	NoCredentials bool
	// Err is the underlying failure, if any.
	Err error
}

func (e *TimestampError) Error() string {
	tsa := "the timestamp authority"
	if e.TSA != "" {
		tsa += " " + e.TSA
	}
	var msg string
	switch e.Problem {
	case TSAUnreachable:
		msg = "cannot reach " + tsa
	case TSATimeout:
		msg = fmt.Sprintf("%s did not answer within %s", tsa, e.Timeout)
	case TSAUnauthorized:
		msg = fmt.Sprintf("%s refused the user or password (HTTP %d)", tsa, e.HTTPStatus)
		if e.NoCredentials {
			msg = fmt.Sprintf("%s needs a user and password (HTTP %d)", tsa, e.HTTPStatus)
		}
	case TSAHTTPError:
		msg = fmt.Sprintf("%s answered HTTP %d", tsa, e.HTTPStatus)
	case TSARejected:
		msg = tsa + " rejected the request"
	case TSAMismatch:
		msg = tsa + " sent a timestamp that is not for this request"
	default:
		msg = tsa + " sent a reply that is not a valid timestamp"
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *TimestampError) Unwrap() error { return e.Err }

// parsedToken is a timestamp token's structure and TSTInfo. Nothing here
// is verified yet.
type parsedToken struct {
	tok  *cms.TimestampToken
	sd   *cms.ParsedSignedData
	info cms.TSTInfo
	hash crypto.Hash
	// certs are the certificates the token carries; signer is the one
	// its SignerInfo names, nil when it is not among them.
	certs  []*x509.Certificate
	signer *x509.Certificate
}

// parseToken reads a TimeStampToken: a ContentInfo with a SignedData of
// one signer over a TSTInfo (version 1), and nothing after it.
func parseToken(token []byte) (*parsedToken, error) {
	t, err := cms.ParseTimestampToken(token)
	if err != nil {
		return nil, err
	}
	sd := t.SignedData
	if sd.Trailer.Bytes != 0 {
		return nil, errors.New("bytes after the token")
	}
	p := &parsedToken{tok: t, sd: sd, info: t.Info}
	if p.info.Version != 1 {
		return nil, fmt.Errorf("TSTInfo version %d", p.info.Version)
	}
	p.hash, _ = cms.HashOf(p.info.MessageImprint.HashAlgorithm.Algorithm)
	si := sd.SignerInfos[0]
	for _, raw := range sd.Certificates {
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			continue // attribute certificates and the like
		}
		p.certs = append(p.certs, c)
		if si.Identifies(c) {
			p.signer = c
		}
	}
	return p, nil
}

// checkImprint checks that the token is about digest, computed with h.
func (p *parsedToken) checkImprint(digest []byte, h crypto.Hash) error {
	if p.hash != h {
		name := p.info.MessageImprint.HashAlgorithm.Algorithm.String()
		if p.hash != 0 {
			name = p.hash.String()
		}
		return fmt.Errorf("its imprint uses %s, not the %s asked", name, h)
	}
	if !bytes.Equal(p.info.MessageImprint.HashedMessage, digest) {
		return errors.New("its message imprint is not the digest that was sent")
	}
	return nil
}

// timestampSignature gets a token over sig from the Timestamper and
// returns the signature-time-stamp attribute and the token's genTime.
// Whatever the Timestamper checked, the imprint is checked here again:
// a token over other data would make a file that claims CAdES-T and
// proves nothing.
func (s *Signer) timestampSignature(ctx context.Context, sig []byte) ([]byte, time.Time, error) {
	h := s.opts.Hash
	hh := h.New()
	hh.Write(sig)
	digest := hh.Sum(nil)
	token, err := s.opts.Timestamper.Timestamp(ctx, digest, h)
	if err != nil {
		if ctx.Err() != nil {
			return nil, time.Time{}, ctx.Err()
		}
		var te *TimestampError
		if errors.As(err, &te) {
			return nil, time.Time{}, err
		}
		return nil, time.Time{}, &TimestampError{Problem: TSABadReply, Err: err}
	}
	p, err := parseToken(token)
	if err != nil {
		return nil, time.Time{}, &TimestampError{Problem: TSABadReply, Detail: err.Error()}
	}
	if err := p.checkImprint(digest, h); err != nil {
		return nil, time.Time{}, &TimestampError{Problem: TSAMismatch, Detail: err.Error()}
	}
	attr, err := cms.EncodeAttribute(cms.OIDAttrTimeStampToken, token)
	if err != nil {
		return nil, time.Time{}, err
	}
	return attr, p.info.GenTime.UTC(), nil
}

// printable makes text from a server safe to show on a terminal: no
// control characters, at most 200 runes.
func printable(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == 200 {
			b.WriteString("...")
			break
		}
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
