package source

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// DefaultCiphers are the ciphers SFTP offers when SFTP.Ciphers is empty,
// fastest first on machines with AES instructions.
var DefaultCiphers = []string{
	ssh.CipherAES128GCM, ssh.CipherAES256GCM, ssh.CipherChaCha20Poly1305,
	ssh.CipherAES128CTR, ssh.CipherAES192CTR, ssh.CipherAES256CTR,
}

// ErrSFTPUnavailable is wrapped by the error returned when Protocol is
// ProtocolSFTP and the server refuses the sftp subsystem.
var ErrSFTPUnavailable = errors.New("source: server refused the sftp subsystem")

// sshConn is one SSH connection with its SFTP client (nil in SCP mode).
// Its goroutines (the keepalive loop and the watcher of the connection's
// end) stop when close is called.
type sshConn struct {
	client *ssh.Client
	sftp   *sftp.Client // nil when the connection speaks SCP
	// maxPacket is the SFTP read size of sftp.
	maxPacket int
	dead      chan struct{}
	stop      chan struct{}
	wg        sync.WaitGroup
	once      sync.Once

	// The pipelined listing client (see sftp_list.go) on its own session,
	// started by the first List; noLister once it was refused, broke, or
	// the connection was closed.
	listMu   sync.Mutex
	lister   *listClient
	noLister bool
}

func (c *sshConn) isDead() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

func (c *sshConn) close() {
	c.once.Do(func() {
		close(c.stop)
		if c.sftp != nil {
			c.sftp.Close()
		}
		c.client.Close()
	})
	c.wg.Wait()
	c.listMu.Lock()
	l := c.lister
	c.lister, c.noLister = nil, true
	c.listMu.Unlock()
	if l != nil {
		l.shutdown()
	}
}

// getLister returns the connection's pipelined listing client, opening
// its sftp session on first use, or nil when listing must go through
// pkg/sftp: SCP mode, a server that refuses a second session or the
// subsystem on it, a client that broke (protocol error, closed session),
// a closed connection.
func (c *sshConn) getLister(ctx context.Context, off bool) *listClient {
	if off {
		return nil
	}
	c.listMu.Lock()
	defer c.listMu.Unlock()
	if c.noLister || c.sftp == nil {
		return nil
	}
	if c.lister != nil {
		if !c.lister.broken() {
			return c.lister
		}
		c.noLister = true // close shuts it down
		return nil
	}
	l, err := c.startLister(ctx)
	if err != nil {
		// A cancelled start may be retried by the next List.
		c.noLister = ctx.Err() == nil
		return nil
	}
	c.lister = l
	return l
}

// disableLister stops using the listing client on this connection, for
// new calls; calls in progress finish, and close shuts it down.
func (c *sshConn) disableLister() {
	c.listMu.Lock()
	c.noLister = true
	c.listMu.Unlock()
}

func (c *sshConn) startLister(ctx context.Context) (*listClient, error) {
	sess, err := c.client.NewSession()
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
	return newListClient(ctx, r, w, closeFn)
}

