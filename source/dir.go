package source

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// FS is a source over an [fs.FS]: a folder (see [Dir]), an [embed.FS], an
// [archive/zip.Reader]. The files are listed in lexical order, those of
// sub-folders only when Recursive is set.
type FS struct {
	// FS holds the files.
	FS fs.FS
	// Root is the folder within FS to list ("" or "." for all of it).
	Root string
	// Recursive lists sub-folders too. A single file given to [LocalFile]
	// is never affected.
	Recursive bool

	dir string // the local folder of Dir and LocalFile, for Rename and Remove
}

// Dir returns a source over the local folder dir, listing it recursively.
// Files opened from it are *os.File, so archives are read in place.
func Dir(dir string) *FS {
	return &FS{FS: os.DirFS(dir), Recursive: true, dir: dir}
}

// LocalFile returns a source of exactly one local file: List returns it
// alone, under its base name.
func LocalFile(name string) *FS {
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	return &FS{FS: os.DirFS(dir), Root: base, dir: dir}
}

// List returns the regular files under Root (Root itself when it is a file).
func (s *FS) List(ctx context.Context) ([]File, error) {
	root := s.Root
	if root == "" {
		root = "."
	}
	st, err := fs.Stat(s.FS, root)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	if !st.IsDir() {
		return []File{fileOf(path.Base(root), st)}, nil
	}
	var out []File
	err = fs.WalkDir(s.FS, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && !s.Recursive {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel := p
		if root != "." {
			rel = p[len(root)+1:]
		}
		out = append(out, fileOf(rel, info))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	return out, nil
}

func fileOf(name string, info fs.FileInfo) File {
	return File{Name: name, Size: info.Size(), ModTime: info.ModTime()}
}

// Open opens a listed file. For a source made by Dir or LocalFile the reader is
// an *os.File, which also implements io.ReaderAt.
func (s *FS) Open(ctx context.Context, f File) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name := f.Name
	if root := s.Root; root != "" && root != "." {
		if st, err := fs.Stat(s.FS, root); err == nil && !st.IsDir() {
			name = root
		} else {
			name = path.Join(root, f.Name)
		}
	}
	file, err := s.FS.Open(name)
	if err != nil {
		return nil, fmt.Errorf("source: %w", err)
	}
	return file, nil
}
