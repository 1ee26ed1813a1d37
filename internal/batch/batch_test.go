package batch

import (
	"bytes"
	"context"
	"crypto"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firma-dev/firma/internal/atomicfile"
	"github.com/firma-dev/firma/internal/testpki"
	"github.com/firma-dev/firma/sign"
)

// The engine's tests need no command: a software key from the test PKI.

type world struct {
	now    time.Time
	ca     *testpki.CA
	caFile string
	id     *testpki.Identity
}

func newWorld(t *testing.T) *world {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	ca, err := testpki.NewCA(now)
	if err != nil {
		t.Fatal(err)
	}
	nb, na := testpki.Validity(now.Add(700 * testpki.Day))
	id, err := ca.Issue(testpki.Spec{Kind: testpki.Signature, NotBefore: nb, NotAfter: na})
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, testpki.CertPEM(ca.Cert), 0o644); err != nil {
		t.Fatal(err)
	}
	return &world{now: now, ca: ca, caFile: caFile, id: id}
}

// failingKey fails its n-th signature, like a card pulled out.
type failingKey struct {
	crypto.Signer
	n, failAt int32
}

func (k *failingKey) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	if atomic.AddInt32(&k.n, 1) == k.failAt {
		return nil, errors.New("CKR_DEVICE_REMOVED")
	}
	return k.Signer.Sign(r, d, o)
}

