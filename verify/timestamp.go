package verify

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"time"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/cms"
)

// checkTimestamp verifies an RFC 3161 token whose imprint must be the
// digest of the data digest(h) describes (a signature value, a content,
// a file). covers names that data for the report.
func (v *verifier) checkTimestamp(token []byte, digest func(crypto.Hash) ([]byte, bool), covers string) (*Timestamp, time.Time, bool) {
	ts := &Timestamp{Covers: covers}
	fail := func(sub SubIndication, msg Message) (*Timestamp, time.Time, bool) {
		ts.Checks = append(ts.Checks, failed("format", sub, msg))
		ts.Indication, ts.SubIndication, ts.Reasons = conclude(ts.Checks)
		return ts, time.Time{}, false
	}
	tok, err := cms.ParseTimestampToken(token)
	if err != nil {
		return fail(FormatFailure, Messagef("%s", err))
	}
	sd, info := tok.SignedData, tok.Info
	ts.Time = info.GenTime.UTC()
	if info.SerialNumber != nil {
		ts.Serial = hexUpper(info.SerialNumber.Bytes())
	}
	certs, certErrs := parseCertificates(sd.Certificates)
	o := v.checkSigner(signerJob{
		id:           "TST",
		si:           sd.SignerInfos[0],
		certs:        certs,
		certErrs:     certErrs,
		digest:       func(h crypto.Hash) ([]byte, bool) { d, ok := sd.ContentDigest(h); return d, ok },
		eContentType: cms.OIDTSTInfo,
		tsa:          true,
	})
	if o.cert != nil {
		ts.TSA = o.cert.Subject.CommonName
		if ts.TSA == "" {
			ts.TSA = certinfo.FormatName(o.cert.Subject)
		}
		v.checkCertificate(o, certs, ts.Time, time.Time{}, true)
	}
	// The token's own time proves nothing about its own cryptography:
	// the policy judges it at the validation time.
	concludeCrypto(o.sig, o.algIdx, o.uses, v.now, time.Time{})
	ts.Checks = o.sig.Checks
	// Imprint: the token must be about this data.
	ih, ok := cms.HashOf(info.MessageImprint.HashAlgorithm.Algorithm)
	ts.HashAlgorithm = digestName(info.MessageImprint.HashAlgorithm.Algorithm)
	switch {
	case !ok || !ih.Available():
		ts.Checks = append(ts.Checks, failed("imprint", CryptoConstraintsFailure, Messagef("unknown imprint hash %s", info.MessageImprint.HashAlgorithm.Algorithm.String())))
	default:
		want, have := digest(ih)
		switch {
		case !have:
			ts.Checks = append(ts.Checks, failed("imprint", SignedDataNotFound, Messagef("the timestamped data is not available")))
		case !bytes.Equal(want, info.MessageImprint.HashedMessage):
			ts.Checks = append(ts.Checks, failed("imprint", HashFailure, Messagef("the timestamp is about other data, not this %s", Word(covers))))
		default:
			ts.Checks = append(ts.Checks, passed("imprint", Messagef("%s imprint of the %s matches", hashName(ih), Word(covers))))
		}
	}
	ts.Reasons = nil
	ts.Indication, ts.SubIndication, ts.Reasons = conclude(ts.Checks)
	return ts, ts.Time, ts.Indication == TotalPassed
}

// timestampNot is a file timestamp that cannot be checked at all.
func timestampNot(covers string, sub SubIndication, reason Message) *Timestamp {
	ts := &Timestamp{Covers: covers, Checks: []Check{failed("format", sub, reason)}}
	ts.Indication, ts.SubIndication, ts.Reasons = conclude(ts.Checks)
	return ts
}

// parseCertificates parses the plain certificates among CertificateChoices,
// skipping attribute certificates; errs says why others were unreadable.
func parseCertificates(raws [][]byte) (certs []*x509.Certificate, errs []error) {
	for _, raw := range raws {
		if len(raw) == 0 || raw[0] != 0x30 {
			continue
		}
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			der, derr := cms.ToDER(raw)
			if derr == nil {
				c, err = x509.ParseCertificate(der)
			}
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		certs = append(certs, c)
	}
	return certs, errs
}
