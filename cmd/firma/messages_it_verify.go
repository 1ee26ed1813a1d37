package main

// messagesITVerify is firma verify's usage errors and file errors in
// Italian (the report itself is in messages_it.go; the help of firma verify
// is not translated yet). --json stays in English.
var messagesITVerify = messages{
	"no file to verify: give one or more signed files (or - for standard input), e.g. firma verify ricetta.pdf.p7m": "nessun file da verificare: indicare uno o più file firmati (o - per lo standard input), ad es. firma verify ricetta.pdf.p7m",
	"cannot name the extracted document of %s: %s":                                                                  "impossibile dare un nome al documento estratto da %s: %s",
	"it does not end in .p7m, .tsd or .m7m":                                                                         "il nome non finisce in .p7m, .tsd o .m7m",
	"nothing is left once .p7m is removed":                                                                          "tolto .p7m non resta nulla",
	"%q would be a hidden file":                                                                                     "%q sarebbe un file nascosto",
	"the name contains control characters or backslashes":                                                           "il nome contiene caratteri di controllo o barre rovesciate",
	"-o/--output goes with --extract":                                                                               "-o/--output si usa con --extract",
	"-o/--output takes one input file, not %d":                                                                      "-o/--output vale per un solo file, non %d",
	"--content goes with one detached signature, not %d files":                                                      "--content si usa con una sola firma separata, non con %d file",
	"standard input (-) can be read only once":                                                                      "lo standard input (-) si può leggere una sola volta",
	"--extract of standard input needs -o FILE":                                                                     "--extract dello standard input richiede -o FILE",
	"--tsl-signer and --tsl-unsigned go with --tsl":                                                                 "--tsl-signer e --tsl-unsigned si usano con --tsl",
	"--tsl-signer and --tsl-unsigned exclude each other: a pinned list must be signed":                              "--tsl-signer e --tsl-unsigned si escludono: un elenco con il firmatario fissato deve essere firmato",
	"--at %q: give an RFC 3339 time (2012-03-15T10:00:00Z) or a date (2012-03-15)":                                  "--at %q: indicare un istante RFC 3339 (2012-03-15T10:00:00Z) o una data (2012-03-15)",
	"reading the signed content":                                                                                    "lettura del contenuto firmato",
	"nothing extracted: the file holds no document (detached signature)":                                            "non è stato estratto nulla: il file non contiene il documento (firma separata)",
	"firma: error: %s: %s\n":                                                                                        "firma: errore: %s: %s\n",
}
