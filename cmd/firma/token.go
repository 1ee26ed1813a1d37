package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/pflag"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/pkcs11"
)

// openToken finds the token the global flags choose. preferSigning lets a
// card with a CNS token and a signature token pick the signature one.
func openToken(io *IO, g *globalOptions, preferSigning bool) (*pkcs11.Token, *pkcs11.Discovery, error) {
	return openTokenWith(io, g, preferSigning, suggestions(io, g))
}

// suggestions returns the modules the inserted card suggests, unless the
// user chose the module.
func suggestions(io *IO, g *globalOptions) []string {
	if moduleExplicit(io, g) {
		return nil
	}
	return cardSuggestions(context.Background())
}

// openTokenWith is openToken with the card's module suggestions given.
func openTokenWith(io *IO, g *globalOptions, preferSigning bool, suggested []string) (*pkcs11.Token, *pkcs11.Discovery, error) {
	tok := g.Token
	if tok == "" && pkcs11.IsURI(g.Key) {
		// A key URI may name its token too: pkcs11:token=...;object=...
		tok = g.Key
	}
	t, d, err := pkcs11.Open(pkcs11.OpenOptions{
		Module:        g.Module,
		Token:         tok,
		Getenv:        io.Getenv,
		PreferSigning: preferSigning,
		Suggested:     suggested,
	})
	if err == nil {
		withCardPINState(t)
	}
	return t, d, err
}

// keySelector parses --key.
func keySelector(g *globalOptions) (pkcs11.KeySelector, error) {
	sel, _, err := pkcs11.ParseKeySelector(g.Key)
	if err != nil {
		return sel, withCode(ExitUsage, err, "use --key LABEL, --key id:HEX or a pkcs11: URI")
	}
	return sel, nil
}

// tokenKey is an open signing key with its certificate and chain.
type tokenKey struct {
	Token *pkcs11.Token
	Key   *pkcs11.Key
	Cert  *x509.Certificate
	Chain []*x509.Certificate
	Info  certinfo.Info
}

// Close logs out and forgets the PIN.
func (k *tokenKey) Close() error {
	err := k.Key.Close()
	k.Token.Close()
	return err
}

// openSigningKey opens the token, picks the signing certificate and
// returns its key. The PIN is not asked yet: call Key.Login (before
// writing any output) or let the first signature ask it.
func openSigningKey(io *IO, g *globalOptions, pin *secretOptions) (*tokenKey, error) {
	sel, err := keySelector(g)
	if err != nil {
		return nil, err
	}
	tok, _, err := openToken(io, g, true)
	if err != nil {
		return nil, err
	}
	c, chain, err := tok.SigningCertificate(sel)
	if err == nil {
		err = checkCardCanSign(tok, c)
	}
	if err != nil {
		tok.Close()
		return nil, err
	}
	key := tok.Signer(c, pkcs11.LoginOptions{PIN: pin.pinFunc(io), AllowFinalTry: pin.AllowFinalTry})
	return &tokenKey{Token: tok, Key: key, Cert: c.Cert, Chain: chain, Info: c.Info}, nil
}

// secretOptions are the non-interactive sources of one secret (PIN, PUK,
// new PIN). The secret never comes from argv.
type secretOptions struct {
	// Name is what the secret is called in prompts and errors ("PIN").
	Name string
	// Flag is the flag prefix ("pin" gives --pin-file and --pin-fd).
	Flag string
	// Env is the environment variable for CI ("FIRMA_PIN"), or "".
	Env  string
	File string
	FD   int
	// AllowFinalTry is only used for the PIN and the PUK.
	AllowFinalTry bool
}

func newPINOptions() *secretOptions {
	return &secretOptions{Name: "PIN", Flag: "pin", Env: "FIRMA_PIN", FD: -1}
}

// addFlags wires --<flag>-file and --<flag>-fd.
func (o *secretOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.File, o.Flag+"-file", "", "read the "+o.Name+" from `FILE` (first line)")
	fs.IntVar(&o.FD, o.Flag+"-fd", -1, "read the "+o.Name+" from file descriptor `N` (first line)")
}

// addFinalTryFlag wires --allow-final-try.
func (o *secretOptions) addFinalTryFlag(fs *pflag.FlagSet) {
	fs.BoolVar(&o.AllowFinalTry, "allow-final-try", false, "try the "+o.Name+" even when the token says one more wrong "+o.Name+" blocks it")
}

// maxSecret bounds what is read from a PIN file or descriptor.
const maxSecret = 256

// NoSecretSourceError means a secret is needed and nothing can provide it.
type NoSecretSourceError struct {
	o *secretOptions
	// CI is set when a terminal may exist but CI=true forbids prompts.
	CI bool
}

