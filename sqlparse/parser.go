package sqlparse

import (
	"context"
	"errors"
	"io"
)

// Parser splits dumps into statements. The zero value is ready to use.
//
// STUB: being implemented.
type Parser struct{}

// Parse reads statements in dialect d (Auto to detect) from r and calls fn
// for each. See importer.Parser.
func (p *Parser) Parse(ctx context.Context, r io.Reader, d Dialect, fn func(*Statement) error) error {
	return errors.New("sqlparse: not implemented yet")
}
