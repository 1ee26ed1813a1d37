package main

// messagesITScripts: messages the Italian run of the end-to-end scripts
// found in English (issue 15).
var messagesITScripts = messages{
	// firma cert: the names of the Italian certificate policies.
	"%s (AgID qualified certificate)": "%s (certificato qualificato AgID)",
	"%s (CNS authentication)":         "%s (autenticazione CNS)",
	"%s (QcSemantics natural person)": "%s (QcSemantics persona fisica)",

	// A new PIN that firma's rules refuse before sending it.
	"PIN not accepted: %s must be %d to %d digits":             "PIN non accettato: %s deve avere da %d a %d cifre",
	"PIN not accepted: %s must be %d to %d characters":         "PIN non accettato: %s deve avere da %d a %d caratteri",
	"PIN not accepted: %s must be digits only":                 "PIN non accettato: %s deve contenere solo cifre",
	"PIN not accepted: the new PIN is the same as the old one": "PIN non accettato: il nuovo PIN è uguale a quello attuale",

	// A signing plan that cannot run.
	"%s is already signed and is never changed: adding a signature writes a new file": "%s è già firmato e non viene mai modificato: aggiungere una firma scrive un nuovo file",
	"%s and %s would both be signed into %s":                                          "%s e %s verrebbero firmati entrambi in %s",
	"the output %s is the signed document itself":                                     "il file di uscita %s è lo stesso documento firmato",
	"a counter-signature needs a signed file (.p7m or .p7s), not %s":                  "una controfirma richiede un file firmato (.p7m o .p7s), non %s",
	"%s is already signed: a co-signature keeps its form":                             "%s è già firmato: una firma parallela ne mantiene la forma",

	// A certificate refused for signing; a counter-signature's target.
	"the signing certificate of %s expired on %s":                                        "il certificato di firma di %s è scaduto il %s",
	"the signing certificate of %s is not valid until %s":                                "il certificato di firma di %s è valido solo dal %s",
	"the certificate of %s is not a signature certificate (no nonRepudiation key usage)": "il certificato di %s non è un certificato di firma (manca l'utilizzo chiave nonRepudiation)",
	"the file has %d signatures: choose the one to counter-sign":                         "il file ha %d firme: scegliere quella da controfirmare",
	"signature %d does not exist: the file has %d":                                       "la firma %d non esiste: il file ne ha %d",
	"cannot check the document against signature %d: %s":                                 "impossibile confrontare il documento con la firma %d: %s",
	"the document is not the one signature %d was made on (its digest differs)":          "il documento non è quello su cui è stata fatta la firma %d (l'impronta è diversa)",
	"the document %s of %s is not a regular file":                                        "il documento %s di %s non è un file regolare",
	"%s is a detached signature; its document: %s":                                       "%s è una firma separata; il suo documento: %s",

	// firma verify --extract that extracts nothing.
	"nothing extracted: the file holds no document (detached signature)": "nessun documento estratto: il file non contiene il documento (firma separata)",
	"nothing extracted: the document's integrity does not hold (%s)":     "nessun documento estratto: l'integrità del documento non è confermata (%s)",
}
