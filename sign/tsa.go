package sign

// An RFC 3161 client over HTTP (RFC 3161 section 3.4): one POST of a
// TimeStampReq (application/timestamp-query) per timestamp, with a random
// 64-bit nonce and certReq set, and a strict check of the reply before
// its token goes into a signature:
//
//   - HTTP 200 with the type application/timestamp-reply (redirects are
//     not followed: credentials never go where the user did not send
//     them), at most 1 MiB, within the timeout;
//   - PKIStatus granted or grantedWithMods, with a token;
//   - the token is a SignedData of one signer over a TSTInfo, carrying
//     the TSA certificate it names (certReq asks for it), whose
//     signature over its signed attributes verifies with that
//     certificate, the attributes holding the content type id-ct-TSTInfo
//     and the digest of the TSTInfo (internal/cms parses and checks it;
//     no state is shared between calls, so replies may be checked
//     concurrently);
//   - the certificate is for timestamping (extended key usage
//     timeStamping) and was valid at the token's genTime;
//   - the message imprint is the algorithm and digest asked, the nonce is
//     echoed, and the policy is the one asked, if one was.
//
// The TSA certificate's chain is not checked here: the trust anchors are
// a verifier's business (firma verify checks it like any signer's).

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/firma-dev/firma/internal/cms"
)

// DefaultTSATimeout bounds one timestamp request when TSAClient.Timeout
// is zero.
const DefaultTSATimeout = 30 * time.Second

// TSAClient asks an RFC 3161 timestamp authority over HTTP or HTTPS. It
// implements Timestamper.
type TSAClient struct {
	// URL is the service's address (see ParseTSAURL).
	URL *url.URL
	// User and Password are sent with HTTP basic auth when User is set.
	// The password never appears in errors.
	User     string
	Password []byte
	// Policy, when set, is the TSA policy asked for (reqPolicy); the
	// token must carry it.
	Policy asn1.ObjectIdentifier
	// Timeout bounds each request, from connecting to the last byte of
	// the reply; DefaultTSATimeout when zero.
	Timeout time.Duration
	// HTTPClient is the client to use; nil gives one with the
	// environment's proxy settings. Redirects are never followed.
	HTTPClient *http.Client
}

// TSAURLError reports a --tsa address that cannot be used. Its text never
// holds a password given in the URL.
type TSAURLError struct {
	Reason string
	// Credentials is set when the URL holds a user or password.
	Credentials bool
	// Problem says what is wrong (TSAURLInvalid, ...); URL is the address
	// as given, without a password, when it can be shown.
	Problem TSAURLProblem
	URL     string
}

// TSAURLProblem says what is wrong with a timestamp authority address.
type TSAURLProblem string

const (
	TSAURLInvalid     TSAURLProblem = "invalid"
	TSAURLCredentials TSAURLProblem = "credentials"
	TSAURLNoScheme    TSAURLProblem = "no_scheme"
	TSAURLNotHTTP     TSAURLProblem = "not_http"
	TSAURLNoHost      TSAURLProblem = "no_host"
	TSAURLFragment    TSAURLProblem = "fragment"
)

func (e *TSAURLError) Error() string { return "the timestamp authority URL " + e.Reason }

// ParseTSAURL checks a timestamp authority address without any network
// access: an absolute http or https URL with a host and no credentials
// (they go in TSAClient.User and Password, so that no password sits in
// argv).
func ParseTSAURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the input, which may hold a password.
		return nil, &TSAURLError{Reason: "is not a valid URL", Problem: TSAURLInvalid}
	}
	if u.User != nil {
		return nil, &TSAURLError{Reason: "must not hold a user or password", Credentials: true, Problem: TSAURLCredentials}
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return nil, &TSAURLError{Reason: fmt.Sprintf("%q has no scheme: write http://... or https://...", raw), Problem: TSAURLNoScheme, URL: raw}
	default:
		return nil, &TSAURLError{Reason: fmt.Sprintf("%q is not http or https", u.Redacted()), Problem: TSAURLNotHTTP, URL: u.Redacted()}
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, &TSAURLError{Reason: fmt.Sprintf("%q has no host", u.Redacted()), Problem: TSAURLNoHost, URL: u.Redacted()}
	}
	if u.Fragment != "" {
		return nil, &TSAURLError{Reason: fmt.Sprintf("%q has a #fragment, which HTTP never sends", u.Redacted()), Problem: TSAURLFragment, URL: u.Redacted()}
	}
	return u, nil
}

