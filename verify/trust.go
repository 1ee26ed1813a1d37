package verify

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/verify/tsl"
)

// AnchorKind says what a trusted-list service may vouch for.
type AnchorKind int

const (
	// AnchorAny is a plain trust anchor (--trust, system store).
	AnchorAny AnchorKind = iota
	// AnchorQualifiedCA is a qualified CA service (TSL CA/QC).
	AnchorQualifiedCA
	// AnchorTSA is a timestamp service (TSL TSA/QTST and similar).
	AnchorTSA
)

type anchor struct {
	cert   *x509.Certificate
	source string // for people: "file:PATH", "tsl:PATH", "system", a caller's name
	kind   AnchorKind
	name   string
	// list is the index in TrustStore.lists of the trusted list the
	// anchor comes from, -1 for other anchors.
	list int
	// periods are when a trusted-list service had an active status
	// (granted or an equivalent national status); nil means always, as
	// for --trust and the system store.
	periods []period
}

// period is when an anchor vouches for certificates (a trusted-list
// service's active status).
type period = tsl.Period

// activeAt reports whether the anchor vouches for certificates at t.
func (a *anchor) activeAt(t time.Time) bool {
	if a.periods == nil {
		return true
	}
	for _, p := range a.periods {
		if p.Contains(t) {
			return true
		}
	}
	return false
}

// TrustStore holds the trust anchors: certificates from files, from a
// trusted list, and optionally the system store.
type TrustStore struct {
	pool    *x509.CertPool
	anchors []anchor
	system  *x509.CertPool
	sources []string
	lists   []tsl.Info
}

// NewTrustStore returns an empty store: nothing is trusted.
func NewTrustStore() *TrustStore {
	return &TrustStore{pool: x509.NewCertPool()}
}

// TrustError reports an unreadable anchor source.
type TrustError struct {
	Source string
	Err    error
}

func (e *TrustError) Error() string {
	return fmt.Sprintf("reading trust anchors from %s: %v", e.Source, e.Err)
}
func (e *TrustError) Unwrap() error { return e.Err }

// addAnchor adds c as an anchor of kind during periods (nil: always). A
// certificate already present with the same kind gets the periods added
// to its own.
func (t *TrustStore) addAnchor(c *x509.Certificate, source string, list int, kind AnchorKind, name string, periods []period) {
	for i := range t.anchors {
		a := &t.anchors[i]
		if bytes.Equal(a.cert.Raw, c.Raw) && a.kind == kind {
			if a.periods != nil {
				if periods == nil {
					a.periods = nil
				} else {
					a.periods = append(a.periods, periods...)
				}
			}
			return
		}
	}
	t.pool.AddCert(c)
	t.anchors = append(t.anchors, anchor{cert: c, source: source, list: list, kind: kind, name: name, periods: periods})
}

func (t *TrustStore) addSource(s string) {
	for _, x := range t.sources {
		if x == s {
			return
		}
	}
	t.sources = append(t.sources, s)
}

// AddPath adds the certificates of a file (PEM with any number of
// certificates, or one DER certificate) or of every such file in a
// directory (not recursive).
func (t *TrustStore) AddPath(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return &TrustError{Source: path, Err: err}
	}
	files := []string{path}
	if st.IsDir() {
		ents, err := os.ReadDir(path)
		if err != nil {
			return &TrustError{Source: path, Err: err}
		}
		files = files[:0]
		for _, e := range ents {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
		sort.Strings(files)
	}
	n := 0
	for _, f := range files {
		certs, err := readCertFile(f)
		if err != nil {
			if st.IsDir() {
				continue // a README or a key in the directory is not an anchor
			}
			return &TrustError{Source: f, Err: err}
		}
		for _, c := range certs {
			t.addAnchor(c, "file:"+f, -1, AnchorAny, certinfo.FormatName(c.Subject), nil)
			n++
		}
	}
	if n == 0 {
		return &TrustError{Source: path, Err: errors.New("no certificate found")}
	}
	t.addSource("file:" + path)
	return nil
}

// LoadCertificates reads the certificates of a PEM file (any number) or
// of a DER file (one), as --tsl-signer takes them.
func LoadCertificates(path string) ([]*x509.Certificate, error) {
	certs, err := readCertFile(path)
	if err != nil {
		return nil, &TrustError{Source: path, Err: err}
	}
	return certs, nil
}

