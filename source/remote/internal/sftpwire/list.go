package sftpwire

import (
	"context"
	"encoding/binary"
	"fmt"
	"io/fs"
	"path"
	"time"
)

// StatOpenDir sends STAT and OPENDIR of p in one write, so that the root of
// a listing costs one round trip, not two, before its READDIRs. It returns
// what STAT says of p (following symbolic links) and, when p is a folder,
// its open handle, which the caller reads with ReadHandle, and the round
// trip of STAT. A folder whose
// type the server leaves out counts as a folder when OPENDIR succeeds. A
// refused STAT is a *StatusError with Op "stat", a folder that cannot be
// opened one with Op "opendir". When ctx ends between the two replies, a
// handle the server opened stays open until the session ends.
func (c *Client) StatOpenDir(ctx context.Context, p string) (e Entry, handle string, rtt time.Duration, err error) {
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
	isDir := err == nil && (e.Mode.IsDir() || (!e.Typed && openErr == nil))
	if handle != "" && !isDir {
		c.CloseHandle(handle)
	}
	switch {
	case err != nil:
		return e, "", rtt, err
	case !isDir:
		return e, "", rtt, nil
	case openErr != nil:
		return e, "", rtt, openErr
	}
	e.Mode |= fs.ModeDir
	return e, handle, rtt, nil
}

// parseStat reads the reply to STAT.
func parseStat(r listReply, p string) (Entry, error) {
	switch r.typ {
	case fxpAttrs:
		e, rest, ok := parseAttrs(r.data)
		if !ok || len(rest) != 0 {
			return e, fmt.Errorf("%w: stat %s: malformed ATTRS reply", ErrProtocol, p)
		}
		return e, nil
	case fxpStatus:
		code, msg, err := parseStatus(r.data)
		if err != nil {
			return Entry{}, fmt.Errorf("stat %s: %w", p, err)
		}
		if code == fxOK {
			return Entry{}, fmt.Errorf("%w: stat %s: status OK instead of attributes", ErrProtocol, p)
		}
		return Entry{}, &StatusError{Op: "stat", Path: p, Code: code, Message: msg}
	}
	return Entry{}, fmt.Errorf("%w: stat %s: reply of type %d", ErrProtocol, p, r.typ)
}

// ReadDir lists dir: OPENDIR, then ReadHandle. A folder that cannot be
// opened is a *StatusError with Op "opendir".
func (c *Client) ReadDir(ctx context.Context, dir string) ([]Entry, error) {
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
	return c.ReadHandle(ctx, dir, handle, rtt)
}

// ReadHandle lists the open folder dir: up to listWindow READDIR requests
// in flight until the server answers SSH_FX_EOF, then CLOSE (its reply
// not waited for); rtt is the round trip that opened it, if known. It
// returns
// every name but "." and "..". A STATUS error is a *StatusError; a reply
// that breaks the protocol (or comes out of order) wraps ErrProtocol.
func (c *Client) ReadHandle(ctx context.Context, dir, handle string, rtt time.Duration) ([]Entry, error) {
	var (
		out      []Entry
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
	// CloseHandle sends CLOSE; its reply is read with the last READDIR
	// replies, or abandoned on failure.
	CloseHandle := func() error {
		if closing != nil {
			return nil
		}
		closing = make([]call, 1)
		c.register(closing)
		return c.send(appendRequest(nil, fxpClose, closing[0].id, handle))
	}
	fail := func(err error) ([]Entry, error) {
		c.forget(inflight)
		CloseHandle() // best effort, not waited for
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
			return fail(fmt.Errorf("%w: reading folder %s: more than %d replies", ErrProtocol, dir, listMaxEntries))
		}
		switch r.typ {
		case fxpName:
			if eof {
				return fail(fmt.Errorf("%w: reading folder %s: names after the end of the folder (replies out of order)", ErrProtocol, dir))
			}
			out, err = parseNames(out, r.data) // copies the names
			r.release()
			if err != nil {
				return fail(fmt.Errorf("reading folder %s: %w", dir, err))
			}
			if len(out) > listMaxEntries {
				return fail(fmt.Errorf("%w: reading folder %s: more than %d names", ErrProtocol, dir, listMaxEntries))
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
				return fail(&StatusError{Op: "readdir", Path: dir, Code: code, Message: msg})
			}
			if !eof {
				eof = true
				if err := CloseHandle(); err != nil {
					return fail(err)
				}
			}
		default:
			return fail(fmt.Errorf("%w: reading folder %s: reply of type %d to READDIR", ErrProtocol, dir, r.typ))
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
			return "", fmt.Errorf("%w: %s %s: malformed HANDLE reply", ErrProtocol, op, p)
		}
		return string(h), nil
	case fxpStatus:
		code, msg, err := parseStatus(r.data)
		if err != nil {
			return "", fmt.Errorf("%s %s: %w", op, p, err)
		}
		if code == fxOK {
			return "", fmt.Errorf("%w: %s %s: status OK instead of a handle", ErrProtocol, op, p)
		}
		return "", &StatusError{Op: op, Path: p, Code: code, Message: msg}
	}
	return "", fmt.Errorf("%w: %s %s: reply of type %d", ErrProtocol, op, p, r.typ)
}

