//go:debug x509negativeserial=1

// Command firma signs and verifies files with Italian qualified signature
// smartcards (Aruba Key and other CNS cards) and with any PKCS#11 token.
//
// It is a thin shell over the library packages: flags are parsed here,
// work is done in pkcs11, card, sign and verify, and results are rendered
// here. Errors are mapped to exit codes in one place (errors.go).
//
// The go:debug line above lets crypto/x509 parse the negative serial
// numbers that some older Italian qualified certificates carry (a DER
// mistake of their CA): verifying such signatures must still work.
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
