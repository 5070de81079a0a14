package sftpwire

import (
	"context"
	"encoding/binary"
	"fmt"
)

// Streaming a file with the connection's own SFTP session (the one the
// listing uses, see list.go). pkg/sftp's WriteTo allocates a buffer for every
// reply and hands each one through several goroutines; this keeps window
// READ requests in flight, reads each DATA reply into a pooled buffer and
// delivers it in order from the calling goroutine. The profile of a
// download on loopback showed the garbage collector and the scheduler,
// not the cipher, as the difference from OpenSSH's client.

const (
	fxpOpen  = 3
	fxpRead  = 5
	fxpFstat = 8
	fxpData  = 103
	fxpAttrs = 105

	fxfRead = 0x00000001
)

// OpenFile opens p for reading and returns its handle and size (FSTAT).
func (c *Client) OpenFile(ctx context.Context, p string) (handle string, size int64, err error) {
	var k [1]call
	c.register(k[:])
	b := binary.BigEndian.AppendUint32(nil, uint32(1+4+4+len(p)+4+4))
	b = append(b, fxpOpen)
	b = binary.BigEndian.AppendUint32(b, k[0].id)
	b = binary.BigEndian.AppendUint32(b, uint32(len(p)))
	b = append(b, p...)
	b = binary.BigEndian.AppendUint32(b, fxfRead)
	b = binary.BigEndian.AppendUint32(b, 0) // no attributes
	if err := c.send(b); err != nil {
		c.forget(k[:])
		return "", 0, err
	}
	r, err := c.wait(ctx, k[0])
	if err != nil {
		return "", 0, err
	}
	handle, err = parseHandle(r, "open", p)
	r.release()
	if err != nil {
		return "", 0, err
	}
	c.register(k[:])
	if err := c.send(appendRequest(nil, fxpFstat, k[0].id, handle)); err != nil {
		c.forget(k[:])
		c.CloseHandle(handle)
		return "", 0, err
	}
	r, err = c.wait(ctx, k[0])
	if err != nil {
		c.CloseHandle(handle)
		return "", 0, err
	}
	defer r.release()
	switch r.typ {
	case fxpAttrs:
		e, rest, ok := parseAttrs(r.data)
		if ok && len(rest) == 0 && e.Typed && e.Mode.IsRegular() && e.Size >= 0 {
			return handle, e.Size, nil
		}
		if ok && len(rest) == 0 && e.Typed {
			c.CloseHandle(handle)
			return "", 0, fmt.Errorf("remote: %s is not a regular file", p)
		}
		// No size or no type: pkg/sftp's path copes with that.
		c.CloseHandle(handle)
		return "", 0, fmt.Errorf("%w: fstat %s: attributes without size or type", ErrProtocol, p)
	case fxpStatus:
		code, msg, err := parseStatus(r.data)
		c.CloseHandle(handle)
		if err != nil {
			return "", 0, fmt.Errorf("fstat %s: %w", p, err)
		}
		return "", 0, &StatusError{Op: "fstat", Path: p, Code: code, Message: msg}
	}
	c.CloseHandle(handle)
	return "", 0, fmt.Errorf("%w: fstat %s: reply of type %d", ErrProtocol, p, r.typ)
}

// CloseHandle sends CLOSE without waiting for the reply.
func (c *Client) CloseHandle(handle string) {
	var k [1]call
	c.register(k[:])
	c.forget(k[:])
	c.send(appendRequest(nil, fxpClose, k[0].id, handle))
}

// appendRead appends a READ request.
func appendRead(b []byte, id uint32, handle string, off int64, n int) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(1+4+4+len(handle)+8+4))
	b = append(b, fxpRead)
	b = binary.BigEndian.AppendUint32(b, id)
	b = binary.BigEndian.AppendUint32(b, uint32(len(handle)))
	b = append(b, handle...)
	b = binary.BigEndian.AppendUint64(b, uint64(off))
	return binary.BigEndian.AppendUint32(b, uint32(n))
}

// readReq is a READ in flight: n bytes at off (a probe past the end when
// probe is set).
type readReq struct {
	k     call
	off   int64
	n     int
	probe bool
}

