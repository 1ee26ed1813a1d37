package main

// messagesITModules is firma modules and the PKCS#11 module hints in
// Italian (modulo PKCS#11: the card's middleware).
var messagesITModules = messages{
	"List the PKCS#11 modules firma tries, in order, and what each one sees": "Elencare i moduli PKCS#11 che firma prova, in ordine, e cosa vede ciascuno",
	"List the PKCS#11 modules firma tries, in order: --module, FIRMA_PKCS11_MODULE,\nPKCS11_MODULE_PATH (when one of these is set, it is the only one), then the\nknown vendor modules (Bit4id, Athena, OpenSC), p11-kit's registry and SoftHSM.\nFor each: whether it loads (with the reason when it does not: file missing,\nnot readable, not a PKCS#11 module, wrong architecture, failed to initialise)\nand the tokens it sees. Modules the inserted card needs but that are not\ninstalled are named first, with where to get them.\n\nExit code 3 when a module chosen explicitly (--module, FIRMA_PKCS11_MODULE,\nPKCS11_MODULE_PATH, a pkcs11: URI's module-path) does not load, or when no\nmodule found loads; 0 when at least one loads.": `Elenca i moduli PKCS#11 (il middleware della smart card) che firma prova, in
ordine: --module, FIRMA_PKCS11_MODULE, PKCS11_MODULE_PATH (quando uno di questi
è impostato, è l'unico), poi i moduli noti dei produttori (Bit4id, Athena,
OpenSC), il registro di p11-kit e SoftHSM. Per ciascuno: se si carica (con il
motivo quando non si carica: file mancante, non leggibile, non è un modulo
PKCS#11, architettura sbagliata, inizializzazione non riuscita) e i token che
vede. I moduli che servono alla smart card inserita ma non sono installati
vengono indicati per primi, con dove trovarli.

Codice di uscita 3 quando un modulo scelto esplicitamente (--module,
FIRMA_PKCS11_MODULE, PKCS11_MODULE_PATH, il module-path di un URI pkcs11:) non
si carica, o quando nessun modulo trovato si carica; 0 quando almeno uno si
carica.`,
	"  firma modules\n  firma modules --module /usr/lib/bit4id/libbit4xpki.so\n  firma modules --json": "  firma modules\n  firma modules --module /usr/lib/bit4id/libbit4xpki.so\n  firma modules --json",

	"none of the %d PKCS#11 modules found loads":       plurals(1, "l'unico modulo PKCS#11 trovato non si carica", "nessuno dei %d moduli PKCS#11 trovati si carica"),
	"each module's lines above say why and what to do": "le righe di ciascun modulo qui sopra dicono perché e cosa fare",
	"%s (suggested for the card)\n":                    "%s (indicato per la smart card)\n",
	"  not installed: get it from %s\n":                "  non installato: si trova in %s\n",
	"  not loadable: %s\n":                             "  non caricabile: %s\n",
	"  fix: %s\n":                                      "  soluzione: %s\n",
	"  loaded: %s\n":                                   "  caricato: %s\n",
	"  error: %s\n":                                    "  errore: %s\n",
	"  no token present\n":                             "  nessun token presente\n",
	"  token %q serial %s, PIN %s\n":                   "  token %q numero di serie %s, PIN %s\n",

	"build firma with CGO_ENABLED=1 (needs gcc) to use smartcards and tokens":                         "compilare firma con CGO_ENABLED=1 (serve gcc) per usare smart card e token",
	"check the path, or install the card's middleware; 'firma modules' lists the modules firma knows": "controllare il percorso, o installare il middleware della smart card; 'firma modules' elenca i moduli che firma conosce",
	"give the path of the module file inside it (a .so file), not the directory":                      "indicare il percorso del file del modulo al suo interno (un file .so), non la cartella",
	"give the path of the module's .so file":                                                          "indicare il percorso del file .so del modulo",
	"this user may not read the module file: check its permissions (ls -l) and those of its directories; the middleware installer should leave it readable by everyone (mode 644)": "questo utente non può leggere il file del modulo: controllarne i permessi (ls -l) e quelli delle sue cartelle; l'installazione del middleware dovrebbe lasciarlo leggibile da tutti (modo 644)",
	"this module is built for another architecture: install the middleware for this machine (%s/%s)":                                                                               "questo modulo è compilato per un'altra architettura: installare il middleware per questo computer (%s/%s)",
	"this file is a library, but not a PKCS#11 module: point --module at the middleware's PKCS#11 library (for Aruba cards libbit4xpki.so, for OpenSC opensc-pkcs11.so)":           "questo file è una libreria, ma non un modulo PKCS#11: indicare con --module la libreria PKCS#11 del middleware (per le smart card Aruba libbit4xpki.so, per OpenSC opensc-pkcs11.so)",
	"this file is not a shared library at all (damaged or wrong download?): reinstall the middleware, or point --module at its PKCS#11 library":                                    "questo file non è affatto una libreria condivisa (danneggiato o scaricato male?): reinstallare il middleware, o indicare con --module la sua libreria PKCS#11",
	"the module needs %s, which is not installed: install the package that provides it (ldd %s lists what is missing)":                                                             "il modulo richiede %s, che non è installato: installare il pacchetto che lo fornisce (ldd %s elenca ciò che manca)",
	"the system's loader refused it: reinstall the middleware ('ldd %s' may say more)":                                                                                             "il caricatore del sistema lo ha rifiutato: reinstallare il middleware ('ldd %s' può dire di più)",
	"'firma modules' lists the modules firma tried and why each failed":                                                                                                            "'firma modules' elenca i moduli che firma ha provato e perché ciascuno non è riuscito",
	"%s (the default: %s is not set)": "%s (il predefinito: %s non è impostato)",
	"the module failed to initialise: check its configuration file %s, named by %s (it must exist, be readable and name a token directory that exists and is writable)": "l'inizializzazione del modulo non è riuscita: controllarne il file di configurazione %s, indicato da %s (deve esistere, essere leggibile e indicare una cartella dei token esistente e scrivibile)",
	"the module loads but failed to initialise: its configuration or its service is broken; reinstall the middleware or check its log":                                  "il modulo si carica ma la sua inizializzazione non è riuscita: la sua configurazione o il suo servizio non funzionano; reinstallare il middleware o controllarne il log",
}
