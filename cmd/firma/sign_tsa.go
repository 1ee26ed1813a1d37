package main

import (
	"encoding/asn1"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/firma-dev/firma/sign"
)

// newTSAPasswordOptions are the sources of the timestamp authority's
// password: like the PIN's, never argv.
func newTSAPasswordOptions() *secretOptions {
	return &secretOptions{Name: "TSA password", Flag: "tsa-password", Env: "FIRMA_TSA_PASSWORD", FD: -1}
}

// tsaClient checks the --tsa flags, without any network access, and
// returns the client (nil without --tsa). The password is read later,
// only when there is something to sign.
func tsaClient(opts *signOptions) (*sign.TSAClient, error) {
	if opts.TSAPassword == nil {
		opts.TSAPassword = newTSAPasswordOptions()
	}
	pw := opts.TSAPassword
	pwGiven := pw.File != "" || pw.FD >= 0
	if opts.TSA == "" {
		if opts.TSAUser != "" || opts.TSAPolicy != "" || pwGiven {
			return nil, usageErrorf("--tsa-user, --tsa-password-file/-fd and --tsa-policy go with --tsa URL")
		}
		return nil, nil
	}
	u, err := sign.ParseTSAURL(opts.TSA)
	if err != nil {
		hint := tr("give the RFC 3161 address of your provider's timestamp service, e.g. --tsa https://tsa.example.it/tsa")
		if ue := (*sign.TSAURLError)(nil); errors.As(err, &ue) && ue.Credentials {
			hint = tr("give the user with --tsa-user and the password with --tsa-password-file (never in the URL)")
		}
		return nil, withCode(ExitUsage, fmt.Errorf("--tsa: %w", err), hint)
	}
	if pwGiven && opts.TSAUser == "" {
		return nil, usageErrorf("a TSA password needs its user: add --tsa-user NAME")
	}
	if opts.TSATimeout < 0 {
		return nil, usageErrorf("--tsa-timeout cannot be negative")
	}
	c := &sign.TSAClient{URL: u, User: opts.TSAUser, Timeout: opts.TSATimeout}
	if opts.TSAPolicy != "" {
		if c.Policy, err = parseOID(opts.TSAPolicy); err != nil {
			return nil, usageErrorf("--tsa-policy %q is not an object identifier (digits and dots, like 1.2.3.4)", opts.TSAPolicy)
		}
	}
	return c, nil
}

// parseOID parses a dotted object identifier.
func parseOID(s string) (asn1.ObjectIdentifier, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return nil, errors.New("too short")
	}
	oid := make(asn1.ObjectIdentifier, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 31)
		if err != nil || (len(p) > 1 && p[0] == '0') {
			return nil, errors.New("not a number")
		}
		oid[i] = int(n)
	}
	if oid[0] > 2 || (oid[0] < 2 && oid[1] > 39) {
		return nil, errors.New("bad first arcs")
	}
	return oid, nil
}

// readTSAPassword reads the timestamp authority's password when the
// service has a user and something will be signed, warning first when it
// would travel unencrypted.
func readTSAPassword(ios *IO, opts *signOptions, tsa *sign.TSAClient, todo int) error {
	if tsa.User == "" || todo == 0 {
		return nil
	}
	if tsa.URL.Scheme == "http" {
		printf(ios.Err, "firma: warning: the TSA password goes unencrypted over http://; use your provider's https:// address if it has one\n")
	}
	prompt := sprintf("TSA password for %s at %s: ", tsa.User, tsa.URL.Host)
	var err error
	tsa.Password, err = opts.TSAPassword.read(ios, prompt)
	return err
}
