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
}
