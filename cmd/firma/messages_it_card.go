package main

// messagesITCard is firma card in Italian (and its reader section in firma
// status). Card families, module names and the ATR list's descriptions are
// data, not messages: they stay as they are.
var messagesITCard = messages{
	"Identify the card in the reader: ATR, card family, PKCS#11 modules, PIN tries": "Identificare la smart card nel lettore: ATR, famiglia, moduli PKCS#11, tentativi del PIN",
	"Identify the card through PC/SC, without PKCS#11 and without a PIN: its ATR\n(decoded per ISO 7816-3), the card family (Italian CNS cards are recognised by\ntheir ATR pattern: chip maker, OS maker, CNS version), the PKCS#11 modules that\nserve it in the order to try, and the description from pcsc-tools'\nsmartcard_list.txt when installed.\n\nPIN and PUK tries are read only from cards known to answer the query without\nusing a try. Some Italian cards (Aruba/Incard among them) count that query as\na wrong PIN, and firma's profile of a card family says whether it is known to\nbe harmless. On a card not known to be, --probe-pin-tries alone is refused\n(exit 7, nothing sent): add --i-accept-losing-a-try to probe anyway. firma then\nprobes the PINs one at a time and stops at the first counter below the full\ncount (3), because that probe may have cost the try: at most one try is lost\nwhen the counters were full. PUKs are probed only with --probe-puk-tries,\nafter the PINs and only if no PIN counter moved (3 wrong PUKs make the card\nunusable for good). Prefer 'firma pin status', which asks the PKCS#11 module\nat no risk.": `Identifica la smart card tramite PC/SC, senza PKCS#11 e senza PIN: il suo ATR
(decodificato secondo ISO 7816-3), la famiglia (le carte CNS italiane si
riconoscono dallo schema dell'ATR: produttore del chip, produttore del sistema
operativo, versione CNS), i moduli PKCS#11 che la servono nell'ordine in cui
provarli, e la descrizione di smartcard_list.txt di pcsc-tools se installato.

I tentativi rimasti di PIN e PUK si leggono solo dalle smart card che
notoriamente rispondono senza consumare un tentativo. Alcune carte italiane
(tra cui Aruba/Incard) contano quella richiesta come un PIN errato, e il
profilo di firma di una famiglia di carte dice se è notoriamente innocua. Su una
carta che non lo è, --probe-pin-tries da solo viene rifiutato (uscita 7, nulla
inviato): aggiungere --i-accept-losing-a-try per leggerli comunque. firma
allora legge i PIN uno alla volta e si ferma al primo contatore sotto il
massimo (3), perché quella lettura può essere costata il tentativo: si perde al
più un tentativo quando i contatori erano pieni. I PUK si leggono solo con
--probe-puk-tries, dopo i PIN e solo se nessun contatore dei PIN si è mosso (3
PUK errati rendono la smart card inutilizzabile per sempre). Meglio 'firma pin
status', che lo chiede al modulo PKCS#11 senza alcun rischio.`,
	"  firma card\n  firma card --json | jq -r '.identification.modules[0]'\n  firma card --reader \"Virtual PCD 00 00\"\n\n  # Read the PIN tries even if this card may count the query as a failed try\n  firma card --probe-pin-tries --i-accept-losing-a-try": "  firma card\n  firma card --json | jq -r '.identification.modules[0]'\n  firma card --reader \"Virtual PCD 00 00\"\n\n  # Leggere i tentativi del PIN anche se questa smart card può contare la richiesta come un tentativo fallito\n  firma card --probe-pin-tries --i-accept-losing-a-try",
	"accept that probing a card not known to treat the query as harmless may cost a PIN try":               "accettare che leggere i tentativi su una smart card non notoriamente innocua possa costare un tentativo del PIN",
	"also probe the PUKs, after the PINs (implies --probe-pin-tries)":                                      "leggere anche i tentativi dei PUK, dopo i PIN (implica --probe-pin-tries)",
	"give up on a card that does not answer within this `duration`":                                        "rinunciare a una smart card che non risponde entro questa `durata`",
	"read the PIN tries even on cards where the query may use a try (needs --i-accept-losing-a-try there)": "leggere i tentativi del PIN anche sulle smart card dove la richiesta può consumare un tentativo (lì serve --i-accept-losing-a-try)",
	"reader `name` (default: the first reader holding a card)":                                             "`nome` del lettore (predefinito: il primo lettore con una smart card inserita)",

	"--%s only goes with --probe-pin-tries or --probe-puk-tries":                                                                                                                            "--%s si usa solo con --probe-pin-tries o --probe-puk-tries",
	"--%s: on a card not known to treat the query as harmless, the probe may use a try; firma stops at the first counter that moves":                                                        "--%s: su una smart card non notoriamente innocua la lettura può consumare un tentativo; firma si ferma al primo contatore che si muove",
	"this card may count the query as a wrong PIN: to probe anyway, add --%s (firma stops at the first counter that moves); 'firma pin status' asks the PKCS#11 module instead, at no risk": "questa smart card può contare la richiesta come un PIN errato: per leggerli comunque aggiungere --%s (firma si ferma al primo contatore che si muove); 'firma pin status' lo chiede invece al modulo PKCS#11, senza rischi",
	"firma: warning: %s\n": "firma: attenzione: %s\n",
	"Reader":               "Lettore",
	"ATR":                  "ATR",
	"%s convention, %s, Fi %d Di %d (max %g MHz), %d historical bytes": "convenzione %s, %s, Fi %d Di %d (max %g MHz), %d byte storici",
	"Card":                           "Smart card",
	"Known as":                       "Nota come",
	"version %s, chip %s, OS %s %s":  "versione %s, chip %s, sistema operativo %s %s",
	"ATR list":                       "Elenco ATR",
	"Modules":                        "Moduli",
	"Note":                           "Nota",
	"PIN tries":                      "Tentativi PIN",
	"not read: %s":                   "non letti: %s",
	"Warning":                        "Attenzione",
	"unknown (%02X)":                 "sconosciuto (%02X)",
	"not probed (%s)":                "non letti (%s)",
	"BLOCKED (probing stopped here)": "BLOCCATO (lettura fermata qui)",
	"BLOCKED":                        "BLOCCATO",
	"%d left (below the full count: probing stopped here)": plurals(1, "%d rimasto (sotto il massimo: lettura fermata qui)", "%d rimasti (sotto il massimo: lettura fermata qui)"),
	"%d left":                      plurals(1, "%d rimasto", "%d rimasti"),
	"unknown (%s)":                 "sconosciuto (%s)",
	"exclusive":                    "smart card in uso esclusivo da un altro programma",
	"empty":                        "nessuna smart card",
	"mute":                         "la smart card non risponde",
	"unavailable":                  "non disponibile",
	"direct":                       "diretta",
	"inverse":                      "inversa",
	"Italian CNS card":             "CNS italiana",
	"Italian signature card (DSD)": "smart card di firma italiana (DSD)",
	"%s, %s OS":                    "%s, sistema operativo %s",
	"verified in this session; counter not reported": "già verificato in questa sessione; la smart card non dice il contatore",
	"reference not found on this card":               "riferimento assente su questa smart card",
	"unexpected status %04X":                         "risposta inattesa %04X",
	"on %s cards the empty VERIFY that reads them is not known to be harmless and may cost a try": "sulle smart card %s non è noto che il VERIFY vuoto che li legge sia innocuo: può costare un tentativo",
	"the %s counter moved first":                      "prima si è mosso il contatore del %s",
	"PUKs are probed only when asked":                 "i PUK si leggono solo se richiesto",
	"the card is held exclusively by another program": "la smart card è in uso esclusivo da parte di un altro programma",
	"PIN references of this card are unknown":         "i riferimenti dei PIN di questa smart card non sono noti",
	"could not read the card":                         "impossibile leggere la smart card",
	"CNS 1.0 card: OpenSC lists its keys but cannot sign with an RSA-2048 key on it; use the vendor module":          "smart card CNS 1.0: OpenSC ne elenca le chiavi ma non sa firmare con una chiave RSA-2048 su di essa; usare il modulo del produttore",
	"the empty VERIFY was sent to a card not known to treat it as harmless: each counter probed may have lost a try": "il VERIFY vuoto è stato inviato a una smart card per cui non è noto che sia innocuo: ogni contatore letto può aver perso un tentativo",
	"the %s counter reads %d of %d: this probe may have used that try, so nothing else was probed":                   "il contatore del %s segna %d su %d: questa lettura può aver consumato quel tentativo, quindi non è stato letto altro",
	"PIN tries not probed: %s; the loss of a try was not accepted":                                                   "tentativi del PIN non letti: %s; la perdita di un tentativo non è stata accettata",
	"PIN tries not read: %s":                          "tentativi del PIN non letti: %s",
	"Aruba signature card (ST + STIncard)":            "smart card di firma Aruba (ST + STIncard)",
	"Aruba signature card by Incard":                  "smart card di firma Aruba di Incard",
	"IDEMIA health/CNS card (Aruba Linux middleware)": "tessera sanitaria/CNS IDEMIA (middleware Aruba per Linux)",
	"J-Sign (Incard), \"DSD\" variant":                "J-Sign (Incard), variante \"DSD\"",
}
