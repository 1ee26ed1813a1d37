package pkcs11

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// OpenOptions says how to find the token.
type OpenOptions struct {
	// Module is an explicit module path (--module); it wins over the
	// environment and over a module-path in the token URI.
	Module string
	// Token is a label, serial or pkcs11: URI (--token); empty means any.
	Token string
	// Suggested are module file names to try before the built-in vendor
	// list (from the card's identification), when no module is explicit.
	Suggested []string
	// OnlySuggested limits the candidates to the Suggested modules (when
	// no module is explicit and there are suggestions): the modules of the
	// card in the reader, for a diagnosis of that card.
	OnlySuggested bool
	// PreferSigning: when several tokens match, pick the one holding a
	// signature (nonRepudiation) certificate if exactly one does. Italian
	// cards expose the CNS and the signature keys as two tokens.
	PreferSigning bool
	Getenv        func(string) string
}

// Attempt is what happened with one candidate module.
type Attempt struct {
	Candidate
	Loaded bool   `json:"loaded"`
	Error  string `json:"error,omitempty"`
	// Hint is left for the caller to fill (the library gives facts, a
	// program chooses its advice from Err).
	Hint    string      `json:"hint,omitempty"`
	Library string      `json:"library,omitempty"`
	Tokens  []TokenInfo `json:"tokens"`
	// Err is why the module did not load (a *ModuleError), or why its
	// tokens could not be listed.
	Err error `json:"-"`
	// Module is the loaded module, nil when it did not load.
	Module *Module `json:"-"`
}

// Discovery records the modules tried, for `firma modules` and error hints.
type Discovery struct {
	Attempts []Attempt `json:"modules"`
	// Missing are the module file names the card suggested that are not
	// installed in any place firma looks, best first.
	Missing []string `json:"missing,omitempty"`
}

// ResolveSuggested turns the module file names a card suggests (best
// first) into the candidates found on this system, and the names found
// nowhere. Discover, Open and a diagnosis of a card all use it, so they
// agree on what "installed" means.
func ResolveSuggested(names []string) (found []Candidate, missing []string) {
	for _, name := range names {
		paths := ResolveModuleName(name)
		if len(paths) == 0 {
			missing = append(missing, name)
		}
		for _, p := range paths {
			found = append(found, Candidate{Path: p, Source: "suggested for the card"})
		}
	}
	return dedupe(found), missing
}

// discoverCandidates returns the modules to try for o, in order, the
// token selector, and the suggested module names that are not installed.
func (o OpenOptions) discoverCandidates() ([]Candidate, TokenSelector, []string, error) {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	sel, uriModule, err := ParseTokenSelector(o.Token)
	if err != nil {
		return nil, sel, nil, err
	}
	explicit := o.Module
	if explicit == "" && uriModule != "" && getenv("FIRMA_PKCS11_MODULE") == "" && getenv("PKCS11_MODULE_PATH") == "" {
		return []Candidate{{Path: uriModule, Source: "pkcs11: URI module-path"}}, sel, nil, nil
	}
	cands := Candidates(explicit, getenv)
	var missing []string
	if explicit == "" && getenv("FIRMA_PKCS11_MODULE") == "" && getenv("PKCS11_MODULE_PATH") == "" && len(o.Suggested) > 0 {
		var pre []Candidate
		pre, missing = ResolveSuggested(o.Suggested)
		if o.OnlySuggested {
			return pre, sel, missing, nil
		}
		cands = dedupe(append(pre, cands...))
	}
	return cands, sel, missing, nil
}

// Explicit reports whether the module was chosen explicitly (o.Module,
// FIRMA_PKCS11_MODULE, PKCS11_MODULE_PATH or a module-path in the token
// URI): then it is the only candidate, and its failure is the answer.
func (o OpenOptions) Explicit() bool {
	getenv := o.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if o.Module != "" || getenv("FIRMA_PKCS11_MODULE") != "" || getenv("PKCS11_MODULE_PATH") != "" {
		return true
	}
	_, uriModule, err := ParseTokenSelector(o.Token)
	return err == nil && uriModule != ""
}

func dedupe(cs []Candidate) []Candidate {
	seen := map[string]bool{}
	var out []Candidate
	for _, c := range cs {
		if !seen[c.Path] {
			seen[c.Path] = true
			out = append(out, c)
		}
	}
	return out
}

func attempt(c Candidate) (Attempt, *Module) {
	a := Attempt{Candidate: c, Tokens: []TokenInfo{}}
	m, err := Load(c.Path, c.Source)
	if err != nil {
		a.Error = err.Error()
		a.Err = err
		return a, nil
	}
	a.Loaded, a.Module = true, m
	a.Library = fmt.Sprintf("%s %s %d.%d", m.Info.ManufacturerID, m.Info.Description, m.Info.VersionMajor, m.Info.VersionMinor)
	ts, err := m.Tokens()
	if err != nil {
		a.Error = err.Error()
		a.Err = err
	}
	if ts != nil {
		a.Tokens = ts
	}
	return a, m
}

