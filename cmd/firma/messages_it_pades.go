package main

// messagesITPAdES is firma sign --pades in Italian (firma PAdES, firma del
// PDF; marca temporale sul documento).
var messagesITPAdES = messages{
	"--visible %q: give PAGE:X1,Y1,X2,Y2, the page (from 1) and the box in points from the page's lower left corner, e.g. 1:50,50,250,110":   "--visible %q: indicare PAGINA:X1,Y1,X2,Y2, la pagina (da 1) e il riquadro in punti dall'angolo in basso a sinistra della pagina, ad es. 1:50,50,250,110",
	"give the PDF's password with --pdf-password-file, --pdf-password-fd or FIRMA_PDF_PASSWORD: firma signs without decrypting the document": "indicare la password del PDF con --pdf-password-file, --pdf-password-fd o FIRMA_PDF_PASSWORD: firma firma senza decifrare il documento",
	"check the password: it is the one asked to open the PDF (the user password) or its owner password":                                      "controllare la password: è quella chiesta per aprire il PDF (la password utente) o la sua password del proprietario",
	"the author certified this PDF as final: ask them for an uncertified copy, or sign it as a .p7m (firma sign without --pades)":            "l'autore ha certificato questo PDF come definitivo: chiedergliene una copia non certificata, o firmarlo come .p7m (firma sign senza --pades)",
	"--pades signs PDF files; sign other files without --pades (CAdES .p7m)":                                                                 "--pades firma file PDF; gli altri file si firmano senza --pades (CAdES .p7m)",
	"firma does not repair PDFs: re-save it with the program that made it (or qpdf) and sign the copy":                                       "firma non ripara i PDF: salvarlo di nuovo con il programma che lo ha creato (o con qpdf) e firmare la copia",
	"choose another name with --field":                                                                                                     "scegliere un altro nome con --field",
	"give a page of the document in --visible PAGE:X1,Y1,X2,Y2":                                                                            "indicare una pagina del documento in --visible PAGINA:X1,Y1,X2,Y2",
	"give --visible PAGE:X1,Y1,X2,Y2 with X1 < X2 and Y1 < Y2, in points from the page's lower left corner":                                "indicare --visible PAGINA:X1,Y1,X2,Y2 con X1 < X2 e Y1 < Y2, in punti dall'angolo in basso a sinistra della pagina",
	"keep the box inside the page, whose box is %v (an A4 page is 595 x 842 points)":                                                       "tenere il riquadro dentro la pagina, il cui riquadro è %v (una pagina A4 è 595 x 842 punti)",
	"make the box larger: about 150 x 40 points holds the three lines (name, date, \"Firmato digitalmente da\")":                           "ingrandire il riquadro: circa 150 x 40 punti contengono le tre righe (nome, data, \"Firmato digitalmente da\")",
	"sign it without --visible: an invisible signature keeps the file PDF/A (embedding a font subset for the appearance is not supported)": "firmarlo senza --visible: una firma invisibile mantiene il file PDF/A (l'incorporamento di un sottoinsieme di font per l'aspetto non è supportato)",
	"--field, --visible and --doc-timestamp go with --pades (a signature inside a PDF)":                                                    "--field, --visible e --doc-timestamp si usano con --pades (una firma dentro un PDF)",
	"--pades puts the signature inside the PDF: it does not go with --detached, --counter, --nest or --content":                            "--pades mette la firma dentro il PDF: non si usa con --detached, --counter, --nest o --content",
	"-o names one output: with several files use --output-dir":                                                                             "-o indica un solo file di uscita: con più file usare --output-dir",
	"--doc-timestamp needs --tsa URL: the document timestamp comes from a timestamp authority":                                             "--doc-timestamp richiede --tsa URL: la marca temporale sul documento viene da un servizio di marcatura temporale",
	"%s is not a regular file": "%s non è un file normale",
	"the signed PDF would go to the terminal: redirect it or give -o FILE": "il PDF firmato finirebbe sul terminale: redirigerlo o indicare -o FILE",
	"choose another output name: firma never changes the input":            "scegliere un altro nome per il file di uscita: firma non modifica mai il file di partenza",
	"the output %s is the input itself":                                    "il file di uscita %s è lo stesso file di partenza",
	"Password of the PDF: ":                                                "Password del PDF: ",
	"--json and a signed PDF on standard output would mix: give -o FILE":   "--json e un PDF firmato sullo standard output si mescolerebbero: indicare -o FILE",
	"signed %s -> %s (PAdES, field %s)\n":                                  "firmato %s -> %s (PAdES, campo %s)\n",
	"  document timestamp %s of %s\n":                                      "  marca temporale sul documento %s del %s\n",
	"buffering standard input":                                             "lettura in memoria dello standard input",
	"reading standard input":                                               "lettura dello standard input",
}
