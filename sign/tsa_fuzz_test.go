package sign

import (
	"crypto"
	"crypto/sha256"
	"math/big"
	"testing"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/testpki"
)

// FuzzTSAReply feeds arbitrary bytes to the reply check as a TSA's answer:
// it must fail cleanly or accept a token for exactly the request, never
// panic. Seeds: the test TSA's replies in every mode, for the request
// checked.
func FuzzTSAReply(f *testing.F) {
	id := tsaIdentity(f)
	digest := sha256.Sum256([]byte("signature value"))
	nonce := big.NewInt(0x1234_5678_9abc_def0)
	req := &cms.TimeStampReq{HashAlgorithm: crypto.SHA256, HashedMessage: digest[:], Nonce: nonce, Certificates: true}
	for _, mode := range []testpki.TSAMode{
		testpki.TSAOK, testpki.TSAGrantedWithMods, testpki.TSAReject, testpki.TSAWrongImprint, testpki.TSAWrongHash,
		testpki.TSAWrongNonce, testpki.TSANoNonce, testpki.TSANoCertificate, testpki.TSABadSignature, testpki.TSAGarbage,
	} {
		reply, err := testpki.TSAReply(id, req, mode, tsaTime)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(reply)
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, reply []byte) {
		token, err := checkReply(reply, digest[:], crypto.SHA256, nonce, nil)
		if err != nil {
			if _, ok := err.(*TimestampError); !ok {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		p, err := parseToken(token)
		if err != nil || p.checkImprint(digest[:], crypto.SHA256) != nil || p.info.Nonce.Cmp(nonce) != 0 {
			t.Fatalf("accepted a token for another request: %v", err)
		}
	})
}
