package source

import (
	"context"
	"io"
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
	c.listMu.Lock()
	defer c.listMu.Unlock()
	return c.lister != nil && !c.noLister && !c.lister.broken()
}

// SetSlowStream makes s stream files (Read, WriteTo) with pkg/sftp's
// File.WriteTo only, as before the own streaming client.
func SetSlowStream(s *SFTP, slow bool) { s.slowStream = slow }

// PipeLister starts the own SFTP listing client on r and w (an
// sftp-server's stdout and stdin; closeFn closes w). list reads a folder
// and returns its number of names; stop ends the client.
func PipeLister(ctx context.Context, r io.Reader, w io.Writer, closeFn func()) (list func(ctx context.Context, dir string) (int, error), stop func(), err error) {
	c, err := newListClient(ctx, r, w, closeFn)
	if err != nil {
		return nil, nil, err
	}
	return func(ctx context.Context, dir string) (int, error) {
		es, err := c.readDir(ctx, dir)
		return len(es), err
	}, c.shutdown, nil
}
