package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/firma-dev/firma/card"
	"golang.org/x/text/language"
)

// TestCardFamilyWords: the CLI's words for a card family say in English
// exactly what the library's Family says (the JSON value), and in Italian
// no English catalog sentence.
func TestCardFamilyWords(t *testing.T) {
	defer setLanguage(language.English)
	for _, atr := range []string{
		"3B FF 96 00 00 81 31 FE 55 00 6B 02 09 04 03 01 01 01 43 4E 53 10 31 80 EB", // Aruba, Incard
		"3B FF 18 00 FF 81 31 FE 55 00 6B 02 09 04 03 01 01 01 44 53 44 10 31 80 97", // J-Sign, DSD
		"3B FF 18 00 00 81 31 FE 45 00 6B 11 05 07 00 01 21 01 43 4E 53 11 31 80 4A", // Oberthur CNS
		"3B 8F 80 01 80 4F 0C A0 00 00 03 06 03 00 01 00 00 00 00 6A",                // not a CNS
		"3B", // unreadable
	} {
		b, err := card.ParseHex(atr)
		if err != nil {
			t.Fatal(err)
		}
		id := card.Identify(b, card.NoSmartcardList)
		setLanguage(language.English)
		if got := cardFamily(id); got != id.Family {
			t.Errorf("%s: %q, library says %q", atr, got, id.Family)
		}
		if got := cardNotes(id, b); strings.Join(got, "|") != strings.Join(id.Notes, "|") {
			t.Errorf("%s: notes %q, library says %q", atr, got, id.Notes)
		}
		setLanguage(language.Italian)
		for _, n := range cardNotes(id, b) {
			if l := englishLeaks(n); len(l) > 0 {
				t.Errorf("%s: Italian note %q", atr, n)
			}
		}
		it := cardFamily(id)
		if it == id.Family || len(englishLeaks(it)) > 0 {
			t.Errorf("%s: Italian %q", atr, it)
		}
	}
}

// TestCardLabelWords: every label of a card firma knows says in English
// exactly the library's label, and in Italian no English word but the
// product names.
func TestCardLabelWords(t *testing.T) {
	defer setLanguage(language.English)
	labels := card.KnownLabels()
	if len(labels) < 5 {
		t.Fatalf("card.KnownLabels: %q", labels)
	}
	english := regexp.MustCompile(`\b(signature|card|by|health|variant|middleware)\b`)
	for _, l := range labels {
		setLanguage(language.English)
		if got := cardLabel(l); got != l {
			t.Errorf("%q said %q in English", l, got)
		}
		setLanguage(language.Italian)
		if it := cardLabel(l); english.MatchString(strings.ReplaceAll(it, "smart card", "")) && !strings.Contains(it, "middleware Aruba") {
			t.Errorf("%q said %q in Italian", l, it)
		}
	}
}
