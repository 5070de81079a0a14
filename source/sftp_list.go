package source

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sync"
	"time"
)

// This file is a minimal SFTP version 3 client (draft-ietf-secsh-filexfer-02)
// that lists folders (and streams files, see sftp_stream.go). pkg/sftp's
// ReadDir waits for each READDIR reply before it sends the next request;
// OpenSSH's sftp-server answers about 100 names per READDIR, so a folder of
// 10,000 files costs 100 round trips in a row. The protocol lets a client send many READDIR requests on one handle
// without waiting: servers process the requests of a session in order and
// answer each with the next batch of names, then with SSH_FX_EOF. listClient
// keeps listWindow requests in flight per folder, so the server never waits
// for the client.
//
// It runs on its own "sftp" session of the connection, beside pkg/sftp's,
// opened on the first List or stream. Anything unexpected (the server
// refuses a second session, breaks the protocol, answers out of order)
// makes List fall back to pkg/sftp for that folder (a stream, from where it
// stopped), and the connection stops using listClient.

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

// errSFTPProtocol is wrapped by listClient's errors when the server breaks
// the protocol; List then reads the folder with pkg/sftp.
var errSFTPProtocol = errors.New("source: SFTP protocol error")

// RemoteError is an SFTP server's refusal (a STATUS reply other than OK
// or EOF) of a request on a path, returned by List. errors.Is(err,
// fs.ErrNotExist) and errors.Is(err, fs.ErrPermission) hold for the
// matching codes.
type RemoteError struct {
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

func (e *RemoteError) Error() string {
	code := fmt.Sprintf("status %d", e.Code)
	if int(e.Code) < len(fxNames) {
		code = fxNames[e.Code]
	}
	msg := fmt.Sprintf("source: SFTP %s %s: %s", e.Op, e.Path, code)
	if e.Message != "" {
		msg += fmt.Sprintf(" (server: %q)", e.Message)
	}
	return msg
}

// Is reports whether target is fs.ErrNotExist or fs.ErrPermission and the
// code means it.
func (e *RemoteError) Is(target error) bool {
	switch target {
	case fs.ErrNotExist:
		return e.Code == fxNoSuchFile
	case fs.ErrPermission:
		return e.Code == fxPermissionDenied
	}
	return false
}

// dirEntry is one name of a folder with the attributes List uses.
type dirEntry struct {
	name  string
	size  int64
	mtime time.Time
	mode  fs.FileMode
	typed bool // mode holds the file's type (the server sent permissions with S_IFMT bits)
}

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

// listClient is the listing client on one SFTP session. Requests are
// matched to replies by id by one receiver goroutine, which stops when the
// session's stream ends (the session or the connection is closed) or the
// server breaks the protocol. It is safe for concurrent use.
type listClient struct {
	w     io.Writer
	close func() // closes the session

	wmu sync.Mutex // one packet (or batch) written at a time

	mu      sync.Mutex
	id      uint32
	pending map[uint32]call

	done chan struct{} // closed when the receiver stops
	err  error         // why it stopped; set before done is closed
}

// newListClient sends INIT on the session's stdin w, reads VERSION from its
// stdout r and starts the receiver. closeFn closes the session; it is called
// when the handshake fails and by shutdown.
func newListClient(ctx context.Context, r io.Reader, w io.Writer, closeFn func()) (*listClient, error) {
	stop := context.AfterFunc(ctx, closeFn)
	// No bufio: a DATA reply is read straight into its buffer, and the
	// session's channel already buffers (its reads are cheap).
	br := r
	err := func() error {
		if _, err := w.Write([]byte{0, 0, 0, 5, fxpInit, 0, 0, 0, 3}); err != nil {
			return fmt.Errorf("source: starting SFTP listing session: %w", err)
		}
		p, err := readPacket(br)
		if err != nil {
			return err
		}
		if p[0] != fxpVersion || len(p) < 5 {
			return fmt.Errorf("%w: expected VERSION, got packet type %d", errSFTPProtocol, p[0])
		}
		if v := binary.BigEndian.Uint32(p[1:]); v != 3 {
			return fmt.Errorf("%w: server speaks SFTP version %d, not 3", errSFTPProtocol, v)
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
	c := &listClient{w: w, close: closeFn, pending: map[uint32]call{}, done: make(chan struct{})}
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
		return 0, fmt.Errorf("%w: packet of %d bytes (at most %d)", errSFTPProtocol, n, listMaxPacket)
	}
	return n, nil
}

func readFull(r io.Reader, b []byte) error {
	if _, err := io.ReadFull(r, b); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("source: SFTP session: %w", err)
	}
	return nil
}

// receive hands each reply to the request with its id until the stream
// ends. A reply to an unknown id (a request abandoned after its context
// ended) is dropped. The payload goes into the buffer the request brought
// when it fits (a stream's), else into a pooled buffer when it is long,
// else into a new one.
func (c *listClient) receive(r io.Reader) {
	var err error
	for {
		var n uint32
		if n, err = readLength(r); err != nil {
			break
		}
		if n < 5 {
			err = fmt.Errorf("%w: reply of %d bytes without id", errSFTPProtocol, n)
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
				err = fmt.Errorf("source: SFTP session: %w", err)
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
	if errors.Is(err, errSFTPProtocol) {
		c.close() // nothing more can be understood on this session
	}
}

// broken reports whether the receiver has stopped.
func (c *listClient) broken() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// shutdown closes the session and waits for the receiver.
func (c *listClient) shutdown() {
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
func (c *listClient) register(calls []call) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range calls {
		c.id++
		calls[i].id, calls[i].ch = c.id, make(chan listReply, 1)
		c.pending[c.id] = calls[i]
	}
}

// forget abandons requests whose replies will not be waited for.
func (c *listClient) forget(calls []call) {
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
func (c *listClient) send(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.broken() {
		return c.stopped()
	}
	if _, err := c.w.Write(b); err != nil {
		return &netError{fmt.Errorf("source: SFTP session: %w", err)}
	}
	return nil
}

// stopped is the error of a call made after the receiver stopped.
func (c *listClient) stopped() error {
	if errors.Is(c.err, errSFTPProtocol) {
		return c.err
	}
	return &netError{c.err}
}

// wait returns the reply of k.
func (c *listClient) wait(ctx context.Context, k call) (listReply, error) {
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

// statOpenDir sends STAT and OPENDIR of p in one write, so that the root of
// a listing costs one round trip, not two, before its READDIRs. It returns
// what STAT says of p (following symbolic links) and, when p is a folder,
// its open handle, which the caller reads with readHandle, and the round
// trip of STAT. A folder whose
// type the server leaves out counts as a folder when OPENDIR succeeds. A
// refused STAT is a *RemoteError with Op "stat", a folder that cannot be
// opened one with Op "opendir". When ctx ends between the two replies, a
// handle the server opened stays open until the session ends.
func (c *listClient) statOpenDir(ctx context.Context, p string) (e dirEntry, handle string, rtt time.Duration, err error) {
	var k [2]call
	c.register(k[:])
	b := appendRequest(nil, fxpStat, k[0].id, p)
	t0 := time.Now()
	if err := c.send(appendRequest(b, fxpOpendir, k[1].id, p)); err != nil {
		c.forget(k[:])
		return e, "", 0, err
	}
	rs, err := c.wait(ctx, k[0])
	if err != nil {
		c.forget(k[1:])
		return e, "", 0, err
	}
	rtt = time.Since(t0)
	ro, err := c.wait(ctx, k[1])
	if err != nil {
		rs.release()
		return e, "", 0, err
	}
	handle, openErr := parseHandle(ro, "opendir", p)
	ro.release()
	e, err = parseStat(rs, p)
	rs.release()
	isDir := err == nil && (e.mode.IsDir() || (!e.typed && openErr == nil))
	if handle != "" && !isDir {
		c.closeHandle(handle)
	}
	switch {
	case err != nil:
		return e, "", rtt, err
	case !isDir:
		return e, "", rtt, nil
	case openErr != nil:
		return e, "", rtt, openErr
	}
	e.mode |= fs.ModeDir
	return e, handle, rtt, nil
}

// parseStat reads the reply to STAT.
func parseStat(r listReply, p string) (dirEntry, error) {
	switch r.typ {
	case fxpAttrs:
		e, rest, ok := parseAttrs(r.data)
		if !ok || len(rest) != 0 {
			return e, fmt.Errorf("%w: stat %s: malformed ATTRS reply", errSFTPProtocol, p)
		}
		return e, nil
	case fxpStatus:
		code, msg, err := parseStatus(r.data)
		if err != nil {
			return dirEntry{}, fmt.Errorf("stat %s: %w", p, err)
		}
		if code == fxOK {
			return dirEntry{}, fmt.Errorf("%w: stat %s: status OK instead of attributes", errSFTPProtocol, p)
		}
		return dirEntry{}, &RemoteError{Op: "stat", Path: p, Code: code, Message: msg}
	}
	return dirEntry{}, fmt.Errorf("%w: stat %s: reply of type %d", errSFTPProtocol, p, r.typ)
}

// readDir lists dir: OPENDIR, then readHandle. A folder that cannot be
// opened is a *RemoteError with Op "opendir".
func (c *listClient) readDir(ctx context.Context, dir string) ([]dirEntry, error) {
	var open [1]call
	c.register(open[:])
	if err := c.send(appendRequest(nil, fxpOpendir, open[0].id, dir)); err != nil {
		c.forget(open[:])
		return nil, err
	}
	t0 := time.Now()
	r, err := c.wait(ctx, open[0])
	if err != nil {
		return nil, err
	}
	rtt := time.Since(t0)
	handle, err := parseHandle(r, "opendir", dir)
	if err != nil {
		return nil, err
	}
	return c.readHandle(ctx, dir, handle, rtt)
}

// readHandle lists the open folder dir: up to listWindow READDIR requests
// in flight until the server answers SSH_FX_EOF, then CLOSE (its reply
// not waited for); rtt is the round trip that opened it, if known. It
// returns
// every name but "." and "..". A STATUS error is a *RemoteError; a reply
// that breaks the protocol (or comes out of order) wraps errSFTPProtocol.
func (c *listClient) readHandle(ctx context.Context, dir, handle string, rtt time.Duration) ([]dirEntry, error) {
	var (
		out      []dirEntry
		inflight = make([]call, 0, listWindow)
		long     = rtt >= listLongRTT
		names    int // NAME replies received
		buf      []byte
		eof      bool
		replies  int
		closing  []call // the CLOSE request, once sent
		target   = 2
	)
	// issue sends n more READDIR requests in one write.
	issue := func(n int) error {
		calls := make([]call, n)
		c.register(calls)
		buf = buf[:0]
		for _, k := range calls {
			buf = appendRequest(buf, fxpReaddir, k.id, handle)
		}
		inflight = append(inflight, calls...)
		return c.send(buf)
	}
	// closeHandle sends CLOSE; its reply is read with the last READDIR
	// replies, or abandoned on failure.
	closeHandle := func() error {
		if closing != nil {
			return nil
		}
		closing = make([]call, 1)
		c.register(closing)
		return c.send(appendRequest(nil, fxpClose, closing[0].id, handle))
	}
	fail := func(err error) ([]dirEntry, error) {
		c.forget(inflight)
		closeHandle() // best effort, not waited for
		c.forget(closing)
		return nil, err
	}
	// Two requests first (a small folder costs one NAME and one EOF
	// reply); each NAME reply doubles the window up to listWindow (more on
	// a long round trip), and the window is refilled once half of it came
	// back.
	if long {
		target = 2 * listWindow
	}
	if err := issue(target); err != nil {
		return fail(err)
	}
	for len(inflight) > 0 {
		k := inflight[0]
		r, err := c.wait(ctx, k)
		if err != nil {
			return fail(err)
		}
		inflight = inflight[1:]
		if replies++; replies > listMaxEntries {
			return fail(fmt.Errorf("%w: reading folder %s: more than %d replies", errSFTPProtocol, dir, listMaxEntries))
		}
		switch r.typ {
		case fxpName:
			if eof {
				return fail(fmt.Errorf("%w: reading folder %s: names after the end of the folder (replies out of order)", errSFTPProtocol, dir))
			}
			out, err = parseNames(out, r.data) // copies the names
			r.release()
			if err != nil {
				return fail(fmt.Errorf("reading folder %s: %w", dir, err))
			}
			if len(out) > listMaxEntries {
				return fail(fmt.Errorf("%w: reading folder %s: more than %d names", errSFTPProtocol, dir, listMaxEntries))
			}
			// Refill in batches: one write (one SSH packet for sshd to
			// read and pass on) per half window instead of one per reply.
			names++
			target = min(2*target, listWindow)
			if long {
				target = max(target, min(4*names, listMaxWindow))
			}
			if len(inflight) <= target/2 {
				if err := issue(target - len(inflight)); err != nil {
					return fail(err)
				}
			}
		case fxpStatus:
			code, msg, err := parseStatus(r.data)
			if err != nil {
				return fail(fmt.Errorf("reading folder %s: %w", dir, err))
			}
			if code != fxEOF {
				return fail(&RemoteError{Op: "readdir", Path: dir, Code: code, Message: msg})
			}
			if !eof {
				eof = true
				if err := closeHandle(); err != nil {
					return fail(err)
				}
			}
		default:
			return fail(fmt.Errorf("%w: reading folder %s: reply of type %d to READDIR", errSFTPProtocol, dir, r.typ))
		}
	}
	// The CLOSE reply is not waited for (a round trip less): a failure to
	// close a folder's handle does not change what was read, and the
	// server answers requests in order, so the handle is closed before
	// anything sent later is done.
	c.forget(closing)
	return out, nil
}

// parseHandle reads the reply to OPENDIR.
func parseHandle(r listReply, op, p string) (string, error) {
	switch r.typ {
	case fxpHandle:
		h, rest, ok := parseString(r.data)
		if !ok || len(rest) != 0 || len(h) == 0 || len(h) > listMaxHandle {
			return "", fmt.Errorf("%w: %s %s: malformed HANDLE reply", errSFTPProtocol, op, p)
		}
		return string(h), nil
	case fxpStatus:
		code, msg, err := parseStatus(r.data)
		if err != nil {
			return "", fmt.Errorf("%s %s: %w", op, p, err)
		}
		if code == fxOK {
			return "", fmt.Errorf("%w: %s %s: status OK instead of a handle", errSFTPProtocol, op, p)
		}
		return "", &RemoteError{Op: op, Path: p, Code: code, Message: msg}
	}
	return "", fmt.Errorf("%w: %s %s: reply of type %d", errSFTPProtocol, op, p, r.typ)
}

// parseStatus reads a STATUS payload after the id: the code, then the
// message and language tag, which some servers leave out.
func parseStatus(b []byte) (code uint32, msg string, err error) {
	code, b, ok := parseUint32(b)
	if !ok {
		return 0, "", fmt.Errorf("%w: malformed STATUS reply", errSFTPProtocol)
	}
	if m, _, ok := parseString(b); ok {
		msg = string(m)
	}
	return code, msg, nil
}

// parseNames appends the entries of a NAME payload (after the id) to out,
// leaving out "." and "..". Names are path.Base'd as pkg/sftp does; List
// checks them before use.
func parseNames(out []dirEntry, b []byte) ([]dirEntry, error) {
	count, b, ok := parseUint32(b)
	if !ok {
		return out, fmt.Errorf("%w: malformed NAME reply", errSFTPProtocol)
	}
	// Each entry takes at least 12 bytes (two empty strings and the
	// attribute flags): a count the payload cannot hold is refused before
	// anything is allocated for it.
	if uint64(count)*12 > uint64(len(b)) {
		return out, fmt.Errorf("%w: NAME reply announces %d names in %d bytes", errSFTPProtocol, count, len(b))
	}
	out = growEntries(out, int(count))
	for i := uint32(0); i < count; i++ {
		var name []byte
		if name, b, ok = parseString(b); !ok {
			return out, fmt.Errorf("%w: malformed name %d of a NAME reply", errSFTPProtocol, i)
		}
		if _, b, ok = parseString(b); !ok { // the "ls -l" line
			return out, fmt.Errorf("%w: malformed long name %d of a NAME reply", errSFTPProtocol, i)
		}
		var e dirEntry
		if e, b, ok = parseAttrs(b); !ok {
			return out, fmt.Errorf("%w: malformed attributes of name %d of a NAME reply", errSFTPProtocol, i)
		}
		if s := string(name); s != "." && s != ".." {
			e.name = path.Base(s)
			out = append(out, e)
		}
	}
	if len(b) != 0 {
		return out, fmt.Errorf("%w: %d bytes after the names of a NAME reply", errSFTPProtocol, len(b))
	}
	return out, nil
}

// growEntries makes room for n more entries without trusting n beyond what
// the payload can hold (checked by the caller).
func growEntries(out []dirEntry, n int) []dirEntry {
	if cap(out)-len(out) >= n {
		return out
	}
	grown := make([]dirEntry, len(out), max(2*cap(out), len(out)+n))
	copy(grown, out)
	return grown
}

// parseAttrs reads a version 3 ATTRS structure.
func parseAttrs(b []byte) (dirEntry, []byte, bool) {
	var e dirEntry
	flags, b, ok := parseUint32(b)
	if !ok {
		return e, b, false
	}
	if flags&attrSize != 0 {
		var size uint64
		if size, b, ok = parseUint64(b); !ok {
			return e, b, false
		}
		e.size = int64(size) // as pkg/sftp
	}
	if flags&attrUIDGID != 0 {
		if len(b) < 8 {
			return e, b, false
		}
		b = b[8:]
	}
	if flags&attrPermissions != 0 {
		var perm uint32
		if perm, b, ok = parseUint32(b); !ok {
			return e, b, false
		}
		e.mode, e.typed = fileMode(perm)
	}
	if flags&attrACModTime != 0 {
		var mtime uint32
		if _, b, ok = parseUint32(b); !ok { // atime
			return e, b, false
		}
		if mtime, b, ok = parseUint32(b); !ok {
			return e, b, false
		}
		e.mtime = time.Unix(int64(mtime), 0) // as pkg/sftp, so State compares equal
	}
	if flags&attrExtended != 0 {
		var n uint32
		if n, b, ok = parseUint32(b); !ok {
			return e, b, false
		}
		for range n {
			if _, b, ok = parseString(b); !ok {
				return e, b, false
			}
			if _, b, ok = parseString(b); !ok {
				return e, b, false
			}
		}
	}
	return e, b, true
}

// fileMode converts POSIX permission bits to an fs.FileMode; typed is false
// when the type bits (S_IFMT) are missing or unknown.
func fileMode(perm uint32) (mode fs.FileMode, typed bool) {
	mode = fs.FileMode(perm & 0o777)
	if perm&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if perm&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if perm&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	typed = true
	switch perm & 0o170000 {
	case 0o100000: // S_IFREG
	case 0o040000:
		mode |= fs.ModeDir
	case 0o120000:
		mode |= fs.ModeSymlink
	case 0o010000:
		mode |= fs.ModeNamedPipe
	case 0o140000:
		mode |= fs.ModeSocket
	case 0o060000:
		mode |= fs.ModeDevice
	case 0o020000:
		mode |= fs.ModeDevice | fs.ModeCharDevice
	default:
		typed = false
	}
	return mode, typed
}

func parseUint32(b []byte) (uint32, []byte, bool) {
	if len(b) < 4 {
		return 0, b, false
	}
	return binary.BigEndian.Uint32(b), b[4:], true
}

func parseUint64(b []byte) (uint64, []byte, bool) {
	if len(b) < 8 {
		return 0, b, false
	}
	return binary.BigEndian.Uint64(b), b[8:], true
}

func parseString(b []byte) ([]byte, []byte, bool) {
	n, b, ok := parseUint32(b)
	if !ok || uint64(n) > uint64(len(b)) {
		return nil, b, false
	}
	return b[:n], b[n:], true
}
