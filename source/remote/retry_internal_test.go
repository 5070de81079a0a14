package remote

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/pkg/sftp"

	"github.com/dumpline/importer/source/remote/internal/sftpwire"
)

// TestRetryable: what is marked as a failure of the network or the
// server's process is retried; anything else, new errors included, is not.
func TestRetryable(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"network", &netError{io.ErrUnexpectedEOF}, true},
		{"network, wrapped", fmt.Errorf("remote: x: %w", &netError{io.EOF}), true},
		{"own client's session", &sftpwire.SessionError{Err: io.EOF}, true},
		{"pkg/sftp lost session", sftpFailure(sftp.ErrSSHFxConnectionLost), true},
		{"pkg/sftp closed connection", sftpFailure(fmt.Errorf("x: %w", io.EOF)), true},
		{"an error nobody marked", errors.New("something new"), false},
		{"pkg/sftp status", sftpFailure(&sftp.StatusError{Code: 4}), false},
		{"pkg/sftp missing file", sftpFailure(os.ErrNotExist), false},
		{"refusal inside a mark", &netError{fmt.Errorf("read: %w", os.ErrPermission)}, false},
		{"broken SCP stream inside a mark", &netError{fmt.Errorf("%w: line too long", ErrSCP)}, false},
		{"consumer", &writeError{&netError{io.EOF}}, false},
		{"cancelled", &netError{context.Canceled}, false},
		{"own client's status", &sftpwire.StatusError{Op: "open", Code: 3}, false},
		{"protocol error", fmt.Errorf("%w: bad", sftpwire.ErrProtocol), false},
		{"short read", ErrShortRead, false},
		{"checksum", ErrChecksum, false},
		{"SCP fallback under an SFTP reader", errNotSFTP, false},
	} {
		if got := retryable(c.err); got != c.want {
			t.Errorf("%s (%v): retryable %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
