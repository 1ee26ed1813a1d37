package pec_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/pectest"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/pec"
	"github.com/firma-dev/firma/sign"
	"github.com/firma-dev/firma/verify"
)

func specSmall() pectest.Spec { return pectest.Spec{Kind: "accettazione"} }

func daticertSeed() []byte {
	return pectest.Daticert(pectest.Spec{Kind: "avvenuta-consegna", ReceiptType: "completa", Time: now, Zone: "+0100", Sender: "a@b.test", Recipients: []string{"c@d.test"}, Subject: "x"})
}

func TestAttachmentsVerified(t *testing.T) {
	ca, err := testpki.NewCA(now)
	if err != nil {
		t.Fatal(err)
	}
	id, err := ca.Issue(testpki.Variants(now)["valid"])
	if err != nil {
		t.Fatal(err)
	}
	s, err := sign.New(id.Key, id.Cert, sign.Options{Chain: []*x509.Certificate{ca.Cert}, Now: func() time.Time { return now.Add(-time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	doc := []byte("%PDF-1.4 referto\n")
	var p7m, p7s bytes.Buffer
	if _, err := s.Attached(context.Background(), bytes.NewReader(doc), &p7m); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Detached(context.Background(), bytes.NewReader(doc), &p7s); err != nil {
		t.Fatal(err)
	}
	inner := build(t, pectest.Spec{Kind: "accettazione"})
	xades := []byte(`<?xml version="1.0"?><p:RicevutaConsegna xmlns:p="x"><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/></p:RicevutaConsegna>`)
	msg := build(t, pectest.Spec{Kind: "posta-certificata", Attachments: []pectest.File{
		{Name: "referto.pdf.p7m", ContentType: "application/pkcs7-mime", Data: p7m.Bytes()},
		{Name: "referto.pdf", ContentType: "application/pdf", Data: doc},
		{Name: "referto.pdf.p7s", ContentType: "application/pkcs7-signature", Data: p7s.Bytes()},
		{Name: "IT01234567890_00001_RC_001.xml", ContentType: "application/xml", Data: xades},
		{Name: "ricevuta.eml", ContentType: "application/octet-stream", Data: inner},
		{Name: "accettazione.eml", ContentType: "message/rfc822", Data: inner},
	}})
	attTrust := verify.NewTrustStore()
	attTrust.AddCertificates("test qualified CA", ca.Cert)
	r, err := pec.Verify(context.Background(), bytes.NewReader(msg), int64(len(msg)), pec.Options{Trust: trust(t), AttachmentTrust: attTrust, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if r.Indication != verify.TotalPassed || r.Postacert == nil {
		t.Fatalf("%s/%s %s", r.Indication, r.SubIndication, r.Reason)
	}
	atts := r.Postacert.Attachments
	if len(atts) != 6 {
		t.Fatalf("%d attachments", len(atts))
	}
	kinds := map[string]string{}
	for _, a := range atts {
		kinds[a.Name] = a.Kind
	}
	if kinds["referto.pdf.p7m"] != "signed" || kinds["referto.pdf.p7s"] != "signed" || kinds["referto.pdf"] != "" || kinds["IT01234567890_00001_RC_001.xml"] != "xades" || kinds["ricevuta.eml"] != "pec" {
		t.Errorf("kinds %v", kinds)
	}
	for _, i := range []int{0, 2} {
		if a := atts[i]; a.Report == nil || a.Report.Indication != verify.TotalPassed {
			t.Errorf("%s: %+v %s", a.Name, a.Report, a.Error)
		}
	}
	// The nested PEC is base64-encoded: recognised, not verified.
	if a := atts[4]; a.PEC != nil || a.Error.IsZero() {
		t.Errorf("nested encoded PEC: %+v", a)
	}
	if a := atts[5]; a.Kind != "pec" || a.PEC == nil || a.PEC.Indication != verify.TotalPassed || a.PEC.Kind != pec.KindAcceptance {
		t.Errorf("nested PEC: %+v", a)
	}
	if atts[1].Size != int64(len(doc)) {
		t.Errorf("size %d", atts[1].Size)
	}
}
