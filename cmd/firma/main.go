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
	"time"

	"github.com/firma-dev/firma/internal/atomicfile"
)

func main() { os.Exit(runProcess()) }

// stopSignals end a command cleanly: Ctrl-C, kill, the terminal closed or
// the SSH session dropped (SIGHUP), Ctrl-\ (SIGQUIT). Each one cancels
// the command's context, which removes every temporary file and restores
// the terminal before firma exits with ExitCanceled.
var stopSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT}

// runProcess runs firma as a process: the real streams, and the signals
// that stop it.
func runProcess() int { return runProcessIO(SystemIO()) }

// runProcessIO is runProcess on io (the tests' firma copies what it
// prints, to look for English sentences in an Italian run).
func runProcessIO(io *IO) int {
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	defer stop()
	done := make(chan int, 1)
	go func() { done <- Main(ctx, os.Args[1:], io) }()
	select {
	case code := <-done:
		return code
	case <-ctx.Done():
	}
	// Every command ends soon after its context, except one blocked on a
	// read that nothing can interrupt (standard input from a pipe whose
	// writer is alive). It gets a moment, then its partial outputs are
	// removed and firma exits all the same.
	select {
	case code := <-done:
		return code
	case <-time.After(stopGrace):
		atomicfile.RemovePending()
		return reportError(io, context.Canceled)
	}
}

// stopGrace is how long a stopped command may take to clean up by itself.
const stopGrace = 2 * time.Second

// Main runs firma with args and returns the exit code.
func Main(ctx context.Context, args []string, io *IO) int {
	io.ctx = ctx
	setLanguage(languageFrom(io.Getenv))
	root := newRootCmd(io)
	localizeCommands(root)
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
