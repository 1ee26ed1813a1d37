package main

import (
	"context"
	"crypto/rsa"
	"strings"
	"time"

	"github.com/firma-dev/firma/card"
	"github.com/firma-dev/firma/pkcs11"
)

// The card behind a token, for modules whose PIN flags say nothing true
// (OpenSC on Italian CNS cards: pkcs11.ModuleProfile.TriesFromCard).
// OpenSC names each slot after its PC/SC reader, so the token's slot
// description finds the card; its retry counters are read only where the
// card profile marks that safe (card.Survey's rule), never by a probe
// that could cost a try.

// tokenCard surveys the reader the token sits in; nil when no reader of
// that name holds a card or PC/SC is unusable.
func tokenCard(ti pkcs11.TokenInfo) *card.ReaderReport {
	if ti.SlotName == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rep, err := card.Survey(ctx, card.SurveyOptions{Reader: ti.SlotName, SmartcardList: card.NoSmartcardList})
	if err != nil || len(rep.Readers) != 1 || !rep.Readers[0].HasCard() {
		return nil
	}
	return &rep.Readers[0]
}

// tokenSecrets names the card PIN and PUK behind an OpenSC token: the
// itacns driver makes one token per PIN, labelled "NAME (PIN CNS0)" for
// the CNS authentication PIN and "NAME (PIN CNS1)" for the signature PIN.
func tokenSecrets(label string) (pin, puk string) {
	if strings.Contains(label, "(PIN CNS0)") {
		return "CNS PIN", "CNS PUK"
	}
	return "signature PIN", "signature PUK"
}

// cardPINSource reads the token's PIN and PUK counters from its card.
func cardPINSource(ti pkcs11.TokenInfo) (pkcs11.CardTries, bool) {
	rr := tokenCard(ti)
	if rr == nil || rr.PINTriesSource != "safe-profile" || rr.Identification == nil || rr.Identification.Profile == nil {
		return pkcs11.CardTries{}, false
	}
	pinName, pukName := tokenSecrets(ti.Label)
	ct := pkcs11.CardTries{Full: rr.Identification.Profile.FullTries}
	for _, t := range rr.PINTries {
		n := t.Remaining
		switch {
		case t.Blocked:
			zero := 0
			n = &zero
		case t.Verified && n == nil:
			// verified in this card session: the right PIN reset the
			// counter to full
			full := ct.Full
			n = &full
		}
		switch t.Name {
		case pinName:
			ct.PIN = n
		case pukName:
			ct.PUK = n
		}
	}
	return ct, ct.PIN != nil || ct.PUK != nil
}

// withCardPINState makes tok read its PIN state from the card when its
// module's flags are unreliable.
func withCardPINState(tok *pkcs11.Token) {
	if tok.Module().Profile.TriesFromCard {
		tok.SetPINStateSource(cardPINSource)
	}
}

// checkCardCanSign refuses, before any PIN is asked, a signature the
// module is known to refuse: OpenSC's itacns driver enables 2048-bit RSA
// only on cards whose ATR says CNS 1.1, so on a CNS 1.0 card it lists a
// 2048-bit key and then fails with CKR_FUNCTION_NOT_SUPPORTED.
func checkCardCanSign(tok *pkcs11.Token, key *pkcs11.Certificate) error {
	if tok.Module().Profile.Name != "OpenSC" {
		return nil
	}
	pub, ok := key.Cert.PublicKey.(*rsa.PublicKey)
	if !ok || pub.N.BitLen() <= 1024 {
		return nil
	}
	rr := tokenCard(tok.Info)
	if rr == nil || rr.Identification == nil || rr.Identification.CNS == nil || rr.Identification.CNS.VersionByte >= 0x11 {
		return nil
	}
	err := &pkcs11.SignNotSupportedError{Module: tok.Module().Profile.Name, Token: tok.Info.Label,
		KeyBits: pub.N.BitLen(), CardVersion: rr.Identification.CNS.Version}
	return err
}

// unlockOnCard unblocks the PIN of an OpenSC token on its card by APDU
// (RESET RETRY COUNTER, the path of --pcsc), since OpenSC's default
// configuration has no safe PKCS#11 unblock. It needs the card's PIN
// encoding known to firma; otherwise it says what to do instead.
func unlockOnCard(ctx context.Context, io *IO, tok *pkcs11.Token, ue *pkcs11.UnblockUnsupportedError, o *pinUnlockOptions) error {
	rr := tokenCard(tok.Info)
	if rr == nil || rr.Identification == nil || rr.Identification.Profile == nil || rr.Identification.Profile.PINFormat == nil {
		return withCode(ExitModule, ue, tr("unblock it on the card with 'firma pin unlock --pcsc' if firma knows the card, with the card maker's module (--module), or with 'pkcs15-tool --unblock-pin'"))
	}
	tok.Close()
	which := "signature"
	if pin, _ := tokenSecrets(tok.Info.Label); pin == "CNS PIN" {
		which = "cns"
	}
	printf(io.Err, "%s does not unblock PINs through PKCS#11 in its default configuration: unblocking on the card in reader %q directly\n", ue.Module, rr.Name)
	return runPINPCSC(ctx, io, &pcscPINOptions{Enabled: true, Reader: rr.Name, Which: which}, o.PUK, o.NewPIN, true)
}
