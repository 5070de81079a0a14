// Package state holds [JSON], a store that remembers which files of a
// source were imported, so that an import skips those that did not change
// (it implements importer.State).
package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/dumpline/importer/source"
)

// JSON remembers what was imported in a JSON file, so that unchanged
// files are skipped (it implements importer.State). A file is unchanged when
// a record with the same name has the same size and modification time, and
// the same checksum when both have one.
//
// The file is read on first use and rewritten atomically by every [JSON.Record] (a
// temporary file in the same folder, fsync, rename, fsync of the folder), so
// a crash leaves either the old or the new state. A [JSON] is safe for
// concurrent use; two processes must not share one file.
type JSON struct {
	// Path is the JSON file. It is created by the first Record.
	Path string
	// Source identifies the source the names belong to (for example
	// "sftp://user@host/drop"), so that one file can hold the state of
	// several sources. "" is a valid identity.
	Source string

	mu     sync.Mutex
	loaded bool
	doc    stateDoc
}

type stateDoc struct {
	Version int                             `json:"version"`
	Sources map[string]map[string]stateFile `json:"sources"`
}

type stateFile struct {
	Size     int64     `json:"size"`
	ModTime  time.Time `json:"mtime"`
	Checksum string    `json:"checksum,omitempty"`
	Imported time.Time `json:"imported"`
}

// ErrBadFile is wrapped by errors about a state file that cannot be read.
var ErrBadFile = errors.New("state: bad state file")

func (s *JSON) load() error {
	if s.loaded {
		return nil
	}
	b, err := os.ReadFile(s.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.doc = stateDoc{Version: 1}
	case err != nil:
		return fmt.Errorf("state: reading state: %w", err)
	default:
		if err := json.Unmarshal(b, &s.doc); err != nil {
			return fmt.Errorf("%w %s: %v", ErrBadFile, s.Path, err)
		}
		if s.doc.Version != 1 {
			return fmt.Errorf("%w %s: version %d", ErrBadFile, s.Path, s.doc.Version)
		}
	}
	if s.doc.Sources == nil {
		s.doc.Sources = map[string]map[string]stateFile{}
	}
	s.loaded = true
	return nil
}

// Unchanged reports whether f was recorded before with the same size,
// modification time and (when both are known) checksum.
func (s *JSON) Unchanged(ctx context.Context, f source.File) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return false, err
	}
	old, ok := s.doc.Sources[s.Source][f.Name]
	if !ok || old.Size != f.Size || !old.ModTime.Equal(f.ModTime) {
		return false, nil
	}
	if old.Checksum != "" && f.Checksum != "" && old.Checksum != f.Checksum {
		return false, nil
	}
	return true, nil
}

// Record notes that f was imported and writes the state file.
func (s *JSON) Record(ctx context.Context, f source.File) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(); err != nil {
		return err
	}
	files := s.doc.Sources[s.Source]
	if files == nil {
		files = map[string]stateFile{}
		s.doc.Sources[s.Source] = files
	}
	prev, had := files[f.Name]
	files[f.Name] = stateFile{Size: f.Size, ModTime: f.ModTime.UTC(), Checksum: f.Checksum, Imported: time.Now().UTC()}
	if err := writeAtomic(s.Path, &s.doc); err != nil {
		if had {
			files[f.Name] = prev
		} else {
			delete(files, f.Name)
		}
		return err
	}
	return nil
}

// writeAtomic writes v as JSON to name through a synced temporary file and a
// rename.
func writeAtomic(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "\t")
	if err != nil {
		return fmt.Errorf("state: writing state: %w", err)
	}
	b = append(b, '\n')
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return fmt.Errorf("state: writing state: %w", err)
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("state: writing state: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("state: writing state: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable; errors are ignored as some
// systems cannot sync folders.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