// parseStatus reads a STATUS payload after the id: the code, then the
// message and language tag, which some servers leave out.
func parseStatus(b []byte) (code uint32, msg string, err error) {
	code, b, ok := parseUint32(b)
	if !ok {
		return 0, "", fmt.Errorf("%w: malformed STATUS reply", ErrProtocol)
	}
	if m, _, ok := parseString(b); ok {
		msg = string(m)
	}
	return code, msg, nil
}

// parseNames appends the entries of a NAME payload (after the id) to out,
// leaving out "." and "..". Names are path.Base'd as pkg/sftp does; List
// checks them before use.
func parseNames(out []Entry, b []byte) ([]Entry, error) {
	count, b, ok := parseUint32(b)
	if !ok {
		return out, fmt.Errorf("%w: malformed NAME reply", ErrProtocol)
	}
	// Each entry takes at least 12 bytes (two empty strings and the
	// attribute flags): a count the payload cannot hold is refused before
	// anything is allocated for it.
	if uint64(count)*12 > uint64(len(b)) {
		return out, fmt.Errorf("%w: NAME reply announces %d names in %d bytes", ErrProtocol, count, len(b))
	}
	out = growEntries(out, int(count))
	for i := uint32(0); i < count; i++ {
		var name []byte
		if name, b, ok = parseString(b); !ok {
			return out, fmt.Errorf("%w: malformed name %d of a NAME reply", ErrProtocol, i)
		}
		if _, b, ok = parseString(b); !ok { // the "ls -l" line
			return out, fmt.Errorf("%w: malformed long name %d of a NAME reply", ErrProtocol, i)
		}
		var e Entry
		if e, b, ok = parseAttrs(b); !ok {
			return out, fmt.Errorf("%w: malformed attributes of name %d of a NAME reply", ErrProtocol, i)
		}
		if s := string(name); s != "." && s != ".." {
			e.Name = path.Base(s)
			out = append(out, e)
		}
	}
	if len(b) != 0 {
		return out, fmt.Errorf("%w: %d bytes after the names of a NAME reply", ErrProtocol, len(b))
	}
	return out, nil
}

// growEntries makes room for n more entries without trusting n beyond what
// the payload can hold (checked by the caller).
func growEntries(out []Entry, n int) []Entry {
	if cap(out)-len(out) >= n {
		return out
	}
	grown := make([]Entry, len(out), max(2*cap(out), len(out)+n))
	copy(grown, out)
	return grown
}

// parseAttrs reads a version 3 ATTRS structure.
func parseAttrs(b []byte) (Entry, []byte, bool) {
	var e Entry
	flags, b, ok := parseUint32(b)
	if !ok {
		return e, b, false
	}
	if flags&attrSize != 0 {
		var size uint64
		if size, b, ok = parseUint64(b); !ok {
			return e, b, false
		}
		e.Size = int64(size) // as pkg/sftp
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
		e.Mode, e.Typed = fileMode(perm)
	}
	if flags&attrACModTime != 0 {
		var mtime uint32
		if _, b, ok = parseUint32(b); !ok { // atime
			return e, b, false
		}
		if mtime, b, ok = parseUint32(b); !ok {
			return e, b, false
		}
		e.ModTime = time.Unix(int64(mtime), 0) // as pkg/sftp, so State compares equal
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
