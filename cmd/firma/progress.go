package main

import (
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress is a byte-count bar on the terminal's stderr. The zero value
// (nil) does nothing, which is what pipes, files and --json get.
type progress struct {
	p   *mpb.Progress
	bar *mpb.Bar
}

// newProgress starts a bar for total bytes when stderr is a terminal and
// the work is big enough to be worth watching; otherwise it returns nil.
func newProgress(io *IO, label string, total int64, files int) *progress {
	const minBytes = 16 << 20
	if !io.ErrIsTTY || (total < minBytes && files < 20) {
		return nil
	}
	p := mpb.New(mpb.WithOutput(io.Err), mpb.WithWidth(40))
	bar := p.AddBar(total,
		mpb.PrependDecorators(decor.Name(label, decor.WCSyncSpaceR)),
		// Percent and time left: an enveloping signature reads each file
		// twice, so a byte count would not match the file sizes.
		mpb.AppendDecorators(decor.Percentage(decor.WCSyncSpace), decor.Name("  "), decor.AverageETA(decor.ET_STYLE_GO)),
	)
	return &progress{p: p, bar: bar}
}

// add counts n more bytes done.
func (pr *progress) add(n int64) {
	if pr != nil {
		pr.bar.IncrInt64(n)
	}
}

// done completes the bar (ok) or drops it (failure), and waits for the
// last frame so that later output starts on a clean line.
func (pr *progress) done(ok bool) {
	if pr == nil {
		return
	}
	if ok {
		pr.bar.SetTotal(-1, true)
	} else {
		pr.bar.Abort(true)
	}
	pr.p.Wait()
}
