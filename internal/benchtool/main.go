// Command benchtool supports scripts/bench.sh (make bench):
//
//	benchtool fixture -dir DIR   provision a SoftHSM token "firma-bench" with
//	                             a test signer (RSA-2048) and write its
//	                             software key and certificates for openssl
//	benchtool sha256 FILE        the Go crypto/sha256 floor: hash a file
//
// The fixture is test material from internal/testpki: nothing it makes is
// a real certificate. It is idempotent: an existing store is reused.
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/firma-dev/firma/internal/testpki"
)

// Token is the label of the bench token.
const Token = "firma-bench"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtool fixture -dir DIR | benchtool sha256 FILE")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "fixture":
		fs := flag.NewFlagSet("fixture", flag.ExitOnError)
		dir := fs.String("dir", ".bench", "folder for the bench store")
		fs.Parse(os.Args[2:])
		err = fixture(*dir)
	case "sha256":
		if len(os.Args) != 3 {
			err = fmt.Errorf("usage: benchtool sha256 FILE")
			break
		}
		err = sum(os.Args[2])
	default:
		err = fmt.Errorf("unknown subcommand %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func sum(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, f, make([]byte, 1<<20)); err != nil {
		return err
	}
	fmt.Printf("%s  %s\n", hex.EncodeToString(h.Sum(nil)), path)
	return nil
}

func fixture(dir string) error {
	_, err := testpki.EnsureLocalStore(dir, Token, false)
	return err
}
