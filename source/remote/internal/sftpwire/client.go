// Package sftpwire is a minimal SFTP version 3 client
// (draft-ietf-secsh-filexfer-02) for the two bulk operations of a remote
// source: listing folders and streaming files, each with many requests in
// flight on one session.
//
// pkg/sftp's ReadDir waits for each READDIR reply before it sends the next
// request; OpenSSH's sftp-server answers about 100 names per READDIR, so a
// folder of 10,000 files costs 100 round trips in a row. The protocol lets a
// client send many READDIR requests on one handle without waiting: servers
// process the requests of a session in order and answer each with the next
// batch of names, then with SSH_FX_EOF. [Client] keeps listWindow requests
// in flight per folder, so the server never waits for the client; a stream
// keeps a window of READ requests in flight and reads each DATA reply into
// a reused buffer.
//
// It runs on its own "sftp" session of the connection, beside pkg/sftp's.
// Anything unexpected (the server breaks the protocol, answers out of
// order) is an error wrapping [ErrProtocol], on which the caller goes on
// with pkg/sftp.
package sftpwire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"
)

// SFTP packet types and constants of version 3 used here.
const (
	fxpInit    = 1
	fxpVersion = 2
	fxpClose   = 4
	fxpOpendir = 11
	fxpReaddir = 12
	fxpStat    = 17
	fxpStatus  = 101
	fxpHandle  = 102
	fxpName    = 104

	fxOK               = 0
	fxEOF              = 1
	fxNoSuchFile       = 2
	fxPermissionDenied = 3

	attrSize        = 0x00000001
	attrUIDGID      = 0x00000002
	attrPermissions = 0x00000004
	attrACModTime   = 0x00000008
	attrExtended    = 0x80000000
)

const (
	// listMaxPacket is the longest reply accepted, OpenSSH's
	// SFTP_MAX_MSG_LENGTH: its own client refuses longer ones, so no
	// server that works with OpenSSH sends them.
	listMaxPacket = 256 << 10
	// listWindow is the most READDIR requests in flight per folder on a
	// short round trip (the window starts at two and doubles with each
	// batch of names; it is refilled when half of it came back). After the
	// end of the folder, the ones still in flight come back as small
	// SSH_FX_EOF replies.
	listWindow = 16
	// On a round trip of listLongRTT or more (measured on the OPENDIR or
	// STAT that opened the folder), listWindow requests no longer keep
	// the server busy: the window starts at twice listWindow and grows to
	// four times the NAME replies received so far, up to listMaxWindow,
	// so that a big folder costs a few round trips; after its end, at most
	// three times as many requests as were useful come back as EOF, at
	// the same time (a small cost to the server, none in time).
	listLongRTT   = 4 * time.Millisecond
	listMaxWindow = 256
	// listMaxEntries bounds the names (and replies) accepted for one
	// folder, so that a server sending names forever fails the listing
	// instead of filling the memory.
	listMaxEntries = 1 << 24
	// listMaxHandle is the longest handle the protocol allows.
	listMaxHandle = 256
)

// Errors of a stream that the caller's package exports as they are (they
// are the same values).
var (
	// ErrShortRead means the file ended before the size it had when it
	// was opened.
	ErrShortRead = errors.New("remote: short read: server sent fewer bytes than the file's size")
	// ErrChanged means the file went on past that size.
	ErrChanged = errors.New("remote: remote file changed during download")
)

// ErrProtocol is wrapped by [Client]'s errors when the server breaks the
// protocol; the caller then goes on with another client.
var ErrProtocol = errors.New("remote: SFTP protocol error")

// StatusError is an SFTP server's refusal (a STATUS reply other than OK
// or EOF) of a request on a path, returned by List. errors.Is(err,
// fs.ErrNotExist) and errors.Is(err, fs.ErrPermission) hold for the
// matching codes.
type StatusError struct {
	// Op is the SFTP request: "opendir", "readdir", "open", "fstat" or
	// "read".
	Op string
	// Path is the remote path of the request.
	Path string
	// Code is the SSH_FX_* status code.
	Code uint32
	// Message is the server's explanation, possibly empty.
	Message string
}

var fxNames = [...]string{"ok", "end of file", "no such file", "permission denied", "failure",
	"bad message", "no connection", "connection lost", "operation unsupported"}

func (e *StatusError) Error() string {
	code := fmt.Sprintf("status %d", e.Code)
	if int(e.Code) < len(fxNames) {
		code = fxNames[e.Code]
	}
	msg := fmt.Sprintf("remote: SFTP %s %s: %s", e.Op, e.Path, code)
	if e.Message != "" {
		msg += fmt.Sprintf(" (server: %q)", e.Message)
	}
	return msg
}

