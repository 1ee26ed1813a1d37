package main

// messagesITReaders is firma readers in Italian. The reader states in its
// output (empty, present, in-use, ...) stay as they are: scripts read them.
var messagesITReaders = messages{
	"List smartcard readers and the cards in them (PC/SC)": "Elencare i lettori di smart card e le smart card inserite (PC/SC)",
	"List the smartcard readers pcscd sees, whether a card is in each, and the\ncard's ATR. An Aruba Key is a reader with its card inside.\n\nStates: empty, present (a card, free), in-use (another program is using it,\nshared), exclusive (another program holds it: gpg's scdaemon, a browser, the\nvendor's software), mute (a card that does not answer), unavailable.\n\n--wait waits, without polling, until a card is in a reader (--wait=removed:\nuntil no reader holds one), then lists the readers. Readers plugged in while\nwaiting are noticed. Ctrl-C stops the wait (exit 12), as does --timeout.": `Elenca i lettori di smart card che pcscd vede, se in ciascuno è inserita una
smart card, e l'ATR della smart card. Un'Aruba Key è un lettore con la smart
card al suo interno.

Stati: empty (vuoto), present (smart card inserita, libera), in-use (un altro
programma la sta usando, condivisa), exclusive (un altro programma la
trattiene: scdaemon di gpg, un browser, il software del produttore), mute (una
smart card che non risponde), unavailable (lettore non utilizzabile).

--wait attende, senza interrogazioni continue, che una smart card sia inserita
in un lettore (--wait=removed: che nessun lettore ne contenga una), poi elenca
i lettori. I lettori collegati durante l'attesa vengono notati. Ctrl-C
interrompe l'attesa (uscita 12), come --timeout.`,
	"  firma readers\n  firma readers --json | jq -r '.readers[] | select(.atr) | .name'\n\n  # Wait up to 2 minutes for the user to plug in the Aruba Key\n  firma readers --wait --timeout 2m\n\n  # Wait until the card is taken out of a given reader\n  firma readers --wait=removed --reader \"Bit4id miniLector 00 00\"": "  firma readers\n  firma readers --json | jq -r '.readers[] | select(.atr) | .name'\n\n  # Attendere fino a 2 minuti che l'utente colleghi l'Aruba Key\n  firma readers --wait --timeout 2m\n\n  # Attendere che la smart card venga estratta da un certo lettore\n  firma readers --wait=removed --reader \"Bit4id miniLector 00 00\"",
	"give up waiting after this `duration` (e.g. 30s, 2m; default: wait until Ctrl-C)":                   "smettere di attendere dopo questa `durata` (ad es. 30s, 2m; predefinito: attendere fino a Ctrl-C)",
	"only this reader (exact `name` as listed)":                                                          "solo questo lettore (`nome` esatto come elencato)",
	"print JSON: {\"readers\": [{\"name\", \"state\", \"atr\"}]}":                                        "stampare in JSON: {\"readers\": [{\"name\", \"state\", \"atr\"}]}",
	"wait until a card is `present` in a reader (card, the default) or gone from every reader (removed)": "attendere che una smart card sia `presente` in un lettore (card, il predefinito) o estratta da tutti i lettori (removed)",
	"--wait takes card or removed, not %q":                                                               "--wait accetta card o removed, non %q",
	"Waiting for a card (Ctrl-C to stop)...\n":                                                           "In attesa di una smart card (Ctrl-C per interrompere)...\n",
	"Waiting for the card to be removed (Ctrl-C to stop)...\n":                                           "In attesa che la smart card venga estratta (Ctrl-C per interrompere)...\n",
}
