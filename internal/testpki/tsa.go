package testpki

// A test timestamp authority: a certificate for a timestamp unit and a
// local RFC 3161 HTTP service (section 3.4) that answers with tokens made
// by NewTimestampToken, honestly or in one of the broken ways a client
// must catch. It listens on 127.0.0.1 only.

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
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
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/firma-dev/firma/internal/cms"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
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
	Query *cms.TimeStampReq
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
	if q, err := cms.ParseTimeStampReq(body); err == nil {
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
func TSAReply(id *Identity, req *cms.TimeStampReq, mode TSAMode, at time.Time) ([]byte, error) {
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
			Status:       pkiRejection,
			StatusString: []asn1.RawValue{{FullBytes: text}},
			FailInfo:     asn1.BitString{Bytes: []byte{0x80}, BitLength: 1}, // badAlg
		}})
	}
	f := TimestampFields{
		Hash:          req.HashAlgorithm,
		HashedMessage: bytes.Clone(req.HashedMessage),
		GenTime:       at,
		Accuracy:      time.Second,
		Policy:        TSAPolicy,
		Nonce:         req.Nonce,
		WithCert:      req.Certificates,
	}
	if req.TSAPolicyOID != nil {
		f.Policy = req.TSAPolicyOID
	}
	status := pkiGranted
	switch mode {
	case TSAOK:
	case TSAGrantedWithMods:
		status = pkiGrantedWithMods
	case TSABadSignature:
		f.badSignature = true
	case TSAWrongImprint:
		f.HashedMessage[0] ^= 0xff
	case TSAWrongHash:
		sum := sha512.Sum512(req.HashedMessage)
		f.Hash, f.HashedMessage = crypto.SHA512, sum[:]
	case TSAWrongNonce:
		if req.Nonce == nil {
			f.Nonce = big.NewInt(1)
		} else {
			f.Nonce = new(big.Int).Add(req.Nonce, big.NewInt(1))
		}
	case TSANoNonce:
		f.Nonce = nil
	case TSAWrongPolicy:
		f.Policy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 3, 99}
	case TSANoCertificate:
		f.WithCert = false
	default:
		return nil, fmt.Errorf("test TSA: unknown mode %q", mode)
	}
	token, err := NewTimestampToken(id, f)
	if err != nil {
		return nil, err
	}
	// TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken }
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(status)) })
		b.AddBytes(token)
	})
	return b.Bytes()
}

// PKIStatus values (RFC 3161 section 2.4.2).
const (
	pkiGranted         = 0
	pkiGrantedWithMods = 1
	pkiRejection       = 2
)

// TimestampFields are what a test token says.
type TimestampFields struct {
	// Hash and HashedMessage are the message imprint.
	Hash          crypto.Hash
	HashedMessage []byte
	Policy        asn1.ObjectIdentifier
	// SerialNumber is the token's serial; a random one when nil.
	SerialNumber *big.Int
	// GenTime is stamped to the second, in UTC.
	GenTime time.Time
	// Accuracy, when not zero, is given in whole seconds.
	Accuracy time.Duration
	// Nonce is left out when nil.
	Nonce *big.Int
	// WithCert puts the TSA certificate in the token (certReq).
	WithCert bool

	// badSignature alters the signature value after signing.
	badSignature bool
}

// NewTimestampToken makes an RFC 3161 TimeStampToken signed by id (RSA
// or ECDSA, with SHA-256): a SignedData over the TSTInfo with the signed
// attributes content-type, message-digest, signing-time (genTime) and
// ESS signing-certificate-v2 (RFC 5816), the form real TSAs send.
func NewTimestampToken(id *Identity, f TimestampFields) ([]byte, error) {
	hashOID, err := cms.DigestOID(f.Hash)
	if err != nil {
		return nil, err
	}
	if f.Policy == nil {
		return nil, errors.New("test token without policy")
	}
	serial := f.SerialNumber
	if serial == nil {
		if serial, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64)); err != nil {
			return nil, err
		}
	}
	genTime := f.GenTime.UTC().Truncate(time.Second)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // TSTInfo
		b.AddASN1Int64(1)
		b.AddASN1ObjectIdentifier(f.Policy)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // MessageImprint
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(hashOID)
				b.AddASN1NULL()
			})
			b.AddASN1OctetString(f.HashedMessage)
		})
		b.AddASN1BigInt(serial)
		b.AddASN1GeneralizedTime(genTime)
		if f.Accuracy > 0 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(f.Accuracy / time.Second)) })
		}
		if f.Nonce != nil {
			b.AddASN1BigInt(f.Nonce)
		}
	})
	tstInfo, err := b.Bytes()
	if err != nil {
		return nil, err
	}

	sum := sha256.Sum256(tstInfo)
	attrs, err := cms.EncodeSignedAttrs(cms.SignedAttrValues{
		ContentType:   cms.OIDTSTInfo,
		MessageDigest: sum[:],
		SigningTime:   genTime,
		SignerCert:    id.Cert,
	})
	if err != nil {
		return nil, err
	}
	var sigOID asn1.ObjectIdentifier
	switch id.Key.Public().(type) {
	case *rsa.PublicKey:
		sigOID = cms.OIDSHA256WithRSA
	case *ecdsa.PublicKey:
		sigOID = cms.OIDECDSAWithSHA256
	default:
		return nil, fmt.Errorf("test TSA: unsupported key %T", id.Key.Public())
	}
	digest := sha256.Sum256(attrs)
	sig, err := id.Key.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	if f.badSignature {
		sig[len(sig)/2] ^= 0x01
	}
	digAlg, err := cms.EncodeDigestAlgorithm(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	sigAlg, err := cms.EncodeAlgorithmIdentifier(sigOID, nil)
	if err != nil {
		return nil, err
	}
	if sigOID.Equal(cms.OIDSHA256WithRSA) {
		// RFC 4055 section 5: NULL parameters for the RSA PKCS #1 v1.5
		// signature algorithms.
		sigAlg, _ = cms.EncodeAlgorithmIdentifier(sigOID, cms.DERNull)
	}
	si, err := cms.EncodeSignerInfo(cms.SignerInfoFields{
		Cert:               id.Cert,
		DigestAlgorithm:    digAlg,
		SignatureAlgorithm: sigAlg,
		SignedAttrs:        attrs,
		Signature:          sig,
	})
	if err != nil {
		return nil, err
	}
	sd := cms.SignedDataBuilder{
		DigestAlgorithms: [][]byte{digAlg},
		ContentType:      cms.OIDTSTInfo,
		SignerInfos:      [][]byte{si},
	}
	if f.WithCert {
		sd.Certificates = [][]byte{id.Cert.Raw}
	}
	header, trailer, err := sd.EncodeAttached(int64(len(tstInfo)))
	if err != nil {
		return nil, err
	}
	return slices.Concat(header, tstInfo, trailer), nil
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