// Is reports whether target is fs.ErrNotExist or fs.ErrPermission and the
// code means it.
func (e *StatusError) Is(target error) bool {
	switch target {
	case fs.ErrNotExist:
		return e.Code == fxNoSuchFile
	case fs.ErrPermission:
		return e.Code == fxPermissionDenied
	}
	return false
}

// Entry is one name of a folder (or the file a STAT found) with the
// attributes a listing uses.
type Entry struct {
	// Name is the name's last element (empty from a STAT).
	Name string
	// Size is the size in bytes (0 when the server sent none; a size
	// above the int64 range wraps, as in pkg/sftp).
	Size int64
	// ModTime is the modification time, to the second.
	ModTime time.Time
	// Mode holds the permissions, and the file's type when Typed.
	Mode fs.FileMode
	// Typed reports whether Mode holds the file's type (the server sent
	// permissions with S_IFMT bits).
	Typed bool
}

// SessionError is a failure of the session's stream (the network, or the
// server's process), which a new connection may cure.
type SessionError struct{ Err error }

func (e *SessionError) Error() string { return e.Err.Error() }
func (e *SessionError) Unwrap() error { return e.Err }

// listReply is one reply: its type and the bytes after the request id.
// Large replies (DATA) are read into the request's own buffer, or into a
// pooled one: the caller hands buf back with release once it is done with
// data.
type listReply struct {
	typ  byte
	data []byte
	buf  *[]byte
}

// Replies longer than pooledReply (DATA) are read into pooled buffers of
// two sizes: one for reads of 32 KiB, the other for the longest packet.
const (
	pooledReply = 4 << 10
	smallReply  = 32<<10 + 64
)

var (
	smallPool = sync.Pool{New: func() any { b := make([]byte, smallReply); return &b }}
	replyPool = sync.Pool{New: func() any { b := make([]byte, listMaxPacket); return &b }}
)

// getBuf returns a pooled buffer of at least n bytes.
func getBuf(n uint32) *[]byte {
	if n <= smallReply {
		return smallPool.Get().(*[]byte)
	}
	return replyPool.Get().(*[]byte)
}

// putBuf returns b to its pool.
func putBuf(b *[]byte) {
	if cap(*b) == smallReply {
		smallPool.Put(b)
	} else {
		replyPool.Put(b)
	}
}

// release returns r's buffer to the pool; r.data must not be used after.
func (r listReply) release() {
	if r.buf != nil {
		putBuf(r.buf)
	}
}

// Client is the listing and streaming client on one SFTP session. Requests are
// matched to replies by id by one receiver goroutine, which stops when the
// session's stream ends (the session or the connection is closed) or the
// server breaks the protocol. It is safe for concurrent use.
type Client struct {
	w     io.Writer
	close func() // closes the session

	wmu sync.Mutex // one packet (or batch) written at a time

	mu      sync.Mutex
	id      uint32
	pending map[uint32]call

	done chan struct{} // closed when the receiver stops
	err  error         // why it stopped; set before done is closed
}

// New sends INIT on the session's stdin w, reads VERSION from its
// stdout r and starts the receiver. closeFn closes the session; it is called
// when the handshake fails and by Shutdown.
func New(ctx context.Context, r io.Reader, w io.Writer, closeFn func()) (*Client, error) {
	stop := context.AfterFunc(ctx, closeFn)
	// No bufio: a DATA reply is read straight into its buffer, and the
	// session's channel already buffers (its reads are cheap).
	br := r
	err := func() error {
		if _, err := w.Write([]byte{0, 0, 0, 5, fxpInit, 0, 0, 0, 3}); err != nil {
			return fmt.Errorf("remote: starting SFTP listing session: %w", err)
		}
		p, err := readPacket(br)
		if err != nil {
			return err
		}
		if p[0] != fxpVersion || len(p) < 5 {
			return fmt.Errorf("%w: expected VERSION, got packet type %d", ErrProtocol, p[0])
		}
		if v := binary.BigEndian.Uint32(p[1:]); v != 3 {
			return fmt.Errorf("%w: server speaks SFTP version %d, not 3", ErrProtocol, v)
		}
		return nil
	}()
	if !stop() {
		return nil, ctx.Err() // closeFn ran (or runs) in AfterFunc
	}
	if err != nil {
		closeFn()
		return nil, err
	}
	c := &Client{w: w, close: closeFn, pending: map[uint32]call{}, done: make(chan struct{})}
	go c.receive(br)
	return c, nil
}

