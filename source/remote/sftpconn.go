package remote

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

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