// Name is how errors and reports name the service: its URL (which holds
// no credentials, see ParseTSAURL).
func (c *TSAClient) Name() string {
	if c.URL == nil {
		return ""
	}
	return c.URL.Redacted()
}

func (c *TSAClient) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTSATimeout
}

func (c *TSAClient) client() *http.Client {
	hc := http.Client{Transport: http.DefaultTransport}
	if c.HTTPClient != nil {
		hc = *c.HTTPClient
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &hc
}

// Timestamp asks the TSA for a token over digest (made with h) and returns
// it once it passed every check listed in the file comment. Failures are
// *TimestampError, except ctx's own cancellation, returned as ctx.Err().
func (c *TSAClient) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	if c.URL == nil {
		return nil, errors.New("timestamp client without URL")
	}
	nonce, err := randomNonce()
	if err != nil {
		return nil, err
	}
	query, err := (&cms.TimeStampReq{
		HashAlgorithm: h,
		HashedMessage: digest,
		Certificates:  true,
		TSAPolicyOID:  c.Policy,
		Nonce:         nonce,
	}).Marshal()
	if err != nil {
		return nil, err
	}
	reply, err := c.post(ctx, query)
	if err != nil {
		return nil, err
	}
	token, err := checkReply(reply, digest, h, nonce, c.Policy)
	if err != nil {
		var te *TimestampError
		if errors.As(err, &te) {
			te.TSA = c.Name()
		}
		return nil, err
	}
	return token, nil
}

// randomNonce is a positive random 64-bit integer.
func randomNonce() (*big.Int, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	return new(big.Int).SetBytes(b[:]), nil
}

// post sends the query and returns the reply body.
func (c *TSAClient) post(parent context.Context, query []byte) ([]byte, error) {
	timeout := c.timeout()
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	fail := func(p TimestampProblem, detail string, err error) ([]byte, error) {
		if parent.Err() != nil {
			return nil, parent.Err()
		}
		if ctx.Err() != nil || isTimeout(err) {
			return nil, &TimestampError{Problem: TSATimeout, TSA: c.Name(), Timeout: timeout}
		}
		return nil, &TimestampError{Problem: p, TSA: c.Name(), Detail: detail, Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL.String(), bytes.NewReader(query))
	if err != nil {
		return fail(TSAUnreachable, "", err)
	}
	req.Header.Set("Content-Type", "application/timestamp-query")
	req.Header.Set("Accept", "application/timestamp-reply")
	req.Header.Set("User-Agent", "firma")
	if c.User != "" {
		req.SetBasicAuth(c.User, string(c.Password))
	}
	resp, err := c.client().Do(req)
	if err != nil {
		// url.Error repeats method and URL: keep only the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail(TSAUnreachable, "", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, &TimestampError{Problem: TSAUnauthorized, TSA: c.Name(), HTTPStatus: resp.StatusCode, NoCredentials: c.User == ""}
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		e := &TimestampError{Problem: TSAHTTPError, TSA: c.Name(), HTTPStatus: resp.StatusCode, Detail: "a redirect, which firma does not follow"}
		if loc, err := resp.Location(); err == nil {
			e.Location = printable(loc.Redacted())
		}
		return nil, e
	case resp.StatusCode != http.StatusOK:
		return nil, &TimestampError{Problem: TSAHTTPError, TSA: c.Name(), HTTPStatus: resp.StatusCode, Detail: printable(http.StatusText(resp.StatusCode))}
	}
	ct := resp.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	// application/timestamp-response is what some older services send.
	if err != nil || (mt != "application/timestamp-reply" && mt != "application/timestamp-response") {
		if ct == "" {
			ct = "none"
		}
		return nil, &TimestampError{Problem: TSABadReply, TSA: c.Name(), Detail: fmt.Sprintf("content type %s, not application/timestamp-reply", printable(ct))}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTimestampToken+1))
	if err != nil {
		return fail(TSAUnreachable, "the reply was cut off", err)
	}
	if len(body) > maxTimestampToken {
		return nil, &TimestampError{Problem: TSABadReply, TSA: c.Name(), Detail: "the reply is larger than 1 MiB"}
	}
	return body, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return err != nil && (errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()))
}

