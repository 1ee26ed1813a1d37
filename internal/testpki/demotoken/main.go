// Command demotoken creates the demo SoftHSM token that `make demo` uses:
// a fictional doctor's qualified signature certificate and CNS
// authentication certificate from a test CA, in a local folder (see
// testpki.EnsureLocalStore for its files). It is idempotent: an existing
// demo store is kept as it is.
//
//	go run ./internal/testpki/demotoken -dir .demo
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/firma-dev/firma/internal/testpki"
)

// Label is the demo token's label.
const Label = "firma-demo"

func main() {
	dir := flag.String("dir", ".demo", "folder for the demo store")
	flag.Parse()
	s, err := testpki.EnsureLocalStore(*dir, Label, true)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demotoken:", err)
		os.Exit(1)
	}
	if s.Created {
		fmt.Printf("demo token %q created in %s\n", Label, s.Dir)
	} else {
		fmt.Printf("demo token already in %s\n", s.Dir)
	}
}
