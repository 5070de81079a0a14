package remote

import (
	"context"
	"io"

	"github.com/dumpline/importer/source/remote/internal/sftpwire"
)

// SetSlowList makes s read folders with pkg/sftp's ReadDir only, one
// READDIR round trip at a time, as before the pipelined listing client
// (benchmarks compare both).
func SetSlowList(s *SFTP, slow bool) { s.slowList = slow }

// OwnSFTPSession reports whether s's connection has a working own SFTP
// session (the pipelined listing and streaming client).
func OwnSFTPSession(s *SFTP) bool {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c == nil {
		return false
	}
	p, err := sftpOf(c)
	if err != nil {
		return false
	}
	p.listMu.Lock()
	defer p.listMu.Unlock()
	return p.lister != nil && !p.noLister && !p.lister.Broken()
}

// SetSlowStream makes s stream files (Read, WriteTo) with pkg/sftp's
// File.WriteTo only, as before the own streaming client.
func SetSlowStream(s *SFTP, slow bool) { s.slowStream = slow }

// PipeLister starts the own SFTP listing client on r and w (an
// sftp-server's stdout and stdin; closeFn closes w). list reads a folder
// and returns its number of names; stop ends the client.
func PipeLister(ctx context.Context, r io.Reader, w io.Writer, closeFn func()) (list func(ctx context.Context, dir string) (int, error), stop func(), err error) {
	c, err := sftpwire.New(ctx, r, w, closeFn)
	if err != nil {
		return nil, nil, err
	}
	return func(ctx context.Context, dir string) (int, error) {
		es, err := c.ReadDir(ctx, dir)
		return len(es), err
	}, c.Shutdown, nil
}
