package main

import (
	"context"
	"github.com/firma-dev/firma/pkcs11"
	"time"

	"github.com/firma-dev/firma/card"
)

// moduleExplicit reports whether the user chose the PKCS#11 module, in
// which case the card's suggestions are not needed.
func moduleExplicit(io *IO, g *globalOptions) bool {
	return pkcs11.OpenOptions{Module: g.Module, Token: g.Token, Getenv: io.Getenv}.Explicit()
}

// cardSuggestions reads the ATRs of the inserted cards (no APDU is sent:
// the ATR comes from pcscd's reader state) and returns the PKCS#11 module
// names their identification suggests, best first. Any PC/SC problem
// yields no suggestion: the token layer then tries its usual list.
func cardSuggestions(ctx context.Context) []string {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	c, err := card.Open()
	if err != nil {
		return nil
	}
	defer c.Close()
	readers, err := c.Readers(ctx)
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range readers {
		if !r.HasCard() {
			continue
		}
		if id := card.Identify(r.ATR, card.NoSmartcardList); id != nil {
			out = append(out, id.Modules...)
		}
	}
	return out
}

// pcscSection is the reader part of `firma status`.
type pcscSection struct {
	// Readers with their cards (identification, tries when safe).
	Readers []card.ReaderReport `json:"readers"`
	// Problem is why PC/SC could not be read (pcscd not running, ...).
	Problem string `json:"problem,omitempty"`
	err     error
}

// surveyForStatus surveys the readers. PIN tries are read only where the
// card profile marks the query safe (card.Survey's rule).
func surveyForStatus(ctx context.Context) *pcscSection {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	rep, err := card.Survey(ctx, card.SurveyOptions{SmartcardList: card.NoSmartcardList})
	if err != nil {
		return &pcscSection{Readers: []card.ReaderReport{}, Problem: err.Error(), err: err}
	}
	return &pcscSection{Readers: rep.Readers}
}

// modulesFromSurvey lists the module names the surveyed cards suggest.
func (p *pcscSection) modules() []string {
	var out []string
	for _, r := range p.Readers {
		if r.Identification != nil {
			out = append(out, r.Identification.Modules...)
		}
	}
	return out
}
