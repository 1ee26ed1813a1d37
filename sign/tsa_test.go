package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/testpki"
)

// The test TSA: a timestamp unit certificate from the test CA, and its
// PEM file for openssl.
var (
	tsaOnce    sync.Once
	tsaID      *testpki.Identity
	tsaPEMFile string
	tsaErr     error
)

// tsaTime is the genTime the test TSA stamps: a few seconds after the
// signing time, as a real one would.
var tsaTime = now.Add(3 * time.Second)

// tsaIdentity issues the test TSA's certificate once per process.
func tsaIdentity(tb testing.TB) *testpki.Identity {
	tb.Helper()
	p := testPKI(tb)
	tsaOnce.Do(func() {
		if tsaID, tsaErr = p.ca.IssueTSA(now); tsaErr != nil {
			return
		}
		tsaPEMFile = filepath.Join(pkiDir, "tsa.pem")
		tsaErr = os.WriteFile(tsaPEMFile, testpki.CertPEM(tsaID.Cert), 0o644)
	})
	if tsaErr != nil {
		tb.Fatal(tsaErr)
	}
	return tsaID
}

// testTSA starts a test TSA for t, stamping tsaTime.
func testTSA(t *testing.T, opts testpki.TSAServerOptions) *testpki.TSAServer {
	t.Helper()
	opts.Now = func() time.Time { return tsaTime }
	srv, err := testpki.NewTSAServer(tsaIdentity(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func tsaClient(t *testing.T, srv *testpki.TSAServer, mode testpki.TSAMode) *TSAClient {
	t.Helper()
	u, err := ParseTSAURL(srv.URLFor(mode))
	if err != nil {
		t.Fatal(err)
	}
	return &TSAClient{URL: u, Timeout: 2 * time.Second}
}

// timestampOf returns the single signature-time-stamp token of si.
func timestampOf(t *testing.T, si *cms.ParsedSignerInfo) []byte {
	t.Helper()
	attrs := cms.FindAttrs(si.UnsignedAttrs, cms.OIDAttrTimeStampToken)
	if len(attrs) != 1 || len(attrs[0].Values) != 1 {
		t.Fatalf("%d signature-time-stamp attributes, want one with one value", len(attrs))
	}
	return attrs[0].Values[0]
}

// checkTimestamp proves that the token on si is over si's signature value:
// by our reading of its TSTInfo, then by openssl ts -verify, an
// independent implementation, against the test CA.
func checkTimestamp(t *testing.T, si *cms.ParsedSignerInfo) {
	t.Helper()
	token := timestampOf(t, si)
	p, err := parseToken(token)
	if err != nil {
		t.Fatal(err)
	}
	want := sha256.Sum256(si.Signature)
	if p.hash != crypto.SHA256 || !bytes.Equal(p.info.MessageImprint.HashedMessage, want[:]) {
		t.Errorf("imprint %v %x, want SHA-256 of the signature value %x", p.hash, p.info.MessageImprint.HashedMessage, want)
	}
	if !p.info.GenTime.Equal(tsaTime) {
		t.Errorf("genTime %v, want %v", p.info.GenTime, tsaTime)
	}
	if testing.Short() {
		if _, err := exec.LookPath("openssl"); err != nil {
			return
		}
	}
	dir := t.TempDir()
	sigFile := filepath.Join(dir, "sigvalue")
	tokFile := filepath.Join(dir, "token.der")
	os.WriteFile(sigFile, si.Signature, 0o644)
	os.WriteFile(tokFile, token, 0o644)
	out, err := exec.Command("openssl", "ts", "-verify", "-data", sigFile, "-in", tokFile, "-token_in",
		"-CAfile", testPKI(t).caFile, "-untrusted", tsaPEMFile).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Errorf("openssl ts -verify: %v\n%s", err, out)
	}
	// And a token over other data is refused by it: the check can fail.
	os.WriteFile(sigFile, append(bytes.Clone(si.Signature), 0), 0o644)
	if out, err := exec.Command("openssl", "ts", "-verify", "-data", sigFile, "-in", tokFile, "-token_in",
		"-CAfile", testPKI(t).caFile, "-untrusted", tsaPEMFile).CombinedOutput(); err == nil {
		t.Errorf("openssl ts -verify accepted the token for other data:\n%s", out)
	}
}

// Every way of making a signature timestamps the new SignerInfo, and only
// it; openssl still verifies the file, and the token verifies with openssl
// ts against the signature value.
func TestTimestampEveryMode(t *testing.T) {
	p := testPKI(t)
	srv := testTSA(t, testpki.TSAServerOptions{})
	content := []byte("Referto con marca temporale.\n")
	contentFile := writeTemp(t, "referto.txt", content)
	ctx := context.Background()
	ts := newSigner(t, p.rsa, Options{Timestamper: tsaClient(t, srv, testpki.TSAOK)})

	// Attached.
	var att bytes.Buffer
	res, err := ts.Attached(ctx, bytes.NewReader(content), &att)
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimestampTime.Equal(tsaTime) || !res.SigningTime.Equal(now) {
		t.Errorf("result times: timestamp %v, signing %v", res.TimestampTime, res.SigningTime)
	}
	sd := signerInfosOf(t, att.Bytes())
	checkTimestamp(t, sd.SignerInfos[0])
	opensslVerify(t, writeTemp(t, "a.p7m", att.Bytes()), "", p.caFile)

	// Detached.
	var det bytes.Buffer
	if _, err := ts.Detached(ctx, bytes.NewReader(content), &det); err != nil {
		t.Fatal(err)
	}
	checkTimestamp(t, signerInfosOf(t, det.Bytes()).SignerInfos[0])
	opensslVerify(t, writeTemp(t, "a.p7s", det.Bytes()), contentFile, p.caFile)

	// Co-signatures of B-B files: the old SignerInfo stays byte for byte
	// (no timestamp added to it), the new one is timestamped.
	plain := newSigner(t, p.ecdsa, Options{})
	var bbAtt, bbDet bytes.Buffer
	if _, err := plain.Attached(ctx, bytes.NewReader(content), &bbAtt); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Detached(ctx, bytes.NewReader(content), &bbDet); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		in   []byte
		do   func(w io.Writer) (Result, error)
	}{
		{"co-sign", bbAtt.Bytes(), func(w io.Writer) (Result, error) { return ts.CoSign(ctx, bytesOpener(bbAtt.Bytes()), w) }},
		{"co-sign detached", bbDet.Bytes(), func(w io.Writer) (Result, error) {
			return ts.CoSignDetached(ctx, bytesOpener(bbDet.Bytes()), bytes.NewReader(content), w)
		}},
	} {
		var out bytes.Buffer
		res, err := c.do(&out)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !res.TimestampTime.Equal(tsaTime) {
			t.Errorf("%s: timestamp time %v", c.name, res.TimestampTime)
		}
		old := signerInfosOf(t, c.in).SignerInfos[0]
		got := signerInfosOf(t, out.Bytes())
		if len(got.SignerInfos) != 2 {
			t.Fatalf("%s: %d signers", c.name, len(got.SignerInfos))
		}
		var kept, added *cms.ParsedSignerInfo
		for _, si := range got.SignerInfos {
			if bytes.Equal(si.Raw, old.Raw) {
				kept = si
			} else {
				added = si
			}
		}
		if kept == nil || added == nil {
			t.Fatalf("%s: the existing SignerInfo was not kept byte for byte", c.name)
		}
		if len(kept.UnsignedAttrs) != 0 {
			t.Errorf("%s: the existing signer got unsigned attributes", c.name)
		}
		checkTimestamp(t, added)
		file := writeTemp(t, "co", out.Bytes())
		if bytes.Equal(c.in, bbDet.Bytes()) {
			opensslVerify(t, file, contentFile, p.caFile)
		} else {
			opensslVerify(t, file, "", p.caFile)
		}
	}

	// Counter-signature: the counter-signature is timestamped; the
	// countered signer only gains the counter-signature attribute.
	var cs bytes.Buffer
	if _, err := ts.CounterSign(ctx, bytesOpener(bbAtt.Bytes()), 0, &cs); err != nil {
		t.Fatal(err)
	}
	target := signerInfosOf(t, cs.Bytes()).SignerInfos[0]
	if n := len(cms.FindAttrs(target.UnsignedAttrs, cms.OIDAttrTimeStampToken)); n != 0 {
		t.Errorf("the countered signer got %d timestamps", n)
	}
	checkCounterSignature(t, target, p.rsa.Cert)
	counter, err := cms.ParseSignerInfo(cms.FindAttrs(target.UnsignedAttrs, cms.OIDAttrCounterSignature)[0].Values[0])
	if err != nil {
		t.Fatal(err)
	}
	checkTimestamp(t, counter)
	opensslVerify(t, writeTemp(t, "cs.p7m", cs.Bytes()), "", p.caFile)

	// One request per signature, each as RFC 3161 wants it.
	reqs := srv.Requests()
	if len(reqs) != 5 {
		t.Errorf("%d timestamp requests for 5 signatures", len(reqs))
	}
	nonces := map[string]bool{}
	for _, r := range reqs {
		q := r.Query
		if r.ContentType != "application/timestamp-query" || q == nil || !q.Certificates || q.Nonce == nil || q.HashAlgorithm != crypto.SHA256 || q.TSAPolicyOID != nil {
			t.Errorf("request %+v", r)
			continue
		}
		nonces[q.Nonce.String()] = true
	}
	if len(nonces) != len(reqs) {
		t.Errorf("%d distinct nonces in %d requests", len(nonces), len(reqs))
	}
}

// A policy asked is sent and must come back; grantedWithMods is a grant;
// the imprint follows the signer's hash.
func TestTimestampPolicyAndMods(t *testing.T) {
	p := testPKI(t)
	srv := testTSA(t, testpki.TSAServerOptions{})
	policy := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 7}
	c := tsaClient(t, srv, testpki.TSAGrantedWithMods)
	c.Policy = policy
	s := newSigner(t, p.rsa, Options{Hash: crypto.SHA384, Timestamper: c})
	var out bytes.Buffer
	if _, err := s.Detached(context.Background(), strings.NewReader("x"), &out); err != nil {
		t.Fatal(err)
	}
	tok, err := parseToken(timestampOf(t, signerInfosOf(t, out.Bytes()).SignerInfos[0]))
	if err != nil {
		t.Fatal(err)
	}
	if !tok.info.Policy.Equal(policy) || tok.hash != crypto.SHA384 {
		t.Errorf("token policy %v hash %v", tok.info.Policy, tok.hash)
	}
	if q := srv.Requests()[0].Query; !q.TSAPolicyOID.Equal(policy) || q.HashAlgorithm != crypto.SHA384 {
		t.Errorf("request policy %v hash %v", q.TSAPolicyOID, q.HashAlgorithm)
	}
}

