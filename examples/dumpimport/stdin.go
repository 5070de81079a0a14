package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/dumpline/importer/source"
)

// stdinSource is SOURCE "-": one file, "stdin", read from standard input.
//
// Open hides the io.ReaderAt of os.Stdin: on a pipe ReadAt fails and the
// size is unknown, so the extractor must see a plain stream, as it does
// from the SCP source. It then holds a ZIP archive in memory (up to
// archive.Limits.MaxBuffer) or spools it to a temporary file (up to
// MaxSpool) instead of reading it in place.
type stdinSource struct{}

func (stdinSource) List(context.Context) ([]source.File, error) {
	return []source.File{{Name: "stdin", Size: -1, ModTime: time.Now()}}, nil
}

func (stdinSource) Open(context.Context, source.File) (io.ReadCloser, error) {
	return io.NopCloser(struct{ io.Reader }{os.Stdin}), nil
}
