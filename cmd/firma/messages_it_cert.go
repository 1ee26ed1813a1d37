package main

// messagesITCert is firma cert and cert export in Italian.
var messagesITCert = messages{
	"Show the signing certificate (or all certificates) on the token; export it":                                               "Mostrare il certificato di firma (o tutti i certificati) sul token; esportarlo",
	"  firma cert\n  firma cert --all\n  firma cert export -o mario-rossi.pem --chain\n  firma cert export --der -o firma.cer": "  firma cert\n  firma cert --all\n  firma cert export -o mario-rossi.pem --chain\n  firma cert export --der -o firma.cer",
	"show every certificate on the token, not only the signing one":                                                            "mostrare tutti i certificati sul token, non solo quello di firma",
	"Write the signing certificate (and its chain) as PEM or DER":                                                              "Scrivere il certificato di firma (e la sua catena) in PEM o DER",
	"  firma cert export > firma.pem\n  firma cert export --chain -o firma-chain.pem\n  firma cert export --der -o firma.cer":  "  firma cert export > firma.pem\n  firma cert export --chain -o firma-chain.pem\n  firma cert export --der -o firma.cer",
	"append the issuer certificates found on the token (PEM only)":                                                             "aggiungere i certificati degli emittenti presenti sul token (solo PEM)",
	"output `file` (- for standard output)":                                                                                    "`file` di uscita (- per lo standard output)",
	"replace the output file if it exists":                                                                                     "sovrascrivere il file di uscita se esiste",
	"write DER (one certificate) instead of PEM":                                                                               "scrivere DER (un solo certificato) invece di PEM",
	"write PEM (the default)":                           "scrivere PEM (il predefinito)",
	"--der writes one certificate: use PEM for --chain": "--der scrive un solo certificato: usare PEM per --chain",

	"Label":         "Etichetta",
	"%q (id %s)":    "%q (id %s)",
	"Purpose":       "Uso",
	"Subject":       "Soggetto",
	"Serial":        "Numero di serie",
	"Key":           "Chiave",
	"Key usage":     "Utilizzo chiave",
	"Policies":      "Policy",
	"QC statements": "QC statement",
	"OCSP":          "OCSP",
	"CRL":           "CRL",
	"SHA-256":       "SHA-256",
}
