package sqlparse

import (
	"context"
	"io"
	"sync"
)

// Parser splits dumps into statements. The zero value is ready to use. A
// Parser is safe for concurrent use: each call to Parse uses its own
// [Reader], taken from a pool.
type Parser struct {
	// BufferSize is the initial size of the input buffer; zero means 512
	// KiB. The buffer grows, up to MaxBuffer, only for a statement (other
	// than the rows of an INSERT or COPY) or a row that does not fit.
	BufferSize int
	// MaxBuffer bounds the size of one statement or row held in memory;
	// zero means 1 GiB. A larger one fails with an error wrapping
	// [ErrTooLarge].
	MaxBuffer int
}

var readers sync.Pool

// Parse reads statements in dialect d (Auto to detect it) from r and calls
// fn for each one, in order. A statement is valid until fn returns; rows of
// Insert and Copy statements that fn did not read are read and checked
// before the next statement. Parse returns an error that fn returned
// unchanged; syntax errors are [*Error]. It checks ctx between statements.
func (p *Parser) Parse(ctx context.Context, r io.Reader, d Dialect, fn func(*Statement) error) error {
	rd, _ := readers.Get().(*Reader)
	if rd == nil {
		rd = new(Reader)
	}
	rd.resetSize(r, d, p.BufferSize, p.MaxBuffer)
	defer func() {
		rd.resetSize(nil, Auto, p.BufferSize, p.MaxBuffer)
		readers.Put(rd)
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		st, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(st); err != nil {
			return err
		}
	}
}
