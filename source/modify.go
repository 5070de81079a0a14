package source

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// ErrNotLocal is returned by [FS.Rename] and [FS.Remove] for an FS that
// was not made by [Dir] or [LocalFile]: an [fs.FS] cannot be written to.
var ErrNotLocal = fmt.Errorf("source: not a local folder: %w", errors.ErrUnsupported)

// local returns the local path of a slash-separated name relative to the
// source's root (which may leave the root with "..", for a folder beside
// it).
func (s *FS) local(name string) (string, error) {
	if s.dir == "" {
		return "", ErrNotLocal
	}
	if path.IsAbs(name) || name == "" {
		return "", fmt.Errorf("source: bad name %q", name)
	}
	root := s.Root
	if st, err := fs.Stat(s.FS, cleanRoot(root)); err == nil && !st.IsDir() {
		root = path.Dir(root) // LocalFile: names are beside the file
	}
	return filepath.Join(s.dir, filepath.FromSlash(path.Join(cleanRoot(root), name))), nil
}

func cleanRoot(root string) string {
	if root == "" {
		return "."
	}
	return root
}

// Rename moves a listed file of a folder made by [Dir] or [LocalFile] to
// name, relative to the source's root (for LocalFile, to the file's
// folder), creating the folders it needs. It refuses to replace an
// existing file. Renaming fails with [ErrNotLocal] for other sources.
func (s *FS) Rename(ctx context.Context, f File, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	from, err := s.local(f.Name)
	if err != nil {
		return err
	}
	if s.isFile() {
		from = filepath.Join(s.dir, filepath.FromSlash(s.Root))
	}
	to, err := s.local(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	if _, err := os.Lstat(to); err == nil {
		return fmt.Errorf("source: rename %s to %s: %w", f.Name, name, fs.ErrExist)
	}
	if err := os.Rename(from, to); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	return nil
}

// Remove deletes a listed file of a folder made by [Dir] or [LocalFile].
// It fails with [ErrNotLocal] for other sources.
func (s *FS) Remove(ctx context.Context, f File) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p, err := s.local(f.Name)
	if err != nil {
		return err
	}
	if s.isFile() && f.Name == path.Base(s.Root) {
		p = filepath.Join(s.dir, filepath.FromSlash(s.Root))
	}
	if err := os.Remove(p); err != nil {
		return fmt.Errorf("source: %w", err)
	}
	return nil
}

// isFile reports whether the root is one file (LocalFile).
func (s *FS) isFile() bool {
	st, err := fs.Stat(s.FS, cleanRoot(s.Root))
	return err == nil && !st.IsDir()
}
