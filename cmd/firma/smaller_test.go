package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The smaller defects of issue 9, item 8.
func TestSignSmallerDefects(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	in := writeFiles(t, dir, "referto.pdf")[0]

	// A detached co-signature is reported as detached.
	io, _, _ := testIO(p.signNow, nil)
	opts := signOpts(p.valid, nil)
	opts.Inputs, opts.Detached = []string{in}, true
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	io, out, _ := testIO(p.signNow, nil)
	opts = signOpts(p.ecdsa, nil)
	opts.Inputs, opts.OutputDir, opts.JSON = []string{in + ".p7s"}, t.TempDir(), true
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	var r struct {
		Packaging string
		Files     []struct{ Packaging, Operation string }
	}
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatal(err)
	}
	if r.Packaging != "detached" || len(r.Files) != 1 || r.Files[0].Packaging != "detached" || r.Files[0].Operation != "cosign" {
		t.Errorf("detached co-signature reported as %+v", r)
	}
	io, out, _ = testIO(p.signNow, nil)
	opts = signOpts(p.ecdsa, nil)
	opts.Inputs, opts.OutputDir = []string{in + ".p7s"}, t.TempDir()
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "(SHA-256, detached)") {
		t.Errorf("summary: %s", out)
	}

	// --allow-invalid-cert signs with an expired certificate, and says so.
	io, _, errb := testIO(p.signNow, nil)
	opts = signOpts(p.expired, nil)
	opts.Inputs, opts.AllowAnyCertificate, opts.Output = []string{in}, true, filepath.Join(t.TempDir(), "x.p7m")
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "firma: warning: the signing certificate of MARIO ROSSI expired on") || !strings.Contains(errb.String(), "no legal value") {
		t.Errorf("no warning for an expired certificate: %q", errb)
	}

	// Standard input signed to a terminal: refused, unless -o - says so.
	io, _, _ = testIO(p.signNow, nil)
	io.In, io.OutIsTTY = strings.NewReader("documento"), true
	opts = signOpts(p.valid, nil)
	opts.Inputs = []string{"-"}
	err := runSign(context.Background(), io, opts)
	if code, _ := classify(err); code != ExitUsage || !strings.Contains(err.Error(), "terminal") {
		t.Errorf("binary to a terminal: %v (exit %d)", err, code)
	}
	io, out, _ = testIO(p.signNow, nil)
	io.In, io.OutIsTTY = strings.NewReader("documento"), true
	opts = signOpts(p.valid, nil)
	opts.Inputs, opts.Output = []string{"-"}, "-"
	if err := runSign(context.Background(), io, opts); err != nil || out.Len() == 0 {
		t.Errorf("-o - to a terminal: %v, %d bytes", err, out.Len())
	}
}

func TestCommandLineWording(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		args []string
		code int
		err  string
		hint string
	}{
		{[]string{"sign"}, ExitUsage, "no file to sign: give one or more files", "see 'firma --help'"},
		{[]string{"verify"}, ExitUsage, "no file to verify: give one or more signed files", "see 'firma --help'"},
		{[]string{"sign", "--pin-file", "x", "missing.pdf"}, ExitInput, "firma: error: missing.pdf: no such file\n", "check the name"},
	} {
		io, _, errb := testIO(now, nil)
		code := Main(context.Background(), c.args, io)
		if code != c.code || !strings.Contains(errb.String(), c.err) || !strings.Contains(errb.String(), "firma: hint: "+c.hint) {
			t.Errorf("%v: exit %d\n%s", c.args, code, errb)
		}
	}
}

// firma verify x.p7s finds its document x next to it, as firma sign does.
func TestVerifyFindsDetachedDocument(t *testing.T) {
	p := signTestPKI(t)
	dir := t.TempDir()
	in := writeFiles(t, dir, "referto.pdf")[0]
	io, _, _ := testIO(p.signNow, nil)
	opts := signOpts(p.valid, nil)
	opts.Inputs, opts.Detached = []string{in}, true
	if err := runSign(context.Background(), io, opts); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCLI(t, p.signNow, "verify", "--trust", p.caFile, in+".p7s")
	if code != ExitOK || !strings.Contains(out, "signed document: "+in+" (found next to the signature)") {
		t.Errorf("exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = runCLI(t, p.signNow, "verify", "--json", "--trust", p.caFile, in+".p7s")
	var r struct {
		Files []struct {
			ContentFile  string `json:"content_file"`
			ContentFound bool   `json:"content_found"`
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil || code != ExitOK || r.Files[0].ContentFile != in || !r.Files[0].ContentFound {
		t.Errorf("JSON: exit %d, %v, %+v", code, err, r)
	}
}
