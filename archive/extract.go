package archive

import (
	"context"
	"errors"
	"io"
)

// Extractor detects a file's format and streams its entries. The zero value
// uses DefaultLimits.
//
// STUB: being implemented.
type Extractor struct{}

// Extract calls fn for each entry of the file name read from r.
func (x *Extractor) Extract(ctx context.Context, name string, r io.Reader, size int64, fn func(Entry, io.Reader) error) error {
	return errors.New("archive: not implemented yet")
}
