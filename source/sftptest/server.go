// Package sftptest runs an in-process SSH server that serves a local folder
// over SFTP and legacy SCP ("scp -f", source mode only), for the tests of
// programs that use remote.SFTP — like net/http/httptest does for HTTP.
//
//	srv := sftptest.NewServer(t, "testdata/drop")
//	src := srv.Source("/")           // a *remote.SFTP ready to use
//	defer src.Close()
//	files, err := src.List(ctx)
//
// The server listens on 127.0.0.1 only, on a free port. It is read-only: it
// serves the files of its folder and nothing else (paths are resolved with
// os.Root, so neither ".." nor symbolic links lead outside it; "/" is the
// folder itself). Options make it misbehave on purpose: refuse the sftp
// subsystem, cut every connection after a number of bytes, or cap the SFTP
// packet size.
//
// Each connection runs a few goroutines; Close closes the listener and every
// connection and returns when all of them have exited.
package sftptest

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/dumpline/importer/source/remote"
)

// Server is a running test SSH server. Its exported fields are set by New
// and must not be changed.
type Server struct {
	// Addr is the listening address, "127.0.0.1:port".
	Addr string
	// Dir is the served folder.
	Dir string
	// User and Password are accepted by "password" and
	// "keyboard-interactive" authentication.
	User, Password string
	// HostKey is the server's host key.
	HostKey ssh.Signer
	// ClientKey is a private key accepted by "publickey" authentication;
	// ClientKeyPEM holds it in OpenSSH format for tests of key files.
	ClientKey    ssh.Signer
	ClientKeyPEM []byte

	opts   options
	ln     net.Listener
	cfg    *ssh.ServerConfig
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	sent   atomic.Int64
	nconns int // connections accepted
}

type options struct {
	noSFTP, noSCP bool
	cutAfter      int64
	cutConns      int
	maxPacket     uint32
	user, pass    string
	noPassword    bool
	hostKey       ssh.Signer
	writable      bool
}

// Option configures a Server.
type Option func(*options)

// WithoutSFTP makes the server refuse the sftp subsystem, like a Dropbear
// server without sftp-server, so clients must fall back to SCP.
func WithoutSFTP() Option { return func(o *options) { o.noSFTP = true } }

// WithoutSCP makes the server refuse every exec request (scp included).
func WithoutSCP() Option { return func(o *options) { o.noSCP = true } }

// CutAfter closes each of the first conns connections (every connection
// when conns <= 0) once the server has sent n bytes on it (handshake
// included), to test resuming. A client that can only restart a transfer
// from the start (SCP) needs conns > 0 to ever finish a file larger than n.
func CutAfter(n int64, conns int) Option {
	return func(o *options) { o.cutAfter, o.cutConns = n, conns }
}

// MaxPacket caps the data the SFTP server returns for one read request (at
// least 32768). The default is 261120, what OpenSSH serves; a client asking
// for more gets short replies (see pkg/sftp issue #658).
func MaxPacket(n uint32) Option { return func(o *options) { o.maxPacket = n } }

// WithUser sets the user name and password (default "test" and
// "test-password").
func WithUser(user, password string) Option {
	return func(o *options) { o.user, o.pass = user, password }
}

// WithoutPasswordAuth turns off "password" authentication, so clients
// with a password must answer "keyboard-interactive" instead.
func WithoutPasswordAuth() Option { return func(o *options) { o.noPassword = true } }

// Writable lets clients rename and remove files and make folders over
// SFTP (the served folder is read-only by default). Nothing else is
// writable; SCP stays read-only.
func Writable() Option { return func(o *options) { o.writable = true } }

// WithHostKey sets the host key instead of a fresh ed25519 key.
func WithHostKey(k ssh.Signer) Option { return func(o *options) { o.hostKey = k } }

