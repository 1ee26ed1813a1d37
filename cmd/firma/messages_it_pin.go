package main

// messagesITPin is firma pin and the secrets' prompts in Italian (words of
// GLOSSARIO.md: dispositivo di firma, tentativi rimasti, PIN bloccato,
// sbloccare il PIN con il PUK, ultimo tentativo).
var messagesITPin = messages{
	// Help.
	"PIN and PUK state": "Stato di PIN e PUK",
	"Show the PIN and PUK state as the token reports it (never tries a PIN)": "Mostrare lo stato di PIN e PUK come lo indica il token (non prova mai un PIN)",
	"Show whether the PIN and the PUK are fine, low on tries, on their last try or\nblocked, as the PKCS#11 module reports it. Many vendor modules do not report\nit: then the state is \"unknown\", which does not mean the PIN is fine.\nNothing is sent to the card that could cost a try.": `Mostra se il PIN e il PUK sono a posto, con tentativi ridotti, all'ultimo
tentativo o bloccati, come li indica il modulo PKCS#11. Molti moduli dei
produttori non lo indicano: allora lo stato è "sconosciuto", che non vuol dire
che il PIN sia a posto. Alla smart card non viene inviato nulla che possa
costare un tentativo.`,
	"  firma pin status\n  firma pin status --json": "  firma pin status\n  firma pin status --json",
	"print JSON": "stampare in JSON",
	"Change the PIN (asks the current PIN and the new one twice)": "Cambiare il PIN (chiede il PIN attuale e due volte il nuovo)",
	"Change the signature PIN. The new PIN is checked before the card is touched\n(Italian cards: 5 to 8 digits, different from the old one). firma makes one\nattempt: a wrong current PIN is never retried, and the command says how many\ntries are left when the token tells.\n\nWith --pcsc firma talks to the card directly (CHANGE REFERENCE DATA), without\na PKCS#11 module, on the Italian cards whose PIN encoding it knows. It shows\nthe tries left when the card can tell them without using a try.": `Cambia il PIN di firma. Il nuovo PIN viene controllato prima di usare la smart
card (carte italiane: da 5 a 8 cifre, diverso dal precedente). firma fa un
solo tentativo: un PIN attuale errato non viene mai riprovato, e il comando
dice quanti tentativi restano quando il token lo indica.

Con --pcsc firma parla direttamente con la smart card (CHANGE REFERENCE DATA),
senza un modulo PKCS#11, sulle carte italiane di cui conosce la codifica del
PIN. Mostra i tentativi rimasti quando la carta può dirli senza consumarne uno.`,
	"  firma pin change\n  # non-interactive (CI): secrets from files, never from the command line\n  firma pin change --pin-file old.txt --new-pin-file new.txt\n  # directly on the card, without the vendor's module\n  firma pin change --pcsc\n  firma pin change --pcsc --card-pin cns --reader \"Virtual PCD 00 00\"": "  firma pin change\n  # senza domande (CI): i segreti da file, mai dalla riga di comando\n  firma pin change --pin-file old.txt --new-pin-file new.txt\n  # direttamente sulla smart card, senza il modulo del produttore\n  firma pin change --pcsc\n  firma pin change --pcsc --card-pin cns --reader \"Virtual PCD 00 00\"",
	"Unblock a blocked PIN with the PUK and set a new PIN": "Sbloccare un PIN bloccato con il PUK e impostare un nuovo PIN",
	"Unblock the PIN with the PUK (on the paper that came with the card) and set a\nnew PIN. Three wrong PUKs make the card unusable for good, so firma refuses\nwhen the token says the PUK is on its last try, unless --allow-final-try.\nThe method is chosen per module (standard SO login + C_InitPIN, or OpenSC's\nC_SetPIN with the PUK); --method overrides it.\n\nWith --pcsc firma talks to the card directly (RESET RETRY COUNTER), without a\nPKCS#11 module, on the Italian cards whose PIN encoding it knows.": `Sblocca il PIN con il PUK (codice di sblocco, sulla lettera arrivata con la
smart card) e imposta un nuovo PIN. Tre PUK errati rendono la smart card
inutilizzabile per sempre, quindi firma rifiuta quando il token indica che il
PUK è all'ultimo tentativo, salvo --allow-final-try. Il metodo dipende dal
modulo (SO login standard + C_InitPIN, o C_SetPIN di OpenSC con il PUK);
--method lo cambia.

Con --pcsc firma parla direttamente con la smart card (RESET RETRY COUNTER),
senza un modulo PKCS#11, sulle carte italiane di cui conosce la codifica del PIN.`,
	"  firma pin unlock\n  firma pin unlock --puk-file puk.txt --new-pin-file new.txt\n  # directly on the card, without the vendor's module\n  firma pin unlock --pcsc": "  firma pin unlock\n  firma pin unlock --puk-file puk.txt --new-pin-file new.txt\n  # direttamente sulla smart card, senza il modulo del produttore\n  firma pin unlock --pcsc",
	"read the PUK from `FILE` (first line)":                                            "leggere il PUK da `FILE` (prima riga)",
	"read the PUK from file descriptor `N` (first line)":                               "leggere il PUK dal descrittore di file `N` (prima riga)",
	"read the new PIN from `FILE` (first line)":                                        "leggere il nuovo PIN da `FILE` (prima riga)",
	"read the new PIN from file descriptor `N` (first line)":                           "leggere il nuovo PIN dal descrittore di file `N` (prima riga)",
	"talk to the card directly over PC/SC (APDUs) instead of through a PKCS#11 module": "parlare direttamente con la smart card via PC/SC (APDU) invece che tramite un modulo PKCS#11",
	"try the PUK even when the token says one more wrong PUK blocks it":                "provare il PUK anche quando il token indica che un altro PUK errato lo blocca (ultimo tentativo)",
	"unblock `method`: so-login (standard) or setpin (OpenSC); default per module":     "`metodo` di sblocco: so-login (standard) o setpin (OpenSC); predefinito secondo il modulo",
	"with --pcsc: reader `name` (default: the first reader holding a card)":            "con --pcsc: `nome` del lettore (predefinito: il primo lettore con una smart card inserita)",
	"with --pcsc: which PIN, `signature` or cns (the CNS authentication PIN)":          "con --pcsc: quale PIN, `signature` (di firma) o cns (il PIN di autenticazione CNS)",

	// firma pin status, change, unlock.
	"missing subcommand: firma pin status|change|unlock": "manca il sottocomando: firma pin status|change|unlock",
	"%s (serial %s)":                  "%s (numero di serie %s)",
	"PIN length":                      "Lunghezza PIN",
	"%d to %d characters":             "da %d a %d caratteri",
	"PIN pad":                         "Tastierino PIN",
	"yes: type the PIN on the reader": "sì: digitare il PIN sul lettore",
	"New PIN: ":                       "Nuovo PIN: ",
	"New PIN again: ":                 "Ripetere il nuovo PIN: ",
	"the two new PINs differ: nothing was changed": "i due nuovi PIN sono diversi: non è stato cambiato nulla",
	"%s state: %s\n":            "Stato del %s: %s\n",
	"PIN changed on token %q\n": "PIN cambiato sul dispositivo di firma %q\n",
	"--method chooses a PKCS#11 unblock method: it does not apply with --pcsc": "--method sceglie un metodo di sblocco PKCS#11: non vale con --pcsc",
	"PIN unblocked and replaced on token %q\n":                                 "PIN sbloccato e sostituito sul dispositivo di firma %q\n",
	"--card-pin %q: want signature or cns":                                     "--card-pin %q: serve signature o cns",
	"--%s needs --pcsc":                                                        "--%s richiede --pcsc",
	"Current %s: ":                                                             "%s attuale: ",
	"%s (from the kit's paper letter): ":                                       "%s (dalla lettera cartacea del kit): ",
	"%s unblocked and replaced on the card in reader %q\n":                     "%s sbloccato e sostituito sulla smart card nel lettore %q\n",
	"%s changed on the card in reader %q\n":                                    "%s cambiato sulla smart card nel lettore %q\n",
	"the PIN is blocked and only the PUK unblocks it":                          "il PIN è bloccato e solo il PUK lo sblocca",
	"the card is unusable for good":                                            "la smart card è inutilizzabile per sempre: occorre acquistare un nuovo kit",
	"the card did not say":                                                     "la smart card non lo ha indicato",
	"tries left unknown (%s); each wrong %s uses one, and at zero %s":          "tentativi rimasti sconosciuti (%s); ogni %s errato ne consuma uno, e a zero %s",
	"LAST TRY: a wrong %s now means %s":                                        "ULTIMO TENTATIVO: un %s errato ora significa che %s",
	"%d tries left; at zero %s":                                                plurals(1, "%d tentativo rimasto; a zero %s", "%d tentativi rimasti; a zero %s"),
	"unblock it on the card with 'firma pin unlock --pcsc' if firma knows the card, with the card maker's module (--module), or with 'pkcs15-tool --unblock-pin'": "sbloccarlo sulla smart card con 'firma pin unlock --pcsc' se firma conosce la carta, con il modulo del produttore (--module), o con 'pkcs15-tool --unblock-pin'",
	"%s does not unblock PINs through PKCS#11 in its default configuration: unblocking on the card in reader %q directly\n":                                       "%s nella configurazione predefinita non sblocca i PIN tramite PKCS#11: sblocco direttamente sulla smart card nel lettore %q\n",

	// The secrets: prompts and errors.
	"%s is needed, and CI=true forbids asking it on the terminal": "serve %s, e CI=true ne vieta la richiesta sul terminale",
	"%s is needed, and there is no terminal to ask it on":         "serve %s, e manca un terminale su cui fare la richiesta",
	"give it with --%s-file FILE or --%s-fd N":                    "usare --%s-file FILE o --%s-fd N",
	", or %s in CI": ", o %s in CI",
	"--%s-file and --%s-fd are alternatives: give one": "--%s-file e --%s-fd sono alternativi: indicarne uno",
	"--%s-fd %d is not an open file descriptor":        "--%s-fd %d non è un descrittore di file aperto",
	"reading %s file":              "lettura del file con %s",
	"reading %s from the terminal": "impossibile leggere %s dal terminale",
	"reading %s":                   "impossibile leggere %s",
	"%s source holds more than %d bytes on its first line": "la prima riga della fonte per %s supera i %d byte",
	"%s source is empty": "la fonte per %s è vuota",
	" (a wrong %s was entered before: fewer tries are left)": " (è già stato inserito un %s errato: restano meno tentativi)",
	" (LAST TRY: a wrong %s now blocks it)":                  " (ULTIMO TENTATIVO: un %s errato ora lo blocca)",
	"%s for token %q%s: ":                                    "%s del dispositivo di firma %q%s: ",
	"new PIN":                                                "nuovo PIN",
	"signature PIN":                                          "PIN di firma",
	"signature PUK":                                          "PUK di firma",
	"CNS PIN":                                                "PIN della CNS",
	"CNS PUK":                                                "PUK della CNS",
	"TSA password":                                           "password della TSA",
	"PDF password":                                           "password del PDF",
	"the PIN":                                                "il PIN",
	"the PUK":                                                "il PUK",
	"the new PIN":                                            "il nuovo PIN",
	"the TSA password":                                       "la password della TSA",
	"the PDF password":                                       "la password del PDF",
	"--method %q: give so-login or setpin":                   "--method %q: indicare so-login o setpin",
}
