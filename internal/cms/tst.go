package cms

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// MaxTimestampToken bounds an RFC 3161 timestamp token and its TSTInfo.
const MaxTimestampToken = 1 << 20

// TSTInfo is RFC 3161 section 2.4.2 TSTInfo.
type TSTInfo struct {
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

// TimestampToken is a parsed RFC 3161 TimeStampToken: a SignedData of one
// signer over a TSTInfo. Nothing in it is verified yet.
type TimestampToken struct {
	SignedData *ParsedSignedData
	Info       TSTInfo
}

// ParseTimestampToken reads a TimeStampToken (DER or BER) of at most
// MaxTimestampToken bytes.
func ParseTimestampToken(token []byte) (*TimestampToken, error) {
	if len(token) > MaxTimestampToken {
		return nil, errors.New("the timestamp token is larger than 1 MiB")
	}
	var content bytes.Buffer
	sd, err := ParseSignedData(bytes.NewReader(token), ParseOptions{Content: &content, MaxElement: MaxTimestampToken})
	if err != nil {
		return nil, fmt.Errorf("unreadable timestamp token: %w", err)
	}
	if !sd.EContentType.Equal(OIDTSTInfo) {
		return nil, fmt.Errorf("the token holds %s, not a TSTInfo", sd.EContentType)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("a timestamp token has one signer, this one has %d", len(sd.SignerInfos))
	}
	t := &TimestampToken{SignedData: sd}
	der, err := ToDER(content.Bytes())
	if err != nil {
		return nil, fmt.Errorf("unreadable TSTInfo: %w", err)
	}
	if rest, err := asn1.Unmarshal(der, &t.Info); err != nil || len(rest) != 0 {
		return nil, errors.New("unreadable TSTInfo")
	}
	return t, nil
}