// timeStampResp is RFC 3161 section 2.4.2 TimeStampResp.
type timeStampResp struct {
	Status struct {
		Status       int
		StatusString []asn1.RawValue `asn1:"optional"`
		FailInfo     asn1.BitString  `asn1:"optional"`
	}
	Token asn1.RawValue `asn1:"optional"`
}

// failInfoNames are the PKIFailureInfo bits (RFC 3161 section 2.4.2).
var failInfoNames = []struct {
	bit  int
	name string
}{
	{0, "unrecognized or unsupported algorithm (badAlg)"},
	{2, "transaction not permitted or supported (badRequest)"},
	{5, "the data submitted has the wrong format (badDataFormat)"},
	{14, "the TSA's time source is not available (timeNotAvailable)"},
	{15, "the requested policy is not supported (unacceptedPolicy)"},
	{16, "the requested extension is not supported (unacceptedExtension)"},
	{17, "the additional information requested is not available (addInfoNotAvailable)"},
	{25, "system failure (systemFailure)"},
}

var statusNames = map[int]string{
	0: "granted", 1: "grantedWithMods", 2: "rejection", 3: "waiting", 4: "revocationWarning", 5: "revocationNotification",
}

// checkReply checks a TimeStampResp for a request of digest (made with h),
// nonce and policy (nil: none asked) and returns its token.
func checkReply(reply, digest []byte, h crypto.Hash, nonce *big.Int, policy asn1.ObjectIdentifier) ([]byte, error) {
	bad := func(format string, args ...any) ([]byte, error) {
		return nil, &TimestampError{Problem: TSABadReply, Detail: fmt.Sprintf(format, args...)}
	}
	var resp timeStampResp
	rest, err := asn1.Unmarshal(reply, &resp)
	if err != nil {
		return bad("not an RFC 3161 reply")
	}
	if len(rest) != 0 {
		return bad("%d bytes after the reply", len(rest))
	}
	if st := resp.Status.Status; st != 0 && st != 1 {
		name := statusNames[st]
		if name == "" {
			name = fmt.Sprintf("unknown status %d", st)
		}
		parts := []string{"status " + name}
		for _, f := range failInfoNames {
			if resp.Status.FailInfo.At(f.bit) != 0 {
				parts = append(parts, f.name)
			}
		}
		for _, s := range resp.Status.StatusString {
			var text string
			if _, err := asn1.Unmarshal(s.FullBytes, &text); err == nil && text != "" {
				parts = append(parts, fmt.Sprintf("%q", printable(text)))
			}
		}
		return nil, &TimestampError{Problem: TSARejected, Detail: strings.Join(parts, ", ")}
	}
	token := resp.Token.FullBytes
	if len(token) == 0 {
		return bad("status granted, but no token")
	}
	p, err := parseToken(token)
	if err != nil {
		return bad("%v", err)
	}
	if len(p.certs) == 0 {
		return bad("the token carries no TSA certificate, so its signature cannot be checked")
	}
	if p.signer == nil {
		return bad("the token does not carry the certificate of the TSA that signed it")
	}
	if err := p.tok.CheckSignature(p.signer); err != nil {
		return bad("its signature does not verify with the TSA certificate: %v", err)
	}
	if !hasTimeStampingEKU(p.signer) {
		return bad("the certificate that signed it is not a timestamping certificate (%s)", printable(p.signer.Subject.String()))
	}
	if at := p.info.GenTime; at.Before(p.signer.NotBefore) || at.After(p.signer.NotAfter) {
		return bad("the TSA certificate was not valid at the timestamp's time %s", at.UTC().Format(time.RFC3339))
	}
	if err := p.checkImprint(digest, h); err != nil {
		return nil, &TimestampError{Problem: TSAMismatch, Detail: err.Error()}
	}
	switch {
	case p.info.Nonce == nil:
		return nil, &TimestampError{Problem: TSAMismatch, Detail: "the nonce sent is not in the token (a replayed or cached answer)"}
	case p.info.Nonce.Cmp(nonce) != 0:
		return nil, &TimestampError{Problem: TSAMismatch, Detail: "the token carries another nonce than the one sent (a replayed answer)"}
	}
	if policy != nil && !p.info.Policy.Equal(policy) {
		return nil, &TimestampError{Problem: TSAMismatch, Detail: fmt.Sprintf("policy %s, not the %s asked", p.info.Policy, policy)}
	}
	return token, nil
}

func hasTimeStampingEKU(c *x509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageTimeStamping {
			return true
		}
	}
	return false
}
