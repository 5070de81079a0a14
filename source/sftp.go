package source

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/sync/errgroup"

	"github.com/dumpline/importer/internal/readahead"
)

// Download errors.
var (
	// ErrShortRead means the server delivered fewer bytes than the file's
	// size without reporting an error: the file was truncated while it was
	// read, or the server misbehaves. (pkg/sftp's silent short read, issue
	// #658, is detected before it corrupts anything: when the server serves
	// less than MaxPacket per request, the stream goes on with requests of
	// the size it serves.)
	ErrShortRead = errors.New("source: short read: server sent fewer bytes than the file's size")
	// ErrChanged means the remote file changed while it was being read (it
	// grew past the size it had when it was opened).
	ErrChanged = errors.New("source: remote file changed during download")
	// ErrChecksum means the content does not match File.Checksum.
	ErrChecksum = errors.New("source: checksum mismatch")
	// ErrBadName is wrapped by the error returned when the server sends a
	// file name that is unsafe to use on the local disk: empty, ".", "..",
	// or containing '/', NUL or another control character (or '\\' on
	// Windows).
	ErrBadName = errors.New("source: unsafe file name from server")
)

// Protocol selects how SFTP talks to the server.
type Protocol int

const (
	// ProtocolAuto uses SFTP, and legacy SCP when the server refuses the
	// sftp subsystem.
	ProtocolAuto Protocol = iota
	// ProtocolSFTP uses SFTP only; a refused subsystem is an error wrapping
	// ErrSFTPUnavailable.
	ProtocolSFTP
	// ProtocolSCP uses legacy SCP ("scp -f" run by the remote shell) only.
	// See SFTP for what it cannot do.
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
// is an error (ErrNoKnownHosts) unless TrustOnFirstUse is set, in which case
// an unknown host's key is appended to the first KnownHosts file and every
// later connection is checked against it.
//
// Readers returned by Open count the bytes they deliver and fail with
// ErrShortRead when the server sent fewer bytes than the size the file had
// when it was opened (the guard against pkg/sftp issue #658), and with
// ErrChecksum when File.Checksum is set and the content does not match it.
// Over SFTP the reader also implements io.ReaderAt, so the ZIP extractor
// reads archives in place.
//
// Over SFTP the connection has two sessions: pkg/sftp's, for stat and
// random access (ReadAt), and the package's own small SFTP client, opened
// by the first List or stream, which keeps many READDIR or READ requests
// in flight and reads the replies into reused buffers (see List and
// Open). When the server refuses the second session or answers in a way
// the own client does not understand, everything goes through pkg/sftp.
//
// Goroutines: the connection runs x/crypto/ssh's reader, pkg/sftp's
// receiver, the own client's receiver, a keepalive ticker and a watcher of
// the connection's end, all stopped by Close (or when the connection
// dies). An open reader runs, after its first 256 KiB read through Read,
// one read-ahead goroutine, and up to three block fetches for ReadAt; its
// Close stops and waits for them. Memory and allocations: a stream holds
// one reply buffer per request in flight (Concurrency × 255 KiB, about
// 8 MiB) and the read-ahead 16 chunks of 256 KiB, both reused; x/crypto/ssh
// allocates a buffer per SSH packet, about 1.3 bytes per byte downloaded in
// all (through pkg/sftp, which allocates a buffer per reply, 2.3).
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
//     io.ReaderAt, so a ZIP archive must be spooled to disk (see Fetch);
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
	// the shell globs (see NewMatcher). Pipeline.Patterns filters again.
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
	matcher    *Matcher
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

// connect returns the shared connection, dialling a new one when there is
// none or it died.
func (s *SFTP) connect(ctx context.Context) (*sshConn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("source: SFTP source is closed")
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

// retryState counts the failures in a row of one transfer, across calls.
type retryState struct{ fails int }

// retry runs op until it succeeds, fails permanently, or fails more than
// Retries times in a row; progress reports whether bytes arrived since the
// previous failure, which restarts the count. st carries the count from
// call to call (nil: this call only).
func (s *SFTP) retry(ctx context.Context, st *retryState, op func(c *sshConn) error, progress func() bool) error {
	retries := cmp.Or(s.Retries, 5)
	if st == nil {
		st = &retryState{}
	}
	for {
		c, err := s.connect(ctx)
		if err == nil {
			err = op(c)
			if err == nil {
				return nil
			}
		}
		if ctx.Err() != nil {
			return err
		}
		if !retryable(err, c) {
			return err
		}
		if progress != nil && progress() {
			st.fails = 0
		}
		st.fails++
		fails := st.fails
		if retries < 0 || fails > retries {
			return err
		}
		if c != nil && (c.isDead() || c.sftp != nil) {
			// A broken SFTP session or connection is replaced; a failed
			// SCP session leaves the connection to other transfers.
			s.drop(c)
		}
		d := min(200*time.Millisecond<<(fails-1), 10*time.Second)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// retryable tells failures a new connection may cure from those it cannot.
func retryable(err error, c *sshConn) bool {
	var se *sftp.StatusError
	var ne *netError
	switch {
	case errors.Is(err, ErrShortRead), errors.Is(err, ErrChanged), errors.Is(err, ErrChecksum),
		errors.Is(err, ErrBadName), errors.Is(err, ErrUnknownHost), errors.Is(err, ErrHostKeyMismatch),
		errors.Is(err, ErrNoKnownHosts), errors.Is(err, ErrSFTPUnavailable), errors.Is(err, fs.ErrNotExist),
		errors.Is(err, fs.ErrPermission), errors.Is(err, ErrSCP), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return false
	case errors.As(err, new(*writeError)):
		return false
	case errors.As(err, &ne):
		return true
	case errors.As(err, &se), errors.As(err, new(*RemoteError)):
		return false
	case c == nil:
		return false // configuration or authentication failure
	}
	return true
}

func (s *SFTP) getMatcher() (*Matcher, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.matcher == nil {
		m, err := NewMatcher(s.Patterns...)
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
// open is a *RemoteError.
func (s *SFTP) List(ctx context.Context) ([]File, error) {
	m, err := s.getMatcher()
	if err != nil {
		return nil, err
	}
	var out []File
	err = s.retry(ctx, nil, func(c *sshConn) error {
		var err error
		if c.sftp == nil {
			out, err = s.scpList(ctx, c, m)
		} else {
			out, err = s.sftpList(ctx, c, m)
		}
		return err
	}, nil)
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *SFTP) sftpList(ctx context.Context, c *sshConn, m *Matcher) ([]File, error) {
	root := s.root()
	st, open, err := s.statRoot(ctx, c, root)
	if err != nil {
		return nil, err
	}
	s.setRootKind(!st.mode.IsDir())
	if !st.mode.IsDir() {
		name := path.Base(root)
		if err := checkName(name); err != nil {
			return nil, err
		}
		if !st.mode.IsRegular() || !m.Match(name) {
			return nil, nil
		}
		return []File{{Name: name, Size: st.size, ModTime: st.mtime}}, nil
	}
	var (
		mu  sync.Mutex
		out []File
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	var walk func(rel string, open *openDir) error
	walk = func(rel string, open *openDir) error {
		if err := gctx.Err(); err != nil {
			if open != nil {
				open.l.closeHandle(open.handle)
			}
			return err
		}
		dir := path.Join(root, rel)
		entries, err := s.readDir(gctx, c, dir, open)
		if err != nil {
			return err
		}
		files := make([]File, 0, len(entries))
		for _, e := range entries {
			name := e.name
			if err := checkName(name); err != nil {
				return err
			}
			full := name
			if rel != "" {
				full = rel + "/" + name
			}
			if !e.typed {
				// The server did not say what it is: ask (pkg/sftp takes
				// a missing type for a regular file).
				st, err := c.sftp.Lstat(path.Join(dir, name))
				if err != nil {
					continue // gone since
				}
				e = entryOf(st)
			}
			if e.mode&fs.ModeSymlink != 0 {
				st, err := c.sftp.Stat(path.Join(dir, name))
				if err != nil || st.IsDir() {
					continue // dangling, or a folder (which could loop)
				}
				e = entryOf(st)
			}
			switch {
			case e.mode.IsDir():
				if s.Recursive {
					if !g.TryGo(func() error { return walk(full, nil) }) {
						if err := walk(full, nil); err != nil {
							return err
						}
					}
				}
			case e.mode.IsRegular() && m.Match(name):
				files = append(files, File{Name: full, Size: e.size, ModTime: e.mtime})
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
	l      *listClient
	handle string
	rtt    time.Duration // of the round trip that opened it
}

// statRoot stats root (following symbolic links) and, when it is a folder,
// opens it in the same round trip, with the connection's listing client;
// with pkg/sftp when the client is unavailable or fails for another reason
// than the server refusing the path (open is then nil).
func (s *SFTP) statRoot(ctx context.Context, c *sshConn, root string) (dirEntry, *openDir, error) {
	if l := c.getLister(ctx, s.slowList); l != nil {
		e, handle, rtt, err := l.statOpenDir(ctx, root)
		var re *RemoteError
		switch {
		case err == nil && handle != "":
			return e, &openDir{l, handle, rtt}, nil
		case err == nil:
			return e, nil, nil
		case ctx.Err() != nil:
			return e, nil, err
		case errors.As(err, &re):
			return e, nil, err // pkg/sftp would be refused too
		case errors.Is(err, errSFTPProtocol):
			c.disableLister()
		}
	}
	st, err := c.sftp.Stat(root)
	if err != nil {
		return dirEntry{}, nil, fmt.Errorf("source: stat %s: %w", root, err)
	}
	return entryOf(st), nil, nil
}

// readDir lists dir (already opened when open is set) with the
// connection's pipelined listing client, or with pkg/sftp when the client
// is unavailable or fails on this folder for another reason than the
// server refusing to open it.
func (s *SFTP) readDir(ctx context.Context, c *sshConn, dir string, open *openDir) ([]dirEntry, error) {
	var l *listClient
	if open != nil {
		l = open.l
	} else {
		l = c.getLister(ctx, s.slowList)
	}
	if l != nil {
		var entries []dirEntry
		var err error
		if open != nil {
			entries, err = l.readHandle(ctx, dir, open.handle, open.rtt)
		} else {
			entries, err = l.readDir(ctx, dir)
		}
		var re *RemoteError
		switch {
		case err == nil:
			return entries, nil
		case ctx.Err() != nil:
			return nil, err
		case errors.As(err, &re) && re.Op == "opendir":
			return nil, err // pkg/sftp would be refused too
		case errors.Is(err, errSFTPProtocol):
			c.disableLister()
		}
	}
	infos, err := c.sftp.ReadDirContext(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("source: reading folder %s: %w", dir, err)
	}
	entries := make([]dirEntry, len(infos))
	for i, fi := range infos {
		entries[i] = entryOf(fi)
		entries[i].name = fi.Name()
	}
	return entries, nil
}

// entryOf converts pkg/sftp's attributes (without the name).
func entryOf(fi fs.FileInfo) dirEntry {
	return dirEntry{size: fi.Size(), mtime: fi.ModTime(), mode: fi.Mode(), typed: true}
}

// checkName refuses a name component from the server that is unsafe to use
// as a local file name.
func checkName(name string) error {
	if name == "" || name == "." || name == ".." {
		return fmt.Errorf("%w: %q", ErrBadName, name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f || c == '/' || (c == '\\' && runtime.GOOS == "windows") {
			return fmt.Errorf("%w: %q", ErrBadName, name)
		}
	}
	return nil
}

// checkRel refuses a slash-separated relative name whose components are not
// all safe.
func checkRel(name string) error {
	for _, part := range strings.Split(name, "/") {
		if err := checkName(part); err != nil {
			return err
		}
	}
	return nil
}

// remotePath returns the remote path of a listed file.
func (s *SFTP) remotePath(ctx context.Context, c *sshConn, f File) (string, error) {
	if err := checkRel(f.Name); err != nil {
		return "", err
	}
	root := s.root()
	kind := s.getRootKind()
	if kind == 0 {
		// Open without List: find out whether Path is a file.
		var err error
		if c.sftp != nil {
			var st fs.FileInfo
			if st, err = c.sftp.Stat(root); err == nil {
				s.setRootKind(!st.IsDir())
			} else {
				err = fmt.Errorf("source: stat %s: %w", root, err)
			}
		} else {
			_, err = s.scpList(ctx, c, MustMatcher("-"))
		}
		if err != nil {
			return "", err
		}
		kind = s.getRootKind()
	}
	if kind == 1 {
		return root, nil
	}
	return path.Join(root, f.Name), nil
}

// Open opens a listed file. The reader reads ahead with Concurrency requests
// in flight (on the own SFTP session; on pkg/sftp's when that is not
// available), resumes after a dropped connection, and checks the byte
// count (and File.Checksum when set) at the end: a stream also asks for
// one byte past the size, and fails with ErrChanged if the file grew. Over
// SFTP it also implements io.ReaderAt and io.WriterTo. Close it to release
// its resources.
func (s *SFTP) Open(ctx context.Context, f File) (io.ReadCloser, error) {
	r := &remoteFile{s: s, f: f, size: f.Size, ctx: ctx}
	if strings.HasPrefix(f.Checksum, "sha256:") {
		want, err := hex.DecodeString(f.Checksum[len("sha256:"):])
		if err != nil || len(want) != sha256.Size {
			return nil, fmt.Errorf("source: bad checksum %q", f.Checksum)
		}
		r.want, r.hash = want, sha256.New()
	}
	err := s.retry(ctx, nil, func(c *sshConn) error {
		if r.rp == "" {
			rp, err := s.remotePath(ctx, c, f)
			if err != nil {
				return err
			}
			r.rp = rp // set once, before any concurrent use
		}
		return r.open(ctx, c)
	}, nil)
	if err != nil {
		return nil, err
	}
	if r.c.sftp == nil {
		return &scpReader{r: r}, nil
	}
	return r, nil
}

// remoteFile reads one remote file. Read and WriteTo stream it from the
// start; ReadAt reads anywhere and is safe for concurrent use with itself.
type remoteFile struct {
	s    *SFTP
	ctx  context.Context // Open's: cancelling it stops retries and read-ahead
	f    File
	rp   string // remote path
	size int64  // size when opened, -1 when unknown

	mu   sync.Mutex // guards c and file against reconnects
	c    *sshConn
	file *sftp.File // for ReadAt; nil in SCP mode

	// The stream (Read, WriteTo) has its own handle: pkg/sftp's WriteTo
	// holds the handle's lock while it runs, which would block ReadAt.
	sc    *sshConn
	sfile *sftp.File

	off  int64 // bytes delivered by Read/WriteTo
	want []byte
	hash hash.Hash

	// read-ahead of Read
	ra     *readahead.Reader
	closed bool
	cache  *blockCache // read-ahead of small ReadAt calls, guarded by mu
}

func (r *remoteFile) open(ctx context.Context, c *sshConn) error {
	rp := r.rp
	if c.sftp == nil {
		r.mu.Lock()
		r.c = c
		r.mu.Unlock()
		return nil
	}
	file, err := c.sftp.Open(rp)
	if err != nil {
		return fmt.Errorf("source: opening %s: %w", rp, err)
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return fmt.Errorf("source: stat %s: %w", rp, err)
	}
	if !st.Mode().IsRegular() {
		file.Close()
		return fmt.Errorf("source: %s is not a regular file", rp)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.c == nil {
		// The first open fixes the size (the file may have changed since
		// List); reopens after a reconnect must find the same size.
		r.size = st.Size()
	} else if st.Size() != r.size {
		file.Close()
		return fmt.Errorf("%w: %s is now %d bytes, was %d", ErrChanged, rp, st.Size(), r.size)
	}
	if r.file != nil {
		r.file.Close()
	}
	r.c, r.file = c, file
	return nil
}

// streamHandle returns the stream's handle on c, opening it when needed.
func (r *remoteFile) streamHandle(c *sshConn) (*sftp.File, error) {
	if r.sfile != nil && r.sc == c && !c.isDead() {
		return r.sfile, nil
	}
	if r.sfile != nil {
		r.sfile.Close()
		r.sfile, r.sc = nil, nil
	}
	file, err := c.sftp.Open(r.rp)
	if err != nil {
		return nil, fmt.Errorf("source: opening %s: %w", r.rp, err)
	}
	st, err := file.Stat()
	if err != nil {
		file.Close()
		return nil, &netError{fmt.Errorf("source: stat %s: %w", r.rp, err)}
	}
	if st.Size() != r.size {
		file.Close()
		return nil, fmt.Errorf("%w: %s is now %d bytes, was %d", ErrChanged, r.rp, st.Size(), r.size)
	}
	r.sfile, r.sc = file, c
	return file, nil
}

// current returns the open handle, reopening it on a new connection when
// the old one died.
func (r *remoteFile) current() (*sshConn, *sftp.File) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.c, r.file
}

// WriteTo streams the rest of the file into w with Concurrency reads in
// flight, resuming on a new connection after a failure. It fails with
// ErrShortRead when the server sends fewer bytes than the size.
func (r *remoteFile) WriteTo(w io.Writer) (int64, error) {
	return r.stream(r.ctx, w)
}

func (r *remoteFile) stream(ctx context.Context, w io.Writer) (int64, error) {
	start := r.off
	last := r.off
	err := r.s.retry(ctx, nil, func(c *sshConn) error {
		if l := c.getLister(ctx, r.s.slowStream); l != nil && r.size >= 0 {
			err := r.streamOwn(ctx, c, l, w)
			if !errors.Is(err, errSFTPProtocol) {
				return err
			}
			// The server speaks a dialect the own client does not
			// understand: go on with pkg/sftp from where it stopped.
			c.disableLister()
		}
		cur := c
		file, err := r.streamHandle(c)
		if err != nil {
			return err
		}
		if served := int(r.s.served.Load()); served > 0 && served < cur.maxPacket {
			return r.streamReadAt(ctx, file, served, w)
		}
		if _, err := file.Seek(r.off, io.SeekStart); err != nil {
			return err
		}
		pw := &packetWriter{w: w, r: r, max: cur.maxPacket}
		_, err = file.WriteTo(pw)
		if pw.hole {
			// pkg/sftp issue #658: the server serves less than MaxPacket
			// per request. What was delivered is a correct prefix; go on
			// with requests the server serves whole.
			r.s.served.Store(int64(pw.served))
			return r.streamReadAt(ctx, file, pw.served, w)
		}
		if pw.err != nil {
			return pw.err
		}
		if err != nil {
			return &netError{fmt.Errorf("source: reading %s at %d: %w", r.rp, r.off, err)}
		}
		return r.finish()
	}, func() bool {
		p := r.off > last
		last = r.off
		return p
	})
	return r.off - start, err
}

// streamOwn streams the rest of the file with the connection's own SFTP
// session (see sftp_stream.go), and checks it at the end.
func (r *remoteFile) streamOwn(ctx context.Context, c *sshConn, l *listClient, w io.Writer) error {
	handle, size, err := l.openFile(ctx, r.rp)
	if err != nil {
		return err
	}
	defer l.closeHandle(handle)
	if size != r.size {
		return fmt.Errorf("%w: %s is now %d bytes, was %d", ErrChanged, r.rp, size, r.size)
	}
	// Replies to reads above openSSHMaxRead would not fit the client's
	// longest packet; OpenSSH serves no more anyway.
	chunk := min(c.maxPacket, openSSHMaxRead)
	if served := int(r.s.served.Load()); served > 0 && served < chunk {
		chunk = served
	}
	err = l.streamFile(ctx, r.rp, handle, r.off, r.size, chunk, r.s.concurrency(chunk),
		func(b []byte) error { return r.deliver(w, b) },
		func(n int) { r.s.served.Store(int64(n)) })
	var re *RemoteError
	if errors.As(err, &re) && re.Op == "read" {
		// As a failed read through pkg/sftp: retried on a new connection.
		return &netError{err}
	}
	if err != nil {
		return err
	}
	return r.finish()
}

// finish checks the byte count and checksum at the end of the stream.
func (r *remoteFile) finish() error {
	if r.size >= 0 && r.off < r.size {
		return fmt.Errorf("%w: %s: got %d of %d bytes", ErrShortRead, r.rp, r.off, r.size)
	}
	if r.hash != nil {
		if got := r.hash.Sum(nil); string(got) != string(r.want) {
			return fmt.Errorf("%w: %s: sha256 %x, want %x", ErrChecksum, r.rp, got, r.want)
		}
	}
	return nil
}

// packetWriter receives the packets of sftp.File.WriteTo. A packet shorter
// than the packet size can only be the last one: one followed by another
// means the server served less than asked and pkg/sftp skipped the rest
// (issue #658), so the stream stops before the hole.
type packetWriter struct {
	w      io.Writer
	r      *remoteFile
	max    int
	served int // length of the first short packet
	hole   bool
	err    error
}

var errHole = errors.New("source: hole in the SFTP stream")

func (p *packetWriter) Write(b []byte) (int, error) {
	if p.served > 0 {
		p.hole = true
		return 0, errHole
	}
	if len(b) < p.max {
		p.served = len(b)
	}
	if err := p.r.deliver(p.w, b); err != nil {
		p.err = err
		return 0, err
	}
	return len(b), nil
}

// writeError is a failure of the reader's consumer, which no retry cures.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// deliver hands b, the bytes at r.off, to w.
func (r *remoteFile) deliver(w io.Writer, b []byte) error {
	if r.size >= 0 && r.off+int64(len(b)) > r.size {
		return fmt.Errorf("%w: %s is longer than %d bytes", ErrChanged, r.rp, r.size)
	}
	n, err := w.Write(b)
	if r.hash != nil {
		r.hash.Write(b[:n])
	}
	r.off += int64(n)
	if err != nil {
		return &writeError{err}
	}
	return nil
}

// streamReadAt streams the rest of the file with concurrent ReadAt calls of
// chunk bytes (no more than the server serves per request), delivered in
// order.
func (r *remoteFile) streamReadAt(ctx context.Context, file *sftp.File, chunk int, w io.Writer) error {
	if r.size < 0 {
		return fmt.Errorf("%w: %s: size unknown", ErrShortRead, r.rp)
	}
	type result struct {
		b   *[]byte
		n   int
		err error
	}
	conc := r.s.concurrency(chunk)
	ctx, cancel := context.WithCancel(ctx)
	order := make(chan chan result, conc)
	pool := sync.Pool{New: func() any { b := make([]byte, chunk); return &b }}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		for off := r.off; off < r.size; off += int64(chunk) {
			ch := make(chan result, 1)
			select {
			case order <- ch:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func(off int64) {
				defer wg.Done()
				b := pool.Get().(*[]byte)
				n, err := file.ReadAt((*b)[:min(int64(chunk), r.size-off)], off)
				ch <- result{b, n, err}
			}(off)
		}
	}()
	defer func() {
		cancel()
		for ch := range order {
			<-ch
		}
		wg.Wait()
	}()
	for ch := range order {
		res := <-ch
		var err error
		if res.n > 0 {
			err = r.deliver(w, (*res.b)[:res.n])
		}
		pool.Put(res.b)
		if err != nil {
			return err
		}
		if res.err != nil && !(res.err == io.EOF && r.off == r.size) {
			if res.err == io.EOF {
				return fmt.Errorf("%w: %s: end of file at %d, size %d", ErrShortRead, r.rp, r.off, r.size)
			}
			return &netError{fmt.Errorf("source: reading %s at %d: %w", r.rp, r.off, res.err)}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return r.finish()
}

// ReadAt reads len(b) bytes at off. Reads smaller than a cache block go
// through a small cache of 1 MiB blocks that reads ahead of sequential
// access (see blockCache); larger ones go to the server directly. It
// continues after short server replies and reconnects after failures; it
// returns io.EOF only at the end of the file. It is safe for concurrent use.
func (r *remoteFile) ReadAt(b []byte, off int64) (int, error) {
	if len(b) < cacheBlock && r.size > 0 && off >= 0 && off < r.size {
		r.mu.Lock()
		if r.cache == nil && !r.closed {
			r.cache = newBlockCache(r.ctx, r.size, r.readAtDirect)
		}
		bc := r.cache
		r.mu.Unlock()
		if bc != nil {
			return bc.ReadAt(b, off)
		}
	}
	return r.readAtDirect(b, off)
}

// readAtDirect is ReadAt without the cache.
func (r *remoteFile) readAtDirect(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("source: negative offset")
	}
	if r.size >= 0 && off >= r.size {
		return 0, io.EOF
	}
	want := len(b)
	if r.size >= 0 && off+int64(want) > r.size {
		want = int(r.size - off)
	}
	n := 0
	last := 0
	err := r.s.retry(r.ctx, nil, func(c *sshConn) error {
		if cur, _ := r.current(); cur != c || cur.isDead() {
			if err := r.open(r.ctx, c); err != nil {
				return err
			}
		}
		_, file := r.current()
		for n < want {
			m, err := file.ReadAt(b[n:want], off+int64(n))
			n += m
			if err == io.EOF && m > 0 {
				continue // a short reply from the server: ask for the rest
			}
			if err == io.EOF {
				return fmt.Errorf("%w: %s: end of file at %d, size %d", ErrShortRead, r.rp, off+int64(n), r.size)
			}
			if err != nil {
				return &netError{fmt.Errorf("source: reading %s at %d: %w", r.rp, off+int64(n), err)}
			}
		}
		return nil
	}, func() bool { p := n > last; last = n; return p })
	if err != nil {
		return n, err
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// Size returns the file's size when it was opened.
func (r *remoteFile) Size() int64 { return r.size }

// slowStart is how many bytes Read serves with direct requests before it
// starts the read-ahead: a reader that only sniffs the first bytes (to
// detect the format before switching to ReadAt) does not pull megabytes
// it will not use.
const slowStart = 256 << 10

// readAheadDepth is how many buffers of [readahead.BufferSize] Read's
// read-ahead holds at most: 4 MiB queued ahead of the consumer.
const readAheadDepth = 16

// Read reads the file sequentially, through a read-ahead goroutine (that
// runs until the end of the file or Close) after the first slowStart bytes.
func (r *remoteFile) Read(b []byte) (int, error) {
	if r.closed {
		return 0, os.ErrClosed
	}
	if r.ra == nil && r.off < slowStart {
		if r.off >= r.size {
			if err := r.finish(); err != nil {
				return 0, err
			}
			return 0, io.EOF
		}
		if len(b) > 64<<10 {
			b = b[:64<<10]
		}
		n, err := r.readAtDirect(b, r.off)
		if r.hash != nil {
			r.hash.Write(b[:n])
		}
		r.off += int64(n)
		if err == io.EOF && n > 0 {
			err = nil
		}
		return n, err
	}
	if r.ra == nil {
		r.ra = readahead.Start(r.ctx, readAheadDepth, func(ctx context.Context, w io.Writer) error {
			_, err := r.stream(ctx, w)
			return err
		})
	}
	return r.ra.Read(b)
}

// Close stops the read-ahead and closes the remote file. The connection
// stays open for other files.
func (r *remoteFile) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	bc := r.cache
	r.mu.Unlock()
	if r.ra != nil {
		r.ra.Close()
	}
	if bc != nil {
		bc.cancel()
		defer bc.close() // after the handles are closed, so fetches end
	}
	if r.sfile != nil {
		r.sfile.Close()
		r.sfile = nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.file != nil {
		r.file.Close()
		r.file = nil
	}
	return nil
}

// String returns the source's URL without secrets
// ("sftp://user@host:port/path", or scp:// with ProtocolSCP), fit for logs
// and for JSONState.Source.
func (s *SFTP) String() string {
	scheme := "sftp"
	if s.Protocol == ProtocolSCP {
		scheme = "scp"
	}
	p := s.Path
	if !strings.HasPrefix(p, "/") {
		p = "/~/" + p
	}
	u := url.URL{Scheme: scheme, Host: s.addr(), Path: p}
	if s.User != "" {
		u.User = url.User(s.User)
	}
	return u.String()
}

// ParseURL returns a source for an "sftp://user[:password]@host[:port]/path"
// or "scp://..." URL (scp forces ProtocolSCP). The path is absolute; use
// "/~/dir" or a path without the leading slash after the host
// ("sftp://host/~/dir") for one relative to the login folder. Query
// parameters: known_hosts (a file, repeatable), fingerprint, key (a key
// file, repeatable), recursive, tofu, agent, pattern (repeatable).
// Other fields (Password, Passphrase...) can be set on the result.
func ParseURL(raw string) (*SFTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the URL, which may hold a password.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("source: bad URL: %w", err)
	}
	s := &SFTP{}
	switch u.Scheme {
	case "sftp":
	case "scp":
		s.Protocol = ProtocolSCP
	default:
		return nil, fmt.Errorf("source: URL scheme %q is not sftp or scp", u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("source: URL %q has no host", u.Redacted())
	}
	s.Addr = u.Host
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	if s.User == "" {
		s.User = os.Getenv("USER")
	}
	p := u.Path
	switch {
	case p == "" || p == "/~" || p == "/~/":
		p = ""
	case strings.HasPrefix(p, "/~/"):
		p = p[3:]
	}
	s.Path = p
	q := u.Query()
	s.KnownHosts = q["known_hosts"]
	s.HostKeyFingerprint = q.Get("fingerprint")
	s.KeyFiles = q["key"]
	s.Patterns = q["pattern"]
	for _, b := range []struct {
		key string
		dst *bool
	}{{"recursive", &s.Recursive}, {"tofu", &s.TrustOnFirstUse}, {"agent", &s.UseAgent}} {
		if v := q.Get(b.key); v != "" {
			if *b.dst, err = strconv.ParseBool(v); err != nil {
				return nil, fmt.Errorf("source: URL parameter %s=%q: %w", b.key, v, err)
			}
		}
	}
	return s, nil
}
