package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/dumpline/importer/source"
	"github.com/dumpline/importer/source/remote/internal/sftpwire"
)

// Download errors.
var (
	// ErrShortRead means the server delivered fewer bytes than the file's
	// size without reporting an error: the file was truncated while it was
	// read, or the server misbehaves. (pkg/sftp's silent short read, issue
	// #658, is detected before it corrupts anything: when the server serves
	// less than MaxPacket per request, the stream goes on with requests of
	// the size it serves.)
	ErrShortRead = sftpwire.ErrShortRead
	// ErrChanged means the remote file changed while it was being read (it
	// grew past the size it had when it was opened).
	ErrChanged = sftpwire.ErrChanged
	// ErrChecksum means the content does not match [source.File].Checksum.
	ErrChecksum = errors.New("remote: checksum mismatch")
	// ErrBadName is wrapped by the error returned when the server sends a
	// file name that is unsafe to use on the local disk: empty, ".", "..",
	// or containing '/', NUL or another control character (or '\\' on
	// Windows).
	ErrBadName = errors.New("remote: unsafe file name from server")
)

// StatusError is an SFTP server's refusal (a STATUS reply other than OK or
// EOF) of a request on a path, returned by List and by readers. Its fields
// are Op (the SFTP request: "opendir", "readdir", "open", "fstat" or
// "read"), Path (the remote path), Code (the SSH_FX_* status code) and
// Message (the server's explanation, possibly empty). errors.Is(err,
// fs.ErrNotExist) and errors.Is(err, fs.ErrPermission) hold for the
// matching codes.
type StatusError = sftpwire.StatusError

// Protocol selects how SFTP talks to the server.
type Protocol int

const (
	// ProtocolAuto uses SFTP, and legacy SCP when the server refuses the
	// sftp subsystem.
	ProtocolAuto Protocol = iota
	// ProtocolSFTP uses SFTP only; a refused subsystem is an error wrapping
	// [ErrSFTPUnavailable].
	ProtocolSFTP
	// ProtocolSCP uses legacy SCP ("scp -f" run by the remote shell) only.
	// See [SFTP] for what it cannot do.
	ProtocolSCP
)

