package main

// messagesITScripts: messages the Italian run of the end-to-end scripts
// found in English (issue 15).
var messagesITScripts = messages{
	// firma cert: the names of the Italian certificate policies.
	"%s (AgID qualified certificate)": "%s (certificato qualificato AgID)",
	"%s (CNS authentication)":         "%s (autenticazione CNS)",
	"%s (QcSemantics natural person)": "%s (QcSemantics persona fisica)",

	// A new PIN that firma's rules refuse before sending it.

	// A signing plan that cannot run.

	// A certificate refused for signing; a counter-signature's target.

	// firma verify --extract that extracts nothing.
}