// authMethods returns the configured authentication methods and a function
// releasing what they hold (the agent connection).
func (s *SFTP) authMethods() ([]ssh.AuthMethod, func(), error) {
	var methods []ssh.AuthMethod
	release := func() {}
	var signers []ssh.Signer
	signers = append(signers, s.Signers...)
	for _, name := range s.KeyFiles {
		pem, err := os.ReadFile(name)
		if err != nil {
			return nil, release, fmt.Errorf("source: reading SSH key: %w", err)
		}
		signer, err := ssh.ParsePrivateKey(pem)
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			if s.Passphrase == "" {
				return nil, release, fmt.Errorf("source: SSH key %s is encrypted and no Passphrase is set", name)
			}
			signer, err = ssh.ParsePrivateKeyWithPassphrase(pem, []byte(s.Passphrase))
			if err != nil {
				// The parser's error never contains the passphrase.
				return nil, release, fmt.Errorf("source: decrypting SSH key %s: %w", name, err)
			}
		} else if err != nil {
			return nil, release, fmt.Errorf("source: parsing SSH key %s: %w", name, err)
		}
		signers = append(signers, signer)
	}
	var agentSigners func() ([]ssh.Signer, error)
	if s.UseAgent {
		sock := os.Getenv("SSH_AUTH_SOCK")
		if sock == "" {
			return nil, release, errors.New("source: UseAgent is set but SSH_AUTH_SOCK is empty")
		}
		conn, err := net.Dial("unix", sock)
		if err != nil {
			return nil, release, fmt.Errorf("source: connecting to ssh-agent: %w", err)
		}
		release = func() { conn.Close() }
		agentSigners = agent.NewClient(conn).Signers
	}
	if len(signers) > 0 || agentSigners != nil {
		methods = append(methods, ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
			out := signers
			if agentSigners != nil {
				as, err := agentSigners()
				if err != nil {
					return nil, err
				}
				out = append(out[:len(out):len(out)], as...)
			}
			return out, nil
		}))
	}
	if s.Password != "" {
		pw := s.Password
		methods = append(methods, ssh.Password(pw),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = pw
				}
				return answers, nil
			}))
	}
	if len(methods) == 0 {
		return nil, release, errors.New("source: no SSH authentication configured (Password, KeyFiles, Signers or UseAgent)")
	}
	return methods, release, nil
}

func (s *SFTP) addr() string {
	if _, _, err := net.SplitHostPort(s.Addr); err != nil {
		return net.JoinHostPort(s.Addr, "22")
	}
	return s.Addr
}

// dial opens a new SSH connection and, unless Protocol is ProtocolSCP, its
// SFTP session.
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
		return nil, &netError{fmt.Errorf("source: dialing %s: %w", addr, err)}
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
			return nil, fmt.Errorf("source: SSH handshake with %s: %w", addr, err)
		}
		var ne net.Error
		if errors.As(err, &ne) || errors.Is(err, io.EOF) {
			return nil, &netError{fmt.Errorf("source: SSH handshake with %s: %w", addr, err)}
		}
		return nil, fmt.Errorf("source: SSH handshake with %s: %w", addr, err)
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
	if s.Protocol == ProtocolSCP {
		return c, nil
	}
	sess, err := c.client.NewSession()
	if err != nil {
		c.close()
		return nil, &netError{fmt.Errorf("source: opening SSH session: %w", err)}
	}
	if err := sess.RequestSubsystem("sftp"); err != nil {
		sess.Close()
		if s.Protocol == ProtocolSFTP {
			c.close()
			return nil, fmt.Errorf("%w: %v", ErrSFTPUnavailable, err)
		}
		return c, nil // Auto: fall back to SCP on this connection.
	}
	w, err := sess.StdinPipe()
	if err != nil {
		sess.Close()
		c.close()
		return nil, err
	}
	r, err := sess.StdoutPipe()
	if err != nil {
		sess.Close()
		c.close()
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
		c.close()
		return nil, &netError{fmt.Errorf("source: starting SFTP: %w", err)}
	}
	c.sftp, c.maxPacket = sc, s.maxPacket()
	if _, ok := sc.HasExtension("limits@openssh.com"); ok && s.MaxPacket == 0 {
		// OpenSSH's sftp-server (since 8.7) serves reads of up to 261120
		// bytes and says so with this extension; larger packets need far
		// fewer round trips and copies. The client is not in use yet.
		if err := sftp.MaxPacketUnchecked(openSSHMaxRead)(sc); err == nil {
			c.maxPacket = openSSHMaxRead
			sftp.MaxConcurrentRequestsPerFile(s.concurrency(openSSHMaxRead))(sc)
		}
	}
	return c, nil
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

// netError marks a failure of the network or the server's process that a
// new connection may cure.
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

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