// SFTP is a source over an SSH server: a remote folder (or one file) read
// over SFTP, or over legacy SCP for servers without the sftp subsystem
// (Dropbear without sftp-server, restricted bastions). Fill the fields and
// use it as an importer.Source; the zero value of every optional field is a
// documented default. Fields must not change after the first call.
//
// One SSH connection, dialled on first use, is shared by all concurrent
// List and Open calls; a connection that drops or stalls (no traffic for
// IOTimeout) is replaced with backoff, and downloads continue from the last
// byte received. Close releases the connection.
//
// Host keys are always checked: by HostKeyCallback, by a pinned
// HostKeyFingerprint, or against KnownHosts files. A missing known_hosts file
// is an error ([ErrNoKnownHosts]) unless TrustOnFirstUse is set, in which case
// an unknown host's key is appended to the first KnownHosts file and every
// later connection is checked against it.
//
// Readers returned by Open count the bytes they deliver and fail with
// [ErrShortRead] when the server sent fewer bytes than the size the file had
// when it was opened (the guard against pkg/sftp issue #658), and with
// [ErrChecksum] when [source.File].Checksum is set and the content does not
// match it. Over SFTP the reader also implements [io.ReaderAt], so the ZIP
// extractor reads archives in place.
//
// Over SFTP the connection has two sessions: pkg/sftp's, for stat and
// random access (ReadAt), and the package's own small SFTP client, opened
// by the first List or stream, which keeps many READDIR or READ requests
// in flight and reads the replies into reused buffers (see List and
// Open). When the server refuses the second session or answers in a way
// the own client does not understand, everything goes through pkg/sftp.
//
// The goroutines, memory and allocations of a connection and of a reader
// are listed in the README's architecture section.
//
// SCP-only mode (ProtocolSCP, or ProtocolAuto against a server that refuses
// the sftp subsystem) is more limited, as the protocol only streams whole
// files:
//
//   - listing runs "scp -r -p -f" on the remote shell and rejects every file
//     as it is offered, so names, sizes and mtimes are known without
//     downloading, but each file costs a round trip and files that scp will
//     not send (sockets, unreadable files) are not listed;
//   - there is no stat of a single file without starting its download, no
//     checksum extension and no random access: readers do not implement
//     [io.ReaderAt], so a ZIP archive must be spooled to disk (see [Fetch]);
//   - resuming restarts the transfer and discards the bytes already
//     received, as scp cannot start at an offset;
//   - the remote account needs a shell that runs scp (paths are single-quoted
//     for a POSIX shell; every name the server sends is checked before use).
type SFTP struct {
	// Addr is the server's host:port; the port defaults to 22.
	Addr string
	// User is the SSH user name.
	User string
	// Path is the remote folder (or single file) to list. Relative paths are
	// relative to the login folder; "" is the login folder itself.
	Path string
	// Recursive lists sub-folders too; names are then slash-separated paths
	// relative to Path.
	Recursive bool
	// Patterns, when not empty, restricts List to file names matching one of
	// the shell globs (see [source.NewMatcher]). Pipeline.Patterns filters
	// again.
	Patterns []string

	// Password authenticates with "password" and answers every
	// "keyboard-interactive" question. It never appears in errors.
	Password string
	// KeyFiles are private key files (OpenSSH, PEM or PKCS#8) offered for
	// "publickey" authentication; encrypted ones are opened with Passphrase.
	KeyFiles []string
	// Passphrase decrypts encrypted KeyFiles.
	Passphrase string
	// Signers are offered for "publickey" authentication after KeyFiles.
	Signers []ssh.Signer
	// UseAgent offers the keys of the ssh-agent at $SSH_AUTH_SOCK.
	UseAgent bool

	// HostKeyCallback, if set, checks the server's host key and overrides
	// the fields below (sftptest.Server provides one).
	HostKeyCallback ssh.HostKeyCallback
	// HostKeyFingerprint pins the server's host key by its SHA256
	// fingerprint as ssh-keygen -l prints it ("SHA256:...").
	HostKeyFingerprint string
	// KnownHosts are the known_hosts files to check host keys against.
	// Empty means ~/.ssh/known_hosts.
	KnownHosts []string
	// TrustOnFirstUse accepts the key of a host that has none recorded and
	// appends it to KnownHosts[0]. A host whose key differs from a recorded
	// one is still refused.
	TrustOnFirstUse bool

	// Protocol chooses SFTP or legacy SCP; the default tries SFTP first.
	Protocol Protocol
	// Ciphers are offered in order; empty means DefaultCiphers
	// (aes128-gcm@openssh.com first).
	Ciphers []string
	// KeyExchanges and MACs are offered in order; empty means the defaults
	// of golang.org/x/crypto/ssh.
	KeyExchanges, MACs []string
	// DialTimeout bounds connecting and the SSH handshake. Zero means 30s.
	DialTimeout time.Duration
	// IOTimeout fails a connection on which nothing was received or sent
	// for that long (a stall); the transfer then resumes on a new
	// connection. Zero means 1 minute; negative disables it.
	IOTimeout time.Duration
	// KeepAlive is the interval of keepalive requests, which also keep an
	// idle connection within IOTimeout. Zero means 15s; negative disables
	// them.
	KeepAlive time.Duration
	// MaxPacket is the SFTP read size in bytes. Zero means 32768, which
	// every server supports, or 261120 when the server announces the
	// limits@openssh.com extension (OpenSSH 8.7 and later serve that much).
	// Streams never ask for more than 261120 per request. When the server
	// serves less per request, downloads notice it (see ErrShortRead) and
	// use the size it serves.
	MaxPacket int
	// Concurrency is the number of SFTP read requests in flight per file.
	// Zero means about 8 MiB worth: 64 requests of 32 KiB, 32 of 255 KiB
	// (at least 16).
	Concurrency int
	// Retries is how many times in a row a failed connection or transfer is
	// retried (with exponential backoff from 200ms to 10s) before giving
	// up; the count restarts whenever bytes arrive. Zero means 5; negative
	// means no retry.
	Retries int

	served     atomic.Int64 // SFTP read size the server was seen to serve whole, when below MaxPacket
	mu         sync.Mutex
	conn       *sshConn
	closed     bool
	matcher    *source.Matcher
	rootKind   int  // 0 unknown, 1 Path is a file, 2 Path is a folder
	slowList   bool // List reads folders with pkg/sftp only (tests, benchmarks)
	slowStream bool // Read and WriteTo stream with pkg/sftp only (tests, benchmarks)
}