// NewServer starts a server for dir and closes it when the test ends. It
// fails the test if the server cannot start.
func NewServer(t testing.TB, dir string, opts ...Option) *Server {
	t.Helper()
	s, err := New(dir, opts...)
	if err != nil {
		t.Fatalf("sftptest: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// New starts a server for dir on a free loopback port. Call Close to stop
// it.
func New(dir string, opts ...Option) (*Server, error) {
	o := options{user: "test", pass: "test-password", maxPacket: 261120}
	for _, opt := range opts {
		opt(&o)
	}
	if o.maxPacket < 32768 {
		return nil, errors.New("sftptest: MaxPacket must be at least 32768")
	}
	if o.hostKey == nil {
		k, err := newKey()
		if err != nil {
			return nil, err
		}
		o.hostKey = k
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	ck, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, err
	}
	block, err := ssh.MarshalPrivateKey(priv, "sftptest client key")
	if err != nil {
		return nil, err
	}
	s := &Server{
		Dir: dir, User: o.user, Password: o.pass, HostKey: o.hostKey,
		ClientKey: ck, ClientKeyPEM: pemEncode(block),
		opts: o, conns: map[net.Conn]struct{}{},
	}
	s.cfg = &ssh.ServerConfig{
		PasswordCallback: func(c ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
			if c.User() == s.User && string(pw) == s.Password {
				return nil, nil
			}
			return nil, errors.New("sftptest: wrong user or password")
		},
		PublicKeyCallback: func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if c.User() == s.User && string(key.Marshal()) == string(s.ClientKey.PublicKey().Marshal()) {
				return nil, nil
			}
			return nil, errors.New("sftptest: unknown key")
		},
		KeyboardInteractiveCallback: func(c ssh.ConnMetadata, ask ssh.KeyboardInteractiveChallenge) (*ssh.Permissions, error) {
			ans, err := ask(c.User(), "", []string{"Password: "}, []bool{false})
			if err != nil {
				return nil, err
			}
			if c.User() == s.User && len(ans) == 1 && ans[0] == s.Password {
				return nil, nil
			}
			return nil, errors.New("sftptest: wrong user or password")
		},
	}
	if o.noPassword {
		s.cfg.PasswordCallback = nil
	}
	s.cfg.AddHostKey(o.hostKey)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sftptest: %w", err)
	}
	s.ln = ln
	s.Addr = ln.Addr().String()
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

func newKey() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return ssh.NewSignerFromKey(priv)
}

// Close stops the server: it closes the listener and every connection, and
// waits for all the server's goroutines to exit.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// CloseConnections closes every open connection but keeps listening, as a
// restarted server would.
func (s *Server) CloseConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// HostKeyCallback accepts exactly the server's host key.
func (s *Server) HostKeyCallback() ssh.HostKeyCallback {
	return ssh.FixedHostKey(s.HostKey.PublicKey())
}

// KnownHostsLine is the server's line for a known_hosts file, with a
// trailing newline.
func (s *Server) KnownHostsLine() string {
	return knownhosts.Line([]string{s.Addr}, s.HostKey.PublicKey()) + "\n"
}

// Fingerprint is the SHA256 fingerprint of the host key ("SHA256:...").
func (s *Server) Fingerprint() string { return ssh.FingerprintSHA256(s.HostKey.PublicKey()) }

// Connections is the number of connections the server has accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nconns
}

// BytesSent is the number of bytes the server has sent on all connections.
func (s *Server) BytesSent() int64 { return s.sent.Load() }

// Source returns a source for path on the server ("/" or "" is the whole
// folder), authenticated by password and checking the host key.
func (s *Server) Source(path string) *remote.SFTP {
	return &remote.SFTP{
		Addr: s.Addr, User: s.User, Password: s.Password, Path: path,
		HostKeyCallback: s.HostKeyCallback(),
	}
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.nconns++
		if s.opts.cutAfter > 0 && (s.opts.cutConns <= 0 || s.nconns <= s.opts.cutConns) {
			nc = &cutConn{Conn: nc, left: s.opts.cutAfter}
		}
		nc = &countConn{Conn: nc, n: &s.sent}
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.conns[nc] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, nc)
				s.mu.Unlock()
				nc.Close()
			}()
			s.serveConn(nc)
		}()
	}
}

func (s *Server) serveConn(nc net.Conn) {
	sc, chans, reqs, err := ssh.NewServerConn(nc, s.cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		ssh.DiscardRequests(reqs)
	}()
	for nch := range chans {
		if nch.ChannelType() != "session" {
			nch.Reject(ssh.UnknownChannelType, "only sessions")
			continue
		}
		ch, creqs, err := nch.Accept()
		if err != nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.session(ch, creqs)
		}()
	}
}

// session serves one session channel: the sftp subsystem or one exec.
func (s *Server) session(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	for req := range reqs {
		switch req.Type {
		case "subsystem":
			var p struct{ Name string }
			if ssh.Unmarshal(req.Payload, &p) != nil || p.Name != "sftp" || s.opts.noSFTP {
				req.Reply(false, nil)
				continue
			}
			req.Reply(true, nil)
			done := make(chan struct{})
			go func() { // drain later requests so the channel never blocks
				defer close(done)
				for r := range reqs {
					r.Reply(false, nil)
				}
			}()
			rs := sftp.NewRequestServer(ch, handlers(s.Dir, s.opts.writable), sftp.WithRSMaxTxPacket(s.opts.maxPacket))
			rs.Serve()
			rs.Close()
			ch.Close()
			<-done
			return
		case "exec":
			var p struct{ Command string }
			if ssh.Unmarshal(req.Payload, &p) != nil || s.opts.noSCP {
				req.Reply(false, nil)
				continue
			}
			req.Reply(true, nil)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for r := range reqs {
					r.Reply(false, nil)
				}
			}()
			code := s.exec(ch, p.Command)
			ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{code}))
			ch.Close()
			<-done
			return
		default:
			req.Reply(false, nil)
		}
	}
}

// countConn counts the bytes the server sends.
type countConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.n.Add(int64(n))
	return n, err
}

// cutConn closes the connection after it has sent its byte budget.
type cutConn struct {
	net.Conn
	mu   sync.Mutex
	left int64
}

func (c *cutConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if int64(len(b)) <= c.left {
		n, err := c.Conn.Write(b)
		c.left -= int64(n)
		return n, err
	}
	n, _ := c.Conn.Write(b[:c.left])
	c.left = 0
	c.Conn.Close()
	return n, net.ErrClosed
}
