package main

// messagesITDoctor is firma doctor in Italian: the checks, their details and
// fixes, and the report for IT support (rapporto per l'assistenza). --json
// stays in English.
var messagesITDoctor = messages{
	// Help.
	"Check the whole chain: pcscd, reader, card, module, token, certificate, PIN; say how to fix what fails": "Controllare tutta la catena: pcscd, lettore, smart card, modulo, token, certificato, PIN; dire come risolvere ciò che non va",
	"Check, in order, everything a signature needs, one line each (ok, warning,\nfailed) with the fix when something fails: pcscd reachable, access allowed,\nreaders, card present and identified, card not held by another program, the\nPKCS#11 modules for this card installed and loadable, the token visible, the\nsignature certificate (not only the CNS one), its chain, its validity and\nrenewal, and the PIN and PUK state.\n\nIt never asks for a PIN and never sends the card a command that could cost a\nPIN try. --report writes the same as a text file to attach to a support\nticket, with versions (firma, OS, pcsc-lite, modules) and no secrets.\nThe exit code is 1 when a check failed, 0 otherwise.": `Controlla, in ordine, tutto ciò che serve per firmare, una riga per controllo
(ok, attenzione, errore) con la soluzione quando qualcosa non va: servizio
pcscd raggiungibile, accesso consentito, lettori, smart card inserita e
riconosciuta, smart card non trattenuta da un altro programma, moduli PKCS#11
di questa smart card installati e caricabili, token visibile, certificato di
firma (non solo quello di autenticazione CNS), la sua catena, la validità e il
rinnovo, lo stato di PIN e PUK.

Non chiede mai il PIN e non invia mai alla smart card un comando che possa
costare un tentativo. --report scrive lo stesso in un file di testo da allegare
a una richiesta di assistenza, con le versioni (firma, sistema operativo,
pcsc-lite, moduli) e nessun segreto.
Il codice di uscita è 1 quando un controllo non è riuscito, 0 altrimenti.`,
	"  firma doctor\n  firma doctor --report firma-report.txt     # attach it to the ticket\n  firma doctor --json": "  firma doctor\n  firma doctor --report firma-report.txt     # da allegare alla richiesta di assistenza\n  firma doctor --json",
	"also write a text report for a support ticket to `FILE`":                                                       "scrivere anche un rapporto per l'assistenza in `FILE`",
	"replace the report file if it exists":                                                                          "sovrascrivere il file del rapporto se esiste",

	// The report.
	"firma doctor report, %s\n\n": "rapporto di firma doctor per l'assistenza, %s\n\n",
	"report written to %s\n":      "rapporto scritto in %s\n",
	"%-8s %-33s %s\n":             "%-10s %-40s %s\n",
	"%-8s %-33s fix: %s\n":        "%-10s %-40s soluzione: %s\n",
	"\n%d failed, %d warnings\n":  "\nerrori: %d, avvisi: %d\n",
	"WARNING":                     "ATTENZIONE",
	"FAILED":                      "ERRORE",
	"SKIPPED":                     "SALTATO",
	"not checked: see above":      "non controllato: vedere sopra",
	"present":                     "smart card inserita, libera",
	"in-use":                      "smart card in uso da un altro programma (condivisa)",

	// The checks.
	"pcscd reachable":                  "servizio pcscd attivo",
	"access allowed":                   "accesso consentito",
	"readers present":                  "lettori presenti",
	"card present":                     "smart card inserita",
	"card identified":                  "smart card riconosciuta",
	"card not held by another program": "smart card libera",
	"PKCS#11 module":                   "modulo PKCS#11",
	"token visible":                    "token visibile",
	"signature certificate":            "certificato di firma",
	"certificate chain":                "catena del certificato",
	"validity and renewal":             "validità e rinnovo",
	"PIN state":                        "stato del PIN",
	"PUK state":                        "stato del PUK",

	// Details and fixes.
	"macOS has PC/SC built in (CryptoTokenKit): replug the reader; check it in System Information > USB":                                                                "macOS ha PC/SC integrato (CryptoTokenKit): ricollegare il lettore; controllarlo in Informazioni di sistema > USB",
	"Debian/Ubuntu: sudo apt install pcscd && sudo systemctl enable --now pcscd.socket; Fedora: sudo dnf install pcsc-lite && sudo systemctl enable --now pcscd.socket": "Debian/Ubuntu: sudo apt install pcscd && sudo systemctl enable --now pcscd.socket; Fedora: sudo dnf install pcsc-lite && sudo systemctl enable --now pcscd.socket",
	"pcscd answers":                  "pcscd risponde",
	"this user may use the readers":  "questo utente può usare i lettori",
	"no reader connected":            "nessun lettore collegato",
	"no card in any reader":          "nessuna smart card inserita nei lettori",
	"the card in %s does not answer": "la smart card in %s non risponde",
	"%s, ATR %s":                     "%s, ATR %s",
	"unknown card":                   "smart card sconosciuta",
	"firma does not know this card: report its ATR ('firma card') to the firma project": "firma non conosce questa smart card: segnalarne l'ATR ('firma card') al progetto firma",
	"another program holds the card exclusively":                                        "un altro programma trattiene la smart card in modo esclusivo",
	"install %s": "installare %s",
	"install %s; or name the module with --module PATH":  "installare %s; oppure indicare il modulo con --module PERCORSO",
	"none of the modules for this card is installed: %s": "nessuno dei moduli di questa smart card è installato: %s",
	"%s loads (%s %s %d.%d)":                             "%s si carica (%s %s %d.%d)",
	"the card %s is in reader %s, but no installed module shows its token: its module %s is not installed":                    "la smart card %s è nel lettore %s, ma nessun modulo installato ne mostra il token: il suo modulo %s non è installato",
	"install %s; 'firma card' names the modules this card needs":                                                              "installare %s; 'firma card' indica i moduli che servono a questa smart card",
	"the card %s is in reader %s, but %s shows no token for it":                                                               "la smart card %s è nel lettore %s, ma %s non ne mostra il token",
	"this module may not support the card: 'firma card' names the modules it needs, 'firma modules' shows what each one sees": "questo modulo potrebbe non supportare la smart card: 'firma card' indica i moduli che le servono, 'firma modules' mostra cosa vede ciascuno",
	"%q serial %s via %s":                            "%q numero di serie %s tramite %s",
	"issuer on the token: %s":                        "emittente sul token: %s",
	"the issuer certificate is not on the token: %s": "il certificato dell'emittente non è sul token: %s",
	"verifiers take it from the EU trusted lists; nothing to do unless a verifier complains":        "i verificatori lo prendono dagli elenchi di fiducia UE; nulla da fare a meno che un verificatore non lo segnali",
	"buy a new signature kit; the expired certificate cannot sign":                                  "occorre acquistare un nuovo kit di firma; il certificato scaduto non può firmare",
	"check the computer's clock, or wait until the certificate is valid":                            "controllare l'orologio del computer, o attendere che il certificato sia valido",
	"renew it now from the provider's site (Aruba: renewal is possible only in these last 60 days)": "rinnovarlo ora dal sito del prestatore (Aruba: il rinnovo è possibile solo in questi ultimi 60 giorni)",
	"this card":                              "questa smart card",
	"the module for %s is not installed: %s": "il modulo per %s non è installato: %s",
	"; nor %s":                               "; né %s",
	"a blocked PUK cannot be reset: a new kit is needed": "un PUK bloccato non si può ripristinare: occorre acquistare un nuovo kit",

	// Where a card's module comes from (firma modules, doctor).
	"the Bit4id middleware: it comes with the card provider's signature software (Aruba: the Aruba Sign / Aruba Key kit, https://www.pec.it/download-software-driver.aspx) or from Bit4id": "il middleware Bit4id: è nel software di firma del prestatore della smart card (Aruba: il kit Aruba Sign / Aruba Key, https://www.pec.it/download-software-driver.aspx) o da Bit4id",
	"the Athena IDProtect middleware: ask the card provider for its Linux package":                                                                                                         "il middleware Athena IDProtect: chiederne il pacchetto Linux al fornitore della smart card",
	"OpenSC: sudo apt install opensc-pkcs11 (Debian/Ubuntu), sudo dnf install opensc (Fedora)":                                                                                             "OpenSC: sudo apt install opensc-pkcs11 (Debian/Ubuntu), sudo dnf install opensc (Fedora)",
	"the card provider's middleware": "il middleware del fornitore della smart card",
}