// StreamFile reads the open file from off to size with window requests of
// chunk bytes in flight and passes the data, in order, to deliver; a last
// request at size must find the end of the file. A reply shorter than its
// request is completed by further requests before anything after it is
// delivered; onShort learns the length the server served. It returns
// ErrShortRead when the file ends before size and ErrChanged when it goes
// on after it.
func (c *Client) StreamFile(ctx context.Context, p, handle string, off, size int64, chunk, window int,
	deliver func([]byte) error, onShort func(n int)) error {
	var (
		queue []readReq
		next  = off
		buf   []byte
		done  bool // the probe at size was sent
		// The stream's own reply buffers, one per request in flight: no
		// allocation per reply, and no pool emptied by every GC.
		free []*[]byte
	)
	fail := func(err error) error {
		for _, q := range queue {
			c.forget([]call{q.k})
		}
		return err
	}
	// Requests are sent in batches of an eighth of the window: fewer
	// packets and system calls, with at least 7/8 of it in flight.
	batch := max(1, window/8)
	fill := func() error {
		buf = buf[:0]
		want := int64(window - len(queue))
		if want < int64(batch) && !done && next+int64(want)*int64(chunk) < size {
			return nil // not yet a full batch (unless the rest is shorter)
		}
		if done {
			want = 0
		} else {
			// The requests left: the chunks up to size, and the probe.
			want = min(want, (size-next+int64(chunk)-1)/int64(chunk)+1)
		}
		if want <= 0 {
			return nil
		}
		calls := make([]call, want)
		for i := range calls {
			if next+int64(i)*int64(chunk) >= size {
				break // the probe needs no buffer
			}
			if len(free) == 0 {
				b := make([]byte, 4+chunk)
				free = append(free, &b)
			}
			calls[i].buf, free = free[len(free)-1], free[:len(free)-1]
		}
		c.register(calls)
		for _, k := range calls {
			q := readReq{k: k, off: next, n: int(min(int64(chunk), size-next))}
			if next >= size {
				q.n, q.probe, done = 1, true, true
			}
			next += int64(q.n)
			queue = append(queue, q)
			buf = appendRead(buf, k.id, handle, q.off, q.n)
		}
		return c.send(buf)
	}
	if err := fill(); err != nil {
		return fail(err)
	}
	for len(queue) > 0 {
		q := queue[0]
		r, err := c.wait(ctx, q.k)
		if err != nil {
			return fail(err)
		}
		queue = queue[1:]
		got, err := c.readReply(r, q, p, size)
		if err != nil {
			r.release()
			return fail(err)
		}
		if len(got) > 0 {
			err = deliver(got)
		}
		n := len(got)
		r.release()
		if q.k.buf != nil {
			free = append(free, q.k.buf) // delivered: reusable
		}
		if err != nil {
			return fail(err)
		}
		// A short reply: ask for the rest of this request, one request at a
		// time, before anything after it is delivered.
		if n < q.n && !q.probe {
			if n > 0 {
				onShort(n)
			}
			for rest := (readReq{off: q.off + int64(n), n: q.n - n}); rest.n > 0; {
				var k [1]call
				c.register(k[:])
				rest.k = k[0]
				if err := c.send(appendRead(nil, rest.k.id, handle, rest.off, rest.n)); err != nil {
					c.forget(k[:])
					return fail(err)
				}
				r, err := c.wait(ctx, rest.k)
				if err != nil {
					return fail(err)
				}
				got, err := c.readReply(r, rest, p, size)
				if err == nil && len(got) == 0 {
					err = fmt.Errorf("%w: %s: empty read at %d", ErrProtocol, p, rest.off)
				}
				if err == nil {
					err = deliver(got)
				}
				rest.off += int64(len(got))
				rest.n -= len(got)
				r.release()
				if err != nil {
					return fail(err)
				}
			}
		}
		if err := fill(); err != nil {
			return fail(err)
		}
	}
	return nil
}

// readReply checks the reply to q and returns its data (nil at the end of
// the file, which is only right for the probe).
func (c *Client) readReply(r listReply, q readReq, p string, size int64) ([]byte, error) {
	switch r.typ {
	case fxpData:
		data, rest, ok := parseString(r.data)
		if !ok || len(rest) != 0 || len(data) > q.n {
			return nil, fmt.Errorf("%w: read %s at %d: malformed DATA reply", ErrProtocol, p, q.off)
		}
		if q.probe {
			if len(data) == 0 {
				return nil, nil // an empty reply instead of SSH_FX_EOF
			}
			return nil, fmt.Errorf("%w: %s is longer than %d bytes", ErrChanged, p, size)
		}
		return data, nil
	case fxpStatus:
		code, msg, err := parseStatus(r.data)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		if code == fxEOF {
			if q.probe {
				return nil, nil
			}
			return nil, fmt.Errorf("%w: %s: end of file at %d, size %d", ErrShortRead, p, q.off, size)
		}
		return nil, &StatusError{Op: "read", Path: p, Code: code, Message: msg}
	}
	return nil, fmt.Errorf("%w: read %s at %d: reply of type %d", ErrProtocol, p, q.off, r.typ)
}
