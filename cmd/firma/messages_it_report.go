package main

// messagesITReport is the verification report's own words in Italian: the
// status and name of each check and what a timestamp covers
// (report_words.go). --json keeps the identifiers.
var messagesITReport = messages{
	// Check statuses.
	"passed":        "superato",
	"failed":        "fallito",
	"indeterminate": "non determinabile",
	"warning":       "avviso",
	"not_checked":   "non controllato",

	// Check names ("qualified" and "timestamp" are in messages_it.go).
	"format":               "formato",
	"algorithms":           "algoritmi",
	"signing_certificate":  "certificato di firma",
	"message_digest":       "impronta del documento",
	"signature_value":      "valore della firma",
	"certificate_validity": "validità del certificato",
	"key_usage":            "uso della chiave",
	"chain":                "catena di certificati",
	"revocation":           "revoca",
	"imprint":              "impronta marcata",
	"pdf_structure":        "struttura del PDF",
	"byte_range":           "byte firmati",
	"changes_after":        "modifiche successive",
	"docmdp":               "certificazione (DocMDP)",
	"pdf_digest":           "impronta del PDF",
	"doc_timestamp":        "marca temporale del documento",
	"certificates":         "certificati",
	"reference":            "riferimento",
	"references":           "riferimenti",
	"xades":                "XAdES",
	"signed_properties":    "proprietà firmate",
	"countersigned":        "firma controfirmata",
	"coverage":             "parti firmate",
	"fatturapa":            "regole FatturaPA",
	"provider_address":     "indirizzo del gestore",
	"pec_policy":           "politica PEC",
	"name_constraints":     "domini ammessi",

	// What a timestamp covers.
	"signature value":    "valore della firma",
	"content":            "contenuto",
	"previous timestamp": "marca temporale precedente",
	"content and metadata (hashProtected, not supported)": "contenuto e metadati (hashProtected, non supportato)",
	"signed file":       "file firmato",
	"revision 1":        "revisione 1",
	"revisions 1 to %d": "revisioni da 1 a %d",
}
