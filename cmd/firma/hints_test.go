package main

import (
	"fmt"
	"golang.org/x/text/language"
	"strings"
	"testing"

	"github.com/firma-dev/firma/card"
	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/cms"
	"github.com/firma-dev/firma/pkcs11"
	"github.com/firma-dev/firma/sign"
	"github.com/firma-dev/firma/verify/tsl"
)

// Every library error gets its hint here, from its data (the libraries
// carry none since the hints moved to the CLI); each hint says what to
// do next, with the flag or command that does it.
func TestHints(t *testing.T) {
	setLanguage(language.English) // the hints below are English; an earlier test may have left Italian
	pinRef := card.SecretRef{Name: "signature PIN", Ref: 0x1A}
	pukRef := card.SecretRef{Name: "signature PUK", Ref: 0x1B, PUK: true}
	for _, c := range []struct {
		err  error
		want []string
		not  []string
	}{
		{&card.Error{Kind: card.ErrRemoved}, []string{"keep the card in the reader"}, nil},
		{&card.Error{Kind: card.ErrNoService}, []string{"systemctl start pcscd"}, nil},
		{&card.Error{Kind: card.ErrBusy}, []string{"scdaemon", "browsers", "Firefox"}, nil},
		{card.ErrAccessDenied, []string{"polkit", "ssh"}, nil},
		{fmt.Errorf("wrapped: %w", &card.Error{Kind: card.ErrNoCard}), []string{"firma readers --wait"}, nil},
		{&card.ATRError{}, []string{"reinsert"}, nil},
		{&card.StatusError{SW: 0x6A88}, []string{"without --pcsc"}, nil},
		{&card.NotSupportedError{}, []string{"without --pcsc", "nothing was sent"}, nil},
		{&card.FinalTryError{}, []string{"--allow-final-try"}, nil},
		{&card.PINError{Secret: pinRef, Wrong: true, Remaining: 2}, []string{"firma does not retry", "only the PUK unblocks it"}, nil},
		{&card.PINError{Secret: pinRef, Blocked: true}, []string{"firma pin unlock --pcsc"}, nil},
		{&card.PINError{Secret: pukRef, Wrong: true, Remaining: 2}, []string{"unusable for good"}, nil},
		{&card.PINError{Secret: pukRef, Blocked: true}, []string{"new signature kit"}, nil},
		{&pkcs11.AmbiguousTokenError{Tokens: []pkcs11.TokenInfo{{Label: "firma-test", Serial: "1"}}}, []string{"--token", `"firma-test" (serial 1)`}, nil},
		{&pkcs11.NoTokenError{Selector: "x", Available: []pkcs11.TokenInfo{{Label: "firma-test"}}}, []string{"firma-test", "--token"}, nil},
		{&pkcs11.NoTokenError{Modules: 1, MissingModules: []string{"libbit4xpki.so", "libbit4ipki.so"}}, []string{"libbit4xpki.so, libbit4ipki.so"}, []string{"insert"}},
		{&pkcs11.NoTokenError{}, []string{"firma modules"}, nil},
		{&pkcs11.NoModuleError{}, []string{"--module PATH"}, nil},
		{&pkcs11.NoCertificateError{AuthOnly: true}, []string{"firma status --all", "--token"}, nil},
		{&pkcs11.PINIncorrectError{State: pkcs11.PINCountLow}, []string{"firma does not retry"}, nil},
		{&pkcs11.PINIncorrectError{State: pkcs11.PINFinalTry}, []string{"--allow-final-try"}, nil},
		{&pkcs11.PINIncorrectError{SO: true}, []string{"three wrong PUKs"}, nil},
		{&pkcs11.PINLockedError{}, []string{"firma pin unlock"}, nil},
		{&pkcs11.FinalTryError{}, []string{"--allow-final-try"}, nil},
		{&atomicfile.ExistsError{Path: "x"}, []string{"--force"}, nil},
		{&atomicfile.WriteError{Path: "x"}, []string{"free space"}, nil},
		{&cms.UnrecognizedError{}, []string{".p7m"}, nil},
		{&sign.NotSignedError{}, []string{"--nest"}, nil},
		{&sign.SignerIndexError{Index: 5, Count: 2}, []string{"--signer N with N from 1 to 2"}, nil},
		{&sign.ContentMismatchError{Signer: 1}, []string{"--content FILE"}, nil},
		{&sign.CertificateError{Problem: sign.CertExpired}, []string{"new kit"}, nil},
		{&sign.CertificateError{Problem: sign.CertNoNonRepudiation}, []string{"--key"}, nil},
		{&sign.UnsupportedError{What: "RSA-PSS with an ECDSA key", Problem: sign.PSSWithECDSA}, []string{"leave out --pss"}, nil},
		{&sign.TimestampError{Problem: sign.TSAUnauthorized}, []string{"--tsa-user"}, nil},
		{&sign.TimestampError{Problem: sign.TSAUnauthorized, NoCredentials: true}, []string{"give the user", "--tsa-user"}, nil},
		{&sign.TimestampError{Problem: sign.TSATimeout}, []string{"--tsa-timeout"}, nil},
		{&sign.TimestampError{Problem: sign.TSAHTTPError, Location: "https://elsewhere"}, []string{"https://elsewhere"}, nil},
		{&tsl.SignatureError{Problem: "unsigned"}, []string{"--tsl-unsigned"}, nil},
		{&tsl.SignatureError{Problem: "not_pinned", Signer: "CN=X", SignerSHA256: "ab12"}, []string{"--tsl-signer", "ab12"}, nil},
		{&tsl.SignatureError{Problem: "invalid"}, []string{"download it again"}, nil},
		{&tsl.SignatureError{Problem: "signer_validity"}, []string{"download the current list"}, []string{"changed or damaged"}},
		{&tsl.Error{Source: "x.xml", Err: &tsl.SignatureError{Problem: "unsigned"}}, []string{"--tsl-unsigned"}, nil},
		{&tsl.Error{Source: "x.xml"}, []string{"--tsl"}, nil},
	} {
		_, hint := classify(c.err)
		for _, w := range c.want {
			if !strings.Contains(hint, w) {
				t.Errorf("%T %v: hint %q lacks %q", c.err, c.err, hint, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(hint, n) {
				t.Errorf("%T %v: hint %q says %q", c.err, c.err, hint, n)
			}
		}
	}
}