// Each way a TSA can fail gives a *TimestampError of its kind, and no
// output byte: neither the streaming enveloping writer nor the detached
// one has started.
func TestTimestampFailures(t *testing.T) {
	p := testPKI(t)
	srv := testTSA(t, testpki.TSAServerOptions{SlowFor: 5 * time.Second})
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + closed.Addr().String() + "/tsa"
	closed.Close()
	for _, c := range []struct {
		mode    testpki.TSAMode
		url     string
		policy  bool
		problem TimestampProblem
		detail  string
	}{
		{mode: testpki.TSAReject, problem: TSARejected, detail: `status rejection, unrecognized or unsupported algorithm (badAlg), "unsupported ?[31malgorithm"`},
		{mode: testpki.TSAWrongImprint, problem: TSAMismatch, detail: "imprint is not the digest"},
		{mode: testpki.TSAWrongHash, problem: TSAMismatch, detail: "imprint uses SHA-512, not the SHA-256 asked"},
		{mode: testpki.TSAWrongNonce, problem: TSAMismatch, detail: "another nonce"},
		{mode: testpki.TSANoNonce, problem: TSAMismatch, detail: "nonce sent is not in the token"},
		{mode: testpki.TSAWrongPolicy, policy: true, problem: TSAMismatch, detail: "not the 1.3.6.1.4.1.99999.3.1 asked"},
		{mode: testpki.TSANoCertificate, problem: TSABadReply, detail: "carries no TSA certificate"},
		{mode: testpki.TSABadSignature, problem: TSABadReply, detail: "signature does not verify"},
		{mode: testpki.TSAGarbage, problem: TSABadReply, detail: "not an RFC 3161 reply"},
		{mode: testpki.TSAHTML, problem: TSABadReply, detail: "content type text/html"},
		{mode: testpki.TSAHuge, problem: TSABadReply, detail: "larger than 1 MiB"},
		{mode: testpki.TSAUnauthorized, problem: TSAUnauthorized, detail: "needs a user and password (HTTP 401)"},
		{mode: testpki.TSAServerError, problem: TSAHTTPError, detail: "Internal Server Error"},
		{mode: testpki.TSARedirect, problem: TSAHTTPError, detail: "redirect"},
		{mode: testpki.TSASlow, problem: TSATimeout},
		{mode: "unreachable", url: deadURL, problem: TSAUnreachable, detail: "connection refused"},
	} {
		c := c
		t.Run(string(c.mode), func(t *testing.T) {
			t.Parallel()
			cl := tsaClient(t, srv, c.mode)
			if c.url != "" {
				cl.URL, _ = ParseTSAURL(c.url)
			}
			if c.mode == testpki.TSASlow {
				cl.Timeout = 300 * time.Millisecond
			}
			if c.policy {
				cl.Policy = testpki.TSAPolicy
			}
			s := newSigner(t, p.rsa, Options{Timestamper: cl})
			for _, detached := range []bool{false, true} {
				var out bytes.Buffer
				var err error
				if detached {
					_, err = s.Detached(context.Background(), strings.NewReader("doc"), &out)
				} else {
					_, err = s.Attached(context.Background(), strings.NewReader("doc"), &out)
				}
				var te *TimestampError
				if !errors.As(err, &te) || te.Problem != c.problem {
					t.Fatalf("detached=%v: %v, want a %s TimestampError", detached, err, c.problem)
				}
				if !strings.Contains(err.Error(), c.detail) || !strings.Contains(err.Error(), cl.Name()) || te.TSA != cl.Name() {
					t.Errorf("error %q (%+v), want the TSA named and %q", err, te, c.detail)
				}
				if out.Len() != 0 {
					t.Errorf("detached=%v: %d bytes written", detached, out.Len())
				}
				if c.mode == testpki.TSARedirect && !strings.HasSuffix(te.Location, "/ok") {
					t.Errorf("redirect location %q", te.Location)
				}
			}
		})
	}
}

