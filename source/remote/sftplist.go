package remote

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/remote/internal/sftpwire"
)

// sftpList lists s's root over SFTP: the root with one STAT and OPENDIR,
// each folder with the own client's pipelined READDIRs (pkg/sftp's ReadDir
// when it is unavailable), sub-folders of a recursive listing on up to 8
// goroutines.
func (s *SFTP) sftpList(ctx context.Context, p *sftpConn, m *source.Matcher) ([]source.File, error) {
	root := s.root()
	st, open, err := s.statRoot(ctx, p, root)
	if err != nil {
		return nil, err
	}
	s.setRootKind(!st.Mode.IsDir())
	if !st.Mode.IsDir() {
		name := path.Base(root)
		if err := checkName(name); err != nil {
			return nil, err
		}
		if !st.Mode.IsRegular() || !m.Match(name) {
			return nil, nil
		}
		return []source.File{{Name: name, Size: st.Size, ModTime: st.ModTime}}, nil
	}
	var (
		mu  sync.Mutex
		out []source.File
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	var walk func(rel string, open *openDir) error
	walk = func(rel string, open *openDir) error {
		if err := gctx.Err(); err != nil {
			if open != nil {
				open.l.CloseHandle(open.handle)
			}
			return err
		}
		dir := path.Join(root, rel)
		entries, err := s.readDir(gctx, p, dir, open)
		if err != nil {
			return err
		}
		files := make([]source.File, 0, len(entries))
		for _, e := range entries {
			name := e.Name
			if err := checkName(name); err != nil {
				return err
			}
			full := name
			if rel != "" {
				full = rel + "/" + name
			}
			if !e.Typed {
				// The server did not say what it is: ask (pkg/sftp takes
				// a missing type for a regular file).
				st, err := p.client.Lstat(path.Join(dir, name))
				if err != nil {
					continue // gone since
				}
				e = entryOf(st)
			}
			if e.Mode&fs.ModeSymlink != 0 {
				st, err := p.client.Stat(path.Join(dir, name))
				if err != nil || st.IsDir() {
					continue // dangling, or a folder (which could loop)
				}
				e = entryOf(st)
			}
			switch {
			case e.Mode.IsDir():
				if s.Recursive {
					if !g.TryGo(func() error { return walk(full, nil) }) {
						if err := walk(full, nil); err != nil {
							return err
						}
					}
				}
			case e.Mode.IsRegular() && m.Match(name):
				files = append(files, source.File{Name: full, Size: e.Size, ModTime: e.ModTime})
			}
		}
		mu.Lock()
		if out == nil {
			out = files
		} else {
			out = append(out, files...)
		}
		mu.Unlock()
		return nil
	}
	g.Go(func() error { return walk("", open) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// openDir is a folder opened by the listing client l.
type openDir struct {
	l      *sftpwire.Client
	handle string
	rtt    time.Duration // of the round trip that opened it
}

// statRoot stats root (following symbolic links) and, when it is a folder,
// opens it in the same round trip, with the connection's listing client;
// with pkg/sftp when the client is unavailable or fails for another reason
// than the server refusing the path (open is then nil).
func (s *SFTP) statRoot(ctx context.Context, p *sftpConn, root string) (sftpwire.Entry, *openDir, error) {
	if l := p.getLister(ctx, s.slowList); l != nil {
		e, handle, rtt, err := l.StatOpenDir(ctx, root)
		var re *sftpwire.StatusError
		switch {
		case err == nil && handle != "":
			return e, &openDir{l, handle, rtt}, nil
		case err == nil:
			return e, nil, nil
		case ctx.Err() != nil:
			return e, nil, err
		case errors.As(err, &re):
			return e, nil, err // pkg/sftp would be refused too
		case errors.Is(err, sftpwire.ErrProtocol):
			p.disableLister()
		}
	}
	st, err := p.client.Stat(root)
	if err != nil {
		return sftpwire.Entry{}, nil, fmt.Errorf("remote: stat %s: %w", root, err)
	}
	return entryOf(st), nil, nil
}

// readDir lists dir (already opened when open is set) with the
// connection's pipelined listing client, or with pkg/sftp when the client
// is unavailable or fails on this folder for another reason than the
// server refusing to open it.
func (s *SFTP) readDir(ctx context.Context, p *sftpConn, dir string, open *openDir) ([]sftpwire.Entry, error) {
	var l *sftpwire.Client
	if open != nil {
		l = open.l
	} else {
		l = p.getLister(ctx, s.slowList)
	}
	if l != nil {
		var entries []sftpwire.Entry
		var err error
		if open != nil {
			entries, err = l.ReadHandle(ctx, dir, open.handle, open.rtt)
		} else {
			entries, err = l.ReadDir(ctx, dir)
		}
		var re *sftpwire.StatusError
		switch {
		case err == nil:
			return entries, nil
		case ctx.Err() != nil:
			return nil, err
		case errors.As(err, &re) && re.Op == "opendir":
			return nil, err // pkg/sftp would be refused too
		case errors.Is(err, sftpwire.ErrProtocol):
			p.disableLister()
		}
	}
	infos, err := p.client.ReadDirContext(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("remote: reading folder %s: %w", dir, err)
	}
	entries := make([]sftpwire.Entry, len(infos))
	for i, fi := range infos {
		entries[i] = entryOf(fi)
		entries[i].Name = fi.Name()
	}
	return entries, nil
}

// entryOf converts pkg/sftp's attributes (without the name).
func entryOf(fi fs.FileInfo) sftpwire.Entry {
	return sftpwire.Entry{Size: fi.Size(), ModTime: fi.ModTime(), Mode: fi.Mode(), Typed: true}
}