// readPacket reads one packet (its type and payload, without the length).
func readPacket(r io.Reader) ([]byte, error) {
	n, err := readLength(r)
	if err != nil {
		return nil, err
	}
	p := make([]byte, n)
	if err := readFull(r, p); err != nil {
		return nil, err
	}
	return p, nil
}

// readLength reads the length of the next packet and checks it.
func readLength(r io.Reader) (uint32, error) {
	var hdr [4]byte
	if err := readFull(r, hdr[:]); err != nil {
		return 0, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > listMaxPacket {
		return 0, fmt.Errorf("%w: packet of %d bytes (at most %d)", ErrProtocol, n, listMaxPacket)
	}
	return n, nil
}

func readFull(r io.Reader, b []byte) error {
	if _, err := io.ReadFull(r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("remote: SFTP session: %w", err)
	}
	return nil
}

// receive hands each reply to the request with its id until the stream
// ends. A reply to an unknown id (a request abandoned after its context
// ended) is dropped. The payload goes into the buffer the request brought
// when it fits (a stream's), else into a pooled buffer when it is long,
// else into a new one.
func (c *Client) receive(r io.Reader) {
	var err error
	for {
		var n uint32
		if n, err = readLength(r); err != nil {
			break
		}
		if n < 5 {
			err = fmt.Errorf("%w: reply of %d bytes without id", ErrProtocol, n)
			break
		}
		var head [5]byte
		if err = readFull(r, head[:]); err != nil {
			break
		}
		id := binary.BigEndian.Uint32(head[1:])
		c.mu.Lock()
		k, ok := c.pending[id]
		delete(c.pending, id)
		c.mu.Unlock()
		n -= 5
		if !ok {
			if _, err = io.CopyN(io.Discard, r, int64(n)); err != nil {
				err = fmt.Errorf("remote: SFTP session: %w", err)
				break
			}
			continue
		}
		reply := listReply{typ: head[0]}
		switch {
		case k.buf != nil && uint32(cap(*k.buf)) >= n:
			reply.data = (*k.buf)[:n]
		case n > pooledReply:
			reply.buf = getBuf(n)
			reply.data = (*reply.buf)[:n]
		default:
			reply.data = make([]byte, n)
		}
		if err = readFull(r, reply.data); err != nil {
			reply.release()
			break
		}
		k.ch <- reply // buffered: never blocks
	}
	c.err = err
	close(c.done)
	if errors.Is(err, ErrProtocol) {
		c.close() // nothing more can be understood on this session
	}
}

// Broken reports whether the receiver has stopped.
func (c *Client) Broken() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// Shutdown closes the session and waits for the receiver.
func (c *Client) Shutdown() {
	c.close()
	<-c.done
}

// call is one request in flight.
type call struct {
	id uint32
	ch chan listReply
	// buf, when set before register, receives the reply's payload if it
	// fits; it belongs to the caller, which must not reuse it before the
	// reply arrived or the call was forgotten and its caller returned.
	buf *[]byte
}

// register allocates request ids for calls (keeping their buf).
func (c *Client) register(calls []call) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range calls {
		c.id++
		calls[i].id, calls[i].ch = c.id, make(chan listReply, 1)
		c.pending[c.id] = calls[i]
	}
}

// forget abandons requests whose replies will not be waited for.
func (c *Client) forget(calls []call) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range calls {
		delete(c.pending, k.id)
		select {
		case r := <-k.ch: // delivered, never to be read
			r.release()
		default:
		}
	}
}

// send writes packets (each already framed) in one write.
func (c *Client) send(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.Broken() {
		return c.stopped()
	}
	if _, err := c.w.Write(b); err != nil {
		return &SessionError{Err: fmt.Errorf("remote: SFTP session: %w", err)}
	}
	return nil
}

// stopped is the error of a call made after the receiver stopped.
func (c *Client) stopped() error {
	if errors.Is(c.err, ErrProtocol) {
		return c.err
	}
	return &SessionError{Err: c.err}
}

// wait returns the reply of k.
func (c *Client) wait(ctx context.Context, k call) (listReply, error) {
	select {
	case r := <-k.ch:
		return r, nil
	case <-ctx.Done():
		c.forget([]call{k})
		return listReply{}, ctx.Err()
	case <-c.done:
		select {
		case r := <-k.ch: // delivered before the receiver stopped
			return r, nil
		default:
			return listReply{}, c.stopped()
		}
	}
}

// appendRequest appends a request packet carrying one string (a path or a
// handle) to b.
func appendRequest(b []byte, typ byte, id uint32, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(1+4+4+len(s)))
	b = append(b, typ)
	b = binary.BigEndian.AppendUint32(b, id)
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}
