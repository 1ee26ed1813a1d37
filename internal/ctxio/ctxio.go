// Package ctxio stops long reads when their context ends: a reader that
// checks the context before every Read, so that a cancelled command stops
// within one buffer of a file instead of reading it to the end.
package ctxio

import (
	"context"
	"io"
)

// Reader reads R until Ctx is done, then returns Ctx's error.
type Reader struct {
	Ctx context.Context
	R   io.Reader
}

// NewReader returns a Reader over r that stops with ctx.
func NewReader(ctx context.Context, r io.Reader) Reader { return Reader{Ctx: ctx, R: r} }

func (c Reader) Read(p []byte) (int, error) {
	if err := c.Ctx.Err(); err != nil {
		return 0, err
	}
	return c.R.Read(p)
}
