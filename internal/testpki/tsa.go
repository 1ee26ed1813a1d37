package testpki

// A test timestamp authority: a certificate for a timestamp unit and a
// local RFC 3161 HTTP service (section 3.4) that answers with tokens made
// by github.com/digitorus/timestamp, honestly or in one of the broken ways
// a client must catch. It listens on 127.0.0.1 only.

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/digitorus/timestamp"
)

// oidExtKeyUsage and oidKPTimeStamping build the extended key usage
// extension by hand: crypto/x509 never marks it critical, and RFC 3161
// section 2.3 (and openssl ts -verify) want it critical.
var (
	oidExtKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidKPTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// TSAPolicy is the policy the test TSA answers under unless asked another.
var TSAPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 3, 1}

// IssueTSA makes a timestamp unit certificate: RSA 2048, digitalSignature,
// extended key usage timeStamping only and critical (RFC 3161 section
// 2.3), valid from a year before now to five years after.
func (ca *CA) IssueTSA(now time.Time) (*Identity, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{oidKPTimeStamping})
	if err != nil {
		return nil, err
	}
	ca.next++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(ca.next),
		Subject: pkix.Name{
			Country:      []string{"IT"},
			Organization: []string{"Firma Test Trust Services S.p.A."},
			CommonName:   "Firma TEST TSA 1",
		},
		NotBefore:             now.Add(-365 * Day),
		NotAfter:              now.Add(5 * 365 * Day),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		SubjectKeyId:          keyID(&key.PublicKey),
		ExtraExtensions:       []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: eku}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Identity{Cert: cert, Key: key, Label: "TSA"}, nil
}

// TSAMode is how the test TSA answers; it is the path of the request URL
// (TSAServer.URLFor).
type TSAMode string

const (
	TSAOK              TSAMode = "ok"            // an honest token
	TSAGrantedWithMods TSAMode = "mods"          // an honest token, status grantedWithMods
	TSAReject          TSAMode = "reject"        // status rejection, badAlg, with a status text
	TSAWrongImprint    TSAMode = "wrong-imprint" // a token over another digest
	TSAWrongHash       TSAMode = "wrong-hash"    // a token with another imprint algorithm
	TSAWrongNonce      TSAMode = "wrong-nonce"   // the nonce plus one
	TSANoNonce         TSAMode = "no-nonce"      // no nonce in the token
	TSAWrongPolicy     TSAMode = "wrong-policy"  // always another policy than asked
	TSANoCertificate   TSAMode = "no-cert"       // no certificate in the token
	TSABadSignature    TSAMode = "bad-signature" // the token's signature value altered
	TSAGarbage         TSAMode = "garbage"       // HTTP 200, right type, not DER
	TSAHTML            TSAMode = "html"          // HTTP 200, a web page
	TSAUnauthorized    TSAMode = "unauthorized"  // HTTP 401 whatever the credentials
	TSAServerError     TSAMode = "error"         // HTTP 500
	TSARedirect        TSAMode = "redirect"      // HTTP 302 to the ok mode
	TSASlow            TSAMode = "slow"          // answers after TSAServer.SlowFor
	TSAHuge            TSAMode = "huge"          // 2 MiB of body
)

// TSARequest is a request the test TSA received.
type TSARequest struct {
	Mode        TSAMode
	ContentType string
	// User is the basic auth user name, "" without credentials.
	User string
	// Query is the parsed TimeStampReq, nil when it did not parse.
	Query *timestamp.Request
}

// TSAServerOptions tune a test TSA.
type TSAServerOptions struct {
	// User and Password, when User is set, must come with every request
	// (HTTP basic auth), or it gets HTTP 401.
	User, Password string
	// Now gives genTime; time.Now when nil.
	Now func() time.Time
	// SlowFor is how long TSASlow waits before answering (default 10s;
	// it stops waiting when the client goes away).
	SlowFor time.Duration
	// Mode, when set, picks the mode of the n-th request (from 1)
	// instead of its URL path, which it gets as asked.
	Mode func(n int, asked TSAMode) TSAMode
}

// TSAServer is a local RFC 3161 service for tests.
type TSAServer struct {
	// URL is the base URL, http://127.0.0.1:PORT.
	URL  string
	ID   *Identity
	opts TSAServerOptions

	srv      *http.Server
	mu       sync.Mutex
	requests []TSARequest
}

// NewTSAServer starts a test TSA signing with id on 127.0.0.1.
func NewTSAServer(id *Identity, opts TSAServerOptions) (*TSAServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.SlowFor == 0 {
		opts.SlowFor = 10 * time.Second
	}
	s := &TSAServer{URL: "http://" + ln.Addr().String(), ID: id, opts: opts}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// URLFor is the URL that answers in mode.
func (s *TSAServer) URLFor(mode TSAMode) string { return s.URL + "/" + string(mode) }

// Requests returns the requests received so far.
func (s *TSAServer) Requests() []TSARequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]TSARequest(nil), s.requests...)
}

// Close stops the server and drops open connections.
func (s *TSAServer) Close() { s.srv.Close() }