func readCertFile(path string) ([]*x509.Certificate, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 16<<20))
	if err != nil {
		return nil, err
	}
	return parseCerts(b)
}

// parseCerts reads PEM certificates, or one DER certificate.
func parseCerts(b []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := b
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" && blk.Type != "TRUSTED CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if len(out) > 0 {
		return out, nil
	}
	if bytes.Contains(b, []byte("-----BEGIN")) {
		return nil, errors.New("no CERTIFICATE block")
	}
	// DER, which may be followed by white space (a hand-made file). The
	// certificate ends where its outer length says, never where the white
	// space starts: its last byte may well look like a space.
	var outer asn1.RawValue
	if rest, err := asn1.Unmarshal(b, &outer); err == nil && len(bytes.TrimSpace(rest)) == 0 {
		b = b[:len(b)-len(rest)]
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		return nil, fmt.Errorf("neither PEM nor a DER certificate: %w", err)
	}
	return []*x509.Certificate{c}, nil
}

// AddSystem adds the operating system's store. Its CAs are trusted for a
// valid chain, but a chain to one of them says nothing about the
// certificate being qualified: that comes from the TSL.
func (t *TrustStore) AddSystem() error {
	p, err := x509.SystemCertPool()
	if err != nil {
		return &TrustError{Source: "system store", Err: err}
	}
	t.system = p
	t.addSource("system")
	return nil
}

// listOf returns the trusted list anchor a came from, nil for other
// anchors.
func (t *TrustStore) listOf(a *anchor) *tsl.Info {
	if t == nil || a == nil || a.list < 0 || a.list >= len(t.lists) {
		return nil
	}
	return &t.lists[a.list]
}

// TrustedLists describes the trusted lists added with AddTSL, in order.
func (t *TrustStore) TrustedLists() []tsl.Info {
	if t == nil {
		return nil
	}
	return append([]tsl.Info(nil), t.lists...)
}

// AddCertificates trusts certs as anchors of any kind, always (as
// x509.CertPool.AddCert does); source names them in reports ("my CA").
func (t *TrustStore) AddCertificates(source string, certs ...*x509.Certificate) {
	for _, c := range certs {
		t.addAnchor(c, source, -1, AnchorAny, certinfo.FormatName(c.Subject), nil)
	}
	if len(certs) > 0 {
		t.addSource(source)
	}
}

// HasTrustedList reports whether a trusted list was added.
func (t *TrustStore) HasTrustedList() bool { return t != nil && len(t.lists) > 0 }

// Sources names the anchor sources.
func (t *TrustStore) Sources() []string {
	if t == nil {
		return nil
	}
	return append([]string(nil), t.sources...)
}

// Empty reports a store without any anchor.
func (t *TrustStore) Empty() bool { return t == nil || (len(t.anchors) == 0 && t.system == nil) }

// chainResult is the outcome of chain building.
type chainResult struct {
	chain  []*x509.Certificate
	anchor *anchor // nil for the system store
	label  string
}

