package verify

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/cms"
)

// maxToken bounds a timestamp token and its TSTInfo.
const maxToken = 1 << 20

// tstInfo is RFC 3161 §2.4.2 TSTInfo.
type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
	SerialNumber *big.Int
	GenTime      time.Time     `asn1:"generalized"`
	Accuracy     asn1.RawValue `asn1:"optional"`
	Ordering     bool          `asn1:"optional,default:false"`
	Nonce        *big.Int      `asn1:"optional"`
	TSA          asn1.RawValue `asn1:"explicit,optional,tag:0"`
	Extensions   asn1.RawValue `asn1:"optional,tag:1"`
}

// limitWriter collects a TSTInfo, refusing more than limit bytes.
type limitWriter struct {
	buf   bytes.Buffer
	limit int
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.buf.Len()+len(p) > w.limit {
		return 0, errors.New("timestamp content too large")
	}
	return w.buf.Write(p)
}

// checkTimestamp verifies an RFC 3161 token whose imprint must be the
// digest of the data digest(h) describes (a signature value, a content,
// a file). covers names that data for the report.
func (v *verifier) checkTimestamp(token []byte, digest func(crypto.Hash) ([]byte, bool), covers string) (*Timestamp, time.Time, bool) {
	ts := &Timestamp{Covers: covers}
	fail := func(sub SubIndication, msg string) (*Timestamp, time.Time, bool) {
		ts.Checks = append(ts.Checks, Check{Name: "format", Status: StatusFailed, SubIndication: sub, Detail: msg})
		ts.Indication, ts.SubIndication, ts.Reasons = conclude(ts.Checks)
		return ts, time.Time{}, false
	}
	if len(token) > maxToken {
		return fail(FormatFailure, "the timestamp token is too large")
	}
	var content limitWriter
	content.limit = maxToken
	sd, err := cms.ParseSignedData(bytes.NewReader(token), cms.ParseOptions{Content: &content, MaxElement: maxToken})
	if err != nil {
		return fail(FormatFailure, "unreadable timestamp token: "+err.Error())
	}
	if !sd.EContentType.Equal(cms.OIDTSTInfo) {
		return fail(FormatFailure, "the token does not hold a TSTInfo")
	}
	if len(sd.SignerInfos) != 1 {
		return fail(FormatFailure, fmt.Sprintf("a timestamp token has one signer, this one has %d", len(sd.SignerInfos)))
	}
	var info tstInfo
	if rest, err := asn1.Unmarshal(mustDER(content.buf.Bytes()), &info); err != nil || len(rest) != 0 {
		return fail(FormatFailure, "unreadable TSTInfo")
	}
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
		v.checkCertificate(o, certs, ts.Time, true, true)
	}
	ts.Checks = o.sig.Checks
	// Imprint: the token must be about this data.
	ih, ok := cms.HashOf(info.MessageImprint.HashAlgorithm.Algorithm)
	ts.HashAlgorithm = digestName(info.MessageImprint.HashAlgorithm.Algorithm)
	switch {
	case !ok || !ih.Available():
		ts.Checks = append(ts.Checks, Check{Name: "imprint", Status: StatusIndeterminate, SubIndication: CryptoConstraintsFailure, Detail: "unknown imprint hash " + info.MessageImprint.HashAlgorithm.Algorithm.String()})
	case ih == crypto.MD5:
		ts.Checks = append(ts.Checks, Check{Name: "imprint", Status: StatusFailed, SubIndication: CryptoConstraintsFailure, Detail: "MD5 imprint"})
	default:
		want, have := digest(ih)
		switch {
		case !have:
			ts.Checks = append(ts.Checks, Check{Name: "imprint", Status: StatusIndeterminate, SubIndication: SignedDataNotFound, Detail: "the timestamped data is not available"})
		case !bytes.Equal(want, info.MessageImprint.HashedMessage):
			ts.Checks = append(ts.Checks, Check{Name: "imprint", Status: StatusFailed, SubIndication: HashFailure, Detail: "the timestamp is about other data, not this " + covers})
		default:
			ts.Checks = append(ts.Checks, Check{Name: "imprint", Status: StatusPassed, Detail: hashName(ih) + " imprint of the " + covers + " matches"})
		}
	}
	ts.Reasons = nil
	ts.Indication, ts.SubIndication, ts.Reasons = conclude(ts.Checks)
	return ts, ts.Time, ts.Indication == TotalPassed
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
