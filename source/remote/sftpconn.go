package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/sync/errgroup"

	"github.com/pkg/sftp"

	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/remote/internal/sftpwire"
)

// sftpConn reads files over SFTP, with two sessions on the connection:
// pkg/sftp's, for stat and random access (ReadAt), and the own client's
// ([sftpwire.Client]), started on first use, which keeps many READDIR or
// READ requests in flight for listing and streaming. When the server
// refuses that second session or answers in a way the own client does not
// understand, everything goes through pkg/sftp.
type sftpConn struct {
	c      *sshConn
	client *sftp.Client
	// maxPacket is the read size of client.
	maxPacket int

	// The own client, started by the first List or stream; noLister once
	// it was refused, broke, or the connection was closed.
	listMu   sync.Mutex
	lister   *sftpwire.Client
	noLister bool
}

// startSFTP starts pkg/sftp's session on c. A server that refuses the
// subsystem is an error wrapping ErrSFTPUnavailable.
func (s *SFTP) startSFTP(c *sshConn) (*sftpConn, error) {
	sess, err := c.client.NewSession()
	if err != nil {
		return nil, &netError{fmt.Errorf("remote: opening SSH session: %w", err)}
	}
	if err := sess.RequestSubsystem("sftp"); err != nil {
		sess.Close()
		return nil, fmt.Errorf("%w: %v", ErrSFTPUnavailable, err)
	}
	w, err := sess.StdinPipe()
	if err != nil {
		sess.Close()
		return nil, err
	}
	r, err := sess.StdoutPipe()
	if err != nil {
		sess.Close()
		return nil, err
	}
	opts := []sftp.ClientOption{
		sftp.MaxPacketUnchecked(s.maxPacket()),
		sftp.MaxConcurrentRequestsPerFile(s.concurrency(s.maxPacket())),
		sftp.UseConcurrentReads(true),
		sftp.UseFstat(true),
	}
	sc, err := sftp.NewClientPipe(r, w, opts...)
	if err != nil {
		sess.Close()
		return nil, &netError{fmt.Errorf("remote: starting SFTP: %w", err)}
	}
	p := &sftpConn{c: c, client: sc, maxPacket: s.maxPacket()}
	if _, ok := sc.HasExtension("limits@openssh.com"); ok && s.MaxPacket == 0 {
		// OpenSSH's sftp-server (since 8.7) serves reads of up to 261120
		// bytes and says so with this extension; larger packets need far
		// fewer round trips and copies. The client is not in use yet.
		if err := sftp.MaxPacketUnchecked(openSSHMaxRead)(sc); err == nil {
			p.maxPacket = openSSHMaxRead
			sftp.MaxConcurrentRequestsPerFile(s.concurrency(openSSHMaxRead))(sc)
		}
	}
	return p, nil
}

func (p *sftpConn) list(ctx context.Context, s *SFTP, m *source.Matcher) ([]source.File, error) {
	return s.sftpList(ctx, p, m)
}

func (p *sftpConn) findRoot(ctx context.Context, s *SFTP) error {
	root := s.root()
	st, err := p.client.Stat(root)
	if err != nil {
		return fmt.Errorf("remote: stat %s: %w", root, sftpFailure(err))
	}
	s.setRootKind(!st.IsDir())
	return nil
}

func (p *sftpConn) open(ctx context.Context, r *remoteFile) (io.ReadCloser, error) {
	if err := r.open(ctx, p); err != nil {
		return nil, err
	}
	return r, nil
}

func (p *sftpConn) sharesSession() bool { return true }

func (p *sftpConn) isDead() bool { return p.c.isDead() }

func (p *sftpConn) close() {
	p.client.Close()
	p.listMu.Lock()
	l := p.lister
	p.lister, p.noLister = nil, true
	p.listMu.Unlock()
	if l != nil {
		l.Shutdown()
	}
}

// getLister returns the connection's pipelined listing client, opening
// its sftp session on first use, or nil when listing must go through
// pkg/sftp: a server that refuses a second session or the
// subsystem on it, a client that broke (protocol error, closed session),
// a closed connection.
func (p *sftpConn) getLister(ctx context.Context, off bool) *sftpwire.Client {
	if off {
		return nil
	}
	p.listMu.Lock()
	defer p.listMu.Unlock()
	if p.noLister {
		return nil
	}
	if p.lister != nil {
		if !p.lister.Broken() {
			return p.lister
		}
		p.noLister = true // close shuts it down
		return nil
	}
	l, err := p.startLister(ctx)
	if err != nil {
		// A cancelled start may be retried by the next List.
		p.noLister = ctx.Err() == nil
		return nil
	}
	p.lister = l
	return l
}

// disableLister stops using the listing client on this connection, for
// new calls; calls in progress finish, and close shuts it down.
func (p *sftpConn) disableLister() {
	p.listMu.Lock()
	p.noLister = true
	p.listMu.Unlock()
}

func (p *sftpConn) startLister(ctx context.Context) (*sftpwire.Client, error) {
	sess, err := p.c.client.NewSession()
	if err != nil {
		return nil, err
	}
	var once sync.Once
	closeFn := func() { once.Do(func() { sess.Close() }) }
	w, err := sess.StdinPipe()
	if err != nil {
		closeFn()
		return nil, err
	}
	r, err := sess.StdoutPipe()
	if err != nil {
		closeFn()
		return nil, err
	}
	// With TZ unset, glibc's localtime checks /etc/localtime with a stat
	// call each time; OpenSSH's sftp-server calls it for the "ls -l" line
	// of every name it lists (which List ignores): a second system call per
	// name, about 40% of its time on a folder of small files. A server
	// that accepts TZ (AcceptEnv TZ) skips it; one that refuses it ignores
	// it. No reply is asked for: no round trip, and no wait on a server
	// that would not answer.
	sess.SendRequest("env", false, ssh.Marshal(&struct{ Name, Value string }{"TZ", "UTC"}))
	if err := sess.RequestSubsystem("sftp"); err != nil {
		closeFn()
		return nil, err
	}
	return sftpwire.New(ctx, r, w, closeFn)
}

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
