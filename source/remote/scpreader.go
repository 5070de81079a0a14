package remote

import (
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// scpReader streams one file with "scp -p -f". After a failure it restarts
// the transfer on a (new) connection and discards the bytes it already
// delivered. It does not implement io.ReaderAt.
type scpReader struct {
	r    *remoteFile
	ss   *scpSession
	on   *sshConn
	left int64
	done bool

	rs     retryState
	last   int64 // r.off at the last failure
	broken error // failure after the bytes the last Read delivered
}

// start runs scp for the file and reads up to its data.
func (sr *scpReader) start(c *sshConn) error {
	r := sr.r
	cmd, err := scpCommand("-p", r.rp)
	if err != nil {
		return err
	}
	ss, err := startSCP(r.ctx, c, cmd)
	if err != nil {
		return err
	}
	size, err := sr.header(ss)
	if err != nil {
		ss.close()
		return err
	}
	if sr.on == nil && r.size < 0 {
		r.size = size
	}
	if size != r.size {
		ss.close()
		return fmt.Errorf("%w: %s is %d bytes, expected %d", ErrChanged, r.rp, size, r.size)
	}
	if err := ss.ack(); err != nil {
		ss.close()
		return err
	}
	// Resume: skip what was delivered before the failure.
	if r.off > 0 {
		if _, err := io.CopyN(io.Discard, ss.br, r.off); err != nil {
			ss.close()
			return &netError{fmt.Errorf("remote: scp %s: skipping to %d: %w", r.rp, r.off, err)}
		}
	}
	sr.ss, sr.on, sr.left = ss, c, size-r.off
	return nil
}

// header reads the protocol lines of a running "scp -p -f" up to the file's
// C line, acknowledging its T lines, and returns the size the C line gives
// (the protocol reader of start, apart from the SSH session; the fuzz target
// feeds it arbitrary bytes).
func (sr *scpReader) header(ss *scpSession) (int64, error) {
	r := sr.r
	want := path.Base(r.rp)
	for {
		line, err := readSCPLine(ss.br)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, &netError{fmt.Errorf("remote: scp %s: %w", r.rp, err)}
		}
		if line == "" {
			return 0, fmt.Errorf("%w: empty protocol line", ErrSCP)
		}
		switch line[0] {
		case 'T':
			if _, err := parseSCPTime(line); err != nil {
				return 0, err
			}
			if err := ss.ack(); err != nil {
				return 0, err
			}
			continue
		case 1, 2:
			return 0, scpError(strings.TrimSpace(line[1:]))
		case 'C':
		default:
			return 0, fmt.Errorf("%w: unexpected protocol line %q", ErrSCP, line)
		}
		_, size, name, err := parseSCPEntry(line)
		if err != nil {
			return 0, err
		}
		if err := checkName(name); err != nil {
			return 0, err
		}
		if name != want {
			return 0, fmt.Errorf("%w: asked for %q, server sent %q", ErrBadName, want, name)
		}
		return size, nil
	}
}

// end reads the status byte after the data and finishes the transfer.
func (sr *scpReader) end() error {
	ss := sr.ss
	st, err := ss.br.ReadByte()
	if err != nil {
		return &netError{fmt.Errorf("remote: scp %s: %w", sr.r.rp, err)}
	}
	if st != 0 {
		msg, _ := readSCPLine(ss.br)
		return scpError(strings.TrimSpace(msg))
	}
	ss.ack()
	sr.stop()
	sr.done = true
	return sr.r.finish()
}

func (sr *scpReader) stop() {
	if sr.ss != nil {
		sr.ss.close()
		sr.ss = nil
	}
}

// Read reads the file's bytes in order.
func (sr *scpReader) Read(b []byte) (int, error) {
	r := sr.r
	if r.closed {
		return 0, os.ErrClosed
	}
	if sr.done {
		return 0, io.EOF
	}
	if len(b) == 0 {
		return 0, nil
	}
	// Fast path: a transfer is running and healthy.
	if sr.ss != nil && sr.broken == nil && sr.left > 0 && !sr.on.isDead() {
		m, err := sr.ss.br.Read(b[:min(int64(len(b)), sr.left)])
		if err == nil {
			sr.left -= int64(m)
			r.off += int64(m)
			if r.hash != nil {
				r.hash.Write(b[:m])
			}
			return m, nil
		}
		// The slow path below counts the failure and recovers.
		sr.stop()
		sr.left -= int64(m)
		r.off += int64(m)
		if r.hash != nil {
			r.hash.Write(b[:m])
		}
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		sr.broken = &netError{fmt.Errorf("remote: scp %s at %d: %w", r.rp, r.off, err)}
		if m > 0 {
			return m, nil
		}
	}
	n := 0
	err := r.s.retry(r.ctx, &sr.rs, func(c *sshConn) error {
		if sr.broken != nil {
			// The previous Read delivered the bytes before a failure.
			err := sr.broken
			sr.broken = nil
			return err
		}
		if sr.ss != nil && sr.on != c {
			// The connection of the running transfer died: a failure,
			// even though a new connection is already up.
			sr.stop()
			return &netError{fmt.Errorf("remote: scp %s at %d: connection lost", r.rp, r.off)}
		}
		if sr.ss == nil {
			if err := sr.start(c); err != nil {
				return err
			}
		}
		if sr.left == 0 {
			return sr.end()
		}
		m, err := sr.ss.br.Read(b[:min(int64(len(b)), sr.left)])
		n = m
		sr.left -= int64(m)
		r.off += int64(m)
		if r.hash != nil {
			r.hash.Write(b[:m])
		}
		if err != nil {
			sr.stop()
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			err = &netError{fmt.Errorf("remote: scp %s at %d: %w", r.rp, r.off, err)}
			if m > 0 {
				sr.broken = err
				return nil
			}
			return err
		}
		return nil
	}, func() bool { p := r.off > sr.last; sr.last = r.off; return p })
	if err != nil {
		sr.stop()
		return n, err
	}
	if sr.done {
		return n, io.EOF
	}
	return n, nil
}

// Close ends the transfer.
func (sr *scpReader) Close() error {
	sr.stop()
	sr.r.closed = true
	return nil
}
