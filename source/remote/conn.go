package remote

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
)

// ErrSFTPUnavailable is wrapped by the error returned when Protocol is
// ProtocolSFTP and the server refuses the sftp subsystem.
var ErrSFTPUnavailable = errors.New("remote: server refused the sftp subsystem")

// sshConn is one SSH connection and the [protocol] it reads files with,
// chosen when it was dialled. Its goroutines (the keepalive loop and the
// watcher of the connection's end) stop when close is called.
type sshConn struct {
	client *ssh.Client
	proto  protocol // set by dial before the connection is shared
	dead   chan struct{}
	stop   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
}

func (c *sshConn) isDead() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

// close closes the connection, waits for its goroutines and closes its
// protocol's sessions. Concurrent calls wait for the first one.
func (c *sshConn) close() {
	c.once.Do(func() {
		close(c.stop)
		c.client.Close()
		c.wg.Wait()
		if c.proto != nil { // nil when dial failed
			c.proto.close()
		}
	})
}

// connect returns the shared connection, dialling a new one when there is
// none or it died.
func (s *SFTP) connect(ctx context.Context) (*sshConn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("remote: SFTP source is closed")
	}
	if s.conn != nil && !s.conn.isDead() {
		return s.conn, nil
	}
	if s.conn != nil {
		s.conn.close()
		s.conn = nil
	}
	c, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	s.conn = c
	return c, nil
}

// drop closes c if it is still the shared connection, so that the next
// connect dials anew.
func (s *SFTP) drop(c *sshConn) {
	if c == nil {
		return
	}
	s.mu.Lock()
	if s.conn == c {
		s.conn = nil
	}
	s.mu.Unlock()
	c.close()
}

func (s *SFTP) addr() string {
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		return net.JoinHostPort(s.Addr, "22")
	}
	return s.Addr
}

// dial opens a new SSH connection and starts the protocol it speaks (see
// pickProtocol).
func (s *SFTP) dial(ctx context.Context) (*sshConn, error) {
	addr := s.addr()
	hk, algos, err := s.hostKeyCheck(addr)
	if err != nil {
		return nil, err
	}
	methods, release, err := s.authMethods()
	defer release()
	if err != nil {
		return nil, err
	}
	cfg := &ssh.ClientConfig{
		User:              s.User,
		Auth:              methods,
		HostKeyCallback:   hk,
		HostKeyAlgorithms: algos,
		Timeout:           cmp.Or(s.DialTimeout, 30*time.Second),
	}
	cfg.Ciphers = s.Ciphers
	if len(cfg.Ciphers) == 0 {
		cfg.Ciphers = DefaultCiphers
	}
	cfg.KeyExchanges = s.KeyExchanges
	cfg.MACs = s.MACs

	d := net.Dialer{Timeout: cfg.Timeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, &netError{fmt.Errorf("remote: dialing %s: %w", addr, err)}
	}
	var tc *timeoutConn
	if t := cmp.Or(s.IOTimeout, time.Minute); t > 0 {
		tc = &timeoutConn{Conn: nc, timeout: t}
		nc = tc
	}

	// The handshake is bounded by the dial timeout and by ctx.
	nc.SetDeadline(time.Now().Add(cfg.Timeout))
	stopAfter := context.AfterFunc(ctx, func() { nc.Close() })
	cc, chans, reqs, err := ssh.NewClientConn(nc, addr, cfg)
	if !stopAfter() {
		if err == nil {
			cc.Close()
		}
		return nil, ctx.Err()
	}
	if err != nil {
		nc.Close()
		if errors.Is(err, ErrUnknownHost) || errors.Is(err, ErrHostKeyMismatch) || errors.Is(err, ErrNoKnownHosts) {
			return nil, fmt.Errorf("remote: SSH handshake with %s: %w", addr, err)
		}
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, io.EOF) {
			return nil, &netError{fmt.Errorf("remote: SSH handshake with %s: %w", addr, err)}
		}
		return nil, fmt.Errorf("remote: SSH handshake with %s: %w", addr, err)
	}
	nc.SetDeadline(time.Time{})
	if tc != nil {
		tc.armed.Store(true)
	}
	c := &sshConn{client: ssh.NewClient(cc, chans, reqs), dead: make(chan struct{}), stop: make(chan struct{})}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		c.client.Wait()
		close(c.dead)
	}()
	if ka := cmp.Or(s.KeepAlive, 15*time.Second); ka > 0 {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			t := time.NewTicker(ka)
			defer t.Stop()
			for {
				select {
				case <-c.stop:
					return
				case <-c.dead:
					return
				case <-t.C:
					// The reply (OpenSSH answers "failure") is traffic that
					// keeps the I/O deadline from firing on an idle connection.
					c.client.SendRequest("keepalive@openssh.com", true, nil)
				}
			}
		}()
	}
	p, err := s.pickProtocol(c)
	if err != nil {
		c.close()
		return nil, err
	}
	c.proto = p
	return c, nil
}

// pickProtocol chooses what c speaks: legacy SCP when Protocol says so, or
// under ProtocolAuto when the server refuses the sftp subsystem; SFTP
// otherwise.
func (s *SFTP) pickProtocol(c *sshConn) (protocol, error) {
	if s.Protocol == ProtocolSCP {
		return &scpConn{c: c}, nil
	}
	p, err := s.startSFTP(c)
	if errors.Is(err, ErrSFTPUnavailable) && s.Protocol == ProtocolAuto {
		return &scpConn{c: c}, nil // fall back to SCP on this connection
	}
	return p, err
}

// openSSHMaxRead is the largest read OpenSSH's sftp-server serves whole
// (SFTP_MAX_MSG_LENGTH - 1024).
const openSSHMaxRead = 256<<10 - 1024

func (s *SFTP) maxPacket() int { return cmp.Or(s.MaxPacket, 32768) }

// concurrency is the number of read requests in flight per file: about
// 8 MiB worth, between 16 and 64, unless Concurrency is set.
func (s *SFTP) concurrency(packet int) int {
	if s.Concurrency > 0 {
		return s.Concurrency
	}
	return max(16, min(64, (8<<20)/packet))
}

// timeoutConn fails a Read or Write that makes no progress for timeout: a
// stalled connection turns into an error that the retry loop can act on.
// The deadline is pushed forward at most every timeout/8, so the hot path
// does not reset timers on every call.
type timeoutConn struct {
	net.Conn
	timeout         time.Duration
	armed           atomic.Bool // set after the handshake
	lastRead, lastW atomic.Int64
}

func (c *timeoutConn) Read(b []byte) (int, error) {
	if !c.armed.Load() {
		return c.Conn.Read(b)
	}
	now := time.Now().UnixNano()
	if now-c.lastRead.Load() > int64(c.timeout/8) {
		c.lastRead.Store(now)
		c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	}
	return c.Conn.Read(b)
}

func (c *timeoutConn) Write(b []byte) (int, error) {
	if !c.armed.Load() {
		return c.Conn.Write(b)
	}
	now := time.Now().UnixNano()
	if now-c.lastW.Load() > int64(c.timeout/8) {
		c.lastW.Store(now)
		c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	}
	return c.Conn.Write(b)
}