// Discover loads every candidate module and lists its tokens. It is the
// one discovery both a module listing and a diagnosis render.
func Discover(o OpenOptions) (*Discovery, error) {
	cands, _, missing, err := o.discoverCandidates()
	if err != nil {
		return nil, err
	}
	d := &Discovery{Attempts: []Attempt{}, Missing: missing}
	for _, c := range cands {
		a, _ := attempt(c)
		d.Attempts = append(d.Attempts, a)
	}
	return d, nil
}

// Open finds the token per o. The first module (in Candidates order) that
// has a matching token wins; several matching tokens in that module are
// an AmbiguousTokenError unless PreferSigning settles it.
func Open(o OpenOptions) (*Token, *Discovery, error) {
	cands, sel, missing, err := o.discoverCandidates()
	if err != nil {
		return nil, nil, err
	}
	d := &Discovery{Attempts: []Attempt{}, Missing: missing}
	if !CgoEnabled {
		return nil, d, &ModuleError{Path: "(any)", Source: "this build", Reason: "PKCS#11 support is missing from this build", Err: ErrNoCgo}
	}
	if len(cands) == 0 {
		return nil, d, &NoModuleError{}
	}
	loaded := 0
	var seen []TokenInfo
	for _, c := range cands {
		a, m := attempt(c)
		d.Attempts = append(d.Attempts, a)
		if m == nil {
			var me *ModuleError
			if len(cands) == 1 && errors.As(a.Err, &me) {
				return nil, d, me
			}
			continue
		}
		loaded++
		seen = append(seen, a.Tokens...)
		var matched []TokenInfo
		for _, t := range a.Tokens {
			if sel.Match(t) {
				matched = append(matched, t)
			}
		}
		switch {
		case len(matched) == 1:
			return &Token{Info: matched[0], m: m}, d, nil
		case len(matched) > 1:
			if o.PreferSigning {
				if t := preferSigning(m, matched); t != nil {
					return t, d, nil
				}
			}
			return nil, d, &AmbiguousTokenError{Tokens: matched}
		}
	}
	return nil, d, &NoTokenError{Selector: sel.String(), Available: seen, Modules: loaded, MissingModules: missing}
}

// preferSigning returns the only token among ts that holds a signature
// certificate, or nil.
func preferSigning(m *Module, ts []TokenInfo) *Token {
	var found *Token
	for _, ti := range ts {
		t := &Token{Info: ti, m: m}
		certs, err := t.Certificates()
		t.Close()
		if err != nil {
			continue
		}
		if _, err := SelectSigning(certs, KeySelector{}); err == nil {
			if found != nil {
				return nil
			}
			found = &Token{Info: ti, m: m}
		}
	}
	return found
}

// Token is a token chosen for use.
type Token struct {
	Info TokenInfo
	m    *Module

	mu      sync.Mutex
	session uint
	open    bool
	source  PINStateSource
}

// SetPINStateSource makes Refresh read the PIN and PUK state from src
// (the card's own counters) when the module's flags are unreliable
// (ModuleProfile.TriesFromCard), and refreshes now. On other modules it
// does nothing.
func (t *Token) SetPINStateSource(src PINStateSource) {
	if !t.m.Profile.TriesFromCard {
		return
	}
	t.source = src
	t.Refresh()
}

// Module returns the module serving the token.
func (t *Token) Module() *Module { return t.m }

// readSession returns the token's read-only session, opened on first use.
func (t *Token) readSession() (uint, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.open {
		return t.session, nil
	}
	s, err := t.m.p.OpenSession(t.Info.SlotID, ckfSerialSession)
	if err != nil {
		return 0, wrapCall("opening a session on "+t.Info.Label, err)
	}
	t.session, t.open = s, true
	return s, nil
}

// Refresh re-reads the token information (PIN flags change after a login).
func (t *Token) Refresh() (TokenInfo, error) {
	ti, err := t.m.p.GetTokenInfo(t.Info.SlotID)
	if err != nil {
		return t.Info, wrapCall("reading token information", err)
	}
	si, _ := t.m.p.GetSlotInfo(t.Info.SlotID)
	info := newTokenInfo(t.m, t.Info.SlotID, si, ti)
	if t.source != nil {
		if ct, ok := t.source(info); ok {
			applyCardTries(&info, ct)
		}
	}
	t.Info = info
	return t.Info, nil
}

// Mechanisms lists the mechanisms the token supports.
func (t *Token) Mechanisms() ([]uint, error) {
	return t.m.p.GetMechanismList(t.Info.SlotID)
}

// Close closes the token's read session. The module stays loaded.
func (t *Token) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.open {
		return nil
	}
	t.open = false
	return t.m.p.CloseSession(t.session)
}
