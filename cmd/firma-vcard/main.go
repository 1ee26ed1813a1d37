// Command firma-vcard runs firma's virtual Italian signature card
// (internal/vcard) against vpcd, the virtual reader driver of Debian's
// vsmartcard-vpcd package, so pcscd shows a card to every PC/SC program.
// It is for `make demo` and for IT staff who want to try firma without a
// real card; firma's own tests use the same card in-process.
//
// vpcd listens on TCP 35963 and 35964 on all interfaces: run pcscd and
// this command in a private network namespace (scripts/demo-card.sh does)
// so nothing is reachable beyond loopback.
//
// The card's PIN and PUK are fixed test values (vcard.DefaultPIN,
// vcard.DefaultPUK), printed at start. Signals: SIGUSR1 pulls the card out
// or puts it back (to try `firma readers --wait`), SIGINT/SIGTERM remove it
// and exit.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/internal/vcard"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("firma-vcard", flag.ContinueOnError)
	profile := fs.String("profile", "aruba", "card profile: "+strings.Join(vcard.ProfileNames(), ", "))
	addr := fs.String("addr", vcard.DefaultAddr, "vpcd address (reader \"Virtual PCD 00 00\"; port 35964 is \"Virtual PCD 00 01\")")
	wait := fs.Duration("connect-timeout", 10*time.Second, "how long to wait for vpcd to accept the card")
	verbose := fs.Bool("v", false, "log every APDU on stderr")
	list := fs.Bool("profiles", false, "list the profiles and exit")
	cnsDir := fs.String("cns", "", "make it an Italian CNS card (OpenSC's itacns driver reads it) with the test certificates and keys kept in `DIR` (created with a test CA the first time; DIR/ca.pem verifies its signatures)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: firma-vcard [flags]\n\nRuns a virtual Italian signature card against vpcd (vsmartcard-vpcd).\nSIGUSR1 removes/reinserts the card; SIGINT/SIGTERM remove it and exit.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *list {
		for _, n := range vcard.ProfileNames() {
			p := vcard.Profiles[n]
			fmt.Printf("%-8s %s\n         ATR %X\n", n, p.Description, p.ATR)
		}
		return 0
	}
	card, err := vcard.New(*profile)
	if err != nil {
		fmt.Fprintf(os.Stderr, "firma-vcard: error: %v\n", err)
		return 2
	}
	if *cnsDir != "" {
		pki, err := testpki.EnsureCardPKI(*cnsDir)
		if err == nil {
			err = card.LoadCNS(pki.Contents())
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "firma-vcard: error: %v\n", err)
			return 1
		}
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var pulled atomic.Bool // removed on purpose with SIGUSR1
	go func() {
		for s := range sigs {
			if s != syscall.SIGUSR1 {
				cancel()
				return
			}
			if card.Inserted() {
				pulled.Store(true)
				card.Remove()
				fmt.Fprintln(os.Stderr, "firma-vcard: card removed (SIGUSR1 puts it back)")
			} else if err := insert(ctx, card, *addr, *wait); err != nil {
				fmt.Fprintf(os.Stderr, "firma-vcard: error: %v\n", err)
			} else {
				pulled.Store(false)
				fmt.Fprintln(os.Stderr, "firma-vcard: card inserted")
			}
		}
	}()
	if err := insert(ctx, card, *addr, *wait); err != nil {
		fmt.Fprintf(os.Stderr, "firma-vcard: error: %v\n", err)
		fmt.Fprintln(os.Stderr, "firma-vcard: hint: start pcscd with vpcd's reader first (scripts/demo-card.sh start), in the same network namespace")
		return 1
	}
	fmt.Fprintf(os.Stderr, "firma-vcard: %s card inserted at %s (ATR %X); test PIN %s, PUK %s\n",
		*profile, *addr, card.ATR(), vcard.DefaultPIN, vcard.DefaultPUK)
	logged := 0
	for {
		select {
		case <-ctx.Done():
			card.Remove()
			return 0
		case <-card.Changed():
			if !card.Inserted() && !pulled.Load() && ctx.Err() == nil {
				fmt.Fprintln(os.Stderr, "firma-vcard: vpcd closed the connection (pcscd stopped?): exiting")
				return 1
			}
			if *verbose {
				log := card.Log()
				for ; logged < len(log); logged++ {
					fmt.Fprintf(os.Stderr, "firma-vcard: %s\n", log[logged])
				}
			}
		}
	}
}

// insert connects the card, retrying while vpcd is not listening yet
// (pcscd loads its drivers a moment after starting).
func insert(ctx context.Context, card *vcard.Card, addr string, wait time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	delay := 10 * time.Millisecond
	for {
		err := card.Insert(ctx, addr, nil)
		if err == nil || !errors.Is(err, syscall.ECONNREFUSED) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("vpcd at %s did not accept the card within %v: %w", addr, wait, err)
		case <-time.After(delay):
		}
		delay = min(2*delay, 500*time.Millisecond)
	}
}