func (e *NoSecretSourceError) Error() string {
	if e.CI {
		return sprintf("%s is needed, and CI=true forbids asking it on the terminal", theSecret(e.o.Name))
	}
	return sprintf("%s is needed, and there is no terminal to ask it on", theSecret(e.o.Name))
}

func (e *NoSecretSourceError) Hint() string {
	h := sprintf("give it with --%s-file FILE or --%s-fd N", e.o.Flag, e.o.Flag)
	if e.o.Env != "" {
		h += sprintf(", or %s in CI", e.o.Env)
	}
	return h
}

// read returns the secret from the first source that is set: the file,
// the descriptor, the environment, then a no-echo prompt on the terminal.
func (o *secretOptions) read(io *IO, prompt string) ([]byte, error) {
	switch {
	case o.File != "" && o.FD >= 0:
		return nil, usageErrorf("--%s-file and --%s-fd are alternatives: give one", o.Flag, o.Flag)
	case o.File != "":
		f, err := os.Open(o.File)
		if err != nil {
			return nil, withCode(ExitInput, fmt.Errorf("%s: %w", sprintf("reading %s file", theSecret(o.Name)), err), "")
		}
		defer f.Close()
		return readSecretLine(f, o.Name)
	case o.FD >= 0:
		f := os.NewFile(uintptr(o.FD), o.Flag+"-fd")
		if f == nil {
			return nil, usageErrorf("--%s-fd %d is not an open file descriptor", o.Flag, o.FD)
		}
		defer f.Close()
		return readSecretLine(f, o.Name)
	case o.Env != "" && io.Getenv(o.Env) != "":
		return []byte(io.Getenv(o.Env)), nil
	}
	tty, err := io.OpenTTY()
	if err != nil {
		return nil, withCode(ExitNoPIN, &NoSecretSourceError{o: o, CI: errors.Is(err, errCINoPrompt)}, "")
	}
	defer tty.Close()
	s, err := tty.ReadSecret(io.context(), prompt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sprintf("reading %s from the terminal", theSecret(o.Name)), err)
	}
	return s, nil
}

// readSecretLine reads the first line of r, without its line ending.
func readSecretLine(r io.Reader, name string) ([]byte, error) {
	buf := make([]byte, maxSecret+1)
	n, err := io.ReadFull(r, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", sprintf("reading %s", theSecret(name)), err)
	}
	line, _, _ := bytes.Cut(buf[:n], []byte("\n"))
	line = bytes.TrimRight(line, "\r")
	if len(line) > maxSecret {
		return nil, withCode(ExitInput, errors.New(sprintf("%s source holds more than %d bytes on its first line", theSecret(name), maxSecret)), "")
	}
	if len(line) == 0 {
		return nil, withCode(ExitInput, errors.New(sprintf("%s source is empty", theSecret(name))), "")
	}
	return line, nil
}

// pinFunc adapts the options to the token layer's lazy PIN callback.
func (o *secretOptions) pinFunc(io *IO) pkcs11.PINFunc {
	return func(req pkcs11.PINRequest) ([]byte, error) {
		what := secretWord(o.Name)
		var note string
		switch req.State {
		case pkcs11.PINCountLow:
			note = sprintf(" (a wrong %s was entered before: fewer tries are left)", what)
		case pkcs11.PINFinalTry:
			note = sprintf(" (LAST TRY: a wrong %s now blocks it)", what)
		}
		prompt := sprintf("%s for token %q%s: ", what, strings.TrimSpace(req.Token.Label), note)
		return o.read(io, prompt)
	}
}

// secretWord is a secret's name in the user's language, as a prompt or a
// state line says it ("PIN", "nuovo PIN").
func secretWord(name string) string {
	switch name {
	case "PIN":
		return tr("PIN")
	case "PUK":
		return tr("PUK")
	case "new PIN":
		return tr("new PIN")
	case "signature PIN":
		return tr("signature PIN")
	case "signature PUK":
		return tr("signature PUK")
	case "CNS PIN":
		return tr("CNS PIN")
	case "CNS PUK":
		return tr("CNS PUK")
	case "TSA password":
		return tr("TSA password")
	case "PDF password":
		return tr("PDF password")
	}
	return name
}

// theSecret is a secret's name with its article, as a sentence says it
// ("the PIN", "la password della TSA").
func theSecret(name string) string {
	switch name {
	case "PIN":
		return tr("the PIN")
	case "PUK":
		return tr("the PUK")
	case "new PIN":
		return tr("the new PIN")
	case "TSA password":
		return tr("the TSA password")
	case "PDF password":
		return tr("the PDF password")
	}
	return "the " + name
}
