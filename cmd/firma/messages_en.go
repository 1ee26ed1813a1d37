package main

// messagesEN: English is the source language of firma's messages, so this
// catalog holds only what a source string cannot say, its plural forms.
var messagesEN = messages{
	"%d days left":                         plurals(1, "1 day left", "%d days left"),
	"expired %d days ago":                  plurals(1, "expired 1 day ago", "expired %d days ago"),
	" (%d tries left, read from the card)": plurals(1, " (1 try left, read from the card)", " (%d tries left, read from the card)"),
	"Wrote %d events to %s: import the file into your calendar (Thunderbird, Google Calendar, Outlook)\n": plurals(1,
		"Wrote 1 event to %[2]s: import the file into your calendar (Thunderbird, Google Calendar, Outlook)\n",
		"Wrote %d events to %s: import the file into your calendar (Thunderbird, Google Calendar, Outlook)\n"),
	"signing %d files": plurals(1, "signing %d file", "signing %d files"),
}
