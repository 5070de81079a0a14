package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/dumpline/importer/source"
)

// Opener opens listed files; every source (and importer.Source) is one,
// local ones too.
type Opener interface {
	Open(ctx context.Context, f source.File) (io.ReadCloser, error)
}

// resumer is implemented by readers that can start after a prefix already
// on disk: the SFTP reader asks for the rest at that offset, the SCP reader
// skips it in the stream. prefix holds the bytes (to hash them).
type resumer interface {
	resumeAt(off int64, prefix io.Reader) error
}

// Fetch downloads f from src into the folder dir as dir/f.Name (creating
// the sub-folders of a recursive listing) and returns the file's path.
//
// The data goes to NAME.partial first. If a NAME.partial with f's
// modification time is already there (an interrupted Fetch of the same
// version), the download continues after its bytes when src can (SFTP
// resumes at the offset, SCP skips the bytes in the stream), otherwise it
// starts over. The file is renamed to NAME only when complete and verified:
// its size matches the size of the remote file, the checksum matches
// [source.File].Checksum when set, and it was fsynced. Its modification time is set
// to f.ModTime. File names are checked: a name from the server can never
// write outside dir (ErrBadName).
func Fetch(ctx context.Context, src Opener, f source.File, dir string) (string, error) {
	if err := checkRel(f.Name); err != nil {
		return "", err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", fmt.Errorf("remote: fetch: %w", err)
	}
	defer root.Close()
	if d := path.Dir(f.Name); d != "." {
		if err := root.MkdirAll(d, 0o755); err != nil {
			return "", fmt.Errorf("remote: fetch: %w", err)
		}
	}
	final := f.Name
	partial := f.Name + ".partial"

	rc, err := src.Open(ctx, f)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	size := f.Size
	if sz, ok := rc.(interface{ Size() int64 }); ok {
		size = sz.Size()
	}

	var off int64
	out, err := root.OpenFile(partial, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", fmt.Errorf("remote: fetch: %w", err)
	}
	defer func() {
		if out != nil {
			out.Close()
		}
	}()
	st, err := out.Stat()
	if err != nil {
		return "", fmt.Errorf("remote: fetch: %w", err)
	}
	rs, canResume := rc.(resumer)
	if st.Size() > 0 && canResume && !f.ModTime.IsZero() && st.ModTime().Equal(f.ModTime) &&
		(size < 0 || st.Size() <= size) {
		if err := rs.resumeAt(st.Size(), io.NewSectionReader(out, 0, st.Size())); err != nil {
			return "", err
		}
		off = st.Size()
	}
	if err := out.Truncate(off); err != nil {
		return "", fmt.Errorf("remote: fetch: %w", err)
	}
	if _, err := out.Seek(off, io.SeekStart); err != nil {
		return "", fmt.Errorf("remote: fetch: %w", err)
	}
	n, err := io.Copy(out, rc)
	// Mark the partial file as this version, so a later Fetch may resume.
	mtime := f.ModTime
	if mtime.IsZero() {
		mtime = time.Unix(0, 0)
	}
	if err != nil {
		out.Sync()
		root.Chtimes(partial, mtime, mtime)
		return "", fmt.Errorf("remote: fetch %s: %w", f.Name, err)
	}
	if got := off + n; size >= 0 && got != size {
		root.Chtimes(partial, mtime, mtime)
		return "", fmt.Errorf("%w: %s: got %d of %d bytes", ErrShortRead, f.Name, got, size)
	}
	if err := out.Sync(); err != nil {
		return "", fmt.Errorf("remote: fetch: %w", err)
	}
	if err := out.Close(); err != nil {
		out = nil
		return "", fmt.Errorf("remote: fetch: %w", err)
	}
	out = nil
	if err := root.Chtimes(partial, mtime, mtime); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("remote: fetch: %w", err)
	}
	if err := root.Rename(partial, final); err != nil {
		return "", fmt.Errorf("remote: fetch: %w", err)
	}
	syncDir(filepath.Join(dir, filepath.FromSlash(path.Dir(f.Name))))
	return filepath.Join(dir, filepath.FromSlash(final)), nil
}

// resumeAt makes the stream start at off, after a prefix the caller has.
func (r *remoteFile) resumeAt(off int64, prefix io.Reader) error {
	if r.off != 0 || r.ra != nil {
		return errors.New("remote: resume after reading")
	}
	if r.size >= 0 && off > r.size {
		return fmt.Errorf("%w: resume at %d past the size %d", ErrChanged, off, r.size)
	}
	if r.hash != nil {
		if _, err := io.CopyN(r.hash, prefix, off); err != nil {
			return fmt.Errorf("remote: hashing the partial file: %w", err)
		}
	}
	r.off = off
	return nil
}

func (sr *scpReader) resumeAt(off int64, prefix io.Reader) error {
	return sr.r.resumeAt(off, prefix)
}

// Size returns the file's size (-1 when unknown before the transfer starts).
func (sr *scpReader) Size() int64 { return sr.r.size }

// syncDir fsyncs a folder, so that a rename in it survives a crash.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