// HTTP basic auth: the right credentials pass; wrong ones are an
// unauthorized error that never holds the password.
func TestTimestampBasicAuth(t *testing.T) {
	p := testPKI(t)
	const user, password = "medico01", "s3gr3t0-Passw0rd"
	srv := testTSA(t, testpki.TSAServerOptions{User: user, Password: password})
	cl := tsaClient(t, srv, testpki.TSAOK)
	cl.User, cl.Password = user, []byte(password)
	var out bytes.Buffer
	if _, err := newSigner(t, p.rsa, Options{Timestamper: cl}).Detached(context.Background(), strings.NewReader("x"), &out); err != nil {
		t.Fatal(err)
	}
	if r := srv.Requests(); len(r) != 1 || r[0].User != user {
		t.Errorf("requests %+v", r)
	}
	cl.Password = []byte("wrong-" + password)
	out.Reset()
	_, err := newSigner(t, p.rsa, Options{Timestamper: cl}).Detached(context.Background(), strings.NewReader("x"), &out)
	var te *TimestampError
	if !errors.As(err, &te) || te.Problem != TSAUnauthorized || te.HTTPStatus != 401 || out.Len() != 0 {
		t.Fatalf("wrong password: %v (%d bytes written)", err, out.Len())
	}
	if strings.Contains(err.Error(), password) || strings.Contains(fmt.Sprintf("%+v", te), password) {
		t.Errorf("the password leaked: %q / %+v", err, te)
	}
	if te.NoCredentials {
		t.Errorf("credentials were given, the error says none: %+v", te)
	}
}

