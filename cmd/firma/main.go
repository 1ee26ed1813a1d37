// Command firma signs and verifies files with Italian qualified signature
// smartcards (Aruba Key and other CNS cards) and with any PKCS#11 token.
//
// It is a thin shell over the library packages: flags are parsed here,
// work is done in pkcs11, card, sign and verify, and results are rendered
// here. Errors are mapped to exit codes in one place (errors.go).

// Some older Italian qualified certificates carry a negative serial
// number (a DER encoding mistake of their CA); Go refuses them by default.
// Verifying such signatures must still work.
//go:debug x509negativeserial=1
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], SystemIO())
	stop()
	os.Exit(code)
}

// Main runs firma with args and returns the exit code.
func Main(ctx context.Context, args []string, io *IO) int {
	root := newRootCmd(io)
	root.SetArgs(args)
	root.SetIn(io.In)
	root.SetOut(io.Out)
	root.SetErr(io.Err)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	return reportError(io, err)
}