func (s *SFTP) setRootKind(file bool) {
	s.mu.Lock()
	s.rootKind = 2
	if file {
		s.rootKind = 1
	}
	s.mu.Unlock()
}

func (s *SFTP) getRootKind() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rootKind
}

func (s *SFTP) getMatcher() (*source.Matcher, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.matcher == nil {
		m, err := source.NewMatcher(s.Patterns...)
		if err != nil {
			return nil, err
		}
		s.matcher = m
	}
	return s.matcher, nil
}

func (s *SFTP) root() string {
	if s.Path == "" {
		return "."
	}
	return s.Path
}

// List returns the files under Path (Path itself when it is a file) whose
// names match Patterns. Over SFTP each folder is read with up to 16 READDIR
// requests in flight, on a second sftp session of the connection (when the
// server refuses it, or answers in a way the listing client does not
// understand, List uses pkg/sftp's ReadDir, one READDIR round trip at a
// time); sub-folders are read concurrently. A folder the server refuses to
// open is a *StatusError.
func (s *SFTP) List(ctx context.Context) ([]source.File, error) {
	m, err := s.getMatcher()
	if err != nil {
		return nil, err
	}
	var out []source.File
	err = s.retry(ctx, nil, func(c *sshConn) error {
		var err error
		out, err = c.proto.list(ctx, s, m)
		return err
	}, nil)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Open opens a listed file. The reader reads ahead with Concurrency requests
// in flight (on the own SFTP session; on pkg/sftp's when that is not
// available), resumes after a dropped connection, and checks the byte
// count (and [source.File].Checksum when set) at the end: a stream also asks for
// one byte past the size, and fails with ErrChanged if the file grew. Over
// SFTP it also implements io.ReaderAt and io.WriterTo. Close it to release
// its resources.
func (s *SFTP) Open(ctx context.Context, f source.File) (io.ReadCloser, error) {
	r := &remoteFile{s: s, f: f, size: f.Size, ctx: ctx}
	if strings.HasPrefix(f.Checksum, "sha256:") {
		want, err := hex.DecodeString(f.Checksum[len("sha256:"):])
		if err != nil || len(want) != sha256.Size {
			return nil, fmt.Errorf("remote: bad checksum %q", f.Checksum)
		}
		r.want, r.hash = want, sha256.New()
	}
	var rc io.ReadCloser
	err := s.retry(ctx, nil, func(c *sshConn) error {
		if r.rp == "" {
			rp, err := s.remotePath(ctx, c, f)
			if err != nil {
				return err
			}
			r.rp = rp // set once, before any concurrent use
		}
		var err error
		rc, err = c.proto.open(ctx, r)
		return err
	}, nil)
	if err != nil {
		return nil, err
	}
	return rc, nil
}

// remotePath returns the remote path of a listed file.
func (s *SFTP) remotePath(ctx context.Context, c *sshConn, f source.File) (string, error) {
	if err := checkRel(f.Name); err != nil {
		return "", err
	}
	root := s.root()
	kind := s.getRootKind()
	if kind == 0 {
		// Open without List: find out whether Path is a file.
		if err := c.proto.findRoot(ctx, s); err != nil {
			return "", err
		}
		kind = s.getRootKind()
	}
	if kind == 1 {
		return root, nil
	}
	return path.Join(root, f.Name), nil
}

// Close closes the connection. Readers still open fail; the source cannot
// be used afterwards.
func (s *SFTP) Close() error {
	s.mu.Lock()
	c := s.conn
	s.conn, s.closed = nil, true
	s.mu.Unlock()
	if c != nil {
		c.close()
	}
	return nil
}
