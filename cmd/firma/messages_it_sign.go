package main

// messagesITSign is firma sign in Italian: its help, its errors, its
// progress and its summary (words of GLOSSARIO.md: firma incorporata,
// firma separata, cofirma, controfirma, marca temporale).
var messagesITSign = messages{
	"Sign one or more files with the qualified signature certificate on the card\nor token, as CAdES (CMS) signatures that Italian verifiers accept.\n\nBy default each FILE becomes FILE.p7m next to it, holding the document and\nthe signature (enveloping). --detached writes FILE.p7s with the signature\nonly. Existing files are never replaced without --force, the inputs are never\nchanged, and an output appears only once it is complete: a failure (wrong\nPIN, card pulled, full disk) leaves nothing half-written behind.\n\nSigning a file that is already signed (.p7m) adds a parallel signature to it\n(co-signature: same document, one more signer, the existing signatures kept\nas they are); --counter adds a counter-signature to an existing signer\ninstead, and --nest wraps the whole .p7m into a new envelope (.p7m.p7m). The\nsigned file itself is never changed: a co-signed or counter-signed copy is\nwritten with --output-dir or --output.\n\nA detached signature (.p7s) is co-signed the same way, with its document:\nthe file next to it without .p7s, or the one given with --content. The\ndocument must be the one the existing signatures were made on: firma checks\nit against each of them before it signs, and refuses any other.\n\nA batch asks the PIN once. It stops at the first failure and reports which\nfiles were signed and which were not. Use - as FILE to sign standard input\nto standard output.\n\n--tsa URL adds a qualified timestamp (\"marca temporale\", RFC 3161) from your\nprovider's timestamp authority to every signature (CAdES-T), so that it stays\nprovable after the certificate expires. One timestamp per signature; a\nfailure to get one fails that file like any signing failure (exit 13). The\nURL is checked before the PIN is asked. A service that needs an account\ngets --tsa-user and the password from --tsa-password-file, --tsa-password-fd\nor FIRMA_TSA_PASSWORD (never on the command line).\n\nSigning with an expired or not-yet-valid certificate, or with one that is not\nfor signatures (the CNS authentication certificate), is refused. When the\ncertificate has 90 days or less left, each run ends with a renewal reminder\non stderr (renewal is possible only in the last 60 days).": `Firma uno o più file con il certificato di firma qualificata della smart card
o del token USB, come firme CAdES (CMS) accettate dai verificatori italiani.

Di norma ogni FILE diventa FILE.p7m accanto a esso, con il documento e la
firma (firma incorporata, busta .p7m). --detached scrive FILE.p7s con la sola
firma (firma separata). I file esistenti non vengono mai sovrascritti senza
--force, i file di partenza non vengono mai modificati, e un file firmato
compare solo quando è completo: un errore (PIN errato, smart card estratta,
disco pieno) non lascia file incompleti.

Firmare un file già firmato (.p7m) vi aggiunge una firma parallela (cofirma:
stesso documento, un firmatario in più, le firme esistenti restano come sono);
--counter aggiunge invece una controfirma a un firmatario esistente, e --nest
racchiude l'intero .p7m in una nuova busta (firma nidificata, .p7m.p7m). Il
file firmato non viene mai modificato: la copia cofirmata o controfirmata si
scrive con --output-dir o --output.

Una firma separata (.p7s) si cofirma allo stesso modo, con il suo documento:
il file accanto a essa senza .p7s, o quello indicato con --content. Il
documento deve essere quello su cui sono state apposte le firme esistenti:
firma lo confronta con ciascuna di esse prima di firmare, e rifiuta qualsiasi
altro documento.

Più file chiedono il PIN una sola volta. firma si ferma al primo errore e dice
quali file sono stati firmati e quali no. Con - come FILE firma lo standard
input e scrive sullo standard output.

--tsa URL aggiunge a ogni firma una marca temporale qualificata (RFC 3161) dal
servizio di marcatura temporale (TSA) del prestatore (CAdES-T), così che la
firma resti dimostrabile dopo la scadenza del certificato. Una marca temporale
per firma; se non si riesce a ottenerla, quel file non viene firmato, come per
ogni altro errore di firma (uscita 13). L'URL viene controllato prima di
chiedere il PIN. Un servizio che richiede un account riceve --tsa-user e la
password da --tsa-password-file, --tsa-password-fd o FIRMA_TSA_PASSWORD (mai
sulla riga di comando).

Firmare con un certificato scaduto o non ancora valido, o con uno che non è di
firma (il certificato di autenticazione CNS), viene rifiutato. Quando al
certificato restano 90 giorni o meno, ogni esecuzione termina con un promemoria
per il rinnovo su stderr (il rinnovo è possibile solo negli ultimi 60 giorni).`,
	"  # Sign a report: writes referto.pdf.p7m\n  firma sign referto.pdf\n\n  # Sign every PDF of the day into another folder, one PIN for all\n  firma sign --output-dir firmati/ *.pdf\n\n  # A detached signature: writes referto.pdf.p7s\n  firma sign --detached referto.pdf\n\n  # In a pipeline, reading the PIN from a file\n  cat referto.pdf | firma sign --pin-file ~/.firma-pin - > referto.pdf.p7m\n\n  # Add your signature to a colleague's signed file (co-signature)\n  firma sign --output-dir cofirmati/ referto.pdf.p7m\n\n  # Co-sign a detached signature (its document referto.pdf is next to it)\n  firma sign --output-dir cofirmati/ referto.pdf.p7s\n\n  # Counter-sign it (approve the colleague's signature)\n  firma sign --counter --output-dir controfirmati/ referto.pdf.p7m\n\n  # Per-file results for a script\n  firma sign --json *.pdf\n\n  # With a timestamp (marca temporale) from your provider's TSA; the URL,\n  # user and password come from the provider (these are placeholders)\n  firma sign --tsa https://tsa.example.it/tsa --tsa-user MYUSER \\\n      --tsa-password-file ~/.firma-tsa-password referto.pdf\n\n  # PAdES: the signature inside the PDF (referti for the FSE): writes\n  # referto-firmato.pdf; a second --pades on it adds a second signature\n  firma sign --pades referto.pdf\n  firma sign --pades -o referto-controfirmato.pdf referto-firmato.pdf\n\n  # A visible signature: a box at the bottom left of page 1 with the\n  # signer's name, the date and \"Firmato digitalmente da\" (not on PDF/A)\n  firma sign --pades --visible 1:50,50,250,110 referto.pdf\n\n  # PAdES-B-T by a document timestamp after the signature\n  firma sign --pades --tsa https://tsa.example.it/tsa --doc-timestamp referto.pdf": `  # Firmare un referto: scrive referto.pdf.p7m
  firma sign referto.pdf

  # Firmare tutti i PDF del giorno in un'altra cartella, un solo PIN per tutti
  firma sign --output-dir firmati/ *.pdf

  # Una firma separata: scrive referto.pdf.p7s
  firma sign --detached referto.pdf

  # In una pipeline, leggendo il PIN da un file
  cat referto.pdf | firma sign --pin-file ~/.firma-pin - > referto.pdf.p7m

  # Aggiungere la propria firma al file firmato di un collega (cofirma)
  firma sign --output-dir cofirmati/ referto.pdf.p7m

  # Cofirmare una firma separata (il suo documento referto.pdf è accanto)
  firma sign --output-dir cofirmati/ referto.pdf.p7s

  # Controfirmarla (approvare la firma del collega)
  firma sign --counter --output-dir controfirmati/ referto.pdf.p7m

  # I risultati per file, per uno script
  firma sign --json *.pdf

  # Con una marca temporale dalla TSA del proprio prestatore; URL, utente e
  # password li fornisce il prestatore (questi sono esempi)
  firma sign --tsa https://tsa.example.it/tsa --tsa-user MYUSER \
      --tsa-password-file ~/.firma-tsa-password referto.pdf

  # PAdES: la firma dentro il PDF (i referti per il FSE): scrive
  # referto-firmato.pdf; un secondo --pades su di esso aggiunge una seconda firma
  firma sign --pades referto.pdf
  firma sign --pades -o referto-controfirmato.pdf referto-firmato.pdf

  # Una firma visibile: un riquadro in basso a sinistra di pagina 1 con il
  # nome del firmatario, la data e "Firmato digitalmente da" (non su PDF/A)
  firma sign --pades --visible 1:50,50,250,110 referto.pdf

  # PAdES-B-T con una marca temporale sul documento dopo la firma
  firma sign --pades --tsa https://tsa.example.it/tsa --doc-timestamp referto.pdf`,
	"Sign files (CAdES .p7m, or detached .p7s)":                                                                                                                   "Firmare file (CAdES .p7m, o firma separata .p7s)",
	"add an RFC 3161 timestamp from the timestamp authority at `URL` (http or https) to every signature":                                                          "aggiungere a ogni firma una marca temporale RFC 3161 dal servizio di marcatura temporale all'indirizzo `URL` (http o https)",
	"ask the timestamp authority for the policy `OID` (default: the service's own)":                                                                               "chiedere al servizio di marcatura temporale la policy `OID` (predefinita: quella del servizio)",
	"co-signing a detached .p7s: the signed document `FILE` (default: the .p7s name without .p7s)":                                                                "cofirmando una firma separata .p7s: il documento firmato `FILE` (predefinito: il nome del .p7s senza .p7s)",
	"counter-sign an existing signature of a .p7m/.p7s instead of adding a parallel one":                                                                          "controfirmare una firma esistente di un .p7m/.p7s invece di aggiungere una firma parallela",
	"digest `algorithm`: sha256, sha384 or sha512":                                                                                                                "`algoritmo` di hash: sha256, sha384 o sha512",
	"give up on the timestamp authority after `DURATION`":                                                                                                         "rinunciare al servizio di marcatura temporale dopo `DURATA`",
	"leave out files whose output exists already (to finish a batch that stopped)":                                                                                "tralasciare i file già firmati (per completare un gruppo di file che si era fermato)",
	"print per-file results as JSON":                                                                                                                              "stampare i risultati per file in JSON",
	"read the PDF password from `FILE` (first line)":                                                                                                              "leggere la password del PDF da `FILE` (prima riga)",
	"read the PDF password from file descriptor `N` (first line)":                                                                                                 "leggere la password del PDF dal descrittore di file `N` (prima riga)",
	"read the PIN from `FILE` (first line)":                                                                                                                       "leggere il PIN da `FILE` (prima riga)",
	"read the PIN from file descriptor `N` (first line)":                                                                                                          "leggere il PIN dal descrittore di file `N` (prima riga)",
	"read the TSA password from `FILE` (first line)":                                                                                                              "leggere la password della TSA da `FILE` (prima riga)",
	"read the TSA password from file descriptor `N` (first line)":                                                                                                 "leggere la password della TSA dal descrittore di file `N` (prima riga)",
	"replace existing output files":                                                                                                                               "sovrascrivere i file già esistenti",
	"sign PDF files inside the PDF (PAdES, what the FSE asks for): FILE.pdf becomes FILE-firmato.pdf":                                                             "firmare i PDF dentro il PDF (firma PAdES, quella che chiede il FSE): FILE.pdf diventa FILE-firmato.pdf",
	"sign a .p7m as a plain document, wrapping it in a new envelope (.p7m.p7m)":                                                                                   "firmare un .p7m come un documento qualsiasi, racchiudendolo in una nuova busta (firma nidificata, .p7m.p7m)",
	"sign even with an expired, not yet valid or non-signature certificate (test tokens only: such a signature has no legal value)":                               "firmare anche con un certificato scaduto, non ancora valido o non di firma (solo token di prova: una firma così non ha valore legale)",
	"sign with RSA-PSS instead of PKCS#1 v1.5 (the card must support it)":                                                                                         "firmare con RSA-PSS invece di PKCS#1 v1.5 (la smart card deve supportarlo)",
	"try the PIN even when the token says one more wrong PIN blocks it":                                                                                           "provare il PIN anche quando il token indica che un altro PIN errato lo blocca (ultimo tentativo)",
	"user `NAME` for the timestamp authority (HTTP basic auth)":                                                                                                   "utente `NOME` per il servizio di marcatura temporale (HTTP basic auth)",
	"with --counter: which signature to counter-sign (`N` from 1, in file order; needed when there are several)":                                                  "con --counter: quale firma controfirmare (`N` da 1, nell'ordine del file; necessario quando ce n'è più di una)",
	"with --pades and --tsa: add a document timestamp after the signature (one token, over the signed PDF) instead of timestamping the signature inside it":       "con --pades e --tsa: aggiungere una marca temporale sul documento dopo la firma (una sola marca, sul PDF firmato) invece di marcare la firma al suo interno",
	"with --pades: name of the new signature field (default Signature1, Signature2...)":                                                                           "con --pades: nome del nuovo campo firma (predefinito Signature1, Signature2...)",
	"with --pades: show the signature on page `PAGE:X1,Y1,X2,Y2` (points from the lower left corner of the page as displayed, 72 per inch), e.g. 1:50,50,250,110": "con --pades: mostrare la firma sulla pagina `PAGINA:X1,Y1,X2,Y2` (punti dall'angolo in basso a sinistra della pagina come visualizzata, 72 per pollice), ad es. 1:50,50,250,110",
	"write a detached signature (.p7s) without the document":                                                                                                      "scrivere una firma separata (.p7s) senza il documento",
	"write the signature to `FILE` (one input only; - for standard output)":                                                                                       "scrivere la firma in `FILE` (un solo file; - per lo standard output)",
	"write the signatures into `DIR` instead of next to the inputs":                                                                                               "scrivere le firme nella cartella `DIR` invece che accanto ai file",

	// Errors and warnings.
	"no file to sign: give one or more files (or - for standard input), e.g. firma sign referto.pdf":                                       "nessun file da firmare: indicare uno o più file (o - per lo standard input), ad es. firma sign referto.pdf",
	"--hash %q: choose sha256, sha384 or sha512":                                                                                           "--hash %q: scegliere sha256, sha384 o sha512",
	"the signature of standard input would go to the terminal: redirect it (firma sign - < referto.pdf > referto.pdf.p7m) or give -o FILE": "la firma dello standard input finirebbe sul terminale: redirigerla (firma sign - < referto.pdf > referto.pdf.p7m) o indicare -o FILE",
	"firma: warning: the TSA password goes unencrypted over http://; use your provider's https:// address if it has one\n":                 "firma: attenzione: la password della TSA viaggia in chiaro su http://; usare l'indirizzo https:// del prestatore, se c'è\n",
	"TSA password for %s at %s: ": "Password della TSA per %s su %s: ",
	"firma: warning: %s: signing anyway (--allow-invalid-cert); such a signature has no legal value\n": "firma: attenzione: %s: firmo comunque (--allow-invalid-cert); una firma così non ha valore legale\n",
	"firma: note: your signing certificate %s\n":                                                       "firma: nota: il certificato di firma %s\n",
	"--output and --output-dir are alternatives: give one":                                             "--output e --output-dir sono alternativi: indicarne uno",
	"--output takes one input; use --output-dir for several":                                           "--output vale per un solo file; per più file usare --output-dir",
	"--json and --output - both write to standard output: give one":                                    "--json e --output - scrivono entrambi sullo standard output: indicarne uno",
	"--force and --skip-existing are alternatives: give one":                                           "--force e --skip-existing sono alternativi: indicarne uno",
	"--counter and --nest are alternatives: give one":                                                  "--counter e --nest sono alternativi: indicarne uno",
	"--signer only goes with --counter":                                                                "--signer si usa solo con --counter",
	"--signer counts from 1":                                                                           "--signer conta da 1",
	"--content goes with one detached signature (.p7s) to co-sign; a batch of .p7s files finds each document next to its signature": "--content si usa con una sola firma separata (.p7s) da cofirmare; con più file .p7s ogni documento si trova accanto alla sua firma",
	"standard input (-) cannot be part of a batch":                                  "lo standard input (-) non può far parte di un gruppo di file",
	"--counter needs a file: standard input cannot be read twice":                   "--counter richiede un file: lo standard input non si può leggere due volte",
	"standard input has no name: use --output FILE instead of --output-dir":         "lo standard input non ha un nome: usare --output FILE invece di --output-dir",
	"--json and the signature would both go to standard output: give --output FILE": "--json e la firma finirebbero entrambi sullo standard output: indicare --output FILE",
	"to sign the remaining files, run the same command again with --skip-existing":  "per firmare i file rimanenti, ripetere lo stesso comando con --skip-existing",
	"signing standard input: %v":                                                    "firma dello standard input: %v",
	"signing %s: %v":                                                                "firma di %s: %v",

	// Progress and summary.
	"signing":                                "firma",
	"signing %d files":                       plurals(1, "firma di %d file", "firma di %d file"),
	"enveloping":                             "busta .p7m",
	"detached":                               "firma separata",
	"mixed":                                  "miste",
	" (timestamp %s)":                        " (marca temporale %s)",
	"signed %s -> %s%s\n":                    "firmato %s -> %s%s\n",
	"co-signed %s -> %s%s\n":                 "cofirmato %s -> %s%s\n",
	"counter-signed %s -> %s%s\n":            "controfirmato %s -> %s%s\n",
	"skipped (already signed): %s\n":         "tralasciati (già firmati): %s\n",
	"NOT signed: %s\n":                       "NON firmati: %s\n",
	"%d of %d files signed by %s (%s, %s)\n": plurals(1, "%d file su %d firmato da %s (%s, %s)\n", "%d file su %d firmati da %s (%s, %s)\n"),

	// Options of the timestamp authority.
	"--tsa-user, --tsa-password-file/-fd and --tsa-policy go with --tsa URL":                                "--tsa-user, --tsa-password-file/-fd e --tsa-policy si usano con --tsa URL",
	"give the RFC 3161 address of your provider's timestamp service, e.g. --tsa https://tsa.example.it/tsa": "indicare l'indirizzo RFC 3161 del servizio di marcatura temporale del prestatore, ad es. --tsa https://tsa.example.it/tsa",
	"give the user with --tsa-user and the password with --tsa-password-file (never in the URL)":            "indicare l'utente con --tsa-user e la password con --tsa-password-file (mai nell'URL)",
	"a TSA password needs its user: add --tsa-user NAME":                                                    "una password della TSA richiede il suo utente: aggiungere --tsa-user NOME",
	"--tsa-timeout cannot be negative":                                                                      "--tsa-timeout non può essere negativo",
	"--tsa-policy %q is not an object identifier (digits and dots, like 1.2.3.4)":                           "--tsa-policy %q non è un identificatore di oggetto (cifre e punti, come 1.2.3.4)",
}