// verifyChain builds a chain from leaf to an anchor at time at, with
// the file's certificates as intermediates. usage restricts anchors from
// a trusted list to the matching service type.
func (t *TrustStore) verifyChain(leaf *x509.Certificate, inter []*x509.Certificate, at time.Time, usage []x509.ExtKeyUsage, want AnchorKind) (*chainResult, error) {
	if t.Empty() {
		return nil, errNoAnchor
	}
	ip := x509.NewCertPool()
	for _, c := range inter {
		if !bytes.Equal(c.Raw, leaf.Raw) {
			ip.AddCert(c)
		}
	}
	if len(usage) == 0 {
		usage = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	}
	var firstErr error
	if len(t.anchors) > 0 {
		chains, err := leaf.Verify(x509.VerifyOptions{Roots: t.pool, Intermediates: ip, CurrentTime: at, KeyUsages: usage})
		if err == nil {
			return t.pickAnchor(chains, at, want, leaf)
		}
		// Go refuses MD5 and SHA-1 certificate signatures and RSA keys
		// under 1024 bits: such a chain is built and its signatures
		// checked here, and the cryptographic policy judges it after.
		if weak := t.weakChains(leaf, inter, at); len(weak) > 0 {
			if cr, werr := t.pickAnchor(weak, at, want, leaf); werr == nil {
				return cr, nil
			}
		}
		firstErr = err
	}
	if t.system != nil {
		chains, err := leaf.Verify(x509.VerifyOptions{Roots: t.system, Intermediates: ip, CurrentTime: at, KeyUsages: usage})
		if err == nil {
			ch := chains[0]
			return &chainResult{chain: ch, label: certinfo.FormatName(ch[len(ch)-1].Subject) + " (system store)"}, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// pickAnchor chooses among the chains to the store's anchors the one
// whose anchor has the wanted kind and was active at at.
func (t *TrustStore) pickAnchor(chains [][]*x509.Certificate, at time.Time, want AnchorKind, leaf *x509.Certificate) (*chainResult, error) {
	// Prefer a chain whose anchor has the wanted kind. A trusted
	// list's timestamp service never anchors a signer's
	// certificate; a qualified CA may anchor a timestamp unit.
	var best, plain *chainResult
	var inactive *anchor
	for _, ch := range chains {
		top := ch[len(ch)-1]
		for i := range t.anchors {
			a := &t.anchors[i]
			if !bytes.Equal(a.cert.Raw, top.Raw) {
				continue
			}
			// A trusted-list service vouches only for the times
			// its status was active: a CA withdrawn since still
			// anchors what was signed before, a CA granted later
			// does not anchor what was signed earlier.
			if !a.activeAt(at) {
				if inactive == nil {
					inactive = a
				}
				continue
			}
			cr := &chainResult{chain: ch, anchor: a, label: a.name + " (" + a.source + ")"}
			switch {
			case a.kind == want:
				return cr, nil
			case a.kind == AnchorAny && plain == nil:
				// Kept in case no anchor of the wanted kind
				// follows: the same CA given with --trust and in
				// the TSL is a qualified service.
				plain = cr
			case want == AnchorTSA && a.kind == AnchorQualifiedCA && best == nil:
				best = cr
			}
		}
	}
	if plain != nil {
		return plain, nil
	}
	if best != nil {
		return best, nil
	}
	if inactive != nil {
		return nil, &inactiveAnchorError{a: inactive, at: at, leaf: leaf}
	}
	return nil, x509.UnknownAuthorityError{Cert: leaf}
}

// maxWeakDepth bounds the chains weakChains builds.
const maxWeakDepth = 8

// weakChains builds the chains from leaf to the store's anchors that Go
// refuses only for their cryptography: a certificate signed with MD5 or
// SHA-1, or an issuer's RSA key under 1024 bits. Each signature is
// checked with firma's own code (verifySig), each certificate must be
// valid at at and each issuer a CA. A chain with none of those weak
// links is left to Go's verdict.
func (t *TrustStore) weakChains(leaf *x509.Certificate, inter []*x509.Certificate, at time.Time) [][]*x509.Certificate {
	var out [][]*x509.Certificate
	var walk func(path []*x509.Certificate)
	walk = func(path []*x509.Certificate) {
		c := path[len(path)-1]
		if len(path) > maxWeakDepth || len(out) > 0 {
			return
		}
		for i := range t.anchors {
			a := t.anchors[i].cert
			if bytes.Equal(a.Raw, c.Raw) {
				out = append(out, path)
				return
			}
		}
		cands := make([]*x509.Certificate, 0, len(t.anchors)+len(inter))
		for i := range t.anchors {
			cands = append(cands, t.anchors[i].cert)
		}
		cands = append(cands, inter...)
		for _, is := range cands {
			if !cms.SameName(is.RawSubject, c.RawIssuer) || onPath(path, is) {
				continue
			}
			if at.Before(is.NotBefore) || at.After(is.NotAfter) || !(is.BasicConstraintsValid && is.IsCA) {
				continue
			}
			if checkCertSignature(c, is) != nil {
				continue
			}
			walk(append(append([]*x509.Certificate(nil), path...), is))
		}
	}
	if at.Before(leaf.NotBefore) || at.After(leaf.NotAfter) {
		return nil
	}
	walk([]*x509.Certificate{leaf})
	for _, ch := range out {
		if hasWeakLink(ch) {
			return [][]*x509.Certificate{ch}
		}
	}
	return nil
}

func onPath(path []*x509.Certificate, c *x509.Certificate) bool {
	for _, p := range path {
		if bytes.Equal(p.Raw, c.Raw) {
			return true
		}
	}
	return false
}

// hasWeakLink reports a chain Go's x509 would refuse for its
// cryptography alone.
func hasWeakLink(ch []*x509.Certificate) bool {
	for i := 0; i+1 < len(ch); i++ {
		if h := certSigHash(ch[i].SignatureAlgorithm); h == crypto.MD5 || h == crypto.SHA1 {
			return true
		}
		if alg, bits := keyBits(ch[i+1].PublicKey); alg == "RSA" && bits < 1024 {
			return true
		}
	}
	return false
}

// checkCertSignature checks that issuer signed c, with Go's x509 when it
// accepts the algorithm and key, with firma's own code otherwise.
func checkCertSignature(c, issuer *x509.Certificate) error {
	if err := c.CheckSignatureFrom(issuer); err == nil {
		return nil
	}
	h := certSigHash(c.SignatureAlgorithm)
	if h == 0 || !h.Available() {
		return fmt.Errorf("unsupported certificate signature algorithm %v", c.SignatureAlgorithm)
	}
	var kind string
	switch c.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA:
		kind = "rsa"
	case x509.ECDSAWithSHA1, x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512:
		kind = "ecdsa"
	default:
		return fmt.Errorf("unsupported certificate signature algorithm %v", c.SignatureAlgorithm)
	}
	d := h.New()
	d.Write(c.RawTBSCertificate)
	_, err := verifySig(issuer.PublicKey, sigScheme{Name: c.SignatureAlgorithm.String(), Hash: h, Kind: kind}, c.RawTBSCertificate, d.Sum(nil), c.Signature)
	return err
}

var errNoAnchor = errors.New("no trust anchor configured")

// inactiveAnchorError is a chain that ends at a trusted-list service
// whose status was not active at the time asked. It is an unknown
// authority for that time.
type inactiveAnchorError struct {
	a    *anchor
	at   time.Time
	leaf *x509.Certificate
}

func (e *inactiveAnchorError) Error() string {
	return fmt.Sprintf("the trusted-list service %q (%s) was not in a granted status on %s", e.a.name, e.a.source, Date(e.at))
}

func (e *inactiveAnchorError) Unwrap() error { return x509.UnknownAuthorityError{Cert: e.leaf} }

// isUnknownAuthority reports a chain that ends nowhere trusted.
func isUnknownAuthority(err error) bool {
	var ua x509.UnknownAuthorityError
	return errors.Is(err, errNoAnchor) || errors.As(err, &ua) || strings.Contains(err.Error(), "unknown authority")
}

// AddTSL adds the certificates of the qualified CA and timestamp
// services of a trusted list file, each with the periods its status was
// active, after checking the list as tsl.Read does.
func (t *TrustStore) AddTSL(path string, opts tsl.Options) (*tsl.Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &tsl.Error{Source: path, Err: err}
	}
	defer f.Close()
	l, err := tsl.Read(f, opts)
	if err != nil {
		return nil, &tsl.Error{Source: path, Err: err}
	}
	return t.AddTrustedList(l, path)
}

// AddTrustedList adds the certificates of the qualified CA and timestamp
// services of a list tsl.Read checked, each with the periods its status was
// active; source names the list in reports.
func (t *TrustStore) AddTrustedList(l *tsl.List, source string) (*tsl.Info, error) {
	path := source
	type pending struct {
		c       *x509.Certificate
		kind    AnchorKind
		name    string
		periods []tsl.Period
	}
	var add []pending
	for i := range l.Services {
		s := &l.Services[i]
		for kind, tk := range map[AnchorKind]tsl.Kind{AnchorQualifiedCA: tsl.QualifiedCA, AnchorTSA: tsl.TSA} {
			ps := s.Periods(tk)
			if len(ps) == 0 {
				continue
			}
			for _, c := range s.Certs {
				add = append(add, pending{c, kind, s.Name, ps})
			}
		}
	}
	if len(add) == 0 {
		return nil, &tsl.Error{Source: path, Err: errors.New("no active qualified CA or timestamp service")}
	}
	for _, a := range add {
		t.addAnchor(a.c, "tsl:"+path, len(t.lists), a.kind, a.name, a.periods)
	}
	info := l.Info
	info.Source = path
	info.Anchors = len(add)
	t.lists = append(t.lists, info)
	t.addSource("tsl:" + path)
	return &info, nil
}