func (s *TSAServer) serve(w http.ResponseWriter, r *http.Request) {
	mode := TSAMode(strings.TrimPrefix(r.URL.Path, "/"))
	rec := TSARequest{Mode: mode, ContentType: r.Header.Get("Content-Type")}
	user, password, hasAuth := r.BasicAuth()
	rec.User = user
	body, _ := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if q, err := timestamp.ParseRequest(body); err == nil {
		rec.Query = q
	}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	n := len(s.requests)
	s.mu.Unlock()
	if s.opts.Mode != nil {
		mode = s.opts.Mode(n, mode)
	}

	switch {
	case r.Method != http.MethodPost:
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	case mode == TSAUnauthorized || (s.opts.User != "" && (!hasAuth || user != s.opts.User || password != s.opts.Password)):
		w.Header().Set("WWW-Authenticate", `Basic realm="test TSA"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	case mode == TSAServerError:
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	case mode == TSARedirect:
		http.Redirect(w, r, "/"+string(TSAOK), http.StatusFound)
		return
	case mode == TSAHTML:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<html><body>Login</body></html>")
		return
	case mode == TSAHuge:
		w.Header().Set("Content-Type", "application/timestamp-reply")
		chunk := bytes.Repeat([]byte{0x30}, 64<<10)
		for i := 0; i < 32; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		return
	case mode == TSASlow:
		select {
		case <-r.Context().Done():
			return
		case <-time.After(s.opts.SlowFor):
		}
		mode = TSAOK
	case r.Header.Get("Content-Type") != "application/timestamp-query" || rec.Query == nil:
		http.Error(w, "not a timestamp query", http.StatusBadRequest)
		return
	}
	reply, err := TSAReply(s.ID, rec.Query, mode, s.opts.Now())
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	w.Write(reply)
}

// TSAReply makes the DER TimeStampResp that a TSA signing with id gives
// to req at genTime at, in mode (one of the modes that answer HTTP 200
// with a reply; TSAGarbage gives bytes that are no reply).
func TSAReply(id *Identity, req *timestamp.Request, mode TSAMode, at time.Time) ([]byte, error) {
	if req == nil {
		return nil, errors.New("no request")
	}
	switch mode {
	case TSAGarbage:
		return []byte("this is not a timestamp reply\n"), nil
	case TSAReject:
		text, err := asn1.MarshalWithParams("unsupported \x1b[31malgorithm", "utf8")
		if err != nil {
			return nil, err
		}
		return asn1.Marshal(rejection{Status: pkiStatusInfo{
			Status:       int(timestamp.Rejection),
			StatusString: []asn1.RawValue{{FullBytes: text}},
			FailInfo:     asn1.BitString{Bytes: []byte{0x80}, BitLength: 1}, // badAlg
		}})
	}
	ts := timestamp.Timestamp{
		HashAlgorithm:     req.HashAlgorithm,
		HashedMessage:     bytes.Clone(req.HashedMessage),
		Time:              at.UTC().Truncate(time.Second),
		Accuracy:          time.Second,
		Policy:            TSAPolicy,
		Nonce:             req.Nonce,
		AddTSACertificate: req.Certificates,
	}
	if req.TSAPolicyOID != nil {
		ts.Policy = req.TSAPolicyOID
	}
	switch mode {
	case TSAOK, TSAGrantedWithMods, TSABadSignature:
	case TSAWrongImprint:
		ts.HashedMessage[0] ^= 0xff
	case TSAWrongHash:
		sum := sha512.Sum512(req.HashedMessage)
		ts.HashAlgorithm, ts.HashedMessage = crypto.SHA512, sum[:]
	case TSAWrongNonce:
		if req.Nonce == nil {
			ts.Nonce = big.NewInt(1)
		} else {
			ts.Nonce = new(big.Int).Add(req.Nonce, big.NewInt(1))
		}
	case TSANoNonce:
		ts.Nonce = nil
	case TSAWrongPolicy:
		ts.Policy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 3, 99}
	case TSANoCertificate:
		ts.AddTSACertificate = false
	default:
		return nil, fmt.Errorf("test TSA: unknown mode %q", mode)
	}
	reply, err := ts.CreateResponseWithOpts(id.Cert, id.Key, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	switch mode {
	case TSABadSignature:
		// The signature value is the last element of the reply.
		reply[len(reply)-8] ^= 0x01
	case TSAGrantedWithMods:
		var parts struct {
			Status asn1.RawValue
			Token  asn1.RawValue
		}
		if _, err := asn1.Unmarshal(reply, &parts); err != nil {
			return nil, err
		}
		return asn1.Marshal(struct {
			Status struct{ Status int }
			Token  asn1.RawValue
		}{Status: struct{ Status int }{int(timestamp.GrantedWithMods)}, Token: parts.Token})
	}
	return reply, nil
}

// pkiStatusInfo is RFC 3161 PKIStatusInfo; rejection a TimeStampResp
// without a token.
type pkiStatusInfo struct {
	Status       int
	StatusString []asn1.RawValue `asn1:"optional"`
	FailInfo     asn1.BitString
}

type rejection struct{ Status pkiStatusInfo }

// TSAToken returns the TimeStampToken inside a TimeStampResp.
func TSAToken(reply []byte) ([]byte, error) {
	var parts struct {
		Status asn1.RawValue
		Token  asn1.RawValue `asn1:"optional"`
	}
	if _, err := asn1.Unmarshal(reply, &parts); err != nil {
		return nil, err
	}
	if len(parts.Token.FullBytes) == 0 {
		return nil, errors.New("the reply holds no token")
	}
	return parts.Token.FullBytes, nil
}
