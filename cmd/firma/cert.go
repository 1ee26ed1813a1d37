package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firma-dev/firma/certinfo"
	"github.com/firma-dev/firma/internal/atomicfile"
)

type certOptions struct {
	g    *globalOptions
	JSON bool
	All  bool
}

func newCertCmd(io *IO, g *globalOptions) *cobra.Command {
	o := &certOptions{g: g}
	cmd := &cobra.Command{
		Use:   "cert",
		Short: "Show the signing certificate (or all certificates) on the token; export it",
		Example: `  firma cert
  firma cert --all
  firma cert export -o mario-rossi.pem --chain
  firma cert export --der -o firma.cer`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCert(cmd.Context(), io, o)
		},
	}
	cmd.Flags().BoolVar(&o.JSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&o.All, "all", false, "show every certificate on the token, not only the signing one")
	cmd.AddCommand(newCertExportCmd(io, g))
	return cmd
}

func runCert(ctx context.Context, io *IO, o *certOptions) error {
	sel, err := keySelector(o.g)
	if err != nil {
		return err
	}
	tok, _, err := openToken(io, o.g, true)
	if err != nil {
		return err
	}
	defer tok.Close()
	var views []certView
	if o.All {
		certs, err := tok.Certificates()
		if err != nil {
			return err
		}
		for _, c := range certs {
			views = append(views, viewOf(c))
		}
	} else {
		c, _, err := tok.SigningCertificate(sel)
		if err != nil {
			return err
		}
		views = []certView{viewOf(*c)}
	}
	if o.JSON {
		if o.All {
			return writeJSON(io.Out, struct {
				Certificates []certView `json:"certificates"`
			}{views})
		}
		return writeJSON(io.Out, views[0])
	}
	for i, v := range views {
		if i > 0 {
			printLine(io.Out)
		}
		printCert(io, v)
	}
	return nil
}

func printCert(io *IO, v certView) {
	w := io.Out
	field(w, "Label", "%q (id %s)", v.Label, v.ID)
	field(w, "Purpose", "%s", describePurpose(v.Info))
	field(w, "Subject", "%s", v.Subject)
	if v.Holder.FiscalCode != "" {
		field(w, "Fiscal code", "%s", v.Holder.FiscalCode)
	}
	field(w, "Issuer", "%s", v.Issuer)
	field(w, "Serial", "%s", v.SerialHex)
	adv := daysLeftText(certinfo.AdviseRenewal(v.NotBefore, v.NotAfter, io.Now()))
	field(w, "Valid", "%s to %s (%s)", minuteTime(v.NotBefore), minuteTime(v.NotAfter), adv)
	field(w, "Key", "%s", v.KeyAlgorithm)
	field(w, "Key usage", "%s", strings.Join(v.KeyUsage, ", "))
	if len(v.Policies) > 0 {
		field(w, "Policies", "%s", namedOIDs(v.Policies))
	}
	if len(v.QCStatements) > 0 {
		field(w, "QC statements", "%s", namedOIDs(v.QCStatements))
	}
	if len(v.OCSP) > 0 {
		field(w, "OCSP", "%s", strings.Join(v.OCSP, ", "))
	}
	if len(v.CRL) > 0 {
		field(w, "CRL", "%s", strings.Join(v.CRL, ", "))
	}
	field(w, "SHA-256", "%s", v.SHA256)
}

type certExportOptions struct {
	g      *globalOptions
	DER    bool
	Chain  bool
	Output string
	Force  bool
}

func newCertExportCmd(io *IO, g *globalOptions) *cobra.Command {
	o := &certExportOptions{g: g}
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the signing certificate (and its chain) as PEM or DER",
		Example: `  firma cert export > firma.pem
  firma cert export --chain -o firma-chain.pem
  firma cert export --der -o firma.cer`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCertExport(cmd.Context(), io, o)
		},
	}
	cmd.Flags().BoolVar(&o.DER, "der", false, "write DER (one certificate) instead of PEM")
	cmd.Flags().Bool("pem", true, "write PEM (the default)")
	cmd.Flags().BoolVar(&o.Chain, "chain", false, "append the issuer certificates found on the token (PEM only)")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "-", "output `file` (- for standard output)")
	cmd.Flags().BoolVar(&o.Force, "force", false, "replace the output file if it exists")
	return cmd
}

func runCertExport(ctx context.Context, io *IO, o *certExportOptions) error {
	if o.DER && o.Chain {
		return usageErrorf("--der writes one certificate: use PEM for --chain")
	}
	if o.Output != "-" {
		if err := atomicfile.CheckFree(o.Output); err != nil && !o.Force {
			return withCode(ExitOutput, err, "")
		}
	}
	sel, err := keySelector(o.g)
	if err != nil {
		return err
	}
	tok, _, err := openToken(io, o.g, true)
	if err != nil {
		return err
	}
	defer tok.Close()
	c, chain, err := tok.SigningCertificate(sel)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if o.DER {
		out.Write(c.Cert.Raw)
	} else {
		for _, cert := range append([]*x509.Certificate{c.Cert}, chainIf(o.Chain, chain)...) {
			pem.Encode(&out, &pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
		}
	}
	if o.Output == "-" {
		_, err := io.Out.Write(out.Bytes())
		return err
	}
	if err := atomicfile.WriteFile(o.Output, out.Bytes(), atomicfile.Options{Force: o.Force}); err != nil {
		return withCode(ExitOutput, err, "")
	}
	return nil
}

func chainIf(ok bool, chain []*x509.Certificate) []*x509.Certificate {
	if ok {
		return chain
	}
	return nil
}

func namedOIDs(oids []string) string {
	named := make([]string, len(oids))
	for i, o := range oids {
		named[i] = oidWords(o, certinfo.NameOID(o))
	}
	return strings.Join(named, ", ")
}

// oidWords is "OID (name)" in the user's language (certinfo names the
// policies in English; the QC statements' names are ETSI's, kept).
func oidWords(oid, named string) string {
	switch strings.TrimPrefix(named, oid) {
	case " (AgID qualified certificate)":
		return sprintf("%s (AgID qualified certificate)", oid)
	case " (CNS authentication)":
		return sprintf("%s (CNS authentication)", oid)
	case " (QcSemantics natural person)":
		return sprintf("%s (QcSemantics natural person)", oid)
	}
	return named
}

// minuteTime is a certificate's validity bound to the minute, in its zone:
// "2026-12-07 14:05 UTC" in English (as firma has always printed it),
// "07/12/2026 14:05 UTC" in Italian.
func minuteTime(t time.Time) string {
	if isItalian() {
		return t.Format("02/01/2006 15:04 MST")
	}
	return t.Format("2006-01-02 15:04 MST")
}
