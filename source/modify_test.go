package source_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/dumpline/importer/source"
)

func TestDirRenameRemove(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, n := range []string{"a.sql", "b.sql", "sub/c.sql", "taken.sql"} {
		p := filepath.Join(dir, n)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(n), 0o644)
	}
	s := source.Dir(dir)
	if err := s.Rename(ctx, source.File{Name: "sub/c.sql"}, "done/sub/c.sql"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "done", "sub", "c.sql")); err != nil || string(b) != "sub/c.sql" {
		t.Errorf("moved file: %q, %v", b, err)
	}
	// Never over an existing file.
	if err := s.Rename(ctx, source.File{Name: "a.sql"}, "taken.sql"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("rename over a file: %v", err)
	}
	// A folder beside the root.
	out := filepath.Base(t.TempDir())
	if err := s.Rename(ctx, source.File{Name: "a.sql"}, "../"+out+"/a.sql"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), out, "a.sql")); err != nil {
		t.Error(err)
	}
	if err := s.Remove(ctx, source.File{Name: "b.sql"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.sql")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removed file: %v", err)
	}
	for _, bad := range []string{"", "/etc/x"} {
		if err := s.Rename(ctx, source.File{Name: "taken.sql"}, bad); err == nil {
			t.Errorf("rename to %q accepted", bad)
		}
	}
}

func TestLocalFileRenameRemove(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	p := filepath.Join(dir, "one.sql")
	os.WriteFile(p, []byte("x"), 0o644)
	s := source.LocalFile(p)
	files, err := s.List(ctx)
	if err != nil || len(files) != 1 {
		t.Fatal(files, err)
	}
	if err := s.Rename(ctx, files[0], "one.sql.imported"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p + ".imported"); err != nil {
		t.Fatal(err)
	}
	s = source.LocalFile(p + ".imported")
	if err := s.Remove(ctx, source.File{Name: "one.sql.imported"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p + ".imported"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("removed file: %v", err)
	}
}

func TestFSOverAnFSCannotModify(t *testing.T) {
	s := &source.FS{FS: fstest.MapFS{"a.sql": {}}}
	if err := s.Remove(context.Background(), source.File{Name: "a.sql"}); !errors.Is(err, source.ErrNotLocal) || !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("Remove: %v", err)
	}
	if err := s.Rename(context.Background(), source.File{Name: "a.sql"}, "b.sql"); !errors.Is(err, source.ErrNotLocal) {
		t.Errorf("Rename: %v", err)
	}
}
