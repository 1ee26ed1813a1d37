package main

// messagesITVerifyFmt is firma verify in Italian for what the rest of the
// report (messages_it.go) does not say: the lines of signed PDFs (firma
// PAdES), of XML signed with XAdES (FatturaPA) and of certified e-mail
// (posta elettronica certificata: busta di trasporto, ricevute, avvisi),
// the help of firma verify, and the help of cobra's completion commands.
// --json stays in English.
var messagesITVerifyFmt = messages{
	// The help of firma verify.
	"Verify signed files (.p7m, .p7s, .tsd, .m7m, signed PDFs, XAdES XML) and PEC e-mails (.eml)": "Verificare file firmati (.p7m, .p7s, .tsd, .m7m, PDF firmati, XML firmati XAdES) e messaggi PEC (.eml)",
	`Verify CAdES signed files as Italian verifiers do, and say for each one
whether it is valid, with the signer's name and codice fiscale.

The form is found from the bytes, not the name: DER or BER, base64 with or
without PEM armor, nested p7m (every layer is reported), detached .p7s (with
--content, or the document next to it without .p7s), several signers,
counter-signatures, timestamps (CAdES-T), .tsd (RFC 5544) and .m7m files.
Signed PDFs (PAdES: every signature of every revision, the changes made
after each one), XML signed with XAdES (FatturaPA invoices, SdI receipts)
and certified e-mail (PEC, below) are recognised too.

Each signature gets an indication, as the EU DSS validator gives it:
  TOTAL_PASSED   the signature is valid and chains to a trusted CA
  TOTAL_FAILED   the file or signature was altered, or is not acceptable
  INDETERMINATE  it cannot be decided (no trusted CA, content missing,
                 certificate expired without a timestamp, ...)
with the reason in plain words. Without a trust anchor (--trust, --tsl, or
a CA in the system store) nothing is ever TOTAL_PASSED.

--tsl takes the Italian trusted list, TSL-IT.xml from AgID. Its XML
signature is checked: a list changed after signing, or not signed, is
refused. Pin AgID's signing certificate (published in the EU List of
Trusted Lists) with --tsl-signer; without it the list is used and the
report says "signer not pinned". A list past its next update is still
used, with a warning. A CA counts as qualified for the time of the
signature (timestamp, else declared signing time), from the service's
status history: a CA withdrawn since still vouches for older signatures.
--tsl-unsigned accepts a hand-made list without signature.

A certified e-mail (PEC) saved as .eml, the message or any receipt, is
verified as PEC: the provider's signature over the signed part, its chain
to a CA for PEC providers whose name constraints bind it to the providers'
mail domains (system store or --trust), the signed daticert.xml (kind,
certified time, sender, recipients), the headers compared with it (they
are not signed), and the signed attachments. The verdict is given now and
as of the certified time. --extract writes postacert.eml and the
attachments into a folder named after the file (-o DIR chooses it).

Revocation (OCSP, then CRL) is checked only with --online; otherwise the
report says it was not checked.

--at TIME verifies as of a past time (RFC 3339, or a date YYYY-MM-DD for
its midnight UTC): certificate validity, trusted-list status and
revocation are checked then, as EU DSS's validation time or an archive's
reference date. A certificate expired at that time is
INDETERMINATE/OUT_OF_BOUNDS_NO_POE unless a timestamp proves the signature
existed while it was valid.

--extract writes the signed document next to the file, named after it with
the .p7m (.tsd, .m7m) endings removed; it never replaces an existing file
without --force, and keeps nothing when the document's integrity does not
hold (changed, damaged, a signature that does not match); an INDETERMINATE
file, or one TOTAL_FAILED for its certificate only, gives its document.

Exit status: 0 all TOTAL_PASSED, 21 INDETERMINATE, 20 TOTAL_FAILED, 11 a
file could not be read or is not a signed file (or a --trust, --tsl or
--tsl-signer file cannot be used), 10 the document could not be extracted
(the output exists); for several files the worst (20, then 11, 10, 21).`: `Verifica i file firmati CAdES come fanno i verificatori italiani, e dice per
ciascuno se è valido, con il nome e il codice fiscale del firmatario.

Il formato si riconosce dal contenuto, non dal nome: DER o BER, base64 con o
senza intestazioni PEM, buste .p7m nidificate (viene riportato ogni livello),
firme separate .p7s (con --content, o con il documento accanto senza .p7s),
più firmatari, controfirme, marche temporali (CAdES-T), file marcati .tsd
(RFC 5544) e buste .m7m. Si riconoscono anche i PDF firmati (firma PAdES:
ogni firma di ogni revisione, e le modifiche fatte dopo ciascuna), gli XML
firmati XAdES (fatture elettroniche FatturaPA, ricevute SdI) e la posta
elettronica certificata (PEC, più avanti).

Ogni firma riceve un esito, come lo dà il validatore europeo DSS:
  TOTAL_PASSED   VALIDA: la firma è integra e risale a una CA attendibile
  TOTAL_FAILED   NON VALIDA: il file o la firma sono stati alterati, o la
                 firma non è accettabile
  INDETERMINATE  NON DETERMINABILE: non è possibile decidere (nessuna CA
                 attendibile, contenuto mancante, certificato scaduto senza
                 marca temporale, ...)
con il motivo in parole semplici. Senza un certificato radice attendibile
(--trust, --tsl, o una CA nell'archivio del sistema) nessuna firma è mai
TOTAL_PASSED.

--tsl accetta l'elenco di fiducia italiano, TSL-IT.xml di AgID. La sua firma
XML viene controllata: un elenco modificato dopo la firma, o non firmato,
viene rifiutato. Il certificato con cui AgID firma l'elenco (pubblicato nella
List of Trusted Lists dell'UE) si fissa con --tsl-signer; senza, l'elenco
viene usato e il rapporto dice "firmatario non verificato". Un elenco oltre la
data del suo aggiornamento previsto si usa ancora, con un avviso. Una CA conta
come qualificata al momento della firma (marca temporale, altrimenti l'ora di
firma dichiarata), secondo la storia dello stato del servizio: una CA ritirata
in seguito garantisce ancora le firme precedenti. --tsl-unsigned accetta un
elenco fatto a mano senza firma.

Un messaggio di posta elettronica certificata (PEC) salvato come .eml, il
messaggio o una qualsiasi ricevuta, viene verificato come PEC: la firma del
gestore sulla parte firmata, la sua catena fino a una CA dei gestori PEC i cui
vincoli sui nomi la legano ai domini di posta dei gestori (archivio del
sistema o --trust), il daticert.xml firmato (tipo, ora certificata, mittente,
destinatari), le intestazioni confrontate con esso (non sono firmate) e gli
allegati firmati. L'esito è dato per adesso e per l'ora certificata.
--extract scrive postacert.eml e gli allegati in una cartella con il nome del
file (-o CARTELLA la sceglie).

La revoca (OCSP, poi CRL) si controlla solo con --online; altrimenti il
rapporto dice che non è stata controllata.

--at ISTANTE verifica a un momento passato (RFC 3339, o una data AAAA-MM-GG
per la sua mezzanotte UTC): validità dei certificati, stato nell'elenco di
fiducia e revoca si controllano a quel momento, come la data di validazione
di EU DSS o la data di riferimento di un archivio. Un certificato scaduto a
quel momento dà INDETERMINATE/OUT_OF_BOUNDS_NO_POE, a meno che una marca
temporale provi che la firma esisteva quando era valido.

--extract scrive il documento firmato accanto al file, con il nome del file
senza le estensioni .p7m (.tsd, .m7m); non sovrascrive mai un file esistente
senza --force, e non conserva nulla quando il documento non risulta integro
(modificato, danneggiato, una firma che non corrisponde); un file
INDETERMINATE, o TOTAL_FAILED solo per il suo certificato, dà il suo
documento.

Codice di uscita: 0 tutti TOTAL_PASSED, 21 INDETERMINATE, 20 TOTAL_FAILED, 11
un file non si può leggere o non è un file firmato (o un file di --trust,
--tsl o --tsl-signer non si può usare), 10 il documento non si può estrarre
(il file di uscita esiste); con più file il peggiore (20, poi 11, 10, 21).`,
	`  # Is this prescription validly signed? (Italian trusted list from AgID)
  firma verify --tsl TSL-IT.xml ricetta.pdf.p7m

  # The same, accepting the list only if AgID's certificate signed it
  firma verify --tsl TSL-IT.xml --tsl-signer agid-tsl-signer.pem ricetta.pdf.p7m

  # Verify and save the signed PDF (writes ricetta.pdf)
  firma verify --tsl TSL-IT.xml --extract ricetta.pdf.p7m

  # A detached signature with its document
  firma verify --trust ca.pem --content referto.pdf referto.pdf.p7s

  # An archived file, as of the date the archive took it in
  firma verify --tsl TSL-IT.xml --at 2012-03-15 delibera.pdf.p7m

  # A PEC delivery receipt, and the message and attachments it holds
  firma verify --extract ricevuta-consegna.eml

  # A signed referto (PAdES) and an e-invoice signed in XML (XAdES)
  firma verify --tsl TSL-IT.xml referto-firmato.pdf
  firma verify --tsl TSL-IT.xml IT01234567890_00001.xml

  # All invoices of the month, with revocation checks, as JSON for a script
  firma verify --tsl TSL-IT.xml --online --json fatture/*.p7m

  # A signed PDF (PAdES); an encrypted one with its password from a file
  firma verify --tsl TSL-IT.xml referto-firmato.pdf
  firma verify --tsl TSL-IT.xml --pdf-password-file pw.txt cifrato-firmato.pdf
  cat referto-firmato.pdf | firma verify --tsl TSL-IT.xml -`: `  # Questa ricetta è firmata validamente? (elenco di fiducia italiano di AgID)
  firma verify --tsl TSL-IT.xml ricetta.pdf.p7m

  # Lo stesso, accettando l'elenco solo se lo ha firmato il certificato di AgID
  firma verify --tsl TSL-IT.xml --tsl-signer agid-tsl-signer.pem ricetta.pdf.p7m

  # Verificare e salvare il PDF firmato (scrive ricetta.pdf)
  firma verify --tsl TSL-IT.xml --extract ricetta.pdf.p7m

  # Una firma separata con il suo documento
  firma verify --trust ca.pem --content referto.pdf referto.pdf.p7s

  # Un file archiviato, alla data in cui l'archivio lo ha acquisito
  firma verify --tsl TSL-IT.xml --at 2012-03-15 delibera.pdf.p7m

  # Una ricevuta di avvenuta consegna PEC, e il messaggio e gli allegati che contiene
  firma verify --extract ricevuta-consegna.eml

  # Un referto firmato nel PDF (PAdES) e una fattura elettronica firmata in XML (XAdES)
  firma verify --tsl TSL-IT.xml referto-firmato.pdf
  firma verify --tsl TSL-IT.xml IT01234567890_00001.xml

  # Tutte le fatture del mese, con il controllo della revoca, in JSON per uno script
  firma verify --tsl TSL-IT.xml --online --json fatture/*.p7m

  # Un PDF firmato (PAdES); uno cifrato, con la password letta da un file
  firma verify --tsl TSL-IT.xml referto-firmato.pdf
  firma verify --tsl TSL-IT.xml --pdf-password-file pw.txt cifrato-firmato.pdf
  cat referto-firmato.pdf | firma verify --tsl TSL-IT.xml -`,
	"the signed document `FILE` of a detached signature (.p7s); one signature only":                "il documento firmato `FILE` di una firma separata (.p7s); una sola firma",
	"trust the CA certificates in `FILE` or directory (PEM or DER; repeatable)":                    "considerare attendibili i certificati di CA nel `FILE` o nella cartella (PEM o DER; ripetibile)",
	"trust the qualified CAs and timestamp units of a trusted list `XML` (TSL-IT.xml; repeatable)": "considerare attendibili le CA qualificate e i servizi di marcatura temporale di un elenco di fiducia `XML` (TSL-IT.xml; ripetibile)",
	"accept a trusted list only if signed by the certificate in `CERT` (PEM or DER; repeatable)":   "accettare un elenco di fiducia solo se firmato dal certificato in `CERT` (PEM o DER; ripetibile)",
	"accept a trusted list without signature (hand-made lists)":                                    "accettare un elenco di fiducia senza firma (elenchi fatti a mano)",
	"do not trust the operating system's CA store":                                                 "non considerare attendibile l'archivio delle CA del sistema operativo",
	"check revocation over the network (OCSP, then CRL)":                                           "controllare la revoca in rete (OCSP, poi CRL)",
	"with --online: give up on a revocation server after this `duration`":                          "con --online: rinunciare a un server di revoca dopo questa `durata`",
	"print the results as JSON":                                                            "stampare i risultati in JSON",
	"write the signed document next to each file (name without .p7m)":                      "scrivere il documento firmato accanto a ogni file (nome senza .p7m)",
	"with --extract: write the document to `FILE` (one input only; - for standard output)": "con --extract: scrivere il documento in `FILE` (un solo file da verificare; - per lo standard output)",
	"with --extract: replace an existing file":                                             "con --extract: sovrascrivere un file esistente",
	"verify as of `TIME` (RFC 3339, or YYYY-MM-DD for midnight UTC) instead of now":        "verificare al momento `ISTANTE` (RFC 3339, o AAAA-MM-GG per la mezzanotte UTC) invece che adesso",

	// cobra's completion commands (cobra 1.8 writes these texts; a newer
	// cobra that words them otherwise shows here as missing entries).
	"Generate the autocompletion script for the specified shell": "Generare lo script di completamento automatico per la shell indicata",
	"Generate the autocompletion script for firma for the specified shell.\nSee each sub-command's help for details on how to use the generated script.\n": "Genera lo script di completamento automatico di firma per la shell indicata.\nL'aiuto di ciascun sottocomando spiega come usare lo script generato.\n",
	"Generate the autocompletion script for bash":       "Generare lo script di completamento automatico per bash",
	"Generate the autocompletion script for zsh":        "Generare lo script di completamento automatico per zsh",
	"Generate the autocompletion script for fish":       "Generare lo script di completamento automatico per fish",
	"Generate the autocompletion script for powershell": "Generare lo script di completamento automatico per PowerShell",
	"disable completion descriptions":                   "non mostrare le descrizioni nel completamento",
	"Generate the autocompletion script for the bash shell.\n\nThis script depends on the 'bash-completion' package.\nIf it is not installed already, you can install it via your OS's package manager.\n\nTo load completions in your current shell session:\n\n\tsource <(firma completion bash)\n\nTo load completions for every new session, execute once:\n\n#### Linux:\n\n\tfirma completion bash > /etc/bash_completion.d/firma\n\n#### macOS:\n\n\tfirma completion bash > $(brew --prefix)/etc/bash_completion.d/firma\n\nYou will need to start a new shell for this setup to take effect.\n":                                            "Genera lo script di completamento automatico per la shell bash.\n\nLo script richiede il pacchetto 'bash-completion'.\nSe non è già installato, lo si installa con il gestore dei pacchetti del sistema operativo.\n\nPer attivare il completamento nella sessione corrente della shell:\n\n\tsource <(firma completion bash)\n\nPer attivarlo in ogni nuova sessione, eseguire una volta:\n\n#### Linux:\n\n\tfirma completion bash > /etc/bash_completion.d/firma\n\n#### macOS:\n\n\tfirma completion bash > $(brew --prefix)/etc/bash_completion.d/firma\n\nLa configurazione vale dalla prossima shell aperta.\n",
	"Generate the autocompletion script for the zsh shell.\n\nIf shell completion is not already enabled in your environment you will need\nto enable it.  You can execute the following once:\n\n\techo \"autoload -U compinit; compinit\" >> ~/.zshrc\n\nTo load completions in your current shell session:\n\n\tsource <(firma completion zsh)\n\nTo load completions for every new session, execute once:\n\n#### Linux:\n\n\tfirma completion zsh > \"${fpath[1]}/_firma\"\n\n#### macOS:\n\n\tfirma completion zsh > $(brew --prefix)/share/zsh/site-functions/_firma\n\nYou will need to start a new shell for this setup to take effect.\n": "Genera lo script di completamento automatico per la shell zsh.\n\nSe il completamento della shell non è già attivo nel proprio ambiente,\noccorre attivarlo. Basta eseguire una volta:\n\n\techo \"autoload -U compinit; compinit\" >> ~/.zshrc\n\nPer attivare il completamento nella sessione corrente della shell:\n\n\tsource <(firma completion zsh)\n\nPer attivarlo in ogni nuova sessione, eseguire una volta:\n\n#### Linux:\n\n\tfirma completion zsh > \"${fpath[1]}/_firma\"\n\n#### macOS:\n\n\tfirma completion zsh > $(brew --prefix)/share/zsh/site-functions/_firma\n\nLa configurazione vale dalla prossima shell aperta.\n",
	"Generate the autocompletion script for the fish shell.\n\nTo load completions in your current shell session:\n\n\tfirma completion fish | source\n\nTo load completions for every new session, execute once:\n\n\tfirma completion fish > ~/.config/fish/completions/firma.fish\n\nYou will need to start a new shell for this setup to take effect.\n":                                                                                                                                                                                                                                                                                        "Genera lo script di completamento automatico per la shell fish.\n\nPer attivare il completamento nella sessione corrente della shell:\n\n\tfirma completion fish | source\n\nPer attivarlo in ogni nuova sessione, eseguire una volta:\n\n\tfirma completion fish > ~/.config/fish/completions/firma.fish\n\nLa configurazione vale dalla prossima shell aperta.\n",
	"Generate the autocompletion script for powershell.\n\nTo load completions in your current shell session:\n\n\tfirma completion powershell | Out-String | Invoke-Expression\n\nTo load completions for every new session, add the output of the above command\nto your powershell profile.\n":                                                                                                                                                                                                                                                                                                                                                   "Genera lo script di completamento automatico per PowerShell.\n\nPer attivare il completamento nella sessione corrente della shell:\n\n\tfirma completion powershell | Out-String | Invoke-Expression\n\nPer attivarlo in ogni nuova sessione, aggiungere l'uscita del comando qui sopra\nal proprio profilo di PowerShell.\n",

	// A signed PDF (verify_pdf.go): firma PAdES.
	"%sfield:        %s (%s)\n":                              "%scampo:        %s (%s)\n",
	"%ssigned:       revision %d, %d bytes, %s\n":            "%sfirmato:      revisione %d, %d byte, %s\n",
	"the whole file":                                         "l'intero file",
	"not the whole file: later revisions follow":             "non l'intero file: seguono revisioni successive",
	"%scertifies:    DocMDP P=%d\n":                          "%scertifica:   DocMDP P=%d\n",
	"%schanged after: revision %d, %s: %s\n":                 "%smodificato dopo: revisione %d, %s: %s\n",
	"dss or timestamp":                                       "DSS o marca temporale",
	"signature or form fill":                                 "firma o compilazione di moduli",
	"annotation":                                             "annotazioni",
	"pages added":                                            "pagine aggiunte",
	"pages removed":                                          "pagine rimosse",
	"undefined":                                              "modifiche non classificate",
	"a signed PDF whose structure cannot be read":            "un PDF firmato la cui struttura non si può leggere",
	"the PDF password does not open it":                      "la password non apre il PDF",
	"nothing extracted: no signature of the file holds (%s)": "non è stato estratto nulla: nessuna firma del file risulta integra (%s)",
	"give the PDF's password with --pdf-password-file, --pdf-password-fd or FIRMA_PDF_PASSWORD":                                                                                  "indicare la password del PDF con --pdf-password-file, --pdf-password-fd o FIRMA_PDF_PASSWORD",
	"the file is damaged (cut short, or rewritten by a program that broke its structure); firma judges the bytes as they are and repairs nothing: ask the sender for a new copy": "il file è danneggiato (troncato, o riscritto da un programma che ne ha rotto la struttura); firma giudica il file così com'è e non ripara nulla: chiedere al mittente una nuova copia",

	// XML signed with XAdES (verify_xades.go): FatturaPA, ricevute SdI.
	"nothing extracted: no signature signed the whole document minus its signatures": "non è stato estratto nulla: nessuna firma copre l'intero documento escluse le firme",
	"nothing extracted: the document's integrity does not hold (%s)":                 "non è stato estratto nulla: il documento non risulta integro (%s)",
	"the whole document, signatures excluded":                                        "l'intero documento, escluse le firme",
	"part of the document: %s":                                                       "parte del documento: %s",
	"a file outside the document (detached)":                                         "un file esterno al documento (firma separata)",
	"the signature value it counter-signs":                                           "il valore della firma che controfirma",
	"no data":                                                                        "nessun dato",
	"%ssigned:       %s (enveloped)\n":                                               "%sfirmato:      %s (firma interna al documento)\n",
	"%ssigned:       %s (enveloping)\n":                                              "%sfirmato:      %s (documento interno alla firma)\n",
	"%ssigned:       %s (detached)\n":                                                "%sfirmato:      %s (firma separata)\n",
	"%ssigned:       %s (none)\n":                                                    "%sfirmato:      %s (nessuna collocazione)\n",
	"%ssigned:       %s (%s)\n":                                                      "%sfirmato:      %s (%s)\n",
	"%scertificate binding: %s\n":                                                    "%slegame al certificato: %s\n",
	"signed KeyInfo":                                                                 "KeyInfo firmato",
	"not bound":                                                                      "nessun legame",
	"%sreference %q (%s): %s %s\n":                                                   "%sriferimento %q (%s): %s %s\n",
	"document":                                                                       "documento",
	"key_info":                                                                       "KeyInfo",
	"other":                                                                          "altro",
	"%sFatturaPA:    does not meet the SdI signature rules (%s)\n": "%sFatturaPA:    non rispetta le regole di firma dello SdI (%s)\n",

	// Certified e-mail (verify_pec.go): posta elettronica certificata.
	"PEC message (transport envelope)": "messaggio PEC (busta di trasporto)",
	"anomaly envelope":                 "busta di anomalia",
	"acceptance receipt":               "ricevuta di accettazione",
	"non-acceptance notice":            "avviso di non accettazione",
	"taken-in-charge receipt":          "ricevuta di presa in carico",
	"delivery receipt (%s)":            "ricevuta di avvenuta consegna (%s)",
	"delivery receipt":                 "ricevuta di avvenuta consegna",
	"non-delivery notice":              "avviso di mancata consegna",
	"delivery delay notice":            "preavviso di mancata consegna",
	"virus notice":                     "avviso di rilevazione virus",
	"PEC message of unknown kind":      "messaggio PEC di tipo sconosciuto",
	// The verdict agrees with the noun: ricevuta VALIDA, avviso VALIDO.
	"valid PEC message (transport envelope)":                    "messaggio PEC (busta di trasporto) VALIDO",
	"NOT VALID PEC message (transport envelope)":                "messaggio PEC (busta di trasporto) NON VALIDO",
	"PEC message (transport envelope) that cannot be confirmed": "messaggio PEC (busta di trasporto) NON DETERMINABILE: non è possibile confermarlo",
	"valid anomaly envelope":                                    "busta di anomalia VALIDA",
	"NOT VALID anomaly envelope":                                "busta di anomalia NON VALIDA",
	"anomaly envelope that cannot be confirmed":                 "busta di anomalia NON DETERMINABILE: non è possibile confermarla",
	"valid acceptance receipt":                                  "ricevuta di accettazione VALIDA",
	"NOT VALID acceptance receipt":                              "ricevuta di accettazione NON VALIDA",
	"acceptance receipt that cannot be confirmed":               "ricevuta di accettazione NON DETERMINABILE: non è possibile confermarla",
	"valid non-acceptance notice":                               "avviso di non accettazione VALIDO",
	"NOT VALID non-acceptance notice":                           "avviso di non accettazione NON VALIDO",
	"non-acceptance notice that cannot be confirmed":            "avviso di non accettazione NON DETERMINABILE: non è possibile confermarlo",
	"valid taken-in-charge receipt":                             "ricevuta di presa in carico VALIDA",
	"NOT VALID taken-in-charge receipt":                         "ricevuta di presa in carico NON VALIDA",
	"taken-in-charge receipt that cannot be confirmed":          "ricevuta di presa in carico NON DETERMINABILE: non è possibile confermarla",
	"valid delivery receipt (%s)":                               "ricevuta di avvenuta consegna (%s) VALIDA",
	"NOT VALID delivery receipt (%s)":                           "ricevuta di avvenuta consegna (%s) NON VALIDA",
	"delivery receipt (%s) that cannot be confirmed":            "ricevuta di avvenuta consegna (%s) NON DETERMINABILE: non è possibile confermarla",
	"valid delivery receipt":                                    "ricevuta di avvenuta consegna VALIDA",
	"NOT VALID delivery receipt":                                "ricevuta di avvenuta consegna NON VALIDA",
	"delivery receipt that cannot be confirmed":                 "ricevuta di avvenuta consegna NON DETERMINABILE: non è possibile confermarla",
	"valid non-delivery notice":                                 "avviso di mancata consegna VALIDO",
	"NOT VALID non-delivery notice":                             "avviso di mancata consegna NON VALIDO",
	"non-delivery notice that cannot be confirmed":              "avviso di mancata consegna NON DETERMINABILE: non è possibile confermarlo",
	"valid delivery delay notice":                               "preavviso di mancata consegna VALIDO",
	"NOT VALID delivery delay notice":                           "preavviso di mancata consegna NON VALIDO",
	"delivery delay notice that cannot be confirmed":            "preavviso di mancata consegna NON DETERMINABILE: non è possibile confermarlo",
	"valid virus notice":                                        "avviso di rilevazione virus VALIDO",
	"NOT VALID virus notice":                                    "avviso di rilevazione virus NON VALIDO",
	"virus notice that cannot be confirmed":                     "avviso di rilevazione virus NON DETERMINABILE: non è possibile confermarlo",
	"valid PEC message of unknown kind":                         "messaggio PEC di tipo sconosciuto VALIDO",
	"NOT VALID PEC message of unknown kind":                     "messaggio PEC di tipo sconosciuto NON VALIDO",
	"PEC message of unknown kind that cannot be confirmed":      "messaggio PEC di tipo sconosciuto NON DETERMINABILE: non è possibile confermarlo",
	// What each kind proves, after "attesta:".
	"the original message (postacert.eml), its sender's mailbox and time, as the sender's provider certified them": "il messaggio originale (postacert.eml), la casella del mittente e l'ora di invio, come le ha certificate il gestore del mittente",
	"nothing as PEC: what arrived was not a valid PEC (an ordinary e-mail, or a broken one)":                       "nulla come PEC: ciò che è arrivato non era una PEC valida (una e-mail ordinaria, o una PEC danneggiata)",
	"the sender's provider accepted the message for sending at the certified time (legally: sent)":                 "che il gestore del mittente ha accettato il messaggio per l'invio all'ora certificata (per legge: spedito)",
	"the sender's provider refused the message: it was NOT sent":                                                   "che il gestore del mittente ha rifiutato il messaggio: NON è stato spedito",
	"the recipient's provider took the message over from the sender's provider":                                    "che il gestore del destinatario ha preso in carico il messaggio dal gestore del mittente",
	"the message was delivered into the recipient's mailbox at the certified time (legally: delivered)":            "che il messaggio è stato consegnato nella casella del destinatario all'ora certificata (per legge: consegnato)",
	"the message was NOT delivered to that recipient":                                                              "che il messaggio NON è stato consegnato a quel destinatario",
	"no delivery receipt had arrived within the time limit":                                                        "che entro il tempo previsto non era arrivata la ricevuta di avvenuta consegna",
	"the recipient's provider found a virus after accepting the message":                                           "che il gestore del destinatario ha trovato un virus dopo aver accettato il messaggio",

	"  reason:          %s\n": "  motivo:          %s\n",
	"  note:            this is a daticert.xml saved on its own: NOT SIGNED, shown for reading only\n": "  nota:            questo è un daticert.xml salvato da solo: NON FIRMATO, mostrato solo da leggere\n",
	"from the signed daticert.xml":                                      "dal daticert.xml firmato",
	"from the headers only: not signed":                                 "solo dalle intestazioni: non firmate",
	"  kind:            %s (%s)\n":                                      "  tipo:            %s (%s)\n",
	"  it proves:       %s\n":                                           "  attesta:         %s\n",
	"  provider:        %s\n":                                           "  gestore:         %s\n",
	"  certified time:  %s (%s local time, as the provider wrote it)\n": "  ora certificata: %s (%s ora locale, come l'ha scritta il gestore)\n",
	"  certified time:  unreadable (%s)\n":                              "  ora certificata: illeggibile (%s)\n",
	"  sender:          %s\n":                                           "  mittente:        %s\n",
	"certified PEC mailbox":                                             "casella PEC",
	"ordinary e-mail, not PEC":                                          "e-mail ordinaria, non PEC",
	"  recipient:       %s (%s)\n":                                      "  destinatario:    %s (%s)\n",
	"  delivered to:    %s\n":                                           "  consegnato a:    %s\n",
	"  subject:         %s\n":                                           "  oggetto:         %s\n",
	"  identificativo:  %s\n":                                           "  identificativo:  %s\n",
	"  msgid:           %s\n":                                           "  msgid:           %s\n",
	"  error:           %s\n":                                           "  errore:          %s\n",
	"  error detail:    %s\n":                                           "  dettaglio errore: %s\n",
	"  daticert.xml:    unreadable: %s\n":                               "  daticert.xml:    illeggibile: %s\n",
	"%s now":                                                            "%s adesso",
	"%s; %s at the certified time %s":                                   "%s; %s all'ora certificata %s",
	"  provider signature: %s\n":                                        "  firma del gestore: %s\n",
	"    at the certified time: %s\n":                                   "    all'ora certificata: %s\n",
	"    certificate:   %s <%s>\n":                                      "    certificato:   %s <%s>\n",
	"    valid:         %s to %s, issued by %s\n":                       "    valido:        dal %s al %s, emesso da %s\n",
	"    trust anchor:  %s\n":                                           "    radice:        %s\n",
	"    signing time:  %s (signed by the provider)\n":                  "    ora di firma:  %s (firmata dal gestore)\n",
	"    algorithms:    %s digest, %s\n":                                "    algoritmi:     impronta %s, %s\n",
	"    warning:       %s\n":                                           "    avviso:        %s\n",
	"    checks:\n":                                                     "    controlli:\n",
	"  line ends:       the file is stored with LF line ends (as git, webmail downloads and Unix tools save it); they were taken as CRLF to check the signature\n": "  fine riga:       il file è salvato con fine riga LF (come lo salvano git, i download dalla webmail e i programmi Unix); per controllare la firma sono stati presi come CRLF\n",
	"  re-wrapped:      the provider's message is %s; it was checked on its own\n":                                                                                 "  racchiuso:       il messaggio del gestore è %s; è stato verificato da solo\n",
	"  meaning:         the signed part was changed after the provider signed it (an edit, an anonymisation, a tool that strips spaces)\n":                         "  significato:     la parte firmata è stata modificata dopo la firma del gestore (una modifica, un'anonimizzazione, un programma che toglie gli spazi)\n",
	"  headers (not signed) disagree with the signed data:\n":                                                                                                      "  le intestazioni (non firmate) non concordano con i dati firmati:\n",
	"    %-15s header %q, signed %q\n":                         "    %-15s intestazione %q, firmato %q\n",
	"  warning:         %s\n":                                  "  avviso:          %s\n",
	"  original message (postacert.eml, %d bytes):\n":          "  messaggio originale (postacert.eml, %d byte):\n",
	"    from:          %s\n":                                  "    da:            %s\n",
	"    to:            %s\n":                                  "    a:             %s\n",
	"    subject:       %s\n":                                  "    oggetto:       %s\n",
	"    date:          %s (the sender's claim)\n":             "    data:          %s (dichiarata dal mittente)\n",
	"  revocation:      not checked (offline; use --online)\n": "  revoca:          non controllata (senza rete; usare --online)\n",
	"  trust:           no trust anchor (use --trust with the CA of the PEC providers, or keep the system store)\n": "  fiducia:         nessun certificato radice attendibile (usare --trust con la CA dei gestori PEC, o mantenere l'archivio del sistema)\n",
	"  trust:           anchors from %s; the chain must carry the PEC providers' name constraints\n":                "  fiducia:         certificati radice da %s; la catena deve avere i vincoli sui nomi dei gestori PEC\n",
	"  extracted:       %s\n":          "  estratto:        %s\n",
	"    attachment:    %s (%d bytes)": "    allegato:      %s (%d byte)",
	": signed file, %s":                ": file firmato, %s",
	", signer %s":                      ", firmatario %s",
	": PEC %s, %s":                     ": PEC %s, %s",
	": signed XML (XAdES, as SdI receipts): not verified by firma": ": XML firmato (XAdES, come le ricevute SdI): non verificato da firma",
	"      not verified: %s\n":                                     "      non verificato: %s\n",
	"      reason: %s\n":                                           "      motivo: %s\n",

	// PEC errors, hints and extraction notes.
	"save the message as .eml (\"Save as\" in Thunderbird, \"Download original\" in the provider's webmail), or download it again from the PEC mailbox":       "salvare il messaggio come .eml (\"Salva come\" in Thunderbird, lo scaricamento del messaggio originale nella webmail del gestore), o scaricarlo di nuovo dalla casella PEC",
	"a PEC envelope or receipt carries X-Trasporto or X-Ricevuta headers and a multipart/signed body; an ordinary e-mail has no provider signature to verify": "una busta o una ricevuta PEC ha le intestazioni X-Trasporto o X-Ricevuta e un corpo multipart/signed; una e-mail ordinaria non ha una firma del gestore da verificare",
	"verify the message with the provider's webmail, or report the file to firma's maintainers":                                                               "verificare il messaggio con la webmail del gestore, o segnalare il file ai manutentori di firma",
	"--content goes with a detached signature, not with a PEC message (its signature and content are in the message)":                                         "--content si usa con una firma separata, non con un messaggio PEC (firma e contenuto sono nel messaggio)",
	"choose the folder with -o DIR":                                     "scegliere la cartella con -o CARTELLA",
	"nothing extracted: a daticert.xml holds no message":                "non è stato estratto nulla: un daticert.xml non contiene alcun messaggio",
	"no signature checked":                                              "nessuna firma controllata",
	"nothing extracted: the message's integrity does not hold (%s)":     "non è stato estratto nulla: il messaggio non risulta integro (%s)",
	"nothing extracted: this %s holds no original message":              "non è stato estratto nulla: questo file (%s) non contiene il messaggio originale",
	"a PEC holds several files: -o takes a folder, not standard output": "una PEC contiene più file: -o vuole una cartella, non lo standard output",
	"the contents of standard input need a folder":                      "il contenuto dello standard input richiede una cartella",
	"it does not end in .eml":                                           "il nome non finisce in .eml",
	"a PDF without signatures, whose structure cannot be read either":   "un PDF senza firme, di cui non si riesce nemmeno a leggere la struttura",
	"a PDF without signatures: there is nothing to verify":              "un PDF senza firme: non c'è nulla da verificare",
	"a signed PDF carries its signatures inside (PAdES) or comes as a .p7m; ask the sender for the signed file, or sign this one with firma sign --pades": "un PDF firmato contiene le firme al suo interno (PAdES) oppure arriva come .p7m; chiedere al mittente il file firmato, o firmare questo con firma sign --pades",
}
