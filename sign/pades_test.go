package sign

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/asn1"
	"os"
	"testing"

	"github.com/firma-dev/firma/internal/cms"
)

// TestDetachedDigestPAdES: the CMS for a PDF carries content-type,
// message-digest and signing-certificate-v2 and no signing-time
// (EN 319 142-1), is detached, and verifies with openssl over the
// content whose digest was given; without Options.PAdES the same call
// keeps CAdES's signing-time.
func TestDetachedDigestPAdES(t *testing.T) {
	p := testPKI(t)
	content := []byte("the /ByteRange bytes of a PDF")
	digest := sha256.Sum256(content)
	for _, pades := range []bool{true, false} {
		s := newSigner(t, p.rsa, Options{PAdES: pades})
		der, res, err := s.DetachedDigest(context.Background(), digest[:])
		if err != nil {
			t.Fatal(err)
		}
		if res.Written != int64(len(der)) {
			t.Fatalf("Written %d, len %d", res.Written, len(der))
		}
		sd, err := cms.ParseSignedData(bytes.NewReader(der), cms.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(sd.SignerInfos) != 1 {
			t.Fatalf("%d signer infos", len(sd.SignerInfos))
		}
		si := sd.SignerInfos[0]
		has := func(oid asn1.ObjectIdentifier) bool { return len(cms.FindAttrs(si.SignedAttrs, oid)) == 1 }
		for _, oid := range []asn1.ObjectIdentifier{cms.OIDAttrContentType, cms.OIDAttrMessageDigest, cms.OIDAttrSigningCertificateV2} {
			if !has(oid) {
				t.Fatalf("pades=%v: attribute %v missing", pades, oid)
			}
		}
		if has(cms.OIDAttrSigningTime) == pades {
			t.Fatalf("pades=%v: signing-time present=%v", pades, !pades)
		}
		dir := t.TempDir()
		sig, cnt := dir+"/s.p7s", dir+"/c"
		writeFile(t, sig, der)
		writeFile(t, cnt, content)
		opensslVerify(t, sig, cnt, p.caFile)
	}
}

func writeFile(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
