package main

// messagesITHelp is the Italian help of the commands: descriptions,
// examples (the commands stay as they are typed), flags and cobra's templates.
var messagesITHelp = messages{
	`  # What is on the card, and when does the certificate expire?
  firma status

  # Sign a report (writes referto.pdf.p7m); a whole folder with one PIN
  firma sign referto.pdf
  firma sign --output-dir firmati/ *.pdf

  # Is a file you received validly signed? (Italian trusted list from AgID)
  firma verify --tsl TSL-IT.xml ricetta.pdf.p7m

  # Something does not work: one report to paste into a support ticket
  firma doctor --report firma-report.txt

  # The status for a script, as JSON
  firma status --json

  # Nightly check for cron or a monitoring system (exit 0/1/2/3)
  firma check --warn 90 --crit 60

  # Use a specific PKCS#11 module and token
  firma status --module /usr/lib/bit4id/libbit4xpki.so --token "pkcs11:token=ROSSI%20MARIO"`: `  # Cosa c'è sulla smart card, e quando scade il certificato?
  firma status

  # Firmare un referto (scrive referto.pdf.p7m); un'intera cartella con un solo PIN
  firma sign referto.pdf
  firma sign --output-dir firmati/ *.pdf

  # Un file ricevuto è firmato validamente? (elenco di fiducia italiano di AgID)
  firma verify --tsl TSL-IT.xml ricetta.pdf.p7m

  # Qualcosa non funziona: un rapporto da incollare in una richiesta di assistenza
  firma doctor --report firma-report.txt

  # Lo stato per uno script, in JSON
  firma status --json

  # Controllo notturno per cron o un sistema di monitoraggio (uscita 0/1/2/3)
  firma check --warn 90 --crit 60

  # Usare un modulo PKCS#11 e un token precisi
  firma status --module /usr/lib/bit4id/libbit4xpki.so --token "pkcs11:token=ROSSI%20MARIO"`,
	`  firma check
  firma check --warn 120 --crit 60
  # crontab: mail me when the certificate needs attention
  0 8 * * 1  firma check >/dev/null || firma status | mail -s "firma: certificate" me@example.it`: `  firma check
  firma check --warn 120 --crit 60
  # crontab: una mail quando il certificato richiede attenzione
  0 8 * * 1  firma check >/dev/null || firma status | mail -s "firma: certificato" io@example.it`,
	`  firma remind --ics rinnovo-firma.ics
  firma remind --ics rinnovi.ics --cert rossi.pem --cert bianchi.pem
  firma cert export -o mario-rossi.pem && firma remind --ics rinnovo.ics --cert mario-rossi.pem`: `  firma remind --ics rinnovo-firma.ics
  firma remind --ics rinnovi.ics --cert rossi.pem --cert bianchi.pem
  firma cert export -o mario-rossi.pem && firma remind --ics rinnovo.ics --cert mario-rossi.pem`,
	`  firma status
  firma status --json | jq -r .renewal.advice
  firma status --all          # every token of every module (CNS and signature slots)
  firma status --token "pkcs11:token=ROSSI%20MARIO%20(PIN%20CNS1)"`: `  firma status
  firma status --json | jq -r .renewal.advice
  firma status --all          # ogni token di ogni modulo (slot CNS e di firma)
  firma status --token "pkcs11:token=ROSSI%20MARIO%20(PIN%20CNS1)"`,
	"CRITICAL when this many `days` or fewer are left": "CRITICAL quando restano questi `giorni` o meno",
	`Check the signing certificate's expiry and the PIN state, print one line in
the monitoring plugin format and exit with its code:

  0 OK        more than --warn days left, PIN not blocked
  1 WARNING   --warn days or fewer left, not valid yet, or the PIN is on its last try
  2 CRITICAL  --crit days or fewer left, expired, or the PIN or PUK is blocked
  3 UNKNOWN   the token or certificate cannot be read

The defaults follow Aruba's renewal rules: warn 90 days before expiry (the
renewal window opens 30 days later), critical from 60 days (window open).`: `Controlla la scadenza del certificato di firma e lo stato del PIN, stampa una
riga nel formato dei plugin di monitoraggio ed esce con il suo codice:

  0 OK        più di --warn giorni rimasti, PIN non bloccato
  1 WARNING   --warn giorni o meno, non ancora valido, o PIN all'ultimo tentativo
  2 CRITICAL  --crit giorni o meno, scaduto, o PIN o PUK bloccato
  3 UNKNOWN   non è possibile leggere il token o il certificato

I valori predefiniti seguono le regole di rinnovo di Aruba: avviso 90 giorni
prima della scadenza (il periodo di rinnovo si apre 30 giorni dopo), critico
da 60 giorni (periodo di rinnovo aperto).`,
	"Help about any command": "Aiuto su qualsiasi comando",
	`Help provides help for any command in the application.
Simply type firma help [path to command] for full details.`: `Mostra l'aiuto di qualsiasi comando.
Scrivere firma help [percorso del comando] per tutti i dettagli.`,
	"One-line certificate and PIN check for cron and monitoring (exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)": "Controllo di certificato e PIN in una riga, per cron e monitoraggio (uscita 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN)",
	"PKCS#11 module `path` (default: $FIRMA_PKCS11_MODULE, $PKCS11_MODULE_PATH, then known vendor modules)":    "`percorso` del modulo PKCS#11 (predefinito: $FIRMA_PKCS11_MODULE, $PKCS11_MODULE_PATH, poi i moduli noti dei produttori)",
	"  firma version\n  firma version --json":                  "  firma version\n  firma version --json",
	"Print firma's version, commit, build date and Go version": "Mostrare la versione di firma, il commit, la data di compilazione e la versione di Go",
	"Print firma's version, the commit it was built from, the build date (the\ncommit's time, so that two builds of one commit are identical), the Go\nversion and platform, and whether card and token support (cgo) is in.": `Mostra la versione di firma, il commit da cui è stato compilato, la data di
compilazione (l'ora del commit, così due compilazioni dello stesso commit sono
identiche), la versione di Go e la piattaforma, e se il supporto per smart card
e token (cgo) è presente.`,
	"Qualified electronic signatures with Italian smartcards (Aruba Key, CNS) and PKCS#11 tokens": "Firma elettronica qualificata con le smart card italiane (Aruba Key, CNS) e i token PKCS#11",
	"Show the token, the signing certificate, its expiry and renewal advice, and the PIN state":   "Mostrare il token, il certificato di firma, la scadenza e il consiglio di rinnovo, e lo stato del PIN",
	`Show what is on the card: the token, the holder and codice fiscale, the issuer,
the expiry date with the days left, when the certificate can be renewed
(Aruba accepts renewals only in the last 60 days; after expiry a new kit is
needed), and the PIN and PUK state. No PIN is asked.`: `Mostra cosa c'è sulla smart card: il token, il titolare e il codice fiscale,
l'emittente, la data di scadenza con i giorni rimasti, quando il certificato può
essere rinnovato (Aruba accetta il rinnovo solo negli ultimi 60 giorni; dopo la
scadenza occorre acquistare un nuovo kit), e lo stato di PIN e PUK. Non chiede
il PIN.`,
	`Usage:{{if .Runnable}}
  {{useLine .}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if gt (len .Aliases) 0}}

Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}{{$cmds := .Commands}}

Available Commands:{{range $cmds}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Flags:
{{flagUsages .LocalFlags | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Global Flags:
{{flagUsages .InheritedFlags | trimTrailingWhitespaces}}{{end}}{{if .HasHelpSubCommands}}

Additional help topics:{{range .Commands}}{{if .IsAdditionalHelpTopicCommand}}
  {{rpad .CommandPath .CommandPathPadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableSubCommands}}

Use "{{.CommandPath}} [command] --help" for more information about a command.{{end}}
`: `Uso:{{if .Runnable}}
  {{useLine .}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [comando]{{end}}{{if gt (len .Aliases) 0}}

Alias:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Esempi:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}{{$cmds := .Commands}}

Comandi disponibili:{{range $cmds}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableLocalFlags}}

Opzioni:
{{flagUsages .LocalFlags | trimTrailingWhitespaces}}{{end}}{{if .HasAvailableInheritedFlags}}

Opzioni globali:
{{flagUsages .InheritedFlags | trimTrailingWhitespaces}}{{end}}{{if .HasHelpSubCommands}}

Altri argomenti di aiuto:{{range .Commands}}{{if .IsAdditionalHelpTopicCommand}}
  {{rpad .CommandPath .CommandPathPadding}} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableSubCommands}}

Usare "{{.CommandPath}} [comando] --help" per maggiori informazioni su un comando.{{end}}
`,
	"WARNING when this many `days` or fewer are left": "WARNING quando restano questi `giorni` o meno",
	`Write an iCalendar file (.ics) with the renewal dates of the signing
certificate: the day the renewal window opens (60 days before expiry), a
reminder 30 days and 7 days before expiry, and the expiry day itself. Each
event says what to do and links the provider's renewal page when firma knows
it (Aruba's for Aruba certificates).

Importing the same file again updates the events instead of doubling them.
Dates already past are left out. No PIN is asked.

With --cert, the certificates come from files (PEM or DER) instead of the
card: IT staff can put the renewals of many doctors in one calendar.`: `Scrive un file iCalendar (.ics) con le date di rinnovo del certificato di
firma: il giorno in cui si apre il periodo di rinnovo (60 giorni prima della
scadenza), un promemoria 30 e 7 giorni prima della scadenza, e il giorno della
scadenza. Ogni evento dice cosa fare e riporta la pagina di rinnovo del
prestatore quando firma la conosce (quella di Aruba per i certificati Aruba).

Importando di nuovo lo stesso file gli eventi vengono aggiornati, non
duplicati. Le date già passate sono omesse. Non chiede il PIN.

Con --cert i certificati vengono da file (PEM o DER) invece che dalla smart
card: il personale IT può mettere i rinnovi di molti medici in un solo
calendario.`,
	"Write the certificate's renewal dates as a calendar file (.ics) to import into your calendar": "Scrivere le date di rinnovo del certificato in un file di calendario (.ics) da importare nel proprio calendario",
	`firma signs and verifies files with Italian qualified signature smartcards
(Aruba Key and other CNS cards) and any PKCS#11 token, and tells you when the
certificate must be renewed.

The PIN is asked on the terminal, or read from --pin-file, --pin-fd or the
FIRMA_PIN environment variable (for CI). It is never accepted on the
command line, and firma never retries a PIN the card rejected.`: `firma firma e verifica file con le smart card italiane di firma qualificata
(Aruba Key e altre carte CNS) e con qualsiasi token PKCS#11, e avvisa quando il
certificato va rinnovato.

Il PIN viene chiesto sul terminale, oppure letto da --pin-file, --pin-fd o
dalla variabile d'ambiente FIRMA_PIN (per la CI). Non è mai accettato sulla
riga di comando, e firma non ritenta mai un PIN rifiutato dalla smart card.`,
	"key `label`, hex id (id:02) or pkcs11: URI":                                                    "`etichetta` della chiave, id esadecimale (id:02) o URI pkcs11:",
	"print JSON (fields documented in the README)":                                                  "stampa in JSON (campi documentati nel README)",
	"read the certificate from this `file` (PEM or DER) instead of the card; repeat it for several": "legge il certificato da questo `file` (PEM o DER) invece che dalla smart card; ripetibile",
	"replace the calendar file if it exists":                                                        "sovrascrive il file di calendario se esiste",
	"show every token of every module found":                                                        "mostra ogni token di ogni modulo trovato",
	"token `label`, serial number or pkcs11: URI":                                                   "`etichetta` del token, numero di serie o URI pkcs11:",
	"write the calendar to this `file` (.ics)":                                                      "scrive il calendario in questo `file` (.ics)",
	"(default %s)":                           "(predefinito: %s)",
	"firma manual":                           "manuale di firma",
	"NAME":                                   "NOME",
	"SYNOPSIS":                               "SINTASSI",
	"DESCRIPTION":                            "DESCRIZIONE",
	"OPTIONS":                                "OPZIONI",
	"OPTIONS INHERITED FROM PARENT COMMANDS": "OPZIONI EREDITATE DAI COMANDI SUPERIORI",
	"EXAMPLE":                                "ESEMPI",
	"SEE ALSO":                               "VEDERE ANCHE",
}
