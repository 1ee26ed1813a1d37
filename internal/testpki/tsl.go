package testpki

import (
	"crypto"
	"crypto/x509"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// SignTSL signs a trusted list (TS 119 612 XML) the way list operators
// do: an enveloped XMLDSig signature, exclusive c14n, RSA-SHA256, the
// signer certificate in KeyInfo, the Reference pointing at the root's Id.
func SignTSL(list string, key crypto.Signer, cert *x509.Certificate) ([]byte, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(list); err != nil {
		return nil, err
	}
	ctx, err := dsig.NewSigningContext(key, [][]byte{cert.Raw})
	if err != nil {
		return nil, err
	}
	ctx.IdAttribute = "Id"
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return nil, err
	}
	signed, err := ctx.SignEnveloped(doc.Root())
	if err != nil {
		return nil, err
	}
	doc.SetRoot(signed)
	return doc.WriteToBytes()
}