func (w *world) signer(t *testing.T, key crypto.Signer, progress func(int64)) *sign.Signer {
	t.Helper()
	if key == nil {
		key = w.id.Key
	}
	s, err := sign.New(key, w.id.Cert, sign.Options{Now: func() time.Time { return w.now }, Progress: progress})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writeFiles(t *testing.T, dir string, names ...string) []string {
	t.Helper()
	var paths []string
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte("contenuto di "+n+"\n"), 0o640); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func opensslVerify(t *testing.T, caFile, sig string) []byte {
	t.Helper()
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-CAfile", caFile, "-purpose", "any").Output()
	if err != nil {
		t.Fatalf("openssl cms -verify %s: %v", sig, err)
	}
	return out
}

func TestPlan(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	ins := writeFiles(t, dir, "a.pdf", "b.pdf", "c.pdf.p7m", "d.pdf.p7s", "d.pdf")
	a, b, p7m, p7s, doc := ins[0], ins[1], ins[2], ins[3], ins[4]

	jobs, err := Plan(PlanOptions{Inputs: []string{a, b}})
	if err != nil || len(jobs) != 2 || jobs[0].Output != a+".p7m" || jobs[0].Op != OpSign || jobs[0].Perm != 0o640 || jobs[0].Size == 0 {
		t.Fatalf("plain batch: %+v, %v", jobs, err)
	}
	jobs, err = Plan(PlanOptions{Inputs: []string{a}, Detached: true, OutputDir: out})
	if err != nil || jobs[0].Output != filepath.Join(out, "a.pdf.p7s") || !jobs[0].Detached || jobs[0].Packaging() != "detached" {
		t.Fatalf("detached into a folder: %+v, %v", jobs, err)
	}
	// Signed inputs: co-signed into a copy of the same name, never in place.
	jobs, err = Plan(PlanOptions{Inputs: []string{p7m, p7s}, OutputDir: out})
	if err != nil || jobs[0].Op != OpCoSign || jobs[0].Output != filepath.Join(out, "c.pdf.p7m") ||
		jobs[1].Op != OpCoSign || jobs[1].Content != doc || !jobs[1].Detached {
		t.Fatalf("co-sign: %+v, %v", jobs, err)
	}
	jobs, err = Plan(PlanOptions{Inputs: []string{p7m}, Counter: true, Output: filepath.Join(out, "x.p7m")})
	if err != nil || jobs[0].Op != OpCounterSign {
		t.Fatalf("counter-sign: %+v, %v", jobs, err)
	}
	jobs, err = Plan(PlanOptions{Inputs: []string{p7m}, Nest: true})
	if err != nil || jobs[0].Op != OpSign || jobs[0].Output != p7m+".p7m" {
		t.Fatalf("nest: %+v, %v", jobs, err)
	}
	jobs, err = Plan(PlanOptions{Inputs: []string{Stdio}})
	if err != nil || jobs[0].Output != Stdio || jobs[0].Size != -1 {
		t.Fatalf("stdin: %+v, %v", jobs, err)
	}

	conflict := func(o PlanOptions) Conflict {
		_, err := Plan(o)
		var ce *ConflictError
		if !errors.As(err, &ce) {
			t.Fatalf("%+v: %v, want a ConflictError", o, err)
		}
		return ce.Problem
	}
	for want, o := range map[Conflict]PlanOptions{
		SignedNeedsOutput:  {Inputs: []string{p7m}},
		SharedOutput:       {Inputs: []string{a, a}},
		OutputIsInput:      {Inputs: []string{a}, Output: a, Force: true},
		CounterNeedsSigned: {Inputs: []string{a}, Counter: true, OutputDir: out},
		DetachedCoSign:     {Inputs: []string{p7m}, Detached: true, OutputDir: out},
	} {
		if got := conflict(o); got != want {
			t.Errorf("%+v: conflict %d, want %d", o, got, want)
		}
	}

	// Existing outputs: refused, replaced with Force, skipped with SkipExisting.
	os.WriteFile(a+".p7m", []byte("x"), 0o644)
	if _, err := Plan(PlanOptions{Inputs: []string{a, b}}); !errors.As(err, new(*atomicfile.ExistsError)) {
		t.Errorf("existing output: %v", err)
	}
	if jobs, err := Plan(PlanOptions{Inputs: []string{a, b}, SkipExisting: true}); err != nil || !jobs[0].Skip || jobs[1].Skip {
		t.Errorf("skip existing: %+v, %v", jobs, err)
	}
	if jobs, err := Plan(PlanOptions{Inputs: []string{a}, Force: true}); err != nil || jobs[0].Skip {
		t.Errorf("force: %+v, %v", jobs, err)
	}

	// Inputs, documents and folders that are not there.
	var ie *InputError
	if _, err := Plan(PlanOptions{Inputs: []string{filepath.Join(dir, "missing.pdf")}}); !errors.As(err, &ie) || err.Error() != filepath.Join(dir, "missing.pdf")+": no such file" {
		t.Errorf("missing input: %v", err)
	}
	if _, err := Plan(PlanOptions{Inputs: []string{dir}}); !errors.As(err, &ie) || !ie.NotRegular {
		t.Errorf("a folder as input: %v", err)
	}
	os.Remove(doc)
	var de *DocumentError
	if _, err := Plan(PlanOptions{Inputs: []string{p7s}, OutputDir: out}); !errors.As(err, &de) || de.Given || de.Document != doc {
		t.Errorf("missing document: %v", err)
	}
	var oe *OutputDirError
	if _, err := Plan(PlanOptions{Inputs: []string{b}, OutputDir: filepath.Join(dir, "nowhere")}); !errors.As(err, &oe) {
		t.Errorf("missing folder: %v", err)
	}
}

// Run signs in order and stops at the first failure: the outputs before
// it stay and verify, the rest have none, nothing partial is left.
func TestRunStopsAtFirstFailure(t *testing.T) {
	w := newWorld(t)
	src, dst := t.TempDir(), t.TempDir()
	ins := writeFiles(t, src, "1.pdf", "2.pdf", "3.pdf")
	jobs, err := Plan(PlanOptions{Inputs: ins, OutputDir: dst})
	if err != nil {
		t.Fatal(err)
	}
	s := w.signer(t, &failingKey{Signer: w.id.Key, failAt: 2}, nil)
	out, at := Run(context.Background(), s, jobs, RunOptions{})
	if at != 1 || out[0].Status != Signed || out[1].Status != Failed || out[2].Status != NotSigned || out[1].Err == nil {
		t.Fatalf("failed at %d: %+v", at, out)
	}
	if got := strings.Join(listDir(t, dst), " "); got != "1.pdf.p7m" {
		t.Fatalf("outputs: %s", got)
	}
	if got := opensslVerify(t, w.caFile, filepath.Join(dst, "1.pdf.p7m")); string(got) != "contenuto di 1.pdf\n" {
		t.Errorf("content %q", got)
	}
}

// Standard input to standard output, enveloping (spooled) and detached.
func TestRunStdio(t *testing.T) {
	w := newWorld(t)
	for _, detached := range []bool{false, true} {
		jobs, err := Plan(PlanOptions{Inputs: []string{Stdio}, Detached: detached})
		if err != nil {
			t.Fatal(err)
		}
		var stdout bytes.Buffer
		out, at := Run(context.Background(), w.signer(t, nil, nil), jobs, RunOptions{Stdin: strings.NewReader("dallo standard input\n"), Stdout: &stdout})
		if at != -1 || out[0].Status != Signed || stdout.Len() == 0 {
			t.Fatalf("detached=%v: %+v", detached, out)
		}
		if detached {
			continue
		}
		sig := filepath.Join(t.TempDir(), "stdin.p7m")
		os.WriteFile(sig, stdout.Bytes(), 0o644)
		if got := opensslVerify(t, w.caFile, sig); string(got) != "dallo standard input\n" {
			t.Errorf("content %q", got)
		}
	}
}

// Standard input into a file is read once, straight into the output: no
// spool (here: no temporary directory to spool to), in one pass for a
// pipe of any size.
func TestRunStdinToFile(t *testing.T) {
	w := newWorld(t)
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	content := bytes.Repeat([]byte("dallo standard input\n"), 150000) // 3 MiB
	out := filepath.Join(t.TempDir(), "stdin.p7m")
	jobs, err := Plan(PlanOptions{Inputs: []string{Stdio}, Output: out})
	if err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() {
		pw.Write(content)
		pw.Close()
	}()
	res, at := Run(context.Background(), w.signer(t, nil, nil), jobs, RunOptions{Stdin: pr})
	if at != -1 || res[0].Status != Signed {
		t.Fatalf("failed at %d: %+v", at, res)
	}
	if got := opensslVerify(t, w.caFile, out); !bytes.Equal(got, content) {
		t.Errorf("content of %d bytes, want %d", len(got), len(content))
	}
}

// A failure when an output is moved into place (here: a file appears at
// its name while it is being written) stops the batch like a signing
// failure: the newcomer is not replaced, the failing file has no output,
// and every file is reported truthfully. Commits overlap the next
// signature, so the file after the failing one may already be complete:
// then it is reported signed and its output verifies.
func TestRunCommitFailure(t *testing.T) {
	w := newWorld(t)
	src, dst := t.TempDir(), t.TempDir()
	ins := writeFiles(t, src, "1.pdf", "2.pdf", "3.pdf", "4.pdf", "5.pdf")
	intruder := filepath.Join(dst, "2.pdf.p7m")
	jobs, err := Plan(PlanOptions{Inputs: ins, OutputDir: dst})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	s := w.signer(t, nil, func(int64) {
		// One progress call per small file (one pass into the output
		// file): the second is file 2, before its output is committed.
		if calls++; calls == 2 {
			os.WriteFile(intruder, []byte("arrived meanwhile"), 0o644)
		}
	})
	out, at := Run(context.Background(), s, jobs, RunOptions{})
	if at != 1 || !errors.Is(out[1].Err, os.ErrExist) {
		t.Fatalf("failed at %d: %+v", at, out)
	}
	if b, _ := os.ReadFile(intruder); string(b) != "arrived meanwhile" {
		t.Errorf("the file that appeared was replaced: %q", b)
	}
	if out[0].Status != Signed || out[1].Status != Failed {
		t.Errorf("statuses %+v", out)
	}
	for i, j := range jobs {
		_, statErr := os.Stat(j.Output)
		switch {
		case i == 1:
		case out[i].Status == Signed:
			opensslVerify(t, w.caFile, j.Output)
		case statErr == nil:
			t.Errorf("%s is %s but its output exists", j.Input, out[i].Status)
		}
	}
	for _, n := range listDir(t, dst) {
		if strings.Contains(n, atomicfile.TempInfix) {
			t.Errorf("temporary file %s left behind", n)
		}
	}
}

// Check refuses a co-signature of a changed file before any key is used,
// reads a co-signed file's form from its bytes, and finds an output folder
// that does not take files.
func TestCheck(t *testing.T) {
	w := newWorld(t)
	dir, out := t.TempDir(), t.TempDir()
	in := writeFiles(t, dir, "referto.pdf")[0]
	jobs, _ := Plan(PlanOptions{Inputs: []string{in}})
	if _, at := Run(context.Background(), w.signer(t, nil, nil), jobs, RunOptions{}); at != -1 {
		t.Fatal("signing failed")
	}
	good, _ := os.ReadFile(in + ".p7m")
	changed := filepath.Join(dir, "changed.pdf.p7m")
	os.WriteFile(changed, bytes.Replace(good, []byte("contenuto"), []byte("CONTENUTO"), 1), 0o644)

	jobs, err := Plan(PlanOptions{Inputs: []string{in + ".p7m", changed}, OutputDir: out})
	if err != nil {
		t.Fatal(err)
	}
	err = Check(context.Background(), jobs, CheckOptions{Now: func() time.Time { return w.now }})
	var be *BrokenSignatureError
	if !errors.As(err, &be) || be.File != changed || be.Signature != "S1" || be.Sub != "HASH_FAILURE" {
		t.Fatalf("changed file: %v", err)
	}
	if jobs[0].Detached {
		t.Error("an enveloping .p7m was read as detached")
	}
	jobs, _ = Plan(PlanOptions{Inputs: []string{in + ".p7m"}, OutputDir: out})
	if err := Check(context.Background(), jobs, CheckOptions{Now: func() time.Time { return w.now }}); err != nil {
		t.Fatalf("intact file: %v", err)
	}
	// A folder that is a file's name is no folder to write in.
	jobs[0].Output = filepath.Join(in, "x.p7m")
	var oe *OutputDirError
	if err := Check(context.Background(), jobs, CheckOptions{Now: func() time.Time { return w.now }}); !errors.As(err, &oe) || oe.Dir != in {
		t.Errorf("unwritable folder: %v", err)
	}
}
