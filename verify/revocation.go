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

// checkRevocation asks the signer certificate's OCSP responder, then its
// CRL distribution points, whether it was revoked before ref.
func (v *verifier) checkRevocation(s *Signature, cert *x509.Certificate, chain []*x509.Certificate, ref time.Time, hasPOE bool) {
	if len(chain) < 2 {
		s.add("revocation", StatusNotChecked, "", "the certificate is itself an anchor: nothing to check")
		return
	}
	issuer := chain[1]
	var problems []string
	for _, url := range cert.OCSPServer {
		st, err := v.ocspStatus(cert, issuer, url)
		if err != nil {
			problems = append(problems, fmt.Sprintf("OCSP %s: %v", url, err))
			continue
		}
		v.revocationVerdict(s, st, ref, hasPOE, "OCSP "+url)
		return
	}
	for _, url := range cert.CRLDistributionPoints {
		st, err := v.crlStatus(cert, issuer, url)
		if err != nil {
			problems = append(problems, fmt.Sprintf("CRL %s: %v", url, err))
			continue
		}
		v.revocationVerdict(s, st, ref, hasPOE, "CRL "+url)
		return
	}
	if len(problems) == 0 {
		s.add("revocation", StatusIndeterminate, TryLater, "the certificate names no OCSP responder and no CRL")
		return
	}
	s.add("revocation", StatusIndeterminate, TryLater, "revocation status unavailable: "+joinSemi(problems))
}

type revStatus struct {
	revoked   bool
	unknown   bool
	revokedAt time.Time
	reason    int
}

func (v *verifier) revocationVerdict(s *Signature, st revStatus, ref time.Time, hasPOE bool, src string) {
	switch {
	case st.unknown:
		s.add("revocation", StatusIndeterminate, TryLater, src+" does not know the certificate")
	case !st.revoked:
		s.add("revocation", StatusPassed, "", "not revoked ("+src+")")
	case !st.revokedAt.After(ref):
		s.add("revocation", StatusFailed, Revoked, fmt.Sprintf("the certificate was revoked on %s, before the signature (%s) [%s]", day(st.revokedAt), day(ref), src))
	case hasPOE:
		s.add("revocation", StatusPassed, "", fmt.Sprintf("revoked on %s, after the timestamped signature time (%s) [%s]", day(st.revokedAt), day(ref), src))
		s.warn("the certificate was revoked after the signature was made")
	default:
		s.add("revocation", StatusIndeterminate, RevokedNoPOE, fmt.Sprintf("the certificate was revoked on %s; the signature claims an earlier time but no timestamp proves it [%s]", day(st.revokedAt), src))
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

func joinSemi(s []string) string {
	var b bytes.Buffer
	for i, x := range s {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(x)
	}
	return b.String()
}
