package verify

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"golang.org/x/crypto/ocsp"
)

// maxRevocationResponse bounds an OCSP response or CRL download.
const maxRevocationResponse = 32 << 20

// checkRevocation asks, for the signer certificate and then each CA
// certificate below the trust anchor, the OCSP responder and then the
// CRL distribution points whether it was revoked before ref. The anchor
// itself is trusted as configured.
func (v *verifier) checkRevocation(s *Signature, cert *x509.Certificate, chain []*x509.Certificate, ref time.Time, hasPOE bool) {
	if len(chain) < 2 {
		s.skip("revocation", Messagef("the certificate is itself an anchor: nothing to check"))
		return
	}
	for i := 0; i+1 < len(chain); i++ {
		// Past the signer, a message says which CA it is about.
		who := func(m Message) Message { return m }
		if i > 0 {
			name := chain[i].Subject.CommonName
			who = func(m Message) Message { return Messagef("issuing CA %s: %s", name, m) }
		}
		if !v.revocationOf(s, chain[i], chain[i+1], ref, hasPOE, who) {
			return // a problem is reported once, for the lowest certificate
		}
	}
}

// revocationOf checks one certificate and reports whether it passed.
func (v *verifier) revocationOf(s *Signature, cert, issuer *x509.Certificate, ref time.Time, hasPOE bool, who func(Message) Message) bool {
	var problems []Message
	for _, url := range cert.OCSPServer {
		st, err := v.ocspStatus(cert, issuer, url)
		if err != nil {
			problems = append(problems, Messagef("OCSP %s: %s", url, err))
			continue
		}
		return v.revocationVerdict(s, st, ref, hasPOE, who, "OCSP "+url)
	}
	for _, url := range cert.CRLDistributionPoints {
		st, err := v.crlStatus(cert, issuer, url)
		if err != nil {
			problems = append(problems, Messagef("CRL %s: %s", url, err))
			continue
		}
		return v.revocationVerdict(s, st, ref, hasPOE, who, "CRL "+url)
	}
	if len(problems) == 0 {
		s.fail("revocation", TryLater, who(Messagef("the certificate names no OCSP responder and no CRL")))
		return false
	}
	s.fail("revocation", TryLater, who(Messagef("revocation status unavailable: %s", List(problems))))
	return false
}

type revStatus struct {
	revoked   bool
	unknown   bool
	revokedAt time.Time
	reason    int
}

func (v *verifier) revocationVerdict(s *Signature, st revStatus, ref time.Time, hasPOE bool, who func(Message) Message, src string) bool {
	switch {
	case st.unknown:
		s.fail("revocation", TryLater, who(Messagef("%s does not know the certificate", src)))
		return false
	case !st.revoked:
		s.pass("revocation", who(Messagef("not revoked (%s)", src)))
		return true
	case !st.revokedAt.After(ref):
		s.fail("revocation", Revoked, who(Messagef("the certificate was revoked on %s, before the signature (%s) [%s]", Date(st.revokedAt), Date(ref), src)))
		return false
	case hasPOE:
		s.pass("revocation", who(Messagef("revoked on %s, after the timestamped signature time (%s) [%s]", Date(st.revokedAt), Date(ref), src)))
		s.warn(who(Messagef("the certificate was revoked after the signature was made")))
		return true
	default:
		s.fail("revocation", RevokedNoPOE, who(Messagef("the certificate was revoked on %s; the signature claims an earlier time but no timestamp proves it [%s]", Date(st.revokedAt), src)))
		return false
	}
}

func (v *verifier) fetch(req *http.Request) ([]byte, error) {
	resp, err := v.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxRevocationResponse+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxRevocationResponse {
		return nil, errors.New("response too large")
	}
	return b, nil
}

func (v *verifier) ocspStatus(cert, issuer *x509.Certificate, url string) (revStatus, error) {
	reqDER, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return revStatus{}, err
	}
	ctx, cancel := context.WithTimeout(v.ctx, v.http.Timeout+time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(reqDER))
	if err != nil {
		return revStatus{}, err
	}
	req.Header.Set("Content-Type", "application/ocsp-request")
	body, err := v.fetch(req)
	if err != nil {
		return revStatus{}, err
	}
	resp, err := ocsp.ParseResponseForCert(body, cert, issuer)
	if err != nil {
		return revStatus{}, fmt.Errorf("bad response: %w", err)
	}
	if !resp.NextUpdate.IsZero() && v.now.After(resp.NextUpdate.Add(5*time.Minute)) {
		return revStatus{}, errors.New("stale response")
	}
	switch resp.Status {
	case ocsp.Good:
		return revStatus{}, nil
	case ocsp.Revoked:
		return revStatus{revoked: true, revokedAt: resp.RevokedAt, reason: resp.RevocationReason}, nil
	}
	return revStatus{unknown: true}, nil
}

func (v *verifier) crlStatus(cert, issuer *x509.Certificate, url string) (revStatus, error) {
	ctx, cancel := context.WithTimeout(v.ctx, v.http.Timeout+time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return revStatus{}, err
	}
	body, err := v.fetch(req)
	if err != nil {
		return revStatus{}, err
	}
	crl, err := x509.ParseRevocationList(body)
	if err != nil {
		return revStatus{}, fmt.Errorf("bad CRL: %w", err)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		return revStatus{}, fmt.Errorf("CRL not signed by the issuer: %w", err)
	}
	if !crl.NextUpdate.IsZero() && v.now.After(crl.NextUpdate.Add(5*time.Minute)) {
		return revStatus{}, errors.New("stale CRL")
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			return revStatus{revoked: true, revokedAt: e.RevocationTime, reason: e.ReasonCode}, nil
		}
	}
	return revStatus{}, nil
}
