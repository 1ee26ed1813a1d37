package sign

import (
	"crypto"
	"crypto/sha256"
	"math/big"
	"sync"
	"testing"

	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/internal/testpki"
)

// Replies are checked from many goroutines at once (parallel signatures
// of a batch): under the race detector this fails if the check shares any
// state between calls.
func TestCheckReplyConcurrent(t *testing.T) {
	id := tsaIdentity(t)
	digest := sha256.Sum256([]byte("signature value"))
	nonce := big.NewInt(42)
	reply, err := testpki.TSAReply(id, &cms.TimeStampReq{HashAlgorithm: crypto.SHA256, HashedMessage: digest[:], Nonce: nonce, Certificates: true}, testpki.TSAOK, tsaTime)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				if _, err := checkReply(reply, digest[:], crypto.SHA256, nonce, nil); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
