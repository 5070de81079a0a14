package remote

import (
	"cmp"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"time"

	"github.com/pkg/sftp"

	"github.com/dumpline/importer/source/remote/internal/sftpwire"
)

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
		if !retryable(err) {
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
		if c != nil && (c.isDead() || c.proto.sharesSession()) {
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

// retryable reports whether a new connection (or, over SCP, a new
// transfer) may cure err. It lists what is retried, so that a new kind of
// error is final unless it is added here: a failure of the network or of
// the server's process, marked as a [netError] where it happens (dialling,
// the handshake, a stall, an SCP session, a read or a lost session of
// pkg/sftp, see [sftpFailure]) or as an [sftpwire.SessionError] by the own
// SFTP client.
//
// Some causes stay final even inside such a mark, as a new connection
// would meet them again: a cancelled or expired context, a failure of the
// reader's consumer ([writeError]), the server's refusal (a missing file,
// access denied) and a broken SCP stream ([ErrSCP]).
func retryable(err error) bool {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.As(err, new(*writeError)),
		errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission), errors.Is(err, ErrSCP):
		return false
	case errors.As(err, new(*netError)), errors.As(err, new(*sftpwire.SessionError)):
		return true
	}
	return false
}

// sftpFailure marks an error of a pkg/sftp call that means the session (or
// the connection under it) is gone as a [netError]; any other error, such
// as the server's refusal, is returned as it is.
func sftpFailure(err error) error {
	if errors.Is(err, sftp.ErrSSHFxConnectionLost) || errors.Is(err, sftp.ErrSSHFxNoConnection) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return &netError{err}
	}
	return err
}

// netError marks a failure of the network or the server's process that a
// new connection may cure.
type netError struct{ err error }

func (e *netError) Error() string { return e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// writeError is a failure of the reader's consumer, which no retry cures.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }
