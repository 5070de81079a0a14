package importertest

import (
	"context"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dumpline/importer/source"
)

// memSource is an importer.Source of dumps held in memory. Its readers are
// not io.ReaderAt, so that every sink, a dry run too, gets the statements
// one by one.
type memSource struct {
	files []memFile
}

type memFile struct {
	name string
	data string
}

func memFiles(name, data string) *memSource {
	return &memSource{files: []memFile{{name: name, data: data}}}
}

var modified = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func (s *memSource) List(ctx context.Context) ([]source.File, error) {
	var out []source.File
	for _, f := range s.files {
		out = append(out, source.File{Name: f.name, Size: int64(len(f.data)), ModTime: modified})
	}
	return out, nil
}

func (s *memSource) Open(ctx context.Context, f source.File) (io.ReadCloser, error) {
	for _, m := range s.files {
		if m.name == f.Name {
			return io.NopCloser(strings.NewReader(m.data)), nil
		}
	}
	return nil, os.ErrNotExist
}