// Ctrl-C while waiting for the TSA is a cancellation, not a TSA failure.
func TestTimestampCanceled(t *testing.T) {
	p := testPKI(t)
	srv := testTSA(t, testpki.TSAServerOptions{})
	cl := tsaClient(t, srv, testpki.TSASlow)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	var out bytes.Buffer
	start := time.Now()
	_, err := newSigner(t, p.rsa, Options{Timestamper: cl}).Attached(ctx, strings.NewReader("x"), &out)
	if !errors.Is(err, context.Canceled) || errors.As(err, new(*TimestampError)) {
		t.Fatalf("canceled: %v", err)
	}
	if time.Since(start) > time.Second || out.Len() != 0 {
		t.Errorf("took %v, wrote %d bytes", time.Since(start), out.Len())
	}
}

// fakeTimestamper answers with a fixed token or error.
type fakeTimestamper struct {
	token []byte
	err   error
}

func (f fakeTimestamper) Timestamp(context.Context, []byte, crypto.Hash) ([]byte, error) {
	return f.token, f.err
}

// Whatever Timestamper is used, the signer checks the token's imprint
// itself and refuses what is not a token.
func TestTimestamperChecked(t *testing.T) {
	p := testPKI(t)
	tsaIdentity(t)
	other := sha256.Sum256([]byte("other data"))
	req := &cms.TimeStampReq{HashAlgorithm: crypto.SHA256, HashedMessage: other[:], Nonce: big.NewInt(7), Certificates: true}
	reply, err := testpki.TSAReply(tsaID, req, testpki.TSAOK, tsaTime)
	if err != nil {
		t.Fatal(err)
	}
	token, err := testpki.TSAToken(reply)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ts      fakeTimestamper
		problem TimestampProblem
	}{
		{fakeTimestamper{token: token}, TSAMismatch},
		{fakeTimestamper{token: []byte{0x30, 0x03, 0x02, 0x01, 0x01}}, TSABadReply},
		{fakeTimestamper{token: append(bytes.Clone(token), 0)}, TSABadReply},
		{fakeTimestamper{err: errors.New("hardware TSA offline")}, TSABadReply},
	} {
		var out bytes.Buffer
		_, err := newSigner(t, p.rsa, Options{Timestamper: c.ts}).Attached(context.Background(), strings.NewReader("x"), &out)
		var te *TimestampError
		if !errors.As(err, &te) || te.Problem != c.problem || out.Len() != 0 {
			t.Errorf("%v (%d bytes written), want %s", err, out.Len(), c.problem)
		}
	}
}

func TestParseTSAURL(t *testing.T) {
	for _, ok := range []string{"http://tsa.example.it/tsa", "https://tsa.example.it:8443/ts?x=1", "HTTP://127.0.0.1:1/"} {
		if _, err := ParseTSAURL(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []struct{ in, want string }{
		{"tsa.example.it/tsa", "no scheme"},
		{"ftp://tsa.example.it/", "not http or https"},
		{"file:///etc/passwd", "not http or https"},
		{"https:///tsa", "no host"},
		{"https://user:hunter2@tsa.example.it/", "must not hold a user or password"},
		{"https://tsa.example.it/%zz", "not a valid URL"},
		{"http://tsa.example.it/#frag", "fragment"},
	} {
		_, err := ParseTSAURL(bad.in)
		if err == nil || !strings.Contains(err.Error(), bad.want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: %v, want %q", bad.in, err, bad.want)
		}
	}
}
