package remote

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/dumpline/importer/source"
)

// ErrSCPReadOnly is returned by [SFTP.Rename] and [SFTP.Remove] on a
// connection that speaks legacy SCP: SCP can only copy, and renaming or
// deleting there would mean running a shell command built from file names,
// which this package never does.
var ErrSCPReadOnly = errors.New("remote: the server speaks only SCP, which cannot rename or delete files (no shell command is run)")

// Rename moves a listed file to name, a slash-separated path relative to
// the source's root (to the folder of Path when Path is a file; ".." may
// lead out of it), creating the folders it needs, with SFTP's RENAME
// request, which does not replace an existing file on OpenSSH's server. It
// is not retried: a rename whose reply was lost may have happened. Over
// SCP it fails with [ErrSCPReadOnly].
func (s *SFTP) Rename(ctx context.Context, f source.File, name string) error {
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	from, err := s.remotePath(ctx, c, f)
	if err != nil {
		return err
	}
	clean := path.Clean(name)
	if name == "" || path.IsAbs(clean) || clean == "." || strings.ContainsFunc(clean, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return fmt.Errorf("remote: rename %s: bad name %q", f.Name, name)
	}
	root := s.root()
	if s.getRootKind() == 1 {
		root = path.Dir(root)
	}
	return c.proto.rename(ctx, from, path.Join(root, clean))
}

// Remove deletes a listed file with SFTP's REMOVE request. Over SCP it
// fails with [ErrSCPReadOnly].
func (s *SFTP) Remove(ctx context.Context, f source.File) error {
	c, err := s.connect(ctx)
	if err != nil {
		return err
	}
	p, err := s.remotePath(ctx, c, f)
	if err != nil {
		return err
	}
	return c.proto.remove(ctx, p)
}

func (p *sftpConn) rename(ctx context.Context, from, to string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if dir := path.Dir(to); dir != "." && dir != "/" {
		if _, err := p.client.Stat(dir); errors.Is(err, os.ErrNotExist) {
			if err := p.client.MkdirAll(dir); err != nil {
				return fmt.Errorf("remote: mkdir %s: %w", dir, err)
			}
		}
	}
	if err := p.client.Rename(from, to); err != nil {
		return fmt.Errorf("remote: rename %s to %s: %w", from, to, err)
	}
	return nil
}

func (p *sftpConn) remove(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := p.client.Remove(name); err != nil {
		return fmt.Errorf("remote: remove %s: %w", name, err)
	}
	return nil
}

func (p *scpConn) rename(context.Context, string, string) error { return ErrSCPReadOnly }
func (p *scpConn) remove(context.Context, string) error         { return ErrSCPReadOnly }
